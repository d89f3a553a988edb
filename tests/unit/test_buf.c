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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_keeps_nul),
		cmocka_unit_test(test_ceiling_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
