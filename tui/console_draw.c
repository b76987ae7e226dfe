/*
 * tui/console_draw.c - the console's one drawing place, called at most once
 * per frame: pane borders and titles, terminal cells of damaged rows only,
 * sidebar, compact list, status bar, dialogs, help. Styles come from the
 * theme by element name; terminal colours go through a (fg,bg) -> pair
 * cache (extended pairs, RGB quantised to 256 colours unless the terminal
 * has direct colour). Everything drawn from remote text is sanitised.
 */
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "tui/provide_curses.h"
#include "tui/tui_int.h"

/* ---- colour pairs ---- */

#define PAIR_SLOTS 4096

static struct {
	int fg, bg, pair;
} pairs[PAIR_SLOTS];
static int npairs_used;
static int direct_color;
static int mono;            /* no colours: NO_COLOR, mono theme, no terminal colours */

static int
pair_for(int fg, int bg)
{
	unsigned h = ((unsigned)fg * 31u + (unsigned)bg * 7u + 17u) % PAIR_SLOTS;
	int tries;

	if (fg == -1 && bg == -1)
		return 0;
	for (tries = 0; tries < PAIR_SLOTS; tries++, h = (h + 1) % PAIR_SLOTS) {
		if (pairs[h].pair == 0)
			break;
		if (pairs[h].fg == fg && pairs[h].bg == bg)
			return pairs[h].pair;
	}
	if (npairs_used + 1 >= COLOR_PAIRS - 1 || npairs_used + 1 >= PAIR_SLOTS / 2) {
		/* Full: start over (the next frame redraws everything anyway). */
		memset(pairs, 0, sizeof(pairs));
		npairs_used = 0;
		h = ((unsigned)fg * 31u + (unsigned)bg * 7u + 17u) % PAIR_SLOTS;
	}
	pairs[h].fg = fg;
	pairs[h].bg = bg;
	pairs[h].pair = ++npairs_used;
	init_extended_pair(pairs[h].pair, fg, bg);
	return pairs[h].pair;
}

/* xterm's 256-colour cube and grey ramp, nearest match. */
static int
rgb_to_256(int r, int g, int b)
{
	static const int steps[6] = { 0, 95, 135, 175, 215, 255 };
	int ri, gi, bi, cube, grey, gl, dc, dg, i, best = 0, bd = 1 << 30;

	for (i = 0; i < 6; i++) {
		int d = abs(r - steps[i]);

		if (d < bd) {
			bd = d;
			best = i;
		}
	}
	ri = best;
	bd = 1 << 30;
	for (i = 0; i < 6; i++) {
		int d = abs(g - steps[i]);

		if (d < bd) {
			bd = d;
			best = i;
		}
	}
	gi = best;
	bd = 1 << 30;
	for (i = 0; i < 6; i++) {
		int d = abs(b - steps[i]);

		if (d < bd) {
			bd = d;
			best = i;
		}
	}
	bi = best;
	cube = 16 + 36 * ri + 6 * gi + bi;
	gl = (r + g + b) / 3;
	grey = gl < 8 ? 0 : gl > 238 ? 23 : (gl - 8) / 10;
	dc = abs(r - steps[ri]) + abs(g - steps[gi]) + abs(b - steps[bi]);
	dg = abs(r - (8 + grey * 10)) + abs(g - (8 + grey * 10)) + abs(b - (8 + grey * 10));
	return dg < dc ? 232 + grey : cube;
}

static int
term_color(const tui_color *c)
{
	switch (c->kind) {
	case TUI_COLOR_INDEXED:
		return c->index < COLORS ? c->index : c->index % 8;
	case TUI_COLOR_RGB:
		if (direct_color)
			return (c->r << 16) | (c->g << 8) | c->b;
		if (COLORS >= 256)
			return rgb_to_256(c->r, c->g, c->b);
		return rgb_to_256(c->r, c->g, c->b) % 8;
	default:
		return -1;
	}
}

/* ---- theme styles ---- */

typedef struct {
	attr_t attr;
	int pair;
} style;

static style
style_of(tui_console *con, cfg_element el)
{
	const cfg_style *s = cfg_theme_style(con->theme, el);
	style out = { A_NORMAL, 0 };
	int fg, bg;

	if (s == NULL)
		return out;
	if (s->attrs & CFG_ATTR_BOLD)
		out.attr |= A_BOLD;
	if (s->attrs & CFG_ATTR_UNDERLINE)
		out.attr |= A_UNDERLINE;
	if (s->attrs & CFG_ATTR_REVERSE)
		out.attr |= A_REVERSE;
	if (s->attrs & CFG_ATTR_DIM)
		out.attr |= A_DIM;
	if (s->attrs & CFG_ATTR_ITALIC)
		out.attr |= A_ITALIC;
	if (s->attrs & CFG_ATTR_BLINK)
		out.attr |= A_BLINK;
	if (has_colors()) {
		fg = cfg_color_index(&s->fg, COLORS);
		bg = cfg_color_index(&s->bg, COLORS);
		out.pair = pair_for(fg, bg);
	}
	return out;
}

static void
use(tui_console *con, cfg_element el)
{
	style s = style_of(con, el);
	int p = s.pair;

	/* Extended pairs travel through the opts pointer. */
	attr_set(s.attr, (short)0, &p);
}

void
tui_draw_init(tui_console *con)
{
	const char *nc = getenv("NO_COLOR");

	if (has_colors() && (nc == NULL || *nc == '\0')) {
		start_color();
		use_default_colors();
		direct_color = COLORS >= (1 << 24);
	}
	con->theme = con->cfg->theme;
	if (!has_colors() || (nc != NULL && *nc != '\0'))
		con->theme = cfg_theme_monochrome();
	/* By name: a mono.ini loaded from disk is not the built-in object. */
	mono = !has_colors() || strcmp(cfg_theme_name(con->theme), "mono") == 0;
	curs_set(0);
}

/* ---- text helpers ---- */

int
tui_draw_text(int y, int x, int w, const char *s, size_t len)
{
	tui_buf safe = { 0 };
	wchar_t wbuf[512];
	size_t n, i;
	int used = 0, cw;

	if (w <= 0)
		return 0;
	tui_sanitize(&safe, s, len);
	n = mbstowcs(wbuf, safe.p != NULL ? safe.p : "", sizeof(wbuf) / sizeof(wbuf[0]) - 1);
	tui_buf_free(&safe);
	if (n == (size_t)-1)
		return 0;
	move(y, x);
	for (i = 0; i < n && used < w; i++) {
		cw = wcwidth(wbuf[i]);
		if (cw < 0)
			cw = 1;
		if (used + cw > w)
			break;
		addnwstr(&wbuf[i], 1);
		used += cw;
	}
	return used;
}

/* Writes sanitised UTF-8 at (y, x), at most w columns; returns columns used. */
static int
put_text(int y, int x, int w, const char *s)
{
	return tui_draw_text(y, x, w, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

static void
fill(int y, int x, int w, chtype ch)
{
	int i;

	for (i = 0; i < w; i++)
		mvaddch(y, x + i, ch);
}

static const char *
state_word(const tui_pane *p)
{
	switch (p->st) {
	case TUI_PANE_CONNECTING: return "connecting";
	case TUI_PANE_AUTH: return "auth";
	case TUI_PANE_READY: return "ready";
	case TUI_PANE_LOST: return "lost";
	case TUI_PANE_FAILED: return "failed";
	default: return "closed";
	}
}

/*
 * The state as the title and the compact list show it: "ready", "lost, retry
 * in 4s", "connecting, retry 3" (an automatic attempt, the third in a row).
 */
static void
state_text(tui_console *con, const tui_pane *p, char *buf, size_t len)
{
	uint64_t now = uv_now(con->loop);

	if (p->retry_at != 0 && (p->st == TUI_PANE_LOST || p->st == TUI_PANE_FAILED))
		snprintf(buf, len, "%s, retry in %llus", state_word(p),
		    p->retry_at > now ? (unsigned long long)((p->retry_at - now + 999) / 1000) : 0ull);
	else if (p->attempts > 0 && (p->st == TUI_PANE_CONNECTING || p->st == TUI_PANE_AUTH))
		snprintf(buf, len, "%s, retry %d", state_word(p), p->attempts);
	else
		snprintf(buf, len, "%s", state_word(p));
}

/* ---- panes ---- */

static void
draw_cell(tui_console *con, const tui_cell *c, int y, int x)
{
	cchar_t cc;
	wchar_t wc[TUI_CELL_MAX_CHARS + 1];
	attr_t a = A_NORMAL;
	int i, n = 0, fg, bg, pair;

	(void)con;
	if (c->width == 0)
		return;   /* right half of a wide character */
	for (i = 0; i < c->nchars && i < TUI_CELL_MAX_CHARS; i++) {
		uint32_t cp = c->chars[i];

		/* The emulator never hands us controls, but be strict anyway. */
		if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
			cp = '?';
		wc[n++] = (wchar_t)cp;
	}
	if (n == 0)
		wc[n++] = L' ';
	wc[n] = L'\0';
	if (c->attrs & TUI_ATTR_BOLD)
		a |= A_BOLD;
	if (c->attrs & TUI_ATTR_UNDERLINE)
		a |= A_UNDERLINE;
	if (c->attrs & TUI_ATTR_REVERSE)
		a |= A_REVERSE;
	if (c->attrs & TUI_ATTR_ITALIC)
		a |= A_ITALIC;
	if (c->attrs & TUI_ATTR_BLINK)
		a |= A_BLINK;
	if (c->attrs & TUI_ATTR_DIM)
		a |= A_DIM;
	pair = 0;
	if (!mono) {
		fg = term_color(&c->fg);
		bg = term_color(&c->bg);
		pair = pair_for(fg, bg);
	}
	setcchar(&cc, wc, a, 0, &pair);
	mvadd_wch(y, x, &cc);
}

static void
draw_title(tui_console *con, tui_pane *p, int idx)
{
	tui_rect r = p->rect;
	int focus = idx == con->focus, used, x;
	char head[64], st[64];
	cfg_element st_el;

	use(con, focus ? CFG_EL_PANE_BORDER_FOCUS : CFG_EL_PANE_BORDER);
	fill(r.y, r.x, r.w, ACS_HLINE);
	if (r.w < 4)
		return;
	x = r.x + 1;
	use(con, focus ? CFG_EL_PANE_TITLE_FOCUS : CFG_EL_PANE_TITLE);
	snprintf(head, sizeof(head), " %d ", idx + 1);
	x += put_text(r.y, x, r.x + r.w - x, head);
	use(con, (cfg_element)(CFG_EL_HOST_1 + p->color % 8));
	x += put_text(r.y, x, r.x + r.w - x, p->name);
	st_el = p->st == TUI_PANE_READY ? CFG_EL_STATUS_OK :
	    (p->st == TUI_PANE_LOST || p->st == TUI_PANE_FAILED) ? CFG_EL_STATUS_ERR :
	    CFG_EL_STATUS_WARN;
	use(con, st_el);
	x += put_text(r.y, x, r.x + r.w - x, " [");
	state_text(con, p, st, sizeof(st));
	x += put_text(r.y, x, r.x + r.w - x, st);
	if (p->why != NULL && p->st != TUI_PANE_READY) {
		x += put_text(r.y, x, r.x + r.w - x, ": ");
		x += put_text(r.y, x, r.x + r.w - x, p->why);
	}
	x += put_text(r.y, x, r.x + r.w - x, "] ");
	if (p->armed || (con->broadcast && !p->armed && 0)) {
		use(con, CFG_EL_PANE_BROADCAST);
		x += put_text(r.y, x, r.x + r.w - x, con->broadcast ? "<<BROADCAST>> " : "<armed> ");
	}
	if (tui_term_view_offset(p->term) > 0) {
		char sc[32];

		use(con, CFG_EL_STATUS_WARN);
		snprintf(sc, sizeof(sc), "[scroll -%d] ", tui_term_view_offset(p->term));
		put_text(r.y, x, r.x + r.w - x, sc);
	}
	used = 0;
	(void)used;
}

static void
draw_separator(tui_console *con, tui_pane *p)
{
	int y;

	if (p->inner.w >= p->rect.w)
		return;
	use(con, CFG_EL_PANE_BORDER);
	for (y = p->rect.y + 1; y < p->rect.y + p->rect.h; y++)
		mvaddch(y, p->rect.x + p->rect.w - 1, ACS_VLINE);
}

static void
draw_pane(tui_console *con, tui_pane *p, int idx, int full)
{
	unsigned char dirty[1024];
	tui_cell cell;
	int rows, cols, y, x, any;

	if (p->rect.w <= 0 || p->rect.h <= 0)
		return;
	if (full || p->title_dirty) {
		draw_title(con, p, idx);
		draw_separator(con, p);
		p->title_dirty = 0;
	}
	tui_term_size(p->term, &rows, &cols);
	if (rows > (int)sizeof(dirty))
		rows = (int)sizeof(dirty);
	if (full)
		tui_term_touch(p->term);
	any = tui_term_take_dirty(p->term, dirty);
	if (!any)
		return;
	attr_set(A_NORMAL, 0, NULL);
	for (y = 0; y < rows && y < p->inner.h; y++) {
		if (!dirty[y])
			continue;
		for (x = 0; x < cols && x < p->inner.w; x++) {
			tui_term_cell(p->term, y, x, &cell);
			if (cell.width == 2 && x + 1 >= p->inner.w)
				cell.width = 1, cell.nchars = 0;
			draw_cell(con, &cell, p->inner.y + y, p->inner.x + x);
		}
	}
}

/* ---- compact view, sidebar, status, dialogs, help ---- */

static void
draw_compact(tui_console *con, tui_rect area)
{
	int i, row, top = 0, rows = area.h - 2;

	if (rows < 1)
		rows = area.h;
	/* Keep the selection in view. */
	if (con->compact_sel >= rows)
		top = con->compact_sel - rows + 1;
	for (row = 0; row < area.h; row++)
		fill(area.y + row, area.x, area.w, ' ');
	for (i = top, row = 0; i < con->npanes && row < rows; i++, row++) {
		tui_pane *p = con->panes[i];
		char line[64], st[64];
		int sw;

		use(con, i == con->compact_sel ? CFG_EL_SIDEBAR_SELECTED : CFG_EL_DEFAULT);
		fill(area.y + row, area.x, area.w, ' ');
		snprintf(line, sizeof(line), "%3d %s", i + 1, p->armed ? "*" : " ");
		put_text(area.y + row, area.x, area.w, line);
		use(con, (cfg_element)(CFG_EL_HOST_1 + p->color % 8));
		put_text(area.y + row, area.x + 6, 24, p->name);
		use(con, p->st == TUI_PANE_READY ? CFG_EL_STATUS_OK :
		    p->st == TUI_PANE_LOST || p->st == TUI_PANE_FAILED ? CFG_EL_STATUS_ERR :
		    CFG_EL_STATUS_WARN);
		state_text(con, p, st, sizeof(st));
		sw = put_text(area.y + row, area.x + 31, area.w - 31, st);
		/* The reason in its own column, after a long state if need be. */
		sw = 31 + (sw + 1 > 12 ? sw + 1 : 12);
		if (p->why != NULL && p->st != TUI_PANE_READY && sw < area.w)
			put_text(area.y + row, area.x + sw, area.w - sw, p->why);
	}
	use(con, CFG_EL_STATUS_BAR);
	if (area.h >= 3)
		put_text(area.y + area.h - 1, area.x, area.w,
		    "panes too small: Up/Down select, Enter zooms one, prefix+z back");
}

static void
draw_sidebar(tui_console *con)
{
	int i, n = (int)(con->inv->nhosts + con->inv->naliases), h = con->rows - 1;

	use(con, CFG_EL_SIDEBAR);
	for (i = 0; i < h; i++)
		fill(i, 0, 21, ' ');
	put_text(0, 1, 20, "hosts");
	for (i = 0; i < n && i + 1 < h; i++) {
		const char *name = i < (int)con->inv->nhosts ? con->inv->hosts[i].name :
		    con->inv->aliases[i - (int)con->inv->nhosts];

		use(con, i == con->sidebar_sel ? CFG_EL_SIDEBAR_SELECTED : CFG_EL_SIDEBAR);
		put_text(i + 1, 1, 20, name);
	}
	use(con, CFG_EL_PANE_BORDER);
	for (i = 0; i < h; i++)
		mvaddch(i, 21, ACS_VLINE);
}

static void
draw_status(tui_console *con)
{
	char left[160], right[300];
	int up = 0, i, armed = 0, y = con->rows - 1;

	for (i = 0; i < con->npanes; i++) {
		up += con->panes[i]->st == TUI_PANE_READY;
		armed += con->panes[i]->armed;
	}
	use(con, CFG_EL_STATUS_BAR);
	fill(y, 0, con->cols, ' ');
	snprintf(left, sizeof(left), " drover  %d/%d up  layout %s%s", up, con->npanes,
	    tui_layout_name(con->layout), con->zoom >= 0 ? " (zoom)" : "");
	put_text(y, 0, con->cols, left);
	if (con->broadcast) {
		char b[64];

		use(con, CFG_EL_PANE_BROADCAST);
		snprintf(b, sizeof(b), " BROADCAST to %d ", armed ? armed : con->npanes);
		put_text(y, (int)strlen(left) + 2, 24, b);
	}
	use(con, con->status_until > uv_now(con->loop) ? CFG_EL_STATUS_WARN : CFG_EL_STATUS_BAR);
	if (con->status_until > uv_now(con->loop))
		snprintf(right, sizeof(right), "%s ", con->status);
	else if (con->prefix)
		snprintf(right, sizeof(right), "prefix: ? for keys ");
	else if (con->scroll_mode)
		snprintf(right, sizeof(right), "scroll: PgUp/PgDn / n N, q to leave ");
	else
		snprintf(right, sizeof(right), "%s ? help ", cfg_keymap_prefix_name(con->cfg->keys));
	i = (int)strlen(right);
	if (i < con->cols / 2)
		put_text(y, con->cols - i, i, right);
	else
		put_text(y, con->cols / 2, con->cols / 2, right);
}

static void
draw_box(tui_console *con, int y, int x, int h, int w)
{
	int i;

	use(con, CFG_EL_DIALOG);
	for (i = 0; i < h; i++)
		fill(y + i, x, w, ' ');
	use(con, CFG_EL_DIALOG_BORDER);
	mvaddch(y, x, ACS_ULCORNER);
	mvaddch(y, x + w - 1, ACS_URCORNER);
	mvaddch(y + h - 1, x, ACS_LLCORNER);
	mvaddch(y + h - 1, x + w - 1, ACS_LRCORNER);
	for (i = 1; i < w - 1; i++) {
		mvaddch(y, x + i, ACS_HLINE);
		mvaddch(y + h - 1, x + i, ACS_HLINE);
	}
	for (i = 1; i < h - 1; i++) {
		mvaddch(y + i, x, ACS_VLINE);
		mvaddch(y + i, x + w - 1, ACS_VLINE);
	}
}

/* Word-wraps sanitised text into at most maxl lines of w columns. */
static int
wrap_lines(const char *text, int w, char lines[][256], int maxl)
{
	char *safe = tui_sanitize_str(text), *p = safe;
	int n = 0;

	while (*p != '\0' && n < maxl) {
		int len = (int)strlen(p), cut = len;

		if (len > w) {
			cut = w;
			while (cut > 0 && p[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = w;
		}
		if (cut > 255)
			cut = 255;
		memcpy(lines[n], p, (size_t)cut);
		lines[n++][cut] = '\0';
		p += cut;
		while (*p == ' ')
			p++;
	}
	free(safe);
	return n;
}

static void
draw_dialog(tui_console *con)
{
	tui_dialog *d = con->dialogs;
	char lines[6][256];
	int w = con->cols - 8 < 76 ? con->cols - 8 : 76, h, y, x, n, i, row;

	if (w < 20)
		return;
	n = wrap_lines(d->text, w - 4, lines, 6);
	h = n + 6;
	if (con->rows < h + 2)
		return;
	y = (con->rows - h) / 2;
	x = (con->cols - w) / 2;
	draw_box(con, y, x, h, w);
	use(con, CFG_EL_DIALOG);
	put_text(y, x + 2, w - 4, d->title);
	row = y + 1;
	if (d->detail != NULL && d->kind == ENG_PROMPT_KBDINT && d->c != NULL)
		put_text(row, x + 2, w - 4, d->detail);
	row++;
	for (i = 0; i < n; i++)
		put_text(row++, x + 2, w - 4, lines[i]);
	row++;
	if (d->c != NULL && d->kind == ENG_PROMPT_HOSTKEY) {
		put_text(row - 1, x + 2, w - 4, "y + Enter: trust and record it.  "
		    "Enter or Esc: refuse.");
		put_text(row, x + 2, w - 4, "> ");
		put_text(row, x + 4, w - 6, d->input);
	} else if (d->echo) {
		put_text(row, x + 2, w - 4, "> ");
		put_text(row, x + 4, w - 6, d->input);
	} else {
		/* Secrets are not echoed, not even as a count. */
		put_text(row, x + 2, w - 4, "> (input hidden)");
	}
	put_text(y + h - 2, x + 2, w - 4, "Enter: answer   Esc: decline");
}

static void
draw_help(tui_console *con)
{
	char *text = cfg_keymap_format(con->cfg->keys);
	int h = con->rows - 4, w = con->cols - 8 < 80 ? con->cols - 8 : 80, y = 2, x, line = 0;
	char *p, *nl;

	if (text == NULL || h < 5 || w < 30) {
		free(text);
		return;
	}
	x = (con->cols - w) / 2;
	draw_box(con, y, x, h, w);
	use(con, CFG_EL_DIALOG);
	put_text(y, x + 2, w - 4, " keys (any key closes) ");
	for (p = text; p != NULL && *p && line < h - 2; p = nl ? nl + 1 : NULL, line++) {
		nl = strchr(p, '\n');
		if (nl != NULL)
			*nl = '\0';
		put_text(y + 1 + line, x + 2, w - 4, p);
	}
	free(text);
}

void
tui_draw_frame(tui_console *con)
{
	int i, full = con->full_dirty;
	tui_rect area;

	if (con->layout_dirty)
		tui_console_relayout(con);
	if (full) {
		attr_set(A_NORMAL, 0, NULL);
		erase();
	}
	area.x = con->sidebar ? 22 : 0;
	area.y = 0;
	area.w = con->cols - area.x;
	area.h = con->rows - 1;
	if (con->sidebar && full)
		draw_sidebar(con);
	if (con->board != NULL) {
		tui_board_draw(con->board, area);
	} else if (con->compact) {
		draw_compact(con, area);
	} else {
		for (i = 0; i < con->npanes; i++)
			draw_pane(con, con->panes[i], i, full);
		if (con->npanes == 0 && full) {
			use(con, CFG_EL_DEFAULT);
			put_text(area.y + 1, area.x + 2, area.w - 2,
			    con->sidebar ? "Pick a host in the sidebar (Up/Down, Enter), or prefix + a "
			    "to add hosts by target expression." :
			    "No panes: prefix + a adds hosts.");
		}
	}
	draw_status(con);
	if (con->help)
		draw_help(con);
	if (con->dialogs != NULL)
		draw_dialog(con);
	con->full_dirty = con->help || con->dialogs != NULL;
	/* The focused pane's cursor, where the application put it. */
	if (con->dialogs == NULL && !con->help && con->board == NULL && !con->compact &&
	    con->npanes > 0) {
		tui_pane *p = con->panes[con->focus];
		int cr, cc, vis;

		tui_term_cursor(p->term, &cr, &cc, &vis);
		if (vis && cr < p->inner.h && cc < p->inner.w && p->inner.w > 0) {
			move(p->inner.y + cr, p->inner.x + cc);
			curs_set(1);
		} else {
			curs_set(0);
		}
	} else {
		curs_set(0);
	}
	wnoutrefresh(stdscr);
	doupdate();
}
