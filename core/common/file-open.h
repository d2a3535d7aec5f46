/* LookLab core: opening a file to read it whole.
 *
 * fopen on a FIFO blocks until a writer comes, possibly forever, and a
 * device or a folder is no LUT or look either: the file is opened without
 * blocking and refused unless it is a regular file, before a byte is read.
 */
#ifndef LOOKLAB_FILE_OPEN_H
#define LOOKLAB_FILE_OPEN_H

#include <stdio.h>
#include <sys/stat.h>

#include "common/looklab-status.h"

/* Opens @path for reading into *@fp and fills *@st.  Returns 0, or
 * LOOKLAB_ERR_IO with a message in @diag (a missing file, a folder, a FIFO,
 * socket or device); then *@fp is NULL. */
int looklab_file_open_regular (const char *path, FILE **fp, struct stat *st,
                               LookLabDiag *diag);

#endif /* LOOKLAB_FILE_OPEN_H */
