/* LookLab core: a learned look.
 *
 * Its global part, a function RGB -> RGB, is a small residual MLP (output =
 * input + f(input)) with an optional correction lattice fitted where the
 * training pair has samples; it evaluates as one function and bakes to one
 * LUT.  A look may also have spatial parts (look-spatial.c): a radial gain
 * and offset (vignette) and a local-contrast gain.  Those depend on where a
 * pixel is and on its neighbours, so only looklab_look_apply_view () applies
 * them; looklab_look_eval () and looklab_look_bake () are the global part.
 * The compact form is saved as a versioned look file (see README.md,
 * "Look file format").
 */
#ifndef LOOKLAB_LOOK_H
#define LOOKLAB_LOOK_H

#include <stddef.h>

#include "common/looklab-status.h"
#include "lut/lut-apply.h"
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
  int      spatial;    /* 1 (default): also fit the spatial parts the pair
                        * needs; 0: the global part only */
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
  size_t n_parameters;        /* MLP weights and biases, and the paths' */
  int    correction_size;     /* edge of the correction lattice, 0 if none */
  double fit_mean_de00;       /* in-sample mean CIEDE2000 of the fit */
  size_t fit_samples;         /* distinct colours the fit saw */
  int    file_version;        /* what looklab_look_save () writes: 1..4 */
  int    curve_knots;         /* knots of each channel's curve, 0 if none */
  int    vignette_knots;      /* radial part: knots, 0 if none */
  double vignette_proportion; /* 0 circular (half-diagonal), 1 elliptical */
  double vignette_corner[3];  /* what the radial part makes of mid-gray
                               * (0.5) at the corners, in [0, 1] */
  int    field_knots;         /* position field: nodes per side, 0 if none */
  double field_edges[4][3];   /* what it makes of mid-gray (0.5) at the
                               * middles of the top, bottom, left and right
                               * edges, in [0, 1] */
  int    detail_knots;        /* local-contrast part: knots, 0 if none */
  double detail_sigma;        /* its blur, fraction of the diagonal */
  double detail_gain_min;     /* its gain range over lightness */
  double detail_gain_max;
} LookLabLookInfo;

void looklab_look_get_info (const LookLabLook *look, LookLabLookInfo *info);

/* Returns whether @look has spatial parts (then a LUT bake holds only its
 * global part). */
int looklab_look_has_spatial (const LookLabLook *look);

/* The lattice a look's global part is baked to when it is applied (by
 * looklab_look_apply_view (), and by the CLI, the plug-in and the GEGL
 * operation for a look without spatial parts), so that all of them give
 * the same pixels.  65^3 keeps the interpolation error of a smooth look
 * far below what 16-bit output can show (OCIO bakes at 65 for the same
 * reason). */
#define LOOKLAB_LOOK_APPLY_BAKE_SIZE 65

/* Applies every part of @look to @view, which is the region of a
 * @full_width x @full_height image whose top-left pixel is at
 * (@offset_x, @offset_y): positions are taken in the full image, so a
 * vignette lands where it would on the whole image.  The local-contrast
 * part blurs what @view holds (edges clamped): to match the whole image
 * exactly, pass a view with looklab_look_apply_margin () pixels of context
 * around the area that matters.  Results go to @out_pixels (@out_stride
 * bytes a row, the format of @view; may be @view's own pixels); alpha is
 * copied.  @strength blends from the input (0) to the look (1).  The
 * global part is @look baked at LOOKLAB_LOOK_APPLY_BAKE_SIZE, as for a
 * look without spatial parts.  Returns 0, LOOKLAB_ERR_ARG or _NOMEM. */
int looklab_look_apply_view (const LookLabLook      *look,
                             const LookLabImageView *view, void *out_pixels,
                             size_t out_stride, int full_width, int full_height,
                             int offset_x, int offset_y, float strength,
                             int n_threads, LookLabDiag *diag);

/* The global part of @look baked at LOOKLAB_LOOK_APPLY_BAKE_SIZE and
 * prepared for looklab_look_apply_view_baked () (RGB float, tetrahedral).
 * NULL when memory is short; free with looklab_lut_applier_free (). */
LookLabLutApplier *looklab_look_global_applier (const LookLabLook *look,
                                                int                n_threads);

/* looklab_look_apply_view () with the global part from @global, made by
 * looklab_look_global_applier () (apply_view () makes one for each call:
 * a caller that applies one look to many views makes it once), or
 * evaluated exactly when @global is NULL (slower: the network runs per
 * pixel). */
int looklab_look_apply_view_baked (const LookLabLook       *look,
                                   const LookLabLutApplier *global,
                                   const LookLabImageView  *view,
                                   void *out_pixels, size_t out_stride,
                                   int full_width, int full_height,
                                   int offset_x, int offset_y, float strength,
                                   int n_threads, LookLabDiag *diag);

/* Pixels of context the local-contrast part reads around a pixel of a
 * @full_width x @full_height image (0 without that part). */
int looklab_look_apply_margin (const LookLabLook *look, int full_width,
                               int full_height);

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
