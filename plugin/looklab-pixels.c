/* LookLab GIMP 3 plug-in: moving pixels between GIMP drawables and the
 * core's interleaved buffers. */
#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "looklab-plugin.h"
#include "looklab-space.h"

/* Rows handed to the core at a time: big enough for its threads to share,
 * small enough to keep the progress bar moving and memory flat. */
#define STRIP_ROWS 128

void
looklab_add_space_argument (GimpProcedure *procedure)
{
  gimp_procedure_add_choice_argument (
      procedure, LOOKLAB_SPACE_ARG, _ ("Look _space"),
      _ ("The colour space the look or LUT works in: sRGB for looks and "
         "most LUTs, Rec.709 for LUTs made for video.  The image's pixels "
         "are converted from its own profile into it and back"),
      gimp_choice_new_with_values ("srgb", 0, _ ("sRGB"), NULL, "rec709", 1,
                                   _ ("Rec.709 (video)"), NULL, NULL),
      LOOKLAB_SPACE_DEFAULT, G_PARAM_READWRITE);
}

const Babl *
looklab_config_space (GimpProcedureConfig *config, GError **error)
{
  g_autofree gchar *name = NULL;
  const Babl       *space;

  g_object_get (config, LOOKLAB_SPACE_ARG, &name, NULL);
  space = looklab_space_lookup (name, error);
  return space;
}

const Babl *
looklab_drawable_format (GimpDrawable *drawable, const Babl *look_space,
                         LookLabPixelFormat *core_format)
{
  const Babl  *own = gimp_drawable_get_format (drawable);
  const Babl  *type = babl_format_get_type (own, 0);
  const gchar *name;

  /* Between two spaces integers would be rounded twice (into the look's
   * space, then back into the image's): float keeps the round trip
   * exact, and the only rounding is the image's own when the result is
   * written. */
  if (look_space != NULL
      && !looklab_space_same (look_space, babl_format_get_space (own)))
    type = babl_type ("float");

  if (type == babl_type ("u8"))
    {
      name = "R'G'B'A u8";
      *core_format = LOOKLAB_PIXEL_RGBA_U8;
    }
  else if (type == babl_type ("u16"))
    {
      name = "R'G'B'A u16";
      *core_format = LOOKLAB_PIXEL_RGBA_U16;
    }
  else
    {
      /* u32, half, float, double: float holds all of them losslessly
       * enough (u32 has more bits than float, but no display or file
       * format GIMP writes tells them apart). */
      name = "R'G'B'A float";
      *core_format = LOOKLAB_PIXEL_RGBA_FLOAT;
    }

  /* A look or .cube is a function of the look space's encoded values
   * (looklab-space.h): babl converts from the image's profile into it on
   * reading and back on writing, so a look looks the same on an Adobe RGB
   * image as on an sRGB one. */
  return babl_format_with_space (name, look_space != NULL ? look_space : own);
}

gboolean
looklab_check_drawable (GimpDrawable *drawable, GError **error)
{
  gint x, y, w, h;

  if (gimp_drawable_is_indexed (drawable))
    {
      g_set_error (error, GIMP_PLUG_IN_ERROR, 0,
                   _ ("'%s' is an indexed layer.  A look changes colours "
                      "freely, which a palette cannot hold: convert the image "
                      "to RGB first (Image > Mode > RGB)."),
                   gimp_item_get_name (GIMP_ITEM (drawable)));
      return FALSE;
    }

  if (!gimp_drawable_mask_intersect (drawable, &x, &y, &w, &h) || w <= 0
      || h <= 0)
    {
      g_set_error (error, GIMP_PLUG_IN_ERROR, 0,
                   _ ("The selection does not touch '%s': there is nothing "
                      "to change."),
                   gimp_item_get_name (GIMP_ITEM (drawable)));
      return FALSE;
    }

  return TRUE;
}

gboolean
looklab_check_drawables (GimpDrawable **drawables, GError **error)
{
  gint n = gimp_core_object_array_get_length ((GObject **) drawables);
  gint i;

  if (n == 0)
    {
      g_set_error_literal (error, GIMP_PLUG_IN_ERROR, 0,
                           _ ("No layer was given to apply the look to."));
      return FALSE;
    }
  /* Every drawable before touching any, so that a bad one among several
   * leaves the image untouched. */
  for (i = 0; i < n; i++)
    if (!looklab_check_drawable (drawables[i], error))
      return FALSE;
  return TRUE;
}

static gboolean
apply_one (GimpDrawable *drawable, const LookLabLut *lut, LookLabInterp interp,
           gdouble strength, const Babl *look_space, gint index,
           gint n_drawables, GError **error)
{
  LookLabPixelFormat core_format;
  const Babl        *format
      = looklab_drawable_format (drawable, look_space, &core_format);
  LookLabLutApplier *applier = NULL;
  GeglBuffer        *src = NULL;
  GeglBuffer        *dst = NULL;
  guchar            *strip = NULL;
  gsize              bpp = babl_format_get_bytes_per_pixel (format);
  gsize              stride;
  gint               x, y, w, h, row;
  gboolean           ok = FALSE;

  if (!gimp_drawable_mask_intersect (drawable, &x, &y, &w, &h))
    {
      ok = TRUE;
      goto out;
    }

  applier
      = looklab_lut_applier_new (lut, core_format, interp, (float) strength);
  if (applier == NULL)
    {
      looklab_set_core_error (error, LOOKLAB_ERR_NOMEM, NULL, NULL);
      goto out;
    }

  if (!g_size_checked_mul (&stride, (gsize) w, bpp)
      || (strip = g_try_malloc ((gsize) stride * MIN (h, STRIP_ROWS))) == NULL)
    {
      looklab_set_core_error (error, LOOKLAB_ERR_NOMEM, NULL,
                              gimp_item_get_name (GIMP_ITEM (drawable)));
      goto out;
    }

  src = gimp_drawable_get_buffer (drawable);
  dst = gimp_drawable_get_shadow_buffer (drawable);

  for (row = 0; row < h; row += STRIP_ROWS)
    {
      GeglRectangle rect = { x, y + row, w, MIN (STRIP_ROWS, h - row) };
      int           status;

      gegl_buffer_get (src, &rect, 1.0, format, strip, stride, GEGL_ABYSS_NONE);
      status = looklab_lut_applier_run (applier, strip, stride, strip, stride,
                                        rect.width, rect.height, 0);
      if (status != LOOKLAB_OK)
        {
          looklab_set_core_error (error, status, NULL, NULL);
          goto out;
        }
      gegl_buffer_set (dst, &rect, 0, format, strip, stride);

      gimp_progress_update ((index + (gdouble) (row + rect.height) / h)
                            / n_drawables);
    }

  gegl_buffer_flush (dst);
  /* Merging the shadow applies the selection mask (feathered edges
   * included) and pushes one undo step. */
  gimp_drawable_merge_shadow (drawable, TRUE);
  gimp_drawable_update (drawable, x, y, w, h);
  ok = TRUE;

out:
  g_free (strip);
  g_clear_object (&src);
  g_clear_object (&dst);
  looklab_lut_applier_free (applier);
  return ok;
}

/* What is applied to each drawable: a LUT, or a look with spatial parts
 * (which no LUT holds). */
typedef struct
{
  const LookLabLut  *lut;
  const LookLabLook *look;
  LookLabInterp      interp;
  gdouble            strength;
  const Babl        *look_space;
} ApplyWhat;

static gboolean apply_look_one (GimpDrawable *drawable, const LookLabLook *look,
                                gdouble strength, const Babl *look_space,
                                GError **error);

/* Applies @what to the selected part of each of @drawables, all checked
 * first, in one undo group, with progress. */
static gboolean
apply_each (GimpImage *image, GimpDrawable **drawables, const ApplyWhat *what,
            GError **error)
{
  gint     n = gimp_core_object_array_get_length ((GObject **) drawables);
  gint     i;
  gboolean ok = TRUE;

  if (!looklab_check_drawables (drawables, error))
    return FALSE;

  gimp_progress_init (_ ("Applying look"));
  gimp_image_undo_group_start (image);
  for (i = 0; i < n && ok; i++)
    {
      ok = what->look != NULL
               ? apply_look_one (drawables[i], what->look, what->strength,
                                 what->look_space, error)
               : apply_one (drawables[i], what->lut, what->interp,
                            what->strength, what->look_space, i, n, error);
      gimp_progress_update ((gdouble) (i + 1) / n);
    }
  gimp_image_undo_group_end (image);
  return ok;
}

gboolean
looklab_apply_lut_to_drawables (GimpImage *image, GimpDrawable **drawables,
                                const LookLabLut *lut, LookLabInterp interp,
                                gdouble strength, const Babl *look_space,
                                GError **error)
{
  ApplyWhat what = { lut, NULL, interp, strength, look_space };

  return apply_each (image, drawables, &what, error);
}

/* Applies every part of @look to the rectangle @rect of @drawable, read
 * in @format (@core_format) with the context the local-contrast part needs
 * around it.  @frame (which holds @rect) is the image the look sees:
 * positions are taken in it and context is read from it alone.  Callers
 * pass the selection's bounds in the drawable, as GIMP gives looklab:apply
 * (a filter's input region is the selection by default, so that GIMP's own
 * gegl:vignette centres on what is selected).  Returns a new buffer of
 * @rect's pixels (free with g_free ()), rows of *@stride bytes, or NULL
 * with @error set. */
static guchar *
apply_look_rect (GimpDrawable *drawable, const LookLabLook *look,
                 const Babl *format, LookLabPixelFormat core_format,
                 gdouble strength, const GeglRectangle *frame,
                 const GeglRectangle *rect, gsize *stride, GError **error)
{
  gint  margin = looklab_look_apply_margin (look, frame->width, frame->height);
  gsize bpp = babl_format_get_bytes_per_pixel (format);
  GeglRectangle    read;
  GeglBuffer      *buffer;
  guchar          *pixels = NULL, *out = NULL;
  gsize            read_stride, total;
  LookLabImageView view;
  LookLabDiag      diag = { 0 };
  gint             status, row;

  read.x = MAX (frame->x, rect->x - margin);
  read.y = MAX (frame->y, rect->y - margin);
  read.width
      = MIN (frame->x + frame->width, rect->x + rect->width + margin) - read.x;
  read.height = MIN (frame->y + frame->height, rect->y + rect->height + margin)
                - read.y;
  if (!g_size_checked_mul (&read_stride, (gsize) read.width, bpp)
      || !g_size_checked_mul (&total, read_stride, (gsize) read.height)
      || (pixels = g_try_malloc (total)) == NULL
      || !g_size_checked_mul (stride, (gsize) rect->width, bpp)
      || (out = g_try_malloc (*stride * rect->height)) == NULL)
    {
      g_free (pixels);
      looklab_set_core_error (error, LOOKLAB_ERR_NOMEM, NULL,
                              gimp_item_get_name (GIMP_ITEM (drawable)));
      return NULL;
    }

  buffer = gimp_drawable_get_buffer (drawable);
  gegl_buffer_get (buffer, &read, 1.0, format, pixels, read_stride,
                   GEGL_ABYSS_NONE);
  g_object_unref (buffer);

  view = (LookLabImageView){ pixels, core_format, read.width, read.height,
                             read_stride };
  status = looklab_look_apply_view (
      look, &view, pixels, read_stride, frame->width, frame->height,
      read.x - frame->x, read.y - frame->y, (float) strength, 0, &diag);
  if (status != LOOKLAB_OK)
    {
      looklab_set_core_error (error, status, &diag, NULL);
      g_free (pixels);
      g_free (out);
      return NULL;
    }
  for (row = 0; row < rect->height; row++)
    memcpy (out + (gsize) row * *stride,
            pixels + (gsize) (rect->y - read.y + row) * read_stride
                + (gsize) (rect->x - read.x) * bpp,
            *stride);
  g_free (pixels);
  return out;
}

static gboolean
apply_look_one (GimpDrawable *drawable, const LookLabLook *look,
                gdouble strength, const Babl *look_space, GError **error)
{
  LookLabPixelFormat core_format;
  const Babl        *format
      = looklab_drawable_format (drawable, look_space, &core_format);
  GeglRectangle rect;
  GeglBuffer   *dst;
  guchar       *pixels;
  gsize         stride;

  if (!gimp_drawable_mask_intersect (drawable, &rect.x, &rect.y, &rect.width,
                                     &rect.height))
    return TRUE;
  pixels = apply_look_rect (drawable, look, format, core_format, strength,
                            &rect, &rect, &stride, error);
  if (pixels == NULL)
    return FALSE;
  dst = gimp_drawable_get_shadow_buffer (drawable);
  gegl_buffer_set (dst, &rect, 0, format, pixels, stride);
  gegl_buffer_flush (dst);
  g_object_unref (dst);
  g_free (pixels);
  /* As for a LUT: the selection mask applies, one undo step. */
  gimp_drawable_merge_shadow (drawable, TRUE);
  gimp_drawable_update (drawable, rect.x, rect.y, rect.width, rect.height);
  return TRUE;
}

gboolean
looklab_apply_look_to_drawables (GimpImage *image, GimpDrawable **drawables,
                                 const LookLabLook *look, gdouble strength,
                                 const Babl *look_space, GError **error)
{
  ApplyWhat what
      = { NULL, look, LOOKLAB_INTERP_TETRAHEDRAL, strength, look_space };

  return apply_each (image, drawables, &what, error);
}

/* Draws the closed polygon @quad (4 corners, drawable coordinates) over
 * @dst, the @w x @h preview area at (@x, @y) in @bpp bytes a pixel (u8,
 * colour or gray, alpha last when there is one), dashed black and white
 * so that it shows on any picture. */
static void
draw_outline (guchar *dst, gint x, gint y, gint w, gint h, gint bpp,
              gboolean has_alpha, const gdouble quad[8])
{
  gint colours = has_alpha ? bpp - 1 : bpp, k;

  for (k = 0; k < 4; k++)
    {
      gdouble x0 = quad[2 * k] - x, y0 = quad[2 * k + 1] - y;
      gdouble x1 = quad[(2 * k + 2) % 8] - x, y1 = quad[(2 * k + 3) % 8] - y;
      gint    steps = (gint) ceil (MAX (fabs (x1 - x0), fabs (y1 - y0))), i;

      if (steps > 100000)
        continue;
      for (i = 0; i <= steps; i++)
        {
          gdouble t = steps > 0 ? (gdouble) i / steps : 0.0;
          gint    px = (gint) floor (x0 + t * (x1 - x0));
          gint    py = (gint) floor (y0 + t * (y1 - y0));
          guchar *p, v = (i / 4) % 2 ? 255 : 0;
          gint    c;

          if (px < 0 || py < 0 || px >= w || py >= h)
            continue;
          p = dst + ((gsize) py * w + px) * bpp;
          for (c = 0; c < colours; c++)
            p[c] = v;
          if (has_alpha)
            p[bpp - 1] = 255;
        }
    }
}

void
looklab_render_preview (GimpPreview *preview, GimpDrawable *drawable,
                        const LookLabLut *lut, const LookLabLook *look,
                        LookLabInterp interp, gdouble strength,
                        const Babl *look_space, const gdouble *outline)
{
  const Babl *own = gimp_drawable_get_format (drawable);
  /* Float in the look's space, as the apply does; shown in the image's. */
  const Babl *rgba = babl_format_with_space (
      "R'G'B'A float", look_space != NULL ? look_space : own);
  const Babl *shown;
  GeglBuffer *buffer;
  guchar     *src = NULL;
  guchar     *dst;
  gint        x, y, w, h, bpp;

  /* GimpDrawablePreview draws 8-bit pixels laid out like the drawable's
   * type (RGB, RGBA, Y, YA). */
  if (gimp_drawable_is_gray (drawable))
    shown = babl_format_with_space (
        gimp_drawable_has_alpha (drawable) ? "Y'A u8" : "Y' u8", own);
  else
    shown = babl_format_with_space (
        gimp_drawable_has_alpha (drawable) ? "R'G'B'A u8" : "R'G'B' u8", own);
  bpp = babl_format_get_bytes_per_pixel (shown);

  gimp_preview_get_position (preview, &x, &y);
  gimp_preview_get_size (preview, &w, &h);
  if (w <= 0 || h <= 0)
    return;

  /* A look with spatial parts: all of them, as OK gives (the vignette
   * where it falls on the selection's bounds, local contrast with its
   * context); a preview area reaching out of the selection, or a failure
   * (memory), shows the global part instead. */
  if (look != NULL && looklab_look_has_spatial (look))
    {
      GeglRectangle frame, shown_rect = { x, y, w, h };
      gsize         stride;

      if (gimp_drawable_mask_intersect (drawable, &frame.x, &frame.y,
                                        &frame.width, &frame.height)
          && gegl_rectangle_intersect (&shown_rect, &shown_rect, &frame)
          && gegl_rectangle_equal (&shown_rect, GEGL_RECTANGLE (x, y, w, h)))
        src = apply_look_rect (drawable, look, rgba, LOOKLAB_PIXEL_RGBA_FLOAT,
                               strength, &frame, &shown_rect, &stride, NULL);
    }
  if (src == NULL)
    {
      src = g_new (guchar, (gsize) w * h * 4 * sizeof (gfloat));
      buffer = gimp_drawable_get_buffer (drawable);
      gegl_buffer_get (buffer, GEGL_RECTANGLE (x, y, w, h), 1.0, rgba, src,
                       GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
      g_object_unref (buffer);

      if (lut != NULL)
        looklab_lut_apply (lut, LOOKLAB_PIXEL_RGBA_FLOAT, interp,
                           (float) strength, src,
                           (size_t) w * 4 * sizeof (gfloat), src,
                           (size_t) w * 4 * sizeof (gfloat), w, h, 0);
    }
  dst = g_new (guchar, (gsize) w * h * bpp);

  babl_process (babl_fish (rgba, shown), src, dst, (long) w * h);
  if (outline != NULL)
    draw_outline (dst, x, y, w, h, bpp, gimp_drawable_has_alpha (drawable),
                  outline);
  gimp_preview_draw_buffer (preview, dst, w * bpp);

  g_free (src);
  g_free (dst);
}

gboolean
looklab_read_drawable (GimpDrawable *drawable, const Babl *look_space,
                       LookLabImageView *view, gpointer *pixels, GError **error)
{
  LookLabPixelFormat core_format;
  const Babl        *format
      = looklab_drawable_format (drawable, look_space, &core_format);
  gint        w = gimp_drawable_get_width (drawable);
  gint        h = gimp_drawable_get_height (drawable);
  gsize       stride, total;
  GeglBuffer *buffer;

  *pixels = NULL;
  if (w <= 0 || h <= 0
      || !g_size_checked_mul (&stride, (gsize) w,
                              babl_format_get_bytes_per_pixel (format))
      || !g_size_checked_mul (&total, stride, (gsize) h)
      || (*pixels = g_try_malloc (total)) == NULL)
    {
      g_set_error (error, GIMP_PLUG_IN_ERROR, 0,
                   _ ("'%s' is too large to learn from in memory."),
                   gimp_item_get_name (GIMP_ITEM (drawable)));
      return FALSE;
    }

  buffer = gimp_drawable_get_buffer (drawable);
  gegl_buffer_get (buffer, GEGL_RECTANGLE (0, 0, w, h), 1.0, format, *pixels,
                   stride, GEGL_ABYSS_NONE);
  g_object_unref (buffer);

  view->pixels = *pixels;
  view->format = core_format;
  view->width = w;
  view->height = h;
  view->stride = stride;
  return TRUE;
}

gpointer
looklab_read_drawable_scaled (GimpDrawable *drawable, gdouble scale,
                              const Babl *look_space, LookLabImageView *view)
{
  const Babl *format = babl_format_with_space (
      "R'G'B'A float",
      look_space != NULL ? look_space : gimp_drawable_get_format (drawable));
  gint        w = MAX (1, (gint) (gimp_drawable_get_width (drawable) * scale));
  gint        h = MAX (1, (gint) (gimp_drawable_get_height (drawable) * scale));
  GeglBuffer *buffer = gimp_drawable_get_buffer (drawable);
  gpointer    pixels = g_new (gfloat, (gsize) w * h * 4);

  gegl_buffer_get (buffer, GEGL_RECTANGLE (0, 0, w, h), scale, format, pixels,
                   (gint) (w * 4 * sizeof (gfloat)), GEGL_ABYSS_CLAMP);
  g_object_unref (buffer);

  view->pixels = pixels;
  view->format = LOOKLAB_PIXEL_RGBA_FLOAT;
  view->width = w;
  view->height = h;
  view->stride = (size_t) w * 4 * sizeof (gfloat);
  return pixels;
}
