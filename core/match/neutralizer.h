/* LookLab core: the look neutralizer (issue 23, `looklab match`).
 *
 * A small network that sees a graded photo and predicts the colour
 * transform that takes the grade off: a 3D LUT made as a weighted sum of K
 * basis LUTs, the weights predicted by a CNN from a 64 x 64 area average
 * of the photo (Zeng, Cai, Li, Cao and Zhang 2020, "Learning
 * image-adaptive 3D lookup tables", TPAMI).  The neutralized photo and the
 * photo itself are then a before/after pair for looklab_look_fit ().
 * An optional levels stage first stretches each channel from a black and
 * a white point read off the pooled photo (metadata "levels"); the LUT
 * then carries it as a 1D shaper.
 *
 * A model is a LookLab CNN file (docs/cnn-format.md) of kind "rgb" whose
 * output has K channels at 1 x 1, with a tensor of the bases
 * [K * 3, N, N, N] (basis k, channel c at [k * 3 + c], blue slowest, red
 * fastest) and a metadata entry "looklab.neutralizer" (JSON: k, lattice,
 * bases, side, levels).  tools/train-neutralizer.py trains and exports it.
 */
#ifndef LOOKLAB_NEUTRALIZER_H
#define LOOKLAB_NEUTRALIZER_H

#include <stddef.h>

#include "common/looklab-status.h"
#include "lut/lut.h"
#include "nn/safetensors.h"

typedef struct _LookLabNeutralizer LookLabNeutralizer;

/* Most basis LUTs and largest lattice edge a model may have. */
#define LOOKLAB_NEUTRALIZER_MAX_BASES 64
#define LOOKLAB_NEUTRALIZER_MAX_LATTICE 65

/* Builds a neutralizer from @st (not taken).  Returns 0 or
 * LOOKLAB_ERR_PARSE, _VERSION, _LIMIT, _MISMATCH, _NOMEM with a message
 * in @diag (a colorization model, for one, is a _MISMATCH). */
int looklab_neutralizer_new_from_safetensors (const LookLabSafetensors *st,
                                              LookLabNeutralizer      **out,
                                              LookLabDiag              *diag);

/* Reads and builds the model file @path. */
int looklab_neutralizer_load (const char *path, LookLabNeutralizer **out,
                              LookLabDiag *diag);

void looklab_neutralizer_free (LookLabNeutralizer *nz);

/* Number of basis LUTs (the length of the weights). */
int looklab_neutralizer_n_bases (const LookLabNeutralizer *nz);

/* The side of the network's input, and the multiply-adds of one run (for
 * reports and for the fuzzer's time bound). */
int    looklab_neutralizer_side (const LookLabNeutralizer *nz);
double looklab_neutralizer_macs (const LookLabNeutralizer *nz);

/* Predicts, for the image @rgb (@width x @height interleaved RGB floats,
 * sRGB-encoded, rows @stride floats apart), the LUT that neutralizes it:
 * a new lattice over [0, 1] in *@lut (free with looklab_lut_free ()), to
 * be applied trilinearly, and, when @weights is not NULL, the K basis
 * weights.  @n_threads: 0 for all cores.  Returns 0 or LOOKLAB_ERR_ARG,
 * _LIMIT, _NOMEM. */
int looklab_neutralizer_predict (const LookLabNeutralizer *nz, const float *rgb,
                                 int width, int height, size_t stride,
                                 int n_threads, LookLabLut **lut,
                                 float *weights, LookLabDiag *diag);

#endif /* LOOKLAB_NEUTRALIZER_H */
