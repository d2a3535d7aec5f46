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

/* The lattice a look file is baked to: the CLI's and the plug-in's
 * (cli/looklab-cli.c APPLY_BAKE_SIZE, plugin LOOKLAB_APPLY_BAKE_SIZE), so
 * that the three give the same pixels. */
#define BAKE_SIZE 65

/* Enough for looklab_look_sniff (), which needs at least 8. */
#define SNIFF_BYTES 16

/* One prepared applier, shared by the threads that run process () while
 * prepare () may already be swapping in the next one. */
typedef struct
{
  gint               ref_count;
  LookLabLutApplier *applier;
} SharedApplier;

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
  g_free (cache->path);
  g_mutex_clear (&cache->lock);
  g_free (cache);
}

/* Reads @path (.cube or look file, told apart by content as the plug-in
 * and the CLI do).  Returns NULL after a warning that names the file. */
static LookLabLut *
read_lut (const gchar *path)
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
          /* A point filter sees neither the pixel's place in the image nor
           * its neighbours: the spatial parts (vignette, local contrast)
           * are left out, and said so, once per file version. */
          if (looklab_look_has_spatial (look))
            g_warning ("looklab:apply: '%s' has spatial parts (vignette, "
                       "local contrast) that this operation does not apply "
                       "yet; only its global colour part is applied",
                       path);
          lut = looklab_look_bake (look, BAKE_SIZE, 0);
          if (lut == NULL)
            status = LOOKLAB_ERR_NOMEM;
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
      g_free (cache->path);
      cache->path = g_strdup (path);
      cache->mtime_ns = mtime_ns;
      cache->size = size;
      cache->loaded = TRUE;
      /* No file yet (a new filter in the GEGL Operation tool) is not an
       * error: the image shows unchanged until one is chosen. */
      if (path[0] != '\0')
        cache->lut = read_lut (path);
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

          if (applier == NULL)
            {
              g_warning ("looklab:apply: out of memory preparing '%s'; the "
                         "image is left unchanged",
                         path);
            }
          else
            {
              cache->current = g_new (SharedApplier, 1);
              cache->current->ref_count = 1;
              cache->current->applier = applier;
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
