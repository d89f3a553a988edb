# revoke-lib.sh - the network of the revocation scenarios (17N-*.sh); source
# lib.sh and sync-lib.sh first.  The registry ohchr admits achpr (A),
# iachr (B) and aichr (V, the agent under test); V joined the registry at
# init and takes achpr and iachr from their own agents by file:// URLs.

A=$T/agents/achpr B=$T/agents/iachr R=$T/agents/ohchr V=$T/agents/aichr
mkdir -p "$T/agents"

# rv_keyof DIR : "ssh-ed25519 BASE64" of an agent's key.
rv_keyof() { cut -d' ' -f1,2 "$1/keys/id_ed25519.pub"; }

# rv_fp FILE.pub : its SHA256: fingerprint.
rv_fp() { ssh-keygen -lf "$1" | cut -d' ' -f2; }

# rv_member ID NAME KEY [REVOCATIONS-JSON] [PUBLISHER] : a member document on stdout.
rv_member() {
	jq -n --arg id "$1" --arg name "$2" --arg key "$3" --argjson rv "${4:-null}" --arg reg "${5:-ohchr}" \
		--arg url "file://$T/agents/$1/repo.git" \
		'{schema: 2, type: "member", id: $id, publisher: $reg, date: "2026-12-06",
		  title: {en: $name}, kind: "commission", region: "africa", key: $key, urls: [$url]}
		 + (if $rv == null then {} else {revocations: $rv} end)'
}

# rv_revocation OLDFP RESET_TO NEXTKEY : one revocations entry (a JSON array).
rv_revocation() {
	jq -n --arg k "$1" --arg c "$2" --arg n "$3" '[{key: $k, reset_to: $c, next_key: $n, date: "2026-12-06"}]'
}

# rv_network : the four agents, achpr and iachr admitted, V synced once
# with d1 of achpr and r1 of iachr.
rv_network() {
	"$HRDEX" -C "$R" init --publisher ohchr --registry ohchr >"$R.line" 2>/dev/null || fail "init ohchr"
	for d in "$A:achpr" "$B:iachr" "$V:aichr"; do
		"$HRDEX" -C "${d%%:*}" init --publisher "${d#*:}" --registry "$(cat "$R.line")" \
			--registry-url "file://$R/repo.git" >/dev/null 2>&1 || fail "init ${d#*:}"
		git config -f "${d%%:*}/hrdex.conf" sync.connectTimeout 5
		git config -f "${d%%:*}/hrdex.conf" sync.timeout 20
	done
	rv_member achpr "African Commission on Human and Peoples' Rights" "$(rv_keyof "$A")" >"$T/m-achpr.json"
	rv_member iachr "Inter-American Commission on Human Rights" "$(rv_keyof "$B")" >"$T/m-iachr.json"
	"$HRDEX" -C "$R" publish "$T/m-achpr.json" "$T/m-iachr.json" >/dev/null || fail "the registry cannot publish members"
	"$HRDEX" -C "$V" peer add a "file://$A/repo.git" >/dev/null
	"$HRDEX" -C "$V" peer add b "file://$B/repo.git" >/dev/null
	sync_agent "$V" 2>/dev/null || fail "V's first sync (the registry) failed"
	publish "$A" decision d1
	publish "$B" report r1
	sync_agent "$V" 2>/dev/null || fail "V's second sync failed"
	expect_tip "$V" achpr "$(tip "$A" achpr)" "achpr at V (trusted through the registry)"
	expect_tip "$V" iachr "$(tip "$B" iachr)" "iachr at V (trusted through the registry)"
}

# rv_revoke RESET_TO NEWKEYFILE : the registry publishes achpr's member
# document again with a revocation of achpr's first key.
rv_revoke() {
	rv_member achpr "African Commission on Human and Peoples' Rights" "$(rv_keyof "$A")" \
		"$(rv_revocation "$(rv_fp "$A/keys/id_ed25519.pub")" "$1" "$(cut -d' ' -f1,2 "$2.pub")")" >"$T/m-achpr.json"
	"$HRDEX" -C "$R" publish "$T/m-achpr.json" >/dev/null || fail "the registry cannot publish the revocation"
}
