/*
 * tui/console/feed.c - remote output on its way into the panes' emulators.
 * Emulation is the console's costly part (libvterm moves the whole screen
 * for every scrolled line), so output is queued per pane and fed on a time
 * budget from an idle handle: keystrokes are read between slices whatever
 * the hosts send, and a pane whose queue fills up pauses its channel (the
 * SSH window closes, the host waits) until the queue drains. Owns the
 * feeder handle and the panes' input queues.
 */
#include <string.h>

#include "tui/console/console.h"

#define FEED_BUDGET_NS 6000000ull    /* per loop turn, all panes */
/*
 * While a key is on its way (read, sent, echoed, drawn, relayed to the
 * client: a loop turn each), turns are kept short so the echo is not
 * behind a full budget of other panes' floods at every step.
 */
#define FEED_BUDGET_TYPING_NS 1000000ull
#define TYPING_MS 300
#define FEED_SLICE 2048     /* one slice of `yes` is ~1000 scrolled lines */
#define INQ_PAUSE (1u << 20)
#define INQ_RESUME (128u << 10)
/* Consumed bytes are moved out of the queue once they pass this. */
#define INQ_COMPACT (1u << 20)

static void on_feed(uv_idle_t *h);

static void
feed_start(tui_console *con)
{
	if (!con->feeding && !con->quit) {
		con->feeding = 1;
		uv_idle_start(&con->feeder, on_feed);
	}
}

void
tui__feed_pane(tui_pane *p, size_t max)
{
	size_t n = p->inq.len - p->inq_off;

	if (n > max)
		n = max;
	if (n > 0)
		tui_term_feed(p->term, p->inq.p + p->inq_off, n);
	p->inq_off += n;
	if (p->inq_off == p->inq.len) {
		tui_buf_reset(&p->inq);
		p->inq_off = 0;
	} else if (p->inq_off > INQ_COMPACT) {
		memmove(p->inq.p, p->inq.p + p->inq_off, p->inq.len - p->inq_off);
		p->inq.len -= p->inq_off;
		p->inq_off = 0;
	}
	if (p->paused && p->inq.len - p->inq_off < INQ_RESUME && p->x != NULL) {
		p->paused = 0;
		eng_exec_pause(p->x, 0);
	}
}

static void
on_feed(uv_idle_t *h)
{
	tui_console *con = h->data;
	uint64_t t0 = uv_hrtime(), budget = uv_now(con->loop) <= con->typing_until ?
	    FEED_BUDGET_TYPING_NS : FEED_BUDGET_NS;
	int i, any = 1, n = tui_console_npanes_all(con);

	/* Small queues first: that is typing being echoed, not a flood. */
	for (i = 0; i < n; i++) {
		tui_pane *p = tui_console_pane_at(con, i, NULL, NULL);

		if (p->inq.len > p->inq_off && p->inq.len - p->inq_off <= FEED_SLICE)
			tui__feed_pane(p, FEED_SLICE);
	}
	/* Then round-robin slices until the budget is spent or nothing is left. */
	while (any && uv_hrtime() - t0 < budget) {
		any = 0;
		for (i = 0; i < n && uv_hrtime() - t0 < budget; i++) {
			tui_pane *p = tui_console_pane_at(con, (con->feed_rr + i) % n, NULL, NULL);

			if (p->inq.len > p->inq_off) {
				tui__feed_pane(p, FEED_SLICE);
				any = 1;
			}
		}
		if (n > 0)
			con->feed_rr = (con->feed_rr + 1) % n;
	}
	tui_console_dirty(con);
	for (i = 0; i < n; i++) {
		tui_pane *p = tui_console_pane_at(con, i, NULL, NULL);

		if (p->inq.len > p->inq_off)
			return;
	}
	con->feeding = 0;
	uv_idle_stop(&con->feeder);
}

void
tui__feed_data(tui_pane *p, const char *buf, size_t len)
{
	tui_buf_add(&p->inq, buf, len);
	if (!p->paused && p->x != NULL && p->inq.len - p->inq_off > INQ_PAUSE) {
		p->paused = 1;
		eng_exec_pause(p->x, 1);
	}
	/*
	 * A little output soon after a key was sent here is most likely its
	 * echo: on screen now, not at the next frame slot up to 1/fps later
	 * (other panes flooding keep the frame timer busy). Once per key.
	 */
	if (p->echo_until != 0 && uv_now(p->con->loop) <= p->echo_until &&
	    p->inq.len - p->inq_off <= FEED_SLICE) {
		p->echo_until = 0;
		tui__feed_pane(p, FEED_SLICE);
		tui_console_frame_now(p->con);
		return;
	}
	feed_start(p->con);
}

void
tui_console_typing(tui_console *con)
{
	con->typing_until = uv_now(con->loop) + TYPING_MS;
}

void
tui__feed_init(tui_console *con)
{
	uv_idle_init(con->loop, &con->feeder);
	con->feeder.data = con;
}

void
tui__feed_close(tui_console *con)
{
	uv_close((uv_handle_t *)&con->feeder, NULL);
}
