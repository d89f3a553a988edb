#!/bin/bash
# Webhooks: after a change, a signed JSON summary is POSTed (HMAC checked by
# the receiver); a failing receiver gets retries with backoff; a receiver
# that accepts and hangs delays nothing (publishing goes on, SIGTERM still
# exits at once); an undelivered summary survives a restart.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/service.sh"
RECV=${HRDEX_BUILD:-$top/build/default}/tools/webhook_receiver
if [ ! -x "$RECV" ]; then
	RECV="$T/webhook_receiver"
	cc -std=c11 -D_GNU_SOURCE -o "$RECV" "$top/tests/tools/webhook_receiver.c" -lsodium ||
		fail "cannot build the webhook receiver"
fi
# receiver NAME SECRET MODE : start one; sets PORT; requests land in $T/NAME/
receiver() {
	mkdir -p "$T/$1"
	"$RECV" "$T/$1.port" "$T/$1" "$2" "$3" &
	PIDS+=($!)
	wait_for 5 test -s "$T/$1.port" || fail "receiver $1 did not start"
	PORT=$(cat "$T/$1.port")
}
drop() { # drop ID into the outbox the documented way
	example_doc "$1" >"$S/outbox/$1.json.tmp"
	mv "$S/outbox/$1.json.tmp" "$S/outbox/$1.json"
}
S="$T/ohchr"
new_agent "$S" ohchr

note "a signed summary after a change"
receiver good 's3cret shared' ok
git config -f "$S/hrdex.conf" webhook.good.url "http://127.0.0.1:$PORT/hook"
git config -f "$S/hrdex.conf" webhook.good.secret 's3cret shared'
drop first
"$HRDEX" -C "$S" run --once 2>"$T/once.log" || fail "run --once: $(cat "$T/once.log")"
wait_for 5 test -f "$T/good/1.body" || fail "no webhook received: $(cat "$T/once.log")"
[ "$(cat "$T/good/1.sig")" = ok ] || fail "bad HMAC signature: $(cat "$T/good/1.headers")"
grep -qi '^X-Hrdex-Signature: sha256=[0-9a-f]\{64\}' "$T/good/1.headers" || fail "signature header"
grep -qi '^Content-Type: application/json' "$T/good/1.headers" || fail "content type"
tip=$(git --git-dir "$S/repo.git" rev-parse ohchr)
jq -e --arg tip "$tip" '.event == "change" and .agent == "ohchr" and
	(.changes | length) == 1 and .changes[0].publisher == "ohchr" and .changes[0].old == null and
	.changes[0].new == $tip and .changes[0].commits == [$tip] and
	.changes[0].added == ["ohchr/note/first"] and .changes[0].changed == [] and .changes[0].withdrawn == []' \
	"$T/good/1.body" >/dev/null || fail "summary: $(cat "$T/good/1.body")"
[ ! -e "$S/hooks/good.json" ] || fail "delivered summary still queued"
jq -e '.webhooks[0].name == "good" and .webhooks[0].pending == false and .counters.webhooksOk == 1' \
	"$S/status.json" >/dev/null || fail "status: $(jq -c '.webhooks, .counters' "$S/status.json")"

note "a change made between passes (CLI withdraw) is announced by the next pass"
"$HRDEX" -C "$S" withdraw ohchr/note/first >/dev/null
old=$(git --git-dir "$S/repo.git" rev-parse ohchr)
"$HRDEX" -C "$S" run --once 2>/dev/null
wait_for 5 test -f "$T/good/2.body" || fail "withdrawal not announced"
jq -e --arg old "$tip" --arg new "$old" '.changes[0].old == $old and .changes[0].new == $new and
	.changes[0].withdrawn == ["ohchr/note/first"] and .changes[0].added == []' \
	"$T/good/2.body" >/dev/null || fail "withdraw summary: $(cat "$T/good/2.body")"
drop second
"$HRDEX" -C "$S" run --once 2>/dev/null
wait_for 5 test -f "$T/good/3.body" || fail "no third webhook"
jq -e --arg old "$old" '.changes[0].old == $old and .changes[0].added == ["ohchr/note/second"]' \
	"$T/good/3.body" >/dev/null || fail "third summary: $(cat "$T/good/3.body")"

note "a failing receiver: retried with backoff until delivered"
receiver flaky '' fail:2
git config -f "$S/hrdex.conf" webhook.flaky.url "http://127.0.0.1:$PORT/"
start_run "$S" "$T/run.log"
drop third
wait_for 10 test -f "$T/flaky/3.body" || fail "flaky: $(ls "$T/flaky"); $(cat "$T/run.log")"
grep -q "webhook 'flaky': delivery failed (attempt 2, next in 2 s): HTTP status 500" "$T/run.log" ||
	fail "backoff not logged: $(grep webhook "$T/run.log")"
wait_for 5 jq -e '(.webhooks[] | select(.name == "flaky") | .pending) == false' "$S/status.json" ||
	fail "flaky still pending: $(jq -c .webhooks "$S/status.json")"
[ ! -e "$T/flaky/1.sig" ] || fail "unsigned hook got a signature check"
! grep -qi '^X-Hrdex-Signature' "$T/flaky/3.headers" || fail "signature without a secret"
stop_run "$RUN_PID" 5

note "a receiver that hangs changes nothing else"
receiver hang '' hang
git config -f "$S/hrdex.conf" webhook.hang.url "http://127.0.0.1:$PORT/"
git config -f "$S/hrdex.conf" webhook.timeout 60
start_run "$S" "$T/run2.log"
drop fourth
wait_for 5 test -f "$T/hang/1.body" || fail "hanging receiver never got the request"
start=$SECONDS
drop fifth
wait_for 10 test -f "$S/outbox/done/fifth.json" || fail "publishing blocked by a hanging webhook"
[ $((SECONDS - start)) -lt 10 ] || fail "publishing waited for the hanging receiver"
# The hanging receiver holds its delivery for webhook.timeout (60 s): well
# under that, the other webhook must have its summary (generous for a loaded CI).
# (the glob inside sh -c, so each try sees the bodies that arrived since)
wait_for 30 sh -c 'grep -q fifth "$1"/good/*.body' _ "$T" ||
	fail "other webhooks blocked by a hanging one: $(ls "$T/good"; cat "$T/run2.log")"
stop_run "$RUN_PID" 5
jq -e '(.webhooks[] | select(.name == "hang") | .pending) == true' "$S/status.json" >/dev/null ||
	fail "undelivered summary not pending: $(jq -c .webhooks "$S/status.json")"
[ -f "$S/hooks/hang.json" ] || fail "pending summary not persisted"

note "an undelivered summary survives a restart and is delivered"
receiver back '' ok
git config -f "$S/hrdex.conf" webhook.hang.url "http://127.0.0.1:$PORT/"
"$HRDEX" -C "$S" run --once 2>"$T/restart.log"
wait_for 5 test -f "$T/back/1.body" || fail "pending summary not delivered after restart: $(cat "$T/restart.log")"
jq -e '[.changes[0].added[]] | index("ohchr/note/fourth") != null and index("ohchr/note/fifth") != null' \
	"$T/back/1.body" >/dev/null || fail "merged summary lost a change: $(cat "$T/back/1.body")"
[ ! -e "$S/hooks/hang.json" ] || fail "delivered summary still queued"
check_metrics "$S/metrics.prom"
grep -q '^hrdex_webhook_deliveries_total{result="error"} [1-9]' "$S/metrics.prom" || fail "failed deliveries not counted"
echo "webhooks: ok"
