/* Tests of core/align/: registration recovers known transforms, a shifted
 * same-size pair is told from an aligned one, and different scenes, tiny
 * and all-black images are refused.
 *
 * The scene is continuous and seeded (coloured Gaussian blobs and
 * gratings), so the before and every transformed after are rendered from
 * it exactly (2 x 2 supersampled), with a colour look on the after. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "align/align.h"

#define BW 480
#define BH 320
#define N_BLOBS 90

typedef struct
{
  double x, y, r, c[3];
} Blob;

static Blob blobs[2][N_BLOBS];

static double
urand (uint32_t *s)
{
  *s ^= *s << 13;
  *s ^= *s >> 17;
  *s ^= *s << 5;
  return (*s & 0xffffff) / 16777216.0;
}

static void
make_scenes (void)
{
  int k, i, c;

  for (k = 0; k < 2; k++)
    {
      uint32_t s = 1234567u + 7919u * k;

      for (i = 0; i < N_BLOBS; i++)
        {
          blobs[k][i].x = urand (&s) * BW * 1.2 - 0.1 * BW;
          blobs[k][i].y = urand (&s) * BH * 1.2 - 0.1 * BH;
          blobs[k][i].r = 3.0 + 25.0 * urand (&s) * urand (&s);
          for (c = 0; c < 3; c++)
            blobs[k][i].c[c] = urand (&s) - 0.5;
        }
    }
}

/* Smooth value noise on a lattice of @cell pixels, in [-1, 1]. */
static double
noise (int k, int octave, int c, double x, double y, double cell)
{
  double fx = x / cell + 1000.0, fy = y / cell + 1000.0, v[4];
  int    ix = (int) floor (fx), iy = (int) floor (fy), i;

  fx -= ix;
  fy -= iy;
  for (i = 0; i < 4; i++)
    {
      uint32_t s = (uint32_t) (ix + (i & 1)) * 73856093u
                   ^ (uint32_t) (iy + (i >> 1)) * 19349663u
                   ^ (uint32_t) (k * 16 + octave * 4 + c) * 83492791u;

      s = s * 2654435761u + 12345u;
      s ^= s >> 15;
      s *= 2246822519u;
      s ^= s >> 13;
      v[i] = (s & 0xffff) / 32767.5 - 1.0;
    }
  fx = fx * fx * (3.0 - 2.0 * fx);
  fy = fy * fy * (3.0 - 2.0 * fy);
  return (1 - fy) * ((1 - fx) * v[0] + fx * v[1])
         + fy * ((1 - fx) * v[2] + fx * v[3]);
}

/* Scene @k's colour at before coordinates (x, y). */
static void
scene (int k, double x, double y, double rgb[3])
{
  int i, c;

  rgb[0] = 0.45 + 0.1 * sin (x * 0.05);
  rgb[1] = 0.5 + 0.1 * sin (y * 0.07 + x * 0.02);
  rgb[2] = 0.4;
  for (c = 0; c < 3; c++)
    rgb[c] += 0.08 * noise (k, 0, c, x, y, 9.0)
              + 0.05 * noise (k, 1, c, x, y, 4.0);
  for (i = 0; i < N_BLOBS; i++)
    {
      const Blob *b = &blobs[k][i];
      double      d2 = (x - b->x) * (x - b->x) + (y - b->y) * (y - b->y);
      double      e;

      if (d2 > 16.0 * b->r * b->r)
        continue;
      e = exp (-0.5 * d2 / (b->r * b->r));
      for (c = 0; c < 3; c++)
        rgb[c] += 0.6 * e * b->c[c];
    }
}

/* Renders a w x h u8 RGB image whose pixel centres map to the scene by
 * @h (image pixel -> before pixel); @look: through a tone curve. */
static unsigned char *
render (int k, const double h[9], int w, int ht, int look)
{
  unsigned char *px = g_malloc ((size_t) w * ht * 3);
  int            x, y, c, sx, sy;

  for (y = 0; y < ht; y++)
    for (x = 0; x < w; x++)
      {
        double acc[3] = { 0, 0, 0 };

        for (sy = 0; sy < 2; sy++)
          for (sx = 0; sx < 2; sx++)
            {
              double ix = x + 0.25 + 0.5 * sx, iy = y + 0.25 + 0.5 * sy;
              double d = h[6] * ix + h[7] * iy + h[8], rgb[3];

              scene (k, (h[0] * ix + h[1] * iy + h[2]) / d,
                     (h[3] * ix + h[4] * iy + h[5]) / d, rgb);
              for (c = 0; c < 3; c++)
                acc[c] += 0.25 * rgb[c];
            }
        for (c = 0; c < 3; c++)
          {
            double v = acc[c] < 0.0 ? 0.0 : acc[c] > 1.0 ? 1.0 : acc[c];

            if (look)
              v = pow (v, c == 2 ? 0.7 : 1.3) * 0.9 + 0.05;
            px[((size_t) y * w + x) * 3 + c]
                = (unsigned char) lrint (v * 255.0);
          }
      }
  return px;
}

static LookLabImageView
view (const unsigned char *px, int w, int h)
{
  LookLabImageView v = { px, LOOKLAB_PIXEL_RGB_U8, w, h, (size_t) w * 3 };

  return v;
}

/* A similarity (scale s = before px per after px, rotation in degrees,
 * after corner at (tx, ty)) plus a perspective term. */
static void
pose (double s, double deg, double tx, double ty, double px, double py,
      double h[9])
{
  double c = cos (deg * G_PI / 180.0), n = sin (deg * G_PI / 180.0);

  h[0] = s * c;
  h[1] = -s * n;
  h[2] = tx;
  h[3] = s * n;
  h[4] = s * c;
  h[5] = ty;
  h[6] = px;
  h[7] = py;
  h[8] = 1.0;
}

typedef struct
{
  const char *name;
  int         w, h; /* after size */
  double      s, deg, tx, ty, px, py;
} Case;

static const Case cases[] = {
  { "identity", BW, BH, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0 },
  { "shift-3px", BW, BH, 1.0, 0.0, 3.0, 0.0, 0.0, 0.0 },
  { "shift-subpixel", BW, BH, 1.0, 0.0, -0.8, 1.3, 0.0, 0.0 },
  { "crop-rotate-4", 400, 270, 1.0, 4.0, 55.0, 15.0, 0.0, 0.0 },
  { "crop-rotate-minus-5", 390, 260, 1.0, -5.0, 30.0, 50.0, 0.0, 0.0 },
  { "scale-half", 210, 140, 2.0, 2.0, 30.0, 20.0, 0.0, 0.0 },
  { "scale-up-1.4", 560, 370, 1.0 / 1.4, -3.0, 45.0, 40.0, 0.0, 0.0 },
  { "homography", 400, 260, 1.0, 1.5, 40.0, 25.0, 6e-5, -4e-5 },
};

/* Largest distance, in before pixels, between where the found and the
 * true transform put the after's corners and centre. */
static double
corner_error (const LookLabAlignment *al, const double h[9], int w, int ht)
{
  double pts[5][2]
      = { { 0, 0 }, { w, 0 }, { 0, ht }, { w, ht }, { 0.5 * w, 0.5 * ht } };
  double worst = 0.0;
  int    i;

  for (i = 0; i < 5; i++)
    {
      double x = pts[i][0], y = pts[i][1], bx, by;
      double d = h[6] * x + h[7] * y + h[8];
      double ux = (h[0] * x + h[1] * y + h[2]) / d;
      double uy = (h[3] * x + h[4] * y + h[5]) / d;

      looklab_align_map (al, x, y, &bx, &by);
      worst = fmax (worst, hypot (bx - ux, by - uy));
    }
  return worst;
}

static unsigned char *before_px;

static void
test_known (gconstpointer data)
{
  const Case      *tc = data;
  double           h[9];
  unsigned char   *after;
  LookLabImageView b = view (before_px, BW, BH), a;
  LookLabAlignment al;
  LookLabDiag      diag = { 0 };
  int              status;
  double           err;

  pose (tc->s, tc->deg, tc->tx, tc->ty, tc->px, tc->py, h);
  after = render (0, h, tc->w, tc->h, 1);
  a = view (after, tc->w, tc->h);
  status = looklab_align_find (&b, &a, 1, &al, &diag);
  if (status != LOOKLAB_OK)
    g_error ("%s: %s", tc->name, diag.message);
  err = corner_error (&al, h, tc->w, tc->h);
  g_test_message ("%s: error %.3f px, coverage %.2f, ncc %.2f, residual %.2f",
                  tc->name, err, al.coverage, al.ncc, al.residual_px);
  g_assert_cmpfloat (err, <, 0.5);
  g_assert_cmpfloat (al.coverage, >, 0.8);
  g_assert_cmpint (al.aligned, ==, strcmp (tc->name, "identity") == 0);
  g_free (after);
}

static void
test_different_scene (void)
{
  double           h[9];
  unsigned char   *other;
  LookLabImageView b = view (before_px, BW, BH), a;
  LookLabAlignment al;
  LookLabDiag      diag = { 0 };

  pose (1.0, 0.0, 20.0, 10.0, 0.0, 0.0, h);
  other = render (1, h, 420, 280, 0);
  a = view (other, 420, 280);
  g_assert_cmpint (looklab_align_find (&b, &a, 1, &al, &diag), ==,
                   LOOKLAB_ERR_MISMATCH);
  g_test_message ("%s", diag.message);
  g_assert_nonnull (strstr (diag.message, "don't show the same scene"));
  g_free (other);
}

/* A Hald CLUT (level 8: 512 x 512, one colour a pixel, red fastest) and
 * the same under a colour look: the same size, pixel-aligned, but made of
 * repeated cells that the look changes each in its own way.  It must be
 * found aligned (the search once locked onto a wrong cell, and the look
 * learned from it was 3 dE00 off).  (Such a picture cannot show a small
 * shift: the same Hald shifted by 3 pixels also matches at the identity;
 * natural photos shifted by 3 or 0.8 pixels are the known cases above.) */
static void
test_hald (void)
{
  const int        side = 512, n = 64;
  unsigned char   *id = g_malloc ((size_t) side * side * 3);
  unsigned char   *graded = g_malloc ((size_t) side * side * 3);
  LookLabImageView b = view (id, side, side), a = view (graded, side, side);
  LookLabAlignment al;
  LookLabDiag      diag = { 0 };
  int              i, c;

  for (i = 0; i < side * side; i++)
    {
      int    rgb[3] = { i % n, i / n % n, i / (n * n) };
      double v[3];

      for (c = 0; c < 3; c++)
        {
          id[i * 3 + c] = (unsigned char) lrint (rgb[c] * 255.0 / (n - 1));
          v[c] = rgb[c] / (double) (n - 1);
        }
      graded[i * 3 + 0] = (unsigned char) lrint (pow (v[0], 0.8) * 255.0);
      graded[i * 3 + 1]
          = (unsigned char) lrint ((0.9 * v[1] + 0.05 * v[0]) * 255.0);
      graded[i * 3 + 2] = (unsigned char) lrint ((0.85 * v[2] + 0.1) * 255.0);
    }
  g_assert_cmpint (looklab_align_find (&b, &a, 1, &al, &diag), ==, LOOKLAB_OK);
  g_test_message ("hald: max shift %.3f px, coverage %.2f, residual %.2f",
                  al.max_shift_px, al.coverage, al.residual_px);
  g_assert_true (al.aligned);

  g_free (id);
  g_free (graded);
}

static void
test_refused (void)
{
  unsigned char   *black = g_malloc0 ((size_t) BW * BH * 3);
  LookLabImageView b = view (before_px, BW, BH), a = view (black, BW, BH);
  LookLabAlignment al;
  LookLabDiag      diag = { 0 };

  g_assert_cmpint (looklab_align_find (&b, &a, 1, &al, &diag), ==,
                   LOOKLAB_ERR_ARG);
  g_assert_nonnull (strstr (diag.message, "no structure"));
  a = view (black, 60, 60);
  g_assert_cmpint (looklab_align_find (&b, &a, 1, &al, &diag), ==,
                   LOOKLAB_ERR_ARG);
  g_assert_nonnull (strstr (diag.message, "too small"));
  g_free (black);
}

/* The working pair of a crop: the after resampled into the before's frame
 * holds the after's colours where the residual cannot move them. */
static void
test_pair (void)
{
  double             h[9];
  unsigned char     *after;
  LookLabImageView   b = view (before_px, BW, BH), a;
  LookLabAlignment   al;
  LookLabAlignedPair pair;
  LookLabDiag        diag = { 0 };
  int                i, n = 0;
  double             worst = 0.0;

  pose (1.0, 3.0, 40.0, 20.0, 0.0, 0.0, h);
  after = render (0, h, 400, 270, 0);
  a = view (after, 400, 270);
  g_assert_cmpint (looklab_align_find (&b, &a, 1, &al, &diag), ==, LOOKLAB_OK);
  g_assert_cmpint (looklab_align_pair (&b, &a, &al, 1, &pair, &diag), ==,
                   LOOKLAB_OK);
  g_assert_cmpint (pair.width, ==, BW);
  g_assert_cmpfloat (pair.used, >, 0.2);
  for (i = 0; i < pair.width * pair.height; i++)
    if (pair.mask[i])
      {
        int c;

        n++;
        for (c = 0; c < 3; c++)
          worst = fmax (worst,
                        fabs (pair.before[i * 3 + c] - pair.after[i * 3 + c]));
      }
  g_test_message ("pair: %d pixels used, worst difference %.4f", n, worst);
  /* Same look on both sides (none): what is left is resampling. */
  g_assert_cmpfloat (worst, <, 6.0 / 255.0);
  looklab_aligned_pair_clear (&pair);
  g_free (after);
}

/* The before taken from the pair's fine image to its frame: where the
 * frame is the fine image, exactly the pair's blurred before, on any
 * number of threads; where the after is smaller (scale 2), the fine image
 * is the before itself and its area average comes within rounding of the
 * frame's. */
static void
test_pair_from_fine (void)
{
  static const double scales[] = { 1.0, 2.0 };
  gsize               k;

  for (k = 0; k < G_N_ELEMENTS (scales); k++)
    {
      double         h[9], worst = 0.0;
      int            aw = (int) (400 / scales[k]), ah = (int) (270 / scales[k]);
      unsigned char *after;
      LookLabImageView   b = view (before_px, BW, BH), a;
      LookLabAlignment   al;
      LookLabAlignedPair pair;
      float             *frame, *frame2;
      int                i, n;

      pose (scales[k], 3.0, 40.0, 20.0, 0.0, 0.0, h);
      after = render (0, h, aw, ah, 0);
      a = view (after, aw, ah);
      g_assert_cmpint (looklab_align_find (&b, &a, 1, &al, NULL), ==,
                       LOOKLAB_OK);
      g_assert_cmpint (looklab_align_pair (&b, &a, &al, 2, &pair, NULL), ==,
                       LOOKLAB_OK);
      n = pair.width * pair.height;
      frame = g_new (float, 3 * (gsize) n);
      frame2 = g_new (float, 3 * (gsize) n);
      g_assert_cmpint (
          looklab_aligned_pair_from_fine (&pair, pair.fine, frame, 0.0, 1), ==,
          LOOKLAB_OK);
      g_assert_cmpint (
          looklab_aligned_pair_from_fine (&pair, pair.fine, frame2, 0.0, 2), ==,
          LOOKLAB_OK);
      g_assert_cmpmem (frame, sizeof (float) * 3 * n, frame2,
                       sizeof (float) * 3 * n);
      for (i = 0; i < n; i++)
        {
          int c;

          for (c = 0; c < 3; c++)
            worst = fmax (worst,
                          fabs (frame[i * 3 + c] - pair.before[i * 3 + c]));
        }
      g_test_message ("scale %.0f: fine step %.2f, %d x %d fine, worst %.5f",
                      scales[k], pair.fine_step, pair.fine_width,
                      pair.fine_height, worst);
      if (scales[k] == 1.0)
        {
          g_assert_cmpfloat (pair.fine_step, ==, 1.0);
          g_assert_cmpfloat (worst, ==, 0.0);
        }
      else
        {
          g_assert_cmpfloat (fabs (pair.fine_step - 2.0), <, 0.02);
          g_assert_cmpint (pair.fine_width, ==, BW);
          g_assert_cmpfloat (worst, <, 0.02);
        }
      /* A wider blur moves it. */
      g_assert_cmpint (
          looklab_aligned_pair_from_fine (&pair, pair.fine, frame2, 0.9, 2), ==,
          LOOKLAB_OK);
      g_assert_true (memcmp (frame, frame2, sizeof (float) * 3 * n) != 0);
      g_free (frame);
      g_free (frame2);
      looklab_aligned_pair_clear (&pair);
      g_free (after);
    }
}

/* A scene of repeated cells (a 64-pixel tile of scene 0, repeated): the
 * after, cut from (133, 71), matches equally well one cell further in
 * any direction.  With the place the user put it as a guess it is found
 * there; a guess a few pixels off is corrected; a guess at a wrong place
 * of another scene loses to the search. */
static void
test_hint (void)
{
  const int        cell = 64, aw = 200, ah = 150, ox = 133, oy = 71;
  unsigned char   *tiled = g_malloc ((size_t) BW * BH * 3);
  unsigned char   *after = g_malloc ((size_t) aw * ah * 3);
  LookLabImageView b = view (tiled, BW, BH), a = view (after, aw, ah);
  LookLabAlignment al;
  double           hint[9], h[9];
  int              x, y;

  for (y = 0; y < BH; y++)
    for (x = 0; x < BW; x++)
      memcpy (tiled + ((size_t) y * BW + x) * 3,
              before_px + ((size_t) (y % cell + 100) * BW + x % cell + 200) * 3,
              3);
  for (y = 0; y < ah; y++)
    memcpy (after + (size_t) y * aw * 3,
            tiled + ((size_t) (oy + y) * BW + ox) * 3, (size_t) aw * 3);

  pose (1.0, 0.0, ox, oy, 0.0, 0.0, hint);
  g_assert_cmpint (looklab_align_find_near (&b, &a, hint, 1, &al, NULL), ==,
                   LOOKLAB_OK);
  g_test_message ("hint at the place: found at (%.2f, %.2f)", al.tx, al.ty);
  g_assert_cmpfloat (fabs (al.tx - ox), <, 0.5);
  g_assert_cmpfloat (fabs (al.ty - oy), <, 0.5);

  pose (1.0, 0.0, ox + cell + 3.0, oy - 4.0, 0.0, 0.0, hint);
  g_assert_cmpint (looklab_align_find_near (&b, &a, hint, 1, &al, NULL), ==,
                   LOOKLAB_OK);
  g_test_message ("hint one cell and a few pixels off: found at (%.2f, %.2f)",
                  al.tx, al.ty);
  g_assert_cmpfloat (fabs (al.tx - (ox + cell)), <, 0.5);
  g_assert_cmpfloat (fabs (al.ty - oy), <, 0.5);

  /* Not repeated: a guess far from the truth loses. */
  pose (1.0, 3.0, 40.0, 20.0, 0.0, 0.0, h);
  g_free (after);
  after = render (0, h, 400, 270, 1);
  a = view (after, 400, 270);
  b = view (before_px, BW, BH);
  pose (1.0, 0.0, 0.0, 0.0, 0.0, 0.0, hint);
  g_assert_cmpint (looklab_align_find_near (&b, &a, hint, 1, &al, NULL), ==,
                   LOOKLAB_OK);
  g_test_message ("wrong guess: found at (%.2f, %.2f), rotation %.2f", al.tx,
                  al.ty, al.rotation);
  g_assert_cmpfloat (corner_error (&al, h, 400, 270), <, 0.5);
  g_free (tiled);
  g_free (after);
}

int
main (int argc, char **argv)
{
  double id[9];
  size_t i;

  g_test_init (&argc, &argv, NULL);
  make_scenes ();
  pose (1.0, 0.0, 0.0, 0.0, 0.0, 0.0, id);
  before_px = render (0, id, BW, BH, 0);
  for (i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      char *path = g_strdup_printf ("/align/known/%s", cases[i].name);

      g_test_add_data_func (path, &cases[i], test_known);
      g_free (path);
    }
  g_test_add_func ("/align/different-scene", test_different_scene);
  g_test_add_func ("/align/refused", test_refused);
  g_test_add_func ("/align/hald", test_hald);
  g_test_add_func ("/align/pair", test_pair);
  g_test_add_func ("/align/hint", test_hint);
  g_test_add_func ("/align/pair-from-fine", test_pair_from_fine);
  return g_test_run ();
}
