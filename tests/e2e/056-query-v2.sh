#!/bin/bash
# The query filters of schema version 2 (issue 17): one reading of both
# versions (the cache indexes the version-2 form of every document), so a
# version-1 recommendation's `addressee` is found by --addressee exactly as
# a version-2 one's `addressees`; partial dates are found by --year and sort
# as their first day; every filter refuses a bad value with one line, exit
# 64; README.md's SQL for each table runs.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "sqlite3 command-line tool not installed"; exit 77; }
S="$T/ohchr"
Q() { "$HRDEX" -C "$S" query "$@"; }
ex=$top/schemas/examples
v2=$top/tests/data/v2-query
mkdir -p "$T/docs"
# Version-1 documents as published today (the shipped examples, re-homed
# to this publisher): a recommendation addressed to Honduras by `addressee`.
python3 - "$ex" "$T/docs" <<'PY'
import json, sys
ex, out = sys.argv[1], sys.argv[2]
def load(name): return json.load(open(f"{ex}/{name}.json"))
def save(d): json.dump(d, open(f"{out}/{d['id']}.json", "w"), ensure_ascii=False)
r = load("iachr-recommendation-second-report-hrd-2011-protection-programme-hnd")
r.update(id="v1-addressed-hnd", publisher="ohchr", addressee="HND", date="2016-04-06", status="in-progress",
         groups=["human-rights-defenders"], sdg_targets=["16.10"])
r.pop("countries", None); r.pop("follow_up", None); r.pop("links", None)
save(r)
PY
"$HRDEX" -C "$S" init --publisher ohchr >/dev/null 2>&1
"$HRDEX" -C "$S" validate "$v2"/*.json >"$T/validate" 2>&1 || fail "the version-2 fixtures do not validate: $(cat "$T/validate")"
"$HRDEX" -C "$S" publish "$ex"/ohchr-recommendation-*.json "$T"/docs/*.json "$v2"/*.json >/dev/null 2>"$T/err" ||
	fail "publish: $(cat "$T/err")"

# refs of a query, sorted, on one line
R() { Q "$@" --format refs --sort ref | tr '\n' ' ' | sed 's/ $//'; }
is() {
	local want=$1
	shift
	[ "$(R "$@")" = "$want" ] || fail "query $*: got '$(R "$@")', want '$want'"
}
v1rec=ohchr/recommendation/v1-addressed-hnd
upr1=ohchr/recommendation/upr2-hnd-defenders
upr2=ohchr/recommendation/upr2-hnd-icescr
achpr=ohchr/recommendation/achpr-res-345-parties
views=ohchr/decision/ccpr-views-2155-2012
visit=ohchr/visit/sr-hrd-hnd-2018
decl=ohchr/statement/joint-declaration-2016
session=ohchr/event/achpr-58-session
shipped=ohchr/recommendation/a-hrc-32-20-reprisals-procedures   # version 1, schemas/examples

note "--addressee: a version-1 addressee is found as a version-2 one"
is "$upr1 $upr2 $v1rec" --addressee HND
is "$upr1 $upr2 $v1rec" --addressee hnd
is "$achpr" --addressee states-parties
is "$achpr" --addressee nhri
is "$achpr $upr1 $upr2 $v1rec" --addressee HND --addressee states-parties
note "--country still finds addressees of both versions"
Q --country HND --format refs | grep -qx "$v1rec" || fail "--country HND misses the version-1 addressee"
Q --country HND --format refs | grep -qx "$visit" || fail "--country HND misses the visit's visited"

note "--recommending-state, --response, --status"
is "$upr1" --recommending-state NOR
is "$upr2" --recommending-state mex
is "$upr2" --recommending-state URY --type recommendation
is "$upr1" --response supported
is "$upr2" --response noted
is "$upr1 $upr2" --response supported --response noted
is "$shipped $upr1 $v1rec" --status in-progress
is "$visit" --status completed
is "$session" --status held
is "$session" --kind session --country GMB

note "--body, --group, --sdg, --kind"
is "$upr1 $upr2" --body upr
is "$achpr" --body achpr
is "$views" --body ccpr
is "$visit" --body sr-hrd
is "$shipped $upr1 $v1rec" --group human-rights-defenders
is "$shipped $upr1 $v1rec" --sdg 16
is "$shipped $upr1 $v1rec" --sdg 16.10
is "$upr2" --sdg 5
is "" --sdg 16.1
is "$shipped" --sdg 16.a
is "$views" --kind views
is "$decl" --kind joint-declaration

note "--year finds a year, a quarter, a month and a day of that year"
Q --year 2016 --format refs --sort ref >"$T/y2016"
for r in "$achpr" "$decl" "$v1rec" "$session"; do grep -qx "$r" "$T/y2016" || fail "--year 2016 misses $r: $(cat "$T/y2016")"; done
for r in "$upr1" "$upr2" "$views" "$visit"; do grep -qx "$r" "$T/y2016" && fail "--year 2016 finds $r"; done
Q --year 2015 --format refs >"$T/y2015"
for r in "$upr1" "$upr2" "$views"; do grep -qx "$r" "$T/y2015" || fail "--year 2015 misses $r"; done

note "a partial date sorts as its first day"
Q --publisher ohchr --ref "$upr2" --ref "$upr1" --ref "$views" --ref "$achpr" --ref "$decl" --ref "$v1rec" \
	--ref "$visit" --sort date --format refs | tr '\n' ' ' >"$T/sorted"
[ "$(cat "$T/sorted")" = "$upr2 $upr1 $views $achpr $decl $v1rec $visit " ] ||
	fail "--sort date: $(cat "$T/sorted")"
[ "$(sqlite3 -readonly "$S/cache.db" "SELECT start || ' ' || \"end\" || ' ' || date_precision FROM documents WHERE ref = '$upr2'")" = \
	"2015-04-01 2015-06-30 2" ] || fail "a quarter is not stored as its range"

note "--fields shows the version-2 columns for documents of either version"
Q --ref "$v1rec" --ref "$upr1" --sort ref --format csv --fields ref,schema,kind,status,response,date_first,date_last | tr -d '\r' >"$T/csv"
grep -qx "$upr1,2,,in-progress,supported,2015-05-01,2015-05-31" "$T/csv" || fail "--fields v2 columns: $(cat "$T/csv")"
grep -qx "$v1rec,1,,in-progress,,2016-04-06,2016-04-06" "$T/csv" || fail "--fields v2 columns of v1: $(cat "$T/csv")"
Q --ref "$views" --format jsonl --fields kind,date_first | grep -qx '{"kind":"views","date_first":"2015-10-01"}' ||
	fail "--fields kind in jsonl: $(Q --ref "$views" --format jsonl --fields kind,date_first)"

note "documents.schema says the version each names"
[ "$(sqlite3 -readonly "$S/cache.db" "SELECT schema FROM documents WHERE ref = '$v1rec'") $(sqlite3 -readonly "$S/cache.db" "SELECT schema FROM documents WHERE ref = '$upr1'")" = "1 2" ] ||
	fail "documents.schema"

note "ext is never indexed"
Q --text '"R 345"' --format refs >"$T/ext"
[ ! -s "$T/ext" ] || fail "ext is in the full-text index: $(cat "$T/ext")"

note "bad values: one line naming the option, exit 64"
bad() {
	local want=$1
	shift
	expect_exit 64 Q "$@" 2>"$T/err"
	[ "$(wc -l <"$T/err")" -eq 1 ] || fail "$*: not one line: $(cat "$T/err")"
	grep -qF -- "$want" "$T/err" || fail "$*: '$(cat "$T/err")' lacks '$want'"
}
bad "invalid --addressee 'ZZZ'" --addressee ZZZ
bad "invalid --addressee 'the-state'" --addressee the-state
bad "invalid --recommending-state 'MEXICO'" --recommending-state MEXICO
bad "unknown --response 'accepted'" --response accepted
bad "unknown --status 'done'" --status done
bad "unknown --body 'uprr'" --body uprr
bad "nearest: 'upr'" --body uprr
bad "unknown --group 'human-right-defenders'" --group human-right-defenders
bad "nearest: 'human-rights-defenders'" --group human-right-defenders
bad "invalid --sdg '18'" --sdg 18
bad "unknown --kind 'view'" --kind view
bad "invalid --year '16'" --year 16
bad "--withdrawn takes no --addressee" --withdrawn --addressee HND

note "--help, hrdex.1 and README.md document each filter with its table"
Q --help >"$T/help"
for o in addressee recommending-state response status body group sdg kind year; do
	grep -q -- "--$o " "$T/help" || fail "--help lacks --$o"
	grep -qF -- "$(printf '%s' "--$o" | sed 's/-/\\-/g')" "$top/contrib/hrdex.1" || fail "hrdex.1 lacks --$o"
	grep -q -- "\`--$o" "$top/README.md" || fail "README.md lacks --$o"
done
note "README.md's SQL for the version-2 tables runs and finds what the filters find"
python3 - "$top/README.md" "$T/sql" <<'PY'
import re, sys
t = open(sys.argv[1], encoding="utf-8").read()
sec = t[t.index("#### Facts of version 2"):]
sec = sec[:sec.index("\n### ")]
blocks = re.findall(r"```sql\n(.*?)```", sec, re.S)
assert len(blocks) >= 9, len(blocks)
for i, b in enumerate(blocks):
    open(f"{sys.argv[2]}.{i}", "w").write(b)
PY
for f in "$T"/sql.*; do
	sqlite3 -readonly -bail "$S/cache.db" <"$f" >"$f.out" 2>&1 || fail "README SQL fails: $(cat "$f") -> $(cat "$f.out")"
	[ -s "$f.out" ] || fail "README SQL finds nothing: $(cat "$f")"
done
grep -q "^$v1rec" "$T"/sql.0.out || fail "README's addressee SQL misses the version-1 recommendation"

note "a version-4 cache (as the previous release wrote it) is brought to version 5 keeping tombstones and stamps"
"$HRDEX" -C "$S" withdraw "$upr2" >/dev/null 2>"$T/err" || fail "withdraw: $(cat "$T/err")"
Q --withdrawn --format refs | grep -qx "$upr2" || fail "no tombstone after withdraw"
stamp() { sqlite3 -readonly "$S/cache.db" "SELECT accepted_at || ' ' || sequence FROM documents WHERE ref = '$1'"; }
sqlite3 "$S/cache.db" "UPDATE documents SET accepted_at = '2020-01-02T03:04:05Z', sequence = 3 WHERE ref = '$v1rec'"
# the layout of version 4: without the tables and columns version 5 added
sqlite3 -bail "$S/cache.db" <<'SQL'
DROP TABLE doc_addressees; DROP TABLE doc_recommending_states; DROP TABLE doc_bodies; DROP TABLE doc_groups;
DROP TABLE doc_sdgs;
DROP INDEX documents_kind; DROP INDEX documents_status; DROP INDEX documents_response; DROP INDEX documents_date_first;
ALTER TABLE documents DROP COLUMN schema; ALTER TABLE documents DROP COLUMN kind;
ALTER TABLE documents DROP COLUMN status; ALTER TABLE documents DROP COLUMN response;
ALTER TABLE documents DROP COLUMN date_first; ALTER TABLE documents DROP COLUMN date_last;
ALTER TABLE documents DROP COLUMN date_precision;
PRAGMA user_version = 4;
SQL
cp "$S/cache.db" "$T/cache4.db"
expect_exit 75 Q --addressee HND 2>/dev/null   # a reader waits for a writer
"$HRDEX" -C "$S" sync >/dev/null 2>&1 || true   # any writer brings it to version 5
[ "$(sqlite3 -readonly "$S/cache.db" 'PRAGMA user_version')" = 5 ] || fail "a writer left version 4"
Q --withdrawn --format refs | grep -qx "$upr2" || fail "the tombstone of a version-4 cache is lost"
[ "$(stamp "$v1rec")" = "2020-01-02T03:04:05Z 3" ] || fail "accepted_at and sequence lost: $(stamp "$v1rec")"
is "$upr1 $v1rec" --addressee HND
is "$shipped $achpr $v1rec $decl" --year 2016 --type recommendation --type statement
note "... and so does a rebuild of it (reindex)"
cp "$T/cache4.db" "$S/cache.db"
rm -f "$S/cache.db-wal" "$S/cache.db-shm"
"$HRDEX" -C "$S" reindex >/dev/null 2>"$T/err" || fail "reindex of a version-4 cache: $(cat "$T/err")"
Q --withdrawn --format refs | grep -qx "$upr2" || fail "reindex loses the tombstone of a version-4 cache"
[ "$(stamp "$v1rec")" = "2020-01-02T03:04:05Z 3" ] || fail "reindex loses stamps: $(stamp "$v1rec")"
is "$upr1 $v1rec" --addressee HND
echo "ok"
