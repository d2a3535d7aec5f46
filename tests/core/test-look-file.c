/* Tests of core/look/look-file.c: the look file round-trips bit-exactly
 * (version 1 without spatial parts, version 2 with them, version 3 with
 * per-channel curves), the committed files of versions 1 and 2 still read,
 * and each malformed input is refused (its own case) with a message, never
 * a crash. */
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "look/look-private.h"
#include "look/look.h"

/* A look with every parameter and lattice node set to a distinct value,
 * so that any misplaced byte shows. */
static LookLabLook *
make_look_paths (int hidden, int layers, int corr, unsigned paths)
{
  LookLabLook *look
      = looklab_look_new_shape (hidden, layers, LOOKLAB_ACT_TANH, paths, corr);
  size_t i;

  g_assert_nonnull (look);
  for (i = 0; i < look->n_params; i++)
    look->params[i] = (float) sin ((double) i) * 0.05f;
  for (i = 0; i < (size_t) corr * corr * corr * 3; i++)
    look->corr[i] = (float) cos ((double) i) * 0.01f;
  look->fit_mean_de00 = 0.25;
  look->fit_max_de00 = 1.5;
  look->fit_samples = 12345;
  return look;
}

static LookLabLook *
make_look (int hidden, int layers, int corr)
{
  return make_look_paths (hidden, layers, corr, LOOKLAB_PATH_LINEAR);
}

static GBytes *
serialize (const LookLabLook *look)
{
  void  *data = NULL;
  size_t len = 0;

  g_assert_cmpint (looklab_look_serialize (look, &data, &len), ==, 0);
  return g_bytes_new_with_free_func (data, len, free, data);
}

static void
test_round_trip (void)
{
  LookLabLook *look = make_look (32, 2, 9), *back = NULL;
  GBytes      *a = serialize (look), *b;
  LookLabDiag  diag = { 0 };
  gsize        len;
  const void  *data = g_bytes_get_data (a, &len);
  float        in[300], o1[300], o2[300];
  int          i;

  g_assert_true (looklab_look_sniff (data, len));
  g_assert_cmpint (looklab_look_deserialize (data, len, &back, &diag), ==, 0);
  g_assert_nonnull (back);
  b = serialize (back);
  g_assert_true (g_bytes_equal (a, b));
  g_assert_cmpint (
      memcmp (look->params, back->params, sizeof (float) * look->n_params), ==,
      0);
  g_assert_cmpfloat (back->fit_mean_de00, ==, 0.25);
  g_assert_cmpuint (back->fit_samples, ==, 12345);
  for (i = 0; i < 300; i++)
    in[i] = (float) ((i * 37) % 101) / 100.0f;
  looklab_look_eval (look, in, o1, 100);
  looklab_look_eval (back, in, o2, 100);
  g_assert_cmpint (memcmp (o1, o2, sizeof (o1)), ==, 0);
  g_bytes_unref (a);
  g_bytes_unref (b);
  looklab_look_free (look);
  looklab_look_free (back);
}

static void
test_round_trip_no_correction (void)
{
  LookLabLook *look = make_look (8, 3, 0), *back = NULL;
  GBytes      *a = serialize (look), *b;
  gsize        len;
  const void  *data = g_bytes_get_data (a, &len);

  g_assert_cmpint (looklab_look_deserialize (data, len, &back, NULL), ==, 0);
  g_assert_cmpint (back->corr_size, ==, 0);
  g_assert_cmpint (back->skip, ==, 1);
  b = serialize (back);
  g_assert_true (g_bytes_equal (a, b));
  g_bytes_unref (a);
  g_bytes_unref (b);
  looklab_look_free (look);
  looklab_look_free (back);
}

/* Curves make a version 3 file, with no spatial part; it reads back to
 * the same bytes and the same colours. */
static void
test_round_trip_curves (void)
{
  LookLabLook    *look = make_look_paths (16, 2, 5, LOOKLAB_PATHS_ALL);
  LookLabLook    *back = NULL;
  GBytes         *a = serialize (look), *b;
  gsize           len;
  const guint8   *data = g_bytes_get_data (a, &len);
  LookLabDiag     diag = { 0 };
  LookLabLookInfo info;
  float           in[300], o1[300], o2[300];
  int             i;

  g_assert_cmpuint (data[8], ==, 3);
  g_assert_cmpuint (data[19], ==, 3);
  g_assert_cmpint (looklab_look_deserialize (data, len, &back, &diag), ==, 0);
  g_assert_cmpint (back->curves, ==, 1);
  g_assert_cmpint (back->skip, ==, 1);
  g_assert_false (looklab_look_has_spatial (back));
  looklab_look_get_info (back, &info);
  g_assert_cmpint (info.file_version, ==, 3);
  g_assert_cmpint (info.curve_knots, ==, LOOKLAB_LOOK_CURVE_KNOTS);
  b = serialize (back);
  g_assert_true (g_bytes_equal (a, b));
  for (i = 0; i < 300; i++)
    in[i] = (float) ((i * 53) % 101) / 100.0f;
  looklab_look_eval (look, in, o1, 100);
  looklab_look_eval (back, in, o2, 100);
  g_assert_cmpint (memcmp (o1, o2, sizeof (o1)), ==, 0);
  /* The curves are evaluated: zeroing them changes the colours. */
  memset (back->params + back->n_params - 3 * LOOKLAB_LOOK_CURVE_KNOTS, 0,
          sizeof (float) * 3 * LOOKLAB_LOOK_CURVE_KNOTS);
  looklab_look_eval (back, in, o2, 100);
  g_assert_cmpint (memcmp (o1, o2, sizeof (o1)), !=, 0);
  g_bytes_unref (a);
  g_bytes_unref (b);
  looklab_look_free (look);
  looklab_look_free (back);
}

static void
test_save_load (void)
{
  LookLabLook *look = make_look (16, 2, 5), *back = NULL;
  char        *dir = g_dir_make_tmp ("looklab-XXXXXX", NULL);
  char        *path = g_build_filename (dir, "a.look", NULL);
  LookLabDiag  diag = { 0 };
  GBytes      *a, *b;

  g_assert_cmpint (looklab_look_save (look, path, &diag), ==, 0);
  /* Saving again replaces the file. */
  g_assert_cmpint (looklab_look_save (look, path, &diag), ==, 0);
  g_assert_cmpint (looklab_look_load (path, &back, &diag), ==, 0);
  a = serialize (look);
  b = serialize (back);
  g_assert_true (g_bytes_equal (a, b));
  g_clear_pointer (&back, looklab_look_free);
  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_cmpint (looklab_look_load (path, &back, &diag), ==, LOOKLAB_ERR_IO);
  g_assert_null (back);
  g_assert_cmpstr (diag.message, !=, "");
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  g_bytes_unref (a);
  g_bytes_unref (b);
  looklab_look_free (look);
  g_free (path);
  g_free (dir);
}

static void
test_sniff (void)
{
  const char *cube = "LUT_3D_SIZE 2\n";

  g_assert_false (looklab_look_sniff (cube, strlen (cube)));
  g_assert_false (looklab_look_sniff ("LOOKLAB", 7));
  g_assert_false (looklab_look_sniff (NULL, 0));
}

/* ---- malformed files, one case each ---- */

typedef enum
{
  BREAK_EMPTY,
  BREAK_SHORT_MAGIC,
  BREAK_TRUNCATED_HEADER,
  BREAK_TRUNCATED_WEIGHTS,
  BREAK_TRUNCATED_CHECKSUM,
  BREAK_BAD_MAGIC,
  BREAK_VERSION_NEWER,
  BREAK_VERSION_ZERO,
  BREAK_HIDDEN_HUGE,
  BREAK_HIDDEN_ZERO,
  BREAK_LAYERS_HUGE,
  BREAK_CORRECTION_HUGE,
  BREAK_CORRECTION_ONE,
  BREAK_ACTIVATION,
  BREAK_ENCODING,
  BREAK_RESERVED,
  BREAK_CURVES_IN_V1,
  BREAK_PARAM_COUNT,
  BREAK_TRAILING,
  BREAK_CHECKSUM,
  BREAK_WEIGHT_FLIPPED,
  BREAK_NAN_WEIGHT
} Break;

typedef struct
{
  const char *name;
  Break       how;
  int         status;
} BadCase;

static const BadCase bad_cases[] = {
  { "empty", BREAK_EMPTY, LOOKLAB_ERR_PARSE },
  { "short-magic", BREAK_SHORT_MAGIC, LOOKLAB_ERR_PARSE },
  { "truncated-header", BREAK_TRUNCATED_HEADER, LOOKLAB_ERR_PARSE },
  { "truncated-weights", BREAK_TRUNCATED_WEIGHTS, LOOKLAB_ERR_PARSE },
  { "truncated-checksum", BREAK_TRUNCATED_CHECKSUM, LOOKLAB_ERR_PARSE },
  { "bad-magic", BREAK_BAD_MAGIC, LOOKLAB_ERR_PARSE },
  { "version-newer", BREAK_VERSION_NEWER, LOOKLAB_ERR_VERSION },
  { "version-zero", BREAK_VERSION_ZERO, LOOKLAB_ERR_PARSE },
  { "hidden-huge", BREAK_HIDDEN_HUGE, LOOKLAB_ERR_LIMIT },
  { "hidden-zero", BREAK_HIDDEN_ZERO, LOOKLAB_ERR_LIMIT },
  { "layers-huge", BREAK_LAYERS_HUGE, LOOKLAB_ERR_LIMIT },
  { "correction-huge", BREAK_CORRECTION_HUGE, LOOKLAB_ERR_LIMIT },
  { "correction-one", BREAK_CORRECTION_ONE, LOOKLAB_ERR_LIMIT },
  { "activation-unknown", BREAK_ACTIVATION, LOOKLAB_ERR_PARSE },
  { "encoding-unknown", BREAK_ENCODING, LOOKLAB_ERR_PARSE },
  { "flags-unknown", BREAK_RESERVED, LOOKLAB_ERR_PARSE },
  { "curves-in-version-1", BREAK_CURVES_IN_V1, LOOKLAB_ERR_PARSE },
  { "param-count-wrong", BREAK_PARAM_COUNT, LOOKLAB_ERR_PARSE },
  { "trailing-bytes", BREAK_TRAILING, LOOKLAB_ERR_PARSE },
  { "checksum-wrong", BREAK_CHECKSUM, LOOKLAB_ERR_PARSE },
  { "weight-flipped", BREAK_WEIGHT_FLIPPED, LOOKLAB_ERR_PARSE },
  { "nan-weight", BREAK_NAN_WEIGHT, LOOKLAB_ERR_PARSE },
};

/* CRC-32 (zlib's), to forge files whose only fault is elsewhere. */
static uint32_t
crc32 (const guint8 *p, size_t n)
{
  uint32_t crc = 0xffffffffu;
  size_t   i;
  int      k;

  for (i = 0; i < n; i++)
    {
      crc ^= p[i];
      for (k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
  return ~crc;
}

static void
fix_crc (guint8 *p, size_t len)
{
  uint32_t crc = crc32 (p, len - 4);
  int      i;

  for (i = 0; i < 4; i++)
    p[len - 4 + i] = (guint8) (crc >> (8 * i));
}

static void
test_bad (gconstpointer data)
{
  const BadCase *bc = data;
  LookLabLook   *look = make_look (8, 2, 3), *out = (LookLabLook *) 0x1;
  GBytes        *good = serialize (look);
  gsize          len;
  guint8        *p = g_bytes_unref_to_data (good, &len);
  LookLabDiag    diag = { 0 };
  float          nan = NAN;

  switch (bc->how)
    {
      case BREAK_EMPTY: len = 0; break;
      case BREAK_SHORT_MAGIC: len = 5; break;
      case BREAK_TRUNCATED_HEADER: len = 30; break;
      case BREAK_TRUNCATED_WEIGHTS: len = 48 + 40; break;
      case BREAK_TRUNCATED_CHECKSUM: len -= 2; break;
      case BREAK_BAD_MAGIC: p[3] = 'X'; break;
      case BREAK_VERSION_NEWER: p[8] = 5; break;
      case BREAK_VERSION_ZERO: p[8] = 0; break;
      case BREAK_HIDDEN_HUGE:
        p[12] = 0xff;
        p[13] = 0xff;
        break;
      case BREAK_HIDDEN_ZERO:
        p[12] = 0;
        p[13] = 0;
        break;
      case BREAK_LAYERS_HUGE:
        p[14] = 0x10;
        p[15] = 0x27;
        break;
      case BREAK_CORRECTION_HUGE: p[18] = 200; break;
      case BREAK_CORRECTION_ONE: p[18] = 1; break;
      case BREAK_ACTIVATION:
        p[16] = 9;
        fix_crc (p, len);
        break;
      case BREAK_ENCODING:
        p[17] = 1;
        fix_crc (p, len);
        break;
      case BREAK_RESERVED:
        p[19] = 0x80;
        fix_crc (p, len);
        break;
      case BREAK_CURVES_IN_V1:
        /* The flag alone, in a version 1 file: the bit is version 3's. */
        p[19] |= LOOKLAB_PATH_CURVES;
        fix_crc (p, len);
        break;
      case BREAK_PARAM_COUNT:
        p[20] ^= 1;
        fix_crc (p, len);
        break;
      case BREAK_TRAILING:
        p = g_realloc (p, len + 3);
        memset (p + len, 0, 3);
        len += 3;
        break;
      case BREAK_CHECKSUM: p[len - 1] ^= 0x40; break;
      case BREAK_WEIGHT_FLIPPED: p[60] ^= 0x01; break;
      case BREAK_NAN_WEIGHT:
        memcpy (p + 48 + 4 * 5, &nan, 4);
        fix_crc (p, len);
        break;
    }
  g_assert_cmpint (looklab_look_deserialize (p, len, &out, &diag), ==,
                   bc->status);
  g_assert_null (out);
  g_assert_cmpstr (diag.message, !=, "");
  g_test_message ("%s: %s", bc->name, diag.message);
  g_free (p);
  looklab_look_free (look);
}

static void
test_oversized_file (void)
{
  /* A file over LOOKLAB_LOOK_MAX_BYTES is refused before it is read. */
  char        *dir = g_dir_make_tmp ("looklab-XXXXXX", NULL);
  char        *path = g_build_filename (dir, "big.look", NULL);
  FILE        *f = g_fopen (path, "wb");
  LookLabLook *out = NULL;
  LookLabDiag  diag = { 0 };

  g_assert_nonnull (f);
  g_assert_cmpint (fseek (f, (long) LOOKLAB_LOOK_MAX_BYTES, SEEK_SET), ==, 0);
  g_assert_cmpint (fputc ('x', f), ==, 'x');
  fclose (f);
  g_assert_cmpint (looklab_look_load (path, &out, &diag), ==,
                   LOOKLAB_ERR_LIMIT);
  g_assert_null (out);
  g_remove (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

/* A FIFO given as a look is refused at once: opening it to read would wait
 * for a writer forever (issue 25). */
static void
test_fifo (void)
{
  char        *dir = g_dir_make_tmp ("looklab-XXXXXX", NULL);
  char        *path = g_build_filename (dir, "f.look", NULL);
  LookLabLook *out = NULL;
  LookLabDiag  diag = { 0 };

  g_assert_cmpint (mkfifo (path, 0600), ==, 0);
  g_assert_cmpint (looklab_look_load (path, &out, &diag), ==, LOOKLAB_ERR_IO);
  g_assert_null (out);
  g_assert_nonnull (strstr (diag.message, "not a regular file"));
  g_remove (path);
  g_rmdir (dir);
  g_free (path);
  g_free (dir);
}

/* make_look () plus both spatial parts, every value distinct. */
static LookLabLook *
make_spatial_look (int hidden, int layers, int corr)
{
  LookLabLook *look = make_look (hidden, layers, corr);
  int          i;

  g_assert_cmpint (looklab_look_set_vignette (look, 4), ==, 0);
  g_assert_cmpint (looklab_look_set_detail (look, 3), ==, 0);
  for (i = 0; i < 24; i++)
    look->vig[i] = 0.5f + 0.01f * (float) i;
  look->vig_prop = 0.25f;
  look->vig_cx = -0.125f;
  look->vig_cy = 0.0625f;
  look->det_sigma = 0.015f;
  for (i = 0; i < 3; i++)
    look->det[i] = 0.1f * (float) (i + 1);
  return look;
}

static void
test_round_trip_v2 (void)
{
  LookLabLook    *look = make_spatial_look (16, 2, 5), *back = NULL;
  GBytes         *a = serialize (look), *b;
  LookLabDiag     diag = { 0 };
  LookLabLookInfo info;
  gsize           len;
  const guint8   *data = g_bytes_get_data (a, &len);

  g_assert_cmpuint (data[8], ==, 2);
  g_assert_cmpint (looklab_look_deserialize (data, len, &back, &diag), ==, 0);
  b = serialize (back);
  g_assert_true (g_bytes_equal (a, b));
  g_assert_cmpint (back->vig_knots, ==, 4);
  g_assert_cmpint (memcmp (look->vig, back->vig, sizeof (float) * 24), ==, 0);
  g_assert_cmpfloat (back->vig_prop, ==, 0.25f);
  g_assert_cmpfloat (back->vig_cx, ==, -0.125f);
  g_assert_cmpfloat (back->vig_cy, ==, 0.0625f);
  g_assert_cmpint (back->det_knots, ==, 3);
  g_assert_cmpfloat (back->det_sigma, ==, 0.015f);
  g_assert_cmpint (memcmp (look->det, back->det, sizeof (float) * 3), ==, 0);
  looklab_look_get_info (back, &info);
  g_assert_cmpint (info.file_version, ==, 2);
  g_assert_cmpint (info.vignette_knots, ==, 4);
  g_assert_cmpint (info.detail_knots, ==, 3);
  g_bytes_unref (a);
  g_bytes_unref (b);
  looklab_look_free (back);

  /* Only one of the parts: still version 2, and back. */
  free (look->det);
  look->det = NULL;
  look->det_knots = 0;
  a = serialize (look);
  data = g_bytes_get_data (a, &len);
  g_assert_cmpuint (data[8], ==, 2);
  g_assert_cmpint (looklab_look_deserialize (data, len, &back, &diag), ==, 0);
  g_assert_cmpint (back->det_knots, ==, 0);
  b = serialize (back);
  g_assert_true (g_bytes_equal (a, b));
  g_bytes_unref (a);
  g_bytes_unref (b);
  looklab_look_free (back);

  /* No parts: version 1 again. */
  free (look->vig);
  look->vig = NULL;
  look->vig_knots = 0;
  a = serialize (look);
  data = g_bytes_get_data (a, &len);
  g_assert_cmpuint (data[8], ==, 1);
  g_bytes_unref (a);
  looklab_look_free (look);
}

/* The committed files (the fuzz corpus): a version 1 look as LookLab
 * wrote it before spatial parts, a version 2 one made from it, a version
 * 3 one (per-channel curves, no spatial part) as `looklab learn --hidden
 * 8 --layers 1 --global-only` wrote it from data/sample's garden pair, and
 * a version 4 one (a position field) as `looklab learn --hidden 8
 * --layers 1` wrote it from that pair, the after multiplied by
 * ImageMagick's `-sparse-color Barycentric '0,0 rgb(255,210,165)
 * %[fx:w-1],0 rgb(180,200,255)'` (warm at the left, cool at the right).
 * All read, and all serialise back to their exact bytes. */
static void
test_committed_files (void)
{
  const char *names[4] = { "garden-small.look", "garden-spatial.look",
                           "garden-curves.look", "garden-field.look" };
  int         k;

  for (k = 0; k < 4; k++)
    {
      char *path = g_test_build_filename (G_TEST_DIST, "..", "fuzz", "corpus",
                                          "look", names[k], NULL);
      char *bytes = NULL;
      gsize len = 0;
      LookLabLook    *look = NULL;
      LookLabDiag     diag = { 0 };
      LookLabLookInfo info;
      GBytes         *again;

      g_assert_true (g_file_get_contents (path, &bytes, &len, NULL));
      g_assert_cmpint (looklab_look_load (path, &look, &diag), ==, 0);
      looklab_look_get_info (look, &info);
      g_assert_cmpint (info.file_version, ==, k + 1);
      g_assert_cmpint ((unsigned char) bytes[8], ==, k + 1);
      g_assert_cmpint (info.vignette_knots, ==, k == 1 ? 8 : 0);
      g_assert_cmpint (info.detail_knots, ==, k == 1 ? 4 : 0);
      g_assert_cmpint (info.field_knots, ==, k == 3 ? 7 : 0);
      g_assert_cmpint (info.curve_knots, ==,
                       k == 2 ? LOOKLAB_LOOK_CURVE_KNOTS : 0);
      again = serialize (look);
      g_assert_cmpuint (g_bytes_get_size (again), ==, len);
      g_assert_cmpint (memcmp (g_bytes_get_data (again, NULL), bytes, len), ==,
                       0);
      g_bytes_unref (again);
      looklab_look_free (look);
      g_free (bytes);
      g_free (path);
    }
}

typedef enum
{
  V2_PARTS_ZERO,
  V2_PARTS_THREE,
  V2_TYPE_UNKNOWN,
  V2_TYPE_ORDER,
  V2_KNOTS_ONE,
  V2_KNOTS_HUGE,
  V2_PROPORTION,
  V2_CENTRE,
  V2_SIGMA_ZERO,
  V2_SIGMA_HUGE,
  V2_GAIN_NAN,
  V2_GAIN_HUGE,
  V2_TRUNCATED_PART,
  V2_NO_PARTS_ROOM,
  V2_TRAILING
} BreakV2;

typedef struct
{
  const char *name;
  BreakV2     how;
  int         status;
} BadCaseV2;

static const BadCaseV2 bad_cases_v2[] = {
  { "parts-zero", V2_PARTS_ZERO, LOOKLAB_ERR_PARSE },
  { "parts-three", V2_PARTS_THREE, LOOKLAB_ERR_PARSE },
  { "type-unknown", V2_TYPE_UNKNOWN, LOOKLAB_ERR_PARSE },
  { "type-order", V2_TYPE_ORDER, LOOKLAB_ERR_PARSE },
  { "knots-one", V2_KNOTS_ONE, LOOKLAB_ERR_LIMIT },
  { "knots-huge", V2_KNOTS_HUGE, LOOKLAB_ERR_LIMIT },
  { "proportion", V2_PROPORTION, LOOKLAB_ERR_PARSE },
  { "centre", V2_CENTRE, LOOKLAB_ERR_PARSE },
  { "sigma-zero", V2_SIGMA_ZERO, LOOKLAB_ERR_PARSE },
  { "sigma-huge", V2_SIGMA_HUGE, LOOKLAB_ERR_PARSE },
  { "gain-nan", V2_GAIN_NAN, LOOKLAB_ERR_PARSE },
  { "gain-huge", V2_GAIN_HUGE, LOOKLAB_ERR_PARSE },
  { "truncated-part", V2_TRUNCATED_PART, LOOKLAB_ERR_PARSE },
  { "no-room-for-parts", V2_NO_PARTS_ROOM, LOOKLAB_ERR_PARSE },
  { "trailing", V2_TRAILING, LOOKLAB_ERR_PARSE },
};

static void
put32 (guint8 *p, uint32_t v)
{
  int i;

  for (i = 0; i < 4; i++)
    p[i] = (guint8) (v >> (8 * i));
}

static void
test_bad_v2 (gconstpointer data)
{
  const BadCaseV2 *bc = data;
  LookLabLook *look = make_spatial_look (8, 2, 3), *out = (LookLabLook *) 0x1;
  GBytes      *good = serialize (look);
  gsize        len;
  guint8      *p = g_bytes_unref_to_data (good, &len);
  LookLabDiag  diag = { 0 };
  /* Offsets: the parts count, the radial part (type, knots, p, cx, cy,
   * 24 values), then the detail part (type, knots, sigma, 3 gains). */
  size_t body = 48 + 4 * look->n_params + 12 * 27;
  size_t rad = body + 4, det = rad + 20 + 4 * 24;
  float  v;

  g_assert_cmpuint (len, ==, det + 12 + 12 + 4);
  switch (bc->how)
    {
      case V2_PARTS_ZERO: put32 (p + body, 0); break;
      case V2_PARTS_THREE: put32 (p + body, 3); break;
      case V2_TYPE_UNKNOWN: put32 (p + det, 7); break;
      case V2_TYPE_ORDER: put32 (p + det, 1); break;
      case V2_KNOTS_ONE: put32 (p + rad + 4, 1); break;
      case V2_KNOTS_HUGE: put32 (p + det + 4, 100000); break;
      case V2_PROPORTION:
        v = 1.5f;
        memcpy (p + rad + 8, &v, 4);
        break;
      case V2_CENTRE:
        v = -2.0f;
        memcpy (p + rad + 16, &v, 4);
        break;
      case V2_SIGMA_ZERO:
        v = 0.0f;
        memcpy (p + det + 8, &v, 4);
        break;
      case V2_SIGMA_HUGE:
        v = 0.5f;
        memcpy (p + det + 8, &v, 4);
        break;
      case V2_GAIN_NAN:
        v = NAN;
        memcpy (p + rad + 20 + 4 * 7, &v, 4);
        break;
      case V2_GAIN_HUGE:
        v = 1e6f;
        memcpy (p + det + 12 + 4, &v, 4);
        break;
      case V2_TRUNCATED_PART: len = det + 10; break;
      case V2_NO_PARTS_ROOM: len = body + 2; break;
      case V2_TRAILING:
        p = g_realloc (p, len + 4);
        memset (p + len, 0, 4);
        len += 4;
        break;
    }
  if (bc->how != V2_TRUNCATED_PART && bc->how != V2_NO_PARTS_ROOM)
    fix_crc (p, len);
  g_assert_cmpint (looklab_look_deserialize (p, len, &out, &diag), ==,
                   bc->status);
  g_assert_null (out);
  g_assert_cmpstr (diag.message, !=, "");
  g_test_message ("%s: %s", bc->name, diag.message);
  g_free (p);
  looklab_look_free (look);
}

/* make_spatial_look () plus a position field of 3 x 3 nodes: version 4,
 * three parts, and back to the same bytes; then the ways a version 4 file
 * can be wrong about its field. */
static void
test_round_trip_v4 (void)
{
  LookLabLook    *look = make_spatial_look (8, 2, 3), *back = NULL;
  GBytes         *a, *b;
  LookLabDiag     diag = { 0 };
  LookLabLookInfo info;
  gsize           len;
  guint8         *p;
  size_t          body, fld;
  int             i, k;
  float           v;

  g_assert_cmpint (looklab_look_set_field (look, 3), ==, 0);
  for (i = 0; i < 27; i++)
    look->fld[i] = 0.8f + 0.003f * (float) i;
  a = serialize (look);
  p = (guint8 *) g_bytes_get_data (a, &len);
  g_assert_cmpuint (p[8], ==, 4);
  g_assert_cmpint (looklab_look_deserialize (p, len, &back, &diag), ==, 0);
  b = serialize (back);
  g_assert_true (g_bytes_equal (a, b));
  g_assert_cmpint (back->fld_knots, ==, 3);
  g_assert_cmpint (memcmp (look->fld, back->fld, sizeof (float) * 27), ==, 0);
  looklab_look_get_info (back, &info);
  g_assert_cmpint (info.file_version, ==, 4);
  g_assert_cmpint (info.field_knots, ==, 3);
  g_assert_cmpint (info.vignette_knots, ==, 4);
  g_assert_cmpint (info.detail_knots, ==, 3);
  /* Mid-gray at the middle of the top edge: node 1, gains 0.8 + 0.003
   * (3 + c). */
  for (k = 0; k < 3; k++)
    g_assert_cmpfloat_with_epsilon (info.field_edges[0][k],
                                    0.5 * (0.8 + 0.003 * (3 + k)), 1e-6);
  g_bytes_unref (b);
  looklab_look_free (back);

  /* Offsets: the parts count, the radial part (20 + 4 * 24 bytes), the
   * detail part (24), then the field (type, knots, 27 gains). */
  body = 48 + 4 * look->n_params + 12 * 27;
  fld = body + 4 + 116 + 24;
  g_assert_cmpuint (len, ==, fld + 8 + 4 * 27 + 4);
  for (k = 0; k < 4; k++)
    {
      guint8      *q = g_memdup2 (p, len);
      LookLabLook *out = (LookLabLook *) 0x1;
      int          want = LOOKLAB_ERR_PARSE;

      switch (k)
        {
          case 0: put32 (q + 8, 3); break; /* a field in version 3 */
          case 1:
            put32 (q + fld + 4, 18);
            want = LOOKLAB_ERR_LIMIT;
            break;
          case 2:
            v = NAN;
            memcpy (q + fld + 8 + 4 * 10, &v, 4);
            break;
          case 3: put32 (q + body, 4); break; /* four parts */
        }
      fix_crc (q, len);
      g_assert_cmpint (looklab_look_deserialize (q, len, &out, &diag), ==,
                       want);
      g_assert_null (out);
      g_test_message ("case %d: %s", k, diag.message);
      g_free (q);
    }
  g_bytes_unref (a);
  looklab_look_free (look);
}

int
main (int argc, char **argv)
{
  gsize i;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/look-file/round-trip", test_round_trip);
  g_test_add_func ("/look-file/round-trip-no-correction",
                   test_round_trip_no_correction);
  g_test_add_func ("/look-file/round-trip-curves", test_round_trip_curves);
  g_test_add_func ("/look-file/save-load", test_save_load);
  g_test_add_func ("/look-file/sniff", test_sniff);
  g_test_add_func ("/look-file/oversized-file", test_oversized_file);
  g_test_add_func ("/look-file/fifo", test_fifo);
  g_test_add_func ("/look-file/round-trip-v2", test_round_trip_v2);
  g_test_add_func ("/look-file/round-trip-v4", test_round_trip_v4);
  g_test_add_func ("/look-file/committed-files", test_committed_files);
  for (i = 0; i < G_N_ELEMENTS (bad_cases_v2); i++)
    {
      char *name = g_strdup_printf ("/look-file/malformed-v2/%s",
                                    bad_cases_v2[i].name);

      g_test_add_data_func (name, &bad_cases_v2[i], test_bad_v2);
      g_free (name);
    }
  for (i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      char *name
          = g_strdup_printf ("/look-file/malformed/%s", bad_cases[i].name);

      g_test_add_data_func (name, &bad_cases[i], test_bad);
      g_free (name);
    }
  return g_test_run ();
}
