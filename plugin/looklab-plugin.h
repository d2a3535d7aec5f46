/* LookLab GIMP 3 plug-in: pieces shared by the files of plugin/.
 *
 * Only plugin/ and ui/ know GIMP.  plugin/ turns core status codes into
 * translated GErrors, moves pixels between GIMP drawables and the core's
 * interleaved buffers, and declares the PDB procedures.
 */
#ifndef LOOKLAB_PLUGIN_H
#define LOOKLAB_PLUGIN_H

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include "look/look.h"
#include "lut/lut-apply.h"
#include "lut/lut.h"

#define LOOKLAB_PLUG_IN_BINARY "looklab"
#define LOOKLAB_PROC_APPLY "plug-in-looklab-apply"
#define LOOKLAB_PROC_LEARN "plug-in-looklab-learn"
#define LOOKLAB_PROC_EXPORT_CUBE "plug-in-looklab-export-cube"
#define LOOKLAB_PROC_HALD "plug-in-looklab-hald-identity"
#define LOOKLAB_PROC_COLORIZE "plug-in-looklab-colorize"
#define LOOKLAB_PROC_MATCH "plug-in-looklab-match"

/* The GEGL operation of op/looklab-apply.c. */
#define LOOKLAB_OP_NAME "looklab:apply"

/* The look learned by plug-in-looklab-learn, serialised by
 * looklab_look_serialize (), persistent so that it survives XCF. */
#define LOOKLAB_PARASITE_LOOK "plug-in-looklab/look"

/* Edge of the LUT a look is baked into before it is applied: core's
 * LOOKLAB_LOOK_APPLY_BAKE_SIZE (65), shared with the CLI and the op. */
#define LOOKLAB_APPLY_BAKE_SIZE LOOKLAB_LOOK_APPLY_BAKE_SIZE

/* Live previews bake looks smaller than the final apply: they redraw on
 * every slider move. */
#define LOOKLAB_PREVIEW_BAKE_SIZE 33

/* Learning reads both layers whole into memory (up to 16 bytes a pixel
 * each for float images); above this many pixels the plug-in refuses and
 * says to learn from a scaled copy, which gives the same look: a global
 * colour look does not depend on resolution. */
#define LOOKLAB_LEARN_MAX_PIXELS ((gint64) 100 * 1000 * 1000)

/* What a file or a parasite held: exactly one of @lut and @look is set. */
typedef struct
{
  LookLabLut  *lut;
  LookLabLook *look;
} LookLabSource;

/* looklab-errors.c */

/* Sets @error (domain GIMP_PLUG_IN_ERROR) to a translated sentence for the
 * core @status, naming @what (a file name, may be NULL) and passing on the
 * line and detail of @diag (may be NULL). */
void looklab_set_core_error (GError **error, int status,
                             const LookLabDiag *diag, const gchar *what);

/* looklab-source.c */

/* Reads @file (a .cube or look file, told apart by its first bytes) or,
 * when @file is NULL, the look stored on @image.  Returns FALSE and sets
 * @error when there is none or it is unreadable. */
gboolean looklab_source_load (GimpImage *image, GFile *file,
                              LookLabSource *source, GError **error);

void looklab_source_clear (LookLabSource *source);

/* Returns the local path of @file (free with g_free ()), or NULL when
 * there is no file (NULL, or Script-Fu's empty name) or it is not local. */
gchar *looklab_source_file_path (GFile *file);

/* Returns a new LUT of @size for @source (the LUT itself resampled when
 * the size differs, the look baked), or NULL with @error set. */
LookLabLut *looklab_source_to_lut (const LookLabSource *source, gint size,
                                   GError **error);

/* Tells the user that the .cube @name, baked from @look, lost its
 * spatial parts (when it has any): a .cube holds one colour function. */
void looklab_tell_cube_partial (const LookLabLook *look, const gchar *name);

/* Writes @look to @file, atomically (the core writes a temporary file and
 * renames it): a .cube of @lut_size titled @title when the name ends in
 * .cube, else a look file.  Returns FALSE with @error set, @file
 * untouched, on failure. */
gboolean looklab_save_look (const LookLabLook *look, GFile *file, gint lut_size,
                            const gchar *title, GError **error);

/* Stores @look on @image as the persistent parasite LOOKLAB_PARASITE_LOOK. */
gboolean looklab_store_look (GimpImage *image, const LookLabLook *look,
                             GError **error);

/* looklab-pixels.c */

/* The procedure argument naming the look's colour space ("srgb", the
 * default, or "rec709"; space/looklab-space.h), on Apply and Learn. */
#define LOOKLAB_SPACE_ARG "input-space"

/* Adds the LOOKLAB_SPACE_ARG choice argument to @procedure. */
void looklab_add_space_argument (GimpProcedure *procedure);

/* The babl space @config's LOOKLAB_SPACE_ARG names, or NULL with @error
 * set. */
const Babl *looklab_config_space (GimpProcedureConfig *config, GError **error);

/* The babl format in which @drawable's pixels reach the core: non-linear
 * RGBA of @look_space (NULL: the drawable's own space, not colour
 * managed), u8 for 8-bit, u16 for 16-bit, float for everything deeper and
 * for integer drawables in another space than @look_space, so no
 * precision is lost.  @core_format gets the matching core format. */
const Babl *looklab_drawable_format (GimpDrawable       *drawable,
                                     const Babl         *look_space,
                                     LookLabPixelFormat *core_format);

/* Returns FALSE with @error set when @drawable cannot take a look
 * (indexed, or not intersecting the selection). */
gboolean looklab_check_drawable (GimpDrawable *drawable, GError **error);

/* The same for each of @drawables, and FALSE when there are none. */
gboolean looklab_check_drawables (GimpDrawable **drawables, GError **error);

/* Applies @lut to the selected part of each of @drawables through shadow
 * buffers, in one undo group, with progress.  Grayscale drawables get the
 * look of (Y, Y, Y) and keep the luminance of the result (see README). */
gboolean looklab_apply_lut_to_drawables (GimpImage        *image,
                                         GimpDrawable    **drawables,
                                         const LookLabLut *lut,
                                         LookLabInterp interp, gdouble strength,
                                         const Babl *look_space,
                                         GError    **error);

/* Applies every part of @look (a look with spatial parts: a LUT cannot
 * hold it) to the selected part of each of @drawables, in @look_space, in
 * one undo group; positions are taken in each whole drawable, as
 * looklab:apply takes them.  Checks every drawable first; returns FALSE
 * with @error set on failure. */
gboolean
looklab_apply_look_to_drawables (GimpImage *image, GimpDrawable **drawables,
                                 const LookLabLook *look, gdouble strength,
                                 const Babl *look_space, GError **error);

/* Renders over the visible area of a GimpDrawablePreview, in @look_space,
 * @look when it has spatial parts (all of them, as applying gives), else
 * @lut (may be NULL: the drawable as it is); @outline (may be NULL): four
 * corners in the drawable's pixel coordinates, drawn as a dashed
 * polygon on top (where Learn found the after in the before). */
void looklab_render_preview (GimpPreview *preview, GimpDrawable *drawable,
                             const LookLabLut *lut, const LookLabLook *look,
                             LookLabInterp interp, gdouble strength,
                             const Babl *look_space, const gdouble *outline);

/* Reads all of @drawable in its core format for @look_space
 * (looklab_drawable_format) into a new buffer (free with
 * g_free ()) and fills @view.  Returns FALSE with @error set when the
 * layer is too large to hold in memory. */
gboolean looklab_read_drawable (GimpDrawable *drawable, const Babl *look_space,
                                LookLabImageView *view, gpointer *pixels,
                                GError **error);

/* Reads @drawable reduced by @scale (GEGL's mipmaps average the pixels) as
 * non-linear float RGBA of @look_space (NULL: its own space) into a new
 * buffer, which it returns (free with g_free ()), and fills @view.  For
 * the dialogs' previews. */
gpointer looklab_read_drawable_scaled (GimpDrawable *drawable, gdouble scale,
                                       const Babl       *look_space,
                                       LookLabImageView *view);

/* looklab-filter.c */

/* Returns whether GIMP has the GEGL operation looklab:apply (it refuses to
 * make a filter of an operation it does not have). */
gboolean looklab_filter_available (GimpDrawable *drawable);

/* Applies the LUT or look file @path to each of @drawables through
 * looklab:apply, in one undo group: appended as a non-destructive filter
 * named @name when @non_destructive and the drawable is a layer, merged in
 * GIMP's process otherwise (channels, masks, or @non_destructive FALSE).
 * Checks every drawable first; returns FALSE with @error set and the
 * image unchanged when one cannot take a look. */
gboolean looklab_filter_apply (GimpImage *image, GimpDrawable **drawables,
                               const gchar *path, const gchar *name,
                               LookLabInterp interp, gdouble strength,
                               gboolean non_destructive, GError **error);

/* How a learned @look (Learn's, Match's) is to reach @drawables: when its
 * space @look_space is sRGB and GIMP has looklab:apply, through the op
 * from the look cache's file, *@cached (free with g_free ()); else by the
 * plug-in's pixel path, baked into *@lut (free with looklab_lut_free ()),
 * or, for a look with spatial parts, which no LUT holds, neither (the
 * look itself is applied).  Both stay NULL when there are no @drawables.
 * Returns FALSE with @error set, both NULL, on failure. */
gboolean looklab_learned_look_prepare (const LookLabLook *look,
                                       const Babl        *look_space,
                                       GimpDrawable **drawables, gchar **cached,
                                       LookLabLut **lut, GError **error);

/* Applies what looklab_learned_look_prepare () gave for @look to
 * @drawables at full strength: a filter named @name, or merged
 * (looklab_filter_apply ()), or the baked LUT in @look_space, or a look
 * with spatial parts through looklab_apply_look_to_drawables () (nothing
 * when there are no @drawables).  Returns FALSE with @error set on
 * failure. */
gboolean looklab_learned_look_apply (GimpImage *image, GimpDrawable **drawables,
                                     const LookLabLook *look,
                                     const gchar *cached, const LookLabLut *lut,
                                     const gchar *name,
                                     gboolean     non_destructive,
                                     const Babl *look_space, GError **error);

/* Writes @look (when not there already) to the look cache,
 * $XDG_DATA_HOME/looklab/looks/<SHA-256 of its bytes>.look, and returns
 * that path (free with g_free ()), or NULL with @error set. */
gchar *looklab_look_cache_file (const LookLabLook *look, GError **error);

/* Tells the user once (a stamp in the user's cache folder remembers it)
 * that looklab:apply is not installed and the slower path is used. */
void looklab_filter_tell_missing (void);

/* looklab-models.c */

/* The path of a bundled model (free with g_free ()), or NULL when there is
 * none: $@env_name when set, else @file_name where meson installs models
 * (LOOKLAB_MODELS_DIR), else in the source tree's data/models/ (tests run
 * from a build tree). */
gchar *looklab_default_model_path (const gchar *env_name,
                                   const gchar *file_name);

/* looklab-preview-fit.c */

typedef struct _LookLabPreviewFit LookLabPreviewFit;

/* What a dialog's preview fit does that is its procedure's own. */
typedef struct
{
  /* The worker thread's name. */
  const gchar *thread_name;
  /* Runs in the worker thread: fits *@look to what the procedure read into
   * @data, passing looklab_preview_fit_progress () and @fit (or a function
   * that calls it) as the progress callback.  Returns a core status. */
  int (*fit) (gpointer data, LookLabPreviewFit *fit, LookLabLook **look);
  /* Frees what the procedure read into @data for the fit; called after
   * the worker is joined, and also when no fit ran. */
  void (*release) (gpointer data);
  /* The status line (a new string) while the fit runs, @percent done. */
  gchar *(*progress_text) (gint percent);
  /* The status line once the look is fitted, which @info describes. */
  gchar *(*fitted_text) (gpointer data, const LookLabLookInfo *info);
  /* The status line when the fit failed with the core @status. */
  gchar *(*failed_text) (int status);
} LookLabPreviewFitFuncs;

/* A look fitted in the background for a dialog's live preview: one fit at
 * a time, for the arguments that @key names; the fields are the main
 * thread's except those marked. */
struct _LookLabPreviewFit
{
  const LookLabPreviewFitFuncs *funcs;
  gpointer                      data;    /* the procedure's, for @funcs */
  GimpPreview                  *preview; /* whose status line to set */
  gchar                        *key;     /* what the look was fitted for */
  GThread                      *thread;
  guint                         timeout_id;
  gboolean                      pending; /* the key changed while a fit ran */

  /* Shared with the worker: the flags through atomics; the rest is the
   * worker's until it has set done. */
  gint            progress; /* per mille, atomic */
  gint            cancel;   /* atomic */
  gint            done;     /* atomic */
  LookLabLook    *look;
  LookLabLut     *lut; /* the look baked at LOOKLAB_PREVIEW_BAKE_SIZE */
  int             status;
  LookLabLookInfo info;
};

/* The fitted look and its bake for the preview to render, or NULL while
 * none is fitted or a fit runs (the worker owns them then). */
const LookLabLook *looklab_preview_fit_look (const LookLabPreviewFit *fit);
const LookLabLut  *looklab_preview_fit_lut (const LookLabPreviewFit *fit);

/* Empties @fit, which is to run @funcs with @data. */
void looklab_preview_fit_init (LookLabPreviewFit            *fit,
                               const LookLabPreviewFitFuncs *funcs,
                               gpointer                      data);

/* A LookLabProgressFunc for the worker: @user_data is the fit, @fraction
 * how far it is in [0, 1]; non-zero when the fit is to stop. */
int looklab_preview_fit_progress (double fraction, void *user_data);

/* Whether a fit for @key is to start now.  FALSE when the look is already
 * @key's, or while a fit runs (it is stopped, and the preview is redrawn,
 * and so asks again, when it ends).  TRUE: the old look is dropped and
 * @key taken; the procedure reads its data, then calls
 * looklab_preview_fit_start () (or shows why it cannot). */
gboolean looklab_preview_fit_begin (LookLabPreviewFit *fit, const gchar *key);

/* Starts the worker and the poll that reports it in the status line of
 * @fit->preview and redraws the preview when the look is there. */
void looklab_preview_fit_start (LookLabPreviewFit *fit);

/* Stops and joins the worker, removes the poll and frees the look; for
 * when the dialog is closed, or when there is nothing to fit any more
 * (the worker writes the look: it must be stopped before the look goes).
 * @fit can begin again afterwards. */
void looklab_preview_fit_clear (LookLabPreviewFit *fit);

/* looklab.c */

/* Sets @procedure's menu label, documentation and attribution. */
void looklab_procedure_describe (GimpProcedure *procedure, const gchar *label,
                                 const gchar *blurb, const gchar *help);

/* Adds the arguments that follow the fit's own on Learn and Match, in
 * this order: lut-size, file (where to save the look), apply,
 * LOOKLAB_SPACE_ARG, non-destructive. */
void looklab_add_learned_look_arguments (GimpProcedure *procedure);

/* Adds Learn's and Match's first return values: saved-file, fit-de00. */
void looklab_add_learned_look_return_values (GimpProcedure *procedure);

/* looklab-learn.c */

/* Declares plug-in-looklab-learn (Colors > LookLab > Learn Look from
 * Layers...): its arguments, return values, menu and run function. */
GimpProcedure *looklab_learn_procedure_new (GimpPlugIn  *plug_in,
                                            const gchar *name);

/* looklab-colorize.c */

/* Declares plug-in-looklab-colorize (Colors > LookLab > Colorize...):
 * its arguments, menu and run function. */
GimpProcedure *looklab_colorize_procedure_new (GimpPlugIn  *plug_in,
                                               const gchar *name);

/* looklab-match.c */

/* Declares plug-in-looklab-match (Colors > LookLab > Match Look to
 * Reference...): its arguments, return values, menu and run function. */
GimpProcedure *looklab_match_procedure_new (GimpPlugIn  *plug_in,
                                            const gchar *name);

#endif /* LOOKLAB_PLUGIN_H */
