#!/bin/bash
# A state directory that does not exist is an error for every command but
# init (78, one line naming the path), never an empty answer.  validate
# answers what publish would there, so a mistyped -C DIR is an error for it
# too; without -C (and no ./hrdex-data) it checks the document alone.
. "$(dirname "$0")/lib.sh"
doc="$top/schemas/examples/ohchr-report-a-hrc-32-20.json"
"$HRDEX" -C "$T/ohchr" init --publisher ohchr >/dev/null 2>&1
cd "$T"

# missing ARGS...: 78 and one line naming the missing directory
missing() {
	local rc=0
	"$HRDEX" -C a/ohcr "$@" >"$T/out" 2>"$T/err" </dev/null || rc=$?
	[ "$rc" -eq 78 ] || fail "$*: exit $rc, expected 78: $(cat "$T/err")"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "$*: not one line: $(cat "$T/err")"
	grep -q "'a/ohcr'" "$T/err" || fail "$*: path not named: $(cat "$T/err")"
	[ ! -s "$T/out" ] || fail "$*: printed an answer: $(cat "$T/out")"
}

note "a mistyped -C DIR"
missing query --country HND
missing query --format refs
missing status
missing status --json
missing config check
missing show ohchr/report/a-hrc-32-20
missing peer list
missing trust list
missing verify
missing reindex
missing sync
missing publish "$doc"
missing withdraw ohchr/report/a-hrc-32-20
missing site
missing run --once
[ ! -e a ] || fail "a command created the directory"

note "HRDEX_HOME is checked the same way"
rc=0
HRDEX_HOME=a/ohcr "$HRDEX" query --format refs 2>"$T/err" || rc=$?
[ "$rc" -eq 78 ] && grep -q "'a/ohcr'" "$T/err" || fail "HRDEX_HOME: exit $rc: $(cat "$T/err")"

note "a folder that is no state directory"
mkdir -p empty
rc=0
"$HRDEX" -C empty query --format refs 2>"$T/err" || rc=$?
[ "$rc" -eq 78 ] && grep -q "'empty' is not an hrdex state directory" "$T/err" ||
	fail "empty folder: exit $rc: $(cat "$T/err")"

note "a fresh state directory answers (no cache yet: a warning, exit 0)"
"$HRDEX" -C ohchr query --format refs >"$T/out" 2>"$T/err" || fail "fresh state: $(cat "$T/err")"
rc=0
"$HRDEX" -C a/ohcr validate "$doc" >/dev/null 2>"$T/err" || rc=$?
[ "$rc" -eq 78 ] && grep -q "no state directory 'a/ohcr'" "$T/err" ||
	fail "validate -C with a mistyped DIR: exit $rc: $(cat "$T/err")"
"$HRDEX" validate "$doc" >/dev/null 2>"$T/err" || fail "validate needs no state directory"
grep -q "checked each document alone" "$T/err" || fail "validate alone does not say so: $(cat "$T/err")"
"$HRDEX" -C ohchr validate "$doc" >/dev/null || fail "validate with a state directory"
echo "ok"
