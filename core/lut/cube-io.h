/* LookLab core: reading and writing .cube files.
 *
 * Reads the Adobe/IRIDAS flavour (TITLE, LUT_3D_SIZE, LUT_1D_SIZE,
 * DOMAIN_MIN, DOMAIN_MAX) and the Resolve flavour (LUT_1D_INPUT_RANGE,
 * LUT_3D_INPUT_RANGE, a 1D shaper followed by a 3D table in one file).
 * A file that holds only a 1D LUT becomes a 3D LUT holding the same
 * per-channel curves, so that every caller has one kind of table to apply.
 *
 * Writes what ffmpeg's lut3d, darktable, OpenColorIO and Resolve all read:
 * TITLE, LUT_3D_SIZE, DOMAIN_MIN, DOMAIN_MAX, then the triples.
 */
#ifndef LOOKLAB_CUBE_IO_H
#define LOOKLAB_CUBE_IO_H

#include <stddef.h>

#include "lut/lut.h"

/* Files larger than this are refused before reading (a 256^3 table written
 * with generous precision is about 500 MB). */
#define LOOKLAB_CUBE_MAX_BYTES ((size_t) 1 << 30)

/* Parses the .cube text in @data (@len bytes, need not be NUL-terminated).
 * On success stores a new LUT in *@out (free with looklab_lut_free ()) and
 * returns 0.  On failure returns LOOKLAB_ERR_PARSE, _LIMIT or _NOMEM, leaves
 * *@out NULL and, when @diag is not NULL, says which line is wrong. */
int looklab_cube_parse (const char *data, size_t len, LookLabLut **out,
                        LookLabDiag *diag);

/* Reads the .cube file at @path; like looklab_cube_parse (), plus
 * LOOKLAB_ERR_IO when the file cannot be read. */
int looklab_cube_read (const char *path, LookLabLut **out, LookLabDiag *diag);

/* Writes @lut as .cube text to @path, atomically: the text goes to a
 * temporary file beside @path that is renamed over it only when complete,
 * so an existing file is untouched on failure.  A 1D shaper, if any, is
 * written as a Resolve-style shaper before the 3D table.  Returns 0 or
 * LOOKLAB_ERR_IO / _ARG. */
int looklab_cube_write (const LookLabLut *lut, const char *path,
                        LookLabDiag *diag);

#endif /* LOOKLAB_CUBE_IO_H */
