# tests/cli/tap.sh: sourced by the CLI's shell tests, which print TAP.
# Gives them a scratch folder $work (removed on exit), the counters n and
# failed, ok NAME / not_ok NAME for one result, and tap_done to end.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0
failed=0

ok () { n=$((n + 1)); echo "ok $n - $1"; }
not_ok () { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
tap_done () { echo "1..$n"; exit $((failed > 0)); }
