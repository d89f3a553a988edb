#!/bin/bash
# The outbox across crashes: a batch of 500 files (some invalid, some with
# attachments), `hrdex run` killed with SIGKILL at random moments several
# times, and once exactly between recording the moves and making them; after
# a restart nothing is lost or duplicated: every file is in done/ or
# rejected/ under its own name, every valid document is on the branch once
# and never rewritten, and git fsck --strict is clean.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/service.sh"
S="$T/ohchr"
O="$S/outbox"
new_agent "$S" ohchr
N=500

note "drop $N files"
mkdir "$T/drop"
example_doc x | jq -c --argjson n "$N" 'range($n) as $i | .id = "doc-\($i)" | .title.en = "Document \($i)" |
	if $i % 25 == 7 then .date = "not a date" else . end' |
	awk -v d="$T/drop" '{ f = sprintf("%s/doc-%03d.json", d, NR - 1); print > f; close(f) }'
for i in 0 50 100 150 200; do
	mkdir "$T/drop/doc-$(printf %03d $i).files"
	printf 'annex %d\n' "$i" >"$T/drop/doc-$(printf %03d $i).files/annex.txt"
done
# The documented convention: attachments first, then each .json by rename.
mv "$T"/drop/*.files "$O/"
for f in "$T"/drop/*.json; do mv "$f" "$O/"; done
invalid=$(seq 0 $((N - 1)) | awk '$1 % 25 == 7' | wc -l)
valid=$((N - invalid))

count() { ls "$1" | grep -c "$2" || true; }
# the branch's commit, or "none": on a loaded machine every kill below may
# land before the first commit
branch_tip() { git --git-dir "$S/repo.git" rev-parse -q --verify refs/heads/ohchr || echo none; }
note "kill -9 at random moments"
kills=0
# A pass over the whole batch takes one to a few seconds (loading, the
# commit, view/, fsyncs); kill within the first half second, up to 8 times.
for round in 1 2 3 4 5 6 7 8; do
	compgen -G "$O/*.json" >/dev/null || break
	start_run "$S" "$T/run-$round.log"
	sleep "0.$((RANDOM % 5))$((RANDOM % 10))"
	kill -KILL "$RUN_PID" 2>/dev/null && kills=$((kills + 1))
	wait "$RUN_PID" 2>/dev/null || true
	note "round $round: $(count "$O/done" '[.]json$') done$([ -f "$S/outbox.journal" ] && echo ', journal present')"
done
note "$kills kills; $(count "$O/done" '[.]json$') done, $(count "$O/rejected" '[.]json$') rejected so far"

note "a crash right after the commit, and one between the journal and the moves"
for at in commit moves; do
	example_doc "late-$at" >"$T/late-$at.json"; mv "$T/late-$at.json" "$O/"
	tip=$(branch_tip)
	rc=0; HRDEX_TEST_OUTBOX_CRASH=$at "$HRDEX" -C "$S" run --once 2>/dev/null || rc=$?
	[ "$rc" -eq 99 ] || fail "crash point '$at' not reached (exit $rc)"
	[ -f "$O/late-$at.json" ] || fail "$at: file moved before the crash point"
	[ "$(branch_tip)" != "$tip" ] || fail "$at: no commit before the crash"
	[ "$at" = commit ] && [ -e "$S/outbox.journal" ] && fail "commit: journal written too early"
	[ "$at" = moves ] && { [ -f "$S/outbox.journal" ] || fail "moves: no journal"; [ ! -e "$O/.journal" ] || fail "moves: journal in outbox/"; }
	tip=$(branch_tip)
	"$HRDEX" -C "$S" run --once 2>>"$T/final.log" || fail "restart after '$at': $(tail -n3 "$T/final.log")"
	[ -f "$O/done/late-$at.json" ] || fail "$at: not moved after the restart"
	[ "$(branch_tip)" = "$tip" ] || fail "$at: published twice"
done
grep -q "finishing .* move" "$T/final.log" || fail "journal not replayed"
valid=$((valid + 2))

# A kill while the journal or an .error is being written leaves its ".lock"
# (written aside, then renamed): the next pass must clear it, not fail on
# it (the crash harness met this with seed 654035988: run --once exited 75).
note "a crash while writing the journal and an .error"
example_doc late-lock >"$T/late-lock.json"; mv "$T/late-lock.json" "$O/"
example_doc late-bad | jq '.date = "not a date"' >"$T/late-bad.json"; mv "$T/late-bad.json" "$O/"
printf 'late-lock.json\tdone/late-lo' >"$S/outbox.journal.lock"
printf 'late-bad.json: /da' >"$O/rejected/late-bad.error.lock"
"$HRDEX" -C "$S" run --once 2>"$T/lock.log" || fail "run --once after a kill mid-write: $(tail -n3 "$T/lock.log")"
grep -q 'error:' "$T/lock.log" && fail "the pass after a kill mid-write failed: $(grep 'error:' "$T/lock.log")"
[ -f "$O/done/late-lock.json" ] || fail "late-lock.json not published after a kill mid-write"
[ -f "$O/rejected/late-bad.error" ] || fail "late-bad.json has no .error after a kill mid-write"
[ ! -e "$S/outbox.journal.lock" ] && [ ! -e "$O/rejected/late-bad.error.lock" ] || fail "stale lock files left: $(ls -a "$S" "$O/rejected" | grep '\.lock$')"
valid=$((valid + 1)) invalid=$((invalid + 1))

note "restart until the outbox is empty"
for round in 1 2 3; do
	"$HRDEX" -C "$S" run --once 2>>"$T/final.log" || fail "run --once: $(tail -n3 "$T/final.log")"
	compgen -G "$O/*.json" >/dev/null || break
done

note "nothing lost, nothing twice"
[ ! -e "$S/outbox.journal" ] || fail "journal left"
! compgen -G "$O/*.json" >/dev/null || fail "files left in the outbox: $(ls "$O")"
! compgen -G "$O/*.files" >/dev/null || fail "attachment folders left in the outbox: $(ls "$O")"
(ls "$O/done"; ls "$O/rejected") | grep '\.json$' | sort >"$T/moved"
(seq 0 $((N - 1)) | awk '{ printf "doc-%03d.json\n", $1 }'; printf 'late-%s.json\n' commit moves lock bad) | sort >"$T/expected"
diff "$T/expected" "$T/moved" >"$T/diff" || fail "moved files differ from dropped ones: $(head "$T/diff")"
[ "$(ls "$O/rejected" | grep -c '\.json$')" -eq "$invalid" ] || fail "rejected: $(ls "$O/rejected" | grep -c json), expected $invalid"
[ "$(ls "$O/rejected" | grep -c '\.error$')" -eq "$invalid" ] || fail "missing .error files"
for i in 0 50 100 150 200; do
	[ -f "$O/done/doc-$(printf %03d $i).files/annex.txt" ] || fail "doc-$i.files not beside its document"
done
git --git-dir "$S/repo.git" ls-tree -r --name-only ohchr | grep '\.json$' | sort >"$T/tree"
[ "$(wc -l <"$T/tree")" -eq "$valid" ] || fail "$(wc -l <"$T/tree") documents on the branch, expected $valid"
[ "$(git --git-dir "$S/repo.git" ls-tree -r --name-only ohchr | grep -c '\.files/annex.txt$')" -eq 5 ] ||
	fail "attachments missing on the branch"
git --git-dir "$S/repo.git" log --format= --name-status ohchr | awk '$1 != "A"' >"$T/rewrites"
[ ! -s "$T/rewrites" ] || fail "documents rewritten or removed: $(head -n3 "$T/rewrites")"
git --git-dir "$S/repo.git" fsck --strict --no-dangling 2>"$T/fsck" || fail "fsck: $(cat "$T/fsck")"
jq -e . "$S/status.json" >/dev/null || fail "status.json does not parse"
echo "outbox crash: ok ($kills kills)"
