# registry-lib.sh - helpers for the registry scenarios (15N-*.sh); source
# lib.sh and sync-lib.sh first.  Agents live under $T/agents and reach each
# other by file:// URLs.

# mkregistry DIR PUB : the registry's agent (init --registry PUB, itself).
mkregistry() {
	"$HRDEX" -C "$1" init --publisher "$2" --registry "$2" >"$1.line" 2>/dev/null
}

# mkmember DIR PUB REGDIR : an agent that joined the registry at init.
mkmember() {
	"$HRDEX" -C "$1" init --publisher "$2" --registry "$(cat "$3.line")" \
		--registry-url "file://$3/repo.git" >"$1.line" 2>/dev/null
	git config -f "$1/hrdex.conf" sync.connectTimeout 5
	git config -f "$1/hrdex.conf" sync.timeout 20
}

# keyof DIR : "ssh-ed25519 BASE64" of an agent's key.
keyof() { cut -d' ' -f1,2 "$1/keys/id_ed25519.pub"; }

# member_doc REGPUB ID NAME KEY URL [REGION] : a member document on stdout.
member_doc() {
	jq -n --arg reg "$1" --arg id "$2" --arg name "$3" --arg key "$4" --arg url "$5" \
		--arg region "${6:-africa}" \
		'{schema: 2, type: "member", id: $id, publisher: $reg, date: "2026-12-06",
		  title: {en: $name, fr: ($name + " (fr)")}, kind: "commission", region: $region,
		  key: $key, urls: [$url], contact: {email: ("hrdex@" + $id + ".example.org")}}'
}

# admit REGDIR MEMBERDIR NAME : the registry publishes a member document for
# the agent MEMBERDIR with `hrdex publish`.
admit() {
	local id
	id=$(pubof "$2")
	member_doc "$(pubof "$1")" "$id" "$3" "$(keyof "$2")" "file://$2/repo.git" >"$T/member-$id.json"
	"$HRDEX" -C "$1" publish "$T/member-$id.json" >/dev/null
}

# note_doc PUB ID TITLE : a valid note.
note_doc() {
	jq -n --arg p "$1" --arg id "$2" --arg t "$3" \
		'{type: "note", id: $id, publisher: $p, title: {en: $t}, date: "2026-12-01", kind: "information"}'
}

# hnote DIR ID TITLE : publish a note with `hrdex publish`.
hnote() {
	note_doc "$(pubof "$1")" "$2" "$3" >"$T/note-$2.json"
	"$HRDEX" -C "$1" publish "$T/note-$2.json" >/dev/null
}
