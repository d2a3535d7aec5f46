#!/usr/bin/env python3
"""tools/make-colorize-demo.py PHOTO LOOKLAB OUT.jpg [--hints N] [--seed S]

Makes the colorization picture of README.md: PHOTO (a held-out photo of
bench/bench-colorize, never a training one) turned gray, colorized by
`looklab colorize` with the default model without hints and with N single-
pixel hints drawn from the photo itself (seeded, as bench-colorize draws
them), beside the photo.  Run inside tools/gimp3-env (PIL, numpy,
ImageMagick's montage).
"""
import argparse
import os
import subprocess
import tempfile

import numpy as np
from PIL import Image


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("photo")
    ap.add_argument("looklab")
    ap.add_argument("out")
    ap.add_argument("--hints", type=int, default=10)
    ap.add_argument("--seed", type=int, default=2017)
    ap.add_argument("--width", type=int, default=640)
    a = ap.parse_args()

    img = Image.open(a.photo).convert("RGB")
    img = img.resize((a.width, round(img.height * a.width / img.width)),
                     Image.LANCZOS)
    rgb = np.asarray(img)
    h, w, _ = rgb.shape
    with tempfile.TemporaryDirectory() as tmp:
        truth = os.path.join(tmp, "truth.png")
        gray = os.path.join(tmp, "gray.png")
        hints = os.path.join(tmp, "hints.png")
        plain = os.path.join(tmp, "plain.png")
        hinted = os.path.join(tmp, "hinted.png")
        img.save(truth)
        # Gray with the photo's own lightness: ImageMagick's Lab L channel.
        subprocess.run(["convert", truth, "-colorspace", "Lab", "-channel",
                        "R", "-separate", "-set", "colorspace", "sRGB",
                        "-colorspace", "Gray", "-colorspace", "sRGB",
                        gray], check=True)
        rng = np.random.default_rng(a.seed)
        layer = np.zeros((h, w, 4), np.uint8)
        ys = rng.integers(0, h, a.hints)
        xs = rng.integers(0, w, a.hints)
        layer[ys, xs, :3] = rgb[ys, xs]
        layer[ys, xs, 3] = 255
        Image.fromarray(layer, "RGBA").save(hints)
        subprocess.run([a.looklab, "colorize", gray, plain], check=True)
        subprocess.run([a.looklab, "colorize", gray, hinted, "--hints",
                        hints], check=True)
        subprocess.run(["montage", "-geometry", "+4+4", "-tile", "4x1",
                        "-pointsize", "16",
                        "-label", "black and white", gray,
                        "-label", "LookLab, no hints", plain,
                        "-label", "LookLab, %d hint pixels" % a.hints, hinted,
                        "-label", "the real photo", truth,
                        "-quality", "85", a.out], check=True)
    print("wrote", a.out)


if __name__ == "__main__":
    main()
