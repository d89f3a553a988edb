#!/bin/bash
# Version-2 dates through the real clients from Debian: HTTP::OAI::Harvester
# reads every dc:date as W3CDTF (a quarter '2015-Q4' is given as its year
# '2015'); python3-icalendar reads calendar.ics (the site's file, `serve`'s
# and `query --format ics`): a local time with its time_zone is
# DTSTART;TZID=America/Tegucigalpa:20160420T100000 with a VTIMEZONE of that
# TZID whose offsets put it at 16:00 UTC, and partial dates ('2016-04',
# '2016-Q2') are all-day spans over their whole month or quarter.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/service.sh"
perl -MHTTP::OAI -e1 2>/dev/null || fail "libhttp-oai-perl not installed (tools/deps.sh)"
PY=/usr/bin/python3   # Debian's, with the packages of tools/deps.sh
"$PY" -c 'import icalendar' 2>/dev/null || fail "python3-icalendar not installed (tools/deps.sh)"
S="$T/ohchr"
new_agent "$S" ohchr
D="$top/tests/data/v2-query"
V="$D/ohchr-visit-sr-hrd-hnd-2018.json"
mkdir "$T/docs"
cp "$D"/*.json "$T/docs/"
jq '.id = "local-time" | del(.programme) | .start = "2016-04-20T10:00" | .end = "2016-04-20T12:30" | .date = "2016-04"' "$V" \
	>"$T/docs/local-time.json"
jq '.id = "zurich" | del(.programme) | .start = "2016-10-04T10:00:00" | .end = "2016-10-04T17:30" | .time_zone = "Europe/Zurich"' "$V" \
	>"$T/docs/zurich.json"
jq '.id = "month" | .start = "2016-04" | del(.end) | del(.programme) | .date = "2016"' "$V" >"$T/docs/month.json"
jq '.id = "quarter" | .start = "2016-Q2" | del(.end) | del(.programme) | .date = "2016"' "$V" >"$T/docs/quarter.json"
"$HRDEX" -C "$S" publish "$T/docs"/*.json >/dev/null || fail "publish"
n=$(ls "$T/docs"/*.json | wc -l)
"$HRDEX" -C "$S" site >/dev/null 2>&1 || fail "site"

PORT=$(free_port)
"$HRDEX" -C "$S" serve --listen "127.0.0.1:$PORT" 2>"$T/serve.log" &
SERVE_PID=$!
PIDS+=("$SERVE_PID")
wait_listening "$SERVE_PID" "$PORT" 10 || fail "serve does not listen: $(cat "$T/serve.log")"
U="http://127.0.0.1:$PORT"

note "OAI-PMH: every dc:date is W3CDTF, a quarter is its year"
cat >"$T/dates.pl" <<'PL'
# dates.pl URL: one line per record: identifier and each dc:date
use strict; use warnings;
use HTTP::OAI;
my $h = HTTP::OAI::Harvester->new(baseURL => $ARGV[0], resume => 1);
my $r = $h->ListRecords(metadataPrefix => 'oai_dc', onRecord => sub {
	my $rec = shift;
	my $dom = $rec->metadata->dom;
	my @d = map { $_->textContent }
		$dom->findnodes('descendant-or-self::*[local-name()="date" and namespace-uri()="http://purl.org/dc/elements/1.1/"]');
	print join(' ', $rec->header->identifier, @d), "\n";
});
die "harvest: " . $r->message . "\n" if $r->is_error;
PL
perl "$T/dates.pl" "$U/oai" >"$T/dates" || fail "harvest: $(cat "$T/dates")"
[ "$(wc -l <"$T/dates")" -eq "$n" ] || fail "harvested $(wc -l <"$T/dates") of $n: $(cat "$T/dates")"
W3CDTF='^[0-9]{4}(-[0-9]{2}(-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2}))?)?)?$'
while read -r id dates; do
	[ -n "$dates" ] || fail "$id: no dc:date"
	for d in $dates; do
		[[ $d =~ $W3CDTF ]] || fail "$id: dc:date '$d' is not W3CDTF"
	done
done <"$T/dates"
grep -qx "oai:hrdex:ohchr/decision/ccpr-views-2155-2012 2015" "$T/dates" || fail "quarter: $(cat "$T/dates")"
grep -qx "oai:hrdex:ohchr/visit/local-time 2016-04" "$T/dates" || fail "month: $(cat "$T/dates")"
grep -qx "oai:hrdex:ohchr/visit/month 2016" "$T/dates" || fail "year: $(cat "$T/dates")"
grep -qx "oai:hrdex:ohchr/visit/sr-hrd-hnd-2018 2018-05-12" "$T/dates" || fail "day: $(cat "$T/dates")"

note "iCalendar: a local time in its zone, partial dates over their span"
cat >"$T/cal.py" <<'PY'
# cal.py FILE-or-URL: one line per event: UID, DTSTART as written (with its
# TZID), DTEND as written, DTSTART in UTC when it has a time, read through
# the file's own VTIMEZONE (checked against the system's zoneinfo).  The
# offset is found here, not by icalendar's Timezone.to_tz(): Debian 12's
# python3-icalendar 4.0.3 fails on an RRULE UNTIL in UTC, which RFC 5545
# 3.3.10 requires inside a VTIMEZONE.
import sys, urllib.request, datetime, icalendar, dateutil.rrule, zoneinfo
src = sys.argv[1]
data = urllib.request.urlopen(src).read() if src.startswith("http") else open(src, "rb").read()
cal = icalendar.Calendar.from_ical(data)
zones = {str(z["TZID"]): z for z in cal.walk("VTIMEZONE")}
def offset(vtz, local):
    """TZOFFSETTO of the observance in force at the naive local time."""
    best = None
    for obs in vtz.subcomponents:
        start = obs["DTSTART"].dt
        onsets = [start]
        if "RRULE" in obs:
            rule = obs["RRULE"].to_ical().decode().split(";")
            rule = [p[:-1] if p.startswith("UNTIL=") and p.endswith("Z") else p for p in rule]
            onsets = dateutil.rrule.rrulestr(";".join(rule), dtstart=start).between(start, local, inc=True)
        for t in onsets:
            if t <= local and (best is None or t > best[0]):
                best = (t, obs["TZOFFSETTO"].td)
    return best[1]
for ev in cal.walk("VEVENT"):
    s, e = ev["DTSTART"], ev.get("DTEND")
    tzid = s.params.get("TZID")
    if tzid and tzid not in zones:
        sys.exit("%s: TZID %s has no VTIMEZONE" % (ev["UID"], tzid))
    utc = "-"
    if isinstance(s.dt, datetime.datetime):
        naive = s.dt.replace(tzinfo=None)
        if tzid:
            off = offset(zones[tzid], naive)
            system = naive.replace(tzinfo=zoneinfo.ZoneInfo(tzid)).utcoffset()
            if off != system:
                sys.exit("%s: VTIMEZONE %s gives %s, the system %s" % (ev["UID"], tzid, off, system))
            naive = naive - off
        else:
            naive = s.dt.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        utc = naive.strftime("%Y%m%dT%H%M%SZ")
    def written(p):
        if p is None:
            return "-"
        t = p.params.get("TZID")
        return (t + ":" if t else "") + p.to_ical().decode()
    print(ev["UID"], written(s), written(e), utc)
PY
check_ics() { # WHERE FILE-or-URL
	"$PY" "$T/cal.py" "$2" >"$T/cal" 2>&1 || fail "$1: icalendar: $(cat "$T/cal")"
	grep -qx "ohchr/visit/local-time@hrdex America/Tegucigalpa:20160420T100000 America/Tegucigalpa:20160420T123000 20160420T160000Z" "$T/cal" ||
		fail "$1: local time: $(cat "$T/cal")"
	grep -qx "ohchr/visit/zurich@hrdex Europe/Zurich:20161004T100000 Europe/Zurich:20161004T173000 20161004T080000Z" "$T/cal" ||
		fail "$1: summer time: $(cat "$T/cal")"
	grep -qx "ohchr/visit/month@hrdex 20160401 20160501 -" "$T/cal" || fail "$1: month: $(cat "$T/cal")"
	grep -qx "ohchr/visit/quarter@hrdex 20160401 20160701 -" "$T/cal" || fail "$1: quarter: $(cat "$T/cal")"
	grep -qx "ohchr/visit/sr-hrd-hnd-2018@hrdex 20180429 20180513 -" "$T/cal" || fail "$1: days: $(cat "$T/cal")"
}
check_ics "site" "$S/site/calendar.ics"
check_ics "serve" "$U/calendar.ics"
"$HRDEX" -C "$S" query --format ics >"$T/query.ics" || fail "query --format ics"
check_ics "query" "$T/query.ics"
grep -c '^BEGIN:VTIMEZONE' "$T/query.ics" | grep -qx 2 || fail "one VTIMEZONE per zone: $(grep -c '^BEGIN:VTIMEZONE' "$T/query.ics")"

kill -TERM "$SERVE_PID"
wait "$SERVE_PID" || fail "serve exited $? on SIGTERM"
echo "serve-v2-dates: ok"
