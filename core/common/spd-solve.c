/* LookLab core: see spd-solve.h. */
#include "common/spd-solve.h"

#include <math.h>

int
looklab_solve_spd (double *a, double *b, int n)
{
  int i, j, k;

  for (j = 0; j < n; j++)
    {
      double d = a[j * n + j];

      for (k = 0; k < j; k++)
        d -= a[j * n + k] * a[j * n + k];
      if (!(d > 0.0))
        return -1;
      d = sqrt (d);
      a[j * n + j] = d;
      for (i = j + 1; i < n; i++)
        {
          double s = a[i * n + j];

          for (k = 0; k < j; k++)
            s -= a[i * n + k] * a[j * n + k];
          a[i * n + j] = s / d;
        }
    }
  for (i = 0; i < n; i++)
    {
      double s = b[i];

      for (k = 0; k < i; k++)
        s -= a[i * n + k] * b[k];
      b[i] = s / a[i * n + i];
    }
  for (i = n - 1; i >= 0; i--)
    {
      double s = b[i];

      for (k = i + 1; k < n; k++)
        s -= a[k * n + i] * b[k];
      b[i] = s / a[i * n + i];
    }
  return 0;
}
