/* bench/: baseline (c), the plain 3-32-32-3 MLP trained the ordinary way.
 *
 * The network of the anchors (docs/anchors.md, "a 3-32-32-3 MLP (1283
 * numbers) emulating a camera's in-body LUT from one before/after photo"):
 * two hidden layers of sigmoid units, a linear RGB output read directly as
 * the after colour (no residual, no encoding), Glorot-uniform weights, zero
 * biases.  Trained by minibatch Adam (Kingma & Ba 2015, default betas) on
 * the mean squared error over a large random subset of the pair's pixels
 * for a fixed number of epochs: the textbook recipe, with a step size and
 * epoch count chosen so that the training loss has flattened (see
 * bench-looks' --mlp-epochs to check), not tuned against held-out data.
 */
#include "baselines.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MLP_MAX_HIDDEN 64

struct _BenchMlp
{
  int    h;
  float *w1, *b1; /* h x 3, h */
  float *w2, *b2; /* h x h, h */
  float *w3, *b3; /* 3 x h, 3 */
  float *all;     /* one allocation holding the above */
  size_t n_params;
};

void
bench_mlp_params_init (BenchMlpParams *params)
{
  params->hidden = 32;
  params->epochs = 30;
  params->subset = 131072;
  params->batch = 128;
  params->lr = 3e-3;
  params->seed = 1;
}

/* splitmix64 (Steele, Lea & Flood 2014): small, seeded, good enough. */
static uint64_t
rng_next (uint64_t *state)
{
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static double
rng_uniform (uint64_t *state)
{
  return (rng_next (state) >> 11) * (1.0 / 9007199254740992.0);
}

static BenchMlp *
mlp_new (int h)
{
  BenchMlp *mlp = calloc (1, sizeof (BenchMlp));
  float    *p;

  if (mlp == NULL)
    return NULL;
  mlp->h = h;
  mlp->n_params = (size_t) h * 3 + h + (size_t) h * h + h + 3 * (size_t) h + 3;
  mlp->all = calloc (mlp->n_params, sizeof (float));
  if (mlp->all == NULL)
    {
      free (mlp);
      return NULL;
    }
  p = mlp->all;
  mlp->w1 = p;
  p += h * 3;
  mlp->b1 = p;
  p += h;
  mlp->w2 = p;
  p += h * h;
  mlp->b2 = p;
  p += h;
  mlp->w3 = p;
  p += 3 * h;
  mlp->b3 = p;
  return mlp;
}

static inline float
sigmoid (float x)
{
  return 1.0f / (1.0f + expf (-x));
}

/* Forward pass of one colour; keeps the activations for backprop. */
static inline void
forward (const BenchMlp *m, const float *x, float *a1, float *a2, float *y)
{
  int h = m->h;

  for (int j = 0; j < h; j++)
    a1[j] = sigmoid (m->b1[j] + m->w1[3 * j] * x[0] + m->w1[3 * j + 1] * x[1]
                     + m->w1[3 * j + 2] * x[2]);
  for (int j = 0; j < h; j++)
    {
      float        s = m->b2[j];
      const float *w = m->w2 + (size_t) j * h;

      for (int k = 0; k < h; k++)
        s += w[k] * a1[k];
      a2[j] = sigmoid (s);
    }
  for (int c = 0; c < 3; c++)
    {
      float        s = m->b3[c];
      const float *w = m->w3 + (size_t) c * h;

      for (int k = 0; k < h; k++)
        s += w[k] * a2[k];
      y[c] = s;
    }
}

BenchMlp *
bench_mlp_fit (const float *before, const float *after, size_t n,
               const BenchMlpParams *params, double *final_mse)
{
  BenchMlp *mlp = NULL, *grad = NULL;
  float    *adam_m = NULL, *adam_v = NULL;
  size_t   *idx = NULL, subset;
  uint64_t  rng = 0x5eed0000ULL + params->seed;
  int       h = params->hidden, ok = 0;
  long      t = 0;
  double    mse = 0.0;

  if (n == 0 || h < 1 || h > MLP_MAX_HIDDEN || params->batch < 1)
    return NULL;
  subset = (params->subset == 0 || params->subset > n) ? n : params->subset;
  mlp = mlp_new (h);
  grad = mlp_new (h);
  if (mlp == NULL || grad == NULL)
    goto out;
  adam_m = calloc (mlp->n_params, sizeof (float));
  adam_v = calloc (mlp->n_params, sizeof (float));
  idx = malloc (subset * sizeof (size_t));
  if (adam_m == NULL || adam_v == NULL || idx == NULL)
    goto out;

  /* Glorot-uniform weights, zero biases. */
  {
    double l1 = sqrt (6.0 / (3 + h)), l2 = sqrt (6.0 / (h + h));
    double l3 = sqrt (6.0 / (h + 3));

    for (int i = 0; i < h * 3; i++)
      mlp->w1[i] = (float) ((2 * rng_uniform (&rng) - 1) * l1);
    for (int i = 0; i < h * h; i++)
      mlp->w2[i] = (float) ((2 * rng_uniform (&rng) - 1) * l2);
    for (int i = 0; i < 3 * h; i++)
      mlp->w3[i] = (float) ((2 * rng_uniform (&rng) - 1) * l3);
  }

  /* The training subset: random pixels (all of them when subset == n). */
  for (size_t i = 0; i < subset; i++)
    idx[i] = subset == n ? i : (size_t) (rng_next (&rng) % n);

  for (int epoch = 0; epoch < params->epochs; epoch++)
    {
      double epoch_sse = 0.0;

      /* Fisher-Yates shuffle of the subset. */
      for (size_t i = subset - 1; i > 0; i--)
        {
          size_t j = (size_t) (rng_next (&rng) % (i + 1)), tmp = idx[i];

          idx[i] = idx[j];
          idx[j] = tmp;
        }
      for (size_t start = 0; start < subset; start += params->batch)
        {
          size_t end
              = start + params->batch < subset ? start + params->batch : subset;
          float  inv = 1.0f / (float) ((end - start) * 3);
          double b1c, b2c;

          memset (grad->all, 0, grad->n_params * sizeof (float));
          for (size_t s = start; s < end; s++)
            {
              const float *x = before + 3 * idx[s];
              const float *target = after + 3 * idx[s];
              float        a1[MLP_MAX_HIDDEN], a2[MLP_MAX_HIDDEN], y[3];
              float        d3[3], d2[MLP_MAX_HIDDEN], d1[MLP_MAX_HIDDEN];

              forward (mlp, x, a1, a2, y);
              for (int c = 0; c < 3; c++)
                {
                  float e = y[c] - target[c];

                  epoch_sse += (double) e * e;
                  d3[c] = 2.0f * e * inv; /* d(mean sq. error)/dy */
                  grad->b3[c] += d3[c];
                  for (int k = 0; k < h; k++)
                    grad->w3[c * h + k] += d3[c] * a2[k];
                }
              for (int k = 0; k < h; k++)
                {
                  float s2 = d3[0] * mlp->w3[k] + d3[1] * mlp->w3[h + k]
                             + d3[2] * mlp->w3[2 * h + k];

                  d2[k] = s2 * a2[k] * (1.0f - a2[k]);
                }
              memset (d1, 0, sizeof (float) * h);
              for (int j = 0; j < h; j++)
                {
                  float       *gw = grad->w2 + (size_t) j * h;
                  const float *w = mlp->w2 + (size_t) j * h;

                  grad->b2[j] += d2[j];
                  for (int k = 0; k < h; k++)
                    {
                      gw[k] += d2[j] * a1[k];
                      d1[k] += d2[j] * w[k];
                    }
                }
              for (int k = 0; k < h; k++)
                {
                  float g = d1[k] * a1[k] * (1.0f - a1[k]);

                  grad->b1[k] += g;
                  grad->w1[3 * k] += g * x[0];
                  grad->w1[3 * k + 1] += g * x[1];
                  grad->w1[3 * k + 2] += g * x[2];
                }
            }

          /* Adam step. */
          t++;
          b1c = 1.0 - pow (0.9, (double) t);
          b2c = 1.0 - pow (0.999, (double) t);
          for (size_t i = 0; i < mlp->n_params; i++)
            {
              float g = grad->all[i];

              adam_m[i] = 0.9f * adam_m[i] + 0.1f * g;
              adam_v[i] = 0.999f * adam_v[i] + 0.001f * g * g;
              mlp->all[i] -= (float) (params->lr * (adam_m[i] / b1c)
                                      / (sqrt (adam_v[i] / b2c) + 1e-8));
            }
        }
      mse = epoch_sse / (3.0 * subset);
    }
  ok = 1;

out:
  bench_mlp_free (grad);
  free (adam_m);
  free (adam_v);
  free (idx);
  if (!ok)
    {
      bench_mlp_free (mlp);
      return NULL;
    }
  if (final_mse != NULL)
    *final_mse = mse;
  return mlp;
}

void
bench_mlp_eval (const BenchMlp *mlp, const float *in, float *out, size_t n)
{
  float a1[MLP_MAX_HIDDEN], a2[MLP_MAX_HIDDEN];

  for (size_t p = 0; p < n; p++)
    {
      float y[3];

      forward (mlp, in + 3 * p, a1, a2, y);
      memcpy (out + 3 * p, y, sizeof y);
    }
}

size_t
bench_mlp_bytes (const BenchMlp *mlp)
{
  return mlp->n_params * sizeof (float);
}

void
bench_mlp_free (BenchMlp *mlp)
{
  if (mlp == NULL)
    return;
  free (mlp->all);
  free (mlp);
}
