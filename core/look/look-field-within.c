/* LookLab core: the position field's gains, read where colour cannot
 * explain them (see look-field-within.h; look-spatial-fit.c tries the
 * field with them).
 *
 * A pair whose after is darker on one side than the other says so twice:
 * in what the global part makes of the colours found there, and in how
 * the same before colour comes out at different places.  Only the second
 * is free of the first fit's bias: fitted to the binned colours, the
 * global part takes a field as a colour change wherever colour and place
 * go together (a sky at the top, a lawn at the bottom), and fitting the
 * field over it and the global part again (backfitting) moves each by a
 * fraction of the way: on a left-to-right colour cast, held-out 3.88,
 * 3.43, 2.98 dE00 after 1, 2 and 4 rounds.  So the field's gains are
 * first read from the second alone: the log of the after, less its mean
 * over the pixels whose before colour falls in the same cell of a
 * FIELD_BINS^3 grid, regressed on the field's nodes less their mean over
 * those pixels (the within, or fixed-effects, estimator of panel data:
 * each colour cell's own level drops out, and with it the global part).
 * A field that only mends colours (the global part's error on a sky)
 * leaves that within-cell spread as it was on the other half of the
 * colours (colour_half (), look-spatial-pair.c), so the same regression scored there also
 * decides whether the pair has a field at all.
 */
#include "look/look-field-within.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/spd-solve.h"
#include "look/look-spatial-private.h"

#define FIELD_BINS 32
#define FIELD_SMOOTH 1e-3 /* the membrane's weight, per sample */

/* The colour cell of a clamped before colour. */
static inline uint32_t
colour_cell (const float *x)
{
  return (uint32_t) (x[0] * (FIELD_BINS - 0.001f))
         + FIELD_BINS
               * ((uint32_t) (x[1] * (FIELD_BINS - 0.001f))
                  + FIELD_BINS * (uint32_t) (x[2] * (FIELD_BINS - 0.001f)));
}

/* Every sample in @cells (s->n of them), sorted by colour cell and,
 * within a cell, by sample (a counting sort), so that either colour half
 * is a subsequence in the same order.  Returns 0, or -1 when memory is
 * short. */
int
looklab_field_cells (const LookLabSpatialPair *s, LookLabCellSample *cells)
{
  enum
  {
    NC = FIELD_BINS * FIELD_BINS * FIELD_BINS
  };
  uint32_t *start = calloc (NC + 1, sizeof (uint32_t));
  size_t    i;
  uint32_t  k;

  if (start == NULL)
    return -1;
  for (i = 0; i < s->n; i++)
    start[colour_cell (s->xc + i * 3) + 1]++;
  for (k = 0; k < NC; k++)
    start[k + 1] += start[k];
  for (i = 0; i < s->n; i++)
    {
      uint32_t key = colour_cell (s->xc + i * 3);

      cells[start[key]].key = key;
      cells[start[key]].i = (uint32_t) i;
      start[key]++;
    }
  free (start);
  return 0;
}

/* The field's nodes and weights at sample @i. */
static void
field_nodes (const LookLabSpatialPair *s, const LookLabRadial *rad, size_t i,
             int *id, double *w)
{
  float fs, ft, st, tt;
  int   ci, cj;

  looklab_field_st (rad, s->gx[i], s->gy[i], &st, &tt);
  ci = looklab_knot_pos (st, LOOKLAB_FIELD_KNOTS, &fs);
  cj = looklab_knot_pos (tt, LOOKLAB_FIELD_KNOTS, &ft);
  id[0] = cj * LOOKLAB_FIELD_KNOTS + ci;
  id[1] = id[0] + 1;
  id[2] = id[0] + LOOKLAB_FIELD_KNOTS;
  id[3] = id[0] + LOOKLAB_FIELD_KNOTS + 1;
  w[0] = (1.0 - fs) * (1.0 - ft);
  w[1] = fs * (1.0 - ft);
  w[2] = (1.0 - fs) * ft;
  w[3] = fs * ft;
}

/* Whether sample @i takes part in the within estimator of channel @c on
 * colour half @half (-1: both): its value in @y (the after, or the after
 * with the radial part divided out) must say something in log, and the
 * after itself must not be clipped. */
static inline int
within_usable (const LookLabSpatialPair *s, const float *y, uint32_t i, int c,
               int half)
{
  size_t k = (size_t) i * 3 + c;

  return (half < 0 || s->chalf[i] == half) && y[k] >= LOOKLAB_FIELD_LOG_FLOOR
         && !looklab_clipped (s->y[k]);
}

/* One pass of the within estimator over channel @c of @y (within_usable
 * ()) at the samples of @cells (looklab_field_cells ()) that are usable on
 * colour half @half.  With @a
 * and @b, adds the demeaned normal equations (NN x NN, and NN); with
 * @alpha, adds to *@sse0 and *@sse1 the within-cell spread of the log
 * after without and with the log gains @alpha.  Returns the number of
 * samples in cells of two or more. */
static size_t
within_pass (const LookLabSpatialPair *s, const float *y, int c, int half,
             const LookLabCellSample *cells, double *a, double *b,
             const double *alpha, double *sse0, double *sse1)
{
  enum
  {
    NN = LOOKLAB_FIELD_KNOTS * LOOKLAB_FIELD_KNOTS
  };
  LookLabRadial rad;
  double        mean_phi[NN];
  int           touched[NN];
  size_t        first, used = 0, n = s->n;

  looklab_radial_init (&rad, 1.0f, 0.0f, 0.0f, s->w, s->h);
  memset (mean_phi, 0, sizeof (mean_phi));
  for (first = 0; first < n;)
    {
      size_t last = first, k, m;
      int    n_touched = 0, p, q;
      double mean_l = 0.0, inv;

      m = 0;
      while (last < n && cells[last].key == cells[first].key)
        m += (size_t) within_usable (s, y, cells[last++].i, c, half);
      if (m < 2)
        {
          first = last;
          continue;
        }
      inv = 1.0 / (double) m;
      for (k = first; k < last; k++)
        {
          int    id[4];
          double w[4];

          if (!within_usable (s, y, cells[k].i, c, half))
            continue;
          field_nodes (s, &rad, cells[k].i, id, w);
          mean_l += log (y[cells[k].i * 3 + c]) * inv;
          for (p = 0; p < 4; p++)
            {
              if (mean_phi[id[p]] == 0.0 && w[p] != 0.0)
                touched[n_touched++] = id[p];
              mean_phi[id[p]] += w[p] * inv;
            }
        }
      for (k = first; k < last; k++)
        {
          int    id[4];
          double w[4], l;

          if (!within_usable (s, y, cells[k].i, c, half))
            continue;
          l = log (y[cells[k].i * 3 + c]) - mean_l;
          field_nodes (s, &rad, cells[k].i, id, w);
          if (a != NULL)
            for (p = 0; p < 4; p++)
              {
                b[id[p]] += w[p] * l;
                for (q = 0; q < 4; q++)
                  a[id[p] * NN + id[q]] += w[p] * w[q];
              }
          if (alpha != NULL)
            {
              double pred = 0.0;

              for (p = 0; p < 4; p++)
                pred += w[p] * alpha[id[p]];
              for (p = 0; p < n_touched; p++)
                pred -= mean_phi[touched[p]] * alpha[touched[p]];
              *sse0 += l * l;
              *sse1 += (l - pred) * (l - pred);
            }
        }
      if (a != NULL)
        /* Less m times the outer product of the mean: what demeaning the
         * nodes does to the normal equations (b needs nothing, as l is
         * demeaned already). */
        for (p = 0; p < n_touched; p++)
          for (q = 0; q < n_touched; q++)
            a[touched[p] * NN + touched[q]]
                -= (double) m * mean_phi[touched[p]] * mean_phi[touched[q]];
      for (p = 0; p < n_touched; p++)
        mean_phi[touched[p]] = 0.0;
      used += m;
      first = last;
    }
  return used;
}

/* The field's log gains (NN per channel, in @alpha, 0 at the centre node)
 * by the within estimator of @y on colour half @half (-1: both) of
 * @cells.
 * Returns 0, or -1 when too few samples share a cell or memory is
 * short. */
int
looklab_field_within_fit (const LookLabSpatialPair *s, const float *y, int half,
                          const LookLabCellSample *cells, double *alpha)
{
  enum
  {
    K = LOOKLAB_FIELD_KNOTS,
    NN = LOOKLAB_FIELD_KNOTS * LOOKLAB_FIELD_KNOTS
  };
  double *a = malloc (sizeof (double) * NN * NN), b[NN];
  int     c, j, status = 0;

  if (a == NULL)
    return -1;
  for (c = 0; c < 3 && status == 0; c++)
    {
      size_t used;

      memset (a, 0, sizeof (double) * NN * NN);
      memset (b, 0, sizeof (b));
      used = within_pass (s, y, c, half, cells, a, b, NULL, NULL, NULL);
      if (used < 16 * NN)
        {
          status = -1;
          break;
        }
      for (j = 0; j < NN * NN; j++)
        a[j] /= (double) used;
      for (j = 0; j < NN; j++)
        {
          int r = j / K, q = j % K, e;
          int nb[2] = { q + 1 < K ? j + 1 : -1, r + 1 < K ? j + K : -1 };

          b[j] /= (double) used;
          for (e = 0; e < 2; e++)
            if (nb[e] >= 0)
              {
                a[j * NN + j] += FIELD_SMOOTH;
                a[nb[e] * NN + nb[e]] += FIELD_SMOOTH;
                a[j * NN + nb[e]] -= FIELD_SMOOTH;
                a[nb[e] * NN + j] -= FIELD_SMOOTH;
              }
          a[j * NN + j] += 1e-6;
        }
      if (looklab_solve_spd (a, b, NN) != 0)
        {
          status = -1;
          break;
        }
      for (j = 0; j < NN; j++)
        alpha[c * NN + j] = b[j] - b[(K / 2) * K + K / 2];
    }
  free (a);
  return status;
}

void
looklab_field_within_spread (const LookLabSpatialPair *s, const float *y,
                             int half, const LookLabCellSample *cells,
                             const double *alpha, double *sse0, double *sse1)
{
  int c;

  for (c = 0; c < 3; c++)
    within_pass (s, y, c, half, cells, NULL, NULL,
                 alpha + c * LOOKLAB_FIELD_KNOTS * LOOKLAB_FIELD_KNOTS, sse0,
                 sse1);
}
