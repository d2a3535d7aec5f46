/* Tests of core/common/colour.c: CIEDE2000 against the supplementary test data
 * of Sharma, Wu and Dalal (2005), Table 1, and sRGB -> Lab against the
 * Lab values of the sRGB primaries. */
#include <math.h>

#include <glib.h>

#include "common/colour.h"

typedef struct
{
  double lab1[3];
  double lab2[3];
  double de00;
} SharmaPair;

/* All 34 pairs of Sharma et al. 2005, Table 1. */
static const SharmaPair sharma[] = {
  { { 50.0000, 2.6772, -79.7751 }, { 50.0000, 0.0000, -82.7485 }, 2.0425 },
  { { 50.0000, 3.1571, -77.2803 }, { 50.0000, 0.0000, -82.7485 }, 2.8615 },
  { { 50.0000, 2.8361, -74.0200 }, { 50.0000, 0.0000, -82.7485 }, 3.4412 },
  { { 50.0000, -1.3802, -84.2814 }, { 50.0000, 0.0000, -82.7485 }, 1.0000 },
  { { 50.0000, -1.1848, -84.8006 }, { 50.0000, 0.0000, -82.7485 }, 1.0000 },
  { { 50.0000, -0.9009, -85.5211 }, { 50.0000, 0.0000, -82.7485 }, 1.0000 },
  { { 50.0000, 0.0000, 0.0000 }, { 50.0000, -1.0000, 2.0000 }, 2.3669 },
  { { 50.0000, -1.0000, 2.0000 }, { 50.0000, 0.0000, 0.0000 }, 2.3669 },
  { { 50.0000, 2.4900, -0.0010 }, { 50.0000, -2.4900, 0.0009 }, 7.1792 },
  { { 50.0000, 2.4900, -0.0010 }, { 50.0000, -2.4900, 0.0010 }, 7.1792 },
  { { 50.0000, 2.4900, -0.0010 }, { 50.0000, -2.4900, 0.0011 }, 7.2195 },
  { { 50.0000, 2.4900, -0.0010 }, { 50.0000, -2.4900, 0.0012 }, 7.2195 },
  { { 50.0000, -0.0010, 2.4900 }, { 50.0000, 0.0009, -2.4900 }, 4.8045 },
  { { 50.0000, -0.0010, 2.4900 }, { 50.0000, 0.0010, -2.4900 }, 4.8045 },
  { { 50.0000, -0.0010, 2.4900 }, { 50.0000, 0.0011, -2.4900 }, 4.7461 },
  { { 50.0000, -0.0010, 2.4900 }, { 50.0000, 0.0012, -2.4900 }, 4.7461 },
  { { 50.0000, 2.5000, 0.0000 }, { 50.0000, 0.0000, -2.5000 }, 4.3065 },
  { { 50.0000, 2.5000, 0.0000 }, { 73.0000, 25.0000, -18.0000 }, 27.1492 },
  { { 50.0000, 2.5000, 0.0000 }, { 61.0000, -5.0000, 29.0000 }, 22.8977 },
  { { 50.0000, 2.5000, 0.0000 }, { 56.0000, -27.0000, -3.0000 }, 31.9030 },
  { { 50.0000, 2.5000, 0.0000 }, { 58.0000, 24.0000, 15.0000 }, 19.4535 },
  { { 50.0000, 2.5000, 0.0000 }, { 50.0000, 3.1736, 0.5854 }, 1.0000 },
  { { 50.0000, 2.5000, 0.0000 }, { 50.0000, 3.2972, 0.0000 }, 1.0000 },
  { { 50.0000, 2.5000, 0.0000 }, { 50.0000, 1.8634, 0.5757 }, 1.0000 },
  { { 50.0000, 2.5000, 0.0000 }, { 50.0000, 3.2592, 0.3350 }, 1.0000 },
  { { 60.2574, -34.0099, 36.2677 }, { 60.4626, -34.1751, 39.4387 }, 1.2644 },
  { { 63.0109, -31.0961, -5.8663 }, { 62.8187, -29.7946, -4.0864 }, 1.2630 },
  { { 61.2901, 3.7196, -5.3901 }, { 61.4292, 2.2480, -4.9620 }, 1.8731 },
  { { 35.0831, -44.1164, 3.7933 }, { 35.0232, -40.0716, 1.5901 }, 1.8645 },
  { { 22.7233, 20.0904, -46.6940 }, { 23.0331, 14.9730, -42.5619 }, 2.0373 },
  { { 36.4612, 47.8580, 18.3852 }, { 36.2715, 50.5065, 21.2231 }, 1.4146 },
  { { 90.8027, -2.0831, 1.4410 }, { 91.1528, -1.6435, 0.0447 }, 1.4441 },
  { { 90.9257, -0.5406, -0.9208 }, { 88.6381, -0.8985, -0.7239 }, 1.5381 },
  { { 6.7747, -0.2908, -2.4247 }, { 5.8714, -0.0985, -2.2286 }, 0.6377 },
  { { 2.0776, 0.0795, -1.1350 }, { 0.9033, -0.0636, -0.5514 }, 0.9082 },
};

static void
test_sharma_pair (gconstpointer data)
{
  const SharmaPair *p = data;
  double            d = looklab_ciede2000 (p->lab1, p->lab2);
  double            e = looklab_ciede2000 (p->lab2, p->lab1);

  /* The table gives 4 decimals. */
  g_assert_cmpfloat_with_epsilon (d, p->de00, 1e-4);
  /* CIEDE2000 is symmetric. */
  g_assert_cmpfloat_with_epsilon (d, e, 1e-9);
}

static void
test_identical_is_zero (void)
{
  const double lab[3] = { 50.0, 10.0, -20.0 };

  g_assert_cmpfloat (looklab_ciede2000 (lab, lab), ==, 0.0);
}

typedef struct
{
  float  rgb[3];
  double lab[3];
} LabCase;

/* sRGB primaries and white in Lab D65 (B. Lindbloom's calculator, to 0.01). */
static const LabCase lab_cases[] = {
  { { 0, 0, 0 }, { 0.0, 0.0, 0.0 } },
  { { 1, 1, 1 }, { 100.0, 0.0, 0.0 } },
  { { 1, 0, 0 }, { 53.24, 80.09, 67.20 } },
  { { 0, 1, 0 }, { 87.73, -86.18, 83.18 } },
  { { 0, 0, 1 }, { 32.30, 79.19, -107.86 } },
  { { 1, 1, 0 }, { 97.14, -21.55, 94.48 } },
};

static void
test_srgb_to_lab (gconstpointer data)
{
  const LabCase *c = data;
  double         lab[3];
  int            k;

  looklab_srgb_to_lab (c->rgb, lab);
  for (k = 0; k < 3; k++)
    g_assert_cmpfloat_with_epsilon (lab[k], c->lab[k], 0.02);
}

static void
test_grey_is_achromatic (void)
{
  int v;

  for (v = 0; v <= 255; v += 15)
    {
      float  rgb[3] = { v / 255.0f, v / 255.0f, v / 255.0f };
      double lab[3];

      looklab_srgb_to_lab (rgb, lab);
      g_assert_cmpfloat (fabs (lab[1]), <, 1e-3);
      g_assert_cmpfloat (fabs (lab[2]), <, 1e-3);
    }
}

static void
test_mean_ciede2000 (void)
{
  /* Two pixels: one identical, one pure red vs pure blue; RGBA layout. */
  const float a[8] = { 0.5f, 0.5f, 0.5f, 1.0f, 1.0f, 0.0f, 0.0f, 1.0f };
  const float b[8] = { 0.5f, 0.5f, 0.5f, 0.0f, 0.0f, 0.0f, 1.0f, 0.0f };
  double      la[3], lb[3], d, max = -1.0;
  float       red[3] = { 1, 0, 0 }, blue[3] = { 0, 0, 1 };

  looklab_srgb_to_lab (red, la);
  looklab_srgb_to_lab (blue, lb);
  d = looklab_ciede2000 (la, lb);
  g_assert_cmpfloat_with_epsilon (looklab_mean_ciede2000 (a, b, 2, 4, &max),
                                  d / 2.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (max, d, 1e-9);
  g_assert_cmpfloat (looklab_mean_ciede2000 (a, b, 0, 4, NULL), ==, 0.0);
}

int
main (int argc, char **argv)
{
  gsize i;

  g_test_init (&argc, &argv, NULL);
  for (i = 0; i < G_N_ELEMENTS (sharma); i++)
    {
      char *name
          = g_strdup_printf ("/colour/ciede2000/sharma-%02u", (unsigned) i + 1);

      g_test_add_data_func (name, &sharma[i], test_sharma_pair);
      g_free (name);
    }
  g_test_add_func ("/colour/ciede2000/identical", test_identical_is_zero);
  for (i = 0; i < G_N_ELEMENTS (lab_cases); i++)
    {
      char *name = g_strdup_printf ("/colour/srgb-to-lab/%u", (unsigned) i);

      g_test_add_data_func (name, &lab_cases[i], test_srgb_to_lab);
      g_free (name);
    }
  g_test_add_func ("/colour/srgb-to-lab/grey", test_grey_is_achromatic);
  g_test_add_func ("/colour/mean-ciede2000", test_mean_ciede2000);
  return g_test_run ();
}
