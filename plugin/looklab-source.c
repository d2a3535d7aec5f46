/* LookLab GIMP 3 plug-in: where a look comes from (a .cube file, a look
 * file, or the look stored on the image) and where it goes (a parasite). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>

#include "lut/cube-io.h"
#include "looklab-plugin.h"

/* Enough for looklab_look_sniff (), which needs at least 8. */
#define SNIFF_BYTES 16

static gboolean
load_file (GFile *file, LookLabSource *source, GError **error)
{
  gchar        *path = g_file_get_path (file);
  gchar        *name = g_file_get_parse_name (file);
  unsigned char head[SNIFF_BYTES];
  size_t        n_head = 0;
  FILE         *fp;
  LookLabDiag   diag = { 0 };
  int           status;
  gboolean      ok = FALSE;

  if (path == NULL)
    {
      g_set_error (error, GIMP_PLUG_IN_ERROR, 0,
                   _ ("'%s' is not a local file."), name);
      goto out;
    }

  fp = fopen (path, "rb");
  if (fp == NULL)
    {
      g_set_error (error, GIMP_PLUG_IN_ERROR, 0, _ ("Could not open '%s': %s"),
                   name, g_strerror (errno));
      goto out;
    }
  n_head = fread (head, 1, sizeof head, fp);
  fclose (fp);

  /* Content decides, not the extension: a renamed look still loads. */
  if (n_head >= 8 && looklab_look_sniff (head, n_head))
    status = looklab_look_load (path, &source->look, &diag);
  else
    status = looklab_cube_read (path, &source->lut, &diag);

  if (status != LOOKLAB_OK)
    {
      looklab_set_core_error (error, status, &diag, name);
      goto out;
    }
  ok = TRUE;

out:
  g_free (path);
  g_free (name);
  return ok;
}

static gboolean
load_parasite (GimpImage *image, LookLabSource *source, GError **error)
{
  GimpParasite *parasite = NULL;
  gconstpointer data;
  guint32       size = 0;
  LookLabDiag   diag = { 0 };
  int           status;
  gboolean      ok = FALSE;

  if (image != NULL)
    parasite = gimp_image_get_parasite (image, LOOKLAB_PARASITE_LOOK);
  if (parasite == NULL)
    {
      g_set_error_literal (error, GIMP_PLUG_IN_ERROR, 0,
                           _ ("No look file was given and the image holds no "
                              "learned look.  Choose a .cube or look file, or "
                              "learn a look first."));
      goto out;
    }

  data = gimp_parasite_get_data (parasite, &size);
  status = looklab_look_deserialize (data, size, &source->look, &diag);
  if (status != LOOKLAB_OK)
    {
      looklab_set_core_error (error, status, &diag,
                              _ ("the look stored in the image"));
      goto out;
    }
  ok = TRUE;

out:
  if (parasite != NULL)
    gimp_parasite_free (parasite);
  return ok;
}

gchar *
looklab_source_file_path (GFile *file)
{
  gchar *name;
  gchar *path = NULL;

  if (file == NULL)
    return NULL;
  name = g_file_get_parse_name (file);
  /* Script-Fu turns "" into a GFile with an empty name: "no file". */
  if (name != NULL && name[0] != '\0')
    path = g_file_get_path (file);
  g_free (name);
  return path;
}

gboolean
looklab_source_load (GimpImage *image, GFile *file, LookLabSource *source,
                     GError **error)
{
  source->lut = NULL;
  source->look = NULL;

  if (file != NULL)
    {
      gchar   *name = g_file_get_parse_name (file);
      gboolean empty = name == NULL || name[0] == '\0';

      g_free (name);
      /* Script-Fu turns "" into a GFile with an empty name: "no file". */
      if (!empty)
        return load_file (file, source, error);
    }

  return load_parasite (image, source, error);
}

void
looklab_source_clear (LookLabSource *source)
{
  looklab_lut_free (source->lut);
  looklab_look_free (source->look);
  source->lut = NULL;
  source->look = NULL;
}

LookLabLut *
looklab_source_to_lut (const LookLabSource *source, gint size, GError **error)
{
  LookLabLut *lut = NULL;

  if (source->look != NULL)
    {
      lut = looklab_look_bake (source->look, size, 0);
    }
  else if (source->lut != NULL && size == source->lut->size
           && source->lut->shaper_size == 0)
    {
      /* Same size: a copy, so that the caller owns what it gets. */
      lut = looklab_lut_new (size);
      if (lut != NULL)
        {
          memcpy (lut->table, source->lut->table,
                  sizeof (float) * 3 * (size_t) size * size * size);
          memcpy (lut->domain_min, source->lut->domain_min,
                  sizeof lut->domain_min);
          memcpy (lut->domain_max, source->lut->domain_max,
                  sizeof lut->domain_max);
        }
    }
  else if (source->lut != NULL)
    {
      /* Resample over [0, 1] through shaper and domain with the core's
       * reference evaluator (tetrahedral, double precision). */
      lut = looklab_lut_new (size);
      if (lut != NULL)
        {
          gint r, g, b;

          for (b = 0; b < size; b++)
            for (g = 0; g < size; g++)
              for (r = 0; r < size; r++)
                {
                  float in[3]
                      = { (float) r / (size - 1), (float) g / (size - 1),
                          (float) b / (size - 1) };
                  float *o
                      = lut->table + (((size_t) b * size + g) * size + r) * 3;

                  looklab_lut_eval (source->lut, in, o);
                }
        }
    }

  if (lut == NULL)
    looklab_set_core_error (error, LOOKLAB_ERR_NOMEM, NULL, NULL);

  return lut;
}

void
looklab_tell_cube_partial (const LookLabLook *look, const gchar *name)
{
  if (look != NULL && looklab_look_has_spatial (look))
    g_message (_ ("'%s' holds the look's colours only: a .cube cannot hold "
                  "its vignette, gradient or local contrast.  Save a look "
                  "file to keep them."),
               name);
}

gboolean
looklab_save_look (const LookLabLook *look, GFile *file, gint lut_size,
                   const gchar *title, GError **error)
{
  gchar      *path = g_file_get_path (file);
  gchar      *name = g_file_get_parse_name (file);
  LookLabDiag diag = { 0 };
  int         status;

  if (path == NULL)
    {
      g_set_error (error, GIMP_PLUG_IN_ERROR, 0,
                   _ ("'%s' is not a local file."), name);
      g_free (name);
      return FALSE;
    }

  /* The extension picks the format: .cube for other programs, anything
   * else the compact look file. */
  if (g_str_has_suffix (path, ".cube") || g_str_has_suffix (path, ".CUBE"))
    {
      LookLabLut *lut = looklab_look_bake (look, lut_size, 0);

      if (lut == NULL)
        status = LOOKLAB_ERR_NOMEM;
      else
        {
          looklab_lut_set_title (lut, title);
          status = looklab_cube_write (lut, path, &diag);
        }
      looklab_lut_free (lut);
      if (status == LOOKLAB_OK)
        looklab_tell_cube_partial (look, name);
    }
  else
    {
      status = looklab_look_save (look, path, &diag);
    }

  if (status != LOOKLAB_OK)
    looklab_set_core_error (error, status, &diag, name);

  g_free (path);
  g_free (name);
  return status == LOOKLAB_OK;
}

gboolean
looklab_store_look (GimpImage *image, const LookLabLook *look, GError **error)
{
  GimpParasite *parasite;
  void         *data = NULL;
  size_t        len = 0;
  int           status;
  gboolean      ok;

  status = looklab_look_serialize (look, &data, &len);
  if (status != LOOKLAB_OK || len > G_MAXUINT32)
    {
      free (data);
      looklab_set_core_error (
          error, status != LOOKLAB_OK ? status : LOOKLAB_ERR_LIMIT, NULL, NULL);
      return FALSE;
    }

  parasite = gimp_parasite_new (
      LOOKLAB_PARASITE_LOOK, GIMP_PARASITE_PERSISTENT | GIMP_PARASITE_UNDOABLE,
      (guint32) len, data);
  ok = gimp_image_attach_parasite (image, parasite);
  gimp_parasite_free (parasite);
  free (data);

  if (!ok)
    g_set_error_literal (error, GIMP_PLUG_IN_ERROR, 0,
                         _ ("Could not store the look in the image."));
  return ok;
}
