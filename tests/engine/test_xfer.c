/*
 * tests/engine/test_xfer.c - engine/xfer*.c against the fleet's real sshd
 * (h1 internal-sftp, h2 the sftp-server binary): put and get of sizes 0,
 * 1, around the request size, the server's read cap and the window, byte
 * for byte; a 128 MiB file striped over four streams (cmp, peak RSS
 * bounded); a tree with recursive + preserve (modes, mtimes, 200 small
 * files pipelined); data from memory (stdin); the connection killed
 * mid-transfer (sshd child SIGKILLed): target unchanged, no temporary,
 * then resume completes and matches, and a part with other bytes is not
 * trusted; a reader polling the target during a put sees only the old or
 * the new content; permission denied, missing paths, disk full (a 1 MiB
 * tmpfs), each a per-file error; the fault proxy: 15 ms one-way delay, a
 * reset after N bytes, a stall (cancel still ends the job); cancel before
 * the channels open and midway; a hostile server (bad names, replies in
 * reverse order, bad lengths, huge counts, duplicate ids, a 1 GiB packet).
 * bench_vs_openssh runs only with DROVER_XFER_BENCH=<MiB>.
 */
#include <pthread.h>
#include <sys/mount.h>
#include <sys/types.h>

#include "engtest.h"

static void suite_fini(void);

TestSuite(xfer, .fini = suite_fini, .timeout = 300);

#define SLEEP_PAT "sleep 4646[4]"

static char *mounted;   /* a tmpfs to unmount after a failed test */

static void
hostile_clear(void)
{
	if (tu_fleet_has("FLEET_SFTP_HOSTILE_FILE"))
		unlink(tu_fleet("FLEET_SFTP_HOSTILE_FILE"));
}

static void
suite_fini(void)
{
	hostile_clear();
	et_remote_kill(SLEEP_PAT);
	if (mounted != NULL) {
		umount2(mounted, MNT_DETACH);
		mounted = NULL;
	}
	et_cleanup();
}

/* ---- a job on one conn, recorded ---- */

#define MAXF 256

typedef struct xrun xrun;
struct xrun {
	et_env *e;
	et_conn ec;
	eng_xfer *x;
	eng_xfer_dir dir;
	const char *src[16];
	size_t nsrc;
	const char *dst;
	const void *data;
	size_t datalen;
	int use_data;
	eng_xfer_opts o;
	/* results */
	int done, ndone, cancelled, has_error;
	char error[1024];
	eng_xfer_progress prog;
	int nfiles;
	eng_xfer_fstate fst[MAXF];
	char fsrc[MAXF][512], fdst[MAXF][512], ferr[MAXF][512];
	int fresumed[MAXF];
	uint64_t fresume_off[MAXF], fdone[MAXF], ftotal[MAXF];
	int nprogress;
	uint64_t last_done;
	char leftover[8][1024];
	size_t nleftover;
	/* kill the connection once this many bytes moved (0: never) */
	uint64_t kill_at;
	long sshd_pid;
	et_exec helper;
	int killed;
	void (*on_progress_hook)(xrun *r);
};

static void
x_progress(eng_xfer *x, const eng_xfer_progress *p, const eng_xfer_file *f, void *ud)
{
	xrun *r = ud;

	(void)x;
	(void)f;
	cr_assert_geq(p->bytes_done, r->last_done, "progress went backwards");
	r->last_done = p->bytes_done;
	r->nprogress++;
	if (r->kill_at > 0 && !r->killed && p->bytes_done >= r->kill_at) {
		cr_assert_gt(r->sshd_pid, 1);
		cr_assert_eq(kill((pid_t)r->sshd_pid, SIGKILL), 0);
		r->killed = 1;
	}
	if (r->on_progress_hook != NULL)
		r->on_progress_hook(r);
}

static void
x_file(eng_xfer *x, const eng_xfer_file *f, void *ud)
{
	xrun *r = ud;
	int i = r->nfiles++;

	(void)x;
	cr_assert_lt(i, MAXF);
	r->fst[i] = f->state;
	snprintf(r->fsrc[i], sizeof(r->fsrc[i]), "%s", f->src);
	snprintf(r->fdst[i], sizeof(r->fdst[i]), "%s", f->dst);
	snprintf(r->ferr[i], sizeof(r->ferr[i]), "%s", f->error ? f->error : "");
	r->fresumed[i] = f->resumed_from;
	r->fresume_off[i] = f->resume_offset;
	r->fdone[i] = f->done;
	r->ftotal[i] = f->total;
	if (f->state == ENG_XFER_OK)
		cr_assert_eq(f->done, f->total, "%s: done %llu of %llu", f->dst,
		    (unsigned long long)f->done, (unsigned long long)f->total);
	else
		cr_assert_neq(f->error, NULL, "%s: state %d without an error", f->src, f->state);
}

static void
x_done(eng_xfer *x, const eng_xfer_result *res, void *ud)
{
	xrun *r = ud;
	size_t i;

	(void)x;
	r->ndone++;
	r->done = 1;
	r->x = NULL;
	r->prog = *res->progress;
	r->cancelled = res->cancelled;
	r->has_error = res->error != NULL;
	snprintf(r->error, sizeof(r->error), "%s", res->error ? res->error : "");
	for (i = 0; i < res->nleftover && i < 8; i++)
		snprintf(r->leftover[i], sizeof(r->leftover[i]), "%s", res->leftover[i]);
	r->nleftover = res->nleftover;
	/* Closing the conn also ends the helper exec (kill tests). */
	if (r->ec.c != NULL && eng_conn_get_state(r->ec.c) == ENG_CONN_READY)
		eng_conn_close(r->ec.c);
}

static void
x_start(xrun *r)
{
	static const eng_xfer_cbs cbs = { x_progress, x_file, x_done };
	int rc;

	if (r->use_data)
		rc = eng_xfer_put_data(r->ec.c, r->data, r->datalen, r->dst, &r->o, &cbs, r,
		    &r->x);
	else if (r->dir == ENG_XFER_PUT)
		rc = eng_xfer_put(r->ec.c, r->src, r->nsrc, r->dst, &r->o, &cbs, r, &r->x);
	else
		rc = eng_xfer_get(r->ec.c, r->src, r->nsrc, r->dst, &r->o, &cbs, r, &r->x);
	cr_assert_eq(rc, 0, "start: %s", eng_strerror(rc));
}

static void
free_handle(uv_handle_t *h)
{
	free(h);
}

/* The helper exec reports the session sshd's pid ($PPID of its shell). */
static void
helper_data(uv_timer_t *t)
{
	xrun *r = t->data;

	if (r->helper.outlen > 0 && strchr(r->helper.out, '\n') != NULL) {
		r->sshd_pid = strtol(r->helper.out, NULL, 10);
		uv_timer_stop(t);
		uv_close((uv_handle_t *)t, free_handle);
		x_start(r);
	}
}

static void
x_conn(et_conn *ec, eng_conn_state st)
{
	xrun *r = ec->ud;

	if (st != ENG_CONN_READY)
		return;
	if (r->kill_at > 0) {
		uv_timer_t *t = calloc(1, sizeof(*t));

		et_exec_start(ec, &r->helper, "echo $PPID; exec sleep 46464", 0);
		r->helper.ud = r;
		uv_timer_init(&r->e->loop, t);
		t->data = r;
		uv_timer_start(t, helper_data, 5, 5);
		return;
	}
	x_start(r);
}

static void
x_run_opts(et_env *e, xrun *r, const eng_conn_opts *o, double limit)
{
	r->e = e;
	et_open(e, &r->ec, o);
	r->ec.ud = r;
	r->ec.hook = x_conn;
	et_run(e, limit);
	cr_assert(r->done, "the job never ended");
	cr_assert_eq(r->ndone, 1);
}

static void
x_run(et_env *e, xrun *r, const char *host, double limit)
{
	eng_conn_opts o;

	et_conn_opts_init(&o, host);
	x_run_opts(e, r, &o, limit);
}

static void
x_free(xrun *r)
{
	et_exec_free(&r->helper);
}

/* ---- files ---- */

static char *
mkpath(const char *dir, const char *name)
{
	char *p = NULL;

	cr_assert(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

/* A file of n pseudo-random bytes (seeded by its name), mode 0644. */
static char *
mkfile(const char *dir, const char *name, size_t n, unsigned seed)
{
	char *p = mkpath(dir, name);
	FILE *f = fopen(p, "w");
	char buf[65536];
	size_t i, k;

	cr_assert_not_null(f, "%s: %s", p, strerror(errno));
	while (n > 0) {
		k = n < sizeof(buf) ? n : sizeof(buf);
		for (i = 0; i < k; i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = (char)(seed >> 16);
		}
		cr_assert_eq(fwrite(buf, 1, k, f), k);
		n -= k;
	}
	cr_assert_eq(fclose(f), 0);
	chmod(p, 0644);
	return p;
}

/* Names in dir matching ".*drover-*" (temporaries), as one string. */
static char *
temporaries(const char *dir)
{
	char *cmd = NULL, *out;

	cr_assert(asprintf(&cmd, "find '%s' -name '.*.drover-*' | sort", dir) > 0);
	out = tu_sh(cmd, NULL);
	free(cmd);
	return out;
}

static char *
shared_dir(et_env *e, const char *name)
{
	char *p = mkpath(et_tmp(e), name);

	chmod(et_tmp(e), 01777);
	/* Not sticky: the remote user replaces files the test (root) made. */
	cr_assert_eq(mkdir(p, 0777), 0);
	chmod(p, 0777);
	return p;
}

/* ---- sizes, both directions ---- */

static const size_t sizes[] = { 0, 1, 65535, 65536, 65537, 261120, 261121,
    2097152 - 1, 2097152, 2097152 + 1, 9 * 1048576 + 7 };
#define NSIZES (sizeof(sizes) / sizeof(sizes[0]))

static void
sizes_both_ways(const char *host, int streams)
{
	et_env e;
	char *src, *mid, *back, *paths[NSIZES], name[32], *tmps;
	xrun *r;
	size_t i;

	et_init(&e, 0);
	src = shared_dir(&e, "src");
	mid = shared_dir(&e, "remote");
	back = shared_dir(&e, "back");
	for (i = 0; i < NSIZES; i++) {
		snprintf(name, sizeof(name), "f%zu", sizes[i]);
		paths[i] = mkfile(src, name, sizes[i], (unsigned)i + 1);
	}
	/* put: every size at once into the remote directory */
	r = calloc(1, sizeof(*r));
	r->dir = ENG_XFER_PUT;
	for (i = 0; i < NSIZES; i++)
		r->src[i] = paths[i];
	r->nsrc = NSIZES;
	r->dst = mid;
	r->o.streams = streams;
	x_run(&e, r, host, 60);
	cr_assert(!r->has_error, "put: %s", r->error);
	cr_assert_eq(r->nfiles, (int)NSIZES);
	for (i = 0; i < (size_t)r->nfiles; i++)
		cr_assert_eq(r->fst[i], ENG_XFER_OK, "put %s: %s", r->fsrc[i], r->ferr[i]);
	cr_assert_eq(r->prog.files_done, NSIZES);
	cr_assert_eq(r->prog.files_failed, 0);
	cr_assert_eq(r->prog.bytes_done, r->prog.bytes_total);
	x_free(r);
	free(r);
	/* get: them back from there */
	r = calloc(1, sizeof(*r));
	r->dir = ENG_XFER_GET;
	for (i = 0; i < NSIZES; i++) {
		snprintf(name, sizeof(name), "f%zu", sizes[i]);
		r->src[i] = mkpath(mid, name);
	}
	r->nsrc = NSIZES;
	r->dst = back;
	r->o.streams = streams;
	x_run(&e, r, host, 60);
	cr_assert(!r->has_error, "get: %s", r->error);
	for (i = 0; i < (size_t)r->nfiles; i++)
		cr_assert_eq(r->fst[i], ENG_XFER_OK, "get %s: %s", r->fsrc[i], r->ferr[i]);
	for (i = 0; i < NSIZES; i++) {
		char *m = mkpath(mid, basename(paths[i])), *b = mkpath(back, basename(paths[i]));
		struct stat sb;

		cr_assert(tu_same_file(paths[i], m), "put of %zu bytes differs", sizes[i]);
		cr_assert(tu_same_file(paths[i], b), "get of %zu bytes differs", sizes[i]);
		cr_assert_eq(stat(m, &sb), 0);
		cr_assert_eq(sb.st_mode & 0777, 0644, "remote mode %o", sb.st_mode & 0777);
		free(m);
		free(b);
		free((char *)r->src[i]);
		free(paths[i]);
	}
	x_free(r);
	free(r);
	tmps = temporaries(et_tmp(&e));
	cr_assert_str_eq(tmps, "", "temporaries left: %s", tmps);
	free(tmps);
	free(src);
	free(mid);
	free(back);
	et_fini(&e);
}

Test(xfer, sizes_both_ways_internal_sftp)
{
	sizes_both_ways("h1", 4);
}

Test(xfer, sizes_both_ways_sftp_server_one_stream)
{
	sizes_both_ways(tu_fleet("FLEET_SFTP_SERVER_HOST"), 1);
}

/* ---- a large file, striped ---- */

/* Peak resident set of this process so far, in KiB. */
static long
peak_rss_kib(void)
{
	char *st = tu_read_file("/proc/self/status", NULL), *p;
	long v = -1;

	cr_assert_not_null(st);
	if ((p = strstr(st, "VmHWM:")) != NULL)
		v = strtol(p + 6, NULL, 10);
	free(st);
	return v;
}

Test(xfer, large_file_striped_both_ways)
{
	et_env e;
	const size_t big = 128u << 20;
	char *src, *mid, *back, *p, *m, *b;
	xrun *r;
	double t0, t_put, t_get;
	long rss0, rss1;

	et_init(&e, 0);
	src = shared_dir(&e, "src");
	mid = shared_dir(&e, "remote");
	back = shared_dir(&e, "back");
	p = mkfile(src, "big", big, 7);
	rss0 = peak_rss_kib();
	r = calloc(1, sizeof(*r));
	r->dir = ENG_XFER_PUT;
	r->src[0] = p;
	r->nsrc = 1;
	r->dst = mid;
	t0 = tu_now();
	x_run(&e, r, "h1", 120);
	t_put = tu_now() - t0;
	cr_assert(!r->has_error && r->fst[0] == ENG_XFER_OK, "put: %s %s", r->error, r->ferr[0]);
	cr_assert_gt(r->nprogress, 2, "progress was reported %d times", r->nprogress);
	x_free(r);
	free(r);
	m = mkpath(mid, "big");
	cr_assert(tu_same_file(p, m), "the remote copy differs");
	r = calloc(1, sizeof(*r));
	r->dir = ENG_XFER_GET;
	r->src[0] = m;
	r->nsrc = 1;
	r->dst = back;
	t0 = tu_now();
	x_run(&e, r, "h1", 120);
	t_get = tu_now() - t0;
	cr_assert(!r->has_error && r->fst[0] == ENG_XFER_OK, "get: %s %s", r->error, r->ferr[0]);
	b = mkpath(back, "big");
	cr_assert(tu_same_file(p, b), "the local copy differs");
	rss1 = peak_rss_kib();
	fprintf(stderr, "xfer: 128 MiB loopback: put %.2fs (%.0f MB/s), get %.2fs (%.0f MB/s), "
	    "peak RSS +%ld KiB\n", t_put, big / t_put / 1e6, t_get, big / t_get / 1e6,
	    rss1 - rss0);
	/*
	 * Memory follows the windows (4 streams x 2 MiB), not the file size.
	 * Not under ASan: its quarantine keeps freed chunks resident.
	 */
#ifndef __SANITIZE_ADDRESS__
	cr_assert_lt(rss1 - rss0, 48 * 1024, "peak RSS grew by %ld KiB", rss1 - rss0);
#endif
	x_free(r);
	free(r);
	free(p);
	free(m);
	free(b);
	free(src);
	free(mid);
	free(back);
	et_fini(&e);
}

/* ---- trees, preserve ---- */

static void
mktree(const char *root)
{
	char *cmd = NULL;
	int st;

	cr_assert(asprintf(&cmd,
	    "set -e; cd '%s'; mkdir -p t/sub/deeper t/empty t/many; "
	    "printf a > t/a; printf bb > t/sub/b; head -c 300000 /dev/urandom > t/sub/deeper/c; "
	    "i=0; while [ $i -lt 200 ]; do head -c $((i * 37 + 1)) /dev/urandom > t/many/f$i; "
	    "i=$((i+1)); done; chmod 644 t/many/*; "
	    "chmod 600 t/a; chmod 755 t/sub/b; chmod 640 t/sub/deeper/c; "
	    "chmod 750 t/empty; chmod 711 t/sub; chmod 755 t t/sub/deeper t/many; "
	    "touch -d @1000000000 t/a; touch -d @1100000000 t/sub/b; "
	    "touch -d @1200000000 t/sub/deeper/c; touch -d @1300000000 t/empty; "
	    "touch -d @1400000000 t/sub/deeper t/sub",
	    root) > 0);
	free(tu_sh(cmd, &st));
	free(cmd);
	cr_assert_eq(st, 0);
}

/* "mode mtime path" for every entry under dir/t, sorted. */
static char *
tree_listing(const char *dir)
{
	char *cmd = NULL, *out;

	cr_assert(asprintf(&cmd, "cd '%s' && find t -printf '%%m %%T@ %%y %%s %%p\\n' | "
	    "sed 's/\\.[0-9]* / /' | sort", dir) > 0);
	out = tu_sh(cmd, NULL);
	free(cmd);
	return out;
}

Test(xfer, tree_recursive_preserve_both_ways)
{
	et_env e;
	char *src, *mid, *back, *t, *mt, *cmd = NULL, *l1, *l2, *l3, *tmps;
	xrun *r;
	int st, i;

	et_init(&e, 0);
	src = shared_dir(&e, "src");
	mid = shared_dir(&e, "remote");
	back = shared_dir(&e, "back");
	mktree(src);
	t = mkpath(src, "t");
	mt = mkpath(mid, "t");
	/* put -r -p: src/t -> remote/t (remote/ exists, so it lands inside) */
	r = calloc(1, sizeof(*r));
	r->dir = ENG_XFER_PUT;
	r->src[0] = t;
	r->nsrc = 1;
	r->dst = mid;
	r->o.recursive = 1;
	r->o.preserve = 1;
	x_run(&e, r, "h1", 60);
	cr_assert(!r->has_error, "put: %s", r->error);
	for (i = 0; i < r->nfiles; i++)
		cr_assert_eq(r->fst[i], ENG_XFER_OK, "put %s: %s", r->fsrc[i], r->ferr[i]);
	cr_assert_eq(r->nfiles, 203);
	x_free(r);
	free(r);
	l1 = tree_listing(src);
	l2 = tree_listing(mid);
	cr_assert_str_eq(l2, l1, "remote tree differs:\n%s\nvs local:\n%s", l2, l1);
	/* get -r -p back, with h2 (sftp-server) this time */
	r = calloc(1, sizeof(*r));
	r->dir = ENG_XFER_GET;
	r->src[0] = mt;
	r->nsrc = 1;
	r->dst = back;
	r->o.recursive = 1;
	r->o.preserve = 1;
	x_run(&e, r, tu_fleet("FLEET_SFTP_SERVER_HOST"), 60);
	cr_assert(!r->has_error, "get: %s", r->error);
	for (i = 0; i < r->nfiles; i++)
		cr_assert_eq(r->fst[i], ENG_XFER_OK, "get %s: %s", r->fsrc[i], r->ferr[i]);
	cr_assert_eq(r->nfiles, 203);
	x_free(r);
	free(r);
	l3 = tree_listing(back);
	cr_assert_str_eq(l3, l1, "fetched tree differs:\n%s\nvs original:\n%s", l3, l1);
	cr_assert(asprintf(&cmd, "diff -r '%s/t' '%s/t' && diff -r '%s/t' '%s/t'", src, mid,
	    src, back) > 0);
	free(tu_sh(cmd, &st));
	free(cmd);
	cr_assert_eq(st, 0, "contents differ");
	tmps = temporaries(et_tmp(&e));
	cr_assert_str_eq(tmps, "", "temporaries left: %s", tmps);
	free(tmps);
	free(l1);
	free(l2);
	free(l3);
	free(t);
	free(mt);
	free(src);
	free(mid);
	free(back);
	et_fini(&e);
}

/* Without preserve: mtime is the time of the copy, mode is the source's. */
Test(xfer, put_from_memory)
{
	et_env e;
	char *mid, *dst, *got;
	size_t len = 0, i;
	char data[20000];
	xrun *r;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (char)('a' + i % 26);
	et_init(&e, 0);
	mid = shared_dir(&e, "remote");
	dst = mkpath(mid, "from-stdin");
	tu_write_file(dst, "old");
	chmod(dst, 0666);
	r = calloc(1, sizeof(*r));
	r->use_data = 1;
	r->data = data;
	r->datalen = sizeof(data);
	r->dst = dst;
	x_run(&e, r, "h1", 30);
	cr_assert(!r->has_error && r->nfiles == 1 && r->fst[0] == ENG_XFER_OK, "%s %s",
	    r->error, r->ferr[0]);
	got = tu_read_file(dst, &len);
	cr_assert_eq(len, sizeof(data));
	cr_assert(memcmp(got, data, len) == 0);
	free(got);
	x_free(r);
	free(r);
	free(dst);
	free(mid);
	et_fini(&e);
}

/* ---- the connection killed mid-transfer, then resume ---- */

static void
killed_then_resumed(eng_xfer_dir dir, const char *host)
{
	et_env e;
	const size_t big = 48u << 20;
	char *src, *dstdir, *p, *target, *tmps, *want_part, *srcpath;
	xrun *r;
	int put = dir == ENG_XFER_PUT;
	struct stat sb;

	et_init(&e, 0);
	src = shared_dir(&e, "src");
	dstdir = shared_dir(&e, "dst");
	/* the source is on the other side for a get: same machine here */
	p = mkfile(src, "big", big, 11);
	target = mkpath(dstdir, "big");
	tu_write_file(target, "the old content");
	chmod(target, 0644);
	srcpath = p;

	/* 1. no resume: killed, target unchanged, temporary gone */
	r = calloc(1, sizeof(*r));
	r->dir = dir;
	r->src[0] = srcpath;
	r->nsrc = 1;
	r->dst = dstdir;
	r->kill_at = big / 3;
	/* Progress often enough that the kill lands mid-way on a fast loopback. */
	r->o.progress_ms = 1;
	x_run(&e, r, host, 60);
	cr_assert(r->killed, "the transfer finished before the kill");
	cr_assert(r->has_error || (r->nfiles == 1 && r->fst[0] == ENG_XFER_FAILED),
	    "no error after the kill");
	cr_assert_eq(r->nfiles, 1);
	cr_assert_eq(r->fst[0], ENG_XFER_FAILED);
	{
		char *old = tu_read_file(target, NULL);

		cr_assert_str_eq(old, "the old content", "target changed by a failed transfer");
		free(old);
	}
	tmps = temporaries(dstdir);
	if (put) {
		/* The remote temporary could not be removed: it is reported. */
		cr_assert_eq(r->nleftover, 1, "leftovers: %zu", r->nleftover);
		cr_assert(strstr(tmps, r->leftover[0]) != NULL, "leftover %s not in: %s",
		    r->leftover[0], tmps);
		unlink(r->leftover[0]);
		free(tmps);
		tmps = temporaries(dstdir);
	}
	cr_assert_str_eq(tmps, "", "temporaries left: %s", tmps);
	free(tmps);
	x_free(r);
	free(r);

	/* 2. with resume: killed, the part is kept, target unchanged */
	r = calloc(1, sizeof(*r));
	r->dir = dir;
	r->src[0] = srcpath;
	r->nsrc = 1;
	r->dst = dstdir;
	r->o.resume = 1;
	r->kill_at = big / 2;
	/* Progress often enough that the kill lands mid-way on a fast loopback. */
	r->o.progress_ms = 1;
	x_run(&e, r, host, 60);
	cr_assert(r->killed && r->nfiles == 1 && r->fst[0] == ENG_XFER_FAILED);
	want_part = mkpath(dstdir, ".big.drover-part");
	cr_assert_eq(stat(want_part, &sb), 0, "the part was not kept");
	cr_assert_gt(sb.st_size, 0);
	cr_assert_lt((size_t)sb.st_size, big);
	x_free(r);
	free(r);

	/* 3. resume again, unharmed: continues from the part, result identical */
	r = calloc(1, sizeof(*r));
	r->dir = dir;
	r->src[0] = srcpath;
	r->nsrc = 1;
	r->dst = dstdir;
	r->o.resume = 1;
	x_run(&e, r, host, 60);
	cr_assert(!r->has_error && r->nfiles == 1 && r->fst[0] == ENG_XFER_OK, "%s %s",
	    r->error, r->ferr[0]);
	cr_assert(r->fresumed[0], "it started over instead of resuming");
	cr_assert_gt(r->fresume_off[0], 0);
	cr_assert(tu_same_file(p, target), "the resumed copy differs");
	cr_assert_neq(stat(want_part, &sb), 0, "the part is still there");
	x_free(r);
	free(r);

	/* 4. a part that does not match the source is not trusted */
	{
		char *junk = mkfile(dstdir, ".big.drover-part", 1 << 20, 999);

		char *cmd = NULL;

		/* The remote user's, as a part it left would be. */
		cr_assert(asprintf(&cmd, "chown %s '%s'", tu_fleet("FLEET_USER"), junk) > 0);
		free(tu_sh(cmd, NULL));
		free(cmd);
		unlink(target);
		r = calloc(1, sizeof(*r));
		r->dir = dir;
		r->src[0] = srcpath;
		r->nsrc = 1;
		r->dst = dstdir;
		r->o.resume = 1;
		x_run(&e, r, host, 60);
		cr_assert(r->nfiles == 1 && r->fst[0] == ENG_XFER_OK, "%s", r->ferr[0]);
		cr_assert(!r->fresumed[0], "resumed from a part with other bytes");
		cr_assert(tu_same_file(p, target), "copy after a bad part differs");
		x_free(r);
		free(r);
		free(junk);
	}
	tmps = temporaries(dstdir);
	cr_assert_str_eq(tmps, "", "temporaries left: %s", tmps);
	free(tmps);
	free(want_part);
	free(target);
	free(p);
	free(src);
	free(dstdir);
	et_fini(&e);
}

Test(xfer, put_killed_then_resumed)
{
	killed_then_resumed(ENG_XFER_PUT, "h1");
}

Test(xfer, get_killed_then_resumed)
{
	killed_then_resumed(ENG_XFER_GET, tu_fleet("FLEET_SFTP_SERVER_HOST"));
}

/* ---- errors, each per file ---- */

Test(xfer, per_file_errors)
{
	et_env e;
	char *src, *mid, *good, *lockeddir, *missing, *tmps, *unreadable;
	xrun *r;
	int i, ok = 0, nf = 0;

	et_init(&e, 0);
	src = shared_dir(&e, "src");
	mid = shared_dir(&e, "remote");
	good = mkfile(src, "good", 1000, 1);
	missing = mkpath(src, "missing");
	lockeddir = mkpath(et_tmp(&e), "locked");
	cr_assert_eq(mkdir(lockeddir, 0755), 0);   /* root's: the remote user cannot write */
	/* put: one good, one missing, into a writable dir */
	r = calloc(1, sizeof(*r));
	r->dir = ENG_XFER_PUT;
	r->src[0] = good;
	r->src[1] = missing;
	r->nsrc = 2;
	r->dst = mid;
	x_run(&e, r, "h1", 30);
	cr_assert(!r->has_error, "%s", r->error);
	for (i = 0; i < r->nfiles; i++) {
		if (r->fst[i] == ENG_XFER_OK)
			ok++;
		else {
			nf++;
			cr_assert(strstr(r->ferr[i], "missing") && strstr(r->ferr[i], "no such file"),
			    "error: %s", r->ferr[i]);
		}
	}
	cr_assert(ok == 1 && nf == 1);
	x_free(r);
	free(r);
	/* put into a directory the remote user may not write */
	r = calloc(1, sizeof(*r));
	r->dir = ENG_XFER_PUT;
	r->src[0] = good;
	r->nsrc = 1;
	r->dst = lockeddir;
	x_run(&e, r, "h1", 30);
	cr_assert_eq(r->nfiles, 1);
	cr_assert_eq(r->fst[0], ENG_XFER_FAILED);
	cr_assert(strstr(r->ferr[0], "ermission denied"), "error: %s", r->ferr[0]);
	x_free(r);
	free(r);
	/* put under a directory that does not exist */
	r = calloc(1, sizeof(*r));
	r->dir = ENG_XFER_PUT;
	r->src[0] = good;
	r->nsrc = 1;
	r->dst = "/nonexistent-drover/dir/file";
	x_run(&e, r, "h1", 30);
	cr_assert(r->nfiles == 1 && r->fst[0] == ENG_XFER_FAILED);
	cr_assert(strstr(r->ferr[0], "No such file"), "error: %s", r->ferr[0]);
	x_free(r);
	free(r);
	/* get: a root-only file, a missing one, and a good one */
	unreadable = mkfile(lockeddir, "secret", 100, 3);
	chmod(unreadable, 0600);
	{
		char *rgood = mkpath(mid, "good"), *rmiss = mkpath(mid, "nope");
		char *back = shared_dir(&e, "back");

		r = calloc(1, sizeof(*r));
		r->dir = ENG_XFER_GET;
		r->src[0] = unreadable;
		r->src[1] = rmiss;
		r->src[2] = rgood;
		r->nsrc = 3;
		r->dst = back;
		x_run(&e, r, tu_fleet("FLEET_SFTP_SERVER_HOST"), 30);
		cr_assert(!r->has_error, "%s", r->error);
		cr_assert_eq(r->nfiles, 3);
		for (i = 0; i < 3; i++) {
			if (strstr(r->fsrc[i], "secret"))
				cr_assert(r->fst[i] == ENG_XFER_FAILED &&
				    strstr(r->ferr[i], "ermission denied"), "%s", r->ferr[i]);
			else if (strstr(r->fsrc[i], "nope"))
				cr_assert(r->fst[i] == ENG_XFER_FAILED &&
				    strstr(r->ferr[i], "No such file"), "%s", r->ferr[i]);
			else
				cr_assert_eq(r->fst[i], ENG_XFER_OK, "%s", r->ferr[i]);
		}
		x_free(r);
		free(r);
		/* a destination that is not a directory, with two sources: job error */
		r = calloc(1, sizeof(*r));
		r->dir = ENG_XFER_GET;
		r->src[0] = rgood;
		r->src[1] = rgood;
		r->nsrc = 2;
		r->dst = good;
		x_run(&e, r, "h1", 30);
		cr_assert(r->has_error, "no error for two sources into a file");
		cr_assert(strstr(r->error, "not a directory"), "%s", r->error);
		x_free(r);
		free(r);
		free(rgood);
		free(rmiss);
		free(back);
	}
	tmps = temporaries(et_tmp(&e));
	cr_assert_str_eq(tmps, "", "temporaries left: %s", tmps);
	free(tmps);
	free(unreadable);
	free(good);
	free(missing);
	free(lockeddir);
	free(src);
	free(mid);
	et_fini(&e);
}

/* Disk full on either side: a 1 MiB tmpfs (as root; skipped otherwise). */
Test(xfer, disk_full_both_sides)
{
	et_env e;
	char *src, *full, *p, *tmps, *cmd = NULL;
	xrun *r;
	int dir;

	if (geteuid() != 0) {
		cr_skip_test("needs root to mount a small tmpfs");
		return;
	}
	et_init(&e, 0);
	src = shared_dir(&e, "src");
	full = shared_dir(&e, "full");
	cr_assert(asprintf(&cmd, "mount -t tmpfs -o size=1m,mode=1777 drover-full '%s'",
	    full) > 0);
	{
		int st;

		free(tu_sh(cmd, &st));
		cr_assert_eq(st, 0, "mount failed");
	}
	free(cmd);
	mounted = full;
	p = mkfile(src, "three-mb", 3u << 20, 5);
	for (dir = 0; dir < 2; dir++) {
		r = calloc(1, sizeof(*r));
		r->dir = dir == 0 ? ENG_XFER_PUT : ENG_XFER_GET;
		r->src[0] = p;
		r->nsrc = 1;
		r->dst = full;
		x_run(&e, r, "h1", 30);
		cr_assert_eq(r->nfiles, 1);
		cr_assert_eq(r->fst[0], ENG_XFER_FAILED, "%s into a full disk succeeded",
		    dir == 0 ? "put" : "get");
		cr_assert(strstr(r->ferr[0], "three-mb") != NULL, "error: %s", r->ferr[0]);
		cr_assert(strstr(r->ferr[0], ".drover-") == NULL, "the temporary named: %s",
		    r->ferr[0]);
		cr_assert(strstr(r->ferr[0], "no space"), "error: %s", r->ferr[0]);
		fprintf(stderr, "xfer: disk full (%s): %s\n", dir == 0 ? "put" : "get",
		    r->ferr[0]);
		x_free(r);
		free(r);
		tmps = temporaries(full);
		cr_assert_str_eq(tmps, "", "temporaries left: %s", tmps);
		free(tmps);
	}
	umount2(full, MNT_DETACH);
	mounted = NULL;
	free(p);
	free(src);
	free(full);
	et_fini(&e);
}

/* ---- through the fault proxy ---- */

typedef struct proxy {
	pid_t pid;
	int port;
	char known_hosts[1024];
} proxy;

/* Starts drover-faultproxy in front of h1 with extra options (NULL-terminated). */
static void
proxy_start(et_env *e, proxy *p, const char *const *extra)
{
	char target[128];

	snprintf(target, sizeof(target), "%s:%s", et_fleet("FLEET_ADDR_1"),
	    et_fleet("FLEET_PORT"));
	p->pid = tu_proxy_start(target, extra, &p->port);
	/* Another address:port: a known_hosts of its own, learnt on first use. */
	snprintf(p->known_hosts, sizeof(p->known_hosts), "%s/kh-%d", et_tmp(e), p->port);
}

static void
proxy_stop(proxy *p)
{
	tu_proxy_stop(p->pid);
	p->pid = 0;
}

static void
proxy_conn_opts(eng_conn_opts *o, const proxy *p)
{
	et_conn_opts_init(o, "h1");
	o->address = "127.0.0.1";
	o->port = p->port;
	o->known_hosts = p->known_hosts;
	o->accept_new = 1;
}

Test(xfer, through_proxy_with_delay)
{
	static const char *const opts[] = { "-d", "15", NULL };
	et_env e;
	proxy p;
	eng_conn_opts o;
	char *src, *mid, *back, *f, *m, *b;
	xrun *r;
	double t0, t_put, t_get;
	const size_t n = 24u << 20;

	et_init(&e, 0);
	src = shared_dir(&e, "src");
	mid = shared_dir(&e, "remote");
	back = shared_dir(&e, "back");
	f = mkfile(src, "f", n, 21);
	proxy_start(&e, &p, opts);
	proxy_conn_opts(&o, &p);
	r = calloc(1, sizeof(*r));
	r->dir = ENG_XFER_PUT;
	r->src[0] = f;
	r->nsrc = 1;
	r->dst = mid;
	r->o.stripe_min = 4u << 20;
	t0 = tu_now();
	x_run_opts(&e, r, &o, 60);
	t_put = tu_now() - t0;
	cr_assert(!r->has_error && r->fst[0] == ENG_XFER_OK, "%s %s", r->error, r->ferr[0]);
	x_free(r);
	free(r);
	m = mkpath(mid, "f");
	r = calloc(1, sizeof(*r));
	r->dir = ENG_XFER_GET;
	r->src[0] = m;
	r->nsrc = 1;
	r->dst = back;
	r->o.stripe_min = 4u << 20;
	t0 = tu_now();
	x_run_opts(&e, r, &o, 60);
	t_get = tu_now() - t0;
	cr_assert(!r->has_error && r->fst[0] == ENG_XFER_OK, "%s %s", r->error, r->ferr[0]);
	x_free(r);
	free(r);
	proxy_stop(&p);
	b = mkpath(back, "f");
	cr_assert(tu_same_file(f, m) && tu_same_file(f, b), "copies through the proxy differ");
	/* 30 ms RTT: the handshake alone takes several; a transfer is not instant. */
	cr_assert_gt(t_put, 0.1, "no delay seen: %.3f s", t_put);
	fprintf(stderr, "xfer: 24 MiB at 30 ms RTT (connect included): put %.2fs (%.1f MB/s), "
	    "get %.2fs (%.1f MB/s)\n", t_put, n / t_put / 1e6, t_get, n / t_get / 1e6);
	free(f);
	free(m);
	free(b);
	free(src);
	free(mid);
	free(back);
	et_fini(&e);
}

Test(xfer, proxy_reset_mid_transfer)
{
	static const char *const opts[] = { "-x", "3000000", NULL };
	et_env e;
	proxy p;
	eng_conn_opts o;
	char *src, *mid, *back, *f, *target, *tmps, *old;
	xrun *r;
	int put;

	et_init(&e, 0);
	src = shared_dir(&e, "src");
	mid = shared_dir(&e, "remote");
	back = shared_dir(&e, "back");
	f = mkfile(mid, "f", 8u << 20, 31);   /* the get's source */
	for (put = 1; put >= 0; put--) {
		target = mkpath(put ? mid : back, put ? "g" : "f");
		tu_write_file(target, "old");
		chmod(target, 0666);
		proxy_start(&e, &p, opts);
		proxy_conn_opts(&o, &p);
		r = calloc(1, sizeof(*r));
		r->dir = put ? ENG_XFER_PUT : ENG_XFER_GET;
		r->src[0] = f;
		r->nsrc = 1;
		r->dst = target;
		x_run_opts(&e, r, &o, 60);
		proxy_stop(&p);
		cr_assert_eq(r->nfiles, 1);
		cr_assert_eq(r->fst[0], ENG_XFER_FAILED, "%s survived a reset", put ? "put" : "get");
		cr_assert(r->has_error, "no job error after a reset");
		old = tu_read_file(target, NULL);
		cr_assert_str_eq(old, "old", "target changed");
		free(old);
		if (put) {
			cr_assert_eq(r->nleftover, 1);
			unlink(r->leftover[0]);
		}
		tmps = temporaries(et_tmp(&e));
		cr_assert_str_eq(tmps, "", "temporaries left: %s", tmps);
		free(tmps);
		x_free(r);
		free(r);
		free(target);
	}
	free(f);
	free(src);
	free(mid);
	free(back);
	et_fini(&e);
}

/* ---- atomicity: a reader polling the target sees old or new, nothing else ---- */

static struct {
	const char *path;
	size_t old_len, new_len;
	volatile int stop;
	int reads, saw_old, saw_new, bad;
	char what[256];
} rd;

static void *
reader(void *arg)
{
	static char buf[8u << 20];

	(void)arg;
	while (!rd.stop) {
		FILE *fp = fopen(rd.path, "r");
		size_t len, i;
		char c;

		if (fp == NULL) {
			rd.bad++;
			snprintf(rd.what, sizeof(rd.what), "target missing: %s", strerror(errno));
			continue;
		}
		len = fread(buf, 1, sizeof(buf), fp);
		fclose(fp);
		rd.reads++;
		c = len == rd.old_len ? 'A' : 'B';
		if (len != rd.old_len && len != rd.new_len) {
			rd.bad++;
			snprintf(rd.what, sizeof(rd.what), "length %zu", len);
			continue;
		}
		for (i = 0; i < len && buf[i] == c; i++)
			;
		if (i != len) {
			rd.bad++;
			snprintf(rd.what, sizeof(rd.what), "byte %zu of %zu is %02x", i, len,
			    (unsigned char)buf[i]);
			continue;
		}
		if (c == 'A')
			rd.saw_old++;
		else
			rd.saw_new++;
	}
	return NULL;
}

Test(xfer, reader_sees_old_or_new_only)
{
	static const char *const opts[] = { "-r", "20000000", NULL };
	et_env e;
	proxy p;
	eng_conn_opts o;
	char *src, *mid, *f, *target, *cmd = NULL;
	xrun *r;
	pthread_t th;

	et_init(&e, 0);
	src = shared_dir(&e, "src");
	mid = shared_dir(&e, "remote");
	target = mkpath(mid, "f");
	f = mkpath(src, "f");
	cr_assert(asprintf(&cmd, "head -c 4000000 /dev/zero | tr '\\0' A > %s; "
	    "head -c 6000000 /dev/zero | tr '\\0' B > %s; chmod 666 %s %s", target, f, target,
	    f) > 0);
	free(tu_sh(cmd, NULL));
	free(cmd);
	memset(&rd, 0, sizeof(rd));
	rd.path = target;
	rd.old_len = 4000000;
	rd.new_len = 6000000;
	/* 20 MB/s through the proxy: the put takes a while, the reader reads on. */
	proxy_start(&e, &p, opts);
	proxy_conn_opts(&o, &p);
	cr_assert_eq(pthread_create(&th, NULL, reader, NULL), 0);
	r = calloc(1, sizeof(*r));
	r->dir = ENG_XFER_PUT;
	r->src[0] = f;
	r->nsrc = 1;
	r->dst = target;
	x_run_opts(&e, r, &o, 60);
	usleep(50000);
	rd.stop = 1;
	pthread_join(th, NULL);
	proxy_stop(&p);
	cr_assert(!r->has_error && r->fst[0] == ENG_XFER_OK, "%s %s", r->error, r->ferr[0]);
	cr_assert_eq(rd.bad, 0, "%d bad reads, e.g. %s", rd.bad, rd.what);
	cr_assert_gt(rd.saw_old, 10, "the reader saw the old content %d times", rd.saw_old);
	cr_assert_gt(rd.saw_new, 0, "the reader never saw the new content");
	fprintf(stderr, "xfer: reader: %d reads, %d old, %d new, 0 torn\n", rd.reads,
	    rd.saw_old, rd.saw_new);
	x_free(r);
	free(r);
	free(f);
	free(target);
	free(src);
	free(mid);
	et_fini(&e);
}

/* ---- a hostile server (tests/support/hostile_sftp.py as h2's subsystem) ---- */

static void
hostile_set(const char *mode)
{
	char *line = NULL;

	cr_assert(tu_fleet_has("FLEET_SFTP_HOSTILE_FILE"), "fleet without the hostile hook");
	cr_assert(asprintf(&line, "python3 %s/tests/support/hostile_sftp.py %s\n",
	    getenv("DROVER_SRC"), mode) > 0);
	tu_write_file(tu_fleet("FLEET_SFTP_HOSTILE_FILE"), line);
	chmod(tu_fleet("FLEET_SFTP_HOSTILE_FILE"), 0644);
	free(line);
}

Test(xfer, hostile_names_and_reply_order)
{
	et_env e;
	char *back, *got, *found, *cmd = NULL, *okpath;
	size_t len = 0, i;
	xrun *r;
	int ok = 0, skipped = 0;

	et_init(&e, 0);
	back = shared_dir(&e, "back");
	hostile_set("names");
	r = calloc(1, sizeof(*r));
	r->dir = ENG_XFER_GET;
	r->src[0] = "/hostile";
	r->nsrc = 1;
	r->dst = back;
	r->o.recursive = 1;
	r->o.chunk = 32768;   /* ten reads in flight, answered in reverse order */
	x_run(&e, r, tu_fleet("FLEET_SFTP_SERVER_HOST"), 30);
	hostile_clear();
	cr_assert(!r->has_error, "job error: %s", r->error);
	for (i = 0; i < (size_t)r->nfiles; i++) {
		if (r->fst[i] == ENG_XFER_OK) {
			ok++;
			cr_assert(strstr(r->fdst[i], "/hostile/ok.txt"), "%s", r->fdst[i]);
		} else {
			cr_assert_eq(r->fst[i], ENG_XFER_SKIPPED, "%s: %s", r->fsrc[i], r->ferr[i]);
			cr_assert(strstr(r->ferr[i], "4 name(s) refused"), "%s", r->ferr[i]);
			skipped++;
		}
	}
	cr_assert(ok == 1 && skipped == 1, "ok %d skipped %d", ok, skipped);
	okpath = mkpath(back, "hostile/ok.txt");
	got = tu_read_file(okpath, &len);
	cr_assert_not_null(got);
	cr_assert_eq(len, 300000);
	for (i = 0; i < len; i++)
		cr_assert_eq((unsigned char)got[i], i % 251, "byte %zu", i);
	free(got);
	/* Nothing but that one file was created, anywhere. */
	cr_assert(asprintf(&cmd, "cd '%s' && find . -mindepth 1 | sort; "
	    "ls /etc/evil 2>/dev/null; find / -xdev -name evil -newer '%s' 2>/dev/null | head",
	    et_tmp(&e), et_fleet("FLEET_DIR")) > 0);
	found = tu_sh(cmd, NULL);
	free(cmd);
	cr_assert_str_eq(found, "./back\n./back/hostile\n./back/hostile/ok.txt\n",
	    "created: %s", found);
	free(found);
	free(okpath);
	x_free(r);
	free(r);
	free(back);
	et_fini(&e);
}

Test(xfer, hostile_protocol_errors)
{
	static const char *const modes[] = { "badlen", "hugecount", "dupid", "bigpacket" };
	et_env e;
	char *back, *tmps;
	xrun *r;
	size_t m;
	int i;

	et_init(&e, 0);
	back = shared_dir(&e, "back");
	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		char all[4096] = "";

		hostile_set(modes[m]);
		r = calloc(1, sizeof(*r));
		r->dir = ENG_XFER_GET;
		r->src[0] = "/hostile";
		r->nsrc = 1;
		r->dst = back;
		r->o.recursive = 1;
		x_run(&e, r, tu_fleet("FLEET_SFTP_SERVER_HOST"), 30);
		hostile_clear();
		snprintf(all, sizeof(all), "%s", r->error);
		for (i = 0; i < r->nfiles; i++) {
			cr_assert_neq(r->fst[i], ENG_XFER_OK, "%s: a file came through", modes[m]);
			strncat(all, " | ", sizeof(all) - strlen(all) - 1);
			strncat(all, r->ferr[i], sizeof(all) - strlen(all) - 1);
		}
		cr_assert(strstr(all, "protocol error") != NULL, "%s: %s", modes[m], all);
		fprintf(stderr, "xfer: hostile %s: %s\n", modes[m], all);
		x_free(r);
		free(r);
	}
	tmps = temporaries(et_tmp(&e));
	cr_assert_str_eq(tmps, "", "temporaries left: %s", tmps);
	free(tmps);
	free(back);
	et_fini(&e);
}

/* ---- throughput against OpenSSH's sftp (only with DROVER_XFER_BENCH=MB) ---- */

static double
openssh_sftp(const char *batch, const proxy *p)
{
	char *cmd = NULL;
	double t0 = tu_now();
	int st;

	if (p != NULL)
		cr_assert(asprintf(&cmd, "printf '%%s\\n' '%s' | sftp -q -F %s -o HostName=127.0.0.1 "
		    "-o Port=%d -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no "
		    "-b - h1 >/dev/null 2>&1", batch, et_fleet("FLEET_SSH_CONFIG"), p->port) > 0);
	else
		cr_assert(asprintf(&cmd, "printf '%%s\\n' '%s' | sftp -q -F %s -b - h1 >/dev/null 2>&1",
		    batch, et_fleet("FLEET_SSH_CONFIG")) > 0);
	free(tu_sh(cmd, &st));
	free(cmd);
	cr_assert_eq(st, 0, "sftp failed: %s", batch);
	return tu_now() - t0;
}

Test(xfer, bench_vs_openssh)
{
	static const char *const opts[] = { "-d", "15", NULL };
	et_env e;
	proxy p;
	eng_conn_opts o;
	char *src, *mid, *back, *f, *m, batch[4096];
	const char *mb = getenv("DROVER_XFER_BENCH");
	size_t n;
	int via;

	if (mb == NULL) {
		cr_skip_test("set DROVER_XFER_BENCH=<MiB> to compare with OpenSSH sftp");
		return;
	}
	n = (size_t)atoi(mb) << 20;
	et_init(&e, 0);
	src = shared_dir(&e, "src");
	mid = shared_dir(&e, "remote");
	back = shared_dir(&e, "back");
	f = mkfile(src, "f", n, 77);
	m = mkpath(mid, "f");
	for (via = 0; via < 2; via++) {
		double t[4];
		xrun *r;

		if (via)
			proxy_start(&e, &p, opts);
		for (int dir = 0; dir < 2; dir++) {
			r = calloc(1, sizeof(*r));
			r->dir = dir == 0 ? ENG_XFER_PUT : ENG_XFER_GET;
			r->src[0] = dir == 0 ? f : m;
			r->nsrc = 1;
			r->dst = dir == 0 ? mid : back;
			if (getenv("DROVER_XFER_BENCH_STREAMS") != NULL)
				r->o.streams = atoi(getenv("DROVER_XFER_BENCH_STREAMS"));
			t[dir] = tu_now();
			if (via) {
				proxy_conn_opts(&o, &p);
				x_run_opts(&e, r, &o, 600);
			} else {
				x_run(&e, r, "h1", 600);
			}
			t[dir] = tu_now() - t[dir];
			cr_assert(r->fst[0] == ENG_XFER_OK, "%s", r->ferr[0]);
			x_free(r);
			free(r);
		}
		snprintf(batch, sizeof(batch), "put %s %s/g", f, mid);
		t[2] = openssh_sftp(batch, via ? &p : NULL);
		snprintf(batch, sizeof(batch), "get %s %s/g", m, back);
		t[3] = openssh_sftp(batch, via ? &p : NULL);
		if (via)
			proxy_stop(&p);
		fprintf(stderr, "bench %zu MiB %s: drover put %.2fs (%.0f MB/s) get %.2fs (%.0f MB/s) | "
		    "sftp put %.2fs (%.0f MB/s) get %.2fs (%.0f MB/s) | ratio put %.2fx get %.2fx\n",
		    n >> 20, via ? "30ms RTT" : "loopback", t[0], n / t[0] / 1e6, t[1],
		    n / t[1] / 1e6, t[2], n / t[2] / 1e6, t[3], n / t[3] / 1e6, t[2] / t[0],
		    t[3] / t[1]);
	}
	free(f);
	free(m);
	free(src);
	free(mid);
	free(back);
	et_fini(&e);
}

/* ---- cancel: before the channels open, and in the middle ---- */

static void
cancel_at_third(xrun *r)
{
	if (r->x != NULL && r->last_done > (16u << 20) / 3 && !r->killed) {
		r->killed = 1;   /* reused: cancelled once */
		eng_xfer_cancel(r->x);
	}
}

static void
cancel_now(et_conn *ec, eng_conn_state st)
{
	xrun *r = ec->ud;

	if (st != ENG_CONN_READY)
		return;
	x_start(r);
	eng_xfer_cancel(r->x);   /* the sftp channels are still opening */
}

Test(xfer, cancel_early_and_midway)
{
	et_env e;
	char *src, *mid, *f, *target, *old, *tmps;
	eng_conn_opts o;
	xrun *r;
	int pass;

	et_init(&e, 0);
	src = shared_dir(&e, "src");
	mid = shared_dir(&e, "remote");
	f = mkfile(src, "f", 16u << 20, 41);
	target = mkpath(mid, "f");
	tu_write_file(target, "old");
	chmod(target, 0666);
	for (pass = 0; pass < 2; pass++) {
		r = calloc(1, sizeof(*r));
		r->dir = ENG_XFER_PUT;
		r->src[0] = f;
		r->nsrc = 1;
		r->dst = target;
		r->o.chunk = 16384;    /* many small steps: progress comes often */
		r->o.window = 262144;
		r->o.progress_ms = 1;  /* the cancel comes in the middle */
		r->e = &e;
		et_conn_opts_init(&o, "h1");
		et_open(&e, &r->ec, &o);
		r->ec.ud = r;
		if (pass == 0) {
			r->ec.hook = cancel_now;
		} else {
			r->ec.hook = x_conn;
			r->on_progress_hook = cancel_at_third;
		}
		et_run(&e, 60);
		cr_assert(r->done, "pass %d: the job never ended", pass);
		cr_assert(r->cancelled, "pass %d: not reported as cancelled (error %s)", pass,
		    r->error);
		cr_assert(!r->has_error, "pass %d: %s", pass, r->error);
		if (pass == 1) {
			cr_assert_eq(r->nfiles, 1);
			cr_assert_eq(r->fst[0], ENG_XFER_FAILED);
			cr_assert(strstr(r->ferr[0], "cancelled"), "%s", r->ferr[0]);
			cr_assert_lt(r->prog.bytes_done, 16u << 20);
		}
		old = tu_read_file(target, NULL);
		cr_assert_str_eq(old, "old", "pass %d: target changed", pass);
		free(old);
		tmps = temporaries(mid);
		cr_assert_str_eq(tmps, "", "pass %d: temporaries left: %s", pass, tmps);
		free(tmps);
		x_free(r);
		free(r);
	}
	free(f);
	free(target);
	free(src);
	free(mid);
	et_fini(&e);
}

/* A server that stops answering (the proxy stalls): cancel still ends the job. */
static void
cancel_later(uv_timer_t *t)
{
	xrun *r = t->data;

	if (r->x != NULL)
		eng_xfer_cancel(r->x);
	uv_close((uv_handle_t *)t, free_handle);
}

static void
stall_conn(et_conn *ec, eng_conn_state st)
{
	xrun *r = ec->ud;
	uv_timer_t *t;

	if (st != ENG_CONN_READY)
		return;
	x_start(r);
	t = calloc(1, sizeof(*t));
	uv_timer_init(&r->e->loop, t);
	t->data = r;
	uv_timer_start(t, cancel_later, 1000, 0);
}

Test(xfer, cancel_while_the_server_stalls)
{
	static const char *const opts[] = { "-s", "2000000", NULL };
	et_env e;
	proxy p;
	eng_conn_opts o;
	char *src, *mid, *f, *target, *old;
	xrun *r;
	double t0;

	et_init(&e, 0);
	src = shared_dir(&e, "src");
	mid = shared_dir(&e, "remote");
	f = mkfile(src, "f", 8u << 20, 51);
	target = mkpath(mid, "f");
	tu_write_file(target, "old");
	chmod(target, 0666);
	proxy_start(&e, &p, opts);
	proxy_conn_opts(&o, &p);
	r = calloc(1, sizeof(*r));
	r->e = &e;
	r->dir = ENG_XFER_PUT;
	r->src[0] = f;
	r->nsrc = 1;
	r->dst = target;
	et_open(&e, &r->ec, &o);
	r->ec.ud = r;
	r->ec.hook = stall_conn;
	t0 = tu_now();
	et_run(&e, 30);
	proxy_stop(&p);
	cr_assert(r->done && r->cancelled, "done %d cancelled %d: %s", r->done, r->cancelled,
	    r->error);
	cr_assert_lt(tu_now() - t0, 10, "the cancel took %.1f s", tu_now() - t0);
	cr_assert(r->nfiles == 1 && r->fst[0] == ENG_XFER_FAILED, "%s", r->ferr[0]);
	cr_assert_lt(r->prog.bytes_done, 8u << 20);
	/* Its temporary could not be removed through the stalled server. */
	cr_assert_eq(r->nleftover, 1);
	cr_assert(strstr(r->leftover[0], "/.f.drover-") != NULL, "%s", r->leftover[0]);
	unlink(r->leftover[0]);
	old = tu_read_file(target, NULL);
	cr_assert_str_eq(old, "old");
	free(old);
	x_free(r);
	free(r);
	free(f);
	free(target);
	free(src);
	free(mid);
	et_fini(&e);
}
