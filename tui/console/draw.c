/*
 * tui/console/draw.c - the console's one drawing place, called once per
 * frame by frame.c after the layout is applied: panes (draw_pane.c) or the
 * fan-out board or the compact list, the sidebar, the status bar, dialogs
 * and help, then one doupdate. It reads state and consumes damage marks;
 * it changes nothing else. Styles come from the theme by element
 * (palette.c); everything drawn from remote text is sanitised.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "tui/console/console.h"
#include "tui/console/server.h"
#include "tui/console/provide_curses.h"

#define use tui_palette_use
#define put_text tui_draw_str
#define fill(y, x, w, ch) tui_draw_hline((y), (x), (w), (ch))

/* ---- text ---- */

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

int
tui_draw_str(int y, int x, int w, const char *s)
{
	return tui_draw_text(y, x, w, s != NULL ? s : "", s != NULL ? strlen(s) : 0);
}

void
tui_draw_hline(int y, int x, int w, unsigned long ch)
{
	int i;

	for (i = 0; i < w; i++)
		mvaddch(y, x + i, (chtype)ch);
}

void
tui_draw_fill(int y, int x, int w)
{
	tui_draw_hline(y, x, w, ' ');
}

/* ---- compact view, sidebar, status, dialogs, help ---- */

static void
draw_compact(const tui_console *con, tui_rect area)
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
		put_text(area.y + row, area.x + 6, 24, p->host.name);
		use(con, tui_pane_state_element(p));
		tui_pane_state_text(con, p, st, sizeof(st));
		sw = put_text(area.y + row, area.x + 31, area.w - 31, st);
		/* The reason in its own column, after a long state if need be. */
		sw = 31 + (sw + 1 > 12 ? sw + 1 : 12);
		if (p->why != NULL && p->st != TUI_PANE_READY && sw < area.w)
			put_text(area.y + row, area.x + sw, area.w - sw, p->why);
	}
	use(con, CFG_EL_STATUS_BAR);
	if (area.h >= 3) {
		char *zoom = tui_command_keys(con, "zoom"), line[160];

		snprintf(line, sizeof(line), "panes too small: Up/Down select, Enter zooms one, "
		    "%s back", zoom);
		put_text(area.y + area.h - 1, area.x, area.w, line);
		free(zoom);
	}
}

static void
draw_sidebar(const tui_console *con)
{
	int i, h = con->rows - 1, top = tui_sidebar_top(con, h - 1);

	use(con, CFG_EL_SIDEBAR);
	for (i = 0; i < h; i++)
		fill(i, 0, 21, ' ');
	put_text(0, 1, 20, "hosts");
	for (i = top; i < (int)con->side.n && i - top + 1 < h; i++) {
		use(con, i == con->sidebar_sel ? CFG_EL_SIDEBAR_SELECTED : CFG_EL_SIDEBAR);
		put_text(i - top + 1, 1, 20, con->side.v[i]);
	}
	use(con, CFG_EL_PANE_BORDER);
	for (i = 0; i < h; i++)
		mvaddch(i, 21, ACS_VLINE);
}

static void
draw_status(const tui_console *con)
{
	char left[400], right[300];
	int up = 0, i, y = con->rows - 1;

	for (i = 0; i < con->npanes; i++)
		up += con->panes[i]->st == TUI_PANE_READY;
	use(con, CFG_EL_STATUS_BAR);
	fill(y, 0, con->cols, ' ');
	snprintf(left, sizeof(left), " %s  %d/%d up  layout %s%s ", con->srv != NULL ?
	    con->srv->name : "drover", up, con->npanes, tui_layout_name(con->layout),
	    con->zoom >= 0 ? " (zoom)" : "");
	/* The windows, tmux-style: "0:web* 1:db"; names are the user's text. */
	for (i = 0; i < con->nwins && con->nwins > 1; i++) {
		size_t l = strlen(left);
		char *nm = tui_sanitize_str(con->wins[i].name);

		snprintf(left + l, sizeof(left) - l, " %d:%.16s%s", i, nm, i == con->cur ? "*" : "");
		free(nm);
	}
	put_text(y, 0, con->cols, left);
	if (con->broadcast) {
		char b[64];
		int n = 0;

		for (i = 0; i < con->npanes; i++)
			n += tui_console_types_into(con, con->panes[i]);
		use(con, CFG_EL_PANE_BROADCAST);
		snprintf(b, sizeof(b), " BROADCAST to %d ", n);
		put_text(y, (int)strlen(left) + 2, 24, b);
	}
	use(con, con->status_until > uv_now(con->loop) ? CFG_EL_STATUS_WARN : CFG_EL_STATUS_BAR);
	if (con->status_until > uv_now(con->loop))
		snprintf(right, sizeof(right), "%s ", con->status);
	else if (con->prefix)
		snprintf(right, sizeof(right), "prefix: ? for keys ");
	else if (con->scroll_mode && con->npanes > 0)
		snprintf(right, sizeof(right), "scroll: %d of %d lines up  PgUp/PgDn  / n N  "
		    "q or End: live ", tui_term_view_offset(con->panes[con->focus]->term),
		    tui_term_sb_lines(con->panes[con->focus]->term));
	else
		snprintf(right, sizeof(right), "%s ? help ", cfg_keymap_prefix_name(con->cfg->keys));
	i = (int)strlen(right);
	if (i < con->cols / 2)
		put_text(y, con->cols - i, i, right);
	else
		put_text(y, con->cols / 2, con->cols / 2, right);
}

static void
draw_box(const tui_console *con, int y, int x, int h, int w)
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
draw_dialog(const tui_console *con)
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

/* The bindings, generated from the command table: all of the width, scrolling. */
static void
draw_help(const tui_console *con)
{
	char *text = cfg_keymap_format(con->cfg->keys), *p, *nl, title[96];
	int h = con->rows - 2, w = con->cols - 2, y = 1, x = 1, line = 0, lines = 0, top;

	if (text == NULL || h < 5 || w < 20) {
		free(text);
		return;
	}
	for (p = text; *p != '\0'; p++)
		lines += *p == '\n';
	/* Clamped here for drawing; the key handler keeps its own count. */
	top = con->help_top > lines - (h - 2) ? lines - (h - 2) : con->help_top;
	if (top < 0)
		top = 0;
	draw_box(con, y, x, h, w);
	use(con, CFG_EL_DIALOG);
	snprintf(title, sizeof(title), " keys %d-%d of %d (Up/Down/PgUp/PgDn scroll, q closes) ",
	    lines > 0 ? top + 1 : 0, top + (h - 2) < lines ? top + (h - 2) : lines, lines);
	put_text(y, x + 2, w - 4, title);
	for (p = text; p != NULL && *p && line < top + h - 2; p = nl ? nl + 1 : NULL, line++) {
		nl = strchr(p, '\n');
		if (nl != NULL)
			*nl = '\0';
		if (line >= top)
			put_text(y + 1 + line - top, x + 2, w - 4, p);
	}
	free(text);
}

/* What to do with no panes open: the keys as they are bound now. */
static void
draw_empty(const tui_console *con, tui_rect area)
{
	char *keys = tui_command_keys(con, "add-host"), line[256];

	if (con->sidebar)
		snprintf(line, sizeof(line), "Pick a host or group in the sidebar (Up/Down; Enter "
		    "opens shells, t follows a file on them), or %s to add hosts by target "
		    "expression.", keys);
	else
		snprintf(line, sizeof(line), "No panes: %s adds hosts.", keys);
	use(con, CFG_EL_DEFAULT);
	put_text(area.y + 1, area.x + 2, area.w - 2, line);
	free(keys);
}

/* prefix q: each pane's number in its middle, for the digit that follows. */
static void
draw_pane_numbers(const tui_console *con)
{
	char num[16];
	int i;

	use(con, CFG_EL_STATUS_WARN);
	for (i = 0; i < con->npanes && i < 9; i++) {
		const tui_pane *p = con->panes[i];

		if (p->rect.w < 5 || p->rect.h < 1)
			continue;
		snprintf(num, sizeof(num), " %d ", i + 1);
		put_text(p->rect.y + p->rect.h / 2, p->rect.x + p->rect.w / 2 - 1, 3, num);
	}
}

void
tui_draw_frame(tui_console *con)
{
	int i, full = con->full_dirty;
	tui_rect area = tui_console_area(con);

	if (full) {
		attr_set(A_NORMAL, 0, NULL);
		erase();
	}
	if (con->sidebar && full)
		draw_sidebar(con);
	if (con->xboard != NULL && con->xboard_shown) {
		tui_xboard_draw(con->xboard, area);
	} else if (con->tail != NULL && con->tail_shown) {
		tui_tailpane_draw(con->tail, area);
	} else if (con->board != NULL && con->board_shown) {
		tui_board_draw(con->board, area);
	} else if (con->compact) {
		draw_compact(con, area);
	} else {
		for (i = 0; i < con->npanes; i++)
			tui_draw_pane(con, con->panes[i], i, full);
		if (con->npanes == 0 && full)
			draw_empty(con, area);
	}
	draw_status(con);
	if (con->pick_pane && !con->compact)
		draw_pane_numbers(con);
	if (con->help)
		draw_help(con);
	if (con->dialogs != NULL)
		draw_dialog(con);
	con->full_dirty = con->help || con->dialogs != NULL || con->pick_pane;
	/* The focused pane's cursor, where the application put it. */
	if (con->dialogs == NULL && !con->help && !con->board_shown && !con->tail_shown &&
	    !con->xboard_shown &&
	    !con->compact &&
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
