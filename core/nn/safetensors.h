/* LookLab core: a bounded reader of safetensors files.
 *
 * The format (https://huggingface.co/docs/safetensors, "Format"): an
 * unsigned 64-bit little-endian header length N, N bytes of UTF-8 JSON
 * mapping each tensor name to {"dtype", "shape", "data_offsets": [begin,
 * end]} (offsets relative to the byte after the header) plus an optional
 * "__metadata__" object of string values, then the tensor bytes.
 *
 * Every size read from the file is checked against the limits below and
 * against the file's real size before anything sized by it is allocated,
 * so a malformed, truncated or hostile file is an error with a message in
 * the LookLabDiag, never a crash or a huge allocation.  Tensors are
 * converted to host float32 on load (F32, F16 and BF16 are accepted).
 */
#ifndef LOOKLAB_SAFETENSORS_H
#define LOOKLAB_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "common/looklab-status.h"

/* Limits.  The published Zhang et al. SIGGRAPH 2017 model is about 140 MB
 * in float32 with about 100 tensors; these leave room without letting a
 * file ask for gigabytes. */
#define LOOKLAB_ST_MAX_FILE_BYTES ((uint64_t) 1 << 30)    /* 1 GiB */
#define LOOKLAB_ST_MAX_HEADER_BYTES ((uint64_t) 16 << 20) /* 16 MiB */
#define LOOKLAB_ST_MAX_TENSORS 4096
#define LOOKLAB_ST_MAX_RANK 4
#define LOOKLAB_ST_MAX_DIM ((int64_t) 1 << 24)
#define LOOKLAB_ST_MAX_NAME 255

typedef struct
{
  char   *name;
  int     rank; /* 0..LOOKLAB_ST_MAX_RANK */
  int64_t shape[LOOKLAB_ST_MAX_RANK];
  int64_t n_elements; /* product of shape (1 for rank 0) */
  float  *data;       /* n_elements floats, owned */
} LookLabTensor;

typedef struct _LookLabSafetensors LookLabSafetensors;

/* Parses the safetensors bytes @data of @len bytes.  On success stores a
 * new object in *@out (free with looklab_safetensors_free ()) and returns
 * 0; on failure returns LOOKLAB_ERR_PARSE (malformed), _LIMIT (over a
 * limit above) or _NOMEM, leaves *@out NULL and explains in @diag. */
int looklab_safetensors_parse (const void *data, size_t len,
                               LookLabSafetensors **out, LookLabDiag *diag);

/* Reads the file at @path (its size is checked before reading); like
 * looklab_safetensors_parse () plus LOOKLAB_ERR_IO. */
int looklab_safetensors_read (const char *path, LookLabSafetensors **out,
                              LookLabDiag *diag);

void looklab_safetensors_free (LookLabSafetensors *st);

/* Returns the number of tensors and the @index-th (in file order of their
 * data offsets), or NULL when out of range. */
int looklab_safetensors_n_tensors (const LookLabSafetensors *st);
const LookLabTensor *looklab_safetensors_get (const LookLabSafetensors *st,
                                              int                       index);

/* Returns the tensor named @name, or NULL. */
const LookLabTensor *looklab_safetensors_find (const LookLabSafetensors *st,
                                               const char               *name);

/* Returns the "__metadata__" string value of @key, or NULL. */
const char *looklab_safetensors_metadata (const LookLabSafetensors *st,
                                          const char               *key);

#endif /* LOOKLAB_SAFETENSORS_H */
