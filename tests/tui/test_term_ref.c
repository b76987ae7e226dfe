/*
 * tests/tui/test_term_ref.c - the pane emulator's screen layer (our own,
 * tui/term_grid.c on libvterm's state callbacks) against libvterm's own
 * screen layer as a reference: the same random escape-sequence streams go
 * into both, and every cell (character, width, attributes, colours) and the
 * cursor must agree.
 *
 * The streams leave out what the two are meant to treat differently: wide
 * characters and combining marks (libvterm's screen leaves half characters
 * behind where ours blanks both halves; test_term.c covers ours), and
 * cursor restores and origin mode (the input guard clamps a restored
 * cursor, which libvterm does not).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <vterm.h>

#include "tui/term/term.h"

static unsigned long long rng_state;

static unsigned
rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

/* One token of a stream: text, a control, or an escape sequence. */
static size_t
token(char *b, int rows, int cols)
{
	static const char *const sgr[] = {
		"0", "1", "4", "7", "9", "3", "5", "22", "24", "27", "31", "44",
		"38;5;200", "48;5;17", "38;2;1;2;3", "48;2;250;0;9", "39", "49",
		"1;4;7;33;42",
	};
	size_t n = 0;
	int j;

	switch (rnd(22)) {
	case 0: case 1: case 2: case 3: case 4:
		for (j = (int)rnd(20); j >= 0; j--)
			b[n++] = (char)('a' + rnd(26));
		break;
	case 5:
		b[n++] = "\r\n\b\t\n\n"[rnd(6)];
		break;
	case 6:
		n = (size_t)sprintf(b, "\x1b[%u;%uH", rnd((unsigned)rows + 2),
		    rnd((unsigned)cols + 2));
		break;
	case 7:
		n = (size_t)sprintf(b, "\x1b[%uJ", rnd(4));
		break;
	case 8:
		n = (size_t)sprintf(b, "\x1b[%uK", rnd(3));
		break;
	case 9:
		/* ICH DCH IL DL SU SD ECH, CHA, VPA, CUF, CUB, REP-free */
		n = (size_t)sprintf(b, "\x1b[%u%c", rnd(6), "@PLMSTXGdCDAB"[rnd(13)]);
		break;
	case 10:
		n = (size_t)sprintf(b, "\x1b[%sm", sgr[rnd(sizeof sgr / sizeof sgr[0])]);
		break;
	case 11:
		n = (size_t)sprintf(b, "\x1b[%u;%ur", rnd((unsigned)rows + 1),
		    rnd((unsigned)rows + 2));
		break;
	case 12:
		n = (size_t)sprintf(b, "\x1b%c", "DEM"[rnd(3)]);
		break;
	case 13:
		n = (size_t)sprintf(b, "\x1b[?%u%c", rnd(2) ? 1049 : 1047, "hl"[rnd(2)]);
		break;
	case 14:
		n = (size_t)sprintf(b, "\x1b[?7%c", "hl"[rnd(2)]);
		break;
	case 15:
		n = (size_t)sprintf(b, "\x1b[4%c", "hl"[rnd(2)]);
		break;
	case 16:
		n = (size_t)sprintf(b, "\x1b[%u\"q", rnd(2));
		break;
	case 17:
		n = (size_t)sprintf(b, "\x1b[?%uJ\x1b[?%uK", rnd(3), rnd(3));
		break;
	case 18:
		n = (size_t)sprintf(b, "\x1b[?5%c", "hl"[rnd(2)]);
		break;
	case 19:
		n = (size_t)sprintf(b, "\x1b[%ug", rnd(4));      /* tab clear */
		break;
	case 20:
		n = (size_t)sprintf(b, "\x1bH");                 /* tab set */
		break;
	default:
		b[n++] = '\n';
		break;
	}
	return n;
}

static void
drop_output(const char *s, size_t len, void *ud)
{
	(void)s;
	(void)len;
	(void)ud;
}

static int
same_color(const VTermColor *v, const tui_color *c, int is_bg)
{
	if (is_bg ? VTERM_COLOR_IS_DEFAULT_BG(v) : VTERM_COLOR_IS_DEFAULT_FG(v))
		return c->kind == TUI_COLOR_DEFAULT;
	if (VTERM_COLOR_IS_INDEXED(v))
		return c->kind == TUI_COLOR_INDEXED && c->index == v->indexed.idx;
	return c->kind == TUI_COLOR_RGB && c->r == v->rgb.red &&
	    c->g == v->rgb.green && c->b == v->rgb.blue;
}

/* Returns NULL if all agree, else what differs first. */
static const char *
compare(VTerm *vt, VTermScreen *vs, tui_term *t, int rows, int cols)
{
	static char why[128];
	VTermScreenCell vc;
	VTermPos pos;
	tui_cell c;
	int r, col, crow, ccol, vis;
	uint16_t want;

	for (r = 0; r < rows; r++) {
		for (col = 0; col < cols; col++) {
			pos.row = r;
			pos.col = col;
			vterm_screen_get_cell(vs, pos, &vc);
			tui_term_cell(t, r, col, &c);
			if (vc.chars[0] != (c.nchars ? c.chars[0] : 0)) {
				snprintf(why, sizeof why, "char at %d,%d: %#x vs %#x",
				    r, col, vc.chars[0], c.nchars ? c.chars[0] : 0);
				return why;
			}
			want = (uint16_t)((vc.attrs.bold ? TUI_ATTR_BOLD : 0) |
			    (vc.attrs.underline ? TUI_ATTR_UNDERLINE : 0) |
			    (vc.attrs.italic ? TUI_ATTR_ITALIC : 0) |
			    (vc.attrs.blink ? TUI_ATTR_BLINK : 0) |
			    (vc.attrs.reverse ? TUI_ATTR_REVERSE : 0) |
			    (vc.attrs.strike ? TUI_ATTR_STRIKE : 0));
			if (want != c.attrs) {
				snprintf(why, sizeof why, "attrs at %d,%d: %#x vs %#x",
				    r, col, want, c.attrs);
				return why;
			}
			if (!same_color(&vc.fg, &c.fg, 0) ||
			    !same_color(&vc.bg, &c.bg, 1)) {
				snprintf(why, sizeof why, "colour at %d,%d", r, col);
				return why;
			}
		}
	}
	vterm_state_get_cursorpos(vterm_obtain_state(vt), &pos);
	tui_term_cursor(t, &crow, &ccol, &vis);
	if (pos.row != crow || pos.col != ccol) {
		snprintf(why, sizeof why, "cursor %d,%d vs %d,%d", pos.row, pos.col,
		    crow, ccol);
		return why;
	}
	return NULL;
}

static void
print_stream(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch < 32 || ch > 126)
			fprintf(stderr, "\\x%02x", ch);
		else
			fputc(ch, stderr);
	}
	fputc('\n', stderr);
}

Test(term_ref, random_streams_match_libvterms_screen, .timeout = 120)
{
	static char stream[1 << 14];
	char tok[64];
	const char *why;
	int it, rows, cols, k, ntok;
	size_t len, n;

	rng_state = 0x9e3779b97f4a7c15ULL;
	for (it = 0; it < 20000; it++) {
		VTerm *vt;
		VTermScreen *vs;
		tui_term *t;

		rows = 2 + (int)rnd(12);
		cols = 2 + (int)rnd(30);
		vt = vterm_new(rows, cols);
		vterm_set_utf8(vt, 1);
		vterm_output_set_callback(vt, drop_output, NULL);
		vs = vterm_obtain_screen(vt);
		vterm_screen_enable_altscreen(vs, 1);
		vterm_screen_reset(vs, 1);
		t = tui_term_new(rows, cols, 50, NULL, NULL);
		len = 0;
		ntok = 1 + (int)rnd(300);
		for (k = 0; k < ntok && len + sizeof tok < sizeof stream; k++) {
			n = token(tok, rows, cols);
			memcpy(stream + len, tok, n);
			len += n;
			vterm_input_write(vt, tok, n);
			tui_term_feed(t, tok, n);
		}
		why = compare(vt, vs, t, rows, cols);
		if (why != NULL) {
			fprintf(stderr, "%dx%d stream: ", rows, cols);
			print_stream(stream, len);
		}
		cr_assert_null(why, "iteration %d (%dx%d): %s", it, rows, cols, why);
		vterm_free(vt);
		tui_term_free(t);
	}
}
