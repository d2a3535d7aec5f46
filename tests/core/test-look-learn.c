/* Tests of core/look/look-learn.c: learning a look from a pair as it
 * comes.  A pixel-aligned pair, and a same-size pair too small to
 * register, give exactly looklab_look_fit ()'s look; a cropped and scaled
 * after is registered and learned; without alignment it is refused for its
 * size; another scene is refused as such. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "look/look-learn.h"

/* A continuous textured scene (smooth hashed value noise, three octaves,
 * per channel), so that any crop or scale of it can be rendered exactly. */
static double
lattice (uint32_t seed, int ix, int iy)
{
  uint32_t s = (uint32_t) ix * 73856093u ^ (uint32_t) iy * 19349663u ^ seed;

  s = s * 2654435761u + 12345u;
  s ^= s >> 15;
  s *= 2246822519u;
  s ^= s >> 13;
  return (s & 0xffff) / 65535.0;
}

static double
value_noise (uint32_t seed, double x, double y)
{
  int    ix = (int) floor (x), iy = (int) floor (y);
  double fx = x - ix, fy = y - iy;

  fx = fx * fx * (3.0 - 2.0 * fx);
  fy = fy * fy * (3.0 - 2.0 * fy);
  return (1 - fy)
             * ((1 - fx) * lattice (seed, ix, iy)
                + fx * lattice (seed, ix + 1, iy))
         + fy
               * ((1 - fx) * lattice (seed, ix, iy + 1)
                  + fx * lattice (seed, ix + 1, iy + 1));
}

/* Renders @w x @h u8 RGB of scene @scene, pixel (i, j) showing the scene at
 * (x0 + (i + 0.5) * step, y0 + (j + 0.5) * step); @look: a warm tone curve
 * on top. */
static unsigned char *
render (uint32_t scene, int w, int h, double x0, double y0, double step,
        gboolean look)
{
  unsigned char *px = g_malloc ((size_t) w * h * 3);
  int            i, j, c;

  for (j = 0; j < h; j++)
    for (i = 0; i < w; i++)
      for (c = 0; c < 3; c++)
        {
          double x = x0 + (i + 0.5) * step, y = y0 + (j + 0.5) * step;
          double v
              = 0.5 * value_noise (scene * 3 + c, x / 23.0, y / 23.0)
                + 0.3 * value_noise (scene * 3 + c + 100, x / 7.0, y / 7.0)
                + 0.2 * value_noise (scene * 3 + c + 200, x / 3.0, y / 3.0);

          if (look)
            v = c == 0 ? pow (v, 0.8) : c == 2 ? 0.85 * v + 0.05 : v;
          px[((size_t) j * w + i) * 3 + c]
              = (unsigned char) lrint (CLAMP (v, 0.0, 1.0) * 255.0);
        }
  return px;
}

static LookLabImageView
view (const unsigned char *px, int w, int h)
{
  LookLabImageView v = { px, LOOKLAB_PIXEL_RGB_U8, w, h, (size_t) w * 3 };

  return v;
}

static void
small_params (LookLabFitParams *params)
{
  looklab_fit_params_init (params);
  params->hidden = 8;
  params->layers = 1;
  params->iterations = 300;
  params->n_threads = 1;
}

/* The bytes of a look (to compare two), freed by the caller. */
static GBytes *
look_bytes (LookLabLook *look)
{
  void  *data = NULL;
  size_t len = 0;

  g_assert_cmpint (looklab_look_serialize (look, &data, &len), ==, LOOKLAB_OK);
  looklab_look_free (look);
  return g_bytes_new_take (data, len);
}

/* Learned as given, byte for byte: a pixel-aligned pair, registered; a
 * same-size pair under the smallest side registration takes. */
static void
test_as_fit (void)
{
  static const int sizes[][2] = { { 240, 160 }, { 60, 40 } };
  gsize            k;

  for (k = 0; k < G_N_ELEMENTS (sizes); k++)
    {
      int              w = sizes[k][0], h = sizes[k][1];
      unsigned char   *b = render (0, w, h, 0, 0, 1.0, FALSE);
      unsigned char   *a = render (0, w, h, 0, 0, 1.0, TRUE);
      LookLabImageView vb = view (b, w, h), va = view (a, w, h);
      LookLabFitParams params;
      LookLabAlignment al;
      LookLabLook     *fitted = NULL, *learned = NULL;
      GBytes          *one, *two;

      small_params (&params);
      g_assert_cmpint (
          looklab_look_fit (&vb, &va, NULL, &params, NULL, NULL, &fitted, NULL),
          ==, LOOKLAB_OK);
      g_assert_cmpint (looklab_look_learn (&vb, &va, 1, &params, NULL, NULL,
                                           &learned, &al, NULL),
                       ==, LOOKLAB_OK);
      g_assert_true (al.aligned);
      if (w < LOOKLAB_ALIGN_MIN_SIDE || h < LOOKLAB_ALIGN_MIN_SIDE)
        g_assert_cmpfloat (al.confidence, ==, 0.0);
      else
        g_assert_cmpfloat (al.confidence, >, 0.5);
      one = look_bytes (fitted);
      two = look_bytes (learned);
      g_assert_true (g_bytes_equal (one, two));
      g_bytes_unref (one);
      g_bytes_unref (two);
      g_free (b);
      g_free (a);
    }
}

/* An after cropped and scaled to 0.75x is registered (where it came from)
 * and learned; the look it gives moves the before's colours as the true
 * look does.  Without alignment it is refused for its size. */
static void
test_reframed (void)
{
  const int        bw = 320, bh = 220, aw = 180, ah = 120;
  unsigned char   *b = render (0, bw, bh, 0, 0, 1.0, FALSE);
  unsigned char   *a = render (0, aw, ah, 60.0, 40.0, 1.0 / 0.75, TRUE);
  unsigned char   *truth = render (0, bw, bh, 0, 0, 1.0, TRUE);
  LookLabImageView vb = view (b, bw, bh), va = view (a, aw, ah);
  LookLabFitParams params;
  LookLabAlignment al;
  LookLabLook     *look = NULL;
  LookLabDiag      diag = { 0 };
  double           err = 0.0;
  size_t           i, n = (size_t) bw * bh * 3;

  small_params (&params);
  g_assert_cmpint (
      looklab_look_learn (&vb, &va, 0, &params, NULL, NULL, &look, &al, &diag),
      ==, LOOKLAB_ERR_MISMATCH);
  g_assert_null (look);
  g_assert_cmpint (
      looklab_look_learn (&vb, &va, 1, &params, NULL, NULL, &look, &al, &diag),
      ==, LOOKLAB_OK);
  g_assert_false (al.aligned);
  g_assert_cmpfloat (fabs (al.scale - 1.0 / 0.75), <, 0.01);
  g_assert_cmpfloat (fabs (al.tx - 60.0), <, 0.5);
  g_assert_cmpfloat (fabs (al.ty - 40.0), <, 0.5);
  for (i = 0; i < n; i += 3)
    {
      float rgb[3];
      int   c;

      for (c = 0; c < 3; c++)
        rgb[c] = b[i + c] / 255.0f;
      looklab_look_eval (look, rgb, rgb, 1);
      for (c = 0; c < 3; c++)
        err += fabs (rgb[c] * 255.0 - truth[i + c]);
    }
  err /= n;
  g_test_message ("reframed: mean error %.2f levels against the true look",
                  err);
  g_assert_cmpfloat (err, <, 2.0);
  looklab_look_free (look);
  g_free (b);
  g_free (a);
  g_free (truth);
}

/* An S-curve, strong enough that the look of a mix of colours is far
 * from the mix of their looks. */
static double
s_curve (double v)
{
  return v < 0.5 ? 2.0 * v * v : 1.0 - 2.0 * (1.0 - v) * (1.0 - v);
}

/* Mean error in 8-bit levels of @look on @before (@w x @h u8 RGB) against
 * the S-curve applied per channel. */
static double
s_curve_error (LookLabLook *look, const unsigned char *before, int w, int h)
{
  double err = 0.0;
  size_t i, n = (size_t) w * h * 3;

  for (i = 0; i < n; i += 3)
    {
      float rgb[3];
      int   c;

      for (c = 0; c < 3; c++)
        rgb[c] = before[i + c] / 255.0f;
      looklab_look_eval (look, rgb, rgb, 1);
      for (c = 0; c < 3; c++)
        err += fabs (rgb[c] * 255.0 - 255.0 * s_curve (before[i + c] / 255.0));
    }
  return err / n;
}

/* An after that a camera or an export made smaller: each of its pixels
 * is the mean of 2 x 2 graded pixels, where texture mixes colours that
 * the S-curve moves apart.  Learned through the blur of the pairing, the
 * look is closer to the truth than a fit to the blurred pair as it is
 * (the first of the two fits, made here by hand from the public calls). */
static void
test_through_blur (void)
{
  const int          bw = 320, bh = 224, aw = 120, ah = 84;
  unsigned char     *b = render (0, bw, bh, 0, 0, 1.0, FALSE);
  unsigned char     *a = g_malloc ((size_t) aw * ah * 3);
  LookLabImageView   vb = view (b, bw, bh), va = view (a, aw, ah), pb, pa;
  LookLabFitParams   params;
  LookLabAlignment   al;
  LookLabAlignedPair pair;
  LookLabLook       *learned = NULL, *plain = NULL;
  double             e_learned, e_plain;
  int                x, y, c, dx, dy;

  /* The after: the before's pixels from (40, 28) on, graded, 2 x 2 means. */
  for (y = 0; y < ah; y++)
    for (x = 0; x < aw; x++)
      for (c = 0; c < 3; c++)
        {
          double sum = 0.0;

          for (dy = 0; dy < 2; dy++)
            for (dx = 0; dx < 2; dx++)
              sum += s_curve (
                  b[((size_t) (28 + 2 * y + dy) * bw + 40 + 2 * x + dx) * 3 + c]
                  / 255.0);
          a[((size_t) y * aw + x) * 3 + c]
              = (unsigned char) lrint (sum / 4.0 * 255.0);
        }
  small_params (&params);
  params.iterations = 1000;
  g_assert_cmpint (looklab_look_learn (&vb, &va, 1, &params, NULL, NULL,
                                       &learned, &al, NULL),
                   ==, LOOKLAB_OK);
  g_assert_false (al.aligned);
  g_assert_cmpfloat (fabs (al.scale - 2.0), <, 0.01);

  g_assert_cmpint (looklab_align_pair (&vb, &va, &al, 1, &pair, NULL), ==,
                   LOOKLAB_OK);
  g_assert_cmpfloat (pair.fine_step, >, 1.9);
  pb = (LookLabImageView){ pair.before, LOOKLAB_PIXEL_RGB_FLOAT, pair.width,
                           pair.height, sizeof (float) * 3 * pair.width };
  pa = pb;
  pa.pixels = pair.after;
  g_assert_cmpint (
      looklab_look_fit (&pb, &pa, pair.mask, &params, NULL, NULL, &plain, NULL),
      ==, LOOKLAB_OK);
  looklab_aligned_pair_clear (&pair);

  e_learned = s_curve_error (learned, b, bw, bh);
  e_plain = s_curve_error (plain, b, bw, bh);
  g_test_message ("through the blur: mean error %.2f levels, the blurred pair "
                  "as it is %.2f",
                  e_learned, e_plain);
  g_assert_cmpfloat (e_learned, <, 0.8 * e_plain);
  looklab_look_free (learned);
  looklab_look_free (plain);
  g_free (b);
  g_free (a);
}

static void
test_other_scene (void)
{
  unsigned char   *b = render (0, 320, 220, 0, 0, 1.0, FALSE);
  unsigned char   *a = render (1, 200, 140, 0, 0, 1.0, TRUE);
  LookLabImageView vb = view (b, 320, 220), va = view (a, 200, 140);
  LookLabFitParams params;
  LookLabAlignment al;
  LookLabLook     *look = NULL;
  LookLabDiag      diag = { 0 };

  small_params (&params);
  g_assert_cmpint (
      looklab_look_learn (&vb, &va, 1, &params, NULL, NULL, &look, &al, &diag),
      ==, LOOKLAB_ERR_MISMATCH);
  g_assert_null (look);
  g_assert_nonnull (strstr (diag.message, "same scene"));
  g_free (b);
  g_free (a);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/look-learn/as-fit", test_as_fit);
  g_test_add_func ("/look-learn/reframed", test_reframed);
  g_test_add_func ("/look-learn/through-blur", test_through_blur);
  g_test_add_func ("/look-learn/other-scene", test_other_scene);
  return g_test_run ();
}
