#!/usr/bin/env python3
"""tools/train-neutralizer.py: the look neutralizer of issue 23.

    tools/gimp3-env python3 tools/train-neutralizer.py train DATA -o CKPT.pt
        [--steps N] [--batch B] [--k K] [--lattice N] [--lr LR]
        [--seed S] [--threads T] [--val V] [--levels T] [--arch A]
        [--hidden H] [--cells C] [--pixels P]
    tools/gimp3-env python3 tools/train-neutralizer.py export CKPT.pt
        OUT.safetensors
    tools/gimp3-env python3 tools/train-neutralizer.py run MODEL.safetensors
        IN.f32 W H OUT.f32         (the reference for tests/parity)

DATA is a folder of tools/make-match-set (shard-*.npz of (graded,
original) pairs).  The network sees the graded image only and predicts
the inverse colour transform in a compact form, after Zeng, Cai, Li, Cao
and Zhang 2020 ("Learning image-adaptive 3D lookup tables for high
performance photo enhancement in real-time", TPAMI): K basis 3D LUTs of
N^3 and a small CNN on a 64 x 64 area-average of the graded image that
outputs their K weights.  The predicted LUT, sum_k w_k B_k, is applied
trilinearly to the graded image at full size (after the optional levels
stage, Neutralizer.level, which the network's input goes through too);
the loss is the mean
absolute error to the original in sRGB-encoded values, plus Zeng's
smoothness and monotonicity terms on the bases.

Every operation is one that LookLab's C runtime has (docs/cnn-format.md,
kind "rgb"): stride-2 convolutions with LeakyReLU, a global average and a
1 x 1 convolution for the weights; the bases are a tensor beside the
graph.  No normalisation layer: an instance norm would remove the very
colour statistics that carry the look.

The last V pairs (default 64) are held aside: their error is printed
against doing nothing (the graded image as the answer) before and after
training, with the whole record, which export writes into the model.
"""

import argparse
import glob
import json
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

SIDE = 64  # the network's input side
WIDTHS = (16, 32, 64, 128)  # arch "cnn"
PIXEL_WIDTHS = (32, 64, 128)  # arch "pixel"
ARCHS = ("cnn", "pixel", "both")
LEVELS_MIN_RANGE = 1e-3  # the levels stage's least white - black
SLOPE = 0.2


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
    """arch "cnn": stride-2 3 x 3 convolutions, then the global average
    (the first model); "pixel": 1 x 1 convolutions, then the global
    average, so the features are averages of learned functions of each
    pixel's colour alone, a learned colour histogram (PointNet's shared
    per-point MLP and symmetric pooling, Qi et al. 2017) that no scene
    layout can enter; "both": the two, concatenated."""

    def __init__(self, k, n, hidden=0, arch="cnn", levels=0.0):
        super().__init__()
        self.levels = levels
        if arch not in ARCHS:
            raise ValueError("arch %r is not one of %s" % (arch, ARCHS))
        self.k, self.n, self.hidden, self.arch = k, n, hidden, arch
        convs, pix, feats = [], [], 0
        if arch in ("cnn", "both"):
            c = 3
            for w in WIDTHS:  # 64 -> 4
                convs.append(nn.Conv2d(c, w, 3, 2, 1))
                c = w
            feats += c
        if arch in ("pixel", "both"):
            c = 3
            for w in PIXEL_WIDTHS:
                pix.append(nn.Conv2d(c, w, 1))
                c = w
            feats += c
        self.convs = nn.ModuleList(convs)
        self.pix = nn.ModuleList(pix)
        # the weights from the pooled features: linear, or through one
        # hidden layer of 1 x 1 convolutions (an MLP on the 1 x 1 map)
        self.mid = nn.Conv2d(feats, hidden, 1) if hidden else None
        self.head = nn.Conv2d(hidden or feats, k, 1)
        nn.init.zeros_(self.head.weight)
        with torch.no_grad():
            self.head.bias.zero_()
            self.head.bias[0] = 1.0
        # bases [K, 3, n(b), n(g), n(r)]: the identity, then small noise
        t = torch.linspace(0, 1, n)
        b, g, r = torch.meshgrid(t, t, t, indexing="ij")
        bases = torch.randn(k, 3, n, n, n) * 1e-3
        bases[0] = torch.stack([r, g, b])
        self.bases = nn.Parameter(bases)

    def level(self, x0):
        """The levels stage (--levels T, 0 for none): per image and
        channel, the pooled image's darkest and lightest cells lo, hi are
        taken a share T of the way to 0 and 1: x -> (x - T lo) / (1 - T (1
        - hi) - T lo).  A whole picture's black and white points tell a
        fade or a compressed range from a scene better than averages do,
        and an average-pooling network cannot read extremes; the network
        then sees, and its LUT takes, the levelled image.  Returns the
        offset a and the scale s."""
        lo = x0.amin((2, 3), keepdim=True)
        hi = x0.amax((2, 3), keepdim=True)
        a = self.levels * lo
        b = 1.0 - self.levels * (1.0 - hi)
        return a, 1.0 / (b - a).clamp_min(LEVELS_MIN_RANGE)

    def pooled(self, graded):
        """The network's input, and the levels stage's (a, s) or None."""
        x0 = F.adaptive_avg_pool2d(graded, SIDE)
        if self.levels <= 0:
            return x0, None
        a, s = self.level(x0)
        return (x0 - a) * s, (a, s)

    def forward(self, graded, pixels=None, cells=0, gen=None):
        """The neutralized @pixels (default: @graded itself)."""
        x0, lev = self.pooled(graded)
        px = graded if pixels is None else pixels
        if lev is not None:
            px = ((px - lev[0]) * lev[1]).clamp(0, 1)
        return apply_lut(self.lut(self.weights_pooled(x0, cells, gen)), px)

    def weights(self, graded, cells=0, gen=None):
        return self.weights_pooled(self.pooled(graded)[0], cells, gen)

    def weights_pooled(self, x0, cells=0, gen=None):
        """cells > 0 (training only): the pixel branch averages over that
        many random cells of the pooled image instead of all of them, an
        unbiased estimate of the same mean at a fraction of the work."""
        feats = []
        for branch in (self.convs, self.pix):
            if len(branch) == 0:
                continue
            x = x0
            if branch is self.pix and 0 < cells < SIDE * SIDE:
                n = x0.shape[0]
                pick = torch.randint(0, SIDE * SIDE, (n, 1, cells),
                                     generator=gen).expand(n, 3, cells)
                x = x0.flatten(2).gather(2, pick)[:, :, None]
            for c in branch:
                x = F.leaky_relu(c(x), SLOPE)
            feats.append(x.mean((2, 3), keepdim=True))
        x = torch.cat(feats, 1) if len(feats) > 1 else feats[0]
        if self.mid is not None:
            x = F.leaky_relu(self.mid(x), SLOPE)
        return self.head(x)[:, :, 0, 0]

    def lut(self, w):
        return torch.einsum("nk,kcdhw->ncdhw", w, self.bases)

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


def apply_lut(lut, img):
    """Trilinear lookup of img (N, 3, H, W; values clamped to [0, 1]) in
    lut (N, 3, n(b), n(g), n(r))."""
    grid = img.clamp(0, 1).permute(0, 2, 3, 1)[:, None] * 2 - 1
    out = F.grid_sample(lut, grid, mode="bilinear", padding_mode="border",
                        align_corners=True)  # N, 3, 1, H, W
    return out[:, :, 0]


def evaluate(model, g, o):
    with torch.no_grad():
        err = 0.0
        for i in range(0, len(g), 32):
            pred = model(g[i:i + 32])
            err += (pred - o[i:i + 32]).abs().mean((1, 2, 3)).sum().item()
        return err / len(g), (g - o).abs().mean().item()


def train(a):
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    if a.steps < 10:
        sys.exit("train-neutralizer: --steps must be 10 or more")
    g, o = load(a.data)
    if len(g) <= a.val:
        sys.exit("train-neutralizer: %d pairs, want more than --val %d"
                 % (len(g), a.val))
    gv, ov = g[-a.val:], o[-a.val:]
    g, o = g[:-a.val], o[:-a.val]
    model = Neutralizer(a.k, a.lattice, a.hidden, a.arch, a.levels)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=a.lr, total_steps=a.steps,
        pct_start=max(0.05, 3.0 / a.steps))
    before, ident = evaluate(model, gv, ov)
    n_par = sum(p.numel() for p in model.parameters())
    print("train-neutralizer: %d training pairs of %d px, %d aside, arch "
          "%s, K %d, lattice %d^3, head hidden %d, %d parameters, seed %d, "
          "%d thread(s), %d steps of %d"
          % (len(g), g.shape[-1], a.val, a.arch, a.k, a.lattice, a.hidden,
             n_par,
             a.seed, a.threads, a.steps, a.batch))
    print("aside, mean |error| of sRGB values: doing nothing %.4f, "
          "model before training %.4f" % (ident, before), flush=True)
    gen = torch.Generator().manual_seed(a.seed)
    t0 = time.time()
    run = 0.0
    for step in range(1, a.steps + 1):
        idx = torch.randint(0, len(g), (a.batch,), generator=gen)
        gb, ob = g[idx], o[idx]
        if torch.rand(1, generator=gen).item() < 0.5:  # the look has no side
            gb, ob = gb.flip(3), ob.flip(3)
        rot = int(torch.randint(0, 4, (1,), generator=gen))
        gb, ob = gb.rot90(rot, (2, 3)), ob.rot90(rot, (2, 3))
        # the loss on --pixels random pixels of each pair (the LUT is a
        # function of colour alone; the lookup's backward pass dominates
        # the step time)
        n, _, h, w = gb.shape
        pix = torch.randint(0, h * w, (n, 1, a.pixels), generator=gen)
        pix = pix.expand(n, 3, a.pixels)
        gs = gb.flatten(2).gather(2, pix)[:, :, None]
        os_ = ob.flatten(2).gather(2, pix)[:, :, None]
        pred = model(gb, gs, a.cells, gen)
        smooth, mono = model.regular()
        fit = (pred - os_).abs().mean()
        loss = fit + 1e-4 * smooth + 10.0 * mono
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        run = fit.item() if step == 1 else 0.98 * run + 0.02 * fit.item()
        if step % 200 == 0 or step == a.steps:
            msg = "step %d fit %.4f (%.0f s)" % (step, run, time.time() - t0)
            if step % 1000 == 0 or step == a.steps:
                msg += ", aside %.4f" % evaluate(model, gv, ov)[0]
            print(msg, flush=True)
    after, _ = evaluate(model, gv, ov)
    secs = time.time() - t0
    print("aside after %d steps: model %.4f, doing nothing %.4f (%.1f s)"
          % (a.steps, after, ident, secs))
    record = {"command": " ".join(sys.argv), "seed": a.seed,
              "steps": a.steps, "batch": a.batch, "lr": a.lr,
              "threads": a.threads, "pixels": a.pixels, "cells": a.cells,
              "levels": a.levels,
              "hidden": a.hidden,
              "arch": a.arch, "pairs": len(g), "aside": a.val,
              "seconds": round(secs, 1),
              "aside_mae": round(after, 5), "aside_identity_mae":
              round(ident, 5)}
    manifest = os.path.join(a.data, "photos.tsv")
    trained_on = ""
    if os.path.exists(manifest):
        with open(manifest) as fh:
            pk = sorted({ln.split("\t")[1] for ln in fh.readlines()[1:]})
        trained_on = ("tools/make-match-set: crops of photos from the "
                      "Debian packages %s, graded by random looks"
                      % ", ".join(pk))
    tmp = a.out + ".tmp"
    torch.save({"state": model.state_dict(), "k": a.k,
                "lattice": a.lattice, "hidden": a.hidden, "arch": a.arch,
                "levels": a.levels,
                "record": record,
                "trained_on": trained_on}, tmp)
    os.replace(tmp, a.out)
    return 0


# ------------------------------------------------------------- export


def write_safetensors(path, tensors, metadata):
    """The safetensors layout: u64 LE header length, JSON, data."""
    header = {"__metadata__": metadata}
    off = 0
    blobs = []
    for name in sorted(tensors):
        b = np.ascontiguousarray(tensors[name], "<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape),
                        "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def branch_nodes(branch, prefix, act, pool, stride, padding, nodes,
                 tensors):
    """The graph nodes of one branch of convolutions (each followed by a
    LeakyReLU) from the input to its global average, named PREFIX<i>,
    ACT<i> and POOL; returns POOL, or None for an empty branch."""
    prev = "x"
    for i, c in enumerate(branch):
        conv = {"name": "%s%d" % (prefix, i), "op": "conv2d",
                "inputs": [prev], "weight": "%s%d.weight" % (prefix, i),
                "bias": "%s%d.bias" % (prefix, i)}
        if stride != 1:
            conv.update(stride=stride, padding=padding)
        nodes.append(conv)
        nodes.append({"name": "%s%d" % (act, i), "op": "leaky_relu",
                      "inputs": ["%s%d" % (prefix, i)], "slope": SLOPE})
        tensors["%s%d.weight" % (prefix, i)] = c.weight.detach().numpy()
        tensors["%s%d.bias" % (prefix, i)] = c.bias.detach().numpy()
        prev = "%s%d" % (act, i)
    if len(branch) == 0:
        return None
    nodes.append({"name": pool, "op": "global_avg_pool", "inputs": [prev]})
    return pool


def graph_of(model):
    nodes, tensors = [], {}
    pools = [p for p in (
        branch_nodes(model.convs, "c", "a", "pool", 2, 1, nodes, tensors),
        branch_nodes(model.pix, "p", "pa", "ppool", 1, 0, nodes, tensors))
        if p is not None]
    prev = pools[0]
    if len(pools) > 1:
        nodes.append({"name": "feat", "op": "concat", "inputs": pools})
        prev = "feat"
    if model.mid is not None:
        nodes.append({"name": "mid", "op": "conv2d", "inputs": [prev],
                      "weight": "mid.weight", "bias": "mid.bias"})
        nodes.append({"name": "mida", "op": "leaky_relu", "inputs": ["mid"],
                      "slope": SLOPE})
        tensors["mid.weight"] = model.mid.weight.detach().numpy()
        tensors["mid.bias"] = model.mid.bias.detach().numpy()
        prev = "mida"
    nodes.append({"name": "w", "op": "conv2d", "inputs": [prev],
                  "weight": "head.weight", "bias": "head.bias"})
    tensors["head.weight"] = model.head.weight.detach().numpy()
    tensors["head.bias"] = model.head.bias.detach().numpy()
    k, n = model.k, model.n
    tensors["bases"] = model.bases.detach().numpy().reshape(k * 3, n, n, n)
    graph = {"input": {"name": "x", "channels": 3, "size": SIDE},
             "kind": "rgb", "output": "w", "nodes": nodes}
    return graph, tensors


def load_ckpt(path):
    st = torch.load(path, map_location="cpu", weights_only=False)
    model = Neutralizer(st["k"], st["lattice"], st.get("hidden", 0),
                        st.get("arch", "cnn"), levels=st.get("levels", 0.0))
    model.load_state_dict(st["state"])
    model.eval()
    return model, st


def export(a):
    model, st = load_ckpt(a.ckpt)
    graph, tensors = graph_of(model)
    meta = {"looklab.format": "looklab-cnn", "looklab.version": "1",
            "looklab.graph": json.dumps(graph, separators=(",", ":")),
            "looklab.neutralizer": json.dumps(
                {"k": model.k, "lattice": model.n, "hidden": model.hidden,
                 "arch": model.arch, "levels": model.levels,
                 "bases": "bases",
                 "downsample": "area", "side": SIDE}),
            "looklab.name": "LookLab look neutralizer (basis 3D LUTs)",
            "looklab.license": "GPL-3+ (trained on photos under free "
                               "licences; see data/README.md)",
            "looklab.trained_on": st.get("trained_on", ""),
            "looklab.training": json.dumps(st.get("record", {}))}
    write_safetensors(a.out, tensors, meta)
    print("wrote %s (%d tensors, %.2f MB)" % (
        a.out, len(tensors), os.path.getsize(a.out) / 1e6))
    return 0


def model_from_file(path):
    """The network of an exported file, for the parity test."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__")
    nz = json.loads(meta["looklab.neutralizer"])
    t = {}
    for name, d in header.items():
        b, e = d["data_offsets"]
        t[name] = torch.from_numpy(np.frombuffer(
            data[b:e], "<f4").reshape(d["shape"]).copy())
    model = Neutralizer(nz["k"], nz["lattice"], nz.get("hidden", 0),
                        nz.get("arch", "cnn"), levels=nz.get("levels", 0.0))
    sd = {"bases": t["bases"].reshape(nz["k"], 3, nz["lattice"],
                                      nz["lattice"], nz["lattice"]),
          "head.weight": t["head.weight"], "head.bias": t["head.bias"]}
    if "mid.weight" in t:
        sd["mid.weight"], sd["mid.bias"] = t["mid.weight"], t["mid.bias"]
    for i in range(len(model.convs)):
        sd["convs.%d.weight" % i] = t["c%d.weight" % i]
        sd["convs.%d.bias" % i] = t["c%d.bias" % i]
    for i in range(len(model.pix)):
        sd["pix.%d.weight" % i] = t["p%d.weight" % i]
        sd["pix.%d.bias" % i] = t["p%d.bias" % i]
    model.load_state_dict(sd)
    model.eval()
    return model


def run(a):
    """IN.f32: packed RGB float32, H x W x 3; OUT.f32: the neutralized
    image, the same layout, then the K weights."""
    torch.backends.mkldnn.enabled = False
    model = model_from_file(a.model)
    x = np.fromfile(a.input, "<f4").reshape(a.height, a.width, 3)
    x = torch.from_numpy(x.copy()).permute(2, 0, 1)[None].double()
    model = model.double()
    with torch.no_grad():
        out = model(x)
        w = model.weights(x)
    res = np.concatenate([out[0].permute(1, 2, 0).numpy().ravel(),
                          w[0].numpy().ravel()]).astype("<f4")
    res.tofile(a.output)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("data")
    t.add_argument("-o", "--out", required=True)
    t.add_argument("--steps", type=int, default=2000)
    t.add_argument("--batch", type=int, default=16)
    t.add_argument("--k", type=int, default=12)
    t.add_argument("--lattice", type=int, default=17)
    t.add_argument("--hidden", type=int, default=0,
                   help="units of a hidden layer before the weights "
                        "(0: linear)")
    t.add_argument("--arch", choices=ARCHS, default="cnn",
                   help="the weight network (see Neutralizer)")
    t.add_argument("--levels", type=float, default=0.0,
                   help="share T of the levels stage (see "
                        "Neutralizer.level; 0: none)")
    t.add_argument("--lr", type=float, default=2e-3)
    t.add_argument("--seed", type=int, default=23)
    t.add_argument("--threads", type=int, default=1)
    t.add_argument("--val", type=int, default=64)
    t.add_argument("--cells", type=int, default=0,
                   help="arch pixel/both: cells of the pooled image the "
                        "pixel branch sees in a training step (0: all)")
    t.add_argument("--pixels", type=int, default=1024,
                   help="pixels of each pair in the loss")
    e = sub.add_parser("export")
    e.add_argument("ckpt")
    e.add_argument("out")
    r = sub.add_parser("run")
    r.add_argument("model")
    r.add_argument("input")
    r.add_argument("width", type=int)
    r.add_argument("height", type=int)
    r.add_argument("output")
    a = ap.parse_args()
    return {"train": train, "export": export, "run": run}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
