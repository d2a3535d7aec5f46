/* LookLab core: temporary file + rename, shared by every writer. */
#include "common/atomic-file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void
atomic_file_clear (LookLabAtomicFile *af)
{
  free (af->tmp);
  free (af->path);
  af->tmp = af->path = NULL;
  af->fp = NULL;
}

int
looklab_atomic_file_open (LookLabAtomicFile *af, const char *path,
                          LookLabDiag *diag)
{
  size_t len;
  mode_t mask;
  int    fd;

  memset (af, 0, sizeof *af);
  if (path == NULL)
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0, "no file name");
  len = strlen (path);
  af->path = strdup (path);
  af->tmp = malloc (len + sizeof ".XXXXXX");
  if (af->path == NULL || af->tmp == NULL)
    {
      atomic_file_clear (af);
      return looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0, "out of memory");
    }
  memcpy (af->tmp, path, len);
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
  /* umask can only be read by setting it; this is single-shot. */
  mask = umask (0);
  umask (mask);
  fchmod (fd, 0666 & ~mask);
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

int
looklab_atomic_file_commit (LookLabAtomicFile *af, LookLabDiag *diag)
{
  int failed = ferror (af->fp) != 0;

  failed |= fflush (af->fp) != 0 || fsync (fileno (af->fp)) != 0;
  failed |= fclose (af->fp) != 0;
  af->fp = NULL;
  if (!failed && rename (af->tmp, af->path) == 0)
    {
      atomic_file_clear (af);
      return LOOKLAB_OK;
    }
  looklab_diag_set (diag, LOOKLAB_ERR_IO, 0, "cannot write %s: %s", af->path,
                    strerror (errno));
  unlink (af->tmp);
  atomic_file_clear (af);
  return LOOKLAB_ERR_IO;
}

void
looklab_atomic_file_abort (LookLabAtomicFile *af)
{
  if (af->fp != NULL)
    fclose (af->fp);
  if (af->tmp != NULL)
    unlink (af->tmp);
  atomic_file_clear (af);
}
