/* LookLab core: reading the members of a model's JSON metadata. */
#include "nn/json-member.h"

gboolean
looklab_json_member_int (JsonObject *obj, const char *key, int def, int lo,
                         int hi, int *out)
{
  JsonNode *n = json_object_get_member (obj, key);
  gint64    v;

  if (n == NULL)
    {
      *out = def;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (n)
      || json_node_get_value_type (n) != G_TYPE_INT64)
    return FALSE;
  v = json_node_get_int (n);
  if (v < lo || v > hi)
    return FALSE;
  *out = (int) v;
  return TRUE;
}
