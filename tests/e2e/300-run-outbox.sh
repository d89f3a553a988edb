#!/bin/bash
# hrdex run: outbox files are published (one commit per pass) and moved to
# done/, invalid ones to rejected/ with NAME.error; incomplete files wait;
# status.json and metrics.prom are written and parse; hrdex status and
# config check say the right thing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/service.sh"
S="$T/ohchr"
new_agent "$S" ohchr
git config -f "$S/hrdex.conf" outbox.settle 2
O="$S/outbox"

note "config check"
"$HRDEX" -C "$S" config check | grep -qx "configuration OK" || fail "config check not OK"
cp "$S/hrdex.conf" "$T/bad.conf"
git config -f "$T/bad.conf" sync.intervall 5
rc=0; "$HRDEX" -C "$S" config check -f "$T/bad.conf" 2>"$T/err" || rc=$?
[ "$rc" -eq 78 ] || fail "bad config: exit $rc, expected 78"
grep -q "sync.intervall: unknown key" "$T/err" || fail "bad key not named: $(cat "$T/err")"
git config -f "$T/bad.conf" --unset sync.intervall
git config -f "$T/bad.conf" outbox.batch 0
expect_exit 78 "$HRDEX" -C "$S" config check -f "$T/bad.conf" 2>"$T/err"
grep -q "outbox.batch: 0 is out of range" "$T/err" || fail "bound not named: $(cat "$T/err")"
git config -f "$T/bad.conf" outbox.batch 10
git config -f "$T/bad.conf" webhook.x.url ftp://example.org/
expect_exit 78 "$HRDEX" -C "$S" config check -f "$T/bad.conf" 2>"$T/err"
grep -q "webhook.x.url" "$T/err" || fail "bad webhook URL not named: $(cat "$T/err")"

note "drop files: good, bad, attachments, incomplete ones"
cp "$top"/schemas/examples/ohchr-*.json "$O/"
n_examples=$(ls "$top"/schemas/examples/ohchr-*.json | wc -l)
example_doc with-files >"$O/att.json"
mkdir "$O/att.files" && printf 'annex\n' >"$O/att.files/annex.txt"
echo '{"id": "x", "type": "note"' >"$O/broken.json"
jq '.date = "yesterday"' "$top/schemas/examples/ohchr-report-a-hrc-32-20.json" | jq '.id = "bad-date"' >"$O/bad-date.json"
example_doc tmp-doc >"$O/tmp-doc.json.tmp"    # still being written: not taken
example_doc dot-doc >"$O/.dot-doc.json"       # a dotfile: not taken
touch -d '1 minute ago' "$O"/*.json "$O/att.files" "$O/att.files/annex.txt"
example_doc young >"$O/young.json"           # younger than outbox.settle: waits
"$HRDEX" -C "$S" run --once 2>"$T/log1" || fail "run --once failed: $(cat "$T/log1")"
cat "$T/log1"
[ "$(ls "$O/done" | grep -c '\.json$')" -eq $((n_examples + 1)) ] || fail "done/: $(ls "$O/done")"
[ -f "$O/done/att.files/annex.txt" ] || fail "att.files not moved with att.json"
[ -f "$O/rejected/broken.json" ] && [ -f "$O/rejected/broken.error" ] || fail "broken.json not rejected"
[ -f "$O/rejected/bad-date.json" ] && grep -q "^bad-date.json: /date: " "$O/rejected/bad-date.error" ||
	fail "bad-date error: $(cat "$O/rejected/bad-date.error" 2>&1)"
grep -q "^broken.json: " "$O/rejected/broken.error" || fail "broken.error: $(cat "$O/rejected/broken.error")"
for f in tmp-doc.json.tmp .dot-doc.json young.json; do
	[ -f "$O/$f" ] || fail "$f was taken"
done
[ "$(git --git-dir "$S/repo.git" rev-list --count ohchr)" -eq 1 ] || fail "not one commit per pass"
"$HRDEX" -C "$S" show ohchr/note/with-files | jq -e '.attachments[0].name == "annex.txt"' >/dev/null ||
	fail "attachment not published"
grep -q "outbox: published $((n_examples + 1)) files as commit" "$T/log1" || fail "no publish log line"
grep -q "^$STAMP warning: outbox: rejected 'broken.json'" "$T/log1" || fail "no reject log line"

note "status.json and metrics.prom"
jq -e '.version == 1 and .publisher == "ohchr" and (.publishers[0].documents > 0) and
	.counters.outboxDone == '$((n_examples + 1))' and .counters.outboxRejected == 2 and
	.outbox.pending == 1' "$S/status.json" >/dev/null || fail "status.json: $(cat "$S/status.json")"
check_metrics "$S/metrics.prom"
grep -q '^hrdex_outbox_processed_total{result="done"} '$((n_examples + 1))'$' "$S/metrics.prom" ||
	fail "metrics: $(grep outbox "$S/metrics.prom")"
grep -q '^hrdex_publisher_documents{publisher="ohchr"} '$((n_examples + 1))'$' "$S/metrics.prom" ||
	fail "publisher gauge missing"
"$HRDEX" -C "$S" status >"$T/status" || fail "status unhealthy: $(cat "$T/status")"
grep -q "^ohchr: healthy" "$T/status" || fail "status: $(cat "$T/status")"
"$HRDEX" -C "$S" status --json | jq -e '.healthy == true and .problems == []' >/dev/null || fail "status --json"
grep -qx "cache: $((n_examples + 1)) documents, up to date" "$T/status" || fail "no cache line: $(cat "$T/status")"
"$HRDEX" -C "$S" status --json | jq -e ".cache == {\"documents\": $((n_examples + 1)), \"behind\": 0, \"held\": 0, \"first_held\": []}" >/dev/null ||
	fail "status --json cache: $("$HRDEX" -C "$S" status --json | jq -c .cache)"

note "status: a cache behind the branches is reported; one that cannot be read is a problem"
tip=$(git --git-dir "$S/repo.git" rev-parse refs/heads/ohchr)
moved=$(GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@x GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@x \
	git --git-dir "$S/repo.git" commit-tree "$tip^{tree}" -p "$tip" -m "moved")
git --git-dir "$S/repo.git" update-ref refs/heads/ohchr "$moved"
# as if a publish were under way: it holds the lock, and catches up before it ends
flock "$S/lock" "$HRDEX" -C "$S" status >"$T/status" ||
	fail "a cache behind while a command runs is not a health problem: $(cat "$T/status")"
grep -q "^cache: $((n_examples + 1)) documents, behind on 1 branch ('ohchr')" "$T/status" || fail "$(cat "$T/status")"
# nothing under way: nothing catches up, scripts get stale rows (issue 15 item 7)
rc=0; "$HRDEX" -C "$S" status >"$T/status" || rc=$?
[ "$rc" -eq 2 ] || fail "a cache behind with no command running: exit $rc, expected 2: $(cat "$T/status")"
grep -q "problem: the cache is behind 1 branch ('ohchr') and no command is catching up" "$T/status" ||
	fail "$(cat "$T/status")"
git --git-dir "$S/repo.git" update-ref refs/heads/ohchr "$tip"
mv "$S/cache.db" "$T/cache.db.saved"
rc=0; "$HRDEX" -C "$S" status >"$T/status" || rc=$?
[ "$rc" -eq 2 ] || fail "no cache: exit $rc, expected 2: $(cat "$T/status")"
grep -q "problem: the cache cannot be read" "$T/status" || fail "$(cat "$T/status")"
mv "$T/cache.db.saved" "$S/cache.db"

note "the young file goes on the next pass; the same name again gets a suffix"
sleep 2
cp "$top/schemas/examples/ohchr-report-a-hrc-32-20.json" "$O/"
jq '.summary = {en: "Revised."}' "$top/schemas/examples/ohchr-report-a-hrc-32-20.json" >"$O/ohchr-report-a-hrc-32-20.json"
touch -d '1 minute ago' "$O/ohchr-report-a-hrc-32-20.json"
"$HRDEX" -C "$S" run --once 2>"$T/log2" || fail "second pass: $(cat "$T/log2")"
[ -f "$O/done/young.json" ] || fail "young.json not published on the second pass"
[ -f "$O/done/ohchr-report-a-hrc-32-20~1.json" ] || fail "no suffix: $(ls "$O/done")"
"$HRDEX" -C "$S" show ohchr/report/a-hrc-32-20 | jq -e '.summary.en == "Revised."' >/dev/null || fail "not updated"
[ "$(git --git-dir "$S/repo.git" rev-list --count ohchr)" -eq 2 ] || fail "second pass: not one commit"

note "the same content again: moved, no commit"
cp "$O/done/young.json" "$O/again.json"
touch -d '1 minute ago' "$O/again.json"
"$HRDEX" -C "$S" run --once 2>"$T/log3"
[ -f "$O/done/again.json" ] || fail "again.json not moved"
[ "$(git --git-dir "$S/repo.git" rev-list --count ohchr)" -eq 2 ] || fail "unchanged content made a commit"
grep -q "already published" "$T/log3" || fail "log: $(cat "$T/log3")"

note "two files with one ref in a pass: first by name now, the other next"
example_doc twice "First" >"$O/a-twice.json"
example_doc twice "Second" >"$O/b-twice.json"
touch -d '1 minute ago' "$O/a-twice.json" "$O/b-twice.json"
"$HRDEX" -C "$S" run --once 2>/dev/null
[ -f "$O/done/a-twice.json" ] && [ -f "$O/b-twice.json" ] || fail "duplicate ref: $(ls "$O" "$O/done")"
"$HRDEX" -C "$S" run --once 2>/dev/null
[ -f "$O/done/b-twice.json" ] || fail "the second of a ref pair was not published"
"$HRDEX" -C "$S" show ohchr/note/twice | jq -e '.title.en == "Second"' >/dev/null || fail "last written did not win"
[ ! -e "$S/outbox.journal" ] && [ ! -e "$O/.journal" ] || fail "journal left behind"

note "run --once says so when the outbox step itself fails, and the next pass recovers"
mv "$O/done" "$T/done.saved" && echo "not a folder" >"$O/done"
example_doc stuck >"$O/stuck.json"
touch -d '1 minute ago' "$O/stuck.json"
rc=0; "$HRDEX" -C "$S" run --once 2>"$T/log4" || rc=$?
[ "$rc" = 74 ] || fail "a failed outbox step: exit $rc, expected 74 ($(cat "$T/log4"))"
grep -q "outbox: cannot move" "$T/log4" || fail "the failure is not logged: $(cat "$T/log4")"
rm "$O/done" && mv "$T/done.saved" "$O/done"
"$HRDEX" -C "$S" run --once 2>"$T/log5" || fail "the pass after: $(cat "$T/log5")"
[ -f "$O/done/stuck.json" ] && [ ! -e "$O/stuck.json" ] || fail "stuck.json not moved on the next pass"
"$HRDEX" -C "$S" show ohchr/note/stuck >/dev/null || fail "stuck.json not published"
git --git-dir "$S/repo.git" fsck --strict --no-dangling 2>"$T/fsck" || fail "fsck: $(cat "$T/fsck")"
echo "run outbox: ok"
