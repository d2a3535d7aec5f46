/* LookLab core: .cube reader and writer.
 *
 * The format: Adobe's "Cube LUT Specification 1.0" (2013) plus what
 * Resolve writes (LUT_1D_INPUT_RANGE, LUT_3D_INPUT_RANGE, a 1D shaper
 * followed by a 3D table in one file).  Readers in the field disagree on
 * the corners (anchors.md): ffmpeg ignores unknown lines before the data,
 * darktable refuses 1D files, OCIO caps 3D at 129.  We read every variant,
 * ignore unknown keywords before the data as ffmpeg does, and refuse what
 * is ambiguous (a missing or extra triple, a size out of range) naming the
 * line, since a silently misread LUT ruins a grade without a trace.
 */
#include "lut/cube-io.h"

#include "common/atomic-file.h"
#include "common/file-open.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib.h>

#define LOOKLAB_SHAPER_MIN_SIZE 2

/* No real LUT holds numbers this large (HDR domains reach about 1e4); a
 * bound keeps every difference and scale computed from them finite in
 * float. */
#define LOOKLAB_CUBE_MAX_MAGNITUDE 1e9

#define NUMBER_OUT_OF_RANGE (-2)
#define OUT_OF_RANGE_MESSAGE                                                   \
  "line %d: a number is not finite or is beyond 1e9 in magnitude"

/* The UTF-8 byte-order mark some Windows tools put first; ffmpeg's and
 * OCIO's readers skip it. */
#define UTF8_BOM "\xef\xbb\xbf"

typedef struct
{
  const char *cur;
  const char *end;
  int         line;     /* number of the line just returned */
  char        buf[512]; /* the current line, comment removed, trimmed */
} CubeLexer;

/* Returns the next non-empty line in lx->buf, or 0 at the end.  A line too
 * long for buf cannot be a keyword or a triple we would accept. */
static int
lexer_next (CubeLexer *lx, int *too_long)
{
  *too_long = 0;
  while (lx->cur < lx->end)
    {
      const char *start = lx->cur;
      const char *nl = memchr (start, '\n', (size_t) (lx->end - start));
      const char *stop = nl != NULL ? nl : lx->end;
      const char *hash;
      size_t      n;

      lx->cur = nl != NULL ? nl + 1 : lx->end;
      lx->line++;

      hash = memchr (start, '#', (size_t) (stop - start));
      if (hash != NULL)
        stop = hash;
      while (start < stop && g_ascii_isspace (*start))
        start++;
      while (stop > start && g_ascii_isspace (stop[-1]))
        stop--;
      n = (size_t) (stop - start);
      if (n == 0)
        continue;
      if (n >= sizeof lx->buf)
        {
          *too_long = 1;
          return 1;
        }
      memcpy (lx->buf, start, n);
      lx->buf[n] = '\0';
      return 1;
    }
  return 0;
}

/* Parses exactly @count finite numbers separated by blanks from @s.
 * Returns the number parsed, NUMBER_OUT_OF_RANGE when one is not finite or
 * beyond LOOKLAB_CUBE_MAX_MAGNITUDE ("nan", "inf", "1e308": told apart so
 * that the message names the real fault), or -1 when something else is
 * there. */
static int
parse_numbers (const char *s, double *values, int count)
{
  int i;

  for (i = 0; i < count; i++)
    {
      char *endp;

      while (*s == ' ' || *s == '\t')
        s++;
      if (*s == '\0')
        return i;
      values[i] = g_ascii_strtod (s, &endp);
      if (endp == s || (*endp != '\0' && *endp != ' ' && *endp != '\t'))
        return -1;
      if (!(fabs (values[i]) <= LOOKLAB_CUBE_MAX_MAGNITUDE))
        return NUMBER_OUT_OF_RANGE;
      s = endp;
    }
  while (*s == ' ' || *s == '\t')
    s++;
  return *s == '\0' ? count : -1;
}

/* Returns whether @s starts with a number, as "nan", "inf" or "1e5" do
 * though they start with a letter: such a line is data, not a keyword. */
static int
starts_with_number (const char *s)
{
  char *endp;

  g_ascii_strtod (s, &endp);
  return endp != s && (*endp == '\0' || *endp == ' ' || *endp == '\t');
}

/* Returns whether @line starts with keyword @kw followed by a blank or
 * the end, and points *@rest past the blanks. */
static int
keyword_is (const char *line, const char *kw, const char **rest)
{
  size_t n = strlen (kw);

  if (strncmp (line, kw, n) != 0
      || (line[n] != '\0' && line[n] != ' ' && line[n] != '\t'))
    return 0;
  line += n;
  while (*line == ' ' || *line == '\t')
    line++;
  *rest = line;
  return 1;
}

static int
parse_size (const char *rest, int min, int max, int line, const char *kw,
            int *out, LookLabDiag *diag)
{
  char *endp;
  long  v;

  errno = 0;
  v = strtol (rest, &endp, 10);
  while (*endp == ' ' || *endp == '\t')
    endp++;
  if (endp == rest || *endp != '\0' || errno != 0)
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, line,
                             "line %d: %s needs one whole number", line, kw);
  if (v < min || v > max)
    return looklab_diag_set (diag, LOOKLAB_ERR_LIMIT, line,
                             "line %d: %s %ld is outside %d..%d", line, kw, v,
                             min, max);
  *out = (int) v;
  return LOOKLAB_OK;
}

/* Reads DOMAIN_MIN / DOMAIN_MAX: one number per channel. */
static int
parse_triple (const char *rest, int line, const char *kw, float v[3],
              LookLabDiag *diag)
{
  double d[3];
  int    c;

  int n = parse_numbers (rest, d, 3);

  if (n == NUMBER_OUT_OF_RANGE)
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, line,
                             OUT_OF_RANGE_MESSAGE, line);
  if (n != 3)
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, line,
                             "line %d: %s needs three numbers", line, kw);
  for (c = 0; c < 3; c++)
    v[c] = (float) d[c];
  return LOOKLAB_OK;
}

/* Reads Resolve's LUT_*_INPUT_RANGE: "min max", the same for all channels. */
static int
parse_input_range (const char *rest, int line, const char *kw, float min[3],
                   float max[3], LookLabDiag *diag)
{
  double d[2];
  int    c;

  int n = parse_numbers (rest, d, 2);

  if (n == NUMBER_OUT_OF_RANGE)
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, line,
                             OUT_OF_RANGE_MESSAGE, line);
  if (n != 2)
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, line,
                             "line %d: %s needs two numbers", line, kw);
  for (c = 0; c < 3; c++)
    {
      min[c] = (float) d[0];
      max[c] = (float) d[1];
    }
  return LOOKLAB_OK;
}

/* Makes a 1D-only file a shaper in front of a size-2 identity lattice that
 * spans the shaper's output range: a linear function, which both
 * interpolations reproduce exactly, so the curves are kept at their full
 * resolution instead of being resampled into a coarse 3D table. */
static int
lut_from_1d (LookLabLut *lut)
{
  float lo[3], hi[3];
  int   i, c, r, g, b;

  for (c = 0; c < 3; c++)
    {
      lo[c] = hi[c] = lut->shaper[c];
      for (i = 1; i < lut->shaper_size; i++)
        {
          float v = lut->shaper[i * 3 + c];
          lo[c] = v < lo[c] ? v : lo[c];
          hi[c] = v > hi[c] ? v : hi[c];
        }
      if (!(hi[c] > lo[c]))
        hi[c] = lo[c] + 1.0f; /* a constant curve: any span is exact */
    }

  lut->table = malloc (8 * 3 * sizeof (float));
  if (lut->table == NULL)
    return LOOKLAB_ERR_NOMEM;
  lut->size = 2;
  for (b = 0; b < 2; b++)
    for (g = 0; g < 2; g++)
      for (r = 0; r < 2; r++)
        {
          float *e = lut->table + ((b * 2 + g) * 2 + r) * 3;
          e[0] = r ? hi[0] : lo[0];
          e[1] = g ? hi[1] : lo[1];
          e[2] = b ? hi[2] : lo[2];
        }
  for (c = 0; c < 3; c++)
    {
      lut->domain_min[c] = lo[c];
      lut->domain_max[c] = hi[c];
    }
  return LOOKLAB_OK;
}

int
looklab_cube_parse (const char *data, size_t len, LookLabLut **out,
                    LookLabDiag *diag)
{
  CubeLexer   lx = { data, data + len, 0, { 0 } };
  LookLabLut *lut = NULL;
  char       *title = NULL;
  int         size_3d = 0, size_1d = 0;
  int         have_range_1d = 0, have_range_3d = 0;
  float       dmin[3] = { 0, 0, 0 }, dmax[3] = { 1, 1, 1 };
  float       r1min[3] = { 0, 0, 0 }, r1max[3] = { 1, 1, 1 };
  float       r3min[3] = { 0, 0, 0 }, r3max[3] = { 1, 1, 1 };
  size_t      n_1d = 0, n_3d = 0, got_1d = 0, got_3d = 0;
  int         in_data = 0, too_long, status = LOOKLAB_OK, c;

  if (out == NULL || (data == NULL && len > 0))
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0, "no output given");
  *out = NULL;

  /* Text only: a NUL byte means an image, a look file whose magic is
   * damaged, or other binary data, better named than a syntax error. */
  if (len > 0 && memchr (data, '\0', len) != NULL)
    return looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                             "binary data, not a .cube text file (an image, "
                             "or a damaged look file?)");
  if (len >= 3 && memcmp (data, UTF8_BOM, 3) == 0)
    lx.cur += 3;

  while (lexer_next (&lx, &too_long))
    {
      const char *s = lx.buf, *rest;
      double      v[3];
      int         n_values;

      if (too_long)
        {
          status = looklab_diag_set (diag, LOOKLAB_ERR_PARSE, lx.line,
                                     "line %d is too long", lx.line);
          goto out;
        }

      if (g_ascii_isalpha (*s) && !starts_with_number (s))
        {
          if (in_data)
            {
              status = looklab_diag_set (
                  diag, LOOKLAB_ERR_PARSE, lx.line,
                  "line %d: keyword after the table data", lx.line);
              goto out;
            }
          if (keyword_is (s, "TITLE", &rest))
            {
              size_t n = strlen (rest);
              if (n >= 2 && rest[0] == '"' && rest[n - 1] == '"')
                {
                  rest++;
                  n -= 2;
                }
              g_free (title);
              title = g_strndup (rest, n);
            }
          else if (keyword_is (s, "LUT_3D_SIZE", &rest))
            {
              if (size_3d != 0)
                {
                  status = looklab_diag_set (diag, LOOKLAB_ERR_PARSE, lx.line,
                                             "line %d: second LUT_3D_SIZE",
                                             lx.line);
                  goto out;
                }
              status = parse_size (rest, LOOKLAB_LUT_MIN_SIZE,
                                   LOOKLAB_LUT_MAX_SIZE, lx.line, "LUT_3D_SIZE",
                                   &size_3d, diag);
            }
          else if (keyword_is (s, "LUT_1D_SIZE", &rest))
            {
              if (size_1d != 0)
                {
                  status = looklab_diag_set (diag, LOOKLAB_ERR_PARSE, lx.line,
                                             "line %d: second LUT_1D_SIZE",
                                             lx.line);
                  goto out;
                }
              status = parse_size (rest, LOOKLAB_SHAPER_MIN_SIZE,
                                   LOOKLAB_SHAPER_MAX_SIZE, lx.line,
                                   "LUT_1D_SIZE", &size_1d, diag);
            }
          else if (keyword_is (s, "DOMAIN_MIN", &rest))
            {
              status = parse_triple (rest, lx.line, "DOMAIN_MIN", dmin, diag);
            }
          else if (keyword_is (s, "DOMAIN_MAX", &rest))
            {
              status = parse_triple (rest, lx.line, "DOMAIN_MAX", dmax, diag);
            }
          else if (keyword_is (s, "LUT_1D_INPUT_RANGE", &rest))
            {
              status = parse_input_range (rest, lx.line, "LUT_1D_INPUT_RANGE",
                                          r1min, r1max, diag);
              have_range_1d = 1;
            }
          else if (keyword_is (s, "LUT_3D_INPUT_RANGE", &rest))
            {
              status = parse_input_range (rest, lx.line, "LUT_3D_INPUT_RANGE",
                                          r3min, r3max, diag);
              have_range_3d = 1;
            }
          /* Other keywords (LUT_IN_VIDEO_RANGE and vendors' own) are
           * ignored before the data, as ffmpeg and Resolve do. */
          if (status != LOOKLAB_OK)
            goto out;
          continue;
        }

      /* A data line. */
      if (!in_data)
        {
          in_data = 1;
          if (size_3d == 0 && size_1d == 0)
            {
              status = looklab_diag_set (
                  diag, LOOKLAB_ERR_PARSE, lx.line,
                  "line %d: table data before LUT_3D_SIZE or LUT_1D_SIZE",
                  lx.line);
              goto out;
            }
          lut = calloc (1, sizeof *lut);
          if (lut == NULL)
            {
              status = LOOKLAB_ERR_NOMEM;
              goto out;
            }
          n_1d = (size_t) size_1d;
          n_3d = (size_t) size_3d * size_3d * size_3d;
          if (n_1d > 0)
            {
              lut->shaper = malloc (n_1d * 3 * sizeof (float));
              lut->shaper_size = size_1d;
            }
          if (n_3d > 0)
            {
              lut->table = malloc (n_3d * 3 * sizeof (float));
              lut->size = size_3d;
            }
          if ((n_1d > 0 && lut->shaper == NULL)
              || (n_3d > 0 && lut->table == NULL))
            {
              status = LOOKLAB_ERR_NOMEM;
              goto out;
            }
        }

      n_values = parse_numbers (s, v, 3);
      if (n_values == NUMBER_OUT_OF_RANGE)
        {
          status = looklab_diag_set (diag, LOOKLAB_ERR_PARSE, lx.line,
                                     OUT_OF_RANGE_MESSAGE, lx.line);
          goto out;
        }
      if (n_values != 3)
        {
          status
              = looklab_diag_set (diag, LOOKLAB_ERR_PARSE, lx.line,
                                  "line %d: expected three numbers", lx.line);
          goto out;
        }
      /* Resolve order: the 1D shaper comes first, then the 3D table. */
      if (got_1d < n_1d)
        {
          for (c = 0; c < 3; c++)
            lut->shaper[got_1d * 3 + c] = (float) v[c];
          got_1d++;
        }
      else if (got_3d < n_3d)
        {
          for (c = 0; c < 3; c++)
            lut->table[got_3d * 3 + c] = (float) v[c];
          got_3d++;
        }
      else
        {
          status = looklab_diag_set (diag, LOOKLAB_ERR_PARSE, lx.line,
                                     "line %d: more table entries than the "
                                     "declared size",
                                     lx.line);
          goto out;
        }
    }

  if (!in_data)
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_PARSE, lx.line,
                                 size_3d || size_1d
                                     ? "the file ends before its table"
                                     : "no LUT_3D_SIZE or LUT_1D_SIZE "
                                       "(not a .cube file?)");
      goto out;
    }
  if (got_1d < n_1d || got_3d < n_3d)
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_PARSE, lx.line,
                                 "the file ends after %zu of %zu table "
                                 "entries",
                                 got_1d + got_3d, n_1d + n_3d);
      goto out;
    }

  /* Where the domain comes from: DOMAIN_* (Adobe) apply to the one table
   * of the file; *_INPUT_RANGE (Resolve) name their table. */
  if (n_3d > 0)
    {
      for (c = 0; c < 3; c++)
        {
          lut->domain_min[c] = have_range_3d ? r3min[c] : dmin[c];
          lut->domain_max[c] = have_range_3d ? r3max[c] : dmax[c];
        }
    }
  if (n_1d > 0)
    {
      int adobe_1d = n_3d == 0 && !have_range_1d;
      for (c = 0; c < 3; c++)
        {
          lut->shaper_min[c] = adobe_1d ? dmin[c] : r1min[c];
          lut->shaper_max[c] = adobe_1d ? dmax[c] : r1max[c];
        }
    }
  for (c = 0; c < 3; c++)
    {
      if ((n_3d > 0 && !(lut->domain_max[c] > lut->domain_min[c]))
          || (n_1d > 0 && !(lut->shaper_max[c] > lut->shaper_min[c])))
        {
          status = looklab_diag_set (diag, LOOKLAB_ERR_PARSE, 0,
                                     "the input range's maximum is not above "
                                     "its minimum");
          goto out;
        }
    }
  if (n_3d == 0)
    {
      status = lut_from_1d (lut);
      if (status != LOOKLAB_OK)
        goto out;
    }

  lut->title = title;
  title = NULL;
  *out = lut;
  lut = NULL;

out:
  g_free (title);
  looklab_lut_free (lut);
  return status;
}

int
looklab_cube_read (const char *path, LookLabLut **out, LookLabDiag *diag)
{
  FILE       *fp = NULL;
  char       *data = NULL;
  struct stat st;
  size_t      len;
  int         status;

  if (out == NULL || path == NULL)
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0, "no file given");
  *out = NULL;

  status = looklab_file_open_regular (path, &fp, &st, diag);
  if (status != LOOKLAB_OK)
    return status;
  if ((unsigned long long) st.st_size > LOOKLAB_CUBE_MAX_BYTES)
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_LIMIT, 0,
                                 "%s is larger than %zu bytes", path,
                                 (size_t) LOOKLAB_CUBE_MAX_BYTES);
      goto out;
    }
  len = (size_t) st.st_size;
  data = malloc (len > 0 ? len : 1);
  if (data == NULL)
    {
      status = LOOKLAB_ERR_NOMEM;
      goto out;
    }
  if (fread (data, 1, len, fp) != len)
    {
      status
          = looklab_diag_set (diag, LOOKLAB_ERR_IO, 0, "cannot read %s", path);
      goto out;
    }
  status = looklab_cube_parse (data, len, out, diag);

out:
  free (data);
  fclose (fp);
  return status;
}

/* Formats @v with the fewest decimals (fixed point, which every reader
 * takes) that read back as the same float, so that write -> read is
 * lossless; exponent notation only for magnitudes fixed point cannot
 * carry in 12 decimals. */
static void
format_float (char *buf, size_t size, float v)
{
  int decimals;

  if (v == 0.0f)
    v = 0.0f; /* no "-0.000000" */
  for (decimals = 6; decimals <= 12; decimals++)
    {
      snprintf (buf, size, "%.*f", decimals, (double) v);
      if ((float) g_ascii_strtod (buf, NULL) == v)
        return;
    }
  snprintf (buf, size, "%.9g", (double) v);
}

/* Returns 0, or the errno of the first failed write (the stream's error
 * flag alone does not say why). */
static int
write_triples (FILE *fp, const float *values, size_t n)
{
  char   r[48], g[48], b[48];
  size_t i;

  for (i = 0; i < n; i++)
    {
      format_float (r, sizeof r, values[i * 3]);
      format_float (g, sizeof g, values[i * 3 + 1]);
      format_float (b, sizeof b, values[i * 3 + 2]);
      if (fprintf (fp, "%s %s %s\n", r, g, b) < 0)
        return errno != 0 ? errno : EIO;
    }
  return 0;
}

static int
same_for_all_channels (const float v[3])
{
  return v[0] == v[1] && v[1] == v[2];
}

int
looklab_cube_write (const LookLabLut *lut, const char *path, LookLabDiag *diag)
{
  LookLabAtomicFile af;
  FILE             *fp;
  int               status, c;
  char              a[48], b[48], d[48];

  if (lut == NULL || path == NULL || lut->table == NULL
      || lut->size < LOOKLAB_LUT_MIN_SIZE || lut->size > LOOKLAB_LUT_MAX_SIZE)
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0, "no LUT to write");
  if (lut->shaper_size > 0
      && (!same_for_all_channels (lut->shaper_min)
          || !same_for_all_channels (lut->shaper_max)
          || !same_for_all_channels (lut->domain_min)
          || !same_for_all_channels (lut->domain_max)))
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0,
                             "a LUT with a shaper and per-channel ranges "
                             "cannot be written as .cube");

  status = looklab_atomic_file_open (&af, path, diag);
  if (status != LOOKLAB_OK)
    return status;
  fp = af.fp;

  if (lut->title != NULL)
    {
      /* A quote or a line break would end the title early for readers. */
      gchar *t = g_strdup (lut->title);
      g_strdelimit (t, "\"\r\n", '\'');
      fprintf (fp, "TITLE \"%s\"\n", t);
      g_free (t);
    }
  fprintf (fp, "# Created by LookLab\n");
  if (lut->shaper_size > 0)
    {
      format_float (a, sizeof a, lut->shaper_min[0]);
      format_float (b, sizeof b, lut->shaper_max[0]);
      fprintf (fp, "LUT_1D_SIZE %d\nLUT_1D_INPUT_RANGE %s %s\n",
               lut->shaper_size, a, b);
      format_float (a, sizeof a, lut->domain_min[0]);
      format_float (b, sizeof b, lut->domain_max[0]);
      fprintf (fp, "LUT_3D_SIZE %d\nLUT_3D_INPUT_RANGE %s %s\n", lut->size, a,
               b);
      looklab_atomic_file_set_error (
          &af, write_triples (fp, lut->shaper, (size_t) lut->shaper_size));
    }
  else
    {
      fprintf (fp, "LUT_3D_SIZE %d\n", lut->size);
      for (c = 0; c < 2; c++)
        {
          const float *v = c == 0 ? lut->domain_min : lut->domain_max;
          format_float (a, sizeof a, v[0]);
          format_float (b, sizeof b, v[1]);
          format_float (d, sizeof d, v[2]);
          fprintf (fp, "%s %s %s %s\n", c == 0 ? "DOMAIN_MIN" : "DOMAIN_MAX", a,
                   b, d);
        }
    }
  if (af.errnum == 0)
    looklab_atomic_file_set_error (
        &af, write_triples (fp, lut->table,
                            (size_t) lut->size * lut->size * lut->size));
  return looklab_atomic_file_commit (&af, diag);
}
