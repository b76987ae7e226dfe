/*
 * engine/xfer_walk.c - what a transfer job's sources are and where they go:
 * the destination (an existing directory takes each source by its name,
 * anything else is the target itself), each source stat'ed (file, tree,
 * or a per-file error), and directory trees walked one directory at a
 * time - put: remote mkdir, then local scandir; get: local mkdir (an
 * existing entry must be a real directory, not a link), then remote
 * opendir/readdir, whose names the parser already checked. Files found go
 * to the job's queue (xfer.c schedules them), directories to the list
 * whose modes are set at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/xfer_int.h"

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
	return util_xasprintf("%.*s", (int)n, b);
}

static char *
join(const char *dir, const char *name)
{
	size_t n = strlen(dir);

	if (n > 0 && dir[n - 1] == '/')
		return util_xasprintf("%s%s", dir, name);
	return util_xasprintf("%s/%s", dir, name);
}

/* A file that failed before it was started (missing source, ...). */
void
eng__xf_failed_early(eng_xfer *j, const char *src, const char *dst, eng_xfer_fstate st,
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
	xf_dir *d = util_xcalloc(1, sizeof(*d));

	d->src = util_xstrdup(src);
	d->dst = util_xstrdup(dst);
	return d;
}

void
eng__xf_dir_free(xf_dir *d)
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
	eng__xf_walk_next(j);
}

static void
walk_fail(eng_xfer *j, xf_dir *d, const char *msg)
{
	eng__xf_failed_early(j, d->src, d->dst, ENG_XFER_FAILED, "%s", msg);
	eng__xf_dir_free(d);
	j->walking = 0;
	eng__xf_walk_next(j);
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
		msg = util_xasprintf("%s: %s", d->src, uv_strerror((int)req->result));
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
			eng__xf_failed_early(j, src, dst, ENG_XFER_SKIPPED,
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
	wop *w = util_xcalloc(1, sizeof(*w));

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
	msg = util_xasprintf("%s: cannot create the directory", d->dst);
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
		msg = util_xasprintf("%s: %s", d->dst, r->message);
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
	xf_stream *st = eng__xf_any_stream(j);
	char *msg = NULL;

	if (req->result < 0)
		msg = util_xasprintf("%s: %s", d->src, uv_strerror((int)req->result));
	else {
		d->mode = (uint32_t)req->statbuf.st_mode;
		d->mtime = (uint32_t)req->statbuf.st_mtim.tv_sec;
		d->atime = (uint32_t)req->statbuf.st_atim.tv_sec;
	}
	uv_fs_req_cleanup(req);
	free(w);
	if (msg == NULL && st == NULL)
		msg = util_xasprintf("%s: no sftp session", d->dst);
	d->j = j;
	/*
	 * Without -p the mode less the host's umask, set here (xfer.c's
	 * job_dirs sets it at the end only where the owner lacks rwx, which
	 * the copy into it needs meanwhile).
	 */
	if (msg == NULL && !j->o.preserve)
		a.perm = (d->mode & 0777) | 0700;
	if (msg == NULL && eng_sftp_mkdir(st->s, d->dst, &a, on_put_mkdir, d) != 0)
		msg = util_xasprintf("%s: sftp session closed", d->dst);
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
			eng__xf_failed_early(j, d->src, d->dst, ENG_XFER_FAILED, "%s: listing: %s",
			    d->src, r->message);
		if (eng_sftp_fclose(s, &d->h, on_get_closedir, d) != 0) {
			walk_done(j, d);
			eng__xf_pump(j);
		}
		return;
	}
	if (r->status != ENG_SFTP_OK) {
		msg = util_xasprintf("%s: %s", d->src, r->message);
		d->next = NULL;
		walk_fail(j, d, msg);
		free(msg);
		eng__xf_pump(j);
		return;
	}
	if (r->refused > 0)
		eng__xf_failed_early(j, d->src, d->dst, ENG_XFER_SKIPPED,
		    "%s: %zu name(s) refused: not a plain file name (/, .., control bytes)",
		    d->src, r->refused);
	for (i = 0; i < r->nnames; i++) {
		const eng_sftp_name *n = &r->names[i];

		src = join(d->src, n->name);
		dst = join(d->dst, n->name);
		if (!(n->attrs.flags & ENG_SFTP_ATTR_PERMISSIONS)) {
			eng__xf_failed_early(j, src, dst, ENG_XFER_SKIPPED,
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
			eng__xf_failed_early(j, src, dst, ENG_XFER_SKIPPED,
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
	msg = util_xasprintf("%s: %s", d->src, r->message);
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
	xf_stream *st = eng__xf_any_stream(j);
	char *msg = NULL;

	if (w->what == 0 && req->result == UV_EEXIST) {
		/* Already there: fine if it is a real directory (not a link). */
		uv_fs_req_cleanup(req);
		w->what = 1;
		uv_fs_lstat(j->loop, &w->req, d->dst, on_get_mkdir);
		return;
	}
	if (w->what == 1) {
		if (req->result != 0 || !S_ISDIR(req->statbuf.st_mode))
			msg = util_xasprintf("%s: exists and is not a directory", d->dst);
	} else if (req->result < 0) {
		msg = util_xasprintf("%s: %s", d->dst, uv_strerror((int)req->result));
	} else {
		d->created = 1;
	}
	uv_fs_req_cleanup(req);
	free(w);
	if (msg == NULL && st == NULL)
		msg = util_xasprintf("%s: no sftp session", d->src);
	d->j = j;
	if (msg == NULL && eng_sftp_opendir(st->s, d->src, on_get_opendir, d) != 0)
		msg = util_xasprintf("%s: sftp session closed", d->src);
	if (msg != NULL) {
		d->next = NULL;
		walk_fail(j, d, msg);
		free(msg);
		eng__xf_pump(j);
	}
}

/* Starts walking the next directory, one at a time. */
void
eng__xf_walk_next(eng_xfer *j)
{
	xf_dir *d;
	wop *w;

	if (j->walking || (d = j->dirs_todo) == NULL || j->cancelled)
		return;
	j->dirs_todo = d->next;
	d->next = NULL;
	j->walking = 1;
	w = util_xcalloc(1, sizeof(*w));
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
		return util_xstrdup(j->dst);
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
		eng__xf_failed_early(j, src, dst, ENG_XFER_FAILED,
		    "%s: cannot name a local file after it", src);
	} else if (isdir && !j->o.recursive) {
		eng__xf_failed_early(j, src, dst, ENG_XFER_FAILED,
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
		eng__xf_failed_early(j, src, dst, ENG_XFER_FAILED,
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
		eng__xf_failed_early(j, o->src, NULL, ENG_XFER_FAILED, "%s: %s", o->src,
		    uv_strerror((int)req->result));
	else
		source_is(j, o->src, S_ISDIR(req->statbuf.st_mode),
		    S_ISREG(req->statbuf.st_mode), NULL);
	uv_fs_req_cleanup(req);
	free(o->src);
	free(o);
	j->walking--;
	eng__xf_walk_next(j);
	eng__xf_pump(j);
}

static void
on_src_remote(eng_sftp *s, const eng_sftp_reply *r, void *ud)
{
	srcop *o = ud;
	eng_xfer *j = o->j;

	(void)s;
	if (r->status != ENG_SFTP_OK || r->attrs == NULL)
		eng__xf_failed_early(j, o->src, NULL, ENG_XFER_FAILED, "%s: %s", o->src,
		    r->message);
	else
		source_is(j, o->src, S_ISDIR(r->attrs->perm), S_ISREG(r->attrs->perm),
		    r->attrs);
	free(o->src);
	free(o);
	j->walking--;
	eng__xf_walk_next(j);
	eng__xf_pump(j);
}

static void
sources_start(eng_xfer *j)
{
	xf_stream *st = eng__xf_any_stream(j);
	size_t i;

	j->phase = J_RUN;
	if (j->data != NULL) {
		enqueue(j, eng__xf_file_new(j, "-", j->dst));
		eng__xf_pump(j);
		return;
	}
	for (i = 0; i < j->nsrc; i++) {
		srcop *o = util_xcalloc(1, sizeof(*o));

		o->j = j;
		o->src = util_xstrdup(j->srcs[i]);
		o->req.data = o;
		j->walking++;
		if (j->dir == ENG_XFER_PUT) {
			uv_fs_stat(j->loop, &o->req, o->src, on_src_local);
		} else if (st == NULL || eng_sftp_stat(st->s, o->src, on_src_remote, o) != 0) {
			j->walking--;
			eng__xf_failed_early(j, o->src, NULL, ENG_XFER_FAILED, "%s: sftp session "
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
			j->error = util_xasprintf("%s: not a directory (several sources)", j->dst);
		else
			j->error = util_xasprintf("%s: %s", j->dst, why);
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

void
eng__xf_resolve_dst(eng_xfer *j)
{
	xf_stream *st = eng__xf_any_stream(j);

	j->phase = J_SOURCES;
	j->walking++;
	if (j->data != NULL) {
		j->walking--;
		j->dst_is_dir = 0;
		sources_start(j);
	} else if (j->dir == ENG_XFER_PUT) {
		if (st == NULL || eng_sftp_stat(st->s, j->dst, on_dst_remote, j) != 0) {
			j->walking--;
			j->error = util_xstrdup("sftp session closed");
			eng_xfer_cancel(j);
		}
	} else {
		uv_fs_t *req = util_xcalloc(1, sizeof(*req));

		req->data = j;
		uv_fs_stat(j->loop, req, j->dst, on_dst_local);
	}
}
