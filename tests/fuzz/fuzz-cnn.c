/* libFuzzer harness for the safetensors reader and the CNN graph loader:
 * any bytes must give either a model or an error with a message; never a
 * crash, a hang or a leak.  A model that loads and is small runs once at
 * its own input size: the run must succeed or fail with a message. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <glib.h>

#include "nn/cnn.h"
#include "nn/safetensors.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  LookLabSafetensors *st = NULL;
  LookLabCnn         *cnn = NULL;
  LookLabDiag         diag = { 0 };
  int                 status;

  status = looklab_safetensors_parse (data, size, &st, &diag);
  if (status != LOOKLAB_OK)
    {
      if (st != NULL || diag.message[0] == '\0')
        abort ();
      return 0;
    }
  diag.message[0] = '\0';
  status = looklab_cnn_new_from_safetensors (st, &cnn, &diag);
  if (status != LOOKLAB_OK)
    {
      if (cnn != NULL || diag.message[0] == '\0')
        abort ();
    }
  else
    {
      const LookLabCnnInfo *info = looklab_cnn_get_info (cnn);
      int                   s = info->size;

      if (looklab_cnn_macs (cnn, s, s) < 2e6 && s <= 64)
        {
          float *in = g_new0 (float, (size_t) info->in_channels *s *s);
          float *out = NULL;
          int    c, w, h;

          diag.message[0] = '\0';
          status = looklab_cnn_run (cnn, in, s, s, 1, &out, &c, &w, &h, &diag);
          if ((status == LOOKLAB_OK) != (out != NULL)
              || (status != LOOKLAB_OK && diag.message[0] == '\0')
              || (status == LOOKLAB_OK && c != 2))
            abort ();
          g_free (out);
          g_free (in);
        }
      looklab_cnn_free (cnn);
    }
  looklab_safetensors_free (st);
  return 0;
}
