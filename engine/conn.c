/*
 * engine/conn.c - one connection to one host: the explicit state machine
 *
 *   new -> resolving -> [waiting] -> connecting -> kex -> hostkey -> auth
 *       -> ready -> closing -> closed          (any step) -> failed
 *
 * It owns the eng_conn and its lifetime (freed once torn down and every
 * handle closed), the libssh session and its options, the timers
 * (deadline, kick, keepalive) and the step function that advances the
 * state and runs everything else from the loop. Its facets live beside it:
 * conn_sock.c (resolve, TCP connect, the uv_poll pump), conn_ops.c (the op
 * queue and prompts), endpoint.c (the handshake gate per server address).
 * auth.c, hostkey.c, jump.c and exec.c plug into the step function below.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libssh/server.h>   /* ssh_send_keepalive */

#include "engine/engine_int.h"

static void conn_teardown(eng_conn *c);

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
	util_strv_clear(&c->kh_user_more);
	util_strv_clear(&c->kh_global_more);
	free(c->jump);
	free(c->error);
	free(c->banner);
	free(c->host);
	free(c->login);
	util_secure_free(c->answer);
	c->ctx->nconns--;
	free(c);
}

/* Frees c once nothing can reach it: torn down, no handle open, no frame. */
void
eng__conn_maybe_free(eng_conn *c)
{
	if (c->dead && c->nhandles == 0 && c->depth == 0 && !c->gai_active)
		conn_free(c);
}

void
eng__conn_handle_closed(uv_handle_t *h)
{
	eng_conn *c = h->data;

	c->nhandles--;
	eng__conn_maybe_free(c);
}

void
eng__conn_enter(eng_conn *c)
{
	c->depth++;
}

void
eng__conn_leave(eng_conn *c)
{
	c->depth--;
	eng__conn_maybe_free(c);
}

void
eng__conn_set_state(eng_conn *c, eng_conn_state st)
{
	if (c->st == st)
		return;
	ENG_LOG(c->ctx, "%s: %s -> %s", c->name, eng_conn_state_name(c->st),
	    eng_conn_state_name(st));
	c->st = st;
	if (c->cbs.on_state != NULL)
		c->cbs.on_state(c, st, c->ud);
}

/* ---- failure and close --------------------------------------------------- */

/*
 * libssh's errors quote what the server sent as it sent it: a key
 * exchange failure lists the server's algorithms (a hostile server makes
 * them kilobytes long). Our own text comes first; the rest is cut, on a
 * character boundary.
 */
#define ERROR_MAX 900

static void
conn_cap_error(eng_conn *c)
{
	static const char cut[] = " [...]";
	size_t n = strlen(c->error);
	char *e;

	if (n <= ERROR_MAX)
		return;
	n = ERROR_MAX - sizeof(cut);
	while (n > 0 && ((unsigned char)c->error[n] & 0xc0) == 0x80)
		n--;
	e = util_xasprintf("%.*s%s", (int)n, c->error, cut);
	free(c->error);
	c->error = e;
}

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
	c->error = msg != NULL ? msg : util_xstrdup("failed");
	/* libssh's errors may quote the server (a disconnect reason, a banner). */
	eng__scrub_controls(c->error);
	conn_cap_error(c);
	ENG_LOG(c->ctx, "%s: failed in %s: %s", c->name,
	    eng_conn_state_name(c->st), c->error);
	conn_teardown(c);
	eng__conn_set_state(c, ENG_CONN_FAILED);
}

static void
conn_do_close(eng_conn *c)
{
	if (c->dead)
		return;
	c->close_req = 0;
	if (c->st != ENG_CONN_READY && c->fail == ENG_FAIL_NONE) {
		c->fail = ENG_FAIL_CANCELLED;
		c->error = util_xstrdup("cancelled");
	}
	eng__conn_set_state(c, ENG_CONN_CLOSING);
	conn_teardown(c);
	eng__conn_set_state(c, ENG_CONN_CLOSED);
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
	eng__endpoint_release(c);
	if (c->gai_active)
		uv_cancel((uv_req_t *)&c->gai);
	if (c->ai != NULL) {
		uv_freeaddrinfo(c->ai);
		c->ai = c->ai_cur = NULL;
	}
	for (op = c->ops; op != NULL; op = next) {
		next = op->next;
		if (op == c->op_running)
			op->cancelled = 1;   /* its runner frees it */
		else
			free(op);
	}
	c->ops = c->ops_tail = NULL;
	eng__key_conn_gone(c->ctx, c);
	eng__exec_conn_lost(c);
	eng__jump_teardown(c);
	eng__auth_clear(c);
	/* Stop watching before libssh closes the fd: the number may be reused. */
	if (c->poll_init && !uv_is_closing((uv_handle_t *)&c->poll))
		uv_close((uv_handle_t *)&c->poll, eng__conn_handle_closed);   /* stops it */
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
	if (c->fd_given)
		eng__sockbuf_del(c->fd);
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
	uv_close((uv_handle_t *)&c->t_deadline, eng__conn_handle_closed);
	uv_close((uv_handle_t *)&c->t_kick, eng__conn_handle_closed);
	uv_close((uv_handle_t *)&c->t_keepalive, eng__conn_handle_closed);
	util_secure_free(c->answer);
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
	eng__conn_enter(c);
	conn_do_close(c);
	eng__conn_leave(c);
}

/* ---- timers --------------------------------------------------------------- */

static void
on_kick(uv_timer_t *t)
{
	eng_conn *c = t->data;

	eng__conn_enter(c);
	eng__conn_step(c);
	eng__conn_leave(c);
}

void
eng__conn_kick(eng_conn *c)
{
	if (!c->dead)
		uv_timer_start(&c->t_kick, on_kick, 0, 0);
}

/*
 * A step that stopped to let the others go (a time budget): a 0 ms timer
 * started from a timer callback is due again in the same timer phase
 * (libuv does not advance its clock there), so the loop would never reach
 * the other hosts' sockets; 1 ms puts a poll in between.
 */
void
eng__conn_kick_later(eng_conn *c)
{
	if (!c->dead)
		uv_timer_start(&c->t_kick, on_kick, 1, 0);
}

static void
on_deadline(uv_timer_t *t)
{
	eng_conn *c = t->data;

	eng__conn_enter(c);
	eng__conn_fail(c, ENG_FAIL_TIMEOUT, "timed out after %.1fs during %s",
	    c->connect_timeout_ms / 1000.0, eng_conn_state_name(c->st));
	eng__conn_leave(c);
}

void
eng__conn_deadline_start(eng_conn *c)
{
	uv_timer_start(&c->t_deadline, on_deadline, (uint64_t)c->connect_timeout_ms, 0);
}

uint64_t
eng__conn_probe(eng_conn *c)
{
	uint64_t in = c->rcount.in_bytes;

	if (!c->dead && c->st == ENG_CONN_READY) {
		ssh_send_keepalive(c->s);
		eng__conn_kick(c);   /* sent from the step, outside the caller's frame */
	}
	return in;
}

static void
on_keepalive(uv_timer_t *t)
{
	eng_conn *c = t->data;
	uint64_t in;

	eng__conn_enter(c);
	in = c->rcount.in_bytes;
	if (in == c->ka_last_in)
		c->ka_missed++;
	else
		c->ka_missed = 0;
	c->ka_last_in = in;
	if (c->ka_missed >= c->ka_max) {
		eng__conn_fail(c, ENG_FAIL_LOST,
		    "no response from server for %.0fs (dead peer)",
		    c->ka_max * c->keepalive_ms / 1000.0);
	} else if (c->ka_missed > 0) {
		/* Only probe a quiet link; traffic already proves it alive. */
		ssh_send_keepalive(c->s);
		eng__conn_step(c);
	}
	eng__conn_leave(c);
}

/* ---- setup: options and ssh config ---------------------------------------- */

/* libssh's last error, or why when libssh left it empty (it sometimes does). */
const char *
eng__ssh_error(eng_conn *c, const char *why)
{
	const char *e = c->s != NULL ? ssh_get_error(c->s) : NULL;

	return e != NULL && *e != '\0' ? e : why;
}

void
eng__conn_fail_fds(eng_conn *c, const char *doing)
{
	eng__conn_fail(c, ENG_FAIL_CONNECT, "%s: too many open files (the descriptor "
	    "limit is reached: raise it, or connect to fewer hosts at once)", doing);
}

/* libssh's message callback: 1 = send the default answer (a refusal) and free. */
static int
conn_refuse_message(ssh_session s, ssh_message m, void *ud)
{
	(void)s;
	(void)m;
	(void)ud;
	return 1;
}

/* Sets one option; on failure c fails with what and why. */
static int
conn_option(eng_conn *c, enum ssh_options_e opt, const void *val, const char *what)
{
	if (ssh_options_set(c->s, opt, val) == 0)
		return 0;
	eng__conn_fail(c, ENG_FAIL_CONFIG, "bad %s: %s", what,
	    eng__ssh_error(c, "refused by libssh"));
	return -1;
}

static int
conn_setup(eng_conn *c)
{
	char *v = NULL, *what = NULL;
	int yes = 1, r = -1, fd;

	/*
	 * Out of descriptors, libssh skips an ssh config it cannot open and
	 * goes on without it (then "cannot resolve h1", or an unknown key):
	 * say what is wrong before anything else does.
	 */
	if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0) {
		close(fd);
	} else if (errno == EMFILE || errno == ENFILE) {
		eng__conn_fail_fds(c, "cannot start connecting");
		goto out;
	}
	if ((c->s = ssh_new()) == NULL) {
		eng__conn_fail(c, ENG_FAIL_CONFIG, "cannot create ssh session");
		goto out;
	}
	ssh_set_blocking(c->s, 0);
	/*
	 * What the server asks that we never offered (channels opened towards
	 * us: x11, forwarded-tcpip, an agent; channel requests we do not know,
	 * wanting a reply) is refused at once. Without a callback libssh
	 * queues such messages for a client unanswered and forever: memory a
	 * server can fill, and a server that waits on the answer.
	 */
	ssh_set_message_callback(c->s, conn_refuse_message, c);
	/* Byte counts: keepalive, read pacing, and what a flush has read. */
	ssh_set_counters(c->s, &c->scount, &c->rcount);
	/* Saves libssh a passwd lookup per session (see eng__ctx_local_account). */
	eng__ctx_local_account(c->ctx);
	if (c->ctx->local_ssh_dir != NULL &&
	    conn_option(c, SSH_OPTIONS_SSH_DIR, c->ctx->local_ssh_dir, "ssh directory") < 0)
		goto out;
	/*
	 * The name is a label. libssh 0.10.6 checks its host option as an RFC
	 * 1035 name and refuses, say, "my_host" (with an empty error): such a
	 * name never goes to libssh. A stand-in holds the place until the
	 * HostName or the address replaces it; sshcfg.c matches the config's
	 * Host lines against the name itself.
	 */
	if (ssh_options_set(c->s, SSH_OPTIONS_HOST, c->name) < 0) {
		c->label = 1;
		if (conn_option(c, SSH_OPTIONS_HOST, ENG_LABEL_STANDIN, "host name") < 0)
			goto out;
	}
	/* Config first: libssh lets it overwrite options set before it. */
	if (eng__sshcfg_parse(c, c->ssh_config) < 0) {
		if (c->error == NULL)   /* sshcfg.c says why, with file:line */
			eng__conn_fail(c, ENG_FAIL_CONFIG, "cannot use ssh config %s: %s",
			    c->ssh_config != NULL ? c->ssh_config : "~/.ssh/config",
			    eng__ssh_error(c, "refused by libssh"));
		goto out;
	}
	/* A known_hosts file given to drover replaces the config's list. */
	if (c->known_hosts != NULL)
		util_strv_clear(&c->kh_user_more);
	if (c->address != NULL) {
		what = util_xasprintf("address '%s' (not a host name or IP address)", c->address);
		if (conn_option(c, SSH_OPTIONS_HOST, c->address, what) < 0)
			goto out;
	}
	if ((c->user != NULL && conn_option(c, SSH_OPTIONS_USER, c->user, "user name") < 0) ||
	    (c->port > 0 && conn_option(c, SSH_OPTIONS_PORT, &c->port, "port") < 0) ||
	    (c->known_hosts != NULL &&
	    conn_option(c, SSH_OPTIONS_KNOWNHOSTS, c->known_hosts, "known_hosts file") < 0) ||
	    conn_option(c, SSH_OPTIONS_NODELAY, &yes, "TCP_NODELAY option") < 0)
		goto out;
	/*
	 * No User from the inventory or the config: the local account, as
	 * libssh would default it when connecting. Only now, since a User set
	 * before the config is parsed would stop the config's User applying.
	 */
	if (ssh_options_get(c->s, SSH_OPTIONS_USER, &v) == SSH_OK && v != NULL) {
		ssh_string_free_char(v);
		v = NULL;
	} else if (c->ctx->local_user != NULL &&
	    conn_option(c, SSH_OPTIONS_USER, c->ctx->local_user, "local user name") < 0) {
		goto out;
	}
	if (eng__jump_configure(c) < 0)
		goto out;
	if (ssh_options_get(c->s, SSH_OPTIONS_HOST, &v) != SSH_OK || v == NULL) {
		eng__conn_fail(c, ENG_FAIL_CONFIG, "no host name for %s", c->name);
		goto out;
	}
	if (c->label && strcmp(v, ENG_LABEL_STANDIN) == 0) {
		eng__conn_fail(c, ENG_FAIL_CONFIG, "'%s' is not a host name (libssh allows "
		    "letters, digits, '-' and '.'), and neither a HostName in the ssh "
		    "config nor an address in the inventory says where it is", c->name);
		goto out;
	}
	c->host = util_xstrdup(v);
	ssh_string_free_char(v);
	v = NULL;
	if (ssh_options_get(c->s, SSH_OPTIONS_USER, &v) == SSH_OK && v != NULL)
		c->login = util_xstrdup(v);
	if (ssh_options_get_port(c->s, &c->hport) != SSH_OK)
		c->hport = 22;
	r = 0;
out:
	if (v != NULL)
		ssh_string_free_char(v);
	free(what);
	return r;
}

/* ---- the step function ------------------------------------------------------- */

static void
conn_ready(eng_conn *c)
{
	uv_timer_stop(&c->t_deadline);
	eng__endpoint_release(c);
	c->ev = ssh_event_new();
	if (c->ev == NULL || ssh_event_add_session(c->ev, c->s) != SSH_OK) {
		eng__conn_fail(c, ENG_FAIL_PROTOCOL, "cannot poll the session");
		return;
	}
	c->ka_last_in = c->rcount.in_bytes;
	uv_timer_start(&c->t_keepalive, on_keepalive, (uint64_t)c->keepalive_ms,
	    (uint64_t)c->keepalive_ms);
	eng__conn_set_state(c, ENG_CONN_READY);
	if (!c->dead)
		eng__exec_conn_ready(c);
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
	if (eng__conn_deliver_answer(c) && c->dead)
		return -1;

	switch (c->st) {
	case ENG_CONN_NEW:
		if (conn_setup(c) < 0)
			return -1;
		if (c->jump != NULL) {
			eng__conn_set_state(c, ENG_CONN_CONNECTING);
			if (c->dead)
				return -1;
			eng__conn_deadline_start(c);
			eng__jump_start(c);
			return -1;
		}
		eng__conn_set_state(c, ENG_CONN_RESOLVING);
		if (c->dead)
			return -1;
		eng__conn_deadline_start(c);
		eng__conn_resolve(c);
		return -1;
	case ENG_CONN_RESOLVING:
		return -1;
	case ENG_CONN_WAITING:
		if (c->holds_slot)
			eng__conn_start_tcp(c);
		return -1;
	case ENG_CONN_CONNECTING:
		if (c->relay != NULL)
			return -1;   /* the jump host is still on its way */
		eng__conn_tcp_done(c);
		if (c->dead || c->st != ENG_CONN_KEX)
			return -1;
		/* FALLTHROUGH */
	case ENG_CONN_KEX:
		r = ssh_connect(c->s);
		if (r == SSH_AGAIN)
			break;
		if (r != SSH_OK) {
			eng__conn_fail(c, ENG_FAIL_PROTOCOL, "ssh handshake with %s port %u failed: %s",
			    c->host, c->hport, eng__ssh_error(c, "no reason given"));
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
		eng__conn_set_state(c, ENG_CONN_HOSTKEY);
		if (c->dead)
			return -1;
		/* FALLTHROUGH */
	case ENG_CONN_HOSTKEY:
		if (c->prompt_out)
			break;
		r = eng__hostkey_check(c);
		if (r != 0)
			break;   /* failed, or asking the front end */
		eng__conn_set_state(c, ENG_CONN_AUTH);
		if (c->dead)
			return -1;
		/* FALLTHROUGH */
	case ENG_CONN_AUTH:
		r = eng__auth_step(c);
		if (r <= 0)
			break;
		if (c->banner == NULL && (v = ssh_get_issue_banner(c->s)) != NULL) {
			c->banner = util_xstrdup(v);
			ssh_string_free_char(v);
		}
		conn_ready(c);
		if (c->dead)
			return -1;
		/* FALLTHROUGH */
	case ENG_CONN_READY:
		eng__conn_pump(c);
		eng__conn_run_ops(c);
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
			    eng__ssh_error(c, "closed by server"));
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

void
eng__conn_step(eng_conn *c)
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
	eng__conn_update_poll(c);
	/* Read ahead (sockbuf.c) and not taken yet: epoll will not say so. */
	if (!c->dead && c->fd >= 0 && eng__sockbuf_pending(c->fd))
		eng__conn_kick_later(c);
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
	c = util_xcalloc(1, sizeof(*c));
	c->ctx = ctx;
	c->name = util_xstrdup(o->name);
	c->address = util_xstrdup(o->address);
	c->user = util_xstrdup(o->user);
	c->port = o->port;
	c->ssh_config = util_xstrdup(o->ssh_config);
	c->known_hosts = util_xstrdup(o->known_hosts);
	c->jump = util_xstrdup(o->jump);
	if (o->keys != NULL)
		while (o->keys[n] != NULL)
			n++;
	c->keys = util_xcalloc(n + 1, sizeof(char *));
	for (i = 0; i < n; i++)
		c->keys[i] = util_xstrdup(o->keys[i]);
	c->connect_timeout_ms = o->connect_timeout_ms > 0 ? o->connect_timeout_ms : 10000;
	c->keepalive_ms = o->keepalive_ms > 0 ? o->keepalive_ms : 15000;
	c->ka_max = 3;
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
