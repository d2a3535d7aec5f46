/* LookLab core: opening a regular file without blocking on a FIFO. */
#include "common/file-open.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int
looklab_file_open_regular (const char *path, FILE **fp, struct stat *st,
                           LookLabDiag *diag)
{
  int fd, flags, status;

  *fp = NULL;
  /* O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer
   * (POSIX open(), "O_NONBLOCK"); it has no effect on a regular file. */
  fd = open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return looklab_diag_set (diag, LOOKLAB_ERR_IO, 0, "cannot open %s: %s",
                             path, strerror (errno));
  if (fstat (fd, st) != 0)
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_IO, 0, "cannot read %s: %s",
                                 path, strerror (errno));
      goto fail;
    }
  if (S_ISDIR (st->st_mode))
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_IO, 0,
                                 "%s is a folder, not a file", path);
      goto fail;
    }
  if (!S_ISREG (st->st_mode))
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_IO, 0,
                                 "%s is not a regular file (a FIFO, socket "
                                 "or device)",
                                 path);
      goto fail;
    }
  flags = fcntl (fd, F_GETFL);
  if (flags >= 0)
    fcntl (fd, F_SETFL, flags & ~O_NONBLOCK);
  *fp = fdopen (fd, "rb");
  if (*fp == NULL)
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0, "out of memory");
      goto fail;
    }
  return LOOKLAB_OK;

fail:
  close (fd);
  return status;
}
