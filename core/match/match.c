/* LookLab core: the pair `looklab match` learns from (see match.h). */
#include "match/match.h"

#include <math.h>
#include <pthread.h>
#include <string.h>

#include <glib.h>

#include "common/colour.h"
#include "lut/lut-apply.h"

void
looklab_match_pair_clear (LookLabMatchPair *pair)
{
  if (pair == NULL)
    return;
  g_free (pair->before);
  g_free (pair->after);
  g_free (pair->mask);
  memset (pair, 0, sizeof *pair);
}

#define MAX_THREADS 64

/* One thread's rows of the pair, for shrink_rows () then moved_rows (). */
typedef struct
{
  const LookLabImageView *ref;
  int                     f, ow, first_row, last_row;
  float                  *after, *before;
  unsigned char          *mask;
  size_t                  opaque;   /* shrink_rows (): opaque cells */
  double                  sum, max; /* moved_rows (): dE00 over them */
} RowJob;

/* Rows [first_row, last_row) of @after (@ow wide, RGB floats in [0, 1])
 * and @mask: @ref averaged over boxes of @f x @f pixels (fewer at the
 * right and bottom edges), counting only pixels whose alpha is not 0. */
static void *
shrink_rows (void *data)
{
  RowJob                 *job = data;
  const LookLabImageView *ref = job->ref;
  int                     f = job->f, ow = job->ow;
  int                     i, j, y, x, c;

  job->opaque = 0;
  for (i = job->first_row; i < job->last_row; i++)
    for (j = 0; j < ow; j++)
      {
        double acc[3] = { 0.0, 0.0, 0.0 };
        int    n = 0;
        float *o = job->after + ((size_t) i * ow + j) * 3;

        for (y = i * f; y < (i + 1) * f && y < ref->height; y++)
          for (x = j * f; x < (j + 1) * f && x < ref->width; x++)
            {
              float px[4];

              looklab_image_view_get (ref, x, y, px);
              if (!(px[3] > 0.0f))
                continue;
              for (c = 0; c < 3; c++)
                acc[c] += isfinite (px[c]) ? px[c] : 0.0;
              n++;
            }
        job->mask[(size_t) i * ow + j] = n > 0;
        job->opaque += n > 0;
        for (c = 0; c < 3; c++)
          {
            double v = n > 0 ? acc[c] / n : 0.0;

            /* the model was trained on values in [0, 1] */
            o[c] = (float) (v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v);
          }
      }
  return NULL;
}

/* The sum and the largest of CIEDE2000 from @after to @before over the
 * opaque cells of rows [first_row, last_row). */
static void *
moved_rows (void *data)
{
  RowJob *job = data;
  size_t  k = (size_t) job->first_row * job->ow;
  size_t  end = (size_t) job->last_row * job->ow;

  job->sum = 0.0;
  job->max = 0.0;
  for (; k < end; k++)
    if (job->mask[k])
      {
        double la[3], lb[3], d;

        looklab_srgb_to_lab (job->after + k * 3, la);
        looklab_srgb_to_lab (job->before + k * 3, lb);
        d = looklab_ciede2000 (la, lb);
        job->sum += d;
        if (d > job->max)
          job->max = d;
      }
  return NULL;
}

/* Runs @work on @n_jobs row jobs, the first on this thread (a thread that
 * cannot start leaves its job to this one). */
static void
run_rows (void *(*work) (void *), RowJob *jobs, int n_jobs)
{
  pthread_t threads[MAX_THREADS];
  gboolean  started[MAX_THREADS] = { FALSE };
  int       t;

  for (t = 1; t < n_jobs; t++)
    started[t] = pthread_create (&threads[t], NULL, work, &jobs[t]) == 0;
  work (&jobs[0]);
  for (t = 1; t < n_jobs; t++)
    if (started[t])
      pthread_join (threads[t], NULL);
    else
      work (&jobs[t]);
}

void
looklab_match_fit_params_init (LookLabFitParams *params)
{
  looklab_fit_params_init (params);
  params->spatial = 0;
  params->iterations = LOOKLAB_MATCH_FIT_ITERATIONS;
}

int
looklab_match_pair (const LookLabNeutralizer *nz, const LookLabImageView *ref,
                    int max_side, float strength, int n_threads,
                    LookLabMatchPair *pair, LookLabDiag *diag)
{
  LookLabLut *lut = NULL;
  RowJob      jobs[MAX_THREADS];
  int         f, ow, oh, status, longer, n_jobs, t;
  size_t      n, i, opaque = 0;

  if (pair != NULL)
    memset (pair, 0, sizeof *pair);
  if (nz == NULL || ref == NULL || ref->pixels == NULL || pair == NULL
      || ref->width < 1 || ref->height < 1 || max_side < 0)
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0,
                             "no model, reference or pair");
  if (!(strength >= 0.0f && strength <= 1.0f))
    return looklab_diag_set (diag, LOOKLAB_ERR_ARG, 0,
                             "strength %g outside [0, 1]", (double) strength);
  if (max_side == 0)
    max_side = LOOKLAB_MATCH_DEFAULT_SIDE;
  longer = MAX (ref->width, ref->height);
  f = (longer + max_side - 1) / max_side;
  ow = (ref->width + f - 1) / f;
  oh = (ref->height + f - 1) / f;
  n = (size_t) ow * oh;
  pair->before = g_try_new (float, n * 3);
  pair->after = g_try_new (float, n * 3);
  pair->mask = g_try_new (unsigned char, n);
  if (pair->before == NULL || pair->after == NULL || pair->mask == NULL)
    {
      looklab_match_pair_clear (pair);
      return looklab_diag_set (diag, LOOKLAB_ERR_NOMEM, 0,
                               "no memory for a %d x %d pair", ow, oh);
    }
  pair->width = ow;
  pair->height = oh;
  /* Both passes read every pixel once (a 24 MP reference: 24 M reads, and
   * up to a million CIEDE2000s): split by rows over the threads. */
  if (n_threads <= 0)
    n_threads = (int) g_get_num_processors ();
  n_jobs = MIN (MIN (n_threads, MAX_THREADS), oh);
  for (t = 0; t < n_jobs; t++)
    {
      jobs[t].ref = ref;
      jobs[t].f = f;
      jobs[t].ow = ow;
      jobs[t].first_row = (int) ((gint64) oh * t / n_jobs);
      jobs[t].last_row = (int) ((gint64) oh * (t + 1) / n_jobs);
      jobs[t].after = pair->after;
      jobs[t].before = pair->before;
      jobs[t].mask = pair->mask;
    }
  run_rows (shrink_rows, jobs, n_jobs);
  for (t = 0; t < n_jobs; t++)
    opaque += jobs[t].opaque;
  if (opaque == 0)
    {
      looklab_match_pair_clear (pair);
      return looklab_diag_set (diag, LOOKLAB_ERR_EMPTY, 0,
                               "the reference is fully transparent");
    }

  status = looklab_neutralizer_predict (
      nz, pair->after, ow, oh, (size_t) ow * 3, n_threads, &lut, NULL, diag);
  if (status == LOOKLAB_OK)
    status = looklab_lut_apply (
        lut, LOOKLAB_PIXEL_RGB_FLOAT, LOOKLAB_INTERP_TRILINEAR, 1.0f,
        pair->after, (size_t) ow * 3 * sizeof (float), pair->before,
        (size_t) ow * 3 * sizeof (float), ow, oh, n_threads);
  looklab_lut_free (lut);
  if (status != LOOKLAB_OK)
    {
      looklab_match_pair_clear (pair);
      if (diag != NULL && diag->message[0] == '\0')
        looklab_diag_set (diag, status, 0, "cannot neutralize the reference");
      return status;
    }
  run_rows (moved_rows, jobs, n_jobs);
  for (t = 0; t < n_jobs; t++)
    {
      pair->moved_de00 += jobs[t].sum;
      pair->moved_max_de00 = MAX (pair->moved_max_de00, jobs[t].max);
    }
  pair->moved_de00 /= (double) opaque;
  if (strength < 1.0f)
    for (i = 0; i < n * 3; i++)
      pair->after[i]
          = pair->before[i] + strength * (pair->after[i] - pair->before[i]);
  return LOOKLAB_OK;
}
