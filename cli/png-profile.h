/* The looklab CLI: the colour profile chunks of a PNG or WebP that GEGL
 * wrote. */
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

/* Rewrites the WebP at @path (simple, VP8 or VP8L, or extended) into the
 * extended format with @icc as its ICCP chunk.  GEGL's webp-save (0.4.42)
 * writes no profile.  Returns FALSE with @error set when @path is not a
 * WebP this understands or cannot be rewritten. */
gboolean looklab_webp_set_profile (const char *path, const void *icc,
                                   gsize icc_len, GError **error);

#endif /* LOOKLAB_CLI_PNG_PROFILE_H */
