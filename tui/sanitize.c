/*
 * tui/sanitize.c - remote bytes made safe before they reach the operator's
 * terminal or a JSON consumer. Hosts are untrusted: an escape sequence in
 * output, a banner or a host name must never drive the terminal (titles,
 * clipboard, queries) or reorder text (bidi overrides).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/tui.h"

/*
 * Code points that steer a terminal or the reading order, or that are
 * invisible and so can hide or fake text: C1 controls, the line and
 * paragraph separators, and Unicode's format characters (category Cf:
 * bidi controls, zero-width characters, the BOM, tags, ...).
 */
static int
dangerous(uint32_t cp)
{
	static const uint32_t ranges[][2] = {
		{ 0x0080, 0x009f },     /* C1 controls (CSI, OSC ...) */
		{ 0x00ad, 0x00ad },     /* soft hyphen */
		{ 0x0600, 0x0605 }, { 0x061c, 0x061c }, { 0x06dd, 0x06dd },
		{ 0x070f, 0x070f }, { 0x0890, 0x0891 }, { 0x08e2, 0x08e2 },
		{ 0x180e, 0x180e },     /* Mongolian vowel separator */
		{ 0x200b, 0x200f },     /* zero-width space/joiners, LRM, RLM */
		{ 0x2028, 0x202e },     /* line/paragraph separators, bidi */
		{ 0x2060, 0x2064 },     /* word joiner, invisible operators */
		{ 0x2066, 0x206f },     /* bidi isolates, deprecated formats */
		{ 0xfeff, 0xfeff },     /* BOM / zero-width no-break space */
		{ 0xfff9, 0xfffb },     /* interlinear annotation */
		{ 0x110bd, 0x110bd }, { 0x110cd, 0x110cd }, { 0x13430, 0x1343f },
		{ 0x1bca0, 0x1bca3 }, { 0x1d173, 0x1d17a },
		{ 0xe0001, 0xe0001 }, { 0xe0020, 0xe007f },   /* tags */
	};
	size_t i;

	for (i = 0; i < UTIL_NELEM(ranges); i++)
		if (cp >= ranges[i][0] && cp <= ranges[i][1])
			return 1;
	return 0;
}

void
tui_sanitize(tui_buf *out, const char *in, size_t len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, n, start;
	uint32_t cp;
	char esc[16];

	while (i < len) {
		/* Fast path: a run of plain printable ASCII. */
		start = i;
		while (i < len && ((s[i] >= 0x20 && s[i] < 0x7f) || s[i] == '\t'))
			i++;
		if (i > start)
			tui_buf_add(out, s + start, i - start);
		if (i >= len)
			break;
		if (s[i] < 0x80) {
			if (s[i] == 0x1b)
				tui_buf_add(out, "\\e", 2);
			else if (s[i] == '\r')
				tui_buf_add(out, "\\r", 2);
			else if (s[i] == '\n')
				tui_buf_add(out, "\\n", 2);
			else {
				snprintf(esc, sizeof(esc), "\\x%02x", s[i]);
				tui_buf_addstr(out, esc);
			}
			i++;
			continue;
		}
		n = util_utf8_decode(s + i, len - i, &cp);
		if (n == 0) {
			snprintf(esc, sizeof(esc), "\\x%02x", s[i]);
			tui_buf_addstr(out, esc);
			i++;
		} else if (dangerous(cp)) {
			snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)cp);
			tui_buf_addstr(out, esc);
			i += n;
		} else {
			tui_buf_add(out, s + i, n);
			i += n;
		}
	}
	tui_buf_str(out);
}

char *
tui_sanitize_str(const char *s)
{
	tui_buf b = { 0 };

	tui_sanitize(&b, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
	return b.p;
}

void
tui_json_escape(tui_buf *out, const char *in, size_t len)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, n, start;
	uint32_t cp;
	char esc[16];

	while (i < len) {
		start = i;
		while (i < len && s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\')
			i++;
		if (i > start)
			tui_buf_add(out, s + start, i - start);
		if (i >= len)
			break;
		if (s[i] < 0x80) {
			switch (s[i]) {
			case '"': tui_buf_add(out, "\\\"", 2); break;
			case '\\': tui_buf_add(out, "\\\\", 2); break;
			case '\n': tui_buf_add(out, "\\n", 2); break;
			case '\r': tui_buf_add(out, "\\r", 2); break;
			case '\t': tui_buf_add(out, "\\t", 2); break;
			default:
				snprintf(esc, sizeof(esc), "\\u%04x", s[i]);
				tui_buf_addstr(out, esc);
			}
			i++;
			continue;
		}
		n = util_utf8_decode(s + i, len - i, &cp);
		if (n == 0) {
			tui_buf_addstr(out, "\\ufffd");
			i++;
		} else if (dangerous(cp)) {
			snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)cp);
			tui_buf_addstr(out, esc);
			i += n;
		} else {
			tui_buf_add(out, s + i, n);
			i += n;
		}
	}
	tui_buf_str(out);
}
