/* test_keychain.c - the key history a branch carries (keychain.h): reading
 * key documents from a tree, and the rotation rules for one commit. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "key.h"
#include "keychain.h"
#include "repo_fixture.h"
#include "signers.h"

/* A key document naming pk as key n of pub, replacing prev. */
static char *keydoc(const char *pub, const char *id, const unsigned char pk[32], const unsigned char prev[32])
{
	struct hrdex_buf line = HRDEX_BUF_INIT;
	char fp[64], *out = malloc(1024);

	assert_non_null(out);
	assert_int_equal(hrdex_key_public_line(&line, pk, NULL), 0);
	assert_int_equal(hrdex_key_fingerprint(fp, sizeof(fp), prev), 0);
	snprintf(out, 1024, "{\"id\": \"%s\", \"key\": \"%s\", \"previous\": \"%s\", \"publisher\": \"%s\", "
		 "\"schema\": 2, \"title\": {\"en\": \"k\"}, \"type\": \"key\", \"date\": \"2026-12-06\"}\n",
		 id, line.ptr, fp, pub);
	hrdex_buf_free(&line);
	return out;
}

static int tree_of(git_oid *tree, git_repository *repo, const git_oid *commit)
{
	git_commit *c = NULL;

	if (git_commit_lookup(&c, repo, commit) < 0)
		return -1;
	git_oid_cpy(tree, git_commit_tree_id(c));
	git_commit_free(c);
	return 0;
}

static void test_read_and_step(void **state)
{
	char *dir = fx_tempdir(), why[512], *d2, *d3, *bad;
	git_repository *repo;
	struct hrdex_key k1, k2, k3, other;
	struct hrdex_keychain kc0, kc1, kc2, kx;
	struct hrdex_signers *signers = NULL;
	struct hrdex_buf as = HRDEX_BUF_INIT;
	git_oid c0, c1, c2, cx, t;

	(void)state;
	git_libgit2_init();
	assert_non_null(dir);
	repo = fx_repo_new(dir);
	assert_non_null(repo);
	assert_int_equal(hrdex_key_generate(&k1, "k1"), 0);
	assert_int_equal(hrdex_key_generate(&k2, "k2"), 0);
	assert_int_equal(hrdex_key_generate(&k3, "k3"), 0);
	assert_int_equal(hrdex_key_generate(&other, "iachr"), 0);
	d2 = keydoc("achpr", "2", k2.pk, k1.pk);
	d3 = keydoc("achpr", "3", k3.pk, k2.pk);
	bad = keydoc("achpr", "4", k3.pk, k2.pk);
	{
		const struct fx_file f0[] = { { "achpr/note/a.json", "{}\n" } };
		const struct fx_file f1[] = { { "achpr/key/2.json", d2 } };
		const struct fx_file f2[] = { { "achpr/key/3.json", d3 } };
		const struct fx_file fx[] = { { "achpr/key/3.json", NULL }, { "achpr/key/4.json", bad } };

		assert_int_equal(fx_commit_ex(&c0, repo, "achpr", f0, 1, 0), 0);
		assert_int_equal(fx_commit_ex(&c1, repo, "achpr", f1, 1, 0), 0);
		assert_int_equal(fx_commit_ex(&c2, repo, "achpr", f2, 1, 0), 0);
		assert_int_equal(fx_commit_ex(&cx, repo, "achpr", fx, 2, 0), 0);
	}
	assert_int_equal(tree_of(&t, repo, &c0), 0);
	assert_int_equal(hrdex_keychain_read(&kc0, repo, &t, "achpr", why, sizeof(why)), 0);
	assert_int_equal(kc0.n, 0);
	assert_null(hrdex_keychain_current(&kc0));
	assert_int_equal(tree_of(&t, repo, &c1), 0);
	assert_int_equal(hrdex_keychain_read(&kc1, repo, &t, "achpr", why, sizeof(why)), 0);
	assert_int_equal(kc1.n, 1);
	assert_memory_equal(hrdex_keychain_current(&kc1), k2.pk, 32);
	assert_int_equal(hrdex_keychain_names(&kc1, k1.pk), 1); /* as the previous key of key 2 */
	assert_int_equal(hrdex_keychain_names(&kc1, k3.pk), 0);
	assert_int_equal(tree_of(&t, repo, &c2), 0);
	assert_int_equal(hrdex_keychain_read(&kc2, repo, &t, "achpr", why, sizeof(why)), 0);
	assert_int_equal(kc2.n, 2);
	assert_memory_equal(hrdex_keychain_current(&kc2), k3.pk, 32);
	/* a gap (3.json removed, 4.json added) is no key history */
	assert_int_equal(tree_of(&t, repo, &cx), 0);
	assert_int_equal(hrdex_keychain_read(&kx, repo, &t, "achpr", why, sizeof(why)), 1);
	assert_non_null(strstr(why, "'achpr/key/4.json' is not a key document of a key history"));

	/* the steps: one key added, signed by the key it replaces */
	assert_int_equal(hrdex_keychain_step(&kc0, &kc1, k1.pk, NULL, 0, repo, NULL, "achpr", why, sizeof(why)), 0);
	assert_int_equal(hrdex_keychain_step(&kc1, &kc2, k2.pk, NULL, 0, repo, NULL, "achpr", why, sizeof(why)), 0);
	assert_int_equal(hrdex_keychain_step(&kc1, &kc1, k2.pk, NULL, 0, repo, NULL, "achpr", why, sizeof(why)), 0);
	/* signed by another key than the one it says it replaces */
	assert_int_equal(hrdex_keychain_step(&kc1, &kc2, k1.pk, NULL, 0, repo, NULL, "achpr", why, sizeof(why)), 1);
	assert_non_null(strstr(why, "but the key that signs here is"));
	/* two at once; one removed */
	assert_int_equal(hrdex_keychain_step(&kc0, &kc2, k1.pk, NULL, 0, repo, NULL, "achpr", why, sizeof(why)), 1);
	assert_non_null(strstr(why, "adds 2 key documents"));
	assert_int_equal(hrdex_keychain_step(&kc2, &kc1, k3.pk, NULL, 0, repo, NULL, "achpr", why, sizeof(why)), 1);
	assert_non_null(strstr(why, "changes or removes 'achpr/key/3.json'"));
	/* a key used before: the first key, or a reset's */
	{
		struct hrdex_keychain back = { NULL, 0 };

		/* kc1 plus a key 3 naming the first key again, by hand */
		back.keys = calloc(2, sizeof(*back.keys));
		assert_non_null(back.keys);
		back.keys[0] = kc1.keys[0];
		memcpy(back.keys[1].pk, k1.pk, 32);
		assert_int_equal(hrdex_key_fingerprint(back.keys[1].previous, sizeof(back.keys[1].previous), k2.pk), 0);
		back.n = 2;
		assert_int_equal(hrdex_keychain_step(&kc1, &back, k2.pk, NULL, 0, repo, NULL, "achpr", why, sizeof(why)),
				 1);
		assert_non_null(strstr(why, "names a key this branch used before"));
		memcpy(back.keys[1].pk, other.pk, 32);
		assert_int_equal(hrdex_keychain_step(&kc1, &back, k2.pk, (const unsigned char (*)[32])other.pk, 1, repo,
						     NULL, "achpr", why, sizeof(why)), 1);
		assert_non_null(strstr(why, "names a key this branch used before"));
		/* another publisher's key, in allowed_signers */
		assert_int_equal(hrdex_buf_puts(&as, "iachr namespaces=\"git\" "), 0);
		assert_int_equal(hrdex_key_public_line(&as, other.pk, NULL), 0);
		assert_int_equal(hrdex_signers_parse(&signers, as.ptr, as.len, "test"), 0);
		assert_int_equal(hrdex_keychain_step(&kc1, &back, k2.pk, NULL, 0, repo, signers, "achpr", why,
						     sizeof(why)), 1);
		assert_non_null(strstr(why, "names a key that publisher 'iachr' uses"));
		free(back.keys);
	}
	/* another branch's key documents name a key: it is that publisher's */
	{
		char *i2 = keydoc("iachr", "2", k3.pk, other.pk), owner[64];
		const struct fx_file fi[] = { { "iachr/key/2.json", i2 } };
		git_oid ci;

		assert_int_equal(fx_commit_ex(&ci, repo, "iachr", fi, 1, 1), 0);
		assert_int_equal(hrdex_keychain_owner(owner, sizeof(owner), repo, NULL, "achpr", k3.pk), 1);
		assert_string_equal(owner, "iachr");
		assert_int_equal(hrdex_keychain_owner(owner, sizeof(owner), repo, NULL, "iachr", k3.pk), 0);
		free(i2);
	}
	hrdex_signers_free(signers);
	hrdex_buf_free(&as);
	hrdex_keychain_free(&kc0);
	hrdex_keychain_free(&kc1);
	hrdex_keychain_free(&kc2);
	free(d2);
	free(d3);
	free(bad);
	git_repository_free(repo);
	git_libgit2_shutdown();
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_and_step),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
