/* LookLab core: colorization pipeline (see colorize.h). */
#include "colorize/colorize.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "nn/cnn-private.h"
#include "colorize/colorize-hints.h"
#include "colorize/colorize-resample.h"

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
  params->upsample = LOOKLAB_COLORIZE_UPSAMPLE_EDGE;
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
  float                *input = NULL, *net_out = NULL, *guide = NULL;
  float                *l_net = NULL; /* the S x S L, kept for the guide */
  int                   S, oc = 0, ow = 0, oh = 0, n_cells = 0;
  size_t                SS, i;
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
  if (params->upsample != LOOKLAB_COLORIZE_UPSAMPLE_EDGE
      && params->upsample != LOOKLAB_COLORIZE_UPSAMPLE_BILINEAR)
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0, "unknown upsampling %d",
                             (int) params->upsample);
  info = looklab_cnn_get_info (cnn);
  if (info->kind == LOOKLAB_CNN_KIND_RGB)
    return looklab_diag_set (diag, LOOKLAB_ERR_MISMATCH, 0,
                             "not a colorization model (its input is RGB: "
                             "the look neutralizer of looklab match?)");
  S = params->net_size > 0 ? params->net_size : info->size;
  if (S > LOOKLAB_CNN_MAX_SIDE)
    return looklab_diag_set (diag, LOOKLAB_ERR_LIMIT, 0,
                             "network size %d over %d", S,
                             LOOKLAB_CNN_MAX_SIDE);
  SS = (size_t) S * S;
  if (progress != NULL && progress (0.0, progress_data))
    return looklab_diag_set (diag, LOOKLAB_ERR_CANCELLED, 0, "cancelled");

  /* L, area-averaged to S x S, then normalised as the model asks */
  input = g_try_new0 (float, SS * info->in_channels);
  if (input == NULL
      || !colorize_area_resample (l, l_stride, width, height, input, S, S,
                                  params->n_threads))
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0,
                                 "no memory for the resampled image");
      goto out;
    }
  if (params->upsample == LOOKLAB_COLORIZE_UPSAMPLE_EDGE
      && (l_net = g_try_new (float, SS)) != NULL)
    memcpy (l_net, input, SS * sizeof *l_net);
  for (i = 0; i < SS; i++)
    input[i] = (input[i] - info->l_center) / info->l_scale;

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

  /* the guide of the edge-aware upsampling: L at the network's output
   * grid, from the network's input grid when that divides into it (a 64x64
   * answer to a 128x128 input) and was a true area average (the image no
   * smaller than it), else from the full resolution again */
  if (params->upsample == LOOKLAB_COLORIZE_UPSAMPLE_EDGE)
    {
      guide = g_try_new (float, (size_t) ow *oh);
      if (guide != NULL && l_net != NULL && S % ow == 0 && S % oh == 0
          && width >= S && height >= S)
        colorize_box_shrink (l_net, S, guide, ow, oh);
      else if (guide == NULL
               || !colorize_area_resample (l, l_stride, width, height, guide,
                                           ow, oh, params->n_threads))
        {
          status = looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0,
                                     "no memory for the upsampling");
          goto out;
        }
    }
  if (!colorize_upsample_ab (net_out, ow, oh, guide, l, l_stride,
                             params->saturation, ab_out, ab_stride, width,
                             height, params->n_threads))
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0,
                                 "no memory for a row of %d pixels", width);
      goto out;
    }
  stage ("ab to full resolution", &wall, &cpu);
  if (progress != NULL)
    progress (1.0, progress_data);
  status = LOOKLAB_OK;

out:
  g_free (guide);
  g_free (l_net);
  g_free (input);
  g_free (net_out);
  return status;
}
