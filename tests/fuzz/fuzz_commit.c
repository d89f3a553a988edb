/*
 * fuzz_commit.c - commit headers as a peer may send them
 * (hrdex_commit_parse_headers, agent/store/signed_commit.c): the whole input is a raw
 * commit object.
 * Invariants, checked by a reference written independently of signed_commit.c:
 *   - a commit that parses has no NUL byte, starts with "tree " and 40
 *     lowercase hex digits, has exactly one line starting "author " and one
 *     starting "committer " in its header section, each an identity that
 *     git's fsck_ident accepts (one '<', one '>', "NAME <EMAIL> DIGITS
 *     SIGN4DIGITS"), and at most one "gpgsig" header, which ends the header
 *     section;
 *   - the offsets it reports lie inside the object and in order;
 *   - the verdict does not depend on bytes after the message starts, other
 *     than NUL bytes (the message is not a header).
 */
#include "fuzz.h"
#include "signed_commit.h"

#include <string.h>

/* "NAME <EMAIL> SECONDS +HHMM" as git's fsck_ident wants it. */
static int ident_ok(const char *v, size_t n)
{
	size_t lt = n, gt = n, i, nlt = 0, ngt = 0, d;

	for (i = 0; i < n; i++) {
		if (v[i] == '<') {
			nlt++;
			lt = i;
		}
		if (v[i] == '>') {
			ngt++;
			gt = i;
		}
	}
	if (nlt != 1 || ngt != 1 || lt == 0 || gt < lt || v[lt - 1] != ' ')
		return 0;
	i = gt + 1;
	if (i >= n || v[i] != ' ')
		return 0;
	i++;
	for (d = 0; i + d < n && v[i + d] >= '0' && v[i + d] <= '9'; d++)
		;
	if (d == 0 || d > 19 || (d > 1 && v[i] == '0'))
		return 0;
	i += d;
	if (n - i != 6 || v[i] != ' ' || (v[i + 1] != '+' && v[i + 1] != '-'))
		return 0;
	for (d = 2; d < 6; d++)
		if (v[i + d] < '0' || v[i + d] > '9')
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *p, *end = text + size;
	struct hrdex_commit_headers h, h2;
	size_t authors = 0, committers = 0, gpgsigs = 0, i;
	char why[256];
	char *copy;
	int r;

	if (size > 65536)
		return 0;
	r = hrdex_commit_parse_headers(&h, text, size, why, sizeof(why));
	FUZZ_CHECK(r == 0 || r == 1, "verdict is 0 or 1");
	if (r)
		return 0;
	FUZZ_CHECK(!memchr(text, '\0', size), "no NUL byte");
	FUZZ_CHECK(size >= 46 && !memcmp(text, "tree ", 5) && text[45] == '\n', "tree line first");
	for (i = 5; i < 45; i++)
		FUZZ_CHECK((text[i] >= '0' && text[i] <= '9') || (text[i] >= 'a' && text[i] <= 'f'), "tree hex");
	FUZZ_CHECK(h.body >= 47 && h.body <= size && text[h.body - 1] == '\n' && text[h.body - 2] == '\n',
		   "body after an empty line");
	FUZZ_CHECK(!h.has_signature || (h.sig_start < h.sig_end && h.sig_end + 1 == h.body &&
					!memcmp(text + h.sig_start, "gpgsig ", 7)),
		   "gpgsig span ends the header section");
	for (p = text; p < text + h.body - 1;) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		FUZZ_CHECK(eol != NULL, "header lines end with newlines");
		if (!strncmp(p, "author ", 7)) {
			authors++;
			FUZZ_CHECK(ident_ok(p + 7, (size_t)(eol - p - 7)), "author is an identity git accepts");
		} else if (!strncmp(p, "committer ", 10)) {
			committers++;
			FUZZ_CHECK(ident_ok(p + 10, (size_t)(eol - p - 10)), "committer is an identity git accepts");
		} else if (!strncmp(p, "gpgsig ", 7)) {
			gpgsigs++;
		}
		p = eol + 1;
	}
	FUZZ_CHECK(authors == 1 && committers == 1, "one author, one committer");
	FUZZ_CHECK(gpgsigs == (size_t)h.has_signature, "at most one gpgsig");
	/* The message is not read: any other message gives the same verdict. */
	copy = malloc(h.body + 2);
	FUZZ_CHECK(copy != NULL, "memory");
	memcpy(copy, text, h.body);
	memcpy(copy + h.body, "x\n", 2);
	FUZZ_CHECK(hrdex_commit_parse_headers(&h2, copy, h.body + 2, why, sizeof(why)) == 0 &&
		   h2.committer_time == h.committer_time && h2.body == h.body,
		   "the message does not change the verdict");
	free(copy);
	return 0;
}
