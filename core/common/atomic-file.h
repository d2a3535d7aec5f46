/* LookLab core: writing a file so that it is either untouched or complete.
 *
 * The text goes to a temporary file beside the target (same directory, so
 * the final rename stays on one file system and is atomic), which is
 * flushed to disk and renamed over the target only when complete.  On any
 * failure, or a crash or SIGKILL before the rename, the target is as it
 * was.  Used by every core/ writer (.cube, look files) and by the CLI's
 * image writer.
 *
 * An existing target keeps its permission bits; a new one gets the mode a
 * new file gets (0666 less the umask).  A target that is a symbolic link
 * to a file is written through: the file it points to is replaced and the
 * link stays.
 *
 * A program that wants its temporary files removed when it is stopped by
 * SIGINT, SIGTERM, SIGHUP or SIGQUIT calls
 * looklab_atomic_file_remove_on_signals () once; the GIMP plug-in does not
 * (GIMP owns its signals).
 */
#ifndef LOOKLAB_ATOMIC_FILE_H
#define LOOKLAB_ATOMIC_FILE_H

#include <stdio.h>
#include <sys/types.h>

#include "common/looklab-status.h"

typedef struct
{
  FILE *fp;     /* write here between open and commit */
  char *tmp;    /* the temporary file's name, owned */
  char *path;   /* where it is renamed to (a link's target), owned */
  int   slot;   /* its entry in the signal cleanup list, or -1 */
  int   errnum; /* the first write error seen, 0 if none */
} LookLabAtomicFile;

/* Creates the temporary file for @path with the mode @path will have.
 * Returns 0 or LOOKLAB_ERR_IO / _NOMEM with a message in @diag; on failure
 * there is nothing to abort. */
int looklab_atomic_file_open (LookLabAtomicFile *af, const char *path,
                              LookLabDiag *diag);

/* Records a failed write (@errnum, an errno value) so that commit fails
 * with its message even when later calls succeed; 0 records nothing.
 * Writers that check each call use it; the stdio error flag is checked
 * anyway. */
void looklab_atomic_file_set_error (LookLabAtomicFile *af, int errnum);

/* Flushes, syncs, closes and renames over the target.  Returns 0, or
 * LOOKLAB_ERR_IO (the message names the first error, e.g. "No space left
 * on device", "File too large") after removing the temporary file.
 * Either way @af is finished with. */
int looklab_atomic_file_commit (LookLabAtomicFile *af, LookLabDiag *diag);

/* Removes the temporary file and leaves the target alone. */
void looklab_atomic_file_abort (LookLabAtomicFile *af);

/* Where to write when the target is @path: the file a symbolic link points
 * to (followed to the end), else @path itself.  Returns a new string
 * (free ()), or NULL when out of memory. */
char *looklab_atomic_file_resolve (const char *path);

/* The permission bits the file replacing @path gets: those of the existing
 * file, or 0666 less the umask. */
mode_t looklab_atomic_file_mode (const char *path);

/* Installs handlers for SIGINT, SIGTERM, SIGHUP and SIGQUIT that remove
 * every temporary file still registered and then die of the signal as
 * before (a signal ignored on entry, as under nohup, stays ignored), does
 * the same at exit (), and ignores SIGXFSZ, so that a file-size limit
 * (ulimit -f) makes writes fail with EFBIG, reported as an error, instead
 * of killing the process without a word.  Call once, early, from a
 * program's main (). */
void looklab_atomic_file_remove_on_signals (void);

/* Registers @path (a file, or when @is_dir an empty directory) for removal
 * by those handlers.  Returns the slot to pass to _forget, or -1 when the
 * list is full or @path too long (it is then simply not cleaned up). */
int looklab_atomic_file_track (const char *path, int is_dir);

/* Unregisters @slot (-1 is allowed). */
void looklab_atomic_file_forget (int slot);

#endif /* LOOKLAB_ATOMIC_FILE_H */
