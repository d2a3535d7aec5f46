/* The looklab CLI: checks on input files before they are decoded.
 *
 * GEGL's loaders report a truncated or damaged file only on the console
 * (libpng and libjpeg print a warning, gegl:png-load a g_warning) and hand
 * back an image with black or grey rows; and a small file whose header
 * claims a large image makes them allocate it all before finding the data
 * missing.  So the file's structure is checked first, which costs one read
 * of the file and no image-sized memory.
 */
#ifndef LOOKLAB_CLI_IMAGE_CHECK_H
#define LOOKLAB_CLI_IMAGE_CHECK_H

#include <glib.h>

#include "image-io.h"

/* Returns TRUE when @path names a regular file; else sets @error with a
 * message that says what it is (missing, a folder, a FIFO...).  A FIFO
 * would make a reader wait for a writer forever. */
gboolean looklab_cli_check_input (const char *path, GError **error);

/* Returns whether @a and @b are the same existing file (one inode). */
gboolean looklab_cli_same_file (const char *a, const char *b);

/* Returns TRUE when the image at @path is complete as far as its format
 * shows without decoding it; else sets @error (truncated or damaged):
 *   PNG: every chunk's CRC matches, IEND is there, and the IDAT stream
 *        inflates without error to the bytes the IHDR's size needs;
 *   JPEG: the segments are whole up to EOI (stray bytes between them are
 *        skipped, as libjpeg does), and the coded data is at
 *        least one bit per 8 x 8 block (the least a Huffman-coded scan
 *        spends on a block); arithmetic-coded files get the EOI check only;
 *   PPM/PGM: the file holds the pixel bytes its header promises;
 *   WebP: the file holds the bytes its RIFF header promises.
 * TIFF and OpenEXR are not checked here. */
gboolean looklab_image_check_complete (const char *path, GError **error);

/* Turns *@image upright after the EXIF orientation tag of the JPEG at
 * @path (tag 274; values 2..8 mirror and rotate), replacing *@image.  The
 * savers write no EXIF, so the pixels themselves are turned, as GIMP does
 * on import.  Returns FALSE and sets @error only when out of memory; a file
 * without the tag, or a build without libexif, is left as it is. */
gboolean looklab_image_apply_orientation (LookLabImage **image,
                                          const char *path, GError **error);

/* The EXIF orientation (1..8) of the JPEG at @path; 1 when it has none or
 * libexif is missing. */
int looklab_image_exif_orientation (const char *path);

#endif /* LOOKLAB_CLI_IMAGE_CHECK_H */
