/* libFuzzer harness for the safetensors reader, the CNN graph loader and
 * the look neutralizer's loader (core/match/): any bytes must give either
 * a model or an error with a message; never a crash, a hang or a leak.  A
 * model that loads and is small runs once at its own input size (a
 * neutralizer on an 8 x 8 image): the run must succeed or fail with a
 * message. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <glib.h>

#include "match/neutralizer.h"
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
              || (status == LOOKLAB_OK && info->kind != LOOKLAB_CNN_KIND_RGB
                  && c != 2))
            abort ();
          g_free (out);
          g_free (in);
        }
      looklab_cnn_free (cnn);
    }
  {
    LookLabNeutralizer *nz = NULL;

    diag.message[0] = '\0';
    status = looklab_neutralizer_new_from_safetensors (st, &nz, &diag);
    if ((status == LOOKLAB_OK) != (nz != NULL)
        || (status != LOOKLAB_OK && diag.message[0] == '\0'))
      abort ();
    if (nz != NULL && looklab_neutralizer_macs (nz) < 2e6
        && looklab_neutralizer_side (nz) <= 64)
      {
        float       img[8 * 8 * 3];
        LookLabLut *lut = NULL;

        for (size_t i = 0; i < G_N_ELEMENTS (img); i++)
          img[i] = (float) (i % 7) / 6.0f;
        diag.message[0] = '\0';
        status = looklab_neutralizer_predict (nz, img, 8, 8, 24, 1, &lut, NULL,
                                              &diag);
        if ((status == LOOKLAB_OK) != (lut != NULL)
            || (status != LOOKLAB_OK && diag.message[0] == '\0'))
          abort ();
        looklab_lut_free (lut);
      }
    looklab_neutralizer_free (nz);
  }
  looklab_safetensors_free (st);
  return 0;
}
