/* LookLab core: a bounded reader of safetensors files (see safetensors.h).
 *
 * The JSON header is parsed by json-glib; everything it says is checked
 * against the limits and the real byte count before any tensor memory is
 * allocated. */
#include "nn/safetensors.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib.h>
#include <json-glib/json-glib.h>

struct _LookLabSafetensors
{
  int            n_tensors;
  LookLabTensor *tensors;  /* sorted by data offset */
  GHashTable    *by_name;  /* name -> LookLabTensor *, not owned */
  GHashTable    *metadata; /* key -> value, both owned */
};

typedef enum
{
  DT_F32,
  DT_F16,
  DT_BF16
} DType;

typedef struct
{
  const char *name; /* points into the JSON tree */
  DType       dtype;
  int         rank;
  int64_t     shape[LOOKLAB_ST_MAX_RANK];
  int64_t     n_elements;
  uint64_t    begin;
  uint64_t    end;
} Entry;

static int
entry_cmp (const void *a, const void *b)
{
  const Entry *x = a;
  const Entry *y = b;

  if (x->begin != y->begin)
    return x->begin < y->begin ? -1 : 1;
  return x->end < y->end ? -1 : x->end > y->end;
}

/* Reads a non-negative JSON integer.  json-glib stores integers without a
 * fraction or exponent as G_TYPE_INT64; anything else is refused. */
static gboolean
get_uint (JsonNode *node, uint64_t *out)
{
  gint64 v;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node)
      || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  v = json_node_get_int (node);
  if (v < 0)
    return FALSE;
  *out = (uint64_t) v;
  return TRUE;
}

/* IEEE 754 binary16 to binary32, subnormals and infinities included. */
static float
half_to_float (uint16_t h)
{
  uint32_t sign = (uint32_t) (h >> 15) << 31;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t man = h & 0x3ff;
  uint32_t bits;
  float    f;

  if (exp == 0)
    {
      /* zero or subnormal: man * 2^-24 */
      f = ldexpf ((float) man, -24);
      return sign ? -f : f;
    }
  if (exp == 31)
    bits = sign | 0x7f800000u | (man << 13);
  else
    bits = sign | ((exp + 112) << 23) | (man << 13);
  memcpy (&f, &bits, 4);
  return f;
}

static void
convert (const unsigned char *src, DType dtype, int64_t n, float *dst)
{
  int64_t i;

  for (i = 0; i < n; i++)
    switch (dtype)
      {
        case DT_F32:
          {
            uint32_t u;

            memcpy (&u, src + 4 * i, 4);
            u = GUINT32_FROM_LE (u);
            memcpy (dst + i, &u, 4);
            break;
          }
        case DT_F16:
          {
            uint16_t u;

            memcpy (&u, src + 2 * i, 2);
            dst[i] = half_to_float (GUINT16_FROM_LE (u));
            break;
          }
        case DT_BF16:
          {
            uint16_t u;
            uint32_t bits;

            memcpy (&u, src + 2 * i, 2);
            bits = (uint32_t) GUINT16_FROM_LE (u) << 16;
            memcpy (dst + i, &bits, 4);
            break;
          }
      }
}

/* Checks one header entry and fills @e; @data_len is the byte count after
 * the header. */
static int
parse_entry (const char *name, JsonNode *node, uint64_t data_len, Entry *e,
             LookLabDiag *diag)
{
  JsonObject *obj;
  JsonNode   *dn, *sn, *on;
  JsonArray  *shape, *offs;
  const char *dt;
  uint64_t    esize, n = 1, nbytes;
  guint       i;

  memset (e, 0, sizeof *e);
  e->name = name;
  if (strlen (name) == 0 || strlen (name) > LOOKLAB_ST_MAX_NAME)
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "tensor name empty or longer than %d bytes",
                             LOOKLAB_ST_MAX_NAME);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "tensor '%s': entry is not a JSON object", name);
  obj = json_node_get_object (node);
  dn = json_object_get_member (obj, "dtype");
  sn = json_object_get_member (obj, "shape");
  on = json_object_get_member (obj, "data_offsets");
  if (dn == NULL || sn == NULL || on == NULL)
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "tensor '%s': needs dtype, shape and "
                             "data_offsets",
                             name);
  if (!JSON_NODE_HOLDS_VALUE (dn)
      || json_node_get_value_type (dn) != G_TYPE_STRING)
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "tensor '%s': dtype is not a string", name);
  dt = json_node_get_string (dn);
  if (strcmp (dt, "F32") == 0)
    e->dtype = DT_F32, esize = 4;
  else if (strcmp (dt, "F16") == 0)
    e->dtype = DT_F16, esize = 2;
  else if (strcmp (dt, "BF16") == 0)
    e->dtype = DT_BF16, esize = 2;
  else
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "tensor '%s': unsupported dtype '%.32s' "
                             "(F32, F16 or BF16)",
                             name, dt);

  if (!JSON_NODE_HOLDS_ARRAY (sn))
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "tensor '%s': shape is not an array", name);
  shape = json_node_get_array (sn);
  if (json_array_get_length (shape) > LOOKLAB_ST_MAX_RANK)
    return looklab_diag_set (
        diag, LOOKLAB_ERR_LIMIT, 0, "tensor '%s': rank %u over the limit %d",
        name, json_array_get_length (shape), LOOKLAB_ST_MAX_RANK);
  e->rank = (int) json_array_get_length (shape);
  for (i = 0; i < (guint) e->rank; i++)
    {
      uint64_t d;

      if (!get_uint (json_array_get_element (shape, i), &d))
        return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                                 "tensor '%s': shape[%u] is not a "
                                 "non-negative integer",
                                 name, i);
      if (d > (uint64_t) LOOKLAB_ST_MAX_DIM)
        return looklab_diag_set (diag, LOOKLAB_ERR_LIMIT, 0,
                                 "tensor '%s': shape[%u] = %llu over the "
                                 "limit %lld",
                                 name, i, (unsigned long long) d,
                                 (long long) LOOKLAB_ST_MAX_DIM);
      e->shape[i] = (int64_t) d;
      /* n <= 2^28 before and d <= 2^24: no overflow in 64 bits */
      n *= d;
      if (n > LOOKLAB_ST_MAX_FILE_BYTES / 4)
        return looklab_diag_set (diag, LOOKLAB_ERR_LIMIT, 0,
                                 "tensor '%s': more elements than a file "
                                 "within the size limit can hold",
                                 name);
    }
  e->n_elements = (int64_t) n;
  nbytes = n * esize;

  if (!JSON_NODE_HOLDS_ARRAY (on)
      || json_array_get_length (json_node_get_array (on)) != 2)
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "tensor '%s': data_offsets is not [begin, end]",
                             name);
  offs = json_node_get_array (on);
  if (!get_uint (json_array_get_element (offs, 0), &e->begin)
      || !get_uint (json_array_get_element (offs, 1), &e->end))
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "tensor '%s': data_offsets are not "
                             "non-negative integers",
                             name);
  if (e->begin > e->end || e->end > data_len)
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "tensor '%s': data_offsets [%llu, %llu] outside "
                             "the %llu data bytes (truncated file?)",
                             name, (unsigned long long) e->begin,
                             (unsigned long long) e->end,
                             (unsigned long long) data_len);
  if (e->end - e->begin != nbytes)
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "tensor '%s': %llu bytes for a shape that needs "
                             "%llu",
                             name, (unsigned long long) (e->end - e->begin),
                             (unsigned long long) nbytes);
  return LOOKLAB_OK;
}

static int
parse_metadata (JsonNode *node, GHashTable *metadata, LookLabDiag *diag)
{
  JsonObject *obj;
  GList      *members, *l;
  int         status = LOOKLAB_OK;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "__metadata__ is not a JSON object");
  obj = json_node_get_object (node);
  members = json_object_get_members (obj);
  for (l = members; l != NULL; l = l->next)
    {
      JsonNode *v = json_object_get_member (obj, l->data);

      if (!JSON_NODE_HOLDS_VALUE (v)
          || json_node_get_value_type (v) != G_TYPE_STRING)
        {
          status = looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                                     "__metadata__ value of '%.64s' is not "
                                     "a string",
                                     (const char *) l->data);
          break;
        }
      g_hash_table_replace (metadata, g_strdup (l->data),
                            g_strdup (json_node_get_string (v)));
    }
  g_list_free (members);
  return status;
}

int
looklab_safetensors_parse (const void *data, size_t len,
                           LookLabSafetensors **out, LookLabDiag *diag)
{
  const unsigned char *bytes = data;
  LookLabSafetensors  *st = NULL;
  JsonParser          *parser = NULL;
  GError              *error = NULL;
  JsonObject          *root;
  GList               *members = NULL, *l;
  Entry               *entries = NULL;
  uint64_t             hlen, data_len;
  const unsigned char *tensor_bytes;
  int                  n = 0, i;
  int                  status;

  if (out == NULL || (data == NULL && len > 0))
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0, "no data");
  *out = NULL;
  if (len > LOOKLAB_ST_MAX_FILE_BYTES)
    return looklab_diag_set (diag, LOOKLAB_ERR_LIMIT, 0,
                             "file of %zu bytes over the limit of %llu", len,
                             (unsigned long long) LOOKLAB_ST_MAX_FILE_BYTES);
  if (len < 8)
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "file of %zu bytes is too short for the header "
                             "length (truncated?)",
                             len);
  memcpy (&hlen, bytes, 8);
  hlen = GUINT64_FROM_LE (hlen);
  if (hlen > LOOKLAB_ST_MAX_HEADER_BYTES)
    return looklab_diag_set (diag, LOOKLAB_ERR_LIMIT, 0,
                             "header length %llu over the limit of %llu",
                             (unsigned long long) hlen,
                             (unsigned long long) LOOKLAB_ST_MAX_HEADER_BYTES);
  if (hlen > len - 8)
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "header length %llu but only %zu bytes follow "
                             "(truncated?)",
                             (unsigned long long) hlen, len - 8);
  if (hlen < 2 || bytes[8] != '{' || memchr (bytes + 8, 0, hlen) != NULL)
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "header is not a JSON object");
  data_len = len - 8 - hlen;
  tensor_bytes = bytes + 8 + hlen;

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, (const char *) bytes + 8,
                                   (gssize) hlen, &error))
    {
      status
          = looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                              "header is not valid JSON: %s", error->message);
      goto out;
    }
  if (json_parser_get_root (parser) == NULL
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                                 "header is not a JSON object");
      goto out;
    }
  root = json_node_get_object (json_parser_get_root (parser));
  if (json_object_get_size (root)
          - (json_object_has_member (root, "__metadata__") ? 1 : 0)
      > LOOKLAB_ST_MAX_TENSORS)
    {
      status = looklab_diag_set (
          diag, LOOKLAB_ERR_LIMIT, 0, "%u tensors over the limit of %d",
          json_object_get_size (root), LOOKLAB_ST_MAX_TENSORS);
      goto out;
    }

  st = g_new0 (LookLabSafetensors, 1);
  st->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  st->metadata
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  entries = g_new0 (Entry, json_object_get_size (root) + 1);
  members = json_object_get_members (root);
  for (l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode   *node = json_object_get_member (root, name);

      if (strcmp (name, "__metadata__") == 0)
        status = parse_metadata (node, st->metadata, diag);
      else
        status = parse_entry (name, node, data_len, &entries[n++], diag);
      if (status != LOOKLAB_OK)
        goto out;
    }

  /* Tensors must not share bytes: sorted by offset, each starts at or
   * after the end of the one before. */
  qsort (entries, n, sizeof *entries, entry_cmp);
  for (i = 1; i < n; i++)
    if (entries[i].begin < entries[i - 1].end)
      {
        status = looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                                   "tensors '%s' and '%s' overlap",
                                   entries[i - 1].name, entries[i].name);
        goto out;
      }

  st->tensors = g_try_new0 (LookLabTensor, n > 0 ? n : 1);
  if (st->tensors == NULL)
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0,
                                 "no memory for %d tensors", n);
      goto out;
    }
  for (i = 0; i < n; i++)
    {
      LookLabTensor *t = &st->tensors[i];
      const Entry   *e = &entries[i];

      t->name = g_strdup (e->name);
      t->rank = e->rank;
      memcpy (t->shape, e->shape, sizeof t->shape);
      t->n_elements = e->n_elements;
      t->data = g_try_new (float, e->n_elements > 0 ? e->n_elements : 1);
      st->n_tensors = i + 1;
      if (t->data == NULL)
        {
          status = looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0,
                                     "no memory for tensor '%s'", e->name);
          goto out;
        }
      convert (tensor_bytes + e->begin, e->dtype, e->n_elements, t->data);
      g_hash_table_insert (st->by_name, t->name, t);
    }
  status = LOOKLAB_OK;
  *out = st;
  st = NULL;

out:
  g_clear_error (&error);
  g_list_free (members);
  g_free (entries);
  if (parser != NULL)
    g_object_unref (parser);
  looklab_safetensors_free (st);
  return status;
}

int
looklab_safetensors_read (const char *path, LookLabSafetensors **out,
                          LookLabDiag *diag)
{
  struct stat sb;
  char       *contents = NULL;
  gsize       len = 0;
  GError     *error = NULL;
  int         status;

  if (out != NULL)
    *out = NULL;
  if (path == NULL || out == NULL)
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0, "no path");
  if (stat (path, &sb) != 0)
    return looklab_diag_set (diag, LOOKLAB_ERR_IO, 0, "%s: %s", path,
                             g_strerror (errno));
  if (!S_ISREG (sb.st_mode))
    return looklab_diag_set (diag, LOOKLAB_ERR_IO, 0, "%s: not a regular file",
                             path);
  if ((uint64_t) sb.st_size > LOOKLAB_ST_MAX_FILE_BYTES)
    return looklab_diag_set (diag, LOOKLAB_ERR_LIMIT, 0,
                             "%s: %lld bytes over the limit of %llu", path,
                             (long long) sb.st_size,
                             (unsigned long long) LOOKLAB_ST_MAX_FILE_BYTES);
  if (!g_file_get_contents (path, &contents, &len, &error))
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_IO, 0, "%s", error->message);
      g_error_free (error);
      return status;
    }
  status = looklab_safetensors_parse (contents, len, out, diag);
  g_free (contents);
  return status;
}

void
looklab_safetensors_free (LookLabSafetensors *st)
{
  int i;

  if (st == NULL)
    return;
  for (i = 0; i < st->n_tensors; i++)
    {
      g_free (st->tensors[i].name);
      g_free (st->tensors[i].data);
    }
  g_free (st->tensors);
  if (st->by_name != NULL)
    g_hash_table_destroy (st->by_name);
  if (st->metadata != NULL)
    g_hash_table_destroy (st->metadata);
  g_free (st);
}

int
looklab_safetensors_n_tensors (const LookLabSafetensors *st)
{
  return st != NULL ? st->n_tensors : 0;
}

const LookLabTensor *
looklab_safetensors_get (const LookLabSafetensors *st, int index)
{
  if (st == NULL || index < 0 || index >= st->n_tensors)
    return NULL;
  return &st->tensors[index];
}

const LookLabTensor *
looklab_safetensors_find (const LookLabSafetensors *st, const char *name)
{
  if (st == NULL || name == NULL)
    return NULL;
  return g_hash_table_lookup (st->by_name, name);
}

const char *
looklab_safetensors_metadata (const LookLabSafetensors *st, const char *key)
{
  if (st == NULL || key == NULL)
    return NULL;
  return g_hash_table_lookup (st->metadata, key);
}
