/* bench-unaligned: learning a look from a pair that is not pixel-aligned
 * (issue 22, benchmark 1).
 *
 * For every look of the development set (tools/make-dev-set) the training
 * photo's after is reframed as a second camera would: a crop of 80-95 %,
 * a rotation of up to 5 degrees, a scale of 0.5-1.5x, a slight
 * perspective, sensor noise and a JPEG round trip at quality 70-95, all
 * drawn from a seeded generator.  Three fits then predict the other
 * photos (held-out mean CIEDE2000, as bench-looks):
 *   aligned   today's engine on the original pair (the upper bound)
 *   looklab   looklab_look_learn () with align auto (registration, pairing,
 *             the fit), as `looklab learn` does
 *   naive     the reframed after scaled to the before's size, then the fit
 * and the registration error is the largest distance, in before pixels,
 * between the found and the true position of the after's corners.
 *
 *   bench-unaligned [--dev-set DIR] [--train NAME] [--seed S] [--threads N]
 *                   [--clean] [--only LOOKS]
 *
 * The spatial looks of the set (sp-*) are left out: they are benchmark 2,
 * and a global look's held-out error says nothing of them.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <babl/babl.h>
#include <gegl.h>
#include <glib.h>

#include "align/align.h"
#include "common/colour.h"
#include "look/look-learn.h"
#include "look/look.h"

typedef struct
{
  float *rgb;
  int    w, h;
} Img;

static double
now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
load (const char *path, Img *img)
{
  GeglNode     *graph, *ld, *sink;
  GeglBuffer   *buffer = NULL;
  GeglRectangle rect;

  graph = gegl_node_new ();
  ld = gegl_node_new_child (graph, "operation", "gegl:load", "path", path,
                            NULL);
  sink = gegl_node_new_child (graph, "operation", "gegl:buffer-sink", "buffer",
                              &buffer, NULL);
  gegl_node_link (ld, sink);
  gegl_node_process (sink);
  g_object_unref (graph);
  if (buffer == NULL)
    return -1;
  rect = *gegl_buffer_get_extent (buffer);
  img->w = rect.width;
  img->h = rect.height;
  img->rgb = malloc (sizeof (float) * 3 * (size_t) rect.width * rect.height);
  gegl_buffer_get (buffer, &rect, 1.0, babl_format ("R'G'B' float"), img->rgb,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
  g_object_unref (buffer);
  return img->w > 0 ? 0 : -1;
}

/* A JPEG round trip at @quality through GEGL's jpg-save. */
static int
jpeg_round_trip (Img *img, int quality)
{
  GeglRectangle rect = { 0, 0, img->w, img->h };
  GeglBuffer   *buffer = gegl_buffer_new (&rect, babl_format ("R'G'B' float"));
  GeglNode     *graph, *src, *save;
  char          path[] = "/tmp/bench-unaligned-XXXXXX.jpg";
  int           fd = mkstemps (path, 4);

  if (fd < 0)
    return -1;
  close (fd);
  gegl_buffer_set (buffer, &rect, 0, babl_format ("R'G'B' float"), img->rgb,
                   GEGL_AUTO_ROWSTRIDE);
  graph = gegl_node_new ();
  src = gegl_node_new_child (graph, "operation", "gegl:buffer-source", "buffer",
                             buffer, NULL);
  save = gegl_node_new_child (graph, "operation", "gegl:jpg-save", "path", path,
                              "quality", quality, NULL);
  gegl_node_link (src, save);
  gegl_node_process (save);
  g_object_unref (graph);
  g_object_unref (buffer);
  free (img->rgb);
  if (load (path, img) < 0)
    return -1;
  unlink (path);
  return 0;
}

static double
urand (uint64_t *s)
{
  /* splitmix64 */
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return (z >> 11) * (1.0 / 9007199254740992.0);
}

static void
sample (const Img *img, double x, double y, float out[3])
{
  double fx = x - 0.5, fy = y - 0.5;
  int    ix, iy, c;
  double ax, ay;

  if (fx < 0)
    fx = 0;
  if (fy < 0)
    fy = 0;
  if (fx > img->w - 1.001)
    fx = img->w - 1.001;
  if (fy > img->h - 1.001)
    fy = img->h - 1.001;
  ix = (int) fx;
  iy = (int) fy;
  ax = fx - ix;
  ay = fy - iy;
  for (c = 0; c < 3; c++)
    {
      const float *p = img->rgb + ((size_t) iy * img->w + ix) * 3 + c;

      out[c] = (float) ((1 - ay) * ((1 - ax) * p[0] + ax * p[3])
                        + ay
                              * ((1 - ax) * p[img->w * 3]
                                 + ax * p[img->w * 3 + 3]));
    }
}

/* The after's frame: after px -> before px = centre + offset + R (1 /
 * zoom) P (a - c), in the homography @h; its size in *@w x *@ht. */
static void
reframe (const Img *b, double crop, double c, double s, double zoom,
         double persp, double ox, double oy, double h[9], int *w, int *ht)
{
  double slack_x = 0.5 * (1.0 - crop) * b->w - 0.05 * b->w;
  double slack_y = 0.5 * (1.0 - crop) * b->h - 0.05 * b->h;
  double cx = 0.5 * b->w + ox * fmax (0.0, slack_x);
  double cy = 0.5 * b->h + oy * fmax (0.0, slack_y);
  double px, py, m3[9];

  *w = (int) lrint (crop * b->w * zoom);
  *ht = (int) lrint (crop * b->h * zoom);
  px = persp / *w;
  py = 0.5 * persp / *ht;
  /* P: a projective term that leaves the after's centre in place. */
  m3[0] = c / zoom;
  m3[1] = -s / zoom;
  m3[3] = s / zoom;
  m3[4] = c / zoom;
  /* before = (M (a - ca)) / (1 + p . (a - ca)) + centre */
  h[6] = px;
  h[7] = py;
  h[8] = 1.0 - px * 0.5 * *w - py * 0.5 * *ht;
  h[0] = m3[0] + cx * px;
  h[1] = m3[1] + cx * py;
  h[2] = -m3[0] * 0.5 * *w - m3[1] * 0.5 * *ht + cx * h[8];
  h[3] = m3[3] + cy * px;
  h[4] = m3[4] + cy * py;
  h[5] = -m3[3] * 0.5 * *w - m3[4] * 0.5 * *ht + cy * h[8];
}

/* Renders the after of a second camera: @h maps its pixels to the
 * before's, supersampled k x k so that downscaling does not alias. */
static void
render (const Img *src, const double h[9], int w, int ht, double zoom,
        uint64_t *seed, double noise, Img *out)
{
  int k = (int) ceil (1.0 / zoom) + 1, x, y, sx, sy, c;

  out->w = w;
  out->h = ht;
  out->rgb = malloc (sizeof (float) * 3 * (size_t) w * ht);
  for (y = 0; y < ht; y++)
    for (x = 0; x < w; x++)
      {
        double acc[3] = { 0, 0, 0 };

        for (sy = 0; sy < k; sy++)
          for (sx = 0; sx < k; sx++)
            {
              double ax = x + (sx + 0.5) / k, ay = y + (sy + 0.5) / k;
              double d = h[6] * ax + h[7] * ay + h[8];
              float  v[3];

              sample (src, (h[0] * ax + h[1] * ay + h[2]) / d,
                      (h[3] * ax + h[4] * ay + h[5]) / d, v);
              for (c = 0; c < 3; c++)
                acc[c] += v[c];
            }
        for (c = 0; c < 3; c++)
          {
            /* Sensor noise: Gaussian by Box-Muller. */
            double n = sqrt (-2.0 * log (1.0 - urand (seed)))
                       * cos (2.0 * G_PI * urand (seed));

            out->rgb[((size_t) y * w + x) * 3 + c]
                = (float) (acc[c] / (k * k) + noise * n);
          }
      }
}

static LookLabImageView
view (const Img *img)
{
  LookLabImageView v = { img->rgb, LOOKLAB_PIXEL_RGB_FLOAT, img->w, img->h,
                         sizeof (float) * 3 * (size_t) img->w };

  return v;
}

static LookLabLook *
fit (const LookLabImageView *b, const LookLabImageView *a,
     const unsigned char *mask, int threads)
{
  LookLabFitParams p;
  LookLabLook     *look = NULL;
  LookLabDiag      diag = { 0 };

  looklab_fit_params_init (&p);
  p.n_threads = threads;
  if (looklab_look_fit (b, a, mask, &p, NULL, NULL, &look, &diag) != 0)
    fprintf (stderr, "bench-unaligned: fit failed: %s\n", diag.message);
  return look;
}

#define MAX_PHOTOS 16

int
main (int argc, char **argv)
{
  gchar       *dev = NULL, *train = NULL;
  gint         threads = 2, seed = 1;
  gboolean     clean = FALSE, floor_fit = FALSE;
  gchar       *only = NULL;
  GOptionEntry entries[]
      = { { "dev-set", 'd', 0, G_OPTION_ARG_FILENAME, &dev,
            "development set (default bench/cache)", "DIR" },
          { "train", 't', 0, G_OPTION_ARG_STRING, &train,
            "photo to train on (default: the first)", "NAME" },
          { "seed", 's', 0, G_OPTION_ARG_INT, &seed,
            "reframing seed (default 1)", "S" },
          { "threads", 'j', 0, G_OPTION_ARG_INT, &threads,
            "threads (default 2)", "N" },
          { "clean", 0, 0, G_OPTION_ARG_NONE, &clean,
            "geometry alone: no sensor noise, no JPEG", NULL },
          { "floor", 0, 0, G_OPTION_ARG_NONE, &floor_fit,
            "also fit the before and the after rendered alike (same "
            "geometry, no noise): the aligned figure at the second camera's "
            "resolution",
            NULL },
          { "only", 0, 0, G_OPTION_ARG_STRING, &only,
            "the looks to run (comma-separated names)", "LOOKS" },
          { NULL } };
  GOptionContext *ctx = g_option_context_new ("");
  char            path[4096], line[1024], *photos[MAX_PHOTOS], *looks[16];
  int             n_photos = 0, n_looks = 0, l, i, ti = 0, n_run = 0;
  FILE           *f;
  Img             before[MAX_PHOTOS];
  double          sum[3] = { 0, 0, 0 }, worst_gap = 0.0, worst_reg = 0.0;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, NULL))
    return 2;
  gegl_init (NULL, NULL);
  if (dev == NULL)
    dev = g_strdup ("bench/cache");
  snprintf (path, sizeof path, "%s/dev-set.txt", dev);
  f = fopen (path, "r");
  if (f == NULL)
    {
      fprintf (stderr, "bench-unaligned: no %s (tools/make-dev-set)\n", path);
      return 1;
    }
  while (fgets (line, sizeof line, f) != NULL)
    {
      char a[256];

      if (sscanf (line, "photo %255s", a) == 1 && n_photos < MAX_PHOTOS)
        photos[n_photos++] = g_strdup (a);
      else if (sscanf (line, "look %255s", a) == 1 && n_looks < 16)
        looks[n_looks++] = g_strdup (a);
    }
  fclose (f);
  for (i = 0; i < n_photos; i++)
    {
      snprintf (path, sizeof path, "%s/photos/%s.png", dev, photos[i]);
      if (load (path, &before[i]) < 0)
        return 1;
      if (train != NULL && strcmp (train, photos[i]) == 0)
        ti = i;
    }
  printf ("train on %s, predict %d photos; seed %d, %d threads\n", photos[ti],
          n_photos - 1, seed, threads);
  printf ("%-12s %8s %8s %8s %6s | %5s %5s %5s %5s %4s %3s | %6s %6s\n", "look",
          "aligned", "looklab", "naive", "gap", "crop", "rot", "zoom", "persp",
          "jpeg", "", "reg px", "fit s");
  for (l = 0; l < n_looks; l++)
    {
      /* Each look has its own stream, so --only and the spatial looks
       * left out do not change the others' reframing. */
      uint64_t rng = ((uint64_t) seed * 0x2545f4914f6cdd1dull)
                     ^ ((uint64_t) (l + 1) * 0x9e3779b97f4a7c15ull);
      Img        after, truth, second, naive;
      double     crop = 0.80 + 0.15 * urand (&rng);
      double     rot = -5.0 + 10.0 * urand (&rng);
      double     zoom = 0.5 + urand (&rng);
      double     persp = 0.03 * (urand (&rng) - 0.5);
      int        quality = 70 + (int) (25.0 * urand (&rng));
      double     ox = (urand (&rng) - 0.5), oy = (urand (&rng) - 0.5);
      double     h[9], c = cos (rot * G_PI / 180), s = sin (rot * G_PI / 180);
      int        w, ht, m;
      const Img *b = &before[ti];
      LookLabImageView vb = view (b), va;
      LookLabLook     *look[5] = { NULL, NULL, NULL, NULL, NULL };
      LookLabAlignment al;
      LookLabFitParams lp;
      LookLabDiag      diag = { 0 };
      double           de[5] = { 0, 0, 0, 0, 0 }, reg = NAN, t0, fit_s = 0;

      /* Benchmark 1 is about global looks; the spatial sp-* looks are
       * benchmark 2 (bench-looks). */
      if (strncmp (looks[l], "sp-", 3) == 0
          || (only != NULL && !strstr (only, looks[l])))
        continue;
      snprintf (path, sizeof path, "%s/looks/%s/%s.png", dev, looks[l],
                photos[ti]);
      if (load (path, &after) < 0)
        return 1;
      reframe (b, crop, c, s, zoom, persp, ox, oy, h, &w, &ht);
      render (&after, h, w, ht, zoom, &rng, clean ? 0.0 : 0.01, &second);
      if (!clean)
        jpeg_round_trip (&second, quality);
      va = view (&after);

      t0 = now_s ();
      look[0] = fit (&vb, &va, NULL, threads);
      {
        LookLabImageView vs = view (&second);

        looklab_fit_params_init (&lp);
        lp.n_threads = threads;
        t0 = now_s ();
        if (looklab_look_learn (&vb, &vs, 1, &lp, NULL, NULL, &look[1], &al,
                                &diag)
            == 0)
          {
            double pts[4][2] = { { 0, 0 }, { w, 0 }, { 0, ht }, { w, ht } };

            fit_s = now_s () - t0;
            reg = 0.0;
            for (i = 0; i < 4; i++)
              {
                double x = pts[i][0], y = pts[i][1], bx, by;
                double d = h[6] * x + h[7] * y + h[8];

                looklab_align_map (&al, x, y, &bx, &by);
                reg = fmax (reg, hypot (bx - (h[0] * x + h[1] * y + h[2]) / d,
                                        by - (h[3] * x + h[4] * y + h[5]) / d));
              }
          }
        else
          fprintf (stderr, "bench-unaligned: %s: %s\n", looks[l], diag.message);
        /* naive: the reframed after stretched to the before's size */
        naive.w = b->w;
        naive.h = b->h;
        naive.rgb = malloc (sizeof (float) * 3 * (size_t) b->w * b->h);
        for (i = 0; i < b->w * b->h; i++)
          sample (&second, ((i % b->w) + 0.5) * second.w / b->w,
                  ((i / b->w) + 0.5) * second.h / b->h, naive.rgb + 3 * i);
        {
          LookLabImageView vn = view (&naive);

          look[2] = fit (&vb, &vn, NULL, threads);
        }
      }
      if (floor_fit)
        {
          uint64_t         r2 = 0;
          Img              rb, ra;
          LookLabImageView vrb, vra;
          double           h1[9];
          int              w1, ht1, k;

          for (k = 0; k < 2; k++)
            {
              /* k 0: the second camera's frame; 1: the same crop, rotation
               * and perspective at zoom 1 (what the crop alone loses). */
              double z = k == 0 ? zoom : 1.0;

              reframe (b, crop, c, s, z, persp, ox, oy, h1, &w1, &ht1);
              render (b, h1, w1, ht1, z, &r2, 0.0, &rb);
              render (&after, h1, w1, ht1, z, &r2, 0.0, &ra);
              vrb = view (&rb);
              vra = view (&ra);
              look[3 + k] = fit (&vrb, &vra, NULL, threads);
              free (rb.rgb);
              free (ra.rgb);
            }
        }
      for (m = 0; m < (floor_fit ? 5 : 3); m++)
        {
          int n = 0;

          if (look[m] == NULL)
            {
              de[m] = NAN;
              continue;
            }
          for (i = 0; i < n_photos; i++)
            {
              float *pred;
              size_t np = (size_t) before[i].w * before[i].h;

              if (i == ti)
                continue;
              snprintf (path, sizeof path, "%s/looks/%s/%s.png", dev, looks[l],
                        photos[i]);
              if (load (path, &truth) < 0)
                return 1;
              pred = malloc (sizeof (float) * 3 * np);
              looklab_look_eval (look[m], before[i].rgb, pred, np);
              de[m] += looklab_mean_ciede2000 (pred, truth.rgb, np, 3, NULL);
              n++;
              free (pred);
              free (truth.rgb);
            }
          de[m] /= n;
          if (m < 3)
            sum[m] += de[m];
          looklab_look_free (look[m]);
        }
      printf (
          "%-12s %8.3f %8.3f %8.3f %6.3f | %4.0f%% %5.1f %5.2f %5.3f %4d %3s "
          "| %6.2f %6.2f\n",
          looks[l], de[0], de[1], de[2], de[1] - de[0], 100 * crop, rot, zoom,
          persp, quality, "", reg, fit_s);
      if (floor_fit)
        printf ("%-12s floor: aligned fit of the before and the after "
                "rendered alike, in the second camera's frame %.3f, at zoom "
                "1 %.3f\n",
                looks[l], de[3], de[4]);
      fflush (stdout);
      n_run++;
      worst_gap = fmax (worst_gap, de[1] - de[0]);
      worst_reg = fmax (worst_reg, reg);
      free (after.rgb);
      free (second.rgb);
      free (naive.rgb);
    }
  if (n_run > 0)
    printf ("%-12s %8.3f %8.3f %8.3f\n", "mean", sum[0] / n_run, sum[1] / n_run,
            sum[2] / n_run);
  printf ("largest gap looklab - aligned %.3f dE00 (target <= 0.3); largest "
          "registration error %.2f px (target <= 1)\n",
          worst_gap, worst_reg);
  return 0;
}
