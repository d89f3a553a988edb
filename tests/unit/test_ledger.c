/* test_ledger.c - STATE/tips.json: round trip, the rollback rule, resets, a
 * damaged file refused (never read as an empty record). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fs.h"
#include "key.h"
#include "ledger.h"
#include "repo_fixture.h"

static void test_rollback_rule(void **state)
{
	char *dir = fx_tempdir(), why[512];
	git_repository *repo;
	struct hrdex_ledger *l = NULL;
	const struct fx_file f1[] = { { "achpr/note/a.json", "{}\n" } };
	const struct fx_file f2[] = { { "achpr/note/b.json", "{}\n" } };
	const struct fx_file f3[] = { { "achpr/note/c.json", "{}\n" } };
	git_oid c1, c2, c3, side;

	(void)state;
	git_libgit2_init();
	assert_non_null(dir);
	repo = fx_repo_new(dir);
	assert_non_null(repo);
	assert_int_equal(fx_commit_ex(&c1, repo, "achpr", f1, 1, 0), 0);
	assert_int_equal(fx_commit_ex(&c2, repo, "achpr", f2, 1, 0), 0);
	assert_int_equal(fx_commit_ex(&c3, repo, "achpr", f3, 1, 0), 0);
	assert_int_equal(fx_commit_ex(&side, repo, "achpr", f3, 1, 1), 0); /* an unrelated root */

	assert_int_equal(hrdex_ledger_load(&l, dir), 0);
	/* no record: anything goes (the other rules decide) */
	assert_int_equal(hrdex_ledger_check_tip(l, repo, "achpr", &c1, NULL, why, sizeof(why)), 0);
	assert_int_equal(hrdex_ledger_moved(l, "achpr", &c2, 1700000000), 0);
	assert_int_equal(hrdex_ledger_check_tip(l, repo, "achpr", &c2, NULL, why, sizeof(why)), 0);
	assert_int_equal(hrdex_ledger_check_tip(l, repo, "achpr", &c3, NULL, why, sizeof(why)), 0);
	assert_int_equal(hrdex_ledger_check_tip(l, repo, "achpr", &c1, NULL, why, sizeof(why)), 1);
	assert_non_null(strstr(why, "newest 'achpr' this agent accepted"));
	assert_int_equal(hrdex_ledger_check_tip(l, repo, "achpr", &side, NULL, why, sizeof(why)), 1);
	assert_int_equal(hrdex_ledger_check_tip(l, repo, "iachr", &c1, NULL, why, sizeof(why)), 0);
	/* our branch is at the newest tip: the fast-forward rule decides */
	assert_int_equal(hrdex_ledger_check_tip(l, repo, "achpr", &c1, &c2, why, sizeof(why)), 0);
	/* our branch was restored to c1: c1's descendant c2 is fine, not c1 itself */
	assert_int_equal(hrdex_ledger_check_tip(l, repo, "achpr", &c1, &c1, why, sizeof(why)), 1);
	assert_int_equal(hrdex_ledger_save(l), 0);
	hrdex_ledger_free(l);

	/* read back: the same verdicts */
	assert_int_equal(hrdex_ledger_load(&l, dir), 0);
	assert_non_null(hrdex_ledger_get(l, "achpr", 0, 0));
	assert_int_equal(hrdex_ledger_get(l, "achpr", 0, 0)->moved, 1700000000);
	assert_int_equal(hrdex_ledger_check_tip(l, repo, "achpr", &c1, NULL, why, sizeof(why)), 1);
	hrdex_ledger_free(l);
	git_repository_free(repo);
	hrdex_fs_remove_tree(dir);
	free(dir);
	git_libgit2_shutdown();
}

static void test_resets_round_trip(void **state)
{
	char *dir = fx_tempdir();
	struct hrdex_ledger *l = NULL;
	struct hrdex_reset r;
	const struct hrdex_reset *got;
	struct hrdex_key key;

	(void)state;
	assert_non_null(dir);
	assert_int_equal(hrdex_key_generate(&key, "x"), 0);
	assert_int_equal(hrdex_ledger_load(&l, dir), 0);
	assert_null(hrdex_ledger_last_reset(l, "achpr"));
	memset(&r, 0, sizeof(r));
	strcpy(r.publisher, "achpr");
	memset(&r.commit, 0x11, sizeof(r.commit));
	memset(&r.from, 0x22, sizeof(r.from));
	memcpy(r.key, key.pk, 32);
	r.time = 1700000000;
	strcpy(r.abandoned, "refs/hrdex/abandoned/achpr/20231114T221320Z");
	assert_int_equal(hrdex_ledger_add_reset(l, &r), 0);
	r.commit.id[0] = 0x33;
	r.time++;
	assert_int_equal(hrdex_ledger_add_reset(l, &r), 0);
	assert_int_equal(hrdex_ledger_save(l), 0);
	hrdex_ledger_free(l);
	assert_int_equal(hrdex_ledger_load(&l, dir), 0);
	assert_int_equal(l->nresets, 2);
	got = hrdex_ledger_last_reset(l, "achpr");
	assert_non_null(got);
	assert_int_equal(got->commit.id[0], 0x33); /* the newest */
	assert_memory_equal(got->key, key.pk, 32);
	assert_string_equal(got->abandoned, "refs/hrdex/abandoned/achpr/20231114T221320Z");
	assert_null(hrdex_ledger_last_reset(l, "iachr"));
	hrdex_ledger_free(l);
	hrdex_key_wipe(&key);
	hrdex_fs_remove_tree(dir);
	free(dir);
}

static void test_damaged(void **state)
{
	static const char *const bad[] = {
		"{",
		"[]",
		"{\"publishers\": {\"Bad Id\": {}}}",
		"{\"publishers\": {\"achpr\": {\"tip\": \"xyz\"}}}",
		"{\"resets\": [{\"publisher\": \"achpr\"}]}",
	};
	char *dir = fx_tempdir(), *path;
	struct hrdex_ledger *l = NULL;
	size_t i;

	(void)state;
	assert_non_null(dir);
	path = hrdex_path_join(dir, "tips.json");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(hrdex_fs_write_atomic(path, bad[i], strlen(bad[i]), 0644), 0);
		assert_int_equal(hrdex_ledger_load(&l, dir), -1);
		assert_null(l);
		assert_int_equal(hrdex_error_kind(), HRDEX_E_CONFIG);
		assert_non_null(strstr(hrdex_error_message(), "tips.json"));
	}
	free(path);
	hrdex_fs_remove_tree(dir);
	free(dir);
}

static void test_fingerprint(void **state)
{
	/* ssh-keygen -lf on this key prints SHA256:6N7HRo3UKi2kMpRFabD+TEWV8qAEncO70ufVnlRPHq0 */
	const char *line = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOTOa+5K8D2OifTVrdo0UiLLkHB1Lvw4qaZ1TtZbq8mP achpr";
	unsigned char pk[32];
	char fp[64];

	(void)state;
	assert_int_equal(hrdex_key_parse_public(pk, line), 0);
	assert_int_equal(hrdex_key_fingerprint(fp, sizeof(fp), pk), 0);
	assert_string_equal(fp, "SHA256:6N7HRo3UKi2kMpRFabD+TEWV8qAEncO70ufVnlRPHq0");
	assert_int_equal(hrdex_key_fingerprint(fp, 20, pk), -1); /* too small: an error, not a cut */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rollback_rule),
		cmocka_unit_test(test_resets_round_trip),
		cmocka_unit_test(test_damaged),
		cmocka_unit_test(test_fingerprint),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
