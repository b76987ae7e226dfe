/*
 * engine/xfer_commit.c - the end of a file's bytes on the destination:
 * fsyncs on the way (eng__xf_flush_early) and a put's commit, whose mode,
 * fsync and close go out together before the rename (xfer_file.c's step
 * machine takes it from there).
 */
#include "engine/xfer_int.h"

/* The replies to put_commit's requests (the close's comes to on_r). */
static void
commit_reply(xf_file *f, const eng_sftp_reply *r, const char *what)
{
	f->pending--;
	if (!f->failing && r->status != ENG_SFTP_OK)
		eng__xf_file_fail(f, "%s: %s: %s", f->dst, what, eng__xf_status_msg(r));
	else
		eng__xf_file_advance(f);
}

static void
on_attrs_set(eng_sftp *s, const eng_sftp_reply *r, void *ud)
{
	(void)s;
	commit_reply(ud, r, "setting attributes");
}

static void
on_synced(eng_sftp *s, const eng_sftp_reply *r, void *ud)
{
	(void)s;
	commit_reply(ud, r, "fsync");
}

/*
 * Without it, a 1 GiB copy waited 0.8 s at the end for the disk while the
 * link sat idle. On the way, the flush goes on beside the transfer: a
 * pool thread (get) or one stream's server (put) waits for it, the other
 * streams and threads go on. Its answer only counts against the file.
 */
void
eng__xf_flush_early(xf_file *f)
{
	int rc;

	if (f->failing)
		return;
	if (!eng__xf_is_put(f)) {
		if (f->fd >= 0)
			eng__xf_local_op(f, FS_FSYNC);
		return;
	}
	if (f->hst[f->primary] != H_OPEN || !eng_sftp_has_ext(eng__xf_prim(f)->s, "fsync@openssh.com"))
		return;
	f->pending++;
	if ((rc = eng_sftp_fsync(eng__xf_prim(f)->s, &f->h[f->primary], on_synced, f)) != 0)
		eng__xf_req_failed(f, rc, f->dst);
}

/*
 * Without -p a put's file gets the source's mode less the host's umask,
 * as scp gives it, and the open sets it: no attributes request at
 * the end (one request in six per small file; a 10,000-file tree put
 * 7 % faster, in six runs of each in turn). A temporary opened again by
 * name - by the other streams of a striped file, or a kept --resume part -
 * must stay readable and writable by its owner; with -p or --resume the
 * exact mode is set at the end, as it is for a striped file whose source
 * is not (the host's umask is not known then).
 */
uint32_t
eng__xf_put_open_mode(const xf_file *f)
{
	if (f->j->o.preserve || f->j->o.resume)
		return 0600;
	return f->striped ? (f->mode & 0777) | 0600 : f->mode & 0777;
}

/* The open did not leave the final mode (or -p's times are still to set). */
static int
attrs_at_end(const xf_file *f)
{
	return f->j->o.preserve || f->j->o.resume || eng__xf_put_open_mode(f) != (f->mode & 0777);
}

/*
 * A put whose bytes are all written: mode (and with -p times) on the
 * handle when the open did not set them, fsync, close - sent together,
 * since a server answers requests on one handle in order, and only the
 * rename waits for the answers. One after the other they cost three round
 * trips and three wake-ups of the server per file, which is most of a
 * tree of small files.
 */
void
eng__xf_put_commit(xf_file *f)
{
	eng_sftp_attrs a;
	int rc;

	eng__xf_final_attrs(f->j, f->mode, f->atime, f->mtime, &a);
	f->step = eng_sftp_has_ext(eng__xf_prim(f)->s, "posix-rename@openssh.com") ?
	    FS_RENAME : FS_RMTARGET;
	if (attrs_at_end(f)) {
		f->pending++;
		if ((rc = eng_sftp_fsetstat(eng__xf_prim(f)->s, &f->h[f->primary], &a, on_attrs_set,
		    f)) != 0) {
			eng__xf_req_failed(f, rc, f->dst);
			return;
		}
	}
	if (eng_sftp_has_ext(eng__xf_prim(f)->s, "fsync@openssh.com")) {
		f->pending++;
		if ((rc = eng_sftp_fsync(eng__xf_prim(f)->s, &f->h[f->primary], on_synced, f)) != 0) {
			eng__xf_req_failed(f, rc, f->dst);
			return;
		}
	}
	eng__xf_close_handles(f);
	if (f->fd >= 0)
		eng__xf_local_op(f, FS_CLOSE);
}
