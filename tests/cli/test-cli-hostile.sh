#!/usr/bin/env bash
# The looklab CLI against hostile input (issue 25): truncated, damaged and
# lying images, FIFOs and folders, a .cube with a BOM or non-finite numbers,
# learn's OUT over its inputs, EXIF orientation.  Each refusal must say
# what is wrong and leave OUT alone.  Needs no ImageMagick (fixtures come
# from hostile-fixtures.py), so it runs on a bare host build too.
# Prints TAP.  Usage: test-cli-hostile.sh LOOKLAB SOURCE_ROOT PYTHON EXIF(yes|no)
set -uo pipefail
looklab=$1
src=$2
python=$3
have_exif=$4
sample=$src/data/sample
fixtures=$(dirname "$0")/hostile-fixtures.py
. "$(dirname "$0")/tap.sh"
fx () { "$python" "$fixtures" "$@"; }
check () { # check NAME CMD...: passes when CMD succeeds
  local name=$1; shift
  if "$@" >"$work/last.log" 2>&1; then ok "$name"; else not_ok "$name"; sed 's/^/# /' "$work/last.log"; fi
}
# $cap: a shell prefix giving a command 10 CPU seconds and 2 GB of memory.
# Under AddressSanitizer, which reserves terabytes of address space for its
# shadow, ulimit -v cannot apply: ASan's own hard RSS limit caps it instead.
# (Not "ldd | grep -q": grep -q may exit before ldd has written everything,
# and under pipefail ldd's SIGPIPE then reads as "no ASan".)
if [[ $(ldd "$looklab" 2>/dev/null) == *libasan* ]]; then
  cap="ulimit -t 10; export ASAN_OPTIONS=\"\${ASAN_OPTIONS:-}:hard_rss_limit_mb=2000\";"
else
  cap="ulimit -t 10; ulimit -v 2000000;"
fi
# refused NAME PATTERN CMD...: CMD must fail within 60 s saying PATTERN, and
# leave $work/out.* uncreated.
refused () {
  local name=$1 pattern=$2; shift 2
  rm -f "$work"/out.*
  timeout 60 "$@" >"$work/last.log" 2>&1
  local rc=$?
  if [ $rc = 0 ]; then
    not_ok "$name (succeeded)"; sed 's/^/# /' "$work/last.log"
  elif [ $rc = 124 ]; then
    not_ok "$name (hung: killed after 60 s)"
  elif ! grep -q -- "$pattern" "$work/last.log"; then
    not_ok "$name (message lacks '$pattern')"; sed 's/^/# /' "$work/last.log"
  elif compgen -G "$work/out.*" >/dev/null; then
    not_ok "$name (wrote OUT)"
  else
    ok "$name"
  fi
}

{
  echo 'LUT_3D_SIZE 2'
  for b in 0 1; do for g in 0 1; do for r in 0 1; do echo "$r $g $b"; done; done; done
} >"$work/id.cube"

# 2. Truncated, damaged and lying images: an error, before any image-sized
# memory is taken.
head -c 360000 "$sample/ladybird.png" >"$work/half.png"
refused "a truncated PNG is an error" "truncated" \
  "$looklab" apply "$work/id.cube" "$work/half.png" "$work/out.png"
refused "learn refuses a truncated PNG" "truncated" \
  "$looklab" learn "$work/half.png" "$sample/ladybird.png" -o "$work/out.look"
fx flip-byte "$sample/ladybird.png" "$work/flipped.png" 300000
refused "a PNG with a flipped byte is an error (CRC)" "checksum" \
  "$looklab" apply "$work/id.cube" "$work/flipped.png" "$work/out.png"
fx png-bomb "$work/bomb.png" 16000 16000
# Refused in little CPU time and memory (it took 30 s and 1.3 GB): capped
# at 10 CPU seconds (not wall time, which a loaded machine stretches) and
# 2 GB of address space, far below what decoding would take.
refused "a small PNG claiming 16000 x 16000 is refused at once" "16000 x 16000" \
  sh -c "$cap exec '$looklab' apply '$work/id.cube' '$work/bomb.png' '$work/out.png'"
fx png-bomb "$work/huge.png" 17000 17000
refused "an image over the size limit is refused by its header" "megapixels" \
  "$looklab" apply "$work/id.cube" "$work/huge.png" "$work/out.png"

"$looklab" apply "$work/id.cube" "$sample/ladybird.png" "$work/lady.jpg"
check "a whole JPEG is read" "$looklab" apply "$work/id.cube" "$work/lady.jpg" "$work/lady-out.png"
fx jpeg-pad "$work/lady.jpg" "$work/padded.jpg"
check "a JPEG with stray bytes between segments is still read" \
  "$looklab" apply "$work/id.cube" "$work/padded.jpg" "$work/padded-out.png"
size=$(stat -c %s "$work/lady.jpg")
head -c $((size / 2)) "$work/lady.jpg" >"$work/half.jpg"
refused "a truncated JPEG is an error" "truncated" \
  "$looklab" apply "$work/id.cube" "$work/half.jpg" "$work/out.png"
head -c 300 "$work/lady.jpg" >"$work/head.jpg"
refused "a JPEG cut in its headers is an error, not a hang" "truncated" \
  "$looklab" apply "$work/id.cube" "$work/head.jpg" "$work/out.png"
fx jpeg-size "$work/lady.jpg" "$work/bomb.jpg" 16000 16000
refused "a 110 KB JPEG claiming 16000 x 16000 is refused at once" "cannot hold" \
  sh -c "$cap exec '$looklab' apply '$work/id.cube' '$work/bomb.jpg' '$work/out.png'"
printf 'P6\n4000 4000\n255\n' >"$work/short.ppm"
head -c 1000 /dev/zero >>"$work/short.ppm"
refused "a PPM shorter than its header says is an error" "truncated" \
  "$looklab" apply "$work/id.cube" "$work/short.ppm" "$work/out.png"

# 3. A FIFO or a folder is refused at once, and named for what it is.
mkfifo "$work/f.cube" "$work/f.look" "$work/f.png"
refused "info on a FIFO" "not a regular file" "$looklab" info "$work/f.cube"
refused "apply with a FIFO as the LUT" "not a regular file" \
  "$looklab" apply "$work/f.cube" "$sample/ladybird.png" "$work/out.png"
refused "bake a FIFO" "not a regular file" "$looklab" bake "$work/f.look" -o "$work/out.cube"
refused "apply with a FIFO as IN" "not a regular file" \
  "$looklab" apply "$work/id.cube" "$work/f.png" "$work/out.png"
mkdir "$work/dir.png"
refused "a folder as IN is named a folder" "folder" \
  "$looklab" apply "$work/id.cube" "$work/dir.png" "$work/out.png"
refused "a missing IN is still 'no such file'" "no such file" \
  "$looklab" apply "$work/id.cube" "$work/missing.png" "$work/out.png"

# 1. and 10. The .cube reader: a BOM is read; NaN, 1e308 and binary files
# are named for what they are.
{ printf '\xef\xbb\xbf'; cat "$work/id.cube"; } >"$work/bom.cube"
check "a .cube with a UTF-8 BOM is read" sh -c "'$looklab' info '$work/bom.cube' | grep -q '2^3'"
check "... and applied" "$looklab" apply "$work/bom.cube" "$sample/ladybird.png" "$work/bom-out.png"
sed '3s/.*/nan 0 0/' "$work/id.cube" >"$work/nan.cube"
refused "NaN in a .cube is named" "not finite" \
  "$looklab" apply "$work/nan.cube" "$sample/ladybird.png" "$work/out.png"
sed '3s/.*/1e308 0 0/' "$work/id.cube" >"$work/big.cube"
refused "1e308 in a .cube is named" "beyond 1e9" "$looklab" info "$work/big.cube"
refused "info on a PNG says binary data" "binary data" "$looklab" info "$sample/ladybird.png"
fx quadrant-png "$work/quad.png"
"$looklab" learn --align none --threads 1 "$work/quad.png" "$work/quad.png" -o "$work/garden.look" 2>/dev/null
fx flip-byte "$work/garden.look" "$work/bad-magic.look" 0
refused "info on a look with a damaged magic says binary data" "binary data" \
  "$looklab" info "$work/bad-magic.look"
refused "--threads=-1 is named" "threads must be" \
  "$looklab" apply --threads=-1 "$work/id.cube" "$sample/ladybird.png" "$work/out.png"
refused "learn --threads -1 is named" "threads must be" \
  "$looklab" learn --threads -1 "$sample/garden-before.png" "$sample/garden-after.png" -o "$work/out.look"

# 8. learn never writes over its inputs, nor a look named like an image.
cp "$sample/garden-before.png" "$work/before.png"
cp "$sample/garden-after.png" "$work/after.png"
refused "learn -o BEFORE is refused" "input images" \
  "$looklab" learn "$work/before.png" "$work/after.png" -o "$work/before.png"
refused "learn -o AFTER by another name is refused" "input images" \
  "$looklab" learn "$work/before.png" "$work/after.png" -o "$work/../$(basename "$work")/after.png"
ln "$work/after.png" "$work/link.look"
refused "learn -o a hard link to AFTER is refused" "input images" \
  "$looklab" learn "$work/before.png" "$work/after.png" -o "$work/link.look"
check "BEFORE and AFTER are untouched" sh -c \
  "cmp '$work/before.png' '$sample/garden-before.png' && cmp '$work/after.png' '$sample/garden-after.png'"
refused "learn -o x.PNG (a look named like an image) is refused" "extension" \
  "$looklab" learn "$work/before.png" "$work/after.png" -o "$work/out.PNG"
refused "bake -o LOOK is refused" "look file itself" \
  "$looklab" bake "$work/garden.look" -o "$work/garden.look"
check "... and the look is untouched" "$looklab" info "$work/garden.look"

# 7. EXIF orientation: applied to the pixels (the savers write no EXIF).
"$looklab" apply "$work/id.cube" "$work/quad.png" "$work/quad.jpg"
fx exif-orientation "$work/quad.jpg" "$work/quad-6.jpg" 6
"$looklab" apply "$work/id.cube" "$work/quad.jpg" "$work/plain-out.png"
check "a JPEG without the tag keeps its shape" \
  sh -c "'$python' '$fixtures' png-pixel '$work/plain-out.png' 4 4 | awk '{ exit !(\$1 == 64 && \$2 == 32 && \$3 > 200 && \$5 < 60) }'"
if [ "$have_exif" = yes ]; then
  "$looklab" apply "$work/id.cube" "$work/quad-6.jpg" "$work/quad-6.png"
  # Turned 90 degrees clockwise: 32 x 64, the red corner now top right.
  check "orientation 6 is turned upright: 32 x 64, red top right" \
    sh -c "'$python' '$fixtures' png-pixel '$work/quad-6.png' 28 4 | awk '{ exit !(\$1 == 32 && \$2 == 64 && \$3 > 200 && \$5 < 60) }'"
  check "... blue top left" \
    sh -c "'$python' '$fixtures' png-pixel '$work/quad-6.png' 4 4 | awk '{ exit !(\$3 < 60 && \$5 > 200) }'"
  fx exif-orientation "$work/quad.jpg" "$work/quad-3.jpg" 3
  "$looklab" apply "$work/id.cube" "$work/quad-3.jpg" "$work/quad-3.png"
  check "orientation 3 is turned 180 degrees: red bottom right" \
    sh -c "'$python' '$fixtures' png-pixel '$work/quad-3.png' 60 28 | awk '{ exit !(\$1 == 64 && \$3 > 200 && \$5 < 60) }'"
  # The others: the red corner lands where EXIF 2.32 (tag 274) puts it.
  for c in "2 64 32 40 4" "4 64 32 4 28" "5 32 64 4 20" "7 32 64 20 60" "8 32 64 4 60"; do
    set -- $c
    fx exif-orientation "$work/quad.jpg" "$work/quad-$1.jpg" "$1"
    "$looklab" apply "$work/id.cube" "$work/quad-$1.jpg" "$work/quad-$1.png"
    check "orientation $1: $2 x $3, red at ($4, $5)" \
      sh -c "'$python' '$fixtures' png-pixel '$work/quad-$1.png' $4 $5 | awk '{ exit !(\$1 == $2 && \$2 == $3 && \$3 > 200 && \$5 < 60) }'"
  done
else
  ok "# SKIP orientation: built without libexif"
fi

tap_done
