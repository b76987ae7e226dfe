/*
 * tui/console/tailpane.c - the console's tail pane: one file (path or
 * glob) followed on chosen hosts over their panes' own connections (no
 * second login), merged into one view with a coloured host column,
 * include / exclude filters and a highlight edited live, pause (the view
 * stays where it is while lines keep coming, with a count of the new ones
 * below), and search; or split, a band per host (key s). Shown over the
 * pane area like the fan-out board.
 *
 * 50,000 lines/s must not delay keystrokes: a line callback only copies
 * the line into a bounded ring (TAILPANE_RING lines, each cut at
 * TAILPANE_MAXLINE bytes) and marks the console dirty; frame.c draws at
 * most once per frame, and tailpane_draw.c reads only the lines on
 * screen. Filter results are cached per line (one regexec per line per
 * filter change, not per frame). The engine's tails keep each file exact
 * (engine/tail.c); a tail whose connection was lost is continued on the
 * pane's new connection by a once-a-second check.
 */
#include <stdlib.h>
#include <string.h>

#include "tui/console/tailpane.h"

static const eng_tail_cbs tail_cbs;

/* ---- the ring ---- */

uint64_t
tui__tailpane_oldest(const tui_tailpane *tp)
{
	return tp->total > TAILPANE_RING ? tp->total - TAILPANE_RING : 0;
}

static void
push(tui_tailpane *tp, uint32_t src, uint32_t flags, const char *buf, size_t len)
{
	tui_tail_line *l = &tp->ring[tp->total % TAILPANE_RING];

	if (len > TAILPANE_MAXLINE)
		len = TAILPANE_MAXLINE;
	free(l->text);
	l->text = util_xmalloc(len + 1);
	memcpy(l->text, buf, len);
	l->text[len] = '\0';
	l->len = len;
	l->src = src;
	l->flags = flags;
	l->gen = tp->gen - 1;   /* not evaluated yet */
	tp->total++;
	/* A paused view whose bottom line fell out of the ring moves with it. */
	if (tp->paused && tp->anchor < tui__tailpane_oldest(tp))
		tp->anchor = tui__tailpane_oldest(tp);
	tui_console_dirty(tp->con);
}

int
tui__tailpane_pass(tui_tailpane *tp, uint64_t seq)
{
	tui_tail_line *l = &tp->ring[seq % TAILPANE_RING];

	if (l->gen != tp->gen) {
		l->gen = tp->gen;
		l->pass = 1;
		if (!(l->flags & TAILPANE_MARK)) {
			if (tp->have_inc)
				l->pass = regexec(&tp->inc_re, l->text, 0, NULL, 0) == 0;
			if (l->pass && tp->have_exc)
				l->pass = regexec(&tp->exc_re, l->text, 0, NULL, 0) != 0;
		}
	}
	return l->pass;
}

/* ---- engine callbacks ---- */

static void
on_line(eng_tail *t, const eng_tail_line *l, void *ud)
{
	tui_tail_src *s = ud;

	(void)t;
	push(s->tp, (uint32_t)(s - s->tp->src), (uint32_t)l->flags, l->buf, l->len);
}

static void
on_mark(eng_tail *t, const char *file, eng_tail_mark m, uint64_t bytes, void *ud)
{
	tui_tail_src *s = ud;
	char line[200];

	(void)t;
	(void)file;
	if (m == ENG_TAIL_MARK_LOST || m == ENG_TAIL_MARK_CUT)
		snprintf(line, sizeof(line), "[drover: %s, %llu bytes]", eng_tail_mark_name(m),
		    (unsigned long long)bytes);
	else
		snprintf(line, sizeof(line), "[drover: %s]", eng_tail_mark_name(m));
	push(s->tp, (uint32_t)(s - s->tp->src), TAILPANE_MARK, line, strlen(line));
}

static void
on_state(eng_tail *t, const char *file, eng_tail_state st, const char *text, void *ud)
{
	tui_tail_src *s = ud;
	char line[300];

	(void)t;
	if (file == NULL || st == ENG_TAIL_DETACHED || st == ENG_TAIL_ERROR)
		s->st = st;
	if (st == ENG_TAIL_WAITING || st == ENG_TAIL_ERROR || st == ENG_TAIL_DETACHED) {
		snprintf(line, sizeof(line), "[drover: %s%s%s%s%s]", file != NULL ? file : "",
		    file != NULL ? ": " : "", eng_tail_state_name(st), text != NULL ? ": " : "",
		    text != NULL ? text : "");
		push(s->tp, (uint32_t)(s - s->tp->src), TAILPANE_MARK, line, strlen(line));
	} else if (st == ENG_TAIL_FOLLOWING) {
		tui_console_dirty(s->tp->con);
	}
}

static const eng_tail_cbs tail_cbs = { on_line, on_mark, on_state };

/* ---- sources ---- */

static tui_pane *
pane_of(tui_console *con, const char *name)
{
	int i = tui_console_find(con, name);

	return i >= 0 ? con->panes[i] : NULL;
}

static void
start(tui_tailpane *tp)
{
	eng_tail_opts o;
	size_t i;

	tp->src = util_xcalloc(tp->ntargets, sizeof(*tp->src));
	for (i = 0; i < tp->ntargets; i++) {
		tui_tail_src *s = &tp->src[tp->nsrc];
		tui_pane *p = pane_of(tp->con, tp->targets[i]);

		if (p == NULL || p->c == NULL)
			continue;
		s->tp = tp;
		s->name = util_xstrdup(p->host.name);
		s->color = p->color;
		s->c = p->c;
		s->st = ENG_TAIL_STARTING;
		memset(&o, 0, sizeof(o));
		o.path = tp->path;
		o.lines = 10;
		o.max_line = TAILPANE_MAXLINE;
		if (eng_tail_start(p->c, &o, &tail_cbs, s, &s->t) != 0) {
			free(s->name);
			continue;
		}
		tp->nsrc++;
	}
	if (tp->nsrc == 0)
		snprintf(tp->msg, sizeof(tp->msg), "no connected pane to follow %s on", tp->path);
}

/* Once a second: a tail cut off by a lost connection goes on over the new one. */
static void
on_rebind(uv_timer_t *h)
{
	tui_tailpane *tp = h->data;
	size_t i;

	for (i = 0; i < tp->nsrc; i++) {
		tui_tail_src *s = &tp->src[i];
		tui_pane *p;

		if (s->t == NULL || (s->st != ENG_TAIL_DETACHED && s->st != ENG_TAIL_ERROR))
			continue;
		p = pane_of(tp->con, s->name);
		if (p == NULL || p->c == NULL || p->st != TUI_PANE_READY || p->c == s->c)
			continue;
		if (eng_tail_rebind(s->t, p->c) == 0) {
			s->c = p->c;
			s->st = ENG_TAIL_STARTING;
		}
	}
}

/* ---- public ---- */

tui_tailpane *
tui_tailpane_new(tui_console *con, const char *path, tui_pane **targets, int n)
{
	tui_tailpane *tp = util_xcalloc(1, sizeof(*tp));
	int i;

	tp->con = con;
	tp->ring = util_xcalloc(TAILPANE_RING, sizeof(*tp->ring));
	tp->gen = 1;
	tp->targets = util_xcalloc((size_t)(n > 0 ? n : 1), sizeof(char *));
	for (i = 0; i < n; i++)
		tp->targets[tp->ntargets++] = util_xstrdup(targets[i]->host.name);
	uv_timer_init(con->loop, &tp->rebind);
	tp->rebind.data = tp;
	uv_timer_start(&tp->rebind, on_rebind, 1000, 1000);
	if (path != NULL && *path != '\0') {
		tp->path = util_xstrdup(path);
		start(tp);
	} else {
		tp->edit = TP_EDIT_PATH;
	}
	return tp;
}

static void
on_timer_closed(uv_handle_t *h)
{
	tui_tailpane *tp = h->data;
	size_t i;

	for (i = 0; i < TAILPANE_RING; i++)
		free(tp->ring[i].text);
	free(tp->ring);
	for (i = 0; i < tp->nsrc; i++)
		free(tp->src[i].name);
	free(tp->src);
	for (i = 0; i < tp->ntargets; i++)
		free(tp->targets[i]);
	free(tp->targets);
	if (tp->have_inc)
		regfree(&tp->inc_re);
	if (tp->have_exc)
		regfree(&tp->exc_re);
	if (tp->have_hl)
		regfree(&tp->hl_re);
	free(tp->path);
	free(tp);
}

void
tui_tailpane_close(tui_tailpane *tp)
{
	size_t i;

	if (tp == NULL || tp->closing)
		return;
	tp->closing = 1;
	/* The remote readers end with their channels; no callback after this. */
	for (i = 0; i < tp->nsrc; i++)
		eng_tail_free(tp->src[i].t);
	uv_timer_stop(&tp->rebind);
	uv_close((uv_handle_t *)&tp->rebind, on_timer_closed);
}

/* ---- keys ---- */

static int
set_re(tui_tailpane *tp, regex_t *re, int *have, char *dst, const char *src, int flags)
{
	const char *why = *src != '\0' ? util_regex_unsafe(src) : NULL;
	regex_t n;

	if (why != NULL) {
		snprintf(tp->msg, sizeof(tp->msg), "refused: %s", why);
		return -1;
	}
	if (*src != '\0' && regcomp(&n, src, REG_EXTENDED | flags) != 0) {
		snprintf(tp->msg, sizeof(tp->msg), "not a regular expression: %.100s", src);
		return -1;
	}
	if (*have)
		regfree(re);
	*have = *src != '\0';
	if (*have)
		*re = n;
	snprintf(dst, 256, "%s", src);
	return 0;
}

/* Older (dir < 0) or newer passing line from seq; seq itself if none. */
static uint64_t
step(tui_tailpane *tp, uint64_t seq, int dir)
{
	uint64_t s = seq, lo = tui__tailpane_oldest(tp);

	while (dir < 0 ? s > lo : s + 1 < tp->total) {
		s = dir < 0 ? s - 1 : s + 1;
		if (tui__tailpane_pass(tp, s))
			return s;
	}
	return seq;
}

static void
pause_at(tui_tailpane *tp, uint64_t seq)
{
	if (tp->total == 0)
		return;
	if (!tp->paused)
		tp->paused_total = tp->total;
	tp->paused = 1;
	tp->anchor = seq;
}

static void
search_older(tui_tailpane *tp)
{
	uint64_t s = tp->paused ? tp->anchor : tp->total, lo = tui__tailpane_oldest(tp);

	while (s > lo) {
		s--;
		if (tui__tailpane_pass(tp, s) && strstr(tp->ring[s % TAILPANE_RING].text,
		    tp->search) != NULL) {
			pause_at(tp, s);
			return;
		}
	}
	snprintf(tp->msg, sizeof(tp->msg), "not found: %.100s", tp->search);
}

static void
edit_done(tui_tailpane *tp)
{
	int kind = tp->edit;

	tp->ebuf[tp->elen] = '\0';
	tp->edit = TP_EDIT_NONE;
	tp->msg[0] = '\0';
	switch (kind) {
	case TP_EDIT_PATH:
		if (tp->elen == 0) {
			tp->edit = TP_EDIT_PATH;
			return;
		}
		tp->path = util_xstrdup(tp->ebuf);
		start(tp);
		break;
	case TP_EDIT_INCLUDE:
		if (set_re(tp, &tp->inc_re, &tp->have_inc, tp->inc, tp->ebuf, REG_NOSUB) == 0)
			tp->gen++;
		break;
	case TP_EDIT_EXCLUDE:
		if (set_re(tp, &tp->exc_re, &tp->have_exc, tp->exc, tp->ebuf, REG_NOSUB) == 0)
			tp->gen++;
		break;
	case TP_EDIT_HIGHLIGHT:
		set_re(tp, &tp->hl_re, &tp->have_hl, tp->hl, tp->ebuf, 0);
		break;
	case TP_EDIT_SEARCH:
		snprintf(tp->search, sizeof(tp->search), "%s", tp->ebuf);
		if (tp->search[0] != '\0')
			search_older(tp);
		break;
	}
	/* A filter change can leave the paused view on a line now hidden. */
	if (tp->paused && !tui__tailpane_pass(tp, tp->anchor))
		tp->anchor = step(tp, tp->anchor, -1);
}

static void
edit_begin(tui_tailpane *tp, int kind, const char *cur)
{
	tp->edit = kind;
	snprintf(tp->ebuf, sizeof(tp->ebuf), "%s", cur);
	tp->elen = strlen(tp->ebuf);
}

static int
edit_key(tui_tailpane *tp, int tkey, uint32_t ch)
{
	if (tkey == TUI_KEY_ENTER || ch == '\r' || ch == '\n') {
		edit_done(tp);
	} else if (tkey == TUI_KEY_ESC || ch == 27) {
		if (tp->edit == TP_EDIT_PATH) {
			tui_command_run(tp->con, "tail-close");
			return 1;
		}
		tp->edit = TP_EDIT_NONE;
	} else if (tkey == TUI_KEY_BACKSPACE || ch == 127 || ch == 8) {
		while (tp->elen > 0 && ((unsigned char)tp->ebuf[--tp->elen] & 0xc0) == 0x80)
			;
	} else if (tkey == TUI_KEY_NONE && ch >= 0x20 && ch != 0x7f) {
		char u[4];
		size_t n = util_utf8_encode(ch, u);

		if (n > 0 && tp->elen + n < sizeof(tp->ebuf)) {
			memcpy(tp->ebuf + tp->elen, u, n);
			tp->elen += n;
		}
	}
	return 1;
}

int
tui_tailpane_key(tui_tailpane *tp, int tkey, int mods, uint32_t ch)
{
	int page = tp->con->rows > 6 ? tp->con->rows - 4 : 1, i;
	uint64_t bottom;

	(void)mods;
	if (tp->edit != TP_EDIT_NONE) {
		tui_console_dirty(tp->con);
		return edit_key(tp, tkey, ch);
	}
	tp->msg[0] = '\0';
	bottom = tp->total > 0 ? tp->total - 1 : 0;
	if (!tui__tailpane_pass(tp, bottom))
		bottom = step(tp, bottom, -1);
	if (ch == 'p' || ch == ' ') {
		if (tp->paused)
			tp->paused = 0;
		else
			pause_at(tp, bottom);
	} else if (tkey == TUI_KEY_UP || ch == 'k' || tkey == TUI_KEY_PGUP || ch == 'b') {
		if (!tp->paused)
			pause_at(tp, bottom);
		for (i = 0; i < (tkey == TUI_KEY_PGUP || ch == 'b' ? page : 1); i++)
			tp->anchor = step(tp, tp->anchor, -1);
	} else if (tkey == TUI_KEY_DOWN || ch == 'j' || tkey == TUI_KEY_PGDN) {
		for (i = 0; tp->paused && i < (tkey == TUI_KEY_PGDN ? page : 1); i++)
			tp->anchor = step(tp, tp->anchor, 1);
	} else if (tkey == TUI_KEY_END || ch == 'G') {
		tp->paused = 0;
	} else if (ch == 's') {
		tp->split = !tp->split;
	} else if (ch == 'e') {
		edit_begin(tp, TP_EDIT_INCLUDE, tp->inc);
	} else if (ch == 'v') {
		edit_begin(tp, TP_EDIT_EXCLUDE, tp->exc);
	} else if (ch == 'h') {
		edit_begin(tp, TP_EDIT_HIGHLIGHT, tp->hl);
	} else if (ch == '/') {
		edit_begin(tp, TP_EDIT_SEARCH, "");
	} else if (ch == 'n') {
		if (tp->search[0] != '\0')
			search_older(tp);
	} else if (ch == 'q' || tkey == TUI_KEY_ESC || ch == 27) {
		tui_command_run(tp->con, "tail-close");
	}
	/* Other keys too: typing into a shell hidden under the pane would surprise. */
	tui_console_dirty(tp->con);
	return 1;
}
