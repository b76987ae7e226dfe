/*
 * tui/cli/xfer.c - `drover put` and `drover get`: files to and from every
 * host TARGETS names, over the engine's SFTP transfers (engine/xfer*.c:
 * atomic temporaries, resume, striping) on one connection per host, with
 * exec's options, targets, Ctrl-C rules and exit codes (cliopts.c,
 * xfer_run.c). After the copy, --verify compares SHA-256 computed on the
 * host (engine/xfer_sum.c) with the local one; a temporary that could not
 * be removed because the connection died is removed over a new one.
 */
#include <fcntl.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tui/cli/xfer_int.h"

static const char put_usage[] =
"usage: drover [-F ssh_config] [-i inventory] put [options] TARGETS [--] LOCAL... REMOTE\n"
"       drover [-F ssh_config] [-i inventory] get [options] TARGETS [--] REMOTE... LOCALDIR\n"
"\n"
"put copies LOCAL files (-r: directories) to REMOTE on every host TARGETS\n"
"names; LOCAL '-' sends stdin (read once, sent to every host). get copies\n"
"REMOTE files from every host into LOCALDIR/HOST/ (one directory per host).\n"
"Like cp: into REMOTE (LOCALDIR/HOST) if it is a directory, else to it.\n"
"Every file is written under a temporary name and renamed over the target\n"
"when complete: a reader sees the old or the new file, never half of one,\n"
"and a failed or interrupted copy leaves no temporary behind.\n"
"\n"
"options:\n"
"  -r                    copy directories recursively\n"
"  -p                    keep modes and modification times\n"
"  --resume              continue an interrupted copy from what the target\n"
"                        side kept (checked against the source first)\n"
"  --verify              compare each file's SHA-256, computed on the host\n"
"                        (sha256sum, openssl or shasum), with the local one\n"
"  --skip-same[=HOW]     leave files that are already there: HOW is mtime\n"
"                        (default: same size and mtime) or sum (same SHA-256)\n"
"  -o MODE               stream (default): progress on a terminal, per-host\n"
"                        errors on stderr; json: one object per host (host,\n"
"                        state, files, bytes, duration, sha256, error)\n"
"  -P PORT               connect to PORT\n"
"  -F, -i, -f, -l, -k, --auth, --accept-new, --connect-timeout, --keepalive,\n"
"  --max-handshakes, -v, -vv, -q, --color, --log   as for drover exec\n"
"  -h, --help            this help\n"
"\n"
"exit status: 0 all ok, 1 a file failed on some host, 2 usage or config\n"
"error, 74 writing the output failed, 130 interrupted (Ctrl-C, TERM, HUP),\n"
"141 stdout was closed, 255 a host was unreachable or lost. Ctrl-C: once\n"
"starts no more hosts, twice cancels the copies (temporaries removed),\n"
"three times exits at once.\n";

#define STDIN_MAX ((size_t)1 << 30)
#define MANY_HOSTS 16

/* ---- finishing a host ---- */

void
xfer_set_error(xjob *j, const char *fmt, ...)
{
	va_list ap;

	if (j->error != NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&j->error, fmt, ap) < 0)
		abort();
	va_end(ap);
}

void
xfer_finish(xjob *j)
{
	xhost *h = j->h;
	char *msg = NULL;
	eng_host_state st = ENG_HOST_OK;
	eng_fail fail = ENG_FAIL_NONE;

	j->phase = XJ_DONE;
	if (j->nleftover > 0) {
		tui_buf b = { 0 };
		size_t i;

		for (i = 0; i < j->nleftover; i++)
			tui_buf_addf(&b, "%s%s", i ? ", " : "", j->leftover[i]);
		xfer_set_error(j, "temporaries left on the host: %s", tui_buf_str(&b));
		tui_buf_free(&b);
	}
	if (j->cancelled) {
		st = ENG_HOST_CANCELLED;
		fail = ENG_FAIL_CANCELLED;
		if (j->error == NULL)
			xfer_set_error(j, "cancelled by user");
	} else if (j->conn_gone && j->error != NULL) {
		st = ENG_HOST_UNREACHABLE;
		fail = ENG_FAIL_LOST;
	} else if (j->error != NULL || j->nfail > 0) {
		st = ENG_HOST_FAILED;
	}
	if (st == ENG_HOST_FAILED && j->nfail > 1)
		msg = util_xasprintf("%zu files failed; first: %s", j->nfail,
		    j->error != NULL ? j->error : "?");
	xrun_host_done(h, st, fail, msg != NULL ? msg : j->error);
	free(msg);
}

/* ---- leftovers: removed over a new connection ---- */

static void
clean_end(eng_sftp *s, const char *error, void *ud)
{
	xjob *j = ud;
	xhost *h = j->h;

	(void)s;
	j->clean = NULL;
	/*
	 * Tried on a connection that was dying: once it is gone (conn_lost),
	 * over a new one. On a live one the server would not: say so.
	 */
	if (error != NULL && j->nleftover > 0 && !h->again && !j->cancelled) {
		if (h->c == NULL) {
			if (xrun_reconnect(h) == 0)
				return;
		} else if (eng_conn_get_state(h->c) != ENG_CONN_READY) {
			return;
		}
	}
	xfer_finish(j);
}

static void
on_removed(eng_sftp *s, const eng_sftp_reply *r, void *ud)
{
	xjob *j = ud;
	size_t i = j->clean_next++;

	if (r->status == ENG_SFTP_OK || r->status == ENG_SFTP_NO_SUCH_FILE) {
		free(j->leftover[i]);
		j->leftover[i] = NULL;
	}
	if (--j->clean_pending > 0)
		return;
	/* Keep only the ones still there, for the message. */
	{
		size_t k, m = 0;

		for (k = 0; k < j->nleftover; k++)
			if (j->leftover[k] != NULL)
				j->leftover[m++] = j->leftover[k];
		j->nleftover = m;
	}
	eng_sftp_close(s);
}

static void
clean_ready(eng_sftp *s, void *ud)
{
	xjob *j = ud;
	size_t i;

	/* Answers come in order: SFTP servers answer requests as sent. */
	for (i = 0; i < j->nleftover; i++)
		if (eng_sftp_remove(s, j->leftover[i], on_removed, j) == 0)
			j->clean_pending++;
	j->clean_next = 0;
	if (j->clean_pending == 0)
		eng_sftp_close(s);
}

static void
clean_start(xjob *j)
{
	static const eng_sftp_cbs cbs = { clean_ready, clean_end };

	if (eng_sftp_start(j->h->c, &cbs, j, &j->clean) != 0)
		xfer_finish(j);
}

static void
clean_or_finish(xjob *j)
{
	if (j->nleftover == 0 || j->cancelled || j->h->r->aborted) {
		xfer_finish(j);
		return;
	}
	j->phase = XJ_CLEAN;
	/*
	 * The connection still up (only the SFTP channels died): on it. Else
	 * once the dead one is gone (conn_lost), over a new one.
	 */
	if (j->h->c != NULL && eng_conn_get_state(j->h->c) == ENG_CONN_READY)
		clean_start(j);
	else if (j->h->c == NULL && xrun_reconnect(j->h) != 0)
		xfer_finish(j);
}

/* ---- the transfer ---- */

static void
on_progress(eng_xfer *xf, const eng_xfer_progress *p, const eng_xfer_file *f, void *ud)
{
	xjob *j = ud;

	(void)xf;
	(void)f;
	j->prog = *p;
}

void
xfer_note(xjob *j, const char *what)
{
	xrun *r = j->h->r;
	char *safe, *name;

	if (r->cc->quiet)
		return;
	safe = tui_sanitize_str(what);
	name = tui_sanitize_str(j->h->pub.name);
	xrun_before_print(r);
	fprintf(stderr, "drover: %s: %s\n", name, safe);
	free(safe);
	free(name);
}

static void
on_file(eng_xfer *xf, const eng_xfer_file *f, void *ud)
{
	xjob *j = ud;
	xcli *x = j->h->r->ud;
	const char *why = f->error != NULL ? f->error : "failed";

	(void)xf;
	if (f->state == ENG_XFER_OK) {
		j->nok++;
		j->bytes += f->total;
		if (x->verify) {
			j->ok_local = util_xreallocarray(j->ok_local, j->nokf + 1, sizeof(char *));
			j->ok_remote = util_xreallocarray(j->ok_remote, j->nokf + 1, sizeof(char *));
			j->ok_local[j->nokf] = util_xstrdup(x->dir == ENG_XFER_PUT ? f->src : f->dst);
			j->ok_remote[j->nokf] = util_xstrdup(x->dir == ENG_XFER_PUT ? f->dst : f->src);
			j->nokf++;
		}
		if (x->cc.verbose)
			xfer_note(j, f->dst);
		return;
	}
	if (f->state == ENG_XFER_SKIPPED && f->same) {
		j->nskip++;
		if (x->cc.verbose)
			xfer_note(j, why);
		return;
	}
	/* Failed, or refused (a name from the host that is not a plain name). */
	j->nfail++;
	xfer_set_error(j, "%s", why);
	xfer_note(j, why);
}

static void
on_xfer_done(eng_xfer *xf, const eng_xfer_result *r, void *ud)
{
	xjob *j = ud;
	xcli *x = j->h->r->ud;
	size_t i;

	(void)xf;
	j->x = NULL;
	j->prog = *r->progress;
	if (r->error != NULL)
		xfer_set_error(j, "%s", r->error);
	if (r->cancelled)
		j->cancelled = 1;
	for (i = 0; i < r->nleftover; i++) {
		j->leftover = util_xreallocarray(j->leftover, j->nleftover + 1, sizeof(char *));
		j->leftover[j->nleftover++] = util_xstrdup(r->leftover[i]);
	}
	if (x->verify && j->nokf > 0 && !j->cancelled && j->h->c != NULL &&
	    r->error == NULL) {
		xfer_verify_start(j);
		return;
	}
	clean_or_finish(j);
}

void
xfer_start(xjob *j)
{
	static const eng_xfer_cbs cbs = { on_progress, on_file, on_xfer_done };
	xcli *x = j->h->r->ud;
	eng_xfer_opts o;
	int rc;

	j->phase = XJ_XFER;
	if (j->nsrc == 0 && !x->use_data) {
		xfer_finish(j);   /* every file was already there */
		return;
	}
	memset(&o, 0, sizeof(o));
	o.recursive = x->recursive;
	o.preserve = x->preserve;
	o.resume = x->resume;
	o.skip_same = x->skip_same == 1;
	if (x->skip_same == 2 && x->recursive) {
		o.same = xfer_tree_same;
		o.same_ud = j;
	}
	/*
	 * Many hosts at once: the hosts are the parallelism. More sessions
	 * per host would only add server processes and client windows.
	 */
	if (x->th.n > MANY_HOSTS && x->th.run.fanout.max_parallel > MANY_HOSTS)
		o.streams = 1;
	if (x->use_data)
		rc = eng_xfer_put_data(j->h->c, x->data, x->datalen, x->dst, &o, &cbs, j, &j->x);
	else if (x->dir == ENG_XFER_PUT)
		rc = eng_xfer_put(j->h->c, j->src, j->nsrc, x->dst, &o, &cbs, j, &j->x);
	else
		rc = eng_xfer_get(j->h->c, j->src, j->nsrc, j->local, &o, &cbs, j, &j->x);
	if (rc != 0) {
		xfer_set_error(j, "cannot start the transfer: %s", eng_strerror(rc));
		xfer_finish(j);
	}
}

/* ---- the runner's hooks ---- */

/* get: LOCALDIR/HOST, a real directory (never a planted symlink). */
static int
make_host_dir(xjob *j)
{
	xcli *x = j->h->r->ud;
	char *name = tui_host_dirname(j->h->pub.name);
	struct stat sb;

	j->local = util_xasprintf("%s/%s", x->dst, name);
	free(name);
	if (mkdir(j->local, 0755) != 0 && errno != EEXIST) {
		xfer_set_error(j, "%s: %s", j->local, strerror(errno));
		return -1;
	}
	if (lstat(j->local, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		xfer_set_error(j, "%s: not a directory", j->local);
		return -1;
	}
	return 0;
}

static void
job_start(xhost *h)
{
	xcli *x = h->r->ud;
	xjob *j = h->job;

	if (j != NULL && j->phase == XJ_CLEAN) {
		clean_start(j);
		return;
	}
	j = util_xcalloc(1, sizeof(*j));
	j->h = h;
	h->job = j;
	j->src = util_xcalloc(x->nsrc + 1, sizeof(char *));
	memcpy(j->src, x->src, x->nsrc * sizeof(char *));
	j->nsrc = x->nsrc;
	if (x->dir == ENG_XFER_GET && make_host_dir(j) != 0) {
		xfer_finish(j);
		return;
	}
	if (x->skip_same == 2 && x->recursive)
		xfer_tree_sums_start(j);
	else if (x->skip_same == 2)
		xfer_sums_start(j);
	else
		xfer_start(j);
}

static void
job_cancel(xhost *h)
{
	xjob *j = h->job;

	if (j == NULL) {
		xrun_host_done(h, ENG_HOST_CANCELLED, ENG_FAIL_CANCELLED, "cancelled by user");
		return;
	}
	j->cancelled = 1;
	if (j->x != NULL)
		eng_xfer_cancel(j->x);
	else if (j->clean != NULL)
		eng_sftp_close(j->clean);
	else if (h->c != NULL && j->phase != XJ_DONE)
		eng_conn_close(h->c);   /* checksums end with their channel */
}

static void
job_conn_lost(xhost *h, const char *error)
{
	xjob *j = h->job;

	if (j == NULL)
		return;
	j->conn_gone = 1;
	if (j->phase == XJ_CLEAN) {
		if (j->clean != NULL)
			return;   /* its clean_end follows and decides */
		if (h->again) {
			/* The reconnect itself failed. */
			xfer_set_error(j, "reconnecting to remove temporaries: %s", error);
			xfer_finish(j);
			return;
		}
		if (!h->again && xrun_reconnect(h) != 0)
			xfer_finish(j);
	}
}

static void
job_done(xhost *h)
{
	xcli *x = h->r->ud;

	if (x->cc.mode == TUI_OUT_JSON) {
		xfer_show_json(x, h);
		if (x->out_errno != 0 && !h->r->out_aborted) {
			/* Nobody reads: stop, as exec does. */
			size_t i;

			h->r->out_aborted = 1;
			h->r->stopped = h->r->aborted = 1;
			for (i = 0; i < h->r->n; i++)
				if (!h->r->h[i].final && h->r->h[i].ready)
					job_cancel(&h->r->h[i]);
		}
	}
}

static void
job_free(xhost *h)
{
	xjob *j = h->job;

	if (j == NULL)
		return;
	h->job = NULL;
	free(j->error);
	free(j->local);
	free(j->src);
	xfer_free_strv(j->ok_local, j->nokf);
	xfer_free_strv(j->ok_remote, j->nokf);
	xfer_free_strv(j->lsum, j->nlsum);
	xfer_free_strv(j->rsum, j->nrsum);
	xfer_free_strv(j->sum, j->nsum);
	xfer_free_strv(j->sum_path, j->nsum);
	xfer_free_strv(j->leftover, j->nleftover);
	xfer_tree_sums_free(j);
	free(j);
}

/* ---- arguments ---- */

static int
parse_args(xcli *x, int argc, char **argv)
{
	const char *cmd = x->cc.cmd;
	int i, r, dashdash = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		tui_arg o;

		if (dashdash || (x->cc.targets != NULL && (a[0] != '-' || strcmp(a, "--") == 0 ||
		    strcmp(a, "-") == 0))) {
			if (!dashdash && strcmp(a, "--") == 0) {
				dashdash = 1;
				continue;
			}
			break;   /* the paths start here */
		}
		if (strcmp(a, "--") == 0) {
			if (x->cc.targets == NULL)
				return tui_cli_usage(cmd, "%s", "no TARGETS before --");
			dashdash = 1;
			continue;
		}
		if (a[0] != '-' || a[1] == '\0') {
			x->cc.targets = a;
			continue;
		}
		tui_arg_split(a, &o);
		a = o.name;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(put_usage, stdout);
			exit(0);
		}
		if ((r = tui_cli_option(&x->cc, argc, argv, &i, &o)) != 0) {
			if (r < 0)
				return TUI_EXIT_USAGE;
		} else if (strcmp(a, "-r") == 0) {
			if (tui_cli_flag(cmd, &o) < 0)
				return TUI_EXIT_USAGE;
			x->recursive = 1;
		} else if (strcmp(a, "-p") == 0) {
			if (tui_cli_flag(cmd, &o) < 0)
				return TUI_EXIT_USAGE;
			x->preserve = 1;
		} else if (strcmp(a, "--resume") == 0) {
			if (tui_cli_flag(cmd, &o) < 0)
				return TUI_EXIT_USAGE;
			x->resume = 1;
		} else if (strcmp(a, "--verify") == 0) {
			if (tui_cli_flag(cmd, &o) < 0)
				return TUI_EXIT_USAGE;
			x->verify = 1;
		} else if (strcmp(a, "--skip-same") == 0) {
			if (o.value == NULL || strcmp(o.value, "mtime") == 0)
				x->skip_same = 1;
			else if (strcmp(o.value, "sum") == 0)
				x->skip_same = 2;
			else
				return tui_cli_usage(cmd, "--skip-same: '%s' is not mtime or sum",
				    o.value);
		} else {
			return tui_cli_usage(cmd, "unknown option '%s'", a);
		}
	}
	if (x->cc.targets == NULL)
		return tui_cli_usage(cmd, "%s", "no TARGETS given");
	if (argc - i < 2)
		return tui_cli_usage(cmd, "%s", x->dir == ENG_XFER_PUT ?
		    "needs LOCAL... and REMOTE after TARGETS" :
		    "needs REMOTE... and LOCALDIR after TARGETS");
	x->src = (const char **)argv + i;
	x->nsrc = (size_t)(argc - i - 1);
	x->dst = argv[argc - 1];
	if (x->dst[0] == '\0')
		return tui_cli_usage(cmd, "%s", "an empty destination");
	for (r = 0; r < (int)x->nsrc; r++) {
		if (x->src[r][0] == '\0')
			return tui_cli_usage(cmd, "%s", "an empty path");
		if (strcmp(x->src[r], "-") == 0) {
			if (x->dir != ENG_XFER_PUT)
				return tui_cli_usage(cmd, "%s", "'-' (stdin) is only for put");
			if (x->nsrc != 1)
				return tui_cli_usage(cmd, "%s", "'-' (stdin) must be the only LOCAL");
			x->use_data = 1;
		}
	}
	if (x->use_data && (x->recursive || x->skip_same))
		return tui_cli_usage(cmd, "%s", "'-' (stdin) with -r or --skip-same");
	return 0;
}

/* stdin, read once for every host; -1 said why. */
static int
read_stdin(xcli *x)
{
	size_t cap = 1 << 16;
	ssize_t n;

	x->data = util_xmalloc(cap);
	for (;;) {
		if (x->datalen == cap) {
			if (cap >= STDIN_MAX) {
				fprintf(stderr, "drover put: stdin: more than %zu bytes (use a file)\n",
				    STDIN_MAX);
				return -1;
			}
			cap *= 2;
			x->data = util_xrealloc(x->data, cap);
		}
		n = read(0, x->data + x->datalen, cap - x->datalen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "drover put: stdin: %s\n", strerror(errno));
			return -1;
		}
		if (n == 0)
			return 0;
		x->datalen += (size_t)n;
	}
}

static int
run_xfer(eng_xfer_dir dir, int argc, char **argv, const char *ssh_config,
    const char *inventory)
{
	static const xrun_ops ops = { job_start, job_cancel, job_done, job_conn_lost,
		job_free };
	xcli *x = util_xcalloc(1, sizeof(*x));
	tui_batch_opts bo;
	int rc;

	/*
	 * Bytes stream through buffers that come and go many times a second:
	 * with glibc's default 128 KiB trim threshold, the heap top was handed
	 * back and faulted in again all along (brk, page faults and TLB
	 * shootdowns to the pool threads: a fifth of a get's CPU on loopback,
	 * 4.2 -> 3.2 s per GiB). Freed memory up to 32 MiB is kept; blocks of
	 * 4 MiB and up still come from mmap and go back at once.
	 */
	mallopt(M_TRIM_THRESHOLD, 32 << 20);
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	x->dir = dir;
	x->cc.cmd = dir == ENG_XFER_PUT ? "put" : "get";
	x->cc.port_letter = 'P';
	x->cc.modes = 1u << TUI_OUT_STREAM | 1u << TUI_OUT_JSON;
	x->cc.ov.ssh_config = ssh_config;
	x->cc.inventory = inventory;
	x->cc.color = -1;
	x->cc.mode = TUI_OUT_STREAM;
	/* A file open per stream at most, besides the conn's. */
	x->cc.fds_per_host = 4;
	if ((rc = parse_args(x, argc, argv)) != 0)
		goto out;
	if (x->use_data && read_stdin(x) != 0) {
		rc = TUI_EXIT_USAGE;
		goto out;
	}
	if (dir == ENG_XFER_GET && mkdir(x->dst, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "drover get: %s: %s\n", x->dst, strerror(errno));
		rc = TUI_EXIT_USAGE;
		goto out;
	}
	if ((rc = tui_cli_resolve(&x->cc, &x->th)) != 0)
		goto out;
	memset(&bo, 0, sizeof(bo));
	bo.mode = TUI_OUT_NONE;   /* per-host lines and the summary only */
	bo.color_out = tui_cli_want_color(x->cc.color, 1);
	bo.color_err = tui_cli_want_color(x->cc.color, 2);
	bo.verbose = x->cc.verbose;
	bo.quiet = x->cc.quiet;
	x->run.cc = &x->cc;
	x->run.th = &x->th;
	x->run.ops = &ops;
	x->run.ud = x;
	x->bars = x->cc.mode == TUI_OUT_STREAM && !x->cc.quiet && isatty(2);
	if (x->bars)
		x->run.before_print = xfer_show_clear;
	x->run.on_start = xfer_show_start;
	rc = xrun_main(&x->run, &bo);
	if (x->out_errno == EPIPE)
		rc = TUI_EXIT_PIPE;
	else if (x->out_errno != 0)
		rc = TUI_EXIT_IOERR;
out:
	tui_cli_hosts_free(&x->th);
	free(x->cc.keys);
	free(x->data);
	xfer_put_sums_free(x);
	free(x);
	return rc;
}

int
tui_cli_put(int argc, char **argv, const char *ssh_config, const char *inventory)
{
	return run_xfer(ENG_XFER_PUT, argc, argv, ssh_config, inventory);
}

int
tui_cli_get(int argc, char **argv, const char *ssh_config, const char *inventory)
{
	return run_xfer(ENG_XFER_GET, argc, argv, ssh_config, inventory);
}
