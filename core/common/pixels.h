/* LookLab core: the pixel buffers core/ works on.
 *
 * Interleaved RGB or RGBA in u8, u16 or float: the formats GIMP and GEGL
 * hand over ("R'G'B'A u8" and friends).  Values are non-linear (sRGB-like)
 * code values; u8 and u16 map 0..max to [0, 1].
 */
#ifndef LOOKLAB_PIXELS_H
#define LOOKLAB_PIXELS_H

#include <stddef.h>

typedef enum
{
  LOOKLAB_PIXEL_RGB_U8,
  LOOKLAB_PIXEL_RGBA_U8,
  LOOKLAB_PIXEL_RGB_U16,
  LOOKLAB_PIXEL_RGBA_U16,
  LOOKLAB_PIXEL_RGB_FLOAT,
  LOOKLAB_PIXEL_RGBA_FLOAT
} LookLabPixelFormat;

/* A caller-owned image: nothing here is freed by core/. */
typedef struct
{
  const void        *pixels;
  LookLabPixelFormat format;
  int                width;
  int                height;
  size_t             stride; /* bytes from one row to the next */
} LookLabImageView;

/* Returns the bytes of one pixel of @format. */
size_t looklab_pixel_format_bytes (LookLabPixelFormat format);

/* Returns 4 when @format has alpha, else 3. */
int looklab_pixel_format_channels (LookLabPixelFormat format);

/* Reads pixel @x of row @y of @view as float RGBA (alpha 1 when the format
 * has none).  For tests and slow paths; the kernels do not use it. */
void looklab_image_view_get (const LookLabImageView *view, int x, int y,
                             float rgba[4]);

#endif /* LOOKLAB_PIXELS_H */
