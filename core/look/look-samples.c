/* LookLab core: the distinct colours of a before/after pair.
 *
 * A 24 MP photo has far fewer distinct colours than pixels, and a global
 * look is a function of the colour alone, so the fit works on colours:
 * every usable pixel falls into the bin of its before colour on a grid^3
 * lattice, and each bin keeps the mean before and the mean after colour
 * and how many pixels it holds.  Averaging also removes much of the noise
 * and JPEG error of the after image.
 *
 * Sums are kept as integers (code values, or floats in 2^-24 fixed point),
 * so they are exact and do not depend on how the rows were split among
 * threads: the samples, and so the fitted look, are the same bytes for any
 * thread count.
 */
#include "look/look-private.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/parallel.h"

#define FIXED_ONE 16777216.0 /* 2^24: fixed-point unit of float images */
#define FLOAT_LIMIT 256.0f   /* larger floats are clamped (24M px still fit) */

typedef struct
{
  uint64_t n;
  int64_t  before[3];
  int64_t  after[3];
} Bin;

typedef struct
{
  const LookLabImageView *before;
  const LookLabImageView *after;
  const unsigned char    *mask;
  int                     grid;
  int                     first_row;
  int                     last_row;
  Bin                    *bins; /* grid^3, zeroed */
  int                     failed;
} CollectJob;

static double
unit_scale (LookLabPixelFormat format)
{
  switch (format)
    {
      case LOOKLAB_PIXEL_RGB_U8:
      case LOOKLAB_PIXEL_RGBA_U8: return 1.0 / 255.0;
      case LOOKLAB_PIXEL_RGB_U16:
      case LOOKLAB_PIXEL_RGBA_U16: return 1.0 / 65535.0;
      default: return 1.0 / FIXED_ONE;
    }
}

/* Converts row @y of @view into integer units (see unit_scale) and clears
 * @valid where alpha is 0 or a float is not finite. */
static void
read_row (const LookLabImageView *view, int y, int64_t *units,
          unsigned char *valid)
{
  const unsigned char *row
      = (const unsigned char *) view->pixels + (size_t) y * view->stride;
  int channels = looklab_pixel_format_channels (view->format);
  int x, c;

  for (x = 0; x < view->width; x++)
    {
      size_t o = (size_t) x * channels;

      switch (view->format)
        {
          case LOOKLAB_PIXEL_RGB_U8:
          case LOOKLAB_PIXEL_RGBA_U8:
            for (c = 0; c < 3; c++)
              units[x * 3 + c] = row[o + c];
            if (channels == 4 && row[o + 3] == 0)
              valid[x] = 0;
            break;
          case LOOKLAB_PIXEL_RGB_U16:
          case LOOKLAB_PIXEL_RGBA_U16:
            {
              uint16_t v[4];

              memcpy (v, row + o * 2, sizeof (uint16_t) * channels);
              for (c = 0; c < 3; c++)
                units[x * 3 + c] = v[c];
              if (channels == 4 && v[3] == 0)
                valid[x] = 0;
            }
            break;
          case LOOKLAB_PIXEL_RGB_FLOAT:
          case LOOKLAB_PIXEL_RGBA_FLOAT:
            {
              float v[4];

              memcpy (v, row + o * 4, sizeof (float) * channels);
              for (c = 0; c < 3; c++)
                {
                  float f = v[c];

                  if (!isfinite (f))
                    {
                      valid[x] = 0;
                      f = 0.0f;
                    }
                  if (f > FLOAT_LIMIT)
                    f = FLOAT_LIMIT;
                  if (f < -FLOAT_LIMIT)
                    f = -FLOAT_LIMIT;
                  units[x * 3 + c] = llrint ((double) f * FIXED_ONE);
                }
              if (channels == 4 && !(v[3] > 0.0f))
                valid[x] = 0;
            }
            break;
        }
    }
}

static void *
collect_worker (void *data)
{
  CollectJob    *job = data;
  int            w = job->before->width, grid = job->grid, x, y, c;
  int64_t       *ub = malloc (sizeof (int64_t) * 3 * (size_t) w);
  int64_t       *ua = malloc (sizeof (int64_t) * 3 * (size_t) w);
  unsigned char *valid = malloc ((size_t) w);
  double         scale = unit_scale (job->before->format) * grid;

  if (ub == NULL || ua == NULL || valid == NULL)
    {
      job->failed = 1;
      goto out;
    }
  for (y = job->first_row; y < job->last_row; y++)
    {
      if (job->mask != NULL)
        memcpy (valid, job->mask + (size_t) y * w, (size_t) w);
      else
        memset (valid, 1, (size_t) w);
      read_row (job->before, y, ub, valid);
      read_row (job->after, y, ua, valid);
      for (x = 0; x < w; x++)
        {
          size_t index = 0;
          Bin   *bin;

          if (valid[x] == 0)
            continue;
          for (c = 2; c >= 0; c--)
            {
              double v = (double) ub[x * 3 + c] * scale;
              int    q = v > 0.0 ? (int) v : 0;

              if (q > grid - 1)
                q = grid - 1;
              index = index * grid + q;
            }
          bin = job->bins + index;
          bin->n++;
          for (c = 0; c < 3; c++)
            {
              bin->before[c] += ub[x * 3 + c];
              bin->after[c] += ua[x * 3 + c];
            }
        }
    }
out:
  free (ub);
  free (ua);
  free (valid);
  return NULL;
}

void
looklab_samples_clear (LookLabSamples *samples)
{
  free (samples->x);
  free (samples->y);
  free (samples->count);
  memset (samples, 0, sizeof (*samples));
}

int
looklab_samples_collect (const LookLabImageView *before,
                         const LookLabImageView *after,
                         const unsigned char *mask, int grid, int n_threads,
                         LookLabSamples *samples, LookLabDiag *diag)
{
  enum
  {
    MAX_THREADS = 16
  };
  CollectJob jobs[MAX_THREADS];
  size_t     n_bins = (size_t) grid * grid * grid, i, n;
  double     sb = unit_scale (before->format), sa = unit_scale (after->format);
  int        t, status = LOOKLAB_OK, c;
  Bin       *merged;

  memset (samples, 0, sizeof (*samples));
  memset (jobs, 0, sizeof (jobs));
  if (n_threads > MAX_THREADS)
    n_threads = MAX_THREADS;
  if (n_threads > before->height)
    n_threads = before->height;
  if (n_threads < 1)
    n_threads = 1;

  for (t = 0; t < n_threads; t++)
    {
      jobs[t].before = before;
      jobs[t].after = after;
      jobs[t].mask = mask;
      jobs[t].grid = grid;
      jobs[t].first_row = (int) ((int64_t) before->height * t / n_threads);
      jobs[t].last_row = (int) ((int64_t) before->height * (t + 1) / n_threads);
      jobs[t].bins = calloc (n_bins, sizeof (Bin));
      if (jobs[t].bins == NULL)
        {
          status = looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0,
                                     "out of memory for colour bins");
          goto out;
        }
    }
  looklab_parallel_run (collect_worker, jobs, sizeof (CollectJob), n_threads);
  for (t = 0; t < n_threads; t++)
    if (jobs[t].failed)
      {
        status = looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0,
                                   "out of memory for image rows");
        goto out;
      }

  /* Integer sums: the order of this merge does not matter. */
  merged = jobs[0].bins;
  for (t = 1; t < n_threads; t++)
    for (i = 0; i < n_bins; i++)
      {
        merged[i].n += jobs[t].bins[i].n;
        for (c = 0; c < 3; c++)
          {
            merged[i].before[c] += jobs[t].bins[i].before[c];
            merged[i].after[c] += jobs[t].bins[i].after[c];
          }
      }
  n = 0;
  for (i = 0; i < n_bins; i++)
    if (merged[i].n > 0)
      n++;
  if (n == 0)
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_EMPTY, 0,
                                 "no usable pixels: every pixel is "
                                 "transparent or masked out");
      goto out;
    }
  samples->x = malloc (sizeof (float) * 3 * n);
  samples->y = malloc (sizeof (float) * 3 * n);
  samples->count = malloc (sizeof (double) * n);
  if (samples->x == NULL || samples->y == NULL || samples->count == NULL)
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0,
                                 "out of memory for %zu colours", n);
      goto out;
    }
  samples->n = n;
  n = 0;
  for (i = 0; i < n_bins; i++)
    {
      const Bin *bin = merged + i;

      if (bin->n == 0)
        continue;
      for (c = 0; c < 3; c++)
        {
          double xb = (double) bin->before[c] * sb / (double) bin->n;
          double ya = (double) bin->after[c] * sa / (double) bin->n;

          /* The look passes the part of an input beyond [0, 1] through
           * unchanged, so the target moves with the clamp. */
          double xc = xb < 0.0 ? 0.0 : xb > 1.0 ? 1.0 : xb;

          samples->x[n * 3 + c] = (float) xc;
          samples->y[n * 3 + c] = (float) (ya - (xb - xc));
        }
      samples->count[n] = (double) bin->n;
      samples->total += (double) bin->n;
      n++;
    }

out:
  for (t = 0; t < n_threads; t++)
    free (jobs[t].bins);
  if (status != LOOKLAB_OK)
    looklab_samples_clear (samples);
  return status;
}
