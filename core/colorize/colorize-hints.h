/* LookLab core, private: colour hints for the colorization networks.
 *
 * Hints are full-resolution ab values with a mask (> 0: a hint).  They
 * reach a "hints" model's S x S input as cells (colorize_hints_to_cells);
 * a model that takes the propagated hints as two more planes
 * (LookLabCnnInfo.prop) gets them from colorize_propagate_hints; the
 * answer of a model without them is joined with the hints afterwards by
 * colorize_fuse_hints. */
#ifndef LOOKLAB_COLORIZE_HINTS_H
#define LOOKLAB_COLORIZE_HINTS_H

#include <stddef.h>

#include <glib.h>

#include "nn/cnn.h"

/* Fills planes 1..3 of @input (info->in_channels x S x S; plane 0 is L)
 * with the hints' a, b and mask per cell; no hints when @hints_ab is
 * NULL.  FALSE when out of memory. */
gboolean colorize_hints_to_cells (float *input, int S,
                                  const LookLabCnnInfo *info,
                                  const float *hints_ab, size_t hints_stride,
                                  const float *hints_mask, size_t mask_stride,
                                  int width, int height);

/* Fills planes 4 and 5 of @input (planes 0..3 done) with the hint cells
 * propagated as info->prop says; 0 without hints.  Stores the number of
 * hint cells in *@n_cells.  FALSE when out of memory. */
gboolean colorize_propagate_hints (float *input, int S,
                                   const LookLabCnnInfo *info, int n_threads,
                                   int *n_cells);

/* For @n_cells over info->prop.max_hints: moves @net (the answer, 2 planes
 * of ow x oh) towards the propagated hints of @input, all the way at 4
 * times max_hints. */
void colorize_fade_to_propagation (float *net, int ow, int oh,
                                   const float *input, int S,
                                   const LookLabCnnInfo *info, int n_cells);

/* Replaces @net (2 planes of ow x oh, the network's answer) by its fusion
 * with the hints.  @lin: the network's L input (S x S, normalised); @l
 * the full-resolution L*.  FALSE when out of memory. */
gboolean colorize_fuse_hints (float *net, int ow, int oh, const float *lin,
                              int S, const LookLabCnnInfo *info, const float *l,
                              size_t l_stride, const float *hints_ab,
                              size_t hints_stride, const float *hints_mask,
                              size_t mask_stride, int width, int height,
                              int n_threads);

#endif
