#!/usr/bin/env bash
# The CLI never leaves a partial OUT: kill it (SIGKILL) at seeded random
# moments while it writes a large output, and check that OUT is then either
# what it was before or a complete image of the right size.
# Prints TAP.  Usage: test-cli-kill.sh LOOKLAB_BINARY
set -uo pipefail
looklab=$1
. "$(dirname "$0")/tap.sh"
RANDOM=20261125   # seeded: the same moments every run

# A 16-bit 3000x2000 frame: encoding it takes long enough to be hit.
convert -size 3000x2000 -depth 16 gradient:red-blue -attenuate 0.3 \
  +noise Gaussian "$work/big.png"
{
  echo 'LUT_3D_SIZE 2'
  for b in 0 1; do for g in 0 1; do for r in 0 1; do
    echo "$((1 - r)) $((1 - g)) $((1 - b))"; done; done; done
} >"$work/invert.cube"

# How long one full run takes, to spread the kills over it.
start=$(date +%s%N)
"$looklab" apply "$work/invert.cube" "$work/big.png" "$work/full.png"
full_ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "# one run takes ${full_ms} ms"

for i in $(seq 1 12); do
  out=$work/out.png
  if [ $((i % 2)) = 0 ]; then
    echo "previous" >"$out"          # an existing OUT must survive
  else
    rm -f "$out"                     # or no OUT must appear half-written
  fi
  delay=$(( RANDOM % (full_ms + 1) ))
  "$looklab" apply "$work/invert.cube" "$work/big.png" "$out" &
  pid=$!
  sleep "$(awk -v ms="$delay" 'BEGIN { printf "%.3f", ms / 1000 }')"
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  n=$((n + 1))
  if [ ! -e "$out" ]; then
    echo "ok $n - killed at ${delay} ms: no OUT"
  elif [ "$(cat "$out" 2>/dev/null | head -c 8)" = "previous" ]; then
    echo "ok $n - killed at ${delay} ms: previous OUT intact"
  elif [ "$(identify -format '%wx%h' "$out" 2>/dev/null)" = 3000x2000 ] \
       && [ "$(compare -metric AE "$out" "$work/full.png" null: 2>&1)" = 0 ]; then
    echo "ok $n - killed at ${delay} ms: OUT complete"
  else
    echo "not ok $n - killed at ${delay} ms: OUT is partial"
    failed=$((failed + 1))
  fi
  rm -rf "$work"/.out.png.*         # a killed writer's temporary folder
done
tap_done
