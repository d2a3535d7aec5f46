#!/usr/bin/env python3
"""Float RGB TIFF files for tests/cli/test-cli-write.sh, with values beyond
[0, 1], which ImageMagick's Q16 build (no HDRI) clamps.  Only what the
tests need: uncompressed, one or more strips, 32-bit IEEE float samples
(TIFF 6.0 sections 2 and 19, SampleFormat 3), as GEGL's tiff-save writes.

    float-tiff.py ramp OUT.tif        a 64 x 4 ramp from -0.5 to 2.0
    float-tiff.py diff A.tif B.tif    largest |A - B| over R, G, B
    float-tiff.py diff-clamped A B    largest |clamp (A, 0, 1) - B|
"""
import struct
import sys


def write_ramp(path):
    w, h = 64, 4
    pixels = []
    for y in range(h):
        for x in range(w):
            v = -0.5 + 2.5 * x / (w - 1)
            pixels += [v, 1.5 - v * 0.5 + 0.1 * y, 0.25 + 0.5 * (y % 2)]
    data = struct.pack("<%df" % len(pixels), *pixels)
    entries = [  # tag, type, count, value (SHORT = 3, LONG = 4)
        (256, 4, 1, w), (257, 4, 1, h), (258, 3, 3, None),
        (259, 3, 1, 1), (262, 3, 1, 2), (273, 4, 1, None),
        (277, 3, 1, 3), (278, 4, 1, h), (279, 4, 1, len(data)),
        (284, 3, 1, 1), (339, 3, 3, None),
    ]
    ifd_at = 8
    extra_at = ifd_at + 2 + 12 * len(entries) + 4
    bits_at, format_at = extra_at, extra_at + 6
    data_at = format_at + 6
    out = bytearray(b"II*\0" + struct.pack("<I", ifd_at))
    out += struct.pack("<H", len(entries))
    for tag, typ, count, value in entries:
        if tag == 258:
            value = bits_at
        elif tag == 339:
            value = format_at
        elif tag == 273:
            value = data_at
        if typ == 3 and count == 1:
            out += struct.pack("<HHIHH", tag, typ, count, value, 0)
        else:
            out += struct.pack("<HHII", tag, typ, count, value)
    out += struct.pack("<I", 0)
    out += struct.pack("<3H", 32, 32, 32) + struct.pack("<3H", 3, 3, 3)
    out += data
    with open(path, "wb") as f:
        f.write(out)


def read(path):
    """The RGB samples of an uncompressed float32 TIFF, as a flat list."""
    with open(path, "rb") as f:
        b = f.read()
    e = "<" if b[:2] == b"II" else ">"
    ifd = struct.unpack(e + "I", b[4:8])[0]
    n = struct.unpack(e + "H", b[ifd:ifd + 2])[0]
    tags = {}
    for i in range(n):
        at = ifd + 2 + 12 * i
        tag, typ, count = struct.unpack(e + "HHI", b[at:at + 8])
        size = {3: 2, 4: 4}.get(typ, 1)
        fmt = e + ("H" if typ == 3 else "I") * count
        raw = b[at + 8:at + 12]
        if size * count > 4:
            off = struct.unpack(e + "I", raw)[0]
            raw = b[off:off + size * count]
        tags[tag] = struct.unpack(fmt, raw[:size * count]) if size > 1 else raw
    if tags.get(259, (1,))[0] != 1 or tags[258][0] != 32 \
            or tags.get(339, (1,))[0] != 3:
        sys.exit("%s: not an uncompressed 32-bit float TIFF" % path)
    spp = tags[277][0]
    data = b"".join(b[o:o + c] for o, c in zip(tags[273], tags[279]))
    values = struct.unpack(e + "%df" % (len(data) // 4), data)
    return [v for i, v in enumerate(values) if i % spp < 3]


def main():
    if sys.argv[1] == "ramp":
        write_ramp(sys.argv[2])
        return
    a, b = read(sys.argv[2]), read(sys.argv[3])
    if len(a) != len(b):
        sys.exit("sizes differ")
    if sys.argv[1] == "diff-clamped":
        a = [min(max(v, 0.0), 1.0) for v in a]
    print("%.3g" % max(abs(x - y) for x, y in zip(a, b)))


main()
