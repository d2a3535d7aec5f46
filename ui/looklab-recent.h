/* The Apply dialog's list of recently used looks (looklab-recent.c). */
#ifndef LOOKLAB_RECENT_H
#define LOOKLAB_RECENT_H

#include <glib.h>

/* The auxiliary argument of plug-in-looklab-apply that holds the list. */
#define LOOKLAB_RECENT_ARG "recent-looks"

/* How many looks the list keeps. */
#define LOOKLAB_RECENT_MAX 8

/* Returns a new list (g_free) with @uri first, then the URIs of @list
 * (newline-separated, may be NULL or empty) without @uri, at most @max in
 * all. */
gchar *looklab_recent_push (const gchar *list, const gchar *uri, gint max);

#endif /* LOOKLAB_RECENT_H */
