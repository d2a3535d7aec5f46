/* LookLab core: learning a look from a pair as the user has it (see
 * look-learn.h).  The one place where registration and the fit meet, so
 * that the CLI and the plug-in learn the same look from the same pair. */
#include "look/look-learn.h"

#include <string.h>

int
looklab_look_learn (const LookLabImageView *before,
                    const LookLabImageView *after, int align_auto,
                    const LookLabFitParams *params,
                    LookLabProgressFunc progress, void *user_data,
                    LookLabLook **out, LookLabAlignment *al, LookLabDiag *diag)
{
  LookLabAlignment   found;
  LookLabAlignedPair pair;
  LookLabImageView   vb, va;
  int                status;

  if (al == NULL)
    al = &found;
  memset (al, 0, sizeof (*al));
  al->aligned = 1;
  al->scale = 1.0;
  /* A same-size pair too small to register (a thumbnail, a test image) is
   * taken as given, as before registration existed: refusing it would
   * refuse pairs that are aligned. */
  if (!align_auto
      || (before->width == after->width && before->height == after->height
          && (before->width < LOOKLAB_ALIGN_MIN_SIDE
              || before->height < LOOKLAB_ALIGN_MIN_SIDE)))
    return looklab_look_fit (before, after, NULL, params, progress, user_data,
                             out, diag);

  status = looklab_align_find (before, after, params->n_threads, al, diag);
  if (status != LOOKLAB_OK)
    return status;
  if (al->aligned)
    return looklab_look_fit (before, after, NULL, params, progress, user_data,
                             out, diag);

  status
      = looklab_align_pair (before, after, al, params->n_threads, &pair, diag);
  if (status == LOOKLAB_OK)
    {
      vb.pixels = pair.before;
      vb.format = LOOKLAB_PIXEL_RGB_FLOAT;
      vb.width = pair.width;
      vb.height = pair.height;
      vb.stride = sizeof (float) * 3 * (size_t) pair.width;
      va = vb;
      va.pixels = pair.after;
      status = looklab_look_fit (&vb, &va, pair.mask, params, progress,
                                 user_data, out, diag);
    }
  looklab_aligned_pair_clear (&pair);
  return status;
}
