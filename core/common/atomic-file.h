/* LookLab core: writing a file so that it is either untouched or complete.
 *
 * The text goes to a temporary file beside the target (same directory, so
 * the final rename stays on one file system and is atomic), which is
 * flushed to disk and renamed over the target only when complete.  On any
 * failure, or a crash or SIGKILL before the rename, the target is as it
 * was.  Used by every core/ writer (.cube, look files).
 */
#ifndef LOOKLAB_ATOMIC_FILE_H
#define LOOKLAB_ATOMIC_FILE_H

#include <stdio.h>

#include "common/looklab-status.h"

typedef struct
{
  FILE *fp;   /* write here between open and commit */
  char *tmp;  /* the temporary file's name, owned */
  char *path; /* the target, owned */
} LookLabAtomicFile;

/* Creates the temporary file for @path, with the mode a new file gets
 * (mkstemp alone would make it private).  Returns 0 or LOOKLAB_ERR_IO /
 * _NOMEM with a message in @diag; on failure there is nothing to abort. */
int looklab_atomic_file_open (LookLabAtomicFile *af, const char *path,
                              LookLabDiag *diag);

/* Flushes, syncs, closes and renames over the target.  Returns 0, or
 * LOOKLAB_ERR_IO after removing the temporary file.  Either way @af is
 * finished with. */
int looklab_atomic_file_commit (LookLabAtomicFile *af, LookLabDiag *diag);

/* Removes the temporary file and leaves the target alone. */
void looklab_atomic_file_abort (LookLabAtomicFile *af);

#endif /* LOOKLAB_ATOMIC_FILE_H */
