#!/bin/bash
# 171-revoke-not-in-history: the registry's revocation names as reset_to a
# commit that is not in achpr's history (iachr's tip; then a well-formed id
# of no commit at all).  V holds the revocation, says why (the log, status
# warnings, status --json, revocations.json) and moves nothing: achpr stays,
# no abandoned ref, no reset in tips.json, the new key not trusted; iachr
# moves in the same sync.  Once the registry names a commit of achpr's
# history, the reset happens.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"
. "$(dirname "$0")/revoke-lib.sh"

rv_network
good=$(tip "$A" achpr)
publish "$A" decision d2
t2=$(tip "$A" achpr)
sync_agent "$V" 2>/dev/null || fail "sync failed"
expect_tip "$V" achpr "$t2" "d2"
ssh-keygen -q -t ed25519 -N '' -C achpr -f "$T/newkey"

for bad in "$(tip "$B" iachr)" 0123456789abcdef0123456789abcdef01234567; do
	note "a revocation resetting achpr to $bad (not in its history)"
	rv_revoke "$bad" "$T/newkey"
	publish "$B" report "r-${bad:0:6}"
	b2=$(tip "$B" iachr)
	sync_agent "$V" --json 2>/dev/null || true
	expect_tip "$V" iachr "$b2" "iachr did not move in the same sync"
	expect_tip "$V" ohchr "$(tip "$R" ohchr)" "the registry's branch did not move"
	expect_tip "$V" achpr "$t2" "a revocation naming a commit outside the history moved achpr"
	grep -q "revocation in ohchr/member/achpr held, nothing moved: commit '$bad' is not in the history of 'achpr'" \
		"$T/last-sync.err" || fail "the log does not say why: $(cat "$T/last-sync.err")"
	[ -z "$(g "$V" for-each-ref refs/hrdex/abandoned/)" ] || fail "something was abandoned"
	[ "$(jq '.resets | length' "$V/tips.json")" = 0 ] || fail "a reset was recorded: $(cat "$V/tips.json")"
	grep -q "$(cut -d' ' -f2 "$T/newkey.pub")" "$V/allowed_signers" && fail "the new key was trusted"
	"$HRDEX" -C "$V" status >"$T/st.txt" 2>&1 || true
	grep -q "the registry's revocation in 'ohchr/member/achpr' is held, nothing moved: commit '$bad' is not in the history of 'achpr'" \
		"$T/st.txt" || fail "status does not say it: $(cat "$T/st.txt")"
	"$HRDEX" -C "$V" status --json >"$T/st.json" 2>/dev/null || true
	jq -e '.warnings[] | select(test("revocation in .ohchr/member/achpr. is held"))' "$T/st.json" >/dev/null ||
		fail "status --json: $(jq -c .warnings "$T/st.json")"
	jq -e --arg c "$bad" '.revocations[0] | .state == "held" and .reset_to == $c and (.reason | test("not in the history"))' \
		"$V/revocations.json" >/dev/null || fail "revocations.json: $(cat "$V/revocations.json")"
done

note "the registry corrects it: a commit of achpr's history"
rv_revoke "$good" "$T/newkey"
sync_agent "$V" 2>/dev/null || true
expect_tip "$V" achpr "$good" "the corrected revocation"
"$HRDEX" -C "$V" status >"$T/st.txt" 2>&1 || true
grep -q "is held" "$T/st.txt" && fail "status still warns: $(cat "$T/st.txt")"
echo ok
