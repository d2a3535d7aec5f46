/* LookLab core: 3D colour lookup tables (with an optional 1D shaper).
 *
 * A LookLabLut maps RGB to RGB.  Its 3D table holds size^3 RGB float
 * triples, red changing fastest (the .cube order): the entry of lattice
 * point (r, g, b) is at ((b * size + g) * size + r) * 3.  Inputs are first
 * scaled from [domain_min, domain_max] to [0, size - 1] (and, when a 1D
 * shaper is present, passed through it first, as Resolve's .cube files do).
 */
#ifndef LOOKLAB_LUT_H
#define LOOKLAB_LUT_H

#include "common/looklab-status.h"

#define LOOKLAB_LUT_MIN_SIZE 2
#define LOOKLAB_LUT_MAX_SIZE 256 /* the .cube specification's limit */
#define LOOKLAB_SHAPER_MAX_SIZE 65536

typedef struct
{
  int    size;          /* lattice points per axis, 2..256 */
  float *table;         /* size^3 * 3 floats, red fastest */
  float  domain_min[3]; /* input that maps to lattice index 0 */
  float  domain_max[3]; /* input that maps to lattice index size - 1 */

  /* Optional 1D shaper applied per channel before the 3D table. */
  int    shaper_size; /* 0 when there is none */
  float *shaper;      /* shaper_size * 3 floats, interleaved RGB */
  float  shaper_min[3];
  float  shaper_max[3];

  char *title; /* may be NULL; owned by the LUT */

  /* 0 (a .cube): float inputs beyond the input range are clamped to it, as
   * the .cube specification and ffmpeg's lut3d do.  1 (a baked look): they
   * keep their excess, y = lut (clamp (x)) + (x - clamp (x)), as the look
   * itself does (look/look.h); infinities and NaN add nothing.  Not
   * written to .cube files. */
  int keep_excess;
} LookLabLut;

/* Returns a new identity LUT of @size (2..256) with domain [0, 1], or NULL
 * when @size is out of range or memory is short.  Free with
 * looklab_lut_free (). */
LookLabLut *looklab_lut_new_identity (int size);

/* Returns a new LUT of @size whose table is uninitialised, or NULL. */
LookLabLut *looklab_lut_new (int size);

/* Frees @lut and everything it owns; NULL is allowed. */
void looklab_lut_free (LookLabLut *lut);

/* Sets the LUT's title (copied); NULL clears it.  Returns 0 or
 * LOOKLAB_ERR_NOMEM. */
int looklab_lut_set_title (LookLabLut *lut, const char *title);

/* Evaluates @lut at one RGB colour with tetrahedral interpolation, in
 * double precision, through shaper and domain.  The reference the fast
 * paths of lut-apply.c are tested against. */
void looklab_lut_eval (const LookLabLut *lut, const float in[3], float out[3]);

#endif /* LOOKLAB_LUT_H */
