/* test_html.c - escaping hostile text for HTML, JavaScript and Markdown. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "html.h"

static char *html(const char *s)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;

	assert_int_equal(hrdex_html_text(&b, s), 0);
	return b.ptr ? hrdex_buf_detach(&b) : strdup("");
}

static char *js(const char *s)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;

	assert_int_equal(hrdex_js_string(&b, s), 0);
	return hrdex_buf_detach(&b);
}

static char *md(const char *s)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;

	assert_int_equal(hrdex_md_text(&b, s), 0);
	return b.ptr ? hrdex_buf_detach(&b) : strdup("");
}

#define EXPECT(fn, in, want)                      \
	do {                                      \
		char *got_ = fn(in);              \
		assert_string_equal(got_, want);  \
		free(got_);                       \
	} while (0)

static void test_html_markup_is_text(void **state)
{
	(void)state;
	EXPECT(html, "<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;");
	EXPECT(html, "\"><img src=x onerror=alert(1)>", "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
	EXPECT(html, "' onmouseover='x", "&#39; onmouseover=&#39;x");
	EXPECT(html, "&lt; stays &amp;", "&amp;lt; stays &amp;amp;");
	EXPECT(html, "", "");
	EXPECT(html, NULL, "");
}

static void test_html_keeps_every_script(void **state)
{
	(void)state;
	/* The six UN languages round-trip unchanged. */
	EXPECT(html, "حماية المدافعين", "حماية المدافعين");
	EXPECT(html, "第五次促进和保护人权", "第五次促进和保护人权");
	EXPECT(html, "Защита правозащитников", "Защита правозащитников");
	EXPECT(html, "Protéger — «défenseurs»", "Protéger — «défenseurs»");
	EXPECT(html, "tab\tnewline\n", "tab\tnewline\n");
}

static void test_html_replaces_controls_and_overrides(void **state)
{
	(void)state;
	EXPECT(html, "a\x01" "b\x7f" "c", "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c");
	EXPECT(html, "a\xc2\x85" "b", "a\xef\xbf\xbd" "b");           /* C1 NEL */
	EXPECT(html, "x\xe2\x80\xae" "gpj.exe", "x\xef\xbf\xbd" "gpj.exe"); /* U+202E */
	EXPECT(html, "x\xe2\x81\xa6" "y", "x\xef\xbf\xbd" "y");         /* U+2066 */
	/* Invalid UTF-8 never passes through raw. */
	EXPECT(html, "a\xff<", "a\xef\xbf\xbd&lt;");
	EXPECT(html, "a\xc0\xbc", "a\xef\xbf\xbd\xef\xbf\xbd");          /* overlong '<' */
	EXPECT(html, "a\xed\xa0\x80", "a\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* surrogate */
}

static void test_url_ok(void **state)
{
	(void)state;
	assert_true(hrdex_html_url_ok("https://undocs.org/A/HRC/32/20"));
	assert_true(hrdex_html_url_ok("HTTP://example.org/?a=1&b=2"));
	assert_false(hrdex_html_url_ok("javascript:alert(1)"));
	assert_false(hrdex_html_url_ok("JavaScript:alert(1)"));
	assert_false(hrdex_html_url_ok(" javascript:alert(1)"));
	assert_false(hrdex_html_url_ok("data:text/html,<script>"));
	assert_false(hrdex_html_url_ok("vbscript:x"));
	assert_false(hrdex_html_url_ok("//evil.example/x"));
	assert_false(hrdex_html_url_ok("/relative"));
	assert_false(hrdex_html_url_ok("https://"));
	assert_false(hrdex_html_url_ok("https:///path"));
	assert_false(hrdex_html_url_ok("https://a.org/\" onclick=\"x"));
	assert_false(hrdex_html_url_ok("https://a.org/'x"));
	assert_false(hrdex_html_url_ok("https://a.org/<x>"));
	assert_false(hrdex_html_url_ok("https://a.org/ x"));
	assert_false(hrdex_html_url_ok("https://a.org/\nx"));
	assert_false(hrdex_html_url_ok("http:\\\\evil.example"));
	assert_false(hrdex_html_url_ok(NULL));
}

static void test_lang_and_dir(void **state)
{
	(void)state;
	assert_string_equal(hrdex_html_dir("ar"), "rtl");
	assert_string_equal(hrdex_html_dir("ar-EG"), "rtl");
	assert_string_equal(hrdex_html_dir("fa"), "rtl");
	assert_string_equal(hrdex_html_dir("he"), "rtl");
	assert_string_equal(hrdex_html_dir("ur"), "rtl");
	assert_string_equal(hrdex_html_dir("en"), "ltr");
	assert_string_equal(hrdex_html_dir("zh"), "ltr");
	assert_string_equal(hrdex_html_dir("zh-Hant"), "ltr");
	assert_string_equal(hrdex_html_dir("ru"), "ltr");
	assert_string_equal(hrdex_html_dir("arn"), "ltr");        /* Mapudungun, not Arabic */
	assert_string_equal(hrdex_html_dir("ku-Arab"), "rtl");    /* the script decides */
	assert_string_equal(hrdex_html_dir("ar-Latn"), "ltr");
	assert_string_equal(hrdex_html_dir("x\" onclick"), "auto");
	assert_true(hrdex_html_lang_ok("es-419"));
	assert_false(hrdex_html_lang_ok("en\""));
	assert_false(hrdex_html_lang_ok("e"));
	assert_false(hrdex_html_lang_ok("en-"));
	assert_false(hrdex_html_lang_ok(""));
	assert_string_equal(hrdex_lang_name("ar"), "Arabic");
	assert_string_equal(hrdex_lang_autonym("zh"), "中文");
	assert_null(hrdex_lang_name("tlh"));
}

static void test_js_string(void **state)
{
	(void)state;
	EXPECT(js, "a\"b\\c", "\"a\\\"b\\\\c\"");
	EXPECT(js, "</script><!--", "\"\\u003c/script\\u003e\\u003c!--\"");
	EXPECT(js, "x\ny\t\x01", "\"x\\ny\\t\\u0001\"");
	EXPECT(js, "a\xe2\x80\xa8" "b\xe2\x80\xa9", "\"a\\u2028b\\u2029\"");
	EXPECT(js, "حقوق & 人权", "\"حقوق \\u0026 人权\"");
	EXPECT(js, "bad\xff", "\"bad\\ufffd\"");
}

static void test_md_text(void **state)
{
	(void)state;
	EXPECT(md, "[click](javascript:alert(1))", "\\[click\\](javascript:alert(1))");
	EXPECT(md, "![img](x)", "\\!\\[img\\](x)");
	EXPECT(md, "<script>x</script>", "\\<script\\>x\\</script\\>");
	EXPECT(md, "a | b", "a \\| b");
	EXPECT(md, "*bold* _it_ `code` ~s~", "\\*bold\\* \\_it\\_ \\`code\\` \\~s\\~");
	EXPECT(md, "&amp; #1 \\", "&amp;amp; \\#1 \\\\");
	EXPECT(md, "two\nlines\r", "two lines ");
	EXPECT(md, "Résolution 345 – حماية", "Résolution 345 – حماية");
	EXPECT(md, "x\xe2\x80\xaey", "x y");
}

static void test_langmap_pick(void **state)
{
	cJSON *m = cJSON_Parse("{\"ar\": \"a\", \"fr\": \"f\", \"zz\": \"z\"}");
	cJSON *one = cJSON_Parse("{\"sw\": \"s\"}");

	(void)state;
	assert_string_equal(hrdex_langmap_pick(m, NULL)->string, "fr");
	assert_string_equal(hrdex_langmap_pick(m, "ar")->string, "ar");
	assert_string_equal(hrdex_langmap_pick(m, "xx")->string, "fr");
	assert_string_equal(hrdex_langmap_pick(one, NULL)->string, "sw");
	assert_null(hrdex_langmap_pick(NULL, NULL));
	cJSON_Delete(m);
	cJSON_Delete(one);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_markup_is_text),
		cmocka_unit_test(test_html_keeps_every_script),
		cmocka_unit_test(test_html_replaces_controls_and_overrides),
		cmocka_unit_test(test_url_ok),
		cmocka_unit_test(test_lang_and_dir),
		cmocka_unit_test(test_js_string),
		cmocka_unit_test(test_md_text),
		cmocka_unit_test(test_langmap_pick),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
