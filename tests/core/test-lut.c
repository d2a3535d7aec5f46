/* Tests of core/lut/lut.c: construction, titles, and the double-precision
 * reference evaluation (looklab_lut_eval) that the fast paths are tested
 * against.  Interpolation is checked through what it must reproduce
 * whatever the tetrahedron: lattice nodes, and affine maps. */
#include <math.h>
#include <string.h>

#include <glib.h>

#include "lut/lut.h"

static void
test_new_sizes (void)
{
  static const struct
  {
    int      size;
    gboolean ok;
  } cases[] = {
    { -1, FALSE }, { 0, FALSE },   { 1, FALSE },      { 2, TRUE },
    { 33, TRUE },  { 257, FALSE }, { 100000, FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      LookLabLut *lut = looklab_lut_new (cases[i].size);
      LookLabLut *id = looklab_lut_new_identity (cases[i].size);

      g_assert_true ((lut != NULL) == cases[i].ok);
      g_assert_true ((id != NULL) == cases[i].ok);
      if (lut != NULL)
        {
          g_assert_cmpint (lut->size, ==, cases[i].size);
          g_assert_cmpint (lut->shaper_size, ==, 0);
          g_assert_null (lut->title);
          for (int c = 0; c < 3; c++)
            {
              g_assert_cmpfloat (lut->domain_min[c], ==, 0.0f);
              g_assert_cmpfloat (lut->domain_max[c], ==, 1.0f);
            }
        }
      looklab_lut_free (lut);
      looklab_lut_free (id);
    }
  looklab_lut_free (NULL);
}

static void
test_title (void)
{
  LookLabLut *lut = looklab_lut_new_identity (2);
  char        buf[16] = "Warm";

  g_assert_cmpint (looklab_lut_set_title (lut, buf), ==, LOOKLAB_OK);
  buf[0] = 'X'; /* the title is a copy */
  g_assert_cmpstr (lut->title, ==, "Warm");
  g_assert_cmpint (looklab_lut_set_title (lut, "Cool"), ==, LOOKLAB_OK);
  g_assert_cmpstr (lut->title, ==, "Cool");
  g_assert_cmpint (looklab_lut_set_title (lut, NULL), ==, LOOKLAB_OK);
  g_assert_null (lut->title);
  g_assert_cmpint (looklab_lut_set_title (NULL, "x"), ==, LOOKLAB_ERR_ARG);
  looklab_lut_free (lut);
}

static void
test_identity_eval (void)
{
  GRand      *rand = g_rand_new_with_seed (1);
  LookLabLut *lut = looklab_lut_new_identity (17);
  /* Outside [0, 1] the identity clamps to the lattice edge; NaN goes to
   * the first node. */
  static const struct
  {
    float in, out;
  } edges[] = {
    { -0.5f, 0.0f }, { 1.5f, 1.0f }, { INFINITY, 1.0f }, { -INFINITY, 0.0f },
    { NAN, 0.0f },   { 0.0f, 0.0f }, { 1.0f, 1.0f },
  };

  for (int k = 0; k < 10000; k++)
    {
      float in[3], out[3];

      for (int c = 0; c < 3; c++)
        in[c] = (float) g_rand_double (rand);
      looklab_lut_eval (lut, in, out);
      for (int c = 0; c < 3; c++)
        g_assert_cmpfloat_with_epsilon (out[c], in[c], 1e-6);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (edges); i++)
    {
      float in[3] = { edges[i].in, 0.25f, edges[i].in }, out[3];

      looklab_lut_eval (lut, in, out);
      g_assert_cmpfloat (out[0], ==, edges[i].out);
      g_assert_cmpfloat_with_epsilon (out[1], 0.25f, 1e-7);
      g_assert_cmpfloat (out[2], ==, edges[i].out);
    }
  looklab_lut_free (lut);
  g_rand_free (rand);
}

static void
fill_random (LookLabLut *lut, GRand *rand)
{
  size_t n = (size_t) lut->size * lut->size * lut->size * 3;

  for (size_t i = 0; i < n; i++)
    lut->table[i] = (float) g_rand_double_range (rand, -0.2, 1.2);
}

static void
test_nodes_exact (void)
{
  /* size - 1 a power of two, so that k / (size - 1) is exact in float. */
  static const int sizes[] = { 2, 3, 5, 9, 17, 33 };
  GRand           *rand = g_rand_new_with_seed (2);

  for (gsize s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      int         n = sizes[s];
      LookLabLut *lut = looklab_lut_new (n);

      fill_random (lut, rand);
      for (int b = 0; b < n; b++)
        for (int g = 0; g < n; g++)
          for (int r = 0; r < n; r++)
            {
              float        in[3] = { (float) r / (n - 1), (float) g / (n - 1),
                                     (float) b / (n - 1) };
              const float *node
                  = lut->table + (((size_t) b * n + g) * n + r) * 3;
              float out[3];

              looklab_lut_eval (lut, in, out);
              g_assert_cmpmem (out, sizeof out, node, sizeof out);
            }
      looklab_lut_free (lut);
    }
  g_rand_free (rand);
}

/* Fills @lut with the affine map m x + t (x in domain units). */
static void
fill_affine (LookLabLut *lut, const double m[3][3], const double t[3])
{
  int n = lut->size;

  for (int b = 0; b < n; b++)
    for (int g = 0; g < n; g++)
      for (int r = 0; r < n; r++)
        {
          int    idx[3] = { r, g, b };
          double x[3];
          float *node = lut->table + (((size_t) b * n + g) * n + r) * 3;

          for (int c = 0; c < 3; c++)
            x[c] = lut->domain_min[c]
                   + (double) idx[c] / (n - 1)
                         * (lut->domain_max[c] - lut->domain_min[c]);
          for (int c = 0; c < 3; c++)
            node[c] = (float) (m[c][0] * x[0] + m[c][1] * x[1] + m[c][2] * x[2]
                               + t[c]);
        }
}

static void
test_affine_and_domain (void)
{
  /* Any interpolation that is linear on each tetrahedron reproduces an
   * affine map exactly inside the domain: this checks all six tetrahedra
   * and their weights at once, and the domain scaling.  Outside the
   * domain the input clamps to it. */
  static const double m[3][3]
      = { { 0.8, 0.15, 0.05 }, { -0.1, 0.9, 0.3 }, { 0.2, -0.25, 1.1 } };
  static const double t[3] = { 0.02, -0.03, 0.01 };
  static const struct
  {
    float lo[3], hi[3];
  } domains[] = {
    { { 0, 0, 0 }, { 1, 1, 1 } },
    { { -0.5f, 0, 0.25f }, { 2, 4, 0.75f } },
  };
  GRand *rand = g_rand_new_with_seed (3);

  for (gsize d = 0; d < G_N_ELEMENTS (domains); d++)
    {
      LookLabLut *lut = looklab_lut_new (7);

      memcpy (lut->domain_min, domains[d].lo, sizeof lut->domain_min);
      memcpy (lut->domain_max, domains[d].hi, sizeof lut->domain_max);
      fill_affine (lut, m, t);
      for (int k = 0; k < 20000; k++)
        {
          float  in[3], out[3];
          double x[3];

          for (int c = 0; c < 3; c++)
            {
              double lo = domains[d].lo[c], hi = domains[d].hi[c];
              double span = hi - lo;

              in[c] = (float) g_rand_double_range (rand, lo - 0.3 * span,
                                                   hi + 0.3 * span);
              x[c] = in[c] < lo ? lo : in[c] > hi ? hi : in[c];
            }
          looklab_lut_eval (lut, in, out);
          for (int c = 0; c < 3; c++)
            g_assert_cmpfloat_with_epsilon (
                out[c], m[c][0] * x[0] + m[c][1] * x[1] + m[c][2] * x[2] + t[c],
                2e-6);
        }
      looklab_lut_free (lut);
    }
  g_rand_free (rand);
}

static void
test_shaper (void)
{
  /* A 3-entry shaper over [0, 2] holding 0, 0.25, 1, in front of an
   * identity 3D table: the output is the shaper, linearly interpolated. */
  static const struct
  {
    float in, out;
  } cases[] = {
    { 0.0f, 0.0f }, { 0.5f, 0.125f }, { 1.0f, 0.25f }, { 1.5f, 0.625f },
    { 2.0f, 1.0f }, { 3.0f, 1.0f },   { -1.0f, 0.0f },
  };
  LookLabLut *lut = looklab_lut_new_identity (9);

  lut->shaper_size = 3;
  lut->shaper = g_malloc (9 * sizeof (float));
  for (int c = 0; c < 3; c++)
    {
      lut->shaper[0 * 3 + c] = 0.0f;
      lut->shaper[1 * 3 + c] = 0.25f;
      lut->shaper[2 * 3 + c] = 1.0f;
      lut->shaper_min[c] = 0.0f;
      lut->shaper_max[c] = 2.0f;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      float in[3] = { cases[i].in, cases[i].in, 1.0f }, out[3];

      looklab_lut_eval (lut, in, out);
      g_assert_cmpfloat_with_epsilon (out[0], cases[i].out, 1e-6);
      g_assert_cmpfloat_with_epsilon (out[1], cases[i].out, 1e-6);
      g_assert_cmpfloat_with_epsilon (out[2], 0.25f, 1e-6);
    }
  /* The shaper is freed with the LUT (g_malloc is malloc-compatible in
   * GLib >= 2.46). */
  looklab_lut_free (lut);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lut/new-sizes", test_new_sizes);
  g_test_add_func ("/lut/title", test_title);
  g_test_add_func ("/lut/identity-eval", test_identity_eval);
  g_test_add_func ("/lut/nodes-exact", test_nodes_exact);
  g_test_add_func ("/lut/affine-and-domain", test_affine_and_domain);
  g_test_add_func ("/lut/shaper", test_shaper);
  return g_test_run ();
}
