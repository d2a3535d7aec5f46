/* The classic colour-transfer anchors of bench-match (issue 23).
 *
 * Reinhard et al. 2001 (l-alpha-beta statistics), exact per-channel
 * histogram matching and Pitie et al. 2007's iterative distribution
 * transfer: what G'MIC's "Transfer Colours" and Photoshop's "Match Color"
 * build on.  Written from the papers; see colour-transfer.h.
 */
#include "colour-transfer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double
clamp01 (double v)
{
  return v < 0.0 ? 0.0 : (v > 1.0 ? 1.0 : v);
}

static double
srgb_decode (double v)
{
  v = clamp01 (v);
  return v <= 0.04045 ? v / 12.92 : pow ((v + 0.055) / 1.055, 2.4);
}

static double
srgb_encode (double v)
{
  v = clamp01 (v);
  return v <= 0.0031308 ? 12.92 * v : 1.055 * pow (v, 1.0 / 2.4) - 0.055;
}

/* ---------------------------------------------------------------------- */
/* Reinhard et al. 2001. */

/* The paper's RGB to LMS matrix (its eq. 4, through XYZ) and its inverse
 * (eq. 9).  Its RGB is linear (the matrix goes through XYZ), so sRGB is
 * decoded first.  log10 of zero is taken at LOG_FLOOR: a little under the
 * smallest non-zero linear value of a 16-bit sRGB file (1/65535/12.92). */
static const double RGB2LMS[3][3] = { { 0.3811, 0.5783, 0.0402 },
                                      { 0.1967, 0.7244, 0.0782 },
                                      { 0.0241, 0.1288, 0.8444 } };
static const double LMS2RGB[3][3] = { { 4.4679, -3.5873, 0.1193 },
                                      { -1.2186, 2.3809, -0.1624 },
                                      { 0.0497, -0.2439, 1.2045 } };
#define LOG_FLOOR 1e-6

static void
rgb_to_lab_ruderman (const float *rgb, double lab[3])
{
  double lin[3], lms[3];

  for (int c = 0; c < 3; c++)
    lin[c] = srgb_decode (rgb[c]);
  for (int r = 0; r < 3; r++)
    {
      double v = RGB2LMS[r][0] * lin[0] + RGB2LMS[r][1] * lin[1]
                 + RGB2LMS[r][2] * lin[2];

      lms[r] = log10 (v > LOG_FLOOR ? v : LOG_FLOOR);
    }
  /* eq. 6 */
  lab[0] = (lms[0] + lms[1] + lms[2]) / sqrt (3.0);
  lab[1] = (lms[0] + lms[1] - 2.0 * lms[2]) / sqrt (6.0);
  lab[2] = (lms[0] - lms[1]) / sqrt (2.0);
}

static void
lab_ruderman_to_rgb (const double lab[3], float *rgb)
{
  double lms[3];
  double l = lab[0] / sqrt (3.0), a = lab[1] / sqrt (6.0),
         b = lab[2] / sqrt (2.0);

  /* eq. 8 */
  lms[0] = pow (10.0, l + a + b);
  lms[1] = pow (10.0, l + a - b);
  lms[2] = pow (10.0, l - 2.0 * a);
  for (int r = 0; r < 3; r++)
    rgb[r]
        = (float) srgb_encode (LMS2RGB[r][0] * lms[0] + LMS2RGB[r][1] * lms[1]
                               + LMS2RGB[r][2] * lms[2]);
}

static void
lab_stats (const float *rgb, size_t n, double mean[3], double sd[3])
{
  double s[3] = { 0 }, s2[3] = { 0 };

  for (size_t p = 0; p < n; p++)
    {
      double lab[3];

      rgb_to_lab_ruderman (rgb + 3 * p, lab);
      for (int c = 0; c < 3; c++)
        {
          s[c] += lab[c];
          s2[c] += lab[c] * lab[c];
        }
    }
  for (int c = 0; c < 3; c++)
    {
      double var;

      mean[c] = s[c] / (double) n;
      var = s2[c] / (double) n - mean[c] * mean[c];
      sd[c] = var > 0.0 ? sqrt (var) : 0.0;
    }
}

int
bench_transfer_reinhard (float *target, size_t n_target, const float *ref,
                         size_t n_ref)
{
  double mt[3], st[3], mr[3], sr[3], gain[3];

  if (n_target == 0 || n_ref == 0)
    return -1;
  lab_stats (target, n_target, mt, st);
  lab_stats (ref, n_ref, mr, sr);
  for (int c = 0; c < 3; c++)
    gain[c] = st[c] > 1e-12 ? sr[c] / st[c] : 1.0;
  for (size_t p = 0; p < n_target; p++)
    {
      double lab[3];

      rgb_to_lab_ruderman (target + 3 * p, lab);
      for (int c = 0; c < 3; c++)
        lab[c] = (lab[c] - mt[c]) * gain[c] + mr[c];
      lab_ruderman_to_rgb (lab, target + 3 * p);
    }
  return 0;
}

/* ---------------------------------------------------------------------- */
/* Exact histogram matching per channel. */

#define LEVELS 65536

static unsigned
to_level (float v)
{
  return (unsigned) lrint (clamp01 (v) * (LEVELS - 1));
}

int
bench_transfer_histogram (float *target, size_t n_target, const float *ref,
                          size_t n_ref)
{
  uint64_t *ht = NULL, *hr = NULL;
  float    *map = NULL;
  int       rc = -1;

  if (n_target == 0 || n_ref == 0)
    return -1;
  ht = malloc (LEVELS * sizeof *ht);
  hr = malloc (LEVELS * sizeof *hr);
  map = malloc (LEVELS * sizeof *map);
  if (ht == NULL || hr == NULL || map == NULL)
    goto out;
  for (int c = 0; c < 3; c++)
    {
      uint64_t below = 0, cum_r = 0;
      unsigned j = 0;

      memset (ht, 0, LEVELS * sizeof *ht);
      memset (hr, 0, LEVELS * sizeof *hr);
      for (size_t p = 0; p < n_target; p++)
        ht[to_level (target[3 * p + c])]++;
      for (size_t p = 0; p < n_ref; p++)
        hr[to_level (ref[3 * p + c])]++;
      /* A target level v with cumulative count "below" under it and h of
       * its own sits at quantile q = (below + h / 2) / n_target; its image
       * is the reference's sorted sample at fractional rank
       * q n_ref - 1/2, interpolated between neighbouring ranks.  q grows
       * with v, so the search in the reference only walks forwards. */
      cum_r = hr[0];
      for (unsigned v = 0; v < LEVELS; v++)
        {
          double   q, rank, frac;
          uint64_t k;
          unsigned lo, hi;

          if (ht[v] == 0)
            continue;
          q = (below + 0.5 * ht[v]) / (double) n_target;
          below += ht[v];
          rank = q * (double) n_ref - 0.5;
          if (rank < 0.0)
            rank = 0.0;
          if (rank > (double) (n_ref - 1))
            rank = (double) (n_ref - 1);
          k = (uint64_t) rank;
          frac = rank - (double) k;
          /* lo: level of sorted sample k; hi: of sample k + 1 */
          while (cum_r <= k && j + 1 < LEVELS)
            cum_r += hr[++j];
          lo = j;
          hi = j;
          if (k + 1 < n_ref && cum_r <= k + 1)
            {
              uint64_t c2 = cum_r;

              while (c2 <= k + 1 && hi + 1 < LEVELS)
                c2 += hr[++hi];
            }
          map[v] = (float) (((1.0 - frac) * lo + frac * hi) / (LEVELS - 1));
        }
      for (size_t p = 0; p < n_target; p++)
        target[3 * p + c] = map[to_level (target[3 * p + c])];
    }
  rc = 0;
out:
  free (ht);
  free (hr);
  free (map);
  return rc;
}

/* ---------------------------------------------------------------------- */
/* Pitie, Kokaram, Dahyot 2007: iterative distribution transfer. */

#define PITIE_BINS 300

static uint64_t
splitmix64 (uint64_t *s)
{
  uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);

  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

static double
gaussian (uint64_t *s)
{
  double u1 = ((splitmix64 (s) >> 11) + 0.5) / 9007199254740992.0;
  double u2 = ((splitmix64 (s) >> 11) + 0.5) / 9007199254740992.0;

  return sqrt (-2.0 * log (u1)) * cos (2.0 * M_PI * u2);
}

/* A uniformly random rotation: Gram-Schmidt on three Gaussian vectors
 * (rows of @r are the new axes). */
static void
random_rotation (uint64_t *s, double r[3][3])
{
  for (int i = 0; i < 3; i++)
    {
      double norm;

      do
        {
          for (int c = 0; c < 3; c++)
            r[i][c] = gaussian (s);
          for (int k = 0; k < i; k++)
            {
              double d
                  = r[i][0] * r[k][0] + r[i][1] * r[k][1] + r[i][2] * r[k][2];

              for (int c = 0; c < 3; c++)
                r[i][c] -= d * r[k][c];
            }
          norm = sqrt (r[i][0] * r[i][0] + r[i][1] * r[i][1]
                       + r[i][2] * r[i][2]);
        }
      while (norm < 1e-6);
      for (int c = 0; c < 3; c++)
        r[i][c] /= norm;
    }
}

/* The 1D transfer t of the distribution of @pt onto that of @pr (both
 * projections on one axis), sampled at the PITIE_BINS + 1 bin edges of
 * [lo, hi]: t (edge i) is where the reference's CDF reaches the target's
 * CDF at edge i, both CDFs piecewise linear over the bins. */
static void
transfer_1d (const float *pt, size_t nt, const float *pr, size_t nr, double lo,
             double hi, double *edge_out)
{
  double cdf_t[PITIE_BINS + 1] = { 0 }, cdf_r[PITIE_BINS + 1] = { 0 };
  double w = (hi - lo) / PITIE_BINS;
  int    j = 0;

  for (size_t p = 0; p < nt; p++)
    {
      int b = (int) ((pt[p] - lo) / w);

      cdf_t[1 + (b < 0 ? 0 : (b >= PITIE_BINS ? PITIE_BINS - 1 : b))] += 1.0;
    }
  for (size_t p = 0; p < nr; p++)
    {
      int b = (int) ((pr[p] - lo) / w);

      cdf_r[1 + (b < 0 ? 0 : (b >= PITIE_BINS ? PITIE_BINS - 1 : b))] += 1.0;
    }
  for (int i = 1; i <= PITIE_BINS; i++)
    {
      cdf_t[i] += cdf_t[i - 1];
      cdf_r[i] += cdf_r[i - 1];
    }
  for (int i = 0; i <= PITIE_BINS; i++)
    {
      cdf_t[i] /= (double) nt;
      cdf_r[i] /= (double) nr;
    }
  for (int i = 0; i <= PITIE_BINS; i++)
    {
      double c = cdf_t[i], frac = 0.0;

      while (j < PITIE_BINS && cdf_r[j + 1] < c)
        j++;
      if (j < PITIE_BINS && cdf_r[j + 1] > cdf_r[j])
        {
          frac = (c - cdf_r[j]) / (cdf_r[j + 1] - cdf_r[j]);
          frac = frac < 0.0 ? 0.0 : (frac > 1.0 ? 1.0 : frac);
        }
      edge_out[i] = lo + (j + frac) * w;
    }
}

int
bench_transfer_pitie (float *target, size_t n_target, const float *ref,
                      size_t n_ref, int iters, uint64_t seed)
{
  float   *pt = NULL, *pr = NULL, *disp = NULL;
  uint64_t s = seed;
  int      rc = -1;

  if (n_target == 0 || n_ref == 0 || iters < 0)
    return -1;
  pt = malloc (n_target * sizeof *pt);
  pr = malloc (n_ref * sizeof *pr);
  disp = calloc (n_target * 3, sizeof *disp);
  if (pt == NULL || pr == NULL || disp == NULL)
    goto out;
  for (int it = 0; it < iters; it++)
    {
      double r[3][3];

      random_rotation (&s, r);
      memset (disp, 0, n_target * 3 * sizeof *disp);
      for (int k = 0; k < 3; k++)
        {
          double edge[PITIE_BINS + 1];
          double lo = HUGE_VAL, hi = -HUGE_VAL, w;

          for (size_t p = 0; p < n_target; p++)
            {
              const float *x = target + 3 * p;

              pt[p]
                  = (float) (r[k][0] * x[0] + r[k][1] * x[1] + r[k][2] * x[2]);
              lo = fmin (lo, pt[p]);
              hi = fmax (hi, pt[p]);
            }
          for (size_t p = 0; p < n_ref; p++)
            {
              const float *y = ref + 3 * p;

              pr[p]
                  = (float) (r[k][0] * y[0] + r[k][1] * y[1] + r[k][2] * y[2]);
              lo = fmin (lo, pr[p]);
              hi = fmax (hi, pr[p]);
            }
          if (!(hi - lo > 1e-9))
            continue;
          /* a little room so that the largest value falls in the last bin */
          hi += 1e-6 * (hi - lo);
          transfer_1d (pt, n_target, pr, n_ref, lo, hi, edge);
          w = (hi - lo) / PITIE_BINS;
          for (size_t p = 0; p < n_target; p++)
            {
              double u = (pt[p] - lo) / w, f, d;
              int    b = (int) u;

              if (b >= PITIE_BINS)
                b = PITIE_BINS - 1;
              f = u - b;
              d = (1.0 - f) * edge[b] + f * edge[b + 1] - pt[p];
              for (int c = 0; c < 3; c++)
                disp[3 * p + c] += (float) (d * r[k][c]);
            }
        }
      /* x <- x + R^T (t (R x) - R x) */
      for (size_t i = 0; i < n_target * 3; i++)
        target[i] += disp[i];
    }
  for (size_t i = 0; i < n_target * 3; i++)
    target[i] = (float) clamp01 (target[i]);
  rc = 0;
out:
  free (pt);
  free (pr);
  free (disp);
  return rc;
}
