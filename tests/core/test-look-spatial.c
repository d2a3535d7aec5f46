/* Tests of core/look/look-spatial.c and look-spatial-fit.c: the spatial
 * parts of a look.
 *
 * Synthetic, seeded pairs: a "photo" of smooth waves and noise, graded by
 * a known global look and then a known vignette (a gain falling with the
 * elliptical radius) or a known local-contrast boost (an unsharp mask with
 * a true Gaussian, not the fit's box approximation).  The fit must keep
 * the part the pair has and no other; the learned look must carry over to
 * a photo of another size and aspect ratio; a pair without spatial parts
 * must give the same bytes as a global-only fit (a version 1 file). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "common/colour.h"
#include "look/look-private.h"
#include "look/look.h"

#define FIT_STEPS 800

typedef struct
{
  int            w, h;
  unsigned char *px; /* RGB u8 */
} Img;

static uint32_t
rng (uint32_t *s)
{
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

static void
img_init (Img *im, int w, int h)
{
  im->w = w;
  im->h = h;
  im->px = g_malloc0 ((size_t) w * h * 3);
}

static void
pair_free (Img *b, Img *a)
{
  g_free (b->px);
  g_free (a->px);
}

static LookLabImageView
img_view (const Img *im)
{
  LookLabImageView v;

  v.pixels = im->px;
  v.format = LOOKLAB_PIXEL_RGB_U8;
  v.width = im->w;
  v.height = im->h;
  v.stride = (size_t) im->w * 3;
  return v;
}

/* Smooth waves whose phase depends on @seed, plus a little noise, in
 * normalised coordinates so that every size looks alike. */
static void
make_photo (Img *im, uint32_t seed)
{
  uint32_t s = seed;
  float    ph[9];
  int      x, y, c, k;

  for (k = 0; k < 9; k++)
    ph[k] = (float) (rng (&s) % 6283) / 1000.0f;
  for (y = 0; y < im->h; y++)
    for (x = 0; x < im->w; x++)
      for (c = 0; c < 3; c++)
        {
          float u = (float) x / im->w, v = (float) y / im->h;
          float val = 0.5f + 0.22f * sinf (7.0f * u + 3.0f * v + ph[c])
                      + 0.15f * sinf (11.0f * v - 5.0f * u + ph[3 + c])
                      + 0.08f * sinf (23.0f * u * v + ph[6 + c])
                      + ((float) (rng (&s) % 1001) / 1000.0f - 0.5f) * 0.06f;

          im->px[((size_t) y * im->w + x) * 3 + c]
              = (unsigned char) lrintf (CLAMP (val, 0.0f, 1.0f) * 255.0f);
        }
}

/* The known global part. */
static void
global_look (const float in[3], float out[3])
{
  out[0] = 0.9f * powf (in[0], 0.85f) + 0.05f;
  out[1] = 0.95f * in[1] + 0.03f * in[0];
  out[2] = 0.8f * in[2] + 0.1f;
}

/* The known vignette: gain 1 - 0.55 r^2, r elliptical (1 at corners). */
static float
vignette (int x, int y, int w, int h)
{
  float u = 2.0f * (x + 0.5f) / w - 1.0f, v = 2.0f * (y + 0.5f) / h - 1.0f;

  return 1.0f - 0.55f * (u * u + v * v) / 2.0f;
}

/* @in graded by the known global part, then each pixel multiplied by
 * @gain (one per pixel; NULL: no gain). */
static void
grade_gain (const Img *in, Img *out, const float *gain)
{
  size_t i, n = (size_t) in->w * in->h;
  int    c;

  img_init (out, in->w, in->h);
  for (i = 0; i < n; i++)
    {
      float a[3], b[3], g = gain != NULL ? gain[i] : 1.0f;

      for (c = 0; c < 3; c++)
        a[c] = in->px[i * 3 + c] / 255.0f;
      global_look (a, b);
      for (c = 0; c < 3; c++)
        out->px[i * 3 + c]
            = (unsigned char) lrintf (CLAMP (b[c] * g, 0.0f, 1.0f) * 255.0f);
    }
}

static void
grade_vignette (const Img *in, Img *out, int with_vignette)
{
  float *gain = NULL;
  int    x, y;

  if (with_vignette)
    {
      gain = g_new (float, (size_t) in->w * in->h);
      for (y = 0; y < in->h; y++)
        for (x = 0; x < in->w; x++)
          gain[(size_t) y * in->w + x] = vignette (x, y, in->w, in->h);
    }
  grade_gain (in, out, gain);
  g_free (gain);
}

/* Unsharp mask with a true Gaussian of sigma 0.012 of the diagonal,
 * amount 0.8, edges clamped. */
static void
grade_clarity (const Img *in, Img *out)
{
  int     w = in->w, h = in->h, x, y, c, t;
  double  sigma = 0.012 * sqrt ((double) w * w + (double) h * h);
  int     rad = (int) ceil (3.0 * sigma);
  double *k = g_new (double, 2 * rad + 1), ks = 0.0;
  double *tmp = g_new (double, (size_t) w *h * 3);
  double *bl = g_new (double, (size_t) w *h * 3);

  for (t = -rad; t <= rad; t++)
    ks += k[t + rad] = exp (-0.5 * t * t / (sigma * sigma));
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      for (c = 0; c < 3; c++)
        {
          double sum = 0.0;

          for (t = -rad; t <= rad; t++)
            sum += k[t + rad]
                   * in->px[((size_t) y * w + CLAMP (x + t, 0, w - 1)) * 3 + c];
          tmp[((size_t) y * w + x) * 3 + c] = sum / ks / 255.0;
        }
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      for (c = 0; c < 3; c++)
        {
          double sum = 0.0;

          for (t = -rad; t <= rad; t++)
            sum += k[t + rad]
                   * tmp[((size_t) CLAMP (y + t, 0, h - 1) * w + x) * 3 + c];
          bl[((size_t) y * w + x) * 3 + c] = sum / ks;
        }
  img_init (out, w, h);
  for (size_t i = 0; i < (size_t) w * h * 3; i++)
    {
      double v = in->px[i] / 255.0;

      v += 0.8 * (v - bl[i]);
      out->px[i] = (unsigned char) lrint (CLAMP (v, 0.0, 1.0) * 255.0);
    }
  g_free (k);
  g_free (tmp);
  g_free (bl);
}

static LookLabLook *
fit_threads (const Img *b, const Img *a, int spatial, int n_threads)
{
  LookLabFitParams params;
  LookLabImageView vb = img_view (b), va = img_view (a);
  LookLabLook     *look = NULL;
  LookLabDiag      diag = { 0 };
  int              status;

  looklab_fit_params_init (&params);
  params.iterations = FIT_STEPS;
  params.n_threads = n_threads;
  params.spatial = spatial;
  status = looklab_look_fit (&vb, &va, NULL, &params, NULL, NULL, &look, &diag);
  if (status != LOOKLAB_OK)
    g_error ("fit failed: %s (%s)", looklab_strerror (status), diag.message);
  return look;
}

static LookLabLook *
fit (const Img *b, const Img *a, int spatial)
{
  return fit_threads (b, a, spatial, 2);
}

static GBytes *
look_bytes (const LookLabLook *look)
{
  void  *data = NULL;
  size_t len = 0;

  g_assert_cmpint (looklab_look_serialize (look, &data, &len), ==, LOOKLAB_OK);
  return g_bytes_new_take (data, len);
}

/* Mean CIEDE2000 of @look applied to @b against @a. */
static double
apply_de00 (const LookLabLook *look, const Img *b, const Img *a)
{
  LookLabImageView v = img_view (b);
  size_t           n = (size_t) b->w * b->h, i;
  unsigned char   *out = g_malloc (n * 3);
  float           *p = g_new (float, n * 3), *q = g_new (float, n * 3);
  double           d;

  g_assert_cmpint (looklab_look_apply_view (look, &v, out, v.stride, b->w, b->h,
                                            0, 0, 1.0f, 2, NULL),
                   ==, LOOKLAB_OK);
  for (i = 0; i < n * 3; i++)
    {
      p[i] = out[i] / 255.0f;
      q[i] = a->px[i] / 255.0f;
    }
  d = looklab_mean_ciede2000 (p, q, n, 3, NULL);
  g_free (out);
  g_free (p);
  g_free (q);
  return d;
}

/* @look (with spatial parts) and @global (without), fitted to @b -> @a:
 * the spatial parts must halve the error in-sample and on another photo
 * @b2 -> @a2 graded alike, and leave under 1.5 dE00 there.  Frees all. */
static void
check_carries (LookLabLook *look, LookLabLook *global, Img *b, Img *a, Img *b2,
               Img *a2)
{
  double in_s = apply_de00 (look, b, a), in_g = apply_de00 (global, b, a);
  double out_s = apply_de00 (look, b2, a2), out_g = apply_de00 (global, b2, a2);

  g_test_message ("in-sample %.3f (global only %.3f), other photo %.3f "
                  "(global only %.3f)",
                  in_s, in_g, out_s, out_g);
  g_assert_cmpfloat (in_s, <, in_g / 2.0);
  g_assert_cmpfloat (out_s, <, out_g / 2.0);
  g_assert_cmpfloat (out_s, <, 1.5);
  looklab_look_free (look);
  looklab_look_free (global);
  pair_free (b, a);
  pair_free (b2, a2);
}

static void
test_vignette (void)
{
  Img             b, a, b2, a2;
  LookLabLook    *look, *global;
  LookLabLookInfo info;

  img_init (&b, 192, 128);
  make_photo (&b, 7);
  grade_vignette (&b, &a, 1);
  look = fit (&b, &a, 1);
  global = fit (&b, &a, 0);
  looklab_look_get_info (look, &info);
  g_assert_cmpint (info.vignette_knots, >, 0);
  g_assert_cmpint (info.detail_knots, ==, 0);
  /* The refits a radial part makes leave the global part without
   * per-channel curves (look-spatial-fit.c, RADIAL_REFIT_PATHS): version 2. */
  g_assert_cmpint (info.file_version, ==, 2);
  g_assert_cmpint (info.curve_knots, ==, 0);
  g_assert_true (looklab_look_has_spatial (look));
  g_assert_false (looklab_look_has_spatial (global));
  /* Mid-gray at the corners: the known gain there is 0.45. */
  g_test_message ("corner of mid-gray %.3f %.3f %.3f (prop %.2f)",
                  info.vignette_corner[0], info.vignette_corner[1],
                  info.vignette_corner[2], info.vignette_proportion);

  /* Another photo, portrait: the vignette follows the frame. */
  img_init (&b2, 100, 150);
  make_photo (&b2, 99);
  grade_vignette (&b2, &a2, 1);
  check_carries (look, global, &b, &a, &b2, &a2);
}

/* A vignette that subtracts, as G'MIC's `vignette` does: 0 inside 0.6 of
 * the elliptical radius, then down to -0.35 at the corners, clipped at 0
 * (dark colours near the corners go to black, and their value is lost). */
static void
grade_subtract (const Img *in, Img *out)
{
  int x, y, c;

  img_init (out, in->w, in->h);
  for (y = 0; y < in->h; y++)
    for (x = 0; x < in->w; x++)
      {
        size_t i = ((size_t) y * in->w + x) * 3;
        float  u = 2.0f * (x + 0.5f) / in->w - 1.0f;
        float  v = 2.0f * (y + 0.5f) / in->h - 1.0f;
        float  r = sqrtf ((u * u + v * v) / 2.0f), t, a[3], b[3];

        t = CLAMP ((r - 0.6f) / 0.4f, 0.0f, 1.0f);
        for (c = 0; c < 3; c++)
          a[c] = in->px[i + c] / 255.0f;
        global_look (a, b);
        for (c = 0; c < 3; c++)
          out->px[i + c] = (unsigned char) lrintf (
              CLAMP (b[c] - 0.35f * t, 0.0f, 1.0f) * 255.0f);
      }
}

/* The darkening must not leak into the global part: the fit starts from
 * the centre of the pair, and clipped pixels are censored. */
static void
test_subtractive_vignette (void)
{
  Img             b, a, b2, a2;
  LookLabLook    *look;
  LookLabLookInfo info;
  double          in_s, out_s;
  int             c;

  img_init (&b, 192, 128);
  make_photo (&b, 21);
  grade_subtract (&b, &a);
  look = fit (&b, &a, 1);
  looklab_look_get_info (look, &info);
  g_assert_cmpint (info.vignette_knots, >, 0);
  img_init (&b2, 100, 150);
  make_photo (&b2, 23);
  grade_subtract (&b2, &a2);
  in_s = apply_de00 (look, &b, &a);
  out_s = apply_de00 (look, &b2, &a2);
  /* The radial part alone takes mid-gray at the corners to 0.5 - 0.35. */
  g_test_message ("in-sample %.3f, other photo %.3f; corner of mid-gray "
                  "%.3f %.3f %.3f",
                  in_s, out_s, info.vignette_corner[0], info.vignette_corner[1],
                  info.vignette_corner[2]);
  for (c = 0; c < 3; c++)
    g_assert_cmpfloat (fabs (info.vignette_corner[c] - 0.15), <, 0.03);
  g_assert_cmpfloat (in_s, <, 0.6);
  g_assert_cmpfloat (out_s, <, 0.8);
  looklab_look_free (look);
  pair_free (&b, &a);
  pair_free (&b2, &a2);
}

/* A vignette towards black as ImageMagick's -vignette 0xS draws it: the
 * ellipse inscribed in the frame, filled white on black, blurred by a
 * Gaussian of sigma @sigma_w times the width (edges clamped), then a gain.
 * Not a function of the elliptical radius alone (the blur is round). */
static void
grade_blurred_ellipse (const Img *in, Img *out, double sigma_w)
{
  int     w = in->w, h = in->h, x, y, t;
  float  *gain;
  double  sigma = sigma_w * w;
  int     rad = (int) ceil (3.0 * sigma);
  double *k = g_new (double, 2 * rad + 1), ks = 0.0;
  double *m = g_new (double, (size_t) w *h),
         *tmp = g_new (double, (size_t) w *h);

  for (t = -rad; t <= rad; t++)
    ks += k[t + rad] = exp (-0.5 * t * t / (sigma * sigma));
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      {
        double u = 2.0 * (x + 0.5) / w - 1.0, v = 2.0 * (y + 0.5) / h - 1.0;

        m[(size_t) y * w + x] = u * u + v * v <= 1.0;
      }
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      {
        double sum = 0.0;

        for (t = -rad; t <= rad; t++)
          sum += k[t + rad] * m[(size_t) y * w + CLAMP (x + t, 0, w - 1)];
        tmp[(size_t) y * w + x] = sum / ks;
      }
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      {
        double sum = 0.0;

        for (t = -rad; t <= rad; t++)
          sum += k[t + rad] * tmp[(size_t) CLAMP (y + t, 0, h - 1) * w + x];
        m[(size_t) y * w + x] = sum / ks;
      }
  gain = g_new (float, (size_t) w *h);
  for (t = 0; t < w * h; t++)
    gain[t] = (float) m[t];
  grade_gain (in, out, gain);
  g_free (k);
  g_free (m);
  g_free (tmp);
  g_free (gain);
}

/* ImageMagick's vignette is not a function of the elliptical radius
 * alone; the fit must still take it for an elliptical one and carry it to
 * another photo of the same aspect ratio.  (The shape is chosen again over
 * the global part of the centre, best_proportion () in look-spatial-fit.c;
 * these synthetic pairs get it right either way, the photo of bench-looks'
 * sp-im-lomo did not.) */
static void
test_vignette_shape (void)
{
  Img             b, a, b2, a2;
  LookLabLook    *look;
  LookLabLookInfo info;
  double          in_s, out_s;

  img_init (&b, 192, 128);
  make_photo (&b, 31);
  grade_blurred_ellipse (&b, &a, 0.06);
  look = fit (&b, &a, 1);
  looklab_look_get_info (look, &info);
  img_init (&b2, 240, 160);
  make_photo (&b2, 37);
  grade_blurred_ellipse (&b2, &a2, 0.06);
  in_s = apply_de00 (look, &b, &a);
  out_s = apply_de00 (look, &b2, &a2);
  g_test_message ("proportion %.2f, in-sample %.3f, other photo %.3f",
                  info.vignette_proportion, in_s, out_s);
  g_assert_cmpint (info.vignette_knots, >, 0);
  g_assert_cmpfloat (info.vignette_proportion, ==, 1.0);
  /* What a radial gain leaves of a round blur of an ellipse: in-sample
   * 1.03, the other photo 1.29 dE00 when written. */
  g_assert_cmpfloat (in_s, <, 1.4);
  g_assert_cmpfloat (out_s, <, 1.6);
  looklab_look_free (look);
  pair_free (&b, &a);
  pair_free (&b2, &a2);
}

/* A look with spatial parts is the same bytes for any number of threads,
 * as a global look is (test-look.c): a radial part (the centre refit, the
 * second choice of its shape, the warm-started refit) and a local-contrast
 * part (its refit without the detail). */
static void
test_fit_threads (void)
{
  Img     b, a[2];
  GBytes *x[3];
  int     threads[] = { 1, 2, 3 }, k, p;

  img_init (&b, 192, 128);
  make_photo (&b, 7);
  grade_vignette (&b, &a[0], 1);
  grade_clarity (&b, &a[1]);
  for (p = 0; p < 2; p++)
    {
      for (k = 0; k < 3; k++)
        {
          LookLabLook *look = fit_threads (&b, &a[p], 1, threads[k]);

          g_assert_true (looklab_look_has_spatial (look));
          x[k] = look_bytes (look);
          looklab_look_free (look);
        }
      g_assert_true (g_bytes_equal (x[0], x[1]));
      g_assert_true (g_bytes_equal (x[0], x[2]));
      for (k = 0; k < 3; k++)
        g_bytes_unref (x[k]);
      g_free (a[p].px);
    }
  g_free (b.px);
}

/* A colour cast that sweeps across the frame (a gain falling from left to
 * right), which no function of the radius can draw, with or without the
 * vignette of grade_vignette () (a lomo look with a light leak). */
static void
grade_sweep (const Img *in, Img *out, int with_vignette)
{
  float *gain = g_new (float, (size_t) in->w * in->h);
  int    x, y;

  for (y = 0; y < in->h; y++)
    for (x = 0; x < in->w; x++)
      gain[(size_t) y * in->w + x]
          = (1.0f - 0.45f * (x + 0.5f) / in->w)
            * (with_vignette ? vignette (x, y, in->w, in->h) : 1.0f);
  grade_gain (in, out, gain);
  g_free (gain);
}

/* @look, fitted to a pair of grade_sweep (): it has a position field
 * (with a radial part when @with_vignette, without one otherwise) and no
 * local contrast; the field holds the sweep, not the vignette: mid-gray
 * at the left edge brighter than at the right, the top and bottom alike. */
static void
check_sweep_field (const LookLabLook *look, int with_vignette)
{
  LookLabLookInfo info;

  looklab_look_get_info (look, &info);
  g_test_message ("field: mid-gray %.3f at the left, %.3f at the right, "
                  "%.3f at the top, %.3f at the bottom (green)",
                  info.field_edges[2][1], info.field_edges[3][1],
                  info.field_edges[0][1], info.field_edges[1][1]);
  g_assert_cmpint (info.field_knots, >, 0);
  if (with_vignette)
    g_assert_cmpint (info.vignette_knots, >, 0);
  else
    g_assert_cmpint (info.vignette_knots, ==, 0);
  g_assert_cmpint (info.detail_knots, ==, 0);
  g_assert_cmpint (info.file_version, ==, 4);
  g_assert_cmpfloat (info.field_edges[2][1] - info.field_edges[3][1], >, 0.1);
  g_assert_cmpfloat (fabs (info.field_edges[0][1] - info.field_edges[1][1]), <,
                     0.05);
}

/* A patchwork of 8 x 8 pixel tiles of 48 colours drawn from @seed, each
 * tile one of them at random, plus a little noise: every colour is met all
 * over the frame, as a real photo's colours are met in many places (the
 * smooth waves of make_photo () put each colour in few places, so that
 * place and colour can hardly be told apart). */
static void
make_patchwork (Img *im, uint32_t seed)
{
  uint32_t s = seed;
  float    pal[48][3];
  int      x, y, c, k;

  for (k = 0; k < 48; k++)
    for (c = 0; c < 3; c++)
      pal[k][c] = 0.1f + 0.8f * (float) (rng (&s) % 1001) / 1000.0f;
  for (y = 0; y < im->h; y += 8)
    for (x = 0; x < im->w; x += 8)
      {
        int tile = (int) (rng (&s) % 48), i, j;

        for (j = y; j < y + 8 && j < im->h; j++)
          for (i = x; i < x + 8 && i < im->w; i++)
            for (c = 0; c < 3; c++)
              {
                float v
                    = pal[tile][c]
                      + ((float) (rng (&s) % 1001) / 1000.0f - 0.5f) * 0.04f;

                im->px[((size_t) j * im->w + i) * 3 + c]
                    = (unsigned char) lrintf (CLAMP (v, 0.0f, 1.0f) * 255.0f);
              }
      }
}

/* A pair of grade_sweep (): the fit keeps a position field (over the
 * radial part @with_vignette), and it carries over to a portrait.  The
 * photos: smooth waves for the sweep alone, patchworks for the sweep with
 * the vignette (on the waves, where each colour sits in few places, the
 * global part, the radial part and the field share the position as each
 * pair happens to allow: a field without a radial part for some seeds,
 * a radial part and no field for others). */
static void
sweep_case (int with_vignette)
{
  Img          b, a, b2, a2;
  LookLabLook *look, *global;

  img_init (&b, 192, 128);
  if (with_vignette)
    make_patchwork (&b, 17);
  else
    make_photo (&b, 13);
  grade_sweep (&b, &a, with_vignette);
  look = fit (&b, &a, 1);
  global = fit (&b, &a, 0);
  check_sweep_field (look, with_vignette);

  /* looklab_look_copy (), which the field's trial keeps to go back to: a
   * copy with every part writes the same bytes, and outlives the look. */
  {
    LookLabLook *copy = looklab_look_copy (look);
    GBytes      *x = look_bytes (look), *y;

    g_assert_nonnull (copy);
    y = look_bytes (copy);
    g_assert_true (g_bytes_equal (x, y));
    g_bytes_unref (y);
    looklab_look_free (look);
    look = copy;
    y = look_bytes (look);
    g_assert_true (g_bytes_equal (x, y));
    g_bytes_unref (x);
    g_bytes_unref (y);
  }

  img_init (&b2, 100, 150);
  if (with_vignette)
    make_patchwork (&b2, 99);
  else
    make_photo (&b2, 98);
  grade_sweep (&b2, &a2, with_vignette);
  check_carries (look, global, &b, &a, &b2, &a2);
}

static void
test_field (void)
{
  sweep_case (0);
}

static void
test_vignette_and_field (void)
{
  sweep_case (1);
}

/* The sweep with the vignette on smooth waves, where each colour sits in
 * few places: the field's gains pass the within test, but the whole look
 * with them loses on the held-out blocks, so the fit takes the look back
 * to what it was before the trial (the radial part alone).  That look is
 * whole: it applies, and is better than the global-only fit in-sample
 * and on another photo. */
static void
test_field_refused (void)
{
  Img             b, a, b2, a2;
  LookLabLook    *look, *global;
  LookLabLookInfo info;
  double          in_s, in_g, out_s, out_g;

  img_init (&b, 192, 128);
  make_photo (&b, 17);
  grade_sweep (&b, &a, 1);
  look = fit (&b, &a, 1);
  global = fit (&b, &a, 0);
  looklab_look_get_info (look, &info);
  img_init (&b2, 100, 150);
  make_photo (&b2, 99);
  grade_sweep (&b2, &a2, 1);
  in_s = apply_de00 (look, &b, &a);
  in_g = apply_de00 (global, &b, &a);
  out_s = apply_de00 (look, &b2, &a2);
  out_g = apply_de00 (global, &b2, &a2);
  g_test_message ("field refused: in-sample %.3f (global only %.3f), other "
                  "photo %.3f (global only %.3f)",
                  in_s, in_g, out_s, out_g);
  g_assert_cmpint (info.vignette_knots, >, 0);
  g_assert_cmpint (info.field_knots, ==, 0);
  g_assert_cmpint (info.file_version, ==, 2);
  g_assert_cmpfloat (in_s, <, in_g);
  g_assert_cmpfloat (out_s, <, out_g);
  looklab_look_free (look);
  looklab_look_free (global);
  pair_free (&b, &a);
  pair_free (&b2, &a2);
}

static void
test_global_pair_keeps_no_part (void)
{
  Img          b, a;
  LookLabLook *look, *global;
  void        *d1 = NULL, *d2 = NULL;
  size_t       l1 = 0, l2 = 0;

  img_init (&b, 192, 128);
  make_photo (&b, 11);
  grade_vignette (&b, &a, 0);
  look = fit (&b, &a, 1);
  global = fit (&b, &a, 0);
  g_assert_false (looklab_look_has_spatial (look));
  g_assert_cmpint (looklab_look_serialize (look, &d1, &l1), ==, 0);
  g_assert_cmpint (looklab_look_serialize (global, &d2, &l2), ==, 0);
  /* Version 3 (the fit's per-channel curves) with no spatial part: the
   * four bytes before the checksum count the parts. */
  g_assert_cmpuint (((unsigned char *) d1)[8], ==, 3);
  g_assert_cmpuint (((unsigned char *) d1)[l1 - 8], ==, 0);
  g_assert_cmpuint (l1, ==, l2);
  g_assert_cmpint (memcmp (d1, d2, l1), ==, 0);
  free (d1);
  free (d2);
  looklab_look_free (look);
  looklab_look_free (global);
  g_free (b.px);
  g_free (a.px);
}

/* Local contrast under a vignette (grade_clarity (), then the global
 * part and the vignette of grade_vignette (), the order of a raw
 * converter's clarity and post-crop vignette): the fit keeps both parts,
 * fits the global part again with both taken out (refit_radial_detail
 * ()), and they carry over to a portrait. */
static void
test_vignette_and_clarity (void)
{
  Img             b, a, c, b2, a2, c2;
  LookLabLook    *look, *global;
  LookLabLookInfo info;

  img_init (&b, 192, 128);
  make_photo (&b, 5);
  grade_clarity (&b, &c);
  grade_vignette (&c, &a, 1);
  look = fit (&b, &a, 1);
  global = fit (&b, &a, 0);
  looklab_look_get_info (look, &info);
  g_test_message ("vignette and clarity: corner of mid-gray %.3f %.3f %.3f, "
                  "detail sigma %.4f, gain %.3f..%.3f",
                  info.vignette_corner[0], info.vignette_corner[1],
                  info.vignette_corner[2], info.detail_sigma,
                  info.detail_gain_min, info.detail_gain_max);
  g_assert_cmpint (info.vignette_knots, >, 0);
  g_assert_cmpint (info.detail_knots, >, 0);
  g_assert_cmpint (info.field_knots, ==, 0);
  img_init (&b2, 100, 150);
  make_photo (&b2, 77);
  grade_clarity (&b2, &c2);
  grade_vignette (&c2, &a2, 1);
  g_free (c.px);
  g_free (c2.px);
  /* Without that refit (the parts fitted over the first global part,
   * which saw both averaged into every colour): 0.87 here. */
  g_assert_cmpfloat (apply_de00 (look, &b2, &a2), <, 0.65);
  check_carries (look, global, &b, &a, &b2, &a2);
}

static void
test_clarity (void)
{
  Img             b, a, b2, a2;
  LookLabLook    *look, *global;
  LookLabLookInfo info;
  double          out_s, out_g;

  img_init (&b, 192, 128);
  make_photo (&b, 5);
  grade_clarity (&b, &a);
  look = fit (&b, &a, 1);
  global = fit (&b, &a, 0);
  looklab_look_get_info (look, &info);
  g_test_message ("detail: sigma %.4f, gain %.3f..%.3f", info.detail_sigma,
                  info.detail_gain_min, info.detail_gain_max);
  g_assert_cmpint (info.detail_knots, >, 0);
  g_assert_cmpint (info.vignette_knots, ==, 0);
  g_assert_cmpfloat (info.detail_gain_max, >, 0.4);
  /* The local-contrast refit keeps the per-channel curves: version 3. */
  g_assert_cmpint (info.curve_knots, ==, LOOKLAB_LOOK_CURVE_KNOTS);
  g_assert_cmpint (info.file_version, ==, 3);
  img_init (&b2, 140, 140);
  make_photo (&b2, 77);
  grade_clarity (&b2, &a2);
  out_s = apply_de00 (look, &b2, &a2);
  out_g = apply_de00 (global, &b2, &a2);
  g_test_message ("other photo %.3f (global only %.3f)", out_s, out_g);
  g_assert_cmpfloat (out_s, <, out_g * 0.6);
  /* Without the band's mean per colour taken out before the gain is
   * fitted (look-spatial-fit.c, partial_out ()), the global part keeps part of
   * the local contrast: 0.46 here. */
  g_assert_cmpfloat (out_s, <, 0.25);
  looklab_look_free (look);
  looklab_look_free (global);
  pair_free (&b, &a);
  pair_free (&b2, &a2);
}

/* A look with both parts set by hand. */
static LookLabLook *
hand_look (void)
{
  LookLabLook *look = looklab_look_new_shape (8, 1, LOOKLAB_ACT_TANH, 1, 0);
  int          j, c;

  g_assert_nonnull (look);
  g_assert_cmpint (looklab_look_set_vignette (look, 6), ==, 0);
  g_assert_cmpint (looklab_look_set_detail (look, 4), ==, 0);
  for (j = 0; j < 6; j++)
    for (c = 0; c < 3; c++)
      {
        look->vig[j * 3 + c] = 1.0f - 0.1f * j - 0.02f * c;
        look->vig[(6 + j) * 3 + c] = 0.01f * j;
      }
  look->vig_prop = 0.3f;
  look->vig_cx = 0.1f;
  look->vig_cy = -0.2f;
  look->det_sigma = 0.02f;
  for (j = 0; j < 4; j++)
    look->det[j] = 0.3f + 0.1f * j;
  return look;
}

/* Tiles with their offsets give what the whole image gives: exactly for
 * the radial part, and where each tile has the margin of context around
 * it for the local-contrast part. */
static void
test_tiles (void)
{
  LookLabLook     *look = hand_look ();
  Img              b;
  LookLabImageView v;
  unsigned char   *whole, *tile;
  int              margin, x0, y0, tw = 50, th = 40, x, y;
  float           *det = look->det;

  img_init (&b, 160, 120);
  make_photo (&b, 3);
  v = img_view (&b);
  whole = g_malloc ((size_t) b.w * b.h * 3);

  /* Radial only: any tile is exact. */
  look->det_knots = 0;
  look->det = NULL;
  g_assert_cmpint (looklab_look_apply_margin (look, b.w, b.h), ==, 0);
  g_assert_cmpint (looklab_look_apply_view (look, &v, whole, v.stride, b.w, b.h,
                                            0, 0, 1.0f, 3, NULL),
                   ==, 0);
  tile = g_malloc ((size_t) tw * th * 3);
  for (y0 = 0; y0 + th <= b.h; y0 += 37)
    for (x0 = 0; x0 + tw <= b.w; x0 += 41)
      {
        LookLabImageView tv = v;

        tv.pixels = b.px + (size_t) y0 * v.stride + (size_t) x0 * 3;
        tv.width = tw;
        tv.height = th;
        g_assert_cmpint (looklab_look_apply_view (look, &tv, tile,
                                                  (size_t) tw * 3, b.w, b.h, x0,
                                                  y0, 1.0f, 1, NULL),
                         ==, 0);
        for (y = 0; y < th; y++)
          g_assert_cmpint (
              memcmp (tile + (size_t) y * tw * 3,
                      whole + (size_t) (y0 + y) * v.stride + (size_t) x0 * 3,
                      (size_t) tw * 3),
              ==, 0);
      }
  g_free (tile);

  /* Both parts: the centre of a view with the margin around it matches
   * the whole image to within a code value (the blur's running sums). */
  look->det = det;
  look->det_knots = 4;
  margin = looklab_look_apply_margin (look, b.w, b.h);
  g_assert_cmpint (margin, >, 0);
  g_assert_cmpint (looklab_look_apply_view (look, &v, whole, v.stride, b.w, b.h,
                                            0, 0, 1.0f, 2, NULL),
                   ==, 0);
  {
    int              cx = 50, cy = 40, cw = 30, ch = 20;
    int              vx = cx - margin, vy = cy - margin;
    int              vw = cw + 2 * margin, vh = ch + 2 * margin, c;
    LookLabImageView tv = v;
    unsigned char   *out;

    g_assert_cmpint (vx, >=, 0);
    g_assert_cmpint (vy, >=, 0);
    g_assert_cmpint (vx + vw, <=, b.w);
    g_assert_cmpint (vy + vh, <=, b.h);
    out = g_malloc ((size_t) vw * vh * 3);
    tv.pixels = b.px + (size_t) vy * v.stride + (size_t) vx * 3;
    tv.width = vw;
    tv.height = vh;
    g_assert_cmpint (looklab_look_apply_view (look, &tv, out, (size_t) vw * 3,
                                              b.w, b.h, vx, vy, 1.0f, 1, NULL),
                     ==, 0);
    for (y = 0; y < ch; y++)
      for (x = 0; x < cw; x++)
        for (c = 0; c < 3; c++)
          {
            int p = out[((size_t) (y + margin) * vw + x + margin) * 3 + c];
            int q = whole[((size_t) (cy + y) * b.w + cx + x) * 3 + c];

            g_assert_cmpint (abs (p - q), <=, 1);
          }
    g_free (out);
  }
  g_free (whole);
  g_free (b.px);
  looklab_look_free (look);
}

/* The result does not depend on the number of threads (the blur's passes
 * are split over them); apply_view () is apply_view_baked () with the
 * look's own global applier, and within a code value of the exact global
 * part (no bake). */
static void
test_apply_threads_and_bake (void)
{
  LookLabLook       *look = hand_look ();
  LookLabLutApplier *global = looklab_look_global_applier (look, 1);
  Img                b;
  LookLabImageView   v;
  unsigned char     *one, *other, *exact;
  size_t             n, i;
  int                threads[] = { 2, 3, 7 };
  gsize              k;

  img_init (&b, 203, 151);
  make_photo (&b, 5);
  v = img_view (&b);
  n = (size_t) b.w * b.h * 3;
  one = g_malloc (n);
  other = g_malloc (n);
  exact = g_malloc (n);
  g_assert_nonnull (global);
  g_assert_cmpint (looklab_look_apply_view (look, &v, one, v.stride, b.w, b.h,
                                            0, 0, 1.0f, 1, NULL),
                   ==, 0);
  for (k = 0; k < G_N_ELEMENTS (threads); k++)
    {
      g_assert_cmpint (looklab_look_apply_view (look, &v, other, v.stride, b.w,
                                                b.h, 0, 0, 1.0f, threads[k],
                                                NULL),
                       ==, 0);
      g_assert_cmpint (memcmp (one, other, n), ==, 0);
    }
  g_assert_cmpint (looklab_look_apply_view_baked (look, global, &v, other,
                                                  v.stride, b.w, b.h, 0, 0,
                                                  1.0f, 2, NULL),
                   ==, 0);
  g_assert_cmpint (memcmp (one, other, n), ==, 0);
  g_assert_cmpint (looklab_look_apply_view_baked (look, NULL, &v, exact,
                                                  v.stride, b.w, b.h, 0, 0,
                                                  1.0f, 2, NULL),
                   ==, 0);
  for (i = 0; i < n; i++)
    g_assert_cmpint (abs ((int) one[i] - (int) exact[i]), <=, 1);
  looklab_lut_applier_free (global);
  g_free (one);
  g_free (other);
  g_free (exact);
  g_free (b.px);
  looklab_look_free (look);
}

static void
test_apply_args_and_strength (void)
{
  LookLabLook     *look = hand_look ();
  Img              b;
  LookLabImageView v;
  unsigned char   *out;
  LookLabDiag      diag = { 0 };
  uint16_t         px16[4 * 6], out16[4 * 6];
  int              i;

  img_init (&b, 40, 30);
  make_photo (&b, 1);
  v = img_view (&b);
  out = g_malloc ((size_t) b.w * b.h * 3);
  g_assert_cmpint (looklab_look_apply_view (look, &v, out, v.stride, b.w - 1,
                                            b.h, 0, 0, 1.0f, 1, &diag),
                   ==, LOOKLAB_ERR_ARG);
  g_assert_cmpstr (diag.message, !=, "");
  g_assert_cmpint (looklab_look_apply_view (look, &v, out, v.stride, b.w + 5,
                                            b.h, 6, 0, 1.0f, 1, NULL),
                   ==, LOOKLAB_ERR_ARG);
  g_assert_cmpint (
      looklab_look_apply_view (look, &v, out, 3, b.w, b.h, 0, 0, 1.0f, 1, NULL),
      ==, LOOKLAB_ERR_ARG);
  g_assert_cmpint (looklab_look_apply_view (NULL, &v, out, v.stride, b.w, b.h,
                                            0, 0, 1.0f, 1, NULL),
                   ==, LOOKLAB_ERR_ARG);
  /* Strength 0 gives the input back; in place works. */
  g_assert_cmpint (looklab_look_apply_view (look, &v, out, v.stride, b.w, b.h,
                                            0, 0, 0.0f, 1, NULL),
                   ==, 0);
  g_assert_cmpint (memcmp (out, b.px, (size_t) b.w * b.h * 3), ==, 0);
  memcpy (out, b.px, (size_t) b.w * b.h * 3);
  {
    unsigned char   *ref = g_malloc ((size_t) b.w * b.h * 3);
    LookLabImageView ov = v;

    g_assert_cmpint (looklab_look_apply_view (look, &v, ref, v.stride, b.w, b.h,
                                              0, 0, 1.0f, 2, NULL),
                     ==, 0);
    ov.pixels = out;
    g_assert_cmpint (looklab_look_apply_view (look, &ov, out, v.stride, b.w,
                                              b.h, 0, 0, 1.0f, 2, NULL),
                     ==, 0);
    g_assert_cmpint (memcmp (out, ref, (size_t) b.w * b.h * 3), ==, 0);
    g_free (ref);
  }
  /* RGBA u16: alpha is kept. */
  for (i = 0; i < 24; i++)
    px16[i] = (uint16_t) (i * 2000 + 7);
  {
    LookLabImageView v16
        = { px16, LOOKLAB_PIXEL_RGBA_U16, 3, 2, 3 * 4 * sizeof (uint16_t) };

    g_assert_cmpint (looklab_look_apply_view (look, &v16, out16, v16.stride, 10,
                                              10, 2, 3, 1.0f, 1, NULL),
                     ==, 0);
    for (i = 0; i < 6; i++)
      g_assert_cmpuint (out16[i * 4 + 3], ==, px16[i * 4 + 3]);
  }
  g_free (out);
  g_free (b.px);
  looklab_look_free (look);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/look-spatial/vignette", test_vignette);
  g_test_add_func ("/look-spatial/field", test_field);
  g_test_add_func ("/look-spatial/vignette-and-field", test_vignette_and_field);
  g_test_add_func ("/look-spatial/field-refused", test_field_refused);
  g_test_add_func ("/look-spatial/global-pair-keeps-no-part",
                   test_global_pair_keeps_no_part);
  g_test_add_func ("/look-spatial/vignette-shape", test_vignette_shape);
  g_test_add_func ("/look-spatial/fit-threads", test_fit_threads);
  g_test_add_func ("/look-spatial/subtractive-vignette",
                   test_subtractive_vignette);
  g_test_add_func ("/look-spatial/clarity", test_clarity);
  g_test_add_func ("/look-spatial/vignette-and-clarity",
                   test_vignette_and_clarity);
  g_test_add_func ("/look-spatial/tiles", test_tiles);
  g_test_add_func ("/look-spatial/apply-threads-and-bake",
                   test_apply_threads_and_bake);
  g_test_add_func ("/look-spatial/apply-args-and-strength",
                   test_apply_args_and_strength);
  return g_test_run ();
}
