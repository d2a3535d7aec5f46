/* LookLab core: colorization of a lightness plane by a CNN model.
 *
 * The caller hands over the full-resolution CIE L* plane (float, 0..100,
 * so 16-bit and float images keep their precision) and, optionally,
 * sparse colour hints (a*, b* and a mask at full resolution).  The model
 * sees L resized to its input size (area average, so no aliasing) with the
 * hints gathered into the cells they fall in; its ab prediction is resized
 * back to full resolution, guided by the full-resolution L so that colour
 * follows the photo's edges (or bilinearly, LookLabColorizeParams.upsample),
 * and returned.  Models of kind hints
 * that take the propagated hints as input (LookLabCnnInfo.prop, the
 * default model) get them computed here; for the others, given hints,
 * the prediction is first joined with a bilateral propagation of the
 * hints (colorize-hints.c, colorize_fuse_hints).  The caller joins that
 * ab with its own untouched full-resolution L, so no detail is lost.
 *
 * Already colourful input: colorization replaces colour, it does not add
 * to it.  An RGB image is colorized from its L* alone (its a*, b* are
 * ignored unless the caller passes them as hints); the result keeps L*
 * exactly and takes a*, b* from the model.  Callers that want the
 * original colour to steer the result pass some of its pixels as hints.
 *
 * Colour conversions are the caller's (babl's "CIE Lab float" in the
 * plug-in and the CLI): core/ stays free of GEGL/babl.
 */
#ifndef LOOKLAB_COLORIZE_H
#define LOOKLAB_COLORIZE_H

#include <stddef.h>

#include "nn/cnn.h"
#include "common/looklab-status.h"

/* Images with more pixels than this are refused before anything is
 * allocated (the CLI's image limit; ab output alone is 2 GB there). */
#define LOOKLAB_COLORIZE_MAX_PIXELS ((size_t) 256 * 1000 * 1000)

/* How the network's a*, b* come back to full resolution
 * (colorize-resample.h). */
typedef enum
{
  /* guided by the full-resolution L*, so colour follows the photo's edges
   * (the default) */
  LOOKLAB_COLORIZE_UPSAMPLE_EDGE,
  /* bilinear, as PyTorch's interpolate: smooth, colour bleeds over edges
   * by up to a network cell */
  LOOKLAB_COLORIZE_UPSAMPLE_BILINEAR
} LookLabColorizeUpsample;

typedef struct
{
  float saturation; /* multiplies the predicted a*, b*; 0..2, default 1 */
  int   n_threads;  /* 0: all cores */
  int   net_size;   /* network input side; 0: the model's own size */
  int   fuse_hints; /* models of kind hints without prop, with hints: 1
                     * (default) joins the network's ab with a bilateral
                     * propagation of the hints (colorize_fuse_hints), 0
                     * the network alone; no effect with prop */
  LookLabColorizeUpsample upsample; /* default _EDGE */
} LookLabColorizeParams;

/* Sets @params to the defaults. */
void looklab_colorize_params_init (LookLabColorizeParams *params);

/* Colorizes.  @l: @width x @height L* values (0..100), rows @l_stride
 * floats apart.  @hints_ab: NULL, or interleaved a*, b* pairs, rows
 * @hints_stride floats apart (2 per pixel and more); @hints_mask: NULL or
 * @width x @height weights, rows @mask_stride floats apart, > 0 marks a
 * hint (both NULL or both given; ignored by models of kind L).  @ab_out:
 * @width x @height interleaved a*, b* pairs, rows @ab_stride floats apart.
 * @progress (may be NULL) is called with 0, 0.1 after the resampling,
 * 0.1..0.9 before each network node (by multiply-adds done), then 1; a
 * non-zero return cancels.  Runs on params->n_threads threads.
 * Returns 0 or LOOKLAB_ERR_ARG, _LIMIT (over LOOKLAB_COLORIZE_MAX_PIXELS),
 * _NOMEM, _CANCELLED, or the network's errors. */
int looklab_colorize (const LookLabCnn *cnn, const float *l, int width,
                      int height, size_t l_stride, const float *hints_ab,
                      size_t hints_stride, const float *hints_mask,
                      size_t mask_stride, float *ab_out, size_t ab_stride,
                      const LookLabColorizeParams *params,
                      LookLabProgressFunc progress, void *progress_data,
                      LookLabDiag *diag);

#endif /* LOOKLAB_COLORIZE_H */
