#!/bin/bash
# validate, schema version 2, types event, visit, practice and note: every
# example of these types is valid and checked against version 2; each new
# rule of their schemas refuses a real-shaped document with exit 65 and a
# line naming the JSON pointer and what is wrong.
. "$(dirname "$0")/lib.sh"

ex="$top/schemas/2/examples"
session="$ex/achpr-event-58th-ordinary-session.json"
hearings="$ex/iachr-event-159-period-of-sessions.json"
honduras="$ex/ohchr-visit-sr-hrd-honduras-2018.json"
japan="$ex/ohchr-visit-sr-freedom-of-expression-japan-2016.json"
sanjose="$ex/ohchr-practice-san-jose-guidelines.json"
caceres="$ex/iachr-note-024-16.json"

note "the examples of these four types are valid against version 2"
n=0
for f in "$ex"/*-event-*.json "$ex"/*-visit-*.json "$ex"/*-practice-*.json "$ex"/*-note-*.json; do
	"$HRDEX" validate "$f" >"$T/out" 2>"$T/err" || fail "$f rejected: $(cat "$T/out" "$T/err")"
	grep -qF "$f: ok (schema version 2)" "$T/out" || fail "$f: no version-2 ok line: $(cat "$T/out")"
	n=$((n + 1))
done
[ "$n" -ge 12 ] || fail "only $n examples of event, visit, practice and note"
for t in event visit practice note; do
	[ "$(ls "$ex"/*-"$t"-*.json | wc -l)" -ge 3 ] || fail "fewer than three $t examples"
done

note "the examples are in canonical form (sorted keys, two-space indent, one final newline)"
for f in "$ex"/*-event-*.json "$ex"/*-visit-*.json "$ex"/*-practice-*.json "$ex"/*-note-*.json; do
	jq -S --indent 2 . "$f" >"$T/canon.json"
	cmp -s "$f" "$T/canon.json" || fail "$f is not canonical"
done

# bad NAME SOURCE JQ POINTER TEXT : SOURCE changed by the jq program JQ is
# refused (exit 65) with a line "FILE: POINTER: ..." that contains TEXT.
bad() {
	local name=$1 src=$2 prog=$3 pointer=$4 text=$5 rc=0
	jq "$prog" "$src" >"$T/$name.json" || fail "$name: jq failed"
	"$HRDEX" validate "$T/$name.json" >"$T/out" 2>"$T/err" || rc=$?
	[ "$rc" -eq 65 ] || fail "$name: exit $rc, expected 65: $(cat "$T/out" "$T/err")"
	grep -F "$T/$name.json: $pointer: " "$T/err" | grep -qF -- "$text" ||
		fail "$name: no line '$pointer: ...$text...' in: $(cat "$T/err")"
}

note "event: sittings, agenda, place, organisers, status, interpretation, time zone"
bad sitting-no-start "$session" '.sittings[1] = {"end": "2016-04-20"}' \
	/sittings/1/start "missing required property 'start'"
bad sittings-empty "$session" '.sittings = []' /sittings "must have at least 1 item"
bad sitting-extra "$session" '.sittings[0].room = "Kairaba"' /sittings/0/room "unexpected property 'room'"
bad sitting-bad-when "$session" '.sittings[0].start = "6 April 2016"' /sittings/0/start \
	"does not match any of the allowed forms"
bad agenda-kind "$session" '.agenda[0].kind = "forum"' /agenda/0/kind \
	"'forum' is not one of: plenary, panel, agenda-item, side-event, ngo-forum, closed, other"
bad agenda-untitled "$hearings" '.agenda[3] |= del(.title)' /agenda/3 \
	"does not match any of the allowed forms"
bad agenda-speaker-kind "$session" '.agenda[1].speakers[0] |= del(.kind)' /agenda/1/speakers/0/kind \
	"missing required property 'kind'"
bad agenda-speaker-who "$session" '.agenda[0].speakers[0] = {"kind": "state", "role": "Attorney General"}' \
	/agenda/0/speakers/0 "does not match any of the allowed forms"
bad place-name-string "$session" '.place.name = "Kairaba Beach Hotel"' /place/name "must be an object, not a string"
bad place-empty "$session" '.place = {}' /place "must have at least 1 property"
bad organiser-string "$session" '.organisers = ["achpr"]' /organisers/0 "must be an object, not a string"
bad event-status "$session" '.status = "finished"' /status \
	"'finished' is not one of: scheduled, confirmed, tentative, postponed, cancelled, ongoing, held"
bad interpretation-tag "$session" '.interpretation[0] = "Arabic"' /interpretation/0 "must match pattern"
bad interpretation-twice "$session" '.interpretation += ["fr"]' /interpretation "must be unique"
bad time-zone-offset "$hearings" '.time_zone = "-05:00"' /time_zone "must match pattern"
bad event-start "$session" 'del(.start)' /start "missing required property 'start'"
bad event-v1-organiser-field "$session" '.organiser = "achpr"' /organiser "unexpected property 'organiser'"

note "visit: visited, status and its dated history, programme"
bad visit-no-visited "$honduras" 'del(.visited)' /visited "missing required property 'visited'"
bad visit-visited-empty "$honduras" '.visited = []' /visited "must have at least 1 item"
bad visit-visited-code "$honduras" '.visited = ["hn"]' /visited/0 "must match pattern"
bad visit-v1-country "$honduras" '.country = "HND"' /country "unexpected property 'country'"
bad visit-v1-mandate "$honduras" '.mandate = "sr-hrd"' /mandate "unexpected property 'mandate'"
bad visit-v1-dates "$honduras" '.dates = {"start": "2018-04-29", "end": "2018-05-12"}' /dates \
	"must be an array, not an object"
bad visit-status "$japan" '.status = "denied"' /status \
	"'denied' is not one of: requested, reminded, accepted, refused, postponed, scheduled, ongoing, completed, cancelled"
bad history-undated "$japan" '.status_history[1] |= del(.date)' /status_history/1/date \
	"missing required property 'date'"
bad history-datetime "$japan" '.status_history[1].date = "2015-11-13T10:00:00+01:00"' /status_history/1/date \
	"must match pattern"
bad history-status "$japan" '.status_history[1].status = "delayed"' /status_history/1/status \
	"'delayed' is not one of:"
bad programme-no-start "$japan" '.programme[0] |= del(.start)' /programme/0/start "missing required property 'start'"
bad programme-v1-date "$japan" '.programme[0].date = "2016-04-19"' /programme/0/date "unexpected property 'date'"
bad programme-place-string "$honduras" '.programme[1].place = "Tegucigalpa"' /programme/1/place \
	"must be an object, not a string"
bad programme-participant "$honduras" '.programme[0].participants[0] = "Government"' \
	/programme/0/participants/0 "must be an object, not a string"
bad visit-report-ref "$honduras" '.report = "A/HRC/40/60/Add.2"' /report "must match pattern"

note "practice: description, area, period as partial dates, symbols"
bad practice-no-description "$sanjose" 'del(.description)' /description "missing required property 'description'"
bad practice-area-string "$sanjose" '.area = "reprisals"' /area "must be an object, not a string"
bad practice-v1-mechanisms "$sanjose" '.mechanisms = ["Human rights treaty bodies"]' /mechanisms \
	"unexpected property 'mechanisms'"
bad practice-period-format "$sanjose" '.period.from = "June 2015"' /period/from "must match pattern"
bad practice-period-extra "$sanjose" '.period.since = "2015"' /period/since "unexpected property 'since'"
bad practice-symbol "$sanjose" '.symbols = ["/HRI/MC/2015/6"]' /symbols/0 "must match pattern"

note "note: body, symbols, title language map"
bad note-body-string "$caceres" '.body = "La CIDH repudia"' /body "must be an object, not a string"
bad note-no-kind "$caceres" 'del(.kind)' /kind "missing required property 'kind'"
bad note-title-tag "$caceres" '.title = {"spanish": "CIDH repudia asesinato de Berta Cáceres en Honduras"}' \
	/title/spanish "invalid property name 'spanish'"
bad note-symbol-string "$caceres" '.symbols = "024/16"' /symbols "must be an array, not a string"

note "controlled lists: kinds, bodies, groups and themes name the nearest entries"
bad event-kind-list "$session" '.kind = "sesion"' /kind "'sesion' is not in the list of event kinds; nearest: 'session'"
bad note-kind-list "$caceres" '.kind = "press-releases"' /kind "'press-releases' is not in the list of note kinds; nearest: 'press-release'"
bad visit-author-body "$honduras" '.authors[0].body = "sr-defenders"' /authors/0/body \
	"'sr-defenders' is not in the list of bodies and mechanisms"
bad organiser-body "$session" '.organisers[0].body = "achrp"' /organisers/0/body \
	"'achrp' is not in the list of bodies and mechanisms; nearest: 'achpr'"
bad speaker-body "$hearings" '.agenda[0].speakers[1].body = "cidh"' /agenda/0/speakers/1/body \
	"is not in the list of bodies and mechanisms"
bad note-group "$caceres" '.groups[0] = "human-right-defenders"' /groups/0 \
	"'human-right-defenders' is not in the list of affected groups; nearest: 'human-rights-defenders'"
bad practice-theme "$sanjose" '.themes[0] = "reprisal"' /themes/0 "nearest: 'reprisals'"

note "document rules beyond the schema: sittings, programme and status history in time"
bad sitting-after-end "$session" '.sittings[1].start = "2016-04-30"' /sittings/1/start \
	"'2016-04-30' is after the event's end '2016-04-20' (/end)"
bad sitting-before-start "$session" '.sittings[0].start = "2016-04-05"' /sittings/0/start \
	"'2016-04-05' is before the event's start '2016-04-06' (/start)"
bad sittings-order "$session" '.sittings |= reverse' /sittings/1/start \
	"'2016-04-06' is before '2016-04-20' (/sittings/0/start): sittings are listed in chronological order"
bad programme-order "$honduras" '.programme |= reverse' /programme/1/start \
	"'2018-04-29' is before '2018-05-11' (/programme/0/start): the programme is listed in chronological order"
bad programme-after-end "$japan" '.programme[0].start = "2016-04-20T12:00"' /programme/0/start \
	"'2016-04-20T12:00' is after the visit's end '2016-04-19' (/end)"
bad history-order "$japan" '.status_history[0].date = "2016-01"' /status_history/1/date \
	"'2015-11-13' is before '2016-01' (/status_history/0/date): the status history is listed oldest first"
bad history-last "$japan" '.status = "refused"' /status_history/4/status \
	"the last step of the history is 'completed' but the visit's status is 'refused' (/status)"
bad local-time-no-zone "$japan" 'del(.time_zone)' /programme/0/start "is a local time: it needs a 'time_zone'"
bad visit-visited-unknown "$honduras" '.visited = ["HON"]' /visited/0 "'HON' is not an ISO 3166-1 alpha-3 country code"
# A month within the visit is within it: partial dates compare by the days they cover.
jq '.programme[0].start = "2016-04"' "$japan" >"$T/month.json"
"$HRDEX" validate "$T/month.json" >/dev/null 2>&1 || fail "a programme item in April 2016 is refused for a visit of 12 to 19 April 2016"
# An NGO forum before the session it prepares is not outside it.
"$HRDEX" validate "$session" >/dev/null 2>&1 || fail "the NGO forum of 3 to 5 April is refused"

echo "validate-v2-b: ok"
