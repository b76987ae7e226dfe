/*
 * tui/cli/xfer_show.c - how put and get show themselves: on a terminal, a
 * line per active host (bytes, rate, ETA, state) and a total line, redrawn
 * at most 10 times a second on stderr and cleared before anything else is
 * printed, so finished hosts roll up into the summary; with -o json, one
 * object per host when it ends. Without a terminal: no bars.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "tui/cli/xfer_int.h"

#define BAR_MS 100

/* "12.3M" style sizes: 1024-based, one decimal under 100. */
void
xfer_human(uint64_t n, char *buf, size_t len)
{
	static const char units[] = "BKMGTP";
	double v = (double)n;
	int u = 0;

	while (v >= 1024.0 && u < 5) {
		v /= 1024.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%lluB", (unsigned long long)n);
	else
		snprintf(buf, len, v < 100.0 ? "%.1f%c" : "%.0f%c", v, units[u]);
}

static void
eta(uint64_t left, double rate, char *buf, size_t len)
{
	uint64_t s;

	if (rate < 1.0) {
		snprintf(buf, len, "--:--");
		return;
	}
	s = (uint64_t)((double)left / rate);
	/* Past 99 hours an estimate says nothing. */
	if (s >= 100 * 3600)
		snprintf(buf, len, ">99h");
	else if (s >= 3600)
		snprintf(buf, len, "%uh%02um", (unsigned)(s / 3600 % 100), (unsigned)(s / 60 % 60));
	else
		snprintf(buf, len, "%llu:%02llu", (unsigned long long)(s / 60),
		    (unsigned long long)(s % 60));
}

static const char *
phase_name(const xhost *h, const xjob *j)
{
	if (h->pub.state == ENG_HOST_CONNECTING)
		return "connecting";
	if (h->pub.state == ENG_HOST_AUTH)
		return "auth";
	if (j == NULL)
		return "";
	switch (j->phase) {
	case XJ_SUMS: return "comparing";
	case XJ_XFER: return "copying";
	case XJ_VERIFY: return "verifying";
	case XJ_CLEAN: return "cleaning up";
	default: return "";
	}
}

static void
bar_line(tui_buf *o, const char *name, uint64_t done, uint64_t total, double rate,
    const char *state, int width)
{
	char d[16], t[16], r[16], e[16];
	int cells = width >= 100 ? 20 : 10, fill, i;

	xfer_human(done, d, sizeof(d));
	xfer_human(total, t, sizeof(t));
	xfer_human((uint64_t)rate, r, sizeof(r));
	eta(total > done ? total - done : 0, rate, e, sizeof(e));
	fill = total > 0 ? (int)((double)done / (double)total * cells) : 0;
	if (fill > cells)
		fill = cells;
	tui_buf_addf(o, "%-16.16s [", name);
	for (i = 0; i < cells; i++)
		tui_buf_add(o, i < fill ? "#" : ".", 1);
	tui_buf_addf(o, "] %3d%% %7s/%-7s %7s/s ETA %-6s %s\n",
	    total > 0 ? (int)((double)done * 100.0 / (double)total) : 0, d, t, r, e, state);
}

static void
clear_bars(xcli *x)
{
	if (x->drawn > 0) {
		/* Up to the first bar line, then clear to the end of the screen. */
		fprintf(stderr, "\r\033[%dA\033[J", x->drawn);
		x->drawn = 0;
	}
}

void
xfer_show_clear(xrun *r)
{
	clear_bars(r->ud);
}

static void
draw(xcli *x)
{
	xrun *r = &x->run;
	struct winsize ws;
	tui_buf o = { 0 };
	uint64_t now = uv_now(r->loop), done = 0, total = 0;
	int width = 80, rows = 24, lines = 0, shown = 0, active = 0;
	size_t i, nfinal = 0;
	double secs;

	if (ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
		width = ws.ws_col;
		rows = ws.ws_row;
	}
	for (i = 0; i < r->n; i++) {
		xhost *h = &r->h[i];
		xjob *j = h->job;

		if (j != NULL) {
			done += j->prog.bytes_done;
			total += j->prog.bytes_total;
		}
		if (h->final) {
			nfinal++;
			continue;
		}
		if (!h->slot)
			continue;
		active++;
		/* A bar per active host while they fit; the rest are counted. */
		if (shown >= rows - 3)
			continue;
		shown++;
		secs = (double)(now - h->pub.start_ms) / 1000.0;
		{
			char *name = tui_sanitize_str(h->pub.name);

			bar_line(&o, name, j != NULL ? j->prog.bytes_done : 0,
			    j != NULL ? j->prog.bytes_total : 0,
			    j != NULL && secs > 0.2 ? (double)j->prog.bytes_done / secs : 0,
			    phase_name(h, j), width);
			free(name);
		}
		lines++;
	}
	if (active > shown) {
		tui_buf_addf(&o, "... and %d more hosts running\n", active - shown);
		lines++;
	}
	secs = (double)(now - r->t0) / 1000.0;
	{
		char label[48];

		snprintf(label, sizeof(label), "total %zu/%zu", nfinal, r->n);
		bar_line(&o, label, done, total, secs > 0.2 ? (double)done / secs : 0, "", width);
		lines++;
	}
	clear_bars(x);
	fwrite(o.p, 1, o.len, stderr);
	fflush(stderr);
	x->drawn = lines;
	tui_buf_free(&o);
}

static void
on_bar_timer(uv_timer_t *t)
{
	xcli *x = t->data;

	if (x->run.done) {
		clear_bars(x);
		uv_close((uv_handle_t *)t, NULL);
		return;
	}
	draw(x);
}

void
xfer_show_start(xrun *r)
{
	xcli *x = r->ud;

	if (!x->bars)
		return;
	uv_timer_init(x->run.loop, &x->bar_timer);
	x->bar_timer.data = x;
	uv_timer_start(&x->bar_timer, on_bar_timer, BAR_MS, BAR_MS);
}

/* ---- -o json ---- */

static void
json_str(tui_buf *o, const char *s)
{
	if (s == NULL) {
		tui_buf_addstr(o, "null");
		return;
	}
	tui_buf_addstr(o, "\"");
	tui_json_escape(o, s, strlen(s));
	tui_buf_addstr(o, "\"");
}

void
xfer_show_json(xcli *x, xhost *h)
{
	xjob *j = h->job;
	tui_buf o = { 0 };
	size_t i;

	tui_buf_addstr(&o, "{\"host\":");
	json_str(&o, h->pub.name);
	tui_buf_addf(&o, ",\"state\":\"%s\",\"files\":%zu,\"failed_files\":%zu,"
	    "\"skipped_files\":%zu,\"bytes\":%llu,\"duration\":%.3f,\"sha256\":",
	    tui_outcome_word(tui_host_outcome(&h->pub)), j != NULL ? j->nok : 0,
	    j != NULL ? j->nfail : 0, j != NULL ? j->nskip : 0,
	    (unsigned long long)(j != NULL ? j->bytes : 0),
	    (double)(h->pub.end_ms - h->pub.start_ms) / 1000.0);
	if (j == NULL || !j->verified) {
		tui_buf_addstr(&o, "null");
	} else if (j->nsum == 1) {
		json_str(&o, j->sum[0]);
	} else {
		/* Several files: the digest of each, by its target path. */
		tui_buf_addstr(&o, "{");
		for (i = 0; i < j->nsum; i++) {
			if (i > 0)
				tui_buf_addstr(&o, ",");
			json_str(&o, j->sum_path[i]);
			tui_buf_addstr(&o, ":");
			json_str(&o, j->sum[i]);
		}
		tui_buf_addstr(&o, "}");
	}
	tui_buf_addstr(&o, ",\"error\":");
	json_str(&o, h->pub.error);
	tui_buf_addstr(&o, "}\n");
	errno = 0;
	if ((fwrite(o.p, 1, o.len, stdout) != o.len || fflush(stdout) != 0) &&
	    x->out_errno == 0)
		x->out_errno = errno != 0 ? errno : EIO;
	tui_buf_free(&o);
}
