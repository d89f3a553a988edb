# regtypes-lib.sh - helpers for the registry's schema and vocabulary
# documents (160-164); source lib.sh and sync-lib.sh first.

# join_registry DIR REGISTRY_DIR : DIR names the registry's publisher in
# hrdex.conf and trusts its key (the registry names itself).
join_registry() {
	git config -f "$1/hrdex.conf" registry.publisher "$(pubof "$2")"
	[ "$1" = "$2" ] || trust "$1" "$2"
}

# registry_network : the three agents of 160-164 on one git daemon: the
# registry R (ohchr), the publisher A (iachr) and the viewer V (achpr), which
# joined R, trusts A and has both as peers.
registry_network() {
	R=$T/agents/r A=$T/agents/a V=$T/agents/v
	mkagent "$R" ohchr
	mkagent "$A" iachr
	mkagent "$V" achpr
	join_registry "$R" "$R"
	join_registry "$V" "$R"
	trust "$V" "$A"
	serve
	"$HRDEX" -C "$V" peer add r "$(url_of "$R")"
	"$HRDEX" -C "$V" peer add a "$(url_of "$A")"
}

# hearing ID : a version-2 document of the type 'hearing' (not built in).
hearing() {
	cat <<JSON
{
  "schema": 2,
  "id": "$1",
  "type": "hearing",
  "publisher": "iachr",
  "title": {"es": "Audiencia pública: defensores del ambiente en Honduras"},
  "date": "2016-04-05",
  "countries": ["HND"],
  "chamber": "public",
  "session": "157"
}
JSON
}

# v2note ID THEME : a version-2 note naming THEME.
v2note() {
	cat <<JSON
{
  "schema": 2,
  "id": "$1",
  "type": "note",
  "publisher": "iachr",
  "title": {"en": "Digital rights and human rights"},
  "date": "2016-05-04",
  "kind": "press-release",
  "themes": ["$2"]
}
JSON
}

# schema_doc NAME [VERSION] [PUBLISHER] : a schema document defining NAME.
schema_doc() {
	local name=$1 v=${2:-2} pub=${3:-ohchr}
	cat <<JSON
{
  "schema": 2,
  "id": "$v-$name",
  "type": "schema",
  "publisher": "$pub",
  "title": {"en": "Type '$name'"},
  "date": "2026-11-30",
  "version": $v,
  "name": "$name",
  "label": {"en": "Hearing", "es": "Audiencia", "fr": "Audience"},
  "plural": {"en": "Hearings", "es": "Audiencias", "fr": "Audiences"},
  "definition": {
    "type": "object",
    "required": ["chamber"],
    "properties": {
      "chamber": {"description": "Public or private.", "type": "string", "enum": ["public", "private"]},
      "session": {"description": "The session number.", "type": "string"}
    }
  }
}
JSON
}

# vocab_doc LIST ID LABEL [PUBLISHER] : a vocabulary document adding one entry.
vocab_doc() {
	local pub=${4:-ohchr}
	cat <<JSON
{
  "schema": 2,
  "id": "$1",
  "type": "vocabulary",
  "publisher": "$pub",
  "title": {"en": "Themes added by the network"},
  "date": "2026-11-30",
  "entries": [
    {"id": "$2", "labels": {"ar": "$3 (ar)", "en": "$3", "es": "$3 (es)", "fr": "$3 (fr)", "ru": "$3 (ru)", "zh": "$3 (zh)"}}
  ]
}
JSON
}
