/* neutralizer-run MODEL INPUT W H OUTPUT
 *
 * The look neutralizer (core/match/) on a raw float32 packed RGB image (H
 * rows of W pixels of R, G, B): predicts its LUT and applies it
 * trilinearly, as looklab match does, and writes the neutralized image in
 * the same layout followed by the K basis weights.  For the parity test
 * (test-neutralizer.py); on a model error it prints the message and exits
 * with 1. */
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

#include "lut/lut-apply.h"
#include "match/neutralizer.h"

int
main (int argc, char **argv)
{
  LookLabNeutralizer *nz = NULL;
  LookLabLut         *lut = NULL;
  LookLabDiag         diag = { 0 };
  gchar              *data = NULL;
  gsize               len = 0;
  GError             *error = NULL;
  float              *out = NULL;
  int                 w, h, k, status, rc = 1;
  size_t              n;

  if (argc != 6)
    {
      fprintf (stderr, "usage: neutralizer-run MODEL INPUT W H OUTPUT\n");
      return 2;
    }
  w = atoi (argv[3]);
  h = atoi (argv[4]);
  status = looklab_neutralizer_load (argv[1], &nz, &diag);
  if (status != LOOKLAB_OK)
    {
      fprintf (stderr, "neutralizer-run: %s: %s (%s)\n", argv[1],
               looklab_strerror (status), diag.message);
      return 1;
    }
  k = looklab_neutralizer_n_bases (nz);
  if (!g_file_get_contents (argv[2], &data, &len, &error))
    {
      fprintf (stderr, "neutralizer-run: %s\n", error->message);
      goto out;
    }
  n = (size_t) w * h * 3;
  if (w < 1 || h < 1 || len != n * sizeof (float))
    {
      fprintf (stderr, "neutralizer-run: %s has %zu bytes, expected %zu\n",
               argv[2], (size_t) len, n * sizeof (float));
      goto out;
    }
  out = g_new (float, n + k);
  status = looklab_neutralizer_predict (
      nz, (const float *) data, w, h, (size_t) w * 3, 1, &lut, out + n, &diag);
  if (status == LOOKLAB_OK)
    status = looklab_lut_apply (lut, LOOKLAB_PIXEL_RGB_FLOAT,
                                LOOKLAB_INTERP_TRILINEAR, 1.0f, data,
                                (size_t) w * 3 * sizeof (float), out,
                                (size_t) w * 3 * sizeof (float), w, h, 1);
  if (status != LOOKLAB_OK)
    {
      fprintf (stderr, "neutralizer-run: %s (%s)\n", looklab_strerror (status),
               diag.message);
      goto out;
    }
  if (!g_file_set_contents (argv[5], (const char *) out,
                            (gssize) ((n + k) * sizeof (float)), &error))
    {
      fprintf (stderr, "neutralizer-run: %s\n", error->message);
      goto out;
    }
  rc = 0;
out:
  g_clear_error (&error);
  g_free (data);
  g_free (out);
  looklab_lut_free (lut);
  looklab_neutralizer_free (nz);
  return rc;
}
