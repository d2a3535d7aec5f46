#!/usr/bin/env python3
"""tools/make-colorize-demo.py PHOTO LOOKLAB OUT.jpg [--hints N] [--seed S]
        [--edges EDGES.png]

Makes the colorization picture of README.md: PHOTO (a held-out photo of
bench/bench-colorize, never a training one) turned gray, colorized by
`looklab colorize` with the default model without hints and with N single-
pixel hints drawn from the photo itself (seeded, as bench-colorize draws
them), beside the photo.  With --edges, also a close-up (3x, pixels
repeated) of PHOTO at its own size colorized the same way with N hints,
upsampled bilinearly and edge-aware (the default), beside the photo.  Run
inside tools/gimp3-env (PIL, numpy, ImageMagick's montage).
"""
import argparse
import os
import subprocess
import tempfile

import numpy as np
from PIL import Image


def gray_and_hints(truth, gray, hints, n, seed):
    """gray: the photo's own lightness (ImageMagick's Lab L channel);
    hints: n of its pixels, seeded."""
    subprocess.run(["convert", truth, "-colorspace", "Lab", "-channel",
                    "R", "-separate", "-set", "colorspace", "sRGB",
                    "-colorspace", "Gray", "-colorspace", "sRGB",
                    gray], check=True)
    rgb = np.asarray(Image.open(truth).convert("RGB"))
    h, w, _ = rgb.shape
    rng = np.random.default_rng(seed)
    layer = np.zeros((h, w, 4), np.uint8)
    ys = rng.integers(0, h, n)
    xs = rng.integers(0, w, n)
    layer[ys, xs, :3] = rgb[ys, xs]
    layer[ys, xs, 3] = 255
    Image.fromarray(layer, "RGBA").save(hints)


def edges(a):
    """The close-up of --edges: a box of 160x110 pixels at 35% of the
    photo's width and height."""
    img = Image.open(a.photo).convert("RGB")
    w, h = img.size
    box = (int(w * 0.35), int(h * 0.35), int(w * 0.35) + 160,
           int(h * 0.35) + 110)
    with tempfile.TemporaryDirectory() as tmp:
        p = {k: os.path.join(tmp, k + ".png")
             for k in ("truth", "gray", "hints", "bilinear", "edge")}
        img.save(p["truth"])
        gray_and_hints(p["truth"], p["gray"], p["hints"], a.hints, a.seed)
        for mode in ("bilinear", "edge"):
            subprocess.run([a.looklab, "colorize", p["gray"], p[mode],
                            "--hints", p["hints"], "--upsample", mode],
                           check=True)
        for k in ("truth", "bilinear", "edge"):
            Image.open(p[k]).convert("RGB").crop(box).resize(
                (480, 330), Image.NEAREST).save(p[k])
        subprocess.run(["montage", "-geometry", "+4+4", "-tile", "3x1",
                        "-pointsize", "16",
                        "-label", "--upsample bilinear", p["bilinear"],
                        "-label", "edge-aware (the default)", p["edge"],
                        "-label", "the real photo", p["truth"],
                        a.edges], check=True)
    print("wrote", a.edges)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("photo")
    ap.add_argument("looklab")
    ap.add_argument("out")
    ap.add_argument("--hints", type=int, default=10)
    ap.add_argument("--seed", type=int, default=2017)
    ap.add_argument("--width", type=int, default=640)
    ap.add_argument("--edges", default=None)
    a = ap.parse_args()
    if a.edges:
        edges(a)

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
        gray_and_hints(truth, gray, hints, a.hints, a.seed)
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
