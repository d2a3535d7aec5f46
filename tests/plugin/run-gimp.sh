#!/bin/sh
# tests/plugin/run-gimp.sh PLUGIN PO_BUILD_DIR WORK_DIR SCRIPT [CHECKER]
#
# Runs the Script-Fu file SCRIPT in a real GIMP 3 with the LookLab plug-in
# PLUGIN loaded from the build tree, in a throw-away GIMP profile under
# WORK_DIR, and checks what it printed.
#
# LOOKLAB_GEGL_OP, when set, is the GEGL module op/looklab-apply.so: it is
# installed into the throw-away HOME's per-user GEGL folder.
#
# The profile's gimprc puts a staging folder (WORK_DIR/plug-ins/looklab/
# looklab plus its locale/ catalogs from PO_BUILD_DIR) in front of the
# system plug-in folder, so Script-Fu (itself a system plug-in) still loads.
#
# When CHECKER (tests/plugin/look-check) is given, each line the script
# wrote into WORK_DIR/files/checks.txt is run as `CHECKER LINE` after GIMP
# quits: it compares GIMP's results with the core's own.
#
# Before GIMP starts, every line of SCRIPT of the form `;; setup: WORDS`
# is run as `CHECKER WORDS` in WORK_DIR/files, with @DATA@ replaced by the
# source tree's data/ folder (e.g. to write a truncated copy of a file).
#
# SCRIPT defines its checks with tests/plugin/lib.scm; the test passes only
# when GIMP exits 0, no batch command failed, the script reached its end
# (LOOKLAB-DONE) and no check printed FAIL.
set -u

plugin=$1
po_dir=$2
work=$3
script=$4
checker=${5:-}
here=$(cd "$(dirname "$0")" && pwd)

rm -rf "$work"
mkdir -p "$work/profile" "$work/home" "$work/plug-ins/looklab" "$work/files"
cp "$plugin" "$work/plug-ins/looklab/looklab"
# Catalogs where libgimp's default set_i18n looks: <plug-in dir>/locale.
for mo in "$po_dir"/*/LC_MESSAGES/*.mo; do
  [ -f "$mo" ] || continue
  lang=$(basename "$(dirname "$(dirname "$mo")")")
  mkdir -p "$work/plug-ins/looklab/locale/$lang/LC_MESSAGES"
  cp "$mo" "$work/plug-ins/looklab/locale/$lang/LC_MESSAGES/"
done

# The GEGL operation looklab:apply, where the README's per-user install
# puts it: GEGL loads modules from $XDG_DATA_HOME/gegl-0.4/plug-ins.
# Without LOOKLAB_GEGL_OP the plug-in falls back to moving the pixels.
if [ -n "${LOOKLAB_GEGL_OP:-}" ]; then
  mkdir -p "$work/home/.local/share/gegl-0.4/plug-ins"
  cp "$LOOKLAB_GEGL_OP" "$work/home/.local/share/gegl-0.4/plug-ins/"
fi

cat > "$work/profile/gimprc" <<EOR
(plug-in-path "$work/plug-ins:\${gimp_plug_in_dir}/plug-ins")
(show-welcome-dialog no)
EOR

export HOME="$work/home"
export XDG_CONFIG_HOME="$work/home/.config"
export XDG_CACHE_HOME="$work/home/.cache"
export XDG_DATA_HOME="$work/home/.local/share"
export GIMP3_DIRECTORY="$work/profile"
lang=${LOOKLAB_TEST_LANG:-C.UTF-8}
# A language the system has not generated is built privately (needs the
# Debian package `locales`), so the test does not depend on the host setup.
if [ "$lang" != C.UTF-8 ] && ! locale -a 2>/dev/null | grep -qix "$(echo "$lang" | sed 's/UTF-8/utf8/')"; then
  mkdir -p "$work/locale"
  localedef -i "${lang%%.*}" -f UTF-8 "$work/locale/$lang" || {
    echo "run-gimp.sh: FAIL: cannot build locale $lang (install 'locales')"
    exit 1
  }
  export LOCPATH="$work/locale"
fi
export LANG="$lang"
export LC_ALL="$lang"

log="$work/gimp.log"

if [ -n "$checker" ]; then
  grep '^;; setup: ' "$script" | sed "s|^;; setup: ||; s|@DATA@|$here/../../data|g" |
    while read -r line; do
      # shellcheck disable=SC2086
      (cd "$work/files" && "$checker" $line) || {
        echo "run-gimp.sh: FAIL: setup step failed: $line"
        exit 1
      }
    done || exit 1
fi

# A .py SCRIPT runs in Python-Fu (it prints its own PASS lines and
# LOOKLAB-DONE, and finds its folders in LOOKLAB_DATA and LOOKLAB_OUT).
case "$script" in
  *.py)
    export LOOKLAB_DATA="$here/../../data" LOOKLAB_OUT="$work/files"
    interpreter=python-fu-eval
    batch="exec(open('$script').read())"
    ;;
  *)
    interpreter=plug-in-script-fu-eval
    batch="(begin (define test-dir \"$work/files\") (define data-dir \"$here/../../data\") (load \"$here/lib.scm\") (load \"$script\"))"
    ;;
esac

timeout 600 gimp-console-3.0 -i -d -f \
  --batch-interpreter=$interpreter -b "$batch" --quit \
  > "$log" 2>&1
rc=$?

cat "$log"
echo "--- run-gimp.sh: gimp-console-3.0 exit status $rc"

status=0
if [ $rc -ne 0 ]; then
  echo "run-gimp.sh: FAIL: GIMP exited with status $rc"
  status=1
fi
if grep -q "batch command experienced an execution error" "$log"; then
  echo "run-gimp.sh: FAIL: a batch command failed"
  status=1
fi
if ! grep -q "^LOOKLAB-DONE" "$log"; then
  echo "run-gimp.sh: FAIL: the script did not reach its end"
  status=1
fi
if grep -q "^FAIL " "$log"; then
  echo "run-gimp.sh: FAIL: $(grep -c '^FAIL ' "$log") check(s) failed"
  status=1
fi
if [ -n "$checker" ] && [ -f "$work/files/checks.txt" ]; then
  while read -r line; do
    [ -n "$line" ] || continue
    # shellcheck disable=SC2086
    if "$checker" $line >> "$log" 2>&1; then
      echo "PASS look-check $line" | tee -a "$log"
    else
      tail -n 3 "$log"
      echo "FAIL look-check $line" | tee -a "$log"
      status=1
    fi
  done < "$work/files/checks.txt"
fi
n_pass=$(grep -c "^PASS " "$log")
if [ "$n_pass" -eq 0 ]; then
  echo "run-gimp.sh: FAIL: no check ran"
  status=1
fi
echo "run-gimp.sh: $n_pass check(s) passed"
exit $status
