/*
 * tui/console/reconnect.c - a pane whose connection failed for a reason
 * that may pass tries again by itself, with the backoff of tui/backoff.c
 * (1 s, 2 s, 4 s ... jittered, up to the configured ceiling). One console
 * timer serves every pane: it wakes
 * for the next attempt or the next second a countdown in a title changes,
 * and is stopped when no pane waits (idle CPU stays 0).
 */
#include <stdlib.h>

#include "tui/console/console.h"

/* A session that lasted this long starts the next outage over at 1 s; one
 * that dies right after login (a host that kicks us out) keeps backing off. */
#define RETRY_STABLE_MS 10000
/* Wakes closer than this are merged: 200 countdowns, a few wakes a second. */
#define RETRY_SLACK_MS 50
/* The backoff's exponent stops growing here (the ceiling caps the wait). */
#define RETRY_MAX_ATTEMPTS 64

/*
 * A new connection for a pane whose last one is gone; the emulator, and so
 * the scrollback, stays. One marker line per outage, however many attempts
 * (automatic or by key) it takes.
 */
void
tui__retry_now(tui_console *con, tui_pane *p)
{
	static const char msg[] = "\r\n[drover: reconnecting]\r\n";

	p->retry_at = 0;
	tui__feed_pane(p, (size_t)-1);
	if (!p->retry_marked) {
		tui_term_feed(p->term, msg, sizeof(msg) - 1);
		p->retry_marked = 1;
	}
	p->paused = 0;
	tui__pane_connect(con, p);
	p->title_dirty = 1;
	tui_console_dirty(con);
}

static void
on_retry(uv_timer_t *t)
{
	tui_console *con = t->data;
	uint64_t now = uv_now(con->loop);
	int i;

	if (con->quit)
		return;
	for (i = 0; i < tui_console_npanes_all(con); i++) {
		tui_pane *p = tui_console_pane_at(con, i, NULL, NULL);

		if (p->retry_at == 0)
			continue;
		p->title_dirty = 1;     /* its countdown moved */
		if (p->retry_at <= now + RETRY_SLACK_MS)
			tui__retry_now(con, p);
	}
	tui__retry_arm(con);
	tui_console_dirty(con);
}

void
tui__retry_arm(tui_console *con)
{
	uint64_t now = uv_now(con->loop), wake = UINT64_MAX, next;
	int i;

	for (i = 0; i < tui_console_npanes_all(con); i++) {
		tui_pane *p = tui_console_pane_at(con, i, NULL, NULL);

		if (p->retry_at == 0)
			continue;
		/* The attempt itself, or the next whole second of its countdown. */
		next = p->retry_at <= now ? 0 : (p->retry_at - now - 1) % 1000 + 1;
		if (next > 0 && next < RETRY_SLACK_MS)
			next = RETRY_SLACK_MS;
		if (next < wake)
			wake = next;
	}
	if (wake == UINT64_MAX || con->quit)
		uv_timer_stop(&con->retry);
	else
		uv_timer_start(&con->retry, on_retry, wake, 0);
}

void
tui__retry_schedule(tui_pane *p, eng_fail f)
{
	tui_console *con = p->con;
	uint64_t now = uv_now(con->loop);

	if (!con->cfg->reconnect || con->quit || p->zombie || !tui_backoff_transient(f))
		return;
	if (p->ready_at != 0 && now - p->ready_at >= RETRY_STABLE_MS)
		p->attempts = 0;
	p->ready_at = 0;
	if (p->attempts < RETRY_MAX_ATTEMPTS)
		p->attempts++;
	p->retry_at = now + tui_backoff_delay(p->attempts,
	    (uint64_t)con->cfg->reconnect_max * 1000, &con->rng);
	tui__retry_arm(con);
}

void
tui__retry_init(tui_console *con)
{
	uv_timer_init(con->loop, &con->retry);
	con->retry.data = con;
	con->rng = (uint32_t)(uv_hrtime() ^ ((uint64_t)uv_os_getpid() << 16)) | 1u;
}

void
tui__retry_close(tui_console *con)
{
	uv_close((uv_handle_t *)&con->retry, NULL);
}
