#!/bin/bash
# The cache end to end: publish fills it, a branch fetched behind its back
# makes query warn, reindex rebuilds it; every filter and format of
# `hrdex query`; bad filters exit 64; the SQL examples of README.md run.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "sqlite3 command-line tool not installed"; exit 77; }
S="$T/ohchr" A="$T/achpr" I="$T/iachr"
Q() { "$HRDEX" -C "$S" query "$@"; }

note "publish fills the cache"
"$HRDEX" -C "$S" init --publisher ohchr >/dev/null 2>&1
"$HRDEX" -C "$A" init --publisher achpr >/dev/null
"$HRDEX" -C "$S" publish "$top"/schemas/examples/ohchr-*.json >/dev/null
"$HRDEX" -C "$A" publish "$top"/schemas/examples/achpr-*.json >/dev/null
"$HRDEX" -C "$I" init --publisher iachr >/dev/null
"$HRDEX" -C "$I" publish "$top"/schemas/examples/iachr-*.json >/dev/null
[ -f "$S/cache.db" ] || fail "no cache.db after publish"
n=$(ls "$top"/schemas/examples/ohchr-*.json | wc -l)
[ "$(Q --format refs | wc -l)" -eq "$n" ] || fail "expected $n documents: $(Q --format refs)"

note "a branch the cache has not seen: query warns and answers"
git --git-dir "$S/repo.git" fetch -q "$A/repo.git" achpr:achpr
git --git-dir "$S/repo.git" fetch -q "$I/repo.git" iachr:iachr
Q --format refs >"$T/out" 2>"$T/err"
grep -q "warning: the cache is behind" "$T/err" || fail "no warning: $(cat "$T/err")"
[ "$(wc -l <"$T/out")" -eq "$n" ] || fail "query did not answer from the cache"

note "reindex rebuilds it atomically"
"$HRDEX" -C "$S" reindex >"$T/out"
m=$(ls "$top"/schemas/examples/{ohchr,achpr,iachr}-*.json | wc -l)
grep -q "^indexed $m documents of 3 publishers$" "$T/out" || fail "reindex said: $(cat "$T/out")"
[ ! -e "$S/cache.db.new" ] || fail "cache.db.new left behind"
Q --format refs >"$T/out" 2>"$T/err"
[ ! -s "$T/err" ] || fail "warning after reindex: $(cat "$T/err")"
[ "$(wc -l <"$T/out")" -eq "$m" ] || fail "expected $m documents"
"$HRDEX" -C "$S" reindex --json | grep -q "\"documents\":$m," || fail "reindex --json"

note "filters"
[ "$(Q --publisher achpr --format refs | wc -l)" -eq "$(ls "$top"/schemas/examples/achpr-*.json | wc -l)" ] ||
	fail "--publisher"
Q --type event --format refs | grep -qx "achpr/event/kigali-panel-2016" || fail "--type event"
Q --type event --format refs | grep -qv "/event/" && fail "--type event let others through"
Q --ref ohchr/report/a-hrc-32-20 --format refs | grep -qx "ohchr/report/a-hrc-32-20" || fail "--ref"
Q --links-to ohchr/report/a-hrc-32-20 --format refs >"$T/out"
grep -q "^achpr/" "$T/out" || fail "no back-reference from achpr: $(cat "$T/out")"
grep -q "^ohchr/" "$T/out" || fail "no back-reference from ohchr: $(cat "$T/out")"
Q --country RWA --format refs | grep -qx "achpr/event/kigali-panel-2016" || fail "--country"
Q --country rwa --format refs | grep -qx "achpr/event/kigali-panel-2016" || fail "--country lowercase"
Q --theme gender-equality --format refs | grep -qx "achpr/event/kigali-panel-2016" || fail "--theme"
Q --since 2016-07-08 --until 2016-07-08 --format refs | grep -qx "achpr/event/kigali-panel-2016" ||
	fail "--since/--until"
Q --text reprisals --format refs | grep -q "reprisals" || fail "--text"
Q --text 'الترتيبات' --format refs | grep -q . || fail "--text in Arabic"
[ "$(Q --limit 2 --format refs | wc -l)" -eq 2 ] || fail "--limit"
# (whole outputs to files first: `| head` would close the pipe under pipefail)
Q --sort ref --format refs >"$T/refs"
sort "$T/refs" | cmp -s - "$T/refs" || fail "--sort ref"
[ "$(Q --sort ref --offset 1 --limit 1 --format refs)" = "$(sed -n 2p "$T/refs")" ] || fail "--offset"

note "formats"
Q --limit 3 | while read -r line; do echo "$line" | python3 -c 'import json,sys; json.loads(sys.stdin.read())' ||
	fail "jsonl line is not JSON"; done
Q --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert isinstance(d, list) and len(d) > 0' ||
	fail "--json"
"$HRDEX" --json -C "$S" query --limit 1 | python3 -c 'import json,sys; assert len(json.load(sys.stdin)) == 1' ||
	fail "global --json"
Q --format csv --sort ref >"$T/csv"
head -n1 "$T/csv" | grep -q $'^ref,publisher,type,id,date,title,countries,themes\r$' || fail "csv header"
Q --format table --sort ref >"$T/table"
head -n1 "$T/table" | grep -q "^REF  *DATE  *TITLE$" || fail "table header"
Q --type event --format ics >"$T/cal.ics"
head -c 17 "$T/cal.ics" | grep -q "BEGIN:VCALENDAR" || fail "ics begin"
[ "$(grep -c $'\r$' "$T/cal.ics")" -eq "$(wc -l <"$T/cal.ics")" ] || fail "ics lines not CRLF"
grep -q $'^UID:achpr/event/kigali-panel-2016@hrdex\r$' "$T/cal.ics" || fail "ics UID"
grep -q $'^LOCATION:Kigali\\\\, RWA\r$' "$T/cal.ics" || fail "ics LOCATION: $(grep LOCATION "$T/cal.ics")"
awk '{ if (length($0) > 76) exit 1 }' "$T/cal.ics" || fail "ics line over 75 octets"

note "bad filters exit 64"
expect_exit 64 Q --type memo 2>/dev/null
expect_exit 64 Q --since 2016-02-30 2>/dev/null
expect_exit 64 Q --until yesterday 2>/dev/null
expect_exit 64 Q --ref not-a-ref 2>/dev/null
expect_exit 64 Q --links-to main/note/x 2>/dev/null
expect_exit 64 Q --format xml 2>/dev/null
expect_exit 64 Q --sort rank 2>/dev/null
expect_exit 64 Q --limit -1 2>/dev/null
expect_exit 64 Q --country KENYA 2>/dev/null
Q --text 'foo AND' 2>"$T/err" && fail "bad --text accepted"
grep -q "^hrdex: invalid --text query 'foo AND': " "$T/err" || fail "bad --text message: $(cat "$T/err")"
expect_exit 64 Q --text '"human rights' 2>"$T/err"
grep -q "^hrdex: invalid --text query '\"human rights': " "$T/err" || fail "unbalanced quote: $(cat "$T/err")"
[ "$(wc -l <"$T/err")" -eq 1 ] || fail "unbalanced quote: not one line: $(cat "$T/err")"
Q --help >"$T/help"   # whole: grep -q on a pipe may close it before a long help is written
grep -q "^usage: hrdex \[-C DIR\] query" "$T/help" || fail "--help"

note "a missing cache: warning, empty answer"
rm -f "$S"/cache.db*
Q --format refs >"$T/out" 2>"$T/err" || fail "query failed without a cache"
grep -q "warning: no cache" "$T/err" || fail "no warning: $(cat "$T/err")"
[ ! -s "$T/out" ] || fail "answer without a cache"
[ ! -e "$S/cache.db" ] || fail "query created the cache"
"$HRDEX" -C "$S" reindex >/dev/null

note "the behind-warning sees packed refs as git does (query reads them without libgit2)"
G() { git --git-dir "$S/repo.git" "$@"; }
behind_on() {   # behind_on NAME|"": the warning names NAME, or there is none
	Q --format refs >/dev/null 2>"$T/err" || fail "query failed: $(cat "$T/err")"
	if [ -z "$1" ]; then
		[ ! -s "$T/err" ] || fail "unexpected warning: $(cat "$T/err")"
	else
		grep -q "warning: the cache is behind the repository (1 branch, e.g. '$1')" "$T/err" ||
			fail "no warning naming $1: $(cat "$T/err")"
	fi
}
achpr=$(G rev-parse achpr) iachr=$(G rev-parse iachr)
G pack-refs --all
[ ! -e "$S/repo.git/refs/heads/achpr" ] && grep -q " refs/heads/achpr$" "$S/repo.git/packed-refs" ||
	fail "pack-refs did not pack achpr"
behind_on ""
moved=$(GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.org \
	G commit-tree -p "$achpr" -m moved "$achpr^{tree}")
G update-ref refs/heads/achpr "$moved"   # loose, over the old packed entry
behind_on achpr
G pack-refs --all                         # now only packed-refs has it
behind_on achpr
G update-ref refs/heads/achpr "$achpr"
behind_on ""
G pack-refs --all
G update-ref -d refs/heads/iachr          # gone from packed-refs
behind_on iachr
G update-ref refs/heads/iachr "$iachr"
behind_on ""

note "the SQL examples of README.md run"
# (those of "Facts of version 2" need version-2 documents: e2e 056 runs them)
awk -v dir="$T" '/^#### Facts of version 2/ { v2 = 1 } /^#+ / && !/^#### Facts of version 2/ { v2 = 0 }
     /^`links\(/ { v2 = 0 }
     /^```sql$/ && !v2 { on = 1; sql = ""; next } /^```$/ && on { print sql > (dir "/example.q" ++n); on = 0; next }
     on { sql = sql $0 "\n" }' "$top/README.md"
k=0
for q in "$T"/example.q*; do
	k=$((k + 1))
	sqlite3 -readonly -bail "$S/cache.db" <"$q" >"$T/sql.out" 2>&1 ||
		fail "example $k failed: $(cat "$T/sql.out")"
	[ -s "$T/sql.out" ] || fail "example $k returned nothing: $(cat "$q")"
done
[ "$k" -ge 3 ] || fail "only $k SQL examples"
echo "ok"
