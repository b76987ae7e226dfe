/*
 * engine/xfer_file.c - one file of a transfer job, as a chain of
 * asynchronous steps: open the source and a temporary next to the target
 * (created exclusively under an unpredictable name, or the kept
 * ".drover-part" when resuming, whose tail is compared with the source
 * first), move the bytes in chunks (xfer_chunk.c) over one or (striped)
 * every stream of the job, then set mode/mtime, fsync and close (a put
 * sends the three at once: xfer_commit.c) and rename over the target. A
 * failure waits for everything in flight, then closes and removes the
 * temporary (resume: truncates it to the bytes known good and keeps it).
 *
 * Local I/O is uv_fs_* (thread pool), never on the loop thread. Owned by
 * xfer.c's scheduler, which calls eng__xf_file_issue whenever a stream
 * has room.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "engine/xfer_int.h"


#define VERIFY_MAX 65536


typedef struct fsop {
	uv_fs_t req;
	xf_file *f;
	int what;
	unsigned char *buf;
} fsop;

static void on_r(eng_sftp *s, const eng_sftp_reply *r, void *ud);

/* A get's next step once the source's size and mtime are known. */
static int
get_after_stat(const xf_file *f)
{
	return f->j->o.skip_same || f->j->o.same != NULL ? FS_SAME : FS_LOPEN;
}

/* skip_same: the target has the source's size and mtime (or checksum: why). */
static void
same_found(xf_file *f, const char *why)
{
	f->pub.same = 1;
	free(f->error);
	f->error = util_xasprintf("%s: unchanged (same %s)", f->dst, why);
	f->pub.error = f->error;
	f->step = FS_SAME_DONE;
}

int
eng__xf_is_put(const xf_file *f)
{
	return f->j->dir == ENG_XFER_PUT;
}

static void
fs_done(xf_file *f)
{
	f->pending--;
	eng__xf_file_advance(f);
}

static fsop *
fsop_new(xf_file *f, int what)
{
	fsop *o = util_xcalloc(1, sizeof(*o));

	o->f = f;
	o->what = what;
	o->req.data = o;
	f->pending++;
	return o;
}

static void
fsop_free(fsop *o)
{
	uv_fs_req_cleanup(&o->req);
	free(o->buf);
	free(o);
}

/* ---- failure (eng__xf_file_fail is in xfer_file_life.c) ---- */

/* A remote request failed to go out (session gone): the file fails. */
void
eng__xf_req_failed(xf_file *f, int rc, const char *what)
{
	f->pending--;
	eng__xf_file_fail(f, "%s: %s", what, eng_strerror(rc));
}


/* A put's source is open and regular: its size, mode and times; next step. */
void
eng__xf_put_source_known(xf_file *f, uint64_t size, uint32_t mode, uint32_t mtime,
    uint32_t atime)
{
	f->size = size;
	f->mode = mode;
	f->mtime = mtime;
	f->atime = atime;
	f->pub.total = f->size;
	f->j->prog.bytes_total += f->size;
	f->striped = f->size >= f->j->o.stripe_min && !f->j->o.resume;
	f->step = (f->j->o.skip_same || f->j->o.same != NULL) && f->j->data == NULL ?
	    FS_SAME : FS_ROPEN;
}

/* ---- remote requests for steps (one callback, on_r) ---- */

xf_stream *
eng__xf_prim(xf_file *f)
{
	return &f->j->st[f->primary];
}

/* Sends a step's remote request; on refusal the file fails. */
#define SEND(f, kind, call, what) do { int rc_; (f)->pending++; (f)->rwhat = (kind); \
	if ((rc_ = (call)) != 0) { eng__xf_req_failed((f), rc_, (what)); return; } } while (0)

void
eng__xf_remote_open(xf_file *f, int si)
{
	eng_sftp_attrs a = { .flags = ENG_SFTP_ATTR_PERMISSIONS, .perm = eng__xf_put_open_mode(f) };
	xf_stream *st = &f->j->st[si];
	uint32_t fl;

	f->hst[si] = H_OPENING;
	if (!eng__xf_is_put(f)) {
		SEND(f, FS_ROPEN, eng_sftp_open(st->s, f->src, ENG_SFTP_READ, NULL, on_r, f), f->src);
		return;
	}
	if (si != f->primary)
		fl = ENG_SFTP_WRITE;
	else if (f->j->o.resume)
		fl = ENG_SFTP_READ | ENG_SFTP_WRITE | ENG_SFTP_CREAT;   /* tail check */
	else
		fl = ENG_SFTP_WRITE | ENG_SFTP_CREAT | ENG_SFTP_EXCL;
	SEND(f, FS_ROPEN, eng_sftp_open(st->s, f->tmp, fl, &a, on_r, f), f->tmp);
}

/* The reply to a step's request; which step says what it was. */
static void
on_r(eng_sftp *s, const eng_sftp_reply *r, void *ud)
{
	xf_file *f = ud;
	int si;

	f->pending--;
	for (si = 0; si < f->j->nst; si++)
		if (f->j->st[si].s == s)
			break;
	if (f->failing) {
		/* Cleanup replies and late ones: only handle states matter. */
		if (si < f->j->nst && f->hst[si] == H_OPENING) {
			f->hst[si] = r->status == ENG_SFTP_OK ? H_OPEN : H_FAILED;
			if (r->handle != NULL)
				f->h[si] = *r->handle;
		} else if (si < f->j->nst && f->hst[si] == H_CLOSING) {
			f->hst[si] = H_NONE;
		}
		eng__xf_file_advance(f);
		return;
	}
	if (si < f->j->nst && f->hst[si] == H_OPENING) {
		if (r->status != ENG_SFTP_OK) {
			f->hst[si] = H_FAILED;
			if (eng__xf_is_put(f) && si == f->primary && r->status == ENG_SFTP_FAILURE &&
			    !f->j->o.resume)
				eng__xf_file_fail(f, "%s: cannot create a temporary there: %s",
				    f->dst, eng__xf_status_msg(r));
			else
				eng__xf_file_fail(f, "%s: %s", eng__xf_is_put(f) ? f->dst : f->src,
				    eng__xf_status_msg(r));
			return;
		}
		f->h[si] = *r->handle;
		f->hst[si] = H_OPEN;
		if (si == f->primary) {
			if (eng__xf_is_put(f))
				f->tmp_created = 1;
			f->step = eng__xf_is_put(f) ? (f->j->o.resume ? FS_RSTAT : FS_DATA) :
			    (f->have_stat ? get_after_stat(f) : FS_RSTAT);
			if (f->step == FS_DATA)
				f->next_off = f->send_off = 0;
		}
		eng__xf_file_advance(f);
		return;
	}
	if (si < f->j->nst && f->hst[si] == H_CLOSING) {
		f->hst[si] = H_NONE;
		eng__xf_file_advance(f);
		return;
	}
	switch (f->rwhat) {
	case FS_RSTAT:
		if (r->status != ENG_SFTP_OK || r->attrs == NULL) {
			eng__xf_file_fail(f, "%s: %s", f->src, eng__xf_status_msg(r));
			return;
		}
		if (eng__xf_is_put(f)) {
			/* The kept temporary: its size is where we may go on from. */
			f->voff = r->attrs->size;
			f->step = FS_VREAD;
		} else {
			if (!S_ISREG(r->attrs->perm) && (r->attrs->flags &
			    ENG_SFTP_ATTR_PERMISSIONS)) {
				eng__xf_file_fail(f, "%s: not a regular file", f->src);
				return;
			}
			f->size = r->attrs->size;
			f->mode = r->attrs->perm;
			f->mtime = r->attrs->mtime;
			f->atime = r->attrs->atime;
			f->have_stat = 1;
			f->pub.total = f->size;
			f->j->prog.bytes_total += f->size;
			f->step = get_after_stat(f);
		}
		break;
	case FS_SAME:
		/* put: the remote target as it is now */
		if (r->status == ENG_SFTP_OK && r->attrs != NULL &&
		    (r->attrs->flags & (ENG_SFTP_ATTR_SIZE | ENG_SFTP_ATTR_ACMODTIME)) ==
		    (ENG_SFTP_ATTR_SIZE | ENG_SFTP_ATTR_ACMODTIME) &&
		    (!(r->attrs->flags & ENG_SFTP_ATTR_PERMISSIONS) || S_ISREG(r->attrs->perm)) &&
		    r->attrs->size == f->size && r->attrs->mtime == f->mtime) {
			same_found(f, "size and mtime");
			eng__xf_local_op(f, FS_CLOSE);
		} else {
			f->step = FS_ROPEN;
		}
		break;
	case FS_VREAD:
		if (r->status == ENG_SFTP_OK && r->data != NULL) {
			f->vbuf[0] = util_xmalloc(r->len ? r->len : 1);
			memcpy(f->vbuf[0], r->data, r->len);
			f->vlen[0] = r->len;
		}
		break;
	case FS_TRUNC:
		if (r->status != ENG_SFTP_OK) {
			eng__xf_file_fail(f, "%s: setting attributes: %s", f->dst,
			    eng__xf_status_msg(r));
			return;
		}
		break;
	case FS_RMTARGET:
		if (r->status != ENG_SFTP_OK && r->status != ENG_SFTP_NO_SUCH_FILE) {
			eng__xf_file_fail(f, "%s: cannot replace it: %s", f->dst, eng__xf_status_msg(r));
			return;
		}
		break;
	case FS_RENAME:
		if (r->status != ENG_SFTP_OK) {
			eng__xf_file_fail(f, "%s: rename of the temporary failed: %s", f->dst,
			    eng__xf_status_msg(r));
			return;
		}
		f->tmp_created = 0;
		break;
	default:
		break;
	}
	eng__xf_file_advance(f);
}

/* ---- local steps ---- */

static void
on_l(uv_fs_t *req)
{
	fsop *o = req->data;
	xf_file *f = o->f;
	ssize_t res = req->result;

	if (f->failing) {
		if (o->what == FS_LOPEN && res >= 0)
			f->fd = (uv_file)res;   /* closed by the cleanup */
		if (o->what == FS_CLOSE)
			f->fd = -1;
		fsop_free(o);
		fs_done(f);
		return;
	}
	switch (o->what) {
	case FS_LOPEN:
		if (res < 0) {
			if (eng__xf_is_put(f))
				eng__xf_file_fail(f, "%s: %s", f->src, uv_strerror((int)res));
			else
				eng__xf_file_fail(f, "%s: cannot create a temporary: %s", f->tmp,
				    uv_strerror((int)res));
			break;
		}
		f->fd = (uv_file)res;
		if (!eng__xf_is_put(f))
			f->tmp_created = 1;
		f->step = eng__xf_is_put(f) || f->j->o.resume ? FS_LSTAT : FS_DATA;
		break;
	case FS_LSTAT:
		if (res < 0) {
			eng__xf_file_fail(f, "%s: %s", f->src, uv_strerror((int)res));
			break;
		}
		if (eng__xf_is_put(f)) {
			if (!S_ISREG(req->statbuf.st_mode)) {
				eng__xf_file_fail(f, "%s: not a regular file", f->src);
				break;
			}
			eng__xf_put_source_known(f, req->statbuf.st_size,
			    (uint32_t)req->statbuf.st_mode, (uint32_t)req->statbuf.st_mtim.tv_sec,
			    (uint32_t)req->statbuf.st_atim.tv_sec);
		} else {
			f->voff = req->statbuf.st_size;   /* kept local temporary */
			f->step = FS_VREAD;
		}
		break;
	case FS_SAME:
		/* get: the local target as it is now (a symlink is never the same) */
		if (res == 0 && S_ISREG(req->statbuf.st_mode) &&
		    (uint64_t)req->statbuf.st_size == f->size &&
		    (uint32_t)req->statbuf.st_mtim.tv_sec == f->mtime) {
			same_found(f, "size and mtime");
			eng__xf_close_handles(f);
		} else {
			f->step = FS_LOPEN;
		}
		break;
	case FS_VREAD:
		if (res >= 0) {
			f->vlen[1] = (size_t)res;
			f->vbuf[1] = o->buf;
			o->buf = NULL;
		}
		break;
	case FS_TRUNC:
	case FS_FSYNC:
	case FS_CHMOD:
	case FS_UTIME:
		if (res < 0)
			eng__xf_file_fail(f, "%s: %s: %s", f->dst, o->what == FS_FSYNC ? "fsync" :
			    o->what == FS_TRUNC ? "truncate" : "attributes", uv_strerror((int)res));
		break;
	case FS_CLOSE:
		f->fd = -1;
		if (res < 0)
			eng__xf_file_fail(f, "%s: close: %s", eng__xf_is_put(f) ? f->src : f->dst,
			    uv_strerror((int)res));
		break;
	case FS_RENAME:
		if (res < 0) {
			eng__xf_file_fail(f, "%s: rename: %s", f->dst, uv_strerror((int)res));
			break;
		}
		f->tmp_created = 0;
		break;
	}
	fsop_free(o);
	fs_done(f);
}

/* ---- resume: compare the kept part's tail with the source ---- */

static void
verify_start(xf_file *f)
{
	uint64_t have = f->voff;   /* size of the kept temporary */
	uint32_t k;
	fsop *o;

	if (have == 0 || have > f->size) {
		/* Nothing kept, or more than the source has: start over. */
		f->step = have == 0 ? FS_DATA : FS_TRUNC;
		f->voff = 0;
		eng__xf_file_advance(f);
		return;
	}
	k = have < VERIFY_MAX ? (uint32_t)have : VERIFY_MAX;
	f->voff = have - k;
	f->vlen[0] = f->vlen[1] = 0;
	o = fsop_new(f, FS_VREAD);
	o->buf = util_xmalloc(k);
	{
		uv_buf_t b = uv_buf_init((char *)o->buf, k);

		uv_fs_read(f->j->loop, &o->req, f->fd, &b, 1, (int64_t)f->voff, on_l);
	}
	SEND(f, FS_VREAD, eng_sftp_read(eng__xf_prim(f)->s, &f->h[f->primary], f->voff, k, on_r, f),
	    f->src);
	f->step = FS_VREAD + 100;   /* waiting for both */
	f->next_off = have;         /* where we go on if it matches */
}

static void
verify_finish(xf_file *f)
{
	uint64_t k = f->next_off - f->voff;
	int match = f->vbuf[0] != NULL && f->vbuf[1] != NULL && f->vlen[0] == k &&
	    f->vlen[1] == k && memcmp(f->vbuf[0], f->vbuf[1], k) == 0;

	free(f->vbuf[0]);
	free(f->vbuf[1]);
	f->vbuf[0] = f->vbuf[1] = NULL;
	if (match) {
		f->pub.resumed_from = 1;
		f->pub.resume_offset = f->next_off;
		f->pub.done = f->next_off;
		f->j->prog.bytes_done += f->next_off;
		f->send_off = f->next_off;
		ENG_LOG(f->j->ctx, "%s: %s: resuming at %llu", f->j->name,
		    f->dst, (unsigned long long)f->next_off);
		f->step = FS_DATA;
	} else {
		ENG_LOG(f->j->ctx, "%s: %s: kept part differs, starting over",
		    f->j->name, f->dst);
		f->next_off = f->send_off = 0;
		f->step = FS_TRUNC;
	}
	eng__xf_file_advance(f);
}

/* ---- the step machine ---- */

void
eng__xf_local_op(xf_file *f, int what)
{
	uv_loop_t *loop = f->j->loop;
	fsop *o = fsop_new(f, what);
	int flags;

	switch (what) {
	case FS_LOPEN:
		if (eng__xf_is_put(f)) {
			uv_fs_open(loop, &o->req, f->src, O_RDONLY | O_CLOEXEC, 0, on_l);
		} else {
			flags = O_CREAT | O_NOFOLLOW | O_CLOEXEC;
			flags |= f->j->o.resume ? O_RDWR : O_WRONLY | O_EXCL;
			uv_fs_open(loop, &o->req, f->tmp, flags, 0600, on_l);
		}
		break;
	case FS_LSTAT:
		uv_fs_fstat(loop, &o->req, f->fd, on_l);
		break;
	case FS_SAME:
		uv_fs_lstat(loop, &o->req, f->dst, on_l);
		break;
	case FS_TRUNC:
		uv_fs_ftruncate(loop, &o->req, f->fd, 0, on_l);
		break;
	case FS_FSYNC:
		uv_fs_fsync(loop, &o->req, f->fd, on_l);
		break;
	case FS_CHMOD:
		/*
		 * Without -p the source's mode less our umask, as scp gives it: a
		 * host's 0600 file stays private here, a script stays runnable.
		 */
		uv_fs_fchmod(loop, &o->req, f->fd, f->j->o.preserve ? (int)(f->mode & 0777) :
		    (int)((S_ISREG(f->mode) ? f->mode & 0777 : 0666) & ~f->j->umask), on_l);
		break;
	case FS_UTIME:
		uv_fs_futime(loop, &o->req, f->fd, (double)f->atime, (double)f->mtime, on_l);
		break;
	case FS_CLOSE:
		uv_fs_close(loop, &o->req, f->fd, on_l);
		break;
	case FS_RENAME:
		uv_fs_rename(loop, &o->req, f->tmp, f->dst, on_l);
		break;
	}
}

/* Closes every open remote handle of f; returns how many closes went out. */
int
eng__xf_close_handles(xf_file *f)
{
	int si, n = 0;

	for (si = 0; si < f->j->nst; si++) {
		if (f->hst[si] != H_OPEN)
			continue;
		f->hst[si] = H_CLOSING;
		f->pending++;
		if (eng_sftp_fclose(f->j->st[si].s, &f->h[si], on_r, f) != 0) {
			f->pending--;
			f->hst[si] = H_NONE;
			continue;
		}
		n++;
	}
	return n;
}

/* Lowest offset not yet known to be written (the resumable prefix). */
static uint64_t
contiguous(const xf_file *f)
{
	uint64_t c = f->chunks != NULL ? f->chunks->off : f->next_off;

	return c < f->hole ? c : f->hole;
}

static void
finish(xf_file *f, eng_xfer_fstate st)
{
	eng_xfer *j = f->j;
	xf_file **pp;

	f->step = f->failing ? FS_C_DONE : FS_DONE;
	f->pub.state = st;
	for (pp = &j->active; *pp != NULL; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	j->nactive--;
	/* Reported and freed by the scheduler, outside whoever called us. */
	f->next = j->finished;
	j->finished = f;
	eng__xf_pump(j);
}

/* The answer to the disk-full question of a failed put. */
static void
on_vfs(eng_sftp *s, const eng_sftp_reply *r, void *ud)
{
	xf_file *f = ud;
	char *m;

	(void)s;
	if (r->vfs != NULL && r->vfs->bavail * (r->vfs->frsize ? r->vfs->frsize :
	    r->vfs->bsize) < f->j->chunk) {
		m = util_xasprintf("%s (no space left on the host)", f->error);
		free(f->error);
		f->error = m;
		f->pub.error = m;
	}
	f->pending--;
	eng__xf_file_advance(f);
}

static void
cleanup_step(xf_file *f)
{
	xf_stream *st = eng__xf_prim(f);
	fsop *o;

	switch (f->step) {
	case FS_C_CLOSE:
		f->step = FS_C_SHUT;
		/* Resume keeps what is known good: no hole, no stray tail. */
		if (f->fd >= 0 && !eng__xf_is_put(f) && f->j->o.resume && f->tmp_created &&
		    f->in_data) {
			o = fsop_new(f, FS_TRUNC);
			uv_fs_ftruncate(f->j->loop, &o->req, f->fd, (int64_t)contiguous(f), on_l);
			return;
		}
		/* fall through */
	case FS_C_SHUT:
		f->step = FS_C_VFS;
		eng__xf_close_handles(f);
		if (f->fd >= 0)
			eng__xf_local_op(f, FS_CLOSE);
		if (f->pending > 0)
			return;
		/* fall through */
	case FS_C_VFS:
		f->step = FS_C_REMOVE;
		/* Before the temporary goes: is the host's disk full? */
		if (f->write_failed && !st->ended && eng_sftp_is_ready(st->s) &&
		    eng_sftp_has_ext(st->s, "statvfs@openssh.com")) {
			char *dir = util_xstrdup(f->tmp), *sl = strrchr(dir, '/');

			if (sl != NULL)
				sl[sl == dir ? 1 : 0] = '\0';
			f->pending++;
			if (eng_sftp_statvfs(st->s, sl != NULL ? dir : ".", on_vfs, f) != 0)
				f->pending--;
			free(dir);
			if (f->pending > 0)
				return;
		}
		/* fall through */
	case FS_C_REMOVE:
		f->step = FS_C_DONE;
		if (f->tmp_created && !f->j->o.resume) {
			if (!eng__xf_is_put(f)) {
				o = fsop_new(f, FS_C_REMOVE);
				uv_fs_unlink(f->j->loop, &o->req, f->tmp, on_l);
			} else if (!st->ended && eng_sftp_is_ready(st->s)) {
				f->pending++;
				if (eng_sftp_remove(st->s, f->tmp, on_r, f) != 0) {
					f->pending--;
					eng__xf_leftover(f->j, f->tmp);
				}
			} else {
				eng__xf_leftover(f->j, f->tmp);
			}
		}
		if (f->pending > 0)
			return;
		/* fall through */
	case FS_C_DONE:
		finish(f, ENG_XFER_FAILED);
		break;
	}
}

void
eng__xf_file_advance(xf_file *f)
{
	eng_xfer *j = f->j;
	eng_sftp_attrs a;

	if (f->pending > 0 && !(f->step == FS_DATA && !f->failing))
		return;
	if (f->failing) {
		if (f->pending == 0)
			cleanup_step(f);
		return;
	}
	switch (f->step) {
	case FS_INIT:
		if (eng__xf_is_put(f) && j->data != NULL) {
			f->size = j->datalen;
			f->mode = 0644 & ~j->umask;
			f->mtime = f->atime = (uint32_t)time(NULL);
			f->pub.total = f->size;
			j->prog.bytes_total += f->size;
			f->step = FS_ROPEN;
			eng__xf_file_advance(f);
		} else if (eng__xf_is_put(f)) {
			f->step = FS_LOPEN;
			if (!eng__xf_put_open_fast(f))
				eng__xf_local_op(f, FS_LOPEN);
		} else {
			f->step = FS_ROPEN;
			eng__xf_file_advance(f);
		}
		break;
	case FS_LOPEN:
		eng__xf_local_op(f, FS_LOPEN);
		break;
	case FS_LSTAT:
		eng__xf_local_op(f, FS_LSTAT);
		break;
	case FS_SAME:
		if (j->o.same != NULL) {
			/* The caller's checksums decide, at once. */
			if (j->o.same(f->pub.src, f->dst, j->o.same_ud)) {
				same_found(f, "SHA-256");
				if (eng__xf_is_put(f))
					eng__xf_local_op(f, FS_CLOSE);
				else if (eng__xf_close_handles(f) == 0)
					eng__xf_file_advance(f);
			} else {
				f->step = eng__xf_is_put(f) ? FS_ROPEN : FS_LOPEN;
				eng__xf_file_advance(f);
			}
			break;
		}
		f->step = FS_SAME + 100;
		if (eng__xf_is_put(f))
			SEND(f, FS_SAME, eng_sftp_stat(eng__xf_prim(f)->s, f->dst, on_r, f), f->dst);
		else
			eng__xf_local_op(f, FS_SAME);
		break;
	case FS_SAME_DONE:
		f->j->prog.bytes_done += f->size;
		finish(f, ENG_XFER_SKIPPED);
		break;
	case FS_ROPEN:
		if (!eng__xf_is_put(f) && !f->have_stat)
			f->striped = 0;   /* decided once the size is known */
		eng__xf_remote_open(f, f->primary);
		break;
	case FS_RSTAT:
		SEND(f, FS_RSTAT, eng_sftp_fstat(eng__xf_prim(f)->s, &f->h[f->primary], on_r, f), f->src);
		break;
	case FS_VREAD:
		if (!eng__xf_is_put(f) && f->size >= j->o.stripe_min)
			f->striped = 1;
		verify_start(f);
		break;
	case FS_VREAD + 100:
		verify_finish(f);
		break;
	case FS_TRUNC:
		f->step = FS_DATA;
		if (eng__xf_is_put(f)) {
			memset(&a, 0, sizeof(a));
			a.flags = ENG_SFTP_ATTR_SIZE;
			f->step = FS_TRUNC + 100;
			SEND(f, FS_TRUNC, eng_sftp_fsetstat(eng__xf_prim(f)->s, &f->h[f->primary], &a,
			    on_r, f), f->dst);
		} else {
			f->step = FS_TRUNC + 100;
			eng__xf_local_op(f, FS_TRUNC);
		}
		break;
	case FS_TRUNC + 100:
		f->step = FS_DATA;
		eng__xf_file_advance(f);
		break;
	case FS_DATA:
		f->in_data = 1;   /* from here a failed resume keeps only what is good */
		if (!eng__xf_is_put(f) && !f->striped && f->size >= j->o.stripe_min && !j->o.resume)
			f->striped = 1;
		if (f->next_off < f->size || f->nchunks > 0) {
			eng__xf_pump(j);
			return;
		}
		if (f->pending > 0)
			return;
		/* Every byte is there. */
		if (eng__xf_is_put(f)) {
			eng__xf_put_commit(f);
			return;
		}
		f->step = FS_FSYNC;
		eng__xf_local_op(f, FS_FSYNC);
		break;
	case FS_FSYNC:
		f->step = FS_CHMOD;
		eng__xf_file_advance(f);
		break;
	case FS_CHMOD:
		f->step = j->o.preserve ? FS_UTIME : FS_CLOSE;
		eng__xf_local_op(f, FS_CHMOD);
		break;
	case FS_UTIME:
		f->step = FS_CLOSE;
		eng__xf_local_op(f, FS_UTIME);
		break;
	case FS_CLOSE:
		f->step = FS_RENAME;
		eng__xf_close_handles(f);
		if (f->fd >= 0)
			eng__xf_local_op(f, FS_CLOSE);
		if (f->pending == 0)
			eng__xf_file_advance(f);
		break;
	case FS_RMTARGET:
		/* No posix-rename: v3 RENAME refuses to replace; not atomic. */
		f->step = FS_RENAME + 200;
		SEND(f, FS_RMTARGET, eng_sftp_remove(eng__xf_prim(f)->s, f->dst, on_r, f), f->dst);
		break;
	case FS_RENAME:
	case FS_RENAME + 200:
		if (!eng__xf_is_put(f)) {
			f->step = FS_RENAME + 100;
			eng__xf_local_op(f, FS_RENAME);
		} else {
			int plain = f->step == FS_RENAME + 200;

			f->step = FS_RENAME + 100;
			if (plain)
				SEND(f, FS_RENAME, eng_sftp_rename(eng__xf_prim(f)->s, f->tmp, f->dst, on_r,
				    f), f->dst);
			else
				SEND(f, FS_RENAME, eng_sftp_posix_rename(eng__xf_prim(f)->s, f->tmp, f->dst,
				    on_r, f), f->dst);
		}
		break;
	case FS_RENAME + 100:
		f->step = FS_DONE;
		finish(f, ENG_XFER_OK);
		break;
	}
}
