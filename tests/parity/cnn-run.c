/* cnn-run MODEL INPUT W H OUTPUT [THREADS] [REPEAT]
 *
 * Runs a LookLab CNN model on a raw float32 planar input (the model's
 * input channels x H x W, already encoded) and writes the raw float32
 * output planes.  Prints the output shape and the best time of REPEAT runs
 * to stdout.  Used by the parity tests (tests/parity) and for timing. */
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

#include "nn/cnn.h"

int
main (int argc, char **argv)
{
  LookLabCnn *cnn = NULL;
  LookLabDiag diag = { 0 };
  float      *in = NULL, *out = NULL;
  gchar      *data = NULL;
  gsize       len = 0;
  GError     *error = NULL;
  int         w, h, threads = 0, repeat = 1, oc = 0, ow = 0, oh = 0, status;
  int         r, rc = 1;
  double      best = 1e30;
  size_t      n_in;

  if (argc < 6)
    {
      fprintf (stderr, "usage: cnn-run MODEL INPUT W H OUTPUT [THREADS] "
                       "[REPEAT]\n");
      return 2;
    }
  w = atoi (argv[3]);
  h = atoi (argv[4]);
  if (argc > 6)
    threads = atoi (argv[6]);
  if (argc > 7)
    repeat = atoi (argv[7]);
  status = looklab_cnn_load (argv[1], &cnn, &diag);
  if (status != LOOKLAB_OK)
    {
      fprintf (stderr, "cnn-run: %s: %s (%s)\n", argv[1],
               looklab_strerror (status), diag.message);
      return 1;
    }
  if (!g_file_get_contents (argv[2], &data, &len, &error))
    {
      fprintf (stderr, "cnn-run: %s\n", error->message);
      goto out;
    }
  n_in = (size_t) looklab_cnn_get_info (cnn)->in_channels * w * h;
  if (w < 1 || h < 1 || len != n_in * sizeof (float))
    {
      fprintf (stderr, "cnn-run: %s has %zu bytes, expected %zu\n", argv[2],
               (size_t) len, n_in * sizeof (float));
      goto out;
    }
  in = (float *) data;
  for (r = 0; r < (repeat > 0 ? repeat : 1); r++)
    {
      gint64 t0 = g_get_monotonic_time ();
      double dt;

      g_free (out);
      status = looklab_cnn_run (cnn, in, w, h, threads, &out, &oc, &ow, &oh,
                                &diag);
      dt = (g_get_monotonic_time () - t0) / 1e6;
      if (status != LOOKLAB_OK)
        {
          fprintf (stderr, "cnn-run: %s (%s)\n", looklab_strerror (status),
                   diag.message);
          goto out;
        }
      if (dt < best)
        best = dt;
    }
  if (!g_file_set_contents (argv[5], (const char *) out,
                            (gssize) ((size_t) oc * ow * oh * sizeof (float)),
                            &error))
    {
      fprintf (stderr, "cnn-run: %s\n", error->message);
      goto out;
    }
  printf ("output %d %d %d\nseconds %.4f\nnodes %d\ngmac %.3f\n", oc, oh, ow,
          best, looklab_cnn_n_run_nodes (cnn),
          looklab_cnn_macs (cnn, w, h) / 1e9);
  rc = 0;

out:
  g_clear_error (&error);
  g_free (data);
  g_free (out);
  looklab_cnn_free (cnn);
  return rc;
}
