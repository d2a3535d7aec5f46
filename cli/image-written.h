/* The looklab CLI: is a freshly written image file complete?
 *
 * GEGL's save operations report a failed write (a full disk, a file-size
 * limit, an I/O error) only on the console, if at all, and then leave a
 * truncated file (measured with GEGL 0.4.62: png-save prints
 * "write_fn: Error writing to file" per row, tiff-save and exr-save a
 * g_warning, none of them fails the graph).  So the written file's own
 * structure is checked instead: every format here records where its parts
 * are or ends with a marker, and a file cut short or with a gap misses it.
 */
#ifndef LOOKLAB_CLI_IMAGE_WRITTEN_H
#define LOOKLAB_CLI_IMAGE_WRITTEN_H

#include <glib.h>

/* Checks that @path, written by the GEGL saver @saver ("gegl:png-save",
 * "gegl:tiff-save", "gegl:exr-save", "gegl:jpg-save", "gegl:webp-save"),
 * is complete, and flushes it to disk.  Returns TRUE, or FALSE with
 * @error set: the reason a write at the end of the file fails now (No
 * space left on device, File too large, ...), else that the file is
 * incomplete. */
gboolean looklab_image_check_written (const char *path, const char *saver,
                                      GError **error);

/* What a saver prints while it runs, held back: GEGL's png-save leaves
 * the bKGD colour uninitialised for any space but sRGB (GEGL 0.4.62,
 * export_png ()), so libpng warns "Ignoring attempt to write 16-bit bKGD
 * chunk" on runs that succeed; and on a full disk it prints one line per
 * row, where the caller's own message says it all. */
typedef struct
{
  int saved;   /* the real stderr, or -1 when nothing is captured */
  int capture; /* an in-memory file holding what was printed */
} LookLabStderrCapture;

/* Sends stderr to memory until _end (does nothing where that fails). */
void looklab_stderr_capture_begin (LookLabStderrCapture *c);

/* Restores stderr; with @replay, prints what was held back there, less
 * libpng's bKGD warning. */
void looklab_stderr_capture_end (LookLabStderrCapture *c, gboolean replay);

#endif /* LOOKLAB_CLI_IMAGE_WRITTEN_H */
