/* LookLab core: internals of the CNN runtime shared by the loader
 * (cnn-load.c), the interpreter (cnn.c) and the kernels (cnn-conv.c).
 * Not a public API. */
#ifndef LOOKLAB_CNN_PRIVATE_H
#define LOOKLAB_CNN_PRIVATE_H

#include <stddef.h>

#include <glib.h>

#include "nn/cnn.h"

typedef struct
{
  int c;
  int w;
  int h;
} CnnShape;

/* The graph as loaded (cnn-load.c) and run (cnn.c). */
#define CNN_MAX_INPUTS 16

typedef enum
{
  OP_CONV,
  OP_CONVT,
  OP_BN,
  OP_RELU,
  OP_LEAKY,
  OP_TANH,
  OP_SIGMOID,
  OP_SOFTMAX_AM,
  OP_UPSAMPLE,
  OP_SUBSAMPLE,
  OP_ADD,
  OP_CONCAT,
  OP_SCALE,
  OP_GAP
} CnnOp;

typedef struct
{
  char    *name;
  CnnOp    op;
  int      n_inputs;
  int      inputs[CNN_MAX_INPUTS]; /* node indices; -1 is the graph input */
  int      channels;               /* output channels (static) */
  gboolean needed;                 /* the output depends on it */
  gboolean folded;                 /* a batch norm folded into its input conv */
  int      n_uses;                 /* consumers among needed nodes */

  /* conv2d, conv_transpose2d */
  int    cin, cout, kh, kw, stride, padding, dilation, output_padding;
  float *weight; /* conv: [cout, cin*kh*kw];
                                 convT: [cin, cout*kh*kw] */
  float *bias;   /* [cout] */

  /* batchnorm as y = x * mul + add; softmax bins [q, 2] */
  float *mul;
  float *add;
  float *bins;
  int    q;

  float slope;       /* leaky_relu */
  float factor;      /* scale, upsample scale */
  float temperature; /* softmax_annealed_mean */
  int   sub;         /* subsample step */
} CnnNode;

struct _LookLabCnn
{
  LookLabCnnInfo info;
  char          *input_name;
  int            n_nodes;
  CnnNode       *nodes;
  int            output;
};

/* The graph format's name of @op ("conv2d", ...), for messages. */
const char *cnn_op_name (CnnOp op);

/* Infers every needed node's output shape for a @width x @height input
 * into @shapes (cnn->n_nodes entries, or NULL for a scratch array) and
 * the output's into *@out_c, *@out_w, *@out_h.  Returns 0 or
 * LOOKLAB_ERR_MISMATCH / _LIMIT. */
int looklab_cnn_infer (const LookLabCnn *cnn, int width, int height,
                       CnnShape *shapes, int *out_c, int *out_w, int *out_h,
                       LookLabDiag *diag);

/* Runs @fn (@data, begin, end) over [0, @n) split into @n_threads ranges
 * (0: all cores, at most 16), the calling thread taking the first; falls
 * back to the calling thread when a thread cannot be made (same result). */
typedef void (*CnnRangeFunc) (void *data, int begin, int end);
void cnn_parallel (int n_threads, int n, CnnRangeFunc fn, void *data);

/* Frees the scratch buffer of cnn_conv2d () and friends (NULL-safe). */
void cnn_scratch_free (float *scratch);

/* Sets the threads of the matrix products (0: all cores). */
void cnn_set_threads (int n_threads);

/* Convolution of @in (@cin x @ih x @iw) with @weight [cout, cin, kh, kw]
 * plus @bias, into @out (@cout x @oh x @ow).  Returns 0 or _NOMEM. */
int cnn_conv2d (int n_threads, const float *in, int cin, int ih, int iw,
                const float *weight, const float *bias, int cout, int kh,
                int kw, int stride, int padding, int dilation, float *out,
                int oh, int ow, float **scratch);

/* Transposed convolution, @weight [cin, cout, kh, kw] (PyTorch's layout). */
int cnn_conv_transpose2d (int n_threads, const float *in, int cin, int ih,
                          int iw, const float *weight, const float *bias,
                          int cout, int kh, int kw, int stride, int padding,
                          int dilation, float *out, int oh, int ow,
                          float **scratch);

/* out[c][i] = in[c][i] * mul[c] + add[c] over @c planes of @plane floats. */
void cnn_affine (const float *in, const float *mul, const float *add, int c,
                 size_t plane, float *out);

/* out = in > 0 ? in : in * slope (slope 0: ReLU); in may equal out. */
void cnn_leaky_relu (const float *in, size_t n, float slope, float *out);

/* Bilinear resampling of @c planes, PyTorch's align_corners=False rule:
 * source = (dst + 0.5) * scale - 0.5, clamped below at 0; @scale_y/_x is
 * input size / output size (or 1 / scale_factor, as PyTorch uses). */
void cnn_upsample_bilinear (const float *in, int c, int ih, int iw,
                            double scale_y, double scale_x, float *out, int oh,
                            int ow);

/* Per pixel of @q planes of @n floats: p = softmax (z / T), out = sum p *
 * bins ([q, 2]) into 2 planes of @n floats (Zhang et al. 2016, eq. 5). */
void cnn_softmax_annealed_mean (int n_threads, const float *in, int q, size_t n,
                                const float *bins, float temperature,
                                float *out);

#endif /* LOOKLAB_CNN_PRIVATE_H */
