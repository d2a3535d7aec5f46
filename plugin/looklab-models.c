/* LookLab GIMP 3 plug-in: where the bundled models are found (Colorize's
 * colorization model, Match's look neutralizer). */
#include "looklab-plugin.h"

gchar *
looklab_default_model_path (const gchar *env_name, const gchar *file_name)
{
  const gchar *env = g_getenv (env_name);
  const gchar *dirs[] = { LOOKLAB_MODELS_DIR, LOOKLAB_SOURCE_MODELS_DIR };
  gsize        i;

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  for (i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      gchar *path = g_build_filename (dirs[i], file_name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return path;
      g_free (path);
    }
  return NULL;
}
