/* LookLab core: applying a 3D LUT to interleaved pixel buffers.
 *
 * The buffers are the ones GIMP and GEGL hand over: interleaved RGB or RGBA
 * in u8, u16 or float, rows @stride bytes apart.  Alpha is never touched.
 * Output may be the input buffer itself (in place).
 */
#ifndef LOOKLAB_LUT_APPLY_H
#define LOOKLAB_LUT_APPLY_H

#include <stddef.h>

#include "lut/lut.h"
#include "common/pixels.h"

typedef enum
{
  LOOKLAB_INTERP_TETRAHEDRAL = 0, /* ffmpeg, darktable and OCIO "best" */
  LOOKLAB_INTERP_TRILINEAR = 1
} LookLabInterp;

/* A LUT prepared for fast application: per-channel input tables, a copy of
 * the table in the layout the kernels like.  Prepare once, apply to many
 * buffers (every tile of an image). */
typedef struct _LookLabLutApplier LookLabLutApplier;

/* Prepares @lut for @format and @interp.  @strength in [0, 1] mixes the
 * result with the original (1 = full look).  Returns NULL when memory is
 * short or an argument is out of range.  @lut may be freed afterwards.
 * Free with looklab_lut_applier_free (). */
LookLabLutApplier *looklab_lut_applier_new (const LookLabLut  *lut,
                                            LookLabPixelFormat format,
                                            LookLabInterp      interp,
                                            float              strength);

/* The kernel @applier runs: "avx512", "avx2" or "generic" (for tests and
 * benchmarks).  LOOKLAB_LUT_KERNEL=generic|avx2|avx512 in the environment
 * caps the choice; the CPU's features bound it. */
const char *looklab_lut_applier_kernel (const LookLabLutApplier *applier);

/* NULL-safe. */
void looklab_lut_applier_free (LookLabLutApplier *applier);

/* Applies to @width x @height pixels, rows @in_stride / @out_stride bytes
 * apart, with @n_threads threads (0 = as many as the machine has cores).
 * @in and @out may be the same buffer.  Returns 0 or LOOKLAB_ERR_ARG. */
int looklab_lut_applier_run (const LookLabLutApplier *applier, const void *in,
                             size_t in_stride, void *out, size_t out_stride,
                             int width, int height, int n_threads);

/* One-shot convenience: prepare, run, free.  Returns 0, LOOKLAB_ERR_ARG
 * (what looklab_lut_applier_new () or _run () refuse) or
 * LOOKLAB_ERR_NOMEM. */
int looklab_lut_apply (const LookLabLut *lut, LookLabPixelFormat format,
                       LookLabInterp interp, float strength, const void *in,
                       size_t in_stride, void *out, size_t out_stride,
                       int width, int height, int n_threads);

#endif /* LOOKLAB_LUT_APPLY_H */
