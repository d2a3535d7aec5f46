/* LookLab core: colorization pipeline (see colorize.h). */
#include "colorize.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "cnn-private.h"

/* LOOKLAB_CNN_PROFILE=1: each stage's wall and process CPU time to
 * stderr (the machine this is measured on is often shared). */
static void
stage (const char *what, double *wall, double *cpu)
{
  struct timespec ts;
  double          w, c;

  if (g_getenv ("LOOKLAB_CNN_PROFILE") == NULL)
    return;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  w = ts.tv_sec + ts.tv_nsec * 1e-9;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  c = ts.tv_sec + ts.tv_nsec * 1e-9;
  if (what != NULL)
    fprintf (stderr, "colorize: %-28s wall %8.3f s  cpu %8.3f s\n", what,
             w - *wall, c - *cpu);
  *wall = w;
  *cpu = c;
}

void
looklab_colorize_params_init (LookLabColorizeParams *params)
{
  params->saturation = 1.0f;
  params->n_threads = 0;
  params->net_size = 0;
  params->fuse_hints = 1;
}

/* The network's share of the progress: 0.1 .. 0.9. */
typedef struct
{
  LookLabProgressFunc fn;
  void               *data;
} NetProgress;

static int
net_progress (double fraction, void *data)
{
  NetProgress *np = data;

  return np->fn (0.1 + 0.8 * fraction, np->data);
}

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
  int          width;
  Taps        *tx;
  double      *tmp; /* height x S: rows resampled horizontally */
  int          S;
} HPass;

static void
hpass_rows (void *data, int y0, int y1)
{
  HPass *h = data;
  int    y, i, k;

  for (y = y0; y < y1; y++)
    {
      const float *src = h->l + (size_t) y * h->l_stride;
      double      *d = h->tmp + (size_t) y * h->S;

      for (i = 0; i < h->S; i++)
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

/* ---- bilinear upsampling of ab (network -> full resolution) ----------- */

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
} UPass;

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
upass_rows (void *data, int y0, int y1)
{
  UPass *u = data;
  size_t plane = (size_t) u->ow * u->oh;
  int    y, x, c;

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

/* ---- hint fusion (network + bilateral propagation of the hints) ------- */

/* A hints model of this size, trained for 45 CPU-minutes (stage 1; 125 in
 * all now), follows its hints only loosely (data/models/README.md: with 10
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

/* Replaces @net (2 planes of ow x oh) by the fusion above.  @lin: the
 * network's L input (S x S, normalised).  Returns FALSE when out of
 * memory. */
static gboolean
fuse_hints (float *net, int ow, int oh, const float *lin, int S,
            const LookLabCnnInfo *info, const float *l, size_t l_stride,
            const float *hints_ab, size_t hints_stride, const float *hints_mask,
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
            acc += lin[(size_t) r * S + q];
        lc[(size_t) i * ow + j]
            = (float) (acc / ((r1 - r0) * (c1 - c0)) * info->l_scale
                       + info->l_center);
      }
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

int
looklab_colorize (const LookLabCnn *cnn, const float *l, int width, int height,
                  size_t l_stride, const float *hints_ab, size_t hints_stride,
                  const float *hints_mask, size_t mask_stride, float *ab_out,
                  size_t ab_stride, const LookLabColorizeParams *params,
                  LookLabProgressFunc progress, void *progress_data,
                  LookLabDiag *diag)
{
  LookLabColorizeParams defaults;
  const LookLabCnnInfo *info;
  Taps                  tx = { 0 }, ty = { 0 };
  double               *tmp = NULL, *hsum = NULL;
  float                *input = NULL, *net_out = NULL;
  int                   S, i, j, k, x, y, oc = 0, ow = 0, oh = 0;
  size_t                SS;
  int                   status;
  double                wall = 0.0, cpu = 0.0;

  stage (NULL, &wall, &cpu);
  if (params == NULL)
    {
      looklab_colorize_params_init (&defaults);
      params = &defaults;
    }
  if (cnn == NULL || l == NULL || ab_out == NULL)
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0,
                             "no model, L plane or output");
  if (width < 1 || height < 1)
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0, "image of %dx%d pixels",
                             width, height);
  if ((size_t) width * (size_t) height > LOOKLAB_COLORIZE_MAX_PIXELS)
    return looklab_diag_set (diag, LOOKLAB_ERR_LIMIT, 0,
                             "image of %dx%d pixels is over the limit of %zu "
                             "pixels",
                             width, height, LOOKLAB_COLORIZE_MAX_PIXELS);
  if (l_stride < (size_t) width || ab_stride < 2 * (size_t) width
      || ((hints_ab == NULL) != (hints_mask == NULL))
      || (hints_ab != NULL
          && (hints_stride < 2 * (size_t) width
              || mask_stride < (size_t) width)))
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0,
                             "strides shorter than a row, or hints without "
                             "a mask");
  if (!(params->saturation >= 0.0f && params->saturation <= 2.0f))
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0,
                             "saturation %g outside [0, 2]",
                             (double) params->saturation);
  info = looklab_cnn_get_info (cnn);
  S = params->net_size > 0 ? params->net_size : info->size;
  if (S > LOOKLAB_CNN_MAX_SIDE)
    return looklab_diag_set (diag, LOOKLAB_ERR_LIMIT, 0,
                             "network size %d over %d", S,
                             LOOKLAB_CNN_MAX_SIDE);
  SS = (size_t) S * S;
  if (progress != NULL && progress (0.0, progress_data))
    return looklab_diag_set (diag, LOOKLAB_ERR_CANCELLED, 0, "cancelled");

  /* L, area-averaged to S x S: horizontal pass on all rows in parallel,
   * then vertical. */
  tmp = g_try_new (double, (size_t) height *S);
  input = g_try_new0 (float, SS * info->in_channels);
  if (tmp == NULL || input == NULL)
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0,
                                 "no memory for the resampled image");
      goto out;
    }
  if (!taps_make (&tx, width, S) || !taps_make (&ty, height, S))
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0,
                                 "no memory for the resampling weights");
      goto out;
    }
  {
    HPass h = { l, l_stride, width, &tx, tmp, S };

    cnn_parallel (params->n_threads, height, hpass_rows, &h);
  }
  for (i = 0; i < S; i++)
    {
      const float *w = ty.w + (size_t) i * ty.max_taps;

      for (j = 0; j < S; j++)
        {
          double acc = 0.0;

          for (k = 0; k < ty.count[i]; k++)
            acc += w[k] * tmp[(size_t) (ty.first[i] + k) * S + j];
          input[(size_t) i * S + j]
              = (float) ((acc - info->l_center) / info->l_scale);
        }
    }

  if (info->kind == LOOKLAB_CNN_KIND_HINTS)
    {
      float *pa = input + SS, *pb = input + 2 * SS, *pm = input + 3 * SS;

      /* Each hinted pixel lands in the network cell that holds it; cells
       * with several average them (Zhang et al. 2017 place hints at the
       * network's resolution the same way). */
      if (hints_ab != NULL)
        {
          hsum = g_try_new0 (double, SS * 3);
          if (hsum == NULL)
            {
              status = looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0,
                                         "no memory for hints");
              goto out;
            }
          for (y = 0; y < height; y++)
            {
              const float *m = hints_mask + (size_t) y * mask_stride;
              const float *h = hints_ab + (size_t) y * hints_stride;
              size_t       cy = (size_t) ((int64_t) y * S / height) * S;

              for (x = 0; x < width; x++)
                if (m[x] > 0.0f)
                  {
                    size_t c = cy + (size_t) ((int64_t) x * S / width);

                    hsum[3 * c] += h[2 * x];
                    hsum[3 * c + 1] += h[2 * x + 1];
                    hsum[3 * c + 2] += 1.0;
                  }
            }
        }
      for (i = 0; i < (int) SS; i++)
        {
          pa[i] = pb[i] = 0.0f;
          pm[i] = info->mask_offset;
          if (hsum != NULL && hsum[3 * i + 2] > 0.0)
            {
              pa[i] = (float) (hsum[3 * i] / hsum[3 * i + 2] / info->ab_scale);
              pb[i] = (float) (hsum[3 * i + 1] / hsum[3 * i + 2]
                               / info->ab_scale);
              pm[i] = 1.0f + info->mask_offset;
            }
        }
    }
  stage ("L + hints to network size", &wall, &cpu);
  if (progress != NULL && progress (0.1, progress_data))
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_CANCELLED, 0, "cancelled");
      goto out;
    }

  {
    NetProgress np = { progress, progress_data };

    status = looklab_cnn_run_progress (
        cnn, input, S, S, params->n_threads, &net_out, &oc, &ow, &oh,
        progress != NULL ? net_progress : NULL, &np, diag);
  }
  if (status != LOOKLAB_OK)
    goto out;
  stage ("network", &wall, &cpu);
  if (oc != 2)
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_MISMATCH, 0,
                                 "model output has %d channels, not 2", oc);
      goto out;
    }
  if (progress != NULL && progress (0.9, progress_data))
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_CANCELLED, 0, "cancelled");
      goto out;
    }

  if (info->kind == LOOKLAB_CNN_KIND_HINTS && hints_ab != NULL
      && params->fuse_hints
      && !fuse_hints (net_out, ow, oh, input, S, info, l, l_stride, hints_ab,
                      hints_stride, hints_mask, mask_stride, width, height,
                      params->n_threads))
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0,
                                 "no memory for the hints");
      goto out;
    }
  stage ("hint fusion", &wall, &cpu);

  {
    UPass u = { net_out,   ow,    oh,     ab_out,
                ab_stride, width, height, params->saturation,
                NULL,      NULL,  NULL };

    u.x0 = g_try_new (int, width);
    u.x1 = g_try_new (int, width);
    u.lx = g_try_new (float, width);
    if (u.x0 == NULL || u.x1 == NULL || u.lx == NULL)
      {
        g_free (u.x0);
        g_free (u.x1);
        g_free (u.lx);
        status = looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0,
                                   "no memory for a row of %d pixels", width);
        goto out;
      }
    for (x = 0; x < width; x++)
      src_index (x, (double) ow / width, ow, &u.x0[x], &u.x1[x], &u.lx[x]);
    cnn_parallel (params->n_threads, height, upass_rows, &u);
    g_free (u.x0);
    g_free (u.x1);
    g_free (u.lx);
  }
  stage ("ab to full resolution", &wall, &cpu);
  if (progress != NULL)
    progress (1.0, progress_data);
  status = LOOKLAB_OK;

out:
  taps_free (&tx);
  taps_free (&ty);
  g_free (tmp);
  g_free (hsum);
  g_free (input);
  g_free (net_out);
  return status;
}
