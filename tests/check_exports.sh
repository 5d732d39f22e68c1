#!/bin/sh
# Checks the dynamic symbol tables of a build (default: build): the bluetooth
# extension exports PyInit_bluetooth alone, and lib/libmpble.so exactly the functions
# declared in include/mpble/mpble.h. Usage: tests/check_exports.sh [build dir [name]].
# Ends with "name: N passed, N failed" (name defaults to exports); exit 1 on a failure.
cd "$(dirname "$0")/.."
dir=${1:-build}
name=${2:-exports}
passed=0
failed=0
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mpble-exports.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# check DESCRIPTION EXPECTED-FILE ACTUAL-FILE
check() {
  if [ ! -s "$2" ]; then
    echo "FAIL $1: nothing expected (parse failed)"
    failed=$((failed + 1))
  elif diff -u "$2" "$3" > "$tmp/diff"; then
    echo "ok   $1 ($(wc -l < "$3") symbols)"
    passed=$((passed + 1))
  else
    echo "FAIL $1 (- missing, + stray):"
    tail -n +3 "$tmp/diff" | grep '^[-+]'
    failed=$((failed + 1))
  fi
}

# Defined dynamic symbols of a shared object, one name a line, sorted; a missing file
# gives no symbols.
exports() {
  [ -e "$1" ] || { echo "missing $1" >&2; return; }
  nm -D --defined-only "$1" | awk '{ print $NF }' | sort -u
}

ext=$(ls "$dir"/python/bluetooth*.so 2>/dev/null | head -n 1)
echo PyInit_bluetooth > "$tmp/ext.want"
exports "${ext:-$dir/python/bluetooth.so}" > "$tmp/ext.have"
check "extension exports only PyInit_bluetooth" "$tmp/ext.want" "$tmp/ext.have"

# The header's function declarations, comments removed by the preprocessor.
${CC:-cc} -E -P include/mpble/mpble.h | grep -oE 'mpble_[a-z0-9_]+\(' | tr -d '(' | sort -u \
  > "$tmp/lib.want"
exports "$dir/lib/libmpble.so" > "$tmp/lib.have"
check "libmpble.so exports exactly the functions of mpble.h" "$tmp/lib.want" "$tmp/lib.have"

echo "$name: $passed passed, $failed failed"
[ "$failed" = 0 ]
