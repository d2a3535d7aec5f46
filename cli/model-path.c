/* looklab: where the CLI finds a bundled model (colorize, match). */
#include <glib.h>

#include "looklab-cli.h"

char *
looklab_cli_find_model (const char *env_name, const char *file_name)
{
  const char *const *dirs;
  const char        *env = g_getenv (env_name);
  const char *built_in[] = { LOOKLAB_MODELS_DIR, LOOKLAB_SOURCE_MODELS_DIR };
  char       *path;
  size_t      i;

  if (env != NULL && *env != '\0')
    return g_strdup (env);
  for (i = 0; i < G_N_ELEMENTS (built_in); i++)
    {
      path = g_build_filename (built_in[i], file_name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return path;
      g_free (path);
    }
  for (dirs = g_get_system_data_dirs (); *dirs != NULL; dirs++)
    {
      path = g_build_filename (*dirs, "looklab", "models", file_name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return path;
      g_free (path);
    }
  return NULL;
}
