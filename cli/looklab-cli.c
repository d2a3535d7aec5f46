/* looklab: the command-line tool over core/, for batch work outside GIMP.
 *
 *   looklab learn BEFORE AFTER -o OUT [--size N] [--hidden W] [--layers L]
 *                 [--seed S] [--threads T] [--input-space SPACE]
 *                 [--align auto|none] [--global-only]
 *   looklab apply LOOK_OR_CUBE IN OUT [--strength S] [--interp I]
 *                 [--input-space SPACE] [--output-profile input|srgb]
 *   looklab bake LOOK -o OUT.cube [--size N]
 *   looklab info FILE
 *   looklab colorize IN OUT [...]            (cli/colorize.c)
 *   looklab match REFERENCE -o OUT [...]     (cli/match.c)
 *   looklab bench apply CUBE [...]           (cli/bench-apply.c)
 *
 * The subcommand names and options are stable: scripts depend on them.
 * Errors go to stderr with a non-zero exit status, and OUT is then neither
 * created nor changed (every writer writes a temporary file, checks that
 * it is complete and renames; SIGINT, SIGTERM, SIGHUP remove it).
 * Colour management: a look or LUT is a function of the values of one
 * space (--input-space, default sRGB; space/looklab-space.h), so images
 * are converted from their embedded profile into it before learning or
 * applying, and the result back into the input's profile.
 * Messages and --help are translated (po/; init_i18n below), except those
 * of the bench subcommand, a developer's tool whose output scripts read.
 */
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gegl.h>
#include <glib.h>
#include <glib/gi18n.h>

#include "look/look-learn.h"
#include "common/atomic-file.h"
#include "image-check.h"
#include "image-io.h"
#include "looklab-space.h"
#include "lut/cube-io.h"
#include "look/look.h"
#include "looklab-cli.h"
#include "lut/lut-apply.h"

#define EXIT_USAGE 2

int
looklab_cli_fail (const char *fmt, ...)
{
  va_list ap;

  fputs ("looklab: ", stderr);
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fputc ('\n', stderr);
  return EXIT_FAILURE;
}

#define fail looklab_cli_fail

static int
fail_core (const char *what, int status, const LookLabDiag *diag)
{
  if (diag != NULL && diag->message[0] != '\0')
    return fail ("%s: %s", what, diag->message);
  return fail ("%s: %s", what, _ (looklab_strerror (status)));
}

/* Parses @argc/@argv with @entries (descriptions marked N_(), translated
 * in the --help output); the words that are not options are left in argv.
 * Prints the help and returns FALSE on a usage error. */
static gboolean
parse_options (int *argc, char ***argv, const char *params, const char *summary,
               GOptionEntry *entries)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new (params);
  g_autoptr (GError) error = NULL;

  g_option_context_set_summary (ctx, summary);
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (ctx, argc, argv, &error))
    {
      fail ("%s", error->message);
      return FALSE;
    }
  return TRUE;
}

/* Whether @path is a regular file, else says what it is: reading a FIFO
 * would wait forever for a writer, and a folder is not "no such file". */
static gboolean
input_ok (const char *path)
{
  g_autoptr (GError) error = NULL;

  if (looklab_cli_check_input (path, &error))
    return TRUE;
  fail ("%s", error->message);
  return FALSE;
}

/* The thread count options: 0 is all cores; a negative count is refused
 * here, by name, rather than as the core's "invalid argument". */
gboolean
looklab_cli_threads_ok (int threads)
{
  if (threads >= 0)
    return TRUE;
  fail (_ ("--threads must be 0 (all cores) or more"));
  return FALSE;
}

/* A look file named like an image would be taken for one, and learn's
 * OUT over BEFORE or AFTER would replace a photo with a look. */
gboolean
looklab_cli_look_output_ok (const char *out, const char *before,
                            const char *after)
{
  static const char *const image_ext[]
      = { ".png", ".jpg",  ".jpeg", ".tif", ".tiff",
          ".exr", ".webp", ".ppm",  ".pgm", ".pnm" };
  const char *dot = strrchr (out, '.');
  size_t      i;

  if (strcmp (out, before) == 0 || strcmp (out, after) == 0
      || looklab_cli_same_file (out, before)
      || looklab_cli_same_file (out, after))
    {
      fail (_ ("%s: OUT is one of the input images; choose another name"), out);
      return FALSE;
    }
  for (i = 0; dot != NULL && i < G_N_ELEMENTS (image_ext); i++)
    if (g_ascii_strcasecmp (dot, image_ext[i]) == 0)
      {
        fail (_ ("%s: a look file would get an image's extension; name it "
                 ".look (or .cube for a LUT)"),
              out);
        return FALSE;
      }
  return TRUE;
}

static gboolean
file_is_look (const char *path)
{
  char   magic[16];
  FILE  *fp = fopen (path, "rb");
  size_t n;

  if (fp == NULL)
    return FALSE;
  n = fread (magic, 1, sizeof magic, fp);
  fclose (fp);
  return looklab_look_sniff (magic, n);
}

/* Loads a .cube file, or a look file baked to @bake_size.  Prints the error
 * and returns NULL on failure. */
static LookLabLut *
load_lut (const char *path, int bake_size)
{
  LookLabDiag  diag = { 0 };
  LookLabLut  *lut = NULL;
  LookLabLook *look = NULL;
  int          status;

  if (!input_ok (path))
    return NULL;
  if (file_is_look (path))
    {
      status = looklab_look_load (path, &look, &diag);
      if (status != LOOKLAB_OK)
        {
          fail_core (path, status, &diag);
          return NULL;
        }
      lut = looklab_look_bake (look, bake_size, 0);
      looklab_look_free (look);
      if (lut == NULL)
        fail (_ ("%s: cannot bake the look: out of memory"), path);
      return lut;
    }
  status = looklab_cube_read (path, &lut, &diag);
  if (status != LOOKLAB_OK)
    {
      fail_core (path, status, &diag);
      return NULL;
    }
  return lut;
}

/* Converts @image into @look_space (float, so that 8-bit values are
 * rounded once, when saved) unless it is there already.  Prints the error
 * and returns FALSE on failure. */
gboolean
looklab_cli_to_look_space (LookLabImage *image, const Babl *look_space)
{
  g_autoptr (GError) error = NULL;

  if (looklab_space_same (image->space, look_space))
    return TRUE;
  if (!looklab_image_convert (image, look_space,
                              looklab_pixel_format_float (image->view.format),
                              &error))
    {
      fail ("%s", error->message);
      return FALSE;
    }
  return TRUE;
}

/* The space named by --input-space, or NULL after printing the error. */
const Babl *
looklab_cli_look_space_for (const char *name)
{
  g_autoptr (GError) error = NULL;
  const Babl *space = looklab_space_lookup (name, &error);

  if (space == NULL)
    fail ("--input-space: %s", error->message);
  return space;
}

/* Prints the spatial parts of a look (for learn and info). */
static void
print_parts (FILE *f, const LookLabLookInfo *info)
{
  if (info->vignette_knots > 0)
    /* TRANSLATORS: the radial part of a look; "mid-gray" is 0.5 in */
    fprintf (f,
             _ ("  radial part (vignette): %d knots, %s, mid-gray at the "
                "corners becomes %.3f %.3f %.3f\n"),
             info->vignette_knots,
             info->vignette_proportion >= 1.0
                 ? _ ("elliptical (follows the aspect ratio)")
             : info->vignette_proportion <= 0.0
                 ? _ ("circular (radius over the half-diagonal)")
                 : _ ("between circular and elliptical"),
             info->vignette_corner[0], info->vignette_corner[1],
             info->vignette_corner[2]);
  if (info->field_knots > 0)
    /* TRANSLATORS: the position field of a look; "mid-gray" is 0.5 in
     * every channel, the four triples are RGB at the middles of the
     * image's edges */
    fprintf (f,
             _ ("  position field: %d x %d nodes, mid-gray becomes %.3f "
                "%.3f %.3f at the top, %.3f %.3f %.3f at the bottom, %.3f "
                "%.3f %.3f at the left, %.3f %.3f %.3f at the right\n"),
             info->field_knots, info->field_knots, info->field_edges[0][0],
             info->field_edges[0][1], info->field_edges[0][2],
             info->field_edges[1][0], info->field_edges[1][1],
             info->field_edges[1][2], info->field_edges[2][0],
             info->field_edges[2][1], info->field_edges[2][2],
             info->field_edges[3][0], info->field_edges[3][1],
             info->field_edges[3][2]);
  if (info->detail_knots > 0)
    fprintf (f,
             _ ("  local-contrast part: blur %.4g of the diagonal, gain "
                "%.3f..%.3f over lightness (%d knots)\n"),
             info->detail_sigma, info->detail_gain_min, info->detail_gain_max,
             info->detail_knots);
}

/* A .cube holds only the global part of a look: says so on stderr. */
static void
note_bake_global_only (const char *what, const LookLabLook *look)
{
  if (looklab_look_has_spatial (look))
    fprintf (
        stderr,
        _ ("looklab: note: %s has spatial parts (vignette, gradient, "
           "local contrast) that a .cube cannot hold; the .cube has only its "
           "global colour part (apply the look file itself for all "
           "parts)\n"),
        what);
}

int
looklab_cli_progress_to_stderr (double fraction, void *user_data)
{
  if (isatty (STDERR_FILENO))
    {
      fputc ('\r', stderr);
      fprintf (stderr, _ ("learning: %3d%%"), (int) (fraction * 100.0 + 0.5));
    }
  return 0;
}

/* What --align auto found (core/look/look-learn.c: a pixel-aligned pair
 * is learned exactly as with --align none, byte for byte; any other from
 * its corresponding colours), on stderr. */
static void
print_alignment (const LookLabAlignment *al)
{
  if (al->aligned && al->confidence == 0.0)
    fprintf (stderr,
             _ ("aligned: too small to register (under %d pixels a "
                "side): the pair is taken as aligned\n"),
             LOOKLAB_ALIGN_MIN_SIDE);
  else if (al->aligned)
    fprintf (stderr,
             _ ("aligned: the pair is pixel-aligned (no corner moves by "
                "%.2f px)\n"),
             al->max_shift_px + 0.005);
  else
    fprintf (stderr,
             _ ("aligned: AFTER sits in BEFORE at scale %.5f, rotation %.3f "
                "degrees, corner (%.2f, %.2f); overlap %.0f%%, matched "
                "%.0f%%, residual %.2f px, confidence %.2f\n"),
             al->scale, al->rotation, al->tx, al->ty, 100.0 * al->overlap,
             100.0 * al->coverage, al->residual_px, al->confidence);
}

static int
cmd_learn (int argc, char **argv)
{
  LookLabFitParams params;
  g_autofree char *out = NULL;
  g_autofree char *space_name = NULL;
  g_autofree char *align = NULL;
  g_autoptr (LookLabImage) before = NULL;
  g_autoptr (LookLabImage) after = NULL;
  g_autoptr (GError) error = NULL;
  gboolean         align_auto = TRUE;
  LookLabLook     *look = NULL;
  LookLabDiag      diag = { 0 };
  LookLabAlignment al;
  LookLabLookInfo  info;
  int              size = 33, seed = 0, status;
  gboolean         global_only = FALSE;
  GOptionEntry     entries[] = {
        { "output", 'o', 0, G_OPTION_ARG_FILENAME, &out,
          N_ ("Where to write the look (.cube: a baked LUT; else a look file)"),
          "OUT" },
        { "size", 0, 0, G_OPTION_ARG_INT, &size,
          N_ ("LUT edge when OUT is a .cube (2..256, default 33)"), "N" },
        { "hidden", 0, 0, G_OPTION_ARG_INT, &params.hidden,
          N_ ("Units per hidden layer (default 32)"), "W" },
        { "layers", 0, 0, G_OPTION_ARG_INT, &params.layers,
          N_ ("Hidden layers (default 2)"), "L" },
        { "seed", 0, 0, G_OPTION_ARG_INT, &seed, N_ ("Random seed (default 0)"),
          "S" },
        { "threads", 0, 0, G_OPTION_ARG_INT, &params.n_threads,
          N_ ("Threads (default: all cores)"), "T" },
        { "input-space", 0, 0, G_OPTION_ARG_STRING, &space_name,
          N_ ("The space the look works in: srgb (default) or rec709"), "SPACE" },
        { "global-only", 0, 0, G_OPTION_ARG_NONE, &global_only,
          N_ ("Fit only the global colour part, no vignette or local "
                  "contrast"),
          NULL },
        { "align", 0, 0, G_OPTION_ARG_STRING, &align,
          N_ ("auto (default: register the pair when it is not "
                  "pixel-aligned) or none (the two must be the same size and "
                  "aligned)"),
          "A" },
        { NULL }
  };
  const Babl *look_space;

  looklab_fit_params_init (&params);
  if (!parse_options (&argc, &argv, "BEFORE AFTER -o OUT",
                      _ ("Learn the look that turns BEFORE into AFTER."),
                      entries))
    return EXIT_USAGE;
  if (argc != 3 || out == NULL)
    return fail (_ ("usage: %s"), "looklab learn BEFORE AFTER -o OUT"),
           EXIT_USAGE;
  if (size < LOOKLAB_LUT_MIN_SIZE || size > LOOKLAB_LUT_MAX_SIZE)
    return fail (_ ("--size must be within %d..%d"), LOOKLAB_LUT_MIN_SIZE,
                 LOOKLAB_LUT_MAX_SIZE),
           EXIT_USAGE;
  if (!looklab_cli_threads_ok (params.n_threads))
    return EXIT_USAGE;
  if (!looklab_cli_look_output_ok (out, argv[1], argv[2]))
    return EXIT_USAGE;
  if (align != NULL)
    {
      if (strcmp (align, "none") == 0)
        align_auto = FALSE;
      else if (strcmp (align, "auto") != 0)
        return fail (_ ("--align must be auto or none")), EXIT_USAGE;
    }
  params.seed = (unsigned) seed;
  look_space = looklab_cli_look_space_for (space_name);
  if (look_space == NULL)
    return EXIT_USAGE;
  params.spatial = global_only ? 0 : 1;

  before = looklab_image_load (argv[1], &error);
  if (before == NULL)
    return fail ("%s", error->message);
  after = looklab_image_load (argv[2], &error);
  if (after == NULL)
    return fail ("%s", error->message);
  if (!align_auto
      && (before->view.width != after->view.width
          || before->view.height != after->view.height))
    return fail (_ ("BEFORE is %d x %d but AFTER is %d x %d: the two must "
                    "be the same photo (resize one first)"),
                 before->view.width, before->view.height, after->view.width,
                 after->view.height);
  if (!looklab_cli_to_look_space (before, look_space)
      || !looklab_cli_to_look_space (after, look_space))
    return EXIT_FAILURE;

  status = looklab_look_learn (&before->view, &after->view, align_auto, &params,
                               looklab_cli_progress_to_stderr, NULL, &look, &al,
                               &diag);
  if (isatty (STDERR_FILENO))
    fputc ('\n', stderr);
  if (status != LOOKLAB_OK)
    return fail_core ("learn", status, &diag);
  if (align_auto)
    print_alignment (&al);

  looklab_look_get_info (look, &info);
  fprintf (stderr, _ ("learned from %zu colours; in-sample mean dE00 %.3f\n"),
           info.fit_samples, info.fit_mean_de00);
  print_parts (stderr, &info);

  {
    g_autofree char *title = g_path_get_basename (argv[2]);

    status = looklab_cli_write_look (look, out, title, size, params.n_threads);
  }
  looklab_look_free (look);
  return status;
}

int
looklab_cli_write_look (const LookLabLook *look, const char *out,
                        const char *title, int size, int n_threads)
{
  LookLabDiag diag = { 0 };
  LookLabLut *lut = NULL;
  int         status;

  if (g_str_has_suffix (out, ".cube") || g_str_has_suffix (out, ".CUBE"))
    {
      note_bake_global_only (_ ("the learned look"), look);
      lut = looklab_look_bake (look, size, n_threads);
      if (lut == NULL)
        status = LOOKLAB_ERR_NOMEM;
      else
        {
          looklab_lut_set_title (lut, title);
          status = looklab_cube_write (lut, out, &diag);
        }
    }
  else
    status = looklab_look_save (look, out, &diag);
  looklab_lut_free (lut);
  if (status != LOOKLAB_OK)
    return fail_core (out, status, &diag);
  return EXIT_SUCCESS;
}

static int
cmd_apply (int argc, char **argv)
{
  g_autofree char *interp_name = NULL;
  g_autofree char *space_name = NULL;
  g_autofree char *output_profile = NULL;
  g_autoptr (LookLabImage) image = NULL;
  g_autoptr (GError) error = NULL;
  double        strength = 1.0;
  LookLabInterp interp = LOOKLAB_INTERP_TETRAHEDRAL;
  LookLabLut   *lut = NULL;
  LookLabLook  *spatial = NULL;
  int           threads = 0, status;
  GOptionEntry  entries[]
      = { { "strength", 0, 0, G_OPTION_ARG_DOUBLE, &strength,
            N_ ("Mix with the original, 0..1 (default 1)"), "S" },
          { "interp", 0, 0, G_OPTION_ARG_STRING, &interp_name,
            N_ ("tetrahedral (default) or trilinear"), "I" },
          { "threads", 0, 0, G_OPTION_ARG_INT, &threads,
            N_ ("Threads (default: all cores)"), "T" },
          { "input-space", 0, 0, G_OPTION_ARG_STRING, &space_name,
            N_ ("The space the look or LUT works in: srgb (default) or "
                "rec709"),
            "SPACE" },
          { "output-profile", 0, 0, G_OPTION_ARG_STRING, &output_profile,
            N_ ("input (default: the input's profile, embedded) or srgb"),
            "P" },
          { NULL } };
  const Babl        *look_space, *file_space;
  LookLabPixelFormat file_format;

  if (!parse_options (&argc, &argv, "LOOK_OR_CUBE IN OUT",
                      _ ("Apply a look or a .cube LUT to an image."), entries))
    return EXIT_USAGE;
  if (argc != 4)
    return fail (_ ("usage: %s"), "looklab apply LOOK_OR_CUBE IN OUT"),
           EXIT_USAGE;
  if (!(strength >= 0.0 && strength <= 1.0))
    return fail (_ ("--strength must be within 0..1")), EXIT_USAGE;
  if (!looklab_cli_threads_ok (threads))
    return EXIT_USAGE;
  if (interp_name != NULL)
    {
      if (strcmp (interp_name, "tetrahedral") == 0)
        interp = LOOKLAB_INTERP_TETRAHEDRAL;
      else if (strcmp (interp_name, "trilinear") == 0)
        interp = LOOKLAB_INTERP_TRILINEAR;
      else
        return fail (_ ("--interp must be tetrahedral or trilinear")),
               EXIT_USAGE;
    }
  if (output_profile != NULL && strcmp (output_profile, "input") != 0
      && strcmp (output_profile, "srgb") != 0)
    return fail (_ ("--output-profile must be input or srgb")), EXIT_USAGE;
  look_space = looklab_cli_look_space_for (space_name);
  if (look_space == NULL)
    return EXIT_USAGE;

  if (!input_ok (argv[1]))
    return EXIT_FAILURE;
  if (file_is_look (argv[1]))
    {
      LookLabDiag diag = { 0 };

      status = looklab_look_load (argv[1], &spatial, &diag);
      if (status != LOOKLAB_OK)
        return fail_core (argv[1], status, &diag);
      /* The spatial parts need positions and neighbours: such a look is
       * applied exactly to the whole image, not through a LUT. */
      if (!looklab_look_has_spatial (spatial))
        g_clear_pointer (&spatial, looklab_look_free);
    }
  if (spatial == NULL)
    {
      lut = load_lut (argv[1], LOOKLAB_LOOK_APPLY_BAKE_SIZE);
      if (lut == NULL)
        return EXIT_FAILURE;
    }
  image = looklab_image_load (argv[2], &error);
  if (image == NULL)
    {
      status = fail ("%s", error->message);
      goto out;
    }
  file_space = image->space;
  file_format = image->view.format;
  if (output_profile != NULL && strcmp (output_profile, "srgb") == 0)
    file_space = babl_space ("sRGB");
  if (!looklab_cli_to_look_space (image, look_space))
    {
      status = EXIT_FAILURE;
      goto out;
    }
  if (spatial != NULL)
    {
      LookLabDiag diag = { 0 };

      status = looklab_look_apply_view (spatial, &image->view, image->data,
                                        image->view.stride, image->view.width,
                                        image->view.height, 0, 0,
                                        (float) strength, threads, &diag);
      if (status != LOOKLAB_OK)
        {
          status = fail_core ("apply", status, &diag);
          goto out;
        }
    }
  else
    {
      status = looklab_lut_apply (
          lut, image->view.format, interp, (float) strength, image->data,
          image->view.stride, image->data, image->view.stride,
          image->view.width, image->view.height, threads);
      if (status != LOOKLAB_OK)
        {
          status = fail_core ("apply", status, NULL);
          goto out;
        }
    }
  if (!looklab_image_convert (image, file_space, file_format, &error)
      || !looklab_image_save (image, argv[3], &error))
    {
      status = fail ("%s", error->message);
      goto out;
    }
  status = EXIT_SUCCESS;
out:
  looklab_lut_free (lut);
  looklab_look_free (spatial);
  return status;
}

static int
cmd_bake (int argc, char **argv)
{
  g_autofree char *out = NULL;
  LookLabLook     *look = NULL;
  LookLabLut      *lut = NULL;
  LookLabDiag      diag = { 0 };
  int              size = 33, status;
  GOptionEntry entries[] = { { "output", 'o', 0, G_OPTION_ARG_FILENAME, &out,
                               N_ ("The .cube to write"), "OUT.cube" },
                             { "size", 0, 0, G_OPTION_ARG_INT, &size,
                               N_ ("LUT edge (2..256, default 33)"), "N" },
                             { NULL } };

  if (!parse_options (&argc, &argv, "LOOK -o OUT.cube",
                      _ ("Bake a look file into a .cube 3D LUT."), entries))
    return EXIT_USAGE;
  if (argc != 2 || out == NULL)
    return fail (_ ("usage: %s"), "looklab bake LOOK -o OUT.cube"), EXIT_USAGE;
  if (size < LOOKLAB_LUT_MIN_SIZE || size > LOOKLAB_LUT_MAX_SIZE)
    return fail (_ ("--size must be within %d..%d"), LOOKLAB_LUT_MIN_SIZE,
                 LOOKLAB_LUT_MAX_SIZE),
           EXIT_USAGE;

  if (!input_ok (argv[1]))
    return EXIT_FAILURE;
  if (strcmp (out, argv[1]) == 0 || looklab_cli_same_file (out, argv[1]))
    return fail (_ ("%s: OUT is the look file itself; choose another name"),
                 out),
           EXIT_USAGE;
  status = looklab_look_load (argv[1], &look, &diag);
  if (status != LOOKLAB_OK)
    return fail_core (argv[1], status, &diag);
  note_bake_global_only (argv[1], look);
  lut = looklab_look_bake (look, size, 0);
  looklab_look_free (look);
  if (lut == NULL)
    return fail (_ ("bake: out of memory"));
  status = looklab_cube_write (lut, out, &diag);
  looklab_lut_free (lut);
  if (status != LOOKLAB_OK)
    return fail_core (out, status, &diag);
  return EXIT_SUCCESS;
}

static int
cmd_info (int argc, char **argv)
{
  LookLabDiag  diag = { 0 };
  GOptionEntry entries[] = { { NULL } };
  int          status;

  if (!parse_options (&argc, &argv, "FILE",
                      _ ("Describe a look file or a .cube LUT."), entries))
    return EXIT_USAGE;
  if (argc != 2)
    return fail (_ ("usage: %s"), "looklab info FILE"), EXIT_USAGE;
  if (!input_ok (argv[1]))
    return EXIT_FAILURE;

  if (file_is_look (argv[1]))
    {
      LookLabLook    *look = NULL;
      LookLabLookInfo info;

      status = looklab_look_load (argv[1], &look, &diag);
      if (status != LOOKLAB_OK)
        return fail_core (argv[1], status, &diag);
      looklab_look_get_info (look, &info);
      g_autoptr (GString) shape = g_string_new ("3");

      for (int i = 0; i < info.layers; i++)
        g_string_append_printf (shape, "-%d", info.hidden);
      g_string_append (shape, "-3");
      printf (_ ("%s: LookLab look (file version %d)\n"), argv[1],
              info.file_version);
      /* TRANSLATORS: %s is the network's shape, as 3-32-32-3 */
      printf (_ ("  model: residual MLP %s, %zu parameters\n"), shape->str,
              info.n_parameters);
      if (info.curve_knots > 0)
        printf (_ ("  beside it: a tone curve per channel, %d knots\n"),
                info.curve_knots);
      if (info.correction_size > 0)
        printf (_ ("  correction lattice: %d^3\n"), info.correction_size);
      printf (_ ("  fitted on %zu colours, in-sample mean dE00 %.3f\n"),
              info.fit_samples, info.fit_mean_de00);
      if (!looklab_look_has_spatial (look))
        printf (_ ("  parts: global colour only\n"));
      else
        {
          printf (_ ("  parts: global colour, plus\n"));
          print_parts (stdout, &info);
        }
      looklab_look_free (look);
    }
  else
    {
      LookLabLut *lut = NULL;

      status = looklab_cube_read (argv[1], &lut, &diag);
      if (status != LOOKLAB_OK)
        return fail_core (argv[1], status, &diag);
      printf (_ ("%s: .cube LUT\n"), argv[1]);
      if (lut->title != NULL)
        printf (_ ("  title: %s\n"), lut->title);
      printf (_ ("  3D: %d^3, domain [%g %g %g] .. [%g %g %g]\n"), lut->size,
              lut->domain_min[0], lut->domain_min[1], lut->domain_min[2],
              lut->domain_max[0], lut->domain_max[1], lut->domain_max[2]);
      if (lut->shaper_size > 0)
        printf (_ ("  1D shaper: %d entries, input [%g .. %g]\n"),
                lut->shaper_size, lut->shaper_min[0], lut->shaper_max[0]);
      looklab_lut_free (lut);
    }
  return EXIT_SUCCESS;
}

static int
cmd_bench (int argc, char **argv)
{
  if (argc < 2 || strcmp (argv[1], "apply") != 0)
    return fail (_ ("usage: %s"), "looklab bench apply CUBE [options]"),
           EXIT_USAGE;
  return looklab_cli_bench_apply (argc - 1, argv + 1);
}

/* Messages in the user's language: the catalogs are where meson installs
 * them (LOOKLAB_LOCALEDIR, the plug-in's), or in $LOOKLAB_LOCALEDIR (tests
 * point it at the build tree's po/). */
static void
init_i18n (void)
{
  const char *dir = g_getenv ("LOOKLAB_LOCALEDIR");

  bindtextdomain (GETTEXT_PACKAGE,
                  dir != NULL && *dir != '\0' ? dir : LOOKLAB_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

static void
usage (FILE *fp)
{
  fprintf (fp, "%s\n", _ ("Usage:"));
  fputs ("  looklab learn BEFORE AFTER -o OUT [--size N] [--hidden W] "
         "[--layers L] [--seed S]\n"
         "                [--input-space srgb|rec709]\n"
         "  looklab apply LOOK_OR_CUBE IN OUT [--strength S] "
         "[--interp tetrahedral|trilinear]\n"
         "                [--input-space srgb|rec709] "
         "[--output-profile input|srgb]\n"
         "  looklab bake LOOK -o OUT.cube [--size N]\n"
         "  looklab info FILE\n"
         "  looklab colorize IN OUT [--model FILE] [--hints HINTS.png] "
         "[--saturation S]\n"
         "                   [--upsample edge|bilinear]\n"
         "  looklab match REFERENCE -o OUT [--strength S] [--size N] "
         "[--model FILE]\n"
         "  looklab bench apply CUBE [--width W] [--height H] [--format F] "
         "[--threads T]\n",
         fp);
  fprintf (fp, "%s\n", _ ("Each command takes --help."));
}

int
main (int argc, char **argv)
{
  static const struct
  {
    const char *name;
    int (*run) (int argc, char **argv);
    gboolean needs_gegl;
  } commands[] = {
    { "learn", cmd_learn, TRUE },
    { "apply", cmd_apply, TRUE },
    { "bake", cmd_bake, FALSE },
    { "info", cmd_info, FALSE },
    { "bench", cmd_bench, FALSE },
    { "colorize", looklab_cli_colorize, TRUE },
    { "match", looklab_cli_match, TRUE },
  };
  size_t i;

  setlocale (LC_ALL, "");
  init_i18n ();
  /* A stopped run removes its temporary files; a file-size limit is an
   * error like a full disk (common/atomic-file.h). */
  looklab_atomic_file_remove_on_signals ();
  if (argc < 2)
    {
      usage (stderr);
      return EXIT_USAGE;
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      usage (stdout);
      return EXIT_SUCCESS;
    }
  for (i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      {
        int status;

        if (commands[i].needs_gegl)
          gegl_init (NULL, NULL);
        status = commands[i].run (argc - 1, argv + 1);
        if (commands[i].needs_gegl)
          gegl_exit ();
        return status;
      }
  fail (_ ("unknown command '%s'"), argv[1]);
  usage (stderr);
  return EXIT_USAGE;
}
