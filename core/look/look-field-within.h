/* LookLab core: the within estimator of the position field's gains
 * (look-field-within.c), for the spatial fit (look-spatial-fit.c). */
#ifndef LOOKLAB_LOOK_FIELD_WITHIN_H
#define LOOKLAB_LOOK_FIELD_WITHIN_H

#include <stddef.h>
#include <stdint.h>

#include "look/look-spatial-pair.h"

#define LOOKLAB_FIELD_KNOTS 7 /* nodes per side of the position field */
/* After values below this are too noisy in log: not used. */
#define LOOKLAB_FIELD_LOG_FLOOR 0.02f

typedef struct
{
  uint32_t key; /* colour cell */
  uint32_t i;   /* sample */
} LookLabCellSample;

/* Every sample of @s in @cells (s->n of them), sorted by colour cell and,
 * within a cell, by sample, so that either colour half is a subsequence
 * in the same order.  Returns 0, or -1 when memory is short. */
int looklab_field_cells (const LookLabSpatialPair *s, LookLabCellSample *cells);

/* The field's log gains (LOOKLAB_FIELD_KNOTS^2 per channel, in @alpha, 0
 * at the centre node) by the within estimator of @y (the after values of
 * @s, or what is left of them once other parts are divided out) on colour
 * half @half (-1: both) of @cells.  Returns 0, or -1 when too few samples
 * share a cell or memory is short. */
int looklab_field_within_fit (const LookLabSpatialPair *s, const float *y,
                              int half, const LookLabCellSample *cells,
                              double *alpha);

/* Adds to *@sse0 and *@sse1 the within-cell spread of the log of @y on
 * colour half @half, without and with the log gains @alpha. */
void looklab_field_within_spread (const LookLabSpatialPair *s, const float *y,
                                  int half, const LookLabCellSample *cells,
                                  const double *alpha, double *sse0,
                                  double *sse1);

#endif
