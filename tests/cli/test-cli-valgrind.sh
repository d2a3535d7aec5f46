#!/usr/bin/env bash
# Each looklab command once under valgrind's memcheck, on small images so
# that it stays quick: no invalid access, no use of an undefined value, no
# leak that valgrind calls definite (libraries' one-time initialisation
# aside: tests/valgrind.supp).  Failing commands too, since error paths
# are where cleanup goes wrong.  Prints TAP.
# Usage: test-cli-valgrind.sh LOOKLAB_BINARY SOURCE_ROOT
set -uo pipefail
looklab=$1
src=$2
. "$(dirname "$0")/tap.sh"
vg=(valgrind -q --error-exitcode=99 --leak-check=full
    --errors-for-leak-kinds=definite --show-leak-kinds=definite
    --suppressions="$src/tests/valgrind.supp")

# run NAME WANT CMD...: CMD under valgrind must exit WANT (0 or 1) with no
# valgrind error (its exit code would be 99).
run () {
  local name=$1 want=$2 rc; shift 2
  "${vg[@]}" "$@" >"$work/last.log" 2>&1
  rc=$?
  n=$((n + 1))
  if [ "$rc" = "$want" ]; then
    echo "ok $n - $name"
  else
    failed=$((failed + 1))
    echo "not ok $n - $name (exit $rc, wanted $want)"
    sed 's/^/# /' "$work/last.log" | head -60
  fi
}

convert "$src/data/sample/garden-before.png" -resize 48x32! "$work/before.png"
convert "$src/data/sample/garden-after.png" -resize 48x32! "$work/after.png"
convert "$work/before.png" -depth 16 "$work/before16.png"
convert "$src/data/sample/garden-before.png" -resize 50% "$work/mid.png"
convert "$src/data/sample/garden-after.png" -roll +2+1 -resize 25% "$work/shifted.png"
# two hint pixels: the after image's colour, opaque there, clear elsewhere
convert "$work/after.png" -alpha set \( -size 48x32 xc:black -fill white \
  -draw 'point 5,5' -draw 'point 30,20' \) -compose CopyOpacity -composite \
  "$work/hints.png"
printf 'LUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n' \
  >"$work/truncated.cube"
echo 'not an image' >"$work/text.png"

run "learn (look file)" 0 "$looklab" learn --align none "$work/before.png" "$work/after.png" -o "$work/l.look"
run "learn an unaligned pair" 0 "$looklab" learn "$work/mid.png" "$work/shifted.png" -o "$work/s.look"
run "learn (.cube)" 0 "$looklab" learn --align none "$work/before.png" "$work/after.png" -o "$work/l.cube" --size 9
run "bake" 0 "$looklab" bake "$work/l.look" -o "$work/b.cube" --size 17
run "info" 0 "$looklab" info "$work/l.look"
run "apply a look, 16-bit" 0 "$looklab" apply "$work/l.look" "$work/before16.png" "$work/o16.png"
run "apply a .cube, trilinear, strength 0.5" 0 "$looklab" apply "$work/l.cube" "$work/before.png" "$work/o8.png" --interp trilinear --strength 0.5
run "colorize with hints (tiny model)" 0 "$looklab" colorize "$work/before.png" "$work/c.png" --model "$src/tests/core/data/tiny-model.safetensors" --hints "$work/hints.png"
run "bench apply" 0 "$looklab" bench apply "$work/l.cube" --width 64 --height 64 --threads 2
run "truncated .cube refused" 1 "$looklab" apply "$work/truncated.cube" "$work/before.png" "$work/x.png"
run "not an image refused" 1 "$looklab" apply "$work/l.cube" "$work/text.png" "$work/x.png"
run "truncated model refused" 1 "$looklab" colorize "$work/before.png" "$work/x.png" --model "$work/l.cube"
run "pair of different sizes refused" 1 "$looklab" learn "$work/before.png" "$src/data/sample/garden-after.png" -o "$work/x.look"

tap_done
