/* test_bundle.c - the bundle header reader: what stock git writes is read,
 * anything else is refused with one line naming the file; and what
 * hrdex_bundle_is_path takes for a bundle rather than a peer or a URL. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "bundle.h"
#include "config.h"
#include "error.h"

#define A40 "0123456789abcdef0123456789abcdef01234567"
#define B40 "89abcdef0123456789abcdef0123456789abcdef"

/* Read the header of text; the return of hrdex_bundle_read_header, with
 * *rest the first byte after it. */
static int parse(struct hrdex_bundle *b, const char *text, int *rest)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int r;

	assert_non_null(f);
	r = hrdex_bundle_read_header(b, f, "x.bundle");
	*rest = getc(f);
	fclose(f);
	return r;
}

static void test_v2_read(void **state)
{
	struct hrdex_bundle b;
	char hex[GIT_OID_HEXSZ + 1];
	int rest;

	(void)state;
	assert_int_equal(parse(&b, "# v2 git bundle\n-" A40 " a comment\n" B40 " refs/heads/achpr\n\nPACK", &rest), 0);
	assert_int_equal(rest, 'P');
	assert_int_equal(b.nprereqs, 1);
	assert_string_equal(git_oid_tostr(hex, sizeof(hex), &b.prereqs[0]), A40);
	assert_int_equal(b.nrefs, 1);
	assert_string_equal(b.refs[0].name, "refs/heads/achpr");
	assert_string_equal(git_oid_tostr(hex, sizeof(hex), &b.refs[0].oid), B40);
	hrdex_bundle_free(&b);
	assert_int_equal(parse(&b, "# v3 git bundle\n@object-format=sha1\n" B40 " refs/heads/a\n\n", &rest), 0);
	hrdex_bundle_free(&b);
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"PACK",
		"# v2 git bundle\n",                                   /* ends in the header */
		"# v2 git bundle\n" B40 " refs/heads/a\n",             /* no empty line */
		"# v2 git bundle\n\nPACK",                             /* no refs */
		"# v2 git bundle\n" B40 "refs/heads/a\n\n",            /* no space */
		"# v2 git bundle\n" "0123" " refs/heads/a\n\n",        /* short id */
		"# v2 git bundle\n-" A40 "x\n" B40 " refs/heads/a\n\n",
		"# v2 git bundle\n" "0123456789ABCDEF0123456789abcdef01234567 refs/heads/a\n\n",
		"# v2 git bundle\n@object-format=sha1\n" B40 " refs/heads/a\n\n", /* capability in v2 */
		"# v3 git bundle\n@object-format=sha256\n" B40 " refs/heads/a\n\n",
		"# v3 git bundle\n@filter=blob:none\n" B40 " refs/heads/a\n\n",
		"# v4 git bundle\n" B40 " refs/heads/a\n\n",
	};
	struct hrdex_bundle b;
	size_t i;
	int rest;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(&b, bad[i], &rest), -1);
		assert_int_equal(hrdex_error_kind(), HRDEX_E_INVALID);
		assert_non_null(strstr(hrdex_error_message(), "'x.bundle'"));
		hrdex_bundle_free(&b);
	}
}

static void test_long_line(void **state)
{
	char text[HRDEX_BUNDLE_LINE_MAX + 100];
	struct hrdex_bundle b;
	int rest;

	(void)state;
	snprintf(text, sizeof(text), "# v2 git bundle\n%s refs/heads/", B40);
	memset(text + strlen(text), 'a', sizeof(text) - strlen(text) - 3);
	text[sizeof(text) - 3] = '\n';
	text[sizeof(text) - 2] = '\n';
	text[sizeof(text) - 1] = '\0';
	assert_int_equal(parse(&b, text, &rest), -1);
	assert_non_null(strstr(hrdex_error_message(), "too long"));
	hrdex_bundle_free(&b);
}

static void test_is_path(void **state)
{
	(void)state;
	assert_true(hrdex_bundle_is_path("achpr.bundle"));
	assert_true(hrdex_bundle_is_path("/media/usb/achpr.bundle"));
	assert_false(hrdex_bundle_is_path(".bundle"));
	assert_false(hrdex_bundle_is_path("achpr"));
	assert_false(hrdex_bundle_is_path("achpr.bundle.tmp"));
	assert_false(hrdex_bundle_is_path("https://x.example/a.bundle"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v2_read),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_is_path),
	};

	git_libgit2_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
