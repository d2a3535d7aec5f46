/* LookLab core: the look neutralizer (see neutralizer.h).
 *
 * The model file holds the weight network as a CNN graph for nn/ and the
 * basis LUTs beside it; this file checks that the two agree, pools the
 * photo to the network's input as tools/train-neutralizer.py does
 * (PyTorch's adaptive average pooling) and sums the bases. */
#include "match/neutralizer.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "nn/cnn.h"
#include "nn/json-member.h"

struct _LookLabNeutralizer
{
  LookLabCnn *cnn;
  int         k;      /* basis LUTs */
  int         n;      /* lattice edge */
  int         side;   /* the network's input side */
  double      levels; /* share of the levels stage, 0 for none */
  float      *bases;  /* [k][3][n (b)][n (g)][n (r)] */
};

/* The levels stage's least white point less black point (the trainer's
 * LEVELS_MIN_RANGE). */
#define LEVELS_MIN_RANGE 1e-3

/* Reads the "looklab.neutralizer" metadata into @nz and returns the name
 * of the bases tensor (g_free), or NULL after setting @diag. */
static char *
parse_meta (const char *meta, LookLabNeutralizer *nz, LookLabDiag *diag)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *obj;
  JsonNode   *bn;
  const char *bases = "bases";

  if (!json_parser_load_from_data (parser, meta, -1, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                        "looklab.neutralizer is not a JSON object");
      return NULL;
    }
  obj = json_node_get_object (json_parser_get_root (parser));
  if (!looklab_json_member_int (obj, "k", 0, 1, LOOKLAB_NEUTRALIZER_MAX_BASES,
                                &nz->k)
      || !looklab_json_member_int (obj, "lattice", 0, 2,
                                   LOOKLAB_NEUTRALIZER_MAX_LATTICE, &nz->n)
      || !looklab_json_member_int (obj, "side", 64, 8, 1024, &nz->side))
    {
      looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                        "looklab.neutralizer: k (1..%d), lattice (2..%d) "
                        "or side (8..1024) missing or invalid",
                        LOOKLAB_NEUTRALIZER_MAX_BASES,
                        LOOKLAB_NEUTRALIZER_MAX_LATTICE);
      return NULL;
    }
  if (!looklab_json_member_double (obj, "levels", 0.0, 0.0, 1.0, &nz->levels))
    {
      looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                        "looklab.neutralizer: levels is not a number in "
                        "[0, 1]");
      return NULL;
    }
  bn = json_object_get_member (obj, "bases");
  if (bn != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (bn)
          || json_node_get_value_type (bn) != G_TYPE_STRING)
        {
          looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                            "looklab.neutralizer: bases is not a name");
          return NULL;
        }
      bases = json_node_get_string (bn);
    }
  return g_strdup (bases);
}

int
looklab_neutralizer_new_from_safetensors (const LookLabSafetensors *st,
                                          LookLabNeutralizer      **out,
                                          LookLabDiag              *diag)
{
  LookLabNeutralizer  *nz;
  const LookLabTensor *t;
  const char          *meta;
  g_autofree char     *bases = NULL;
  int                  status, c, w, h;
  size_t               i, count;

  if (out == NULL || st == NULL)
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0, "no model");
  *out = NULL;
  meta = looklab_safetensors_metadata (st, "looklab.neutralizer");
  if (meta == NULL)
    return looklab_diag_set (diag, LOOKLAB_ERR_MISMATCH, 0,
                             "not a look neutralizer (no "
                             "looklab.neutralizer metadata)");
  nz = g_new0 (LookLabNeutralizer, 1);
  bases = parse_meta (meta, nz, diag);
  if (bases == NULL)
    {
      status = LOOKLAB_ERR_PARSE;
      goto fail;
    }
  status = looklab_cnn_new_from_safetensors (st, &nz->cnn, diag);
  if (status != LOOKLAB_OK)
    goto fail;
  if (looklab_cnn_get_info (nz->cnn)->kind != LOOKLAB_CNN_KIND_RGB)
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_MISMATCH, 0,
                                 "the weight network's input is not RGB "
                                 "(graph kind \"rgb\")");
      goto fail;
    }
  status = looklab_cnn_output_shape (nz->cnn, nz->side, nz->side, &c, &w, &h,
                                     diag);
  if (status != LOOKLAB_OK)
    goto fail;
  if (c != nz->k || w != 1 || h != 1)
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_MISMATCH, 0,
                                 "the weight network gives %d x %d x %d at "
                                 "a %d px input, not the %d weights of the "
                                 "bases",
                                 c, w, h, nz->side, nz->k);
      goto fail;
    }
  t = looklab_safetensors_find (st, bases);
  if (t == NULL || t->rank != 4 || t->shape[0] != (int64_t) nz->k * 3
      || t->shape[1] != nz->n || t->shape[2] != nz->n || t->shape[3] != nz->n)
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_MISMATCH, 0,
                                 "tensor '%.64s' is missing or not [%d, %d, "
                                 "%d, %d]",
                                 bases, nz->k * 3, nz->n, nz->n, nz->n);
      goto fail;
    }
  count = (size_t) t->n_elements;
  for (i = 0; i < count; i++)
    if (!isfinite (t->data[i]))
      {
        status = looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                                   "tensor '%.64s' holds a non-finite "
                                   "number",
                                   bases);
        goto fail;
      }
  nz->bases = g_try_new (float, count);
  if (nz->bases == NULL)
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0,
                                 "no memory for the bases");
      goto fail;
    }
  memcpy (nz->bases, t->data, count * sizeof (float));
  *out = nz;
  return LOOKLAB_OK;

fail:
  looklab_neutralizer_free (nz);
  return status;
}

int
looklab_neutralizer_load (const char *path, LookLabNeutralizer **out,
                          LookLabDiag *diag)
{
  LookLabSafetensors *st = NULL;
  int                 status;

  if (out != NULL)
    *out = NULL;
  status = looklab_safetensors_read (path, &st, diag);
  if (status != LOOKLAB_OK)
    return status;
  status = looklab_neutralizer_new_from_safetensors (st, out, diag);
  looklab_safetensors_free (st);
  return status;
}

void
looklab_neutralizer_free (LookLabNeutralizer *nz)
{
  if (nz == NULL)
    return;
  looklab_cnn_free (nz->cnn);
  g_free (nz->bases);
  g_free (nz);
}

int
looklab_neutralizer_n_bases (const LookLabNeutralizer *nz)
{
  return nz != NULL ? nz->k : 0;
}

int
looklab_neutralizer_side (const LookLabNeutralizer *nz)
{
  return nz != NULL ? nz->side : 0;
}

double
looklab_neutralizer_macs (const LookLabNeutralizer *nz)
{
  return nz != NULL ? looklab_cnn_macs (nz->cnn, nz->side, nz->side) : 0.0;
}

/* @out (3 planes of @side x @side): the adaptive average pooling of @rgb,
 * as PyTorch's F.adaptive_avg_pool2d: output cell i covers rows
 * floor (i H / side) to ceil ((i + 1) H / side), exclusive, and the same
 * across. */
static void
pool (const float *rgb, int width, int height, size_t stride, int side,
      float *out)
{
  double *row = g_new (double, (size_t) 3 * side);
  int     i, j, y, x, c;

  for (i = 0; i < side; i++)
    {
      int y0 = (int) ((int64_t) i * height / side);
      int y1 = (int) (((int64_t) (i + 1) * height + side - 1) / side);

      memset (row, 0, sizeof (double) * 3 * side);
      for (j = 0; j < side; j++)
        {
          int    x0 = (int) ((int64_t) j * width / side);
          int    x1 = (int) (((int64_t) (j + 1) * width + side - 1) / side);
          double n = (double) (y1 - y0) * (x1 - x0);

          for (y = y0; y < y1; y++)
            {
              const float *p = rgb + (size_t) y * stride + (size_t) 3 * x0;

              for (x = x0; x < x1; x++, p += 3)
                for (c = 0; c < 3; c++)
                  row[c * side + j] += p[c];
            }
          for (c = 0; c < 3; c++)
            out[((size_t) c * side + i) * side + j]
                = (float) (row[c * side + j] / n);
        }
    }
  g_free (row);
}

/* The levels stage (tools/train-neutralizer.py, Neutralizer.level): the
 * pooled image's darkest and lightest cells per channel, lo and hi, are
 * taken the share nz->levels of the way to 0 and 1 as @black and @white,
 * and @input (3 planes of side x side) is stretched from [black, white] to
 * [0, 1].  A whole picture's black and white points tell a fade or a
 * compressed range from a scene, and an average-pooling network cannot
 * read extremes. */
static void
levels_stage (const LookLabNeutralizer *nz, float *input, float black[3],
              float white[3])
{
  size_t cells = (size_t) nz->side * nz->side, i;
  int    c;

  for (c = 0; c < 3; c++)
    {
      float *plane = input + (size_t) c * cells;
      float  lo = plane[0], hi = plane[0];
      double a, b, s;

      for (i = 1; i < cells; i++)
        {
          lo = MIN (lo, plane[i]);
          hi = MAX (hi, plane[i]);
        }
      a = nz->levels * lo;
      b = 1.0 - nz->levels * (1.0 - hi);
      if (b - a < LEVELS_MIN_RANGE)
        b = a + LEVELS_MIN_RANGE;
      s = 1.0 / (b - a);
      black[c] = (float) a;
      white[c] = (float) b;
      for (i = 0; i < cells; i++)
        plane[i] = (float) ((plane[i] - a) * s);
    }
}

int
looklab_neutralizer_predict (const LookLabNeutralizer *nz, const float *rgb,
                             int width, int height, size_t stride,
                             int n_threads, LookLabLut **lut, float *weights,
                             LookLabDiag *diag)
{
  float      *input = NULL, *w = NULL;
  float       black[3] = { 0.0f, 0.0f, 0.0f }, white[3] = { 1.0f, 1.0f, 1.0f };
  LookLabLut *l = NULL;
  int         status, oc = 0, ow = 0, oh = 0, k, c;
  size_t      n3, p;

  if (lut != NULL)
    *lut = NULL;
  if (nz == NULL || rgb == NULL || lut == NULL || width < 1 || height < 1
      || stride < (size_t) 3 * width)
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0,
                             "no model, image or LUT, or a bad size");
  input = g_try_new (float, (size_t) 3 * nz->side * nz->side);
  if (input == NULL)
    return looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0,
                             "no memory for the network's input");
  pool (rgb, width, height, stride, nz->side, input);
  if (nz->levels > 0.0)
    levels_stage (nz, input, black, white);
  status = looklab_cnn_run (nz->cnn, input, nz->side, nz->side, n_threads, &w,
                            &oc, &ow, &oh, diag);
  g_free (input);
  if (status != LOOKLAB_OK)
    return status;
  for (k = 0; k < nz->k; k++)
    if (!isfinite (w[k]))
      {
        g_free (w);
        return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                                 "the model gives a non-finite weight");
      }
  l = looklab_lut_new (nz->n);
  if (l == NULL)
    {
      g_free (w);
      return looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0,
                               "no memory for the LUT");
    }
  /* LUT (r, g, b)[c] = sum_k w_k B_k[c][b][g][r]; both lattices keep red
   * fastest and blue slowest. */
  n3 = (size_t) nz->n * nz->n * nz->n;
  for (p = 0; p < n3; p++)
    for (c = 0; c < 3; c++)
      {
        double acc = 0.0;

        for (k = 0; k < nz->k; k++)
          acc += (double) w[k] * nz->bases[((size_t) k * 3 + c) * n3 + p];
        l->table[p * 3 + c] = (float) acc;
      }
  if (nz->levels > 0.0)
    {
      /* the levels stage as the LUT's 1D shaper: [black, white] to [0, 1]
       * per channel, clamped at its ends (lut/lut.h) */
      l->shaper = malloc (sizeof (float) * 2 * 3);
      if (l->shaper == NULL)
        {
          g_free (w);
          looklab_lut_free (l);
          return looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0,
                                   "no memory for the LUT");
        }
      l->shaper_size = 2;
      for (c = 0; c < 3; c++)
        {
          l->shaper[c] = 0.0f;
          l->shaper[3 + c] = 1.0f;
          l->shaper_min[c] = black[c];
          l->shaper_max[c] = white[c];
        }
    }
  if (weights != NULL)
    memcpy (weights, w, sizeof (float) * nz->k);
  g_free (w);
  *lut = l;
  return LOOKLAB_OK;
}
