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

gboolean
looklab_json_member_double (JsonObject *obj, const char *key, double def,
                            double lo, double hi, double *out)
{
  JsonNode *n = json_object_get_member (obj, key);
  double    v;
  GType     t;

  if (n == NULL)
    {
      *out = def;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (n))
    return FALSE;
  t = json_node_get_value_type (n);
  if (t == G_TYPE_INT64)
    v = (double) json_node_get_int (n);
  else if (t == G_TYPE_DOUBLE)
    v = json_node_get_double (n);
  else
    return FALSE;
  if (!(v >= lo && v <= hi))
    return FALSE;
  *out = v;
  return TRUE;
}
