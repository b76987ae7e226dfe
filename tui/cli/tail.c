/*
 * tui/cli/tail.c - `drover tail`: follow files (or a command's output) on
 * many hosts at once and print one merged stream, "host: line" ("host
 * file: line" with several files), each host in its own colour on a
 * terminal, filtered (-e keep, -v drop) and highlighted, or JSON lines.
 * The engine's tails (engine/tail.c) keep each file exact; this file owns
 * the hosts' connections and their reconnect policy (tui/backoff.c): a
 * lost connection is opened again with backoff and the tails continue on
 * it where they stopped. Marks (rotated, truncated, lost bytes) are part
 * of the stream; status (waiting, errors, reconnecting) goes to stderr.
 * Runs until Ctrl-C, TERM or HUP, or until no host can go on.
 */
#include <errno.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "tui/cli/cli.h"

/* Backoff ceiling between attempts to reach a lost host. */
#define TAIL_RETRY_MAX_MS 30000
#define TAIL_MAX_PATTERNS 16
/* See on_flush: the pause after a turn that printed fewer bytes than this. */
#define TAIL_COALESCE_MS 10
#define TAIL_COALESCE_BELOW (64 * 1024)
/* A host that stayed up this long starts its next outage over at 1 s. */
#define TAIL_STABLE_MS 10000

static const char tail_usage[] =
"usage: drover [-F ssh_config] [-i inventory] tail [options] TARGETS [--] FILE...\n"
"       drover [-F ssh_config] [-i inventory] tail [options] --cmd COMMAND TARGETS\n"
"\n"
"Follows FILEs (paths or globs on the hosts) on every host TARGETS names and\n"
"prints one stream, 'host: line' ('host file: line' with several files or a\n"
"glob).\n"
"Each line of a file arrives once, in order, across reconnects and log\n"
"rotations; where data is really gone a mark says so. Runs until Ctrl-C.\n"
"\n"
"options:\n"
"  -n N                  initial lines of each file (default 10; 0 none)\n"
"  -e REGEX              keep only lines matching (repeatable: any of them)\n"
"  -v REGEX              drop lines matching (repeatable)\n"
"  --highlight REGEX     show matches in reverse video (on a terminal)\n"
"  --cmd COMMAND         follow a command's output instead (journalctl -f);\n"
"                        restarted after a reconnect, with a mark\n"
"  -o MODE               stream (default) or json: one object per line (host,\n"
"                        file, line, offset, time) or mark (host, file, mark, bytes)\n"
"  --outdir DIR          also append each host's lines to DIR/HOST/FILE (the\n"
"                        remote path below HOST; --cmd: DIR/HOST/command.out),\n"
"                        created private (0700 directories, 0600 files)\n"
"  --color WHEN          auto (default), always, never; NO_COLOR is honoured;\n"
"                        hosts take the theme's host.1..host.8 colours\n"
"  -l USER, -p PORT, -k KEYFILE, --accept-new, --connect-timeout S, --log FILE\n"
"                        as for drover exec\n"
"  -h, --help            this help\n"
"\n"
"exit status: 130 interrupted (the normal end), 2 usage or config error,\n"
"74 writing the output (or a file under --outdir) failed, 141 stdout was closed, 255 no host could be\n"
"followed (unreachable or refused: host key, auth).\n";

typedef struct thost {
	struct tcli *t;
	size_t idx;
	cfg_host host;
	eng_conn *c;
	eng_tail **tails;           /* one per file (or the command) */
	uv_timer_t retry;
	int attempts;
	uint64_t ready_at;
	int gone;                   /* given up: a failure that will not pass */
	char *pfx;                  /* "host: " as printed (one file, or --cmd) */
	size_t pfxlen;
} thost;

typedef struct tcli {
	uv_loop_t *loop;
	eng_ctx *ctx;
	cfg_inventory *inv;
	cfg_overrides ov;
	const char *targets, *command, *log, *outdir;
	tui_tail_out *od;
	char sgr[8][64];            /* the theme's host colours as SGR sequences */
	const char **files;
	size_t nfiles;
	const char **keys;
	size_t nkeys;
	int lines, json, color, nkeep, ndrop, hl;
	regex_t keep[TAIL_MAX_PATTERNS], drop[TAIL_MAX_PATTERNS], highlight;
	thost *h;
	size_t n, ngone;
	uv_signal_t sigint, sigterm, sighup;
	uv_check_t flush;
	unsigned long turn_lines;   /* lines the engine handed over this loop turn */
	size_t turn_bytes;          /* and what they made on stdout */
	uint32_t rng;
	int out_errno, quitting, file_failed;
	int show_file;              /* several files, or a glob: name them */
	tui_buf line;               /* this loop turn's output, written by out_flush */
} tcli;

/* A theme style as an SGR sequence (256 colours: what terminals have). */
static void
style_sgr(const cfg_style *st, char *buf, size_t size)
{
	static const struct { unsigned bit; const char *code; } attrs[] = {
		{ CFG_ATTR_BOLD, ";1" }, { CFG_ATTR_DIM, ";2" }, { CFG_ATTR_ITALIC, ";3" },
		{ CFG_ATTR_UNDERLINE, ";4" }, { CFG_ATTR_BLINK, ";5" }, { CFG_ATTR_REVERSE, ";7" },
	};
	const cfg_color *c[2] = { &st->fg, &st->bg };
	size_t i, n;
	int k;

	n = (size_t)snprintf(buf, size, "\033[0");
	for (i = 0; i < UTIL_NELEM(attrs) && n < size; i++)
		if (st->attrs & attrs[i].bit)
			n += (size_t)snprintf(buf + n, size - n, "%s", attrs[i].code);
	for (i = 0; i < 2 && n < size; i++) {
		k = cfg_color_index(c[i], 256);
		if (k >= 0)
			n += (size_t)snprintf(buf + n, size - n, ";%d;5;%d", i == 0 ? 38 : 48, k);
	}
	if (n < size)
		snprintf(buf + n, size - n, "m");
}

static int __attribute__((format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "drover tail: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see drover tail --help)\n");
	return TUI_EXIT_USAGE;
}

/* ---- output ---- */

/* A turn's output is written at once past this size too (bounded memory). */
#define TAIL_OUT_MAX (256 * 1024)

/*
 * The turn's output, t->line, goes to stdout in one write at the end of the
 * loop turn (on_flush), or when it is TAIL_OUT_MAX: per line (a terminal's
 * line buffering) or per 4 KB (stdio on a pipe) the writes were a tenth of
 * drover's CPU at 50,000 lines/s.
 */
static void
out_flush(tcli *t)
{
	size_t done = 0;
	ssize_t w;

	while (done < t->line.len && t->out_errno == 0) {
		w = write(STDOUT_FILENO, t->line.p + done, t->line.len - done);
		if (w > 0) {
			done += (size_t)w;
		} else if (w < 0 && errno == EAGAIN) {
			/* A non-blocking stdout (shared): wait, as a blocking one would. */
			struct pollfd pfd = { STDOUT_FILENO, POLLOUT, 0 };

			(void)poll(&pfd, 1, -1);
		} else if (w == 0 || errno != EINTR) {
			t->out_errno = w < 0 ? errno : EIO;
		}
	}
	t->turn_bytes += t->line.len;
	tui_buf_reset(&t->line);
}

static void
out(tcli *t, const tui_buf *b)
{
	if (t->out_errno != 0)
		return;
	tui_buf_add(&t->line, b->p, b->len);
	if (t->line.len >= TAIL_OUT_MAX)
		out_flush(t);
}

/* One loop turn's lines reach the reader together. */
static void
on_flush(uv_check_t *h)
{
	tcli *t = h->data;

	out_flush(t);
	if (t->out_errno != 0 && !t->quitting) {
		t->quitting = 1;
		uv_stop(t->loop);
	}
	/*
	 * Lines trickle in from many hosts (each sends a chunk per look of its
	 * reader): wait a little, so that the next turn takes many hosts' chunks
	 * in one wake-up and one write. At 50,000 lines/s from 100 hosts this
	 * and the single write took drover from 1.66 to 1.05 s of CPU per
	 * million lines; it adds at most TAIL_COALESCE_MS to a line's way. A
	 * turn with much output goes on at once, so a single fast host is not
	 * slowed. Ctrl-C interrupts the sleep.
	 */
	if (t->turn_lines > 0 && t->turn_bytes < TAIL_COALESCE_BELOW && !t->quitting) {
		struct timespec ts = { 0, TAIL_COALESCE_MS * 1000000L };

		nanosleep(&ts, NULL);
	}
	t->turn_bytes = 0;
	t->turn_lines = 0;
}

/* "host: " or, with file, "host file: ", coloured on a terminal. */
static void
build_prefix(tcli *t, tui_buf *b, const thost *h, const char *file)
{
	if (t->color)
		tui_buf_addstr(b, t->sgr[h->idx % 8]);
	tui_sanitize(b, h->host.name, strlen(h->host.name));
	if (file != NULL) {
		tui_buf_add(b, " ", 1);
		tui_sanitize(b, file, strlen(file));
	}
	tui_buf_addstr(b, t->color ? "\033[0m: " : ": ");
}

static void
prefix(tcli *t, tui_buf *b, thost *h, const char *file)
{
	tui_buf p = { 0 };

	if (file != NULL && t->show_file) {
		build_prefix(t, b, h, file);
		return;
	}
	/* The common case, built once per host: 50,000 lines/s pass here. */
	if (h->pfx == NULL) {
		build_prefix(t, &p, h, NULL);
		h->pfx = p.p;
		h->pfxlen = p.len;
	}
	tui_buf_add(b, h->pfx, h->pfxlen);
}

/* The sanitised line, --highlight matches in reverse video. */
static void
add_highlighted(tcli *t, tui_buf *b, const char *line, size_t len)
{
	tui_buf safe = { 0 };
	regmatch_t m;
	const char *p;
	int flags = 0;

	if (!t->hl || !t->color) {
		tui_sanitize(b, line, len);
		return;
	}
	tui_sanitize(&safe, line, len);
	p = safe.p != NULL ? safe.p : "";
	while (*p != '\0' && regexec(&t->highlight, p, 1, &m, flags) == 0 && m.rm_eo > 0) {
		tui_buf_add(b, p, (size_t)m.rm_so);
		tui_buf_addstr(b, "\033[7m");
		tui_buf_add(b, p + m.rm_so, (size_t)(m.rm_eo - m.rm_so));
		tui_buf_addstr(b, "\033[27m");
		p += m.rm_eo;
		flags = REG_NOTBOL;
	}
	tui_buf_addstr(b, p);
	tui_buf_free(&safe);
}

static int
wanted(tcli *t, const char *line)
{
	int i, keep = t->nkeep == 0;

	for (i = 0; i < t->nkeep && !keep; i++)
		keep = regexec(&t->keep[i], line, 0, NULL, 0) == 0;
	for (i = 0; i < t->ndrop && keep; i++)
		keep = regexec(&t->drop[i], line, 0, NULL, 0) != 0;
	return keep;
}

/* Raw bytes, as in the file. */
static void
to_outdir(tcli *t, thost *h, const char *file, const char *buf, size_t len, int nl)
{
	/* Said once on stderr; the others go on, and the exit status says it. */
	if (tui_tail_out_write(t->od, h->host.name, file, buf, len, nl) != 0)
		t->file_failed = 1;
}

static void
on_line(eng_tail *tail, const eng_tail_line *l, void *ud)
{
	thost *h = ud;
	tcli *t = h->t;
	tui_buf *bp = &t->line;
	struct timeval tv;

	(void)tail;
	t->turn_lines++;
	if (t->nkeep > 0 || t->ndrop > 0) {
		/* Filters see the line as text (a NUL ends it for regexec). */
		char *z = util_xstrndup(l->buf, l->len);
		int keep = wanted(t, z);

		free(z);
		if (!keep)
			return;
	}
#define b (*bp)
	if (t->od != NULL)
		to_outdir(t, h, l->file, l->buf, l->len, !(l->flags & ENG_TAIL_PARTIAL));
	if (t->out_errno != 0)
		return;
	if (t->json) {
		gettimeofday(&tv, NULL);
		tui_buf_addstr(&b, "{\"host\":\"");
		tui_json_escape(&b, h->host.name, strlen(h->host.name));
		tui_buf_addstr(&b, "\",\"file\":");
		if (l->file != NULL) {
			tui_buf_addstr(&b, "\"");
			tui_json_escape(&b, l->file, strlen(l->file));
			tui_buf_addstr(&b, "\"");
		} else {
			tui_buf_addstr(&b, "null");
		}
		tui_buf_addstr(&b, ",\"line\":\"");
		tui_json_escape(&b, l->buf, l->len);
		tui_buf_addf(&b, "\",\"offset\":%llu,\"time\":%lld.%03d%s%s}\n",
		    (unsigned long long)l->offset, (long long)tv.tv_sec,
		    (int)(tv.tv_usec / 1000), l->flags & ENG_TAIL_PARTIAL ? ",\"partial\":true" : "",
		    l->flags & ENG_TAIL_CUT ? ",\"cut\":true" : "");
	} else {
		prefix(t, &b, h, l->file);
		add_highlighted(t, &b, l->buf, l->len);
		if (l->flags & ENG_TAIL_PARTIAL)
			tui_buf_addstr(&b, " [drover: partial line]");
		tui_buf_add(&b, "\n", 1);
	}
#undef b
	if (bp->len >= TAIL_OUT_MAX)
		out_flush(t);
}

static void
on_mark(eng_tail *tail, const char *file, eng_tail_mark m, uint64_t bytes, void *ud)
{
	thost *h = ud;
	tcli *t = h->t;
	tui_buf b = { 0 };

	(void)tail;
	if (t->json) {
		tui_buf_addstr(&b, "{\"host\":\"");
		tui_json_escape(&b, h->host.name, strlen(h->host.name));
		tui_buf_addstr(&b, "\",\"file\":");
		if (file != NULL) {
			tui_buf_addstr(&b, "\"");
			tui_json_escape(&b, file, strlen(file));
			tui_buf_addstr(&b, "\"");
		} else {
			tui_buf_addstr(&b, "null");
		}
		tui_buf_addf(&b, ",\"mark\":\"%s\",\"bytes\":%llu}\n", eng_tail_mark_name(m),
		    (unsigned long long)bytes);
	} else {
		prefix(t, &b, h, file);
		tui_buf_addf(&b, "[drover: %s", eng_tail_mark_name(m));
		if (m == ENG_TAIL_MARK_LOST || m == ENG_TAIL_MARK_CUT)
			tui_buf_addf(&b, bytes ? ", %llu bytes" : ", how much unknown",
			    (unsigned long long)bytes);
		tui_buf_addstr(&b, "]\n");
	}
	if (t->od != NULL) {
		tui_buf mk = { 0 };

		tui_buf_addf(&mk, "[drover: %s", eng_tail_mark_name(m));
		if (m == ENG_TAIL_MARK_LOST || m == ENG_TAIL_MARK_CUT)
			tui_buf_addf(&mk, bytes ? ", %llu bytes" : ", how much unknown",
			    (unsigned long long)bytes);
		tui_buf_addstr(&mk, "]");
		to_outdir(t, h, file, mk.p, mk.len, 1);
		tui_buf_free(&mk);
	}
	out(t, &b);
	tui_buf_free(&b);
}

static void
note(thost *h, const char *file, const char *what, const char *why)
{
	char *n = tui_sanitize_str(h->host.name), *f = tui_sanitize_str(file);
	char *w = tui_sanitize_str(why);

	fprintf(stderr, "drover: %s%s%s: %s%s%s\n", n, file ? " " : "", file ? f : "", what,
	    why ? ": " : "", why ? w : "");
	free(n);
	free(f);
	free(w);
}

static void
on_tail_state(eng_tail *tail, const char *file, eng_tail_state st, const char *text,
    void *ud)
{
	(void)tail;
	if (st == ENG_TAIL_WAITING || st == ENG_TAIL_ERROR || st == ENG_TAIL_ENDED)
		note(ud, file, eng_tail_state_name(st), text);
}

/* ---- hosts and their connections ---- */

static void host_connect(thost *h);

static void
on_retry(uv_timer_t *timer)
{
	host_connect(timer->data);
}

static void
on_conn_state(eng_conn *c, eng_conn_state st, void *ud)
{
	thost *h = ud;
	tcli *t = h->t;
	uint64_t now = uv_now(t->loop), delay;

	if (st == ENG_CONN_READY) {
		if (h->attempts > 0)
			note(h, NULL, "reconnected", NULL);
		h->ready_at = now;
		return;
	}
	if (st != ENG_CONN_FAILED && st != ENG_CONN_CLOSED)
		return;
	h->c = NULL;
	if (t->quitting || st == ENG_CONN_CLOSED)
		return;
	if (!tui_backoff_transient(eng_conn_fail(c))) {
		note(h, NULL, "given up", eng_conn_error(c));
		h->gone = 1;
		if (++t->ngone == t->n)
			uv_stop(t->loop);
		return;
	}
	if (h->ready_at != 0 && now - h->ready_at >= TAIL_STABLE_MS)
		h->attempts = 0;
	h->ready_at = 0;
	if (h->attempts < 64)
		h->attempts++;
	delay = tui_backoff_delay(h->attempts, TAIL_RETRY_MAX_MS, &t->rng);
	note(h, NULL, "lost, reconnecting", eng_conn_error(c));
	uv_timer_start(&h->retry, on_retry, delay, 0);
}

static void
host_connect(thost *h)
{
	static const eng_conn_cbs ccbs = { on_conn_state };
	static const eng_tail_cbs tcbs = { on_line, on_mark, on_tail_state };
	tcli *t = h->t;
	eng_tail_opts to;
	cfg_run run;
	size_t i, ntails = t->command != NULL ? 1 : t->nfiles;
	int r;

	cfg_run_build(t->inv, &h->host, 1, &t->ov, &run);
	r = eng_conn_open(t->ctx, &run.conn[0], &ccbs, h, &h->c);
	cfg_run_free(&run);
	if (r != 0) {
		note(h, NULL, "given up", "cannot start a connection");
		h->gone = 1;
		if (++t->ngone == t->n)
			uv_stop(t->loop);
		return;
	}
	for (i = 0; i < ntails; i++) {
		if (h->tails[i] != NULL) {
			/* The same tail goes on where it stopped. */
			eng_tail_rebind(h->tails[i], h->c);
			continue;
		}
		memset(&to, 0, sizeof(to));
		to.path = t->command != NULL ? NULL : t->files[i];
		to.command = t->command;
		to.lines = t->lines > 0 ? t->lines : -1;
		if (eng_tail_start(h->c, &to, &tcbs, h, &h->tails[i]) != 0)
			note(h, to.path, "cannot follow", NULL);
	}
}

/* ---- signals ---- */

static void
on_signal(uv_signal_t *s, int signum)
{
	tcli *t = s->data;

	(void)signum;
	t->quitting = 1;
	uv_stop(t->loop);
}

/* ---- arguments ---- */

static int
add_regex(regex_t *re, const char *opt, const char *v)
{
	char err[160];
	const char *why = util_regex_unsafe(v);
	int r;

	if (why != NULL)
		return usage_error("%s '%s': %s", opt, v, why);
	if ((r = regcomp(re, v, REG_EXTENDED | REG_NOSUB)) != 0) {
		regerror(r, re, err, sizeof(err));
		return usage_error("%s '%s': %s", opt, v, err);
	}
	return 0;
}

static int
parse_args(tcli *t, int argc, char **argv)
{
	const char *v, *why;
	tui_arg o;
	int i, dashdash = 0, r;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (dashdash || (a[0] != '-' || a[1] == '\0')) {
			if (t->targets == NULL && !dashdash)
				t->targets = a;
			else {
				t->files = util_xreallocarray(t->files, t->nfiles + 1, sizeof(char *));
				t->files[t->nfiles++] = a;
			}
			continue;
		}
		if (strcmp(a, "--") == 0) {
			if (t->targets == NULL)
				return usage_error("%s", "no TARGETS before --");
			dashdash = 1;
			continue;
		}
		tui_arg_split(a, &o);
		a = o.name;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(tail_usage, stdout);
			exit(0);
		}
		if (strcmp(a, "--accept-new") == 0) {
			t->ov.accept_new = 1;
			continue;
		}
		/* Every other option takes a value. */
		if (o.value != NULL)
			v = o.value;
		else if (i + 1 < argc)
			v = argv[++i];
		else
			return usage_error("%s needs a value", a);
		if (strcmp(a, "-n") == 0) {
			if (util_parse_int(v, 0, 100000, &t->lines) != 0)
				return usage_error("-n: '%s' is not a number from 0 to 100000", v);
		} else if (strcmp(a, "-e") == 0 || strcmp(a, "-v") == 0) {
			int *n = a[1] == 'e' ? &t->nkeep : &t->ndrop;

			if (*n == TAIL_MAX_PATTERNS)
				return usage_error("at most %d %s patterns", TAIL_MAX_PATTERNS, a);
			if ((r = add_regex(a[1] == 'e' ? &t->keep[*n] : &t->drop[*n], a, v)) != 0)
				return r;
			(*n)++;
		} else if (strcmp(a, "--highlight") == 0) {
			if (t->hl)
				regfree(&t->highlight);
			t->hl = 0;
			if ((why = util_regex_unsafe(v)) != NULL)
				return usage_error("--highlight '%s': %s", v, why);
			if ((r = regcomp(&t->highlight, v, REG_EXTENDED)) != 0)
				return usage_error("--highlight '%s': not a regular expression", v);
			t->hl = 1;
		} else if (strcmp(a, "--cmd") == 0) {
			t->command = v;
		} else if (strcmp(a, "-o") == 0) {
			if (strcmp(v, "json") != 0 && strcmp(v, "stream") != 0)
				return usage_error("-o: '%s' is not stream or json", v);
			t->json = strcmp(v, "json") == 0;
		} else if (strcmp(a, "--color") == 0) {
			if (strcmp(v, "auto") == 0)
				t->color = -1;
			else if (strcmp(v, "always") == 0)
				t->color = 1;
			else if (strcmp(v, "never") == 0)
				t->color = 0;
			else
				return usage_error("--color: '%s' is not auto, always or never", v);
		} else if (strcmp(a, "-l") == 0) {
			if (*v == '\0')
				return usage_error("%s", "-l: empty user name");
			t->ov.user = v;
		} else if (strcmp(a, "-p") == 0) {
			if (util_parse_int(v, 1, 65535, &t->ov.port) != 0)
				return usage_error("-p: '%s' is not a port", v);
		} else if (strcmp(a, "-k") == 0) {
			if (access(v, R_OK) != 0)
				return usage_error("-k %s: %s", v, strerror(errno));
			t->keys = util_xreallocarray(t->keys, t->nkeys + 2, sizeof(char *));
			t->keys[t->nkeys++] = v;
			t->keys[t->nkeys] = NULL;
		} else if (strcmp(a, "--connect-timeout") == 0) {
			if (util_parse_int(v, 1, 3600, &t->ov.connect_timeout) != 0)
				return usage_error("--connect-timeout: '%s' is not 1 to 3600", v);
		} else if (strcmp(a, "--outdir") == 0) {
			if (*v == '\0')
				return usage_error("%s", "--outdir: empty directory name");
			t->outdir = v;
		} else if (strcmp(a, "--log") == 0) {
			t->log = v;
		} else {
			return usage_error("unknown option '%s'", a);
		}
	}
	if (t->targets == NULL)
		return usage_error("%s", "no TARGETS given");
	if (t->command == NULL && t->nfiles == 0)
		return usage_error("%s", "no FILE given (or --cmd COMMAND)");
	if (t->command != NULL && t->nfiles > 0)
		return usage_error("%s", "FILEs and --cmd together");
	t->show_file = t->nfiles > 1 || (t->nfiles == 1 && strpbrk(t->files[0], "*?[") != NULL);
	return 0;
}

/* ---- run ---- */

static void
stop_hosts(tcli *t)
{
	size_t i, j, ntails = t->command != NULL ? 1 : t->nfiles;

	for (i = 0; i < t->n; i++) {
		thost *h = &t->h[i];

		for (j = 0; j < ntails; j++)
			eng_tail_free(h->tails[j]);
		if (h->c != NULL)
			eng_conn_close(h->c);
		uv_close((uv_handle_t *)&h->retry, NULL);
	}
}

int
tui_cli_tail(int argc, char **argv, const char *ssh_config, const char *inventory)
{
	tcli t;
	cfg_host *hosts = NULL;
	eng_ctx_opts eo;
	tui_ttyprompt *tp = NULL;
	char *cause = NULL, *msg;
	size_t i;
	int rc = TUI_EXIT_USAGE, r;

	memset(&t, 0, sizeof(t));
	t.ov.ssh_config = ssh_config;
	t.lines = 10;
	t.color = -1;
	if ((r = parse_args(&t, argc, argv)) != 0) {
		rc = r;
		goto out;
	}
	t.ov.keys = t.keys;
	if (cfg_inventory_load(inventory, &t.inv, &cause) != 0 ||
	    cfg_inventory_add_ssh_aliases(t.inv, ssh_config, &cause) != 0 ||
	    cfg_targets_resolve(t.inv, t.targets, &hosts, &t.n, &cause) != 0) {
		msg = tui_sanitize_str(cause);
		fprintf(stderr, "drover tail: %s\n", msg);
		free(msg);
		goto out;
	}
	if (t.color < 0)
		t.color = !t.json && !util_no_color() && isatty(STDOUT_FILENO);
	for (i = 0; i < 8; i++)
		style_sgr(cfg_theme_style(cfg_theme_default(), (cfg_element)(CFG_EL_HOST_1 + i)),
		    t.sgr[i], sizeof(t.sgr[i]));
	if (t.outdir != NULL && tui_tail_out_new(t.outdir, &t.od, &cause) != 0) {
		msg = tui_sanitize_str(cause);
		fprintf(stderr, "drover tail: %s\n", msg);
		free(msg);
		rc = TUI_EXIT_IOERR;
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	eng_fd_limit_raise();
	t.loop = uv_default_loop();
	t.rng = (uint32_t)(uv_hrtime() ^ ((uint64_t)uv_os_getpid() << 16)) | 1u;
	tp = tui_ttyprompt_new(t.loop);
	memset(&eo, 0, sizeof(eo));
	eo.prompt = tui_ttyprompt_ask;
	eo.prompt_cancel = tui_ttyprompt_cancel;
	eo.warn = tui_ttyprompt_warn;
	eo.prompt_ud = tp;
	eo.log_path = t.log;
	if (eng_ctx_new(t.loop, &eo, &t.ctx) != 0) {
		fprintf(stderr, "drover tail: cannot start the engine\n");
		goto out;
	}
	t.h = util_xcalloc(t.n, sizeof(*t.h));
	for (i = 0; i < t.n; i++) {
		thost *h = &t.h[i];

		h->t = &t;
		h->idx = i;
		cfg_host_copy(&h->host, &hosts[i]);
		h->tails = util_xcalloc(t.command != NULL ? 1 : t.nfiles, sizeof(eng_tail *));
		uv_timer_init(t.loop, &h->retry);
		h->retry.data = h;
	}
	uv_signal_init(t.loop, &t.sigint);
	uv_signal_init(t.loop, &t.sigterm);
	uv_signal_init(t.loop, &t.sighup);
	t.sigint.data = t.sigterm.data = t.sighup.data = &t;
	uv_signal_start(&t.sigint, on_signal, SIGINT);
	uv_signal_start(&t.sigterm, on_signal, SIGTERM);
	uv_signal_start(&t.sighup, on_signal, SIGHUP);
	uv_check_init(t.loop, &t.flush);
	t.flush.data = &t;
	uv_check_start(&t.flush, on_flush);
	for (i = 0; i < t.n; i++)
		host_connect(&t.h[i]);
	uv_run(t.loop, UV_RUN_DEFAULT);
	out_flush(&t);
	rc = t.out_errno == EPIPE ? TUI_EXIT_PIPE : t.out_errno != 0 ? TUI_EXIT_IOERR :
	    t.ngone == t.n ? TUI_EXIT_UNREACHABLE : t.file_failed ? TUI_EXIT_IOERR :
	    TUI_EXIT_INTERRUPTED;
	/* Wind down: the remote readers end with their channels. */
	t.quitting = 1;
	stop_hosts(&t);
	uv_close((uv_handle_t *)&t.sigint, NULL);
	uv_close((uv_handle_t *)&t.sigterm, NULL);
	uv_close((uv_handle_t *)&t.sighup, NULL);
	uv_close((uv_handle_t *)&t.flush, NULL);
	tui_ttyprompt_free(tp);
	tp = NULL;
	uv_run(t.loop, UV_RUN_DEFAULT);
out:
	if (tp != NULL)
		tui_ttyprompt_free(tp);
	eng_ctx_free(t.ctx);
	if (t.loop != NULL)
		uv_loop_close(t.loop);
	tui_buf_free(&t.line);
	for (i = 0; t.h != NULL && i < t.n; i++) {
		free(t.h[i].pfx);
		cfg_host_clear(&t.h[i].host);
		free(t.h[i].tails);
	}
	free(t.h);
	for (i = 0; i < (size_t)t.nkeep; i++)
		regfree(&t.keep[i]);
	for (i = 0; i < (size_t)t.ndrop; i++)
		regfree(&t.drop[i]);
	if (t.hl)
		regfree(&t.highlight);
	cfg_hosts_free(hosts, t.n);
	cfg_inventory_free(t.inv);
	tui_tail_out_free(t.od);
	free(t.files);
	free(t.keys);
	free(cause);
	return rc;
}
