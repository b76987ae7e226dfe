/*
 * tui/term/term_grid.c - the cells of a pane's screen: one buffer (primary or
 * alternate) of rows x cols cells that term.c fills from libvterm's state
 * callbacks. It includes no vterm header.
 *
 * Why our own and not libvterm's screen layer: libvterm 0.1.4 keeps its
 * screen as one array and memmoves all of it on every line feed, then
 * converts every column of the line that scrolled off for the scrollback
 * (a 200x50 pane: ~400 kB moved per line, >80% of the time of a flood).
 * Here a screen is an array of line pointers: a scroll moves pointers and
 * reuses the line that left, so a line feed costs the same whatever the
 * pane's size. A line also remembers how much of it was written (len):
 * the cells past it read as the line's fill (the pen of the erase that
 * cleared them), so erasing or reusing a line touches no cells, and the
 * scrollback copies only the written part.
 *
 * Wide characters take two cells: the left one has width 2, the right one
 * width 0. Whatever overwrites or erases one half also blanks the other,
 * so a reader never finds half a character (libvterm's screen layer leaves
 * orphaned halves; xterm and tmux blank them too).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/term/term_int.h"

static tui_line *
line_new(const tui_cell *fill)
{
	tui_line *l = util_xrealloc(NULL, sizeof *l);

	l->len = l->cap = 0;
	l->cont = 0;
	l->fill = *fill;
	return l;
}

/* A blank cell with pen's attributes and colours (what an erase leaves). */
static void
blank_from(tui_cell *out, const tui_cell *pen)
{
	memset(out->chars, 0, sizeof out->chars);
	out->nchars = 0;
	out->width = 1;
	out->attrs = pen->attrs & (uint16_t)~TUI_ATTR__PROTECTED;
	out->fg = pen->fg;
	out->bg = pen->bg;
}

/*
 * Row's line with cells [len, n) written out (they take the fill) so that
 * they can be changed one by one. A line gets room for the whole width the
 * first time it needs any: blank panes cost no cells, and the lines of a
 * busy pane are reused as they scroll, so this allocates rarely.
 */
static tui_line *
room(tui_grid *g, int row, int n)
{
	tui_line *l = g->line[row];
	int cap;

	if (n > l->cap) {
		cap = n > g->cols ? n : g->cols;
		l = util_xrealloc(l, sizeof *l + (size_t)cap * sizeof(tui_cell));
		l->cap = cap;
		g->line[row] = l;
	}
	for (; l->len < n; l->len++)
		l->cells[l->len] = l->fill;
	return l;
}

/* The cell's other half goes blank: col is about to change. */
static void
unpair(tui_line *l, int col, int cols)
{
	tui_cell *c;

	if (col >= l->len)
		return;
	c = &l->cells[col];
	if (c->width == 0 && col > 0) {
		c[-1].nchars = 0;
		memset(c[-1].chars, 0, sizeof c[-1].chars);
		c[-1].width = 1;
	} else if (c->width == 2 && col + 1 < cols && col + 1 < l->len) {
		c[1].width = 1;
		c[1].nchars = 0;
		memset(c[1].chars, 0, sizeof c[1].chars);
	}
}

static int
protected_at(const tui_line *l, int col)
{
	return col < l->len && (l->cells[col].attrs & TUI_ATTR__PROTECTED);
}

void
tui_grid_init(tui_grid *g, int rows, int cols, const tui_cell *fill)
{
	int r;

	g->rows = rows;
	g->cols = cols;
	g->line = util_xrealloc(NULL, (size_t)rows * sizeof *g->line);
	for (r = 0; r < rows; r++)
		g->line[r] = line_new(fill);
}

void
tui_grid_done(tui_grid *g)
{
	int r;

	if (g->line == NULL)
		return;
	for (r = 0; r < g->rows; r++)
		free(g->line[r]);
	free(g->line);
	g->line = NULL;
}

/*
 * Repairs the wide-character pairs of a line after cells moved under it
 * (insert/delete characters, a narrower width): a left half without its
 * right half, or a right half without its left, becomes a blank.
 */
static void
fix_pairs(tui_line *l, int cols)
{
	tui_cell *x;
	int c;

	if (l->len > cols)
		l->len = cols;
	for (c = 0; c < l->len; c++) {
		x = &l->cells[c];

		if (x->width == 2 && (c + 1 >= cols ||
		    (c + 1 < l->len && l->cells[c + 1].width != 0))) {
			x->width = 1;
			x->nchars = 0;
			memset(x->chars, 0, sizeof x->chars);
		} else if (x->width == 0 && (c == 0 || x[-1].width != 2)) {
			x->width = 1;
			x->nchars = 0;
			memset(x->chars, 0, sizeof x->chars);
		}
	}
	/* A left half whose right half would be read from the fill. */
	if (l->len > 0 && l->len < cols && l->cells[l->len - 1].width == 2) {
		x = &l->cells[l->len - 1];
		x->width = 1;
		x->nchars = 0;
		memset(x->chars, 0, sizeof x->chars);
	}
}

void
tui_grid_resize(tui_grid *g, int rows, int cols, const tui_cell *fill)
{
	tui_line **nl = util_xrealloc(NULL, (size_t)rows * sizeof *nl);
	int r;

	for (r = 0; r < rows; r++) {
		if (r < g->rows) {
			nl[r] = g->line[r];
			if (cols < g->cols)
				fix_pairs(nl[r], cols);
		} else
			nl[r] = line_new(fill);
	}
	for (; r < g->rows; r++)
		free(g->line[r]);
	free(g->line);
	g->line = nl;
	g->rows = rows;
	g->cols = cols;
}

void
tui_grid_put(tui_grid *g, int row, int col, const uint32_t *chars, int width,
    const tui_cell *pen)
{
	tui_line *l;
	tui_cell *c;
	int i;

	if (row < 0 || row >= g->rows || col < 0 || col >= g->cols)
		return;
	/*
	 * A wide character with no room for its right half (libvterm wraps
	 * before that; a guard all the same) would be drawn over the next
	 * pane: it becomes a blank.
	 */
	if (width == 2 && col + 1 >= g->cols) {
		static const uint32_t none[1] = { 0 };

		chars = none;
	}
	if (width != 2 || col + 1 >= g->cols)
		width = 1;
	l = g->line[row];
	unpair(l, col, g->cols);
	if (width == 2)
		unpair(l, col + 1, g->cols);
	l = room(g, row, col + width);
	c = &l->cells[col];
	for (i = 0; i < TUI_CELL_MAX_CHARS && chars[i] != 0; i++)
		c->chars[i] = chars[i];
	c->nchars = (uint8_t)i;
	for (; i < TUI_CELL_MAX_CHARS; i++)
		c->chars[i] = 0;
	c->width = (uint8_t)width;
	c->attrs = pen->attrs;
	c->fg = pen->fg;
	c->bg = pen->bg;
	if (width == 2) {
		/* Same attributes: a protected character is protected whole. */
		blank_from(&c[1], pen);
		c[1].attrs = pen->attrs;
		c[1].width = 0;
	}
}

void
tui_grid_erase(tui_grid *g, int row, int start, int end, const tui_cell *pen,
    int selective)
{
	tui_line *l;
	tui_cell b;
	int c;

	if (row < 0 || row >= g->rows)
		return;
	if (start < 0)
		start = 0;
	if (end > g->cols)
		end = g->cols;
	if (start >= end)
		return;
	l = g->line[row];
	/* A protected character spared by a selective erase stays whole. */
	if (!selective || !protected_at(l, start))
		unpair(l, start, g->cols);
	if (!selective || !protected_at(l, end - 1))
		unpair(l, end - 1, g->cols);
	/*
	 * Its end erased, a line no longer runs on into the next one; erased
	 * whole, it no longer goes on from the one before.
	 */
	if (end == g->cols && row + 1 < g->rows)
		g->line[row + 1]->cont = 0;
	if (start == 0 && end == g->cols)
		l->cont = 0;
	if (!selective && end == g->cols) {
		/* To the end of the line: no cell is touched. */
		blank_from(&b, pen);
		if (start < l->len)
			l->len = start;
		else if (memcmp(&b, &l->fill, sizeof b) != 0)
			l = room(g, row, start);        /* they keep the old fill */
		l->fill = b;
		return;
	}
	l = room(g, row, end);
	for (c = start; c < end; c++) {
		if (selective && (l->cells[c].attrs & TUI_ATTR__PROTECTED))
			continue;
		blank_from(&l->cells[c], pen);
	}
}

void
tui_grid_scroll(tui_grid *g, int top, int bottom, int n, const tui_cell *pen,
    void (*gone)(const tui_line *l, int cols, void *ud), void *ud)
{
	tui_line *spare[64], **out = spare;
	int h, k, i;

	if (top < 0)
		top = 0;
	if (bottom > g->rows)
		bottom = g->rows;
	h = bottom - top;
	if (h <= 0 || n == 0)
		return;
	k = n > 0 ? n : -n;
	if (k > h)
		k = h;
	if (k > (int)(sizeof spare / sizeof spare[0]))
		out = util_xrealloc(NULL, (size_t)k * sizeof *out);
	if (n > 0) {
		/* Up: the top k lines leave, in order, oldest first. */
		for (i = 0; i < k; i++) {
			out[i] = g->line[top + i];
			if (gone != NULL)
				gone(out[i], g->cols, ud);
		}
		memmove(&g->line[top], &g->line[top + k],
		    (size_t)(h - k) * sizeof *g->line);
		for (i = 0; i < k; i++)
			g->line[bottom - k + i] = out[i];
	} else {
		for (i = 0; i < k; i++)
			out[i] = g->line[bottom - k + i];
		memmove(&g->line[top + k], &g->line[top],
		    (size_t)(h - k) * sizeof *g->line);
		for (i = 0; i < k; i++)
			g->line[top + i] = out[i];
	}
	/* The reused lines come back empty, in the pen's colours. */
	for (i = 0; i < k; i++) {
		out[i]->len = 0;
		out[i]->cont = 0;
		blank_from(&out[i]->fill, pen);
	}
	if (out != spare)
		free(out);
}

static void
blank_cells(tui_grid *g, int r0, int r1, int c0, int c1, const tui_cell *pen)
{
	tui_line *l;
	int r, c;

	for (r = r0; r < r1; r++) {
		l = room(g, r, c1);
		for (c = c0; c < c1; c++)
			blank_from(&l->cells[c], pen);
	}
}

/*
 * Cells [c0, c1) of rows [r0, r1) move by down rows and right columns
 * (either may be negative); the area they leave is erased with pen. The
 * general case behind insert/delete characters and scrolls inside left and
 * right margins; rare, so plainly cell by cell.
 */
void
tui_grid_move_rect(tui_grid *g, int r0, int r1, int c0, int c1, int down,
    int right, const tui_cell *pen)
{
	int h, w, r, step, first, last, src, dst, n;

	if (r0 < 0)
		r0 = 0;
	if (r1 > g->rows)
		r1 = g->rows;
	if (c0 < 0)
		c0 = 0;
	if (c1 > g->cols)
		c1 = g->cols;
	h = r1 - r0;
	w = c1 - c0;
	if (h <= 0 || w <= 0)
		return;
	if (abs(down) >= h || abs(right) >= w) {
		for (r = r0; r < r1; r++)
			tui_grid_erase(g, r, c0, c1, pen, 0);
		return;
	}
	n = w - abs(right);
	dst = right >= 0 ? c0 : c0 - right;
	src = right >= 0 ? c0 + right : c0;
	/* Rows that receive, in an order that reads each source first. */
	if (down >= 0) {
		first = r0;
		last = r1 - down;
		step = 1;
	} else {
		first = r1 - 1;
		last = r0 - down - 1;
		step = -1;
	}
	for (r = first; r != last; r += step) {
		tui_line *s = room(g, r + down, c1), *d = room(g, r, c1);

		memmove(&d->cells[dst], &s->cells[src], (size_t)n * sizeof(tui_cell));
	}
	/*
	 * What was left behind goes blank as it is: no unpairing here, the
	 * cells still hold what was copied away (a wide character moved one
	 * column right has its left half in both places). The pairs split by
	 * the rectangle's edges are repaired after.
	 */
	if (down > 0)
		blank_cells(g, r1 - down, r1, c0, c1, pen);
	else if (down < 0)
		blank_cells(g, r0, r0 - down, c0, c1, pen);
	if (right > 0)
		blank_cells(g, r0, r1, c1 - right, c1, pen);
	else if (right < 0)
		blank_cells(g, r0, r1, c0, c0 - right, pen);
	for (r = r0; r < r1; r++)
		fix_pairs(g->line[r], g->cols);
}

const tui_cell *
tui_grid_at(const tui_grid *g, int row, int col)
{
	const tui_line *l = g->line[row];

	return col < l->len ? &l->cells[col] : &l->fill;
}

void
tui_grid_set_row(tui_grid *g, int row, const tui_cell *cells, int n,
    const tui_cell *fill, int cont)
{
	tui_line *l;

	if (row < 0 || row >= g->rows)
		return;
	if (n > g->cols)
		n = g->cols;
	l = g->line[row];
	l->len = 0;
	l = room(g, row, n);
	memcpy(l->cells, cells, (size_t)n * sizeof *cells);
	l->fill = *fill;
	l->cont = cont;
	fix_pairs(l, g->cols);
}
