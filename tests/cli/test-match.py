#!/usr/bin/env python3
"""End-to-end tests of `looklab match` with the bundled neutralizer
(data/models/looklab-neutralizer.safetensors; issue 23).

- A reference graded by a look of the training family (white-balance gains
  and a gamma, as tools/make-match-set makes them) gives a look that moves
  another photo towards the truth (that photo under the same look).
- A photo as shot, as the reference, gives a look that moves a photo less
  than that grade does.
These two are what the shipped model achieves, not issue 23's targets
(README.md, "Matching a look from a reference", has the figures): they
catch a model or a pipeline that got worse.
- --strength 0 gives the identity; a look file and a .cube agree; `info`
  shows how far the reference moved.
- Every error leaves OUT as it was: a missing, truncated or colorization
  model, OUT over the reference, a strength outside 0..1, a FIFO or
  missing reference.  And `looklab colorize` refuses the neutralizer.

    test-match.py LOOKLAB SRCDIR
Prints TAP.
"""

import os
import subprocess
import sys
import tempfile

import numpy as np

from match_grades import load, save, warm

LOOKLAB, SRC = sys.argv[1], sys.argv[2]
SAMPLE = os.path.join(SRC, "data", "sample")
MODEL = os.path.join(SRC, "data", "models", "looklab-neutralizer.safetensors")
COLORIZE_MODEL = os.path.join(SRC, "tests", "core", "data",
                              "tiny-model.safetensors")

n = 0
failed = 0


def check(ok, what):
    global n, failed
    n += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", n, what), flush=True)
    failed += not ok


def run(*args):
    env = dict(os.environ, LOOKLAB_MATCH_MODEL=MODEL)
    return subprocess.run([LOOKLAB] + [str(a) for a in args],
                          capture_output=True, text=True, env=env)


def mae(a, b):
    """Mean absolute difference in 8-bit levels."""
    return float(np.abs(a - b).mean() * 255)


def main():
    tmp = tempfile.mkdtemp(prefix="looklab-match-")
    lady = os.path.join(SAMPLE, "ladybird.png")
    garden = os.path.join(SAMPLE, "garden-before.png")
    L = load(lady)

    ref = os.path.join(tmp, "garden-warm.png")
    save(ref, warm(load(garden)))
    truth = warm(L)
    grade = mae(L, truth)

    # 1. as shot: moves a photo less than a grade does
    cube = os.path.join(tmp, "shot.cube")
    p = run("match", lady, "-o", cube, "--threads", "2")
    out = os.path.join(tmp, "shot.png")
    ok = p.returncode == 0 and run("apply", cube, lady, out).returncode == 0
    d = mae(load(out), L) if ok else -1
    check(ok and d < 0.85 * grade,
          "a photo as shot: its look moves the photo by %.2f levels, less "
          "than 0.85 of the warm grade's %.2f" % (d, grade))
    check("neutralized: the reference moved by mean dE00" in p.stderr,
          "match reports how far the reference moved")

    # 2. a training-family look carries over to another photo
    cube = os.path.join(tmp, "warm.cube")
    p = run("match", ref, "-o", cube, "--threads", "2")
    pred = os.path.join(tmp, "lady-pred.png")
    ok = p.returncode == 0 and run("apply", cube, lady, pred).returncode == 0
    d_id, d = grade, (mae(load(pred), truth) if ok else -1)
    check(ok and d < 0.97 * d_id,
          "a warm reference: the look takes another photo towards the truth "
          "(%.2f levels from it, doing nothing %.2f; want < 0.97 of that)"
          % (d, d_id))
    info = run("info", cube)
    check(info.returncode == 0 and "neutralized reference moved" in
          info.stdout, "info shows the figure in the .cube's title")

    # 3. strength 0, look file and .cube
    s0 = os.path.join(tmp, "s0.cube")
    p = run("match", ref, "-o", s0, "--strength", "0", "--threads", "2")
    out = os.path.join(tmp, "s0.png")
    ok = p.returncode == 0 and run("apply", s0, lady, out).returncode == 0
    d = mae(load(out), L) if ok else -1
    check(ok and d < 0.6, "--strength 0 gives (nearly) the identity "
          "(%.2f levels)" % d)
    look = os.path.join(tmp, "warm.look")
    p = run("match", ref, "-o", look, "--threads", "2")
    out = os.path.join(tmp, "lady-look.png")
    ok = p.returncode == 0 and run("apply", look, lady, out).returncode == 0
    d = mae(load(out), load(pred)) if ok else -1
    check(ok and d < 0.6, "the look file and the .cube agree (%.2f levels)"
          % d)

    # 4. errors leave OUT as it was
    def refused(what, args, want, model=None):
        dst = os.path.join(tmp, "kept.cube")
        with open(dst, "w") as f:
            f.write("previous\n")
        env = dict(os.environ, LOOKLAB_MATCH_MODEL=model or MODEL)
        p = subprocess.run([LOOKLAB, "match"] + args + ["-o", dst],
                           capture_output=True, text=True, env=env)
        with open(dst) as f:
            kept = f.read() == "previous\n"
        check(p.returncode != 0 and kept and want in p.stderr,
              "%s: refused, OUT kept (%s)" % (what, p.stderr.strip()[:90]))

    refused("a missing model", [ref, "--model", os.path.join(tmp, "none")],
            "not a regular file")
    trunc = os.path.join(tmp, "trunc.safetensors")
    with open(MODEL, "rb") as f:
        blob = f.read()
    with open(trunc, "wb") as f:
        f.write(blob[:len(blob) // 3])
    refused("a truncated model", [ref, "--model", trunc], "trunc")
    refused("a colorization model", [ref, "--model", COLORIZE_MODEL],
            "not a look neutralizer")
    refused("a strength of 1.5", [ref, "--strength", "1.5"], "strength")
    refused("a missing reference", [os.path.join(tmp, "none.png")], "none")
    fifo = os.path.join(tmp, "fifo.png")
    os.mkfifo(fifo)
    refused("a FIFO as the reference", [fifo], "fifo")
    before = open(ref, "rb").read()
    p = run("match", ref, "-o", ref)
    check(p.returncode != 0 and open(ref, "rb").read() == before,
          "OUT over the reference is refused, the photo kept")
    p = run("colorize", lady, os.path.join(tmp, "c.png"), "--model", MODEL)
    check(p.returncode != 0 and "not a colorization model" in p.stderr
          and not os.path.exists(os.path.join(tmp, "c.png")),
          "colorize refuses the neutralizer (%s)" % p.stderr.strip()[:80])
    print("1..%d" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
