/* LookLab core: reading the members of a model's JSON metadata (the CNN
 * graph, the neutralizer's entry) with range checks. */
#ifndef LOOKLAB_JSON_MEMBER_H
#define LOOKLAB_JSON_MEMBER_H

#include <glib.h>
#include <json-glib/json-glib.h>

/* The integer member @key of @obj, within [@lo, @hi], in *@out; @def when
 * it is absent.  FALSE when it is present but not such an integer (a
 * JSON number with a fraction, 2.0 included, is not an integer). */
gboolean looklab_json_member_int (JsonObject *obj, const char *key, int def,
                                  int lo, int hi, int *out);

/* The number member @key of @obj (a JSON integer or real), within [@lo,
 * @hi], in *@out; @def when it is absent.  FALSE when it is present but
 * not such a number. */
gboolean looklab_json_member_double (JsonObject *obj, const char *key,
                                     double def, double lo, double hi,
                                     double *out);

#endif /* LOOKLAB_JSON_MEMBER_H */
