/*
 * engine/tail_lines.c - from a tail's file bytes to lines for the front
 * end: unfinished lines held until their newline (or shown as partial
 * after partial_ms, and not repeated when they complete), lines longer
 * than max_line cut with a mark, the partial-line timer (armed only while
 * something is held), and the events the front end receives. tail.c
 * feeds it the bytes of each D record.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"
#include "engine/tail_int.h"

/* ---- events to the front end ---- */

void
eng__tail_set_state(eng_tail *t, eng_tail_state st, const char *text)
{
	if (t->freed || (t->st == st && text == NULL))
		return;
	t->st = st;
	if (t->cbs.on_state != NULL)
		t->cbs.on_state(t, NULL, st, text, t->ud);
}

void
eng__tail_file_state(eng_tail *t, tfile *f, eng_tail_state st, const char *text)
{
	if (t->freed || (f->st_reported && f->st == st))
		return;
	f->st = st;
	f->st_reported = 1;
	if (t->cbs.on_state != NULL)
		t->cbs.on_state(t, f->name, st, text, t->ud);
}

void
eng__tail_mark(eng_tail *t, tfile *f, eng_tail_mark m, uint64_t bytes)
{
	if (!t->freed && t->cbs.on_mark != NULL)
		t->cbs.on_mark(t, f->name, m, bytes, t->ud);
}

static void
line(eng_tail *t, tfile *f, const char *buf, size_t len, uint64_t off, int flags)
{
	eng_tail_line l;

	if (t->freed || t->cbs.on_line == NULL)
		return;
	l.host = t->host;
	l.file = f->name;
	l.buf = buf;
	l.len = len;
	l.offset = off;
	l.flags = flags;
	t->cbs.on_line(t, &l, t->ud);
}

/* ---- lines ---- */


/* The held bytes go out as they are: no more will come for them (or too late). */
static void
flush_partial(eng_tail *t, tfile *f)
{
	if (f->hlen == 0)
		return;
	line(t, f, f->hold, f->hlen, f->hoff, ENG_TAIL_PARTIAL | f->hflags);
	f->hoff += f->hlen;
	f->hlen = 0;
	f->hflags = ENG_TAIL_CONT;
}

/* A new file or a restart from 0: nothing continues across it. */
void
eng__tail_reset_lines(eng_tail *t, tfile *f)
{
	flush_partial(t, f);
	if (f->skipping && f->skipped > 0)
		eng__tail_mark(t, f, ENG_TAIL_MARK_CUT, f->skipped);
	f->hflags = 0;
	f->skipping = 0;
	f->skipped = 0;
}

static void
hold_append(eng_tail *t, tfile *f, const char *buf, size_t n, uint64_t off)
{
	if (f->hlen == 0) {
		f->hoff = off;
		f->hsince = uv_now(t->loop);
		if (f->hold == NULL)
			f->hold = util_xmalloc(t->max_line);
	}
	memcpy(f->hold + f->hlen, buf, n);
	f->hlen += n;
}

/*
 * Bytes at file offset off, in order: whole lines out, the rest held.
 * Returns how much was taken: less than len when the consumer paused.
 */
size_t
eng__tail_feed(eng_tail *t, tfile *f, const char *buf, size_t len, uint64_t off)
{
	size_t len0 = len;

	while (len > 0 && !t->freed && !t->paused) {
		const char *nl;
		size_t seg, room;

		if (f->skipping) {
			nl = memchr(buf, '\n', len);
			seg = nl != NULL ? (size_t)(nl - buf) : len;
			f->skipped += seg;
			if (nl == NULL)
				return len0;
			eng__tail_mark(t, f, ENG_TAIL_MARK_CUT, f->skipped);
			f->skipping = 0;
			f->skipped = 0;
			f->hflags = 0;
			buf += seg + 1;
			len -= seg + 1;
			off += seg + 1;
			continue;
		}
		nl = memchr(buf, '\n', len);
		seg = nl != NULL ? (size_t)(nl - buf) : len;
		room = t->max_line - f->hlen;
		if (seg >= room && (nl == NULL || seg > room)) {
			/* Longer than max_line: the first max_line bytes, then drop. */
			if (f->hlen == 0) {
				line(t, f, buf, room, off, ENG_TAIL_CUT | f->hflags);
			} else {
				hold_append(t, f, buf, room, off);
				line(t, f, f->hold, f->hlen, f->hoff, ENG_TAIL_CUT | f->hflags);
			}
			f->hlen = 0;
			f->skipping = 1;
			f->skipped = 0;
			buf += room;
			len -= room;
			off += room;
			continue;
		}
		if (nl == NULL) {
			hold_append(t, f, buf, seg, off);
			return len0;
		}
		if (f->hlen == 0) {
			line(t, f, buf, seg, off, f->hflags);
		} else {
			hold_append(t, f, buf, seg, off);
			line(t, f, f->hold, f->hlen, f->hoff, f->hflags);
			f->hlen = 0;
		}
		f->hflags = 0;
		buf += seg + 1;
		len -= seg + 1;
		off += seg + 1;
	}
	return len0 - len;
}

void
eng__tail_keep(char **buf, size_t *len, size_t *cap, const char *data, size_t n)
{
	if (*len + n > *cap) {
		*cap = *len + n;
		*buf = util_xrealloc(*buf, *cap);
	}
	memcpy(*buf + *len, data, n);
	*len += n;
}

/* Record bytes the consumer did not take yet (it paused). */
void
eng__tail_keep_rest(eng_tail *t, tfile *f, const char *data, size_t n, uint64_t off)
{
	t->rest_f = f;
	t->rest_off = off;
	t->rest_len = 0;
	eng__tail_keep(&t->rest, &t->rest_len, &t->rest_cap, data, n);
}

int
eng__tail_pending(const eng_tail *t)
{
	return t->rest_len > 0 || t->raw_len > 0;
}


static void
on_partial_timer(uv_timer_t *h)
{
	eng_tail *t = h->data;
	uint64_t now = uv_now(t->loop);
	size_t i;

	if (!t->paused && eng__tail_pending(t))
		eng__tail_drain(t);
	for (i = 0; i < t->nfiles && !t->freed && !t->paused; i++) {
		tfile *f = t->files[i];

		if (f != NULL && f->hlen > 0 && now - f->hsince >= (uint64_t)t->partial_ms)
			flush_partial(t, f);
	}
	if (!t->freed)
		eng__tail_arm_timer(t);
}

/* The timer runs only while some line is held: idle costs nothing. */
void
eng__tail_arm_timer(eng_tail *t)
{
	uint64_t due = UINT64_MAX, now = uv_now(t->loop);
	size_t i;

	if (t->paused) {
		/* Nothing goes out while paused; eng_tail_pause(t, 0) re-arms. */
		uv_timer_stop(&t->timer);
		return;
	}
	if (eng__tail_pending(t))
		due = now;   /* resumed: what waited goes first, from the loop */
	for (i = 0; i < t->nfiles; i++) {
		tfile *f = t->files[i];

		if (f != NULL && f->hlen > 0 && f->hsince + (uint64_t)t->partial_ms < due)
			due = f->hsince + (uint64_t)t->partial_ms;
	}
	if (due == UINT64_MAX) {
		uv_timer_stop(&t->timer);
		return;
	}
	uv_timer_start(&t->timer, on_partial_timer, due > now ? due - now : 0, 0);
}
