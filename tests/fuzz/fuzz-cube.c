/* libFuzzer harness for the .cube reader: any bytes must give either a LUT
 * whose every number is within what the format allows, or an error with a
 * message; never a crash, a hang or a leak. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "lut/cube-io.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  LookLabLut *lut = NULL;
  LookLabDiag diag = { 0 };
  int status = looklab_cube_parse ((const char *) data, size, &lut, &diag);

  if (status == LOOKLAB_OK)
    {
      size_t n = (size_t) lut->size * lut->size * lut->size * 3, i;
      float  in[3] = { 0.25f, 0.5f, 0.75f }, out[3];

      if (lut->size < LOOKLAB_LUT_MIN_SIZE || lut->size > LOOKLAB_LUT_MAX_SIZE)
        abort ();
      for (i = 0; i < n; i++)
        if (!isfinite (lut->table[i]))
          abort ();
      looklab_lut_eval (lut, in, out);
    }
  else if (lut != NULL || diag.message[0] == '\0')
    abort ();
  looklab_lut_free (lut);
  return 0;
}
