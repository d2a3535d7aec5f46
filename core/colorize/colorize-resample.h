/* LookLab core, private: resampling between the photo's full resolution
 * and the colorization network's grid.
 *
 * Down: the L* plane is area-averaged to the network's input (and to its
 * output grid, as the guide of the edge-aware upsampling), so nothing
 * aliases.  Up: the network's a*, b* come back to full resolution either
 * bilinearly or edge-aware, by a joint bilateral upsampling (Kopf, Cohen,
 * Lischinski and Uyttendaele 2007) guided by the full-resolution L*: a
 * pixel takes its colour from the nearby network cells whose lightness is
 * like its own, so colour stops at the edges of the photo rather than at
 * the edges of the network's cells. */
#ifndef LOOKLAB_COLORIZE_RESAMPLE_H
#define LOOKLAB_COLORIZE_RESAMPLE_H

#include <stddef.h>

#include <glib.h>

/* The edge-aware upsampling's Gaussian of the difference between a
 * pixel's L* and a network cell's area-averaged L* (the distance to the
 * cell weighs by a cubic B-spline).  Chosen on training photos (every 8th
 * of the training scenes, data/models/README.md); bench/bench-colorize
 * uses the same. */
#define COLORIZE_EDGE_SIGMA_L 10.0

/* @out (@ow x @oh, rows @ow apart): the area average of @l (@width x
 * @height, rows @l_stride floats apart), each source pixel weighted by its
 * overlap with the output cell.  FALSE when out of memory. */
gboolean colorize_area_resample (const float *l, size_t l_stride, int width,
                                 int height, float *out, int ow, int oh,
                                 int n_threads);

/* The mean of the @S x @S @plane over the cells under cell (@i, @j) of an
 * @ow x @oh grid laid over it (at least one cell). */
double colorize_cell_mean (const float *plane, int S, int ow, int oh, int i,
                           int j);

/* @out (@ow x @oh): @in (@n x @n, an area average of a plane, as
 * colorize_area_resample makes it) averaged over boxes of @n / @ow x
 * @n / @oh cells; @n must be a multiple of @ow and @oh.  For a plane at
 * least @n x @n, the same as colorize_area_resample of the plane itself to
 * @ow x @oh (its cells are unions of equal cells of @in), without reading
 * the plane again. */
void colorize_box_shrink (const float *in, int n, float *out, int ow, int oh);

/* @out (@width x @height interleaved a*, b* pairs, rows @out_stride
 * floats apart): @ab (2 planes of @ow x @oh) times @saturation, resampled
 * to full resolution.  With @guide NULL bilinearly (PyTorch's
 * align_corners=False, as in the network's upsampling layers); else
 * edge-aware, @guide being @l area-averaged to @ow x @oh
 * (colorize_area_resample) and @l (rows @l_stride apart) the
 * full-resolution L*, unless the image is no larger than the grid (then
 * bilinearly too).  FALSE when out of memory. */
gboolean colorize_upsample_ab (const float *ab, int ow, int oh,
                               const float *guide, const float *l,
                               size_t l_stride, float saturation, float *out,
                               size_t out_stride, int width, int height,
                               int n_threads);

#endif
