/*
 * tui/cli/batch.c - the headless printers for a fan-out: streamed "host: line"
 * output, grouped identical results (like dshbak -c / clush -b), JSON lines,
 * raw per-host files (--outdir), and the final summary with the exit code.
 * Everything printed that came from a host goes through tui_sanitize (or
 * the JSON escaper); only --outdir files hold raw bytes.
 *
 * Memory is bounded whatever the hosts print: what -o group / -o json keep
 * per host is capped (BATCH_MEM_BUDGET shared by the hosts, within
 * [BATCH_CAP_MIN, BATCH_CAP_MAX] per stream); the rest is counted, the
 * record says it was cut, and a cut host is never grouped with another.
 * --outdir files are created exclusively under unpredictable names, private
 * (0600), and renamed into place only when complete. A write that fails
 * (a closed pipe, a full disk) is remembered for the caller, which stops
 * the run and exits non-zero.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tui/cli/batch_int.h"

#define LINE_CAP (64 * 1024)   /* a "line" longer than this is cut */
#define BATCH_MEM_BUDGET ((size_t)256 << 20)   /* all hosts' kept output */
#define BATCH_CAP_MIN ((size_t)64 << 10)       /* per host and stream */
#define BATCH_CAP_MAX ((size_t)16 << 20)

static const int palette[] = { 36, 32, 33, 35, 34, 31 };

tui_batch *
tui_batch_new(const tui_batch_opts *o, size_t n, const char *const *names)
{
	tui_batch *b = util_xcalloc(1, sizeof(*b));
	size_t i;

	b->h = util_xcalloc(n, sizeof(bhost));
	b->o = *o;
	b->n = n;
	b->cap = n > 0 ? BATCH_MEM_BUDGET / (2 * n) : BATCH_CAP_MAX;
	if (b->cap < BATCH_CAP_MIN)
		b->cap = BATCH_CAP_MIN;
	if (b->cap > BATCH_CAP_MAX)
		b->cap = BATCH_CAP_MAX;
	for (i = 0; i < n; i++) {
		b->h[i].name = tui_sanitize_str(names[i]);
		b->h[i].fd[1] = b->h[i].fd[2] = -1;
	}
	return b;
}

/* Host names may hold anything a user typed: keep file names tame. */
static char *
file_name(const char *dir, const char *host, const char *ext, int tmp)
{
	tui_buf b = { 0 };
	const char *p;

	tui_buf_addstr(&b, dir);
	tui_buf_addstr(&b, tmp ? "/." : "/");
	for (p = host; *p; p++) {
		char ch = *p;

		if (ch == '/' || (unsigned char)ch < 0x20)
			ch = '_';
		tui_buf_add(&b, &ch, 1);
	}
	tui_buf_addstr(&b, ext);
	/* mkostemp's unpredictable part: nobody can plant the name first. */
	if (tmp)
		tui_buf_addstr(&b, ".XXXXXX");
	return b.p;
}

int
tui_batch_prepare(tui_batch *b, char **cause)
{
	size_t i;
	int s;

	if (b->o.outdir == NULL)
		return 0;
	if (mkdir(b->o.outdir, 0700) < 0 && errno != EEXIST) {
		if (cause != NULL)
			*cause = util_xasprintf("--outdir %s: %s", b->o.outdir, strerror(errno));
		return -1;
	}
	for (i = 0; i < b->n; i++) {
		for (s = 1; s <= 2; s++) {
			b->h[i].tmp[s] = file_name(b->o.outdir, b->h[i].name,
			    s == 1 ? ".out" : ".err", 1);
			b->h[i].dst[s] = file_name(b->o.outdir, b->h[i].name,
			    s == 1 ? ".out" : ".err", 0);
		}
	}
	return 0;
}

static void
file_failed(tui_batch *b, bhost *h, const char *what, const char *path)
{
	int e = errno;

	fprintf(stderr, "drover: %s %s: %s\n", what, path, strerror(e));
	h->werr = 1;
	if (b->file_errno == 0)
		b->file_errno = e != 0 ? e : EIO;
}

/*
 * The temporary of one output file: O_EXCL under a random name (a planted
 * file or symlink makes it fail, never followed), mode 0600 whatever the
 * umask.
 */
static int
open_tmp(tui_batch *b, bhost *h, int s)
{
	if (h->fd[s] >= 0 || h->werr)
		return h->fd[s];
	h->fd[s] = mkostemp(h->tmp[s], O_CLOEXEC);
	if (h->fd[s] < 0)
		file_failed(b, h, "creating", h->tmp[s]);
	return h->fd[s];
}

static void
write_raw(tui_batch *b, bhost *h, int s, const char *buf, size_t len)
{
	ssize_t w;

	if (open_tmp(b, h, s) < 0)
		return;
	while (len > 0) {
		w = write(h->fd[s], buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			file_failed(b, h, "writing", h->tmp[s]);
			return;
		}
		buf += w;
		len -= (size_t)w;
	}
}

/* Output for the operator: a failed write (EPIPE, ENOSPC) is remembered. */
void
tui__batch_out_write(tui_batch *b, FILE *f, const char *p, size_t len)
{
	if (b->out_errno != 0 && f == stdout)
		return;
	errno = 0;
	if (fwrite(p, 1, len, f) != len || ferror(f)) {
		if (f == stdout && b->out_errno == 0)
			b->out_errno = errno != 0 ? errno : EIO;
		clearerr(f);
	}
}

void
tui__batch_out_flush(tui_batch *b)
{
	errno = 0;
	if (fflush(stdout) != 0 && b->out_errno == 0)
		b->out_errno = errno != 0 ? errno : EIO;
}

int
tui_batch_write_error(const tui_batch *b)
{
	return b->out_errno;
}

static void
print_prefix(tui_buf *out, tui_batch *b, size_t idx, int stream)
{
	int color = stream == 1 ? b->o.color_out : b->o.color_err;

	if (color)
		tui_buf_addf(out, "\033[%dm%s%s\033[0m: ",
		    palette[idx % (sizeof(palette) / sizeof(palette[0]))],
		    b->h[idx].name, stream == 2 ? " [stderr]" : "");
	else
		tui_buf_addf(out, "%s%s: ", b->h[idx].name, stream == 2 ? " [stderr]" : "");
}

static void
emit_line(tui_batch *b, size_t idx, int stream, const char *line, size_t len)
{
	tui_buf out = { 0 };

	print_prefix(&out, b, idx, stream);
	tui_sanitize(&out, line, len);
	tui_buf_add(&out, "\n", 1);
	tui__batch_out_write(b, stream == 1 ? stdout : stderr, out.p, out.len);
	tui_buf_free(&out);
}

static void json_str_or_null(tui_buf *o, const char *s);

/* What -o group / json / diff keep of a host's stream, within the cap. */
static void
keep(tui_batch *b, bhost *h, int s, const char *buf, size_t len)
{
	size_t room = h->cap[s].len < b->cap ? b->cap - h->cap[s].len : 0;

	h->total[s] += len;
	tui_buf_add(&h->cap[s], buf, len < room ? len : room);
}

void
tui_batch_data(tui_batch *b, size_t idx, int s, const char *buf, size_t len)
{
	bhost *h = &b->h[idx];
	tui_buf *l = &h->line[s];
	const char *nl;

	if (s != 1 && s != 2)
		return;
	/* Files and the printed mode both: --outdir does not silence -o. */
	if (b->o.outdir != NULL)
		write_raw(b, h, s, buf, len);
	if (b->o.mode == TUI_OUT_NONE)
		return;
	if (b->o.mode != TUI_OUT_STREAM) {
		keep(b, h, s, buf, len);
		return;
	}
	while (len > 0) {
		nl = memchr(buf, '\n', len);
		if (nl == NULL) {
			tui_buf_add(l, buf, len);
			if (l->len >= LINE_CAP) {
				emit_line(b, idx, s, l->p, l->len);
				tui_buf_reset(l);
			}
			return;
		}
		if (l->len > 0) {
			tui_buf_add(l, buf, (size_t)(nl - buf));
			emit_line(b, idx, s, l->p, l->len);
			tui_buf_reset(l);
		} else {
			emit_line(b, idx, s, buf, (size_t)(nl - buf));
		}
		len -= (size_t)(nl - buf) + 1;
		buf = nl + 1;
	}
}

/*
 * A device command's output (--cli). Stream: "host [command]: line".
 * JSON: one object per host and command. Group and diff: the host's
 * commands in order, each under a "[command]" line, so hosts group (and
 * diff) on everything they answered.
 */
void
tui_batch_command(tui_batch *b, size_t idx, const char *cmd, const char *buf, size_t len)
{
	bhost *h = &b->h[idx];
	tui_buf o = { 0 }, pre = { 0 };
	const char *p = buf, *end = buf + len, *nl;

	if (b->o.outdir != NULL) {
		tui_buf_addf(&o, "[%s]\n", cmd);
		write_raw(b, h, 1, o.p, o.len);
		write_raw(b, h, 1, buf, len);
		tui_buf_reset(&o);
	}
	switch (b->o.mode) {
	case TUI_OUT_NONE:
		break;
	case TUI_OUT_JSON:
		tui_buf_addstr(&o, "{\"host\":");
		json_str_or_null(&o, h->name);
		tui_buf_addstr(&o, ",\"command\":");
		json_str_or_null(&o, cmd);
		tui_buf_addstr(&o, ",\"output\":\"");
		tui_json_escape(&o, buf, len);
		tui_buf_addstr(&o, "\"}\n");
		tui__batch_out_write(b, stdout, o.p, o.len);
		tui__batch_out_flush(b);
		break;
	case TUI_OUT_STREAM:
		print_prefix(&pre, b, idx, 1);
		/* "h1: " becomes "h1 [show version]: " */
		if (pre.len >= 2)
			pre.len -= 2;
		tui_buf_addstr(&pre, " [");
		tui_sanitize(&pre, cmd, strlen(cmd));
		tui_buf_addstr(&pre, "]: ");
		while (p < end) {
			nl = memchr(p, '\n', (size_t)(end - p));
			tui_buf_add(&o, pre.p, pre.len);
			tui_sanitize(&o, p, (size_t)((nl ? nl : end) - p));
			tui_buf_add(&o, "\n", 1);
			p = nl ? nl + 1 : end;
		}
		tui__batch_out_write(b, stdout, o.p, o.len);
		break;
	default:
		tui_buf_addf(&o, "[%s]\n", cmd);
		tui_buf_add(&o, buf, len);
		if (len > 0 && buf[len - 1] != '\n')
			tui_buf_add(&o, "\n", 1);
		keep(b, h, 1, o.p, o.len);
		break;
	}
	tui_buf_free(&o);
	tui_buf_free(&pre);
}

static void
json_str_or_null(tui_buf *o, const char *s)
{
	if (s == NULL) {
		tui_buf_addstr(o, "null");
		return;
	}
	tui_buf_addstr(o, "\"");
	tui_json_escape(o, s, strlen(s));
	tui_buf_addstr(o, "\"");
}

static void
finish_files(tui_batch *b, bhost *h)
{
	int s;

	for (s = 1; s <= 2; s++) {
		if (h->tmp[s] == NULL)
			continue;
		/* An empty output is an empty file: the host ran and said nothing. */
		open_tmp(b, h, s);
		if (h->fd[s] >= 0) {
			if (close(h->fd[s]) < 0)
				file_failed(b, h, "writing", h->tmp[s]);
			h->fd[s] = -1;
		}
		/* All or nothing: a file that failed to write is not left behind. */
		if (!h->werr && rename(h->tmp[s], h->dst[s]) < 0)
			file_failed(b, h, "renaming to", h->dst[s]);
		if (h->werr)
			unlink(h->tmp[s]);
	}
}

/* ,"stdout_bytes":N,"stdout_cut":false[,"stdout_file":PATH] for one stream. */
static void
json_stream_facts(tui_buf *o, const tui_batch *b, const bhost *h, int s)
{
	const char *name = s == 1 ? "stdout" : "stderr";

	tui_buf_addf(o, ",\"%s_bytes\":%llu,\"%s_cut\":%s", name,
	    (unsigned long long)h->total[s], name,
	    h->total[s] > h->cap[s].len ? "true" : "false");
	/* Output written to a file says where it went. */
	if (b->o.outdir != NULL) {
		tui_buf_addf(o, ",\"%s_file\":", name);
		if (h->werr) {
			tui_buf_addstr(o, "null");
		} else {
			tui_buf_addstr(o, "\"");
			tui_json_escape(o, h->dst[s], strlen(h->dst[s]));
			tui_buf_addstr(o, "\"");
		}
	}
}

void
tui_batch_host_done(tui_batch *b, size_t idx, const eng_fanout_host *fh)
{
	bhost *h = &b->h[idx];
	char dur[32];
	int s;

	h->done = 1;
	b->live_dirty = 1;
	for (s = 1; s <= 2; s++) {
		if (b->o.mode == TUI_OUT_STREAM && h->line[s].len > 0) {
			emit_line(b, idx, s, h->line[s].p, h->line[s].len);
			tui_buf_reset(&h->line[s]);
		}
	}
	if (b->o.outdir != NULL)
		finish_files(b, h);
	eng_format_duration(fh->end_ms - fh->start_ms, dur, sizeof(dur));
	if (b->o.mode == TUI_OUT_JSON) {
		tui_buf o = { 0 };

		tui_buf_addstr(&o, "{\"host\":");
		json_str_or_null(&o, fh->name);
		tui_buf_addf(&o, ",\"state\":\"%s\",\"exit\":", tui_outcome_word(tui_host_outcome(fh)));
		if (fh->exit_status >= 0)
			tui_buf_addf(&o, "%d", fh->exit_status);
		else
			tui_buf_addstr(&o, "null");
		tui_buf_addstr(&o, ",\"signal\":");
		json_str_or_null(&o, fh->signal);
		tui_buf_addstr(&o, ",\"stdout\":\"");
		tui_json_escape(&o, h->cap[1].p ? h->cap[1].p : "", h->cap[1].len);
		tui_buf_addstr(&o, "\",\"stderr\":\"");
		tui_json_escape(&o, h->cap[2].p ? h->cap[2].p : "", h->cap[2].len);
		tui_buf_addf(&o, "\",\"duration\":%.3f,\"error\":",
		    (double)(fh->end_ms - fh->start_ms) / 1000.0);
		json_str_or_null(&o, fh->error);
		json_stream_facts(&o, b, h, 1);
		json_stream_facts(&o, b, h, 2);
		tui_buf_addstr(&o, "}\n");
		tui__batch_out_write(b, stdout, o.p, o.len);
		tui__batch_out_flush(b);
		tui_buf_free(&o);
		tui_buf_free(&h->cap[1]);
		tui_buf_free(&h->cap[2]);
	}
	/* The live view shows states in place; lines here would scroll it away. */
	if (b->o.quiet || b->o.live)
		return;
	if (fh->state != ENG_HOST_OK || b->o.verbose) {
		char *why = tui_sanitize_str(fh->error);

		tui__batch_out_flush(b);
		fprintf(stderr, "drover: %s: %s%s%s (%s)\n", h->name, tui_host_state_label(fh),
		    fh->error ? ": " : "", fh->error ? why : "", dur);
		free(why);
	}
}

/* ---- grouped output ---- */

static const tui_batch *sort_b;
static const eng_fanout_host *const *sort_h;

static int
cut(const bhost *h)
{
	return h->total[1] > h->cap[1].len || h->total[2] > h->cap[2].len;
}

static int
result_cmp(size_t i, size_t j)
{
	tui_result x = { sort_h[i], &sort_b->h[i].cap[1],
	    &sort_b->h[i].cap[2] };
	tui_result y = { sort_h[j], &sort_b->h[j].cap[1],
	    &sort_b->h[j].cap[2] };
	int c = tui_result_cmp(&x, &y);

	/* What was cut is unknown: a cut host is a group of its own. */
	if (c == 0 && i != j && (cut(&sort_b->h[i]) || cut(&sort_b->h[j])))
		c = i < j ? -1 : 1;
	return c;
}

static int
idx_cmp(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = result_cmp(i, j);

	if (c != 0)
		return c;
	return i < j ? -1 : i > j;
}

void
tui__batch_order(const tui_batch *b, const eng_fanout_host *const *hosts, size_t *ord, size_t n)
{
	sort_b = b;
	sort_h = hosts;
	qsort(ord, n, sizeof(size_t), idx_cmp);
}

int
tui__batch_same(size_t i, size_t j)
{
	return result_cmp(i, j) == 0;
}

static void
add_lines(tui_buf *out, const char *mark, const tui_buf *cap, uint64_t total)
{
	const char *p = cap->p, *end = cap->p + cap->len, *nl;

	while (p != NULL && p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		tui_buf_addstr(out, mark);
		tui_sanitize(out, p, (size_t)((nl ? nl : end) - p));
		tui_buf_add(out, "\n", 1);
		p = nl ? nl + 1 : end;
	}
	if (total > cap->len)
		tui_buf_addf(out, "%s[drover: output cut after %zu of %llu bytes]\n", mark,
		    cap->len, (unsigned long long)total);
}

/* One group's header: its hosts, how many, and what happened if not ok. */
static void
group_header(tui_buf *out, const eng_fanout_host *fh, const char *fold, size_t n,
    const char *note)
{
	char *why = tui_sanitize_str(fh->error);

	tui_buf_addf(out, "---------------\n%s (%zu)", fold, n);
	if (fh->state != ENG_HOST_OK)
		tui_buf_addf(out, " %s%s%s", tui_host_state_label(fh),
		    fh->error ? ": " : "", fh->error ? why : "");
	tui_buf_addf(out, "%s\n---------------\n", note);
	free(why);
}

/*
 * -o group: each group's output once. -o diff: the largest group's (the
 * majority) once, then every other group as a unified diff against it.
 */
static void
print_groups(tui_batch *b, const eng_fanout_host *const *hosts)
{
	size_t *ord = util_xcalloc(b->n, sizeof(size_t));
	size_t *gstart = util_xcalloc(b->n + 1, sizeof(size_t));
	const char **names = util_xcalloc(b->n, sizeof(char *));
	char **folds = util_xcalloc(b->n, sizeof(char *));
	tui_buf out = { 0 };
	size_t i, j, g, ng = 0, major = 0;
	int diff = b->o.mode == TUI_OUT_DIFF;

	for (i = 0; i < b->n; i++)
		ord[i] = i;
	sort_b = b;
	sort_h = hosts;
	qsort(ord, b->n, sizeof(size_t), idx_cmp);
	for (i = 0; i < b->n; i = j) {
		for (j = i; j < b->n && result_cmp(ord[i], ord[j]) == 0; j++)
			names[j - i] = b->h[ord[j]].name;
		folds[ng] = tui_fold_hosts(names, j - i);
		gstart[ng++] = i;
	}
	gstart[ng] = b->n;
	for (g = 1; g < ng; g++)
		if (gstart[g + 1] - gstart[g] > gstart[major + 1] - gstart[major])
			major = g;
	for (g = 0; g < ng; g++) {
		/* The majority first in diff mode, the others in their order. */
		size_t gi = !diff ? g : g == 0 ? major : g <= major ? g - 1 : g;
		size_t first = ord[gstart[gi]], n = gstart[gi + 1] - gstart[gi];
		const bhost *h = &b->h[first], *m = &b->h[ord[gstart[major]]];
		char *mname;

		tui_buf_reset(&out);
		if (!diff || gi == major || ng == 1) {
			group_header(&out, hosts[first], folds[gi], n,
			    diff && ng > 1 ? " (majority)" : "");
			add_lines(&out, "", &h->cap[1], h->total[1]);
			add_lines(&out, "[stderr] ", &h->cap[2], h->total[2]);
		} else {
			group_header(&out, hosts[first], folds[gi], n, "");
			mname = util_xasprintf("%s (majority)", folds[major]);
			if (tui_diff(&out, m->cap[1].p, m->cap[1].len, h->cap[1].p, h->cap[1].len,
			    mname, folds[gi]) != 0) {
				tui_buf_addstr(&out, "[drover: too large to diff; its output:]\n");
				add_lines(&out, "", &h->cap[1], h->total[1]);
			}
			free(mname);
			add_lines(&out, "[stderr] ", &h->cap[2], h->total[2]);
		}
		tui__batch_out_write(b, stdout, out.p, out.len);
	}
	for (i = 0; i < b->n; i++) {
		tui_buf_free(&b->h[i].cap[1]);
		tui_buf_free(&b->h[i].cap[2]);
	}
	for (g = 0; g < ng; g++)
		free(folds[g]);
	tui_buf_free(&out);
	tui__batch_out_flush(b);
	free(ord);
	free(gstart);
	free(folds);
	free(names);
}

int
tui_batch_finish(tui_batch *b, const eng_fanout *f, uint64_t total_ms)
{
	const eng_fanout_host **hosts = util_xcalloc(b->n ? b->n : 1, sizeof(*hosts));
	size_t i;
	int code;

	for (i = 0; i < b->n; i++)
		hosts[i] = eng_fanout_host_get(f, i);
	code = tui_batch_finish_hosts(b, hosts, total_ms);
	free(hosts);
	return code;
}

int
tui_batch_finish_hosts(tui_batch *b, const eng_fanout_host *const *hosts,
    uint64_t total_ms)
{
	size_t count[ENG_HOST_CANCELLED + 1] = { 0 }, outcomes[TUI_OUTCOMES] = { 0 };
	size_t config_errors = 0;
	const char **names = calloc(b->n ? b->n : 1, sizeof(char *));
	size_t i;
	int o, code = 0;
	char dur[32];

	if (names == NULL)
		abort();
	if (b->o.live && b->live_lines > 0) {
		/* The live view gives way to the final print, unchanged. */
		char clr[32];

		snprintf(clr, sizeof(clr), "\r\033[%dA\033[J", b->live_lines);
		tui__batch_out_write(b, stdout, clr, strlen(clr));
		b->live_lines = 0;
	}
	if (b->o.mode == TUI_OUT_GROUP || b->o.mode == TUI_OUT_DIFF)
		print_groups(b, hosts);
	tui__batch_out_flush(b);
	for (i = 0; i < b->n; i++) {
		const eng_fanout_host *fh = hosts[i];

		count[fh->state]++;
		outcomes[tui_host_outcome(fh)]++;
		/* A ProxyJump loop, a name without an address: our config, not the host. */
		config_errors += fh->state == ENG_HOST_UNREACHABLE && fh->fail == ENG_FAIL_CONFIG;
	}
	if (config_errors > 0)
		code = TUI_EXIT_USAGE;
	else if (count[ENG_HOST_UNREACHABLE] > 0)
		code = TUI_EXIT_UNREACHABLE;
	else if (count[ENG_HOST_FAILED] + count[ENG_HOST_TIMEOUT] +
	    count[ENG_HOST_CANCELLED] > 0)
		code = 1;
	/* Output that did not arrive trumps what the hosts did. */
	if (b->out_errno == EPIPE) {
		code = TUI_EXIT_PIPE;
	} else if (b->out_errno != 0 || b->file_errno != 0) {
		fprintf(stderr, "drover: output incomplete: %s\n",
		    strerror(b->out_errno != 0 ? b->out_errno : b->file_errno));
		code = TUI_EXIT_IOERR;
	}
	if (!b->o.quiet) {
		eng_format_duration(total_ms, dur, sizeof(dur));
		/* ok, failed, timeout and unreachable always; what else happened when it did */
		fprintf(stderr, "drover: %zu host%s in %s", b->n, b->n == 1 ? "" : "s", dur);
		for (o = 0; o < TUI_OUTCOMES; o++)
			if (o <= 3 || outcomes[o] > 0)
				fprintf(stderr, "%s %zu %s", o == 0 ? ":" : ",", outcomes[o],
				    tui_outcome_label(o));
		fputc('\n', stderr);
		for (o = 1; o < TUI_OUTCOMES; o++) {
			size_t m = 0;
			char *fold;

			for (i = 0; i < b->n; i++)
				if (tui_host_outcome(hosts[i]) == o)
					names[m++] = b->h[i].name;
			if (m == 0)
				continue;
			fold = tui_fold_hosts(names, m);
			fprintf(stderr, "  %s: %s\n", tui_outcome_label(o), fold);
			free(fold);
		}
	}
	free(names);
	return code;
}

void
tui_batch_free(tui_batch *b)
{
	size_t i;
	int s;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++) {
		bhost *h = &b->h[i];

		for (s = 1; s <= 2; s++) {
			tui_buf_free(&h->line[s]);
			tui_buf_free(&h->cap[s]);
			if (h->fd[s] >= 0) {
				/* Never finished (aborted): nothing half-written stays. */
				close(h->fd[s]);
				unlink(h->tmp[s]);
			}
			free(h->tmp[s]);
			free(h->dst[s]);
		}
		free(h->name);
	}
	free(b->h);
	free(b);
}
