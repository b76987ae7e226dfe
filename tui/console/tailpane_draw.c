/*
 * tui/console/tailpane_draw.c - drawing the tail pane (tailpane.c): a
 * header (file, hosts by state, filters, keys), the newest lines that pass
 * the filters under it - or, paused, the lines up to the one the view
 * stopped at and a count of the lines that came since - each with its
 * host in the host's colour, highlight matches in the search-match style,
 * and the line being edited. Reads only the lines on screen; remote text
 * is sanitised by tui_draw_text.
 */
#include <stdio.h>
#include <string.h>

#include "tui/console/provide_curses.h"
#include "tui/console/tailpane.h"

/* The text of a line, --highlight matches in the search-match style. */
static void
draw_text(tui_tailpane *tp, int y, int x, int w, const tui_tail_line *l)
{
	const char *p = l->text;
	regmatch_t m;
	int flags = 0, used;

	tui_palette_use(tp->con, CFG_EL_DEFAULT);
	while (w > 0 && tp->have_hl && *p != '\0' &&
	    regexec(&tp->hl_re, p, 1, &m, flags) == 0 && m.rm_eo > 0) {
		used = tui_draw_text(y, x, w, p, (size_t)m.rm_so);
		x += used;
		w -= used;
		tui_palette_use(tp->con, CFG_EL_SEARCH_MATCH);
		used = tui_draw_text(y, x, w, p + m.rm_so, (size_t)(m.rm_eo - m.rm_so));
		x += used;
		w -= used;
		tui_palette_use(tp->con, CFG_EL_DEFAULT);
		p += m.rm_eo;
		flags = REG_NOTBOL;
	}
	if (w > 0)
		x += tui_draw_text(y, x, w, p, strlen(p));
	if (l->flags & ENG_TAIL_PARTIAL && w > 0)
		tui_draw_str(y, x, w, " [partial]");
}

static void
draw_header(tui_tailpane *tp, tui_rect a)
{
	char line[600];
	size_t i;
	int fol = 0, other = 0, n;

	for (i = 0; i < tp->nsrc; i++) {
		if (tp->src[i].st == ENG_TAIL_FOLLOWING)
			fol++;
		else
			other++;
	}
	n = snprintf(line, sizeof(line), " tail %s: %zu hosts, %d following",
	    tp->path != NULL ? tp->path : "(file?)", tp->nsrc, fol);
	if (other > 0)
		n += snprintf(line + n, sizeof(line) - (size_t)n, ", %d starting/waiting/lost", other);
	if (tp->inc[0] != '\0')
		n += snprintf(line + n, sizeof(line) - (size_t)n, "  +/%s/", tp->inc);
	if (tp->exc[0] != '\0')
		n += snprintf(line + n, sizeof(line) - (size_t)n, "  -/%s/", tp->exc);
	if (tp->hl[0] != '\0')
		n += snprintf(line + n, sizeof(line) - (size_t)n, "  hl /%s/", tp->hl);
	snprintf(line + n, sizeof(line) - (size_t)n, "  (p pause, e/v filter, h highlight, "
	    "/ search, q close)");
	tui_palette_use(tp->con, CFG_EL_BOARD_HEADER);
	tui_draw_fill(a.y, a.x, a.w);
	tui_draw_str(a.y, a.x, a.w, line);
}

static void
draw_footer(tui_tailpane *tp, int y, tui_rect a)
{
	static const char *const what[] = { "", "file to follow", "keep lines matching",
		"drop lines matching", "highlight", "search back for" };
	char line[400];

	tui_palette_use(tp->con, CFG_EL_STATUS_BAR);
	tui_draw_fill(y, a.x, a.w);
	if (tp->edit != TP_EDIT_NONE) {
		snprintf(line, sizeof(line), " %s: %.*s_", what[tp->edit], (int)tp->elen, tp->ebuf);
		tui_draw_text(y, a.x, a.w, line, strlen(line));
	} else if (tp->msg[0] != '\0') {
		tui_palette_use(tp->con, CFG_EL_STATUS_WARN);
		tui_draw_str(y, a.x, a.w, tp->msg);
	} else if (tp->paused) {
		snprintf(line, sizeof(line), " -- paused: %llu new lines below (p resumes) --",
		    (unsigned long long)(tp->total - tp->paused_total));
		tui_draw_str(y, a.x, a.w, line);
	} else {
		snprintf(line, sizeof(line), " following: %llu lines", (unsigned long long)tp->total);
		tui_draw_str(y, a.x, a.w, line);
	}
}

void
tui_tailpane_draw(tui_tailpane *tp, tui_rect a)
{
	uint64_t seq, lo = tui__tailpane_oldest(tp);
	int rows = a.h - 2, y, labw = 4, k;
	size_t i;

	if (a.h < 3 || a.w < 10)
		return;
	for (i = 0; i < tp->nsrc; i++) {
		k = (int)strlen(tp->src[i].name);
		if (k > labw)
			labw = k;
	}
	if (labw > 16)
		labw = 16;
	if (labw > a.w / 3)
		labw = a.w / 3;
	draw_header(tp, a);
	for (y = 1; y <= rows; y++) {
		tui_palette_use(tp->con, CFG_EL_DEFAULT);
		tui_draw_fill(a.y + y, a.x, a.w);
	}
	/* Bottom up from the newest (or the paused) line that passes. */
	y = rows;
	seq = tp->paused ? tp->anchor + 1 : tp->total;
	while (y >= 1 && seq > lo) {
		const tui_tail_line *l;
		const tui_tail_src *s;

		seq--;
		if (!tui__tailpane_pass(tp, seq))
			continue;
		l = &tp->ring[seq % TAILPANE_RING];
		s = &tp->src[l->src];
		tui_palette_use(tp->con, (cfg_element)(CFG_EL_HOST_1 + s->color % 8));
		tui_draw_str(a.y + y, a.x, labw, s->name);
		if (l->flags & TAILPANE_MARK)
			tui_palette_use(tp->con, CFG_EL_STATUS_WARN);
		if (l->flags & TAILPANE_MARK)
			tui_draw_text(a.y + y, a.x + labw + 1, a.w - labw - 1, l->text, l->len);
		else
			draw_text(tp, a.y + y, a.x + labw + 1, a.w - labw - 1, l);
		y--;
	}
	draw_footer(tp, a.y + a.h - 1, a);
}
