/*
 * tui/term.c - one pane's terminal emulator: a libvterm VTerm plus what
 * libvterm 0.1.4 leaves to its user: the scrollback (sb_pushline /
 * sb_popline into term_sb.c's ring), per-row dirty flags fed by the damage
 * callbacks, the scrolled-back view, the title and bell, search, and the
 * keyboard / paste entry points. Remote bytes reach libvterm only through
 * the input guard (term_guard.c), which keeps away input that crashes or
 * hangs libvterm 0.1.4. The only file of drover that includes <vterm.h>;
 * the renderer and the console see tui_cell and tui/term.h only.
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

#include <vterm.h>

#include "tui/term.h"
#include "tui/tui_int.h"

/* Sanity bounds: a pane larger than this is a bug, not a terminal. */
#define TERM_MAX_ROWS 1024
#define TERM_MAX_COLS 4096
/*
 * libvterm 0.1.4 writes the right half of a wide character without checking
 * the edge: one emoji crashes a 1-column VTerm. The VTerm is never narrower
 * than this; a narrower pane shows its first columns.
 */
#define VTERM_MIN_COLS 2
/*
 * libvterm 0.1.4 decodes text into a stack array as long as the rest of the
 * buffer handed to vterm_input_write (a VLA): big writes could overflow the
 * stack, so input goes in slices of at most this many bytes.
 */
#define VTERM_MAX_WRITE 4096
/* Titles are for a pane's border; longer ones are cut (bytes). */
#define TERM_MAX_TITLE 1024

struct tui_term {
	VTerm *vt;
	VTermScreen *screen;
	VTermState *state;
	tui_term_cbs cbs;
	void *ud;
	int rows, cols;

	tui_sb *sb;             /* scrollback ring (term_sb.c) */
	tui_cell *scratch;      /* one row, for sb_pushline / sb_popline */
	int scratch_len;
	int offset;             /* view offset, 0 = live screen */

	unsigned char *dirty;   /* per view row */
	int cursor_visible;
	int altscreen;
	char *title;
	unsigned long bells;

	tui_guard *guard;       /* remote bytes pass it first */

	/* Paste probe: counts the bytes vterm_keyboard_start_paste emits. */
	int probing;
	size_t probed;
};

static void vt_write(const char *bytes, size_t len, void *ud);

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL) {
		fputs("drover: out of memory\n", stderr);
		abort();
	}
	return p;
}

static void *
xrealloc(void *p, size_t size)
{
	if ((p = realloc(p, size ? size : 1)) == NULL) {
		fputs("drover: out of memory\n", stderr);
		abort();
	}
	return p;
}

static int
clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* ---- dirty rows ---------------------------------------------------- */

static void
mark_all(tui_term *t)
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
		mark_all(t);
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

static void
color_to_vterm(tui_term *t, const tui_color *c, int is_bg, VTermColor *out)
{
	VTermColor dfg, dbg;

	switch (c->kind) {
	case TUI_COLOR_INDEXED:
		vterm_color_indexed(out, c->index);
		break;
	case TUI_COLOR_RGB:
		vterm_color_rgb(out, c->r, c->g, c->b);
		break;
	default:
		/* The default colours carry the DEFAULT_FG/BG flags. */
		vterm_state_get_default_colors(t->state, &dfg, &dbg);
		*out = is_bg ? dbg : dfg;
		break;
	}
}

static uint16_t
attrs_from_vterm(const VTermScreenCellAttrs *a)
{
	uint16_t m = 0;

	if (a->bold)
		m |= TUI_ATTR_BOLD;
	if (a->underline)
		m |= TUI_ATTR_UNDERLINE;
	if (a->italic)
		m |= TUI_ATTR_ITALIC;
	if (a->blink)
		m |= TUI_ATTR_BLINK;
	if (a->reverse)
		m |= TUI_ATTR_REVERSE;
	if (a->strike)
		m |= TUI_ATTR_STRIKE;
	return m;
}

static void
blank_cell(tui_cell *out)
{
	memset(out, 0, sizeof *out);
	out->width = 1;
}

static void
cell_from_vterm(const VTermScreenCell *vc, tui_cell *out)
{
	int i;

	blank_cell(out);
	out->attrs = attrs_from_vterm(&vc->attrs);
	out->fg = color_from_vterm(&vc->fg, 0);
	out->bg = color_from_vterm(&vc->bg, 1);
	if (vc->chars[0] == (uint32_t)-1) {
		/* libvterm marks the right half of a wide character so. */
		out->width = 0;
		return;
	}
	for (i = 0; i < VTERM_MAX_CHARS_PER_CELL && i < TUI_CELL_MAX_CHARS &&
	    vc->chars[i] != 0; i++)
		out->chars[i] = vc->chars[i];
	out->nchars = (uint8_t)i;
	out->width = vc->width == 2 ? 2 : 1;
}

/* ---- scrollback ---------------------------------------------------- */

static tui_cell *
scratch(tui_term *t, int cols)
{
	if (cols > t->scratch_len) {
		t->scratch = xrealloc(t->scratch, (size_t)cols * sizeof *t->scratch);
		t->scratch_len = cols;
	}
	return t->scratch;
}

static int
on_sb_pushline(int cols, const VTermScreenCell *cells, void *user)
{
	tui_term *t = user;
	tui_cell *row = scratch(t, cols);
	int i, n = cols;

	/* Blank tails are not kept: skip converting them (floods). */
	while (n > 0 && cells[n - 1].chars[0] == 0 &&
	    VTERM_COLOR_IS_DEFAULT_BG(&cells[n - 1].bg) &&
	    !cells[n - 1].attrs.reverse && !cells[n - 1].attrs.underline &&
	    !cells[n - 1].attrs.strike)
		n--;
	for (i = 0; i < n; i++)
		cell_from_vterm(&cells[i], &row[i]);
	tui_sb_push(t->sb, row, n);
	if (t->offset > 0) {
		/* Stay on the same text, as long as the ring keeps it. */
		if (t->offset < tui_sb_count(t->sb))
			t->offset++;
		mark_all(t);
	}
	return 1;
}

/* The screen grew taller: libvterm pulls lines back from the scrollback. */
static int
on_sb_popline(int cols, VTermScreenCell *cells, void *user)
{
	tui_term *t = user;
	tui_cell *row = scratch(t, cols), c;
	int i, j;

	if (!tui_sb_pop(t->sb, row, cols))
		return 0;
	for (i = 0; i < cols; i++) {
		VTermScreenCell *vc = &cells[i];

		c = row[i];
		memset(vc, 0, sizeof *vc);
		if (c.width == 0)
			c.width = 1;    /* covered by the wide cell before it */
		/*
		 * libvterm steps over a cell by its width and writes the
		 * neighbour of a wide one: never 0, never past the edge.
		 */
		if (c.width == 2 && i == cols - 1) {
			c.width = 1;
			c.nchars = 0;
		}
		for (j = 0; j < c.nchars && j < VTERM_MAX_CHARS_PER_CELL; j++)
			vc->chars[j] = c.chars[j];
		vc->width = (char)c.width;
		vc->attrs.bold = !!(c.attrs & TUI_ATTR_BOLD);
		vc->attrs.underline = (c.attrs & TUI_ATTR_UNDERLINE) ?
		    VTERM_UNDERLINE_SINGLE : 0;
		vc->attrs.italic = !!(c.attrs & TUI_ATTR_ITALIC);
		vc->attrs.blink = !!(c.attrs & TUI_ATTR_BLINK);
		vc->attrs.reverse = !!(c.attrs & TUI_ATTR_REVERSE);
		vc->attrs.strike = !!(c.attrs & TUI_ATTR_STRIKE);
		color_to_vterm(t, &c.fg, 0, &vc->fg);
		color_to_vterm(t, &c.bg, 1, &vc->bg);
	}
	if (t->offset > tui_sb_count(t->sb))
		t->offset = tui_sb_count(t->sb);
	mark_all(t);
	return 1;
}

/* ---- libvterm callbacks -------------------------------------------- */

static int
on_damage(VTermRect rect, void *user)
{
	mark_rows(user, rect.start_row, rect.end_row);
	return 1;
}

static int
on_moverect(VTermRect dest, VTermRect src, void *user)
{
	(void)src;
	mark_rows(user, dest.start_row, dest.end_row);
	return 1;
}

static int
on_movecursor(VTermPos pos, VTermPos oldpos, int visible, void *user)
{
	tui_term *t = user;

	(void)pos;
	(void)oldpos;
	t->cursor_visible = visible;
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
		t->altscreen = val->boolean;
		mark_all(t);
		break;
	case VTERM_PROP_TITLE:
		/* libvterm hands a stack copy: keep our own. */
		len = strnlen(val->string, TERM_MAX_TITLE);
		t->title = xrealloc(t->title, len + 1);
		memcpy(t->title, val->string, len);
		t->title[len] = '\0';
		if (t->cbs.on_title != NULL)
			t->cbs.on_title(t->ud);
		break;
	default:
		break;
	}
	/* 1: libvterm stores the property (the alt screen needs that). */
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

static int
on_resize(int rows, int cols, void *user)
{
	(void)rows;
	(void)cols;
	(void)user;
	return 1;
}

static const VTermScreenCallbacks screen_cbs = {
	.damage = on_damage,
	.moverect = on_moverect,
	.movecursor = on_movecursor,
	.settermprop = on_settermprop,
	.bell = on_bell,
	.resize = on_resize,
	.sb_pushline = on_sb_pushline,
	.sb_popline = on_sb_popline,
};

static void
on_output(const char *s, size_t len, void *user)
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
	tui_term *t = xcalloc(1, sizeof *t);

	t->rows = clampi(rows, 1, TERM_MAX_ROWS);
	t->cols = clampi(cols, 1, TERM_MAX_COLS);
	t->sb = tui_sb_new(scrollback_lines);
	t->guard = tui_guard_new(vt_write, t);
	if (cbs != NULL)
		t->cbs = *cbs;
	t->ud = ud;
	t->cursor_visible = 1;
	t->dirty = xcalloc((size_t)t->rows, 1);
	t->title = xcalloc(1, 1);

	if ((t->vt = vterm_new(t->rows, t->cols < VTERM_MIN_COLS ?
	    VTERM_MIN_COLS : t->cols)) == NULL) {
		fputs("drover: out of memory\n", stderr);
		abort();
	}
	vterm_set_utf8(t->vt, 1);
	vterm_output_set_callback(t->vt, on_output, t);
	t->state = vterm_obtain_state(t->vt);
	t->screen = vterm_obtain_screen(t->vt);
	vterm_screen_enable_altscreen(t->screen, 1);
	/*
	 * Row merging: one damage call per touched row, and scrolls arrive
	 * as moverect, so exactly the changed rows become dirty.
	 */
	vterm_screen_set_damage_merge(t->screen, VTERM_DAMAGE_ROW);
	vterm_screen_set_callbacks(t->screen, &screen_cbs, t);
	vterm_screen_reset(t->screen, 1);
	mark_all(t);
	return t;
}

void
tui_term_free(tui_term *t)
{
	if (t == NULL)
		return;
	vterm_free(t->vt);
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
	/* Row merging keeps the last row's damage pending until flushed. */
	vterm_screen_flush_damage(t->screen);
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

	vterm_state_get_cursorpos(t->state, &pos);
	pos.row = clampi(pos.row, 0, rows - 1);
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
	vterm_set_size(t->vt, rows, cols < VTERM_MIN_COLS ? VTERM_MIN_COLS :
	    cols);
	reset_after_resize(t, rows, cols);
	vterm_screen_flush_damage(t->screen);
	t->rows = rows;
	t->cols = cols;
	t->dirty = xrealloc(t->dirty, (size_t)rows);
	if (t->offset > tui_sb_count(t->sb))
		t->offset = tui_sb_count(t->sb);
	mark_all(t);
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
static int
history_cell(tui_term *t, int line, int col, tui_cell *out)
{
	VTermScreenCell vc;
	VTermPos pos;

	blank_cell(out);
	if (line < 0 || col < 0 || col >= t->cols ||
	    line >= tui_sb_count(t->sb) + t->rows)
		return -1;
	if (line < tui_sb_count(t->sb)) {
		tui_sb_cell(t->sb, line, col, out);
	} else {
		memset(&vc, 0, sizeof vc);
		pos.row = line - tui_sb_count(t->sb);
		pos.col = col;
		if (!vterm_screen_get_cell(t->screen, pos, &vc))
			return -1;
		cell_from_vterm(&vc, out);
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
		blank_cell(out);
		return -1;
	}
	return history_cell(t, tui_sb_count(t->sb) - t->offset + row, col, out);
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
	mark_all(t);
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
	return t->altscreen;
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

/* ---- scrollback view ----------------------------------------------- */

int
tui_term_scroll(tui_term *t, int delta)
{
	int off = t->offset;

	/* Computed in long long: delta may be INT_MIN or INT_MAX. */
	long long want = (long long)off + delta;

	if (want < 0)
		want = 0;
	if (want > tui_sb_count(t->sb))
		want = tui_sb_count(t->sb);
	t->offset = (int)want;
	if (t->offset != off)
		mark_all(t);
	return t->offset;
}

void
tui_term_scroll_reset(tui_term *t)
{
	if (t->offset != 0)
		mark_all(t);
	t->offset = 0;
}

int
tui_term_view_offset(const tui_term *t)
{
	return t->offset;
}

int
tui_term_sb_lines(const tui_term *t)
{
	return tui_sb_count(t->sb);
}

int
tui_term_history_lines(const tui_term *t)
{
	return tui_sb_count(t->sb) + t->rows;
}

int
tui_term_scroll_to(tui_term *t, int line)
{
	int off;

	if (line < 0 || line >= tui_sb_count(t->sb) + t->rows)
		return -1;
	/* A screen line is visible live; a scrollback line goes on top. */
	off = line >= tui_sb_count(t->sb) ? 0 : tui_sb_count(t->sb) - line;
	if (off != t->offset)
		mark_all(t);
	t->offset = off;
	return off;
}

/* ---- text and search ----------------------------------------------- */

static size_t
utf8_put(uint32_t c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		out[0] = (char)(0xc0 | (c >> 6));
		out[1] = (char)(0x80 | (c & 0x3f));
		return 2;
	}
	if (c < 0x10000) {
		out[0] = (char)(0xe0 | (c >> 12));
		out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		out[2] = (char)(0x80 | (c & 0x3f));
		return 3;
	}
	if (c > 0x10ffff)
		c = 0xfffd;
	out[0] = (char)(0xf0 | (c >> 18));
	out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
	out[3] = (char)(0x80 | (c & 0x3f));
	return 4;
}

char *
tui_term_line_text(tui_term *t, int line)
{
	size_t len = 0, keep = 0;
	tui_cell c;
	char *s;
	int col, i;

	if (line < 0 || line >= tui_sb_count(t->sb) + t->rows)
		return NULL;
	s = xcalloc((size_t)t->cols * TUI_CELL_MAX_CHARS * 4 + 1, 1);
	for (col = 0; col < t->cols; col++) {
		history_cell(t, line, col, &c);
		if (c.width == 0)
			continue;
		if (c.nchars == 0) {
			s[len++] = ' ';
			continue;
		}
		for (i = 0; i < c.nchars; i++)
			len += utf8_put(c.chars[i], s + len);
		keep = len;
	}
	s[keep] = '\0';
	return s;
}

int
tui_term_search(tui_term *t, const char *needle, int from_line, int backwards)
{
	int total = tui_sb_count(t->sb) + t->rows, line, step = backwards ? -1 : 1;
	char *text;
	int found;

	if (needle == NULL || *needle == '\0' || total == 0)
		return -1;
	if (from_line < 0)
		line = backwards ? total - 1 : 0;
	else
		line = from_line >= total ? total - 1 : from_line;
	for (; line >= 0 && line < total; line += step) {
		text = tui_term_line_text(t, line);
		found = text != NULL && strstr(text, needle) != NULL;
		free(text);
		if (found)
			return line;
	}
	return -1;
}

/* ---- input --------------------------------------------------------- */

static const VTermKey keymap[TUI_KEY__COUNT] = {
	[TUI_KEY_NONE] = VTERM_KEY_NONE,
	[TUI_KEY_ENTER] = VTERM_KEY_ENTER,
	[TUI_KEY_TAB] = VTERM_KEY_TAB,
	[TUI_KEY_BACKSPACE] = VTERM_KEY_BACKSPACE,
	[TUI_KEY_ESC] = VTERM_KEY_ESCAPE,
	[TUI_KEY_UP] = VTERM_KEY_UP,
	[TUI_KEY_DOWN] = VTERM_KEY_DOWN,
	[TUI_KEY_LEFT] = VTERM_KEY_LEFT,
	[TUI_KEY_RIGHT] = VTERM_KEY_RIGHT,
	[TUI_KEY_INS] = VTERM_KEY_INS,
	[TUI_KEY_DEL] = VTERM_KEY_DEL,
	[TUI_KEY_HOME] = VTERM_KEY_HOME,
	[TUI_KEY_END] = VTERM_KEY_END,
	[TUI_KEY_PGUP] = VTERM_KEY_PAGEUP,
	[TUI_KEY_PGDN] = VTERM_KEY_PAGEDOWN,
};

static VTermModifier
vmods(int mods)
{
	return (VTermModifier)(mods & (TUI_MOD_SHIFT | TUI_MOD_ALT | TUI_MOD_CTRL));
}

void
tui_term_key(tui_term *t, int key, int mods)
{
	VTermKey k;

	if (key <= TUI_KEY_NONE || key >= TUI_KEY__COUNT)
		return;
	if (key >= TUI_KEY_F1)
		k = (VTermKey)VTERM_KEY_FUNCTION(key - TUI_KEY_F1 + 1);
	else
		k = keymap[key];
	vterm_keyboard_key(t->vt, k, vmods(mods));
}

void
tui_term_char(tui_term *t, uint32_t c, int mods)
{
	VTermModifier m = vmods(mods);

	if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return;
	/*
	 * libvterm 0.1 encodes Ctrl+i/j/m/[ and Ctrl+non-letters as CSI u,
	 * which shells and most programs do not read. Send the C0 byte a
	 * terminal sends instead; Alt still adds its ESC prefix.
	 */
	if (c < 0x20 || c == 0x7f) {
		/* Already a control byte (as curses delivers C-a): as is. */
		vterm_keyboard_unichar(t->vt, c, m & VTERM_MOD_ALT);
		return;
	}
	if ((m & VTERM_MOD_CTRL) != 0) {
		uint32_t b = c;

		if (b >= 'a' && b <= 'z')
			b -= 'a' - 'A';
		if (b == ' ' || b == '@')
			b = 0;
		else if (b == '?')
			b = 0x7f;
		else if (b >= 'A' && b <= '_')
			b &= 0x1f;
		else
			b = (uint32_t)-1;
		if (b != (uint32_t)-1) {
			vterm_keyboard_unichar(t->vt, b, m & VTERM_MOD_ALT);
			return;
		}
	}
	vterm_keyboard_unichar(t->vt, c, m);
}

void
tui_term_paste(tui_term *t, const char *s, size_t len)
{
	char buf[512];
	size_t i, n = 0;
	int bracketed;

	/* libvterm has no getter for the mode: see if it emits the bracket. */
	t->probing = 1;
	t->probed = 0;
	vterm_keyboard_start_paste(t->vt);
	t->probing = 0;
	bracketed = t->probed > 0;

	for (i = 0; i < len; i++) {
		char ch = s[i];

		if (ch == '\r' && i + 1 < len && s[i + 1] == '\n')
			continue;               /* \r\n -> \r */
		if (ch == '\n')
			ch = '\r';
		if (ch == '\x1b' && bracketed)
			continue;
		buf[n++] = ch;
		if (n == sizeof buf) {
			on_output(buf, n, t);
			n = 0;
		}
	}
	if (n > 0)
		on_output(buf, n, t);
	vterm_keyboard_end_paste(t->vt);
}
