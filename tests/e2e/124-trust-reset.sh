#!/bin/bash
# 124-trust-reset: achpr's laptop, with its key, is stolen; the thief
# publishes a forged decision on achpr's branch and V accepts it (a valid
# signature).  After a phone call, V's operator runs `hrdex trust reset
# achpr GOOD 'NEW KEY LINE' --yes-reset-branch`: the branch goes back to GOOD,
# the forged commit is kept under refs/hrdex/abandoned/achpr/... (not
# served), the forged document leaves view/, the cache and main; status,
# metrics.prom and a webhook show the reset.  Then the thief's peer offers
# the abandoned commit, and a new one on GOOD signed by the stolen key dated
# 2019: both refused, while iachr moves in the same sync; achpr's new agent
# continues the branch with the new key: accepted.  Stock git verify-commit
# passes on every accepted commit.  Without the flag: 64, nothing done; a
# commit not in the branch's history: 65 naming it; our own branch: 64.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"
. "$(dirname "$0")/service.sh"
RECV=${HRDEX_BUILD:-$top/build/default}/tools/webhook_receiver
if [ ! -x "$RECV" ]; then
	RECV="$T/webhook_receiver"
	cc -std=c11 -D_GNU_SOURCE -o "$RECV" "$top/tests/tools/webhook_receiver.c" -lsodium ||
		fail "cannot build the webhook receiver"
fi

two_publishers
publish "$A" decision d1
publish "$A" decision d2
good=$(tip "$A" achpr)
publish "$B" report r1
sync_agent "$V" 2>/dev/null || fail "first sync failed"
expect_tip "$V" achpr "$good" "first sync"

note "the thief publishes a forged decision with the stolen key; V accepts it"
publish "$A" decision forged "Forged decision"
forged=$(tip "$A" achpr)
sync_agent "$V" 2>/dev/null || fail "second sync failed"
expect_tip "$V" achpr "$forged" "the forged commit (validly signed)"
[ -f "$V/view/achpr/decision/forged.json" ] || fail "the forged decision is not in view/"

mkdir -p "$T/recv"
"$RECV" "$T/recv.port" "$T/recv" 'hook secret' ok &
PIDS+=($!)
wait_for 5 test -s "$T/recv.port" || fail "the receiver did not start"
git config -f "$V/hrdex.conf" webhook.w.url "http://127.0.0.1:$(cat "$T/recv.port")/hook"
git config -f "$V/hrdex.conf" webhook.w.secret 'hook secret'
"$HRDEX" -C "$V" run --once >/dev/null 2>&1 || true # the service knows the tips before the reset

note "achpr's new key, checked on the phone"
ssh-keygen -q -t ed25519 -N '' -C achpr -f "$T/newkey"
newline="achpr namespaces=\"git\" $(cat "$T/newkey.pub")"
newfp=$(ssh-keygen -lf "$T/newkey.pub" | cut -d' ' -f2)

note "usage: no flag (64, nothing done), a commit outside the history (65), our own branch (64)"
expect_exit 64 "$HRDEX" -C "$V" trust reset achpr "$good" "$newline" 2>"$T/err"
grep -q "would move 'achpr' back from ${forged:0:12} to ${good:0:12} (1 commit" "$T/err" || fail "no plan: $(cat "$T/err")"
grep -q -- "--yes-reset-branch" "$T/err" || fail "the message does not name the flag: $(cat "$T/err")"
expect_tip "$V" achpr "$forged" "a reset without the flag moved the branch"
grep -q "$(cut -d' ' -f2 "$T/newkey.pub")" "$V/allowed_signers" && fail "a reset without the flag trusted the key"
other=$(tip "$B" iachr)
expect_exit 65 "$HRDEX" -C "$V" trust reset achpr "$other" "$newline" --yes-reset-branch 2>"$T/err"
grep -q "commit '$other' is not in the history of 'achpr'" "$T/err" || fail "65 does not name the commit: $(cat "$T/err")"
expect_exit 65 "$HRDEX" -C "$V" trust reset achpr 0123456789abcdef "$newline" --yes-reset-branch 2>/dev/null
expect_exit 64 "$HRDEX" -C "$V" trust reset ohchr "$(tip "$V" ohchr 2>/dev/null | head -c 40)" "$newline" --yes-reset-branch 2>/dev/null
expect_tip "$V" achpr "$forged" "a refused reset moved the branch"

note "the reset"
"$HRDEX" -C "$V" trust reset achpr "${good:0:12}" "$newline" --yes-reset-branch 2>"$T/err" ||
	fail "trust reset failed: $(cat "$T/err")"
cat "$T/err"
expect_tip "$V" achpr "$good" "the reset"
ab=$(g "$V" for-each-ref --format='%(refname) %(objectname)' refs/hrdex/abandoned/achpr/)
[ "${ab#* }" = "$forged" ] || fail "the abandoned commit is not kept: '$ab'"
git ls-remote "$(url_of "$V")" >"$T/advertised" || fail "ls-remote"
grep -q abandoned "$T/advertised" && fail "V serves the abandoned commits: $(cat "$T/advertised")"
[ ! -e "$V/view/achpr/decision/forged.json" ] || fail "the forged decision is still in view/"
[ -f "$V/view/achpr/decision/d2.json" ] || fail "the kept history left view/"
"$HRDEX" -C "$V" query --publisher achpr --format refs | grep -q forged && fail "the forged decision is still in the cache"
[ -z "$(g "$V" ls-tree -r --name-only main achpr | grep forged || true)" ] || fail "the forged decision is still in main"
grep -q "^achpr namespaces=\"git\" $(cut -d' ' -f1,2 "$T/newkey.pub")" "$V/allowed_signers" || fail "the new key is not trusted: $(cat "$V/allowed_signers")"
[ "$(jq -r '.resets[0].commit' "$V/tips.json")" = "$good" ] || fail "tips.json has no reset: $(cat "$V/tips.json")"
[ "$(jq -r '.publishers.achpr.tip' "$V/tips.json")" = "$good" ] || fail "tips.json's newest tip is not the reset point"
"$HRDEX" -C "$V" status >"$T/st.txt" 2>&1 || true
grep -q "achpr .*reset to ${good:0:12}.*$newfp" "$T/st.txt" || fail "status does not show the reset: $(cat "$T/st.txt")"
"$HRDEX" -C "$V" status --json >"$T/st.json" 2>/dev/null || true
jq -e --arg c "$good" --arg f "$forged" --arg k "$newfp" \
	'.network.resets[0] | .publisher == "achpr" and .commit == $c and .from == $f and .key == $k' "$T/st.json" >/dev/null ||
	fail "status --json: $(jq -c .network "$T/st.json")"
"$HRDEX" -C "$V" verify >/dev/null 2>"$T/err" || fail "verify fails after the reset: $(cat "$T/err")"

note "the service's next pass: metrics.prom and the webhook"
"$HRDEX" -C "$V" peer remove a >/dev/null
"$HRDEX" -C "$V" peer remove b >/dev/null
"$HRDEX" -C "$V" run --once >/dev/null 2>&1 || true
grep -q '^hrdex_branch_resets 1$' "$V/metrics.prom" || fail "metrics.prom: $(grep reset "$V/metrics.prom")"
grep -q '^hrdex_branch_last_reset_timestamp_seconds{publisher="achpr"} ' "$V/metrics.prom" || fail "no reset timestamp in metrics.prom"
wait_for 5 sh -c "grep -l '\"reset\":true' '$T/recv/'*.body" || fail "no webhook for the reset: $(cat "$T/recv/"*.body 2>/dev/null)"
body=$(grep -l '"reset":true' "$T/recv/"*.body | head -1)
jq -e --arg c "$good" --arg f "$forged" '.changes[] | select(.publisher == "achpr") |
	.reset == true and .old == $f and .new == $c and .abandoned == [$f] and .withdrawn == ["achpr/decision/forged"]' \
	"$body" >/dev/null || fail "webhook summary: $(cat "$body")"
"$HRDEX" -C "$V" peer add b "$(url_of "$B")"

note "the thief's peer: the abandoned commit, and a new one signed by the stolen key dated 2019"
h=$(hostile thief "$A")
"$HRDEX" -C "$V" peer add thief "$(url_of "$T/agents/thief")"
publish "$B" report r2
b2=$(tip "$B" iachr)
sync_agent "$V" --json 2>/dev/null || true
expect_tip "$V" achpr "$good" "the abandoned commit was accepted again"
expect_tip "$V" iachr "$b2" "iachr did not move in the same sync"
expect_peer_rule thief achpr "rejected signature"
jq -r '.peers[] | select(.name == "thief") | .branches[] | .reason' "$T/last-sync.out" | grep -q "reset of the branch to ${good:0:12}" ||
	fail "the reason does not name the reset: $(cat "$T/last-sync.out")"
doc achpr decision late >"$T/late.json"
late=$(GIT_COMMITTER_DATE=2019-03-01T12:00:00Z GIT_AUTHOR_DATE=2019-03-01T12:00:00Z \
	mkcommit "$h" "$good" "$A/keys/id_ed25519" "backdated" "achpr/decision/late.json=$T/late.json")
GIT_DIR=$h git update-ref refs/heads/achpr "$late"
sync_agent "$V" thief --json 2>/dev/null || true
expect_tip "$V" achpr "$good" "a backdated commit by the stolen key was accepted"
expect_peer_rule thief achpr "rejected signature"

note "achpr's new agent continues the branch with the new key"
h2=$(hostile a2 "$V")
doc achpr decision d3 >"$T/d3.json"
next=$(mkcommit "$h2" "$good" "$T/newkey" "continue with the new key" "achpr/decision/d3.json=$T/d3.json")
GIT_DIR=$h2 git update-ref refs/heads/achpr "$next"
"$HRDEX" -C "$V" peer add a2 "$(url_of "$T/agents/a2")"
sync_agent "$V" a2 2>/dev/null || fail "sync from a2 failed"
expect_tip "$V" achpr "$next" "the commit signed by the new key"
[ -f "$V/view/achpr/decision/d3.json" ] || fail "d3 not in view/"
"$HRDEX" -C "$V" verify >/dev/null 2>"$T/err" || fail "verify fails: $(cat "$T/err")"
for c in $(g "$V" rev-list refs/heads/achpr refs/heads/iachr); do
	GIT_DIR=$V/repo.git git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$V/allowed_signers" \
		verify-commit "$c" 2>/dev/null || fail "stock git verify-commit fails on accepted $c"
done
echo ok
