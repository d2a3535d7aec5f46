/* LookLab core: colorization pipeline (see colorize.h). */
#include "colorize.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "cnn-private.h"
#include "colorize-hints.h"

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
  double               *tmp = NULL;
  float                *input = NULL, *net_out = NULL;
  int                   S, i, j, k, x, oc = 0, ow = 0, oh = 0, n_cells = 0;
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

  if (info->kind == LOOKLAB_CNN_KIND_HINTS
      && (!colorize_hints_to_cells (input, S, info, hints_ab, hints_stride,
                                    hints_mask, mask_stride, width, height)
          || (info->prop.on
              && !colorize_propagate_hints (input, S, info, params->n_threads,
                                            &n_cells))))
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0,
                                 "no memory for the hints");
      goto out;
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

  if (info->kind == LOOKLAB_CNN_KIND_HINTS && info->prop.on)
    colorize_fade_to_propagation (net_out, ow, oh, input, S, info, n_cells);
  /* a model that starts from the propagated hints has the fusion in it */
  if (info->kind == LOOKLAB_CNN_KIND_HINTS && hints_ab != NULL
      && params->fuse_hints && !info->prop.on
      && !colorize_fuse_hints (net_out, ow, oh, input, S, info, l, l_stride,
                               hints_ab, hints_stride, hints_mask, mask_stride,
                               width, height, params->n_threads))
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
  g_free (input);
  g_free (net_out);
  return status;
}
