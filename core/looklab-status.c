/* LookLab core: status codes and failure details. */
#include "looklab-status.h"

#include <stdarg.h>
#include <stdio.h>

const char *
looklab_strerror (int status)
{
  switch (status)
    {
      case LOOKLAB_OK: return "success";
      case LOOKLAB_ERR_NOMEM: return "out of memory";
      case LOOKLAB_ERR_IO: return "input/output error";
      case LOOKLAB_ERR_PARSE: return "malformed file";
      case LOOKLAB_ERR_LIMIT: return "size over the limit";
      case LOOKLAB_ERR_ARG: return "invalid argument";
      case LOOKLAB_ERR_MISMATCH: return "inputs do not match";
      case LOOKLAB_ERR_VERSION: return "unsupported file version";
      case LOOKLAB_ERR_CANCELLED: return "cancelled";
      case LOOKLAB_ERR_EMPTY: return "no usable pixels";
      default: return "unknown error";
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
