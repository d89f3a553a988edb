/*
 * signed_commit.c - signed git commits (see signed_commit.h): writing them
 * as git does, and checking a peer's commit headers as `git fsck --strict`
 * does and its signature against allowed_signers.
 */
#include "signed_commit.h"
#include "error.h"
#include "refs.h"
#include "sshsig.h"
#include "sshwire.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define COMMIT_MAX (1 << 20)      /* hrdex writes small commits; a peer may not send huge ones */

/*
 * The commit text git and libgit2 write for payload + signature: the header
 * "gpgsig" goes last in the header section, each armor line after the first
 * indented by one space, the armor's final newline being the header's end.
 */
static int build_signed_commit(struct hrdex_buf *out, const char *payload, size_t len,
			       const char *armor, size_t armor_len)
{
	const char *eoh = NULL;
	size_t i, head;

	for (i = 0; i + 1 < len; i++)
		if (payload[i] == '\n' && payload[i + 1] == '\n') {
			eoh = payload + i;
			break;
		}
	if (!eoh || armor_len == 0 || armor[armor_len - 1] != '\n')
		return hrdex_error_set(HRDEX_E_INVALID, "malformed commit");
	head = (size_t)(eoh - payload) + 1;
	if (hrdex_buf_put(out, payload, head) < 0 || hrdex_buf_puts(out, "gpgsig ") < 0)
		return -1;
	for (i = 0; i < armor_len; i++) {
		if (hrdex_buf_putc(out, armor[i]) < 0)
			return -1;
		if (armor[i] == '\n' && i + 1 < armor_len && hrdex_buf_putc(out, ' ') < 0)
			return -1;
	}
	return hrdex_buf_put(out, payload + head, len - head);
}

int hrdex_commit_create_signed(git_oid *out, git_repository *repo, const char *commit_text,
			       const struct hrdex_key *key)
{
	struct hrdex_buf armor = HRDEX_BUF_INIT, canonical = HRDEX_BUF_INIT;
	struct hrdex_commit_headers h;
	size_t len = strlen(commit_text);
	char why[256];
	git_oid expect;
	int ret = -1;

	if (hrdex_sshsig_sign(&armor, key, "git", commit_text, len) < 0)
		goto cleanup;
	if (build_signed_commit(&canonical, commit_text, len, armor.ptr, armor.len) < 0)
		goto cleanup;
	/* libgit2 appends the header's newline itself: pass the armor without its
	 * own, or a " \n" line would follow and the id would not be git's. */
	armor.ptr[--armor.len] = '\0';
	if (git_commit_create_with_signature(out, repo, commit_text, armor.ptr, "gpgsig") < 0) {
		hrdex_error_git(HRDEX_E_IO, "cannot write signed commit");
		goto cleanup;
	}
	/* What we write must be what we would accept: same bytes, same id,
	 * headers git fsck --strict passes (a publisher id or name that made a
	 * malformed identity would otherwise go out to every peer). */
	if (git_odb_hash(&expect, canonical.ptr, canonical.len, GIT_OBJECT_COMMIT) < 0 ||
	    !git_oid_equal(&expect, out)) {
		hrdex_error_set(HRDEX_E_INTERNAL, "signed commit is not in canonical form");
		goto cleanup;
	}
	if (hrdex_commit_parse_headers(&h, canonical.ptr, canonical.len, why, sizeof(why))) {
		hrdex_error_set(HRDEX_E_INTERNAL, "signed commit would be refused: %s", why);
		goto cleanup;
	}
	ret = 0;
cleanup:
	hrdex_buf_free(&canonical);
	hrdex_buf_free(&armor);
	return ret;
}

/* ---- commit headers, as `git fsck --strict` checks them ---------------- */

static int header_fail(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int header_fail(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
	return 1;
}

/* 40 lowercase hex digits and nothing else (what git writes). */
static int is_hex_oid(const char *v, size_t n)
{
	return n == HRDEX_OID_HEX && hrdex_oid_hex_valid(v);
}

/*
 * NULL when v (an author or committer value, no newline) is an identity
 * git's fsck_ident accepts: "NAME <EMAIL> SECONDS +HHMM", else what is
 * wrong.  The order of the tests follows fsck_ident, so that hrdex refuses
 * exactly what git refuses; *when gets the seconds.
 */
static const char *ident_problem(const char *v, size_t n, int64_t *when)
{
	const char *p = v, *end = v + n;
	int64_t t = 0;
	int i;

	if (p < end && *p == '<')
		return "no name before the email";
	while (p < end && *p != '<' && *p != '>')
		p++;
	if (p < end && *p == '>')
		return "'>' in the name";
	if (p == end)
		return "no email";
	if (p[-1] != ' ')
		return "no space before '<' (or a '<' in the name)";
	for (p++; p < end && *p != '<' && *p != '>'; p++)
		;
	if (p == end || *p != '>')
		return "the email is not closed by '>' (or a '<' in the name or email)";
	p++;
	if (p == end || *p != ' ')
		return "no space before the date";
	p++;
	if (p == end || *p < '0' || *p > '9')
		return "malformed date";
	if (*p == '0' && p + 1 < end && p[1] != ' ')
		return "zero-padded date";
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		if (t > (INT64_MAX - (*p - '0')) / 10)
			return "date out of range";
		t = t * 10 + (*p - '0');
	}
	if (p == end || *p != ' ')
		return "malformed date";
	p++;
	if (end - p != 5 || (p[0] != '+' && p[0] != '-'))
		return "malformed time zone (expected +HHMM or -HHMM)";
	for (i = 1; i < 5; i++)
		if (p[i] < '0' || p[i] > '9')
			return "malformed time zone (expected +HHMM or -HHMM)";
	*when = t;
	return NULL;
}

/* The place of each header in git's order; gpgsig comes last, as git and
 * libgit2 write it and as the canonical rebuild in hrdex_commit_verify
 * requires. */
enum { H_START, H_TREE, H_AUTHOR, H_COMMITTER, H_ENCODING, H_GPGSIG };

int hrdex_commit_parse_headers(struct hrdex_commit_headers *out, const char *data, size_t size, char *why,
			       size_t why_size)
{
	const char *p = data, *end = data + size;
	int phase = H_START, in_sig = 0;
	size_t gpgsigs = 0;
	char shown[64];

	memset(out, 0, sizeof(*out));
	if (memchr(data, '\0', size))
		return header_fail(why, why_size, "NUL byte in the commit");
	for (;;) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *v;
		size_t n, vlen;
		const char *problem;

		if (!eol)
			return header_fail(why, why_size, "malformed commit (no end of header)");
		if (eol == p) {
			out->body = (size_t)(eol + 1 - data);
			break;
		}
		if (*p == ' ') {
			/* A continuation line: only the signature spans lines. */
			if (!in_sig)
				return header_fail(why, why_size, "malformed header (a continuation line outside gpgsig)");
			out->sig_end = (size_t)(eol + 1 - data);
			p = eol + 1;
			continue;
		}
		in_sig = 0;
		for (n = 0; p + n < eol && p[n] != ' '; n++)
			;
		v = p + n < eol ? p + n + 1 : eol;
		vlen = (size_t)(eol - v);
		hrdex_ssh_printable(shown, sizeof(shown), p, n);
		if (phase == H_START && !hrdex_ssh_bytes_equal((const unsigned char *)p, n, "tree"))
			return header_fail(why, why_size, "the first header is '%s', not 'tree'", shown);
		if (hrdex_ssh_bytes_equal((const unsigned char *)p, n, "tree")) {
			if (phase != H_START)
				return header_fail(why, why_size, "two tree lines");
			if (!is_hex_oid(v, vlen) || v == eol)
				return header_fail(why, why_size, "malformed tree line");
			phase = H_TREE;
		} else if (hrdex_ssh_bytes_equal((const unsigned char *)p, n, "parent")) {
			if (phase != H_TREE)
				return header_fail(why, why_size, "a parent line after the author");
			if (!is_hex_oid(v, vlen) || v == eol)
				return header_fail(why, why_size, "malformed parent line");
		} else if (hrdex_ssh_bytes_equal((const unsigned char *)p, n, "author")) {
			if (phase != H_TREE)
				return header_fail(why, why_size, "two author lines");
			if ((problem = v == eol ? "empty" : ident_problem(v, vlen, &out->author_time)))
				return header_fail(why, why_size, "malformed author: %s", problem);
			phase = H_AUTHOR;
		} else if (hrdex_ssh_bytes_equal((const unsigned char *)p, n, "committer")) {
			if (phase > H_AUTHOR)
				return header_fail(why, why_size, "two committer lines");
			if (phase != H_AUTHOR)
				return header_fail(why, why_size, "no author line before the committer");
			if ((problem = v == eol ? "empty" : ident_problem(v, vlen, &out->committer_time)))
				return header_fail(why, why_size, "malformed committer: %s", problem);
			phase = H_COMMITTER;
		} else if (hrdex_ssh_bytes_equal((const unsigned char *)p, n, "encoding")) {
			if (phase != H_COMMITTER)
				return header_fail(why, why_size, "%s", phase == H_ENCODING ? "two encoding lines"
					: "the encoding line is not right after the committer");
			if (!(vlen == 5 && !strncasecmp(v, "utf-8", 5)) && !(vlen == 4 && !strncasecmp(v, "utf8", 4)))
				return header_fail(why, why_size, "encoding '%s' (only UTF-8 is accepted)",
						   hrdex_ssh_printable(shown, sizeof(shown), v, vlen));
			phase = H_ENCODING;
		} else if (hrdex_ssh_bytes_equal((const unsigned char *)p, n, "gpgsig")) {
			if (++gpgsigs > 1)
				return header_fail(why, why_size, "two gpgsig headers");
			if (phase < H_COMMITTER)
				return header_fail(why, why_size, "the gpgsig header comes before the committer");
			if (v == eol)
				return header_fail(why, why_size, "empty gpgsig header");
			out->sig_start = (size_t)(p - data);
			out->sig_end = (size_t)(eol + 1 - data);
			in_sig = 1;
			phase = H_GPGSIG;
		} else if (hrdex_ssh_bytes_equal((const unsigned char *)p, n, "gpgsig-sha256") ||
			   hrdex_ssh_bytes_equal((const unsigned char *)p, n, "mergetag")) {
			return header_fail(why, why_size, "has a %s header (another signature)", shown);
		} else {
			return header_fail(why, why_size, "unexpected header '%s'", shown);
		}
		p = eol + 1;
	}
	if (phase == H_START)
		return header_fail(why, why_size, "no tree line");
	if (phase < H_AUTHOR)
		return header_fail(why, why_size, "no author line");
	if (phase < H_COMMITTER)
		return header_fail(why, why_size, "no committer line");
	out->has_signature = gpgsigs == 1;
	return 0;
}

int hrdex_commit_verify(git_repository *repo, const git_oid *id, const struct hrdex_signers *signers,
			const char *principal)
{
	return hrdex_commit_verify_at(repo, id, signers, principal, 0, NULL);
}

int hrdex_commit_verify_at(git_repository *repo, const git_oid *id, const struct hrdex_signers *signers,
			   const char *principal, int64_t now, unsigned char signer_out[32])
{
	char sid[8], why[512];
	git_odb *odb = NULL;
	git_odb_object *obj = NULL;
	git_object_t type = GIT_OBJECT_INVALID;
	size_t size = 0, sig_start = 0, sig_end = 0;
	const char *data, *p;
	struct hrdex_buf value = HRDEX_BUF_INIT, payload = HRDEX_BUF_INIT, canonical = HRDEX_BUF_INIT;
	struct hrdex_commit_headers h;
	unsigned char signer[32];
	int64_t when = 0;
	git_oid rebuilt;
	int ret = -1, verdict;

	git_oid_tostr(sid, sizeof(sid), id);
	if (git_repository_odb(&odb, repo) < 0) {
		hrdex_error_git(HRDEX_E_IO, "commit %s: cannot open object database", sid);
		goto cleanup;
	}
	if (git_odb_read_header(&size, &type, odb, id) < 0) {
		hrdex_error_git(HRDEX_E_INVALID, "commit %s: cannot read", sid);
		goto cleanup;
	}
	if (type != GIT_OBJECT_COMMIT || size > COMMIT_MAX) {
		hrdex_error_set(HRDEX_E_INVALID, "commit %s: %s", sid,
				type != GIT_OBJECT_COMMIT ? "not a commit" : "commit object too large");
		goto cleanup;
	}
	if (git_odb_read(&obj, odb, id) < 0) {
		hrdex_error_git(HRDEX_E_INVALID, "commit %s: cannot read", sid);
		goto cleanup;
	}
	data = git_odb_object_data(obj);
	size = git_odb_object_size(obj);
	if (hrdex_commit_parse_headers(&h, data, size, why, sizeof(why))) {
		hrdex_error_set(HRDEX_E_INVALID, "commit %s: %s", sid, why);
		goto cleanup;
	}
	if (!h.has_signature) {
		hrdex_error_set(HRDEX_E_INVALID, "commit %s: unsigned", sid);
		goto cleanup;
	}
	when = h.committer_time;
	sig_start = h.sig_start;
	sig_end = h.sig_end;
	/* The armor: the header's value, continuation lines without their space. */
	for (p = data + sig_start + strlen("gpgsig "); p < data + sig_end - 1; p++) {
		if (hrdex_buf_putc(&value, *p) < 0)
			goto cleanup;
		if (*p == '\n')
			p++;
	}
	/* Payload: the commit without its gpgsig header, as git verifies it. */
	if (hrdex_buf_put(&payload, data, sig_start) < 0 ||
	    hrdex_buf_put(&payload, data + sig_end, size - sig_end) < 0 ||
	    hrdex_buf_putc(&value, '\n') < 0)
		goto cleanup;
	if (hrdex_sshsig_verify(signer, value.ptr, value.len, "git", payload.ptr, payload.len) < 0) {
		hrdex_fmt_cut(why, sizeof(why), "%s", hrdex_error_message());
		hrdex_error_set(HRDEX_E_INVALID, "commit %s: %s", sid, why);
		goto cleanup;
	}
	/* The one text git would write for this payload and signature must be
	 * this very object, or a relay has re-wrapped a valid signature. */
	if (build_signed_commit(&canonical, payload.ptr, payload.len, value.ptr, value.len) < 0 ||
	    git_odb_hash(&rebuilt, canonical.ptr, canonical.len, GIT_OBJECT_COMMIT) < 0 ||
	    !git_oid_equal(&rebuilt, id)) {
		hrdex_error_set(HRDEX_E_INVALID, "commit %s: non-canonical signature (commit text "
				"is not what git would write)", sid);
		goto cleanup;
	}
	verdict = hrdex_signers_check(signers, principal, signer, "git", when);
	/* The date is the signer's to choose: it may refuse a commit (stock
	 * git checks it), never make a retired key valid again. */
	if (verdict == HRDEX_SIGNERS_OK && now &&
	    hrdex_signers_check(signers, principal, signer, "git", now) == HRDEX_SIGNERS_EXPIRED) {
		hrdex_error_set(HRDEX_E_INVALID, "commit %s: signed by a key of '%s' that allowed_signers has retired "
				"or not yet made valid (valid-before, valid-after) at the time the commit reaches this "
				"agent, whatever date the commit names",
				sid, principal);
		goto cleanup;
	}
	if (verdict == HRDEX_SIGNERS_EXPIRED) {
		hrdex_error_set(HRDEX_E_INVALID, "commit %s: key not valid at commit time", sid);
		goto cleanup;
	}
	if (verdict == HRDEX_SIGNERS_NAMESPACE) {
		hrdex_error_set(HRDEX_E_INVALID, "commit %s: key of '%s' not allowed to sign namespace 'git'",
				sid, principal);
		goto cleanup;
	}
	if (verdict != HRDEX_SIGNERS_OK) {
		hrdex_error_set(HRDEX_E_INVALID, "commit %s: signed by a key not trusted for '%s'",
				sid, principal);
		goto cleanup;
	}
	if (signer_out)
		memcpy(signer_out, signer, 32);
	ret = 0;
cleanup:
	hrdex_buf_free(&canonical);
	hrdex_buf_free(&payload);
	hrdex_buf_free(&value);
	git_odb_object_free(obj);
	git_odb_free(odb);
	return ret;
}
