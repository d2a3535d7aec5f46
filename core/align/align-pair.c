/* LookLab core: the corresponding colours of a registered pair (see
 * align.h, looklab_align_pair).
 *
 * The working frame is the before reduced by an area average, no finer
 * than the after (upsampling the after adds no colour) and at most about
 * 2 megapixels: the fit bins colours (look-samples.c), and 2 MP of a photo
 * fill its bins as well as 24 MP do.  Both images are blurred at the scale
 * of the residual misalignment (at least a frame pixel), then pixels are
 * kept only where the residual cannot move the colour much: where the
 * blurred before's gradient times the residual stays under about 2.5 code
 * values, and always the flattest 30 % of the overlap.  The blur itself
 * is taken into the fit (looklab_aligned_pair_from_fine (), look-learn.c).
 */
#include "align/align-private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define FRAME_PIXELS 2.0e6
#define EDGE_ERROR 0.01 /* colour error allowed from misalignment, [0, 1] */
#define KEEP_FLATTEST 0.3

void
looklab_aligned_pair_clear (LookLabAlignedPair *pair)
{
  free (pair->before);
  free (pair->fine);
  free (pair->after);
  free (pair->mask);
  memset (pair, 0, sizeof (*pair));
}

int
looklab_align_pair (const LookLabImageView *before,
                    const LookLabImageView *after, const LookLabAlignment *al,
                    int n_threads, LookLabAlignedPair *pair, LookLabDiag *diag)
{
  AlignPlane pb = { 0 }, pa = { 0 }, wa = { 0 };
  double     g, fa, inv[9], r, delta, threshold;
  float     *grad = NULL;
  int        status = LOOKLAB_OK, x, y, w, h, n_valid = 0, n_used = 0;
  unsigned   hist[1024] = { 0 };

  memset (pair, 0, sizeof (*pair));
  g = sqrt ((double) before->width * before->height / FRAME_PIXELS);
  /* Below 1.25 the after's extra blur is too small to matter (as in
   * align.c); the frame then stays at the before's resolution. */
  g = fmax (1.0, fmax (g, al->scale < 1.25 ? 1.0 : al->scale));
  fa = fmax (1.0, g / al->scale);
  {
    const double *m = al->h;
    double        det = m[0] * (m[4] * m[8] - m[5] * m[7])
                 - m[1] * (m[3] * m[8] - m[5] * m[6])
                 + m[2] * (m[3] * m[7] - m[4] * m[6]);

    if (!(fabs (det) > 1e-300))
      return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0,
                               "the alignment is singular");
    inv[0] = (m[4] * m[8] - m[5] * m[7]) / det;
    inv[1] = (m[2] * m[7] - m[1] * m[8]) / det;
    inv[2] = (m[1] * m[5] - m[2] * m[4]) / det;
    inv[3] = (m[5] * m[6] - m[3] * m[8]) / det;
    inv[4] = (m[0] * m[8] - m[2] * m[6]) / det;
    inv[5] = (m[2] * m[3] - m[0] * m[5]) / det;
    inv[6] = (m[3] * m[7] - m[4] * m[6]) / det;
    inv[7] = (m[1] * m[6] - m[0] * m[7]) / det;
    inv[8] = (m[0] * m[4] - m[1] * m[3]) / det;
  }
  if ((status = align_view_resample (before, g, 1, &pb)) != LOOKLAB_OK
      || (status = align_view_resample (after, fa, 1, &pa)) != LOOKLAB_OK)
    goto out;
  w = pb.w;
  h = pb.h;
  wa.w = w;
  wa.h = h;
  wa.ch = 4;
  wa.p = calloc ((size_t) w * h * 4, sizeof (float));
  grad = malloc (sizeof (float) * (size_t) w * h);
  if (wa.p == NULL || grad == NULL)
    {
      status = LOOKLAB_ERR_NOMEM;
      goto out;
    }
  /* The after in the frame: frame pixel -> before -> after -> its plane. */
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      {
        double bx = (x + 0.5) * g, by = (y + 0.5) * g;
        double d = inv[6] * bx + inv[7] * by + inv[8], ax, ay;
        float *o = wa.p + ((size_t) y * w + x) * 4;
        int    c;

        if (!(fabs (d) > 1e-12))
          continue;
        ax = (inv[0] * bx + inv[1] * by + inv[2]) / d / fa;
        ay = (inv[3] * bx + inv[4] * by + inv[5]) / d / fa;
        for (c = 0; c < 4; c++)
          if (!align_plane_sample (&pa, c, ax, ay, &o[c]))
            {
              o[3] = 0.0f;
              break;
            }
      }
  /* Blur at the residual's scale; the validity channel blurs too, so
   * requiring it to stay 1 keeps the blur away from the overlap's edge. */
  delta = fmax (0.5, al->residual_px / g);
  pair->blur_px = fmax (1.0, 2.0 * delta);
  /* The before at the finest resolution the frame cap allows, unblurred,
   * for a fit through the blur (looklab_aligned_pair_from_fine ()). */
  {
    double g0 = fmax (
        1.0, sqrt ((double) before->width * before->height / FRAME_PIXELS));
    AlignPlane  pf = { 0 };
    AlignPlane *src = &pb;

    if (g > g0 * 1.01)
      {
        if ((status = align_view_resample (before, g0, 1, &pf)) != LOOKLAB_OK)
          goto out;
        src = &pf;
        pair->fine_step = g / g0;
      }
    else
      pair->fine_step = 1.0;
    pair->fine_width = src->w;
    pair->fine_height = src->h;
    pair->fine = malloc (sizeof (float) * (size_t) src->w * src->h * 3);
    if (pair->fine != NULL)
      for (x = 0; x < src->w * src->h; x++)
        {
          pair->fine[x * 3] = src->p[x * 4];
          pair->fine[x * 3 + 1] = src->p[x * 4 + 1];
          pair->fine[x * 3 + 2] = src->p[x * 4 + 2];
        }
    align_plane_clear (&pf);
    if (pair->fine == NULL)
      {
        status = LOOKLAB_ERR_NOMEM;
        goto out;
      }
  }
  if ((status = align_plane_blur (&pb, pair->blur_px, n_threads)) != LOOKLAB_OK
      || (status = align_plane_blur (&wa, pair->blur_px, n_threads))
             != LOOKLAB_OK)
    goto out;
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      {
        const float *p = pb.p + ((size_t) y * w + x) * 4;
        int          xm = x > 0 ? -4 : 0, xp = x < w - 1 ? 4 : 0;
        int          ym = y > 0 ? -4 * w : 0, yp = y < h - 1 ? 4 * w : 0;
        float        lx, ly, gm;

        if (!(p[3] > 0.999f && wa.p[((size_t) y * w + x) * 4 + 3] > 0.999f))
          {
            grad[(size_t) y * w + x] = -1.0f;
            continue;
          }
        lx = 0.25f
             * ((p[xp] + 2 * p[xp + 1] + p[xp + 2])
                - (p[xm] + 2 * p[xm + 1] + p[xm + 2]));
        ly = 0.25f
             * ((p[yp] + 2 * p[yp + 1] + p[yp + 2])
                - (p[ym] + 2 * p[ym + 1] + p[ym + 2]));
        gm = sqrtf (lx * lx + ly * ly) * 0.5f;
        grad[(size_t) y * w + x] = gm;
        n_valid++;
        hist[gm * 1024.0f / 0.25f >= 1023.0f ? 1023
                                             : (int) (gm * 1024.0f / 0.25f)]++;
      }
  if (n_valid == 0)
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_EMPTY, 0,
                                 "the aligned images have no overlap to "
                                 "learn from");
      goto out;
    }
  /* The blur is taken into the fit (look-learn.c), so only what the
   * registration's own residual can move is left out: not floored at the
   * blur's half pixel.  Fitting to every such pixel, edges included, beat
   * the flat pixels alone by 0.04 held-out dE00 on bench-unaligned, on
   * each of its six looks (2026-12-07). */
  threshold = EDGE_ERROR / fmax (0.01, al->residual_px / g);
  {
    unsigned acc = 0;
    int      i;

    for (i = 0; i < 1024; i++)
      {
        acc += hist[i];
        if (acc >= KEEP_FLATTEST * n_valid)
          break;
      }
    r = (i + 1) * 0.25 / 1024.0;
    if (r > threshold)
      threshold = r;
  }
  pair->width = w;
  pair->height = h;
  pair->frame_scale = g;
  pair->before = malloc (sizeof (float) * (size_t) w * h * 3);
  pair->after = malloc (sizeof (float) * (size_t) w * h * 3);
  pair->mask = malloc ((size_t) w * h);
  if (pair->before == NULL || pair->after == NULL || pair->mask == NULL)
    {
      status = LOOKLAB_ERR_NOMEM;
      goto out;
    }
  for (x = 0; x < w * h; x++)
    {
      int c;

      for (c = 0; c < 3; c++)
        {
          pair->before[x * 3 + c] = pb.p[x * 4 + c];
          pair->after[x * 3 + c] = wa.p[x * 4 + c];
        }
      pair->mask[x] = grad[x] >= 0.0f && grad[x] <= threshold;
      n_used += pair->mask[x];
    }
  pair->used = (double) n_used / ((double) w * h);
  if (n_used == 0)
    status = looklab_diag_set (diag, LOOKLAB_ERR_EMPTY, 0,
                               "the aligned images have no overlap to "
                               "learn from");
out:
  align_plane_clear (&pb);
  align_plane_clear (&pa);
  align_plane_clear (&wa);
  free (grad);
  if (status != LOOKLAB_OK)
    looklab_aligned_pair_clear (pair);
  return status;
}

/* The frame-sized area average of @fine_rgb (no blur yet). */
static int
fine_to_frame (const LookLabAlignedPair *pair, const float *fine_rgb,
               float *frame_rgb)
{
  AlignPlane src
      = { pair->fine_width, pair->fine_height, 3, (float *) fine_rgb };
  AlignPlane red = { 0 };
  int        status, x, y;

  if (!(pair->fine_step > 1.0))
    {
      memcpy (frame_rgb, fine_rgb,
              sizeof (float) * 3 * (size_t) pair->width * pair->height);
      return LOOKLAB_OK;
    }
  if ((status = align_plane_resample (&src, pair->fine_step, &red))
      != LOOKLAB_OK)
    return status;
  /* Rounding can leave the reduced image a pixel short of the frame; the
   * last row or column then repeats. */
  for (y = 0; y < pair->height; y++)
    for (x = 0; x < pair->width; x++)
      memcpy (frame_rgb + ((size_t) y * pair->width + x) * 3,
              red.p
                  + ((size_t) (y < red.h ? y : red.h - 1) * red.w
                     + (x < red.w ? x : red.w - 1))
                        * 3,
              sizeof (float) * 3);
  align_plane_clear (&red);
  return LOOKLAB_OK;
}

int
looklab_aligned_pair_from_fine (const LookLabAlignedPair *pair,
                                const float *fine_rgb, float *frame_rgb,
                                double extra_px, int n_threads)
{
  AlignPlane frame = { pair->width, pair->height, 3, frame_rgb };
  int        status;

  if ((status = fine_to_frame (pair, fine_rgb, frame_rgb)) != LOOKLAB_OK)
    return status;
  return align_plane_blur (
      &frame, sqrt (pair->blur_px * pair->blur_px + extra_px * extra_px),
      n_threads);
}
