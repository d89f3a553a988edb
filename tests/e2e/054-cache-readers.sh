#!/bin/bash
# Another OS account reads the cache (issue 16, item 9): with the state
# folder group-accessible (here: setgid, a reader group), the agent keeps
# cache.db, its -wal and its -shm group-readable whatever its umask (the
# systemd unit has UMask=0077), and keeps the -wal and -shm between runs, so
# a reader with no write access opens it: `sqlite3 -readonly` and `hrdex
# query` answer.  An account that may not read it is told so (exit 77), and
# `status` does not send it to `hrdex reindex`.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || { echo "sqlite3 command-line tool not installed"; exit 77; }
command -v setpriv >/dev/null || { echo "setpriv not installed"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "needs root to act as a second account"; exit 77; }
GID=47116   # the reader group: a bare number, no entry needed in /etc/group
chmod 0711 "$T"
reader() { setpriv --reuid=65534 --regid=$GID --clear-groups "$@"; }
outsider() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
S="$T/iachr"
ex=$top/schemas/examples

note "the agent under UMask=0077, its folder setgid to the reader group"
(umask 0077 && "$HRDEX" -C "$S" init --publisher iachr >/dev/null 2>&1)
chgrp "$GID" "$S" && chmod 2750 "$S"
(umask 0077 && "$HRDEX" -C "$S" publish "$ex"/iachr-note-*.json "$ex"/iachr-report-*.json >/dev/null)
n=$(ls "$ex"/iachr-note-*.json "$ex"/iachr-report-*.json | wc -l)
for f in cache.db cache.db-wal cache.db-shm; do
	[ -e "$S/$f" ] || fail "no $f kept after publish"
	[ "$(stat -c '%a %g' "$S/$f")" = "640 $GID" ] || fail "$f is $(stat -c '%a %g' "$S/$f"), not 640 $GID"
done
[ "$(stat -c %a "$S/hrdex.conf")" = 600 ] || fail "hrdex.conf became readable: $(stat -c %a "$S/hrdex.conf")"
[ "$(stat -c %a "$S/keys")" = 700 ] || fail "keys/ became readable"

note "a reader in the group: sqlite3 -readonly and hrdex query answer"
got=$(reader sqlite3 -readonly "$S/cache.db" 'select count(*) from documents' 2>&1) ||
	fail "sqlite3 -readonly as a reader: $got"
[ "$got" = "$n" ] || fail "sqlite3 -readonly counted '$got', not $n"
reader "$HRDEX" -C "$S" query --format refs >"$T/out" 2>"$T/err" || fail "query as a reader: $(cat "$T/err")"
[ "$(wc -l <"$T/out")" -eq "$n" ] || fail "query as a reader gave $(wc -l <"$T/out") rows, not $n"

note "after more writes and a reindex, still"
(umask 0077 && "$HRDEX" -C "$S" publish "$ex"/iachr-visit-*.json >/dev/null)
n=$((n + $(ls "$ex"/iachr-visit-*.json | wc -l)))
[ "$(reader "$HRDEX" -C "$S" query --format refs | wc -l)" -eq "$n" ] || fail "query as a reader after publish"
(umask 0077 && "$HRDEX" -C "$S" reindex >/dev/null)
[ "$(stat -c '%a %g' "$S/cache.db-shm")" = "640 $GID" ] || fail "no readable -shm after reindex"
got=$(reader sqlite3 -readonly "$S/cache.db" 'select count(*) from documents' 2>&1) || fail "sqlite3 after reindex: $got"
[ "$got" = "$n" ] || fail "sqlite3 after reindex counted '$got', not $n"
reader "$HRDEX" -C "$S" query --format refs >"$T/out" || fail "query as a reader after reindex"
[ "$(wc -l <"$T/out")" -eq "$n" ] || fail "query as a reader after reindex gave $(wc -l <"$T/out") rows"

note "an account outside the group is told it may not read (77), not that nothing matched"
outsider "$HRDEX" -C "$S" query --format refs >"$T/out" 2>"$T/err" && fail "query as an outsider succeeded"
expect_exit 77 outsider "$HRDEX" -C "$S" query --format refs 2>/dev/null
grep -q "^hrdex: cannot read state directory '$S': permission denied$" "$T/err" ||
	fail "outsider's message: $(cat "$T/err")"

note "status names a permission problem and does not advise reindex"
S2="$T/ohchr"
(umask 0027 && "$HRDEX" -C "$S2" init --publisher ohchr >/dev/null 2>&1 &&
	"$HRDEX" -C "$S2" publish "$ex"/ohchr-note-*.json >/dev/null)
chgrp -R "$GID" "$S2" && chmod g+s "$S2"
chmod 0600 "$S2"/cache.db*   # as an older hrdex under UMask=0077 left it
# hrdex.conf holds webhook secrets and stays 0600: status, which reads it,
# is the service account's; a reader is told which file it may not read.
expect_exit 77 reader "$HRDEX" -C "$S2" status >"$T/out" 2>&1
grep -q "cannot read '$S2/hrdex.conf': permission denied" "$T/out" || fail "reader's status: $(cat "$T/out")"
! grep -q "reindex" "$T/out" || fail "status advises reindex for a permission problem: $(cat "$T/out")"
note "the next writer makes the files readable again"
(umask 0077 && "$HRDEX" -C "$S2" reindex >/dev/null)
reader "$HRDEX" -C "$S2" query --format refs >"$T/out" 2>"$T/err" || fail "query after reindex: $(cat "$T/err")"
[ -s "$T/out" ] || fail "no rows after reindex"
echo "ok"
