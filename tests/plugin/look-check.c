/* tests/plugin/look-check: compares what the plug-in did inside GIMP with
 * what the core computes by itself on the same inputs.
 *
 *   look-check apply LOOK IN.png OUT.png   OUT is IN with LOOK (a look
 *                                          baked at 65, or a .cube) applied,
 *                                          tetrahedral, to within one 8-bit
 *                                          level; a look with spatial parts
 *                                          is applied whole, as `looklab
 *                                          apply` does
 *   look-check apply-region LOOK IN.png OUT.png X Y W H
 *                                          the same inside the rectangle,
 *                                          which a look with spatial parts
 *                                          sees as the whole image (GIMP's
 *                                          filter input region "selection"),
 *                                          OUT = IN outside it
 *   look-check learn BEFORE AFTER LOOK     LOOK is byte for byte what the
 *                                          core learns from the pair with
 *                                          default parameters, seed 0
 *   look-check learn-auto BEFORE AFTER LOOK
 *                                          the same, the pair registered
 *                                          first (align auto: any sizes)
 *   look-check cube LOOK CUBE              CUBE holds LOOK baked at the
 *                                          CUBE's size (to text precision)
 *   look-check de00 A.png B.png MAX        mean CIEDE2000 of A vs B <= MAX
 *   look-check chroma A.png MIN            mean CIE C*ab of A >= MIN
 *   look-check lightness A.png B.png MAX   |L*(A) - L*(B)| <= MAX at every
 *                                          pixel (images read at their own
 *                                          precision, 16-bit included)
 *   look-check redder A.png B.png X Y W H MARGIN
 *                                          mean a* of A in the rectangle
 *                                          exceeds B's there by >= MARGIN
 *   look-check region A.png B.png X Y W H  A and B are identical outside the
 *                                          rectangle and differ inside it
 *   look-check truncate SRC DST BYTES      writes the first BYTES of SRC to
 *                                          DST (a setup step: a truncated
 *                                          file for a test)
 *   look-check match-cli REF CUBE MAX [ARG...]
 *                                          CUBE holds, to within MAX per
 *                                          entry, the .cube that
 *                                          `$LOOKLAB_CLI match REF -o X.cube
 *                                          ARG...` writes (the CLI is run
 *                                          here)
 *   look-check same A B                    files A and B are byte for byte
 *                                          the same
 *   look-check absent FILE                 FILE does not exist (a failed
 *                                          call wrote nothing)
 *   look-check spatial LOOK                LOOK has spatial parts (a
 *                                          vignette or local contrast)
 *   look-check global LOOK                 LOOK has none
 *
 * The Script-Fu tests write one such command a line into checks.txt;
 * run-gimp.sh runs them after GIMP quits.  Exit status 0 = all good.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gegl.h>

#include "common/colour.h"
#include "lut/cube-io.h"
#include "look/look-learn.h"
#include "look/look.h"
#include "lut/lut-apply.h"

typedef struct
{
  guchar *pixels; /* R'G'B'A u8 */
  gint    width;
  gint    height;
} Image;

static gboolean
load_png (const char *path, Image *image)
{
  GeglNode     *graph = gegl_node_new ();
  GeglNode     *load;
  GeglRectangle box;

  load = gegl_node_new_child (graph, "operation", "gegl:load", "path", path,
                              NULL);
  box = gegl_node_get_bounding_box (load);
  image->width = box.width;
  image->height = box.height;
  image->pixels = NULL;
  if (box.width > 0 && box.height > 0)
    {
      image->pixels = g_malloc ((gsize) box.width * box.height * 4);
      gegl_node_blit (load, 1.0, &box, babl_format ("R'G'B'A u8"),
                      image->pixels, GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
    }
  g_object_unref (graph);
  if (image->pixels == NULL)
    fprintf (stderr, "look-check: cannot load %s\n", path);
  return image->pixels != NULL;
}

static LookLabLook *
load_look (const char *path)
{
  LookLabLook *look = NULL;
  LookLabDiag  diag = { 0 };

  if (looklab_look_load (path, &look, &diag) != LOOKLAB_OK)
    fprintf (stderr, "look-check: cannot load look %s: %s\n", path,
             diag.message);
  return look;
}

static gboolean
parse_rect (char **argv, GeglRectangle *r)
{
  r->x = atoi (argv[0]);
  r->y = atoi (argv[1]);
  r->width = atoi (argv[2]);
  r->height = atoi (argv[3]);
  return r->width > 0 && r->height > 0;
}

static int
check_apply (const char *look_path, const char *in_path, const char *out_path,
             char **rect_argv)
{
  GeglRectangle r = { 0, 0, G_MAXINT, G_MAXINT };
  LookLabLook  *look = NULL;
  LookLabLut   *lut = NULL;
  Image         in = { 0 }, out = { 0 }, kept = { 0 };
  size_t        i, n;
  int           worst = 0;
  int           status = 1;

  /* A .cube is applied as read; a look is baked as the plug-in does, or
   * with its spatial parts applied whole. */
  if (looklab_cube_read (look_path, &lut, NULL) != LOOKLAB_OK)
    {
      look = load_look (look_path);
      if (look == NULL)
        goto out;
      if (!looklab_look_has_spatial (look))
        lut = looklab_look_bake (look, 65, 0);
    }
  if (!load_png (in_path, &in) || !load_png (out_path, &out)
      || !load_png (in_path, &kept))
    goto out;
  if (in.width != out.width || in.height != out.height)
    {
      fprintf (stderr, "look-check: sizes differ\n");
      goto out;
    }
  if (rect_argv != NULL
      && (!parse_rect (rect_argv, &r) || r.x < 0 || r.y < 0
          || r.x + r.width > in.width || r.y + r.height > in.height))
    goto out;
  if (lut == NULL && look != NULL)
    {
      /* With a selection GIMP gives a filter the selection's bounds as its
       * input, so the look sees the rectangle as the whole image. */
      GeglRectangle    f = rect_argv != NULL
                               ? r
                               : (GeglRectangle){ 0, 0, in.width, in.height };
      LookLabImageView view
          = { in.pixels + ((size_t) f.y * in.width + f.x) * 4,
              LOOKLAB_PIXEL_RGBA_U8, f.width, f.height, (size_t) in.width * 4 };

      if (looklab_look_apply_view (look, &view, (void *) view.pixels,
                                   view.stride, f.width, f.height, 0, 0, 1.0f,
                                   0, NULL)
          != LOOKLAB_OK)
        goto out;
    }
  else if (lut == NULL
           || looklab_lut_apply (lut, LOOKLAB_PIXEL_RGBA_U8,
                                 LOOKLAB_INTERP_TETRAHEDRAL, 1.0f, in.pixels,
                                 (size_t) in.width * 4, in.pixels,
                                 (size_t) in.width * 4, in.width, in.height, 0)
                  != LOOKLAB_OK)
    goto out;

  n = (size_t) in.width * in.height * 4;
  for (i = 0; i < n; i++)
    {
      gint x = (gint) (i / 4 % in.width), y = (gint) (i / 4 / in.width);

      /* Outside the rectangle OUT is the input, unchanged. */
      if (x >= r.x && x - r.x < r.width && y >= r.y && y - r.y < r.height)
        worst = MAX (worst, abs ((int) in.pixels[i] - (int) out.pixels[i]));
      else if (kept.pixels[i] != out.pixels[i])
        worst = 256;
    }
  printf ("look-check apply: largest difference %d of 255\n", worst);
  status = worst <= 1 ? 0 : 1;

out:
  g_free (in.pixels);
  g_free (out.pixels);
  g_free (kept.pixels);
  looklab_lut_free (lut);
  looklab_look_free (look);
  return status;
}

static int
check_learn (const char *before_path, const char *after_path,
             const char *look_path, int align_auto)
{
  Image            before = { 0 }, after = { 0 };
  LookLabImageView bview, aview;
  LookLabFitParams params;
  LookLabLook     *look = NULL;
  LookLabDiag      diag = { 0 };
  void            *mine = NULL;
  size_t           mine_len = 0;
  gchar           *theirs = NULL;
  gsize            theirs_len = 0;
  int              status = 1;

  if (!load_png (before_path, &before) || !load_png (after_path, &after)
      || !g_file_get_contents (look_path, &theirs, &theirs_len, NULL))
    goto out;

  bview
      = (LookLabImageView){ before.pixels, LOOKLAB_PIXEL_RGBA_U8, before.width,
                            before.height, (size_t) before.width * 4 };
  aview = (LookLabImageView){ after.pixels, LOOKLAB_PIXEL_RGBA_U8, after.width,
                              after.height, (size_t) after.width * 4 };
  looklab_fit_params_init (&params);
  params.seed = 0;
  if (looklab_look_learn (&bview, &aview, align_auto, &params, NULL, NULL,
                          &look, NULL, &diag)
          != LOOKLAB_OK
      || looklab_look_serialize (look, &mine, &mine_len) != LOOKLAB_OK)
    {
      fprintf (stderr, "look-check: core fit failed: %s\n", diag.message);
      goto out;
    }
  printf ("look-check learn: core %zu bytes, plug-in %zu bytes, %s\n", mine_len,
          (size_t) theirs_len,
          mine_len == theirs_len && memcmp (mine, theirs, mine_len) == 0
              ? "identical"
              : "DIFFERENT");
  status
      = mine_len == theirs_len && memcmp (mine, theirs, mine_len) == 0 ? 0 : 1;

out:
  free (mine);
  g_free (theirs);
  g_free (before.pixels);
  g_free (after.pixels);
  looklab_look_free (look);
  return status;
}

static int
check_cube (const char *look_path, const char *cube_path)
{
  LookLabLook *look = load_look (look_path);
  LookLabLut  *cube = NULL;
  LookLabLut  *baked = NULL;
  LookLabDiag  diag = { 0 };
  double       worst = 0.0;
  size_t       i, n;
  int          status = 1;

  if (look == NULL)
    goto out;
  if (looklab_cube_read (cube_path, &cube, &diag) != LOOKLAB_OK)
    {
      fprintf (stderr, "look-check: cannot read %s: %s\n", cube_path,
               diag.message);
      goto out;
    }
  baked = looklab_look_bake (look, cube->size, 0);
  if (baked == NULL)
    goto out;
  n = (size_t) cube->size * cube->size * cube->size * 3;
  for (i = 0; i < n; i++)
    worst = MAX (worst, fabs ((double) cube->table[i] - baked->table[i]));
  printf ("look-check cube: size %d, largest difference %g\n", cube->size,
          worst);
  /* The writer prints six decimals or more. */
  status = worst <= 1e-5 ? 0 : 1;

out:
  looklab_lut_free (cube);
  looklab_lut_free (baked);
  looklab_look_free (look);
  return status;
}

static int
check_de00 (const char *a_path, const char *b_path, double limit)
{
  Image  a = { 0 }, b = { 0 };
  float *fa = NULL, *fb = NULL;
  size_t i, n;
  double mean, worst = 0.0;
  int    status = 1;

  if (!load_png (a_path, &a) || !load_png (b_path, &b))
    goto out;
  if (a.width != b.width || a.height != b.height)
    goto out;
  n = (size_t) a.width * a.height;
  fa = g_new (float, n * 3);
  fb = g_new (float, n * 3);
  for (i = 0; i < n * 3; i++)
    {
      fa[i] = a.pixels[i / 3 * 4 + i % 3] / 255.0f;
      fb[i] = b.pixels[i / 3 * 4 + i % 3] / 255.0f;
    }
  mean = looklab_mean_ciede2000 (fa, fb, n, 3, &worst);
  printf ("look-check de00: mean %.3f, worst %.3f (limit on the mean %g)\n",
          mean, worst, limit);
  status = mean <= limit ? 0 : 1;

out:
  g_free (fa);
  g_free (fb);
  g_free (a.pixels);
  g_free (b.pixels);
  return status;
}

/* Reads @path as CIE Lab alpha float at the file's own precision (4 floats a
 * pixel, g_free), or NULL. */
static float *
load_lab (const char *path, gint *width, gint *height)
{
  GeglNode     *graph = gegl_node_new ();
  GeglNode     *load;
  GeglRectangle box;
  float        *lab = NULL;

  load = gegl_node_new_child (graph, "operation", "gegl:load", "path", path,
                              NULL);
  box = gegl_node_get_bounding_box (load);
  *width = box.width;
  *height = box.height;
  if (box.width > 0 && box.height > 0)
    {
      lab = g_malloc ((gsize) box.width * box.height * 4 * sizeof (float));
      gegl_node_blit (load, 1.0, &box, babl_format ("CIE Lab alpha float"), lab,
                      GEGL_AUTO_ROWSTRIDE, GEGL_BLIT_DEFAULT);
    }
  g_object_unref (graph);
  if (lab == NULL)
    fprintf (stderr, "look-check: cannot load %s\n", path);
  return lab;
}

static int
check_chroma (const char *path, double min)
{
  gint   w, h;
  float *lab = load_lab (path, &w, &h);
  double sum = 0.0;
  size_t i, n;

  if (lab == NULL)
    return 1;
  n = (size_t) w * h;
  for (i = 0; i < n; i++)
    sum += hypot (lab[4 * i + 1], lab[4 * i + 2]);
  g_free (lab);
  printf ("look-check chroma: mean C*ab %.3f (at least %g)\n", sum / n, min);
  return sum / n >= min ? 0 : 1;
}

static int
check_lightness (const char *a_path, const char *b_path, double max)
{
  gint   wa, ha, wb, hb;
  float *a = load_lab (a_path, &wa, &ha);
  float *b = load_lab (b_path, &wb, &hb);
  double worst = 0.0, sum = 0.0;
  size_t i, n;
  int    status = 1;

  if (a == NULL || b == NULL || wa != wb || ha != hb)
    goto out;
  n = (size_t) wa * ha;
  for (i = 0; i < n; i++)
    {
      double d = fabs ((double) a[4 * i] - b[4 * i]);

      sum += d;
      worst = MAX (worst, d);
    }
  printf ("look-check lightness: mean |dL*| %.4f, worst %.4f (at most %g)\n",
          sum / n, worst, max);
  status = worst <= max ? 0 : 1;

out:
  g_free (a);
  g_free (b);
  return status;
}

static double
mean_a (const float *lab, gint width, const GeglRectangle *r)
{
  double sum = 0.0;
  gint   x, y;

  for (y = r->y; y < r->y + r->height; y++)
    for (x = r->x; x < r->x + r->width; x++)
      sum += lab[4 * ((size_t) y * width + x) + 1];
  return sum / ((double) r->width * r->height);
}

static int
check_redder (const char *a_path, const char *b_path, char **rect_argv,
              double margin)
{
  gint          wa, ha, wb, hb;
  float        *a = load_lab (a_path, &wa, &ha);
  float        *b = load_lab (b_path, &wb, &hb);
  GeglRectangle r;
  double        ma, mb;
  int           status = 1;

  if (a == NULL || b == NULL || wa != wb || ha != hb
      || !parse_rect (rect_argv, &r) || r.x < 0 || r.y < 0 || r.x + r.width > wa
      || r.y + r.height > ha)
    goto out;
  ma = mean_a (a, wa, &r);
  mb = mean_a (b, wa, &r);
  printf ("look-check redder: mean a* %.3f vs %.3f (margin at least %g)\n", ma,
          mb, margin);
  status = ma - mb >= margin ? 0 : 1;

out:
  g_free (a);
  g_free (b);
  return status;
}

static int
check_region (const char *a_path, const char *b_path, char **rect_argv)
{
  Image         a = { 0 }, b = { 0 };
  GeglRectangle r;
  size_t        outside = 0, inside = 0;
  gint          x, y;
  int           status = 1;

  if (!load_png (a_path, &a) || !load_png (b_path, &b) || a.width != b.width
      || a.height != b.height || !parse_rect (rect_argv, &r))
    goto out;
  for (y = 0; y < a.height; y++)
    for (x = 0; x < a.width; x++)
      {
        size_t   o = 4 * ((size_t) y * a.width + x);
        gboolean in
            = x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height;

        if (memcmp (a.pixels + o, b.pixels + o, 4) != 0)
          {
            if (in)
              inside++;
            else
              outside++;
          }
      }
  printf ("look-check region: %zu pixels differ inside, %zu outside\n", inside,
          outside);
  status = inside > 0 && outside == 0 ? 0 : 1;

out:
  g_free (a.pixels);
  g_free (b.pixels);
  return status;
}

static int
truncate_copy (const char *src, const char *dst, const char *bytes)
{
  gchar  *data = NULL;
  gsize   len = 0;
  gsize   keep = (gsize) g_ascii_strtoull (bytes, NULL, 10);
  GError *error = NULL;
  int     status = 0;

  if (!g_file_get_contents (src, &data, &len, &error)
      || !g_file_set_contents (dst, data, MIN (keep, len), &error))
    {
      fprintf (stderr, "look-check truncate: %s\n", error->message);
      g_error_free (error);
      status = 1;
    }
  g_free (data);
  return status;
}

static int
check_match_cli (const char *ref, const char *cube_path, double limit,
                 char **extra, int n_extra)
{
  const char *cli = g_getenv ("LOOKLAB_CLI");
  gchar      *out = g_strconcat (cube_path, ".cli.cube", NULL);
  GPtrArray  *args = g_ptr_array_new ();
  LookLabLut *mine = NULL, *theirs = NULL;
  LookLabDiag diag = { 0 };
  GError     *error = NULL;
  gint        wait_status = 0;
  double      worst = 0.0;
  size_t      i, n;
  int         status = 1;

  if (cli == NULL)
    {
      fprintf (stderr, "look-check match-cli: set LOOKLAB_CLI\n");
      goto out;
    }
  g_ptr_array_add (args, (gpointer) cli);
  g_ptr_array_add (args, "match");
  g_ptr_array_add (args, (gpointer) ref);
  g_ptr_array_add (args, "-o");
  g_ptr_array_add (args, out);
  for (i = 0; i < (size_t) n_extra; i++)
    g_ptr_array_add (args, extra[i]);
  g_ptr_array_add (args, NULL);
  if (!g_spawn_sync (NULL, (gchar **) args->pdata, NULL, G_SPAWN_DEFAULT, NULL,
                     NULL, NULL, NULL, &wait_status, &error)
      || !g_spawn_check_wait_status (wait_status, &error))
    {
      fprintf (stderr, "look-check match-cli: %s\n", error->message);
      goto out;
    }
  if (looklab_cube_read (out, &theirs, &diag) != LOOKLAB_OK
      || looklab_cube_read (cube_path, &mine, &diag) != LOOKLAB_OK)
    {
      fprintf (stderr, "look-check match-cli: %s\n", diag.message);
      goto out;
    }
  if (mine->size != theirs->size)
    {
      fprintf (stderr, "look-check match-cli: sizes %d and %d\n", mine->size,
               theirs->size);
      goto out;
    }
  n = (size_t) mine->size * mine->size * mine->size * 3;
  for (i = 0; i < n; i++)
    worst = MAX (worst, fabs ((double) mine->table[i] - theirs->table[i]));
  printf ("look-check match-cli: size %d, largest difference %g (%.3f of "
          "255)\n",
          mine->size, worst, worst * 255.0);
  status = worst <= limit ? 0 : 1;

out:
  g_clear_error (&error);
  g_ptr_array_free (args, TRUE);
  g_free (out);
  looklab_lut_free (mine);
  looklab_lut_free (theirs);
  return status;
}

static int
check_same (const char *a_path, const char *b_path)
{
  gchar *a = NULL, *b = NULL;
  gsize  na = 0, nb = 0;
  int    status = 1;

  if (g_file_get_contents (a_path, &a, &na, NULL)
      && g_file_get_contents (b_path, &b, &nb, NULL))
    status = na == nb && memcmp (a, b, na) == 0 ? 0 : 1;
  printf ("look-check same: %s\n", status == 0 ? "identical" : "DIFFERENT");
  g_free (a);
  g_free (b);
  return status;
}

int
main (int argc, char **argv)
{
  int status = 2;

  gegl_init (&argc, &argv);

  if (argc == 5 && strcmp (argv[1], "apply") == 0)
    status = check_apply (argv[2], argv[3], argv[4], NULL);
  else if (argc == 9 && strcmp (argv[1], "apply-region") == 0)
    status = check_apply (argv[2], argv[3], argv[4], argv + 5);
  else if (argc == 5 && strcmp (argv[1], "learn") == 0)
    status = check_learn (argv[2], argv[3], argv[4], 0);
  else if (argc == 3 && strcmp (argv[1], "absent") == 0)
    {
      gboolean there = g_file_test (argv[2], G_FILE_TEST_EXISTS);

      printf ("look-check absent: %s %s\n", argv[2],
              there ? "EXISTS" : "absent");
      status = there ? 1 : 0;
    }
  else if (argc == 3
           && (strcmp (argv[1], "spatial") == 0
               || strcmp (argv[1], "global") == 0))
    {
      LookLabLook    *look = load_look (argv[2]);
      LookLabLookInfo info;

      if (look != NULL)
        {
          looklab_look_get_info (look, &info);
          printf ("look-check spatial: %s: radial %d knots, local contrast "
                  "%d knots\n",
                  argv[2], info.vignette_knots, info.detail_knots);
          status = (looklab_look_has_spatial (look) != 0)
                           == (strcmp (argv[1], "spatial") == 0)
                       ? 0
                       : 1;
          looklab_look_free (look);
        }
    }
  else if (argc == 5 && strcmp (argv[1], "learn-auto") == 0)
    status = check_learn (argv[2], argv[3], argv[4], 1);
  else if (argc == 4 && strcmp (argv[1], "cube") == 0)
    status = check_cube (argv[2], argv[3]);
  else if (argc == 5 && strcmp (argv[1], "de00") == 0)
    status = check_de00 (argv[2], argv[3], g_ascii_strtod (argv[4], NULL));
  else if (argc == 4 && strcmp (argv[1], "chroma") == 0)
    status = check_chroma (argv[2], g_ascii_strtod (argv[3], NULL));
  else if (argc == 5 && strcmp (argv[1], "lightness") == 0)
    status = check_lightness (argv[2], argv[3], g_ascii_strtod (argv[4], NULL));
  else if (argc == 9 && strcmp (argv[1], "redder") == 0)
    status = check_redder (argv[2], argv[3], argv + 4,
                           g_ascii_strtod (argv[8], NULL));
  else if (argc == 8 && strcmp (argv[1], "region") == 0)
    status = check_region (argv[2], argv[3], argv + 4);
  else if (argc == 5 && strcmp (argv[1], "truncate") == 0)
    status = truncate_copy (argv[2], argv[3], argv[4]);
  else if (argc >= 5 && strcmp (argv[1], "match-cli") == 0)
    status = check_match_cli (argv[2], argv[3], g_ascii_strtod (argv[4], NULL),
                              argv + 5, argc - 5);
  else if (argc == 4 && strcmp (argv[1], "same") == 0)
    status = check_same (argv[2], argv[3]);
  else
    fprintf (stderr, "usage: see the comment at the top of look-check.c\n");

  gegl_exit ();
  return status;
}
