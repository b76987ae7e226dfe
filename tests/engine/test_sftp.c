/*
 * tests/engine/test_sftp.c - engine/sftp.c against the fleet's real sshd:
 * VERSION and its extensions (limits@ read), every v3 request and the
 * OpenSSH extensions in one scripted session, many reads in flight with
 * replies matched by id, readdir of a directory whose names include
 * control bytes (dropped and counted), status codes turned into messages,
 * several sftp channels on one conn, the same against the sftp-server
 * binary (host h2 runs it, see tests/fleet/lib.sh), and closing with
 * requests outstanding. The parser itself is fed bad packets directly.
 */
#include "engtest.h"
#include "engine/engine_int.h"

TestSuite(sftp, .fini = et_cleanup, .timeout = 120);

/* ---- one session driven by a script of steps ---- */

#define MAXREP 64

typedef struct rep {
	uint32_t status;
	char message[256];
	eng_sftp_handle handle;
	int has_handle;
	char data[4096];
	size_t len;
	eng_sftp_attrs attrs;
	int has_attrs;
	char names[64][64];
	size_t nnames, refused;
	eng_sftp_vfs vfs;
	int has_vfs;
} rep;

typedef struct sess sess;
typedef void (*step_fn)(sess *t);

struct sess {
	et_env *e;
	et_conn ec;
	eng_sftp *s;
	int ready, ended, nend;
	char end_error[512];
	int has_end_error;
	rep r[MAXREP];
	int nrep, outstanding;
	step_fn *steps;
	int nsteps, step;
	char dir[1024];          /* scratch dir (shared with the remote user) */
	eng_sftp_limits lim;
	int ext_posix_rename, ext_fsync, ext_statvfs, ext_hardlink, ext_limits;
	uint64_t rtt_us;
	void *ud;
};

static void next_step(sess *t);

static void
on_rep(eng_sftp *s, const eng_sftp_reply *r, void *ud)
{
	sess *t = ud;
	rep *p;
	size_t i;

	(void)s;
	cr_assert_lt(t->nrep, MAXREP);
	p = &t->r[t->nrep++];
	t->outstanding--;
	p->status = r->status;
	cr_assert_not_null(r->message);
	snprintf(p->message, sizeof(p->message), "%s", r->message);
	if (r->handle != NULL) {
		p->handle = *r->handle;
		p->has_handle = 1;
	}
	if (r->data != NULL) {
		cr_assert_leq(r->len, sizeof(p->data));
		memcpy(p->data, r->data, r->len);
		p->len = r->len;
	}
	if (r->attrs != NULL) {
		p->attrs = *r->attrs;
		p->has_attrs = 1;
	}
	for (i = 0; i < r->nnames && p->nnames < 64; i++)
		snprintf(p->names[p->nnames++], 64, "%s", r->names[i].name);
	p->refused = r->refused;
	if (r->vfs != NULL) {
		p->vfs = *r->vfs;
		p->has_vfs = 1;
	}
	if (t->outstanding == 0)
		next_step(t);
}

static void
next_step(sess *t)
{
	if (t->step < t->nsteps)
		t->steps[t->step++](t);
	else
		eng_sftp_close(t->s);
}

static void
on_ready(eng_sftp *s, void *ud)
{
	sess *t = ud;

	t->ready = 1;
	eng_sftp_get_limits(s, &t->lim);
	t->ext_posix_rename = eng_sftp_has_ext(s, "posix-rename@openssh.com");
	t->ext_fsync = eng_sftp_has_ext(s, "fsync@openssh.com");
	t->ext_statvfs = eng_sftp_has_ext(s, "statvfs@openssh.com");
	t->ext_hardlink = eng_sftp_has_ext(s, "hardlink@openssh.com");
	t->ext_limits = eng_sftp_has_ext(s, "limits@openssh.com");
	t->rtt_us = eng_sftp_rtt_us(s);
	next_step(t);
}

static void
on_end(eng_sftp *s, const char *error, void *ud)
{
	sess *t = ud;

	(void)s;
	t->ended = 1;
	t->nend++;
	t->has_end_error = error != NULL;
	snprintf(t->end_error, sizeof(t->end_error), "%s", error ? error : "");
	if (t->ec.c != NULL)
		eng_conn_close(t->ec.c);
}

static void
sess_ready(et_conn *ec, eng_conn_state st)
{
	static const eng_sftp_cbs cbs = { on_ready, on_end };
	sess *t = ec->ud;

	if (st == ENG_CONN_READY)
		cr_assert_eq(eng_sftp_start(ec->c, &cbs, t, &t->s), 0);
}

static void
sess_run_opts(et_env *e, sess *t, const eng_conn_opts *o, step_fn *steps, int n)
{
	t->e = e;
	t->steps = steps;
	t->nsteps = n;
	if (t->dir[0] == '\0') {
		snprintf(t->dir, sizeof(t->dir), "%s", et_tmp(e));
		chmod(t->dir, 01777);
	}
	et_open(e, &t->ec, o);
	t->ec.ud = t;
	t->ec.hook = sess_ready;
	et_run(e, 60);
	cr_assert(t->ended, "sftp session never ended");
	cr_assert_eq(t->nend, 1);
}

static void
sess_run(et_env *e, sess *t, const char *host, step_fn *steps, int n)
{
	eng_conn_opts o;

	et_conn_opts_init(&o, host);
	sess_run_opts(e, t, &o, steps, n);
}

#define REQ(call) do { int rc_ = (call); cr_assert_eq(rc_, 0, #call ": %s", \
	eng_strerror(rc_)); t->outstanding++; } while (0)

static char *
P(sess *t, const char *name)
{
	static char buf[4][1200];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", t->dir, name);
	return buf[i];
}

/* ---- the whole request set on one session ---- */

static void s_open(sess *t)
{
	eng_sftp_attrs a = { .flags = ENG_SFTP_ATTR_PERMISSIONS, .perm = 0640 };

	REQ(eng_sftp_open(t->s, P(t, "f"), ENG_SFTP_WRITE | ENG_SFTP_CREAT | ENG_SFTP_EXCL,
	    &a, on_rep, t));
}
static void s_write(sess *t)
{
	cr_assert(t->r[0].has_handle, "open: %s", t->r[0].message);
	REQ(eng_sftp_write(t->s, &t->r[0].handle, 0, "hello ", 6, on_rep, t));
	REQ(eng_sftp_write(t->s, &t->r[0].handle, 6, "world", 5, on_rep, t));
	REQ(eng_sftp_fsync(t->s, &t->r[0].handle, on_rep, t));
	REQ(eng_sftp_fstat(t->s, &t->r[0].handle, on_rep, t));
}
static void s_close(sess *t)
{
	REQ(eng_sftp_fclose(t->s, &t->r[0].handle, on_rep, t));
}
static void s_reopen(sess *t)
{
	REQ(eng_sftp_open(t->s, P(t, "f"), ENG_SFTP_READ, NULL, on_rep, t));   /* 6 */
	REQ(eng_sftp_open(t->s, P(t, "f"), ENG_SFTP_WRITE | ENG_SFTP_CREAT | ENG_SFTP_EXCL,
	    NULL, on_rep, t));                                                  /* 7: exists */
	REQ(eng_sftp_open(t->s, P(t, "missing/x"), ENG_SFTP_READ, NULL, on_rep, t)); /* 8 */
}
static void s_read(sess *t)
{
	int i;

	/* Ten reads in flight at once, of different sizes and offsets. */
	for (i = 0; i < 10; i++)
		REQ(eng_sftp_read(t->s, &t->r[6].handle, (uint64_t)i, (uint32_t)(11 - i),
		    on_rep, t));                                                /* 9..18 */
	REQ(eng_sftp_read(t->s, &t->r[6].handle, 11, 100, on_rep, t));   /* 19: EOF */
}
static void s_meta(sess *t)
{
	eng_sftp_attrs a = { .flags = ENG_SFTP_ATTR_PERMISSIONS | ENG_SFTP_ATTR_ACMODTIME,
	    .perm = 0604, .atime = 1000000000, .mtime = 1234567890 };

	REQ(eng_sftp_fclose(t->s, &t->r[6].handle, on_rep, t));          /* 20 */
	REQ(eng_sftp_setstat(t->s, P(t, "f"), &a, on_rep, t));            /* 21 */
	REQ(eng_sftp_mkdir(t->s, P(t, "d"), NULL, on_rep, t));            /* 22 */
	REQ(eng_sftp_symlink(t->s, "f", P(t, "ln"), on_rep, t));          /* 23 */
	REQ(eng_sftp_hardlink(t->s, P(t, "f"), P(t, "hl"), on_rep, t));   /* 24 */
	REQ(eng_sftp_statvfs(t->s, t->dir, on_rep, t));                  /* 25 */
}
static void s_meta2(sess *t)
{
	REQ(eng_sftp_stat(t->s, P(t, "f"), on_rep, t));                   /* 26 */
	REQ(eng_sftp_lstat(t->s, P(t, "ln"), on_rep, t));                 /* 27 */
	REQ(eng_sftp_readlink(t->s, P(t, "ln"), on_rep, t));              /* 28 */
	REQ(eng_sftp_realpath(t->s, P(t, "d/../f"), on_rep, t));          /* 29 */
	REQ(eng_sftp_rename(t->s, P(t, "hl"), P(t, "f"), on_rep, t));     /* 30: exists */
	REQ(eng_sftp_posix_rename(t->s, P(t, "hl"), P(t, "g"), on_rep, t)); /* 31 */
	REQ(eng_sftp_rename(t->s, P(t, "g"), P(t, "d/g"), on_rep, t));    /* 32 */
	REQ(eng_sftp_opendir(t->s, t->dir, on_rep, t));                  /* 33 */
}
static void s_readdir(sess *t)
{
	/* Until EOF: each reply is checked after the loop. */
	REQ(eng_sftp_readdir(t->s, &t->r[t->nrep - 1].handle, on_rep, t));
	if (t->r[33].has_handle)
		t->ud = &t->r[33].handle;
}
static void s_readdir_more(sess *t)
{
	if (t->r[t->nrep - 1].status == ENG_SFTP_OK) {
		t->step--;   /* again */
		REQ(eng_sftp_readdir(t->s, t->ud, on_rep, t));
		return;
	}
	REQ(eng_sftp_fclose(t->s, t->ud, on_rep, t));
}
static void s_cleanup(sess *t)
{
	REQ(eng_sftp_remove(t->s, P(t, "d/g"), on_rep, t));
	REQ(eng_sftp_remove(t->s, P(t, "ln"), on_rep, t));
	REQ(eng_sftp_rmdir(t->s, P(t, "d"), on_rep, t));
	REQ(eng_sftp_remove(t->s, P(t, "nothing-here"), on_rep, t));
}

static void
check_full_session(sess *t, int internal)
{
	char *data, path[1200];
	size_t len = 0, i, n;
	int saw_f = 0, saw_weird = 0, eof = 0, refused = 0;
	struct stat sb;

	cr_assert(!t->has_end_error, "session ended with: %s", t->end_error);
	cr_assert(t->ext_posix_rename && t->ext_fsync && t->ext_statvfs &&
	    t->ext_hardlink && t->ext_limits, "OpenSSH's extensions not seen");
	cr_assert_gt(t->lim.max_read, 0);
	cr_assert_gt(t->lim.max_write, 0);
	cr_assert_geq(t->lim.max_packet, t->lim.max_read);
	for (i = 0; i <= 5; i++)
		cr_assert_eq(t->r[i].status, ENG_SFTP_OK, "reply %zu: %s", i, t->r[i].message);
	cr_assert(t->r[4].has_attrs);
	cr_assert_eq(t->r[4].attrs.size, 11);
	cr_assert_eq(t->r[6].status, ENG_SFTP_OK);
	cr_assert_eq(t->r[7].status, ENG_SFTP_FAILURE, "EXCL on an existing file: %u %s",
	    t->r[7].status, t->r[7].message);
	cr_assert_eq(t->r[8].status, ENG_SFTP_NO_SUCH_FILE);
	cr_assert_str_eq(t->r[8].message, "No such file");
	/* Reads: each reply matched to its own request (by offset/length). */
	for (i = 0; i < 10; i++) {
		const rep *p = NULL;
		size_t k;

		/* Replies come in request order here, but find it by content. */
		for (k = 9; k <= 18; k++)
			if (t->r[k].len == 11 - i && memcmp(&"hello world"[i], t->r[k].data,
			    11 - i) == 0)
				p = &t->r[k];
		cr_assert_not_null(p, "no reply with bytes %zu..10", i);
	}
	cr_assert_eq(t->r[19].status, ENG_SFTP_EOF);
	for (i = 20; i <= 25; i++)
		cr_assert_eq(t->r[i].status, ENG_SFTP_OK, "reply %zu: %s", i, t->r[i].message);
	cr_assert(t->r[25].has_vfs && t->r[25].vfs.bsize > 0 && t->r[25].vfs.namemax > 0);
	cr_assert(t->r[26].has_attrs);
	cr_assert_eq(t->r[26].attrs.perm & 07777, 0604);
	cr_assert_eq(t->r[26].attrs.mtime, 1234567890);
	cr_assert_eq(t->r[26].attrs.size, 11);
	cr_assert(S_ISLNK(t->r[27].attrs.perm), "lstat of a symlink: mode %o",
	    t->r[27].attrs.perm);
	cr_assert_eq(t->r[28].nnames, 1);
	cr_assert_str_eq(t->r[28].names[0], "f");
	snprintf(path, sizeof(path), "%s/f", t->dir);
	{
		char rp[PATH_MAX];

		cr_assert_not_null(realpath(path, rp));
		cr_assert_str_eq(t->r[29].names[0], rp);
	}
	cr_assert_neq(t->r[30].status, ENG_SFTP_OK, "v3 rename over an existing file");
	cr_assert_eq(t->r[31].status, ENG_SFTP_OK, "%s", t->r[31].message);
	cr_assert_eq(t->r[32].status, ENG_SFTP_OK, "%s", t->r[32].message);
	cr_assert(t->r[33].has_handle);
	for (i = 34; i < (size_t)t->nrep - 5; i++) {
		for (n = 0; n < t->r[i].nnames; n++) {
			saw_f |= strcmp(t->r[i].names[n], "f") == 0;
			cr_assert(strcmp(t->r[i].names[n], ".") && strcmp(t->r[i].names[n], ".."));
			cr_assert_eq(strchr(t->r[i].names[n], '\n'), NULL);
			saw_weird |= strncmp(t->r[i].names[n], "weird", 5) == 0;
		}
		refused += (int)t->r[i].refused;
		eof |= t->r[i].status == ENG_SFTP_EOF;
	}
	cr_assert(saw_f && eof, "readdir: f %d eof %d", saw_f, eof);
	cr_assert(!saw_weird, "a name with a newline came through");
	cr_assert_eq(refused, 1, "refused %d", refused);
	/* Cleanup replies: three OK, one NO_SUCH_FILE. */
	cr_assert_eq(t->r[t->nrep - 1].status, ENG_SFTP_NO_SUCH_FILE);
	for (i = (size_t)t->nrep - 4; i < (size_t)t->nrep - 1; i++)
		cr_assert_eq(t->r[i].status, ENG_SFTP_OK, "cleanup %zu: %s", i, t->r[i].message);
	data = tu_read_file(path, &len);
	cr_assert_not_null(data);
	cr_assert_eq(len, 11);
	cr_assert(memcmp(data, "hello world", 11) == 0);
	free(data);
	cr_assert_eq(stat(path, &sb), 0);
	cr_assert_eq(sb.st_mtime, 1234567890);
	(void)internal;
}

static void
full_session(const char *host)
{
	static step_fn steps[] = { s_open, s_write, s_close, s_reopen, s_read, s_meta,
	    s_meta2, s_readdir, s_readdir_more, s_cleanup };
	et_env e;
	sess *t = calloc(1, sizeof(*t));
	char *w;

	et_init(&e, 0);
	snprintf(t->dir, sizeof(t->dir), "%s", et_tmp(&e));
	chmod(t->dir, 01777);
	w = et_write(t->dir, "weird\nname", "x");
	free(w);
	sess_run(&e, t, host, steps, (int)(sizeof(steps) / sizeof(steps[0])));
	check_full_session(t, 1);
	free(t);
	et_fini(&e);
}

Test(sftp, every_request_internal_sftp)
{
	full_session("h1");
}

Test(sftp, every_request_sftp_server_binary)
{
	cr_assert(tu_fleet_has("FLEET_SFTP_SERVER_HOST"), "fleet without an sftp-server host");
	full_session(tu_fleet("FLEET_SFTP_SERVER_HOST"));
}

/* ---- limits, errors ---- */

static void s_big_read_open(sess *t)
{
	REQ(eng_sftp_open(t->s, P(t, "big"), ENG_SFTP_READ, NULL, on_rep, t));
}
static void s_big_read(sess *t)
{
	/* More than the server's cap: it answers short; never more than asked. */
	REQ(eng_sftp_read(t->s, &t->r[0].handle, 0, 1 << 20, on_rep, t));
	REQ(eng_sftp_read(t->s, &t->r[0].handle, 0, 1, on_rep, t));
	cr_assert_eq(eng_sftp_read(t->s, &t->r[0].handle, 0, 0, on_rep, t), ENG_EINVAL);
	cr_assert_eq(eng_sftp_write(t->s, &t->r[0].handle, 0, "x", 1, NULL, t), ENG_EINVAL);
}

static uint32_t big_len[2];

static void
on_rep_len(eng_sftp *s, const eng_sftp_reply *r, void *ud)
{
	sess *t = ud;

	big_len[t->nrep] = (uint32_t)r->len;
	cr_assert_eq(r->status, ENG_SFTP_OK, "%s", r->message);
	t->r[t->nrep].len = 0;
	t->outstanding--;
	t->nrep++;
	(void)s;
	if (t->outstanding == 0)
		next_step(t);
}

static void s_big_read2(sess *t)
{
	t->nrep = 0;
	REQ(eng_sftp_read(t->s, &t->r[0].handle, 0, 1 << 20, on_rep_len, t));
	REQ(eng_sftp_read(t->s, &t->r[0].handle, 100, 1, on_rep_len, t));
}

/*
 * The round trip transfers size their windows and channels by: the limits
 * request's reply, not the session's setup (which can include the
 * connection's handshake). Through the proxy's 20 ms each way it is at
 * least 40 ms; directly, far less.
 */
Test(sftp, round_trip_is_the_limits_reply)
{
	static const char *const opts[] = { "-d", "20", NULL };
	char target[128], kh[1024];
	eng_conn_opts o;
	uint64_t direct;
	et_env e;
	sess *t;
	pid_t px;
	int port;

	et_init(&e, 0);
	t = calloc(1, sizeof(*t));
	sess_run(&e, t, "h1", NULL, 0);
	cr_assert(t->ext_limits, "h1 offers no limits@openssh.com");
	cr_assert_gt(t->rtt_us, 0, "no round trip measured");
	direct = t->rtt_us;
	free(t);

	snprintf(target, sizeof(target), "%s:%s", et_fleet("FLEET_ADDR_1"), et_fleet("FLEET_PORT"));
	px = tu_proxy_start(target, opts, &port);
	snprintf(kh, sizeof(kh), "%s/kh-%d", et_tmp(&e), port);
	et_conn_opts_init(&o, "h1");
	o.address = "127.0.0.1";
	o.port = port;
	o.known_hosts = kh;
	o.accept_new = 1;
	t = calloc(1, sizeof(*t));
	sess_run_opts(&e, t, &o, NULL, 0);
	tu_proxy_stop(px);
	cr_assert_geq(t->rtt_us, 40000, "%llu us through 20 ms each way",
	    (unsigned long long)t->rtt_us);
	cr_assert_lt(t->rtt_us, 5000000, "%llu us", (unsigned long long)t->rtt_us);
	cr_assert_lt(direct, t->rtt_us, "direct %llu us, proxied %llu us",
	    (unsigned long long)direct, (unsigned long long)t->rtt_us);
	free(t);
	et_fini(&e);
}

Test(sftp, read_larger_than_server_cap_comes_back_short)
{
	static step_fn steps[] = { s_big_read_open, s_big_read2 };
	et_env e;
	sess *t = calloc(1, sizeof(*t));
	char *cmd = NULL;

	(void)s_big_read;
	et_init(&e, 0);
	snprintf(t->dir, sizeof(t->dir), "%s", et_tmp(&e));
	chmod(t->dir, 01777);
	cr_assert(asprintf(&cmd, "head -c 2000000 /dev/zero > %s/big", t->dir) > 0);
	free(tu_sh(cmd, NULL));
	free(cmd);
	sess_run(&e, t, "h1", steps, 2);
	cr_assert(!t->has_end_error, "%s", t->end_error);
	cr_assert_gt(big_len[0], 0);
	cr_assert_leq(big_len[0], t->lim.max_read, "read %u > server max %llu", big_len[0],
	    (unsigned long long)t->lim.max_read);
	cr_assert_lt(big_len[0], 1 << 20);
	cr_assert_eq(big_len[1], 1);
	free(t);
	et_fini(&e);
}

/* Closing with requests outstanding: each gets CONNECTION_LOST, then on_end(NULL). */
static int lost_count;

static void
on_rep_lost(eng_sftp *s, const eng_sftp_reply *r, void *ud)
{
	(void)s;
	(void)ud;
	cr_assert_eq(r->status, ENG_SFTP_CONNECTION_LOST);
	cr_assert_str_neq(r->message, "");
	lost_count++;
}

static void s_close_with_pending(sess *t)
{
	int i;

	for (i = 0; i < 20; i++)
		cr_assert_eq(eng_sftp_stat(t->s, t->dir, on_rep_lost, t), 0);
	cr_assert_eq(eng_sftp_inflight(t->s), 20);
	eng_sftp_close(t->s);
	cr_assert_eq(lost_count, 20);
	cr_assert_eq(eng_sftp_stat(t->s, t->dir, on_rep_lost, t), ENG_ECLOSED);
	t->step = t->nsteps;
}

Test(sftp, close_fails_outstanding_requests)
{
	static step_fn steps[] = { s_close_with_pending };
	et_env e;
	sess *t = calloc(1, sizeof(*t));

	et_init(&e, 0);
	lost_count = 0;
	sess_run(&e, t, "h1", steps, 1);
	cr_assert(!t->has_end_error, "%s", t->end_error);
	cr_assert_eq(lost_count, 20);
	free(t);
	et_fini(&e);
}

/* Four sftp channels on one conn, each its own session, all at once. */
typedef struct multi {
	et_conn ec;
	eng_sftp *s[4];
	int ready, ended, ok;
} multi;

static void
m_rep(eng_sftp *s, const eng_sftp_reply *r, void *ud)
{
	multi *m = ud;

	cr_assert_eq(r->status, ENG_SFTP_OK, "%s", r->message);
	cr_assert_eq(r->nnames, 1);
	m->ok++;
	eng_sftp_close(s);
}

static void
m_ready(eng_sftp *s, void *ud)
{
	multi *m = ud;

	m->ready++;
	cr_assert_eq(eng_sftp_realpath(s, ".", m_rep, m), 0);
}

static void
m_end(eng_sftp *s, const char *error, void *ud)
{
	multi *m = ud;

	(void)s;
	cr_assert_null(error, "%s", error);
	if (++m->ended == 4 && m->ec.c != NULL)
		eng_conn_close(m->ec.c);
}

static void
m_conn(et_conn *ec, eng_conn_state st)
{
	static const eng_sftp_cbs cbs = { m_ready, m_end };
	multi *m = ec->ud;
	int i;

	if (st == ENG_CONN_READY)
		for (i = 0; i < 4; i++)
			cr_assert_eq(eng_sftp_start(ec->c, &cbs, m, &m->s[i]), 0);
}

Test(sftp, four_sessions_on_one_conn)
{
	et_env e;
	multi m;
	eng_conn_opts o;

	memset(&m, 0, sizeof(m));
	et_init(&e, 0);
	et_conn_opts_init(&o, "h1");
	et_open(&e, &m.ec, &o);
	m.ec.ud = &m;
	m.ec.hook = m_conn;
	et_run(&e, 30);
	et_assert_ready_closed(&m.ec);
	cr_assert_eq(m.ready, 4);
	cr_assert_eq(m.ok, 4);
	cr_assert_eq(m.ended, 4);
	et_fini(&e);
}

/* ---- copy-data: the server copies between two handles ---- */

static void c_open(sess *t)
{
	REQ(eng_sftp_open(t->s, P(t, "src"), ENG_SFTP_READ, NULL, on_rep, t));
	REQ(eng_sftp_open(t->s, P(t, "dst"), ENG_SFTP_WRITE | ENG_SFTP_CREAT | ENG_SFTP_TRUNC,
	    NULL, on_rep, t));
}
static void c_copy(sess *t)
{
	cr_assert(t->r[0].has_handle && t->r[1].has_handle, "%s / %s", t->r[0].message,
	    t->r[1].message);
	/* bytes 6.. of src to offset 0 of dst, to EOF (len 0) */
	REQ(eng_sftp_copy_data(t->s, &t->r[0].handle, 6, 0, &t->r[1].handle, 0, on_rep, t));
}
static void c_close(sess *t)
{
	REQ(eng_sftp_fclose(t->s, &t->r[0].handle, on_rep, t));
	REQ(eng_sftp_fclose(t->s, &t->r[1].handle, on_rep, t));
}

Test(sftp, copy_data_between_handles)
{
	static step_fn steps[] = { c_open, c_copy, c_close };
	et_env e;
	sess *t = calloc(1, sizeof(*t));
	char *w, *got;

	et_init(&e, 0);
	snprintf(t->dir, sizeof(t->dir), "%s", et_tmp(&e));
	chmod(t->dir, 01777);
	w = et_write(t->dir, "src", "hello world");
	sess_run(&e, t, "h1", steps, 3);
	cr_assert(!t->has_end_error, "%s", t->end_error);
	cr_assert_eq(t->r[2].status, ENG_SFTP_OK, "copy-data: %s", t->r[2].message);
	got = tu_read_file(P(t, "dst"), NULL);
	cr_assert_str_eq(got, "world");
	free(got);
	free(w);
	free(t);
	et_fini(&e);
}

/* ---- the parser on hostile bytes ---- */

static int
parse(const void *b, size_t len, int names, eng__sftp_msg *m)
{
	char err[200];
	int r = eng__sftp_parse(b, len, names, m, err, sizeof(err));

	if (r != 0)
		cr_assert_neq(err[0], '\0', "a parse error without a message");
	return r;
}

Test(sftp, parser_rejects_bad_lengths_and_counts)
{
	eng__sftp_msg m;
	/* STATUS whose message length runs past the packet */
	static const unsigned char st_over[] = { 101, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 1, 0, 'a' };
	/* NAME claiming 2^32-1 entries in a few bytes */
	static const unsigned char name_huge[] = { 104, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	/* HANDLE of 300 bytes claimed */
	static const unsigned char h_big[] = { 102, 0, 0, 0, 1, 0, 0, 1, 44 };
	/* DATA with stray bytes after */
	static const unsigned char d_stray[] = { 103, 0, 0, 0, 1, 0, 0, 0, 1, 'x', 'y' };
	/* ATTRS with extended count too large */
	static const unsigned char a_ext[] = { 105, 0, 0, 0, 1, 0x80, 0, 0, 0, 0x10, 0, 0, 0 };
	/* NAME with "../x", "a/b", "ok" and "." */
	static const unsigned char names[] = { 104, 0, 0, 0, 9, 0, 0, 0, 4,
	    0, 0, 0, 4, '.', '.', '/', 'x', 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 3, 'a', '/', 'b', 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 2, 'o', 'k', 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 1, '.', 0, 0, 0, 0, 0, 0, 0, 0 };
	/* unknown type, empty packet, VERSION with a cut extension */
	static const unsigned char unk[] = { 99, 0, 0, 0, 1 };
	static const unsigned char ver_cut[] = { 2, 0, 0, 0, 3, 0, 0, 0, 5, 'a', 'b' };
	static const unsigned char ok_status[] = { 101, 0, 0, 0, 7, 0, 0, 0, 1 };

	cr_assert_eq(parse(st_over, sizeof(st_over), 0, &m), -1);
	eng__sftp_msg_clear(&m);
	cr_assert_eq(parse(name_huge, sizeof(name_huge), 1, &m), -1);
	eng__sftp_msg_clear(&m);
	cr_assert_eq(parse(h_big, sizeof(h_big), 0, &m), -1);
	eng__sftp_msg_clear(&m);
	cr_assert_eq(parse(d_stray, sizeof(d_stray), 0, &m), -1);
	eng__sftp_msg_clear(&m);
	cr_assert_eq(parse(a_ext, sizeof(a_ext), 0, &m), -1);
	eng__sftp_msg_clear(&m);
	cr_assert_eq(parse(unk, sizeof(unk), 0, &m), -1);
	eng__sftp_msg_clear(&m);
	cr_assert_eq(parse("", 0, 0, &m), -1);
	eng__sftp_msg_clear(&m);
	cr_assert_eq(parse(ver_cut, sizeof(ver_cut), 0, &m), -1);
	eng__sftp_msg_clear(&m);
	cr_assert_eq(parse(names, sizeof(names), 1, &m), 0);
	cr_assert_eq(m.nnames, 1);
	cr_assert_str_eq(m.names[0].name, "ok");
	cr_assert_eq(m.refused, 2);
	eng__sftp_msg_clear(&m);
	/* A status without message (older servers) is accepted. */
	cr_assert_eq(parse(ok_status, sizeof(ok_status), 0, &m), 0);
	cr_assert_eq(m.status, 1);
	cr_assert_str_eq(m.message, "");
	eng__sftp_msg_clear(&m);
	cr_assert_str_eq(eng_sftp_status_str(3), "permission denied");
	cr_assert_str_eq(eng_sftp_status_str(99), "unknown status code");
}

/* Random bytes never crash the parser or read outside the buffer (ASan). */
Test(sftp, parser_random_bytes)
{
	unsigned char buf[512];
	eng__sftp_msg m;
	char err[200];
	unsigned int seed = 12345;
	int i, j, len, ok = 0;

	for (i = 0; i < 200000; i++) {
		len = (int)(rand_r(&seed) % sizeof(buf));
		for (j = 0; j < len; j++)
			buf[j] = (unsigned char)rand_r(&seed);
		if (len > 0)
			buf[0] = (unsigned char)(i % 8 == 0 ? 2 : 101 + i % 5);
		if (len > 8 && i % 3 == 0)
			buf[5] = buf[6] = buf[7] = 0;   /* small counts/lengths more often */
		ok += eng__sftp_parse(buf, (size_t)len, i & 1, &m, err, sizeof(err)) == 0;
		eng__sftp_msg_clear(&m);
	}
	cr_assert_gt(ok, 0, "nothing ever parsed: the generator is useless");
}
