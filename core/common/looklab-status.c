/* LookLab core: status codes and failure details. */
#include "common/looklab-status.h"

#include <stdarg.h>
#include <stdio.h>

/* Marks the status texts for xgettext (po/POTFILES) without making the
 * core depend on gettext: the front ends look their translation up. */
#define N_(text) text

const char *
looklab_strerror (int status)
{
  switch (status)
    {
      case LOOKLAB_OK: return N_ ("success");
      case LOOKLAB_ERR_NOMEM: return N_ ("out of memory");
      case LOOKLAB_ERR_IO: return N_ ("input/output error");
      case LOOKLAB_ERR_PARSE: return N_ ("malformed file");
      case LOOKLAB_ERR_LIMIT: return N_ ("size over the limit");
      case LOOKLAB_ERR_ARG: return N_ ("invalid argument");
      case LOOKLAB_ERR_MISMATCH: return N_ ("inputs do not match");
      case LOOKLAB_ERR_VERSION: return N_ ("unsupported file version");
      case LOOKLAB_ERR_CANCELLED: return N_ ("cancelled");
      case LOOKLAB_ERR_EMPTY: return N_ ("no usable pixels");
      default: return N_ ("unknown error");
    }
}

int
looklab_diag_set (LookLabDiag *diag, int status, int line, const char *fmt, ...)
{
  va_list ap;

  if (diag == NULL)
    return status;

  diag->line = line;
  va_start (ap, fmt);
  vsnprintf (diag->message, sizeof diag->message, fmt, ap);
  va_end (ap);

  return status;
}
