/* LookLab core: running a CNN model (see cnn.h; loading is cnn-load.c).
 *
 * Shapes are inferred per input size; running walks the nodes in file
 * order, freeing each intermediate as soon as its last consumer has run. */
#include "nn/cnn.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "nn/cnn-private.h"

/* ---- shapes ----------------------------------------------------------- */

int
looklab_cnn_infer (const LookLabCnn *cnn, int width, int height,
                   CnnShape *shapes, int *out_c, int *out_w, int *out_h,
                   LookLabDiag *diag)
{
  CnnShape *s = shapes;
  int       i, j, status = LOOKLAB_OK;

  if (s == NULL)
    s = g_new0 (CnnShape, cnn->n_nodes);
  for (i = 0; i < cnn->n_nodes; i++)
    {
      const CnnNode *n = &cnn->nodes[i];
      CnnShape       in;
      int64_t        h, w;

      if (!n->needed)
        continue;
      if (n->inputs[0] < 0)
        {
          in.c = cnn->info.in_channels;
          in.w = width;
          in.h = height;
        }
      else
        in = s[n->inputs[0]];
      h = in.h;
      w = in.w;
      switch (n->op)
        {
          case OP_CONV:
            {
              int64_t eh = (int64_t) n->dilation * (n->kh - 1) + 1;
              int64_t ew = (int64_t) n->dilation * (n->kw - 1) + 1;

              h = (in.h + 2 * n->padding - eh) / n->stride + 1;
              w = (in.w + 2 * n->padding - ew) / n->stride + 1;
              if (in.h + 2 * n->padding < eh || in.w + 2 * n->padding < ew)
                h = w = 0;
              break;
            }
          case OP_CONVT:
            h = (int64_t) (in.h - 1) * n->stride - 2 * n->padding
                + (int64_t) n->dilation * (n->kh - 1) + n->output_padding + 1;
            w = (int64_t) (in.w - 1) * n->stride - 2 * n->padding
                + (int64_t) n->dilation * (n->kw - 1) + n->output_padding + 1;
            break;
          case OP_UPSAMPLE:
            /* PyTorch: floor (size * scale_factor) */
            h = (int64_t) floor ((double) in.h * n->factor);
            w = (int64_t) floor ((double) in.w * n->factor);
            break;
          case OP_SUBSAMPLE:
            h = (in.h + n->sub - 1) / n->sub;
            w = (in.w + n->sub - 1) / n->sub;
            break;
          case OP_GAP: h = w = 1; break;
          case OP_ADD:
          case OP_CONCAT:
            for (j = 1; j < n->n_inputs; j++)
              {
                CnnShape o;

                if (n->inputs[j] < 0)
                  o.w = width, o.h = height;
                else
                  o = s[n->inputs[j]];
                if (o.w != in.w || o.h != in.h)
                  {
                    status = looklab_diag_set (diag, LOOKLAB_ERR_MISMATCH, 0,
                                               "node '%s': inputs of %dx%d "
                                               "and %dx%d at a %dx%d input",
                                               n->name, in.w, in.h, o.w, o.h,
                                               width, height);
                    goto out;
                  }
              }
            break;
          default: break;
        }
      if (h < 1 || w < 1 || h > LOOKLAB_CNN_MAX_SIDE * 64
          || w > LOOKLAB_CNN_MAX_SIDE * 64
          || (size_t) h * (size_t) w * (size_t) n->channels
                 > LOOKLAB_CNN_MAX_TENSOR)
        {
          status = looklab_diag_set (diag, LOOKLAB_ERR_LIMIT, 0,
                                     "node '%s': output of %lldx%lld x %d "
                                     "channels at a %dx%d input is empty "
                                     "or too large",
                                     n->name, (long long) w, (long long) h,
                                     n->channels, width, height);
          goto out;
        }
      s[i].c = n->channels;
      s[i].w = (int) w;
      s[i].h = (int) h;
    }
  *out_c = s[cnn->output].c;
  *out_w = s[cnn->output].w;
  *out_h = s[cnn->output].h;

out:
  if (shapes == NULL)
    g_free (s);
  return status;
}

double
looklab_cnn_macs (const LookLabCnn *cnn, int width, int height)
{
  CnnShape *s;
  double    macs = 0.0;
  int       i, c, w, h;

  if (cnn == NULL)
    return 0.0;
  s = g_new0 (CnnShape, cnn->n_nodes);
  if (looklab_cnn_infer (cnn, width, height, s, &c, &w, &h, NULL) == 0)
    for (i = 0; i < cnn->n_nodes; i++)
      {
        const CnnNode *n = &cnn->nodes[i];

        if (!n->needed)
          continue;
        if (n->op == OP_CONV)
          macs += (double) s[i].w * s[i].h * n->cout * n->cin * n->kh * n->kw;
        else if (n->op == OP_CONVT)
          {
            const CnnShape *in = n->inputs[0] < 0 ? NULL : &s[n->inputs[0]];
            double          px
                = in != NULL ? (double) in->w * in->h : (double) width * height;

            macs += px * n->cout * n->cin * n->kh * n->kw;
          }
      }
  g_free (s);
  return macs;
}

/* ---- running ---------------------------------------------------------- */

int
looklab_cnn_run (const LookLabCnn *cnn, const float *input, int width,
                 int height, int n_threads, float **out, int *out_channels,
                 int *out_width, int *out_height, LookLabDiag *diag)
{
  return looklab_cnn_run_progress (cnn, input, width, height, n_threads, out,
                                   out_channels, out_width, out_height, NULL,
                                   NULL, diag);
}

/* Multiply-adds of node @i at the shapes of this run (for progress). */
static double
node_macs (const LookLabCnn *cnn, const CnnShape *s, int i, int width,
           int height)
{
  const CnnNode *n = &cnn->nodes[i];
  double         in_px;

  if (n->op == OP_CONV)
    return (double) s[i].w * s[i].h * n->cout * n->cin * n->kh * n->kw;
  if (n->op == OP_CONVT)
    {
      in_px = n->inputs[0] < 0 ? (double) width * height
                               : (double) s[n->inputs[0]].w * s[n->inputs[0]].h;
      return in_px * n->cout * n->cin * n->kh * n->kw;
    }
  return (double) s[i].w * s[i].h * s[i].c;
}

int
looklab_cnn_run_progress (const LookLabCnn *cnn, const float *input, int width,
                          int height, int n_threads, float **out,
                          int *out_channels, int *out_width, int *out_height,
                          LookLabProgressFunc progress, void *progress_data,
                          LookLabDiag *diag)
{
  double    total = 0.0, done = 0.0;
  CnnShape *shapes = NULL;
  float   **bufs = NULL;
  int      *uses = NULL;
  float    *scratch = NULL;
  int       i, j, status, oc, ow, oh;
  /* LOOKLAB_CNN_PROFILE=1 prints each node's time to stderr. */
  gboolean profile = g_getenv ("LOOKLAB_CNN_PROFILE") != NULL;
  gint64   t_node = 0;

  if (out != NULL)
    *out = NULL;
  if (cnn == NULL || input == NULL || out == NULL || width < 1 || height < 1)
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0,
                             "no network, input or output");
  if (width > LOOKLAB_CNN_MAX_SIDE || height > LOOKLAB_CNN_MAX_SIDE)
    return looklab_diag_set (diag, LOOKLAB_ERR_LIMIT, 0,
                             "network input %dx%d over the limit of %d a "
                             "side",
                             width, height, LOOKLAB_CNN_MAX_SIDE);
  shapes = g_new0 (CnnShape, cnn->n_nodes);
  status = looklab_cnn_infer (cnn, width, height, shapes, &oc, &ow, &oh, diag);
  if (status != LOOKLAB_OK)
    goto out;
  cnn_set_threads (n_threads);
  if (progress != NULL)
    for (i = 0; i < cnn->n_nodes; i++)
      if (cnn->nodes[i].needed)
        total += node_macs (cnn, shapes, i, width, height);

  bufs = g_new0 (float *, cnn->n_nodes);
  uses = g_new0 (int, cnn->n_nodes);
  for (i = 0; i < cnn->n_nodes; i++)
    uses[i] = cnn->nodes[i].n_uses;

  for (i = 0; i < cnn->n_nodes; i++)
    {
      const CnnNode  *n = &cnn->nodes[i];
      const CnnShape *os = &shapes[i];
      const float    *ins[CNN_MAX_INPUTS];
      CnnShape        is[CNN_MAX_INPUTS];
      size_t          osize = (size_t) os->c * os->w * os->h;
      float          *dst;
      gboolean        steal;

      if (!n->needed)
        continue;
      for (j = 0; j < n->n_inputs; j++)
        {
          int k = n->inputs[j];

          if (k < 0)
            {
              ins[j] = input;
              is[j].c = cnn->info.in_channels;
              is[j].w = width;
              is[j].h = height;
            }
          else
            {
              ins[j] = bufs[k];
              is[j] = shapes[k];
            }
        }

      if (progress != NULL)
        {
          if (progress (total > 0.0 ? done / total : 0.0, progress_data))
            {
              status = looklab_diag_set (diag, LOOKLAB_ERR_CANCELLED, 0,
                                         "cancelled");
              goto out;
            }
          done += node_macs (cnn, shapes, i, width, height);
        }
      if (profile)
        t_node = g_get_monotonic_time ();

      /* Element-wise ops overwrite their input when this node is its last
       * consumer; a folded batch norm just takes its conv's buffer. */
      steal = n->inputs[0] >= 0 && uses[n->inputs[0]] == 1
              && (n->op == OP_BN || n->op == OP_RELU || n->op == OP_LEAKY
                  || n->op == OP_TANH || n->op == OP_SIGMOID
                  || n->op == OP_SCALE || n->op == OP_ADD);
      if (steal)
        {
          dst = bufs[n->inputs[0]];
          bufs[n->inputs[0]] = NULL;
        }
      else
        {
          dst = g_try_new (float, osize);
          if (dst == NULL)
            {
              status = looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0,
                                         "no memory for node '%s' (%zu "
                                         "floats)",
                                         n->name, osize);
              goto out;
            }
        }
      bufs[i] = dst;

      switch (n->op)
        {
          case OP_CONV:
            status = cnn_conv2d (n_threads, ins[0], is[0].c, is[0].h, is[0].w,
                                 n->weight, n->bias, n->cout, n->kh, n->kw,
                                 n->stride, n->padding, n->dilation, dst, os->h,
                                 os->w, &scratch);
            break;
          case OP_CONVT:
            status = cnn_conv_transpose2d (
                n_threads, ins[0], is[0].c, is[0].h, is[0].w, n->weight,
                n->bias, n->cout, n->kh, n->kw, n->stride, n->padding,
                n->dilation, dst, os->h, os->w, &scratch);
            break;
          case OP_BN:
            if (!n->folded)
              cnn_affine (ins[0], n->mul, n->add, os->c, (size_t) os->w * os->h,
                          dst);
            else if (!steal)
              memcpy (dst, ins[0], osize * sizeof (float));
            break;
          case OP_RELU: cnn_leaky_relu (ins[0], osize, 0.0f, dst); break;
          case OP_LEAKY: cnn_leaky_relu (ins[0], osize, n->slope, dst); break;
          case OP_TANH:
            for (size_t k = 0; k < osize; k++)
              dst[k] = tanhf (ins[0][k]);
            break;
          case OP_SIGMOID:
            for (size_t k = 0; k < osize; k++)
              dst[k] = 1.0f / (1.0f + expf (-ins[0][k]));
            break;
          case OP_SCALE:
            for (size_t k = 0; k < osize; k++)
              dst[k] = ins[0][k] * n->factor;
            break;
          case OP_ADD:
            if (!steal)
              memcpy (dst, ins[0], osize * sizeof (float));
            for (j = 1; j < n->n_inputs; j++)
              for (size_t k = 0; k < osize; k++)
                dst[k] += ins[j][k];
            break;
          case OP_CONCAT:
            {
              size_t off = 0;

              for (j = 0; j < n->n_inputs; j++)
                {
                  size_t m = (size_t) is[j].c * is[j].w * is[j].h;

                  memcpy (dst + off, ins[j], m * sizeof (float));
                  off += m;
                }
              break;
            }
          case OP_SUBSAMPLE:
            for (int c = 0; c < os->c; c++)
              for (int y = 0; y < os->h; y++)
                for (int x = 0; x < os->w; x++)
                  dst[((size_t) c * os->h + y) * os->w + x]
                      = ins[0][((size_t) c * is[0].h + (size_t) y * n->sub)
                                   * is[0].w
                               + (size_t) x * n->sub];
            break;
          case OP_UPSAMPLE:
            cnn_upsample_bilinear (ins[0], os->c, is[0].h, is[0].w,
                                   1.0 / n->factor, 1.0 / n->factor, dst, os->h,
                                   os->w);
            break;
          case OP_SOFTMAX_AM:
            cnn_softmax_annealed_mean (n_threads, ins[0], n->q,
                                       (size_t) os->w * os->h, n->bins,
                                       n->temperature, dst);
            break;
          case OP_GAP:
            {
              size_t plane = (size_t) is[0].w * is[0].h;

              /* the mean of each plane, summed in double: PyTorch's
               * x.mean ((2, 3)) within float rounding at any size */
              for (int c = 0; c < os->c; c++)
                {
                  double sum = 0.0;

                  for (size_t k = 0; k < plane; k++)
                    sum += ins[0][c * plane + k];
                  dst[c] = (float) (sum / (double) plane);
                }
              break;
            }
        }
      if (status != LOOKLAB_OK)
        {
          looklab_diag_set (diag, status, 0, "node '%s' failed: %s", n->name,
                            looklab_strerror (status));
          goto out;
        }

      if (profile)
        fprintf (stderr, "cnn: %-20s %-22s %4d x %4d x %4d %8.2f ms\n", n->name,
                 cnn_op_name (n->op), os->c, os->h, os->w,
                 (g_get_monotonic_time () - t_node) / 1e3);

      for (j = 0; j < n->n_inputs; j++)
        {
          int k = n->inputs[j];

          if (k >= 0 && --uses[k] == 0 && k != cnn->output)
            {
              g_free (bufs[k]);
              bufs[k] = NULL;
            }
        }
    }

  *out = bufs[cnn->output];
  bufs[cnn->output] = NULL;
  if (out_channels != NULL)
    *out_channels = oc;
  if (out_width != NULL)
    *out_width = ow;
  if (out_height != NULL)
    *out_height = oh;
  status = LOOKLAB_OK;

out:
  if (bufs != NULL)
    for (i = 0; i < cnn->n_nodes; i++)
      g_free (bufs[i]);
  g_free (bufs);
  g_free (uses);
  g_free (shapes);
  cnn_scratch_free (scratch);
  return status;
}
