/* LookLab core: registration of a before/after pair (see align.h).
 *
 * 1. Coarse global search, at about 80 pixels across: for each scale (the
 *    after covering 50 to 115 % of the before) and rotation (-10 to 10
 *    degrees), the after's locally normalised luminance is rendered into a
 *    canvas and cross-correlated with the before's through the FFT; the
 *    translation peak is checked by direct normalised cross-correlation
 *    over the overlap, and the best few hypotheses are kept.
 * 2. Gauss-Newton refinement (forward additive Lucas-Kanade, with Huber
 *    weights against parallax, JPEG blocks and clipped highlights) of a
 *    similarity at the coarsest pyramid level, an affine map at the next,
 *    and a homography from there to the finest level (at most 2048 pixels
 *    across, never finer than the after's own resolution).
 * 3. At the finest level the after is cut into tiles: where a tile has
 *    texture, its correlation with the registered before says whether it
 *    matches, and a translation-only refinement says how far it is still
 *    off.  The matched share of the textured tiles is the coverage that
 *    decides whether the two show the same scene.
 */
#include "align/align-private.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define COARSE_SIDE 80   /* before's longest side at the coarse search */
#define CANVAS 128       /* FFT canvas of the coarse search (power of 2) */
#define FINE_SIDE 2048.0 /* before's longest side at the finest level */
#define LK_MIN_SIDE 120  /* coarsest refinement level's longest side */
#define MAX_SAMPLES 160000
#define N_KEEP 3      /* coarse hypotheses refined */
#define TILE 32       /* tile edge at the finest level */
#define TEXTURE 0.012 /* luminance std of a textured tile (code values) */
#define MATCH_NCC 0.5
#define MIN_COVERAGE 0.5
/* A same-size pair keeps the identity when its tiles are matched there to
 * within this (finest-level pixels), and their coverage is at most this
 * much below the searched alignment's. */
#define IDENTITY_RESIDUAL_PX 0.25
#define IDENTITY_COVERAGE_SLACK 0.05
#define LEVEL_BLUR 1.0 /* sigma, level pixels */
/* How much better (correlation) another place must match than the
 * caller's guess to be taken instead. */
#define HINT_MARGIN 0.05
#define NORM_R 2 /* normalisation window radius, level pixels */
/* Contrast below which structure fades, in code values: near one 8-bit
 * step, so that a look's contrast changes hardly reweight the structure
 * (0.01 moved the corners of the sample pair by 0.8 px, 0.002 by 0.4). */
#define NORM_EPS 0.002f

enum
{
  MODEL_TRANSLATION = 2,
  MODEL_SIMILARITY = 4,
  MODEL_AFFINE = 6,
  MODEL_HOMOGRAPHY = 8
};

/* ---- 3x3 matrices ---------------------------------------------------- */

static void
mat_mul (const double a[9], const double b[9], double out[9])
{
  double r[9];
  int    i, j;

  for (i = 0; i < 3; i++)
    for (j = 0; j < 3; j++)
      r[i * 3 + j]
          = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
  memcpy (out, r, sizeof (r));
}

static int
mat_inv (const double m[9], double out[9])
{
  double r[9], det;
  int    i;

  r[0] = m[4] * m[8] - m[5] * m[7];
  r[1] = m[2] * m[7] - m[1] * m[8];
  r[2] = m[1] * m[5] - m[2] * m[4];
  r[3] = m[5] * m[6] - m[3] * m[8];
  r[4] = m[0] * m[8] - m[2] * m[6];
  r[5] = m[2] * m[3] - m[0] * m[5];
  r[6] = m[3] * m[7] - m[4] * m[6];
  r[7] = m[1] * m[6] - m[0] * m[7];
  r[8] = m[0] * m[4] - m[1] * m[3];
  det = m[0] * r[0] + m[1] * r[3] + m[2] * r[6];
  if (!(fabs (det) > 1e-300))
    return 0;
  for (i = 0; i < 9; i++)
    out[i] = r[i] / det;
  return 1;
}

static void
mat_normalise (double m[9])
{
  double d = m[8];
  int    i;

  if (d != 0.0)
    for (i = 0; i < 9; i++)
      m[i] /= d;
}

static int
mat_apply (const double m[9], double x, double y, double *u, double *v)
{
  double d = m[6] * x + m[7] * y + m[8];

  if (!(d > 1e-9))
    return 0;
  *u = (m[0] * x + m[1] * y + m[2]) / d;
  *v = (m[3] * x + m[4] * y + m[5]) / d;
  return 1;
}

void
looklab_align_map (const LookLabAlignment *al, double x, double y, double *bx,
                   double *by)
{
  if (!mat_apply (al->h, x, y, bx, by))
    *bx = *by = NAN;
}

/* Solves the n x n system a x = b (a is overwritten) by Gaussian
 * elimination with partial pivoting.  Returns 0 when singular. */
static int
solve (double *a, double *b, int n)
{
  int i, j, k;

  for (i = 0; i < n; i++)
    {
      int    p = i;
      double t;

      for (j = i + 1; j < n; j++)
        if (fabs (a[j * n + i]) > fabs (a[p * n + i]))
          p = j;
      if (!(fabs (a[p * n + i]) > 1e-12))
        return 0;
      if (p != i)
        {
          for (k = 0; k < n; k++)
            {
              t = a[i * n + k];
              a[i * n + k] = a[p * n + k];
              a[p * n + k] = t;
            }
          t = b[i];
          b[i] = b[p];
          b[p] = t;
        }
      for (j = i + 1; j < n; j++)
        {
          double f = a[j * n + i] / a[i * n + i];

          for (k = i; k < n; k++)
            a[j * n + k] -= f * a[i * n + k];
          b[j] -= f * b[i];
        }
    }
  for (i = n - 1; i >= 0; i--)
    {
      for (j = i + 1; j < n; j++)
        b[i] -= a[i * n + j] * b[j];
      b[i] /= a[i * n + i];
    }
  return 1;
}

/* ---- FFT (radix 2, in place) ------------------------------------------ */

static void
fft (double *re, double *im, int n, int stride, int inverse)
{
  int i, j, len;

  for (i = 1, j = 0; i < n; i++)
    {
      int bit = n >> 1;

      for (; j & bit; bit >>= 1)
        j ^= bit;
      j ^= bit;
      if (i < j)
        {
          double t = re[i * stride];

          re[i * stride] = re[j * stride];
          re[j * stride] = t;
          t = im[i * stride];
          im[i * stride] = im[j * stride];
          im[j * stride] = t;
        }
    }
  for (len = 2; len <= n; len <<= 1)
    {
      double ang = 2.0 * M_PI / len * (inverse ? 1.0 : -1.0);
      double wr0 = cos (ang), wi0 = sin (ang);

      for (i = 0; i < n; i += len)
        {
          double wr = 1.0, wi = 0.0;

          for (j = 0; j < len / 2; j++)
            {
              int    a = (i + j) * stride, b = (i + j + len / 2) * stride;
              double xr = re[b] * wr - im[b] * wi;
              double xi = re[b] * wi + im[b] * wr;
              double t;

              re[b] = re[a] - xr;
              im[b] = im[a] - xi;
              re[a] += xr;
              im[a] += xi;
              t = wr * wr0 - wi * wi0;
              wi = wr * wi0 + wi * wr0;
              wr = t;
            }
        }
    }
}

static void
fft2 (double *re, double *im, int n, int inverse)
{
  int i;

  for (i = 0; i < n; i++)
    fft (re + (size_t) i * n, im + (size_t) i * n, n, 1, inverse);
  for (i = 0; i < n; i++)
    fft (re + i, im + i, n, n, inverse);
}

/* ---- coarse search ---------------------------------------------------- */

typedef struct
{
  double h[9]; /* after full -> before full */
  double score;
} Hypothesis;

static void
keep_hypothesis (Hypothesis *keep, int *n_kept, const double h[9], double score)
{
  int i, j;

  /* One per pose: a near twin of a kept one replaces it if better. */
  for (i = 0; i < *n_kept; i++)
    {
      double d = 0.0;

      for (j = 0; j < 6; j++)
        d += fabs (keep[i].h[j] - h[j]) * (j == 2 || j == 5 ? 0.01 : 1.0);
      if (d < 0.15)
        {
          if (score > keep[i].score)
            {
              memcpy (keep[i].h, h, sizeof (double) * 9);
              keep[i].score = score;
            }
          return;
        }
    }
  if (*n_kept < N_KEEP)
    i = (*n_kept)++;
  else
    {
      for (i = 0, j = 1; j < N_KEEP; j++)
        if (keep[j].score < keep[i].score)
          i = j;
      if (keep[i].score >= score)
        return;
    }
  memcpy (keep[i].h, h, sizeof (double) * 9);
  keep[i].score = score;
}

static int
coarse_search (const LookLabImageView *before, const LookLabImageView *after,
               Hypothesis *keep, int *n_kept, double *before_std,
               double *after_std)
{
  const int  P = CANVAS;
  AlignPlane lb = { 0 }, nb = { 0 }, mid = { 0 };
  double    *bre = NULL, *bim = NULL, *tre = NULL, *tim = NULL;
  float     *tmask = NULL;
  double     fbc, s0, fa_mid, c;
  int        status = LOOKLAB_OK, maxb, i;
  double     wa = after->width, ha = after->height;

  *n_kept = 0;
  maxb = before->width > before->height ? before->width : before->height;
  fbc = maxb / (double) COARSE_SIDE;
  if (fbc < 1.0)
    fbc = 1.0;
  s0 = fmin (before->width / wa, before->height / ha);
  fa_mid = fbc / (1.15 * s0);
  if (fa_mid < 1.0)
    fa_mid = 1.0;
  bre = calloc ((size_t) P * P, sizeof (double));
  bim = calloc ((size_t) P * P, sizeof (double));
  tre = malloc (sizeof (double) * P * P);
  tim = malloc (sizeof (double) * P * P);
  tmask = malloc (sizeof (float) * P * P);
  if (bre == NULL || bim == NULL || tre == NULL || tim == NULL || tmask == NULL)
    {
      status = LOOKLAB_ERR_NOMEM;
      goto out;
    }
  if ((status = align_view_resample (before, fbc, 0, &lb)) != LOOKLAB_OK
      || (status = align_plane_normalise (&lb, 2, 0.01f, &nb)) != LOOKLAB_OK
      || (status = align_view_resample (after, fa_mid, 0, &mid)) != LOOKLAB_OK)
    goto out;
  {
    double s = 0.0, ss = 0.0;
    size_t n = (size_t) lb.w * lb.h, k;

    for (k = 0; k < n; k++)
      {
        s += lb.p[k];
        ss += (double) lb.p[k] * lb.p[k];
      }
    *before_std = sqrt (fmax (0.0, ss / n - (s / n) * (s / n)));
    s = ss = 0.0;
    n = (size_t) mid.w * mid.h;
    for (k = 0; k < n; k++)
      {
        s += mid.p[k];
        ss += (double) mid.p[k] * mid.p[k];
      }
    *after_std = sqrt (fmax (0.0, ss / n - (s / n) * (s / n)));
  }
  for (i = 0; i < nb.w * nb.h; i++)
    bre[(i / nb.w) * P + i % nb.w] = nb.p[i];
  fft2 (bre, bim, P, 0);

  for (c = 0.5; c < 1.16; c *= 1.06)
    {
      double     s = s0 * c, fa = fbc / s, theta;
      AlignPlane la = { 0 }, na = { 0 };

      if (fa < 1.0)
        fa = 1.0;
      if ((status = align_plane_resample (&mid, fa / fa_mid, &la)) != LOOKLAB_OK
          || (status = align_plane_normalise (&la, 2, 0.01f, &na))
                 != LOOKLAB_OK)
        {
          align_plane_clear (&la);
          goto out;
        }
      for (theta = -10.0; theta <= 10.01; theta += 2.5)
        {
          double ct = cos (theta * M_PI / 180.0),
                 st = sin (theta * M_PI / 180.0);
          double acx = wa / 2.0 / fa, acy = ha / 2.0 / fa;
          double scale = fa * s / fbc; /* after plane px -> coarse px */
          double best = -1e300, tx = 0, ty = 0, num, sa, sb, saa, sbb, sab;
          int    x, y, bx = 0, by = 0, n_t = 0, n_o;

          for (y = 0; y < P; y++)
            for (x = 0; x < P; x++)
              {
                double rx = (x + 0.5 - P / 2) / scale;
                double ry = (y + 0.5 - P / 2) / scale;
                double ax = ct * rx + st * ry + acx,
                       ay = -st * rx + ct * ry + acy;
                float v;

                if (align_plane_sample (&na, 0, ax, ay, &v))
                  {
                    tre[y * P + x] = v;
                    tmask[y * P + x] = 1.0f;
                    n_t++;
                  }
                else
                  {
                    tre[y * P + x] = 0.0;
                    tmask[y * P + x] = 0.0f;
                  }
                tim[y * P + x] = 0.0;
              }
          if (n_t < 64)
            continue;
          fft2 (tre, tim, P, 0);
          for (i = 0; i < P * P; i++)
            {
              /* B conj (T): correlation C (t) = sum_q B (q + t) T (q). */
              double r = bre[i] * tre[i] + bim[i] * tim[i];
              double m = bim[i] * tre[i] - bre[i] * tim[i];

              tre[i] = r;
              tim[i] = m;
            }
          fft2 (tre, tim, P, 1);
          /* The after's centre lands at P / 2 + t: keep it in the before. */
          for (y = 0; y < nb.h; y++)
            for (x = 0; x < nb.w; x++)
              {
                int t = ((y - P / 2 + P) % P) * P + (x - P / 2 + P) % P;

                if (tre[t] > best)
                  {
                    best = tre[t];
                    bx = x;
                    by = y;
                  }
              }
          /* Sub-pixel peak by a parabola through the neighbours. */
          {
            double l, m, r;
            int    t0 = ((by - P / 2 + P) % P) * P;

            l = tre[t0 + (bx - 1 - P / 2 + 2 * P) % P];
            m = tre[t0 + (bx - P / 2 + P) % P];
            r = tre[t0 + (bx + 1 - P / 2 + P) % P];
            tx = bx + (l - 2 * m + r < 0 ? 0.5 * (l - r) / (l - 2 * m + r) : 0);
            l = tre[((by - 1 - P / 2 + 2 * P) % P) * P + (bx - P / 2 + P) % P];
            r = tre[((by + 1 - P / 2 + P) % P) * P + (bx - P / 2 + P) % P];
            ty = by + (l - 2 * m + r < 0 ? 0.5 * (l - r) / (l - 2 * m + r) : 0);
          }
          /* Check by direct NCC over the overlap (the template, re-rendered
           * in tre from its mask, is not kept after the FFT). */
          sa = sb = saa = sbb = sab = 0.0;
          n_o = 0;
          for (y = 0; y < nb.h; y++)
            for (x = 0; x < nb.w; x++)
              {
                double rx = (x + 0.5 - tx) / scale, ry = (y + 0.5 - ty) / scale;
                double ax = ct * rx + st * ry + acx,
                       ay = -st * rx + ct * ry + acy;
                float  a;
                double b = nb.p[y * nb.w + x];

                if (!align_plane_sample (&na, 0, ax, ay, &a))
                  continue;
                n_o++;
                sa += a;
                sb += b;
                saa += (double) a * a;
                sbb += b * b;
                sab += a * b;
              }
          if (n_o < 0.3 * n_t || n_o < 64)
            continue;
          num = sab - sa * sb / n_o;
          {
            double den = sqrt (
                fmax (1e-12, (saa - sa * sa / n_o) * (sbb - sb * sb / n_o)));
            double ncc = num / den;
            double h[9];

            /* before = fbc (t + c) + s R (after - centre), t the centre. */
            h[0] = s * ct;
            h[1] = -s * st;
            h[3] = s * st;
            h[4] = s * ct;
            h[2] = fbc * tx - h[0] * wa / 2.0 - h[1] * ha / 2.0;
            h[5] = fbc * ty - h[3] * wa / 2.0 - h[4] * ha / 2.0;
            h[6] = h[7] = 0.0;
            h[8] = 1.0;
            keep_hypothesis (keep, n_kept, h, ncc);
          }
        }
      align_plane_clear (&la);
      align_plane_clear (&na);
    }

out:
  align_plane_clear (&lb);
  align_plane_clear (&nb);
  align_plane_clear (&mid);
  free (bre);
  free (bim);
  free (tre);
  free (tim);
  free (tmask);
  return status;
}

/* ---- refinement --------------------------------------------------------- */

typedef struct
{
  double     fb, fa;         /* full pixels per level pixel: before, after */
  AlignPlane lb, nb, gx, gy; /* before: luminance, normalised, gradients */
  AlignPlane la, na;         /* after: luminance, normalised */
} Level;

static void
level_clear (Level *lv)
{
  align_plane_clear (&lv->lb);
  align_plane_clear (&lv->nb);
  align_plane_clear (&lv->gx);
  align_plane_clear (&lv->gy);
  align_plane_clear (&lv->la);
  align_plane_clear (&lv->na);
}

/* Copies @src into @dst. */
static int
plane_copy (const AlignPlane *src, AlignPlane *dst)
{
  size_t n = (size_t) src->w * src->h * src->ch;

  *dst = *src;
  dst->p = malloc (sizeof (float) * (n > 0 ? n : 1));
  if (dst->p == NULL)
    return LOOKLAB_ERR_NOMEM;
  memcpy (dst->p, src->p, sizeof (float) * n);
  return LOOKLAB_OK;
}

/* A level from the luminance planes @rb (before, reduced by @fb) and @ra
 * (after, by @fa). */
static int
level_make (Level *lv, const AlignPlane *rb, const AlignPlane *ra, double fb,
            double fa)
{
  int status;

  memset (lv, 0, sizeof (*lv));
  lv->fb = fb;
  lv->fa = fa;
  /* A light blur evens out the uneven footprint of a box filter at a
   * non-integer factor, which would otherwise differ between the two. */
  if ((status = plane_copy (rb, &lv->lb)) != LOOKLAB_OK
      || (status = align_plane_blur (&lv->lb, LEVEL_BLUR, 1)) != LOOKLAB_OK
      || (status = align_plane_normalise (&lv->lb, NORM_R, NORM_EPS, &lv->nb))
             != LOOKLAB_OK
      || (status = align_plane_gradient (&lv->nb, &lv->gx, &lv->gy))
             != LOOKLAB_OK
      || (status = plane_copy (ra, &lv->la)) != LOOKLAB_OK
      || (status = align_plane_blur (&lv->la, LEVEL_BLUR, 1)) != LOOKLAB_OK
      || (status = align_plane_normalise (&lv->la, NORM_R, NORM_EPS, &lv->na))
             != LOOKLAB_OK)
    level_clear (lv);
  return status;
}

/* The level's homography (after level px -> before level px) in
 * coordinates centred on each image and divided by the before's half
 * size, so that the eight parameters have comparable magnitudes. */
static void
level_frames (const Level *lv, double na[9], double nb_inv[9], double *norm)
{
  double n = 0.5 * (lv->lb.w > lv->lb.h ? lv->lb.w : lv->lb.h);

  *norm = n;
  /* normalised after = (full / fa - centre) / n */
  memset (na, 0, sizeof (double) * 9);
  na[0] = na[4] = 1.0 / (lv->fa * n);
  na[2] = -0.5 * lv->la.w / n;
  na[5] = -0.5 * lv->la.h / n;
  na[8] = 1.0;
  /* full before = fb (n u + centre) */
  memset (nb_inv, 0, sizeof (double) * 9);
  nb_inv[0] = nb_inv[4] = lv->fb * n;
  nb_inv[2] = lv->fb * 0.5 * lv->lb.w;
  nb_inv[5] = lv->fb * 0.5 * lv->lb.h;
  nb_inv[8] = 1.0;
}

/* Gauss-Newton on @h (full after -> full before) with @model parameters.
 * Returns the NCC of the normalised planes over the overlap (-1 when it
 * vanished) and the overlap as a share of the after's samples. */
static double
refine (const Level *lv, double h[9], int model, int iterations,
        double *overlap)
{
  double na[9], nb_inv[9], na_inv[9], nb[9], g[9], norm, ncc = -1.0;
  int    it, stride, x, y, margin = NORM_R + 3;

  level_frames (lv, na, nb_inv, &norm);
  if (!mat_inv (na, na_inv) || !mat_inv (nb_inv, nb))
    return -1.0;
  mat_mul (nb, h, g);
  mat_mul (g, na_inv, g);
  mat_normalise (g);
  stride = (int) ceil (sqrt ((double) lv->la.w * lv->la.h / MAX_SAMPLES));
  if (stride < 1)
    stride = 1;
  *overlap = 0.0;
  for (it = 0; it <= iterations; it++)
    {
      double ata[64], atb[8], sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
      double moved = 0.0;
      size_t n = 0, n_all = 0;
      int    i, j, k = model;

      memset (ata, 0, sizeof (ata));
      memset (atb, 0, sizeof (atb));
      for (y = stride / 2; y < lv->la.h; y += stride)
        for (x = stride / 2; x < lv->la.w; x += stride)
          {
            double ax = (x + 0.5 - 0.5 * lv->la.w) / norm;
            double ay = (y + 0.5 - 0.5 * lv->la.h) / norm;
            double d = g[6] * ax + g[7] * ay + 1.0, u, v, bx, by, r, w;
            double j8[8], jk[8];
            float  b, gxv, gyv;
            float  a = lv->na.p[(size_t) y * lv->la.w + x];

            n_all++;
            /* Normalisation and blur clamp at the borders: skip them. */
            if (x < margin || y < margin || x >= lv->la.w - margin
                || y >= lv->la.h - margin || !(d > 1e-6))
              continue;
            u = (g[0] * ax + g[1] * ay + g[2]) / d;
            v = (g[3] * ax + g[4] * ay + g[5]) / d;
            bx = u * norm + 0.5 * lv->lb.w;
            by = v * norm + 0.5 * lv->lb.h;
            if (bx < margin || by < margin || bx > lv->lb.w - margin
                || by > lv->lb.h - margin
                || !align_plane_sample (&lv->nb, 0, bx, by, &b)
                || !align_plane_sample (&lv->gx, 0, bx, by, &gxv)
                || !align_plane_sample (&lv->gy, 0, bx, by, &gyv))
              continue;
            n++;
            sa += a;
            sb += b;
            saa += (double) a * a;
            sbb += (double) b * b;
            sab += (double) a * b;
            if (it == iterations)
              continue;
            r = b - a;
            /* Huber weight: the normalised planes have unit variance. */
            w = fabs (r) <= 1.0 ? 1.0 : 1.0 / fabs (r);
            gxv *= (float) norm;
            gyv *= (float) norm;
            j8[0] = gxv * ax / d;
            j8[1] = gxv * ay / d;
            j8[2] = gxv / d;
            j8[3] = gyv * ax / d;
            j8[4] = gyv * ay / d;
            j8[5] = gyv / d;
            j8[6] = -(gxv * u + gyv * v) * ax / d;
            j8[7] = -(gxv * u + gyv * v) * ay / d;
            switch (model)
              {
                case MODEL_TRANSLATION:
                  jk[0] = j8[2];
                  jk[1] = j8[5];
                  break;
                case MODEL_SIMILARITY:
                  jk[0] = j8[0] + j8[4];
                  jk[1] = j8[3] - j8[1];
                  jk[2] = j8[2];
                  jk[3] = j8[5];
                  break;
                default: memcpy (jk, j8, sizeof (double) * model); break;
              }
            for (i = 0; i < k; i++)
              {
                atb[i] += w * jk[i] * r;
                for (j = 0; j <= i; j++)
                  ata[i * k + j] += w * jk[i] * jk[j];
              }
          }
      if (n_all > 0)
        *overlap = (double) n / n_all;
      if (n < 16)
        return -1.0;
      {
        double den = (saa - sa * sa / n) * (sbb - sb * sb / n);

        ncc = den > 0.0 ? (sab - sa * sb / n) / sqrt (den) : 0.0;
      }
      if (it == iterations)
        break;
      for (i = 0; i < k; i++)
        for (j = i + 1; j < k; j++)
          ata[i * k + j] = ata[j * k + i];
      for (i = 0; i < k; i++)
        {
          ata[i * k + i] *= 1.0 + 1e-6;
          atb[i] = -atb[i];
        }
      if (!solve (ata, atb, k))
        break;
      {
        double dg[9] = { 0 }, old[9];
        int    c;

        switch (model)
          {
            case MODEL_TRANSLATION:
              dg[2] = atb[0];
              dg[5] = atb[1];
              break;
            case MODEL_SIMILARITY:
              dg[0] = dg[4] = atb[0];
              dg[3] = atb[1];
              dg[1] = -atb[1];
              dg[2] = atb[2];
              dg[5] = atb[3];
              break;
            default:
              for (i = 0; i < model; i++)
                dg[i] = atb[i];
              break;
          }
        memcpy (old, g, sizeof (old));
        for (i = 0; i < 8; i++)
          g[i] += dg[i];
        /* Stop when no corner moves a hundredth of a level pixel. */
        for (c = 0; c < 4; c++)
          {
            double cx = (c & 1 ? 0.5 : -0.5) * lv->la.w / norm;
            double cy = (c & 2 ? 0.5 : -0.5) * lv->la.h / norm;
            double u0, v0, u1, v1;

            if (mat_apply (old, cx, cy, &u0, &v0)
                && mat_apply (g, cx, cy, &u1, &v1))
              moved = fmax (moved, hypot (u1 - u0, v1 - v0) * norm);
            else
              moved = 1e9;
          }
        if (moved > 0.5 * norm)
          {
            /* Diverging: keep the last good estimate. */
            memcpy (g, old, sizeof (old));
            break;
          }
        if (moved < 0.01)
          {
            iterations = it + 1; /* one more pass measures the NCC */
          }
      }
    }
  mat_mul (nb_inv, g, h);
  mat_mul (h, na, h);
  mat_normalise (h);
  return ncc;
}

/* Tiles of the finest level: which textured ones match, and how far each
 * matched one is still off (translation-only refinement). */
static void
tiles (const Level *lv, const double h[9], double *coverage,
       double *residual_px, int *n_textured)
{
  int     tx, ty, n_tex = 0, n_match = 0, n_shift = 0, cap;
  double *shifts;
  double  hl[9], sa[9] = { 0 }, sb[9] = { 0 };

  /* h in level pixels: b_level = h_full (a_level * fa) / fb */
  sa[0] = sa[4] = lv->fa;
  sa[8] = 1.0;
  sb[0] = sb[4] = 1.0 / lv->fb;
  sb[8] = 1.0;
  mat_mul (sb, h, hl);
  mat_mul (hl, sa, hl);
  cap = (lv->la.w / TILE + 1) * (lv->la.h / TILE + 1);
  shifts = malloc (sizeof (double) * (cap > 0 ? cap : 1));
  *coverage = 0.0;
  *residual_px = 0.0;
  for (ty = 0; ty + TILE <= lv->la.h || (ty == 0 && lv->la.h < TILE);
       ty += TILE)
    for (tx = 0; tx + TILE <= lv->la.w || (tx == 0 && lv->la.w < TILE);
         tx += TILE)
      {
        double s1 = 0, s2 = 0, sa1 = 0, sb1 = 0, saa = 0, sbb = 0, sab = 0;
        double ata[4] = { 0 }, atb[2] = { 0 }, ncc, den;
        int    x, y, n = 0, n_in = 0;
        int    x1 = tx + TILE < lv->la.w ? tx + TILE : lv->la.w;
        int    y1 = ty + TILE < lv->la.h ? ty + TILE : lv->la.h;

        for (y = ty; y < y1; y++)
          for (x = tx; x < x1; x++)
            {
              double a = lv->la.p[(size_t) y * lv->la.w + x], bx, by;
              float  b, nbv, gxv, gyv;

              n++;
              s1 += a;
              s2 += a * a;
              if (!mat_apply (hl, x + 0.5, y + 0.5, &bx, &by)
                  || !align_plane_sample (&lv->lb, 0, bx, by, &b))
                continue;
              n_in++;
              sa1 += a;
              sb1 += b;
              saa += a * a;
              sbb += (double) b * b;
              sab += a * b;
              if (align_plane_sample (&lv->nb, 0, bx, by, &nbv)
                  && align_plane_sample (&lv->gx, 0, bx, by, &gxv)
                  && align_plane_sample (&lv->gy, 0, bx, by, &gyv))
                {
                  double r = nbv - lv->na.p[(size_t) y * lv->la.w + x];
                  double w = fabs (r) <= 1.0 ? 1.0 : 1.0 / fabs (r);

                  ata[0] += w * gxv * gxv;
                  ata[1] += w * gxv * gyv;
                  ata[3] += w * gyv * gyv;
                  atb[0] -= w * gxv * r;
                  atb[1] -= w * gyv * r;
                }
            }
        if (n == 0 || sqrt (fmax (0.0, s2 / n - (s1 / n) * (s1 / n))) < TEXTURE)
          continue;
        n_tex++;
        if (n_in < 0.75 * n)
          continue;
        den = (saa - sa1 * sa1 / n_in) * (sbb - sb1 * sb1 / n_in);
        ncc = den > 0.0 ? (sab - sa1 * sb1 / n_in) / sqrt (den) : 0.0;
        if (ncc < MATCH_NCC)
          continue;
        n_match++;
        {
          double det = ata[0] * ata[3] - ata[1] * ata[1];

          /* One Newton step from the global fit; only where the tile's
           * structure pins both directions (smallest eigenvalue). */
          if (det > 0.0
              && 0.5 * (ata[0] + ata[3])
                         - sqrt (0.25 * (ata[0] - ata[3]) * (ata[0] - ata[3])
                                 + ata[1] * ata[1])
                     > 0.05 * n_in)
            {
              double dx = (ata[3] * atb[0] - ata[1] * atb[1]) / det;
              double dy = (ata[0] * atb[1] - ata[1] * atb[0]) / det;

              if (shifts != NULL && n_shift < cap)
                shifts[n_shift++] = hypot (dx, dy) * lv->fb;
            }
        }
      }
  *n_textured = n_tex;
  if (n_tex > 0)
    *coverage = (double) n_match / n_tex;
  if (n_shift > 0)
    {
      /* The median: a few tiles on moving things or parallax do not set
       * the blur of the whole pair. */
      int i, j;

      for (i = 1; i < n_shift; i++)
        for (j = i; j > 0 && shifts[j - 1] > shifts[j]; j--)
          {
            double t = shifts[j];

            shifts[j] = shifts[j - 1];
            shifts[j - 1] = t;
          }
      *residual_px = shifts[n_shift / 2];
    }
  free (shifts);
}

int
looklab_align_find (const LookLabImageView *before,
                    const LookLabImageView *after, int n_threads,
                    LookLabAlignment *out, LookLabDiag *diag)
{
  return looklab_align_find_near (before, after, NULL, n_threads, out, diag);
}

int
looklab_align_find_near (const LookLabImageView *before,
                         const LookLabImageView *after, const double hint[9],
                         int n_threads, LookLabAlignment *out,
                         LookLabDiag *diag)
{
  Hypothesis keep[N_KEEP + 1];
  Level     *levels = NULL;
  double     std_b = 0.0, std_a = 0.0, h[9], s, fb_fine, best_ncc = -2.0;
  double     overlap = 0.0, ncc = -1.0;
  int        n_kept = 0, n_levels = 0, maxb, status, l, k, best = 0;
  int        n_tex = 0;

  (void) n_threads;
  memset (out, 0, sizeof (*out));
  if (before->width < LOOKLAB_ALIGN_MIN_SIDE
      || before->height < LOOKLAB_ALIGN_MIN_SIDE
      || after->width < LOOKLAB_ALIGN_MIN_SIDE
      || after->height < LOOKLAB_ALIGN_MIN_SIDE)
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0,
                             "an image of %d x %d is too small to align "
                             "(at least %d pixels a side)",
                             before->width < LOOKLAB_ALIGN_MIN_SIDE
                                     || before->height < LOOKLAB_ALIGN_MIN_SIDE
                                 ? before->width
                                 : after->width,
                             before->width < LOOKLAB_ALIGN_MIN_SIDE
                                     || before->height < LOOKLAB_ALIGN_MIN_SIDE
                                 ? before->height
                                 : after->height,
                             LOOKLAB_ALIGN_MIN_SIDE);
  status = coarse_search (before, after, keep, &n_kept, &std_b, &std_a);
  if (status != LOOKLAB_OK)
    return looklab_diag_set (diag, status, 0, "out of memory for alignment");
  if (std_b < 0.002 || std_a < 0.002)
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0,
                             "%s has no structure to align on (all black or "
                             "one colour)",
                             std_b < 0.002 ? "BEFORE" : "AFTER");
  if (n_kept == 0 && hint == NULL)
    return looklab_diag_set (diag, LOOKLAB_ERR_MISMATCH, 0,
                             "these images don't show the same scene: no "
                             "match covers a third of the after");

  /* The pyramid: from the finest level (never finer than the after's
   * resolution) up by factors of 2, at the scale the search found. */
  memcpy (h, n_kept > 0 ? keep[0].h : hint, sizeof (h));
  /* The caller's guess (where the user placed the after) competes first,
   * so that it wins a tie: in a scene of repeated cells (tiles, a Hald
   * CLUT, a facade) several places match equally well, and the user's is
   * the one meant; a wrong guess matches worse and loses. */
  if (hint != NULL)
    {
      memmove (keep + 1, keep, sizeof (Hypothesis) * n_kept);
      memcpy (keep[0].h, hint, sizeof (keep[0].h));
      keep[0].score = 0.0;
      n_kept++;
    }
  s = sqrt (fabs (h[0] * h[4] - h[1] * h[3]));
  maxb = before->width > before->height ? before->width : before->height;
  /* Below 1.25 the after's extra blur is too small to matter. */
  fb_fine = fmax (1.0, fmax (maxb / FINE_SIDE, s < 1.25 ? 1.0 : s));
  for (n_levels = 1;
       maxb / (fb_fine * (1 << n_levels)) >= LK_MIN_SIDE && n_levels < 8;
       n_levels++)
    ;
  levels = calloc (n_levels, sizeof (Level));
  if (levels == NULL)
    return looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0,
                             "out of memory for alignment");
  /* Only the finest level reads the full images; each coarser one halves
   * the one below (two adjacent boxes make the box of twice the size). */
  {
    AlignPlane rb = { 0 }, ra = { 0 }, next;
    double     fa = fmax (1.0, fb_fine / s), fa_next;

    status = align_view_resample (before, fb_fine, 0, &rb);
    if (status == LOOKLAB_OK)
      status = align_view_resample (after, fa, 0, &ra);
    for (l = 0; l < n_levels && status == LOOKLAB_OK; l++)
      {
        status = level_make (&levels[l], &rb, &ra, fb_fine * (1 << l), fa);
        if (status != LOOKLAB_OK || l == n_levels - 1)
          break;
        fa_next = fmax (1.0, fb_fine * (2 << l) / s);
        if ((status = align_plane_resample (&rb, 2.0, &next)) != LOOKLAB_OK)
          break;
        align_plane_clear (&rb);
        rb = next;
        if ((status = align_plane_resample (&ra, fa_next / fa, &next))
            != LOOKLAB_OK)
          break;
        align_plane_clear (&ra);
        ra = next;
        fa = fa_next;
      }
    align_plane_clear (&rb);
    align_plane_clear (&ra);
    if (status != LOOKLAB_OK)
      {
        looklab_diag_set (diag, status, 0, "out of memory for alignment");
        goto out;
      }
  }

  /* The coarse hypotheses compete after a similarity refinement; the
   * guess, first, loses only to one clearly better. */
  for (k = 0; k < n_kept; k++)
    {
      double ov, c = refine (&levels[n_levels - 1], keep[k].h, MODEL_SIMILARITY,
                             20, &ov);

      if (c > best_ncc + (hint != NULL && best == 0 ? HINT_MARGIN : 0.0))
        {
          best_ncc = c;
          best = k;
        }
    }
  memcpy (h, keep[best].h, sizeof (h));
  for (l = n_levels - 1; l >= 0; l--)
    {
      int model = l == n_levels - 1 ? MODEL_AFFINE : MODEL_HOMOGRAPHY;

      if (n_levels == 1)
        refine (&levels[0], h, MODEL_AFFINE, 20, &overlap);
      ncc = refine (&levels[l], h, model, 20, &overlap);
    }
  tiles (&levels[0], h, &out->coverage, &out->residual_px, &n_tex);

  /* A same-size pair that is pixel-aligned keeps the identity whenever it
   * fits as well as what the search found: a picture made of repeated
   * cells (a Hald CLUT: cells of one colour, which a look changes each in
   * its own way) lets the search lock onto a wrong cell, and the look is
   * then learned from colours that do not correspond.  A pair that is
   * truly shifted fails this: its tiles left at the identity are off by
   * the shift. */
  if (before->width == after->width && before->height == after->height)
    {
      double id[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 }, probe[9];
      double cov_id, res_id, ov_id, ncc_id;
      int    tex_id;

      tiles (&levels[0], id, &cov_id, &res_id, &tex_id);
      memcpy (probe, id, sizeof (probe));
      ncc_id = refine (&levels[0], probe, MODEL_HOMOGRAPHY, 0, &ov_id);
      if (tex_id > 0 && res_id < IDENTITY_RESIDUAL_PX
          && cov_id >= out->coverage - IDENTITY_COVERAGE_SLACK
          && cov_id >= MIN_COVERAGE)
        {
          memcpy (h, id, sizeof (h));
          out->coverage = cov_id;
          out->residual_px = res_id;
          overlap = ov_id;
          ncc = ncc_id;
        }
    }

  memcpy (out->h, h, sizeof (h));
  out->scale = sqrt (fabs (h[0] * h[4] - h[1] * h[3]));
  out->rotation = atan2 (h[3], h[0]) * 180.0 / M_PI;
  out->tx = h[2];
  out->ty = h[5];
  out->overlap = overlap;
  out->ncc = ncc;
  out->confidence = out->coverage * fmax (0.0, ncc);
  {
    int c;

    for (c = 0; c < 4; c++)
      {
        double x = c & 1 ? after->width : 0, y = c & 2 ? after->height : 0;
        double u, v;

        if (!mat_apply (h, x, y, &u, &v))
          out->max_shift_px = INFINITY;
        else
          out->max_shift_px = fmax (out->max_shift_px, hypot (u - x, v - y));
      }
  }
  out->aligned = before->width == after->width
                 && before->height == after->height
                 && out->max_shift_px < LOOKLAB_ALIGN_ALIGNED_PX;
  if (n_tex == 0)
    status = looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0,
                               "AFTER has no structure to align on (all "
                               "black or one colour)");
  else if (out->coverage < MIN_COVERAGE)
    status = looklab_diag_set (diag, LOOKLAB_ERR_MISMATCH, 0,
                               "these images don't show the same scene: the "
                               "best match covers %.0f%% of the after",
                               100.0 * out->coverage);
out:
  for (l = 0; l < n_levels; l++)
    level_clear (&levels[l]);
  free (levels);
  return status;
}
