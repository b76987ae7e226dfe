/*
 * tui/term/term_view.c - reading a pane's history as the user scrolls and
 * searches it: the view offset into scrollback + screen, a line as text,
 * and search over those lines. Owns no data of its own: it works on the
 * emulator's scrollback ring and screen (term.c, term_sb.c).
 */
#include <stdlib.h>
#include <string.h>

#include "tui/term/term_int.h"

/* A cell's character as UTF-8; what cannot be encoded reads as U+FFFD. */
static size_t
encode(uint32_t c, char *out)
{
	size_t n = util_utf8_encode(c, out);

	return n > 0 ? n : util_utf8_encode(0xfffd, out);
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
		tui__term_mark_all(t);
	return t->offset;
}

void
tui_term_scroll_reset(tui_term *t)
{
	if (t->offset != 0)
		tui__term_mark_all(t);
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
		tui__term_mark_all(t);
	t->offset = off;
	return off;
}

/* ---- text and search ----------------------------------------------- */

char *
tui_term_line_text(tui_term *t, int line)
{
	size_t len = 0, keep = 0;
	tui_cell c;
	char *s;
	int col, i;

	if (line < 0 || line >= tui_sb_count(t->sb) + t->rows)
		return NULL;
	s = util_xcalloc((size_t)t->cols * TUI_CELL_MAX_CHARS * 4 + 1, 1);
	for (col = 0; col < t->cols; col++) {
		tui__term_history_cell(t, line, col, &c);
		if (c.width == 0)
			continue;
		if (c.nchars == 0) {
			s[len++] = ' ';
			continue;
		}
		for (i = 0; i < c.nchars; i++)
			len += encode(c.chars[i], s + len);
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
