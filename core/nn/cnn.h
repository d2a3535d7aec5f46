/* LookLab core: a small convolutional network runtime for colorization
 * and the look neutralizer.
 *
 * A model is a safetensors file whose metadata holds a graph (the format
 * is docs/cnn-format.md): 2D convolution (stride, padding, dilation),
 * transposed convolution, batch normalisation (folded into the convolution
 * before it at load when that convolution feeds nothing else), ReLU,
 * LeakyReLU, tanh, sigmoid, softmax with annealed mean over ab bins,
 * bilinear upsampling (PyTorch's align_corners=False), strided
 * subsampling, global average pooling, concatenation, addition and
 * scaling.  The topology comes
 * from the file, never from its name.
 *
 * Tensors are float32, planar (channel, row, column), one image at a
 * time.  Convolutions are im2col + sgemm (OpenBLAS where available, which
 * runs the matrix products on several threads).
 */
#ifndef LOOKLAB_CNN_H
#define LOOKLAB_CNN_H

#include <stddef.h>

#include "common/looklab-status.h"
#include "nn/safetensors.h"

/* Graphs with more nodes than this are refused. */
#define LOOKLAB_CNN_MAX_NODES 1024
/* Largest network input side accepted by looklab_cnn_run (). */
#define LOOKLAB_CNN_MAX_SIDE 4096
/* Largest intermediate tensor, in floats (4 GiB). */
#define LOOKLAB_CNN_MAX_TENSOR ((size_t) 1 << 30)

typedef enum
{
  LOOKLAB_CNN_KIND_L,     /* input: L only (ECCV 2016) */
  LOOKLAB_CNN_KIND_HINTS, /* input: L, a, b hints, mask (SIGGRAPH 2017) */
  LOOKLAB_CNN_KIND_RGB    /* input: sRGB-encoded R, G, B in [0, 1]; any
                           * output (the look neutralizer, core/match/) */
} LookLabCnnKind;

/* For a "hints" model whose input has the propagated hints as planes 4
 * and 5 (docs/cnn-format.md "Propagated hints"): the normalised bilateral
 * interpolation of the hint cells, with sigma_s (times the input side, in
 * cells) shrinking beyond ref_hints hint cells as (ref_hints / n) ^
 * density_pow, down to sigma_s_min, and sigma_l in L*; beyond max_hints
 * hint cells the answer fades to the propagation (colorize-hints.c). */
typedef struct
{
  int   on;
  int   ref_hints;
  int   max_hints; /* hint cells the model was trained with; 0: any */
  float sigma_s;
  float sigma_l;
  float density_pow;
  float sigma_s_min;
} LookLabCnnProp;

/* How a model wants its input encoded (docs/cnn-format.md "Input"). */
typedef struct
{
  LookLabCnnKind kind;
  int            in_channels; /* 1 for _L, 4 for _HINTS, 6 with prop, 3
                               * for _RGB */
  int            size;        /* the side the model was made for */
  int            out_stride;  /* output side = size / out_stride */
  float          l_center;    /* network L = (L - l_center) / l_scale */
  float          l_scale;
  float          ab_scale;    /* network ab = ab / ab_scale */
  float          mask_offset; /* network mask = mask + mask_offset */
  LookLabCnnProp prop;        /* _HINTS only; .on = 0 for 4 channels */
} LookLabCnnInfo;

typedef struct _LookLabCnn LookLabCnn;

/* Builds a network from the safetensors @st (not taken; the network keeps
 * copies of what it needs).  Checks the graph completely: every node's
 * inputs defined before it, every tensor present with the right shape,
 * channel counts that agree along every edge, a 2-channel output (kinds
 * "l" and "hints"; any for "rgb"), and
 * spatial sizes that agree at info.size.  Returns 0 or LOOKLAB_ERR_PARSE,
 * _VERSION, _LIMIT, _MISMATCH, _NOMEM with a message in @diag. */
int looklab_cnn_new_from_safetensors (const LookLabSafetensors *st,
                                      LookLabCnn **out, LookLabDiag *diag);

/* Reads and builds the model file @path. */
int looklab_cnn_load (const char *path, LookLabCnn **out, LookLabDiag *diag);

void looklab_cnn_free (LookLabCnn *cnn);

const LookLabCnnInfo *looklab_cnn_get_info (const LookLabCnn *cnn);

/* Number of nodes that run (after pruning unused ones and folding batch
 * norms), and of multiply-adds for a @width x @height input; for reports
 * and tests. */
int    looklab_cnn_n_run_nodes (const LookLabCnn *cnn);
double looklab_cnn_macs (const LookLabCnn *cnn, int width, int height);

/* The shape of the network's output for a @width x @height input: *@c
 * planes of *@w x *@h.  Returns 0 or LOOKLAB_ERR_MISMATCH / _LIMIT when
 * the graph cannot run at that size. */
int looklab_cnn_output_shape (const LookLabCnn *cnn, int width, int height,
                              int *c, int *w, int *h, LookLabDiag *diag);

/* Runs the network on @input: info.in_channels planes of @width x @height
 * floats, already encoded.  Stores in *@out a new buffer (free with
 * g_free ()) of *@out_channels planes of *@out_width x *@out_height.  The
 * side need not be info.size (the layers are convolutional), but sizes
 * must agree where branches meet.  @n_threads: threads for the matrix
 * products (0: all cores).  Returns 0 or LOOKLAB_ERR_ARG, _LIMIT,
 * _MISMATCH, _NOMEM. */
int looklab_cnn_run (const LookLabCnn *cnn, const float *input, int width,
                     int height, int n_threads, float **out, int *out_channels,
                     int *out_width, int *out_height, LookLabDiag *diag);

/* looklab_cnn_run () that calls @progress (may be NULL) before each node
 * with the fraction of the multiply-adds done; a non-zero return stops the
 * run with LOOKLAB_ERR_CANCELLED (nothing is stored in *@out). */
int looklab_cnn_run_progress (const LookLabCnn *cnn, const float *input,
                              int width, int height, int n_threads, float **out,
                              int *out_channels, int *out_width,
                              int *out_height, LookLabProgressFunc progress,
                              void *progress_data, LookLabDiag *diag);

#endif /* LOOKLAB_CNN_H */
