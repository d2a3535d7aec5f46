/* LookLab GIMP 3 plug-in: the PDB procedures.
 *
 *   plug-in-looklab-apply          Colors > LookLab > Apply Look / LUT...
 *   plug-in-looklab-learn          Colors > LookLab > Learn Look from Layers...
 *                                  (declared and run in looklab-learn.c)
 *   plug-in-looklab-export-cube    Colors > LookLab > Export Look as .cube...
 *   plug-in-looklab-hald-identity  File > Create > LookLab > Identity Hald CLUT...
 *   plug-in-looklab-colorize       Colors > LookLab > Colorize... (declared
 *                                  and run in looklab-colorize.c)
 *   plug-in-looklab-match          Colors > LookLab > Match Look to
 *                                  Reference... (declared and run in
 *                                  looklab-match.c)
 *
 * Every argument is declared once here; the dialogs in ui/ are built from
 * these declarations through GimpProcedureConfig.
 */
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>

#include "lut/cube-io.h"
#include "looklab-plugin.h"
#include "looklab-space.h"
#include "looklab-recent.h"
#include "looklab-ui.h"

/* Aux argument: the apply dialog has been confirmed once. */
#define LOOKLAB_ND_CHOSEN_ARG "non-destructive-chosen"

#define LOOKLAB_TYPE (looklab_get_type ())
G_DECLARE_FINAL_TYPE (LookLab, looklab, LOOKLAB, PLUG_IN, GimpPlugIn)

struct _LookLab
{
  GimpPlugIn parent_instance;
};

G_DEFINE_TYPE (LookLab, looklab, GIMP_TYPE_PLUG_IN)

GIMP_MAIN (LOOKLAB_TYPE)

static GList *
looklab_query_procedures (GimpPlugIn *plug_in)
{
  GList *list = NULL;

  list = g_list_append (list, g_strdup (LOOKLAB_PROC_APPLY));
  list = g_list_append (list, g_strdup (LOOKLAB_PROC_COLORIZE));
  list = g_list_append (list, g_strdup (LOOKLAB_PROC_EXPORT_CUBE));
  list = g_list_append (list, g_strdup (LOOKLAB_PROC_HALD));
  list = g_list_append (list, g_strdup (LOOKLAB_PROC_LEARN));
  list = g_list_append (list, g_strdup (LOOKLAB_PROC_MATCH));
  return list;
}

static LookLabInterp
config_interp (GimpProcedureConfig *config)
{
  return gimp_procedure_config_get_choice_id (config, "interpolation")
                 == LOOKLAB_INTERP_TRILINEAR
             ? LOOKLAB_INTERP_TRILINEAR
             : LOOKLAB_INTERP_TETRAHEDRAL;
}

/* ---- Apply ------------------------------------------------------------ */

/* What the live preview shows: the LUT of the file currently chosen,
 * loaded once per file (not per redraw), and a look with spatial parts
 * itself, which no LUT holds. */
typedef struct
{
  GimpImage    *image;
  GimpDrawable *drawable;
  gboolean      loaded;
  GFile        *file;
  LookLabLut   *lut;
  LookLabLook  *look;
} PreviewState;

static void
apply_preview (GimpPreview *preview, GimpProcedureConfig *config,
               gpointer user_data)
{
  PreviewState *state = user_data;
  GFile        *file = NULL;
  gdouble       strength = 1.0;

  g_object_get (config, "file", &file, "strength", &strength, NULL);

  if (!state->loaded || (file == NULL) != (state->file == NULL)
      || (file != NULL && !g_file_equal (file, state->file)))
    {
      LookLabSource source;

      looklab_lut_free (state->lut);
      state->lut = NULL;
      g_clear_pointer (&state->look, looklab_look_free);
      g_clear_object (&state->file);
      state->file = file != NULL ? g_object_ref (file) : NULL;
      state->loaded = TRUE;

      /* An unreadable choice shows the original: the error is reported
       * when the user presses OK. */
      if (looklab_source_load (state->image, file, &source, NULL))
        {
          state->lut = looklab_source_to_lut (
              &source,
              source.lut != NULL ? source.lut->size : LOOKLAB_PREVIEW_BAKE_SIZE,
              NULL);
          if (source.look != NULL && looklab_look_has_spatial (source.look))
            {
              state->look = source.look;
              source.look = NULL;
            }
          looklab_source_clear (&source);
        }
    }

  looklab_render_preview (preview, state->drawable, state->lut, state->look,
                          config_interp (config), strength,
                          looklab_config_space (config, NULL), NULL);
  g_clear_object (&file);
}

static GimpValueArray *
apply_run (GimpProcedure *procedure, GimpRunMode run_mode, GimpImage *image,
           GimpDrawable **drawables, GimpProcedureConfig *config,
           gpointer run_data)
{
  GError           *error = NULL;
  GFile            *file = NULL;
  gdouble           strength = 1.0;
  LookLabSource     source = { NULL, NULL };
  LookLabLut       *lut = NULL;
  gboolean          non_destructive = FALSE;
  gboolean          ok;
  gint              n_drawables;
  GimpPDBStatusType status = GIMP_PDB_EXECUTION_ERROR;
  const Babl       *look_space;

  if (run_mode == GIMP_RUN_INTERACTIVE)
    {
      PreviewState state = { image, NULL, FALSE, NULL, NULL, NULL };
      gboolean     go;
      gboolean     chosen = FALSE;

      /* Scripts default to merging (they read pixels back); the dialog
       * starts non-destructive until the user has chosen, then shows
       * their last choice (the config's last-used values). */
      g_object_get (config, LOOKLAB_ND_CHOSEN_ARG, &chosen, NULL);
      if (!chosen)
        g_object_set (config, "non-destructive", TRUE, NULL);

      if (gimp_core_object_array_get_length ((GObject **) drawables) > 0)
        state.drawable = drawables[0];

      gimp_ui_init (LOOKLAB_PLUG_IN_BINARY);
      go = looklab_ui_apply_dialog (
          procedure, config, state.drawable,
          state.drawable != NULL && !gimp_drawable_is_indexed (state.drawable)
              ? apply_preview
              : NULL,
          &state);
      looklab_lut_free (state.lut);
      looklab_look_free (state.look);
      g_clear_object (&state.file);
      if (!go)
        return gimp_procedure_new_return_values (procedure, GIMP_PDB_CANCEL,
                                                 NULL);
      g_object_set (config, LOOKLAB_ND_CHOSEN_ARG, TRUE, NULL);
    }

  g_object_get (config, "file", &file, "strength", &strength, "non-destructive",
                &non_destructive, NULL);
  look_space = looklab_config_space (config, &error);
  if (look_space == NULL)
    goto out;

  /* Read here even when the op applies it: a missing or malformed file is
   * an error for the caller, not a filter that silently does nothing. */
  if (!looklab_source_load (image, file, &source, &error))
    goto out;

  n_drawables = gimp_core_object_array_get_length ((GObject **) drawables);
  /* The op works in sRGB (GEGL converts from the image's own space); a
   * look in another space goes through the plug-in's own pixel path. */
  if (n_drawables > 0 && looklab_space_same (look_space, NULL)
      && looklab_filter_available (drawables[0]))
    {
      gchar *path = looklab_source_file_path (file);
      gchar *name;

      /* A look held only by the image gets a file the filter can point
       * to, one that outlives this call and this session. */
      if (path == NULL)
        {
          path = looklab_look_cache_file (source.look, &error);
          if (path == NULL)
            goto out;
          name = g_strdup (_ ("Learned look"));
        }
      else
        {
          name = g_path_get_basename (path);
        }
      ok = looklab_filter_apply (image, drawables, path, name,
                                 config_interp (config), strength,
                                 non_destructive, &error);
      g_free (name);
      g_free (path);
      if (!ok)
        goto out;
    }
  else
    {
      if (n_drawables > 0 && looklab_space_same (look_space, NULL))
        looklab_filter_tell_missing ();

      /* A .cube is applied as read (shaper and domain included), not
       * resampled: the core applier handles both.  A look is baked once;
       * one with spatial parts is applied whole, as the op does. */
      if (source.look != NULL && looklab_look_has_spatial (source.look))
        {
          if (!looklab_apply_look_to_drawables (image, drawables, source.look,
                                                strength, look_space, &error))
            goto out;
        }
      else if (source.look != NULL)
        {
          lut = looklab_source_to_lut (&source, LOOKLAB_APPLY_BAKE_SIZE,
                                       &error);
          if (lut == NULL)
            goto out;
        }

      if ((source.lut != NULL || lut != NULL)
          && !looklab_apply_lut_to_drawables (
              image, drawables, source.lut != NULL ? source.lut : lut,
              config_interp (config), strength, look_space, &error))
        goto out;
    }

  /* Saved with the last-used values (interactive runs only). */
  if (run_mode == GIMP_RUN_INTERACTIVE && file != NULL)
    {
      gchar *recent = NULL, *uri = g_file_get_uri (file), *updated;

      g_object_get (config, LOOKLAB_RECENT_ARG, &recent, NULL);
      updated = looklab_recent_push (recent, uri, LOOKLAB_RECENT_MAX);
      g_object_set (config, LOOKLAB_RECENT_ARG, updated, NULL);
      g_free (updated);
      g_free (uri);
      g_free (recent);
    }

  if (run_mode != GIMP_RUN_NONINTERACTIVE)
    gimp_displays_flush ();
  status = GIMP_PDB_SUCCESS;

out:
  looklab_lut_free (lut);
  looklab_source_clear (&source);
  g_clear_object (&file);
  if (status != GIMP_PDB_SUCCESS)
    return gimp_procedure_new_return_values (procedure,
                                             GIMP_PDB_EXECUTION_ERROR, error);
  return gimp_procedure_new_return_values (procedure, status, NULL);
}

/* ---- Export .cube ----------------------------------------------------- */

static GimpValueArray *
export_run (GimpProcedure *procedure, GimpRunMode run_mode, GimpImage *image,
            GimpDrawable **drawables, GimpProcedureConfig *config,
            gpointer run_data)
{
  GError       *error = NULL;
  GFile        *file = NULL;
  GFile        *output = NULL;
  gint          size = 33;
  LookLabSource source = { NULL, NULL };
  LookLabLut   *lut = NULL;
  gchar        *path = NULL;
  gchar        *name = NULL;
  LookLabDiag   diag = { 0 };
  int           st;
  gboolean      ok = FALSE;

  if (run_mode == GIMP_RUN_INTERACTIVE)
    {
      gimp_ui_init (LOOKLAB_PLUG_IN_BINARY);
      if (!looklab_ui_export_dialog (procedure, config))
        return gimp_procedure_new_return_values (procedure, GIMP_PDB_CANCEL,
                                                 NULL);
    }

  g_object_get (config, "file", &file, "output", &output, "lut-size", &size,
                NULL);

  if (output == NULL)
    {
      g_set_error_literal (&error, GIMP_PLUG_IN_ERROR, 0,
                           _ ("Choose where to write the .cube file."));
      goto out;
    }
  path = g_file_get_path (output);
  name = g_file_get_parse_name (output);
  if (path == NULL)
    {
      g_set_error (&error, GIMP_PLUG_IN_ERROR, 0,
                   _ ("'%s' is not a local file."), name);
      goto out;
    }

  if (!looklab_source_load (image, file, &source, &error))
    goto out;
  lut = looklab_source_to_lut (&source, size, &error);
  if (lut == NULL)
    goto out;
  looklab_lut_set_title (lut, "LookLab");

  st = looklab_cube_write (lut, path, &diag);
  if (st != LOOKLAB_OK)
    {
      looklab_set_core_error (&error, st, &diag, name);
      goto out;
    }
  looklab_tell_cube_partial (source.look, name);
  ok = TRUE;

out:
  looklab_lut_free (lut);
  looklab_source_clear (&source);
  g_clear_object (&file);
  g_clear_object (&output);
  g_free (path);
  g_free (name);
  if (!ok)
    return gimp_procedure_new_return_values (procedure,
                                             GIMP_PDB_EXECUTION_ERROR, error);
  return gimp_procedure_new_return_values (procedure, GIMP_PDB_SUCCESS, NULL);
}

/* ---- Identity Hald CLUT ----------------------------------------------- */

/* A Hald CLUT of level L is an L^3 x L^3 image holding every colour of an
 * L^2-per-axis lattice, red fastest, then green, then blue (Eskil Steenberg's
 * Hald layout, as read by G'MIC and ImageMagick -hald-clut). */
static GimpLayer *
make_hald_layer (GimpImage *image, gint level)
{
  gint        n = level * level;
  gint        side = n * level;
  GimpLayer  *layer;
  GeglBuffer *buffer;
  guint16    *row;
  gint        x, y;

  layer = gimp_layer_new (image, _ ("Identity Hald CLUT"), side, side,
                          GIMP_RGB_IMAGE, 100.0,
                          gimp_image_get_default_new_layer_mode (image));
  gimp_image_insert_layer (image, layer, NULL, -1);

  buffer = gimp_drawable_get_buffer (GIMP_DRAWABLE (layer));
  row = g_new (guint16, (gsize) side * 3);
  for (y = 0; y < side; y++)
    {
      for (x = 0; x < side; x++)
        {
          gint i = y * side + x;

          /* Rounded so that u8 images hold the lattice exactly when
           * 255 / (n - 1) is whole, and as close as they can otherwise. */
          row[x * 3 + 0] = (guint16) ((i % n) * 65535 / (n - 1));
          row[x * 3 + 1] = (guint16) ((i / n % n) * 65535 / (n - 1));
          row[x * 3 + 2] = (guint16) ((i / n / n) * 65535 / (n - 1));
        }
      gegl_buffer_set (
          buffer, GEGL_RECTANGLE (0, y, side, 1), 0,
          babl_format_with_space (
              "R'G'B' u16", gimp_drawable_get_format (GIMP_DRAWABLE (layer))),
          row, GEGL_AUTO_ROWSTRIDE);
    }
  g_free (row);
  gegl_buffer_flush (buffer);
  g_object_unref (buffer);
  gimp_drawable_update (GIMP_DRAWABLE (layer), 0, 0, side, side);

  return layer;
}

static GimpValueArray *
hald_run (GimpProcedure *procedure, GimpProcedureConfig *config,
          gpointer run_data)
{
  GimpRunMode     run_mode;
  GimpImage      *image = NULL;
  GimpLayer      *layer;
  gint            level = 8;
  gint            side;
  gboolean        created = FALSE;
  GimpValueArray *ret;

  g_object_get (config, "run-mode", &run_mode, NULL);
  if (run_mode == GIMP_RUN_INTERACTIVE)
    {
      gimp_ui_init (LOOKLAB_PLUG_IN_BINARY);
      if (!looklab_ui_hald_dialog (procedure, config))
        return gimp_procedure_new_return_values (procedure, GIMP_PDB_CANCEL,
                                                 NULL);
    }

  g_object_get (config, "level", &level, "image", &image, NULL);
  side = level * level * level;

  if (image == NULL)
    {
      /* 16-bit so that a lattice finer than 256 levels per axis survives
       * and GIMP's tools work on it at full precision. */
      image = gimp_image_new_with_precision (side, side, GIMP_RGB,
                                             GIMP_PRECISION_U16_NON_LINEAR);
      g_object_ref (image);
      created = TRUE;
    }
  else
    {
      gimp_image_undo_group_start (image);
    }

  layer = make_hald_layer (image, level);

  if (!created)
    gimp_image_undo_group_end (image);
  else if (run_mode == GIMP_RUN_INTERACTIVE)
    gimp_display_new (image);

  if (run_mode != GIMP_RUN_NONINTERACTIVE)
    gimp_displays_flush ();

  ret = gimp_procedure_new_return_values (procedure, GIMP_PDB_SUCCESS, NULL);
  GIMP_VALUES_SET_IMAGE (ret, 1, image);
  GIMP_VALUES_SET_LAYER (ret, 2, layer);
  g_object_unref (image);
  return ret;
}

/* ---- Declarations ----------------------------------------------------- */

static void
add_look_file_argument (GimpProcedure *procedure)
{
  gimp_procedure_add_file_argument (procedure, "file", _ ("_Look or LUT file"),
                                    _ ("A .cube file or a LookLab look file; "
                                       "when none is given, the look stored "
                                       "in the image by Learn"),
                                    GIMP_FILE_CHOOSER_ACTION_OPEN, TRUE, NULL,
                                    G_PARAM_READWRITE);
}

void
looklab_add_learned_look_arguments (GimpProcedure *procedure)
{
  gimp_procedure_add_int_argument (procedure, "lut-size", _ ("_LUT size"),
                                   _ ("Points per axis of the .cube "
                                      "written when File ends in .cube"),
                                   LOOKLAB_LUT_MIN_SIZE, LOOKLAB_LUT_MAX_SIZE,
                                   33, G_PARAM_READWRITE);
  gimp_procedure_add_file_argument (procedure, "file", _ ("Save _to"),
                                    _ ("Where to save the look: a .cube "
                                       "file, or a look file for any other "
                                       "name; none keeps it only in the "
                                       "image"),
                                    GIMP_FILE_CHOOSER_ACTION_SAVE, TRUE, NULL,
                                    G_PARAM_READWRITE);
  gimp_procedure_add_boolean_argument (procedure, "apply",
                                       _ ("A_pply to the selected layers"),
                                       _ ("Also apply the learned look to "
                                          "the selected layers"),
                                       TRUE, G_PARAM_READWRITE);
  looklab_add_space_argument (procedure);
  gimp_procedure_add_boolean_argument (
      procedure, "non-destructive", _ ("_Non-destructive filter"),
      _ ("With apply: add the look as a filter of each layer (GIMP's layer "
         "effects, saved in XCF; the look's file is kept in LookLab's look "
         "cache) instead of changing the pixels"),
      FALSE, G_PARAM_READWRITE);
}

void
looklab_add_learned_look_return_values (GimpProcedure *procedure)
{
  gimp_procedure_add_file_return_value (
      procedure, "saved-file", _ ("Saved file"),
      _ ("The file written, or none"), G_PARAM_READWRITE);
  gimp_procedure_add_double_return_value (
      procedure, "fit-de00", _ ("Fit error"),
      _ ("Mean CIEDE2000 difference "
         "of the learned look on the "
         "pair"),
      0.0, G_MAXDOUBLE, 0.0, G_PARAM_READWRITE);
}

void
looklab_procedure_describe (GimpProcedure *procedure, const gchar *label,
                            const gchar *blurb, const gchar *help)
{
  gimp_procedure_set_menu_label (procedure, label);
  gimp_procedure_set_documentation (procedure, blurb, help, NULL);
  gimp_procedure_set_attribution (procedure, "LookLab authors",
                                  "LookLab authors", "2026");
}

static GimpProcedure *
looklab_create_procedure (GimpPlugIn *plug_in, const gchar *name)
{
  GimpProcedure *procedure = NULL;

  if (strcmp (name, LOOKLAB_PROC_COLORIZE) == 0)
    {
      procedure = looklab_colorize_procedure_new (plug_in, name);
    }
  else if (strcmp (name, LOOKLAB_PROC_APPLY) == 0)
    {
      procedure = gimp_image_procedure_new (
          plug_in, name, GIMP_PDB_PROC_TYPE_PLUGIN, apply_run, NULL, NULL);
      gimp_procedure_set_image_types (procedure, "RGB*, GRAY*");
      gimp_procedure_set_sensitivity_mask (
          procedure, GIMP_PROCEDURE_SENSITIVE_DRAWABLE
                         | GIMP_PROCEDURE_SENSITIVE_DRAWABLES);
      looklab_procedure_describe (
          procedure, _ ("_Apply Look / LUT..."),
          _ ("Apply a 3D LUT (.cube) or a learned look"),
          _ ("Applies a .cube 3D LUT or a LookLab look file to the "
             "selected layers, inside the selection, in one undo "
             "step.  Without a file, applies the look stored in the "
             "image by Learn.  Grayscale layers get the look of their "
             "gray as a neutral colour and keep the luminance of the "
             "result.  Alpha is kept.  With non-destructive, each layer "
             "gets the GEGL filter looklab:apply (see LookLab's README)."));
      gimp_procedure_add_menu_path (procedure, "<Image>/Colors/LookLab");

      add_look_file_argument (procedure);
      gimp_procedure_add_double_argument (procedure, "strength",
                                          _ ("_Strength"),
                                          _ ("How much of the look: 0 leaves "
                                             "the image as it is, 1 is the "
                                             "full look"),
                                          0.0, 1.0, 1.0, G_PARAM_READWRITE);
      gimp_procedure_add_choice_argument (
          procedure, "interpolation", _ ("_Interpolation"),
          _ ("How colours between LUT points "
             "are computed"),
          gimp_choice_new_with_values (
              "tetrahedral", LOOKLAB_INTERP_TETRAHEDRAL, _ ("Tetrahedral"),
              NULL, "trilinear", LOOKLAB_INTERP_TRILINEAR, _ ("Trilinear"),
              NULL, NULL),
          "tetrahedral", G_PARAM_READWRITE);
      looklab_add_space_argument (procedure);
      gimp_procedure_add_boolean_argument (
          procedure, "non-destructive", _ ("_Non-destructive filter"),
          _ ("Add the look as a filter of each layer (GIMP's layer effects: "
             "reopen, retune or hide it later; saved in XCF) instead of "
             "changing the pixels.  Channels and masks are always changed.  "
             "Scripts that read the pixels back need FALSE"),
          FALSE, G_PARAM_READWRITE);
      gimp_procedure_add_boolean_aux_argument (
          procedure, LOOKLAB_ND_CHOSEN_ARG, _ ("Non-destructive chosen"),
          _ ("Whether the dialog has been confirmed once, so that it shows "
             "the user's last choice rather than its own default"),
          FALSE, G_PARAM_READWRITE);
      gimp_procedure_add_string_aux_argument (
          procedure, LOOKLAB_RECENT_ARG, _ ("Recent looks"),
          _ ("Looks and LUTs applied lately from the dialog, newest first"), "",
          G_PARAM_READWRITE);
    }
  else if (strcmp (name, LOOKLAB_PROC_LEARN) == 0)
    {
      procedure = looklab_learn_procedure_new (plug_in, name);
    }
  else if (strcmp (name, LOOKLAB_PROC_MATCH) == 0)
    {
      procedure = looklab_match_procedure_new (plug_in, name);
    }
  else if (strcmp (name, LOOKLAB_PROC_EXPORT_CUBE) == 0)
    {
      procedure = gimp_image_procedure_new (
          plug_in, name, GIMP_PDB_PROC_TYPE_PLUGIN, export_run, NULL, NULL);
      gimp_procedure_set_sensitivity_mask (procedure,
                                           GIMP_PROCEDURE_SENSITIVE_ALWAYS);
      looklab_procedure_describe (
          procedure, _ ("_Export Look as .cube..."),
          _ ("Write a look as a .cube 3D LUT"),
          _ ("Bakes the look stored in the image (or a given look or "
             ".cube file) into a .cube 3D LUT of the chosen size, "
             "readable by ffmpeg, darktable, OpenColorIO and "
             "Resolve."));
      gimp_procedure_add_menu_path (procedure, "<Image>/Colors/LookLab");

      add_look_file_argument (procedure);
      gimp_procedure_add_file_argument (
          procedure, "output", _ ("_Write to"), _ ("The .cube file to write"),
          GIMP_FILE_CHOOSER_ACTION_SAVE, TRUE, NULL, G_PARAM_READWRITE);
      gimp_procedure_add_int_argument (
          procedure, "lut-size", _ ("_LUT size"),
          _ ("Points per axis (33 suits most "
             "programs; 65 for finer looks)"),
          LOOKLAB_LUT_MIN_SIZE, LOOKLAB_LUT_MAX_SIZE, 33, G_PARAM_READWRITE);
    }
  else if (strcmp (name, LOOKLAB_PROC_HALD) == 0)
    {
      procedure = gimp_procedure_new (plug_in, name, GIMP_PDB_PROC_TYPE_PLUGIN,
                                      hald_run, NULL, NULL);
      gimp_procedure_set_sensitivity_mask (procedure,
                                           GIMP_PROCEDURE_SENSITIVE_ALWAYS);
      looklab_procedure_describe (
          procedure, _ ("Identity _Hald CLUT..."),
          _ ("Create an identity Hald CLUT to capture a look"),
          _ ("Creates an image (or a layer in the given image) that "
             "holds every colour of a lattice.  Apply any chain of "
             "colour tools to a copy of it, then Learn Look from "
             "Layers with the identity as Before and the copy as "
             "After: the learned look reproduces the chain on any "
             "picture."));
      gimp_procedure_add_menu_path (procedure, "<Image>/File/Create/LookLab");

      gimp_procedure_add_enum_argument (
          procedure, "run-mode", _ ("Run mode"), _ ("The run mode"),
          GIMP_TYPE_RUN_MODE, GIMP_RUN_INTERACTIVE, G_PARAM_READWRITE);
      gimp_procedure_add_image_argument (procedure, "image", _ ("_Image"),
                                         _ ("Add the CLUT as a layer of this "
                                            "image; none makes a new image"),
                                         TRUE, G_PARAM_READWRITE);
      gimp_procedure_add_int_argument (procedure, "level", _ ("_Level"),
                                       _ ("The CLUT holds level^2 points per "
                                          "axis in a level^3 pixel square (8: "
                                          "64 points, 512 x 512)"),
                                       2, 16, 8, G_PARAM_READWRITE);

      gimp_procedure_add_image_return_value (
          procedure, "new-image", _ ("Image"), _ ("The image holding the CLUT"),
          FALSE, G_PARAM_READWRITE);
      gimp_procedure_add_layer_return_value (procedure, "layer", _ ("Layer"),
                                             _ ("The CLUT layer"), FALSE,
                                             G_PARAM_READWRITE);
    }

  return procedure;
}

static void
looklab_class_init (LookLabClass *klass)
{
  GimpPlugInClass *plug_in_class = GIMP_PLUG_IN_CLASS (klass);

  plug_in_class->query_procedures = looklab_query_procedures;
  plug_in_class->create_procedure = looklab_create_procedure;
  /* set_i18n is left to libgimp's default: domain "looklab", catalogs in
   * <plug-in dir>/locale, where meson installs them. */
}

static void
looklab_init (LookLab *looklab)
{
}
