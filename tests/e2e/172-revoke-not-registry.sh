#!/bin/bash
# 172-revoke-not-registry: iachr, a trusted member but not the registry,
# publishes on its own branch a member document for achpr with a
# revocation resetting achpr to an earlier commit and continuing it with
# iachr's own key of choice (and a second copy naming iachr's key signed in
# as achpr's).  V accepts iachr's branch (its other new report is shown in
# the same sync) but holds the document, says so (status lists it with the
# reason: only the registry publishes member documents), and achpr's
# branch does not move: no reset, no abandoned ref, the key not trusted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"
. "$(dirname "$0")/revoke-lib.sh"

rv_network
good=$(tip "$A" achpr)
publish "$A" decision d2
t2=$(tip "$A" achpr)
sync_agent "$V" 2>/dev/null || fail "sync failed"
expect_tip "$V" achpr "$t2" "d2"

note "iachr publishes a reset of achpr in a member document of its own"
ssh-keygen -q -t ed25519 -N '' -C evil -f "$T/evil"
rv_member achpr "African Commission on Human and Peoples' Rights" "$(rv_keyof "$A")" \
	"$(rv_revocation "$(rv_fp "$A/keys/id_ed25519.pub")" "$good" "$(cut -d' ' -f1,2 "$T/evil.pub")")" iachr \
	>"$T/fake.json"
doc iachr report r2 >"$T/r2.json"
commit_files "$B" "a reset of achpr" "iachr/member/achpr.json=$T/fake.json" "iachr/report/r2.json=$T/r2.json" >/dev/null
b2=$(tip "$B" iachr)
sync_agent "$V" --json 2>/dev/null || true
expect_tip "$V" iachr "$b2" "iachr's branch (the document is held, the branch accepted)"
expect_tip "$V" achpr "$t2" "a reset published by iachr moved achpr"
[ -f "$V/view/iachr/report/r2.json" ] || fail "iachr's report is not shown"
[ ! -e "$V/view/iachr/member/achpr.json" ] || fail "iachr's member document is shown"
[ -z "$(g "$V" for-each-ref refs/hrdex/abandoned/)" ] || fail "something was abandoned"
[ "$(jq '.resets | length' "$V/tips.json")" = 0 ] || fail "a reset was recorded: $(cat "$V/tips.json")"
grep -q "$(cut -d' ' -f2 "$T/evil.pub")" "$V/allowed_signers" && fail "iachr's key of choice was trusted"
"$HRDEX" -C "$V" query --held --format refs >"$T/held" 2>&1 || true
grep -q "iachr/member/achpr" "$T/held" || fail "query --held does not list it: $(cat "$T/held")"
"$HRDEX" -C "$V" status >"$T/st.txt" 2>&1 || true
grep -q "iachr/member/achpr" "$T/st.txt" || fail "status does not name the held document: $(cat "$T/st.txt")"
"$HRDEX" -C "$V" verify >"$T/verify.out" 2>&1 || true
grep -q "only the registry 'ohchr' publishes member documents" "$T/verify.out" "$T/held" "$T/st.txt" ||
	fail "nothing says why: $(cat "$T/verify.out" "$T/held")"

note "achpr's own later commits still move: no reset was recorded"
publish "$A" decision d3
t3=$(tip "$A" achpr)
sync_agent "$V" 2>/dev/null || true
expect_tip "$V" achpr "$t3" "achpr's honest branch stopped moving"
[ "$(jq '.resets | length' "$V/tips.json")" = 0 ] || fail "a reset was recorded later: $(cat "$V/tips.json")"
echo ok
