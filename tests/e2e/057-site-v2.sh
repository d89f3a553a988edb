#!/bin/bash
# The site shows version-2 documents (issue 17): partial dates as people read
# them ("May 2015", "2nd quarter 2016") and sorted by their first day;
# parties, listed bodies, kinds and groups by their labels; response, dated
# entries, status history, findings, programme with participants;
# translations ("Original: Spanish"); `ext` as escaped key/value pairs; a
# version-2 visit on the calendar and in the search index by what it visited.
. "$(dirname "$0")/lib.sh"
S="$T/ohchr"
v2=$top/tests/data/v2-query
"$HRDEX" -C "$S" init --publisher ohchr >/dev/null 2>&1
"$HRDEX" -C "$S" publish "$top"/schemas/examples/ohchr-*.json "$v2"/*.json >/dev/null 2>"$T/err" ||
	fail "publish: $(cat "$T/err")"
"$HRDEX" -C "$S" site >/dev/null 2>"$T/err" || fail "site: $(cat "$T/err")"
site=$S/site
# the visible text of a page, tags dropped, entities decoded, spaces joined
text() {
	python3 - "$1" <<'PY'
import html, re, sys
t = open(sys.argv[1], encoding="utf-8").read()
t = t[t.index("<main"):]
print(re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", t))))
PY
}
has() { # has PAGE TEXT...: the page's visible text holds each TEXT
	local page=$1 t
	shift
	text "$site/$page" >"$T/page"
	for t in "$@"; do
		grep -qF -- "$t" "$T/page" || fail "$page does not show '$t': $(cut -c1-2000 "$T/page")"
	done
}

note "partial dates as people read them"
has ohchr/recommendation/upr2-hnd-defenders.html "Recommendation · ohchr · May 2015" \
	"adopted : 2015-05-08" "published : 2015-07-17"
grep -qF '<time datetime="2015-05">May 2015</time>' "$site/ohchr/recommendation/upr2-hnd-defenders.html" ||
	fail "a month is not a <time>"
has ohchr/decision/ccpr-views-2155-2012.html "4th quarter 2015"
has ohchr/statement/joint-declaration-2016.html "Statement · ohchr · 2nd quarter 2016"
has ohchr/visit/sr-hrd-hnd-2018.html "requested : 3rd quarter 2016" "accepted : November 2017" \
	"When 2018-05-12 11:00" "Time zone America/Tegucigalpa"

note "listed ids by their labels, parties with their kinds and roles"
has ohchr/recommendation/upr2-hnd-defenders.html "Body Universal Periodic Review" "HND (state)" \
	"Recommending states NOR" "Groups Human rights defenders" "Response supported Date: September 2015" \
	"Document: A/HRC/30/11/Add.1"
has ohchr/recommendation/achpr-res-345-parties.html \
	"All States Parties to the African Charter on Human and Peoples' Rights (states parties)" \
	"Institutions nationales des droits de l'homme (nhri)" "Body African Commission on Human and Peoples' Rights"
has ohchr/decision/ccpr-views-2155-2012.html "Kind Views" "Human Rights Committee (body)" \
	"X. (person; victim; anonymised)" "Article 7 Finding violation Instrument ICCPR"
has ohchr/visit/sr-hrd-hnd-2018.html \
	"Authors Special Rapporteur on the situation of human rights defenders (mechanism)" \
	"Participants Special Rapporteur on the situation of human rights defenders (mechanism)" \
	"End-of-mission press conference"
has ohchr/statement/joint-declaration-2016.html "Kind Joint declaration" \
	"OSCE Representative on Freedom of the Media (regional organisation)"

note "an event's sittings, agenda with speakers, place and interpretation"
has ohchr/event/achpr-58-session.html "Event · ohchr · April 2016" "Kind Session" "Status held" \
	"Sittings When 2016-04-06 – 2016-04-13 Title English Public session" \
	"When 2016-04-20 Title English Adoption of the final communiqué" \
	"Agenda When 2016-04-06 10:00 – 2016-04-06 12:00" "Opening ceremony" \
	"Speakers African Commission on Human and Peoples' Rights (body; chair)" "Time zone Africa/Banjul" \
	"Organisers African Commission on Human and Peoples' Rights (body)" "Interpretation Arabic English French Portuguese"
python3 - "$site/calendar.html" <<'PY' || fail "the calendar does not show the version-2 event's place"
import re, sys
t = open(sys.argv[1], encoding="utf-8").read()
row = [r for r in re.findall(r"<tr>.*?</tr>", t, re.S) if "achpr-58-session" in r][0]
cells = re.findall(r"<td>(.*?)</td>", row, re.S)
assert "Banjul" in cells[3] and "(GMB)" in cells[3] and "held" in cells[5], cells
PY

note "translations: the original language named"
has ohchr/visit/sr-hrd-hnd-2018.html "Translations Original: Spanish · Official: English"

note "ext: plain key/value pairs, escaped, never interpreted"
has ohchr/recommendation/achpr-res-345-parties.html "Extensions" "internal_code <b>R-345</b> reviewed true"
grep -qF '<code>&lt;b&gt;R-345&lt;/b&gt;</code>' "$site/ohchr/recommendation/achpr-res-345-parties.html" ||
	fail "ext value not escaped"
grep -qF '<b>R-345' "$site/ohchr/recommendation/achpr-res-345-parties.html" && fail "ext value interpreted as HTML"

note "a partial date sorts as its first day (newest first: 2016-04-11, 2016, May 2015, 2nd quarter 2015)"
python3 - "$site/ohchr/recommendation.html" <<'PY' || fail "recommendations out of date order"
import re, sys
t = open(sys.argv[1], encoding="utf-8").read()
refs = re.findall(r'href="\.\./ohchr/recommendation/([^"]+)\.html"', t)
want = ["a-hrc-32-20-reprisals-procedures", "achpr-res-345-parties", "upr2-hnd-defenders", "upr2-hnd-icescr"]
sys.exit(0 if refs == want else f"got {refs}")
PY

note "a version-2 visit is on the calendar and found by the country it visited"
grep -qF "ohchr/visit/sr-hrd-hnd-2018.html" "$site/calendar.html" || fail "the version-2 visit is not on the calendar"
python3 - "$site/calendar.html" <<'PY' || fail "the calendar does not say where the version-2 visit is"
import re, sys
t = open(sys.argv[1], encoding="utf-8").read()
row = [r for r in re.findall(r"<tr>.*?</tr>", t, re.S) if "sr-hrd-hnd-2018" in r][0]
cells = re.findall(r"<td>(.*?)</td>", row, re.S)
assert "(HND)" in cells[3] and "completed" in cells[5], cells
PY
python3 - "$site/search-index.js" <<'PY' || fail "the search index misses the visited country"
import json, sys
t = open(sys.argv[1], encoding="utf-8").read()
docs = json.loads(t[t.index("{"):t.rindex("}") + 1])["docs"]
x = [d for d in docs if d["r"] == "ohchr/visit/sr-hrd-hnd-2018"][0]
assert "HND" in x["x"].split() and x["d"] == "2018-04-29", x
PY
note "main's generated README lists a partial date as written, sorted by its first day"
python3 - "$S/view/ohchr/README.md" <<'PY' || fail "README.md of view/ohchr: $(sed -n '/## Recommendations/,/## Reports/p' "$S/view/ohchr/README.md")"
import re, sys
t = open(sys.argv[1], encoding="utf-8").read()
sec = t[t.index("## Recommendations"):]
sec = sec[:sec.index("\n## ", 1)]
rows = re.findall(r"^\| ([^|]*) \| \[.*\]\(recommendation/([^)]+)\.json\)", sec, re.M)
want = [("2016-04-11", "a-hrc-32-20-reprisals-procedures"), ("2016", "achpr-res-345-parties"),
        ("2015-05", "upr2-hnd-defenders"), ("2015-Q2", "upr2-hnd-icescr")]
sys.exit(0 if rows == want else f"got {rows}")
PY
echo "ok"
