/* LookLab core: applying a 3D LUT to interleaved pixel buffers, fast.
 *
 * Pixels go through four stages, a block of BLOCK pixels at a time, so that
 * each stage is a simple loop the compiler can vectorise on its own:
 *
 *   A  input -> lattice coordinates (one float per channel).  For u8 and u16
 *      a per-channel table indexed by code value gives the coordinate with
 *      the shaper and the domain already folded in; floats are scaled and
 *      clamped directly.
 *   B  coordinates -> cell offset, the two inner vertices of the tetrahedron
 *      and four weights, without branches (vectorised, 8 pixels at a time
 *      with AVX2).
 *   C  the interpolation proper: the table is stored with 4 floats per node
 *      (RGB + padding, 16 bytes), so each vertex is one aligned 128-bit load
 *      and a pixel costs four loads and four multiply-adds.  With AVX2 a
 *      hand-written version does two pixels per vector (tetra_interp_avx2).
 *      AVX2 gathers (twelve per eight pixels, planar table) measured three
 *      times slower on the Zen 3 this was tuned on.
 *   D  mix with the original (strength), convert, round, clamp, store; alpha
 *      is copied from the input.  Large float outputs are streamed
 *      (non-temporal stores).
 *
 * Out-of-domain inputs clamp to the lattice edge, as in ffmpeg's lut3d;
 * for a baked look (keep_excess) float inputs then get their excess back
 * in stage D.
 * Each pixel's result depends on that pixel only, so bands of rows run on
 * separate threads and the output does not depend on the thread count.
 *
 * The hot functions are compiled twice (function multiversioning): for
 * x86-64-v3 (AVX2 + FMA) and for the baseline, the choice made at load time
 * from the CPU; tetra_interp_avx2 () is chosen at run time the same way.
 * Packed RGB float without a shaper, tetrahedral, has a third kernel where
 * the CPU has AVX-512 F, VL and DQ: rows_rgb_float_avx512 (), all four
 * stages on sixteen pixels per vector (see there).  kernel_choose () picks
 * at run time; LOOKLAB_LUT_KERNEL=generic|avx2|avx512 caps the choice, so
 * the tests run every kernel the CPU has.  No -march=native: the binary
 * must run everywhere.
 */
#include "lut/lut-apply.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lut/lut-coord.h"

/* Pixels per block: the scratch arrays of one block (about 7.5 KiB) stay in
 * L1 between the stages, beside the table lines in use (128 measured a few
 * percent faster than 256 or 512).  A multiple of 4 (stage D streams four
 * pixels at a time). */
#define BLOCK 128

/* Bands smaller than this are not worth a thread. */
#define MIN_PIXELS_PER_THREAD 16384

#define MAX_THREADS 256

/* target_clones needs ifunc support (GNU/ELF); elsewhere the portable
 * build is the only one. */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__ELF__)               \
    && !defined(LOOKLAB_NO_CLONES)
#define LOOKLAB_CLONES                                                         \
  __attribute__ ((target_clones ("arch=x86-64-v3", "default")))
#else
#define LOOKLAB_CLONES
#endif

#define ALWAYS_INLINE static inline __attribute__ ((always_inline))

/* Stage C by hand with AVX2 + FMA (tetra_interp_avx2 ()), chosen at run
 * time when the CPU has both; GCC and clang compile it without -mavx2
 * thanks to the target attribute. */
#if defined(__x86_64__) && !defined(LOOKLAB_NO_SIMD)
#define HAVE_X86_AVX2 1
#include <immintrin.h>
#else
#define HAVE_X86_AVX2 0
#endif

/* Non-temporal stores (SSE2, in every x86-64) for large float outputs. */
#if defined(__x86_64__) && !defined(LOOKLAB_NO_SIMD)
#define HAVE_X86_STREAM 1
#include <emmintrin.h>
#else
#define HAVE_X86_STREAM 0
#endif

/* Float outputs larger than this (and not in place) are written with
 * non-temporal stores: a frame far bigger than the caches would only
 * evict useful lines, and skipping the read-for-ownership of each output
 * line saves a third of the memory traffic.  Smaller buffers (GIMP's
 * tiles) are left in the cache for whoever reads them next. */
#define STREAM_MIN_BYTES ((size_t) 32 << 20)

/* GCC/clang vector extension: SSE on x86, NEON on ARM, plain code elsewhere.
 * One value holds one node (R, G, B, padding). */
typedef float   v4sf __attribute__ ((vector_size (16)));
typedef int32_t v4si __attribute__ ((vector_size (16)));

/* __builtin_shufflevector: clang, and GCC from 12. */
#if defined(__clang__) || __GNUC__ >= 12
#define HAVE_SHUFFLEVECTOR 1
#else
#define HAVE_SHUFFLEVECTOR 0
#endif

struct _LookLabLutApplier
{
  LookLabPixelFormat format;
  LookLabInterp      interp;
  float              strength;
  int                size;
  int                use_avx2;   /* stages A and C by hand with AVX2 */
  int                use_avx512; /* RGB float: rows_rgb_float_avx512 () */
  float             *table;      /* size^3 nodes of 4 floats, 16-aligned */
  int32_t            stride[3];  /* floats from a node to its +R, +G, +B */

  /* u8 and u16: lattice coordinate of every code value, per channel. */
  float *coord[3];

  /* float: coordinate = value * scale + offset, clamped. */
  float  scale[3];
  float  offset[3];
  int    shaper_size;     /* 0: no shaper */
  float *shaper[3];       /* planar copy of the shaper */
  float  shaper_scale[3]; /* shaper index = value * s + o */
  float  shaper_offset[3];

  /* float: a baked look's excess beyond the input range [lo, hi] is added
   * to the output (LookLabLut.keep_excess). */
  int   keep_excess;
  float lo[3];
  float hi[3];
};

/* Scratch of one block, on the stack of the thread working on it. */
typedef struct
{
  float   x[3][BLOCK]; /* A: lattice coordinates */
  int32_t base[BLOCK]; /* B: offset of the cell's first node */
  int32_t oa[BLOCK];   /* B: offsets of the two inner vertices */
  int32_t ob[BLOCK];
  float   w[4][BLOCK]; /* B: weights (trilinear: fractions in 0..2) */
  v4sf    out[BLOCK];  /* C: interpolated colours */
} Scratch;

/* Stage B, tetrahedral.  The cell is cut into six tetrahedra along its
 * main diagonal (Kasson et al. 1995, as ffmpeg and OCIO do).  Walking from
 * node 000 to node 111, the axis with the largest fraction is stepped
 * first, the smallest last, and the weights are the differences of the
 * sorted fractions.  On ties the vertex that is ambiguous gets weight 0,
 * so any choice is right. */
ALWAYS_INLINE void
tetra_setup (const LookLabLutApplier *a, Scratch *s, int n)
{
  const int32_t sr = a->stride[0], sg = a->stride[1], sb = a->stride[2];
  const int32_t top = a->size - 2;

  for (int i = 0; i < n; i++)
    {
      /* Coordinates are >= 0, so truncation is floor.  Clamping the index
       * to size - 2 reaches the last node with fraction 1 and keeps the +1
       * neighbours inside the table. */
      int32_t ir = (int32_t) s->x[0][i];
      int32_t ig = (int32_t) s->x[1][i];
      int32_t ib = (int32_t) s->x[2][i];
      float   fr, fg, fb, hi, lo, mx, mn, md, t;
      int32_t omax, omin;

      ir = ir < top ? ir : top;
      ig = ig < top ? ig : top;
      ib = ib < top ? ib : top;
      fr = s->x[0][i] - (float) ir;
      fg = s->x[1][i] - (float) ig;
      fb = s->x[2][i] - (float) ib;

      /* Sort the fractions and pick the axes of the largest and the
       * smallest.  Written as plain selects ("&", not "&&") so that the
       * loop has no branch and vectorises. */
      hi = fr > fg ? fr : fg;
      lo = fr > fg ? fg : fr;
      mx = hi > fb ? hi : fb;
      mn = lo < fb ? lo : fb;
      t = hi < fb ? hi : fb;
      md = lo > t ? lo : t;
      omax = fg >= fb ? sg : sb;
      omax = ((fr >= fg) & (fr >= fb)) ? sr : omax;
      omin = fg <= fb ? sg : sb;
      omin = ((fr <= fg) & (fr <= fb)) ? sr : omin;

      s->base[i] = ir * sr + ig * sg + ib * sb;
      s->oa[i] = omax;
      s->ob[i] = sr + sg + sb - omin;
      s->w[0][i] = 1.0f - mx;
      s->w[1][i] = mx - md;
      s->w[2][i] = md - mn;
      s->w[3][i] = mn;
    }
}

/* Stage C, tetrahedral.  The weights form (w0 c000 + wa ca + wb cb +
 * w1 c111) rather than c000 + fmax (ca - c000) + ... returns a node exactly
 * when the input sits on it. */
ALWAYS_INLINE void
tetra_interp (const LookLabLutApplier *a, Scratch *s, int n)
{
  const float  *t = a->table;
  const int32_t o111 = a->stride[0] + a->stride[1] + a->stride[2];

  for (int i = 0; i < n; i++)
    {
      const float *p = t + s->base[i];
      v4sf         c0 = *(const v4sf *) p;
      v4sf         ca = *(const v4sf *) (p + s->oa[i]);
      v4sf         cb = *(const v4sf *) (p + s->ob[i]);
      v4sf         c1 = *(const v4sf *) (p + o111);

      s->out[i] = c0 * s->w[0][i] + ca * s->w[1][i] + cb * s->w[2][i]
                  + c1 * s->w[3][i];
    }
}

#if HAVE_X86_AVX2
/* Stage C, tetrahedral, with AVX2: two pixels per 256-bit vector, one per
 * 128-bit half.  The weights of eight pixels are first transposed in
 * registers to one (w0, wa, wb, w1) 4-vector per pixel, which in-lane
 * shuffles then spread, instead of four broadcasts from memory per pixel.
 * Measured on its own, 30% faster than tetra_interp () as GCC compiles it.
 * Halves pair pixels k and k + 4 of each group of eight, the order the
 * transpose leaves them in.  @n must be a multiple of 8 (the caller pads
 * the block with valid cells). */
__attribute__ ((target ("avx2,fma"))) static void
tetra_interp_avx2 (const LookLabLutApplier *a, Scratch *s, int n)
{
  const float  *t = a->table;
  const int32_t o111 = a->stride[0] + a->stride[1] + a->stride[2];

  for (int i = 0; i < n; i += 8)
    {
      __m256 w0 = _mm256_load_ps (s->w[0] + i);
      __m256 w1 = _mm256_load_ps (s->w[1] + i);
      __m256 w2 = _mm256_load_ps (s->w[2] + i);
      __m256 w3 = _mm256_load_ps (s->w[3] + i);
      __m256 t0 = _mm256_unpacklo_ps (w0, w1);
      __m256 t1 = _mm256_unpackhi_ps (w0, w1);
      __m256 t2 = _mm256_unpacklo_ps (w2, w3);
      __m256 t3 = _mm256_unpackhi_ps (w2, w3);
      __m256 u[4];

      /* u[k]: pixel k's weights in the low half, pixel k + 4's in the
       * high half. */
      u[0] = _mm256_shuffle_ps (t0, t2, _MM_SHUFFLE (1, 0, 1, 0));
      u[1] = _mm256_shuffle_ps (t0, t2, _MM_SHUFFLE (3, 2, 3, 2));
      u[2] = _mm256_shuffle_ps (t1, t3, _MM_SHUFFLE (1, 0, 1, 0));
      u[3] = _mm256_shuffle_ps (t1, t3, _MM_SHUFFLE (3, 2, 3, 2));

      for (int k = 0; k < 4; k++)
        {
          int          lo = i + k, hi = i + k + 4;
          const float *p = t + s->base[lo], *q = t + s->base[hi];
#define PAIR(x, y)                                                             \
  _mm256_insertf128_ps (_mm256_castps128_ps256 (_mm_load_ps (x)),              \
                        _mm_load_ps (y), 1)
          __m256 c0 = PAIR (p, q);
          __m256 ca = PAIR (p + s->oa[lo], q + s->oa[hi]);
          __m256 cb = PAIR (p + s->ob[lo], q + s->ob[hi]);
          __m256 c1 = PAIR (p + o111, q + o111);
#undef PAIR
          __m256 r;

          /* w0 c000 + wa ca + wb cb + w1 c111, as tetra_interp (). */
          r = _mm256_mul_ps (c0, _mm256_permute_ps (u[k], 0x00));
          r = _mm256_fmadd_ps (ca, _mm256_permute_ps (u[k], 0x55), r);
          r = _mm256_fmadd_ps (cb, _mm256_permute_ps (u[k], 0xaa), r);
          r = _mm256_fmadd_ps (c1, _mm256_permute_ps (u[k], 0xff), r);
          _mm_store_ps ((float *) &s->out[lo], _mm256_castps256_ps128 (r));
          _mm_store_ps ((float *) &s->out[hi], _mm256_extractf128_ps (r, 1));
        }
    }
}
#endif

ALWAYS_INLINE void
trilinear_setup (const LookLabLutApplier *a, Scratch *s, int n)
{
  const int32_t sr = a->stride[0], sg = a->stride[1], sb = a->stride[2];
  const int32_t top = a->size - 2;

  for (int i = 0; i < n; i++)
    {
      int32_t ir = (int32_t) s->x[0][i];
      int32_t ig = (int32_t) s->x[1][i];
      int32_t ib = (int32_t) s->x[2][i];

      ir = ir < top ? ir : top;
      ig = ig < top ? ig : top;
      ib = ib < top ? ib : top;
      s->w[0][i] = s->x[0][i] - (float) ir;
      s->w[1][i] = s->x[1][i] - (float) ig;
      s->w[2][i] = s->x[2][i] - (float) ib;
      s->base[i] = ir * sr + ig * sg + ib * sb;
    }
}

/* a (1 - t) + b t, exact at t = 0 and t = 1. */
ALWAYS_INLINE v4sf
lerp4 (v4sf a, v4sf b, float t)
{
  return a * (1.0f - t) + b * t;
}

ALWAYS_INLINE void
trilinear_interp (const LookLabLutApplier *a, Scratch *s, int n)
{
  const float  *t = a->table;
  const int32_t sr = a->stride[0], sg = a->stride[1], sb = a->stride[2];

  for (int i = 0; i < n; i++)
    {
      const float *p = t + s->base[i];
      float        fr = s->w[0][i], fg = s->w[1][i], fb = s->w[2][i];
#define NODE(o) (*(const v4sf *) (p + (o)))
      v4sf c00 = lerp4 (NODE (0), NODE (sr), fr);
      v4sf c10 = lerp4 (NODE (sg), NODE (sg + sr), fr);
      v4sf c01 = lerp4 (NODE (sb), NODE (sb + sr), fr);
      v4sf c11 = lerp4 (NODE (sb + sg), NODE (sb + sg + sr), fr);
#undef NODE
      s->out[i] = lerp4 (lerp4 (c00, c10, fg), lerp4 (c01, c11, fg), fb);
    }
}

/* Stage A for floats. */
ALWAYS_INLINE void
float_coords (const LookLabLutApplier *a, Scratch *s, const float *p,
              int channels, int n)
{
  const float top = (float) (a->size - 1);

  for (int c = 0; c < 3; c++)
    {
      const float scale = a->scale[c], offset = a->offset[c];

      if (a->shaper_size == 0)
        {
          for (int i = 0; i < n; i++)
            {
              float v = p[i * channels + c] * scale + offset;

              /* "v > 0" is false for NaN, which thus goes to 0. */
              v = v > 0.0f ? v : 0.0f;
              s->x[c][i] = v < top ? v : top;
            }
        }
      else
        {
          /* Linear interpolation in the shaper, clamped to its ends, as in
           * looklab_lut_coord (). */
          const float  *sh = a->shaper[c];
          const float   stop = (float) (a->shaper_size - 1);
          const int32_t itop = a->shaper_size - 2;
          const float   ss = a->shaper_scale[c], so = a->shaper_offset[c];

          for (int i = 0; i < n; i++)
            {
              float   u = p[i * channels + c] * ss + so, f, v;
              int32_t k;

              u = u > 0.0f ? u : 0.0f;
              u = u < stop ? u : stop;
              k = (int32_t) u;
              k = k < itop ? k : itop;
              f = u - (float) k;
              v = (sh[k] * (1.0f - f) + sh[k + 1] * f) * scale + offset;
              v = v > 0.0f ? v : 0.0f;
              s->x[c][i] = v < top ? v : top;
            }
        }
    }
}

/* Stage D for integers: clamps to [0, 1] (NaN to 0) and rounds to the
 * nearest code value.  Written with vector masks rather than "?:" so that
 * it compiles to a few SIMD instructions without branches. */
ALWAYS_INLINE v4si
quantise (v4sf v, float max)
{
  const v4sf zero = { 0.0f, 0.0f, 0.0f, 0.0f };
  const v4sf one = { 1.0f, 1.0f, 1.0f, 1.0f };
  v4si       pos = v > zero; /* false for NaN */
  v4si       low;

  v = (v4sf) ((v4si) v & pos);
  low = v < one;
  v = (v4sf) (((v4si) v & low) | ((v4si) one & ~low));
  return __builtin_convertvector(v * max + 0.5f, v4si);
}

/* Stage D for a baked look's float pixels: what the input lies beyond
 * [lo, hi], to be added back to the output; nothing for NaN and
 * infinities.  The same arithmetic as
 *   isfinite (p) ? p - fminf (fmaxf (p, lo), hi) : 0
 * per channel, with vector masks: that loop, scalar and with a branch per
 * channel, made a baked look 3x slower to apply than a .cube of the same
 * size (0.57 s against 0.17 s for 24 MP of RGBA float on one core). */
ALWAYS_INLINE v4sf
excess (v4sf p, v4sf lo, v4sf hi)
{
  const v4sf zero = { 0.0f, 0.0f, 0.0f, 0.0f };
  v4si       finite = (p - p) == zero; /* false for NaN and infinities */
  v4si       below = p < lo;
  v4si       above = p > hi;
  v4si       e = ((v4si) (p - lo) & below) | ((v4si) (p - hi) & above);

  return (v4sf) (e & finite);
}

#if HAVE_X86_AVX2
/* Stage A for packed RGB floats without a shaper, with AVX2: eight pixels
 * are loaded as six 128-bit pieces and split into R, G and B vectors with
 * five shuffles (the usual AoS-to-SoA transpose of 3-vectors), where GCC's
 * own vectorisation of float_coords () reloads and permutes the pixels
 * once per channel.  Same arithmetic as float_coords (). */
__attribute__ ((target ("avx2,fma"))) static void
float_coords_rgb_avx2 (const LookLabLutApplier *a, Scratch *s, const float *p,
                       int n)
{
  const __m256 top = _mm256_set1_ps ((float) (a->size - 1));
  const __m256 zero = _mm256_setzero_ps ();
  __m256       scale[3], offset[3];
  int          i;

  for (int c = 0; c < 3; c++)
    {
      scale[c] = _mm256_set1_ps (a->scale[c]);
      offset[c] = _mm256_set1_ps (a->offset[c]);
    }
  for (i = 0; i + 8 <= n; i += 8, p += 24)
    {
#define HALVES(lo, hi)                                                         \
  _mm256_insertf128_ps (_mm256_castps128_ps256 (_mm_loadu_ps (lo)),            \
                        _mm_loadu_ps (hi), 1)
      __m256 m03 = HALVES (p, p + 12);     /* r0 g0 b0 r1 | r4 g4 b4 r5 */
      __m256 m14 = HALVES (p + 4, p + 16); /* g1 b1 r2 g2 | g5 b5 r6 g6 */
      __m256 m25 = HALVES (p + 8, p + 20); /* b2 r3 g3 b3 | b6 r7 g7 b7 */
#undef HALVES
      __m256 xy = _mm256_shuffle_ps (m14, m25, _MM_SHUFFLE (2, 1, 3, 2));
      __m256 yz = _mm256_shuffle_ps (m03, m14, _MM_SHUFFLE (1, 0, 2, 1));
      __m256 v[3];

      v[0] = _mm256_shuffle_ps (m03, xy, _MM_SHUFFLE (2, 0, 3, 0));
      v[1] = _mm256_shuffle_ps (yz, xy, _MM_SHUFFLE (3, 1, 2, 0));
      v[2] = _mm256_shuffle_ps (yz, m25, _MM_SHUFFLE (3, 0, 3, 1));
      for (int c = 0; c < 3; c++)
        {
          __m256 x = _mm256_fmadd_ps (v[c], scale[c], offset[c]);

          /* x > 0 ? x : 0 (NaN to 0), then x < top ? x : top. */
          x = _mm256_and_ps (x, _mm256_cmp_ps (x, zero, _CMP_GT_OQ));
          _mm256_store_ps (s->x[c] + i, _mm256_min_ps (x, top));
        }
    }
  for (; i < n; i++, p += 3)
    for (int c = 0; c < 3; c++)
      {
        float x = fmaf (p[c], a->scale[c], a->offset[c]);

        x = x > 0.0f ? x : 0.0f;
        s->x[c][i] = x < (float) (a->size - 1) ? x : (float) (a->size - 1);
      }
}
#endif

#if HAVE_X86_AVX2
/* The whole pipeline for packed RGB float without a shaper, tetrahedral,
 * with AVX-512 (F, VL, DQ), sixteen pixels per vector, a block of BLOCK
 * pixels in two passes:
 *
 *   A, B  sixteen pixels (48 floats) are three 512-bit loads; two
 *         two-source permutes per channel split them into R, G and B
 *         vectors; then tetra_setup () on sixteen lanes, the offsets in
 *         bytes.  Offsets and weights go to a scratch of the block.
 *   C, D  four pixels per vector, one node per 128-bit lane: four 128-bit
 *         loads joined by three inserts in a tree of depth two (a chain of
 *         three measured 40% slower overall); each pixel's weight is
 *         spread over its lane by one full permute per weight; same
 *         weights and the same w0 c000 + wa ca + wb cb + w1 c111 as
 *         tetra_interp ().  Three two-source permutes pack the four vectors
 *         of (R, G, B, pad) back into 48 floats, three stores.
 *
 * Two passes, because C reads the offsets back lane by lane as scalars:
 * right after the vector store that stalls on store forwarding, and a
 * single pass measured half as fast as the AVX2 kernel.  Measured on this
 * project's Zen 5 EPYC (2 cores, 2026-12-05), in cache: A, B and D alone
 * about 1000 MPx per CPU-second, the whole kernel about 480, the AVX2 one
 * 330-500.  Gathers (twelve 16-lane gathers per 16 pixels, planar
 * output) measured no faster than the loads and inserts.
 *
 * The last pixels of a row (fewer than sixteen) go through the same code
 * with masked loads and stores: the missing pixels read as 0, a valid
 * cell, and are not written.  A block is read whole before any of it is
 * written, so in place works. */
#define AVX512_TARGET "avx512f,avx512vl,avx512dq,fma,prfchw"

#define PREFETCH_PX 256

/* Mask of the first @floats (clamped to 0..16) lanes. */
__attribute__ ((target (AVX512_TARGET))) static inline __mmask16
tail_mask (int floats)
{
  return floats >= 16  ? (__mmask16) 0xffff
         : floats <= 0 ? (__mmask16) 0
                       : (__mmask16) ((1u << floats) - 1);
}

__attribute__ ((target (AVX512_TARGET))) static void
rows_rgb_float_avx512 (const LookLabLutApplier *a, const uint8_t *in,
                       size_t in_stride, uint8_t *out, size_t out_stride,
                       int width, int rows, int stream)
{
  /* A: element 3p + c of the 48 floats is channel c of pixel p.  The
   * first permute takes what lies in the first 32 floats (in0, in1), the
   * second keeps those lanes and takes the rest from in2. */
  static const int32_t split1[3][16] __attribute__ ((aligned (64))) = {
    { 0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 0, 0, 0, 0, 0 },
    { 1, 4, 7, 10, 13, 16, 19, 22, 25, 28, 31, 0, 0, 0, 0, 0 },
    { 2, 5, 8, 11, 14, 17, 20, 23, 26, 29, 0, 0, 0, 0, 0, 0 },
  };
  static const int32_t split2[3][16] __attribute__ ((aligned (64))) = {
    { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 17, 20, 23, 26, 29 },
    { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 18, 21, 24, 27, 30 },
    { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 19, 22, 25, 28, 31 },
  };
  /* D: (R, G, B, pad) of pixels 4k..4k+3 in r[k] -> 48 packed floats. */
  static const int32_t pack[3][16] __attribute__ ((aligned (64))) = {
    { 0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 16, 17, 18, 20 },
    { 5, 6, 8, 9, 10, 12, 13, 14, 16, 17, 18, 20, 21, 22, 24, 25 },
    { 10, 12, 13, 14, 16, 17, 18, 20, 21, 22, 24, 25, 26, 28, 29, 30 },
  };
  const uint8_t *table = (const uint8_t *) a->table;
  const int32_t  bytes = (int32_t) sizeof (float);
  const int32_t  o111 = (a->stride[0] + a->stride[1] + a->stride[2]) * bytes;
  const uint8_t *table111 = table + o111;
  const __m512   zero = _mm512_setzero_ps ();
  const __m512   one = _mm512_set1_ps (1.0f);
  const __m512   top = _mm512_set1_ps ((float) (a->size - 1));
  const __m512i  itop = _mm512_set1_epi32 (a->size - 2);
  const __m512i  sr = _mm512_set1_epi32 (a->stride[0] * bytes);
  const __m512i  sg = _mm512_set1_epi32 (a->stride[1] * bytes);
  const __m512i  sb = _mm512_set1_epi32 (a->stride[2] * bytes);
  const __m512i  s111 = _mm512_set1_epi32 (o111);
  const __m512   k = _mm512_set1_ps (a->strength);
  const int      mix = a->strength != 1.0f;
  __m512i        i1[3], i2[3], ip[3], spread[4];
  __m512         scale[3], offset[3];

  for (int c = 0; c < 3; c++)
    {
      i1[c] = _mm512_load_si512 (split1[c]);
      i2[c] = _mm512_load_si512 (split2[c]);
      ip[c] = _mm512_load_si512 (pack[c]);
      scale[c] = _mm512_set1_ps (a->scale[c]);
      offset[c] = _mm512_set1_ps (a->offset[c]);
    }
  /* spread[g]: lane 4l + j holds pixel 4g + l's weight. */
  for (int g = 0; g < 4; g++)
    spread[g] = _mm512_set_epi32 (4 * g + 3, 4 * g + 3, 4 * g + 3, 4 * g + 3,
                                  4 * g + 2, 4 * g + 2, 4 * g + 2, 4 * g + 2,
                                  4 * g + 1, 4 * g + 1, 4 * g + 1, 4 * g + 1,
                                  4 * g, 4 * g, 4 * g, 4 * g);

  for (int y = 0; y < rows; y++)
    {
      const float *row_in = (const float *) (in + (size_t) y * in_stride);
      float       *row_out = (float *) (out + (size_t) y * out_stride);
      int          nt = stream && ((uintptr_t) row_out & 63) == 0;

      for (int x0 = 0; x0 < width; x0 += BLOCK)
        {
          int32_t off[3][BLOCK] __attribute__ ((aligned (64)));
          float   wt[4][BLOCK] __attribute__ ((aligned (64)));
          int     n = width - x0 < BLOCK ? width - x0 : BLOCK;

          /* A, B for the block; C reads the offsets back from memory only
           * once they are long written (reading them right after the
           * vector store, lane by lane, stalls on store forwarding and
           * measured twice as slow). */
          for (int i = 0; i < n; i += 16)
            {
              const float *p = row_in + (size_t) (x0 + i) * 3;
              __m512       v[3], f[3], src[3], hi, lo, mx, mn, md;
              __m512i      ii[3], base, omax, omin;
              __mmask16    ge;

              /* Software prefetch, for writing, of the lines PREFETCH_PX
               * pixels ahead: in place on a frame far larger than the
               * caches, it measured 10-25% faster than the hardware
               * prefetcher alone (256 px, about 3 KiB, a little better
               * than 1024 or 4096). */
              for (int j = 0; j < 3; j++)
                __builtin_prefetch (p + 3 * PREFETCH_PX + 16 * j, 1, 3);
              for (int j = 0; j < 3; j++)
                src[j] = _mm512_maskz_loadu_ps (
                    tail_mask (3 * (n - i) - 16 * j), p + 16 * j);
              for (int c = 0; c < 3; c++)
                {
                  __m512 t = _mm512_permutex2var_ps (src[0], i1[c], src[1]);
                  __m512 u = _mm512_permutex2var_ps (t, i2[c], src[2]);

                  /* max (x, 0) is 0 for NaN too. */
                  u = _mm512_max_ps (_mm512_fmadd_ps (u, scale[c], offset[c]),
                                     zero);
                  v[c] = _mm512_min_ps (u, top);
                }
              for (int c = 0; c < 3; c++)
                {
                  ii[c] = _mm512_min_epi32 (_mm512_cvttps_epi32 (v[c]), itop);
                  f[c] = _mm512_sub_ps (v[c], _mm512_cvtepi32_ps (ii[c]));
                }
              hi = _mm512_max_ps (f[0], f[1]);
              lo = _mm512_min_ps (f[0], f[1]);
              mx = _mm512_max_ps (hi, f[2]);
              mn = _mm512_min_ps (lo, f[2]);
              md = _mm512_max_ps (lo, _mm512_min_ps (hi, f[2]));
              /* The axes of the largest and the smallest fraction, with
               * the same tie rules as tetra_setup (). */
              omax = _mm512_mask_blend_epi32 (
                  _mm512_cmp_ps_mask (f[1], f[2], _CMP_GE_OQ), sb, sg);
              ge = _mm512_cmp_ps_mask (f[0], f[1], _CMP_GE_OQ)
                   & _mm512_cmp_ps_mask (f[0], f[2], _CMP_GE_OQ);
              omax = _mm512_mask_blend_epi32 (ge, omax, sr);
              omin = _mm512_mask_blend_epi32 (
                  _mm512_cmp_ps_mask (f[1], f[2], _CMP_LE_OQ), sb, sg);
              ge = _mm512_cmp_ps_mask (f[0], f[1], _CMP_LE_OQ)
                   & _mm512_cmp_ps_mask (f[0], f[2], _CMP_LE_OQ);
              omin = _mm512_mask_blend_epi32 (ge, omin, sr);
              base = _mm512_add_epi32 (
                  _mm512_add_epi32 (_mm512_mullo_epi32 (ii[0], sr),
                                    _mm512_mullo_epi32 (ii[1], sg)),
                  _mm512_mullo_epi32 (ii[2], sb));
              _mm512_store_si512 (off[0] + i, base);
              _mm512_store_si512 (off[1] + i, _mm512_add_epi32 (base, omax));
              _mm512_store_si512 (
                  off[2] + i,
                  _mm512_sub_epi32 (_mm512_add_epi32 (base, s111), omin));
              _mm512_store_ps (wt[0] + i, _mm512_sub_ps (one, mx));
              _mm512_store_ps (wt[1] + i, _mm512_sub_ps (mx, md));
              _mm512_store_ps (wt[2] + i, _mm512_sub_ps (md, mn));
              _mm512_store_ps (wt[3] + i, mn);
            }

          /* C, D */
          for (int i = 0; i < n; i += 16)
            {
              float *q = row_out + (size_t) (x0 + i) * 3;
              __m512 w[4], r[4];

              for (int c = 0; c < 4; c++)
                w[c] = _mm512_load_ps (wt[c] + i);
              for (int g = 0; g < 4; g++)
                {
                  const int j = i + 4 * g;
#define LD(t, o, m) _mm_load_ps ((const float *) ((t) + (o)[j + (m)]))
#define NODES(t, o)                                                            \
  _mm512_insertf32x8 (                                                         \
      _mm512_castps256_ps512 (_mm256_insertf128_ps (                           \
          _mm256_castps128_ps256 (LD (t, o, 0)), LD (t, o, 1), 1)),            \
      _mm256_insertf128_ps (_mm256_castps128_ps256 (LD (t, o, 2)),             \
                            LD (t, o, 3), 1),                                  \
      1)
                  __m512 c0 = NODES (table, off[0]);
                  __m512 ca = NODES (table, off[1]);
                  __m512 cb = NODES (table, off[2]);
                  __m512 c1 = NODES (table111, off[0]);
#undef NODES
#undef LD
                  __m512 acc;

                  acc = _mm512_mul_ps (c0,
                                       _mm512_permutexvar_ps (spread[g], w[0]));
                  acc = _mm512_fmadd_ps (
                      ca, _mm512_permutexvar_ps (spread[g], w[1]), acc);
                  acc = _mm512_fmadd_ps (
                      cb, _mm512_permutexvar_ps (spread[g], w[2]), acc);
                  r[g] = _mm512_fmadd_ps (
                      c1, _mm512_permutexvar_ps (spread[g], w[3]), acc);
                }
              for (int j = 0; j < 3; j++)
                {
                  __mmask16 m = tail_mask (3 * (n - i) - 16 * j);
                  __m512    o = _mm512_permutex2var_ps (r[j], ip[j], r[j + 1]);

                  if (mix)
                    {
                      /* The input, read again (in L1) before it is
                       * overwritten. */
                      __m512 src = _mm512_maskz_loadu_ps (
                          m, row_in + (size_t) (x0 + i) * 3 + 16 * j);

                      o = _mm512_fmadd_ps (k, _mm512_sub_ps (o, src), src);
                    }
                  if (nt && m == 0xffff)
                    _mm512_stream_ps (q + 16 * j, o);
                  else if (m == 0xffff)
                    _mm512_storeu_ps (q + 16 * j, o);
                  else
                    _mm512_mask_storeu_ps (q + 16 * j, m, o);
                }
            }
        }
    }
  if (stream)
    _mm_sfence ();
}

#endif

typedef enum
{
  KIND_U8,
  KIND_U16,
  KIND_FLOAT
} Kind;

/* The whole pipeline for @rows rows; @kind and @channels are constants in
 * each of the instances below, so every branch on them folds away. */
ALWAYS_INLINE void
process_rows (const LookLabLutApplier *a, Kind kind, int channels,
              const uint8_t *in, size_t in_stride, uint8_t *out,
              size_t out_stride, int width, int rows, int stream)
{
  Scratch     s __attribute__ ((aligned (64)));
  const float k = a->strength;
  const int   mix = k != 1.0f;
  const v4sf  lo = { a->lo[0], a->lo[1], a->lo[2], 0.0f };
  const v4sf  hi = { a->hi[0], a->hi[1], a->hi[2], 0.0f };

  for (int y = 0; y < rows; y++)
    {
      const uint8_t *in_row = in + (size_t) y * in_stride;
      uint8_t       *out_row = out + (size_t) y * out_stride;

      for (int x0 = 0; x0 < width; x0 += BLOCK)
        {
          int n = width - x0 < BLOCK ? width - x0 : BLOCK;

          /* A */
          if (kind == KIND_U8)
            {
              const uint8_t *p = in_row + (size_t) x0 * channels;

              for (int i = 0; i < n; i++)
                for (int c = 0; c < 3; c++)
                  s.x[c][i] = a->coord[c][p[i * channels + c]];
            }
          else if (kind == KIND_U16)
            {
              const uint16_t *p
                  = (const uint16_t *) in_row + (size_t) x0 * channels;

              for (int i = 0; i < n; i++)
                for (int c = 0; c < 3; c++)
                  s.x[c][i] = a->coord[c][p[i * channels + c]];
            }
          else
            {
              const float *p = (const float *) in_row + (size_t) x0 * channels;

#if HAVE_X86_AVX2
              if (a->use_avx2 && channels == 3 && a->shaper_size == 0)
                float_coords_rgb_avx2 (a, &s, p, n);
              else
#endif
                float_coords (a, &s, p, channels, n);
            }

          /* B, C */
          if (a->interp == LOOKLAB_INTERP_TETRAHEDRAL)
            {
#if HAVE_X86_AVX2
              if (a->use_avx2)
                {
                  /* Round up to a multiple of 8 with valid cells. */
                  int n8 = (n + 7) & ~7;

                  for (int i = n; i < n8; i++)
                    s.x[0][i] = s.x[1][i] = s.x[2][i] = 0.0f;
                  tetra_setup (a, &s, n8);
                  tetra_interp_avx2 (a, &s, n8);
                }
              else
#endif
                {
                  tetra_setup (a, &s, n);
                  tetra_interp (a, &s, n);
                }
            }
          else
            {
              trilinear_setup (a, &s, n);
              trilinear_interp (a, &s, n);
            }

          /* D.  Each pixel's input is read before its output is written,
           * which is what makes in-place work. */
          if (kind == KIND_U8)
            {
              const uint8_t *p = in_row + (size_t) x0 * channels;
              uint8_t       *q = out_row + (size_t) x0 * channels;

              for (int i = 0; i < n; i++, p += channels, q += channels)
                {
                  v4sf v = s.out[i];
                  v4si u;

                  if (mix)
                    {
                      v4sf o = { p[0], p[1], p[2], 0.0f };

                      o *= 1.0f / 255.0f;
                      v = o + k * (v - o);
                    }
                  u = quantise (v, 255.0f);
                  if (channels == 4)
                    q[3] = p[3];
                  q[0] = (uint8_t) u[0];
                  q[1] = (uint8_t) u[1];
                  q[2] = (uint8_t) u[2];
                }
            }
          else if (kind == KIND_U16)
            {
              const uint16_t *p
                  = (const uint16_t *) in_row + (size_t) x0 * channels;
              uint16_t *q = (uint16_t *) out_row + (size_t) x0 * channels;

              for (int i = 0; i < n; i++, p += channels, q += channels)
                {
                  v4sf v = s.out[i];
                  v4si u;

                  if (mix)
                    {
                      v4sf o = { p[0], p[1], p[2], 0.0f };

                      o *= 1.0f / 65535.0f;
                      v = o + k * (v - o);
                    }
                  u = quantise (v, 65535.0f);
                  if (channels == 4)
                    q[3] = p[3];
                  q[0] = (uint16_t) u[0];
                  q[1] = (uint16_t) u[1];
                  q[2] = (uint16_t) u[2];
                }
            }
          else
            {
              const float *p = (const float *) in_row + (size_t) x0 * channels;
              float       *q = (float *) out_row + (size_t) x0 * channels;

              for (int i = 0; i < n; i++, p += channels, q += channels)
                {
                  v4sf v = s.out[i];

                  if (a->keep_excess)
                    {
                      v4sf px = { p[0], p[1], p[2], 0.0f };

                      v += excess (px, lo, hi);
                    }
                  if (mix)
                    {
                      v4sf o = { p[0], p[1], p[2], 0.0f };

                      v = o + k * (v - o);
                    }
                  if (channels == 4)
                    v[3] = p[3];
#if HAVE_X86_STREAM && HAVE_SHUFFLEVECTOR
                  if (stream && !mix && !a->keep_excess
                      && ((uintptr_t) q & 15) == 0 && i + 4 <= n)
                    {
                      /* Four pixels as whole aligned 16-byte stores; RGB
                       * packs 4 x (R, G, B) into 3 vectors. */
                      if (channels == 4)
                        {
                          for (int j = 0; j < 4; j++)
                            {
                              v4sf u = s.out[i + j];

                              u[3] = p[j * 4 + 3];
                              _mm_stream_ps (q + j * 4, u);
                            }
                        }
                      else
                        {
                          v4sf a0 = s.out[i], a1 = s.out[i + 1];
                          v4sf a2 = s.out[i + 2], a3 = s.out[i + 3];

                          _mm_stream_ps (
                              q, __builtin_shufflevector (a0, a1, 0, 1, 2, 4));
                          _mm_stream_ps (q + 4, __builtin_shufflevector (
                                                    a1, a2, 1, 2, 4, 5));
                          _mm_stream_ps (q + 8, __builtin_shufflevector (
                                                    a2, a3, 2, 4, 5, 6));
                        }
                      i += 3;
                      p += 3 * channels;
                      q += 3 * channels;
                      continue;
                    }
#endif
#if HAVE_X86_STREAM
                  if (stream)
                    {
                      /* Non-temporal: the line goes to memory without
                       * being read first (no read-for-ownership). */
                      v4si bits = (v4si) v;

                      for (int c = 0; c < channels; c++)
                        _mm_stream_si32 ((int *) q + c, bits[c]);
                      continue;
                    }
#endif
                  if (channels == 4)
                    memcpy (q, &v, sizeof v);
                  else
                    {
                      q[0] = v[0];
                      q[1] = v[1];
                      q[2] = v[2];
                    }
                }
            }
        }
    }
#if HAVE_X86_STREAM
  if (stream)
    _mm_sfence (); /* the streamed stores are weakly ordered */
#endif
}

typedef void (*RowsFunc) (const LookLabLutApplier *a, const uint8_t *in,
                          size_t in_stride, uint8_t *out, size_t out_stride,
                          int width, int rows, int stream);

#define DEFINE_ROWS(name, kind, channels)                                      \
  LOOKLAB_CLONES static void name (                                            \
      const LookLabLutApplier *a, const uint8_t *in, size_t in_stride,         \
      uint8_t *out, size_t out_stride, int width, int rows, int stream)        \
  {                                                                            \
    process_rows (a, kind, channels, in, in_stride, out, out_stride, width,    \
                  rows, stream);                                               \
  }

DEFINE_ROWS (rows_rgb_u8, KIND_U8, 3)
DEFINE_ROWS (rows_rgba_u8, KIND_U8, 4)
DEFINE_ROWS (rows_rgb_u16, KIND_U16, 3)
DEFINE_ROWS (rows_rgba_u16, KIND_U16, 4)
DEFINE_ROWS (rows_rgb_float, KIND_FLOAT, 3)
DEFINE_ROWS (rows_rgba_float, KIND_FLOAT, 4)

static RowsFunc
rows_func (LookLabPixelFormat format)
{
  switch (format)
    {
      case LOOKLAB_PIXEL_RGB_U8: return rows_rgb_u8;
      case LOOKLAB_PIXEL_RGBA_U8: return rows_rgba_u8;
      case LOOKLAB_PIXEL_RGB_U16: return rows_rgb_u16;
      case LOOKLAB_PIXEL_RGBA_U16: return rows_rgba_u16;
      case LOOKLAB_PIXEL_RGB_FLOAT: return rows_rgb_float;
      case LOOKLAB_PIXEL_RGBA_FLOAT: return rows_rgba_float;
    }
  return NULL;
}

static int
finite_range (float lo, float hi)
{
  /* Also false for NaN and for infinite ends (hi - lo is then not finite). */
  float d = hi - lo;

  return d > 0.0f && d < 3.0e38f;
}

static int
lut_is_valid (const LookLabLut *lut)
{
  if (lut == NULL || lut->table == NULL || lut->size < LOOKLAB_LUT_MIN_SIZE
      || lut->size > LOOKLAB_LUT_MAX_SIZE)
    return 0;
  for (int c = 0; c < 3; c++)
    if (!finite_range (lut->domain_min[c], lut->domain_max[c]))
      return 0;
  if (lut->shaper_size != 0)
    {
      if (lut->shaper == NULL || lut->shaper_size < 2
          || lut->shaper_size > LOOKLAB_SHAPER_MAX_SIZE)
        return 0;
      for (int c = 0; c < 3; c++)
        if (!finite_range (lut->shaper_min[c], lut->shaper_max[c]))
          return 0;
    }
  return 1;
}

static int
arguments_valid (const LookLabLut *lut, LookLabPixelFormat format,
                 LookLabInterp interp, float strength)
{
  return lut_is_valid (lut) && rows_func (format) != NULL
         && (interp == LOOKLAB_INTERP_TETRAHEDRAL
             || interp == LOOKLAB_INTERP_TRILINEAR)
         && strength >= 0.0f && strength <= 1.0f;
}

/* The best kernel the CPU runs, capped by LOOKLAB_LUT_KERNEL ("generic",
 * "avx2" or "avx512"; LOOKLAB_LUT_GENERIC, any value, is "generic"), so
 * that the tests check every path on a machine that has them all.  The
 * AVX-512 kernel covers packed RGB float, tetrahedral, without a shaper
 * (the case of the float images of GIMP and of the benchmark); other
 * formats take the AVX2 path there. */
static void
kernel_choose (LookLabLutApplier *a, const LookLabLut *lut)
{
#if HAVE_X86_AVX2
  const char *cap = getenv ("LOOKLAB_LUT_KERNEL");
  int         level = 2; /* 0 generic, 1 AVX2, 2 AVX-512 */

  if (getenv ("LOOKLAB_LUT_GENERIC") != NULL
      || (cap != NULL && strcmp (cap, "generic") == 0))
    level = 0;
  else if (cap != NULL && strcmp (cap, "avx2") == 0)
    level = 1;
  a->use_avx2 = level >= 1 && __builtin_cpu_supports ("avx2")
                && __builtin_cpu_supports ("fma");
  a->use_avx512
      = level >= 2 && a->use_avx2 && __builtin_cpu_supports ("avx512f")
        && __builtin_cpu_supports ("avx512vl")
        && __builtin_cpu_supports ("avx512dq")
        && a->format == LOOKLAB_PIXEL_RGB_FLOAT
        && a->interp == LOOKLAB_INTERP_TETRAHEDRAL
        && lut->shaper_size == 0
        /* it clamps to the domain: a baked look's excess (keep_excess)
         * is added back by the AVX2 and generic paths only */
        && !lut->keep_excess;
#else
  (void) a;
  (void) lut;
#endif
}

const char *
looklab_lut_applier_kernel (const LookLabLutApplier *applier)
{
  if (applier == NULL)
    return NULL;
  return applier->use_avx512 ? "avx512"
         : applier->use_avx2 ? "avx2"
                             : "generic";
}

LookLabLutApplier *
looklab_lut_applier_new (const LookLabLut *lut, LookLabPixelFormat format,
                         LookLabInterp interp, float strength)
{
  LookLabLutApplier *a = NULL;
  int                n;
  size_t             nodes, codes = 0;
  void              *mem = NULL;

  if (!arguments_valid (lut, format, interp, strength))
    return NULL;

  a = calloc (1, sizeof (LookLabLutApplier));
  if (a == NULL)
    goto fail;
  a->format = format;
  a->interp = interp;
  kernel_choose (a, lut);
  a->strength = strength;
  a->keep_excess = lut->keep_excess;
  for (int c = 0; c < 3; c++)
    {
      a->lo[c] = lut->shaper_size > 0 ? lut->shaper_min[c] : lut->domain_min[c];
      a->hi[c] = lut->shaper_size > 0 ? lut->shaper_max[c] : lut->domain_max[c];
    }
  n = a->size = lut->size;
  a->stride[0] = 4;
  a->stride[1] = 4 * n;
  a->stride[2] = 4 * n * n;

  /* At most 256^3 nodes * 16 bytes = 256 MiB; offsets stay below 2^31. */
  nodes = (size_t) n * n * n;
  if (posix_memalign (&mem, 64, nodes * 4 * sizeof (float)) != 0)
    goto fail;
  a->table = mem;
  for (size_t i = 0; i < nodes; i++)
    {
      a->table[i * 4 + 0] = lut->table[i * 3 + 0];
      a->table[i * 4 + 1] = lut->table[i * 3 + 1];
      a->table[i * 4 + 2] = lut->table[i * 3 + 2];
      a->table[i * 4 + 3] = 0.0f;
    }

  switch (format)
    {
      case LOOKLAB_PIXEL_RGB_U8:
      case LOOKLAB_PIXEL_RGBA_U8: codes = 256; break;
      case LOOKLAB_PIXEL_RGB_U16:
      case LOOKLAB_PIXEL_RGBA_U16: codes = 65536; break;
      default: break;
    }

  if (codes != 0)
    {
      /* Integer inputs: every code value's coordinate, computed once in
       * double by the reference code, so the shaper and the domain cost
       * nothing per pixel. */
      for (int c = 0; c < 3; c++)
        {
          a->coord[c] = malloc (codes * sizeof (float));
          if (a->coord[c] == NULL)
            goto fail;
          for (size_t v = 0; v < codes; v++)
            a->coord[c][v]
                = (float) looklab_lut_coord (lut, c, (double) v / (codes - 1));
        }
    }
  else
    {
      for (int c = 0; c < 3; c++)
        {
          double range = (double) lut->domain_max[c] - lut->domain_min[c];
          double scale = (n - 1) / range;

          a->scale[c] = (float) scale;
          a->offset[c] = (float) (-lut->domain_min[c] * scale);
        }
      if (lut->shaper_size != 0)
        {
          int sn = lut->shaper_size;

          a->shaper_size = sn;
          for (int c = 0; c < 3; c++)
            {
              double range = (double) lut->shaper_max[c] - lut->shaper_min[c];
              double scale = (sn - 1) / range;

              a->shaper[c] = malloc ((size_t) sn * sizeof (float));
              if (a->shaper[c] == NULL)
                goto fail;
              for (int i = 0; i < sn; i++)
                a->shaper[c][i] = lut->shaper[i * 3 + c];
              a->shaper_scale[c] = (float) scale;
              a->shaper_offset[c] = (float) (-lut->shaper_min[c] * scale);
            }
        }
    }
  return a;

fail:
  looklab_lut_applier_free (a);
  return NULL;
}

void
looklab_lut_applier_free (LookLabLutApplier *applier)
{
  if (applier == NULL)
    return;
  free (applier->table);
  for (int c = 0; c < 3; c++)
    {
      free (applier->coord[c]);
      free (applier->shaper[c]);
    }
  free (applier);
}

typedef struct
{
  const LookLabLutApplier *a;
  RowsFunc                 func;
  int                      stream;
  const uint8_t           *in;
  size_t                   in_stride;
  uint8_t                 *out;
  size_t                   out_stride;
  int                      width;
  int                      rows;
} Band;

static void *
band_run (void *data)
{
  Band *b = data;

  b->func (b->a, b->in, b->in_stride, b->out, b->out_stride, b->width, b->rows,
           b->stream);
  return NULL;
}

int
looklab_lut_applier_run (const LookLabLutApplier *applier, const void *in,
                         size_t in_stride, void *out, size_t out_stride,
                         int width, int height, int n_threads)
{
  Band      bands[MAX_THREADS];
  pthread_t threads[MAX_THREADS];
  int       started[MAX_THREADS];
  size_t    row_bytes;
  size_t    pixels;
  int       n, stream;

  if (applier == NULL || width < 0 || height < 0 || n_threads < 0)
    return LOOKLAB_ERR_ARG;
  if (width == 0 || height == 0)
    return LOOKLAB_OK;
  if (in == NULL || out == NULL)
    return LOOKLAB_ERR_ARG;
  row_bytes = (size_t) width * looklab_pixel_format_bytes (applier->format);
  if (in_stride < row_bytes || out_stride < row_bytes)
    return LOOKLAB_ERR_ARG;
  /* In place with different strides would let one band overwrite rows
   * another band has yet to read. */
  if (in == out && in_stride != out_stride)
    return LOOKLAB_ERR_ARG;

  if (applier->strength == 0.0f)
    {
      /* The look at strength 0 is the original, bit for bit. */
      if (in != out)
        for (int y = 0; y < height; y++)
          memmove ((uint8_t *) out + (size_t) y * out_stride,
                   (const uint8_t *) in + (size_t) y * in_stride, row_bytes);
      return LOOKLAB_OK;
    }

  if (n_threads == 0)
    {
      long cpus = sysconf (_SC_NPROCESSORS_ONLN);

      n_threads
          = cpus > 0 ? (int) (cpus < MAX_THREADS ? cpus : MAX_THREADS) : 1;
    }
  if (n_threads > MAX_THREADS)
    n_threads = MAX_THREADS;
  /* Small buffers (a GIMP tile) are not worth starting threads for. */
  pixels = (size_t) width * height;
  n = n_threads;
  if ((size_t) n > pixels / MIN_PIXELS_PER_THREAD)
    n = (int) (pixels / MIN_PIXELS_PER_THREAD);
  if (n > height)
    n = height;
  if (n < 1)
    n = 1;

  stream = in != out && applier->format >= LOOKLAB_PIXEL_RGB_FLOAT
           && out_stride * height >= STREAM_MIN_BYTES;

  for (int i = 0; i < n; i++)
    {
      int y0 = (int) ((int64_t) height * i / n);
      int y1 = (int) ((int64_t) height * (i + 1) / n);

      bands[i].a = applier;
      bands[i].func = rows_func (applier->format);
#if HAVE_X86_AVX2
      if (applier->use_avx512)
        bands[i].func = rows_rgb_float_avx512;
#endif
      bands[i].stream = stream;
      bands[i].in = (const uint8_t *) in + (size_t) y0 * in_stride;
      bands[i].in_stride = in_stride;
      bands[i].out = (uint8_t *) out + (size_t) y0 * out_stride;
      bands[i].out_stride = out_stride;
      bands[i].width = width;
      bands[i].rows = y1 - y0;
      started[i] = 0;
    }
  /* The caller's thread takes band 0; a band whose thread cannot be
   * started is run here too, so the result never depends on it. */
  for (int i = 1; i < n; i++)
    started[i] = pthread_create (&threads[i], NULL, band_run, &bands[i]) == 0;
  band_run (&bands[0]);
  for (int i = 1; i < n; i++)
    {
      if (started[i])
        pthread_join (threads[i], NULL);
      else
        band_run (&bands[i]);
    }
  return LOOKLAB_OK;
}

int
looklab_lut_apply (const LookLabLut *lut, LookLabPixelFormat format,
                   LookLabInterp interp, float strength, const void *in,
                   size_t in_stride, void *out, size_t out_stride, int width,
                   int height, int n_threads)
{
  LookLabLutApplier *a;
  int                status;

  if (!arguments_valid (lut, format, interp, strength))
    return LOOKLAB_ERR_ARG;
  a = looklab_lut_applier_new (lut, format, interp, strength);
  if (a == NULL)
    return LOOKLAB_ERR_NOMEM;
  status = looklab_lut_applier_run (a, in, in_stride, out, out_stride, width,
                                    height, n_threads);
  looklab_lut_applier_free (a);
  return status;
}
