#!/usr/bin/env python3
"""End-to-end tests of `looklab colorize` with the tiny test model
(tests/core/data/tiny-model.safetensors, a hints model made by
tools/make-tiny-model.py): the output has colour and IN's L* (CIE L*
through the same D50 conversion as babl's "CIE Lab float"), keeps IN's
precision, an already colourful input is colorized from its L* alone, hints
change the result, and each bad input fails cleanly without creating OUT.

    test-colorize.py LOOKLAB SRCDIR
Prints TAP.
"""

import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

LOOKLAB, SRC = sys.argv[1], sys.argv[2]
MODEL = os.path.join(SRC, "tests", "core", "data", "tiny-model.safetensors")

# sRGB -> XYZ adapted to D50 by Bradford (Lindbloom), and D50: babl's
# "CIE Lab float".
M = np.array([[0.4360747, 0.3850649, 0.1430804],
              [0.2225045, 0.7168786, 0.0606169],
              [0.0139322, 0.0971045, 0.7141733]])
WHITE = np.array([0.9642, 1.0, 0.8249])


def lab(rgb):
    rgb = np.asarray(rgb, np.float64)
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = lin @ M.T / WHITE
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]),
                     200 * (f[..., 1] - f[..., 2])], -1)


def srgb_of_l(L):
    """The gray sRGB value whose L* is L."""
    fy = (L + 16) / 116
    y = np.where(fy > 6 / 29, fy ** 3, (L / (24389 / 27)))
    return np.where(y <= 0.0031308, 12.92 * y, 1.055 * y ** (1 / 2.4) - 0.055)


def save16(path, rgb):
    """16-bit RGB PNG (ImageMagick writes what PIL cannot)."""
    a = np.clip(np.round(np.asarray(rgb) * 65535), 0, 65535).astype(">u2")
    h, w, _ = a.shape
    ppm = path + ".ppm"
    with open(ppm, "wb") as f:
        f.write(b"P6\n%d %d\n65535\n" % (w, h))
        f.write(a.tobytes())
    subprocess.run(["convert", ppm, "-depth", "16", path], check=True)
    os.unlink(ppm)


def load(path):
    """Float RGB in 0..1 and the bit depth, through ImageMagick for 16-bit."""
    out = subprocess.run(["identify", "-format", "%z", path], check=True,
                         capture_output=True, text=True).stdout.strip()
    depth = int(out)
    ppm = subprocess.run(["convert", path, "-depth", str(depth), "ppm:-"],
                         check=True, capture_output=True).stdout
    header, rest = ppm.split(b"\n", 1)
    dims, rest = rest.split(b"\n", 1)
    maxv, data = rest.split(b"\n", 1)
    w, h = (int(v) for v in dims.split())
    dt = ">u2" if int(maxv) > 255 else "u1"
    a = np.frombuffer(data, dt).reshape(h, w, 3).astype(np.float64)
    return a / int(maxv), depth


def run(*args):
    return subprocess.run([LOOKLAB, "colorize", *args], capture_output=True,
                          text=True)


n = 0
failed = 0


def check(ok, what):
    global n, failed
    n += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n, what))
    if not ok:
        failed += 1


tmp = tempfile.mkdtemp(prefix="looklab-colorize-")
rng = np.random.default_rng(5)
h, w = 48, 64
yy, xx = np.mgrid[0:h, 0:w]
gray = 0.15 + 0.7 * (0.5 + 0.5 * np.sin(xx / 7.0) * np.cos(yy / 5.0))
gray_rgb = np.repeat(gray[..., None], 3, -1)

# 1: 16-bit gray in, 16-bit colour out with the same L*
p16 = os.path.join(tmp, "gray16.png")
o16 = os.path.join(tmp, "out16.png")
save16(p16, gray_rgb)
# the tiny random model's colours are wild: tame them into the gamut
r = run(p16, o16, "--model", MODEL, "--saturation", "0.3")
check(r.returncode == 0, "16-bit gray: exit 0 (%s)" % r.stderr.strip())
if r.returncode == 0:
    out, depth = load(o16)
    li, lo = lab(load(p16)[0]), lab(out)
    chroma = np.hypot(lo[..., 1], lo[..., 2]).mean()
    dl = np.abs(li[..., 0] - lo[..., 0]).max()
    check(depth == 16, "16-bit in, 16-bit out (%d)" % depth)
    check(chroma > 2.0, "the result has colour (mean chroma %.2f)" % chroma)
    # out-of-gamut a*b* are clipped by the sRGB encoding, which moves L*:
    # judge L* where the colour fits (most pixels), and on average
    inside = np.all((out > 0.001) & (out < 0.999), -1)
    check(inside.mean() > 0.5 and
          np.abs(li[..., 0] - lo[..., 0])[inside].max() < 0.05,
          "L* kept where the colour is in gamut (max |dL*| %.4f on %.0f%%)"
          % (np.abs(li[..., 0] - lo[..., 0])[inside].max()
             if inside.any() else -1, 100 * inside.mean()))

# 2: 8-bit gray: L* within 1 (8-bit rounding of the new RGB)
p8 = os.path.join(tmp, "gray8.png")
o8 = os.path.join(tmp, "out8.png")
Image.fromarray(np.round(gray_rgb * 255).astype(np.uint8)).save(p8)
r = run(p8, o8, "--model", MODEL)
check(r.returncode == 0, "8-bit gray: exit 0")
if r.returncode == 0:
    out, depth = load(o8)
    li, lo = lab(load(p8)[0]), lab(out)
    inside = np.all((out > 0.002) & (out < 0.998), -1)
    check(depth == 8, "8-bit in, 8-bit out")
    check(np.abs(li[..., 0] - lo[..., 0])[inside].max() < 1.0,
          "8-bit: L* within 1 in gamut")

# 3: an already colourful image is colorized from its L* alone: the same
#    result as the gray image with that L*
colour = np.stack([gray, 0.5 + 0.4 * np.sin(xx / 3.0), 1 - gray], -1) * 0.9
Lc = lab(colour)[..., 0]
pc = os.path.join(tmp, "colour16.png")
pg = os.path.join(tmp, "samel16.png")
oc = os.path.join(tmp, "outc.png")
og = os.path.join(tmp, "outg.png")
save16(pc, colour)
save16(pg, np.repeat(srgb_of_l(Lc)[..., None], 3, -1))
rc, rg = run(pc, oc, "--model", MODEL), run(pg, og, "--model", MODEL)
check(rc.returncode == 0 and rg.returncode == 0, "colourful input: exit 0")
if rc.returncode == 0 and rg.returncode == 0:
    ac, ag = lab(load(oc)[0]), lab(load(og)[0])
    d = np.abs(ac[..., 1:] - ag[..., 1:]).max()
    check(d < 0.5, "colourful input = its L* colorized (max |dab| %.3f)" % d)
    d_in = np.abs(ac[..., 1:] - lab(load(pc)[0])[..., 1:]).mean()
    check(d_in > 1.0, "its own colour is replaced (mean |dab| %.2f)" % d_in)

# 4: a 1x1 image
p1 = os.path.join(tmp, "one.png")
o1 = os.path.join(tmp, "one-out.png")
Image.fromarray(np.full((1, 1, 3), 120, np.uint8)).save(p1)
r = run(p1, o1, "--model", MODEL)
check(r.returncode == 0 and os.path.exists(o1), "1x1 image")

# 4b: without --model the default model is found from the build tree
# (the source tree's data/models/), wherever the build directory is
od = os.path.join(tmp, "default-out.png")
env = {k: v for k, v in os.environ.items() if k != "LOOKLAB_COLORIZE_MODEL"}
r = subprocess.run([LOOKLAB, "colorize", p1, od], capture_output=True,
                   text=True, env=env)
check(r.returncode == 0 and os.path.exists(od),
      "default model found without --model (%s)" % r.stderr.strip()[:200])

# 5: hints change the result; saturation 0 gives gray
ph = os.path.join(tmp, "hints.png")
oh = os.path.join(tmp, "outh.png")
hint = np.zeros((h, w, 4), np.uint8)
hint[10, 12] = (200, 30, 30, 255)
hint[30, 50] = (20, 40, 220, 255)
Image.fromarray(hint, "RGBA").save(ph)
r = run(p8, oh, "--model", MODEL, "--hints", ph)
check(r.returncode == 0, "hints: exit 0")
if r.returncode == 0:
    d = np.abs(lab(load(oh)[0])[..., 1:] - lab(load(o8)[0])[..., 1:]).max()
    check(d > 1.0, "hints change the colours (max |dab| %.2f)" % d)
os0 = os.path.join(tmp, "sat0.png")
r = run(p16, os0, "--model", MODEL, "--saturation", "0")
if r.returncode == 0:
    c0 = np.hypot(*np.moveaxis(lab(load(os0)[0])[..., 1:], -1, 0)).max()
    check(c0 < 0.05, "saturation 0: gray (max chroma %.4f)" % c0)
else:
    check(False, "saturation 0: exit 0")

# 5b: --upsample bilinear gives the network's colour interpolated, the
#     default (edge) the same colour moved to the image's edges: both run,
#     they differ, and by less than the colour itself
ob = os.path.join(tmp, "bilinear.png")
r = run(p8, ob, "--model", MODEL, "--upsample", "bilinear")
check(r.returncode == 0, "--upsample bilinear: exit 0")
if r.returncode == 0:
    ae, abl = lab(load(o8)[0])[..., 1:], lab(load(ob)[0])[..., 1:]
    d = np.abs(ae - abl)
    check(d.max() > 0.1 and d.mean() < np.abs(abl).mean(),
          "edge and bilinear differ (max |dab| %.2f, mean %.2f, colour %.2f)"
          % (d.max(), d.mean(), np.abs(abl).mean()))

# 6: failures: non-zero exit, a message, OUT not created
bad_model = os.path.join(tmp, "truncated.safetensors")
with open(MODEL, "rb") as f:
    data = f.read()
with open(bad_model, "wb") as f:
    f.write(data[: len(data) // 2])
small = os.path.join(tmp, "small.png")
Image.fromarray(np.zeros((5, 5, 4), np.uint8), "RGBA").save(small)
nohalpha = os.path.join(tmp, "noalpha.png")
Image.fromarray(np.zeros((h, w, 3), np.uint8)).save(nohalpha)
cases = [
    ("missing model", [p8, "X", "--model", os.path.join(tmp, "nope")], 1,
     "No such file"),
    ("truncated model", [p8, "X", "--model", bad_model], 1, "truncated"),
    ("not a model", [p8, "X", "--model", p8], 1, "header"),
    ("hints of another size", [p8, "X", "--model", MODEL, "--hints", small],
     1, "same size"),
    ("hints without alpha", [p8, "X", "--model", MODEL, "--hints", nohalpha],
     1, "alpha"),
    ("saturation 3", [p8, "X", "--model", MODEL, "--saturation", "3"], 2,
     "saturation"),
    ("missing input", [os.path.join(tmp, "none.png"), "X", "--model", MODEL],
     1, ""),
    ("upsample nearest", [p8, "X", "--model", MODEL, "--upsample",
                          "nearest"], 2, "upsample"),
    ("no OUT", [p8, "--model", MODEL], 2, "usage"),
]
for name, args, code, needle in cases:
    outp = os.path.join(tmp, "fail-%d.png" % n)
    args = [outp if a == "X" else a for a in args]
    r = run(*args)
    check(r.returncode == code and needle in r.stderr
          and not os.path.exists(outp),
          "%s: exit %d, '%s' (%s)" % (name, r.returncode, needle,
                                      r.stderr.strip()[:120]))

shutil.rmtree(tmp, ignore_errors=True)
print("1..%d" % n)
sys.exit(1 if failed else 0)
