/*
 * tests/engine/test_xfer.c - engine/xfer.c against the fleet's real sshd
 * (h1 internal-sftp, h2 the sftp-server binary): put and get of sizes 0,
 * 1, around the request size, the server's read cap and the window, byte
 * for byte; a large file striped over four streams (cmp); a tree with
 * recursive + preserve (modes, mtimes); data from memory (stdin); the
 * connection killed mid-transfer (sshd child SIGKILLed): target unchanged,
 * no temporary, then resume completes and matches; a reader polling the
 * target during a put sees only the old or the new content; permission
 * denied, missing paths, disk full (a 1 MiB tmpfs), each a per-file
 * error; and the fault proxy: 15 ms one-way delay, and a reset after N
 * bytes.
 */
#include <pthread.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <libgen.h>

#include "engtest.h"

static void suite_fini(void);

TestSuite(xfer, .fini = suite_fini, .timeout = 300);

#define SLEEP_PAT "sleep 4646[4]"

static char *mounted;   /* a tmpfs to unmount after a failed test */

static void
suite_fini(void)
{
	et_remote_kill(SLEEP_PAT);
	if (mounted != NULL) {
		umount2(mounted, MNT_DETACH);
		mounted = NULL;
	}
	et_cleanup();
}

/* ---- a job on one conn, recorded ---- */

#define MAXF 64

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
	if (r->ec.c != NULL && r->helper.x == NULL)
		eng_conn_close(r->ec.c);
	else if (r->ec.c != NULL)
		eng_exec_kill(r->helper.x);
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

/* The helper exec reports the session sshd's pid ($PPID of its shell). */
static void
helper_hook(et_exec *ex)
{
	xrun *r = ex->ud;

	if (r->ec.c != NULL && r->done)
		eng_conn_close(r->ec.c);
}

static void
helper_data(uv_timer_t *t)
{
	xrun *r = t->data;

	if (r->helper.outlen > 0 && strchr(r->helper.out, '\n') != NULL) {
		r->sshd_pid = strtol(r->helper.out, NULL, 10);
		uv_timer_stop(t);
		uv_close((uv_handle_t *)t, (uv_close_cb)free);
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
		r->helper.hook = helper_hook;
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

static int
same_file(const char *a, const char *b)
{
	char *cmd = NULL;
	int st;

	cr_assert(asprintf(&cmd, "cmp -s '%s' '%s'", a, b) > 0);
	free(tu_sh(cmd, &st));
	free(cmd);
	return st == 0;
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
	cr_assert_eq(mkdir(p, 01777), 0);
	chmod(p, 01777);
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

		cr_assert(same_file(paths[i], m), "put of %zu bytes differs", sizes[i]);
		cr_assert(same_file(paths[i], b), "get of %zu bytes differs", sizes[i]);
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
