/*
 * engine/xfer.c - transfer jobs (eng_xfer_put / _get / _put_data): the SFTP
 * streams of a job (several sessions on the conn's one SSH connection,
 * each with its own channel window), the scheduler that keeps every
 * stream's window full - whole small files many at once, big ones striped
 * over all streams - and the end of the job (directory modes, streams
 * closed, on_done).
 *
 * Owns the streams, the file queue and the active files (their steps are
 * in xfer_file.c; what the sources are and the walk of trees in
 * xfer_walk.c). Talks to sftp.c for the protocol and to libuv's thread
 * pool for local files; reports to the front end via eng_xfer_cbs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/xfer_int.h"

static void job_check_end(eng_xfer *j);
/* ---- small helpers ---- */

void
eng__xf_progress(eng_xfer *j, xf_file *f, int force)
{
	uint64_t now = uv_now(j->loop);

	if (j->cbs.on_progress == NULL)
		return;
	if (!force && now - j->last_progress < (uint64_t)j->o.progress_ms)
		return;
	j->last_progress = now;
	j->cbs.on_progress(j, &j->prog, f != NULL ? &f->pub : NULL, j->ud);
}

void
eng__xf_leftover(eng_xfer *j, const char *path)
{
	j->leftover = util_xrealloc(j->leftover, (j->nleftover + 2) * sizeof(char *));
	j->leftover[j->nleftover++] = util_xstrdup(path);
	j->leftover[j->nleftover] = NULL;
}

xf_stream *
eng__xf_pick_stream(eng_xfer *j)
{
	static unsigned rr;
	int i, k;

	/* Round robin over the ready streams. */
	for (k = 0; k < j->nst; k++) {
		i = (int)((rr + (unsigned)k) % (unsigned)j->nst);
		if (j->st[i].ready && !j->st[i].ended && eng_sftp_is_ready(j->st[i].s)) {
			rr = (unsigned)i + 1;
			return &j->st[i];
		}
	}
	return NULL;
}

void
eng__xf_final_attrs(const eng_xfer *j, uint32_t mode, uint32_t atime, uint32_t mtime,
    eng_sftp_attrs *a)
{
	memset(a, 0, sizeof(*a));
	a->flags = ENG_SFTP_ATTR_PERMISSIONS;
	a->perm = mode & (j->o.preserve ? 07777 : 0777);
	if (j->o.preserve) {
		a->flags |= ENG_SFTP_ATTR_ACMODTIME;
		a->atime = atime;
		a->mtime = mtime;
	}
}

xf_stream *
eng__xf_any_stream(eng_xfer *j)
{
	int i;

	for (i = 0; i < j->nst; i++)
		if (j->st[i].ready && !j->st[i].ended && eng_sftp_is_ready(j->st[i].s))
			return &j->st[i];
	return NULL;
}

/* ---- streams ---- */

/*
 * Bytes in flight per stream, from the round trip: four streams of 768
 * KiB still move 1 GB/s at 3 ms, and 2 MiB each above 8 ms (the 30 ms
 * rows' figures). Less is faster near: what is in flight passes through
 * the caches of both sides, and a 1 GiB put on loopback took 2.78 s
 * with 768 KiB against 3.75 s with 2 MiB (means of four runs in turn;
 * 512 KiB 2.86 s, 1 MiB 3.22 s), all processes' CPU 4.49 s against 5.69 s.
 */
#define XF_WINDOW_NEAR (768u << 10)
#define XF_WINDOW_FAR (2u << 20)

static uint32_t
window_for_rtt(uint64_t rtt_us)
{
	uint64_t w = rtt_us * 256 / 1000 << 10;   /* 256 KiB per ms */

	return w < XF_WINDOW_NEAR ? XF_WINDOW_NEAR : w > XF_WINDOW_FAR ? XF_WINDOW_FAR : (uint32_t)w;
}

static void
on_st_ready(eng_sftp *s, void *ud)
{
	xf_stream *st = ud;
	eng_xfer *j = st->j;
	eng_sftp_limits l;

	st->ready = 1;
	j->nready++;
	if (j->nready == 1) {
		j->setup_ms = uv_now(j->loop) - j->started;
		/*
		 * setup_ms includes the connection's handshake when the job
		 * came first (83-92 ms on loopback): the limits request's
		 * reply is the round trip itself.
		 */
		j->rtt_us = eng_sftp_rtt_us(s);
		if (j->rtt_us == 0)
			j->rtt_us = j->setup_ms * 1000 / 3;   /* open, subsystem, init */
		/*
		 * The first session sets the request size: as much as the
		 * server takes (OpenSSH says 255 KiB in limits@openssh.com),
		 * else 64 KiB. Each request is a read, a write and an answer
		 * on both sides: 1 GiB on loopback, 255 KiB against 64 KiB
		 * requests, put 3.74-4.51 s against 4.41-4.62 s (four runs
		 * each), get 3.97-4.76 s against 4.53-6.06 s and 0.1-1.4 s
		 * less client CPU (three runs).
		 */
		eng_sftp_get_limits(s, &l);
		if (j->o.chunk == 0) {
			uint64_t m = j->dir == ENG_XFER_PUT ? l.max_write : l.max_read;

			if (m > 0)
				j->chunk = m < 255u << 10 ? (uint32_t)m : 255u << 10;
		}
		if (l.max_read > 0 && l.max_read < j->chunk)
			j->chunk = (uint32_t)l.max_read;
		if (l.max_write > 0 && l.max_write < j->chunk)
			j->chunk = (uint32_t)l.max_write;
		if (j->o.window == 0)
			j->window = window_for_rtt(j->rtt_us);
		if (j->window < j->chunk)
			j->window = j->chunk;
		if (j->phase == J_START && !j->cancelled)
			eng__xf_resolve_dst(j);
	}
	eng__xf_pump(j);
}

static void
on_st_end(eng_sftp *s, const char *error, void *ud)
{
	xf_stream *st = ud;
	eng_xfer *j = st->j;

	(void)s;
	st->ended = 1;
	st->s = NULL;
	j->nended++;
	if (st->ready)
		j->nready--;
	if (error != NULL) {
		/*
		 * A stream refused before it was ready (e.g. MaxSessions) is
		 * only one less; a ready one going away means the connection
		 * or the server is gone: the job ends, saying why (also when
		 * its last files already failed with it).
		 */
		if (st->ready || j->nended == j->nst) {
			if (j->error == NULL)
				j->error = util_xasprintf("sftp: %s", error);
			eng_xfer_cancel(j);
		}
	}
	eng__xf_pump(j);
}

static uint64_t
inflight_total(const eng_xfer *j)
{
	uint64_t n = 0;
	int i;

	for (i = 0; i < j->nst; i++)
		if (!j->st[i].ended)
			n += j->st[i].inflight;
	return n;
}

/*
 * What all the transfers of one context may have in flight together,
 * shared by the jobs running: up to 4 jobs keep four streams' full
 * windows, up to 16 one stream's; a job always gets one request (a
 * 255 KiB request per round trip is still 2.5 MB/s per host at 100 ms).
 * Pushing one 10 MB file to 200 hosts with a 2 MiB window each held
 * 441 MB and took 60 s here; with one request each, 148 MB and 24 s: the
 * hosts are the parallelism there, and what was queued beyond that only
 * cost memory on both sides.
 */
#define XF_CTX_BUDGET (32u << 20)

static uint64_t
job_budget(const eng_xfer *j)
{
	uint64_t b = XF_CTX_BUDGET / (uint64_t)(j->ctx->nxfer > 1 ? j->ctx->nxfer : 1);

	return b < j->chunk ? j->chunk : b;
}

/*
 * The job starts on one session; the others open only when they pay: a
 * file big enough to stripe, or a queue of small files long enough to keep
 * several servers busy. Each session is a server process and a window of
 * memory: a config file pushed to 200 hosts needs one. A live stream means
 * the conn is still there (its channels end first).
 *
 * How many: opts.streams, else 4 - except a striped get over a long round
 * trip. libssh's receive window (1.28 MB) moves about 0.6 MB per round
 * trip, so one channel gets ~20 MB/s at 30 ms where a put channel (sshd's
 * 2 MB window) gets more; such a get takes a channel per 2.5 ms of round
 * trip, up to XF_MAXSTREAMS. Measured on 256 MiB at 30 ms: get 4
 * streams 4.2 s, 8 2.8 s, 12 2.6 s, 16 2.9 s; on loopback 12 streams were
 * slower than 4 (server processes competing for the cores).
 */
#define XF_GROW_QUEUE 64
#define XF_STREAMS 4
/* Round trip per extra channel, in tenths of a ms (12 channels at 30 ms). */
#define XF_RTT_PER_STREAM 25

static int
streams_wanted(const eng_xfer *j)
{
	uint64_t rtt = j->rtt_us / 1000;
	int n;

	if (j->o.streams > 0)
		return j->o.streams;
	if (j->dir != ENG_XFER_GET)
		return XF_STREAMS;
	n = (int)(rtt * 10 / XF_RTT_PER_STREAM);
	return n < XF_STREAMS ? XF_STREAMS : n > XF_MAXSTREAMS ? XF_MAXSTREAMS : n;
}

static void
grow_streams(eng_xfer *j)
{
	static const eng_sftp_cbs scbs = { on_st_ready, on_st_end };
	xf_file *f;
	size_t queued = 0;
	int want = 0, k;

	if (j->cancelled || j->phase != J_RUN || eng__xf_any_stream(j) == NULL)
		return;
	for (f = j->active; f != NULL && want == 0; f = f->next)
		if (f->striped)
			want = streams_wanted(j);
	/* Small files: more servers than cores would only compete. */
	for (f = j->qhead; f != NULL && want == 0; f = f->next)
		if (++queued >= XF_GROW_QUEUE)
			want = j->o.streams > 0 ? j->o.streams : XF_STREAMS;
	if (want <= j->grown || j->nst >= want)
		return;
	j->grown = want;
	for (k = j->nst; k < want; k++) {
		j->st[k].j = j;
		j->st[k].idx = k;
		if (eng_sftp_start(j->c, &scbs, &j->st[k], &j->st[k].s) != 0)
			break;
		j->nst++;
	}
}

/* ---- scheduler ---- */

static void
report_finished(eng_xfer *j)
{
	xf_file *f;

	while ((f = j->finished) != NULL) {
		j->finished = f->next;
		j->prog.files_done++;
		if (f->pub.state == ENG_XFER_FAILED)
			j->prog.files_failed++;
		eng__xf_progress(j, f, 1);
		if (j->cbs.on_file != NULL)
			j->cbs.on_file(j, &f->pub, j->ud);
		eng__xf_file_free(f);
	}
}

void
eng__xf_pump(eng_xfer *j)
{
	xf_file *f;
	uint64_t budget, total;
	int i, issued;

	if (j->in_pump) {
		j->pump_again = 1;
		return;
	}
	j->in_pump = 1;
	do {
		j->pump_again = 0;
		report_finished(j);
		if (j->phase != J_RUN)
			continue;
		while (!j->cancelled && j->nactive < j->o.max_files && j->qhead != NULL &&
		    j->nready > 0) {
			f = j->qhead;
			j->qhead = f->next;
			if (j->qhead == NULL)
				j->qtail = NULL;
			{
				xf_file **pp = &j->active;   /* oldest first */

				while (*pp != NULL)
					pp = &(*pp)->next;
				f->next = NULL;
				*pp = f;
			}
			j->nactive++;
			eng__xf_file_begin(f);
		}
		grow_streams(j);
		budget = job_budget(j);
		total = inflight_total(j);
		for (i = 0; i < j->nst; i++) {
			xf_stream *st = &j->st[i];

			if (!st->ready || st->ended)
				continue;
			/*
			 * The oldest file first, so files finish in order and a
			 * striped one gets every stream; a file still opening
			 * lets the next one use the window meanwhile.
			 */
			do {
				uint64_t before = st->inflight;

				issued = 0;
				if (st->inflight >= j->window || (total > 0 && total >= budget))
					break;
				for (f = j->active; f != NULL && !issued; f = f->next)
					issued = eng__xf_file_issue(f, st);
				if (st->inflight > before)
					total += st->inflight - before;
			} while (issued && !st->ended);
		}
		report_finished(j);
		if (j->walking == 0 && j->dirs_todo != NULL)
			eng__xf_walk_next(j);
	} while (j->pump_again);
	j->in_pump = 0;
	job_check_end(j);
}

/* ---- the end ---- */

static void job_dirs(eng_xfer *j);

static void
on_dir_attr(eng_sftp *s, const eng_sftp_reply *r, void *ud)
{
	eng_xfer *j = ud;

	(void)s;
	(void)r;   /* a mode we could not set is not worth failing for */
	job_dirs(j);
}

typedef struct dop {
	uv_fs_t req;
	eng_xfer *j;
	xf_dir *d;
	int stage;                  /* 0 chmod, 1 utime */
} dop;

static void
on_dir_attr_local(uv_fs_t *req)
{
	dop *o = req->data;
	eng_xfer *j = o->j;

	uv_fs_req_cleanup(req);
	if (o->stage == 0 && j->o.preserve) {
		o->stage = 1;
		uv_fs_utime(j->loop, &o->req, o->d->dst, (double)o->d->atime,
		    (double)o->d->mtime, on_dir_attr_local);
		return;
	}
	eng__xf_dir_free(o->d);
	free(o);
	job_dirs(j);
}

/* Modes (and mtimes with preserve) of the directories, deepest first. */
static void
job_dirs(eng_xfer *j)
{
	xf_dir *d;
	xf_stream *st;
	eng_sftp_attrs a;

	while ((d = j->dirs_done) != NULL) {
		j->dirs_done = d->next;
		if (!j->o.preserve && (!d->created ||
		    (j->dir == ENG_XFER_PUT && (d->mode & 0700) == 0700))) {
			eng__xf_dir_free(d);   /* its mkdir set it (xfer_walk.c) */
			continue;
		}
		/* Also after a cancel: a directory is not left at 0700. */
		if (j->dir == ENG_XFER_PUT && (st = eng__xf_any_stream(j)) != NULL) {
			eng__xf_final_attrs(j, d->mode, d->atime, d->mtime, &a);
			if (eng_sftp_setstat(st->s, d->dst, &a, on_dir_attr, j) == 0) {
				eng__xf_dir_free(d);
				return;
			}
		} else if (j->dir == ENG_XFER_GET) {
			dop *o = util_xcalloc(1, sizeof(*o));

			o->j = j;
			o->d = d;
			o->req.data = o;
			uv_fs_chmod(j->loop, &o->req, d->dst, j->o.preserve ? (int)(d->mode & 0777) :
			    (int)((S_ISDIR(d->mode) ? d->mode & 0777 : 0777) & ~j->umask),
			    on_dir_attr_local);
			return;
		}
		eng__xf_dir_free(d);
	}
	j->phase = J_CLOSING;
	job_check_end(j);
}

static void
free_handle(uv_handle_t *h)
{
	free(h);
}

static void
job_free(eng_xfer *j)
{
	size_t i;
	xf_dir *d;

	if (j->cancel_timer != NULL) {
		j->cancel_timer->data = NULL;
		uv_timer_stop(j->cancel_timer);
		uv_close((uv_handle_t *)j->cancel_timer, free_handle);
	}

	for (i = 0; i < j->nsrc; i++)
		free(j->srcs[i]);
	free(j->srcs);
	for (i = 0; i < j->nleftover; i++)
		free(j->leftover[i]);
	free(j->leftover);
	while ((d = j->dirs_todo) != NULL) {
		j->dirs_todo = d->next;
		eng__xf_dir_free(d);
	}
	while ((d = j->dirs_done) != NULL) {
		j->dirs_done = d->next;
		eng__xf_dir_free(d);
	}
	if (j->counted)
		j->ctx->nxfer--;
	free(j->dst);
	free(j->name);
	free(j->error);
	free(j);
}

static void
job_check_end(eng_xfer *j)
{
	eng_xfer_result r;
	int i;

	if (j->in_pump || j->phase == J_DONE)
		return;
	if (j->phase <= J_RUN) {
		if (j->walking > 0 || j->dirs_todo != NULL || j->qhead != NULL ||
		    j->nactive > 0 || j->finished != NULL)
			return;
		if (j->phase == J_START && !j->cancelled && j->nended < j->nst)
			return;
		if (j->phase == J_SOURCES && !j->cancelled)
			return;
		j->phase = J_DIRS;
		job_dirs(j);
		return;
	}
	if (j->phase == J_DIRS)
		return;
	/*
	 * J_CLOSING: every stream ends before on_done (they point at j). A
	 * stream whose channel never opened ends inside eng_sftp_close: the
	 * held in_pump keeps those callbacks from finishing j under us.
	 */
	if (!j->closes_sent) {
		j->closes_sent = 1;
		j->in_pump++;
		for (i = 0; i < j->nst; i++)
			if (!j->st[i].ended && j->st[i].s != NULL)
				eng_sftp_close(j->st[i].s);
		j->in_pump--;
	}
	if (j->nended < j->nst || j->phase == J_DONE)
		return;
	j->phase = J_DONE;
	eng__xf_progress(j, NULL, 1);
	memset(&r, 0, sizeof(r));
	r.progress = &j->prog;
	r.error = j->error;
	r.cancelled = j->cancelled && j->error == NULL;
	r.leftover = (const char *const *)j->leftover;
	r.nleftover = j->nleftover;
	if (j->cbs.on_done != NULL)
		j->cbs.on_done(j, &r, j->ud);
	job_free(j);
}

/* ---- public ---- */

static int
job_new(eng_conn *c, eng_xfer_dir dir, const char *const *src, size_t n, const char *dst,
    const eng_xfer_opts *opts, const eng_xfer_cbs *cbs, void *ud, eng_xfer **out)
{
	static const eng_sftp_cbs scbs = { on_st_ready, on_st_end };
	eng_xfer *j;
	size_t i;
	int r;
	mode_t m;

	if (out != NULL)
		*out = NULL;
	if (c == NULL || dst == NULL || *dst == '\0' || out == NULL || (n > 0 && src == NULL))
		return ENG_EINVAL;
	for (i = 0; i < n; i++)
		if (src[i] == NULL || *src[i] == '\0')
			return ENG_EINVAL;
	j = util_xcalloc(1, sizeof(*j));
	j->c = c;
	j->ctx = c->ctx;
	j->loop = c->ctx->loop;
	j->started = uv_now(j->loop);
	j->name = util_xstrdup(eng_conn_name(c));
	j->dir = dir;
	if (opts != NULL)
		j->o = *opts;
	if (j->o.streams > XF_MAXSTREAMS)
		j->o.streams = XF_MAXSTREAMS;
	if (j->o.max_files <= 0)
		j->o.max_files = 32;
	if (j->o.progress_ms <= 0)
		j->o.progress_ms = 100;
	if (j->o.stripe_min == 0)
		j->o.stripe_min = 8u << 20;
	j->chunk = j->o.chunk > 0 ? j->o.chunk : 64u << 10;
	if (j->chunk > 255u << 10)
		j->chunk = 255u << 10;   /* 256 KiB made OpenSSH drop the connection */
	j->window = j->o.window > 0 ? j->o.window : 2u << 20;
	if (j->window < j->chunk)
		j->window = j->chunk;
	if (cbs != NULL)
		j->cbs = *cbs;
	j->ud = ud;
	m = umask(022);   /* read it back: there is no getter */
	umask(m);
	j->umask = m;
	j->dst = util_xstrdup(dst);
	j->nsrc = n;
	j->srcs = util_xcalloc(n + 1, sizeof(char *));
	for (i = 0; i < n; i++)
		j->srcs[i] = util_xstrdup(src[i]);
	/* One session to start with; grow_streams adds the others when they pay. */
	j->st[0].j = j;
	j->st[0].idx = 0;
	if ((r = eng_sftp_start(c, &scbs, &j->st[0], &j->st[0].s)) != 0) {
		job_free(j);
		return r;
	}
	j->nst = 1;
	j->counted = 1;
	j->ctx->nxfer++;
	*out = j;
	return 0;
}

int
eng_xfer_put(eng_conn *c, const char *const *src, size_t n, const char *dst,
    const eng_xfer_opts *opts, const eng_xfer_cbs *cbs, void *ud, eng_xfer **out)
{
	if (n == 0)
		return ENG_EINVAL;
	return job_new(c, ENG_XFER_PUT, src, n, dst, opts, cbs, ud, out);
}

int
eng_xfer_get(eng_conn *c, const char *const *src, size_t n, const char *dst,
    const eng_xfer_opts *opts, const eng_xfer_cbs *cbs, void *ud, eng_xfer **out)
{
	if (n == 0)
		return ENG_EINVAL;
	return job_new(c, ENG_XFER_GET, src, n, dst, opts, cbs, ud, out);
}

int
eng_xfer_put_data(eng_conn *c, const void *buf, size_t len, const char *dst,
    const eng_xfer_opts *opts, const eng_xfer_cbs *cbs, void *ud, eng_xfer **out)
{
	eng_xfer_opts o;
	int r;

	if (len > 0 && buf == NULL)
		return ENG_EINVAL;
	if (opts != NULL)
		o = *opts;
	else
		memset(&o, 0, sizeof(o));
	o.recursive = 0;
	o.streams = 1;   /* one file from memory: no striping needed */
	if ((r = job_new(c, ENG_XFER_PUT, NULL, 0, dst, &o, cbs, ud, out)) != 0)
		return r;
	(*out)->data = len > 0 ? buf : (const unsigned char *)"";
	(*out)->datalen = len;
	return 0;
}

/*
 * The cleanup after a cancel (closes, removing temporaries) waits for the
 * server; a stalled one would hold the job until the connection's
 * keepalive gives up. After a grace period the streams are closed: what
 * is still pending fails at once and remote temporaries become leftovers.
 * A server still answering the requests sent before the cancel is not
 * stalled, only behind a slow link (8 MiB in flight at 1 MB/s is 8 s):
 * it gets another period, so its temporaries are removed, not left.
 */
#define CANCEL_GRACE_MS 3000

static void
on_cancel_grace(uv_timer_t *t)
{
	eng_xfer *j = t->data;
	uint64_t now;
	int i;

	if (j == NULL)
		return;
	if ((now = inflight_total(j)) < j->cancel_inflight) {
		j->cancel_inflight = now;
		uv_timer_start(t, on_cancel_grace, CANCEL_GRACE_MS, 0);
		return;
	}
	ENG_LOG(j->ctx, "%s: transfer: no answer %d ms after the cancel, closing",
	    j->name, CANCEL_GRACE_MS);
	j->in_pump++;
	for (i = 0; i < j->nst; i++)
		if (!j->st[i].ended && j->st[i].s != NULL)
			eng_sftp_close(j->st[i].s);
	j->in_pump--;
	eng__xf_pump(j);
}

void
eng_xfer_cancel(eng_xfer *j)
{
	xf_file *f, *next;
	xf_dir *d;

	if (j == NULL || j->phase >= J_CLOSING || j->cancelled)
		return;
	j->cancelled = 1;
	j->cancel_timer = util_xcalloc(1, sizeof(*j->cancel_timer));
	uv_timer_init(j->loop, j->cancel_timer);
	j->cancel_timer->data = j;
	uv_timer_start(j->cancel_timer, on_cancel_grace, CANCEL_GRACE_MS, 0);
	while ((f = j->qhead) != NULL) {
		j->qhead = f->next;
		f->next = NULL;
		f->error = util_xstrdup(j->error != NULL ? j->error : "cancelled");
		f->pub.error = f->error;
		f->pub.state = ENG_XFER_FAILED;
		f->next = j->finished;
		j->finished = f;
	}
	j->qtail = NULL;
	while ((d = j->dirs_todo) != NULL) {
		j->dirs_todo = d->next;
		eng__xf_dir_free(d);
	}
	j->in_pump++;   /* the list changes under us: report afterwards */
	for (f = j->active; f != NULL; f = next) {
		next = f->next;
		eng__xf_file_fail(f, "%s: %s", f->dst, j->error != NULL ? j->error :
		    "cancelled");
	}
	j->in_pump--;
	j->cancel_inflight = inflight_total(j);   /* what the server still owes */
	eng__xf_pump(j);
}

void
eng_xfer_get_progress(const eng_xfer *j, eng_xfer_progress *p)
{
	if (j != NULL)
		*p = j->prog;
	else
		memset(p, 0, sizeof(*p));
}
