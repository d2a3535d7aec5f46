/* LookLab core, private to lut.c and lut-apply.c: where an input value
 * lands in a LUT's lattice. */
#ifndef LOOKLAB_LUT_COORD_H
#define LOOKLAB_LUT_COORD_H

#include "lut/lut.h"

/* Returns the lattice coordinate, in [0, size - 1], of value @v of channel
 * @c (0 = red) of @lut: through the shaper when there is one, then scaled
 * from the domain and clamped to the lattice (NaN goes to 0).  The u8/u16
 * input tables of lut-apply.c are filled from this very function, so the
 * fast paths and looklab_lut_eval () agree on where every code value
 * lands. */
double looklab_lut_coord (const LookLabLut *lut, int c, double v);

/* What @v of channel @c lies beyond @lut's input range (the shaper's when
 * there is one, else the domain): v - clamp (v, lo, hi), 0 inside it and
 * for infinities and NaN.  Added to the output when keep_excess is set. */
float looklab_lut_excess (const LookLabLut *lut, int c, float v);

#endif /* LOOKLAB_LUT_COORD_H */
