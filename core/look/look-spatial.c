/* LookLab core: the spatial parts of a look (look file version 2).
 *
 * A lomo or film look darkens the corners, a "clarity" grade adds local
 * contrast: neither is a function of the colour alone, and a global look
 * fitted to such a pair is wrong everywhere.  Two optional parts follow the
 * global part g = G (xc) (look.c), xc = clamp (x, 0, 1); applied, G is
 * the global part baked at LOOKLAB_LOOK_APPLY_BAKE_SIZE^3, as a look
 * without spatial parts is applied everywhere (exact only when asked,
 * looklab_look_apply_view_lut () without a LUT):
 *
 *   z = a (r) g + o (r)                        radial part (vignette)
 *   z = b (s, t) z                             position field (gradients)
 *   z = z + k (L) (xc - blur (xc))             local-contrast part
 *   y = clamp (z, 0, 1) + (x - xc)
 *
 * Position.  For pixel (X, Y) of a W x H image, u = 2 (X + 0.5) / W - 1 - cx
 * and v = 2 (Y + 0.5) / H - 1 - cy, and r^2 = wx u^2 + wy v^2 with
 * wx = p / 2 + (1 - p) W^2 / (W^2 + H^2), wy = p / 2 + (1 - p) H^2 / (W^2
 * + H^2).  p = 0 makes r the distance from the centre over the
 * half-diagonal (a circular vignette), p = 1 an ellipse through the corners
 * that follows the aspect ratio (what ImageMagick -vignette and
 * gegl:vignette at proportion 1 draw); either way r = 1 at the corners, so
 * the part carries over to other sizes and aspect ratios.  a and o are RGB,
 * piecewise linear in r over K knots j / (K - 1) (r clamped to [0, 1]).
 *
 * Field.  s = (X + 0.5) / W and t = (Y + 0.5) / H; b is an RGB gain,
 * bilinear between K x K nodes at (i / (K - 1), j / (K - 1)).  A colour
 * cast that sweeps across the frame, a light leak in a corner, a
 * lopsided vignette: what no function of r draws.  It stretches with the
 * frame, so it means the same part of any other photo (the left edge, a
 * corner), whatever its aspect ratio.
 *
 * Detail.  blur is a Gaussian of sigma s times the diagonal of the image
 * (approximated by three box filters, P. Kovesi, "Fast almost-Gaussian
 * filtering", DICTA 2010), per channel; L = 0.2126 R + 0.7152 G + 0.0722 B
 * of xc; k piecewise linear in L over its knots.  This is the unsharp mask
 * of a large radius ("clarity", ImageMagick -unsharp) with a gain that may
 * depend on lightness.
 *
 * Fitting the parts to a pair is look-spatial-fit.c.
 */
#include "look/look-spatial-private.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/parallel.h"
#include "lut/lut-apply.h"

int
looklab_look_set_vignette (LookLabLook *look, int knots)
{
  float *v = NULL;
  int    j, c;

  if (knots > 0)
    {
      v = malloc (sizeof (float) * 6 * (size_t) knots);
      if (v == NULL)
        return LOOKLAB_ERR_NOMEM;
      for (j = 0; j < knots; j++)
        for (c = 0; c < 3; c++)
          {
            v[j * 3 + c] = 1.0f;
            v[(knots + j) * 3 + c] = 0.0f;
          }
    }
  free (look->vig);
  look->vig = v;
  look->vig_knots = knots;
  look->vig_prop = 1.0f;
  look->vig_cx = look->vig_cy = 0.0f;
  return LOOKLAB_OK;
}

int
looklab_look_set_field (LookLabLook *look, int knots)
{
  float *v = NULL;
  size_t j, n = 3 * (size_t) knots * (size_t) knots;

  if (knots > 0)
    {
      v = malloc (sizeof (float) * n);
      if (v == NULL)
        return LOOKLAB_ERR_NOMEM;
      for (j = 0; j < n; j++)
        v[j] = 1.0f;
    }
  free (look->fld);
  look->fld = v;
  look->fld_knots = knots;
  return LOOKLAB_OK;
}

int
looklab_look_set_detail (LookLabLook *look, int knots)
{
  float *d = NULL;

  if (knots > 0)
    {
      d = calloc ((size_t) knots, sizeof (float));
      if (d == NULL)
        return LOOKLAB_ERR_NOMEM;
    }
  free (look->det);
  look->det = d;
  look->det_knots = knots;
  look->det_sigma = 0.01f;
  return LOOKLAB_OK;
}

int
looklab_look_has_spatial (const LookLabLook *look)
{
  return look != NULL
         && (look->vig_knots > 0 || look->fld_knots > 0 || look->det_knots > 0);
}

/* ---- blur ---- */

/* One box pass of radius @rad along the rows of an interleaved RGB image,
 * edges clamped, @src to @dst, rows @first to @last - 1. */
static void
box_rows (const float *src, float *dst, int w, int rad, int first, int last)
{
  double norm = 1.0 / (2 * rad + 1);
  int    i, t, c;

  for (i = first; i < last; i++)
    {
      const float *s = src + (size_t) i * w * 3;
      float       *d = dst + (size_t) i * w * 3;
      double       sum[3] = { 0.0, 0.0, 0.0 };

      for (t = -rad; t <= rad; t++)
        {
          int q = t < 0 ? 0 : (t >= w ? w - 1 : t);

          for (c = 0; c < 3; c++)
            sum[c] += s[(size_t) q * 3 + c];
        }
      for (t = 0; t < w; t++)
        {
          int add = t + rad + 1, sub = t - rad;

          for (c = 0; c < 3; c++)
            d[(size_t) t * 3 + c] = (float) (sum[c] * norm);
          if (add > w - 1)
            add = w - 1;
          if (sub < 0)
            sub = 0;
          for (c = 0; c < 3; c++)
            sum[c]
                += (double) s[(size_t) add * 3 + c] - s[(size_t) sub * 3 + c];
        }
    }
}

/* The same along the columns, for the values @first to @last - 1 of each
 * row (three a pixel): every column keeps its own running sum, and the
 * image is swept row after row, as it lies in memory.  Each sum adds the
 * same values in the same order as a sweep down one column would. */
static void
box_columns (const float *src, float *dst, int w, int h, int rad, int first,
             int last, double *sum)
{
  size_t row = (size_t) w * 3;
  double norm = 1.0 / (2 * rad + 1);
  int    t, j;

  for (j = first; j < last; j++)
    sum[j - first] = 0.0;
  for (t = -rad; t <= rad; t++)
    {
      const float *s = src + (size_t) (t < 0 ? 0 : (t >= h ? h - 1 : t)) * row;

      for (j = first; j < last; j++)
        sum[j - first] += s[j];
    }
  for (t = 0; t < h; t++)
    {
      int          add = t + rad + 1 > h - 1 ? h - 1 : t + rad + 1;
      int          sub = t - rad < 0 ? 0 : t - rad;
      const float *sa = src + (size_t) add * row,
                  *ss = src + (size_t) sub * row;
      float *d = dst + (size_t) t * row;

      for (j = first; j < last; j++)
        d[j] = (float) (sum[j - first] * norm);
      for (j = first; j < last; j++)
        sum[j - first] += (double) sa[j] - ss[j];
    }
}

/* A share of one box pass: rows @first to @last - 1, or (@columns) the
 * values @first to @last - 1 of every row. */
typedef struct
{
  const float *src;
  float       *dst;
  int          w, h, rad, columns, first, last;
  double      *sum; /* columns: @last - @first running sums */
} BoxJob;

static void *
box_worker (void *data)
{
  BoxJob *job = data;

  if (job->columns)
    box_columns (job->src, job->dst, job->w, job->h, job->rad, job->first,
                 job->last, job->sum);
  else
    box_rows (job->src, job->dst, job->w, job->rad, job->first, job->last);
  return NULL;
}

/* Blurs interleaved RGB @img (w x h) in place with a Gaussian of @sigma
 * pixels, as three box filters whose widths Kovesi (2010) gives, on
 * @n_threads threads (0: all cores).  Every output value is computed the
 * same way whatever the number of threads, so the result is too. */
int
looklab_spatial_blur_rgb (float *img, int w, int h, double sigma, int n_threads)
{
  BoxJob  jobs[LOOKLAB_MAX_THREADS];
  float  *tmp;
  double *sums;
  int     pass, wl, m, t, dir;
  double  wi;

  if (sigma < 0.3)
    return LOOKLAB_OK;
  n_threads = looklab_parallel_threads (n_threads, h);
  tmp = malloc (sizeof (float) * 3 * (size_t) w * (size_t) h);
  sums = malloc (sizeof (double) * 3 * (size_t) w);
  if (tmp == NULL || sums == NULL)
    {
      free (tmp);
      free (sums);
      return LOOKLAB_ERR_NOMEM;
    }
  wi = sqrt (12.0 * sigma * sigma / 3.0 + 1.0);
  wl = (int) floor (wi);
  if (wl % 2 == 0)
    wl--;
  m = (int) floor ((12.0 * sigma * sigma - 3.0 * wl * wl - 12.0 * wl - 9.0)
                       / (-4.0 * wl - 4.0)
                   + 0.5);
  for (pass = 0; pass < 3; pass++)
    for (dir = 0; dir < 2; dir++)
      {
        int span = dir ? 3 * w : h;

        for (t = 0; t < n_threads; t++)
          {
            jobs[t].src = dir ? tmp : img;
            jobs[t].dst = dir ? img : tmp;
            jobs[t].w = w;
            jobs[t].h = h;
            jobs[t].rad = ((pass < m ? wl : wl + 2) - 1) / 2;
            jobs[t].columns = dir;
            jobs[t].first = (int) ((long) span * t / n_threads);
            jobs[t].last = (int) ((long) span * (t + 1) / n_threads);
            jobs[t].sum = sums + jobs[t].first;
          }
        looklab_parallel_run (box_worker, jobs, sizeof (BoxJob), n_threads);
      }
  free (tmp);
  free (sums);
  return LOOKLAB_OK;
}

int
looklab_look_apply_margin (const LookLabLook *look, int full_width,
                           int full_height)
{
  if (look == NULL || look->det_knots <= 0)
    return 0;
  return (int) ceil (
      3.0 * looklab_detail_sigma_px (look->det_sigma, full_width, full_height));
}

/* ---- reading and writing pixel views ---- */

void
looklab_spatial_read_row (const LookLabImageView *view, int y, float *rgb)
{
  int                  ch = looklab_pixel_format_channels (view->format), x, c;
  const unsigned char *row
      = (const unsigned char *) view->pixels + (size_t) y * view->stride;

  for (x = 0; x < view->width; x++)
    for (c = 0; c < 3; c++)
      {
        size_t i = (size_t) x * ch + c;
        float  v;

        switch (view->format)
          {
            case LOOKLAB_PIXEL_RGB_U8:
            case LOOKLAB_PIXEL_RGBA_U8: v = row[i] / 255.0f; break;
            case LOOKLAB_PIXEL_RGB_U16:
            case LOOKLAB_PIXEL_RGBA_U16:
              v = ((const uint16_t *) row)[i] / 65535.0f;
              break;
            default: v = ((const float *) row)[i]; break;
          }
        rgb[(size_t) x * 3 + c] = v;
      }
}

float
looklab_spatial_read_alpha (const LookLabImageView *view, int x, int y)
{
  const unsigned char *row
      = (const unsigned char *) view->pixels + (size_t) y * view->stride;

  switch (view->format)
    {
      case LOOKLAB_PIXEL_RGBA_U8: return row[(size_t) x * 4 + 3] / 255.0f;
      case LOOKLAB_PIXEL_RGBA_U16:
        return ((const uint16_t *) row)[(size_t) x * 4 + 3] / 65535.0f;
      case LOOKLAB_PIXEL_RGBA_FLOAT:
        return ((const float *) row)[(size_t) x * 4 + 3];
      default: return 1.0f;
    }
}

/* Writes the RGB of row @y (alpha untouched). */
static void
write_row (LookLabPixelFormat format, unsigned char *row, int width,
           const float *rgb)
{
  int ch = looklab_pixel_format_channels (format), x, c;

  for (x = 0; x < width; x++)
    for (c = 0; c < 3; c++)
      {
        size_t i = (size_t) x * ch + c;
        float  v = rgb[(size_t) x * 3 + c];

        switch (format)
          {
            case LOOKLAB_PIXEL_RGB_U8:
            case LOOKLAB_PIXEL_RGBA_U8:
              row[i] = (unsigned char) (looklab_clamp01 (v) * 255.0f + 0.5f);
              break;
            case LOOKLAB_PIXEL_RGB_U16:
            case LOOKLAB_PIXEL_RGBA_U16:
              ((uint16_t *) row)[i]
                  = (uint16_t) (looklab_clamp01 (v) * 65535.0f + 0.5f);
              break;
            default: ((float *) row)[i] = v; break;
          }
      }
}

/* ---- applying ---- */

/* The spatial parts and the final clamp for @n pixels of one row:
 * @g the global part (clamped inputs), @xc the clamped inputs, @bl their
 * blur (NULL without detail), @x the raw inputs; result in @out. */
static void
spatial_row (const LookLabLook *look, const LookLabRadial *rad, int y, int x0,
             size_t n, const float *g, const float *xc, const float *bl,
             const float *x, float *out)
{
  size_t i;
  int    c;

  for (i = 0; i < n; i++)
    {
      float z[3] = { g[i * 3], g[i * 3 + 1], g[i * 3 + 2] };

      if (look->vig_knots > 0)
        looklab_vignette_apply (look->vig, look->vig_knots,
                                looklab_radial_r (rad, x0 + (int) i, y), z);
      if (look->fld_knots > 0)
        {
          float s, t;

          looklab_field_st (rad, x0 + (int) i, y, &s, &t);
          looklab_field_apply (look->fld, look->fld_knots, s, t, z);
        }
      if (look->det_knots > 0 && bl != NULL)
        {
          float k = looklab_detail_gain (look->det, look->det_knots,
                                         looklab_spatial_luma (xc + i * 3));

          for (c = 0; c < 3; c++)
            z[c] += k * (xc[i * 3 + c] - bl[i * 3 + c]);
        }
      for (c = 0; c < 3; c++)
        {
          float xv = x[i * 3 + c];
          float excess = isfinite (xv) ? xv - xc[i * 3 + c] : 0.0f;

          out[i * 3 + c] = looklab_clamp01 (z[c]) + excess;
        }
    }
}

typedef struct
{
  const LookLabLook       *look;
  const LookLabLutApplier *global; /* the global part baked, or NULL */
  const LookLabImageView  *view;
  const float             *in;  /* raw RGB of the view */
  const float             *blr; /* blurred clamped RGB, or NULL */
  unsigned char           *out;
  size_t                   out_stride;
  LookLabRadial            rad;
  int                      x0, y0, first, last;
  float                    strength;
  int                      failed;
} ApplyJob;

static void *
apply_worker (void *data)
{
  ApplyJob *job = data;
  int       w = job->view->width, y;
  size_t    i, n3 = (size_t) w * 3;
  float    *xc = malloc (sizeof (float) * n3 * 3), *g, *o;

  if (xc == NULL)
    {
      job->failed = 1;
      return NULL;
    }
  g = xc + n3;
  o = g + n3;
  for (y = job->first; y < job->last; y++)
    {
      const float *x = job->in + (size_t) y * n3;

      for (i = 0; i < n3; i++)
        xc[i] = looklab_clamp01 (x[i]);
      if (job->global != NULL)
        looklab_lut_applier_run (job->global, xc, sizeof (float) * n3, g,
                                 sizeof (float) * n3, w, 1, 1);
      else
        looklab_look_eval (job->look, xc, g, (size_t) w);
      spatial_row (job->look, &job->rad, job->y0 + y, job->x0, (size_t) w, g,
                   xc, job->blr != NULL ? job->blr + (size_t) y * n3 : NULL, x,
                   o);
      if (job->strength != 1.0f)
        for (i = 0; i < n3; i++)
          o[i] = x[i] + job->strength * (o[i] - x[i]);
      write_row (job->view->format, job->out + (size_t) y * job->out_stride, w,
                 o);
    }
  free (xc);
  return NULL;
}

int
looklab_look_apply_view (const LookLabLook *look, const LookLabImageView *view,
                         void *out_pixels, size_t out_stride, int full_width,
                         int full_height, int offset_x, int offset_y,
                         float strength, int n_threads, LookLabDiag *diag)
{
  LookLabLutApplier *global;
  int                status;

  if (look == NULL)
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0, "no look or image");
  global = looklab_look_global_applier (look, n_threads);
  if (global == NULL)
    return looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0, "out of memory");
  status = looklab_look_apply_view_baked (
      look, global, view, out_pixels, out_stride, full_width, full_height,
      offset_x, offset_y, strength, n_threads, diag);
  looklab_lut_applier_free (global);
  return status;
}

LookLabLutApplier *
looklab_look_global_applier (const LookLabLook *look, int n_threads)
{
  LookLabLut *lut
      = looklab_look_bake (look, LOOKLAB_LOOK_APPLY_BAKE_SIZE, n_threads);
  LookLabLutApplier *applier = NULL;

  if (lut != NULL)
    applier = looklab_lut_applier_new (lut, LOOKLAB_PIXEL_RGB_FLOAT,
                                       LOOKLAB_INTERP_TETRAHEDRAL, 1.0f);
  looklab_lut_free (lut);
  return applier;
}

int
looklab_look_apply_view_baked (const LookLabLook       *look,
                               const LookLabLutApplier *global,
                               const LookLabImageView *view, void *out_pixels,
                               size_t out_stride, int full_width,
                               int full_height, int offset_x, int offset_y,
                               float strength, int n_threads, LookLabDiag *diag)
{
  ApplyJob jobs[LOOKLAB_MAX_THREADS];
  float   *in = NULL, *blr = NULL;
  int      status = LOOKLAB_OK, t, y, w, h, ch;
  size_t   n3, rowb;

  if (look == NULL || view == NULL || view->pixels == NULL
      || out_pixels == NULL)
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0, "no look or image");
  w = view->width;
  h = view->height;
  if ((int) view->format < LOOKLAB_PIXEL_RGB_U8
      || view->format > LOOKLAB_PIXEL_RGBA_FLOAT || w <= 0 || h <= 0
      || offset_x < 0 || offset_y < 0 || full_width - w < offset_x
      || full_height - h < offset_y || !isfinite (strength))
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0,
                             "a %d x %d view at (%d, %d) does not fit in a "
                             "%d x %d image",
                             w, h, offset_x, offset_y, full_width, full_height);
  ch = looklab_pixel_format_channels (view->format);
  rowb = looklab_pixel_format_bytes (view->format) * (size_t) w;
  if (view->stride < rowb || out_stride < rowb)
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0,
                             "a stride is shorter than a row (%zu bytes)",
                             rowb);
  (void) ch;
  n3 = (size_t) w * 3;
  if ((size_t) h > SIZE_MAX / sizeof (float) / n3)
    return looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0, "image too large");
  in = malloc (sizeof (float) * n3 * (size_t) h);
  if (in == NULL)
    {
      status = looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0, "out of memory");
      goto out;
    }
  for (y = 0; y < h; y++)
    looklab_spatial_read_row (view, y, in + (size_t) y * n3);
  if (look->det_knots > 0)
    {
      size_t i;

      blr = malloc (sizeof (float) * n3 * (size_t) h);
      if (blr == NULL)
        {
          status
              = looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0, "out of memory");
          goto out;
        }
      for (i = 0; i < n3 * (size_t) h; i++)
        blr[i] = looklab_clamp01 (in[i]);
      if (looklab_spatial_blur_rgb (blr, w, h,
                                    looklab_detail_sigma_px (look->det_sigma,
                                                             full_width,
                                                             full_height),
                                    n_threads)
          != LOOKLAB_OK)
        {
          status
              = looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0, "out of memory");
          goto out;
        }
    }

  n_threads = looklab_parallel_threads (n_threads, h);
  for (t = 0; t < n_threads; t++)
    {
      jobs[t].look = look;
      jobs[t].global = global;
      jobs[t].view = view;
      jobs[t].in = in;
      jobs[t].blr = blr;
      jobs[t].out = out_pixels;
      jobs[t].out_stride = out_stride;
      looklab_radial_init (&jobs[t].rad, look->vig_prop, look->vig_cx,
                           look->vig_cy, full_width, full_height);
      jobs[t].x0 = offset_x;
      jobs[t].y0 = offset_y;
      jobs[t].first = h * t / n_threads;
      jobs[t].last = h * (t + 1) / n_threads;
      jobs[t].strength = strength;
      jobs[t].failed = 0;
    }
  looklab_parallel_run (apply_worker, jobs, sizeof (ApplyJob), n_threads);
  for (t = 0; t < n_threads; t++)
    if (jobs[t].failed)
      status = looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0, "out of memory");
  /* Alpha: the output keeps the input's. */
  if (status == LOOKLAB_OK && ch == 4
      && (const void *) out_pixels != view->pixels)
    {
      size_t bpc = looklab_pixel_format_bytes (view->format) / 4;
      int    x;

      for (y = 0; y < h; y++)
        for (x = 0; x < w; x++)
          memcpy ((unsigned char *) out_pixels + (size_t) y * out_stride
                      + ((size_t) x * 4 + 3) * bpc,
                  (const unsigned char *) view->pixels
                      + (size_t) y * view->stride + ((size_t) x * 4 + 3) * bpc,
                  bpc);
    }

out:
  free (in);
  free (blr);
  return status;
}
