/* Tests of core/lut/cube-io.c: every .cube variant the anchors list is read,
 * write -> read is lossless, and each malformed input is refused with the
 * right status and the line that is wrong. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "lut/cube-io.h"

static LookLabLut *
parse_ok (const char *text)
{
  LookLabLut *lut = NULL;
  LookLabDiag diag = { 0 };
  int         status = looklab_cube_parse (text, strlen (text), &lut, &diag);

  if (status != LOOKLAB_OK)
    g_error ("parse failed: %s (%s)", looklab_strerror (status), diag.message);
  g_assert_nonnull (lut);
  return lut;
}

static void
test_adobe_3d (void)
{
  /* Size 2, with title, comments, blank lines and CRLF line ends. */
  const char *text = "# made by hand\r\n"
                     "TITLE \"Swap R and B\"\r\n"
                     "\r\n"
                     "LUT_3D_SIZE 2\r\n"
                     "DOMAIN_MIN 0 0 0\r\n"
                     "DOMAIN_MAX 1 1 1\r\n"
                     "0 0 0\r\n1 0 0   # red corner\r\n0 1 0\r\n1 1 0\r\n"
                     "0 0 1\r\n1 0 1\r\n0 1 1\r\n1 1 1\r\n";
  LookLabLut *lut = parse_ok (text);

  g_assert_cmpint (lut->size, ==, 2);
  g_assert_cmpstr (lut->title, ==, "Swap R and B");
  g_assert_cmpint (lut->shaper_size, ==, 0);
  /* Red changes fastest: entry 1 is lattice point (1, 0, 0). */
  g_assert_cmpfloat (lut->table[3], ==, 1.0f);
  g_assert_cmpfloat (lut->table[4], ==, 0.0f);
  g_assert_cmpfloat (lut->table[5], ==, 0.0f);
  g_assert_cmpfloat (lut->table[4 * 3 + 2], ==, 1.0f);
  g_assert_cmpfloat (lut->domain_max[1], ==, 1.0f);
  looklab_lut_free (lut);
}

static void
test_domain (void)
{
  const char *text = "LUT_3D_SIZE 2\n"
                     "DOMAIN_MIN -0.5 0 0.25\n"
                     "DOMAIN_MAX 2 4 0.75\n"
                     "0 0 0\n1 0 0\n0 1 0\n1 1 0\n"
                     "0 0 1\n1 0 1\n0 1 1\n1 1 1\n";
  LookLabLut *lut = parse_ok (text);

  g_assert_cmpfloat (lut->domain_min[0], ==, -0.5f);
  g_assert_cmpfloat (lut->domain_min[2], ==, 0.25f);
  g_assert_cmpfloat (lut->domain_max[1], ==, 4.0f);
  looklab_lut_free (lut);
}

/* Resolve: a 1D shaper and a 3D table in one file, with input ranges. */
static void
test_resolve_shaper (void)
{
  const char *text = "LUT_1D_SIZE 3\n"
                     "LUT_1D_INPUT_RANGE 0.0 2.0\n"
                     "LUT_3D_SIZE 2\n"
                     "LUT_3D_INPUT_RANGE 0.0 1.0\n"
                     "0 0 0\n0.5 0.5 0.5\n1 1 1\n"
                     "0 0 0\n1 0 0\n0 1 0\n1 1 0\n"
                     "0 0 1\n1 0 1\n0 1 1\n1 1 1\n";
  LookLabLut *lut = parse_ok (text);
  float       in[3] = { 1.0f, 0.5f, 2.0f }, out[3];

  g_assert_cmpint (lut->shaper_size, ==, 3);
  g_assert_cmpint (lut->size, ==, 2);
  g_assert_cmpfloat (lut->shaper_max[0], ==, 2.0f);
  g_assert_cmpfloat (lut->shaper[3], ==, 0.5f);
  /* 1.0 is the middle of the shaper's range 0..2, which maps to 0.5. */
  looklab_lut_eval (lut, in, out);
  g_assert_cmpfloat_with_epsilon (out[0], 0.5f, 1e-6);
  g_assert_cmpfloat_with_epsilon (out[1], 0.25f, 1e-6);
  g_assert_cmpfloat_with_epsilon (out[2], 1.0f, 1e-6);
  looklab_lut_free (lut);
}

/* A 1D-only file keeps its curves exactly (no resampling into 3D). */
static void
test_1d_only (void)
{
  GString    *text = g_string_new ("TITLE \"gamma\"\nLUT_1D_SIZE 1024\n");
  LookLabLut *lut;
  int         i;

  for (i = 0; i < 1024; i++)
    {
      double x = i / 1023.0;
      g_string_append_printf (text, "%.7f %.7f %.7f\n", pow (x, 2.2), x,
                              1.0 - x);
    }
  lut = parse_ok (text->str);
  for (i = 0; i <= 20; i++)
    {
      float x = i / 20.0f;
      float in[3] = { x, x, x }, out[3];
      looklab_lut_eval (lut, in, out);
      g_assert_cmpfloat_with_epsilon (out[0], pow (x, 2.2), 2e-5);
      g_assert_cmpfloat_with_epsilon (out[1], x, 1e-6);
      g_assert_cmpfloat_with_epsilon (out[2], 1.0 - x, 1e-6);
    }
  looklab_lut_free (lut);
  g_string_free (text, TRUE);
}

/* Keywords a reader does not know are ignored before the data, as ffmpeg
 * and Resolve do. */
static void
test_unknown_keyword (void)
{
  const char *text = "LUT_IN_VIDEO_RANGE\nLUT_3D_SIZE 2\n"
                     "0 0 0\n1 0 0\n0 1 0\n1 1 0\n"
                     "0 0 1\n1 0 1\n0 1 1\n1 1 1\n";
  LookLabLut *lut = parse_ok (text);
  looklab_lut_free (lut);
}

static char *
temp_path (const char *name)
{
  char *dir = g_dir_make_tmp ("looklab-cube-XXXXXX", NULL);
  char *path;

  g_assert_nonnull (dir);
  path = g_build_filename (dir, name, NULL);
  g_free (dir);
  return path;
}

static void
remove_temp (char *path)
{
  char *dir = g_path_get_dirname (path);
  g_unlink (path);
  g_rmdir (dir);
  g_free (dir);
  g_free (path);
}

/* Values that need many digits, tiny ones and negatives survive
 * write -> read bit for bit, in both flavours. */
static void
test_round_trip (void)
{
  static const int sizes[] = { 2, 5, 17, 33 };
  GRand           *rand = g_rand_new_with_seed (1234);
  size_t           k;

  for (k = 0; k < G_N_ELEMENTS (sizes); k++)
    {
      int         n = sizes[k], shaper = k % 2;
      LookLabLut *lut = looklab_lut_new_identity (n), *back = NULL;
      size_t      i, count = (size_t) n * n * n * 3;
      char       *path = temp_path ("round.cube");
      LookLabDiag diag = { 0 };

      for (i = 0; i < count; i++)
        lut->table[i] = (float) g_rand_double_range (rand, -0.1, 1.1);
      lut->table[0] = 1e-9f;
      lut->table[1] = -3.0e-7f;
      lut->table[2] = 1.0f / 3.0f;
      looklab_lut_set_title (lut, "round \"trip\"");
      if (shaper)
        {
          lut->shaper_size = 7;
          lut->shaper = g_malloc (7 * 3 * sizeof (float));
          for (i = 0; i < 21; i++)
            lut->shaper[i] = (float) g_rand_double (rand);
          for (i = 0; i < 3; i++)
            {
              lut->shaper_min[i] = -0.25f;
              lut->shaper_max[i] = 1.5f;
            }
        }
      g_assert_cmpint (looklab_cube_write (lut, path, &diag), ==, 0);
      g_assert_cmpint (looklab_cube_read (path, &back, &diag), ==, 0);
      g_assert_cmpint (back->size, ==, n);
      g_assert_cmpmem (back->table, count * sizeof (float), lut->table,
                       count * sizeof (float));
      g_assert_cmpmem (back->domain_min, sizeof back->domain_min,
                       lut->domain_min, sizeof lut->domain_min);
      g_assert_cmpmem (back->domain_max, sizeof back->domain_max,
                       lut->domain_max, sizeof lut->domain_max);
      g_assert_cmpint (back->shaper_size, ==, lut->shaper_size);
      if (shaper)
        {
          g_assert_cmpmem (back->shaper, 21 * sizeof (float), lut->shaper,
                           21 * sizeof (float));
          g_assert_cmpfloat (back->shaper_min[2], ==, -0.25f);
          g_assert_cmpfloat (back->shaper_max[2], ==, 1.5f);
        }
      /* A quote in the title would end it early in other readers. */
      g_assert_cmpstr (back->title, ==, "round 'trip'");
      looklab_lut_free (lut);
      looklab_lut_free (back);
      remove_temp (path);
    }
  g_rand_free (rand);
}

/* A failed write leaves an existing file untouched and no debris. */
static void
test_write_failure_keeps_file (void)
{
  LookLabLut *lut = looklab_lut_new_identity (3);
  LookLabDiag diag = { 0 };
  char       *path = temp_path ("keep.cube"), *data = NULL;

  g_assert_true (g_file_set_contents (path, "precious", -1, NULL));
  /* Per-channel domains cannot be written with a shaper. */
  lut->shaper_size = 2;
  lut->shaper = g_malloc0 (6 * sizeof (float));
  lut->shaper_max[0] = lut->shaper_max[1] = lut->shaper_max[2] = 1.0f;
  lut->domain_max[1] = 2.0f;
  g_assert_cmpint (looklab_cube_write (lut, path, &diag), ==, LOOKLAB_ERR_ARG);
  g_assert_true (g_file_get_contents (path, &data, NULL, NULL));
  g_assert_cmpstr (data, ==, "precious");
  g_free (data);

  /* A directory that does not exist. */
  g_clear_pointer (&lut->shaper, g_free);
  lut->shaper_size = 0;
  g_assert_cmpint (looklab_cube_write (lut, "/nonexistent/dir/x.cube", &diag),
                   ==, LOOKLAB_ERR_IO);
  g_assert_cmpstr (diag.message, !=, "");
  looklab_lut_free (lut);
  remove_temp (path);
}

typedef struct
{
  const char *name;
  const char *text;
  int         status;
  int         line; /* the line the message must name; 0 = any */
} MalformedCase;

#define EIGHT "0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n"

static const MalformedCase malformed[] = {
  { "empty", "", LOOKLAB_ERR_PARSE, 0 },
  { "only-comments", "# nothing\n\n# here\n", LOOKLAB_ERR_PARSE, 0 },
  { "no-size", "0 0 0\n1 1 1\n", LOOKLAB_ERR_PARSE, 1 },
  { "size-too-small", "LUT_3D_SIZE 1\n0 0 0\n", LOOKLAB_ERR_LIMIT, 1 },
  { "size-too-big", "LUT_3D_SIZE 257\n", LOOKLAB_ERR_LIMIT, 1 },
  { "size-huge", "LUT_3D_SIZE 99999999999999999999\n", LOOKLAB_ERR_PARSE, 1 },
  { "size-negative", "LUT_3D_SIZE -2\n", LOOKLAB_ERR_LIMIT, 1 },
  { "size-not-a-number", "LUT_3D_SIZE two\n", LOOKLAB_ERR_PARSE, 1 },
  { "size-fraction", "LUT_3D_SIZE 2.5\n", LOOKLAB_ERR_PARSE, 1 },
  { "size-twice", "LUT_3D_SIZE 2\nLUT_3D_SIZE 2\n" EIGHT, LOOKLAB_ERR_PARSE,
    2 },
  { "1d-size-too-big", "LUT_1D_SIZE 65537\n", LOOKLAB_ERR_LIMIT, 1 },
  { "too-few-entries", "LUT_3D_SIZE 2\n0 0 0\n1 0 0\n", LOOKLAB_ERR_PARSE, 0 },
  { "too-many-entries", "LUT_3D_SIZE 2\n" EIGHT "1 1 1\n", LOOKLAB_ERR_PARSE,
    10 },
  { "two-numbers", "LUT_3D_SIZE 2\n0 0\n", LOOKLAB_ERR_PARSE, 2 },
  { "four-numbers", "LUT_3D_SIZE 2\n0 0 0 0\n", LOOKLAB_ERR_PARSE, 2 },
  { "garbage-number", "LUT_3D_SIZE 2\n0 0 0\n1 x 0\n", LOOKLAB_ERR_PARSE, 3 },
  { "number-with-suffix", "LUT_3D_SIZE 2\n0 0 0\n1 0.5abc 0\n",
    LOOKLAB_ERR_PARSE, 3 },
  { "nan", "LUT_3D_SIZE 2\n0 0 0\nnan 0 0\n", LOOKLAB_ERR_PARSE, 3 },
  { "infinity", "LUT_3D_SIZE 2\n0 0 0\n1e999 0 0\n", LOOKLAB_ERR_PARSE, 3 },
  /* Found by tools/fuzz: finite in double, infinite in float. */
  { "beyond-float", "LUT_1D_SIZE 2\n0 5 0\n4e112 1 1\n", LOOKLAB_ERR_PARSE, 3 },
  { "huge-domain", "LUT_3D_SIZE 2\nDOMAIN_MIN -3e38 0 0\n" EIGHT,
    LOOKLAB_ERR_PARSE, 2 },
  { "keyword-after-data", "LUT_3D_SIZE 2\n0 0 0\nTITLE \"x\"\n",
    LOOKLAB_ERR_PARSE, 3 },
  { "domain-two-numbers", "LUT_3D_SIZE 2\nDOMAIN_MIN 0 0\n" EIGHT,
    LOOKLAB_ERR_PARSE, 2 },
  { "domain-inverted",
    "LUT_3D_SIZE 2\nDOMAIN_MIN 1 1 1\nDOMAIN_MAX 0 0 0\n" EIGHT,
    LOOKLAB_ERR_PARSE, 0 },
  { "domain-empty", "LUT_3D_SIZE 2\nDOMAIN_MIN 0 0 0\nDOMAIN_MAX 1 0 1\n" EIGHT,
    LOOKLAB_ERR_PARSE, 0 },
  { "input-range-one-number", "LUT_3D_SIZE 2\nLUT_3D_INPUT_RANGE 0\n" EIGHT,
    LOOKLAB_ERR_PARSE, 2 },
  { "shaper-missing-3d-entries",
    "LUT_1D_SIZE 2\nLUT_3D_SIZE 2\n0 0 0\n1 1 1\n0 0 0\n", LOOKLAB_ERR_PARSE,
    0 },
  { "header-without-table", "TITLE \"x\"\nLUT_3D_SIZE 2\n", LOOKLAB_ERR_PARSE,
    0 },
};

static void
test_malformed (gconstpointer data)
{
  const MalformedCase *mc = data;
  LookLabLut          *lut = (LookLabLut *) 0x1;
  LookLabDiag          diag = { 0 };
  int status = looklab_cube_parse (mc->text, strlen (mc->text), &lut, &diag);

  g_assert_cmpint (status, ==, mc->status);
  g_assert_null (lut);
  g_assert_cmpstr (diag.message, !=, "");
  if (mc->line > 0)
    {
      char *want = g_strdup_printf ("line %d", mc->line);
      g_assert_cmpint (diag.line, ==, mc->line);
      g_assert_nonnull (strstr (diag.message, want));
      g_free (want);
    }
}

/* Numbers that are not finite or too large are named for what they are,
 * not "keyword after the table data" or "expected three numbers" (issue
 * 25), wherever they stand. */
static void
test_non_finite_named (void)
{
  static const struct
  {
    const char *text;
    int         line;
    const char *says;
  } cases[] = {
    { "LUT_3D_SIZE 2\n0 0 0\nnan 0 0\n", 3, "not finite" },
    { "LUT_3D_SIZE 2\nNaN 0 0\n", 2, "not finite" },
    { "LUT_3D_SIZE 2\n0 0 0\n1 0 -inf\n", 3, "not finite" },
    { "LUT_3D_SIZE 2\n0 0 0\n1e999 0 0\n", 3, "not finite" },
    { "LUT_3D_SIZE 2\n0 0 0\n1e308 0 0\n", 3, "beyond 1e9" },
    { "LUT_3D_SIZE 2\nDOMAIN_MAX 1 nan 1\n" EIGHT, 2, "not finite" },
    { "LUT_3D_SIZE 2\nLUT_3D_INPUT_RANGE 0 1e308\n" EIGHT, 2, "beyond 1e9" },
  };
  size_t i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      LookLabLut      *lut = NULL;
      LookLabDiag      diag = { 0 };
      g_autofree char *want = g_strdup_printf ("line %d", cases[i].line);

      g_assert_cmpint (looklab_cube_parse (cases[i].text,
                                           strlen (cases[i].text), &lut, &diag),
                       ==, LOOKLAB_ERR_PARSE);
      g_assert_null (lut);
      g_assert_cmpint (diag.line, ==, cases[i].line);
      if (strstr (diag.message, want) == NULL
          || strstr (diag.message, cases[i].says) == NULL)
        g_error ("case %zu: \"%s\" lacks \"%s\"", i, diag.message,
                 cases[i].says);
    }
}

/* A byte-order mark first (Windows tools write one; ffmpeg and OCIO read
 * such files) is skipped, and only there. */
static void
test_bom (void)
{
  const char *text = "\xef\xbb\xbfTITLE \"bom\"\r\nLUT_3D_SIZE 2\r\n" EIGHT;
  g_autofree char *late
      = g_strconcat ("LUT_3D_SIZE 2\n\xef\xbb\xbf", EIGHT, NULL);
  LookLabLut *lut = parse_ok (text);
  LookLabDiag diag = { 0 };

  g_assert_cmpint (lut->size, ==, 2);
  g_assert_cmpstr (lut->title, ==, "bom");
  g_assert_cmpfloat (lut->table[3], ==, 1.0f);
  looklab_lut_free (lut);
  lut = NULL;
  g_assert_cmpint (looklab_cube_parse (late, strlen (late), &lut, &diag), ==,
                   LOOKLAB_ERR_PARSE);
  g_assert_null (lut);
}

/* A NUL byte: binary data, named as such rather than as a syntax error
 * (a PNG, or a look file whose magic is damaged). */
static void
test_binary_named (void)
{
  static const char look_like[] = "MOOKLAB\x1a\x01\0\0\0 LUT_3D_SIZE 2\n";
  LookLabLut       *lut = NULL;
  LookLabDiag       diag = { 0 };

  g_assert_cmpint (
      looklab_cube_parse (look_like, sizeof look_like - 1, &lut, &diag), ==,
      LOOKLAB_ERR_PARSE);
  g_assert_null (lut);
  g_assert_nonnull (strstr (diag.message, "binary data"));
}

/* A FIFO is refused at once instead of waiting forever for a writer, and a
 * folder is named as one. */
static void
test_read_not_regular (void)
{
  g_autofree char *dir = g_dir_make_tmp ("cube-fifo-XXXXXX", NULL);
  g_autofree char *fifo = g_build_filename (dir, "f.cube", NULL);
  LookLabLut      *lut = NULL;
  LookLabDiag      diag = { 0 };

  g_assert_nonnull (dir);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_cmpint (looklab_cube_read (fifo, &lut, &diag), ==, LOOKLAB_ERR_IO);
  g_assert_null (lut);
  g_assert_nonnull (strstr (diag.message, "not a regular file"));
  g_assert_cmpint (looklab_cube_read (dir, &lut, &diag), ==, LOOKLAB_ERR_IO);
  g_assert_nonnull (strstr (diag.message, "folder"));
  g_unlink (fifo);
  g_rmdir (dir);
}

/* A line far longer than any keyword or triple, and binary junk. */
static void
test_malformed_binary (void)
{
  char        junk[4096];
  LookLabLut *lut = NULL;
  LookLabDiag diag = { 0 };
  size_t      i;

  for (i = 0; i < sizeof junk; i++)
    junk[i] = (char) ('0' + i % 7);
  g_assert_cmpint (looklab_cube_parse (junk, sizeof junk, &lut, &diag), ==,
                   LOOKLAB_ERR_PARSE);
  g_assert_null (lut);
  for (i = 0; i < sizeof junk; i++)
    junk[i] = (char) (i * 131 % 256);
  g_assert_cmpint (looklab_cube_parse (junk, sizeof junk, &lut, &diag), <, 0);
  g_assert_null (lut);
}

static void
test_read_missing_file (void)
{
  LookLabLut *lut = NULL;
  LookLabDiag diag = { 0 };

  g_assert_cmpint (looklab_cube_read ("/nonexistent.cube", &lut, &diag), ==,
                   LOOKLAB_ERR_IO);
  g_assert_null (lut);
  g_assert_nonnull (strstr (diag.message, "/nonexistent.cube"));
  g_assert_cmpint (looklab_cube_read ("/", &lut, &diag), ==, LOOKLAB_ERR_IO);
}

int
main (int argc, char **argv)
{
  size_t i;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cube/adobe-3d", test_adobe_3d);
  g_test_add_func ("/cube/domain", test_domain);
  g_test_add_func ("/cube/resolve-shaper", test_resolve_shaper);
  g_test_add_func ("/cube/1d-only", test_1d_only);
  g_test_add_func ("/cube/unknown-keyword", test_unknown_keyword);
  g_test_add_func ("/cube/round-trip", test_round_trip);
  g_test_add_func ("/cube/write-failure-keeps-file",
                   test_write_failure_keeps_file);
  g_test_add_func ("/cube/malformed/binary", test_malformed_binary);
  g_test_add_func ("/cube/read-missing-file", test_read_missing_file);
  g_test_add_func ("/cube/bom", test_bom);
  g_test_add_func ("/cube/non-finite-named", test_non_finite_named);
  g_test_add_func ("/cube/binary-named", test_binary_named);
  g_test_add_func ("/cube/read-not-regular", test_read_not_regular);
  for (i = 0; i < G_N_ELEMENTS (malformed); i++)
    {
      char *name = g_strdup_printf ("/cube/malformed/%s", malformed[i].name);
      g_test_add_data_func (name, &malformed[i], test_malformed);
      g_free (name);
    }
  return g_test_run ();
}
