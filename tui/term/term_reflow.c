/*
 * tui/term/term_reflow.c - a new width re-wraps the primary screen and the
 * scrollback, as tmux does: the lines a program printed past the right
 * edge (soft wraps, which term.c marks as they happen) are joined again and
 * cut at the new width, so a layout change never cuts lines for good.
 * Lines ended by the program (a newline, a cursor move) stay lines. The
 * alternate screen is not reflowed: its programs redraw on SIGWINCH.
 *
 * One logical line at a time: the old scrollback ring is read while a new
 * one is written, so memory is the two rings plus one logical line, and
 * the time is a copy of each cell (10,000 lines of 200 columns: a few ms).
 */
#include <stdlib.h>
#include <string.h>

#include "tui/term/term_int.h"

typedef struct scrline {
	tui_cell *cells;
	int n, cont;
} scrline;

typedef struct reflow {
	int ncols;                  /* the new width */
	tui_cell *buf;              /* the logical line being gathered */
	int len, cap;
	/*
	 * Where this line's screen part starts (a line from the scrollback
	 * may run on into the screen's first row): -1 none, all history.
	 */
	int boundary;
	int cur_off;                /* the cursor's offset in it, or -1 */
	tui_sb *hist;               /* the new scrollback */
	scrline *scr;               /* the new lines of the screen's part */
	int nscr, capscr;
	int cur_line, cur_col;      /* where the cursor went: scr index, column */
} reflow;

/* Shows nothing (the scrollback's notion, term_sb.c). */
static int
blank_cell(const tui_cell *c)
{
	return c->nchars == 0 && c->width == 1 && c->bg.kind == TUI_COLOR_DEFAULT &&
	    (c->attrs & (TUI_ATTR_REVERSE | TUI_ATTR_UNDERLINE | TUI_ATTR_STRIKE)) == 0;
}

static void
add(reflow *r, const tui_cell *c, int n)
{
	if (n <= 0)
		return;
	if (r->len + n > r->cap) {
		r->cap = (r->len + n) * 2;
		r->buf = util_xrealloc(r->buf, (size_t)r->cap * sizeof *r->buf);
	}
	memcpy(&r->buf[r->len], c, (size_t)n * sizeof *c);
	r->len += n;
}

static void
to_screen(reflow *r, const tui_cell *c, int n, int cont)
{
	scrline *s;

	if (r->nscr == r->capscr) {
		r->capscr = r->capscr ? r->capscr * 2 : 64;
		r->scr = util_xrealloc(r->scr, (size_t)r->capscr * sizeof *r->scr);
	}
	s = &r->scr[r->nscr++];
	s->cells = util_xrealloc(NULL, (size_t)(n > 0 ? n : 1) * sizeof *c);
	if (n > 0)
		memcpy(s->cells, c, (size_t)n * sizeof *c);
	s->n = n;
	s->cont = cont;
}

/* The gathered line, cut at the new width, to the scrollback or the screen. */
static void
emit(reflow *r)
{
	int s = 0, e, n = r->len, nc = r->ncols, last, has_cur, scr;
	const tui_cell *cells;

	/* Blank cells at the end are no text (unless the cursor is there). */
	while (n > 0 && n > r->cur_off && blank_cell(&r->buf[n - 1]))
		n--;
	do {
		e = s + nc < n ? s + nc : n;
		/* A wide character is never cut: it starts the next line. */
		if (e < n && r->buf[e].width == 0 && e - 1 > s)
			e--;
		last = e >= n;
		has_cur = r->cur_off >= s && (r->cur_off < e || last);
		scr = r->boundary >= 0 && (e > r->boundary || has_cur || n == 0);
		if (has_cur && r->cur_off - s >= nc) {
			/*
			 * Just past a full last line (cur_off is at most n): the
			 * cursor starts the next, empty one.
			 */
			has_cur = 0;
			last = 0;
		}
		/* (an empty line may have no buffer yet) */
		cells = r->buf != NULL ? r->buf + s : r->buf;
		if (scr) {
			if (has_cur) {
				r->cur_line = r->nscr;
				r->cur_col = r->cur_off - s;
			}
			to_screen(r, cells, e - s, s > 0);
		} else {
			tui_sb_push(r->hist, cells, e - s, s > 0);
		}
		s = e;
	} while (s < n || !last);
	r->len = 0;
	r->cur_off = -1;
	r->boundary = r->boundary >= 0 ? 0 : -1;
}

/*
 * Appends one old line: take cells, of which the first written are in
 * cells[] and the rest read as fill. A blank last column of the line
 * before, left where a wide character did not fit and went on here, goes.
 */
static void
gather(reflow *r, const tui_cell *cells, int written, int take, int prev_pad,
    const tui_cell *fill)
{
	int i;

	if (prev_pad && written > 0 && cells[0].width == 2 && r->len > 0)
		r->len--;
	add(r, cells, written < take ? written : take);
	for (i = written; i < take; i++)
		add(r, fill, 1);
}

/* Does a line's last column hold a blank (a wide character's leftover)? */
static int
pad_at_end(const tui_cell *cells, int len, int oc)
{
	return len < oc || (cells[oc - 1].nchars == 0 && cells[oc - 1].width == 1);
}

/* A fill that shows (a coloured bar): its cells are part of the line. */
static int
fill_shows(const tui_cell *fill)
{
	return fill->bg.kind != TUI_COLOR_DEFAULT || (fill->attrs &
	    (TUI_ATTR_REVERSE | TUI_ATTR_UNDERLINE | TUI_ATTR_STRIKE)) != 0;
}

/*
 * The old scrollback, line by line; a line runs on into the next when that
 * one goes on from it (the screen's first row for the newest).
 */
static void
from_history(reflow *r, const tui_sb *old, const tui_grid *g, int used, tui_cell *row,
    int *pad)
{
	int i, c, n, oc = g->cols, wraps, count = tui_sb_count(old);
	tui_cell blank;

	/* Stored lines are trimmed: what they lack reads blank. */
	tui__term_blank_cell(&blank);
	for (i = 0; i < count; i++) {
		n = tui_sb_line_len(old, i);
		if (n > oc)
			n = oc;
		wraps = i + 1 < count ? tui_sb_cont(old, i + 1) : used > 0 && g->line[0]->cont;
		for (c = 0; c < (wraps ? oc : n); c++)
			tui_sb_cell(old, i, c, &row[c]);
		gather(r, row, wraps ? oc : n, wraps ? oc : n, *pad, &blank);
		*pad = wraps && pad_at_end(row, oc, oc);
		if (!wraps)
			emit(r);
	}
}

static void
from_screen(reflow *r, const tui_grid *g, int used, int cur_row, int cur_col, int *pad)
{
	const tui_line *l;
	int row, written, take, wraps;

	for (row = 0; row < used; row++) {
		l = g->line[row];
		if (row == 0)
			r->boundary = r->len;
		wraps = row + 1 < used && g->line[row + 1]->cont;
		written = l->len < g->cols ? l->len : g->cols;
		take = wraps || fill_shows(&l->fill) ? g->cols : written;
		if (row == cur_row) {
			/* Blanks up to a cursor past the text keep it in its line. */
			if (take < cur_col)
				take = cur_col < g->cols ? cur_col : g->cols;
			r->cur_off = r->len + cur_col;
			if (*pad && written > 0 && l->cells[0].width == 2)
				r->cur_off--;
		}
		gather(r, l->cells, written, take, *pad, &l->fill);
		*pad = wraps && pad_at_end(l->cells, written, g->cols);
		if (!wraps)
			emit(r);
	}
}

void
tui__term_reflow(tui_term *t, int rows, int cols)
{
	tui_grid *g = &t->grid[0];
	reflow r;
	tui_cell *row, blank;
	int used, i, cap = tui_sb_cap(t->sb), old_rows = g->rows, pad = 0, pull, off, wr;
	int cur_row = t->alt ? -1 : t->resize_row, cur_col = t->resize_col;

	memset(&r, 0, sizeof r);
	r.ncols = cols;
	r.boundary = -1;
	r.cur_off = -1;
	r.cur_line = -1;
	/* Room for the screen's lines too while they are sorted out. */
	r.hist = tui_sb_new(cap + rows + 1);
	tui__term_blank_cell(&blank);
	row = util_xrealloc(NULL, (size_t)(g->cols > cols ? g->cols : cols) * sizeof *row);

	/* After a glyph in the last column the cursor waits past it. */
	if (cur_row >= 0 && t->wrap_row == cur_row && t->wrap_end >= g->cols &&
	    cur_col == g->cols - 1)
		cur_col++;
	/* The screen's lines down to the last written one or the cursor. */
	for (used = g->rows; used > 0; used--) {
		const tui_line *l = g->line[used - 1];

		if (used - 1 == cur_row || l->cont || fill_shows(&l->fill))
			break;
		for (i = 0; i < l->len && i < g->cols; i++)
			if (l->cells[i].nchars != 0 || fill_shows(&l->cells[i]))
				break;
		if (i < l->len && i < g->cols)
			break;
	}
	from_history(&r, t->sb, g, used, row, &pad);
	from_screen(&r, g, used, cur_row, cur_col, &pad);

	/* More lines than rows: the top ones go to the scrollback. */
	off = r.nscr > rows ? r.nscr - rows : 0;
	for (i = 0; i < off; i++)
		tui_sb_push(r.hist, r.scr[i].cells, r.scr[i].n, r.scr[i].cont);
	/*
	 * Fewer lines than rows: a screen that was full stays full, lines
	 * coming back from the scrollback (the text stays at the bottom, where
	 * the shell's prompt is); one that was not (after a clear) gets back
	 * only rows it gained, as when only the height changes.
	 */
	pull = rows - (r.nscr - off);
	if (used < old_rows && pull > rows - old_rows)
		pull = rows - old_rows;
	if (pull > tui_sb_count(r.hist))
		pull = tui_sb_count(r.hist);
	if (pull < 0)
		pull = 0;

	tui_grid_done(g);
	tui_grid_init(g, rows, cols, &t->pen);
	for (i = pull - 1; i >= 0; i--) {
		tui_sb_pop(r.hist, row, cols, &wr);
		tui_grid_set_row(g, i, row, cols, &blank, wr);
	}
	for (i = off; i < r.nscr; i++) {
		if (pull + i - off < rows)
			tui_grid_set_row(g, pull + i - off, r.scr[i].cells, r.scr[i].n, &blank,
			    r.scr[i].cont);
		free(r.scr[i].cells);
	}
	for (i = 0; i < off; i++)
		free(r.scr[i].cells);
	free(r.scr);

	if (cur_row >= 0) {
		t->resize_row = r.cur_line >= 0 ? pull + r.cur_line - off : 0;
		if (t->resize_row < 0)
			t->resize_row = 0;
		t->resize_col = r.cur_col < cols ? r.cur_col : cols - 1;
	}
	tui_sb_set_cap(r.hist, cap);
	tui_sb_free(t->sb);
	t->sb = r.hist;
	free(r.buf);
	free(row);
}
