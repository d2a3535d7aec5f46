#!/usr/bin/env python3
"""Converts the published Zhang et al. colorization networks from their
PyTorch checkpoints to LookLab's model format (docs/cnn-format.md).

    tools/convert-zhang.py eccv16 colorization_release_v2-9b330a0b.pth eccv16.safetensors
    tools/convert-zhang.py siggraph17 siggraph17-df00044c.pth siggraph17.safetensors

The checkpoints are the ones richzhang/colorization's colorizers/eccv16.py
and colorizers/siggraph17.py download (BSD-2-Clause); download them
yourself, this tool never touches the network.  The architectures below
repeat those files' layer lists, so that the checkpoint's keys load into
them strictly (a wrong or damaged checkpoint is refused), and the graph is
written from the loaded modules: the runtime has no per-model code.

  ECCV 2016 ("Colorful Image Colorization"): L -> 313-bin distribution at
  1/4 resolution -> softmax -> mean of the bin centres (model_out's 1x1
  weights are the ab bin centres).  The PyTorch release applies the softmax
  at temperature 1 (the Caffe model's 2.606 = 1/0.38 rescaling is not in
  its forward); --temperature 0.38 gives the paper's annealed mean for
  checkpoints that need it.

  SIGGRAPH 2017 ("Real-Time User-Guided Image Colorization"): L, ab hints
  and a hint mask -> ab regression (tanh) at full resolution.  The mask is
  fed as mask - 0.5 (richzhang/colorization-pytorch, which trained the
  released weights: opt.mask_cent = 0.5); --mask-offset changes it.

Needs python3-torch and python3-numpy.
"""

import argparse
import json
import struct
import sys

import numpy as np
import torch
import torch.nn as nn


# ---- the published architectures (same module names, so keys match) -----

def _block(chans, dilation=1, strides=None, init_relu=False, norm=True):
    """Conv-ReLU repeated, then BatchNorm: the published blocks."""
    layers = [nn.ReLU(True)] if init_relu else []
    for i in range(len(chans) - 1):
        stride = strides[i] if strides else 1
        layers += [nn.Conv2d(chans[i], chans[i + 1], kernel_size=3,
                             stride=stride, padding=dilation,
                             dilation=dilation, bias=True),
                   nn.ReLU(True)]
    if norm:
        layers += [nn.BatchNorm2d(chans[-1])]
    return nn.Sequential(*layers)


class ECCV16(nn.Module):
    def __init__(self):
        super().__init__()
        self.model1 = _block([1, 64, 64], strides=[1, 2])
        self.model2 = _block([64, 128, 128], strides=[1, 2])
        self.model3 = _block([128, 256, 256, 256], strides=[1, 1, 2])
        self.model4 = _block([256, 512, 512, 512])
        self.model5 = _block([512, 512, 512, 512], dilation=2)
        self.model6 = _block([512, 512, 512, 512], dilation=2)
        self.model7 = _block([512, 512, 512, 512])
        self.model8 = nn.Sequential(
            nn.ConvTranspose2d(512, 256, kernel_size=4, stride=2, padding=1,
                               bias=True), nn.ReLU(True),
            nn.Conv2d(256, 256, 3, 1, 1, bias=True), nn.ReLU(True),
            nn.Conv2d(256, 256, 3, 1, 1, bias=True), nn.ReLU(True),
            nn.Conv2d(256, 313, kernel_size=1, stride=1, padding=0,
                      bias=True))
        self.softmax = nn.Softmax(dim=1)
        self.model_out = nn.Conv2d(313, 2, kernel_size=1, padding=0,
                                   dilation=1, stride=1, bias=False)
        self.upsample4 = nn.Upsample(scale_factor=4, mode='bilinear')

    def forward_lowres(self, x):
        """The network on an already normalised L: ab / 110 at 1/4 size."""
        for m in (self.model1, self.model2, self.model3, self.model4,
                  self.model5, self.model6, self.model7, self.model8):
            x = m(x)
        return self.model_out(self.softmax(x))

    def forward(self, input_l):
        return self.upsample4(self.forward_lowres((input_l - 50) / 100)) * 110


class SIGGRAPH17(nn.Module):
    def __init__(self, classes=529):
        super().__init__()
        self.model1 = _block([4, 64, 64])
        self.model2 = _block([64, 128, 128])
        self.model3 = _block([128, 256, 256, 256])
        self.model4 = _block([256, 512, 512, 512])
        self.model5 = _block([512, 512, 512, 512], dilation=2)
        self.model6 = _block([512, 512, 512, 512], dilation=2)
        self.model7 = _block([512, 512, 512, 512])
        self.model8up = nn.Sequential(nn.ConvTranspose2d(
            512, 256, kernel_size=4, stride=2, padding=1, bias=True))
        self.model3short8 = nn.Sequential(nn.Conv2d(256, 256, 3, 1, 1))
        self.model8 = _block([256, 256, 256], init_relu=True)
        self.model9up = nn.Sequential(nn.ConvTranspose2d(
            256, 128, kernel_size=4, stride=2, padding=1, bias=True))
        self.model2short9 = nn.Sequential(nn.Conv2d(128, 128, 3, 1, 1))
        self.model9 = _block([128, 128], init_relu=True)
        self.model10up = nn.Sequential(nn.ConvTranspose2d(
            128, 128, kernel_size=4, stride=2, padding=1, bias=True))
        self.model1short10 = nn.Sequential(nn.Conv2d(64, 128, 3, 1, 1))
        self.model10 = nn.Sequential(
            nn.ReLU(True),
            nn.Conv2d(128, 128, kernel_size=3, dilation=1, stride=1,
                      padding=1, bias=True),
            nn.LeakyReLU(negative_slope=.2))
        self.model_class = nn.Sequential(
            nn.Conv2d(256, classes, kernel_size=1, padding=0, dilation=1,
                      stride=1, bias=True))
        self.model_out = nn.Sequential(
            nn.Conv2d(128, 2, kernel_size=1, padding=0, dilation=1, stride=1,
                      bias=True), nn.Tanh())

    def forward_normalised(self, x):
        """The network on an already encoded 4-plane input: ab / 110."""
        conv1_2 = self.model1(x)
        conv2_2 = self.model2(conv1_2[:, :, ::2, ::2])
        conv3_3 = self.model3(conv2_2[:, :, ::2, ::2])
        conv4_3 = self.model4(conv3_3[:, :, ::2, ::2])
        conv7_3 = self.model7(self.model6(self.model5(conv4_3)))
        conv8_3 = self.model8(self.model8up(conv7_3)
                              + self.model3short8(conv3_3))
        conv9_3 = self.model9(self.model9up(conv8_3)
                              + self.model2short9(conv2_2))
        conv10_2 = self.model10(self.model10up(conv9_3)
                                + self.model1short10(conv1_2))
        return self.model_out(conv10_2)


# ---- graph writing ----------------------------------------------------------

class Graph:
    def __init__(self):
        self.nodes = []
        self.tensors = {}

    def tensor(self, name, t):
        self.tensors[name] = t.detach().to(torch.float32).contiguous().numpy()
        return name

    def node(self, name, op, inputs, **kw):
        d = {"name": name, "op": op, "inputs": list(inputs)}
        d.update(kw)
        self.nodes.append(d)
        return name

    def module(self, prefix, m, x):
        """Emits one layer; returns the name of its output."""
        if isinstance(m, nn.Sequential):
            for i, child in enumerate(m):
                x = self.module("%s.%d" % (prefix, i), child, x)
            return x
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            for attr in ("stride", "padding", "dilation"):
                v = getattr(m, attr)
                if isinstance(v, str) or len(set(v)) != 1:
                    raise SystemExit("%s: only square %s is supported"
                                     % (prefix, attr))
            if m.groups != 1:
                raise SystemExit("%s: grouped convolution" % prefix)
            kw = {"weight": self.tensor(prefix + ".weight", m.weight),
                  "stride": m.stride[0], "padding": m.padding[0],
                  "dilation": m.dilation[0]}
            if m.bias is not None:
                kw["bias"] = self.tensor(prefix + ".bias", m.bias)
            if isinstance(m, nn.ConvTranspose2d):
                kw["output_padding"] = m.output_padding[0]
                return self.node(prefix, "conv_transpose2d", [x], **kw)
            return self.node(prefix, "conv2d", [x], **kw)
        if isinstance(m, nn.BatchNorm2d):
            return self.node(prefix, "batchnorm", [x],
                             weight=self.tensor(prefix + ".weight", m.weight),
                             bias=self.tensor(prefix + ".bias", m.bias),
                             mean=self.tensor(prefix + ".running_mean",
                                              m.running_mean),
                             var=self.tensor(prefix + ".running_var",
                                             m.running_var),
                             eps=m.eps)
        if isinstance(m, nn.ReLU):
            return self.node(prefix, "relu", [x])
        if isinstance(m, nn.LeakyReLU):
            return self.node(prefix, "leaky_relu", [x],
                             slope=m.negative_slope)
        if isinstance(m, nn.Tanh):
            return self.node(prefix, "tanh", [x])
        if isinstance(m, nn.Sigmoid):
            return self.node(prefix, "sigmoid", [x])
        raise SystemExit("%s: unsupported layer %s" % (prefix, type(m)))


def graph_eccv16(model, temperature=1.0, size=256):
    g = Graph()
    x = "x"
    for name in ("model1", "model2", "model3", "model4", "model5", "model6",
                 "model7", "model8"):
        x = g.module(name, getattr(model, name), x)
    bins = model.model_out.weight[:, :, 0, 0].t()           # [313, 2]
    x = g.node("softmax", "softmax_annealed_mean", [x],
               bins=g.tensor("model_out.bins", bins),
               temperature=temperature)
    g.node("out", "scale", [x], factor=110.0)
    graph = {"input": {"name": "x", "channels": 1, "size": size,
                       "l_center": 50.0, "l_scale": 100.0,
                       "ab_scale": 110.0, "mask_offset": 0.0},
             "kind": "l", "output": "out", "out_stride": 4,
             "nodes": g.nodes}
    return graph, g.tensors


def graph_siggraph17(model, mask_offset=-0.5, size=256):
    g = Graph()
    c1 = g.module("model1", model.model1, "x")
    c2 = g.module("model2", model.model2,
                  g.node("sub1", "subsample", [c1], stride=2))
    c3 = g.module("model3", model.model3,
                  g.node("sub2", "subsample", [c2], stride=2))
    x = g.module("model4", model.model4,
                 g.node("sub3", "subsample", [c3], stride=2))
    for name in ("model5", "model6", "model7"):
        x = g.module(name, getattr(model, name), x)
    up = g.module("model8up", model.model8up, x)
    sc = g.module("model3short8", model.model3short8, c3)
    x = g.module("model8", model.model8, g.node("add8", "add", [up, sc]))
    up = g.module("model9up", model.model9up, x)
    sc = g.module("model2short9", model.model2short9, c2)
    x = g.module("model9", model.model9, g.node("add9", "add", [up, sc]))
    up = g.module("model10up", model.model10up, x)
    sc = g.module("model1short10", model.model1short10, c1)
    x = g.module("model10", model.model10, g.node("add10", "add", [up, sc]))
    x = g.module("model_out", model.model_out, x)
    g.node("out", "scale", [x], factor=110.0)
    graph = {"input": {"name": "x", "channels": 4, "size": size,
                       "l_center": 50.0, "l_scale": 100.0,
                       "ab_scale": 110.0, "mask_offset": mask_offset},
             "kind": "hints", "output": "out", "out_stride": 1,
             "nodes": g.nodes}
    return graph, g.tensors


# ---- safetensors -----------------------------------------------------------

def write_safetensors(path, tensors, metadata):
    """Writes @tensors (name -> float32 array) with string @metadata, as the
    safetensors format says: u64 LE header length, JSON, data."""
    header = {"__metadata__": {k: str(v) for k, v in metadata.items()}}
    offset = 0
    blobs = []
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name], dtype="<f4")
        header[name] = {"dtype": "F32", "shape": list(a.shape),
                        "data_offsets": [offset, offset + a.nbytes]}
        blobs.append(a.tobytes())
        offset += a.nbytes
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)      # align the data to 8 bytes
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def save_model(path, graph, tensors, name, license_text, trained_on=""):
    meta = {"looklab.format": "looklab-cnn", "looklab.version": "1",
            "looklab.graph": json.dumps(graph, separators=(",", ":")),
            "looklab.name": name, "looklab.license": license_text}
    if trained_on:
        meta["looklab.trained_on"] = trained_on
    write_safetensors(path, tensors, meta)


def load_checkpoint(path):
    sd = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(sd, dict) and "state_dict" in sd:
        sd = sd["state_dict"]
    return sd


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("arch", choices=("eccv16", "siggraph17"))
    ap.add_argument("checkpoint", help="the published .pth state dict")
    ap.add_argument("output", help="the .safetensors model to write")
    ap.add_argument("--temperature", type=float, default=1.0,
                    help="ECCV16 softmax temperature (default 1, the "
                    "PyTorch release's forward)")
    ap.add_argument("--mask-offset", type=float, default=-0.5,
                    help="SIGGRAPH17 mask encoding offset (default -0.5)")
    args = ap.parse_args(argv)

    sd = load_checkpoint(args.checkpoint)
    model = ECCV16() if args.arch == "eccv16" else SIGGRAPH17()
    model.load_state_dict(sd, strict=True)
    model.eval()
    if args.arch == "eccv16":
        graph, tensors = graph_eccv16(model, args.temperature)
        name = "Zhang et al. ECCV 2016 colorization"
    else:
        graph, tensors = graph_siggraph17(model, args.mask_offset)
        name = "Zhang et al. SIGGRAPH 2017 user-guided colorization"
    save_model(args.output, graph, tensors, name,
               "BSD-2-Clause (richzhang/colorization)",
               "ImageNet (Zhang et al.)")
    print("%s: %d nodes, %d tensors" % (args.output, len(graph["nodes"]),
                                       len(tensors)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
