/* bench/: the two look-learning baselines LookLab is measured against.
 *
 * Both learn from interleaved float sRGB triples in [0, 1] (the before and
 * after pixels of one pair) and predict interleaved float sRGB triples.
 * Neither is part of the product; they live here so that bench-looks can
 * compare with what GIMP users have today (G'MIC's CLUT from a pair) and
 * with the plain MLP of the literature.
 */
#ifndef LOOKLAB_BENCH_BASELINES_H
#define LOOKLAB_BENCH_BASELINES_H

#include <stddef.h>

/* (b) G'MIC "CLUT from After - Before Layers" (fx_clut_from_ab). */
typedef struct _BenchClut BenchClut;

/* Learns a 64^3 CLUT from @n before/after pixels.  @influence is the
 * filter's "Influence of Color Samples (%)" (G'MIC default 50).  Returns
 * NULL when @n is 0 or memory is short. */
BenchClut *bench_clut_fit (const float *before, const float *after, size_t n,
                           double influence);

/* Maps @n pixels through the CLUT as G'MIC's map_clut does (trilinear). */
void bench_clut_apply (const BenchClut *clut, const float *in, float *out,
                       size_t n);

/* Bytes of the CLUT as G'MIC-Qt hands it over: a 64^3 RGB layer, 8 bits. */
size_t bench_clut_bytes (const BenchClut *clut);

void bench_clut_free (BenchClut *clut);

/* (c) The plain 3-32-32-3 MLP, trained the ordinary way. */
typedef struct _BenchMlp BenchMlp;

typedef struct
{
  int      hidden; /* units per hidden layer (32) */
  int      epochs; /* passes over the training subset */
  size_t   subset; /* random pixels trained on (0 = all) */
  int      batch;  /* minibatch size */
  double   lr;     /* Adam step size */
  unsigned seed;
} BenchMlpParams;

void bench_mlp_params_init (BenchMlpParams *params);

/* Trains on @n before/after pixels.  Returns NULL when @n is 0 or memory is
 * short.  When @final_mse is not NULL stores the last epoch's training MSE. */
BenchMlp *bench_mlp_fit (const float *before, const float *after, size_t n,
                         const BenchMlpParams *params, double *final_mse);

void bench_mlp_eval (const BenchMlp *mlp, const float *in, float *out,
                     size_t n);

/* Bytes of the weights and biases as float32. */
size_t bench_mlp_bytes (const BenchMlp *mlp);

void bench_mlp_free (BenchMlp *mlp);

#endif /* LOOKLAB_BENCH_BASELINES_H */
