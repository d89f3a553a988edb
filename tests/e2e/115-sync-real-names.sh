#!/bin/bash
# 115-sync-real-names: attachments named as files really are named travel.
# Publish and acceptance call one rule (doc/name.c): `hrdex publish --attach
# "Informe anual 2026 (ES).pdf"` used to succeed while every peer refused the
# whole branch ("is not a valid attachment name").  Now the peer accepts it,
# and a branch made with stock git exactly as the old publish made it (which
# old peers refused) is accepted at the next sync; what the rule refuses is
# refused alike by publish (65, nothing written) and by sync.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"

A=$T/agents/a V=$T/agents/v
mkagent "$A" iachr
mkagent "$V" ohchr
trust "$V" "$A"
serve
"$HRDEX" -C "$V" peer add a "$(url_of "$A")"

note "iachr publishes with real file names"
es="Informe anual 2026 (ES).pdf"
ar=$(printf '\xd9\x82\xd8\xb1\xd8\xa7\xd8\xb1.pdf') # قرار.pdf
mkdir -p "$T/in"
echo "informe" >"$T/in/$es"
echo "qarar" >"$T/in/$ar"
doc iachr report informe-2026 >"$T/informe.json"
"$HRDEX" -C "$A" publish --attach "$T/in/$es" --attach "$T/in/$ar" "$T/informe.json" >/dev/null ||
	fail "publish with real names failed"
"$HRDEX" -C "$A" verify >/dev/null 2>&1 || fail "the publisher's own verify refuses its branch"

note "the peer accepts the branch; query, show and view/ have the files"
sync_agent "$V" || fail "sync failed"
expect_tip "$V" iachr "$(tip "$A" iachr)" "real names"
[ "$(cat "$V/view/iachr/report/informe-2026.files/$es")" = informe ] || fail "'$es' not in the peer's view/"
[ "$(cat "$V/view/iachr/report/informe-2026.files/$ar")" = qarar ] || fail "'$ar' not in the peer's view/"
"$HRDEX" -C "$V" query --publisher iachr --format refs | grep -qx iachr/report/informe-2026 ||
	fail "query does not list the document"
"$HRDEX" -C "$V" show iachr/report/informe-2026 >"$T/show" || fail "show failed"
grep -qF "$es" "$T/show" && grep -qF "$ar" "$T/show" || fail "show does not name the attachments: $(cat "$T/show")"
"$HRDEX" -C "$V" verify >/dev/null 2>&1 || fail "the peer's verify refuses the branch"

note "a commit as the old publish made it (stock git) is accepted"
old="Informe anual 2016 (ES).pdf"
echo "old informe" >"$T/old.pdf"
sum=$(sha256sum "$T/old.pdf" | cut -d' ' -f1)
doc iachr report informe-2016 | jq --arg n "$old" --arg s "$sum" \
	'.attachments = [{"name": $n, "media_type": "application/pdf", "bytes": 12, "sha256": $s}]' >"$T/old.json"
commit_files "$A" "publish report/informe-2016" "iachr/report/informe-2016.json=$T/old.json" \
	"iachr/report/informe-2016.files/$old=$T/old.pdf" >/dev/null
git config -f "$V/hrdex.conf" site.enabled true
sync_agent "$V" || fail "sync of the old-style commit failed"
expect_tip "$V" iachr "$(tip "$A" iachr)" "old-style commit"
[ "$(cat "$V/view/iachr/report/informe-2016.files/$old")" = "old informe" ] || fail "'$old' not in view/"
note "the site links the file by its percent-encoded name"
grep -qF 'href="informe-2016.files/Informe%20anual%202016%20%28ES%29.pdf" download="Informe anual 2016 (ES).pdf"' \
	"$V/site/iachr/report/informe-2016.html" || fail "site link: $(grep -o 'href="informe-2016.files[^>]*' "$V/site/iachr/report/informe-2016.html")"
[ "$(cat "$V/site/iachr/report/informe-2016.files/$old")" = "old informe" ] || fail "'$old' not on the site"
git config -f "$V/hrdex.conf" site.enabled false

note "unsafe names: publish refuses (65, nothing written), and so does the peer"
before=$(tip "$A" iachr)
for bad in "CON.pdf" "a:b.pdf" "$(printf 'report\xe2\x80\xaefdp.exe')"; do
	echo x >"$T/in/$bad"
	doc iachr report bad >"$T/bad.json"
	expect_exit 65 "$HRDEX" -C "$A" publish --attach "$T/in/$bad" "$T/bad.json" 2>"$T/err"
	grep -q "is not a valid attachment name: " "$T/err" || fail "no reason for '$bad': $(cat "$T/err")"
	expect_tip "$A" iachr "$before" "a refused publish of '$bad'"
done
echo x >"$T/x.pdf"
sum=$(sha256sum "$T/x.pdf" | cut -d' ' -f1)
doc iachr report clash | jq --arg s "$sum" '.attachments = [
	{"name": "R\u00e9sum\u00e9.pdf", "media_type": "application/pdf", "bytes": 2, "sha256": $s},
	{"name": "re\u0301sume\u0301.pdf", "media_type": "application/pdf", "bytes": 2, "sha256": $s}]' >"$T/clash.json"
expect_exit 65 "$HRDEX" validate "$T/clash.json" 2>"$T/err"
grep -q "/attachments/1/name: .* differ only in case or Unicode normalisation" "$T/err" ||
	fail "validate: $(cat "$T/err")"
good=$(tip "$A" iachr)
commit_files "$A" "a clash" "iachr/report/clash.json=$T/clash.json" \
	"iachr/report/clash.files/$(printf 'R\xc3\xa9sum\xc3\xa9.pdf')=$T/x.pdf" \
	"iachr/report/clash.files/$(printf 're\xcc\x81sume\xcc\x81.pdf')=$T/x.pdf" >/dev/null
sync_agent "$V" || true
expect_tip "$V" iachr "$good" "a branch whose names clash"
grep -q "differ only in case or Unicode normalisation" "$T/last-sync.err" ||
	fail "the refusal does not say why: $(cat "$T/last-sync.err")"
echo "115-sync-real-names: ok"
