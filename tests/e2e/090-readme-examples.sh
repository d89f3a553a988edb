#!/bin/bash
# The README's shell examples for script authors run as written (with the
# state directory in $HRDEX_HOME and hrdex on PATH), each exiting 0.
. "$(dirname "$0")/lib.sh"
export HRDEX_HOME="$T/state" PATH="$(dirname "$HRDEX"):$PATH"
hrdex init --publisher ohchr >/dev/null 2>&1
hrdex publish "$top"/schemas/examples/ohchr-*.json >/dev/null
# The sh block right after the line introducing `hrdex query`.
awk '/^`hrdex query` answers from the cache/ { want = 1 } want && /^```sh$/ { on = 1; next }
     on && /^```$/ { exit } on { print }' "$top/README.md" >"$T/examples.sh"
[ "$(grep -c '^hrdex query' "$T/examples.sh")" -ge 5 ] || fail "query examples not found in README.md"
cd "$T"
while IFS= read -r line; do
	[ -n "$line" ] || continue
	bash -c "set -e; $line" >"$T/out" 2>&1 || fail "README example failed: $line: $(cat "$T/out")"
done <"$T/examples.sh"
echo "readme examples: ok"
