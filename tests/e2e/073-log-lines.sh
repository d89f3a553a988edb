#!/bin/bash
# One event, one line: `sync` on a terminal shows each accepted or rejected
# branch and each failed peer once (stdout has the summary), and the service
# logs one line per failed peer.  Outside journald every log line starts with
# an ISO 8601 UTC time; under journald (stderr is JOURNAL_STREAM) it does not.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"
A="$T/agents/ohchr" B="$T/agents/achpr" C="$T/agents/iachr"
mkagent "$A" ohchr
mkagent "$B" achpr
mkagent "$C" iachr
hpublish "$A" decision res-1
hpublish "$C" decision res-9
trust "$B" "$A"
ssh-keygen -q -t ed25519 -N '' -f "$T/wrong"
"$HRDEX" -C "$B" trust add iachr "$T/wrong.pub" >/dev/null 2>&1 # C's commits: not this key
"$HRDEX" -C "$B" peer add a "file://$A/repo.git" 2>/dev/null
"$HRDEX" -C "$B" peer add c "file://$C/repo.git" 2>/dev/null
"$HRDEX" -C "$B" peer add down "git://127.0.0.1:$(free_port)/none.git" 2>/dev/null

note "sync on a terminal: each event once"
rc=0
TERM=dumb script -qec "\"$HRDEX\" -C \"$B\" sync" /dev/null >"$T/tty" || rc=$?
tr -d '\r' <"$T/tty" >"$T/out"
[ "$rc" -eq 69 ] || fail "sync: exit $rc: $(cat "$T/out")"
[ "$(grep -c "'down'\| down" "$T/out")" -eq 1 ] || fail "the failed peer is not one line: $(cat "$T/out")"
[ "$(grep -c "ohchr" "$T/out")" -eq 1 ] || fail "the accepted branch is not one line: $(cat "$T/out")"
[ "$(grep -c "iachr" "$T/out")" -eq 1 ] || fail "the rejected branch is not one line: $(cat "$T/out")"
grep -q "^$STAMP warning: peer 'down' unreachable: " "$T/out" || fail "no stamped peer line: $(cat "$T/out")"
grep -q "^$STAMP warning: rejected 'iachr' from peer 'c' .*(signature)" "$T/out" || fail "rejection: $(cat "$T/out")"
grep -q "^sync: 3 peers, 1 accepted, 1 rejected, 1 unreachable" "$T/out" || fail "summary: $(cat "$T/out")"

note "the service: one line per failed peer"
rc=0
"$HRDEX" -C "$B" run --once 2>"$T/run.log" || rc=$?
[ "$rc" -eq 69 ] || fail "run --once: exit $rc: $(cat "$T/run.log")"
[ "$(grep -c "'down'" "$T/run.log")" -eq 1 ] || fail "two lines for one failure: $(cat "$T/run.log")"
grep -q "^$STAMP warning: peer 'down': unreachable: .*; next try in" "$T/run.log" || fail "$(cat "$T/run.log")"

note "every log line is stamped outside journald, none under it"
[ -z "$(grep -v "^$STAMP " "$T/run.log")" ] || fail "unstamped lines: $(grep -v "^$STAMP " "$T/run.log")"
stamp=$(head -n1 "$T/run.log" | cut -d' ' -f1)
[ "$(date -u -d "$stamp" +%s)" -le "$(date -u +%s)" ] || fail "not a UTC time: $stamp"
: >"$T/journal.log"
( exec 2>>"$T/journal.log"
  JOURNAL_STREAM=$(stat -c %d:%i "$T/journal.log") "$HRDEX" -C "$B" run --once ) || true
[ -s "$T/journal.log" ] || fail "nothing logged under journald"
grep -q "^$STAMP" "$T/journal.log" && fail "stamped under journald: $(cat "$T/journal.log")"
grep -q "^warning: peer 'down': unreachable" "$T/journal.log" || fail "journald: $(cat "$T/journal.log")"
# an inherited JOURNAL_STREAM with stderr elsewhere is not journald
JOURNAL_STREAM=1:1 "$HRDEX" -C "$B" run --once 2>"$T/other.log" || true
[ -z "$(grep -v "^$STAMP " "$T/other.log")" ] || fail "not stamped: $(cat "$T/other.log")"
echo "ok"
