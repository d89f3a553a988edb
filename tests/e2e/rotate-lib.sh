# rotate-lib.sh - helpers for the key rotation scenarios (140-144); source
# after lib.sh and sync-lib.sh.

# keydoc PUB N PUBFILE PREVPUBFILE : a key document naming the key of
# PUBFILE as key N of PUB, replacing the key of PREVPUBFILE, on stdout.
keydoc() {
	printf '{\n  "date": "2026-12-06",\n  "id": "%s",\n  "key": "%s",\n  "previous": "%s",\n  "publisher": "%s",\n  "schema": 2,\n  "title": {\n    "en": "Signing key %s of %s"\n  },\n  "type": "key"\n}\n' \
		"$2" "$(cut -d' ' -f1,2 "$3")" "$(ssh-keygen -lf "$4" | cut -d' ' -f2)" "$1" "$2" "$1"
}

# newkey NAME : a fresh ssh-keygen key pair $T/NAME (and $T/NAME.pub).
newkey() {
	ssh-keygen -q -t ed25519 -N '' -C "$1" -f "$T/$1" || fail "ssh-keygen failed"
}

# verify_stock DIR BRANCH... : stock git verify-commit, with DIR's
# allowed_signers, passes on every commit of the branches.
verify_stock() {
	local dir=$1 c
	shift
	for c in $(g "$dir" rev-list "${@/#/refs/heads/}"); do
		GIT_DIR=$dir/repo.git git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$dir/allowed_signers" \
			verify-commit "$c" 2>/dev/null || fail "$(basename "$dir"): stock git verify-commit fails on $c"
	done
}

# expect_reason PEER PUB TEXT : the last sync --json refused PUB from PEER
# with a reason containing TEXT.
expect_reason() {
	jq -r --arg p "$1" --arg b "$2" '.peers[] | select(.name == $p) | .branches[] | select(.publisher == $b) | .reason' \
		"$T/last-sync.out" | grep -qF -- "$3" ||
		fail "peer $1, '$2': no reason with '$3': $(cat "$T/last-sync.out")"
}
