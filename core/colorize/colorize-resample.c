/* LookLab core: resampling between full resolution and the colorization
 * network's grid (see colorize-resample.h). */
#include "colorize/colorize-resample.h"

#include <math.h>
#include <stdint.h>

#include "nn/cnn-private.h"

/* ---- area resampling (full resolution -> network) ---------------------- */

/* Output cell i of @n_out covers source [i * n_in / n_out, (i + 1) * n_in
 * / n_out); each source pixel weighs by its overlap (a box filter, exact
 * area averaging when shrinking, nearest-like when growing). */
typedef struct
{
  int   *first; /* [n_out] first source index */
  int   *count; /* [n_out] number of source indices */
  float *w;     /* weights, n_out * max_taps */
  int    max_taps;
} Taps;

static void
taps_free (Taps *t)
{
  g_free (t->first);
  g_free (t->count);
  g_free (t->w);
}

/* Returns FALSE when out of memory (a very long, thin image). */
static gboolean
taps_make (Taps *t, int n_in, int n_out)
{
  double step = (double) n_in / n_out;
  int    i;

  t->max_taps = (int) ceil (step) + 2;
  t->first = g_try_new (int, n_out);
  t->count = g_try_new (int, n_out);
  t->w = g_try_new0 (float, (size_t) n_out * t->max_taps);
  if (t->first == NULL || t->count == NULL || t->w == NULL)
    return FALSE;
  for (i = 0; i < n_out; i++)
    {
      double a = i * step, b = (i + 1) * step, sum = 0.0;
      int    j0 = (int) floor (a), j1 = (int) ceil (b), j, k = 0;

      if (j1 > n_in)
        j1 = n_in;
      if (j1 <= j0)
        j1 = j0 + 1;
      t->first[i] = j0;
      for (j = j0; j < j1 && k < t->max_taps; j++, k++)
        {
          double lo = j > a ? j : a, hi = j + 1 < b ? j + 1 : b;

          t->w[(size_t) i * t->max_taps + k] = (float) (hi - lo);
          sum += hi - lo;
        }
      t->count[i] = k;
      for (j = 0; j < k; j++)
        t->w[(size_t) i * t->max_taps + j] /= (float) sum;
    }
  return TRUE;
}

typedef struct
{
  const float *l;
  size_t       l_stride;
  Taps        *tx;
  double      *tmp; /* height x ow: rows resampled horizontally */
  int          ow;
} HPass;

static void
hpass_rows (void *data, int y0, int y1)
{
  HPass *h = data;
  int    y, i, k;

  for (y = y0; y < y1; y++)
    {
      const float *src = h->l + (size_t) y * h->l_stride;
      double      *d = h->tmp + (size_t) y * h->ow;

      for (i = 0; i < h->ow; i++)
        {
          const float *w = h->tx->w + (size_t) i * h->tx->max_taps;
          const float *s = src + h->tx->first[i];
          double       acc = 0.0;

          for (k = 0; k < h->tx->count[i]; k++)
            acc += (double) w[k] * s[k];
          d[i] = acc;
        }
    }
}

gboolean
colorize_area_resample (const float *l, size_t l_stride, int width, int height,
                        float *out, int ow, int oh, int n_threads)
{
  Taps     tx = { 0 }, ty = { 0 };
  double  *tmp = g_try_new (double, (size_t) height *ow);
  gboolean ok = FALSE;
  int      i, j, k;

  /* horizontal pass on all rows in parallel, then the (small) vertical */
  if (tmp == NULL || !taps_make (&tx, width, ow)
      || !taps_make (&ty, height, oh))
    goto out;
  {
    HPass h = { l, l_stride, &tx, tmp, ow };

    cnn_parallel (n_threads, height, hpass_rows, &h);
  }
  for (i = 0; i < oh; i++)
    {
      const float *w = ty.w + (size_t) i * ty.max_taps;

      for (j = 0; j < ow; j++)
        {
          double acc = 0.0;

          for (k = 0; k < ty.count[i]; k++)
            acc += w[k] * tmp[(size_t) (ty.first[i] + k) * ow + j];
          out[(size_t) i * ow + j] = (float) acc;
        }
    }
  ok = TRUE;
out:
  taps_free (&tx);
  taps_free (&ty);
  g_free (tmp);
  return ok;
}

double
colorize_cell_mean (const float *plane, int S, int ow, int oh, int i, int j)
{
  int    r0 = (int) ((int64_t) i * S / oh);
  int    r1 = (int) ((int64_t) (i + 1) * S / oh);
  int    c0 = (int) ((int64_t) j * S / ow);
  int    c1 = (int) ((int64_t) (j + 1) * S / ow);
  double acc = 0.0;
  int    r, q;

  if (r1 <= r0)
    r1 = r0 + 1;
  if (c1 <= c0)
    c1 = c0 + 1;
  for (r = r0; r < r1; r++)
    for (q = c0; q < c1; q++)
      acc += plane[(size_t) r * S + q];
  return acc / ((r1 - r0) * (c1 - c0));
}

void
colorize_box_shrink (const float *in, int n, float *out, int ow, int oh)
{
  int i, j;

  for (i = 0; i < oh; i++)
    for (j = 0; j < ow; j++)
      out[(size_t) i * ow + j]
          = (float) colorize_cell_mean (in, n, ow, oh, i, j);
}

/* ---- bilinear upsampling (network -> full resolution) ------------------ */

typedef struct
{
  const float *ab; /* 2 planes of ow x oh */
  int          ow, oh;
  float       *out;
  size_t       out_stride;
  int          width, height;
  float        sat;
  int         *x0, *x1;
  float       *lx;
} BilinearPass;

/* PyTorch's align_corners=False source index, as in cnn-conv.c. */
static void
src_index (int o, double scale, int n, int *i0, int *i1, float *l1)
{
  double src = scale * (o + 0.5) - 0.5;
  int    a;

  if (src < 0.0)
    src = 0.0;
  a = (int) src;
  if (a > n - 1)
    a = n - 1;
  *i0 = a;
  *i1 = a < n - 1 ? a + 1 : a;
  *l1 = (float) (src - a);
  if (*l1 > 1.0f)
    *l1 = 1.0f;
}

static void
bilinear_rows (void *data, int y0, int y1)
{
  BilinearPass *u = data;
  size_t        plane = (size_t) u->ow * u->oh;
  int           y, x, c;

  for (y = y0; y < y1; y++)
    {
      float *d = u->out + (size_t) y * u->out_stride;
      int    r0, r1;
      float  ly;

      src_index (y, (double) u->oh / u->height, u->oh, &r0, &r1, &ly);
      for (c = 0; c < 2; c++)
        {
          const float *p0 = u->ab + c * plane + (size_t) r0 * u->ow;
          const float *p1 = u->ab + c * plane + (size_t) r1 * u->ow;

          for (x = 0; x < u->width; x++)
            {
              float a = p0[u->x0[x]] + (p0[u->x1[x]] - p0[u->x0[x]]) * u->lx[x];
              float b = p1[u->x0[x]] + (p1[u->x1[x]] - p1[u->x0[x]]) * u->lx[x];

              d[2 * x + c] = (a + (b - a) * ly) * u->sat;
            }
        }
    }
}

static gboolean
upsample_bilinear (const float *ab, int ow, int oh, float saturation,
                   float *out, size_t out_stride, int width, int height,
                   int n_threads)
{
  BilinearPass u = { ab,     ow,         oh,   out,  out_stride, width,
                     height, saturation, NULL, NULL, NULL };
  int          x;

  u.x0 = g_try_new (int, width);
  u.x1 = g_try_new (int, width);
  u.lx = g_try_new (float, width);
  if (u.x0 != NULL && u.x1 != NULL && u.lx != NULL)
    {
      for (x = 0; x < width; x++)
        src_index (x, (double) ow / width, ow, &u.x0[x], &u.x1[x], &u.lx[x]);
      cnn_parallel (n_threads, height, bilinear_rows, &u);
    }
  g_free (u.x0);
  g_free (u.x1);
  g_free (u.lx);
  return u.x0 != NULL && u.x1 != NULL && u.lx != NULL;
}

/* ---- edge-aware upsampling (joint bilateral) --------------------------- */

/* Each pixel's a*, b* are the mean of the 4 x 4 network cells around it,
 * weighted by a cubic B-spline of the distance to the cell's centre times
 * a Gaussian of the difference between the pixel's L* and the cell's
 * (COLORIZE_EDGE_SIGMA_L), read from a table in steps of 1 / RANGE_STEPS
 * L*: 16 exponentials per pixel would cost more than the network on a
 * 12 MP photo.  The B-spline (Gaussian-like, sigma 0.58 cells) sums to 1
 * and reproduces a linear ramp exactly, so where L* is smooth the colour
 * is the network's, smoothly interpolated, not shifted; at the borders
 * the outer cells repeat, as in the bilinear. */
#define EDGE_TAPS 4
#define RANGE_STEPS 32
#define RANGE_MAX_L 100

typedef struct
{
  const float *cells; /* ow x oh of { L*, a*, b*, 0 }: one load per tap */
  int          ow;
  const float *l;
  size_t       l_stride;
  float       *out;
  size_t       out_stride;
  int          width;
  float        sat;
  const int   *cx, *cy; /* [width or height][EDGE_TAPS] cell indices */
  const float *wx, *wy; /* their B-spline weights */
  const float *range;   /* [RANGE_MAX_L * RANGE_STEPS + 1] */
} EdgePass;

/* For output pixel o of @n_out over @n_in cells: the EDGE_TAPS cells
 * around its centre (align_corners=False, as the bilinear), clamped to the
 * grid, and their cubic B-spline weights. */
static void
edge_taps (int n_out, int n_in, int *c, float *w)
{
  double scale = (double) n_in / n_out;
  int    o, k;

  for (o = 0; o < n_out; o++)
    {
      double s = scale * (o + 0.5) - 0.5, f = floor (s), t = s - f;
      double u = 1.0 - t;

      for (k = 0; k < EDGE_TAPS; k++)
        c[o * EDGE_TAPS + k] = CLAMP ((int) f - 1 + k, 0, n_in - 1);
      w[o * EDGE_TAPS] = (float) (u * u * u / 6.0);
      w[o * EDGE_TAPS + 1]
          = (float) ((3.0 * t * t * t - 6.0 * t * t + 4.0) / 6.0);
      w[o * EDGE_TAPS + 2]
          = (float) ((-3.0 * t * t * t + 3.0 * t * t + 3.0 * t + 1.0) / 6.0);
      w[o * EDGE_TAPS + 3] = (float) (t * t * t / 6.0);
    }
}

static void
edge_rows (void *data, int y0, int y1)
{
  const EdgePass *e = data;
  const int       last = RANGE_MAX_L * RANGE_STEPS;
  int             y, x, x1, i, j;

  for (y = y0; y < y1; y++)
    {
      const float *lrow = e->l + (size_t) y * e->l_stride;
      const int   *ry = e->cy + (size_t) y * EDGE_TAPS;
      const float *vy = e->wy + (size_t) y * EDGE_TAPS;
      float       *d = e->out + (size_t) y * e->out_stride;

      /* a span of pixels that share their 4 x 4 cells: those cells'
       * L*, a*, b* are loaded once */
      for (x = 0; x < e->width; x = x1)
        {
          const int *rx = e->cx + (size_t) x * EDGE_TAPS;
          float      cl[EDGE_TAPS][EDGE_TAPS], ca[EDGE_TAPS][EDGE_TAPS];
          float      cb[EDGE_TAPS][EDGE_TAPS];

          for (x1 = x + 1; x1 < e->width; x1++)
            {
              const int *n = e->cx + (size_t) x1 * EDGE_TAPS;

              if (n[0] != rx[0] || n[1] != rx[1] || n[2] != rx[2]
                  || n[3] != rx[3])
                break;
            }
          for (j = 0; j < EDGE_TAPS; j++)
            for (i = 0; i < EDGE_TAPS; i++)
              {
                const float *c
                    = e->cells + ((size_t) ry[j] * e->ow + rx[i]) * 4;

                cl[j][i] = c[0];
                ca[j][i] = c[1];
                cb[j][i] = c[2];
              }
          for (; x < x1; x++)
            {
              const float *vx = e->wx + (size_t) x * EDGE_TAPS;
              float        lp = lrow[x];
              /* one sum per column of cells: four short chains of
               * additions rather than one long one */
              float sa[EDGE_TAPS] = { 0 }, sb[EDGE_TAPS] = { 0 };
              float sw[EDGE_TAPS] = { 0 }, ta, tb, tw;

              for (j = 0; j < EDGE_TAPS; j++)
                for (i = 0; i < EDGE_TAPS; i++)
                  {
                    float dl = fabsf (lp - cl[j][i]) * RANGE_STEPS + 0.5f;
                    /* NaN or far: the table's last, smallest, weight */
                    int   k = dl < (float) last ? (int) dl : last;
                    float w = vy[j] * vx[i] * e->range[k];

                    sa[i] += w * ca[j][i];
                    sb[i] += w * cb[j][i];
                    sw[i] += w;
                  }
              ta = (sa[0] + sa[1]) + (sa[2] + sa[3]);
              tb = (sb[0] + sb[1]) + (sb[2] + sb[3]);
              tw = (sw[0] + sw[1]) + (sw[2] + sw[3]);
              /* tw > 0: the two nearest cells' B-spline weights are over
               * 1/6 and the table's smallest weight, exp (-50), is a
               * normal float */
              tw = tw > 0.0f ? e->sat / tw : 0.0f;
              d[2 * x] = ta * tw;
              d[2 * x + 1] = tb * tw;
            }
        }
    }
}

static gboolean
upsample_edge (const float *ab, int ow, int oh, const float *guide,
               const float *l, size_t l_stride, float saturation, float *out,
               size_t out_stride, int width, int height, int n_threads)
{
  size_t   plane = (size_t) ow * oh, c;
  float   *cells = g_try_new (float, plane * 4);
  float   *range = g_try_new (float, RANGE_MAX_L *RANGE_STEPS + 1);
  int     *cx = g_try_new (int, (size_t) width *EDGE_TAPS);
  int     *cy = g_try_new (int, (size_t) height *EDGE_TAPS);
  float   *wx = g_try_new (float, (size_t) width *EDGE_TAPS);
  float   *wy = g_try_new (float, (size_t) height *EDGE_TAPS);
  gboolean ok = cells != NULL && range != NULL && cx != NULL && cy != NULL
                && wx != NULL && wy != NULL;

  if (ok)
    {
      EdgePass e = { cells,      ow, l,  l_stride, out, out_stride, width,
                     saturation, cx, cy, wx,       wy,  range };
      int      k;

      for (c = 0; c < plane; c++)
        {
          cells[4 * c] = guide[c];
          cells[4 * c + 1] = ab[c];
          cells[4 * c + 2] = ab[plane + c];
          cells[4 * c + 3] = 0.0f;
        }
      for (k = 0; k <= RANGE_MAX_L * RANGE_STEPS; k++)
        {
          double dl = (double) k / RANGE_STEPS;

          range[k] = (float) exp (
              -dl * dl / (2.0 * COLORIZE_EDGE_SIGMA_L * COLORIZE_EDGE_SIGMA_L));
        }
      edge_taps (width, ow, cx, wx);
      edge_taps (height, oh, cy, wy);
      cnn_parallel (n_threads, height, edge_rows, &e);
    }
  g_free (cells);
  g_free (range);
  g_free (cx);
  g_free (cy);
  g_free (wx);
  g_free (wy);
  return ok;
}

gboolean
colorize_upsample_ab (const float *ab, int ow, int oh, const float *guide,
                      const float *l, size_t l_stride, float saturation,
                      float *out, size_t out_stride, int width, int height,
                      int n_threads)
{
  /* no larger than the grid: nothing to upsample, and bilinear keeps the
   * network's answer exactly at 1:1 */
  if (guide == NULL || (width <= ow && height <= oh))
    return upsample_bilinear (ab, ow, oh, saturation, out, out_stride, width,
                              height, n_threads);
  return upsample_edge (ab, ow, oh, guide, l, l_stride, saturation, out,
                        out_stride, width, height, n_threads);
}
