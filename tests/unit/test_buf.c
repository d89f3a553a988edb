/* test_buf.c - growable buffers: content, NUL termination, the ceiling. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "buf.h"
#include "error.h"

static void test_append_keeps_nul(void **state)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;

	(void)state;
	assert_int_equal(hrdex_buf_puts(&b, "décision"), 0);
	assert_int_equal(hrdex_buf_printf(&b, " %d/%d", 30, 3), 0);
	assert_string_equal(b.ptr, "décision 30/3");
	assert_int_equal(b.len, strlen("décision 30/3"));
	hrdex_buf_free(&b);
}

static void test_ceiling_refuses(void **state)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;

	(void)state;
	b.max = 8;
	assert_int_equal(hrdex_buf_puts(&b, "12345678"), 0);
	assert_int_equal(hrdex_buf_putc(&b, '9'), -1);
	assert_int_equal(hrdex_error_kind(), HRDEX_E_INVALID);
	assert_string_equal(b.ptr, "12345678");
	hrdex_buf_free(&b);
}

/* A name that does not fit is an error, never a shorter, different name. */
static void test_fmt_refuses_a_cut_name(void **state)
{
	char ref[17];

	(void)state;
	assert_int_equal(hrdex_fmt(ref, sizeof(ref), "refs/heads/%s", "achpr"), 0);
	assert_string_equal(ref, "refs/heads/achpr");
	hrdex_error_clear();
	assert_int_equal(hrdex_fmt(ref, sizeof(ref), "refs/heads/%s", "achpr2"), -1);
	assert_int_equal(hrdex_error_kind(), HRDEX_E_INVALID);
	assert_non_null(strstr(hrdex_error_message(), "name too long: 'refs/heads/achp"));
}

/* Text for people is cut visibly, and never inside a UTF-8 sequence. */
static void test_fmt_cut_shows_the_cut(void **state)
{
	char msg[12];

	(void)state;
	hrdex_fmt_cut(msg, sizeof(msg), "%s", "short");
	assert_string_equal(msg, "short");
	hrdex_fmt_cut(msg, sizeof(msg), "%s", "a message too long");
	assert_string_equal(msg, "a messag...");
	hrdex_fmt_cut(msg, sizeof(msg), "%s", "abcdef\xc3\xa9tude"); /* é at bytes 6-7, cut at 8 keeps it */
	assert_string_equal(msg, "abcdef\xc3\xa9...");
	hrdex_fmt_cut(msg, sizeof(msg), "%s", "abcdefg\xc3\xa9tude"); /* cut at 8 would split é */
	assert_string_equal(msg, "abcdefg...");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_keeps_nul),
		cmocka_unit_test(test_ceiling_refuses),
		cmocka_unit_test(test_fmt_refuses_a_cut_name),
		cmocka_unit_test(test_fmt_cut_shows_the_cut),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
