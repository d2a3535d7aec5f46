# tests/plugin/test-filter.py: plug-in-looklab-apply with non-destructive
# TRUE and FALSE in a real GIMP 3 with the GEGL operation looklab:apply
# installed (test 'plugin-filter', run by run-gimp.sh in Python-Fu).
#
# Non-destructive: the layer gets exactly one looklab:apply filter named
# after the file, its own pixels stay as they were, the export shows the
# look (compared with the core's own application by look-check, within one
# 8-bit level), hiding the filter shows the original; saved as XCF and
# reopened, the filter is still there with its file and renders the same.
# Merged (the scripting default): no filter, the pixels changed, the same
# result.  A channel gets the look merged even when non-destructive is
# asked for.  A look file with spatial parts gets them all, as the CLI
# applies them.  The look stored in the image is applied through a file in
# the look cache ($XDG_DATA_HOME/looklab/looks/<sha256>.look).
import hashlib
import os

import gi

gi.require_version("Gimp", "3.0")
gi.require_version("Gegl", "0.4")
from gi.repository import Gegl, Gimp, Gio  # noqa: E402

DATA = os.environ.get("LOOKLAB_DATA", "data")
OUT = os.environ.get("LOOKLAB_OUT", ".")
PDB = Gimp.get_pdb()
NI = Gimp.RunMode.NONINTERACTIVE
checks = []


def check(name, ok, why=""):
    print(f"{'PASS' if ok else 'FAIL'} {name}{'' if ok else ': ' + str(why)}",
          flush=True)


def gfile(path):
    return Gio.File.new_for_path(path)


def run(name, drawables=None, **args):
    proc = PDB.lookup_procedure(name)
    cfg = proc.create_config()
    if drawables is not None:
        cfg.set_core_object_array("drawables", drawables)
    for key, value in args.items():
        cfg.set_property(key.replace("_", "-"), value)
    result = proc.run(cfg)
    if result.index(0) != Gimp.PDBStatusType.SUCCESS:
        raise RuntimeError(f"{name} failed: {result.index(1)}")
    return result


def apply(image, drawables, path, non_destructive):
    return run("plug-in-looklab-apply", drawables=drawables, run_mode=NI,
               image=image, file=gfile(path) if path else None,
               strength=1.0, interpolation="tetrahedral",
               non_destructive=non_destructive)


def pixels(drawable):
    w, h = drawable.get_width(), drawable.get_height()
    buf = drawable.get_buffer()
    return bytes(buf.get(Gegl.Rectangle.new(0, 0, w, h), 1.0,
                         "R'G'B'A u8", Gegl.AbyssPolicy.NONE))


def export(image, name):
    path = os.path.join(OUT, name)
    Gimp.file_save(NI, image, gfile(path), None)
    return path


def file_bytes(path):
    with open(path, "rb") as f:
        return f.read()


# A smooth, non-linear grade: every lattice cell different.
cube = os.path.join(OUT, "grade.cube")
with open(cube, "w") as f:
    f.write('TITLE "grade"\nLUT_3D_SIZE 9\n')
    for b in range(9):
        for g in range(9):
            for r in range(9):
                f.write("%.6f %.6f %.6f\n" % (
                    min(1.0, 0.05 + 0.9 * (r / 8) ** 0.8 + 0.05 * g / 8),
                    0.95 * (g / 8) ** 1.1 + 0.03 * b / 8,
                    min(1.0, 0.1 + 0.85 * b / 8 * (1.1 - 0.1 * r / 8))))

photo = os.path.join(DATA, "sample", "ladybird.png")
with open(os.path.join(OUT, "identity.cube"), "w") as f:
    f.write("LUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 1 0\n1 1 0\n"
            "0 0 1\n1 0 1\n0 1 1\n1 1 1\n")
with open(os.path.join(OUT, "invert.cube"), "w") as f:
    f.write("LUT_3D_SIZE 2\n1 1 1\n0 1 1\n1 0 1\n0 0 1\n"
            "1 1 0\n0 1 0\n1 0 0\n0 0 0\n")

# ---- non-destructive ---------------------------------------------------------

image = Gimp.file_load(NI, gfile(photo))
layer = image.get_layers()[0]
original = pixels(layer)
apply(image, [layer], cube, True)

filters = layer.get_filters()
check("nd: one filter", len(filters) == 1, len(filters))
f0 = filters[0] if filters else None
check("nd: it is looklab:apply",
      f0 is not None and f0.get_operation_name() == "looklab:apply",
      f0 and f0.get_operation_name())
check("nd: named after the file",
      f0 is not None and f0.get_name() == "grade.cube", f0 and f0.get_name())
if f0 is not None:
    config = f0.get_config()
    check("nd: its file is the .cube",
          config.get_property("file") == cube, config.get_property("file"))
    check("nd: its strength", abs(config.get_property("strength") - 1) < 1e-9)
check("nd: the layer's own pixels are unchanged", pixels(layer) == original)

nd_png = export(image, "nd.png")
checks.append(f"apply {cube} {photo} {nd_png}")

if f0 is not None:
    f0.set_visible(False)
    hidden_png = export(image, "nd-hidden.png")
    checks.append(f"apply {os.path.join(OUT, 'identity.cube')} {photo} "
                  f"{hidden_png}")
    f0.set_visible(True)

# ---- XCF round trip ------------------------------------------------------------

xcf = os.path.join(OUT, "nd.xcf")
Gimp.file_save(NI, image, gfile(xcf), None)
reopened = Gimp.file_load(NI, gfile(xcf))
rlayer = reopened.get_layers()[0]
rfilters = rlayer.get_filters()
check("xcf: the filter is still there",
      len(rfilters) == 1 and rfilters[0].get_operation_name()
      == "looklab:apply", [x.get_operation_name() for x in rfilters])
if rfilters:
    check("xcf: with its file",
          rfilters[0].get_config().get_property("file") == cube,
          rfilters[0].get_config().get_property("file"))
check("xcf: the layer's pixels are the original", pixels(rlayer) == original)
re_png = export(reopened, "nd-reopened.png")
checks.append(f"apply {cube} {photo} {re_png}")
# Same pixels as before saving: compare the decoded images, not the files
# (PNG metadata such as the time differs).
re_img = Gimp.file_load(NI, gfile(re_png))
nd_img = Gimp.file_load(NI, gfile(nd_png))
check("xcf: renders as it did before saving",
      pixels(re_img.get_layers()[0]) == pixels(nd_img.get_layers()[0]))

# ---- merged (the scripting default) -------------------------------------------

image2 = Gimp.file_load(NI, gfile(photo))
layer2 = image2.get_layers()[0]
run("plug-in-looklab-apply", drawables=[layer2], run_mode=NI, image=image2,
    file=gfile(cube))
check("merged: no filter", len(layer2.get_filters()) == 0,
      len(layer2.get_filters()))
check("merged: pixels changed", pixels(layer2) != original)
check("merged: same pixels as the filter's export",
      pixels(layer2) == pixels(nd_img.get_layers()[0]))
checks.append(f"apply {cube} {photo} {export(image2, 'merged.png')}")

# A channel cannot hold a layer effect: merged even when asked for one.
image3 = Gimp.file_load(NI, gfile(photo))
channel = Gimp.Channel.new(image3, "c", image3.get_width(),
                           image3.get_height(), 100.0,
                           Gegl.Color.new("black"))
image3.insert_channel(channel, None, 0)
channel.fill(Gimp.FillType.WHITE)
before = pixels(channel)
apply(image3, [channel], os.path.join(OUT, "invert.cube"), True)
check("channel: no filter", len(channel.get_filters()) == 0)
check("channel: merged (inverted)", pixels(channel) != before)

# ---- a look file with spatial parts (vignette, local contrast) ---------------

# Applied whole, as `looklab apply` applies it (look-check), as a filter
# and merged.
spatial = os.path.join(DATA, "..", "tests", "fuzz", "corpus", "look",
                       "garden-spatial.look")
image5 = Gimp.file_load(NI, gfile(photo))
layer5 = image5.get_layers()[0]
apply(image5, [layer5], spatial, True)
check("spatial nd: one filter", len(layer5.get_filters()) == 1,
      len(layer5.get_filters()))
checks.append(f"apply {spatial} {photo} {export(image5, 'spatial-nd.png')}")
image6 = Gimp.file_load(NI, gfile(photo))
layer6 = image6.get_layers()[0]
apply(image6, [layer6], spatial, False)
check("spatial merged: no filter", len(layer6.get_filters()) == 0)
check("spatial merged: the filter's pixels",
      pixels(layer6) == pixels(Gimp.file_load(NI, gfile(os.path.join(
          OUT, "spatial-nd.png"))).get_layers()[0]))
checks.append(f"apply {spatial} {photo} {export(image6, 'spatial-merged.png')}")

# ---- the look stored in the image --------------------------------------------

image4 = Gimp.file_load(NI, gfile(os.path.join(DATA, "sample",
                                               "garden-before.png")))
after = Gimp.file_load_layer(NI, image4, gfile(os.path.join(
    DATA, "sample", "garden-after.png")))
image4.insert_layer(after, None, 0)
image4.scale(160, 100)  # a small fit: the look is what is tested here
before4 = image4.get_layers()[1]
run("plug-in-looklab-learn", drawables=[after], run_mode=NI, image=image4,
    before=before4, after=after, apply=False, hidden=8, layers=1)
data = image4.get_parasite("plug-in-looklab/look").get_data()
digest = hashlib.sha256(bytes(b & 0xff for b in data)).hexdigest()
target = before4.copy()
image4.insert_layer(target, None, 0)
apply(image4, [target], None, True)
tf = target.get_filters()
cached = os.path.join(os.environ["XDG_DATA_HOME"], "looklab", "looks",
                      digest + ".look")
check("stored look: one filter", len(tf) == 1, len(tf))
check("stored look: the cache file is named by its content",
      os.path.exists(cached) and hashlib.sha256(file_bytes(cached))
      .hexdigest() == digest, cached)
if tf:
    check("stored look: the filter points at it",
          tf[0].get_config().get_property("file") == cached,
          tf[0].get_config().get_property("file"))

# Learn with apply and non-destructive: the same cached file, as a filter.
target2 = before4.copy()
image4.insert_layer(target2, None, 0)
run("plug-in-looklab-learn", drawables=[target2], run_mode=NI, image=image4,
    before=before4, after=after, apply=True, non_destructive=True, hidden=8,
    layers=1)
tf2 = target2.get_filters()
check("learn + apply: one filter", len(tf2) == 1, len(tf2))
if tf2:
    check("learn + apply: the filter points at the cached look",
          tf2[0].get_config().get_property("file") == cached,
          tf2[0].get_config().get_property("file"))

with open(os.path.join(OUT, "checks.txt"), "w") as f:
    f.write("\n".join(checks) + "\n")
print("LOOKLAB-DONE")
