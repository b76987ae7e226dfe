/*
 * tui/console/draw_pane.c - drawing one pane: its title row (number, host
 * in its colour, state and reason, armed / broadcast and scroll marks),
 * the separator column, and the emulator's cells of damaged rows only.
 * Called by draw.c during a frame; reads the pane and its emulator.
 */
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "tui/console/console.h"
#include "tui/console/provide_curses.h"

#define use tui_palette_use
#define put_text tui_draw_str
#define fill(y, x, w, ch) tui_draw_hline((y), (x), (w), (ch))

const char *
tui_pane_state_word(const tui_pane *p)
{
	switch (p->st) {
	case TUI_PANE_CONNECTING: return "connecting";
	case TUI_PANE_AUTH: return "auth";
	case TUI_PANE_READY: return p->x != NULL ? "ready" : "exited";
	case TUI_PANE_LOST:
	case TUI_PANE_FAILED:
		/* What stops a retry from helping is named (the CLI's words). */
		if (p->fail == ENG_FAIL_AUTH)
			return "auth failed";
		if (p->fail == ENG_FAIL_HOSTKEY_UNKNOWN || p->fail == ENG_FAIL_HOSTKEY_CHANGED)
			return "host key";
		return p->st == TUI_PANE_LOST ? "lost" : "failed";
	default: return "closed";
	}
}

/*
 * The state as the title and the compact list show it: "ready", "lost, retry
 * in 4s", "connecting, retry 3" (an automatic attempt, the third in a row).
 */
void
tui_pane_state_text(const tui_console *con, const tui_pane *p, char *buf, size_t len)
{
	uint64_t now = uv_now(con->loop);

	if (p->retry_at != 0 && (p->st == TUI_PANE_LOST || p->st == TUI_PANE_FAILED))
		snprintf(buf, len, "%s, retry in %llus", tui_pane_state_word(p),
		    p->retry_at > now ? (unsigned long long)((p->retry_at - now + 999) / 1000) : 0ull);
	else if (p->attempts > 0 && (p->st == TUI_PANE_CONNECTING || p->st == TUI_PANE_AUTH))
		snprintf(buf, len, "%s, retry %d", tui_pane_state_word(p), p->attempts);
	else
		snprintf(buf, len, "%s", tui_pane_state_word(p));
}

cfg_element
tui_pane_state_element(const tui_pane *p)
{
	if (p->st == TUI_PANE_READY)
		return CFG_EL_STATUS_OK;
	if (p->st == TUI_PANE_LOST || p->st == TUI_PANE_FAILED)
		return CFG_EL_STATUS_ERR;
	return CFG_EL_STATUS_WARN;
}

static void
draw_cell(const tui_cell *c, int y, int x)
{
	cchar_t cc;
	wchar_t wc[TUI_CELL_MAX_CHARS + 1];
	attr_t a = A_NORMAL;
	int i, n = 0, fg, bg, pair;

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
	if (!tui_palette_mono()) {
		fg = tui_palette_color(&c->fg);
		bg = tui_palette_color(&c->bg);
		pair = tui_palette_pair(fg, bg);
	}
	setcchar(&cc, wc, a, 0, &pair);
	mvadd_wch(y, x, &cc);
}

static void
draw_match(const tui_console *con, const tui_cell *c, int y, int x)
{
	wchar_t wc[2] = { L' ', L'\0' };

	if (c->width == 0)
		return;
	if (c->nchars > 0 && c->chars[0] >= 0x20 && !(c->chars[0] >= 0x7f && c->chars[0] < 0xa0))
		wc[0] = (wchar_t)c->chars[0];
	use(con, CFG_EL_SEARCH_MATCH);
	mvaddnwstr(y, x, wc, 1);
	attr_set(A_NORMAL, 0, NULL);
}

static void
draw_title(tui_console *con, tui_pane *p, int idx)
{
	tui_rect r = p->rect;
	int focus = idx == con->focus, x;
	char head[64], st[64];

	use(con, focus ? CFG_EL_PANE_BORDER_FOCUS : CFG_EL_PANE_BORDER);
	fill(r.y, r.x, r.w, ACS_HLINE);
	if (r.w < 4)
		return;
	x = r.x + 1;
	use(con, focus ? CFG_EL_PANE_TITLE_FOCUS : CFG_EL_PANE_TITLE);
	snprintf(head, sizeof(head), " %d ", idx + 1);
	x += put_text(r.y, x, r.x + r.w - x, head);
	use(con, (cfg_element)(CFG_EL_HOST_1 + p->color % 8));
	x += put_text(r.y, x, r.x + r.w - x, p->host.name);
	use(con, tui_pane_state_element(p));
	x += put_text(r.y, x, r.x + r.w - x, " [");
	tui_pane_state_text(con, p, st, sizeof(st));
	x += put_text(r.y, x, r.x + r.w - x, st);
	if (p->why != NULL && p->st != TUI_PANE_READY) {
		x += put_text(r.y, x, r.x + r.w - x, ": ");
		x += put_text(r.y, x, r.x + r.w - x, p->why);
	}
	x += put_text(r.y, x, r.x + r.w - x, "] ");
	if (con->broadcast && tui_console_types_into(con, p)) {
		use(con, CFG_EL_PANE_BROADCAST);
		x += put_text(r.y, x, r.x + r.w - x, "<<BROADCAST>> ");
	} else if (p->armed) {
		use(con, CFG_EL_PANE_BROADCAST);
		x += put_text(r.y, x, r.x + r.w - x, "<armed> ");
	}
	if (tui_term_view_offset(p->term) > 0) {
		char sc[32];

		use(con, CFG_EL_STATUS_WARN);
		snprintf(sc, sizeof(sc), "[scroll -%d] ", tui_term_view_offset(p->term));
		put_text(r.y, x, r.x + r.w - x, sc);
	}
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

/*
 * Marks the columns of row y where the search text matches (compared
 * character by character with each cell's first code point).
 */
static void
find_matches(tui_pane *p, int y, int cols, const uint32_t *needle, int nlen,
    unsigned char *hit)
{
	uint32_t row[1024];
	tui_cell cell;
	int x, k, n = cols < 1024 ? cols : 1024;

	memset(hit, 0, (size_t)n);
	for (x = 0; x < n; x++) {
		tui_term_cell(p->term, y, x, &cell);
		row[x] = cell.width == 0 ? 0 : cell.nchars > 0 ? cell.chars[0] : ' ';
	}
	for (x = 0; x + nlen <= n; x++) {
		for (k = 0; k < nlen && row[x + k] == needle[k]; k++)
			;
		if (k == nlen)
			memset(hit + x, 1, (size_t)nlen);
	}
}

/* The search text as code points; 0 if there is none to highlight. */
static int
search_needle(const tui_console *con, uint32_t *out, int max)
{
	const unsigned char *s = (const unsigned char *)con->search;
	size_t len, used;
	int n = 0;

	if (s == NULL || !con->scroll_mode)
		return 0;
	len = strlen(con->search);
	while (len > 0 && n < max && (used = util_utf8_decode(s, len, &out[n])) > 0) {
		s += used;
		len -= used;
		n++;
	}
	return len == 0 ? n : 0;
}

void
tui_draw_pane(tui_console *con, tui_pane *p, int idx, int full)
{
	unsigned char dirty[1024], hit[1024];
	uint32_t needle[256];
	tui_cell cell;
	int rows, cols, y, x, any, nlen;

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
	nlen = p == tui_console_focused(con) ? search_needle(con, needle, 256) : 0;
	for (y = 0; y < rows && y < p->inner.h; y++) {
		if (!dirty[y])
			continue;
		if (nlen > 0)
			find_matches(p, y, cols, needle, nlen, hit);
		for (x = 0; x < cols && x < p->inner.w; x++) {
			tui_term_cell(p->term, y, x, &cell);
			if (cell.width == 2 && x + 1 >= p->inner.w)
				cell.width = 1, cell.nchars = 0;
			/* Matches stand out in the theme's search.match style. */
			if (nlen > 0 && x < 1024 && hit[x])
				draw_match(con, &cell, p->inner.y + y, p->inner.x + x);
			else
				draw_cell(&cell, p->inner.y + y, p->inner.x + x);
		}
	}
}
