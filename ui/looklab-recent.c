/* The Apply dialog's list of recently used looks.
 *
 * Kept in the procedure's own auxiliary argument "recent-looks" (one URI a
 * line, newest first), which GimpProcedureConfig saves with the other
 * last-used values after an interactive run that succeeded, so the list
 * lives where GIMP keeps every plug-in's settings and scripts never see it.
 * GLib only, so that tests/ui/test-recent.c checks it alone.
 */
#include <string.h>

#include "looklab-recent.h"

gchar *
looklab_recent_push (const gchar *list, const gchar *uri, gint max)
{
  GString *out = g_string_new (uri);
  gchar  **old = g_strsplit (list != NULL ? list : "", "\n", -1);
  gint     kept = 1, i;

  for (i = 0; old[i] != NULL && kept < max; i++)
    {
      if (*old[i] == '\0' || strcmp (old[i], uri) == 0)
        continue;
      g_string_append_c (out, '\n');
      g_string_append (out, old[i]);
      kept++;
    }
  g_strfreev (old);
  return g_string_free (out, FALSE);
}
