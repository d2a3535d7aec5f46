/* Helper of test-lut-ffmpeg.sh: writes the test frame and compares our
 * LUT application with ffmpeg's output on it.
 *
 *   lut-ffmpeg-check frame W H OUT.rgb24 OUT.gbrpf32le
 *       A deterministic frame: every 8-bit level of every channel, smooth
 *       ramps and seeded noise; the float copy holds exactly v / 255.
 *   lut-ffmpeg-check u8 CUBE FRAME.rgb24 W H FFMPEG.rgb24
 *       Our rgb-u8 tetrahedral output against ffmpeg's lut3d on rgb24.
 *   lut-ffmpeg-check float CUBE FRAME.rgb24 W H FFMPEG.gbrpf32le
 *       Our rgb-u8 output against ffmpeg's float output rounded to 8 bits,
 *       and our float output (on v / 255) against ffmpeg's float output.
 *       The CUBE must have a shaper, and the check also shows that
 *       ignoring it would fail, so the shaper path is really exercised.
 *
 * Every 8-bit value must be within 1 of ffmpeg's (ffmpeg truncates where
 * we round to nearest: vf_lut3d.c av_clip_uint8 (v * 255)).  Exit status 0
 * when all agree, 1 otherwise, 2 on usage or I/O errors.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lut/cube-io.h"
#include "lut/lut-apply.h"

static uint8_t *
read_file (const char *path, size_t want)
{
  FILE    *fp = fopen (path, "rb");
  uint8_t *buf = malloc (want + 1);
  size_t   got = 0;

  if (fp != NULL && buf != NULL)
    {
      got = fread (buf, 1, want + 1, fp);
    }
  if (fp != NULL)
    fclose (fp);
  if (buf == NULL || got != want)
    {
      fprintf (stderr, "%s: expected %zu bytes, read %zu\n", path, want, got);
      free (buf);
      return NULL;
    }
  return buf;
}

static int
write_file (const char *path, const void *data, size_t len)
{
  FILE *fp = fopen (path, "wb");
  int   ok = fp != NULL && fwrite (data, 1, len, fp) == len;

  if (fp != NULL && fclose (fp) != 0)
    ok = 0;
  if (!ok)
    fprintf (stderr, "cannot write %s\n", path);
  return ok;
}

static int
make_frame (int w, int h, const char *rgb_path, const char *gbrpf_path)
{
  size_t   n = (size_t) w * h;
  uint8_t *rgb = malloc (n * 3);
  float   *planar = malloc (n * 3 * sizeof (float));
  uint32_t seed = 2463534242u;
  int      ok;

  if (rgb == NULL || planar == NULL)
    return 0;
  for (size_t i = 0; i < n; i++)
    {
      int x = (int) (i % w), y = (int) (i / w);

      for (int c = 0; c < 3; c++)
        {
          int v;

          /* xorshift32 (Marsaglia 2003). */
          seed ^= seed << 13;
          seed ^= seed >> 17;
          seed ^= seed << 5;
          if (y % 4 == 0)
            v = (int) ((i + 85 * c) % 256); /* every level */
          else if (y % 4 == 1)
            v = (x * 255 / (w - 1) + 40 * c) % 256; /* ramps */
          else
            v = seed >> 24; /* noise */
          rgb[i * 3 + c] = (uint8_t) v;
        }
      /* gbrpf32le: planes G, B, R. */
      planar[i] = rgb[i * 3 + 1] / 255.0f;
      planar[n + i] = rgb[i * 3 + 2] / 255.0f;
      planar[2 * n + i] = rgb[i * 3 + 0] / 255.0f;
    }
  ok = write_file (rgb_path, rgb, n * 3)
       && write_file (gbrpf_path, planar, n * 3 * sizeof (float));
  free (rgb);
  free (planar);
  return ok;
}

/* Returns the number of 8-bit values of @ours farther than 1 from
 * @theirs; prints the largest difference. */
static size_t
compare_u8 (const char *what, const uint8_t *ours, const uint8_t *theirs,
            size_t n)
{
  size_t bad = 0;
  int    worst = 0;

  for (size_t i = 0; i < n; i++)
    {
      int d = abs ((int) ours[i] - (int) theirs[i]);

      worst = d > worst ? d : worst;
      bad += d > 1;
    }
  printf ("%s: %zu values, max difference %d/255, %zu beyond 1/255\n", what, n,
          worst, bad);
  return bad;
}

int
main (int argc, char **argv)
{
  LookLabLut *lut = NULL;
  LookLabDiag diag = { 0 };
  uint8_t    *frame = NULL, *theirs = NULL, *ours = NULL, *theirs8 = NULL;
  float      *framef = NULL, *oursf = NULL;
  int         w, h, status, ret = 2;
  size_t      n;

  if (argc == 6 && strcmp (argv[1], "frame") == 0)
    return make_frame (atoi (argv[2]), atoi (argv[3]), argv[4], argv[5]) ? 0
                                                                         : 2;
  if (argc != 7
      || (strcmp (argv[1], "u8") != 0 && strcmp (argv[1], "float") != 0))
    {
      fprintf (stderr, "usage: see the comment at the top of %s\n", __FILE__);
      return 2;
    }
  w = atoi (argv[4]);
  h = atoi (argv[5]);
  if (w < 1 || h < 1 || w > 4096 || h > 4096)
    return 2;
  n = (size_t) w * h;

  status = looklab_cube_read (argv[2], &lut, &diag);
  if (status != LOOKLAB_OK)
    {
      fprintf (stderr, "%s: %s (line %d: %s)\n", argv[2],
               looklab_strerror (status), diag.line, diag.message);
      goto out;
    }
  frame = read_file (argv[3], n * 3);
  ours = malloc (n * 3);
  if (frame == NULL || ours == NULL)
    goto out;
  if (looklab_lut_apply (lut, LOOKLAB_PIXEL_RGB_U8, LOOKLAB_INTERP_TETRAHEDRAL,
                         1.0f, frame, (size_t) w * 3, ours, (size_t) w * 3, w,
                         h, 0)
      != LOOKLAB_OK)
    goto out;

  if (strcmp (argv[1], "u8") == 0)
    {
      theirs = read_file (argv[6], n * 3);
      if (theirs == NULL)
        goto out;
      ret = compare_u8 ("rgb24", ours, theirs, n * 3) == 0 ? 0 : 1;
    }
  else
    {
      const float *tf;
      double       worst = 0.0;
      size_t       bad_noshaper;

      if (lut->shaper_size == 0)
        {
          fprintf (stderr, "%s has no shaper\n", argv[2]);
          goto out;
        }
      theirs = read_file (argv[6], n * 3 * sizeof (float));
      framef = malloc (n * 3 * sizeof (float));
      oursf = malloc (n * 3 * sizeof (float));
      theirs8 = malloc (n * 3);
      if (theirs == NULL || framef == NULL || oursf == NULL || theirs8 == NULL)
        goto out;
      for (size_t i = 0; i < n * 3; i++)
        framef[i] = frame[i] / 255.0f;
      if (looklab_lut_apply (lut, LOOKLAB_PIXEL_RGB_FLOAT,
                             LOOKLAB_INTERP_TETRAHEDRAL, 1.0f, framef,
                             (size_t) w * 12, oursf, (size_t) w * 12, w, h, 0)
          != LOOKLAB_OK)
        goto out;

      tf = (const float *) theirs;
      for (size_t i = 0; i < n; i++)
        {
          /* ffmpeg's planes are G, B, R. */
          float rgb[3] = { tf[2 * n + i], tf[i], tf[n + i] };

          for (int c = 0; c < 3; c++)
            {
              float  v = rgb[c] < 0.0f ? 0.0f : rgb[c] > 1.0f ? 1.0f : rgb[c];
              double d = fabs ((double) oursf[i * 3 + c] - rgb[c]);

              theirs8[i * 3 + c] = (uint8_t) (v * 255.0f + 0.5f);
              worst = d > worst ? d : worst;
            }
        }
      ret = compare_u8 ("rgb24 vs ffmpeg float rounded", ours, theirs8, n * 3)
                    == 0
                ? 0
                : 1;
      printf ("float: max difference %.2e\n", worst);
      /* Both interpolate the same shaper and lattice in float; 1e-4 is
       * far below an 8-bit step yet well above float rounding. */
      if (worst > 1e-4)
        ret = 1;

      /* The same LUT without its shaper must disagree with ffmpeg, or this
       * test would not notice a shaper that is ignored. */
      lut->shaper_size = 0;
      if (looklab_lut_apply (lut, LOOKLAB_PIXEL_RGB_U8,
                             LOOKLAB_INTERP_TETRAHEDRAL, 1.0f, frame,
                             (size_t) w * 3, ours, (size_t) w * 3, w, h, 0)
          != LOOKLAB_OK)
        {
          ret = 2;
          goto out;
        }
      bad_noshaper
          = compare_u8 ("(control, shaper ignored)", ours, theirs8, n * 3);
      if (bad_noshaper < n / 10)
        {
          printf ("the shaper makes too little difference to be tested\n");
          ret = 1;
        }
    }

out:
  looklab_lut_free (lut);
  free (frame);
  free (theirs);
  free (theirs8);
  free (ours);
  free (framef);
  free (oursf);
  return ret;
}
