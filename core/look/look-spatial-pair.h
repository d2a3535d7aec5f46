/* LookLab core: the pair the spatial fit works on (look-spatial-fit.c,
 * look-field-within.c): the before and the after sampled on a grid, with
 * a held-out half of pixel blocks and a half of the colours, and the
 * scores of a prediction over them. */
#ifndef LOOKLAB_LOOK_SPATIAL_PAIR_H
#define LOOKLAB_LOOK_SPATIAL_PAIR_H

#include <stddef.h>

#include "look/look-private.h"

/* The pair, sampled: one pixel per block of a grid. */
typedef struct
{
  size_t  n;
  int     w, h;    /* full size */
  int     step;    /* sampling step in pixels */
  int     gw, gh;  /* sample grid */
  int    *gx, *gy; /* pixel position of each sample */
  int    *cell;    /* index in the gw x gh grid */
  char   *held;    /* 1: held out (scoring half) */
  char   *chalf;   /* 1: the other half by colour (colour_half ()) */
  float  *xc;      /* clamped before, 3n */
  float  *y;       /* after, 3n */
  float  *g;       /* global part, 3n */
  float  *p;       /* prediction with the parts kept so far, 3n */
  double *lab;     /* CIE Lab of the after colours, 3n */
  float  *grid;    /* the before image averaged over the grid's blocks */
  float  *bl;      /* blurred grid (scratch) */
} LookLabSpatialPair;

void looklab_spatial_pair_clear (LookLabSpatialPair *s);

/* Samples @before and @after (the same size; @mask: the pixels to use,
 * NULL for all) into @s.  Returns LOOKLAB_OK, LOOKLAB_ERR_EMPTY when no
 * pixel is usable, or LOOKLAB_ERR_NOMEM. */
int looklab_spatial_pair_collect (LookLabSpatialPair     *s,
                                  const LookLabImageView *before,
                                  const LookLabImageView *after,
                                  const unsigned char    *mask);

/* looklab_look_eval () on @n colours with up to @n_threads threads (each
 * colour on its own, so the result does not depend on the count). */
void looklab_spatial_eval (const LookLabLook *look, const float *in, float *out,
                           size_t n, int n_threads);

/* The mean CIEDE2000 of @pred (clamped) against the after over the
 * samples of half @held (-1: all). */
double looklab_spatial_pair_score (const LookLabSpatialPair *s,
                                   const float *pred, int held, int n_threads);

/* Mean squared error of @pred over the samples of half @held, clamped as
 * applied. */
double looklab_spatial_pair_sse (const LookLabSpatialPair *s, const float *pred,
                                 int held);

/* An after value at 0 or 1 only says the look took it there or beyond: a
 * vignette that subtracts (G'MIC's `vignette`) or a gain that pushes past
 * white leaves clipped pixels whose true value is unknown.  Least squares
 * on them as they are pulls the part toward less darkening.  So they are
 * censored observations (Tobit, 1958): a first solve leaves them out, a
 * second takes in those whose prediction is inside (0, 1), where the model
 * contradicts the clip, with the clip as the target. */
#define LOOKLAB_CLIP_EPS (0.5f / 255.0f)

static inline int
looklab_clipped (float v)
{
  return v <= LOOKLAB_CLIP_EPS || v >= 1.0f - LOOKLAB_CLIP_EPS;
}

#endif
