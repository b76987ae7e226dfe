/*
 * engine/tail.c - log tails: follow a remote file (or every match of a
 * glob, or a command's output) over one exec channel per tail on a host's
 * shared conn, installing nothing. Owns the per-file state (identity
 * dev+inode+birth, offset of the next byte, the held unfinished line, the
 * files retired by rotations), turns file
 * bytes into line events, and restarts the remote reader on a new conn when
 * the front end rebinds a detached tail. Talks to exec.c (public exec API),
 * tail_parse.c (the record parser) and the front end (eng_tail_cbs).
 *
 * Why a polling sh script and not `tail -c +N -F`: exactness. tail -F
 * switches files on rotation by itself and says so on stderr, which is not
 * ordered with its stdout, so after a rotation we could no longer tell
 * which file, or which offset, a byte came from - and a reconnect must
 * resume at an exact (inode, offset). The script (tail_script.c) prints framed
 * records instead (format in tail_int.h): every data chunk names its file's
 * dev, inode and offset, so the client checks each one against its own
 * state (a mismatch is a protocol error, never a silent gap). It uses only
 * sh, stat, dd, head, tail, wc, find, sleep (and timeout if there is one);
 * nothing is installed. GNU coreutils or busybox: dd iflag=skip_bytes and
 * stat -c are not POSIX.
 *
 * The script, per file and per tick: stat the path; same inode and bigger:
 * read [off, size) in <= 64 KB chunks with dd, each confirmed by a second
 * stat (K) or withdrawn (X: the file changed under the read - the next
 * tick sees why); smaller: truncated in place, T, read again from 0;
 * another inode or no file: rotated - the old inode is looked up in the
 * same directory (app.log.1), its rest read and R sent, else L (gone) -
 * then the new file is read from its start. Between ticks it sleeps
 * poll_ms while data flows, and when idle blocks in `tail -F` (inotify)
 * until a file changes. Host CPU per followed file, measured on this
 * machine (where one fork+exec costs about 12 ms of CPU, several times a
 * usual server's): idle about 1% of one core (stat+sleep every 250 ms
 * instead: 4.8%); 500 lines/s: 9-10%. Client: 0.48 s of CPU per million
 * 72-byte lines, decryption included. Details in tail_script.c.
 *
 * Streaming (a single file, GNU tail on the host): once the script has
 * read a followed file to its end it sends S (dev, inode, offset) and
 * hands the channel to `tail -c +OFF -f` on a descriptor it opened and
 * checked is that inode, so every later byte is that file's, in order,
 * from OFF: the client counts them and the offset stays exact. Lines
 * arrive within the reader's 100 ms look (the polling tick slept 250 ms
 * and cost three fork+execs), and the host's CPU is a few syscalls per
 * look. A `tail -F` on the name (inotify) watches for a rotation,
 * truncation or deletion; then the script says so on stderr and ends,
 * and the client starts the framed script again at its offset, which
 * handles what happened as above. GNU tail's own truncation notice comes
 * in-band (2>&1): bytes before it count, the exec is ended, and the
 * framed script decides (see stream_take).
 *
 * The remote process must not outlive the channel (NOTES-libs.md: a
 * pipeline without a pty survives channel close): the loop runs in the
 * background and the foreground shell reads stdin; at EOF (channel closed,
 * sshd gone) it kills its whole process group. The exec's own kill (a
 * stopped tail) kills the group too.
 *
 * Offsets: a file's `off` is the end of what we received. An unfinished
 * last line is held here (not re-read after a reconnect), delivered as
 * PARTIAL after partial_ms and then continued (CONT) without repeating
 * bytes. Memory per file is bounded by max_line (held line) plus one
 * 64 KB record in the parser; a consumer that pauses stops reading the
 * channel, so the SSH window closes and the script blocks in its write.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"
#include "engine/tail_int.h"

#define DEF_LINES 10
#define DEF_POLL_MS 250
#define DEF_PARTIAL_MS 3000
#define DEF_MAX_LINE 65536
#define EXIT_TAG "\036drover-tail-exit="
#define RESTREAM_TAG "\036drover-tail-restream"
/* How often the streaming reader (GNU tail on a descriptor) looks for more. */
#define STREAM_POLL "0.1"


static const char *const state_names[] = {
	"starting", "waiting", "following", "error", "detached", "ended",
};
static const char *const mark_names[] = {
	"truncated", "rotated", "lost", "restarted", "cut",
};

const char *
eng_tail_state_name(eng_tail_state st)
{
	if ((size_t)st < sizeof(state_names) / sizeof(state_names[0]))
		return state_names[st];
	return "?";
}

const char *
eng_tail_mark_name(eng_tail_mark m)
{
	if ((size_t)m < sizeof(mark_names) / sizeof(mark_names[0]))
		return mark_names[m];
	return "?";
}

/* ---- lifetime ---- */

static void
tfile_free(tfile *f)
{
	if (f == NULL)
		return;
	free(f->name);
	free(f->hold);
	free(f);
}

static void
tail_unref(eng_tail *t)
{
	size_t i;

	if (--t->refs > 0)
		return;
	for (i = 0; i < t->nfiles; i++)
		tfile_free(t->files[i]);
	free(t->files);
	free(t->ret);
	eng__tail_parser_free(&t->p);
	free(t->host);
	free(t->path);
	free(t->command);
	free(t->exit_line);
	free(t->rest);
	free(t->raw);
	free(t);
}

static void
on_timer_closed(uv_handle_t *h)
{
	tail_unref(h->data);
}

/* ---- records from the script ---- */

static tfile *
tfile_new(const char *name, size_t len, int64_t off)
{
	tfile *f = util_xcalloc(1, sizeof(*f));

	if (name != NULL) {
		f->name = util_xmalloc(len + 1);
		memcpy(f->name, name, len);
		f->name[len] = '\0';
	}
	f->off = off;
	return f;
}

static int
proto(eng_tail *t, const char *what)
{
	snprintf(t->p.err, sizeof(t->p.err), "%s", what);
	return -1;
}

#define MAX_RETIRED 256

static void
retired_add(eng_tail *t, const tfile *f, uint64_t off)
{
	if (t->nret == MAX_RETIRED) {
		/* The oldest: long since renamed out of reach (app.log.5.gz). */
		memmove(t->ret, t->ret + 1, (MAX_RETIRED - 1) * sizeof(*t->ret));
		t->nret--;
	}
	t->ret = util_xrealloc(t->ret, (t->nret + 1) * sizeof(*t->ret));
	t->ret[t->nret].dev = f->dev;
	t->ret[t->nret].ino = f->ino;
	t->ret[t->nret].birth = f->birth;
	t->ret[t->nret].off = off;
	t->nret++;
}

/* 1 if r (an A) continues a retired file at its end; the entry goes. */
static int
retired_take(eng_tail *t, const eng_tail_rec *r)
{
	size_t i;

	for (i = 0; i < t->nret; i++) {
		uint64_t off = t->ret[i].off;

		if (t->ret[i].dev != r->dev || t->ret[i].ino != r->ino ||
		    t->ret[i].birth != r->birth)
			continue;
		memmove(&t->ret[i], &t->ret[i + 1], (t->nret - i - 1) * sizeof(*t->ret));
		t->nret--;
		return r->off == off;
	}
	return 0;
}

static int
same_file(const tfile *f, const eng_tail_rec *r)
{
	return f->have_id && f->dev == r->dev && f->ino == r->ino;
}

/* One record; 0 go on, 1 stop (freed), -1 protocol error (t->p.err). */
static int
on_rec(const eng_tail_rec *r, void *ud)
{
	eng_tail *t = ud;
	tfile *f = NULL;

	if (r->type == 'G') {
		if (!t->glob)
			return proto(t, "glob record for a single file");
		if (!t->glob_waiting && !t->freed && t->cbs.on_state != NULL) {
			t->glob_waiting = 1;
			t->cbs.on_state(t, t->path, ENG_TAIL_WAITING, "no file matches", t->ud);
		}
		return t->freed;
	}
	if (r->type == 'F') {
		if (!t->glob || r->idx != t->nfiles + 1)
			return proto(t, "unexpected file record");
		t->files = util_xrealloc(t->files, (t->nfiles + 1) * sizeof(*t->files));
		t->files[t->nfiles++] = tfile_new(r->data, r->dlen, t->x_first ? -1 : 0);
		t->glob_waiting = 0;
		return 0;
	}
	if (r->idx > t->nfiles)
		return proto(t, "record for an unknown file");
	f = t->files[r->idx - 1];
	switch (r->type) {
	case 'W':
		if (f->have_id) {
			/* Only after the script reported what became of the old one. */
			return proto(t, "waiting for a file that was followed");
		}
		if (f->off < 0)
			f->off = 0;   /* appears later: all of it, like tail -F */
		eng__tail_file_state(t, f, ENG_TAIL_WAITING, NULL);
		break;
	case 'E':
		eng__tail_file_state(t, f, ENG_TAIL_ERROR, strcmp(r->data, "perm") == 0 ?
		    "permission denied" : "not a regular file");
		break;
	case 'A':
		if (f->have_id) {
			if (!same_file(f, r) || r->birth != f->birth ||
			    (int64_t)r->off != f->off)
				return proto(t, "resumed at another file or offset");
		} else {
			int adopted = retired_take(t, r);

			if (f->off >= 0 && (int64_t)r->off != f->off && !adopted)
				return proto(t, "new file started at the wrong offset");
			if (r->off > r->len || r->off > INT64_MAX)
				return proto(t, "start beyond the end of the file");
			f->have_id = 1;
			f->dev = r->dev;
			f->ino = r->ino;
			f->birth = r->birth;
			f->off = (int64_t)r->off;
			f->seen = 0;
		}
		if (r->len > f->seen)
			f->seen = r->len;
		eng__tail_file_state(t, f, ENG_TAIL_FOLLOWING, NULL);
		break;
	case 'D':
		if (!same_file(f, r) || (int64_t)r->off != f->off)
			return proto(t, "data for another file or offset");
		if (!r->ok)
			break;   /* changed under the read: the script says how next */
		f->off += (int64_t)r->len;
		t->received += r->len;
		if ((uint64_t)f->off > f->seen)
			f->seen = (uint64_t)f->off;
		{
			size_t n = eng__tail_feed(t, f, r->data, r->dlen, r->off);

			if (n < r->dlen && !t->freed) {
				eng__tail_keep_rest(t, f, r->data + n, r->dlen - n, r->off + n);
				return 1;
			}
		}
		break;
	case 'S':
		if (t->glob || !same_file(f, r) || (int64_t)r->off != f->off)
			return proto(t, "stream of another file or offset");
		/* The rest of the channel is this file's bytes from f->off on. */
		t->streaming = 1;
		return 1;
	case 'T':
		if (!same_file(f, r) || r->len >= (uint64_t)f->off)
			return proto(t, "bad truncation record");
		eng__tail_reset_lines(t, f);
		eng__tail_mark(t, f, ENG_TAIL_MARK_TRUNCATED, 0);
		f->off = 0;
		f->seen = r->len;
		break;
	case 'R':
	case 'L':
		if (!same_file(f, r) || (int64_t)r->off != f->off)
			return proto(t, "rotation record for another file or offset");
		eng__tail_reset_lines(t, f);
		/* Both: should it show up again (a glob), it goes on from r->off. */
		retired_add(t, f, r->off);
		if (r->type == 'L')
			eng__tail_mark(t, f, ENG_TAIL_MARK_LOST, f->seen > r->off ? f->seen - r->off : 0);
		eng__tail_mark(t, f, ENG_TAIL_MARK_ROTATED, 0);
		f->have_id = 0;
		f->off = 0;
		f->seen = 0;
		break;
	default:
		return proto(t, "unexpected record");
	}
	return t->freed;
}

/* ---- the exec ---- */

static int tail_exec(eng_tail *t);

/* 'x' into buf as one shell word in single quotes. */
static void
sq(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
	size_t i;

	/* The worst case: every byte a quote, 4 bytes each. */
	if (*len + 4 * n + 3 > *cap) {
		*cap = (*len + 4 * n + 3) * 2;
		*buf = util_xrealloc(*buf, *cap);
	}
	(*buf)[(*len)++] = '\'';
	for (i = 0; i < n; i++) {
		if (s[i] == '\'') {
			memcpy(*buf + *len, "'\\''", 4);
			*len += 4;
		} else {
			(*buf)[(*len)++] = s[i];
		}
	}
	(*buf)[(*len)++] = '\'';
	(*buf)[*len] = '\0';
}

static void
add(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);

	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = util_xrealloc(*buf, *cap);
	}
	memcpy(*buf + *len, s, n + 1);
	*len += n;
}

/*
 * The command for the exec: `exec sh -c '<script>' drover-tail`, the
 * script being its settings, what we know of each file, then the body.
 * sh -c because the login shell may be bash, zsh or fish.
 */
static char *
tail_command(eng_tail *t)
{
	char *s = NULL, *cmd = NULL, tmp[256];
	size_t len = 0, cap = 0, clen = 0, ccap = 0, i;

	if (t->command != NULL) {
		/*
		 * stdin is the channel: saved on fd 3 for the watcher, as an
		 * asynchronous list gets /dev/null. When the command ends its
		 * status goes to stderr (tagged) and the group is killed.
		 */
		add(&s, &len, &cap, "exec 3<&0\n{ ");
		add(&s, &len, &cap, t->command);
		add(&s, &len, &cap, "\n} </dev/null 2>&1 &\nc=$!\n"
		    "{ while read -r _; do :; done; kill 0; } <&3 3<&- &\n"
		    "exec 3<&-\nwait $c\ns=$?\n"
		    "printf '\\036drover-tail-exit=%s\\n' \"$s\" >&2\nkill 0\n");
	} else {
		snprintf(tmp, sizeof(tmp), "T=%d.%03d C=%d NL=%d G=%d FIRST=%d M=%zu SS=%d "
		    "S=" STREAM_POLL " gw=\nP=", t->poll_ms / 1000, t->poll_ms % 1000,
		    ENG_TAIL_CHUNK, t->lines, t->glob, t->first, t->nfiles, !t->no_stream);
		add(&s, &len, &cap, tmp);
		sq(&s, &len, &cap, t->path, strlen(t->path));
		add(&s, &len, &cap, "\nRET=' ");
		for (i = 0; i < t->nret; i++) {
			snprintf(tmp, sizeof(tmp), "%" PRIu64 ":%" PRIu64 ":%" PRIu64 ":%" PRIu64 " ",
			    t->ret[i].dev, t->ret[i].ino, t->ret[i].birth, t->ret[i].off);
			add(&s, &len, &cap, tmp);
		}
		add(&s, &len, &cap, "'\n");
		for (i = 0; i < t->nfiles; i++) {
			tfile *f = t->files[i];

			snprintf(tmp, sizeof(tmp), "n_%zu=", i + 1);
			add(&s, &len, &cap, tmp);
			sq(&s, &len, &cap, f->name, strlen(f->name));
			if (f->have_id)
				snprintf(tmp, sizeof(tmp), " d_%zu=%" PRIu64 " i_%zu=%" PRIu64
				    " b_%zu=%" PRIu64 " o_%zu=%" PRId64 " w_%zu=\n", i + 1, f->dev,
				    i + 1, f->ino, i + 1, f->birth, i + 1, f->off, i + 1);
			else
				snprintf(tmp, sizeof(tmp), " d_%zu= i_%zu= b_%zu= o_%zu=%" PRId64
				    " w_%zu=\n", i + 1, i + 1, i + 1, i + 1, f->off, i + 1);
			add(&s, &len, &cap, tmp);
		}
		add(&s, &len, &cap, eng__tail_script);
	}
	add(&cmd, &clen, &ccap, "exec sh -c ");
	sq(&cmd, &clen, &ccap, s, len);
	add(&cmd, &clen, &ccap, " drover-tail");
	free(s);
	return cmd;
}

/*
 * Tagged lines on stderr: a command wrapper's exit status, a file script's
 * end of a stream (start me again). Other stderr is ignored.
 */
static void
tail_stderr(eng_tail *t, const char *buf, size_t len)
{
	size_t i, taglen = strlen(EXIT_TAG);

	for (i = 0; i < len; i++) {
		if (buf[i] == '\n') {
			if (t->command != NULL && t->exit_len > taglen &&
			    memcmp(t->exit_line, EXIT_TAG, taglen) == 0) {
				t->exit_line[t->exit_len] = '\0';
				t->exit_status = atoi(t->exit_line + taglen);
			}
			if (t->command == NULL && t->exit_len == strlen(RESTREAM_TAG) &&
			    memcmp(t->exit_line, RESTREAM_TAG, t->exit_len) == 0)
				t->restream = 1;
			t->exit_len = 0;
			continue;
		}
		if (t->exit_line == NULL)
			t->exit_line = util_xmalloc(64);
		if (t->exit_len < 63)
			t->exit_line[t->exit_len++] = buf[i];
	}
}

void
eng__tail_fail_protocol(eng_tail *t)
{
	char *msg = util_xasprintf("tail protocol error: %s", t->p.err);

	ENG_LOG(t->c->ctx, "%s: %s", t->host, msg);
	t->killed_by_us = 1;
	eng__tail_set_state(t, ENG_TAIL_ERROR, msg);
	free(msg);
	if (t->x != NULL)
		eng_exec_kill(t->x);
}

/* A file tail's channel bytes through the parser; a pause keeps the rest. */
static int
take(eng_tail *t, const char *buf, size_t len)
{
	size_t used;
	int r;

	while (len > 0 && !t->freed) {
		if (t->stream_over)
			return 0;
		if (t->paused || eng__tail_pending(t)) {
			eng__tail_keep(&t->raw, &t->raw_len, &t->raw_cap, buf, len);
			return 0;
		}
		if (t->streaming) {
			eng__tail_stream_take(t, buf, len);
			return 0;
		}
		r = eng__tail_parse(&t->p, buf, len, &used, on_rec, t);
		if (r < 0)
			return -1;
		buf += used;
		len -= used;
		if (r == 0)
			break;
	}
	return 0;
}

/* A command's output: lines straight away; a pause keeps the rest. */
static void
take_command(eng_tail *t, const char *buf, size_t len)
{
	tfile *f = t->files[0];
	uint64_t off = (uint64_t)f->off;
	size_t n = 0;

	f->off += (int64_t)len;
	t->received += len;
	if (eng__tail_pending(t)) {
		eng__tail_keep(&t->rest, &t->rest_len, &t->rest_cap, buf, len);
		return;
	}
	n = eng__tail_feed(t, f, buf, len, off);
	if (n < len && !t->freed)
		eng__tail_keep_rest(t, f, buf + n, len - n, off + n);
}

/* After a resume, from the loop: what waited goes out before the channel reopens. */
void
eng__tail_drain(eng_tail *t)
{
	if (t->rest_len > 0) {
		size_t n = eng__tail_feed(t, t->rest_f, t->rest, t->rest_len, t->rest_off);

		memmove(t->rest, t->rest + n, t->rest_len - n);
		t->rest_len -= n;
		t->rest_off += n;
		if (t->rest_len > 0 || t->freed)
			return;
	}
	if (t->raw_len > 0) {
		char *b = t->raw;
		size_t n = t->raw_len;

		t->raw = NULL;
		t->raw_len = t->raw_cap = 0;
		if (take(t, b, n) < 0)
			eng__tail_fail_protocol(t);
		free(b);
		if (eng__tail_pending(t) || t->freed || t->paused)
			return;
	}
	if (t->x != NULL && !t->paused)
		eng_exec_pause(t->x, 0);
}

static void
on_x_data(eng_exec *x, int stream, const char *buf, size_t len, void *ud)
{
	eng_tail *t = ud;

	(void)x;
	if (t->freed || t->killed_by_us)
		return;
	if (stream == 2) {
		tail_stderr(t, buf, len);
		return;
	}
	t->first = 0;   /* the first script ran: no initial lines after this */
	if (t->st != ENG_TAIL_FOLLOWING)
		eng__tail_set_state(t, ENG_TAIL_FOLLOWING, NULL);
	if (t->command != NULL)
		take_command(t, buf, len);
	else if (take(t, buf, len) < 0)
		eng__tail_fail_protocol(t);
	if (!t->freed)
		eng__tail_arm_timer(t);
}

static void
on_x_done(eng_exec *x, const eng_exec_result *r, void *ud)
{
	eng_tail *t = ud;
	eng_conn *c = t->c;
	char *msg = NULL;
	int restream = t->restream;

	(void)x;
	t->x = NULL;
	t->c = NULL;
	if (t->freed) {
		tail_unref(t);
		return;
	}
	t->refs--;   /* the exec's; the timer's stays */
	/*
	 * A record cut short, and channel bytes a pause kept unparsed, are
	 * not counted in any offset: the next script sends them again.
	 */
	eng__tail_parser_reset(&t->p);
	t->raw_len = 0;
	t->sheld_len = 0;
	t->streaming = t->stream_over = t->restream = 0;
	/*
	 * A stream ends on purpose (the path changed, or the file shrank):
	 * the framed script, started again at our offset, says how.
	 */
	if (restream && !t->killed_by_us && r->error == NULL && c != NULL && !c->dead &&
	    !c->close_req) {
		t->c = c;
		if (tail_exec(t) == 0)
			return;
		t->c = NULL;
	}
	if (t->killed_by_us) {
		t->killed_by_us = 0;
		return;   /* ERROR was reported */
	}
	if (r->error != NULL) {
		eng__tail_set_state(t, ENG_TAIL_DETACHED, r->error);
		return;
	}
	if (t->command != NULL) {
		eng__tail_reset_lines(t, t->files[0]);
		if (t->exit_status >= 0)
			msg = util_xasprintf("command exited with status %d", t->exit_status);
		eng__tail_set_state(t, ENG_TAIL_ENDED, msg != NULL ? msg : "command ended");
	} else {
		msg = util_xasprintf("remote reader ended (status %d%s%s)", r->exit_status,
		    r->signal != NULL ? ", signal " : "", r->signal != NULL ? r->signal : "");
		eng__tail_set_state(t, ENG_TAIL_ERROR, msg);
	}
	free(msg);
}

static int
tail_exec(eng_tail *t)
{
	static const eng_exec_cbs xcbs = { on_x_data, on_x_done };
	char *cmd = tail_command(t);
	int r;

	eng__tail_parser_reset(&t->p);
	t->streaming = t->stream_over = t->restream = 0;
	t->sheld_len = 0;
	t->x_first = t->first;
	t->exit_status = -1;
	t->exit_len = 0;
	r = eng_exec_start(t->c, cmd, NULL, &xcbs, t, &t->x);
	free(cmd);
	if (r != 0)
		return r;
	t->refs++;
	if (t->paused || eng__tail_pending(t))
		eng_exec_pause(t->x, 1);
	return 0;
}

/* ---- public ---- */

int
eng_tail_start(eng_conn *c, const eng_tail_opts *opts, const eng_tail_cbs *cbs,
    void *ud, eng_tail **out)
{
	eng_tail *t = NULL;
	int r = ENG_EINVAL;

	if (out != NULL)
		*out = NULL;
	if (c == NULL || opts == NULL || out == NULL ||
	    (opts->path == NULL) == (opts->command == NULL) ||
	    (opts->path != NULL && opts->path[0] == '\0') ||
	    (opts->command != NULL && opts->command[0] == '\0') ||
	    (opts->max_line != 0 && opts->max_line < 16))
		goto out;
	r = ENG_ECLOSED;
	if (c->dead || c->close_req)
		goto out;
	t = util_xcalloc(1, sizeof(*t));
	t->loop = c->ctx->loop;
	t->c = c;
	t->host = util_xstrdup(c->name);
	t->path = util_xstrdup(opts->path);
	t->command = util_xstrdup(opts->command);
	t->glob = opts->path != NULL && strpbrk(opts->path, "*?[") != NULL;
	t->lines = opts->lines == 0 ? DEF_LINES : opts->lines < 0 ? 0 : opts->lines;
	t->poll_ms = opts->poll_ms > 0 ? opts->poll_ms : DEF_POLL_MS;
	t->partial_ms = opts->partial_ms > 0 ? opts->partial_ms : DEF_PARTIAL_MS;
	t->max_line = opts->max_line > 0 ? opts->max_line : DEF_MAX_LINE;
	t->no_stream = opts->no_stream;
	if (cbs != NULL)
		t->cbs = *cbs;
	t->ud = ud;
	t->first = 1;
	t->st = ENG_TAIL_STARTING;
	if (!t->glob) {
		t->files = util_xcalloc(1, sizeof(*t->files));
		t->files[0] = tfile_new(opts->path, opts->path != NULL ? strlen(opts->path) : 0,
		    t->command != NULL ? 0 : -1);
		t->nfiles = 1;
	}
	uv_timer_init(t->loop, &t->timer);
	t->timer.data = t;
	t->refs = 1;
	if ((r = tail_exec(t)) != 0) {
		/* Never started: no callback; the timer handle goes first. */
		t->freed = 1;
		uv_close((uv_handle_t *)&t->timer, on_timer_closed);
		t = NULL;
		goto out;
	}
	t->ever_ran = 1;
	*out = t;
	r = 0;
out:
	return r;
}

int
eng_tail_rebind(eng_tail *t, eng_conn *c)
{
	eng_conn *old;
	int r;

	if (t == NULL || c == NULL || t->freed)
		return ENG_EINVAL;
	if (t->x != NULL)
		return ENG_ESTATE;
	if (c->dead || c->close_req)
		return ENG_ECLOSED;
	old = t->c;
	t->c = c;
	free(t->host);
	t->host = util_xstrdup(c->name);
	if ((r = tail_exec(t)) != 0) {
		t->c = old;
		return r;
	}
	t->st = ENG_TAIL_STARTING;
	if (t->command != NULL && t->ever_ran) {
		eng__tail_reset_lines(t, t->files[0]);
		eng__tail_mark(t, t->files[0], ENG_TAIL_MARK_RESTARTED, 0);
	}
	return 0;
}

void
eng_tail_pause(eng_tail *t, int paused)
{
	if (t == NULL || t->freed || t->paused == !!paused)
		return;
	t->paused = !!paused;
	/* Resuming: what waited here goes first (drain), then the channel. */
	if (t->x != NULL && (t->paused || !eng__tail_pending(t)))
		eng_exec_pause(t->x, t->paused);
	eng__tail_arm_timer(t);
}

uint64_t
eng_tail_received(const eng_tail *t)
{
	return t != NULL ? t->received : 0;
}

void
eng_tail_free(eng_tail *t)
{
	if (t == NULL || t->freed)
		return;
	t->freed = 1;
	uv_timer_stop(&t->timer);
	uv_close((uv_handle_t *)&t->timer, on_timer_closed);
	if (t->x != NULL) {
		/* Its on_done drops the last reference. */
		eng_exec_pause(t->x, 0);
		eng_exec_kill(t->x);
	}
}
