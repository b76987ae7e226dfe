/*
 * tests/util/test_util.c - the low-level helpers (util/): UTF-8 decoding
 * and encoding against every boundary, strict number and yes/no parsing,
 * string vectors, and the colour conversion the console and the themes
 * share (the near-black direct colour that must not read as ANSI 0-7).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

static size_t
dec(const char *s, uint32_t *cp)
{
	return util_utf8_decode((const unsigned char *)s, strlen(s), cp);
}

Test(utf8, decode_accepts_valid_and_refuses_the_rest)
{
	uint32_t cp = 0;

	cr_assert_eq(dec("a", &cp), 1);
	cr_assert_eq(cp, 'a');
	cr_assert_eq(dec("\xc3\xa9", &cp), 2);
	cr_assert_eq(cp, 0xe9);
	cr_assert_eq(dec("\xe2\x80\xae", &cp), 3);
	cr_assert_eq(cp, 0x202e);
	cr_assert_eq(dec("\xf0\x9f\x98\x80", &cp), 4);
	cr_assert_eq(cp, 0x1f600);
	cr_assert_eq(dec("\xf4\x8f\xbf\xbf", &cp), 4, "U+10FFFF is the last");
	cr_assert_eq(dec("\xf4\x90\x80\x80", &cp), 0, "past U+10FFFF");
	cr_assert_eq(dec("\xc0\xaf", &cp), 0, "overlong /");
	cr_assert_eq(dec("\xe0\x80\xaf", &cp), 0, "overlong");
	cr_assert_eq(dec("\xed\xa0\x80", &cp), 0, "surrogate");
	cr_assert_eq(dec("\x80", &cp), 0, "stray continuation");
	cr_assert_eq(dec("\xe2\x80", &cp), 0, "truncated");
	cr_assert_eq(util_utf8_decode((const unsigned char *)"", 0, &cp), 0);
}

Test(utf8, encode_round_trips)
{
	static const uint32_t cps[] = { 0, 0x7f, 0x80, 0x7ff, 0x800, 0xfffd, 0xffff,
	    0x10000, 0x10ffff };
	char buf[4];
	uint32_t back;
	size_t i, n;

	for (i = 0; i < sizeof cps / sizeof cps[0]; i++) {
		n = util_utf8_encode(cps[i], buf);
		cr_assert_gt(n, 0);
		cr_assert_eq(util_utf8_decode((unsigned char *)buf, n, &back), n);
		cr_assert_eq(back, cps[i]);
	}
	cr_assert_eq(util_utf8_encode(0xd800, buf), 0);
	cr_assert_eq(util_utf8_encode(0x110000, buf), 0);
	cr_assert_eq(util_utf8_drop_last("ab\xc3\xa9", 4), 2);
	cr_assert_eq(util_utf8_drop_last("a", 1), 0);
	cr_assert_eq(util_utf8_drop_last("", 0), 0);
}

Test(num, strict_integers_and_booleans)
{
	int v = 7;

	cr_assert_eq(util_parse_int("10", 1, 100, &v), 0);
	cr_assert_eq(v, 10);
	v = 7;
	cr_assert_eq(util_parse_int("10x", 1, 100, &v), -1);
	cr_assert_eq(util_parse_int(" 10", 1, 100, &v), -1);
	cr_assert_eq(util_parse_int("+10", 1, 100, &v), -1);
	cr_assert_eq(util_parse_int("", 1, 100, &v), -1);
	cr_assert_eq(util_parse_int(NULL, 1, 100, &v), -1);
	cr_assert_eq(util_parse_int("101", 1, 100, &v), -1);
	cr_assert_eq(util_parse_int("0", 1, 100, &v), -1);
	cr_assert_eq(util_parse_int("-1", 1, 100, &v), -1, "no sign when min >= 0");
	cr_assert_eq(util_parse_int("99999999999999999999", 1, 100, &v), -1);
	cr_assert_eq(v, 7, "unchanged on error");
	cr_assert_eq(util_parse_int("-5", -10, 10, &v), 0);
	cr_assert_eq(v, -5);
	cr_assert_eq(util_parse_bool("Yes", &v), 0);
	cr_assert_eq(v, 1);
	cr_assert_eq(util_parse_bool("off", &v), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(util_parse_bool("maybe", &v), -1);
}

Test(strv, push_steal_and_lists)
{
	util_strv sv = { 0 };
	char **l, **d;
	int i;

	cr_assert_null(util_strv_steal(&sv), "empty is NULL");
	for (i = 0; i < 20; i++)
		util_strv_push(&sv, i % 2 ? "odd" : "even");
	cr_assert_eq(sv.n, 20);
	cr_assert_null(sv.v[20], "always NULL-terminated");
	l = util_strv_steal(&sv);
	cr_assert_eq(util_list_len(l), 20);
	cr_assert(util_list_has(l, "odd"));
	cr_assert_not(util_list_has(l, "none"));
	d = util_list_dup(l);
	cr_assert_neq(d[0], l[0], "deep copy");
	cr_assert_str_eq(d[19], "odd");
	cr_assert_null(util_list_dup(NULL));
	util_list_free(l);
	util_list_free(d);
	util_list_free(NULL);
	{
		char *x = util_xstrdup("x");

		cr_assert_str_eq(x, "x");
		free(x);
	}
	cr_assert_null(util_xstrdup(NULL));
}

Test(color, one_conversion_for_every_terminal)
{
	/* Direct colour: near-black stays a colour, never ANSI 0-7. */
	cr_assert_eq(util_color_from_rgb(0, 0, 0, 1 << 24), 8);
	cr_assert_eq(util_color_from_rgb(0, 0, 7, 1 << 24), 8);
	cr_assert_eq(util_color_from_rgb(0, 0, 8, 1 << 24), 8);
	cr_assert_eq(util_color_from_rgb(0x12, 0x34, 0x56, 1 << 24), 0x123456);
	/* 256 colours: the cube and the grey ramp, never the themable 0-15. */
	cr_assert_eq(util_color_from_rgb(255, 0, 0, 256), 196);
	cr_assert_eq(util_color_from_rgb(0x80, 0x80, 0x80, 256), 244);
	cr_assert_geq(util_color_from_rgb(1, 1, 1, 256), 16);
	/* 8 and 16 colours: the nearest ANSI colour. */
	cr_assert_eq(util_color_from_rgb(250, 10, 10, 8), 1);
	cr_assert_eq(util_color_from_rgb(250, 10, 10, 16), 9);
	cr_assert_eq(util_color_from_rgb(1, 2, 3, 0), -1);
	/* Indexes stay where the terminal has them. */
	cr_assert_eq(util_color_from_index(5, 8), 5);
	cr_assert_eq(util_color_from_index(200, 256), 200);
	cr_assert_eq(util_color_from_index(9, 8), 1, "bright red on 8 colours");
	cr_assert_eq(util_color_from_index(3, 1 << 24), 3);
	cr_assert_eq(util_color_from_index(16, 1 << 24), 8, "palette black as RGB, not 0");
	cr_assert_eq(util_color_from_index(196, 1 << 24), 0xff0000);
}

Test(color, no_color_env)
{
	unsetenv("NO_COLOR");
	cr_assert_eq(util_no_color(), 0);
	setenv("NO_COLOR", "", 1);
	cr_assert_eq(util_no_color(), 0, "empty means unset (no-color.org)");
	setenv("NO_COLOR", "1", 1);
	cr_assert_eq(util_no_color(), 1);
}

Test(strv, shell_quote_survives_sh)
{
	static const char *const cases[] = { "", "plain", "it's", "'", "a b;$(x)`y`\\\"", NULL };
	size_t i;

	for (i = 0; cases[i] != NULL; i++) {
		char *q = util_shell_quote(cases[i]), *cmd = NULL, out[256] = "";
		FILE *p;
		size_t n;

		/* sh reads it back as the one word it was. */
		cr_assert(asprintf(&cmd, "printf %%s %s", q) > 0);
		p = popen(cmd, "r");
		cr_assert_not_null(p);
		n = fread(out, 1, sizeof(out) - 1, p);
		out[n] = '\0';
		pclose(p);
		cr_assert_str_eq(out, cases[i], "%s -> %s", cases[i], q);
		free(cmd);
		free(q);
	}
}

/*
 * regcomp(3) guard: the fuzzer's find (a prompt "a+++...+" took 4 GB in
 * glibc's regcomp) and its relatives are refused with a reason; what
 * prompts, filters and the device presets use is accepted.
 */
Test(regex, blow_ups_refused_usual_patterns_kept)
{
	static const char *const ok[] = {
		"^[A-Za-z0-9._()/:-]+[>#] ?$", "^[A-Za-z0-9._-]+@[A-Za-z0-9._-]+[>#%] ?$",
		"[Pp]assword: ?$", "--More--|<--- More --->", "error|fail(ed|ure)?",
		"a{2,5}b+", "(ab){3}", "[+*?{]+", "\\++x", "x{", "^+a", "a|*b", "(a+)+",
		"[[:digit:]]{1,3}(\\.[[:digit:]]{1,3}){3}",
	};
	static const char *const bad[] = {
		"a++", "a**", "a+*", "a?+", "a{2}*", "a*{2}", "a{300}", "a{1,256}",
		"((a{10}){10}){11}", "((a{20})b){60}",
	};
	char big[1100];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		cr_assert_null(util_regex_unsafe(ok[i]), "%s: %s", ok[i], util_regex_unsafe(ok[i]));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_not_null(util_regex_unsafe(bad[i]), "%s accepted", bad[i]);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cr_assert_not_null(util_regex_unsafe(big));
	memset(big, '+', sizeof(big) - 1);
	big[0] = 'a';
	big[70] = '\0';
	cr_assert_str_eq(util_regex_unsafe(big), "a repetition of a repetition (such as a++ or a*{2})");
}
