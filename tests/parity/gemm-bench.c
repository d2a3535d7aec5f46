/* gemm-bench: OpenBLAS sgemm against a plain cache-blocked,
 * compiler-vectorised kernel on the product of one ECCV16 conv4-7 layer
 * (512 x 4608 x 1024), one thread each (T=n sets OpenBLAS's threads).  The
 * measurement behind core/nn/cnn-conv.c's choice of OpenBLAS:
 *   T=1 build-cnn/tests/parity/gemm-bench */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cblas.h>
#ifdef LOOKLAB_HAVE_OPENBLAS
void openblas_set_num_threads (int);
#else
#define openblas_set_num_threads(n) ((void) (n))
#endif
static double now (void);
static double
now (void)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}
/* C[M,N] = A[M,K] B[K,N]: i-k-j order, blocks of K and N, inner loop on N
 * (vectorised by gcc -O3 -mavx2 -mfma). */
static void
own (int M, int N, int K, const float *A, const float *B, float *C)
{
  const int KB = 256, NB = 512;
  memset (C, 0, sizeof (float) * M * N);
  for (int k0 = 0; k0 < K; k0 += KB)
    for (int j0 = 0; j0 < N; j0 += NB)
      for (int i = 0; i < M; i++)
        {
          float *c = C + (size_t) i * N;
          int    k1 = k0 + KB < K ? k0 + KB : K, j1 = j0 + NB < N ? j0 + NB : N;
          for (int k = k0; k < k1; k++)
            {
              float        a = A[(size_t) i * K + k];
              const float *b = B + (size_t) k * N;
              for (int j = j0; j < j1; j++)
                c[j] += a * b[j];
            }
        }
}
int main (void);

int
main (void)
{
  int    M = 512, K = 4608, N = 1024;
  float *A = malloc (sizeof (float) * M * K),
        *B = malloc (sizeof (float) * K * N);
  float *C = malloc (sizeof (float) * M * N),
        *D = malloc (sizeof (float) * M * N);
  for (size_t i = 0; i < (size_t) M * K; i++)
    A[i] = (i % 13) * 0.01f;
  for (size_t i = 0; i < (size_t) K * N; i++)
    B[i] = (i % 7) * 0.01f;
  openblas_set_num_threads (getenv ("T") ? atoi (getenv ("T")) : 1);
  double best_b = 1e9, best_o = 1e9;
  for (int r = 0; r < 3; r++)
    {
      double t = now ();
      cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1, A, K,
                   B, N, 0, C, N);
      t = now () - t;
      if (t < best_b)
        best_b = t;
      t = now ();
      own (M, N, K, A, B, D);
      t = now () - t;
      if (t < best_o)
        best_o = t;
    }
  double maxd = 0;
  for (size_t i = 0; i < (size_t) M * N; i++)
    {
      double d = C[i] - D[i];
      if (d < 0)
        d = -d;
      if (d > maxd)
        maxd = d;
    }
  double gf = 2.0 * M * N * K / 1e9;
  printf ("1 thread, %dx%dx%d: OpenBLAS %.3f s (%.1f GFLOP/s), own kernel %.3f "
          "s (%.1f GFLOP/s), max diff %g\n",
          M, K, N, best_b, gf / best_b, best_o, gf / best_o, maxd);
  return 0;
}
