/* LookLab core: sRGB -> CIE Lab (D65) and CIEDE2000.
 *
 * sRGB transfer and primaries: IEC 61966-2-1:1999.  Lab: CIE 15:2004 with
 * the D65 white of the sRGB standard.  CIEDE2000: G. Sharma, W. Wu and
 * E. N. Dalal, "The CIEDE2000 color-difference formula: implementation
 * notes, supplementary test data, and mathematical observations", Color
 * Research & Application 30 (1), 2005; equation numbers below are theirs.
 */
#include "common/colour.h"

#include <math.h>
#include <stddef.h>

/* sRGB EOTF, extended beyond [0, 1]: linear segment below 0 (mirrored),
 * power law above 1, so that out-of-range floats stay monotonic. */
static double
srgb_to_linear (double v)
{
  if (v < 0.0)
    return -srgb_to_linear (-v);
  if (v <= 0.04045)
    return v / 12.92;
  return pow ((v + 0.055) / 1.055, 2.4);
}

static double
lab_f (double t)
{
  /* CIE 15: cube root above (6/29)^3, linear below. */
  const double d = 6.0 / 29.0;

  if (t > d * d * d)
    return cbrt (t);
  return t / (3.0 * d * d) + 4.0 / 29.0;
}

void
looklab_srgb_to_lab (const float rgb[3], double lab[3])
{
  /* D65 white of IEC 61966-2-1 (x = 0.3127, y = 0.3290). */
  const double xn = 0.95047, yn = 1.0, zn = 1.08883;
  double       r = srgb_to_linear (rgb[0]);
  double       g = srgb_to_linear (rgb[1]);
  double       b = srgb_to_linear (rgb[2]);
  double       x = 0.4124564 * r + 0.3575761 * g + 0.1804375 * b;
  double       y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b;
  double       z = 0.0193339 * r + 0.1191920 * g + 0.9503041 * b;
  double       fx = lab_f (x / xn), fy = lab_f (y / yn), fz = lab_f (z / zn);

  lab[0] = 116.0 * fy - 16.0;
  lab[1] = 500.0 * (fx - fy);
  lab[2] = 200.0 * (fy - fz);
}

static double
deg (double rad)
{
  return rad * (180.0 / M_PI);
}

static double
rad (double d)
{
  return d * (M_PI / 180.0);
}

double
looklab_ciede2000 (const double lab1[3], const double lab2[3])
{
  double L1 = lab1[0], a1 = lab1[1], b1 = lab1[2];
  double L2 = lab2[0], a2 = lab2[1], b2 = lab2[2];
  double C1 = hypot (a1, b1), C2 = hypot (a2, b2);
  double Cbar = 0.5 * (C1 + C2);
  double Cbar7 = pow (Cbar, 7.0);
  double G = 0.5 * (1.0 - sqrt (Cbar7 / (Cbar7 + 6103515625.0))); /* 25^7 */
  double a1p = (1.0 + G) * a1, a2p = (1.0 + G) * a2;              /* (3) */
  double C1p = hypot (a1p, b1), C2p = hypot (a2p, b2);            /* (4) */
  double h1p, h2p, dLp, dCp, dhp, dHp, Lbarp, Cbarp, hbarp;
  double T, dtheta, Cbarp7, RC, SL, SC, SH, RT, Lb50;

  /* (5): hue angle in degrees, 0 for achromatic colours. */
  h1p = (b1 == 0.0 && a1p == 0.0) ? 0.0 : deg (atan2 (b1, a1p));
  if (h1p < 0.0)
    h1p += 360.0;
  h2p = (b2 == 0.0 && a2p == 0.0) ? 0.0 : deg (atan2 (b2, a2p));
  if (h2p < 0.0)
    h2p += 360.0;

  dLp = L2 - L1;        /* (8) */
  dCp = C2p - C1p;      /* (9) */
  if (C1p * C2p == 0.0) /* (10) */
    dhp = 0.0;
  else if (fabs (h2p - h1p) <= 180.0)
    dhp = h2p - h1p;
  else if (h2p - h1p > 180.0)
    dhp = h2p - h1p - 360.0;
  else
    dhp = h2p - h1p + 360.0;
  dHp = 2.0 * sqrt (C1p * C2p) * sin (rad (dhp) / 2.0); /* (11) */

  Lbarp = 0.5 * (L1 + L2);   /* (12) */
  Cbarp = 0.5 * (C1p + C2p); /* (13) */
  if (C1p * C2p == 0.0)      /* (14) */
    hbarp = h1p + h2p;
  else if (fabs (h1p - h2p) <= 180.0)
    hbarp = 0.5 * (h1p + h2p);
  else if (h1p + h2p < 360.0)
    hbarp = 0.5 * (h1p + h2p + 360.0);
  else
    hbarp = 0.5 * (h1p + h2p - 360.0);

  T = 1.0 - 0.17 * cos (rad (hbarp - 30.0)) /* (15) */
      + 0.24 * cos (rad (2.0 * hbarp)) + 0.32 * cos (rad (3.0 * hbarp + 6.0))
      - 0.20 * cos (rad (4.0 * hbarp - 63.0));
  dtheta
      = 30.0
        * exp (-((hbarp - 275.0) / 25.0) * ((hbarp - 275.0) / 25.0)); /* (16) */
  Cbarp7 = pow (Cbarp, 7.0);
  RC = 2.0 * sqrt (Cbarp7 / (Cbarp7 + 6103515625.0)); /* (17) */
  Lb50 = (Lbarp - 50.0) * (Lbarp - 50.0);
  SL = 1.0 + 0.015 * Lb50 / sqrt (20.0 + Lb50); /* (18) */
  SC = 1.0 + 0.045 * Cbarp;                     /* (19) */
  SH = 1.0 + 0.015 * Cbarp * T;                 /* (20) */
  RT = -sin (rad (2.0 * dtheta)) * RC;          /* (21) */

  return sqrt ((dLp / SL) * (dLp / SL) + (dCp / SC) * (dCp / SC)
               + (dHp / SH) * (dHp / SH)
               + RT * (dCp / SC) * (dHp / SH)); /* (22) */
}

double
looklab_mean_ciede2000 (const float *a, const float *b, size_t n_pixels,
                        int channels, double *max_out)
{
  double sum = 0.0, max = 0.0;
  size_t i;

  for (i = 0; i < n_pixels; i++)
    {
      double la[3], lb[3], d;

      looklab_srgb_to_lab (a + i * channels, la);
      looklab_srgb_to_lab (b + i * channels, lb);
      d = looklab_ciede2000 (la, lb);
      sum += d;
      if (d > max)
        max = d;
    }
  if (max_out != NULL)
    *max_out = max;
  return n_pixels > 0 ? sum / (double) n_pixels : 0.0;
}
