/* looklab:apply, a GEGL point filter: a .cube 3D LUT or a LookLab look
 * file applied to every pixel, in GEGL's own process and threads.
 *
 * GIMP runs it as a non-destructive filter (Colors > LookLab > Apply with
 * non-destructive on, or the GEGL Operation tool), XCF saves it with its
 * properties, and gegl's command line runs it too:
 *
 *   gegl in.jpg -o out.png -- looklab:apply file=look.cube
 *
 * The pixels are the ones the plug-in and the CLI work on: non-linear
 * sRGB-encoded float ("R'G'B'A float"), so GEGL converts from the image's
 * own space and precision and the three agree within rounding.  Input
 * that already is non-linear sRGB in 8 or 16 bits, with or without alpha
 * (GIMP's usual 8- and 16-bit layers), or in float without alpha, is
 * worked on as it is: the kernels take those formats and round as GEGL's
 * conversion back would, and the conversions to RGBA float and back cost
 * more than the LUT itself.  The
 * kernels are core/'s (lut/lut-apply.h); this file is only the GEGL glue.
 *
 * A look file's spatial parts (issue 22: a vignette, local contrast) are
 * applied too, by core/'s looklab_look_apply_view_baked (), as `looklab apply`
 * does, with positions normalised to the input's full extent (its
 * bounding box), so the vignette lands where it would on the whole layer.
 * A radial part needs only each pixel's place: chunks are still worked on
 * one by one, on GEGL's threads.  Local contrast blurs over a sizeable
 * part of the image (3 sigma, up to 15 % of the diagonal): the op then
 * asks GEGL for the whole input and makes the whole output at once, as
 * GEGL's own global operations do, rather than re-reading that much
 * context around every chunk.  The global part is the look's 65^3 bake,
 * as for a look without spatial parts.
 *
 * The LUT is read (a look is baked) in prepare (), once per file version,
 * keyed by path, modification time and size, never in process ().  A file
 * that is missing or malformed leaves the pixels as they are, with one
 * warning per file version: a filter that cannot find its LUT must not
 * lose the user's image or take GIMP down.
 *
 * op-version "1:0": XCF drops a filter whose op-version differs from the
 * installed op's, so it changes only together with a migration.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gi18n-lib.h>

#ifdef GEGL_PROPERTIES

/* GEGL's property macros are not C statements: clang-format would run
 * them together. */
/* clang-format off */

enum_start (looklab_apply_interpolation)
  enum_value (LOOKLAB_APPLY_TETRAHEDRAL, "tetrahedral", N_ ("Tetrahedral"))
  enum_value (LOOKLAB_APPLY_TRILINEAR, "trilinear", N_ ("Trilinear"))
enum_end (LookLabApplyInterpolation)

/* A string, not a file path property: GIMP 3.0 cannot pass a
 * property_file_path to a plug-in's filter config (that property and all
 * after it go missing). */
property_string (file, _ ("Look or LUT file"), "")
  description (_ ("Path of a .cube file or a LookLab look file"))

property_double (strength, _ ("Strength"), 1.0)
  description (_ ("How much of the look: 0 leaves the image as it is, "
                  "1 is the full look"))
  value_range (0.0, 1.0)

property_enum (interpolation, _ ("Interpolation"), LookLabApplyInterpolation,
               looklab_apply_interpolation, LOOKLAB_APPLY_TETRAHEDRAL)
  description (_ ("How colours between LUT points are computed"))

/* clang-format on */

#else

/* clang-format off */
#define GEGL_OP_POINT_FILTER
#define GEGL_OP_NAME looklab_apply
#define GEGL_OP_C_SOURCE looklab-apply.c
/* clang-format on */

#include "gegl-op.h"

#include "look/look.h"
#include "lut/cube-io.h"
#include "lut/lut-apply.h"

/* Enough for looklab_look_sniff (), which needs at least 8. */
#define SNIFF_BYTES 16

/* One prepared applier, shared by the threads that run process () while
 * prepare () may already be swapping in the next one. */
typedef struct
{
  gint               ref_count;
  LookLabLutApplier *applier;
  /* A look with spatial parts, this applier's own copy (NULL for a
   * .cube or a global look), its global part prepared for the core's
   * looklab_look_apply_view_baked (), and the strength to apply it at. */
  LookLabLook       *look;
  LookLabLutApplier *global;
  float              strength;
  gboolean           whole_image; /* @look has a local-contrast part */
  LookLabPixelFormat pixel_format;
  guint64            serial; /* tells appliers apart (see WholeImage) */
} SharedApplier;

/* The whole output of a look with local contrast, kept for the chunks
 * GEGL asks for after the first: the op leaves GEGL's own cache off,
 * which would cost every LUT-only apply a copy of the image (24 MP of
 * float: 0.30 -> 0.45 s).  Valid for one applier, one input extent and
 * one generation of the input: GEGL reports every change of the input
 * through get_invalidated_by_change (), which starts a new generation. */
typedef struct
{
  GMutex        lock;
  guint8       *pixels; /* NULL: none kept */
  gsize         stride;
  guint64       serial;
  GeglRectangle extent;
  guint         generation;
  guint         input_generation; /* bumped on every input change */
} WholeImage;

/* What prepare () has read, kept in the op's user_data. */
typedef struct
{
  GMutex lock;

  /* The file version the LUT was read from.  @lut is NULL when that
   * version could not be read (already warned about). */
  gchar      *path;
  gint64      mtime_ns;
  gint64      size;
  gboolean    loaded;
  LookLabLut *lut;
  /* The look itself when it has spatial parts, else NULL. */
  LookLabLook *look;
  WholeImage   whole;

  /* The applier for @lut at these settings; NULL means pass through. */
  SharedApplier     *current;
  gint               interp;
  gdouble            strength;
  LookLabPixelFormat pixel_format;
} Cache;

static SharedApplier *
shared_applier_ref (SharedApplier *shared)
{
  if (shared != NULL)
    g_atomic_int_inc (&shared->ref_count);
  return shared;
}

static void
shared_applier_unref (SharedApplier *shared)
{
  if (shared != NULL && g_atomic_int_dec_and_test (&shared->ref_count))
    {
      looklab_lut_applier_free (shared->applier);
      looklab_look_free (shared->look);
      looklab_lut_applier_free (shared->global);
      g_free (shared);
    }
}

static Cache *
cache_get (GeglProperties *o)
{
  /* GEGL calls prepare () from the thread that processes the graph; the
   * first call makes the cache, later ones find it. */
  static GMutex make_lock;
  Cache        *cache;

  g_mutex_lock (&make_lock);
  if (o->user_data == NULL)
    {
      cache = g_new0 (Cache, 1);
      g_mutex_init (&cache->lock);
      g_mutex_init (&cache->whole.lock);
      cache->interp = -1;
      o->user_data = cache;
    }
  cache = o->user_data;
  g_mutex_unlock (&make_lock);
  return cache;
}

static void
cache_free (Cache *cache)
{
  if (cache == NULL)
    return;
  shared_applier_unref (cache->current);
  looklab_lut_free (cache->lut);
  looklab_look_free (cache->look);
  g_free (cache->whole.pixels);
  g_mutex_clear (&cache->whole.lock);
  g_free (cache->path);
  g_mutex_clear (&cache->lock);
  g_free (cache);
}

/* Reads @path (.cube or look file, told apart by content as the plug-in
 * and the CLI do).  Returns NULL after a warning that names the file.  A
 * look with spatial parts is also handed back whole in *@spatial. */
static LookLabLut *
read_lut (const gchar *path, LookLabLook **spatial)
{
  unsigned char head[SNIFF_BYTES];
  size_t        n_head;
  FILE         *fp;
  LookLabDiag   diag = { 0 };
  LookLabLut   *lut = NULL;
  LookLabLook  *look = NULL;
  int           status;

  fp = fopen (path, "rb");
  if (fp == NULL)
    {
      g_warning ("looklab:apply: cannot open '%s' (%s); the image is left "
                 "unchanged",
                 path, g_strerror (errno));
      return NULL;
    }
  n_head = fread (head, 1, sizeof head, fp);
  fclose (fp);

  if (n_head >= 8 && looklab_look_sniff (head, n_head))
    {
      status = looklab_look_load (path, &look, &diag);
      if (status == LOOKLAB_OK)
        {
          /* The bake still serves the pixels outside the input's extent
           * (see process ()). */
          lut = looklab_look_bake (look, LOOKLAB_LOOK_APPLY_BAKE_SIZE, 0);
          if (lut == NULL)
            status = LOOKLAB_ERR_NOMEM;
          else if (looklab_look_has_spatial (look))
            {
              *spatial = look;
              look = NULL;
            }
        }
      looklab_look_free (look);
    }
  else
    {
      status = looklab_cube_read (path, &lut, &diag);
    }

  if (status != LOOKLAB_OK)
    {
      /* The core's English text: a GEGL module has no catalog of its own
       * bound, and the warning goes to GIMP's error console or a log. */
      g_warning ("looklab:apply: '%s': %s%s%s; the image is left unchanged",
                 path, looklab_strerror (status),
                 diag.message[0] != '\0' ? ": " : "", diag.message);
      return NULL;
    }
  return lut;
}

static guint64
next_serial (void)
{
  static guint64 serial;
  static GMutex  lock;
  guint64        value;

  g_mutex_lock (&lock);
  value = ++serial;
  g_mutex_unlock (&lock);
  return value;
}

/* A copy of @look for one applier: prepare () may replace the cache's
 * look while threads still apply the old one.  NULL when out of memory. */
static LookLabLook *
look_copy (const LookLabLook *look)
{
  void        *data = NULL;
  size_t       len = 0;
  LookLabLook *copy = NULL;

  if (looklab_look_serialize (look, &data, &len) == LOOKLAB_OK)
    looklab_look_deserialize (data, len, &copy, NULL);
  free (data);
  return copy;
}

/* The format process () works in: the input's own when the core has a
 * kernel for it and it is non-linear sRGB, else sRGB-encoded float.  Only
 * exact matches: another space or a linear encoding would be converted,
 * and rounded, once more on the way in. */
static const Babl *
work_format (GeglOperation *operation, LookLabPixelFormat *pixel_format)
{
  static const struct
  {
    const char        *name;
    LookLabPixelFormat pixel_format;
  } native[] = {
    { "R'G'B'A u8", LOOKLAB_PIXEL_RGBA_U8 },
    { "R'G'B' u8", LOOKLAB_PIXEL_RGB_U8 },
    { "R'G'B'A u16", LOOKLAB_PIXEL_RGBA_U16 },
    { "R'G'B' u16", LOOKLAB_PIXEL_RGB_U16 },
    { "R'G'B' float", LOOKLAB_PIXEL_RGB_FLOAT },
  };
  const Babl *source = gegl_operation_get_source_format (operation, "input");
  gsize       i;

  for (i = 0; source != NULL && i < G_N_ELEMENTS (native); i++)
    if (source == babl_format (native[i].name))
      {
        *pixel_format = native[i].pixel_format;
        return source;
      }
  *pixel_format = LOOKLAB_PIXEL_RGBA_FLOAT;
  return babl_format ("R'G'B'A float");
}

static void
prepare (GeglOperation *operation)
{
  GeglProperties    *o = GEGL_PROPERTIES (operation);
  Cache             *cache = cache_get (o);
  LookLabPixelFormat pixel_format;
  const Babl        *format = work_format (operation, &pixel_format);
  const gchar       *path = o->file != NULL ? o->file : "";
  struct stat        st;
  gint64             mtime_ns = -1, size = -1;
  gboolean           reload;
  SharedApplier     *old = NULL;

  /* GEGL converts anything else to it and back (see the header
   * comment). */
  gegl_operation_set_format (operation, "input", format);
  gegl_operation_set_format (operation, "output", format);

  if (path[0] != '\0' && stat (path, &st) == 0)
    {
      mtime_ns = (gint64) st.st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000)
                 + st.st_mtim.tv_nsec;
      size = (gint64) st.st_size;
    }

  g_mutex_lock (&cache->lock);

  reload = !cache->loaded || g_strcmp0 (cache->path, path) != 0
           || cache->mtime_ns != mtime_ns || cache->size != size;
  if (reload)
    {
      looklab_lut_free (cache->lut);
      cache->lut = NULL;
      looklab_look_free (cache->look);
      cache->look = NULL;
      g_free (cache->path);
      cache->path = g_strdup (path);
      cache->mtime_ns = mtime_ns;
      cache->size = size;
      cache->loaded = TRUE;
      /* No file yet (a new filter in the GEGL Operation tool) is not an
       * error: the image shows unchanged until one is chosen. */
      if (path[0] != '\0')
        cache->lut = read_lut (path, &cache->look);
    }

  if (reload || cache->interp != (gint) o->interpolation
      || cache->strength != o->strength || cache->pixel_format != pixel_format)
    {
      old = cache->current;
      cache->current = NULL;
      cache->interp = (gint) o->interpolation;
      cache->strength = o->strength;
      cache->pixel_format = pixel_format;
      if (cache->lut != NULL)
        {
          LookLabLutApplier *applier = looklab_lut_applier_new (
              cache->lut, pixel_format,
              o->interpolation == LOOKLAB_APPLY_TRILINEAR
                  ? LOOKLAB_INTERP_TRILINEAR
                  : LOOKLAB_INTERP_TETRAHEDRAL,
              (float) CLAMP (o->strength, 0.0, 1.0));
          LookLabLook       *look = NULL;
          LookLabLutApplier *global = NULL;

          /* The global part of a spatial look: the same bake, as
           * looklab_look_global_applier () prepares it. */
          if (applier != NULL && cache->look != NULL
              && ((look = look_copy (cache->look)) == NULL
                  || (global = looklab_lut_applier_new (
                          cache->lut, LOOKLAB_PIXEL_RGB_FLOAT,
                          LOOKLAB_INTERP_TETRAHEDRAL, 1.0f))
                         == NULL))
            {
              g_clear_pointer (&applier, looklab_lut_applier_free);
              g_clear_pointer (&look, looklab_look_free);
            }

          if (applier == NULL)
            {
              g_warning ("looklab:apply: out of memory preparing '%s'; the "
                         "image is left unchanged",
                         path);
            }
          else
            {
              LookLabLookInfo info;

              cache->current = g_new0 (SharedApplier, 1);
              cache->current->ref_count = 1;
              cache->current->applier = applier;
              cache->current->look = look;
              cache->current->global = global;
              cache->current->strength = (float) CLAMP (o->strength, 0.0, 1.0);
              cache->current->pixel_format = pixel_format;
              cache->current->serial = next_serial ();
              if (look != NULL)
                {
                  looklab_look_get_info (look, &info);
                  cache->current->whole_image = info.detail_knots > 0;
                }
            }
        }
    }

  g_mutex_unlock (&cache->lock);
  shared_applier_unref (old);
}

static SharedApplier *
current_applier (GeglProperties *o)
{
  Cache         *cache = o->user_data;
  SharedApplier *shared = NULL;

  if (cache == NULL)
    return NULL;
  g_mutex_lock (&cache->lock);
  shared = shared_applier_ref (cache->current);
  g_mutex_unlock (&cache->lock);
  return shared;
}

/* @width x @height pixels at @pixels, packed, as a view in the format
 * prepare () chose for @shared. */
static LookLabImageView
chunk_view (const SharedApplier *shared, const void *pixels, gint width,
            gint height)
{
  LookLabImageView view;

  view.pixels = pixels;
  view.format = shared->pixel_format;
  view.width = width;
  view.height = height;
  view.stride
      = (size_t) width * looklab_pixel_format_bytes (shared->pixel_format);
  return view;
}

/* Applies a look with a radial part (and no local contrast) to the chunk
 * @roi, placed in the input's extent.  FALSE when the chunk is not inside
 * that extent (abyss around a layer: the global part serves it) or the
 * core failed (after a warning): the caller applies the LUT instead. */
static gboolean
process_radial (GeglOperation *operation, const SharedApplier *shared,
                const void *in, void *out, const GeglRectangle *roi)
{
  const GeglRectangle *bbox
      = gegl_operation_source_get_bounding_box (operation, "input");
  LookLabImageView view;
  LookLabDiag      diag = { 0 };
  int              status;

  if (bbox == NULL || !gegl_rectangle_contains (bbox, roi) || roi->width <= 0
      || roi->height <= 0)
    return FALSE;
  view = chunk_view (shared, in, roi->width, roi->height);
  status = looklab_look_apply_view_baked (
      shared->look, shared->global, &view, out, view.stride, bbox->width,
      bbox->height, roi->x - bbox->x, roi->y - bbox->y, shared->strength, 1,
      &diag);
  if (status != LOOKLAB_OK)
    {
      g_warning ("looklab:apply: the look's spatial parts failed (%s%s%s); "
                 "its global part is applied",
                 looklab_strerror (status), diag.message[0] != '\0' ? ": " : "",
                 diag.message);
      return FALSE;
    }
  return TRUE;
}

static gboolean
process (GeglOperation *operation, void *in_buf, void *out_buf, glong samples,
         const GeglRectangle *roi, gint level)
{
  SharedApplier *shared = current_applier (GEGL_PROPERTIES (operation));
  const guint8  *in = in_buf;
  guint8        *out = out_buf;
  /* The format prepare () set, which the applier was made for. */
  gsize bytes = babl_format_get_bytes_per_pixel (
      gegl_operation_get_format (operation, "output"));

  if (shared == NULL)
    {
      if (in != out)
        memcpy (out, in, bytes * (gsize) samples);
      return TRUE;
    }

  if (shared->look != NULL && process_radial (operation, shared, in, out, roi))
    {
      shared_applier_unref (shared);
      return TRUE;
    }

  /* One row of @samples pixels; GEGL spreads the chunks over its own
   * threads, so the core runs each on the calling thread only.  Pieces of
   * at most 1 M pixels keep the row length within int. */
  while (samples > 0)
    {
      gint n = (gint) MIN (samples, 1 << 20);

      looklab_lut_applier_run (shared->applier, in, (size_t) n * bytes, out,
                               (size_t) n * bytes, n, 1, 1);
      in += (gsize) n * bytes;
      out += (gsize) n * bytes;
      samples -= n;
    }

  shared_applier_unref (shared);
  return TRUE;
}

/* Whether the current look has a local-contrast part, which needs the
 * whole input (see the header comment). */
static gboolean
wants_whole_image (GeglOperation *operation)
{
  SharedApplier *shared = current_applier (GEGL_PROPERTIES (operation));
  gboolean       whole = shared != NULL && shared->whole_image;

  shared_applier_unref (shared);
  return whole;
}

/* Otherwise a point filter's: the area itself. */
static GeglRectangle
get_required_for_output (GeglOperation *operation, const gchar *input_pad,
                         const GeglRectangle *roi)
{
  const GeglRectangle *bbox
      = gegl_operation_source_get_bounding_box (operation, "input");

  return bbox != NULL && wants_whole_image (operation) ? *bbox : *roi;
}

/* Every change of the input starts a new generation of it (WholeImage). */
static GeglRectangle
get_invalidated_by_change (GeglOperation *operation, const gchar *input_pad,
                           const GeglRectangle *input_region)
{
  const GeglRectangle *bbox
      = gegl_operation_source_get_bounding_box (operation, "input");
  Cache *cache = GEGL_PROPERTIES (operation)->user_data;

  if (cache != NULL)
    g_atomic_int_inc (&cache->whole.input_generation);
  return bbox != NULL && wants_whole_image (operation) ? *bbox : *input_region;
}

/* Makes @whole hold the output of @shared over all of @input (@bbox).
 * FALSE (after a warning) when it cannot: out of memory, most likely, at
 * up to 16 bytes a pixel. */
static gboolean
whole_image_make (WholeImage *whole, const SharedApplier *shared,
                  GeglBuffer *input, const GeglRectangle *bbox,
                  const Babl *format)
{
  guint            generation = g_atomic_int_get (&whole->input_generation);
  LookLabImageView view = chunk_view (shared, NULL, bbox->width, bbox->height);
  LookLabDiag      diag = { 0 };
  guint8          *pixels = NULL;
  gint             n_threads = 1;
  int              status = LOOKLAB_ERR_NOMEM;

  if (whole->pixels != NULL && whole->serial == shared->serial
      && gegl_rectangle_equal (&whole->extent, bbox)
      && whole->generation == generation)
    return TRUE;
  g_clear_pointer (&whole->pixels, g_free);

  if ((gsize) bbox->height <= G_MAXSIZE / view.stride)
    pixels = g_try_malloc (view.stride * (gsize) bbox->height);
  if (pixels != NULL)
    {
      view.pixels = pixels;
      gegl_buffer_get (input, bbox, 1.0, format, pixels, (gint) view.stride,
                       GEGL_ABYSS_NONE);
      g_object_get (gegl_config (), "threads", &n_threads, NULL);
      status = looklab_look_apply_view_baked (
          shared->look, shared->global, &view, pixels, view.stride, bbox->width,
          bbox->height, 0, 0, shared->strength, n_threads, &diag);
    }
  if (status != LOOKLAB_OK)
    {
      g_warning ("looklab:apply: the look could not be applied to %d x %d "
                 "pixels (%s%s%s); the image is left unchanged",
                 bbox->width, bbox->height, looklab_strerror (status),
                 diag.message[0] != '\0' ? ": " : "", diag.message);
      g_free (pixels);
      return FALSE;
    }
  whole->pixels = pixels;
  whole->stride = view.stride;
  whole->serial = shared->serial;
  whole->extent = *bbox;
  whole->generation = generation;
  return TRUE;
}

/* A look with local contrast: the whole output is made once (and kept),
 * and @result is copied out of it.  When it cannot be made the input is
 * passed on unchanged. */
static gboolean
process_whole_image (GeglOperation *operation, GeglOperationContext *context,
                     const GeglRectangle *result, const SharedApplier *shared)
{
  const Babl          *format = gegl_operation_get_format (operation, "output");
  const GeglRectangle *bbox
      = gegl_operation_source_get_bounding_box (operation, "input");
  Cache      *cache = GEGL_PROPERTIES (operation)->user_data;
  GeglBuffer *input
      = GEGL_BUFFER (gegl_operation_context_dup_object (context, "input"));
  GeglBuffer   *output = gegl_operation_context_get_target (context, "output");
  GeglRectangle part;
  gboolean      done = FALSE;

  if (input == NULL || output == NULL || cache == NULL)
    {
      g_clear_object (&input);
      return FALSE;
    }
  if (bbox != NULL && bbox->width > 0 && bbox->height > 0
      && gegl_rectangle_intersect (&part, result, bbox))
    {
      WholeImage *whole = &cache->whole;

      g_mutex_lock (&whole->lock);
      if (whole_image_make (whole, shared, input, bbox, format))
        {
          gegl_buffer_set (
              output, &part, 0, format,
              whole->pixels + (gsize) (part.y - bbox->y) * whole->stride
                  + (gsize) (part.x - bbox->x)
                        * looklab_pixel_format_bytes (shared->pixel_format),
              (gint) whole->stride);
          done = TRUE;
        }
      g_mutex_unlock (&whole->lock);
    }
  if (!done)
    gegl_buffer_copy (input, result, GEGL_ABYSS_NONE, output, result);
  g_object_unref (input);
  return TRUE;
}

/* Without a usable LUT, or at strength 0, the input buffer is handed on as
 * it is: bit for bit the original, at no cost. */
static gboolean
operation_process (GeglOperation *operation, GeglOperationContext *context,
                   const gchar *output_prop, const GeglRectangle *result,
                   gint level)
{
  GeglOperationClass *operation_class
      = GEGL_OPERATION_CLASS (gegl_op_parent_class);
  GeglProperties *o = GEGL_PROPERTIES (operation);
  SharedApplier  *shared = current_applier (o);

  if (shared == NULL || o->strength <= 0.0)
    {
      gpointer input = gegl_operation_context_get_object (context, "input");

      shared_applier_unref (shared);
      gegl_operation_context_set_object (context, "output", input);
      return TRUE;
    }
  if (shared->whole_image)
    {
      gboolean done = process_whole_image (operation, context, result, shared);

      shared_applier_unref (shared);
      return done;
    }
  shared_applier_unref (shared);

  return operation_class->process (operation, context, output_prop, result,
                                   level);
}

static void
finalize (GObject *object)
{
  GeglProperties *o = GEGL_PROPERTIES (object);

  cache_free (o->user_data);
  o->user_data = NULL;
  G_OBJECT_CLASS (gegl_op_parent_class)->finalize (object);
}

static void
gegl_op_class_init (GeglOpClass *klass)
{
  GObjectClass                  *object_class = G_OBJECT_CLASS (klass);
  GeglOperationClass            *operation_class = GEGL_OPERATION_CLASS (klass);
  GeglOperationPointFilterClass *point_filter_class
      = GEGL_OPERATION_POINT_FILTER_CLASS (klass);

  object_class->finalize = finalize;
  operation_class->prepare = prepare;
  operation_class->process = operation_process;
  operation_class->get_required_for_output = get_required_for_output;
  operation_class->get_invalidated_by_change = get_invalidated_by_change;
  point_filter_class->process = process;

  /* "color": GIMP 3.2 refuses third-party ops of categories such as
   * hidden, core or programming in non-destructive filters. */
  gegl_operation_class_set_keys (
      operation_class, "name", "looklab:apply", "title",
      _ ("LookLab Apply Look / LUT"), "categories", "color", "op-version",
      "1:0", "description",
      _ ("Applies a .cube 3D LUT or a LookLab look file to the image, in "
         "sRGB-encoded RGB, with tetrahedral or trilinear interpolation.  "
         "Alpha is kept; a missing or malformed file leaves the image "
         "unchanged."),
      NULL);
}

#endif
