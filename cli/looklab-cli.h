/* The looklab command-line tool: subcommands shared between files. */
#ifndef LOOKLAB_CLI_H
#define LOOKLAB_CLI_H

/* `looklab bench apply CUBE [--width W] [--height H] [--format F]
 * [--threads T] [--interp I] [--repeat R]`: prints LUT-application
 * throughput.  @argc/@argv start at the word after "apply".  Returns the
 * process exit status. */
int looklab_cli_bench_apply (int argc, char **argv);

/* `looklab colorize IN OUT [--model FILE] [--hints HINTS.png]
 * [--saturation S] [--threads T] [--timing]` (cli/colorize.c).  @argc/@argv
 * start at "colorize".  Returns the process exit status. */
int looklab_cli_colorize (int argc, char **argv);

#endif /* LOOKLAB_CLI_H */
