/* The looklab command-line tool: subcommands shared between files. */
#ifndef LOOKLAB_CLI_H
#define LOOKLAB_CLI_H

#include <glib.h>

#include <babl/babl.h>

#include "image-io.h"
#include "look/look.h"

/* `looklab bench apply CUBE [--width W] [--height H] [--format F]
 * [--threads T] [--interp I] [--repeat R]`: prints LUT-application
 * throughput.  @argc/@argv start at the word after "apply".  Returns the
 * process exit status. */
int looklab_cli_bench_apply (int argc, char **argv);

/* `looklab colorize IN OUT [--model FILE] [--hints HINTS.png]
 * [--saturation S] [--threads T] [--timing]` (cli/colorize.c).  @argc/@argv
 * start at "colorize".  Returns the process exit status. */
int looklab_cli_colorize (int argc, char **argv);

/* `looklab match REFERENCE -o OUT [--model FILE] [--strength S]
 * [--size N] [--threads T] [--seed S] [--input-space SPACE]` (cli/match.c).
 * @argc/@argv start at "match".  Returns the process exit status. */
int looklab_cli_match (int argc, char **argv);

/* A bundled model's path (g_free), or NULL: $@env_name, then where meson
 * installs it (PREFIX/share/looklab/models), then the source tree's
 * data/models/ (a build tree), then the XDG system data directories'
 * looklab/models/.  The plug-in searches the same places
 * (plugin/looklab-colorize.c).  cli/model-path.c. */
char *looklab_cli_find_model (const char *env_name, const char *file_name);

/* Shared by learn and match (cli/looklab-cli.c). */
/* Prints "looklab: " and the message on stderr; returns EXIT_FAILURE. */
int looklab_cli_fail (const char *fmt, ...) G_GNUC_PRINTF (1, 2);

/* Whether OUT may be written as a look made from the images @in1, @in2
 * (not one of them, no image extension); else prints why. */
gboolean looklab_cli_look_output_ok (const char *out, const char *in1,
                                     const char *in2);

/* Writes @look to @out: baked to a @size^3 .cube titled @title when @out
 * ends in .cube, else a look file.  Returns the exit status (after
 * printing the error). */
int looklab_cli_write_look (const LookLabLook *look, const char *out,
                            const char *title, int size, int n_threads);

/* Converts @image into @look_space (float) unless it is there already;
 * prints the error and returns FALSE on failure. */
gboolean looklab_cli_to_look_space (LookLabImage *image,
                                    const Babl   *look_space);

/* The space named by --input-space (NULL: sRGB), or NULL after printing
 * the error. */
const Babl *looklab_cli_look_space_for (const char *name);

/* The thread count options: 0 is all cores; a negative count is refused
 * with a message. */
gboolean looklab_cli_threads_ok (int threads);

/* A fit's progress as a percentage on a terminal's stderr. */
int looklab_cli_progress_to_stderr (double fraction, void *user_data);

#endif /* LOOKLAB_CLI_H */
