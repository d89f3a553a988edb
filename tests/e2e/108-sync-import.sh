#!/bin/bash
# 108-sync-import: how checked objects reach repo.git.  A peer whose every
# branch passes has its fetched pack moved in whole; a peer that also offers
# a branch that fails, or sends objects no branch refers to, has only the
# objects that passed copied in.  Either way repo.git ends up with the
# accepted history and nothing else of the peer's, and a pack left half
# moved by a killed sync is cleared by the next command.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"

A=$T/agents/a B=$T/agents/b V=$T/agents/v E=$T/agents/e
mkagent "$A" achpr
mkagent "$B" iachr
mkagent "$V" ohchr
mkagent "$E" evil
trust "$V" "$A" "$B"
hostile_daemon_config # before the daemon starts; used in round 3 only
serve
"$HRDEX" -C "$V" peer add hub "git://127.0.0.1:$PORT/hub/repo.git"

publish "$A" decision d1
publish "$A" report r1
publish "$B" decision b1
packs() { find "$V/repo.git/objects/pack" -name 'pack-*.pack' | wc -l; }

note "round 1: every branch the hub offers passes: its pack is moved in"
h=$(hostile hub "$A")
git -C "$h" fetch -q "$B/repo.git" "refs/heads/iachr:refs/heads/iachr"
before=$(packs)
"$HRDEX" -v -C "$V" sync >"$T/out" 2>"$T/err" || { cat "$T/err"; fail "sync failed"; }
grep -q "moved the pack of peer 'hub'" "$T/err" || fail "the hub's pack was not moved in: $(grep sync: "$T/err")"
expect_tip "$V" achpr "$(tip "$A" achpr)" "round 1"
expect_tip "$V" iachr "$(tip "$B" iachr)" "round 1"
[ "$(packs)" -gt "$before" ] || fail "no new pack in repo.git"
GIT_DIR=$V/repo.git git fsck --strict --no-dangling >/dev/null 2>&1 || fail "repo.git is not consistent"
[ "$("$HRDEX" -C "$V" query --format refs | wc -l)" = 3 ] || fail "the cache should hold 3 documents"

note "round 2: the hub offers a good achpr and an unsigned iachr: only achpr's objects come in"
publish "$A" decision d2
git -C "$h" fetch -q "$A/repo.git" "+refs/heads/achpr:refs/heads/achpr"
doc iachr decision bad >"$T/bad.json"
bad=$(mkcommit "$h" "$(tip "$B" iachr)" none "unsigned" "iachr/decision/bad.json=$T/bad.json")
GIT_DIR=$h git update-ref refs/heads/iachr "$bad"
badblob=$(GIT_DIR=$h git rev-parse "$bad:iachr/decision/bad.json")
rc=0
"$HRDEX" -v -C "$V" sync >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 1 ] || fail "a sync with a rejected branch should exit 1, not $rc"
grep -q "copied [0-9]* checked objects of peer 'hub'" "$T/err" || fail "expected a copy: $(grep sync: "$T/err")"
expect_tip "$V" achpr "$(tip "$A" achpr)" "round 2"
expect_tip "$V" iachr "$(tip "$B" iachr)" "round 2 (rejected)"
for o in "$bad" "$badblob"; do
	GIT_DIR=$V/repo.git git cat-file -e "$o" 2>/dev/null && fail "object $o of the rejected branch reached repo.git"
done
GIT_DIR=$V/repo.git git fsck --strict --no-dangling >/dev/null 2>&1 || fail "repo.git is not consistent"

note "round 3: objects no branch refers to are not moved in with the pack"
GIT_DIR=$h git update-ref refs/heads/iachr "$(tip "$B" iachr)"
publish "$A" decision d3
git -C "$h" fetch -q "$A/repo.git" "+refs/heads/achpr:refs/heads/achpr"
stray=$(echo "not a document" | GIT_DIR=$h git hash-object -w --stdin)
# The daemon sends a pack of what was asked for plus the stray blob.
want=$(GIT_DIR=$h git rev-list --objects "$(tip "$A" achpr)" --not "$(tip "$V" achpr)" | cut -d' ' -f1)
# shellcheck disable=SC2086
serve_pack "$h" $want "$stray"
"$HRDEX" -v -C "$V" sync >"$T/out" 2>"$T/err" || { cat "$T/err"; fail "round 3 sync failed"; }
expect_tip "$V" achpr "$(tip "$A" achpr)" "round 3"
grep -q "copied [0-9]* checked objects of peer 'hub'" "$T/err" || fail "expected a copy: $(grep sync: "$T/err")"
GIT_DIR=$V/repo.git git cat-file -e "$stray" 2>/dev/null && fail "an object no branch refers to reached repo.git"
rm -f "$h/hostile.pack"

note "a pack half moved in (its .idx not yet) is removed under the next lock"
fake=$V/repo.git/objects/pack/pack-0123456789abcdef0123456789abcdef01234567.pack
echo junk >"$fake"
"$HRDEX" -C "$V" sync >/dev/null 2>"$T/err" || { cat "$T/err"; fail "sync after a half-moved pack failed"; }
[ ! -e "$fake" ] || fail "the lone .pack was left in repo.git"
GIT_DIR=$V/repo.git git fsck --strict --no-dangling >/dev/null 2>&1 || fail "repo.git is not consistent"
echo "ok"
