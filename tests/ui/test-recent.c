/* tests/ui/test-recent.c: the Apply dialog's list of recent looks
 * (ui/looklab-recent.c): newest first, no duplicates, bounded. */
#include "looklab-recent.h"

typedef struct
{
  const gchar *list;
  const gchar *uri;
  gint         max;
  const gchar *want;
} Case;

static const Case cases[] = {
  { NULL, "file:///a.cube", 8, "file:///a.cube" },
  { "", "file:///a.cube", 8, "file:///a.cube" },
  { "file:///a.cube", "file:///b.cube", 8, "file:///b.cube\nfile:///a.cube" },
  /* the same look again moves to the front, once */
  { "file:///b.cube\nfile:///a.cube", "file:///a.cube", 8,
    "file:///a.cube\nfile:///b.cube" },
  /* the oldest falls off */
  { "file:///c\nfile:///b\nfile:///a", "file:///d", 3,
    "file:///d\nfile:///c\nfile:///b" },
  /* empty lines (a hand-edited settings file) are dropped */
  { "\n\nfile:///a\n", "file:///b", 8, "file:///b\nfile:///a" },
};

static void
test_push (gconstpointer data)
{
  const Case *c = data;
  gchar      *got = looklab_recent_push (c->list, c->uri, c->max);

  g_assert_cmpstr (got, ==, c->want);
  g_free (got);
}

int
main (int argc, char **argv)
{
  guint i;

  g_test_init (&argc, &argv, NULL);
  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gchar *name = g_strdup_printf ("/recent/push/%u", i);

      g_test_add_data_func (name, &cases[i], test_push);
      g_free (name);
    }
  return g_test_run ();
}
