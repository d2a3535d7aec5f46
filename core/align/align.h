/* LookLab core: registration of a before/after pair that is not pixel
 * aligned (another crop, a few degrees of rotation, another resolution or
 * focal length, a second viewpoint of a distant scene), and the pair of
 * corresponding colours a look is then learned from.
 *
 * The look changes colours and tones, so the two images are matched on
 * structure only: locally normalised luminance, coarse to fine.  A global
 * search over scale, rotation and translation at the coarsest level, then
 * Gauss-Newton refinement of a similarity, an affine map and a homography
 * at finer levels (Lucas and Kanade 1981; Baker and Matthews, "Lucas-Kanade
 * 20 years on", IJCV 2004).  Pixel coordinates are continuous, with pixel
 * (i, j) covering [i, i + 1) x [j, j + 1) at the image's full resolution.
 */
#ifndef LOOKLAB_ALIGN_H
#define LOOKLAB_ALIGN_H

#include "common/looklab-status.h"
#include "common/pixels.h"

/* Images smaller than this on either side are refused. */
#define LOOKLAB_ALIGN_MIN_SIDE 64

/* A same-size pair whose registration moves no corner further than this
 * (in pixels) is pixel-aligned. */
#define LOOKLAB_ALIGN_ALIGNED_PX 0.5

typedef struct
{
  double h[9];         /* homography, row-major: after (x, y, 1) -> before */
  double scale;        /* before pixels per after pixel (sqrt |det|) */
  double rotation;     /* degrees, the after's x axis in the before */
  double tx, ty;       /* where the after's corner (0, 0) lies in the before */
  double overlap;      /* fraction of the after's area inside the before */
  double coverage;     /* fraction of the after's textured area that matches */
  double ncc;          /* correlation of the structure over the overlap */
  double residual_px;  /* local misalignment left (median, before pixels) */
  double max_shift_px; /* largest corner move from the identity (before px) */
  double confidence;   /* 0..1: coverage x correlation */
  int    aligned; /* same size and max_shift_px < LOOKLAB_ALIGN_ALIGNED_PX */
} LookLabAlignment;

/* Finds where @after's pixels sit in @before.  On success fills *@out and
 * returns 0.  Returns LOOKLAB_ERR_ARG when an image is smaller than
 * LOOKLAB_ALIGN_MIN_SIDE or has no structure to align on (all black, one
 * colour), LOOKLAB_ERR_MISMATCH when the two do not show the same scene
 * (diag says how much of the after the best match covers), or
 * LOOKLAB_ERR_NOMEM.  @n_threads: 0 = all cores. */
int looklab_align_find (const LookLabImageView *before,
                        const LookLabImageView *after, int n_threads,
                        LookLabAlignment *out, LookLabDiag *diag);

/* looklab_align_find () with a guess (may be NULL): @hint, a homography
 * like LookLabAlignment.h, is where the caller believes the after sits
 * (in GIMP, the layers' offsets).  It competes with what the search finds
 * and wins a tie, so that a scene of repeated cells aligns where the user
 * put it; a wrong guess loses to the search. */
int looklab_align_find_near (const LookLabImageView *before,
                             const LookLabImageView *after,
                             const double hint[9], int n_threads,
                             LookLabAlignment *out, LookLabDiag *diag);

/* Maps a point of the after to the before with @al's homography. */
void looklab_align_map (const LookLabAlignment *al, double x, double y,
                        double *bx, double *by);

/* Corresponding colours of a registered pair, in a working frame: the
 * before reduced (area average) to at most a few megapixels and no finer
 * than the after, the after resampled into it; both blurred at the scale
 * of the residual misalignment (A. Ignatov et al., "DSLR-quality photos on
 * mobile devices with deep convolutional networks", ICCV 2017: colour is
 * compared after a blur that hides what alignment leaves).  The mask keeps
 * the overlap where the registration's residual cannot move colours much.
 * For a fit through the blur the pair also holds the before unblurred at
 * the finest resolution the frame's cap allows. */
typedef struct
{
  int            width, height;
  float         *before; /* RGB float code values, width * height * 3 */
  float         *after;
  float         *fine; /* the before unblurred, finer than the frame when
                        * the after is smaller than the before */
  int            fine_width, fine_height;
  double         fine_step;   /* fine pixels per frame pixel (>= 1) */
  unsigned char *mask;        /* width * height; 0 = do not sample */
  double         frame_scale; /* before pixels per frame pixel */
  double         blur_px;     /* Gaussian sigma, frame pixels */
  double         used;        /* fraction of the frame in the mask */
} LookLabAlignedPair;

/* Builds the working pair of @before and @after registered by @al.
 * Returns 0, LOOKLAB_ERR_EMPTY (no usable overlap) or LOOKLAB_ERR_NOMEM;
 * free with looklab_aligned_pair_clear () (also on failure). */
int looklab_align_pair (const LookLabImageView *before,
                        const LookLabImageView *after,
                        const LookLabAlignment *al, int n_threads,
                        LookLabAlignedPair *pair, LookLabDiag *diag);

void looklab_aligned_pair_clear (LookLabAlignedPair *pair);

/* Takes @fine_rgb (fine_width * fine_height RGB floats: the pair's fine
 * before, or a function of it such as a look applied to it) to the frame
 * (@frame_rgb, width * height) as looklab_align_pair () took the before
 * there: an area average, then the pair's blur, widened for the after's own
 * resampling (its camera, its resizing, JPEG) to
 * sqrt (blur_px^2 + @extra_px^2) frame pixels.  @n_threads: 0 = all
 * cores, same result for any.  Returns 0 or LOOKLAB_ERR_NOMEM. */
int looklab_aligned_pair_from_fine (const LookLabAlignedPair *pair,
                                    const float *fine_rgb, float *frame_rgb,
                                    double extra_px, int n_threads);

#endif /* LOOKLAB_ALIGN_H */
