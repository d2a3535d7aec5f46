/* LookLab core: temporary file + rename, shared by every writer. */
#include "common/atomic-file.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The temporary files a signal handler removes.  Fixed arrays, so that the
 * handler touches no heap: a slot's state is set only after its name is
 * complete and cleared before the name is reused. */
#define TRACK_SLOTS 16
#define TRACK_NAME_MAX 4096

static char                  track_name[TRACK_SLOTS][TRACK_NAME_MAX];
static volatile sig_atomic_t track_state[TRACK_SLOTS]; /* 0, 1 file, 2 dir */
static pthread_mutex_t       track_lock = PTHREAD_MUTEX_INITIALIZER;

static const int cleanup_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

int
looklab_atomic_file_track (const char *path, int is_dir)
{
  size_t len = strlen (path);
  int    slot = -1, i;

  if (len >= TRACK_NAME_MAX)
    return -1;
  pthread_mutex_lock (&track_lock);
  for (i = 0; i < TRACK_SLOTS && slot < 0; i++)
    if (track_state[i] == 0)
      {
        memcpy (track_name[i], path, len + 1);
        track_state[i] = is_dir ? 2 : 1;
        slot = i;
      }
  pthread_mutex_unlock (&track_lock);
  return slot;
}

void
looklab_atomic_file_forget (int slot)
{
  if (slot < 0 || slot >= TRACK_SLOTS)
    return;
  pthread_mutex_lock (&track_lock);
  track_state[slot] = 0;
  pthread_mutex_unlock (&track_lock);
}

/* Only async-signal-safe calls (unlink, rmdir; POSIX.1-2008 2.4.3).
 * Files before directories, so a directory is empty when its turn
 * comes. */
static void
remove_tracked (void)
{
  int pass, i;

  for (pass = 1; pass <= 2; pass++)
    for (i = 0; i < TRACK_SLOTS; i++)
      if (track_state[i] == pass)
        {
          if (pass == 1)
            unlink (track_name[i]);
          else
            rmdir (track_name[i]);
        }
}

static void
remove_tracked_on_signal (int sig)
{
  remove_tracked ();
  /* SA_RESETHAND restored the default action: die of the same signal, so
   * that the parent sees what stopped us. */
  raise (sig);
}

void
looklab_atomic_file_remove_on_signals (void)
{
  struct sigaction sa, old;
  size_t           i;

  memset (&sa, 0, sizeof sa);
  sa.sa_handler = remove_tracked_on_signal;
  sa.sa_flags = SA_RESETHAND;
  sigemptyset (&sa.sa_mask);
  for (i = 0; i < sizeof cleanup_signals / sizeof cleanup_signals[0]; i++)
    sigaddset (&sa.sa_mask, cleanup_signals[i]);
  for (i = 0; i < sizeof cleanup_signals / sizeof cleanup_signals[0]; i++)
    {
      /* A signal the caller ignores (nohup) stays ignored. */
      if (sigaction (cleanup_signals[i], NULL, &old) == 0
          && old.sa_handler == SIG_IGN)
        continue;
      sigaction (cleanup_signals[i], &sa, NULL);
    }
  signal (SIGXFSZ, SIG_IGN);
  /* Libraries that exit () on a write error (libjpeg's default error
   * handler does, on a full disk) leave nothing behind either. */
  atexit (remove_tracked);
}

char *
looklab_atomic_file_resolve (const char *path)
{
  struct stat st;

  if (lstat (path, &st) == 0 && S_ISLNK (st.st_mode))
    {
      /* A dangling link has no target to replace: the link itself is. */
      char *target = realpath (path, NULL);
      if (target != NULL)
        return target;
    }
  return strdup (path);
}

mode_t
looklab_atomic_file_mode (const char *path)
{
  struct stat st;
  mode_t      mask;

  if (stat (path, &st) == 0 && S_ISREG (st.st_mode))
    return st.st_mode & 0777;
  /* umask can only be read by setting it; this is single-shot. */
  mask = umask (0);
  umask (mask);
  return 0666 & ~mask;
}

static void
atomic_file_clear (LookLabAtomicFile *af)
{
  looklab_atomic_file_forget (af->slot);
  free (af->tmp);
  free (af->path);
  af->tmp = af->path = NULL;
  af->fp = NULL;
  af->slot = -1;
}

int
looklab_atomic_file_open (LookLabAtomicFile *af, const char *path,
                          LookLabDiag *diag)
{
  size_t len;
  int    fd;

  memset (af, 0, sizeof *af);
  af->slot = -1;
  if (path == NULL)
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0, "no file name");
  af->path = looklab_atomic_file_resolve (path);
  len = af->path != NULL ? strlen (af->path) : 0;
  af->tmp = malloc (len + sizeof ".XXXXXX");
  if (af->path == NULL || af->tmp == NULL)
    {
      atomic_file_clear (af);
      return looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0, "out of memory");
    }
  memcpy (af->tmp, af->path, len);
  memcpy (af->tmp + len, ".XXXXXX", sizeof ".XXXXXX");

  fd = mkstemp (af->tmp);
  if (fd < 0)
    {
      int saved = errno;
      atomic_file_clear (af);
      return looklab_diag_set (diag, LOOKLAB_ERR_IO, 0,
                               "cannot create a file beside %s: %s", path,
                               strerror (saved));
    }
  af->slot = looklab_atomic_file_track (af->tmp, 0);
  /* mkstemp makes the file private; give it the target's mode. */
  fchmod (fd, looklab_atomic_file_mode (af->path));
  af->fp = fdopen (fd, "wb");
  if (af->fp == NULL)
    {
      close (fd);
      looklab_atomic_file_abort (af);
      return looklab_diag_set (diag, LOOKLAB_ERR_IO, 0, "cannot write %s",
                               path);
    }
  return LOOKLAB_OK;
}

void
looklab_atomic_file_set_error (LookLabAtomicFile *af, int errnum)
{
  if (af->errnum == 0)
    af->errnum = errnum;
}

int
looklab_atomic_file_commit (LookLabAtomicFile *af, LookLabDiag *diag)
{
  /* The stdio error flag says a write failed but not why; a flush of what
   * is still buffered usually fails again and tells. */
  if (fflush (af->fp) != 0)
    looklab_atomic_file_set_error (af, errno);
  if (ferror (af->fp))
    looklab_atomic_file_set_error (af, EIO);
  if (af->errnum == 0 && fsync (fileno (af->fp)) != 0)
    looklab_atomic_file_set_error (af, errno);
  if (fclose (af->fp) != 0)
    looklab_atomic_file_set_error (af, errno);
  af->fp = NULL;
  if (af->errnum == 0 && rename (af->tmp, af->path) != 0)
    looklab_atomic_file_set_error (af, errno);
  if (af->errnum == 0)
    {
      atomic_file_clear (af);
      return LOOKLAB_OK;
    }
  looklab_diag_set (diag, LOOKLAB_ERR_IO, 0, "cannot write %s: %s", af->path,
                    strerror (af->errnum));
  unlink (af->tmp);
  atomic_file_clear (af);
  return LOOKLAB_ERR_IO;
}

void
looklab_atomic_file_abort (LookLabAtomicFile *af)
{
  int saved = errno; /* callers report the error that made them abort */

  if (af->fp != NULL)
    fclose (af->fp);
  if (af->tmp != NULL)
    unlink (af->tmp);
  atomic_file_clear (af);
  errno = saved;
}
