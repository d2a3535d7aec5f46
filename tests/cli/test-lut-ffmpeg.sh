#!/usr/bin/env bash
# tests/cli/test-lut-ffmpeg.sh CHECK
#
# Our LUT application against ffmpeg's lut3d (tetrahedral), on .cube files
# written by OpenColorIO's ociobakelut in both flavours:
#   - iridas_cube (Adobe: LUT_3D_SIZE and the table): ffmpeg applies it to
#     rgb24 directly; our rgb-u8 output must be within 1/255 everywhere.
#   - resolve_cube with a 1D shaper (LUT_1D_SIZE, LUT_1D_INPUT_RANGE, the
#     shaper, then the 3D table).  ffmpeg's lut3d reads no shaper, so the
#     file is split here, as text, into a 1D and a 3D .cube for ffmpeg's
#     lut1d (linear) and lut3d filters, chained in float.  Our 8-bit and
#     float outputs of the unsplit file must match that chain.
# CHECK is the lut-ffmpeg-check helper (frame writer and comparator).
# Exit 77 (skipped) when ffmpeg or ociobakelut is missing: both are in the
# GIMP 3 root (tools/gimp3-packages.txt), where the suites run.
set -euo pipefail

check=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
for tool in ffmpeg ociobakelut; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool not found (run the suite inside tools/gimp3-env)"
    exit 77
  fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
W=256
H=256
ff=(ffmpeg -hide_banner -nostdin -loglevel error -y)

"$check" frame $W $H frame.rgb24 frame.gbrpf32le

# A look that mixes channels (saturation) and bends them (power), baked to
# 33^3 as most looks are.
cdl=(--slope 1.10 0.95 0.90 --offset 0.02 0.00 -0.03 --power 0.90 1.05 1.20
     --sat 1.30)
ociobakelut "${cdl[@]}" --format iridas_cube --cubesize 33 iridas.cube \
  >/dev/null
"${ff[@]}" -f rawvideo -pix_fmt rgb24 -s ${W}x$H -i frame.rgb24 \
  -vf lut3d=file=iridas.cube:interp=tetrahedral \
  -f rawvideo -pix_fmt rgb24 ffmpeg-iridas.rgb24
echo "# iridas_cube"
"$check" u8 iridas.cube frame.rgb24 $W $H ffmpeg-iridas.rgb24

# resolve_cube only writes a shaper for a --shaperspace, which needs a
# config: the look as a colour space, and a square-root shaper space.
cat > config.ocio <<'EOF'
ocio_profile_version: 1
search_path: .
strictparsing: true
roles:
  default: raw
  scene_linear: raw
displays:
  sRGB:
    - !<View> {name: Raw, colorspace: raw}
colorspaces:
  - !<ColorSpace>
    name: raw
    family: raw
    bitdepth: 32f
  - !<ColorSpace>
    name: look
    family: look
    bitdepth: 32f
    from_reference: !<CDLTransform> {slope: [1.1, 0.95, 0.9], offset: [0.02, 0, -0.03], power: [0.9, 1.05, 1.2], sat: 1.3}
  - !<ColorSpace>
    name: shaper
    family: shaper
    bitdepth: 32f
    from_reference: !<ExponentTransform> {value: [0.5, 0.5, 0.5, 1]}
EOF
ociobakelut --iconfig config.ocio --inputspace raw --outputspace look \
  --shaperspace shaper --format resolve_cube --cubesize 33 --shapersize 1024 \
  resolve.cube >/dev/null
if ! grep -q '^LUT_1D_SIZE' resolve.cube; then
  echo "FAIL: ociobakelut wrote no shaper into resolve.cube"
  exit 1
fi

# Split: the first LUT_1D_SIZE triples are the shaper, the rest the table;
# the input ranges become DOMAIN lines, which ffmpeg reads.
awk -v one=shaper.cube -v three=table.cube '
  /^LUT_1D_SIZE/ { n1 = $2; next }
  /^LUT_3D_SIZE/ { n3 = $2; next }
  /^LUT_1D_INPUT_RANGE/ { lo1 = $2; hi1 = $3; next }
  /^LUT_3D_INPUT_RANGE/ { lo3 = $2; hi3 = $3; next }
  /^[-+0-9.]/ {
    if (k == 0) {
      if (lo1 == "") { lo1 = 0; hi1 = 1 }
      if (lo3 == "") { lo3 = 0; hi3 = 1 }
      printf "LUT_1D_SIZE %d\nDOMAIN_MIN %s %s %s\nDOMAIN_MAX %s %s %s\n", n1, lo1, lo1, lo1, hi1, hi1, hi1 > one
      printf "LUT_3D_SIZE %d\nDOMAIN_MIN %s %s %s\nDOMAIN_MAX %s %s %s\n", n3, lo3, lo3, lo3, hi3, hi3, hi3 > three
    }
    print > (k < n1 ? one : three)
    k++
  }
  END { if (k != n1 + n3 * n3 * n3) { print "bad split: " k " triples" > "/dev/stderr"; exit 1 } }
' resolve.cube
"${ff[@]}" -f rawvideo -pix_fmt gbrpf32le -s ${W}x$H -i frame.gbrpf32le \
  -vf "lut1d=file=shaper.cube:interp=linear,lut3d=file=table.cube:interp=tetrahedral" \
  -f rawvideo -pix_fmt gbrpf32le ffmpeg-resolve.gbrpf32le
echo "# resolve_cube (1D shaper + 3D)"
"$check" float resolve.cube frame.rgb24 $W $H ffmpeg-resolve.gbrpf32le
echo "PASS"
