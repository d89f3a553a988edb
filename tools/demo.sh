#!/bin/bash
# demo.sh HRDEX - the main job on an embedded default: three agents on
# loopback, served by git daemon.  ohchr is the network's registry: it
# admits achpr and iachr with one member document each, and the two find
# and trust each other with no 'trust add' or 'peer add'; each publishes
# its example documents and 'hrdex run --once' syncs them until all
# converge; achpr rotates its key; the registry publishes a new type and a
# vocabulary, which iachr uses and the others apply; stock git
# verify-commit then passes on every commit of every branch on every agent;
# a query.  Leaves nothing running; the folder is kept for browsing.
set -euo pipefail
HRDEX=$(realpath "${1:?usage: tools/demo.sh HRDEX}")
top=$(cd "$(dirname "$0")/.." && pwd)
D=${HRDEX_DEMO_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/hrdex-demo.XXXXXX")}
export HOME="$D/home" GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
daemon=
trap '[ -n "$daemon" ] && kill "$daemon" 2>/dev/null; wait 2>/dev/null || true' EXIT

say() { printf '\n== %s\n' "$*"; }

declare -A NAME=(
	[ohchr]="Office of the United Nations High Commissioner for Human Rights"
	[achpr]="African Commission on Human and Peoples' Rights"
	[iachr]="Inter-American Commission on Human Rights"
)
agents="ohchr achpr iachr"

port=${HRDEX_DEMO_PORT:-$((20000 + RANDOM % 20000))}
url() { echo "git://127.0.0.1:$port/$1.git"; }

say "three agents in $D; ohchr is the network's registry"
"$HRDEX" -C "$D/ohchr" init --publisher ohchr --name "${NAME[ohchr]}" --registry ohchr >"$D/ohchr.signer" 2>/dev/null
echo "ohchr: $(cut -c1-60 "$D/ohchr.signer")..."
for a in achpr iachr; do
	# Joining is one step: the registry's line (its fingerprint checked on
	# the phone) and where its branch is fetched.
	"$HRDEX" -C "$D/$a" init --publisher "$a" --registry "$(cat "$D/ohchr.signer")" \
		--registry-url "$(url ohchr)" >"$D/$a.signer" 2>/dev/null
	git config -f "$D/$a/hrdex.conf" network.autoPeers true
	echo "$a: $(cut -c1-60 "$D/$a.signer")... (joined the registry ohchr)"
done

say "git daemon serves the three repositories on 127.0.0.1:$port"
mkdir -p "$D/srv"
for a in $agents; do ln -s "$D/$a/repo.git" "$D/srv/$a.git"; done
"$(git --exec-path)/git-daemon" --reuseaddr --listen=127.0.0.1 --port="$port" --base-path="$D/srv" --export-all \
	"$D/srv" 2>"$D/daemon.log" &
daemon=$!
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done

say "the registry admits achpr and iachr: one member document each (plain 'hrdex publish')"
member() { # ID KEY-LINE NAMES-JSON
	jq -n --arg id "$1" --arg key "$(cut -d' ' -f3,4 <<<"$2")" --argjson title "$3" --arg url "$(url "$1")" \
		'{schema: 2, type: "member", id: $id, publisher: "ohchr", date: "2026-12-06", title: $title,
		  kind: "commission", region: (if $id == "achpr" then "africa" else "americas" end),
		  key: $key, urls: [$url], contact: {email: ("hrdex@" + $id + ".example.org")}}'
}
member achpr "$(cat "$D/achpr.signer")" '{
	"en": "African Commission on Human and Peoples'"'"' Rights",
	"fr": "Commission africaine des droits de l'"'"'homme et des peuples",
	"es": "Comisión Africana de Derechos Humanos y de los Pueblos",
	"ar": "اللجنة الأفريقية لحقوق الإنسان والشعوب",
	"ru": "Африканская комиссия по правам человека и народов",
	"zh": "非洲人权和民族权委员会"}' >"$D/member-achpr.json"
member iachr "$(cat "$D/iachr.signer")" '{
	"en": "Inter-American Commission on Human Rights",
	"fr": "Commission interaméricaine des droits de l'"'"'homme",
	"es": "Comisión Interamericana de Derechos Humanos",
	"ar": "لجنة البلدان الأمريكية لحقوق الإنسان",
	"ru": "Межамериканская комиссия по правам человека",
	"zh": "美洲人权委员会"}' >"$D/member-iachr.json"
"$HRDEX" -C "$D/ohchr" publish -m "admit achpr and iachr" "$D/member-achpr.json" "$D/member-iachr.json" | tail -n1

say "each publishes its documents (one signed commit)"
for a in $agents; do
	"$HRDEX" -C "$D/$a" publish -m "first publication" "$top"/schemas/examples/"$a"-*.json | tail -n1
done

# The service does the syncing: one pass of `hrdex run --once` per agent,
# round after round, until every agent holds every branch at its newest
# tip.  achpr and iachr never ran 'trust add' or 'peer add': the registry's
# member documents gave them each other's key and URL.
converged() {
	local a b want
	for b in $agents; do
		want=$(git --git-dir "$D/$b/repo.git" rev-parse -q --verify "refs/heads/$b") || return 1
		for a in $agents; do
			[ "$(git --git-dir "$D/$a/repo.git" rev-parse -q --verify "refs/heads/$b")" = "$want" ] || return 1
		done
	done
}
rounds() {
	local round a
	for round in 1 2 3 4 5 6; do
		for a in $agents; do
			"$HRDEX" -q -C "$D/$a" run --once || true
		done
		if converged; then
			echo "converged after $round round$([ "$round" -gt 1 ] && echo s) of 'hrdex run --once'"
			return 0
		fi
	done
	echo "warning: not converged after 6 rounds; see 'hrdex -C $D/achpr status'"
}
say "the agents sync with 'hrdex run --once' (the registry's peers: by hand; the members: from the registry)"
# The registry follows its members by hand, as any agent without a registry does.
for a in achpr iachr; do
	"$HRDEX" -C "$D/ohchr" trust add "$a" "$(cat "$D/$a.signer")" 2>/dev/null
	"$HRDEX" -C "$D/ohchr" peer add "$a" "$(url "$a")"
done
rounds
for a in achpr iachr; do
	printf '%s: trusted %s, peers %s\n' "$a" "$("$HRDEX" -C "$D/$a" trust list | cut -d' ' -f1 | sort -u | tr '\n' ' ')" \
		"$("$HRDEX" -C "$D/$a" peer list | cut -f1 | cut -d' ' -f1 | tr '\n' ' ')"
done

say "achpr rotates its key ('hrdex key rotate'): a signed commit naming the next key"
"$HRDEX" -C "$D/achpr" key rotate
"$HRDEX" -C "$D/achpr" publish -m "after the rotation" "$top"/schemas/2/examples/achpr-decision-res-376-lx-2017.json | tail -n1
rounds

say "the registry publishes a new type ('hearing') and a vocabulary (a theme)"
jq -n '{schema: 2, id: "2-hearing", type: "schema", publisher: "ohchr", title: {en: "Type hearing"},
	date: "2026-12-06", version: 2, name: "hearing",
	label: {en: "Hearing", es: "Audiencia", fr: "Audience"}, plural: {en: "Hearings", es: "Audiencias", fr: "Audiences"},
	definition: {type: "object", required: ["chamber"], properties: {
		chamber: {description: "Public or private.", type: "string", enum: ["public", "private"]},
		session: {description: "The period of sessions.", type: "string"}}}}' >"$D/schema-hearing.json"
jq -n '{schema: 2, id: "themes", type: "vocabulary", publisher: "ohchr", title: {en: "Themes added by the network"},
	date: "2026-12-06", entries: [{id: "environmental-defenders", labels: {
		en: "Environmental human rights defenders", es: "Personas defensoras del medio ambiente",
		fr: "Défenseurs des droits humains environnementaux"}}]}' >"$D/vocabulary-themes.json"
"$HRDEX" -C "$D/ohchr" publish -m "hearing type, environmental defenders theme" "$D/schema-hearing.json" \
	"$D/vocabulary-themes.json" | tail -n1
rounds
say "iachr publishes a hearing with the new theme, which every agent now knows"
jq -n '{schema: 2, id: "157-honduras-environment", type: "hearing", publisher: "iachr",
	title: {es: "Audiencia pública: personas defensoras del medio ambiente en Honduras"}, date: "2016-04-05",
	countries: ["HND"], themes: ["environmental-defenders"], chamber: "public", session: "157"}' >"$D/hearing.json"
"$HRDEX" -C "$D/iachr" publish -m "a hearing" "$D/hearing.json" | tail -n1
rounds
"$HRDEX" -C "$D/achpr" query --type hearing --format table

say "stock git verify-commit on every commit of every branch on every agent"
bad=0 n=0
for a in $agents; do
	for c in $(git --git-dir "$D/$a/repo.git" rev-list $agents 2>/dev/null); do
		n=$((n + 1))
		git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$D/$a/allowed_signers" \
			--git-dir "$D/$a/repo.git" verify-commit "$c" >/dev/null 2>&1 || { bad=$((bad + 1)); echo "FAILS: $a $c"; }
	done
done
echo "$n commits checked, $bad failed"

say "status of achpr (status.json and metrics.prom are written by each pass; names from the registry)"
"$HRDEX" -C "$D/achpr" status || true

say "stock git verifies iachr's signature on achpr's copy (a key achpr got from the registry)"
git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile="$D/achpr/allowed_signers" \
	--git-dir "$D/achpr/repo.git" verify-commit refs/heads/iachr 2>&1 | head -n1

say "query on ohchr: everything about human rights defenders"
"$HRDEX" -C "$D/ohchr" query --theme human-rights-defenders --format table

say "browse"
echo "view (files):       $D/ohchr/view"
echo "repository (git):   git clone $D/ohchr/repo.git"
echo "cache (SQLite):     sqlite3 $D/ohchr/cache.db 'select ref, date, title from documents'"
