/* libFuzzer harness for the look-file reader: any bytes must give either a
 * look that evaluates to finite numbers and serialises again, or an error;
 * never a crash, a hang or a leak. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "look/look.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  LookLabLook *look = NULL;
  LookLabDiag  diag = { 0 };
  int          status = looklab_look_deserialize (data, size, &look, &diag);

  if (status == LOOKLAB_OK)
    {
      float  rgb[6] = { 0.0f, 0.5f, 1.0f, 0.2f, 0.9f, 0.4f };
      void  *again = NULL;
      size_t len = 0;

      looklab_look_eval (look, rgb, rgb, 2);
      if (looklab_look_serialize (look, &again, &len) != LOOKLAB_OK)
        abort ();
      free (again);
    }
  else if (look != NULL)
    abort ();
  looklab_look_free (look);
  return 0;
}
