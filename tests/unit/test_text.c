/* test_text.c - untrusted text made safe for terminals and log lines. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "text.h"

static char *esc(const char *s, size_t len)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;

	assert_int_equal(hrdex_text_escape(&b, s, len), 0);
	return hrdex_buf_detach(&b);
}

#define ASSERT_ESCAPES(in, want)                          \
	do {                                              \
		char *got = esc(in, sizeof(in) - 1);      \
		assert_string_equal(got, want);           \
		free(got);                                \
	} while (0)

static void test_every_script_unchanged(void **state)
{
	(void)state;
	ASSERT_ESCAPES("décision du comité", "décision du comité");
	ASSERT_ESCAPES("تقرير عن حقوق الإنسان", "تقرير عن حقوق الإنسان");
	ASSERT_ESCAPES("人权报告 二〇二六", "人权报告 二〇二六");
	ASSERT_ESCAPES("Доклад о правах человека", "Доклад о правах человека");
	ASSERT_ESCAPES("גבר‍👩‍👧 नमस्ते ÅŒ €", "גבר‍👩‍👧 नमस्ते ÅŒ €");
	/* Backslash passes unchanged, so escaping twice changes nothing. */
	ASSERT_ESCAPES("C:\\x1b and \\u202e", "C:\\x1b and \\u202e");
}

static void test_c0_del_and_line_breaks(void **state)
{
	(void)state;
	ASSERT_ESCAPES("a\x1b[31mred\x1b[0m", "a\\x1b[31mred\\x1b[0m");
	ASSERT_ESCAPES("one\ntwo\r\n\tthree", "one\\ntwo\\r\\n\\tthree");
	ASSERT_ESCAPES("bell\x07 del\x7f nul\0end", "bell\\x07 del\\x7f nul\\x00end");
}

static void test_c1_and_bidi(void **state)
{
	(void)state;
	ASSERT_ESCAPES("csi\xc2\x9b" "2J", "csi\\u009b2J");
	ASSERT_ESCAPES("\xc2\x80\xc2\x9f\xc2\xa0", "\\u0080\\u009f\xc2\xa0");   /* NBSP stays */
	ASSERT_ESCAPES("txt.\xe2\x80\xaegpj.exe", "txt.\\u202egpj.exe");
	ASSERT_ESCAPES("\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad", "\\u202a\\u202b\\u202c\\u202d");
	ASSERT_ESCAPES("\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9", "\\u2066\\u2067\\u2068\\u2069");
	ASSERT_ESCAPES("\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", "\\u200e\\u200f\\u061c");
	ASSERT_ESCAPES("a\xe2\x80\xa8" "b\xe2\x80\xa9", "a\\u2028b\\u2029");
}

static void test_invalid_utf8_each_byte_shown(void **state)
{
	(void)state;
	ASSERT_ESCAPES("\xff\xfe", "\\xff\\xfe");
	ASSERT_ESCAPES("over\xc0\xaflong", "over\\xc0\\xaflong");
	ASSERT_ESCAPES("surrogate\xed\xa0\x80", "surrogate\\xed\\xa0\\x80");
	ASSERT_ESCAPES("cut\xe2\x80", "cut\\xe2\\x80");
	ASSERT_ESCAPES("lone\x9b", "lone\\x9b");
}

static void test_line_stays_one_line(void **state)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);
	char big[6000];

	(void)state;
	assert_non_null(f);
	assert_int_equal(hrdex_text_line(f, "rejected '%s': %s", "a\nerror: forged", "\x1b]0;x\x07"), 0);
	memset(big, '\n', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(hrdex_text_line(f, "%s", big), 0);
	fclose(f);
	assert_memory_equal(text, "rejected 'a\\nerror: forged': \\x1b]0;x\\x07\n",
			    strlen("rejected 'a\\nerror: forged': \\x1b]0;x\\x07\n"));
	assert_int_equal(size, strlen("rejected 'a\\nerror: forged': \\x1b]0;x\\x07\n") + 2 * 5999 + 1);
	assert_ptr_equal(strchr(text, '\n'), text + strlen("rejected 'a\\nerror: forged': \\x1b]0;x\\x07"));
	free(text);
}

static void test_dup(void **state)
{
	char *s;

	(void)state;
	s = hrdex_text_dup("x\x1by");
	assert_string_equal(s, "x\\x1by");
	free(s);
	s = hrdex_text_dup(NULL);
	assert_string_equal(s, "");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_script_unchanged),
		cmocka_unit_test(test_c0_del_and_line_breaks),
		cmocka_unit_test(test_c1_and_bidi),
		cmocka_unit_test(test_invalid_utf8_each_byte_shown),
		cmocka_unit_test(test_line_stays_one_line),
		cmocka_unit_test(test_dup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
