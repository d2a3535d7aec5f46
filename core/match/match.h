/* LookLab core: the before/after pair that `looklab match` learns from.
 *
 * Given a graded reference alone, the neutralizer (neutralizer.h) takes
 * its grade off; the neutralized reference is the "before" and the
 * reference the "after" of a pixel-aligned pair for looklab_look_fit ().
 * Strength S moves the "after" towards the "before": the look learned is
 * then x + S (look (x) - x) where the pair has colours.
 */
#ifndef LOOKLAB_MATCH_H
#define LOOKLAB_MATCH_H

#include <stddef.h>

#include "common/looklab-status.h"
#include "common/pixels.h"
#include "look/look.h"
#include "match/neutralizer.h"

/* The longer side the pair is made at by default: enough colours for the
 * fit, little time for a 24 MP reference. */
#define LOOKLAB_MATCH_DEFAULT_SIDE 1024

/* Optimiser steps of the fit of a matched look.  The pair is the
 * neutralizer's smooth LUT and its inverse, not a photo's grade: on the
 * held-out set of bench/bench-match, 3000 steps (learn's default), 1500
 * and 800 gave 9.40, 9.34 and 9.32 mean dE00 (2026-12-06), so match
 * takes a third of learn's steps and its time. */
#define LOOKLAB_MATCH_FIT_ITERATIONS 1000

typedef struct
{
  int            width; /* the pair's size */
  int            height;
  float         *before;     /* the neutralized reference, RGB float */
  float         *after;      /* the reference, RGB float (strength applied) */
  unsigned char *mask;       /* 0 where the reference is transparent */
  double         moved_de00; /* mean CIEDE2000 from the reference to its
                          * neutralized self over the opaque cells: how
                          * strong a grade the model sees (0: none) */
  double         moved_max_de00; /* the largest of those */
} LookLabMatchPair;

/* Makes the pair for the reference @ref (any pixel format, sRGB-encoded
 * values of the look's space) at most @max_side pixels on its longer side
 * (area-averaged down by a whole factor; 0: the default), with @strength
 * in [0, 1].  Returns 0 or LOOKLAB_ERR_ARG, _EMPTY (nothing opaque),
 * _NOMEM or what the model refuses.  Clear with looklab_match_pair_clear
 * (). */
int looklab_match_pair (const LookLabNeutralizer *nz,
                        const LookLabImageView *ref, int max_side,
                        float strength, int n_threads, LookLabMatchPair *pair,
                        LookLabDiag *diag);

void looklab_match_pair_clear (LookLabMatchPair *pair);

/* Fills @params for the fit of the pair: learn's defaults, no spatial
 * part (the neutralizer is a colour function) and
 * LOOKLAB_MATCH_FIT_ITERATIONS steps.  The CLI, the plug-in and the
 * benchmark all use it, so that they learn the same look. */
void looklab_match_fit_params_init (LookLabFitParams *params);

#endif /* LOOKLAB_MATCH_H */
