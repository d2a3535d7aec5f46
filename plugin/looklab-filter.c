/* LookLab GIMP 3 plug-in: applying a look through the GEGL operation
 * looklab:apply (op/looklab-apply.c), inside GIMP's own process.
 *
 * A layer gets it as a non-destructive filter (GIMP's layer effects: the
 * user can reopen, retune, toggle it, and XCF saves it); a channel, a
 * layer mask or a destructive call merges it in place, still without
 * moving the pixels through the plug-in.  The op reads its LUT from a
 * file, so a look that exists only in memory (the one stored on the image,
 * the one just learned) is first written to a content-addressed cache.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "looklab-plugin.h"
#include "looklab-space.h"

/* The look cache: $XDG_DATA_HOME/looklab/looks/<sha256>.look.  Data, not
 * cache: an XCF's filter points at these files, and the image would
 * render without its look if a cache cleaner removed them. */
gchar *
looklab_look_cache_file (const LookLabLook *look, GError **error)
{
  void   *data = NULL;
  size_t  len = 0;
  gchar  *sum = NULL, *dir = NULL, *name = NULL, *path = NULL;
  GError *local = NULL;
  int     status;

  status = looklab_look_serialize (look, &data, &len);
  if (status != LOOKLAB_OK)
    {
      looklab_set_core_error (error, status, NULL, NULL);
      goto out;
    }

  sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, len);
  dir = g_build_filename (g_get_user_data_dir (), "looklab", "looks", NULL);
  name = g_strconcat (sum, ".look", NULL);
  path = g_build_filename (dir, name, NULL);

  /* The name is the content's hash: a file already there holds the same
   * look (unless damaged, which its size tells). */
  {
    GStatBuf st;

    if (g_stat (path, &st) == 0 && (size_t) st.st_size == len)
      goto out;
  }

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_set_error (error, GIMP_PLUG_IN_ERROR, 0,
                   _ ("Could not create the folder '%s': %s"), dir,
                   g_strerror (errno));
      g_clear_pointer (&path, g_free);
      goto out;
    }
  /* Written to a temporary file and renamed: never half a look. */
  if (!g_file_set_contents (path, data, (gssize) len, &local))
    {
      g_set_error (error, GIMP_PLUG_IN_ERROR, 0,
                   _ ("Could not write the look to '%s': %s"), path,
                   local->message);
      g_clear_error (&local);
      g_clear_pointer (&path, g_free);
      goto out;
    }

out:
  free (data);
  g_free (sum);
  g_free (dir);
  g_free (name);
  return path;
}

/* Sets the filter's interpolation, whatever type GIMP gave the property:
 * libgimp turns a GEGL enum into a GimpChoice (its nicks), older code
 * paths keep the enum. */
static void
set_interpolation (GObject *config, LookLabInterp interp)
{
  const gchar *nick
      = interp == LOOKLAB_INTERP_TRILINEAR ? "trilinear" : "tetrahedral";
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (config),
                                                    "interpolation");

  if (pspec == NULL)
    return;
  if (G_PARAM_SPEC_VALUE_TYPE (pspec) == G_TYPE_STRING)
    {
      g_object_set (config, "interpolation", nick, NULL);
    }
  else if (G_TYPE_IS_ENUM (G_PARAM_SPEC_VALUE_TYPE (pspec)))
    {
      GEnumClass *klass = g_type_class_ref (G_PARAM_SPEC_VALUE_TYPE (pspec));
      GEnumValue *value = g_enum_get_value_by_nick (klass, nick);

      if (value != NULL)
        g_object_set (config, "interpolation", value->value, NULL);
      g_type_class_unref (klass);
    }
}

gboolean
looklab_filter_available (GimpDrawable *drawable)
{
  GimpDrawableFilter *probe;
  GimpPlugIn         *plug_in;
  GimpPDBErrorHandler handler;

  /* The pixel path on purpose: bench/bench-gimp.py's "before" rows and
   * troubleshooting (README, "The GEGL operation"). */
  if (g_getenv ("LOOKLAB_NO_GEGL_OP") != NULL)
    return FALSE;

  /* libgimp 3.0 has no "is this op installed" call: a filter that GIMP
   * refuses to create says so.  It is never appended, and deleted.  The
   * refusal is ours to handle: without this GIMP reports it as a calling
   * error, to the user, on every Apply. */
  plug_in = gimp_get_plug_in ();
  handler = gimp_plug_in_get_pdb_error_handler (plug_in);
  gimp_plug_in_set_pdb_error_handler (plug_in, GIMP_PDB_ERROR_HANDLER_PLUGIN);
  probe = gimp_drawable_filter_new (drawable, LOOKLAB_OP_NAME, NULL);
  gimp_plug_in_set_pdb_error_handler (plug_in, handler);
  if (probe == NULL)
    return FALSE;
  gimp_drawable_filter_delete (probe);
  return TRUE;
}

gboolean
looklab_filter_apply (GimpImage *image, GimpDrawable **drawables,
                      const gchar *path, const gchar *name,
                      LookLabInterp interp, gdouble strength,
                      gboolean non_destructive, GError **error)
{
  gint n = gimp_core_object_array_get_length ((GObject **) drawables);
  gint i;

  if (!looklab_check_drawables (drawables, error))
    return FALSE;

  gimp_image_undo_group_start (image);
  for (i = 0; i < n; i++)
    {
      GimpDrawable       *drawable = drawables[i];
      GimpDrawableFilter *filter;
      GObject            *config;

      filter = gimp_drawable_filter_new (drawable, LOOKLAB_OP_NAME, name);
      if (filter == NULL)
        {
          gimp_image_undo_group_end (image);
          g_set_error (error, GIMP_PLUG_IN_ERROR, 0,
                       _ ("GIMP could not create the %s filter on '%s'."),
                       LOOKLAB_OP_NAME,
                       gimp_item_get_name (GIMP_ITEM (drawable)));
          return FALSE;
        }

      config = G_OBJECT (gimp_drawable_filter_get_config (filter));
      g_object_set (config, "file", path, "strength", strength, NULL);
      set_interpolation (config, interp);

      /* Layer effects exist for layers only (not channels or masks). */
      if (non_destructive && GIMP_IS_LAYER (drawable)
          && !GIMP_IS_LAYER_MASK (drawable))
        gimp_drawable_append_filter (drawable, filter);
      else
        gimp_drawable_merge_filter (drawable, filter);
    }
  gimp_image_undo_group_end (image);
  return TRUE;
}

void
looklab_filter_tell_missing (void)
{
  gchar *stamp = g_build_filename (g_get_user_cache_dir (), "looklab",
                                   "op-missing-told", NULL);
  gchar *dir = g_path_get_dirname (stamp);

  if (!g_file_test (stamp, G_FILE_TEST_EXISTS))
    {
      g_message (_ ("LookLab's GEGL operation %s is not installed, so looks "
                    "are applied by copying the pixels through the plug-in: "
                    "slower, and not as a non-destructive filter.  See "
                    "LookLab's README, \"The GEGL operation\"."),
                 LOOKLAB_OP_NAME);
      g_mkdir_with_parents (dir, 0755);
      g_file_set_contents (stamp, "", 0, NULL);
    }
  g_free (dir);
  g_free (stamp);
}

gboolean
looklab_learned_look_prepare (const LookLabLook *look, const Babl *look_space,
                              GimpDrawable **drawables, gchar **cached,
                              LookLabLut **lut, GError **error)
{
  *cached = NULL;
  *lut = NULL;
  if (gimp_core_object_array_get_length ((GObject **) drawables) == 0)
    return TRUE;

  /* Through looklab:apply, in GIMP's process, from the look cache's file
   * (which a non-destructive filter keeps pointing to). */
  if (looklab_space_same (look_space, NULL)
      && looklab_filter_available (drawables[0]))
    {
      *cached = looklab_look_cache_file (look, error);
      return *cached != NULL;
    }

  /* The op works in sRGB: another look space, or no op, goes through the
   * plug-in's own pixel path. */
  if (looklab_space_same (look_space, NULL))
    looklab_filter_tell_missing ();
  if (looklab_look_has_spatial (look))
    return TRUE;
  *lut = looklab_look_bake (look, LOOKLAB_APPLY_BAKE_SIZE, 0);
  if (*lut == NULL)
    {
      looklab_set_core_error (error, LOOKLAB_ERR_NOMEM, NULL, NULL);
      return FALSE;
    }
  return TRUE;
}

gboolean
looklab_learned_look_apply (GimpImage *image, GimpDrawable **drawables,
                            const LookLabLook *look, const gchar *cached,
                            const LookLabLut *lut, const gchar *name,
                            gboolean non_destructive, const Babl *look_space,
                            GError **error)
{
  if (cached != NULL
      && !looklab_filter_apply (image, drawables, cached, name,
                                LOOKLAB_INTERP_TETRAHEDRAL, 1.0,
                                non_destructive, error))
    return FALSE;
  if (lut != NULL
      && !looklab_apply_lut_to_drawables (image, drawables, lut,
                                          LOOKLAB_INTERP_TETRAHEDRAL, 1.0,
                                          look_space, error))
    return FALSE;
  if (cached == NULL && lut == NULL && looklab_look_has_spatial (look)
      && gimp_core_object_array_get_length ((GObject **) drawables) > 0
      && !looklab_apply_look_to_drawables (image, drawables, look, 1.0,
                                           look_space, error))
    return FALSE;
  return TRUE;
}
