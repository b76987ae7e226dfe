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
 * Decodes one UTF-8 sequence; returns its length and the code point, or 0
 * when the bytes are not valid UTF-8 (overlong, surrogate, truncated).
 */
static size_t
utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	size_t n, i;
	uint32_t c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		c = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* Code points that steer a terminal or the reading order. */
static int
dangerous(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) ||       /* C1 controls (CSI, OSC …) */
	    (cp >= 0x202a && cp <= 0x202e) ||       /* bidi embeddings/overrides */
	    (cp >= 0x2066 && cp <= 0x2069) ||       /* bidi isolates */
	    cp == 0x200e || cp == 0x200f || cp == 0x061c;
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
		n = utf8_decode(s + i, len - i, &cp);
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
		n = utf8_decode(s + i, len - i, &cp);
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
