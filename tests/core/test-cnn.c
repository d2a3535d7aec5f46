/* Tests of core/nn/cnn-load.c, core/nn/cnn.c and core/colorize/colorize.c: the tiny
 * random model against PyTorch's output (tools/make-tiny-model.py made
 * both), batch-norm folding, each malformed graph its own case, run-time limits, and the
 * colorization pipeline (1x1 and huge images, saturation, hints, an
 * already colourful input's rule). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "nn/cnn.h"
#include "colorize/colorize.h"
#include "st-build.h"

static LookLabCnn *
load_tiny (void)
{
  LookLabCnn *cnn = NULL;
  LookLabDiag diag = { 0 };
  char       *path = g_test_build_filename (G_TEST_DIST, "data",
                                            "tiny-model.safetensors", NULL);
  int         status = looklab_cnn_load (path, &cnn, &diag);

  if (status != LOOKLAB_OK)
    g_error ("%s: %s (%s)", path, looklab_strerror (status), diag.message);
  g_free (path);
  return cnn;
}

static float *
read_floats (const char *name, size_t n)
{
  char *path = g_test_build_filename (G_TEST_DIST, "data", name, NULL);
  char *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents (path, &data, &len, NULL) || len != n * 4)
    g_error ("%s: missing or not %zu floats", path, n);
  g_free (path);
  return (float *) data;
}

static void
check_golden (int h, int w)
{
  LookLabCnn *cnn = load_tiny ();
  LookLabDiag diag = { 0 };
  char       *iname = g_strdup_printf ("tiny-in-%dx%d.bin", h, w);
  char       *oname = g_strdup_printf ("tiny-out-%dx%d.bin", h, w);
  float      *in = read_floats (iname, (size_t) 4 * h * w);
  float      *want = read_floats (oname, (size_t) 2 * h * w);
  float      *got = NULL;
  double      worst = 0.0;
  int         oc, ow, oh, i, status;

  status = looklab_cnn_run (cnn, in, w, h, 1, &got, &oc, &ow, &oh, &diag);
  g_assert_cmpint (status, ==, LOOKLAB_OK);
  g_assert_cmpint (oc, ==, 2);
  g_assert_cmpint (ow, ==, w);
  g_assert_cmpint (oh, ==, h);
  for (i = 0; i < 2 * h * w; i++)
    {
      /* float32 rounding through 10 layers, a softmax at T = 0.38 and a
       * x 110 scale: 1e-4 of (1 + |value|), outputs reach ~400 */
      double tol = 1e-4 * (1.0 + fabs (want[i]));
      double d = fabs (got[i] - want[i]);

      if (!(d <= tol))
        g_error ("%dx%d element %d: %g, PyTorch %g", h, w, i, got[i], want[i]);
      worst = MAX (worst, d);
    }
  g_test_message ("%dx%d: max |C - PyTorch| = %g", h, w, worst);
  g_free (got);
  g_free (in);
  g_free (want);
  g_free (iname);
  g_free (oname);
  looklab_cnn_free (cnn);
}

static void
test_golden_square (void)
{
  check_golden (16, 16);
}

static void
test_golden_rect (void)
{
  check_golden (12, 20);
}

static void
test_tiny_info (void)
{
  LookLabCnn           *cnn = load_tiny ();
  const LookLabCnnInfo *info = looklab_cnn_get_info (cnn);

  g_assert_cmpint (info->kind, ==, LOOKLAB_CNN_KIND_HINTS);
  g_assert_cmpint (info->in_channels, ==, 4);
  g_assert_cmpint (info->size, ==, 16);
  g_assert_cmpfloat (info->mask_offset, ==, -0.5f);
  /* 21 nodes, b1 folded into c1 (b2 follows a leaky ReLU: kept) */
  g_assert_cmpint (looklab_cnn_n_run_nodes (cnn), ==, 20);
  looklab_cnn_free (cnn);
}

/* ---- models built in the test ----------------------------------------- */

static int
build (const char *graph, const StTensor *t, int n, LookLabCnn **out,
       LookLabDiag *diag)
{
  LookLabSafetensors *st = NULL;
  size_t              len;
  guint8             *buf = st_build_model (graph, t, n, &len);
  int                 status = looklab_safetensors_parse (buf, len, &st, diag);

  g_free (buf);
  if (status != LOOKLAB_OK)
    g_error ("model file did not parse: %s", diag->message);
  status = looklab_cnn_new_from_safetensors (st, out, diag);
  looklab_safetensors_free (st);
  return status;
}

#define L_INPUT                                                                \
  "\"kind\":\"l\",\"input\":{\"name\":\"x\",\"channels\":1,"                   \
  "\"size\":8},\"output\":\"out\","

static const StTensor base_tensors[] = {
  { "w", 4, { 2, 1, 3, 3 }, NULL },   { "b", 1, { 2 }, NULL },
  { "w3", 4, { 2, 3, 3, 3 }, NULL },  { "w22", 4, { 2, 2, 1, 1 }, NULL },
  { "w12", 4, { 3, 2, 1, 1 }, NULL }, { "g", 1, { 2 }, NULL },
  { "bins", 2, { 2, 2 }, NULL },      { "bins3", 2, { 3, 3 }, NULL },
  { "w2d", 2, { 2, 9 }, NULL },
};

typedef struct
{
  const char *name;
  const char *graph;
  int         status;
  const char *needle;
} GraphCase;

#define CONV                                                                   \
  "{\"name\":\"out\",\"op\":\"conv2d\",\"inputs\":[\"x\"],"                    \
  "\"weight\":\"w\",\"bias\":\"b\",\"padding\":1}"

static const GraphCase graph_cases[] = {
  { "valid", "{" L_INPUT "\"nodes\":[" CONV "]}", LOOKLAB_OK, "" },
  { "missing-tensor",
    "{" L_INPUT "\"nodes\":[{\"name\":\"out\",\"op\":\"conv2d\","
    "\"inputs\":[\"x\"],\"weight\":\"nope\"}]}",
    LOOKLAB_ERR_PARSE, "'nope' is not in the file" },
  { "undefined-input",
    "{" L_INPUT "\"nodes\":[{\"name\":\"out\",\"op\":\"conv2d\","
    "\"inputs\":[\"y\"],\"weight\":\"w\"}]}",
    LOOKLAB_ERR_PARSE, "not defined before it" },
  { "cycle",
    "{" L_INPUT "\"nodes\":[{\"name\":\"a\",\"op\":\"relu\","
    "\"inputs\":[\"out\"]}," CONV ",{\"name\":\"c\",\"op\":\"relu\","
    "\"inputs\":[\"a\"]}]}",
    LOOKLAB_ERR_PARSE, "not defined before it" },
  { "self-reference",
    "{" L_INPUT "\"nodes\":[" CONV ",{\"name\":\"r\",\"op\":\"relu\","
    "\"inputs\":[\"r\"]}]}",
    LOOKLAB_ERR_PARSE, "not defined before it" },
  { "conv-channels",
    "{" L_INPUT "\"nodes\":[{\"name\":\"out\",\"op\":\"conv2d\","
    "\"inputs\":[\"x\"],\"weight\":\"w3\"}]}",
    LOOKLAB_ERR_MISMATCH, "dimension 1 is 3, expected 1" },
  { "conv-weight-rank",
    "{" L_INPUT "\"nodes\":[{\"name\":\"out\",\"op\":\"conv2d\","
    "\"inputs\":[\"x\"],\"weight\":\"w2d\"}]}",
    LOOKLAB_ERR_MISMATCH, "rank 2, not 4" },
  { "bias-length",
    "{" L_INPUT "\"nodes\":[{\"name\":\"out\",\"op\":\"conv2d\","
    "\"inputs\":[\"x\"],\"weight\":\"w12\"}]}",
    LOOKLAB_ERR_MISMATCH, "expected 1" },
  { "add-channels",
    "{" L_INPUT "\"nodes\":[" CONV ",{\"name\":\"s\",\"op\":\"add\","
    "\"inputs\":[\"out\",\"x\"]}]}",
    LOOKLAB_ERR_MISMATCH, "adds 2 and 1 channels" },
  { "output-channels",
    "{" L_INPUT "\"nodes\":[" CONV ",{\"name\":\"k\",\"op\":\"concat\","
    "\"inputs\":[\"out\",\"x\"]}],\"output\":\"k\"}",
    LOOKLAB_ERR_MISMATCH, "3 channels, not 2" },
  { "output-missing",
    "{\"kind\":\"l\",\"input\":{\"name\":\"x\"},\"output\":\"zz\","
    "\"nodes\":[" CONV "]}",
    LOOKLAB_ERR_PARSE, "output 'zz' is not a node" },
  { "output-is-input",
    "{\"kind\":\"l\",\"input\":{\"name\":\"x\"},\"output\":\"x\","
    "\"nodes\":[" CONV "]}",
    LOOKLAB_ERR_PARSE, "is not a node" },
  { "unknown-op",
    "{" L_INPUT "\"nodes\":[{\"name\":\"out\",\"op\":\"conv3d\","
    "\"inputs\":[\"x\"]}]}",
    LOOKLAB_ERR_PARSE, "unknown op" },
  { "duplicate-name", "{" L_INPUT "\"nodes\":[" CONV "," CONV "]}",
    LOOKLAB_ERR_PARSE, "used twice" },
  { "input-name-reused",
    "{" L_INPUT "\"nodes\":[{\"name\":\"x\",\"op\":\"relu\","
    "\"inputs\":[\"x\"]}]}",
    LOOKLAB_ERR_PARSE, "used twice" },
  { "inputs-count",
    "{" L_INPUT "\"nodes\":[" CONV ",{\"name\":\"r\",\"op\":\"relu\","
    "\"inputs\":[\"out\",\"out\"]}]}",
    LOOKLAB_ERR_PARSE, "takes 1 to 1 inputs" },
  { "stride-zero",
    "{" L_INPUT "\"nodes\":[{\"name\":\"out\",\"op\":\"conv2d\","
    "\"inputs\":[\"x\"],\"weight\":\"w\",\"stride\":0}]}",
    LOOKLAB_ERR_PARSE, "stride" },
  { "stride-fraction",
    "{" L_INPUT "\"nodes\":[{\"name\":\"out\",\"op\":\"conv2d\","
    "\"inputs\":[\"x\"],\"weight\":\"w\",\"stride\":1.5}]}",
    LOOKLAB_ERR_PARSE, "stride" },
  { "spatial-mismatch",
    "{" L_INPUT "\"nodes\":[{\"name\":\"c\",\"op\":\"conv2d\","
    "\"inputs\":[\"x\"],\"weight\":\"w\",\"padding\":1},"
    "{\"name\":\"s\",\"op\":\"subsample\",\"inputs\":[\"c\"]},"
    "{\"name\":\"out\",\"op\":\"add\",\"inputs\":[\"c\",\"s\"]}]}",
    LOOKLAB_ERR_MISMATCH, "inputs of 8x8 and 4x4" },
  { "bins-shape",
    "{" L_INPUT "\"nodes\":[" CONV ",{\"name\":\"q\",\"op\":"
    "\"softmax_annealed_mean\",\"inputs\":[\"out\"],\"bins\":\"bins3\"}]}",
    LOOKLAB_ERR_MISMATCH, "dimension 0 is 3, expected 2" },
  { "batchnorm-length",
    "{" L_INPUT "\"nodes\":[{\"name\":\"c\",\"op\":\"conv2d\","
    "\"inputs\":[\"x\"],\"weight\":\"w12\"},{\"name\":\"out\",\"op\":"
    "\"batchnorm\",\"inputs\":[\"x\"],\"weight\":\"g\",\"bias\":\"g\","
    "\"mean\":\"g\",\"var\":\"g\"}]}",
    LOOKLAB_ERR_MISMATCH, "expected 1" },
  { "kernel-too-big-for-input",
    "{\"kind\":\"l\",\"input\":{\"name\":\"x\",\"size\":2},"
    "\"output\":\"out\",\"nodes\":[{\"name\":\"out\",\"op\":\"conv2d\","
    "\"inputs\":[\"x\"],\"weight\":\"w\"}]}",
    LOOKLAB_ERR_LIMIT, "empty or too large" },
  { "kind-unknown",
    "{\"kind\":\"cmyk\",\"input\":{\"name\":\"x\"},\"output\":\"out\","
    "\"nodes\":[" CONV "]}",
    LOOKLAB_ERR_PARSE, "kind" },
  { "rgb-input-channels",
    "{\"kind\":\"rgb\",\"input\":{\"name\":\"x\",\"channels\":1},"
    "\"output\":\"out\",\"nodes\":[" CONV "]}",
    LOOKLAB_ERR_MISMATCH, "must be 3" },
  { "input-channels",
    "{\"kind\":\"hints\",\"input\":{\"name\":\"x\",\"channels\":1},"
    "\"output\":\"out\",\"nodes\":[" CONV "]}",
    LOOKLAB_ERR_MISMATCH, "must be 4" },
  { "prop-channels",
    "{\"kind\":\"hints\",\"input\":{\"name\":\"x\",\"channels\":4,"
    "\"prop\":{}},\"output\":\"out\",\"nodes\":[" CONV "]}",
    LOOKLAB_ERR_MISMATCH, "must be 6" },
  { "prop-not-object",
    "{\"kind\":\"hints\",\"input\":{\"name\":\"x\",\"prop\":0.25},"
    "\"output\":\"out\",\"nodes\":[" CONV "]}",
    LOOKLAB_ERR_PARSE, "prop is not an object" },
  { "prop-sigma",
    "{\"kind\":\"hints\",\"input\":{\"name\":\"x\",\"prop\":"
    "{\"sigma_s\":-1}},\"output\":\"out\",\"nodes\":[" CONV "]}",
    LOOKLAB_ERR_PARSE, "sigma_s" },
  { "no-nodes", "{" L_INPUT "\"nodes\":[]}", LOOKLAB_ERR_LIMIT, "0 nodes" },
  { "nodes-not-array", "{" L_INPUT "\"nodes\":{}}", LOOKLAB_ERR_PARSE,
    "no nodes array" },
  { "graph-not-json", "{\"kind\":", LOOKLAB_ERR_PARSE, "not JSON" },
  { "graph-not-object", "[1]", LOOKLAB_ERR_PARSE, "not a JSON object" },
};

static void
test_graph (gconstpointer p)
{
  const GraphCase *c = p;
  LookLabCnn      *cnn = (LookLabCnn *) 0x1;
  LookLabDiag      diag = { 0 };
  int status = build (c->graph, base_tensors, G_N_ELEMENTS (base_tensors), &cnn,
                      &diag);

  if (status != c->status || strstr (diag.message, c->needle) == NULL)
    g_error ("%s: status %d (%s) '%s'; expected %d and '%s'", c->name, status,
             looklab_strerror (status), diag.message, c->status, c->needle);
  if (status == LOOKLAB_OK)
    g_assert_nonnull (cnn);
  else
    g_assert_null (cnn);
  looklab_cnn_free (cnn);
}

/* Metadata that is not a LookLab model of a version this runtime reads. */
static void
test_metadata (void)
{
  static const struct
  {
    const char *header;
    int         status;
  } cases[] = {
    { "{\"__metadata__\":{\"looklab.version\":\"1\"}}", LOOKLAB_ERR_PARSE },
    { "{\"__metadata__\":{\"looklab.format\":\"looklab-cnn\","
      "\"looklab.version\":\"2\",\"looklab.graph\":\"{}\"}}",
      LOOKLAB_ERR_VERSION },
    { "{\"__metadata__\":{\"looklab.format\":\"looklab-cnn\","
      "\"looklab.version\":\"1\"}}",
      LOOKLAB_ERR_PARSE },
    { "{}", LOOKLAB_ERR_PARSE },
  };
  size_t i;

  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      LookLabSafetensors *st = NULL;
      LookLabCnn         *cnn = NULL;
      LookLabDiag         diag = { 0 };
      size_t              len;
      guint8             *buf = st_build (cases[i].header, NULL, 0, &len);

      g_assert_cmpint (looklab_safetensors_parse (buf, len, &st, NULL), ==, 0);
      g_assert_cmpint (looklab_cnn_new_from_safetensors (st, &cnn, &diag), ==,
                       cases[i].status);
      g_assert_null (cnn);
      g_assert_cmpuint (strlen (diag.message), >, 0);
      looklab_safetensors_free (st);
      g_free (buf);
    }
}

/* A batch norm after a conv that feeds only it is folded; the same graph
 * where the conv also feeds another node runs it separately: same result. */
static void
test_batchnorm_fold (void)
{
  static const float g[2] = { 1.5f, 0.7f }, beta[2] = { -0.2f, 0.3f };
  static const float mean[2] = { 0.1f, -0.05f }, var[2] = { 0.8f, 1.3f };
  const StTensor     t[] = {
        { "w", 4, { 2, 1, 3, 3 }, NULL },
        { "b", 1, { 2 }, NULL },
        { "g", 1, { 2 }, g },
        { "beta", 1, { 2 }, beta },
        { "m", 1, { 2 }, mean },
        { "v", 1, { 2 }, var },
  };
  const char *folded
      = "{" L_INPUT "\"nodes\":[{\"name\":\"c\",\"op\":\"conv2d\","
        "\"inputs\":[\"x\"],\"weight\":\"w\",\"bias\":\"b\",\"padding\":1},"
        "{\"name\":\"out\",\"op\":\"batchnorm\",\"inputs\":[\"c\"],"
        "\"weight\":\"g\",\"bias\":\"beta\",\"mean\":\"m\",\"var\":\"v\"}]}";
  const char *kept
      = "{" L_INPUT "\"nodes\":[{\"name\":\"c\",\"op\":\"conv2d\","
        "\"inputs\":[\"x\"],\"weight\":\"w\",\"bias\":\"b\",\"padding\":1},"
        "{\"name\":\"n\",\"op\":\"batchnorm\",\"inputs\":[\"c\"],"
        "\"weight\":\"g\",\"bias\":\"beta\",\"mean\":\"m\",\"var\":\"v\"},"
        "{\"name\":\"z\",\"op\":\"scale\",\"inputs\":[\"c\"],\"factor\":0},"
        "{\"name\":\"out\",\"op\":\"add\",\"inputs\":[\"n\",\"z\"]}]}";
  LookLabCnn *a = NULL, *b = NULL;
  LookLabDiag diag = { 0 };
  float       in[8 * 8], *ya = NULL, *yb = NULL;
  int         i, c, w, h;

  g_assert_cmpint (build (folded, t, G_N_ELEMENTS (t), &a, &diag), ==, 0);
  g_assert_cmpint (build (kept, t, G_N_ELEMENTS (t), &b, &diag), ==, 0);
  g_assert_cmpint (looklab_cnn_n_run_nodes (a), ==, 1);
  g_assert_cmpint (looklab_cnn_n_run_nodes (b), ==, 4);
  for (i = 0; i < 64; i++)
    in[i] = sinf (i * 0.7f);
  g_assert_cmpint (looklab_cnn_run (a, in, 8, 8, 1, &ya, &c, &w, &h, NULL), ==,
                   0);
  g_assert_cmpint (looklab_cnn_run (b, in, 8, 8, 1, &yb, &c, &w, &h, NULL), ==,
                   0);
  for (i = 0; i < 2 * 64; i++)
    g_assert_cmpfloat_with_epsilon (ya[i], yb[i], 1e-5);
  /* and the unfolded one is the formula itself at one pixel */
  {
    float conv0 = 0.0f;
    int   k;

    /* pixel (3, 3) of channel 0: weights 0.01 * (k % 17) - 0.08, bias 1st */
    for (k = 0; k < 9; k++)
      conv0 += (0.01f * k - 0.08f) * in[(2 + k / 3) * 8 + 2 + k % 3];
    conv0 += 0.01f * 0 - 0.08f;
    g_assert_cmpfloat_with_epsilon (
        yb[3 * 8 + 3],
        (conv0 - mean[0]) / sqrtf (var[0] + 1e-5f) * g[0] + beta[0], 1e-5);
  }
  g_free (ya);
  g_free (yb);
  looklab_cnn_free (a);
  looklab_cnn_free (b);
}

static void
test_run_limits (void)
{
  LookLabCnn *cnn = load_tiny ();
  LookLabDiag diag = { 0 };
  float       in[4 * 16 * 16] = { 0 };
  float      *out = NULL;
  int         c, w, h;

  g_assert_cmpint (looklab_cnn_run (cnn, in, LOOKLAB_CNN_MAX_SIDE + 1, 16, 1,
                                    &out, &c, &w, &h, &diag),
                   ==, LOOKLAB_ERR_LIMIT);
  g_assert_null (out);
  /* an odd size: the subsampled and strided branches disagree */
  g_assert_cmpint (
      looklab_cnn_run (cnn, in, 15, 15, 1, &out, &c, &w, &h, &diag), ==,
      LOOKLAB_ERR_MISMATCH);
  g_assert_nonnull (strstr (diag.message, "inputs of"));
  g_assert_null (out);
  g_assert_cmpint (
      looklab_cnn_run (cnn, NULL, 16, 16, 1, &out, &c, &w, &h, &diag), ==,
      LOOKLAB_ERR_ARG);
  looklab_cnn_free (cnn);
}

/* ---- colorize pipeline ------------------------------------------------ */

/* An L model whose output is a = (L - 50) / 100 * fa + ca, b = cb: the
 * pipeline's resampling is then visible in the output. */
static LookLabCnn *
linear_model (float fa, float ca, float cb)
{
  const float    w[2] = { fa, 0.0f }, b[2] = { ca, cb };
  const StTensor t[] = { { "w", 4, { 2, 1, 1, 1 }, w }, { "b", 1, { 2 }, b } };
  LookLabCnn    *cnn = NULL;
  LookLabDiag    diag = { 0 };

  g_assert_cmpint (build ("{\"kind\":\"l\",\"input\":{\"name\":\"x\","
                          "\"size\":32},\"output\":\"out\",\"nodes\":["
                          "{\"name\":\"out\",\"op\":\"conv2d\",\"inputs\":"
                          "[\"x\"],\"weight\":\"w\",\"bias\":\"b\"}]}",
                          t, 2, &cnn, &diag),
                   ==, 0);
  return cnn;
}

static void
test_colorize_constant (void)
{
  LookLabCnn      *cnn = linear_model (0.0f, 3.0f, -4.0f);
  static const int sizes[][2] = { { 1, 1 }, { 7, 5 }, { 300, 2 }, { 64, 64 } };
  size_t           i;

  for (i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      int    w = sizes[i][0], h = sizes[i][1], x, y;
      size_t ls = w + 3, as = 2 * w + 5;
      float *l = g_new0 (float, ls *h);
      float *ab = g_new0 (float, as *h);

      for (y = 0; y < h; y++)
        for (x = 0; x < w; x++)
          l[y * ls + x] = 100.0f * x / w;
      g_assert_cmpint (looklab_colorize (cnn, l, w, h, ls, NULL, 0, NULL, 0, ab,
                                         as, NULL, NULL, NULL, NULL),
                       ==, 0);
      for (y = 0; y < h; y++)
        for (x = 0; x < w; x++)
          {
            g_assert_cmpfloat_with_epsilon (ab[y * as + 2 * x], 3.0f, 1e-5);
            g_assert_cmpfloat_with_epsilon (ab[y * as + 2 * x + 1], -4.0f,
                                            1e-5);
          }
      g_free (l);
      g_free (ab);
    }
  looklab_cnn_free (cnn);
}

/* With a = L - 50 (linear_model (100, 0, 0)): a uniform @value of L over
 * @w x @h comes back as a = @value - 50 everywhere, exactly. */
static void
check_uniform (LookLabCnn *cnn, const LookLabColorizeParams *p, float *l,
               float *ab, int w, int h, float value)
{
  int i;

  for (i = 0; i < w * h; i++)
    l[i] = value;
  g_assert_cmpint (looklab_colorize (cnn, l, w, h, w, NULL, 0, NULL, 0, ab,
                                     2 * w, p, NULL, NULL, NULL),
                   ==, 0);
  for (i = 0; i < w * h; i++)
    g_assert_cmpfloat_with_epsilon (ab[2 * i], value - 50.0f, 1e-3);
}

/* A uniform L comes back exactly; a horizontal ramp comes back as a ramp
 * (area average down, then up: bilinear within a network pixel's slope;
 * edge-aware, whose B-spline reproduces a ramp, up to the slight pull of
 * its L* weights towards the nearer cells). */
static void
test_colorize_resampling (void)
{
  LookLabCnn *cnn = linear_model (100.0f, 0.0f, 0.0f); /* a = L - 50 */
  LookLabColorizeParams p;
  int                   w = 640, h = 400, x, y, pass;
  float                *l = g_new (float, w *h);
  float                *ab = g_new (float, 2 * w * h);

  looklab_colorize_params_init (&p);
  for (pass = 0; pass < 2; pass++)
    {
      double worst = 0.0;

      /* bilinear clamps 1 of the 32 cells at each border, the edge-aware
       * B-spline's reach 2 */
      int margin = pass == 0 ? w / 32 : w / 16;

      p.upsample = pass == 0 ? LOOKLAB_COLORIZE_UPSAMPLE_BILINEAR
                             : LOOKLAB_COLORIZE_UPSAMPLE_EDGE;
      check_uniform (cnn, &p, l, ab, w, h, 70.0f);

      for (y = 0; y < h; y++)
        for (x = 0; x < w; x++)
          l[y * w + x] = 100.0f * (x + 0.5f) / w;
      g_assert_cmpint (looklab_colorize (cnn, l, w, h, w, NULL, 0, NULL, 0, ab,
                                         2 * w, &p, NULL, NULL, NULL),
                       ==, 0);
      /* away from the clamped borders the ramp is reproduced */
      for (y = 0; y < h; y++)
        for (x = margin; x < w - margin; x++)
          worst = MAX (worst, fabs (ab[2 * (y * w + x)] - (l[y * w + x] - 50)));
      g_test_message ("ramp, %s: worst error %g",
                      pass == 0 ? "bilinear" : "edge-aware", worst);
      g_assert_cmpfloat (worst, <, pass == 0 ? 0.05 : 0.01);
    }
  g_free (l);
  g_free (ab);
  looklab_cnn_free (cnn);
}

/* A step in L inside a network cell: the edge-aware
 * upsampling (the default) keeps each side's colour up to the step, where
 * the bilinear one blends them over a cell; both give a uniform L's colour
 * exactly. */
static void
test_colorize_edges (void)
{
  LookLabCnn *cnn = linear_model (100.0f, 0.0f, 0.0f); /* a = L - 50 */
  LookLabColorizeParams p;
  int                   w = 640, h = 6, x, y, pass;
  float                *l = g_new (float, w *h);
  float                *ab = g_new (float, 2 * w * h);
  double                err[2];

  looklab_colorize_params_init (&p);
  g_assert_cmpint (p.upsample, ==, LOOKLAB_COLORIZE_UPSAMPLE_EDGE);
  for (pass = 0; pass < 2; pass++)
    {
      p.upsample = pass == 0 ? LOOKLAB_COLORIZE_UPSAMPLE_EDGE
                             : LOOKLAB_COLORIZE_UPSAMPLE_BILINEAR;
      check_uniform (cnn, &p, l, ab, w, h, 61.0f);

      /* 32 cells of 20 pixels; the step at 333 is inside cell 16 */
      for (y = 0; y < h; y++)
        for (x = 0; x < w; x++)
          l[y * w + x] = x < 333 ? 20.0f : 80.0f;
      g_assert_cmpint (looklab_colorize (cnn, l, w, h, w, NULL, 0, NULL, 0, ab,
                                         2 * w, &p, NULL, NULL, NULL),
                       ==, 0);
      /* mean |error| of a within two cells of the step */
      err[pass] = 0.0;
      for (y = 0; y < h; y++)
        for (x = 293; x < 373; x++)
          err[pass] += fabs (ab[2 * (y * w + x)] - (l[y * w + x] - 50.0f));
      err[pass] /= 80.0 * h;
    }
  g_test_message ("step: mean |error| near it %.2f edge-aware, %.2f bilinear",
                  err[0], err[1]);
  g_assert_cmpfloat (err[0], <, 0.25 * err[1]);
  g_assert_cmpfloat (err[0], <, 2.0);
  p.upsample = 7;
  g_assert_cmpint (looklab_colorize (cnn, l, w, h, w, NULL, 0, NULL, 0, ab,
                                     2 * w, &p, NULL, NULL, NULL),
                   ==, LOOKLAB_ERR_ARG);
  g_free (l);
  g_free (ab);
  looklab_cnn_free (cnn);
}

static void
test_colorize_saturation (void)
{
  LookLabCnn           *cnn = linear_model (0.0f, 3.0f, -4.0f);
  LookLabColorizeParams p;
  float                 l[16] = { 50 }, ab[32];
  int                   i;

  looklab_colorize_params_init (&p);
  p.saturation = 0.0f;
  g_assert_cmpint (looklab_colorize (cnn, l, 4, 4, 4, NULL, 0, NULL, 0, ab, 8,
                                     &p, NULL, NULL, NULL),
                   ==, 0);
  for (i = 0; i < 32; i++)
    g_assert_cmpfloat (ab[i], ==, 0.0f);
  p.saturation = 2.0f;
  g_assert_cmpint (looklab_colorize (cnn, l, 4, 4, 4, NULL, 0, NULL, 0, ab, 8,
                                     &p, NULL, NULL, NULL),
                   ==, 0);
  g_assert_cmpfloat_with_epsilon (ab[0], 6.0f, 1e-5);
  g_assert_cmpfloat_with_epsilon (ab[31], -8.0f, 1e-5);
  p.saturation = 2.5f;
  g_assert_cmpint (looklab_colorize (cnn, l, 4, 4, 4, NULL, 0, NULL, 0, ab, 8,
                                     &p, NULL, NULL, NULL),
                   ==, LOOKLAB_ERR_ARG);
  looklab_cnn_free (cnn);
}

static void
test_colorize_huge (void)
{
  LookLabCnn *cnn = linear_model (0.0f, 1.0f, 1.0f);
  LookLabDiag diag = { 0 };
  float       l[1] = { 0 }, ab[2];

  /* 20000 x 20000 = 400 MP: refused before a byte of it is read */
  g_assert_cmpint (looklab_colorize (cnn, l, 20000, 20000, 20000, NULL, 0, NULL,
                                     0, ab, 40000, NULL, NULL, NULL, &diag),
                   ==, LOOKLAB_ERR_LIMIT);
  g_assert_nonnull (strstr (diag.message, "over the limit"));
  g_assert_cmpint (looklab_colorize (cnn, l, 0, 1, 1, NULL, 0, NULL, 0, ab, 2,
                                     NULL, NULL, NULL, &diag),
                   ==, LOOKLAB_ERR_ARG);
  g_assert_cmpint (looklab_colorize (cnn, l, 1, 1, 1, l, 2, NULL, 0, ab, 2,
                                     NULL, NULL, NULL, &diag),
                   ==, LOOKLAB_ERR_ARG);
  looklab_cnn_free (cnn);
}

/* Hints steer a hints model and are ignored by an L model; an already
 * colourful image's colour reaches the model only through hints (the
 * documented rule: colorize from L, replace the colour). */
static void
test_colorize_hints (void)
{
  LookLabCnn *tiny = load_tiny ();
  LookLabCnn *lin = linear_model (1.0f, 2.0f, 0.0f);
  int         w = 48, h = 32, i;
  float      *l = g_new (float, w *h);
  float      *hab = g_new0 (float, 2 * w * h);
  float      *mask = g_new0 (float, w *h);
  float      *a0 = g_new (float, 2 * w * h);
  float      *a1 = g_new (float, 2 * w * h);
  double      diff = 0.0;

  for (i = 0; i < w * h; i++)
    {
      l[i] = 40.0f + 30.0f * sinf (i * 0.01f);
      /* a colourful image's a, b everywhere, but no mask: no hint */
      hab[2 * i] = 60.0f;
      hab[2 * i + 1] = -30.0f;
    }
  g_assert_cmpint (looklab_colorize (tiny, l, w, h, w, NULL, 0, NULL, 0, a0,
                                     2 * w, NULL, NULL, NULL, NULL),
                   ==, 0);
  g_assert_cmpint (looklab_colorize (tiny, l, w, h, w, hab, 2 * w, mask, w, a1,
                                     2 * w, NULL, NULL, NULL, NULL),
                   ==, 0);
  g_assert_cmpmem (a0, 2 * w * h * sizeof (float), a1,
                   2 * w * h * sizeof (float));
  mask[5 * w + 7] = 1.0f;
  mask[20 * w + 30] = 1.0f;
  g_assert_cmpint (looklab_colorize (tiny, l, w, h, w, hab, 2 * w, mask, w, a1,
                                     2 * w, NULL, NULL, NULL, NULL),
                   ==, 0);
  for (i = 0; i < 2 * w * h; i++)
    diff = MAX (diff, fabs (a1[i] - a0[i]));
  g_assert_cmpfloat (diff, >, 0.01);

  g_assert_cmpint (looklab_colorize (lin, l, w, h, w, NULL, 0, NULL, 0, a0,
                                     2 * w, NULL, NULL, NULL, NULL),
                   ==, 0);
  g_assert_cmpint (looklab_colorize (lin, l, w, h, w, hab, 2 * w, mask, w, a1,
                                     2 * w, NULL, NULL, NULL, NULL),
                   ==, 0);
  g_assert_cmpmem (a0, 2 * w * h * sizeof (float), a1,
                   2 * w * h * sizeof (float));
  g_free (l);
  g_free (hab);
  g_free (mask);
  g_free (a0);
  g_free (a1);
  looklab_cnn_free (tiny);
  looklab_cnn_free (lin);
}

#define FUSE_W 64
#define FUSE_H 48

/* Colorizes the FUSE_W x FUSE_H image of flat L 50 with the hint (60, -30)
 * at the pixels x0 <= x < x1 of row @row (of every row when @row < 0):
 * into @a0 the network alone (fuse_hints = 0), into @a1 the fused output,
 * 2 * FUSE_W * FUSE_H floats each. */
static void
run_fuse_pair (LookLabCnn *tiny, int x0, int x1, int row, float *a0, float *a1)
{
  LookLabColorizeParams p;
  int                   w = FUSE_W, h = FUSE_H, x, y;
  float                *l = g_new (float, w *h);
  float                *hab = g_new0 (float, 2 * w * h);
  float                *mask = g_new0 (float, w *h);

  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      {
        l[y * w + x] = 50.0f;
        if (x >= x0 && x < x1 && (row < 0 || y == row))
          {
            hab[2 * (y * w + x)] = 60.0f;
            hab[2 * (y * w + x) + 1] = -30.0f;
            mask[y * w + x] = 1.0f;
          }
      }
  looklab_colorize_params_init (&p);
  g_assert_cmpint (p.fuse_hints, ==, 1);
  /* the fusion as it is on the network's grid, interpolated */
  p.upsample = LOOKLAB_COLORIZE_UPSAMPLE_BILINEAR;
  p.fuse_hints = 0;
  g_assert_cmpint (looklab_colorize (tiny, l, w, h, w, hab, 2 * w, mask, w, a0,
                                     2 * w, &p, NULL, NULL, NULL),
                   ==, 0);
  p.fuse_hints = 1;
  g_assert_cmpint (looklab_colorize (tiny, l, w, h, w, hab, 2 * w, mask, w, a1,
                                     2 * w, &p, NULL, NULL, NULL),
                   ==, 0);
  g_free (l);
  g_free (hab);
  g_free (mask);
}

/* Hint fusion (colorize.c, fuse_hints): at a hint the output is the hint's
 * ab but for the network's weight FUSE_EPS = 0.02 (within 2% of the
 * network's distance from it), far from it (a quarter-side sigma, the
 * corner 4.6 sigmas away) it is the network's; fuse_hints = 0 is the
 * network alone. */
static void
test_colorize_fuse (void)
{
  LookLabCnn *tiny = load_tiny ();
  int         hx = 3, hy = 2, i = hy * FUSE_W + hx;
  int         far = (FUSE_H - 1) * FUSE_W + FUSE_W - 1;
  float      *a0 = g_new (float, 2 * FUSE_W * FUSE_H);
  float      *a1 = g_new (float, 2 * FUSE_W * FUSE_H);
  double      d0;

  run_fuse_pair (tiny, hx, hx + 1, hy, a0, a1);
  /* the network alone does not reach the hint; the fused output does */
  d0 = hypot (a0[2 * i] - 60.0, a0[2 * i + 1] + 30.0);
  g_test_message ("hint (60, -30): network (%g, %g), fused (%g, %g)", a0[2 * i],
                  a0[2 * i + 1], a1[2 * i], a1[2 * i + 1]);
  g_assert_cmpfloat (d0, >, 1.0);
  g_assert_cmpfloat (hypot (a1[2 * i] - 60.0, a1[2 * i + 1] + 30.0), <,
                     0.03 * d0 + 1e-3);
  g_test_message ("far corner: network (%g, %g), fused (%g, %g)", a0[2 * far],
                  a0[2 * far + 1], a1[2 * far], a1[2 * far + 1]);
  g_assert_cmpfloat (fabs (a1[2 * far] - a0[2 * far]), <,
                     0.02 * fabs (60.0 - a0[2 * far]) + 1e-3);
  g_assert_cmpfloat (fabs (a1[2 * far + 1] - a0[2 * far + 1]), <,
                     0.02 * fabs (-30.0 - a0[2 * far + 1]) + 1e-3);
  g_free (a0);
  g_free (a1);
  looklab_cnn_free (tiny);
}

/* How far the fused output at (@px, @py) went from the network's towards
 * the hint, 0..1, with the hints of run_fuse_pair (). */
static double
fuse_pull (LookLabCnn *tiny, int x0, int x1, int row, int px, int py)
{
  float *a0 = g_new (float, 2 * FUSE_W * FUSE_H);
  float *a1 = g_new (float, 2 * FUSE_W * FUSE_H);
  int    i = py * FUSE_W + px;
  double pull;

  run_fuse_pair (tiny, x0, x1, row, a0, a1);
  pull = hypot (a1[2 * i] - a0[2 * i], a1[2 * i + 1] - a0[2 * i + 1])
         / hypot (60.0 - a0[2 * i], -30.0 - a0[2 * i + 1]);
  g_free (a0);
  g_free (a1);
  return pull;
}

/* The reach of hints shrinks with their number (colorize.c,
 * fuse_sigma_s): one hint 24 pixels away (1.5 sigma_s of a quarter of the
 * 64-pixel side) pulls the output nearly all the way to it; a band of 32
 * hint cells (x < 8, the tiny model's 16x16 cells are 4x3 pixels) about as
 * far narrows sigma_s to 0.39 of that and leaves the network's answer
 * there. */
static void
test_colorize_fuse_density (void)
{
  LookLabCnn *tiny = load_tiny ();
  double      one = fuse_pull (tiny, 7, 8, 24, 31, 24);
  double      band = fuse_pull (tiny, 0, 8, -1, 31, 24);

  g_test_message ("pull towards the hints at 24 px: 1 hint %.3f, 32 hint "
                  "cells %.3f",
                  one, band);
  g_assert_cmpfloat (one, >, 0.9);
  g_assert_cmpfloat (band, <, 0.1);
  looklab_cnn_free (tiny);
}

/* A "hints" model with propagated hints (docs/cnn-format.md "prop") whose
 * output is exactly its input planes 4 and 5 in ab units (a 1x1
 * convolution), at full resolution: what the runtime feeds it. */
static LookLabCnn *
prop_model (void)
{
  float          w[2 * 6] = { 0 };
  const StTensor t[] = { { "w", 4, { 2, 6, 1, 1 }, w } };
  LookLabCnn    *cnn = NULL;
  LookLabDiag    diag = { 0 };

  w[4] = w[6 + 5] = 110.0f;
  g_assert_cmpint (
      build ("{\"kind\":\"hints\",\"input\":{\"name\":\"x\","
             "\"channels\":6,\"size\":16,\"prop\":{\"sigma_s\":0.25,"
             "\"sigma_l\":10,\"ref_hints\":2,\"density_pow\":1,"
             "\"sigma_s_min\":0.125}},\"output\":\"out\",\"nodes\":["
             "{\"name\":\"out\",\"op\":\"conv2d\",\"inputs\":[\"x\"],"
             "\"weight\":\"w\"}]}",
             t, 1, &cnn, &diag),
      ==, 0);
  return cnn;
}

/* The propagated hints (colorize.c, propagate_hints) against the formula
 * of docs/cnn-format.md worked out here, on a 16 x 16 image that is the
 * model's own size (a cell per pixel), with L 30 on the left half and 70
 * on the right: without hints the planes are 0; one hint colours every
 * cell (normalised weights); two hints of the same L share a cell between
 * them by their Gaussian distance weights (sigma_s a quarter of 16 = 4
 * cells); two hints of different L each keep their own half (sigma_l 10,
 * 40 apart); beyond ref_hints = 2 hints sigma_s shrinks as 2 / n down to
 * sigma_s_min.  The runtime's fusion after the network is not applied. */
static void
test_colorize_prop (void)
{
  LookLabCnn           *cnn = prop_model ();
  const LookLabCnnInfo *info = looklab_cnn_get_info (cnn);
  LookLabColorizeParams p;
  enum
  {
    W = 16
  };
  float  l[W * W], hab[2 * W * W] = { 0 }, mask[W * W] = { 0 };
  float  ab[2 * W * W], ab_nofuse[2 * W * W];
  double w1, w2, s;
  int    i;

  g_assert_cmpint (info->in_channels, ==, 6);
  g_assert_true (info->prop.on);
  for (i = 0; i < W * W; i++)
    l[i] = i % W < W / 2 ? 30.0f : 70.0f;
  g_assert_cmpint (looklab_colorize (cnn, l, W, W, W, hab, 2 * W, mask, W, ab,
                                     2 * W, NULL, NULL, NULL, NULL),
                   ==, 0);
  for (i = 0; i < 2 * W * W; i++)
    g_assert_cmpfloat (ab[i], ==, 0.0f);

  /* one hint at (x 2, y 3): its colour everywhere, even across the L edge */
  hab[2 * (3 * W + 2)] = 40.0f;
  hab[2 * (3 * W + 2) + 1] = -20.0f;
  mask[3 * W + 2] = 1.0f;
  g_assert_cmpint (looklab_colorize (cnn, l, W, W, W, hab, 2 * W, mask, W, ab,
                                     2 * W, NULL, NULL, NULL, NULL),
                   ==, 0);
  for (i = 0; i < W * W; i++)
    {
      g_assert_cmpfloat_with_epsilon (ab[2 * i], 40.0f, 1e-3);
      g_assert_cmpfloat_with_epsilon (ab[2 * i + 1], -20.0f, 1e-3);
    }

  /* a second hint of the same L at (x 6, y 3), a = 0: cell (x 4, y 10) is
   * 2^2 + 7^2 and 2^2 + 7^2 away (equal: a = 20), cell (x 0, y 3) 2^2 and
   * 6^2 away */
  hab[2 * (3 * W + 6)] = 0.0f;
  hab[2 * (3 * W + 6) + 1] = 20.0f;
  mask[3 * W + 6] = 1.0f;
  looklab_colorize_params_init (&p);
  g_assert_cmpint (looklab_colorize (cnn, l, W, W, W, hab, 2 * W, mask, W, ab,
                                     2 * W, &p, NULL, NULL, NULL),
                   ==, 0);
  g_assert_cmpfloat_with_epsilon (ab[2 * (10 * W + 4)], 20.0f, 1e-3);
  g_assert_cmpfloat_with_epsilon (ab[2 * (10 * W + 4) + 1], 0.0f, 1e-3);
  s = 0.25 * W;
  w1 = exp (-4.0 / (2 * s * s));
  w2 = exp (-36.0 / (2 * s * s));
  g_assert_cmpfloat_with_epsilon (ab[2 * (3 * W)], 40.0 * w1 / (w1 + w2), 1e-3);
  g_assert_cmpfloat_with_epsilon (ab[2 * (3 * W) + 1],
                                  (-20.0 * w1 + 20.0 * w2) / (w1 + w2), 1e-3);
  p.fuse_hints = 0;
  g_assert_cmpint (looklab_colorize (cnn, l, W, W, W, hab, 2 * W, mask, W,
                                     ab_nofuse, 2 * W, &p, NULL, NULL, NULL),
                   ==, 0);
  g_assert_cmpmem (ab, sizeof ab, ab_nofuse, sizeof ab_nofuse);

  /* move the second hint to the right half (x 12, L 70): each half keeps
   * its own hint's colour (the other's weight is e^-8 of it at most) */
  mask[3 * W + 6] = 0.0f;
  hab[2 * (3 * W + 12)] = 0.0f;
  hab[2 * (3 * W + 12) + 1] = 20.0f;
  mask[3 * W + 12] = 1.0f;
  g_assert_cmpint (looklab_colorize (cnn, l, W, W, W, hab, 2 * W, mask, W, ab,
                                     2 * W, NULL, NULL, NULL, NULL),
                   ==, 0);
  g_assert_cmpfloat_with_epsilon (ab[2 * (15 * W + 7)], 40.0f, 0.05);
  g_assert_cmpfloat_with_epsilon (ab[2 * (15 * W + 8)], 0.0f, 0.05);
  g_assert_cmpfloat_with_epsilon (ab[2 * (15 * W + 8) + 1], 20.0f, 0.05);

  /* 4 hints of L 30 (x 2, 6 in rows 3 and 4): sigma_s 0.25 * 2 / 4 =
   * 0.125 of the side (the minimum); cell (x 0, y 3) against x 2 and x 6
   * of its row and the two of row 4 */
  mask[3 * W + 12] = 0.0f;
  for (i = 0; i < 2; i++)
    {
      int c = (4 * W) + 2 + 4 * i;

      hab[2 * c] = hab[2 * (c - W)];
      hab[2 * c + 1] = hab[2 * (c - W) + 1];
      mask[c] = 1.0f;
    }
  mask[3 * W + 6] = 1.0f;
  g_assert_cmpint (looklab_colorize (cnn, l, W, W, W, hab, 2 * W, mask, W, ab,
                                     2 * W, NULL, NULL, NULL, NULL),
                   ==, 0);
  s = 0.125 * W;
  w1 = exp (-4.0 / (2 * s * s)) + exp (-5.0 / (2 * s * s));
  w2 = exp (-36.0 / (2 * s * s)) + exp (-37.0 / (2 * s * s));
  g_assert_cmpfloat_with_epsilon (ab[2 * (3 * W)], 40.0 * w1 / (w1 + w2), 1e-3);
  looklab_cnn_free (cnn);
}

/* Beyond max_hints hint cells the answer fades to the propagation
 * (colorize-hints.c, colorize_fade_to_propagation): a model that answers
 * the propagated hints plus (10, 0), trained "with at most 2 hint cells",
 * gives +10 with 2 hints of the same colour, +5 with 5 (halfway from 2 to
 * 4 x 2) and the propagation alone with 8 and with 20. */
static void
test_colorize_prop_fade (void)
{
  float          w[2 * 6] = { 0 }, b[2] = { 10.0f, 0.0f };
  const StTensor t[] = { { "w", 4, { 2, 6, 1, 1 }, w }, { "b", 1, { 2 }, b } };
  LookLabCnn    *cnn = NULL;
  LookLabDiag    diag = { 0 };
  enum
  {
    W = 16
  };
  static const int   counts[] = { 2, 5, 8, 20 };
  static const float want[] = { 10.0f, 5.0f, 0.0f, 0.0f };
  float              l[W * W], hab[2 * W * W] = { 0 }, mask[W * W] = { 0 };
  float              ab[2 * W * W];
  size_t             k;
  int                i;

  w[4] = w[6 + 5] = 110.0f;
  g_assert_cmpint (
      build ("{\"kind\":\"hints\",\"input\":{\"name\":\"x\","
             "\"channels\":6,\"size\":16,\"prop\":{\"max_hints\":2}},"
             "\"output\":\"out\",\"nodes\":[{\"name\":\"out\","
             "\"op\":\"conv2d\",\"inputs\":[\"x\"],\"weight\":\"w\","
             "\"bias\":\"b\"}]}",
             t, 2, &cnn, &diag),
      ==, 0);
  g_assert_cmpint (looklab_cnn_get_info (cnn)->prop.max_hints, ==, 2);
  for (i = 0; i < W * W; i++)
    {
      l[i] = 50.0f;
      hab[2 * i] = 30.0f;
      hab[2 * i + 1] = -10.0f;
    }
  for (k = 0; k < G_N_ELEMENTS (counts); k++)
    {
      for (i = 0; i < W * W; i++)
        mask[i] = i < counts[k] * 7 && i % 7 == 0 ? 1.0f : 0.0f;
      g_assert_cmpint (looklab_colorize (cnn, l, W, W, W, hab, 2 * W, mask, W,
                                         ab, 2 * W, NULL, NULL, NULL, NULL),
                       ==, 0);
      for (i = 0; i < W * W; i++)
        {
          g_assert_cmpfloat_with_epsilon (ab[2 * i], 30.0f + want[k], 1e-3);
          g_assert_cmpfloat_with_epsilon (ab[2 * i + 1], -10.0f, 1e-3);
        }
    }
  looklab_cnn_free (cnn);
}

static int
cancel_at (double fraction, void *data)
{
  return fraction >= *(double *) data;
}

static void
test_colorize_cancel (void)
{
  LookLabCnn *cnn = linear_model (0.0f, 1.0f, 1.0f);
  float       l[4] = { 0 }, ab[8];
  double      at = 0.5;

  g_assert_cmpint (looklab_colorize (cnn, l, 2, 2, 2, NULL, 0, NULL, 0, ab, 4,
                                     NULL, cancel_at, &at, NULL),
                   ==, LOOKLAB_ERR_CANCELLED);
  at = 2.0;
  g_assert_cmpint (looklab_colorize (cnn, l, 2, 2, 2, NULL, 0, NULL, 0, ab, 4,
                                     NULL, cancel_at, &at, NULL),
                   ==, 0);
  looklab_cnn_free (cnn);
}

typedef struct
{
  double last;
  double stop_at;
  int    calls;
  int    inside; /* calls strictly between 0.1 and 0.9 (the network) */
  int    monotonic;
} Trace;

static int
trace_progress (double fraction, void *data)
{
  Trace *t = data;

  if (fraction < t->last)
    t->monotonic = 0;
  if (fraction > 0.1 && fraction < 0.9)
    t->inside++;
  t->last = fraction;
  t->calls++;
  return fraction >= t->stop_at;
}

/* Progress rises through the network's nodes and a cancel there stops it. */
static void
test_colorize_progress (void)
{
  LookLabCnn *cnn = load_tiny ();
  float       l[64 * 48], ab[2 * 64 * 48];
  Trace       t = { 0.0, 2.0, 0, 0, 1 };
  int         i;

  for (i = 0; i < 64 * 48; i++)
    l[i] = (float) (i % 100);
  g_assert_cmpint (looklab_colorize (cnn, l, 64, 48, 64, NULL, 0, NULL, 0, ab,
                                     128, NULL, trace_progress, &t, NULL),
                   ==, 0);
  g_assert_true (t.monotonic);
  g_assert_cmpint (t.inside, >, 5);
  g_assert_cmpfloat (t.last, ==, 1.0);
  memset (&t, 0, sizeof t);
  t.monotonic = 1;
  t.stop_at = 0.4;
  g_assert_cmpint (looklab_colorize (cnn, l, 64, 48, 64, NULL, 0, NULL, 0, ab,
                                     128, NULL, trace_progress, &t, NULL),
                   ==, LOOKLAB_ERR_CANCELLED);
  g_assert_cmpfloat (t.last, <, 0.9);
  looklab_cnn_free (cnn);
}

int
main (int argc, char **argv)
{
  size_t i;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cnn/golden/16x16", test_golden_square);
  g_test_add_func ("/cnn/golden/12x20", test_golden_rect);
  g_test_add_func ("/cnn/tiny-info", test_tiny_info);
  g_test_add_func ("/cnn/batchnorm-fold", test_batchnorm_fold);
  g_test_add_func ("/cnn/metadata", test_metadata);
  g_test_add_func ("/cnn/run-limits", test_run_limits);
  for (i = 0; i < G_N_ELEMENTS (graph_cases); i++)
    {
      char *name = g_strdup_printf ("/cnn/graph/%s", graph_cases[i].name);

      g_test_add_data_func (name, &graph_cases[i], test_graph);
      g_free (name);
    }
  g_test_add_func ("/colorize/constant", test_colorize_constant);
  g_test_add_func ("/colorize/resampling", test_colorize_resampling);
  g_test_add_func ("/colorize/edges", test_colorize_edges);
  g_test_add_func ("/colorize/saturation", test_colorize_saturation);
  g_test_add_func ("/colorize/huge-and-bad-args", test_colorize_huge);
  g_test_add_func ("/colorize/hints", test_colorize_hints);
  g_test_add_func ("/colorize/fuse", test_colorize_fuse);
  g_test_add_func ("/colorize/fuse-density", test_colorize_fuse_density);
  g_test_add_func ("/colorize/prop", test_colorize_prop);
  g_test_add_func ("/colorize/prop-fade", test_colorize_prop_fade);
  g_test_add_func ("/colorize/cancel", test_colorize_cancel);
  g_test_add_func ("/colorize/progress", test_colorize_progress);
  return g_test_run ();
}
