#!/bin/bash
# 104-sync-signature-tricks: commit objects written by hand (git hash-object
# --literally) whose signatures look right to a lenient parser: moved into the
# message, an extra " " header line, two gpgsig headers, another header
# beside gpgsig, namespace "file", a signature copied from another commit, a
# key past its valid-before; and commits signed right by the trusted key
# whose headers git fsck --strict refuses (two author lines, a malformed
# time zone, '<' in a name): rule "commit".  All rejected; a hand-made commit done right is
# accepted, so the crafting itself is not what fails.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/sync-lib.sh"

A=$T/agents/a B=$T/agents/b V=$T/agents/v O=$T/agents/o
mkagent "$A" achpr
mkagent "$B" iachr
mkagent "$V" ohchr
mkagent "$O" oldpub
trust "$V" "$A" "$B"
# oldpub's key was only valid until 2020
echo "oldpub namespaces=\"git\",valid-before=\"20200101\" $(cut -d' ' -f1-2 "$O/keys/id_ed25519.pub")" >>"$V/allowed_signers"
serve
for p in a b o; do "$HRDEX" -C "$V" peer add "$p" "$(url_of "$T/agents/$p")"; done
publish "$A" decision d1
t1=$(tip "$A" achpr)
publish "$B" report b1
sync_agent "$V" || fail "first sync failed"
expect_tip "$V" achpr "$t1" "round 0"
expect_tip "$V" iachr "$(tip "$B" iachr)" "round 0"

AK=$A/keys/id_ed25519
doc achpr decision x >"$T/x.json"
h0=$(hostile base "$A")
base=$(mkcommit "$h0" "$t1" none "base" "achpr/decision/x.json=$T/x.json")
GIT_DIR=$h0 git update-ref refs/heads/base "$base"
tree=$(GIT_DIR=$h0 git rev-parse "$base^{tree}")
now=$(date +%s)
payload() { # MESSAGE
	printf 'tree %s\nparent %s\nauthor achpr <achpr@hrdex> %s +0000\ncommitter achpr <achpr@hrdex> %s +0000\n\n%s\n' \
		"$tree" "$t1" "$now" "$now" "$1"
}
sshsig() { # NAMESPACE KEY < data
	ssh-keygen -q -Y sign -n "$1" -f "$2"
}
# header SIG : the signature as git writes a gpgsig header
header() { sed '1s/^/gpgsig /; 2,$s/^/ /'; }
# splice MESSAGE HEADERS : the payload with HEADERS inserted after committer
splice() {
	payload "$1" | awk -v h="$2" '{print} /^committer / && !done {printf "%s", h; done = 1}'
}
cases=()
offer() { # NAME RULE FILE : a peer whose achpr is the commit object in FILE
	local h id
	h=$(hostile "$1" "$A")
	GIT_DIR=$h git hash-object -w "$T/x.json" >/dev/null
	git -C "$h" fetch -q "$h0" refs/heads/base:refs/base
	id=$(GIT_DIR=$h git hash-object -t commit -w --literally "$3")
	GIT_DIR=$h git update-ref refs/heads/achpr "$id"
	cases+=("$1:$2")
}

payload "right" >"$T/p.right"
sig=$(sshsig git "$AK" <"$T/p.right")
splice "right" "$(header <<<"$sig")"$'\n' >"$T/right"

payload "moved" >"$T/p.moved"
sig=$(sshsig git "$AK" <"$T/p.moved")
{ payload "moved"; echo "$sig"; } >"$T/moved"
offer moved signature "$T/moved"

payload "extra" >"$T/p.extra"
sig=$(sshsig git "$AK" <"$T/p.extra")
splice "extra" "$(header <<<"$sig")"$'\n \n' >"$T/extra"
offer extraline signature "$T/extra"

payload "twice" >"$T/p.twice"
sig=$(sshsig git "$AK" <"$T/p.twice")
splice "twice" "$(header <<<"$sig")"$'\n'"$(header <<<"$sig")"$'\n' >"$T/twice"
offer twosigs commit "$T/twice"

payload "sha256" >"$T/p.sha256"
sig=$(sshsig git "$AK" <"$T/p.sha256")
splice "sha256" "$(header <<<"$sig")"$'\n'"$(header <<<"$sig" | sed '1s/^gpgsig /gpgsig-sha256 /')"$'\n' >"$T/sha256"
offer othersig commit "$T/sha256"

payload "file" >"$T/p.file"
sig=$(sshsig file "$AK" <"$T/p.file")
splice "file" "$(header <<<"$sig")"$'\n' >"$T/file"
offer namespace signature "$T/file"

# t1's own signature, on another payload
sig=$(GIT_DIR=$A/repo.git git cat-file commit "$t1" | sed -n '/^gpgsig /,/END SSH SIGNATURE/p' | sed '1s/^gpgsig //; s/^ //')
splice "copied" "$(header <<<"$sig")"$'\n' >"$T/copied"
offer copied signature "$T/copied"

# a commit signed by A's key carrying the committer line of another person
payload "relayed" | sed 's/^committer achpr/committer mallory/' >"$T/p.relay"
sig=$(sshsig git "$AK" <"$T/p.right")
payload "relayed" | sed 's/^committer achpr/committer mallory/' |
	awk -v h="$(header <<<"$sig")"$'\n' '{print} /^committer / && !done {printf "%s", h; done = 1}' >"$T/relay"
offer wrongpayload signature "$T/relay"

# Headers git fsck --strict refuses, in commits correctly signed by achpr's
# own (trusted) key: a relay cannot add them, but a careless or compromised
# publisher tool could, and every mirror of ours would then fail git fsck.
signed_as_is() { # PAYLOAD-FILE : that payload with A's signature after the committer
	local sig
	sig=$(sshsig git "$AK" <"$1")
	awk -v h="$(header <<<"$sig")"$'\n' '{print} /^committer / && !done {printf "%s", h; done = 1}' "$1"
}
payload "two authors" | sed 's/^\(author .*\)$/\1\nauthor mallory <m@x> '"$now"' +0000/' >"$T/p.authors"
signed_as_is "$T/p.authors" >"$T/authors"
offer twoauthors commit "$T/authors"
payload "bad zone" | sed 's/^\(author .*\) +0000$/\1 +00:00/' >"$T/p.zone"
signed_as_is "$T/p.zone" >"$T/zone"
offer badzone commit "$T/zone"
payload "angle" | sed 's/^author achpr </author ach<pr </' >"$T/p.angle"
signed_as_is "$T/p.angle" >"$T/angle"
offer anglename commit "$T/angle"
for f in authors zone angle; do
	grep -q '^gpgsig ' "$T/$f" || fail "crafting '$f' failed"
done
grep -c '^author ' "$T/authors" | grep -qx 2 || fail "crafting two authors failed"

note "oldpub signs now with a key valid only until 2020"
publish "$O" note late

for cr in "${cases[@]}"; do "$HRDEX" -C "$V" peer add "${cr%%:*}" "$(url_of "$T/agents/${cr%%:*}")"; done
publish "$B" report b2
expect_exit 1 sync_agent "$V" --json
expect_tip "$V" achpr "$t1" "no forged signature moved achpr"
expect_tip "$V" oldpub none "an expired key moved nothing"
expect_tip "$V" iachr "$(tip "$B" iachr)" "B moved in the same round"
for cr in "${cases[@]}"; do expect_peer_rule "${cr%%:*}" achpr "rejected ${cr#*:}"; done
expect_peer_rule o oldpub "rejected signature"

note "the same, made right, is accepted (and stock git agrees)"
for cr in "${cases[@]}"; do "$HRDEX" -C "$V" peer remove "${cr%%:*}"; done
"$HRDEX" -C "$V" peer remove o
offer right "" "$T/right"
"$HRDEX" -C "$V" peer add right "$(url_of "$T/agents/right")"
sync_agent "$V" --json || fail "the right commit was not accepted"
right=$(GIT_DIR=$T/agents/right/repo.git git rev-parse refs/heads/achpr)
expect_tip "$V" achpr "$right" "the hand-made commit"
GIT_DIR=$V/repo.git git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$V/allowed_signers" \
	verify-commit "$right" 2>/dev/null || fail "stock git does not verify the hand-made commit"
note "nothing git fsck --strict refuses reached repo.git"
git --git-dir "$V/repo.git" fsck --strict --no-dangling || fail "git fsck --strict fails on repo.git"
expect_exit 0 "$HRDEX" -C "$V" verify
echo ok
