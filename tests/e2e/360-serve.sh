#!/bin/bash
# hrdex serve with real clients from Debian: HTTP::OAI::Harvester harvests
# everything, then incrementally with from, sees a withdrawal as a deleted
# record and pages through resumption tokens at 1,000+ records; feedparser
# reads every feed without a bozo flag; python3-icalendar reads the
# calendar and sees a changed event's SEQUENCE grow and a withdrawn one
# cancelled; /healthz turns 503 when a peer is unreachable past its limit;
# bad requests get 400/404 and the server stays up; SIGTERM stops it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/service.sh"
perl -MHTTP::OAI -e1 2>/dev/null || fail "libhttp-oai-perl not installed (tools/deps.sh)"
PY=/usr/bin/python3   # Debian's, with the packages of tools/deps.sh
"$PY" -c 'import feedparser, icalendar' 2>/dev/null || fail "python3-feedparser or python3-icalendar not installed"
S="$T/ohchr"
new_agent "$S" ohchr
git config -f "$S/hrdex.conf" status.maxFailures 1
git config -f "$S/hrdex.conf" sync.interval 1
"$HRDEX" -C "$S" publish "$top"/schemas/examples/ohchr-*.json >/dev/null
n=$(ls "$top"/schemas/examples/ohchr-*.json | wc -l)
"$HRDEX" -C "$S" site >/dev/null 2>&1 || fail "site"
start_run "$S" "$T/run.log"
wait_for 10 "$HRDEX" -C "$S" status || fail "not healthy: $(cat "$T/run.log")"

PORT=$(free_port)
"$HRDEX" -C "$S" serve --listen "127.0.0.1:$PORT" 2>"$T/serve.log" &
SERVE_PID=$!
PIDS+=("$SERVE_PID")
wait_listening "$SERVE_PID" "$PORT" 10 || fail "serve does not listen: $(cat "$T/serve.log")"
U="http://127.0.0.1:$PORT"
code() { curl -s -o "$T/body" -w '%{http_code}' --path-as-is "$@"; }

note "health, metrics, the site"
[ "$(code "$U/healthz")" = 200 ] || fail "healthz: $(cat "$T/body")"
[ "$(code "$U/metrics")" = 200 ] || fail "metrics: $(cat "$T/body")"
grep -qx 'hrdex_up 1' "$T/body" || fail "metrics: $(head -n5 "$T/body")"
[ "$(code "$U/")" = 200 ] && grep -q '<html' "$T/body" || fail "site /"
[ "$(code "$U/calendar.html")" = 200 ] || fail "site calendar.html"

note "bad requests: 404, 400, never a crash"
for p in /nope /feeds/nope.atom /feeds/publisher/x.rss /../hrdex.conf /%2e%2e/hrdex.conf /.hidden \
	/feeds/publisher/../../hrdex.conf /site.d; do
	[ "$(code "$U$p")" = 404 ] || fail "$p: not 404: $(cat "$T/body")"
done
ln -s "$S" "$S/site/escape"
[ "$(code "$U/escape/hrdex.conf")" = 404 ] || fail "a symbolic link in the site was followed"
[ "$(code "$U/calendar.ics?color=red")" = 400 ] || fail "unknown calendar filter"
[ "$(code "$U/calendar.ics?type=decision")" = 400 ] || fail "calendar type decision"
[ "$(code "$U/oai?verb=Identify&x=%ff")" = 400 ] || fail "invalid UTF-8 in the query"
[ "$(code "$U/oai?verb=Identify&x=$(head -c 5000 /dev/zero | tr '\0' a)")" = 400 ] || fail "oversize query"
[ "$(code "$U/oai?$(seq -s '&' 1 40)")" = 400 ] || fail "too many arguments"
[ "$(code -X POST -d x=1 "$U/oai")" = 405 ] || fail "POST"
kill -0 "$SERVE_PID" || fail "serve died"

note "OAI-PMH errors as the protocol says"
oai_error() { # EXPECTED QUERY
	[ "$(code "$U/oai?$2")" = 200 ] || fail "oai $2: HTTP $(cat "$T/body")"
	grep -q "<error code=\"$1\">" "$T/body" || fail "oai $2: not $1: $(cat "$T/body")"
}
oai_error badVerb ""
oai_error badVerb "verb=Dance"
oai_error badVerb "verb=Identify&verb=Identify"
oai_error badArgument "verb=ListRecords"
oai_error badArgument "verb=Identify&set=x"
oai_error badArgument "verb=ListRecords&metadataPrefix=oai_dc&from=2024-13-01"
oai_error badArgument "verb=ListRecords&metadataPrefix=oai_dc&from=2024-01-01&until=2024-01-01T00:00:00Z"
oai_error cannotDisseminateFormat "verb=ListRecords&metadataPrefix=marc"
oai_error idDoesNotExist "verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:hrdex:ohchr/note/nope"
oai_error noRecordsMatch "verb=ListRecords&metadataPrefix=oai_dc&set=publisher:nobody"
oai_error badResumptionToken "verb=ListRecords&resumptionToken=zz"
oai_error badArgument "verb=ListRecords&metadataPrefix=oai_dc&resumptionToken=00"
for v in Identify ListMetadataFormats ListSets; do
	[ "$(code "$U/oai?verb=$v")" = 200 ] && ! grep -q '<error' "$T/body" || fail "$v: $(cat "$T/body")"
done
grep -q '<setSpec>publisher:ohchr</setSpec>' "$T/body" || fail "ListSets: $(cat "$T/body")"
grep -q '<setSpec>country:HND</setSpec>' "$T/body" || fail "ListSets: no country"

cat >"$T/harvest.pl" <<'PL'
# harvest.pl URL VERB PREFIX [FROM [SET]]: one line per record: id status datestamp
use strict; use warnings;
use HTTP::OAI;
my ($url, $verb, $prefix, $from, $set) = @ARGV;
my $h = HTTP::OAI::Harvester->new(baseURL => $url, resume => 1);
my %a = (metadataPrefix => $prefix);
$a{from} = $from if $from; $a{set} = $set if $set;
# every page, through the resumption tokens (the harvester follows them and
# hands each record to onRecord)
$a{onRecord} = sub {
	my $rec = shift;
	my $hd = $verb eq 'ListIdentifiers' ? $rec : $rec->header;
	printf "%s %s %s\n", $hd->identifier, ($hd->is_deleted ? "deleted" : "ok"), $hd->datestamp;
	if ($verb eq 'ListRecords' && !$hd->is_deleted) {
		my $xml = $rec->metadata->dom->toString;
		die "no metadata in " . $hd->identifier . "\n" unless $xml =~ /dc:title|hrdex:document/;
	}
};
my $r = $h->$verb(%a);
if ($r->is_error) {
	my @codes = map { $_->code } $r->errors;
	exit 3 if grep { $_ eq 'noRecordsMatch' } @codes;
	die "harvest: " . $r->message . " @codes\n";
}
die "harvest: " . $r->message . "\n" if $r->is_error;
PL
harvest() { perl "$T/harvest.pl" "$U/oai" "$@"; }

note "harvest everything, both formats"
harvest ListRecords oai_dc >"$T/h1" || fail "harvest oai_dc"
[ "$(wc -l <"$T/h1")" -eq "$n" ] || fail "harvested $(wc -l <"$T/h1") of $n: $(cat "$T/h1")"
grep -q "^oai:hrdex:ohchr/note/regional-consultations-2016 ok " "$T/h1" || fail "$(cat "$T/h1")"
harvest ListRecords hrdex >"$T/h1n" || fail "harvest hrdex"
[ "$(wc -l <"$T/h1n")" -eq "$n" ] || fail "hrdex format: $(cat "$T/h1n")"
[ "$(code "$U/oai?verb=GetRecord&metadataPrefix=hrdex&identifier=oai:hrdex:ohchr/note/regional-consultations-2016")" = 200 ] ||
	fail "GetRecord"
grep -q '&quot;id&quot;:&quot;regional-consultations-2016&quot;' "$T/body" || fail "GetRecord hrdex: $(cat "$T/body")"
grep -q '<originDescription.*<baseURL>urn:hrdex:publisher:ohchr</baseURL>' "$T/body" || fail "no provenance"
harvest ListRecords oai_dc "" "type:event" >"$T/hset" || fail "set type:event"
[ "$(wc -l <"$T/hset")" -eq "$(ls "$top"/schemas/examples/ohchr-event-*.json | wc -l)" ] || fail "set: $(cat "$T/hset")"
last=$(awk '{ print $3 }' "$T/h1" | sort | tail -n1)

note "incrementally: from the second after the last datestamp, a withdrawal is a deleted record"
sleep 1.2
"$HRDEX" -C "$S" withdraw ohchr/note/regional-consultations-2016 >/dev/null || fail "withdraw"
from=$(date -u -d "${last/T/ } 1 second" +%Y-%m-%dT%H:%M:%SZ)
harvest ListRecords oai_dc "$from" >"$T/h2" || fail "incremental harvest"
[ "$(cat "$T/h2" | cut -d' ' -f1,2)" = "oai:hrdex:ohchr/note/regional-consultations-2016 deleted" ] ||
	fail "incremental: $(cat "$T/h2")"
harvest ListIdentifiers oai_dc >"$T/h3" || fail "list identifiers"
grep -q "regional-consultations-2016 deleted" "$T/h3" || fail "the tombstone is not kept: $(cat "$T/h3")"
"$HRDEX" -C "$S" query --withdrawn --format refs >"$T/w" || fail "query --withdrawn"
grep -qx "ohchr/note/regional-consultations-2016" "$T/w" || fail "query --withdrawn: $(cat "$T/w")"

note "feeds parse without a bozo flag"
cat >"$T/feeds.py" <<'PY'
import sys, feedparser
for url in sys.argv[1:]:
    f = feedparser.parse(url)
    if f.bozo:
        sys.exit("%s: bozo: %s" % (url, f.bozo_exception))
    if not f.entries:
        sys.exit("%s: no entries" % url)
    ids = [e.id for e in f.entries]
    if len(set(ids)) != len(ids):
        sys.exit("%s: duplicate ids" % url)
    upd = [e.updated for e in f.entries]
    if upd != sorted(upd, reverse=True):
        sys.exit("%s: not newest first" % url)
    for e in f.entries:
        print(url.rsplit("/", 1)[-1], e.id, e.title)
PY
"$PY" "$T/feeds.py" "$U/feeds/all.atom" "$U/feeds/publisher/ohchr.atom" "$U/feeds/type/event.atom" \
	"$U/feeds/country/HND.atom" >"$T/feeds" || fail "feeds: $(cat "$T/feeds")"
grep -q "^all.atom urn:hrdex:ohchr/note/regional-consultations-2016 Withdrawn: " "$T/feeds" ||
	fail "no withdrawal entry: $(cat "$T/feeds")"

note "the calendar: SEQUENCE grows when an event changes, a withdrawn event is cancelled"
cat >"$T/cal.py" <<'PY'
import sys, urllib.request, icalendar
data = urllib.request.urlopen(sys.argv[1]).read()
cal = icalendar.Calendar.from_ical(data)
for ev in cal.walk("VEVENT"):
    print(ev["UID"], int(ev.get("SEQUENCE", 0)), ev.get("STATUS", "-"), ev["DTSTART"].to_ical().decode())
PY
ev=ohchr/event/bali-consultation-2016
"$PY" "$T/cal.py" "$U/calendar.ics" >"$T/cal1" || fail "icalendar: $(cat "$T/cal1")"
grep -q "^$ev@hrdex 0 - 20160829$" "$T/cal1" || fail "calendar: $(cat "$T/cal1")"
jq '.title.en = "Regional consultation (moved)" | .start = "2016-08-30" | .date = "2016-08-30"' \
	"$top/schemas/examples/ohchr-event-bali-consultation-2016.json" >"$T/bali.json"
"$HRDEX" -C "$S" publish "$T/bali.json" >/dev/null || fail "republish"
"$PY" "$T/cal.py" "$U/calendar.ics?publisher=ohchr&type=event" >"$T/cal2" || fail "icalendar 2"
grep -q "^$ev@hrdex 1 - 20160830$" "$T/cal2" || fail "SEQUENCE did not grow: $(cat "$T/cal2")"
"$HRDEX" -C "$S" withdraw "$ev" >/dev/null || fail "withdraw the event"
"$PY" "$T/cal.py" "$U/calendar.ics?type=event" >"$T/cal3" || fail "icalendar 3"
grep -q "^$ev@hrdex 2 CANCELLED 20160830$" "$T/cal3" || fail "withdrawn event: $(cat "$T/cal3")"
"$PY" "$T/cal.py" "$U/calendar.ics?country=HND" >"$T/cal4" || fail "icalendar 4"
grep -q "sr-hrd-honduras-2018@hrdex" "$T/cal4" && ! grep -q bali "$T/cal4" || fail "country filter: $(cat "$T/cal4")"

note "1,000+ records through resumption tokens"
mkdir "$T/many"
for i in $(seq 1 1050); do example_doc "bulk-$i" >"$T/many/bulk-$i.json"; done
"$HRDEX" -C "$S" publish "$T/many"/*.json >/dev/null || fail "publish 1050"
harvest ListIdentifiers oai_dc >"$T/h4" || fail "big harvest"
total=$(($(wc -l <"$T/h3") + 1050))   # the withdrawn event was already counted
[ "$(wc -l <"$T/h4")" -eq "$total" ] || fail "harvested $(wc -l <"$T/h4") of $total"
[ "$(cut -d' ' -f1 "$T/h4" | sort -u | wc -l)" -eq "$total" ] || fail "duplicates across pages"
[ "$(code "$U/oai?verb=ListIdentifiers&metadataPrefix=oai_dc")" = 200 ] || fail "page 1"
grep -q '<resumptionToken>[0-9a-f]\+</resumptionToken>' "$T/body" || fail "no resumption token"

note "503 from /healthz once a peer is unreachable past its limit"
"$HRDEX" -C "$S" peer add down "git://127.0.0.1:$(free_port)/none.git" 2>/dev/null
kill -HUP "$RUN_PID"
sleep 0.5
kill -USR1 "$RUN_PID"
wait_for 20 bash -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' $U/healthz)\" = 503 ]" ||
	fail "healthz stays healthy: $(curl -s "$U/healthz")"
curl -s "$U/healthz" | grep -q "down" || fail "the reason does not name the peer: $(curl -s "$U/healthz")"

note "a second server reads the same state at once"
PORT2=$(free_port)
"$HRDEX" -C "$S" serve --listen "127.0.0.1:$PORT2" 2>"$T/serve2.log" &
SERVE2=$!
PIDS+=("$SERVE2")
wait_listening "$SERVE2" "$PORT2" 10 || fail "second serve: $(cat "$T/serve2.log")"
[ "$(code "http://127.0.0.1:$PORT2/oai?verb=Identify")" = 200 ] || fail "second serve"
[ "$(code "$U/oai?verb=Identify")" = 200 ] || fail "first serve, beside the second"
expect_exit 64 "$HRDEX" -C "$S" serve --listen "nowhere:80"
expect_exit 64 "$HRDEX" -C "$S" serve --listen "127.0.0.1:0"
kill -INT "$SERVE2"
wait "$SERVE2" || fail "serve exited $? on SIGINT"

note "SIGTERM stops it"
kill -TERM "$SERVE_PID"
for i in $(seq 1 50); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$SERVE_PID" 2>/dev/null && fail "serve did not exit on SIGTERM"
wait "$SERVE_PID" || fail "serve exited $? on SIGTERM"
echo "serve: ok"
