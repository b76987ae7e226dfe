/*
 * tests/tui/test_sanitize.c - transcript tests for what may reach the
 * operator's terminal (tui_sanitize) and JSON escaping (tui/sanitize.c).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "tui/tui.h"

/* Results are kept until the test process ends: assertions read them. */
static char *kept[64];
static size_t nkept;

static char *
keep(char *p)
{
	if (nkept < sizeof(kept) / sizeof(kept[0]))
		kept[nkept++] = p;
	return p;
}

static void
release(void)
{
	while (nkept > 0)
		free(kept[--nkept]);
}

static char *
san(const char *in, size_t len)
{
	tui_buf b = { 0 };

	tui_sanitize(&b, in, len);
	return keep(b.p);
}

static char *
js(const char *in, size_t len)
{
	tui_buf b = { 0 };

	tui_json_escape(&b, in, len);
	return keep(b.p);
}

TestSuite(sanitize, .fini = release);

#define S(lit) san(lit, sizeof(lit) - 1)
#define J(lit) js(lit, sizeof(lit) - 1)

Test(sanitize, plain_text_and_utf8_pass)
{
	cr_assert_str_eq(S("hello\tworld ~!"), "hello\tworld ~!");
	cr_assert_str_eq(S("caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80"),
	    "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80");
}

Test(sanitize, controls_escaped)
{
	cr_assert_str_eq(S("\033]52;c;ZXZpbA==\007"), "\\e]52;c;ZXZpbA==\\x07");
	cr_assert_str_eq(S("a\rb\nc\x7f" "d\0e"), "a\\rb\\nc\\x7fd\\x00e");
	cr_assert_str_eq(S("\033[6n"), "\\e[6n");
}

Test(sanitize, c1_bidi_and_invalid_utf8_escaped)
{
	cr_assert_str_eq(S("\xc2\x9b" "31m"), "\\u009b31m");        /* CSI as C1 */
	cr_assert_str_eq(S("x\xe2\x80\xaey"), "x\\u202ey");           /* RLO */
	cr_assert_str_eq(S("\xe2\x81\xa6z"), "\\u2066z");             /* LRI */
	cr_assert_str_eq(S("\x9b" "1m"), "\\x9b1m");                  /* raw 8-bit CSI */
	cr_assert_str_eq(S("\xc0\xaf"), "\\xc0\\xaf");               /* overlong */
	cr_assert_str_eq(S("\xed\xa0\x80"), "\\xed\\xa0\\x80");       /* surrogate */
	cr_assert_str_eq(S("\xe6\x97"), "\\xe6\\x97");               /* truncated */
}

Test(sanitize, invisible_format_characters_escaped)
{
	cr_assert_str_eq(S("a\xe2\x80\xa8" "b"), "a\\u2028b");           /* line separator */
	cr_assert_str_eq(S("a\xe2\x80\xa9" "b"), "a\\u2029b");           /* paragraph separator */
	cr_assert_str_eq(S("\xef\xbb\xbfroot"), "\\ufeffroot");        /* BOM */
	cr_assert_str_eq(S("ad\xe2\x80\x8bmin"), "ad\\u200bmin");      /* zero-width space */
	cr_assert_str_eq(S("x\xe2\x81\xa0y"), "x\\u2060y");           /* word joiner */
	cr_assert_str_eq(S("so\xc2\xad" "ft"), "so\\u00adft");            /* soft hyphen */
	cr_assert_str_eq(S("t\xf3\xa0\x80\x81"), "t\\ue0001");       /* language tag */
	/* Visible neighbours pass. */
	cr_assert_str_eq(S("\xe2\x80\x94 \xe2\x80\xa6 \xef\xbc\xa1"), "\xe2\x80\x94 \xe2\x80\xa6 \xef\xbc\xa1");
	cr_assert_str_eq(J("\xe2\x80\xa8\xef\xbb\xbf"), "\\u2028\\ufeff");
}

Test(sanitize, json_escape)
{
	cr_assert_str_eq(J("a\"b\\c\n\t\033"), "a\\\"b\\\\c\\n\\t\\u001b");
	cr_assert_str_eq(J("\xc3\xa9\xff"), "\xc3\xa9\\ufffd");
	cr_assert_str_eq(J("\xc2\x85\xe2\x80\xae"), "\\u0085\\u202e");
}
