/* bench/: baseline (b), G'MIC's "CLUT from After - Before Layers".
 *
 * A reimplementation, written from a reading of G'MIC's own script (no code
 * copied): `fx_clut_from_ab`, `inpaint_pde` and `map_clut` in
 * src/gmic_stdlib.gmic of https://github.com/dtschump/gmic (commit 7634ad2,
 * July 2021; Debian 13 ships G'MIC 2.9.4 of the same family).  What that
 * script does, and what is done here:
 *
 *  1. A 64^3 grid of RGB sums and counts; every before pixel B (0..255)
 *     adds its after colour to the bin round (B * 63 / 255).  Bins are
 *     averaged; the empty ones are the mask to inpaint.
 *  2. `inpaint_pde [mask],75%,1`: multiscale.  round (0.75 * log2 (64)) = 5
 *     scales, grids of 4, 8, 16, 32 and 64; at each, the known bins of the
 *     full grid are averaged into the coarse grid (index round (x * (M-1) /
 *     63)).  The coarsest grid is filled by propagating known values
 *     outwards (G'MIC: a watershed ordered by distance; here a breadth-first
 *     flood, which is the same nearest-known fill up to ties); each finer
 *     grid starts from the coarser result resized linearly, then runs 20
 *     iterations of the "delaunay-guided" diffusion with the known bins
 *     held fixed: each bin becomes the mean of the field read (tricubic) one
 *     voxel forward and one voxel back along the unit gradient of the
 *     distance to the known bins.
 *  3. `distance 0`: d = Euclidean distance (in voxels) from each bin to the
 *     nearest bin that had samples; f = exp (-d / (1 + influence)), with
 *     influence = 50 by default, and each bin becomes
 *     f * inpainted + (1 - f) * identity.  Values are clipped to 0..255.
 *  4. `map_clut`: colours are divided by 256 / 64 and the grid is read with
 *     linear interpolation and Neumann borders.  (Note: that maps 255 to
 *     63.75, not 63, so bin centres and lookup positions differ by up to
 *     0.75 bin; G'MIC does so, so this does too.)
 */
#include "baselines.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CLUT_N 64
#define CLUT_VOXELS (CLUT_N * CLUT_N * CLUT_N)

/* inpaint_pde's default: max (5, 20) diffusion iterations per scale. */
#define CLUT_DIFFUSION_ITER 20

struct _BenchClut
{
  float *table; /* CLUT_VOXELS * 3, 0..255, red fastest */
};

static inline size_t
vox (int x, int y, int z, int m)
{
  return ((size_t) z * m + y) * m + x;
}

static inline int
clampi (int v, int lo, int hi)
{
  return v < lo ? lo : (v > hi ? hi : v);
}

/* Nearest-known fill of an m^3 grid by a multi-source breadth-first flood:
 * every unknown voxel takes the value of the known voxel its wave came
 * from. */
static int
flood_fill (float *val, unsigned char *known, int m)
{
  size_t           n = (size_t) m * m * m;
  size_t          *queue = malloc (n * sizeof (size_t));
  size_t           head = 0, tail = 0;
  static const int dirs[6][3] = { { 1, 0, 0 },  { -1, 0, 0 }, { 0, 1, 0 },
                                  { 0, -1, 0 }, { 0, 0, 1 },  { 0, 0, -1 } };

  if (queue == NULL)
    return -1;
  for (size_t i = 0; i < n; i++)
    if (known[i])
      queue[tail++] = i;
  while (head < tail)
    {
      size_t i = queue[head++];
      int    x = (int) (i % m), y = (int) ((i / m) % m), z = (int) (i / m / m);

      for (int d = 0; d < 6; d++)
        {
          int    nx = x + dirs[d][0], ny = y + dirs[d][1], nz = z + dirs[d][2];
          size_t j;

          if (nx < 0 || ny < 0 || nz < 0 || nx >= m || ny >= m || nz >= m)
            continue;
          j = vox (nx, ny, nz, m);
          if (known[j])
            continue;
          known[j] = 2; /* filled, not a sample */
          memcpy (val + 3 * j, val + 3 * i, 3 * sizeof (float));
          queue[tail++] = j;
        }
    }
  free (queue);
  return 0;
}

/* Trilinear resize of an mp^3 grid to m^3, corners aligned (CImg's linear
 * resize without centring). */
static void
upsample (const float *src, int mp, float *dst, int m)
{
  double s = (m > 1) ? (double) (mp - 1) / (m - 1) : 0.0;

  for (int z = 0; z < m; z++)
    for (int y = 0; y < m; y++)
      for (int x = 0; x < m; x++)
        {
          double fx = x * s, fy = y * s, fz = z * s;
          int    x0 = (int) fx, y0 = (int) fy, z0 = (int) fz;
          int    x1 = x0 + 1 < mp ? x0 + 1 : x0;
          int    y1 = y0 + 1 < mp ? y0 + 1 : y0;
          int    z1 = z0 + 1 < mp ? z0 + 1 : z0;
          double ax = fx - x0, ay = fy - y0, az = fz - z0;

          for (int c = 0; c < 3; c++)
            {
              double c00 = src[3 * vox (x0, y0, z0, mp) + c] * (1 - ax)
                           + src[3 * vox (x1, y0, z0, mp) + c] * ax;
              double c10 = src[3 * vox (x0, y1, z0, mp) + c] * (1 - ax)
                           + src[3 * vox (x1, y1, z0, mp) + c] * ax;
              double c01 = src[3 * vox (x0, y0, z1, mp) + c] * (1 - ax)
                           + src[3 * vox (x1, y0, z1, mp) + c] * ax;
              double c11 = src[3 * vox (x0, y1, z1, mp) + c] * (1 - ax)
                           + src[3 * vox (x1, y1, z1, mp) + c] * ax;
              double c0 = c00 * (1 - ay) + c10 * ay;
              double c1 = c01 * (1 - ay) + c11 * ay;

              dst[3 * vox (x, y, z, m) + c] = (float) (c0 * (1 - az) + c1 * az);
            }
        }
}

/* Catmull-Rom weights of the four taps around fractional offset @t. */
static inline void
cubic_weights (double t, double w[4])
{
  double t2 = t * t, t3 = t2 * t;

  w[0] = 0.5 * (-t3 + 2 * t2 - t);
  w[1] = 0.5 * (3 * t3 - 5 * t2 + 2);
  w[2] = 0.5 * (-3 * t3 + 4 * t2 + t);
  w[3] = 0.5 * (t3 - t2);
}

/* Tricubic read of channel-interleaved @src (m^3 x 3) at (x, y, z) with
 * Neumann borders (indices clamped), as CImg's cubic warp does. */
static void
cubic_at (const float *src, int m, double x, double y, double z, double out[3])
{
  int    ix = (int) floor (x), iy = (int) floor (y), iz = (int) floor (z);
  double wx[4], wy[4], wz[4];

  cubic_weights (x - ix, wx);
  cubic_weights (y - iy, wy);
  cubic_weights (z - iz, wz);
  out[0] = out[1] = out[2] = 0.0;
  for (int c = 0; c < 4; c++)
    {
      int zz = clampi (iz - 1 + c, 0, m - 1);

      for (int b = 0; b < 4; b++)
        {
          int    yy = clampi (iy - 1 + b, 0, m - 1);
          double wyz = wy[b] * wz[c];

          for (int a = 0; a < 4; a++)
            {
              const float *v
                  = src + 3 * vox (clampi (ix - 1 + a, 0, m - 1), yy, zz, m);
              double w = wx[a] * wyz;

              out[0] += w * v[0];
              out[1] += w * v[1];
              out[2] += w * v[2];
            }
        }
    }
}

static void distance_to_samples (const unsigned char *sampled, int m,
                                 double *dist);

/* G'MIC's "delaunay-guided" diffusion (inpaint_pde type 1): the unit
 * gradient g of the distance to the known voxels is computed once (one-
 * sided differences, the larger in magnitude), then each iteration sets
 * the known voxels and replaces every voxel by the mean of the field read
 * (tricubic) at x + g and x - g: a diffusion along the rays leaving the
 * samples.  Returns 0 or -1. */
static int
guided_diffusion (float *val, const unsigned char *known, int m, int n_iter)
{
  size_t  n = (size_t) m * m * m;
  double *dist = malloc (n * sizeof (double));
  float  *g = malloc (n * 3 * sizeof (float));
  float  *next = malloc (n * 3 * sizeof (float));
  int     ok = 0;

  if (dist == NULL || g == NULL || next == NULL)
    goto out;
  distance_to_samples (known, m, dist);
  for (int z = 0; z < m; z++)
    for (int y = 0; y < m; y++)
      for (int x = 0; x < m; x++)
        {
          size_t i = vox (x, y, z, m);
          double d = dist[i], gv[3], len;
          int    p[3] = { x, y, z };

          for (int a = 0; a < 3; a++)
            {
              int    q[3] = { x, y, z };
              double fwd, bwd;

              q[a] = p[a] + 1 < m ? p[a] + 1 : p[a];
              fwd = dist[vox (q[0], q[1], q[2], m)] - d;
              q[a] = p[a] > 0 ? p[a] - 1 : p[a];
              bwd = d - dist[vox (q[0], q[1], q[2], m)];
              gv[a] = fabs (fwd) > fabs (bwd) ? fwd : bwd;
            }
          len = sqrt (gv[0] * gv[0] + gv[1] * gv[1] + gv[2] * gv[2]);
          for (int a = 0; a < 3; a++)
            g[3 * i + a] = len > 0 ? (float) (gv[a] / len) : 0.0f;
        }

  for (int it = 0; it < n_iter; it++)
    {
      for (int z = 0; z < m; z++)
        for (int y = 0; y < m; y++)
          for (int x = 0; x < m; x++)
            {
              size_t i = vox (x, y, z, m);
              double a[3], b[3];

              cubic_at (val, m, x + g[3 * i], y + g[3 * i + 1],
                        z + g[3 * i + 2], a);
              cubic_at (val, m, x - g[3 * i], y - g[3 * i + 1],
                        z - g[3 * i + 2], b);
              for (int c = 0; c < 3; c++)
                next[3 * i + c] = (float) (0.5 * (a[c] + b[c]));
            }
      /* known voxels keep their samples (G'MIC redraws them each time) */
      for (size_t i = 0; i < n; i++)
        if (!known[i])
          memcpy (val + 3 * i, next + 3 * i, 3 * sizeof (float));
    }
  ok = 1;

out:
  free (dist);
  free (g);
  free (next);
  return ok ? 0 : -1;
}

/* One-dimensional squared Euclidean distance transform of f (n samples,
 * 0 or "infinity"), after Felzenszwalb & Huttenlocher, "Distance Transforms
 * of Sampled Functions" (2012): the lower envelope of parabolas. */
static void
edt_1d (const double *f, double *d, int n, int *v, double *z)
{
  int k = 0;

  v[0] = 0;
  z[0] = -HUGE_VAL;
  z[1] = HUGE_VAL;
  for (int q = 1; q < n; q++)
    {
      double s;

      for (;;)
        {
          s = ((f[q] + (double) q * q) - (f[v[k]] + (double) v[k] * v[k]))
              / (2.0 * q - 2.0 * v[k]);
          if (s <= z[k] && k > 0)
            k--;
          else
            break;
        }
      if (s <= z[k])
        {
          /* k == 0 and the new parabola is lower everywhere */
          v[0] = q;
          z[0] = -HUGE_VAL;
          z[1] = HUGE_VAL;
          continue;
        }
      k++;
      v[k] = q;
      z[k] = s;
      z[k + 1] = HUGE_VAL;
    }
  k = 0;
  for (int q = 0; q < n; q++)
    {
      while (z[k + 1] < q)
        k++;
      d[q] = (double) (q - v[k]) * (q - v[k]) + f[v[k]];
    }
}

/* Euclidean distance (voxels) from every voxel of an m^3 grid to the
 * nearest sampled one, by three separable passes of edt_1d. */
static void
distance_to_samples (const unsigned char *sampled, int m, double *dist)
{
  const double inf = 1e20;
  size_t       n = (size_t) m * m * m;
  double       f[CLUT_N], d[CLUT_N], z[CLUT_N + 1];
  int          v[CLUT_N];

  for (size_t i = 0; i < n; i++)
    dist[i] = sampled[i] ? 0.0 : inf;
  for (int axis = 0; axis < 3; axis++)
    {
      size_t step = axis == 0 ? 1 : (axis == 1 ? (size_t) m : (size_t) m * m);

      for (int a = 0; a < m; a++)
        for (int b = 0; b < m; b++)
          {
            size_t base;

            if (axis == 0)
              base = vox (0, a, b, m);
            else if (axis == 1)
              base = vox (a, 0, b, m);
            else
              base = vox (a, b, 0, m);
            for (int q = 0; q < m; q++)
              f[q] = dist[base + q * step];
            edt_1d (f, d, m, v, z);
            for (int q = 0; q < m; q++)
              dist[base + q * step] = d[q];
          }
    }
  for (size_t i = 0; i < n; i++)
    dist[i] = sqrt (dist[i]);
}

BenchClut *
bench_clut_fit (const float *before, const float *after, size_t n,
                double influence)
{
  BenchClut     *clut = NULL;
  double        *sum = NULL, *dist = NULL;
  unsigned      *count = NULL;
  unsigned char *sampled = NULL, *known = NULL;
  float         *level = NULL, *prev = NULL;
  int            prev_m = 0;
  const int      n_scales = 5; /* round (0.75 * ceil (log2 (64))) */
  int            ok = 0;

  if (n == 0)
    return NULL;
  clut = calloc (1, sizeof (BenchClut));
  sum = calloc ((size_t) CLUT_VOXELS * 3, sizeof (double));
  count = calloc (CLUT_VOXELS, sizeof (unsigned));
  sampled = calloc (CLUT_VOXELS, 1);
  known = calloc (CLUT_VOXELS, 1);
  dist = malloc (CLUT_VOXELS * sizeof (double));
  if (clut == NULL || sum == NULL || count == NULL || sampled == NULL
      || known == NULL || dist == NULL)
    goto out;

  /* 1. Bin the samples: index round (B * 63 / 255), B in 0..255. */
  for (size_t p = 0; p < n; p++)
    {
      int r
          = clampi ((int) lrint (before[3 * p] * (CLUT_N - 1)), 0, CLUT_N - 1);
      int    g = clampi ((int) lrint (before[3 * p + 1] * (CLUT_N - 1)), 0,
                         CLUT_N - 1);
      int    b = clampi ((int) lrint (before[3 * p + 2] * (CLUT_N - 1)), 0,
                         CLUT_N - 1);
      size_t i = vox (r, g, b, CLUT_N);

      for (int c = 0; c < 3; c++)
        sum[3 * i + c] += after[3 * p + c] * 255.0;
      count[i]++;
    }
  for (size_t i = 0; i < CLUT_VOXELS; i++)
    sampled[i] = count[i] > 0;

  /* 2. Multiscale inpainting, coarse to fine. */
  for (int s = n_scales - 1; s >= 0; s--)
    {
      int     m = CLUT_N >> s;
      size_t  nm = (size_t) m * m * m;
      double *lsum = calloc (nm * 3, sizeof (double));
      double *lcnt = calloc (nm, sizeof (double));

      level = malloc (nm * 3 * sizeof (float));
      if (lsum == NULL || lcnt == NULL || level == NULL)
        {
          free (lsum);
          free (lcnt);
          goto out;
        }
      for (int z = 0; z < CLUT_N; z++)
        for (int y = 0; y < CLUT_N; y++)
          for (int x = 0; x < CLUT_N; x++)
            {
              size_t i = vox (x, y, z, CLUT_N), j;

              if (!sampled[i])
                continue;
              j = vox ((int) lrint ((double) x * (m - 1) / (CLUT_N - 1)),
                       (int) lrint ((double) y * (m - 1) / (CLUT_N - 1)),
                       (int) lrint ((double) z * (m - 1) / (CLUT_N - 1)), m);
              for (int c = 0; c < 3; c++)
                lsum[3 * j + c] += sum[3 * i + c] / count[i];
              lcnt[j] += 1.0;
            }
      memset (known, 0, nm);
      for (size_t j = 0; j < nm; j++)
        if (lcnt[j] > 0)
          {
            known[j] = 1;
            for (int c = 0; c < 3; c++)
              level[3 * j + c] = (float) (lsum[3 * j + c] / lcnt[j]);
          }
      free (lsum);
      free (lcnt);

      if (prev == NULL)
        {
          if (flood_fill (level, known, m) < 0)
            goto out;
        }
      else
        {
          float *up = malloc (nm * 3 * sizeof (float));

          if (up == NULL)
            goto out;
          upsample (prev, prev_m, up, m);
          for (size_t j = 0; j < nm; j++)
            if (!known[j])
              memcpy (level + 3 * j, up + 3 * j, 3 * sizeof (float));
          free (up);
          if (guided_diffusion (level, known, m, CLUT_DIFFUSION_ITER) < 0)
            goto out;
        }
      free (prev);
      prev = level;
      prev_m = m;
      level = NULL;
    }

  /* 3. Blend toward identity with the distance to the nearest sample. */
  distance_to_samples (sampled, CLUT_N, dist);
  for (int z = 0; z < CLUT_N; z++)
    for (int y = 0; y < CLUT_N; y++)
      for (int x = 0; x < CLUT_N; x++)
        {
          size_t i = vox (x, y, z, CLUT_N);
          double f = exp (-dist[i] / (1.0 + influence));
          double id[3] = { x * 255.0 / (CLUT_N - 1), y * 255.0 / (CLUT_N - 1),
                           z * 255.0 / (CLUT_N - 1) };

          for (int c = 0; c < 3; c++)
            {
              double v = f * prev[3 * i + c] + (1.0 - f) * id[c];

              prev[3 * i + c] = (float) (v < 0 ? 0 : (v > 255 ? 255 : v));
            }
        }
  clut->table = prev;
  prev = NULL;
  ok = 1;

out:
  free (sum);
  free (count);
  free (sampled);
  free (known);
  free (dist);
  free (level);
  free (prev);
  if (!ok)
    {
      bench_clut_free (clut);
      return NULL;
    }
  return clut;
}

void
bench_clut_apply (const BenchClut *clut, const float *in, float *out, size_t n)
{
  const float *t = clut->table;
  /* map_clut divides 0..255 values by 256 / N. */
  const double scale = 255.0 * CLUT_N / 256.0;

  for (size_t p = 0; p < n; p++)
    {
      double f[3];
      int    i0[3], i1[3];
      double a[3];
      float  res[3];

      for (int c = 0; c < 3; c++)
        {
          f[c] = in[3 * p + c] * scale;
          if (f[c] < 0)
            f[c] = 0;
          if (f[c] > CLUT_N - 1)
            f[c] = CLUT_N - 1;
          i0[c] = (int) f[c];
          i1[c] = i0[c] + 1 < CLUT_N ? i0[c] + 1 : i0[c];
          a[c] = f[c] - i0[c];
        }
      for (int c = 0; c < 3; c++)
        {
#define T(x, y, z) t[3 * vox (x, y, z, CLUT_N) + c]
          double c00 = T (i0[0], i0[1], i0[2]) * (1 - a[0])
                       + T (i1[0], i0[1], i0[2]) * a[0];
          double c10 = T (i0[0], i1[1], i0[2]) * (1 - a[0])
                       + T (i1[0], i1[1], i0[2]) * a[0];
          double c01 = T (i0[0], i0[1], i1[2]) * (1 - a[0])
                       + T (i1[0], i0[1], i1[2]) * a[0];
          double c11 = T (i0[0], i1[1], i1[2]) * (1 - a[0])
                       + T (i1[0], i1[1], i1[2]) * a[0];
#undef T
          double c0 = c00 * (1 - a[1]) + c10 * a[1];
          double c1 = c01 * (1 - a[1]) + c11 * a[1];

          res[c] = (float) ((c0 * (1 - a[2]) + c1 * a[2]) / 255.0);
        }
      memcpy (out + 3 * p, res, sizeof res);
    }
}

size_t
bench_clut_bytes (const BenchClut *clut)
{
  return (size_t) CLUT_VOXELS * 3;
}

void
bench_clut_free (BenchClut *clut)
{
  if (clut == NULL)
    return;
  free (clut->table);
  free (clut);
}
