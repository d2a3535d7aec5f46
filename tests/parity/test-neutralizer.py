#!/usr/bin/env python3
"""The look neutralizer (issue 23): its trainer end to end, parity of the C
code (core/match/ over the CNN runtime) with PyTorch, and malformed files.

1. tools/train-neutralizer.py trains a few steps on a tiny generated set
   as a user runs it (both weight branches, the pixel one on random cells) (every printed loss finite, the aside error printed,
   a checkpoint written) and exports it (weights linear in the pooled
   features).
2. For each weight network the trainer has (--arch), one with seeded
   random weights and bases (so that every basis counts) and a hidden
   layer before the weights is exported, with and without the levels
   stage; neutralizer-run (C) and the
   trainer's own `run`
   (PyTorch, double) give the same K weights and the same neutralized
   image within --tol, on inputs whose sides are not multiples of the
   network's 64 (adaptive pooling with overlapping cells) and smaller
   than it.
3. Malformed or wrong files are errors with a message, never a crash: a
   truncated file, a colorization model, a metadata k that disagrees
   with the network, bases with a NaN, a missing bases tensor.

    test-neutralizer.py --runner build/tests/parity/neutralizer-run \
        --trainer tools/train-neutralizer.py
"""

import argparse
import importlib.util
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np
import torch

failures = 0
count = 0


def check(ok, what):
    global failures, count
    count += 1
    print("%s %d - %s" % ("ok" if ok else "not ok", count, what))
    if not ok:
        failures += 1


def load_trainer(path):
    spec = importlib.util.spec_from_file_location("train_neutralizer", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def smooth_image(rng, w, h):
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.empty((h, w, 3), np.float32)
    for c in range(3):
        a, b, p = rng.uniform(0.5, 3, 3)
        img[..., c] = 0.5 + 0.45 * np.sin(a * x / w * 6 + b * y / h * 5 + p)
    img += rng.normal(0, 0.03, img.shape).astype(np.float32)
    return np.clip(img, 0, 1)


def read_st(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    return header, data


def write_st(path, header, data):
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        f.write(data)


def run_c(runner, model, img, tmp):
    h, w, _ = img.shape
    src = os.path.join(tmp, "in.f32")
    dst = os.path.join(tmp, "out-c.f32")
    img.astype("<f4").tofile(src)
    p = subprocess.run([runner, model, src, str(w), str(h), dst],
                       capture_output=True, text=True)
    if p.returncode != 0:
        return p, None
    return p, np.fromfile(dst, "<f4")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runner", required=True)
    ap.add_argument("--trainer", required=True)
    ap.add_argument("--tol", type=float, default=1e-4)
    a = ap.parse_args()
    tn = load_trainer(a.trainer)
    rng = np.random.default_rng(2020)
    tmp = tempfile.mkdtemp(prefix="neutralizer-parity-")

    # 1. the trainer as a user runs it, on 40 pairs of 48 px
    data = os.path.join(tmp, "set")
    os.makedirs(data)
    orig = np.stack([smooth_image(rng, 48, 48) for _ in range(40)])
    gain = rng.uniform(0.7, 1.2, (40, 1, 1, 3)).astype(np.float32)
    graded = np.clip(orig * gain, 0, 1) ** 0.9
    q = lambda v: (v * 65535 + 0.5).astype(np.uint16)  # noqa: E731
    np.savez(os.path.join(data, "shard-000.npz"), graded=q(graded),
             original=q(orig))
    ckpt = os.path.join(tmp, "smoke.pt")
    p = subprocess.run([sys.executable, a.trainer, "train", data, "-o", ckpt,
                        "--steps", "20", "--batch", "4", "--k", "3",
                        "--lattice", "5", "--val", "8", "--pixels", "256",
                        "--arch", "both", "--cells", "100"],
                       capture_output=True, text=True)
    out = p.stdout + p.stderr
    losses = [float(ln.split()[3]) for ln in out.splitlines()
              if ln.startswith("step ")]
    check(p.returncode == 0 and os.path.exists(ckpt) and losses
          and all(np.isfinite(losses)) and "aside after 20 steps" in out,
          "train: 20 steps, finite losses, checkpoint written")
    if p.returncode != 0:
        print("# " + out.replace("\n", "\n# "))
    smoke = os.path.join(tmp, "smoke.safetensors")
    p = subprocess.run([sys.executable, a.trainer, "export", ckpt, smoke],
                       capture_output=True, text=True)
    check(p.returncode == 0 and os.path.exists(smoke), "export of the smoke "
          "checkpoint")

    # 2. parity on random weights, for each weight network
    for arch, levels in (("cnn", 0.0), ("cnn", 0.5), ("pixel", 0.0),
                         ("both", 1.0)):
        torch.manual_seed(7)
        # a hidden layer before the weights
        model = tn.Neutralizer(5, 9, 6, arch, levels=levels)
        with torch.no_grad():
            model.head.weight.normal_(0, 0.3)
            model.head.bias.normal_(0, 0.2)
            model.head.bias[0] += 1.0
            model.bases.add_(torch.randn_like(model.bases) * 0.05)
        ckpt = os.path.join(tmp, "random.pt")
        torch.save({"state": model.state_dict(), "k": 5, "lattice": 9,
                    "hidden": 6, "arch": arch, "levels": levels,
                    "record": {},
                    "trained_on": "random weights (test)"}, ckpt)
        model_path = os.path.join(tmp, "random-%s-%g.safetensors"
                                  % (arch, levels))
        subprocess.run([sys.executable, a.trainer, "export", ckpt,
                        model_path], check=True, capture_output=True)
        for w, h in ((173, 97), (64, 64), (40, 30)):
            img = smooth_image(rng, w, h)
            p, c_out = run_c(a.runner, model_path, img, tmp)
            if c_out is None:
                check(False, "C neutralizer (%s, levels %g) on %dx%d: %s"
                      % (arch, levels, w, h, p.stderr))
                continue
            src = os.path.join(tmp, "in.f32")
            ref = os.path.join(tmp, "out-py.f32")
            subprocess.run([sys.executable, a.trainer, "run", model_path,
                            src, str(w), str(h), ref], check=True)
            py_out = np.fromfile(ref, "<f4")
            n = w * h * 3
            dw = float(np.abs(c_out[n:] - py_out[n:]).max())
            di = float(np.abs(c_out[:n] - py_out[:n]).max())
            moved = float(np.abs(py_out[:n] - img.ravel()).mean())
            check(c_out.size == py_out.size and dw <= a.tol
                  and di <= a.tol and moved > 0.01,
                  "parity, arch %s, levels %g, at %dx%d: weights %.2e, "
                  "image %.2e (tol %.0e; the LUT moves pixels by %.3f on "
                  "average)" % (arch, levels, w, h, dw, di, a.tol, moved))

    # 3. malformed and wrong files (the last network above)
    img = smooth_image(rng, 32, 32)
    header, blob = read_st(model_path)
    with open(model_path, "rb") as f:
        whole = f.read()

    def refused(path, what, want):
        p, o = run_c(a.runner, path, img, tmp)
        check(p.returncode == 1 and o is None and want in p.stderr,
              "%s: refused (%s)" % (what, p.stderr.strip()[:100]))

    bad = os.path.join(tmp, "bad.safetensors")
    with open(bad, "wb") as f:
        f.write(whole[:len(whole) // 2])
    refused(bad, "a truncated file", "neutralizer-run")

    def with_meta(key, value):
        """The file with one member of looklab.neutralizer changed."""
        h2 = json.loads(json.dumps(header))
        meta = json.loads(h2["__metadata__"]["looklab.neutralizer"])
        meta[key] = value
        h2["__metadata__"]["looklab.neutralizer"] = json.dumps(meta)
        write_st(bad, h2, blob)

    with_meta("k", 4)
    refused(bad, "metadata k 4 for a 5-weight network", "weights")
    with_meta("levels", 2.0)
    refused(bad, "metadata levels 2", "levels")
    h2 = json.loads(json.dumps(header))
    del h2["__metadata__"]["looklab.neutralizer"]
    write_st(bad, h2, blob)
    refused(bad, "no neutralizer metadata (a colorization model is refused "
            "the same way)", "not a look neutralizer")
    h2 = json.loads(json.dumps(header))
    b0 = h2["bases"]["data_offsets"][0]
    nan = bytearray(blob)
    nan[b0:b0 + 4] = struct.pack("<f", float("nan"))
    write_st(bad, h2, bytes(nan))
    refused(bad, "a NaN in the bases", "non-finite")
    h2 = json.loads(json.dumps(header))
    h2["basez"] = h2.pop("bases")
    write_st(bad, h2, blob)
    refused(bad, "no bases tensor", "missing")
    print("1..%d" % count)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
