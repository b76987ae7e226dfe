/*
 * tui/term/term_guard.c - the input guard of the pane emulator: remote bytes
 * pass through here on their way into libvterm (term.c hands them on
 * through the sink callback). It works on bytes only and includes no vterm
 * header.
 *
 * libvterm 0.1.4 (what Debian 12 ships) crashes or hangs on input any host
 * can send; upstream fixed most of these after 0.1.4. Remote bytes are
 * untrusted, so the guard keeps that input away. It is not an emulator: it
 * follows libvterm's own parser states (text, ESC, CSI, OSC/DCS string)
 * only far enough to spot what needs help, and changes nothing else.
 *
 * 1. Text reaches libvterm as valid UTF-8 only. Its decoder takes UTF-8 C1
 *    controls (U+0080-U+009F) for characters of width -1, which corrupts
 *    the screen ("ESC[4h" then "C2 ESC T 95" crashes it), and it keeps a
 *    half-read character pending across escape sequences, invalid bytes
 *    and even plain ASCII, so bytes far apart combine. The guard decodes
 *    text itself, holds a character until it is complete (also across
 *    feeds), and turns anything malformed (stray continuation, truncated
 *    sequence, overlong, surrogate, C1, beyond U+10FFFF) into U+FFFD.
 * 2. Two sets of combining marks, U+302A-U+302F and U+3099-U+309A (the
 *    kana voiced sound marks of decomposed Japanese), are merged into the
 *    previous character but counted 2 columns wide each; a few of them
 *    make a character wider than the screen, which writes past the row.
 *    They are dropped (the base character stays).
 * 3. A CSI with more than 16 parameters ("ESC[1;1;...;1m") overflows
 *    libvterm's argument array. At the 16th separator the guard cancels
 *    the sequence (CAN) and drops the rest of it.
 * 4. A cursor restore (DECRC "ESC 8", "CSI ?1048l", "CSI ?1049l") after a
 *    resize puts the cursor where it was saved, even off the smaller
 *    screen. Right after each such sequence the guard adds "CSI 999 l"
 *    (reset an unknown mode: a no-op that libvterm follows, as after every
 *    CSI, by clamping the cursor into the screen).
 * 5. REP (CSI n b, repeat the last character; ncurses uses it with
 *    TERM=xterm-256color) loops forever while libvterm's last character
 *    has width 0 ("ESC[b" on a fresh pane hangs the console) and writes
 *    past the row repeating a wide character into the last column. So REP
 *    never reaches libvterm: it gets a harmless final byte instead of 'b',
 *    and the guard prints the last character again, as text, which
 *    libvterm wraps and clips correctly (xterm's REP wraps too; libvterm's
 *    stops at the margin).
 * 6. DCS strings ("ESC P ... ST") never reach libvterm: right after ESC P
 *    the guard sends CAN (libvterm back to ground) and drops the string's
 *    bytes up to its end, passing on only the C0 controls that libvterm
 *    runs inside strings anyway. The only DCS libvterm 0.1.4 acts on is
 *    DECRQSS ("$q", a host asking for a setting), and for a setting it does
 *    not know it answers through printf("%.s") with an int where a string
 *    pointer belongs: undefined behaviour, a crash in sanitizer builds.
 *    Spotting "$q" is not enough: libvterm forgets the part of a string
 *    that came in an earlier write, so "ESC P # | $q..." split across two
 *    writes is DECRQSS to it. tmux does not answer DECRQSS either.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/term/term_int.h"

/* Bytes handed to the sink at a time (see VTERM_MAX_WRITE in term.c). */
#define GUARD_BUF 4096
/* libvterm 0.1.4 has no handler for a plain CSI i: a no-op final. */
#define CSI_NOOP_FINAL 'i'
/* A CSI libvterm 0.1.4 takes as a no-op, then clamps the cursor. */
#define CSI_CLAMP "\x1b[999l"
/* Its argument array (CSI_ARGS_MAX), which it does not bound. */
#define VTERM_CSI_ARGS 16

static const char replacement[] = "\xef\xbf\xbd";      /* U+FFFD */

enum {
	LX_TEXT, LX_ESC, LX_CSI, LX_CSI_DROP, LX_STR, LX_STR_ESC,
	LX_STR_DROP             /* a DCS string libvterm must not see */
};
enum { CSI_LEADER, CSI_ARGS, CSI_INTERMED };

struct tui_guard {
	void (*sink)(const char *bytes, size_t len, void *ud);
	void *ud;
	int cols;               /* of the screen, bounds a REP */
	int lx;                 /* LX_*: libvterm's parser state */
	int esc_inter;          /* ESC with an intermediate byte */
	int csi_phase, csi_plain, csi_dec, csi_argi;
	long csi_arg0;
	/* The UTF-8 character being read in text. */
	char u_buf[4];
	size_t u_len;
	int u_need;
	uint32_t u_cp, u_min;
	/* The last character passed on (REP), base plus combining marks. */
	char last[32];
	size_t last_len;
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

static void
flush(tui_guard *g)
{
	if (g->len > 0)
		g->sink(g->buf, g->len, g->ud);
	g->len = 0;
}

/* Appends n bytes without splitting them across two sink calls. */
static void
put(tui_guard *g, const char *s, size_t n)
{
	if (g->len + n > sizeof g->buf)
		flush(g);
	memcpy(g->buf + g->len, s, n);
	g->len += n;
}

static void
put1(tui_guard *g, unsigned char c)
{
	char ch = (char)c;

	put(g, &ch, 1);
}

/* Combining marks that extend the last character for REP (cosmetic). */
static int
combining(uint32_t c)
{
	return (c >= 0x300 && c <= 0x36f) || (c >= 0x1ab0 && c <= 0x1aff) ||
	    (c >= 0x1dc0 && c <= 0x1dff) || (c >= 0x20d0 && c <= 0x20ff) ||
	    (c >= 0xfe20 && c <= 0xfe2f) || (c >= 0xfe00 && c <= 0xfe0f) ||
	    c == 0x200d;
}

/* A complete character passed on as text. */
static void
emit_char(tui_guard *g, const char *s, size_t n, uint32_t cp)
{
	put(g, s, n);
	if (combining(cp)) {
		if (g->last_len > 0 && g->last_len + n <= sizeof g->last) {
			memcpy(g->last + g->last_len, s, n);
			g->last_len += n;
		}
		return;
	}
	memcpy(g->last, s, n);
	g->last_len = n;
}

/* A character cut short: U+FFFD for it, and nothing stays pending. */
static void
end_partial(tui_guard *g)
{
	if (g->u_need == 0)
		return;
	g->u_need = 0;
	emit_char(g, replacement, 3, 0xfffd);
}

/* One byte of text (0x20 and up, not DEL). */
static void
text_byte(tui_guard *g, unsigned char c)
{
	uint32_t cp;

	if (g->u_need > 0 && (c & 0xc0) != 0x80)
		end_partial(g);
	if (g->u_need == 0) {
		if (c < 0x80) {
			emit_char(g, (const char *)&c, 1, c);
			return;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			g->u_need = 1;
			g->u_cp = c & 0x1f;
			g->u_min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			g->u_need = 2;
			g->u_cp = c & 0x0f;
			g->u_min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			g->u_need = 3;
			g->u_cp = c & 0x07;
			g->u_min = 0x10000;
		} else {
			/* Stray continuation, C0/C1 (overlong) or F5..FF. */
			emit_char(g, replacement, 3, 0xfffd);
			return;
		}
		g->u_buf[0] = (char)c;
		g->u_len = 1;
		return;
	}
	g->u_buf[g->u_len++] = (char)c;
	g->u_cp = (g->u_cp << 6) | (c & 0x3f);
	if (--g->u_need > 0)
		return;
	cp = g->u_cp;
	if (cp < g->u_min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
	    cp < 0xa0)
		emit_char(g, replacement, 3, 0xfffd);
	else if ((cp >= 0x302a && cp <= 0x302f) || cp == 0x3099 || cp == 0x309a)
		return;         /* see 2. above */
	else
		emit_char(g, g->u_buf, g->u_len, cp);
}

/* REP: the last character printed again, at most a row's worth. */
static void
repeat_last(tui_guard *g, long count)
{
	long i;

	if (count > g->cols)
		count = g->cols;
	for (i = 0; i < count && g->last_len > 0; i++)
		put(g, g->last, g->last_len);
}

static void
csi_byte(tui_guard *g, unsigned char c)
{
	if (g->csi_phase == CSI_LEADER) {
		if (c >= 0x3c && c <= 0x3f) {
			g->csi_dec = g->csi_plain && c == '?';
			g->csi_plain = 0;
			put1(g, c);
			return;
		}
		g->csi_phase = CSI_ARGS;
	}
	if (g->csi_phase == CSI_ARGS) {
		if (c >= '0' && c <= '9') {
			if (g->csi_argi == 0 && g->csi_arg0 < 1000000)
				g->csi_arg0 = g->csi_arg0 * 10 + (c - '0');
			put1(g, c);
			return;
		}
		if (c == ';' || c == ':') {
			if (++g->csi_argi == VTERM_CSI_ARGS) {
				g->lx = LX_CSI_DROP;
				put1(g, 0x18);  /* CAN */
				return;
			}
			put1(g, c);
			return;
		}
		g->csi_phase = CSI_INTERMED;
	}
	if (c >= 0x20 && c <= 0x2f) {
		g->csi_plain = 0;
		g->csi_dec = 0;
		put1(g, c);
		return;
	}
	/* A final byte, or an invalid one that ends the sequence. */
	g->lx = LX_TEXT;
	if (c == 'b' && g->csi_plain) {
		put1(g, CSI_NOOP_FINAL);
		repeat_last(g, g->csi_arg0 > 0 ? g->csi_arg0 : 1);
		return;
	}
	put1(g, c);
	if (c == 'l' && g->csi_dec)     /* DECRST: may restore the cursor */
		put(g, CSI_CLAMP, sizeof CSI_CLAMP - 1);
}

static void
esc_byte(tui_guard *g, unsigned char c)
{
	put1(g, c);
	if (c == 'P') {
		g->lx = LX_STR_DROP;    /* see 6. above */
		put1(g, 0x18);          /* CAN */
	} else if (c == ']') {
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
		if (c == '8' && !g->esc_inter)  /* DECRC */
			put(g, CSI_CLAMP, sizeof CSI_CLAMP - 1);
	}
	/* Anything else libvterm ignores and stays in ESC. */
}

static void
byte(tui_guard *g, unsigned char c)
{
	/* What libvterm's parser does before looking at its state. */
	if (c == 0x00 || c == 0x7f || c == 0x18 || c == 0x1a || c == 0x1b ||
	    (c < 0x20 && !(c == 0x07 && (g->lx == LX_STR ||
	    g->lx == LX_STR_DROP)))) {
		if (g->lx == LX_TEXT)
			end_partial(g);
		if (c == 0x18 || c == 0x1a)
			g->lx = LX_TEXT;        /* CAN, SUB */
		else if (c == 0x1b) {
			g->lx = g->lx == LX_STR || g->lx == LX_STR_DROP ?
			    LX_STR_ESC : LX_ESC;
			g->esc_inter = 0;
		}
		put1(g, c);
		return;
	}
	switch (g->lx) {
	case LX_TEXT:
		text_byte(g, c);
		return;
	case LX_STR_ESC:
		if (c == 0x5c) {                /* ST */
			g->lx = LX_TEXT;
			put1(g, c);
			return;
		}
		g->lx = LX_ESC;
		esc_byte(g, c);
		return;
	case LX_ESC:
		esc_byte(g, c);
		return;
	case LX_CSI:
		csi_byte(g, c);
		return;
	case LX_CSI_DROP:
		/*
		 * Nothing of it reaches libvterm, up to the byte that would
		 * have ended it (a final, or an invalid one it swallows).
		 */
		if (c >= 0x40)
			g->lx = LX_TEXT;
		return;
	case LX_STR_DROP:
		if (c == 0x07)
			g->lx = LX_TEXT;        /* BEL ends it, unseen too */
		return;
	default:                                /* LX_STR */
		if (c == 0x07)
			g->lx = LX_TEXT;
		put1(g, c);
		return;
	}
}

void
tui_guard_ground(tui_guard *g)
{
	/* A character held back stays held: libvterm never saw part of it. */
	g->lx = LX_TEXT;
}

void
tui_guard_feed(tui_guard *g, const char *bytes, size_t len, int cols)
{
	const unsigned char *b = (const unsigned char *)bytes;
	size_t i = 0, j, n;

	g->cols = cols;
	while (i < len) {
		if (g->lx != LX_TEXT || g->u_need > 0 || b[i] >= 0x80 ||
		    b[i] == 0x1b) {
			byte(g, b[i++]);
			continue;
		}
		/*
		 * Plain text: below 0x80 nothing but ESC changes anything
		 * here, so a run goes on as it is (floods are mostly this).
		 */
		for (j = i; j < len && b[j] < 0x80 && b[j] != 0x1b; j++)
			if (b[j] >= 0x20 && b[j] < 0x7f) {
				g->last[0] = (char)b[j];
				g->last_len = 1;
			}
		while (i < j) {
			n = j - i < sizeof g->buf ? j - i : sizeof g->buf;
			put(g, bytes + i, n);
			i += n;
		}
	}
	flush(g);
}
