/*
 * tui/console/board_draw.c - drawing the fan-out board (board.c): a header
 * with counts and the keys that do something now, the command, one row
 * per host or group (hosts as a folded set, state, exit status, duration,
 * the latest line of output or the error), or one host's or group's whole
 * output. Column widths follow the screen so the output column stays
 * usable at 80 columns. Reads the board only; remote text is sanitised by
 * tui_draw_text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/console/board.h"
#include "tui/console/provide_curses.h"

/* Widths of the fixed columns: state, exit status, duration. */
#define COL_STATE 12
#define COL_EXIT 5
#define COL_DUR 9

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

/* The last non-empty line of out: what the host is doing now. */
static const char *
latest_line(const tui_buf *out, size_t *len)
{
	const char *end = out->p + out->len, *start;

	while (end > out->p && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	start = end;
	while (start > out->p && start[-1] != '\n')
		start--;
	*len = (size_t)(end - start);
	return start;
}

static void
draw_header(const tui_board *b, tui_rect a)
{
	char line[320];
	size_t i;
	int ok = 0, bad = 0, run = 0;

	for (i = 0; i < b->n; i++) {
		eng_host_state st = b->rows[i].h.state;

		ok += st == ENG_HOST_OK;
		bad += st >= ENG_HOST_FAILED;
		run += st < ENG_HOST_OK;
	}
	attron(A_BOLD);
	snprintf(line, sizeof(line), " board: %zu hosts, %d ok, %d failed, %d running  "
	    "(Enter output, d diff, g %s, %ss shell, q close)", b->n, ok, bad, run,
	    b->grouped ? "ungroup" : "group",
	    b->finished && bad > 0 ? "r re-run failed, " : "");
	puts_(a.y, a.x, a.w, line);
	put(a.y + 1, a.x + 1, a.w - 1, b->label, strlen(b->label));
	attroff(A_BOLD);
}

static void
draw_detail(const tui_board *b, tui_rect a)
{
	const tui_buf *o = b->detail_diff ? &b->diff : &b->rows[b->sel].out;
	const char *p = o->p, *end = o->p + o->len, *nl;
	char *names = tui__board_group_names(b, (size_t)b->sel), line[320];
	int y, ln = 0;

	snprintf(line, sizeof(line), "--- %s (%d host%s)%s --- Esc back, PgUp/PgDn", names,
	    b->rows[b->sel].count, b->rows[b->sel].count == 1 ? "" : "s",
	    b->detail_diff ? ", diff against the majority" : "");
	free(names);
	puts_(a.y + 2, a.x, a.w, line);
	for (y = 3; p != NULL && p < end && y < a.h; ln++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (ln >= b->detail_top)
			put(a.y + y++, a.x, a.w, p, (size_t)((nl ? nl : end) - p));
		p = nl ? nl + 1 : end;
	}
}

void
tui_board_draw(const tui_board *b, tui_rect a)
{
	size_t i, len;
	int y, shown = 0, namew, x;
	char line[320];

	for (y = 0; y < a.h; y++) {
		move(a.y + y, a.x);
		clrtoeol();
	}
	draw_header(b, a);
	if (b->detail) {
		draw_detail(b, a);
		return;
	}
	/* The host column takes a quarter of the width, 12 to 30 columns. */
	namew = a.w / 4;
	namew = namew < 12 ? 12 : namew > 30 ? 30 : namew;
	y = 3;
	for (i = 0; i < b->n && y < a.h; i++) {
		const tui_board_row *r = &b->rows[i];
		const char *o;
		char dur[32] = "";

		if (!tui__board_visible(b, i))
			continue;
		if (shown++ < b->top)
			continue;
		if (r->h.end_ms > 0)
			eng_format_duration(r->h.end_ms - r->h.start_ms, dur, sizeof(dur));
		if ((int)i == b->sel)
			attron(A_REVERSE);
		if (b->grouped && r->count > 1) {
			char *names = tui__board_group_names(b, i);

			snprintf(line, sizeof(line), "%s (%d)", names, r->count);
			free(names);
		} else {
			snprintf(line, sizeof(line), "%s", r->h.name);
		}
		x = a.x;
		tui_draw_fill(a.y + y, x, namew + 1);
		puts_(a.y + y, x, namew, line);
		x += namew + 1;
		if (r->h.state == ENG_HOST_OK)
			attron(A_BOLD);
		puts_(a.y + y, x, COL_STATE - 1, tui_host_state_label(&r->h));
		attroff(A_BOLD);
		x += COL_STATE;
		if (r->h.exit_status >= 0)
			snprintf(line, sizeof(line), "%4d", r->h.exit_status);
		else
			snprintf(line, sizeof(line), "   -");
		puts_(a.y + y, x, COL_EXIT, line);
		x += COL_EXIT + 1;
		puts_(a.y + y, x, COL_DUR, dur);
		x += COL_DUR;
		if (r->out.len > 0) {
			o = latest_line(&r->out, &len);
			put(a.y + y, x, a.x + a.w - x, o, len);
		} else if (r->h.error != NULL) {
			puts_(a.y + y, x, a.x + a.w - x, r->h.error);
		}
		if ((int)i == b->sel)
			attroff(A_REVERSE);
		y++;
	}
}
