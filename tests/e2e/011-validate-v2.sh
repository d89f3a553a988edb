#!/bin/bash
# validate, schema version 2: every file in schemas/2/examples/ is valid
# against version 2 and canonical; a broken copy is refused; each rule of the
# version-2 decision, recommendation, report and statement schemas refuses a
# bad value with a line naming its JSON pointer and what is wrong.
. "$(dirname "$0")/lib.sh"
ex=$top/schemas/2/examples

note "every version-2 example is valid, checked against version 2"
n=$(ls "$ex"/*.json | wc -l)
[ "$n" -ge 12 ] || fail "only $n version-2 examples"
"$HRDEX" validate "$ex"/*.json >"$T/out" 2>"$T/err" || fail "examples rejected: $(cat "$T/err")"
[ "$(grep -c ': ok (schema version 2)$' "$T/out")" -eq "$n" ] ||
	fail "not every example reported ok against version 2: $(cat "$T/out")"
"$HRDEX" validate "$ex" >/dev/null 2>&1 || fail "the folder is refused"

note "every example is in canonical form and named <publisher>-<type>-<id>.json"
for f in "$ex"/*.json; do
	jq -S --indent 2 . "$f" | cmp -s - "$f" || fail "$f is not canonical (keys sorted, two-space indent)"
	[ "$(tail -c1 "$f" | od -An -c | tr -d ' ')" = '\n' ] || fail "$f does not end in one newline"
	want=$(jq -r '"\(.publisher)-\(.type)-\(.id).json"' "$f")
	[ "$(basename "$f")" = "$want" ] || fail "$f should be named $want"
done

note "at least three examples of each type, the six UN languages across them"
for t in decision recommendation report statement; do
	[ "$(ls "$ex"/*-"$t"-*.json 2>/dev/null | wc -l)" -ge 3 ] || fail "fewer than three $t examples"
done
langs=$(jq -r '.title | keys[]' "$ex"/*.json | sort -u | tr '\n' ' ')
for l in ar en es fr ru zh; do
	case " $langs" in *" $l "*) ;; *) fail "no example has a title in '$l' (have: $langs)" ;; esac
done

note "every property of the version-2 type schemas has a description (envelope ones through their \$ref)"
for s in decision recommendation report statement; do
	bad=$(jq -r '[paths(type == "object") as $p | getpath($p) | objects | .properties? // empty
		| to_entries[] | select((.value | has("description")) | not)
		| select((.value | keys) != ["$ref"] or ((.value["$ref"] | startswith("envelope.json#/properties/")) | not))
		| .key] | join(" ")' "$top/schemas/2/$s.json")
	[ -z "$bad" ] || fail "schemas/2/$s.json: no description for: $bad"
done

note "a broken copy of an example is refused, alone and in a folder"
mkdir -p "$T/dir"
cp "$ex"/*.json "$T/dir/"
jq '.findings[0].finding = "violated"' "$ex/echr-decision-68762-14.json" >"$T/dir/echr-decision-68762-14.json"
expect_exit 65 "$HRDEX" validate "$T/dir" >/dev/null 2>"$T/err"
grep -qF "$T/dir/echr-decision-68762-14.json: /findings/0/finding: " "$T/err" ||
	fail "the broken file is not named: $(cat "$T/err")"

note "each rule refuses a bad value with its pointer and message"
# FILE | jq program | the line hrdex must print after "FILE: "
while IFS='|' read -r file prog want; do
	[ -n "$file" ] || continue
	jq "$prog" "$ex/$file" >"$T/bad.json" || fail "jq failed on $prog"
	rc=0
	"$HRDEX" validate "$T/bad.json" >/dev/null 2>"$T/err" || rc=$?
	[ "$rc" -eq 65 ] || fail "$file with $prog: exit $rc, expected 65"
	grep -qF "$T/bad.json: $want" "$T/err" || fail "$file with $prog: no line '$want' in: $(cat "$T/err")"
done <<'EOF'
echr-decision-68762-14.json|.kind = "sentence"|/kind: 'sentence' is not in the list of decision kinds
echr-decision-68762-14.json|.findings[0].finding = "violated"|/findings/0/finding: 'violated' is not one of: violation, no-violation, inadmissible, not-examined, struck-out
echr-decision-68762-14.json|del(.findings[0].article)|/findings/0/article: missing required property 'article'
echr-decision-68762-14.json|.outcomes = ["violation", "partly"]|/outcomes/1: 'partly' is not one of:
echr-decision-68762-14.json|.outcomes = ["violation", "violation"]|/outcomes: items 0 and 1 are equal
echr-decision-68762-14.json|.parties[0].role = "author"|/parties/0/role: 'author' is not one of: victim, beneficiary, petitioner, applicant, representative, respondent, intervener
echr-decision-68762-14.json|del(.parties[0].role)|/parties/0/role: missing required property 'role'
echr-decision-68762-14.json|.parties[4] = {"kind": "state", "role": "respondent"}|/parties/4: 
echr-decision-68762-14.json|.ecli = "ECLI:CE:ECHR:18:0920JUD006876214"|/ecli: must match pattern
echr-decision-68762-14.json|.chamber = "Fifth Section"|/chamber: 
echr-decision-68762-14.json|.applications = ["68762/14", "68762/14"]|/applications: items 0 and 1 are equal
echr-decision-68762-14.json|.reparations[0].kind = "apology"|/reparations/0/kind: 'apology' is not one of: restitution, compensation, rehabilitation, satisfaction, non-repetition, investigation, costs, other
echr-decision-68762-14.json|del(.reparations[0].measure)|/reparations/0/measure: missing required property 'measure'
echr-decision-68762-14.json|.reparations[0].status = "done"|/reparations/0/status: 'done' is not one of: pending, partially-complied, complied, not-complied, closed
echr-decision-68762-14.json|.case = "Aliyev v. Azerbaijan"|/case: unexpected property 'case'
iachr-decision-mc-112-16.json|.measures[0].status = "maintained"|/measures/0/status: 'maintained' is not one of: granted, extended, lifted, partially-lifted, rejected
iachr-decision-mc-112-16.json|del(.measures[0].beneficiaries)|/measures/0/beneficiaries: missing required property 'beneficiaries'
iachr-decision-mc-112-16.json|.measures[0].beneficiaries = []|/measures/0/beneficiaries: must have at least 1 item
iachr-decision-mc-112-16.json|.measures[0].date = "2009-13"|/measures/0/date: must match pattern
iachr-decision-mc-112-16.json|.measures[0].reporting_deadline = "2016-02-30"|/measures/0/reporting_deadline: 
iachr-decision-mc-112-16.json|.follow_up[0].kind = "reminder"|/follow_up/0/kind: 'reminder' is not one of: supervision-order, compliance-report, state-report, reporting-deadline, extension, lifting, closure, other
iachr-decision-mc-112-16.json|del(.follow_up[0].date)|/follow_up/0/date: missing required property 'date'
iachr-decision-mc-112-16.json|.follow_up[0].ref = "corteidh/decision/Serie C 283"|/follow_up/0/ref: 
ohchr-decision-hrc-res-30-3.json|.vote = {"in_favour": -1}|/vote/in_favour: must be >= 0
ohchr-decision-hrc-res-30-3.json|.vote = {}|/vote: must have at least 1 property
ohchr-decision-hrc-res-30-3.json|.vote = {"without_vote": "yes"}|/vote/without_vote: 
ohchr-decision-hrc-res-30-3.json|.draft = "A/HRC/30/L.5\n"|/draft: must match pattern
ohchr-decision-hrc-res-30-3.json|.sponsors = [{"kind": "state"}]|/sponsors/0: 
ohchr-decision-hrc-res-30-3.json|.session = "Thirtieth session"|/session: 
ohchr-decision-hrc-res-30-3.json|del(.kind)|/kind: missing required property 'kind'
ohchr-recommendation-a-hrc-43-15-122-26.json|del(.text)|/text: missing required property 'text'
ohchr-recommendation-a-hrc-43-15-122-26.json|.body = "universal-periodic-review"|/body: 'universal-periodic-review' is not in the list of bodies and mechanisms
ohchr-recommendation-a-hrc-43-15-122-26.json|.cycle = 0|/cycle: must be >= 1
ohchr-recommendation-a-hrc-43-15-122-26.json|.cycle = "3"|/cycle: 
ohchr-recommendation-a-hrc-43-15-122-26.json|.recommending_states = ["Luxembourg"]|/recommending_states/0: must match pattern
ohchr-recommendation-a-hrc-43-15-122-26.json|.recommending_states = ["ZZZ"]|/recommending_states/0: 'ZZZ' is not an ISO 3166-1 alpha-3 country code
ohchr-recommendation-a-hrc-43-15-122-26.json|.response.position = "accepted"|/response/position: 'accepted' is not one of: supported, supported-in-part, noted, rejected, accepted-in-principle, no-response
ohchr-recommendation-a-hrc-43-15-122-26.json|del(.response.position)|/response/position: missing required property 'position'
ohchr-recommendation-a-hrc-43-15-122-26.json|.response.document = "/A/HRC/43/15/Add.1"|/response/document: must match pattern
ohchr-recommendation-a-hrc-43-15-122-26.json|.addressee = "SVN"|/addressee: unexpected property 'addressee'
ohchr-recommendation-a-hrc-43-15-122-26.json|.addressees = [{"kind": "state"}]|/addressees/0: 
ohchr-recommendation-a-hrc-43-15-122-26.json|.status = "done"|/status: 'done' is not one of: not-started, in-progress, partially-implemented, implemented, not-implemented, unknown
ohchr-recommendation-a-hrc-43-15-122-26.json|.follow_up = [{"date": "2020-Q5", "status": "in-progress"}]|/follow_up/0/date: must match pattern
ohchr-recommendation-a-hrc-43-15-122-26.json|.follow_up = [{"date": "2020"}]|/follow_up/0/status: missing required property 'status'
ohchr-recommendation-a-hrc-43-15-122-26.json|.planned_actions = [{"target_date": "2016-Q4"}]|/planned_actions/0/action: missing required property 'action'
ohchr-recommendation-a-hrc-43-15-122-26.json|.planned_actions = [{"action": {"en": "x"}, "status": "late"}]|/planned_actions/0/status: 'late' is not one of:
ohchr-recommendation-a-hrc-43-15-122-26.json|.indicators = [{"text": {"en": "x"}, "kind": "impact"}]|/indicators/0/kind: 'impact' is not one of: structural, process, outcome
ohchr-recommendation-a-hrc-43-15-122-26.json|.sdgs = ["18"]|/sdgs/0: must match pattern
ohchr-recommendation-a-hrc-43-15-122-26.json|.groups = ["human-right-defenders"]|/groups/0: 'human-right-defenders' is not in the list of affected groups; nearest: 'human-rights-defenders'
ohchr-recommendation-a-hrc-43-15-122-26.json|.clusters = ["x", "x"]|/clusters: items 0 and 1 are equal
ohchr-report-a-hrc-31-66.json|.kind = "joint-report"|/kind: 'joint-report' is not in the list of report kinds
ohchr-report-a-hrc-31-66.json|del(.kind)|/kind: missing required property 'kind'
ohchr-report-a-hrc-31-66.json|.symbol = "A/HRC/31/66"|/symbol: unexpected property 'symbol'
ohchr-report-a-hrc-40-60-add-2.json|.period.to = "2018-Q5"|/period/to: must match pattern
ohchr-report-a-hrc-40-60-add-2.json|.period = {"from": "2018-05-12", "to": "2018-04-29"}|/period/to: '2018-04-29' is before the start '2018-05-12' (/period/from)
ohchr-report-a-hrc-40-60-add-2.json|.period = {}|/period: must have at least 1 property
ohchr-statement-joint-declaration-2017-fake-news.json|.kind = "declaration"|/kind: 'declaration' is not in the list of statement kinds; nearest: 'joint-declaration'
ohchr-statement-joint-declaration-2017-fake-news.json|del(.kind)|/kind: missing required property 'kind'
ohchr-statement-joint-declaration-2017-fake-news.json|del(.text)|/text: missing required property 'text'
ohchr-statement-joint-declaration-2017-fake-news.json|del(.authors)|/authors: missing required property 'authors'
ohchr-statement-joint-declaration-2017-fake-news.json|.authors = []|/authors: must have at least 1 item
ohchr-statement-joint-declaration-2017-fake-news.json|.occasion = "Vienna"|/occasion: 
ohchr-statement-joint-declaration-2017-fake-news.json|.body = {"en": "x"}|/body: unexpected property 'body'
EOF

note "an example without \"schema\": 2 is not a version-1 document either"
jq 'del(.schema)' "$ex/ohchr-statement-joint-declaration-2017-fake-news.json" >"$T/v1.json"
expect_exit 65 "$HRDEX" validate "$T/v1.json" 2>"$T/err"
grep -qF "type 'statement' does not exist in schema version 1" "$T/err" || fail "no version message: $(cat "$T/err")"
echo "validate-v2: ok"
