/* The classic colour-transfer methods, reimplemented as anchors for
 * bench-match (issue 23): they copy a reference's colour statistics onto a
 * target.  All work on interleaved non-linear sRGB float pixels in [0, 1]
 * (3 channels) and write the result over the target.
 */
#ifndef BENCH_COLOUR_TRANSFER_H
#define BENCH_COLOUR_TRANSFER_H

#include <stddef.h>
#include <stdint.h>

/* Reinhard, Ashikhmin, Gooch, Shirley 2001, "Color transfer between
 * images": the mean and standard deviation of each channel of Ruderman's
 * l-alpha-beta space matched to the reference's.  Returns 0, or -1 when
 * out of memory. */
int bench_transfer_reinhard (float *target, size_t n_target, const float *ref,
                             size_t n_ref);

/* Exact histogram matching per RGB channel: each target value goes to the
 * reference quantile of its own (mid-rank) quantile.  Values are taken on
 * the 16-bit grid (the images are 16-bit PNGs).  Returns 0 or -1. */
int bench_transfer_histogram (float *target, size_t n_target, const float *ref,
                              size_t n_ref);

/* Pitie, Kokaram, Dahyot 2007, "Automated colour grading using colour
 * distribution transfer" (iterative distribution transfer, IDT): @iters
 * times, a random rotation of RGB, and along each of its three axes the 1D
 * transfer of the target's projection onto the reference's.  Seeded by
 * @seed; without the paper's regraining step.  Returns 0 or -1. */
int bench_transfer_pitie (float *target, size_t n_target, const float *ref,
                          size_t n_ref, int iters, uint64_t seed);

#endif /* BENCH_COLOUR_TRANSFER_H */
