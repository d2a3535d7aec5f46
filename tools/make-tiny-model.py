#!/usr/bin/env python3
"""Makes the tiny random model and the golden outputs that tests/core/
test-cnn.c checks the C runtime against (checked in beside this script's
output, tests/core/data/):

    tools/make-tiny-model.py tests/core/data

writes tiny-model.safetensors (a "hints" model, every op of
docs/cnn-format.md at least once: conv2d with stride, padding and
dilation, 1x1 conv2d, batchnorm folded and not folded, relu, leaky_relu,
sigmoid, tanh, conv_transpose2d with and without output_padding,
subsample, upsample_bilinear, add, concat, softmax_annealed_mean, scale)
and, for inputs of 16x16 and 12x20 (h x w), tiny-in-HxW.bin (the encoded
4-plane input) and tiny-out-HxW.bin (PyTorch's output computed in float64), raw
little-endian float32, planar.  Seeded: the same files every run.
Needs python3-torch and python3-numpy.
"""

import importlib.util
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

SEED = 1234


def converter():
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location(
        "convert_zhang", os.path.join(here, "convert-zhang.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main(outdir):
    cz = converter()
    g = torch.Generator().manual_seed(SEED)

    def rnd(*shape, scale=0.5):
        return torch.randn(shape, generator=g) * scale

    def bn(c):
        return {"weight": torch.rand(c, generator=g) + 0.5,
                "bias": rnd(c, scale=0.2),
                "mean": rnd(c, scale=0.2),
                "var": torch.rand(c, generator=g) + 0.5}

    Q = 7
    T = {
        "c1.weight": rnd(6, 4, 3, 3), "c1.bias": rnd(6),
        "c2.weight": rnd(8, 6, 3, 3), "c2.bias": rnd(8),
        "c3.weight": rnd(8, 6, 1, 1), "c3.bias": rnd(8),
        "t1.weight": rnd(8, 6, 4, 4), "t1.bias": rnd(6),
        "t2.weight": rnd(8, 2, 3, 3, scale=0.05), "t2.bias": rnd(2, scale=0.05),
        "c4.weight": rnd(10, 12, 3, 3), "c4.bias": rnd(10),
        "c5.weight": rnd(Q, 10, 1, 1, scale=2.0), "c5.bias": rnd(Q),
        "c6.weight": rnd(2, 8, 1, 1, scale=0.05), "c6.bias": rnd(2, scale=0.05),
        "bins": torch.rand((Q, 2), generator=g) * 2 - 1,
    }
    B1, B2 = bn(6), bn(8)
    for k, v in B1.items():
        T["b1." + k] = v
    for k, v in B2.items():
        T["b2." + k] = v

    def batchnorm(x, b):
        return F.batch_norm(x, b["mean"], b["var"], b["weight"], b["bias"],
                            training=False, eps=1e-5)

    def forward(x):
        r1 = F.relu(batchnorm(F.conv2d(x, T["c1.weight"], T["c1.bias"],
                                       padding=1), B1))
        c2 = F.conv2d(r1, T["c2.weight"], T["c2.bias"], stride=2, padding=2,
                      dilation=2)
        b2 = batchnorm(F.leaky_relu(c2, 0.2), B2)
        c3 = F.conv2d(r1[:, :, ::2, ::2], T["c3.weight"], T["c3.bias"])
        a2 = b2 + c3
        g1 = torch.sigmoid(F.conv_transpose2d(a2, T["t1.weight"],
                                              T["t1.bias"], stride=2,
                                              padding=1))
        k1 = torch.cat([g1, r1], dim=1)
        h1 = torch.tanh(F.conv2d(k1, T["c4.weight"], T["c4.bias"],
                                 padding=1))
        z = F.conv2d(h1, T["c5.weight"], T["c5.bias"])
        p = F.softmax(z / 0.38, dim=1)
        q1 = torch.einsum("nqhw,qc->nchw", p, T["bins"])
        u1 = F.interpolate(a2, scale_factor=2, mode="bilinear",
                           align_corners=False)
        c6 = F.conv2d(u1, T["c6.weight"], T["c6.bias"])
        t2 = F.conv_transpose2d(a2, T["t2.weight"], T["t2.bias"], stride=2,
                                padding=1, output_padding=1)
        return (q1 + c6 + t2) * 110.0

    def conv(name, inp, **kw):
        d = {"name": name, "op": "conv2d", "inputs": [inp],
             "weight": name + ".weight", "bias": name + ".bias"}
        d.update(kw)
        return d

    def bnode(name, inp):
        return {"name": name, "op": "batchnorm", "inputs": [inp],
                "weight": name + ".weight", "bias": name + ".bias",
                "mean": name + ".mean", "var": name + ".var", "eps": 1e-5}

    nodes = [
        conv("c1", "x", padding=1),
        bnode("b1", "c1"),
        {"name": "r1", "op": "relu", "inputs": ["b1"]},
        conv("c2", "r1", stride=2, padding=2, dilation=2),
        {"name": "l2", "op": "leaky_relu", "inputs": ["c2"], "slope": 0.2},
        bnode("b2", "l2"),
        {"name": "s1", "op": "subsample", "inputs": ["r1"], "stride": 2},
        conv("c3", "s1"),
        {"name": "a2", "op": "add", "inputs": ["b2", "c3"]},
        {"name": "t1", "op": "conv_transpose2d", "inputs": ["a2"],
         "weight": "t1.weight", "bias": "t1.bias", "stride": 2,
         "padding": 1},
        {"name": "g1", "op": "sigmoid", "inputs": ["t1"]},
        {"name": "k1", "op": "concat", "inputs": ["g1", "r1"]},
        conv("c4", "k1", padding=1),
        {"name": "h1", "op": "tanh", "inputs": ["c4"]},
        conv("c5", "h1"),
        {"name": "q1", "op": "softmax_annealed_mean", "inputs": ["c5"],
         "bins": "bins", "temperature": 0.38},
        {"name": "u1", "op": "upsample_bilinear", "inputs": ["a2"],
         "scale": 2},
        conv("c6", "u1"),
        {"name": "t2", "op": "conv_transpose2d", "inputs": ["a2"],
         "weight": "t2.weight", "bias": "t2.bias", "stride": 2,
         "padding": 1, "output_padding": 1},
        {"name": "sum", "op": "add", "inputs": ["q1", "c6", "t2"]},
        {"name": "out", "op": "scale", "inputs": ["sum"], "factor": 110.0},
    ]
    graph = {"input": {"name": "x", "channels": 4, "size": 16,
                       "l_center": 50.0, "l_scale": 100.0,
                       "ab_scale": 110.0, "mask_offset": -0.5},
             "kind": "hints", "output": "out", "out_stride": 1,
             "nodes": nodes}
    os.makedirs(outdir, exist_ok=True)
    cz.save_model(os.path.join(outdir, "tiny-model.safetensors"), graph,
                  {k: v.numpy() for k, v in T.items()},
                  "LookLab tiny test model (random)", "GPL-3.0-or-later")
    for h, w in ((16, 16), (12, 20)):
        x = torch.randn((1, 4, h, w), generator=g)
        # The golden output is the float64 forward: the exact answer for
        # these float32 weights, not PyTorch's own float32 rounding.
        with torch.no_grad():
            T64 = {k: v.double() for k, v in T.items()}
            saved = dict(T)
            T.update(T64)
            for b in (B1, B2):
                for k in b:
                    b[k] = b[k].double()
            y = forward(x.double()).float()
            T.update(saved)
            for b in (B1, B2):
                for k in b:
                    b[k] = b[k].float()
        x[0].numpy().astype("<f4").tofile(
            os.path.join(outdir, "tiny-in-%dx%d.bin" % (h, w)))
        y[0].numpy().astype("<f4").tofile(
            os.path.join(outdir, "tiny-out-%dx%d.bin" % (h, w)))
        print("%dx%d: output %s, range [%.2f, %.2f]" %
              (h, w, tuple(y.shape), float(y.min()), float(y.max())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "tests/core/data"))
