/* LookLab core: 3D colour lookup tables and their reference evaluation.
 *
 * looklab_lut_eval () is deliberately plain double-precision code: it is the
 * definition the fast kernels of lut-apply.c are tested against, so it is
 * written to be obviously right rather than fast.  Its clamping rules are
 * the ones of ffmpeg's lut3d (libavfilter/vf_lut3d.c): inputs outside the
 * domain take the value at the lattice edge.
 */
#include "lut/lut.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lut/lut-coord.h"

LookLabLut *
looklab_lut_new (int size)
{
  LookLabLut *lut = NULL;
  size_t      n;

  if (size < LOOKLAB_LUT_MIN_SIZE || size > LOOKLAB_LUT_MAX_SIZE)
    return NULL;

  /* 256^3 * 3 floats is 192 MiB: large but representable in size_t. */
  n = (size_t) size * size * size * 3;

  lut = calloc (1, sizeof (LookLabLut));
  if (lut == NULL)
    return NULL;
  lut->size = size;
  lut->table = malloc (n * sizeof (float));
  if (lut->table == NULL)
    {
      free (lut);
      return NULL;
    }
  for (int c = 0; c < 3; c++)
    {
      lut->domain_min[c] = 0.0f;
      lut->domain_max[c] = 1.0f;
      lut->shaper_min[c] = 0.0f;
      lut->shaper_max[c] = 1.0f;
    }
  return lut;
}

LookLabLut *
looklab_lut_new_identity (int size)
{
  LookLabLut *lut = looklab_lut_new (size);
  float      *p;

  if (lut == NULL)
    return NULL;

  p = lut->table;
  for (int b = 0; b < size; b++)
    for (int g = 0; g < size; g++)
      for (int r = 0; r < size; r++)
        {
          /* Divide in double so that every node is the nearest float to
           * i / (size - 1): the identity then round-trips code values. */
          *p++ = (float) ((double) r / (size - 1));
          *p++ = (float) ((double) g / (size - 1));
          *p++ = (float) ((double) b / (size - 1));
        }
  return lut;
}

void
looklab_lut_free (LookLabLut *lut)
{
  if (lut == NULL)
    return;
  free (lut->table);
  free (lut->shaper);
  free (lut->title);
  free (lut);
}

int
looklab_lut_set_title (LookLabLut *lut, const char *title)
{
  char *copy = NULL;

  if (lut == NULL)
    return LOOKLAB_ERR_ARG;
  if (title != NULL)
    {
      copy = strdup (title);
      if (copy == NULL)
        return LOOKLAB_ERR_NOMEM;
    }
  free (lut->title);
  lut->title = copy;
  return LOOKLAB_OK;
}

double
looklab_lut_coord (const LookLabLut *lut, int c, double v)
{
  int    n = lut->size;
  double x;

  if (lut->shaper_size >= 2 && lut->shaper != NULL)
    {
      int    sn = lut->shaper_size;
      double srange = (double) lut->shaper_max[c] - lut->shaper_min[c];
      double s
          = srange != 0.0 ? (v - lut->shaper_min[c]) / srange * (sn - 1) : 0.0;
      int    i;
      double f;

      /* "!(s > 0)" also sends NaN to the first entry. */
      if (!(s > 0.0))
        s = 0.0;
      if (s > sn - 1)
        s = sn - 1;
      i = (int) s;
      if (i > sn - 2)
        i = sn - 2;
      f = s - i;
      v = lut->shaper[i * 3 + c] * (1.0 - f) + lut->shaper[(i + 1) * 3 + c] * f;
    }

  {
    double range = (double) lut->domain_max[c] - lut->domain_min[c];

    x = range != 0.0 ? (v - lut->domain_min[c]) / range * (n - 1) : 0.0;
  }
  if (!(x > 0.0))
    x = 0.0;
  if (x > n - 1)
    x = n - 1;
  return x;
}

float
looklab_lut_excess (const LookLabLut *lut, int c, float v)
{
  float lo = lut->shaper_size > 0 ? lut->shaper_min[c] : lut->domain_min[c];
  float hi = lut->shaper_size > 0 ? lut->shaper_max[c] : lut->domain_max[c];

  if (!isfinite (v))
    return 0.0f;
  return v < lo ? v - lo : v > hi ? v - hi : 0.0f;
}

void
looklab_lut_eval (const LookLabLut *lut, const float in[3], float out[3])
{
  const int    n = lut->size;
  const float *t = lut->table;
  double       x[3], f[3];
  int          i[3];
  size_t       s[3], base;
  double       c000, c111, ca, cb;

  for (int c = 0; c < 3; c++)
    {
      x[c] = looklab_lut_coord (lut, c, in[c]);
      /* Keep i + 1 inside the lattice: the top node is reached with
       * fraction 1 from the cell below it. */
      i[c] = (int) x[c];
      if (i[c] > n - 2)
        i[c] = n - 2;
      f[c] = x[c] - i[c];
    }
  s[0] = 3;
  s[1] = (size_t) n * 3;
  s[2] = (size_t) n * n * 3;
  base = i[0] * s[0] + i[1] * s[1] + i[2] * s[2];

  /* Tetrahedral interpolation (Kasson, Nin and Plouffe, "Performing color
   * space conversions with three-dimensional linear interpolation", J.
   * Electronic Imaging 4 (3), 1995), split into the six tetrahedra around
   * the cube's main diagonal exactly as ffmpeg's interp_tetrahedral (). */
  for (int c = 0; c < 3; c++)
    {
      const float *p = t + base + c;
      double       fr = f[0], fg = f[1], fb = f[2];
      double       w0, wa, wb, w1;
      size_t       oa, ob;

      if (fr > fg)
        {
          if (fg > fb)
            {
              w0 = 1 - fr;
              wa = fr - fg;
              wb = fg - fb;
              w1 = fb;
              oa = s[0];
              ob = s[0] + s[1];
            }
          else if (fr > fb)
            {
              w0 = 1 - fr;
              wa = fr - fb;
              wb = fb - fg;
              w1 = fg;
              oa = s[0];
              ob = s[0] + s[2];
            }
          else
            {
              w0 = 1 - fb;
              wa = fb - fr;
              wb = fr - fg;
              w1 = fg;
              oa = s[2];
              ob = s[0] + s[2];
            }
        }
      else
        {
          if (fb > fg)
            {
              w0 = 1 - fb;
              wa = fb - fg;
              wb = fg - fr;
              w1 = fr;
              oa = s[2];
              ob = s[1] + s[2];
            }
          else if (fb > fr)
            {
              w0 = 1 - fg;
              wa = fg - fb;
              wb = fb - fr;
              w1 = fr;
              oa = s[1];
              ob = s[1] + s[2];
            }
          else
            {
              w0 = 1 - fg;
              wa = fg - fr;
              wb = fr - fb;
              w1 = fb;
              oa = s[1];
              ob = s[0] + s[1];
            }
        }
      c000 = p[0];
      ca = p[oa];
      cb = p[ob];
      c111 = p[s[0] + s[1] + s[2]];
      out[c] = (float) (w0 * c000 + wa * ca + wb * cb + w1 * c111);
    }
  if (lut->keep_excess)
    for (int c = 0; c < 3; c++)
      out[c] += looklab_lut_excess (lut, c, in[c]);
}
