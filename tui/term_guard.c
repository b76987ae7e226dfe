/*
 * tui/term_guard.c - the input guard of the pane emulator: remote bytes
 * pass through here on their way into libvterm (term.c), which receives
 * them through the sink callback. It includes no vterm header: it works on
 * bytes only.
 *
 * libvterm 0.1.4 (what Debian 12 ships) falls over on some input a host can
 * send; upstream fixed these after 0.1.4. Remote bytes are untrusted, so
 * they pass through this guard on the way in. It is not an emulator: it
 * only follows libvterm's own parser states (text, ESC, CSI, OSC/DCS
 * string) far enough to spot the sequences that need help.
 *
 * 1. UTF-8 C1 controls (U+0080-U+009F, C2 80..C2 9F) are taken for
 *    characters of width -1 and corrupt the screen buffer: "ESC[4h" then
 *    "C2 ESC T 95" (nine bytes) crashes it. The decoder keeps a pending
 *    lead byte across escape sequences, so the continuation need not
 *    follow the C2. Every code point U+0080-U+00BF starts with C2, so a C2
 *    passes only when the very next byte completes a printable one
 *    (A0..BF); any other C2 becomes U+FFFD (a C2 ending a feed waits for
 *    the next byte).
 * 2. A CSI with more than 16 parameters ("ESC[1;1;...;1m") overflows
 *    libvterm's argument array: memory corruption from a few dozen bytes.
 *    At the 16th separator the guard cancels the sequence (CAN) and drops
 *    the rest of it.
 * 3. A cursor restore (DECRC "ESC 8", "CSI ?1048l", "CSI ?1049l") after a
 *    resize puts the cursor where it was saved, even off the smaller
 *    screen; the next write lands outside it. Right after each restore the
 *    guard adds "CSI 999 l" (reset an unknown mode: a no-op that libvterm
 *    follows, as after every CSI, by clamping the cursor into the screen).
 * 4. REP (CSI n b, repeat the last character; ncurses uses it for
 *    TERM=xterm-256color) loops forever while libvterm's last character
 *    has width 0 (nothing printed yet, or a lone combining mark: "ESC[b"
 *    on a fresh pane hangs the console), and writes past the row when it
 *    repeats a wide character into the last column (a crash). So REP
 *    never reaches libvterm: it gets a harmless final byte instead of
 *    'b', and the guard prints the last character again itself, as text,
 *    which libvterm wraps and clips correctly. (That is what xterm's REP
 *    does too; libvterm's stops at the margin.) The guard remembers the
 *    last character from the text it passes on: base plus combining
 *    marks, as bytes, so charsets apply as they would have.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/tui_int.h"

/* Bytes handed to the sink at a time (see VTERM_MAX_WRITE in term.c). */
#define GUARD_BUF 4096

struct tui_guard {
	void (*sink)(const char *bytes, size_t len, void *ud);
	void *ud;
	int cols;               /* of the screen, for REP */
	int held_c2;            /* a 0xC2 byte waits for the next feed */
	int lx;                 /* LX_*: libvterm's parser state, roughly */
	int esc_inter;
	int csi_phase, csi_plain, csi_dec, csi_argi;
	long csi_arg0;
	char last[32];          /* the last character's bytes (REP) */
	size_t last_len;
	char u_buf[4];          /* UTF-8 character being read */
	size_t u_len;
	int u_need;
	uint32_t u_cp;
	size_t len;
	char buf[GUARD_BUF];
};

tui_guard *
tui_guard_new(void (*sink)(const char *, size_t, void *), void *ud)
{
	tui_guard *g = calloc(1, sizeof *g);

	if (g == NULL) {
		fputs("drover: out of memory\n", stderr);
		abort();
	}
	g->sink = sink;
	g->ud = ud;
	return g;
}

void
tui_guard_free(tui_guard *g)
{
	free(g);
}
enum { LX_TEXT, LX_ESC, LX_CSI, LX_CSI_DROP, LX_STR, LX_STR_ESC };
enum { CSI_LEADER, CSI_ARGS, CSI_INTERMED };

/* libvterm 0.1.4 has no handler for a plain CSI i: a no-op final. */
#define CSI_NOOP_FINAL 'i'
/* A CSI libvterm 0.1.4 takes as a no-op, then clamps the cursor. */
#define CSI_CLAMP "\x1b[999l"
/* Its argument array (CSI_ARGS_MAX), which it does not bound. */
#define VTERM_CSI_ARGS 16

static void
g_flush(tui_guard *g)
{
	if (g->len > 0)
		g->sink(g->buf, g->len, g->ud);
	g->len = 0;
}

static void
g_put(tui_guard *g, char c)
{
	if (g->len == sizeof g->buf)
		g_flush(g);
	g->buf[g->len++] = c;
}

static void
g_puts(tui_guard *g, const char *str)
{
	while (*str != '\0')
		g_put(g, *str++);
}

/* Combining marks that extend the last character (a cosmetic choice). */
static int
combining(uint32_t c)
{
	return (c >= 0x300 && c <= 0x36f) || (c >= 0x1ab0 && c <= 0x1aff) ||
	    (c >= 0x1dc0 && c <= 0x1dff) || (c >= 0x20d0 && c <= 0x20ff) ||
	    (c >= 0xfe20 && c <= 0xfe2f) || (c >= 0xfe00 && c <= 0xfe0f) ||
	    c == 0x200d;
}

/* A text byte passed on: keeps the last character's bytes for REP. */
static void
track_text(tui_guard *g, unsigned char c)
{
	if (c < 0x80) {
		g->last[0] = (char)c;
		g->last_len = 1;
		g->u_need = 0;
		return;
	}
	if (c >= 0xc0 && c <= 0xf7) {
		g->u_buf[0] = (char)c;
		g->u_len = 1;
		g->u_need = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
		g->u_cp = c & (c >= 0xf0 ? 0x07 : c >= 0xe0 ? 0x0f : 0x1f);
		return;
	}
	if (c < 0x80 || c > 0xbf || g->u_need == 0) {
		g->u_need = 0;
		return;
	}
	g->u_buf[g->u_len++] = (char)c;
	g->u_cp = (g->u_cp << 6) | (c & 0x3f);
	if (--g->u_need > 0)
		return;
	if (combining(g->u_cp) && g->last_len > 0 &&
	    g->last_len + g->u_len <= sizeof g->last) {
		memcpy(g->last + g->last_len, g->u_buf, g->u_len);
		g->last_len += g->u_len;
	} else if (!combining(g->u_cp)) {
		memcpy(g->last, g->u_buf, g->u_len);
		g->last_len = g->u_len;
	}
}

/* REP: the last character printed again, at most a row's worth. */
static void
repeat_last(tui_guard *g, long count)
{
	long i;
	size_t k;

	if (count > g->cols)
		count = g->cols;
	for (i = 0; i < count && g->last_len > 0; i++)
		for (k = 0; k < g->last_len; k++)
			g_put(g, g->last[k]);
}

/* One byte after the C2 filter: track libvterm's parser, catch REP. */
static void
g_lex(tui_guard *g, unsigned char c)
{
	if (c == 0x00 || c == 0x7f) {
		g_put(g, (char)c);      /* ignored by libvterm in every state */
		return;
	}
	if (c == 0x18 || c == 0x1a) {
		g->lx = LX_TEXT;        /* CAN, SUB */
		g_put(g, (char)c);
		return;
	}
	if (c == 0x1b) {
		g->lx = g->lx == LX_STR ? LX_STR_ESC : LX_ESC;
		g->esc_inter = 0;
		g_put(g, (char)c);
		return;
	}
	if (c < 0x20 && !(c == 0x07 && g->lx == LX_STR)) {
		g_put(g, (char)c);      /* executed, the state is kept */
		return;
	}
	switch (g->lx) {
	case LX_STR_ESC:
		if (c == 0x5c) {
			g->lx = LX_TEXT;
			break;
		}
		g->lx = LX_ESC;
		/* FALLTHROUGH */
	case LX_ESC:
		if (c == 'P' || c == ']') {
			g->lx = LX_STR;
		} else if (c == '[') {
			g->lx = LX_CSI;
			g->csi_phase = CSI_LEADER;
			g->csi_plain = 1;
			g->csi_dec = 0;
			g->csi_arg0 = 0;
			g->csi_argi = 0;
		} else if (c >= 0x20 && c <= 0x2f) {
			g->esc_inter = 1;
		} else if (c >= 0x30 && c <= 0x7e) {
			g->lx = LX_TEXT;
			if (c == '8' && !g->esc_inter) {        /* DECRC */
				g_put(g, (char)c);
				g_puts(g, CSI_CLAMP);
				return;
			}
		}
		break;
	case LX_CSI:
		if (g->csi_phase == CSI_LEADER) {
			if (c >= 0x3c && c <= 0x3f) {
				g->csi_dec = g->csi_plain && c == '?';
				g->csi_plain = 0;
				break;
			}
			g->csi_phase = CSI_ARGS;
		}
		if (g->csi_phase == CSI_ARGS) {
			if (c >= '0' && c <= '9') {
				if (g->csi_argi == 0 && g->csi_arg0 < 1000000)
					g->csi_arg0 = g->csi_arg0 * 10 + (c - '0');
				break;
			}
			if (c == ';' || c == ':') {
				if (++g->csi_argi == VTERM_CSI_ARGS) {
					g->lx = LX_CSI_DROP;
					g_put(g, 0x18);   /* CAN */
					return;
				}
				break;
			}
			g->csi_phase = CSI_INTERMED;
		}
		if (c >= 0x20 && c <= 0x2f) {
			g->csi_plain = 0;
			g->csi_dec = 0;
			break;
		}
		g->lx = LX_TEXT;
		if (c == 'l' && g->csi_dec) {   /* DECRST: may restore */
			g_put(g, (char)c);
			g_puts(g, CSI_CLAMP);
			return;
		}
		if (c == 'b' && g->csi_plain) {
			g_put(g, CSI_NOOP_FINAL);
			repeat_last(g, g->csi_arg0 > 0 ? g->csi_arg0 : 1);
			return;
		}
		break;
	case LX_CSI_DROP:
		/* Up to and including the final byte nothing reaches it. */
		if (c < 0x40)
			return;
		g->lx = LX_TEXT;
		if (c <= 0x7e)
			return;
		break;
	case LX_STR:
		if (c == 0x07)
			g->lx = LX_TEXT;
		break;
	default:
		track_text(g, c);
		break;
	}
	g_put(g, (char)c);
}

void
tui_guard_feed(tui_guard *g, const char *bytes, size_t len, int cols)
{
	static const unsigned char repl[3] = { 0xef, 0xbf, 0xbd };
	unsigned char c, next;
	size_t i;

	g->cols = cols;
	/* Plain text, no escape or C2 in sight: straight through. */
	if (g->lx == LX_TEXT && !g->held_c2 && memchr(bytes, 0x1b, len) == NULL &&
	    memchr(bytes, 0xc2, len) == NULL) {
		g_flush(g);
		g->sink(bytes, len, g->ud);
		return;
	}
	for (i = 0; i < len; i++) {
		c = (unsigned char)bytes[i];
		if (!g->held_c2 && c != 0xc2) {
			g_lex(g, c);
			continue;
		}
		if (!g->held_c2) {
			if (i + 1 == len) {
				g->held_c2 = 1;
				break;
			}
			next = (unsigned char)bytes[++i];
		} else {
			g->held_c2 = 0;
			next = c;
		}
		if (next >= 0xa0 && next <= 0xbf) {
			g_lex(g, 0xc2);
			g_lex(g, next);
			continue;
		}
		g_lex(g, repl[0]);
		g_lex(g, repl[1]);
		g_lex(g, repl[2]);
		/* Not a C1 continuation: next is read again on its own. */
		if (next < 0x80 || next > 0x9f)
			i--;
	}
	g_flush(g);
}

