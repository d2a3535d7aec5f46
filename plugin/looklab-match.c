/* LookLab GIMP 3 plug-in: plug-in-looklab-match (Colors > LookLab > Match
 * Look to Reference...).
 *
 * `looklab match` (cli/match.c) inside GIMP: the look neutralizer
 * (core/match/) takes the grade off a reference, a layer or an image file,
 * and the look that puts it back is fitted as Learn fits a before/after
 * pair (global part only, the neutralized reference's mask), stored on the
 * image, optionally saved and applied.  For the same reference pixels,
 * model, size, strength and seed it is the CLI's look, byte for byte.
 *
 * Everything that can fail (the arguments, the model, the reference, the
 * fit, the file) comes before the one undo group that stores and applies
 * the look; the dialog's preview runs the same steps on a reduced copy of
 * the reference in a worker thread. */
#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "match/match.h"
#include "looklab-plugin.h"
#include "looklab-ui.h"

/* The bundled model (tools/train-neutralizer.py exports it to
 * data/models/; meson installs it into LOOKLAB_MODELS_DIR), and the
 * variable that overrides it, as for the CLI. */
#define DEFAULT_MODEL "looklab-neutralizer.safetensors"
#define MODEL_ENV "LOOKLAB_MATCH_MODEL"

/* Aux argument: the dialog takes the reference from a file, not a layer
 * (a layer chooser cannot be emptied, so the dialog needs a switch). */
#define FROM_FILE_ARG "reference-from-file"

/* The pair's longer side in the preview, as Learn's preview. */
#define MATCH_PREVIEW_SIDE 384

/* Share of the progress bar before the fit: reading and neutralizing. */
#define PAIR_SHARE 0.1

/* ---- Inputs ----------------------------------------------------------- */

/* Loads the model of @file (NULL: the bundled neutralizer). */
static LookLabNeutralizer *
load_model (GFile *file, GError **error)
{
  LookLabNeutralizer *nz = NULL;
  LookLabDiag         diag = { 0 };
  gchar              *path = NULL;
  gchar              *name = NULL;
  gchar              *sentence = NULL;
  int                 status;

  path = looklab_source_file_path (file);
  if (path == NULL && file != NULL)
    {
      name = g_file_get_parse_name (file);
      if (name != NULL && name[0] != '\0')
        {
          g_set_error (error, GIMP_PLUG_IN_ERROR, 0,
                       _ ("'%s' is not a local file."), name);
          g_free (name);
          return NULL;
        }
      g_clear_pointer (&name, g_free);
    }
  if (path == NULL)
    {
      path = looklab_default_model_path (MODEL_ENV, DEFAULT_MODEL);
      if (path == NULL)
        {
          g_set_error (error, GIMP_PLUG_IN_ERROR, 0,
                       _ ("The look neutralizer model (%s) is not installed.  "
                          "Choose a model file, or set %s."),
                       DEFAULT_MODEL, MODEL_ENV);
          return NULL;
        }
    }
  name = g_filename_display_name (path);

  /* A FIFO or a folder would block or fail the reader: refuse it first. */
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    status = LOOKLAB_ERR_IO;
  else
    status = looklab_neutralizer_load (path, &nz, &diag);
  if (status != LOOKLAB_OK)
    {
      if (status == LOOKLAB_ERR_IO)
        sentence = g_strdup_printf (_ ("Could not read the look neutralizer "
                                       "model '%s'."),
                                    name);
      else if (status == LOOKLAB_ERR_NOMEM)
        sentence = g_strdup_printf (_ ("Not enough memory to load the look "
                                       "neutralizer model '%s'."),
                                    name);
      else
        sentence = g_strdup_printf (_ ("'%s' is not a valid look neutralizer "
                                       "model (a LookLab .safetensors model "
                                       "of kind \"rgb\", docs/cnn-format.md)."),
                                    name);
      if (diag.message[0] != '\0')
        g_set_error (error, GIMP_PLUG_IN_ERROR, 0, "%s\n%s", sentence,
                     diag.message);
      else
        g_set_error_literal (error, GIMP_PLUG_IN_ERROR, 0, sentence);
      looklab_neutralizer_free (nz);
      nz = NULL;
    }

  g_free (sentence);
  g_free (path);
  g_free (name);
  return nz;
}

/* Opens the reference image @file in GIMP (any format it reads, with its
 * own colour profile) as a new image that nobody sees: the caller deletes
 * it with gimp_image_delete ().  *@layer gets its one layer, or its
 * visible layers merged.  Returns NULL with @error set. */
static GimpImage *
open_reference_file (GFile *file, GimpDrawable **layer, GError **error)
{
  gchar      *path = looklab_source_file_path (file);
  gchar      *name = g_file_get_parse_name (file);
  GimpImage  *image = NULL;
  GimpLayer **layers;
  gint        n;

  *layer = NULL;
  if (path == NULL)
    {
      g_set_error (error, GIMP_PLUG_IN_ERROR, 0,
                   _ ("'%s' is not a local file."), name);
      goto out;
    }
  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, GIMP_PLUG_IN_ERROR, 0,
                   _ ("The reference image '%s' does not exist or is not a "
                      "regular file."),
                   name);
      goto out;
    }

  image = gimp_file_load (GIMP_RUN_NONINTERACTIVE, file);
  if (image == NULL)
    {
      const gchar *why = gimp_pdb_get_last_error (gimp_get_pdb ());

      g_set_error (error, GIMP_PLUG_IN_ERROR, 0,
                   _ ("Could not open the reference image '%s'.%s%s"), name,
                   why != NULL && why[0] != '\0' ? "\n" : "",
                   why != NULL ? why : "");
      goto out;
    }
  if (gimp_image_get_base_type (image) == GIMP_INDEXED)
    gimp_image_convert_rgb (image);

  layers = gimp_image_get_layers (image);
  n = gimp_core_object_array_get_length ((GObject **) layers);
  if (n == 1)
    *layer = GIMP_DRAWABLE (layers[0]);
  else if (n > 1)
    *layer = GIMP_DRAWABLE (
        gimp_image_merge_visible_layers (image, GIMP_CLIP_TO_IMAGE));
  g_free (layers);
  if (*layer == NULL)
    {
      g_set_error (error, GIMP_PLUG_IN_ERROR, 0,
                   _ ("The reference image '%s' has no visible layer."), name);
      gimp_image_delete (image);
      image = NULL;
    }

out:
  g_free (path);
  g_free (name);
  return image;
}

/* The reference of @config: exactly one of its layer and its file.
 * Returns FALSE with @error set when there are none or both. */
static gboolean
get_reference (GimpProcedureConfig *config, GimpLayer **layer, GFile **file,
               GError **error)
{
  g_object_get (config, "reference", layer, "reference-file", file, NULL);
  if (*file != NULL)
    {
      gchar *name = g_file_get_parse_name (*file);

      /* Script-Fu turns "" into a GFile with an empty name: "no file". */
      if (name == NULL || name[0] == '\0')
        g_clear_object (file);
      g_free (name);
    }
  if ((*layer == NULL) == (*file == NULL))
    {
      g_set_error_literal (
          error, GIMP_PLUG_IN_ERROR, 0,
          *layer == NULL
              ? _ ("Choose the reference: a layer or an image file.")
              : _ ("Give the reference as a layer or as an image file, not "
                   "both."));
      g_clear_object (layer);
      g_clear_object (file);
      return FALSE;
    }
  return TRUE;
}

/* A name for the reference in messages and in the .cube's title. */
static gchar *
reference_name (GimpLayer *layer, GFile *file)
{
  if (file != NULL)
    return g_file_get_basename (file);
  return g_strdup (gimp_item_get_name (GIMP_ITEM (layer)));
}

static void
fit_params_from_config (GimpProcedureConfig *config, LookLabFitParams *params)
{
  gint seed = 0;

  g_object_get (config, "seed", &seed, NULL);
  /* The CLI's parameters (core/match/match.h): the same look for the same
   * seed. */
  looklab_match_fit_params_init (params);
  params->seed = (unsigned) seed;
}

/* The pair's views for looklab_look_fit (). */
static void
pair_views (const LookLabMatchPair *pair, LookLabImageView *before,
            LookLabImageView *after)
{
  before->pixels = pair->before;
  before->format = LOOKLAB_PIXEL_RGB_FLOAT;
  before->width = pair->width;
  before->height = pair->height;
  before->stride = sizeof (float) * 3 * (size_t) pair->width;
  *after = *before;
  after->pixels = pair->after;
}

static void
set_match_error (GError **error, int status, const LookLabDiag *diag,
                 const gchar *what)
{
  if (status == LOOKLAB_ERR_EMPTY)
    g_set_error (error, GIMP_PLUG_IN_ERROR, 0,
                 _ ("The reference '%s' is fully transparent: there is no "
                    "look to learn."),
                 what);
  else
    looklab_set_core_error (error, status, diag, what);
}

/* ---- Preview ---------------------------------------------------------- */

/* The dialog's preview: the neutralizer and the fit on a reduced copy of
 * the reference in a worker thread (the dialog stays responsive), redone
 * when the reference, model, strength, size, seed or space change. */
typedef struct
{
  GimpDrawable     *drawable;
  LookLabPreviewFit fit;
  gchar            *model_key;

  /* Read for the worker, which sets moved_de00. */
  LookLabNeutralizer *nz;
  gpointer            rpix;
  LookLabImageView    rview;
  gfloat              strength;
  gint                side;
  LookLabFitParams    params;
  double              moved_de00;
} MatchPreview;

static int
preview_fit_progress (double fraction, void *user_data)
{
  return looklab_preview_fit_progress (PAIR_SHARE + (1 - PAIR_SHARE) * fraction,
                                       user_data);
}

static int
preview_fit (gpointer data, LookLabPreviewFit *fit, LookLabLook **look)
{
  MatchPreview    *mp = data;
  LookLabMatchPair pair = { 0 };
  LookLabImageView vb, va;
  int              status;

  status = looklab_match_pair (mp->nz, &mp->rview, mp->side, mp->strength, 0,
                               &pair, NULL);
  if (status == LOOKLAB_OK)
    {
      mp->moved_de00 = pair.moved_de00;
      pair_views (&pair, &vb, &va);
      status = looklab_look_fit (&vb, &va, pair.mask, &mp->params,
                                 preview_fit_progress, fit, look, NULL);
    }
  looklab_match_pair_clear (&pair);
  return status;
}

static void
preview_fit_release (gpointer data)
{
  MatchPreview *mp = data;

  g_clear_pointer (&mp->rpix, g_free);
}

static gchar *
preview_progress_text (gint percent)
{
  return g_strdup_printf (_ ("Matching the look... %d %%"), percent);
}

static gchar *
preview_fitted_text (gpointer data, const LookLabLookInfo *info)
{
  MatchPreview *mp = data;

  return g_strdup_printf (_ ("The reference moved by %.2f dE00 when "
                             "neutralized; the look fits it to %.2f "
                             "dE00 (preview fitted on a reduced copy)"),
                          mp->moved_de00, info->fit_mean_de00);
}

static gchar *
preview_failed_text (int status)
{
  return g_strdup_printf (_ ("Could not match the look: %s"),
                          _ (looklab_strerror (status)));
}

static const LookLabPreviewFitFuncs match_preview_funcs = {
  .thread_name = "looklab-match-preview",
  .fit = preview_fit,
  .release = preview_fit_release,
  .progress_text = preview_progress_text,
  .fitted_text = preview_fitted_text,
  .failed_text = preview_failed_text,
};

/* Reads the reference of @layer or @file reduced for the preview. */
static gpointer
read_preview_reference (GimpLayer *layer, GFile *file, const Babl *look_space,
                        LookLabImageView *view, GError **error)
{
  GimpImage    *opened = NULL;
  GimpDrawable *drawable = GIMP_DRAWABLE (layer);
  gpointer      pixels;
  gint          w, h;

  if (file != NULL)
    {
      opened = open_reference_file (file, &drawable, error);
      if (opened == NULL)
        return NULL;
    }
  w = gimp_drawable_get_width (drawable);
  h = gimp_drawable_get_height (drawable);
  pixels = looklab_read_drawable_scaled (
      drawable, MIN (1.0, (gdouble) MATCH_PREVIEW_SIDE / MAX (w, h)),
      look_space, view);
  if (opened != NULL)
    gimp_image_delete (opened);
  return pixels;
}

static void
match_preview (GimpPreview *preview, GimpProcedureConfig *config,
               gpointer user_data)
{
  MatchPreview    *mp = user_data;
  GimpLayer       *layer = NULL;
  GFile           *file = NULL;
  GFile           *model = NULL;
  gchar           *key = NULL;
  gchar           *uri = NULL;
  gchar           *model_uri = NULL;
  gchar           *path = NULL;
  gdouble          strength = 1.0;
  gint             side = LOOKLAB_MATCH_DEFAULT_SIDE;
  gboolean         from_file = FALSE;
  GError          *error = NULL;
  LookLabFitParams params;
  const Babl      *look_space = looklab_config_space (config, NULL);

  mp->fit.preview = preview;
  g_object_get (config, "strength", &strength, "model", &model, "size", &side,
                FROM_FILE_ARG, &from_file, NULL);
  /* OK's pair, or a smaller one: the preview shows what OK gives up to
   * the reduced size of its fit. */
  side = MIN (side, MATCH_PREVIEW_SIDE);
  if (from_file)
    g_object_get (config, "reference-file", &file, NULL);
  else
    g_object_get (config, "reference", &layer, NULL);

  path = from_file ? looklab_source_file_path (file) : NULL;
  if (from_file ? path == NULL : layer == NULL)
    {
      /* A fit may still run and write the look: stop it first. */
      looklab_preview_fit_clear (&mp->fit);
      looklab_ui_set_status (preview, _ ("Choose a reference layer or image "
                                         "file."));
      goto draw;
    }

  fit_params_from_config (config, &params);
  uri = file != NULL ? g_file_get_uri (file) : NULL;
  model_uri = model != NULL ? g_file_get_uri (model) : g_strdup ("");
  key = g_strdup_printf ("%d/%s/%s/%g/%d/%u/%p",
                         layer != NULL ? gimp_item_get_id (GIMP_ITEM (layer))
                                       : -1,
                         uri != NULL ? uri : "", model_uri, strength, side,
                         params.seed, (void *) look_space);
  if (!looklab_preview_fit_begin (&mp->fit, key))
    goto draw;

  /* The model is loaded once per choice, not per fit. */
  if (mp->nz == NULL || g_strcmp0 (model_uri, mp->model_key) != 0)
    {
      g_clear_pointer (&mp->nz, looklab_neutralizer_free);
      g_free (mp->model_key);
      mp->model_key = g_strdup (model_uri);
      mp->nz = load_model (model, &error);
    }
  if (mp->nz != NULL)
    mp->rpix
        = read_preview_reference (layer, file, look_space, &mp->rview, &error);
  if (mp->nz == NULL || mp->rpix == NULL)
    {
      /* Shows the original; OK reports the same error. */
      looklab_ui_set_status (preview, error->message);
      g_clear_error (&error);
      goto draw;
    }

  mp->strength = (gfloat) strength;
  mp->side = side;
  mp->params = params;
  looklab_ui_set_status (preview, _ ("Matching the look..."));
  looklab_preview_fit_start (&mp->fit);

draw:
  looklab_render_preview (preview, mp->drawable,
                          looklab_preview_fit_lut (&mp->fit), NULL,
                          LOOKLAB_INTERP_TETRAHEDRAL, 1.0, look_space, NULL);
  g_free (key);
  g_free (uri);
  g_free (model_uri);
  g_free (path);
  g_clear_object (&layer);
  g_clear_object (&file);
  g_clear_object (&model);
}

static void
match_preview_clear (MatchPreview *mp)
{
  looklab_preview_fit_clear (&mp->fit);
  looklab_neutralizer_free (mp->nz);
  g_free (mp->model_key);
}

/* The topmost layer that is not one the look is applied to. */
static GimpLayer *
default_reference (GimpImage *image, GimpDrawable **targets)
{
  GimpLayer **layers = gimp_image_get_layers (image);
  gint        n = gimp_core_object_array_get_length ((GObject **) layers);
  gint        nt = gimp_core_object_array_get_length ((GObject **) targets);
  GimpLayer  *found = NULL;
  gint        i, j;

  for (i = 0; i < n && found == NULL; i++)
    {
      gboolean target = FALSE;

      for (j = 0; j < nt; j++)
        target |= GIMP_ITEM (targets[j]) == GIMP_ITEM (layers[i]);
      if (!target)
        found = layers[i];
    }
  g_free (layers);
  return found;
}

/* Runs the dialog; on OK leaves in @config only the reference it chose.
 * Returns FALSE when cancelled. */
static gboolean
match_dialog (GimpProcedure *procedure, GimpProcedureConfig *config,
              GimpImage *image, GimpDrawable **drawables)
{
  MatchPreview mp = { 0 };
  GimpLayer   *layer = NULL;
  gboolean     from_file = FALSE;
  gboolean     go;

  g_object_get (config, "reference", &layer, FROM_FILE_ARG, &from_file, NULL);
  if (layer == NULL)
    {
      GimpLayer *preset = default_reference (image, drawables);

      if (preset != NULL)
        g_object_set (config, "reference", preset, NULL);
    }
  g_clear_object (&layer);

  looklab_preview_fit_init (&mp.fit, &match_preview_funcs, &mp);
  if (gimp_core_object_array_get_length ((GObject **) drawables) > 0
      && !gimp_drawable_is_indexed (drawables[0]))
    mp.drawable = drawables[0];

  gimp_ui_init (LOOKLAB_PLUG_IN_BINARY);
  go = looklab_ui_match_dialog (procedure, config, mp.drawable,
                                mp.drawable != NULL ? match_preview : NULL,
                                &mp);
  match_preview_clear (&mp);
  if (!go)
    return FALSE;

  g_object_get (config, FROM_FILE_ARG, &from_file, NULL);
  if (from_file)
    g_object_set (config, "reference", NULL, NULL);
  else
    g_object_set (config, "reference-file", NULL, NULL);
  return TRUE;
}

/* ---- Run -------------------------------------------------------------- */

static int
match_progress (double fraction, void *user_data)
{
  gimp_progress_update (PAIR_SHARE + (1 - PAIR_SHARE) * fraction);
  return 0;
}

/* Reads the whole reference (@layer, or the image @file) in its core
 * format for @look_space, as learn reads a layer and the CLI a file. */
static gboolean
read_reference (GimpLayer *layer, GFile *file, const Babl *look_space,
                LookLabImageView *view, gpointer *pixels, GError **error)
{
  GimpImage    *opened = NULL;
  GimpDrawable *drawable = GIMP_DRAWABLE (layer);
  gboolean      ok = FALSE;

  *pixels = NULL;
  if (file != NULL)
    {
      opened = open_reference_file (file, &drawable, error);
      if (opened == NULL)
        return FALSE;
    }
  if (gimp_drawable_is_indexed (drawable))
    {
      g_set_error_literal (error, GIMP_PLUG_IN_ERROR, 0,
                           _ ("The reference layer must not be indexed: "
                              "convert the image to RGB first."));
      goto out;
    }
  if ((gint64) gimp_drawable_get_width (drawable)
          * gimp_drawable_get_height (drawable)
      > LOOKLAB_LEARN_MAX_PIXELS)
    {
      g_set_error (error, GIMP_PLUG_IN_ERROR, 0,
                   _ ("The reference is larger than %d megapixels.  Match a "
                      "scaled-down copy: the look is the same."),
                   (gint) (LOOKLAB_LEARN_MAX_PIXELS / 1000000));
      goto out;
    }
  ok = looklab_read_drawable (drawable, look_space, view, pixels, error);

out:
  if (opened != NULL)
    gimp_image_delete (opened);
  return ok;
}

static GimpValueArray *
match_run (GimpProcedure *procedure, GimpRunMode run_mode, GimpImage *image,
           GimpDrawable **drawables, GimpProcedureConfig *config,
           gpointer run_data)
{
  GError             *error = NULL;
  GimpLayer          *reference = NULL;
  GFile              *reference_file = NULL;
  GFile              *model = NULL;
  GFile              *file = NULL;
  gchar              *name = NULL;
  gdouble             strength = 1.0;
  gint                side = LOOKLAB_MATCH_DEFAULT_SIDE;
  gint                lut_size = 33;
  gboolean            apply = TRUE;
  gboolean            non_destructive = FALSE;
  gchar              *cached = NULL;
  LookLabNeutralizer *nz = NULL;
  LookLabImageView    rview, vb, va;
  gpointer            rpix = NULL;
  LookLabMatchPair    pair = { 0 };
  LookLabFitParams    params;
  LookLabLook        *look = NULL;
  LookLabLut         *lut = NULL;
  LookLabLookInfo     info = { 0 };
  LookLabDiag         diag = { 0 };
  GimpValueArray     *ret;
  int                 st;
  gboolean            ok = FALSE;
  gboolean            grouped = FALSE;
  GimpParasite       *previous = NULL;
  const Babl         *look_space;

  if (run_mode == GIMP_RUN_INTERACTIVE
      && !match_dialog (procedure, config, image, drawables))
    return gimp_procedure_new_return_values (procedure, GIMP_PDB_CANCEL, NULL);

  g_object_get (config, "strength", &strength, "model", &model, "size", &side,
                "file", &file, "lut-size", &lut_size, "apply", &apply,
                "non-destructive", &non_destructive, NULL);

  /* Everything that can fail comes before the first change. */
  if (!get_reference (config, &reference, &reference_file, &error))
    goto out;
  name = reference_name (reference, reference_file);
  if (!(strength >= 0.0 && strength <= 1.0))
    {
      g_set_error (&error, GIMP_PLUG_IN_ERROR, 0,
                   _ ("The strength (%g) must be within 0..1."), strength);
      goto out;
    }
  /* The reference is read in the look's space, from its own image's
   * profile, as Learn reads its layers. */
  look_space = looklab_config_space (config, &error);
  if (look_space == NULL)
    goto out;
  if (apply)
    {
      gint n = gimp_core_object_array_get_length ((GObject **) drawables);
      gint i;

      for (i = 0; i < n; i++)
        if (!looklab_check_drawable (drawables[i], &error))
          goto out;
    }
  nz = load_model (model, &error);
  if (nz == NULL)
    goto out;

  gimp_progress_init (_ ("Matching the look to the reference"));
  if (!read_reference (reference, reference_file, look_space, &rview, &rpix,
                       &error))
    goto out;
  st = looklab_match_pair (nz, &rview, side, (float) strength, 0, &pair, &diag);
  g_clear_pointer (&rpix, g_free);
  g_clear_pointer (&nz, looklab_neutralizer_free);
  if (st != LOOKLAB_OK)
    {
      set_match_error (&error, st, &diag, name);
      goto out;
    }
  gimp_progress_update (PAIR_SHARE);

  fit_params_from_config (config, &params);
  pair_views (&pair, &vb, &va);
  st = looklab_look_fit (&vb, &va, pair.mask, &params, match_progress, NULL,
                         &look, &diag);
  if (st != LOOKLAB_OK)
    {
      set_match_error (&error, st, &diag, name);
      goto out;
    }
  looklab_look_get_info (look, &info);

  if (file != NULL)
    {
      /* TRANSLATORS: the title of a .cube made by looklab match */
      gchar *title = g_strdup_printf (
          _ ("looklab match %s (neutralized reference moved %.2f dE00, "
             "strength %.2f)"),
          name, pair.moved_de00, strength);
      gboolean saved = looklab_save_look (look, file, lut_size, title, &error);

      g_free (title);
      if (!saved)
        goto out;
    }

  if (apply
      && !looklab_learned_look_prepare (look, look_space, drawables, &cached,
                                        &lut, &error))
    goto out;

  /* One undo step: the stored look and every layer changed.  The look
   * stored before is kept to be put back should applying fail. */
  previous = gimp_image_get_parasite (image, LOOKLAB_PARASITE_LOOK);
  gimp_image_undo_group_start (image);
  grouped = TRUE;
  if (!looklab_store_look (image, look, &error))
    goto out;
  if (!looklab_learned_look_apply (image, drawables, look, cached, lut,
                                   _ ("Matched look"), non_destructive,
                                   look_space, &error))
    goto out;
  gimp_progress_update (1.0);

  if (run_mode != GIMP_RUN_NONINTERACTIVE)
    {
      gchar *msg = g_strdup_printf (_ ("The reference moved by %.2f dE00 when "
                                       "neutralized; look learned from %zu "
                                       "colours, mean difference %.2f dE00."),
                                    pair.moved_de00, info.fit_samples,
                                    info.fit_mean_de00);

      gimp_displays_flush ();
      gimp_message (msg);
      g_free (msg);
    }
  ok = TRUE;

out:
  if (grouped && !ok)
    {
      if (previous != NULL)
        gimp_image_attach_parasite (image, previous);
      else
        gimp_image_detach_parasite (image, LOOKLAB_PARASITE_LOOK);
    }
  if (grouped)
    gimp_image_undo_group_end (image);
  if (previous != NULL)
    gimp_parasite_free (previous);
  g_free (rpix);
  g_free (cached);
  g_free (name);
  looklab_neutralizer_free (nz);
  looklab_lut_free (lut);
  looklab_look_free (look);
  g_clear_object (&reference);
  g_clear_object (&reference_file);
  g_clear_object (&model);

  if (!ok)
    {
      looklab_match_pair_clear (&pair);
      g_clear_object (&file);
      return gimp_procedure_new_return_values (procedure,
                                               GIMP_PDB_EXECUTION_ERROR, error);
    }

  ret = gimp_procedure_new_return_values (procedure, GIMP_PDB_SUCCESS, NULL);
  GIMP_VALUES_SET_FILE (ret, 1, file);
  GIMP_VALUES_SET_DOUBLE (ret, 2, info.fit_mean_de00);
  GIMP_VALUES_SET_DOUBLE (ret, 3, pair.moved_de00);
  looklab_match_pair_clear (&pair);
  g_clear_object (&file);
  return ret;
}

/* ---- Declaration ------------------------------------------------------ */

GimpProcedure *
looklab_match_procedure_new (GimpPlugIn *plug_in, const gchar *name)
{
  GimpProcedure *procedure;

  procedure = gimp_image_procedure_new (
      plug_in, name, GIMP_PDB_PROC_TYPE_PLUGIN, match_run, NULL, NULL);
  gimp_procedure_set_image_types (procedure, "RGB*, GRAY*");
  gimp_procedure_set_sensitivity_mask (
      procedure, GIMP_PROCEDURE_SENSITIVE_DRAWABLE
                     | GIMP_PROCEDURE_SENSITIVE_DRAWABLES
                     | GIMP_PROCEDURE_SENSITIVE_NO_DRAWABLES);
  looklab_procedure_describe (
      procedure, _ ("_Match Look to Reference..."),
      _ ("Learn the colour look of a graded reference picture"),
      _ ("A neural network takes the grade off the reference (a layer or an "
         "image file); the look that puts it back is learned, stored in the "
         "image (saved with XCF) as Learn stores its looks, optionally saved "
         "as a look file or a .cube, and optionally applied to the selected "
         "layers.  The same as the command `looklab match`."));
  gimp_procedure_add_menu_path (procedure, "<Image>/Colors/LookLab");

  gimp_procedure_add_layer_argument (
      procedure, "reference", _ ("_Reference layer"),
      _ ("The graded picture whose look to learn, as a layer; give it or "
         "Reference file, not both"),
      TRUE, G_PARAM_READWRITE);
  gimp_procedure_add_file_argument (
      procedure, "reference-file", _ ("Reference _file"),
      _ ("The graded picture whose look to learn, as an image file (any "
         "format GIMP opens); give it or Reference layer, not both"),
      GIMP_FILE_CHOOSER_ACTION_OPEN, TRUE, NULL, G_PARAM_READWRITE);
  gimp_procedure_add_double_argument (
      procedure, "strength", _ ("_Strength"),
      _ ("How much of the reference's look: 0 learns no change, 1 the full "
         "look"),
      0.0, 1.0, 1.0, G_PARAM_READWRITE);
  gimp_procedure_add_file_argument (
      procedure, "model", _ ("_Model"),
      _ ("A look neutralizer model (.safetensors); none takes the bundled "
         "one"),
      GIMP_FILE_CHOOSER_ACTION_OPEN, TRUE, NULL, G_PARAM_READWRITE);
  gimp_procedure_add_int_argument (
      procedure, "size", _ ("_Work size"),
      _ ("The longer side, in pixels, of the reduced reference the look is "
         "learned from"),
      64, 8192, LOOKLAB_MATCH_DEFAULT_SIDE, G_PARAM_READWRITE);
  gimp_procedure_add_int_argument (procedure, "seed", _ ("S_eed"),
                                   _ ("Same reference and seed give the same "
                                      "look"),
                                   0, G_MAXINT, 0, G_PARAM_READWRITE);
  looklab_add_learned_look_arguments (procedure);
  gimp_procedure_add_boolean_aux_argument (
      procedure, FROM_FILE_ARG, _ ("Reference from an image _file"),
      _ ("Take the reference from an image file instead of a layer"), FALSE,
      G_PARAM_READWRITE);

  looklab_add_learned_look_return_values (procedure);
  gimp_procedure_add_double_return_value (
      procedure, "moved-de00", _ ("Grade seen"),
      _ ("Mean CIEDE2000 difference between the reference and its "
         "neutralized self: how strong a grade the model sees"),
      0.0, G_MAXDOUBLE, 0.0, G_PARAM_READWRITE);

  return procedure;
}
