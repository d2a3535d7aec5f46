/* LookLab core: the pair `looklab match` learns from (see match.h). */
#include "match/match.h"

#include <math.h>
#include <string.h>

#include <glib.h>

#include "common/colour.h"
#include "lut/lut-apply.h"

void
looklab_match_pair_clear (LookLabMatchPair *pair)
{
  if (pair == NULL)
    return;
  g_free (pair->before);
  g_free (pair->after);
  g_free (pair->mask);
  memset (pair, 0, sizeof *pair);
}

/* @out (@ow x @oh RGB floats in [0, 1]) and @mask: @ref averaged over
 * boxes of @f x @f pixels (fewer at the right and bottom edges), counting
 * only pixels whose alpha is not 0.  Returns the number of opaque cells. */
static size_t
shrink (const LookLabImageView *ref, int f, int ow, int oh, float *out,
        unsigned char *mask)
{
  size_t opaque = 0;
  int    i, j, y, x, c;

  for (i = 0; i < oh; i++)
    for (j = 0; j < ow; j++)
      {
        double acc[3] = { 0.0, 0.0, 0.0 };
        int    n = 0;
        float *o = out + ((size_t) i * ow + j) * 3;

        for (y = i * f; y < (i + 1) * f && y < ref->height; y++)
          for (x = j * f; x < (j + 1) * f && x < ref->width; x++)
            {
              float px[4];

              looklab_image_view_get (ref, x, y, px);
              if (!(px[3] > 0.0f))
                continue;
              for (c = 0; c < 3; c++)
                acc[c] += isfinite (px[c]) ? px[c] : 0.0;
              n++;
            }
        mask[(size_t) i * ow + j] = n > 0;
        opaque += n > 0;
        for (c = 0; c < 3; c++)
          {
            double v = n > 0 ? acc[c] / n : 0.0;

            /* the model was trained on values in [0, 1] */
            o[c] = (float) (v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v);
          }
      }
  return opaque;
}

int
looklab_match_pair (const LookLabNeutralizer *nz, const LookLabImageView *ref,
                    int max_side, float strength, int n_threads,
                    LookLabMatchPair *pair, LookLabDiag *diag)
{
  LookLabLut *lut = NULL;
  int         f, ow, oh, status, longer;
  size_t      n, i;

  if (pair != NULL)
    memset (pair, 0, sizeof *pair);
  if (nz == NULL || ref == NULL || ref->pixels == NULL || pair == NULL
      || ref->width < 1 || ref->height < 1 || max_side < 0)
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0,
                             "no model, reference or pair");
  if (!(strength >= 0.0f && strength <= 1.0f))
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0,
                             "strength %g outside [0, 1]", (double) strength);
  if (max_side == 0)
    max_side = LOOKLAB_MATCH_DEFAULT_SIDE;
  longer = MAX (ref->width, ref->height);
  f = (longer + max_side - 1) / max_side;
  ow = (ref->width + f - 1) / f;
  oh = (ref->height + f - 1) / f;
  n = (size_t) ow * oh;
  pair->before = g_try_new (float, n * 3);
  pair->after = g_try_new (float, n * 3);
  pair->mask = g_try_new (unsigned char, n);
  if (pair->before == NULL || pair->after == NULL || pair->mask == NULL)
    {
      looklab_match_pair_clear (pair);
      return looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0,
                               "no memory for a %d x %d pair", ow, oh);
    }
  pair->width = ow;
  pair->height = oh;
  if (shrink (ref, f, ow, oh, pair->after, pair->mask) == 0)
    {
      looklab_match_pair_clear (pair);
      return looklab_diag_set (diag, LOOKLAB_ERR_EMPTY, 0,
                               "the reference is fully transparent");
    }

  status = looklab_neutralizer_predict (
      nz, pair->after, ow, oh, (size_t) ow * 3, n_threads, &lut, NULL, diag);
  if (status == LOOKLAB_OK)
    status = looklab_lut_apply (
        lut, LOOKLAB_PIXEL_RGB_FLOAT, LOOKLAB_INTERP_TRILINEAR, 1.0f,
        pair->after, (size_t) ow * 3 * sizeof (float), pair->before,
        (size_t) ow * 3 * sizeof (float), ow, oh, n_threads);
  looklab_lut_free (lut);
  if (status != LOOKLAB_OK)
    {
      looklab_match_pair_clear (pair);
      if (diag != NULL && diag->message[0] == '\0')
        looklab_diag_set (diag, status, 0, "cannot neutralize the reference");
      return status;
    }
  pair->moved_de00 = looklab_mean_ciede2000 (pair->after, pair->before, n, 3,
                                             &pair->moved_max_de00);
  if (strength < 1.0f)
    for (i = 0; i < n * 3; i++)
      pair->after[i]
          = pair->before[i] + strength * (pair->after[i] - pair->before[i]);
  return LOOKLAB_OK;
}
