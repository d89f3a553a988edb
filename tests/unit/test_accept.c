/* test_accept.c - tree entry names (.git and its spellings), git's tree
 * order, and the strict raw tree parser the acceptance rules rely on. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "accept.h"
#include "buf.h"

static int ok(const char *name)
{
	return hrdex_tree_name_problem(name, strlen(name)) == NULL;
}

static void test_good_names(void **state)
{
	(void)state;
	assert_true(ok("achpr"));
	assert_true(ok("decision"));
	assert_true(ok("res-345-lviii-2016.json"));
	assert_true(ok("a-hrc-32-20.files"));
	assert_true(ok("A_HRC_32_20-en.pdf"));
	assert_true(ok("git"));         /* harmless without the dot */
	assert_true(ok("gitx"));
	assert_true(ok("x.git"));
	assert_true(ok("d\xc3\xa9" "cision")); /* UTF-8 is fine */
}

static void test_dotgit_spellings(void **state)
{
	static const char *const bad[] = {
		".git", ".GIT", ".Git", ".gIt", ".git.", ".git..", ".git ", ".git. .", "git~1", "GIT~1",
		"git~2", ".git::$INDEX_ALLOCATION", ".git:$DATA",
		".g\xe2\x80\x8cit",        /* U+200C ZERO WIDTH NON-JOINER */
		"\xe2\x80\x8f.git",        /* U+200F */
		".gi\xe2\x80\xaat",        /* U+202A */
		".git\xe2\x81\xa0",        /* U+2060 WORD JOINER */
		".g\xe2\x81\xaf" "it",     /* U+206F */
		"\xef\xbb\xbf.git",        /* U+FEFF BOM */
		".gitmodules", ".gitattributes", ".GITMODULES", ".gitignore", ".hidden",
		NULL,
	};
	size_t i;

	(void)state;
	for (i = 0; bad[i]; i++) {
		if (ok(bad[i]))
			fail_msg("'%s' should be refused", bad[i]);
	}
}

static void test_other_bad_names(void **state)
{
	(void)state;
	assert_false(hrdex_tree_name_problem("", 0) == NULL);
	assert_false(ok("."));
	assert_false(ok(".."));
	assert_false(ok("a/b"));
	assert_false(ok("a\\b"));
	assert_false(ok("x.json "));
	assert_false(ok("x.json."));
	assert_false(ok("a:b"));
	assert_true(ok("a~b"));        /* only "git~N" is the NTFS short name of .git */
	assert_false(ok("git~1.x."));
	assert_false(ok("a\tb"));
	assert_false(ok("a\x7f"));
	assert_false(ok("\xc0\xae"));         /* overlong '.' */
	assert_false(ok("\xed\xa0\x80"));     /* surrogate */
	assert_false(ok("\xff"));
	assert_false(hrdex_tree_name_problem("a\0b", 3) == NULL);
}

static void test_tree_order(void **state)
{
	(void)state;
	/* A tree sorts as if its name ended with '/'. */
	assert_true(hrdex_tree_name_cmp("a", 1, 0, "a-b", 3, 0) < 0);
	assert_true(hrdex_tree_name_cmp("a", 1, 1, "a-b", 3, 0) > 0);  /* "a/" > "a-b" */
	assert_true(hrdex_tree_name_cmp("a", 1, 0, "a", 1, 1) < 0);    /* "a" < "a/" */
	assert_true(hrdex_tree_name_cmp("a.json", 6, 0, "a.files", 7, 1) > 0);
	assert_true(hrdex_tree_name_cmp("abc", 3, 0, "abc", 3, 0) == 0);
	assert_true(hrdex_tree_name_cmp("b", 1, 0, "a", 1, 0) > 0);
}

/* Append one raw entry "MODE NAME\0<20 bytes>". */
static void entry(struct hrdex_buf *b, const char *mode, const char *name, size_t namelen, unsigned char fill)
{
	unsigned char oid[20];

	memset(oid, fill, sizeof(oid));
	assert_int_equal(hrdex_buf_puts(b, mode), 0);
	assert_int_equal(hrdex_buf_putc(b, ' '), 0);
	assert_int_equal(hrdex_buf_put(b, name, namelen), 0);
	assert_int_equal(hrdex_buf_putc(b, '\0'), 0);
	assert_int_equal(hrdex_buf_put(b, oid, sizeof(oid)), 0);
}

/* Parse; 0 ok, 1 refused (reason must mention want). */
static int parse(struct hrdex_buf *b, size_t max, const char *want)
{
	struct hrdex_tree t;
	char reason[256] = "";
	int r = hrdex_tree_parse(&t, b->ptr ? b->ptr : "", b->len, max, reason, sizeof(reason));

	if (r == 1 && want && !strstr(reason, want))
		fail_msg("reason '%s' does not mention '%s'", reason, want);
	hrdex_tree_release(&t);
	hrdex_buf_clear(b);
	return r;
}

static void test_parse(void **state)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;
	struct hrdex_tree t;
	char reason[256];

	(void)state;
	entry(&b, "100644", "a.json", 6, 1);
	entry(&b, "40000", "a.files", 7, 2);  /* "a.files/" sorts before "a.json" */
	assert_int_equal(parse(&b, 100, "order"), 1);

	entry(&b, "40000", "a.files", 7, 2);
	entry(&b, "100644", "a.json", 6, 1);
	entry(&b, "100644", "b.json", 6, 3);
	assert_int_equal(hrdex_tree_parse(&t, b.ptr, b.len, 100, reason, sizeof(reason)), 0);
	assert_int_equal(t.n, 3);
	assert_true(t.e[0].dir);
	assert_int_equal(t.e[1].len, 6);
	assert_memory_equal(t.e[1].name, "a.json", 6);
	assert_int_equal(t.e[2].oid.id[0], 3);
	hrdex_tree_release(&t);
	hrdex_buf_clear(&b);

	assert_int_equal(parse(&b, 100, NULL), 0); /* the empty tree */

	entry(&b, "100755", "a.json", 6, 1);
	assert_int_equal(parse(&b, 100, "mode 100755"), 1);
	entry(&b, "120000", "a.json", 6, 1);
	assert_int_equal(parse(&b, 100, "mode 120000"), 1);
	entry(&b, "160000", "sub", 3, 1);
	assert_int_equal(parse(&b, 100, "mode 160000"), 1);
	entry(&b, "040000", "d", 1, 1);
	assert_int_equal(parse(&b, 100, "mode 040000"), 1);
	entry(&b, "100664", "a.json", 6, 1);
	assert_int_equal(parse(&b, 100, "mode"), 1);

	entry(&b, "100644", "a.json", 6, 1);
	entry(&b, "100644", "a.json", 6, 2);
	assert_int_equal(parse(&b, 100, "duplicate"), 1);

	/* file "x" and folder "x" with "x-y" between them: sorted, still a duplicate */
	entry(&b, "100644", "x", 1, 1);
	entry(&b, "100644", "x-y", 3, 1);
	entry(&b, "40000", "x", 1, 1);
	assert_int_equal(parse(&b, 100, "duplicate"), 1);

	entry(&b, "100644", "b", 1, 1);
	entry(&b, "100644", "a", 1, 1);
	assert_int_equal(parse(&b, 100, "order"), 1);

	entry(&b, "40000", ".GIT", 4, 1);
	assert_int_equal(parse(&b, 100, ".git"), 1);
	entry(&b, "100644", "", 0, 1);
	assert_int_equal(parse(&b, 100, "empty"), 1);

	entry(&b, "100644", "a", 1, 1);
	entry(&b, "100644", "b", 1, 1);
	entry(&b, "100644", "c", 1, 1);
	assert_int_equal(parse(&b, 2, "more than 2 entries"), 1);

	/* truncated: a name with no NUL, then an oid cut short */
	assert_int_equal(hrdex_buf_puts(&b, "100644 abc"), 0);
	assert_int_equal(parse(&b, 100, "malformed"), 1);
	entry(&b, "100644", "a", 1, 1);
	b.len -= 5;
	assert_int_equal(parse(&b, 100, "malformed"), 1);
	assert_int_equal(hrdex_buf_puts(&b, "100644"), 0);
	assert_int_equal(parse(&b, 100, "malformed"), 1);
	hrdex_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_names),
		cmocka_unit_test(test_dotgit_spellings),
		cmocka_unit_test(test_other_bad_names),
		cmocka_unit_test(test_tree_order),
		cmocka_unit_test(test_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
