/* LookLab core: the CNN runtime's kernels (see cnn-private.h).
 *
 * Convolution is im2col + one sgemm per band of output rows (Chellapilla,
 * Puri, Simard 2006): the column matrix of a 256x256 layer would be
 * hundreds of MB, so it is built a band at a time and capped at
 * COL_BAND_FLOATS.  Transposed convolution is the adjoint: one sgemm with
 * the weights transposed gives every kernel tap's contribution, which
 * col2im scatters into the output. */
#include "nn/cnn-private.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <glib.h>
#include <cblas.h>

#ifdef LOOKLAB_HAVE_OPENBLAS
/* OpenBLAS's own header declares this; Debian's netlib cblas.h does not. */
void openblas_set_num_threads (int num_threads);
#endif

/* 16 MB of column matrix at most. */
#define COL_BAND_FLOATS ((size_t) 4 << 20)

void
cnn_set_threads (int n_threads)
{
  /* The matrix products are split into column blocks on our own threads
   * (gemm_parallel), each calling a one-threaded sgemm: OpenBLAS's own
   * threads synchronise finely and, measured on a shared 2-core machine,
   * made a product 2x slower with 2 threads than with 1; coarse blocks
   * degrade gracefully when a core is busy. */
  (void) n_threads;
#ifdef LOOKLAB_HAVE_OPENBLAS
  openblas_set_num_threads (1);
#endif
}

#define MAX_THREADS 16

typedef struct
{
  CnnRangeFunc fn;
  void        *data;
  int          n;
  int          piece;
  gint         next; /* the next index to hand out (atomic) */
} RangeWork;

/* Takes pieces until none is left: a thread that the scheduler delays
 * (a shared machine) simply takes fewer, nobody waits for it. */
static void *
range_thread (void *p)
{
  RangeWork *w = p;

  for (;;)
    {
      int b = g_atomic_int_add (&w->next, w->piece);

      if (b >= w->n)
        break;
      w->fn (w->data, b, b + w->piece < w->n ? b + w->piece : w->n);
    }
  return NULL;
}

void
cnn_parallel (int n_threads, int n, CnnRangeFunc fn, void *data)
{
  pthread_t threads[MAX_THREADS];
  gboolean  started[MAX_THREADS] = { FALSE };
  RangeWork w;
  int       t;

  if (n <= 0)
    return;
  if (n_threads <= 0)
    n_threads = (int) g_get_num_processors ();
  if (n_threads > MAX_THREADS)
    n_threads = MAX_THREADS;
  if (n_threads > n)
    n_threads = n;
  if (n_threads == 1)
    {
      fn (data, 0, n);
      return;
    }
  w.fn = fn;
  w.data = data;
  w.n = n;
  w.piece = (n + 4 * n_threads - 1) / (4 * n_threads);
  w.next = 0;
  for (t = 1; t < n_threads; t++)
    started[t] = pthread_create (&threads[t], NULL, range_thread, &w) == 0;
  range_thread (&w);
  for (t = 1; t < n_threads; t++)
    if (started[t])
      pthread_join (threads[t], NULL);
}

typedef struct
{
  enum CBLAS_TRANSPOSE ta;
  int                  m, n, k;
  const float         *a;
  int                  lda;
  const float         *b;
  int                  ldb;
  float               *c;
  int                  ldc;
} Gemm;

#define GEMM_COL_BLOCK 64

static void
gemm_range (void *data, int b0, int b1)
{
  const Gemm *g = data;
  int         j0 = b0 * GEMM_COL_BLOCK;
  int         j1 = b1 * GEMM_COL_BLOCK < g->n ? b1 * GEMM_COL_BLOCK : g->n;

  if (j1 > j0)
    cblas_sgemm (CblasRowMajor, g->ta, CblasNoTrans, g->m, j1 - j0, g->k, 1.0f,
                 g->a, g->lda, g->b + j0, g->ldb, 0.0f, g->c + j0, g->ldc);
}

/* C[m, n] = op (A) [m, k] x B[k, n], the n columns split across threads
 * in blocks of GEMM_COL_BLOCK (each element's sum is the same whatever
 * the split). */
static void
gemm_parallel (int n_threads, enum CBLAS_TRANSPOSE ta, int m, int n, int k,
               const float *a, int lda, const float *b, int ldb, float *c,
               int ldc)
{
  Gemm g = { ta, m, n, k, a, lda, b, ldb, c, ldc };
  int  blocks = (n + GEMM_COL_BLOCK - 1) / GEMM_COL_BLOCK;

  /* small products are not worth a thread */
  if ((double) m * n * k < 4e6)
    n_threads = 1;
  cnn_parallel (n_threads, blocks, gemm_range, &g);
}

static float *
scratch_get (float **scratch, size_t n)
{
  /* The first word of the allocation remembers its capacity. */
  size_t cap = *scratch != NULL ? ((size_t *) *scratch)[-1] : 0;

  if (cap < n)
    {
      size_t *p;

      if (*scratch != NULL)
        g_free (((size_t *) *scratch) - 1);
      *scratch = NULL;
      p = g_try_malloc (sizeof (size_t) + n * sizeof (float));
      if (p == NULL)
        return NULL;
      p[0] = n;
      *scratch = (float *) (p + 1);
    }
  return *scratch;
}

void
cnn_scratch_free (float *scratch)
{
  if (scratch != NULL)
    g_free (((size_t *) scratch) - 1);
}

/* First and one-past-last output index o with 0 <= o * stride + off < n. */
static void
valid_range (int n, int off, int stride, int n_out, int *lo, int *hi)
{
  int a = 0, b;

  if (off < 0)
    a = (-off + stride - 1) / stride;
  b = n - 1 - off < 0 ? 0 : (n - 1 - off) / stride + 1;
  if (b > n_out)
    b = n_out;
  if (a > b)
    a = b;
  *lo = a;
  *hi = b;
}

typedef struct
{
  const float *in;
  int          ih, iw, kh, kw, stride, padding, dilation, ow;
  int          r0, r1; /* the band of output rows */
  float       *col;    /* [cin * kh * kw, (r1 - r0) * ow] */
} Im2col;

/* Rows of the column matrix for input channels [c0, c1). */
static void
im2col_range (void *data, int c0, int c1)
{
  const Im2col *a = data;
  size_t        bn = (size_t) (a->r1 - a->r0) * a->ow;
  int           c, ky, kx, oy, ox;

  for (c = c0; c < c1; c++)
    for (ky = 0; ky < a->kh; ky++)
      for (kx = 0; kx < a->kw; kx++)
        {
          float *row = a->col + (((size_t) c * a->kh + ky) * a->kw + kx) * bn;
          int    xoff = kx * a->dilation - a->padding;
          int    x0, x1;

          valid_range (a->iw, xoff, a->stride, a->ow, &x0, &x1);
          for (oy = a->r0; oy < a->r1; oy++)
            {
              float       *d = row + (size_t) (oy - a->r0) * a->ow;
              int          iy = oy * a->stride - a->padding + ky * a->dilation;
              const float *src;

              if (iy < 0 || iy >= a->ih)
                {
                  memset (d, 0, a->ow * sizeof (float));
                  continue;
                }
              src = a->in + ((size_t) c * a->ih + iy) * a->iw;
              for (ox = 0; ox < x0; ox++)
                d[ox] = 0.0f;
              if (a->stride == 1)
                memcpy (d + x0, src + x0 + xoff, (x1 - x0) * sizeof (float));
              else
                for (ox = x0; ox < x1; ox++)
                  d[ox] = src[ox * a->stride + xoff];
              for (ox = x1; ox < a->ow; ox++)
                d[ox] = 0.0f;
            }
        }
}

int
cnn_conv2d (int n_threads, const float *in, int cin, int ih, int iw,
            const float *weight, const float *bias, int cout, int kh, int kw,
            int stride, int padding, int dilation, float *out, int oh, int ow,
            float **scratch)
{
  size_t K = (size_t) cin * kh * kw;
  size_t N = (size_t) oh * ow;
  int    rows, r0, o;

  if (kh == 1 && kw == 1 && stride == 1 && padding == 0)
    {
      /* A 1x1 convolution is the product itself. */
      gemm_parallel (n_threads, CblasNoTrans, cout, (int) N, cin, weight, cin,
                     in, (int) N, out, (int) N);
    }
  else
    {
      Im2col a
          = { in, ih, iw, kh, kw, stride, padding, dilation, ow, 0, 0, NULL };

      rows = (int) (COL_BAND_FLOATS / (K * ow));
      if (rows < 1)
        rows = 1;
      if (rows > oh)
        rows = oh;
      a.col = scratch_get (scratch, K * rows * ow);
      if (a.col == NULL)
        return LOOKLAB_ERR_NOMEM;

      for (r0 = 0; r0 < oh; r0 += rows)
        {
          size_t bn;

          a.r0 = r0;
          a.r1 = r0 + rows < oh ? r0 + rows : oh;
          bn = (size_t) (a.r1 - a.r0) * ow;
          cnn_parallel (n_threads, cin, im2col_range, &a);
          gemm_parallel (n_threads, CblasNoTrans, cout, (int) bn, (int) K,
                         weight, (int) K, a.col, (int) bn,
                         out + (size_t) r0 * ow, (int) N);
        }
    }
  for (o = 0; o < cout; o++)
    {
      float  b = bias[o];
      float *d = out + (size_t) o * N;
      size_t i;

      if (b != 0.0f)
        for (i = 0; i < N; i++)
          d[i] += b;
    }
  return LOOKLAB_OK;
}

typedef struct
{
  const float *col; /* [cout * kh * kw, (r1 - r0) * iw] */
  float       *out;
  int          iw, oh, ow, kh, kw, stride, padding, dilation, r0, r1;
} Col2im;

/* Scatters the taps of output channels [c0, c1): each channel's writes
 * are its own, so ranges of channels run in parallel. */
static void
col2im_range (void *data, int c0, int c1)
{
  const Col2im *a = data;
  size_t        bn = (size_t) (a->r1 - a->r0) * a->iw;
  int           c, ky, kx, iy, ix;

  for (c = c0; c < c1; c++)
    for (ky = 0; ky < a->kh; ky++)
      for (kx = 0; kx < a->kw; kx++)
        {
          const float *row
              = a->col + (((size_t) c * a->kh + ky) * a->kw + kx) * bn;
          int xoff = kx * a->dilation - a->padding;

          for (iy = a->r0; iy < a->r1; iy++)
            {
              int          oy = iy * a->stride - a->padding + ky * a->dilation;
              const float *src = row + (size_t) (iy - a->r0) * a->iw;
              float       *d;

              if (oy < 0 || oy >= a->oh)
                continue;
              d = a->out + ((size_t) c * a->oh + oy) * a->ow;
              for (ix = 0; ix < a->iw; ix++)
                {
                  int ox = ix * a->stride + xoff;

                  if (ox >= 0 && ox < a->ow)
                    d[ox] += src[ix];
                }
            }
        }
}

int
cnn_conv_transpose2d (int n_threads, const float *in, int cin, int ih, int iw,
                      const float *weight, const float *bias, int cout, int kh,
                      int kw, int stride, int padding, int dilation, float *out,
                      int oh, int ow, float **scratch)
{
  size_t M = (size_t) cout * kh * kw;
  size_t N = (size_t) oh * ow;
  size_t HW = (size_t) ih * iw;
  Col2im a = { NULL, out, iw, oh, ow, kh, kw, stride, padding, dilation, 0, 0 };
  float *col;
  int    rows, r0, o;

  for (o = 0; o < cout; o++)
    {
      float *d = out + (size_t) o * N;
      size_t i;

      for (i = 0; i < N; i++)
        d[i] = bias[o];
    }

  rows = (int) (COL_BAND_FLOATS / (M * iw));
  if (rows < 1)
    rows = 1;
  if (rows > ih)
    rows = ih;
  col = scratch_get (scratch, M * rows * iw);
  if (col == NULL)
    return LOOKLAB_ERR_NOMEM;
  a.col = col;

  for (r0 = 0; r0 < ih; r0 += rows)
    {
      int    r1 = r0 + rows < ih ? r0 + rows : ih;
      size_t bn = (size_t) (r1 - r0) * iw;

      /* col [cout*kh*kw, bn] = W^T [cout*kh*kw, cin] x in [cin, bn] */
      gemm_parallel (n_threads, CblasTrans, (int) M, (int) bn, cin, weight,
                     (int) M, in + (size_t) r0 * iw, (int) HW, col, (int) bn);
      a.r0 = r0;
      a.r1 = r1;
      cnn_parallel (n_threads, cout, col2im_range, &a);
    }
  return LOOKLAB_OK;
}

void
cnn_affine (const float *in, const float *mul, const float *add, int c,
            size_t plane, float *out)
{
  int k;

  for (k = 0; k < c; k++)
    {
      const float *s = in + (size_t) k * plane;
      float       *d = out + (size_t) k * plane;
      float        m = mul[k], a = add[k];
      size_t       i;

      for (i = 0; i < plane; i++)
        d[i] = s[i] * m + a;
    }
}

void
cnn_leaky_relu (const float *in, size_t n, float slope, float *out)
{
  size_t i;

  for (i = 0; i < n; i++)
    out[i] = in[i] > 0.0f ? in[i] : in[i] * slope;
}

/* PyTorch's area_pixel_compute_source_index for align_corners=False. */
static void
bilinear_index (int o, double scale, int n, int *i0, int *i1, float *l1)
{
  float src = (float) (scale * (o + 0.5) - 0.5);
  int   a;

  if (src < 0.0f)
    src = 0.0f;
  a = (int) src;
  if (a > n - 1)
    a = n - 1;
  *i0 = a;
  *i1 = a < n - 1 ? a + 1 : a;
  *l1 = src - (float) a;
  if (*l1 > 1.0f)
    *l1 = 1.0f;
}

void
cnn_upsample_bilinear (const float *in, int c, int ih, int iw, double scale_y,
                       double scale_x, float *out, int oh, int ow)
{
  int   *x0 = g_new (int, ow);
  int   *x1 = g_new (int, ow);
  float *lx = g_new (float, ow);
  int    k, y, x;

  for (x = 0; x < ow; x++)
    bilinear_index (x, scale_x, iw, &x0[x], &x1[x], &lx[x]);
  for (k = 0; k < c; k++)
    for (y = 0; y < oh; y++)
      {
        const float *p = in + (size_t) k * ih * iw;
        float       *d = out + ((size_t) k * oh + y) * ow;
        const float *r0, *r1;
        int          y0, y1;
        float        ly;

        bilinear_index (y, scale_y, ih, &y0, &y1, &ly);
        r0 = p + (size_t) y0 * iw;
        r1 = p + (size_t) y1 * iw;
        for (x = 0; x < ow; x++)
          {
            float a = r0[x0[x]] * (1.0f - lx[x]) + r0[x1[x]] * lx[x];
            float b = r1[x0[x]] * (1.0f - lx[x]) + r1[x1[x]] * lx[x];

            d[x] = a * (1.0f - ly) + b * ly;
          }
      }
  g_free (x0);
  g_free (x1);
  g_free (lx);
}

typedef struct
{
  const float *in;
  int          q;
  size_t       n;
  const float *bins;
  double       inv_t;
  float       *out;
} Softmax;

static void
softmax_range (void *data, int p0, int p1)
{
  const Softmax *a = data;
  float         *e = g_new (float, a->q);
  size_t         n = a->n;
  int            i, k;

  for (i = p0; i < p1; i++)
    {
      const float *z = a->in + i;
      float        m = z[0];
      double       sum = 0.0, sa = 0.0, sb = 0.0;

      for (k = 1; k < a->q; k++)
        if (z[(size_t) k * n] > m)
          m = z[(size_t) k * n];
      for (k = 0; k < a->q; k++)
        {
          e[k] = (float) exp ((z[(size_t) k * n] - m) * a->inv_t);
          sum += e[k];
        }
      for (k = 0; k < a->q; k++)
        {
          sa += (double) e[k] * a->bins[2 * k];
          sb += (double) e[k] * a->bins[2 * k + 1];
        }
      a->out[i] = (float) (sa / sum);
      a->out[n + i] = (float) (sb / sum);
    }
  g_free (e);
}

void
cnn_softmax_annealed_mean (int n_threads, const float *in, int q, size_t n,
                           const float *bins, float temperature, float *out)
{
  Softmax a = { in, q, n, bins, 1.0 / temperature, out };

  cnn_parallel (n_threads, (int) n, softmax_range, &a);
}
