/* looklab match REFERENCE -o OUT [--strength S] [--size N] [--model FILE]
 *               [--threads T] [--seed S] [--input-space SPACE]
 *
 * A look from a graded image alone (issue 23): the look neutralizer
 * (core/match/) takes the grade off REFERENCE, and the look that turns
 * the neutralized reference back into the reference is learned as
 * `looklab learn` learns a pixel-aligned pair, global part only (the
 * neutralizer is a colour function, so the pair has no spatial part).
 * OUT is a .cube (its title says how far the reference moved) or a look
 * file, by its name, as for learn.  On any error OUT is neither created
 * nor changed.
 *
 * Without --model: $LOOKLAB_MATCH_MODEL, else the bundled
 * looklab-neutralizer.safetensors (the places of cli/model-path.c).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gi18n.h>

#include "image-io.h"
#include "look/look.h"
#include "looklab-cli.h"
#include "match/match.h"

#define EXIT_USAGE 2

/* The bundled model (tools/train-neutralizer.py exports it to
 * data/models/). */
#define DEFAULT_MODEL "looklab-neutralizer.safetensors"

int
looklab_cli_match (int argc, char **argv)
{
  g_autofree char *out = NULL;
  g_autofree char *model_path = NULL;
  g_autofree char *space_name = NULL;
  g_autoptr (LookLabImage) ref = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) ctx = NULL;
  LookLabNeutralizer *nz = NULL;
  LookLabMatchPair    pair = { 0 };
  LookLabFitParams    params;
  LookLabImageView    vb, va;
  LookLabLook        *look = NULL;
  LookLabLookInfo     info;
  LookLabDiag         diag = { 0 };
  double              strength = 1.0;
  int                 size = 33, seed = 0, side = 0, status, rc;
  const Babl         *look_space;
  GOptionEntry        entries[] = {
           { "output", 'o', 0, G_OPTION_ARG_FILENAME, &out,
             N_ ("Where to write the look (.cube: a baked LUT; else a look file)"),
             "OUT" },
           { "strength", 0, 0, G_OPTION_ARG_DOUBLE, &strength,
             N_ ("How much of the reference's look, 0..1 (default 1)"), "S" },
           { "size", 0, 0, G_OPTION_ARG_INT, &size,
             N_ ("LUT edge when OUT is a .cube (2..256, default 33)"), "N" },
           { "model", 0, 0, G_OPTION_ARG_FILENAME, &model_path,
             N_ ("The neutralizer model (.safetensors; default: "
                        "$LOOKLAB_MATCH_MODEL, else the bundled one)"),
             "FILE" },
           { "threads", 0, 0, G_OPTION_ARG_INT, &params.n_threads,
             N_ ("Threads (default: all cores)"), "T" },
           { "seed", 0, 0, G_OPTION_ARG_INT, &seed, N_ ("Random seed (default 0)"),
             "S" },
           { "input-space", 0, 0, G_OPTION_ARG_STRING, &space_name,
             N_ ("The space the look works in: srgb (default) or rec709"), "SPACE" },
           { "work-size", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &side,
             "The longer side the pair is made at (default 1024)", "PX" },
           { NULL }
  };

  looklab_match_fit_params_init (&params);
  ctx = g_option_context_new ("REFERENCE -o OUT");
  g_option_context_set_summary (
      ctx, _ ("Learn the look of a graded image alone: the model takes the "
              "grade off REFERENCE, and the look that puts it back is "
              "written to OUT."));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return looklab_cli_fail ("%s", error->message), EXIT_USAGE;
  if (argc != 2 || out == NULL)
    return looklab_cli_fail (_ ("usage: %s"), "looklab match REFERENCE -o OUT"),
           EXIT_USAGE;
  if (!(strength >= 0.0 && strength <= 1.0))
    return looklab_cli_fail (_ ("--strength must be within 0..1")), EXIT_USAGE;
  if (size < LOOKLAB_LUT_MIN_SIZE || size > LOOKLAB_LUT_MAX_SIZE)
    return looklab_cli_fail (_ ("--size must be within %d..%d"),
                             LOOKLAB_LUT_MIN_SIZE, LOOKLAB_LUT_MAX_SIZE),
           EXIT_USAGE;
  if (side < 0 || side > 8192)
    return looklab_cli_fail ("--work-size must be within 0..8192"), EXIT_USAGE;
  if (!looklab_cli_threads_ok (params.n_threads))
    return EXIT_USAGE;
  if (!looklab_cli_look_output_ok (out, argv[1], argv[1]))
    return EXIT_USAGE;
  look_space = looklab_cli_look_space_for (space_name);
  if (look_space == NULL)
    return EXIT_USAGE;
  if (model_path == NULL)
    model_path = looklab_cli_find_model ("LOOKLAB_MATCH_MODEL", DEFAULT_MODEL);
  if (model_path == NULL)
    return looklab_cli_fail (_ ("no neutralizer model found (give --model "
                                "or set LOOKLAB_MATCH_MODEL)"));
  if (!g_file_test (model_path, G_FILE_TEST_IS_REGULAR))
    return looklab_cli_fail (_ ("%s: not a regular file"), model_path);
  status = looklab_neutralizer_load (model_path, &nz, &diag);
  if (status != LOOKLAB_OK)
    return looklab_cli_fail (
        "%s: %s", model_path,
        diag.message[0] != '\0' ? diag.message : _ (looklab_strerror (status)));

  ref = looklab_image_load (argv[1], &error);
  if (ref == NULL)
    {
      looklab_neutralizer_free (nz);
      return looklab_cli_fail ("%s", error->message);
    }
  if (!looklab_cli_to_look_space (ref, look_space))
    {
      looklab_neutralizer_free (nz);
      return EXIT_FAILURE;
    }

  status = looklab_match_pair (nz, &ref->view, side, (float) strength,
                               params.n_threads, &pair, &diag);
  looklab_neutralizer_free (nz);
  if (status != LOOKLAB_OK)
    return looklab_cli_fail ("match: %s", diag.message[0] != '\0'
                                              ? diag.message
                                              : _ (looklab_strerror (status)));
  fprintf (stderr,
           _ ("neutralized: the reference moved by mean dE00 %.2f (max "
              "%.2f) at %d x %d; a small figure means the model sees "
              "little grade\n"),
           pair.moved_de00, pair.moved_max_de00, pair.width, pair.height);

  vb.pixels = pair.before;
  vb.format = LOOKLAB_PIXEL_RGB_FLOAT;
  vb.width = pair.width;
  vb.height = pair.height;
  vb.stride = sizeof (float) * 3 * (size_t) pair.width;
  va = vb;
  va.pixels = pair.after;
  params.seed = (unsigned) seed;
  status
      = looklab_look_fit (&vb, &va, pair.mask, &params,
                          looklab_cli_progress_to_stderr, NULL, &look, &diag);
  if (isatty (STDERR_FILENO))
    fputc ('\n', stderr);
  if (status != LOOKLAB_OK)
    {
      looklab_match_pair_clear (&pair);
      return looklab_cli_fail (
          "match: %s", diag.message[0] != '\0' ? diag.message
                                               : _ (looklab_strerror (status)));
    }
  looklab_look_get_info (look, &info);
  fprintf (stderr, _ ("learned from %zu colours; in-sample mean dE00 %.3f\n"),
           info.fit_samples, info.fit_mean_de00);
  {
    g_autofree char *base = g_path_get_basename (argv[1]);
    /* TRANSLATORS: the title of a .cube made by looklab match */
    g_autofree char *title = g_strdup_printf (
        _ ("looklab match %s (neutralized reference moved %.2f dE00, "
           "strength %.2f)"),
        base, pair.moved_de00, strength);

    rc = looklab_cli_write_look (look, out, title, size, params.n_threads);
  }
  looklab_look_free (look);
  looklab_match_pair_clear (&pair);
  return rc;
}
