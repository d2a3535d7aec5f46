/* LookLab core: colour hints for the colorization networks (see
 * colorize-hints.h): hints into the network's input cells, their
 * propagation as input planes for models that take it, and the fusion of
 * a network's answer with them for models that do not. */
#include "colorize/colorize-hints.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "nn/cnn-private.h"
#include "colorize/colorize-resample.h"

/* ---- hints into the network's input cells ---------------------------- */

gboolean
colorize_hints_to_cells (float *input, int S, const LookLabCnnInfo *info,
                         const float *hints_ab, size_t hints_stride,
                         const float *hints_mask, size_t mask_stride, int width,
                         int height)
{
  size_t  SS = (size_t) S * S, c;
  float  *pa = input + SS, *pb = input + 2 * SS, *pm = input + 3 * SS;
  double *hsum = NULL;
  int     x, y;

  /* Each hinted pixel lands in the network cell that holds it; cells with
   * several average them (Zhang et al. 2017 place hints at the network's
   * resolution the same way). */
  if (hints_ab != NULL)
    {
      hsum = g_try_new0 (double, SS * 3);
      if (hsum == NULL)
        return FALSE;
      for (y = 0; y < height; y++)
        {
          const float *m = hints_mask + (size_t) y * mask_stride;
          const float *h = hints_ab + (size_t) y * hints_stride;
          size_t       cy = (size_t) ((int64_t) y * S / height) * S;

          for (x = 0; x < width; x++)
            if (m[x] > 0.0f)
              {
                c = cy + (size_t) ((int64_t) x * S / width);
                hsum[3 * c] += h[2 * x];
                hsum[3 * c + 1] += h[2 * x + 1];
                hsum[3 * c + 2] += 1.0;
              }
        }
    }
  for (c = 0; c < SS; c++)
    {
      pa[c] = pb[c] = 0.0f;
      pm[c] = info->mask_offset;
      if (hsum != NULL && hsum[3 * c + 2] > 0.0)
        {
          pa[c] = (float) (hsum[3 * c] / hsum[3 * c + 2] / info->ab_scale);
          pb[c] = (float) (hsum[3 * c + 1] / hsum[3 * c + 2] / info->ab_scale);
          pm[c] = 1.0f + info->mask_offset;
        }
    }
  g_free (hsum);
  return TRUE;
}

/* ---- hint fusion (network + bilateral propagation of the hints) ------- */

/* For "hints" models without the propagated-hints input (LookLab's
 * default model of stages 1-3, Zhang et al.'s SIGGRAPH 2017 network); the
 * default model since stage 4 starts from that propagation itself
 * (colorize_propagate_hints below) and is not fused.
 *
 * A hints model of this size, trained for 45 CPU-minutes (stage 1; 125 in
 * all by stage 2), follows its hints only loosely (data/models/README.md: with 10
 * hints it stayed at 9.0 dE00, 8.7 now, where a plain non-learned
 * propagation of the hints, the anchor of bench/bench-colorize, reaches
 * 5.6).  So after the network, each output
 * cell p takes
 *
 *   ab(p) = (sum_i w_i(p) h_i + FUSE_EPS net(p)) / (sum_i w_i(p) + FUSE_EPS)
 *   w_i(p) = exp (-|p - x_i|^2 / (2 sigma_s^2) - (L(p) - L_i)^2 / (2 sigma_l^2))
 *
 * over the hints i (ab h_i at pixel x_i of lightness L_i): the edge-aware
 * propagation of sparse colour of Levin, Lischinski and Weiss 2004
 * ("Colorization using optimization": neighbours of similar lightness get
 * similar colour), in closed form as a normalised bilateral (Shepard)
 * interpolation, which is the bench's anchor, with the network's own
 * prediction as a prior of weight FUSE_EPS: near a hint of similar L the
 * hints rule (one hint: at its pixel the output is about FUSE_EPS / (1 +
 * FUSE_EPS) of the way from the hint's ab to the network's), where no hint reaches (far away, or other L)
 * the network does.  Equivalently ab = net + sum_i w_i (h_i - net(p)) /
 * (sum_i w_i + FUSE_EPS): the hints' residuals, propagated.
 *
 * Measured (bench/bench-colorize's 21 photos and hints, 10 hints, mean
 * dE00; chosen on the 11 even-numbered photos, the other 10 kept for the
 * check, all numbers in data/models/README.md): adding to the network the
 * residuals r_i = h_i - net(x_i) at the hints instead (propagated the same
 * way, fading to zero or to their mean far away) gave 7.1-8.2 against the
 * network's 9.0; this form 5.7 (FUSE_EPS 0.02), 5.9 (0.2), 6.3 (0.5), the
 * anchor alone (FUSE_EPS 0) 5.7 at this resolution: on these photos the
 * network adds nothing where hints reach, so its weight is small.  sigma_s
 * a quarter of the longer side and sigma_l 10, as the anchor (an eighth was
 * better for the anchor alone, worse with the prior).
 *
 * More hints, shorter reach: beyond FUSE_REF_HINTS hint cells sigma_s
 * shrinks as (FUSE_REF_HINTS / n)^FUSE_DENSITY_POW, down to
 * FUSE_SIGMA_S_MIN, as a kernel bandwidth should shrink with the density
 * of its samples (with many hints the near ones know best).  Chosen on the
 * 14 training scenes (powers 0.35, 0.5, 0.65, 0.8, 1; 10, 25, 50, 100
 * hints), checked on the 21 held-out photos: 25 hints 5.18 -> 4.63, 50
 * hints 4.89 -> 3.90, 100 hints 4.73 -> 3.57 dE00; 10 hints unchanged.
 *
 * Hints are taken per network-input cell (mean position, L and ab of the
 * hint pixels in it, so a painted stroke costs what its cells cost), the
 * propagation is computed at the network's output resolution and goes
 * through the same bilinear upsampling as the prediction; saturation then
 * multiplies the result. */
#define FUSE_SIGMA_S 0.25 /* times the longer side, in pixels */
#define FUSE_SIGMA_L 10.0 /* L* */
#define FUSE_EPS 0.02     /* weight of the network's prediction */
#define FUSE_REF_HINTS 10 /* hint cells up to which sigma_s is FUSE_SIGMA_S */
#define FUSE_DENSITY_POW 0.8
#define FUSE_SIGMA_S_MIN (1.0 / 32.0) /* times the longer side */

/* sigma_s for @n hint cells, as a fraction of the longer side */
static double
fuse_sigma_s (int n)
{
  double s = FUSE_SIGMA_S;

  if (n > FUSE_REF_HINTS)
    s *= pow ((double) FUSE_REF_HINTS / n, FUSE_DENSITY_POW);
  return s > FUSE_SIGMA_S_MIN ? s : FUSE_SIGMA_S_MIN;
}

typedef struct
{
  double x, y; /* full-resolution pixel coordinates */
  double l;    /* L* */
  double a, b;
} FuseHint;

typedef struct
{
  float          *ab; /* the network's 2 planes of ow x oh, replaced */
  const float    *lc; /* L* at the output cells, oh x ow */
  int             ow, oh;
  double          sx, sy; /* cell centre x = (j + 0.5) * sx - 0.5 */
  const FuseHint *h;
  int             n;
  double          k_s, k_l; /* 1 / (2 sigma^2) */
} FPass;

static void
fpass_rows (void *data, int y0, int y1)
{
  FPass *f = data;
  size_t plane = (size_t) f->ow * f->oh;
  int    i, j, k;

  for (i = y0; i < y1; i++)
    {
      double py = (i + 0.5) * f->sy - 0.5;

      for (j = 0; j < f->ow; j++)
        {
          size_t o = (size_t) i * f->ow + j;
          double px = (j + 0.5) * f->sx - 0.5, pl = f->lc[o];
          double sw = FUSE_EPS, sa = FUSE_EPS * f->ab[o];
          double sb = FUSE_EPS * f->ab[plane + o];

          for (k = 0; k < f->n; k++)
            {
              const FuseHint *h = &f->h[k];
              double          dx = px - h->x, dy = py - h->y, dl = pl - h->l;
              double w = exp (-(dx * dx + dy * dy) * f->k_s - dl * dl * f->k_l);

              sw += w;
              sa += w * h->a;
              sb += w * h->b;
            }
          if (sw > 0.0)
            {
              f->ab[o] = (float) (sa / sw);
              f->ab[plane + o] = (float) (sb / sw);
            }
        }
    }
}

gboolean
colorize_fuse_hints (float *net, int ow, int oh, const float *lin, int S,
                     const LookLabCnnInfo *info, const float *l,
                     size_t l_stride, const float *hints_ab,
                     size_t hints_stride, const float *hints_mask,
                     size_t mask_stride, int width, int height, int n_threads)
{
  size_t    SS = (size_t) S * S, plane = (size_t) ow * oh, c;
  int      *slot = g_try_new (int, SS);
  float    *lc = g_try_new (float, plane);
  FuseHint *h = NULL;
  double   *cnt = NULL;
  double    sigma_s;
  int       n = 0, x, y, i, j, k;
  gboolean  ok = FALSE;

  if (slot == NULL || lc == NULL)
    goto out;
  for (c = 0; c < SS; c++)
    slot[c] = -1;
  /* pass 1: the network-input cells that hold hints */
  for (y = 0; y < height; y++)
    {
      const float *m = hints_mask + (size_t) y * mask_stride;
      size_t       cy = (size_t) ((int64_t) y * S / height) * S;

      for (x = 0; x < width; x++)
        if (m[x] > 0.0f)
          {
            c = cy + (size_t) ((int64_t) x * S / width);
            if (slot[c] < 0)
              slot[c] = n++;
          }
    }
  if (n == 0)
    {
      ok = TRUE;
      goto out;
    }
  sigma_s = fuse_sigma_s (n) * (width > height ? width : height);
  h = g_try_new0 (FuseHint, n);
  cnt = g_try_new0 (double, n);
  if (h == NULL || cnt == NULL)
    goto out;
  /* pass 2: per cell, the mean position, L and ab of its hints */
  for (y = 0; y < height; y++)
    {
      const float *m = hints_mask + (size_t) y * mask_stride;
      const float *hab = hints_ab + (size_t) y * hints_stride;
      const float *lr = l + (size_t) y * l_stride;
      size_t       cy = (size_t) ((int64_t) y * S / height) * S;

      for (x = 0; x < width; x++)
        if (m[x] > 0.0f)
          {
            k = slot[cy + (size_t) ((int64_t) x * S / width)];
            h[k].x += x;
            h[k].y += y;
            h[k].l += lr[x];
            h[k].a += hab[2 * x];
            h[k].b += hab[2 * x + 1];
            cnt[k] += 1.0;
          }
    }
  for (k = 0; k < n; k++)
    {
      h[k].x /= cnt[k];
      h[k].y /= cnt[k];
      h[k].l /= cnt[k];
      h[k].a /= cnt[k];
      h[k].b /= cnt[k];
    }
  /* L* at the output cells: box average of the network's L input */
  for (i = 0; i < oh; i++)
    for (j = 0; j < ow; j++)
      lc[(size_t) i * ow + j]
          = (float) (colorize_cell_mean (lin, S, ow, oh, i, j) * info->l_scale
                     + info->l_center);
  {
    FPass f = { net,
                lc,
                ow,
                oh,
                (double) width / ow,
                (double) height / oh,
                h,
                n,
                1.0 / (2.0 * sigma_s * sigma_s),
                1.0 / (2.0 * FUSE_SIGMA_L * FUSE_SIGMA_L) };

    cnn_parallel (n_threads, oh, fpass_rows, &f);
  }
  ok = TRUE;

out:
  g_free (slot);
  g_free (lc);
  g_free (h);
  g_free (cnt);
  return ok;
}

/* ---- propagated hints as network input (models with info->prop) ------ */

/* The default model since stage 4 takes, besides L and the hint cells, the
 * hints propagated to every input cell by the anchor's normalised
 * bilateral interpolation (Levin, Lischinski and Weiss 2004's idea in
 * closed form, as in the fusion above), and adds its own correction to
 * that answer.  Computed here exactly as tools/train-colorize.py's
 * propagate () does: at the S x S input cells, distances in cells, the
 * hint cell's own L (the network's L input there), the weights normalised
 * over the hints at each cell (so the nearest hints always decide, however
 * far), with the model's own sigmas (LookLabCnnProp). */

typedef struct
{
  float     *in; /* the S x S input planes; reads 0..3, writes 4 and 5 */
  int        S;
  const int *cell; /* the n hinted cells */
  int        n;
  double     k_s, k_l; /* 1 / (2 sigma^2) */
  double     l_scale;  /* L differences in L* */
} PPass;

static void
ppass_rows (void *data, int y0, int y1)
{
  PPass *p = data;
  size_t SS = (size_t) p->S * p->S;
  float *l = p->in, *ha = p->in + SS, *hb = p->in + 2 * SS;
  float *pa = p->in + 4 * SS, *pb = p->in + 5 * SS;
  int    i, j, k;

  for (i = y0; i < y1; i++)
    for (j = 0; j < p->S; j++)
      {
        size_t o = (size_t) i * p->S + j;
        double lo = l[o] * p->l_scale, qmin = HUGE_VAL, sw = 0.0, sa = 0.0;
        double sb = 0.0;

        /* the weights relative to the largest, so that none underflow */
        for (k = 0; k < p->n; k++)
          {
            int    c = p->cell[k];
            double dy = i - c / p->S, dx = j - c % p->S;
            double dl = lo - l[c] * p->l_scale;
            double q = (dx * dx + dy * dy) * p->k_s + dl * dl * p->k_l;

            if (q < qmin)
              qmin = q;
          }
        for (k = 0; k < p->n; k++)
          {
            int    c = p->cell[k];
            double dy = i - c / p->S, dx = j - c % p->S;
            double dl = lo - l[c] * p->l_scale;
            double w
                = exp (qmin - (dx * dx + dy * dy) * p->k_s - dl * dl * p->k_l);

            sw += w;
            sa += w * ha[c];
            sb += w * hb[c];
          }
        pa[o] = (float) (sa / sw);
        pb[o] = (float) (sb / sw);
      }
}

gboolean
colorize_propagate_hints (float *input, int S, const LookLabCnnInfo *info,
                          int n_threads, int *n_cells)
{
  size_t       SS = (size_t) S * S, c;
  const float *pm = input + 3 * SS;
  int         *cell = g_try_new (int, SS);
  int          n = 0;
  double       ss;

  *n_cells = 0;
  if (cell == NULL)
    return FALSE;
  for (c = 0; c < SS; c++)
    if (pm[c] - info->mask_offset > 0.5f)
      cell[n++] = (int) c;
  memset (input + 4 * SS, 0, 2 * SS * sizeof (float));
  if (n > 0)
    {
      PPass p = { input, S, cell, n, 0.0, 0.0, info->l_scale };

      ss = info->prop.sigma_s;
      if (n > info->prop.ref_hints)
        ss *= pow ((double) info->prop.ref_hints / n, info->prop.density_pow);
      if (ss < info->prop.sigma_s_min)
        ss = info->prop.sigma_s_min;
      ss *= S;
      p.k_s = 1.0 / (2.0 * ss * ss);
      p.k_l = 1.0 / (2.0 * (double) info->prop.sigma_l * info->prop.sigma_l);
      cnn_parallel (n_threads, S, ppass_rows, &p);
    }
  g_free (cell);
  *n_cells = n;
  return TRUE;
}

/* A model learns its correction of the propagation for as many hints as
 * it was trained with (info->prop.max_hints cells); with every pixel of a
 * colour photo given as a hint (to keep its colours) the default model,
 * trained with up to 128, added corrections 2.5 times as far from the
 * photo as the propagation alone.  So beyond max_hints hint cells the
 * answer fades linearly to the propagation itself (its area mean at the
 * output cells), which it reaches at 4 * max_hints cells. */
void
colorize_fade_to_propagation (float *net, int ow, int oh, const float *input,
                              int S, const LookLabCnnInfo *info, int n_cells)
{
  size_t       SS = (size_t) S * S, plane = (size_t) ow * oh;
  const float *pa = input + 4 * SS, *pb = input + 5 * SS;
  double       keep;
  int          m = info->prop.max_hints, i, j;

  if (m <= 0 || n_cells <= m)
    return;
  keep = 1.0 - (double) (n_cells - m) / (3.0 * m);
  if (keep < 0.0)
    keep = 0.0;
  for (i = 0; i < oh; i++)
    for (j = 0; j < ow; j++)
      {
        size_t o = (size_t) i * ow + j;
        double pa_o = colorize_cell_mean (pa, S, ow, oh, i, j) * info->ab_scale;
        double pb_o = colorize_cell_mean (pb, S, ow, oh, i, j) * info->ab_scale;

        net[o] = (float) (pa_o + keep * (net[o] - pa_o));
        net[plane + o] = (float) (pb_o + keep * (net[plane + o] - pb_o));
      }
}
