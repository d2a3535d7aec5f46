/* LookLab core: a learned look, a function RGB -> RGB.
 *
 * A look is a small residual MLP (output = input + f(input)) with an
 * optional correction lattice fitted where the training pair has samples;
 * whatever its parts, it evaluates as one function and bakes to one LUT.
 * The compact form is saved as a versioned look file (see README.md,
 * "Look file format").
 */
#ifndef LOOKLAB_LOOK_H
#define LOOKLAB_LOOK_H

#include <stddef.h>

#include "common/looklab-status.h"
#include "lut/lut.h"
#include "common/pixels.h"

typedef struct _LookLabLook LookLabLook;

/* Look files larger than this are refused before reading. */
#define LOOKLAB_LOOK_MAX_BYTES ((size_t) 64 << 20)

typedef struct
{
  int      hidden;     /* units per hidden layer (default 32, 4..256) */
  int      layers;     /* hidden layers (default 2, 1..4) */
  unsigned seed;       /* same inputs + seed give the same bytes */
  int      n_threads;  /* 0 = as many as the machine has cores */
  int      iterations; /* optimiser steps; 0 = the default (tests use few) */
  int      correction; /* edge of the correction lattice: -1 = the default,
                        * 0 = none, else 2..65 */
} LookLabFitParams;

/* Fills @params with the defaults. */
void looklab_fit_params_init (LookLabFitParams *params);

/* Learns the look that turns @before into @after.  Both must have the same
 * width and height (else LOOKLAB_ERR_MISMATCH: resizing is the caller's
 * job); pixels whose alpha is 0 in either, or whose @mask byte (may be
 * NULL; width * height bytes, row-major) is 0, are ignored.  @progress may
 * be NULL.  On success stores a new look in *@out.  Returns 0,
 * LOOKLAB_ERR_MISMATCH, _EMPTY, _ARG, _NOMEM or _CANCELLED. */
int looklab_look_fit (const LookLabImageView *before,
                      const LookLabImageView *after, const unsigned char *mask,
                      const LookLabFitParams *params,
                      LookLabProgressFunc progress, void *user_data,
                      LookLabLook **out, LookLabDiag *diag);

/* Evaluates @look on @n interleaved float RGB triples (in may equal out). */
void looklab_look_eval (const LookLabLook *look, const float *in, float *out,
                        size_t n);

/* Bakes @look into a new size^3 LUT over [0, 1] with @n_threads threads
 * (0 = all cores).  The LUT has keep_excess set, so that applied to float
 * pixels it passes what lies beyond [0, 1] through as the look does; a
 * .cube written from it clamps like any .cube.  Returns NULL when @size is
 * out of range or memory is short.  Free with looklab_lut_free (). */
LookLabLut *looklab_look_bake (const LookLabLook *look, int size,
                               int n_threads);

/* Facts about a look, for `looklab info` and the dialogs. */
typedef struct
{
  int    hidden;
  int    layers;
  size_t n_parameters;    /* MLP weights and biases */
  int    correction_size; /* edge of the correction lattice, 0 if none */
  double fit_mean_de00;   /* in-sample mean CIEDE2000 of the fit */
  size_t fit_samples;     /* distinct colours the fit saw */
} LookLabLookInfo;

void looklab_look_get_info (const LookLabLook *look, LookLabLookInfo *info);

/* Serialises @look into a new malloc'ed buffer (*@data, *@len; the caller
 * frees it with free ()).  Returns 0 or LOOKLAB_ERR_NOMEM. */
int looklab_look_serialize (const LookLabLook *look, void **data, size_t *len);

/* Parses a serialised look.  Returns 0, LOOKLAB_ERR_PARSE, _VERSION,
 * _LIMIT or _NOMEM; *@out is NULL on failure. */
int looklab_look_deserialize (const void *data, size_t len, LookLabLook **out,
                              LookLabDiag *diag);

/* Writes @look to @path atomically (temporary file + rename). */
int looklab_look_save (const LookLabLook *look, const char *path,
                       LookLabDiag *diag);

/* Reads a look file.  Returns like looklab_look_deserialize (), plus
 * LOOKLAB_ERR_IO. */
int looklab_look_load (const char *path, LookLabLook **out, LookLabDiag *diag);

/* Returns whether the first bytes of a file (at least 8) are a look file's
 * magic, so callers can tell looks from .cube files by content. */
int looklab_look_sniff (const void *data, size_t len);

/* NULL-safe. */
void looklab_look_free (LookLabLook *look);

#endif /* LOOKLAB_LOOK_H */
