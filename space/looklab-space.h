/* The colour space a look or a .cube LUT is a function of.
 *
 * A look is learned on, and a LUT maps, non-linear RGB code values; those
 * numbers mean colours only within a space.  LookLab's looks are in sRGB
 * (IEC 61966-2-1: Rec.709 primaries, D65, the sRGB curve), which is what
 * LUT tools assume unless told otherwise (darktable's lut3d module,
 * Resolve's "sRGB" LUTs).  A LUT made for video is often in Rec.709
 * (the same primaries with the BT.709 OETF): that space is "rec709".
 *
 * Images in another profile are converted into the look's space before a
 * look is learned or applied, and back afterwards (cli/image-io.c,
 * plugin/looklab-pixels.c).
 */
#ifndef LOOKLAB_SPACE_H
#define LOOKLAB_SPACE_H

#include <babl/babl.h>
#include <glib.h>

#define LOOKLAB_SPACE_ERROR (looklab_space_error_quark ())
GQuark looklab_space_error_quark (void);

/* The space a look or LUT is in unless told otherwise. */
#define LOOKLAB_SPACE_DEFAULT "srgb"

/* The names looklab_space_lookup knows, for messages and help:
 * "srgb, rec709". */
#define LOOKLAB_SPACE_NAMES "srgb, rec709"

/* Returns the babl space called @name (case-insensitive; NULL or "" is
 * LOOKLAB_SPACE_DEFAULT), or NULL with @error set for an unknown name.
 * babl must be initialised (babl_init or gegl_init).  The space is babl's
 * and lives as long as the process. */
const Babl *looklab_space_lookup (const char *name, GError **error);

/* TRUE when @a and @b are the same space (NULL is sRGB, as in babl):
 * pixels need no conversion between them. */
gboolean looklab_space_same (const Babl *a, const Babl *b);

#endif /* LOOKLAB_SPACE_H */
