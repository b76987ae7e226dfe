/*
 * engine/xfer_chunk.c - the bytes of one file, in chunks of the job's
 * request size: put reads a chunk locally (thread pool) and sends it as
 * one WRITE (in offset order when resuming, so that what the server kept
 * is a prefix); get sends a READ, writes the answer locally at its
 * offset and asks again for the rest of a short answer; an EOF before
 * the expected size ends the file there. Each chunk holds its share of
 * its stream's window until it is answered, which bounds memory and lets
 * the scheduler (xfer.c) keep every stream busy.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/xfer_int.h"

static void chunk_put_read(xf_chunk *k);
static void chunk_get_read(xf_chunk *k);

static void
chunk_unlink(xf_chunk *k)
{
	xf_chunk **pp;

	for (pp = &k->f->chunks; *pp != NULL; pp = &(*pp)->next)
		if (*pp == k) {
			*pp = k->next;
			break;
		}
}

/* The chunk is finished (ok or not): release its window share. */
static void
chunk_end(xf_chunk *k)
{
	xf_file *f = k->f;
	eng_xfer *j = f->j;

	k->st->inflight -= k->len;
	if (k->len > 0 && k->off < f->hole)
		f->hole = k->off;   /* these bytes never arrived */
	chunk_unlink(k);
	free(k->buf);
	free(k);
	f->nchunks--;
	f->pending--;
	eng__xf_file_advance(f);   /* may free f */
	eng__xf_pump(j);
}

/* Chunks read and waiting for their turn to be sent: they never will. */
void
eng__xf_drop_parked(xf_file *f)
{
	xf_chunk *k;
	int found = 1;

	while (found) {
		found = 0;
		for (k = f->chunks; k != NULL; k = k->next) {
			if (k->sending) {
				k->sending = 0;
				chunk_end(k);
				found = 1;
				break;
			}
		}
	}
}

static void
moved(xf_file *f, xf_chunk *k, uint32_t n)
{
	f->pub.done += n;
	f->j->prog.bytes_done += n;
	k->st->inflight -= n;
	k->off += n;
	k->len -= n;
	if ((f->unflushed += n) >= XF_FLUSH_EVERY && f->pub.done < f->size) {
		f->unflushed = 0;
		eng__xf_flush_early(f);
	}
	eng__xf_progress(f->j, f, 0);
}

static void
on_put_written(eng_sftp *s, const eng_sftp_reply *r, void *ud)
{
	xf_chunk *k = ud;
	xf_file *f = k->f;

	(void)s;
	if (r->status != ENG_SFTP_OK && !f->failing) {
		/* OpenSSH says only "Failure" for ENOSPC: the cleanup asks statvfs. */
		f->write_failed = r->status == ENG_SFTP_FAILURE;
		eng__xf_file_fail(f, "%s: write at offset %llu failed: %s", f->dst,
		    (unsigned long long)k->off, eng__xf_status_msg(r));
	}
	if (!f->failing)
		moved(f, k, k->len);
	chunk_end(k);
}

/* Sends chunks whose bytes are read, in offset order when f->ordered. */
static void
put_send_ready(xf_file *f)
{
	xf_chunk *k;
	int again = 1, si;

	while (again && !f->failing) {
		again = 0;
		for (k = f->chunks; k != NULL; k = k->next) {
			int rc;

			if (!k->sending || (f->ordered && k->off != f->send_off))
				continue;
			si = k->st->idx;
			k->sending = 0;
			rc = eng_sftp_write(k->st->s, &f->h[si], k->off, k->buf, k->len,
			    on_put_written, k);
			free(k->buf);
			k->buf = NULL;
			if (rc != 0) {
				eng__xf_file_fail(f, "%s: write: %s", f->dst, eng_strerror(rc));
				chunk_end(k);
				return;
			}
			f->send_off = k->off + k->len;
			again = f->ordered;
			break;
		}
	}
}

static void
on_put_read(uv_fs_t *req)
{
	xf_chunk *k = req->data;
	xf_file *f = k->f;
	ssize_t res = req->result;

	uv_fs_req_cleanup(req);
	if (f->failing) {
		chunk_end(k);
		return;
	}
	if (res <= 0) {
		eng__xf_file_fail(f, "%s: %s", f->src, res < 0 ? uv_strerror((int)res) :
		    "the file got shorter while being sent");
		chunk_end(k);
		return;
	}
	k->have += (uint32_t)res;
	if (k->have < k->len) {
		chunk_put_read(k);   /* short read: the rest */
		return;
	}
	k->sending = 1;
	put_send_ready(f);
}

static void
chunk_put_read(xf_chunk *k)
{
	xf_file *f = k->f;
	uv_buf_t b;

	if (f->j->data != NULL || f->pre != NULL) {
		memcpy(k->buf, (f->pre != NULL ? f->pre : f->j->data) + k->off, k->len);
		k->have = k->len;
		k->sending = 1;
		put_send_ready(f);
		return;
	}
	b = uv_buf_init((char *)k->buf + k->have, k->len - k->have);
	k->req.data = k;
	uv_fs_read(f->j->loop, &k->req, f->fd, &b, 1,
	    (int64_t)(k->off + k->have), on_put_read);
}

static void
on_get_written(uv_fs_t *req)
{
	xf_chunk *k = req->data;
	xf_file *f = k->f;
	ssize_t res = req->result;
	uint32_t n = k->have;
	uv_buf_t b;

	uv_fs_req_cleanup(req);
	if (f->failing) {
		chunk_end(k);
		return;
	}
	if (res <= 0) {
		/* The target is what the operator named; the temporary is ours. */
		eng__xf_file_fail(f, "%s: write: %s", f->dst, res < 0 ? uv_strerror((int)res) :
		    "nothing written (disk full?)");
		chunk_end(k);
		return;
	}
	if ((k->wrote += (uint32_t)res) < n) {
		/*
		 * A disk that fills up takes part of a write: the rest is
		 * written again, and that write says why (ENOSPC, EDQUOT).
		 */
		b = uv_buf_init((char *)k->buf + k->wrote, n - k->wrote);
		k->req.data = k;
		uv_fs_write(f->j->loop, &k->req, f->fd, &b, 1, (int64_t)(k->off + k->wrote),
		    on_get_written);
		return;
	}
	k->wrote = 0;
	moved(f, k, n);
	free(k->buf);
	k->buf = NULL;
	if (k->len > 0 && k->off < f->size) {
		chunk_get_read(k);   /* the server sent less than asked: ask again */
		return;
	}
	chunk_end(k);
}

static void
on_get_data(eng_sftp *s, const eng_sftp_reply *r, void *ud)
{
	xf_chunk *k = ud;
	xf_file *f = k->f;
	uv_buf_t b;

	(void)s;
	if (f->failing) {
		chunk_end(k);
		return;
	}
	if (r->status == ENG_SFTP_EOF) {
		/* The file is shorter than it was: it ends here. */
		if (k->off < f->size) {
			f->j->prog.bytes_total -= f->size - k->off;
			f->size = k->off;
			f->pub.total = f->size;
		}
		k->st->inflight -= k->len;
		k->len = 0;
		chunk_end(k);
		return;
	}
	if (r->status != ENG_SFTP_OK) {
		eng__xf_file_fail(f, "%s: read at offset %llu: %s", f->src,
		    (unsigned long long)k->off, eng__xf_status_msg(r));
		chunk_end(k);
		return;
	}
	if (r->len == 0 || r->len > k->len) {
		eng__xf_file_fail(f, "%s: the server answered a read of %u bytes with %zu",
		    f->src, k->len, r->len);
		chunk_end(k);
		return;
	}
	k->have = (uint32_t)r->len;
	k->buf = util_xmalloc(r->len);
	memcpy(k->buf, r->data, r->len);
	b = uv_buf_init((char *)k->buf, (unsigned int)r->len);
	k->req.data = k;
	uv_fs_write(f->j->loop, &k->req, f->fd, &b, 1, (int64_t)k->off, on_get_written);
}

static void
chunk_get_read(xf_chunk *k)
{
	int rc = eng_sftp_read(k->st->s, &k->f->h[k->st->idx], k->off, k->len, on_get_data, k);

	if (rc != 0) {
		eng__xf_file_fail(k->f, "%s: read: %s", k->f->src, eng_strerror(rc));
		chunk_end(k);
	}
}

int
eng__xf_file_issue(xf_file *f, xf_stream *st)
{
	xf_chunk *k;
	uint64_t len;

	if (f->failing || f->step != FS_DATA || f->next_off >= f->size)
		return 0;
	if (st->idx != f->primary && !f->striped)
		return 0;
	if (f->hst[st->idx] == H_NONE) {
		/* Striped: this stream gets its own handle first. */
		eng__xf_remote_open(f, st->idx);
		return 0;
	}
	if (f->hst[st->idx] != H_OPEN)
		return 0;
	len = f->size - f->next_off;
	if (len > f->j->chunk)
		len = f->j->chunk;
	k = util_xcalloc(1, sizeof(*k));
	k->f = f;
	k->st = st;
	k->off = f->next_off;
	k->len = (uint32_t)len;
	f->next_off += len;
	st->inflight += len;
	/* Append: the list stays in offset order. */
	{
		xf_chunk **pp = &f->chunks;

		while (*pp != NULL)
			pp = &(*pp)->next;
		*pp = k;
	}
	f->nchunks++;
	f->pending++;
	if (eng__xf_is_put(f)) {
		k->buf = util_xmalloc(k->len);
		chunk_put_read(k);
	} else {
		chunk_get_read(k);
	}
	return 1;
}

