/* LookLab core: the inside of a LookLabLook, shared by look.c (evaluation),
 * look-fit.c (training) and look-file.c (serialisation).  Not installed. */
#ifndef LOOKLAB_LOOK_PRIVATE_H
#define LOOKLAB_LOOK_PRIVATE_H

#include <stddef.h>

#include "look/look.h"

#define LOOKLAB_LOOK_MIN_HIDDEN 4
#define LOOKLAB_LOOK_MAX_HIDDEN 256
#define LOOKLAB_LOOK_MIN_LAYERS 1
#define LOOKLAB_LOOK_MAX_LAYERS 4
#define LOOKLAB_LOOK_MIN_CORRECTION 2
#define LOOKLAB_LOOK_MAX_CORRECTION 65

/* Paths beside the MLP, as bits (the look file's flags byte). */
#define LOOKLAB_PATH_LINEAR 1u /* a 3 x 3 linear map of the encoded input */
#define LOOKLAB_PATH_CURVES 2u /* a tone curve per channel */
#define LOOKLAB_PATHS_ALL (LOOKLAB_PATH_LINEAR | LOOKLAB_PATH_CURVES)
/* Knots of each channel's curve, at 0, 1/15, .., 1 of the clamped input. */
#define LOOKLAB_LOOK_CURVE_KNOTS 16

/* Hidden-unit nonlinearities a look file may name. */
typedef enum
{
  LOOKLAB_ACT_TANH = 0,
  LOOKLAB_ACT_SILU = 1,
  LOOKLAB_ACT_COUNT
} LookLabActivation;

struct _LookLabLook
{
  int    hidden;
  int    layers;
  int    activation; /* LookLabActivation */
  int    skip;       /* 1: a linear 3x3 path from input to output */
  int    curves;     /* 1: a piecewise-linear curve per channel */
  size_t n_params;
  /* Per layer, input to output: weights (n_out x n_in, row-major) then
   * biases (n_out).  Input layer 3 -> hidden, then hidden -> hidden, and the
   * output layer hidden -> 3; with @skip, 9 more weights (3 x 3, row-major)
   * of a linear path from the encoded input to the output; with @curves,
   * 3 x LOOKLAB_LOOK_CURVE_KNOTS values (red's knots, then green's, then
   * blue's) of curves that add c_k (x_k) to output channel k. */
  float *params;

  int    corr_size; /* edge of the correction lattice, 0 if none */
  float *corr;      /* corr_size^3 RGB residuals, red fastest */

  double fit_mean_de00;
  double fit_max_de00;
  size_t fit_samples;

  /* Spatial parts (look-spatial.c, file version 2); 0 knots = absent. */
  int    vig_knots; /* radial part: knots over r in [0, 1] */
  float  vig_prop;  /* 0: r over the half-diagonal, 1: elliptical */
  float  vig_cx;    /* centre offset in half-widths */
  float  vig_cy;    /* centre offset in half-heights */
  float *vig;       /* vig_knots RGB gains, then vig_knots RGB offsets */
  int    fld_knots; /* position field: nodes along each side, 0 = absent */
  float *fld;       /* fld_knots^2 RGB gains (row-major, top row first;
                     * file version 4) */
  int    det_knots; /* local-contrast part: knots over lightness [0, 1] */
  float  det_sigma; /* blur sigma as a fraction of the image diagonal */
  float *det;       /* det_knots gains */
};

/* tanh to within 4e-7, as a rational function that compilers vectorise
 * (the minimax approximation of Eigen's ptanh_float).  Training and
 * evaluation both use it, so a fitted look evaluates as it was fitted. */
static inline float
looklab_tanh (float x)
{
  const float lim = 7.90531110763549805f;
  float       x2, p, q;

  if (x > lim)
    x = lim;
  if (x < -lim)
    x = -lim;
  x2 = x * x;
  p = -2.76076847742355e-16f;
  p = p * x2 + 2.00018790482477e-13f;
  p = p * x2 + -8.60467152213735e-11f;
  p = p * x2 + 5.12229709037114e-08f;
  p = p * x2 + 1.48572235717979e-05f;
  p = p * x2 + 6.37261928875436e-04f;
  p = p * x2 + 4.89352455891786e-03f;
  q = 1.19825839466702e-06f;
  q = q * x2 + 1.18534705686654e-04f;
  q = q * x2 + 2.26843463243900e-03f;
  q = q * x2 + 4.89352518554385e-03f;
  return x * p / q;
}

/* The hidden units' nonlinearity; SiLU as x sigmoid (x) =
 * x (1 + tanh (x / 2)) / 2. */
static inline float
looklab_activate (int activation, float v)
{
  if (activation == LOOKLAB_ACT_SILU)
    return 0.5f * v * (1.0f + looklab_tanh (0.5f * v));
  return looklab_tanh (v);
}

/* Four values at a time in a GCC/clang vector (one SSE register on every
 * x86-64): looklab_tanh () and looklab_activate () lane by lane, with the
 * clamps as masks rather than branches, so that loops over many colours
 * (evaluating a look, training one) run in vector lanes.  Each lane does
 * the scalar functions' operations in their order: bit for bit the same
 * floats (tests/core/test-look.c, /look/eval-blocked). */
typedef float LookLabVec4 __attribute__ ((vector_size (4 * sizeof (float))));
typedef int   LookLabMask4 __attribute__ ((vector_size (4 * sizeof (int))));

static inline LookLabVec4
looklab_vec4_splat (float v)
{
  LookLabVec4 zero = { 0 };

  return zero + v;
}

static inline LookLabVec4
looklab_vec4_select (LookLabMask4 mask, LookLabVec4 yes, LookLabVec4 no)
{
  return (LookLabVec4) (((LookLabMask4) yes & mask)
                        | ((LookLabMask4) no & ~mask));
}

static inline LookLabVec4
looklab_tanh4 (LookLabVec4 x)
{
  const LookLabVec4 lim = looklab_vec4_splat (7.90531110763549805f);
  LookLabVec4       x2, p, q;

  x = looklab_vec4_select (x > lim, lim, x);
  x = looklab_vec4_select (x < -lim, -lim, x);
  x2 = x * x;
  p = x2 * -2.76076847742355e-16f + 2.00018790482477e-13f;
  p = p * x2 + -8.60467152213735e-11f;
  p = p * x2 + 5.12229709037114e-08f;
  p = p * x2 + 1.48572235717979e-05f;
  p = p * x2 + 6.37261928875436e-04f;
  p = p * x2 + 4.89352455891786e-03f;
  q = x2 * 1.19825839466702e-06f + 1.18534705686654e-04f;
  q = q * x2 + 2.26843463243900e-03f;
  q = q * x2 + 4.89352518554385e-03f;
  return x * p / q;
}

static inline LookLabVec4
looklab_activate4 (int activation, LookLabVec4 v)
{
  if (activation == LOOKLAB_ACT_SILU)
    return 0.5f * v * (1.0f + looklab_tanh4 (0.5f * v));
  return looklab_tanh4 (v);
}

/* The knot interval of a curve that holds @x in [0, 1] (@x beyond 1 takes
 * the last one), and @x's place in it in [0, 1] as @frac. */
static inline int
looklab_look_curve_cell (float x, float *frac)
{
  float t = x * (float) (LOOKLAB_LOOK_CURVE_KNOTS - 1);
  int   i;

  if (!(t > 0.0f))
    t = 0.0f;
  i = (int) t;
  if (i > LOOKLAB_LOOK_CURVE_KNOTS - 2)
    i = LOOKLAB_LOOK_CURVE_KNOTS - 2;
  *frac = t - (float) i;
  return i;
}

/* One channel's curve at @x in [0, 1]: linear between its
 * LOOKLAB_LOOK_CURVE_KNOTS @knots. */
static inline float
looklab_look_curve (const float *knots, float x)
{
  float f;
  int   i = looklab_look_curve_cell (x, &f);

  return knots[i] + f * (knots[i + 1] - knots[i]);
}

#define LOOKLAB_SPATIAL_MIN_KNOTS 2
#define LOOKLAB_SPATIAL_MAX_KNOTS 64
#define LOOKLAB_FIELD_MAX_KNOTS 17 /* of the position field, per side */
#define LOOKLAB_DETAIL_MAX_SIGMA 0.25f

/* Allocates the radial (@knots > 0: gains 1, offsets 0), the position
 * field's (@knots^2 nodes, gains 1) or the detail (gains 0) part of
 * @look, replacing one it had.  Returns 0 or LOOKLAB_ERR_NOMEM. */
int looklab_look_set_vignette (LookLabLook *look, int knots);
int looklab_look_set_field (LookLabLook *look, int knots);
int looklab_look_set_detail (LookLabLook *look, int knots);

/* After the global fit (look-fit.c): fits the spatial parts the pair
 * needs, refitting the global part when a radial part is kept
 * (look-spatial-fit.c).  @refit is called to refit the global part on the
 * corrected after image, with the LOOKLAB_PATH_* bits @paths beside its
 * MLP, at @effort times the fit's steps; with @warm it starts from the
 * parameters @look has (which must have the same @paths) instead of a
 * fresh initialisation.  It returns a status. */
typedef int (*LookLabRefitFunc) (LookLabLook            *look,
                                 const LookLabImageView *after,
                                 const unsigned char *mask, double effort,
                                 unsigned paths, int warm, void *data);
int looklab_look_fit_spatial (LookLabLook *look, const LookLabImageView *before,
                              const LookLabImageView *after,
                              const unsigned char *mask, int n_threads,
                              LookLabRefitFunc refit, void *refit_data,
                              LookLabDiag *diag);

/* Returns the number of parameters of a shape: the MLP's weights and
 * biases and those of the @paths (LOOKLAB_PATH_* bits). */
size_t looklab_look_count_params (int hidden, int layers, unsigned paths);

/* Returns a new look of the given shape with zeroed parameters (the
 * identity), or NULL when memory is short.  The shape must be in range. */
LookLabLook *looklab_look_new_shape (int hidden, int layers, int activation,
                                     unsigned paths, int corr_size);

/* Returns a copy of @look, every part included, or NULL when memory is
 * short. */
LookLabLook *looklab_look_copy (const LookLabLook *look);

/* The LOOKLAB_PATH_* bits of @look. */
unsigned looklab_look_paths (const LookLabLook *look);

/* Evaluates only the MLP residual f at @n colours already clamped to
 * [0, 1] (no correction, no clamping of the result): out = f (in). */
void looklab_look_eval_mlp (const LookLabLook *look, const float *in,
                            float *out, size_t n);

/* Trilinear interpolation of a residual lattice at @rgb in [0, 1]. */
void looklab_look_lattice_interp (const float *lattice, int size,
                                  const float rgb[3], float out[3]);

/* The distinct colours of a before/after pair (look-samples.c): the pixels
 * are binned by their before colour on a grid^3 lattice and averaged. */
typedef struct
{
  size_t  n;
  float  *x;     /* n RGB: mean before colour, clamped to [0, 1] */
  float  *y;     /* n RGB: mean after colour */
  double *count; /* n: pixels averaged */
  double  total; /* sum of count */
} LookLabSamples;

/* Fills @samples from the pair (sizes already checked equal).  Returns 0,
 * LOOKLAB_ERR_EMPTY, _NOMEM or _ARG. */
int looklab_samples_collect (const LookLabImageView *before,
                             const LookLabImageView *after,
                             const unsigned char *mask, int grid, int n_threads,
                             LookLabSamples *samples, LookLabDiag *diag);

void looklab_samples_clear (LookLabSamples *samples);

/* Knobs of the fit that are not public parameters; the defaults are what
 * users get.  For the tuning harness (bench/) only: not thread-safe. */
typedef struct
{
  int   grid;         /* aggregation bins per channel */
  int   batch;        /* samples per step, a multiple of 32 */
  int   steps;        /* default optimiser steps */
  float lr;           /* peak Adam learning rate */
  float weight_decay; /* decoupled, on weights only */
  float count_power;  /* sample weight = count^p ... */
  float count_half;   /* ... times count / (count + half) when half > 0 */
  int   activation;
  float init_scale;   /* output layer starts in +-init_scale */
  float corr_smooth;  /* lattice membrane weight */
  float corr_ridge;   /* lattice pull toward zero */
  float corr_power;   /* lattice sample weight = count^p */
  int   corr_size;    /* default lattice edge */
  int   skip;         /* linear input -> output path */
  float skip_decay;   /* weight decay of that path */
  int   curves;       /* per-channel curves beside the MLP (no decay) */
  float curve_smooth; /* weight of their second differences */
} LookLabFitTuning;

LookLabFitTuning *looklab_look_fit_tuning (void);

#endif /* LOOKLAB_LOOK_PRIVATE_H */
