/* LookLab core: the plane operations of registration: area resampling
 * straight from any pixel format, local normalisation, gradients, blur. */
#include "align/align-private.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/parallel.h"

void
align_plane_clear (AlignPlane *plane)
{
  free (plane->p);
  memset (plane, 0, sizeof (*plane));
}

static int
plane_alloc (AlignPlane *plane, int w, int h, int ch)
{
  plane->w = w;
  plane->h = h;
  plane->ch = ch;
  plane->p = calloc ((size_t) w * h * ch, sizeof (float));
  return plane->p == NULL ? LOOKLAB_ERR_NOMEM : LOOKLAB_OK;
}

typedef void (*RowFunc) (const void *src, int y, int ch, float *row);

/* Row @y of a view as @ch floats a pixel (see align_view_resample). */
static void
view_row (const void *src, int y, int ch, float *row)
{
  const LookLabImageView *view = src;
  const unsigned char    *p
      = (const unsigned char *) view->pixels + (size_t) y * view->stride;
  int   in_ch = looklab_pixel_format_channels (view->format);
  int   x, c;
  float rgba[4];

  for (x = 0; x < view->width; x++)
    {
      rgba[3] = 1.0f;
      switch (view->format)
        {
          case LOOKLAB_PIXEL_RGB_U8:
          case LOOKLAB_PIXEL_RGBA_U8:
            for (c = 0; c < in_ch; c++)
              rgba[c] = p[(size_t) x * in_ch + c] * (1.0f / 255.0f);
            break;
          case LOOKLAB_PIXEL_RGB_U16:
          case LOOKLAB_PIXEL_RGBA_U16:
            {
              uint16_t v[4];

              memcpy (v, p + (size_t) x * in_ch * 2, 2 * (size_t) in_ch);
              for (c = 0; c < in_ch; c++)
                rgba[c] = v[c] * (1.0f / 65535.0f);
            }
            break;
          default:
            memcpy (rgba, p + (size_t) x * in_ch * 4, 4 * (size_t) in_ch);
            for (c = 0; c < 3; c++)
              if (!isfinite (rgba[c]))
                {
                  rgba[c] = 0.0f;
                  rgba[3] = 0.0f;
                }
            break;
        }
      if (ch == 1)
        row[x] = 0.25f * (rgba[0] + 2.0f * rgba[1] + rgba[2]);
      else
        {
          row[x * 4 + 0] = rgba[0];
          row[x * 4 + 1] = rgba[1];
          row[x * 4 + 2] = rgba[2];
          row[x * 4 + 3] = rgba[3] > 0.0f ? 1.0f : 0.0f;
        }
    }
}

static void
plane_row (const void *src, int y, int ch, float *row)
{
  const AlignPlane *plane = src;

  memcpy (row, plane->p + (size_t) y * plane->w * ch,
          sizeof (float) * plane->w * ch);
}

/* What every thread of one resampling shares. */
typedef struct
{
  const void  *src;
  RowFunc      get;
  int          sw, sh, ch, dw, dh, span;
  double       f;
  const int   *start, *count;
  const float *weight;
  AlignPlane  *out;
} Resample;

/* One thread's share: output rows @d0 to @d1 - 1, from the input rows that
 * overlap them, in increasing order (as one thread would add them, so the
 * sums are the same whatever the split). */
typedef struct
{
  const Resample *rs;
  int             d0, d1;
  int             failed;
} ResampleJob;

static void *
resample_worker (void *data)
{
  ResampleJob    *job = data;
  const Resample *rs = job->rs;
  int             ch = rs->ch, dw = rs->dw, x, y, c;
  int             y0 = (int) floor (job->d0 * rs->f);
  int             y1 = (int) ceil (job->d1 * rs->f);
  float          *row = malloc (sizeof (float) * (size_t) rs->sw * ch);
  float          *hrow = malloc (sizeof (float) * (size_t) dw * ch);

  if (row == NULL || hrow == NULL)
    {
      job->failed = 1;
      free (row);
      free (hrow);
      return NULL;
    }
  for (y = y0; y < rs->sh && y < y1 && y < rs->dh * rs->f + 1; y++)
    {
      int dy;

      rs->get (rs->src, y, ch, row);
      for (x = 0; x < dw; x++)
        {
          const float *w = rs->weight + (size_t) x * rs->span;
          const float *r = row + (size_t) rs->start[x] * ch;
          int          i;

          for (c = 0; c < ch; c++)
            hrow[x * ch + c] = 0.0f;
          for (i = 0; i < rs->count[x]; i++)
            for (c = 0; c < ch; c++)
              hrow[x * ch + c] += w[i] * r[i * ch + c];
        }
      for (dy = (int) floor (y / rs->f); dy <= (int) floor (y / rs->f) + 1;
           dy++)
        {
          double lo, hi;
          float  ov, *o;

          if (dy >= rs->dh)
            break;
          if (dy < job->d0 || dy >= job->d1)
            continue;
          lo = dy * rs->f > y ? dy * rs->f : y;
          hi = (dy + 1) * rs->f < y + 1 ? (dy + 1) * rs->f : y + 1;
          if (hi <= lo)
            continue;
          ov = (float) (hi - lo);
          o = rs->out->p + (size_t) dy * dw * ch;
          for (x = 0; x < dw * ch; x++)
            o[x] += ov * hrow[x];
        }
    }
  free (row);
  free (hrow);
  return NULL;
}

/* Area resampling by a factor f >= 1, one input row at a time: each input
 * row is reduced along x, then added to the (at most two) output rows it
 * overlaps, weighted by the overlap.  Bands of output rows go to one
 * thread a core (any count gives the same result: reading the full-size
 * images is most of a registration). */
static int
resample (const void *src, RowFunc get, int sw, int sh, int ch, double f,
          AlignPlane *out)
{
  int         dw, dh, x, span, status = LOOKLAB_OK, t;
  int        *start = NULL, *count = NULL;
  float      *weight = NULL;
  double      norm;
  Resample    rs;
  ResampleJob jobs[LOOKLAB_MAX_THREADS];
  int         n_threads;

  memset (out, 0, sizeof (*out));
  if (!(f >= 1.0))
    f = 1.0;
  dw = (int) floor (sw / f);
  dh = (int) floor (sh / f);
  if (dw < 1)
    dw = 1;
  if (dh < 1)
    dh = 1;
  span = (int) ceil (f) + 1;
  start = malloc (sizeof (int) * dw);
  count = malloc (sizeof (int) * dw);
  weight = malloc (sizeof (float) * (size_t) dw * span);
  if (start == NULL || count == NULL || weight == NULL
      || plane_alloc (out, dw, dh, ch) != LOOKLAB_OK)
    {
      status = LOOKLAB_ERR_NOMEM;
      goto out;
    }
  for (x = 0; x < dw; x++)
    {
      double a = x * f, b = (x + 1) * f;
      int    i0 = (int) floor (a), i;

      start[x] = i0;
      count[x] = 0;
      for (i = i0; i < b && i < sw && i - i0 < span; i++)
        {
          double lo = a > i ? a : i, hi = b < i + 1 ? b : i + 1;

          weight[(size_t) x * span + count[x]++] = (float) (hi - lo);
        }
    }
  rs = (Resample){ src,  get, sw,    sh,    ch,     dw, dh,
                   span, f,   start, count, weight, out };
  n_threads = looklab_parallel_threads (0, dh);
  for (t = 0; t < n_threads; t++)
    {
      jobs[t].rs = &rs;
      jobs[t].d0 = (int) ((long) dh * t / n_threads);
      jobs[t].d1 = (int) ((long) dh * (t + 1) / n_threads);
      jobs[t].failed = 0;
    }
  looklab_parallel_run (resample_worker, jobs, sizeof (ResampleJob), n_threads);
  for (t = 0; t < n_threads; t++)
    if (jobs[t].failed)
      status = LOOKLAB_ERR_NOMEM;
  if (status != LOOKLAB_OK)
    goto out;
  norm = 1.0 / (f * f);
  if (sw < f || sh < f)
    norm = 1.0 / ((sw < f ? sw : f) * (sh < f ? sh : f));
  for (x = 0; x < dw * dh * ch; x++)
    out->p[x] = (float) (out->p[x] * norm);

out:
  free (start);
  free (count);
  free (weight);
  if (status != LOOKLAB_OK)
    align_plane_clear (out);
  return status;
}

int
align_view_resample (const LookLabImageView *view, double f, int rgbv,
                     AlignPlane *out)
{
  return resample (view, view_row, view->width, view->height, rgbv ? 4 : 1, f,
                   out);
}

int
align_plane_resample (const AlignPlane *src, double f, AlignPlane *out)
{
  return resample (src, plane_row, src->w, src->h, src->ch, f, out);
}

int
align_plane_normalise (const AlignPlane *l, int r, float eps, AlignPlane *out)
{
  int     w = l->w, h = l->h, x, y, status = LOOKLAB_OK;
  double *s = NULL, *ss = NULL;
  size_t  iw = (size_t) w + 1;

  memset (out, 0, sizeof (*out));
  s = calloc (iw * (h + 1), sizeof (double));
  ss = calloc (iw * (h + 1), sizeof (double));
  if (s == NULL || ss == NULL || plane_alloc (out, w, h, 1) != LOOKLAB_OK)
    {
      status = LOOKLAB_ERR_NOMEM;
      goto out;
    }
  /* Integral images of L and L^2. */
  for (y = 0; y < h; y++)
    {
      double rs = 0.0, rss = 0.0;

      for (x = 0; x < w; x++)
        {
          double v = l->p[(size_t) y * w + x];

          rs += v;
          rss += v * v;
          s[(y + 1) * iw + x + 1] = s[y * iw + x + 1] + rs;
          ss[(y + 1) * iw + x + 1] = ss[y * iw + x + 1] + rss;
        }
    }
  for (y = 0; y < h; y++)
    {
      int y0 = y - r < 0 ? 0 : y - r, y1 = y + r + 1 > h ? h : y + r + 1;

      for (x = 0; x < w; x++)
        {
          int    x0 = x - r < 0 ? 0 : x - r, x1 = x + r + 1 > w ? w : x + r + 1;
          double n = (double) (x1 - x0) * (y1 - y0);
          double sum = s[y1 * iw + x1] - s[y0 * iw + x1] - s[y1 * iw + x0]
                       + s[y0 * iw + x0];
          double sum2 = ss[y1 * iw + x1] - ss[y0 * iw + x1] - ss[y1 * iw + x0]
                        + ss[y0 * iw + x0];
          double mean = sum / n, var = sum2 / n - mean * mean;

          if (var < 0.0)
            var = 0.0;
          out->p[(size_t) y * w + x]
              = (float) ((l->p[(size_t) y * w + x] - mean)
                         / sqrt (var + (double) eps * eps));
        }
    }
out:
  free (s);
  free (ss);
  if (status != LOOKLAB_OK)
    align_plane_clear (out);
  return status;
}

int
align_plane_gradient (const AlignPlane *src, AlignPlane *gx, AlignPlane *gy)
{
  int w = src->w, h = src->h, x, y;

  memset (gx, 0, sizeof (*gx));
  memset (gy, 0, sizeof (*gy));
  if (plane_alloc (gx, w, h, 1) != LOOKLAB_OK
      || plane_alloc (gy, w, h, 1) != LOOKLAB_OK)
    {
      align_plane_clear (gx);
      align_plane_clear (gy);
      return LOOKLAB_ERR_NOMEM;
    }
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      {
        int          xm = x > 0 ? x - 1 : x, xp = x < w - 1 ? x + 1 : x;
        int          ym = y > 0 ? y - 1 : y, yp = y < h - 1 ? y + 1 : y;
        const float *p = src->p;

        gx->p[(size_t) y * w + x]
            = xp > xm ? (p[(size_t) y * w + xp] - p[(size_t) y * w + xm])
                            / (float) (xp - xm)
                      : 0.0f;
        gy->p[(size_t) y * w + x]
            = yp > ym ? (p[(size_t) yp * w + x] - p[(size_t) ym * w + x])
                            / (float) (yp - ym)
                      : 0.0f;
      }
  return LOOKLAB_OK;
}

/* One thread's rows (pass 0) or columns (pass 1) of a separable blur. */
typedef struct
{
  AlignPlane  *plane;
  const float *kernel;
  int          r, pass, i0, i1;
  int          failed;
} BlurJob;

static void *
blur_worker (void *data)
{
  BlurJob    *job = data;
  AlignPlane *pl = job->plane;
  int         w = pl->w, h = pl->h, ch = pl->ch, r = job->r, i, k, c, t;
  int         n = job->pass == 0 ? w : h;
  size_t      step = job->pass == 0 ? (size_t) ch : (size_t) w * ch;
  float      *line = malloc (sizeof (float) * (size_t) n * ch);

  if (line == NULL)
    {
      job->failed = 1;
      return NULL;
    }
  for (i = job->i0; i < job->i1; i++)
    {
      float *base = job->pass == 0 ? pl->p + (size_t) i * w * ch
                                   : pl->p + (size_t) i * ch;

      for (t = 0; t < n; t++)
        for (c = 0; c < ch; c++)
          line[t * ch + c] = base[t * step + c];
      for (t = 0; t < n; t++)
        for (c = 0; c < ch; c++)
          {
            float acc = 0.0f;

            for (k = -r; k <= r; k++)
              {
                int tt = t + k < 0 ? 0 : t + k >= n ? n - 1 : t + k;

                acc += job->kernel[k + r] * line[tt * ch + c];
              }
            base[t * step + c] = acc;
          }
    }
  free (line);
  return NULL;
}

int
align_plane_blur (AlignPlane *plane, double sigma, int n_threads)
{
  BlurJob jobs[LOOKLAB_MAX_THREADS];
  float  *kernel;
  int     r, k, pass, t, nt, status = LOOKLAB_OK;

  if (!(sigma > 0.3))
    return LOOKLAB_OK;
  r = (int) ceil (3.0 * sigma);
  kernel = malloc (sizeof (float) * (2 * r + 1));
  if (kernel == NULL)
    return LOOKLAB_ERR_NOMEM;
  {
    double sum = 0.0;

    for (k = -r; k <= r; k++)
      sum += kernel[k + r] = (float) exp (-0.5 * k * k / (sigma * sigma));
    for (k = 0; k <= 2 * r; k++)
      kernel[k] = (float) (kernel[k] / sum);
  }
  /* Rows, then columns; each line is blurred whole by one thread, in the
   * same order of terms, so the result does not depend on the threads. */
  for (pass = 0; pass < 2 && status == LOOKLAB_OK; pass++)
    {
      int lines = pass == 0 ? plane->h : plane->w;

      nt = looklab_parallel_threads (n_threads, lines);
      for (t = 0; t < nt; t++)
        {
          jobs[t].plane = plane;
          jobs[t].kernel = kernel;
          jobs[t].r = r;
          jobs[t].pass = pass;
          jobs[t].i0 = (int) ((long) lines * t / nt);
          jobs[t].i1 = (int) ((long) lines * (t + 1) / nt);
          jobs[t].failed = 0;
        }
      looklab_parallel_run (blur_worker, jobs, sizeof (BlurJob), nt);
      for (t = 0; t < nt; t++)
        if (jobs[t].failed)
          status = LOOKLAB_ERR_NOMEM;
    }
  free (kernel);
  return status;
}
