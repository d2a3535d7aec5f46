/* LookLab core: evaluating, baking and describing a learned look.
 *
 * A look maps a non-linear RGB colour x to
 *
 *   y = clamp (xc + f (2 xc - 1) + c (xc), 0, 1) + (x - xc),  xc = clamp (x, 0, 1)
 *
 * where f is the residual MLP (its output layer starts near zero, so an
 * untrained or identity look is exactly the identity) and c the optional
 * correction lattice (trilinear, zero where the pair had no samples).
 * Inputs outside [0, 1] (float images) keep their excess unchanged, so the
 * look never invents a wild extrapolation of colours it can not have seen.
 */
#include "look/look-private.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/parallel.h"
#include "look/look-spatial-private.h"

size_t
looklab_look_count_params (int hidden, int layers, unsigned paths)
{
  /* 3 -> h, (layers - 1) x h -> h, h -> 3; weights and biases. */
  return (size_t) (3 * hidden + hidden)
         + (size_t) (layers - 1) * (size_t) (hidden * hidden + hidden)
         + (size_t) (hidden * 3 + 3) + (paths & LOOKLAB_PATH_LINEAR ? 9 : 0)
         + (paths & LOOKLAB_PATH_CURVES ? 3 * LOOKLAB_LOOK_CURVE_KNOTS : 0);
}

unsigned
looklab_look_paths (const LookLabLook *look)
{
  return (look->skip ? LOOKLAB_PATH_LINEAR : 0u)
         | (look->curves ? LOOKLAB_PATH_CURVES : 0u);
}

LookLabLook *
looklab_look_new_shape (int hidden, int layers, int activation, unsigned paths,
                        int corr_size)
{
  LookLabLook *look = calloc (1, sizeof (LookLabLook));

  if (look == NULL)
    return NULL;
  look->hidden = hidden;
  look->layers = layers;
  look->activation = activation;
  look->skip = paths & LOOKLAB_PATH_LINEAR ? 1 : 0;
  look->curves = paths & LOOKLAB_PATH_CURVES ? 1 : 0;
  look->n_params = looklab_look_count_params (hidden, layers, paths);
  look->params = calloc (look->n_params, sizeof (float));
  look->corr_size = corr_size;
  if (corr_size > 0)
    look->corr = calloc ((size_t) corr_size * corr_size * corr_size * 3,
                         sizeof (float));
  if (look->params == NULL || (corr_size > 0 && look->corr == NULL))
    {
      looklab_look_free (look);
      return NULL;
    }
  return look;
}

/* A copy of @n floats of @src, or NULL (also when @src is NULL); sets
 * *@failed when memory is short. */
static float *
dup_floats (const float *src, size_t n, int *failed)
{
  float *dst;

  if (src == NULL || n == 0)
    return NULL;
  dst = malloc (n * sizeof (float));
  if (dst == NULL)
    *failed = 1;
  else
    memcpy (dst, src, n * sizeof (float));
  return dst;
}

LookLabLook *
looklab_look_copy (const LookLabLook *look)
{
  LookLabLook *copy = malloc (sizeof (LookLabLook));
  int          failed = 0;
  size_t nc = (size_t) look->corr_size * look->corr_size * look->corr_size * 3;

  if (copy == NULL)
    return NULL;
  *copy = *look;
  copy->params = dup_floats (look->params, look->n_params, &failed);
  copy->corr = dup_floats (look->corr, nc, &failed);
  copy->vig = dup_floats (look->vig, (size_t) look->vig_knots * 6, &failed);
  copy->fld = dup_floats (
      look->fld, (size_t) look->fld_knots * look->fld_knots * 3, &failed);
  copy->det = dup_floats (look->det, (size_t) look->det_knots, &failed);
  if (failed)
    {
      looklab_look_free (copy);
      return NULL;
    }
  return copy;
}

void
looklab_look_free (LookLabLook *look)
{
  if (look == NULL)
    return;
  free (look->params);
  free (look->corr);
  free (look->vig);
  free (look->fld);
  free (look->det);
  free (look);
}

/* Colours are evaluated MLP_BLOCK x MLP_CHAINS at a time: MLP_BLOCK lanes
 * of a GCC/clang vector (one SSE register, which every x86-64 has), and
 * MLP_CHAINS such vectors side by side so that consecutive multiply-adds
 * do not wait on each other (look-private.h has the vector tanh).  One colour at a time, every hidden unit's dot
 * product was one chain of dependent additions and the clamps in tanh were
 * branches: a 65^3 bake took 0.22 s on one core of the 2-core CI machine,
 * 0.06 s now (8 lanes per vector were slower there: without AVX they are
 * passed through memory).  Every lane does the scalar code's operations in
 * its order, so a look evaluates bit for bit as before
 * (tests/core/test-look.c, /look/eval-blocked, keeps the one-colour loop
 * as the reference). */
enum
{
  MLP_BLOCK = 4, /* lanes of a LookLabVec4 */
  MLP_CHAINS = 4
};
/* @m (1..MLP_BLOCK * MLP_CHAINS) colours from @in to @out; lanes past @m
 * repeat the last colour and are not written. */
static void
eval_mlp_block (const LookLabLook *look, const float *in, float *out, int m)
{
  LookLabVec4  u[3][MLP_CHAINS], s[MLP_CHAINS];
  LookLabVec4  a[LOOKLAB_LOOK_MAX_HIDDEN][MLP_CHAINS];
  LookLabVec4  b[LOOKLAB_LOOK_MAX_HIDDEN][MLP_CHAINS];
  const float *p = look->params;
  int          h = look->hidden;
  int          c, i, j, k, l;

  for (c = 0; c < MLP_CHAINS; c++)
    for (i = 0; i < MLP_BLOCK; i++)
      {
        int n = c * MLP_BLOCK + i;

        for (k = 0; k < 3; k++)
          u[k][c][i] = 2.0f * in[(n < m ? n : m - 1) * 3 + k] - 1.0f;
      }

  for (j = 0; j < h; j++)
    {
      for (c = 0; c < MLP_CHAINS; c++)
        s[c] = looklab_vec4_splat (p[h * 3 + j]);
      for (k = 0; k < 3; k++)
        for (c = 0; c < MLP_CHAINS; c++)
          s[c] += p[j * 3 + k] * u[k][c];
      for (c = 0; c < MLP_CHAINS; c++)
        a[j][c] = looklab_activate4 (look->activation, s[c]);
    }
  p += h * 3 + h;

  for (l = 1; l < look->layers; l++)
    {
      for (j = 0; j < h; j++)
        {
          for (c = 0; c < MLP_CHAINS; c++)
            s[c] = looklab_vec4_splat (p[h * h + j]);
          for (k = 0; k < h; k++)
            for (c = 0; c < MLP_CHAINS; c++)
              s[c] += p[j * h + k] * a[k][c];
          for (c = 0; c < MLP_CHAINS; c++)
            b[j][c] = looklab_activate4 (look->activation, s[c]);
        }
      memcpy (a, b, sizeof a[0] * (size_t) h);
      p += h * h + h;
    }

  for (j = 0; j < 3; j++)
    {
      for (c = 0; c < MLP_CHAINS; c++)
        s[c] = looklab_vec4_splat (p[3 * h + j]);
      for (k = 0; k < h; k++)
        for (c = 0; c < MLP_CHAINS; c++)
          s[c] += p[j * h + k] * a[k][c];
      if (look->skip)
        for (k = 0; k < 3; k++)
          for (c = 0; c < MLP_CHAINS; c++)
            s[c] += p[3 * h + 3 + j * 3 + k] * u[k][c];
      for (c = 0; c < MLP_CHAINS; c++)
        for (i = 0; i < MLP_BLOCK && c * MLP_BLOCK + i < m; i++)
          out[(c * MLP_BLOCK + i) * 3 + j] = s[c][i];
    }
  if (look->curves)
    {
      const float *knots
          = look->params + look->n_params - 3 * LOOKLAB_LOOK_CURVE_KNOTS;

      for (i = 0; i < m; i++)
        for (j = 0; j < 3; j++)
          out[i * 3 + j] += looklab_look_curve (
              knots + j * LOOKLAB_LOOK_CURVE_KNOTS, in[i * 3 + j]);
    }
}

void
looklab_look_eval_mlp (const LookLabLook *look, const float *in, float *out,
                       size_t n)
{
  const size_t block = MLP_BLOCK * MLP_CHAINS;
  size_t       i;

  for (i = 0; i < n; i += block)
    eval_mlp_block (look, in + i * 3, out + i * 3,
                    n - i < block ? (int) (n - i) : (int) block);
}

void
looklab_look_lattice_interp (const float *lattice, int size, const float rgb[3],
                             float out[3])
{
  float  f[3];
  int    i0[3], c, k;
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
  for (k = 0; k < 3; k++)
    out[k] = 0.0f;
  for (c = 0; c < 8; c++)
    {
      int   dr = c & 1, dg = (c >> 1) & 1, db = (c >> 2) & 1;
      float w = (dr ? f[0] : 1.0f - f[0]) * (dg ? f[1] : 1.0f - f[1])
                * (db ? f[2] : 1.0f - f[2]);
      const float *node
          = lattice
            + (((i0[2] + db) * s + (i0[1] + dg)) * s + (i0[0] + dr)) * 3;

      for (k = 0; k < 3; k++)
        out[k] += w * node[k];
    }
}

static inline float
clamp01 (float v)
{
  /* Also maps NaN to 0. */
  if (!(v > 0.0f))
    return 0.0f;
  return v < 1.0f ? v : 1.0f;
}

void
looklab_look_eval (const LookLabLook *look, const float *in, float *out,
                   size_t n)
{
  enum
  {
    CHUNK = 64
  };
  float  xc[CHUNK * 3], res[CHUNK * 3];
  size_t i0;

  for (i0 = 0; i0 < n; i0 += CHUNK)
    {
      size_t m = n - i0 < CHUNK ? n - i0 : CHUNK, i;
      int    k;

      for (i = 0; i < m * 3; i++)
        xc[i] = clamp01 (in[i0 * 3 + i]);
      looklab_look_eval_mlp (look, xc, res, m);
      if (look->corr_size > 0)
        for (i = 0; i < m; i++)
          {
            float c[3];

            looklab_look_lattice_interp (look->corr, look->corr_size,
                                         xc + i * 3, c);
            for (k = 0; k < 3; k++)
              res[i * 3 + k] += c[k];
          }
      for (i = 0; i < m * 3; i++)
        {
          float x = in[i0 * 3 + i];
          float excess = isfinite (x) ? x - xc[i] : 0.0f;

          out[i0 * 3 + i] = clamp01 (xc[i] + res[i]) + excess;
        }
    }
}

typedef struct
{
  const LookLabLook *look;
  LookLabLut        *lut;
  int                first_b;
  int                last_b;
} BakeJob;

static void *
bake_worker (void *data)
{
  BakeJob *job = data;
  int      size = job->lut->size, b, g, r;
  float   *row = malloc (sizeof (float) * 3 * (size_t) size);

  if (row == NULL)
    return job; /* non-NULL: failure */
  for (b = job->first_b; b < job->last_b; b++)
    for (g = 0; g < size; g++)
      {
        float *dst = job->lut->table + ((size_t) b * size + g) * size * 3;

        for (r = 0; r < size; r++)
          {
            row[r * 3 + 0] = (float) r / (float) (size - 1);
            row[r * 3 + 1] = (float) g / (float) (size - 1);
            row[r * 3 + 2] = (float) b / (float) (size - 1);
          }
        looklab_look_eval (job->look, row, dst, (size_t) size);
      }
  free (row);
  return NULL;
}

LookLabLut *
looklab_look_bake (const LookLabLook *look, int size, int n_threads)
{
  pthread_t   threads[64];
  BakeJob     jobs[64];
  int         started = 0, failed = 0, t, c;
  LookLabLut *lut;

  if (look == NULL || size < LOOKLAB_LUT_MIN_SIZE
      || size > LOOKLAB_LUT_MAX_SIZE)
    return NULL;
  lut = looklab_lut_new (size);
  if (lut == NULL)
    return NULL;
  for (c = 0; c < 3; c++)
    {
      lut->domain_min[c] = 0.0f;
      lut->domain_max[c] = 1.0f;
    }
  /* Applied, the baked look passes the excess through as the look does. */
  lut->keep_excess = 1;
  n_threads = looklab_parallel_threads (n_threads, size);

  /* Each thread fills whole blue slices: the result does not depend on the
   * thread count. */
  for (t = 0; t < n_threads; t++)
    {
      jobs[t].look = look;
      jobs[t].lut = lut;
      jobs[t].first_b = size * t / n_threads;
      jobs[t].last_b = size * (t + 1) / n_threads;
    }
  for (t = 1; t < n_threads; t++)
    {
      if (pthread_create (&threads[t], NULL, bake_worker, &jobs[t]) != 0)
        break;
      started = t;
    }
  /* Slices of threads that could not start are done here. */
  for (t = started + 1; t < n_threads; t++)
    if (bake_worker (&jobs[t]) != NULL)
      failed = 1;
  if (bake_worker (&jobs[0]) != NULL)
    failed = 1;
  for (t = 1; t <= started; t++)
    {
      void *ret = NULL;

      pthread_join (threads[t], &ret);
      if (ret != NULL)
        failed = 1;
    }
  if (failed)
    {
      looklab_lut_free (lut);
      return NULL;
    }
  return lut;
}

void
looklab_look_get_info (const LookLabLook *look, LookLabLookInfo *info)
{
  memset (info, 0, sizeof (*info));
  if (look == NULL)
    return;
  info->hidden = look->hidden;
  info->layers = look->layers;
  info->n_parameters = look->n_params;
  info->correction_size = look->corr_size;
  info->fit_mean_de00 = look->fit_mean_de00;
  info->fit_samples = look->fit_samples;
  info->file_version = look->fld_knots > 0               ? 4
                       : look->curves                    ? 3
                       : looklab_look_has_spatial (look) ? 2
                                                         : 1;
  info->curve_knots = look->curves ? LOOKLAB_LOOK_CURVE_KNOTS : 0;
  info->vignette_knots = look->vig_knots;
  info->vignette_proportion = look->vig_prop;
  if (look->vig_knots > 0)
    {
      int k = look->vig_knots, c;

      /* Clamped as the part is applied: a vignette that goes to black
       * has offsets below zero at the corners. */
      for (c = 0; c < 3; c++)
        {
          double z = 0.5 * look->vig[(k - 1) * 3 + c]
                     + look->vig[(2 * k - 1) * 3 + c];

          info->vignette_corner[c] = z < 0.0 ? 0.0 : z > 1.0 ? 1.0 : z;
        }
    }
  info->field_knots = look->fld_knots;
  if (look->fld_knots > 0)
    {
      static const float at[4][2]
          = { { 0.5f, 0.0f }, { 0.5f, 1.0f }, { 0.0f, 0.5f }, { 1.0f, 0.5f } };
      int e, c;

      for (e = 0; e < 4; e++)
        {
          float z[3] = { 0.5f, 0.5f, 0.5f };

          looklab_field_apply (look->fld, look->fld_knots, at[e][0], at[e][1],
                               z);
          for (c = 0; c < 3; c++)
            info->field_edges[e][c] = z[c] < 0.0f   ? 0.0
                                      : z[c] > 1.0f ? 1.0
                                                    : z[c];
        }
    }
  info->detail_knots = look->det_knots;
  info->detail_sigma = look->det_sigma;
  if (look->det_knots > 0)
    {
      int j;

      info->detail_gain_min = info->detail_gain_max = look->det[0];
      for (j = 1; j < look->det_knots; j++)
        {
          if (look->det[j] < info->detail_gain_min)
            info->detail_gain_min = look->det[j];
          if (look->det[j] > info->detail_gain_max)
            info->detail_gain_max = look->det[j];
        }
    }
}
