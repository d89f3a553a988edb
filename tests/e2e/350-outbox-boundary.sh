#!/bin/bash
# The trust boundary at the outbox, tested as an attacker: the account that
# may write outbox/ (here uid 65534, as the README's ACL would allow) can make
# documents be published and nothing else.  A forged recovery journal does
# not swap allowed_signers (so a forged branch stays refused); symbolic links
# to the agent's key (as an attachment, as NAME.files, as NAME.json) are
# rejected with NAME.error and the key reaches no commit; a FIFO never blocks
# a pass nor SIGTERM.  The command line: links inside folders and
# NAME.files are not followed, a link the operator names is, a FIFO is
# refused at once.  init under umask 0000 still keeps secrets 0600/0700.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/service.sh"
[ "$(id -u)" = 0 ] || fail "needs root: the writer runs as uid 65534 (setpriv)"
as_writer() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
chmod 755 "$T"
S="$T/ohchr"
O="$S/outbox"
new_agent "$S" ohchr
chown 65534:65534 "$O"

note "a forged journal does not swap allowed_signers"
"$HRDEX" -C "$T/achpr" init --publisher achpr >"$T/achpr.line" 2>/dev/null || fail "init achpr"
"$HRDEX" -C "$S" trust add achpr "$(cat "$T/achpr.line")" >/dev/null 2>&1 || fail "trust add achpr"
# The writer's own agent, claiming to be achpr with its own key, and a
# document on that forged branch.
"$HRDEX" -C "$T/forger" init --publisher achpr >"$T/forger.line" 2>/dev/null || fail "init forger"
jq '.publisher = "achpr" | .id = "forged" | .title = {en: "Forged"}' \
	"$top/schemas/examples/ohchr-note-regional-consultations-2016.json" >"$T/forged.json"
"$HRDEX" -C "$T/forger" publish "$T/forged.json" >/dev/null 2>&1 || fail "forger publish"
"$HRDEX" -C "$S" peer add forger "file://$T/forger/repo.git" >/dev/null 2>&1 || fail "peer add"
{ grep -v '^achpr ' "$S/allowed_signers"; cat "$T/forger.line"; } >"$T/evil-signers"
chmod 644 "$T/evil-signers"
before=$(sha256sum <"$S/allowed_signers")
as_writer cp "$T/evil-signers" "$O/evil-signers"
# Two moves: the real file out of the way, the writer's in its place; under
# the old name (outbox/.journal) and as relative paths out of outbox/.
printf '../allowed_signers\tdone/saved-signers\nevil-signers\t../allowed_signers\n' >"$T/forged-journal"
chmod 644 "$T/forged-journal"
as_writer cp "$T/forged-journal" "$O/.journal"
# The new place is out of the writer's reach.
! as_writer cp "$T/forged-journal" "$S/outbox.journal" 2>/dev/null || fail "the writer can write STATE/outbox.journal"
rc=0; timeout -k 5 60 "$HRDEX" -C "$S" run --once 2>"$T/log1" || rc=$?
[ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "run --once: exit $rc: $(cat "$T/log1")"
[ "$(sha256sum <"$S/allowed_signers")" = "$before" ] || fail "allowed_signers was replaced: $(cat "$S/allowed_signers")"
[ -f "$O/evil-signers" ] || fail "the writer's file was moved: $(ls -la "$O" "$S")"
[ ! -e "$O/done/saved-signers" ] || fail "allowed_signers was moved into done/"
[ ! -e "$O/.journal" ] || fail "outbox/.journal was left to be replayed"
grep -q "ignoring '.*outbox/.journal'" "$T/log1" || fail "the old journal is not reported: $(cat "$T/log1")"
rc=0; "$HRDEX" -C "$S" sync forger >/dev/null 2>"$T/sync.log" || rc=$?
[ "$rc" = 1 ] || fail "sync of the forged branch: exit $rc, expected 1 (rejected): $(cat "$T/sync.log")"
! git --git-dir "$S/repo.git" rev-parse -q --verify refs/heads/achpr >/dev/null ||
	fail "the forged achpr branch was accepted"
"$HRDEX" -C "$S" peer remove forger >/dev/null 2>&1 || fail "peer remove"

note "links to the key: as an attachment, as NAME.files, as NAME.json"
example_doc minutes >"$T/minutes.json"
example_doc agenda >"$T/agenda.json"
example_doc legit >"$T/legit.json"
chmod 644 "$T"/*.json
as_writer sh -e -c '
	cd "$1"
	mkdir minutes.files
	ln -s ../../keys/id_ed25519 minutes.files/annex.txt
	cp "$2/minutes.json" minutes.json
	ln -s ../keys agenda.files
	cp "$2/agenda.json" agenda.json
	ln -s ../keys/id_ed25519 key.json
	ln -s ../hrdex.conf conf.json
	cp "$2/legit.json" legit.json' sh "$O" "$T"
rc=0; timeout -k 5 60 "$HRDEX" -C "$S" run --once 2>"$T/log2" || rc=$?
[ "$rc" = 0 ] || fail "run --once: exit $rc: $(cat "$T/log2")"
[ -f "$O/done/legit.json" ] || fail "legit.json not published: $(ls -la "$O" "$O/rejected")"
for d in minutes agenda key conf; do
	[ -e "$O/rejected/$d.json" ] || [ -L "$O/rejected/$d.json" ] || fail "$d.json not in rejected/: $(ls -la "$O" "$O/rejected")"
	[ -f "$O/rejected/$d.error" ] || fail "no rejected/$d.error"
	grep -q "symbolic link" "$O/rejected/$d.error" || fail "$d.error does not say why: $(cat "$O/rejected/$d.error")"
done
[ -L "$O/rejected/minutes.files/annex.txt" ] || fail "minutes.files did not go with its document"
[ -L "$O/rejected/agenda.files" ] || fail "agenda.files (a link) did not go with its document"
[ -f "$S/keys/id_ed25519" ] || fail "the key moved"
sed -e '1d' -e '$d' "$S/keys/id_ed25519" | grep -v '^$' >"$T/key.lines"
[ -s "$T/key.lines" ] || fail "cannot read the key's base64"
git --git-dir "$S/repo.git" log --all -p >"$T/history"
! grep -q -F -f "$T/key.lines" "$T/history" || fail "the private key is in a commit"
! grep -rq -F -f "$T/key.lines" "$S/view" "$O/rejected" || fail "the private key was copied out"
"$HRDEX" -C "$S" show ohchr/note/minutes >/dev/null 2>&1 && fail "minutes was published"
"$HRDEX" -C "$S" show ohchr/note/legit >/dev/null || fail "legit not published"

note "a FIFO, as NAME.json or in NAME.files, never blocks the pass"
example_doc piped >"$T/piped.json"
chmod 644 "$T/piped.json"
as_writer sh -e -c '
	cd "$1"
	mkfifo pipe.json
	mkdir piped.files
	mkfifo piped.files/annex.txt
	cp "$2/piped.json" piped.json' sh "$O" "$T"
rc=0; timeout -k 5 30 "$HRDEX" -C "$S" run --once 2>"$T/log3" || rc=$?
[ "$rc" = 0 ] || fail "run --once with FIFOs: exit $rc (124: blocked): $(cat "$T/log3")"
[ -p "$O/rejected/pipe.json" ] && grep -q "FIFO" "$O/rejected/pipe.error" ||
	fail "pipe.json not rejected: $(ls -la "$O" "$O/rejected"; cat "$O/rejected/pipe.error" 2>&1)"
[ -f "$O/rejected/piped.json" ] && grep -q "FIFO" "$O/rejected/piped.error" ||
	fail "piped.json not rejected: $(cat "$O/rejected/piped.error" 2>&1)"
[ -p "$O/rejected/piped.files/annex.txt" ] || fail "piped.files did not go with its document"

note "SIGTERM is answered while a FIFO waits in the outbox"
start_run "$S" "$T/run.log"
as_writer mkfifo "$O/pipe2.json"
# (A hung agent is killed here, so that the cleanup does not wait for it.)
wait_for 20 test -f "$O/rejected/pipe2.error" ||
	{ kill -KILL "$RUN_PID"; fail "pipe2.json not rejected by hrdex run: $(cat "$T/run.log")"; }
kill -TERM "$RUN_PID"
wait_for 10 sh -c "! kill -0 $RUN_PID" || { kill -KILL "$RUN_PID"; fail "hrdex run did not exit within 10 s of SIGTERM"; }
rc=0; wait "$RUN_PID" || rc=$?
[ "$rc" = 0 ] || fail "hrdex run exited $rc after SIGTERM"

note "the command line: a FIFO is refused at once, links inside folders are not followed"
mkfifo "$T/fifo.json"
rc=0; timeout -k 5 10 "$HRDEX" -C "$S" validate "$T/fifo.json" 2>"$T/err" || rc=$?
[ "$rc" = 65 ] || fail "validate FIFO: exit $rc, expected 65"
grep -q "is not a regular file" "$T/err" || fail "validate FIFO: $(cat "$T/err")"
[ "$(grep -c . "$T/err")" = 1 ] || fail "more than one line: $(cat "$T/err")"
rc=0; timeout -k 5 10 "$HRDEX" -C "$S" publish --attach "$T/fifo.json" "$T/legit.json" 2>"$T/err" || rc=$?
[ "$rc" = 65 ] || fail "publish --attach FIFO: exit $rc, expected 65: $(cat "$T/err")"
mkdir -p "$T/docs/sub"
example_doc cli-a >"$T/docs/a.json"
ln -s "$S/keys/id_ed25519" "$T/docs/key.json"
ln -s "$S/keys" "$T/docs/sub/b.files"
example_doc cli-b >"$T/docs/sub/b.json"
ln -s "$S/keys" "$T/docs/linked"     # a folder reached through a link: not walked
rc=0; "$HRDEX" -C "$S" publish "$T/docs" >/dev/null 2>"$T/err" || rc=$?
[ "$rc" = 65 ] || fail "publish a folder with links: exit $rc, expected 65: $(cat "$T/err")"
grep -q "key.json.*symbolic link; not followed" "$T/err" || fail "key.json link not named: $(cat "$T/err")"
grep -q "b.files.*symbolic link" "$T/err" || fail "b.files link not named: $(cat "$T/err")"
grep -q "linked" "$T/err" && fail "a linked folder was walked: $(cat "$T/err")"
git --git-dir "$S/repo.git" log --all -p >"$T/history"
! grep -q -F -f "$T/key.lines" "$T/history" || fail "the private key is in a commit"
# A link the operator names is the operator's choice, and is followed.
ln -s "$T/docs/a.json" "$T/named-link.json"
"$HRDEX" -C "$S" publish "$T/named-link.json" >/dev/null 2>"$T/err" || fail "publish a named link: $(cat "$T/err")"
"$HRDEX" -C "$S" show ohchr/note/cli-a >/dev/null || fail "cli-a not published"

note "init keeps secrets private whatever the umask"
(umask 0000 && "$HRDEX" -C "$T/open" init --publisher open >/dev/null 2>&1) || fail "init under umask 0000"
[ "$(stat -c %a "$T/open/hrdex.conf")" = 600 ] || fail "hrdex.conf is $(stat -c %a "$T/open/hrdex.conf")"
[ "$(stat -c %a "$T/open/keys")" = 700 ] || fail "keys/ is $(stat -c %a "$T/open/keys")"
[ "$(stat -c %a "$T/open/keys/id_ed25519")" = 600 ] || fail "the key is $(stat -c %a "$T/open/keys/id_ed25519")"
w=$(find "$T/open" -perm /022 ! -type l | head -n3)
[ -z "$w" ] || fail "group- or world-writable after init: $w"
(umask 0000 && git config -f "$T/open/hrdex.conf" webhook.x.url https://example.org/hook &&
	git config -f "$T/open/hrdex.conf" webhook.x.secret s3cret &&
	"$HRDEX" -C "$T/open" peer add p "file://$T/achpr/repo.git" >/dev/null 2>&1) || fail "peer add"
[ "$(stat -c %a "$T/open/hrdex.conf")" = 600 ] || fail "hrdex.conf is $(stat -c %a "$T/open/hrdex.conf") after an edit"
echo "outbox boundary: ok"
