/* Test helper: builds safetensors bytes in memory, so that each malformed
 * case is written out in the test itself. */
#ifndef LOOKLAB_TEST_ST_BUILD_H
#define LOOKLAB_TEST_ST_BUILD_H

#include <stdint.h>
#include <string.h>

#include <glib.h>

/* Returns (free with g_free) the u64 little-endian length of @header,
 * @header itself, then @data_len bytes of @data. */
static inline guint8 *
st_build (const char *header, const void *data, size_t data_len, size_t *len)
{
  size_t  hlen = strlen (header);
  guint64 le = GUINT64_TO_LE ((guint64) hlen);
  guint8 *buf = g_malloc (8 + hlen + data_len + 1);

  memcpy (buf, &le, 8);
  memcpy (buf + 8, header, hlen);
  if (data_len > 0)
    memcpy (buf + 8 + hlen, data, data_len);
  *len = 8 + hlen + data_len;
  return buf;
}

typedef struct
{
  const char  *name;
  int          rank;
  int64_t      shape[4];
  const float *data; /* NULL: filled with 0.01 * (i % 17) - 0.08 */
} StTensor;

/* Builds a LookLab model file: the tensors as F32 and @graph (JSON text)
 * as the looklab.graph metadata. */
static inline guint8 *
st_build_model (const char *graph, const StTensor *tensors, int n, size_t *len)
{
  GString    *h = g_string_new ("{\"__metadata__\":{\"looklab.format\":"
                                   "\"looklab-cnn\",\"looklab.version\":\"1\","
                                   "\"looklab.graph\":\"");
  GByteArray *data = g_byte_array_new ();
  char       *esc = g_strescape (graph, NULL);
  guint8     *out;
  int         i, d;

  g_string_append (h, esc);
  g_string_append (h, "\"}");
  g_free (esc);
  for (i = 0; i < n; i++)
    {
      int64_t count = 1;
      size_t  begin = data->len;
      int64_t k;

      g_string_append_printf (h, ",\"%s\":{\"dtype\":\"F32\",\"shape\":[",
                              tensors[i].name);
      for (d = 0; d < tensors[i].rank; d++)
        {
          g_string_append_printf (h, "%s%lld", d ? "," : "",
                                  (long long) tensors[i].shape[d]);
          count *= tensors[i].shape[d];
        }
      for (k = 0; k < count; k++)
        {
          float v = tensors[i].data != NULL ? tensors[i].data[k]
                                            : 0.01f * (float) (k % 17) - 0.08f;

          g_byte_array_append (data, (const guint8 *) &v, 4);
        }
      g_string_append_printf (h, "],\"data_offsets\":[%zu,%u]}", begin,
                              data->len);
    }
  g_string_append (h, "}");
  out = st_build (h->str, data->data, data->len, len);
  g_string_free (h, TRUE);
  g_byte_array_free (data, TRUE);
  return out;
}

#endif /* LOOKLAB_TEST_ST_BUILD_H */
