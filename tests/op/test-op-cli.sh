#!/usr/bin/env bash
# tests/op/test-op-cli.sh GEGL LOOKLAB TEST_OP SOURCE_ROOT
#
# (TEST_OP writes the look file; the images are compared in Python with
# numpy and PIL, which start faster than another GEGL.)
#
# looklab:apply in gegl's own command line (found through GEGL_PATH, set by
# tests/op/meson.build) against `looklab apply` on the same photo: within
# one 8-bit level.  A missing or malformed file passes the photo through
# with a warning and exit status 0.  Prints TAP.
set -u
gegl=$1 looklab=$2 test_op=$3 top=$4
photo=$top/data/sample/ladybird.png

source "$top/tests/cli/tap.sh"

# A cube with every lattice cell different (the invert of a gamma curve),
# written as text so the test needs nothing else.
cube=$work/curvy.cube
{
  echo "LUT_3D_SIZE 5"
  for b in 0 1 2 3 4; do for g in 0 1 2 3 4; do for r in 0 1 2 3 4; do
    awk -v r="$r" -v g="$g" -v b="$b" 'BEGIN {
      printf "%.6f %.6f %.6f\n", (r / 4) ^ 0.7, 1 - (g / 4) ^ 1.5, 0.2 + 0.6 * b / 4 * (r + 1) / 5 }'
  done; done; done
} > "$cube"
"$test_op" write-look "$work/warm.look" || not_ok "write a look file"

compare () { # A B MAX: same size, RGB within MAX levels (-1: must differ)
  python3 - "$@" <<'PY'
import sys
import numpy as np
from PIL import Image
a, b = (np.asarray(Image.open(p).convert("RGB"), dtype=int) for p in sys.argv[1:3])
limit = int(sys.argv[3])
worst = int(abs(a - b).max()) if a.shape == b.shape else 999
print(f"# {sys.argv[1]} vs {sys.argv[2]}: largest difference {worst}")
sys.exit(worst == 0 if limit < 0 else worst > limit)
PY
}

check_apply () { # NAME FILE GEGL-ARGS... / LOOKLAB-ARGS are after --
  local name=$1 file=$2; shift 2
  local gegl_args=() cli_args=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do gegl_args+=("$1"); shift; done
  shift
  cli_args=("$@")
  if "$gegl" "$photo" -o "$work/$name-gegl.png" -- looklab:apply "file=$file" \
       "${gegl_args[@]}" 2> "$work/$name.err" \
     && "$looklab" apply "${cli_args[@]}" "$file" "$photo" "$work/$name-cli.png" \
     && compare "$work/$name-gegl.png" "$work/$name-cli.png" 1 \
     && compare "$work/$name-gegl.png" "$photo" -1 \
     && ! grep -q "looklab:apply" "$work/$name.err"; then
    ok "gegl CLI = looklab CLI: $name"
  else
    cat "$work/$name.err"
    not_ok "gegl CLI = looklab CLI: $name"
  fi
}

check_apply cube "$cube" --
check_apply cube-trilinear-half "$cube" interpolation=trilinear strength=0.5 \
  -- --interp=trilinear --strength=0.5
check_apply look "$work/warm.look" --

check_passthrough () { # NAME FILE WARNING
  local name=$1 file=$2 warning=$3
  if "$gegl" "$photo" -o "$work/$name.png" -- looklab:apply "file=$file" \
       2> "$work/$name.err" \
     && compare "$work/$name.png" "$photo" 0 \
     && grep -q "looklab:apply: .*$warning" "$work/$name.err"; then
    ok "passes through with a warning: $name"
  else
    cat "$work/$name.err"
    not_ok "passes through with a warning: $name"
  fi
}

printf 'LUT_3D_SIZE 2\n0 0 0\n0 zero 1\n' > "$work/bad.cube"
check_passthrough missing "$work/no-such.cube" "cannot open"
check_passthrough malformed "$work/bad.cube" "line 3"

# The operation is listed with its category, as GIMP's GEGL Operation tool
# and filter browser show it.
"$gegl" --info looklab:apply > "$work/info.txt" 2>&1
if grep -q "categories *color" "$work/info.txt" \
   && grep -q "op-version *1:0" "$work/info.txt"; then
  ok "gegl --info: category color, op-version 1:0"
else
  not_ok "gegl --info: category color, op-version 1:0"
fi

tap_done
