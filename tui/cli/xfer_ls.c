/*
 * tui/cli/xfer_ls.c - `drover ls` and `drover cat`: remote directories
 * listed and remote files printed over SFTP (engine/sftp*.c) on every host
 * TARGETS names, with exec's options, printers (identical listings
 * grouped, as -o group), Ctrl-C rules and exit codes. cat of one host in
 * stream mode writes the file's raw bytes to stdout (a pipe gets the file
 * as it is); otherwise every line is "host: line", sanitised. Names from
 * the host are untrusted: the engine drops readdir names that are not
 * plain names, and the printers sanitise what is shown.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tui/cli/xfer.h"

#define CAT_CHUNK 32768
#define CAT_INFLIGHT 8

static const char ls_usage[] =
"usage: drover [-F ssh_config] [-i inventory] ls [-l] [options] TARGETS [--] PATH...\n"
"       drover [-F ssh_config] [-i inventory] cat [options] TARGETS [--] PATH\n"
"\n"
"ls lists PATHs (directories: their entries, sorted) on every host TARGETS\n"
"names, hosts with identical listings grouped; -l adds type and mode, size\n"
"and modification time (UTC). cat prints the file PATH: from one host, its\n"
"raw bytes on stdout; from several, 'host: line', sanitised. Both read over\n"
"SFTP: nothing runs in the remote shell.\n"
"\n"
"options:\n"
"  -l                    (ls) long listing\n"
"  -o MODE               group (ls default): identical results collapsed;\n"
"                        stream (cat default): 'host: line'; json: one\n"
"                        object per host\n"
"  -P PORT               connect to PORT\n"
"  -F, -i, -f, -l USER (cat), -k, --auth, --accept-new, --connect-timeout,\n"
"  --keepalive, --max-handshakes, -v, -vv, -q, --color, --log   as for exec\n"
"  -h, --help            this help\n"
"\n"
"exit status: 0 all ok, 1 a path failed on some host, 2 usage or config\n"
"error, 74 writing the output failed, 130 interrupted, 141 stdout was\n"
"closed, 255 a host was unreachable or refused.\n";

typedef struct lcli {
	xrun run;
	tui_cli_common cc;
	tui_cli_hosts th;
	int cat, longfmt, raw;
	const char **paths;
	size_t npaths;
	int out_errno;
} lcli;

typedef struct lent {
	char *name;
	eng_sftp_attrs a;
} lent;

typedef struct ljob {
	xhost *h;
	eng_sftp *s;
	size_t ipath;
	tui_buf out, err;
	lent *ents;
	size_t nents;
	size_t refused;
	eng_sftp_handle dh;
	char *error;
	int nfail;
	/* cat */
	uint64_t off;
	int inflight, eof;
	int cancelled;
} ljob;

static void next_path(ljob *j);

static lcli *
L(ljob *j)
{
	return j->h->r->ud;
}

static void
fail_path(ljob *j, const char *path, const char *why)
{
	j->nfail++;
	if (j->error == NULL)
		j->error = util_xasprintf("%s: %s", path, why);
	tui_buf_addf(&j->err, "%s: %s\n", path, why);
}

/* ---- formatting ---- */

static void
mode_str(uint32_t m, char out[11])
{
	static const char rwx[] = "rwxrwxrwx";
	int i;

	out[0] = S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : S_ISCHR(m) ? 'c' : S_ISBLK(m) ? 'b' :
	    S_ISFIFO(m) ? 'p' : S_ISSOCK(m) ? 's' : S_ISREG(m) ? '-' : '?';
	for (i = 0; i < 9; i++)
		out[i + 1] = (m & (1u << (8 - i))) ? rwx[i] : '-';
	out[10] = '\0';
}

static void
add_entry(ljob *j, const char *name, const eng_sftp_attrs *a)
{
	if (L(j)->longfmt) {
		char m[11], when[32] = "-";
		time_t t = (time_t)a->mtime;
		struct tm tm;

		mode_str(a->flags & ENG_SFTP_ATTR_PERMISSIONS ? a->perm : 0, m);
		if ((a->flags & ENG_SFTP_ATTR_ACMODTIME) && gmtime_r(&t, &tm) != NULL)
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
		tui_buf_addf(&j->out, "%s %12llu %s ", m, (unsigned long long)(a->flags &
		    ENG_SFTP_ATTR_SIZE ? a->size : 0), when);
	}
	tui_buf_addf(&j->out, "%s\n", name);
}

static int
ent_cmp(const void *a, const void *b)
{
	return strcmp(((const lent *)a)->name, ((const lent *)b)->name);
}

static void
flush_dir(ljob *j, const char *path)
{
	size_t i;

	qsort(j->ents, j->nents, sizeof(lent), ent_cmp);
	if (L(j)->npaths > 1)
		tui_buf_addf(&j->out, "%s%s:\n", j->ipath > 0 ? "\n" : "", path);
	for (i = 0; i < j->nents; i++) {
		add_entry(j, j->ents[i].name, &j->ents[i].a);
		free(j->ents[i].name);
	}
	free(j->ents);
	j->ents = NULL;
	j->nents = 0;
	if (j->refused > 0)
		fail_path(j, path, "names refused (not plain file names)");
	j->refused = 0;
}

/* ---- ls ---- */

static void
on_closedir(eng_sftp *s, const eng_sftp_reply *r, void *ud)
{
	ljob *j = ud;

	(void)s;
	(void)r;
	j->ipath++;
	next_path(j);
}

static void
on_readdir(eng_sftp *s, const eng_sftp_reply *r, void *ud)
{
	ljob *j = ud;
	const char *path = L(j)->paths[j->ipath];
	size_t i;

	if (r->status == ENG_SFTP_OK) {
		j->refused += r->refused;
		for (i = 0; i < r->nnames; i++) {
			if (strcmp(r->names[i].name, ".") == 0 || strcmp(r->names[i].name, "..") == 0)
				continue;
			j->ents = util_xreallocarray(j->ents, j->nents + 1, sizeof(lent));
			j->ents[j->nents].name = util_xstrdup(r->names[i].name);
			j->ents[j->nents++].a = r->names[i].attrs;
		}
		if (eng_sftp_readdir(s, &j->dh, on_readdir, j) == 0)
			return;
	} else if (r->status != ENG_SFTP_EOF) {
		fail_path(j, path, r->message);
	}
	flush_dir(j, path);
	if (r->status == ENG_SFTP_CONNECTION_LOST ||
	    eng_sftp_fclose(s, &j->dh, on_closedir, j) != 0) {
		j->ipath++;
		next_path(j);
	}
}

static void
on_opendir(eng_sftp *s, const eng_sftp_reply *r, void *ud)
{
	ljob *j = ud;

	if (r->status != ENG_SFTP_OK || r->handle == NULL) {
		fail_path(j, L(j)->paths[j->ipath], r->message);
		j->ipath++;
		next_path(j);
		return;
	}
	j->dh = *r->handle;
	if (eng_sftp_readdir(s, &j->dh, on_readdir, j) != 0) {
		j->ipath++;
		next_path(j);
	}
}

static void
on_stat(eng_sftp *s, const eng_sftp_reply *r, void *ud)
{
	ljob *j = ud;
	const char *path = L(j)->paths[j->ipath];

	if (r->status != ENG_SFTP_OK || r->attrs == NULL) {
		fail_path(j, path, r->message);
	} else if ((r->attrs->flags & ENG_SFTP_ATTR_PERMISSIONS) && S_ISDIR(r->attrs->perm)) {
		if (eng_sftp_opendir(s, path, on_opendir, j) == 0)
			return;
		fail_path(j, path, "cannot list");
	} else {
		add_entry(j, path, r->attrs);
	}
	j->ipath++;
	next_path(j);
}

/* ---- cat ---- */

static void cat_more(ljob *j);

static void
cat_out(ljob *j, const unsigned char *p, size_t len)
{
	lcli *l = L(j);

	if (!l->raw) {
		tui_batch_data(j->h->r->batch, j->h->idx, 1, (const char *)p, len);
		xrun_check_output(j->h->r);
		return;
	}
	if (l->out_errno != 0)
		return;
	errno = 0;
	if (fwrite(p, 1, len, stdout) != len) {
		l->out_errno = errno != 0 ? errno : EIO;
		j->cancelled = 1;
	}
}

static void
on_fclose(eng_sftp *s, const eng_sftp_reply *r, void *ud)
{
	ljob *j = ud;

	(void)r;
	j->ipath++;
	eng_sftp_close(s);
}

static void
on_read(eng_sftp *s, const eng_sftp_reply *r, void *ud)
{
	ljob *j = ud;

	j->inflight--;
	/* In order: one request at a time past the first reply keeps it simple. */
	if (r->status == ENG_SFTP_OK && r->data != NULL && !j->eof && !j->cancelled) {
		cat_out(j, r->data, r->len);
		j->off += r->len;
		cat_more(j);
		return;
	}
	if (r->status == ENG_SFTP_EOF || r->status == ENG_SFTP_OK)
		j->eof = 1;
	else if (!j->eof && !j->cancelled)
		fail_path(j, L(j)->paths[0], r->message);
	j->eof = 1;
	if (j->inflight == 0 && eng_sftp_fclose(s, &j->dh, on_fclose, j) != 0)
		eng_sftp_close(s);
}

static void
cat_more(ljob *j)
{
	if (j->eof || j->cancelled) {
		if (j->inflight == 0 && eng_sftp_fclose(j->s, &j->dh, on_fclose, j) != 0)
			eng_sftp_close(j->s);
		return;
	}
	/* Sequential reads: replies must reach the output in file order. */
	if (j->inflight == 0 && eng_sftp_read(j->s, &j->dh, j->off, CAT_CHUNK, on_read, j) == 0)
		j->inflight++;
}

static void
on_open(eng_sftp *s, const eng_sftp_reply *r, void *ud)
{
	ljob *j = ud;

	if (r->status != ENG_SFTP_OK || r->handle == NULL) {
		fail_path(j, L(j)->paths[0], r->message);
		eng_sftp_close(s);
		return;
	}
	j->dh = *r->handle;
	cat_more(j);
}

/* ---- the session ---- */

static void
next_path(ljob *j)
{
	lcli *l = L(j);

	if (j->cancelled || j->ipath >= l->npaths) {
		eng_sftp_close(j->s);
		return;
	}
	if (eng_sftp_stat(j->s, l->paths[j->ipath], on_stat, j) != 0)
		eng_sftp_close(j->s);
}

static void
on_ready(eng_sftp *s, void *ud)
{
	ljob *j = ud;

	if (L(j)->cat) {
		if (eng_sftp_open(s, L(j)->paths[0], ENG_SFTP_READ, NULL, on_open, j) != 0)
			eng_sftp_close(s);
		return;
	}
	next_path(j);
}

static void
on_end(eng_sftp *s, const char *error, void *ud)
{
	ljob *j = ud;
	xrun *r = j->h->r;
	eng_host_state st = ENG_HOST_OK;

	(void)s;
	j->s = NULL;
	if (j->out.len > 0)
		tui_batch_data(r->batch, j->h->idx, 1, j->out.p, j->out.len);
	if (j->err.len > 0)
		tui_batch_data(r->batch, j->h->idx, 2, j->err.p, j->err.len);
	if (error != NULL && j->error == NULL)
		j->error = util_xstrdup(error);
	if (j->cancelled)
		st = ENG_HOST_CANCELLED;
	else if (error != NULL || j->nfail > 0)
		st = ENG_HOST_FAILED;
	xrun_host_done(j->h, st, st == ENG_HOST_CANCELLED ? ENG_FAIL_CANCELLED : ENG_FAIL_NONE,
	    j->error);
}

static void
job_start(xhost *h)
{
	static const eng_sftp_cbs cbs = { on_ready, on_end };
	ljob *j = util_xcalloc(1, sizeof(*j));
	int rc;

	j->h = h;
	h->job = j;
	if ((rc = eng_sftp_start(h->c, &cbs, j, &j->s)) != 0) {
		char *msg = util_xasprintf("sftp: %s", eng_strerror(rc));

		xrun_host_done(h, ENG_HOST_FAILED, ENG_FAIL_NONE, msg);
		free(msg);
	}
}

static void
job_cancel(xhost *h)
{
	ljob *j = h->job;

	if (j == NULL || j->s == NULL) {
		xrun_host_done(h, ENG_HOST_CANCELLED, ENG_FAIL_CANCELLED, "cancelled by user");
		return;
	}
	j->cancelled = 1;
	eng_sftp_close(j->s);
}

static void
job_free(xhost *h)
{
	ljob *j = h->job;
	size_t i;

	if (j == NULL)
		return;
	for (i = 0; i < j->nents; i++)
		free(j->ents[i].name);
	free(j->ents);
	tui_buf_free(&j->out);
	tui_buf_free(&j->err);
	free(j->error);
	free(j);
	h->job = NULL;
}

static int
parse_args(lcli *l, int argc, char **argv)
{
	const char *cmd = l->cc.cmd;
	int i, r, dashdash = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		tui_arg o;

		if (dashdash || (l->cc.targets != NULL && (a[0] != '-' || strcmp(a, "--") == 0))) {
			if (!dashdash && strcmp(a, "--") == 0) {
				dashdash = 1;
				continue;
			}
			break;
		}
		if (strcmp(a, "--") == 0) {
			if (l->cc.targets == NULL)
				return tui_cli_usage(cmd, "%s", "no TARGETS before --");
			dashdash = 1;
			continue;
		}
		if (a[0] != '-' || a[1] == '\0') {
			l->cc.targets = a;
			continue;
		}
		tui_arg_split(a, &o);
		a = o.name;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(ls_usage, stdout);
			exit(0);
		}
		/* ls: -l is the long format, as everywhere (-l USER only for cat) */
		if (!l->cat && strcmp(a, "-l") == 0) {
			if (tui_cli_flag(cmd, &o) < 0)
				return TUI_EXIT_USAGE;
			l->longfmt = 1;
		} else if ((r = tui_cli_option(&l->cc, argc, argv, &i, &o)) != 0) {
			if (r < 0)
				return TUI_EXIT_USAGE;
		} else {
			return tui_cli_usage(cmd, "unknown option '%s'", a);
		}
	}
	if (l->cc.targets == NULL)
		return tui_cli_usage(cmd, "%s", "no TARGETS given");
	if (i >= argc)
		return tui_cli_usage(cmd, "%s", "no PATH given");
	if (l->cat && argc - i != 1)
		return tui_cli_usage(cmd, "%s", "one PATH at a time");
	l->paths = (const char **)argv + i;
	l->npaths = (size_t)(argc - i);
	for (r = 0; r < (int)l->npaths; r++)
		if (l->paths[r][0] == '\0')
			return tui_cli_usage(cmd, "%s", "an empty path");
	return 0;
}

static int
run_ls(int cat, int argc, char **argv, const char *ssh_config, const char *inventory)
{
	static const xrun_ops ops = { job_start, job_cancel, NULL, NULL, job_free };
	lcli *l = util_xcalloc(1, sizeof(*l));
	tui_batch_opts bo;
	int rc;

	l->cat = cat;
	l->cc.cmd = cat ? "cat" : "ls";
	l->cc.port_letter = 'P';
	l->cc.modes = 1u << TUI_OUT_STREAM | 1u << TUI_OUT_GROUP | 1u << TUI_OUT_JSON;
	l->cc.ov.ssh_config = ssh_config;
	l->cc.inventory = inventory;
	l->cc.color = -1;
	l->cc.mode = cat ? TUI_OUT_STREAM : TUI_OUT_GROUP;
	if ((rc = parse_args(l, argc, argv)) != 0 || (rc = tui_cli_resolve(&l->cc, &l->th)) != 0)
		goto out;
	l->raw = cat && l->th.n == 1 && l->cc.mode == TUI_OUT_STREAM;
	memset(&bo, 0, sizeof(bo));
	bo.mode = l->cc.mode;
	bo.color_out = tui_cli_want_color(l->cc.color, 1);
	bo.color_err = tui_cli_want_color(l->cc.color, 2);
	bo.verbose = l->cc.verbose;
	bo.quiet = l->cc.quiet;
	l->run.cc = &l->cc;
	l->run.th = &l->th;
	l->run.ops = &ops;
	l->run.ud = l;
	rc = xrun_main(&l->run, &bo);
	if (l->raw) {
		errno = 0;
		if (fflush(stdout) != 0 && l->out_errno == 0)
			l->out_errno = errno != 0 ? errno : EIO;
		if (l->out_errno == EPIPE)
			rc = TUI_EXIT_PIPE;
		else if (l->out_errno != 0)
			rc = TUI_EXIT_IOERR;
	}
out:
	tui_cli_hosts_free(&l->th);
	free(l->cc.keys);
	free(l);
	return rc;
}

int
tui_cli_ls(int argc, char **argv, const char *ssh_config, const char *inventory)
{
	return run_ls(0, argc, argv, ssh_config, inventory);
}

int
tui_cli_cat(int argc, char **argv, const char *ssh_config, const char *inventory)
{
	return run_ls(1, argc, argv, ssh_config, inventory);
}
