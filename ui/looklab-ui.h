/* LookLab GIMP 3 dialogs: one function per dialog, each built from the
 * procedure's own argument declarations through GimpProcedureConfig.
 * They return TRUE when the user pressed OK.  Call gimp_ui_init () first. */
#ifndef LOOKLAB_UI_H
#define LOOKLAB_UI_H

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

/* Draws the look as @config currently sets it over @preview's area. */
typedef void (*LookLabPreviewFunc) (GimpPreview         *preview,
                                    GimpProcedureConfig *config,
                                    gpointer             user_data);

/* Apply Look / LUT: live preview of @drawable (none when @preview_func or
 * @drawable is NULL), file chooser filtered to looks and .cube files,
 * strength, interpolation. */
gboolean looklab_ui_apply_dialog (GimpProcedure       *procedure,
                                  GimpProcedureConfig *config,
                                  GimpDrawable        *drawable,
                                  LookLabPreviewFunc   preview_func,
                                  gpointer             user_data);

/* Learn Look from Layers: a live preview of the look on @drawable (none
 * when @preview_func or @drawable is NULL) with a status line under it,
 * before/after layer choosers, model size, the advanced numbers in an
 * expander, where to save, whether to apply. */
gboolean looklab_ui_learn_dialog (GimpProcedure       *procedure,
                                  GimpProcedureConfig *config, GimpImage *image,
                                  GimpDrawable      *drawable,
                                  LookLabPreviewFunc preview_func,
                                  gpointer           user_data);

/* Match Look to Reference: a live preview of the matched look on
 * @drawable (none when @preview_func or @drawable is NULL) with a status
 * line under it, the reference as a layer or (a switch) an image file,
 * strength, the model and numbers in an expander, where to save, whether
 * to apply. */
gboolean looklab_ui_match_dialog (GimpProcedure       *procedure,
                                  GimpProcedureConfig *config,
                                  GimpDrawable        *drawable,
                                  LookLabPreviewFunc   preview_func,
                                  gpointer             user_data);

/* Colorize: live preview of @drawable (none when @preview_func or
 * @drawable is NULL), model file chooser filtered to *.safetensors (empty
 * = the default model), hints layer chooser, saturation, output. */
gboolean looklab_ui_colorize_dialog (GimpProcedure       *procedure,
                                     GimpProcedureConfig *config,
                                     GimpDrawable        *drawable,
                                     LookLabPreviewFunc   preview_func,
                                     gpointer             user_data);

/* Sets the status line under a preview made by a dialog above. */
void looklab_ui_set_status (GimpPreview *preview, const gchar *text);

/* Export Look as .cube: source, destination, size. */
gboolean looklab_ui_export_dialog (GimpProcedure       *procedure,
                                   GimpProcedureConfig *config);

/* Identity Hald CLUT: level. */
gboolean looklab_ui_hald_dialog (GimpProcedure       *procedure,
                                 GimpProcedureConfig *config);

#endif /* LOOKLAB_UI_H */
