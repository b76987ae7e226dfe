/*
 * tests/engine/test_exec.c - engine/exec.c against the demo fleet: stdout
 * and stderr apart and byte-exact, exit status and exit signal, 20 MB
 * counted and compared, several channels multiplexed on one session,
 * command timeout and eng_exec_kill leaving no remote process behind (with
 * the pid line and, for an exec alone on its conn, without; also when the
 * kill comes while the server is starting the command),
 * execs queued before the conn is ready, and execs on a conn that fails.
 */
#include "engtest.h"

static void suite_fini(void);

TestSuite(exec, .fini = suite_fini, .timeout = 120);

#define TMO_PAT "sleep 4141[4]"
#define KILL_PAT "sleep 4151[5]"
#define CLOSE_PAT "^sleep 4171[7]$"
#define SIB_A_PAT "sleep 4191[9]"
#define SIB_B_PAT "sleep 2[.]4192[0]"
#define ALONE_PAT "sleep 4161[6]"
#define RACE_PAT "sleep 4181[8]"

static void
suite_fini(void)
{
	et_cleanup();
	et_remote_kill(SIB_A_PAT);
	et_remote_kill(SIB_B_PAT);
	et_remote_kill(TMO_PAT);
	et_remote_kill(KILL_PAT);
	et_remote_kill(CLOSE_PAT);
	et_remote_kill(ALONE_PAT);
	et_remote_kill(RACE_PAT);
}

/*
 * One conn to h1; once ready, starts cmds[0..n-1] (each with timeout_ms),
 * closes the conn when the last one ended.
 */
typedef struct run1 {
	const char *cmds[8];
	int n, timeout_ms;
	et_exec x[8];
} run1;

static run1 *r1;

static void
run1_ready(et_conn *ec, eng_conn_state st)
{
	int i;

	if (st != ENG_CONN_READY)
		return;
	ec->close_when_idle = 1;
	for (i = 0; i < r1->n; i++)
		et_exec_start(ec, &r1->x[i], r1->cmds[i], r1->timeout_ms);
}

static void
run1_go(et_env *e, et_conn *c, run1 *r, double limit)
{
	eng_conn_opts o;

	r1 = r;
	et_conn_opts_init(&o, "h1");
	et_open(e, c, &o);
	c->hook = run1_ready;
	et_run(e, limit);
	et_assert_ready_closed(c);
}

static void
assert_clean_exit(const et_exec *x, int status)
{
	cr_assert(x->done, "exec never completed");
	cr_assert(!x->has_error, "exec error: %s", x->error);
	cr_assert(!x->has_signal, "signal %s", x->signal);
	cr_assert(!x->timed_out && !x->killed);
	cr_assert_eq(x->exit_status, status, "exit status %d, expected %d; stderr: %s",
	    x->exit_status, status, x->err);
	cr_assert_eq(x->out_bytes, x->outlen);
	cr_assert_eq(x->err_bytes, x->errlen);
	cr_assert_eq(x->sum_out, x->outlen);
	cr_assert_eq(x->sum_err, x->errlen);
}

/* ---- output, status, signal ------------------------------------------------ */

Test(exec, stdout_and_stderr_apart)
{
	et_env e;
	et_conn c;
	run1 r = { { "printf 'out1\\nout2'; printf 'err1\\n' >&2; printf 'out3'; "
	    "printf '\\000\\377tail' >&2" }, 1, 0, { { 0 } } };

	et_init(&e, 0);
	run1_go(&e, &c, &r, 20);
	assert_clean_exit(&r.x[0], 0);
	cr_assert_eq(r.x[0].outlen, 13);
	cr_assert(memcmp(r.x[0].out, "out1\nout2out3", 13) == 0, "stdout: '%s'", r.x[0].out);
	cr_assert_eq(r.x[0].errlen, 11, "stderr length %zu", r.x[0].errlen);
	cr_assert(memcmp(r.x[0].err, "err1\n\000\377tail", 11) == 0, "stderr: '%s'", r.x[0].err);
	et_exec_free(&r.x[0]);
	et_fini(&e);
}

Test(exec, exit_status_zero_and_seven)
{
	et_env e;
	et_conn c;
	run1 r = { { "true", "exit 7", "echo to-err >&2; false" }, 3, 0, { { 0 } } };

	et_init(&e, 0);
	run1_go(&e, &c, &r, 20);
	assert_clean_exit(&r.x[0], 0);
	assert_clean_exit(&r.x[1], 7);
	assert_clean_exit(&r.x[2], 1);
	cr_assert_str_eq(r.x[2].err, "to-err\n");
	cr_assert_eq(r.x[0].outlen + r.x[1].outlen, 0);
	et_exec_free(&r.x[0]);
	et_exec_free(&r.x[1]);
	et_exec_free(&r.x[2]);
	et_fini(&e);
}

Test(exec, killed_by_signal)
{
	et_env e;
	et_conn c;
	run1 r = { { "echo before; kill -TERM $$; echo after" }, 1, 0, { { 0 } } };

	et_init(&e, 0);
	run1_go(&e, &c, &r, 20);
	cr_assert(r.x[0].done && !r.x[0].has_error, "error: %s", r.x[0].error);
	cr_assert(r.x[0].has_signal, "no signal reported (exit %d)", r.x[0].exit_status);
	cr_assert_str_eq(r.x[0].signal, "TERM");
	cr_assert_eq(r.x[0].exit_status, -1);
	cr_assert_str_eq(r.x[0].out, "before\n");
	cr_assert(!r.x[0].timed_out && !r.x[0].killed);
	et_exec_free(&r.x[0]);
	et_fini(&e);
}

/* ---- volume ------------------------------------------------------------------ */

Test(exec, twenty_megabytes_exact)
{
	et_env e;
	et_conn c;
	char *dir, *cmd = NULL, *file = NULL, *data;
	size_t len = 0;
	const size_t want = 20971520;
	run1 r = { { NULL }, 1, 0, { { 0 } } };

	et_init(&e, 0);
	dir = strdup(et_tmp(&e));
	chmod(dir, 01777);   /* the remote user writes the copy here */
	cr_assert(asprintf(&file, "%s/big", dir) > 0);
	cr_assert(asprintf(&cmd, "head -c %zu /dev/urandom | tee %s", want, file) > 0);
	r.cmds[0] = cmd;
	run1_go(&e, &c, &r, 60);
	assert_clean_exit(&r.x[0], 0);
	cr_assert_eq(r.x[0].out_bytes, want, "out_bytes %llu",
	    (unsigned long long)r.x[0].out_bytes);
	cr_assert_eq(r.x[0].sum_out, want);
	cr_assert_gt(r.x[0].nchunks, 1);
	data = tu_read_file(file, &len);
	cr_assert_not_null(data);
	cr_assert_eq(len, want, "the remote copy has %zu bytes", len);
	cr_assert(memcmp(data, r.x[0].out, want) == 0, "received bytes differ from the file");
	cr_assert_eq(r.x[0].errlen, 0, "stderr: %s", r.x[0].err);
	free(data);
	free(cmd);
	free(file);
	free(dir);
	et_exec_free(&r.x[0]);
	et_fini(&e);
}

/* Five channels at once on one session: same session sshd, overlapping in time. */
Test(exec, five_concurrent_on_one_conn)
{
	et_env e;
	et_conn c;
	run1 r = { { NULL }, 5, 0, { { 0 } } };
	char *cmds[5], ppid0[32];
	int i;
	double first_start = 0, last_done = 0;

	for (i = 0; i < 5; i++) {
		cr_assert(asprintf(&cmds[i], "sleep 1; echo \"ch%d $PPID\"; printf 'e%d' >&2", i,
		    i) > 0);
		r.cmds[i] = cmds[i];
	}
	et_init(&e, 0);
	run1_go(&e, &c, &r, 30);
	for (i = 0; i < 5; i++) {
		char want[16];

		assert_clean_exit(&r.x[i], 0);
		snprintf(want, sizeof(want), "ch%d ", i);
		cr_assert(strncmp(r.x[i].out, want, strlen(want)) == 0, "exec %d: '%s'", i,
		    r.x[i].out);
		snprintf(want, sizeof(want), "e%d", i);
		cr_assert_str_eq(r.x[i].err, want);
		/* Same parent = the same per-connection sshd serves every channel. */
		if (i == 0)
			snprintf(ppid0, sizeof(ppid0), "%s", r.x[0].out + 4);
		else
			cr_assert_str_eq(r.x[i].out + 4, ppid0, "exec %d ran under another sshd", i);
		if (i == 0 || r.x[i].t_start < first_start)
			first_start = r.x[i].t_start;
		if (r.x[i].t_done > last_done)
			last_done = r.x[i].t_done;
	}
	/* Serially they take >= 5 s. */
	cr_assert_lt(last_done - first_start, 3.0, "5 x sleep 1 took %.2fs: not concurrent",
	    last_done - first_start);
	for (i = 0; i < 5; i++) {
		et_exec_free(&r.x[i]);
		free(cmds[i]);
	}
	et_fini(&e);
}

/* ---- timeout and kill leave nothing running --------------------------------- */

Test(exec, timeout_kills_remote_group)
{
	et_env e;
	et_conn c;
	run1 r = { { "sleep 41414 | cat" }, 1, 1000, { { 0 } } };
	double took;

	cr_assert_eq(et_remote_pids(TMO_PAT, NULL, 0), 0, "left over from an earlier run");
	et_init(&e, 0);
	run1_go(&e, &c, &r, 20);
	cr_assert(r.x[0].done && !r.x[0].has_error, "error: %s", r.x[0].error);
	cr_assert_eq(r.x[0].timed_out, 1);
	cr_assert_eq(r.x[0].killed, 0);
	took = r.x[0].t_done - r.x[0].t_start;
	cr_assert(took >= 1.0 && took <= 4.0, "timed out after %.2fs", took);
	/* Our pid line on stderr is internal: it must not leak to the caller. */
	cr_assert_eq(r.x[0].errlen, 0, "stderr: '%s'", r.x[0].err);
	cr_assert_eq(r.x[0].err_bytes, 0);
	cr_assert_eq(et_remote_wait_gone(TMO_PAT, 3), 0,
	    "remote 'sleep 41414' (or its shell) still running after the timeout");
	et_exec_free(&r.x[0]);
	et_fini(&e);
}

/* Kill once the remote sleep is seen running. */
static et_exec kx;
static uv_timer_t k_timer;
static double k_t_kill;
static int k_seen, k_alone;

static void
kill_poll(uv_timer_t *t)
{
	if (et_remote_pids(KILL_PAT, NULL, 0) < 1)
		return;
	/*
	 * Seen running; give the loop a few turns to take in what the command
	 * printed before (the engine's pid line) before killing.
	 */
	if (k_seen++ < 4)
		return;
	k_t_kill = tu_now();
	eng_exec_kill(kx.x);
	eng_exec_kill(kx.x);   /* twice: harmless */
	uv_timer_stop(t);
	uv_close((uv_handle_t *)t, NULL);
}

static void
kill_ready(et_conn *ec, eng_conn_state st)
{
	eng_exec_opts o = { .alone = k_alone };
	eng_exec *other = NULL;

	if (st != ENG_CONN_READY)
		return;
	ec->close_when_idle = 1;
	et_exec_start_opts(ec, &kx, "sleep 41515 | cat", &o);
	if (k_alone) {
		/* Its kill takes every other session on the conn: no company. */
		cr_assert_eq(eng_exec_start(ec->c, "true", NULL, NULL, NULL, &other),
		    ENG_ESTATE);
		cr_assert_eq(eng_exec_start(ec->c, "true", &o, NULL, NULL, &other), ENG_ESTATE);
		cr_assert_null(other);
	}
	uv_timer_init(&ec->e->loop, &k_timer);
	uv_timer_start(&k_timer, kill_poll, 50, 50);
}

/*
 * eng_exec_kill on a command started without a timeout. engine.h: "Kills the
 * remote command (process group) and ends the exec". A pipeline, so that only
 * killing its process group ends it; with the pid line, then alone (the
 * group found among the connection's sessions).
 */
Test(exec, kill_kills_remote_group)
{
	et_env e;
	et_conn c;
	eng_conn_opts o;

	for (k_alone = 0; k_alone <= 1; k_alone++) {
		cr_assert_eq(et_remote_pids(KILL_PAT, NULL, 0), 0, "left over from an earlier run");
		k_seen = 0;
		et_init(&e, 0);
		et_conn_opts_init(&o, "h1");
		et_open(&e, &c, &o);
		c.hook = kill_ready;
		et_run(&e, 20);
		et_assert_ready_closed(&c);
		cr_assert(k_seen, "alone %d: the remote sleep never showed up", k_alone);
		cr_assert(kx.done && !kx.has_error, "alone %d: error: %s", k_alone, kx.error);
		cr_assert_eq(kx.killed, 1);
		cr_assert_eq(kx.timed_out, 0);
		cr_assert_eq(kx.errlen, 0, "alone %d: stderr: '%s'", k_alone, kx.err);
		cr_assert_eq(et_remote_wait_gone(KILL_PAT, 3), 0, "alone %d: remote "
		    "'sleep 41515' (or its shell) still running after eng_exec_kill", k_alone);
		cr_assert_lt(kx.t_done - k_t_kill, 4.0, "kill took %.2fs", kx.t_done - k_t_kill);
		et_exec_free(&kx);
		et_fini(&e);
	}
}

/*
 * Killing one exec must not touch another command running on the same
 * connection.
 * Every command reports its process group (a stripped stderr line), so
 * the kill names exactly one group, never its siblings.
 */
static et_exec sib[2];
static uv_timer_t sib_timer;
static int sib_seen;

static void
sib_poll(uv_timer_t *t)
{
	if (et_remote_pids(SIB_A_PAT, NULL, 0) < 1 || et_remote_pids(SIB_B_PAT, NULL, 0) < 1)
		return;
	if (sib_seen++ < 4)
		return;   /* a few loop turns to take in what they printed first */
	eng_exec_kill(sib[0].x);
	uv_timer_stop(t);
	uv_close((uv_handle_t *)t, NULL);
}

static void
sib_ready(et_conn *ec, eng_conn_state st)
{
	if (st != ENG_CONN_READY)
		return;
	ec->close_when_idle = 1;
	et_exec_start(ec, &sib[0], "sleep 41919 | cat", 0);
	et_exec_start(ec, &sib[1], "sleep 2.41920; echo survived", 0);
	uv_timer_init(&ec->e->loop, &sib_timer);
	uv_timer_start(&sib_timer, sib_poll, 50, 50);
}

Test(exec, kill_spares_other_execs_on_the_conn)
{
	et_env e;
	et_conn c;
	eng_conn_opts o;

	cr_assert_eq(et_remote_pids(SIB_A_PAT, NULL, 0), 0, "left over from an earlier run");
	et_init(&e, 0);
	et_conn_opts_init(&o, "h1");
	et_open(&e, &c, &o);
	c.hook = sib_ready;
	et_run(&e, 20);
	et_assert_ready_closed(&c);
	cr_assert(sib_seen, "the remote commands never showed up");
	cr_assert(sib[0].done && sib[0].killed, "A not killed");
	cr_assert_eq(et_remote_wait_gone(SIB_A_PAT, 3), 0, "A's sleep still running");
	cr_assert(sib[1].done);
	cr_assert(!sib[1].has_signal, "the sibling exec was killed too (signal %s)",
	    sib[1].signal);
	cr_assert(!sib[1].killed && !sib[1].has_error, "sibling: killed %d error '%s'",
	    sib[1].killed, sib[1].error);
	cr_assert_eq(sib[1].exit_status, 0);
	cr_assert_str_eq(sib[1].out, "survived\n");
	et_exec_free(&sib[0]);
	et_exec_free(&sib[1]);
	et_fini(&e);
}

/* Killed before the command started: it must never run. */
static et_exec early_x;
static char *early_marker;

static void
early_ready(et_conn *ec, eng_conn_state st)
{
	char *cmd = NULL;

	if (st != ENG_CONN_READY)
		return;
	ec->close_when_idle = 1;
	cr_assert(asprintf(&cmd, "touch %s", early_marker) > 0);
	et_exec_start(ec, &early_x, cmd, 0);
	free(cmd);
	eng_exec_kill(early_x.x);
}

Test(exec, kill_before_start_never_runs)
{
	et_env e;
	et_conn c;
	eng_conn_opts o;

	et_init(&e, 0);
	chmod(et_tmp(&e), 01777);
	cr_assert(asprintf(&early_marker, "%s/ran", et_tmp(&e)) > 0);
	et_conn_opts_init(&o, "h1");
	et_open(&e, &c, &o);
	c.hook = early_ready;
	et_run(&e, 20);
	et_assert_ready_closed(&c);
	cr_assert(early_x.done);
	cr_assert_eq(early_x.killed, 1);
	cr_assert(!early_x.has_error, "error: %s", early_x.error);
	cr_assert_eq(early_x.nchunks, 0);
	usleep(300000);
	cr_assert_neq(access(early_marker, F_OK), 0, "the killed command ran anyway");
	free(early_marker);
	et_exec_free(&early_x);
	et_fini(&e);
}

/* ---- alone execs (the fan-out's): no pid line, the kill finds the group ---- */

static et_exec alt_x;

static void
alone_tmo_ready(et_conn *ec, eng_conn_state st)
{
	eng_exec_opts o = { .alone = 1, .timeout_ms = 1000 };

	if (st != ENG_CONN_READY)
		return;
	ec->close_when_idle = 1;
	et_exec_start_opts(ec, &alt_x,
	    "printf '\\036drover-pid=1\\n' >&2; sleep 41616 | cat", &o);
}

/*
 * Timeout without a pid line; and what looks like one on stderr is the
 * command's own output, delivered as it came.
 */
Test(exec, alone_timeout_kills_the_group_and_keeps_stderr)
{
	et_env e;
	et_conn c;
	eng_conn_opts o;

	cr_assert_eq(et_remote_pids(ALONE_PAT, NULL, 0), 0, "left over from an earlier run");
	et_init(&e, 0);
	et_conn_opts_init(&o, "h1");
	et_open(&e, &c, &o);
	c.hook = alone_tmo_ready;
	et_run(&e, 20);
	et_assert_ready_closed(&c);
	cr_assert(alt_x.done && !alt_x.has_error, "error: %s", alt_x.error);
	cr_assert_eq(alt_x.timed_out, 1);
	cr_assert_str_eq(alt_x.err, "\036drover-pid=1\n");
	cr_assert_eq(alt_x.err_bytes, alt_x.errlen);
	cr_assert_eq(et_remote_wait_gone(ALONE_PAT, 3), 0,
	    "remote 'sleep 41616' (or its shell) still running after the timeout");
	et_exec_free(&alt_x);
	et_fini(&e);
}

/*
 * A kill between the exec request and the server's answer: the server may
 * be starting the command, so closing the channel then would leave it
 * running. The check handle runs after each loop turn's I/O, so it sees the
 * request go out (CHANNEL_OPEN, then the request) before any answer.
 */
static et_exec race_x;
static uv_check_t race_check;
static uint64_t race_p0;
static int race_alone, race_fired;

static void
race_tick(uv_check_t *h)
{
	eng_traffic t;

	if (race_x.x == NULL)
		return;
	eng_conn_traffic(race_x.ec->c, &t);
	if (t.out_packets < race_p0 + 2)
		return;
	race_fired = (int)(t.out_packets - race_p0);
	eng_exec_kill(race_x.x);
	uv_check_stop(h);
	uv_close((uv_handle_t *)h, NULL);
}

static void
race_ready(et_conn *ec, eng_conn_state st)
{
	eng_exec_opts o = { .alone = race_alone };
	eng_traffic t;

	if (st != ENG_CONN_READY)
		return;
	ec->close_when_idle = 1;
	eng_conn_traffic(ec->c, &t);
	race_p0 = t.out_packets;
	et_exec_start_opts(ec, &race_x, "sleep 41818 | cat", &o);
	uv_check_init(&ec->e->loop, &race_check);
	uv_check_start(&race_check, race_tick);
}

Test(exec, kill_while_the_server_starts_it)
{
	et_env e;
	et_conn c;
	eng_conn_opts o;

	for (race_alone = 0; race_alone <= 1; race_alone++) {
		cr_assert_eq(et_remote_pids(RACE_PAT, NULL, 0), 0, "left over from an earlier run");
		race_fired = 0;
		et_init(&e, 0);
		et_conn_opts_init(&o, "h1");
		et_open(&e, &c, &o);
		c.hook = race_ready;
		et_run(&e, 20);
		et_assert_ready_closed(&c);
		cr_assert_eq(race_fired, 2, "alone %d: killed after %d packets, not right after "
		    "the exec request", race_alone, race_fired);
		cr_assert(race_x.done && !race_x.has_error, "alone %d: error: %s", race_alone,
		    race_x.error);
		cr_assert_eq(race_x.killed, 1);
		cr_assert_eq(et_remote_wait_gone(RACE_PAT, 3), 0,
		    "alone %d: remote 'sleep 41818' still running after the kill", race_alone);
		et_exec_free(&race_x);
		et_fini(&e);
	}
}

/* ---- ordering with the connection ------------------------------------------- */

Test(exec, queued_before_ready_runs_after)
{
	et_env e;
	et_conn c;
	et_exec x[2];
	eng_conn_opts o;

	et_init(&e, 0);
	et_conn_opts_init(&o, "h1");
	et_open(&e, &c, &o);
	c.close_when_idle = 1;
	/* conn is NEW: both wait for READY, in order. */
	et_exec_start(&c, &x[0], "echo first", 0);
	et_exec_start(&c, &x[1], "echo second; exit 3", 0);
	et_run(&e, 20);
	et_assert_ready_closed(&c);
	assert_clean_exit(&x[0], 0);
	assert_clean_exit(&x[1], 3);
	cr_assert_str_eq(x[0].out, "first\n");
	cr_assert_str_eq(x[1].out, "second\n");
	cr_assert_eq(x[0].conn_state_at_first, ENG_CONN_READY);
	cr_assert_geq(x[0].t_first, c.t_ready);
	et_exec_free(&x[0]);
	et_exec_free(&x[1]);
	et_fini(&e);
}

Test(exec, conn_failure_completes_queued_execs)
{
	et_env e;
	et_conn c;
	et_exec x[2];
	eng_conn_opts o;
	int port, fd;

	fd = et_bound_socket(&port);
	close(fd);
	et_init(&e, 0);
	et_conn_opts_init(&o, "h1");
	o.address = "127.0.0.1";
	o.port = port;
	et_open(&e, &c, &o);
	et_exec_start(&c, &x[0], "echo never", 0);
	et_exec_start(&c, &x[1], "echo never", 5000);
	et_run(&e, 10);
	et_assert_failed(&c, ENG_FAIL_CONNECT);
	cr_assert(x[0].done && x[1].done);
	cr_assert(x[0].has_error && x[1].has_error);
	cr_assert_eq(x[0].fail, ENG_FAIL_CONNECT);
	cr_assert_eq(x[1].fail, ENG_FAIL_CONNECT);
	cr_assert(strstr(x[0].error, "refused") != NULL, "exec error: %s", x[0].error);
	cr_assert_eq(x[0].exit_status, -1);
	cr_assert_eq(x[0].nchunks + x[1].nchunks, 0);
	cr_assert_leq(x[0].t_done, c.t_final, "exec completed after the conn's FAILED");
	et_exec_free(&x[0]);
	et_exec_free(&x[1]);
	et_fini(&e);
}

/* A function that returned an error never calls its callback. */
static int closed_rc = 1;
static et_exec closed_x;

static void
close_then_exec(et_conn *ec, eng_conn_state st)
{
	static const eng_exec_cbs cbs = { et_exec_data_cb, et_exec_done_cb };
	eng_exec *x = (eng_exec *)1;

	if (st != ENG_CONN_READY)
		return;
	eng_conn_close(ec->c);
	closed_rc = eng_exec_start(ec->c, "echo no", NULL, &cbs, &closed_x, &x);
	cr_assert_null(x);
}

Test(exec, start_on_closing_conn_is_refused)
{
	et_env e;
	et_conn c;
	eng_conn_opts o;

	et_init(&e, 0);
	et_conn_opts_init(&o, "h1");
	et_open(&e, &c, &o);
	c.hook = close_then_exec;
	et_run(&e, 20);
	et_assert_ready_closed(&c);
	cr_assert_eq(closed_rc, ENG_ECLOSED, "eng_exec_start on a closing conn: %d", closed_rc);
	cr_assert_eq(closed_x.ndone, 0, "callback of a refused exec ran");
	cr_assert_eq(eng_exec_start(NULL, "x", NULL, NULL, NULL, &closed_x.x), ENG_EINVAL);
	et_fini(&e);
}

/* Closing a conn while a command runs ends the exec with an error. */
static et_exec cl_x;

static void
close_on_output(eng_exec *x, int stream, const char *buf, size_t len, void *ud)
{
	et_exec *ex = ud;

	et_exec_data_cb(x, stream, buf, len, ud);
	if (ex->ec->c != NULL && strstr(ex->out, "started") != NULL)
		eng_conn_close(ex->ec->c);
}

static void
close_ready(et_conn *ec, eng_conn_state st)
{
	static const eng_exec_cbs cbs = { close_on_output, et_exec_done_cb };

	if (st != ENG_CONN_READY)
		return;
	memset(&cl_x, 0, sizeof(cl_x));
	cl_x.ec = ec;
	cl_x.exit_status = -2;
	cl_x.t_start = tu_now();
	et_append(&cl_x.out, &cl_x.outlen, &cl_x.outcap, "", 0);
	et_append(&cl_x.err, &cl_x.errlen, &cl_x.errcap, "", 0);
	cr_assert_eq(eng_exec_start(ec->c, "echo started; exec sleep 41717", NULL, &cbs, &cl_x,
	    &cl_x.x), 0);
	ec->execs_open++;
}

Test(exec, close_conn_while_running)
{
	et_env e;
	et_conn c;
	eng_conn_opts o;

	et_init(&e, 0);
	et_conn_opts_init(&o, "h1");
	et_open(&e, &c, &o);
	c.hook = close_ready;
	et_run(&e, 20);
	et_remote_kill(CLOSE_PAT);   /* without a pty sshd leaves it running */
	et_assert_ready_closed(&c);
	cr_assert(cl_x.done, "exec not completed by the close");
	cr_assert(cl_x.has_error, "exec on a closed conn ended without error");
	cr_assert_eq(cl_x.fail, ENG_FAIL_CANCELLED);
	cr_assert_str_eq(cl_x.out, "started\n");
	cr_assert_leq(cl_x.t_done, c.t_final);
	et_exec_free(&cl_x);
	et_fini(&e);
}
