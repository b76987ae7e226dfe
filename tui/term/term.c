/*
 * tui/term/term.c - one pane's terminal emulator. libvterm's parser and state
 * layer (escape sequences, cursor, modes, pen, keyboard encoding) drive
 * our own screen: the state callbacks write cells into term_grid.c's line
 * buffers (primary and alternate), lines scrolling off the top go to
 * term_sb.c's scrollback ring, and rows are marked dirty as they change.
 * libvterm's own screen layer is not used: in 0.1.4 it moves the whole
 * screen for every line feed (see term_grid.c). Also here: the
 * title and bell; the keyboard and paste entry points are term_input.c,
 * the scrolled-back view and search term_view.c, reflow term_reflow.c. Remote bytes reach libvterm only through the input guard
 * (term_guard.c), which keeps away input that crashes or hangs libvterm
 * 0.1.4. Only tui/term/ includes <vterm.h> (through term_int.h); the renderer
 * and the console see tui_cell and tui/term/term.h only.
 *
 * Remote bytes go in through tui_term_feed; everything libvterm wants to
 * send back (answers to DA/DSR, key encodings) leaves through the pane's
 * own on_output callback, never anywhere else. Unknown OSC/DCS strings
 * (OSC 52 clipboard among them) have no fallback handler and are dropped
 * by libvterm; the title is kept as data for the caller to sanitise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/term/term.h"
#include "tui/term/term_int.h"

static void vt_write(const char *bytes, size_t len, void *ud);

static int
clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* ---- dirty rows ---------------------------------------------------- */

void
tui__term_mark_all(tui_term *t)
{
	memset(t->dirty, 1, (size_t)t->rows);
}

/*
 * Screen rows [start, end) changed. While scrolled back the view is a mix
 * of scrollback and screen that shifts as lines are pushed; redrawing the
 * whole pane then is simpler than tracking the shift, and rare.
 */
static void
mark_rows(tui_term *t, int start, int end)
{
	if (t->offset > 0) {
		tui__term_mark_all(t);
		return;
	}
	start = clampi(start, 0, t->rows);
	end = clampi(end, 0, t->rows);
	if (end > start)
		memset(t->dirty + start, 1, (size_t)(end - start));
}

/* ---- colour and cell conversion ------------------------------------ */

static tui_color
color_from_vterm(const VTermColor *c, int is_bg)
{
	tui_color out = { 0 };

	if (is_bg ? VTERM_COLOR_IS_DEFAULT_BG(c) : VTERM_COLOR_IS_DEFAULT_FG(c)) {
		out.kind = TUI_COLOR_DEFAULT;
	} else if (VTERM_COLOR_IS_INDEXED(c)) {
		out.kind = TUI_COLOR_INDEXED;
		out.index = c->indexed.idx;
	} else {
		out.kind = TUI_COLOR_RGB;
		out.r = c->rgb.red;
		out.g = c->rgb.green;
		out.b = c->rgb.blue;
	}
	return out;
}

void
tui__term_blank_cell(tui_cell *out)
{
	memset(out, 0, sizeof *out);
	out->width = 1;
}

static tui_grid *
screen(tui_term *t)
{
	return &t->grid[t->alt];
}

/* ---- scrollback ---------------------------------------------------- */

static tui_cell *
scratch(tui_term *t, int cols)
{
	if (cols > t->scratch_len) {
		t->scratch = util_xrealloc(t->scratch, (size_t)cols * sizeof *t->scratch);
		t->scratch_len = cols;
	}
	return t->scratch;
}

/* A line scrolled off the top of the primary screen. */
static void
push_line(const tui_line *l, int cols, void *user)
{
	tui_term *t = user;
	const tui_cell *cells = l->cells;
	tui_cell *row;
	int n = l->len < cols ? l->len : cols, i;

	/*
	 * Cells past len read as the fill: only a coloured fill (a bar
	 * erased in some background) needs them written out.
	 */
	if (l->fill.bg.kind != TUI_COLOR_DEFAULT || (l->fill.attrs &
	    (TUI_ATTR_REVERSE | TUI_ATTR_UNDERLINE | TUI_ATTR_STRIKE)) != 0) {
		row = scratch(t, cols);
		memcpy(row, l->cells, (size_t)n * sizeof *row);
		for (i = n; i < cols; i++)
			row[i] = l->fill;
		cells = row;
		n = cols;
	}
	tui_sb_push(t->sb, cells, n, l->cont);
	if (t->offset > 0) {
		/* Stay on the same text, as long as the ring keeps it. */
		if (t->offset < tui_sb_count(t->sb))
			t->offset++;
		tui__term_mark_all(t);
	}
}

/* ---- libvterm state callbacks -------------------------------------- */

static int
on_putglyph(VTermGlyphInfo *info, VTermPos pos, void *user)
{
	tui_term *t = user;
	tui_cell pen;

	/*
	 * libvterm 0.1.4 keeps no record of soft wraps: a glyph at column 0
	 * of the row below the one whose right edge the last glyph reached,
	 * with no cursor move in between, is one. Reflow needs to know.
	 */
	if (t->wrap_row >= 0 && pos.col == 0 && pos.row == t->wrap_row + 1 &&
	    (t->wrap_end >= t->vcols || (t->wrap_end == t->vcols - 1 && info->width == 2)))
		screen(t)->line[pos.row]->cont = 1;
	t->wrap_end = pos.col + info->width;
	t->wrap_row = t->wrap_end >= t->vcols - 1 ? pos.row : -1;
	if (info->protected_cell) {
		pen = t->pen;
		pen.attrs |= TUI_ATTR__PROTECTED;
		tui_grid_put(screen(t), pos.row, pos.col, info->chars, info->width,
		    &pen);
	} else
		tui_grid_put(screen(t), pos.row, pos.col, info->chars, info->width,
		    &t->pen);
	mark_rows(t, pos.row, pos.row + 1);
	return 1;
}

static int
on_erase(VTermRect rect, int selective, void *user)
{
	tui_term *t = user;
	int r;

	for (r = rect.start_row; r < rect.end_row; r++)
		tui_grid_erase(screen(t), r, rect.start_col, rect.end_col, &t->pen,
		    selective);
	mark_rows(t, rect.start_row, rect.end_row);
	return 1;
}

static int
on_scrollrect(VTermRect rect, int downward, int rightward, void *user)
{
	tui_term *t = user;
	tui_grid *g = screen(t);

	/* A wrap at the bottom scrolls first: the wrapping row moves up. */
	if (t->wrap_row >= 0 && t->wrap_row >= rect.start_row && t->wrap_row < rect.end_row) {
		t->wrap_row = rightward == 0 ? t->wrap_row - downward : -1;
		if (t->wrap_row < rect.start_row || t->wrap_row >= rect.end_row)
			t->wrap_row = -1;
	}
	if (rightward == 0 && rect.start_col <= 0 && rect.end_col >= g->cols) {
		/*
		 * Lines scrolling off the top of the primary screen go to the
		 * scrollback, also when a bottom margin keeps a status line
		 * (as libvterm's screen layer does; apt's progress bar).
		 */
		tui_grid_scroll(g, rect.start_row, rect.end_row, downward, &t->pen,
		    downward > 0 && rect.start_row == 0 && !t->alt ? push_line :
		    NULL, t);
	} else {
		tui_grid_move_rect(g, rect.start_row, rect.end_row,
		    rect.start_col, rect.end_col, downward, rightward, &t->pen);
	}
	mark_rows(t, rect.start_row, rect.end_row);
	return 1;
}

static int
on_moverect(VTermRect dest, VTermRect src, void *user)
{
	/* Only used when scrollrect declines, which on_scrollrect never does. */
	(void)dest;
	(void)src;
	(void)user;
	return 1;
}

static int
on_movecursor(VTermPos pos, VTermPos oldpos, int visible, void *user)
{
	tui_term *t = user;

	(void)oldpos;
	/* At the right edge after a glyph (pending wrap) is not a move. */
	if (t->wrap_row >= 0 && !(pos.row == t->wrap_row &&
	    pos.col == (t->wrap_end < t->vcols ? t->wrap_end : t->vcols - 1)))
		t->wrap_row = -1;
	t->cursor_visible = visible;
	return 1;
}

static int
on_initpen(void *user)
{
	tui_term *t = user;

	tui__term_blank_cell(&t->pen);
	/*
	 * libvterm calls this from vterm_state_reset only, which (RIS,
	 * "ESC c") also leaves the alternate screen without telling us
	 * through settermprop: follow it, as xterm does on a reset.
	 */
	if (t->alt) {
		t->alt = 0;
		tui__term_mark_all(t);
	}
	return 1;
}

static int
on_setpenattr(VTermAttr attr, VTermValue *val, void *user)
{
	tui_term *t = user;
	uint16_t bit = 0;

	switch (attr) {
	case VTERM_ATTR_BOLD:
		bit = TUI_ATTR_BOLD;
		break;
	case VTERM_ATTR_UNDERLINE:
		bit = TUI_ATTR_UNDERLINE;
		break;
	case VTERM_ATTR_ITALIC:
		bit = TUI_ATTR_ITALIC;
		break;
	case VTERM_ATTR_BLINK:
		bit = TUI_ATTR_BLINK;
		break;
	case VTERM_ATTR_REVERSE:
		bit = TUI_ATTR_REVERSE;
		break;
	case VTERM_ATTR_STRIKE:
		bit = TUI_ATTR_STRIKE;
		break;
	case VTERM_ATTR_FOREGROUND:
		t->pen.fg = color_from_vterm(&val->color, 0);
		return 1;
	case VTERM_ATTR_BACKGROUND:
		t->pen.bg = color_from_vterm(&val->color, 1);
		return 1;
	default:
		return 1;
	}
	/* Underline is a number (single, double, curly); the rest booleans. */
	if (attr == VTERM_ATTR_UNDERLINE ? val->number != 0 : val->boolean)
		t->pen.attrs |= bit;
	else
		t->pen.attrs &= (uint16_t)~bit;
	return 1;
}

static int
on_settermprop(VTermProp prop, VTermValue *val, void *user)
{
	tui_term *t = user;
	size_t len;

	switch (prop) {
	case VTERM_PROP_CURSORVISIBLE:
		t->cursor_visible = val->boolean;
		break;
	case VTERM_PROP_ALTSCREEN:
		/* libvterm erases the alternate screen right after this. */
		if (val->boolean && t->grid[1].line == NULL)
			tui_grid_init(&t->grid[1], t->rows, t->vcols, &t->pen);
		t->alt = val->boolean ? 1 : 0;
		t->wrap_row = -1;
		tui__term_mark_all(t);
		break;
	case VTERM_PROP_REVERSE:
		t->reverse = val->boolean;
		tui__term_mark_all(t);
		break;
	case VTERM_PROP_TITLE:
		/* libvterm hands a stack copy: keep our own. */
		len = strnlen(val->string, TERM_MAX_TITLE);
		t->title = util_xrealloc(t->title, len + 1);
		memcpy(t->title, val->string, len);
		t->title[len] = '\0';
		if (t->cbs.on_title != NULL)
			t->cbs.on_title(t->ud);
		break;
	default:
		break;
	}
	/* 1: libvterm stores the property (its modes follow it). */
	return 1;
}

static int
on_bell(void *user)
{
	tui_term *t = user;

	t->bells++;
	if (t->cbs.on_bell != NULL)
		t->cbs.on_bell(t->ud);
	return 1;
}

/* Is the row of the primary screen blank (nothing written on it)? */
static int
row_blank(const tui_grid *g, int row)
{
	const tui_line *l = g->line[row];
	int c;

	for (c = 0; c < l->len && c < g->cols; c++)
		if (l->cells[c].nchars != 0)
			return 0;
	return 1;
}

/*
 * New size, during vterm_set_size. What a terminal user expects (libvterm's
 * screen layer, xterm and tmux agree): when the primary screen loses rows,
 * the blank rows below the cursor go first, then lines leave at the top
 * into the scrollback; when it gains rows, lines come back from the
 * scrollback at the top. A new width reflows the primary screen and the
 * scrollback (term_reflow.c). The cursor follows its text: *delta tells
 * libvterm how far, and reset_after_resize puts it there.
 */
static int
on_resize(int rows, int cols, VTermPos *delta, void *user)
{
	tui_term *t = user;
	tui_grid *g = &t->grid[0];
	VTermPos cur;
	tui_cell *row, blank;
	int r, first_blank, k, old_rows = g->rows, cont;

	vterm_state_get_cursorpos(t->state, &cur);
	t->resize_row = cur.row;
	t->resize_col = cur.col;
	if (cols != g->cols) {
		tui__term_reflow(t, rows, cols);
	} else {
		tui__term_blank_cell(&blank);
		if (!t->alt && rows < g->rows) {
			for (r = g->rows - 1; r >= rows; r--)
				if (!row_blank(g, r) || cur.row == r)
					break;
			first_blank = r + 1;
			if (first_blank > rows) {
				tui_grid_scroll(g, 0, g->rows, first_blank - rows, &t->pen,
				    push_line, t);
				t->resize_row -= first_blank - rows;
			}
		}
		tui_grid_resize(g, rows, cols, &t->pen);
		if (!t->alt) {
			row = scratch(t, cols);
			for (k = 0; k < rows - old_rows; k++) {
				if (!tui_sb_pop(t->sb, row, cols, &cont))
					break;
				tui_grid_scroll(g, 0, rows, -1, &blank, NULL, NULL);
				tui_grid_set_row(g, 0, row, cols, &blank, cont);
				t->resize_row++;
			}
		}
	}
	if (t->grid[1].line != NULL)
		tui_grid_resize(&t->grid[1], rows, cols, &t->pen);
	if (t->alt) {
		/* The alternate screen's cursor: where it was (apps redraw). */
		t->resize_row = cur.row;
		t->resize_col = cur.col;
	}
	if (t->offset > tui_sb_count(t->sb))
		t->offset = tui_sb_count(t->sb);
	t->wrap_row = -1;
	delta->row = t->resize_row - cur.row;
	delta->col = t->resize_col - cur.col;
	return 1;
}

static int
on_setlineinfo(int row, const VTermLineInfo *newinfo,
    const VTermLineInfo *oldinfo, void *user)
{
	/* Double width/height lines (DECDWL) are drawn single: accept. */
	(void)row;
	(void)newinfo;
	(void)oldinfo;
	(void)user;
	return 1;
}

static const VTermStateCallbacks state_cbs = {
	.putglyph = on_putglyph,
	.movecursor = on_movecursor,
	.scrollrect = on_scrollrect,
	.moverect = on_moverect,
	.erase = on_erase,
	.initpen = on_initpen,
	.setpenattr = on_setpenattr,
	.settermprop = on_settermprop,
	.bell = on_bell,
	.resize = on_resize,
	.setlineinfo = on_setlineinfo,
};

void
tui__term_output(const char *s, size_t len, void *user)
{
	tui_term *t = user;

	if (t->probing)
		t->probed += len;
	if (t->cbs.on_output != NULL && len > 0)
		t->cbs.on_output(s, len, t->ud);
}

/* ---- life cycle ---------------------------------------------------- */

tui_term *
tui_term_new(int rows, int cols, int scrollback_lines, const tui_term_cbs *cbs,
    void *ud)
{
	tui_term *t = util_xcalloc(1, sizeof *t);

	t->rows = clampi(rows, 1, TERM_MAX_ROWS);
	t->cols = clampi(cols, 1, TERM_MAX_COLS);
	t->vcols = t->cols < VTERM_MIN_COLS ? VTERM_MIN_COLS : t->cols;
	t->sb = tui_sb_new(scrollback_lines);
	t->guard = tui_guard_new(vt_write, t);
	if (cbs != NULL)
		t->cbs = *cbs;
	t->ud = ud;
	t->cursor_visible = 1;
	t->wrap_row = -1;
	t->dirty = util_xcalloc((size_t)t->rows, 1);
	t->title = util_xcalloc(1, 1);
	tui__term_blank_cell(&t->pen);
	tui_grid_init(&t->grid[0], t->rows, t->vcols, &t->pen);

	if ((t->vt = vterm_new(t->rows, t->vcols)) == NULL) {
		fputs("drover: out of memory\n", stderr);
		abort();
	}
	vterm_set_utf8(t->vt, 1);
	vterm_output_set_callback(t->vt, tui__term_output, t);
	t->state = vterm_obtain_state(t->vt);
	vterm_state_set_callbacks(t->state, &state_cbs, t);
	vterm_state_reset(t->state, 1);
	tui__term_mark_all(t);
	return t;
}

void
tui_term_free(tui_term *t)
{
	if (t == NULL)
		return;
	vterm_free(t->vt);
	tui_grid_done(&t->grid[0]);
	tui_grid_done(&t->grid[1]);
	tui_sb_free(t->sb);
	free(t->scratch);
	tui_guard_free(t->guard);
	free(t->dirty);
	free(t->title);
	free(t);
}

/*
 * Everything for libvterm goes through here: in slices, see
 * VTERM_MAX_WRITE. Remote bytes come via the input guard (term_guard.c).
 */
static void
vt_write(const char *bytes, size_t len, void *ud)
{
	tui_term *t = ud;
	size_t n;

	while (len > 0) {
		n = len < VTERM_MAX_WRITE ? len : VTERM_MAX_WRITE;
		vterm_input_write(t->vt, bytes, n);
		bytes += n;
		len -= n;
	}
}

void
tui_term_feed(tui_term *t, const char *bytes, size_t len)
{
	int rows, cols;

	if (len == 0)
		return;
	vterm_get_size(t->vt, &rows, &cols);
	tui_guard_feed(t->guard, bytes, len, cols);
}

/*
 * libvterm 0.1.4 leaves two traps after a resize (fixed upstream later):
 * a shrink that scrolls more lines away than the cursor was below the top
 * puts the cursor on a negative row, and scroll margins set for the old
 * size stay (a top margin below the new bottom); the next glyph or scroll
 * then writes outside the screen. There are no setters, so we feed it
 * what xterm and tmux do themselves on a resize: reset the margins
 * (DECSTBM, DECSLRM; both home the cursor) and put the cursor back where
 * it was, clamped into the screen. Applications redraw on SIGWINCH and set
 * their margins again. (Should the host have left a sequence or a
 * character half-sent, this cancels it: a glitch at worst.)
 */
static void
reset_after_resize(tui_term *t, int rows, int cols)
{
	VTermPos pos;
	char seq[48];
	int n;

	/* Where on_resize put it: libvterm 0.1.4 may have clamped it away. */
	pos.row = clampi(t->resize_row, 0, rows - 1);
	pos.col = t->resize_col;
	pos.col = clampi(pos.col, 0, (cols < VTERM_MIN_COLS ? VTERM_MIN_COLS :
	    cols) - 1);
	n = snprintf(seq, sizeof seq, "\x1b[r\x1b[s\x1b[%d;%dH", pos.row + 1,
	    pos.col + 1);
	/*
	 * Straight in (not through the guard, which might print a held
	 * half character while the cursor is still off screen); then the
	 * guard learns that libvterm's parser is back in its ground state.
	 */
	vterm_input_write(t->vt, seq, (size_t)n);
	tui_guard_ground(t->guard);
}

int
tui_term_resize(tui_term *t, int rows, int cols)
{
	if (rows < 1 || cols < 1)
		return 0;
	rows = clampi(rows, 1, TERM_MAX_ROWS);
	cols = clampi(cols, 1, TERM_MAX_COLS);
	if (rows == t->rows && cols == t->cols)
		return 0;
	/*
	 * Callbacks during vterm_set_size mark rows of the old size; the
	 * array is replaced and fully marked afterwards.
	 */
	t->vcols = cols < VTERM_MIN_COLS ? VTERM_MIN_COLS : cols;
	{
		VTermPos cur;

		/* on_resize says where the cursor goes; if it is not called, here. */
		vterm_state_get_cursorpos(t->state, &cur);
		t->resize_row = cur.row;
		t->resize_col = cur.col;
	}
	vterm_set_size(t->vt, rows, t->vcols);
	reset_after_resize(t, rows, cols);
	t->rows = rows;
	t->cols = cols;
	t->dirty = util_xrealloc(t->dirty, (size_t)rows);
	if (t->offset > tui_sb_count(t->sb))
		t->offset = tui_sb_count(t->sb);
	tui__term_mark_all(t);
	return 1;
}

void
tui_term_size(const tui_term *t, int *rows, int *cols)
{
	if (rows != NULL)
		*rows = t->rows;
	if (cols != NULL)
		*cols = t->cols;
}

/* ---- reading ------------------------------------------------------- */

/*
 * The cell of history line `line` (see term.h), column col. Returns -1
 * outside.
 */
int
tui__term_history_cell(tui_term *t, int line, int col, tui_cell *out)
{
	const tui_grid *g;

	tui__term_blank_cell(out);
	if (line < 0 || col < 0 || col >= t->cols ||
	    line >= tui_sb_count(t->sb) + t->rows)
		return -1;
	if (line < tui_sb_count(t->sb)) {
		tui_sb_cell(t->sb, line, col, out);
	} else {
		g = screen(t);
		*out = *tui_grid_at(g, line - tui_sb_count(t->sb), col);
		out->attrs &= (uint16_t)~TUI_ATTR__PROTECTED;
		if (t->reverse)
			out->attrs ^= TUI_ATTR_REVERSE;
	}
	/*
	 * A line kept from a wider screen (or a 1-column pane) may put the
	 * left half of a wide character in the last column: drawing it would
	 * spill into the next pane, so it reads as blank.
	 */
	if (out->width == 2 && col == t->cols - 1) {
		out->width = 1;
		out->nchars = 0;
		memset(out->chars, 0, sizeof out->chars);
	}
	return 0;
}

int
tui_term_cell(tui_term *t, int row, int col, tui_cell *out)
{
	if (row < 0 || row >= t->rows) {
		tui__term_blank_cell(out);
		return -1;
	}
	return tui__term_history_cell(t, tui_sb_count(t->sb) - t->offset + row, col, out);
}

int
tui_term_take_dirty(tui_term *t, unsigned char *rows_out)
{
	int i, any = 0;

	for (i = 0; i < t->rows; i++)
		any |= t->dirty[i];
	if (rows_out != NULL)
		memcpy(rows_out, t->dirty, (size_t)t->rows);
	memset(t->dirty, 0, (size_t)t->rows);
	return any;
}

void
tui_term_touch(tui_term *t)
{
	tui__term_mark_all(t);
}

void
tui_term_cursor(const tui_term *t, int *row, int *col, int *visible)
{
	VTermPos pos;
	int r;

	vterm_state_get_cursorpos(t->state, &pos);
	r = pos.row + t->offset;
	if (row != NULL)
		*row = r;
	if (col != NULL)        /* a 1-column pane has a hidden second one */
		*col = pos.col < t->cols ? pos.col : t->cols - 1;
	if (visible != NULL)
		*visible = t->cursor_visible && r < t->rows;
}

int
tui_term_altscreen(const tui_term *t)
{
	return t->alt;
}

const char *
tui_term_title(const tui_term *t)
{
	return t->title;
}

unsigned long
tui_term_bells(const tui_term *t)
{
	return t->bells;
}
