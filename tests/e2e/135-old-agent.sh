#!/bin/bash
# 135-old-agent: a network upgrades one agent at a time (DESIGN.md, "Schema
# versions").  The agent as it was before schema version 2 (commit 7944603
# of this repository, built here from git's history) pulls a publisher
# whose branch mixes version-1 and version-2 documents: the branch moves,
# the version-1 documents are shown, the version-2 ones are held with a
# reason naming the version, and the branch is relayed unchanged to a third
# agent.  Then the same state directory is run by this build (the operator
# upgraded hrdex): the held documents are shown with no manual step.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"

OLD_COMMIT=7944603
OLD=$HRDEX_BUILD/old-agent-$OLD_COMMIT/hrdex
if [ ! -x "$OLD" ]; then
	note "building the version-1 agent of commit $OLD_COMMIT"
	git -C "$HRDEX_TOP" cat-file -e "$OLD_COMMIT^{commit}" 2>/dev/null ||
		fail "commit $OLD_COMMIT is not in this clone's history (a shallow clone?): clone with full history"
	src=$T/old-src
	mkdir -p "$src"
	git -C "$HRDEX_TOP" archive --format=tar "$OLD_COMMIT" | tar -x -C "$src" || fail "cannot extract $OLD_COMMIT"
	# Not the caller's make flags: this is a plain build of the old sources.
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$src" -j2 SANITIZE= BUILD=build/default build/default/hrdex \
		>"$T/old-build.log" 2>&1 || { tail -n 20 "$T/old-build.log" >&2; fail "cannot build the old agent"; }
	mkdir -p "$(dirname "$OLD")"
	cp "$src/build/default/hrdex" "$OLD.tmp" && mv "$OLD.tmp" "$OLD"
fi
"$OLD" validate --help 2>&1 | grep -q "schema version" && fail "the old agent already knows schema versions: wrong commit"

A=$T/agents/a V=$T/agents/v W=$T/agents/w
mkagent "$A" iachr
mkagent "$W" achpr
# The old agent makes its own state directory, as it did in the field.
(HRDEX=$OLD; mkagent "$V" ohchr)
(HRDEX=$OLD; trust "$V" "$A")
trust "$W" "$A"
serve
"$OLD" -C "$V" peer add a "$(url_of "$A")" >/dev/null
"$HRDEX" -C "$W" peer add v "$(url_of "$V")" >/dev/null

note "iachr (this build) publishes a version-1 and a version-2 document"
doc iachr note n1 >"$T/n1.json"
cat >"$T/n2.json" <<'EOF'
{
  "body": {
    "es": "La Comisión Interamericana de Derechos Humanos (CIDH) repudia el asesinato de la defensora de derechos humanos Berta Cáceres en Honduras."
  },
  "date": "2016-03-04",
  "id": "n2",
  "kind": "press-release",
  "publisher": "iachr",
  "schema": 2,
  "symbols": [
    "024/16"
  ],
  "title": {
    "es": "CIDH repudia asesinato de Berta Cáceres en Honduras"
  },
  "translations": {
    "es": "original"
  },
  "type": "note"
}
EOF
"$HRDEX" -C "$A" publish "$T/n1.json" "$T/n2.json" >"$T/pub.out" 2>&1 || fail "publish failed: $(cat "$T/pub.out")"
mixed=$(tip "$A" iachr)

note "the old agent moves the branch, shows n1 and holds n2"
(HRDEX=$OLD; sync_agent "$V") || fail "the old agent's sync failed"
expect_tip "$V" iachr "$mixed" "old agent"
"$OLD" -C "$V" query --publisher iachr --format refs >"$T/refs" || fail "old query failed"
[ "$(cat "$T/refs")" = iachr/note/n1 ] || fail "the old agent shows: $(cat "$T/refs")"
"$OLD" -C "$V" query --held --format table >"$T/held" || fail "old query --held failed"
grep -P '^iachr/note/n2\t.*schema version 2' "$T/held" >/dev/null || fail "n2 not held for its version: $(cat "$T/held")"
[ -f "$V/view/iachr/note/n1.json" ] || fail "view/ lacks n1"
[ -e "$V/view/iachr/note/n2.json" ] && fail "the old agent's view/ shows n2"

note "a third agent (this build) gets the branch through the old one, unchanged, and shows both"
sync_agent "$W" || fail "relay sync failed"
expect_tip "$W" iachr "$mixed" "relay through the old agent"
"$HRDEX" -C "$W" query --publisher iachr --format refs | sort >"$T/refs"
printf 'iachr/note/n1\niachr/note/n2\n' | diff - "$T/refs" || fail "the new agent does not show both"

note "the operator upgrades hrdex: the next sync shows n2 with no manual step"
sync_agent "$V" || fail "sync by this build on the old state failed"
"$HRDEX" -C "$V" query --held --format table >"$T/held" || fail "query --held failed"
[ -s "$T/held" ] && fail "still held after the upgrade: $(cat "$T/held")"
"$HRDEX" -C "$V" query --publisher iachr --format refs | sort >"$T/refs"
printf 'iachr/note/n1\niachr/note/n2\n' | diff - "$T/refs" || fail "n2 not shown after the upgrade"
[ -f "$V/view/iachr/note/n2.json" ] || fail "view/ lacks n2 after the upgrade"
g "$V" cat-file -e "main:iachr/note/n2.json" || fail "main lacks n2 after the upgrade"
"$HRDEX" -C "$V" query --text Cáceres --format refs | grep -qx iachr/note/n2 || fail "n2 not searchable"
"$HRDEX" -C "$V" verify >"$T/verify" 2>&1 || fail "verify failed: $(cat "$T/verify")"
note "ok"
