/*
 * tests/fuzz/fuzz_term.c - libFuzzer target for a pane's terminal emulator
 * (tui/term.h: term.c with its guard, grid and scrollback ring), the code
 * that takes untrusted bytes from every host.
 *
 * Input: an 8-byte header, then the bytes a host sends.
 *   [0] rows (1 + b % 48)  [1] cols (1 + b % 132)  [2] scrollback (b % 40;
 *   small, so the ring fills and drops)  [3..7] seed of a PRNG choosing
 *   where the stream is cut and what happens between the pieces.
 * Everything the console does with a pane is interleaved with the feeds:
 * resizes (0 sizes too, which must be ignored), scrolling back and to
 * lines, reading every cell of the view as the renderer does, taking the
 * dirty rows, the cursor, line texts, searches, keys, characters and
 * pastes. Checks the contracts term.h states (cell shape, ranges, offsets,
 * line numbering) besides ASan/UBSan's own.
 *
 * Build and run (clang with libFuzzer):
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DDROVER_FUZZ=ON
 *   cmake --build build-fuzz --target fuzz_term
 *   cp -r tests/fuzz/corpus/term /tmp/corpus-term
 *   ASAN_OPTIONS=quarantine_size_mb=16 build-fuzz/tests/fuzz/fuzz_term \
 *       -max_total_time=300 -timeout=10 -dict=tests/fuzz/term.dict /tmp/corpus-term
 * (ASan's default 256 MB quarantine makes every allocation fault in fresh
 * pages: 16 MB ran 1,247 inputs/s against 1,106, at 102 MB RSS against 456.)
 * A crash input replays with `build-fuzz/tests/fuzz/fuzz_term FILE`;
 * tests/fuzz/crashes/ keeps the earlier finds (fixed) as regression inputs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/term/term.h"

#define HEADER 8

static void
check(int ok, const char *what, int a, int b)
{
	if (!ok) {
		fprintf(stderr, "invariant broken: %s (%d, %d)\n", what, a, b);
		abort();
	}
}

/* xorshift32, seeded from the input: the cut points are part of the input. */
static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static size_t out_bytes;

static void
on_output(const char *bytes, size_t len, void *ud)
{
	(void)ud;
	/* Answers and encoded keys: touch every byte (ASan checks the range). */
	for (size_t i = 0; i < len; i++)
		out_bytes += (unsigned char)bytes[i] != 0;
}

static void
on_bell(void *ud)
{
	(void)ud;
}

static void
on_title(void *ud)
{
	(void)ud;   /* read_view reads the title */
}

static void
check_cell(const tui_cell *c, int col, int cols)
{
	int i;

	check(c->nchars <= TUI_CELL_MAX_CHARS, "nchars", c->nchars, col);
	for (i = c->nchars; i < TUI_CELL_MAX_CHARS; i++)
		check(c->chars[i] == 0, "chars past nchars not 0", i, (int)c->chars[i]);
	for (i = 0; i < c->nchars; i++)
		check(c->chars[i] <= 0x10ffff, "code point", i, (int)c->chars[i]);
	check(c->width <= 2, "width", c->width, col);
	/* A wide character never spills past the view's right edge. */
	check(c->width < 2 || col + 1 < cols, "wide cell in the last column", col, cols);
	check(c->fg.kind <= TUI_COLOR_RGB && c->bg.kind <= TUI_COLOR_RGB, "colour kind",
	    c->fg.kind, c->bg.kind);
}

/* What the renderer does every frame, plus the out-of-view answers. */
static void
read_view(tui_term *t)
{
	int rows, cols, r, c, row, col, vis, off, sb;
	unsigned char *dirty;
	tui_cell cell;

	tui_term_size(t, &rows, &cols);
	check(rows >= 1 && cols >= 1, "size", rows, cols);
	/* Exactly rows bytes: ASan sees a write past them. */
	dirty = malloc((size_t)rows);
	if (dirty == NULL)
		abort();
	(void)tui_term_take_dirty(t, dirty);
	for (r = 0; r < rows; r++)
		check(dirty[r] <= 1, "dirty flag", r, dirty[r]);
	check(tui_term_take_dirty(t, dirty) == 0, "dirty after take", rows, 0);
	free(dirty);
	for (r = 0; r < rows; r++)
		for (c = 0; c < cols; c++) {
			check(tui_term_cell(t, r, c, &cell) == 0, "cell in view", r, c);
			check_cell(&cell, c, cols);
		}
	check(tui_term_cell(t, rows, 0, &cell) == -1, "row past view", rows, 0);
	check(cell.nchars == 0, "blank outside", rows, cell.nchars);
	check(tui_term_cell(t, 0, cols, &cell) == -1, "col past view", 0, cols);
	check(tui_term_cell(t, -1, -1, &cell) == -1, "negative cell", -1, -1);
	tui_term_cursor(t, &row, &col, &vis);
	if (vis)
		check(row >= 0 && row < rows && col >= 0 && col < cols,
		    "visible cursor off the view", row, col);
	off = tui_term_view_offset(t);
	sb = tui_term_sb_lines(t);
	check(off >= 0 && off <= sb, "view offset", off, sb);
	check(tui_term_history_lines(t) == sb + rows, "history lines", sb, rows);
	(void)tui_term_altscreen(t);
	(void)tui_term_bells(t);
	check(tui_term_title(t) != NULL, "title", 0, 0);
	out_bytes += strlen(tui_term_title(t));
}

static void
history_ops(tui_term *t, uint32_t *s, const uint8_t *d, size_t n, int max_sb)
{
	int h = tui_term_history_lines(t), sb = tui_term_sb_lines(t), line, r;
	char needle[16], *txt;
	size_t k;

	check(sb >= 0 && sb <= max_sb, "scrollback over its bound", sb, max_sb);
	line = (int)(rnd(s) % (uint32_t)(h + 2)) - 1;
	txt = tui_term_line_text(t, line);
	check((txt != NULL) == (line >= 0 && line < h), "line_text range", line, h);
	if (txt != NULL) {
		/* The text of a line is found on that line (or a later one). */
		if (txt[0] != '\0' && strlen(txt) < 64) {
			r = tui_term_search(t, txt, line, 0);
			check(r >= line && r < h, "search finds the line", r, line);
		}
		free(txt);
	}
	r = tui_term_scroll_to(t, line);
	check(line >= 0 && line < h ? r >= 0 && r <= sb : r == -1, "scroll_to", line, r);
	/* A needle from the stream itself, searched both ways from anywhere. */
	k = n < sizeof(needle) - 1 ? n : rnd(s) % (sizeof(needle) - 1);
	memcpy(needle, d, k);
	needle[k] = '\0';
	r = tui_term_search(t, needle, (int)(rnd(s) % (uint32_t)(h + 4)) - 2, rnd(s) & 1);
	check(r >= -1 && r < h, "search result", r, h);
	check(needle[0] != '\0' || r == -1, "empty needle matched", r, 0);
	r = tui_term_scroll(t, (int)(rnd(s) % 41) - 20);
	check(r >= 0 && r <= tui_term_sb_lines(t), "scroll", r, tui_term_sb_lines(t));
}

static void
input_ops(tui_term *t, uint32_t *s, const uint8_t *d, size_t n)
{
	static const uint32_t cps[] = {
		'a', 0x1b, 0x03, 0x7f, '\r', ' ', '@', '[', 0xe9, 0x4e2d, 0x1f600,
		0x301, 0xfffd, 0x10ffff, 0
	};

	switch (rnd(s) % 3) {
	case 0:
		tui_term_key(t, (int)(rnd(s) % TUI_KEY__COUNT), (int)(rnd(s) % 8));
		break;
	case 1:
		tui_term_char(t, rnd(s) & 1 ? cps[rnd(s) % (sizeof(cps) / sizeof(cps[0]))] :
		    rnd(s) % 0x110000, (int)(rnd(s) % 8));
		break;
	default:
		tui_term_paste(t, (const char *)d, n);
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const tui_term_cbs cbs = { on_output, on_bell, on_title };
	tui_term *t;
	int rows, cols, sb, nr, nc;
	uint32_t seed;
	size_t pos, n;

	if (size < HEADER)
		return 0;
	rows = 1 + data[0] % 48;
	cols = 1 + data[1] % 132;
	sb = data[2] % 40;
	seed = ((uint32_t)data[3] << 24 | (uint32_t)data[4] << 16 |
	    (uint32_t)data[5] << 8 | data[6]) ^ ((uint32_t)data[7] << 4);
	if (seed == 0)
		seed = 0x9e3779b9u;
	t = tui_term_new(rows, cols, sb, &cbs, NULL);
	read_view(t);
	for (pos = HEADER; pos < size; pos += n) {
		/* Mostly short pieces, so that sequences are cut everywhere. */
		n = rnd(&seed) % 4 == 0 ? 1 + rnd(&seed) % 512 : 1 + rnd(&seed) % 16;
		if (n > size - pos)
			n = size - pos;
		tui_term_feed(t, (const char *)data + pos, n);
		switch (rnd(&seed) % 12) {
		case 0:
			/* 0 rows or columns must be ignored and report no change. */
			nr = (int)(rnd(&seed) % 50);
			nc = (int)(rnd(&seed) % 140);
			if (tui_term_resize(t, nr, nc) != 0)
				check(nr >= 1 && nc >= 1, "resize to 0 accepted", nr, nc);
			break;
		case 1:
			history_ops(t, &seed, data + pos, n, sb);
			break;
		case 2:
			input_ops(t, &seed, data + pos, n);
			break;
		case 3:
			tui_term_scroll_reset(t);
			check(tui_term_view_offset(t) == 0, "scroll_reset", tui_term_view_offset(t), 0);
			break;
		case 4:
			tui_term_touch(t);
			/* FALLTHROUGH */
		case 5:
			read_view(t);
			break;
		default:
			break;
		}
	}
	read_view(t);
	history_ops(t, &seed, data + HEADER, size - HEADER, sb);
	tui_term_free(t);
	return 0;
}
