/* Tests of core/lut/lut-apply.c: the fast kernels against the double-precision
 * reference looklab_lut_eval (), and the buffer handling (formats, alpha,
 * strides, in place, threads, strength).  All randomness is seeded. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>

#include "lut/lut-apply.h"

static const LookLabPixelFormat all_formats[] = {
  LOOKLAB_PIXEL_RGB_U8,   LOOKLAB_PIXEL_RGBA_U8,   LOOKLAB_PIXEL_RGB_U16,
  LOOKLAB_PIXEL_RGBA_U16, LOOKLAB_PIXEL_RGB_FLOAT, LOOKLAB_PIXEL_RGBA_FLOAT,
};

static const LookLabInterp all_interps[] = {
  LOOKLAB_INTERP_TETRAHEDRAL,
  LOOKLAB_INTERP_TRILINEAR,
};

/* A LUT with nodes anywhere in [-0.2, 1.2]: harsher than any real look, so
 * that every tetrahedron has large, different slopes. */
static LookLabLut *
random_lut (int size, GRand *rand)
{
  LookLabLut *lut = looklab_lut_new (size);
  size_t      n = (size_t) size * size * size * 3;

  for (size_t i = 0; i < n; i++)
    lut->table[i] = (float) g_rand_double_range (rand, -0.2, 1.2);
  return lut;
}

/* A buffer of @format with random values; floats in [lo, hi]. */
typedef struct
{
  LookLabPixelFormat format;
  int                width, height;
  size_t             stride;
  guint8            *data;
} Image;

static size_t
elem_bytes (LookLabPixelFormat f)
{
  return looklab_pixel_format_bytes (f) / looklab_pixel_format_channels (f);
}

static Image
image_new (LookLabPixelFormat format, int width, int height, int pad_elems)
{
  Image im = { format, width, height, 0, NULL };

  /* Padding in whole elements keeps u16 and float rows aligned. */
  im.stride = (size_t) width * looklab_pixel_format_bytes (format)
              + (size_t) pad_elems * elem_bytes (format);
  im.data = g_malloc0 (im.stride * height);
  return im;
}

static void
image_randomise (Image *im, GRand *rand, double lo, double hi)
{
  int ch = looklab_pixel_format_channels (im->format);

  for (int y = 0; y < im->height; y++)
    for (int i = 0; i < im->width * ch; i++)
      {
        guint8 *row = im->data + (size_t) y * im->stride;

        switch (elem_bytes (im->format))
          {
            case 1: row[i] = (guint8) g_rand_int_range (rand, 0, 256); break;
            case 2:
              ((guint16 *) row)[i]
                  = (guint16) g_rand_int_range (rand, 0, 65536);
              break;
            default:
              ((float *) row)[i] = (float) g_rand_double_range (rand, lo, hi);
              break;
          }
      }
}

static Image
image_copy (const Image *im)
{
  Image c = *im;

  c.data = g_memdup2 (im->data, im->stride * im->height);
  return c;
}

/* Element @i of row @y as a float in code-value units (u8 0..255). */
static double
elem (const Image *im, int y, int i)
{
  const guint8 *row = im->data + (size_t) y * im->stride;

  switch (elem_bytes (im->format))
    {
      case 1: return row[i];
      case 2: return ((const guint16 *) row)[i];
      default: return ((const float *) row)[i];
    }
}

static double
format_max (LookLabPixelFormat f)
{
  switch (elem_bytes (f))
    {
      case 1: return 255.0;
      case 2: return 65535.0;
      default: return 1.0;
    }
}

static int
apply (const LookLabLut *lut, LookLabInterp interp, float strength,
       const Image *in, Image *out, int threads)
{
  return looklab_lut_apply (lut, in->format, interp, strength, in->data,
                            in->stride, out->data, out->stride, in->width,
                            in->height, threads);
}

static gboolean
images_equal (const Image *a, const Image *b)
{
  size_t row = (size_t) a->width * looklab_pixel_format_bytes (a->format);

  for (int y = 0; y < a->height; y++)
    if (memcmp (a->data + y * a->stride, b->data + y * b->stride, row) != 0)
      return FALSE;
  return TRUE;
}

static void
test_identity_exact (void)
{
  /* Every u8 and u16 code value of every channel survives an identity LUT
   * of any size, with either interpolation. */
  static const int                sizes[] = { 2, 17, 33, 64 };
  static const LookLabPixelFormat formats[] = {
    LOOKLAB_PIXEL_RGB_U8,
    LOOKLAB_PIXEL_RGBA_U8,
    LOOKLAB_PIXEL_RGB_U16,
    LOOKLAB_PIXEL_RGBA_U16,
  };

  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    for (gsize f = 0; f < G_N_ELEMENTS (formats); f++)
      for (gsize k = 0; k < G_N_ELEMENTS (all_interps); k++)
        {
          LookLabLut *lut = looklab_lut_new_identity (sizes[s]);
          int         max = (int) format_max (formats[f]);
          int         ch = looklab_pixel_format_channels (formats[f]);
          Image       in = image_new (formats[f], 256, (max + 1) / 256, 0);
          Image       out = image_new (formats[f], in.width, in.height, 0);

          /* Pixel v holds (v, max - v, v * 7 mod (max + 1), v). */
          for (int v = 0; v <= max; v++)
            {
              int vals[4] = { v, max - v, (v * 7) % (max + 1), v };

              for (int c = 0; c < ch; c++)
                {
                  size_t i = (size_t) v * ch + c;

                  if (max == 255)
                    in.data[i] = (guint8) vals[c];
                  else
                    ((guint16 *) in.data)[i] = (guint16) vals[c];
                }
            }
          g_assert_cmpint (apply (lut, all_interps[k], 1.0f, &in, &out, 1), ==,
                           LOOKLAB_OK);
          g_assert_true (images_equal (&in, &out));
          looklab_lut_free (lut);
          g_free (in.data);
          g_free (out.data);
        }
}

static void
test_nodes_exact (void)
{
  /* Inputs on lattice nodes give the node itself (rounded once for
   * integers), with either interpolation.  Size 18: 255 = 17 * 15 and
   * 65535 = 17 * 3855, so u8 and u16 have exact nodes; 17 for floats
   * (k / 16 is exact). */
  GRand *rand = g_rand_new_with_seed (10);

  for (gsize f = 0; f < G_N_ELEMENTS (all_formats); f++)
    for (gsize k = 0; k < G_N_ELEMENTS (all_interps); k++)
      {
        LookLabPixelFormat fmt = all_formats[f];
        double             max = format_max (fmt);
        int                n = max == 1.0 ? 17 : 18;
        int                ch = looklab_pixel_format_channels (fmt);
        LookLabLut        *lut = random_lut (n, rand);
        Image              in = image_new (fmt, n * n * n, 1, 0);
        Image              out = image_new (fmt, in.width, 1, 0);

        for (int p = 0; p < n * n * n; p++)
          {
            int idx[3] = { p % n, (p / n) % n, p / (n * n) };

            for (int c = 0; c < 3; c++)
              {
                double v
                    = idx[c] * (max == 1.0 ? 1.0 / (n - 1) : max / (n - 1));
                size_t i = (size_t) p * ch + c;

                if (max == 255.0)
                  in.data[i] = (guint8) v;
                else if (max == 65535.0)
                  ((guint16 *) in.data)[i] = (guint16) v;
                else
                  ((float *) in.data)[i] = (float) v;
              }
          }
        g_assert_cmpint (apply (lut, all_interps[k], 1.0f, &in, &out, 1), ==,
                         LOOKLAB_OK);
        for (int p = 0; p < n * n * n; p++)
          for (int c = 0; c < 3; c++)
            {
              double node = lut->table[(size_t) p * 3 + c];
              double got = elem (&out, 0, p * ch + c);

              /* Floats: the node itself.  Integers: the node rounded to
               * nearest, where the kernel's float product may tip an
               * exact tie (one float ulp of max). */
              if (max == 1.0)
                g_assert_cmpfloat (got, ==, node);
              else
                g_assert_cmpfloat (fabs (got - CLAMP (node, 0.0, 1.0) * max),
                                   <=, 0.5 + max * FLT_EPSILON);
            }
        looklab_lut_free (lut);
        g_free (in.data);
        g_free (out.data);
      }
  g_rand_free (rand);
}

/* Checks @out (from @in through @lut, tetrahedral) against the reference:
 * floats within 2e-5, integers within half a code value plus that. */
static void
check_against_eval (const LookLabLut *lut, const Image *in, const Image *out,
                    float strength)
{
  int    ch = looklab_pixel_format_channels (in->format);
  double max = format_max (in->format);
  double tol = max == 1.0 ? 2e-5 : 0.5 + 2e-5 * max;

  for (int y = 0; y < in->height; y++)
    for (int x = 0; x < in->width; x++)
      {
        float v[3], ref[3];

        for (int c = 0; c < 3; c++)
          v[c] = (float) (elem (in, y, x * ch + c) / max);
        looklab_lut_eval (lut, v, ref);
        for (int c = 0; c < 3; c++)
          {
            /* The kernels skip the mix at full strength, where infinite
             * inputs would turn it into NaN. */
            double want = strength == 1.0f
                              ? ref[c]
                              : v[c] + strength * ((double) ref[c] - v[c]);
            double got = elem (out, y, x * ch + c);

            if (max != 1.0)
              want = CLAMP (want, 0.0, 1.0) * max;
            if (isnan (v[c]))
              continue; /* strength mixing keeps the NaN */
            if (fabs (got - want) > tol)
              g_error ("pixel %d,%d channel %d: in %g got %.9g want %.9g", x, y,
                       c, (double) v[c], got, want);
          }
      }
}

static void
test_against_reference (void)
{
  /* Random LUTs, random inputs (floats also out of range, NaN and
   * infinities), every format. */
  static const int sizes[] = { 2, 5, 33 };
  GRand           *rand = g_rand_new_with_seed (11);

  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    for (gsize f = 0; f < G_N_ELEMENTS (all_formats); f++)
      {
        LookLabLut *lut = random_lut (sizes[s], rand);
        Image       in = image_new (all_formats[f], 257, 33, 3);
        Image       out = image_new (all_formats[f], 257, 33, 1);

        image_randomise (&in, rand, -0.2, 1.2);
        if (elem_bytes (all_formats[f]) == 4)
          {
            float *p = (float *) in.data;

            p[0] = NAN;
            p[4] = INFINITY;
            p[8] = -INFINITY;
            p[13] = 1e30f;
          }
        g_assert_cmpint (
            apply (lut, LOOKLAB_INTERP_TETRAHEDRAL, 1.0f, &in, &out, 1), ==,
            LOOKLAB_OK);
        check_against_eval (lut, &in, &out, 1.0f);
        looklab_lut_free (lut);
        g_free (in.data);
        g_free (out.data);
      }
  g_rand_free (rand);
}

/* Plain double trilinear interpolation, the reference for that mode. */
static void
trilinear_ref (const LookLabLut *lut, const float in[3], double out[3])
{
  int    n = lut->size, i[3];
  double f[3];

  for (int c = 0; c < 3; c++)
    {
      double x = CLAMP ((double) in[c], 0.0, 1.0) * (n - 1);

      i[c] = MIN ((int) x, n - 2);
      f[c] = x - i[c];
    }
  for (int c = 0; c < 3; c++)
    {
      out[c] = 0.0;
      for (int corner = 0; corner < 8; corner++)
        {
          int    d[3] = { corner & 1, (corner >> 1) & 1, corner >> 2 };
          double w = 1.0;
          size_t node = 0;

          for (int a = 2; a >= 0; a--)
            {
              w *= d[a] ? f[a] : 1.0 - f[a];
              node = node * n + i[a] + d[a];
            }
          out[c] += w * lut->table[node * 3 + c];
        }
    }
}

static void
test_trilinear_reference (void)
{
  GRand      *rand = g_rand_new_with_seed (12);
  LookLabLut *lut = random_lut (9, rand);
  Image       in = image_new (LOOKLAB_PIXEL_RGB_FLOAT, 1000, 3, 0);
  Image       out = image_new (LOOKLAB_PIXEL_RGB_FLOAT, 1000, 3, 0);

  image_randomise (&in, rand, -0.1, 1.1);
  g_assert_cmpint (apply (lut, LOOKLAB_INTERP_TRILINEAR, 1.0f, &in, &out, 1),
                   ==, LOOKLAB_OK);
  for (int p = 0; p < 3000; p++)
    {
      double ref[3];

      trilinear_ref (lut, (const float *) in.data + p * 3, ref);
      for (int c = 0; c < 3; c++)
        g_assert_cmpfloat_with_epsilon (((float *) out.data)[p * 3 + c], ref[c],
                                        2e-5);
    }
  looklab_lut_free (lut);
  g_free (in.data);
  g_free (out.data);
  g_rand_free (rand);
}

static void
test_formats_agree (void)
{
  /* The same colours as u8, u16 and float give the same result, up to the
   * final rounding of the integer formats. */
  GRand      *rand = g_rand_new_with_seed (13);
  LookLabLut *lut = random_lut (33, rand);
  Image       in8 = image_new (LOOKLAB_PIXEL_RGB_U8, 300, 20, 0);
  Image       in16 = image_new (LOOKLAB_PIXEL_RGB_U16, 300, 20, 0);
  Image       inf = image_new (LOOKLAB_PIXEL_RGB_FLOAT, 300, 20, 0);
  Image       out8 = image_new (LOOKLAB_PIXEL_RGB_U8, 300, 20, 0);
  Image       out16 = image_new (LOOKLAB_PIXEL_RGB_U16, 300, 20, 0);
  Image       outf = image_new (LOOKLAB_PIXEL_RGB_FLOAT, 300, 20, 0);

  image_randomise (&in8, rand, 0, 0);
  for (int i = 0; i < 300 * 20 * 3; i++)
    {
      ((guint16 *) in16.data)[i] = in8.data[i] * 257;
      ((float *) inf.data)[i] = in8.data[i] / 255.0f;
    }
  g_assert_cmpint (apply (lut, LOOKLAB_INTERP_TETRAHEDRAL, 1, &in8, &out8, 1),
                   ==, LOOKLAB_OK);
  g_assert_cmpint (apply (lut, LOOKLAB_INTERP_TETRAHEDRAL, 1, &in16, &out16, 1),
                   ==, LOOKLAB_OK);
  g_assert_cmpint (apply (lut, LOOKLAB_INTERP_TETRAHEDRAL, 1, &inf, &outf, 1),
                   ==, LOOKLAB_OK);
  for (int i = 0; i < 300 * 20 * 3; i++)
    {
      double f = CLAMP (((float *) outf.data)[i], 0.0f, 1.0f);

      g_assert_cmpfloat (fabs (out8.data[i] - f * 255.0), <=, 0.5 + 1e-3);
      g_assert_cmpfloat (fabs (((guint16 *) out16.data)[i] - f * 65535.0), <=,
                         0.5 + 0.2);
    }
  looklab_lut_free (lut);
  g_free (in8.data);
  g_free (in16.data);
  g_free (inf.data);
  g_free (out8.data);
  g_free (out16.data);
  g_free (outf.data);
  g_rand_free (rand);
}

static void
test_strength (void)
{
  GRand      *rand = g_rand_new_with_seed (14);
  LookLabLut *lut = random_lut (17, rand);

  for (gsize f = 0; f < G_N_ELEMENTS (all_formats); f++)
    {
      Image in = image_new (all_formats[f], 131, 7, 2);
      Image out = image_new (all_formats[f], 131, 7, 2);

      image_randomise (&in, rand, -0.1, 1.1);
      /* 0: the original, bit for bit. */
      g_assert_cmpint (
          apply (lut, LOOKLAB_INTERP_TETRAHEDRAL, 0.0f, &in, &out, 1), ==,
          LOOKLAB_OK);
      g_assert_true (images_equal (&in, &out));
      /* 0.5: halfway between the original and the full look. */
      g_assert_cmpint (
          apply (lut, LOOKLAB_INTERP_TETRAHEDRAL, 0.5f, &in, &out, 1), ==,
          LOOKLAB_OK);
      check_against_eval (lut, &in, &out, 0.5f);
      g_free (in.data);
      g_free (out.data);
    }
  looklab_lut_free (lut);
  g_rand_free (rand);
}

static void
test_alpha_inplace_threads (void)
{
  /* For every format and interpolation, at odd sizes and padded strides:
   * alpha is copied untouched, in place equals out of place, and any
   * thread count gives the same bytes as one thread. */
  static const int   threads[] = { 2, 3, 7, 0 };
  static const float strengths[] = { 1.0f, 0.7f };
  GRand             *rand = g_rand_new_with_seed (15);
  LookLabLut        *lut = random_lut (33, rand);

  for (gsize f = 0; f < G_N_ELEMENTS (all_formats); f++)
    for (gsize k = 0; k < G_N_ELEMENTS (all_interps); k++)
      for (gsize s = 0; s < G_N_ELEMENTS (strengths); s++)
        {
          LookLabPixelFormat fmt = all_formats[f];
          int                ch = looklab_pixel_format_channels (fmt);
          /* Big enough for 9 bands of the 16384-pixel minimum. */
          Image in = image_new (fmt, 517, 301, 5);
          Image ref = image_new (fmt, 517, 301, 5);
          Image inplace;

          image_randomise (&in, rand, -0.1, 1.1);
          g_assert_cmpint (
              apply (lut, all_interps[k], strengths[s], &in, &ref, 1), ==,
              LOOKLAB_OK);
          if (ch == 4)
            for (int y = 0; y < in.height; y++)
              for (int x = 0; x < in.width; x++)
                g_assert_cmpfloat (elem (&ref, y, x * 4 + 3), ==,
                                   elem (&in, y, x * 4 + 3));

          inplace = image_copy (&in);
          g_assert_cmpint (
              apply (lut, all_interps[k], strengths[s], &inplace, &inplace, 1),
              ==, LOOKLAB_OK);
          g_assert_true (images_equal (&inplace, &ref));

          for (gsize t = 0; t < G_N_ELEMENTS (threads); t++)
            {
              Image out = image_new (fmt, 517, 301, 0);

              g_assert_cmpint (apply (lut, all_interps[k], strengths[s], &in,
                                      &out, threads[t]),
                               ==, LOOKLAB_OK);
              g_assert_true (images_equal (&out, &ref));
              memcpy (inplace.data, in.data, in.stride * in.height);
              g_assert_cmpint (apply (lut, all_interps[k], strengths[s],
                                      &inplace, &inplace, threads[t]),
                               ==, LOOKLAB_OK);
              g_assert_true (images_equal (&inplace, &ref));
              g_free (out.data);
            }
          g_free (in.data);
          g_free (ref.data);
          g_free (inplace.data);
        }
  looklab_lut_free (lut);
  g_rand_free (rand);
}

static void
test_large_float (void)
{
  /* Float outputs over 32 MiB are written with non-temporal stores when
   * not in place; they must hold exactly what the in-place (cached) path
   * writes, at full and partial strength, at an odd width. */
  static const LookLabPixelFormat formats[]
      = { LOOKLAB_PIXEL_RGB_FLOAT, LOOKLAB_PIXEL_RGBA_FLOAT };
  static const float strengths[] = { 1.0f, 0.6f };
  GRand             *rand = g_rand_new_with_seed (17);
  LookLabLut        *lut = random_lut (33, rand);

  for (gsize f = 0; f < G_N_ELEMENTS (formats); f++)
    for (gsize s = 0; s < G_N_ELEMENTS (strengths); s++)
      {
        Image in = image_new (formats[f], 1711, 1733, 0);
        Image out = image_new (formats[f], 1711, 1733, 0);
        Image inplace;

        g_assert_cmpuint (in.stride * in.height, >, (gsize) 32 << 20);
        image_randomise (&in, rand, -0.1, 1.1);
        inplace = image_copy (&in);
        g_assert_cmpint (
            apply (lut, LOOKLAB_INTERP_TETRAHEDRAL, strengths[s], &in, &out, 2),
            ==, LOOKLAB_OK);
        g_assert_cmpint (apply (lut, LOOKLAB_INTERP_TETRAHEDRAL, strengths[s],
                                &inplace, &inplace, 2),
                         ==, LOOKLAB_OK);
        g_assert_true (images_equal (&out, &inplace));
        g_free (in.data);
        g_free (out.data);
        g_free (inplace.data);
      }
  looklab_lut_free (lut);
  g_rand_free (rand);
}

static void
test_domain_and_shaper (void)
{
  /* Per-channel domains, with and without a shaper, through every
   * format: inputs inside and outside the domain against the reference. */
  GRand *rand = g_rand_new_with_seed (16);

  for (int with_shaper = 0; with_shaper < 2; with_shaper++)
    for (gsize f = 0; f < G_N_ELEMENTS (all_formats); f++)
      {
        LookLabLut        *lut = random_lut (17, rand);
        Image              in = image_new (all_formats[f], 211, 13, 0);
        Image              out = image_new (all_formats[f], 211, 13, 0);
        static const float lo[3] = { -0.25f, 0.1f, 0.0f };
        static const float hi[3] = { 1.5f, 0.9f, 2.0f };

        memcpy (lut->domain_min, lo, sizeof lo);
        memcpy (lut->domain_max, hi, sizeof hi);
        if (with_shaper)
          {
            /* A gamma-like curve over [-0.1, 1.2], 1024 entries, like the
             * shapers of Resolve .cube files. */
            int sn = 1024;

            lut->shaper_size = sn;
            lut->shaper = g_malloc ((size_t) sn * 3 * sizeof (float));
            for (int i = 0; i < sn; i++)
              for (int c = 0; c < 3; c++)
                lut->shaper[i * 3 + c]
                    = (float) (pow ((double) i / (sn - 1), 0.45 + 0.1 * c) * 1.6
                               - 0.2);
            for (int c = 0; c < 3; c++)
              {
                lut->shaper_min[c] = -0.1f;
                lut->shaper_max[c] = 1.2f;
              }
          }
        image_randomise (&in, rand, -0.5, 2.2);
        g_assert_cmpint (
            apply (lut, LOOKLAB_INTERP_TETRAHEDRAL, 1.0f, &in, &out, 2), ==,
            LOOKLAB_OK);
        check_against_eval (lut, &in, &out, 1.0f);
        looklab_lut_free (lut);
        g_free (in.data);
        g_free (out.data);
      }
  g_rand_free (rand);
}

static void
test_bad_arguments (void)
{
  LookLabLut        *lut = looklab_lut_new_identity (5);
  LookLabLut        *flat = looklab_lut_new_identity (5);
  LookLabLutApplier *a;
  guint8             buf[64] = { 0 };

  /* Refused at preparation. */
  g_assert_null (looklab_lut_applier_new (NULL, LOOKLAB_PIXEL_RGB_U8, 0, 1));
  g_assert_null (looklab_lut_applier_new (lut, (LookLabPixelFormat) 99, 0, 1));
  g_assert_null (looklab_lut_applier_new (lut, LOOKLAB_PIXEL_RGB_U8,
                                          (LookLabInterp) 7, 1));
  g_assert_null (looklab_lut_applier_new (lut, LOOKLAB_PIXEL_RGB_U8, 0, -0.1f));
  g_assert_null (looklab_lut_applier_new (lut, LOOKLAB_PIXEL_RGB_U8, 0, 1.5f));
  g_assert_null (looklab_lut_applier_new (lut, LOOKLAB_PIXEL_RGB_U8, 0, NAN));
  flat->domain_max[1] = flat->domain_min[1];
  g_assert_null (looklab_lut_applier_new (flat, LOOKLAB_PIXEL_RGB_U8, 0, 1));
  flat->domain_max[1] = NAN;
  g_assert_null (looklab_lut_applier_new (flat, LOOKLAB_PIXEL_RGB_U8, 0, 1));
  looklab_lut_applier_free (NULL);

  g_assert_cmpint (looklab_lut_apply (lut, LOOKLAB_PIXEL_RGB_U8, 0, 2.0f, buf,
                                      9, buf, 9, 3, 2, 1),
                   ==, LOOKLAB_ERR_ARG);
  g_assert_cmpint (looklab_lut_apply (NULL, LOOKLAB_PIXEL_RGB_U8, 0, 1.0f, buf,
                                      9, buf, 9, 3, 2, 1),
                   ==, LOOKLAB_ERR_ARG);

  /* Refused at run. */
  a = looklab_lut_applier_new (lut, LOOKLAB_PIXEL_RGB_U8, 0, 1);
  g_assert_nonnull (a);
  g_assert_cmpint (looklab_lut_applier_run (a, buf, 9, buf, 9, 3, 2, 1), ==,
                   LOOKLAB_OK);
  g_assert_cmpint (looklab_lut_applier_run (a, buf, 8, buf + 32, 9, 3, 2, 1),
                   ==, LOOKLAB_ERR_ARG); /* stride < row */
  g_assert_cmpint (looklab_lut_applier_run (a, buf, 9, buf, 12, 3, 2, 1), ==,
                   LOOKLAB_ERR_ARG); /* in place, strides differ */
  g_assert_cmpint (looklab_lut_applier_run (a, NULL, 9, buf, 9, 3, 2, 1), ==,
                   LOOKLAB_ERR_ARG);
  g_assert_cmpint (looklab_lut_applier_run (a, buf, 9, buf, 9, -1, 2, 1), ==,
                   LOOKLAB_ERR_ARG);
  g_assert_cmpint (looklab_lut_applier_run (a, buf, 9, buf, 9, 3, 2, -2), ==,
                   LOOKLAB_ERR_ARG);
  g_assert_cmpint (looklab_lut_applier_run (NULL, buf, 9, buf, 9, 3, 2, 1), ==,
                   LOOKLAB_ERR_ARG);
  /* Nothing to do is not an error, even without buffers. */
  g_assert_cmpint (looklab_lut_applier_run (a, NULL, 0, NULL, 0, 0, 5, 1), ==,
                   LOOKLAB_OK);
  looklab_lut_applier_free (a);
  looklab_lut_free (lut);
  looklab_lut_free (flat);
}

/* The kernel LOOKLAB_LUT_KERNEL asks for (NULL: the best), as
 * looklab_lut_applier_kernel () names it. */
static const char *forced_kernel;

static void
test_kernel_chosen (void)
{
  /* The forced kernel is the one that runs where it applies (packed RGB
   * float, tetrahedral, no shaper), so that each registration of this file
   * tests what it says. */
  LookLabLut        *lut = looklab_lut_new_identity (5);
  LookLabLutApplier *a;
  const char        *want = forced_kernel;

  a = looklab_lut_applier_new (lut, LOOKLAB_PIXEL_RGB_FLOAT,
                               LOOKLAB_INTERP_TETRAHEDRAL, 1.0f);
  g_assert_nonnull (a);
  if (want != NULL)
    g_assert_cmpstr (looklab_lut_applier_kernel (a), ==, want);
  else
    g_assert_nonnull (looklab_lut_applier_kernel (a));
  looklab_lut_applier_free (a);
  looklab_lut_free (lut);
}

static void
test_narrow_rows (void)
{
  /* Every width from 1 to 40 (the AVX-512 kernel works on 16 pixels and
   * masks the rest of a row) and a row of 129 (a block of 128 plus one),
   * in place and not, with strength, against the reference. */
  GRand      *rand = g_rand_new_with_seed (23);
  LookLabLut *lut = random_lut (9, rand);

  for (int w = 1; w <= 41; w++)
    for (int inplace = 0; inplace < 2; inplace++)
      {
        int   width = w == 41 ? 129 : w;
        float k = inplace ? 0.6f : 1.0f;
        Image in = image_new (LOOKLAB_PIXEL_RGB_FLOAT, width, 3, 2);
        Image out = image_new (LOOKLAB_PIXEL_RGB_FLOAT, width, 3, 2);
        Image orig;

        image_randomise (&in, rand, -0.2, 1.2);
        orig = image_copy (&in);
        /* The padding after each row must stay untouched. */
        memset (out.data, 0x5a, out.stride * out.height);
        if (inplace)
          {
            g_assert_cmpint (
                apply (lut, LOOKLAB_INTERP_TETRAHEDRAL, k, &in, &in, 1), ==,
                LOOKLAB_OK);
            check_against_eval (lut, &orig, &in, k);
          }
        else
          {
            g_assert_cmpint (
                apply (lut, LOOKLAB_INTERP_TETRAHEDRAL, k, &in, &out, 1), ==,
                LOOKLAB_OK);
            check_against_eval (lut, &in, &out, k);
            for (int y = 0; y < out.height; y++)
              for (size_t b = (size_t) width * 12; b < out.stride; b++)
                g_assert_cmpint (out.data[y * out.stride + b], ==, 0x5a);
          }
        g_free (in.data);
        g_free (out.data);
        g_free (orig.data);
      }
  looklab_lut_free (lut);
  g_rand_free (rand);
}

/* Whether this CPU can run @kernel (the test binary's own check, not the
 * library's). */
static gboolean
cpu_has (const char *kernel)
{
#if defined(__x86_64__) && defined(__GNUC__)
  if (strcmp (kernel, "avx2") == 0)
    return __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma");
  if (strcmp (kernel, "avx512") == 0)
    return __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma")
           && __builtin_cpu_supports ("avx512f")
           && __builtin_cpu_supports ("avx512vl")
           && __builtin_cpu_supports ("avx512dq");
#endif
  return strcmp (kernel, "generic") == 0;
}

int
main (int argc, char **argv)
{
  forced_kernel = g_getenv ("LOOKLAB_LUT_KERNEL");
  if (forced_kernel != NULL && strcmp (forced_kernel, "generic") != 0
      && strcmp (forced_kernel, "avx2") != 0
      && strcmp (forced_kernel, "avx512") != 0)
    g_error ("LOOKLAB_LUT_KERNEL=%s: not a kernel", forced_kernel);
  if (forced_kernel != NULL && !cpu_has (forced_kernel))
    {
      /* meson counts 77 as skipped. */
      g_printerr ("lut-apply: this CPU lacks what the %s kernel needs "
                  "(or it is not built for this architecture): skipped\n",
                  forced_kernel);
      return 77;
    }
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lut-apply/kernel-chosen", test_kernel_chosen);
  g_test_add_func ("/lut-apply/narrow-rows", test_narrow_rows);
  g_test_add_func ("/lut-apply/identity-exact", test_identity_exact);
  g_test_add_func ("/lut-apply/nodes-exact", test_nodes_exact);
  g_test_add_func ("/lut-apply/against-reference", test_against_reference);
  g_test_add_func ("/lut-apply/trilinear-reference", test_trilinear_reference);
  g_test_add_func ("/lut-apply/formats-agree", test_formats_agree);
  g_test_add_func ("/lut-apply/strength", test_strength);
  g_test_add_func ("/lut-apply/alpha-inplace-threads",
                   test_alpha_inplace_threads);
  g_test_add_func ("/lut-apply/large-float", test_large_float);
  g_test_add_func ("/lut-apply/domain-and-shaper", test_domain_and_shaper);
  g_test_add_func ("/lut-apply/bad-arguments", test_bad_arguments);
  return g_test_run ();
}
