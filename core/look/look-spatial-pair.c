/* LookLab core: the pair the spatial fit works on (see
 * look-spatial-pair.h).
 *
 * The pair is sampled (one pixel per block of a grid, at most about
 * SAMPLE_BUDGET), the pixels split into a checkerboard of blocks of 1/32
 * of the diagonal (one half fits a part, the other scores it) and into two
 * halves of the colours (colour_half ()). */
#include "look/look-spatial-pair.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/colour.h"
#include "common/parallel.h"
#include "look/look-spatial-private.h"

#define SAMPLE_BUDGET ((size_t) 1 << 18)

void
looklab_spatial_pair_clear (LookLabSpatialPair *s)
{
  free (s->gx);
  free (s->gy);
  free (s->cell);
  free (s->held);
  free (s->chalf);
  free (s->xc);
  free (s->y);
  free (s->g);
  free (s->p);
  free (s->lab);
  free (s->grid);
  free (s->bl);
  memset (s, 0, sizeof (*s));
}

/* Which half a before colour falls in, by a hash of its cell in a 16^3
 * grid.  The position field is read off one half and judged on the other
 * (try_field ()): a checkerboard of pixel blocks would not do, as
 * whatever the pair does to one region's colours (a sky's blues, which
 * sit at the top) shows in the blocks beside those it was read from. */
static char
colour_half (const float *xc)
{
  uint32_t q = (uint32_t) (xc[0] * 15.999f) | (uint32_t) (xc[1] * 15.999f) << 4
               | (uint32_t) (xc[2] * 15.999f) << 8;

  q *= 0x9e3779b1u;
  q ^= q >> 15;
  q *= 0x85ebca77u;
  q ^= q >> 13;
  return (char) (q & 1u);
}

int
looklab_spatial_pair_collect (LookLabSpatialPair     *s,
                              const LookLabImageView *before,
                              const LookLabImageView *after,
                              const unsigned char    *mask)
{
  int    w = before->width, h = before->height, x, y, block;
  size_t total = (size_t) w * h, i, ng;
  float *row_b = NULL, *row_a = NULL;
  double diag_px = sqrt ((double) w * w + (double) h * h);

  s->w = w;
  s->h = h;
  s->step = (int) ceil (sqrt ((double) total / (double) SAMPLE_BUDGET));
  if (s->step < 1)
    s->step = 1;
  s->gw = (w + s->step - 1) / s->step;
  s->gh = (h + s->step - 1) / s->step;
  ng = (size_t) s->gw * s->gh;
  block = (int) (diag_px / 32.0);
  if (block < 4)
    block = 4;
  s->gx = malloc (sizeof (int) * ng);
  s->gy = malloc (sizeof (int) * ng);
  s->cell = malloc (sizeof (int) * ng);
  s->held = malloc (ng);
  s->chalf = malloc (ng);
  s->xc = malloc (sizeof (float) * 3 * ng);
  s->y = malloc (sizeof (float) * 3 * ng);
  s->g = malloc (sizeof (float) * 3 * ng);
  s->p = malloc (sizeof (float) * 3 * ng);
  s->lab = malloc (sizeof (double) * 3 * ng);
  s->grid = calloc (3 * ng, sizeof (float));
  s->bl = malloc (sizeof (float) * 3 * ng);
  row_b = malloc (sizeof (float) * 3 * (size_t) w);
  row_a = malloc (sizeof (float) * 3 * (size_t) w);
  if (s->gx == NULL || s->gy == NULL || s->cell == NULL || s->held == NULL
      || s->chalf == NULL || s->xc == NULL || s->y == NULL || s->g == NULL
      || s->p == NULL || s->lab == NULL || s->grid == NULL || s->bl == NULL
      || row_b == NULL || row_a == NULL)
    {
      free (row_b);
      free (row_a);
      return LOOKLAB_ERR_NOMEM;
    }
  s->n = 0;
  for (y = 0; y < h; y++)
    {
      int gyy = y / s->step, sy = gyy * s->step + s->step / 2;

      if (sy >= h)
        sy = (gyy * s->step + h) / 2;
      looklab_spatial_read_row (before, y, row_b);
      for (x = 0; x < w; x++)
        {
          size_t cidx = (size_t) gyy * s->gw + (size_t) (x / s->step);
          int    c;

          for (c = 0; c < 3; c++)
            s->grid[cidx * 3 + c]
                += looklab_clamp01 (row_b[(size_t) x * 3 + c]);
        }
      if (y != sy)
        continue;
      looklab_spatial_read_row (after, y, row_a);
      for (x = 0; x < w; x++)
        {
          int gxx = x / s->step, sx = gxx * s->step + s->step / 2, c;

          if (sx >= w)
            sx = (gxx * s->step + w) / 2;
          if (x != sx)
            continue;
          if (looklab_spatial_read_alpha (before, x, y) <= 0.0f
              || looklab_spatial_read_alpha (after, x, y) <= 0.0f
              || (mask != NULL && mask[(size_t) y * w + x] == 0))
            continue;
          i = s->n++;
          s->gx[i] = x;
          s->gy[i] = y;
          s->cell[i] = gyy * s->gw + gxx;
          s->held[i] = (char) (((x / block) + (y / block)) & 1);
          for (c = 0; c < 3; c++)
            {
              float a = row_a[(size_t) x * 3 + c];

              s->xc[i * 3 + c] = looklab_clamp01 (row_b[(size_t) x * 3 + c]);
              s->y[i * 3 + c] = isfinite (a) ? looklab_clamp01 (a) : 0.0f;
            }
          s->chalf[i] = colour_half (s->xc + i * 3);
        }
    }
  for (i = 0; i < s->n; i++)
    looklab_srgb_to_lab (s->y + i * 3, s->lab + i * 3);
  /* Block sums to means. */
  for (i = 0; i < ng; i++)
    {
      int    gxx = (int) (i % s->gw), gyy = (int) (i / s->gw);
      int    bw = (gxx + 1) * s->step > w ? w - gxx * s->step : s->step;
      int    bh = (gyy + 1) * s->step > h ? h - gyy * s->step : s->step;
      double inv = 1.0 / ((double) bw * bh);
      int    c;

      for (c = 0; c < 3; c++)
        s->grid[i * 3 + c] = (float) (s->grid[i * 3 + c] * inv);
    }
  free (row_b);
  free (row_a);
  return s->n > 0 ? LOOKLAB_OK : LOOKLAB_ERR_EMPTY;
}

typedef struct
{
  const LookLabLook *look;
  const float       *in;
  float             *out;
  size_t             n;
} EvalJob;

static void *
eval_worker (void *data)
{
  EvalJob *job = data;

  looklab_look_eval (job->look, job->in, job->out, job->n);
  return NULL;
}

void
looklab_spatial_eval (const LookLabLook *look, const float *in, float *out,
                      size_t n, int n_threads)
{
  EvalJob jobs[LOOKLAB_MAX_THREADS];
  int     t;

  n_threads = looklab_parallel_threads (n_threads, 0);
  for (t = 0; t < n_threads; t++)
    {
      size_t a = n * t / n_threads, b = n * (t + 1) / n_threads;

      jobs[t].look = look;
      jobs[t].in = in + a * 3;
      jobs[t].out = out + a * 3;
      jobs[t].n = b - a;
    }
  looklab_parallel_run (eval_worker, jobs, sizeof (EvalJob), n_threads);
}

/* CIEDE2000 of sample @i's prediction (clamped) against its after. */
static double
sample_de (const LookLabSpatialPair *s, const float *pred, size_t i)
{
  float  q[3];
  double la[3];
  int    c;

  for (c = 0; c < 3; c++)
    q[c] = looklab_clamp01 (pred[i * 3 + c]);
  looklab_srgb_to_lab (q, la);
  return looklab_ciede2000 (la, s->lab + i * 3);
}

typedef struct
{
  const LookLabSpatialPair *s;
  const float              *pred;
  int                       held;
  size_t                    first, last;
  double                   *de; /* one a sample */
} ScoreJob;

static void *
score_worker (void *data)
{
  ScoreJob *job = data;
  size_t    i;

  for (i = job->first; i < job->last; i++)
    if (job->held < 0 || job->s->held[i] == job->held)
      job->de[i] = sample_de (job->s, job->pred, i);
  return NULL;
}

/* Mean CIEDE2000 of @pred against the after colours over the held-out
 * (@held 1) or fitting (0) samples, @pred clamped.  The differences are
 * computed on @n_threads threads and summed in the samples' order, so the
 * mean is the same to the last bit for any thread count. */
double
looklab_spatial_pair_score (const LookLabSpatialPair *s, const float *pred,
                            int held, int n_threads)
{
  ScoreJob jobs[LOOKLAB_MAX_THREADS];
  double  *de = malloc (sizeof (double) * (s->n > 0 ? s->n : 1));
  double   sum = 0.0;
  size_t   i, n = 0;
  int      t;

  if (de == NULL)
    {
      /* Out of memory: the same sum, on this thread. */
      for (i = 0; i < s->n; i++)
        if (held < 0 || s->held[i] == held)
          {
            sum += sample_de (s, pred, i);
            n++;
          }
      return n > 0 ? sum / (double) n : 0.0;
    }
  n_threads = looklab_parallel_threads (n_threads, 0);
  for (t = 0; t < n_threads; t++)
    {
      jobs[t].s = s;
      jobs[t].pred = pred;
      jobs[t].held = held;
      jobs[t].first = s->n * t / n_threads;
      jobs[t].last = s->n * (t + 1) / n_threads;
      jobs[t].de = de;
    }
  looklab_parallel_run (score_worker, jobs, sizeof (ScoreJob), n_threads);
  for (i = 0; i < s->n; i++)
    {
      if (held >= 0 && s->held[i] != held)
        continue;
      sum += de[i];
      n++;
    }
  free (de);
  return n > 0 ? sum / (double) n : 0.0;
}

double
looklab_spatial_pair_sse (const LookLabSpatialPair *s, const float *pred,
                          int held)
{
  double sum = 0.0;
  size_t i, n = 0;
  int    c;

  for (i = 0; i < s->n; i++)
    {
      if (s->held[i] != held)
        continue;
      for (c = 0; c < 3; c++)
        {
          double d = looklab_clamp01 (pred[i * 3 + c]) - s->y[i * 3 + c];

          sum += d * d;
        }
      n++;
    }
  return n > 0 ? sum / (double) n : 0.0;
}
