#!/usr/bin/env bash
# How the CLI writes OUT when the write goes wrong (issue 25): a file-size
# limit (ulimit -f: EFBIG) and a full disk (a 200 KB tmpfs in a private
# mount namespace) fail the command with the reason, keep the old OUT and
# leave no temporary file; SIGINT, SIGTERM and SIGHUP during the write
# remove the temporary file; an existing OUT keeps its mode, a link to a
# file is written through; float TIFF stays 32-bit float; a look passes
# float values beyond [0, 1] through, a .cube clamps them; libpng's bKGD
# warning is not shown.
# Prints TAP.  Usage: test-cli-write.sh LOOKLAB_BINARY SOURCE_ROOT
set -uo pipefail
looklab=$1
src=$2
sample=$src/data/sample
. "$(dirname "$0")/tap.sh"
# Job control: bash starts background commands with SIGINT ignored
# otherwise, and an ignored signal stays ignored (as under nohup).
set -m

{
  echo 'LUT_3D_SIZE 2'
  for b in 0 1; do for g in 0 1; do for r in 0 1; do
    echo "$((1 - r)) $((1 - g)) $((1 - b))"; done; done; done
} >"$work/invert.cube"
{
  echo 'LUT_3D_SIZE 2'
  for b in 0 1; do for g in 0 1; do for r in 0 1; do echo "$r $g $b"; done; done; done
} >"$work/identity.cube"
convert "$sample/ladybird.png" -resize 25% "$work/small.png"
# An identity pair learns the identity look (exactly).
"$looklab" learn "$work/small.png" "$work/small.png" -o "$work/id.look" 2>/dev/null

# only DIR NAMES...: DIR holds exactly NAMES (no temporary file left)
only () {
  local dir=$1; shift
  [ "$(ls -A "$dir" | sort | tr '\n' ' ')" = "$(printf '%s\n' "$@" | sort | tr '\n' ' ')" ]
}
# failed_cleanly NAME PATTERN DIR OUT: the last run failed saying PATTERN,
# OUT still holds "previous" and DIR nothing else
failed_cleanly () {
  local name=$1 pattern=$2 dir=$3 out=$4
  if [ "$rc" = 0 ]; then
    not_ok "$name (exit 0)"
  elif ! grep -q -- "$pattern" "$work/err"; then
    not_ok "$name (message lacks '$pattern')"; sed 's/^/# /' "$work/err" | tail -3
  elif [ "$(cat "$dir/$out")" != previous ]; then
    not_ok "$name (OUT changed)"
  elif ! only "$dir" "$out"; then
    not_ok "$name (left: $(ls -A "$dir" | tr '\n' ' '))"
  else
    ok "$name"
  fi
}

# 1. A file-size limit: EFBIG, reported; SIGXFSZ does not kill the tool.
mkdir "$work/lim"
for ext in png tif exr jpg webp; do
  echo previous >"$work/lim/o.$ext"
  (ulimit -f 20; exec "$looklab" apply "$work/invert.cube" \
    "$sample/ladybird.png" "$work/lim/o.$ext") 2>"$work/err"
  rc=$?
  failed_cleanly "apply to .$ext over ulimit -f 20" 'File too large' \
    "$work/lim" "o.$ext"
  rm -f "$work/lim/o.$ext"
done
echo previous >"$work/lim/o.png"
(ulimit -f 20; exec "$looklab" colorize "$sample/ladybird.png" \
  "$work/lim/o.png" --model "$src/tests/core/data/tiny-model.safetensors") \
  2>"$work/err"
rc=$?
failed_cleanly "colorize over ulimit -f 20" 'File too large' "$work/lim" o.png
mv "$work/lim/o.png" "$work/lim/o.cube"
(ulimit -f 20; exec "$looklab" bake "$work/id.look" -o "$work/lim/o.cube") \
  2>"$work/err"
rc=$?
failed_cleanly "bake over ulimit -f 20" 'File too large' "$work/lim" o.cube
(ulimit -f 20; exec "$looklab" learn "$work/small.png" "$work/small.png" \
  -o "$work/lim/o.cube" --size 64) 2>"$work/err"
rc=$?
failed_cleanly "learn over ulimit -f 20" 'File too large' "$work/lim" o.cube
rm -f "$work/lim/o.cube"

# 2. A full disk: a 200 KB tmpfs holding an existing OUT.  A private mount
# namespace needs root (or unprivileged user namespaces); where / is not a
# mount point (a chroot) it can only be entered without changing
# propagation, which is safe only when no mount is shared.
mnt=$work/mnt
mkdir "$mnt"
full_disk () { # full_disk SCRIPT: runs SCRIPT with a tmpfs on $mnt
  local mount="mount -t tmpfs -o size=200k tmpfs '$mnt' && $1"
  if [ "$(id -u)" = 0 ]; then
    unshare -m sh -c "$mount" 2>"$work/unshare" && return 0
    if grep -q 'propagation' "$work/unshare" \
       && ! grep -q shared: /proc/self/mountinfo; then
      unshare -m --propagation unchanged sh -c "$mount" && return 0
    fi
  else
    unshare -r -m sh -c "$mount" 2>"$work/unshare" && return 0
  fi
  return 1
}
if ! full_disk "touch '$mnt/probe' && test -e '$mnt/probe'" >/dev/null 2>&1 \
   || [ -e "$mnt/probe" ]; then
  why=$(head -c 200 "$work/unshare" 2>/dev/null | tr '\n' ' ')
  for ext in png tif exr; do
    n=$((n + 1)); echo "ok $n - # SKIP full disk .$ext: no private tmpfs here (${why:-unshare unavailable})"
  done
else
  for ext in png tif exr; do
    full_disk "echo previous >'$mnt/o.$ext' && \
      '$looklab' apply '$work/invert.cube' '$sample/ladybird.png' \
        '$mnt/o.$ext' 2>'$work/err'; echo \$? >'$work/rc'; \
      cat '$mnt/o.$ext' >'$work/kept'; ls -A '$mnt' >'$work/left'"
    rc=$(cat "$work/rc")
    if [ "$rc" = 0 ]; then
      not_ok "apply to .$ext on a full disk (exit 0)"
    elif ! grep -q 'No space left on device' "$work/err"; then
      not_ok "apply to .$ext on a full disk (message)"; sed 's/^/# /' "$work/err" | tail -3
    elif [ "$(cat "$work/kept")" != previous ] || [ "$(cat "$work/left")" != "o.$ext" ]; then
      not_ok "apply to .$ext on a full disk (OUT changed or files left: $(tr '\n' ' ' <"$work/left"))"
    else
      ok "apply to .$ext on a full disk: fails, old OUT kept, nothing left"
    fi
  done
fi

# 3. Signals during the write: the temporary file goes, OUT stays.  The
# run is stopped once its temporary file exists, signalled, then resumed,
# so the signal always lands inside the write.
convert -size 1200x800 -depth 16 gradient:red-blue -attenuate 0.3 \
  +noise Gaussian "$work/big.png"
mkdir "$work/sig"
# signal_during_write NAME SIG TEMP_GLOB CMD...
signal_during_write () {
  local name=$1 sig=$2 glob=$3 pid try caught=0; shift 3
  for try in 1 2 3 4 5; do
    echo previous >"$work/sig/$out"
    # with the signals at their defaults: a signal ignored where the test
    # starts (SIGHUP under nohup) would stay ignored in the tool, as POSIX
    # programs keep it (core/common/atomic-file.c), and the run end normally
    env --default-signal "$@" 2>/dev/null &
    pid=$!
    for _ in $(seq 1 1000); do
      # shellcheck disable=SC2086
      if compgen -G "$work/sig/$glob" >/dev/null; then
        # Stopped, the run is frozen: if its temporary is gone, the write
        # ended between the two looks (a finished run is a zombie that
        # kill still reaches) and this try does not count.
        if kill -STOP "$pid" 2>/dev/null \
           && compgen -G "$work/sig/$glob" >/dev/null; then
          caught=1
        else
          kill -CONT "$pid" 2>/dev/null
        fi
        break
      fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.005
    done
    if [ "$caught" = 1 ]; then
      kill "-$sig" "$pid"; kill -CONT "$pid"
      # With job control wait also returns when the job stops: wait on
      # until it is gone.
      wait "$pid"; rc=$?
      while kill -0 "$pid" 2>/dev/null; do wait "$pid"; rc=$?; done
      break
    fi
    wait "$pid"
  done
  if [ "$caught" = 0 ]; then
    not_ok "$name (never caught writing)"
  elif [ "$rc" -le 128 ]; then
    not_ok "$name (exit $rc, not killed by SIG$sig)"
  elif [ "$(cat "$work/sig/$out")" != previous ] || ! only "$work/sig" "$out"; then
    not_ok "$name (left: $(ls -A "$work/sig" | tr '\n' ' '))"
  else
    ok "$name"
  fi
}
out=o.png
for sig in INT TERM HUP; do
  signal_during_write "SIG$sig while apply writes: temporary removed, OUT kept" \
    "$sig" '.o.png.*/o.png' \
    "$looklab" apply "$work/invert.cube" "$work/big.png" "$work/sig/o.png"
done
rm -f "$work/sig/o.png"
out=o.cube
signal_during_write "SIGTERM while bake writes: temporary removed, OUT kept" \
  TERM 'o.cube.*' \
  "$looklab" bake "$work/id.look" -o "$work/sig/o.cube" --size 64
rm -f "$work/sig/o.cube"

# 4. Mode and links.
mkdir "$work/mode"
echo previous >"$work/mode/o.png"
chmod 600 "$work/mode/o.png"
"$looklab" apply "$work/invert.cube" "$work/small.png" "$work/mode/o.png"
if [ "$(stat -c %a "$work/mode/o.png")" = 600 ]; then ok "apply keeps OUT's mode 600"
else not_ok "apply keeps OUT's mode 600 (now $(stat -c %a "$work/mode/o.png"))"; fi
echo previous >"$work/mode/o.cube"
chmod 640 "$work/mode/o.cube"
"$looklab" bake "$work/id.look" -o "$work/mode/o.cube" --size 5
if [ "$(stat -c %a "$work/mode/o.cube")" = 640 ]; then ok "bake keeps OUT's mode 640"
else not_ok "bake keeps OUT's mode 640 (now $(stat -c %a "$work/mode/o.cube"))"; fi
(umask 027; exec "$looklab" apply "$work/invert.cube" "$work/small.png" "$work/mode/new.png")
if [ "$(stat -c %a "$work/mode/new.png")" = 640 ]; then ok "a new OUT gets 0666 less the umask"
else not_ok "a new OUT gets 0666 less the umask (got $(stat -c %a "$work/mode/new.png"))"; fi
echo previous >"$work/mode/real.png"
ln -s real.png "$work/mode/link.png"
"$looklab" apply "$work/invert.cube" "$work/small.png" "$work/mode/link.png"
if [ -L "$work/mode/link.png" ] && [ "$(readlink "$work/mode/link.png")" = real.png ] \
   && [ "$(compare -metric AE "$work/mode/real.png" "$work/mode/o.png" null: 2>&1)" = 0 ]; then
  ok "a link as OUT is written through: the link stays, its file is replaced"
else
  not_ok "a link as OUT is written through"
fi

# 5. Float stays float: a 32-bit float TIFF through the identity.
convert "$work/small.png" -define quantum:format=floating-point -depth 32 "$work/f32.tif"
"$looklab" apply "$work/identity.cube" "$work/f32.tif" "$work/f32-out.tif"
fmt=$(identify -format '%z %[tiff:sample-format]' "$work/f32-out.tif" 2>/dev/null)
# Normalised peak error; half float would give up to 2.4e-4.
pae=$(compare -metric PAE "$work/f32.tif" "$work/f32-out.tif" null: 2>&1 | sed 's/.*(\(.*\))/\1/')
if [ "${fmt%% *}" = 32 ] && awk -v e="$pae" 'BEGIN { exit !(e < 1e-6) }'; then
  ok "a 32-bit float TIFF is written as 32-bit float (peak error $pae)"
else
  not_ok "a 32-bit float TIFF is written as 32-bit float (got '$fmt', peak error $pae)"
fi

# 6. Float values beyond [0, 1] (a ramp from -0.5 to 2.0, made by
# float-tiff.py: ImageMagick's Q16 build clamps): a look passes the excess
# through, a .cube clamps.
ftiff=$(dirname "$0")/float-tiff.py
if python3 "$ftiff" ramp "$work/hdr.tif" 2>/dev/null; then
  "$looklab" apply "$work/id.look" "$work/hdr.tif" "$work/hdr-look.tif"
  "$looklab" apply "$work/identity.cube" "$work/hdr.tif" "$work/hdr-cube.tif"
  d=$(python3 "$ftiff" diff "$work/hdr.tif" "$work/hdr-look.tif" 2>&1)
  if awk -v e="$d" 'BEGIN { exit !(e + 0 == e && e < 1e-5) }'; then
    ok "the identity look keeps values from -0.5 to 2.0 (largest change $d)"
  else
    not_ok "the identity look keeps values from -0.5 to 2.0 (largest change $d)"
  fi
  d=$(python3 "$ftiff" diff-clamped "$work/hdr.tif" "$work/hdr-cube.tif" 2>&1)
  if awk -v e="$d" 'BEGIN { exit !(e + 0 == e && e < 1e-5) }'; then
    ok "the identity .cube clamps them to [0, 1] (largest error $d)"
  else
    not_ok "the identity .cube clamps them to [0, 1] (largest error $d)"
  fi
else
  for what in look cube; do
    n=$((n + 1)); echo "ok $n - # SKIP float beyond [0, 1] ($what): no python3"
  done
fi

# 7. No libpng bKGD warning when an 8-bit PNG in another space (an ICC
# profile) is written.
icc=/usr/share/color/icc/compatibleWithAdobeRGB1998.icc
if [ -r "$icc" ]; then
  convert "$work/small.png" -profile "$icc" "$work/adobe.png"
  "$looklab" apply "$work/invert.cube" "$work/adobe.png" "$work/adobe-out.png" 2>"$work/err"
  rc=$?
  if [ "$rc" = 0 ] && [ ! -s "$work/err" ]; then
    ok "an 8-bit PNG in Adobe RGB is written without a libpng warning"
  else
    not_ok "an 8-bit PNG in Adobe RGB is written without a libpng warning (exit $rc)"
    sed 's/^/# /' "$work/err" | head -3
  fi
else
  n=$((n + 1)); echo "ok $n - # SKIP bKGD warning: no $icc (icc-profiles-free)"
fi
tap_done
