/*
 * tests/fuzz/fuzz_sanitize.c - libFuzzer target for tui/sanitize.c, the
 * code every remote byte goes through before a terminal or a JSON reader
 * sees it (exec output, banners, host names, errors, signal names).
 * Input: the bytes a host sends. Checks, besides ASan/UBSan's own:
 *   tui_sanitize      no C0 control but tab, no DEL, no C1, no bidi or
 *                     invisible format character (U+2028, U+202E, U+FEFF,
 *                     U+200B), valid UTF-8, and input that is plain
 *                     printable ASCII comes out unchanged;
 *   tui_json_escape   no byte below 0x20, every '"' escaped, valid UTF-8.
 *
 * Build and run (clang with libFuzzer):
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DDROVER_FUZZ=ON
 *   cmake --build build-fuzz --target fuzz_sanitize
 *   build-fuzz/tests/fuzz/fuzz_sanitize -max_total_time=60 /tmp/corpus-sanitize
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/tui.h"

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "contract broken: %s\n", what);
		abort();
	}
}

/* Strict UTF-8 (no overlongs, surrogates or values past U+10FFFF); returns
 * the code point and its length, 0 if malformed. */
static size_t
utf8(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t n, i;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2, c = s[0] & 0x1f, min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3, c = s[0] & 0x0f, min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4, c = s[0] & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

static void
check_utf8(const char *p, size_t len, int sanitized)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		n = utf8(s + i, len - i, &cp);
		check(n > 0, "output is not valid UTF-8");
		if (sanitized) {
			check(cp >= 0x20 || cp == '\t', "C0 control in sanitised text");
			check(cp != 0x7f && !(cp >= 0x80 && cp <= 0x9f), "DEL or C1 in sanitised text");
			check(cp != 0x2028 && cp != 0x2029 && !(cp >= 0x202a && cp <= 0x202e) &&
			    cp != 0xfeff && !(cp >= 0x200b && cp <= 0x200f) &&
			    !(cp >= 0x2066 && cp <= 0x2069), "bidi/format character in sanitised text");
		} else {
			check(cp >= 0x20, "control byte in a JSON string");
		}
		i += n;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tui_buf b = { 0 };
	size_t i;
	int plain = 1;

	tui_sanitize(&b, (const char *)data, size);
	tui_buf_str(&b);
	check_utf8(b.p, b.len, 1);
	for (i = 0; i < size; i++)
		if (!((data[i] >= 0x20 && data[i] < 0x7f) || data[i] == '\t'))
			plain = 0;
	if (plain)
		check(b.len == size && memcmp(b.p, data, size) == 0, "plain ASCII changed");
	tui_buf_reset(&b);

	tui_json_escape(&b, (const char *)data, size);
	tui_buf_str(&b);
	check_utf8(b.p, b.len, 0);
	for (i = 0; i < b.len; i++)
		if (b.p[i] == '"')
			check(i > 0 && b.p[i - 1] == '\\', "unescaped quote in a JSON string");
	tui_buf_free(&b);
	return 0;
}
