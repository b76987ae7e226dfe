/*
 * engine/tail_stream.c - the client half of a streamed file tail (see
 * tail.c, "Streaming"): after the script's S record the channel carries
 * the raw bytes of the one followed file from its offset on. They are
 * counted into the offset and cut into lines here, except GNU tail's own
 * truncation notice, which arrives in-band (its stderr goes into stdout so
 * that the notice is ordered with the bytes).
 */
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"
#include "engine/tail_int.h"

/*
 * What GNU tail writes (stderr into stdout, LC_ALL=C) when the streamed
 * file shrinks; it then goes on from byte 0.
 */
#define STREAM_TRUNC "tail: 'standard input': file truncated\n"

/* Counted file bytes to the lines; what a pause leaves waits in rest. */
static void
stream_feed(eng_tail *t, tfile *f, const char *buf, size_t len)
{
	uint64_t off = (uint64_t)f->off;
	size_t n;

	if (len == 0)
		return;
	f->off += (int64_t)len;
	t->received += len;
	if ((uint64_t)f->off > f->seen)
		f->seen = (uint64_t)f->off;
	n = eng__tail_feed(t, f, buf, len, off);
	if (n < len && !t->freed)
		eng__tail_keep_rest(t, f, buf + n, len - n, off + n);
}

/*
 * Streamed bytes: the file's own, except GNU tail's truncation notice.
 * Bytes up to the notice count; from it on nothing does, and the exec is
 * ended and started again at our offset, where the framed script tells a
 * real truncation (size < offset: T) from a line in the file that merely
 * reads like the notice (read as data). A tail of the bytes that could be
 * the notice's start waits here, uncounted, until the next bytes decide.
 */
void
eng__tail_stream_take(eng_tail *t, const char *buf, size_t len)
{
	static const char nd[] = STREAM_TRUNC;
	size_t nl = sizeof(nd) - 1, blen, cut, keep = 0;
	char *joined = NULL;
	const char *b = buf, *hit;

	if (t->sheld_len > 0) {
		joined = util_xmalloc(t->sheld_len + len);
		memcpy(joined, t->sheld, t->sheld_len);
		memcpy(joined + t->sheld_len, buf, len);
		b = joined;
	}
	blen = t->sheld_len + len;
	t->sheld_len = 0;
	hit = memmem(b, blen, nd, nl);
	if (hit != NULL) {
		cut = (size_t)(hit - b);
	} else {
		for (keep = nl - 1 < blen ? nl - 1 : blen; keep > 0; keep--)
			if (memcmp(b + blen - keep, nd, keep) == 0)
				break;
		cut = blen - keep;
	}
	memcpy(t->sheld, b + cut, keep);
	t->sheld_len = keep;
	stream_feed(t, t->files[0], b, cut);
	free(joined);
	if (hit != NULL && !t->freed) {
		t->stream_over = 1;
		t->restream = 1;
		if (t->x != NULL)
			eng_exec_kill(t->x);
	}
}
