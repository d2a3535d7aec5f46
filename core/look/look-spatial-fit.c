/* LookLab core: fitting the spatial parts of a look to a pair (the model
 * is described at the top of look-spatial.c).
 *
 * Fit (after the global part, look-fit.c).  The pair is sampled (one pixel
 * per block of a grid, at most about 2^18), the pixels split into a
 * checkerboard of blocks of 1/32 of the diagonal (look-spatial-pair.c):
 * each part is fitted by
 * linear least squares on one half and kept only when it lowers the mean
 * CIEDE2000 on the other half by at least MIN_GAIN and by MIN_GAIN_FRACTION
 * of what was left, so a pair without a vignette gets none and a global
 * look stays a version 1 file, byte for byte what it was.  When a radial
 * part is kept, the global part is fitted again on the centre of the pair
 * (CENTRE_RADIUS), the radial part over it, the global part again on the
 * whole after image with the radial part divided out (the first global fit
 * saw the corners' darkening averaged into every colour), then the radial
 * part again.  Clipped after values are censored in the radial fit
 * (looklab_clipped ()).  The local-contrast part tries blurs in half-octave steps
 * (det_sigmas), chosen by the squared error of the held-out half; its gain
 * is fitted on the band less its mean per colour (partial_out ()), then
 * the global part again on the after image without it (and, over a radial
 * part, with that divided out too, then the radial part again:
 * refit_radial_detail ()), and the gain again.
 * The position field is tried last, when no local-contrast part was kept
 * (over the radial part, if any): its gains are read where colour cannot
 * explain them (the within estimator, try_field ()), the global part is
 * fitted again with the position parts divided out, the radial part again
 * over both, and the field is kept when the whole look then wins on the
 * held-out blocks; otherwise the look goes back to what it was.
 */
#include "look/look-spatial-private.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/colour.h"
#include "common/spd-solve.h"
#include "look/look-field-within.h"
#include "look/look-spatial-pair.h"

#define VIG_KNOTS 16
#define DET_KNOTS 8
#define MIN_GAIN 0.15          /* dE00 a part must win on held-out pixels */
#define MIN_GAIN_FRACTION 0.10 /* ... and this share of the error left */
/* The position field (try_field ()): its gains must explain this share of
 * the within-cell spread on the other colour half, and stay within e^this
 * of the centre's. */
#define FIELD_MIN_EXPLAINED 0.25
#define FIELD_MAX_LOG 4.0
/* Once a radial part is kept, the global part is fitted again on the
 * pixels within CENTRE_RADIUS (r as the part measures it: 0.4 holds about
 * a quarter of the image) before the radial part is fitted over it.  The
 * first global fit saw the corners' darkening averaged into every colour;
 * a radial part fitted over that biased global part compensates the bias
 * ring by ring, dividing it out hands the bias back to the refit, and the
 * two settle on a wrong pair (G'MIC's `vignette`: in-sample 1.06 dE00,
 * 0.05 with the centre first).  A vignette leaves the centre alone, and
 * what it does there can always be folded into the global part. */
#define CENTRE_RADIUS 0.4f
#define CENTRE_MIN_SHARE 0.05 /* ... of the pixels of the mask, or no refit */
#define CENTRE_EFFORT 0.5     /* ... at this share of the fit's steps */
/* The refit on the devignetted after starts from the centre's global
 * part (the same paths), so it needs fewer steps than a fresh fit. */
#define WARM_EFFORT 0.5
/* The global part a radial part's refits make has no per-channel curves.
 * Those refits see the centre of the pair, then the after with the
 * vignette divided out, and curves (no decay) carried the centre's tones
 * to the corners: on bench-looks, sp-im-lomo 3.46 -> 4.09 dE00 held-out
 * with them, sp-gmic-lomo 4.29 -> 4.35, sp-gegl-vignette 2.78 -> 2.81.
 * The local-contrast refit sees the whole pair and keeps them
 * (sp-im-clarity 0.68 -> 0.58). */
#define RADIAL_REFIT_PATHS(look)                                               \
  (looklab_look_paths (look) & ~LOOKLAB_PATH_CURVES)

static const float det_sigmas[]
    = { 0.003f, 0.006f, 0.0085f, 0.012f, 0.017f, 0.024f, 0.034f, 0.048f };
static const float vig_props[] = { 0.0f, 0.5f, 1.0f };

/* Adds @lambda times the squared second differences of the @k values at
 * @off (of @n unknowns) to the normal matrix @a. */
static void
add_smooth (double *a, int n, int off, int k, double lambda)
{
  int j;

  for (j = 1; j + 1 < k; j++)
    {
      int    idx[3] = { off + j - 1, off + j, off + j + 1 };
      double cf[3] = { 1.0, -2.0, 1.0 };
      int    p, q;

      for (p = 0; p < 3; p++)
        for (q = 0; q < 3; q++)
          a[idx[p] * n + idx[q]] += lambda * cf[p] * cf[q];
    }
}

/* LookLabRadial part on the samples with @use (0 fitting half, -1 all) from the
 * base @base: fills @vig (6 K) for proportion @prop, by linear least
 * squares per channel, clipped samples censored.  Returns 0 or -1. */
static int
fit_vignette (const LookLabSpatialPair *s, const float *base, float prop,
              int use, float *vig)
{
  enum
  {
    K = VIG_KNOTS,
    N = 2 * VIG_KNOTS
  };
  double        a[N * N], b[N], x[N];
  LookLabRadial rad;
  int           c, j, pass;
  size_t        i, n = 0;

  looklab_radial_init (&rad, prop, 0.0f, 0.0f, s->w, s->h);
  for (c = 0; c < 3; c++)
    {
      int censor = 1;

      for (pass = 0; pass < 2; pass++)
        {
          memset (a, 0, sizeof (a));
          memset (b, 0, sizeof (b));
          n = 0;
          for (i = 0; i < s->n; i++)
            {
              float  f, gv = base[i * 3 + c], yv = s->y[i * 3 + c];
              int    jj;
              double ph[4];
              int    id[4], p, q;

              if (use >= 0 && s->held[i] != use)
                continue;
              jj = looklab_knot_pos (
                  looklab_radial_r (&rad, s->gx[i], s->gy[i]), K, &f);
              id[0] = jj;
              id[1] = jj + 1;
              id[2] = K + jj;
              id[3] = K + jj + 1;
              ph[0] = (1.0 - f) * gv;
              ph[1] = f * gv;
              ph[2] = 1.0 - f;
              ph[3] = f;
              if (censor && looklab_clipped (yv))
                {
                  double z = 0.0;

                  if (pass == 0)
                    continue;
                  for (p = 0; p < 4; p++)
                    z += ph[p] * x[id[p]];
                  if ((yv <= LOOKLAB_CLIP_EPS && z <= yv)
                      || (yv > LOOKLAB_CLIP_EPS && z >= yv))
                    continue; /* the prediction agrees with the clip */
                }
              for (p = 0; p < 4; p++)
                {
                  b[id[p]] += ph[p] * yv;
                  for (q = 0; q < 4; q++)
                    a[id[p] * N + id[q]] += ph[p] * ph[q];
                }
              n++;
            }
          if (n == 0 && censor)
            {
              /* Every sample looklab_clipped (a channel all 0 or 1): take them
               * as they are. */
              censor = 0;
              pass = -1;
              continue;
            }
          if (n == 0)
            return -1;
          for (j = 0; j < N * N; j++)
            a[j] /= (double) n;
          for (j = 0; j < N; j++)
            b[j] /= (double) n;
          /* Smooth in r; a faint pull toward the identity (gain 1,
           * offset 0) decides knots no sample reached. */
          add_smooth (a, N, 0, K, 1e-3);
          add_smooth (a, N, K, K, 1e-3);
          for (j = 0; j < K; j++)
            {
              a[j * N + j] += 1e-6;
              b[j] += 1e-6;
              a[(K + j) * N + K + j] += 1e-6;
            }
          if (looklab_solve_spd (a, b, N) != 0)
            return -1;
          memcpy (x, b, sizeof (x));
        }
      for (j = 0; j < K; j++)
        {
          vig[j * 3 + c] = (float) x[j];
          vig[(K + j) * 3 + c] = (float) x[K + j];
        }
    }
  return 0;
}

static void
predict_vignette (const LookLabSpatialPair *s, const float *base,
                  const float *vig, float prop, float *out)
{
  LookLabRadial rad;
  size_t        i;

  looklab_radial_init (&rad, prop, 0.0f, 0.0f, s->w, s->h);
  for (i = 0; i < s->n; i++)
    {
      memcpy (out + i * 3, base + i * 3, sizeof (float) * 3);
      looklab_vignette_apply (vig, VIG_KNOTS,
                              looklab_radial_r (&rad, s->gx[i], s->gy[i]),
                              out + i * 3);
    }
}

static void
predict_field (const LookLabSpatialPair *s, const float *base, const float *fld,
               float *out)
{
  LookLabRadial rad;
  size_t        i;

  looklab_radial_init (&rad, 1.0f, 0.0f, 0.0f, s->w, s->h);
  for (i = 0; i < s->n; i++)
    {
      float st, tt;

      if (out != base)
        memcpy (out + i * 3, base + i * 3, sizeof (float) * 3);
      looklab_field_st (&rad, s->gx[i], s->gy[i], &st, &tt);
      looklab_field_apply (fld, LOOKLAB_FIELD_KNOTS, st, tt, out + i * 3);
    }
}

/* Bilinear read of the blurred grid at pixel (x, y). */
static void
grid_at (const LookLabSpatialPair *s, const float *grid, int x, int y,
         float *out)
{
  float fx = ((float) x + 0.5f) / (float) s->step - 0.5f;
  float fy = ((float) y + 0.5f) / (float) s->step - 0.5f;
  int   x0, y0, x1, y1, c;
  float tx, ty;

  if (fx < 0.0f)
    fx = 0.0f;
  if (fy < 0.0f)
    fy = 0.0f;
  x0 = (int) fx;
  y0 = (int) fy;
  if (x0 > s->gw - 1)
    x0 = s->gw - 1;
  if (y0 > s->gh - 1)
    y0 = s->gh - 1;
  x1 = x0 + 1 < s->gw ? x0 + 1 : x0;
  y1 = y0 + 1 < s->gh ? y0 + 1 : y0;
  tx = fx - (float) x0;
  ty = fy - (float) y0;
  if (tx > 1.0f)
    tx = 1.0f;
  if (ty > 1.0f)
    ty = 1.0f;
  for (c = 0; c < 3; c++)
    {
      float a = grid[((size_t) y0 * s->gw + x0) * 3 + c];
      float b = grid[((size_t) y0 * s->gw + x1) * 3 + c];
      float d = grid[((size_t) y1 * s->gw + x0) * 3 + c];
      float e = grid[((size_t) y1 * s->gw + x1) * 3 + c];

      out[c] = (1.0f - ty) * ((1.0f - tx) * a + tx * b)
               + ty * ((1.0f - tx) * d + tx * e);
    }
}

/* Detail band of every sample for blur @sigma (fraction of the diagonal)
 * into @band (3n): xc - blur (xc), the blur taken on the block grid. */
static int
detail_band (LookLabSpatialPair *s, float sigma, float *band)
{
  size_t i, ng = (size_t) s->gw * s->gh;
  double px = looklab_detail_sigma_px (sigma, s->w, s->h) / s->step;

  memcpy (s->bl, s->grid, sizeof (float) * 3 * ng);
  /* The block grid is small: one thread. */
  if (looklab_spatial_blur_rgb (s->bl, s->gw, s->gh, px, 1) != LOOKLAB_OK)
    return LOOKLAB_ERR_NOMEM;
  for (i = 0; i < s->n; i++)
    {
      float b[3];
      int   c;

      if (s->step == 1)
        memcpy (b, s->bl + (size_t) s->cell[i] * 3, sizeof (b));
      else
        grid_at (s, s->bl, s->gx[i], s->gy[i], b);
      for (c = 0; c < 3; c++)
        band[i * 3 + c] = s->xc[i * 3 + c] - b[c];
    }
  return LOOKLAB_OK;
}

/* The global part, fitted first to the pair as it is, has learned what
 * the colour alone says of the local contrast (in a landscape, say, the
 * colours of the horizon sit on one side of an edge): regressed on the
 * band, its residual gives the gain about halved (ImageMagick -unsharp
 * 0x25+0.6: 0.26 instead of 0.57).  By Frisch-Waugh-Lovell, regressing
 * on the band less its mean per colour gives the gain the global part
 * could not take; the refit then takes the part out of the after image
 * and fits the global part anew.  The mean per colour: PO_BINS^3 cells
 * of the clamped before colour, the granularity of the global part's
 * correction lattice. */
#define PO_BINS 16

static int
partial_out (const LookLabSpatialPair *s, float *band)
{
  size_t  nb = (size_t) PO_BINS * PO_BINS * PO_BINS, i;
  double *sum = calloc (nb * 4, sizeof (double));
  int    *bin = malloc (sizeof (int) * s->n);
  int     c;

  if (sum == NULL || bin == NULL)
    {
      free (sum);
      free (bin);
      return LOOKLAB_ERR_NOMEM;
    }
  for (i = 0; i < s->n; i++)
    {
      int q[3];

      for (c = 0; c < 3; c++)
        {
          q[c] = (int) (s->xc[i * 3 + c] * PO_BINS);
          if (q[c] > PO_BINS - 1)
            q[c] = PO_BINS - 1;
        }
      bin[i] = (q[0] * PO_BINS + q[1]) * PO_BINS + q[2];
      for (c = 0; c < 3; c++)
        sum[(size_t) bin[i] * 4 + c] += band[i * 3 + c];
      sum[(size_t) bin[i] * 4 + 3] += 1.0;
    }
  for (i = 0; i < s->n; i++)
    for (c = 0; c < 3; c++)
      band[i * 3 + c] -= (float) (sum[(size_t) bin[i] * 4 + c]
                                  / sum[(size_t) bin[i] * 4 + 3]);
  free (sum);
  free (bin);
  return LOOKLAB_OK;
}

static int
fit_detail (const LookLabSpatialPair *s, const float *base, const float *band,
            int use, float *det)
{
  enum
  {
    K = DET_KNOTS
  };
  double a[K * K], b[K];
  size_t i, n = 0;
  int    j, c;

  memset (a, 0, sizeof (a));
  memset (b, 0, sizeof (b));
  for (i = 0; i < s->n; i++)
    {
      float f;
      int   jj;

      if (use >= 0 && s->held[i] != use)
        continue;
      jj = looklab_knot_pos (looklab_spatial_luma (s->xc + i * 3), K, &f);
      for (c = 0; c < 3; c++)
        {
          double d = band[i * 3 + c];
          double r = s->y[i * 3 + c] - base[i * 3 + c];
          double p0 = (1.0 - f) * d, p1 = f * d;

          a[jj * K + jj] += p0 * p0;
          a[jj * K + jj + 1] += p0 * p1;
          a[(jj + 1) * K + jj] += p0 * p1;
          a[(jj + 1) * K + jj + 1] += p1 * p1;
          b[jj] += p0 * r;
          b[jj + 1] += p1 * r;
        }
      n++;
    }
  if (n == 0)
    return -1;
  for (j = 0; j < K * K; j++)
    a[j] /= (double) n;
  for (j = 0; j < K; j++)
    {
      b[j] /= (double) n;
      a[j * K + j] += 1e-8;
    }
  add_smooth (a, K, 0, K, 1e-6);
  if (looklab_solve_spd (a, b, K) != 0)
    return -1;
  for (j = 0; j < K; j++)
    det[j] = (float) b[j];
  return 0;
}

static void
predict_detail (const LookLabSpatialPair *s, const float *base,
                const float *band, const float *det, float *out)
{
  size_t i;
  int    c;

  for (i = 0; i < s->n; i++)
    {
      float k = looklab_detail_gain (det, DET_KNOTS,
                                     looklab_spatial_luma (s->xc + i * 3));

      for (c = 0; c < 3; c++)
        out[i * 3 + c] = base[i * 3 + c] + k * band[i * 3 + c];
    }
}

/* Whether a part that scores @with on held-out pixels is worth keeping
 * over @without. */
static int
worth_it (double without, double with)
{
  return without - with >= MIN_GAIN
         && without - with >= MIN_GAIN_FRACTION * without;
}

/* A number in [0, 1) from a pixel's position (a 32-bit integer hash of
 * the Murmur3 finaliser kind): the same pixel, the same number. */
static inline float
keep_hash (int x, int y)
{
  uint32_t h = (uint32_t) x * 0x9e3779b1u ^ (uint32_t) y * 0x85ebca77u;

  h ^= h >> 16;
  h *= 0x7feb352du;
  h ^= h >> 15;
  h *= 0x846ca68bu;
  h ^= h >> 16;
  return (float) (h >> 8) / 16777216.0f;
}

/* Calls @refit on @img, float RGB of @after's size with the spatial parts
 * taken out, and @mask, then frees both. */
/* A view of @img, float RGB of @after's size. */
static LookLabImageView
float_view (float *img, const LookLabImageView *after)
{
  LookLabImageView v;

  v.pixels = img;
  v.format = LOOKLAB_PIXEL_RGB_FLOAT;
  v.width = after->width;
  v.height = after->height;
  v.stride = sizeof (float) * 3 * (size_t) after->width;
  return v;
}

static int
refit_image (LookLabRefitFunc refit, void *refit_data, LookLabLook *look,
             const LookLabImageView *after, float *img, unsigned char *mask,
             double effort, unsigned paths, int warm)
{
  LookLabImageView v = float_view (img, after);
  int              status;

  status = refit (look, &v, mask, effort, paths, warm, refit_data);
  free (img);
  free (mask);
  return status;
}

/* The gain @a and offset @o (RGB) of @look's position parts at pixel (@x,
 * @y): the radial part (a g + o), then the field's gain b over it, b a g
 * + b o, as look-spatial.c applies them. */
static inline void
position_at (const LookLabLook *look, const LookLabRadial *rad, int x, int y,
             float *a, float *o)
{
  int c;

  if (look->vig_knots > 0)
    looklab_vignette_at (look->vig, look->vig_knots,
                         looklab_radial_r (rad, x, y), a, o);
  else
    for (c = 0; c < 3; c++)
      {
        a[c] = 1.0f;
        o[c] = 0.0f;
      }
  if (look->fld_knots > 0)
    {
      float st, tt, b[3];

      looklab_field_st (rad, x, y, &st, &tt);
      looklab_field_at (look->fld, look->fld_knots, st, tt, b);
      for (c = 0; c < 3; c++)
        {
          a[c] *= b[c];
          o[c] *= b[c];
        }
    }
}

/* The gain @a0 and offset @o0 (RGB) of @look's position parts at the
 * centre of the frame (knot 0 of a radial part, the field's middle node),
 * which divide_out_position () and divide_out_radial () leave to the
 * global part; a gain of 0.2 or less (or NaN) is taken as 1. */
static void
position_centre (const LookLabLook *look, float *a0, float *o0)
{
  int c;

  for (c = 0; c < 3; c++)
    {
      a0[c] = look->vig_knots > 0 ? look->vig[c] : 1.0f;
      o0[c] = look->vig_knots > 0 ? look->vig[look->vig_knots * 3 + c] : 0.0f;
    }
  if (look->fld_knots > 0)
    {
      float b0[3];

      looklab_field_at (look->fld, look->fld_knots, 0.5f, 0.5f, b0);
      for (c = 0; c < 3; c++)
        {
          a0[c] *= b0[c];
          o0[c] *= b0[c];
        }
    }
  for (c = 0; c < 3; c++)
    if (!(a0[c] > 0.2f))
      a0[c] = 1.0f;
}

/* The after image with the position parts (radial, field) divided out,
 * for the refit: float RGB, and a mask.  Divided out, a pixel the part
 * darkens by a gain a carries the part's own error times 1 / a: the least-squares weight of
 * the global part's error there is a^2 (a g + o - y = a (g - (y - o) /
 * a)).  The refit takes a mask, not weights, so a pixel is kept with
 * probability a^2 (per pixel, by keep_hash (); ImageMagick's lomo, held
 * out: 4.25 -> 3.46 dE00), and never below a gain of 0.2. */
static int
divide_out_position (const LookLabLook *look, const LookLabImageView *after,
                     const unsigned char *mask, float **img_out,
                     unsigned char **mask_out)
{
  int            w = after->width, h = after->height, x, y, c;
  float         *img = malloc (sizeof (float) * 3 * (size_t) w * h);
  unsigned char *m = malloc ((size_t) w * h);
  LookLabRadial  rad;
  float          a0[3], o0[3];

  if (img == NULL || m == NULL)
    {
      free (img);
      free (m);
      return LOOKLAB_ERR_NOMEM;
    }
  looklab_radial_init (&rad, look->vig_prop, look->vig_cx, look->vig_cy, w, h);
  position_centre (look, a0, o0);
  for (y = 0; y < h; y++)
    {
      float *row = img + (size_t) y * w * 3;

      looklab_spatial_read_row (after, y, row);
      for (x = 0; x < w; x++)
        {
          float  ap[3], op[3];
          int    ok = 1;
          size_t i = (size_t) y * w + x;
          float  keep = keep_hash (x, y);

          position_at (look, &rad, x, y, ap, op);
          for (c = 0; c < 3; c++)
            {
              float a = ap[c], o = op[c];
              float v = row[(size_t) x * 3 + c];

              /* The part relative to its centre: a g + o = a' (a0 g + o0)
               * + o' with a' = a / a0, o' = o - a' o0.  What it leaves
               * at the centre belongs to the global part, and dividing
               * out (a, o) would hand the refit the first global fit's
               * bias (the corners' darkening averaged into every colour)
               * to learn again. */
              a /= a0[c];
              o -= a * o0[c];

              if (a < 0.2f || (a < 1.0f && keep >= a * a))
                ok = 0;
              else
                {
                  float d = (v - o) / a;

                  /* A clipped value says nothing of what it was before
                   * the part moved it (see looklab_clipped ()). */
                  if (looklab_clipped (v) && fabsf (d - v) > LOOKLAB_CLIP_EPS)
                    ok = 0;
                  v = d;
                }
              row[(size_t) x * 3 + c] = looklab_clamp01 (v);
            }
          m[i] = (unsigned char) (ok && (mask == NULL || mask[i] != 0)
                                  && looklab_spatial_read_alpha (after, x, y)
                                         > 0.0f);
        }
    }
  *img_out = img;
  *mask_out = m;
  return LOOKLAB_OK;
}

/* The pixels of @mask (all when NULL) within CENTRE_RADIUS of the centre
 * for proportion @prop, in *@out; NULL when they are fewer than
 * CENTRE_MIN_SHARE of the pixels of @mask (a selection or an overlap
 * away from the centre), and the global part stays as it is. */
static int
centre_mask (const LookLabImageView *after, const unsigned char *mask,
             float prop, unsigned char **out)
{
  int            w = after->width, h = after->height, x, y;
  unsigned char *m = malloc ((size_t) w * h);
  size_t         n_in = 0, n_centre = 0;
  LookLabRadial  rad;

  *out = NULL;
  if (m == NULL)
    return LOOKLAB_ERR_NOMEM;
  looklab_radial_init (&rad, prop, 0.0f, 0.0f, w, h);
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      {
        size_t i = (size_t) y * w + x;
        int    in = mask == NULL || mask[i] != 0;

        m[i] = (unsigned char) (in
                                && looklab_radial_r (&rad, x, y)
                                       < CENTRE_RADIUS);
        n_in += (size_t) in;
        n_centre += m[i];
      }
  if ((double) n_centre < CENTRE_MIN_SHARE * (double) n_in)
    {
      free (m);
      return LOOKLAB_OK;
    }
  *out = m;
  return LOOKLAB_OK;
}

/* The after image minus the local-contrast part (its detail band taken
 * on the before image at full resolution), for the refit. */
static int
undetail (const LookLabLook *look, const LookLabImageView *before,
          const LookLabImageView *after, const unsigned char *mask,
          int n_threads, float **img_out, unsigned char **mask_out)
{
  int            w = after->width, h = after->height, x, y, c;
  size_t         n3 = (size_t) w * 3;
  float         *img = malloc (sizeof (float) * n3 * h);
  float         *bl = malloc (sizeof (float) * n3 * h);
  unsigned char *m = malloc ((size_t) w * h);

  if (img == NULL || bl == NULL || m == NULL)
    goto fail;
  for (y = 0; y < h; y++)
    {
      looklab_spatial_read_row (before, y, bl + (size_t) y * n3);
      for (x = 0; x < w * 3; x++)
        bl[(size_t) y * n3 + x] = looklab_clamp01 (bl[(size_t) y * n3 + x]);
    }
  if (looklab_spatial_blur_rgb (
          bl, w, h, looklab_detail_sigma_px (look->det_sigma, w, h), n_threads)
      != LOOKLAB_OK)
    goto fail;
  for (y = 0; y < h; y++)
    {
      float *row = img + (size_t) y * n3, xb[4];

      looklab_spatial_read_row (after, y, row);
      for (x = 0; x < w; x++)
        {
          size_t i = (size_t) y * w + x;
          float  k;

          looklab_image_view_get (before, x, y, xb);
          for (c = 0; c < 3; c++)
            xb[c] = looklab_clamp01 (xb[c]);
          k = looklab_detail_gain (look->det, look->det_knots,
                                   looklab_spatial_luma (xb));
          for (c = 0; c < 3; c++)
            row[(size_t) x * 3 + c] = looklab_clamp01 (
                row[(size_t) x * 3 + c] - k * (xb[c] - bl[i * 3 + c]));
          m[i] = (unsigned char) ((mask == NULL || mask[i] != 0)
                                  && looklab_spatial_read_alpha (after, x, y)
                                         > 0.0f);
        }
    }
  free (bl);
  *img_out = img;
  *mask_out = m;
  return LOOKLAB_OK;

fail:
  free (img);
  free (bl);
  free (m);
  return LOOKLAB_ERR_NOMEM;
}

/* The proportion of vig_props[] whose radial part, fitted on one half of
 * the pair over the global part in s->g, predicts the other half best, by
 * CIEDE2000 when @by_de00 (with @n_threads) and by squared error
 * otherwise.  Returns its score, HUGE_VAL when no part could be fitted;
 * the proportion and the part go to *@prop and @vig, untouched then.
 * @cand is scratch for 3 n floats.
 *
 * It is run twice.  The first choice is made over the global part of the
 * whole pair, which saw the corners' darkening averaged into every colour,
 * and that bias can favour the wrong shape: ImageMagick's -vignette (an
 * ellipse through the edges' midpoints) was fitted as "between circular
 * and elliptical", held-out 3.28 dE00 on bench-looks for the vignette
 * alone, where the elliptical profile of the true gains gives 0.62.  So
 * the proportion is chosen again over the global part of the centre, by
 * squared error as the local-contrast part's blur is: whether to keep a
 * radial part is decided already, and CIEDE2000 costs twice as much. */
static double
best_proportion (const LookLabSpatialPair *s, int by_de00, int n_threads,
                 float *cand, float *prop, float *vig)
{
  float  part[6 * VIG_KNOTS];
  double best = HUGE_VAL;
  size_t pi;

  for (pi = 0; pi < sizeof (vig_props) / sizeof (vig_props[0]); pi++)
    {
      double sc;

      if (fit_vignette (s, s->g, vig_props[pi], 0, part) != 0)
        continue;
      predict_vignette (s, s->g, part, vig_props[pi], cand);
      sc = by_de00 ? looklab_spatial_pair_score (s, cand, 1, n_threads)
                   : looklab_spatial_pair_sse (s, cand, 1);
      if (sc < best)
        {
          best = sc;
          *prop = vig_props[pi];
          memcpy (vig, part, sizeof (part));
        }
    }
  return best;
}

/* ---- the position field's first guess ---- */

/* The after values of @s with @look's radial part divided out, relative
 * to its centre as divide_out_position () does, in @out (3 s->n): what
 * the field is read from when the look has a radial part.  A sample the
 * part darkens below a gain of 0.2 gets 0 (below LOOKLAB_FIELD_LOG_FLOOR: not
 * used).  Called before the look has a field, so that position_at ()
 * gives the radial part alone. */
static void
divide_out_radial (const LookLabLook *look, const LookLabSpatialPair *s,
                   float *out)
{
  LookLabRadial rad;
  float         a0[3], o0[3];
  size_t        i;
  int           c;

  looklab_radial_init (&rad, look->vig_prop, look->vig_cx, look->vig_cy, s->w,
                       s->h);
  position_centre (look, a0, o0);
  for (i = 0; i < s->n; i++)
    {
      float a[3], o[3];

      position_at (look, &rad, s->gx[i], s->gy[i], a, o);
      for (c = 0; c < 3; c++)
        {
          float ar = a[c] / a0[c], orel = o[c] - ar * o0[c];

          out[i * 3 + c] = ar < 0.2f ? 0.0f : (s->y[i * 3 + c] - orel) / ar;
        }
    }
}

/* The after values of @s with the field @fld's gain divided out, in @out
 * (3 s->n); a clipped value is kept as it is (see looklab_clipped ()). */
static void
divide_out_field (const LookLabSpatialPair *s, const float *fld, float *out)
{
  LookLabRadial rad;
  size_t        i;
  int           c;

  looklab_radial_init (&rad, 1.0f, 0.0f, 0.0f, s->w, s->h);
  for (i = 0; i < s->n; i++)
    {
      float st, tt, b[3];

      looklab_field_st (&rad, s->gx[i], s->gy[i], &st, &tt);
      looklab_field_at (fld, LOOKLAB_FIELD_KNOTS, st, tt, b);
      for (c = 0; c < 3; c++)
        {
          float v = s->y[i * 3 + c];

          out[i * 3 + c] = looklab_clipped (v) ? v : v / b[c];
        }
    }
}

/* The position field, tried when no local-contrast part was kept (over
 * the radial part when there is one: a lomo's corners and a light leak
 * across the frame).  Its gains are read by the within estimator (above)
 * from the after, with the radial part divided out when there is one,
 * first on one half of the colours, and kept only when they explain
 * FIELD_MIN_EXPLAINED of the within-cell spread of the other half; then
 * on all of them.  The global part is fitted again on the after image
 * with the position parts divided out (the first global fit saw the
 * field averaged into every colour).  The gains are not fitted again over the
 * new global part by least squares: gains and offsets per node, so
 * fitted, mend what the global part gets wrong region by region as well
 * as the field, and on bench-looks they took sp-im-sweep from 0.35 to
 * 1.75 dE00 held-out, sp-im-grad from 1.60 to 2.08.  s->p gets the
 * prediction; *@kept says whether the look has a field. */
static int
try_field (LookLabLook *look, LookLabSpatialPair *s,
           const LookLabImageView *after, const unsigned char *mask,
           int n_threads, LookLabRefitFunc refit, void *refit_data, int *kept)
{
  enum
  {
    NN = LOOKLAB_FIELD_KNOTS * LOOKLAB_FIELD_KNOTS
  };
  LookLabCellSample *cells
      = malloc (sizeof (LookLabCellSample) * (s->n > 0 ? s->n : 1));
  float       *yr = NULL, *cand = NULL;
  LookLabLook *saved = NULL;
  const float *y = s->y;
  float        fld[3 * NN];
  double       alpha[3 * NN], sse0 = 0.0, sse1 = 0.0;
  int          c, j, status = LOOKLAB_OK;

  *kept = 0;
  if (cells == NULL)
    return LOOKLAB_ERR_NOMEM;
  if (look->vig_knots > 0)
    {
      yr = malloc (sizeof (float) * 3 * (s->n > 0 ? s->n : 1));
      if (yr == NULL)
        goto nomem;
      divide_out_radial (look, s, yr);
      y = yr;
    }
  if (looklab_field_cells (s, cells) != 0)
    goto nomem;
  if (looklab_field_within_fit (s, y, 0, cells, alpha) != 0)
    goto out;
  looklab_field_within_spread (s, y, 1, cells, alpha, &sse0, &sse1);
  if (!(sse1 <= (1.0 - FIELD_MIN_EXPLAINED) * sse0)
      || looklab_field_within_fit (s, y, -1, cells, alpha) != 0)
    goto out;
  /* Within a factor of e^4 of the centre's gain either way: beyond what
   * after values above LOOKLAB_FIELD_LOG_FLOOR can show, and far inside what a
   * look file holds (PART_LIMIT), so a learned look always reads back. */
  for (c = 0; c < 3; c++)
    for (j = 0; j < NN; j++)
      fld[j * 3 + c] = (float) exp (
          fmin (fmax (alpha[c * NN + j], -FIELD_MAX_LOG), FIELD_MAX_LOG));
  cand = malloc (sizeof (float) * 3 * (s->n > 0 ? s->n : 1));
  saved = looklab_look_copy (look);
  if (cand == NULL || saved == NULL)
    goto nomem;
  if (looklab_look_set_field (look, LOOKLAB_FIELD_KNOTS) != LOOKLAB_OK)
    goto nomem;
  memcpy (look->fld, fld, sizeof (fld));
  if (refit != NULL)
    {
      float         *img = NULL;
      unsigned char *m = NULL;

      status = divide_out_position (look, after, mask, &img, &m);
      if (status != LOOKLAB_OK)
        goto out;
      status = refit_image (refit, refit_data, look, after, img, m, 1.0,
                            RADIAL_REFIT_PATHS (look), 0);
      if (status == LOOKLAB_ERR_EMPTY)
        {
          /* The field darkens every pixel out of reach: no field. */
          looklab_look_set_field (look, 0);
          status = LOOKLAB_OK;
          goto out;
        }
      if (status != LOOKLAB_OK)
        goto out;
      looklab_spatial_eval (look, s->xc, s->g, s->n, n_threads);
      if (look->vig_knots > 0)
        {
          /* The radial part again, over the new global part and the
           * field: the after with the field's gain divided out (a
           * clipped value kept as it is, see looklab_clipped ()). */
          float *after_y = s->y, vig[6 * VIG_KNOTS];

          divide_out_field (s, fld, cand);
          s->y = cand;
          if (fit_vignette (s, s->g, look->vig_prop, -1, vig) == 0)
            memcpy (look->vig, vig, sizeof (vig));
          s->y = after_y;
        }
    }
  if (look->vig_knots > 0)
    {
      predict_vignette (s, s->g, look->vig, look->vig_prop, cand);
      predict_field (s, cand, look->fld, cand);
    }
  else
    predict_field (s, s->g, look->fld, cand);
  /* As every part, the field must win on the held-out blocks
   * (worth_it ()), judged with the global part fitted again: before that,
   * the global part holds the field's average (a graduated filter's sky
   * darkened as a colour), and the field over it counts the same
   * darkening twice.  The within test alone can pass where the whole look
   * gets worse: a vignette with a colour cast on the smooth waves of
   * tests/core/test-look-spatial.c (each colour in few places) passes it
   * at 91 %, and the held-out blocks go from 2.6 to 5.4 dE00 with the
   * field. */
  if (!worth_it (looklab_spatial_pair_score (s, s->p, 1, n_threads),
                 looklab_spatial_pair_score (s, cand, 1, n_threads)))
    {
      LookLabLook t = *look;

      *look = *saved;
      *saved = t;
      looklab_spatial_eval (look, s->xc, s->g, s->n, n_threads);
      goto out;
    }
  memcpy (s->p, cand, sizeof (float) * 3 * s->n);
  *kept = 1;
  goto out;

nomem:
  status = LOOKLAB_ERR_NOMEM;
out:
  free (cells);
  free (yr);
  free (cand);
  looklab_look_free (saved);
  return status;
}

/* After a local-contrast part is kept over a radial part: the global
 * part again on the after image with both taken out (the local contrast
 * subtracted, then the radial part divided out), the radial part again
 * over it on the after less the local contrast, and the local contrast's
 * gain again over those (ImageMagick's clarity under G'MIC's vignette:
 * the first global part saw both averaged into every colour).  @band gets
 * the chosen blur's band at the samples, as it is (not partialled out, as
 * undetail () takes it), @tmp is scratch of 3 s->n.  s->g and s->p get
 * the new global part and the radial part's prediction. */
static int
refit_radial_detail (LookLabLook *look, LookLabSpatialPair *s,
                     const LookLabImageView *before,
                     const LookLabImageView *after, const unsigned char *mask,
                     float *band, int n_threads, LookLabRefitFunc refit,
                     void *refit_data, float *tmp)
{
  float           *img = NULL, *img2 = NULL, *after_y, vig[6 * VIG_KNOTS];
  float            neg[DET_KNOTS], det[DET_KNOTS];
  unsigned char   *m = NULL, *m2 = NULL;
  LookLabImageView v;
  int              status, j;

  status = undetail (look, before, after, mask, n_threads, &img, &m);
  if (status != LOOKLAB_OK)
    return status;
  v = float_view (img, after);
  status = divide_out_position (look, &v, m, &img2, &m2);
  free (img);
  free (m);
  if (status != LOOKLAB_OK)
    return status;
  status = refit_image (refit, refit_data, look, after, img2, m2, 1.0,
                        RADIAL_REFIT_PATHS (look), 0);
  if (status == LOOKLAB_ERR_EMPTY)
    return LOOKLAB_OK; /* nothing left to fit on: keep the parts as they are */
  if (status != LOOKLAB_OK)
    return status;
  looklab_spatial_eval (look, s->xc, s->g, s->n, n_threads);
  status = detail_band (s, look->det_sigma, band);
  if (status != LOOKLAB_OK)
    return status;
  for (j = 0; j < DET_KNOTS; j++)
    neg[j] = -look->det[j];
  predict_detail (s, s->y, band, neg, tmp); /* the after less the detail */
  after_y = s->y;
  s->y = tmp;
  if (fit_vignette (s, s->g, look->vig_prop, -1, vig) == 0)
    memcpy (look->vig, vig, sizeof (vig));
  s->y = after_y;
  predict_vignette (s, s->g, look->vig, look->vig_prop, s->p);
  if (fit_detail (s, s->p, band, -1, det) == 0)
    memcpy (look->det, det, sizeof (det));
  return LOOKLAB_OK;
}

int
looklab_look_fit_spatial (LookLabLook *look, const LookLabImageView *before,
                          const LookLabImageView *after,
                          const unsigned char *mask, int n_threads,
                          LookLabRefitFunc refit, void *refit_data,
                          LookLabDiag *diag)
{
  LookLabSpatialPair s;
  float             *cand = NULL, *best = NULL, *band = NULL;
  float  vig[6 * VIG_KNOTS], best_vig[6 * VIG_KNOTS], det[DET_KNOTS];
  int    status = LOOKLAB_OK, kept_vig = 0, kept_det = 0, kept_fld = 0;
  int    refit_det;
  int    centred = 0;
  size_t pi;
  double base_score, best_score;
  float  best_prop = 1.0f, best_sigma = 0.0f;

  memset (&s, 0, sizeof (s));
  status = looklab_spatial_pair_collect (&s, before, after, mask);
  if (status == LOOKLAB_ERR_EMPTY)
    {
      status = LOOKLAB_OK; /* nothing to say about space */
      goto out;
    }
  if (status != LOOKLAB_OK)
    goto nomem;
  cand = malloc (sizeof (float) * 3 * s.n);
  best = malloc (sizeof (float) * 3 * s.n);
  band = malloc (sizeof (float) * 3 * s.n);
  if (cand == NULL || best == NULL || band == NULL)
    goto nomem;
  looklab_spatial_eval (look, s.xc, s.g, s.n, n_threads);
  memcpy (s.p, s.g, sizeof (float) * 3 * s.n);

  /* LookLabRadial part. */
  base_score = looklab_spatial_pair_score (&s, s.g, 1, n_threads);
  best_score = best_proportion (&s, 1, n_threads, cand, &best_prop, best_vig);
  if (worth_it (base_score, best_score))
    {
      float         *img = NULL;
      unsigned char *m = NULL;

      if (looklab_look_set_vignette (look, VIG_KNOTS) != LOOKLAB_OK)
        goto nomem;
      look->vig_prop = best_prop;
      kept_vig = 1;
      if (refit != NULL)
        {
          /* The global part again, from the centre of the pair only,
           * before the radial part is fitted over it: see
           * CENTRE_RADIUS. */
          unsigned char *cm = NULL;

          status = centre_mask (after, mask, best_prop, &cm);
          if (status != LOOKLAB_OK)
            goto nomem;
          if (cm != NULL)
            {
              status = refit (look, after, cm, CENTRE_EFFORT,
                              RADIAL_REFIT_PATHS (look), 0, refit_data);
              free (cm);
              if (status != LOOKLAB_OK && status != LOOKLAB_ERR_EMPTY)
                goto out;
              centred = status == LOOKLAB_OK;
              status = LOOKLAB_OK;
              if (centred)
                {
                  /* The proportion again, over the global part of the
                   * centre: see best_proportion (). */
                  looklab_spatial_eval (look, s.xc, s.g, s.n, n_threads);
                  best_proportion (&s, 0, n_threads, cand, &best_prop,
                                   best_vig);
                  look->vig_prop = best_prop;
                }
            }
        }
      /* The whole pair, then the global part without the vignette, then
       * the radial part again over the new global part. */
      if (fit_vignette (&s, s.g, best_prop, -1, look->vig) != 0)
        memcpy (look->vig, best_vig, sizeof (best_vig));
      if (refit != NULL)
        {
          status = divide_out_position (look, after, mask, &img, &m);
          if (status != LOOKLAB_OK)
            goto nomem;
          status = refit_image (refit, refit_data, look, after, img, m,
                                centred ? WARM_EFFORT : 1.0,
                                RADIAL_REFIT_PATHS (look), centred);
          if (status == LOOKLAB_ERR_EMPTY)
            {
              /* The vignette darkens every pixel out of reach: keep the
               * global part as it was, without a radial part. */
              looklab_look_set_vignette (look, 0);
              kept_vig = 0;
              status = LOOKLAB_OK;
              goto detail;
            }
          if (status != LOOKLAB_OK)
            goto out;
          looklab_spatial_eval (look, s.xc, s.g, s.n, n_threads);
          if (fit_vignette (&s, s.g, best_prop, -1, vig) == 0)
            memcpy (look->vig, vig, sizeof (vig));
        }
      predict_vignette (&s, s.g, look->vig, best_prop, s.p);
    }

detail:
  /* Local-contrast part, over what the parts so far leave.  When the
   * global part can be fitted again without it, the band is first taken
   * apart from what the colour alone predicts of it (partial_out ()). */
  refit_det = refit != NULL;
  base_score = looklab_spatial_pair_score (&s, s.p, 1, n_threads);
  best_score = base_score;
  {
    /* The blur by the squared error of the held-out half (cheap), then
     * CIEDE2000 for the one chosen. */
    double best_sse = HUGE_VAL;

    for (pi = 0; pi < sizeof (det_sigmas) / sizeof (det_sigmas[0]); pi++)
      {
        double sse;

        if (detail_band (&s, det_sigmas[pi], band) != LOOKLAB_OK)
          goto nomem;
        if (refit_det && partial_out (&s, band) != LOOKLAB_OK)
          goto nomem;
        if (fit_detail (&s, s.p, band, 0, det) != 0)
          continue;
        predict_detail (&s, s.p, band, det, cand);
        sse = looklab_spatial_pair_sse (&s, cand, 1);
        if (sse < best_sse)
          {
            best_sse = sse;
            best_sigma = det_sigmas[pi];
          }
      }
    if (best_sigma > 0.0f)
      {
        if (detail_band (&s, best_sigma, band) != LOOKLAB_OK
            || (refit_det && partial_out (&s, band) != LOOKLAB_OK))
          goto nomem;
        if (fit_detail (&s, s.p, band, 0, det) == 0)
          {
            predict_detail (&s, s.p, band, det, cand);
            best_score = looklab_spatial_pair_score (&s, cand, 1, n_threads);
          }
      }
  }
  if (worth_it (base_score, best_score))
    {
      /* band holds the chosen blur's band, as scored above. */
      if (looklab_look_set_detail (look, DET_KNOTS) != LOOKLAB_OK)
        goto nomem;
      look->det_sigma = best_sigma;
      if (fit_detail (&s, s.p, band, -1, look->det) != 0)
        {
          free (look->det);
          look->det = NULL;
          look->det_knots = 0;
        }
      else
        {
          kept_det = 1;
          if (refit_det && !kept_vig)
            {
              /* As for the vignette: the global part again, on the after
               * image with the local contrast taken out (an unsharp mask
               * shifts the colour statistics the first fit saw), then the
               * part again over it.  After a radial part:
               * refit_radial_detail (). */
              float         *img = NULL;
              unsigned char *m = NULL;

              status
                  = undetail (look, before, after, mask, n_threads, &img, &m);
              if (status != LOOKLAB_OK)
                goto nomem;
              status = refit_image (refit, refit_data, look, after, img, m, 1.0,
                                    looklab_look_paths (look), 0);
              if (status != LOOKLAB_OK && status != LOOKLAB_ERR_EMPTY)
                goto out;
              status = LOOKLAB_OK;
              looklab_spatial_eval (look, s.xc, s.g, s.n, n_threads);
              memcpy (s.p, s.g, sizeof (float) * 3 * s.n);
              if (detail_band (&s, best_sigma, band) != LOOKLAB_OK)
                goto nomem;
              if (fit_detail (&s, s.p, band, -1, det) == 0)
                memcpy (look->det, det, sizeof (det));
            }
          else if (refit_det)
            {
              status = refit_radial_detail (look, &s, before, after, mask, band,
                                            n_threads, refit, refit_data, cand);
              if (status == LOOKLAB_ERR_NOMEM)
                goto nomem;
              if (status != LOOKLAB_OK)
                goto out;
            }
          predict_detail (&s, s.p, band, look->det, cand);
          memcpy (s.p, cand, sizeof (float) * 3 * s.n);
        }
    }

  if (!kept_det)
    {
      status = try_field (look, &s, after, mask, n_threads, refit, refit_data,
                          &kept_fld);
      if (status == LOOKLAB_ERR_NOMEM)
        goto nomem;
      if (status != LOOKLAB_OK)
        goto out;
    }

  if (kept_vig || kept_det || kept_fld)
    {
      /* The fit's error is now that of the whole look, over the sampled
       * pixels. */
      double sum = 0.0, mx = 0.0;
      size_t i;

      for (i = 0; i < s.n; i++)
        {
          float  q[3];
          double la[3], d;
          int    c;

          for (c = 0; c < 3; c++)
            q[c] = looklab_clamp01 (s.p[i * 3 + c]);
          looklab_srgb_to_lab (q, la);
          d = looklab_ciede2000 (la, s.lab + i * 3);
          sum += d;
          if (d > mx)
            mx = d;
        }
      look->fit_mean_de00 = sum / (double) s.n;
      look->fit_max_de00 = mx;
    }
  goto out;

nomem:
  status = looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0, "out of memory");
out:
  looklab_spatial_pair_clear (&s);
  free (cand);
  free (best);
  free (band);
  return status;
}
