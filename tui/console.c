/*
 * tui/console.c - the console: one pane per host with an interactive shell
 * on a pty, on the engine's loop. Owns the panes (host, connection, shell
 * channel, terminal emulator), the prompt dialogs, the frame timer, the
 * reconnect timer and the terminal's input/resize/signal handles. Engine
 * callbacks only change state and mark things dirty; drawing happens in
 * console_draw.c at most once per frame; keys are handled in
 * console_input.c.
 */
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "tui/provide_curses.h"
#include "tui/tui_int.h"

static void pane_connect(tui_console *con, tui_pane *p);
static void retry_arm(tui_console *con);
static void pane_free(tui_pane *p);
static void retry_schedule(tui_pane *p, eng_fail f);

/* ---- frames ---- */

static void
on_frame(uv_timer_t *t)
{
	tui_console *con = t->data;

	con->frame_pending = 0;
	con->last_frame = uv_now(con->loop);
	tui_draw_frame(con);
}

/*
 * A frame right away, outside the frame-rate cap: for the echo of a key
 * (see on_shell_data). Keys come at human speed, so these are few; a flood
 * still gets one frame per interval.
 */
static void
frame_now(tui_console *con)
{
	if (con->quit)
		return;
	con->frame_pending = 1;
	uv_timer_start(&con->frame, on_frame, 0, 0);
}

void
tui_console_dirty(tui_console *con)
{
	uint64_t now, gap, due;

	if (con->frame_pending || con->quit)
		return;
	/* Capped frame rate: floods coalesce into one draw per frame. */
	gap = 1000 / (uint64_t)(con->cfg->fps > 0 ? con->cfg->fps : 30);
	now = uv_now(con->loop);
	due = con->last_frame + gap > now ? con->last_frame + gap - now : 0;
	con->frame_pending = 1;
	uv_timer_start(&con->frame, on_frame, due, 0);
}

void
tui_console_flash(tui_console *con, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(con->status, sizeof(con->status), fmt, ap);
	va_end(ap);
	con->status_until = uv_now(con->loop) + 4000;
	tui_console_dirty(con);
}

/* ---- prompts from the engine become dialogs ---- */

static void
dialog_push(tui_console *con, tui_dialog *d)
{
	tui_dialog **pp = &con->dialogs;

	while (*pp != NULL)
		pp = &(*pp)->next;
	*pp = d;
	tui_console_dirty(con);
}

static void
on_prompt(eng_conn *c, const eng_prompt *p, void *ud)
{
	tui_console *con = ud;
	tui_dialog *d = calloc(1, sizeof(*d));

	if (d == NULL)
		abort();
	d->c = c;
	d->kind = p->kind;
	d->title = strdup(p->host);
	d->text = strdup(p->text);
	d->detail = p->detail != NULL ? strdup(p->detail) : NULL;
	d->echo = p->echo;
	dialog_push(con, d);
}

void
tui_dialog_free(tui_dialog *d)
{
	explicit_bzero(d->input, sizeof(d->input));
	free(d->title);
	free(d->text);
	free(d->detail);
	free(d);
}

static void
on_prompt_cancel(eng_conn *c, void *ud)
{
	tui_console *con = ud;
	tui_dialog **pp, *d;

	for (pp = &con->dialogs; (d = *pp) != NULL;) {
		if (d->c == c) {
			*pp = d->next;
			tui_dialog_free(d);
		} else {
			pp = &d->next;
		}
	}
	tui_console_dirty(con);
}

void
tui_console_ask(tui_console *con, int kind, const char *title, const char *text)
{
	tui_dialog *d = calloc(1, sizeof(*d));

	if (d == NULL)
		abort();
	d->console_kind = kind;
	d->title = strdup(title);
	d->text = strdup(text);
	d->echo = 1;
	/* Console questions go first: the user just asked for them. */
	d->next = con->dialogs;
	con->dialogs = d;
	tui_console_dirty(con);
}

/* ---- panes ---- */

static tui_pane *
pane_of(eng_conn *c, void *ud)
{
	(void)c;
	return ud;
}

static void
on_conn_state(eng_conn *c, eng_conn_state st, void *ud)
{
	tui_pane *p = pane_of(c, ud);

	if (p == NULL)
		return;
	switch (st) {
	case ENG_CONN_AUTH:
		p->st = TUI_PANE_AUTH;
		break;
	case ENG_CONN_READY:
		p->st = TUI_PANE_READY;
		p->had_session = 1;
		p->retry_marked = 0;
		p->ready_at = uv_now(p->con->loop);
		free(p->why);
		p->why = NULL;
		break;
	case ENG_CONN_FAILED:
	case ENG_CONN_CLOSED:
		/* A close after "shell exited" has no error: keep that reason. */
		if (eng_conn_error(c) != NULL) {
			free(p->why);
			p->why = strdup(eng_conn_error(c));
		}
		/*
		 * A pane that has had a session is lost (and stays so while
		 * reconnect attempts fail); one that never had one, failed.
		 */
		if (p->st != TUI_PANE_CLOSED)
			p->st = p->had_session ? TUI_PANE_LOST : TUI_PANE_FAILED;
		p->c = NULL;
		p->x = NULL;
		if (p->zombie) {
			/* Nothing refers to it any more. */
			tui_pane **pp;

			for (pp = &p->con->zombies; *pp != NULL; pp = &(*pp)->next_zombie) {
				if (*pp == p) {
					*pp = p->next_zombie;
					break;
				}
			}
			pane_free(p);
			return;
		}
		/* CLOSED is always ours (a shell that exited, a close): no retry. */
		if (st == ENG_CONN_FAILED)
			retry_schedule(p, eng_conn_fail(c));
		break;
	default:
		break;
	}
	p->title_dirty = 1;
	tui_console_dirty(p->con);
}

/*
 * Emulation is the console's costly part (libvterm moves the whole screen
 * for every scrolled line), so remote output is queued per pane and fed on
 * a time budget from an idle handle: keystrokes are read between slices
 * whatever the hosts send, and a pane whose queue fills up pauses its
 * channel (the SSH window closes, the host waits).
 */
#define FEED_BUDGET_NS 6000000ull    /* per loop turn, all panes */
#define FEED_SLICE 2048     /* one slice of `yes` is ~1000 scrolled lines */
#define INQ_PAUSE (1u << 20)
/* Output this soon after a key counts as its echo (on_shell_data). */
#define ECHO_WINDOW_MS 500
#define INQ_RESUME (128u << 10)

static void on_feed(uv_idle_t *h);

static void
feed_start(tui_console *con)
{
	if (!con->feeding && !con->quit) {
		con->feeding = 1;
		uv_idle_start(&con->feeder, on_feed);
	}
}

static void
pane_feed(tui_pane *p, size_t max)
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
	} else if (p->inq_off > (1u << 20)) {
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
	uint64_t t0 = uv_hrtime();
	int i, any = 1, n = con->npanes;

	/* Small queues first: that is typing being echoed, not a flood. */
	for (i = 0; i < n; i++) {
		tui_pane *p = con->panes[i];

		if (p->inq.len > p->inq_off && p->inq.len - p->inq_off <= FEED_SLICE)
			pane_feed(p, FEED_SLICE);
	}
	/* Then round-robin slices until the budget is spent or nothing is left. */
	while (any && uv_hrtime() - t0 < FEED_BUDGET_NS) {
		any = 0;
		for (i = 0; i < n && uv_hrtime() - t0 < FEED_BUDGET_NS; i++) {
			tui_pane *p = con->panes[(con->feed_rr + i) % n];

			if (p->inq.len > p->inq_off) {
				pane_feed(p, FEED_SLICE);
				any = 1;
			}
		}
		if (n > 0)
			con->feed_rr = (con->feed_rr + 1) % n;
	}
	tui_console_dirty(con);
	for (i = 0; i < n; i++)
		if (con->panes[i]->inq.len > con->panes[i]->inq_off)
			return;
	con->feeding = 0;
	uv_idle_stop(&con->feeder);
}

static void
on_shell_data(eng_exec *x, int stream, const char *buf, size_t len, void *ud)
{
	tui_pane *p = ud;

	(void)stream;
	if (p->zombie)
		return;
	tui_buf_add(&p->inq, buf, len);
	if (!p->paused && p->inq.len - p->inq_off > INQ_PAUSE) {
		p->paused = 1;
		eng_exec_pause(x, 1);
	}
	/*
	 * A little output soon after a key was sent here is most likely its
	 * echo: on screen now, not at the next frame slot up to 1/fps later
	 * (other panes flooding keep the frame timer busy). Once per key.
	 */
	if (p->echo_until != 0 && uv_now(p->con->loop) <= p->echo_until &&
	    p->inq.len - p->inq_off <= FEED_SLICE) {
		p->echo_until = 0;
		pane_feed(p, FEED_SLICE);
		frame_now(p->con);
		return;
	}
	feed_start(p->con);
}

static void
on_shell_done(eng_exec *x, const eng_exec_result *r, void *ud)
{
	tui_pane *p = ud;
	char msg[160];

	(void)x;
	p->x = NULL;
	p->paused = 0;
	if (!p->zombie) {
		/* What the host sent before it went comes before our marker. */
		pane_feed(p, (size_t)-1);
		msg[0] = '\0';
		/*
		 * Only a session that was up gets a marker: a connect attempt that
		 * failed says why in the title (and retries would pile up lines).
		 */
		if (r->error != NULL && p->st == TUI_PANE_READY)
			snprintf(msg, sizeof(msg), "\r\n[drover: %s]\r\n", "connection lost");
		else if (r->error == NULL)
			snprintf(msg, sizeof(msg), "\r\n[drover: shell exited with status %d]\r\n",
			    r->exit_status);
		/* Our own text into the pane, marking where the session ended. */
		if (msg[0] != '\0')
			tui_term_feed(p->term, msg, strlen(msg));
		if (r->error == NULL) {
			free(p->why);
			p->why = strdup("shell exited");
			p->st = TUI_PANE_LOST;
		}
		p->title_dirty = 1;
		tui_console_dirty(p->con);
	}
	if (p->c != NULL)
		eng_conn_close(p->c);
}

static void
on_term_output(const char *bytes, size_t len, void *ud)
{
	tui_pane *p = ud;

	/* Keys, pastes and query answers: only ever to this pane's own host. */
	if (p->x != NULL && p->st == TUI_PANE_READY) {
		eng_exec_write(p->x, bytes, len);
		p->echo_until = uv_now(p->con->loop) + ECHO_WINDOW_MS;
	}
}

static void
pane_connect(tui_console *con, tui_pane *p)
{
	static const eng_conn_cbs ccbs = { on_conn_state };
	static const eng_exec_cbs xcbs = { on_shell_data, on_shell_done };
	eng_conn_opts o;
	eng_exec_opts xo;
	int rows = 24, cols = 80;

	memset(&o, 0, sizeof(o));
	o.name = p->host.name;
	o.address = p->host.address;
	o.user = p->host.user;
	o.port = p->host.port;
	o.keys = (const char *const *)p->host.keys;
	o.jump = p->host.jump;
	o.ssh_config = con->ssh_config;
	o.accept_new = con->accept_new;
	o.ask_hostkey = 1;
	/* The inventory's settings apply here as in drover exec. */
	o.connect_timeout_ms = con->inv->defaults.connect_timeout * 1000;
	if (con->inv->defaults.accept_new == 1)
		o.accept_new = 1;
	p->st = TUI_PANE_CONNECTING;
	p->title_dirty = 1;
	if (eng_conn_open(con->ctx, &o, &ccbs, p, &p->c) != 0) {
		p->st = p->had_session ? TUI_PANE_LOST : TUI_PANE_FAILED;
		free(p->why);
		p->why = strdup("cannot start a connection");
		return;
	}
	tui_term_size(p->term, &rows, &cols);
	memset(&xo, 0, sizeof(xo));
	xo.pty = 1;
	xo.term = "xterm-256color";
	xo.rows = rows;
	xo.cols = cols;
	if (eng_exec_start(p->c, NULL, &xo, &xcbs, p, &p->x) != 0)
		p->x = NULL;
}

/*
 * A new connection for a pane whose last one is gone; the emulator, and so
 * the scrollback, stays. One marker line per outage, however many attempts
 * (automatic or by key) it takes.
 */
static void
pane_reconnect(tui_console *con, tui_pane *p)
{
	static const char msg[] = "\r\n[drover: reconnecting]\r\n";

	p->retry_at = 0;
	pane_feed(p, (size_t)-1);
	if (!p->retry_marked) {
		tui_term_feed(p->term, msg, sizeof(msg) - 1);
		p->retry_marked = 1;
	}
	p->paused = 0;
	pane_connect(con, p);
	p->title_dirty = 1;
	tui_console_dirty(con);
}

void
tui_console_reconnect(tui_console *con, tui_pane *p)
{
	/*
	 * Only once the old conn is gone (its callbacks would clobber a new
	 * one); a pane waiting for its next automatic attempt goes right now.
	 */
	if (p->c != NULL || p->zombie ||
	    (p->st != TUI_PANE_LOST && p->st != TUI_PANE_FAILED))
		return;
	pane_reconnect(con, p);
	retry_arm(con);
}

/* ---- automatic reconnect ---- */

/*
 * After a transient failure a pane tries again by itself, waiting 1 s, 2 s,
 * 4 s ... up to the configured ceiling, each wait jittered into [3/4, 1] of
 * itself so that hosts lost together (a network blip, 200 handshakes on a
 * busy box) do not come back in lockstep. One console timer serves every
 * pane: it wakes for the next attempt or the next second a countdown in a
 * title changes, and is stopped when no pane waits (idle CPU stays 0).
 */
#define RETRY_BASE_MS 1000
/* A session that lasted this long starts the next outage over at 1 s; one
 * that dies right after login (a host that kicks us out) keeps backing off. */
#define RETRY_STABLE_MS 10000
/* Wakes closer than this are merged: 200 countdowns, a few wakes a second. */
#define RETRY_SLACK_MS 50

/* Worth trying again: the network, the peer, a deadline. Not: host keys,
 * credentials, our own config, or a close we asked for. */
static int
retry_transient(eng_fail f)
{
	switch (f) {
	case ENG_FAIL_RESOLVE:
	case ENG_FAIL_CONNECT:
	case ENG_FAIL_TIMEOUT:
	case ENG_FAIL_PROTOCOL:
	case ENG_FAIL_LOST:
		return 1;
	default:
		return 0;
	}
}

static uint32_t
retry_rand(tui_console *con)
{
	/* xorshift32: jitter needs spread, not secrecy. */
	con->rng ^= con->rng << 13;
	con->rng ^= con->rng >> 17;
	con->rng ^= con->rng << 5;
	return con->rng;
}

static uint64_t
retry_delay(tui_console *con, int attempt)
{
	uint64_t max = (uint64_t)con->cfg->reconnect_max * 1000, d = RETRY_BASE_MS;
	int i;

	for (i = 1; i < attempt && d < max; i++)
		d *= 2;
	if (d > max)
		d = max;
	return d - retry_rand(con) % (d / 4 + 1);
}

static void
on_retry(uv_timer_t *t)
{
	tui_console *con = t->data;
	uint64_t now = uv_now(con->loop);
	int i;

	if (con->quit)
		return;
	for (i = 0; i < con->npanes; i++) {
		tui_pane *p = con->panes[i];

		if (p->retry_at == 0)
			continue;
		p->title_dirty = 1;     /* its countdown moved */
		if (p->retry_at <= now + RETRY_SLACK_MS)
			pane_reconnect(con, p);
	}
	retry_arm(con);
	tui_console_dirty(con);
}

static void
retry_arm(tui_console *con)
{
	uint64_t now = uv_now(con->loop), wake = UINT64_MAX, next;
	int i;

	for (i = 0; i < con->npanes; i++) {
		tui_pane *p = con->panes[i];

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

static void
retry_schedule(tui_pane *p, eng_fail f)
{
	tui_console *con = p->con;
	uint64_t now = uv_now(con->loop);

	if (!con->cfg->reconnect || con->quit || p->zombie || !retry_transient(f))
		return;
	if (p->ready_at != 0 && now - p->ready_at >= RETRY_STABLE_MS)
		p->attempts = 0;
	p->ready_at = 0;
	if (p->attempts < 64)
		p->attempts++;
	p->retry_at = now + retry_delay(con, p->attempts);
	retry_arm(con);
}

void
tui_host_copy(cfg_host *dst, const cfg_host *src)
{
	size_t n = 0, i;

	memset(dst, 0, sizeof(*dst));
	dst->name = strdup(src->name);
	dst->address = src->address ? strdup(src->address) : NULL;
	dst->user = src->user ? strdup(src->user) : NULL;
	dst->port = src->port;
	dst->jump = src->jump ? strdup(src->jump) : NULL;
	dst->in_inventory = src->in_inventory;
	if (src->keys != NULL) {
		while (src->keys[n] != NULL)
			n++;
		dst->keys = calloc(n + 1, sizeof(char *));
		if (dst->keys == NULL)
			abort();
		for (i = 0; i < n; i++)
			dst->keys[i] = strdup(src->keys[i]);
	}
}

void
tui_host_clear(cfg_host *h)
{
	size_t i;

	free(h->name);
	free(h->address);
	free(h->user);
	free(h->jump);
	for (i = 0; h->keys != NULL && h->keys[i] != NULL; i++)
		free(h->keys[i]);
	free(h->keys);
	for (i = 0; h->tags != NULL && h->tags[i] != NULL; i++)
		free(h->tags[i]);
	free(h->tags);
	memset(h, 0, sizeof(*h));
}

static void
pane_free(tui_pane *p)
{
	tui_buf_free(&p->inq);
	tui_term_free(p->term);
	tui_host_clear(&p->host);
	free(p->name);
	free(p->why);
	free(p);
}

static tui_pane *
pane_new(tui_console *con, const cfg_host *h)
{
	tui_pane *p = calloc(1, sizeof(*p));
	static const tui_term_cbs tcbs = { on_term_output, NULL, NULL };

	if (p == NULL)
		abort();
	p->con = con;
	p->name = strdup(h->name);
	/* Deep copy: the resolved list is freed by the caller. */
	tui_host_copy(&p->host, h);
	p->color = con->npanes;
	p->term = tui_term_new(24, 80, con->cfg->scrollback, &tcbs, p);
	return p;
}

int
tui_console_add_targets(tui_console *con, const char *expr)
{
	cfg_host *hosts = NULL;
	size_t n = 0, i;
	char *cause = NULL;
	int j, dup;

	if (cfg_targets_resolve(con->inv, expr, &hosts, &n, &cause) != 0) {
		char *msg = tui_sanitize_str(cause);

		tui_console_flash(con, "%s", msg);
		free(msg);
		free(cause);
		return -1;
	}
	for (i = 0; i < n; i++) {
		tui_pane *p;

		for (dup = 0, j = 0; j < con->npanes; j++)
			if (strcmp(con->panes[j]->name, hosts[i].name) == 0)
				dup = 1;
		if (dup)
			continue;
		p = pane_new(con, &hosts[i]);
		con->panes = realloc(con->panes, (size_t)(con->npanes + 1) * sizeof(*con->panes));
		if (con->panes == NULL)
			abort();
		con->panes[con->npanes++] = p;
		pane_connect(con, p);
	}
	cfg_hosts_free(hosts, n);
	con->focus = con->npanes > 0 ? con->npanes - 1 : 0;
	if (n > 1)
		con->focus = con->npanes - (int)n > 0 ? con->npanes - (int)n : 0;
	tui_console_relayout(con);
	return 0;
}

void
tui_console_close_pane(tui_console *con, int idx)
{
	tui_pane *p;

	if (idx < 0 || idx >= con->npanes)
		return;
	p = con->panes[idx];
	memmove(&con->panes[idx], &con->panes[idx + 1],
	    (size_t)(con->npanes - idx - 1) * sizeof(*con->panes));
	con->npanes--;
	if (con->focus >= con->npanes)
		con->focus = con->npanes - 1;
	if (con->focus < 0)
		con->focus = 0;
	con->zoom = -1;
	p->zombie = 1;
	p->st = TUI_PANE_CLOSED;
	if (p->c != NULL) {
		/* Freed when the engine reports the conn closed. */
		p->next_zombie = con->zombies;
		con->zombies = p;
		eng_conn_close(p->c);
	} else {
		pane_free(p);
	}
	retry_arm(con);
	tui_console_relayout(con);
}

tui_pane **
tui_console_targets(tui_console *con, int *n)
{
	tui_pane **v = calloc((size_t)con->npanes + 1, sizeof(*v));
	int i, k = 0, armed = 0;

	if (v == NULL)
		abort();
	for (i = 0; i < con->npanes; i++)
		armed += con->panes[i]->armed;
	for (i = 0; i < con->npanes; i++)
		if (!armed || con->panes[i]->armed)
			v[k++] = con->panes[i];
	*n = k;
	return v;
}

/* ---- geometry ---- */

void
tui_console_relayout(tui_console *con)
{
	tui_rect area, *r;
	int i, side = con->sidebar ? 22 : 0;

	area.x = side;
	area.y = 0;
	area.w = con->cols - side;
	area.h = con->rows - 1;   /* status bar */
	if (area.w < 1 || area.h < 1 || con->npanes == 0) {
		con->layout_dirty = con->full_dirty = 1;
		tui_console_dirty(con);
		return;
	}
	con->compact = con->zoom < 0 && tui_layout_too_small(con->layout, con->npanes, area,
	    con->cfg->min_pane_cols, con->cfg->min_pane_rows);
	r = calloc((size_t)con->npanes, sizeof(*r));
	if (r == NULL)
		abort();
	if (con->compact)
		tui_layout_compute(con->layout, con->npanes, area, -1, r);
	else
		tui_layout_compute(con->layout, con->npanes, area, con->zoom, r);
	for (i = 0; i < con->npanes; i++) {
		tui_pane *p = con->panes[i];

		p->rect = r[i];
		p->inner = tui_layout_inner(r[i], area);
		if (con->compact) {
			p->rect.w = p->rect.h = p->inner.w = p->inner.h = 0;
			continue;
		}
		/* 0-sized panes (zoomed away) keep their size: never sent. */
		if (p->inner.w > 0 && p->inner.h > 0 &&
		    tui_term_resize(p->term, p->inner.h, p->inner.w) && p->x != NULL)
			eng_exec_resize(p->x, p->inner.w, p->inner.h);
		tui_term_touch(p->term);
		p->title_dirty = 1;
	}
	free(r);
	con->layout_dirty = 0;
	con->full_dirty = 1;
	tui_console_dirty(con);
}

static void
read_size(tui_console *con)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
		con->rows = ws.ws_row;
		con->cols = ws.ws_col;
	} else {
		con->rows = LINES;
		con->cols = COLS;
	}
}

static void
on_winch(uv_signal_t *s, int signum)
{
	tui_console *con = s->data;

	(void)signum;
	read_size(con);
	resizeterm(con->rows, con->cols);
	tui_console_relayout(con);
}

static void
on_quit_signal(uv_signal_t *s, int signum)
{
	tui_console *con = s->data;

	(void)signum;
	con->quit = 1;
}

/* ---- input ---- */

static void
on_input(uv_poll_t *h, int status, int events)
{
	tui_console *con = h->data;
	wint_t wc;
	int r, n = 0;

	(void)status;
	(void)events;
	/* Bounded: a paste flood must not starve the engine. */
	while (n++ < 4096 && (r = wget_wch(stdscr, &wc)) != ERR) {
		int alt = 0;

		/* ESC then a key at once is Alt+key (what terminals send). */
		if (r == OK && wc == 27) {
			wint_t w2;
			int r2 = wget_wch(stdscr, &w2);

			if (r2 == OK && w2 == 27) {
				tui_input_key(con, 0, 0, 27);   /* ESC ESC: both go */
			} else if (r2 == OK) {
				alt = TUI_MOD_ALT;
				wc = w2;
			} else if (r2 == KEY_CODE_YES) {
				tui_input_key(con, (int)w2, TUI_MOD_ALT, 0);
				continue;
			}
		}
		if (r == KEY_CODE_YES) {
			int key = (int)wc;

			if (key == KEY_MOUSE) {
				MEVENT me;

				if (getmouse(&me) == OK)
					tui_input_mouse(con, me.x, me.y, (int)me.bstate);
				continue;
			}
			if (key == KEY_RESIZE) {
				read_size(con);
				tui_console_relayout(con);
				continue;
			}
			tui_input_key(con, key, alt, 0);
		} else {
			tui_input_key(con, 0, alt, (uint32_t)wc);
		}
		if (con->quit)
			break;
	}
	/*
	 * No frame just for a key: the echo will ask for one, and a frame drawn
	 * now would push the echo's frame back by a whole frame interval.
	 */
	if (con->quit)
		uv_stop(con->loop);
}

/* ---- run ---- */

static const char console_usage[] =
"usage: drover [-F ssh_config] [-i inventory] [options] [TARGETS]\n"
"\n"
"Opens the console: a pane with an interactive shell per host TARGETS names\n"
"(or the inventory in a sidebar when none are given).\n"
"\n"
"  -c FILE        console config (default $XDG_CONFIG_HOME/drover/console.ini)\n"
"  --accept-new   record unknown host keys without asking\n"
"  --layout NAME  tiled, even-horizontal, even-vertical, main-stack\n"
"\n"
"Keys: press the prefix (shown in the status bar), then ? for the bindings.\n";

int
tui_console_run(int argc, char **argv, const char *ssh_config, const char *inventory)
{
	tui_console con;
	eng_ctx_opts eo;
	char *cause = NULL;
	const char *cfgpath = NULL, *targets = NULL, *layout = NULL;
	int i, rc = 0;

	memset(&con, 0, sizeof(con));
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			cfgpath = argv[++i];
		} else if (strcmp(argv[i], "--accept-new") == 0) {
			con.accept_new = 1;
		} else if (strcmp(argv[i], "--layout") == 0 && i + 1 < argc) {
			layout = argv[++i];
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(console_usage, stdout);
			return 0;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "drover: unknown option '%s'\n(see drover --help)\n", argv[i]);
			return 2;
		} else if (targets == NULL) {
			targets = argv[i];
		} else {
			fprintf(stderr, "drover: one TARGETS expression, got '%s' too\n", argv[i]);
			return 2;
		}
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "drover: the console needs a terminal (use drover exec for scripts)\n");
		return 2;
	}
	if (cfg_console_load(cfgpath, &con.cfg, &cause) != 0 ||
	    cfg_inventory_load(inventory, &con.inv, &cause) != 0 ||
	    cfg_inventory_add_ssh_aliases(con.inv, ssh_config, &cause) != 0) {
		char *msg = tui_sanitize_str(cause);

		fprintf(stderr, "drover: %s\n", msg);
		free(msg);
		free(cause);
		cfg_console_free(con.cfg);
		cfg_inventory_free(con.inv);
		return 2;
	}
	con.layout = TUI_LAYOUT_TILED;
	if (layout != NULL) {
		int k;

		for (k = 0; k < TUI_LAYOUT__COUNT; k++)
			if (strcmp(tui_layout_name((tui_layout_kind)k), layout) == 0)
				con.layout = (tui_layout_kind)k;
	}
	con.zoom = -1;
	con.ssh_config = ssh_config != NULL ? strdup(ssh_config) : NULL;
	con.sidebar = targets == NULL;

	setlocale(LC_ALL, "");
	if (getenv("ESCDELAY") == NULL)
		set_escdelay(25);
	if (initscr() == NULL) {
		fprintf(stderr, "drover: cannot initialise the terminal\n");
		return 2;
	}
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	if (con.cfg->mouse)
		mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	tui_draw_init(&con);
	con.loop = uv_default_loop();
	memset(&eo, 0, sizeof(eo));
	eo.prompt = on_prompt;
	eo.prompt_cancel = on_prompt_cancel;
	eo.prompt_ud = &con;
	eo.log_path = getenv("DROVER_LOG");
	eng_ctx_new(con.loop, &eo, &con.ctx);
	uv_timer_init(con.loop, &con.frame);
	con.frame.data = &con;
	uv_idle_init(con.loop, &con.feeder);
	con.feeder.data = &con;
	uv_timer_init(con.loop, &con.retry);
	con.retry.data = &con;
	con.rng = (uint32_t)(uv_hrtime() ^ ((uint64_t)getpid() << 16)) | 1u;
	uv_poll_init(con.loop, &con.in, STDIN_FILENO);
	con.in.data = &con;
	uv_poll_start(&con.in, UV_READABLE, on_input);
	uv_signal_init(con.loop, &con.winch);
	con.winch.data = &con;
	uv_signal_start(&con.winch, on_winch, SIGWINCH);
	uv_signal_init(con.loop, &con.sigterm);
	con.sigterm.data = &con;
	uv_signal_start(&con.sigterm, on_quit_signal, SIGTERM);
	uv_signal_init(con.loop, &con.sighup);
	con.sighup.data = &con;
	uv_signal_start(&con.sighup, on_quit_signal, SIGHUP);
	read_size(&con);
	if (targets != NULL && tui_console_add_targets(&con, targets) != 0)
		rc = 2;
	tui_console_relayout(&con);
	if (rc == 0) {
		while (!con.quit && uv_run(con.loop, UV_RUN_ONCE) != 0)
			;
	}
	/* Wind down: close every pane, let the engine finish, restore the tty. */
	con.quit = 1;
	while (con.npanes > 0)
		tui_console_close_pane(&con, con.npanes - 1);
	while (con.dialogs != NULL) {
		tui_dialog *d = con.dialogs;

		con.dialogs = d->next;
		tui_dialog_free(d);
	}
	tui_board_free(con.board);
	con.board = NULL;
	uv_close((uv_handle_t *)&con.frame, NULL);
	uv_close((uv_handle_t *)&con.feeder, NULL);
	uv_close((uv_handle_t *)&con.retry, NULL);
	uv_close((uv_handle_t *)&con.in, NULL);
	uv_close((uv_handle_t *)&con.winch, NULL);
	uv_close((uv_handle_t *)&con.sigterm, NULL);
	uv_close((uv_handle_t *)&con.sighup, NULL);
	uv_run(con.loop, UV_RUN_DEFAULT);
	endwin();
	eng_ctx_free(con.ctx);
	uv_loop_close(con.loop);
	free(con.panes);
	free(con.ssh_config);
	free(con.search);
	cfg_inventory_free(con.inv);
	cfg_console_free(con.cfg);
	if (rc != 0)
		fprintf(stderr, "drover: %s\n", con.status);
	return rc;
}
