/*
 * engine/conn_sock.c - a connection's socket: resolving the name
 * (uv_getaddrinfo; libssh would block), the non-blocking TCP connect with
 * TCP_NODELAY, trying each address in turn, handing the connected socket
 * to libssh (SSH_OPTIONS_FD), and the uv_poll that wakes the state machine
 * and pumps the session.
 *
 * Owns the addrinfo list, the socket until libssh takes it, and the
 * uv_poll handle (interest recomputed after every libssh call). Talks to
 * conn.c (state changes, the step function), endpoint.c (a handshake slot
 * per server address once the address is known) and jump.c (whose tunnel
 * socket arrives through eng__conn_attach_fd).
 */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/engine_int.h"

/* ---- resolve ---------------------------------------------------------------- */

/* Addresses known: queue for a handshake slot on that endpoint, or connect. */
static void
conn_resolved(eng_conn *c, struct addrinfo *res)
{
	char addr[INET6_ADDRSTRLEN] = "?";
	char *key;
	void *sa;
	int got;

	c->ai = c->ai_cur = res;
	sa = res->ai_family == AF_INET6 ?
	    (void *)&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr :
	    (void *)&((struct sockaddr_in *)res->ai_addr)->sin_addr;
	inet_ntop(res->ai_family, sa, addr, sizeof(addr));
	key = util_xasprintf("%s %u", addr, c->hport);
	got = eng__endpoint_acquire(c, key);
	free(key);
	if (got) {
		eng__conn_start_tcp(c);
	} else {
		/* Queue time is not connect time. */
		uv_timer_stop(&c->t_deadline);
		eng__conn_set_state(c, ENG_CONN_WAITING);
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
		eng__conn_maybe_free(c);
		return;
	}
	eng__conn_enter(c);
	if (status < 0 || res == NULL)
		eng__conn_fail(c, ENG_FAIL_RESOLVE, "cannot resolve %s: %s",
		    c->host, uv_strerror(status));
	else
		conn_resolved(c, res);
	eng__conn_leave(c);
}

/* Starts resolving c->host; the connect follows from the loop. */
void
eng__conn_resolve(eng_conn *c)
{
	struct addrinfo hints, *res = NULL;
	char port[16];
	int r;

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
		return;
	}
	hints.ai_flags = AI_ADDRCONFIG;
	c->gai.data = c;
	r = uv_getaddrinfo(c->ctx->loop, &c->gai, on_resolved, c->host, port, &hints);
	if (r < 0) {
		eng__conn_fail(c, ENG_FAIL_RESOLVE, "cannot resolve %s: %s",
		    c->host, uv_strerror(r));
		return;
	}
	c->gai_active = 1;
}

/* ---- TCP connect ------------------------------------------------------------- */

static void
on_poll(uv_poll_t *p, int status, int events)
{
	eng_conn *c = p->data;

	(void)events;
	eng__conn_enter(c);
	if (status < 0 && c->st == ENG_CONN_CONNECTING) {
		/* libuv reports the failed connect as an error on the handle. */
		c->poll_events = 0;
	} else if (status < 0) {
		/* libuv stopped the handle; let libssh meet the error itself. */
		c->poll_events = 0;
	}
	eng__conn_step(c);
	eng__conn_leave(c);
}

static void
on_poll_closed_retry(uv_handle_t *h)
{
	eng_conn *c = h->data;

	c->nhandles--;
	c->poll_init = 0;
	if (c->dead) {
		eng__conn_maybe_free(c);
		return;
	}
	eng__conn_enter(c);
	eng__conn_start_tcp(c);
	eng__conn_leave(c);
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

void
eng__conn_start_tcp(eng_conn *c)
{
	struct addrinfo *ai;
	int fd, one = 1, r;

	eng__conn_set_state(c, ENG_CONN_CONNECTING);
	if (c->dead)
		return;
	eng__conn_deadline_start(c);
	for (; (ai = c->ai_cur) != NULL; c->ai_cur = ai->ai_next) {
		fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0 && (errno == EMFILE || errno == ENFILE)) {
			/* No other address would fare better. */
			eng__conn_fail_fds(c, "cannot open a socket");
			return;
		}
		if (fd < 0) {
			free(c->error);
			c->error = util_xasprintf("socket: %s", strerror(errno));
			continue;
		}
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
		c->error = util_xasprintf("%s", strerror(errno));
		close(fd);
	}
	eng__conn_fail(c, ENG_FAIL_CONNECT, "cannot connect to %s port %u: %s",
	    c->host, c->hport, c->error != NULL ? c->error : "no usable address");
}

/* The TCP connect finished one way or the other. */
void
eng__conn_tcp_done(eng_conn *c)
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
		c->error = util_xstrdup(strerror(err));
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
	eng__sockbuf_add(c->fd);
	c->fd_given = 1;
	eng__conn_set_state(c, ENG_CONN_KEX);
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
	eng__sockbuf_add(c->fd);
	c->fd_given = 1;
	eng__conn_set_state(c, ENG_CONN_KEX);
	eng__conn_kick(c);
}

/* ---- the session's poll ------------------------------------------------------ */

/* Reads what the server sent: channel callbacks run in here. */
void
eng__conn_pump(eng_conn *c)
{
	uint64_t before;
	int i, rc;

	/*
	 * libssh reads at most 4 KB per poll (from what sockbuf.c read ahead):
	 * keep going while reads come back full, but at most 128 KB per
	 * wake-up so that one flooding host cannot hold the loop (other hosts,
	 * the operator's keystrokes); the poll stays readable, or the step
	 * sees the bytes held, and we are back on the next turn. A short read
	 * means the socket was drained: asking again would only cost a poll(2)
	 * that finds nothing (and whatever arrived since wakes the loop anyway).
	 */
	for (i = 0; i < 32 && !c->dead; i++) {
		before = c->scount.in_bytes;
		rc = ssh_event_dopoll(c->ev, 0);
		if (rc != SSH_OK || c->dead ||
		    c->scount.in_bytes - before < ENG_LIBSSH_READ_SIZE)
			break;
	}
}

/* Watch readable always, writable only while the socket is full. */
void
eng__conn_update_poll(eng_conn *c)
{
	int want, fd;

	if (c->dead || !c->poll_init || c->st < ENG_CONN_KEX)
		return;
	fd = ssh_get_fd(c->s);
	if (fd != c->fd || (ssh_get_status(c->s) & (SSH_CLOSED | SSH_CLOSED_ERROR))) {
		/* libssh closed the socket: stop before the number is reused. */
		uv_poll_stop(&c->poll);
		eng__sockbuf_del(c->fd);
		c->poll_events = 0;
		c->fd = -1;
		eng__conn_fail(c, c->st == ENG_CONN_READY ? ENG_FAIL_LOST : ENG_FAIL_PROTOCOL,
		    "connection closed: %s",
		    eng__ssh_error(c, "by server"));
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