/* `looklab bench apply`: throughput of LUT application, beside the
 * machine's memory bandwidth.
 *
 * The frame is synthetic and deterministic (smooth gradients plus noise,
 * so that neighbouring pixels fall in nearby LUT cells as in a photo).
 * Only looklab_lut_applier_run () is timed; the median and the best of
 * several runs are reported, in wall-clock time and in CPU time (all
 * threads).  By default the LUT is applied in place, as ffmpeg's lut3d
 * works on a writable frame and as GIMP's plug-in works on its tiles:
 * before each run the frame is restored from a pristine copy (untimed), so
 * every run sees the same pixels and writes to pages already mapped.
 * --out-of-place writes to a second buffer instead.  Beside it, the same number of threads copies a frame of the
 * same size (memcpy) and streams through it (sum): the apply cannot beat
 * the copy, which reads and writes the same bytes, so "x% of copy" says
 * how close to the memory wall the kernel is.
 */
#include "looklab-cli.h"

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lut/cube-io.h"
#include "lut/lut-apply.h"

#define MAX_BENCH_THREADS 256

static double
now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* CPU time of the whole process (all threads): unlike wall time it does
 * not count the time other processes take the cores from us. */
static double
cpu_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (double *v, int n)
{
  qsort (v, n, sizeof (double), cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* xorshift32 (Marsaglia 2003): deterministic noise, same on every
 * machine. */
static uint32_t
xorshift (uint32_t *s)
{
  uint32_t x = *s;

  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return *s = x;
}

/* Fills @buf (@format, rows @stride apart) with the synthetic frame. */
static void
make_frame (uint8_t *buf, size_t stride, LookLabPixelFormat format, int w,
            int h)
{
  int      ch = looklab_pixel_format_channels (format);
  uint32_t seed = 0x1234567u;

  for (int y = 0; y < h; y++)
    {
      uint8_t *row = buf + (size_t) y * stride;
      double   fy = (double) y / h;

      for (int x = 0; x < w; x++)
        {
          double fx = (double) x / w;
          double v[4];

          /* Smooth, correlated channels (a sky-like gradient with some
           * swirls), then +-2% noise. */
          v[0] = 0.5 + 0.4 * sin (6.0 * fx + 2.0 * fy) * cos (3.0 * fy);
          v[1] = 0.45 + 0.35 * cos (4.0 * fx - 5.0 * fy + 1.0);
          v[2] = 0.3 + 0.6 * fy * (0.6 + 0.4 * sin (9.0 * fx));
          v[3] = 1.0 - 0.5 * fx;
          for (int c = 0; c < 3; c++)
            v[c] += ((xorshift (&seed) & 0xffff) / 65535.0 - 0.5) * 0.04;
          for (int c = 0; c < ch; c++)
            {
              double t = v[c] < 0.0 ? 0.0 : v[c] > 1.0 ? 1.0 : v[c];

              switch (format)
                {
                  case LOOKLAB_PIXEL_RGB_U8:
                  case LOOKLAB_PIXEL_RGBA_U8:
                    row[(size_t) x * ch + c] = (uint8_t) (t * 255.0 + 0.5);
                    break;
                  case LOOKLAB_PIXEL_RGB_U16:
                  case LOOKLAB_PIXEL_RGBA_U16:
                    ((uint16_t *) row)[(size_t) x * ch + c]
                        = (uint16_t) (t * 65535.0 + 0.5);
                    break;
                  default:
                    ((float *) row)[(size_t) x * ch + c] = (float) t;
                    break;
                }
            }
        }
    }
}

/* Memory-bandwidth probes: each thread copies or reads its own band. */
typedef struct
{
  const uint8_t *src;
  uint8_t       *dst;
  size_t         bytes;
  uint64_t       sum;
} MemJob;

static void *
mem_copy (void *data)
{
  MemJob *j = data;

  memcpy (j->dst, j->src, j->bytes);
  return NULL;
}

static void *
mem_read (void *data)
{
  MemJob         *j = data;
  const uint64_t *p = (const uint64_t *) j->src;
  size_t          n = j->bytes / 8;
  uint64_t        s0 = 0, s1 = 0, s2 = 0, s3 = 0;

  /* Four sums so that the adds are not one dependency chain. */
  for (size_t i = 0; i + 4 <= n; i += 4)
    {
      s0 += p[i];
      s1 += p[i + 1];
      s2 += p[i + 2];
      s3 += p[i + 3];
    }
  j->sum = s0 + s1 + s2 + s3;
  return NULL;
}

/* Runs @fn over @bytes split into @n bands on @n threads; returns seconds. */
static double
mem_run (void *(*fn) (void *), const uint8_t *src, uint8_t *dst, size_t bytes,
         int n, uint64_t *sink)
{
  MemJob    jobs[MAX_BENCH_THREADS];
  pthread_t th[MAX_BENCH_THREADS];
  int       started[MAX_BENCH_THREADS];
  double    t0 = now_s ();

  for (int i = 0; i < n; i++)
    {
      /* Bands aligned to 64 bytes. */
      size_t a = bytes / n * i & ~(size_t) 63;
      size_t b = i == n - 1 ? bytes : (bytes / n * (i + 1) & ~(size_t) 63);

      jobs[i].src = src + a;
      jobs[i].dst = dst != NULL ? dst + a : NULL;
      jobs[i].bytes = b - a;
      jobs[i].sum = 0;
    }
  for (int i = 1; i < n; i++)
    started[i] = pthread_create (&th[i], NULL, fn, &jobs[i]) == 0;
  fn (&jobs[0]);
  for (int i = 1; i < n; i++)
    {
      if (started[i])
        pthread_join (th[i], NULL);
      else
        fn (&jobs[i]);
    }
  for (int i = 0; i < n; i++)
    *sink += jobs[i].sum;
  return now_s () - t0;
}

static const struct
{
  const char        *name;
  LookLabPixelFormat format;
} formats[] = {
  { "rgb-u8", LOOKLAB_PIXEL_RGB_U8 },
  { "rgba-u8", LOOKLAB_PIXEL_RGBA_U8 },
  { "rgb-u16", LOOKLAB_PIXEL_RGB_U16 },
  { "rgba-u16", LOOKLAB_PIXEL_RGBA_U16 },
  { "rgb-float", LOOKLAB_PIXEL_RGB_FLOAT },
  { "rgba-float", LOOKLAB_PIXEL_RGBA_FLOAT },
};

static int
usage (void)
{
  fprintf (stderr,
           "usage: looklab bench apply CUBE [--width W] [--height H]\n"
           "         [--format rgb-u8|rgba-u8|rgb-u16|rgba-u16|rgb-float|"
           "rgba-float]\n"
           "         [--threads T] [--interp tetrahedral|trilinear]"
           " [--repeat R]\n"
           "         [--save-frame RAWFILE] [--out-of-place]\n");
  return 2;
}

/* Parses a positive int option value; returns -1 when malformed. */
static int
parse_int (const char *s, int lo, int hi)
{
  char *end = NULL;
  long  v = strtol (s, &end, 10);

  if (end == s || *end != '\0' || v < lo || v > hi)
    return -1;
  return (int) v;
}

int
looklab_cli_bench_apply (int argc, char **argv)
{
  const char        *cube = NULL;
  const char        *save_frame = NULL;
  int                width = 3840, height = 2160, threads = 1, repeat = 9;
  LookLabPixelFormat format = LOOKLAB_PIXEL_RGB_FLOAT;
  const char        *format_name = "rgb-float";
  LookLabInterp      interp = LOOKLAB_INTERP_TETRAHEDRAL;
  LookLabLut        *lut = NULL;
  LookLabLutApplier *applier = NULL;
  LookLabDiag        diag = { 0 };
  uint8_t           *in = NULL, *out = NULL;
  uint8_t           *dst;
  double            *times = NULL, *cpu_runs = NULL;
  size_t             stride, bytes;
  double             cpu, cpu_min, t_prep, t_apply, t_copy, t_read, tmin, tmax;
  double             mpx, copy_gbs, read_gbs, copy_mpx, px;
  uint64_t           sink = 0;
  int                status, ret = 1, n_threads, in_place = 1;
  int                i = 0;

  /* The dispatcher may hand us the word "apply" itself first. */
  if (argc > 0 && strcmp (argv[0], "apply") == 0)
    i = 1;
  for (; i < argc; i++)
    {
      const char *a = argv[i];
      const char *v = i + 1 < argc ? argv[i + 1] : NULL;

      if (a[0] != '-' && cube == NULL)
        {
          cube = a;
          continue;
        }
      if (strcmp (a, "--out-of-place") == 0)
        {
          in_place = 0;
          continue;
        }
      if (v == NULL)
        return usage ();
      i++;
      if (strcmp (a, "--width") == 0)
        width = parse_int (v, 1, 1 << 16);
      else if (strcmp (a, "--height") == 0)
        height = parse_int (v, 1, 1 << 16);
      else if (strcmp (a, "--threads") == 0)
        threads = parse_int (v, 0, MAX_BENCH_THREADS);
      else if (strcmp (a, "--repeat") == 0)
        repeat = parse_int (v, 1, 1000);
      else if (strcmp (a, "--save-frame") == 0)
        save_frame = v;
      else if (strcmp (a, "--interp") == 0)
        {
          if (strcmp (v, "tetrahedral") == 0)
            interp = LOOKLAB_INTERP_TETRAHEDRAL;
          else if (strcmp (v, "trilinear") == 0)
            interp = LOOKLAB_INTERP_TRILINEAR;
          else
            return usage ();
        }
      else if (strcmp (a, "--format") == 0)
        {
          size_t k;

          for (k = 0; k < sizeof formats / sizeof formats[0]; k++)
            if (strcmp (v, formats[k].name) == 0)
              break;
          if (k == sizeof formats / sizeof formats[0])
            return usage ();
          format = formats[k].format;
          format_name = formats[k].name;
        }
      else
        return usage ();
      if (width < 0 || height < 0 || threads < 0 || repeat < 0)
        return usage ();
    }
  if (cube == NULL)
    return usage ();

  n_threads = threads;
  if (n_threads == 0)
    {
      long cpus = sysconf (_SC_NPROCESSORS_ONLN);

      n_threads = cpus < 1                   ? 1
                  : cpus > MAX_BENCH_THREADS ? MAX_BENCH_THREADS
                                             : (int) cpus;
    }

  status = looklab_cube_read (cube, &lut, &diag);
  if (status != LOOKLAB_OK)
    {
      fprintf (stderr, "looklab: %s: %s%s%s\n", cube, looklab_strerror (status),
               diag.message[0] ? ": " : "", diag.message);
      goto out;
    }

  stride = (size_t) width * looklab_pixel_format_bytes (format);
  bytes = stride * height;
  in = malloc (bytes);
  out = malloc (bytes);
  times = malloc (sizeof (double) * repeat);
  cpu_runs = malloc (sizeof (double) * repeat);
  if (in == NULL || out == NULL || times == NULL || cpu_runs == NULL)
    {
      fprintf (stderr, "looklab: out of memory for a %dx%d frame\n", width,
               height);
      goto out;
    }
  make_frame (in, stride, format, width, height);
  if (save_frame != NULL)
    {
      /* The raw frame, so that other tools (bench/bench-apply runs ffmpeg)
       * can be timed on the very same pixels. */
      FILE *fp = fopen (save_frame, "wb");
      int   ok = fp != NULL && fwrite (in, 1, bytes, fp) == bytes;

      if (fp != NULL && fclose (fp) != 0)
        ok = 0;
      if (!ok)
        {
          fprintf (stderr, "looklab: cannot write %s\n", save_frame);
          goto out;
        }
    }
  /* Touch the output once so that page faults are not timed. */
  memset (out, 0, bytes);

  t_prep = now_s ();
  applier = looklab_lut_applier_new (lut, format, interp, 1.0f);
  t_prep = now_s () - t_prep;
  if (applier == NULL)
    {
      fprintf (stderr, "looklab: cannot prepare the LUT\n");
      goto out;
    }

  /* In place, the LUT works on @out, restored from @in before each run;
   * otherwise it reads @in and writes @out. */
  dst = out;
  /* One untimed run warms caches and the LUT table. */
  if (in_place)
    memcpy (out, in, bytes);
  looklab_lut_applier_run (applier, in_place ? out : in, stride, dst, stride,
                           width, height, n_threads);
  for (int r = 0; r < repeat; r++)
    {
      double t0, c0;

      if (in_place)
        memcpy (out, in, bytes);
      c0 = cpu_s ();
      t0 = now_s ();
      looklab_lut_applier_run (applier, in_place ? out : in, stride, dst,
                               stride, width, height, n_threads);
      times[r] = now_s () - t0;
      cpu_runs[r] = cpu_s () - c0;
    }
  tmin = tmax = times[0];
  cpu_min = cpu_runs[0];
  for (int r = 1; r < repeat; r++)
    {
      tmin = times[r] < tmin ? times[r] : tmin;
      tmax = times[r] > tmax ? times[r] : tmax;
      cpu_min = cpu_runs[r] < cpu_min ? cpu_runs[r] : cpu_min;
    }
  t_apply = median (times, repeat);
  cpu = median (cpu_runs, repeat);

  /* The memory wall is what the machine can do at best: the fastest of
   * the runs, not the median. */
  mem_run (mem_copy, in, out, bytes, n_threads, &sink);
  t_copy = t_read = 1e30;
  for (int r = 0; r < repeat; r++)
    {
      double tc = mem_run (mem_copy, in, out, bytes, n_threads, &sink);
      double tr = mem_run (mem_read, in, NULL, bytes, n_threads, &sink);

      t_copy = tc < t_copy ? tc : t_copy;
      t_read = tr < t_read ? tr : t_read;
    }

  px = (double) width * height;
  mpx = px / t_apply * 1e-6;
  copy_gbs = 2.0 * bytes / t_copy * 1e-9; /* read + write */
  read_gbs = (double) bytes / t_read * 1e-9;
  copy_mpx = (double) width * height / t_copy * 1e-6;

  printf ("looklab bench apply: %s, %dx%d %s, %d^3 %s%s, %d thread%s, %s\n",
          cube, width, height, format_name, lut->size,
          interp == LOOKLAB_INTERP_TETRAHEDRAL ? "tetrahedral" : "trilinear",
          lut->shaper_size ? " with 1D shaper" : "", n_threads,
          n_threads == 1 ? "" : "s", in_place ? "in place" : "out of place");
  printf ("prepare: %.2f ms, kernel %s\n", t_prep * 1e3,
          looklab_lut_applier_kernel (applier));
  printf ("apply:   median %.2f ms (min %.2f, max %.2f, %d runs) = "
          "%.1f MPx/s (best %.1f)\n",
          t_apply * 1e3, tmin * 1e3, tmax * 1e3, repeat, mpx, px / tmin * 1e-6);
  printf ("cpu:     median %.2f ms per run (min %.2f), all threads = %.1f "
          "MPx per CPU-second (best %.1f)\n",
          cpu * 1e3, cpu_min * 1e3, px / cpu * 1e-6, px / cpu_min * 1e-6);
  printf ("memory:  memcpy of the frame %.2f ms = %.1f GB/s (read+write), "
          "stream read %.1f GB/s (best of %d)\n",
          t_copy * 1e3, copy_gbs, read_gbs, repeat);
  printf ("         memory wall for this format: %.1f MPx/s; "
          "apply reaches %.0f%% of it (best run %.0f%%)\n",
          copy_mpx, 100.0 * mpx / copy_mpx,
          100.0 * px / tmin * 1e-6 / copy_mpx);
  /* One line for scripts. */
  printf ("RESULT format=%s threads=%d in_place=%d mpx_s=%.1f best_mpx_s=%.1f "
          "cpu_mpx_s=%.1f best_cpu_mpx_s=%.1f copy_mpx_s=%.1f "
          "copy_gb_s=%.1f read_gb_s=%.1f kernel=%s sink=%u\n",
          format_name, n_threads, in_place, mpx, px / tmin * 1e-6,
          px / cpu * 1e-6, px / cpu_min * 1e-6, copy_mpx, copy_gbs, read_gbs,
          looklab_lut_applier_kernel (applier), (unsigned) (sink & 1));
  ret = 0;

out:
  looklab_lut_applier_free (applier);
  looklab_lut_free (lut);
  free (in);
  free (out);
  free (times);
  free (cpu_runs);
  return ret;
}
