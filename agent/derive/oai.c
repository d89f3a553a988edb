/*
 * oai.c - OAI-PMH 2.0 and Atom over the cache's list of changes (oai.h).
 *
 * Every XML text goes through hrdex_xml_text(), the one escaping rule.
 */
#include "oai.h"
#include "date.h"
#include "doc.h"
#include "error.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int hrdex_xml_text(struct hrdex_buf *out, const char *s)
{
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		int r;

		switch (ch) {
		case '&': r = hrdex_buf_puts(out, "&amp;"); break;
		case '<': r = hrdex_buf_puts(out, "&lt;"); break;
		case '>': r = hrdex_buf_puts(out, "&gt;"); break;
		case '"': r = hrdex_buf_puts(out, "&quot;"); break;
		case '\'': r = hrdex_buf_puts(out, "&apos;"); break;
		default:
			if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r')
				continue;
			/* U+FFFE and U+FFFF are not XML characters either */
			if (ch == 0xef && (unsigned char)s[1] == 0xbf &&
			    ((unsigned char)s[2] == 0xbe || (unsigned char)s[2] == 0xbf)) {
				s += 2;
				continue;
			}
			r = hrdex_buf_putc(out, (char)ch);
		}
		if (r < 0)
			return -1;
	}
	return 0;
}

/* <name>text</name> */
static int elem(struct hrdex_buf *b, const char *name, const char *text)
{
	if (hrdex_buf_printf(b, "<%s>", name) < 0 || hrdex_xml_text(b, text) < 0 ||
	    hrdex_buf_printf(b, "</%s>", name) < 0)
		return -1;
	return 0;
}

/* ---- OAI-PMH ---- */

#define OAI_ID_PREFIX "oai:hrdex:"

struct oai {
	struct hrdex_cache *c;
	const char *base, *name;
	const struct hrdex_oai_arg *args;
	size_t nargs;
	struct hrdex_buf *out;
	char now[32];
	const char *verb, *prefix, *identifier, *set, *from, *until, *token;
	char from_full[32], until_full[32];
	/* list state */
	struct hrdex_changes_query q;
	int count, more, headers_only;
	char last_stamp[32], last_ref[HRDEX_REF_MAX + 8];
	char set_kind[16], set_value[64];
};

static int start(struct oai *o, int with_args)
{
	size_t i;

	if (hrdex_buf_printf(o->out,
			     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			     "<OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\" "
			     "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
			     "xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/ "
			     "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd\">\n"
			     "<responseDate>%s</responseDate>\n<request",
			     o->now) < 0)
		return -1;
	for (i = 0; with_args && i < o->nargs; i++)
		if (hrdex_buf_printf(o->out, " %s=\"", o->args[i].key) < 0 ||
		    hrdex_xml_text(o->out, o->args[i].value) < 0 || hrdex_buf_putc(o->out, '"') < 0)
			return -1;
	if (hrdex_buf_putc(o->out, '>') < 0 || hrdex_xml_text(o->out, o->base) < 0 ||
	    hrdex_buf_puts(o->out, "</request>\n") < 0)
		return -1;
	return 0;
}

static int finish(struct oai *o)
{
	return hrdex_buf_puts(o->out, "</OAI-PMH>\n");
}

/* A whole error response (with the request's arguments unless badVerb or
 * badArgument, as the protocol says). */
static int error(struct oai *o, const char *code, const char *text)
{
	int args = strcmp(code, "badVerb") && strcmp(code, "badArgument");

	hrdex_buf_clear(o->out);
	if (start(o, args) < 0 || hrdex_buf_printf(o->out, "<error code=\"%s\">", code) < 0 ||
	    hrdex_xml_text(o->out, text) < 0 || hrdex_buf_puts(o->out, "</error>\n") < 0 || finish(o) < 0)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	return 0;
}

/* Arguments allowed with each verb: required, optional, exclusive. */
struct verb {
	const char *name;
	const char *required[2];
	const char *optional[4];
	int resumable;
};

static const struct verb verbs[] = {
	{ "Identify", { NULL }, { NULL }, 0 },
	{ "ListMetadataFormats", { NULL }, { "identifier" }, 0 },
	{ "ListSets", { NULL }, { NULL }, 1 },
	{ "ListIdentifiers", { "metadataPrefix" }, { "from", "until", "set" }, 1 },
	{ "ListRecords", { "metadataPrefix" }, { "from", "until", "set" }, 1 },
	{ "GetRecord", { "metadataPrefix", "identifier" }, { NULL }, 0 },
};

static const char *arg(const struct oai *o, const char *key)
{
	size_t i;

	for (i = 0; i < o->nargs; i++)
		if (!strcmp(o->args[i].key, key))
			return o->args[i].value;
	return NULL;
}

static int in_list(const char *const *list, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n && list[i]; i++)
		if (!strcmp(list[i], key))
			return 1;
	return 0;
}

/* YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ into full (seconds); 0 day, 1 seconds, -1 bad. */
static int parse_stamp(char *full, size_t n, const char *s, int end)
{
	struct tm tm;
	time_t t;
	size_t len = strlen(s), i;
	static const char day[] = "dddd-dd-dd", secs[] = "dddd-dd-ddTdd:dd:ddZ";
	const char *pat = len == 10 ? day : len == 20 ? secs : NULL;

	if (!pat)
		return -1;
	for (i = 0; i < len; i++)
		if (pat[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
			return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0') - 1900;
	tm.tm_mon = (s[5] - '0') * 10 + (s[6] - '0') - 1;
	tm.tm_mday = (s[8] - '0') * 10 + (s[9] - '0');
	if (len == 20) {
		tm.tm_hour = (s[11] - '0') * 10 + (s[12] - '0');
		tm.tm_min = (s[14] - '0') * 10 + (s[15] - '0');
		tm.tm_sec = (s[17] - '0') * 10 + (s[18] - '0');
	}
	if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 59)
		return -1;
	{
		struct tm copy = tm;

		t = timegm(&copy);
		if (t == (time_t)-1 || copy.tm_mday != tm.tm_mday)
			return -1;
	}
	if (len == 10)
		snprintf(full, n, "%.10sT%s", s, end ? "23:59:59Z" : "00:00:00Z");
	else
		snprintf(full, n, "%s", s);
	return len == 20;
}

/* ---- resumption tokens: hex of "prefix\tset\tfrom\tuntil\tstamp\tref" ---- */

static int token_encode(struct oai *o, struct hrdex_buf *b)
{
	const char *parts[6] = { o->prefix, o->set ? o->set : "", o->from ? o->from : "", o->until ? o->until : "",
				 o->last_stamp, o->last_ref };
	size_t i;

	for (i = 0; i < 6; i++) {
		const unsigned char *p = (const unsigned char *)parts[i];

		if (i && hrdex_buf_puts(b, "09") < 0)
			return -1;
		for (; *p; p++)
			if (hrdex_buf_printf(b, "%02x", *p) < 0)
				return -1;
	}
	return 0;
}

/* Fills o's fields from the token into store; -1 when it is not one of ours. */
static int token_decode(struct oai *o, const char *tok, char *store, size_t size, char **fields)
{
	size_t len = strlen(tok), i, nf = 1;

	if (!len || len % 2 || len / 2 >= size)
		return -1;
	fields[0] = store;
	for (i = 0; i < len; i += 2) {
		int hi, lo;
		char ch;

		hi = tok[i] >= '0' && tok[i] <= '9' ? tok[i] - '0' : tok[i] >= 'a' && tok[i] <= 'f' ? tok[i] - 'a' + 10 : -1;
		lo = tok[i + 1] >= '0' && tok[i + 1] <= '9' ? tok[i + 1] - '0' :
		     tok[i + 1] >= 'a' && tok[i + 1] <= 'f' ? tok[i + 1] - 'a' + 10 : -1;
		if (hi < 0 || lo < 0)
			return -1;
		ch = (char)(hi * 16 + lo);
		if (ch == '\t') {
			if (nf == 6)
				return -1;
			store[i / 2] = 0;
			fields[nf++] = store + i / 2 + 1;
		} else if ((unsigned char)ch < 0x20) {
			return -1;
		} else {
			store[i / 2] = ch;
		}
	}
	store[len / 2] = 0;
	(void)o;
	return nf == 6 && *fields[0] && *fields[4] && *fields[5] ? 0 : -1;
}

/* ---- records ---- */

static int header(struct oai *o, const struct hrdex_change_row *r)
{
	struct hrdex_buf *b = o->out;
	cJSON *countries = NULL, *e;
	int ret = -1;

	if (hrdex_buf_printf(b, "<header%s><identifier>" OAI_ID_PREFIX, r->deleted ? " status=\"deleted\"" : "") < 0 ||
	    hrdex_xml_text(b, r->ref) < 0 || hrdex_buf_puts(b, "</identifier>") < 0 ||
	    elem(b, "datestamp", r->stamp) < 0 ||
	    hrdex_buf_puts(b, "<setSpec>publisher:") < 0 || hrdex_xml_text(b, r->publisher) < 0 ||
	    hrdex_buf_puts(b, "</setSpec><setSpec>type:") < 0 || hrdex_xml_text(b, r->type) < 0 ||
	    hrdex_buf_puts(b, "</setSpec>") < 0)
		goto cleanup;
	countries = r->countries ? cJSON_Parse(r->countries) : NULL;
	cJSON_ArrayForEach(e, countries)
		if (cJSON_IsString(e) && (hrdex_buf_puts(b, "<setSpec>country:") < 0 ||
					  hrdex_xml_text(b, e->valuestring) < 0 || hrdex_buf_puts(b, "</setSpec>") < 0))
			goto cleanup;
	if (r->lang && (hrdex_buf_puts(b, "<setSpec>language:") < 0 || hrdex_xml_text(b, r->lang) < 0 ||
			hrdex_buf_puts(b, "</setSpec>") < 0))
		goto cleanup;
	ret = hrdex_buf_puts(b, "</header>\n");
cleanup:
	cJSON_Delete(countries);
	return ret;
}

static const char *langmap_text(const cJSON *v)
{
	if (cJSON_IsString(v))
		return v->valuestring;
	if (cJSON_IsObject(v) && v->child && cJSON_IsString(v->child))
		return v->child->valuestring;
	return NULL;
}

/* The main date as W3CDTF, the profile of ISO 8601 that oai_dc's dc:date
 * uses: a year, a month and a day are valid as written; a quarter
 * ("2016-Q2") has no W3CDTF form, and its year is the only one that claims no
 * more than the source says (its first month or day would invent a
 * precision); a date-time keeps its date.  NULL when there is no date. */
static const char *w3cdtf_date(const char *date, char out[11])
{
	char last[11];
	int precision;

	if (!date || hrdex_pdate_range(date, out, last, &precision) < 0)
		return date;
	if (precision == 2)
		out[4] = '\0';   /* "2016-04-01" -> "2016" */
	else if (precision != 5)
		return date;
	return out;
}

static int dc(struct oai *o, const struct hrdex_change_row *r)
{
	struct hrdex_buf *b = o->out;
	cJSON *doc = cJSON_Parse(r->json), *countries = NULL, *e;
	const char *summary = langmap_text(cJSON_GetObjectItemCaseSensitive(doc, "summary"));
	char dbuf[11];
	const char *date = w3cdtf_date(r->date, dbuf);
	int ret = -1;

	if (hrdex_buf_puts(b, "<oai_dc:dc xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\" "
			      "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
			      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
			      "xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/oai_dc/ "
			      "http://www.openarchives.org/OAI/2.0/oai_dc.xsd\">") < 0 ||
	    (r->title && elem(b, "dc:title", r->title) < 0) || elem(b, "dc:creator", r->publisher) < 0 ||
	    elem(b, "dc:publisher", r->publisher) < 0 || elem(b, "dc:type", r->type) < 0 ||
	    (date && elem(b, "dc:date", date) < 0) || elem(b, "dc:identifier", r->ref) < 0 ||
	    (r->lang && elem(b, "dc:language", r->lang) < 0) || (summary && elem(b, "dc:description", summary) < 0))
		goto cleanup;
	countries = r->countries ? cJSON_Parse(r->countries) : NULL;
	cJSON_ArrayForEach(e, countries)
		if (cJSON_IsString(e) && elem(b, "dc:coverage", e->valuestring) < 0)
			goto cleanup;
	ret = hrdex_buf_puts(b, "</oai_dc:dc>");
cleanup:
	cJSON_Delete(countries);
	cJSON_Delete(doc);
	return ret;
}

static int native(struct oai *o, const struct hrdex_change_row *r)
{
	struct hrdex_buf *b = o->out;

	if (hrdex_buf_puts(b, "<hrdex:document xmlns:hrdex=\"urn:hrdex:document\" ref=\"") < 0 ||
	    hrdex_xml_text(b, r->ref) < 0 || hrdex_buf_puts(b, "\">") < 0 || hrdex_xml_text(b, r->json) < 0 ||
	    hrdex_buf_puts(b, "</hrdex:document>") < 0)
		return -1;
	return 0;
}

static int provenance(struct oai *o, const struct hrdex_change_row *r)
{
	struct hrdex_buf *b = o->out;

	if (hrdex_buf_puts(b, "<about><provenance xmlns=\"http://www.openarchives.org/OAI/2.0/provenance\" "
			      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
			      "xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/provenance "
			      "http://www.openarchives.org/OAI/2.0/provenance.xsd\">") < 0 ||
	    hrdex_buf_printf(b, "<originDescription harvestDate=\"%s\" altered=\"false\">", r->stamp) < 0 ||
	    hrdex_buf_puts(b, "<baseURL>urn:hrdex:publisher:") < 0 || hrdex_xml_text(b, r->publisher) < 0 ||
	    hrdex_buf_puts(b, "</baseURL><identifier>" OAI_ID_PREFIX) < 0 || hrdex_xml_text(b, r->ref) < 0 ||
	    hrdex_buf_puts(b, "</identifier>") < 0 || elem(b, "datestamp", r->stamp) < 0 ||
	    hrdex_buf_printf(b, "<metadataNamespace>%s</metadataNamespace>",
			     strcmp(o->prefix, "hrdex") ? "http://www.openarchives.org/OAI/2.0/oai_dc/" :
							  "urn:hrdex:document") < 0 ||
	    hrdex_buf_puts(b, "</originDescription></provenance></about>") < 0)
		return -1;
	return 0;
}

static int record(struct oai *o, const struct hrdex_change_row *r)
{
	if (hrdex_buf_puts(o->out, "<record>") < 0 || header(o, r) < 0)
		return -1;
	if (!r->deleted && (hrdex_buf_puts(o->out, "<metadata>") < 0 ||
			    (strcmp(o->prefix, "hrdex") ? dc(o, r) : native(o, r)) < 0 ||
			    hrdex_buf_puts(o->out, "</metadata>") < 0 || provenance(o, r) < 0))
		return -1;
	return hrdex_buf_puts(o->out, "</record>\n");
}

static int on_row(const struct hrdex_change_row *r, void *payload)
{
	struct oai *o = payload;

	if (o->count == HRDEX_OAI_PAGE) {
		o->more = 1;
		return 1;
	}
	o->count++;
	snprintf(o->last_stamp, sizeof(o->last_stamp), "%s", r->stamp);
	snprintf(o->last_ref, sizeof(o->last_ref), "%s", r->ref);
	if (o->headers_only)
		return header(o, r) < 0 ? -1 : 0;
	return record(o, r) < 0 ? -1 : 0;
}

static int known_prefix(const char *p)
{
	return !strcmp(p, "oai_dc") || !strcmp(p, "hrdex");
}

/* set into o->q; 0 ok, -1 not a set we have (no records match). */
static int parse_set(struct oai *o, const char *set)
{
	const char *colon = strchr(set, ':');
	size_t n = colon ? (size_t)(colon - set) : 0;

	if (!colon || n >= sizeof(o->set_kind) || strlen(colon + 1) >= sizeof(o->set_value) || !colon[1])
		return -1;
	snprintf(o->set_kind, sizeof(o->set_kind), "%.*s", (int)n, set);
	snprintf(o->set_value, sizeof(o->set_value), "%s", colon + 1);
	if (!strcmp(o->set_kind, "publisher"))
		o->q.publisher = o->set_value;
	else if (!strcmp(o->set_kind, "type"))
		o->q.type = o->set_value;
	else if (!strcmp(o->set_kind, "country"))
		o->q.country = o->set_value;
	else if (!strcmp(o->set_kind, "language"))
		o->q.lang = o->set_value;
	else
		return -1;
	return 0;
}

static int list(struct oai *o)
{
	char store[1024], *fields[6];
	struct hrdex_buf tok = HRDEX_BUF_INIT;
	int fg = -1, ug = -1, ret;

	o->headers_only = !strcmp(o->verb, "ListIdentifiers");
	if (o->token) {
		if (token_decode(o, o->token, store, sizeof(store), fields) < 0 || !known_prefix(fields[0]))
			return error(o, "badResumptionToken", "the resumptionToken is not one this repository gave");
		o->prefix = fields[0];
		o->set = *fields[1] ? fields[1] : NULL;
		o->from = *fields[2] ? fields[2] : NULL;
		o->until = *fields[3] ? fields[3] : NULL;
		o->q.after_stamp = fields[4];
		o->q.after_ref = fields[5];
	}
	if (!known_prefix(o->prefix))
		return error(o, "cannotDisseminateFormat", "metadataPrefix must be oai_dc or hrdex");
	if (o->from && (fg = parse_stamp(o->from_full, sizeof(o->from_full), o->from, 0)) < 0)
		return error(o, "badArgument", "from must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ");
	if (o->until && (ug = parse_stamp(o->until_full, sizeof(o->until_full), o->until, 1)) < 0)
		return error(o, "badArgument", "until must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ");
	if (o->from && o->until && fg != ug)
		return error(o, "badArgument", "from and until must have the same granularity");
	if (o->from && o->until && strcmp(o->from_full, o->until_full) > 0)
		return error(o, "badArgument", "from is later than until");
	o->q.from = o->from ? o->from_full : NULL;
	o->q.until = o->until ? o->until_full : NULL;
	if (o->set && parse_set(o, o->set) < 0)
		return error(o, "noRecordsMatch", "no such set");
	o->q.limit = HRDEX_OAI_PAGE + 1;
	if (start(o, 1) < 0 || hrdex_buf_printf(o->out, "<%s>\n", o->verb) < 0)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	ret = hrdex_cache_changes(o->c, &o->q, on_row, o);
	if (ret < 0)
		return -1;
	if (!o->count)
		return error(o, "noRecordsMatch", "no records match");
	if (o->more || o->token) {
		if (o->more && token_encode(o, &tok) < 0) {
			hrdex_buf_free(&tok);
			return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
		}
		/* an empty token ends a list that was resumed */
		ret = hrdex_buf_puts(o->out, "<resumptionToken>") < 0 || hrdex_xml_text(o->out, tok.ptr) < 0 ||
		      hrdex_buf_puts(o->out, "</resumptionToken>\n") < 0;
		hrdex_buf_free(&tok);
		if (ret)
			return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	}
	if (hrdex_buf_printf(o->out, "</%s>\n", o->verb) < 0 || finish(o) < 0)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	return 0;
}

static int find_one(const struct hrdex_change_row *r, void *payload)
{
	struct oai *o = payload;

	o->count++;
	return o->headers_only ? 0 : record(o, r) < 0 ? -1 : 0;
}

/* The ref of an identifier, or NULL when it is not one of ours. */
static const char *id_ref(const char *id)
{
	return strncmp(id, OAI_ID_PREFIX, strlen(OAI_ID_PREFIX)) ? NULL : id + strlen(OAI_ID_PREFIX);
}

static int get_record(struct oai *o)
{
	const char *ref = id_ref(o->identifier);

	if (!known_prefix(o->prefix))
		return error(o, "cannotDisseminateFormat", "metadataPrefix must be oai_dc or hrdex");
	if (!ref)
		return error(o, "idDoesNotExist", "no such identifier");
	o->q.ref = ref;
	o->q.limit = 1;
	if (start(o, 1) < 0 || hrdex_buf_puts(o->out, "<GetRecord>\n") < 0)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	if (hrdex_cache_changes(o->c, &o->q, find_one, o) < 0)
		return -1;
	if (!o->count)
		return error(o, "idDoesNotExist", "no such identifier");
	if (hrdex_buf_puts(o->out, "</GetRecord>\n") < 0 || finish(o) < 0)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	return 0;
}

static int formats(struct oai *o)
{
	if (o->identifier) {
		const char *ref = id_ref(o->identifier);

		o->headers_only = 1;
		o->q.ref = ref;
		o->q.limit = 1;
		if (ref && hrdex_cache_changes(o->c, &o->q, find_one, o) < 0)
			return -1;
		if (!ref || !o->count)
			return error(o, "idDoesNotExist", "no such identifier");
	}
	if (start(o, 1) < 0 ||
	    hrdex_buf_puts(o->out,
			   "<ListMetadataFormats>\n"
			   "<metadataFormat><metadataPrefix>oai_dc</metadataPrefix>"
			   "<schema>http://www.openarchives.org/OAI/2.0/oai_dc.xsd</schema>"
			   "<metadataNamespace>http://www.openarchives.org/OAI/2.0/oai_dc/</metadataNamespace>"
			   "</metadataFormat>\n"
			   "<metadataFormat><metadataPrefix>hrdex</metadataPrefix>"
			   "<schema>urn:hrdex:document.xsd</schema>"
			   "<metadataNamespace>urn:hrdex:document</metadataNamespace>"
			   "</metadataFormat>\n</ListMetadataFormats>\n") < 0 ||
	    finish(o) < 0)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	return 0;
}

struct sets {
	struct oai *o;
	const char *kind;
};

static int one_set(const char *v, void *payload)
{
	struct sets *s = payload;
	struct hrdex_buf *b = s->o->out;

	if (hrdex_buf_printf(b, "<set><setSpec>%s:", s->kind) < 0 || hrdex_xml_text(b, v) < 0 ||
	    hrdex_buf_printf(b, "</setSpec><setName>%s ", s->kind) < 0 || hrdex_xml_text(b, v) < 0 ||
	    hrdex_buf_puts(b, "</setName></set>\n") < 0)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	return 0;
}

static int sets(struct oai *o)
{
	static const char *const kinds[][2] = {
		{ "publisher", "publisher" }, { "type", "type" }, { "country", "country" }, { "language", "lang" }
	};
	size_t i;

	if (o->token)
		return error(o, "badResumptionToken", "ListSets is never resumed");
	if (start(o, 1) < 0 || hrdex_buf_puts(o->out, "<ListSets>\n") < 0)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct sets s = { o, kinds[i][0] };

		if (hrdex_cache_values(o->c, kinds[i][1], one_set, &s) < 0)
			return -1;
	}
	if (hrdex_buf_puts(o->out, "</ListSets>\n") < 0 || finish(o) < 0)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	return 0;
}

static int identify(struct oai *o)
{
	char earliest[32];

	if (hrdex_cache_earliest(o->c, earliest, sizeof(earliest)) < 0)
		return -1;
	if (!earliest[0])
		snprintf(earliest, sizeof(earliest), "%s", o->now);
	if (start(o, 1) < 0 || hrdex_buf_puts(o->out, "<Identify>") < 0 || elem(o->out, "repositoryName", o->name) < 0 ||
	    elem(o->out, "baseURL", o->base) < 0 ||
	    hrdex_buf_printf(o->out,
			     "<protocolVersion>2.0</protocolVersion>"
			     "<adminEmail>nobody@invalid</adminEmail>"
			     "<earliestDatestamp>%s</earliestDatestamp>"
			     "<deletedRecord>persistent</deletedRecord>"
			     "<granularity>YYYY-MM-DDThh:mm:ssZ</granularity>"
			     "</Identify>\n", earliest) < 0 ||
	    finish(o) < 0)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	return 0;
}

int hrdex_oai_respond(struct hrdex_cache *c, const char *base_url, const char *name,
		      const struct hrdex_oai_arg *args, size_t nargs, struct hrdex_buf *out)
{
	struct oai o;
	const struct verb *v = NULL;
	time_t t = time(NULL);
	struct tm tm;
	size_t i, j;

	memset(&o, 0, sizeof(o));
	o.c = c;
	o.base = base_url;
	o.name = name;
	o.args = args;
	o.nargs = nargs;
	o.out = out;
	gmtime_r(&t, &tm);
	strftime(o.now, sizeof(o.now), "%Y-%m-%dT%H:%M:%SZ", &tm);
	o.verb = arg(&o, "verb");
	for (i = 0; o.verb && i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(verbs[i].name, o.verb))
			v = &verbs[i];
	for (i = 0; i < nargs; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(args[i].key, args[j].key))
				return error(&o, !strcmp(args[i].key, "verb") ? "badVerb" : "badArgument",
					     "an argument is repeated");
	if (!v)
		return error(&o, "badVerb", o.verb ? "no such verb" : "no verb");
	o.token = arg(&o, "resumptionToken");
	for (i = 0; i < nargs; i++) {
		const char *k = args[i].key;

		if (!strcmp(k, "verb"))
			continue;
		if (o.token ? strcmp(k, "resumptionToken") :
			      !in_list(v->required, 2, k) && !in_list(v->optional, 4, k))
			return error(&o, "badArgument", "an argument is not allowed here");
		if (!strcmp(k, "resumptionToken") && !v->resumable)
			return error(&o, "badArgument", "an argument is not allowed here");
	}
	for (i = 0; !o.token && i < 2 && v->required[i]; i++)
		if (!arg(&o, v->required[i]))
			return error(&o, "badArgument", "a required argument is missing");
	o.prefix = arg(&o, "metadataPrefix");
	o.identifier = arg(&o, "identifier");
	o.set = arg(&o, "set");
	o.from = arg(&o, "from");
	o.until = arg(&o, "until");
	if (!strcmp(v->name, "Identify"))
		return identify(&o);
	if (!strcmp(v->name, "ListMetadataFormats"))
		return formats(&o);
	if (!strcmp(v->name, "ListSets"))
		return sets(&o);
	if (!strcmp(v->name, "GetRecord"))
		return get_record(&o);
	return list(&o);
}

/* ---- Atom ---- */

struct atom {
	struct hrdex_buf *out;
	const char *base;
};

static int atom_entry(const struct hrdex_change_row *r, void *payload)
{
	struct atom *a = payload;
	struct hrdex_buf *b = a->out;

	if (hrdex_buf_puts(b, "<entry><id>urn:hrdex:") < 0 || hrdex_xml_text(b, r->ref) < 0 ||
	    hrdex_buf_puts(b, "</id><title>") < 0 || (r->deleted && hrdex_buf_puts(b, "Withdrawn: ") < 0) ||
	    hrdex_xml_text(b, r->title ? r->title : r->ref) < 0 || hrdex_buf_puts(b, "</title>") < 0 ||
	    elem(b, "updated", r->stamp) < 0 || hrdex_buf_puts(b, "<author><name>") < 0 ||
	    hrdex_xml_text(b, r->publisher) < 0 || hrdex_buf_puts(b, "</name></author><category term=\"") < 0 ||
	    hrdex_xml_text(b, r->type) < 0 || hrdex_buf_puts(b, "\"/><link href=\"") < 0 ||
	    hrdex_xml_text(b, a->base) < 0 || hrdex_buf_puts(b, "/oai?verb=GetRecord&amp;metadataPrefix=hrdex&amp;identifier=" OAI_ID_PREFIX) < 0 ||
	    hrdex_xml_text(b, r->ref) < 0 || hrdex_buf_puts(b, "\"/>") < 0)
		return -1;
	if (r->deleted ? hrdex_buf_puts(b, "<summary>") < 0 || hrdex_xml_text(b, r->ref) < 0 ||
				 hrdex_buf_puts(b, " was withdrawn by its publisher</summary>") < 0 :
			 hrdex_buf_puts(b, "<content type=\"text\">") < 0 || hrdex_xml_text(b, r->json) < 0 ||
				 hrdex_buf_puts(b, "</content>") < 0)
		return -1;
	return hrdex_buf_puts(b, "</entry>\n");
}

static int newest(const struct hrdex_change_row *r, void *payload)
{
	snprintf(payload, 32, "%s", r->stamp);
	return 1;
}

int hrdex_atom_feed(struct hrdex_cache *c, struct hrdex_changes_query *q, const char *title,
		    const char *self, const char *base, struct hrdex_buf *out)
{
	struct atom a = { out, base };
	char updated[32] = "1970-01-01T00:00:00Z";

	q->desc = 1;
	q->limit = 1;
	if (hrdex_cache_changes(c, q, newest, updated) < 0)
		return -1;
	q->limit = HRDEX_OAI_PAGE;
	if (hrdex_buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				"<feed xmlns=\"http://www.w3.org/2005/Atom\"><id>") < 0 ||
	    hrdex_xml_text(out, self) < 0 || hrdex_buf_puts(out, "</id>") < 0 || elem(out, "title", title) < 0 ||
	    elem(out, "updated", updated) < 0 || hrdex_buf_puts(out, "<link rel=\"self\" href=\"") < 0 ||
	    hrdex_xml_text(out, self) < 0 || hrdex_buf_puts(out, "\"/>\n") < 0)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	if (hrdex_cache_changes(c, q, atom_entry, &a) < 0)
		return -1;
	if (hrdex_buf_puts(out, "</feed>\n") < 0)
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	return 0;
}
