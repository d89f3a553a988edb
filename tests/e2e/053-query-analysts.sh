#!/bin/bash
# What an analyst asks of `hrdex query` and of cache.db (issue 16): a
# document concerns every country it names in any country field and every
# theme or group it names; the same filter repeated is OR, different ones
# AND; --fields picks columns and dotted paths for csv, table, jsonl, json.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "sqlite3 command-line tool not installed"; exit 77; }
S="$T/iachr"
Q() { "$HRDEX" -C "$S" query "$@"; }
ex=$top/schemas/examples
mkdir -p "$T/docs"
# Documents that name a country or a theme outside `countries`/`themes` only.
python3 - "$ex" "$T/docs" <<'PY'
import json, sys
ex, out = sys.argv[1], sys.argv[2]
def load(name): return json.load(open(f"{ex}/{name}.json"))
def save(d): json.dump(d, open(f"{out}/{d['id']}.json", "w"), ensure_ascii=False)
r = load("iachr-recommendation-second-report-hrd-2011-protection-programme-hnd")
r.update(id="addressed-hnd", addressee="HND", groups=["migrants"]); r.pop("countries"); r.pop("follow_up")
r["themes"] = ["follow-up"]
save(r)
d = load("corteidh-decision-serie-c-283")
d.update(id="states-slv", publisher="iachr", states=["SLV"]); d.pop("countries"); d.pop("links", None)
save(d)
e = load("ohchr-event-focal-points-meeting-2016")
e.update(id="held-in-pan", publisher="iachr", place={"city": "Panama", "country": "PAN"})
e.pop("countries", None); e.pop("links", None)
save(e)
PY
"$HRDEX" -C "$S" init --publisher iachr >/dev/null 2>&1
"$HRDEX" -C "$S" publish "$ex"/iachr-*.json "$T"/docs/*.json >/dev/null

note "7: --country finds a country in any country field"
Q --country HND --format refs --sort ref >"$T/out"
grep -qx "iachr/recommendation/addressed-hnd" "$T/out" ||
	fail "--country HND misses a recommendation addressed to HND: $(cat "$T/out")"
Q --country SLV --format refs | grep -qx "iachr/decision/states-slv" || fail "--country misses a decision's states"
Q --country PAN --format refs | grep -qx "iachr/event/held-in-pan" || fail "--country misses an event's place.country"
note "7: --theme matches a recommendation's groups"
Q --theme migrants --format refs | grep -qx "iachr/recommendation/addressed-hnd" || fail "--theme misses groups"
note "7: the README's SQL example 'every recommendation concerning Honduras'"
sql=$(awk '/^Every recommendation concerning Honduras/ { on = 1; next } on && /^```sql$/ { go = 1; next }
	go && /^```$/ { exit } go { print }' "$top/README.md")
[ -n "$sql" ] || fail "no Honduras example in README.md"
sqlite3 -readonly -bail "$S/cache.db" "$sql" | grep -q "^iachr/recommendation/addressed-hnd|" ||
	fail "the README's Honduras SQL misses the addressed recommendation"
[ "$(sqlite3 -readonly "$S/cache.db" 'PRAGMA user_version')" = 5 ] || fail "cache schema version is not 5"
note "7: a cache of the old schema version is rebuilt by the next writer"
sqlite3 "$S/cache.db" 'PRAGMA user_version = 1'
expect_exit 75 Q --country HND --format refs 2>/dev/null
"$HRDEX" -C "$S" sync >/dev/null 2>&1 || true
Q --country HND --format refs | grep -qx "iachr/recommendation/addressed-hnd" || fail "no rebuild after upgrade"

note "7: the site's search index knows the same countries and groups (one rule)"
"$HRDEX" -C "$S" site >/dev/null 2>&1
python3 - "$S/site/search-index.js" <<'PY' || fail "the site's search misses addressee or groups"
import json, sys
t = open(sys.argv[1], encoding="utf-8").read()
docs = json.loads(t[t.index("{"):t.rindex("}") + 1])["docs"]
x = [d for d in docs if d["r"] == "iachr/recommendation/addressed-hnd"][0]["x"].split()
assert "HND" in x and "migrants" in x, x
PY

note "8: the same filter repeated is OR, different filters AND"
Q --country HND --country MEX --format refs --sort ref >"$T/out"
grep -q "^iachr/visit/in-loco-mexico-2015$" "$T/out" || fail "--country HND --country MEX lost Mexico"
grep -q "^iachr/recommendation/addressed-hnd$" "$T/out" || fail "--country HND --country MEX lost Honduras"
Q --country HND --country MEX --type visit --type recommendation --format refs --sort ref >"$T/out"
[ "$(cat "$T/out")" = "iachr/recommendation/addressed-hnd
iachr/recommendation/second-report-hrd-2011-protection-programme-hnd
iachr/visit/in-loco-mexico-2015" ] || fail "two repeated filters: $(cat "$T/out")"
Q --theme migrants --theme environment --format refs --sort ref >"$T/out"
[ "$(wc -l <"$T/out")" -eq 2 ] || fail "--theme twice: $(cat "$T/out")"
Q --ref iachr/note/berta-caceres-2016 --ref iachr/decision/states-slv --format refs | grep -c . | grep -qx 2 ||
	fail "--ref twice"
expect_exit 64 Q --since 2016-01-01 --since 2017-01-01 2>"$T/err"
grep -q "^hrdex: --since given twice" "$T/err" || fail "--since twice: $(cat "$T/err")"
expect_exit 64 Q --country HND --country HONDURAS 2>/dev/null
Q --help >"$T/help"   # whole: grep -q on a pipe may close it before a long help is written
grep -q "the same filter given again" "$T/help" || fail "--help says nothing of repeated filters"

note "11: --fields for csv, table, jsonl and json"
Q --ref iachr/recommendation/addressed-hnd --format csv --fields ref,title.en,addressee,groups,nope.x >"$T/csv"
[ "$(cat "$T/csv")" = $'ref,title.en,addressee,groups,nope.x\r
iachr/recommendation/addressed-hnd,'"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["title"]["en"])' "$T/docs/addressed-hnd.json")"$',HND,migrants,\r' ] ||
	fail "csv --fields: $(cat -A "$T/csv")"
Q --type visit --format jsonl --fields ref,dates.start,country,missing >"$T/jl"
python3 - "$T/jl" <<'PY' || fail "jsonl --fields: $(cat "$T/jl")"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert rows and all(list(r) == ["ref", "dates.start", "country", "missing"] for r in rows), rows
r = [r for r in rows if r["ref"] == "iachr/visit/in-loco-mexico-2015"][0]
assert r["dates.start"].startswith("2015-") and r["country"] == "MEX" and r["missing"] is None, r
PY
Q --type visit --json --fields ref,countries | python3 -c 'import json,sys; d=json.load(sys.stdin)
assert d and d[0]["countries"] == ["MEX"], d' || fail "json --fields"
Q --type visit --format table --fields ref,country,dates.start >"$T/table"
head -n1 "$T/table" | grep -q "^REF  *COUNTRY  *DATES.START$" || fail "table --fields header: $(cat "$T/table")"
grep -q "^iachr/visit/in-loco-mexico-2015  *MEX  *2015-" "$T/table" || fail "table --fields row: $(cat "$T/table")"
expect_exit 64 Q --fields 'ref,,title' --format csv 2>/dev/null
expect_exit 64 Q --fields 'ref' --format refs 2>/dev/null
expect_exit 64 Q --fields 'ti tle' --format csv 2>/dev/null
echo "ok"
