# tests/plugin/test-stress.py: 200 calls of the LookLab procedures in ONE
# gimp-console-3.0 session (test 'plugin-stress', run by run-gimp.sh in
# Python-Fu).  Images from 1x1 to 2 MP in 8-bit, 16-bit, half and float,
# RGB and gray, with and without alpha and selections; bad calls mixed in
# (missing and malformed files, layers of different sizes, indexed images,
# a selection that misses the layer, arguments the core refuses).
#
# Checked: every good call's pixels (exact expected values from a Python
# evaluation of the .cube, 8-bit tolerance 1; learn against the pair it
# learned); every bad call returns an error with the expected words AND
# leaves the image exactly as it was (layers, pixel checksums, parasites,
# selection); GIMP still answers at the end; the resident memory of
# gimp-console (this plug-in's parent) at the end is within 20 % of its
# value after the first 10 calls.  Deterministic: one seeded generator.
#
# plug-in-looklab-match entries (a reference layer or file, strengths 0 to
# 1, bad references and models) run with the bundled neutralizer.
# plug-in-looklab-colorize entries are in the table too; a plug-in that
# does not register it fails the test (the other calls still run, so the
# log shows how they went).
import array
import hashlib
import os
import random
import sys
import time
import traceback

import gi

gi.require_version("Gimp", "3.0")
gi.require_version("Gegl", "0.4")
from gi.repository import Gegl, Gimp, Gio  # noqa: E402

T0 = time.monotonic()
OUT = os.environ.get("LOOKLAB_OUT", ".")
PDB = Gimp.get_pdb()
NI = Gimp.RunMode.NONINTERACTIVE
PARASITE = "plug-in-looklab/look"
N_CALLS = 200
TOL8 = 1.0 / 255 + 1e-6  # "8-bit tolerance 1" on [0, 1] values
rng = random.Random(20261201)

fails = []
CALL_LOG = []  # the calls of the current entry, for the slow-entry lines
stats = {"good": 0, "bad": 0, "pass": 0, "fail": 0}


def fail(what):
    fails.append(what)
    print(f"FAIL {what}", flush=True)


# ---- GIMP's memory ---------------------------------------------------------

def gimp_pid():
    """python-fu-eval runs in a plug-in process started by gimp-console."""
    ppid = os.getppid()
    with open(f"/proc/{ppid}/cmdline", "rb") as f:
        cmd = f.read().split(b"\0")[0].decode(errors="replace")
    return ppid, cmd


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


# ---- .cube files and their exact evaluation ------------------------------

def write_text(name, text):
    path = os.path.join(OUT, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def make_cube(name, size, fn):
    """Writes a .cube of SIZE points per axis (red fastest); returns
    (path, table) with table[(b * size + g) * size + r] = fn(r, g, b)."""
    table = []
    lines = [f'TITLE "{name}"', f"LUT_3D_SIZE {size}"]
    for b in range(size):
        for g in range(size):
            for r in range(size):
                o = fn(r / (size - 1), g / (size - 1), b / (size - 1))
                o = tuple(float(f"{v:.6f}") for v in o)
                table.append(o)
                lines.append("%.6f %.6f %.6f" % o)
    return write_text(name, "\n".join(lines) + "\n"), (size, table)


def lut_eval(lut, rgb, interp):
    """The .cube at RGB in [0, 1], tetrahedral or trilinear (the
    standard definitions the core implements)."""
    size, table = lut
    n = size - 1
    idx, frac = [], []
    for v in rgb:
        v = min(max(v, 0.0), 1.0) * n
        i = min(int(v), n - 1)
        idx.append(i)
        frac.append(v - i)

    def at(dr, dg, db):
        return table[((idx[2] + db) * size + idx[1] + dg) * size + idx[0] + dr]

    fr, fg, fb = frac
    if interp == "trilinear":
        out = [0.0, 0.0, 0.0]
        for dr in (0, 1):
            for dg in (0, 1):
                for db in (0, 1):
                    w = ((fr if dr else 1 - fr) * (fg if dg else 1 - fg)
                         * (fb if db else 1 - fb))
                    c = at(dr, dg, db)
                    for k in range(3):
                        out[k] += w * c[k]
        return out
    c000, c111 = at(0, 0, 0), at(1, 1, 1)
    if fr > fg:
        if fg > fb:
            a, b, w = at(1, 0, 0), at(1, 1, 0), (fr, fg, fb)
        elif fr > fb:
            a, b, w = at(1, 0, 0), at(1, 0, 1), (fr, fb, fg)
        else:
            a, b, w = at(0, 0, 1), at(1, 0, 1), (fb, fr, fg)
    else:
        if fb > fg:
            a, b, w = at(0, 0, 1), at(0, 1, 1), (fb, fg, fr)
        elif fb > fr:
            a, b, w = at(0, 1, 0), at(0, 1, 1), (fg, fb, fr)
        else:
            a, b, w = at(0, 1, 0), at(1, 1, 0), (fg, fr, fb)
    return [(1 - w[0]) * c000[k] + (w[0] - w[1]) * a[k]
            + (w[1] - w[2]) * b[k] + w[2] * c111[k] for k in range(3)]


CUBES = {}
CUBES["identity"] = make_cube("identity.cube", 2, lambda r, g, b: (r, g, b))
CUBES["identity17"] = make_cube("identity17.cube", 17,
                                lambda r, g, b: (r, g, b))
CUBES["invert"] = make_cube("invert.cube", 2,
                            lambda r, g, b: (1 - r, 1 - g, 1 - b))
CUBES["swap"] = make_cube("swap.cube", 2, lambda r, g, b: (b, g, r))
CUBES["rotate"] = make_cube("rotate.cube", 2, lambda r, g, b: (g, b, r))
# A smooth non-linear grade for learn and for checking interpolation.
CUBES["grade"] = make_cube(
    "grade.cube", 9,
    lambda r, g, b: (min(1.0, 0.05 + 0.9 * r ** 0.8 + 0.05 * g),
                     0.95 * g ** 1.1 + 0.03 * b,
                     min(1.0, 0.1 + 0.85 * b * (1.1 - 0.1 * r))))

BAD_FILES = {
    # GIMP itself refuses a file to open that does not exist ("out of
    # range"); the plug-in's own message is the fallback.
    "missing": (os.path.join(OUT, "no-such.cube"),
                "out of range|could not open"),
    "garbage": (write_text("garbage.cube", "this is not a LUT\n\x01\x02\n"),
                ""),
    "truncated": (write_text("truncated.cube",
                             "LUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 1 0\n"), ""),
    "badnumber": (write_text("badnumber.cube",
                             "LUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 x 0\n1 1 0\n"
                             "0 0 1\n1 0 1\n0 1 1\n1 1 1\n"), "line 4"),
    "toobig": (write_text("toobig.cube", "LUT_3D_SIZE 257\n0 0 0\n"), ""),
    "empty": (write_text("empty.cube", ""), ""),
    "directory": (OUT, ""),
    "badlook": (write_text("bad.look", "LOOKLAB\x1a\x01\x00\x00\x00garbage"),
                ""),
}
# A .cube whose values lie outside [0, 1] is legal: applied, then clamped
# by the integer formats; kept out of the good table (no single expected
# rule for every precision), used only as a file argument for export.

# ---- images --------------------------------------------------------------

PW, PH = 251, 127
PATCH = array.array("f")
for _ in range(PW * PH):
    PATCH.extend((rng.random(), rng.random(), rng.random(),
                  0.25 + 0.75 * rng.random()))
PATCH = PATCH.tobytes()

PRECISIONS = {
    "u8": Gimp.Precision.U8_NON_LINEAR,
    "u16": Gimp.Precision.U16_NON_LINEAR,
    "half": Gimp.Precision.HALF_LINEAR,
    "float": Gimp.Precision.FLOAT_LINEAR,
}


def fill(layer, seed):
    """Deterministic pattern: rows of the random patch, each shifted."""
    w, h = layer.get_width(), layer.get_height()
    buf = layer.get_buffer()
    band = 64
    for y0 in range(0, h, band):
        rows = []
        for y in range(y0, min(h, y0 + band)):
            py = (y * 7 + seed) % PH
            sx = (y * 13 + seed * 5) % PW
            row = PATCH[py * PW * 16:(py + 1) * PW * 16]
            row = row[sx * 16:] + row[:sx * 16]
            rows.append((row * (w // PW + 1))[:w * 16])
        data = b"".join(rows)
        buf.set(Gegl.Rectangle.new(0, y0, w, len(rows)), "R'G'B'A float", data)
    buf.flush()
    layer.update(0, 0, w, h)


def new_image(w, h, prec="u8", gray=False, alpha=False, seed=0):
    base = Gimp.ImageBaseType.GRAY if gray else Gimp.ImageBaseType.RGB
    image = Gimp.Image.new_with_precision(w, h, base, PRECISIONS[prec])
    layer = add_layer(image, w, h, gray, alpha, seed)
    return image, layer


def add_layer(image, w, h, gray, alpha, seed, x=0, y=0):
    if gray:
        t = Gimp.ImageType.GRAYA_IMAGE if alpha else Gimp.ImageType.GRAY_IMAGE
    else:
        t = Gimp.ImageType.RGBA_IMAGE if alpha else Gimp.ImageType.RGB_IMAGE
    layer = Gimp.Layer.new(image, f"L{seed}", w, h, t, 100.0,
                           Gimp.LayerMode.NORMAL)
    image.insert_layer(layer, None, 0)
    layer.set_offsets(x, y)
    fill(layer, seed)
    return layer


def read(layer):
    """All pixels as R'G'B'A float, whatever the layer's format (lossless
    for 8 and 16-bit; gray comes back as Y, Y, Y)."""
    w, h = layer.get_width(), layer.get_height()
    buf = layer.get_buffer()
    data = buf.get(Gegl.Rectangle.new(0, 0, w, h), 1.0, "R'G'B'A float",
                   Gegl.AbyssPolicy.NONE)
    return bytes(data)


def snapshot(image):
    layers = []
    for layer in image.get_layers():
        ok, x, y = layer.get_offsets()
        layers.append((layer.get_id(), layer.get_width(), layer.get_height(),
                       x, y, hashlib.sha1(read(layer)).hexdigest()))
    para = image.get_parasite(PARASITE)
    para = (bytes(v & 0xFF for v in para.get_data()) if para is not None
            else None)
    sel = tuple(Gimp.Selection.bounds(image))
    return layers, para, sel, image.get_precision(), image.get_base_type()


def samples(w, h, n=48):
    # A generator of its own: the table drawn from rng must not depend on
    # how many points a failing check looked at.
    r = random.Random(w * 100003 + h)
    pts = {(0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1), (w // 2, h // 2)}
    while len(pts) < min(n, w * h):
        pts.add((r.randrange(w), r.randrange(h)))
    return sorted(pts)


def px(data, w, x, y):
    i = (y * w + x) * 4
    return array.array("f", data[i * 4:(i + 4) * 4])


# ---- calling procedures --------------------------------------------------

def call(name, drawables=None, **args):
    """Runs NAME; returns (ok, message)."""
    proc = PDB.lookup_procedure(name)
    cfg = proc.create_config()
    if drawables is not None:
        cfg.set_core_object_array("drawables", drawables)
    for key, value in args.items():
        cfg.set_property(key.replace("_", "-"), value)
    t = time.monotonic()
    result = proc.run(cfg)
    status = result.index(0)
    what = name.replace("plug-in-looklab-", "")
    if drawables:
        what += f"({drawables[0].get_width()}x{drawables[0].get_height()})"
    CALL_LOG.append(f"{what} {time.monotonic() - t:.1f}s")
    msg = ""
    if status != Gimp.PDBStatusType.SUCCESS:
        try:
            msg = str(result.index(1))
        except Exception:
            msg = ""
        if not msg:
            msg = PDB.get_last_error() or ""
    return status == Gimp.PDBStatusType.SUCCESS, msg, result


def gfile(path):
    return Gio.File.new_for_path(path) if path is not None else None


def apply(image, drawables, path, strength=1.0, interp="tetrahedral",
          non_destructive=False):
    return call("plug-in-looklab-apply", drawables, run_mode=NI, image=image,
                file=gfile(path), strength=strength, interpolation=interp,
                non_destructive=non_destructive)


# ---- the checks of one call ------------------------------------------------

def expect_error(label, image, fn, words):
    """A bad call: an error naming WORDS, and the image exactly as it was."""
    stats["bad"] += 1
    before = snapshot(image)
    ok, msg, _ = fn()
    after = snapshot(image)
    good = True
    if ok:
        fail(f"{label}: succeeded, an error was expected")
        good = False
    elif not msg.strip():
        fail(f"{label}: failed without a message")
        good = False
    elif "crash" in msg.lower() or not any(
            w in msg.lower() for w in words.lower().split("|")):
        fail(f"{label}: message {msg!r} does not say {words!r}")
        good = False
    if after != before:
        diff = [k for k, a, b in zip(("layers", "parasite", "selection",
                                      "precision", "mode"), before, after)
                if a != b]
        fail(f"{label}: the failing call changed the image ({', '.join(diff)})")
        good = False
    return good


def check_pixels(label, layer, before, after, fn, inside=None, alpha=True):
    """Every sample point: FN of the before colour (inside the rectangle
    INSIDE when given, unchanged outside), alpha kept."""
    w, h = layer.get_width(), layer.get_height()
    worst = 0.0
    for x, y in samples(w, h):
        b, a = px(before, w, x, y), px(after, w, x, y)
        if inside is None or (inside[0] <= x < inside[0] + inside[2]
                              and inside[1] <= y < inside[1] + inside[3]):
            want = list(fn(b[:3])) + [b[3]]
        else:
            want = list(b)
        err = max(abs(a[k] - want[k]) for k in range(4 if alpha else 3))
        worst = max(worst, err)
        if err > TOL8:
            fail(f"{label}: pixel ({x},{y}) {[round(v, 4) for v in a]} "
                 f"expected {[round(v, 4) for v in want]}")
            return False
    return True


def lut_fn(name, strength=1.0, interp="tetrahedral", gray=False):
    lut = CUBES[name][1]

    def fn(rgb):
        out = lut_eval(lut, rgb, interp)
        if gray:
            # A neutral input; our cubes keep neutrals neutral, so the
            # luminance of the result is any of its channels.
            out = [out[0]] * 3
        return [rgb[k] + strength * (out[k] - rgb[k]) for k in range(3)]
    return fn


# ---- entries of the call table ---------------------------------------------

SIZES = [(1, 1), (3, 2), (64, 64), (317, 211), (1024, 768), (1600, 1250)]
KINDS = [(p, g, a) for p in ("u8", "u16", "half", "float")
         for g in (False, True) for a in (False, True)]


def pick_image(big_ok=True):
    sizes = SIZES if big_ok else SIZES[:4]
    # Big images rarely: they dominate the run time.
    w, h = sizes[min(len(sizes) - 1, int(rng.random() ** 2.5 * len(sizes)))]
    return (w, h) + rng.choice(KINDS)


def desc(spec):
    w, h, p, g, a = spec
    return f"{w}x{h} {'gray' if g else 'rgb'}{'a' if a else ''}-{p}"


def e_apply_good(n, spec=None):
    spec = spec or pick_image()
    w, h, p, g, a = spec
    cubes = ["identity", "identity17", "invert", "swap", "rotate", "grade"]
    # A gray layer gets the luminance of the result: exact expected values
    # need a cube that keeps neutrals neutral.
    cube = rng.choice(cubes[:-1] if g else cubes)
    strength = rng.choice([1.0, 1.0, 0.5, 0.0])
    interp = rng.choice(["tetrahedral", "trilinear"])
    use_sel = w >= 8 and rng.random() < 0.3
    label = f"#{n} apply {cube} s={strength} {interp} {desc(spec)}" + \
        (" sel" if use_sel else "")
    image, layer = new_image(w, h, p, g, a, seed=n)
    inside = None
    if use_sel:
        inside = (w // 4, h // 4, w // 2, h // 2)
        image.select_rectangle(Gimp.ChannelOps.REPLACE, *inside)
    before = read(layer)
    stats["good"] += 1
    ok, msg, _ = apply(image, [layer], CUBES[cube][0], strength, interp)
    if not ok:
        fail(f"{label}: {msg}")
    else:
        after = read(layer)
        if cube.startswith("identity") and before != after and p in ("u8",
                                                                     "u16"):
            fail(f"{label}: identity changed integer pixels")
        elif check_pixels(label, layer, before, after,
                          lut_fn(cube, strength, interp, g), inside, a):
            ok = True
        else:
            ok = False
    image.delete()
    return ok


def e_apply_filter(n):
    """Non-destructive: one looklab:apply filter, the layer's own pixels
    untouched; merged afterwards, the pixels the .cube gives.  A bad file
    adds no filter."""
    spec = pick_image()
    w, h, p, g, a = spec
    cube = rng.choice(["invert", "swap", "rotate"] if not g else ["invert"])
    strength = rng.choice([1.0, 0.5])
    interp = rng.choice(["tetrahedral", "trilinear"])
    label = f"#{n} apply filter {cube} s={strength} {interp} {desc(spec)}"
    image, layer = new_image(w, h, p, g, a, seed=n)
    before = read(layer)
    stats["good"] += 1
    ok, msg, _ = apply(image, [layer], CUBES[cube][0], strength, interp,
                       non_destructive=True)
    filters = layer.get_filters() if ok else []
    if not ok:
        fail(f"{label}: {msg}")
    elif [f.get_operation_name() for f in filters] != ["looklab:apply"]:
        fail(f"{label}: filters {[f.get_operation_name() for f in filters]}")
        ok = False
    elif read(layer) != before:
        fail(f"{label}: the layer's own pixels changed")
        ok = False
    else:
        layer.merge_filters()
        ok = check_pixels(label, layer, before, read(layer),
                          lut_fn(cube, strength, interp, g), None, a)
    if ok:
        kind = rng.choice(sorted(BAD_FILES))
        path, words = BAD_FILES[kind]
        ok = expect_error(f"{label} then bad file {kind}", image,
                          lambda: apply(image, [layer], path,
                                        non_destructive=True),
                          words)
        if layer.get_filters():
            fail(f"{label}: a bad file left a filter")
            ok = False
    image.delete()
    return ok


def e_apply_two_layers(n):
    """Two layers in one call, one of them offset: both change."""
    image, l1 = new_image(120, 90, "u16", False, True, seed=n)
    l2 = add_layer(image, 50, 40, False, False, n + 1, x=30, y=20)
    b1, b2 = read(l1), read(l2)
    stats["good"] += 1
    ok, msg, _ = apply(image, [l1, l2], CUBES["invert"][0])
    label = f"#{n} apply invert on two layers"
    if not ok:
        fail(f"{label}: {msg}")
    else:
        ok = (check_pixels(label, l1, b1, read(l1), lut_fn("invert"))
              and check_pixels(label, l2, b2, read(l2), lut_fn("invert")))
    image.delete()
    return ok


def e_apply_bad_file(n):
    spec = pick_image(big_ok=rng.random() < 0.15)
    kind = rng.choice(sorted(BAD_FILES))
    path, words = BAD_FILES[kind]
    image, layer = new_image(*spec, seed=n)
    r = expect_error(f"#{n} apply {kind} file on {desc(spec)}", image,
                     lambda: apply(image, [layer], path), words)
    image.delete()
    return r


def e_apply_no_look(n):
    image, layer = new_image(16, 16, seed=n)
    r = expect_error(f"#{n} apply, no file and no stored look", image,
                     lambda: apply(image, [layer], None), "no look file")
    image.delete()
    return r


def e_apply_no_layer(n):
    image, layer = new_image(16, 16, seed=n)
    r = expect_error(f"#{n} apply to no layer", image,
                     lambda: apply(image, [], CUBES["invert"][0]), "no layer")
    image.delete()
    return r


def indexed_image(n):
    image, layer = new_image(40, 30, "u8", False, False, seed=n)
    image.convert_indexed(Gimp.ConvertDitherType.NONE,
                          Gimp.ConvertPaletteType.GENERATE, 16, False, False,
                          "")
    return image, image.get_layers()[0]


def e_apply_indexed(n):
    image, layer = indexed_image(n)
    r = expect_error(f"#{n} apply on an indexed image", image,
                     lambda: apply(image, [layer], CUBES["invert"][0]),
                     "indexed")
    image.delete()
    return r


def missed_selection(n):
    """A 100x100 image, a 30x30 layer at (60, 60), a selection at the
    top left: the selection does not touch the layer."""
    image, base = new_image(100, 100, "u8", False, True, seed=n)
    small = add_layer(image, 30, 30, False, True, n + 1, x=60, y=60)
    image.select_rectangle(Gimp.ChannelOps.REPLACE, 5, 5, 20, 20)
    return image, base, small


def e_apply_missed_selection(n):
    image, base, small = missed_selection(n)
    # With the base layer too: a bad layer among good ones changes none.
    layers = [small] if n % 2 else [base, small]
    r = expect_error(f"#{n} apply, selection misses the layer ({len(layers)})",
                     image, lambda: apply(image, layers, CUBES["invert"][0]),
                     "selection")
    image.delete()
    return r


# Measured (GIMP 3.0.4, fast model, seed 7, u8/u16/float): mean 0.11,
# max 3.0 in 8-bit units.
LEARN_TOL = {"mean": 0.5 / 255, "max": 5.0 / 255}
learn_err = {"mean": 0.0, "max": 0.0}


def learn(image, drawables, before, after, **args):
    base = dict(run_mode=NI, image=image, before=before, after=after,
                model_size="fast", seed=7, apply=True)
    base.update(args)
    return call("plug-in-looklab-learn", drawables, **base)


def learn_pair(n, prec):
    """Image with A (bottom), B = A through grade.cube (an apply call,
    checked), C = a copy of A (top).  Returns (image, A, B, C)."""
    image, a = new_image(96, 80, prec, False, False, seed=n)
    b = a.copy()
    image.insert_layer(b, None, 0)
    c = a.copy()
    image.insert_layer(c, None, 0)
    before = read(b)
    stats["good"] += 1
    ok, msg, _ = apply(image, [b], CUBES["grade"][0])
    if not ok or not check_pixels(f"#{n} learn setup: grade apply", b, before,
                                  read(b), lut_fn("grade"), alpha=False):
        fail(f"#{n} learn setup: {msg}")
        image.delete()
        return None
    return image, a, b, c


def e_learn_good(n):
    prec = rng.choice(["u8", "u16", "float"])
    pair = learn_pair(n, prec)
    if pair is None:
        return False
    image, a, b, c = pair
    label = f"#{n} learn grade pair {prec}"
    cube = os.path.join(OUT, f"learned-{n}.cube")
    stats["good"] += 1
    ok, msg, result = learn(image, [c], a, b, file=gfile(cube), lut_size=17)
    if not ok:
        fail(f"{label}: {msg}")
        image.delete()
        return False
    want, got = read(b), read(c)
    fa, fb = array.array("f", got), array.array("f", want)
    errs = [abs(fa[i] - fb[i]) for i in range(len(fa)) if i % 4 != 3]
    mean, worst = sum(errs) / len(errs), max(errs)
    learn_err["mean"] = max(learn_err["mean"], mean)
    learn_err["max"] = max(learn_err["max"], worst)
    if mean > LEARN_TOL["mean"] or worst > LEARN_TOL["max"]:
        fail(f"{label}: applied look differs from the after layer: mean "
             f"{mean * 255:.2f}, max {worst * 255:.2f} (8-bit units)")
        ok = False
    if image.get_parasite(PARASITE) is None:
        fail(f"{label}: no look stored in the image")
        ok = False
    if not os.path.exists(cube) or "LUT_3D_SIZE 17" not in open(cube).read():
        fail(f"{label}: {cube} not written as a 17^3 .cube")
        ok = False
    # The stored look applied again (no file) to A's copy gives C again.
    d = a.copy()
    image.insert_layer(d, None, 0)
    stats["good"] += 1
    ok2, msg, _ = apply(image, [d], None)
    if not ok2:
        fail(f"#{n} apply stored look: {msg}")
        ok = False
    elif read(d) != got and not check_pixels(
            f"#{n} apply stored look", d, read(d), got, lambda c: c):
        ok = False
    image.delete()
    return ok


def e_learn_bad(n):
    what = rng.choice(["sizes", "none", "indexed", "hidden", "savedir",
                       "missed"])
    label = f"#{n} learn, {what}"
    if what == "indexed":
        image, layer = indexed_image(n)
        other = layer.copy()
        image.insert_layer(other, None, 0)
        r = expect_error(label, image,
                         lambda: learn(image, [layer], layer, other),
                         "indexed")
    elif what == "missed":
        image, base, small = missed_selection(n)
        other = base.copy()
        image.insert_layer(other, None, 0)
        r = expect_error(label, image,
                         lambda: learn(image, [small], base, other),
                         "selection")
    else:
        image, a = new_image(64, 48, rng.choice(["u8", "u16"]), seed=n)
        if what == "sizes":
            b = add_layer(image, 64, 47, False, False, n + 1)
            args, words = dict(before=a, after=b), "same size"
        elif what == "none":
            args, words = dict(before=a, after=None), "before layer"
        else:
            b = a.copy()
            image.insert_layer(b, None, 0)
            if what == "hidden":
                # In the PDB's range (0..256), below the core's (4..).
                args, words = dict(before=a, after=b, hidden=2), "range"
            else:
                # A look file in a folder that does not exist: the error
                # must come before the look is stored in the image.
                args = dict(before=a, after=b,
                            file=gfile(os.path.join(OUT, "no-dir", "x.look")))
                words = "no-dir"
        r = expect_error(label, image,
                         lambda: learn(image, [a], args.pop("before"),
                                       args.pop("after"), **args), words)
    image.delete()
    return r


def e_export(n):
    """Export the stored look (after a learn) or a .cube; bad outputs."""
    image, layer = new_image(8, 8, seed=n)
    what = rng.choice(["cube", "cube", "resample", "nooutput", "badfile",
                       "nodir", "nolook"])
    out = os.path.join(OUT, f"export-{n}.cube")
    size = rng.choice([2, 5, 17])
    args = dict(run_mode=NI, image=image, file=gfile(CUBES["identity17"][0]),
                output=gfile(out), lut_size=size)
    label = f"#{n} export-cube {what}"
    r = True
    if what in ("cube", "resample"):
        if what == "resample":
            args["file"] = gfile(CUBES["grade"][0])
        stats["good"] += 1
        ok, msg, _ = call("plug-in-looklab-export-cube", [layer], **args)
        text = open(out).read() if ok and os.path.exists(out) else ""
        if not ok or f"LUT_3D_SIZE {size}" not in text:
            fail(f"{label}: {msg or 'no ' + str(size) + '^3 .cube written'}")
            r = False
        elif what == "cube":
            # An identity resampled stays an identity.
            vals = [list(map(float, line.split())) for line in text.splitlines()
                    if line[:1].isdigit() or line[:1] == "-"]
            for i, v in enumerate(vals):
                want = (i % size / (size - 1), i // size % size / (size - 1),
                        i // size // size / (size - 1))
                if max(abs(v[k] - want[k]) for k in range(3)) > 1e-5:
                    fail(f"{label}: entry {i} {v} expected {want}")
                    r = False
                    break
    else:
        if what == "nooutput":
            args["output"], words = None, "where to write"
        elif what == "badfile":
            args["file"], words = gfile(BAD_FILES["truncated"][0]), ""
        elif what == "nodir":
            args["output"] = gfile(os.path.join(OUT, "no-dir", "x.cube"))
            words = "no-dir"
        else:
            args["file"], words = None, "no look file"
        r = expect_error(label, image,
                         lambda: call("plug-in-looklab-export-cube", [layer],
                                      **args), words)
        if os.path.exists(out):
            fail(f"{label}: {out} was created by a failing call")
            r = False
    image.delete()
    return r


def e_hald(n):
    level = rng.choice([2, 3, 4, 5])
    side = level ** 3
    into = rng.random() < 0.5
    label = f"#{n} hald level {level}" + (" into an image" if into else "")
    image = None
    args = dict(run_mode=NI, level=level)
    if into:
        image, _ = new_image(side, side, "u16", seed=n)
        args["image"] = image
    stats["good"] += 1
    ok, msg, result = call("plug-in-looklab-hald-identity", None, **args)
    r = ok
    if not ok:
        fail(f"{label}: {msg}")
    else:
        made, layer = result.index(1), result.index(2)
        if into and (made.get_id() != image.get_id()
                     or len(image.get_layers()) != 2):
            fail(f"{label}: layer not added to the given image")
            r = False
        data = read(layer)
        m = level * level
        for x, y in samples(side, side, 24):
            i = y * side + x
            want = (i % m / (m - 1), i // m % m / (m - 1), i // m // m / (m - 1))
            got = px(data, side, x, y)
            if max(abs(got[k] - want[k]) for k in range(3)) > 1e-4:
                fail(f"{label}: ({x},{y}) {list(got)} expected {want}")
                r = False
                break
        if not into:
            made.delete()
    if image is not None:
        image.delete()
    return r


# Colorize (only when plug-in-looklab-colorize is in the PDB).
def colorize(image, drawables, **args):
    base = dict(run_mode=NI, image=image, model=None, hints=None,
                saturation=1.0, output="new-layer")
    base.update(args)
    return call("plug-in-looklab-colorize", drawables, **base)


def e_colorize_good(n):
    w, h = rng.choice([(1, 1), (64, 48), (317, 211)])
    p = rng.choice(["u8", "u16", "float"])
    output = rng.choice(["new-layer", "in-place"])
    image, layer = new_image(w, h, p, False, rng.random() < 0.5, seed=n)
    label = f"#{n} colorize {output} {w}x{h} {p}"
    before = read(layer)
    n_layers = len(image.get_layers())
    stats["good"] += 1
    ok, msg, _ = colorize(image, [layer], output=output,
                          saturation=rng.choice([0.0, 1.0, 2.0]))
    r = ok
    if not ok:
        fail(f"{label}: {msg}")
    elif output == "new-layer":
        if len(image.get_layers()) != n_layers + 1:
            fail(f"{label}: no new layer")
            r = False
        if read(layer) != before:
            fail(f"{label}: the original layer changed")
            r = False
    else:
        after = read(layer)
        fa, fb = array.array("f", after), array.array("f", before)
        alpha = max(abs(fa[i] - fb[i]) for i in range(3, len(fa), 4))
        if alpha > 1e-6:
            fail(f"{label}: alpha changed by {alpha}")
            r = False
    image.delete()
    return r


def e_colorize_bad(n):
    what = rng.choice(["missing", "garbage", "hints", "indexed", "missed"])
    label = f"#{n} colorize, {what}"
    if what == "indexed":
        image, layer = indexed_image(n)
        fn, words = (lambda: colorize(image, [layer])), "indexed"
    elif what == "missed":
        image, base, layer = missed_selection(n)
        fn, words = (lambda: colorize(image, [layer])), "selection"
    else:
        image, layer = new_image(64, 48, "u8", seed=n)
        if what == "hints":
            hints = add_layer(image, 32, 48, False, True, n + 1)
            fn = lambda: colorize(image, [layer], hints=hints)  # noqa: E731
            words = ""
        else:
            path = (BAD_FILES["missing"][0] if what == "missing"
                    else BAD_FILES["garbage"][0])
            fn = lambda: colorize(image, [layer], model=gfile(path))  # noqa
            words = ""
    r = expect_error(label, image, fn, words)
    image.delete()
    return r


# Match (plug-in-looklab-match): the bundled neutralizer, a reference layer
# or file.
def match(image, drawables, **args):
    base = dict(run_mode=NI, image=image, reference=None, reference_file=None,
                strength=1.0, apply=True, seed=7)
    base.update(args)
    return call("plug-in-looklab-match", drawables, **base)


def e_match_good(n):
    """Learn pair B (A through grade.cube) as the reference, applied to C
    (A's copy): succeeds, stores a look, writes the file when asked, keeps
    alpha and finite values; strength 0 leaves C as it was."""
    prec = rng.choice(["u8", "u16", "float"])
    pair = learn_pair(n, prec)
    if pair is None:
        return False
    image, a, b, c = pair
    strength = rng.choice([0.0, 0.5, 1.0])
    as_file = rng.random() < 0.3
    cube = os.path.join(OUT, f"matched-{n}.cube") if rng.random() < 0.5 \
        else None
    label = (f"#{n} match {prec} strength {strength}"
             f"{' from a file' if as_file else ''}")
    ref = {}
    if as_file:
        path = os.path.join(OUT, f"match-ref-{n}.png")
        dup = image.duplicate()
        index = [layer.get_id() for layer in image.get_layers()].index(
            b.get_id())
        for i, layer in enumerate(dup.get_layers()):
            if i != index:
                dup.remove_layer(layer)
        Gimp.file_save(NI, dup, gfile(path), None)
        dup.delete()
        ref["reference_file"] = gfile(path)
    else:
        ref["reference"] = b
    before = read(c)
    stats["good"] += 1
    ok, msg, _ = match(image, [c], strength=strength, file=gfile(cube),
                       **ref)
    if not ok:
        fail(f"{label}: {msg}")
        image.delete()
        return False
    after = read(c)
    fa, fb = array.array("f", after), array.array("f", before)
    if any(v != v for v in fa):
        fail(f"{label}: NaN in the result")
        ok = False
    elif max(abs(fa[i] - fb[i]) for i in range(3, len(fa), 4)) > 1e-6:
        fail(f"{label}: alpha changed")
        ok = False
    if strength == 0.0 and not check_pixels(f"{label}: identity", c, before,
                                            after, lambda rgb: rgb):
        ok = False
    if image.get_parasite(PARASITE) is None:
        fail(f"{label}: no look stored in the image")
        ok = False
    if cube is not None and (not os.path.exists(cube)
                             or "LUT_3D_SIZE" not in open(cube).read()):
        fail(f"{label}: {cube} not written")
        ok = False
    image.delete()
    return ok


def e_match_bad(n):
    what = rng.choice(["none", "both", "garbage", "truncated", "indexed",
                       "transparent", "savedir"])
    label = f"#{n} match, {what}"
    if what == "indexed":
        image, layer = indexed_image(n)
        other = layer.copy()
        image.insert_layer(other, None, 0)
        fn = lambda: match(image, [layer], reference=other)  # noqa: E731
        words = "indexed"
    else:
        image, a = new_image(64, 48, rng.choice(["u8", "u16"]),
                             alpha=what == "transparent", seed=n)
        b = a.copy()
        image.insert_layer(b, None, 0)
        if what == "transparent":
            b.edit_clear()
        args, words = dict(reference=b), ""
        if what == "none":
            args, words = dict(), "reference"
        elif what == "both":
            args = dict(reference=b,
                        reference_file=gfile(os.path.join(OUT, "x.png")))
            words = "reference"
        elif what in ("garbage", "truncated"):
            args["model"] = gfile(BAD_FILES[what][0])
            words = "model"
        elif what == "transparent":
            words = "transparent"
        elif what == "savedir":
            args["file"] = gfile(os.path.join(OUT, "no-dir", "m.cube"))
            words = "no-dir"
        fn = lambda: match(image, [a], **args)  # noqa: E731
    r = expect_error(label, image, fn, words)
    image.delete()
    return r


# ---- out-of-range arguments: does the PDB let them through? --------------

def range_checks():
    """GimpProcedureConfig holds each argument in its declared range:
    GObject refuses an out-of-range value (and warns), so the call never
    sees it.  Checked here for each bounded argument; no plug-in call."""
    cases = [("plug-in-looklab-apply", "strength", 1.5),
             ("plug-in-looklab-apply", "strength", -0.1),
             ("plug-in-looklab-learn", "lut-size", 1),
             ("plug-in-looklab-learn", "hidden", 300),
             ("plug-in-looklab-export-cube", "lut-size", 257),
             ("plug-in-looklab-hald-identity", "level", 17),
             ("plug-in-looklab-hald-identity", "level", 1),
             ("plug-in-looklab-match", "strength", 1.5),
             ("plug-in-looklab-match", "lut-size", 1)]
    if PDB.procedure_exists("plug-in-looklab-colorize"):
        cases.append(("plug-in-looklab-colorize", "saturation", 2.5))
    refused = 0
    for name, arg, value in cases:
        cfg = PDB.lookup_procedure(name).create_config()
        kept = cfg.get_property(arg)
        try:
            cfg.set_property(arg, value)
        except (TypeError, ValueError, OverflowError):
            pass
        if cfg.get_property(arg) == kept:
            refused += 1
        else:
            fail(f"{name}: out-of-range {arg}={value} reached the config")
    print(f"PASS stress: {refused} of {len(cases)} out-of-range arguments "
          "refused by the PDB before any call", flush=True)


# ---- the table -------------------------------------------------------------

def build_table(with_colorize):
    weighted = [(e_apply_good, 30), (e_apply_bad_file, 14),
                (e_apply_no_look, 2), (e_apply_no_layer, 2),
                (e_apply_indexed, 3), (e_apply_missed_selection, 4),
                (e_apply_two_layers, 3), (e_apply_filter, 8),
                (e_learn_good, 3), (e_learn_bad, 9),
                (e_export, 7), (e_hald, 4), (e_match_good, 3),
                (e_match_bad, 6)]
    if with_colorize:
        weighted += [(e_colorize_good, 6), (e_colorize_bad, 5)]
    pool = [f for f, wgt in weighted for _ in range(wgt)]
    # The first entries cover the biggest images and every procedure, so
    # that the memory measured after 10 calls is the working set, and the
    # growth after it is what the calls leave behind.
    first = [lambda n: e_apply_good(n, (1600, 1250, "float", False, True)),
             lambda n: e_apply_good(n, (1600, 1250, "u16", False, False)),
             e_learn_good, e_learn_bad, e_apply_bad_file,
             lambda n: e_apply_good(n, (1024, 768, "u8", True, True)),
             e_export, e_hald, e_apply_filter, e_match_good, e_match_bad]
    if with_colorize:
        first += [e_colorize_good, e_colorize_bad]
    return first, pool


def calls_made():
    return stats["good"] + stats["bad"]


def main():
    pid, cmd = gimp_pid()
    print(f"stress: parent process {pid} is {cmd}", flush=True)
    if "gimp-console" not in os.path.basename(cmd):
        fail(f"stress: the parent process is {cmd!r}, not gimp-console")
    with_colorize = PDB.procedure_exists("plug-in-looklab-colorize")
    if not with_colorize:
        fail("stress: plug-in-looklab-colorize is not in the PDB: its "
             "entries are left out, the other calls run")
    else:
        print("stress: colorize present: its entries are in the table",
              flush=True)
    range_checks()

    first, pool = build_table(with_colorize)
    # Images an entry leaves behind (when a check raises) would grow the
    # memory measured below: every entry ends with none of its own left.
    keep = {i.get_id() for i in Gimp.get_images()}
    log = open(os.path.join(OUT, "rss.csv"), "w")
    log.write("entry,calls,rss_kib,seconds\n")
    rss10 = None
    marks = {}
    n = 0
    while calls_made() < N_CALLS:
        entry = first[n] if n < len(first) else rng.choice(pool)
        t = time.monotonic()
        CALL_LOG.clear()
        try:
            if entry(n):
                stats["pass"] += 1
            else:
                stats["fail"] += 1
        except Exception:
            stats["fail"] += 1
            fail(f"#{n} raised: {traceback.format_exc()}")
        for image in Gimp.get_images():
            if image.get_id() not in keep:
                image.delete()
        if time.monotonic() - t > 3:
            print(f"stress: entry #{n} took {time.monotonic() - t:.1f} s: "
                  f"{', '.join(CALL_LOG)}", flush=True)
        n += 1
        made = calls_made()
        log.write(f"{n},{made},{rss_kib(pid)},{time.monotonic() - T0:.1f}\n")
        if rss10 is None and made >= 10:
            rss10 = rss_kib(pid)
            print(f"stress: RSS of gimp-console after {made} calls: "
                  f"{rss10} KiB", flush=True)
        for m in (50, 100, 150):
            if made >= m and m not in marks:
                marks[m] = rss_kib(pid)
                print(f"stress: RSS after {made} calls: {marks[m]} KiB "
                      f"({time.monotonic() - T0:.0f} s)", flush=True)

    # GIMP still answers: a trivial PDB call and an image round trip.
    ok, msg, result = call("gimp-get-images")
    img = Gimp.Image.new(4, 4, Gimp.ImageBaseType.RGB)
    alive = ok and img is not None and img.get_width() == 4
    if img is not None:
        img.delete()
    if alive:
        print("PASS stress: GIMP still answers after the calls", flush=True)
    else:
        fail(f"stress: GIMP does not answer after the calls: {msg}")

    rss_end = rss_kib(pid)
    ratio = rss_end / rss10 if rss10 else float("inf")
    wall = time.monotonic() - T0
    print(f"stress: {calls_made()} calls ({stats['good']} good, "
          f"{stats['bad']} bad) in {n} entries: {stats['pass']} entries "
          f"passed, {stats['fail']} failed", flush=True)
    print(f"stress: learn reproduced the after layer within mean "
          f"{learn_err['mean'] * 255:.3f}, max {learn_err['max'] * 255:.3f} "
          f"(8-bit units; tolerance {LEARN_TOL['mean'] * 255:.1f}, "
          f"{LEARN_TOL['max'] * 255:.1f})", flush=True)
    print(f"stress: RSS of gimp-console after 10 calls {rss10} KiB, at the "
          f"end {rss_end} KiB, ratio {ratio:.3f}", flush=True)
    print(f"stress: wall time {wall:.1f} s", flush=True)
    if abs(ratio - 1) > 0.2:
        fail(f"stress: RSS at the end is {ratio:.3f} x its value after 10 "
             "calls (limit: within 20 %)")
    if stats["fail"] == 0 and not fails:
        print(f"PASS stress: all {calls_made()} calls right", flush=True)
    else:
        print(f"FAIL stress: {len(fails)} failure(s)", flush=True)
    print("LOOKLAB-DONE", flush=True)


main()
