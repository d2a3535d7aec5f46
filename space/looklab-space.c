/* The colour spaces of looks and LUTs, by name (looklab-space.h). */
#include "looklab-space.h"

#include <lcms2.h>
#include <string.h>

#include <glib/gi18n.h>

G_DEFINE_QUARK (looklab - space - error - quark, looklab_space_error)

/* Rec.709: the sRGB primaries and white, with the BT.709 OETF
 * (ITU-R BT.709-6, item 1.2): V = 1.099 L^0.45 - 0.099 above L = 0.018,
 * 4.5 L below.  Its inverse is lcms2's parametric curve type 4 (ICC
 * 'para' function 3): L = ((V + 0.099) / 1.099)^(1 / 0.45) for
 * V >= 0.081, V / 4.5 below.  Built with lcms2 and read back by babl so
 * that babl converts with the exact curve, not a gamma near it. */
static const Babl *
make_rec709 (GError **error)
{
  static const cmsFloat64Number oetf_inverse[5]
      = { 1.0 / 0.45, 1.0 / 1.099, 0.099 / 1.099, 1.0 / 4.5, 0.081 };
  cmsCIExyY       d65 = { 0.3127, 0.3290, 1.0 };
  cmsCIExyYTRIPLE rec709
      = { { 0.640, 0.330, 1.0 }, { 0.300, 0.600, 1.0 }, { 0.150, 0.060, 1.0 } };
  cmsToneCurve    *curve;
  cmsHPROFILE      profile = NULL;
  cmsUInt32Number  size = 0;
  g_autofree char *icc = NULL;
  const char      *babl_error = NULL;
  const Babl      *space = NULL;

  curve = cmsBuildParametricToneCurve (NULL, 4, oetf_inverse);
  if (curve != NULL)
    {
      cmsToneCurve *curves[3] = { curve, curve, curve };
      profile = cmsCreateRGBProfile (&d65, &rec709, curves);
      cmsFreeToneCurve (curve);
    }
  if (profile != NULL)
    {
      cmsSetProfileVersion (profile, 4.3);
      if (cmsSaveProfileToMem (profile, NULL, &size) && size > 0)
        {
          icc = g_malloc (size);
          if (!cmsSaveProfileToMem (profile, icc, &size))
            g_clear_pointer (&icc, g_free);
        }
      cmsCloseProfile (profile);
    }
  if (icc != NULL)
    space = babl_space_from_icc (
        icc, (int) size, BABL_ICC_INTENT_RELATIVE_COLORIMETRIC, &babl_error);
  if (space == NULL)
    g_set_error (error, LOOKLAB_SPACE_ERROR, 1,
                 _ ("cannot build the Rec.709 colour space: %s"),
                 babl_error != NULL ? babl_error : "lcms2");
  return space;
}

const Babl *
looklab_space_lookup (const char *name, GError **error)
{
  static const Babl *rec709 = NULL;

  if (name == NULL || *name == '\0')
    name = LOOKLAB_SPACE_DEFAULT;
  if (g_ascii_strcasecmp (name, "srgb") == 0)
    return babl_space ("sRGB");
  if (g_ascii_strcasecmp (name, "rec709") == 0)
    {
      /* babl keeps every space for the life of the process; build it
       * once. */
      if (rec709 == NULL)
        rec709 = make_rec709 (error);
      return rec709;
    }
  g_set_error (error, LOOKLAB_SPACE_ERROR, 0,
               /* TRANSLATORS: the second %s is a list of names */
               _ ("unknown colour space '%s' (known: %s)"), name,
               LOOKLAB_SPACE_NAMES);
  return NULL;
}

gboolean
looklab_space_same (const Babl *a, const Babl *b)
{
  if (a == NULL)
    a = babl_space ("sRGB");
  if (b == NULL)
    b = babl_space ("sRGB");
  return a == b;
}
