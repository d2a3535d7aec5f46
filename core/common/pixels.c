/* LookLab core: pixel formats. */
#include "common/pixels.h"

#include <stdint.h>

size_t
looklab_pixel_format_bytes (LookLabPixelFormat format)
{
  switch (format)
    {
      case LOOKLAB_PIXEL_RGB_U8: return 3;
      case LOOKLAB_PIXEL_RGBA_U8: return 4;
      case LOOKLAB_PIXEL_RGB_U16: return 6;
      case LOOKLAB_PIXEL_RGBA_U16: return 8;
      case LOOKLAB_PIXEL_RGB_FLOAT: return 12;
      case LOOKLAB_PIXEL_RGBA_FLOAT: return 16;
    }
  return 0;
}

int
looklab_pixel_format_channels (LookLabPixelFormat format)
{
  switch (format)
    {
      case LOOKLAB_PIXEL_RGBA_U8:
      case LOOKLAB_PIXEL_RGBA_U16:
      case LOOKLAB_PIXEL_RGBA_FLOAT: return 4;
      default: return 3;
    }
}

void
looklab_image_view_get (const LookLabImageView *view, int x, int y,
                        float rgba[4])
{
  int                  channels = looklab_pixel_format_channels (view->format);
  const unsigned char *row
      = (const unsigned char *) view->pixels + (size_t) y * view->stride;
  int c;

  rgba[3] = 1.0f;
  for (c = 0; c < channels; c++)
    {
      switch (view->format)
        {
          case LOOKLAB_PIXEL_RGB_U8:
          case LOOKLAB_PIXEL_RGBA_U8:
            rgba[c] = row[(size_t) x * channels + c] / 255.0f;
            break;
          case LOOKLAB_PIXEL_RGB_U16:
          case LOOKLAB_PIXEL_RGBA_U16:
            rgba[c] = ((const uint16_t *) row)[(size_t) x * channels + c]
                      / 65535.0f;
            break;
          case LOOKLAB_PIXEL_RGB_FLOAT:
          case LOOKLAB_PIXEL_RGBA_FLOAT:
            rgba[c] = ((const float *) row)[(size_t) x * channels + c];
            break;
        }
    }
}
