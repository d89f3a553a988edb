/*
 * facts.c - the facts of a document's version-2 form (see facts.h).
 */
#include "facts.h"
#include "date.h"

#include <string.h>

static const char *str_at(const cJSON *obj, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

static int alpha3(const char *s)
{
	return s && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && s[2] >= 'A' && s[2] <= 'Z' &&
	       !s[3];
}

/* Every string of the array obj[key] (or obj[key] itself when a string). */
static int each_string(const cJSON *obj, const char *key, enum hrdex_fact what, int codes, hrdex_fact_cb cb,
		       void *payload)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key), *e;
	int r;

	if (cJSON_IsString(v))
		return codes && !alpha3(v->valuestring) ? 0 : cb(what, NULL, v->valuestring, payload);
	cJSON_ArrayForEach(e, (cJSON_IsArray(v) ? v : NULL))
		if (cJSON_IsString(e) && (!codes || alpha3(e->valuestring)) &&
		    (r = cb(what, NULL, e->valuestring, payload)) != 0)
			return r;
	return 0;
}

int hrdex_sdg_valid(const char *s)
{
	size_t n;

	/* goal 1-17 */
	if (s[0] == '1' && s[1] >= '0' && s[1] <= '7')
		n = 2;
	else if (s[0] >= '1' && s[0] <= '9')
		n = 1;
	else
		return 0;
	if (!s[n])
		return 1;
	if (s[n] != '.')
		return 0;
	s += n + 1;
	if (s[0] >= 'a' && s[0] <= 'z')
		return !s[1];
	if (s[0] >= '1' && s[0] <= '9')
		return !s[1] || (s[1] >= '0' && s[1] <= '9' && !s[2]);
	return 0;
}

static int sdg_facts(const cJSON *v2, hrdex_fact_cb cb, void *payload)
{
	const cJSON *e;
	int r;

	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(v2, "sdgs")) {
		const char *s = cJSON_GetStringValue(e), *dot;
		char goal[3];

		if (!s || !hrdex_sdg_valid(s))
			continue;
		if ((r = cb(HRDEX_FACT_SDG, NULL, s, payload)) != 0)
			return r;
		dot = strchr(s, '.');
		if (dot) {
			memcpy(goal, s, (size_t)(dot - s));  /* 1 or 2 digits: hrdex_sdg_valid */
			goal[dot - s] = '\0';
			if ((r = cb(HRDEX_FACT_SDG, NULL, goal, payload)) != 0)
				return r;
		}
	}
	return 0;
}

/* One addressee: its country, its body and each of its names. */
static int addressee_facts(const cJSON *party, hrdex_fact_cb cb, void *payload)
{
	const char *kind = str_at(party, "kind"), *country = str_at(party, "country"), *body = str_at(party, "body");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(party, "name"), *e;
	int r;

	if (!kind)
		kind = "";
	if (country && (r = cb(HRDEX_FACT_ADDRESSEE, kind, country, payload)) != 0)
		return r;
	if (body && (r = cb(HRDEX_FACT_ADDRESSEE, kind, body, payload)) != 0)
		return r;
	cJSON_ArrayForEach(e, (cJSON_IsObject(name) ? name : NULL))
		if (cJSON_IsString(e) && (r = cb(HRDEX_FACT_ADDRESSEE, kind, e->valuestring, payload)) != 0)
			return r;
	return 0;
}

int hrdex_facts_each(const cJSON *v2, hrdex_fact_cb cb, void *payload)
{
	const cJSON *addressees = cJSON_GetObjectItemCaseSensitive(v2, "addressees"), *e;
	int r;

	/* what it concerns: the country fields, then addressees' countries */
	if ((r = each_string(v2, "countries", HRDEX_FACT_COUNTRY, 1, cb, payload)) != 0 ||
	    (r = each_string(v2, "states", HRDEX_FACT_COUNTRY, 1, cb, payload)) != 0 ||
	    (r = each_string(v2, "visited", HRDEX_FACT_COUNTRY, 1, cb, payload)) != 0 ||
	    (r = each_string(cJSON_GetObjectItemCaseSensitive(v2, "place"), "country", HRDEX_FACT_COUNTRY, 1, cb,
			     payload)) != 0)
		return r;
	cJSON_ArrayForEach(e, (cJSON_IsArray(addressees) ? addressees : NULL)) {
		const char *country = str_at(e, "country");

		if (alpha3(country) && (r = cb(HRDEX_FACT_COUNTRY, NULL, country, payload)) != 0)
			return r;
	}
	if ((r = each_string(v2, "themes", HRDEX_FACT_THEME, 0, cb, payload)) != 0 ||
	    (r = each_string(v2, "groups", HRDEX_FACT_THEME, 0, cb, payload)) != 0 ||
	    (r = each_string(v2, "keywords", HRDEX_FACT_THEME, 0, cb, payload)) != 0)
		return r;
	cJSON_ArrayForEach(e, (cJSON_IsArray(addressees) ? addressees : NULL))
		if ((r = addressee_facts(e, cb, payload)) != 0)
			return r;
	if ((r = each_string(v2, "recommending_states", HRDEX_FACT_RECOMMENDING_STATE, 1, cb, payload)) != 0)
		return r;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(v2, "authors")) {
		const char *body = str_at(e, "body");

		if (body && (r = cb(HRDEX_FACT_BODY, NULL, body, payload)) != 0)
			return r;
	}
	if ((r = each_string(v2, "body", HRDEX_FACT_BODY, 0, cb, payload)) != 0 ||
	    (r = each_string(v2, "groups", HRDEX_FACT_GROUP, 0, cb, payload)) != 0)
		return r;
	return sdg_facts(v2, cb, payload);
}

/* A bound of when something happens: a partial date as its first (or last)
 * day into buf, a day or a date-time as it is. */
static const char *bound(const char *s, char buf[11], int last)
{
	char first[11], end[11];
	int precision;

	if (!s || hrdex_pdate_range(s, first, end, &precision) < 0 || precision >= 4)
		return s;
	memcpy(buf, last ? end : first, 11);
	return buf;
}

void hrdex_facts_scalars(struct hrdex_doc_facts *f, const cJSON *v2)
{
	const char *date = str_at(v2, "date"), *start = str_at(v2, "start"), *end = str_at(v2, "end");

	memset(f, 0, sizeof(*f));
	f->kind = str_at(v2, "kind");
	f->status = str_at(v2, "status");
	f->response = str_at(cJSON_GetObjectItemCaseSensitive(v2, "response"), "position");
	if (!date || hrdex_pdate_range(date, f->date_first, f->date_last, &f->date_precision) < 0) {
		f->date_first[0] = f->date_last[0] = '\0';
		f->date_precision = 0;
	}
	if (!start)
		start = end;
	if (!end)
		end = start;
	if (!start) {
		/* no interval: the main date, at its precision */
		start = end = date;
	}
	f->start = bound(start, f->start_buf, 0);
	f->end = bound(end, f->end_buf, 1);
}
