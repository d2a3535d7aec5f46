/* LookLab core: a small dense linear solve, for the least-squares fits of
 * the spatial parts of a look (a few dozen unknowns at most). */
#ifndef LOOKLAB_SPD_SOLVE_H
#define LOOKLAB_SPD_SOLVE_H

/* Solves the symmetric positive definite @n x @n system A x = b in place
 * (Cholesky; b becomes x).  Returns 0, or -1 when A is not positive
 * definite. */
int looklab_solve_spd (double *a, double *b, int n);

#endif
