/* LookLab core: learning a look from a before/after pair.
 *
 * 1. The pair is reduced to its distinct colours (look-samples.c).
 * 2. A residual MLP, y = x + f (2x - 1), is fitted to them with Adam on a
 *    weighted squared error.  f's output layer starts near zero, so the fit
 *    starts from the identity: on a private set this beat a plain MLP by a
 *    wide margin on photos the pair never showed (docs/anchors.md).
 *    Weight decay keeps f smooth where the pair has no colours; a linear
 *    3x3 path beside the MLP (no decay) lets channel mixes and saturation
 *    changes extrapolate as lines rather than as tanh plateaus; a tone
 *    curve per channel beside them (16 knots, no decay, a second-difference
 *    penalty) carries what the pair shows of one channel's tones to colour
 *    combinations it lacks (bench-looks held-out 0.876 -> 0.773 trained
 *    on aitzgorri, 0.895 -> 0.753 trained on three other photos in turn,
 *    every look lower there; without the penalty 0.763, but gmic-sepia got
 *    worse, 0.825 -> 1.009; a penalty of 0.01 left its worst image at
 *    2.51, 0.03 was kept, 0.1 gave 0.808).  Settings chosen by held-out
 *    CIEDE2000 (train on one photo, predict others): lr 0.003 beat 0.01
 *    and 0.001, the linear path beat none, 3000 steps beat 2000, SiLU
 *    extrapolated far worse than tanh.  Colours are weighted equally: on
 *    bench/bench-looks (6 looks by real tools, train on one photo, predict
 *    7; before the curves) that gave held-out 0.876 mean dE00 and 5 of
 *    6 looks within every target, against 0.993 / 3 of 6 for weights
 *    n / (n + 8) and 1.106 / 2 of 6 for n / (n + 32) (n pixels).  The
 *    price: an identity pair that differs only by JPEG q75 noise moves
 *    other photos by 1.77 dE00 (0.83 with n / (n + 32)); a noise-aware
 *    weighting that keeps clean pairs as good is open work.  Where the
 *    after colour is clipped (0 or 1) only overshooting the wrong way is
 *    penalised: the real look went beyond the clip, and the evaluation
 *    clamps.
 * 3. Optionally a coarse residual lattice is solved so that the look fits
 *    what the MLP left on the samples (lattice regression, E. K. Garcia and
 *    M. R. Gupta, "Lattice regression", NIPS 2009): the data term of the
 *    interpolated lattice, plus a membrane (first difference) smoothness
 *    term, plus a small ridge that makes the correction fade to zero away
 *    from the samples (the solution of a screened Poisson equation decays
 *    exponentially with distance from the data).
 *
 * Determinism: every random number comes from a splitmix64 stream seeded by
 * params->seed; a batch is cut into fixed chunks of 32 samples whose
 * gradients are summed in chunk order, whatever thread computed them, so
 * the bytes of the look do not depend on the thread count.
 */
#include "look/look-private.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/colour.h"
#include "common/parallel.h"

#define CHUNK 32 /* samples per gradient chunk (vector friendly) */
_Static_assert(CHUNK % 4 == 0, "chunks are whole LookLabVec4s");
#define MAX_THREADS 16
#define CLIP_EPS (0.5f / 255.0f)

static LookLabFitTuning tuning = {
  .grid = 64,
  .batch = 256,
  .steps = 3000,
  .lr = 0.003f,
  .weight_decay = 1e-4f,
  .count_power = 0.0f,
  .count_half = 0.0f,
  .activation = LOOKLAB_ACT_TANH,
  .init_scale = 1e-3f,
  .corr_smooth = 0.3f,
  .corr_ridge = 0.01f,
  .corr_power = 1.0f,
  .corr_size = 17,
  .skip = 1,
  .skip_decay = 0.0f,
  .curves = 1,
  .curve_smooth = 0.03f,
};

LookLabFitTuning *
looklab_look_fit_tuning (void)
{
  return &tuning;
}

void
looklab_fit_params_init (LookLabFitParams *params)
{
  memset (params, 0, sizeof (*params));
  params->hidden = 32;
  params->layers = 2;
  params->seed = 1;
  params->n_threads = 0;
  params->iterations = 0;
  params->correction = -1;
  params->spatial = 1;
}

/* splitmix64 (S. Vigna): small, and the same stream everywhere. */
static uint64_t
rng_next (uint64_t *state)
{
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static float
rng_uniform (uint64_t *state)
{
  /* 24 random bits: exact in a float, in [0, 1). */
  return (float) (rng_next (state) >> 40) * (1.0f / 16777216.0f);
}

/* ---- the network, in structure-of-arrays chunks ---- */

typedef struct
{
  int    n_linear; /* layers + 1 */
  int    n_in[LOOKLAB_LOOK_MAX_LAYERS + 1];
  int    n_out[LOOKLAB_LOOK_MAX_LAYERS + 1];
  size_t off_w[LOOKLAB_LOOK_MAX_LAYERS + 1];
  size_t off_b[LOOKLAB_LOOK_MAX_LAYERS + 1];
} Shape;

static void
shape_init (Shape *s, int hidden, int layers)
{
  size_t off = 0;
  int    l;

  s->n_linear = layers + 1;
  for (l = 0; l <= layers; l++)
    {
      s->n_in[l] = l == 0 ? 3 : hidden;
      s->n_out[l] = l == layers ? 3 : hidden;
      s->off_w[l] = off;
      off += (size_t) s->n_in[l] * s->n_out[l];
      s->off_b[l] = off;
      off += (size_t) s->n_out[l];
    }
}

typedef struct Trainer Trainer;

typedef struct
{
  Trainer *tr;
  int      index;
  float   *a;  /* (n_linear) x hidden x CHUNK: inputs of each layer */
  float   *z;  /* (n_linear) x hidden x CHUNK: pre-activations */
  float   *d0; /* hidden x CHUNK deltas */
  float   *d1;
} Worker;

struct Trainer
{
  Shape             shape;
  size_t            off_skip;   /* 0 when there is no linear path */
  size_t            off_curves; /* 0 when there are no curves */
  int               hidden;
  int               activation;
  const float      *x; /* n x 3 inputs in [0, 1] */
  const float      *y; /* n x 3 targets (after colours) */
  const float      *w; /* n weights, mean 1 */
  const float      *params;
  size_t            n_params;
  int               n_chunks;
  const uint32_t   *batch; /* n_chunks * CHUNK indices */
  float            *grads; /* n_chunks x n_params */
  int               n_threads;
  pthread_barrier_t go;
  pthread_barrier_t done;
  int               quit;
  Worker            workers[MAX_THREADS];
};

/* The activation's derivative at @z (whose activation is @a), four
 * samples at a time as looklab_activate4 (). */
static inline LookLabVec4
act_grad4 (int activation, LookLabVec4 z, LookLabVec4 a)
{
  if (activation == LOOKLAB_ACT_SILU)
    {
      LookLabVec4 s = 0.5f * (1.0f + looklab_tanh4 (0.5f * z));

      return s + z * s * (1.0f - s);
    }
  return 1.0f - a * a;
}

/* Gradient of the weighted loss of one chunk of CHUNK samples into @g. */
static void
chunk_gradient (Trainer *tr, Worker *wk, const uint32_t *idx, float *g)
{
  const Shape *s = &tr->shape;
  const float *p = tr->params;
  int          L = s->n_linear - 1, H = tr->hidden, l, j, k, c;
  size_t       plane = (size_t) H * CHUNK;
  float       *dcur = wk->d0, *dprev = wk->d1;

  memset (g, 0, sizeof (float) * tr->n_params);
  for (k = 0; k < 3; k++)
    for (c = 0; c < CHUNK; c++)
      wk->a[k * CHUNK + c] = 2.0f * tr->x[idx[c] * 3 + k] - 1.0f;

  /* Forward. */
  for (l = 0; l <= L; l++)
    {
      const float *W = p + s->off_w[l], *bias = p + s->off_b[l];
      const float *ain = wk->a + l * plane;
      float       *zout = wk->z + l * plane;
      int          nin = s->n_in[l], nout = s->n_out[l];

      for (j = 0; j < nout; j++)
        {
          float *zr = zout + j * CHUNK;

          for (c = 0; c < CHUNK; c++)
            zr[c] = bias[j];
          for (k = 0; k < nin; k++)
            {
              float        wjk = W[j * nin + k];
              const float *ar = ain + k * CHUNK;

              for (c = 0; c < CHUNK; c++)
                zr[c] += wjk * ar[c];
            }
          if (l < L)
            {
              float *anext = wk->a + (l + 1) * plane + j * CHUNK;

              /* In vector lanes: one at a time, tanh's division and
               * clamps took a third of the whole fit. */
              for (c = 0; c < CHUNK; c += 4)
                {
                  LookLabVec4 v;

                  memcpy (&v, zr + c, sizeof v);
                  v = looklab_activate4 (tr->activation, v);
                  memcpy (anext + c, &v, sizeof v);
                }
            }
        }
    }

  if (tr->off_skip > 0)
    {
      const float *S = p + tr->off_skip;
      float       *out = wk->z + L * plane;

      for (j = 0; j < 3; j++)
        for (k = 0; k < 3; k++)
          for (c = 0; c < CHUNK; c++)
            out[j * CHUNK + c] += S[j * 3 + k] * wk->a[k * CHUNK + c];
    }

  if (tr->off_curves > 0)
    {
      const float *knots = p + tr->off_curves;
      float       *out = wk->z + L * plane;

      for (k = 0; k < 3; k++)
        for (c = 0; c < CHUNK; c++)
          out[k * CHUNK + c] += looklab_look_curve (
              knots + k * LOOKLAB_LOOK_CURVE_KNOTS, tr->x[idx[c] * 3 + k]);
    }

  /* Loss derivative: out = x + f; clipped targets are one-sided. */
  {
    const float *out = wk->z + L * plane;
    float        scale = 2.0f / (float) (tr->n_chunks * CHUNK);

    for (k = 0; k < 3; k++)
      for (c = 0; c < CHUNK; c++)
        {
          uint32_t i = idx[c];
          float    x = tr->x[i * 3 + k], y = tr->y[i * 3 + k];
          float    diff = x + out[k * CHUNK + c] - y;

          if (y >= 1.0f - CLIP_EPS && diff > 0.0f)
            diff = 0.0f;
          if (y <= CLIP_EPS && diff < 0.0f)
            diff = 0.0f;
          dcur[k * CHUNK + c] = scale * tr->w[i] * diff;
        }
  }
  if (tr->off_skip > 0)
    {
      float *gS = g + tr->off_skip;

      for (j = 0; j < 3; j++)
        for (k = 0; k < 3; k++)
          {
            float acc[8] = { 0 };
            int   q;

            for (c = 0; c < CHUNK; c += 8)
              for (q = 0; q < 8; q++)
                acc[q] += dcur[j * CHUNK + c + q] * wk->a[k * CHUNK + c + q];
            gS[j * 3 + k] = ((acc[0] + acc[1]) + (acc[2] + acc[3]))
                            + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
          }
    }

  if (tr->off_curves > 0)
    {
      float *gc = g + tr->off_curves;

      /* Each sample's error goes to the two knots around it, in sample
       * order (deterministic). */
      for (k = 0; k < 3; k++)
        for (c = 0; c < CHUNK; c++)
          {
            float f, d = dcur[k * CHUNK + c];
            int   i = looklab_look_curve_cell (tr->x[idx[c] * 3 + k], &f);

            gc[k * LOOKLAB_LOOK_CURVE_KNOTS + i] += d * (1.0f - f);
            gc[k * LOOKLAB_LOOK_CURVE_KNOTS + i + 1] += d * f;
          }
    }

  /* Backward. */
  for (l = L; l >= 0; l--)
    {
      const float *W = p + s->off_w[l];
      const float *ain = wk->a + l * plane;
      float       *gW = g + s->off_w[l], *gb = g + s->off_b[l];
      int          nin = s->n_in[l], nout = s->n_out[l];

      for (j = 0; j < nout; j++)
        {
          const float *dr = dcur + j * CHUNK;
          float        acc[8] = { 0 };
          int          q;

          /* Eight partial sums so that the reduction vectorises without
           * reassociation flags (and stays deterministic). */
          for (c = 0; c < CHUNK; c += 8)
            for (q = 0; q < 8; q++)
              acc[q] += dr[c + q];
          gb[j] += ((acc[0] + acc[1]) + (acc[2] + acc[3]))
                   + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
          for (k = 0; k < nin; k++)
            {
              const float *ar = ain + k * CHUNK;

              for (q = 0; q < 8; q++)
                acc[q] = 0.0f;
              for (c = 0; c < CHUNK; c += 8)
                for (q = 0; q < 8; q++)
                  acc[q] += dr[c + q] * ar[c + q];
              gW[j * nin + k] += ((acc[0] + acc[1]) + (acc[2] + acc[3]))
                                 + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
            }
        }
      if (l > 0)
        {
          const float *zin = wk->z + (l - 1) * plane;

          for (k = 0; k < nin; k++)
            {
              float *pr = dprev + k * CHUNK;

              for (c = 0; c < CHUNK; c++)
                pr[c] = 0.0f;
              for (j = 0; j < nout; j++)
                {
                  float        wjk = W[j * nin + k];
                  const float *dr = dcur + j * CHUNK;

                  for (c = 0; c < CHUNK; c++)
                    pr[c] += wjk * dr[c];
                }
              for (c = 0; c < CHUNK; c += 4)
                {
                  LookLabVec4 v, z, a;

                  memcpy (&v, pr + c, sizeof v);
                  memcpy (&z, zin + k * CHUNK + c, sizeof z);
                  memcpy (&a, ain + k * CHUNK + c, sizeof a);
                  v *= act_grad4 (tr->activation, z, a);
                  memcpy (pr + c, &v, sizeof v);
                }
            }
          {
            float *tmp = dcur;

            dcur = dprev;
            dprev = tmp;
          }
        }
    }
}

static void
worker_step (Worker *wk)
{
  Trainer *tr = wk->tr;
  int      k;

  for (k = wk->index; k < tr->n_chunks; k += tr->n_threads)
    chunk_gradient (tr, wk, tr->batch + (size_t) k * CHUNK,
                    tr->grads + (size_t) k * tr->n_params);
}

static void *
worker_main (void *data)
{
  Worker  *wk = data;
  Trainer *tr = wk->tr;

  for (;;)
    {
      pthread_barrier_wait (&tr->go);
      if (tr->quit)
        break;
      worker_step (wk);
      pthread_barrier_wait (&tr->done);
    }
  return NULL;
}

/* Adds to @grad the gradient of (curve_smooth / 2) x the sum of squared
 * second differences of each channel's curve @knots (a discrete bending
 * energy, as in P-splines: P. Eilers and B. Marx, "Flexible smoothing with
 * B-splines and penalties", Statistical Science 1996). */
static void
curve_smoothness_gradient (const float *knots, float *grad)
{
  const float lambda = tuning.curve_smooth;
  int         ch, q;

  for (ch = 0; ch < 3; ch++)
    {
      const float *k = knots + ch * LOOKLAB_LOOK_CURVE_KNOTS;
      float       *g = grad + ch * LOOKLAB_LOOK_CURVE_KNOTS;

      for (q = 1; q < LOOKLAB_LOOK_CURVE_KNOTS - 1; q++)
        {
          float d2 = lambda * (k[q - 1] - 2.0f * k[q] + k[q + 1]);

          g[q - 1] += d2;
          g[q] -= 2.0f * d2;
          g[q + 1] += d2;
        }
    }
}

static void
init_params (LookLabLook *look, const Shape *s, uint64_t *rng)
{
  int    l;
  size_t i;

  for (l = 0; l < s->n_linear; l++)
    {
      size_t nw = (size_t) s->n_in[l] * s->n_out[l];
      /* Glorot uniform for the hidden layers; the output layer starts near
       * zero so that the look starts as the identity. */
      float r = l == s->n_linear - 1
                    ? tuning.init_scale
                    : sqrtf (6.0f / (float) (s->n_in[l] + s->n_out[l]));

      for (i = 0; i < nw; i++)
        look->params[s->off_w[l] + i] = r * (2.0f * rng_uniform (rng) - 1.0f);
      for (i = 0; i < (size_t) s->n_out[l]; i++)
        look->params[s->off_b[l] + i] = 0.0f;
    }
}

/* Fits the MLP; returns 0 or LOOKLAB_ERR_CANCELLED / _NOMEM. */
static int
train_mlp (LookLabLook *look, const LookLabSamples *smp, const float *w,
           int steps, int n_threads, uint64_t *rng,
           LookLabProgressFunc progress, void *user_data, LookLabDiag *diag)
{
  Trainer    *tr = calloc (1, sizeof (Trainer));
  uint32_t   *batch = NULL;
  float      *m = NULL, *v = NULL, *grad = NULL;
  int         status = LOOKLAB_OK, t, step, started = 0, barriers = 0;
  int         H = look->hidden, batch_size = tuning.batch;
  size_t      plane = (size_t) H * CHUNK, i, P = look->n_params;
  pthread_t   threads[MAX_THREADS];
  const float beta1 = 0.9f, beta2 = 0.999f;
  double      b1t = 1.0, b2t = 1.0;

  if (tr == NULL)
    return looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0, "out of memory");
  if (batch_size < CHUNK)
    batch_size = CHUNK;
  batch_size -= batch_size % CHUNK;
  shape_init (&tr->shape, H, look->layers);
  tr->off_curves = look->curves ? P - 3 * LOOKLAB_LOOK_CURVE_KNOTS : 0;
  tr->off_skip = look->skip
                     ? P - 9 - (look->curves ? 3 * LOOKLAB_LOOK_CURVE_KNOTS : 0)
                     : 0;
  tr->hidden = H;
  tr->activation = look->activation;
  tr->x = smp->x;
  tr->y = smp->y;
  tr->w = w;
  tr->params = look->params;
  tr->n_params = P;
  tr->n_chunks = batch_size / CHUNK;
  tr->n_threads = n_threads < tr->n_chunks ? n_threads : tr->n_chunks;

  batch = malloc (sizeof (uint32_t) * batch_size);
  tr->grads = malloc (sizeof (float) * P * tr->n_chunks);
  m = calloc (P, sizeof (float));
  v = calloc (P, sizeof (float));
  grad = malloc (sizeof (float) * P);
  if (batch == NULL || tr->grads == NULL || m == NULL || v == NULL
      || grad == NULL)
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0, "out of memory");
      goto out;
    }
  tr->batch = batch;
  for (t = 0; t < tr->n_threads; t++)
    {
      Worker *wk = &tr->workers[t];

      wk->tr = tr;
      wk->index = t;
      wk->a = malloc (sizeof (float) * plane * tr->shape.n_linear);
      wk->z = malloc (sizeof (float) * plane * tr->shape.n_linear);
      wk->d0 = malloc (sizeof (float) * plane);
      wk->d1 = malloc (sizeof (float) * plane);
      if (wk->a == NULL || wk->z == NULL || wk->d0 == NULL || wk->d1 == NULL)
        {
          status
              = looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0, "out of memory");
          goto out;
        }
    }

  if (tr->n_threads > 1)
    {
      if (pthread_barrier_init (&tr->go, NULL, tr->n_threads) != 0)
        tr->n_threads = 1;
      else if (pthread_barrier_init (&tr->done, NULL, tr->n_threads) != 0)
        {
          pthread_barrier_destroy (&tr->go);
          tr->n_threads = 1;
        }
      else
        barriers = 1;
    }
  for (t = 1; t < tr->n_threads; t++)
    {
      if (pthread_create (&threads[t], NULL, worker_main, &tr->workers[t]) != 0)
        {
          status = looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0,
                                     "could not start a thread");
          goto out;
        }
      started = t;
    }

  for (step = 0; step < steps; step++)
    {
      /* Linear warm-up over the first 5%, then cosine decay to 1% of the
       * peak (the usual one-cycle schedule). */
      double warm = 0.05 * steps, lr;
      float  lr_t, wd;
      int    c;

      if (step < warm)
        lr = tuning.lr * (step + 1) / warm;
      else
        lr = tuning.lr
             * (0.01
                + 0.99 * 0.5
                      * (1.0 + cos (M_PI * (step - warm) / (steps - warm))));
      for (c = 0; c < batch_size; c++)
        batch[c] = (uint32_t) (rng_next (rng) % smp->n);

      if (tr->n_threads > 1)
        {
          pthread_barrier_wait (&tr->go);
          worker_step (&tr->workers[0]);
          pthread_barrier_wait (&tr->done);
        }
      else
        worker_step (&tr->workers[0]);

      /* Reduce in chunk order, then AdamW (Loshchilov & Hutter 2019). */
      memcpy (grad, tr->grads, sizeof (float) * P);
      for (c = 1; c < tr->n_chunks; c++)
        {
          const float *gc = tr->grads + (size_t) c * P;

          for (i = 0; i < P; i++)
            grad[i] += gc[i];
        }
      b1t *= beta1;
      b2t *= beta2;
      lr_t = (float) (lr * sqrt (1.0 - b2t) / (1.0 - b1t));
      wd = (float) (lr * tuning.weight_decay);
      {
        const Shape *s = &tr->shape;
        int          l;

        for (l = 0; l < s->n_linear; l++)
          {
            size_t a = s->off_w[l], b = s->off_b[l];
            size_t e = b + (size_t) s->n_out[l];

            for (i = a; i < e; i++)
              {
                m[i] = beta1 * m[i] + (1.0f - beta1) * grad[i];
                v[i] = beta2 * v[i] + (1.0f - beta2) * grad[i] * grad[i];
                look->params[i] -= lr_t * m[i] / (sqrtf (v[i]) + 1e-8f);
                if (i < b)
                  look->params[i] -= wd * look->params[i];
              }
          }
        /* The paths beside the MLP: the linear path with its own decay;
         * the curves with none, so that what the pair shows of one
         * channel carries to colours it does not show (their smoothness
         * term keeps them from bending to one photo's colours). */
        if (tr->off_curves > 0)
          curve_smoothness_gradient (look->params + tr->off_curves,
                                     grad + tr->off_curves);
        for (i = tr->off_skip > 0     ? tr->off_skip
                 : tr->off_curves > 0 ? tr->off_curves
                                      : P;
             i < P; i++)
          {
            float delta;

            m[i] = beta1 * m[i] + (1.0f - beta1) * grad[i];
            v[i] = beta2 * v[i] + (1.0f - beta2) * grad[i] * grad[i];
            delta = lr_t * m[i] / (sqrtf (v[i]) + 1e-8f);
            if (tr->off_skip > 0 && i < tr->off_skip + 9)
              delta += (float) (lr * tuning.skip_decay) * look->params[i];
            look->params[i] -= delta;
          }
      }

      if (progress != NULL && (step + 1) % 64 == 0
          && progress (0.05 + 0.85 * (step + 1) / steps, user_data) != 0)
        {
          status
              = looklab_diag_set (diag, LOOKLAB_ERR_CANCELLED, 0, "cancelled");
          goto out;
        }
    }

out:
  if (started > 0)
    {
      tr->quit = 1;
      pthread_barrier_wait (&tr->go);
      for (t = 1; t <= started; t++)
        pthread_join (threads[t], NULL);
    }
  if (barriers)
    {
      pthread_barrier_destroy (&tr->go);
      pthread_barrier_destroy (&tr->done);
    }
  for (t = 0; t < MAX_THREADS; t++)
    {
      free (tr->workers[t].a);
      free (tr->workers[t].z);
      free (tr->workers[t].d0);
      free (tr->workers[t].d1);
    }
  free (tr->grads);
  free (tr);
  free (batch);
  free (m);
  free (v);
  free (grad);
  return status;
}

/* ---- the correction lattice ---- */

/* Corner weights and node indices of the trilinear cell of @rgb. */
static void
lattice_corners (int size, const float rgb[3], size_t node[8], float w[8])
{
  float  f[3];
  int    i0[3], c;
  size_t s = (size_t) size;

  for (c = 0; c < 3; c++)
    {
      float v = rgb[c] * (float) (size - 1);

      if (!(v > 0.0f))
        v = 0.0f;
      if (v > (float) (size - 1))
        v = (float) (size - 1);
      i0[c] = (int) v;
      if (i0[c] > size - 2)
        i0[c] = size - 2;
      f[c] = v - (float) i0[c];
    }
  for (c = 0; c < 8; c++)
    {
      int dr = c & 1, dg = (c >> 1) & 1, db = (c >> 2) & 1;

      w[c] = (dr ? f[0] : 1.0f - f[0]) * (dg ? f[1] : 1.0f - f[1])
             * (db ? f[2] : 1.0f - f[2]);
      node[c] = ((i0[2] + db) * s + (i0[1] + dg)) * s + (i0[0] + dr);
    }
}

/* Solves the lattice nodes by Jacobi-preconditioned conjugate gradients on
 * the normal equations (A^T W A + smooth D^T D + ridge I) c = A^T W r, the
 * 27-point matrix stored explicitly.  @res holds the n RGB residuals. */
static int
solve_lattice (LookLabLook *look, const LookLabSamples *smp, const float *res,
               LookLabDiag *diag)
{
  int     K = look->corr_size, status = LOOKLAB_OK, it, ch;
  size_t  nn = (size_t) K * K * K, i, a, b;
  double *M = calloc (nn * 27, sizeof (double));
  double *rhs = calloc (nn * 3, sizeof (double));
  double *x = calloc (nn, sizeof (double)), *r = malloc (sizeof (double) * nn);
  double *z = malloc (sizeof (double) * nn), *p = malloc (sizeof (double) * nn);
  double *q = malloc (sizeof (double) * nn);
  double  wsum = 0.0, norm;

  if (M == NULL || rhs == NULL || x == NULL || r == NULL || z == NULL
      || p == NULL || q == NULL)
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0, "out of memory");
      goto out;
    }
  for (i = 0; i < smp->n; i++)
    wsum += pow (smp->count[i], tuning.corr_power);
  /* Data weights sum to the node count, so the regularisation weights
   * mean the same for any lattice size and pair. */
  norm = (double) nn / wsum;
  for (i = 0; i < smp->n; i++)
    {
      size_t node[8];
      float  cw[8];
      double wi = pow (smp->count[i], tuning.corr_power) * norm;

      lattice_corners (K, smp->x + i * 3, node, cw);
      for (a = 0; a < 8; a++)
        {
          for (b = 0; b < 8; b++)
            {
              /* Offset of node b from node a in the 3x3x3 stencil. */
              int da = (int) (b & 1) - (int) (a & 1);
              int dg = (int) ((b >> 1) & 1) - (int) ((a >> 1) & 1);
              int db = (int) ((b >> 2) & 1) - (int) ((a >> 2) & 1);
              int slot = ((db + 1) * 3 + (dg + 1)) * 3 + (da + 1);

              M[node[a] * 27 + slot] += wi * cw[a] * cw[b];
            }
          for (ch = 0; ch < 3; ch++)
            rhs[node[a] * 3 + ch] += wi * cw[a] * res[i * 3 + ch];
        }
    }
  for (i = 0; i < nn; i++)
    {
      int ir = (int) (i % K), ig = (int) (i / K % K), ib = (int) (i / K / K);
      int d;

      M[i * 27 + 13] += tuning.corr_ridge;
      for (d = 0; d < 3; d++)
        {
          int coord = d == 0 ? ir : d == 1 ? ig : ib;
          int slot_lo = d == 0 ? 12 : d == 1 ? 10 : 4;
          int slot_hi = d == 0 ? 14 : d == 1 ? 16 : 22;

          if (coord > 0)
            {
              M[i * 27 + 13] += tuning.corr_smooth;
              M[i * 27 + slot_lo] -= tuning.corr_smooth;
            }
          if (coord < K - 1)
            {
              M[i * 27 + 13] += tuning.corr_smooth;
              M[i * 27 + slot_hi] -= tuning.corr_smooth;
            }
        }
    }

  for (ch = 0; ch < 3; ch++)
    {
      double rz, rz_new;

      for (i = 0; i < nn; i++)
        {
          x[i] = 0.0;
          r[i] = rhs[i * 3 + ch];
          z[i] = r[i] / M[i * 27 + 13];
          p[i] = z[i];
        }
      rz = 0.0;
      for (i = 0; i < nn; i++)
        rz += r[i] * z[i];
      for (it = 0; it < 200 && rz > 1e-20; it++)
        {
          double pq = 0.0, alpha, beta;

          for (i = 0; i < nn; i++)
            {
              int    ir = (int) (i % K), ig = (int) (i / K % K);
              int    ib = (int) (i / K / K), s, dr, dg, db;
              double sum = 0.0;

              for (s = 0; s < 27; s++)
                {
                  double mv = M[i * 27 + s];
                  int    jr, jg, jb;

                  if (mv == 0.0)
                    continue;
                  dr = s % 3 - 1;
                  dg = s / 3 % 3 - 1;
                  db = s / 9 - 1;
                  jr = ir + dr;
                  jg = ig + dg;
                  jb = ib + db;
                  sum += mv * p[((size_t) jb * K + jg) * K + jr];
                }
              q[i] = sum;
              pq += p[i] * sum;
            }
          alpha = rz / pq;
          rz_new = 0.0;
          for (i = 0; i < nn; i++)
            {
              x[i] += alpha * p[i];
              r[i] -= alpha * q[i];
              z[i] = r[i] / M[i * 27 + 13];
              rz_new += r[i] * z[i];
            }
          beta = rz_new / rz;
          rz = rz_new;
          for (i = 0; i < nn; i++)
            p[i] = z[i] + beta * p[i];
        }
      for (i = 0; i < nn; i++)
        look->corr[i * 3 + ch] = (float) x[i];
    }

out:
  free (M);
  free (rhs);
  free (x);
  free (r);
  free (z);
  free (p);
  free (q);
  return status;
}

/* ---- the whole fit ---- */

static int
check_view (const LookLabImageView *view, const char *name, LookLabDiag *diag)
{
  size_t row;

  if (view->pixels == NULL || view->width <= 0 || view->height <= 0)
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0, "the %s image is empty",
                             name);
  if ((int) view->format < LOOKLAB_PIXEL_RGB_U8
      || view->format > LOOKLAB_PIXEL_RGBA_FLOAT)
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0,
                             "the %s image has an unknown pixel format", name);
  row = looklab_pixel_format_bytes (view->format) * (size_t) view->width;
  if (view->stride < row)
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0,
                             "the %s image's stride %zu is shorter than a "
                             "row (%zu bytes)",
                             name, view->stride, row);
  return LOOKLAB_OK;
}

/* The global part: samples, MLP, lattice and in-sample error, into the
 * zeroed @look of the right shape.  The MLP starts from @start (the
 * look's n_params) when it is not NULL, else from a fresh initialisation.
 * @progress may be NULL. */
static int
fit_global (LookLabLook *look, const LookLabImageView *before,
            const LookLabImageView *after, const unsigned char *mask,
            const LookLabFitParams *params, int corr, int steps,
            const float *start, int n_threads, LookLabProgressFunc progress,
            void *user_data, LookLabDiag *diag)
{
  LookLabSamples smp;
  float         *w = NULL, *pred = NULL;
  uint64_t       rng;
  int            status;
  size_t         i;
  double         wsum = 0.0, max_res = 0.0, de_sum = 0.0, de_max = 0.0;

  memset (&smp, 0, sizeof (smp));
  status = looklab_samples_collect (before, after, mask, tuning.grid, n_threads,
                                    &smp, diag);
  if (status != LOOKLAB_OK)
    goto out;
  if (progress != NULL && progress (0.05, user_data) != 0)
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_CANCELLED, 0, "cancelled");
      goto out;
    }

  w = malloc (sizeof (float) * smp.n);
  pred = malloc (sizeof (float) * 3 * smp.n);
  if (w == NULL || pred == NULL)
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0, "out of memory");
      goto out;
    }
  look->fit_samples = smp.n;
  for (i = 0; i < smp.n * 3; i++)
    {
      double d = fabs ((double) smp.y[i] - smp.x[i]);

      if (d > max_res)
        max_res = d;
    }
  /* A pair that differs by less than a code value everywhere (after
   * averaging) is the identity: keep every parameter zero so the look is
   * exactly the identity instead of a fit of noise. */
  if (max_res >= 1.0 / 255.0)
    {
      uint64_t init_rng;

      rng = 0x4c6f6f6b4c616200ULL ^ (uint64_t) params->seed;
      init_rng = rng;
      rng_next (&rng);
      for (i = 0; i < smp.n; i++)
        {
          /* Every distinct colour counts about the same, so rare colours
           * (the edges of the pair's gamut, which decide how the look
           * extrapolates) are not drowned by the common ones.  With
           * half > 0 a colour seen in only a few pixels, mostly noise
           * (JPEG, sensor), counts less: n / (n + half); see the top of
           * this file for why the default is 0. */
          w[i] = (float) pow (smp.count[i], tuning.count_power);
          if (tuning.count_half > 0.0f)
            w[i] *= (float) (smp.count[i] / (smp.count[i] + tuning.count_half));
          wsum += w[i];
        }
      for (i = 0; i < smp.n; i++)
        w[i] = (float) (w[i] * (double) smp.n / wsum);
      if (start != NULL)
        memcpy (look->params, start, sizeof (float) * look->n_params);
      else
        {
          Shape s;

          shape_init (&s, look->hidden, look->layers);
          init_params (look, &s, &init_rng);
        }
      status = train_mlp (look, &smp, w, steps, n_threads, &rng, progress,
                          user_data, diag);
      if (status != LOOKLAB_OK)
        goto out;

      if (corr > 0)
        {
          looklab_look_eval_mlp (look, smp.x, pred, smp.n);
          for (i = 0; i < smp.n * 3; i++)
            pred[i] = smp.y[i] - (smp.x[i] + pred[i]);
          status = solve_lattice (look, &smp, pred, diag);
          if (status != LOOKLAB_OK)
            goto out;
        }
    }
  else if (look->corr_size > 0)
    {
      /* Nothing to correct. */
      free (look->corr);
      look->corr = NULL;
      look->corr_size = 0;
    }

  /* In-sample error over the distinct colours, weighted by pixel count. */
  looklab_look_eval (look, smp.x, pred, smp.n);
  for (i = 0; i < smp.n; i++)
    {
      double la[3], lb[3], d;

      looklab_srgb_to_lab (pred + i * 3, la);
      looklab_srgb_to_lab (smp.y + i * 3, lb);
      d = looklab_ciede2000 (la, lb);
      de_sum += d * smp.count[i];
      if (d > de_max)
        de_max = d;
    }
  look->fit_mean_de00 = de_sum / smp.total;
  look->fit_max_de00 = de_max;

out:
  looklab_samples_clear (&smp);
  free (w);
  free (pred);
  return status;
}

/* The refit of the global part on the after image with the spatial parts
 * taken out (look-spatial-fit.c calls it when it keeps a radial part). */
typedef struct
{
  const LookLabImageView *before;
  const LookLabFitParams *params;
  int                     corr, steps, n_threads;
} RefitData;

static int
refit_global (LookLabLook *look, const LookLabImageView *after,
              const unsigned char *mask, double effort, unsigned paths,
              int warm, void *data)
{
  RefitData   *rd = data;
  LookLabLook *fresh;
  int          status;

  fresh = looklab_look_new_shape (look->hidden, look->layers, look->activation,
                                  paths, rd->corr);
  if (fresh == NULL)
    return LOOKLAB_ERR_NOMEM;
  if (warm && fresh->n_params != look->n_params)
    {
      looklab_look_free (fresh);
      return LOOKLAB_ERR_ARG;
    }
  status = fit_global (fresh, rd->before, after, mask, rd->params, rd->corr,
                       (int) (rd->steps * effort + 0.5),
                       warm ? look->params : NULL, rd->n_threads, NULL, NULL,
                       NULL);
  if (status == LOOKLAB_OK)
    {
      float *t = look->params;

      look->params = fresh->params;
      fresh->params = t;
      look->n_params = fresh->n_params;
      look->curves = fresh->curves;
      t = look->corr;
      look->corr = fresh->corr;
      fresh->corr = t;
      look->corr_size = fresh->corr_size;
      fresh->corr_size = 0;
      look->fit_samples = fresh->fit_samples;
      look->fit_mean_de00 = fresh->fit_mean_de00;
      look->fit_max_de00 = fresh->fit_max_de00;
    }
  looklab_look_free (fresh);
  return status;
}

int
looklab_look_fit (const LookLabImageView *before, const LookLabImageView *after,
                  const unsigned char *mask, const LookLabFitParams *params,
                  LookLabProgressFunc progress, void *user_data,
                  LookLabLook **out, LookLabDiag *diag)
{
  LookLabFitParams defaults;
  LookLabLook     *look = NULL;
  RefitData        rd;
  int              status, n_threads, corr, steps;

  if (diag != NULL)
    {
      diag->line = 0;
      diag->message[0] = '\0';
    }
  if (out == NULL)
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0, "no output look");
  *out = NULL;
  if (before == NULL || after == NULL)
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0, "no image");
  if (params == NULL)
    {
      looklab_fit_params_init (&defaults);
      params = &defaults;
    }
  if (params->hidden < LOOKLAB_LOOK_MIN_HIDDEN
      || params->hidden > LOOKLAB_LOOK_MAX_HIDDEN
      || params->layers < LOOKLAB_LOOK_MIN_LAYERS
      || params->layers > LOOKLAB_LOOK_MAX_LAYERS)
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0,
                             "network shape %d x %d out of range (hidden "
                             "%d..%d, layers %d..%d)",
                             params->layers, params->hidden,
                             LOOKLAB_LOOK_MIN_HIDDEN, LOOKLAB_LOOK_MAX_HIDDEN,
                             LOOKLAB_LOOK_MIN_LAYERS, LOOKLAB_LOOK_MAX_LAYERS);
  corr = params->correction < 0 ? tuning.corr_size : params->correction;
  if (corr != 0
      && (corr < LOOKLAB_LOOK_MIN_CORRECTION
          || corr > LOOKLAB_LOOK_MAX_CORRECTION))
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0,
                             "correction lattice %d out of range (0 or "
                             "%d..%d)",
                             corr, LOOKLAB_LOOK_MIN_CORRECTION,
                             LOOKLAB_LOOK_MAX_CORRECTION);
  if (params->iterations < 0 || params->iterations > 10000000)
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0,
                             "iterations %d out of range", params->iterations);
  if ((status = check_view (before, "before", diag)) != LOOKLAB_OK
      || (status = check_view (after, "after", diag)) != LOOKLAB_OK)
    return status;
  if (before->width != after->width || before->height != after->height)
    return looklab_diag_set (diag, LOOKLAB_ERR_MISMATCH, 0,
                             "the before image is %d x %d pixels but the "
                             "after image is %d x %d; resize one to match",
                             before->width, before->height, after->width,
                             after->height);

  n_threads = looklab_parallel_threads (params->n_threads, MAX_THREADS);
  steps = params->iterations > 0 ? params->iterations : tuning.steps;

  if (progress != NULL && progress (0.0, user_data) != 0)
    return looklab_diag_set (diag, LOOKLAB_ERR_CANCELLED, 0, "cancelled");
  if (params->spatial < 0 || params->spatial > 1)
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0,
                             "spatial %d out of range (0 or 1)",
                             params->spatial);
  look = looklab_look_new_shape (
      params->hidden, params->layers, tuning.activation,
      (tuning.skip ? LOOKLAB_PATH_LINEAR : 0u)
          | (tuning.curves ? LOOKLAB_PATH_CURVES : 0u),
      corr);
  if (look == NULL)
    return looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0, "out of memory");
  status = fit_global (look, before, after, mask, params, corr, steps, NULL,
                       n_threads, progress, user_data, diag);
  if (status == LOOKLAB_OK && params->spatial)
    {
      if (progress != NULL && progress (0.9, user_data) != 0)
        status = looklab_diag_set (diag, LOOKLAB_ERR_CANCELLED, 0, "cancelled");
      else
        {
          rd.before = before;
          rd.params = params;
          rd.corr = corr;
          rd.steps = steps;
          rd.n_threads = n_threads;
          status = looklab_look_fit_spatial (
              look, before, after, mask, n_threads, refit_global, &rd, diag);
        }
    }
  if (status != LOOKLAB_OK)
    {
      looklab_look_free (look);
      return status;
    }
  if (progress != NULL)
    progress (1.0, user_data);
  *out = look;
  return LOOKLAB_OK;
}
