/* LookLab GIMP 3 plug-in: core status codes as translated GErrors. */
#include <glib/gi18n.h>

#include "looklab-plugin.h"

void
looklab_set_core_error (GError **error, int status, const LookLabDiag *diag,
                        const gchar *what)
{
  const gchar *detail = "";
  gchar       *sentence;

  if (diag != NULL && diag->message[0] != '\0')
    detail = diag->message;
  if (what == NULL)
    what = _ ("the look");

  switch (status)
    {
      case LOOKLAB_ERR_NOMEM:
        sentence
            = g_strdup_printf (_ ("Not enough memory to process %s."), what);
        break;

      case LOOKLAB_ERR_IO:
        sentence = g_strdup_printf (_ ("Could not read or write '%s'."), what);
        break;

      case LOOKLAB_ERR_PARSE:
        if (diag != NULL && diag->line > 0)
          /* TRANSLATORS: %s is a file name, %d a line number in it */
          sentence = g_strdup_printf (_ ("'%s' is not a valid .cube or look "
                                         "file: line %d is wrong."),
                                      what, diag->line);
        else
          sentence = g_strdup_printf (_ ("'%s' is not a valid .cube or look "
                                         "file."),
                                      what);
        break;

      case LOOKLAB_ERR_LIMIT:
        sentence = g_strdup_printf (_ ("'%s' is larger than LookLab accepts."),
                                    what);
        break;

      case LOOKLAB_ERR_VERSION:
        sentence = g_strdup_printf (_ ("'%s' was written by a newer version of "
                                       "LookLab."),
                                    what);
        break;

      case LOOKLAB_ERR_MISMATCH:
        sentence = g_strdup (_ ("The before and after layers must have the "
                                "same size."));
        break;

      case LOOKLAB_ERR_EMPTY:
        sentence = g_strdup (_ ("There are no usable pixels to learn from "
                                "(all transparent or outside the selection)."));
        break;

      case LOOKLAB_ERR_CANCELLED: sentence = g_strdup (_ ("Cancelled.")); break;

      case LOOKLAB_ERR_ARG:
      default:
        sentence = g_strdup_printf (_ ("LookLab could not process %s (%s)."),
                                    what, _ (looklab_strerror (status)));
        break;
    }

  if (detail[0] != '\0')
    g_set_error (error, GIMP_PLUG_IN_ERROR, 0, "%s\n%s", sentence, detail);
  else
    g_set_error_literal (error, GIMP_PLUG_IN_ERROR, 0, sentence);

  g_free (sentence);
}
