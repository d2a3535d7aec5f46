/* icc-fixture: makes the colour-managed test images of tests/cli and
 * compares images as they look, independently of GEGL and babl (lcms2 for
 * the colour, libpng and libjpeg for the files).
 *
 *   icc-fixture make IN.png SPACE OUT.png|OUT.jpg
 *     IN is an 8-bit sRGB PNG (data/sample/ladybird.png).  SPACE is
 *       srgb            no profile (sRGB by default)
 *       adobe:FILE.icc  converted into that profile, which is embedded
 *                       (icc-profiles-free's compatibleWithAdobeRGB1998.icc)
 *       p3              Display P3 (P3 primaries, D65, the sRGB curve),
 *                       built here with lcms2 and embedded
 *       gamma:G         a PNG gAMA chunk of G and no profile (sRGB
 *                       primaries), the values encoded with that exponent
 *       bare-adobe:FILE the Adobe RGB values with no profile at all
 *       broken          sRGB values with an iCCP / APP2 profile of garbage
 *       cmyk            (JPEG only) a CMYK JPEG, C = 255 - R and so on
 *   icc-fixture de00 A B [LIMIT]
 *     prints the mean and the largest CIEDE2000 between A and B, each seen
 *     through its embedded profile, or its gAMA/cHRM chunks, or as sRGB;
 *     with LIMIT, exits 1 unless the mean is below it.
 *   icc-fixture webp-iccp IN.webp PROFILE.icc OUT.webp
 *     wraps the simple (VP8 or VP8L) WebP IN in the extended format with
 *     PROFILE as its ICCP chunk (WebP container specification).
 *   icc-fixture mean FILE
 *     prints the mean stored R, G and B code values (0..255), profile aside.
 *
 * The PNG rules are those of the PNG specification (3rd edition, 11.3.3):
 * an iCCP profile wins over gAMA/cHRM, an sRGB chunk means sRGB, and gAMA
 * gives the exponent from light to the stored value.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <lcms2.h>
#include <png.h>

typedef struct
{
  int            width, height;
  unsigned char *rgb; /* width * height * 3, 8-bit */
  cmsHPROFILE    profile;
} Image;

static void
die (const char *msg, const char *arg)
{
  fprintf (stderr, "icc-fixture: %s%s%s\n", msg, arg ? ": " : "",
           arg ? arg : "");
  exit (1);
}

/* Display P3 as Apple describes it: DCI-P3 primaries, D65, the sRGB
 * curve (IEC 61966-2-1 parameters, lcms2 parametric type 4). */
static cmsHPROFILE
make_p3 (void)
{
  static const cmsFloat64Number srgb_curve[5]
      = { 2.4, 1.0 / 1.055, 0.055 / 1.055, 1.0 / 12.92, 0.04045 };
  cmsCIExyY       d65 = { 0.3127, 0.3290, 1.0 };
  cmsCIExyYTRIPLE p3
      = { { 0.680, 0.320, 1.0 }, { 0.265, 0.690, 1.0 }, { 0.150, 0.060, 1.0 } };
  cmsToneCurve *curve = cmsBuildParametricToneCurve (NULL, 4, srgb_curve);
  cmsToneCurve *curves[3] = { curve, curve, curve };
  cmsHPROFILE   p = cmsCreateRGBProfile (&d65, &p3, curves);

  cmsFreeToneCurve (curve);
  return p;
}

/* The profile a PNG's gAMA (and cHRM) chunks describe. */
static cmsHPROFILE
make_gamma (double gamma, const double *chrm)
{
  cmsCIExyY       wp = { 0.3127, 0.3290, 1.0 };
  cmsCIExyYTRIPLE prim
      = { { 0.64, 0.33, 1.0 }, { 0.30, 0.60, 1.0 }, { 0.15, 0.06, 1.0 } };
  cmsToneCurve *curve = cmsBuildGamma (NULL, 1.0 / gamma);
  cmsToneCurve *curves[3] = { curve, curve, curve };
  cmsHPROFILE   p;

  if (chrm != NULL)
    {
      wp.x = chrm[0], wp.y = chrm[1];
      prim.Red.x = chrm[2], prim.Red.y = chrm[3];
      prim.Green.x = chrm[4], prim.Green.y = chrm[5];
      prim.Blue.x = chrm[6], prim.Blue.y = chrm[7];
    }
  p = cmsCreateRGBProfile (&wp, &prim, curves);
  cmsFreeToneCurve (curve);
  return p;
}

static void
image_free (Image *im)
{
  free (im->rgb);
  if (im->profile != NULL)
    cmsCloseProfile (im->profile);
}

static int
has_suffix (const char *s, const char *suffix)
{
  size_t n = strlen (s), m = strlen (suffix);
  return n >= m && strcasecmp (s + n - m, suffix) == 0;
}

static Image
read_png (const char *path)
{
  Image       im = { 0 };
  FILE       *f = fopen (path, "rb");
  png_structp png;
  png_infop   info;
  png_charp   name;
  png_bytep   icc;
  png_uint_32 icc_len;
  int         comp, y;

  if (f == NULL)
    die ("cannot open", path);
  png = png_create_read_struct (PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  info = png_create_info_struct (png);
  if (setjmp (png_jmpbuf (png)))
    die ("bad PNG", path);
  png_set_option (png, PNG_SKIP_sRGB_CHECK_PROFILE, PNG_OPTION_ON);
  png_init_io (png, f);
  png_read_info (png, info);
  png_set_expand (png);
  png_set_strip_16 (png);
  png_set_strip_alpha (png);
  png_set_gray_to_rgb (png);
  png_read_update_info (png, info);
  im.width = (int) png_get_image_width (png, info);
  im.height = (int) png_get_image_height (png, info);
  im.rgb = malloc ((size_t) im.width * im.height * 3);
  for (y = 0; y < im.height; y++)
    png_read_row (png, im.rgb + (size_t) y * im.width * 3, NULL);

  if (png_get_iCCP (png, info, &name, &comp, &icc, &icc_len) == PNG_INFO_iCCP)
    {
      im.profile = cmsOpenProfileFromMem (icc, icc_len);
      if (im.profile == NULL)
        die ("unreadable ICC profile in", path);
    }
  else if (png_get_valid (png, info, PNG_INFO_sRGB))
    im.profile = cmsCreate_sRGBProfile ();
  else if (png_get_valid (png, info, PNG_INFO_gAMA))
    {
      double gamma, chrm[8];
      int    has_chrm = png_get_valid (png, info, PNG_INFO_cHRM) != 0;

      png_get_gAMA (png, info, &gamma);
      if (has_chrm)
        png_get_cHRM (png, info, &chrm[0], &chrm[1], &chrm[2], &chrm[3],
                      &chrm[4], &chrm[5], &chrm[6], &chrm[7]);
      im.profile = make_gamma (gamma, has_chrm ? chrm : NULL);
    }
  else
    im.profile = cmsCreate_sRGBProfile ();
  png_destroy_read_struct (&png, &info, NULL);
  fclose (f);
  return im;
}

static Image
read_jpeg (const char *path)
{
  Image                         im = { 0 };
  struct jpeg_decompress_struct cinfo;
  struct jpeg_error_mgr         jerr;
  FILE                         *f = fopen (path, "rb");
  JOCTET                       *icc = NULL;
  unsigned int                  icc_len = 0;

  if (f == NULL)
    die ("cannot open", path);
  cinfo.err = jpeg_std_error (&jerr);
  jpeg_create_decompress (&cinfo);
  jpeg_stdio_src (&cinfo, f);
  jpeg_save_markers (&cinfo, JPEG_APP0 + 2, 0xFFFF);
  jpeg_read_header (&cinfo, TRUE);
  cinfo.out_color_space = JCS_RGB;
  jpeg_start_decompress (&cinfo);
  im.width = (int) cinfo.output_width;
  im.height = (int) cinfo.output_height;
  im.rgb = malloc ((size_t) im.width * im.height * 3);
  while (cinfo.output_scanline < cinfo.output_height)
    {
      JSAMPROW row = im.rgb + (size_t) cinfo.output_scanline * im.width * 3;
      jpeg_read_scanlines (&cinfo, &row, 1);
    }
  if (jpeg_read_icc_profile (&cinfo, &icc, &icc_len))
    {
      im.profile = cmsOpenProfileFromMem (icc, icc_len);
      free (icc);
      if (im.profile == NULL)
        die ("unreadable ICC profile in", path);
    }
  else
    im.profile = cmsCreate_sRGBProfile ();
  jpeg_finish_decompress (&cinfo);
  jpeg_destroy_decompress (&cinfo);
  fclose (f);
  return im;
}

static Image
read_image (const char *path)
{
  if (has_suffix (path, ".jpg") || has_suffix (path, ".jpeg"))
    return read_jpeg (path);
  return read_png (path);
}

static void
write_png (const char *path, const Image *im, const void *icc, unsigned icc_len,
           double gamma)
{
  FILE       *f = fopen (path, "wb");
  png_structp png;
  png_infop   info;
  int         y;

  if (f == NULL)
    die ("cannot create", path);
  png = png_create_write_struct (PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  info = png_create_info_struct (png);
  if (setjmp (png_jmpbuf (png)))
    die ("cannot write", path);
  png_set_option (png, PNG_SKIP_sRGB_CHECK_PROFILE, PNG_OPTION_ON);
  png_init_io (png, f);
  png_set_IHDR (png, info, (png_uint_32) im->width, (png_uint_32) im->height, 8,
                PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (icc != NULL)
    png_set_iCCP (png, info, "profile", PNG_COMPRESSION_TYPE_BASE, icc,
                  icc_len);
  if (gamma > 0.0)
    png_set_gAMA (png, info, gamma);
  png_write_info (png, info);
  for (y = 0; y < im->height; y++)
    png_write_row (png, im->rgb + (size_t) y * im->width * 3);
  png_write_end (png, info);
  png_destroy_write_struct (&png, &info);
  if (fclose (f) != 0)
    die ("cannot write", path);
}

static void
write_jpeg (const char *path, const Image *im, const void *icc,
            unsigned icc_len, int cmyk)
{
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr       jerr;
  FILE                       *f = fopen (path, "wb");
  unsigned char              *row = malloc ((size_t) im->width * 4);

  if (f == NULL)
    die ("cannot create", path);
  cinfo.err = jpeg_std_error (&jerr);
  jpeg_create_compress (&cinfo);
  jpeg_stdio_dest (&cinfo, f);
  cinfo.image_width = (JDIMENSION) im->width;
  cinfo.image_height = (JDIMENSION) im->height;
  cinfo.input_components = cmyk ? 4 : 3;
  cinfo.in_color_space = cmyk ? JCS_CMYK : JCS_RGB;
  jpeg_set_defaults (&cinfo);
  jpeg_set_quality (&cinfo, 95, TRUE);
  jpeg_start_compress (&cinfo, TRUE);
  if (icc != NULL)
    jpeg_write_icc_profile (&cinfo, icc, icc_len);
  while (cinfo.next_scanline < cinfo.image_height)
    {
      const unsigned char *src
          = im->rgb + (size_t) cinfo.next_scanline * im->width * 3;
      JSAMPROW out = (JSAMPROW) src;
      int      x;

      if (cmyk)
        {
          for (x = 0; x < im->width; x++)
            {
              row[4 * x + 0] = (unsigned char) (255 - src[3 * x + 0]);
              row[4 * x + 1] = (unsigned char) (255 - src[3 * x + 1]);
              row[4 * x + 2] = (unsigned char) (255 - src[3 * x + 2]);
              row[4 * x + 3] = 0;
            }
          out = row;
        }
      jpeg_write_scanlines (&cinfo, &out, 1);
    }
  jpeg_finish_compress (&cinfo);
  jpeg_destroy_compress (&cinfo);
  free (row);
  if (fclose (f) != 0)
    die ("cannot write", path);
}

static int
cmd_make (const char *in, const char *space, const char *out)
{
  Image           im = read_png (in);
  cmsHPROFILE     target = NULL;
  void           *icc = NULL;
  cmsUInt32Number icc_len = 0;
  double          gamma = 0.0;
  int             jpeg = has_suffix (out, ".jpg") || has_suffix (out, ".jpeg");

  int bare = strncmp (space, "bare-", 5) == 0;

  if (bare)
    space += 5;
  if (strncmp (space, "adobe:", 6) == 0)
    {
      target = cmsOpenProfileFromFile (space + 6, "r");
      if (target == NULL)
        die ("cannot read the profile", space + 6);
    }
  else if (strcmp (space, "p3") == 0)
    target = make_p3 ();
  else if (strncmp (space, "gamma:", 6) == 0)
    {
      gamma = atof (space + 6);
      if (!(gamma > 0.0) || jpeg)
        die ("gamma:G needs G > 0 and a PNG", space);
      target = make_gamma (gamma, NULL);
    }
  else if (strcmp (space, "broken") == 0)
    {
      /* A well-formed header (libpng checks it before writing) over an
       * empty tag table: no primaries, no curves. */
      cmsHPROFILE srgb = cmsCreate_sRGBProfile ();

      cmsSaveProfileToMem (srgb, NULL, &icc_len);
      icc = malloc (icc_len);
      cmsSaveProfileToMem (srgb, icc, &icc_len);
      cmsCloseProfile (srgb);
      memset ((unsigned char *) icc + 128, 0, 4);
    }
  else if (strcmp (space, "cmyk") == 0)
    {
      if (!jpeg)
        die ("cmyk needs a JPEG", out);
      write_jpeg (out, &im, NULL, 0, 1);
      image_free (&im);
      return 0;
    }
  else if (strcmp (space, "srgb") != 0)
    die ("unknown space", space);

  if (target != NULL)
    {
      /* 16-bit in between: the conversion alone, rounded once. */
      cmsHTRANSFORM t = cmsCreateTransform (
          im.profile, TYPE_RGB_8, target, TYPE_RGB_8,
          INTENT_RELATIVE_COLORIMETRIC, cmsFLAGS_NOOPTIMIZE);
      if (t == NULL)
        die ("cannot convert to", space);
      cmsDoTransform (t, im.rgb, im.rgb,
                      (cmsUInt32Number) im.width * im.height);
      cmsDeleteTransform (t);
      if (gamma == 0.0 && !bare)
        {
          cmsSaveProfileToMem (target, NULL, &icc_len);
          icc = malloc (icc_len);
          cmsSaveProfileToMem (target, icc, &icc_len);
        }
      cmsCloseProfile (target);
    }
  if (jpeg)
    write_jpeg (out, &im, icc, icc_len, 0);
  else
    write_png (out, &im, icc, icc_len, gamma);
  free (icc);
  image_free (&im);
  return 0;
}

static int
cmd_de00 (const char *a_path, const char *b_path, const char *limit)
{
  Image         a = read_image (a_path), b = read_image (b_path);
  cmsHPROFILE   lab = cmsCreateLab4Profile (NULL);
  cmsHTRANSFORM ta, tb;
  size_t        n = (size_t) a.width * a.height, i;
  double        sum = 0.0, worst = 0.0;
  cmsCIELab    *la, *lb;

  if (a.width != b.width || a.height != b.height)
    die ("the images differ in size", b_path);
  ta = cmsCreateTransform (a.profile, TYPE_RGB_8, lab, TYPE_Lab_DBL,
                           INTENT_RELATIVE_COLORIMETRIC, cmsFLAGS_NOOPTIMIZE);
  tb = cmsCreateTransform (b.profile, TYPE_RGB_8, lab, TYPE_Lab_DBL,
                           INTENT_RELATIVE_COLORIMETRIC, cmsFLAGS_NOOPTIMIZE);
  if (ta == NULL || tb == NULL)
    die ("cannot convert to Lab", NULL);
  la = malloc (n * sizeof *la);
  lb = malloc (n * sizeof *lb);
  cmsDoTransform (ta, a.rgb, la, (cmsUInt32Number) n);
  cmsDoTransform (tb, b.rgb, lb, (cmsUInt32Number) n);
  for (i = 0; i < n; i++)
    {
      double d = cmsCIE2000DeltaE (&la[i], &lb[i], 1.0, 1.0, 1.0);
      sum += d;
      if (d > worst)
        worst = d;
    }
  printf ("%.4f %.4f\n", sum / (double) n, worst);
  free (la);
  free (lb);
  cmsDeleteTransform (ta);
  cmsDeleteTransform (tb);
  cmsCloseProfile (lab);
  image_free (&a);
  image_free (&b);
  return limit != NULL && !(sum / (double) n < atof (limit));
}

static void
put_le (unsigned char *p, unsigned long v, int n)
{
  int i;

  for (i = 0; i < n; i++)
    p[i] = (unsigned char) (v >> (8 * i));
}

static unsigned char *
slurp (const char *path, long *len)
{
  FILE          *f = fopen (path, "rb");
  unsigned char *data;

  if (f == NULL || fseek (f, 0, SEEK_END) != 0 || (*len = ftell (f)) <= 0)
    die ("cannot read", path);
  rewind (f);
  data = malloc ((size_t) *len);
  if (fread (data, 1, (size_t) *len, f) != (size_t) *len)
    die ("cannot read", path);
  fclose (f);
  return data;
}

static int
cmd_webp_iccp (const char *in, const char *icc_path, const char *out)
{
  long           len, icc_len;
  unsigned char *webp = slurp (in, &len), *icc = slurp (icc_path, &icc_len);
  unsigned char  vp8x[18] = "VP8X", iccp[8] = "ICCP", riff[12] = "RIFF";
  unsigned long  width, height;
  FILE          *f;

  if (len < 30 || memcmp (webp, "RIFF", 4) != 0
      || memcmp (webp + 8, "WEBP", 4) != 0)
    die ("not a WebP", in);
  if (memcmp (webp + 12, "VP8L", 4) == 0)
    {
      /* VP8L header: signature 0x2f, then 14 bits width-1, 14 height-1. */
      unsigned long b = webp[21] | (webp[22] << 8) | (webp[23] << 16)
                        | ((unsigned long) webp[24] << 24);
      width = (b & 0x3fff) + 1;
      height = ((b >> 14) & 0x3fff) + 1;
    }
  else if (memcmp (webp + 12, "VP8 ", 4) == 0)
    {
      /* VP8 key frame: 3-byte tag, start code, then 14-bit sizes. */
      width = (webp[26] | (webp[27] << 8)) & 0x3fff;
      height = (webp[28] | (webp[29] << 8)) & 0x3fff;
    }
  else
    die ("not a simple WebP", in);

  put_le (vp8x + 4, 10, 4);
  vp8x[8] = 0x20; /* ICC profile */
  put_le (vp8x + 12, width - 1, 3);
  put_le (vp8x + 15, height - 1, 3);
  put_le (iccp + 4, (unsigned long) icc_len, 4);
  put_le (riff + 4,
          (unsigned long) (4 + sizeof vp8x + 8 + icc_len + (icc_len & 1)
                           + (len - 12)),
          4);
  memcpy (riff + 8, "WEBP", 4);
  f = fopen (out, "wb");
  if (f == NULL)
    die ("cannot create", out);
  fwrite (riff, 1, sizeof riff, f);
  fwrite (vp8x, 1, sizeof vp8x, f);
  fwrite (iccp, 1, sizeof iccp, f);
  fwrite (icc, 1, (size_t) icc_len, f);
  if (icc_len & 1)
    fputc (0, f);
  fwrite (webp + 12, 1, (size_t) (len - 12), f);
  if (fclose (f) != 0)
    die ("cannot write", out);
  free (webp);
  free (icc);
  return 0;
}

static int
cmd_mean (const char *path)
{
  Image  im = read_image (path);
  size_t n = (size_t) im.width * im.height, i;
  double sum[3] = { 0, 0, 0 };

  for (i = 0; i < n; i++)
    {
      sum[0] += im.rgb[3 * i + 0];
      sum[1] += im.rgb[3 * i + 1];
      sum[2] += im.rgb[3 * i + 2];
    }
  printf ("%.2f %.2f %.2f\n", sum[0] / n, sum[1] / n, sum[2] / n);
  image_free (&im);
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc == 5 && strcmp (argv[1], "make") == 0)
    return cmd_make (argv[2], argv[3], argv[4]);
  if ((argc == 4 || argc == 5) && strcmp (argv[1], "de00") == 0)
    return cmd_de00 (argv[2], argv[3], argc == 5 ? argv[4] : NULL);
  if (argc == 5 && strcmp (argv[1], "webp-iccp") == 0)
    return cmd_webp_iccp (argv[2], argv[3], argv[4]);
  if (argc == 3 && strcmp (argv[1], "mean") == 0)
    return cmd_mean (argv[2]);
  fprintf (stderr, "usage: icc-fixture make IN.png SPACE OUT\n"
                   "       icc-fixture de00 A B [LIMIT]\n"
                   "       icc-fixture webp-iccp IN.webp PROFILE.icc OUT.webp\n"
                   "       icc-fixture mean FILE\n");
  return 2;
}
