/*
 * engine/xfer_open.c - a put's local source opened in one trip to the
 * thread pool: open, fstat and, for a file that fits in one request, its
 * bytes read and the file closed again.
 *
 * Why: a 4 KiB file took four trips (open, fstat, read, close), each a
 * hand-off to a pool thread and a wake-up of the loop. In a tree of
 * 10,000 small files that was most of the client's system time, on a
 * machine where the client and the servers share the cores.
 *
 * Only the plain put takes this way: --resume compares the kept part with
 * the source through its descriptor, --skip-same may close the source
 * before any byte is read, and a put from memory has no source file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/xfer_int.h"

typedef struct xf_open {
	uv_work_t work;
	xf_file *f;
	char *path;          /* copy: the work runs off the loop thread */
	uint32_t max;        /* read the bytes of a file no longer than this */
	int fd;              /* -1 when closed (bytes read) or never opened */
	int err;             /* errno of open, fstat or read */
	struct stat sb;
	unsigned char *bytes;
} xf_open;

static void
open_work(uv_work_t *w)
{
	xf_open *o = w->data;
	size_t got = 0;
	ssize_t n;

	if ((o->fd = open(o->path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		o->err = errno;
		return;
	}
	if (fstat(o->fd, &o->sb) != 0) {
		o->err = errno;
		return;
	}
	if (!S_ISREG(o->sb.st_mode) || o->sb.st_size > (off_t)o->max)
		return;
	o->bytes = util_xmalloc(o->sb.st_size > 0 ? (size_t)o->sb.st_size : 1);
	while (got < (size_t)o->sb.st_size) {
		n = pread(o->fd, o->bytes + got, (size_t)o->sb.st_size - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got < (size_t)o->sb.st_size) {
		/* Shorter than its size, or unreadable: the chunks find out. */
		free(o->bytes);
		o->bytes = NULL;
		return;
	}
	close(o->fd);
	o->fd = -1;
}

static void
open_done(uv_work_t *w, int status)
{
	xf_open *o = w->data;
	xf_file *f = o->f;

	(void)status;
	if (o->fd >= 0)
		f->fd = o->fd;   /* a failing file's cleanup closes it */
	if (f->failing) {
		free(o->bytes);
	} else if (o->err != 0) {
		eng__xf_file_fail(f, "%s: %s", f->src, uv_strerror(uv_translate_sys_error(o->err)));
		free(o->bytes);
	} else if (!S_ISREG(o->sb.st_mode)) {
		eng__xf_file_fail(f, "%s: not a regular file", f->src);
	} else {
		f->pre = o->bytes;
		eng__xf_put_source_known(f, (uint64_t)o->sb.st_size, (uint32_t)o->sb.st_mode,
		    (uint32_t)o->sb.st_mtim.tv_sec, (uint32_t)o->sb.st_atim.tv_sec);
	}
	free(o->path);
	free(o);
	/* Held until here, as on_l does: a failure above only marks f. */
	f->pending--;
	eng__xf_file_advance(f);
}

int
eng__xf_put_open_fast(xf_file *f)
{
	eng_xfer *j = f->j;
	xf_open *o;

	if (j->o.resume || j->o.skip_same || j->o.same != NULL || j->data != NULL)
		return 0;
	o = util_xcalloc(1, sizeof(*o));
	o->f = f;
	o->path = util_xstrdup(f->src);
	o->max = j->chunk;
	o->fd = -1;
	o->work.data = o;
	f->pending++;
	if (uv_queue_work(j->loop, &o->work, open_work, open_done) != 0) {
		f->pending--;
		free(o->path);
		free(o);
		return 0;
	}
	return 1;
}
