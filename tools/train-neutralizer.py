#!/usr/bin/env python3
"""tools/train-neutralizer.py: the look neutralizer of issue 23 (skeleton).

    tools/gimp3-env python3 tools/train-neutralizer.py DATA -o OUT.pt
        [--steps N] [--batch B] [--k K] [--lattice N] [--seed S]
        [--threads T] [--val V]

DATA is a folder of tools/make-match-set (shard-*.npz of (graded,
original) pairs).  The network sees the graded image only and predicts the
inverse colour transform in a compact form, after Zeng, Cai, Li, Cao,
Zhang 2020 ("Learning image-adaptive 3D lookup tables"): K basis 3D LUTs
of N^3 (learned, the first started at the identity, the others at zero)
and a small CNN on a 64 x 64 copy of the graded image that outputs their K
weights; the predicted LUT, sum_k w_k B_k, is applied trilinearly to the
graded image at full size, and the loss is the mean absolute error to the
original (plus Zeng's smoothness and monotonicity terms on the bases).
The last V pairs (default 32) are held aside: their error is printed
against doing nothing (graded as the answer) before and after training.

A skeleton: no export to safetensors or C runtime yet, and nothing here
says how good a full training is.
"""

import argparse
import glob
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def load(data):
    g, o = [], []
    for f in sorted(glob.glob(os.path.join(data, "shard-*.npz"))):
        d = np.load(f)
        g.append(d["graded"])
        o.append(d["original"])
    if not g:
        sys.exit("train-neutralizer: no shard-*.npz in %s (run "
                 "tools/make-match-set)" % data)
    g = torch.from_numpy(np.concatenate(g).astype(np.float32) / 65535.0)
    o = torch.from_numpy(np.concatenate(o).astype(np.float32) / 65535.0)
    return g.permute(0, 3, 1, 2), o.permute(0, 3, 1, 2)  # N, 3, H, W


class Neutralizer(nn.Module):
    def __init__(self, k, n):
        super().__init__()
        layers, c = [], 3
        for w in (16, 32, 64, 128):  # 64 -> 4
            layers += [nn.Conv2d(c, w, 3, 2, 1), nn.LeakyReLU(0.2),
                       nn.InstanceNorm2d(w, affine=True)]
            c = w
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(c, k)
        nn.init.zeros_(self.head.weight)
        with torch.no_grad():
            self.head.bias.zero_()
            self.head.bias[0] = 1.0
        # bases [K, 3, n(b), n(g), n(r)]: identity, then zeros
        t = torch.linspace(0, 1, n)
        b, g, r = torch.meshgrid(t, t, t, indexing="ij")
        ident = torch.stack([r, g, b])
        bases = torch.zeros(k, 3, n, n, n)
        bases[0] = ident
        self.bases = nn.Parameter(bases)

    def weights(self, graded):
        x = F.interpolate(graded, size=(64, 64), mode="area")
        f = self.features(x).mean((2, 3))
        return self.head(f)

    def forward(self, graded):
        w = self.weights(graded)                      # N, K
        lut = torch.einsum("nk,kcdhw->ncdhw", w, self.bases)
        grid = graded.permute(0, 2, 3, 1)[:, None] * 2 - 1  # N,1,H,W,(r,g,b)
        out = F.grid_sample(lut, grid, mode="bilinear", padding_mode="border",
                            align_corners=True)       # N, 3, 1, H, W
        return out[:, :, 0], lut

    def regular(self):
        """Zeng et al.'s smoothness (squared differences of neighbouring
        lattice entries) and monotonicity (ReLU of decreases along each
        channel's own axis) terms on the bases."""
        b = self.bases
        dr = b[..., 1:] - b[..., :-1]
        dg = b[..., 1:, :] - b[..., :-1, :]
        db = b[:, :, 1:] - b[:, :, :-1]
        smooth = dr.pow(2).mean() + dg.pow(2).mean() + db.pow(2).mean()
        mono = (F.relu(-dr[:, 0]).mean() + F.relu(-dg[:, 1]).mean()
                + F.relu(-db[:, 2]).mean())
        return smooth, mono


def evaluate(model, g, o):
    with torch.no_grad():
        pred, _ = model(g)
        return (pred - o).abs().mean().item(), (g - o).abs().mean().item()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data")
    ap.add_argument("-o", "--out", required=True)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--k", type=int, default=4)
    ap.add_argument("--lattice", type=int, default=17)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=23)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--val", type=int, default=32)
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    torch.backends.mkldnn.enabled = False  # see bench/bench-colorize
    g, o = load(a.data)
    if len(g) <= a.val:
        sys.exit("train-neutralizer: %d pairs, want more than --val %d"
                 % (len(g), a.val))
    gv, ov = g[-a.val:], o[-a.val:]
    g, o = g[:-a.val], o[:-a.val]
    model = Neutralizer(a.k, a.lattice)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    before, ident = evaluate(model, gv, ov)
    print("train-neutralizer: %d training pairs, %d aside, K %d, lattice "
          "%d^3, %d parameters, seed %d, %d thread(s)"
          % (len(g), a.val, a.k, a.lattice,
             sum(p.numel() for p in model.parameters()), a.seed, a.threads))
    print("aside, mean |error| of sRGB values: doing nothing %.4f, "
          "model before training %.4f" % (ident, before))
    gen = torch.Generator().manual_seed(a.seed)
    t0 = time.time()
    for step in range(1, a.steps + 1):
        idx = torch.randint(0, len(g), (a.batch,), generator=gen)
        pred, _ = model(g[idx])
        smooth, mono = model.regular()
        loss = (pred - o[idx]).abs().mean() + 1e-4 * smooth + 10.0 * mono
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 50 == 0 or step == a.steps:
            print("step %d loss %.4f (%.1f s)" % (step, loss.item(),
                                                 time.time() - t0),
                  flush=True)
    after, _ = evaluate(model, gv, ov)
    print("aside after %d steps: model %.4f, doing nothing %.4f (%.1f s)"
          % (a.steps, after, ident, time.time() - t0))
    torch.save({"state": model.state_dict(), "k": a.k,
                "lattice": a.lattice, "seed": a.seed, "steps": a.steps},
               a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
