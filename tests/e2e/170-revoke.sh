#!/bin/bash
# 170-revoke: achpr's laptop, with its key, is stolen; the thief publishes
# a forged decision and V (aichr, which joined the registry ohchr) accepts
# it.  The registry publishes achpr's member document again with a
# revocation: {key: the stolen key's fingerprint, reset_to: the last good
# commit, next_key}.  In V's next pass of `hrdex run --once` (iachr moving
# in the same pass): achpr's branch goes back to the good commit, the forged
# one is kept under refs/hrdex/abandoned/achpr/..., the forged decision
# leaves view/, the cache and main, the new key is trusted; status (text
# and --json, "by": the registry's document), metrics.prom and a webhook
# show the reset.  Running again changes nothing.  achpr's new agent
# continues with the new key: accepted; stock git verify-commit passes.
# An agent that joins the registry after the revocation records the reset
# before achpr's branch is there, takes the reset branch at its next sync
# and refuses the thief's tip.
# An agent that joins the registry after the revocation records the reset
# before achpr's branch is there, takes the reset branch at its next sync
# and refuses the thief's tip.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"
. "$(dirname "$0")/service.sh"
. "$(dirname "$0")/revoke-lib.sh"
RECV=${HRDEX_BUILD:-$top/build/default}/tools/webhook_receiver
if [ ! -x "$RECV" ]; then
	RECV="$T/webhook_receiver"
	cc -std=c11 -D_GNU_SOURCE -o "$RECV" "$top/tests/tools/webhook_receiver.c" -lsodium ||
		fail "cannot build the webhook receiver"
fi

rv_network
good=$(tip "$A" achpr)
note "the thief publishes a forged decision with the stolen key; V accepts it"
publish "$A" decision forged "Forged decision"
forged=$(tip "$A" achpr)
sync_agent "$V" 2>/dev/null || fail "sync failed"
expect_tip "$V" achpr "$forged" "the forged commit (validly signed)"

mkdir -p "$T/recv"
"$RECV" "$T/recv.port" "$T/recv" 'hook secret' ok &
PIDS+=($!)
wait_for 5 test -s "$T/recv.port" || fail "the receiver did not start"
git config -f "$V/hrdex.conf" webhook.w.url "http://127.0.0.1:$(cat "$T/recv.port")/hook"
git config -f "$V/hrdex.conf" webhook.w.secret 'hook secret'
"$HRDEX" -C "$V" run --once >/dev/null 2>&1 || true # the service knows the tips before the revocation

note "the registry revokes the stolen key: achpr back to ${good:0:12}, continued by a new key"
ssh-keygen -q -t ed25519 -N '' -C achpr -f "$T/newkey"
newfp=$(rv_fp "$T/newkey.pub")
rv_revoke "$good" "$T/newkey"
publish "$B" report r2
b2=$(tip "$B" iachr)
"$HRDEX" -C "$V" run --once >"$T/run.out" 2>"$T/run.err" || true
expect_tip "$V" iachr "$b2" "iachr did not move in the same pass"
expect_tip "$V" achpr "$good" "the registry's revocation did not reset achpr"
grep -q "registry 'ohchr' revoked key .* of 'achpr' (ohchr/member/achpr)" "$T/run.err" ||
	fail "the log does not say it: $(cat "$T/run.err")"
ab=$(g "$V" for-each-ref --format='%(refname) %(objectname)' refs/hrdex/abandoned/achpr/)
[ "${ab#* }" = "$forged" ] || fail "the abandoned commit is not kept: '$ab'"
[ ! -e "$V/view/achpr/decision/forged.json" ] || fail "the forged decision is still in view/"
[ -f "$V/view/achpr/decision/d1.json" ] || fail "the kept history left view/"
"$HRDEX" -C "$V" query --publisher achpr --format refs | grep -q forged && fail "the forged decision is still in the cache"
[ -z "$(g "$V" ls-tree -r --name-only main achpr | grep forged || true)" ] || fail "the forged decision is still in main"
grep -q "^achpr namespaces=\"git\" $(cut -d' ' -f1,2 "$T/newkey.pub")" "$V/allowed_signers" ||
	fail "the new key is not trusted: $(cat "$V/allowed_signers")"
jq -e --arg c "$good" '.resets[0].commit == $c and .resets[0].by == "registry ohchr/member/achpr"' "$V/tips.json" >/dev/null ||
	fail "tips.json: $(cat "$V/tips.json")"

note "status, metrics.prom and the webhook"
"$HRDEX" -C "$V" status >"$T/st.txt" 2>&1 || true
grep -q "achpr .*reset to ${good:0:12}.*$newfp.*by registry ohchr/member/achpr" "$T/st.txt" ||
	fail "status does not show the reset: $(cat "$T/st.txt")"
"$HRDEX" -C "$V" status --json >"$T/st.json" 2>/dev/null || true
jq -e --arg c "$good" --arg f "$forged" --arg k "$newfp" '.network.resets[0] | .publisher == "achpr" and
	.commit == $c and .from == $f and .key == $k and .by == "registry ohchr/member/achpr"' "$T/st.json" >/dev/null ||
	fail "status --json: $(jq -c .network "$T/st.json")"
grep -q '^hrdex_branch_resets 1$' "$V/metrics.prom" || fail "metrics.prom: $(grep reset "$V/metrics.prom")"
wait_for 5 sh -c "grep -l '\"reset\":true' '$T/recv/'*.body" || fail "no webhook for the reset: $(cat "$T/recv/"*.body 2>/dev/null)"
body=$(grep -l '"reset":true' "$T/recv/"*.body | head -1)
jq -e --arg c "$good" --arg f "$forged" '.changes[] | select(.publisher == "achpr") |
	.reset == true and .old == $f and .new == $c and .abandoned == [$f]' "$body" >/dev/null ||
	fail "webhook summary: $(cat "$body")"
jq -e '.revocations[0] | .state == "applied" and .ref == "ohchr/member/achpr"' "$V/revocations.json" >/dev/null ||
	fail "revocations.json: $(cat "$V/revocations.json")"

note "again: nothing moves; the thief's tip, still served by achpr's old agent, is refused"
sync_agent "$V" --json 2>/dev/null || true
expect_peer_rule a achpr "rejected signature"
expect_tip "$V" achpr "$good" "a second pass"
[ "$(jq '.resets | length' "$V/tips.json")" = 1 ] || fail "the revocation was applied twice: $(cat "$V/tips.json")"
"$HRDEX" -C "$V" verify >/dev/null 2>"$T/err" || fail "verify fails after the reset: $(cat "$T/err")"

note "achpr's new agent continues the branch with the new key"
h2=$(hostile a2 "$V")
doc achpr decision d3 >"$T/d3.json"
next=$(mkcommit "$h2" "$good" "$T/newkey" "continue with the new key" "achpr/decision/d3.json=$T/d3.json")
GIT_DIR=$h2 git update-ref refs/heads/achpr "$next"
"$HRDEX" -C "$V" peer add a2 "file://$h2" >/dev/null
sync_agent "$V" a2 2>/dev/null || fail "sync from a2 failed"
expect_tip "$V" achpr "$next" "the commit signed by the new key"
"$HRDEX" -C "$V" verify >/dev/null 2>"$T/err" || fail "verify fails: $(cat "$T/err")"
for c in $(g "$V" rev-list refs/heads/achpr refs/heads/iachr refs/heads/ohchr); do
	GIT_DIR=$V/repo.git git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$V/allowed_signers" \
		verify-commit "$c" 2>/dev/null || fail "stock git verify-commit fails on accepted $c"
done

note "an agent that joins after the revocation: achpr arrives reset, the thief's tip refused"
W=$T/agents/nhri
"$HRDEX" -C "$W" init --publisher nhri --registry "$(cat "$R.line")" --registry-url "file://$R/repo.git" >/dev/null 2>&1 ||
	fail "init nhri"
"$HRDEX" -C "$W" peer add v "file://$V/repo.git" >/dev/null
"$HRDEX" -C "$W" peer add a "file://$A/repo.git" >/dev/null
sync_agent "$W" 2>/dev/null || true
grep -q "'achpr' has no branch here yet: recorded its reset to ${good:0:12}" "$T/last-sync.err" ||
	fail "the reset is not recorded ahead: $(cat "$T/last-sync.err")"
sync_agent "$W" --json 2>/dev/null || true
expect_tip "$W" achpr "$next" "achpr's reset branch at an agent that joined after the revocation"
expect_peer_rule a achpr "rejected signature"
[ ! -e "$W/view/achpr/decision/forged.json" ] || fail "the forged decision is shown at nhri"
"$HRDEX" -C "$W" verify >/dev/null 2>"$T/err" || fail "verify fails at nhri: $(cat "$T/err")"
for c in $(g "$W" rev-list refs/heads/achpr); do
	GIT_DIR=$W/repo.git git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$W/allowed_signers" \
		verify-commit "$c" 2>/dev/null || fail "stock git verify-commit fails at nhri on $c"
done
echo ok
