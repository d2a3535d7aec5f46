#!/bin/sh
# tests/ui/run-dialog.sh PLUGIN PO_BUILD_DIR WORK_DIR SCRIPT TITLE SHOT.png
#
# Starts the real GIMP 3 (gimp-3.0, not the console) on a virtual X screen
# with the LookLab plug-in staged from the build tree, runs the Script-Fu
# file SCRIPT (which opens an image and calls a LookLab procedure with
# RUN-INTERACTIVE), waits for a window whose name contains TITLE, takes a
# screenshot of the screen into SHOT.png and quits.  Fails when the dialog
# does not appear within LOOKLAB_UI_TIMEOUT seconds (default 120; GIMP
# needs about 30 s to start on 2 cores).
#
# LOOKLAB_GEGL_OP, when set, is the GEGL module op/looklab-apply.so,
# installed into the throw-away HOME's per-user GEGL folder.
# LOOKLAB_UI_EXPECT=FILE:REGEX fails the test unless a line of
# WORK_DIR/files/FILE (written by SCRIPT) matches REGEX (grep -E) within
# LOOKLAB_UI_TIMEOUT seconds.
# LOOKLAB_UI_KEYS="NAME=KEYS;NAME=KEYS...": once the window is there and
# its screenshot taken, sends each KEYS (xdotool key names, e.g. ctrl+z)
# in turn to the window whose name contains NAME.
set -u

plugin=$1
po_dir=$2
work=$3
script=$4
title=$5
shot=$6
timeout_s=${LOOKLAB_UI_TIMEOUT:-120}
here=$(cd "$(dirname "$0")" && pwd)
data="$here/../../data"

rm -rf "$work"
mkdir -p "$work/profile" "$work/home" "$work/plug-ins/looklab" "$work/files"
cp "$plugin" "$work/plug-ins/looklab/looklab"
for mo in "$po_dir"/*/LC_MESSAGES/*.mo; do
  [ -f "$mo" ] || continue
  lang=$(basename "$(dirname "$(dirname "$mo")")")
  mkdir -p "$work/plug-ins/looklab/locale/$lang/LC_MESSAGES"
  cp "$mo" "$work/plug-ins/looklab/locale/$lang/LC_MESSAGES/"
done
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
export XDG_RUNTIME_DIR="$work/home/run"
mkdir -p "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
export GIMP3_DIRECTORY="$work/profile"
export NO_AT_BRIDGE=1
export LANG="${LOOKLAB_TEST_LANG:-C.UTF-8}"
export LC_ALL="${LOOKLAB_TEST_LANG:-C.UTF-8}"

# -displayfd picks a free display number: tests may run side by side.
Xvfb -displayfd 3 -screen 0 1280x900x24 -nolisten tcp \
  3> "$work/display" > "$work/xvfb.log" 2>&1 &
xvfb=$!
i=0
while [ ! -s "$work/display" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if [ ! -s "$work/display" ]; then
  echo "run-dialog.sh: FAIL: Xvfb did not start"; cat "$work/xvfb.log"
  kill "$xvfb" 2>/dev/null
  exit 1
fi
export DISPLAY=":$(cat "$work/display")"

batch="(begin (script-fu-use-v3) (define test-dir \"$work/files\") (define data-dir \"$data\") (load \"$script\"))"
gimp-3.0 --no-splash --no-fonts -d --batch-interpreter=plug-in-script-fu-eval \
  -b "$batch" > "$work/gimp.log" 2>&1 &
gimp=$!

# Waits up to $timeout_s for a window named $title to be there (want=1)
# or gone (want=0).
wait_window() {
  local want=$1 t0
  t0=$(date +%s)
  while [ $(( $(date +%s) - t0 )) -lt "$timeout_s" ]; do
    if xdotool search --name "$title" > /dev/null 2>&1; then
      [ "$want" = 1 ] && return 0
    else
      [ "$want" = 0 ] && return 0
    fi
    kill -0 "$gimp" 2>/dev/null || return 1
    sleep 1
  done
  return 1
}

# LOOKLAB_UI_ACCEPT=REGEX: press the dialog's OK (Alt+O), wait for the
# script to open the dialog again, take a second screenshot (SHOT-2.png),
# and check that a line of the settings GIMP saved for the procedure
# matches REGEX (grep -E).
accept_and_reopen() {
  local id
  id=$(xdotool search --name "$title" | head -n 1)
  xdotool windowfocus --sync "$id" key --clearmodifiers alt+o
  if ! wait_window 0; then
    echo "run-dialog.sh: FAIL: '$title' did not close on Alt+O"
    return 1
  fi
  if ! wait_window 1; then
    echo "run-dialog.sh: FAIL: '$title' did not open a second time"
    return 1
  fi
  sleep "${LOOKLAB_UI_SETTLE:-6}"
  xwd -root -silent | convert xwd:- "${shot%.png}-2.png"
  if ! grep -rqE -- "$LOOKLAB_UI_ACCEPT" "$work/profile"; then
    echo "run-dialog.sh: FAIL: '$LOOKLAB_UI_ACCEPT' is not in the saved settings"
    return 1
  fi
  echo "run-dialog.sh: PASS: accepted, reopened, '$LOOKLAB_UI_ACCEPT' saved" \
       "($(grep -rlE -- "$LOOKLAB_UI_ACCEPT" "$work/profile" | head -n 1));" \
       "screenshot ${shot%.png}-2.png"
}

status=1
start=$(date +%s)
while :; do
  if xdotool search --name "$title" > /dev/null 2>&1; then
    # Let the preview finish drawing before the picture is taken.
    sleep "${LOOKLAB_UI_SETTLE:-6}"
    xwd -root -silent | convert xwd:- "$shot"
    echo "run-dialog.sh: PASS: '$title' appeared after $(( $(date +%s) - start )) s;" \
         "screenshot $shot"
    status=0
    if [ -n "${LOOKLAB_UI_ACCEPT:-}" ]; then
      accept_and_reopen || status=1
    fi
    if [ -n "${LOOKLAB_UI_KEYS:-}" ]; then
      echo "$LOOKLAB_UI_KEYS" | tr ';' '\n' | while IFS='=' read -r name keys; do
        id=$(xdotool search --name "$name" | head -n 1)
        if [ -z "$id" ]; then
          echo "run-dialog.sh: no window '$name' to send $keys to; windows:"
          for w in $(xdotool search --onlyvisible --name .); do
            echo "  $(xdotool getwindowname "$w")"
          done
          continue
        fi
        # shellcheck disable=SC2086
        xdotool windowfocus --sync "$id" key --clearmodifiers $keys
        echo "run-dialog.sh: sent $keys to '$name'"
        sleep 2
      done
    fi
    break
  fi
  if ! kill -0 "$gimp" 2>/dev/null; then
    echo "run-dialog.sh: FAIL: GIMP exited before '$title' appeared"
    break
  fi
  if [ $(( $(date +%s) - start )) -ge "$timeout_s" ]; then
    echo "run-dialog.sh: FAIL: no window '$title' after $timeout_s s"
    xwd -root -silent | convert xwd:- "$shot" 2>/dev/null
    break
  fi
  sleep 1
done

if [ $status = 0 ] && [ -n "${LOOKLAB_UI_EXPECT:-}" ]; then
  expect_file=$work/files/${LOOKLAB_UI_EXPECT%%:*}
  expect_re=${LOOKLAB_UI_EXPECT#*:}
  t0=$(date +%s)
  while [ ! -s "$expect_file" ] && kill -0 "$gimp" 2>/dev/null \
        && [ $(( $(date +%s) - t0 )) -lt "$timeout_s" ]; do
    sleep 1
  done
  if grep -qE -- "$expect_re" "$expect_file" 2>/dev/null; then
    echo "run-dialog.sh: PASS: $expect_file matches '$expect_re'"
  else
    echo "run-dialog.sh: FAIL: $expect_file does not match '$expect_re':" \
         "$(cat "$expect_file" 2>/dev/null)"
    status=1
  fi
fi

cat "$work/gimp.log"
kill "$gimp" 2>/dev/null
sleep 1
kill -9 "$gimp" 2>/dev/null
# The plug-ins GIMP started belong to it; they die with its pipes.
kill "$xvfb" 2>/dev/null
wait 2>/dev/null
exit $status
