/* tests/op/test-op: looklab:apply under GEGL alone, no GIMP.
 *
 *   test-op                       the GLib test cases below: graphs of
 *                                 gegl:buffer-source -> looklab:apply whose
 *                                 output is compared with core/'s own
 *                                 application of the same LUT
 *   test-op write-look PATH       writes a small look file (a setup step
 *                                 for test-op-cli.sh)
 *
 * GEGL finds the op through GEGL_PATH (tests/op/meson.build puts the build
 * tree's op/ before GEGL's own module folder).  All randomness is seeded.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <utime.h>

#include <gegl.h>
#include <gegl-plugin.h> /* gegl_operation_get_format () */
#include <glib/gstdio.h>

#include "look/look-private.h" /* looks with spatial parts, by hand */
#include "look/look.h"
#include "lut/cube-io.h"
#include "lut/lut-apply.h"

#define W 97 /* odd sizes: no chunk of GEGL's lines up with a row */
#define H 61

static gchar *tmp_dir;

static gchar *
tmp_path (const gchar *name)
{
  return g_build_filename (tmp_dir, name, NULL);
}

static gchar *
write_text (const gchar *name, const gchar *text)
{
  gchar *path = tmp_path (name);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

/* A non-linear 9^3 LUT with a domain wider than [0, 1]: every lattice
 * cell has different slopes, so both interpolations are exercised. */
static gchar *
write_curvy_cube (const gchar *name)
{
  LookLabLut *lut = looklab_lut_new (9);
  gchar      *path = tmp_path (name);
  int         r, g, b;

  for (b = 0; b < 9; b++)
    for (g = 0; g < 9; g++)
      for (r = 0; r < 9; r++)
        {
          float *o = lut->table + ((b * 9 + g) * 9 + r) * 3;

          o[0] = sqrtf (r / 8.0f) * 0.9f + 0.05f * b / 8.0f;
          o[1] = (g / 8.0f) * (g / 8.0f);
          o[2] = 1.0f - 0.7f * b / 8.0f + 0.2f * r / 8.0f * g / 8.0f;
        }
  for (r = 0; r < 3; r++)
    {
      lut->domain_min[r] = -0.1f;
      lut->domain_max[r] = 1.1f;
    }
  g_assert_cmpint (looklab_cube_write (lut, path, NULL), ==, LOOKLAB_OK);
  looklab_lut_free (lut);
  return path;
}

/* Fits a small look (a warm, contrasty grade) on a lattice of colours. */
static int
write_look (const gchar *path)
{
  const int        side = 16;
  float           *before = g_new (float, side *side * 4 * 4);
  float           *after = g_new (float, side *side * 4 * 4);
  LookLabImageView vb = { before, LOOKLAB_PIXEL_RGBA_FLOAT, side * 4, side,
                          (size_t) side * 4 * 16 };
  LookLabImageView va = { after, LOOKLAB_PIXEL_RGBA_FLOAT, side * 4, side,
                          (size_t) side * 4 * 16 };
  LookLabFitParams params;
  LookLabLook     *look = NULL;
  int              i, status;

  for (i = 0; i < side * side * 4; i++)
    {
      float r = (i % 16) / 15.0f, g = (i / 16 % 16) / 15.0f,
            b = (i / 256) / 15.0f;

      before[i * 4 + 0] = r;
      before[i * 4 + 1] = g;
      before[i * 4 + 2] = b;
      before[i * 4 + 3] = 1.0f;
      after[i * 4 + 0] = powf (r, 0.8f);
      after[i * 4 + 1] = g * g * (3.0f - 2.0f * g);
      after[i * 4 + 2] = 0.85f * b;
      after[i * 4 + 3] = 1.0f;
    }

  looklab_fit_params_init (&params);
  params.hidden = 8;
  params.layers = 1;
  params.iterations = 200;
  params.correction = 0;
  params.n_threads = 1;
  /* A global look: the ramp's colours follow position, so the fit could
   * otherwise keep a radial part, which a point filter cannot apply. */
  params.spatial = 0;
  status = looklab_look_fit (&vb, &va, NULL, &params, NULL, NULL, &look, NULL);
  if (status == LOOKLAB_OK)
    status = looklab_look_save (look, path, NULL);
  looklab_look_free (look);
  g_free (before);
  g_free (after);
  return status;
}

/* Pixels in and around [0, 1] (GIMP's float images hold out-of-range
 * values), every alpha from 0 to 1. */
static float *
make_pixels (int width, int height)
{
  GRand *rand = g_rand_new_with_seed (24);
  float *px = g_new (float, (gsize) width *height * 4);
  gsize  i;

  for (i = 0; i < (gsize) width * height * 4; i++)
    px[i] = i % 4 == 3 ? (float) g_rand_double (rand)
                       : (float) g_rand_double_range (rand, -0.05, 1.05);
  g_rand_free (rand);
  return px;
}

/* Runs gegl:buffer-source -> looklab:apply over @in, a buffer of
 * @in_format whose top-left pixel is at (@x, @y), and blits what comes out
 * to @out in @out_format. */
static void
run_op_at (const void *in, const Babl *in_format, void *out,
           const Babl *out_format, int x, int y, int width, int height,
           const gchar *file, gdouble strength, const gchar *interp)
{
  GeglRectangle rect = { x, y, width, height };
  GeglBuffer   *buffer = gegl_buffer_new (&rect, in_format);
  GeglNode     *graph = gegl_node_new ();
  GeglNode     *source, *apply;

  gegl_buffer_set (buffer, &rect, 0, in_format, in, GEGL_AUTO_ROWSTRIDE);
  source = gegl_node_new_child (graph, "operation", "gegl:buffer-source",
                                "buffer", buffer, NULL);
  apply = gegl_node_new_child (graph, "operation", "looklab:apply", "file",
                               file, "strength", strength, NULL);
  {
    /* gegl_node_set_enum_as_string () is newer than Debian 12's GEGL. */
    GParamSpec *pspec
        = gegl_operation_find_property ("looklab:apply", "interpolation");
    GEnumClass *enum_class = g_type_class_ref (G_PARAM_SPEC_VALUE_TYPE (pspec));
    GEnumValue *value = g_enum_get_value_by_nick (enum_class, interp);

    g_assert_nonnull (value);
    gegl_node_set (apply, "interpolation", value->value, NULL);
    g_type_class_unref (enum_class);
  }
  gegl_node_link (source, apply);
  gegl_node_blit (apply, 1.0, &rect, out_format, out, GEGL_AUTO_ROWSTRIDE,
                  GEGL_BLIT_DEFAULT);

  g_object_unref (graph);
  g_object_unref (buffer);
}

/* The same for a buffer at (0, 0). */
static void
run_op_as (const void *in, const Babl *in_format, void *out,
           const Babl *out_format, int width, int height, const gchar *file,
           gdouble strength, const gchar *interp)
{
  run_op_at (in, in_format, out, out_format, 0, 0, width, height, file,
             strength, interp);
}

/* The same over @in (R'G'B'A float); returns what comes out, in the same
 * format. */
static float *
run_op (const float *in, int width, int height, const gchar *file,
        gdouble strength, const gchar *interp)
{
  const Babl *format = babl_format ("R'G'B'A float");
  float      *out = g_new0 (float, (gsize) width *height * 4);

  run_op_as (in, format, out, format, width, height, file, strength, interp);
  return out;
}

static LookLabLut *
reference_lut (const gchar *path)
{
  LookLabLut  *lut = NULL;
  LookLabLook *look = NULL;

  if (looklab_cube_read (path, &lut, NULL) == LOOKLAB_OK)
    return lut;
  g_assert_cmpint (looklab_look_load (path, &look, NULL), ==, LOOKLAB_OK);
  lut = looklab_look_bake (look, 65, 0);
  looklab_look_free (look);
  return lut;
}

static void
assert_same (const float *a, const float *b, gsize n_floats, double tol)
{
  gsize  i, worst = 0;
  double max = 0.0;

  for (i = 0; i < n_floats; i++)
    if (fabs ((double) a[i] - b[i]) > max)
      {
        max = fabs ((double) a[i] - b[i]);
        worst = i;
      }
  if (max > tol)
    g_error ("value %" G_GSIZE_FORMAT " (pixel %" G_GSIZE_FORMAT
             ", channel %d): %g vs %g",
             worst, worst / 4, (int) (worst % 4), a[worst], b[worst]);
}

typedef struct
{
  const gchar *name;
  const gchar *file; /* NULL: the curvy .cube; "look": the look file */
  gdouble      strength;
  const gchar *interp;
} RefCase;

static gchar *curvy_path, *look_path, *swap_path;

static const gchar *
case_file (const gchar *file)
{
  if (file == NULL)
    return curvy_path;
  if (strcmp (file, "look") == 0)
    return look_path;
  if (strcmp (file, "swap") == 0)
    return swap_path;
  return file;
}

/* 8- and 16-bit non-linear sRGB, with and without alpha, is worked on in
 * its own format: the output is core/'s application in that format, code
 * value for code value, and within one code value of the float path
 * rounded.  The same format in another space is converted instead, and
 * still comes out as the float path would give it. */
static void
test_integer_formats (void)
{
  static const struct
  {
    const char        *name;
    LookLabPixelFormat pixel_format;
    int                channels;
    int                max;
  } formats[] = {
    { "R'G'B'A u8", LOOKLAB_PIXEL_RGBA_U8, 4, 255 },
    { "R'G'B' u8", LOOKLAB_PIXEL_RGB_U8, 3, 255 },
    { "R'G'B'A u16", LOOKLAB_PIXEL_RGBA_U16, 4, 65535 },
    { "R'G'B' u16", LOOKLAB_PIXEL_RGB_U16, 3, 65535 },
  };
  const gchar *files[] = { curvy_path, look_path };
  GRand       *rand = g_rand_new_with_seed (7);
  gsize        f, k, i, n = (gsize) W * H;

  for (f = 0; f < G_N_ELEMENTS (formats); f++)
    for (k = 0; k < G_N_ELEMENTS (files); k++)
      {
        const Babl *format = babl_format (formats[f].name);
        const Babl *other
            = babl_format_with_space (formats[f].name, babl_space ("ProPhoto"));
        int ch = formats[f].channels;
        int bpp = (int) looklab_pixel_format_bytes (formats[f].pixel_format);
        guint8     *in = g_malloc ((gsize) bpp * n);
        guint8     *out = g_malloc ((gsize) bpp * n);
        guint8     *ref = g_malloc ((gsize) bpp * n);
        float      *in_f = g_new (float, n * 4), *out_f;
        LookLabLut *lut = reference_lut (files[k]);
        double      worst = 0.0;

        for (i = 0; i < (gsize) bpp * n; i++)
          in[i] = (guint8) g_rand_int_range (rand, 0, 256);
        g_assert_cmpint (looklab_lut_apply (lut, formats[f].pixel_format,
                                            LOOKLAB_INTERP_TETRAHEDRAL, 0.8f,
                                            in, (size_t) W * bpp, ref,
                                            (size_t) W * bpp, W, H, 1),
                         ==, LOOKLAB_OK);

        /* In its own format, sRGB: the core's codes exactly. */
        run_op_as (in, format, out, format, W, H, files[k], 0.8, "tetrahedral");
        g_assert_cmpint (memcmp (out, ref, (gsize) bpp * n), ==, 0);
        g_assert_cmpint (memcmp (out, in, (gsize) bpp * n), !=, 0);

        /* The float path, rounded: within one code value. */
        babl_process (babl_fish (format, babl_format ("R'G'B'A float")), in,
                      in_f, (long) n);
        out_f = run_op (in_f, W, H, files[k], 0.8, "tetrahedral");
        {
          guint8 *rounded = g_malloc ((gsize) bpp * n);

          babl_process (babl_fish (babl_format ("R'G'B'A float"), format),
                        out_f, rounded, (long) n);
          for (i = 0; i < n * ch; i++)
            {
              double a = formats[f].max > 255 ? ((guint16 *) out)[i] : out[i];
              double b = formats[f].max > 255 ? ((guint16 *) rounded)[i]
                                              : rounded[i];

              worst = MAX (worst, fabs (a - b));
            }
          g_free (rounded);
        }
        g_assert_cmpfloat (worst, <=, 1.0);

        /* Another space: converted to sRGB float and back, as before. */
        {
          float *via = g_new (float, n * 4), *want;

          run_op_as (in, other, via, babl_format ("R'G'B'A float"), W, H,
                     files[k], 0.8, "tetrahedral");
          babl_process (babl_fish (other, babl_format ("R'G'B'A float")), in,
                        in_f, (long) n);
          want = run_op (in_f, W, H, files[k], 0.8, "tetrahedral");
          assert_same (via, want, n * 4, 1e-6);
          g_free (via);
          g_free (want);
        }

        looklab_lut_free (lut);
        g_free (in);
        g_free (out);
        g_free (ref);
        g_free (in_f);
        g_free (out_f);
      }
  g_rand_free (rand);
}

/* The format the op chose to work in for input of @format (prepare ()
 * runs when a graph over it is processed). */
static const Babl *
work_format_for (const Babl *format)
{
  GeglRectangle rect = { 0, 0, W, H };
  GeglBuffer   *buffer = gegl_buffer_new (&rect, format);
  GeglNode     *graph = gegl_node_new ();
  GeglNode     *source, *apply;
  const Babl   *chosen;

  source = gegl_node_new_child (graph, "operation", "gegl:buffer-source",
                                "buffer", buffer, NULL);
  apply = gegl_node_new_child (graph, "operation", "looklab:apply", "file",
                               curvy_path, NULL);
  gegl_node_link (source, apply);
  gegl_node_process (apply);
  chosen = gegl_operation_get_format (gegl_node_get_gegl_operation (apply),
                                      "input");
  g_object_unref (graph);
  g_object_unref (buffer);
  return chosen;
}

/* Non-linear sRGB float without alpha (GIMP's float layers with no alpha
 * channel) is worked on as it is, not widened to RGBA and narrowed back:
 * at 24 MP those two conversions cost about as much as the LUT.  The
 * values are the RGBA path's and core/'s, bit for bit, out-of-range and
 * non-finite ones included. */
static void
test_float_rgb (void)
{
  const Babl  *rgb = babl_format ("R'G'B' float");
  const gchar *files[] = { curvy_path, look_path };
  GRand       *rand = g_rand_new_with_seed (11);
  gsize        k, i, n = (gsize) W * H;

  g_assert_true (work_format_for (rgb) == rgb);
  g_assert_true (work_format_for (babl_format ("R'G'B'A float"))
                 == babl_format ("R'G'B'A float"));
  g_assert_true (work_format_for (babl_format ("RGB float"))
                 == babl_format ("R'G'B'A float"));

  for (k = 0; k < G_N_ELEMENTS (files); k++)
    {
      float      *in = g_new (float, n * 3), *out = g_new (float, n * 3);
      float      *ref = g_new (float, n * 3), *in4 = g_new (float, n * 4);
      float      *out4;
      LookLabLut *lut = reference_lut (files[k]);

      for (i = 0; i < n * 3; i++)
        in[i] = (float) g_rand_double_range (rand, -0.5, 1.5);
      in[0] = NAN;
      in[4] = INFINITY;
      in[8] = -3e38f;
      for (i = 0; i < n; i++)
        {
          memcpy (in4 + 4 * i, in + 3 * i, 3 * sizeof (float));
          in4[4 * i + 3] = 1.0f;
        }
      g_assert_cmpint (looklab_lut_apply (lut, LOOKLAB_PIXEL_RGB_FLOAT,
                                          LOOKLAB_INTERP_TETRAHEDRAL, 0.8f, in,
                                          (size_t) W * 12, ref, (size_t) W * 12,
                                          W, H, 1),
                       ==, LOOKLAB_OK);

      run_op_as (in, rgb, out, rgb, W, H, files[k], 0.8, "tetrahedral");
      g_assert_cmpint (memcmp (out, ref, n * 3 * sizeof (float)), ==, 0);
      g_assert_cmpint (memcmp (out, in, n * 3 * sizeof (float)), !=, 0);

      out4 = run_op (in4, W, H, files[k], 0.8, "tetrahedral");
      for (i = 0; i < n; i++)
        g_assert_cmpint (memcmp (out + 3 * i, out4 + 4 * i, 3 * sizeof (float)),
                         ==, 0);

      looklab_lut_free (lut);
      g_free (in);
      g_free (out);
      g_free (ref);
      g_free (in4);
      g_free (out4);
    }
  g_rand_free (rand);
}

/* A look with a vignette, and with local contrast if @detail and a
 * position field if @field, its parts set by hand (as
 * tests/core/test-look-spatial.c does), saved as @name. */
static gchar *
write_spatial_look (const gchar *name, gboolean detail, gboolean field)
{
  LookLabLook *look = looklab_look_new_shape (8, 1, LOOKLAB_ACT_TANH, 1, 0);
  gchar       *path = tmp_path (name);
  int          j, c;

  g_assert_nonnull (look);
  g_assert_cmpint (looklab_look_set_vignette (look, 6), ==, 0);
  for (j = 0; j < 6; j++)
    for (c = 0; c < 3; c++)
      {
        look->vig[j * 3 + c] = 1.0f - 0.1f * j - 0.02f * c;
        look->vig[(6 + j) * 3 + c] = 0.01f * j;
      }
  look->vig_prop = 0.3f;
  look->vig_cx = 0.1f;
  look->vig_cy = -0.2f;
  if (detail)
    {
      g_assert_cmpint (looklab_look_set_detail (look, 4), ==, 0);
      look->det_sigma = 0.02f;
      for (j = 0; j < 4; j++)
        look->det[j] = 0.3f + 0.1f * j;
    }
  if (field)
    {
      /* 5 x 5 nodes: warmer to the left, darker to the bottom. */
      g_assert_cmpint (looklab_look_set_field (look, 5), ==, 0);
      for (j = 0; j < 25; j++)
        for (c = 0; c < 3; c++)
          look->fld[j * 3 + c]
              = 1.1f - 0.05f * (j % 5) * (c == 0 ? 2 : 1) - 0.04f * (j / 5);
    }
  g_assert_cmpint (looklab_look_save (look, path, NULL), ==, LOOKLAB_OK);
  looklab_look_free (look);
  return path;
}

/* A look file's spatial parts are applied as `looklab apply` applies them
 * (core's looklab_look_apply_view () on the whole image), bit for bit,
 * with positions taken in the input's extent wherever the buffer starts,
 * while GEGL works in small chunks on two threads: a vignette chunk by
 * chunk, local contrast on the whole image.  Without the spatial parts
 * (the look's 65^3 bake alone) the pixels differ. */
static void
test_spatial (void)
{
  static const struct
  {
    const char        *name;
    LookLabPixelFormat pixel_format;
  } formats[] = {
    { "R'G'B'A float", LOOKLAB_PIXEL_RGBA_FLOAT },
    { "R'G'B' u8", LOOKLAB_PIXEL_RGB_U8 },
  };
  const int w = 301, h = 203;
  gchar    *files[3];
  GRand    *rand = g_rand_new_with_seed (5);
  gint      old_threads, old_chunk;
  gsize     f, k, i, n = (gsize) w * h;

  files[0] = write_spatial_look ("radial.look", FALSE, FALSE);
  files[1] = write_spatial_look ("radial-detail.look", TRUE, FALSE);
  files[2] = write_spatial_look ("radial-field.look", FALSE, TRUE);
  g_object_get (gegl_config (), "threads", &old_threads, "chunk-size",
                &old_chunk, NULL);
  g_object_set (gegl_config (), "threads", 2, "chunk-size", 4096, NULL);

  for (f = 0; f < G_N_ELEMENTS (formats); f++)
    for (k = 0; k < G_N_ELEMENTS (files); k++)
      {
        const Babl *format = babl_format (formats[f].name);
        gsize       bpp = looklab_pixel_format_bytes (formats[f].pixel_format);
        guint8     *in = g_malloc (bpp * n), *out = g_malloc (bpp * n);
        guint8     *ref = g_malloc (bpp * n), *flat = g_malloc (bpp * n);
        LookLabImageView view = { in, formats[f].pixel_format, w, h, bpp * w };
        LookLabLook     *look = NULL;
        LookLabLut      *lut = reference_lut (files[k]);

        if (formats[f].pixel_format == LOOKLAB_PIXEL_RGBA_FLOAT)
          for (i = 0; i < n * 4; i++)
            ((float *) in)[i]
                = i % 4 == 3 ? (float) g_rand_double (rand)
                             : (float) g_rand_double_range (rand, -0.05, 1.05);
        else
          for (i = 0; i < bpp * n; i++)
            in[i] = (guint8) g_rand_int_range (rand, 0, 256);

        g_assert_cmpint (looklab_look_load (files[k], &look, NULL), ==,
                         LOOKLAB_OK);
        g_assert_true (looklab_look_has_spatial (look));
        g_assert_cmpint (looklab_look_apply_view (look, &view, ref, bpp * w, w,
                                                  h, 0, 0, 0.8f, 1, NULL),
                         ==, LOOKLAB_OK);

        run_op_as (in, format, out, format, w, h, files[k], 0.8, "tetrahedral");
        g_assert_cmpint (memcmp (out, ref, bpp * n), ==, 0);
        memset (out, 0, bpp * n);
        run_op_at (in, format, out, format, 37, -11, w, h, files[k], 0.8,
                   "tetrahedral");
        g_assert_cmpint (memcmp (out, ref, bpp * n), ==, 0);

        g_assert_cmpint (looklab_lut_apply (lut, formats[f].pixel_format,
                                            LOOKLAB_INTERP_TETRAHEDRAL, 0.8f,
                                            in, bpp * w, flat, bpp * w, w, h,
                                            1),
                         ==, LOOKLAB_OK);
        g_assert_cmpint (memcmp (out, flat, bpp * n), !=, 0);

        looklab_look_free (look);
        looklab_lut_free (lut);
        g_free (in);
        g_free (out);
        g_free (ref);
        g_free (flat);
      }
  g_object_set (gegl_config (), "threads", old_threads, "chunk-size", old_chunk,
                NULL);
  for (k = 0; k < G_N_ELEMENTS (files); k++)
    g_free (files[k]);
  g_rand_free (rand);
}

/* Local contrast through a processor in small chunks, as GIMP renders,
 * behind an operation that makes only the pixels asked of it (another
 * filter of the layer's stack): the output the op makes once and keeps
 * serves every chunk; a change of the input pixels is seen (GEGL
 * invalidates, the op recomputes); and asked for a small area, the op
 * asks for, and gets, the whole input. */
static void
test_spatial_changes (void)
{
  const int        w = 257, h = 131;
  const Babl      *format = babl_format ("R'G'B'A float");
  GeglRectangle    rect = { 0, 0, w, h }, spot = { 100, 40, 30, 20 };
  gsize            n = (gsize) w * h * 4, i;
  float           *in = g_new (float, n), *out = g_new (float, n);
  float           *ref = g_new (float, n), *inverted = g_new (float, n);
  gchar           *path = write_spatial_look ("changes.look", TRUE, FALSE);
  LookLabImageView view
      = { inverted, LOOKLAB_PIXEL_RGBA_FLOAT, w, h, (size_t) w * 16 };
  LookLabLook *look = NULL;
  GeglBuffer  *src = gegl_buffer_new (&rect, format);
  GeglBuffer  *dst = gegl_buffer_new (&rect, format);
  GeglNode    *graph = gegl_node_new (), *source, *invert, *apply, *sink;
  GRand       *rand = g_rand_new_with_seed (9);
  gint         old_chunk, round;

  g_assert_cmpint (looklab_look_load (path, &look, NULL), ==, LOOKLAB_OK);
  g_object_get (gegl_config (), "chunk-size", &old_chunk, NULL);
  g_object_set (gegl_config (), "chunk-size", 2048, NULL);
  for (i = 0; i < n; i++)
    in[i] = i % 4 == 3 ? 1.0f : (float) g_rand_double (rand);
  gegl_buffer_set (src, &rect, 0, format, in, GEGL_AUTO_ROWSTRIDE);
  source = gegl_node_new_child (graph, "operation", "gegl:buffer-source",
                                "buffer", src, NULL);
  invert = gegl_node_new_child (graph, "operation", "gegl:invert-gamma", NULL);
  apply = gegl_node_new_child (graph, "operation", "looklab:apply", "file",
                               path, NULL);
  sink = gegl_node_new_child (graph, "operation", "gegl:write-buffer", "buffer",
                              dst, NULL);
  gegl_node_link_many (source, invert, apply, sink, NULL);

  for (round = 0; round < 2; round++)
    {
      if (round == 1)
        {
          /* A bright patch: local contrast changes around it too. */
          for (i = 0; i < (gsize) spot.width * spot.height * 4; i++)
            out[i] = 0.98f;
          gegl_buffer_set (src, &spot, 0, format, out, GEGL_AUTO_ROWSTRIDE);
          gegl_buffer_get (src, &rect, 1.0, format, in, GEGL_AUTO_ROWSTRIDE,
                           GEGL_ABYSS_NONE);
        }
      gegl_node_process (sink);
      gegl_buffer_get (dst, &rect, 1.0, format, out, GEGL_AUTO_ROWSTRIDE,
                       GEGL_ABYSS_NONE);
      for (i = 0; i < n; i++)
        inverted[i] = i % 4 == 3 ? in[i] : 1.0f - in[i];
      g_assert_cmpint (looklab_look_apply_view (look, &view, ref, view.stride,
                                                w, h, 0, 0, 1.0f, 1, NULL),
                       ==, LOOKLAB_OK);
      assert_same (out, ref, n, 1e-5);
    }

  /* A new graph, asked for a small area only: its pixels still come from
   * the whole input. */
  {
    GeglRectangle sub = { 120, 50, 16, 16 };
    float        *part = g_new (float, 16 * 16 * 4);
    GeglNode     *graph2 = gegl_node_new (), *s2, *i2, *a2;
    gint          y;

    s2 = gegl_node_new_child (graph2, "operation", "gegl:buffer-source",
                              "buffer", src, NULL);
    i2 = gegl_node_new_child (graph2, "operation", "gegl:invert-gamma", NULL);
    a2 = gegl_node_new_child (graph2, "operation", "looklab:apply", "file",
                              path, NULL);
    gegl_node_link_many (s2, i2, a2, NULL);
    gegl_node_blit (a2, 1.0, &sub, format, part, GEGL_AUTO_ROWSTRIDE,
                    GEGL_BLIT_DEFAULT);
    for (y = 0; y < sub.height; y++)
      assert_same (part + (gsize) y * sub.width * 4,
                   ref + ((gsize) (sub.y + y) * w + sub.x) * 4,
                   (gsize) sub.width * 4, 1e-5);
    g_object_unref (graph2);
    g_free (part);
  }

  g_object_set (gegl_config (), "chunk-size", old_chunk, NULL);
  g_object_unref (graph);
  g_object_unref (src);
  g_object_unref (dst);
  looklab_look_free (look);
  g_rand_free (rand);
  g_free (path);
  g_free (in);
  g_free (out);
  g_free (ref);
  g_free (inverted);
}

/* The op's output is core/'s application of the same LUT, value for value
 * (the same kernels on the same floats), alpha included. */
static void
test_reference (gconstpointer data)
{
  const RefCase *c = data;
  const gchar   *file = case_file (c->file);
  float         *in = make_pixels (W, H);
  float         *out = run_op (in, W, H, file, c->strength, c->interp);
  float         *ref = g_new (float, (gsize) W *H * 4);
  LookLabLut    *lut = reference_lut (file);

  g_assert_cmpint (looklab_lut_apply (lut, LOOKLAB_PIXEL_RGBA_FLOAT,
                                      strcmp (c->interp, "trilinear") == 0
                                          ? LOOKLAB_INTERP_TRILINEAR
                                          : LOOKLAB_INTERP_TETRAHEDRAL,
                                      (float) c->strength, in, W * 16, ref,
                                      W * 16, W, H, 1),
                   ==, LOOKLAB_OK);
  assert_same (out, ref, (gsize) W * H * 4, 1e-6);
  /* Not vacuous: the look changed the picture. */
  g_assert_true (memcmp (out, in, sizeof (float) * W * H * 4) != 0);

  looklab_lut_free (lut);
  g_free (in);
  g_free (out);
  g_free (ref);
}

/* A red/blue swap: known values, alpha untouched. */
static void
test_swap_values (void)
{
  float  in[4 * 4] = { 0.1f, 0.5f, 0.9f, 1.0f, 0.0f, 0.0f, 1.0f, 0.25f,
                       0.3f, 0.3f, 0.3f, 0.0f, 1.0f, 0.2f, 0.0f, 0.5f };
  float *out = run_op (in, 4, 1, swap_path, 1.0, "tetrahedral");
  int    i;

  for (i = 0; i < 4; i++)
    {
      g_assert_cmpfloat_with_epsilon (out[i * 4 + 0], in[i * 4 + 2], 1e-6);
      g_assert_cmpfloat_with_epsilon (out[i * 4 + 1], in[i * 4 + 1], 1e-6);
      g_assert_cmpfloat_with_epsilon (out[i * 4 + 2], in[i * 4 + 0], 1e-6);
      g_assert_cmpfloat (out[i * 4 + 3], ==, in[i * 4 + 3]);
    }
  g_free (out);
}

/* Bad input: the pixels come through bit for bit, with one warning that
 * names the op and says why. */
typedef struct
{
  const gchar *name;
  const gchar *file;    /* written into tmp_dir unless it starts with "@" */
  const gchar *text;    /* its contents; NULL: not written */
  const gchar *warning; /* a pattern of the warning; NULL: none */
} BadCase;

static const BadCase bad_cases[] = {
  { "missing", "no-such.cube", NULL, "*cannot open*" },
  { "malformed", "bad.cube", "LUT_3D_SIZE 2\n0 0 0\n0 zero 1\n", "*line 3*" },
  { "empty", "empty.cube", "", "*malformed*" },
  { "too-large", "huge.cube", "LUT_3D_SIZE 100000\n0 0 0\n", "*limit*" },
  { "binary", "junk.cube", "\x01\x02garbage\x7f", "*malformed*" },
  { "truncated-look", "cut.look", NULL, "*cut.look*" },
  { "directory", "@dir", NULL, "*looklab:apply*" },
  { "no-file", "@none", NULL, NULL },
};

static void
test_bad (gconstpointer data)
{
  const BadCase *c = data;
  gchar         *file;
  float         *in = make_pixels (W, H);
  float         *out;

  if (strcmp (c->file, "@none") == 0)
    file = g_strdup ("");
  else if (strcmp (c->file, "@dir") == 0)
    file = g_strdup (tmp_dir);
  else
    file = tmp_path (c->file);

  /* Any other warning stays fatal (g_test_init), so "no-file" asserts
   * that an empty path is silent. */
  if (c->warning != NULL)
    g_test_expect_message (NULL, G_LOG_LEVEL_WARNING, c->warning);
  out = run_op (in, W, H, file, 1.0, "tetrahedral");
  g_test_assert_expected_messages ();

  g_assert_true (memcmp (out, in, sizeof (float) * W * H * 4) == 0);
  g_free (file);
  g_free (in);
  g_free (out);
}

static void
test_strength_zero (void)
{
  float *in = make_pixels (W, H);
  float *out = run_op (in, W, H, curvy_path, 0.0, "trilinear");

  g_assert_true (memcmp (out, in, sizeof (float) * W * H * 4) == 0);
  g_free (in);
  g_free (out);
}

/* The cache is keyed by path and modification time: the same node, its
 * file rewritten, shows the new LUT once the graph is processed again. */
static void
test_file_changes (void)
{
  const Babl    *format = babl_format ("R'G'B'A float");
  gchar         *path = tmp_path ("changing.cube");
  float          in[4] = { 0.1f, 0.5f, 0.9f, 1.0f };
  float          out[4];
  GeglRectangle  rect = { 0, 0, 1, 1 };
  GeglBuffer    *buffer = gegl_buffer_new (&rect, format);
  GeglNode      *graph = gegl_node_new ();
  GeglNode      *source, *apply;
  gchar         *swap = NULL, *invert = NULL;
  struct utimbuf times = { 1000000000, 1000000000 };

  g_assert_true (g_file_get_contents (swap_path, &swap, NULL, NULL));
  invert = g_strdup ("LUT_3D_SIZE 2\n1 1 1\n0 1 1\n1 0 1\n0 0 1\n"
                     "1 1 0\n0 1 0\n1 0 0\n0 0 0\n");
  g_assert_true (g_file_set_contents (path, swap, -1, NULL));
  g_assert_cmpint (utime (path, &times), ==, 0);

  gegl_buffer_set (buffer, &rect, 0, format, in, GEGL_AUTO_ROWSTRIDE);
  source = gegl_node_new_child (graph, "operation", "gegl:buffer-source",
                                "buffer", buffer, NULL);
  apply = gegl_node_new_child (graph, "operation", "looklab:apply", "file",
                               path, NULL);
  gegl_node_link (source, apply);
  gegl_node_blit (apply, 1.0, &rect, format, out, GEGL_AUTO_ROWSTRIDE,
                  GEGL_BLIT_DEFAULT);
  g_assert_cmpfloat_with_epsilon (out[0], 0.9f, 1e-6);

  /* Same size, another time stamp: only the time tells them apart. */
  g_assert_cmpuint (strlen (invert), ==, strlen (swap));
  g_assert_true (g_file_set_contents (path, invert, -1, NULL));
  times.actime = times.modtime = 1000000100;
  g_assert_cmpint (utime (path, &times), ==, 0);
  gegl_node_set (apply, "file", path, NULL);
  gegl_node_blit (apply, 1.0, &rect, format, out, GEGL_AUTO_ROWSTRIDE,
                  GEGL_BLIT_DEFAULT);
  g_assert_cmpfloat_with_epsilon (out[0], 0.9f, 1e-6);
  g_assert_cmpfloat_with_epsilon (out[1], 0.5f, 1e-6);
  g_assert_cmpfloat_with_epsilon (out[2], 0.1f, 1e-6);
  g_assert_cmpfloat (out[3], ==, 1.0f);

  g_object_unref (graph);
  g_object_unref (buffer);
  g_free (swap);
  g_free (invert);
  g_free (path);
}

/* Many GEGL threads over a large buffer in one process: the same result
 * as core/ on one thread. */
static void
test_threads (void)
{
  RefCase c = { "threads", NULL, 0.75, "tetrahedral" };
  int     threads = 0;

  g_object_get (gegl_config (), "threads", &threads, NULL);
  g_object_set (gegl_config (), "threads", 8, NULL);
  test_reference (&c);
  {
    const int   w = 1500, h = 700;
    float      *in = make_pixels (w, h);
    float      *out = run_op (in, w, h, curvy_path, 0.75, "trilinear");
    float      *ref = g_new (float, (gsize) w *h * 4);
    LookLabLut *lut = reference_lut (curvy_path);

    looklab_lut_apply (lut, LOOKLAB_PIXEL_RGBA_FLOAT, LOOKLAB_INTERP_TRILINEAR,
                       0.75f, in, (size_t) w * 16, ref, (size_t) w * 16, w, h,
                       1);
    assert_same (out, ref, (gsize) w * h * 4, 1e-6);
    looklab_lut_free (lut);
    g_free (in);
    g_free (out);
    g_free (ref);
  }
  g_object_set (gegl_config (), "threads", threads, NULL);
}

int
main (int argc, char **argv)
{
  static const RefCase ref_cases[] = {
    { "cube-tetrahedral", NULL, 1.0, "tetrahedral" },
    { "cube-trilinear", NULL, 1.0, "trilinear" },
    { "cube-half-strength", NULL, 0.5, "tetrahedral" },
    { "look-file", "look", 1.0, "tetrahedral" },
    { "look-file-trilinear", "look", 0.3, "trilinear" },
  };
  int    status;
  gsize  i;
  gchar *trunc = NULL, *look = NULL;
  gsize  look_len = 0;

  if (argc == 3 && strcmp (argv[1], "write-look") == 0)
    return write_look (argv[2]) == LOOKLAB_OK ? 0 : 1;

  g_test_init (&argc, &argv, NULL);
  gegl_init (&argc, &argv);
  if (!gegl_has_operation ("looklab:apply"))
    g_error ("GEGL does not find looklab:apply (GEGL_PATH=%s)",
             g_getenv ("GEGL_PATH"));

  tmp_dir = g_dir_make_tmp ("looklab-op-XXXXXX", NULL);
  g_assert_nonnull (tmp_dir);
  curvy_path = write_curvy_cube ("curvy.cube");
  swap_path
      = write_text ("swap.cube", "LUT_3D_SIZE 2\n0 0 0\n0 0 1\n0 1 0\n0 1 1\n"
                                 "1 0 0\n1 0 1\n1 1 0\n1 1 1\n");
  look_path = tmp_path ("warm.look");
  g_assert_cmpint (write_look (look_path), ==, LOOKLAB_OK);
  g_assert_true (g_file_get_contents (look_path, &look, &look_len, NULL));
  trunc = tmp_path ("cut.look");
  g_assert_true (
      g_file_set_contents (trunc, look, (gssize) look_len / 2, NULL));
  for (i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    if (bad_cases[i].text != NULL)
      g_free (write_text (bad_cases[i].file, bad_cases[i].text));

  for (i = 0; i < G_N_ELEMENTS (ref_cases); i++)
    {
      gchar *name = g_strdup_printf ("/op/reference/%s", ref_cases[i].name);

      g_test_add_data_func (name, &ref_cases[i], test_reference);
      g_free (name);
    }
  g_test_add_func ("/op/swap-values", test_swap_values);
  g_test_add_func ("/op/strength-zero", test_strength_zero);
  g_test_add_func ("/op/file-changes", test_file_changes);
  g_test_add_func ("/op/threads", test_threads);
  g_test_add_func ("/op/integer-formats", test_integer_formats);
  g_test_add_func ("/op/float-rgb", test_float_rgb);
  g_test_add_func ("/op/spatial", test_spatial);
  g_test_add_func ("/op/spatial-changes", test_spatial_changes);
  for (i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      gchar *name = g_strdup_printf ("/op/bad/%s", bad_cases[i].name);

      g_test_add_data_func (name, &bad_cases[i], test_bad);
      g_free (name);
    }

  status = g_test_run ();

  {
    GDir        *dir = g_dir_open (tmp_dir, 0, NULL);
    const gchar *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        gchar *p = tmp_path (name);

        g_unlink (p);
        g_free (p);
      }
    if (dir != NULL)
      g_dir_close (dir);
    g_rmdir (tmp_dir);
  }
  g_free (trunc);
  g_free (look);
  gegl_exit ();
  return status;
}
