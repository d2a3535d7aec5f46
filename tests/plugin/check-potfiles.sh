#!/bin/sh
# tests/plugin/check-potfiles.sh SOURCE_ROOT
#
# Every source file that marks strings with _( or N_( must be listed in
# po/POTFILES (else its strings never reach translators), every listed file
# must exist, and po/es.po must translate every string xgettext finds in
# them (msgcmp), with valid formats (msgfmt -c).
set -u
top=$1
status=0
potfiles="$top/po/POTFILES"

for f in $(cd "$top" && grep -rlE '(^|[^A-Za-z0-9_])N?_ ?\(' \
             --include='*.c' --include='*.h' plugin ui core cli space 2>/dev/null \
           | sort); do
  if ! grep -qx "$f" "$potfiles"; then
    echo "FAIL: $f uses _() but is not in po/POTFILES"
    status=1
  fi
done

while read -r f; do
  case "$f" in ''|'#'*) continue ;; esac
  if [ ! -f "$top/$f" ]; then
    echo "FAIL: po/POTFILES lists $f, which does not exist"
    status=1
  fi
done < "$potfiles"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$top" && xgettext --from-code=UTF-8 --keyword=_ --keyword=N_ \
   --keyword=C_:1c,2 --keyword=NC_:1c,2 --add-comments=TRANSLATORS \
   -f po/POTFILES -o "$tmp/looklab.pot") || status=1
for po in "$top"/po/*.po; do
  if ! msgcmp "$po" "$tmp/looklab.pot"; then
    echo "FAIL: $(basename "$po") does not translate every string"
    status=1
  fi
  if ! msgfmt -c -o /dev/null "$po"; then
    echo "FAIL: $(basename "$po") does not compile"
    status=1
  fi
  untranslated=$(msgattrib --untranslated --no-obsolete "$po" | grep -c '^msgid ' || true)
  fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$po" | grep -c '^msgid ' || true)
  if [ "$untranslated" -gt 0 ] || [ "$fuzzy" -gt 0 ]; then
    echo "FAIL: $(basename "$po"): untranslated or fuzzy entries"
    status=1
  fi
done

[ $status = 0 ] && echo "PASS: POTFILES complete, catalogs complete"
exit $status
