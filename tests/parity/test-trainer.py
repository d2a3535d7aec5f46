#!/usr/bin/env python3
"""The default model's trainer (tools/train-colorize.py) end to end, and
parity of the C runtime with it.

1. conv_padded, the trainer's way round a oneDNN bug (input channels
   padded with zeros to a multiple of 16), gives the same numbers as a
   plain convolution: with torch's own CPU kernels, on 19 channels (one of
   the counts that oneDNN got wrong), stride 2 and dilation 2.
2. Data.rebalance (--white-balance): on gray pixels, the samples it
   changes keep their luminance and turn blue (b < 0) or yellow (b > 0),
   a pixel at 1 stays at most 1, and the others are left as they were.
3. A few training steps on a tiny generated set run through the command
   line as a user runs it: the oneDNN check prints its verdict, every
   loss is finite, a checkpoint is written and exported; `average` of two
   checkpoints gives the mean of their weights and BatchNorm statistics
   of its own, and exports.
4. The exported file runs in the C runtime (cnn-run) and matches the
   trainer's own network in eval mode (the BatchNorm folding at load and
   the graph in the metadata) within --tol in network units (ab / 110,
   as the Zhang parity tests), on an input with hints and their
   propagation (the two extra input planes).

    test-trainer.py --runner build/tests/parity/cnn-run \
        --trainer tools/train-colorize.py
"""

import argparse
import importlib.util
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import torch
from PIL import Image


def load_trainer(path):
    spec = importlib.util.spec_from_file_location("train_colorize", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def smooth_image(rng, w, h, channels):
    """a seeded image of smooth colour fields (bilinear noise)"""
    coarse = rng.integers(0, 256, (4, 4, channels)).astype(np.uint8)
    return Image.fromarray(coarse).resize((w, h), Image.BILINEAR)


def make_set(root, rng):
    for kind, n, mode in (("scenes", 3, 3), ("textures", 1, 3),
                          ("stamps", 1, 4)):
        d = os.path.join(root, "train", kind)
        os.makedirs(d)
        for i in range(n):
            smooth_image(rng, 96, 80, mode).save(
                os.path.join(d, "%s%d.png" % (kind, i)))


def check_padding(tc):
    g = torch.Generator().manual_seed(1)
    x = torch.randn(2, 19, 17, 13, generator=g)
    worst = 0.0
    with torch.backends.mkldnn.flags(enabled=False):
        for stride, dil in ((1, 1), (2, 1), (1, 2)):
            conv = torch.nn.Conv2d(19, 8, 3, stride, dil, dil)
            worst = max(worst, (tc.conv_padded(conv, x)
                                - conv(x)).abs().max().item())
    print("conv_padded against Conv2d: largest difference %.3g" % worst)
    return worst <= 1e-5


def check_white_balance(tc):
    class Stub:  # the two members rebalance () reads
        rng = np.random.default_rng(5)
        white_balance = 0.25
    lin = np.full((400, 4, 4, 3), 0.18, np.float32)
    lin[:, 0, 0] = 1.0  # a clipped highlight
    out = tc.Data.rebalance(Stub(), lin)
    if not np.array_equal(lin[:, 0, 0], np.ones((400, 3), np.float32)):
        print("FAIL: rebalance changed its input")
        return False
    mid = torch.from_numpy(out[:, 1:, 1:].transpose(0, 3, 1, 2).copy())
    lab = tc.srgb_to_lab_t(mid, linear=True).mean((2, 3))
    lab0 = tc.srgb_to_lab_t(torch.full((1, 3, 1, 1), 0.18),
                            linear=True)[0, :, 0, 0]
    changed = (lab[:, 1:] - lab0[1:]).abs().max(1).values > 1e-3
    b = lab[changed, 2]
    dl = (lab[:, 0] - lab0[0]).abs().max().item()
    top = out.max().item()
    print("rebalance: %d of 400 samples changed, b from %.1f to %.1f, "
          "largest L change %.2g, largest value %.3g"
          % (changed.sum().item(), b.min().item(), b.max().item(), dl, top))
    return (120 <= changed.sum().item() <= 280 and b.min() < -3
            and b.max() > 3 and dl < 0.05 and top <= 1.0)


def check_average(tc, trainer, tmp, ckpt):
    """`average` of the checkpoints at steps 2 and 4: the weights are their
    mean, BatchNorm's running statistics are measured anew (they are
    neither checkpoint's), and the result exports."""
    c2, c4 = (os.path.join(ckpt, "step%06d.pt" % n) for n in (2, 4))
    avg = os.path.join(tmp, "avg.pt")
    r = subprocess.run([sys.executable, trainer, "average",
                        os.path.join(tmp, "set"), avg, c2, c4,
                        "--bn-batches", "2"], capture_output=True, text=True)
    print(r.stdout + r.stderr)
    if r.returncode != 0:
        print("FAIL: average exited with %d" % r.returncode)
        return False
    m2, m4, ma = (torch.load(p, map_location="cpu",
                             weights_only=False)["model"]
                  for p in (c2, c4, avg))
    w = "e1.0.conv.weight"
    dw = (ma[w] - (m2[w] + m4[w]) / 2).abs().max().item()
    rm = "e1.0.bn.running_mean"
    fresh = not (torch.equal(ma[rm], m2[rm]) or torch.equal(ma[rm], m4[rm])
                 or torch.allclose(ma[rm], (m2[rm] + m4[rm]) / 2))
    print("average: %s off the mean by %.3g; BatchNorm statistics measured "
          "anew: %s" % (w, dw, fresh))
    e = subprocess.run([sys.executable, trainer, "export", avg,
                        os.path.join(tmp, "avg.safetensors")])
    return dw <= 1e-7 and fresh and e.returncode == 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runner", required=True)
    ap.add_argument("--trainer", required=True)
    ap.add_argument("--tol", type=float, default=1e-4)
    args = ap.parse_args()
    tc = load_trainer(args.trainer)
    ok = check_padding(tc)
    ok = check_white_balance(tc) and ok

    with tempfile.TemporaryDirectory() as tmp:
        make_set(os.path.join(tmp, "set"), np.random.default_rng(7))
        ckpt = os.path.join(tmp, "ckpt")
        r = subprocess.run(
            [sys.executable, args.trainer, "train", os.path.join(tmp, "set"),
             ckpt, "--steps", "4", "--batch", "2", "--size", "64",
             "--log-every", "1", "--ckpt-every", "2", "--threads", "1",
             "--white-balance", "0.25", "--stamps", "0.6"],
            capture_output=True, text=True)
        print(r.stdout + r.stderr)
        if r.returncode != 0:
            print("FAIL: the trainer exited with %d" % r.returncode)
            return 1
        verdict = re.search(r"^oneDNN against plain convolutions: .*"
                            r"oneDNN (on|off)$", r.stdout, re.M)
        losses = [float(v) for v in re.findall(r"  loss (\S+)", r.stdout)]
        if verdict is None:
            print("FAIL: no oneDNN verdict in the trainer's output")
            ok = False
        if len(losses) != 4 or not all(np.isfinite(losses)):
            print("FAIL: want 4 finite losses, got %s" % losses)
            ok = False

        if not check_average(tc, args.trainer, tmp, ckpt):
            ok = False

        model = os.path.join(tmp, "model.safetensors")
        subprocess.run([sys.executable, args.trainer, "export",
                        os.path.join(ckpt, "last.pt"), model], check=True)

        st = torch.load(os.path.join(ckpt, "last.pt"), map_location="cpu",
                        weights_only=False)
        net = tc.ColorizeNet(tuple(st["ch"]), st.get("prop", False))
        if not net.prop:
            print("FAIL: the trainer made a network without propagated "
                  "hints")
            ok = False
        net.load_state_dict(st["model"])
        net.eval()
        size = 64
        g = torch.Generator().manual_seed(3)
        x = torch.zeros(1, 4, size, size)
        x[0, 0] = torch.rand(size, size, generator=g) - 0.5
        for y, xx in ((5, 9), (40, 22), (60, 60)):  # three hint pixels
            x[0, 1:3, y, xx] = torch.rand(2, generator=g) - 0.5
            x[0, 3, y, xx] = 1.0
        if net.prop:
            # the propagated hints, as make_hints () gives them (the C
            # side of that is tests/core/test-cnn.c's colorize/prop)
            x = torch.cat([x, tc.propagate(x)], 1)
        with torch.no_grad(), torch.backends.mkldnn.flags(enabled=False):
            want = net(x)[0].numpy()  # ab: the graph ends with the x110
        inp = os.path.join(tmp, "in.f32")
        out = os.path.join(tmp, "out.f32")
        x[0].numpy().astype("<f4").tofile(inp)
        r = subprocess.run([args.runner, model, inp, str(size), str(size),
                            out, "1"], capture_output=True, text=True)
        print(r.stdout + r.stderr)
        if r.returncode != 0:
            print("FAIL: cnn-run exited with %d" % r.returncode)
            return 1
        got = np.fromfile(out, dtype="<f4")
        if got.size != want.size:
            print("FAIL: C output has %d values, the trainer's %d"
                  % (got.size, want.size))
            return 1
        diff = np.abs(got.reshape(want.shape) - want).max() / tc.AB_SCALE
        print("C runtime against the trainer's network: largest difference "
              "%.3g in network units (tolerance %g), largest output %.3g"
              % (diff, args.tol, np.abs(want).max() / tc.AB_SCALE))
        if not diff <= args.tol:
            ok = False
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
