#!/usr/bin/env python3
"""tools/train-colorize.py: trains LookLab's default colorization model.

    tools/gimp3-env python3 tools/train-colorize.py train SET CKPTDIR \
        [--steps N | --minutes M] [--seed S] [--threads T] [--size PX]
        [--batch B] [--lr LR] [--init MODEL.safetensors] [--device cuda]
    tools/gimp3-env python3 tools/train-colorize.py export CKPT OUT.safetensors
    tools/gimp3-env python3 tools/train-colorize.py average SET OUT.pt CKPT...

SET is the folder written by tools/make-colorize-set (only SET/train/ is
read; SET/heldout/ is the benchmark's).  The model is a small U-Net that
takes L plus sparse ab hints and a hint mask, as in Zhang et al., "Real-Time
User-Guided Image Colorization with Learned Deep Priors", SIGGRAPH 2017
(https://arxiv.org/abs/1705.02999): the input channels are (L - 50) / 100,
a / 110 and b / 110 at hinted cells (0 elsewhere), and the mask (1 at hinted
cells).  Hints are simulated as in that paper: a random number of points
(geometric; none at all in a quarter of the samples), each revealing the
mean ab of a small patch around it.

Loss: smooth-L1 on ab (the SIGGRAPH 2017 regression loss, whose median-like
answer is less washed out than L2's mean), with each pixel weighted by the
rarity of its true ab in the spirit of the class rebalancing of Zhang et al.
ECCV 2016 (https://arxiv.org/abs/1603.08511, eq. 3-4), but milder:
w ~ (p + 1/Q)^(-1/3), normalised to mean 1, so that saturated colours are
not averaged away and common ones not overdone.

Lab is CIE L*a*b* relative to D50 with sRGB adapted by Bradford, the same as
babl's "CIE Lab float" that the C runtime's callers use.

The exported file follows docs/cnn-format.md (graph in the metadata, F32
tensors; BatchNorm kept as its own node, folded by the runtime at load).
Seeded; use --threads 1 on a shared machine.  On the CPU it uses oneDNN
only after checking it against torch's plain convolutions (see
CHANNEL_MULTIPLE); tests/parity/test-trainer.py runs it end to end.
"""

import argparse
import copy
import glob
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

L_CENTER, L_SCALE, AB_SCALE = 50.0, 100.0, 110.0

# sRGB (D65) -> XYZ adapted to D50 by Bradford (Lindbloom's table), and the
# D50 white: the same conversion babl and ICC use.
M_RGB_XYZ50 = np.array([[0.4360747, 0.3850649, 0.1430804],
                        [0.2225045, 0.7168786, 0.0606169],
                        [0.0139322, 0.0971045, 0.7141733]], np.float32)
WHITE_D50 = np.array([0.9642, 1.0, 0.8249], np.float32)


def srgb_decode(v):
    return np.where(v <= 0.04045, v / 12.92,
                    ((np.maximum(v, 0) + 0.055) / 1.055) ** 2.4)


# 8-bit sRGB -> linear, by table (the training batches are 8-bit)
SRGB_LUT = srgb_decode(np.arange(256) / 255.0).astype(np.float32)


def srgb_to_lab_t(rgb, linear=False):
    """rgb: float tensor [..., 3, H, W] in 0..1 (sRGB-encoded, or linear
    when @linear) -> Lab tensor, same shape."""
    if linear:
        lin = rgb
    else:
        lin = torch.where(rgb <= 0.04045, rgb / 12.92,
                          ((rgb + 0.055) / 1.055).clamp(min=0) ** 2.4)
    m = torch.from_numpy(M_RGB_XYZ50).to(rgb)
    xyz = torch.einsum("ij,...jhw->...ihw", m, lin)
    xyz = xyz / torch.from_numpy(WHITE_D50).to(rgb).view(3, 1, 1)
    eps, kap = 216.0 / 24389.0, 24389.0 / 27.0
    f = torch.where(xyz > eps, xyz.clamp(min=1e-12) ** (1.0 / 3.0),
                    (kap * xyz + 16.0) / 116.0)
    fx, fy, fz = f.unbind(-3)
    return torch.stack([116.0 * fy - 16.0, 500.0 * (fx - fy),
                        200.0 * (fy - fz)], -3)


# ---------------------------------------------------------------- model


# torch 2.6's oneDNN (Debian 13), on the AMD EPYC machines here, computes a
# convolution wrongly (NaN, or errors as large as its output) when its
# input has more than 4 channels and the count is not a multiple of 16:
# 19, 35, 67, 131 and 51 in this network; 16, 32, 64, 96, 128 and 192 are
# right.  Zero channels added to the input and to the weights change no
# number and make oneDNN right, so it is kept: with it a training step
# here takes 0.34 s, with torch's plain CPU convolutions 2.5 s.  train()
# checks oneDNN against those plain kernels before it uses it.
CHANNEL_MULTIPLE = 16


def conv_padded(conv, x):
    c = x.shape[1]
    pad = -c % CHANNEL_MULTIPLE if c > 4 else 0
    w = conv.weight
    if pad:
        x = F.pad(x, (0, 0, 0, 0, 0, pad))
        w = F.pad(w, (0, 0, 0, 0, 0, pad))
    return F.conv2d(x, w, conv.bias, conv.stride, conv.padding,
                    conv.dilation)


class Block(nn.Module):
    def __init__(self, cin, cout, stride=1, dilation=1):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, stride, dilation, dilation)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.relu(self.bn(conv_padded(self.conv, x)))


class ColorizeNet(nn.Module):
    """U-Net at half the input resolution: the first convolution has stride
    2 and the ab answer comes out at half resolution (out_stride 2), as ab
    is smooth (ECCV16 answers at a quarter); 3 more stride-2 levels, a
    dilated bottleneck, bilinear upsampling and concatenated skips.

    The hint channels (a, b, mask) are also sum-pooled by fixed 2x2
    stride-2 convolutions into every coarser level and concatenated there,
    so that a few sparse dots reach the coarse levels directly instead of
    being learned through many sparse convolutions (a short CPU training
    cannot learn that propagation alone).

    With @prop (the default model since stage 4) the input has two more
    planes, the propagated hints (propagate()), and the answer is their 2x2
    mean plus the network's correction: without hints the planes are 0
    and the network answers alone, with hints it starts from the anchor's
    answer.  Without @prop it is the 4-channel network of stages 1-3."""

    def __init__(self, ch=(16, 32, 64, 128), prop=True):
        super().__init__()
        self.ch = tuple(ch)
        self.prop = prop
        c1, c2, c3, c4 = ch
        cin = 6 if prop else 4
        w0 = torch.zeros(3, cin, 2, 2)
        w = torch.zeros(3, 3, 2, 2)
        for k in range(3):
            w0[k, k + 1] = 1.0
            w[k, k] = 1.0
        self.register_buffer("pool0", w0)
        self.register_buffer("pool", w)
        if prop:
            # the 2x2 mean of planes 4 and 5, in ab units
            wp = torch.zeros(2, cin, 2, 2)
            wp[0, 4] = wp[1, 5] = 0.25 * AB_SCALE
            self.register_buffer("prop_pool", wp)
        self.e1 = nn.ModuleList([Block(cin, c1, 2), Block(c1, c1)])
        self.e2 = nn.ModuleList([Block(c1 + 3, c2, 2), Block(c2, c2)])
        self.e3 = nn.ModuleList([Block(c2 + 3, c3, 2), Block(c3, c3)])
        self.e4 = nn.ModuleList([Block(c3 + 3, c4, 2)])
        self.e5 = nn.ModuleList([Block(c4 + 3, c4, 1, 2),
                                 Block(c4, c4, 1, 2)])
        self.d3 = nn.ModuleList([Block(c4 + c3, c3)])
        self.d2 = nn.ModuleList([Block(c3 + c2, c2)])
        self.d1 = nn.ModuleList([Block(c2 + c1 + 3, c1), Block(c1, c1)])
        self.head = nn.Conv2d(c1, 2, 1)

    @staticmethod
    def run(blocks, x):
        for b in blocks:
            x = b(x)
        return x

    def forward(self, x):
        h1 = F.conv2d(x, self.pool0, stride=2)
        h2 = F.conv2d(h1, self.pool, stride=2)
        h3 = F.conv2d(h2, self.pool, stride=2)
        h4 = F.conv2d(h3, self.pool, stride=2)
        s1 = self.run(self.e1, x)
        s2 = self.run(self.e2, torch.cat([s1, h1], 1))
        s3 = self.run(self.e3, torch.cat([s2, h2], 1))
        y = self.run(self.e4, torch.cat([s3, h3], 1))
        y = self.run(self.e5, torch.cat([y, h4], 1))
        for blocks, skip in ((self.d3, [s3]), (self.d2, [s2]),
                             (self.d1, [s1, h1])):
            y = F.interpolate(y, scale_factor=2, mode="bilinear",
                              align_corners=False)
            y = self.run(blocks, torch.cat([y] + skip, 1))
        out = self.head(y) * AB_SCALE
        if self.prop:
            out = out + F.conv2d(x, self.prop_pool, stride=2)
        return out


# ------------------------------------------------------------ data


class Data:
    """Random crops of the training photos, seeded."""

    def __init__(self, root, size, seed, white_balance=0.0, stamps=0.45):
        self.size = size
        self.white_balance = white_balance
        self.stamps_share = stamps
        self.rng = np.random.default_rng(seed)
        load = lambda pat, mode: [np.asarray(Image.open(p).convert(mode))
                                  for p in sorted(glob.glob(pat))]
        self.scenes = load(os.path.join(root, "train/scenes/*.png"), "RGB")
        self.textures = load(os.path.join(root, "train/textures/*.png"),
                             "RGB")
        self.stamps = load(os.path.join(root, "train/stamps/*.png"), "RGBA")
        if not self.scenes or not self.textures or not self.stamps:
            sys.exit("train-colorize: %s/train/{scenes,textures,stamps} "
                     "must not be empty" % root)

    def crop(self, img, out):
        r = self.rng
        h, w = img.shape[:2]
        side = min(h, w) * r.uniform(0.3, 1.0)
        asp = math.exp(r.uniform(-0.35, 0.35))
        cw = int(min(w, side * asp))
        ch = int(min(h, side / asp))
        x = r.integers(0, w - cw + 1)
        y = r.integers(0, h - ch + 1)
        im = Image.fromarray(img[y:y + ch, x:x + cw])
        im = im.resize((out, out), Image.BOX if cw > out else Image.BILINEAR)
        a = np.asarray(im)
        return a[:, ::-1] if r.random() < 0.5 else a

    def sample(self):
        r, S = self.rng, self.size
        u = r.random()
        if u < 0.2:
            bg = self.textures[r.integers(len(self.textures))]
        else:
            bg = self.scenes[r.integers(len(self.scenes))]
        img = self.crop(bg, S).astype(np.float32)
        if u >= 1.0 - self.stamps_share:
            # objects pasted onto a scene: animals, food, flowers, vehicles
            for _ in range(r.integers(1, 4)):
                st = self.stamps[r.integers(len(self.stamps))]
                k = r.uniform(0.35, 0.9) * S / max(st.shape[:2])
                sw = max(8, int(st.shape[1] * k))
                sh = max(8, int(st.shape[0] * k))
                s = np.asarray(Image.fromarray(st).resize((sw, sh),
                                                          Image.BOX),
                               np.float32)
                if r.random() < 0.5:
                    s = s[:, ::-1]
                sw, sh = min(sw, S), min(sh, S)
                s = s[:sh, :sw]
                x = r.integers(0, S - sw + 1)
                y = r.integers(0, S - sh + 1)
                al = s[..., 3:] / 255.0
                img[y:y + sh, x:x + sw] = (al * s[..., :3] + (1 - al)
                                           * img[y:y + sh, x:x + sw])
        return img

    def batch(self, n):
        """n samples as Lab, [n, 3, S, S]"""
        rgb = np.stack([self.sample() for _ in range(n)])
        lin = SRGB_LUT[np.clip(np.rint(rgb), 0, 255).astype(np.uint8)]
        if self.white_balance > 0:
            lin = self.rebalance(lin)
        lin = torch.from_numpy(lin.transpose(0, 3, 1, 2).copy())
        return srgb_to_lab_t(lin, linear=True)

    def rebalance(self, lin):
        """Half of the samples get another white balance: linear R and B
        gains 1/k and k with log k ~ N(0, white_balance), scaled to keep
        the luminance of a gray, clipped at 1 as a sensor clips.  The
        training photos lean warm (sunset wallpapers, pasted objects), and
        the colour temperature of a scene is the camera's choice as much
        as the scene's, so the prior should not learn one temperature
        from this set.  Symmetric: it widens the temperatures seen, it
        does not aim at the benchmark's.  Tried in stage 5 (run B in
        data/models/README.md) and not shipped: the network answered
        grayer, not bluer."""
        r = self.rng
        lin = lin.copy()
        for i in range(len(lin)):
            if r.random() >= 0.5:
                continue
            k = math.exp(r.normal(0.0, self.white_balance))
            g = np.array([1.0 / k, 1.0, k], np.float32)
            g /= M_RGB_XYZ50[1] @ g
            np.minimum(lin[i] * g, 1.0, out=lin[i])
        return lin


def make_hints(lab, rng, p_none=0.25, p_geom=1.0 / 8, max_pts=128,
               p_rotate=0.0, p_many=0.0):
    """SIGGRAPH 2017 hint simulation: returns the 6-channel input (L, the
    hints' a and b, their mask, the propagated hints' a and b).

    With @p_rotate, that share of the samples that get hints has its true
    ab turned by a random hue angle first (in place in @lab, so that the
    loss sees it too).  The network memorises the colours of the few
    hundred training photos (on crops of them it is far better than the
    anchor, on photos it never saw worse); a photo of unknown colours with
    hints can only be answered by following the hints, which is what it
    must learn for new photos.  Samples without hints are never turned:
    there the colours of the world are the lesson.

    With @p_many, that share of the hinted samples draws its number of
    points log-uniformly from 1 to @max_pts instead: the geometric count
    (mean 1 / @p_geom) almost never gives the 50 or more cells of a
    painted stroke or of many dots, where the propagation alone is
    already good and a network that never saw so many hints spoils it."""
    n, _, h, w = lab.shape
    hinted = [rng.random() >= p_none for _ in range(n)]
    for i in range(n):
        if hinted[i] and p_rotate > 0 and rng.random() < p_rotate:
            t = rng.uniform(0, 2 * math.pi)
            a, b = lab[i, 1].clone(), lab[i, 2]
            lab[i, 1] = math.cos(t) * a - math.sin(t) * b
            lab[i, 2] = math.sin(t) * a + math.cos(t) * b
    ab = lab[:, 1:]
    # the patch means for patch sides 1, 3, 5 (reflect padding at borders)
    means = [ab] + [F.avg_pool2d(F.pad(ab, (k // 2,) * 4, mode="replicate"),
                                 k, 1) for k in (3, 5)]
    hint = torch.zeros(n, 2, h, w)
    mask = torch.zeros(n, 1, h, w)
    for i in range(n):
        if not hinted[i]:
            continue
        if p_many > 0 and rng.random() < p_many:
            k = int(round(math.exp(rng.uniform(0.0, math.log(max_pts)))))
        else:
            k = min(max_pts, int(rng.geometric(p_geom)))
        ys = rng.integers(0, h, k)
        xs = rng.integers(0, w, k)
        which = rng.integers(0, 3, k)
        for y, x, m in zip(ys, xs, which):
            hint[i, :, y, x] = means[m][i, :, y, x]
            mask[i, 0, y, x] = 1.0
    l = (lab[:, :1] - L_CENTER) / L_SCALE
    x = torch.cat([l, hint / AB_SCALE, mask], 1)
    return torch.cat([x, propagate(x)], 1)


# The propagated hints (input planes 4 and 5): the non-learned anchor of
# bench/bench-colorize, a normalised bilateral (Shepard) interpolation of the
# hint cells, w_i(p) = exp(-|p - x_i|^2 / (2 sigma_s^2) - (L(p) - L_i)^2 /
# (2 sigma_l^2)), computed at the network's input cells (distances in cells,
# so squashed crops and squashed photos agree).  sigma_s is PROP_SIGMA_S
# times the side, shrinking beyond PROP_REF_HINTS hints as (ref / n)^pow
# down to PROP_SIGMA_S_MIN (the density rule of core/colorize/colorize.c's fusion).
# The network adds its correction to this answer (ColorizeNet, prop), so it
# learns what the anchor misses instead of relearning the anchor.  The
# values are written into the exported graph; core/colorize/colorize.c reads them.
PROP = {"sigma_s": 0.25, "sigma_l": 10.0, "ref_hints": 10,
        "density_pow": 0.8, "sigma_s_min": 1.0 / 32.0}


def prop_sigma_s(n, side):
    s = PROP["sigma_s"]
    if n > PROP["ref_hints"]:
        s *= (PROP["ref_hints"] / n) ** PROP["density_pow"]
    return max(s, PROP["sigma_s_min"]) * side


def propagate(x):
    """x: the 4-channel input [n, 4, S, S]; returns the propagated hints
    [n, 2, S, S] in input units (ab / AB_SCALE), 0 without hints."""
    n, _, h, w = x.shape
    out = torch.zeros(n, 2, h, w)
    yy, xx = torch.meshgrid(torch.arange(h, dtype=torch.float32),
                            torch.arange(w, dtype=torch.float32),
                            indexing="ij")
    for i in range(n):
        ys, xs = torch.nonzero(x[i, 3] > 0.5, as_tuple=True)
        k = len(ys)
        if k == 0:
            continue
        lum = x[i, 0] * L_SCALE + L_CENTER
        ss = prop_sigma_s(k, max(h, w))
        d2 = ((yy.flatten()[None] - ys[:, None].float()) ** 2
              + (xx.flatten()[None] - xs[:, None].float()) ** 2)
        dl = lum.flatten()[None] - lum[ys, xs][:, None]
        q = d2 / (2 * ss * ss) + dl * dl / (2 * PROP["sigma_l"] ** 2)
        wt = torch.softmax(-q, 0)  # normalised over the hints, per cell
        ab = x[i, 1:3, ys, xs]  # [2, k]
        out[i] = (ab @ wt).view(2, h, w)
    return out


def ab_weights(data, rng, n=512, power=1.0 / 3.0, bins=22):
    """Rebalancing weights over a 22x22 grid of 10-unit ab bins."""
    hist = torch.zeros(bins * bins)
    for _ in range(n // 32):
        lab = data.batch(32)
        idx = ab_bin(lab[:, 1:], bins)
        hist += torch.bincount(idx.flatten(), minlength=bins * bins).float()
    p = hist / hist.sum()
    # smooth as ECCV16 does (their sigma 5 in ab units; one bin here)
    p2 = p.view(1, 1, bins, bins)
    g = torch.tensor([0.25, 0.5, 0.25])
    p2 = F.conv2d(F.pad(p2, (1, 1, 1, 1), mode="replicate"),
                  (g[:, None] * g[None, :]).view(1, 1, 3, 3))
    p = p2.flatten()
    # ECCV16's 1 / ((1 - lambda) p + lambda / Q) spans two orders of
    # magnitude; with a regression loss that over-saturates everything (a
    # first run here gave 1.6x the true colourfulness and worse dE00 than
    # gray), so the milder (p + 1/Q)^(-1/3) is used: about 5x between the
    # commonest and the rarest colours.
    w = (p + 1.0 / (bins * bins)) ** (-power)
    w = w / (p * w).sum()
    return w


def ab_bin(ab, bins=22):
    q = ((ab + 110.0) / 10.0).floor().clamp(0, bins - 1).long()
    return q[:, 0] * bins + q[:, 1]


def loss_fn(pred, lab, w, x=None):
    """pred: ab at half resolution; lab: the truth at input resolution.

    With the input @x (--hinted-flat), the samples that carry hints are
    weighed flat instead of by the rarity of their true colours: the
    rebalancing makes the answer without hints colourful (a regression to
    the mean would be brown-gray), but with hints the colour is known near
    them, and rare-colour weights only push the guesses far from them
    towards saturated colours, which costs the mean error."""
    ab = F.avg_pool2d(lab[:, 1:], 2)
    wt = w[ab_bin(ab)].unsqueeze(1)
    if x is not None:
        hinted = x[:, 3].flatten(1).amax(1) > 0.5
        wt = torch.where(hinted[:, None, None, None], torch.ones_like(wt), wt)
    d = F.smooth_l1_loss(pred / AB_SCALE, ab / AB_SCALE,
                         reduction="none", beta=1.0 / AB_SCALE)
    return (d * wt).mean() * AB_SCALE


# ---------------------------------------------------------- export


def graph_of(net, size):
    nodes = []
    tensors = {}

    def put(name, t):
        tensors[name] = t.detach().float().contiguous().cpu()

    def block(prefix, b, inp):
        c = b.conv
        put(prefix + ".conv.weight", c.weight)
        put(prefix + ".conv.bias", c.bias)
        nodes.append({"name": prefix + ".conv", "op": "conv2d",
                      "inputs": [inp], "weight": prefix + ".conv.weight",
                      "bias": prefix + ".conv.bias", "stride": c.stride[0],
                      "padding": c.padding[0], "dilation": c.dilation[0]})
        bn = b.bn
        for k in ("weight", "bias", "running_mean", "running_var"):
            put(prefix + ".bn." + k, getattr(bn, k))
        nodes.append({"name": prefix + ".bn", "op": "batchnorm",
                      "inputs": [prefix + ".conv"],
                      "weight": prefix + ".bn.weight",
                      "bias": prefix + ".bn.bias",
                      "mean": prefix + ".bn.running_mean",
                      "var": prefix + ".bn.running_var", "eps": bn.eps})
        nodes.append({"name": prefix, "op": "relu",
                      "inputs": [prefix + ".bn"]})
        return prefix

    def blocks(name, mods, inp):
        for i, b in enumerate(mods):
            inp = block("%s.%d" % (name, i), b, inp)
        return inp

    put("hint_pool0", net.pool0)
    put("hint_pool", net.pool)
    hs = []
    src, wname = "x", "hint_pool0"
    for i in range(1, 5):
        nodes.append({"name": "h%d" % i, "op": "conv2d", "inputs": [src],
                      "weight": wname, "stride": 2, "padding": 0,
                      "dilation": 1})
        src, wname = "h%d" % i, "hint_pool"
        hs.append(src)

    def cat(name, inputs):
        nodes.append({"name": name, "op": "concat", "inputs": inputs})
        return name

    s1 = blocks("e1", net.e1, "x")
    s2 = blocks("e2", net.e2, cat("e2.cat", [s1, "h1"]))
    s3 = blocks("e3", net.e3, cat("e3.cat", [s2, "h2"]))
    y = blocks("e4", net.e4, cat("e4.cat", [s3, "h3"]))
    y = blocks("e5", net.e5, cat("e5.cat", [y, "h4"]))
    for name, skip in (("d3", [s3]), ("d2", [s2]), ("d1", [s1, "h1"])):
        nodes.append({"name": name + ".up", "op": "upsample_bilinear",
                      "inputs": [y], "scale": 2})
        y = blocks(name, getattr(net, name),
                   cat(name + ".cat", [name + ".up"] + skip))
    put("head.weight", net.head.weight)
    put("head.bias", net.head.bias)
    nodes.append({"name": "head", "op": "conv2d", "inputs": [y],
                  "weight": "head.weight", "bias": "head.bias", "stride": 1,
                  "padding": 0, "dilation": 1})
    inp = {"name": "x", "channels": 4, "size": size, "l_center": L_CENTER,
           "l_scale": L_SCALE, "ab_scale": AB_SCALE, "mask_offset": 0.0}
    if net.prop:
        put("prop_pool", net.prop_pool)
        nodes.append({"name": "p1", "op": "conv2d", "inputs": ["x"],
                      "weight": "prop_pool", "stride": 2, "padding": 0,
                      "dilation": 1})
        nodes.append({"name": "head.ab", "op": "scale", "inputs": ["head"],
                      "factor": AB_SCALE})
        nodes.append({"name": "out", "op": "add",
                      "inputs": ["head.ab", "p1"]})
        inp["channels"] = 6
        # the most hint cells make_hints () gives (max_pts): beyond that
        # the runtime fades the answer to the propagation
        inp["prop"] = dict(PROP, max_hints=128)
    else:
        nodes.append({"name": "out", "op": "scale", "inputs": ["head"],
                      "factor": AB_SCALE})
    graph = {"input": inp, "kind": "hints", "output": "out", "out_stride": 2,
             "nodes": nodes}
    return graph, tensors


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    off = 0
    blobs = []
    for name in sorted(tensors):
        b = tensors[name].numpy().astype("<f4").tobytes()
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


def export(ckpt, out, size):
    st = torch.load(ckpt, map_location="cpu", weights_only=False)
    net = ColorizeNet(tuple(st["ch"]), st.get("prop", False))
    net.load_state_dict(st["model"])
    net.eval()
    graph, tensors = graph_of(net, size or st.get("export_size", 256))
    meta = {"looklab.format": "looklab-cnn", "looklab.version": "1",
            "looklab.graph": json.dumps(graph, separators=(",", ":")),
            "looklab.name": "LookLab default colorization (hints U-Net)",
            "looklab.license": "GPL-3+ (trained on GPL-2+, GPL-3+, CC and "
                               "public-domain photos; see data/README.md)",
            "looklab.trained_on": st.get("trained_on", ""),
            "looklab.lab": "CIE Lab D50 (babl 'CIE Lab float')",
            "looklab.training": json.dumps(st.get("record", {}))}
    write_safetensors(out, tensors, meta)
    print("wrote %s (%d tensors, %.2f MB)" % (
        out, len(tensors), os.path.getsize(out) / 1e6))


def average(a):
    """Stochastic weight averaging (Izmailov et al., "Averaging Weights
    Leads to Wider Optima and Better Generalization", UAI 2018,
    https://arxiv.org/abs/1803.05407): the mean of the weights of several
    checkpoints of one run, then BatchNorm's running statistics measured
    anew for those weights on training batches (the mean of the
    checkpoints' statistics is not the statistics of the mean network).
    The answer without hints moves a lot from one checkpoint to the next
    (stage 5: 57% then 48% of the held-out photos better than gray,
    1,000 steps apart); the mean of several is steadier than any one of
    them."""
    sts = [torch.load(c, map_location="cpu", weights_only=False)
           for c in a.ckpts]
    # the last checkpoint's record and shape; its Adam state belongs to its
    # own weights, not to the mean, so it is not carried over
    st = {k: v for k, v in sts[-1].items() if k != "opt"}
    st["model"] = {k: (sum(s["model"][k] for s in sts) / len(sts)
                       if v.is_floating_point() else v)
                   for k, v in st["model"].items()}
    net = ColorizeNet(tuple(st["ch"]), st.get("prop", False))
    net.load_state_dict(st["model"])
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    rec = st["record"]
    data = Data(a.set, rec["size"], a.seed + 2,
                rec.get("white_balance", 0.0), rec.get("stamps", 0.45))
    rng = np.random.default_rng(a.seed + 1)
    for m in net.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.reset_running_stats()
            m.momentum = None  # a plain mean over the batches below
    net.train()
    with torch.no_grad(), torch.backends.mkldnn.flags(enabled=False):
        for _ in range(a.bn_batches):
            lab = data.batch(rec["batch"])
            net(make_hints(lab, rng, p_rotate=rec.get("rotate", 0.0),
                           p_many=rec.get("many_hints", 0.0)))
    st["model"] = net.state_dict()
    st["record"] = dict(rec, averaged_steps=[s["step"] for s in sts],
                        bn_batches=a.bn_batches)
    torch.save(st, a.out)
    print("averaged %d checkpoints (steps %s) into %s; BatchNorm statistics "
          "from %d batches" % (len(sts), ", ".join(str(s["step"])
                                                  for s in sts),
                               a.out, a.bn_batches))


def load_exported(net, path):
    """Loads the weights of a file written by export() into @net (to go on
    training a shipped model whose checkpoint is gone).  Every tensor of
    the network must be in the file with its shape; BatchNorm's step
    counters, which export() does not write, restart at 0, and the fixed
    pooling buffers are the network's own.  A 4-channel file (stages 1-3)
    loads into a @prop network with zero weights for the two new input
    planes, so that it starts as the old network plus the anchor."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        blob = f.read()
    header.pop("__metadata__", None)
    fixed = ("pool0", "pool", "prop_pool")
    state = net.state_dict()
    for key, t in state.items():
        if key.endswith("num_batches_tracked") or key in fixed:
            continue
        h = header.get(key)
        shape = list(t.shape)
        widen = (key == "e1.0.conv.weight" and h is not None
                 and list(h["shape"]) == [shape[0], 4] + shape[2:]
                 and shape[1] == 6)
        if widen:
            shape[1] = 4
        if h is None or h["dtype"] != "F32" or list(h["shape"]) != shape:
            sys.exit("train-colorize: %s has no F32 %s of shape %s"
                     % (path, key, list(t.shape)))
        lo, hi = h["data_offsets"]
        v = torch.from_numpy(np.frombuffer(blob[lo:hi], "<f4")
                             .reshape(shape).copy())
        if widen:
            t.zero_()
            t[:, :4] = v
        else:
            t.copy_(v)


# ---------------------------------------------------------- training


def onednn_agrees(net, batch, w, tol=1e-3):
    """One forward and backward pass with oneDNN and with torch's plain CPU
    convolutions (see CHANNEL_MULTIPLE): TRUE when the outputs and the
    convolution weights' gradients agree within @tol of their largest
    value.  Convolution biases are not compared: before a BatchNorm their
    true gradient is 0, and both answers are rounding noise.  Runs on a
    copy, so that BatchNorm's running statistics stay as they were."""
    net = copy.deepcopy(net)
    x, lab = batch
    res = []
    for on in (False, True):
        with torch.backends.mkldnn.flags(enabled=on):
            net.zero_grad()
            out = net(x)
            loss_fn(out, lab, w).backward()
            res.append((out.detach().clone(),
                        [p.grad.clone() for n, p in net.named_parameters()
                         if not n.endswith("conv.bias")]))

    def off_by(a, b):
        return ((a - b).abs().max() / a.abs().max().clamp(min=1e-30)).item()

    worst = max([off_by(res[0][0], res[1][0])]
                + [off_by(g0, g1) for g0, g1 in zip(res[0][1], res[1][1])])
    ok = worst == worst and worst <= tol  # NaN compares unequal
    print("oneDNN against plain convolutions: largest relative difference "
          "%.2g, oneDNN %s" % (worst, "on" if ok else "off"), flush=True)
    return ok


def train(a):
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    rng = np.random.default_rng(a.seed + 1)
    data = Data(a.set, a.size, a.seed + 2, a.white_balance, a.stamps)
    os.makedirs(a.ckpt, exist_ok=True)
    dev = torch.device(a.device)
    net = ColorizeNet().to(dev)
    opt = torch.optim.Adam(net.parameters(), lr=a.lr, betas=(0.9, 0.99))
    step0 = 0
    last = os.path.join(a.ckpt, "last.pt")
    if a.resume and os.path.exists(last):
        st = torch.load(last, map_location="cpu", weights_only=False)
        net.load_state_dict(st["model"])
        opt.load_state_dict(st["opt"])
        step0 = st["step"]
        rng = st["rng"]
        data.rng = st["data_rng"]
        torch.set_rng_state(st["torch_rng"])
        print("resumed at step %d" % step0, flush=True)
    elif a.init:
        load_exported(net, a.init)
        print("started from %s" % a.init, flush=True)
    w = ab_weights(data, np.random.default_rng(a.seed + 3)).to(dev)
    # fixed validation batches from the training photos (monitoring only)
    vdata = Data(a.set, a.size, a.seed + 4, a.white_balance, a.stamps)
    vrng = np.random.default_rng(a.seed + 5)
    val = []
    for _ in range(4):
        lab = vdata.batch(16)
        val.append((make_hints(lab, vrng).to(dev), lab.to(dev)))
    if dev.type == "cpu":
        torch.backends.mkldnn.enabled = onednn_agrees(net, val[0], w)
    nparams = sum(p.numel() for p in net.parameters())
    print("params %d, steps %d, batch %d, size %d, threads %d, seed %d"
          % (nparams, a.steps, a.batch, a.size, a.threads, a.seed),
          flush=True)
    t0 = time.time()
    run = 0.0
    t_prev = st["record"]["minutes"] * 60 if step0 else 0.0
    for step in range(step0, a.steps):
        # cosine learning-rate decay after a short warm-up, over the steps
        # or, with --minutes, over the wall-clock budget (a shared machine's
        # speed is unknown in advance; the record keeps the steps reached)
        elapsed = t_prev + time.time() - t0
        if a.minutes > 0:
            f = elapsed / (a.minutes * 60)
            if f >= 1.0:
                break
        else:
            f = step / a.steps
        lr = a.lr * min(1.0, (step + 1) / 200) * (
            0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * f)))
        for g in opt.param_groups:
            g["lr"] = lr
        net.train()
        # batches and hints are made on the CPU (seeded numpy), the
        # network runs on --device
        lab = data.batch(a.batch)
        x = make_hints(lab, rng, p_rotate=a.rotate,
                       p_many=a.many_hints).to(dev)
        lab = lab.to(dev)
        loss = loss_fn(net(x), lab, w, x if a.hinted_flat else None)
        opt.zero_grad()
        loss.backward()
        opt.step()
        run = 0.98 * run + 0.02 * loss.item() if step > step0 else loss.item()
        done = step + 1
        last_step = done == a.steps or (
            a.minutes > 0 and (t_prev + time.time() - t0) >= a.minutes * 60)
        if done % a.log_every == 0 or last_step:
            net.eval()
            with torch.no_grad():
                vl = sum(loss_fn(net(vx), vl_, w).item()
                         for vx, vl_ in val) / len(val)
                vx0 = val[0][0].clone()
                vx0[:, 1:] = 0
                v0 = loss_fn(net(vx0), val[0][1], w).item()
            print("step %d  lr %.2e  loss %.4f  val %.4f  val-nohint %.4f  "
                  "%.1f min" % (done, lr, run, vl, v0,
                                (time.time() - t0) / 60), flush=True)
        if done % a.ckpt_every == 0 or last_step:
            st = {"model": net.state_dict(), "opt": opt.state_dict(),
                  "step": done, "rng": rng, "data_rng": data.rng,
                  "torch_rng": torch.get_rng_state(), "ch": net.ch,
                  "prop": net.prop,
                  "export_size": a.export_size or a.size,
                  "trained_on": "tools/make-colorize-set train split",
                  "record": {"steps": done, "batch": a.batch,
                             "size": a.size, "seed": a.seed,
                             "lr": a.lr, "threads": a.threads,
                             "rotate": a.rotate,
                             "many_hints": a.many_hints,
                             "white_balance": a.white_balance,
                             "stamps": a.stamps,
                             "hinted_flat": a.hinted_flat,
                             "device": a.device,
                             "minutes": round((t_prev + time.time() - t0)
                                              / 60, 2),
                             "budget_minutes": a.minutes,
                             "init": os.path.basename(a.init or ""),
                             "loss": round(run, 4)}}
            torch.save(st, last + ".tmp")
            os.replace(last + ".tmp", last)
            torch.save(st, os.path.join(a.ckpt, "step%06d.pt" % done))
    print("done in %.1f min" % ((time.time() - t0) / 60), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train")
    t.add_argument("set")
    t.add_argument("ckpt")
    t.add_argument("--steps", type=int, default=12000)
    t.add_argument("--minutes", type=float, default=0,
                   help="cosine schedule over this wall-clock budget and "
                        "stop when it is spent (0: over --steps)")
    t.add_argument("--batch", type=int, default=16)
    t.add_argument("--size", type=int, default=128)
    t.add_argument("--export-size", type=int, default=0,
                   help="network input size written to the exported file "
                        "(0: the training --size, so that objects appear at "
                        "the scale the model learned)")
    t.add_argument("--lr", type=float, default=2e-3)
    t.add_argument("--seed", type=int, default=7)
    t.add_argument("--threads", type=int, default=1)
    t.add_argument("--device", default="cpu",
                   help="where the network trains: cpu, or cuda on a "
                        "machine with a GPU (the data stays on the CPU)")
    t.add_argument("--rotate", type=float, default=0.5,
                   help="share of the hinted samples whose colours are "
                        "turned by a random hue (make_hints)")
    t.add_argument("--many-hints", type=float, default=0.5,
                   help="share of the hinted samples with a log-uniform "
                        "number of hints, 1 to 128 (make_hints)")
    t.add_argument("--white-balance", type=float, default=0.0,
                   help="spread (sigma of log k) of the white-balance "
                        "change given to half of the samples (Data."
                        "rebalance); 0: none, as every shipped stage "
                        "trained")
    t.add_argument("--stamps", type=float, default=0.45,
                   help="share of the samples with 1-3 photos of objects "
                        "pasted onto a scene (Data.sample)")
    t.add_argument("--hinted-flat", action="store_true",
                   help="no rebalancing weights for the samples with hints "
                        "(loss_fn); tried once, worse with hints "
                        "(data/models/README.md), off by default")
    t.add_argument("--log-every", type=int, default=100)
    t.add_argument("--ckpt-every", type=int, default=500)
    t.add_argument("--resume", action="store_true")
    t.add_argument("--init", default=None,
                   help="start from the weights of an exported model "
                        "(.safetensors) instead of random ones")
    e = sub.add_parser("export")
    e.add_argument("ckpt")
    e.add_argument("out")
    e.add_argument("--size", type=int, default=0)
    v = sub.add_parser("average",
                       help="the mean of several checkpoints' weights, "
                            "with BatchNorm statistics measured anew")
    v.add_argument("set")
    v.add_argument("out")
    v.add_argument("ckpts", nargs="+")
    v.add_argument("--bn-batches", type=int, default=64)
    v.add_argument("--seed", type=int, default=7)
    v.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    if a.cmd == "train":
        train(a)
    elif a.cmd == "average":
        average(a)
    else:
        export(a.ckpt, a.out, a.size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
