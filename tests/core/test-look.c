/* Tests of core/look/look.c and core/look/look-fit.c: learning a look from a pair.
 *
 * The pairs are synthetic and seeded: a "photo" of smooth gradients and
 * scattered colours, and its twin through a known global look. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "common/colour.h"
#include "look/look-private.h"
#include "look/look.h"
#include "lut/lut-apply.h"
#include "lut/lut.h"

#define W 96
#define H 96
#define SHORT_FIT 300 /* optimiser steps where the result's quality is moot */

/* A known global look: a gamma, a channel mix and a lift, as a grade. */
static void
known_look (const float in[3], float out[3])
{
  float g[3];
  int   c;

  for (c = 0; c < 3; c++)
    g[c] = powf (in[c], 0.8f);
  out[0] = 0.85f * g[0] + 0.15f * g[1] + 0.02f;
  out[1] = 0.05f * g[0] + 0.90f * g[1] + 0.05f * g[2] + 0.01f;
  out[2] = 0.10f * g[1] + 0.80f * g[2] + 0.06f;
  for (c = 0; c < 3; c++)
    out[c] = out[c] < 0.0f ? 0.0f : out[c] > 1.0f ? 1.0f : out[c];
}

static uint32_t
rng (uint32_t *s)
{
  /* xorshift32: tests are seeded. */
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return *s;
}

/* Fills a W x H u8 RGB(A) "photo": the left half gradients over the cube,
 * the right half random colours. */
static void
make_before (unsigned char *px, int channels)
{
  uint32_t s = 12345;
  int      x, y;

  for (y = 0; y < H; y++)
    for (x = 0; x < W; x++)
      {
        unsigned char *p = px + ((size_t) y * W + x) * channels;

        if (x < W / 2)
          {
            p[0] = (unsigned char) (x * 255 / (W / 2 - 1));
            p[1] = (unsigned char) (y * 255 / (H - 1));
            p[2] = (unsigned char) (((x + y) * 7) & 255);
          }
        else
          {
            p[0] = (unsigned char) (rng (&s) & 255);
            p[1] = (unsigned char) (rng (&s) & 255);
            p[2] = (unsigned char) (rng (&s) & 255);
          }
        if (channels == 4)
          p[3] = 255;
      }
}

static void
make_after (const unsigned char *before, unsigned char *after, int channels)
{
  size_t i;
  int    c;

  for (i = 0; i < (size_t) W * H; i++)
    {
      float in[3], out[3];

      for (c = 0; c < 3; c++)
        in[c] = before[i * channels + c] / 255.0f;
      known_look (in, out);
      for (c = 0; c < 3; c++)
        after[i * channels + c] = (unsigned char) lrintf (out[c] * 255.0f);
      if (channels == 4)
        after[i * channels + 3] = before[i * channels + 3];
    }
}

static LookLabImageView
view_u8 (const unsigned char *px, int channels)
{
  LookLabImageView v;

  v.pixels = px;
  v.format = channels == 4 ? LOOKLAB_PIXEL_RGBA_U8 : LOOKLAB_PIXEL_RGB_U8;
  v.width = W;
  v.height = H;
  v.stride = (size_t) W * channels;
  return v;
}

static LookLabLook *
fit_ok (const LookLabImageView *b, const LookLabImageView *a,
        const unsigned char *mask, const LookLabFitParams *params)
{
  LookLabLook *look = NULL;
  LookLabDiag  diag = { 0 };
  int status = looklab_look_fit (b, a, mask, params, NULL, NULL, &look, &diag);

  if (status != LOOKLAB_OK)
    g_error ("fit failed: %s (%s)", looklab_strerror (status), diag.message);
  g_assert_nonnull (look);
  return look;
}

static GBytes *
look_bytes (const LookLabLook *look)
{
  void  *data = NULL;
  size_t len = 0;

  g_assert_cmpint (looklab_look_serialize (look, &data, &len), ==, 0);
  return g_bytes_new_with_free_func (data, len, free, data);
}

/* Mean CIEDE2000 of the look's prediction over the pixels of a pair. */
static double
pair_de00 (const LookLabLook *look, const unsigned char *b,
           const unsigned char *a, int channels)
{
  float *in = g_new (float, W *H * 3), *out = g_new (float, W *H * 3);
  float *want = g_new (float, W *H * 3);
  double d;
  size_t i;
  int    c;

  for (i = 0; i < (size_t) W * H; i++)
    for (c = 0; c < 3; c++)
      {
        in[i * 3 + c] = b[i * channels + c] / 255.0f;
        want[i * 3 + c] = a[i * channels + c] / 255.0f;
      }
  looklab_look_eval (look, in, out, (size_t) W * H);
  d = looklab_mean_ciede2000 (out, want, (size_t) W * H, 3, NULL);
  g_free (in);
  g_free (out);
  g_free (want);
  return d;
}

static void
test_identity (void)
{
  unsigned char   *b = g_malloc (W * H * 3);
  LookLabImageView v;
  LookLabLook     *look;
  LookLabLookInfo  info;
  uint32_t         s = 7;
  int              i;

  make_before (b, 3);
  v = view_u8 (b, 3);
  look = fit_ok (&v, &v, NULL, NULL);
  /* Any colour, seen or not, in range or not, comes back unchanged. */
  for (i = 0; i < 2000; i++)
    {
      float in[3], out[3];
      int   c;

      for (c = 0; c < 3; c++)
        in[c] = (float) (rng (&s) % 10001) / 10000.0f * 1.2f - 0.1f;
      looklab_look_eval (look, in, out, 1);
      for (c = 0; c < 3; c++)
        g_assert_cmpfloat (out[c], ==, in[c]);
    }
  looklab_look_get_info (look, &info);
  g_assert_cmpfloat (info.fit_mean_de00, ==, 0.0);
  g_assert_cmpint (info.hidden, ==, 32);
  g_assert_cmpint (info.layers, ==, 2);
  g_assert_cmpuint (info.n_parameters, ==,
                    3 * 32 + 32 + 32 * 32 + 32 + 32 * 3 + 3
                        + (look->skip ? 9 : 0)
                        + (look->curves ? 3 * LOOKLAB_LOOK_CURVE_KNOTS : 0));
  g_assert_cmpint (info.curve_knots, ==,
                   look->curves ? LOOKLAB_LOOK_CURVE_KNOTS : 0);
  looklab_look_free (look);
  g_free (b);
}

static void
test_known_look (void)
{
  /* The defaults, as users get them. */
  unsigned char   *b = g_malloc (W * H * 3), *a = g_malloc (W * H * 3);
  LookLabImageView vb, va;
  LookLabLook     *look;
  LookLabLookInfo  info;
  double           d;

  make_before (b, 3);
  make_after (b, a, 3);
  vb = view_u8 (b, 3);
  va = view_u8 (a, 3);
  look = fit_ok (&vb, &va, NULL, NULL);
  d = pair_de00 (look, b, a, 3);
  g_test_message ("in-sample mean dE00 %.3f", d);
  g_assert_cmpfloat (d, <, 0.5);
  looklab_look_get_info (look, &info);
  g_assert_cmpfloat (info.fit_mean_de00, <, 0.5);
  g_assert_cmpuint (info.fit_samples, >, 1000);
  g_assert_cmpint (info.correction_size, >, 0);
  looklab_look_free (look);
  g_free (b);
  g_free (a);
}

static void
test_mismatch (void)
{
  unsigned char   *b = g_malloc0 (W * H * 3), *a = g_malloc0 (W * H * 3);
  LookLabImageView vb = view_u8 (b, 3), va = view_u8 (a, 3);
  LookLabLook     *look = (LookLabLook *) 0x1;
  LookLabDiag      diag = { 0 };

  va.width = W / 2;
  g_assert_cmpint (
      looklab_look_fit (&vb, &va, NULL, NULL, NULL, NULL, &look, &diag), ==,
      LOOKLAB_ERR_MISMATCH);
  g_assert_null (look);
  g_assert_nonnull (strstr (diag.message, "96 x 96"));
  g_assert_nonnull (strstr (diag.message, "48 x 96"));
  g_free (b);
  g_free (a);
}

static void
test_bad_params (void)
{
  unsigned char   *b = g_malloc0 (W * H * 3);
  LookLabImageView vb = view_u8 (b, 3);
  LookLabFitParams params;
  LookLabLook     *look = NULL;
  LookLabDiag      diag = { 0 };

  looklab_fit_params_init (&params);
  params.hidden = 100000;
  g_assert_cmpint (
      looklab_look_fit (&vb, &vb, NULL, &params, NULL, NULL, &look, &diag), ==,
      LOOKLAB_ERR_ARG);
  g_assert_null (look);
  g_assert_cmpstr (diag.message, !=, "");
  looklab_fit_params_init (&params);
  params.correction = 1000;
  g_assert_cmpint (
      looklab_look_fit (&vb, &vb, NULL, &params, NULL, NULL, &look, &diag), ==,
      LOOKLAB_ERR_ARG);
  g_free (b);
}

/* Pixels with alpha 0 in either image, and masked pixels, do not count:
 * garbage under them changes no byte of the look. */
static void
test_alpha_and_mask (void)
{
  unsigned char   *b = g_malloc (W * H * 4), *a = g_malloc (W * H * 4);
  unsigned char   *b3 = g_malloc (W * H * 3), *a3 = g_malloc (W * H * 3);
  unsigned char   *mask = g_malloc (W * H);
  LookLabImageView vb, va;
  LookLabFitParams params;
  LookLabLook     *l1, *l2, *l3;
  GBytes          *x1, *x2, *x3;
  size_t           i;
  int              c;

  looklab_fit_params_init (&params);
  params.iterations = SHORT_FIT;
  make_before (b, 4);
  make_after (b, a, 4);
  for (i = 0; i < (size_t) W * H; i++)
    {
      int hidden = (i % 7) == 0;

      /* Transparent in the before image for some, in the after for others. */
      if (hidden)
        {
          if (i % 2)
            b[i * 4 + 3] = 0;
          else
            a[i * 4 + 3] = 0;
          for (c = 0; c < 3; c++)
            a[i * 4 + c] = (unsigned char) (255 - a[i * 4 + c]);
        }
      mask[i] = hidden ? 0 : 255;
    }
  vb = view_u8 (b, 4);
  va = view_u8 (a, 4);
  l1 = fit_ok (&vb, &va, NULL, &params);

  /* Other garbage under the transparent pixels. */
  for (i = 0; i < (size_t) W * H; i += 7)
    for (c = 0; c < 3; c++)
      a[i * 4 + c] = (unsigned char) (i * 31 + c);
  l2 = fit_ok (&vb, &va, NULL, &params);

  /* The same pixels masked out of opaque RGB images. */
  for (i = 0; i < (size_t) W * H; i++)
    for (c = 0; c < 3; c++)
      {
        b3[i * 3 + c] = b[i * 4 + c];
        a3[i * 3 + c] = a[i * 4 + c];
      }
  vb = view_u8 (b3, 3);
  va = view_u8 (a3, 3);
  l3 = fit_ok (&vb, &va, mask, &params);

  x1 = look_bytes (l1);
  x2 = look_bytes (l2);
  x3 = look_bytes (l3);
  g_assert_true (g_bytes_equal (x1, x2));
  g_assert_true (g_bytes_equal (x1, x3));
  g_bytes_unref (x1);
  g_bytes_unref (x2);
  g_bytes_unref (x3);
  looklab_look_free (l1);
  looklab_look_free (l2);
  looklab_look_free (l3);
  g_free (b);
  g_free (a);
  g_free (b3);
  g_free (a3);
  g_free (mask);
}

static void
test_all_transparent (void)
{
  unsigned char   *b = g_malloc0 (W * H * 4);
  LookLabImageView vb = view_u8 (b, 4);
  LookLabLook     *look = NULL;
  LookLabDiag      diag = { 0 };

  g_assert_cmpint (
      looklab_look_fit (&vb, &vb, NULL, NULL, NULL, NULL, &look, &diag), ==,
      LOOKLAB_ERR_EMPTY);
  g_assert_null (look);
  g_assert_cmpstr (diag.message, !=, "");
  g_free (b);
}

/* Same inputs and seed give the same bytes, for 1 and 2 threads alike; a
 * different seed gives a different look. */
static void
test_determinism (void)
{
  unsigned char   *b = g_malloc (W * H * 3), *a = g_malloc (W * H * 3);
  LookLabImageView vb, va;
  LookLabFitParams params;
  GBytes          *x[4];
  int              i;

  make_before (b, 3);
  make_after (b, a, 3);
  vb = view_u8 (b, 3);
  va = view_u8 (a, 3);
  looklab_fit_params_init (&params);
  params.iterations = SHORT_FIT;
  for (i = 0; i < 4; i++)
    {
      LookLabLook *look;

      params.n_threads = i == 0 ? 1 : 2;
      params.seed = i == 3 ? 2 : 1;
      look = fit_ok (&vb, &va, NULL, &params);
      x[i] = look_bytes (look);
      looklab_look_free (look);
    }
  g_assert_true (g_bytes_equal (x[0], x[1]));
  g_assert_true (g_bytes_equal (x[1], x[2]));
  g_assert_false (g_bytes_equal (x[0], x[3]));
  for (i = 0; i < 4; i++)
    g_bytes_unref (x[i]);
  g_free (b);
  g_free (a);
}

/* 16-bit and float inputs are read as the same colours as 8-bit ones. */
static void
test_formats (void)
{
  unsigned char   *b = g_malloc (W * H * 3), *a = g_malloc (W * H * 3);
  uint16_t        *b16 = g_new (uint16_t, W * H * 3);
  float           *af = g_new (float, W *H * 3);
  LookLabImageView vb, va;
  LookLabFitParams params;
  LookLabLook     *look;
  size_t           i;

  make_before (b, 3);
  make_after (b, a, 3);
  for (i = 0; i < (size_t) W * H * 3; i++)
    {
      b16[i] = (uint16_t) (b[i] * 257);
      af[i] = a[i] / 255.0f;
    }
  vb.pixels = b16;
  vb.format = LOOKLAB_PIXEL_RGB_U16;
  vb.width = W;
  vb.height = H;
  vb.stride = W * 6;
  va.pixels = af;
  va.format = LOOKLAB_PIXEL_RGB_FLOAT;
  va.width = W;
  va.height = H;
  va.stride = W * 12;
  looklab_fit_params_init (&params);
  params.iterations = 1000;
  look = fit_ok (&vb, &va, NULL, &params);
  g_assert_cmpfloat (pair_de00 (look, b, a, 3), <, 1.0);
  looklab_look_free (look);
  g_free (b);
  g_free (a);
  g_free (b16);
  g_free (af);
}

/* The correction lattice fades to zero far from the pair's colours. */
static void
test_correction_fades (void)
{
  unsigned char   *b = g_malloc (W * H * 3), *a = g_malloc (W * H * 3);
  LookLabImageView vb, va;
  LookLabFitParams params;
  LookLabLook     *look;
  size_t           i, k;
  float            near = 0.0f, far = 0.0f;

  /* Only dark colours: everything below 0.3. */
  make_before (b, 3);
  for (i = 0; i < (size_t) W * H * 3; i++)
    b[i] = (unsigned char) (b[i] * 3 / 10);
  make_after (b, a, 3);
  vb = view_u8 (b, 3);
  va = view_u8 (a, 3);
  looklab_fit_params_init (&params);
  params.iterations = SHORT_FIT;
  look = fit_ok (&vb, &va, NULL, &params);
  g_assert_cmpint (look->corr_size, >, 2);
  {
    int    K = look->corr_size;
    size_t first = 0, last = ((size_t) K * K * K - 1) * 3;

    for (k = 0; k < 3; k++)
      {
        near = MAX (near, fabsf (look->corr[first + k]));
        far = MAX (far, fabsf (look->corr[last + k]));
      }
  }
  g_test_message ("correction at black %g, at white %g", near, far);
  /* Under a quarter of an 8-bit code value, and far below the correction
   * where the samples are. */
  g_assert_cmpfloat (far, <, 1e-3);
  g_assert_cmpfloat (far, <, near / 20.0f);
  looklab_look_free (look);
  g_free (b);
  g_free (a);
}

static int
cancel_at_half (double fraction, void *user_data)
{
  int *calls = user_data;

  (*calls)++;
  g_assert_cmpfloat (fraction, >=, 0.0);
  g_assert_cmpfloat (fraction, <=, 1.0);
  return fraction > 0.5;
}

static int
count_calls (double fraction, void *user_data)
{
  double *last = user_data;

  g_assert_cmpfloat (fraction, >=, *last);
  *last = fraction;
  return 0;
}

static void
test_progress_and_cancel (void)
{
  unsigned char   *b = g_malloc (W * H * 3), *a = g_malloc (W * H * 3);
  LookLabImageView vb, va;
  LookLabFitParams params;
  LookLabLook     *look = NULL;
  LookLabDiag      diag = { 0 };
  int              calls = 0;
  double           last = 0.0;

  make_before (b, 3);
  make_after (b, a, 3);
  vb = view_u8 (b, 3);
  va = view_u8 (a, 3);
  looklab_fit_params_init (&params);
  params.iterations = SHORT_FIT;
  params.n_threads = 2;
  g_assert_cmpint (looklab_look_fit (&vb, &va, NULL, &params, cancel_at_half,
                                     &calls, &look, &diag),
                   ==, LOOKLAB_ERR_CANCELLED);
  g_assert_null (look);
  g_assert_cmpint (calls, >, 1);
  g_assert_cmpint (looklab_look_fit (&vb, &va, NULL, &params, count_calls,
                                     &last, &look, &diag),
                   ==, LOOKLAB_OK);
  g_assert_cmpfloat (last, ==, 1.0);
  looklab_look_free (look);
  g_free (b);
  g_free (a);
}

/* The baked LUT holds the look exactly at its nodes and close between. */
static void
test_bake (void)
{
  unsigned char   *b = g_malloc (W * H * 3), *a = g_malloc (W * H * 3);
  LookLabImageView vb, va;
  LookLabFitParams params;
  LookLabLook     *look;
  LookLabLut      *lut, *lut1;
  uint32_t         s = 99;
  int              i, c, size = 33;
  double           worst = 0.0;

  make_before (b, 3);
  make_after (b, a, 3);
  vb = view_u8 (b, 3);
  va = view_u8 (a, 3);
  looklab_fit_params_init (&params);
  params.iterations = SHORT_FIT;
  look = fit_ok (&vb, &va, NULL, &params);
  lut = looklab_look_bake (look, size, 2);
  lut1 = looklab_look_bake (look, size, 1);
  g_assert_nonnull (lut);
  g_assert_nonnull (lut1);
  g_assert_cmpint (
      memcmp (lut->table, lut1->table, sizeof (float) * 3 * size * size * size),
      ==, 0);
  g_assert_null (looklab_look_bake (look, 1, 1));
  g_assert_null (looklab_look_bake (look, LOOKLAB_LUT_MAX_SIZE + 1, 1));
  for (i = 0; i < 3000; i++)
    {
      float  in[3], want[3], got[3];
      double la[3], lb[3], d;

      if (i < 1000)
        {
          /* A node. */
          int          r = (int) (rng (&s) % size), g = (int) (rng (&s) % size);
          int          bl = (int) (rng (&s) % size);
          const float *node
              = lut->table + (((size_t) bl * size + g) * size + r) * 3;

          in[0] = (float) r / (size - 1);
          in[1] = (float) g / (size - 1);
          in[2] = (float) bl / (size - 1);
          looklab_look_eval (look, in, want, 1);
          for (c = 0; c < 3; c++)
            g_assert_cmpfloat (node[c], ==, want[c]);
          continue;
        }
      for (c = 0; c < 3; c++)
        in[c] = (float) (rng (&s) % 10001) / 10000.0f;
      looklab_look_eval (look, in, want, 1);
      looklab_lut_eval (lut, in, got);
      looklab_srgb_to_lab (want, la);
      looklab_srgb_to_lab (got, lb);
      d = looklab_ciede2000 (la, lb);
      worst = MAX (worst, d);
    }
  g_test_message ("bake 33: worst dE00 between LUT and look %.3f", worst);
  g_assert_cmpfloat (worst, <, 1.0);
  looklab_lut_free (lut);
  looklab_lut_free (lut1);
  looklab_look_free (look);
  g_free (b);
  g_free (a);
}

/* Float pixels beyond [0, 1]: a baked look passes the excess through, as
 * the look does (look.c); the same table as a .cube (keep_excess 0)
 * clamps.  Checked through the fast paths and the reference. */
static void
test_bake_excess (void)
{
  static const float px[][3] = {
    { 1.5f, 0.3f, -0.25f }, { 3.0f, 2.0f, 1.0f }, { -1.0f, 0.5f, 0.5f },
    { 0.2f, 0.4f, 0.6f },   { NAN, 0.5f, 0.5f },  { INFINITY, 0.5f, 0.5f },
  };
  enum
  {
    N = G_N_ELEMENTS (px)
  };
  unsigned char   *b = g_malloc (W * H * 3), *a = g_malloc (W * H * 3);
  LookLabImageView vb, va;
  LookLabFitParams params;
  LookLabLook     *look;
  LookLabLut      *lut;
  float            in[N][4], clamped[N][4], out[N][4], out_c[N][4];
  int              i, c, keep;

  make_before (b, 3);
  make_after (b, a, 3);
  vb = view_u8 (b, 3);
  va = view_u8 (a, 3);
  looklab_fit_params_init (&params);
  params.iterations = SHORT_FIT;
  look = fit_ok (&vb, &va, NULL, &params);
  lut = looklab_look_bake (look, 17, 1);
  g_assert_nonnull (lut);
  g_assert_cmpint (lut->keep_excess, ==, 1);
  for (i = 0; i < N; i++)
    for (c = 0; c < 4; c++)
      {
        float v = c < 3 ? px[i][c] : 0.25f;

        in[i][c] = v;
        /* Where the lattice is looked up: NaN at 0, infinities at the
         * edge. */
        clamped[i][c] = c == 3 ? v : isnan (v) ? 0.0f : CLAMP (v, 0.0f, 1.0f);
      }
  for (keep = 1; keep >= 0; keep--)
    {
      lut->keep_excess = keep;
      g_assert_cmpint (looklab_lut_apply (lut, LOOKLAB_PIXEL_RGBA_FLOAT,
                                          LOOKLAB_INTERP_TETRAHEDRAL, 1.0f, in,
                                          sizeof in, out, sizeof out, N, 1, 1),
                       ==, LOOKLAB_OK);
      g_assert_cmpint (looklab_lut_apply (lut, LOOKLAB_PIXEL_RGBA_FLOAT,
                                          LOOKLAB_INTERP_TETRAHEDRAL, 1.0f,
                                          clamped, sizeof in, out_c, sizeof out,
                                          N, 1, 1),
                       ==, LOOKLAB_OK);
      for (i = 0; i < N; i++)
        {
          float want[3], ref[3];

          looklab_look_eval (look, in[i], want, 1);
          looklab_lut_eval (lut, in[i], ref);
          for (c = 0; c < 3; c++)
            {
              float excess
                  = isfinite (in[i][c]) ? in[i][c] - clamped[i][c] : 0.0f;

              if (i == 4 && c == 0)
                continue; /* NaN in: only "adds nothing" is promised */
              /* The lattice's colour at the clamped input, plus the
               * excess for a look, nothing for a .cube. */
              g_assert_cmpfloat_with_epsilon (
                  out[i][c], out_c[i][c] + (keep ? excess : 0.0f), 1e-5);
              g_assert_cmpfloat_with_epsilon (out[i][c], ref[c], 1e-4);
              if (keep)
                g_assert_cmpfloat_with_epsilon (out[i][c], want[c], 0.02);
            }
          g_assert_cmpfloat (out[i][3], ==, 0.25f);
        }
    }
  /* Packed RGB float too: the AVX-512 kernel, which clamps, must not be
   * chosen for a baked look (a merge once let it, and the CLI clamped a
   * float TIFF through a look file). */
  lut->keep_excess = 1;
  {
    float in3[N][3], out3[N][3];

    for (i = 0; i < N; i++)
      for (c = 0; c < 3; c++)
        in3[i][c] = in[i][c];
    g_assert_cmpint (looklab_lut_apply (lut, LOOKLAB_PIXEL_RGBA_FLOAT,
                                        LOOKLAB_INTERP_TETRAHEDRAL, 1.0f, in,
                                        sizeof in, out, sizeof out, N, 1, 1),
                     ==, LOOKLAB_OK);
    g_assert_cmpint (looklab_lut_apply (lut, LOOKLAB_PIXEL_RGB_FLOAT,
                                        LOOKLAB_INTERP_TETRAHEDRAL, 1.0f, in3,
                                        sizeof in3, out3, sizeof out3, N, 1, 1),
                     ==, LOOKLAB_OK);
    for (i = 0; i < N; i++)
      for (c = 0; c < 3; c++)
        if (!(i == 4 && c == 0))
          g_assert_cmpfloat_with_epsilon (out3[i][c], out[i][c], 1e-5);
  }
  looklab_lut_free (lut);
  looklab_look_free (look);
  g_free (b);
  g_free (a);
}

/* The MLP one colour at a time, as look.c evaluated it before it ran
 * blocks of colours in vector lanes (kept here as the reference). */
static void
eval_mlp_plain (const LookLabLook *look, const float *in, float *out)
{
  float        a[LOOKLAB_LOOK_MAX_HIDDEN], b[LOOKLAB_LOOK_MAX_HIDDEN], u[3];
  const float *p = look->params;
  int          h = look->hidden, l, j, k;

  for (k = 0; k < 3; k++)
    u[k] = 2.0f * in[k] - 1.0f;
  for (j = 0; j < h; j++)
    {
      float s = p[h * 3 + j];

      for (k = 0; k < 3; k++)
        s += p[j * 3 + k] * u[k];
      a[j] = looklab_activate (look->activation, s);
    }
  p += h * 3 + h;
  for (l = 1; l < look->layers; l++)
    {
      for (j = 0; j < h; j++)
        {
          float s = p[h * h + j];

          for (k = 0; k < h; k++)
            s += p[j * h + k] * a[k];
          b[j] = looklab_activate (look->activation, s);
        }
      memcpy (a, b, sizeof (float) * h);
      p += h * h + h;
    }
  for (j = 0; j < 3; j++)
    {
      float s = p[3 * h + j];

      for (k = 0; k < h; k++)
        s += p[j * h + k] * a[k];
      if (look->skip)
        for (k = 0; k < 3; k++)
          s += p[3 * h + 3 + j * 3 + k] * u[k];
      out[j] = s;
    }
  if (look->curves)
    for (j = 0; j < 3; j++)
      {
        /* Channel j's curve, linear between knots at 0, 1/15, .., 1. */
        const float *knots = look->params + look->n_params
                             - 3 * LOOKLAB_LOOK_CURVE_KNOTS
                             + j * LOOKLAB_LOOK_CURVE_KNOTS;
        float t = in[j] * (float) (LOOKLAB_LOOK_CURVE_KNOTS - 1), f;
        int   i = (int) t;

        if (i > LOOKLAB_LOOK_CURVE_KNOTS - 2)
          i = LOOKLAB_LOOK_CURVE_KNOTS - 2;
        f = t - (float) i;
        out[j] += knots[i] + f * (knots[i + 1] - knots[i]);
      }
}

/* The blocked evaluation gives the plain loop's floats bit for bit, for
 * every shape a look file may have, any count of colours (blocks filled or
 * not) and inputs that drive tanh into its clamps. */
static void
test_eval_blocked (void)
{
  static const int shapes[][4] = {
    /* hidden, layers, activation, paths (LOOKLAB_PATH_* bits) */
    { 32, 2, LOOKLAB_ACT_TANH, 0 },
    { 32, 2, LOOKLAB_ACT_SILU, 1 },
    { 1, 1, LOOKLAB_ACT_TANH, 1 },
    { 7, 3, LOOKLAB_ACT_SILU, 0 },
    { 64, 4, LOOKLAB_ACT_TANH, 1 },
    { LOOKLAB_LOOK_MAX_HIDDEN, 1, LOOKLAB_ACT_SILU, 1 },
    { 32, 2, LOOKLAB_ACT_TANH, 3 },
    { 5, 1, LOOKLAB_ACT_SILU, 2 },
  };
  enum
  {
    N = 37
  };
  uint32_t s = 4242;
  float    in[N * 3], got[N * 3], want[3];
  size_t   t, i, n;

  for (t = 0; t < G_N_ELEMENTS (shapes); t++)
    {
      LookLabLook *look = looklab_look_new_shape (
          shapes[t][0], shapes[t][1], shapes[t][2], (unsigned) shapes[t][3], 0);

      g_assert_nonnull (look);
      /* Large weights in some shapes: sums beyond tanh's clamp at 7.9. */
      for (i = 0; i < look->n_params; i++)
        look->params[i] = ((float) (rng (&s) % 20001) / 10000.0f - 1.0f)
                          * (t % 2 ? 6.0f : 1.0f);
      for (n = 1; n <= N; n += 6)
        {
          for (i = 0; i < n * 3; i++)
            in[i] = (float) (rng (&s) % 10001) / 10000.0f;
          memset (got, 0xff, sizeof got);
          looklab_look_eval_mlp (look, in, got, n);
          for (i = 0; i < n; i++)
            {
              eval_mlp_plain (look, in + i * 3, want);
              g_assert_cmpint (memcmp (got + i * 3, want, sizeof want), ==, 0);
            }
          /* Nothing written past the n colours. */
          for (i = n * 3; i < N * 3; i++)
            g_assert_true (isnan (got[i]));
        }
      looklab_look_free (look);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/look/identity", test_identity);
  g_test_add_func ("/look/known-look", test_known_look);
  g_test_add_func ("/look/mismatch", test_mismatch);
  g_test_add_func ("/look/bad-params", test_bad_params);
  g_test_add_func ("/look/alpha-and-mask", test_alpha_and_mask);
  g_test_add_func ("/look/all-transparent", test_all_transparent);
  g_test_add_func ("/look/determinism", test_determinism);
  g_test_add_func ("/look/formats", test_formats);
  g_test_add_func ("/look/correction-fades", test_correction_fades);
  g_test_add_func ("/look/progress-and-cancel", test_progress_and_cancel);
  g_test_add_func ("/look/bake", test_bake);
  g_test_add_func ("/look/bake-excess", test_bake_excess);
  g_test_add_func ("/look/eval-blocked", test_eval_blocked);
  return g_test_run ();
}
