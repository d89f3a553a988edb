#!/bin/bash
# One style across commands: every --json prints compact JSON on one line
# (query's --format json streams one document per line, its documented
# array form); every usage line of a command that reads the state directory
# shows [-C DIR]; query's --since and --until read as two options.
. "$(dirname "$0")/lib.sh"
S="$T/ohchr"
doc="$top/schemas/examples/ohchr-report-a-hrc-32-20.json"
"$HRDEX" -C "$S" init --publisher ohchr >/dev/null 2>&1
"$HRDEX" -C "$S" peer add down "git://127.0.0.1:$(free_port)/x.git"
"$HRDEX" -C "$S" peer add self "file://$S/repo.git" --publisher ohchr

# one_line NAME FILE: FILE is one line of valid JSON
one_line() {
	[ "$(wc -l <"$2")" -eq 1 ] || fail "$1 --json: not one line: $(cat "$2")"
	jq -e . "$2" >/dev/null || fail "$1 --json: not JSON: $(cat "$2")"
	[ "$(jq -c . "$2")" = "$(cat "$2")" ] || fail "$1 --json: not compact: $(cat "$2")"
}

note "every --json is compact, one line"
H() { "$HRDEX" -C "$S" "$@" 2>/dev/null || true; }
H publish --json "$doc" >"$T/j"; one_line publish "$T/j"
H peer list --json >"$T/j"; one_line "peer list" "$T/j"
H --json peer list >"$T/j"; one_line "--json peer list" "$T/j"
H trust list --json >"$T/j"; one_line "trust list" "$T/j"
H sync --json >"$T/j"; one_line sync "$T/j"
H status --json >"$T/j"; one_line status "$T/j"
H site --json >"$T/j"; one_line site "$T/j"
H reindex --json >"$T/j"; one_line reindex "$T/j"
H verify --json >"$T/j"; one_line verify "$T/j"
H validate --json "$doc" >"$T/j"; one_line validate "$T/j"
H withdraw --json ohchr/report/a-hrc-32-20 >"$T/j"; one_line withdraw "$T/j"

note "a --json that cannot be written is an I/O error (74), never exit 0"
# /dev/full refuses every write: the output is lost, and the exit says so.
for c in "trust list" "reindex" "verify" "peer list" "status"; do
	rc=0
	# shellcheck disable=SC2086
	"$HRDEX" -C "$S" $c --json >/dev/full 2>"$T/err" || rc=$?
	[ "$rc" -eq 74 ] || fail "$c --json >/dev/full: exit $rc, not 74: $(cat "$T/err")"
	grep -q "^hrdex: cannot write the output" "$T/err" || fail "$c --json >/dev/full: $(cat "$T/err")"
done

note "usage lines show [-C DIR]"
for c in init validate publish withdraw show trust query reindex verify peer sync site run status config; do
	"$HRDEX" "$c" --help >"$T/help" || fail "$c --help"
	grep "^usage: \|^       hrdex" "$T/help" >"$T/usage"
	[ -s "$T/usage" ] || fail "$c: no usage line"
	while IFS= read -r line; do
		case "$line" in
		"usage: hrdex [-C DIR] "* | "       hrdex [-C DIR] "*) ;;
		*) fail "$c: usage line without [-C DIR]: $line" ;;
		esac
	done <"$T/usage"
done

note "--since and --until are two options"
"$HRDEX" query --help >"$T/help"
grep -q "^  --since DATE  *dated on or after DATE (YYYY-MM-DD)$" "$T/help" || fail "--since: $(grep -A1 -- --since "$T/help")"
grep -q "^  --until DATE  *dated on or before DATE (YYYY-MM-DD)$" "$T/help" || fail "--until: $(grep -A1 -- --until "$T/help")"
echo "ok"
