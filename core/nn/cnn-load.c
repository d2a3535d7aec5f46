/* LookLab core: loading a CNN model (see cnn.h and docs/cnn-format.md).
 *
 * Parses the graph in the safetensors metadata (json-glib), resolves every
 * name to an earlier node, copies the weights, infers and checks channel
 * counts, prunes the nodes the output does not need and folds batch
 * normalisation into the convolution before it.  Running the graph is
 * cnn.c's. */
#include "nn/cnn.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "nn/cnn-private.h"
#include "nn/json-member.h"

static const struct
{
  const char *name;
  CnnOp       op;
  int         min_inputs;
  int         max_inputs;
} op_table[] = {
  { "conv2d", OP_CONV, 1, 1 },
  { "conv_transpose2d", OP_CONVT, 1, 1 },
  { "batchnorm", OP_BN, 1, 1 },
  { "relu", OP_RELU, 1, 1 },
  { "leaky_relu", OP_LEAKY, 1, 1 },
  { "tanh", OP_TANH, 1, 1 },
  { "sigmoid", OP_SIGMOID, 1, 1 },
  { "softmax_annealed_mean", OP_SOFTMAX_AM, 1, 1 },
  { "upsample_bilinear", OP_UPSAMPLE, 1, 1 },
  { "subsample", OP_SUBSAMPLE, 1, 1 },
  { "add", OP_ADD, 2, CNN_MAX_INPUTS },
  { "concat", OP_CONCAT, 2, CNN_MAX_INPUTS },
  { "scale", OP_SCALE, 1, 1 },
  { "global_avg_pool", OP_GAP, 1, 1 },
};

const char *
cnn_op_name (CnnOp op)
{
  for (size_t i = 0; i < G_N_ELEMENTS (op_table); i++)
    if (op_table[i].op == op)
      return op_table[i].name;
  return "?";
}

static int
find_node (const LookLabCnn *cnn, int before, const char *name)
{
  int i;

  if (strcmp (name, cnn->input_name) == 0)
    return -1;
  for (i = 0; i < before; i++)
    if (strcmp (cnn->nodes[i].name, name) == 0)
      return i;
  return -2;
}

static gboolean
member_float (JsonObject *obj, const char *key, double def, double lo,
              double hi, float *out)
{
  double v;

  if (!looklab_json_member_double (obj, key, def, lo, hi, &v))
    return FALSE;
  *out = (float) v;
  return TRUE;
}

static const char *
member_string (JsonObject *obj, const char *key)
{
  JsonNode *n = json_object_get_member (obj, key);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n)
      || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

/* Looks up the tensor named by member @key of @obj and checks its shape
 * against @rank and @shape (-1: any). */
static int
get_tensor (const LookLabSafetensors *st, JsonObject *obj, const char *key,
            const char *node, int rank, const int64_t *shape,
            const LookLabTensor **out, LookLabDiag *diag)
{
  const char          *tname = member_string (obj, key);
  const LookLabTensor *t;
  int                  i;

  *out = NULL;
  if (tname == NULL)
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "node '%s': '%s' names no tensor", node, key);
  t = looklab_safetensors_find (st, tname);
  if (t == NULL)
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "node '%s': tensor '%.64s' is not in the file",
                             node, tname);
  if (t->rank != rank)
    return looklab_diag_set (diag, LOOKLAB_ERR_MISMATCH, 0,
                             "node '%s': tensor '%.64s' has rank %d, not %d",
                             node, tname, t->rank, rank);
  for (i = 0; i < rank; i++)
    if (shape[i] >= 0 && t->shape[i] != shape[i])
      return looklab_diag_set (diag, LOOKLAB_ERR_MISMATCH, 0,
                               "node '%s': tensor '%.64s' dimension %d is "
                               "%lld, expected %lld",
                               node, tname, i, (long long) t->shape[i],
                               (long long) shape[i]);
  *out = t;
  return LOOKLAB_OK;
}

static float *
copy_floats (const float *src, size_t n)
{
  return g_memdup2 (src, n * sizeof (float));
}

static int
parse_node (LookLabCnn *cnn, const LookLabSafetensors *st, int index,
            JsonNode *jn, LookLabDiag *diag)
{
  CnnNode             *node = &cnn->nodes[index];
  JsonObject          *obj;
  JsonNode            *in;
  JsonArray           *inputs;
  const char          *name, *opname;
  const LookLabTensor *t;
  int                  i, status, in_ch;

  if (!JSON_NODE_HOLDS_OBJECT (jn))
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "graph node %d is not an object", index);
  obj = json_node_get_object (jn);
  name = member_string (obj, "name");
  opname = member_string (obj, "op");
  if (name == NULL || *name == '\0' || strlen (name) > 255)
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "graph node %d has no valid name", index);
  if (find_node (cnn, index, name) != -2)
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "node name '%s' is used twice", name);
  node->name = g_strdup (name);
  if (opname == NULL)
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0, "node '%s' has no op",
                             name);
  for (i = 0; i < (int) G_N_ELEMENTS (op_table); i++)
    if (strcmp (op_table[i].name, opname) == 0)
      break;
  if (i == (int) G_N_ELEMENTS (op_table))
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "node '%s': unknown op '%.32s'", name, opname);
  node->op = op_table[i].op;

  in = json_object_get_member (obj, "inputs");
  if (in == NULL || !JSON_NODE_HOLDS_ARRAY (in))
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "node '%s': inputs is not an array", name);
  inputs = json_node_get_array (in);
  node->n_inputs = (int) json_array_get_length (inputs);
  if (node->n_inputs < op_table[i].min_inputs
      || node->n_inputs > op_table[i].max_inputs)
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "node '%s': %s takes %d to %d inputs, not %d",
                             name, opname, op_table[i].min_inputs,
                             op_table[i].max_inputs, node->n_inputs);
  for (i = 0; i < node->n_inputs; i++)
    {
      JsonNode   *e = json_array_get_element (inputs, i);
      const char *iname;
      int         j;

      if (!JSON_NODE_HOLDS_VALUE (e)
          || json_node_get_value_type (e) != G_TYPE_STRING)
        return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                                 "node '%s': input %d is not a name", name, i);
      iname = json_node_get_string (e);
      j = find_node (cnn, index, iname);
      if (j == -2)
        return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                                 "node '%s': input '%.64s' is not defined "
                                 "before it (undefined name or a cycle)",
                                 name, iname);
      node->inputs[i] = j;
    }
  in_ch = node->inputs[0] < 0 ? cnn->info.in_channels
                              : cnn->nodes[node->inputs[0]].channels;
  node->channels = in_ch;

  switch (node->op)
    {
      case OP_CONV:
      case OP_CONVT:
        {
          int64_t wshape[4] = { -1, -1, -1, -1 };
          int64_t bshape[1];

          if (!looklab_json_member_int (obj, "stride", 1, 1, 16, &node->stride)
              || !looklab_json_member_int (obj, "padding", 0, 0, 64,
                                           &node->padding)
              || !looklab_json_member_int (obj, "dilation", 1, 1, 64,
                                           &node->dilation)
              || !looklab_json_member_int (obj, "output_padding", 0, 0, 15,
                                           &node->output_padding))
            return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                                     "node '%s': stride (1..16), padding "
                                     "(0..64), dilation (1..64) or "
                                     "output_padding (0..15) invalid",
                                     name);
          if (node->op == OP_CONV)
            wshape[1] = in_ch;
          else
            wshape[0] = in_ch;
          status = get_tensor (st, obj, "weight", name, 4, wshape, &t, diag);
          if (status != LOOKLAB_OK)
            return status;
          if (t->shape[2] < 1 || t->shape[2] > 15 || t->shape[3] < 1
              || t->shape[3] > 15 || t->shape[0] < 1 || t->shape[1] < 1)
            return looklab_diag_set (diag, LOOKLAB_ERR_LIMIT, 0,
                                     "node '%s': kernel %lldx%lld outside "
                                     "1..15 or no channels",
                                     name, (long long) t->shape[2],
                                     (long long) t->shape[3]);
          if (node->op == OP_CONVT
              && (node->output_padding >= node->stride
                  && node->output_padding >= node->dilation))
            return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                                     "node '%s': output_padding must be "
                                     "smaller than stride or dilation",
                                     name);
          node->kh = (int) t->shape[2];
          node->kw = (int) t->shape[3];
          node->cin = in_ch;
          node->cout = (int) (node->op == OP_CONV ? t->shape[0] : t->shape[1]);
          node->weight = copy_floats (t->data, t->n_elements);
          node->bias = g_new0 (float, node->cout);
          if (json_object_has_member (obj, "bias"))
            {
              bshape[0] = node->cout;
              status = get_tensor (st, obj, "bias", name, 1, bshape, &t, diag);
              if (status != LOOKLAB_OK)
                return status;
              memcpy (node->bias, t->data, node->cout * sizeof (float));
            }
          node->channels = node->cout;
          break;
        }

      case OP_BN:
        {
          const LookLabTensor *g, *b, *m, *v;
          int64_t              shape[1] = { in_ch };
          float                eps;

          if ((status
               = get_tensor (st, obj, "weight", name, 1, shape, &g, diag))
                  != LOOKLAB_OK
              || (status
                  = get_tensor (st, obj, "bias", name, 1, shape, &b, diag))
                     != LOOKLAB_OK
              || (status
                  = get_tensor (st, obj, "mean", name, 1, shape, &m, diag))
                     != LOOKLAB_OK
              || (status
                  = get_tensor (st, obj, "var", name, 1, shape, &v, diag))
                     != LOOKLAB_OK)
            return status;
          if (!member_float (obj, "eps", 1e-5, 0.0, 1.0, &eps))
            return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                                     "node '%s': eps not in [0, 1]", name);
          node->mul = g_new (float, in_ch);
          node->add = g_new (float, in_ch);
          for (i = 0; i < in_ch; i++)
            {
              /* PyTorch's eval-mode BatchNorm2d:
             * y = (x - mean) / sqrt (var + eps) * weight + bias */
              double s = (double) g->data[i]
                         / sqrt ((double) v->data[i] + (double) eps);

              if (!(v->data[i] + eps > 0.0f))
                return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                                         "node '%s': var + eps <= 0 at "
                                         "channel %d",
                                         name, i);
              node->mul[i] = (float) s;
              node->add[i] = (float) (b->data[i] - m->data[i] * s);
            }
          break;
        }

      case OP_LEAKY:
        if (!member_float (obj, "slope", 0.01, -1e6, 1e6, &node->slope))
          return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                                   "node '%s': slope invalid", name);
        break;

      case OP_SCALE:
        if (!json_object_has_member (obj, "factor")
            || !member_float (obj, "factor", 1.0, -1e6, 1e6, &node->factor))
          return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                                   "node '%s': factor missing or invalid",
                                   name);
        break;

      case OP_UPSAMPLE:
        if (!member_float (obj, "scale", 2.0, 1.0, 64.0, &node->factor))
          return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                                   "node '%s': scale not in [1, 64]", name);
        break;

      case OP_SUBSAMPLE:
        if (!looklab_json_member_int (obj, "stride", 2, 1, 64, &node->sub))
          return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                                   "node '%s': stride not in 1..64", name);
        break;

      case OP_SOFTMAX_AM:
        {
          int64_t shape[2] = { in_ch, 2 };

          if (!member_float (obj, "temperature", 1.0, 1e-3, 1e3,
                             &node->temperature))
            return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                                     "node '%s': temperature not in "
                                     "[0.001, 1000]",
                                     name);
          status = get_tensor (st, obj, "bins", name, 2, shape, &t, diag);
          if (status != LOOKLAB_OK)
            return status;
          node->q = in_ch;
          node->bins = copy_floats (t->data, t->n_elements);
          node->channels = 2;
          break;
        }

      case OP_ADD:
        for (i = 1; i < node->n_inputs; i++)
          {
            int j = node->inputs[i];
            int c = j < 0 ? cnn->info.in_channels : cnn->nodes[j].channels;

            if (c != in_ch)
              return looklab_diag_set (diag, LOOKLAB_ERR_MISMATCH, 0,
                                       "node '%s': adds %d and %d channels",
                                       name, in_ch, c);
          }
        break;

      case OP_CONCAT:
        for (i = 1; i < node->n_inputs; i++)
          {
            int j = node->inputs[i];

            node->channels
                += j < 0 ? cnn->info.in_channels : cnn->nodes[j].channels;
          }
        break;

      case OP_RELU:
      case OP_TANH:
      case OP_SIGMOID:
      case OP_GAP: break;
    }
  return LOOKLAB_OK;
}

static int
parse_input (LookLabCnn *cnn, JsonObject *graph, LookLabDiag *diag)
{
  JsonNode       *in = json_object_get_member (graph, "input");
  JsonObject     *obj;
  const char     *name, *kind;
  LookLabCnnInfo *info = &cnn->info;

  kind = member_string (graph, "kind");
  if (kind != NULL && strcmp (kind, "l") == 0)
    info->kind = LOOKLAB_CNN_KIND_L, info->in_channels = 1;
  else if (kind != NULL && strcmp (kind, "hints") == 0)
    info->kind = LOOKLAB_CNN_KIND_HINTS, info->in_channels = 4;
  else if (kind != NULL && strcmp (kind, "rgb") == 0)
    info->kind = LOOKLAB_CNN_KIND_RGB, info->in_channels = 3;
  else
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "graph kind is not \"l\", \"hints\" or "
                             "\"rgb\"");
  if (in == NULL || !JSON_NODE_HOLDS_OBJECT (in))
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "graph has no input object");
  obj = json_node_get_object (in);
  name = member_string (obj, "name");
  if (name == NULL || *name == '\0' || strlen (name) > 255)
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "graph input has no name");
  cnn->input_name = g_strdup (name);
  if (info->kind == LOOKLAB_CNN_KIND_HINTS
      && json_object_has_member (obj, "prop"))
    {
      JsonNode   *pn = json_object_get_member (obj, "prop");
      JsonObject *po;

      if (!JSON_NODE_HOLDS_OBJECT (pn))
        return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                                 "graph input prop is not an object");
      po = json_node_get_object (pn);
      if (!looklab_json_member_int (po, "ref_hints", 10, 1, 1 << 24,
                                    &info->prop.ref_hints)
          || !looklab_json_member_int (po, "max_hints", 0, 0, 1 << 24,
                                       &info->prop.max_hints)
          || !member_float (po, "sigma_s", 0.25, 1e-6, 100.0,
                            &info->prop.sigma_s)
          || !member_float (po, "sigma_l", 10.0, 1e-6, 1e6, &info->prop.sigma_l)
          || !member_float (po, "density_pow", 0.8, 0.0, 10.0,
                            &info->prop.density_pow)
          || !member_float (po, "sigma_s_min", 1.0 / 32.0, 1e-6, 100.0,
                            &info->prop.sigma_s_min))
        return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                                 "graph input prop: ref_hints, max_hints, "
                                 "sigma_s, "
                                 "sigma_l, density_pow or sigma_s_min "
                                 "invalid");
      info->prop.on = 1;
      info->in_channels = 6;
    }
  if (json_object_has_member (obj, "channels"))
    {
      int c;

      if (!looklab_json_member_int (obj, "channels", 0, 0, 1 << 20, &c)
          || c != info->in_channels)
        return looklab_diag_set (diag, LOOKLAB_ERR_MISMATCH, 0,
                                 "graph input channels must be %d for kind "
                                 "\"%s\"",
                                 info->in_channels, kind);
    }
  if (!looklab_json_member_int (obj, "size", 256, 1, LOOKLAB_CNN_MAX_SIDE,
                                &info->size)
      || !looklab_json_member_int (graph, "out_stride", 1, 1, 64,
                                   &info->out_stride)
      || !member_float (obj, "l_center", 50.0, -1e3, 1e3, &info->l_center)
      || !member_float (obj, "l_scale", 100.0, 1e-6, 1e6, &info->l_scale)
      || !member_float (obj, "ab_scale", 110.0, 1e-6, 1e6, &info->ab_scale)
      || !member_float (obj, "mask_offset", 0.0, -1e3, 1e3, &info->mask_offset))
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "graph input: size (1..%d), out_stride, "
                             "l_center, l_scale, ab_scale or mask_offset "
                             "invalid",
                             LOOKLAB_CNN_MAX_SIDE);
  return LOOKLAB_OK;
}

/* Marks the nodes the output needs, counts their consumers and folds each
 * batch norm whose input is a convolution that feeds it alone. */
static void
prune_and_fold (LookLabCnn *cnn)
{
  int i, j;

  cnn->nodes[cnn->output].needed = TRUE;
  for (i = cnn->output; i >= 0; i--)
    if (cnn->nodes[i].needed)
      for (j = 0; j < cnn->nodes[i].n_inputs; j++)
        if (cnn->nodes[i].inputs[j] >= 0)
          {
            cnn->nodes[cnn->nodes[i].inputs[j]].needed = TRUE;
            cnn->nodes[cnn->nodes[i].inputs[j]].n_uses++;
          }

  for (i = 0; i < cnn->n_nodes; i++)
    {
      CnnNode *bn = &cnn->nodes[i];
      CnnNode *conv;
      int      o, k, kk;

      if (!bn->needed || bn->op != OP_BN || bn->inputs[0] < 0)
        continue;
      conv = &cnn->nodes[bn->inputs[0]];
      if ((conv->op != OP_CONV && conv->op != OP_CONVT) || conv->n_uses != 1)
        continue;
      /* conv (x) * mul + add: scale each output channel's weights and
       * bias (Ioffe & Szegedy 2015, inference form). */
      kk = conv->kh * conv->kw;
      for (o = 0; o < conv->cout; o++)
        {
          if (conv->op == OP_CONV)
            for (k = 0; k < conv->cin * kk; k++)
              conv->weight[(size_t) o * conv->cin * kk + k] *= bn->mul[o];
          else
            for (k = 0; k < conv->cin; k++)
              {
                int t;

                for (t = 0; t < kk; t++)
                  conv->weight[((size_t) k * conv->cout + o) * kk + t]
                      *= bn->mul[o];
              }
          conv->bias[o] = conv->bias[o] * bn->mul[o] + bn->add[o];
        }
      bn->folded = TRUE;
    }
}

int
looklab_cnn_new_from_safetensors (const LookLabSafetensors *st,
                                  LookLabCnn **out, LookLabDiag *diag)
{
  LookLabCnn *cnn = NULL;
  JsonParser *parser = NULL;
  GError     *error = NULL;
  JsonObject *graph;
  JsonNode   *nodes_node;
  JsonArray  *nodes;
  const char *s, *output;
  int         status, i, ow, oh, oc;

  if (out == NULL || st == NULL)
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0, "no model");
  *out = NULL;
  s = looklab_safetensors_metadata (st, "looklab.format");
  if (s == NULL || strcmp (s, "looklab-cnn") != 0)
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "not a LookLab CNN model (metadata "
                             "looklab.format is not \"looklab-cnn\")");
  s = looklab_safetensors_metadata (st, "looklab.version");
  if (s == NULL || strcmp (s, "1") != 0)
    return looklab_diag_set (diag, LOOKLAB_ERR_VERSION, 0,
                             "model version '%.16s' (this runtime reads 1)",
                             s != NULL ? s : "");
  s = looklab_safetensors_metadata (st, "looklab.graph");
  if (s == NULL)
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "metadata has no looklab.graph");

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, s, -1, &error))
    {
      status
          = looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                              "looklab.graph is not JSON: %s", error->message);
      goto out;
    }
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                                 "looklab.graph is not a JSON object");
      goto out;
    }
  graph = json_node_get_object (json_parser_get_root (parser));
  cnn = g_new0 (LookLabCnn, 1);
  if ((status = parse_input (cnn, graph, diag)) != LOOKLAB_OK)
    goto out;
  nodes_node = json_object_get_member (graph, "nodes");
  if (nodes_node == NULL || !JSON_NODE_HOLDS_ARRAY (nodes_node))
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                                 "graph has no nodes array");
      goto out;
    }
  nodes = json_node_get_array (nodes_node);
  if (json_array_get_length (nodes) < 1
      || json_array_get_length (nodes) > LOOKLAB_CNN_MAX_NODES)
    {
      status = looklab_diag_set (
          diag, LOOKLAB_ERR_LIMIT, 0, "graph has %u nodes (1..%d)",
          json_array_get_length (nodes), LOOKLAB_CNN_MAX_NODES);
      goto out;
    }
  cnn->nodes = g_new0 (CnnNode, json_array_get_length (nodes));
  for (i = 0; i < (int) json_array_get_length (nodes); i++)
    {
      cnn->n_nodes = i + 1;
      status = parse_node (cnn, st, i, json_array_get_element (nodes, i), diag);
      if (status != LOOKLAB_OK)
        goto out;
    }
  output = member_string (graph, "output");
  cnn->output = output != NULL ? find_node (cnn, cnn->n_nodes, output) : -2;
  if (cnn->output < 0)
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                                 "graph output '%.64s' is not a node",
                                 output != NULL ? output : "");
      goto out;
    }
  if (cnn->info.kind != LOOKLAB_CNN_KIND_RGB
      && cnn->nodes[cnn->output].channels != 2)
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_MISMATCH, 0,
                                 "graph output '%s' has %d channels, not 2 "
                                 "(a and b)",
                                 output, cnn->nodes[cnn->output].channels);
      goto out;
    }
  prune_and_fold (cnn);

  /* Spatial sizes must agree at the size the model is made for. */
  status = looklab_cnn_infer (cnn, cnn->info.size, cnn->info.size, NULL, &oc,
                              &ow, &oh, diag);
  if (status != LOOKLAB_OK)
    goto out;
  status = LOOKLAB_OK;
  *out = cnn;
  cnn = NULL;

out:
  g_clear_error (&error);
  if (parser != NULL)
    g_object_unref (parser);
  looklab_cnn_free (cnn);
  return status;
}

int
looklab_cnn_load (const char *path, LookLabCnn **out, LookLabDiag *diag)
{
  LookLabSafetensors *st = NULL;
  int                 status;

  if (out != NULL)
    *out = NULL;
  status = looklab_safetensors_read (path, &st, diag);
  if (status != LOOKLAB_OK)
    return status;
  status = looklab_cnn_new_from_safetensors (st, out, diag);
  looklab_safetensors_free (st);
  return status;
}

void
looklab_cnn_free (LookLabCnn *cnn)
{
  int i;

  if (cnn == NULL)
    return;
  for (i = 0; i < cnn->n_nodes; i++)
    {
      CnnNode *n = &cnn->nodes[i];

      g_free (n->name);
      g_free (n->weight);
      g_free (n->bias);
      g_free (n->mul);
      g_free (n->add);
      g_free (n->bins);
    }
  g_free (cnn->nodes);
  g_free (cnn->input_name);
  g_free (cnn);
}

const LookLabCnnInfo *
looklab_cnn_get_info (const LookLabCnn *cnn)
{
  return cnn != NULL ? &cnn->info : NULL;
}

int
looklab_cnn_n_run_nodes (const LookLabCnn *cnn)
{
  int i, n = 0;

  for (i = 0; cnn != NULL && i < cnn->n_nodes; i++)
    n += cnn->nodes[i].needed && !cnn->nodes[i].folded;
  return n;
}

int
looklab_cnn_output_shape (const LookLabCnn *cnn, int width, int height, int *c,
                          int *w, int *h, LookLabDiag *diag)
{
  if (cnn == NULL || width < 1 || height < 1)
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0, "no model or size");
  return looklab_cnn_infer (cnn, width, height, NULL, c, w, h, diag);
}
