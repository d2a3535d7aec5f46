/* LookLab core: the planes registration works on, shared by align.c,
 * align-image.c and align-pair.c.  Not installed. */
#ifndef LOOKLAB_ALIGN_PRIVATE_H
#define LOOKLAB_ALIGN_PRIVATE_H

#include "align/align.h"

/* A float image of @ch interleaved channels, owned. */
typedef struct
{
  int    w, h, ch;
  float *p;
} AlignPlane;

void align_plane_clear (AlignPlane *plane);

/* Area-averages @view by @f >= 1 (an output pixel covers f x f input
 * pixels; the size is floor (size / f), at least 1).  @rgbv: 4 channels (R,
 * G, B, and 1 where alpha > 0 and the values are finite), else 1 channel of
 * luminance (R + 2G + B) / 4.  Returns 0 or LOOKLAB_ERR_NOMEM. */
int align_view_resample (const LookLabImageView *view, double f, int rgbv,
                         AlignPlane *out);

/* The same on a plane. */
int align_plane_resample (const AlignPlane *src, double f, AlignPlane *out);

/* Locally normalised luminance: (L - mean) / sqrt (var + eps^2) over a
 * (2r + 1)^2 window, which keeps the structure and drops the tones a look
 * changes.  Returns 0 or LOOKLAB_ERR_NOMEM. */
int align_plane_normalise (const AlignPlane *l, int r, float eps,
                           AlignPlane *out);

/* Central-difference gradients of a 1-channel plane. */
int align_plane_gradient (const AlignPlane *src, AlignPlane *gx,
                          AlignPlane *gy);

/* Gaussian blur of every channel, in place; borders clamp.  @n_threads:
 * 0 = all cores; the result is the same for any count. */
int align_plane_blur (AlignPlane *plane, double sigma, int n_threads);

/* Bilinear sample of channel @c at continuous (x, y) (pixel i covers
 * [i, i + 1)); returns 0 when outside the pixel centres' hull. */
static inline int
align_plane_sample (const AlignPlane *p, int c, double x, double y, float *v)
{
  double       fx = x - 0.5, fy = y - 0.5;
  int          ix, iy;
  float        ax, ay;
  const float *r0, *r1;

  if (!(fx >= 0.0 && fy >= 0.0 && fx <= p->w - 1 && fy <= p->h - 1))
    return 0;
  ix = (int) fx;
  iy = (int) fy;
  if (ix > p->w - 2)
    ix = p->w - 2;
  if (iy > p->h - 2)
    iy = p->h - 2;
  if (ix < 0)
    ix = 0;
  if (iy < 0)
    iy = 0;
  ax = (float) (fx - ix);
  ay = (float) (fy - iy);
  r0 = p->p + ((size_t) iy * p->w + ix) * p->ch + c;
  r1 = r0 + (size_t) p->w * p->ch;
  if (p->w == 1 || p->h == 1)
    {
      *v = r0[0];
      return 1;
    }
  *v = (1.0f - ay) * ((1.0f - ax) * r0[0] + ax * r0[p->ch])
       + ay * ((1.0f - ax) * r1[0] + ax * r1[p->ch]);
  return 1;
}

#endif /* LOOKLAB_ALIGN_PRIVATE_H */
