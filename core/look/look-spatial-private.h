/* LookLab core: the spatial parts of a look at one pixel (look file
 * version 2), shared by applying them (look-spatial.c) and fitting them
 * (look-spatial-fit.c).  The model is described at the top of
 * look-spatial.c. */
#ifndef LOOKLAB_LOOK_SPATIAL_PRIVATE_H
#define LOOKLAB_LOOK_SPATIAL_PRIVATE_H

#include <math.h>

#include "look/look-private.h"

static inline float
looklab_clamp01 (float v)
{
  if (!(v > 0.0f))
    return 0.0f;
  return v < 1.0f ? v : 1.0f;
}

typedef struct
{
  float wx, wy, cx, cy, sx, sy; /* sx = 2 / W, sy = 2 / H */
} LookLabRadial;

static inline void
looklab_radial_init (LookLabRadial *rad, float prop, float cx, float cy, int w,
                     int h)
{
  double w2 = (double) w * w, h2 = (double) h * h;

  rad->wx = (float) (prop / 2.0 + (1.0 - prop) * w2 / (w2 + h2));
  rad->wy = (float) (prop / 2.0 + (1.0 - prop) * h2 / (w2 + h2));
  rad->cx = cx;
  rad->cy = cy;
  rad->sx = 2.0f / (float) w;
  rad->sy = 2.0f / (float) h;
}

static inline float
looklab_radial_r (const LookLabRadial *rad, int x, int y)
{
  float u = ((float) x + 0.5f) * rad->sx - 1.0f - rad->cx;
  float v = ((float) y + 0.5f) * rad->sy - 1.0f - rad->cy;

  return sqrtf (rad->wx * u * u + rad->wy * v * v);
}

/* Knot index and weight of the next knot for @t in [0, 1] over @k knots. */
static inline int
looklab_knot_pos (float t, int k, float *f)
{
  float s = looklab_clamp01 (t) * (float) (k - 1);
  int   j = (int) s;

  if (j >= k - 1)
    j = k - 2;
  *f = s - (float) j;
  return j;
}

static inline float
looklab_spatial_luma (const float *rgb)
{
  return 0.2126f * rgb[0] + 0.7152f * rgb[1] + 0.0722f * rgb[2];
}

/* The radial part's RGB gain @a and offset @o at radius @r. */
static inline void
looklab_vignette_at (const float *vig, int k, float r, float *a, float *o)
{
  float f;
  int   j = looklab_knot_pos (r, k, &f), c;

  for (c = 0; c < 3; c++)
    {
      a[c] = vig[j * 3 + c] * (1.0f - f) + vig[(j + 1) * 3 + c] * f;
      o[c] = vig[(k + j) * 3 + c] * (1.0f - f) + vig[(k + j + 1) * 3 + c] * f;
    }
}

/* z = a (r) g + o (r) */
static inline void
looklab_vignette_apply (const float *vig, int k, float r, float *z)
{
  float a[3], o[3];
  int   c;

  looklab_vignette_at (vig, k, r, a, o);
  for (c = 0; c < 3; c++)
    z[c] = a[c] * z[c] + o[c];
}

/* The position field's coordinates of pixel (@x, @y): s and t in [0, 1]
 * across the image's width and height (pixel centres), so the field
 * stretches with the frame. */
static inline void
looklab_field_st (const LookLabRadial *rad, int x, int y, float *s, float *t)
{
  *s = ((float) x + 0.5f) * rad->sx * 0.5f;
  *t = ((float) y + 0.5f) * rad->sy * 0.5f;
}

/* The field's RGB gain @b at (@s, @t): bilinear between the @k x @k
 * nodes of @fld (node (i, j) at (i / (k - 1), j / (k - 1)), row j from the
 * top). */
static inline void
looklab_field_at (const float *fld, int k, float s, float t, float *b)
{
  float  fs, ft;
  int    i = looklab_knot_pos (s, k, &fs), j = looklab_knot_pos (t, k, &ft);
  size_t n00 = (size_t) j * k + i, c;
  float  w00 = (1.0f - fs) * (1.0f - ft), w10 = fs * (1.0f - ft);
  float  w01 = (1.0f - fs) * ft, w11 = fs * ft;

  for (c = 0; c < 3; c++)
    {
      const float *g = fld + c;

      b[c] = w00 * g[n00 * 3] + w10 * g[(n00 + 1) * 3] + w01 * g[(n00 + k) * 3]
             + w11 * g[(n00 + k + 1) * 3];
    }
}

/* z = b (s, t) z */
static inline void
looklab_field_apply (const float *fld, int k, float s, float t, float *z)
{
  float b[3];
  int   c;

  looklab_field_at (fld, k, s, t, b);
  for (c = 0; c < 3; c++)
    z[c] *= b[c];
}

static inline float
looklab_detail_gain (const float *det, int k, float l)
{
  float f;
  int   j = looklab_knot_pos (l, k, &f);

  return det[j] * (1.0f - f) + det[j + 1] * f;
}

static inline double
looklab_detail_sigma_px (float sigma, int full_w, int full_h)
{
  return (double) sigma
         * sqrt ((double) full_w * full_w + (double) full_h * full_h);
}

/* Blurs interleaved RGB @img (w x h) in place with a Gaussian of @sigma
 * pixels (look-spatial.c). */
int looklab_spatial_blur_rgb (float *img, int w, int h, double sigma,
                              int n_threads);

/* Row @y of @view as interleaved float RGB, and the alpha of one pixel (1
 * when the format has none). */
void looklab_spatial_read_row (const LookLabImageView *view, int y, float *rgb);
float looklab_spatial_read_alpha (const LookLabImageView *view, int x, int y);

#endif /* LOOKLAB_LOOK_SPATIAL_PRIVATE_H */
