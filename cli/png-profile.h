/* The looklab CLI: the colour profile chunks of a PNG that GEGL wrote. */
#ifndef LOOKLAB_CLI_PNG_PROFILE_H
#define LOOKLAB_CLI_PNG_PROFILE_H

#include <glib.h>

/* Rewrites the PNG at @path so that its colour is described by the ICC
 * profile @icc (@icc_len bytes) alone: an iCCP chunk after IHDR, and no
 * sRGB, gAMA, cHRM or other iCCP chunk.  GEGL's png-save (0.4.42 to
 * 0.4.62) writes a gAMA of 2.2 beside the profile, which contradicts it
 * (a reader that prefers gAMA, as the PNG specification lets it when it
 * does no ICC, sees the wrong tones), and fails outright on spaces whose
 * chromaticities libpng rejects (Display P3 read from an ICC profile).
 * Returns FALSE with @error set when @path is not a PNG or cannot be
 * rewritten. */
gboolean looklab_png_set_profile (const char *path, const void *icc,
                                  gsize icc_len, GError **error);

#endif /* LOOKLAB_CLI_PNG_PROFILE_H */
