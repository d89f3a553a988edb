/*
 * signers.c - allowed_signers files (see signers.h), in the format of
 * ssh-keygen(1), ALLOWED SIGNERS.  The text may come from an operator's
 * hand or a peer's repository: every field is bounded and errors name the
 * line.
 */
#include "signers.h"
#include "date.h"
#include "error.h"
#include "fs.h"
#include "sshwire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SIGNERS_FILE_MAX (1 << 20)

/* Glob match of s against pat[0..plen) with '*' and '?', as OpenSSH's
 * match_pattern(); iterative so a hostile pattern cannot recurse deeply. */
static int glob_match(const char *s, const char *pat, size_t plen)
{
	size_t pi = 0, star = (size_t)-1;
	const char *mark = NULL;

	while (*s) {
		if (pi < plen && (pat[pi] == '?' || pat[pi] == *s)) {
			pi++;
			s++;
		} else if (pi < plen && pat[pi] == '*') {
			star = pi++;
			mark = s;
		} else if (star != (size_t)-1) {
			pi = star + 1;
			s = ++mark;
		} else {
			return 0;
		}
	}
	while (pi < plen && pat[pi] == '*')
		pi++;
	return pi == plen;
}

/* OpenSSH's match_pattern_list(): 1 if s matches a positive pattern of the
 * comma list and no negated ('!') one, else 0. */
static int pattern_list_match(const char *s, const char *list)
{
	int positive = 0;

	while (*list) {
		size_t n = strcspn(list, ",");
		int negated = list[0] == '!';

		if (glob_match(s, list + negated, n - (size_t)negated)) {
			if (negated)
				return 0;
			positive = 1;
		}
		list += n;
		if (*list == ',')
			list++;
	}
	return positive;
}

/*
 * valid-after/valid-before: YYYYMMDD[Z], YYYYMMDDHHMM[Z] or
 * YYYYMMDDHHMMSS[Z].  Without Z OpenSSH uses the local time zone; hrdex reads
 * every time as UTC so that a verdict does not depend on the machine's zone
 * (hrdex itself always writes Z).
 */
static int parse_time(int64_t *out, const char *s)
{
	size_t n = strlen(s), i;
	int v[6] = { 0, 0, 0, 0, 0, 0 };
	static const int widths[6] = { 4, 2, 2, 2, 2, 2 };
	const char *p = s;
	int fields, f, w;
	long days;

	if (n && s[n - 1] == 'Z')
		n--;
	if (n == 8)
		fields = 3;
	else if (n == 12)
		fields = 5;
	else if (n == 14)
		fields = 6;
	else
		return -1;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	for (f = 0; f < fields; f++)
		for (w = 0; w < widths[f]; w++)
			v[f] = v[f] * 10 + (*p++ - '0');
	if (hrdex_date_civil_days(&days, v[0], v[1], v[2]) < 0 || v[3] > 23 || v[4] > 59 || v[5] > 59)
		return -1;
	*out = (int64_t)days * 86400 + v[3] * 3600 + v[4] * 60 + v[5];
	return 0;
}

/* Key types OpenSSH knows, so that options and key type can be told apart. */
static int is_key_type(const char *s, size_t n)
{
	static const char *const types[] = {
		"ssh-ed25519", "ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
		"ecdsa-sha2-nistp521", "sk-ecdsa-sha2-nistp256@openssh.com",
		"sk-ssh-ed25519@openssh.com", "ssh-xmss@openssh.com",
	};
	size_t i, cert = strlen("-cert-v01@openssh.com");

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t t = strlen(types[i]);

		if (n == t && memcmp(s, types[i], n) == 0)
			return 1;
		/* Certificates: "ssh-ed25519-cert-v01@openssh.com" and friends. */
		if (n > cert && n - cert == strcspn(types[i], "@") &&
		    memcmp(s + n - cert, "-cert-v01@openssh.com", cert) == 0 &&
		    memcmp(s, types[i], n - cert) == 0)
			return 1;
	}
	return 0;
}

struct line_opts {
	int cert_authority;
	char *namespaces;
	int64_t valid_after, valid_before;
	int have_after, have_before;
};

/* Read a quoted option value starting at *p ('"'); `\"` is a quote, as in
 * OpenSSH's opt_dequote().  Returns a malloc'ed string or NULL. */
static char *dequote(const char **p, const char *end)
{
	const char *s = *p;
	char *out, *o;

	if (s >= end || *s != '"')
		return NULL;
	out = malloc((size_t)(end - s) + 1);
	if (!out)
		return NULL;
	for (o = out, s++; s < end && *s != '"'; s++) {
		if (s[0] == '\\' && s + 1 < end && s[1] == '"')
			s++;
		*o++ = *s;
	}
	if (s >= end) {
		free(out);
		return NULL;
	}
	*o = '\0';
	*p = s + 1;
	return out;
}

static int option_is(const char **p, const char *end, const char *name)
{
	size_t n = strlen(name);

	if ((size_t)(end - *p) < n || strncasecmp(*p, name, n) != 0)
		return 0;
	*p += n;
	return 1;
}

/* Parse "opt,opt,..." in [p, end) into o; errors name origin:line. */
static int parse_options(struct line_opts *o, const char *p, const char *end,
			 const char *origin, size_t line)
{
	char *value = NULL;
	int ret = -1, after;

	while (p < end) {
		if (option_is(&p, end, "cert-authority")) {
			o->cert_authority = 1;
		} else if (option_is(&p, end, "namespaces=")) {
			if (o->namespaces) {
				hrdex_error_set(HRDEX_E_CONFIG, "%s:%zu: two namespaces options", origin, line);
				goto cleanup;
			}
			o->namespaces = dequote(&p, end);
			if (!o->namespaces) {
				hrdex_error_set(HRDEX_E_CONFIG, "%s:%zu: namespaces needs a quoted value",
						origin, line);
				goto cleanup;
			}
		} else if ((after = option_is(&p, end, "valid-after=")) ||
			   option_is(&p, end, "valid-before=")) {
			int64_t *slot = after ? &o->valid_after : &o->valid_before;
			int *have = after ? &o->have_after : &o->have_before;

			value = dequote(&p, end);
			if (!value || *have || parse_time(slot, value) < 0) {
				hrdex_error_set(HRDEX_E_CONFIG, "%s:%zu: bad or repeated valid-%s "
						"(want \"YYYYMMDD[HHMM[SS]][Z]\")", origin, line,
						after ? "after" : "before");
				goto cleanup;
			}
			*have = 1;
			free(value);
			value = NULL;
		} else {
			char shown[64];
			size_t n = 0;

			/* The text need not be NUL-terminated: stop at end. */
			while (p + n < end && !memchr(",= \t", p[n], 4))
				n++;
			hrdex_error_set(HRDEX_E_CONFIG, "%s:%zu: unknown option '%s'", origin, line,
					hrdex_ssh_printable(shown, sizeof(shown), p, n));
			goto cleanup;
		}
		if (p == end)
			break;
		if (*p != ',' || p + 1 == end) {
			hrdex_error_set(HRDEX_E_CONFIG, "%s:%zu: malformed options", origin, line);
			goto cleanup;
		}
		p++;
	}
	ret = 0;
cleanup:
	free(value);
	return ret;
}

/* One principal of a list: hrdex publishers are exact names, so patterns are
 * refused rather than guessed at (a "*" would let one key speak for every
 * publisher). */
static int check_principal(const char *s, size_t n, const char *origin, size_t line)
{
	char shown[64];
	size_t i;

	if (n == 0)
		return hrdex_error_set(HRDEX_E_CONFIG, "%s:%zu: empty principal", origin, line);
	for (i = 0; i < n; i++)
		if (strchr("*?!", s[i]) || (unsigned char)s[i] < 0x20)
			return hrdex_error_set(HRDEX_E_CONFIG, "%s:%zu: principal '%s': patterns are not "
					       "supported, list each publisher", origin, line,
					       hrdex_ssh_printable(shown, sizeof(shown), s, n));
	return 0;
}

static int add_signer(struct hrdex_signers *s, const char *principal, size_t n,
		      const unsigned char pk[32], const struct line_opts *o)
{
	struct hrdex_signer *items, *e;

	items = realloc(s->items, (s->count + 1) * sizeof(*items));
	if (!items)
		return hrdex_error_oom();
	s->items = items;
	e = &items[s->count];
	memset(e, 0, sizeof(*e));
	e->principal = strndup(principal, n);
	e->namespaces = o->namespaces ? strdup(o->namespaces) : NULL;
	if (!e->principal || (o->namespaces && !e->namespaces)) {
		free(e->principal);
		free(e->namespaces);
		return hrdex_error_oom();
	}
	memcpy(e->pk, pk, 32);
	e->valid_after = o->have_after ? o->valid_after : INT64_MIN;
	e->valid_before = o->have_before ? o->valid_before : INT64_MAX;
	e->cert_authority = o->cert_authority;
	s->count++;
	return 0;
}

/*
 * The principals field that starts a line at p: a word, or a quoted string.
 * [*start, *stop) gets the list; returns where the field ends (after the
 * closing quote), or NULL when a quote is not closed.
 */
static const char *principals_field(const char **start, const char **stop, const char *p, const char *end)
{
	if (*p == '"') {
		*start = ++p;
		while (p < end && *p != '"')
			p++;
		if (p == end)
			return NULL;
		*stop = p;
		return p + 1;
	}
	*start = p;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	*stop = p;
	return p;
}

/* Parse one non-comment line [p, end). */
static int parse_signers_line(struct hrdex_signers *s, const char *p, const char *end,
			      const char *origin, size_t line)
{
	struct line_opts o = { 0, NULL, 0, 0, 0, 0 };
	const char *principals, *pend, *tok, *key;
	size_t tok_len, key_len;
	unsigned char pk[32];
	int ret = -1;

	p = principals_field(&principals, &pend, p, end);
	if (!p) {
		hrdex_error_set(HRDEX_E_CONFIG, "%s:%zu: unterminated quote", origin, line);
		goto cleanup;
	}
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	/* options, unless the next word is already the key type */
	tok = p;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	if (!is_key_type(tok, (size_t)(p - tok))) {
		int quoted = 0;

		for (p = tok; p < end && (quoted || (*p != ' ' && *p != '\t')); p++)
			if (*p == '"')
				quoted = !quoted;
		if (quoted) {
			hrdex_error_set(HRDEX_E_CONFIG, "%s:%zu: unterminated quote in options", origin, line);
			goto cleanup;
		}
		if (parse_options(&o, tok, p, origin, line) < 0)
			goto cleanup;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		tok = p;
		while (p < end && *p != ' ' && *p != '\t')
			p++;
	}
	tok_len = (size_t)(p - tok);
	if (!is_key_type(tok, tok_len)) {
		hrdex_error_set(HRDEX_E_CONFIG, "%s:%zu: no key (expected \"PRINCIPALS [OPTIONS] "
				HRDEX_SSH_KEY_TYPE " AAAA...\")", origin, line);
		goto cleanup;
	}
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	key = p;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	key_len = (size_t)(p - key);
	/* Other key types cannot sign for hrdex: such lines grant nothing, but
	 * stay legal so one file can serve git and hrdex. */
	if (tok_len != strlen(HRDEX_SSH_KEY_TYPE) || memcmp(tok, HRDEX_SSH_KEY_TYPE, tok_len) != 0) {
		ret = 0;
		goto cleanup;
	}
	if (hrdex_ssh_decode_public_key(pk, key, key_len) < 0) {
		char why[256];

		hrdex_fmt_cut(why, sizeof(why), "%s", hrdex_error_message());
		hrdex_error_set(HRDEX_E_CONFIG, "%s:%zu: %s", origin, line, why);
		goto cleanup;
	}
	/* Split the principal list: one entry each. */
	for (p = principals; p <= pend; p++) {
		const char *q = p;

		while (q < pend && *q != ',')
			q++;
		if (check_principal(p, (size_t)(q - p), origin, line) < 0 ||
		    add_signer(s, p, (size_t)(q - p), pk, &o) < 0)
			goto cleanup;
		p = q;
	}
	ret = 0;
cleanup:
	free(o.namespaces);
	return ret;
}

int hrdex_signers_parse(struct hrdex_signers **out, const char *text, size_t len, const char *origin)
{
	struct hrdex_signers *s = calloc(1, sizeof(*s));
	const char *p = text, *end = text + len, *eol, *stop;
	size_t line = 0;

	*out = NULL;
	if (!s)
		return hrdex_error_oom();
	if (!origin)
		origin = "allowed_signers";
	if (len && memchr(text, '\0', len)) {
		hrdex_error_set(HRDEX_E_CONFIG, "%s: holds a NUL byte", origin);
		goto fail;
	}
	while (p < end) {
		line++;
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		stop = eol;
		while (stop > p && (stop[-1] == '\r' || stop[-1] == ' ' || stop[-1] == '\t'))
			stop--;
		while (p < stop && (*p == ' ' || *p == '\t'))
			p++;
		if (p < stop && *p != '#' && parse_signers_line(s, p, stop, origin, line) < 0)
			goto fail;
		p = eol + (eol < end);
	}
	*out = s;
	return 0;
fail:
	hrdex_signers_free(s);
	return -1;
}

int hrdex_signers_load(struct hrdex_signers **out, const char *path)
{
	struct hrdex_buf text = HRDEX_BUF_INIT;
	int ret;

	*out = NULL;
	if (!hrdex_fs_exists(path))
		return hrdex_signers_parse(out, "", 0, path);
	if (hrdex_fs_read(&text, path, SIGNERS_FILE_MAX) < 0)
		return -1;
	ret = hrdex_signers_parse(out, text.ptr, text.len, path);
	hrdex_buf_free(&text);
	return ret;
}

/* Append line [p, end) less principal to out; *hit when it named it. */
static int drop_from_line(struct hrdex_buf *out, const char *p, const char *end, const char *principal,
			  int *hit)
{
	const char *line = p, *start, *stop, *after, *q;
	size_t n = strlen(principal), kept = 0, mark;

	*hit = 0;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p == '#' || *p == '\r' || !(after = principals_field(&start, &stop, p, end)))
		goto whole; /* blank, comment, or unparsable: not ours to fix */
	for (q = start; q <= stop; q++) {
		const char *e = q;

		while (e < stop && *e != ',')
			e++;
		if ((size_t)(e - q) == n && !memcmp(q, principal, n))
			*hit = 1;
		q = e;
	}
	if (!*hit)
		goto whole;
	mark = out->len;
	if (hrdex_buf_put(out, line, (size_t)(p - line)) < 0 || (*p == '"' && hrdex_buf_putc(out, '"') < 0))
		return -1;
	for (q = start; q <= stop; q++) {
		const char *e = q;

		while (e < stop && *e != ',')
			e++;
		if (!((size_t)(e - q) == n && !memcmp(q, principal, n)) &&
		    ((kept++ && hrdex_buf_putc(out, ',') < 0) || hrdex_buf_put(out, q, (size_t)(e - q)) < 0))
			return -1;
		q = e;
	}
	if (!kept) {
		out->len = mark; /* nobody left on the line: it goes */
		if (out->ptr)
			out->ptr[mark] = '\0';
		return 0;
	}
	if ((*p == '"' && hrdex_buf_putc(out, '"') < 0) || hrdex_buf_put(out, after, (size_t)(end - after)) < 0)
		return -1;
	return hrdex_buf_putc(out, '\n');
whole:
	if (hrdex_buf_put(out, line, (size_t)(end - line)) < 0)
		return -1;
	return hrdex_buf_putc(out, '\n');
}

int hrdex_signers_drop(struct hrdex_buf *out, const char *text, size_t len, const char *principal,
		       size_t *removed)
{
	const char *p = text, *end = text + len, *eol;
	size_t count = 0;
	int hit;

	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		if (drop_from_line(out, p, eol, principal, &hit) < 0)
			return -1;
		count += (size_t)hit;
		p = eol + (eol < end);
	}
	if (removed)
		*removed = count;
	return 0;
}

void hrdex_signers_free(struct hrdex_signers *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->count; i++) {
		free(s->items[i].principal);
		free(s->items[i].namespaces);
	}
	free(s->items);
	free(s);
}

int hrdex_signers_check(const struct hrdex_signers *s, const char *principal,
			const unsigned char pk[32], const char *namespace, int64_t when)
{
	int best = HRDEX_SIGNERS_UNTRUSTED;
	size_t i;

	for (i = 0; s && i < s->count; i++) {
		const struct hrdex_signer *e = &s->items[i];

		if (e->cert_authority || strcmp(e->principal, principal) != 0 ||
		    memcmp(e->pk, pk, 32) != 0)
			continue;
		if (e->namespaces && !pattern_list_match(namespace, e->namespaces)) {
			if (best == HRDEX_SIGNERS_UNTRUSTED)
				best = HRDEX_SIGNERS_NAMESPACE;
			continue;
		}
		if (when < e->valid_after || when > e->valid_before) {
			best = HRDEX_SIGNERS_EXPIRED;
			continue;
		}
		return HRDEX_SIGNERS_OK;
	}
	return best;
}

int hrdex_signers_allow(const struct hrdex_signers *s, const char *principal,
			const unsigned char pk[32], const char *namespace, int64_t when)
{
	return hrdex_signers_check(s, principal, pk, namespace, when) == HRDEX_SIGNERS_OK;
}

int hrdex_signers_has(const struct hrdex_signers *s, const char *principal)
{
	size_t i;

	for (i = 0; s && i < s->count; i++)
		if (!s->items[i].cert_authority && strcmp(s->items[i].principal, principal) == 0)
			return 1;
	return 0;
}

