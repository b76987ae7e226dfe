/*
 * engine/jump.c - ProxyJump without spawning ssh: the target connection is
 * reached through a direct-tcpip channel on a connection to the jump host,
 * on the same loop. A socketpair joins the two: one end is handed to the
 * target's libssh session (SSH_OPTIONS_FD), the relay here copies bytes
 * between the other end and the channel.
 *
 * libssh 0.10 turns ProxyJump into "ssh [-l u] [-p p] [-J next] -W [%h]:%p
 * host"; we read the jump host back out of that instead of running it. An
 * explicit jump spec ("[user@]host[:port][,...]", the last hop nearest the
 * target) wins over the ssh config. Each hop is an ordinary eng_conn, so
 * host keys, auth and prompts work the same on the way.
 *
 * Each hop's own ProxyJump is read only when it is set up, so a chain that
 * comes back to a host already in it (Host a / ProxyJump a) would open
 * connections forever: a host met twice on the way, or a chain longer than
 * ENG_JUMP_MAX_HOPS, fails the chain as a configuration error naming it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/engine_int.h"

#define RELAY_CHUNK 65536

typedef struct eng_relay {
	eng_conn *target;
	eng_conn *jump;
	char *hop_name, *hop_user, *hop_next;
	int hop_port;
	ssh_channel ch;
	struct ssh_channel_callbacks_struct cb;
	int fd;                     /* our end of the socketpair */
	uv_poll_t poll;
	int poll_init, poll_events;
	char *to_target;            /* from the channel, not yet written to fd */
	size_t tlen, tcap;
	char *to_jump;              /* from fd, not yet taken by the channel */
	size_t jlen;
	int jump_eof, target_eof, shut;
} eng_relay;

/* ---- spec parsing ---- */

static int
parse_hop(eng_relay *r, const char *hop)
{
	const char *at = strrchr(hop, '@'), *host = at ? at + 1 : hop, *colon;
	char *end;
	long port;

	if (at != NULL)
		r->hop_user = util_xasprintf("%.*s", (int)(at - hop), hop);
	colon = strrchr(host, ':');
	if (host[0] == '[') {
		const char *rb = strchr(host, ']');

		if (rb == NULL)
			return -1;
		r->hop_name = util_xasprintf("%.*s", (int)(rb - host - 1), host + 1);
		colon = rb[1] == ':' ? rb + 1 : NULL;
	} else {
		r->hop_name = colon ? util_xasprintf("%.*s", (int)(colon - host), host) :
		    util_xstrdup(host);
	}
	if (colon != NULL) {
		port = strtol(colon + 1, &end, 10);
		if (*end != '\0' || port < 1 || port > 65535)
			return -1;
		r->hop_port = (int)port;
	}
	return *r->hop_name != '\0' ? 0 : -1;
}

/* "a,b,c": c is the hop next to the target, reached through "a,b". */
static int
parse_spec(eng_relay *r, const char *spec)
{
	const char *last = strrchr(spec, ',');

	if (last != NULL)
		r->hop_next = util_xasprintf("%.*s", (int)(last - spec), spec);
	return parse_hop(r, last ? last + 1 : spec);
}

/* Reads libssh's "ssh [-l U] [-p P] [-J NEXT] -W [%h]:%p HOST". */
static int
parse_proxycommand(eng_relay *r, const char *cmd)
{
	char *copy = util_xstrdup(cmd), *tok, *save = NULL;
	int ok = 0, w = 0;

	tok = strtok_r(copy, " ", &save);
	if (tok == NULL || strcmp(tok, "ssh") != 0)
		goto out;
	while ((tok = strtok_r(NULL, " ", &save)) != NULL) {
		if (strcmp(tok, "-l") == 0 && (tok = strtok_r(NULL, " ", &save)) != NULL) {
			r->hop_user = util_xstrdup(tok);
		} else if (strcmp(tok, "-p") == 0 && (tok = strtok_r(NULL, " ", &save)) != NULL) {
			r->hop_port = atoi(tok);
		} else if (strcmp(tok, "-J") == 0 && (tok = strtok_r(NULL, " ", &save)) != NULL) {
			r->hop_next = util_xstrdup(tok);
		} else if (strcmp(tok, "-W") == 0 && (tok = strtok_r(NULL, " ", &save)) != NULL) {
			w = 1;
		} else if (tok[0] != '-' && r->hop_name == NULL && w) {
			r->hop_name = util_xstrdup(tok);
		} else {
			goto out;
		}
	}
	ok = r->hop_name != NULL;
out:
	free(copy);
	return ok ? 0 : -1;
}

static void
relay_free(eng_relay *r)
{
	free(r->hop_name);
	free(r->hop_user);
	free(r->hop_next);
	free(r->to_target);
	free(r->to_jump);
	free(r);
}

int
eng__jump_configure(eng_conn *c)
{
	eng_relay *r = util_xcalloc(1, sizeof(*r));
	char *pc = NULL;
	int rc = 0;

	r->fd = -1;
	if (c->jump != NULL && *c->jump != '\0') {
		if (parse_spec(r, c->jump) < 0) {
			eng__conn_fail(c, ENG_FAIL_CONFIG, "bad jump host spec '%s'", c->jump);
			rc = -1;
		}
	} else if (ssh_options_get(c->s, SSH_OPTIONS_PROXYCOMMAND, &pc) == SSH_OK &&
	    pc != NULL && *pc != '\0') {
		if (parse_proxycommand(r, pc) < 0) {
			eng__conn_fail(c, ENG_FAIL_CONFIG,
			    "ProxyCommand is not supported (ProxyJump is): %s", pc);
			rc = -1;
		}
	} else {
		relay_free(r);
		r = NULL;
	}
	if (pc != NULL)
		ssh_string_free_char(pc);
	if (rc < 0) {
		relay_free(r);
		return -1;
	}
	if (r != NULL) {
		/* The session must not try to run the ProxyCommand itself. */
		ssh_options_set(c->s, SSH_OPTIONS_PROXYCOMMAND, "none");
		free(c->jump);
		c->jump = util_xstrdup(r->hop_name);
		r->target = c;
		c->relay = r;
	}
	return 0;
}

/* ---- relay ---- */

static void relay_poll_update(eng_relay *r);

static void
relay_flush_to_target(eng_relay *r)
{
	ssize_t w;

	if (r->fd < 0)
		return;   /* not joined yet: keep it */
	while (r->tlen > 0) {
		w = write(r->fd, r->to_target, r->tlen);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		memmove(r->to_target, r->to_target + w, r->tlen - (size_t)w);
		r->tlen -= (size_t)w;
	}
	if (r->tlen == 0 && r->jump_eof && !r->shut) {
		r->shut = 1;
		shutdown(r->fd, SHUT_WR);
	}
}

static void
relay_flush_to_jump(eng_relay *r)
{
	int w;

	while (r->jlen > 0 && r->ch != NULL) {
		w = ssh_channel_write(r->ch, r->to_jump, (uint32_t)r->jlen);
		if (w <= 0)
			break;
		memmove(r->to_jump, r->to_jump + w, r->jlen - (size_t)w);
		r->jlen -= (size_t)w;
	}
	if (r->jump != NULL)
		eng__conn_kick(r->jump);   /* it has output to send */
}

static int
on_relay_data(ssh_session s, ssh_channel ch, void *data, uint32_t len, int is_stderr,
    void *ud)
{
	eng_relay *r = ud;

	(void)s;
	(void)ch;
	if (is_stderr)
		return (int)len;
	if (r->tlen + len > r->tcap) {
		r->tcap = (r->tlen + len) * 2;
		r->to_target = util_xrealloc(r->to_target, r->tcap);
	}
	memcpy(r->to_target + r->tlen, data, len);
	r->tlen += len;
	relay_flush_to_target(r);
	relay_poll_update(r);
	return (int)len;
}

static void
on_relay_eof(ssh_session s, ssh_channel ch, void *ud)
{
	eng_relay *r = ud;

	(void)s;
	(void)ch;
	r->jump_eof = 1;
	if (r->fd >= 0)
		relay_flush_to_target(r);
}

static int
on_relay_wontblock(ssh_session s, ssh_channel ch, uint32_t bytes, void *ud)
{
	eng_relay *r = ud;

	(void)s;
	(void)ch;
	(void)bytes;
	/* Not from inside libssh: resume from the relay's own poll. */
	if (r->jlen > 0 && r->fd >= 0) {
		r->poll_events = -1;
		relay_poll_update(r);
	}
	return 0;
}

static void
on_relay_poll(uv_poll_t *p, int status, int events)
{
	eng_relay *r = p->data;
	char buf[RELAY_CHUNK];
	ssize_t n;

	(void)status;
	if (events & UV_WRITABLE) {
		relay_flush_to_target(r);
		relay_flush_to_jump(r);
	}
	if ((events & UV_READABLE) && r->jlen == 0 && !r->target_eof) {
		n = read(r->fd, buf, sizeof(buf));
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			r->target_eof = 1;
			if (r->ch != NULL)
				ssh_channel_send_eof(r->ch);
			if (r->jump != NULL)
				eng__conn_kick(r->jump);
		} else if (n > 0) {
			r->to_jump = util_xrealloc(r->to_jump, (size_t)n);
			memcpy(r->to_jump, buf, (size_t)n);
			r->jlen = (size_t)n;
			relay_flush_to_jump(r);
		}
	}
	relay_poll_update(r);
}

/* Read from the target only when the channel took what we had. */
static void
relay_poll_update(eng_relay *r)
{
	int want = 0;

	if (!r->poll_init || uv_is_closing((uv_handle_t *)&r->poll))
		return;
	if (r->jlen == 0 && !r->target_eof)
		want |= UV_READABLE;
	if (r->tlen > 0 || r->jlen > 0)
		want |= UV_WRITABLE;
	if (want == r->poll_events)
		return;
	r->poll_events = want;
	if (want)
		uv_poll_start(&r->poll, want, on_relay_poll);
	else
		uv_poll_stop(&r->poll);
}

/* ---- the jump connection ---- */

static int
op_forward(eng_conn *j, void *arg)
{
	eng_relay *r = arg;

	if (r->ch == NULL) {
		if ((r->ch = ssh_channel_new(j->s)) == NULL)
			return SSH_ERROR;
		memset(&r->cb, 0, sizeof(r->cb));
		r->cb.userdata = r;
		r->cb.channel_data_function = on_relay_data;
		r->cb.channel_eof_function = on_relay_eof;
		r->cb.channel_write_wontblock_function = on_relay_wontblock;
		ssh_callbacks_init(&r->cb);
		ssh_set_channel_callbacks(r->ch, &r->cb);
	}
	return ssh_channel_open_forward(r->ch, r->target->host, (int)r->target->hport,
	    "127.0.0.1", 22);
}

static void
op_forward_done(eng_conn *j, void *arg, int rc)
{
	eng_relay *r = arg;
	eng_conn *c = r->target;
	int sv[2];

	if (c == NULL || c->dead)
		return;
	if (rc != SSH_OK) {
		eng__conn_fail(c, ENG_FAIL_CONNECT, "jump host %s cannot reach %s port %u: %s",
		    r->hop_name, c->host, c->hport, eng__ssh_error(j, "refused"));
		return;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) {
		if (errno == EMFILE || errno == ENFILE)
			eng__conn_fail_fds(c, "cannot join the jump host's tunnel");
		else
			eng__conn_fail(c, ENG_FAIL_CONNECT, "socketpair: %s", strerror(errno));
		return;
	}
	r->fd = sv[1];
	if (uv_poll_init(c->ctx->loop, &r->poll, r->fd) == 0) {
		r->poll.data = r;
		r->poll_init = 1;
		relay_poll_update(r);
	}
	ENG_LOG(c->ctx, "%s: tunnel through %s to %s port %u", c->name, r->hop_name,
	    c->host, c->hport);
	eng__conn_attach_fd(c, sv[0]);
}

/* "a -> b -> c": the chain from the outermost target down to c. */
static char *
chain_text(const eng_conn *c)
{
	const eng_conn *p;
	char *s = util_xstrdup(c->name), *t;

	for (p = c->jump_for; p != NULL; p = p->jump_for) {
		t = util_xasprintf("%s -> %s", p->name, s);
		free(s);
		s = t;
	}
	return s;
}

/* 0 if c may open a connection to its next hop; else c failed (config). */
static int
chain_check(eng_conn *c, const char *hop)
{
	const eng_conn *p;
	char *chain = NULL;
	int hops = 1;   /* the one about to be opened */

	for (p = c; p != NULL; p = p->jump_for) {
		if (strcmp(p->name, hop) == 0) {
			chain = chain_text(c);
			c->chain_error = 1;
			eng__conn_fail(c, ENG_FAIL_CONFIG, "ProxyJump loop: %s -> %s", chain, hop);
			free(chain);
			return -1;
		}
		if (p->jump_for != NULL)
			hops++;
	}
	if (hops > ENG_JUMP_MAX_HOPS) {
		chain = chain_text(c);
		c->chain_error = 1;
		eng__conn_fail(c, ENG_FAIL_CONFIG,
		    "ProxyJump chain too long (more than %d jump hosts): %s -> %s",
		    ENG_JUMP_MAX_HOPS, chain, hop);
		free(chain);
		return -1;
	}
	return 0;
}

static void
on_jump_state(eng_conn *j, eng_conn_state st, void *ud)
{
	eng_relay *r = ud;
	eng_conn *c;

	if (r == NULL || (c = r->target) == NULL || c->dead)
		return;
	if (st == ENG_CONN_READY) {
		eng__conn_op_push(j, op_forward, op_forward_done, r);
	} else if (st == ENG_CONN_FAILED || st == ENG_CONN_CLOSED) {
		eng_fail f = j->fail == ENG_FAIL_NONE ? ENG_FAIL_LOST : j->fail;

		r->jump = NULL;
		r->ch = NULL;   /* freed with the jump session */
		j->jump_for = NULL;
		if (j->chain_error) {
			/* The chain's own fault, already named in full: pass it on. */
			c->chain_error = 1;
			eng__conn_fail(c, f, "%s", j->error);
			return;
		}
		eng__conn_fail(c, f, "via jump host %s: %s", r->hop_name,
		    j->error != NULL ? j->error : "closed");
	}
}

void
eng__jump_start(eng_conn *c)
{
	static const eng_conn_cbs jcbs = { on_jump_state };
	eng_relay *r = c->relay;
	eng_conn_opts o;

	if (chain_check(c, r->hop_name) < 0)
		return;
	memset(&o, 0, sizeof(o));
	o.name = r->hop_name;
	o.user = r->hop_user;
	o.port = r->hop_port;
	o.jump = r->hop_next;
	o.ssh_config = c->ssh_config;
	o.known_hosts = c->known_hosts;
	o.connect_timeout_ms = c->connect_timeout_ms;
	o.keepalive_ms = c->keepalive_ms;
	o.accept_new = c->accept_new;
	o.ask_hostkey = c->ask_hostkey;
	memcpy(o.auth, c->auth_order, sizeof(o.auth));
	if (eng_conn_open(c->ctx, &o, &jcbs, r, &r->jump) != 0) {
		eng__conn_fail(c, ENG_FAIL_CONFIG, "cannot open jump host %s", r->hop_name);
		return;
	}
	/* Set before the new conn runs: everything it does starts from the loop. */
	r->jump->jump_for = c;
}

static void
on_relay_poll_closed(uv_handle_t *h)
{
	eng_relay *r = h->data;

	relay_free(r);
}

void
eng__jump_teardown(eng_conn *c)
{
	eng_relay *r = c->relay;

	if (r == NULL)
		return;
	c->relay = NULL;
	r->target = NULL;
	if (r->jump != NULL) {
		if (r->ch != NULL && !r->jump->dead) {
			ssh_remove_channel_callbacks(r->ch, &r->cb);
			ssh_channel_free(r->ch);
		}
		eng__conn_op_cancel(r->jump, r);
		r->jump->jump_for = NULL;
		eng_conn_set_userdata(r->jump, NULL);
		eng_conn_close(r->jump);
		r->jump = NULL;
	}
	r->ch = NULL;
	/* Stop watching before closing: the fd number may be reused at once. */
	if (r->poll_init)
		uv_poll_stop(&r->poll);
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	if (r->poll_init)
		uv_close((uv_handle_t *)&r->poll, on_relay_poll_closed);
	else
		relay_free(r);
}
