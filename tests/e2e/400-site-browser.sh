#!/bin/bash
# The static site and main's READMEs, for two publishers, checked in a real
# headless Chromium through the rendered DOM: the home page lists both
# publishers, a document shows its Arabic title right-to-left, a
# back-reference leads to the referring document, the search finds a
# document by a word of its title, hostile titles stay text, nothing is
# loaded from outside the site's folder.  Screenshots go to
# $HRDEX_BUILD/screenshots/.  Without a working Chromium: exit 77.
. "$(dirname "$0")/lib.sh"
ex="$top/schemas/examples"
A="$T/ohchr" B="$T/achpr"
shots=${HRDEX_BUILD:-$top/build/default}/screenshots
export SOURCE_DATE_EPOCH=1451606400 # 2016-01-01: the examples' events are upcoming

note "two publishers; achpr's branch reaches ohchr with plain git"
"$HRDEX" -C "$A" init --publisher ohchr \
	--name "Office of the United Nations High Commissioner for Human Rights" >/dev/null
"$HRDEX" -C "$B" init --publisher achpr --name "African Commission on Human and Peoples' Rights" >"$T/b.line"
git config -f "$A/hrdex.conf" publisher.achpr.name "African Commission on Human and Peoples' Rights"
"$HRDEX" -C "$A" trust add achpr "$(cat "$T/b.line")" >/dev/null
"$HRDEX" -C "$A" publish "$ex"/ohchr-*.json >/dev/null
# A hostile document: markup in titles and summary, a dangerous attachment.
mkdir -p "$T/hostile"
jq '.id = "hostile" | .title = {"en": "<script>alert(1)</script> \"><img src=x onerror=alert(2)> & [x](javascript:alert(3)) | *bold*", "ar": "عنوان <b>عدائي</b>"} | .summary = {"en": "</p><iframe src=\"https://evil.example/\"></iframe>"} | .links = [{"rel": "cites", "ref": "ohchr/report/a-hrc-32-20"}]' \
	"$ex/achpr-decision-res-345-lviii-2016.json" >"$T/hostile/hostile.json"
mkdir "$T/hostile/hostile.files"
printf '<script>alert(4)</script>\n' >"$T/hostile/hostile.files/page.html"
printf 'annex text\n' >"$T/hostile/hostile.files/annex.txt"
"$HRDEX" -C "$B" publish "$ex"/achpr-*.json "$T/hostile/hostile.json" >/dev/null
# TODO: use `hrdex sync` once it lands on main; until then fetch the branch.
git --git-dir "$A/repo.git" fetch -q "$B/repo.git" refs/heads/achpr:refs/heads/achpr

note "site.enabled: the next change builds the site"
git config -f "$A/hrdex.conf" site.enabled true
git config -f "$A/hrdex.conf" site.title "Regional arrangements exchange"
jq '.id = "site-test-note" | .title = {"en": "A note published to trigger a refresh", "ru": "Заметка для проверки", "zh": "用于测试的说明"}' \
	"$ex/ohchr-note-regional-consultations-2016.json" >"$T/note.json"
"$HRDEX" -C "$A" publish "$T/note.json" >/dev/null
[ -L "$A/site" ] || fail "site.enabled built no site at $A/site"
site=$(cd "$A" && readlink -f site)
[ -f "$site/index.html" ] || fail "no index.html in $site"

note "main carries README.md files, the publisher branches do not"
g() { git --git-dir "$A/repo.git" "$@"; }
g show main:README.md >"$T/readme"
grep -q "African Commission on Human and Peoples' Rights\](achpr/README.md)" "$T/readme" || fail "root README lacks achpr: $(cat "$T/readme")"
grep -q "Office of the United Nations High Commissioner for Human Rights\](ohchr/README.md)" "$T/readme" || fail "root README lacks ohchr"
g show main:achpr/README.md >"$T/readme.achpr"
grep -q "res-345-lviii-2016-reprisals.json" "$T/readme.achpr" || fail "achpr README lacks a document"
grep -qF '\<script\>alert(1)\</script\>' "$T/readme.achpr" || fail "hostile title not escaped: $(grep hostile "$T/readme.achpr")"
grep -q '<script>' "$T/readme.achpr" && fail "raw <script> in a README"
! g cat-file -e achpr:achpr/README.md 2>/dev/null || fail "README.md in achpr's own branch"
! g cat-file -e ohchr:ohchr/README.md 2>/dev/null || fail "README.md in ohchr's own branch"
achpr_readme=$(g rev-parse main:achpr/README.md)
achpr_tree=$(g rev-parse main:achpr)

note "the site is atomic: site -> site.d/N, old generations removed"
gen1=$(readlink "$A/site")
"$HRDEX" -C "$A" site --json >"$T/site.json"
ndocs=$(( $(ls "$ex"/ohchr-*.json "$ex"/achpr-*.json | wc -l) + 2 )) # + the note and the hostile one
jq -e --argjson n "$ndocs" '.written == 0 and .unchanged > 40 and .documents == $n and .publishers == 2' "$T/site.json" >/dev/null ||
	fail "rebuild without changes rewrote files: $(cat "$T/site.json")"
gen2=$(readlink "$A/site")
[ "$gen1" != "$gen2" ] || fail "no new generation"
[ ! -e "$A/$gen1" ] || fail "old generation $gen1 left behind"
site=$(cd "$A" && readlink -f site)

note "a change renders only what it touches"
jq '.title.en = "A note, corrected"' "$T/note.json" >"$T/note2.json"
"$HRDEX" -C "$A" publish "$T/note2.json" >/dev/null 2>"$T/pub.err"
# its page and JSON, pages it links or that link to it, the summaries (home,
# ohchr, ohchr/note, search index): not the ~40 other pages and files
written=$(sed -n 's/^.*site: [0-9]* documents, \([0-9]*\) pages written.*$/\1/p' "$T/pub.err")
[ -n "$written" ] && [ "$written" -le 12 ] || fail "a one-document change wrote ${written:-?} files: $(cat "$T/pub.err")"
"$HRDEX" -C "$A" site --json >"$T/site2.json" # nothing changed since the automatic build
jq -e '.written == 0' "$T/site2.json" >/dev/null || fail "second build rewrote: $(cat "$T/site2.json")"
[ "$(g rev-parse main:achpr/README.md)" = "$achpr_readme" ] || fail "achpr README rewritten though achpr did not change"
[ "$(g rev-parse main:achpr)" = "$achpr_tree" ] || fail "main's achpr tree changed"
site=$(cd "$A" && readlink -f site)
# the changed note's page and the summaries were written; an untouched
# document page is the very same file (a hard link) as before
stat -c %h "$site/achpr/decision/res-345-lviii-2016.html" >/dev/null

note "static scan: no external resources, CSP on every page, hostile text escaped"
! grep -rEl '<(script|link|img|iframe|source|object|embed|video|audio)[^>]*(src|href)="(https?:)?//' "$site" ||
	fail "a page loads something from outside"
! grep -rlE 'url\(|@import' "$site/style.css" | grep -q . || fail "style.css loads something"
! grep -qE 'fetch\(|XMLHttpRequest|import\(' "$site/hrdex.js" || fail "hrdex.js makes requests"
for f in $(find "$site" -name '*.html'); do
	grep -q "Content-Security-Policy\" content=\"default-src 'self'" "$f" || fail "no CSP in $f"
	grep -q '<script>' "$f" && fail "inline script in $f"
done
h="$site/achpr/decision/hostile.html"
grep -qF '&lt;script&gt;alert(1)&lt;/script&gt; &quot;&gt;&lt;img src=x onerror=alert(2)&gt;' "$h" || fail "hostile title not escaped"
grep -qF '&lt;/p&gt;&lt;iframe' "$h" || fail "hostile summary not escaped"
[ -f "$site/achpr/decision/hostile.files/annex.txt" ] || fail "attachment not copied"
cmp "$site/achpr/decision/hostile.files/annex.txt" "$T/hostile/hostile.files/annex.txt" || fail "attachment differs"
[ ! -e "$site/achpr/decision/hostile.files/page.html" ] || fail "an .html attachment is served as a page"
[ -f "$site/achpr/decision/hostile.files/page.html.download" ] || fail ".html attachment not kept for download"
grep -q 'download="page.html"' "$h" || fail "no download name for page.html"

# ---- the browser ----
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ]; then
	fail "chromium is not installed (make deps installs it)"
fi
browse() { # browse URL [extra flags]: the DOM after scripts ran
	local url=$1
	shift
	timeout 60 "$CHROME" --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --disable-extensions \
		--user-data-dir="$T/chrome" --virtual-time-budget=5000 "$@" --dump-dom "$url" 2>>"$T/chrome.log"
}
shoot() { # shoot URL FILE
	timeout 60 "$CHROME" --headless --no-sandbox --disable-gpu --disable-background-networking \
		--disable-component-update --disable-sync --no-first-run --disable-extensions \
		--user-data-dir="$T/chrome" --hide-scrollbars --window-size=1280,900 --virtual-time-budget=5000 \
		--run-all-compositor-stages-before-draw \
		--screenshot="$2" "$1" 2>>"$T/chrome.log" >/dev/null
}
if ! browse "file://$site/index.html" >"$T/home.dom" || ! grep -q '</html>' "$T/home.dom"; then
	fail "chromium does not run here: $(tail -n1 "$T/chrome.log")"
fi

note "home page lists both publishers"
grep -q '<a href="achpr/index.html">African Commission on Human and Peoples\(&#39;\|'"'"'\) Rights</a>' "$T/home.dom" ||
	fail "home lacks achpr: $(grep -o 'achpr/index.html[^<]*' "$T/home.dom" | head -3)"
grep -q '<a href="ohchr/index.html">Office of the United Nations High Commissioner for Human Rights</a>' "$T/home.dom" ||
	fail "home lacks ohchr"
grep -q 'id="upcoming"' "$T/home.dom" && grep -q 'workshop-2016-regional-arrangements.html' "$T/home.dom" ||
	fail "upcoming events missing"
grep -q '<th scope="col"' "$T/home.dom" || fail "tables without th scope"
grep -q '<a class="skip" href="#main">' "$T/home.dom" || fail "no skip link"
grep -q '<label for="site-q">' "$T/home.dom" || fail "search box without label"

note "a document page: Arabic right-to-left, Chinese and Russian tagged"
browse "file://$site/ohchr/report/a-hrc-32-20.html" >"$T/doc.dom"
ar=$(jq -r .title.ar "$ex/ohchr-report-a-hrc-32-20.json")
grep -qF "lang=\"ar\" dir=\"rtl\">$ar<" "$T/doc.dom" || fail "Arabic title not in a dir=rtl element"
grep -qF "lang=\"zh\" dir=\"ltr\">$(jq -r .title.zh "$ex/ohchr-report-a-hrc-32-20.json")<" "$T/doc.dom" || fail "Chinese title not lang=zh"
grep -qF "lang=\"ru\" dir=\"ltr\">$(jq -r .title.ru "$ex/ohchr-report-a-hrc-32-20.json")<" "$T/doc.dom" || fail "Russian title not lang=ru"
grep -q '<meta charset="utf-8">' "$T/doc.dom" || fail "no UTF-8 meta"
grep -q 'id="lang-box" class="langpick">' "$T/doc.dom" || fail "hrdex.js did not run (language box still hidden)"
grep -q '<a href="https://undocs.org/A/HRC/RES/27/31" rel="noopener noreferrer nofollow">' "$T/doc.dom" || fail "external link missing"

note "the language choice puts Arabic first (?lang=ar)"
browse "file://$site/ohchr/report/a-hrc-32-20.html?lang=ar" >"$T/doc-ar.dom"
grep -qF "<h1 lang=\"ar\" dir=\"rtl\" data-lm=\"en\">$ar</h1>" "$T/doc-ar.dom" || fail "heading not switched to Arabic"
grep -o 'class="lm-e" data-order="[0-9]*" data-lang="[a-z]*"' "$T/doc-ar.dom" | head -n1 | grep -q 'data-lang="ar"' ||
	fail "Arabic not first"

note "calendar.ics lists the events"
grep -q '^BEGIN:VCALENDAR' "$site/calendar.ics" && grep -q '^UID:ohchr/event/workshop-2016-regional-arrangements@hrdex' "$site/calendar.ics" ||
	fail "calendar.ics: $(head -5 "$site/calendar.ics")"
grep -q '^UID:ohchr/visit/sr-hrd-honduras-2018@hrdex' "$site/calendar.ics" || fail "calendar.ics lacks the visit"

note "a back-reference leads to the referring document"
sed -n '/id="referred"/,/<\/ul>/p' "$T/doc.dom" >"$T/referred"
href=$(grep -o 'href="[^"]*res-345-lviii-2016-reprisals.html"' "$T/referred" | head -n1 | cut -d'"' -f2)
[ -n "$href" ] || fail "no back-reference from achpr's recommendation: $(cat "$T/referred")"
browse "file://$site/ohchr/report/$href" >"$T/ref.dom"
want=$(jq -r .title.en "$ex/achpr-recommendation-res-345-lviii-2016-reprisals.json")
grep -qF "<h1 lang=\"en\" dir=\"ltr\" data-lm=\"en\">$want</h1>" "$T/ref.dom" || fail "back-reference does not lead to the referrer"
grep -q 'href="../../ohchr/report/a-hrc-32-20.html"' "$T/ref.dom" || fail "referrer does not link back"

note "the search finds a document by a word of its title"
browse "file://$site/search.html?q=Kigali" >"$T/search.dom"
sed -n '/<ol id="results">/,/<\/ol>/p' "$T/search.dom" >"$T/results"
grep -q 'href="achpr/event/kigali-panel-2016.html"' "$T/results" || fail "search for Kigali: $(cat "$T/results")"
[ "$(grep -o '<li>' "$T/results" | wc -l)" -eq 1 ] || fail "Kigali matched more than one document"
browse "file://$site/search.html?q=r%C3%A9presailles%20commission" >"$T/search2.dom"
grep -q 'href="achpr/recommendation/res-345-lviii-2016-reprisals.html"' "$T/search2.dom" ||
	fail "search in French with two words failed"
grep -q 'role="status"[^>]*>[0-9]* documents\? match' "$T/search2.dom" || fail "no status line"

note "hostile text stays text in the DOM"
browse "file://$site/achpr/decision/hostile.html" >"$T/hostile.dom"
[ "$(grep -o '<script' "$T/hostile.dom" | wc -l)" -eq 1 ] || fail "extra script elements: $(grep -o '<script[^>]*>' "$T/hostile.dom")"
! grep -q '<img\|<iframe' "$T/hostile.dom" || fail "hostile markup became elements"
grep -q 'lang="ar" dir="rtl">عنوان &lt;b&gt;عدائي&lt;/b&gt;<' "$T/hostile.dom" || fail "hostile Arabic title"

note "nothing in the rendered pages points outside (resources)"
for d in home doc ref search hostile; do
	! grep -Eo '<(script|link|img|iframe|source|object|embed)[^>]*(src|href)="(https?:)?//[^"]*"' "$T/$d.dom" | grep -q . ||
		fail "$d loads an external resource"
done

note "screenshots in $shots"
mkdir -p "$shots"
shoot "file://$site/index.html" "$shots/home.png"
shoot "file://$site/ohchr/report/a-hrc-32-20.html" "$shots/document.png"
shoot "file://$site/search.html?q=reprisals" "$shots/search.png"
shoot "file://$site/calendar.html" "$shots/calendar.png"
for p in home document search calendar; do
	[ -s "$shots/$p.png" ] || fail "no screenshot $p.png"
done
echo "site-browser: ok"
