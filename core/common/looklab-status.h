/* LookLab core: status codes shared by every core/ function.
 *
 * core/ functions return 0 (LOOKLAB_OK) on success or one of the negative
 * codes below.  Where a failure needs more than a code (the line of a .cube
 * file that is wrong, the tensor that is too big), the function also fills a
 * caller-owned LookLabDiag.  Only plugin/ and ui/ turn these into translated
 * GErrors.
 */
#ifndef LOOKLAB_STATUS_H
#define LOOKLAB_STATUS_H

#include <stddef.h>

typedef enum
{
  LOOKLAB_OK = 0,
  LOOKLAB_ERR_NOMEM = -1,     /* an allocation failed */
  LOOKLAB_ERR_IO = -2,        /* a file could not be opened, read or written */
  LOOKLAB_ERR_PARSE = -3,     /* a file is malformed (see diag->line) */
  LOOKLAB_ERR_LIMIT = -4,     /* a size read from input is over a limit */
  LOOKLAB_ERR_ARG = -5,       /* the caller passed an invalid argument */
  LOOKLAB_ERR_MISMATCH = -6,  /* two inputs that must agree do not (sizes) */
  LOOKLAB_ERR_VERSION = -7,   /* a file of a newer or unknown version */
  LOOKLAB_ERR_CANCELLED = -8, /* a progress callback asked to stop */
  LOOKLAB_ERR_EMPTY = -9      /* no usable samples (all transparent, masked) */
} LookLabStatus;

/* Detail of a failure: where in the input and what, in English.  Callers
 * that do not care pass NULL wherever a LookLabDiag * is taken. */
typedef struct
{
  int  line;         /* 1-based line of a text input, 0 when not relevant */
  char message[256]; /* NUL-terminated; empty when there is no detail */
} LookLabDiag;

/* Returns a static English description of @status; never NULL.  The
 * texts are in po/ (marked in looklab-status.c): a front end that has bound
 * LookLab's gettext domain shows their translation (gettext of the result). */
const char *looklab_strerror (int status);

/* Fills @diag (which may be NULL) with @line and a printf-style message and
 * returns @status, so that a failing branch can be one statement. */
int looklab_diag_set (LookLabDiag *diag, int status, int line, const char *fmt,
                      ...) __attribute__ ((format (printf, 4, 5)));

/* Progress callback of long operations: @fraction in [0, 1].  Returning
 * non-zero cancels the operation, which then returns LOOKLAB_ERR_CANCELLED. */
typedef int (*LookLabProgressFunc) (double fraction, void *user_data);

#endif /* LOOKLAB_STATUS_H */
