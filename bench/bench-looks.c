/* bench-looks: how well looks learned from one before/after pair carry over
 * to other photos, for LookLab and the baselines.
 *
 * The development set is made by tools/make-dev-set (photos from Debian
 * packages, each graded by real tools: ImageMagick, G'MIC, an OpenColorIO
 * look through ffmpeg, GIMP 3 Script-Fu).  For every look and every
 * training photo, each method learns from that photo's pair only and
 * predicts the graded version of every other photo.  The error is CIEDE2000
 * in CIE Lab D65 from sRGB (core/common/colour.h), per pixel, averaged per image:
 * "in-sample" is the training photo, "held-out mean" the mean over the
 * other photos, "worst" the held-out image with the largest mean.
 *
 * Methods: (a) identity (the before image itself), (b) G'MIC's CLUT from
 * an after/before pair (clut-from-pair.c), (c) a plain 3-32-32-3 MLP
 * (mlp-plain.c), (d) LookLab: looklab_look_fit () baked to 33^3 with
 * looklab_look_bake () and applied by core/lut-apply (what a .cube holds:
 * the global part only), and the same look applied exactly with all its
 * parts (looklab_look_apply_view_baked () without a bake: global colour,
 * vignette, local contrast), (e) LookLab fitted with params.spatial = 0 (the global part
 * only, which is also what LookLab fitted before looks had spatial parts),
 * and, not a learner, (f) the look's own 64^3 LUT (luts/hald-LOOK.png: an
 * identity HALD image graded by the tool itself; global looks only),
 * applied tetrahedrally: what a table of the true look gives, so that what
 * a learner gets wrong can be told from what any LUT loses,
 * applied exactly.  Looks named sp-* are spatial (benchmark 2 of issue 22:
 * target held-out <= 2.0 for (d) exact).
 *
 * Also: the accuracy of the 33^3 bake against exact evaluation over 1e6
 * seeded random colours, and the fit time of a 1 MP and a 24 MP pair.
 */
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gegl.h>

#include "baselines.h"
#include "common/colour.h"
#include "look/look-private.h"
#include "look/look.h"
#include "lut/lut-apply.h"

#define MAX_PHOTOS 32
#define MAX_LOOKS 32
#define N_METHODS 7
#define HALD_LEVEL 8 /* ImageMagick hald:8: 64^3 colours in 512 x 512 */
#define BAKE_SIZE 33
#define BAKE_SAMPLES 1000000

enum
{
  M_IDENTITY,
  M_CLUT,
  M_MLP,
  M_LOOKLAB_LUT,
  M_LOOKLAB_EXACT,
  M_LOOKLAB_GLOBAL,
  M_TRUE_LUT
};

static const char *method_names[N_METHODS]
    = { "(a) identity",         "(b) CLUT-from-pair", "(c) plain MLP",
        "(d) LookLab 33^3 LUT", "(d) LookLab exact",  "(e) LookLab global only",
        "(f) true look, 64^3" };

typedef struct
{
  char   name[64];
  int    width, height;
  float *rgb; /* width * height * 3, sRGB 0..1 */
} Image;

typedef struct
{
  char  dir[1024];
  char *photos[MAX_PHOTOS];
  int   n_photos;
  char *looks[MAX_LOOKS];
  int   n_looks;
  char  big_photo[256], big_look[256];
} DevSet;

typedef struct
{
  double in_sample; /* summed over training photos */
  double held_mean; /* summed over training photos */
  double worst;     /* max over (train, held-out image) */
  char   worst_name[64];
  double fit_s; /* summed */
  size_t bytes;
  int    n_vignette, n_field, n_detail; /* LookLab: runs that kept each part */
  int    runs;
  int    failed;
} Score;

static int opt_threads = 2;

static double
now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---------------------------------------------------------------------- */
/* Image loading through GEGL, as "R'G'B' float" (sRGB code values). */

static int
load_image (const char *path, const char *format_name, void **data, int *width,
            int *height)
{
  GeglNode     *graph, *load, *sink;
  GeglBuffer   *buffer = NULL;
  GeglRectangle rect;
  const Babl   *format = babl_format (format_name);
  size_t        bytes;

  graph = gegl_node_new ();
  load = gegl_node_new_child (graph, "operation", "gegl:load", "path", path,
                              NULL);
  sink = gegl_node_new_child (graph, "operation", "gegl:buffer-sink", "buffer",
                              &buffer, NULL);
  gegl_node_link (load, sink);
  gegl_node_process (sink);
  g_object_unref (graph);
  if (buffer == NULL)
    return -1;
  rect = *gegl_buffer_get_extent (buffer);
  if (rect.width <= 0 || rect.height <= 0
      || (int64_t) rect.width * rect.height > ((int64_t) 1 << 28))
    {
      g_object_unref (buffer);
      return -1;
    }
  bytes = (size_t) rect.width * rect.height
          * babl_format_get_bytes_per_pixel (format);
  *data = malloc (bytes);
  if (*data == NULL)
    {
      g_object_unref (buffer);
      return -1;
    }
  gegl_buffer_get (buffer, &rect, 1.0, format, *data, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  g_object_unref (buffer);
  *width = rect.width;
  *height = rect.height;
  return 0;
}

static int
load_rgb (const char *path, const char *name, Image *img)
{
  void *data;

  if (load_image (path, "R'G'B' float", &data, &img->width, &img->height) < 0)
    {
      fprintf (stderr, "bench-looks: cannot load %s\n", path);
      return -1;
    }
  img->rgb = data;
  snprintf (img->name, sizeof img->name, "%s", name);
  return 0;
}

/* (f): the look's graded HALD image as a LookLabLut, or NULL when the dev
 * set has none for @look (spatial looks, or an older dev set). */
static LookLabLut *
load_hald_lut (const char *dir, const char *look)
{
  const int   size = HALD_LEVEL * HALD_LEVEL;
  char        path[2048];
  Image       img = { 0 };
  LookLabLut *lut;

  snprintf (path, sizeof path, "%s/luts/hald-%s.png", dir, look);
  if (!g_file_test (path, G_FILE_TEST_EXISTS)
      || load_rgb (path, look, &img) < 0)
    return NULL;
  if (img.width != size * HALD_LEVEL || img.height != size * HALD_LEVEL
      || (lut = looklab_lut_new (size)) == NULL)
    {
      fprintf (stderr, "bench-looks: %s is not a level-%d HALD image\n", path,
               HALD_LEVEL);
      free (img.rgb);
      return NULL;
    }
  /* HALD pixels in raster order are the lattice with red fastest, the
   * order of LookLabLut's table. */
  memcpy (lut->table, img.rgb,
          (size_t) size * size * size * 3 * sizeof (float));
  free (img.rgb);
  return lut;
}

static size_t
n_pixels (const Image *img)
{
  return (size_t) img->width * img->height;
}

/* ---------------------------------------------------------------------- */
/* The dev set manifest (tools/make-dev-set writes it). */

static int
read_dev_set (const char *dir, DevSet *set)
{
  char  path[2048], line[2048];
  FILE *f;

  memset (set, 0, sizeof *set);
  snprintf (set->dir, sizeof set->dir, "%s", dir);
  snprintf (path, sizeof path, "%s/dev-set.txt", dir);
  f = fopen (path, "r");
  if (f == NULL)
    {
      fprintf (stderr,
               "bench-looks: no %s; make the development set first with "
               "tools/make-dev-set\n",
               path);
      return -1;
    }
  while (fgets (line, sizeof line, f) != NULL)
    {
      char a[256], b[256];

      if (sscanf (line, "photo %255s", a) == 1 && set->n_photos < MAX_PHOTOS)
        set->photos[set->n_photos++] = g_strdup (a);
      else if (sscanf (line, "look %255s", a) == 1 && set->n_looks < MAX_LOOKS)
        set->looks[set->n_looks++] = g_strdup (a);
      else if (sscanf (line, "big %63s %63s", a, b) == 2)
        {
          snprintf (set->big_photo, sizeof set->big_photo, "%s", a);
          snprintf (set->big_look, sizeof set->big_look, "%s", b);
        }
    }
  fclose (f);
  if (set->n_photos < 2 || set->n_looks < 1)
    {
      fprintf (stderr, "bench-looks: %s lists too few photos or looks\n", path);
      return -1;
    }
  return 0;
}

/* ---------------------------------------------------------------------- */
/* CIEDE2000 against a target whose Lab is computed once. */

typedef struct
{
  const float *rgb;
  float       *lab;
  size_t       start, end;
} LabJob;

static void *
lab_worker (void *data)
{
  LabJob *job = data;

  for (size_t p = job->start; p < job->end; p++)
    {
      double lab[3];

      looklab_srgb_to_lab (job->rgb + 3 * p, lab);
      job->lab[3 * p] = (float) lab[0];
      job->lab[3 * p + 1] = (float) lab[1];
      job->lab[3 * p + 2] = (float) lab[2];
    }
  return NULL;
}

typedef struct
{
  const float *pred;
  const float *target_lab;
  size_t       start, end;
  double       sum, max;
} DeJob;

static void *
de_worker (void *data)
{
  DeJob *job = data;

  job->sum = 0.0;
  job->max = 0.0;
  for (size_t p = job->start; p < job->end; p++)
    {
      double a[3], b[3], d;

      looklab_srgb_to_lab (job->pred + 3 * p, a);
      b[0] = job->target_lab[3 * p];
      b[1] = job->target_lab[3 * p + 1];
      b[2] = job->target_lab[3 * p + 2];
      d = looklab_ciede2000 (a, b);
      job->sum += d;
      if (d > job->max)
        job->max = d;
    }
  return NULL;
}

#define MAX_THREADS 64

static void
to_lab (const float *rgb, float *lab, size_t n)
{
  pthread_t th[MAX_THREADS];
  LabJob    jobs[MAX_THREADS];
  int       t = opt_threads;

  for (int i = 0; i < t; i++)
    {
      jobs[i].rgb = rgb;
      jobs[i].lab = lab;
      jobs[i].start = n * i / t;
      jobs[i].end = n * (i + 1) / t;
      pthread_create (&th[i], NULL, lab_worker, &jobs[i]);
    }
  for (int i = 0; i < t; i++)
    pthread_join (th[i], NULL);
}

static double
mean_de (const float *pred, const float *target_lab, size_t n, double *max)
{
  pthread_t th[MAX_THREADS];
  DeJob     jobs[MAX_THREADS];
  int       t = opt_threads;
  double    sum = 0.0, mx = 0.0;

  for (int i = 0; i < t; i++)
    {
      jobs[i].pred = pred;
      jobs[i].target_lab = target_lab;
      jobs[i].start = n * i / t;
      jobs[i].end = n * (i + 1) / t;
      pthread_create (&th[i], NULL, de_worker, &jobs[i]);
    }
  for (int i = 0; i < t; i++)
    {
      pthread_join (th[i], NULL);
      sum += jobs[i].sum;
      if (jobs[i].max > mx)
        mx = jobs[i].max;
    }
  if (max != NULL)
    *max = mx;
  return sum / (double) n;
}

/* ---------------------------------------------------------------------- */
/* The learners behind one interface. */

typedef struct
{
  BenchClut        *clut;
  BenchMlp         *mlp;
  LookLabLook      *look;
  LookLabLut       *lut;
  LookLabLook      *look_global;
  const LookLabLut *true_lut; /* (f), owned by the look's loop */
} Learned;

static void
learned_clear (Learned *l)
{
  bench_clut_free (l->clut);
  bench_mlp_free (l->mlp);
  looklab_look_free (l->look);
  looklab_look_free (l->look_global);
  looklab_lut_free (l->lut);
  memset (l, 0, sizeof *l);
}

static LookLabImageView
float_view (const Image *img)
{
  LookLabImageView v;

  v.pixels = img->rgb;
  v.format = LOOKLAB_PIXEL_RGB_FLOAT;
  v.width = img->width;
  v.height = img->height;
  v.stride = (size_t) img->width * 3 * sizeof (float);
  return v;
}

static int opt_mlp_epochs = 30;

/* Fits method @m on the pair; returns 0 or -1, fills fit time and size. */
static int
fit_method (int m, const Image *before, const Image *after, Learned *l,
            double *fit_s, size_t *bytes)
{
  double t0 = now_s ();
  size_t n = n_pixels (before);

  *bytes = 0;
  switch (m)
    {
      case M_IDENTITY: break;

      case M_CLUT:
        l->clut = bench_clut_fit (before->rgb, after->rgb, n, 50.0);
        if (l->clut == NULL)
          return -1;
        *bytes = bench_clut_bytes (l->clut);
        break;

      case M_MLP:
        {
          BenchMlpParams p;
          double         mse;

          bench_mlp_params_init (&p);
          p.epochs = opt_mlp_epochs;
          l->mlp = bench_mlp_fit (before->rgb, after->rgb, n, &p, &mse);
          if (l->mlp == NULL)
            return -1;
          *bytes = bench_mlp_bytes (l->mlp);
          break;
        }

      case M_LOOKLAB_LUT:
        {
          LookLabFitParams params;
          LookLabImageView vb = float_view (before), va = float_view (after);
          LookLabDiag      diag = { 0 };
          void            *data = NULL;
          size_t           len = 0;
          int              status;

          looklab_fit_params_init (&params);
          params.n_threads = opt_threads;
          status = looklab_look_fit (&vb, &va, NULL, &params, NULL, NULL,
                                     &l->look, &diag);
          if (status < 0)
            {
              fprintf (stderr, "bench-looks: looklab_look_fit: %s %s\n",
                       looklab_strerror (status), diag.message);
              return -1;
            }
          l->lut = looklab_look_bake (l->look, BAKE_SIZE, opt_threads);
          if (l->lut == NULL)
            return -1;
          if (looklab_look_serialize (l->look, &data, &len) == 0)
            *bytes = len;
          free (data);
          break;
        }

      case M_LOOKLAB_EXACT:
        /* shares (d)'s fit */
        break;

      case M_TRUE_LUT:
        /* nothing to learn: the look's own table, loaded with the look */
        break;

      case M_LOOKLAB_GLOBAL:
        {
          LookLabFitParams params;
          LookLabImageView vb = float_view (before), va = float_view (after);
          LookLabDiag      diag = { 0 };
          int              status;

          looklab_fit_params_init (&params);
          params.n_threads = opt_threads;
          params.spatial = 0;
          status = looklab_look_fit (&vb, &va, NULL, &params, NULL, NULL,
                                     &l->look_global, &diag);
          if (status < 0)
            {
              fprintf (stderr, "bench-looks: looklab_look_fit: %s %s\n",
                       looklab_strerror (status), diag.message);
              return -1;
            }
          break;
        }
    }
  *fit_s = now_s () - t0;
  return 0;
}

/* A LUT on @before, tetrahedral, as a .cube is applied: rows (d) and (f). */
static int
apply_lut (const LookLabLut *lut, const Image *before, float *out)
{
  size_t stride = (size_t) before->width * 3 * sizeof (float);

  return looklab_lut_apply (lut, LOOKLAB_PIXEL_RGB_FLOAT,
                            LOOKLAB_INTERP_TETRAHEDRAL, 1.0f, before->rgb,
                            stride, out, stride, before->width, before->height,
                            opt_threads);
}

static int
predict (int m, const Learned *l, const Image *before, float *out)
{
  size_t n = n_pixels (before);

  switch (m)
    {
      case M_IDENTITY:
        memcpy (out, before->rgb, n * 3 * sizeof (float));
        return 0;
      case M_CLUT: bench_clut_apply (l->clut, before->rgb, out, n); return 0;
      case M_MLP: bench_mlp_eval (l->mlp, before->rgb, out, n); return 0;
      case M_LOOKLAB_LUT: return apply_lut (l->lut, before, out);
      case M_LOOKLAB_EXACT:
        if (looklab_look_has_spatial (l->look))
          {
            LookLabImageView v = float_view (before);

            /* Exact: the network per pixel, no bake. */
            return looklab_look_apply_view_baked (
                l->look, NULL, &v, out, v.stride, v.width, v.height, 0, 0, 1.0f,
                opt_threads, NULL);
          }
        looklab_look_eval (l->look, before->rgb, out, n);
        return 0;
      case M_LOOKLAB_GLOBAL:
        looklab_look_eval (l->look_global, before->rgb, out, n);
        return 0;
      case M_TRUE_LUT: return apply_lut (l->true_lut, before, out);
    }
  return -1;
}

/* Mean and max dE00 of the 33^3 bake against exact evaluation over
 * BAKE_SAMPLES seeded random colours of the unit cube. */
static void
bake_accuracy (const Learned *l, double *mean, double *max)
{
  Image    rnd = { "random", 1000, BAKE_SAMPLES / 1000, NULL };
  size_t   n = BAKE_SAMPLES;
  float   *exact = malloc (n * 3 * sizeof (float));
  float   *lab = malloc (n * 3 * sizeof (float));
  float   *baked = malloc (n * 3 * sizeof (float));
  uint64_t s = 0x0ba4eULL;

  rnd.rgb = malloc (n * 3 * sizeof (float));
  *mean = *max = NAN;
  if (exact == NULL || lab == NULL || baked == NULL || rnd.rgb == NULL)
    goto out;
  for (size_t i = 0; i < n * 3; i++)
    {
      /* xorshift64* */
      s ^= s >> 12;
      s ^= s << 25;
      s ^= s >> 27;
      rnd.rgb[i] = (float) (((s * 0x2545f4914f6cdd1dULL) >> 40) / 16777216.0);
    }
  looklab_look_eval (l->look, rnd.rgb, exact, n);
  to_lab (exact, lab, n);
  if (predict (M_LOOKLAB_LUT, l, &rnd, baked) == 0)
    *mean = mean_de (baked, lab, n, max);
out:
  free (exact);
  free (lab);
  free (baked);
  free (rnd.rgb);
}

/* ---------------------------------------------------------------------- */

/* ---------------------------------------------------------------------- */
/* --self-test: a small synthetic set (seeded images, analytic looks) that
 * runs every method end to end in seconds, for the test suite. */

#define SYN_PHOTOS 4
#define SYN_W 160
#define SYN_H 120

static const char *syn_looks[] = { "syn-gamma-matrix", "syn-saturation" };

static float
clamp01 (double v)
{
  return (float) (v < 0 ? 0 : (v > 1 ? 1 : v));
}

/* Smooth gradients around a per-image dominant colour plus seeded noise
 * patches, so that each image covers a different part of the cube. */
static int
make_syn_photo (int k, Image *img)
{
  uint64_t s = 0x5e1f7e57ULL + 977 * (uint64_t) k;
  double   hue = k * 0.25;

  snprintf (img->name, sizeof img->name, "syn%d", k);
  img->width = SYN_W;
  img->height = SYN_H;
  img->rgb = malloc ((size_t) SYN_W * SYN_H * 3 * sizeof (float));
  if (img->rgb == NULL)
    return -1;
  for (int y = 0; y < SYN_H; y++)
    for (int x = 0; x < SYN_W; x++)
      {
        double u = (double) x / (SYN_W - 1), v = (double) y / (SYN_H - 1);
        double noise;
        float *px = img->rgb + 3 * ((size_t) y * SYN_W + x);

        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        noise = ((s * 0x2545f4914f6cdd1dULL) >> 40) / 16777216.0 - 0.5;
        for (int c = 0; c < 3; c++)
          {
            double base = 0.5 + 0.4 * cos (2 * M_PI * (hue + c / 3.0));

            px[c] = clamp01 (base * (0.3 + 0.7 * v) + 0.25 * (u - 0.5)
                             + 0.15 * noise);
          }
      }
  return 0;
}

static void
apply_syn_look (int look, const Image *in, Image *out)
{
  size_t n = n_pixels (in);

  *out = *in;
  out->rgb = malloc (n * 3 * sizeof (float));
  if (out->rgb == NULL)
    return;
  for (size_t p = 0; p < n; p++)
    {
      const float *a = in->rgb + 3 * p;
      float       *b = out->rgb + 3 * p;

      if (look == 0)
        {
          double r = pow (a[0], 0.8), g = pow (a[1], 0.8), bl = pow (a[2], 0.8);

          b[0] = clamp01 (0.95 * r + 0.08 * g - 0.03 * bl);
          b[1] = clamp01 (0.02 * r + 0.90 * g + 0.05 * bl);
          b[2] = clamp01 (-0.04 * r + 0.10 * g + 0.85 * bl + 0.04);
        }
      else
        {
          double l = 0.2126 * a[0] + 0.7152 * a[1] + 0.0722 * a[2];

          for (int c = 0; c < 3; c++)
            {
              double v = l + 1.4 * (a[c] - l);

              b[c] = clamp01 (v + 0.1 * sin (2 * M_PI * v) / (2 * M_PI));
            }
        }
    }
}

typedef struct
{
  int passed, failed;
} Checks;

/* (f) for a synthetic look: its 64^3 table, the look applied to the
 * lattice, as tools/make-dev-set grades a HALD image. */
static LookLabLut *
syn_true_lut (int look)
{
  const int size = HALD_LEVEL * HALD_LEVEL;
  Image     lattice = { "lattice", size * HALD_LEVEL, size * HALD_LEVEL, NULL };
  Image     graded = { 0 };
  LookLabLut *lut = looklab_lut_new (size);

  lattice.rgb = malloc ((size_t) size * size * size * 3 * sizeof (float));
  if (lut == NULL || lattice.rgb == NULL)
    goto fail;
  for (int i = 0; i < size * size * size; i++)
    {
      lattice.rgb[3 * i] = (float) (i % size) / (size - 1);
      lattice.rgb[3 * i + 1] = (float) (i / size % size) / (size - 1);
      lattice.rgb[3 * i + 2] = (float) (i / (size * size)) / (size - 1);
    }
  apply_syn_look (look, &lattice, &graded);
  if (graded.rgb == NULL)
    goto fail;
  memcpy (lut->table, graded.rgb,
          (size_t) size * size * size * 3 * sizeof (float));
  free (graded.rgb);
  free (lattice.rgb);
  return lut;
fail:
  free (lattice.rgb);
  looklab_lut_free (lut);
  return NULL;
}

static void
check (Checks *c, int ok, const char *what, const char *look)
{
  printf ("%s - %s (%s)\n", ok ? "ok" : "not ok", what, look);
  if (ok)
    c->passed++;
  else
    c->failed++;
}

/* What any working set of learners must do on a smooth synthetic look. */
static void
self_test_checks (Checks *c, const char *look, const Score *sc,
                  double bake_mean)
{
  double id_in = sc[M_IDENTITY].in_sample / sc[M_IDENTITY].runs;

  for (int m = 0; m < N_METHODS; m++)
    check (c,
           sc[m].runs > 0 && !sc[m].failed && isfinite (sc[m].held_mean)
               && isfinite (sc[m].in_sample),
           method_names[m], look);
  check (c, id_in > 2.0, "the look changes colours (identity in-sample > 2)",
         look);
  for (int m = M_CLUT; m < N_METHODS; m++)
    if (sc[m].runs > 0)
      {
        char what[128];

        snprintf (what, sizeof what, "%s learns: in-sample < identity / 4",
                  method_names[m]);
        check (c, sc[m].in_sample / sc[m].runs < id_in / 4, what, look);
      }
  check (c,
         sc[M_TRUE_LUT].runs > 0
             && sc[M_TRUE_LUT].held_mean / sc[M_TRUE_LUT].runs < 0.2,
         "the look's own 64^3 table reproduces it: held-out < 0.2", look);
  check (c, isfinite (bake_mean) && bake_mean < 0.5,
         "33^3 bake within 0.5 dE00 of exact evaluation on average", look);
  check (
      c,
      sc[M_LOOKLAB_LUT].runs > 0
          && fabs (sc[M_LOOKLAB_LUT].held_mean - sc[M_LOOKLAB_EXACT].held_mean)
                     / sc[M_LOOKLAB_LUT].runs
                 < 0.5,
      "held-out error of bake and exact within 0.5", look);
}

static void
print_look_table (const char *look, const Score *sc, int n_train, int n_held,
                  double bake_mean, double bake_max, int *pass_out)
{
  const Score *d = &sc[M_LOOKLAB_LUT];
  int          beats = 1, pass;

  printf ("\nlook %s: trained on %d photo(s) in turn, each predicting %d "
          "others (dE00, lower is better)\n",
          look, n_train, n_held);
  printf ("  %-22s %9s %9s %16s %9s %8s\n", "method", "in-sample", "held-out",
          "worst held-out", "bytes", "fit s");
  for (int m = 0; m < N_METHODS; m++)
    {
      const Score *s = &sc[m];

      if (s->runs == 0 || s->failed)
        {
          printf ("  %-22s %9s\n", method_names[m],
                  s->failed ? "FAILED" : "not run");
          continue;
        }
      printf ("  %-22s %9.3f %9.3f %7.3f %-8.8s %9zu %8.2f\n", method_names[m],
              s->in_sample / s->runs, s->held_mean / s->runs, s->worst,
              s->worst_name, s->bytes, s->fit_s / s->runs);
    }
  if (d->runs == 0 || d->failed)
    {
      *pass_out = 0;
      return;
    }
  printf ("  bake %d^3 vs exact, %d random colours: mean %.4f, max %.3f\n",
          BAKE_SIZE, BAKE_SAMPLES, bake_mean, bake_max);
  printf ("  (d) kept a radial part in %d, a position field in %d and a "
          "local-contrast part in %d of %d fits\n",
          d->n_vignette, d->n_field, d->n_detail, d->runs);
  if (strncmp (look, "sp-", 3) == 0)
    {
      const Score *e = &sc[M_LOOKLAB_EXACT];

      printf ("  benchmark 2 target for (d) exact: held-out <= 2.0 [%s]\n",
              e->runs > 0 && !e->failed && e->held_mean / e->runs <= 2.0
                  ? "ok"
                  : "MISSED");
    }
  for (int m = M_CLUT; m <= M_MLP; m++)
    if (sc[m].runs > 0 && !sc[m].failed
        && !(d->held_mean < sc[m].held_mean && d->worst < sc[m].worst))
      beats = 0;
  pass = d->held_mean / d->runs <= 1.0 && d->worst <= 2.5
         && d->in_sample / d->runs <= 0.5 && beats;
  printf ("  targets for (d) LUT: held-out <= 1.0 [%s], worst <= 2.5 [%s], "
          "in-sample <= 0.5 [%s], better than (b),(c) [%s]\n",
          d->held_mean / d->runs <= 1.0 ? "ok" : "MISSED",
          d->worst <= 2.5 ? "ok" : "MISSED",
          d->in_sample / d->runs <= 0.5 ? "ok" : "MISSED",
          beats ? "ok" : "MISSED");
  *pass_out = pass;
}

static int
find_photo (const DevSet *set, const char *name)
{
  for (int i = 0; i < set->n_photos; i++)
    if (strcmp (set->photos[i], name) == 0)
      return i;
  return -1;
}

static void
time_big_fit (const DevSet *set)
{
  char             pb[2048], pa[2048];
  void            *db = NULL, *da = NULL;
  int              wb, hb, wa, ha;
  LookLabImageView vb, va;
  LookLabFitParams params;
  LookLabLook     *look = NULL;
  LookLabDiag      diag = { 0 };
  double           t0, t;
  int              status;

  if (set->big_photo[0] == '\0')
    return;
  snprintf (pb, sizeof pb, "%s/big/%s.png", set->dir, set->big_photo);
  snprintf (pa, sizeof pa, "%s/big/%s-%s.png", set->dir, set->big_photo,
            set->big_look);
  if (load_image (pb, "R'G'B' u16", &db, &wb, &hb) < 0
      || load_image (pa, "R'G'B' u16", &da, &wa, &ha) < 0 || wa != wb
      || ha != hb)
    {
      printf ("fit time, 24 MP pair: cannot load %s / %s\n", pb, pa);
      goto out;
    }
  vb.pixels = db;
  va.pixels = da;
  vb.format = va.format = LOOKLAB_PIXEL_RGB_U16;
  vb.width = va.width = wb;
  vb.height = va.height = hb;
  vb.stride = va.stride = (size_t) wb * 6;
  looklab_fit_params_init (&params);
  params.n_threads = opt_threads;
  t0 = now_s ();
  status = looklab_look_fit (&vb, &va, NULL, &params, NULL, NULL, &look, &diag);
  t = now_s () - t0;
  if (status < 0)
    printf ("fit time, %.1f MP pair (%s, %s): FAILED %s\n",
            wb * (double) hb / 1e6, set->big_photo, set->big_look,
            diag.message);
  else
    printf ("fit time, %.1f MP pair (%s, %s), %d threads: %.2f s  "
            "(target <= 6 s) [%s]\n",
            wb * (double) hb / 1e6, set->big_photo, set->big_look, opt_threads,
            t, t <= 6.0 ? "ok" : "MISSED");
out:
  looklab_look_free (look);
  free (db);
  free (da);
}

int
main (int argc, char **argv)
{
  gchar       *dev_dir = NULL, *train_list = NULL, *look_list = NULL;
  gboolean     no_big = FALSE, no_looklab = FALSE, self_test = FALSE;
  gboolean     only_looklab = FALSE;
  gint         rotate = 1;
  gdouble      count_half = -1.0;
  GError      *error = NULL;
  GOptionEntry entries[] = {
    { "dev-set", 'd', 0, G_OPTION_ARG_FILENAME, &dev_dir,
      "development set made by tools/make-dev-set (default bench/cache)",
      "DIR" },
    { "train", 't', 0, G_OPTION_ARG_STRING, &train_list,
      "comma-separated photos to train on, each in turn", "NAMES" },
    { "rotate", 'r', 0, G_OPTION_ARG_INT, &rotate,
      "train on the first N photos in turn and average (default 1)", "N" },
    { "looks", 'l', 0, G_OPTION_ARG_STRING, &look_list,
      "comma-separated looks (default: all)", "NAMES" },
    { "threads", 'j', 0, G_OPTION_ARG_INT, &opt_threads,
      "threads for LookLab and the metric (default 2)", "N" },
    { "mlp-epochs", 0, 0, G_OPTION_ARG_INT, &opt_mlp_epochs,
      "epochs of the plain MLP (default 30)", "N" },
    { "count-half", 0, 0, G_OPTION_ARG_DOUBLE, &count_half,
      "tuning: weight colours by n / (n + H) (0 = equally; default: the "
      "learner's own)",
      "H" },
    { "no-big", 0, 0, G_OPTION_ARG_NONE, &no_big, "skip the 24 MP fit timing",
      NULL },
    { "no-looklab", 0, 0, G_OPTION_ARG_NONE, &no_looklab,
      "run the baselines only", NULL },
    { "only-looklab", 0, 0, G_OPTION_ARG_NONE, &only_looklab,
      "skip the baselines (b) and (c)", NULL },
    { "self-test", 0, 0, G_OPTION_ARG_NONE, &self_test,
      "run every method on a small synthetic set and check the results", NULL },
    { NULL }
  };
  GOptionContext *ctx;
  DevSet          set;
  Image           photos[MAX_PHOTOS] = { 0 };
  int             train[MAX_PHOTOS], n_train = 0;
  int             n_looks_done = 0, n_pass = 0;
  double          sum_held[N_METHODS] = { 0 }, sum_in[N_METHODS] = { 0 };
  double          worst_all[N_METHODS] = { 0 };
  int             n_sum[N_METHODS] = { 0 };
  double          fit1_min = HUGE_VAL, fit1_max = 0.0;
  double          t_start = now_s ();
  float          *buf = NULL;
  size_t          max_n = 0;
  int             rc = 1;
  Checks          checks = { 0, 0 };

  ctx = g_option_context_new ("- look-learning accuracy benchmark");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      fprintf (stderr, "bench-looks: %s\n", error->message);
      return 2;
    }
  g_option_context_free (ctx);
  if (opt_threads < 1 || opt_threads > MAX_THREADS || opt_mlp_epochs < 1)
    {
      fprintf (stderr, "bench-looks: bad --threads or --mlp-epochs\n");
      return 2;
    }
  if (count_half >= 0.0)
    looklab_look_fit_tuning ()->count_half = (float) count_half;
  gegl_init (NULL, NULL);
  if (self_test)
    {
      memset (&set, 0, sizeof set);
      snprintf (set.dir, sizeof set.dir, "(synthetic)");
      for (int i = 0; i < SYN_PHOTOS; i++)
        {
          if (make_syn_photo (i, &photos[i]) < 0)
            return 2;
          set.photos[i] = g_strdup (photos[i].name);
          max_n = n_pixels (&photos[i]);
        }
      set.n_photos = SYN_PHOTOS;
      for (int i = 0; i < 2; i++)
        set.looks[i] = g_strdup (syn_looks[i]);
      set.n_looks = 2;
      no_big = TRUE;
      no_looklab = FALSE;
    }
  else if (read_dev_set (dev_dir != NULL ? dev_dir : "bench/cache", &set) < 0)
    return 2;

  for (int i = 0; i < set.n_photos && !self_test; i++)
    {
      char path[2048];

      snprintf (path, sizeof path, "%s/photos/%s.png", set.dir, set.photos[i]);
      if (load_rgb (path, set.photos[i], &photos[i]) < 0)
        return 2;
      if (n_pixels (&photos[i]) > max_n)
        max_n = n_pixels (&photos[i]);
    }
  if (train_list != NULL)
    {
      gchar **names = g_strsplit (train_list, ",", -1);

      for (int i = 0; names[i] != NULL && n_train < MAX_PHOTOS; i++)
        {
          int k = find_photo (&set, names[i]);

          if (k < 0)
            {
              fprintf (stderr, "bench-looks: no photo %s\n", names[i]);
              return 2;
            }
          train[n_train++] = k;
        }
      g_strfreev (names);
    }
  else
    {
      if (rotate < 1)
        rotate = 1;
      for (int i = 0; i < rotate && i < set.n_photos; i++)
        train[n_train++] = i;
    }
  buf = malloc (max_n * 3 * sizeof (float));
  if (buf == NULL)
    return 2;

  printf ("bench-looks: %d photos x %d looks from %s, %d thread(s)\n",
          set.n_photos, set.n_looks, set.dir, opt_threads);
  printf ("photos:");
  for (int i = 0; i < set.n_photos; i++)
    printf (" %s (%dx%d)", set.photos[i], photos[i].width, photos[i].height);
  printf ("\ntraining photo(s):");
  for (int i = 0; i < n_train; i++)
    printf (" %s", set.photos[train[i]]);
  printf ("\n");
  fflush (stdout);

  for (int li = 0; li < set.n_looks; li++)
    {
      Image       afters[MAX_PHOTOS] = { 0 };
      float      *labs[MAX_PHOTOS] = { 0 };
      Score       sc[N_METHODS];
      double      bake_mean = NAN, bake_max = NAN;
      int         pass, ok = 1;
      LookLabLut *true_lut = NULL;

      if (look_list != NULL)
        {
          gchar **names = g_strsplit (look_list, ",", -1);
          int     want = 0;

          for (int i = 0; names[i] != NULL; i++)
            if (strcmp (names[i], set.looks[li]) == 0)
              want = 1;
          g_strfreev (names);
          if (!want)
            continue;
        }
      memset (sc, 0, sizeof sc);
      true_lut = self_test ? syn_true_lut (li)
                           : load_hald_lut (set.dir, set.looks[li]);
      for (int i = 0; i < set.n_photos && ok; i++)
        {
          char path[2048];

          snprintf (path, sizeof path, "%s/looks/%s/%s.png", set.dir,
                    set.looks[li], set.photos[i]);
          if (self_test)
            apply_syn_look (li, &photos[i], &afters[i]);
          if ((self_test ? (afters[i].rgb == NULL ? -1 : 0)
                         : load_rgb (path, set.photos[i], &afters[i]))
                  < 0
              || afters[i].width != photos[i].width
              || afters[i].height != photos[i].height)
            {
              fprintf (stderr, "bench-looks: bad pair %s\n", path);
              ok = 0;
              break;
            }
          labs[i] = malloc (n_pixels (&photos[i]) * 3 * sizeof (float));
          if (labs[i] == NULL)
            {
              ok = 0;
              break;
            }
          to_lab (afters[i].rgb, labs[i], n_pixels (&photos[i]));
        }

      for (int ti = 0; ti < n_train && ok; ti++)
        {
          int     t = train[ti];
          Learned l = { 0 };

          l.true_lut = true_lut;

          for (int m = 0; m < N_METHODS; m++)
            {
              double fit_s = 0.0, held = 0.0;
              size_t bytes = 0;
              int    n_held = 0;

              if (no_looklab && m >= M_LOOKLAB_LUT && m <= M_LOOKLAB_GLOBAL)
                continue;
              if (only_looklab && (m == M_CLUT || m == M_MLP))
                continue;
              if (m == M_TRUE_LUT && true_lut == NULL)
                continue;
              if (m == M_LOOKLAB_EXACT && l.look == NULL)
                {
                  sc[m].failed = 1;
                  continue;
                }
              if (m != M_LOOKLAB_EXACT)
                {
                  if (fit_method (m, &photos[t], &afters[t], &l, &fit_s, &bytes)
                      < 0)
                    {
                      sc[m].failed = 1;
                      continue;
                    }
                }
              else
                {
                  fit_s = sc[M_LOOKLAB_LUT].fit_s / sc[M_LOOKLAB_LUT].runs;
                  bytes = sc[M_LOOKLAB_LUT].bytes;
                }
              for (int i = 0; i < set.n_photos; i++)
                {
                  double de;

                  if (predict (m, &l, &photos[i], buf) < 0)
                    {
                      sc[m].failed = 1;
                      break;
                    }
                  de = mean_de (buf, labs[i], n_pixels (&photos[i]), NULL);
                  if (i == t)
                    sc[m].in_sample += de;
                  else
                    {
                      held += de;
                      n_held++;
                      if (de > sc[m].worst)
                        {
                          sc[m].worst = de;
                          snprintf (sc[m].worst_name, sizeof sc[m].worst_name,
                                    "%s", set.photos[i]);
                        }
                    }
                }
              sc[m].held_mean += held / n_held;
              sc[m].fit_s += fit_s;
              sc[m].bytes = bytes;
              sc[m].runs++;
              if (m == M_LOOKLAB_LUT)
                {
                  LookLabLookInfo info;

                  looklab_look_get_info (l.look, &info);
                  sc[m].n_vignette += info.vignette_knots > 0;
                  sc[m].n_field += info.field_knots > 0;
                  sc[m].n_detail += info.detail_knots > 0;
                  if (fit_s < fit1_min)
                    fit1_min = fit_s;
                  if (fit_s > fit1_max)
                    fit1_max = fit_s;
                }
              if (m == M_LOOKLAB_EXACT && ti == 0)
                bake_accuracy (&l, &bake_mean, &bake_max);
              if (m == M_CLUT)
                bench_clut_free (l.clut), l.clut = NULL;
              if (m == M_MLP)
                bench_mlp_free (l.mlp), l.mlp = NULL;
            }
          learned_clear (&l);
        }

      if (ok)
        {
          print_look_table (set.looks[li], sc, n_train, set.n_photos - 1,
                            bake_mean, bake_max, &pass);
          n_looks_done++;
          n_pass += pass;
          if (self_test)
            self_test_checks (&checks, set.looks[li], sc, bake_mean);
          for (int m = 0; m < N_METHODS; m++)
            if (sc[m].runs > 0 && !sc[m].failed)
              {
                sum_held[m] += sc[m].held_mean / sc[m].runs;
                sum_in[m] += sc[m].in_sample / sc[m].runs;
                if (sc[m].worst > worst_all[m])
                  worst_all[m] = sc[m].worst;
                n_sum[m]++;
              }
          fflush (stdout);
        }
      for (int i = 0; i < set.n_photos; i++)
        {
          free (afters[i].rgb);
          free (labs[i]);
        }
      looklab_lut_free (true_lut);
    }

  printf ("\nsummary over %d look(s) (mean of per-look means; worst = worst "
          "held-out image of any look)\n",
          n_looks_done);
  printf ("  %-22s %9s %9s %9s\n", "method", "in-sample", "held-out", "worst");
  for (int m = 0; m < N_METHODS; m++)
    if (n_sum[m] > 0)
      {
        printf ("  %-22s %9.3f %9.3f %9.3f", method_names[m],
                sum_in[m] / n_sum[m], sum_held[m] / n_sum[m], worst_all[m]);
        if (n_sum[m] < n_looks_done)
          printf ("  (over its %d look(s))", n_sum[m]);
        printf ("\n");
      }
  if (!no_looklab && n_sum[M_LOOKLAB_LUT] > 0)
    {
      printf ("  looks where (d) meets every target: %d of %d\n", n_pass,
              n_looks_done);
      printf ("fit time, 1 MP pairs, %d threads: %.2f .. %.2f s over the "
              "looks (target <= 2 s) [%s]\n",
              opt_threads, fit1_min, fit1_max,
              fit1_max <= 2.0 ? "ok" : "MISSED");
      if (!no_big)
        time_big_fit (&set);
    }
  printf ("bench-looks: %.0f s in all\n", now_s () - t_start);
  rc = 0;
  if (self_test)
    {
      if (checks.passed + checks.failed == 0)
        checks.failed = 1;
      printf ("%d passed, %d failed\n", checks.passed, checks.failed);
      rc = checks.failed > 0;
    }

  free (buf);
  for (int i = 0; i < set.n_photos; i++)
    {
      free (photos[i].rgb);
      g_free (set.photos[i]);
    }
  for (int i = 0; i < set.n_looks; i++)
    g_free (set.looks[i]);
  gegl_exit ();
  return rc;
}
