#!/bin/bash
# 112-trust-remove: `trust remove achpr` takes achpr off every line of
# allowed_signers (a two-principal line keeps its other principal), and
# achpr's documents leave main, view/, the cache and the site in the same
# command; its branch is kept under refs/hrdex/untrusted/, which is not
# served; the next sync does not bring it back; `trust add` brings it back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"

A=$T/agents/a V=$T/agents/v
mkagent "$A" achpr
mkagent "$V" ohchr
key=$(cut -d' ' -f1,2 "$A/keys/id_ed25519.pub")
# one line granting A's key to two principals, as an operator may write it
printf 'iachr,achpr namespaces="git" %s shared\n' "$key" >>"$V/allowed_signers"
git config -f "$V/hrdex.conf" site.enabled true
serve
"$HRDEX" -C "$V" peer add a "$(url_of "$A")"
hpublish "$A" decision res-1
hpublish "$A" decision res-2
hpublish "$V" decision own-1
sync_agent "$V" 2>/dev/null || fail "sync failed"
atip=$(tip "$A" achpr)
expect_tip "$V" achpr "$atip" "V took achpr's branch"
[ -f "$V/view/achpr/decision/res-1.json" ] || fail "achpr not in view/ before removal"
[ -n "$(ls "$V/site" | grep -i achpr || grep -rl 'res-1' "$V/site" || true)" ] || fail "achpr not in the site before removal"

note "trust remove achpr"
"$HRDEX" -C "$V" trust remove achpr 2>"$T/err" || fail "trust remove failed: $(cat "$T/err")"
cat "$T/err"
grep -q "no longer trusted" "$T/err" || fail "no message"
grep -Eq '(^|[ ,"])achpr([ ,"]|$)' "$V/allowed_signers" && fail "achpr still in allowed_signers: $(cat "$V/allowed_signers")"
grep -q "^iachr namespaces=\"git\" $key shared$" "$V/allowed_signers" ||
	fail "the other principal of the shared line was lost: $(cat "$V/allowed_signers")"
"$HRDEX" -C "$V" trust list | grep -q achpr && fail "trust list still shows achpr"
[ -z "$("$HRDEX" -C "$V" query --publisher achpr --format refs)" ] || fail "achpr still in the cache"
[ ! -e "$V/view/achpr" ] || fail "achpr still in view/"
[ -z "$(g "$V" ls-tree main achpr)" ] || fail "achpr still in main's tree"
grep -q achpr <<<"$(g "$V" show main:README.md)" && fail "main's README still lists achpr"
[ -z "$(grep -rl 'res-1' "$V/site" || true)" ] || fail "achpr's documents still in the site: $(grep -rl res-1 "$V/site")"
[ "$(tip "$V" achpr)" = none ] || fail "refs/heads/achpr still there"
[ "$(g "$V" rev-parse refs/hrdex/untrusted/achpr)" = "$atip" ] || fail "the branch was not kept for history"
git ls-remote "$(url_of "$V")" >"$T/advertised" || fail "ls-remote of V failed"
grep -q untrusted "$T/advertised" && fail "V serves the kept branch: $(cat "$T/advertised")"
grep -q refs/heads/ohchr "$T/advertised" || fail "V's own branch is not served"
"$HRDEX" -C "$V" verify >/dev/null 2>&1 || fail "verify fails after trust remove"

note "the next sync does not bring achpr back, even with a new commit"
hpublish "$A" decision res-3
sync_agent "$V" 2>/dev/null || true
[ "$(tip "$V" achpr)" = none ] || fail "a sync accepted achpr again"
[ ! -e "$V/view/achpr" ] || fail "a sync put achpr back in view/"
[ -z "$("$HRDEX" -C "$V" query --publisher achpr --format refs)" ] || fail "a sync put achpr back in the cache"

note "a second remove says it is not trusted"
expect_exit 65 "$HRDEX" -C "$V" trust remove achpr 2>/dev/null

note "trust add brings the kept branch back; the next sync moves it on"
# A's key is still trusted for iachr (the shared line): that takes --force-bind
expect_exit 65 "$HRDEX" -C "$V" trust add achpr "$A/keys/id_ed25519.pub" 2>"$T/err"
grep -q "already trusted for publisher 'iachr'" "$T/err" || fail "unexpected refusal: $(cat "$T/err")"
"$HRDEX" -C "$V" trust add --force-bind achpr "$A/keys/id_ed25519.pub" 2>"$T/err" || fail "trust add failed: $(cat "$T/err")"
grep -q "back" "$T/err" || fail "trust add does not say the branch is back: $(cat "$T/err")"
expect_tip "$V" achpr "$atip" "the kept branch is back"
[ -f "$V/view/achpr/decision/res-1.json" ] || fail "achpr not back in view/"
[ "$("$HRDEX" -C "$V" query --publisher achpr --format refs | wc -l)" = 2 ] || fail "achpr not back in the cache"
sync_agent "$V" 2>/dev/null || fail "sync after re-trust failed"
expect_tip "$V" achpr "$(tip "$A" achpr)" "the sync after re-trust moved achpr on"
[ -f "$V/view/achpr/decision/res-3.json" ] || fail "res-3 did not arrive"

note "removed again: the kept ref moves on, hideRefs is not repeated"
"$HRDEX" -C "$V" trust remove achpr 2>/dev/null || fail "second trust remove failed"
[ "$(g "$V" rev-parse refs/hrdex/untrusted/achpr)" = "$(tip "$A" achpr)" ] || fail "the kept ref did not move on"
[ "$(git --git-dir "$V/repo.git" config --get-all uploadpack.hideRefs)" = refs/hrdex/untrusted/ ] ||
	fail "uploadpack.hideRefs: $(git --git-dir "$V/repo.git" config --get-all uploadpack.hideRefs)"
[ -z "$(g "$V" ls-tree main achpr)" ] || fail "achpr back in main's tree"
echo "trust remove: ok"
