/* LookLab core: running independent jobs on threads.
 *
 * Every parallel loop of core/ splits its work into jobs that write
 * nothing another job reads, so the result never depends on how many
 * threads ran them, or on which. */
#ifndef LOOKLAB_PARALLEL_H
#define LOOKLAB_PARALLEL_H

#include <stddef.h>

/* At most this many threads (jobs arrays are sized by it). */
#define LOOKLAB_MAX_THREADS 64

/* The number of threads for a request of @n_threads (0 or less: one a
 * core), between 1 and LOOKLAB_MAX_THREADS, and not more than @n_items
 * (the pieces the work splits into; 0 for no such bound). */
int looklab_parallel_threads (int n_threads, long n_items);

/* Runs @worker on each of the @n jobs at @jobs, @job_size bytes apart:
 * job 0 on the calling thread, the others each on a thread of its own
 * (on the calling thread when one cannot be started); returns when all
 * are done.  @n is at most LOOKLAB_MAX_THREADS. */
void looklab_parallel_run (void *(*worker) (void *), void *jobs,
                           size_t job_size, int n);

#endif /* LOOKLAB_PARALLEL_H */
