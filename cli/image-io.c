/* The looklab CLI: image I/O through GEGL's load and save operations. */
#include "image-io.h"

#include "common/atomic-file.h"
#include "image-check.h"
#include "image-written.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gegl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "looklab-space.h"
#include "png-profile.h"

const char *
looklab_image_babl_name (LookLabPixelFormat format)
{
  switch (format)
    {
      case LOOKLAB_PIXEL_RGB_U8: return "R'G'B' u8";
      case LOOKLAB_PIXEL_RGBA_U8: return "R'G'B'A u8";
      case LOOKLAB_PIXEL_RGB_U16: return "R'G'B' u16";
      case LOOKLAB_PIXEL_RGBA_U16: return "R'G'B'A u16";
      case LOOKLAB_PIXEL_RGB_FLOAT: return "R'G'B' float";
      case LOOKLAB_PIXEL_RGBA_FLOAT: return "R'G'B'A float";
    }
  return "R'G'B'A float";
}

/* The core format closest to what the file holds: no precision lost. */
static LookLabPixelFormat
format_for_babl (const Babl *format)
{
  const Babl *type = babl_format_get_type (format, 0);
  gboolean    alpha = babl_format_has_alpha (format);

  if (type == babl_type ("u8"))
    return alpha ? LOOKLAB_PIXEL_RGBA_U8 : LOOKLAB_PIXEL_RGB_U8;
  if (type == babl_type ("u16"))
    return alpha ? LOOKLAB_PIXEL_RGBA_U16 : LOOKLAB_PIXEL_RGB_U16;
  return alpha ? LOOKLAB_PIXEL_RGBA_FLOAT : LOOKLAB_PIXEL_RGB_FLOAT;
}

LookLabPixelFormat
looklab_pixel_format_float (LookLabPixelFormat format)
{
  return looklab_pixel_format_channels (format) == 4 ? LOOKLAB_PIXEL_RGBA_FLOAT
                                                     : LOOKLAB_PIXEL_RGB_FLOAT;
}

LookLabImage *
looklab_image_new (int width, int height, LookLabPixelFormat format,
                   const void *space)
{
  LookLabImage *image;
  gsize         stride, bytes;

  if (width <= 0 || height <= 0
      || (gint64) width * height > LOOKLAB_CLI_MAX_PIXELS)
    return NULL;
  if (!g_size_checked_mul (&stride, (gsize) width,
                           looklab_pixel_format_bytes (format))
      || !g_size_checked_mul (&bytes, stride, (gsize) height))
    return NULL;
  image = g_new0 (LookLabImage, 1);
  image->data = g_try_malloc (bytes);
  if (image->data == NULL)
    {
      g_free (image);
      return NULL;
    }
  image->view.pixels = image->data;
  image->view.format = format;
  image->view.width = width;
  image->view.height = height;
  image->view.stride = stride;
  image->space = space;
  return image;
}

gboolean
looklab_image_convert (LookLabImage *image, const void *space,
                       LookLabPixelFormat format, GError **error)
{
  LookLabImage *converted;
  const Babl   *from, *to;

  if (looklab_space_same (image->space, space) && image->view.format == format)
    return TRUE;
  converted = looklab_image_new (image->view.width, image->view.height, format,
                                 space);
  if (converted == NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOMEM,
                   _ ("not enough memory for %d x %d pixels"),
                   image->view.width, image->view.height);
      return FALSE;
    }
  from = babl_format_with_space (looklab_image_babl_name (image->view.format),
                                 image->space);
  to = babl_format_with_space (looklab_image_babl_name (format), space);
  /* Both images are packed (stride = width x pixel size). */
  babl_process (babl_fish (from, to), image->data, converted->data,
                (long) image->view.width * image->view.height);
  g_free (image->data);
  image->data = converted->data;
  image->view = converted->view;
  image->space = space;
  g_free (converted);
  return TRUE;
}

void
looklab_image_free (LookLabImage *image)
{
  if (image == NULL)
    return;
  g_free (image->data);
  g_free (image);
}

/* The GEGL loader for what @path holds, told by its first bytes, or NULL.
 * Named here rather than left to gegl:load, which falls back to
 * gegl:magick-load (ImageMagick in a subprocess) for anything it does not
 * know: that reads a .cube as an image, and when it fails it reports a
 * nonsense size instead of an error.  These are the formats the saver
 * writes, plus PPM/PGM. */
static const char *
loader_for (const char *path)
{
  static const struct
  {
    const char *magic;
    gsize       offset, length;
    const char *op;
  } loaders[] = {
    { "\x89PNG\r\n\x1a\n", 0, 8, "gegl:png-load" },
    { "\xff\xd8\xff", 0, 3, "gegl:jpg-load" },
    { "II*\0", 0, 4, "gegl:tiff-load" },
    { "MM\0*", 0, 4, "gegl:tiff-load" },
    { "II+\0", 0, 4, "gegl:tiff-load" }, /* BigTIFF */
    { "MM\0+", 0, 4, "gegl:tiff-load" },
    { "v/1\x01", 0, 4, "gegl:exr-load" },
    { "WEBP", 8, 4, "gegl:webp-load" }, /* after "RIFF" and a size */
    { "P6", 0, 2, "gegl:ppm-load" },
    { "P5", 0, 2, "gegl:ppm-load" },
  };
  unsigned char head[16];
  gsize         got = 0, i;
  FILE         *f = g_fopen (path, "rb");

  if (f == NULL)
    return NULL;
  got = fread (head, 1, sizeof head, f);
  fclose (f);
  for (i = 0; i < G_N_ELEMENTS (loaders); i++)
    if (got >= loaders[i].offset + loaders[i].length
        && memcmp (head + loaders[i].offset, loaders[i].magic,
                   loaders[i].length)
               == 0
        && (loaders[i].offset == 0 || memcmp (head, "RIFF", 4) == 0))
      return gegl_has_operation (loaders[i].op) ? loaders[i].op : NULL;
  return NULL;
}

/* GEGL's loaders (png, jpg, tiff; 0.4.42 to 0.4.62) meet a profile babl
 * cannot read with a g_warning ("unable to create babl space from icc",
 * "error creating space from icc") and go on in sRGB: the colours come out
 * wrong without an error.  The warning is caught while loading and turned
 * into one. */
static void
catch_profile_warning (const gchar *domain, GLogLevelFlags level,
                       const gchar *message, gpointer user_data)
{
  char **caught = user_data;

  if (message != NULL && strstr (message, "space from icc") != NULL)
    {
      const char *why = strstr (message, "icc:");

      /* babl's reason follows "icc:" */
      if (*caught == NULL)
        *caught = g_strstrip (g_strdup (why != NULL ? why + 4 : message));
      return;
    }
  g_log_default_handler (domain, level, message, NULL);
}

/* The ICC profile of the extended WebP at @path (its ICCP chunk: the WebP
 * container specification, "Extended File Format"), or NULL.  GEGL's
 * webp-load (0.4.42) ignores it and hands the values over as sRGB. */
static guint8 *
webp_icc (const char *path, gsize *len)
{
  FILE   *f = g_fopen (path, "rb");
  guint8  head[12], chunk[8];
  guint8 *icc = NULL;
  int     i;

  if (f == NULL)
    return NULL;
  if (fread (head, 1, 12, f) == 12 && memcmp (head, "RIFF", 4) == 0
      && memcmp (head + 8, "WEBP", 4) == 0)
    /* ICCP comes right after VP8X when it is there at all. */
    for (i = 0; i < 4 && fread (chunk, 1, 8, f) == 8; i++)
      {
        guint32 size = chunk[4] | (chunk[5] << 8) | (chunk[6] << 16)
                       | ((guint32) chunk[7] << 24);

        if (memcmp (chunk, "ICCP", 4) == 0)
          {
            /* A profile is kilobytes; 16 MiB is far beyond any real one. */
            if (size > 0 && size <= 16 * 1024 * 1024
                && (icc = g_try_malloc (size)) != NULL
                && fread (icc, 1, size, f) != size)
              g_clear_pointer (&icc, g_free);
            *len = size;
            break;
          }
        if (fseek (f, (long) size + (size & 1), SEEK_CUR) != 0)
          break;
      }
  fclose (f);
  return icc;
}

/* TRUE when @format holds CMYK: GEGL's jpg-load hands CMYK JPEGs over as
 * "cmyk u8" or "CMYK u8", which read as RGB gives colours 67 levels off
 * on average (issue 25). */
static gboolean
format_is_cmyk (const Babl *format)
{
  const char *model = babl_get_name (babl_format_get_model (format));

  return babl_space_is_cmyk (babl_format_get_space (format))
         || g_ascii_strncasecmp (model, "cmyk", 4) == 0
         || g_ascii_strncasecmp (model, "camayaka", 8) == 0;
}

LookLabImage *
looklab_image_load (const char *path, GError **error)
{
  g_autofree char *bad_profile = NULL;
  guint            handlers[2];
  g_autoptr (GeglNode) graph = NULL;
  GeglNode     *load, *sink;
  GeglBuffer   *buffer = NULL;
  const Babl   *src_format, *space, *file_space, *fmt;
  GeglRectangle rect;
  LookLabImage *image = NULL;
  const char   *loader;

  if (!looklab_cli_check_input (path, error))
    return NULL;

  loader = loader_for (path);
  if (loader == NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _ ("%s: not an image this tool can read (PNG, JPEG, TIFF, "
                      "OpenEXR, WebP, PPM)"),
                   path);
      return NULL;
    }

  /* Before GEGL reads the file: a truncated or damaged file is an error,
   * not an image with black rows, nor a hang (GEGL 0.4.42's jpg-load
   * spins at the end of a JPEG cut within its headers; image-check.h). */
  if (!looklab_image_check_complete (path, error))
    return NULL;

  graph = gegl_node_new ();
  load = gegl_node_new_child (graph, "operation", loader, "path", path, NULL);
  handlers[0] = g_log_set_handler (NULL, G_LOG_LEVEL_WARNING,
                                   catch_profile_warning, &bad_profile);
  handlers[1] = g_log_set_handler ("GEGL", G_LOG_LEVEL_WARNING,
                                   catch_profile_warning, &bad_profile);
  rect = gegl_node_get_bounding_box (load);
  if (bad_profile == NULL && rect.width > 0 && rect.height > 0
      && (gint64) rect.width * rect.height <= LOOKLAB_CLI_MAX_PIXELS)
    {
      sink = gegl_node_new_child (graph, "operation", "gegl:buffer-sink",
                                  "buffer", &buffer, NULL);
      gegl_node_link (load, sink);
      gegl_node_process (sink);
    }
  g_log_remove_handler (NULL, handlers[0]);
  g_log_remove_handler ("GEGL", handlers[1]);
  if (bad_profile != NULL)
    {
      g_clear_object (&buffer);
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   /* TRANSLATORS: the second %s is babl's reason */
                   _ ("%s: the embedded colour profile is broken (%s); "
                      "repair it or remove it"),
                   path, bad_profile);
      return NULL;
    }
  if (rect.width <= 0 || rect.height <= 0)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _ ("%s: not an image this tool can read"), path);
      return NULL;
    }
  if ((gint64) rect.width * rect.height > LOOKLAB_CLI_MAX_PIXELS)
    {
      g_set_error (
          error, G_FILE_ERROR, G_FILE_ERROR_NOMEM,
          /* TRANSLATORS: the last number is the limit in megapixels */
          _ ("%s: %d x %d pixels is more than the limit of %d megapixels"),
          path, rect.width, rect.height,
          (int) (LOOKLAB_CLI_MAX_PIXELS / 1000000));
      return NULL;
    }

  if (buffer == NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _ ("%s: not an image this tool can read (cannot decode)"),
                   path);
      return NULL;
    }

  src_format = gegl_buffer_get_format (buffer);
  if (format_is_cmyk (src_format))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _ ("%s: a CMYK image; convert it to RGB first (looks "
                      "work on RGB)"),
                   path);
      g_object_unref (buffer);
      return NULL;
    }
  space = babl_format_get_space (src_format);
  file_space = space;
  if (strcmp (loader, "gegl:webp-load") == 0
      && looklab_space_same (space, NULL))
    {
      gsize              icc_len = 0;
      g_autofree guint8 *icc = webp_icc (path, &icc_len);
      const char        *why = NULL;

      if (icc != NULL)
        {
          file_space = babl_space_from_icc (
              (const char *) icc, (int) icc_len,
              BABL_ICC_INTENT_RELATIVE_COLORIMETRIC, &why);
          if (file_space == NULL)
            {
              g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                           _ ("%s: the embedded colour profile is broken "
                              "(%s); repair it or remove it"),
                           path, why != NULL ? why : "?");
              g_object_unref (buffer);
              return NULL;
            }
        }
    }
  image = looklab_image_new (rect.width, rect.height,
                             format_for_babl (src_format), file_space);
  if (image == NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOMEM,
                   _ ("%s: not enough memory for %d x %d pixels"), path,
                   rect.width, rect.height);
      g_object_unref (buffer);
      return NULL;
    }
  /* In the buffer's own space: for a WebP whose profile GEGL ignored, the
   * values as stored (image->space is that profile's). */
  fmt = babl_format_with_space (looklab_image_babl_name (image->view.format),
                                space);
  gegl_buffer_get (buffer, &rect, 1.0, fmt, image->data, image->view.stride,
                   GEGL_ABYSS_NONE);
  g_object_unref (buffer);
  if (!looklab_image_apply_orientation (&image, path, error))
    {
      looklab_image_free (image);
      return NULL;
    }
  return image;
}

/* The GEGL saver for @path's extension.  Named here rather than left to
 * gegl:save so that bit depth can be set: png-save writes 16-bit unless
 * told otherwise. */
static const char *
saver_for (const char *path)
{
  static const struct
  {
    const char *ext;
    const char *op;
  } savers[] = {
    { ".png", "gegl:png-save" },   { ".jpg", "gegl:jpg-save" },
    { ".jpeg", "gegl:jpg-save" },  { ".tif", "gegl:tiff-save" },
    { ".tiff", "gegl:tiff-save" }, { ".exr", "gegl:exr-save" },
    { ".webp", "gegl:webp-save" },
  };
  const char *dot = strrchr (path, '.');
  size_t      i;

  if (dot == NULL)
    return NULL;
  for (i = 0; i < G_N_ELEMENTS (savers); i++)
    if (g_ascii_strcasecmp (dot, savers[i].ext) == 0
        && gegl_has_operation (savers[i].op))
      return savers[i].op;
  return NULL;
}

/* The bit depth to ask of @saver for @format: what the image has, and for
 * float the format's float where it has one (TIFF: 32-bit IEEE, not the
 * 16-bit half that "16" means for a float TIFF), else 16-bit (PNG). */
static int
save_bitdepth (const char *saver, LookLabPixelFormat format)
{
  switch (format)
    {
      case LOOKLAB_PIXEL_RGB_U8:
      case LOOKLAB_PIXEL_RGBA_U8: return 8;
      case LOOKLAB_PIXEL_RGB_U16:
      case LOOKLAB_PIXEL_RGBA_U16: return 16;
      case LOOKLAB_PIXEL_RGB_FLOAT:
      case LOOKLAB_PIXEL_RGBA_FLOAT: break;
    }
  return strcmp (saver, "gegl:png-save") == 0 ? 16 : 32;
}

/* The save under way, for save_at_exit (). */
static struct
{
  const char           *path, *tmp, *saver;
  LookLabStderrCapture *capture;
} saving;

/* A saver that calls exit () (libjpeg's default error handler does when a
 * write fails) ends the program inside gegl_node_process (): say why
 * before the temporary file is removed (common/atomic-file.h). */
static void
save_at_exit (void)
{
  g_autoptr (GError) error = NULL;

  if (saving.tmp == NULL)
    return;
  looklab_stderr_capture_end (saving.capture, TRUE);
  looklab_image_check_written (saving.tmp, saving.saver, &error);
  fputs ("looklab: ", stderr);
  if (error != NULL)
    fprintf (stderr, _ ("%s: the image could not be written: %s"), saving.path,
             error->message);
  else
    fprintf (stderr, _ ("%s: the image could not be written"), saving.path);
  fputc ('\n', stderr);
  g_unlink (saving.tmp);
}

gboolean
looklab_image_save (const LookLabImage *image, const char *path, GError **error)
{
  g_autoptr (GeglNode) graph = NULL;
  g_autoptr (GeglBuffer) buffer = NULL;
  g_autoptr (GError) check_error = NULL;
  g_autofree char     *target = NULL, *dir = NULL, *base = NULL;
  g_autofree char     *tmp_dir = NULL, *tmp = NULL;
  const char          *saver = saver_for (path);
  const Babl          *fmt;
  GeglRectangle        rect = { 0, 0, image->view.width, image->view.height };
  GeglNode            *src, *save;
  LookLabStderrCapture capture;
  gboolean             checked, ok = FALSE;
  mode_t               mode;
  int                  dir_slot, tmp_slot, png_icc_len = 0;
  const char          *png_icc;

  if (saver == NULL)
    {
      g_set_error (
          error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
          _ ("%s: unknown image type (use .png, .jpg, .tif, .exr or .webp)"),
          path);
      return FALSE;
    }

  /* A link to a file is written through (the file is replaced, the link
   * stays); the new file keeps the old one's permission bits. */
  {
    char *resolved = looklab_atomic_file_resolve (path);
    target = g_strdup (resolved != NULL ? resolved : path);
    free (resolved);
  }
  mode = looklab_atomic_file_mode (target);
  dir = g_path_get_dirname (target);
  base = g_path_get_basename (target);

  /* GEGL writes into a private folder beside the target (so the final
   * rename stays on one file system), under the target's own name (so the
   * extension is kept).  The file does not exist before GEGL creates it,
   * so GIO's replace writes it in place rather than through a
   * .goutputstream-XXXXXX of its own, which nothing could clean up. */
  tmp_dir = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);
  if (g_mkdtemp (tmp_dir) == NULL)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   _ ("%s: cannot create a file in %s: %s"), path, dir,
                   g_strerror (saved));
      return FALSE;
    }
  tmp = g_build_filename (tmp_dir, base, NULL);
  dir_slot = looklab_atomic_file_track (tmp_dir, 1);
  tmp_slot = looklab_atomic_file_track (tmp, 0);

  /* png-save and webp-save are handed the pixels labelled sRGB, whatever
   * their space, so that png-save writes consistent sRGB chunks and
   * webp-save the values as they are; the profile goes in after
   * (png-profile.h says why). */
  png_icc = NULL;
  if ((strcmp (saver, "gegl:png-save") == 0
       || strcmp (saver, "gegl:webp-save") == 0)
      && !looklab_space_same (image->space, NULL))
    png_icc = babl_space_get_icc (image->space, &png_icc_len);
  fmt = babl_format_with_space (looklab_image_babl_name (image->view.format),
                                png_icc != NULL ? NULL : image->space);
  buffer = gegl_buffer_linear_new_from_data (
      image->data, fmt, &rect, (gint) image->view.stride, NULL, NULL);
  graph = gegl_node_new ();
  src = gegl_node_new_child (graph, "operation", "gegl:buffer-source", "buffer",
                             buffer, NULL);
  save = gegl_node_new_child (graph, "operation", saver, "path", tmp, NULL);
  if (gegl_operation_find_property (saver, "bitdepth") != NULL)
    gegl_node_set (save, "bitdepth", save_bitdepth (saver, image->view.format),
                   NULL);
  gegl_node_link (src, save);
  if (saving.capture == NULL)
    atexit (save_at_exit);
  saving.path = path;
  saving.tmp = tmp;
  saving.saver = saver;
  saving.capture = &capture;
  looklab_stderr_capture_begin (&capture);
  gegl_node_process (save);
  saving.tmp = NULL;

  /* GEGL's savers report a failed write only on the console: check the
   * file itself (cli/image-written.h). */
  checked = looklab_image_check_written (tmp, saver, &check_error);
  looklab_stderr_capture_end (&capture, checked);
  if (!checked)
    g_set_error (error, G_FILE_ERROR, check_error->code,
                 _ ("%s: the image could not be written: %s"), path,
                 check_error->message);
  else if (png_icc != NULL
           && !(strcmp (saver, "gegl:png-save") == 0
                    ? looklab_png_set_profile (tmp, png_icc,
                                               (gsize) png_icc_len, error)
                    : looklab_webp_set_profile (tmp, png_icc,
                                                (gsize) png_icc_len, error)))
    ; /* @error is set */
  else if (g_chmod (tmp, mode) != 0 || g_rename (tmp, target) != 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "%s: %s", path, g_strerror (saved));
    }
  else
    ok = TRUE;

  if (!ok)
    g_unlink (tmp);
  g_rmdir (tmp_dir);
  looklab_atomic_file_forget (tmp_slot);
  looklab_atomic_file_forget (dir_slot);
  return ok;
}
