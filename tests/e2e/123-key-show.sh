#!/bin/bash
# 123-key-show: `hrdex key show` prints the public key line and its
# fingerprint exactly as `ssh-keygen -lf` prints it, for the key `init`
# made and for keys made by ssh-keygen (a comment with spaces, no comment);
# --json carries the same; usage errors exit 64.
. "$(dirname "$0")/lib.sh"

S=$T/s
"$HRDEX" -C "$S" init --publisher achpr >/dev/null 2>&1
check() { # what
	"$HRDEX" -C "$S" key show >"$T/out" 2>"$T/err" || fail "$1: key show failed: $(cat "$T/err")"
	# the line as the .pub file has it (less the trailing blank ssh-keygen -C '' leaves)
	[ "$(sed -n 1p "$T/out")" = "$(sed 's/ *$//' "$S/keys/id_ed25519.pub")" ] ||
		fail "$1: the key line differs: $(sed -n 1p "$T/out") vs $(cat "$S/keys/id_ed25519.pub")"
	[ "$(sed -n 2p "$T/out")" = "$(ssh-keygen -lf "$S/keys/id_ed25519.pub")" ] ||
		fail "$1: the fingerprint line differs from ssh-keygen's: '$(sed -n 2p "$T/out")' vs '$(ssh-keygen -lf "$S/keys/id_ed25519.pub")'"
	[ "$(wc -l <"$T/out")" = 2 ] || fail "$1: not two lines: $(cat "$T/out")"
	"$HRDEX" -C "$S" key show --json >"$T/json" || fail "$1: key show --json failed"
	[ "$(jq -r .fingerprint "$T/json")" = "$(ssh-keygen -lf "$S/keys/id_ed25519.pub" | cut -d' ' -f2)" ] ||
		fail "$1: --json fingerprint differs: $(cat "$T/json")"
	[ "$(jq -r .publisher "$T/json")" = achpr ] || fail "$1: --json publisher: $(cat "$T/json")"
}
check "init's key"
rm -f "$S/keys/id_ed25519" "$S/keys/id_ed25519.pub"
ssh-keygen -q -t ed25519 -N '' -C 'Secretariat of the ACHPR, Banjul' -f "$S/keys/id_ed25519"
check "an ssh-keygen key with a comment"
rm -f "$S/keys/id_ed25519" "$S/keys/id_ed25519.pub"
ssh-keygen -q -t ed25519 -N '' -C '' -f "$S/keys/id_ed25519"
check "an ssh-keygen key without a comment"
note "without the .pub file, the private key gives the same fingerprint"
want=$(ssh-keygen -lf "$S/keys/id_ed25519" | cut -d' ' -f1,2)
rm -f "$S/keys/id_ed25519.pub"
[ "$("$HRDEX" -C "$S" key show | sed -n 2p | cut -d' ' -f1,2)" = "$want" ] || fail "from the private key: $("$HRDEX" -C "$S" key show)"
expect_exit 64 "$HRDEX" -C "$S" key 2>/dev/null
expect_exit 64 "$HRDEX" -C "$S" key show extra 2>/dev/null
expect_exit 64 "$HRDEX" -C "$S" key frobnicate 2>/dev/null
"$HRDEX" key --help | grep -q "ssh-keygen -lf" || fail "--help does not say what it prints"
echo ok
