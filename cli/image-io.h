/* The looklab CLI: reading and writing images through GEGL.
 *
 * Images keep their precision (8-bit stays u8, 16-bit stays u16, float and
 * half become float) and their colour space (the embedded ICC profile, or
 * a PNG's sRGB/gAMA/cHRM chunks, as GEGL's loaders read them; a WebP's
 * ICCP chunk, which GEGL ignores, is read here).  The
 * commands convert the pixels into the look's space
 * (looklab_image_convert, space/looklab-space.h) before core/ sees them,
 * and back into the file's space before saving.
 */
#ifndef LOOKLAB_CLI_IMAGE_IO_H
#define LOOKLAB_CLI_IMAGE_IO_H

#include <glib.h>

#include "common/pixels.h"

/* Images with more pixels than this are refused before decoding the
 * pixels: 16 bytes a pixel in float RGBA makes 4 GiB per copy. */
#define LOOKLAB_CLI_MAX_PIXELS ((gint64) 256 * 1000 * 1000)

typedef struct
{
  LookLabImageView view;  /* view.pixels points into data */
  void            *data;  /* owned */
  const void      *space; /* the file's babl space, for saving */
} LookLabImage;

/* Loads @path.  Returns NULL and sets @error when the file is missing, not
 * an image GEGL can read, too large, CMYK, or when its colour profile is
 * broken (GEGL would read it as sRGB without a word). */
LookLabImage *looklab_image_load (const char *path, GError **error);

/* Saves @image to @path, choosing the format by the extension; 8-bit
 * images are saved as 8-bit, 16-bit as 16-bit, float as float (TIFF:
 * 32-bit; OpenEXR as GEGL writes it) or 16-bit where the format has no
 * float (PNG).  Writes a temporary file in a private folder beside @path,
 * checks that it is complete (cli/image-check.h), gives it the mode of
 * the file it replaces and renames it, so @path is either untouched or
 * complete; a link to a file is written through.  The temporary file is
 * registered for removal on signals (common/atomic-file.h).  The image's
 * space is embedded as an ICC profile (a PNG in another space than sRGB
 * gets an iCCP chunk and no gAMA/cHRM, a WebP an ICCP chunk, which GEGL's
 * webp-save does not write). */
gboolean looklab_image_save (const LookLabImage *image, const char *path,
                             GError **error);

/* The babl format name of @format's pixels (with the file's space added by
 * babl_format_with_space, as loading and saving do). */
const char *looklab_image_babl_name (LookLabPixelFormat format);

/* Returns a new image of @width x @height in @format (uninitialised). */
LookLabImage *looklab_image_new (int width, int height,
                                 LookLabPixelFormat format, const void *space);

/* Converts @image's pixels into @space (NULL: sRGB) and @format, in place
 * (babl; a no-op when both are already the image's).  Returns FALSE with
 * @error set when memory runs out. */
gboolean looklab_image_convert (LookLabImage *image, const void *space,
                                LookLabPixelFormat format, GError **error);

/* The float format with @format's channels: what pixels are converted to
 * when they change space, so that 8-bit values are rounded once only, when
 * they are saved. */
LookLabPixelFormat looklab_pixel_format_float (LookLabPixelFormat format);

void looklab_image_free (LookLabImage *image);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LookLabImage, looklab_image_free)

#endif /* LOOKLAB_CLI_IMAGE_IO_H */
