/* LookLab core: the CNN runtime's kernels (see cnn-private.h).
 *
 * Convolution is im2col + one sgemm per band of output rows (Chellapilla,
 * Puri, Simard 2006): the column matrix of a 256x256 layer would be
 * hundreds of MB, so it is built a band at a time and capped at
 * COL_BAND_FLOATS.  Transposed convolution is the adjoint: one sgemm with
 * the weights transposed gives every kernel tap's contribution, which
 * col2im scatters into the output. */
#include "cnn-private.h"

#include <math.h>
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
#ifdef LOOKLAB_HAVE_OPENBLAS
  if (n_threads <= 0)
    n_threads = (int) g_get_num_processors ();
  openblas_set_num_threads (n_threads);
#else
  (void) n_threads;
#endif
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

int
cnn_conv2d (const float *in, int cin, int ih, int iw, const float *weight,
            const float *bias, int cout, int kh, int kw, int stride,
            int padding, int dilation, float *out, int oh, int ow,
            float **scratch)
{
  size_t K = (size_t) cin * kh * kw;
  size_t N = (size_t) oh * ow;
  int    rows, r0, o;

  if (kh == 1 && kw == 1 && stride == 1 && padding == 0)
    {
      /* A 1x1 convolution is the product itself. */
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, cout, (int) N,
                   cin, 1.0f, weight, cin, in, (int) N, 0.0f, out, (int) N);
    }
  else
    {
      float *col;

      rows = (int) (COL_BAND_FLOATS / (K * ow));
      if (rows < 1)
        rows = 1;
      if (rows > oh)
        rows = oh;
      col = scratch_get (scratch, K * rows * ow);
      if (col == NULL)
        return LOOKLAB_ERR_NOMEM;

      for (r0 = 0; r0 < oh; r0 += rows)
        {
          int    r1 = r0 + rows < oh ? r0 + rows : oh;
          size_t bn = (size_t) (r1 - r0) * ow;
          int    c, ky, kx, oy;

          for (c = 0; c < cin; c++)
            for (ky = 0; ky < kh; ky++)
              for (kx = 0; kx < kw; kx++)
                {
                  float *row = col + (((size_t) c * kh + ky) * kw + kx) * bn;
                  int    xoff = kx * dilation - padding;
                  int    x0, x1;

                  valid_range (iw, xoff, stride, ow, &x0, &x1);
                  for (oy = r0; oy < r1; oy++)
                    {
                      float       *d = row + (size_t) (oy - r0) * ow;
                      int          iy = oy * stride - padding + ky * dilation;
                      const float *s;
                      int          ox;

                      if (iy < 0 || iy >= ih)
                        {
                          memset (d, 0, ow * sizeof (float));
                          continue;
                        }
                      s = in + ((size_t) c * ih + iy) * iw;
                      for (ox = 0; ox < x0; ox++)
                        d[ox] = 0.0f;
                      if (stride == 1)
                        memcpy (d + x0, s + x0 + xoff,
                                (x1 - x0) * sizeof (float));
                      else
                        for (ox = x0; ox < x1; ox++)
                          d[ox] = s[ox * stride + xoff];
                      for (ox = x1; ox < ow; ox++)
                        d[ox] = 0.0f;
                    }
                }
          cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, cout,
                       (int) bn, (int) K, 1.0f, weight, (int) K, col,
                       (int) bn, 0.0f, out + (size_t) r0 * ow, (int) N);
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

int
cnn_conv_transpose2d (const float *in, int cin, int ih, int iw,
                      const float *weight, const float *bias, int cout,
                      int kh, int kw, int stride, int padding, int dilation,
                      float *out, int oh, int ow, float **scratch)
{
  size_t M = (size_t) cout * kh * kw;
  size_t N = (size_t) oh * ow;
  size_t HW = (size_t) ih * iw;
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

  for (r0 = 0; r0 < ih; r0 += rows)
    {
      int    r1 = r0 + rows < ih ? r0 + rows : ih;
      size_t bn = (size_t) (r1 - r0) * iw;
      int    c, ky, kx, iy;

      /* col [cout*kh*kw, bn] = W^T [cout*kh*kw, cin] x in [cin, bn] */
      cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, (int) M, (int) bn,
                   cin, 1.0f, weight, (int) M, in + (size_t) r0 * iw,
                   (int) HW, 0.0f, col, (int) bn);
      for (c = 0; c < cout; c++)
        for (ky = 0; ky < kh; ky++)
          for (kx = 0; kx < kw; kx++)
            {
              const float *row = col + (((size_t) c * kh + ky) * kw + kx) * bn;
              int          xoff = kx * dilation - padding;

              for (iy = r0; iy < r1; iy++)
                {
                  int          oy = iy * stride - padding + ky * dilation;
                  const float *s = row + (size_t) (iy - r0) * iw;
                  float       *d;
                  int          ix;

                  if (oy < 0 || oy >= oh)
                    continue;
                  d = out + ((size_t) c * oh + oy) * ow;
                  for (ix = 0; ix < iw; ix++)
                    {
                      int ox = ix * stride + xoff;

                      if (ox >= 0 && ox < ow)
                        d[ox] += s[ix];
                    }
                }
            }
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

void
cnn_softmax_annealed_mean (const float *in, int q, size_t n,
                           const float *bins, float temperature, float *out)
{
  double inv_t = 1.0 / temperature;
  float *e = g_new (float, q);
  size_t i;
  int    k;

  for (i = 0; i < n; i++)
    {
      float  m = in[i];
      double sum = 0.0, a = 0.0, b = 0.0;

      for (k = 1; k < q; k++)
        if (in[(size_t) k * n + i] > m)
          m = in[(size_t) k * n + i];
      for (k = 0; k < q; k++)
        {
          e[k] = (float) exp ((in[(size_t) k * n + i] - m) * inv_t);
          sum += e[k];
        }
      for (k = 0; k < q; k++)
        {
          a += (double) e[k] * bins[2 * k];
          b += (double) e[k] * bins[2 * k + 1];
        }
      out[i] = (float) (a / sum);
      out[n + i] = (float) (b / sum);
    }
  g_free (e);
}
