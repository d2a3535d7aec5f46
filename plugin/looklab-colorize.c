/* LookLab GIMP 3 plug-in: plug-in-looklab-colorize
 * (Colors > LookLab > Colorize...).
 *
 * Gives a layer plausible colour with a CNN model (core/colorize/colorize.h, graph
 * format docs/cnn-format.md).  The layer goes to CIE Lab through babl
 * ("CIE Lab alpha float", from the drawable's own space); the model
 * predicts a*, b* from L* (and optional colour hints), and the result keeps
 * the layer's own full-resolution L* and alpha.  Rules (plugin/README.md):
 *
 * - Everything that can fail is checked before the image changes: the
 *   model is loaded and validated, the hints and the network are run, and
 *   only then is the undo group opened.
 * - A grayscale image cannot hold colour: it is converted to RGB in the
 *   same undo group.  Indexed images are refused.
 * - "new-layer" adds a copy of the layer above it, named "<name>
 *   colorized", colorized inside the selection (all of it without one);
 *   "in-place" colorizes the layer itself inside the selection.  Both
 *   merge a shadow buffer through the selection mask, so feathered edges
 *   blend; the network always sees the whole layer, so a selection does
 *   not change the colours it predicts.
 * - Integer (8, 16, 32-bit) results whose colour falls outside the gamut
 *   have their chroma reduced (hue and L* kept) instead of being clipped
 *   channel by channel, which would change L*.
 */
#include <string.h>

#include <glib/gi18n.h>

#include "nn/cnn.h"
#include "colorize/colorize.h"
#include "looklab-plugin.h"
#include "looklab-ui.h"

/* The default model's file name (tools/train-colorize.py exports it to
 * data/models/; meson installs it into LOOKLAB_MODELS_DIR). */
#define DEFAULT_MODEL "looklab-colorize.safetensors"

/* Rows converted at a time: memory stays flat on big layers. */
#define STRIP_ROWS 128

/* Bisection steps of the gamut fit: 2^-12 of the chroma is far below one
 * 16-bit level. */
#define GAMUT_STEPS 12

enum
{
  OUTPUT_NEW_LAYER,
  OUTPUT_IN_PLACE
};

/* Loads and checks the model of @file (NULL: the default model). */
static LookLabCnn *
load_model (GFile *file, GError **error)
{
  LookLabCnn *cnn = NULL;
  LookLabDiag diag = { 0 };
  gchar      *path = NULL;
  gchar      *name = NULL;
  gchar      *sentence = NULL;
  int         status;

  if (file == NULL)
    {
      path = looklab_default_model_path ("LOOKLAB_COLORIZE_MODEL",
                                         DEFAULT_MODEL);
      if (path == NULL)
        {
          g_set_error (error, GIMP_PLUG_IN_ERROR, 0,
                       _ ("The default colorization model (%s) is not "
                          "installed.  Choose a model file, or set "
                          "LOOKLAB_COLORIZE_MODEL."),
                       DEFAULT_MODEL);
          return NULL;
        }
      name = g_strdup (path);
    }
  else
    {
      path = g_file_get_path (file);
      name = g_file_get_parse_name (file);
      if (path == NULL)
        {
          g_set_error (error, GIMP_PLUG_IN_ERROR, 0,
                       _ ("'%s' is not a local file."), name);
          g_free (name);
          return NULL;
        }
    }

  status = looklab_cnn_load (path, &cnn, &diag);
  if (status != LOOKLAB_OK)
    {
      if (status == LOOKLAB_ERR_IO)
        sentence = g_strdup_printf (_ ("Could not read the colorization "
                                       "model '%s'."),
                                    name);
      else if (status == LOOKLAB_ERR_NOMEM)
        sentence = g_strdup_printf (_ ("Not enough memory to load the "
                                       "colorization model '%s'."),
                                    name);
      else
        sentence = g_strdup_printf (_ ("'%s' is not a valid colorization "
                                       "model (a LookLab .safetensors "
                                       "model, docs/cnn-format.md)."),
                                    name);
      if (diag.message[0] != '\0')
        g_set_error (error, GIMP_PLUG_IN_ERROR, 0, "%s\n%s", sentence,
                     diag.message);
      else
        g_set_error_literal (error, GIMP_PLUG_IN_ERROR, 0, sentence);
      looklab_cnn_free (cnn);
      cnn = NULL;
    }

  g_free (sentence);
  g_free (path);
  g_free (name);
  return cnn;
}

/* Reads the @rect of @drawable as L* into @l (and a*, b*, a hint mask of
 * alpha > 0 into @ab and @mask when not NULL), rows @rect->width apart. */
static void
read_lab (GimpDrawable *drawable, const GeglRectangle *rect, gfloat *l,
          gfloat *ab, gfloat *mask)
{
  const Babl *lab = babl_format ("CIE Lab alpha float");
  GeglBuffer *buffer = gimp_drawable_get_buffer (drawable);
  gfloat     *strip;
  gint        row, rows = MIN (STRIP_ROWS, rect->height);

  strip = g_new (gfloat, (gsize) rect->width * rows * 4);
  for (row = 0; row < rect->height; row += STRIP_ROWS)
    {
      GeglRectangle r = { rect->x, rect->y + row, rect->width,
                          MIN (STRIP_ROWS, rect->height - row) };
      gsize         i, n = (gsize) r.width * r.height;
      gsize         base = (gsize) row * rect->width;

      gegl_buffer_get (buffer, &r, 1.0, lab, strip, GEGL_AUTO_ROWSTRIDE,
                       GEGL_ABYSS_CLAMP);
      for (i = 0; i < n; i++)
        {
          if (l != NULL)
            l[base + i] = strip[4 * i];
          if (ab != NULL)
            {
              ab[2 * (base + i)] = strip[4 * i + 1];
              ab[2 * (base + i) + 1] = strip[4 * i + 2];
            }
          if (mask != NULL)
            mask[base + i] = strip[4 * i + 3] > 0.0f ? 1.0f : 0.0f;
        }
    }
  g_free (strip);
  g_object_unref (buffer);
}

static gboolean
out_of_gamut (const gfloat *rgb)
{
  const gfloat eps = 1e-4f;
  gint         c;

  for (c = 0; c < 3; c++)
    if (!(rgb[c] >= -eps && rgb[c] <= 1.0f + eps))
      return TRUE;
  return FALSE;
}

/* Scales down the a*, b* of the @n pixels of @lab (CIE Lab alpha float)
 * that @to_rgb (to non-linear RGBA float of the image's space) puts
 * outside [0, 1], to the largest chroma that fits, by bisection: L* and
 * hue stay, which clipping each channel would not keep.  The neutral
 * colour of an L* within 0..100 always fits. */
static void
fit_gamut (const Babl *to_rgb, gfloat *lab, gsize n)
{
  gfloat *rgb = g_new (gfloat, n * 4);
  gfloat *trial;
  gfloat *lo, *hi;
  gsize  *idx;
  gsize   i, k, m = 0;
  gint    step;

  babl_process (to_rgb, lab, rgb, (long) n);
  idx = g_new (gsize, n);
  for (i = 0; i < n; i++)
    if (out_of_gamut (rgb + 4 * i))
      idx[m++] = i;

  if (m > 0)
    {
      trial = g_new (gfloat, m * 4);
      lo = g_new0 (gfloat, m);
      hi = g_new (gfloat, m);
      for (k = 0; k < m; k++)
        hi[k] = 1.0f;
      for (step = 0; step < GAMUT_STEPS; step++)
        {
          for (k = 0; k < m; k++)
            {
              const gfloat *p = lab + 4 * idx[k];
              gfloat        mid = 0.5f * (lo[k] + hi[k]);

              trial[4 * k] = p[0];
              trial[4 * k + 1] = p[1] * mid;
              trial[4 * k + 2] = p[2] * mid;
              trial[4 * k + 3] = p[3];
            }
          babl_process (to_rgb, trial, rgb, (long) m);
          for (k = 0; k < m; k++)
            {
              gfloat mid = 0.5f * (lo[k] + hi[k]);

              if (out_of_gamut (rgb + 4 * k))
                hi[k] = mid;
              else
                lo[k] = mid;
            }
        }
      for (k = 0; k < m; k++)
        {
          lab[4 * idx[k] + 1] *= lo[k];
          lab[4 * idx[k] + 2] *= lo[k];
        }
      g_free (trial);
      g_free (lo);
      g_free (hi);
    }

  g_free (idx);
  g_free (rgb);
}

/* Writes @ab (the whole layer's a*, b*, @width pairs a row) into the
 * selected part of @drawable: its own L* and alpha, the new a*, b*,
 * through the shadow buffer merged through the selection. */
static void
write_ab (GimpDrawable *drawable, const gfloat *ab, gint width,
          gdouble progress_from)
{
  LookLabPixelFormat core_format;
  const Babl *format = looklab_drawable_format (drawable, NULL, &core_format);
  const Babl *lab = babl_format ("CIE Lab alpha float");
  const Babl *to_rgb
      = babl_fish (lab, babl_format_with_space ("R'G'B'A float", format));
  const Babl *to_image = babl_fish (lab, format);
  const Babl *own
      = babl_format_get_type (gimp_drawable_get_format (drawable), 0);
  gboolean    integer;
  GeglBuffer *src, *dst;
  gfloat     *strip;
  guchar     *out;
  gint        x, y, w, h, row;

  if (!gimp_drawable_mask_intersect (drawable, &x, &y, &w, &h))
    return;

  /* Integer images (u32 ones too, which reach us as float) clip. */
  integer = own != babl_type ("half") && own != babl_type ("float")
            && own != babl_type ("double");
  src = gimp_drawable_get_buffer (drawable);
  dst = gimp_drawable_get_shadow_buffer (drawable);
  strip = g_new (gfloat, (gsize) w * MIN (h, STRIP_ROWS) * 4);
  out = g_new (guchar, (gsize) w * MIN (h, STRIP_ROWS)
                           * babl_format_get_bytes_per_pixel (format));

  for (row = 0; row < h; row += STRIP_ROWS)
    {
      GeglRectangle r = { x, y + row, w, MIN (STRIP_ROWS, h - row) };
      gint          i, j;

      gegl_buffer_get (src, &r, 1.0, lab, strip, GEGL_AUTO_ROWSTRIDE,
                       GEGL_ABYSS_NONE);
      for (j = 0; j < r.height; j++)
        for (i = 0; i < w; i++)
          {
            const gfloat *p = ab + 2 * ((gsize) (r.y + j) * width + x + i);
            gfloat       *q = strip + 4 * ((gsize) j * w + i);

            q[1] = p[0];
            q[2] = p[1];
          }
      if (integer)
        fit_gamut (to_rgb, strip, (gsize) w * r.height);
      babl_process (to_image, strip, out, (long) w * r.height);
      gegl_buffer_set (dst, &r, 0, format, out, GEGL_AUTO_ROWSTRIDE);
      gimp_progress_update (progress_from
                            + (1.0 - progress_from) * (row + r.height) / h);
    }

  g_free (strip);
  g_free (out);
  gegl_buffer_flush (dst);
  g_object_unref (src);
  g_object_unref (dst);
  /* Merging applies the selection mask and pushes the undo step. */
  gimp_drawable_merge_shadow (drawable, TRUE);
  gimp_drawable_update (drawable, x, y, w, h);
}

/* The fraction of the whole run the network takes: writing the result
 * (babl conversions, gamut fit) is the rest. */
#define NETWORK_SHARE 0.8

static int
colorize_progress (double fraction, void *user_data)
{
  gimp_progress_update (NETWORK_SHARE * fraction);
  return 0;
}

/* Checks what the image and the arguments allow before anything is
 * loaded. */
static gboolean
check_target (GimpImage *image, GimpDrawable **drawables, GimpLayer *hints,
              GimpDrawable **target, GError **error)
{
  gint n = gimp_core_object_array_get_length ((GObject **) drawables);
  gint x, y, w, h;

  *target = NULL;
  if (n != 1)
    {
      g_set_error_literal (error, GIMP_PLUG_IN_ERROR, 0,
                           _ ("Colorize works on one layer at a time: select "
                              "exactly one layer."));
      return FALSE;
    }
  if (gimp_image_get_base_type (image) == GIMP_INDEXED
      || gimp_drawable_is_indexed (drawables[0]))
    {
      g_set_error_literal (error, GIMP_PLUG_IN_ERROR, 0,
                           _ ("Colorize does not work on indexed images: a "
                              "palette cannot hold the new colours.  Convert "
                              "the image to RGB first (Image > Mode > RGB)."));
      return FALSE;
    }
  if (!GIMP_IS_LAYER (drawables[0])
      || gimp_item_is_group (GIMP_ITEM (drawables[0])))
    {
      g_set_error (error, GIMP_PLUG_IN_ERROR, 0,
                   _ ("'%s' is not a layer with pixels of its own: Colorize "
                      "works on layers (not on channels, masks or groups)."),
                   gimp_item_get_name (GIMP_ITEM (drawables[0])));
      return FALSE;
    }
  if (!gimp_drawable_mask_intersect (drawables[0], &x, &y, &w, &h) || w <= 0
      || h <= 0)
    {
      g_set_error (error, GIMP_PLUG_IN_ERROR, 0,
                   _ ("The selection does not touch '%s': there is nothing "
                      "to change."),
                   gimp_item_get_name (GIMP_ITEM (drawables[0])));
      return FALSE;
    }
  if (hints != NULL
      && (gimp_drawable_get_width (GIMP_DRAWABLE (hints))
              != gimp_drawable_get_width (drawables[0])
          || gimp_drawable_get_height (GIMP_DRAWABLE (hints))
                 != gimp_drawable_get_height (drawables[0])))
    {
      g_set_error (error, GIMP_PLUG_IN_ERROR, 0,
                   _ ("The hints layer '%s' (%d x %d) must have the same size "
                      "as '%s' (%d x %d)."),
                   gimp_item_get_name (GIMP_ITEM (hints)),
                   gimp_drawable_get_width (GIMP_DRAWABLE (hints)),
                   gimp_drawable_get_height (GIMP_DRAWABLE (hints)),
                   gimp_item_get_name (GIMP_ITEM (drawables[0])),
                   gimp_drawable_get_width (drawables[0]),
                   gimp_drawable_get_height (drawables[0]));
      return FALSE;
    }

  *target = drawables[0];
  return TRUE;
}

/* Predicts a*, b* for the @rect of @drawable (hints from the same @rect of
 * @hints when not NULL).  Returns a new buffer of @rect->width x
 * @rect->height a*, b* pairs (g_free), or NULL with @error set. */
static gfloat *
predict_ab (const LookLabCnn *cnn, GimpDrawable *drawable, GimpLayer *hints,
            const GeglRectangle *rect, gdouble saturation,
            LookLabProgressFunc progress, GError **error)
{
  LookLabColorizeParams params;
  LookLabDiag           diag = { 0 };
  gsize                 n;
  gfloat               *l = NULL, *ab = NULL, *hab = NULL, *hmask = NULL;
  int                   status;

  if ((gsize) rect->width * rect->height > LOOKLAB_COLORIZE_MAX_PIXELS)
    {
      looklab_set_core_error (error, LOOKLAB_ERR_LIMIT, NULL,
                              gimp_item_get_name (GIMP_ITEM (drawable)));
      return NULL;
    }
  n = (gsize) rect->width * rect->height;
  l = g_try_new (gfloat, n);
  ab = g_try_new (gfloat, n * 2);
  if (hints != NULL)
    {
      hab = g_try_new (gfloat, n * 2);
      hmask = g_try_new (gfloat, n);
    }
  if (l == NULL || ab == NULL
      || (hints != NULL && (hab == NULL || hmask == NULL)))
    {
      status = LOOKLAB_ERR_NOMEM;
      goto out;
    }

  read_lab (drawable, rect, l, NULL, NULL);
  if (hints != NULL)
    read_lab (GIMP_DRAWABLE (hints), rect, NULL, hab, hmask);

  looklab_colorize_params_init (&params);
  params.saturation = (float) saturation;
  status = looklab_colorize (cnn, l, rect->width, rect->height, rect->width,
                             hab, (size_t) rect->width * 2, hmask, rect->width,
                             ab, (size_t) rect->width * 2, &params, progress,
                             NULL, &diag);

out:
  g_free (l);
  g_free (hab);
  g_free (hmask);
  if (status != LOOKLAB_OK)
    {
      looklab_set_core_error (error, status, &diag,
                              gimp_item_get_name (GIMP_ITEM (drawable)));
      g_free (ab);
      return NULL;
    }
  return ab;
}

/* ---- Preview ---------------------------------------------------------- */

/* The preview shows what OK gives: the network sees the whole layer, as
 * in the run, not the visible area (a crop is another picture: on the
 * bundled 960x600 garden photo a 300x300 crop colorized alone differed from
 * the same area of the whole by 19 levels of 255 on average, a green
 * background turned gray).  So the whole layer's a*, b* are predicted once
 * for the chosen model and hints layer, at saturation 1 (saturation only
 * scales them), and each redraw takes its area from there: scrolling and
 * the saturation slider cost no network run.  The hints are read when the
 * hints layer is chosen; paint on it later shows on OK, or after choosing
 * it again. */
typedef struct
{
  GimpDrawable *drawable;
  gboolean      loaded;
  GFile        *file;
  LookLabCnn   *cnn;
  gboolean      predicted; /* @ab tried for this model and @hints_id */
  gint          hints_id;  /* the item id of the hints of @ab, 0 for none */
  gfloat       *ab; /* the whole layer's a*, b* at saturation 1, or NULL */
} PreviewState;

static void
preview_state_clear (PreviewState *state)
{
  looklab_cnn_free (state->cnn);
  state->cnn = NULL;
  g_clear_object (&state->file);
  g_clear_pointer (&state->ab, g_free);
  state->predicted = FALSE;
}

static void
colorize_preview (GimpPreview *preview, GimpProcedureConfig *config,
                  gpointer user_data)
{
  PreviewState *state = user_data;
  GimpDrawable *drawable = state->drawable;
  const Babl   *rgba = babl_format_with_space (
        "R'G'B'A u8", gimp_drawable_get_format (drawable));
  GFile        *file = NULL;
  GimpLayer    *hints = NULL;
  gdouble       saturation = 1.0;
  GeglRectangle rect, whole;
  gfloat       *lab;
  guchar       *pixels;
  GeglBuffer   *buffer;
  gint          hints_id, x, y;
  gsize         i, n;

  g_object_get (config, "model", &file, "hints", &hints, "saturation",
                &saturation, NULL);

  if (!state->loaded || (file == NULL) != (state->file == NULL)
      || (file != NULL && !g_file_equal (file, state->file)))
    {
      preview_state_clear (state);
      state->file = file != NULL ? g_object_ref (file) : NULL;
      state->loaded = TRUE;
      /* A bad model shows the original: the error comes with OK. */
      state->cnn = load_model (file, NULL);
    }

  gimp_preview_get_position (preview, &rect.x, &rect.y);
  gimp_preview_get_size (preview, &rect.width, &rect.height);
  if (rect.width <= 0 || rect.height <= 0)
    goto out;
  n = (gsize) rect.width * rect.height;

  if (hints != NULL
      && (gimp_drawable_get_width (GIMP_DRAWABLE (hints))
              != gimp_drawable_get_width (drawable)
          || gimp_drawable_get_height (GIMP_DRAWABLE (hints))
                 != gimp_drawable_get_height (drawable)))
    g_clear_object (&hints);
  hints_id = hints != NULL ? gimp_item_get_id (GIMP_ITEM (hints)) : 0;
  if (hints_id != state->hints_id)
    {
      g_clear_pointer (&state->ab, g_free);
      state->predicted = FALSE;
    }
  if (!state->predicted && state->cnn != NULL)
    {
      /* A failure (a layer over the size limit) shows the original; the
       * error comes with OK. */
      whole.x = whole.y = 0;
      whole.width = gimp_drawable_get_width (drawable);
      whole.height = gimp_drawable_get_height (drawable);
      state->ab
          = predict_ab (state->cnn, drawable, hints, &whole, 1.0, NULL, NULL);
      state->hints_id = hints_id;
      state->predicted = TRUE;
    }

  lab = g_new (gfloat, n * 4);
  pixels = g_new (guchar, n * 4);
  buffer = gimp_drawable_get_buffer (drawable);
  gegl_buffer_get (buffer, &rect, 1.0, babl_format ("CIE Lab alpha float"), lab,
                   GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_CLAMP);
  g_object_unref (buffer);
  if (state->ab != NULL)
    {
      gint width = gimp_drawable_get_width (drawable);
      gint height = gimp_drawable_get_height (drawable);

      /* clamped as the pixels read above (GEGL_ABYSS_CLAMP) */
      for (y = 0; y < rect.height; y++)
        for (x = 0; x < rect.width; x++)
          {
            gint          sx = CLAMP (rect.x + x, 0, width - 1);
            gint          sy = CLAMP (rect.y + y, 0, height - 1);
            const gfloat *p = state->ab + 2 * ((gsize) sy * width + sx);
            gfloat       *q = lab + 4 * ((gsize) y * rect.width + x);

            q[1] = (gfloat) saturation * p[0];
            q[2] = (gfloat) saturation * p[1];
          }
    }
  fit_gamut (babl_fish (babl_format ("CIE Lab alpha float"),
                        babl_format_with_space ("R'G'B'A float", rgba)),
             lab, n);
  babl_process (babl_fish (babl_format ("CIE Lab alpha float"), rgba), lab,
                pixels, (long) n);

  if (gimp_drawable_is_rgb (drawable))
    {
      gint bpp = gimp_drawable_has_alpha (drawable) ? 4 : 3;

      /* Laid out like the drawable, the drawable preview composites the
       * result through the selection. */
      if (bpp == 3)
        for (i = 0; i < n; i++)
          memmove (pixels + 3 * i, pixels + 4 * i, 3);
      gimp_preview_draw_buffer (preview, pixels, rect.width * bpp);
    }
  else
    {
      /* A gray layer's preview would draw gray pixels: draw the colour on
       * the area itself (the image becomes RGB on OK). */
      gimp_preview_area_draw (
          GIMP_PREVIEW_AREA (gimp_preview_get_area (preview)), 0, 0, rect.width,
          rect.height, GIMP_RGBA_IMAGE, pixels, rect.width * 4);
    }

  g_free (lab);
  g_free (pixels);
out:
  g_clear_object (&file);
  g_clear_object (&hints);
}

/* ---- Run -------------------------------------------------------------- */

static GimpValueArray *
colorize_run (GimpProcedure *procedure, GimpRunMode run_mode, GimpImage *image,
              GimpDrawable **drawables, GimpProcedureConfig *config,
              gpointer run_data)
{
  GError         *error = NULL;
  GFile          *file = NULL;
  GimpLayer      *hints = NULL;
  GimpDrawable   *target = NULL;
  GimpLayer      *result = NULL;
  LookLabCnn     *cnn = NULL;
  gfloat         *ab = NULL;
  gdouble         saturation = 1.0;
  gint            output;
  GeglRectangle   rect;
  GimpValueArray *ret;

  if (run_mode == GIMP_RUN_INTERACTIVE)
    {
      PreviewState state = { NULL, FALSE, NULL, NULL, FALSE, 0, NULL };
      gboolean     go;

      if (gimp_core_object_array_get_length ((GObject **) drawables) == 1
          && !gimp_drawable_is_indexed (drawables[0]))
        state.drawable = drawables[0];

      gimp_ui_init (LOOKLAB_PLUG_IN_BINARY);
      go = looklab_ui_colorize_dialog (
          procedure, config, state.drawable,
          state.drawable != NULL ? colorize_preview : NULL, &state);
      preview_state_clear (&state);
      if (!go)
        return gimp_procedure_new_return_values (procedure, GIMP_PDB_CANCEL,
                                                 NULL);
    }

  g_object_get (config, "model", &file, "hints", &hints, "saturation",
                &saturation, NULL);
  output = gimp_procedure_config_get_choice_id (config, "output");

  /* Everything that can fail comes before the first change. */
  if (!check_target (image, drawables, hints, &target, &error))
    goto out;
  cnn = load_model (file, &error);
  if (cnn == NULL)
    goto out;

  gimp_progress_init (_ ("Colorizing"));
  rect.x = rect.y = 0;
  rect.width = gimp_drawable_get_width (target);
  rect.height = gimp_drawable_get_height (target);
  ab = predict_ab (cnn, target, hints, &rect, saturation, colorize_progress,
                   &error);
  if (ab == NULL)
    goto out;

  gimp_image_undo_group_start (image);
  if (gimp_image_get_base_type (image) == GIMP_GRAY)
    gimp_image_convert_rgb (image);

  if (output == OUTPUT_IN_PLACE)
    {
      result = GIMP_LAYER (target);
    }
  else
    {
      GimpItem *parent = gimp_item_get_parent (GIMP_ITEM (target));
      gchar    *name = g_strdup_printf (
             /* TRANSLATORS: the name of the new layer; %s is the layer's */
          _ ("%s colorized"), gimp_item_get_name (GIMP_ITEM (target)));
      gint ox, oy;

      result = gimp_layer_new_from_drawable (target, image);
      gimp_item_set_name (GIMP_ITEM (result), name);
      g_free (name);
      gimp_drawable_get_offsets (target, &ox, &oy);
      gimp_image_insert_layer (
          image, result, parent != NULL ? GIMP_LAYER (parent) : NULL,
          gimp_image_get_item_position (image, GIMP_ITEM (target)));
      gimp_layer_set_offsets (result, ox, oy);
    }

  write_ab (GIMP_DRAWABLE (result), ab, rect.width, NETWORK_SHARE);

  if (output != OUTPUT_IN_PLACE)
    {
      GimpLayer *selected[2] = { result, NULL };

      gimp_image_set_selected_layers (image, (const GimpLayer **) selected);
    }
  gimp_image_undo_group_end (image);
  gimp_progress_update (1.0);

  if (run_mode != GIMP_RUN_NONINTERACTIVE)
    gimp_displays_flush ();

out:
  g_free (ab);
  looklab_cnn_free (cnn);
  g_clear_object (&file);
  g_clear_object (&hints);
  if (result == NULL)
    return gimp_procedure_new_return_values (procedure,
                                             GIMP_PDB_EXECUTION_ERROR, error);
  ret = gimp_procedure_new_return_values (procedure, GIMP_PDB_SUCCESS, NULL);
  GIMP_VALUES_SET_LAYER (ret, 1, result);
  return ret;
}

/* ---- Declaration ------------------------------------------------------ */

GimpProcedure *
looklab_colorize_procedure_new (GimpPlugIn *plug_in, const gchar *name)
{
  GimpProcedure *procedure;

  procedure = gimp_image_procedure_new (
      plug_in, name, GIMP_PDB_PROC_TYPE_PLUGIN, colorize_run, NULL, NULL);
  gimp_procedure_set_image_types (procedure, "RGB*, GRAY*");
  gimp_procedure_set_sensitivity_mask (procedure,
                                       GIMP_PROCEDURE_SENSITIVE_DRAWABLE);
  looklab_procedure_describe (
      procedure, _ ("_Colorize..."),
      _ ("Give a black-and-white photo plausible colour"),
      _ ("Predicts colour (CIE a*, b*) from the layer's lightness with a "
         "neural network and keeps the layer's own lightness and alpha, so "
         "no detail is lost.  The non-transparent pixels of a hints layer "
         "steer the colour.  A grayscale image is converted to RGB first, "
         "in the same undo step.  An image that already has colour is "
         "colorized from its lightness alone."));
  gimp_procedure_add_menu_path (procedure, "<Image>/Colors/LookLab");

  gimp_procedure_add_file_argument (
      procedure, "model", _ ("_Model"),
      _ ("A LookLab colorization model (.safetensors); none takes the "
         "default model"),
      GIMP_FILE_CHOOSER_ACTION_OPEN, TRUE, NULL, G_PARAM_READWRITE);
  gimp_procedure_add_layer_argument (
      procedure, "hints", _ ("_Hints"),
      _ ("A layer of the same size whose pixels with alpha above 0 are "
         "colour hints; none for no hints"),
      TRUE, G_PARAM_READWRITE);
  gimp_procedure_add_double_argument (
      procedure, "saturation", _ ("Sat_uration"),
      _ ("Multiplies the predicted colour: 0 is gray, 1 the model's colour, "
         "2 twice as strong"),
      0.0, 2.0, 1.0, G_PARAM_READWRITE);
  gimp_procedure_add_choice_argument (
      procedure, "output", _ ("Ou_tput"),
      _ ("Where the result goes: a new layer above the layer, or the layer "
         "itself"),
      gimp_choice_new_with_values ("new-layer", OUTPUT_NEW_LAYER,
                                   _ ("New layer"), NULL, "in-place",
                                   OUTPUT_IN_PLACE, _ ("In place"), NULL, NULL),
      "new-layer", G_PARAM_READWRITE);

  gimp_procedure_add_layer_return_value (
      procedure, "layer", _ ("Layer"),
      _ ("The layer that holds the result (the new layer, or the layer "
         "itself in place)"),
      FALSE, G_PARAM_READWRITE);

  return procedure;
}
