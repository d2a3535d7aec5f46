# bench/bench-gimp.py: time LookLab's procedures on a 24-megapixel image
# inside a real GIMP 3, as a user would run them.
#
#   tools/gimp3-env tools/gimp-batch build/gimp3 bench/bench-gimp.py \
#       [W H [P [ROUNDS]]]
#
# P picks the precisions (comma-separated of 8-bit,16-bit,float; default
# all); ROUNDS is how many times the learn calls run (default 3).  With
# LOOKLAB_NO_GEGL_OP=1 in the environment the plug-in ignores its GEGL
# operation and moves the pixels itself, as before it had one: the
# "before" column of README's table.
#
# The pair is the bundled sample (data/sample/garden-before.png and
# garden-after.png) scaled by GIMP to W x H (default 6000 x 4000); both
# layers are scaled the same way, so the after layer is still the before
# layer with the look applied, up to the scaling's mixing of neighbours.
# Each row is the wall time of one PDB call, measured here in Python-Fu,
# so it includes what the user waits for: moving the pixels between GIMP
# and the plug-in, the fit, the bake or the network, and the merge into the
# image's undo.  GIMP's own gegl:invert-gamma, merged on the same layer,
# is the yardstick of what an in-process point filter costs here.  The
# fit's own spread from call to call (about a second: each call starts the
# plug-in, and with it GEGL and babl) is larger than what applying adds,
# so the three learn calls (fit only, fit + apply merged, fit + apply as a
# filter) run in turn ROUNDS times, none of them writing a file, and the
# rows give each one's median and the median over the rounds of what
# applying added to the fit of the same round.  "As a filter" rows append
# looklab:apply as a non-destructive filter, which GIMP renders only when
# the image is shown or exported.
import itertools
import os
import statistics
import time

from gi.repository import Gimp, Gio

# tools/gimp-batch passes the script's own path (exec () has no __file__).
top = os.path.dirname(os.path.dirname(os.environ["LOOKLAB_SCRIPT"]))
args = os.environ.get("LOOKLAB_ARGS", "").split()
width, height = (int(args[0]), int(args[1])) if len(args) >= 2 else (6000, 4000)
wanted = args[2].split(",") if len(args) >= 3 else ["8-bit", "16-bit", "float"]
ROUNDS = int(args[3]) if len(args) >= 4 else 3
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



def gimp_invert(drawable):
    """GIMP's own point filter, created and merged as LookLab's is."""
    start = time.monotonic()
    f = Gimp.DrawableFilter.new(drawable, "gegl:invert-gamma", "invert")
    drawable.merge_filter(f)
    return time.monotonic() - start


def append_filter(drawable, **args):
    """Appends LookLab's filter; removes it afterwards (not timed)."""
    seconds = run("plug-in-looklab-apply", drawables=[drawable],
                  run_mode=NONINTERACTIVE, image=image, non_destructive=True,
                  **args)
    for f in drawable.get_filters():
        f.delete()
    return seconds


def learn(drawable, seed, apply, non_destructive=False):
    """Learns the pair's look with SEED, writing no file; with APPLY, applies
    it to DRAWABLE (merged, or as a filter that is removed afterwards,
    untimed)."""
    seconds = run("plug-in-looklab-learn", drawables=[drawable],
                  run_mode=NONINTERACTIVE, image=image, before=before,
                  after=after, seed=seed, apply=apply,
                  non_destructive=non_destructive)
    for f in drawable.get_filters():
        f.delete()
    return seconds


rows = []
seeds = itertools.count(1)
for precision, label in ((Gimp.Precision.U8_NON_LINEAR, "8-bit"),
                         (Gimp.Precision.U16_NON_LINEAR, "16-bit"),
                         (Gimp.Precision.FLOAT_NON_LINEAR, "float")):
    if label not in wanted:
        continue
    if image.get_precision() != precision:
        image.convert_precision(precision)
    rows.append((f"GIMP gegl:invert-gamma merged, {label}",
                 gimp_invert(target)))
    # The .cube the apply rows read (untimed; also warms the caches).
    run("plug-in-looklab-learn", drawables=[target], run_mode=NONINTERACTIVE,
        image=image, before=before, after=after, file=gfile(cube),
        apply=False)
    # The fit alone varies by up to a second from call to call here, more
    # than what applying adds: the three learn calls run in turn, ROUNDS
    # times; what applying adds is taken within each round.  Each round has
    # a seed of its own, so its look is new to the op as a user's new look
    # is: nothing read or baked in an earlier round can be found again.
    fit, merged, appended = [], [], []
    for _ in range(ROUNDS):
        seed = next(seeds)
        fit.append(learn(target, seed, apply=False))
        merged.append(learn(target, seed, apply=True))
        appended.append(learn(target, seed, apply=True, non_destructive=True))
    rows.append((f"learn (fit only), median of {ROUNDS}, {label}",
                 statistics.median(fit)))
    rows.append((f"learn + apply merged, median of {ROUNDS}, {label}",
                 statistics.median(merged)))
    rows.append((f"learn + apply as a filter (append), median of {ROUNDS}, "
                 f"{label}",
                 statistics.median(appended)))
    # Differences, not calls: a third field marks them (signed, no rate).
    rows.append((f"merged minus fit, median of the {ROUNDS} rounds, {label}",
                 statistics.median(m - f for m, f in zip(merged, fit)), True))
    rows.append((f"as a filter minus fit, median of the {ROUNDS} rounds, "
                 f"{label}",
                 statistics.median(a - f for a, f in zip(appended, fit)),
                 True))
    spread = max(fit) - min(fit)
    print(f"{label}: fit only {' '.join(f'{t:.2f}' for t in fit)}; merged "
          f"{' '.join(f'{t:.2f}' for t in merged)}; as a filter "
          f"{' '.join(f'{t:.2f}' for t in appended)} (fit spread "
          f"{spread:.2f} s)", flush=True)
    rows.append((f"apply stored look (65^3 bake), {label}",
                 run("plug-in-looklab-apply", drawables=[target],
                     run_mode=NONINTERACTIVE, image=image, strength=1.0,
                     interpolation="tetrahedral")))
    rows.append((f"apply 33^3 .cube, {label}",
                 run("plug-in-looklab-apply", drawables=[target],
                     run_mode=NONINTERACTIVE, image=image, file=gfile(cube),
                     strength=1.0, interpolation="tetrahedral")))
    rows.append((f"apply 33^3 .cube as a filter (append), {label}",
                 append_filter(target, file=gfile(cube), strength=1.0,
                               interpolation="tetrahedral")))
    rows.append((f"GIMP gegl:invert-gamma merged again, {label}",
                 gimp_invert(target)))
    # the default colorization model, in place (no layer piles up); its
    # dialog's first preview costs the same minus writing the result
    rows.append((f"colorize (default model), {label}",
                 run("plug-in-looklab-colorize", drawables=[target],
                     run_mode=NONINTERACTIVE, image=image,
                     output="in-place")))

op = ("pixel path (LOOKLAB_NO_GEGL_OP)" if os.environ.get("LOOKLAB_NO_GEGL_OP")
      else "looklab:apply")
print(f"bench-gimp: {width}x{height} ({mp:.1f} MP), {os.cpu_count()} CPUs, "
      f"GIMP {Gimp.version()}, {op}")
print(f"| call | seconds | MPx/s |")
print(f"|---|---|---|")
for name, seconds, *difference in rows:
    print(f"| {name} | {seconds:+.2f} |  |" if difference
          else f"| {name} | {seconds:.2f} | {mp / seconds:.1f} |")
image.delete()
print("BENCH-DONE")
