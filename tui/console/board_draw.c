/*
 * tui/console/board_draw.c - drawing the fan-out board (board.c): a header
 * with counts, the command, one row per host or group (state, exit status,
 * duration, the first line of output or the error), or one host's whole
 * output. Reads the board only; remote text is sanitised by tui_draw_text.
 */
#include <stdio.h>
#include <string.h>

#include "tui/console/board.h"
#include "tui/console/provide_curses.h"

static void
put(int y, int x, int w, const char *s, size_t len)
{
	tui_draw_text(y, x, w, s, len);
}

static void
puts_(int y, int x, int w, const char *s)
{
	put(y, x, w, s, strlen(s));
}


void
tui_board_draw(const tui_board *b, tui_rect a)
{
	size_t i;
	int y, shown = 0, ok = 0, bad = 0, run = 0;
	char line[256];

	for (y = 0; y < a.h; y++) {
		move(a.y + y, a.x);
		clrtoeol();
	}
	for (i = 0; i < b->n && b->f != NULL; i++) {
		eng_host_state st = eng_fanout_host_get(b->f, i)->state;

		ok += st == ENG_HOST_OK;
		bad += st >= ENG_HOST_FAILED;
		run += st < ENG_HOST_OK;
	}
	attron(A_BOLD);
	snprintf(line, sizeof(line), " board: %zu hosts, %d ok, %d failed, %d running  "
	    "(Enter output, g group, r re-run failed, s shell, q close)", b->n, ok, bad, run);
	puts_(a.y, a.x, a.w, line);
	put(a.y + 1, a.x + 1, a.w - 1, b->command, strlen(b->command));
	attroff(A_BOLD);
	if (b->detail) {
		const tui_buf *o = &b->rows[b->sel].out;
		const char *p = o->p, *end = o->p + o->len, *nl;
		int ln = 0;

		snprintf(line, sizeof(line), "--- %s (%d host%s) --- Esc back, PgUp/PgDn",
		    b->hosts[b->sel].name, b->rows[b->sel].count,
		    b->rows[b->sel].count == 1 ? "" : "s");
		puts_(a.y + 2, a.x, a.w, line);
		for (y = 3; p != NULL && p < end && y < a.h; ln++) {
			nl = memchr(p, '\n', (size_t)(end - p));
			if (ln >= b->detail_top)
				put(a.y + y++, a.x, a.w, p, (size_t)((nl ? nl : end) - p));
			p = nl ? nl + 1 : end;
		}
		return;
	}
	y = 3;
	for (i = 0; i < b->n && y < a.h && b->f != NULL; i++) {
		const eng_fanout_host *h = eng_fanout_host_get(b->f, i);
		const char *o = b->rows[i].out.p, *nl;
		char dur[32] = "";
		size_t first;

		if (!tui__board_visible(b, i))
			continue;
		if (shown++ < b->top)
			continue;
		if (h->end_ms > 0)
			eng_format_duration(h->end_ms - h->start_ms, dur, sizeof(dur));
		if ((int)i == b->sel)
			attron(A_REVERSE);
		if (b->grouped && b->finished && b->rows[i].count > 1)
			snprintf(line, sizeof(line), "%-20.20s +%-3d", h->name, b->rows[i].count - 1);
		else
			snprintf(line, sizeof(line), "%-24.24s", h->name);
		puts_(a.y + y, a.x, 25, line);
		snprintf(line, sizeof(line), "%-11s", eng_host_state_name(h->state));
		if (h->state == ENG_HOST_OK)
			attron(A_BOLD);
		puts_(a.y + y, a.x + 25, 11, line);
		attroff(A_BOLD);
		if (h->exit_status >= 0)
			snprintf(line, sizeof(line), "%4d", h->exit_status);
		else
			snprintf(line, sizeof(line), "   -");
		puts_(a.y + y, a.x + 37, 5, line);
		puts_(a.y + y, a.x + 43, 9, dur);
		first = 0;
		if (o != NULL) {
			nl = memchr(o, '\n', b->rows[i].out.len);
			first = nl ? (size_t)(nl - o) : b->rows[i].out.len;
		} else if (h->error != NULL) {
			o = h->error;
			first = strlen(o);
		}
		if (o != NULL)
			put(a.y + y, a.x + 53, a.w - 53, o, first);
		if ((int)i == b->sel)
			attroff(A_REVERSE);
		y++;
	}
}
