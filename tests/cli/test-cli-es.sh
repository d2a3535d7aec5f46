#!/usr/bin/env bash
# The looklab CLI in the user's language: with the build tree's catalogs
# (LOOKLAB_LOCALEDIR=PO_BUILD_DIR) and LANG=es_ES.UTF-8 its errors, its
# usage and its options' --help come out in Spanish (po/es.po); in the C
# locale the same commands speak English.  Prints TAP.
# Usage: test-cli-es.sh LOOKLAB_BINARY PO_BUILD_DIR
set -uo pipefail
# absolute: the checks run in a scratch folder
looklab=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
po_dir=$2
. "$(dirname "$0")/tap.sh"
# says NAME STATUS PATTERN CMD...: CMD exits with STATUS and prints PATTERN
says () {
  local name=$1 want=$2 pattern=$3 rc; shift 3
  "$@" >"$work/out.log" 2>&1
  rc=$?
  if [ "$rc" != "$want" ]; then
    not_ok "$name (exit $rc, not $want)"; sed 's/^/# /' "$work/out.log"
  elif ! grep -qF -- "$pattern" "$work/out.log"; then
    not_ok "$name (no '$pattern')"; sed 's/^/# /' "$work/out.log"
  else
    ok "$name"
  fi
}

if ! ls "$po_dir"/es/LC_MESSAGES/looklab.mo >/dev/null 2>&1; then
  echo "not ok 1 - no Spanish catalog in $po_dir (po/ not built)"
  echo "1..1"
  exit 1
fi
# A language the system has not generated is built privately (the Debian
# package `locales`), as tests/plugin/run-gimp.sh does.
lang=es_ES.UTF-8
if ! locale -a 2>/dev/null | grep -qix es_ES.utf8; then
  localedef -i es_ES -f UTF-8 "$work/$lang" || {
    echo "not ok 1 - cannot build the locale $lang (install 'locales')"
    echo "1..1"
    exit 1
  }
  export LOCPATH=$work
fi
export LOOKLAB_LOCALEDIR=$po_dir
cd "$work" && touch in.png

es () { LANGUAGE= LC_ALL=$lang "$@"; }
c () { LANGUAGE= LC_ALL=C "$@"; }

says "Spanish: a bad option value" 2 "--strength debe estar entre 0 y 1" \
  es "$looklab" apply --strength 2 a.cube in.png out.png
says "English in the C locale" 2 "--strength must be within 0..1" \
  c "$looklab" apply --strength 2 a.cube in.png out.png
says "Spanish: an unknown command" 2 "orden desconocida «frobnicate»" \
  es "$looklab" frobnicate
says "Spanish: the tool's own usage" 0 "Cada orden admite --help." \
  es "$looklab" --help
says "Spanish: the option descriptions of --help" 0 \
  "Multiplicar el color predicho, 0..2 (por omisión 1)" \
  es "$looklab" colorize --help
says "Spanish: image input errors" 1 "no existe el archivo" \
  es "$looklab" colorize "$work/missing.png" "$work/out.png"
mkdir folder.png
says "Spanish: a folder as IN" 1 "es una carpeta, no un archivo" \
  es "$looklab" info folder.png
says "Spanish: a negative thread count" 2 "--threads debe ser 0" \
  es "$looklab" apply --threads=-1 a.cube in.png out.png
says "Spanish: the usage line keeps the command's syntax" 2 \
  "uso: looklab info FILE" es "$looklab" info
if [ -e "$work/out.png" ] || [ -e out.png ]; then
  not_ok "no output written by the failed commands"
else
  ok "no output written by the failed commands"
fi

tap_done
