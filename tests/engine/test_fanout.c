/*
 * tests/engine/test_fanout.c - engine/fanout.c (and the per-endpoint
 * handshake gate in conn.c/ctx.c) against the demo fleet: 30 aliases with a
 * parallelism cap, results in completion order, every result kind (ok,
 * exit status, signal, timeout, unreachable), stop (no new hosts), abort
 * (kill running commands, nothing left remotely), and never more than
 * max_handshakes connections of one server in a handshake at once.
 */
#include "engtest.h"

static void suite_fini(void);

TestSuite(fanout, .fini = suite_fini, .timeout = 120);

#define ABORT_PAT "^sleep 4343[4]$"
#define MIXED_PAT "sleep 4131[3]"
#define STALL_PAT "^sleep 4343[56]$"

static long st_stopped;      /* a SIGSTOPped session sshd, for cleanup */

static void
stall_release(void)
{
	if (st_stopped > 0) {
		kill((pid_t)st_stopped, SIGCONT);
		st_stopped = 0;
	}
}

static void
suite_fini(void)
{
	et_cleanup();
	stall_release();
	et_remote_kill(ABORT_PAT);
	et_remote_kill(MIXED_PAT);
	et_remote_kill(STALL_PAT);
}

static int
fleet_n(void)
{
	return atoi(et_fleet("FLEET_N"));
}

/* ---- recorder ------------------------------------------------------------ */

#define FO_MAX 64

typedef struct fo_rec {
	et_env *e;
	eng_fanout *f;
	size_t n;
	eng_host_state last[FO_MAX];
	int nstates[FO_MAX];
	int active, max_active;      /* hosts in CONNECTING..RUNNING */
	size_t order[FO_MAX];        /* on_host_done order */
	uint64_t done_now[FO_MAX];   /* uv_now at on_host_done */
	int ndone, done_calls;
	int host_done_after_done;
	char out[FO_MAX][256];
	char err[FO_MAX][256];
	double t_done;
	/* hooks */
	int stop_after_first;
	int started_at_stop[FO_MAX];
	int stopped;
	int free_in_done;
} fo_rec;

static int
is_active(eng_host_state st)
{
	return st == ENG_HOST_CONNECTING || st == ENG_HOST_AUTH || st == ENG_HOST_RUNNING;
}

static void
fo_on_state(eng_fanout *f, size_t i, void *ud)
{
	fo_rec *r = ud;
	const eng_fanout_host *h = eng_fanout_host_get(f, i);

	cr_assert_eq(f, r->f);
	cr_assert_lt(i, r->n);
	cr_assert_neq(h->state, r->last[i], "host %zu: on_state without a change", i);
	cr_assert_geq(h->state, r->last[i], "host %zu went back from %s to %s", i,
	    eng_host_state_name(r->last[i]), eng_host_state_name(h->state));
	if (is_active(h->state) && !is_active(r->last[i]))
		r->active++;
	if (!is_active(h->state) && is_active(r->last[i]))
		r->active--;
	if (r->active > r->max_active)
		r->max_active = r->active;
	r->last[i] = h->state;
	r->nstates[i]++;
}

static void
fo_on_data(eng_fanout *f, size_t i, int stream, const char *buf, size_t len, void *ud)
{
	fo_rec *r = ud;
	char *dst = stream == 1 ? r->out[i] : r->err[i];
	size_t have = strlen(dst);

	(void)f;
	cr_assert(stream == 1 || stream == 2);
	if (have + len < 256) {
		memcpy(dst + have, buf, len);
		dst[have + len] = '\0';
	}
}

static void
fo_on_host_done(eng_fanout *f, size_t i, void *ud)
{
	fo_rec *r = ud;
	const eng_fanout_host *h = eng_fanout_host_get(f, i);
	size_t k;

	cr_assert_geq(h->state, ENG_HOST_OK, "host %zu done in state %s", i,
	    eng_host_state_name(h->state));
	for (k = 0; k < (size_t)r->ndone; k++)
		cr_assert_neq(r->order[k], i, "host %zu reported done twice", i);
	if (r->done_calls > 0)
		r->host_done_after_done = 1;
	r->order[r->ndone] = i;
	r->done_now[r->ndone++] = uv_now(&r->e->loop);
	if (r->stop_after_first && !r->stopped) {
		r->stopped = 1;
		for (k = 0; k < r->n; k++)
			r->started_at_stop[k] = eng_fanout_host_get(f, k)->state != ENG_HOST_QUEUED;
		eng_fanout_stop(f);
	}
}

static void
fo_on_done(eng_fanout *f, void *ud)
{
	fo_rec *r = ud;

	cr_assert_eq(f, r->f);
	r->done_calls++;
	r->t_done = tu_now();
	if (r->free_in_done) {
		eng_fanout_free(f);
		r->f = NULL;
	}
}

static const eng_fanout_cbs fo_cbs = { fo_on_state, fo_on_data, fo_on_host_done, fo_on_done };

/* Hosts n001.. (nalias = 1) or h1.. (nalias = 0), all through the fleet config. */
static eng_conn_opts *
fo_hosts(size_t n, int nalias, char names[][16])
{
	eng_conn_opts *h = calloc(n, sizeof(*h));
	size_t i;

	cr_assert_not_null(h);
	for (i = 0; i < n; i++) {
		if (nalias)
			snprintf(names[i], 16, "n%03u", (unsigned)(i + 1) % 1000u);
		else
			snprintf(names[i], 16, "h%u", (unsigned)(i + 1) % 1000u);
		et_conn_opts_init(&h[i], names[i]);
	}
	return h;
}

static void
fo_new(et_env *e, fo_rec *r, const eng_conn_opts *hosts, size_t n, const char *cmd,
    int max_parallel, int timeout_ms)
{
	eng_fanout_opts o;

	memset(r, 0, sizeof(*r));
	r->e = e;
	r->n = n;
	memset(&o, 0, sizeof(o));
	o.max_parallel = max_parallel;
	o.command_timeout_ms = timeout_ms;
	cr_assert_eq(eng_fanout_new(e->ctx, hosts, n, cmd, &o, &fo_cbs, r, &r->f), 0);
	cr_assert_eq(eng_fanout_count(r->f), n);
	cr_assert_null(eng_fanout_host_get(r->f, n));
}

/* ---- 30 hosts, 7 at a time ------------------------------------------------- */

Test(fanout, thirty_hosts_seven_at_a_time)
{
	et_env e;
	fo_rec r;
	char names[30][16];
	eng_conn_opts *hosts;
	size_t i;
	int k, N = fleet_n();
	double t0;

	et_init(&e, 0);
	hosts = fo_hosts(30, 1, names);
	fo_new(&e, &r, hosts, 30, "sleep 0.3; echo \"$DROVER_FLEET_NAME\"", 7, 0);
	free(hosts);   /* copied by eng_fanout_new */
	for (i = 0; i < 30; i++) {
		const eng_fanout_host *h = eng_fanout_host_get(r.f, i);

		cr_assert_str_eq(h->name, names[i]);
		cr_assert_eq(h->state, ENG_HOST_QUEUED);
		cr_assert_eq(h->start_ms, 0);
	}
	t0 = tu_now();
	eng_fanout_start(r.f);
	eng_fanout_start(r.f);   /* twice: harmless */
	et_run(&e, 60);

	cr_assert_eq(r.done_calls, 1, "on_done called %d times", r.done_calls);
	cr_assert(!r.host_done_after_done);
	cr_assert_eq(r.ndone, 30);
	cr_assert_leq(r.max_active, 7, "%d hosts in flight at once (max_parallel 7)",
	    r.max_active);
	cr_assert_eq(r.max_active, 7, "never reached 7 in flight (max %d)", r.max_active);
	cr_assert_eq(r.active, 0);
	for (k = 0; k < r.ndone; k++) {
		const eng_fanout_host *h = eng_fanout_host_get(r.f, r.order[k]);

		/* Completion order: reported as they end, end times never go back. */
		cr_assert_eq(h->end_ms, r.done_now[k]);
		if (k > 0)
			cr_assert_geq(h->end_ms, eng_fanout_host_get(r.f, r.order[k - 1])->end_ms);
	}
	for (i = 0; i < 30; i++) {
		const eng_fanout_host *h = eng_fanout_host_get(r.f, i);
		char want[16];

		cr_assert_eq(h->state, ENG_HOST_OK, "%s: %s (%s)", h->name,
		    eng_host_state_name(h->state), h->error ? h->error : "");
		cr_assert_eq(h->exit_status, 0);
		cr_assert_null(h->error);
		cr_assert_null(h->signal);
		cr_assert_eq(h->fail, ENG_FAIL_NONE);
		cr_assert_gt(h->start_ms, 0);
		cr_assert_geq(h->end_ms, h->start_ms + 300, "%s: %llu..%llu", h->name,
		    (unsigned long long)h->start_ms, (unsigned long long)h->end_ms);
		/* n<k> is host h<(k-1) % N + 1>: each output went to its own index. */
		snprintf(want, sizeof(want), "h%zu\n", i % (size_t)N + 1);
		cr_assert_str_eq(r.out[i], want, "%s printed '%s'", h->name, r.out[i]);
		cr_assert_str_eq(r.err[i], "");
		cr_assert_geq(r.nstates[i], 4, "%s: %d state changes", h->name, r.nstates[i]);
	}
	/* The sleeps alone take 9 s one after another; 7 at a time, ~5 rounds. */
	cr_assert_lt(r.t_done - t0, 9.0, "took %.1fs", r.t_done - t0);
	eng_fanout_free(r.f);
	et_fini(&e);
}

/* ---- every result kind ------------------------------------------------------- */

Test(fanout, mixed_results)
{
	et_env e;
	fo_rec r;
	char names[5][16];
	eng_conn_opts *hosts;
	int port, fd;
	const char *cmd =
	    "case $DROVER_FLEET_NAME in "
	    "h1) echo ok;; h2) echo no >&2; exit 3;; h3) kill -TERM $$;; "
	    "h4) sleep 41313 | cat;; esac";

	if (fleet_n() < 4)
		cr_skip_test("needs 4 fleet hosts");
	fd = et_bound_socket(&port);
	close(fd);
	et_init(&e, 0);
	hosts = fo_hosts(5, 0, names);
	hosts[4].address = "127.0.0.1";   /* "h5": nothing listens there */
	hosts[4].port = port;
	fo_new(&e, &r, hosts, 5, cmd, 0, 1500);
	free(hosts);
	r.free_in_done = 1;
	eng_fanout_start(r.f);
	et_run(&e, 30);
	cr_assert_eq(r.done_calls, 1);
	cr_assert_null(r.f, "not freed in on_done");
	/* r.f is gone: the per-host results were checked through the recorder. */
	cr_assert_eq(r.last[0], ENG_HOST_OK);
	cr_assert_str_eq(r.out[0], "ok\n");
	cr_assert_eq(r.last[1], ENG_HOST_FAILED);
	cr_assert_str_eq(r.err[1], "no\n");
	cr_assert_eq(r.last[2], ENG_HOST_FAILED);
	cr_assert_eq(r.last[3], ENG_HOST_TIMEOUT);
	cr_assert_eq(r.last[4], ENG_HOST_UNREACHABLE);
	cr_assert_eq(et_remote_wait_gone(MIXED_PAT, 3), 0, "timed-out command still running");
	et_fini(&e);
}

/* Same, looking at the host records (freed after the loop this time). */
Test(fanout, mixed_results_details)
{
	et_env e;
	fo_rec r;
	char names[3][16];
	eng_conn_opts *hosts;
	int port, fd;
	const eng_fanout_host *h;

	fd = et_bound_socket(&port);
	close(fd);
	et_init(&e, 0);
	hosts = fo_hosts(3, 0, names);
	hosts[1].name = "h1";
	hosts[2].name = "h1";
	hosts[2].address = "127.0.0.1";
	hosts[2].port = port;
	fo_new(&e, &r, hosts, 3, "test \"$DROVER_FLEET_NAME\" = h1 && kill -TERM $$; exit 4", 2, 0);
	free(hosts);
	eng_fanout_start(r.f);
	et_run(&e, 30);
	h = eng_fanout_host_get(r.f, 0);
	cr_assert_eq(h->state, ENG_HOST_FAILED);
	cr_assert_str_eq(h->signal, "TERM");
	cr_assert_eq(h->exit_status, -1);
	cr_assert(h->error != NULL && strstr(h->error, "TERM") != NULL, "error: %s", h->error);
	h = eng_fanout_host_get(r.f, 2);
	cr_assert_eq(h->state, ENG_HOST_UNREACHABLE);
	cr_assert_eq(h->fail, ENG_FAIL_CONNECT);
	cr_assert(h->error != NULL && strstr(h->error, "refused") != NULL, "error: %s", h->error);
	cr_assert_eq(h->exit_status, -1);
	cr_assert_gt(h->start_ms, 0);
	eng_fanout_free(r.f);
	et_fini(&e);
}

/* ---- stop: no new hosts ----------------------------------------------------- */

Test(fanout, stop_after_first_completion)
{
	et_env e;
	fo_rec r;
	char names[30][16];
	eng_conn_opts *hosts;
	size_t i;
	int started = 0, ok = 0, cancelled = 0;

	et_init(&e, 0);
	hosts = fo_hosts(30, 1, names);
	fo_new(&e, &r, hosts, 30, "sleep 0.5", 7, 0);
	free(hosts);
	r.stop_after_first = 1;
	eng_fanout_start(r.f);
	et_run(&e, 30);

	cr_assert(r.stopped);
	cr_assert_eq(r.done_calls, 1);
	cr_assert_eq(r.ndone, 30);
	for (i = 0; i < 30; i++) {
		const eng_fanout_host *h = eng_fanout_host_get(r.f, i);

		if (r.started_at_stop[i]) {
			started++;
			cr_assert_eq(h->state, ENG_HOST_OK, "%s (started) ended %s: %s", h->name,
			    eng_host_state_name(h->state), h->error ? h->error : "");
			ok++;
		} else {
			cr_assert_eq(h->state, ENG_HOST_CANCELLED, "%s (never started) is %s",
			    h->name, eng_host_state_name(h->state));
			cr_assert_eq(h->fail, ENG_FAIL_CANCELLED);
			cr_assert_not_null(h->error);
			cr_assert_eq(r.nstates[i], 1, "%s: never started, yet %d state changes",
			    h->name, r.nstates[i]);
			cancelled++;
		}
	}
	cr_assert_eq(started, 7, "%d hosts had started when the first one finished", started);
	cr_assert_eq(ok + cancelled, 30);
	eng_fanout_free(r.f);
	et_fini(&e);
}

/* ---- abort: kill what runs, cancel what connects ------------------------------ */

static fo_rec *ab_r;
static uv_timer_t ab_timer;
static int ab_seen;
static double ab_t_abort;

static void
abort_poll(uv_timer_t *t)
{
	if (et_remote_pids(ABORT_PAT, NULL, 0) < (int)ab_r->n)
		return;
	if (ab_seen++ < 4)
		return;   /* a few loop turns to take in what the commands printed */
	ab_t_abort = tu_now();
	eng_fanout_abort(ab_r->f);
	eng_fanout_abort(ab_r->f);   /* Ctrl-C thrice: harmless */
	uv_timer_stop(t);
	uv_close((uv_handle_t *)t, NULL);
}

Test(fanout, abort_kills_running_commands)
{
	et_env e;
	fo_rec r;
	char names[8][16];
	eng_conn_opts *hosts;
	size_t i, n = (size_t)fleet_n();

	if (n > 8)
		n = 8;
	cr_assert_eq(et_remote_pids(ABORT_PAT, NULL, 0), 0, "left over from an earlier run");
	et_init(&e, 0);
	hosts = fo_hosts(n, 0, names);
	fo_new(&e, &r, hosts, n, "sleep 43434", 0, 0);
	free(hosts);
	ab_r = &r;
	uv_timer_init(&e.loop, &ab_timer);
	uv_timer_start(&ab_timer, abort_poll, 50, 50);
	eng_fanout_start(r.f);
	et_run(&e, 30);

	cr_assert(ab_seen, "the remote sleeps never all showed up");
	cr_assert_eq(r.done_calls, 1);
	cr_assert_lt(r.t_done - ab_t_abort, 4.0, "abort took %.2fs", r.t_done - ab_t_abort);
	for (i = 0; i < n; i++) {
		const eng_fanout_host *h = eng_fanout_host_get(r.f, i);

		cr_assert_eq(h->state, ENG_HOST_CANCELLED, "%s: %s", h->name,
		    eng_host_state_name(h->state));
		cr_assert_not_null(h->error);
	}
	cr_assert_eq(et_remote_wait_gone(ABORT_PAT, 3), 0, "'sleep 43434' left running");
	eng_fanout_free(r.f);
	et_fini(&e);
}

Test(fanout, abort_while_connecting)
{
	et_env e;
	fo_rec r;
	char names[12][16];
	eng_conn_opts *hosts;
	size_t i;

	et_init(&e, 0);
	hosts = fo_hosts(12, 1, names);
	fo_new(&e, &r, hosts, 12, "echo should-not-run", 4, 0);
	free(hosts);
	eng_fanout_start(r.f);
	eng_fanout_abort(r.f);   /* conns exist but have not even resolved */
	et_run(&e, 10);
	cr_assert_eq(r.done_calls, 1);
	cr_assert_eq(r.ndone, 12);
	for (i = 0; i < 12; i++) {
		const eng_fanout_host *h = eng_fanout_host_get(r.f, i);

		cr_assert_eq(h->state, ENG_HOST_CANCELLED, "%s: %s", h->name,
		    eng_host_state_name(h->state));
		cr_assert_str_eq(r.out[i], "");
	}
	cr_assert_lt(r.t_done - e.t0, 2.0);
	eng_fanout_free(r.f);
	et_fini(&e);
}

Test(fanout, empty_and_bad_arguments)
{
	et_env e;
	fo_rec r;
	eng_fanout *f = (eng_fanout *)1;
	eng_conn_opts bad;

	et_init(&e, 0);
	memset(&bad, 0, sizeof(bad));
	cr_assert_eq(eng_fanout_new(e.ctx, &bad, 1, "true", NULL, NULL, NULL, &f), ENG_EINVAL);
	cr_assert_null(f);
	cr_assert_eq(eng_fanout_new(e.ctx, NULL, 1, "true", NULL, NULL, NULL, &f), ENG_EINVAL);
	cr_assert_eq(eng_fanout_new(e.ctx, NULL, 0, NULL, NULL, NULL, NULL, &f), ENG_EINVAL);
	/* No hosts: done at once. */
	fo_new(&e, &r, NULL, 0, "true", 0, 0);
	eng_fanout_start(r.f);
	cr_assert_eq(r.done_calls, 1);
	et_run(&e, 2);
	eng_fanout_free(r.f);
	eng_fanout_free(NULL);
	et_fini(&e);
}

/* ---- the per-endpoint handshake gate ------------------------------------------ */

static int hs_active, hs_max, hs_waiting;

static int
in_handshake(eng_conn_state st)
{
	return st >= ENG_CONN_CONNECTING && st <= ENG_CONN_AUTH;
}

static void
hs_hook(et_conn *ec, eng_conn_state st)
{
	eng_conn_state prev = ec->nst >= 2 ? ec->st[ec->nst - 2] : ENG_CONN_NEW;

	if (st == ENG_CONN_WAITING)
		hs_waiting++;
	if (in_handshake(st) && !in_handshake(prev))
		hs_active++;
	if (!in_handshake(st) && in_handshake(prev))
		hs_active--;
	if (hs_active > hs_max)
		hs_max = hs_active;
}

Test(fanout, handshake_gate_per_endpoint)
{
	et_env e;
	et_conn c[10];
	eng_conn_opts o;
	char names[10][16];
	int i, N = fleet_n();

	et_init(&e, 2);
	/* n001, n(1+N), n(1+2N) ...: ten aliases, one server address:port. */
	for (i = 0; i < 10; i++) {
		snprintf(names[i], sizeof(names[i]), "n%03d", 1 + i * N);
		et_conn_opts_init(&o, names[i]);
		et_open(&e, &c[i], &o);
		c[i].hook = hs_hook;
		c[i].close_on_ready = 1;
	}
	et_run(&e, 60);
	for (i = 0; i < 10; i++)
		et_assert_ready_closed(&c[i]);
	cr_assert_leq(hs_max, 2, "%d handshakes at once to one endpoint (max_handshakes 2)",
	    hs_max);
	cr_assert_eq(hs_max, 2, "the gate never let 2 through at once");
	cr_assert_geq(hs_waiting, 1, "nobody ever waited for a slot");
	cr_assert_eq(hs_active, 0);
	et_fini(&e);
}

/* ---- a stalled host: the timeout and the abort are deadlines ---------------- */

static fo_rec *st_r;
static int st_abort;         /* abort once stalled (else wait for the timeout) */
static double st_t_stop;
static const char *st_pat;

/* The session sshd ("sshd: user@notty") above pid, or 0. */
static long
session_sshd_of(long pid)
{
	char cl[512];
	long p;
	int depth;

	for (p = pid, depth = 0; p > 1 && depth < 6; depth++) {
		p = et_proc_info(p, NULL, 0);
		if (p <= 1)
			return 0;
		et_proc_info(p, cl, sizeof(cl));
		if (strncmp(cl, "sshd: ", 6) == 0 && strstr(cl, "@notty") != NULL)
			return p;
	}
	return 0;
}

static void
stall_poll(uv_timer_t *t)
{
	long pids[8], sshd;

	if (et_remote_pids(st_pat, pids, 8) < (int)st_r->n)
		return;
	sshd = session_sshd_of(pids[0]);
	cr_assert_gt(sshd, 0, "no session sshd above %ld", pids[0]);
	cr_assert_eq(kill((pid_t)sshd, SIGSTOP), 0);
	st_stopped = sshd;
	st_t_stop = tu_now();
	if (st_abort)
		eng_fanout_abort(st_r->f);
	uv_timer_stop(t);
	uv_close((uv_handle_t *)t, NULL);
}

/* Runs cmd on the fleet's hosts, stalls one host's sshd once all run. */
static void
stall_run(et_env *e, fo_rec *r, const char *cmd, const char *pat, int timeout_ms,
    int abort_it)
{
	static uv_timer_t timer;
	char names[8][16];
	eng_conn_opts *hosts;
	size_t n = (size_t)fleet_n();

	if (n > 4)
		n = 4;
	cr_assert_eq(et_remote_pids(pat, NULL, 0), 0, "left over from an earlier run");
	hosts = fo_hosts(n, 0, names);
	fo_new(e, r, hosts, n, cmd, 0, timeout_ms);
	free(hosts);
	st_r = r;
	st_pat = pat;
	st_abort = abort_it;
	st_t_stop = 0;
	uv_timer_init(&e->loop, &timer);
	uv_timer_start(&timer, stall_poll, 50, 50);
	eng_fanout_start(r->f);
	/* Before the fix the stalled host took the keepalive's 45 s. */
	et_run(e, 20);
	stall_release();
	cr_assert_gt(st_t_stop, 0, "the remote commands never all showed up");
	cr_assert_eq(r->done_calls, 1);
}

/* The one host that ends as the stalled one, the others as the healthy. */
static void
stall_check(fo_rec *r, eng_host_state want)
{
	size_t i;
	int stalled = 0;

	for (i = 0; i < r->n; i++) {
		const eng_fanout_host *h = eng_fanout_host_get(r->f, i);

		cr_assert_eq(h->state, want, "%s: %s (%s)", h->name,
		    eng_host_state_name(h->state), h->error ? h->error : "");
		cr_assert_not_null(h->error);
		if (strstr(h->error, "not responding") != NULL)
			stalled++;
	}
	cr_assert_eq(stalled, 1, "hosts said to be not responding: %d", stalled);
}

Test(fanout, stalled_host_times_out_on_time)
{
	et_env e;
	fo_rec r;

	et_init(&e, 0);
	stall_run(&e, &r, "sleep 43435", STALL_PAT, 1500, 0);
	/* timeout 1.5 s (from the start) + the kill's grace 2 s + slack */
	cr_assert_lt(r.t_done - st_t_stop, 5.0, "done %.2fs after the stall",
	    r.t_done - st_t_stop);
	stall_check(&r, ENG_HOST_TIMEOUT);
	et_remote_wait_gone("^sleep 4343[5]$", 3);
	et_remote_kill(STALL_PAT);
	eng_fanout_free(r.f);
	et_fini(&e);
}

Test(fanout, abort_of_a_stalled_host_ends_within_the_grace)
{
	et_env e;
	fo_rec r;

	et_init(&e, 0);
	stall_run(&e, &r, "sleep 43436", STALL_PAT, 0, 1);
	cr_assert_lt(r.t_done - st_t_stop, 4.0, "abort took %.2fs", r.t_done - st_t_stop);
	stall_check(&r, ENG_HOST_CANCELLED);
	et_remote_kill(STALL_PAT);
	eng_fanout_free(r.f);
	et_fini(&e);
}
