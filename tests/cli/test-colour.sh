#!/usr/bin/env bash
# Colour management in the looklab CLI (issue 25): one photo
# (data/sample/ladybird.png) as sRGB, Adobe RGB (icc-profiles-free's
# compatibleWithAdobeRGB1998.icc) and Display P3, as PNG and JPEG, and as a
# PNG with a gAMA chunk of 0.36, made at test time by icc-fixture (lcms2,
# libpng, libjpeg; no GEGL); also Adobe RGB as WebP and TIFF.  The same look applied to each must agree with
# the sRGB result, each seen through its profile, within 1.0 dE00 mean;
# looks learned from them must agree too.  Broken profiles and CMYK JPEGs
# are refused; --input-space rec709 and --output-profile srgb do what they
# say.  Prints TAP.
# Usage: test-colour.sh LOOKLAB ICC_FIXTURE SOURCE_ROOT ADOBE_ICC
set -uo pipefail
looklab=$1
fixture=$2
src=$3
adobe_icc=$4
. "$(dirname "$0")/tap.sh"

photo=$src/data/sample/ladybird.png
limit=1.0

# agrees NAME A B: mean dE00 between A and B, seen through their profiles,
# is below $limit (the figure goes to the TAP log).
agrees () {
  local name=$1 a=$2 b=$3 out
  if ! out=$("$fixture" de00 "$a" "$b" 2>&1); then
    not_ok "$name ($out)"; return
  fi
  echo "# $name: mean dE00 ${out% *}, max ${out#* }"
  if awk -v d="${out% *}" -v l="$limit" 'BEGIN { exit !(d < l) }'; then
    ok "$name"
  else
    not_ok "$name (mean dE00 ${out% *} >= $limit)"
  fi
}

# refused NAME PATTERN CMD...: CMD fails, says PATTERN, and writes nothing.
refused () {
  local name=$1 pattern=$2 rc; shift 2
  rm -f "$work/refused.png"
  "$@" >"$work/out.log" 2>&1
  rc=$?
  if [ "$rc" = 0 ] || ! grep -qF -- "$pattern" "$work/out.log" \
     || [ -e "$work/refused.png" ]; then
    not_ok "$name (exit $rc)"; sed 's/^/# /' "$work/out.log"
  else
    ok "$name"
  fi
}

# A real learned look, baked once (a look is baked at each apply).
look=$work/garden.cube
"$looklab" bake "$src/tests/fuzz/corpus/look/garden-small.look" -o "$look" \
  --size 33 || { echo "not ok 1 - cannot bake the look"; echo "1..1"; exit 1; }

for ext in png jpg; do
  "$fixture" make "$photo" srgb "$work/srgb.$ext" \
    && "$fixture" make "$photo" "adobe:$adobe_icc" "$work/adobe.$ext" \
    && "$fixture" make "$photo" p3 "$work/p3.$ext" \
    && "$fixture" make "$photo" broken "$work/broken.$ext" \
    || { echo "not ok 1 - cannot make the fixtures"; echo "1..1"; exit 1; }
done
"$fixture" make "$photo" gamma:0.36 "$work/gamma.png" \
  && "$fixture" make "$photo" cmyk "$work/cmyk.jpg" \
  || { echo "not ok 1 - cannot make the fixtures"; echo "1..1"; exit 1; }

# The look applied to every file; the output keeps the input's profile.
for f in srgb.png adobe.png p3.png gamma.png srgb.jpg adobe.jpg p3.jpg; do
  "$looklab" apply "$look" "$work/$f" "$work/out-$f" --threads 2 \
    || not_ok "apply to $f"
done
for f in adobe.png p3.png gamma.png; do
  agrees "apply: $f as sRGB" "$work/out-srgb.png" "$work/out-$f"
done
# A JPEG's own loss (quality 95, then the saver's 90) is about 0.9 dE00:
# JPEGs are compared with the sRGB JPEG's result.
for f in adobe.jpg p3.jpg; do
  agrees "apply: $f as sRGB" "$work/out-srgb.jpg" "$work/out-$f"
done

# WebP: GEGL's loader ignores the ICCP chunk, the CLI reads it.  The
# Adobe RGB values go into a WebP through the CLI (an identity LUT on a
# PNG without a profile), then get the profile wrapped around them.
printf 'LUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n1 1 1\n' \
  >"$work/identity.cube"
"$fixture" make "$photo" "bare-adobe:$adobe_icc" "$work/bare.png" \
  && "$looklab" apply "$work/identity.cube" "$work/bare.png" "$work/bare.webp" \
  && "$fixture" webp-iccp "$work/bare.webp" "$adobe_icc" "$work/adobe.webp" \
  && "$looklab" apply "$work/identity.cube" "$work/srgb.png" "$work/srgb.webp" \
  && "$looklab" apply "$look" "$work/adobe.webp" "$work/out-adobe-webp.png" \
  && "$looklab" apply "$look" "$work/srgb.webp" "$work/out-srgb-webp.png" \
  || not_ok "WebP fixtures"
agrees "apply: adobe.webp as sRGB" "$work/out-srgb-webp.png" \
  "$work/out-adobe-webp.png"

# A WebP output carries the input's profile too (GEGL's webp-save writes
# none; the CLI adds the ICCP chunk): read back, it agrees with the sRGB
# photo's WebP.
"$looklab" apply "$look" "$work/adobe.png" "$work/out-adobe.webp" \
  && "$looklab" apply "$look" "$work/srgb.png" "$work/out-srgb.webp" \
  && "$looklab" apply "$work/identity.cube" "$work/out-adobe.webp" \
       "$work/out-adobe-webp-back.png" \
  && "$looklab" apply "$work/identity.cube" "$work/out-srgb.webp" \
       "$work/out-srgb-webp-back.png" \
  || not_ok "WebP output"
if grep -qa ICCP "$work/out-adobe.webp"; then
  ok "WebP output: ICCP chunk"
else
  not_ok "WebP output: ICCP chunk"
fi
agrees "WebP output: as sRGB" "$work/out-srgb-webp-back.png" \
  "$work/out-adobe-webp-back.png"

# TIFF: the profile is written (tiff-save) and read back (tiff-load).
"$looklab" apply "$look" "$work/adobe.png" "$work/out-adobe.tif" \
  && "$looklab" apply "$work/identity.cube" "$work/out-adobe.tif" \
       "$work/out-adobe-tif.png" \
  || not_ok "TIFF round trip"
agrees "TIFF round trip: as sRGB" "$work/out-srgb.png" "$work/out-adobe-tif.png"

# A PNG output carries the profile alone: no gAMA beside an iCCP (the gAMA
# of 2.2 GEGL wrote contradicted it).
if grep -qa iCCP "$work/out-adobe.png" && ! grep -qa gAMA "$work/out-adobe.png"
then
  ok "PNG output: iCCP and no gAMA"
else
  not_ok "PNG output: iCCP and no gAMA"
fi

# --output-profile srgb: sRGB values, no profile needed to see them right.
"$looklab" apply "$look" "$work/adobe.png" "$work/srgb-out.png" \
  --output-profile srgb --threads 2
if grep -qa iCCP "$work/srgb-out.png"; then
  not_ok "--output-profile srgb writes no iCCP"
else
  ok "--output-profile srgb writes no iCCP"
fi
agrees "--output-profile srgb: as sRGB" "$work/out-srgb.png" \
  "$work/srgb-out.png"

# Learning: the look learned from the gAMA 0.36 pair (and the Adobe RGB
# pair) is the one learned from the sRGB pair.
for f in srgb.png gamma.png adobe.png; do
  "$looklab" learn "$work/$f" "$work/out-$f" -o "$work/learned-$f.look" \
    --hidden 8 --layers 1 --threads 2 2>/dev/null \
    && "$looklab" apply "$work/learned-$f.look" "$work/srgb.png" \
         "$work/relearned-$f" --threads 2 \
    || not_ok "learn from $f"
done
for f in gamma.png adobe.png; do
  agrees "learn: $f as sRGB" "$work/relearned-srgb.png" "$work/relearned-$f"
done

# --input-space rec709: a LUT that maps everything to 0.5 means a Rec.709
# 0.5, light 0.2596 (BT.709 inverse OETF), which sRGB stores as 139
# (127.5 when the LUT is in sRGB).
printf 'LUT_3D_SIZE 2\n' >"$work/grey.cube"
for i in 1 2 3 4 5 6 7 8; do echo '0.5 0.5 0.5' >>"$work/grey.cube"; done
"$looklab" apply "$work/grey.cube" "$work/srgb.png" "$work/grey709.png" \
  --input-space rec709
"$looklab" apply "$work/grey.cube" "$work/srgb.png" "$work/greysrgb.png"
m709=$("$fixture" mean "$work/grey709.png")
msrgb=$("$fixture" mean "$work/greysrgb.png")
if awk -v a="${m709%% *}" -v b="${msrgb%% *}" \
     'BEGIN { exit !(a > 138.4 && a < 139.6 && b > 127 && b < 128) }'
then
  ok "--input-space rec709: 0.5 is 139 in sRGB"
else
  not_ok "--input-space rec709: 0.5 is 139 in sRGB ($m709; srgb $msrgb)"
fi

refused "broken PNG profile" "colour profile is broken" \
  "$looklab" apply "$look" "$work/broken.png" "$work/refused.png"
refused "broken JPEG profile" "colour profile is broken" \
  "$looklab" apply "$look" "$work/broken.jpg" "$work/refused.png"
refused "CMYK JPEG" "CMYK" \
  "$looklab" apply "$look" "$work/cmyk.jpg" "$work/refused.png"
refused "unknown --input-space" "unknown colour space" \
  "$looklab" apply "$look" "$work/srgb.png" "$work/refused.png" \
  --input-space prophoto
tap_done
