/*
 * test_sign_commit.c - signed commits: stock `git verify-commit` accepts
 * what hrdex signs, hrdex accepts what `git commit -S` signs, and hrdex
 * refuses every commit a relay or forger could derive from a signed one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <unistd.h>

#include <git2.h>

#include "error.h"
#include "sign_util.h"
#include "signed_commit.h"
#include "signers.h"
#include "sshsig.h"

#define WHEN 1700000000 /* 2023-11-14T22:13:20Z, committer time of test commits */
#define SIG_END_LINE "-----END SSH SIGNATURE-----\n"

struct fx {
	struct tmp *t;
	struct hrdex_key key;
	char keypath[128], allowed[128], repo_path[128];
	git_repository *repo;
	struct hrdex_signers *signers;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct hrdex_buf line = HRDEX_BUF_INIT;
	int ret = -1;

	*state = f;
	if (!f || !(f->t = tmp_new()))
		goto done;
	git_libgit2_init();
	tmp_path(f->keypath, sizeof(f->keypath), f->t, "id_ed25519");
	tmp_path(f->allowed, sizeof(f->allowed), f->t, "allowed_signers");
	tmp_path(f->repo_path, sizeof(f->repo_path), f->t, "repo.git");
	if (hrdex_key_generate(&f->key, "achpr") < 0 || hrdex_key_save(&f->key, f->keypath) < 0 ||
	    signers_line(&line, "achpr", "namespaces=\"git\"", f->key.pk) < 0 ||
	    write_text(f->allowed, line.ptr, line.len) < 0 ||
	    hrdex_signers_load(&f->signers, f->allowed) < 0 ||
	    git_repository_init(&f->repo, f->repo_path, 1) < 0)
		goto done;
	ret = 0;
done:
	hrdex_buf_free(&line);
	return ret;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (!f)
		return 0;
	git_repository_free(f->repo);
	hrdex_signers_free(f->signers);
	hrdex_key_wipe(&f->key);
	tmp_free(f->t);
	free(f);
	git_libgit2_shutdown();
	return 0;
}

/* The text of an unsigned commit of an empty tree, as hrdex would make it. */
static void commit_text(struct fx *f, git_buf *out, const char *message, git_time_t when)
{
	git_treebuilder *tb = NULL;
	git_tree *tree = NULL;
	git_signature *sig = NULL;
	git_oid tree_id;

	assert_int_equal(git_treebuilder_new(&tb, f->repo, NULL), 0);
	assert_int_equal(git_treebuilder_write(&tree_id, tb), 0);
	assert_int_equal(git_tree_lookup(&tree, f->repo, &tree_id), 0);
	assert_int_equal(git_signature_new(&sig, "achpr", "achpr@example.org", when, 60), 0);
	assert_int_equal(git_commit_create_buffer(out, f->repo, sig, sig, NULL, message, tree, 0, NULL), 0);
	git_signature_free(sig);
	git_tree_free(tree);
	git_treebuilder_free(tb);
}

static void signed_commit(struct fx *f, git_oid *id, const char *message, const struct hrdex_key *key)
{
	git_buf text = GIT_BUF_INIT;

	commit_text(f, &text, message, WHEN);
	assert_int_equal(hrdex_commit_create_signed(id, f->repo, text.ptr, key), 0);
	git_buf_dispose(&text);
}

static void read_raw(struct fx *f, const git_oid *id, struct hrdex_buf *out)
{
	git_odb *odb = NULL;
	git_odb_object *obj = NULL;

	assert_int_equal(git_repository_odb(&odb, f->repo), 0);
	assert_int_equal(git_odb_read(&obj, odb, id), 0);
	hrdex_buf_clear(out);
	assert_int_equal(hrdex_buf_put(out, git_odb_object_data(obj), git_odb_object_size(obj)), 0);
	git_odb_object_free(obj);
	git_odb_free(odb);
}

static void write_raw(struct fx *f, const struct hrdex_buf *raw, git_oid *id)
{
	git_odb *odb = NULL;

	assert_int_equal(git_repository_odb(&odb, f->repo), 0);
	assert_int_equal(git_odb_write(id, odb, raw->ptr, raw->len, GIT_OBJECT_COMMIT), 0);
	git_odb_free(odb);
}

/* Where the gpgsig header of raw starts and ends (after its last newline). */
static void gpgsig_span(const struct hrdex_buf *raw, size_t *start, size_t *end)
{
	const char *s = strstr(raw->ptr, "\ngpgsig ");
	const char *e;

	assert_non_null(s);
	e = strstr(s, SIG_END_LINE);
	assert_non_null(e);
	*start = (size_t)(s + 1 - raw->ptr);
	*end = (size_t)(e + strlen(SIG_END_LINE) - raw->ptr);
}

/* raw with [at, at+cut) replaced by ins. */
static void splice(struct hrdex_buf *out, const struct hrdex_buf *raw, size_t at, size_t cut, const char *ins,
		   size_t ins_len)
{
	hrdex_buf_clear(out);
	assert_int_equal(hrdex_buf_put(out, raw->ptr, at), 0);
	assert_int_equal(hrdex_buf_put(out, ins, ins_len), 0);
	assert_int_equal(hrdex_buf_put(out, raw->ptr + at + cut, raw->len - at - cut), 0);
}

static int git_verify(struct fx *f, const git_oid *id, const char *allowed)
{
	char hex[GIT_OID_HEXSZ + 1];

	git_oid_tostr(hex, sizeof(hex), id);
	return run("git -c gpg.format=ssh -c gpg.ssh.allowedSignersFile='%s' --git-dir '%s' "
		   "verify-commit %s >/dev/null 2>&1", allowed, f->repo_path, hex);
}

/* hrdex refuses id naming the commit and the reason. */
static void expect_reject(struct fx *f, const git_oid *id, const char *principal, const char *reason)
{
	char prefix[32], hex[8];

	git_oid_tostr(hex, sizeof(hex), id);
	snprintf(prefix, sizeof(prefix), "commit %s: ", hex);
	assert_int_equal(hrdex_commit_verify(f->repo, id, f->signers, principal), -1);
	assert_int_equal(hrdex_error_kind(), HRDEX_E_INVALID);
	assert_int_equal(strncmp(hrdex_error_message(), prefix, strlen(prefix)), 0);
	print_message("%s\n", hrdex_error_message());
	if (!strstr(hrdex_error_message(), reason))
		fail_msg("'%s' does not say '%s'", hrdex_error_message(), reason);
}

/* ---- both directions with stock git ------------------------------------ */

static void test_hrdex_commit_passes_git_verify_commit(void **state)
{
	struct fx *f = *state;
	struct hrdex_key other;
	struct hrdex_buf line = HRDEX_BUF_INIT;
	char other_allowed[128];
	git_oid id;

	signed_commit(f, &id, "publish achpr/decision/2024-1\n", &f->key);
	assert_int_equal(hrdex_commit_verify(f->repo, &id, f->signers, "achpr"), 0);
	assert_int_equal(git_verify(f, &id, f->allowed), 0);

	/* git really checks: with someone else's key trusted, it fails. */
	assert_int_equal(hrdex_key_generate(&other, ""), 0);
	assert_int_equal(signers_line(&line, "achpr", NULL, other.pk), 0);
	tmp_path(other_allowed, sizeof(other_allowed), f->t, "other_signers");
	assert_int_equal(write_text(other_allowed, line.ptr, line.len), 0);
	assert_int_not_equal(git_verify(f, &id, other_allowed), 0);
	hrdex_buf_free(&line);
	hrdex_key_wipe(&other);
}

/* `git commit -S` with hrdex's key file; hrdex accepts it, and signing the
 * same payload itself yields the very same commit id. */
static void test_git_commit_S_passes_hrdex(void **state)
{
	struct fx *f = *state;
	struct hrdex_buf head = HRDEX_BUF_INIT, raw = HRDEX_BUF_INIT, payload = HRDEX_BUF_INIT;
	git_repository *work = NULL;
	git_odb *odb = NULL;
	git_odb_object *obj = NULL;
	char wpath[128], hpath[128];
	git_oid id, mine;
	size_t s, e;

	tmp_path(wpath, sizeof(wpath), f->t, "work");
	tmp_path(hpath, sizeof(hpath), f->t, "head");
	assert_int_equal(run("git init -q '%s' && cd '%s' && "
			     "GIT_COMMITTER_DATE='1700000000 +0100' GIT_AUTHOR_DATE='1700000000 +0100' "
			     "git -c gpg.format=ssh -c user.signingkey='%s' -c user.name=achpr "
			     "-c user.email=achpr@example.org commit -q -S --allow-empty -m 'first decision' "
			     ">/dev/null 2>&1 && git rev-parse HEAD > '%s'",
			     wpath, wpath, f->keypath, hpath), 0);
	assert_int_equal(hrdex_fs_read(&head, hpath, 100), 0);
	assert_int_equal(git_oid_fromstrn(&id, head.ptr, GIT_OID_HEXSZ), 0);
	assert_int_equal(git_repository_open(&work, wpath), 0);
	assert_int_equal(hrdex_commit_verify(work, &id, f->signers, "achpr"), 0);

	assert_int_equal(git_repository_odb(&odb, work), 0);
	assert_int_equal(git_odb_read(&obj, odb, &id), 0);
	assert_int_equal(hrdex_buf_put(&raw, git_odb_object_data(obj), git_odb_object_size(obj)), 0);
	gpgsig_span(&raw, &s, &e);
	splice(&payload, &raw, s, e - s, "", 0);
	assert_int_equal(hrdex_commit_create_signed(&mine, work, payload.ptr, &f->key), 0);
	assert_true(git_oid_equal(&mine, &id));

	git_odb_object_free(obj);
	git_odb_free(odb);
	git_repository_free(work);
	hrdex_buf_free(&payload);
	hrdex_buf_free(&raw);
	hrdex_buf_free(&head);
}

/* ---- rejections: one forged variant each -------------------------------- */

static void test_reject_content_altered(void **state)
{
	struct fx *f = *state;
	struct hrdex_buf raw = HRDEX_BUF_INIT;
	git_oid id, forged;

	signed_commit(f, &id, "publish achpr/decision/2024-1\n", &f->key);
	read_raw(f, &id, &raw);
	raw.ptr[raw.len - 2] ^= 1; /* last letter of the message */
	write_raw(f, &raw, &forged);
	expect_reject(f, &forged, "achpr", "bad signature");
	assert_int_not_equal(git_verify(f, &forged, f->allowed), 0);
	hrdex_buf_free(&raw);
}

static void test_reject_signature_altered(void **state)
{
	struct fx *f = *state;
	struct hrdex_buf raw = HRDEX_BUF_INIT;
	git_oid id, forged;
	size_t s, e, i;

	signed_commit(f, &id, "publish\n", &f->key);
	read_raw(f, &id, &raw);
	gpgsig_span(&raw, &s, &e);
	/* a letter in the middle of the second base64 line: after the BEGIN
	 * line's "\n ", 70 letters, "\n ", then 40 more */
	i = (size_t)(strstr(raw.ptr + s, "\n ") - raw.ptr) + 2 + 70 + 2 + 40;
	assert_true(i < e);
	raw.ptr[i] = raw.ptr[i] == 'A' ? 'B' : 'A';
	write_raw(f, &raw, &forged);
	expect_reject(f, &forged, "achpr", "signature");
	assert_int_not_equal(git_verify(f, &forged, f->allowed), 0);
	hrdex_buf_free(&raw);
}

static void test_reject_signature_moved_into_body(void **state)
{
	struct fx *f = *state;
	struct hrdex_buf raw = HRDEX_BUF_INIT, moved = HRDEX_BUF_INIT, armor = HRDEX_BUF_INIT;
	git_oid id, forged;
	size_t s, e;

	signed_commit(f, &id, "publish\n", &f->key);
	read_raw(f, &id, &raw);
	gpgsig_span(&raw, &s, &e);
	splice(&moved, &raw, s, e - s, "", 0);
	assert_int_equal(hrdex_sshsig_sign(&armor, &f->key, "git", moved.ptr, moved.len), 0);
	assert_int_equal(hrdex_buf_put(&moved, armor.ptr, armor.len), 0);
	write_raw(f, &moved, &forged);
	expect_reject(f, &forged, "achpr", "unsigned");
	hrdex_buf_free(&armor);
	hrdex_buf_free(&moved);
	hrdex_buf_free(&raw);
}

/* reserved = "x": a valid SSH signature (git verify-commit accepts it) with
 * another text, hence another commit id for the same payload. */
static void test_reject_reserved_field(void **state)
{
	struct fx *f = *state;
	struct hrdex_buf armor = HRDEX_BUF_INIT;
	struct craft c = { "git", "x", "sha512", "ssh-ed25519", NULL };
	git_buf text = GIT_BUF_INIT;
	git_oid id;

	commit_text(f, &text, "publish\n", WHEN);
	craft_sshsig(&armor, &f->key, &c, text.ptr, text.size);
	armor.ptr[--armor.len] = '\0';
	assert_int_equal(git_commit_create_with_signature(&id, f->repo, text.ptr, armor.ptr, "gpgsig"), 0);
	assert_int_equal(git_verify(f, &id, f->allowed), 0);
	expect_reject(f, &id, "achpr", "non-canonical signature (reserved field not empty)");
	git_buf_dispose(&text);
	hrdex_buf_free(&armor);
}

/* A trailing " \n" line in the header: the same signature to git, another id. */
static void test_reject_extra_continuation_line(void **state)
{
	struct fx *f = *state;
	struct hrdex_buf raw = HRDEX_BUF_INIT, forged_raw = HRDEX_BUF_INIT;
	git_oid id, forged;
	size_t s, e;

	signed_commit(f, &id, "publish\n", &f->key);
	read_raw(f, &id, &raw);
	gpgsig_span(&raw, &s, &e);
	splice(&forged_raw, &raw, e, 0, " \n", 2);
	write_raw(f, &forged_raw, &forged);
	assert_false(git_oid_equal(&id, &forged));
	assert_int_equal(git_verify(f, &forged, f->allowed), 0); /* the trap: git accepts it */
	expect_reject(f, &forged, "achpr", "non-canonical signature");
	hrdex_buf_free(&forged_raw);
	hrdex_buf_free(&raw);
}

static void test_reject_two_gpgsig_headers(void **state)
{
	struct fx *f = *state;
	struct hrdex_buf raw = HRDEX_BUF_INIT, forged_raw = HRDEX_BUF_INIT;
	git_oid id, forged;
	size_t s, e;

	signed_commit(f, &id, "publish\n", &f->key);
	read_raw(f, &id, &raw);
	gpgsig_span(&raw, &s, &e);
	splice(&forged_raw, &raw, e, 0, raw.ptr + s, e - s);
	write_raw(f, &forged_raw, &forged);
	expect_reject(f, &forged, "achpr", "two gpgsig headers");
	hrdex_buf_free(&forged_raw);
	hrdex_buf_free(&raw);
}

static void test_reject_other_signature_headers(void **state)
{
	static const char *const headers[][2] = {
		{ "gpgsig-sha256 -----BEGIN SSH SIGNATURE-----\n -----END SSH SIGNATURE-----\n", "gpgsig-sha256" },
		{ "mergetag object 0000000000000000000000000000000000000000\n type commit\n", "mergetag" },
		{ "x-relay peer-1\n", "unexpected header 'x-relay'" },
	};
	struct fx *f = *state;
	struct hrdex_buf raw = HRDEX_BUF_INIT, forged_raw = HRDEX_BUF_INIT;
	git_oid id, forged;
	size_t s, e, i;

	signed_commit(f, &id, "publish\n", &f->key);
	read_raw(f, &id, &raw);
	gpgsig_span(&raw, &s, &e);
	for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		splice(&forged_raw, &raw, s, 0, headers[i][0], strlen(headers[i][0]));
		write_raw(f, &forged_raw, &forged);
		expect_reject(f, &forged, "achpr", headers[i][1]);
	}
	hrdex_buf_free(&forged_raw);
	hrdex_buf_free(&raw);
}

/* The gpgsig header moved up, before "committer": git's payload and the
 * signature are unchanged, but git never writes that text. */
static void test_reject_gpgsig_not_last(void **state)
{
	struct fx *f = *state;
	struct hrdex_buf raw = HRDEX_BUF_INIT, payload = HRDEX_BUF_INIT, forged_raw = HRDEX_BUF_INIT;
	git_oid id, forged;
	size_t s, e, at;

	signed_commit(f, &id, "publish\n", &f->key);
	read_raw(f, &id, &raw);
	gpgsig_span(&raw, &s, &e);
	splice(&payload, &raw, s, e - s, "", 0);
	at = (size_t)(strstr(payload.ptr, "\ncommitter ") + 1 - payload.ptr);
	splice(&forged_raw, &payload, at, 0, raw.ptr + s, e - s);
	write_raw(f, &forged_raw, &forged);
	assert_int_equal(git_verify(f, &forged, f->allowed), 0); /* git accepts it */
	expect_reject(f, &forged, "achpr", "the gpgsig header comes before the committer");
	hrdex_buf_free(&forged_raw);
	hrdex_buf_free(&payload);
	hrdex_buf_free(&raw);
}

static void test_reject_namespace_file(void **state)
{
	struct fx *f = *state;
	struct hrdex_buf armor = HRDEX_BUF_INIT;
	git_buf text = GIT_BUF_INIT;
	git_oid id;

	commit_text(f, &text, "publish\n", WHEN);
	assert_int_equal(hrdex_sshsig_sign(&armor, &f->key, "file", text.ptr, text.size), 0);
	armor.ptr[--armor.len] = '\0';
	assert_int_equal(git_commit_create_with_signature(&id, f->repo, text.ptr, armor.ptr, "gpgsig"), 0);
	expect_reject(f, &id, "achpr", "signature namespace 'file', expected 'git'");
	assert_int_not_equal(git_verify(f, &id, f->allowed), 0);
	git_buf_dispose(&text);
	hrdex_buf_free(&armor);
}

static void test_reject_signature_from_another_commit(void **state)
{
	struct fx *f = *state;
	struct hrdex_buf raw = HRDEX_BUF_INIT, armor = HRDEX_BUF_INIT;
	git_buf text = GIT_BUF_INIT;
	git_oid a, forged;
	size_t s, e, i;

	signed_commit(f, &a, "publish achpr/decision/2024-1\n", &f->key);
	read_raw(f, &a, &raw);
	gpgsig_span(&raw, &s, &e);
	/* A's armor, without the header name, indentation and last newline */
	for (i = s + strlen("gpgsig "); i < e - 1; i++)
		if (!(raw.ptr[i] == ' ' && raw.ptr[i - 1] == '\n'))
			hrdex_buf_putc(&armor, raw.ptr[i]);
	commit_text(f, &text, "withdraw achpr/decision/2024-1\n", WHEN);
	assert_int_equal(git_commit_create_with_signature(&forged, f->repo, text.ptr, armor.ptr, "gpgsig"), 0);
	expect_reject(f, &forged, "achpr", "bad signature");
	assert_int_not_equal(git_verify(f, &forged, f->allowed), 0);
	git_buf_dispose(&text);
	hrdex_buf_free(&armor);
	hrdex_buf_free(&raw);
}

static void test_reject_key_outside_validity(void **state)
{
	struct fx *f = *state;
	struct hrdex_buf line = HRDEX_BUF_INIT;
	git_oid id;

	signed_commit(f, &id, "publish\n", &f->key);
	hrdex_signers_free(f->signers);
	f->signers = NULL;
	assert_int_equal(signers_line(&line, "achpr", "namespaces=\"git\",valid-before=\"20230101Z\"",
				      f->key.pk), 0);
	assert_int_equal(write_text(f->allowed, line.ptr, line.len), 0);
	assert_int_equal(hrdex_signers_load(&f->signers, f->allowed), 0);
	expect_reject(f, &id, "achpr", "key not valid at commit time");
	/* stock git agrees: it checks the window at the committer time too */
	assert_int_not_equal(git_verify(f, &id, f->allowed), 0);

	hrdex_signers_free(f->signers);
	f->signers = NULL;
	hrdex_buf_clear(&line);
	assert_int_equal(signers_line(&line, "achpr", "valid-after=\"20231115Z\"", f->key.pk), 0);
	assert_int_equal(hrdex_signers_parse(&f->signers, line.ptr, line.len, "allowed_signers"), 0);
	expect_reject(f, &id, "achpr", "key not valid at commit time");

	/* and inside its window it is fine */
	hrdex_signers_free(f->signers);
	f->signers = NULL;
	hrdex_buf_clear(&line);
	assert_int_equal(signers_line(&line, "achpr", "valid-after=\"20231114Z\",valid-before=\"20231115Z\"",
				      f->key.pk), 0);
	assert_int_equal(hrdex_signers_parse(&f->signers, line.ptr, line.len, "allowed_signers"), 0);
	assert_int_equal(hrdex_commit_verify(f->repo, &id, f->signers, "achpr"), 0);
	hrdex_buf_free(&line);
}

static void test_reject_untrusted_key(void **state)
{
	struct fx *f = *state;
	struct hrdex_key other;
	git_oid id, mine;

	assert_int_equal(hrdex_key_generate(&other, ""), 0);
	signed_commit(f, &id, "publish\n", &other);
	expect_reject(f, &id, "achpr", "signed by a key not trusted for 'achpr'");
	assert_int_not_equal(git_verify(f, &id, f->allowed), 0);
	/* our own commit, claimed for another publisher */
	signed_commit(f, &mine, "publish\n", &f->key);
	expect_reject(f, &mine, "iachr", "signed by a key not trusted for 'iachr'");
	hrdex_key_wipe(&other);
}

static void test_reject_unsigned(void **state)
{
	struct fx *f = *state;
	struct hrdex_buf raw = HRDEX_BUF_INIT;
	git_buf text = GIT_BUF_INIT;
	git_oid id, blob;

	commit_text(f, &text, "publish\n", WHEN);
	assert_int_equal(hrdex_buf_put(&raw, text.ptr, text.size), 0);
	write_raw(f, &raw, &id);
	expect_reject(f, &id, "achpr", "unsigned");
	assert_int_not_equal(git_verify(f, &id, f->allowed), 0);

	assert_int_equal(git_blob_create_from_buffer(&blob, f->repo, "x", 1), 0);
	expect_reject(f, &blob, "achpr", "not a commit");
	git_buf_dispose(&text);
	hrdex_buf_free(&raw);
}

/* ---- headers, as git fsck --strict checks them ------------------------- */

#define EMPTY_TREE "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
#define ID " <achpr@hrdex> 1700000000 +0000\n"

/*
 * Each case is a whole commit object.  hrdex must give the verdict listed,
 * and never be more lenient than git: what `git fsck --strict` refuses,
 * hrdex refuses; what hrdex accepts, git fsck --strict accepts.
 */
static void test_headers_like_git_fsck_strict(void **state)
{
	static const struct {
		const char *text;
		const char *why; /* NULL: accepted */
		int fsck;        /* git 2.39's fsck --strict refuses it too (later gits refuse more, e.g. "  1") */
	} cases[] = {
		{ "tree " EMPTY_TREE "\nauthor achpr" ID "committer achpr" ID "\nm\n", NULL, 0 },
		{ "tree " EMPTY_TREE "\nauthor A. N. Other" ID "committer achpr" ID "encoding UTF-8\n\nm\n", NULL, 0 },
		{ "tree " EMPTY_TREE "\nauthor achpr <a@b> 0 -1200\ncommitter  <a@b> 1 +1400\n\nm\n", NULL, 0 },
		{ "tree " EMPTY_TREE "\nauthor achpr <a@b> 9223372036854775807 +0000\ncommitter achpr" ID "\nm\n", NULL, 0 },
		{ "tree " EMPTY_TREE "\nauthor achpr" ID "author mallory" ID "committer achpr" ID "\nm\n",
		  "two author lines", 1 },
		{ "tree " EMPTY_TREE "\nauthor achpr" ID "committer achpr" ID "committer mallory" ID "\nm\n",
		  "two committer lines", 0 },
		{ "tree " EMPTY_TREE "\ntree " EMPTY_TREE "\nauthor achpr" ID "committer achpr" ID "\nm\n",
		  "two tree lines", 1 },
		{ "tree " EMPTY_TREE "\nauthor achpr <a@b> 1700000000 +00000\ncommitter achpr" ID "\nm\n",
		  "malformed author: malformed time zone", 1 },
		{ "tree " EMPTY_TREE "\nauthor achpr" ID "committer achpr <a@b> 1700000000 0000\n\nm\n",
		  "malformed committer: malformed time zone", 1 },
		{ "tree " EMPTY_TREE "\nauthor achpr" ID "committer achpr <a@b> 1700000000 +00a0\n\nm\n",
		  "malformed time zone", 1 },
		{ "tree " EMPTY_TREE "\nauthor achpr" ID "committer achpr <a@b> 1700000000 +000\n\nm\n",
		  "malformed time zone", 1 },
		{ "tree " EMPTY_TREE "\nauthor ach<pr <a@b> 1700000000 +0000\ncommitter achpr" ID "\nm\n",
		  "no space before '<'", 1 },
		{ "tree " EMPTY_TREE "\nauthor ach <pr <a@b> 1700000000 +0000\ncommitter achpr" ID "\nm\n",
		  "not closed by '>'", 1 },
		{ "tree " EMPTY_TREE "\nauthor achpr" ID "committer ach>pr <a@b> 1700000000 +0000\n\nm\n",
		  "'>' in the name", 1 },
		{ "tree " EMPTY_TREE "\nauthor <a@b> 1700000000 +0000\ncommitter achpr" ID "\nm\n",
		  "no name before the email", 1 },
		{ "tree " EMPTY_TREE "\nauthor achpr a@b 1700000000 +0000\ncommitter achpr" ID "\nm\n", "no email", 1 },
		{ "tree " EMPTY_TREE "\nauthor achpr<a@b> 1700000000 +0000\ncommitter achpr" ID "\nm\n",
		  "no space before '<'", 1 },
		{ "tree " EMPTY_TREE "\nauthor achpr <a@b>1700000000 +0000\ncommitter achpr" ID "\nm\n",
		  "no space before the date", 1 },
		{ "tree " EMPTY_TREE "\nauthor achpr <a@b> 01700000000 +0000\ncommitter achpr" ID "\nm\n",
		  "zero-padded date", 1 },
		{ "tree " EMPTY_TREE "\nauthor achpr <a@b> 99999999999999999999 +0000\ncommitter achpr" ID "\nm\n",
		  "date out of range", 1 },
		{ "tree " EMPTY_TREE "\nauthor achpr <a@b> 9223372036854775808 +0000\ncommitter achpr" ID "\nm\n",
		  "date out of range", 1 },
		{ "tree " EMPTY_TREE "\nauthor achpr <a@b> -1 +0000\ncommitter achpr" ID "\nm\n", "malformed date", 1 },
		{ "tree " EMPTY_TREE "\nauthor achpr <a@b> 17x +0000\ncommitter achpr" ID "\nm\n", "malformed date", 1 },
		{ "tree " EMPTY_TREE "\nauthor achpr <a@b>  1 +0000\ncommitter achpr" ID "\nm\n", "malformed date", 0 },
		{ "tree " EMPTY_TREE "\nauthor achpr" ID "\nm\n", "no committer line", 1 },
		{ "tree " EMPTY_TREE "\ncommitter achpr" ID "\nm\n", "no author line before the committer", 1 },
		{ "tree " EMPTY_TREE "\n\nm\n", "no author line", 1 },
		{ "author achpr" ID "tree " EMPTY_TREE "\ncommitter achpr" ID "\nm\n", "not 'tree'", 1 },
		{ "tree 4B825DC642CB6EB9A060E54BF8D69288FBEE4904\nauthor achpr" ID "committer achpr" ID "\nm\n",
		  "malformed tree line", 0 },
		{ "tree " EMPTY_TREE "\nauthor achpr" ID "parent " EMPTY_TREE "\ncommitter achpr" ID "\nm\n",
		  "a parent line after the author", 1 },
		{ "tree " EMPTY_TREE "\nparent 1234\nauthor achpr" ID "committer achpr" ID "\nm\n",
		  "malformed parent line", 1 },
		{ "tree " EMPTY_TREE "\nauthor achpr" ID "committer achpr" ID "encoding ISO-8859-1\n\nm\n",
		  "encoding 'ISO-8859-1' (only UTF-8 is accepted)", 0 },
		{ "tree " EMPTY_TREE "\nauthor achpr" ID "committer achpr" ID "x-relay peer-1\n\nm\n",
		  "unexpected header 'x-relay'", 0 },
		{ "tree " EMPTY_TREE "\nauthor achpr" ID "committer achpr" ID "mergetag object " EMPTY_TREE
		  "\n type tree\n\nm\n", "has a mergetag header", 0 },
		{ "tree " EMPTY_TREE "\nauthor achpr" ID "committer achpr" ID "\nm\n x\n", NULL, 0 },
		{ "tree " EMPTY_TREE "\nauthor achpr" ID "committer achpr" ID " continued\n\nm\n",
		  "a continuation line outside gpgsig", 0 },
		{ "tree " EMPTY_TREE "\nauthor achpr" ID "committer achpr" ID, "no end of header", 0 },
	};
	struct fx *f = *state;
	struct hrdex_commit_headers h;
	char why[256], path[256], hex[GIT_OID_HEXSZ + 1];
	git_odb *odb = NULL;
	git_oid id, tree;
	size_t i;

	assert_int_equal(git_repository_odb(&odb, f->repo), 0);
	assert_int_equal(git_odb_write(&tree, odb, "", 0, GIT_OBJECT_TREE), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *text = cases[i].text;
		int r = hrdex_commit_parse_headers(&h, text, strlen(text), why, sizeof(why)), git_ok;

		print_message("case %zu: %s\n", i, r ? why : "accepted");
		if (cases[i].why == NULL && r != 0)
			fail_msg("case %zu refused: %s", i, why);
		if (cases[i].why && (r != 1 || !strstr(why, cases[i].why)))
			fail_msg("case %zu: '%s' does not say '%s'", i, r ? why : "accepted", cases[i].why);
		/* Never more lenient than git fsck --strict, alone in the object store. */
		assert_int_equal(git_odb_write(&id, odb, text, strlen(text), GIT_OBJECT_COMMIT), 0);
		git_oid_tostr(hex, sizeof(hex), &id);
		git_ok = run("git --git-dir '%s' fsck --strict --no-dangling >/dev/null 2>&1", f->repo_path) == 0;
		if (!git_ok && r == 0)
			fail_msg("case %zu: git fsck --strict refuses what hrdex accepts", i);
		if (git_ok == cases[i].fsck)
			fail_msg("case %zu: git fsck --strict %s it", i, git_ok ? "accepts" : "refuses");
		snprintf(path, sizeof(path), "%s/objects/%.2s/%s", f->repo_path, hex, hex + 2);
		assert_int_equal(unlink(path), 0);
	}
	/* A NUL byte, in the message too (fsck's nulInCommit, an error with --strict). */
	assert_int_equal(hrdex_commit_parse_headers(&h, "tree " EMPTY_TREE "\nauthor achpr" ID "committer achpr" ID
						    "\nm\0x\n", strlen("tree " EMPTY_TREE "\nauthor achpr" ID
								       "committer achpr" ID) + 5, why, sizeof(why)), 1);
	assert_non_null(strstr(why, "NUL byte"));
	/* What the parser reports of a good commit. */
	assert_int_equal(hrdex_commit_parse_headers(&h, cases[2].text, strlen(cases[2].text), why, sizeof(why)), 0);
	assert_int_equal(h.author_time, 0);
	assert_int_equal(h.committer_time, 1);
	assert_int_equal(h.has_signature, 0);
	git_odb_free(odb);
}

/* hrdex refuses to write a commit it would refuse to accept. */
static void test_own_commit_checked(void **state)
{
	struct fx *f = *state;
	git_buf text = GIT_BUF_INIT;
	git_oid id;
	char *bad;
	const char *at;

	commit_text(f, &text, "publish\n", WHEN);
	bad = strdup(text.ptr);
	assert_non_null(bad);
	at = strstr(bad, " +0100\n");
	assert_non_null(at);
	bad[at - bad + 1] = '*'; /* the author's time zone */
	assert_int_equal(hrdex_commit_create_signed(&id, f->repo, bad, &f->key), -1);
	assert_non_null(strstr(hrdex_error_message(), "malformed author"));
	free(bad);
	git_buf_dispose(&text);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_hrdex_commit_passes_git_verify_commit),
		T(test_git_commit_S_passes_hrdex),
		T(test_reject_content_altered),
		T(test_reject_signature_altered),
		T(test_reject_signature_moved_into_body),
		T(test_reject_reserved_field),
		T(test_reject_extra_continuation_line),
		T(test_reject_two_gpgsig_headers),
		T(test_reject_other_signature_headers),
		T(test_reject_gpgsig_not_last),
		T(test_reject_namespace_file),
		T(test_reject_signature_from_another_commit),
		T(test_reject_key_outside_validity),
		T(test_reject_untrusted_key),
		T(test_reject_unsigned),
		T(test_headers_like_git_fsck_strict),
		T(test_own_commit_checked),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
