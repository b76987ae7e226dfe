/*
 * tui/buf.c - a growable byte buffer for the printers (line assembly,
 * captured output, escaped text). Allocation failure aborts (util_xrealloc).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/tui.h"

static void
grow(tui_buf *b, size_t need)
{
	size_t cap = b->cap ? b->cap : 64;

	if (b->len + need + 1 <= b->cap)
		return;
	while (cap < b->len + need + 1)
		cap *= 2;
	/* util's: a front end's out-of-memory hook gets its chance. */
	b->p = util_xrealloc(b->p, cap);
	b->cap = cap;
}

void
tui_buf_add(tui_buf *b, const void *data, size_t len)
{
	grow(b, len);
	if (len > 0)
		memcpy(b->p + b->len, data, len);
	b->len += len;
	b->p[b->len] = '\0';
}

void
tui_buf_addstr(tui_buf *b, const char *s)
{
	tui_buf_add(b, s, strlen(s));
}

void
tui_buf_addf(tui_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

const char *
tui_buf_str(tui_buf *b)
{
	grow(b, 0);
	b->p[b->len] = '\0';
	return b->p;
}

void
tui_buf_reset(tui_buf *b)
{
	b->len = 0;
	if (b->p != NULL)
		b->p[0] = '\0';
}

void
tui_buf_free(tui_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}
