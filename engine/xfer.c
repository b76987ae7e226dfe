/*
 * engine/xfer.c - transfer jobs (eng_xfer_put / _get / _put_data): the SFTP
 * streams of a job (several sessions on the conn's one SSH connection,
 * each with its own channel window), where the sources go (the
 * destination is a directory or the target itself), the walk of directory
 * trees (remote mkdir + local scandir for put; local mkdir + remote
 * readdir for get, names already checked by the parser), the scheduler
 * that keeps every stream's window full - whole small files many at once,
 * big ones striped over all streams - and the end of the job (directory
 * modes, streams closed, on_done).
 *
 * Owns the streams, the file queue and the active files (their steps are
 * in xfer_file.c). Talks to sftp.c for the protocol and to libuv's thread
 * pool for local files; reports to the front end via eng_xfer_cbs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/xfer_int.h"

enum { J_START, J_SOURCES, J_RUN, J_DIRS, J_CLOSING, J_DONE };

static void job_check_end(eng_xfer *j);
static void walk_next(eng_xfer *j);

/* ---- small helpers ---- */

static const char *
base_name(const char *p)
{
	const char *s;
	size_t n = strlen(p);

	/* "dir/" names "dir" */
	while (n > 1 && p[n - 1] == '/')
		n--;
	for (s = p + n; s > p && s[-1] != '/'; s--)
		;
	return s;
}

static char *
base_dup(const char *p)
{
	const char *b = base_name(p);
	size_t n = strlen(b);

	while (n > 1 && b[n - 1] == '/')
		n--;
	return eng__xprintf("%.*s", (int)n, b);
}

static char *
join(const char *dir, const char *name)
{
	size_t n = strlen(dir);

	if (n > 0 && dir[n - 1] == '/')
		return eng__xprintf("%s%s", dir, name);
	return eng__xprintf("%s/%s", dir, name);
}

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
	j->leftover = eng__xrealloc(j->leftover, (j->nleftover + 2) * sizeof(char *));
	j->leftover[j->nleftover++] = eng__xstrdup(path);
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

static xf_stream *
any_stream(eng_xfer *j)
{
	int i;

	for (i = 0; i < j->nst; i++)
		if (j->st[i].ready && !j->st[i].ended && eng_sftp_is_ready(j->st[i].s))
			return &j->st[i];
	return NULL;
}

/* A file that failed before it was started (missing source, ...). */
static void
file_failed_early(eng_xfer *j, const char *src, const char *dst, eng_xfer_fstate st,
    const char *fmt, ...)
{
	xf_file *f = eng__xf_file_new(j, src, dst != NULL ? dst : src);
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&f->error, fmt, ap) < 0)
		abort();
	va_end(ap);
	f->pub.error = f->error;
	f->pub.state = st;
	j->prog.files_done++;
	if (st == ENG_XFER_FAILED)
		j->prog.files_failed++;
	if (j->cbs.on_file != NULL)
		j->cbs.on_file(j, &f->pub, j->ud);
	eng__xf_file_free(f);
}

static void
enqueue(eng_xfer *j, xf_file *f)
{
	f->next = NULL;
	if (j->qtail != NULL)
		j->qtail->next = f;
	else
		j->qhead = f;
	j->qtail = f;
}

static xf_dir *
dir_new(const char *src, const char *dst)
{
	xf_dir *d = eng__xcalloc(1, sizeof(*d));

	d->src = eng__xstrdup(src);
	d->dst = eng__xstrdup(dst);
	return d;
}

static void
dir_free(xf_dir *d)
{
	free(d->src);
	free(d->dst);
	free(d);
}

static void
dir_push(eng_xfer *j, xf_dir *d)
{
	xf_dir **pp = &j->dirs_todo;

	while (*pp != NULL)
		pp = &(*pp)->next;
	d->next = NULL;
	*pp = d;
}

/* ---- walking trees ---- */

typedef struct wop {
	uv_fs_t req;
	eng_xfer *j;
	xf_dir *d;
	int what;
} wop;

static void walk_fail(eng_xfer *j, xf_dir *d, const char *msg);

static void
walk_done(eng_xfer *j, xf_dir *d)
{
	/* Walked: its mode is set at the end, children first. */
	d->next = j->dirs_done;
	j->dirs_done = d;
	j->walking = 0;
	walk_next(j);
}

static void
walk_fail(eng_xfer *j, xf_dir *d, const char *msg)
{
	file_failed_early(j, d->src, d->dst, ENG_XFER_FAILED, "%s", msg);
	dir_free(d);
	j->walking = 0;
	walk_next(j);
}

/* put: local scandir of d->src after the remote dir exists */
static void
on_put_scandir(uv_fs_t *req)
{
	wop *w = req->data;
	eng_xfer *j = w->j;
	xf_dir *d = w->d;
	uv_dirent_t ent;
	char *src, *dst, *msg;

	if (req->result < 0) {
		msg = eng__xprintf("%s: %s", d->src, uv_strerror((int)req->result));
		uv_fs_req_cleanup(req);
		free(w);
		walk_fail(j, d, msg);
		free(msg);
		eng__xf_pump(j);
		return;
	}
	while (!j->cancelled && uv_fs_scandir_next(req, &ent) != UV_EOF) {
		src = join(d->src, ent.name);
		dst = join(d->dst, ent.name);
		if (ent.type == UV_DIRENT_DIR) {
			dir_push(j, dir_new(src, dst));
		} else if (ent.type == UV_DIRENT_FILE) {
			enqueue(j, eng__xf_file_new(j, src, dst));
		} else {
			file_failed_early(j, src, dst, ENG_XFER_SKIPPED,
			    "%s: skipped: not a regular file or directory", src);
		}
		free(src);
		free(dst);
	}
	uv_fs_req_cleanup(req);
	free(w);
	walk_done(j, d);
	eng__xf_pump(j);
}

static void
put_scandir(eng_xfer *j, xf_dir *d)
{
	wop *w = eng__xcalloc(1, sizeof(*w));

	w->j = j;
	w->d = d;
	w->req.data = w;
	uv_fs_scandir(j->loop, &w->req, d->src, 0, on_put_scandir);
}

static void
on_put_dir_stat(eng_sftp *s, const eng_sftp_reply *r, void *ud)
{
	xf_dir *d = ud;
	eng_xfer *j = d->j;
	char *msg;

	(void)s;
	if (r->status == ENG_SFTP_OK && r->attrs != NULL && S_ISDIR(r->attrs->perm)) {
		put_scandir(j, d);
		return;
	}
	msg = eng__xprintf("%s: cannot create the directory", d->dst);
	walk_fail(j, d, msg);
	free(msg);
	eng__xf_pump(j);
}

static void
on_put_mkdir(eng_sftp *s, const eng_sftp_reply *r, void *ud)
{
	xf_dir *d = ud;
	eng_xfer *j = d->j;
	char *msg;

	if (r->status == ENG_SFTP_OK) {
		d->created = 1;
		put_scandir(j, d);
		return;
	}
	if (r->status == ENG_SFTP_CONNECTION_LOST || j->cancelled ||
	    eng_sftp_stat(s, d->dst, on_put_dir_stat, d) != 0) {
		msg = eng__xprintf("%s: %s", d->dst, r->message);
		walk_fail(j, d, msg);
		free(msg);
		eng__xf_pump(j);
	}
}

static void
on_put_dir_lstat(uv_fs_t *req)
{
	wop *w = req->data;
	eng_xfer *j = w->j;
	xf_dir *d = w->d;
	eng_sftp_attrs a = { .flags = ENG_SFTP_ATTR_PERMISSIONS, .perm = 0700 };
	xf_stream *st = any_stream(j);
	char *msg = NULL;

	if (req->result < 0)
		msg = eng__xprintf("%s: %s", d->src, uv_strerror((int)req->result));
	else {
		d->mode = (uint32_t)req->statbuf.st_mode;
		d->mtime = (uint32_t)req->statbuf.st_mtim.tv_sec;
		d->atime = (uint32_t)req->statbuf.st_atim.tv_sec;
	}
	uv_fs_req_cleanup(req);
	free(w);
	if (msg == NULL && st == NULL)
		msg = eng__xprintf("%s: no sftp session", d->dst);
	d->j = j;
	if (msg == NULL && eng_sftp_mkdir(st->s, d->dst, &a, on_put_mkdir, d) != 0)
		msg = eng__xprintf("%s: sftp session closed", d->dst);
	if (msg != NULL) {
		walk_fail(j, d, msg);
		free(msg);
		eng__xf_pump(j);
	}
}

/* get: the remote listing, read by READDIR until EOF */
static void on_get_readdir(eng_sftp *s, const eng_sftp_reply *r, void *ud);

static void
on_get_closedir(eng_sftp *s, const eng_sftp_reply *r, void *ud)
{
	xf_dir *d = ud;
	eng_xfer *j = d->j;

	(void)s;
	(void)r;
	walk_done(j, d);
	eng__xf_pump(j);
}

static void
on_get_readdir(eng_sftp *s, const eng_sftp_reply *r, void *ud)
{
	xf_dir *d = ud;
	eng_xfer *j = d->j;
	size_t i;
	char *src, *dst, *msg;

	if (r->status == ENG_SFTP_EOF || j->cancelled || (r->status != ENG_SFTP_OK &&
	    r->status != ENG_SFTP_CONNECTION_LOST)) {
		if (r->status != ENG_SFTP_EOF && !j->cancelled)
			file_failed_early(j, d->src, d->dst, ENG_XFER_FAILED, "%s: listing: %s",
			    d->src, r->message);
		if (eng_sftp_fclose(s, &d->h, on_get_closedir, d) != 0) {
			walk_done(j, d);
			eng__xf_pump(j);
		}
		return;
	}
	if (r->status != ENG_SFTP_OK) {
		msg = eng__xprintf("%s: %s", d->src, r->message);
		d->next = NULL;
		walk_fail(j, d, msg);
		free(msg);
		eng__xf_pump(j);
		return;
	}
	if (r->refused > 0)
		file_failed_early(j, d->src, d->dst, ENG_XFER_SKIPPED,
		    "%s: %zu name(s) refused: not a plain file name (/, .., control bytes)",
		    d->src, r->refused);
	for (i = 0; i < r->nnames; i++) {
		const eng_sftp_name *n = &r->names[i];

		src = join(d->src, n->name);
		dst = join(d->dst, n->name);
		if (!(n->attrs.flags & ENG_SFTP_ATTR_PERMISSIONS)) {
			file_failed_early(j, src, dst, ENG_XFER_SKIPPED,
			    "%s: skipped: the server gave no file type", src);
		} else if (S_ISDIR(n->attrs.perm)) {
			xf_dir *c = dir_new(src, dst);

			c->mode = n->attrs.perm;
			c->mtime = n->attrs.mtime;
			c->atime = n->attrs.atime;
			dir_push(j, c);
		} else if (S_ISREG(n->attrs.perm)) {
			xf_file *f = eng__xf_file_new(j, src, dst);

			f->have_stat = (n->attrs.flags & ENG_SFTP_ATTR_SIZE) != 0;
			f->size = n->attrs.size;
			f->mode = n->attrs.perm;
			f->mtime = n->attrs.mtime;
			f->atime = n->attrs.atime;
			enqueue(j, f);
		} else {
			file_failed_early(j, src, dst, ENG_XFER_SKIPPED,
			    "%s: skipped: not a regular file or directory", src);
		}
		free(src);
		free(dst);
	}
	if (eng_sftp_readdir(s, &d->h, on_get_readdir, d) != 0) {
		d->next = NULL;
		walk_fail(j, d, "listing: sftp session closed");
	}
	eng__xf_pump(j);
}

static void
on_get_opendir(eng_sftp *s, const eng_sftp_reply *r, void *ud)
{
	xf_dir *d = ud;
	eng_xfer *j = d->j;
	char *msg;

	if (r->status == ENG_SFTP_OK && r->handle != NULL) {
		d->h = *r->handle;
		if (eng_sftp_readdir(s, &d->h, on_get_readdir, d) == 0)
			return;
	}
	msg = eng__xprintf("%s: %s", d->src, r->message);
	d->next = NULL;
	walk_fail(j, d, msg);
	free(msg);
	eng__xf_pump(j);
}

static void
on_get_mkdir(uv_fs_t *req)
{
	wop *w = req->data;
	eng_xfer *j = w->j;
	xf_dir *d = w->d;
	xf_stream *st = any_stream(j);
	char *msg = NULL;
	uv_fs_t sreq;

	if (w->what == 0 && req->result == UV_EEXIST) {
		/* Already there: fine if it is a real directory (not a link). */
		if (uv_fs_lstat(NULL, &sreq, d->dst, NULL) != 0 ||
		    !S_ISDIR(sreq.statbuf.st_mode))
			msg = eng__xprintf("%s: exists and is not a directory", d->dst);
		uv_fs_req_cleanup(&sreq);
	} else if (req->result < 0) {
		msg = eng__xprintf("%s: %s", d->dst, uv_strerror((int)req->result));
	} else {
		d->created = 1;
	}
	uv_fs_req_cleanup(req);
	free(w);
	if (msg == NULL && st == NULL)
		msg = eng__xprintf("%s: no sftp session", d->src);
	d->j = j;
	if (msg == NULL && eng_sftp_opendir(st->s, d->src, on_get_opendir, d) != 0)
		msg = eng__xprintf("%s: sftp session closed", d->src);
	if (msg != NULL) {
		d->next = NULL;
		walk_fail(j, d, msg);
		free(msg);
		eng__xf_pump(j);
	}
}

/* Starts walking the next directory, one at a time. */
static void
walk_next(eng_xfer *j)
{
	xf_dir *d;
	wop *w;

	if (j->walking || (d = j->dirs_todo) == NULL || j->cancelled)
		return;
	j->dirs_todo = d->next;
	d->next = NULL;
	j->walking = 1;
	w = eng__xcalloc(1, sizeof(*w));
	w->j = j;
	w->d = d;
	w->req.data = w;
	if (j->dir == ENG_XFER_PUT)
		uv_fs_stat(j->loop, &w->req, d->src, on_put_dir_lstat);
	else
		uv_fs_mkdir(j->loop, &w->req, d->dst, 0700, on_get_mkdir);
}

/* ---- sources: what each named path is ---- */

typedef struct srcop {
	uv_fs_t req;
	eng_xfer *j;
	char *src, *dst;
} srcop;

static char *
target_for(eng_xfer *j, const char *src)
{
	char *b, *t;

	if (!j->dst_is_dir)
		return eng__xstrdup(j->dst);
	b = base_dup(src);
	t = join(j->dst, b);
	free(b);
	return t;
}

static void
source_is(eng_xfer *j, const char *src, int isdir, int isreg, const eng_sftp_attrs *a)
{
	char *dst = target_for(j, src), *b = base_dup(src);

	if (j->dir == ENG_XFER_GET && j->dst_is_dir && !eng__sftp_name_ok(b, strlen(b))) {
		file_failed_early(j, src, dst, ENG_XFER_FAILED,
		    "%s: cannot name a local file after it", src);
	} else if (isdir && !j->o.recursive) {
		file_failed_early(j, src, dst, ENG_XFER_FAILED,
		    "%s: is a directory (not recursive)", src);
	} else if (isdir) {
		xf_dir *d = dir_new(src, dst);

		if (a != NULL) {
			d->mode = a->perm;
			d->mtime = a->mtime;
			d->atime = a->atime;
		}
		dir_push(j, d);
	} else if (isreg) {
		xf_file *f = eng__xf_file_new(j, src, dst);

		if (a != NULL) {
			f->have_stat = 1;
			f->size = a->size;
			f->mode = a->perm;
			f->mtime = a->mtime;
			f->atime = a->atime;
		}
		enqueue(j, f);
	} else {
		file_failed_early(j, src, dst, ENG_XFER_FAILED,
		    "%s: not a regular file or directory", src);
	}
	free(dst);
	free(b);
}

static void
on_src_local(uv_fs_t *req)
{
	srcop *o = req->data;
	eng_xfer *j = o->j;

	if (req->result < 0)
		file_failed_early(j, o->src, NULL, ENG_XFER_FAILED, "%s: %s", o->src,
		    uv_strerror((int)req->result));
	else
		source_is(j, o->src, S_ISDIR(req->statbuf.st_mode),
		    S_ISREG(req->statbuf.st_mode), NULL);
	uv_fs_req_cleanup(req);
	free(o->src);
	free(o);
	j->walking--;
	walk_next(j);
	eng__xf_pump(j);
}

static void
on_src_remote(eng_sftp *s, const eng_sftp_reply *r, void *ud)
{
	srcop *o = ud;
	eng_xfer *j = o->j;

	(void)s;
	if (r->status != ENG_SFTP_OK || r->attrs == NULL)
		file_failed_early(j, o->src, NULL, ENG_XFER_FAILED, "%s: %s", o->src,
		    r->message);
	else
		source_is(j, o->src, S_ISDIR(r->attrs->perm), S_ISREG(r->attrs->perm),
		    r->attrs);
	free(o->src);
	free(o);
	j->walking--;
	walk_next(j);
	eng__xf_pump(j);
}

static void
sources_start(eng_xfer *j)
{
	xf_stream *st = any_stream(j);
	size_t i;

	j->phase = J_RUN;
	if (j->data != NULL) {
		enqueue(j, eng__xf_file_new(j, "-", j->dst));
		eng__xf_pump(j);
		return;
	}
	for (i = 0; i < j->nsrc; i++) {
		srcop *o = eng__xcalloc(1, sizeof(*o));

		o->j = j;
		o->src = eng__xstrdup(j->srcs[i]);
		o->req.data = o;
		j->walking++;
		if (j->dir == ENG_XFER_PUT) {
			uv_fs_stat(j->loop, &o->req, o->src, on_src_local);
		} else if (st == NULL || eng_sftp_stat(st->s, o->src, on_src_remote, o) != 0) {
			j->walking--;
			file_failed_early(j, o->src, NULL, ENG_XFER_FAILED, "%s: sftp session "
			    "closed", o->src);
			free(o->src);
			free(o);
		}
	}
	eng__xf_pump(j);
}

/* ---- destination ---- */

static void
dst_known(eng_xfer *j, int isdir, int exists, const char *why)
{
	if (j->cancelled)
		return;
	j->dst_is_dir = isdir;
	if (!isdir && (j->nsrc > 1 || exists < 0)) {
		free(j->error);
		if (j->nsrc > 1 && exists == 0)
			j->error = eng__xprintf("%s: not a directory (several sources)", j->dst);
		else
			j->error = eng__xprintf("%s: %s", j->dst, why);
		eng_xfer_cancel(j);
		return;
	}
	sources_start(j);
}

static void
on_dst_local(uv_fs_t *req)
{
	eng_xfer *j = req->data;
	int r = (int)req->result;
	int isdir = r == 0 && S_ISDIR(req->statbuf.st_mode);

	uv_fs_req_cleanup(req);
	free(req);
	j->walking--;
	dst_known(j, isdir, r == 0 || r == UV_ENOENT ? 0 : -1, r < 0 ? uv_strerror(r) : "");
	eng__xf_pump(j);
}

static void
on_dst_remote(eng_sftp *s, const eng_sftp_reply *r, void *ud)
{
	eng_xfer *j = ud;
	int isdir = r->status == ENG_SFTP_OK && r->attrs != NULL && S_ISDIR(r->attrs->perm);

	(void)s;
	j->walking--;
	dst_known(j, isdir, r->status == ENG_SFTP_OK || r->status == ENG_SFTP_NO_SUCH_FILE ?
	    0 : -1, r->message);
	eng__xf_pump(j);
}

static void
resolve_dst(eng_xfer *j)
{
	xf_stream *st = any_stream(j);

	j->phase = J_SOURCES;
	j->walking++;
	if (j->data != NULL) {
		j->walking--;
		j->dst_is_dir = 0;
		sources_start(j);
	} else if (j->dir == ENG_XFER_PUT) {
		if (st == NULL || eng_sftp_stat(st->s, j->dst, on_dst_remote, j) != 0) {
			j->walking--;
			j->error = eng__xstrdup("sftp session closed");
			eng_xfer_cancel(j);
		}
	} else {
		uv_fs_t *req = eng__xcalloc(1, sizeof(*req));

		req->data = j;
		uv_fs_stat(j->loop, req, j->dst, on_dst_local);
	}
}

/* ---- streams ---- */

static void
on_st_ready(eng_sftp *s, void *ud)
{
	xf_stream *st = ud;
	eng_xfer *j = st->j;
	eng_sftp_limits l;

	st->ready = 1;
	j->nready++;
	if (j->nready == 1) {
		/* The first session sets the request size: the server's limits. */
		eng_sftp_get_limits(s, &l);
		if (l.max_read > 0 && l.max_read < j->chunk)
			j->chunk = (uint32_t)l.max_read;
		if (l.max_write > 0 && l.max_write < j->chunk)
			j->chunk = (uint32_t)l.max_write;
		if (j->phase == J_START && !j->cancelled)
			resolve_dst(j);
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
				j->error = eng__xprintf("sftp: %s", error);
			eng_xfer_cancel(j);
		}
	}
	eng__xf_pump(j);
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
				issued = 0;
				if (st->inflight >= j->window)
					break;
				for (f = j->active; f != NULL && !issued; f = f->next)
					issued = eng__xf_file_issue(f, st);
			} while (issued && !st->ended);
		}
		report_finished(j);
		if (j->walking == 0 && j->dirs_todo != NULL)
			walk_next(j);
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

static void
on_dir_attr_local(uv_fs_t *req)
{
	eng_xfer *j = req->data;

	uv_fs_req_cleanup(req);
	free(req);
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
		if (!d->created && !j->o.preserve) {
			dir_free(d);
			continue;
		}
		if (j->dir == ENG_XFER_PUT && (st = any_stream(j)) != NULL && !j->cancelled) {
			memset(&a, 0, sizeof(a));
			a.flags = ENG_SFTP_ATTR_PERMISSIONS;
			a.perm = d->mode & (j->o.preserve ? 07777 : 0777);
			if (j->o.preserve) {
				a.flags |= ENG_SFTP_ATTR_ACMODTIME;
				a.atime = d->atime;
				a.mtime = d->mtime;
			}
			if (eng_sftp_setstat(st->s, d->dst, &a, on_dir_attr, j) == 0) {
				dir_free(d);
				return;
			}
		} else if (j->dir == ENG_XFER_GET && !j->cancelled) {
			uv_fs_t *req = eng__xcalloc(1, sizeof(*req));
			uv_fs_t sreq;
			int mode = j->o.preserve ? (int)(d->mode & 0777) : (int)(0777 & ~j->umask);

			req->data = j;
			uv_fs_chmod(NULL, &sreq, d->dst, mode, NULL);
			uv_fs_req_cleanup(&sreq);
			if (j->o.preserve)
				uv_fs_utime(j->loop, req, d->dst, (double)d->atime,
				    (double)d->mtime, on_dir_attr_local);
			else
				uv_fs_chmod(j->loop, req, d->dst, mode, on_dir_attr_local);
			dir_free(d);
			return;
		}
		dir_free(d);
	}
	j->phase = J_CLOSING;
	job_check_end(j);
}

static void
job_free(eng_xfer *j)
{
	size_t i;
	xf_dir *d;

	for (i = 0; i < j->nsrc; i++)
		free(j->srcs[i]);
	free(j->srcs);
	for (i = 0; i < j->nleftover; i++)
		free(j->leftover[i]);
	free(j->leftover);
	while ((d = j->dirs_todo) != NULL) {
		j->dirs_todo = d->next;
		dir_free(d);
	}
	while ((d = j->dirs_done) != NULL) {
		j->dirs_done = d->next;
		dir_free(d);
	}
	free(j->dst);
	free(j->name);
	free(j->data);
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
	int k, r;
	mode_t m;

	if (out != NULL)
		*out = NULL;
	if (c == NULL || dst == NULL || *dst == '\0' || out == NULL || (n > 0 && src == NULL))
		return ENG_EINVAL;
	for (i = 0; i < n; i++)
		if (src[i] == NULL || *src[i] == '\0')
			return ENG_EINVAL;
	j = eng__xcalloc(1, sizeof(*j));
	j->c = c;
	j->ctx = c->ctx;
	j->loop = c->ctx->loop;
	j->name = eng__xstrdup(eng_conn_name(c));
	j->dir = dir;
	if (opts != NULL)
		j->o = *opts;
	if (j->o.streams <= 0)
		j->o.streams = 4;
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
	j->dst = eng__xstrdup(dst);
	j->nsrc = n;
	j->srcs = eng__xcalloc(n + 1, sizeof(char *));
	for (i = 0; i < n; i++)
		j->srcs[i] = eng__xstrdup(src[i]);
	for (k = 0; k < j->o.streams; k++) {
		j->st[k].j = j;
		j->st[k].idx = k;
		if ((r = eng_sftp_start(c, &scbs, &j->st[k], &j->st[k].s)) != 0) {
			if (k == 0) {
				job_free(j);
				return r;
			}
			break;
		}
		j->nst++;
	}
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
	(*out)->data = eng__xmalloc(len ? len : 1);
	if (len > 0)
		memcpy((*out)->data, buf, len);
	(*out)->datalen = len;
	return 0;
}

void
eng_xfer_cancel(eng_xfer *j)
{
	xf_file *f, *next;
	xf_dir *d;

	if (j == NULL || j->phase >= J_CLOSING || j->cancelled)
		return;
	j->cancelled = 1;
	while ((f = j->qhead) != NULL) {
		j->qhead = f->next;
		f->next = NULL;
		f->error = eng__xstrdup(j->error != NULL ? j->error : "cancelled");
		f->pub.error = f->error;
		f->pub.state = ENG_XFER_FAILED;
		f->next = j->finished;
		j->finished = f;
	}
	j->qtail = NULL;
	while ((d = j->dirs_todo) != NULL) {
		j->dirs_todo = d->next;
		dir_free(d);
	}
	j->in_pump++;   /* the list changes under us: report afterwards */
	for (f = j->active; f != NULL; f = next) {
		next = f->next;
		eng__xf_file_fail(f, "%s: %s", f->dst, j->error != NULL ? j->error :
		    "cancelled");
	}
	j->in_pump--;
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
