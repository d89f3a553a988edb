#!/bin/bash
# hrdex run in the foreground: one instance per state directory (a second
# exits 75 at once), commands still run between passes, SIGHUP with a broken
# config keeps the old one, SIGUSR1 syncs now, failing peers back off,
# SIGTERM exits 0 within 5 s, counters survive a restart.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/service.sh"
S="$T/ohchr"
new_agent "$S" ohchr
port=$(free_port) # nothing listens there
"$HRDEX" -C "$S" peer add down "git://127.0.0.1:$port/none.git" 2>/dev/null ||
	git config -f "$S/hrdex.conf" peer.down.url "git://127.0.0.1:$port/none.git"
git config -f "$S/hrdex.conf" sync.interval 2
git config -f "$S/hrdex.conf" sync.backoffMax 8

note "start; a second run exits 75 at once"
start_run "$S" "$T/run.log"
wait_for 10 test -s "$S/status.json" || fail "no status.json: $(cat "$T/run.log")"
start=$SECONDS
rc=0; "$HRDEX" -C "$S" run 2>"$T/second" || rc=$?
[ "$rc" -eq 75 ] || fail "second run: exit $rc, expected 75"
[ $((SECONDS - start)) -le 2 ] || fail "second run did not fail promptly"
grep -q "another 'hrdex run' (pid $RUN_PID) holds '$S'" "$T/second" || fail "message: $(cat "$T/second")"
expect_exit 75 "$HRDEX" -C "$S" run --once 2>/dev/null

note "commands run between passes (the service holds the lock only during a pass)"
example_doc from-cli >"$T/cli.json"
"$HRDEX" -C "$S" publish "$T/cli.json" >/dev/null || fail "publish while the service runs"

note "a failing peer backs off: interval, then doubling"
wait_for 15 jq -e '.peers[0].failures >= 3' "$S/status.json" || fail "no failures: $(cat "$S/status.json")"
jq -e '.peers[0].name == "down" and (.peers[0].error | length > 0) and
	(.peers[0].nextTry - .peers[0].lastAttempt >= 8)' "$S/status.json" >/dev/null ||
	fail "no backoff: $(jq -c .peers "$S/status.json")"
grep -q "^$STAMP warning: peer 'down': .*next try in 8 s (3 consecutive failures)" "$T/run.log" ||
	fail "backoff log: $(grep peer "$T/run.log")"
check_metrics "$S/metrics.prom"
grep -q '^hrdex_peer_consecutive_failures{peer="down"} [1-9]' "$S/metrics.prom" || fail "peer gauge"

note "SIGUSR1 syncs now"
before=$(jq .counters.passes "$S/status.json")
kill -USR1 "$RUN_PID"
wait_for 5 grep -q "received SIGUSR1" "$T/run.log" || fail "SIGUSR1 not logged"
wait_for 5 jq -e ".peers[0].failures >= 4" "$S/status.json" || fail "SIGUSR1 did not sync: $(jq -c .peers "$S/status.json")"

note "SIGHUP with a broken config: logged, old one kept"
cp "$S/hrdex.conf" "$T/good.conf"
printf '[sync]\n\tinterval = soon\n' >>"$S/hrdex.conf"
kill -HUP "$RUN_PID"
wait_for 5 grep -q "^$STAMP error: received SIGHUP; not reloading: .*sync.interval: expected a number" "$T/run.log" ||
	fail "broken config not logged: $(tail -n5 "$T/run.log")"
sleep 1
kill -0 "$RUN_PID" || fail "service died on a broken config"
example_doc still-works >"$S/outbox/still.json.tmp" && mv "$S/outbox/still.json.tmp" "$S/outbox/still.json"
wait_for 5 test -f "$S/outbox/done/still.json" || fail "outbox stopped after a broken config"

note "SIGHUP with a good config: reloaded (peer removed)"
cp "$T/good.conf" "$S/hrdex.conf"
git config -f "$S/hrdex.conf" --remove-section peer.down
kill -HUP "$RUN_PID"
wait_for 5 grep -q "configuration reloaded (0 peers" "$T/run.log" || fail "not reloaded: $(tail -n3 "$T/run.log")"
wait_for 5 jq -e '.peers == []' "$S/status.json" || fail "removed peer still in status"

note "SIGTERM: exit 0 within 5 s"
stop_run "$RUN_PID" 5
grep -q "received SIGTERM; stopping" "$T/run.log" || fail "SIGTERM not logged"
grep -q "^$STAMP stopped$" "$T/run.log" || fail "no final log line"
[ ! -e "$S/lock.lock" ] || fail "stale lock"

note "counters survive a restart"
syncs=$(jq '.counters.syncsFailed + .counters.syncsUnreachable' "$S/status.json")
[ "$syncs" -ge 4 ] || fail "counted $syncs failed syncs"
"$HRDEX" -C "$S" run --once 2>/dev/null
[ "$(jq '.counters.syncsFailed + .counters.syncsUnreachable' "$S/status.json")" -eq "$syncs" ] ||
	fail "counters reset on restart"
[ "$(jq .counters.passes "$S/status.json")" -gt "$before" ] || fail "passes not counted across restarts"
grep -q '^hrdex_passes_total [1-9]' "$S/metrics.prom" || fail "passes counter"

note "unhealthy: status exits 2 and names the peer"
git config -f "$S/hrdex.conf" peer.down.url "git://127.0.0.1:$port/none.git"
git config -f "$S/hrdex.conf" status.maxFailures 1
"$HRDEX" -C "$S" run --once 2>/dev/null || true
rc=0; "$HRDEX" -C "$S" status >"$T/status" || rc=$?
[ "$rc" -eq 2 ] || fail "status: exit $rc, expected 2: $(cat "$T/status")"
grep -q "problem: peer 'down': 1 consecutive failures" "$T/status" || fail "$(cat "$T/status")"
expect_exit 2 "$HRDEX" -C "$S" status --json >"$T/status.json"
jq -e '.healthy == false and (.problems | length) == 1' "$T/status.json" >/dev/null || fail "status --json"

note "SIGTERM during a fetch from a peer that never answers: exit 0 within 5 s, not sync.timeout"
TOOLS=${HRDEX_BUILD:-$(dirname "$HRDEX")}/tests/tools
"$TOOLS/blackhole" "$T/hole.port" &
PIDS+=($!)
wait_for 5 test -s "$T/hole.port" || fail "blackhole did not start"
git config -f "$S/hrdex.conf" --remove-section peer.down
git config -f "$S/hrdex.conf" peer.hole.url "git://127.0.0.1:$(cat "$T/hole.port")/x.git"
git config -f "$S/hrdex.conf" sync.connectTimeout 60
git config -f "$S/hrdex.conf" sync.timeout 60
start_run "$S" "$T/run3.log" -v
wait_for 10 grep -q "fetch from 'hole': started" "$T/run3.log" || fail "no fetch started: $(cat "$T/run3.log")"
stop_run "$RUN_PID" 5
grep -q "peer 'hole': sync stopped" "$T/run3.log" || fail "the fetch was not stopped: $(tail -n5 "$T/run3.log")"
jq -e '.peers[] | select(.name == "hole") | .failures == 0' "$S/status.json" >/dev/null || fail "a stopped sync counted as the peer's failure"
[ -z "$(find "$S/quarantine" -mindepth 1 2>/dev/null)" ] || fail "quarantine left: $(find "$S/quarantine")"
echo "run signals: ok"
