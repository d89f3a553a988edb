/*
 * schema_check.c - JSON Schema draft-07 validation, keyword by keyword, over
 * the compiled nodes of a registry (schema.c; see schema.h for the contract).
 *
 * The validator returns the number of failures it found (or -1 when it could
 * not run).  Given a problem list it records each failure; given NULL (quiet
 * mode, for the trial branches of anyOf, oneOf, not, if and contains) it only
 * counts.  So a valid document allocates nothing, and a trial branch never
 * leaves problems behind.  Instance pointers are built lazily: each level
 * passes a parent-linked struct path on the stack, rendered only when a
 * problem is recorded.
 */
#include "schema.h"
#include "buf.h"
#include "error.h"
#include "schema_format.h"
#include "schema_node.h"
#include "utf8.h"
#include "vocab.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers for values and messages ---- */

/* Deep equality: numbers by value, objects whatever their key order. */
static int json_equal(const cJSON *a, const cJSON *b)
{
	const cJSON *x, *y;
	int type = a->type & 0xFF;

	if (type != (b->type & 0xFF))
		return 0;
	switch (type) {
	case cJSON_Number:
		return a->valuedouble == b->valuedouble;
	case cJSON_String:
	case cJSON_Raw:
		return strcmp(a->valuestring, b->valuestring) == 0;
	case cJSON_Array:
		for (x = a->child, y = b->child; x && y; x = x->next, y = y->next) {
			if (!json_equal(x, y))
				return 0;
		}
		return !x && !y;
	case cJSON_Object:
		if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
			return 0;
		cJSON_ArrayForEach(x, a) {
			y = cJSON_GetObjectItemCaseSensitive(b, x->string);
			if (!y || !json_equal(x, y))
				return 0;
		}
		return 1;
	default:
		return 1; /* null, true, false */
	}
}

static int member_cmp(const void *x, const void *y)
{
	const cJSON *const *a = x, *const *b = y;

	return strcmp((*a)->string, (*b)->string);
}

static int is_integral(double v)
{
	return isfinite(v) && v == floor(v);
}

/* Shortest of %.15g and %.17g that reads back as v, for messages. */
static void number_text(char *buf, size_t size, double v)
{
	snprintf(buf, size, "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, size, "%.17g", v);
}

/* Cut s at most max bytes, on a code point boundary, marking the cut. */
static void text_clip(char *buf, size_t size, const char *s, size_t max)
{
	size_t len = strlen(s);

	if (max > size - 4)
		max = size - 4;
	if (len <= max) {
		memcpy(buf, s, len + 1);
		return;
	}
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	memcpy(buf, s, max);
	memcpy(buf + max, "...", 4);
}

/* A short rendering of a value for messages: 'text' for strings, JSON else. */
static void value_text(char *buf, size_t size, const cJSON *v, int quote_strings)
{
	char clip[128];
	char *json;

	if (cJSON_IsString(v)) {
		text_clip(clip, sizeof(clip), v->valuestring, 60);
		hrdex_fmt_cut(buf, size, quote_strings ? "'%s'" : "%s", clip);
		return;
	}
	if (cJSON_IsNumber(v)) {
		number_text(buf, size, v->valuedouble);
		return;
	}
	json = cJSON_PrintUnformatted(v);
	text_clip(buf, size, json ? json : "?", 60);
	free(json);
}

static const char *type_article(unsigned bit)
{
	switch (bit) {
	case T_NULL: return "null";
	case T_BOOLEAN: return "a boolean";
	case T_OBJECT: return "an object";
	case T_ARRAY: return "an array";
	case T_NUMBER: return "a number";
	case T_STRING: return "a string";
	default: return "an integer";
	}
}

static unsigned instance_type(const cJSON *v)
{
	if (cJSON_IsNull(v))
		return T_NULL;
	if (cJSON_IsBool(v))
		return T_BOOLEAN;
	if (cJSON_IsObject(v))
		return T_OBJECT;
	if (cJSON_IsArray(v))
		return T_ARRAY;
	if (cJSON_IsString(v))
		return T_STRING;
	if (cJSON_IsNumber(v))
		return is_integral(v->valuedouble) ? T_NUMBER | T_INTEGER : T_NUMBER;
	return 0;
}

/* ---- the validator ---- */

/* Where we are in the instance: a parent-linked list living on the stack. */
struct path {
	const struct path *up;
	const char *key;   /* member name, or NULL for an array element */
	size_t index;
};

struct vctx {
	struct hrdex_schemas *s;
	int depth;
};

static int path_render_into(struct hrdex_buf *b, const struct path *at)
{
	const char *p;

	if (!at)
		return 0;
	if (path_render_into(b, at->up) < 0 || hrdex_buf_putc(b, '/') < 0)
		return -1;
	if (!at->key)
		return hrdex_buf_printf(b, "%zu", at->index);
	for (p = at->key; *p; p++) {
		int r;

		if (*p == '~')
			r = hrdex_buf_puts(b, "~0");
		else if (*p == '/')
			r = hrdex_buf_puts(b, "~1");
		else
			r = hrdex_buf_putc(b, *p);
		if (r < 0)
			return -1;
	}
	return 0;
}

/* The JSON pointer of at; caller frees; NULL (error set) when out of memory. */
static char *path_render(const struct path *at)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;

	if (path_render_into(&b, at) < 0 || hrdex_buf_put(&b, "", 0) < 0) {
		hrdex_buf_free(&b);
		return NULL;
	}
	return hrdex_buf_detach(&b);
}

/* Record one failure (when out is not NULL); returns 1, or -1 on error. */
static int report(struct hrdex_problems *out, const struct path *at, const char *keyword,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int report(struct hrdex_problems *out, const struct path *at, const char *keyword,
		  const char *fmt, ...)
{
	char message[1024];
	char *pointer;
	va_list ap;
	int r;

	if (!out)
		return 1;
	if (out->cap && out->count >= out->cap) {
		out->over++; /* past the cap: counted, not rendered */
		return 1;
	}
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	pointer = path_render(at);
	if (!pointer)
		return -1;
	r = hrdex_problems_add(out, pointer, keyword, "%s", message);
	free(pointer);
	return r < 0 ? -1 : 1;
}

/* Add the failures r of a check to *n; -1 when the check could not run. */
static int tally(int *n, int r)
{
	if (r < 0)
		return -1;
	*n += r;
	return 0;
}

static int validate(struct vctx *c, const cJSON *schema, const struct base *outer,
		    const cJSON *inst, const struct path *at, struct hrdex_problems *out);

static int check_type(const struct snode *sn, const cJSON *inst, const struct path *at,
		      struct hrdex_problems *out)
{
	unsigned have = instance_type(inst), bit;
	struct hrdex_buf want = HRDEX_BUF_INIT;
	int r;

	if (!sn->kw[KW_TYPE] || (have & sn->types))
		return 0;
	for (bit = 1; bit <= T_INTEGER; bit <<= 1) {
		if (!(sn->types & bit))
			continue;
		if ((want.len && hrdex_buf_puts(&want, " or ") < 0) ||
		    hrdex_buf_puts(&want, type_article(bit)) < 0) {
			hrdex_buf_free(&want);
			return -1;
		}
	}
	r = report(out, at, "type", "must be %s, not %s", want.ptr ? want.ptr : "nothing",
		   type_article(have & ~(unsigned)T_INTEGER));
	hrdex_buf_free(&want);
	return r;
}

static int check_enum(const struct snode *sn, const cJSON *inst, const struct path *at,
		      struct hrdex_problems *out)
{
	struct hrdex_buf list = HRDEX_BUF_INIT;
	const cJSON *k = sn->kw[KW_ENUM], *v;
	char text[160];
	int r = -1, shown = 0;

	if (!cJSON_IsArray(k))
		return 0;
	cJSON_ArrayForEach(v, k) {
		if (json_equal(v, inst))
			return 0;
	}
	if (!out)
		return 1;
	cJSON_ArrayForEach(v, k) {
		if (shown == 12 || list.len > 300) {
			if (hrdex_buf_puts(&list, ", ...") < 0)
				goto cleanup;
			break;
		}
		value_text(text, sizeof(text), v, 0);
		if (hrdex_buf_printf(&list, "%s%s", shown++ ? ", " : "", text) < 0)
			goto cleanup;
	}
	value_text(text, sizeof(text), inst, 1);
	r = report(out, at, "enum", "%s is not one of: %s", text, list.ptr ? list.ptr : "");
cleanup:
	hrdex_buf_free(&list);
	return r;
}

static int check_const(const struct snode *sn, const cJSON *inst, const struct path *at,
		       struct hrdex_problems *out)
{
	char text[160];

	if (!sn->kw[KW_CONST] || json_equal(sn->kw[KW_CONST], inst))
		return 0;
	if (!out)
		return 1;
	value_text(text, sizeof(text), sn->kw[KW_CONST], 1);
	return report(out, at, "const", "must be %s", text);
}

static int check_object(struct vctx *c, const struct snode *sn, const cJSON *inst,
			const struct path *at, struct hrdex_problems *out)
{
	const cJSON *props = sn->kw[KW_PROPERTIES], *pprops = sn->kw[KW_PATTERN_PROPERTIES];
	const cJSON *extra = sn->kw[KW_ADDITIONAL_PROPERTIES], *names = sn->kw[KW_PROPERTY_NAMES];
	const cJSON *k, *m, *d, *v;
	int n = 0, count;

	/* Too many members: said once, and none of them is looked at (the cost
	 * of a hostile object stays linear in its size). */
	if (sn->kw[KW_MIN_PROPERTIES] || sn->kw[KW_MAX_PROPERTIES]) {
		count = cJSON_GetArraySize(inst);
		k = sn->kw[KW_MIN_PROPERTIES];
		if (cJSON_IsNumber(k) && count < k->valuedouble &&
		    tally(&n, report(out, at, "minProperties", "must have at least %.0f propert%s (has %d)",
				     k->valuedouble, k->valuedouble == 1 ? "y" : "ies", count)) < 0)
			return -1;
		k = sn->kw[KW_MAX_PROPERTIES];
		if (cJSON_IsNumber(k) && count > k->valuedouble)
			return report(out, at, "maxProperties", "must have at most %.0f propert%s (has %d)",
				      k->valuedouble, k->valuedouble == 1 ? "y" : "ies", count);
	}
	k = sn->kw[KW_REQUIRED];
	if (cJSON_IsArray(k)) {
		cJSON_ArrayForEach(v, k) {
			/* Name the missing member itself, so "FILE: /title: ..." points
			 * at what to add, as additionalProperties points at what to drop. */
			struct path missing = { at, NULL, 0 };

			missing.key = cJSON_IsString(v) ? v->valuestring : NULL;
			if (cJSON_IsString(v) && !cJSON_GetObjectItemCaseSensitive(inst, v->valuestring) &&
			    tally(&n, report(out, &missing, "required", "missing required property '%s'",
					     v->valuestring)) < 0)
				return -1;
		}
	}
	if (!cJSON_IsObject(props))
		props = NULL;
	if (!sn->pprops)
		pprops = NULL;
	if (props || pprops || extra || names) {
		cJSON_ArrayForEach(m, inst) {
			struct path here = { at, m->string, 0 };
			int matched = 0;
			size_t i = 0;

			k = props ? cJSON_GetObjectItemCaseSensitive(props, m->string) : NULL;
			if (k) {
				matched = 1;
				if (tally(&n, validate(c, k, sn->base, m, &here, out)) < 0)
					return -1;
			}
			if (pprops) {
				cJSON_ArrayForEach(k, pprops) {
					int r = hrdex_schema_pattern_search(c->s, sn->pprops[i++], m->string);

					if (r < 0)
						return -1;
					if (r) {
						matched = 1;
						if (tally(&n, validate(c, k, sn->base, m, &here, out)) < 0)
							return -1;
					}
				}
			}
			if (!matched && cJSON_IsFalse(extra)) {
				if (tally(&n, report(out, &here, "additionalProperties",
						     "unexpected property '%s'", m->string)) < 0)
					return -1;
			} else if (!matched && extra) {
				if (tally(&n, validate(c, extra, sn->base, m, &here, out)) < 0)
					return -1;
			}
			if (names) {
				struct hrdex_problems scratch = HRDEX_PROBLEMS_INIT;
				cJSON name;
				int r;

				/* a string node on the stack: no allocation per member */
				memset(&name, 0, sizeof(name));
				name.type = cJSON_String;
				name.valuestring = m->string;
				r = validate(c, names, sn->base, &name, &here, out ? &scratch : NULL);
				if (r > 0)
					r = report(out, &here, "propertyNames", "invalid property name '%s'%s%s",
						   m->string, scratch.count ? ": " : "",
						   scratch.count ? scratch.items[0].message : "");
				hrdex_problems_free(&scratch);
				if (tally(&n, r) < 0)
					return -1;
			}
		}
	}
	k = sn->kw[KW_DEPENDENCIES];
	if (cJSON_IsObject(k)) {
		cJSON_ArrayForEach(d, k) {
			if (!cJSON_GetObjectItemCaseSensitive(inst, d->string))
				continue;
			if (!cJSON_IsArray(d)) {
				if (tally(&n, validate(c, d, sn->base, inst, at, out)) < 0)
					return -1;
				continue;
			}
			cJSON_ArrayForEach(v, d) {
				if (cJSON_IsString(v) &&
				    !cJSON_GetObjectItemCaseSensitive(inst, v->valuestring) &&
				    tally(&n, report(out, at, "dependencies",
						     "property '%s' requires property '%s'", d->string,
						     v->valuestring)) < 0)
					return -1;
			}
		}
	}
	return n;
}

/*
 * The text of a value for uniqueItems: two values get the same text exactly
 * when json_equal() holds (numbers by value, -0 as 0; strings with their
 * length; object members sorted by name), so equal items can be found by
 * sorting texts, in O(n log n) rather than comparing every pair.
 */
static int equal_text(struct hrdex_buf *b, const cJSON *v)
{
	const cJSON *x;

	switch (v->type & 0xFF) {
	case cJSON_Number:
		return hrdex_buf_printf(b, "n%.17g;", v->valuedouble == 0 ? 0.0 : v->valuedouble);
	case cJSON_String:
	case cJSON_Raw: {
		size_t len = strlen(v->valuestring);

		if (hrdex_buf_printf(b, "%c%zu:", (v->type & 0xFF) == cJSON_String ? 's' : 'r', len) < 0)
			return -1;
		return hrdex_buf_put(b, v->valuestring, len);
	}
	case cJSON_Array:
		if (hrdex_buf_putc(b, '[') < 0)
			return -1;
		for (x = v->child; x; x = x->next)
			if (equal_text(b, x) < 0)
				return -1;
		return hrdex_buf_putc(b, ']');
	case cJSON_Object: {
		const cJSON **m;
		size_t n = 0, i;
		int r = 0;

		for (x = v->child; x; x = x->next)
			n++;
		m = calloc(n + 1, sizeof(*m));
		if (!m)
			return hrdex_error_oom();
		n = 0;
		for (x = v->child; x; x = x->next)
			m[n++] = x;
		qsort(m, n, sizeof(*m), member_cmp);
		r = hrdex_buf_putc(b, '{');
		for (i = 0; r == 0 && i < n; i++) {
			size_t len = strlen(m[i]->string);

			if (hrdex_buf_printf(b, "k%zu:", len) < 0 || hrdex_buf_put(b, m[i]->string, len) < 0 ||
			    equal_text(b, m[i]) < 0)
				r = -1;
		}
		free(m);
		return r < 0 ? -1 : hrdex_buf_putc(b, '}');
	}
	case cJSON_True:
		return hrdex_buf_putc(b, 't');
	case cJSON_False:
		return hrdex_buf_putc(b, 'f');
	default:
		return hrdex_buf_putc(b, 'z'); /* null */
	}
}

struct item_text {
	const char *p;
	size_t len, index;
};

static int item_text_cmp(const void *x, const void *y)
{
	const struct item_text *a = x, *b = y;
	int c = memcmp(a->p, b->p, a->len < b->len ? a->len : b->len);

	if (c)
		return c;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

/*
 * The first pair of equal items, as a pairwise scan would find it: the
 * smallest i that has an equal later item, and the first such j.  Returns 1
 * with *i, *j set, 0 when all items differ, -1 on error.
 */
static int first_equal_items(const cJSON *inst, size_t count, size_t *fi, size_t *fj)
{
	struct hrdex_buf texts = HRDEX_BUF_INIT;
	struct item_text *t = calloc(count + 1, sizeof(*t));
	size_t *ends = calloc(count + 1, sizeof(*ends));
	const cJSON *v;
	size_t k = 0, g, h;
	int found = 0, ret = -1;

	if (!t || !ends) {
		hrdex_error_oom();
		goto cleanup;
	}
	cJSON_ArrayForEach(v, inst) {
		if (k == count || equal_text(&texts, v) < 0)
			goto cleanup;
		ends[k++] = texts.len;
	}
	for (g = 0; g < k; g++) {
		size_t start = g ? ends[g - 1] : 0;

		t[g].p = texts.ptr ? texts.ptr + start : "";
		t[g].len = ends[g] - start;
		t[g].index = g;
	}
	qsort(t, k, sizeof(*t), item_text_cmp);
	/* Runs of equal texts, each in index order: its first two items are
	 * the candidate pair; the run that starts earliest wins. */
	for (g = 0; g < k; g = h) {
		for (h = g + 1; h < k && t[h].len == t[g].len && !memcmp(t[h].p, t[g].p, t[g].len); h++)
			;
		if (h - g > 1 && (!found || t[g].index < *fi)) {
			*fi = t[g].index;
			*fj = t[g + 1].index;
			found = 1;
		}
	}
	ret = found;
cleanup:
	hrdex_buf_free(&texts);
	free(ends);
	free(t);
	return ret;
}

static int check_array(struct vctx *c, const struct snode *sn, const cJSON *inst,
		       const struct path *at, struct hrdex_problems *out)
{
	const cJSON *items = sn->kw[KW_ITEMS], *extra = sn->kw[KW_ADDITIONAL_ITEMS], *k, *v;
	int n = 0, count = cJSON_GetArraySize(inst), r;
	size_t i, j;

	k = sn->kw[KW_MIN_ITEMS];
	if (cJSON_IsNumber(k) && count < k->valuedouble &&
	    tally(&n, report(out, at, "minItems", "must have at least %.0f item%s (has %d)",
			     k->valuedouble, k->valuedouble == 1 ? "" : "s", count)) < 0)
		return -1;
	/* Too many items: said once, and none of them is looked at (no
	 * uniqueItems over an array already too long). */
	k = sn->kw[KW_MAX_ITEMS];
	if (cJSON_IsNumber(k) && count > k->valuedouble)
		return report(out, at, "maxItems", "must have at most %.0f item%s (has %d)",
			      k->valuedouble, k->valuedouble == 1 ? "" : "s", count);
	if (items) {
		const cJSON *tuple = cJSON_IsArray(items) ? items->child : NULL;
		int ntuple = cJSON_IsArray(items) ? cJSON_GetArraySize(items) : 0;

		i = 0;
		cJSON_ArrayForEach(v, inst) {
			struct path here = { at, NULL, i };
			const cJSON *sub = items;

			if (cJSON_IsArray(items)) {
				sub = tuple;
				if (tuple) {
					tuple = tuple->next;
				} else if (cJSON_IsFalse(extra)) {
					if (tally(&n, report(out, &here, "additionalItems",
							     "unexpected item: at most %d allowed",
							     ntuple)) < 0)
						return -1;
					break;
				} else {
					sub = extra;
				}
			}
			if (sub && tally(&n, validate(c, sub, sn->base, v, &here, out)) < 0)
				return -1;
			i++;
		}
	}
	if (cJSON_IsTrue(sn->kw[KW_UNIQUE_ITEMS]) && count > 1) {
		r = first_equal_items(inst, (size_t)count, &i, &j);
		if (r < 0)
			return -1;
		if (r && tally(&n, report(out, at, "uniqueItems", "items %zu and %zu are equal; items must be unique",
					  i, j)) < 0)
			return -1;
	}
	k = sn->kw[KW_CONTAINS];
	if (k) {
		int found = 0;

		i = 0;
		cJSON_ArrayForEach(v, inst) {
			struct path here = { at, NULL, i++ };

			r = validate(c, k, sn->base, v, &here, NULL);
			if (r < 0)
				return -1;
			if (r == 0) {
				found = 1;
				break;
			}
		}
		if (!found && tally(&n, report(out, at, "contains",
					       "must contain an item that matches \"contains\"")) < 0)
			return -1;
	}
	return n;
}

static int check_format(const struct snode *sn, const char *s, const struct path *at,
			struct hrdex_problems *out)
{
	const cJSON *k = sn->kw[KW_FORMAT];
	const char *what;
	char text[160];

	if (!cJSON_IsString(k) || !(what = hrdex_schema_format_problem(k->valuestring, s)))
		return 0;
	if (!out)
		return 1;
	text_clip(text, sizeof(text), s, 60);
	return report(out, at, "format", "'%s' is not %s", text, what);
}

/* "x-hrdex-list": s must be an entry id of the named controlled list (vocab.h);
 * the message names the list and its nearest entries, for the typo case. */
static int check_list(const struct snode *sn, const char *s, const struct path *at,
		      struct hrdex_problems *out)
{
	const cJSON *k = sn->kw[KW_X_HRDEX_LIST];
	const char *near[HRDEX_VOCAB_NEAREST_MAX], *title;
	char text[160], list[256], nearest[512];
	size_t used = 0;
	int count, i;

	if (!cJSON_IsString(k) || hrdex_vocab_has(k->valuestring, s))
		return 0;
	if (!out)
		return 1;
	/* "Affected groups" -> "affected groups", but "UN bodies" stays */
	title = hrdex_vocab_title(k->valuestring, "en");
	hrdex_fmt_cut(list, sizeof(list), "%s", title ? title : k->valuestring);
	if (list[0] >= 'A' && list[0] <= 'Z' && !(list[1] >= 'A' && list[1] <= 'Z'))
		list[0] = (char)(list[0] - 'A' + 'a');
	nearest[0] = '\0';
	count = hrdex_vocab_nearest(k->valuestring, s, near, HRDEX_VOCAB_NEAREST_MAX);
	for (i = 0; i < count && used < sizeof(nearest); i++) {
		int w = snprintf(nearest + used, sizeof(nearest) - used, "%s'%s'",
				 i ? ", " : "; nearest: ", near[i]);

		if (w < 0)
			break;
		used += (size_t)w; /* ids are at most 64 bytes: three always fit */
	}
	text_clip(text, sizeof(text), s, 60);
	return report(out, at, "x-hrdex-list", "'%s' is not in the list of %s%s", text, list,
		      nearest);
}

static int check_string(struct vctx *c, const struct snode *sn, const cJSON *inst,
			const struct path *at, struct hrdex_problems *out)
{
	const cJSON *min = sn->kw[KW_MIN_LENGTH], *max = sn->kw[KW_MAX_LENGTH];
	const char *s = inst->valuestring;
	int n = 0, r;

	if (cJSON_IsNumber(min) || cJSON_IsNumber(max)) {
		size_t len = hrdex_utf8_length(s);

		if (cJSON_IsNumber(min) && (double)len < min->valuedouble &&
		    tally(&n, report(out, at, "minLength",
				     "must be at least %.0f character%s long (is %zu)",
				     min->valuedouble, min->valuedouble == 1 ? "" : "s", len)) < 0)
			return -1;
		/* Too long: said once, no pattern or format run over it. */
		if (cJSON_IsNumber(max) && (double)len > max->valuedouble)
			return report(out, at, "maxLength", "must be at most %.0f character%s long (is %zu)",
				      max->valuedouble, max->valuedouble == 1 ? "" : "s", len) < 0 ? -1 : n + 1;
	}
	if (sn->pattern) {
		r = hrdex_schema_pattern_search(c->s, sn->pattern, s);
		if (r < 0)
			return -1;
		if (!r && tally(&n, report(out, at, "pattern", "must match pattern '%s'",
					   sn->kw[KW_PATTERN]->valuestring)) < 0)
			return -1;
	}
	if (tally(&n, check_format(sn, s, at, out)) < 0 ||
	    tally(&n, check_list(sn, s, at, out)) < 0)
		return -1;
	return n;
}

/* Whether v is a multiple of m, forgiving the rounding of binary fractions
 * (0.0075 / 0.0001 is 75.00000000000001 in doubles). */
static int is_multiple(double v, double m)
{
	double q, tolerance;

	if (!(m > 0))
		return 1; /* not a valid multipleOf: nothing to check */
	if (is_integral(v) && is_integral(m))
		return fmod(v, m) == 0;
	q = v / m;
	if (!isfinite(q))
		return 0;
	if (fabs(q) >= 4503599627370496.0) /* 2^52: every such double is integral */
		return fmod(v, m) == 0;
	tolerance = fmax(1e-9, fabs(q) * 8 * DBL_EPSILON);
	return fabs(q - nearbyint(q)) <= tolerance;
}

static int check_number(const struct snode *sn, const cJSON *inst, const struct path *at,
			struct hrdex_problems *out)
{
	static const struct { int kw; int sense; const char *op; } bounds[] = {
		{ KW_MINIMUM, -1, ">=" }, { KW_MAXIMUM, 1, "<=" },
		{ KW_EXCLUSIVE_MINIMUM, -2, ">" }, { KW_EXCLUSIVE_MAXIMUM, 2, "<" },
	};
	double v = inst->valuedouble;
	char text[40];
	int n = 0;
	size_t i;

	for (i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++) {
		const cJSON *k = sn->kw[bounds[i].kw];
		double b;
		int bad;

		if (!cJSON_IsNumber(k))
			continue;
		b = k->valuedouble;
		switch (bounds[i].sense) {
		case -1: bad = v < b; break;
		case 1: bad = v > b; break;
		case -2: bad = v <= b; break;
		default: bad = v >= b; break;
		}
		if (!bad)
			continue;
		number_text(text, sizeof(text), b);
		if (tally(&n, report(out, at, hrdex_schema_keyword_names[bounds[i].kw], "must be %s %s",
				     bounds[i].op, text)) < 0)
			return -1;
	}
	if (cJSON_IsNumber(sn->kw[KW_MULTIPLE_OF]) &&
	    !is_multiple(v, sn->kw[KW_MULTIPLE_OF]->valuedouble)) {
		number_text(text, sizeof(text), sn->kw[KW_MULTIPLE_OF]->valuedouble);
		if (tally(&n, report(out, at, "multipleOf", "must be a multiple of %s", text)) < 0)
			return -1;
	}
	return n;
}

/*
 * After no branch of anyOf/oneOf matched: one problem saying so, then the
 * problems of the branch that came closest, when one came strictly closest
 * (a tie would only guess at what the author meant).
 */
static int report_no_branch(struct vctx *c, const struct snode *sn, const char *keyword,
			    const cJSON *best, const cJSON *inst, const struct path *at,
			    struct hrdex_problems *out)
{
	int r = report(out, at, keyword, "does not match any of the allowed forms"), rb;

	if (r < 0 || !out || !best)
		return r;
	rb = validate(c, best, sn->base, inst, at, out);
	return rb < 0 ? -1 : r + rb;
}

static int check_branches(struct vctx *c, const struct snode *sn, int kw, const cJSON *inst,
			  const struct path *at, struct hrdex_problems *out)
{
	const cJSON *list = sn->kw[kw], *b, *best = NULL;
	int best_r = 0, tied = 0, matched = 0, first = -1, i = 0;

	if (!cJSON_IsArray(list))
		return 0;
	cJSON_ArrayForEach(b, list) {
		int r = validate(c, b, sn->base, inst, at, NULL);

		if (r < 0)
			return -1;
		if (r == 0) {
			if (kw == KW_ANY_OF)
				return 0;
			if (matched++)
				return report(out, at, "oneOf",
					      "matches more than one of the allowed forms (%d and %d)",
					      first, i);
			first = i;
		} else if (!best || r < best_r) {
			best_r = r;
			best = b;
			tied = 0;
		} else if (r == best_r) {
			tied = 1;
		}
		i++;
	}
	if (matched)
		return 0;
	return report_no_branch(c, sn, hrdex_schema_keyword_names[kw], tied ? NULL : best, inst, at, out);
}

static int check_logic(struct vctx *c, const struct snode *sn, const cJSON *inst,
		       const struct path *at, struct hrdex_problems *out)
{
	const cJSON *k, *b;
	int n = 0, r;

	k = sn->kw[KW_ALL_OF];
	if (cJSON_IsArray(k)) {
		cJSON_ArrayForEach(b, k) {
			if (tally(&n, validate(c, b, sn->base, inst, at, out)) < 0)
				return -1;
		}
	}
	if (tally(&n, check_branches(c, sn, KW_ANY_OF, inst, at, out)) < 0 ||
	    tally(&n, check_branches(c, sn, KW_ONE_OF, inst, at, out)) < 0)
		return -1;
	k = sn->kw[KW_NOT];
	if (k) {
		r = validate(c, k, sn->base, inst, at, NULL);
		if (r < 0)
			return -1;
		if (r == 0 && tally(&n, report(out, at, "not", "must not match the schema in \"not\"")) < 0)
			return -1;
	}
	k = sn->kw[KW_IF];
	if (k && (sn->kw[KW_THEN] || sn->kw[KW_ELSE])) {
		r = validate(c, k, sn->base, inst, at, NULL);
		if (r < 0)
			return -1;
		b = r == 0 ? sn->kw[KW_THEN] : sn->kw[KW_ELSE];
		if (b && tally(&n, validate(c, b, sn->base, inst, at, out)) < 0)
			return -1;
	}
	return n;
}

/*
 * Validate inst (at pointer at) against schema, whose own "$id" resolves
 * against outer.  Returns the number of failures (each recorded in out when
 * out is not NULL), or -1 when validation could not run.
 */
static int validate(struct vctx *c, const cJSON *schema, const struct base *outer,
		    const cJSON *inst, const struct path *at, struct hrdex_problems *out)
{
	const struct snode *sn = NULL;
	int n = 0;

	if (cJSON_IsTrue(schema))
		return 0;
	if (cJSON_IsFalse(schema))
		return report(out, at, "false", "no value is allowed here");
	if (!cJSON_IsObject(schema))
		return hrdex_error_set(HRDEX_E_INVALID, "%s: a schema must be an object or a boolean",
				       outer->origin);
	if (c->depth >= HRDEX_SCHEMA_MAX_DEPTH) {
		char *pointer = path_render(at);

		hrdex_error_set(HRDEX_E_INVALID,
				"%s: validation nested deeper than %d schemas at '%s' (a $ref loop?)",
				outer->origin, HRDEX_SCHEMA_MAX_DEPTH, pointer ? pointer : "?");
		free(pointer);
		return -1;
	}
	if (hrdex_schema_node(c->s, schema, outer, &sn) < 0)
		return -1;
	c->depth++;
	if (sn->ref) {
		n = validate(c, sn->ref, sn->ref_outer, inst, at, out);
		goto done;
	}
	if (tally(&n, check_type(sn, inst, at, out)) < 0 ||
	    tally(&n, check_enum(sn, inst, at, out)) < 0 ||
	    tally(&n, check_const(sn, inst, at, out)) < 0)
		goto fail;
	if (cJSON_IsObject(inst) && tally(&n, check_object(c, sn, inst, at, out)) < 0)
		goto fail;
	if (cJSON_IsArray(inst) && tally(&n, check_array(c, sn, inst, at, out)) < 0)
		goto fail;
	if (cJSON_IsString(inst) && tally(&n, check_string(c, sn, inst, at, out)) < 0)
		goto fail;
	if (cJSON_IsNumber(inst) && tally(&n, check_number(sn, inst, at, out)) < 0)
		goto fail;
	if (tally(&n, check_logic(c, sn, inst, at, out)) < 0)
		goto fail;
	goto done;
fail:
	n = -1;
done:
	c->depth--;
	return n;
}

int hrdex_schema_validate(struct hrdex_schemas *s, const char *schema_id, const cJSON *instance,
			  struct hrdex_problems *problems)
{
	const struct base *outer;
	const cJSON *node;
	struct vctx c = { s, 0 };
	size_t start = problems->count, saved_cap, saved_over, over;
	int r;

	if (hrdex_schemas_find(s, schema_id, &node, &outer) < 0)
		return -1;
	/* At most HRDEX_PROBLEMS_SHOWN problems per document, then how many more. */
	saved_cap = problems->cap;
	saved_over = problems->over;
	problems->cap = start + HRDEX_PROBLEMS_SHOWN;
	problems->over = 0;
	r = validate(&c, node, outer, instance, NULL, problems);
	over = problems->over;
	problems->cap = saved_cap;
	problems->over = saved_over;
	if (r < 0) {
		hrdex_problems_truncate(problems, start);
		return -1;
	}
	if (over && hrdex_problems_add(problems, "", "more", "and %zu more problem%s (only the first %d are listed)",
				       over, over == 1 ? "" : "s", HRDEX_PROBLEMS_SHOWN) < 0)
		return -1;
	return 0;
}
