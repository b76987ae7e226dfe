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
#include <stdlib.h>
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
	    "/ search, s %s, q close)", tp->split ? "merge" : "split by host");
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

/* A line's text after its label (or alone, in a host's band). */
static void
draw_line(tui_tailpane *tp, int y, int x, int w, const tui_tail_line *l)
{
	if (l->flags & TAILPANE_MARK) {
		tui_palette_use(tp->con, CFG_EL_STATUS_WARN);
		tui_draw_text(y, x, w, l->text, l->len);
	} else {
		draw_text(tp, y, x, w, l);
	}
}

/*
 * Split: the body in bands, one per host, each a title line in the host's
 * colour over that host's newest lines (up to the paused one). One pass
 * down the ring fills every band, so a quiet host costs no more than a
 * busy one; hosts that do not fit are counted in the last title.
 */
static void
draw_split(tui_tailpane *tp, tui_rect a, int rows)
{
	uint64_t seq, lo = tui__tailpane_oldest(tp);
	int nb = (int)tp->nsrc, per, *left, y0, i, open;
	char title[200];

	if (nb == 0)
		return;
	if (nb > rows / 2)
		nb = rows / 2 > 0 ? rows / 2 : 1;
	per = rows / nb;
	left = util_xcalloc((size_t)nb, sizeof(*left));
	for (i = 0; i < nb; i++) {
		const tui_tail_src *s = &tp->src[i];

		y0 = a.y + 1 + i * per;
		left[i] = (i == nb - 1 ? rows - i * per : per) - 1;
		if (i == nb - 1 && nb < (int)tp->nsrc)
			snprintf(title, sizeof(title), " %s (and %zu more hosts: a taller pane shows "
			    "them)", s->name, tp->nsrc - (size_t)nb);
		else
			snprintf(title, sizeof(title), " %s", s->name);
		tui_palette_use(tp->con, (cfg_element)(CFG_EL_HOST_1 + s->color % 8));
		tui_draw_fill(y0, a.x, a.w);
		tui_draw_str(y0, a.x, a.w, title);
	}
	open = nb;
	seq = tp->paused ? tp->anchor + 1 : tp->total;
	while (open > 0 && seq > lo) {
		const tui_tail_line *l;

		seq--;
		l = &tp->ring[seq % TAILPANE_RING];
		if ((int)l->src >= nb || left[l->src] == 0 || !tui__tailpane_pass(tp, seq))
			continue;
		i = (int)l->src;
		/* Bottom up within the band: its last row first. */
		y0 = a.y + 1 + i * per + left[i];
		draw_line(tp, y0, a.x + 1, a.w - 1, l);
		if (--left[i] == 0)
			open--;
	}
	free(left);
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
	if (tp->split) {
		draw_split(tp, a, rows);
		draw_footer(tp, a.y + a.h - 1, a);
		return;
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
		draw_line(tp, a.y + y, a.x + labw + 1, a.w - labw - 1, l);
		y--;
	}
	draw_footer(tp, a.y + a.h - 1, a);
}
