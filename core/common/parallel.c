/* LookLab core: running independent jobs on threads (see parallel.h). */
#include "common/parallel.h"

#include <pthread.h>
#include <unistd.h>

int
looklab_parallel_threads (int n_threads, long n_items)
{
  if (n_threads <= 0)
    n_threads = (int) sysconf (_SC_NPROCESSORS_ONLN);
  if (n_threads < 1)
    n_threads = 1;
  if (n_threads > LOOKLAB_MAX_THREADS)
    n_threads = LOOKLAB_MAX_THREADS;
  if (n_items > 0 && n_threads > n_items)
    n_threads = (int) n_items;
  return n_threads;
}

void
looklab_parallel_run (void *(*worker) (void *), void *jobs, size_t job_size,
                      int n)
{
  pthread_t threads[LOOKLAB_MAX_THREADS];
  char     *job = jobs;
  int       t, started = 0;

  for (t = 1; t < n; t++)
    {
      if (pthread_create (&threads[t], NULL, worker, job + t * job_size) != 0)
        break;
      started = t;
    }
  for (t = started + 1; t < n; t++)
    worker (job + t * job_size);
  worker (job);
  for (t = 1; t <= started; t++)
    pthread_join (threads[t], NULL);
}
