/* libFuzzer harness for the look-file reader (versions 1 and 2): any bytes
 * must give either a look that evaluates and serialises again, its spatial
 * parts applied to a small image, or an error; never a crash, a hang or a
 * leak. */
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
      if (len != size)
        abort (); /* a file that reads writes back the same length */
      if (looklab_look_has_spatial (look))
        {
          unsigned char    px[5 * 4 * 3];
          LookLabImageView v = { px, LOOKLAB_PIXEL_RGB_U8, 5, 4, 5 * 3 };
          size_t           i;

          for (i = 0; i < sizeof px; i++)
            px[i] = (unsigned char) (i * 37);
          if (looklab_look_apply_view (look, &v, px, v.stride, 9, 7, 2, 1, 1.0f,
                                       1, NULL)
              != LOOKLAB_OK)
            abort ();
        }
      free (again);
    }
  else if (look != NULL)
    abort ();
  looklab_look_free (look);
  return 0;
}
