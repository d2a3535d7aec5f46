/* LookLab GIMP 3 plug-in: the background fit behind the Learn and Match
 * dialogs' live previews.  A worker thread fits a look on reduced copies
 * (the dialog stays responsive) and bakes it for the preview; a GLib
 * timeout polls it, shows its progress in the preview's status line, joins
 * it and fits again when the arguments changed meanwhile.  What is fitted
 * and what the status line says come from the procedure
 * (LookLabPreviewFitFuncs). */
#include <string.h>

#include "looklab-plugin.h"
#include "looklab-ui.h"

void
looklab_preview_fit_init (LookLabPreviewFit            *fit,
                          const LookLabPreviewFitFuncs *funcs, gpointer data)
{
  memset (fit, 0, sizeof (*fit));
  fit->funcs = funcs;
  fit->data = data;
}

int
looklab_preview_fit_progress (double fraction, void *user_data)
{
  LookLabPreviewFit *fit = user_data;

  g_atomic_int_set (&fit->progress, (gint) (fraction * 1000));
  return g_atomic_int_get (&fit->cancel);
}

static gpointer
fit_thread (gpointer data)
{
  LookLabPreviewFit *fit = data;

  fit->status = fit->funcs->fit (fit->data, fit, &fit->look);
  if (fit->status == LOOKLAB_OK)
    {
      looklab_look_get_info (fit->look, &fit->info);
      fit->lut = looklab_look_bake (fit->look, LOOKLAB_PREVIEW_BAKE_SIZE, 0);
    }
  g_atomic_int_set (&fit->done, 1);
  return NULL;
}

/* Waits for the worker, then lets the procedure free what it read. */
static void
fit_join (LookLabPreviewFit *fit)
{
  if (fit->thread != NULL)
    {
      g_thread_join (fit->thread);
      fit->thread = NULL;
    }
  fit->funcs->release (fit->data);
}

static gboolean
fit_poll (gpointer data)
{
  LookLabPreviewFit *fit = data;
  gchar             *text;

  if (!g_atomic_int_get (&fit->done))
    {
      text = fit->funcs->progress_text (g_atomic_int_get (&fit->progress) / 10);
      looklab_ui_set_status (fit->preview, text);
      g_free (text);
      return G_SOURCE_CONTINUE;
    }

  fit_join (fit);
  fit->timeout_id = 0;

  if (fit->pending)
    {
      /* The arguments changed meanwhile: fit again. */
      fit->pending = FALSE;
      g_clear_pointer (&fit->key, g_free);
    }
  else
    {
      if (fit->status == LOOKLAB_OK)
        text = fit->funcs->fitted_text (fit->data, &fit->info);
      else
        text = fit->funcs->failed_text (fit->status);
      looklab_ui_set_status (fit->preview, text);
      g_free (text);
    }

  gimp_preview_invalidate (fit->preview);
  return G_SOURCE_REMOVE;
}

gboolean
looklab_preview_fit_begin (LookLabPreviewFit *fit, const gchar *key)
{
  if (g_strcmp0 (key, fit->key) == 0)
    return FALSE;

  if (fit->thread != NULL)
    {
      /* Stop the stale fit; the poll restarts with the new key. */
      g_atomic_int_set (&fit->cancel, 1);
      fit->pending = TRUE;
      return FALSE;
    }

  g_free (fit->key);
  fit->key = g_strdup (key);
  g_clear_pointer (&fit->look, looklab_look_free);
  g_clear_pointer (&fit->lut, looklab_lut_free);
  return TRUE;
}

void
looklab_preview_fit_start (LookLabPreviewFit *fit)
{
  g_atomic_int_set (&fit->progress, 0);
  g_atomic_int_set (&fit->cancel, 0);
  g_atomic_int_set (&fit->done, 0);
  fit->thread = g_thread_new (fit->funcs->thread_name, fit_thread, fit);
  fit->timeout_id = g_timeout_add (150, fit_poll, fit);
}

void
looklab_preview_fit_clear (LookLabPreviewFit *fit)
{
  g_atomic_int_set (&fit->cancel, 1);
  fit_join (fit);
  if (fit->timeout_id != 0)
    g_source_remove (fit->timeout_id);
  fit->timeout_id = 0;
  fit->pending = FALSE;
  g_clear_pointer (&fit->look, looklab_look_free);
  g_clear_pointer (&fit->lut, looklab_lut_free);
  g_clear_pointer (&fit->key, g_free);
}

const LookLabLook *
looklab_preview_fit_look (const LookLabPreviewFit *fit)
{
  /* While a worker runs, look and lut are its own. */
  return fit->thread == NULL ? fit->look : NULL;
}

const LookLabLut *
looklab_preview_fit_lut (const LookLabPreviewFit *fit)
{
  return fit->thread == NULL ? fit->lut : NULL;
}
