# bench/bench-gimp.py: time LookLab's procedures on a 24-megapixel image
# inside a real GIMP 3, as a user would run them.
#
#   tools/gimp3-env tools/gimp-batch build/gimp3 bench/bench-gimp.py [W H]
#
# The pair is the bundled sample (data/sample/garden-before.png and
# garden-after.png) scaled by GIMP to W x H (default 6000 x 4000); both
# layers are scaled the same way, so the after layer is still the before
# layer with the look applied, up to the scaling's mixing of neighbours.
# Each row is the wall time of one PDB call, measured here in Python-Fu,
# so it includes what the user waits for: moving the pixels between GIMP
# and the plug-in, the fit, the bake or the network, and the merge into the
# image's undo.
import os
import time

from gi.repository import Gimp, Gio

# tools/gimp-batch passes the script's own path (exec () has no __file__).
top = os.path.dirname(os.path.dirname(os.environ["LOOKLAB_SCRIPT"]))
args = os.environ.get("LOOKLAB_ARGS", "").split()
width, height = (int(args[0]), int(args[1])) if len(args) >= 2 else (6000, 4000)
out = os.environ.get("LOOKLAB_OUT", "/tmp")
pdb = Gimp.get_pdb()
NONINTERACTIVE = Gimp.RunMode.NONINTERACTIVE


def gfile(path):
    return Gio.File.new_for_path(path)


def run(name, drawables=None, **args):
    """Runs PDB procedure NAME with named arguments; returns seconds."""
    proc = pdb.lookup_procedure(name)
    cfg = proc.create_config()
    if drawables is not None:
        cfg.set_core_object_array("drawables", drawables)
    for key, value in args.items():
        cfg.set_property(key.replace("_", "-"), value)
    start = time.monotonic()
    result = proc.run(cfg)
    seconds = time.monotonic() - start
    if result.index(0) != Gimp.PDBStatusType.SUCCESS:
        raise RuntimeError(f"{name} failed: {result.index(1)}")
    return seconds


sample = os.path.join(top, "data", "sample")
image = Gimp.file_load(NONINTERACTIVE, gfile(f"{sample}/garden-before.png"))
before = image.get_layers()[0]
after = Gimp.file_load_layer(NONINTERACTIVE, image,
                             gfile(f"{sample}/garden-after.png"))
image.insert_layer(after, None, 0)
image.scale(width, height)
target = before.copy()
image.insert_layer(target, None, 2)
mp = width * height / 1e6
cube = os.path.join(out, "bench-gimp.cube")

rows = []
for precision, label in ((Gimp.Precision.U8_NON_LINEAR, "8-bit"),
                         (Gimp.Precision.U16_NON_LINEAR, "16-bit"),
                         (Gimp.Precision.FLOAT_NON_LINEAR, "float")):
    if image.get_precision() != precision:
        image.convert_precision(precision)
    rows.append((f"learn (fit only), {label}",
                 run("plug-in-looklab-learn", drawables=[target],
                     run_mode=NONINTERACTIVE, image=image, before=before,
                     after=after, apply=False)))
    rows.append((f"learn + apply, {label}",
                 run("plug-in-looklab-learn", drawables=[target],
                     run_mode=NONINTERACTIVE, image=image, before=before,
                     after=after, file=gfile(cube), apply=True)))
    rows.append((f"apply stored look (65^3 bake), {label}",
                 run("plug-in-looklab-apply", drawables=[target],
                     run_mode=NONINTERACTIVE, image=image, strength=1.0,
                     interpolation="tetrahedral")))
    rows.append((f"apply 33^3 .cube, {label}",
                 run("plug-in-looklab-apply", drawables=[target],
                     run_mode=NONINTERACTIVE, image=image, file=gfile(cube),
                     strength=1.0, interpolation="tetrahedral")))
    # the default colorization model, in place (no layer piles up); its
    # dialog's first preview costs the same minus writing the result
    rows.append((f"colorize (default model), {label}",
                 run("plug-in-looklab-colorize", drawables=[target],
                     run_mode=NONINTERACTIVE, image=image,
                     output="in-place")))

print(f"bench-gimp: {width}x{height} ({mp:.1f} MP), {os.cpu_count()} CPUs, "
      f"GIMP {Gimp.version()}")
print(f"| call | seconds | MPx/s |")
print(f"|---|---|---|")
for name, seconds in rows:
    print(f"| {name} | {seconds:.2f} | {mp / seconds:.1f} |")
image.delete()
print("BENCH-DONE")
