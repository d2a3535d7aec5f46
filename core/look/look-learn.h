/* LookLab core: learning a look from a before/after pair as the user has
 * it: the pair registered first (align/) when it is not pixel-aligned, as
 * `looklab learn --align auto` and plug-in-looklab-learn's align "auto" do.
 */
#ifndef LOOKLAB_LOOK_LEARN_H
#define LOOKLAB_LOOK_LEARN_H

#include "align/align.h"
#include "look/look.h"

/* Learns the look that turns @before into @after.  With @align_auto 0 it
 * is looklab_look_fit () on the pair as given (same size, aligned).  With
 * @align_auto 1 the pair is registered (looklab_align_find ()): a
 * pixel-aligned pair gives exactly what looklab_look_fit () gives on it,
 * byte for byte, and any other is learned from its corresponding colours
 * (looklab_align_pair ()).  A same-size pair smaller than
 * LOOKLAB_ALIGN_MIN_SIDE on a side cannot be registered and is taken as
 * given.  @al (may be NULL) receives the registration when there was one;
 * without one (taken as given) al->aligned is 1 and al->confidence 0.
 * Returns 0 or what
 * those functions return, LOOKLAB_ERR_MISMATCH included for two different
 * scenes (@diag says how much of the after matched). */
int looklab_look_learn (const LookLabImageView *before,
                        const LookLabImageView *after, int align_auto,
                        const LookLabFitParams *params,
                        LookLabProgressFunc progress, void *user_data,
                        LookLabLook **out, LookLabAlignment *al,
                        LookLabDiag *diag);

/* looklab_look_learn () with a guess of where the after sits in the
 * before (@hint, may be NULL; see looklab_align_find_near ()), used when
 * the pair is registered. */
int looklab_look_learn_near (const LookLabImageView *before,
                             const LookLabImageView *after, int align_auto,
                             const double            hint[9],
                             const LookLabFitParams *params,
                             LookLabProgressFunc progress, void *user_data,
                             LookLabLook **out, LookLabAlignment *al,
                             LookLabDiag *diag);

#endif /* LOOKLAB_LOOK_LEARN_H */
