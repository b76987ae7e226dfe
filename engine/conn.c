/*
 * engine/conn.c - one connection to one host: the explicit state machine
 *
 *   new -> resolving -> [waiting] -> connecting -> kex -> hostkey -> auth
 *       -> ready -> closing -> closed          (any step) -> failed
 *
 * It owns the libssh session, the socket's uv_poll, its timers (deadline,
 * kick, keepalive) and the op queue that serialises libssh calls which can
 * return SSH_AGAIN. Names are resolved with uv_getaddrinfo and the TCP
 * connect is ours (libssh would block on both); the connected socket is
 * handed to libssh with SSH_OPTIONS_FD. auth.c, hostkey.c and exec.c plug
 * into the step function below.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <libssh/server.h>   /* ssh_send_keepalive */

#include "engine/engine_int.h"

static void conn_step(eng_conn *c);
static void conn_teardown(eng_conn *c);
static void conn_update_poll(eng_conn *c);
static void conn_start_tcp(eng_conn *c);

static const char *const state_names[] = {
	"new", "resolving", "waiting", "connecting", "key exchange",
	"host key check", "authenticating", "ready", "closing", "closed",
	"failed",
};

const char *
eng_conn_state_name(eng_conn_state st)
{
	if ((size_t)st < sizeof(state_names) / sizeof(state_names[0]))
		return state_names[st];
	return "?";
}

/* ---- lifetime ---------------------------------------------------------- */

static void
conn_free(eng_conn *c)
{
	size_t i;

	if (c->keys != NULL) {
		for (i = 0; c->keys[i] != NULL; i++)
			free(c->keys[i]);
		free(c->keys);
	}
	free(c->name);
	free(c->address);
	free(c->user);
	free(c->ssh_config);
	free(c->known_hosts);
	free(c->jump);
	free(c->error);
	free(c->banner);
	free(c->host);
	free(c->login);
	eng__secure_free(c->answer);
	c->ctx->nconns--;
	free(c);
}

/* Frees c once nothing can reach it: torn down, no handle open, no frame. */
static void
conn_maybe_free(eng_conn *c)
{
	if (c->dead && c->nhandles == 0 && c->depth == 0 && !c->gai_active)
		conn_free(c);
}

static void
on_handle_closed(uv_handle_t *h)
{
	eng_conn *c = h->data;

	c->nhandles--;
	conn_maybe_free(c);
}

static void
conn_enter(eng_conn *c)
{
	c->depth++;
}

static void
conn_leave(eng_conn *c)
{
	c->depth--;
	conn_maybe_free(c);
}

void
eng__conn_enter(eng_conn *c)
{
	conn_enter(c);
}

void
eng__conn_leave(eng_conn *c)
{
	conn_leave(c);
}

static void
conn_set_state(eng_conn *c, eng_conn_state st)
{
	if (c->st == st)
		return;
	ENG_LOG(c->ctx, "%s: %s -> %s", c->name, eng_conn_state_name(c->st),
	    eng_conn_state_name(st));
	c->st = st;
	if (c->cbs.on_state != NULL)
		c->cbs.on_state(c, st, c->ud);
}

/* ---- handshake gate per server endpoint -------------------------------- */

static void
slot_release(eng_conn *c)
{
	eng_endpoint *ep = c->ep;
	eng_conn *w;

	if (ep == NULL)
		return;
	if (c->holds_slot) {
		c->holds_slot = 0;
		ep->active--;
		/* Wake the next waiter from its own timer, not from this frame. */
		while (ep->active < c->ctx->opts.max_handshakes &&
		    (w = ep->wait_head) != NULL) {
			ep->wait_head = w->ep_next;
			if (ep->wait_head == NULL)
				ep->wait_tail = NULL;
			w->ep_next = NULL;
			w->holds_slot = 1;
			ep->active++;
			eng__conn_kick(w);
		}
	} else {
		/* Still queued: unlink. */
		eng_conn **pp, *prev = NULL;

		for (pp = &ep->wait_head; *pp != NULL; prev = *pp, pp = &(*pp)->ep_next) {
			if (*pp != c)
				continue;
			*pp = c->ep_next;
			if (ep->wait_tail == c)
				ep->wait_tail = prev;
			break;
		}
	}
	c->ep = NULL;
}

/* ---- failure and close --------------------------------------------------- */

void
eng__conn_fail(eng_conn *c, eng_fail f, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	if (c->dead)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	c->fail = f;
	free(c->error);
	c->error = msg != NULL ? msg : eng__xstrdup("failed");
	ENG_LOG(c->ctx, "%s: failed in %s: %s", c->name,
	    eng_conn_state_name(c->st), c->error);
	conn_teardown(c);
	conn_set_state(c, ENG_CONN_FAILED);
}

static void
conn_do_close(eng_conn *c)
{
	if (c->dead)
		return;
	c->close_req = 0;
	if (c->st != ENG_CONN_READY && c->fail == ENG_FAIL_NONE) {
		c->fail = ENG_FAIL_CANCELLED;
		c->error = eng__xstrdup("cancelled");
	}
	conn_set_state(c, ENG_CONN_CLOSING);
	conn_teardown(c);
	conn_set_state(c, ENG_CONN_CLOSED);
}

/*
 * Releases everything except the memory: channels end (their callbacks run),
 * the socket and session go, handles start closing.
 */
static void
conn_teardown(eng_conn *c)
{
	eng_op *op, *next;

	if (c->dead)
		return;
	c->dead = 1;
	if (c->prompt_out && !c->answer_ready && c->ctx->opts.prompt_cancel != NULL)
		c->ctx->opts.prompt_cancel(c, c->ctx->opts.prompt_ud);
	c->prompt_out = 0;
	slot_release(c);
	if (c->gai_active)
		uv_cancel((uv_req_t *)&c->gai);
	if (c->ai != NULL) {
		uv_freeaddrinfo(c->ai);
		c->ai = c->ai_cur = NULL;
	}
	for (op = c->ops; op != NULL; op = next) {
		next = op->next;
		free(op);
	}
	c->ops = c->ops_tail = NULL;
	eng__key_conn_gone(c->ctx, c);
	eng__exec_conn_lost(c);
	eng__jump_teardown(c);
	eng__auth_clear(c);
	/* Stop watching before libssh closes the fd: the number may be reused. */
	if (c->poll_init && !uv_is_closing((uv_handle_t *)&c->poll))
		uv_close((uv_handle_t *)&c->poll, on_handle_closed);   /* stops it */
	if (c->ev != NULL) {
		/*
		 * libssh queues its output until a poll has seen the socket
		 * writable: one look now, so that the SSH_MSG_DISCONNECT below
		 * is sent rather than dropped with the socket (sshd then logs
		 * a clean "disconnected by user", not "Connection closed").
		 */
		if ((c->st == ENG_CONN_READY || c->st == ENG_CONN_CLOSING) &&
		    c->s != NULL && ssh_is_connected(c->s))
			ssh_event_dopoll(c->ev, 0);
		ssh_event_remove_session(c->ev, c->s);
		ssh_event_free(c->ev);
		c->ev = NULL;
	}
	if (c->s != NULL) {
		if (c->fd_given && ssh_is_connected(c->s)) {
			/*
			 * libssh 0.10's disconnect leaves a socket given with
			 * SSH_OPTIONS_FD open (and forgets it, so ssh_free will not
			 * close it either): one leaked fd per host otherwise.
			 */
			int sfd = ssh_get_fd(c->s);

			ssh_disconnect(c->s);
			if (sfd >= 0)
				close(sfd);
		}
		ssh_free(c->s);
		c->s = NULL;
	}
	if (!c->fd_given && c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	uv_close((uv_handle_t *)&c->t_deadline, on_handle_closed);
	uv_close((uv_handle_t *)&c->t_kick, on_handle_closed);
	uv_close((uv_handle_t *)&c->t_keepalive, on_handle_closed);
	eng__secure_free(c->answer);
	c->answer = NULL;
}

void
eng_conn_close(eng_conn *c)
{
	if (c == NULL || c->dead)
		return;
	c->close_req = 1;
	if (c->depth > 0) {
		/* Inside our own frame (maybe inside libssh): finish from a timer. */
		eng__conn_kick(c);
		return;
	}
	conn_enter(c);
	conn_do_close(c);
	conn_leave(c);
}

/* ---- timers --------------------------------------------------------------- */

static void
on_kick(uv_timer_t *t)
{
	eng_conn *c = t->data;

	conn_enter(c);
	conn_step(c);
	conn_leave(c);
}

void
eng__conn_kick(eng_conn *c)
{
	if (!c->dead)
		uv_timer_start(&c->t_kick, on_kick, 0, 0);
}

static void
on_deadline(uv_timer_t *t)
{
	eng_conn *c = t->data;

	conn_enter(c);
	eng__conn_fail(c, ENG_FAIL_TIMEOUT, "timed out after %.1fs during %s",
	    c->connect_timeout_ms / 1000.0, eng_conn_state_name(c->st));
	conn_leave(c);
}

static void
deadline_start(eng_conn *c)
{
	uv_timer_start(&c->t_deadline, on_deadline, (uint64_t)c->connect_timeout_ms, 0);
}

static void
on_keepalive(uv_timer_t *t)
{
	eng_conn *c = t->data;
	uint64_t in;

	conn_enter(c);
	in = c->rcount.in_bytes;
	if (in == c->ka_last_in)
		c->ka_missed++;
	else
		c->ka_missed = 0;
	c->ka_last_in = in;
	if (c->ka_missed >= 3) {
		eng__conn_fail(c, ENG_FAIL_LOST,
		    "no response from server for %.0fs (dead peer)",
		    3 * c->keepalive_ms / 1000.0);
	} else if (c->ka_missed > 0) {
		/* Only probe a quiet link; traffic already proves it alive. */
		ssh_send_keepalive(c->s);
		conn_step(c);
	}
	conn_leave(c);
}

/* ---- prompts --------------------------------------------------------------- */

void
eng__conn_prompt(eng_conn *c, eng_prompt_kind kind, const char *text,
    const char *detail, int echo, eng_answer_fn cb)
{
	eng_prompt p;

	c->prompt_out = 1;
	c->prompt_cb = cb;
	c->answer_ready = 0;
	/* Time spent waiting for a human does not count against the deadline. */
	uv_timer_stop(&c->t_deadline);
	p.kind = kind;
	p.host = c->name;
	p.text = text;
	p.detail = detail;
	p.echo = echo;
	if (c->ctx->opts.prompt != NULL)
		c->ctx->opts.prompt(c, &p, c->ctx->opts.prompt_ud);
	else
		eng_conn_answer(c, NULL);
}

void
eng_conn_answer(eng_conn *c, const char *answer)
{
	if (c == NULL || c->dead || !c->prompt_out || c->answer_ready)
		return;
	c->answer_ready = 1;
	eng__secure_free(c->answer);
	c->answer = eng__xstrdup(answer);
	/* Always continue from a timer: the caller may be inside our callback. */
	eng__conn_kick(c);
}

/* Delivers a ready answer to whoever asked; returns 1 if it did. */
static int
conn_deliver_answer(eng_conn *c)
{
	eng_answer_fn cb;
	char *ans;

	if (!c->prompt_out || !c->answer_ready)
		return 0;
	cb = c->prompt_cb;
	ans = c->answer;
	c->answer = NULL;
	c->prompt_out = 0;
	c->answer_ready = 0;
	c->prompt_cb = NULL;
	if (c->st < ENG_CONN_READY)
		deadline_start(c);
	cb(c, ans);   /* takes ownership of the secret */
	return 1;
}

/* ---- op queue --------------------------------------------------------------- */

void
eng__conn_op_push(eng_conn *c, int (*run)(eng_conn *, void *),
    void (*done)(eng_conn *, void *, int), void *arg)
{
	eng_op *op = eng__xcalloc(1, sizeof(*op));

	op->run = run;
	op->done = done;
	op->arg = arg;
	if (c->ops_tail != NULL)
		c->ops_tail->next = op;
	else
		c->ops = op;
	c->ops_tail = op;
	eng__conn_kick(c);
}

void
eng__conn_op_cancel(eng_conn *c, void *arg)
{
	eng_op **pp = &c->ops, *op;

	c->ops_tail = NULL;
	while ((op = *pp) != NULL) {
		if (op->arg == arg) {
			*pp = op->next;
			free(op);
		} else {
			c->ops_tail = op;
			pp = &op->next;
		}
	}
}

/* Re-issues the head op until it stops saying SSH_AGAIN, then the next. */
static void
conn_run_ops(eng_conn *c)
{
	eng_op *op;
	int rc;

	while (!c->dead && (op = c->ops) != NULL) {
		rc = op->run(c, op->arg);
		if (rc == SSH_AGAIN)
			break;
		c->ops = op->next;
		if (c->ops == NULL)
			c->ops_tail = NULL;
		op->done(c, op->arg, rc);
		free(op);
	}
}

/* ---- setup: options and ssh config ---------------------------------------- */

static int
conn_setup(eng_conn *c)
{
	char *v = NULL;
	int yes = 1;

	if ((c->s = ssh_new()) == NULL) {
		eng__conn_fail(c, ENG_FAIL_CONFIG, "cannot create ssh session");
		return -1;
	}
	ssh_set_blocking(c->s, 0);
	/* Byte counts: keepalive, read pacing, and what a flush has read. */
	ssh_set_counters(c->s, &c->scount, &c->rcount);
	/* Saves libssh a passwd lookup per session (see eng__ctx_local_account). */
	eng__ctx_local_account(c->ctx);
	if (c->ctx->local_ssh_dir != NULL &&
	    ssh_options_set(c->s, SSH_OPTIONS_SSH_DIR, c->ctx->local_ssh_dir) < 0) {
		eng__conn_fail(c, ENG_FAIL_CONFIG, "bad ssh directory: %s", ssh_get_error(c->s));
		return -1;
	}
	if (ssh_options_set(c->s, SSH_OPTIONS_HOST, c->name) < 0) {
		eng__conn_fail(c, ENG_FAIL_CONFIG, "bad host name: %s", ssh_get_error(c->s));
		return -1;
	}
	/* Config first: libssh lets it overwrite options set before it. */
	if (eng__sshcfg_parse(c, c->ssh_config) < 0) {
		eng__conn_fail(c, ENG_FAIL_CONFIG, "cannot use ssh config %s: %s",
		    c->ssh_config != NULL ? c->ssh_config : "~/.ssh/config",
		    ssh_get_error(c->s));
		return -1;
	}
	if ((c->address != NULL &&
	    ssh_options_set(c->s, SSH_OPTIONS_HOST, c->address) < 0) ||
	    (c->user != NULL && ssh_options_set(c->s, SSH_OPTIONS_USER, c->user) < 0) ||
	    (c->port > 0 && ssh_options_set(c->s, SSH_OPTIONS_PORT, &c->port) < 0) ||
	    (c->known_hosts != NULL &&
	    ssh_options_set(c->s, SSH_OPTIONS_KNOWNHOSTS, c->known_hosts) < 0) ||
	    ssh_options_set(c->s, SSH_OPTIONS_NODELAY, &yes) < 0) {
		eng__conn_fail(c, ENG_FAIL_CONFIG, "bad option: %s", ssh_get_error(c->s));
		return -1;
	}
	/*
	 * No User from the inventory or the config: the local account, as
	 * libssh would default it when connecting. Only now, since a User set
	 * before the config is parsed would stop the config's User applying.
	 */
	if (ssh_options_get(c->s, SSH_OPTIONS_USER, &v) == SSH_OK && v != NULL) {
		ssh_string_free_char(v);
		v = NULL;
	} else if (c->ctx->local_user != NULL &&
	    ssh_options_set(c->s, SSH_OPTIONS_USER, c->ctx->local_user) < 0) {
		eng__conn_fail(c, ENG_FAIL_CONFIG, "bad option: %s", ssh_get_error(c->s));
		return -1;
	}
	if (eng__jump_configure(c) < 0)
		return -1;
	if (ssh_options_get(c->s, SSH_OPTIONS_HOST, &v) != SSH_OK || v == NULL) {
		eng__conn_fail(c, ENG_FAIL_CONFIG, "no host name");
		return -1;
	}
	c->host = eng__xstrdup(v);
	ssh_string_free_char(v);
	v = NULL;
	if (ssh_options_get(c->s, SSH_OPTIONS_USER, &v) == SSH_OK && v != NULL) {
		c->login = eng__xstrdup(v);
		ssh_string_free_char(v);
	}
	if (ssh_options_get_port(c->s, &c->hport) != SSH_OK)
		c->hport = 22;
	return 0;
}

/* ---- resolve, handshake gate, TCP connect ------------------------------------ */

/* Addresses known: queue for a handshake slot on that endpoint, or connect. */
static void
conn_resolved(eng_conn *c, struct addrinfo *res)
{
	char addr[INET6_ADDRSTRLEN] = "?";
	char *key;
	void *sa;

	c->ai = c->ai_cur = res;
	sa = res->ai_family == AF_INET6 ?
	    (void *)&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr :
	    (void *)&((struct sockaddr_in *)res->ai_addr)->sin_addr;
	inet_ntop(res->ai_family, sa, addr, sizeof(addr));
	key = eng__xprintf("%s %u", addr, c->hport);
	c->ep = eng__endpoint_get(c->ctx, key);
	free(key);
	if (c->ep->active < c->ctx->opts.max_handshakes) {
		c->ep->active++;
		c->holds_slot = 1;
		conn_start_tcp(c);
	} else {
		/* Queue time is not connect time. */
		uv_timer_stop(&c->t_deadline);
		if (c->ep->wait_tail != NULL)
			c->ep->wait_tail->ep_next = c;
		else
			c->ep->wait_head = c;
		c->ep->wait_tail = c;
		conn_set_state(c, ENG_CONN_WAITING);
	}
}

static void
on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	eng_conn *c = req->data;

	c->gai_active = 0;
	if (c->dead) {
		if (res != NULL)
			uv_freeaddrinfo(res);
		conn_maybe_free(c);
		return;
	}
	conn_enter(c);
	if (status < 0 || res == NULL)
		eng__conn_fail(c, ENG_FAIL_RESOLVE, "cannot resolve %s: %s",
		    c->host, uv_strerror(status));
	else
		conn_resolved(c, res);
	conn_leave(c);
}

static void
on_poll(uv_poll_t *p, int status, int events)
{
	eng_conn *c = p->data;

	(void)events;
	conn_enter(c);
	if (status < 0 && c->st == ENG_CONN_CONNECTING) {
		/* libuv reports the failed connect as an error on the handle. */
		c->poll_events = 0;
	} else if (status < 0) {
		/* libuv stopped the handle; let libssh meet the error itself. */
		c->poll_events = 0;
	}
	conn_step(c);
	conn_leave(c);
}

static void
on_poll_closed_retry(uv_handle_t *h)
{
	eng_conn *c = h->data;

	c->nhandles--;
	c->poll_init = 0;
	if (c->dead) {
		conn_maybe_free(c);
		return;
	}
	conn_enter(c);
	conn_start_tcp(c);
	conn_leave(c);
}

/*
 * Has a non-blocking connect already finished, either way? On a near host
 * (loopback, LAN) the handshake is often done by the time connect returns;
 * one poll(2) then saves arming and disarming EPOLLOUT and a loop wake-up.
 */
static int
conn_settled(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLOUT | POLLERR | POLLHUP)) != 0;
}

static void
conn_start_tcp(eng_conn *c)
{
	struct addrinfo *ai;
	int fd, one = 1, r;

	conn_set_state(c, ENG_CONN_CONNECTING);
	if (c->dead)
		return;
	deadline_start(c);
	for (; (ai = c->ai_cur) != NULL; c->ai_cur = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		/* libssh leaves Nagle on, which stalls small request/response. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		r = connect(fd, ai->ai_addr, ai->ai_addrlen);
		if (r == 0 || errno == EINPROGRESS) {
			c->fd = fd;
			if (uv_poll_init_socket(c->ctx->loop, &c->poll, fd) != 0) {
				close(fd);
				c->fd = -1;
				continue;
			}
			c->poll.data = c;
			c->poll_init = 1;
			c->nhandles++;
			if (r == 0 || conn_settled(fd)) {
				/* Nothing to wait for (a near host): go on from a timer. */
				c->poll_events = 0;
				eng__conn_kick(c);
				return;
			}
			c->poll_events = UV_WRITABLE;
			uv_poll_start(&c->poll, UV_WRITABLE, on_poll);
			return;
		}
		free(c->error);
		c->error = eng__xprintf("%s", strerror(errno));
		close(fd);
	}
	eng__conn_fail(c, ENG_FAIL_CONNECT, "cannot connect to %s port %u: %s",
	    c->host, c->hport, c->error != NULL ? c->error : "no usable address");
}

/* The TCP connect finished one way or the other. */
static void
conn_tcp_done(eng_conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == EINPROGRESS || err == EALREADY)
		return;
	if (err != 0) {
		ENG_LOG(c->ctx, "%s: connect: %s", c->name, strerror(err));
		free(c->error);
		c->error = eng__xstrdup(strerror(err));
		uv_poll_stop(&c->poll);
		close(c->fd);
		c->fd = -1;
		c->ai_cur = c->ai_cur->ai_next;
		if (c->ai_cur == NULL) {
			char *why = c->error;

			c->error = NULL;
			eng__conn_fail(c, ENG_FAIL_CONNECT,
			    "cannot connect to %s port %u: %s", c->host, c->hport, why);
			free(why);
			return;
		}
		/* A poll handle is bound to its fd: close it, retry in the callback. */
		uv_close((uv_handle_t *)&c->poll, on_poll_closed_retry);
		return;
	}
	free(c->error);
	c->error = NULL;
	uv_freeaddrinfo(c->ai);
	c->ai = c->ai_cur = NULL;
	/* From here libssh owns the socket (and closes it on error). */
	ssh_options_set(c->s, SSH_OPTIONS_FD, &c->fd);
	c->fd_given = 1;
	conn_set_state(c, ENG_CONN_KEX);
}

void
eng__conn_attach_fd(eng_conn *c, int fd)
{
	if (c->dead) {
		close(fd);
		return;
	}
	c->fd = fd;
	if (uv_poll_init(c->ctx->loop, &c->poll, fd) != 0) {
		eng__conn_fail(c, ENG_FAIL_CONNECT, "cannot watch the tunnel socket");
		return;
	}
	c->poll.data = c;
	c->poll_init = 1;
	c->nhandles++;
	c->poll_events = 0;
	ssh_options_set(c->s, SSH_OPTIONS_FD, &c->fd);
	c->fd_given = 1;
	conn_set_state(c, ENG_CONN_KEX);
	eng__conn_kick(c);
}

/* ---- the step function ------------------------------------------------------- */

static void
conn_ready(eng_conn *c)
{
	uv_timer_stop(&c->t_deadline);
	slot_release(c);
	c->ev = ssh_event_new();
	if (c->ev == NULL || ssh_event_add_session(c->ev, c->s) != SSH_OK) {
		eng__conn_fail(c, ENG_FAIL_PROTOCOL, "cannot poll the session");
		return;
	}
	c->ka_last_in = c->rcount.in_bytes;
	uv_timer_start(&c->t_keepalive, on_keepalive, (uint64_t)c->keepalive_ms,
	    (uint64_t)c->keepalive_ms);
	conn_set_state(c, ENG_CONN_READY);
	if (!c->dead)
		eng__exec_conn_ready(c);
}

/* Reads what the server sent: channel callbacks run in here. */
static void
conn_pump(eng_conn *c)
{
	uint64_t before;
	int i, rc;

	/*
	 * libssh reads at most 4 KB per poll: keep going while reads come back
	 * full, but at most 128 KB per wake-up so that one flooding host cannot
	 * hold the loop (other hosts, the operator's keystrokes); the poll stays
	 * readable and we are back on the next turn. A short read means the
	 * socket was drained: asking again would only cost a poll(2) that finds
	 * nothing (and whatever arrived since wakes the loop anyway).
	 */
	for (i = 0; i < 32 && !c->dead; i++) {
		before = c->scount.in_bytes;
		rc = ssh_event_dopoll(c->ev, 0);
		if (rc != SSH_OK || c->dead ||
		    c->scount.in_bytes - before < ENG_LIBSSH_READ_SIZE)
			break;
	}
}

/*
 * One pass of the state machine. Returns 0 when the poll interest is to be
 * recomputed, -1 when there is nothing more to do now (c may be dead).
 */
static int
conn_advance(eng_conn *c)
{
	char *v;
	int r;

	if (c->dead)
		return -1;
	if (c->close_req) {
		conn_do_close(c);
		return -1;
	}
	if (conn_deliver_answer(c) && c->dead)
		return -1;

	switch (c->st) {
	case ENG_CONN_NEW:
		if (conn_setup(c) < 0)
			return -1;
		if (c->jump != NULL) {
			conn_set_state(c, ENG_CONN_CONNECTING);
			if (c->dead)
				return -1;
			deadline_start(c);
			eng__jump_start(c);
			return -1;
		}
		conn_set_state(c, ENG_CONN_RESOLVING);
		if (c->dead)
			return -1;
		deadline_start(c);
		{
			struct addrinfo hints, *res = NULL;
			char port[16];

			memset(&hints, 0, sizeof(hints));
			hints.ai_family = AF_UNSPEC;
			hints.ai_socktype = SOCK_STREAM;
			snprintf(port, sizeof(port), "%u", c->hport);
			/*
			 * A literal address needs no resolver: skip the thread pool
			 * (and its wake-ups) that thousands of hosts would queue on.
			 */
			hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
			if (getaddrinfo(c->host, port, &hints, &res) == 0 && res != NULL) {
				conn_resolved(c, res);
				return -1;
			}
			hints.ai_flags = AI_ADDRCONFIG;
			c->gai.data = c;
			r = uv_getaddrinfo(c->ctx->loop, &c->gai, on_resolved,
			    c->host, port, &hints);
			if (r < 0) {
				eng__conn_fail(c, ENG_FAIL_RESOLVE, "cannot resolve %s: %s",
				    c->host, uv_strerror(r));
				return -1;
			}
			c->gai_active = 1;
		}
		return -1;
	case ENG_CONN_RESOLVING:
		return -1;
	case ENG_CONN_WAITING:
		if (c->holds_slot)
			conn_start_tcp(c);
		return -1;
	case ENG_CONN_CONNECTING:
		if (c->relay != NULL)
			return -1;   /* the jump host is still on its way */
		conn_tcp_done(c);
		if (c->dead || c->st != ENG_CONN_KEX)
			return -1;
		/* FALLTHROUGH */
	case ENG_CONN_KEX:
		r = ssh_connect(c->s);
		if (r == SSH_AGAIN)
			break;
		if (r != SSH_OK) {
			eng__conn_fail(c, ENG_FAIL_PROTOCOL, "ssh handshake with %s port %u failed: %s",
			    c->host, c->hport, ssh_get_error(c->s));
			return -1;
		}
		/*
		 * libssh 0.10 makes the socket blocking once it sees it
		 * connected (socket.c, first POLLOUT) and then sends its whole
		 * output buffer in one send(): a peer that stops reading
		 * would block that send, and with it the loop - every other
		 * host and the console. Non-blocking again, a full socket
		 * gives a short write; libssh keeps the rest and waits for
		 * POLLOUT (it only sends after seeing POLLOUT, so there is
		 * always room for some and never EAGAIN).
		 */
		if (fcntl(c->fd, F_SETFL, O_NONBLOCK) < 0) {
			eng__conn_fail(c, ENG_FAIL_PROTOCOL, "cannot make the socket non-blocking: %s",
			    strerror(errno));
			return -1;
		}
		conn_set_state(c, ENG_CONN_HOSTKEY);
		if (c->dead)
			return -1;
		/* FALLTHROUGH */
	case ENG_CONN_HOSTKEY:
		if (c->prompt_out)
			break;
		r = eng__hostkey_check(c);
		if (r != 0)
			break;   /* failed, or asking the front end */
		conn_set_state(c, ENG_CONN_AUTH);
		if (c->dead)
			return -1;
		/* FALLTHROUGH */
	case ENG_CONN_AUTH:
		r = eng__auth_step(c);
		if (r <= 0)
			break;
		if (c->banner == NULL && (v = ssh_get_issue_banner(c->s)) != NULL) {
			c->banner = eng__xstrdup(v);
			ssh_string_free_char(v);
		}
		conn_ready(c);
		if (c->dead)
			return -1;
		/* FALLTHROUGH */
	case ENG_CONN_READY:
		conn_pump(c);
		conn_run_ops(c);
		if (c->dead)
			return -1;
		eng__exec_flush(c);
		eng__exec_reap(c);
		if (c->dead)
			return -1;
		if (c->close_req) {
			conn_do_close(c);
			return -1;
		}
		if ((ssh_get_status(c->s) & (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0 ||
		    !ssh_is_connected(c->s)) {
			eng__conn_fail(c, ENG_FAIL_LOST, "connection lost: %s",
			    *ssh_get_error(c->s) ? ssh_get_error(c->s) : "closed by server");
			return -1;
		}
		break;
	default:
		return -1;
	}
	return 0;
}

/* The session has a socket libssh polls (handshake started, not closed). */
static int
conn_has_socket(eng_conn *c)
{
	return !c->dead && c->s != NULL && c->poll_init && c->st >= ENG_CONN_KEX;
}

static void
conn_step(eng_conn *c)
{
	uint64_t in;
	int i;

	/*
	 * After every send libssh queues further output until a poll has seen
	 * the socket writable again. Arming UV_WRITABLE for that would cost
	 * two epoll_ctl calls each way and a loop turn per packet, for a
	 * socket that almost always has room. ssh_blocking_flush with no
	 * timeout does it at once: nothing at all when nothing is queued,
	 * else one zero-timeout poll that sends it. Only if output is still
	 * left is the socket really full, and then we wait for it to drain.
	 * That poll also reads what has arrived meanwhile; the state machine
	 * then has to look again, since the socket will not wake us for it.
	 */
	for (i = 0; i < 8; i++) {
		if (conn_advance(c) < 0)
			return;
		if (!conn_has_socket(c))
			break;
		in = c->scount.in_bytes;
		c->write_blocked = ssh_blocking_flush(c->s, 0) == SSH_AGAIN;
		if (c->dead)
			return;
		if (c->scount.in_bytes == in)
			break;
	}
	conn_update_poll(c);
}

/* Watch readable always, writable only while the socket is full. */
static void
conn_update_poll(eng_conn *c)
{
	int want, fd;

	if (c->dead || !c->poll_init || c->st < ENG_CONN_KEX)
		return;
	fd = ssh_get_fd(c->s);
	if (fd != c->fd || (ssh_get_status(c->s) & (SSH_CLOSED | SSH_CLOSED_ERROR))) {
		/* libssh closed the socket: stop before the number is reused. */
		uv_poll_stop(&c->poll);
		c->poll_events = 0;
		c->fd = -1;
		eng__conn_fail(c, c->st == ENG_CONN_READY ? ENG_FAIL_LOST : ENG_FAIL_PROTOCOL,
		    "connection closed: %s",
		    *ssh_get_error(c->s) ? ssh_get_error(c->s) : "by server");
		return;
	}
	want = UV_READABLE;
	if (c->write_blocked)
		want |= UV_WRITABLE;
	if (want != c->poll_events) {
		c->poll_events = want;
		uv_poll_start(&c->poll, want, on_poll);
	}
}

/* ---- public ---------------------------------------------------------------- */

int
eng_conn_open(eng_ctx *ctx, const eng_conn_opts *o, const eng_conn_cbs *cbs,
    void *ud, eng_conn **out)
{
	eng_conn *c;
	size_t n = 0, i;

	*out = NULL;
	if (ctx == NULL || o == NULL || o->name == NULL || *o->name == '\0')
		return ENG_EINVAL;
	c = eng__xcalloc(1, sizeof(*c));
	c->ctx = ctx;
	c->name = eng__xstrdup(o->name);
	c->address = eng__xstrdup(o->address);
	c->user = eng__xstrdup(o->user);
	c->port = o->port;
	c->ssh_config = eng__xstrdup(o->ssh_config);
	c->known_hosts = eng__xstrdup(o->known_hosts);
	c->jump = eng__xstrdup(o->jump);
	if (o->keys != NULL)
		while (o->keys[n] != NULL)
			n++;
	c->keys = eng__xcalloc(n + 1, sizeof(char *));
	for (i = 0; i < n; i++)
		c->keys[i] = eng__xstrdup(o->keys[i]);
	c->connect_timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 10000;
	c->keepalive_ms = o->keepalive_ms > 0 ? o->keepalive_ms : 15000;
	c->accept_new = o->accept_new;
	c->ask_hostkey = o->ask_hostkey;
	if (o->auth[0] != ENG_AUTH_END) {
		memcpy(c->auth_order, o->auth, sizeof(c->auth_order));
	} else {
		c->auth_order[0] = ENG_AUTH_AGENT;
		c->auth_order[1] = ENG_AUTH_KEY;
		c->auth_order[2] = ENG_AUTH_PASSWORD;
		c->auth_order[3] = ENG_AUTH_KBDINT;
	}
	c->auth_order[ENG_AUTH_MAX] = ENG_AUTH_END;
	if (cbs != NULL)
		c->cbs = *cbs;
	c->ud = ud;
	c->fd = -1;
	c->st = ENG_CONN_NEW;
	uv_timer_init(ctx->loop, &c->t_deadline);
	uv_timer_init(ctx->loop, &c->t_kick);
	uv_timer_init(ctx->loop, &c->t_keepalive);
	c->t_deadline.data = c->t_kick.data = c->t_keepalive.data = c;
	c->nhandles = 3;
	ctx->nconns++;
	/* Everything, failures included, happens from the loop: never in here. */
	eng__conn_kick(c);
	*out = c;
	return 0;
}

eng_conn_state
eng_conn_get_state(const eng_conn *c)
{
	return c->st;
}

eng_fail
eng_conn_fail(const eng_conn *c)
{
	return c->fail;
}

const char *
eng_conn_error(const eng_conn *c)
{
	return c->error;
}

const char *
eng_conn_name(const eng_conn *c)
{
	return c->name;
}

const char *
eng_conn_banner(const eng_conn *c)
{
	return c->banner;
}

void
eng_conn_set_userdata(eng_conn *c, void *ud)
{
	c->ud = ud;
}

void
eng_conn_traffic(const eng_conn *c, eng_traffic *t)
{
	t->in_bytes = c->scount.in_bytes;
	t->out_bytes = c->scount.out_bytes;
	t->in_packets = c->rcount.in_packets;
	t->out_packets = c->rcount.out_packets;
}
