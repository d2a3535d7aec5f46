/* LookLab GIMP 3 dialogs (GimpProcedureDialog).  Thin: layout only; the
 * arguments, their ranges and defaults are declared in plugin/looklab.c. */
#include <glib/gi18n.h>

#include "looklab-recent.h"
#include "looklab-ui.h"

/* The file patterns the Apply and Export dialogs offer.  Files are told
 * apart by content when loaded, so these only narrow the list. */
static void
add_look_filters (GtkFileChooser *chooser)
{
  GtkFileFilter *filter;

  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _ ("Looks and 3D LUTs (*.look, *.cube)"));
  gtk_file_filter_add_pattern (filter, "*.cube");
  gtk_file_filter_add_pattern (filter, "*.CUBE");
  gtk_file_filter_add_pattern (filter, "*.look");
  gtk_file_filter_add_pattern (filter, "*.looklab");
  gtk_file_chooser_add_filter (chooser, filter);

  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _ ("All files"));
  gtk_file_filter_add_pattern (filter, "*");
  gtk_file_chooser_add_filter (chooser, filter);
}

/* The Colorize dialog's model files. */
static void
add_model_filters (GtkFileChooser *chooser)
{
  GtkFileFilter *filter;

  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _ ("Colorization models (*.safetensors)"));
  gtk_file_filter_add_pattern (filter, "*.safetensors");
  gtk_file_chooser_add_filter (chooser, filter);

  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _ ("All files"));
  gtk_file_filter_add_pattern (filter, "*");
  gtk_file_chooser_add_filter (chooser, filter);
}

/* The Match dialog's neutralizer models. */
static void
add_neutralizer_filters (GtkFileChooser *chooser)
{
  GtkFileFilter *filter;

  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter,
                            _ ("Look neutralizer models (*.safetensors)"));
  gtk_file_filter_add_pattern (filter, "*.safetensors");
  gtk_file_chooser_add_filter (chooser, filter);

  filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _ ("All files"));
  gtk_file_filter_add_pattern (filter, "*");
  gtk_file_chooser_add_filter (chooser, filter);
}

typedef void (*AddFilters) (GtkFileChooser *chooser);

static void
filter_children (GtkWidget *widget, gpointer data)
{
  if (GTK_IS_FILE_CHOOSER (widget))
    ((AddFilters) data) (GTK_FILE_CHOOSER (widget));
  else if (GTK_IS_CONTAINER (widget))
    gtk_container_forall (GTK_CONTAINER (widget), filter_children, data);
}

/* GimpFileChooser wraps a GtkFileChooserButton for OPEN; reach it to add
 * the filters (GimpFileChooser has no filter API in 3.0). */
static void
filter_file_widget_with (GimpProcedureDialog *dialog, const gchar *property,
                         AddFilters add)
{
  GtkWidget *widget
      = gimp_procedure_dialog_get_widget (dialog, property, G_TYPE_NONE);

  if (widget != NULL)
    filter_children (widget, (gpointer) add);
}

static void
filter_file_widget (GimpProcedureDialog *dialog, const gchar *property)
{
  filter_file_widget_with (dialog, property, add_look_filters);
}

static void
recent_changed (GtkComboBox *combo, GimpProcedureConfig *config)
{
  const gchar *uri = gtk_combo_box_get_active_id (combo);
  GFile       *file;

  if (uri == NULL || *uri == '\0')
    return;
  file = g_file_new_for_uri (uri);
  g_object_set (config, "file", file, NULL);
  g_object_unref (file);
}

/* A "Recent" row: the looks of LOOKLAB_RECENT_ARG that still exist;
 * choosing one sets the "file" argument (and so the file chooser and the
 * preview).  NULL when there are none. */
static GtkWidget *
recent_looks_row (GimpProcedureConfig *config)
{
  GtkWidget *box, *label, *combo;
  gchar     *list = NULL;
  gchar    **uris;
  gint       i, n = 0;

  g_object_get (config, LOOKLAB_RECENT_ARG, &list, NULL);
  uris = g_strsplit (list != NULL ? list : "", "\n", -1);
  g_free (list);

  combo = gtk_combo_box_text_new ();
  gtk_combo_box_text_append (GTK_COMBO_BOX_TEXT (combo), "",
                             _ ("Choose a recently used look..."));
  for (i = 0; uris[i] != NULL; i++)
    {
      GFile *file = g_file_new_for_uri (uris[i]);
      gchar *name = g_file_get_basename (file);

      if (*uris[i] != '\0' && g_file_query_exists (file, NULL))
        {
          gtk_combo_box_text_append (GTK_COMBO_BOX_TEXT (combo), uris[i], name);
          n++;
        }
      g_free (name);
      g_object_unref (file);
    }
  g_strfreev (uris);
  if (n == 0)
    {
      gtk_widget_destroy (combo);
      return NULL;
    }
  gtk_combo_box_set_active (GTK_COMBO_BOX (combo), 0);
  g_signal_connect (combo, "changed", G_CALLBACK (recent_changed), config);

  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  label = gtk_label_new_with_mnemonic (_ ("_Recent:"));
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), combo);
  gtk_box_pack_start (GTK_BOX (box), label, FALSE, FALSE, 0);
  gtk_box_pack_start (GTK_BOX (box), combo, TRUE, TRUE, 0);
  gtk_widget_show_all (box);
  return box;
}

typedef struct
{
  LookLabPreviewFunc   func;
  GimpProcedureConfig *config;
  gpointer             user_data;
} PreviewHook;

static void
preview_invalidated (GimpPreview *preview, PreviewHook *hook)
{
  hook->func (preview, hook->config, hook->user_data);
}

/* Adds the live preview of @drawable to @dialog, as the property-less
 * widget "preview", drawn by @hook (which must outlive the dialog's run);
 * despeckle.c's pattern: any argument change redraws.  Returns NULL, and
 * adds nothing, when there is no function or no drawable.  Undo with
 * live_preview_stop () before the dialog is destroyed. */
static GtkWidget *
live_preview_add (GtkWidget *dialog, GimpProcedureConfig *config,
                  GimpDrawable *drawable, LookLabPreviewFunc func,
                  gpointer user_data, PreviewHook *hook)
{
  GtkWidget *preview;

  if (func == NULL || drawable == NULL)
    return NULL;
  hook->func = func;
  hook->config = config;
  hook->user_data = user_data;
  preview = gimp_procedure_dialog_get_drawable_preview (
      GIMP_PROCEDURE_DIALOG (dialog), "preview", drawable);
  g_signal_connect (preview, "invalidated", G_CALLBACK (preview_invalidated),
                    hook);
  g_signal_connect_swapped (config, "notify",
                            G_CALLBACK (gimp_preview_invalidate), preview);
  return preview;
}

/* Adds the property-less label "status" under @preview (when there is
 * one), which looklab_ui_set_status () sets; @wrap for longer sentences.
 * live_preview_stop () takes it off the preview. */
static void
live_preview_add_status (GtkWidget *dialog, GtkWidget *preview, gboolean wrap)
{
  GtkWidget *status;

  if (preview == NULL)
    return;
  status = gimp_procedure_dialog_get_label (GIMP_PROCEDURE_DIALOG (dialog),
                                            "status", "", FALSE, FALSE);
  gtk_label_set_xalign (GTK_LABEL (status), 0.0);
  if (wrap)
    gtk_label_set_line_wrap (GTK_LABEL (status), TRUE);
  g_object_set_data (G_OBJECT (preview), "looklab-status", status);
}

/* The config outlives the dialog: stop it redrawing a destroyed preview
 * (and a late status from reaching a destroyed label). */
static void
live_preview_stop (GimpProcedureConfig *config, GtkWidget *preview)
{
  if (preview != NULL)
    {
      g_signal_handlers_disconnect_by_func (config, gimp_preview_invalidate,
                                            preview);
      g_object_set_data (G_OBJECT (preview), "looklab-status", NULL);
    }
}

gboolean
looklab_ui_apply_dialog (GimpProcedure *procedure, GimpProcedureConfig *config,
                         GimpDrawable      *drawable,
                         LookLabPreviewFunc preview_func, gpointer user_data)
{
  GtkWidget  *dialog;
  GtkWidget  *preview;
  GtkWidget  *recent;
  PreviewHook hook;
  gboolean    run;

  dialog
      = gimp_procedure_dialog_new (procedure, config, _ ("Apply Look / LUT"));

  preview = live_preview_add (dialog, config, drawable, preview_func, user_data,
                              &hook);

  filter_file_widget (GIMP_PROCEDURE_DIALOG (dialog), "file");
  gimp_procedure_dialog_get_scale_entry (GIMP_PROCEDURE_DIALOG (dialog),
                                         "strength", 1.0);

  if (preview != NULL)
    gimp_procedure_dialog_fill (GIMP_PROCEDURE_DIALOG (dialog), "preview",
                                "file", "strength", "interpolation",
                                "input-space", "non-destructive", NULL);
  else
    gimp_procedure_dialog_fill (GIMP_PROCEDURE_DIALOG (dialog), "file",
                                "strength", "interpolation", "input-space",
                                "non-destructive", NULL);

  recent = recent_looks_row (config);
  if (recent != NULL)
    gtk_box_pack_start (
        GTK_BOX (gtk_dialog_get_content_area (GTK_DIALOG (dialog))), recent,
        FALSE, FALSE, 0);

  run = gimp_procedure_dialog_run (GIMP_PROCEDURE_DIALOG (dialog));
  live_preview_stop (config, preview);
  gtk_widget_destroy (dialog);
  return run;
}

static gboolean
refresh_chooser (gpointer data)
{
  GimpDrawableChooser *chooser = data;

  gimp_drawable_chooser_set_drawable (
      chooser, gimp_drawable_chooser_get_drawable (chooser));
  g_object_unref (chooser);
  return G_SOURCE_REMOVE;
}

static void
chooser_mapped (GtkWidget *chooser, gpointer data)
{
  g_idle_add (refresh_chooser, g_object_ref (chooser));
}

/* GimpDrawableChooser 3.0 fetches its thumbnail when the drawable is set,
 * which for a preset value is before it has a size, so it stays blank:
 * set the same drawable again once it is on screen. */
static void
fix_chooser_thumbnail (GimpProcedureDialog *dialog, const gchar *property)
{
  GtkWidget *widget
      = gimp_procedure_dialog_get_widget (dialog, property, G_TYPE_NONE);

  if (GIMP_IS_DRAWABLE_CHOOSER (widget))
    g_signal_connect_after (widget, "map", G_CALLBACK (chooser_mapped), NULL);
}

void
looklab_ui_set_status (GimpPreview *preview, const gchar *text)
{
  GtkWidget *label = g_object_get_data (G_OBJECT (preview), "looklab-status");

  if (label != NULL)
    gtk_label_set_text (GTK_LABEL (label), text);
}

gboolean
looklab_ui_learn_dialog (GimpProcedure *procedure, GimpProcedureConfig *config,
                         GimpImage *image, GimpDrawable *drawable,
                         LookLabPreviewFunc preview_func, gpointer user_data)
{
  GtkWidget  *dialog;
  GtkWidget  *preview;
  PreviewHook hook;
  gboolean    run;

  dialog = gimp_procedure_dialog_new (procedure, config,
                                      _ ("Learn Look from Layers"));
  fix_chooser_thumbnail (GIMP_PROCEDURE_DIALOG (dialog), "before");
  fix_chooser_thumbnail (GIMP_PROCEDURE_DIALOG (dialog), "after");

  preview = live_preview_add (dialog, config, drawable, preview_func, user_data,
                              &hook);
  /* Where the preview says how the fit goes and, when done, its
   * in-sample error. */
  live_preview_add_status (dialog, preview, FALSE);

  gimp_procedure_dialog_get_label (GIMP_PROCEDURE_DIALOG (dialog),
                                   "advanced-label", _ ("Advanced"), FALSE,
                                   FALSE);
  gimp_procedure_dialog_fill_box (
      GIMP_PROCEDURE_DIALOG (dialog), "advanced-box", "hidden", "layers",
      "seed", "global-only", "lut-size", "input-space", NULL);
  gimp_procedure_dialog_fill_expander (GIMP_PROCEDURE_DIALOG (dialog),
                                       "advanced", "advanced-label", FALSE,
                                       "advanced-box");

  if (preview != NULL)
    gimp_procedure_dialog_fill (
        GIMP_PROCEDURE_DIALOG (dialog), "preview", "status", "before", "after",
        "align", "model-size", "advanced", "file", "apply", NULL);
  else
    gimp_procedure_dialog_fill (GIMP_PROCEDURE_DIALOG (dialog), "before",
                                "after", "align", "model-size", "advanced",
                                "file", "apply", NULL);

  run = gimp_procedure_dialog_run (GIMP_PROCEDURE_DIALOG (dialog));
  live_preview_stop (config, preview);
  gtk_widget_destroy (dialog);
  return run;
}

gboolean
looklab_ui_match_dialog (GimpProcedure *procedure, GimpProcedureConfig *config,
                         GimpDrawable      *drawable,
                         LookLabPreviewFunc preview_func, gpointer user_data)
{
  GtkWidget  *dialog;
  GtkWidget  *preview;
  PreviewHook hook;
  gboolean    run;

  dialog = gimp_procedure_dialog_new (procedure, config,
                                      _ ("Match Look to Reference"));
  fix_chooser_thumbnail (GIMP_PROCEDURE_DIALOG (dialog), "reference");

  preview = live_preview_add (dialog, config, drawable, preview_func, user_data,
                              &hook);
  /* Where the preview says how the match goes and, when done, how far
   * the reference moved when neutralized. */
  live_preview_add_status (dialog, preview, TRUE);

  /* One reference at a time: the switch greys out the other chooser
   * (a layer chooser cannot be emptied). */
  gimp_procedure_dialog_set_sensitive (GIMP_PROCEDURE_DIALOG (dialog),
                                       "reference", TRUE, G_OBJECT (config),
                                       "reference-from-file", TRUE);
  gimp_procedure_dialog_set_sensitive (
      GIMP_PROCEDURE_DIALOG (dialog), "reference-file", TRUE, G_OBJECT (config),
      "reference-from-file", FALSE);
  gimp_procedure_dialog_get_scale_entry (GIMP_PROCEDURE_DIALOG (dialog),
                                         "strength", 1.0);
  filter_file_widget_with (GIMP_PROCEDURE_DIALOG (dialog), "model",
                           add_neutralizer_filters);

  gimp_procedure_dialog_get_label (GIMP_PROCEDURE_DIALOG (dialog),
                                   "advanced-label", _ ("Advanced"), FALSE,
                                   FALSE);
  gimp_procedure_dialog_fill_box (GIMP_PROCEDURE_DIALOG (dialog),
                                  "advanced-box", "model", "size", "seed",
                                  "lut-size", "input-space", NULL);
  gimp_procedure_dialog_fill_expander (GIMP_PROCEDURE_DIALOG (dialog),
                                       "advanced", "advanced-label", FALSE,
                                       "advanced-box");

  if (preview != NULL)
    gimp_procedure_dialog_fill (GIMP_PROCEDURE_DIALOG (dialog), "preview",
                                "status", "reference", "reference-from-file",
                                "reference-file", "strength", "advanced",
                                "file", "apply", NULL);
  else
    gimp_procedure_dialog_fill (GIMP_PROCEDURE_DIALOG (dialog), "reference",
                                "reference-from-file", "reference-file",
                                "strength", "advanced", "file", "apply", NULL);

  run = gimp_procedure_dialog_run (GIMP_PROCEDURE_DIALOG (dialog));
  live_preview_stop (config, preview);
  gtk_widget_destroy (dialog);
  return run;
}

gboolean
looklab_ui_colorize_dialog (GimpProcedure       *procedure,
                            GimpProcedureConfig *config, GimpDrawable *drawable,
                            LookLabPreviewFunc preview_func, gpointer user_data)
{
  GtkWidget  *dialog;
  GtkWidget  *preview;
  PreviewHook hook;
  gboolean    run;

  dialog = gimp_procedure_dialog_new (procedure, config, _ ("Colorize"));
  fix_chooser_thumbnail (GIMP_PROCEDURE_DIALOG (dialog), "hints");

  preview = live_preview_add (dialog, config, drawable, preview_func, user_data,
                              &hook);

  filter_file_widget_with (GIMP_PROCEDURE_DIALOG (dialog), "model",
                           add_model_filters);
  gimp_procedure_dialog_get_scale_entry (GIMP_PROCEDURE_DIALOG (dialog),
                                         "saturation", 1.0);

  if (preview != NULL)
    gimp_procedure_dialog_fill (GIMP_PROCEDURE_DIALOG (dialog), "preview",
                                "hints", "saturation", "output", "model", NULL);
  else
    gimp_procedure_dialog_fill (GIMP_PROCEDURE_DIALOG (dialog), "hints",
                                "saturation", "output", "model", NULL);

  run = gimp_procedure_dialog_run (GIMP_PROCEDURE_DIALOG (dialog));
  live_preview_stop (config, preview);
  gtk_widget_destroy (dialog);
  return run;
}

gboolean
looklab_ui_export_dialog (GimpProcedure *procedure, GimpProcedureConfig *config)
{
  GtkWidget *dialog;
  gboolean   run;

  dialog = gimp_procedure_dialog_new (procedure, config,
                                      _ ("Export Look as .cube"));
  filter_file_widget (GIMP_PROCEDURE_DIALOG (dialog), "file");
  gimp_procedure_dialog_fill (GIMP_PROCEDURE_DIALOG (dialog), "file", "output",
                              "lut-size", NULL);

  run = gimp_procedure_dialog_run (GIMP_PROCEDURE_DIALOG (dialog));
  gtk_widget_destroy (dialog);
  return run;
}

gboolean
looklab_ui_hald_dialog (GimpProcedure *procedure, GimpProcedureConfig *config)
{
  GtkWidget *dialog;
  gboolean   run;

  dialog
      = gimp_procedure_dialog_new (procedure, config, _ ("Identity Hald CLUT"));
  gimp_procedure_dialog_fill (GIMP_PROCEDURE_DIALOG (dialog), "level", NULL);

  run = gimp_procedure_dialog_run (GIMP_PROCEDURE_DIALOG (dialog));
  gtk_widget_destroy (dialog);
  return run;
}
