/*
 * engine/sftp.c - an SFTP v3 client session on one "sftp" subsystem
 * channel of a conn's shared libssh session: INIT/VERSION (extensions, then
 * limits@openssh.com before it calls itself ready), request encoding, reply
 * framing and matching by id, the end of the session.
 *
 * Why our own: libssh 0.10's SFTP is blocking with one request in flight
 * (see NOTES-libs.md). The channel is an ordinary exec channel opened with
 * eng_exec_opts.subsystem (exec.c), so stream 1 is the server's bytes and
 * eng_exec_write carries ours; nothing here touches libssh.
 *
 * Owns: the pending-request table (hashed by id), the receive buffer (one
 * packet at most, bounded by ENG_SFTP_MAX_PACKET). Talks to exec.c below
 * and to xfer.c / front ends above; sftp_req.c encodes the requests,
 * sftp_proto.c parses the replies.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

typedef struct eng__sftp_req req;

static const char *const status_text[] = {
	"ok", "end of file", "no such file", "permission denied", "failure",
	"bad message", "no connection", "connection lost", "operation unsupported"
};

const char *
eng_sftp_status_str(uint32_t status)
{
	if (status < sizeof(status_text) / sizeof(status_text[0]))
		return status_text[status];
	return "unknown status code";
}

/* ---- pending requests ---- */

void
eng__sftp_req_add(eng_sftp *s, struct eng__sftp_req *q)
{
	req **b = &s->tab[q->id % ENG__SFTP_NBUCKET];

	q->next = *b;
	*b = q;
	s->ninflight++;
}

static req *
req_take(eng_sftp *s, uint32_t id)
{
	req **pp;

	for (pp = &s->tab[id % ENG__SFTP_NBUCKET]; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->id == id) {
			req *q = *pp;

			*pp = q->next;
			s->ninflight--;
			return q;
		}
	}
	return NULL;
}

static void
reply_status(eng_sftp *s, req *q, uint32_t status, const char *msg)
{
	eng_sftp_reply r;

	memset(&r, 0, sizeof(r));
	r.status = status;
	r.message = msg != NULL && *msg != '\0' ? msg : eng_sftp_status_str(status);
	if (q->cb != NULL)
		q->cb(s, &r, q->ud);
}

/* Completes every pending request with CONNECTION_LOST. */
static void
fail_pending(eng_sftp *s)
{
	size_t i;
	req *q;

	for (i = 0; i < ENG__SFTP_NBUCKET; i++) {
		while ((q = s->tab[i]) != NULL) {
			s->tab[i] = q->next;
			s->ninflight--;
			reply_status(s, q, ENG_SFTP_CONNECTION_LOST,
			    s->error != NULL ? s->error : "sftp session closed");
			free(q);
		}
	}
}

/* The session cannot go on: refuse new requests, fail old ones, close. */
static void
sftp_fail(eng_sftp *s, const char *why)
{
	if (s->failed)
		return;
	s->failed = 1;
	if (s->error == NULL && why != NULL)
		s->error = util_xstrdup(why);
	ENG_LOG(s->c->ctx, "%s: sftp: %s", eng_conn_name(s->c), why ? why : "closed");
	fail_pending(s);
	if (s->x != NULL)
		eng_exec_kill(s->x);
}

/* ---- receiving ---- */

/* Which reply types answer a request type (STATUS answers everything). */
static uint8_t
expected_reply(const req *q)
{
	switch (q->type) {
	case ENG__FXP_OPEN:
	case ENG__FXP_OPENDIR:
		return ENG__FXP_HANDLE;
	case ENG__FXP_READ:
		return ENG__FXP_DATA;
	case ENG__FXP_READDIR:
	case ENG__FXP_REALPATH:
	case ENG__FXP_READLINK:
		return ENG__FXP_NAME;
	case ENG__FXP_STAT:
	case ENG__FXP_LSTAT:
	case ENG__FXP_FSTAT:
		return ENG__FXP_ATTRS;
	case ENG__FXP_EXTENDED:
		return q->ext == ENG__SFTP_EXT_STATUS ? ENG__FXP_STATUS : ENG__FXP_EXTENDED_REPLY;
	default:
		return ENG__FXP_STATUS;
	}
}

static void
on_limits(eng_sftp *s, const eng_sftp_reply *r, void *ud)
{
	(void)ud;
	s->rtt_us = (uv_hrtime() - s->limits_sent_ns) / 1000 + 1;
	if (r->status != ENG_SFTP_OK || s->failed)
		memset(&s->limits, 0, sizeof(s->limits));
	if (s->failed)
		return;
	s->ready = 1;
	if (s->cbs.on_ready != NULL)
		s->cbs.on_ready(s, s->ud);
}

static void
got_version(eng_sftp *s, const eng__sftp_msg *m)
{
	size_t i;

	if (s->version != 0) {
		sftp_fail(s, "protocol error: a second VERSION");
		return;
	}
	if (m->version < 3) {
		char *e = util_xasprintf("server speaks SFTP version %u, we need 3", m->version);

		sftp_fail(s, e);
		free(e);
		return;
	}
	s->version = 3;
	s->exts = util_xcalloc(m->next + 1, sizeof(*s->exts));
	for (i = 0; i < m->next; i++) {
		if (memchr(m->ext[i].name, '\0', m->ext[i].nlen) != NULL)
			continue;
		s->exts[s->nexts] = util_xmalloc(m->ext[i].nlen + 1);
		memcpy(s->exts[s->nexts], m->ext[i].name, m->ext[i].nlen);
		s->exts[s->nexts++][m->ext[i].nlen] = '\0';
	}
	if (!eng_sftp_has_ext(s, "limits@openssh.com")) {
		s->ready = 1;
		if (s->cbs.on_ready != NULL)
			s->cbs.on_ready(s, s->ud);
		return;
	}
	s->limits_sent_ns = uv_hrtime();
	if (eng__sftp_send_limits(s, on_limits) != 0)
		sftp_fail(s, "cannot send the limits request");
}

/* One complete packet body; on a protocol error the session fails. */
static void
dispatch(eng_sftp *s, const unsigned char *body, size_t len)
{
	eng__sftp_msg m;
	eng_sftp_reply r;
	eng_sftp_vfs vfs;
	eng_sftp_limits lim;
	char err[200], *msg = NULL;
	uint32_t id;
	req *q = NULL;
	int check_names = 0;

	/* Peek at the id to know whether readdir names must be checked. */
	if (len >= 5 && body[0] != ENG__FXP_VERSION) {
		id = (uint32_t)body[1] << 24 | (uint32_t)body[2] << 16 |
		    (uint32_t)body[3] << 8 | body[4];
		if ((q = req_take(s, id)) == NULL) {
			msg = util_xasprintf("protocol error: reply for unknown request id %u "
			    "(duplicate or never sent)", id);
			goto out;
		}
		check_names = q->type == ENG__FXP_READDIR;
	}
	if (eng__sftp_parse(body, len, check_names, &m, err, sizeof(err)) != 0) {
		msg = util_xasprintf("protocol error: %s", err);
		goto out_msg;
	}
	if (m.type == ENG__FXP_VERSION) {
		got_version(s, &m);
		goto out_msg;
	}
	if (q == NULL) {
		msg = util_xstrdup("protocol error: reply before VERSION");
		goto out_msg;
	}
	memset(&r, 0, sizeof(r));
	if (m.type == ENG__FXP_STATUS) {
		if (m.status == ENG_SFTP_OK && expected_reply(q) != ENG__FXP_STATUS) {
			msg = util_xasprintf("protocol error: status ok where data was expected "
			    "(request %u)", q->id);
			goto out_msg;
		}
		reply_status(s, q, m.status, m.message);
		goto out_msg;
	}
	if (m.type != expected_reply(q)) {
		msg = util_xasprintf("protocol error: reply type %u to request type %u",
		    m.type, q->type);
		goto out_msg;
	}
	r.status = ENG_SFTP_OK;
	r.message = "ok";
	switch (m.type) {
	case ENG__FXP_HANDLE:
		r.handle = &m.handle;
		break;
	case ENG__FXP_DATA:
		r.data = m.data;
		r.len = m.len;
		break;
	case ENG__FXP_NAME:
		r.names = m.names;
		r.nnames = m.nnames;
		r.refused = m.refused;
		if (q->type != ENG__FXP_READDIR && m.nnames != 1) {
			msg = util_xasprintf("protocol error: %zu names for request type %u",
			    m.nnames, q->type);
			goto out_msg;
		}
		break;
	case ENG__FXP_ATTRS:
		r.attrs = &m.attrs;
		break;
	case ENG__FXP_EXTENDED_REPLY:
		if (q->ext == ENG__SFTP_EXT_STATVFS) {
			if (eng__sftp_parse_statvfs(m.data, m.len, &vfs) != 0) {
				msg = util_xstrdup("protocol error: bad statvfs reply");
				goto out_msg;
			}
			r.vfs = &vfs;
		} else if (q->ext == ENG__SFTP_EXT_LIMITS) {
			if (eng__sftp_parse_limits(m.data, m.len, &lim) != 0) {
				msg = util_xstrdup("protocol error: bad limits reply");
				goto out_msg;
			}
			s->limits = lim;
		}
		break;
	}
	if (q->cb != NULL)
		q->cb(s, &r, q->ud);
out_msg:
	eng__sftp_msg_clear(&m);
out:
	if (msg != NULL && q != NULL) {
		/* The request is answered by the failure, like the others. */
		eng__sftp_req_add(s, q);
		q = NULL;
	}
	free(q);
	if (msg != NULL) {
		sftp_fail(s, msg);
		free(msg);
	}
}

/* Frames packets in buf; returns bytes consumed (a partial packet stays). */
static size_t
consume(eng_sftp *s, const unsigned char *buf, size_t len)
{
	size_t off = 0;
	uint32_t plen;

	while (!s->failed && len - off >= 4) {
		plen = (uint32_t)buf[off] << 24 | (uint32_t)buf[off + 1] << 16 |
		    (uint32_t)buf[off + 2] << 8 | buf[off + 3];
		if (plen == 0 || plen > ENG_SFTP_MAX_PACKET) {
			char *e = util_xasprintf("protocol error: packet length %u "
			    "(limit %u)", plen, (unsigned)ENG_SFTP_MAX_PACKET);

			sftp_fail(s, e);
			free(e);
			return len;
		}
		if (len - off - 4 < plen)
			break;
		dispatch(s, buf + off + 4, plen);
		off += 4 + (size_t)plen;
	}
	return s->failed ? len : off;
}

static void
on_x_data(eng_exec *x, int stream, const char *buf, size_t len, void *ud)
{
	eng_sftp *s = ud;
	const unsigned char *b = (const unsigned char *)buf;
	size_t used;

	(void)x;
	if (stream != 1) {
		ENG_LOG(s->c->ctx, "%s: sftp server stderr: %.*s", eng_conn_name(s->c),
		    (int)(len > 200 ? 200 : len), buf);
		return;
	}
	if (s->failed)
		return;
	if (s->rlen == 0) {
		/* Whole packets straight from libssh's buffer, no copy. */
		used = consume(s, b, len);
		b += used;
		len -= used;
		if (len == 0 || s->failed)
			return;
	}
	if (s->rlen + len > s->rcap) {
		/* Never more than one packet plus one chunk: bounded. */
		size_t cap = s->rcap ? s->rcap : 65536;

		while (cap < s->rlen + len)
			cap *= 2;
		s->rbuf = util_xrealloc(s->rbuf, cap);
		s->rcap = cap;
	}
	memcpy(s->rbuf + s->rlen, b, len);
	s->rlen += len;
	used = consume(s, s->rbuf, s->rlen);
	if (s->failed) {
		s->rlen = 0;
		return;
	}
	memmove(s->rbuf, s->rbuf + used, s->rlen - used);
	s->rlen -= used;
}

static void
sftp_free(eng_sftp *s)
{
	size_t i;

	for (i = 0; i < s->nexts; i++)
		free(s->exts[i]);
	free(s->exts);
	free(s->rbuf);
	free(s->error);
	free(s);
}

static void
on_x_done(eng_exec *x, const eng_exec_result *r, void *ud)
{
	eng_sftp *s = ud;

	(void)x;
	s->x = NULL;
	if (!s->failed && !s->close_req) {
		char *e;

		if (r->error != NULL)
			e = util_xasprintf("sftp channel: %s", r->error);
		else if (s->version == 0)
			e = util_xasprintf("the server ended the sftp subsystem before VERSION "
			    "(exit %d)", r->exit_status);
		else
			e = util_xstrdup("the server closed the sftp channel");
		sftp_fail(s, e);
		free(e);
	}
	s->failed = 1;
	fail_pending(s);
	s->ended = 1;
	if (s->cbs.on_end != NULL)
		s->cbs.on_end(s, s->close_req && s->error == NULL ? NULL : s->error, s->ud);
	sftp_free(s);
}

int
eng_sftp_start(eng_conn *c, const eng_sftp_cbs *cbs, void *ud, eng_sftp **out)
{
	static const eng_exec_cbs xcbs = { on_x_data, on_x_done };
	static const unsigned char init[9] = { 0, 0, 0, 5, ENG__FXP_INIT, 0, 0, 0, 3 };
	eng_exec_opts o;
	eng_sftp *s;
	int r;

	if (out != NULL)
		*out = NULL;
	if (c == NULL || out == NULL)
		return ENG_EINVAL;
	s = util_xcalloc(1, sizeof(*s));
	s->c = c;
	if (cbs != NULL)
		s->cbs = *cbs;
	s->ud = ud;
	s->next_id = 1;
	memset(&o, 0, sizeof(o));
	o.subsystem = 1;
	if ((r = eng_exec_start(c, "sftp", &o, &xcbs, s, &s->x)) != 0) {
		free(s);
		return r;
	}
	/* INIT goes out right after the subsystem request. */
	eng_exec_write(s->x, init, sizeof(init));
	*out = s;
	return 0;
}

void
eng_sftp_close(eng_sftp *s)
{
	if (s == NULL || s->ended || s->close_req)
		return;
	s->close_req = 1;
	s->failed = 1;
	fail_pending(s);
	if (s->x != NULL)
		eng_exec_kill(s->x);
}

eng_conn *
eng_sftp_conn(const eng_sftp *s)
{
	return s != NULL ? s->c : NULL;
}

int
eng_sftp_is_ready(const eng_sftp *s)
{
	return s != NULL && s->ready && !s->failed;
}

int
eng_sftp_has_ext(const eng_sftp *s, const char *name)
{
	size_t i;

	if (s == NULL || name == NULL)
		return 0;
	for (i = 0; i < s->nexts; i++)
		if (strcmp(s->exts[i], name) == 0)
			return 1;
	return 0;
}

uint64_t
eng_sftp_rtt_us(const eng_sftp *s)
{
	return s != NULL ? s->rtt_us : 0;
}

void
eng_sftp_get_limits(const eng_sftp *s, eng_sftp_limits *l)
{
	if (s != NULL)
		*l = s->limits;
	else
		memset(l, 0, sizeof(*l));
}

size_t
eng_sftp_inflight(const eng_sftp *s)
{
	return s != NULL ? s->ninflight : 0;
}

size_t
eng_sftp_queued_bytes(const eng_sftp *s)
{
	return s != NULL && s->x != NULL ? eng_exec_pending(s->x) : 0;
}
