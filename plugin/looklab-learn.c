/* LookLab GIMP 3 plug-in: plug-in-looklab-learn (Colors > LookLab > Learn
 * Look from Layers...).  Fits a look to a before/after pair of layers,
 * stores it on the image, optionally saves it and applies it; the dialog's
 * live preview fits a scaled copy in a thread.  With align "auto" (the
 * default) the two layers may differ in size, framing and resolution: the
 * after is registered on the before first (core/look/look-learn.c), as
 * `looklab learn` does. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>

#include "look/look-learn.h"
#include "lut/cube-io.h"
#include "looklab-plugin.h"
#include "looklab-ui.h"

/* Model sizes offered as a simple choice; the numbers follow the MLP sizes
 * measured in docs (3-32-32-3 is the balanced default of core/look/look.h). */
typedef struct
{
  const gchar *nick;
  gint         hidden;
  gint         layers;
} ModelSize;

static const ModelSize model_sizes[] = {
  { "fast", 16, 1 },
  { "balanced", 32, 2 },
  { "precise", 64, 2 },
};

static int
learn_progress (double fraction, void *user_data)
{
  gimp_progress_update (fraction);
  return 0;
}

static gboolean
is_target (GimpLayer *layer, GimpDrawable **targets)
{
  gint i, n = gimp_core_object_array_get_length ((GObject **) targets);

  for (i = 0; i < n; i++)
    if (GIMP_ITEM (targets[i]) == GIMP_ITEM (layer))
      return TRUE;
  return FALSE;
}

/* The two topmost layers of equal size, in stack order (the upper one is
 * usually the edited copy): after = upper, before = lower.  Layers the
 * look is to be applied to are passed over when two others qualify. */
static void
default_pair (GimpImage *image, GimpDrawable **targets, GimpLayer **before,
              GimpLayer **after)
{
  GimpLayer **layers = gimp_image_get_layers (image);
  gint        n = gimp_core_object_array_get_length ((GObject **) layers);
  gint        pass, i, j;

  *before = *after = NULL;
  for (pass = 0; pass < 2 && *after == NULL; pass++)
    for (i = 0; i < n && *after == NULL; i++)
      for (j = i + 1; j < n; j++)
        {
          if (pass == 0
              && (is_target (layers[i], targets)
                  || is_target (layers[j], targets)))
            continue;
          if (gimp_drawable_get_width (GIMP_DRAWABLE (layers[i]))
                  == gimp_drawable_get_width (GIMP_DRAWABLE (layers[j]))
              && gimp_drawable_get_height (GIMP_DRAWABLE (layers[i]))
                     == gimp_drawable_get_height (GIMP_DRAWABLE (layers[j])))
            {
              *after = layers[i];
              *before = layers[j];
              break;
            }
        }
  g_free (layers);
}

/* The Learn dialog's preview: a fit on reduced copies of the pair, run in
 * a worker thread so that the dialog stays responsive, redone only when
 * the layers or the model change (other changes just redraw). */
#define LEARN_PREVIEW_SIDE 384

typedef struct
{
  GimpDrawable     *drawable;
  LookLabPreviewFit fit;

  /* Read for the worker. */
  gpointer         bpix;
  gpointer         apix;
  LookLabImageView bview;
  LookLabImageView aview;
  LookLabFitParams params;
  gboolean         align_auto;
  gboolean         has_hint;
  gdouble          hint[9];   /* the layers' offsets, at the preview's scale */
  gint32           before_id; /* what the fit was read from, at @scale */
  gdouble          scale;
  gint             after_w, after_h;
  LookLabAlignment al; /* written by the worker, read once it is done */
} LearnPreview;

/* align "auto" (0) registers the pair, "none" (1) takes it as aligned. */
static gboolean
align_auto_from_config (GimpProcedureConfig *config)
{
  return gimp_procedure_config_get_choice_id (config, "align") != 1;
}

/* A registration this far from perfect is still learned from, with a
 * warning: two photos that share only part of the scene, or a match on
 * repeated texture. */
#define POOR_MATCH_CONFIDENCE 0.6

/* One sentence on where the after was found in the before (@al from a
 * registration, not al->aligned). */
static gchar *
alignment_text (const LookLabAlignment *al)
{
  /* Sizes as the user sees them: the after against the before. */
  gdouble size = al->scale > 0.0 ? 1.0 / al->scale : 0.0;
  gdouble rotation = fabs (al->rotation) < 0.05 ? 0.0 : al->rotation;

  if (al->confidence < POOR_MATCH_CONFIDENCE)
    return g_strdup_printf (_ ("Poor match (confidence %.2f): check that "
                               "both layers show the same scene.  The after "
                               "was placed in the before at %.2fx its size, "
                               "rotated %.1f degrees."),
                            al->confidence, size, rotation);
  return g_strdup_printf (_ ("The after was found in the before at %.2fx its "
                             "size, rotated %.1f degrees (confidence %.2f)."),
                          size, rotation, al->confidence);
}

/* Where the user put the after over the before, as a guess for the
 * registration (looklab_align_find_near ()): a translation by the
 * difference of the layers' offsets, for layers read at @scale.  FALSE
 * when the layers belong to two images, whose offsets say nothing of
 * each other. */
static gboolean
offsets_hint (GimpLayer *before, GimpLayer *after, gdouble scale,
              gdouble hint[9])
{
  gint bx = 0, by = 0, ax = 0, ay = 0, i;

  if (gimp_image_get_id (gimp_item_get_image (GIMP_ITEM (before)))
      != gimp_image_get_id (gimp_item_get_image (GIMP_ITEM (after))))
    return FALSE;
  gimp_drawable_get_offsets (GIMP_DRAWABLE (before), &bx, &by);
  gimp_drawable_get_offsets (GIMP_DRAWABLE (after), &ax, &ay);
  for (i = 0; i < 9; i++)
    hint[i] = i % 4 == 0 ? 1.0 : 0.0;
  hint[2] = (ax - bx) * scale;
  hint[5] = (ay - by) * scale;
  return TRUE;
}

static void
fit_params_from_config (GimpProcedureConfig *config, LookLabFitParams *params)
{
  gint     hidden = 0, layers = 0, seed = 0;
  gint     size_id = gimp_procedure_config_get_choice_id (config, "model-size");
  gboolean global_only = FALSE;

  g_object_get (config, "hidden", &hidden, "layers", &layers, "seed", &seed,
                "global-only", &global_only, NULL);
  looklab_fit_params_init (params);
  if (size_id >= 0 && size_id < (gint) G_N_ELEMENTS (model_sizes))
    {
      params->hidden = model_sizes[size_id].hidden;
      params->layers = model_sizes[size_id].layers;
    }
  if (hidden > 0)
    params->hidden = hidden;
  if (layers > 0)
    params->layers = layers;
  params->seed = (unsigned) seed;
  /* The fit keeps a vignette, a gradient or local contrast only when the
   * pair shows one (core/look/look-spatial-fit.c); the preview, looklab:apply and the
   * pixel path apply them, as `looklab apply` does. */
  params->spatial = !global_only;
}

/* What the status line adds for a look with spatial parts: they are
 * applied and stored, and a .cube cannot hold them. */
static gchar *
spatial_text (const LookLabLookInfo *info)
{
  if (info->vignette_knots > 0 && info->detail_knots > 0)
    return g_strdup (_ ("The look has a vignette and local contrast, which "
                        "a .cube cannot hold: save a look file to keep "
                        "them."));
  if (info->vignette_knots > 0 && info->field_knots > 0)
    return g_strdup (_ ("The look has a vignette and changes across the "
                        "frame (a gradient), which a .cube cannot hold: "
                        "save a look file to keep them."));
  if (info->vignette_knots > 0)
    return g_strdup (_ ("The look has a vignette, which a .cube cannot "
                        "hold: save a look file to keep it."));
  if (info->field_knots > 0)
    return g_strdup (_ ("The look changes across the frame (a gradient), "
                        "which a .cube cannot hold: save a look file to "
                        "keep it."));
  if (info->detail_knots > 0)
    return g_strdup (_ ("The look has local contrast, which a .cube cannot "
                        "hold: save a look file to keep it."));
  return NULL;
}

static int
preview_fit (gpointer data, LookLabPreviewFit *fit, LookLabLook **look)
{
  LearnPreview *lp = data;

  return looklab_look_learn_near (
      &lp->bview, &lp->aview, lp->align_auto, lp->has_hint ? lp->hint : NULL,
      &lp->params, looklab_preview_fit_progress, fit, look, &lp->al, NULL);
}

static void
preview_fit_release (gpointer data)
{
  LearnPreview *lp = data;

  g_clear_pointer (&lp->bpix, g_free);
  g_clear_pointer (&lp->apix, g_free);
}

static gchar *
preview_progress_text (gint percent)
{
  return g_strdup_printf (_ ("Learning the look... %d %%"), percent);
}

static gchar *
preview_fitted_text (gpointer data, const LookLabLookInfo *info)
{
  LearnPreview *lp = data;
  gchar        *fitted, *text;

  fitted = g_strdup_printf (_ ("Mean difference on the pair: %.2f dE00 "
                               "(preview fitted on a reduced copy)"),
                            info->fit_mean_de00);
  {
    gchar *spatial = spatial_text (info);

    if (spatial != NULL)
      {
        text = g_strconcat (fitted, "  ", spatial, NULL);
        g_free (fitted);
        g_free (spatial);
        fitted = text;
      }
  }
  if (lp->al.aligned)
    return fitted;
  {
    gchar *matched = alignment_text (&lp->al);

    text = g_strconcat (matched, "  ", fitted, NULL);
    g_free (matched);
  }
  g_free (fitted);
  return text;
}

static gchar *
preview_failed_text (int status)
{
  /* The preview asks for layers of one size without alignment: a
   * mismatch is registration's, two different scenes. */
  if (status == LOOKLAB_ERR_MISMATCH)
    return g_strdup (_ ("Could not learn a look: these layers don't show "
                        "the same scene."));
  return g_strdup_printf (_ ("Could not learn a look: %s"),
                          _ (looklab_strerror (status)));
}

static const LookLabPreviewFitFuncs learn_preview_funcs = {
  .thread_name = "looklab-preview-fit",
  .fit = preview_fit,
  .release = preview_fit_release,
  .progress_text = preview_progress_text,
  .fitted_text = preview_fitted_text,
  .failed_text = preview_failed_text,
};

static void
learn_preview (GimpPreview *preview, GimpProcedureConfig *config,
               gpointer user_data)
{
  LearnPreview *lp = user_data;
  GimpLayer    *before = NULL;
  GimpLayer    *after = NULL;
  gchar        *key = NULL;
  const Babl   *look_space = looklab_config_space (config, NULL);

  lp->fit.preview = preview;
  g_object_get (config, "before", &before, "after", &after, NULL);

  if (before == NULL || after == NULL
      || gimp_drawable_is_indexed (GIMP_DRAWABLE (before))
      || gimp_drawable_is_indexed (GIMP_DRAWABLE (after)))
    {
      looklab_ui_set_status (preview,
                             _ ("Choose a before and an after layer."));
      goto draw;
    }
  if (!align_auto_from_config (config)
      && (gimp_drawable_get_width (GIMP_DRAWABLE (before))
              != gimp_drawable_get_width (GIMP_DRAWABLE (after))
          || gimp_drawable_get_height (GIMP_DRAWABLE (before))
                 != gimp_drawable_get_height (GIMP_DRAWABLE (after))))
    {
      looklab_ui_set_status (preview,
                             _ ("Without alignment the before and after "
                                "layers must have the same size."));
      goto draw;
    }

  {
    LookLabFitParams params;
    gdouble          at[9] = { 0 };

    fit_params_from_config (config, &params);
    /* Moving a layer moves the guess: fit again. */
    offsets_hint (before, after, 1.0, at);
    key = g_strdup_printf (
        "%d/%d/%d/%d/%u/%p/%d/%g/%g/%d", gimp_item_get_id (GIMP_ITEM (before)),
        gimp_item_get_id (GIMP_ITEM (after)), params.hidden, params.layers,
        params.seed, (void *) look_space, align_auto_from_config (config),
        at[2], at[5], params.spatial);

    if (looklab_preview_fit_begin (&lp->fit, key))
      {
        gint    w = gimp_drawable_get_width (GIMP_DRAWABLE (before));
        gint    h = gimp_drawable_get_height (GIMP_DRAWABLE (before));
        gdouble scale = MIN (1.0, (gdouble) LEARN_PREVIEW_SIDE / MAX (w, h));

        lp->params = params;
        lp->align_auto = align_auto_from_config (config);
        lp->has_hint = offsets_hint (before, after, scale, lp->hint);
        lp->before_id = gimp_item_get_id (GIMP_ITEM (before));
        lp->scale = scale;
        lp->after_w = gimp_drawable_get_width (GIMP_DRAWABLE (after));
        lp->after_h = gimp_drawable_get_height (GIMP_DRAWABLE (after));
        lp->bpix = looklab_read_drawable_scaled (GIMP_DRAWABLE (before), scale,
                                                 look_space, &lp->bview);
        lp->apix = looklab_read_drawable_scaled (GIMP_DRAWABLE (after), scale,
                                                 look_space, &lp->aview);
        looklab_ui_set_status (preview, _ ("Learning the look..."));
        looklab_preview_fit_start (&lp->fit);
      }
  }

draw:
  {
    gdouble  quad[8];
    gboolean shown = FALSE;

    /* Where the after was found, outlined on the before when the preview
     * shows the before itself. */
    if (looklab_preview_fit_look (&lp->fit) != NULL && !lp->al.aligned
        && lp->al.confidence > 0.0
        && gimp_item_get_id (GIMP_ITEM (lp->drawable)) == lp->before_id)
      {
        gint k;

        for (k = 0; k < 4; k++)
          {
            gdouble ax = (k == 1 || k == 2 ? lp->after_w : 0) * lp->scale;
            gdouble ay = (k >= 2 ? lp->after_h : 0) * lp->scale;

            looklab_align_map (&lp->al, ax, ay, &quad[2 * k], &quad[2 * k + 1]);
            quad[2 * k] /= lp->scale;
            quad[2 * k + 1] /= lp->scale;
          }
        shown = TRUE;
      }
    looklab_render_preview (
        preview, lp->drawable, looklab_preview_fit_lut (&lp->fit),
        looklab_preview_fit_look (&lp->fit), LOOKLAB_INTERP_TETRAHEDRAL, 1.0,
        look_space, shown ? quad : NULL);
  }
  g_free (key);
  g_clear_object (&before);
  g_clear_object (&after);
}

static GimpValueArray *
learn_run (GimpProcedure *procedure, GimpRunMode run_mode, GimpImage *image,
           GimpDrawable **drawables, GimpProcedureConfig *config,
           gpointer run_data)
{
  GError          *error = NULL;
  GimpLayer       *before = NULL;
  GimpLayer       *after = NULL;
  GFile           *file = NULL;
  gint             lut_size = 33;
  gboolean         apply = TRUE;
  gboolean         non_destructive = FALSE;
  gchar           *cached = NULL;
  LookLabFitParams params;
  LookLabImageView bview, aview;
  gpointer         bpix = NULL, apix = NULL;
  LookLabLook     *look = NULL;
  LookLabLut      *lut = NULL;
  LookLabLookInfo  info = { 0 };
  LookLabDiag      diag = { 0 };
  LookLabAlignment al = { 0 };
  gboolean         align_auto = TRUE;
  GimpValueArray  *ret;
  int              st;
  gboolean         ok = FALSE;
  const Babl      *look_space;

  if (run_mode == GIMP_RUN_INTERACTIVE)
    {
      g_object_get (config, "before", &before, "after", &after, NULL);
      if (before == NULL || after == NULL)
        {
          GimpLayer *b, *a;

          default_pair (image, drawables, &b, &a);
          if (before == NULL && b != NULL)
            g_object_set (config, "before", b, NULL);
          if (after == NULL && a != NULL)
            g_object_set (config, "after", a, NULL);
        }
      g_clear_object (&before);
      g_clear_object (&after);

      {
        LearnPreview lp = { 0 };
        gboolean     go;

        looklab_preview_fit_init (&lp.fit, &learn_preview_funcs, &lp);
        if (gimp_core_object_array_get_length ((GObject **) drawables) > 0
            && !gimp_drawable_is_indexed (drawables[0]))
          lp.drawable = drawables[0];

        gimp_ui_init (LOOKLAB_PLUG_IN_BINARY);
        go = looklab_ui_learn_dialog (
            procedure, config, image, lp.drawable,
            lp.drawable != NULL ? learn_preview : NULL, &lp);
        looklab_preview_fit_clear (&lp.fit);
        if (!go)
          return gimp_procedure_new_return_values (procedure, GIMP_PDB_CANCEL,
                                                   NULL);
      }
    }

  g_object_get (config, "before", &before, "after", &after, "file", &file,
                "lut-size", &lut_size, "apply", &apply, "non-destructive",
                &non_destructive, NULL);

  if (before == NULL || after == NULL)
    {
      g_set_error_literal (&error, GIMP_PLUG_IN_ERROR, 0,
                           _ ("Choose a before layer and an after layer."));
      goto out;
    }
  /* Both layers are read in the look's space (each from its own image's
   * profile), so the look means the same whatever the profiles. */
  look_space = looklab_config_space (config, &error);
  if (look_space == NULL)
    goto out;
  align_auto = align_auto_from_config (config);
  if (!align_auto
      && (gimp_drawable_get_width (GIMP_DRAWABLE (before))
              != gimp_drawable_get_width (GIMP_DRAWABLE (after))
          || gimp_drawable_get_height (GIMP_DRAWABLE (before))
                 != gimp_drawable_get_height (GIMP_DRAWABLE (after))))
    {
      g_set_error (&error, GIMP_PLUG_IN_ERROR, 0,
                   _ ("The before layer (%d x %d) and the after layer "
                      "(%d x %d) must have the same size when align is "
                      "\"none\"."),
                   gimp_drawable_get_width (GIMP_DRAWABLE (before)),
                   gimp_drawable_get_height (GIMP_DRAWABLE (before)),
                   gimp_drawable_get_width (GIMP_DRAWABLE (after)),
                   gimp_drawable_get_height (GIMP_DRAWABLE (after)));
      goto out;
    }
  if ((gint64) gimp_drawable_get_width (GIMP_DRAWABLE (before))
              * gimp_drawable_get_height (GIMP_DRAWABLE (before))
          > LOOKLAB_LEARN_MAX_PIXELS
      || (gint64) gimp_drawable_get_width (GIMP_DRAWABLE (after))
                 * gimp_drawable_get_height (GIMP_DRAWABLE (after))
             > LOOKLAB_LEARN_MAX_PIXELS)
    {
      g_set_error (&error, GIMP_PLUG_IN_ERROR, 0,
                   _ ("The layers are larger than %d megapixels.  Learn from "
                      "scaled-down copies: the look is the same."),
                   (gint) (LOOKLAB_LEARN_MAX_PIXELS / 1000000));
      goto out;
    }
  if (gimp_drawable_is_indexed (GIMP_DRAWABLE (before))
      || gimp_drawable_is_indexed (GIMP_DRAWABLE (after)))
    {
      g_set_error_literal (&error, GIMP_PLUG_IN_ERROR, 0,
                           _ ("The before and after layers must not be "
                              "indexed: convert the image to RGB first."));
      goto out;
    }
  /* Check the targets before the long fit, not after it. */
  if (apply)
    {
      gint n = gimp_core_object_array_get_length ((GObject **) drawables);
      gint i;

      for (i = 0; i < n; i++)
        if (!looklab_check_drawable (drawables[i], &error))
          goto out;
    }

  fit_params_from_config (config, &params);

  if (!looklab_read_drawable (GIMP_DRAWABLE (before), look_space, &bview, &bpix,
                              &error)
      || !looklab_read_drawable (GIMP_DRAWABLE (after), look_space, &aview,
                                 &apix, &error))
    goto out;

  gimp_progress_init (_ ("Learning look"));
  {
    gdouble hint[9];

    st = looklab_look_learn_near (
        &bview, &aview, align_auto,
        offsets_hint (before, after, 1.0, hint) ? hint : NULL, &params,
        learn_progress, NULL, &look, &al, &diag);
  }
  g_clear_pointer (&bpix, g_free);
  g_clear_pointer (&apix, g_free);
  if (st != LOOKLAB_OK)
    {
      if (st == LOOKLAB_ERR_MISMATCH && align_auto)
        g_set_error (&error, GIMP_PLUG_IN_ERROR, 0,
                     _ ("The before and after layers don't show the same "
                        "scene: the best match covers %.0f %% of the "
                        "after."),
                     100.0 * al.coverage);
      else
        looklab_set_core_error (&error, st, &diag, NULL);
      goto out;
    }
  looklab_look_get_info (look, &info);

  /* Everything that can fail without touching the image comes first (the
   * file to save, the LUT to apply): a failing call must not leave the
   * look stored in the image (found by tests/plugin/test-stress.py). */
  if (file != NULL
      && !looklab_save_look (look, file, lut_size, "LookLab", &error))
    goto out;

  if (apply
      && !looklab_learned_look_prepare (look, look_space, drawables, &cached,
                                        &lut, &error))
    goto out;

  if (!looklab_store_look (image, look, &error))
    goto out;

  if (!looklab_learned_look_apply (image, drawables, look, cached, lut,
                                   _ ("Learned look"), non_destructive,
                                   look_space, &error))
    goto out;

  if (run_mode != GIMP_RUN_NONINTERACTIVE)
    {
      gimp_displays_flush ();
      gchar *msg = g_strdup_printf (_ ("Look learned from %zu colours: "
                                       "mean difference on the pair "
                                       "%.2f dE00."),
                                    info.fit_samples, info.fit_mean_de00);

      {
        gchar *spatial = spatial_text (&info);

        if (spatial != NULL)
          {
            gchar *both = g_strconcat (msg, "\n", spatial, NULL);

            g_free (spatial);
            g_free (msg);
            msg = both;
          }
      }
      if (!al.aligned)
        {
          gchar *matched = alignment_text (&al);
          gchar *both = g_strconcat (msg, "\n", matched, NULL);

          g_free (matched);
          g_free (msg);
          msg = both;
        }
      gimp_message (msg);
      g_free (msg);
    }
  ok = TRUE;

out:
  g_free (bpix);
  g_free (apix);
  g_free (cached);
  looklab_lut_free (lut);
  looklab_look_free (look);
  g_clear_object (&before);
  g_clear_object (&after);

  if (!ok)
    {
      g_clear_object (&file);
      return gimp_procedure_new_return_values (procedure,
                                               GIMP_PDB_EXECUTION_ERROR, error);
    }

  ret = gimp_procedure_new_return_values (procedure, GIMP_PDB_SUCCESS, NULL);
  GIMP_VALUES_SET_FILE (ret, 1, file);
  GIMP_VALUES_SET_DOUBLE (ret, 2, info.fit_mean_de00);
  g_clear_object (&file);
  return ret;
}

GimpProcedure *
looklab_learn_procedure_new (GimpPlugIn *plug_in, const gchar *name)
{
  GimpProcedure *procedure;

  procedure = gimp_image_procedure_new (
      plug_in, name, GIMP_PDB_PROC_TYPE_PLUGIN, learn_run, NULL, NULL);
  gimp_procedure_set_image_types (procedure, "RGB*, GRAY*");
  gimp_procedure_set_sensitivity_mask (
      procedure, GIMP_PROCEDURE_SENSITIVE_DRAWABLE
                     | GIMP_PROCEDURE_SENSITIVE_DRAWABLES
                     | GIMP_PROCEDURE_SENSITIVE_NO_DRAWABLES);
  looklab_procedure_describe (
      procedure, _ ("_Learn Look from Layers..."),
      _ ("Learn a colour look from a before and an after layer"),
      _ ("Fits a small neural network that turns the before "
         "layer's colours into the after layer's, stores it in "
         "the image (saved with XCF), optionally saves it as a "
         "look file or a .cube, and optionally applies it to the "
         "selected layers."));
  gimp_procedure_add_menu_path (procedure, "<Image>/Colors/LookLab");

  gimp_procedure_add_layer_argument (procedure, "before", _ ("_Before"),
                                     _ ("The layer before the look"), TRUE,
                                     G_PARAM_READWRITE);
  gimp_procedure_add_layer_argument (procedure, "after", _ ("_After"),
                                     _ ("The same scene with the look: the "
                                        "same picture, or (align auto) "
                                        "another crop, size or shot of it"),
                                     TRUE, G_PARAM_READWRITE);
  gimp_procedure_add_choice_argument (
      procedure, "align", _ ("Ali_gn"),
      _ ("auto: find where the after sits in the before when the two are "
         "not pixel-aligned (another size, crop, rotation or camera); "
         "none: they must be the same size and aligned"),
      gimp_choice_new_with_values ("auto", 0, _ ("Automatic"), NULL, "none", 1,
                                   _ ("None (already aligned)"), NULL, NULL),
      "auto", G_PARAM_READWRITE);
  gimp_procedure_add_choice_argument (
      procedure, "model-size", _ ("_Model"),
      _ ("Size of the network: bigger "
         "learns finer looks, slower"),
      gimp_choice_new_with_values ("fast", 0, _ ("Fast"), NULL, "balanced", 1,
                                   _ ("Balanced"), NULL, "precise", 2,
                                   _ ("Precise"), NULL, NULL),
      "balanced", G_PARAM_READWRITE);
  gimp_procedure_add_int_argument (procedure, "hidden", _ ("_Hidden units"),
                                   _ ("Units per hidden layer; 0 takes "
                                      "the model size's"),
                                   0, 256, 0, G_PARAM_READWRITE);
  gimp_procedure_add_int_argument (procedure, "layers", _ ("Hidden la_yers"),
                                   _ ("Hidden layers; 0 takes the model "
                                      "size's"),
                                   0, 4, 0, G_PARAM_READWRITE);
  gimp_procedure_add_int_argument (procedure, "seed", _ ("S_eed"),
                                   _ ("Same layers and seed give the same "
                                      "look"),
                                   0, G_MAXINT, 0, G_PARAM_READWRITE);
  looklab_add_learned_look_arguments (procedure);
  gimp_procedure_add_boolean_argument (
      procedure, "global-only", _ ("_Colours only"),
      _ ("Learn the colour part alone: no vignette or local contrast, even "
         "when the pair shows them (faster on large layers), as `looklab "
         "learn --global-only`"),
      FALSE, G_PARAM_READWRITE);

  looklab_add_learned_look_return_values (procedure);

  return procedure;
}
