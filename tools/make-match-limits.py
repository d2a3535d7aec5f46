#!/usr/bin/env python3
"""Makes docs/match-limits.jpg, the picture of README's "honest limits" of
`looklab match` (issue 23): what the look neutralizer sees in a graded
reference and in a photo as shot, and what the matched look then does to
another photo.

    tools/gimp3-env python3 tools/make-match-limits.py BUILD [OUT]

BUILD is a build tree with cli/looklab and tests/parity/neutralizer-run
(build/gimp3); OUT defaults to docs/match-limits.jpg.  Only the bundled
photos (data/sample/) and the bundled model are used.  Two rows of four
tiles:

1. reference = garden-before.png under a warm grade (white-balance gains
   and a gamma, a look of the training family: tests/cli/match_grades.py,
   as tests/cli/test-match.py uses it); the neutralized reference; ladybird.png under the matched
   look; ladybird.png under the true grade.
2. reference = ladybird.png as shot (a warm scene, no grade); the
   neutralized reference; garden-before.png under the matched look;
   garden-before.png as shot (the truth: there was no grade).

Prints each tile's mean absolute difference from its row's truth, in
8-bit levels, for the README's caption.
"""

import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "tests", "cli"))
from match_grades import load, save, warm  # noqa: E402 (after the path)
SAMPLE = os.path.join(TOP, "data", "sample")
MODEL = os.path.join(TOP, "data", "models", "looklab-neutralizer.safetensors")
TILE = 240  # tile width in pixels


def levels(a, b):
    return float(np.abs(a - b).mean() * 255)


def neutralize(build, rgb, tmp):
    """The neutralized image, by the C runtime (as looklab match makes its
    pair, at the image's own size)."""
    h, w, _ = rgb.shape
    src, dst = os.path.join(tmp, "in.f32"), os.path.join(tmp, "out.f32")
    rgb.astype("<f4").tofile(src)
    subprocess.run([os.path.join(build, "tests", "parity", "neutralizer-run"),
                    MODEL, src, str(w), str(h), dst], check=True)
    return np.fromfile(dst, "<f4")[:h * w * 3].reshape(h, w, 3).astype(
        np.float64)


def matched(build, ref_path, target_path, tmp):
    """TARGET under the look `looklab match` learns from REF."""
    cube, out = os.path.join(tmp, "m.cube"), os.path.join(tmp, "m.png")
    looklab = os.path.join(build, "cli", "looklab")
    subprocess.run([looklab, "match", ref_path, "-o", cube, "--model", MODEL,
                    "--threads", "2"], check=True, capture_output=True)
    subprocess.run([looklab, "apply", cube, target_path, out], check=True,
                   capture_output=True)
    return load(out)


def tile(rgb):
    img = Image.fromarray(np.clip(np.round(rgb * 255), 0, 255).astype(
        np.uint8))
    return img.resize((TILE, round(img.height * TILE / img.width)),
                      Image.LANCZOS)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    build = os.path.abspath(sys.argv[1])
    out = sys.argv[2] if len(sys.argv) == 3 else os.path.join(
        TOP, "docs", "match-limits.jpg")
    tmp = tempfile.mkdtemp(prefix="looklab-limits-")
    lady_path = os.path.join(SAMPLE, "ladybird.png")
    garden_path = os.path.join(SAMPLE, "garden-before.png")
    lady, garden = load(lady_path), load(garden_path)

    ref1_path = os.path.join(tmp, "garden-warm.png")
    save(ref1_path, warm(garden))
    ref1 = load(ref1_path)
    row1 = [ref1, neutralize(build, ref1, tmp),
            matched(build, ref1_path, lady_path, tmp), warm(lady)]
    row2 = [lady, neutralize(build, lady, tmp),
            matched(build, lady_path, garden_path, tmp), garden]

    print("row 1, a warm grade on garden-before (levels from the truth):")
    print("  neutralized reference from garden-before as shot: %.2f"
          % levels(row1[1], garden))
    print("  reference itself from garden-before: %.2f"
          % levels(ref1, garden))
    print("  ladybird, matched look: %.2f; doing nothing: %.2f"
          % (levels(row1[2], row1[3]), levels(lady, row1[3])))
    print("row 2, ladybird as shot:")
    print("  neutralized reference from the reference: %.2f"
          % levels(row2[1], lady))
    print("  garden-before under the matched look from as shot: %.2f"
          % levels(row2[2], garden))

    tiles = [[tile(x) for x in row] for row in (row1, row2)]
    gap = 6
    heights = [max(t.height for t in row) for row in tiles]
    sheet = Image.new("RGB", (4 * TILE + 3 * gap, sum(heights) + gap),
                      (255, 255, 255))
    y = 0
    for row, hgt in zip(tiles, heights):
        for i, t in enumerate(row):
            sheet.paste(t, (i * (TILE + gap), y))
        y += hgt + gap
    sheet.save(out, quality=88)
    print("wrote", out)


if __name__ == "__main__":
    main()
