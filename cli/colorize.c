/* looklab colorize IN OUT [--model FILE] [--hints HINTS.png]
 *                 [--saturation S] [--upsample edge|bilinear]
 *                 [--threads T] [--timing]
 *
 * Colorizes IN with a CNN model (docs/cnn-format.md) and writes OUT in
 * IN's precision and colour space.  The image goes to CIE Lab through
 * babl ("CIE Lab alpha float", from the file's own space); the model
 * predicts a*, b* from L* (core/colorize/colorize.h) and OUT keeps IN's L* and
 * alpha exactly, so no detail is lost.  An IN that already has colour is
 * colorized from its L* alone: its colour is replaced (core/colorize/colorize.h).
 * Without --model: $LOOKLAB_COLORIZE_MODEL, else the default model
 * looklab-colorize.safetensors (share/looklab/models/ when installed,
 * data/models/ of the source tree for a build directory).
 * HINTS.png, the same size as IN: every pixel with alpha > 0 is a colour
 * hint (its a*, b*), for models that take hints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <babl/babl.h>
#include <glib.h>
#include <glib/gi18n.h>

#include "nn/cnn.h"
#include "colorize/colorize.h"
#include "image-io.h"
#include "looklab-cli.h"

#define EXIT_USAGE 2

static int cfail (const char *fmt, ...) G_GNUC_PRINTF (1, 2);

static int
cfail (const char *fmt, ...)
{
  va_list ap;

  fputs ("looklab colorize: ", stderr);
  va_start (ap, fmt);
  vfprintf (stderr, fmt, ap);
  va_end (ap);
  fputc ('\n', stderr);
  return EXIT_FAILURE;
}

/* Converts @image to a new buffer of CIE Lab alpha float (4 floats a
 * pixel), or back when @to_image; row by row, since the image's rows may
 * be padded. */
static void
lab_convert (LookLabImage *image, float *lab, gboolean to_image)
{
  const Babl *fmt = babl_format_with_space (
      looklab_image_babl_name (image->view.format), image->space);
  const Babl *labf = babl_format ("CIE Lab alpha float");
  const Babl *fish = to_image ? babl_fish (labf, fmt) : babl_fish (fmt, labf);
  int         y;

  for (y = 0; y < image->view.height; y++)
    {
      char  *row = (char *) image->data + (size_t) y * image->view.stride;
      float *lrow = lab + (size_t) y * image->view.width * 4;

      if (to_image)
        babl_process (fish, lrow, row, image->view.width);
      else
        babl_process (fish, row, lrow, image->view.width);
    }
}

/* The default model's file name (tools/train-colorize.py exports it to
 * data/models/). */
#define DEFAULT_MODEL "looklab-colorize.safetensors"

int
looklab_cli_colorize (int argc, char **argv)
{
  g_autofree char *model_path = NULL;
  g_autofree char *hints_path = NULL;
  g_autofree char *upsample = NULL;
  g_autoptr (LookLabImage) image = NULL;
  g_autoptr (LookLabImage) hints = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GOptionContext) ctx = NULL;
  LookLabColorizeParams params;
  LookLabCnn           *cnn = NULL;
  LookLabDiag           diag = { 0 };
  float                *lab = NULL, *l = NULL, *ab = NULL;
  float                *hab = NULL, *hmask = NULL, *hlab = NULL;
  double                saturation = 1.0;
  int                   threads = 0, net_size = 0, status;
  int                   rc = EXIT_FAILURE;
  gboolean              timing = FALSE, network_only = FALSE;
  size_t                n, i;
  gint64                t0, t1;
  GOptionEntry          entries[]
      = { { "model", 0, 0, G_OPTION_ARG_FILENAME, &model_path,
            N_ ("The model (.safetensors; default: $LOOKLAB_COLORIZE_MODEL, "
                "else the installed looklab-colorize.safetensors)"),
            "FILE" },
          { "hints", 0, 0, G_OPTION_ARG_FILENAME, &hints_path,
            N_ ("Colour hints: same size as IN, alpha > 0 marks a hint"),
            "HINTS.png" },
          { "saturation", 0, 0, G_OPTION_ARG_DOUBLE, &saturation,
            N_ ("Multiply the predicted colour, 0..2 (default 1)"), "S" },
          { "upsample", 0, 0, G_OPTION_ARG_STRING, &upsample,
            N_ ("How the colour comes back to full size: edge (default; it "
                "follows the image's edges) or bilinear"),
            "MODE" },
          { "threads", 0, 0, G_OPTION_ARG_INT, &threads,
            N_ ("Threads (default: all cores)"), "T" },
          { "net-size", 0, 0, G_OPTION_ARG_INT, &net_size,
            N_ ("Network input side (default: the model's)"), "N" },
          { "network-only", 0, 0, G_OPTION_ARG_NONE, &network_only,
            N_ ("Hints go to the network only (no propagation of them "
                "after it; models that take the propagated hints as input, "
                "the default one, are never fused)"),
            NULL },
          { "timing", 0, 0, G_OPTION_ARG_NONE, &timing,
            N_ ("Print the time of the colorization to stderr"), NULL },
          { NULL } };

  ctx = g_option_context_new ("IN OUT");
  g_option_context_set_summary (ctx, _ ("Colorize an image with a CNN model "
                                        "(L* is kept, a* b* predicted)."));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cfail ("%s", error->message), EXIT_USAGE;
  if (argc != 3)
    return cfail (_ ("usage: %s"), "looklab colorize IN OUT [--model FILE] "
                                   "[--hints HINTS.png] [--saturation S] "
                                   "[--upsample edge|bilinear]"),
           EXIT_USAGE;
  if (!(saturation >= 0.0 && saturation <= 2.0))
    return cfail (_ ("--saturation must be within 0..2")), EXIT_USAGE;
  if (upsample != NULL && strcmp (upsample, "edge") != 0
      && strcmp (upsample, "bilinear") != 0)
    return cfail (_ ("--upsample must be edge or bilinear, not '%s'"),
                  upsample),
           EXIT_USAGE;
  if (model_path == NULL)
    model_path
        = looklab_cli_find_model ("LOOKLAB_COLORIZE_MODEL", DEFAULT_MODEL);
  if (model_path == NULL)
    return cfail (_ ("no model: the default (%s) is not installed; give "
                     "--model FILE or set LOOKLAB_COLORIZE_MODEL"),
                  DEFAULT_MODEL),
           EXIT_USAGE;

  status = looklab_cnn_load (model_path, &cnn, &diag);
  if (status == LOOKLAB_ERR_IO && diag.message[0] != '\0')
    return cfail ("%s", diag.message);
  if (status != LOOKLAB_OK)
    return cfail ("%s: %s", model_path,
                  diag.message[0] ? diag.message
                                  : _ (looklab_strerror (status)));
  image = looklab_image_load (argv[1], &error);
  if (image == NULL)
    {
      cfail ("%s", error->message);
      goto out;
    }
  n = (size_t) image->view.width * image->view.height;
  lab = g_try_new (float, n * 4);
  l = g_try_new (float, n);
  ab = g_try_new (float, n * 2);
  if (lab == NULL || l == NULL || ab == NULL)
    {
      cfail (_ ("%s: not enough memory for %dx%d pixels"), argv[1],
             image->view.width, image->view.height);
      goto out;
    }
  lab_convert (image, lab, FALSE);
  for (i = 0; i < n; i++)
    l[i] = lab[4 * i];

  if (hints_path != NULL)
    {
      hints = looklab_image_load (hints_path, &error);
      if (hints == NULL)
        {
          cfail ("%s", error->message);
          goto out;
        }
      if (hints->view.width != image->view.width
          || hints->view.height != image->view.height)
        {
          cfail (_ ("%s is %dx%d, %s is %dx%d: hints must be the same size"),
                 hints_path, hints->view.width, hints->view.height, argv[1],
                 image->view.width, image->view.height);
          goto out;
        }
      if (looklab_pixel_format_channels (hints->view.format) != 4)
        {
          cfail (_ ("%s has no alpha channel: hints are its pixels with "
                    "alpha > 0"),
                 hints_path);
          goto out;
        }
      hlab = g_try_new (float, n * 4);
      hab = g_try_new (float, n * 2);
      hmask = g_try_new (float, n);
      if (hlab == NULL || hab == NULL || hmask == NULL)
        {
          cfail (_ ("%s: not enough memory"), hints_path);
          goto out;
        }
      lab_convert (hints, hlab, FALSE);
      for (i = 0; i < n; i++)
        {
          hab[2 * i] = hlab[4 * i + 1];
          hab[2 * i + 1] = hlab[4 * i + 2];
          hmask[i] = hlab[4 * i + 3] > 0.0f ? 1.0f : 0.0f;
        }
      g_clear_pointer (&hlab, g_free);
    }

  looklab_colorize_params_init (&params);
  params.saturation = (float) saturation;
  params.n_threads = threads;
  params.net_size = net_size;
  params.fuse_hints = !network_only;
  if (upsample != NULL && strcmp (upsample, "bilinear") == 0)
    params.upsample = LOOKLAB_COLORIZE_UPSAMPLE_BILINEAR;
  t0 = g_get_monotonic_time ();
  status = looklab_colorize (cnn, l, image->view.width, image->view.height,
                             image->view.width, hab, 2 * image->view.width,
                             hmask, image->view.width, ab,
                             2 * image->view.width, &params, NULL, NULL, &diag);
  t1 = g_get_monotonic_time ();
  if (status != LOOKLAB_OK)
    {
      cfail ("%s: %s", argv[1],
             diag.message[0] ? diag.message : _ (looklab_strerror (status)));
      goto out;
    }
  for (i = 0; i < n; i++)
    {
      lab[4 * i + 1] = ab[2 * i];
      lab[4 * i + 2] = ab[2 * i + 1];
    }
  lab_convert (image, lab, TRUE);
  if (timing)
    fprintf (stderr,
             _ ("colorize: %dx%d (%.1f MP) in %.3f s (model and "
                "resampling; Lab conversion and file I/O not "
                "included)\n"),
             image->view.width, image->view.height, n / 1e6, (t1 - t0) / 1e6);
  if (!looklab_image_save (image, argv[2], &error))
    {
      cfail ("%s", error->message);
      goto out;
    }
  rc = EXIT_SUCCESS;

out:
  g_free (lab);
  g_free (l);
  g_free (ab);
  g_free (hab);
  g_free (hmask);
  g_free (hlab);
  looklab_cnn_free (cnn);
  return rc;
}
