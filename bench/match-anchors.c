/* match-anchors: the held-out benchmark of issue 23 ("a look from a graded
 * image alone"), for the colour-transfer anchors; bench/bench-match runs
 * it.
 *
 * For each held-out look L and each ordered pair of different photos
 * (A, B): the reference is A graded by L, the target is B as shot, the
 * truth is B graded by L.  Each method turns (reference, target) into a
 * prediction of the truth; the error is the mean CIEDE2000 over pixels
 * (sRGB to CIE Lab D65, core/common/colour.h), averaged over pairs, then
 * over looks.  Methods: identity (the target itself: do nothing),
 * Reinhard et al. 2001, exact per-channel histogram matching, Pitie et
 * al. 2007 IDT (colour-transfer.c), and with --model `looklab match`
 * (core/match/: neutralize the reference, learn the look of the pair as
 * the CLI does, global part, apply the look to the target; one look per
 * reference, its time counted once).
 *
 * The set is a manifest (bench/bench-match writes it):
 *   photos DIR          the photos as shot, DIR/NAME.png
 *   photo NAME          one per photo
 *   look NAME DIR       the photos graded by look NAME, DIR/NAME.png
 * Pairs: B is the photo OFFSET places after A in the list, for each
 * OFFSET of --offsets (default 1,4: 2 n pairs per look).  Every image is
 * decimated to every --step-th pixel of every step-th row (default 4) as
 * it is read: the looks are pixel-wise, so the decimated truth is still
 * exactly the look of the decimated target, at a sixteenth of the work.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gegl.h>

#include "colour-transfer.h"
#include "common/colour.h"
#include "look/look.h"
#include "match/match.h"

#define MAX_PHOTOS 64
#define MAX_LOOKS 64
#define MAX_OFFSETS 16
#define N_METHODS 5
#define PITIE_SEED 2007

enum
{
  M_IDENTITY,
  M_REINHARD,
  M_HISTOGRAM,
  M_PITIE,
  M_LOOKLAB
};

/* Reinhard, histogram matching, Pitie: the anchors --only-match skips */
static int
is_transfer (int m)
{
  return m == M_REINHARD || m == M_HISTOGRAM || m == M_PITIE;
}

static const char *method_names[N_METHODS]
    = { "identity (do nothing)", "Reinhard 2001 (l-alpha-beta)",
        "histogram matching (RGB)", "Pitie 2007 IDT", "looklab match" };

typedef struct
{
  int    width, height;
  float *rgb; /* width * height * 3, sRGB 0..1 */
} Image;

static double
now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Loads @path as "R'G'B' float" (sRGB code values) through GEGL. */
static int
load_rgb (const char *path, Image *img, int step)
{
  GeglNode     *graph, *load, *sink;
  GeglBuffer   *buffer = NULL;
  GeglRectangle rect;
  const Babl   *format = babl_format ("R'G'B' float");

  memset (img, 0, sizeof *img);
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      fprintf (stderr, "match-anchors: no file %s\n", path);
      return -1;
    }
  graph = gegl_node_new ();
  load = gegl_node_new_child (graph, "operation", "gegl:load", "path", path,
                              NULL);
  sink = gegl_node_new_child (graph, "operation", "gegl:buffer-sink", "buffer",
                              &buffer, NULL);
  gegl_node_link (load, sink);
  gegl_node_process (sink);
  g_object_unref (graph);
  if (buffer == NULL)
    goto fail;
  rect = *gegl_buffer_get_extent (buffer);
  if (rect.width <= 0 || rect.height <= 0
      || (int64_t) rect.width * rect.height > ((int64_t) 1 << 26))
    {
      g_object_unref (buffer);
      goto fail;
    }
  img->rgb = malloc ((size_t) rect.width * rect.height * 3 * sizeof (float));
  if (img->rgb == NULL)
    {
      g_object_unref (buffer);
      goto fail;
    }
  gegl_buffer_get (buffer, &rect, 1.0, format, img->rgb, GEGL_AUTO_ROWSTRIDE,
                   GEGL_ABYSS_NONE);
  g_object_unref (buffer);
  img->width = rect.width;
  img->height = rect.height;
  if (step > 1)
    {
      /* every step-th pixel of every step-th row, in place */
      int w = (img->width + step - 1) / step;
      int h = (img->height + step - 1) / step;

      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          memmove (img->rgb + 3 * ((size_t) y * w + x),
                   img->rgb + 3 * ((size_t) y * step * img->width + x * step),
                   3 * sizeof (float));
      img->width = w;
      img->height = h;
    }
  return 0;
fail:
  fprintf (stderr, "match-anchors: cannot load %s\n", path);
  return -1;
}

static size_t
n_pixels (const Image *img)
{
  return (size_t) img->width * img->height;
}

typedef struct
{
  char  photo_dir[1024];
  char *photos[MAX_PHOTOS];
  int   n_photos;
  char *looks[MAX_LOOKS];
  char *look_dirs[MAX_LOOKS];
  int   n_looks;
} MatchSet;

static int
read_set (const char *path, MatchSet *set)
{
  char  line[2048];
  FILE *f;

  memset (set, 0, sizeof *set);
  f = fopen (path, "r");
  if (f == NULL)
    {
      fprintf (stderr, "match-anchors: no %s; bench/bench-match makes it\n",
               path);
      return -1;
    }
  while (fgets (line, sizeof line, f) != NULL)
    {
      char a[1024], b[1024];

      if (sscanf (line, "photos %1023s", a) == 1)
        snprintf (set->photo_dir, sizeof set->photo_dir, "%s", a);
      else if (sscanf (line, "photo %1023s", a) == 1
               && set->n_photos < MAX_PHOTOS)
        set->photos[set->n_photos++] = g_strdup (a);
      else if (sscanf (line, "look %1023s %1023s", a, b) == 2
               && set->n_looks < MAX_LOOKS)
        {
          set->looks[set->n_looks] = g_strdup (a);
          set->look_dirs[set->n_looks++] = g_strdup (b);
        }
    }
  fclose (f);
  if (set->n_photos < 2 || set->n_looks < 1 || set->photo_dir[0] == '\0')
    {
      fprintf (stderr,
               "match-anchors: %s needs a photos line, 2 photos or more and "
               "a look\n",
               path);
      return -1;
    }
  return 0;
}

/* Mean CIEDE2000 of @pred against @truth_lab (Lab of the truth, computed
 * once per pair). */
static double
mean_de (const float *pred, const double *truth_lab, size_t n)
{
  double sum = 0.0;

  for (size_t p = 0; p < n; p++)
    {
      double lab[3];

      looklab_srgb_to_lab (pred + 3 * p, lab);
      sum += looklab_ciede2000 (lab, truth_lab + 3 * p);
    }
  return sum / (double) n;
}

static int
run_method (int m, float *work, const Image *target, const Image *ref,
            int pitie_iters)
{
  size_t nt = n_pixels (target), nr = n_pixels (ref);

  memcpy (work, target->rgb, nt * 3 * sizeof (float));
  switch (m)
    {
      case M_IDENTITY: return 0;
      case M_REINHARD: return bench_transfer_reinhard (work, nt, ref->rgb, nr);
      case M_HISTOGRAM:
        return bench_transfer_histogram (work, nt, ref->rgb, nr);
      case M_PITIE:
        return bench_transfer_pitie (work, nt, ref->rgb, nr, pitie_iters,
                                     PITIE_SEED);
    }
  return -1;
}

/* looklab match of the reference @ref (its look, global part, as the CLI
 * learns it), or NULL after a message. */
static LookLabLook *
learn_match (const LookLabNeutralizer *nz, const Image *ref, int threads,
             double *moved)
{
  LookLabMatchPair pair;
  LookLabImageView v = { ref->rgb, LOOKLAB_PIXEL_RGB_FLOAT, ref->width,
                         ref->height, sizeof (float) * 3 * ref->width };
  LookLabImageView vb, va;
  LookLabFitParams params;
  LookLabLook     *look = NULL;
  LookLabDiag      diag = { 0 };
  int              status;

  status = looklab_match_pair (nz, &v, 0, 1.0f, threads, &pair, &diag);
  if (status != LOOKLAB_OK)
    {
      fprintf (stderr, "match-anchors: looklab match: %s\n", diag.message);
      return NULL;
    }
  *moved = pair.moved_de00;
  vb = v;
  vb.pixels = pair.before;
  vb.width = pair.width;
  vb.height = pair.height;
  vb.stride = sizeof (float) * 3 * pair.width;
  va = vb;
  va.pixels = pair.after;
  looklab_match_fit_params_init (&params);
  params.n_threads = threads;
  status = looklab_look_fit (&vb, &va, pair.mask, &params, NULL, NULL, &look,
                             &diag);
  looklab_match_pair_clear (&pair);
  if (status != LOOKLAB_OK)
    fprintf (stderr, "match-anchors: looklab match: %s\n", diag.message);
  return look;
}

/* ---------------------------------------------------------------------- */
/* --self-test: checks on small synthetic images that each method does
 * what its paper says, where the answer is known. */

static float
syn_curve (float v, int c)
{
  /* a monotone per-channel grade: gamma and lift, different per channel */
  static const double g[3] = { 0.7, 1.0, 1.4 }, lift[3] = { 0.05, 0.0, 0.1 };

  return (float) (lift[c] + (1.0 - lift[c]) * pow (v, g[c]));
}

static int
self_test (void)
{
  enum
  {
    W = 96,
    H = 64
  };
  Image   a = { W, H, NULL }, b = { W, H, NULL }, bg = { W, H, NULL };
  float  *work = NULL;
  double *lab = NULL;
  int     fails = 0;
  size_t  n = (size_t) W * H;

  a.rgb = malloc (n * 3 * sizeof (float));
  b.rgb = malloc (n * 3 * sizeof (float));
  bg.rgb = malloc (n * 3 * sizeof (float));
  work = malloc (n * 3 * sizeof (float));
  lab = malloc (n * 3 * sizeof (double));
  if (!a.rgb || !b.rgb || !bg.rgb || !work || !lab)
    {
      fails = 1;
      goto out;
    }
  /* two different smooth "scenes" on the 16-bit grid */
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        size_t p = (size_t) y * W + x;
        double u = (x + 0.5) / W, v = (y + 0.5) / H;

        a.rgb[3 * p] = (float) (0.1 + 0.8 * u);
        a.rgb[3 * p + 1] = (float) (0.2 + 0.6 * v * u);
        a.rgb[3 * p + 2] = (float) (0.5 + 0.4 * sin (6.0 * u + 3.0 * v));
        b.rgb[3 * p] = (float) (0.3 + 0.5 * v);
        b.rgb[3 * p + 1] = (float) (0.1 + 0.8 * u * u);
        b.rgb[3 * p + 2] = (float) (0.4 + 0.3 * cos (5.0 * v - 2.0 * u));
      }
  for (size_t i = 0; i < n * 3; i++)
    {
      a.rgb[i] = roundf (a.rgb[i] * 65535.0f) / 65535.0f;
      b.rgb[i] = roundf (b.rgb[i] * 65535.0f) / 65535.0f;
      bg.rgb[i] = syn_curve (b.rgb[i], (int) (i % 3));
    }
  for (size_t p = 0; p < n; p++)
    looklab_srgb_to_lab (bg.rgb + 3 * p, lab + 3 * p);

  /* 1. The reference is the target itself: every transfer is (nearly) the
   * identity. */
  for (int m = M_REINHARD; m < N_METHODS; m++)
    {
      double lab_b[3], d = 0.0;

      run_method (m, work, &b, &b, 20);
      for (size_t p = 0; p < n; p++)
        {
          double l2[3];

          looklab_srgb_to_lab (b.rgb + 3 * p, lab_b);
          looklab_srgb_to_lab (work + 3 * p, l2);
          d += looklab_ciede2000 (lab_b, l2);
        }
      d /= (double) n;
      printf ("self-test: %s onto itself: %.4f dE00 (want < 0.2)\n",
              method_names[m], d);
      fails += !(d < 0.2);
    }
  /* 2. The reference is the target under a monotone per-channel curve: the
   * histogram matching of the target onto it is that curve, exactly up to
   * the 16-bit grid; Pitie's transfer recovers it closely. */
  {
    double d_hist, d_pitie, d_id;

    run_method (M_HISTOGRAM, work, &b, &bg, 0);
    d_hist = mean_de (work, lab, n);
    run_method (M_PITIE, work, &b, &bg, 20);
    d_pitie = mean_de (work, lab, n);
    d_id = mean_de (b.rgb, lab, n);
    printf ("self-test: same scene under a curve: identity %.3f, "
            "histogram %.4f (want < 0.05), Pitie %.3f (want < 0.15 of "
            "identity)\n",
            d_id, d_hist, d_pitie);
    fails += !(d_hist < 0.05);
    fails += !(d_pitie < 0.15 * d_id);
  }
  /* 3. Reinhard: the transferred target has the reference's l-alpha-beta
   * means; checked through the mean Lab, which follows closely.  And a
   * reference of another scene moves the target (the methods copy
   * content statistics, which is the point of the benchmark). */
  {
    double d;

    run_method (M_REINHARD, work, &b, &a, 0);
    d = 0.0;
    for (size_t p = 0; p < n; p++)
      {
        double l1[3], l2[3];

        looklab_srgb_to_lab (work + 3 * p, l1);
        looklab_srgb_to_lab (b.rgb + 3 * p, l2);
        d += looklab_ciede2000 (l1, l2);
      }
    d /= (double) n;
    printf ("self-test: Reinhard of one scene onto another moves it by "
            "%.2f dE00 (want > 1)\n",
            d);
    fails += !(d > 1.0);
  }
  printf ("self-test: %s\n", fails ? "FAILED" : "ok");
out:
  free (a.rgb);
  free (b.rgb);
  free (bg.rgb);
  free (work);
  free (lab);
  return fails ? 1 : 0;
}

/* ---------------------------------------------------------------------- */

int
main (int argc, char **argv)
{
  gchar              *set_path = NULL, *offsets_arg = NULL, *model_path = NULL;
  gint                threads = 2;
  LookLabNeutralizer *nz = NULL;
  LookLabLook        *looks[MAX_PHOTOS] = { NULL };
  double              moved = 0.0;
  gint                pitie_iters = 20, step = 4;
  gboolean            want_self_test = FALSE, only_match = FALSE;
  GError             *error = NULL;
  GOptionEntry        entries[] = {
           { "set", 's', 0, G_OPTION_ARG_FILENAME, &set_path,
             "the manifest bench/bench-match writes", "FILE" },
           { "offsets", 'o', 0, G_OPTION_ARG_STRING, &offsets_arg,
             "pairs (A, A + k) for each k (default 1,4)", "K,K" },
           { "step", 0, 0, G_OPTION_ARG_INT, &step,
             "use every STEP-th pixel of every STEP-th row (default 4; exact, the "
                    "looks being pixel-wise)",
             "STEP" },
           { "pitie-iters", 0, 0, G_OPTION_ARG_INT, &pitie_iters,
             "iterations of Pitie's transfer (default 20)", "N" },
           { "model", 0, 0, G_OPTION_ARG_FILENAME, &model_path,
             "the neutralizer of looklab match (without it: no looklab row)", "FILE" },
           { "threads", 0, 0, G_OPTION_ARG_INT, &threads,
             "threads of looklab match (default 2)", "T" },
           { "only-match", 0, 0, G_OPTION_ARG_NONE, &only_match,
             "measure identity and looklab match only (a quick run to compare "
                    "neutralizers; the transfers' columns are left empty)",
             NULL },
           { "self-test", 0, 0, G_OPTION_ARG_NONE, &want_self_test,
             "check the methods on small synthetic images", NULL },
           { NULL }
  };
  GOptionContext *ctx;
  MatchSet        set;
  int             offsets[MAX_OFFSETS], n_offsets = 0;
  double          total[N_METHODS] = { 0 }, secs[N_METHODS] = { 0 };
  int             n_total = 0, rc = 1, n_methods;
  double          t0 = now_s ();
  static Image    shot[MAX_PHOTOS], graded[MAX_PHOTOS];
  static double  *truth_lab[MAX_PHOTOS];

  ctx = g_option_context_new ("- colour-transfer anchors of issue 23");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      fprintf (stderr, "match-anchors: %s\n", error->message);
      return 2;
    }
  g_option_context_free (ctx);
  if (want_self_test)
    return self_test ();
  if (set_path == NULL || pitie_iters < 1 || pitie_iters > 1000 || step < 1
      || step > 16)
    {
      fprintf (stderr, "match-anchors: --set FILE is needed (and "
                       "--pitie-iters 1..1000, --step 1..16)\n");
      return 2;
    }
  {
    gchar **parts = g_strsplit (offsets_arg ? offsets_arg : "1,4", ",", -1);

    for (int i = 0; parts[i] != NULL && n_offsets < MAX_OFFSETS; i++)
      offsets[n_offsets++] = atoi (parts[i]);
    g_strfreev (parts);
  }
  gegl_init (NULL, NULL);
  if (read_set (set_path, &set) < 0)
    return 1;
  if (model_path != NULL)
    {
      LookLabDiag diag = { 0 };

      if (looklab_neutralizer_load (model_path, &nz, &diag) != LOOKLAB_OK)
        {
          fprintf (stderr, "match-anchors: %s: %s\n", model_path, diag.message);
          return 1;
        }
    }
  n_methods = nz != NULL ? N_METHODS : M_LOOKLAB;
  for (int i = 0; i < n_offsets; i++)
    if (offsets[i] <= 0 || offsets[i] % set.n_photos == 0)
      {
        fprintf (stderr,
                 "match-anchors: offset %d pairs a photo with "
                 "itself\n",
                 offsets[i]);
        return 2;
      }

  printf ("match-anchors: %d photos, %d held-out looks, pairs (A, A+k) for "
          "k in {%s}: %d pairs per look; every %d-th pixel and row; Pitie: "
          "%d iterations, seed %d, no regraining\n",
          set.n_photos, set.n_looks, offsets_arg ? offsets_arg : "1,4",
          set.n_photos * n_offsets, step, pitie_iters, PITIE_SEED);
  printf ("%-16s", "look");
  for (int m = 0; m < n_methods; m++)
    printf (" %10s", (const char *[]){ "identity", "Reinhard", "histogram",
                                       "Pitie", "looklab" }[m]);
  printf ("\n");
  fflush (stdout);
  /* the photos as shot, once */
  for (int i = 0; i < set.n_photos; i++)
    {
      gchar *pb = g_strdup_printf ("%s/%s.png", set.photo_dir, set.photos[i]);
      int    ok = load_rgb (pb, &shot[i], step) == 0;

      g_free (pb);
      if (!ok)
        goto out;
    }
  for (int l = 0; l < set.n_looks; l++)
    {
      double sum[N_METHODS] = { 0 };
      int    n_pairs = 0;

      /* the look's graded photos (references and truths) and their Lab */
      for (int i = 0; i < set.n_photos; i++)
        {
          gchar *pt
              = g_strdup_printf ("%s/%s.png", set.look_dirs[l], set.photos[i]);
          int    ok = load_rgb (pt, &graded[i], step) == 0;
          size_t n;

          g_free (pt);
          if (ok
              && (graded[i].width != shot[i].width
                  || graded[i].height != shot[i].height))
            {
              fprintf (stderr,
                       "match-anchors: %s and its graded twin "
                       "differ in size\n",
                       set.photos[i]);
              ok = 0;
            }
          if (!ok)
            goto out;
          n = n_pixels (&graded[i]);
          truth_lab[i] = malloc (n * 3 * sizeof (double));
          if (truth_lab[i] == NULL)
            goto out;
          for (size_t p = 0; p < n; p++)
            looklab_srgb_to_lab (graded[i].rgb + 3 * p, truth_lab[i] + 3 * p);
          if (nz != NULL)
            {
              double ts = now_s ();

              looks[i] = learn_match (nz, &graded[i], threads, &moved);
              secs[M_LOOKLAB] += now_s () - ts;
              if (looks[i] == NULL)
                goto out;
            }
        }
      for (int a = 0; a < set.n_photos; a++)
        for (int k = 0; k < n_offsets; k++)
          {
            int    b = (a + offsets[k]) % set.n_photos;
            size_t n = n_pixels (&shot[b]);
            float *work = malloc (n * 3 * sizeof (float));

            if (work == NULL)
              goto out;
            for (int m = 0; m < n_methods; m++)
              {
                double ts = now_s ();
                int    ok;

                if (only_match && is_transfer (m))
                  continue;

                if (m == M_LOOKLAB)
                  {
                    looklab_look_eval (looks[a], shot[b].rgb, work, n);
                    ok = 1;
                  }
                else
                  ok = run_method (m, work, &shot[b], &graded[a], pitie_iters)
                       == 0;
                secs[m] += now_s () - ts;
                if (!ok)
                  {
                    free (work);
                    goto out;
                  }
                sum[m] += mean_de (work, truth_lab[b], n);
              }
            free (work);
            n_pairs++;
          }
      for (int i = 0; i < set.n_photos; i++)
        {
          free (graded[i].rgb);
          graded[i].rgb = NULL;
          free (truth_lab[i]);
          truth_lab[i] = NULL;
          looklab_look_free (looks[i]);
          looks[i] = NULL;
        }
      printf ("%-16s", set.looks[l]);
      for (int m = 0; m < n_methods; m++)
        {
          if (only_match && is_transfer (m))
            {
              printf (" %10s", "-");
              continue;
            }
          printf (" %10.3f", sum[m] / n_pairs);
          total[m] += sum[m] / n_pairs;
        }
      printf ("\n");
      fflush (stdout);
      n_total++;
    }
  printf ("\nmean dE00 against the truth over %d looks (each look the mean "
          "of its pairs):\n",
          n_total);
  for (int m = 0; m < n_methods; m++)
    if (!(only_match && is_transfer (m)))
      printf ("  %-30s %7.3f  (%.2f x identity; %.2f s per pair)\n",
              method_names[m], total[m] / n_total, total[m] / total[M_IDENTITY],
              secs[m] / (n_total * set.n_photos * n_offsets));
  if (nz == NULL)
    printf ("  %-30s %7s  not measured: give --model\n", "looklab match", "-");
  else
    printf ("  (looklab match: one look per reference, its time spread "
            "over the reference's pairs; at %d threads)\n",
            threads);
  if (only_match)
    printf ("  (--only-match: the transfers were not run)\n");
  printf ("  issue 23's target for looklab match: <= %.3f (half of "
          "identity) and below every transfer method\n",
          0.5 * total[M_IDENTITY] / n_total);
  printf ("match-anchors: %.0f s\n", now_s () - t0);
  rc = 0;
out:
  for (int i = 0; i < MAX_PHOTOS; i++)
    {
      free (shot[i].rgb);
      free (graded[i].rgb);
      free (truth_lab[i]);
      looklab_look_free (looks[i]);
    }
  looklab_neutralizer_free (nz);
  return rc;
}
