/*
 * tui/session/proto.c - encoding and strict decoding of the session
 * socket's messages. Every length is checked against what was received;
 * nothing from a peer is trusted to be terminated or in range.
 */
#include <string.h>

#include "tui/session/proto.h"

int
tui_msg_parse(const uint8_t *buf, size_t len, tui_msg *m, size_t *used)
{
	size_t n;

	if (len < TUI_MSG_HDR)
		return 0;
	if (buf[0] == 0 || buf[0] >= TUI_MSG__COUNT)
		return -1;
	n = (size_t)buf[1] << 16 | (size_t)buf[2] << 8 | buf[3];
	if (n > TUI_MSG_MAX)
		return -1;
	if (len - TUI_MSG_HDR < n)
		return 0;
	m->type = (tui_msg_type)buf[0];
	m->data = buf + TUI_MSG_HDR;
	m->len = n;
	*used = TUI_MSG_HDR + n;
	return 1;
}

void
tui_msg_add(tui_buf *out, tui_msg_type type, const void *data, size_t len)
{
	uint8_t h[TUI_MSG_HDR];

	/* Callers split what could be longer (screen output) before this. */
	if (len > TUI_MSG_MAX)
		len = TUI_MSG_MAX;
	h[0] = (uint8_t)type;
	h[1] = (uint8_t)(len >> 16);
	h[2] = (uint8_t)(len >> 8);
	h[3] = (uint8_t)len;
	tui_buf_add(out, h, sizeof(h));
	if (len > 0)
		tui_buf_add(out, data, len);
}

static void
put16(uint8_t *p, int v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static int
get16(const uint8_t *p)
{
	return p[0] << 8 | p[1];
}

void
tui_hello_add(tui_buf *out, const tui_hello *h)
{
	uint8_t b[6 + sizeof(h->term)];
	size_t tl = strnlen(h->term, sizeof(h->term) - 1);

	b[0] = (uint8_t)h->version;
	b[1] = (uint8_t)h->flags;
	put16(b + 2, h->rows);
	put16(b + 4, h->cols);
	memcpy(b + 6, h->term, tl);
	tui_msg_add(out, TUI_MSG_HELLO, b, 6 + tl);
}

/* A terminal type name: what terminfo accepts, nothing that could be a path. */
static int
term_name_ok(const uint8_t *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_' ||
		    s[i] == '.' || s[i] == '+'))
			return 0;
	return s[0] != '.';
}

int
tui_hello_parse(const tui_msg *m, tui_hello *h)
{
	size_t tl;

	if (m->type != TUI_MSG_HELLO || m->len < 6)
		return -1;
	tl = m->len - 6;
	if (tl >= sizeof(h->term) || (tl > 0 && !term_name_ok(m->data + 6, tl)))
		return -1;
	h->version = m->data[0];
	h->flags = m->data[1];
	h->rows = get16(m->data + 2);
	h->cols = get16(m->data + 4);
	memcpy(h->term, m->data + 6, tl);
	h->term[tl] = '\0';
	if (h->rows < 1 || h->cols < 1 || h->rows > 10000 || h->cols > 10000)
		return -1;
	return 0;
}

void
tui_resize_add(tui_buf *out, int rows, int cols)
{
	uint8_t b[4];

	put16(b, rows);
	put16(b + 2, cols);
	tui_msg_add(out, TUI_MSG_RESIZE, b, sizeof(b));
}

int
tui_resize_parse(const tui_msg *m, int *rows, int *cols)
{
	if (m->type != TUI_MSG_RESIZE || m->len != 4)
		return -1;
	*rows = get16(m->data);
	*cols = get16(m->data + 2);
	return *rows >= 1 && *cols >= 1 && *rows <= 10000 && *cols <= 10000 ? 0 : -1;
}

void
tui_ctl_add(tui_buf *out, int argc, char **argv)
{
	tui_buf b = { 0 };
	int i;

	for (i = 0; i < argc; i++)
		tui_buf_add(&b, argv[i], strlen(argv[i]) + 1);
	tui_msg_add(out, TUI_MSG_CTL, b.p, b.len);
	tui_buf_free(&b);
}

int
tui_ctl_parse(const tui_msg *m, util_strv *argv)
{
	const uint8_t *p = m->data, *end = m->data + m->len, *z;

	if (m->type != TUI_MSG_CTL || m->len == 0 || m->data[m->len - 1] != '\0')
		return -1;
	while (p < end) {
		if (argv->n >= 4096)
			return -1;
		z = memchr(p, '\0', (size_t)(end - p));
		util_strv_push(argv, (const char *)p);
		p = z + 1;
	}
	return 0;
}

void
tui_coded_add(tui_buf *out, tui_msg_type type, int code, const char *text, size_t len)
{
	tui_buf b = { 0 };
	uint8_t c = (uint8_t)code;

	if (len > TUI_MSG_MAX - 1)
		len = TUI_MSG_MAX - 1;
	tui_buf_add(&b, &c, 1);
	if (len > 0)
		tui_buf_add(&b, text, len);
	tui_msg_add(out, type, b.p, b.len);
	tui_buf_free(&b);
}

int
tui_coded_parse(const tui_msg *m, int *code, const char **text, size_t *len)
{
	if ((m->type != TUI_MSG_EXIT && m->type != TUI_MSG_REPLY) || m->len < 1)
		return -1;
	*code = m->data[0];
	*text = (const char *)m->data + 1;
	*len = m->len - 1;
	return 0;
}
