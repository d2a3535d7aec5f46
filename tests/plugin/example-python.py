# Python-Fu example (also run by the test suite, test 'plugin-python'):
# learn the look of a before/after pair, save it as .cube, apply it to
# another photo at 80 % and export the result.  Run it with
#
#   gimp-console-3.0 -i --batch-interpreter=python-fu-eval \
#     -b "exec(open('tests/plugin/example-python.py').read())" --quit
#
# LOOKLAB_DATA (default data) and LOOKLAB_OUT (default .) say where the
# sample photos are and where the results go.
import os

from gi.repository import Gimp, Gio

data = os.environ.get("LOOKLAB_DATA", "data")
out = os.environ.get("LOOKLAB_OUT", ".")
pdb = Gimp.get_pdb()
NONINTERACTIVE = Gimp.RunMode.NONINTERACTIVE


def gfile(path):
    return Gio.File.new_for_path(path)


def run(name, drawables=None, **args):
    """Runs PDB procedure NAME with named arguments; raises on failure."""
    proc = pdb.lookup_procedure(name)
    cfg = proc.create_config()
    if drawables is not None:
        cfg.set_core_object_array("drawables", drawables)
    for key, value in args.items():
        cfg.set_property(key.replace("_", "-"), value)
    result = proc.run(cfg)
    if result.index(0) != Gimp.PDBStatusType.SUCCESS:
        raise RuntimeError(f"{name} failed: {result.index(1)}")
    return result


image = Gimp.file_load(NONINTERACTIVE, gfile(f"{data}/sample/garden-before.png"))
before = image.get_layers()[0]
after = Gimp.file_load_layer(NONINTERACTIVE, image,
                             gfile(f"{data}/sample/garden-after.png"))
image.insert_layer(after, None, 0)

# Learn; the look is stored in the image and written as a 33^3 .cube.
result = run("plug-in-looklab-learn", drawables=[after],
             run_mode=NONINTERACTIVE, image=image, before=before, after=after,
             file=gfile(f"{out}/garden.cube"), lut_size=33, apply=False)
print(f"PASS python: learned, in-sample mean dE00 {result.index(2):.2f}")

# Apply the .cube to another photo, at 80 %.
photo = Gimp.file_load(NONINTERACTIVE, gfile(f"{data}/sample/ladybird.png"))
layer = photo.get_layers()[0]
run("plug-in-looklab-apply", drawables=[layer], run_mode=NONINTERACTIVE,
    image=photo, file=gfile(f"{out}/garden.cube"), strength=0.8,
    interpolation="tetrahedral")
Gimp.file_save(NONINTERACTIVE, photo, gfile(f"{out}/ladybird-graded.png"), None)
print("PASS python: applied and exported")
print("LOOKLAB-DONE")
