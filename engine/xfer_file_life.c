/*
 * engine/xfer_file_life.c - one file of a transfer coming and going: its
 * record, the temporary name it is written under at the destination
 * (random, or the fixed .drover-part name that --resume keeps), its start
 * on a stream, its failure, and its release. The steps in between are
 * xfer_file.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "engine/xfer_int.h"

/* Temporary name next to path: ".<base>.drover-<16 hex>" or ".drover-part". */
static char *
temp_name(const char *path, int resume)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash != NULL ? slash + 1 : path;
	int dlen = slash != NULL ? (int)(slash - path + 1) : 0;
	unsigned char rnd[8];
	char hex[17];
	int i;

	if (resume)
		return util_xasprintf("%.*s.%s.drover-part", dlen, path, base);
	if (uv_random(NULL, NULL, rnd, sizeof(rnd), 0, NULL) != 0)
		abort();   /* no randomness: never fall back to a guessable name */
	for (i = 0; i < 8; i++)
		snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
	return util_xasprintf("%.*s.%s.drover-%s", dlen, path, base, hex);
}

xf_file *
eng__xf_file_new(eng_xfer *j, const char *src, const char *dst)
{
	xf_file *f = util_xcalloc(1, sizeof(*f));

	f->j = j;
	f->src = util_xstrdup(src);
	f->dst = util_xstrdup(dst);
	f->tmp = temp_name(dst, j->o.resume);
	f->fd = -1;
	f->ordered = j->o.resume;
	f->hole = UINT64_MAX;
	f->pub.src = f->src;
	f->pub.dst = f->dst;
	f->pub.state = ENG_XFER_QUEUED;
	j->prog.files_total++;
	return f;
}

void
eng__xf_file_begin(xf_file *f)
{
	xf_stream *st = eng__xf_pick_stream(f->j);

	f->primary = st != NULL ? st->idx : 0;
	f->pub.state = ENG_XFER_RUNNING;
	f->step = FS_INIT;
	if (st == NULL) {
		eng__xf_file_fail(f, "%s: no sftp session", f->src);
		return;
	}
	if (f->have_stat) {
		f->pub.total = f->size;
		f->j->prog.bytes_total += f->size;
	}
	eng__xf_file_advance(f);
}

void
eng__xf_file_free(xf_file *f)
{
	if (f == NULL)
		return;
	free(f->src);
	free(f->dst);
	free(f->tmp);
	free(f->pre);
	free(f->error);
	free(f->vbuf[0]);
	free(f->vbuf[1]);
	free(f);
}

/* ---- failure ---- */

void
eng__xf_file_fail(xf_file *f, const char *fmt, ...)
{
	va_list ap;
	char *m;

	if (f->error == NULL) {
		va_start(ap, fmt);
		if (vasprintf(&m, fmt, ap) < 0)
			abort();
		va_end(ap);
		f->error = m;
		ENG_LOG(f->j->ctx, "%s: %s", f->j->name, m);
	}
	if (f->failing)
		return;
	f->failing = 1;
	f->step = FS_C_CLOSE;
	f->pub.error = f->error;
	/* Held so that nothing below finishes (and frees) f under us. */
	f->pending++;
	eng__xf_drop_parked(f);
	f->pending--;
	eng__xf_file_advance(f);
}

const char *
eng__xf_status_msg(const eng_sftp_reply *r)
{
	return r->message != NULL ? r->message : eng_sftp_status_str(r->status);
}
