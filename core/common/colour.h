/* LookLab core: colour science used to judge looks.
 *
 * sRGB (IEC 61966-2-1) to CIE Lab under D65, and the CIEDE2000 colour
 * difference (Sharma, Wu, Dalal 2005, whose test data tests/core checks).
 */
#ifndef LOOKLAB_COLOUR_H
#define LOOKLAB_COLOUR_H

#include <stddef.h>

/* Converts non-linear sRGB in [0, 1] (values outside are extended
 * linearly/by the power law, not clipped) to CIE Lab D65. */
void looklab_srgb_to_lab (const float rgb[3], double lab[3]);

/* Returns CIEDE2000 between two Lab colours (kL = kC = kH = 1). */
double looklab_ciede2000 (const double lab1[3], const double lab2[3]);

/* Returns the mean CIEDE2000 between two interleaved float sRGB buffers of
 * @n_pixels pixels with @channels (3 or 4) channels each; when @max_out is
 * not NULL stores the largest difference there. */
double looklab_mean_ciede2000 (const float *a, const float *b, size_t n_pixels,
                               int channels, double *max_out);

#endif /* LOOKLAB_COLOUR_H */
