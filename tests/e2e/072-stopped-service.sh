#!/bin/bash
# A stopped service does not look healthy: after a clean SIGTERM or SIGINT
# stop, metrics.prom says hrdex_up 0 and status.json "stopped"; `hrdex
# status` sees that nobody holds run.pid and says "not running" (exit 2),
# also after a kill -9; a `run --once` pass (cron) is judged by its age.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/service.sh"
S="$T/ohchr"
new_agent "$S" ohchr

for sig in TERM INT; do
	note "running: healthy, hrdex_up 1 (then SIG$sig)"
	start_run "$S" "$T/run.log"
	wait_for 10 grep -qx 'hrdex_up 1' "$S/metrics.prom" || fail "no metrics: $(cat "$T/run.log")"
	wait_for 5 jq -e '.stopped == null' "$S/status.json" || fail "status.json: $(cat "$S/status.json")"
	wait_for 10 "$HRDEX" -C "$S" status || fail "not healthy while running"
	"$HRDEX" -C "$S" status | grep -q "by pid $RUN_PID" || fail "status while running"
	[ "$("$HRDEX" -C "$S" status --json | jq .running)" = true ] || fail "running: not true"
	grep -qx 'hrdex_up 1' "$S/metrics.prom" || fail "hrdex_up while running"
	jq -e '.stopped == null' "$S/status.json" >/dev/null || fail "stopped while running"

	kill -"$sig" "$RUN_PID"
	wait "$RUN_PID" || fail "SIG$sig: exit $?"
	grep -qx 'hrdex_up 0' "$S/metrics.prom" || fail "SIG$sig: $(grep hrdex_up "$S/metrics.prom")"
	jq -e '.stopped > 0' "$S/status.json" >/dev/null || fail "SIG$sig: status.json: no stopped"
	expect_exit 2 "$HRDEX" -C "$S" status >"$T/out"
	grep -q "not running: 'hrdex run' (pid $RUN_PID) stopped" "$T/out" || fail "SIG$sig: $(cat "$T/out")"
	grep -q "healthy.*by pid\|status written" "$T/out" && fail "SIG$sig: still healthy: $(cat "$T/out")"
	grep -q "problem: 'hrdex run' is not running" "$T/out" || fail "SIG$sig: no problem: $(cat "$T/out")"
	expect_exit 2 "$HRDEX" -C "$S" status --json >"$T/json"
	jq -e '.running == false and .healthy == false' "$T/json" >/dev/null || fail "SIG$sig: $(cat "$T/json")"
done

note "killed without a word: not running either"
start_run "$S" "$T/run.log"
wait_for 10 grep -qx 'hrdex_up 1' "$S/metrics.prom" || fail "hrdex_up after a restart"
"$HRDEX" -C "$S" status >/dev/null || fail "not healthy after a restart"
kill -9 "$RUN_PID"
wait "$RUN_PID" 2>/dev/null || true
expect_exit 2 "$HRDEX" -C "$S" status >"$T/out"
grep -q "not running: 'hrdex run' (pid $RUN_PID) is gone" "$T/out" || fail "kill -9: $(cat "$T/out")"

note "run --once (cron): healthy while fresh"
"$HRDEX" -C "$S" run --once 2>/dev/null || fail "run --once"
"$HRDEX" -C "$S" status >"$T/out" || fail "after --once: $(cat "$T/out")"
grep -qx 'hrdex_up 1' "$S/metrics.prom" || fail "hrdex_up after --once"
echo "ok"
