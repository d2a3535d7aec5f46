/* Tests of core/nn/safetensors.c: well-formed files read back exactly (F32,
 * F16, BF16, metadata), and each kind of malformed or hostile file is
 * refused with its own status and message, never a crash: every prefix of
 * a valid file included. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "nn/safetensors.h"
#include "st-build.h"

static const float two_floats[] = { 1.5f, -2.25f };

static void
test_valid (void)
{
  /* a: F32 [2]; b: F16 [2, 1] = 1.0, -0.5; c: BF16 [] = 3.0; e: F32 [0] */
  const char *header
      = "{\"__metadata__\":{\"k\":\"v\",\"looklab.format\":\"x\"},"
        "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        "\"b\":{\"dtype\":\"F16\",\"shape\":[2,1],\"data_offsets\":[8,12]},"
        "\"c\":{\"dtype\":\"BF16\",\"shape\":[],\"data_offsets\":[12,14]},"
        "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[14,14]}}";
  guint8              data[14];
  guint16             h[2] = { GUINT16_TO_LE (0x3c00), GUINT16_TO_LE (0xb800) };
  guint16             bf = GUINT16_TO_LE (0x4040);
  LookLabSafetensors *st = NULL;
  const LookLabTensor *t;
  LookLabDiag          diag = { 0 };
  size_t               len;
  guint8              *buf;
  int                  status;

  memcpy (data, two_floats, 8);
  memcpy (data + 8, h, 4);
  memcpy (data + 12, &bf, 2);
  buf = st_build (header, data, sizeof data, &len);
  status = looklab_safetensors_parse (buf, len, &st, &diag);
  g_assert_cmpint (status, ==, LOOKLAB_OK);
  g_assert_cmpint (looklab_safetensors_n_tensors (st), ==, 4);
  t = looklab_safetensors_find (st, "a");
  g_assert_nonnull (t);
  g_assert_cmpint (t->rank, ==, 1);
  g_assert_cmpint (t->shape[0], ==, 2);
  g_assert_cmpfloat (t->data[0], ==, 1.5f);
  g_assert_cmpfloat (t->data[1], ==, -2.25f);
  t = looklab_safetensors_find (st, "b");
  g_assert_cmpint (t->rank, ==, 2);
  g_assert_cmpint (t->n_elements, ==, 2);
  g_assert_cmpfloat (t->data[0], ==, 1.0f);
  g_assert_cmpfloat (t->data[1], ==, -0.5f);
  t = looklab_safetensors_find (st, "c");
  g_assert_cmpint (t->rank, ==, 0);
  g_assert_cmpint (t->n_elements, ==, 1);
  g_assert_cmpfloat (t->data[0], ==, 3.0f);
  t = looklab_safetensors_find (st, "e");
  g_assert_cmpint (t->n_elements, ==, 0);
  g_assert_null (looklab_safetensors_find (st, "missing"));
  g_assert_null (looklab_safetensors_find (st, "__metadata__"));
  g_assert_cmpstr (looklab_safetensors_metadata (st, "k"), ==, "v");
  g_assert_null (looklab_safetensors_metadata (st, "nope"));
  g_assert_null (looklab_safetensors_get (st, 4));
  looklab_safetensors_free (st);
  g_free (buf);
}

static void
test_f16_special (void)
{
  /* subnormal 2^-24, largest 65504, -inf */
  const char *header
      = "{\"h\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,6]}}";
  guint16              v[3] = { GUINT16_TO_LE (0x0001), GUINT16_TO_LE (0x7bff),
                                GUINT16_TO_LE (0xfc00) };
  LookLabSafetensors  *st = NULL;
  const LookLabTensor *t;
  size_t               len;
  guint8              *buf = st_build (header, v, sizeof v, &len);

  g_assert_cmpint (looklab_safetensors_parse (buf, len, &st, NULL), ==, 0);
  t = looklab_safetensors_find (st, "h");
  g_assert_cmpfloat (t->data[0], ==, ldexpf (1.0f, -24));
  g_assert_cmpfloat (t->data[1], ==, 65504.0f);
  g_assert_true (isinf (t->data[2]) && t->data[2] < 0);
  looklab_safetensors_free (st);
  g_free (buf);
}

/* One malformed case: @header (or raw @bytes when @raw_len > 0) with
 * @data_len bytes of data must give @status and a message holding
 * @needle. */
typedef struct
{
  const char *name;
  const char *header;
  size_t      data_len;
  int         status;
  const char *needle;
} BadCase;

static const BadCase bad_cases[] = {
  { "header-not-json", "{\"a\": [1, 2", 0, LOOKLAB_ERR_PARSE,
    "not valid JSON" },
  { "header-array", "[1, 2]", 0, LOOKLAB_ERR_PARSE, "not a JSON object" },
  { "header-garbage", "{\x01\x02}", 0, LOOKLAB_ERR_PARSE, "JSON" },
  { "entry-not-object", "{\"a\":3}", 0, LOOKLAB_ERR_PARSE,
    "not a JSON object" },
  { "missing-offsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4,
    LOOKLAB_ERR_PARSE, "data_offsets" },
  { "dtype-unknown",
    "{\"a\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8,
    LOOKLAB_ERR_PARSE, "unsupported dtype" },
  { "dtype-int",
    "{\"a\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
    LOOKLAB_ERR_PARSE, "unsupported dtype" },
  { "dtype-not-string",
    "{\"a\":{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
    LOOKLAB_ERR_PARSE, "dtype is not a string" },
  { "shape-bytes-mismatch",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8,
    LOOKLAB_ERR_PARSE, "needs 12" },
  { "shape-negative",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4,
    LOOKLAB_ERR_PARSE, "non-negative" },
  { "shape-fraction",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4,
    LOOKLAB_ERR_PARSE, "non-negative" },
  { "shape-rank-5",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1],"
    "\"data_offsets\":[0,4]}}",
    4, LOOKLAB_ERR_LIMIT, "rank 5" },
  { "shape-dim-huge",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[100000000],"
    "\"data_offsets\":[0,4]}}",
    4, LOOKLAB_ERR_LIMIT, "over the limit" },
  { "shape-product-huge",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[16000000,16000000,16000000,2],"
    "\"data_offsets\":[0,4]}}",
    4, LOOKLAB_ERR_LIMIT, "more elements" },
  { "offsets-past-end",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4,
    LOOKLAB_ERR_PARSE, "outside" },
  { "offsets-huge",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],"
    "\"data_offsets\":[18446744073709551612,18446744073709551616]}}",
    4, LOOKLAB_ERR_PARSE, "data_offsets" },
  { "offsets-reversed",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}", 4,
    LOOKLAB_ERR_PARSE, "outside" },
  { "offsets-overlap",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
    "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
    12, LOOKLAB_ERR_PARSE, "overlap" },
  { "offsets-three",
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 8,
    LOOKLAB_ERR_PARSE, "[begin, end]" },
  { "metadata-not-string", "{\"__metadata__\":{\"k\":3}}", 0, LOOKLAB_ERR_PARSE,
    "not a string" },
  { "metadata-not-object", "{\"__metadata__\":[]}", 0, LOOKLAB_ERR_PARSE,
    "not a JSON object" },
  { "name-empty",
    "{\"\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
    LOOKLAB_ERR_PARSE, "name" },
};

static void
test_bad (gconstpointer p)
{
  const BadCase      *c = p;
  LookLabSafetensors *st = (LookLabSafetensors *) 0x1;
  LookLabDiag         diag = { 0 };
  guint8             *zeros = g_malloc0 (c->data_len + 1);
  size_t              len;
  guint8             *buf = st_build (c->header, zeros, c->data_len, &len);
  int                 status = looklab_safetensors_parse (buf, len, &st, &diag);

  if (status != c->status || strstr (diag.message, c->needle) == NULL)
    g_error ("%s: status %d (%s), message '%s'; expected %d and '%s'", c->name,
             status, looklab_strerror (status), diag.message, c->status,
             c->needle);
  g_assert_null (st);
  g_free (buf);
  g_free (zeros);
}

static void
expect_raw (const guint8 *buf, size_t len, int want, const char *needle)
{
  LookLabSafetensors *st = NULL;
  LookLabDiag         diag = { 0 };
  int                 status = looklab_safetensors_parse (buf, len, &st, &diag);

  if (status != want || strstr (diag.message, needle) == NULL)
    g_error ("status %d, message '%s'; expected %d and '%s'", status,
             diag.message, want, needle);
  g_assert_null (st);
}

static void
test_empty (void)
{
  expect_raw ((const guint8 *) "", 0, LOOKLAB_ERR_PARSE, "too short");
}

static void
test_short_length (void)
{
  expect_raw ((const guint8 *) "\x10\0\0\0\0\0\0", 7, LOOKLAB_ERR_PARSE,
              "too short");
}

static void
test_header_absurd (void)
{
  guint8  buf[16] = { 0 };
  guint64 n = GUINT64_TO_LE ((guint64) 1 << 40);

  memcpy (buf, &n, 8);
  memcpy (buf + 8, "{}      ", 8);
  expect_raw (buf, sizeof buf, LOOKLAB_ERR_LIMIT, "header length");
}

static void
test_header_past_end (void)
{
  guint8  buf[16] = { 0 };
  guint64 n = GUINT64_TO_LE (100);

  memcpy (buf, &n, 8);
  memcpy (buf + 8, "{}      ", 8);
  expect_raw (buf, sizeof buf, LOOKLAB_ERR_PARSE, "truncated");
}

static void
test_header_nul (void)
{
  guint8  buf[12];
  guint64 n = GUINT64_TO_LE (4);

  memcpy (buf, &n, 8);
  memcpy (buf + 8, "{\0}}", 4);
  expect_raw (buf, sizeof buf, LOOKLAB_ERR_PARSE, "not a JSON object");
}

static void
test_too_many (void)
{
  GString *h = g_string_new ("{");
  guint8  *buf;
  size_t   len;
  int      i;

  for (i = 0; i <= LOOKLAB_ST_MAX_TENSORS; i++)
    g_string_append_printf (h,
                            "%s\"t%d\":{\"dtype\":\"F32\",\"shape\":[0],"
                            "\"data_offsets\":[0,0]}",
                            i ? "," : "", i);
  g_string_append (h, "}");
  buf = st_build (h->str, NULL, 0, &len);
  expect_raw (buf, len, LOOKLAB_ERR_LIMIT, "tensors over the limit");
  g_free (buf);
  g_string_free (h, TRUE);
}

/* Every prefix of a valid file is refused cleanly (truncated downloads). */
static void
test_every_prefix (void)
{
  const char *header
      = "{\"__metadata__\":{\"k\":\"v\"},"
        "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}";
  float   data[4] = { 1, 2, 3, 4 };
  size_t  len, cut;
  guint8 *buf = st_build (header, data, sizeof data, &len);

  for (cut = 0; cut < len; cut++)
    {
      LookLabSafetensors *st = NULL;
      LookLabDiag         diag = { 0 };
      guint8             *copy = g_memdup2 (buf, cut + 1);
      int status = looklab_safetensors_parse (copy, cut, &st, &diag);

      if (status == LOOKLAB_OK || st != NULL || diag.message[0] == '\0')
        g_error ("prefix of %zu/%zu bytes: status %d", cut, len, status);
      g_free (copy);
    }
  g_free (buf);
}

static void
test_read_file (void)
{
  const char *header
      = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
  LookLabSafetensors *st = NULL;
  LookLabDiag         diag = { 0 };
  GError             *error = NULL;
  char               *path;
  size_t              len;
  guint8             *buf = st_build (header, two_floats, 8, &len);
  int fd = g_file_open_tmp ("st-XXXXXX.safetensors", &path, &error);

  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, (const char *) buf, len, NULL));
  g_assert_cmpint (looklab_safetensors_read (path, &st, &diag), ==, 0);
  g_assert_cmpfloat (looklab_safetensors_find (st, "a")->data[1], ==, -2.25f);
  looklab_safetensors_free (st);
  g_unlink (path);
  g_assert_cmpint (looklab_safetensors_read (path, &st, &diag), ==,
                   LOOKLAB_ERR_IO);
  g_assert_null (st);
  g_assert_nonnull (strstr (diag.message, path));
  g_assert_cmpint (looklab_safetensors_read ("/", &st, &diag), ==,
                   LOOKLAB_ERR_IO);
  g_free (path);
  g_free (buf);
  looklab_safetensors_free (NULL);
}

int
main (int argc, char **argv)
{
  size_t i;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/safetensors/valid", test_valid);
  g_test_add_func ("/safetensors/f16-special", test_f16_special);
  g_test_add_func ("/safetensors/read-file", test_read_file);
  g_test_add_func ("/safetensors/bad/empty", test_empty);
  g_test_add_func ("/safetensors/bad/short-length", test_short_length);
  g_test_add_func ("/safetensors/bad/header-absurd", test_header_absurd);
  g_test_add_func ("/safetensors/bad/header-past-end", test_header_past_end);
  g_test_add_func ("/safetensors/bad/header-nul", test_header_nul);
  g_test_add_func ("/safetensors/bad/too-many-tensors", test_too_many);
  g_test_add_func ("/safetensors/bad/every-prefix", test_every_prefix);
  for (i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      char *name = g_strdup_printf ("/safetensors/bad/%s", bad_cases[i].name);

      g_test_add_data_func (name, &bad_cases[i], test_bad);
      g_free (name);
    }
  return g_test_run ();
}
