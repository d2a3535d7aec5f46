#!/usr/bin/env python3
"""Fixtures and checks for test-cli-hostile.sh, with the standard library
only (zlib, struct): no ImageMagick, so the test runs on a bare host.

  hostile-fixtures.py png-bomb OUT W H        a tiny PNG whose IHDR claims
                                              W x H (its data is a few rows)
  hostile-fixtures.py quadrant-png OUT        64 x 32 RGB: the top-left
                                              32 x 16 red, the rest blue
  hostile-fixtures.py jpeg-size IN OUT W H    IN with its frame header
                                              claiming W x H
  hostile-fixtures.py exif-orientation IN OUT N
                                              IN with an EXIF APP1 segment
                                              whose IFD0 says orientation N
  hostile-fixtures.py jpeg-pad IN OUT         IN with 3 zero bytes between its
                                              first two segments (libjpeg
                                              warns, decodes it whole)
  hostile-fixtures.py flip-byte IN OUT OFFSET one byte inverted
  hostile-fixtures.py png-pixel IN X Y        prints "W H R G B" of an
                                              8-bit RGB(A) PNG
"""
import struct
import sys
import zlib


def chunk(kind, data):
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png(width, height, raw):
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def png_bomb(out, width, height):
    # 20 rows of zeros: the rest of the claimed image is not there.
    with open(out, "wb") as f:
        f.write(png(width, height, b"\0" * (1 + 3 * width) * 20))


def quadrant_png(out):
    rows = []
    for y in range(32):
        row = bytearray(b"\0")
        for x in range(64):
            row += b"\xff\x00\x00" if x < 32 and y < 16 else b"\x00\x00\xff"
        rows.append(bytes(row))
    with open(out, "wb") as f:
        f.write(png(64, 32, b"".join(rows)))


def jpeg_size(src, out, width, height):
    data = bytearray(open(src, "rb").read())
    i = 2
    while i < len(data):
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            data[i + 5:i + 9] = struct.pack(">HH", height, width)
            break
        i += 2 + length
    else:
        sys.exit("no frame header")
    open(out, "wb").write(data)


def exif_orientation(src, out, value):
    # TIFF header (big-endian), IFD0 at offset 8 with one entry: tag 274
    # (Orientation), type 3 (SHORT), count 1, the value left-justified.
    tiff = (b"MM\x00\x2a" + struct.pack(">I", 8) + struct.pack(">H", 1)
            + struct.pack(">HHIHH", 274, 3, 1, value, 0) + struct.pack(">I", 0))
    payload = b"Exif\x00\x00" + tiff
    app1 = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    data = open(src, "rb").read()
    assert data[:2] == b"\xff\xd8"
    open(out, "wb").write(data[:2] + app1 + data[2:])


def jpeg_pad(src, out):
    data = open(src, "rb").read()
    end = 4 + struct.unpack(">H", data[4:6])[0]  # after SOI and a segment
    open(out, "wb").write(data[:end] + b"\0\0\0" + data[end:])


def flip_byte(src, out, offset):
    data = bytearray(open(src, "rb").read())
    data[offset] ^= 0xFF
    open(out, "wb").write(data)


def png_pixel(path, x, y):
    data = open(path, "rb").read()
    pos, idat = 8, b""
    while pos < len(data):
        length = struct.unpack(">I", data[pos:pos + 4])[0]
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(
                ">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert depth == 8 and ctype in (2, 6) and interlace == 0
    bpp = 3 if ctype == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    for row in range(y + 1):
        line = raw[row * (stride + 1):(row + 1) * (stride + 1)]
        kind, cur = line[0], bytearray(line[1:])
        for i in range(stride):
            a = cur[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                cur[i] = (cur[i] + a) & 255
            elif kind == 2:
                cur[i] = (cur[i] + b) & 255
            elif kind == 3:
                cur[i] = (cur[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                cur[i] = (cur[i] + pred) & 255
        prev = cur
    r, g, b = prev[x * bpp:x * bpp + 3]
    print(width, height, r, g, b)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "png-bomb":
        png_bomb(args[0], int(args[1]), int(args[2]))
    elif cmd == "quadrant-png":
        quadrant_png(args[0])
    elif cmd == "jpeg-size":
        jpeg_size(args[0], args[1], int(args[2]), int(args[3]))
    elif cmd == "exif-orientation":
        exif_orientation(args[0], args[1], int(args[2]))
    elif cmd == "jpeg-pad":
        jpeg_pad(args[0], args[1])
    elif cmd == "flip-byte":
        flip_byte(args[0], args[1], int(args[2]))
    elif cmd == "png-pixel":
        png_pixel(args[0], int(args[1]), int(args[2]))
    else:
        sys.exit("unknown command " + cmd)


if __name__ == "__main__":
    main()
