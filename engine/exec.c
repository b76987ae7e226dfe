/*
 * engine/exec.c - exec channels on a ready connection: open, request exec,
 * deliver stdout/stderr as they arrive (libssh channel callbacks, run from
 * the session pump in conn.c), collect exit status or signal, end on the
 * server's channel close.
 *
 * Timeouts must leave nothing running. sshd puts each session's command in
 * its own session/process group (setsid), but a signal request or a channel
 * close reaches only the shell, not a pipeline under it. So a kill (or a
 * timeout) runs a second channel on the same session that kills the
 * command's group (TERM, then KILL) before ours is closed. Which group: a
 * command is prefixed with one line that reports its shell's pid (= its
 * process group) on stderr, which we strip. An exec that is alone on its
 * conn (the fan-out) skips that line - it would cost a packet each way on
 * every host - and the kill takes every other child of the connection's
 * sshd process, i.e. every other session on it, which is only that command.
 * The kill itself is exec_kill.c.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

#define PID_TAG "\036drover-pid="   /* RS byte: no real program starts with it */
/* Output a paused exec lets libssh hold before the server is deemed hostile. */
#define EXEC_PAUSED_MAX ((uint32_t)8 << 20)

/* ---- libssh channel callbacks (inside ssh_event_dopoll) ---- */

void
eng__exec_deliver(eng_exec *x, int stream, const char *buf, size_t len)
{
	if (len == 0)
		return;
	if (stream == 1)
		x->out_bytes += len;
	else
		x->err_bytes += len;
	if (x->cbs.on_data != NULL)
		x->cbs.on_data(x, stream, buf, len, x->ud);
}

/* Strips our pid line from the start of stderr; anything else passes. */
static size_t
eat_pid_tag(eng_exec *x, const char *buf, size_t len)
{
	size_t i, taglen = strlen(PID_TAG);
	char ch;

	for (i = 0; i < len; i++) {
		ch = buf[i];
		if (x->pidlen < taglen ? ch != PID_TAG[x->pidlen] :
		    !(ch == '\n' || (ch >= '0' && ch <= '9')) ||
		    x->pidlen >= sizeof(x->pidbuf) - 1) {
			/* Not ours after all: give back what we held. */
			x->pid_state = 1;
			if (x->kill_pending)
				eng__conn_kick(x->c);
			eng__exec_deliver(x, 2, x->pidbuf, x->pidlen);
			return i;
		}
		if (ch == '\n') {
			x->pidbuf[x->pidlen] = '\0';
			x->pid = strtol(x->pidbuf + taglen, NULL, 10);
			x->pid_state = 1;
			x->pidlen = 0;
			if (x->kill_pending)
				eng__conn_kick(x->c);   /* eng__exec_reap runs the kill */
			ENG_LOG(x->c->ctx, "%s: remote process group %ld", x->c->name, x->pid);
			return i + 1;
		}
		x->pidbuf[x->pidlen++] = ch;
	}
	return len;
}

static int
on_ch_data(ssh_session s, ssh_channel ch, void *data, uint32_t len, int is_stderr,
    void *ud)
{
	eng_exec *x = ud;
	const char *buf = data;
	size_t off = 0;

	(void)s;
	(void)ch;
	if (x->st == X_DONE || x->flow_broken)
		return (int)len;
	/*
	 * Left in libssh's buffer: the window stays shut until we resume. But
	 * libssh 0.10 buffers whatever a server sends past the window ("let's
	 * accept it anyway"); len is all it holds for this stream. Far past
	 * the window it grants (1.28 MB), the command is ended and the rest
	 * dropped, not held.
	 */
	if (x->paused) {
		if (len <= EXEC_PAUSED_MAX)
			return 0;
		x->flow_broken = 1;
		if (x->error == NULL)
			x->error = util_xasprintf("the server sent %u bytes past the flow-control "
			    "window while output was paused", (unsigned)len);
		x->fail = ENG_FAIL_PROTOCOL;
		ENG_LOG(x->c->ctx, "%s: %s", x->c->name, x->error);
		eng__conn_kick(x->c);   /* eng__exec_reap runs the kill */
		return (int)len;
	}
	if (is_stderr && x->pid_state == 0)
		off = eat_pid_tag(x, buf, len);
	if (is_stderr && x->sudo_st != EXEC_SUDO_NONE && x->sudo_st != EXEC_SUDO_READY) {
		eng__sudo_filter(x, buf + off, len - off);
		return (int)len;
	}
	eng__exec_deliver(x, is_stderr ? 2 : 1, buf + off, len - off);
	return (int)len;
}

static void
on_ch_close(ssh_session s, ssh_channel ch, void *ud)
{
	eng_exec *x = ud;

	(void)s;
	(void)ch;
	x->remote_closed = 1;   /* finished by eng__exec_reap, outside libssh */
}

static void
on_ch_exit_status(ssh_session s, ssh_channel ch, int status, void *ud)
{
	eng_exec *x = ud;

	(void)s;
	(void)ch;
	x->exit_status = status;
}

static void
on_ch_exit_signal(ssh_session s, ssh_channel ch, const char *signal, int core,
    const char *errmsg, const char *lang, void *ud)
{
	eng_exec *x = ud;

	(void)s;
	(void)ch;
	(void)core;
	(void)errmsg;
	(void)lang;
	free(x->signal);
	/* The server names it: a short printable token, whatever it sent. */
	x->signal = eng__xstrdup_token(signal, ENG_SIGNAL_NAME_MAX);
}

/* ---- ops (re-issued by conn.c while SSH_AGAIN) ---- */

static int
op_open(eng_conn *c, void *arg)
{
	eng_exec *x = arg;

	if (x->st != X_OPENING && x->ch == NULL)
		return SSH_OK;   /* killed before it started */
	if (x->ch == NULL) {
		if ((x->ch = ssh_channel_new(c->s)) == NULL)
			return SSH_ERROR;
		memset(&x->chcb, 0, sizeof(x->chcb));
		x->chcb.userdata = x;
		x->chcb.channel_data_function = on_ch_data;
		x->chcb.channel_close_function = on_ch_close;
		x->chcb.channel_exit_status_function = on_ch_exit_status;
		x->chcb.channel_exit_signal_function = on_ch_exit_signal;
		ssh_callbacks_init(&x->chcb);
		ssh_set_channel_callbacks(x->ch, &x->chcb);
	}
	return ssh_channel_open_session(x->ch);
}

static int
op_pty(eng_conn *c, void *arg)
{
	eng_exec *x = arg;

	(void)c;
	if (x->st != X_OPENING)
		return SSH_OK;
	return ssh_channel_request_pty_size(x->ch, x->term, x->cols, x->rows);
}

static int
op_exec(eng_conn *c, void *arg)
{
	eng_exec *x = arg;

	(void)c;
	if (x->st != X_OPENING)
		return SSH_OK;
	x->exec_sent = 1;
	if (x->command == NULL)
		return ssh_channel_request_shell(x->ch);
	if (x->subsystem)
		return ssh_channel_request_subsystem(x->ch, x->command);
	return ssh_channel_request_exec(x->ch, x->command);
}

static void
on_timeout(uv_timer_t *t)
{
	eng_exec *x = t->data;
	eng_conn *c = x->c;

	eng__conn_enter(c);
	x->timed_out = 1;
	ENG_LOG(c->ctx, "%s: command timed out", c->name);
	eng_exec_kill(x);
	eng__conn_leave(c);
}

static void
op_exec_done(eng_conn *c, void *arg, int rc)
{
	eng_exec *x = arg;

	if (x->st != X_OPENING)
		return;
	if (rc != SSH_OK) {
		if (!x->killed)
			x->error = util_xasprintf("cannot start command: %s",
			    eng__ssh_error(c, "no reason given"));
		eng__exec_finish(x);
		return;
	}
	x->st = X_RUNNING;
	x->resize_pending = 0;
	if (x->on_running != NULL)
		x->on_running(x, x->ud);
	if (x->kill_pending) {
		/* Killed while the server was starting it: it runs now. */
		x->kill_pending = 0;
		x->killing = 0;
		eng_exec_kill(x);
		return;
	}
}

static void
op_pty_done(eng_conn *c, void *arg, int rc)
{
	eng_exec *x = arg;

	if (x->st != X_OPENING)
		return;
	if (rc != SSH_OK) {
		x->error = util_xasprintf("cannot get a terminal: %s",
		    eng__ssh_error(c, "no reason given"));
		eng__exec_finish(x);
		return;
	}
	eng__conn_op_push(c, op_exec, op_exec_done, x);
}

static void
op_open_done(eng_conn *c, void *arg, int rc)
{
	eng_exec *x = arg;

	if (rc != SSH_OK || x->ch == NULL) {
		if (x->error == NULL && !x->killed && !x->timed_out)
			x->error = util_xasprintf("cannot open channel: %s",
			    eng__ssh_error(c, "no reason given"));
		eng__exec_finish(x);
		return;
	}
	if (x->st != X_OPENING) {
		/* Killed while the open was in flight: close what we opened. */
		x->st = X_OPENING;
		eng__exec_close_channel(x);
		return;
	}
	if (x->pty)
		eng__conn_op_push(c, op_pty, op_pty_done, x);
	else
		eng__conn_op_push(c, op_exec, op_exec_done, x);
}

static int
op_close(eng_conn *c, void *arg)
{
	eng_exec *x = arg;

	(void)c;
	if (x->ch != NULL && !x->remote_closed && !x->close_sent) {
		x->close_sent = 1;
		ssh_channel_close(x->ch);
	}
	return SSH_OK;
}

static void
on_close_grace(uv_timer_t *t)
{
	eng_exec *x = t->data;
	eng_conn *c = x->c;

	/* The server never confirmed the close: stop waiting for it. */
	eng__conn_enter(c);
	if (x->st != X_DONE)
		eng__exec_finish(x);
	eng__conn_leave(c);
}

static void
op_close_done(eng_conn *c, void *arg, int rc)
{
	eng_exec *x = arg;

	(void)c;
	(void)rc;
	if (x->st == X_DONE || x->kill_watch)
		return;   /* a kill's deadline covers the close too */
	uv_timer_start(&x->timer, on_close_grace, 5000, 0);
}

void
eng__exec_close_channel(eng_exec *x)
{
	if (x->st == X_DONE || x->st == X_CLOSING)
		return;
	if (x->ch == NULL && x->st == X_QUEUED) {
		eng__exec_finish(x);
		return;
	}
	x->st = X_CLOSING;
	eng__conn_op_push(x->c, op_close, op_close_done, x);
}

/* ---- lifetime ---- */

/* A command (not a kill helper) on c other than x, or NULL. */
const eng_exec *
eng__exec_other_command(const eng_conn *c, const eng_exec *x)
{
	const eng_exec *o;

	for (o = c->execs; o != NULL; o = o->next)
		if (o != x && !o->internal)
			return o;
	return NULL;
}

static void
on_timer_closed(uv_handle_t *h)
{
	eng_exec *x = h->data;

	free(x->command);
	free(x->term);
	free(x->signal);
	free(x->error);
	if (x->wbuf != NULL)
		explicit_bzero(x->wbuf, x->wcap);   /* keystrokes may be secrets */
	free(x->wbuf);
	free(x);
}

static void
exec_unlink(eng_exec *x)
{
	eng_exec **pp;

	for (pp = &x->c->execs; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == x) {
			*pp = x->next;
			break;
		}
	}
}

void
eng__exec_finish(eng_exec *x)
{
	eng_exec_result r;
	eng_exec *h;
	eng_conn *c = x->c;
	ssh_channel ch;

	if (x->st == X_DONE)
		return;
	x->st = X_DONE;
	uv_timer_stop(&x->timer);
	if (x->pid_state == 0 && x->pidlen > 0)
		eng__exec_deliver(x, 2, x->pidbuf, x->pidlen);
	eng__sudo_end(x);
	ch = x->ch;
	x->ch = NULL;
	if (ch != NULL)
		ssh_remove_channel_callbacks(ch, &x->chcb);
	exec_unlink(x);
	eng__conn_op_cancel(x->c, x);
	/* A kill helper whose target ended meanwhile has nothing to do. */
	for (h = x->c->execs; h != NULL; h = h->next)
		if (h->target == x)
			h->target = NULL;
	memset(&r, 0, sizeof(r));
	r.exit_status = x->exit_status;
	r.sudo_denied = x->sudo_denied;
	r.signal = x->signal;
	r.timed_out = x->timed_out;
	r.killed = x->killed;
	r.unresponsive = x->unresponsive;
	r.error = x->error;
	r.fail = x->fail;
	r.out_bytes = x->out_bytes;
	r.err_bytes = x->err_bytes;
	eng__conn_enter(c);
	if (x->cbs.on_done != NULL)
		x->cbs.on_done(x, &r, x->ud);
	/*
	 * Freeing the channel sends EOF and CHANNEL_CLOSE. A conn that is
	 * closing now (the fan-out closes it on this result) ends with
	 * SSH_MSG_DISCONNECT, which closes every channel: those two packets
	 * would cost both ends for nothing, so libssh releases the channel
	 * with the session. A conn torn down in the callback has already
	 * released it.
	 */
	if (ch != NULL && !c->dead && !c->close_req)
		ssh_channel_free(ch);
	eng__conn_leave(c);
	uv_close((uv_handle_t *)&x->timer, on_timer_closed);
}

/*
 * The conn is ready: the channel is asked for and the timeout starts. From
 * here, not from the exec request's answer: a server that never answers
 * the open must meet the deadline too.
 */
static void
exec_open(eng_exec *x)
{
	x->st = X_OPENING;
	eng__conn_op_push(x->c, op_open, op_open_done, x);
	if (x->timeout_ms > 0)
		uv_timer_start(&x->timer, on_timeout, (uint64_t)x->timeout_ms, 0);
}

int
eng__exec_start_internal(eng_conn *c, const char *command, int internal,
    const eng_exec_opts *opts, const eng_exec_cbs *cbs, void *ud, eng_exec **out)
{
	const eng_exec *o;
	eng_exec *x;
	char *wrapped = NULL;

	*out = NULL;
	if (c == NULL || (command == NULL && internal))
		return ENG_EINVAL;
	if (c->dead || c->close_req)
		return ENG_ECLOSED;
	/*
	 * An alone exec's kill takes every other session on the conn, so it
	 * gets no company (and being alone, it is the only command there).
	 */
	if (!internal && (o = eng__exec_other_command(c, NULL)) != NULL &&
	    (o->alone || (opts != NULL && opts->alone)))
		return ENG_ESTATE;
	x = util_xcalloc(1, sizeof(*x));
	x->c = c;
	x->internal = internal;
	x->alone = !internal && opts != NULL && opts->alone;
	x->subsystem = !internal && opts != NULL && opts->subsystem;
	if (x->subsystem && (command == NULL || x->alone || (opts != NULL && opts->pty))) {
		free(x);
		return ENG_EINVAL;
	}
	x->timeout_ms = opts != NULL ? opts->timeout_ms : 0;
	if (opts != NULL && opts->pty) {
		x->pty = 1;
		x->term = util_xstrdup(opts->term != NULL ? opts->term : "xterm-256color");
		x->cols = opts->cols > 0 ? opts->cols : 80;
		x->rows = opts->rows > 0 ? opts->rows : 24;
	}
	if (opts != NULL && opts->sudo != NULL && command != NULL && !internal &&
	    !x->subsystem && !x->pty) {
		x->sudo = opts->sudo;
		x->sudo_st = EXEC_SUDO_WAIT;
		command = wrapped = eng__sudo_wrap(opts->sudo, command);
	} else if (opts != NULL && opts->sudo != NULL) {
		free(x->term);
		free(x);
		return ENG_EINVAL;   /* sudo needs stderr apart, and a command */
	}
	if (opts != NULL && opts->input != NULL && !internal) {
		x->in = opts->input;
		x->inlen = opts->input_len;
	}
	if (command == NULL || x->pty || x->subsystem) {
		/* A terminal merges stderr; a subsystem is not a shell command. */
		x->command = util_xstrdup(command);
		x->pid_state = 1;
	} else if (!internal && !x->alone) {
		x->command = util_xasprintf("printf '" "\\036drover-pid=%%s\\n' $$ >&2; %s",
		    command);
	} else {
		x->command = util_xstrdup(command);
		x->pid_state = 1;
	}
	free(wrapped);
	if (cbs != NULL)
		x->cbs = *cbs;
	x->ud = ud;
	x->exit_status = -1;
	uv_timer_init(c->ctx->loop, &x->timer);
	x->timer.data = x;
	x->next = c->execs;
	c->execs = x;
	x->st = X_QUEUED;
	if (c->st == ENG_CONN_READY)
		exec_open(x);
	*out = x;
	return 0;
}

int
eng_exec_start(eng_conn *c, const char *command, const eng_exec_opts *opts,
    const eng_exec_cbs *cbs, void *ud, eng_exec **out)
{
	return eng__exec_start_internal(c, command, 0, opts, cbs, ud, out);
}

/*
 * The queue is a ring: the channel takes it from the front a write (32 KiB
 * at most) at a time while an SFTP stream keeps megabytes queued, and
 * moving the rest down after each write copied the queue once per 32 KiB
 * (a fifth of a 1 GiB put's client CPU).
 */
static void
wring_put(eng_exec *x, const char *buf, size_t len)
{
	size_t at, n;

	if (len == 0)
		return;   /* nothing, and maybe no ring yet */
	at = (x->woff + x->wlen) % x->wcap;
	n = x->wcap - at < len ? x->wcap - at : len;
	memcpy(x->wbuf + at, buf, n);
	memcpy(x->wbuf, buf + n, len - n);
	x->wlen += len;
}

void
eng__exec_queue(eng_exec *x, const void *buf, size_t len)
{
	if (x->wlen + len > x->wcap) {
		size_t cap = x->wcap ? x->wcap : 256, n = x->wlen;
		char *old = x->wbuf;

		while (cap < x->wlen + len)
			cap *= 2;
		/* Not realloc: the old copy would keep keystrokes in freed memory. */
		x->wbuf = util_xmalloc(cap);
		x->wlen = 0;
		if (n > 0) {
			size_t first = x->wcap - x->woff < n ? x->wcap - x->woff : n;

			memcpy(x->wbuf, old + x->woff, first);
			memcpy(x->wbuf + first, old, n - first);
			x->wlen = n;
		}
		if (old != NULL) {
			explicit_bzero(old, x->wcap);
			free(old);
		}
		x->wcap = cap;
		x->woff = 0;
	}
	wring_put(x, buf, len);
	eng__conn_kick(x->c);
}

int
eng_exec_write(eng_exec *x, const void *buf, size_t len)
{
	if (x == NULL || x->st == X_DONE || x->st == X_CLOSING || x->eof_pending)
		return ENG_ESTATE;
	eng__exec_queue(x, buf, len);
	return 0;
}

size_t
eng_exec_pending(const eng_exec *x)
{
	return x != NULL ? x->wlen : 0;
}

void
eng_exec_resize(eng_exec *x, int cols, int rows)
{
	if (x == NULL || !x->pty || cols <= 0 || rows <= 0 || x->st == X_DONE)
		return;
	if (cols == x->cols && rows == x->rows)
		return;
	x->cols = cols;
	x->rows = rows;
	if (x->st == X_RUNNING) {
		x->resize_pending = 1;
		eng__conn_kick(x->c);
	}
	/* Before the pty exists the new size goes into the pty request. */
}

void
eng_exec_pause(eng_exec *x, int paused)
{
	if (x == NULL || x->st == X_DONE || x->paused == !!paused)
		return;
	x->paused = !!paused;
	if (!paused) {
		/* What waited in libssh comes out from the conn's next step. */
		x->drain = 1;
		eng__conn_kick(x->c);
	}
}

void
eng_exec_send_eof(eng_exec *x)
{
	if (x == NULL || x->st == X_DONE)
		return;
	x->eof_pending = 1;
	eng__conn_kick(x->c);
}

/*
 * The shared input, as far as the window takes it: libssh copies what fits
 * the window, so a slow host holds only its offset here and its unread
 * part stays in the one buffer every exec reads.
 */
static void
feed_input(eng_exec *x, uint64_t t0)
{
	int n;

	while (x->inoff < x->inlen) {
		uint64_t t = uv_hrtime();

		n = ssh_channel_write(x->ch, x->in + x->inoff, eng__exec_write_size(x, x->inlen - x->inoff));
		eng__exec_write_took(x, n, uv_hrtime() - t);
		if (n < 0) {
			x->in = NULL;   /* the command went away: nobody reads it */
			return;
		}
		if (n == 0)
			return;   /* window full: a window adjust brings us back */
		x->inoff += (size_t)n;
		if (eng__exec_write_blocked(x))
			return;   /* the socket's POLLOUT brings us back */
		if (x->inoff < x->inlen && uv_hrtime() - t0 > ENG_EXEC_WRITE_BUDGET_NS) {
			eng__conn_kick_later(x->c);   /* the rest after the others */
			return;
		}
	}
	x->in = NULL;
	x->eof_pending = 1;
}

/* Stdin, window changes, EOF: sent from the conn's step, outside libssh. */
void
eng__exec_flush(eng_conn *c)
{
	eng_exec *x;
	uint64_t t0;
	int n;

	for (x = c->execs; x != NULL; x = x->next) {
		if (x->st != X_RUNNING || x->ch == NULL)
			continue;
		if (x->drain && !x->paused) {
			char buf[16384];
			int stream, got, rounds = 0;

			x->drain = 0;
			/* Bounded like the pump; the rest on the next turn. */
			for (stream = 0; stream <= 1; stream++) {
				while (!x->paused && rounds++ < 8 &&
				    (got = ssh_channel_read_nonblocking(x->ch, buf, sizeof(buf),
				    stream)) > 0)
					on_ch_data(c->s, x->ch, buf, (uint32_t)got, stream, x);
			}
			if (rounds >= 8 && !x->paused) {
				x->drain = 1;
				eng__conn_kick(c);
			}
		}
		if (x->resize_pending) {
			x->resize_pending = 0;
			ssh_channel_change_pty_size(x->ch, x->cols, x->rows);
		}
		t0 = uv_hrtime();
		while (x->wlen > 0) {
			uint64_t t = uv_hrtime();

			n = ssh_channel_write(x->ch, x->wbuf + x->woff, eng__exec_write_size(x,
			    x->wcap - x->woff < x->wlen ? x->wcap - x->woff : x->wlen));
			eng__exec_write_took(x, n, uv_hrtime() - t);
			if (n <= 0)
				break;   /* window full: the next step retries */
			x->woff = (x->woff + (size_t)n) % x->wcap;
			if ((x->wlen -= (size_t)n) == 0)
				x->woff = 0;
			if (eng__exec_write_blocked(x))
				break;   /* so is the socket */
			if (x->wlen > 0 && uv_hrtime() - t0 > ENG_EXEC_WRITE_BUDGET_NS) {
				eng__conn_kick_later(c);
				break;
			}
		}
		/* Input and its EOF wait while sudo may still read a password. */
		if (x->sudo_st == EXEC_SUDO_WAIT)
			continue;
		if (x->in != NULL && x->wlen == 0 && x->sudo_st != EXEC_SUDO_DENIED)
			feed_input(x, t0);
		if (x->eof_pending && x->wlen == 0 && !x->eof_sent) {
			x->eof_sent = 1;
			ssh_channel_send_eof(x->ch);
		}
	}
}

/* ---- called by conn.c ---- */

void
eng__exec_conn_ready(eng_conn *c)
{
	eng_exec *x;

	for (x = c->execs; x != NULL; x = x->next) {
		if (x->st == X_QUEUED)
			exec_open(x);
	}
}

void
eng__exec_conn_lost(eng_conn *c)
{
	eng_exec *x;

	while ((x = c->execs) != NULL) {
		if (x->error == NULL) {
			x->error = util_xstrdup(c->error != NULL ? c->error :
			    "connection closed");
			x->fail = c->fail != ENG_FAIL_NONE ? c->fail : ENG_FAIL_CANCELLED;
		}
		/* The session is going: ssh_free releases the channel. */
		if (x->ch != NULL) {
			ssh_remove_channel_callbacks(x->ch, &x->chcb);
			x->ch = NULL;
		}
		eng__exec_finish(x);
	}
}

void
eng__exec_reap(eng_conn *c)
{
	eng_exec *x, *next;

	for (x = c->execs; x != NULL && !c->dead; x = next) {
		next = x->next;
		if (x->flow_broken == 1 && x->st == X_RUNNING) {
			x->flow_broken = 2;
			eng_exec_kill(x);
			next = c->execs;
			continue;
		}
		if (x->kill_pending && x->st == X_RUNNING && x->pid_state == 1 &&
		    !x->remote_closed) {
			x->kill_pending = 0;
			x->killing = 0;
			eng_exec_kill(x);
			next = c->execs;
			continue;
		}
		/* A paused consumer gets what waited before the end. */
		if (x->remote_closed && x->st != X_DONE && !x->paused && !x->drain) {
			eng__exec_finish(x);
			/* Callbacks may have changed the list: start over. */
			next = c->execs;
		}
	}
}
