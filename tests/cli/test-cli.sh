#!/usr/bin/env bash
# End-to-end tests of the looklab CLI on the bundled sample: every command,
# precision and alpha kept, and bad input refused with OUT left untouched.
# Prints TAP.  Usage: test-cli.sh LOOKLAB_BINARY SOURCE_ROOT
set -uo pipefail
looklab=$1
src=$2
sample=$src/data/sample
. "$(dirname "$0")/tap.sh"
check () { # check NAME CMD...: passes when CMD succeeds
  local name=$1; shift
  if "$@" >"$work/last.log" 2>&1; then ok "$name"; else not_ok "$name"; sed 's/^/# /' "$work/last.log"; fi
}
check_fails () { # check_fails NAME PATTERN CMD...: CMD must fail, saying PATTERN
  local name=$1 pattern=$2; shift 2
  if "$@" >"$work/last.log" 2>&1; then
    not_ok "$name (succeeded)"; sed 's/^/# /' "$work/last.log"
  elif ! grep -q -- "$pattern" "$work/last.log"; then
    not_ok "$name (message lacks '$pattern')"; sed 's/^/# /' "$work/last.log"
  else
    ok "$name"
  fi
}
same_pixels () { [ "$(compare -metric AE "$1" "$2" null: 2>&1)" = 0 ]; }
depth_of () { identify -format '%z' "$1"; }

# A .cube that inverts, and an identity one, written as text by hand.
{
  echo 'TITLE "invert"'; echo 'LUT_3D_SIZE 2'
  for b in 0 1; do for g in 0 1; do for r in 0 1; do
    echo "$((1 - r)) $((1 - g)) $((1 - b))"; done; done; done
} >"$work/invert.cube"
{
  echo 'LUT_3D_SIZE 2'
  for b in 0 1; do for g in 0 1; do for r in 0 1; do echo "$r $g $b"; done; done; done
} >"$work/identity.cube"
head -n 5 "$work/invert.cube" >"$work/truncated.cube"
sed '4s/.*/0 0 zero/' "$work/invert.cube" >"$work/bad-number.cube"

check "info on a .cube" sh -c "'$looklab' info '$work/invert.cube' | grep -q '2^3'"
check "identity .cube leaves 8-bit pixels exact" sh -c \
  "'$looklab' apply '$work/identity.cube' '$sample/ladybird.png' '$work/id.png' && \
   [ \"\$(compare -metric AE '$sample/ladybird.png' '$work/id.png' null: 2>&1)\" = 0 ]"
check "8-bit input gives 8-bit output" [ "$(depth_of "$work/id.png")" = 8 ]

convert "$sample/ladybird.png" -resize 25% -depth 16 "$work/deep.png"
check "16-bit input gives 16-bit output" sh -c \
  "'$looklab' apply '$work/identity.cube' '$work/deep.png' '$work/deep-out.png' && \
   [ \"\$(identify -format %z '$work/deep-out.png')\" = 16 ]"
check "identity .cube leaves 16-bit pixels exact" same_pixels "$work/deep.png" "$work/deep-out.png"

convert "$sample/ladybird.png" -resize 25% \( +clone -fx 'i/w' \) \
  -alpha off -compose CopyOpacity -composite "$work/alpha.png" >/dev/null 2>&1
check "invert keeps alpha" sh -c \
  "'$looklab' apply '$work/invert.cube' '$work/alpha.png' '$work/alpha-out.png' && \
   convert '$work/alpha.png' -alpha extract '$work/a1.png' && \
   convert '$work/alpha-out.png' -alpha extract '$work/a2.png' && \
   [ \"\$(compare -metric AE '$work/a1.png' '$work/a2.png' null: 2>&1)\" = 0 ]"
check "invert inverts" sh -c \
  "convert '$work/alpha.png' -alpha off -negate '$work/neg.png' && \
   convert '$work/alpha-out.png' -alpha off '$work/got.png' && \
   [ \"\$(compare -metric AE '$work/neg.png' '$work/got.png' null: 2>&1)\" = 0 ]"

check "strength 0 is the original" sh -c \
  "'$looklab' apply --strength 0 '$work/invert.cube' '$sample/ladybird.png' '$work/s0.png' && \
   [ \"\$(compare -metric AE '$sample/ladybird.png' '$work/s0.png' null: 2>&1)\" = 0 ]"

# Learning on the sample pair.
check "learn a look file" "$looklab" learn "$sample/garden-before.png" \
  "$sample/garden-after.png" -o "$work/garden.look"
check "a new look file gets the usual mode, not a private one" [ \
  "$(stat -c %a "$work/garden.look")" = "$(printf %o $((0666 & ~0$(umask))))" ]
check "info reports an in-sample dE00 below 1" sh -c \
  "'$looklab' info '$work/garden.look' | tee /dev/stderr | \
   awk '/in-sample mean dE00/ { exit !(\$NF < 1.0) }'"
check "learn straight to .cube" "$looklab" learn --size 17 \
  "$sample/garden-before.png" "$sample/garden-after.png" -o "$work/garden.cube"
check "the learned .cube is 17^3" sh -c "'$looklab' info '$work/garden.cube' | grep -q '17^3'"
check "learning is deterministic" sh -c \
  "'$looklab' learn '$sample/garden-before.png' '$sample/garden-after.png' -o '$work/again.look' && \
   cmp '$work/garden.look' '$work/again.look'"
check "bake a look" "$looklab" bake "$work/garden.look" -o "$work/baked.cube" --size 9
check "the baked .cube is 9^3" sh -c "'$looklab' info '$work/baked.cube' | grep -q '9^3'"
check "apply a look file" "$looklab" apply "$work/garden.look" \
  "$sample/ladybird.png" "$work/ladybird-look.png"
check "the look changed the photo" sh -c \
  "[ \"\$(compare -metric AE '$sample/ladybird.png' '$work/ladybird-look.png' null: 2>&1)\" != 0 ]"

# Spatial parts (issue 22): a version 2 look from the fuzz corpus (the
# garden look plus a vignette and a local-contrast part).
spatial=$src/tests/fuzz/corpus/look/garden-spatial.look
check "info of a learned look without spatial parts says so, and lists its curves" sh -c \
  "'$looklab' info '$work/garden.look' | grep -q 'file version 3' && \
   '$looklab' info '$work/garden.look' | grep -q 'a tone curve per channel, 16 knots' && \
   '$looklab' info '$work/garden.look' | grep -q 'global colour only'"
check "info of a version 1 look (the fuzz corpus) lists no curves" sh -c \
  "'$looklab' info '$src/tests/fuzz/corpus/look/garden-small.look' | grep -q 'file version 1' && \
   ! '$looklab' info '$src/tests/fuzz/corpus/look/garden-small.look' | grep -q 'tone curve'"
check "info lists the spatial parts of a version 2 look" sh -c \
  "'$looklab' info '$spatial' | grep -q 'file version 2' && \
   '$looklab' info '$spatial' | grep -q 'radial part (vignette): 8 knots' && \
   '$looklab' info '$spatial' | grep -q 'local-contrast part'"
field=$src/tests/fuzz/corpus/look/garden-field.look
check "info lists the position field of a version 4 look" sh -c \
  "'$looklab' info '$field' | grep -q 'file version 4' && \
   '$looklab' info '$field' | grep -q 'position field: 7 x 7 nodes'"
check "apply a look with a position field: the left of the photo warmer than the right" sh -c \
  "'$looklab' apply '$field' '$sample/ladybird.png' '$work/ladybird-field.png' && \
   l=\$(magick '$work/ladybird-field.png' -crop 10%x100%+0+0 -format '%[fx:mean.r-mean.b]' info:) && \
   r=\$(magick '$work/ladybird-field.png' -gravity east -crop 10%x100%+0+0 -format '%[fx:mean.r-mean.b]' info:) && \
   l0=\$(magick '$sample/ladybird.png' -crop 10%x100%+0+0 -format '%[fx:mean.r-mean.b]' info:) && \
   r0=\$(magick '$sample/ladybird.png' -gravity east -crop 10%x100%+0+0 -format '%[fx:mean.r-mean.b]' info:) && \
   awk -v l=\$l -v r=\$r -v l0=\$l0 -v r0=\$r0 'BEGIN { exit !((l - l0) - (r - r0) > 0.1) }'"
check "bake of a look with spatial parts writes the global part and says so" \
  sh -c "'$looklab' bake '$spatial' -o '$work/spatial.cube' --size 9 2>'$work/bake.err' && \
   grep -q 'cannot hold' '$work/bake.err' && test -s '$work/spatial.cube'"
check "bake of a look without spatial parts says nothing" sh -c \
  "'$looklab' bake '$work/garden.look' -o '$work/plain.cube' --size 9 2>'$work/bake.err' && \
   ! test -s '$work/bake.err'"
check "apply a look with spatial parts" "$looklab" apply "$spatial" \
  "$sample/ladybird.png" "$work/ladybird-spatial.png"
check "apply of all its parts differs from its .cube (global part only)" sh -c \
  "'$looklab' apply '$work/spatial.cube' '$sample/ladybird.png' '$work/ladybird-cube.png' && \
   ! [ \"\$(compare -metric AE '$work/ladybird-spatial.png' '$work/ladybird-cube.png' null: 2>&1)\" = 0 ]"
check "apply --strength 0 of a look with spatial parts keeps the photo" sh -c \
  "'$looklab' apply --strength 0 '$spatial' '$sample/ladybird.png' '$work/s0-spatial.png' && \
   [ \"\$(compare -metric AE '$sample/ladybird.png' '$work/s0-spatial.png' null: 2>&1)\" = 0 ]"

# Bad input: a clear message, a non-zero status, OUT untouched.
echo precious >"$work/keep.png"
check_fails "malformed .cube names the line" "line 4" \
  "$looklab" apply "$work/bad-number.cube" "$sample/ladybird.png" "$work/keep.png"
check "an existing OUT is unchanged after a failure" grep -qx precious "$work/keep.png"
check_fails "truncated .cube" "ends after" \
  "$looklab" apply "$work/truncated.cube" "$sample/ladybird.png" "$work/new.png"
check "no OUT is created after a failure" test ! -e "$work/new.png"
check_fails "missing input image" "no such file" \
  "$looklab" apply "$work/invert.cube" "$work/nothing.png" "$work/new.png"
check_fails "not an image" "not an image" \
  "$looklab" apply "$work/invert.cube" "$work/invert.cube" "$work/new.png"
convert "$sample/garden-after.png" -resize 50% "$work/half.png"
check_fails "pair of different sizes with --align none" "same photo" \
  "$looklab" learn --align none "$sample/garden-before.png" "$work/half.png" -o "$work/new.look"
check "no look written after a failure" test ! -e "$work/new.look"

# Registration (--align auto, the default).  corner_error LOG X Y W H:
# how far the found transform puts the after's corner (W, H) from (X, Y),
# from the line "aligned: ... scale S, rotation R degrees, corner (TX, TY)".
corner_error () {
  awk -v x="$2" -v y="$3" -v w="$4" -v h="$5" '/AFTER sits in BEFORE/ {
    gsub(/[(),;]/, " "); for (i = 1; i <= NF; i++) {
      if ($i == "scale") s = $(i + 1); if ($i == "rotation") r = $(i + 1)
      if ($i == "corner") { tx = $(i + 1); ty = $(i + 2) } }
    r *= 3.14159265358979 / 180
    u = tx + s * (cos(r) * w - sin(r) * h); v = ty + s * (sin(r) * w + cos(r) * h)
    print sqrt((u - x) ^ 2 + (v - y) ^ 2); found = 1 } END { if (!found) print 99 }' "$1"
}
check "an aligned pair learns the same bytes with --align auto and none" sh -c \
  "'$looklab' learn --align none '$sample/garden-before.png' '$sample/garden-after.png' -o '$work/none.look' && \
   '$looklab' learn --align auto '$sample/garden-before.png' '$sample/garden-after.png' -o '$work/auto.look' && \
   cmp '$work/none.look' '$work/auto.look'"
"$looklab" learn "$sample/garden-before.png" "$work/half.png" -o "$work/half.look" 2>"$work/half.log"
# (0.5 px of the after, the coarser image, is 1 px of the before.)
check "a half-size after is registered within half of its pixel" \
  awk 'BEGIN { exit !(ARGV[1] < 1.0) }' "$(corner_error "$work/half.log" 960 600 480 300)"
convert "$sample/garden-after.png" -roll +3+0 "$work/shift3.png"
"$looklab" learn "$sample/garden-before.png" "$work/shift3.png" -o "$work/shift3.look" 2>"$work/shift3.log"
check "a same-size after shifted by 3 px is not taken as aligned" grep -q "AFTER sits in BEFORE" "$work/shift3.log"
check "the 3 px shift is recovered within 0.5 px" \
  awk 'BEGIN { exit !(ARGV[1] < 0.5) }' "$(corner_error "$work/shift3.log" 957 600 960 600)"
convert "$sample/garden-after.png" -distort SRT '480,300 1 4 480,300' -gravity center \
  -crop 85%x85%+0+0 +repage -quality 85 "$work/reframed.jpg"
"$looklab" learn "$sample/garden-before.png" "$work/reframed.jpg" -o "$work/reframed.look" 2>/dev/null
"$looklab" apply "$work/reframed.look" "$sample/ladybird.png" "$work/lb-reframed.png"
"$looklab" apply "$work/auto.look" "$sample/ladybird.png" "$work/lb-aligned.png"
rmse=$(compare -metric RMSE "$work/lb-reframed.png" "$work/lb-aligned.png" null: 2>&1 | sed 's/.*(\(.*\))/\1/')
echo "# reframed vs aligned look on another photo: RMSE $rmse"
check "a rotated, cropped JPEG after learns a look close to the aligned one" \
  awk 'BEGIN { exit !(ARGV[1] < 0.02) }' "$rmse"
check_fails "different scenes are refused" "don't show the same scene" \
  "$looklab" learn "$sample/garden-before.png" "$sample/ladybird.png" -o "$work/new.look"
check "no look written after a refusal" test ! -e "$work/new.look"
convert "$sample/garden-after.png" -resize 48x30! "$work/tiny.png"
check_fails "an after under 64 px is refused" "too small" \
  "$looklab" learn "$sample/garden-before.png" "$work/tiny.png" -o "$work/new.look"
convert "$sample/garden-after.png" -fill black -colorize 100 "$work/black.png"
check_fails "an all-black after is refused" "no structure" \
  "$looklab" learn "$sample/garden-before.png" "$work/black.png" -o "$work/new.look"
check_fails "--align takes auto or none" "auto or none" \
  "$looklab" learn --align maybe "$sample/garden-before.png" "$sample/garden-after.png" -o "$work/new.look"
check "nothing written by the refusals" test ! -e "$work/new.look"
check_fails "a .cube is not a look to bake" "" \
  "$looklab" bake "$work/invert.cube" -o "$work/new.cube"
head -c 40 "$work/garden.look" >"$work/truncated.look"
check_fails "truncated look file" "" \
  "$looklab" apply "$work/truncated.look" "$sample/ladybird.png" "$work/new.png"
check_fails "unknown output type" "unknown image type" \
  "$looklab" apply "$work/invert.cube" "$sample/ladybird.png" "$work/new.xyz"
check_fails "strength out of range" "strength" \
  "$looklab" apply --strength 2 "$work/invert.cube" "$sample/ladybird.png" "$work/new.png"
check_fails "size out of range" "size" \
  "$looklab" bake "$work/garden.look" -o "$work/new.cube" --size 300
check "nothing was left behind" sh -c "! ls -A '$work' | grep -q '^\\.'"

tap_done
