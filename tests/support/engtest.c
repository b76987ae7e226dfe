/*
 * tests/support/engtest.c - the engine tests' harness (see engtest.h):
 * compiled into every tests/engine/test_*.c executable.
 */
#include "engtest.h"

/*
 * The tests look at shared things from outside (sshd logs, remote process
 * lists) and measure time: run them one at a time, as ctest does with
 * --jobs 1, also when the executable is started by hand.
 */
__attribute__((constructor)) static void
et_serial(void)
{
	setenv("CRITERION_JOBS", "1", 0);
}

/* The current test's scratch dir, also for et_cleanup after a failed assert. */
static char *et_tmp_path;

/* tu_fleet, cached: one reachable copy per key (clean under LeakSanitizer). */
const char *
et_fleet(const char *key)
{
	/* tu_fleet keeps its values for the life of the test process. */
	return tu_fleet(key);
}

void
et_pending_closed(uv_handle_t *h)
{
	et_pending *p = h->data;

	free(p->answer);
	free(p);
}

void
et_pending_fire(uv_timer_t *t)
{
	et_pending *p = t->data;

	if (p->c != NULL)
		eng_conn_answer(p->c, p->answer);
	p->c = NULL;
	uv_close((uv_handle_t *)&p->t, et_pending_closed);
}

void
et_prompt_cb(eng_conn *c, const eng_prompt *p, void *ud)
{
	et_prompter *pr = ud;
	int i = pr->n++;
	const char *ans = NULL;

	cr_assert_lt(i, ET_MAXPROMPTS, "too many prompts (last: %s)", p->text);
	pr->kind[i] = p->kind;
	snprintf(pr->host[i], sizeof(pr->host[i]), "%s", p->host ? p->host : "");
	snprintf(pr->text[i], sizeof(pr->text[i]), "%s", p->text ? p->text : "");
	snprintf(pr->detail[i], sizeof(pr->detail[i]), "%s", p->detail ? p->detail : "");
	pr->echo[i] = p->echo;
	if (pr->nanswers > 0)
		ans = pr->answers[i < pr->nanswers ? i : pr->nanswers - 1];
	if (pr->delay_ms <= 0) {
		eng_conn_answer(c, ans);
		return;
	}
	{
		et_pending *q = calloc(1, sizeof(*q));

		cr_assert_not_null(q);
		q->c = c;
		q->answer = ans != NULL ? strdup(ans) : NULL;
		q->next = pr->pending;
		pr->pending = q;
		uv_timer_init(pr->loop, &q->t);
		q->t.data = q;
		uv_timer_start(&q->t, et_pending_fire, (uint64_t)pr->delay_ms, 0);
	}
}

void
et_prompt_cancel_cb(eng_conn *c, void *ud)
{
	et_prompter *pr = ud;
	et_pending *q;

	pr->cancels++;
	for (q = pr->pending; q != NULL; q = q->next)
		if (q->c == c)
			q->c = NULL;
}

/* Open file descriptors of this process, with a listing for messages. */
int
et_count_fds(char *list, size_t len)
{
	uv_dirent_t d;
	uv_fs_t req;
	int n = 0;
	size_t used = 0;

	if (list != NULL && len > 0)
		list[0] = '\0';
	if (uv_fs_scandir(NULL, &req, "/proc/self/fd", 0, NULL) < 0)
		return -1;
	while (uv_fs_scandir_next(&req, &d) != UV_EOF) {
		char path[64], target[256];
		ssize_t tl;

		snprintf(path, sizeof(path), "/proc/self/fd/%s", d.name);
		tl = readlink(path, target, sizeof(target) - 1);
		target[tl > 0 ? tl : 0] = '\0';
		/* scandir's own directory fd is gone by now, but be sure */
		if (strcmp(target, "/proc/self/fd") == 0 || strstr(target, "/fd") != NULL)
			continue;
		n++;
		if (list != NULL && used < len)
			used += (size_t)snprintf(list + used, len - used, " %s->%s", d.name, target);
	}
	uv_fs_req_cleanup(&req);
	return n;
}

void
et_guard_fire(uv_timer_t *t)
{
	et_env *e = t->data;

	e->guard_fired = 1;
	uv_stop(t->loop);
}

/*
 * Loop + context. SSH_AUTH_SOCK is removed: a developer's own agent must not
 * make auth tests pass (tests of the agent set it again themselves).
 */
void
et_init(et_env *e, int max_handshakes)
{
	eng_ctx_opts o;

	memset(e, 0, sizeof(*e));
	unsetenv("SSH_AUTH_SOCK");
	cr_assert_eq(uv_loop_init(&e->loop), 0);
	/* After uv_loop_init: libuv keeps a process-wide pipe from the first one. */
	e->nfds = et_count_fds(e->fdlist, sizeof(e->fdlist));
	e->check_fds = ET_CHECK_FDS_DEFAULT;
	e->pr.loop = &e->loop;
	memset(&o, 0, sizeof(o));
	o.prompt = et_prompt_cb;
	o.prompt_cancel = et_prompt_cancel_cb;
	o.prompt_ud = &e->pr;
	o.max_handshakes = max_handshakes;
	if (getenv("DROVER_ENGINE_LOG") != NULL) {
		o.log_path = getenv("DROVER_ENGINE_LOG");
		o.log_verbose = 1;
	}
	cr_assert_eq(eng_ctx_new(&e->loop, &o, &e->ctx), 0);
	cr_assert_eq(eng_ctx_loop(e->ctx), &e->loop);
	uv_timer_init(&e->loop, &e->guard);
	e->guard.data = e;
	uv_unref((uv_handle_t *)&e->guard);
	e->t0 = tu_now();
}

const char *
et_tmp(et_env *e)
{
	if (e->tmp == NULL)
		et_tmp_path = e->tmp = tu_tmpdir();
	return e->tmp;
}

/* For a suite's .fini: removes the scratch dir a failed test left behind. */
void
et_cleanup(void)
{
	if (et_tmp_path != NULL) {
		tu_rmrf(et_tmp_path);
		et_tmp_path = NULL;
	}
}

/*
 * Runs the loop until nothing is left to do (every conn closed or failed,
 * every handle closed); fails the test if that takes longer than limit_s.
 */
void
et_run(et_env *e, double limit_s)
{
	e->guard_fired = 0;
	uv_timer_start(&e->guard, et_guard_fire, (uint64_t)(limit_s * 1000), 0);
	uv_run(&e->loop, UV_RUN_DEFAULT);
	cr_assert(!e->guard_fired, "the loop was still busy after %.1f s", limit_s);
	uv_timer_stop(&e->guard);
}

void
et_walk_report(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		fprintf(stderr, "engtest: handle left open: type %s active %d\n",
		    uv_handle_type_name(uv_handle_get_type(h)), uv_is_active(h));
}

/* Frees the context after the loop drained; every handle must be closed. */
void
et_fini(et_env *e)
{
	eng_ctx_free(e->ctx);
	e->ctx = NULL;
	uv_close((uv_handle_t *)&e->guard, NULL);
	uv_run(&e->loop, UV_RUN_DEFAULT);
	if (e->check_fds) {
		char list[2048];
		int n = et_count_fds(list, sizeof(list));

		cr_assert_eq(n, e->nfds, "file descriptors leaked: %d open before, %d after:%s\nbefore:%s",
		    e->nfds, n, list, e->fdlist);
	}
	if (uv_loop_close(&e->loop) != 0) {
		uv_walk(&e->loop, et_walk_report, NULL);
		cr_assert_fail("uv_loop_close: handles still open after the engine finished");
	}
	if (e->tmp != NULL) {
		tu_rmrf(e->tmp);
		free(e->tmp);
		e->tmp = et_tmp_path = NULL;
	}
}

void
et_conn_state_cb(eng_conn *c, eng_conn_state st, void *ud)
{
	et_conn *ec = ud;

	cr_assert(!ec->final, "%s: state %s after the final state", ec->name,
	    eng_conn_state_name(st));
	cr_assert_eq(c, ec->c, "%s: callback for another conn", ec->name);
	cr_assert_eq(eng_conn_get_state(c), st);
	cr_assert_lt(ec->nst, ET_MAXST);
	ec->at[ec->nst] = tu_now() - ec->e->t0;
	ec->st[ec->nst++] = st;
	if (st == ENG_CONN_READY)
		ec->t_ready = tu_now();
	if (st == ENG_CONN_CLOSED || st == ENG_CONN_FAILED) {
		const char *err = eng_conn_error(c);

		ec->final = 1;
		ec->t_final = tu_now();
		ec->fail = eng_conn_fail(c);
		ec->has_error = err != NULL;
		snprintf(ec->error, sizeof(ec->error), "%s", err != NULL ? err : "");
	}
	if (ec->hook != NULL)
		ec->hook(ec, st);
	if (st == ENG_CONN_READY && ec->close_on_ready && ec->c != NULL)
		eng_conn_close(ec->c);
	if (ec->final)
		ec->c = NULL;   /* freed by the engine after we return */
}

void
et_conn_opts_init(eng_conn_opts *o, const char *name)
{
	memset(o, 0, sizeof(*o));
	o->name = name;
	o->ssh_config = et_fleet("FLEET_SSH_CONFIG");
}

void
et_open(et_env *e, et_conn *ec, const eng_conn_opts *o)
{
	static const eng_conn_cbs cbs = { et_conn_state_cb };
	int r;

	memset(ec, 0, sizeof(*ec));
	ec->e = e;
	snprintf(ec->name, sizeof(ec->name), "%s", o->name);
	ec->t_open = tu_now();
	/* ec->c is set before any callback: they all run from the loop. */
	r = eng_conn_open(e->ctx, o, &cbs, ec, &ec->c);
	cr_assert_eq(r, 0, "eng_conn_open(%s): %s", o->name, eng_strerror(r));
	cr_assert_not_null(ec->c);
	cr_assert_eq(eng_conn_get_state(ec->c), ENG_CONN_NEW);
	cr_assert_str_eq(eng_conn_name(ec->c), o->name);
}

int
et_saw(const et_conn *ec, eng_conn_state st)
{
	int i;

	for (i = 0; i < ec->nst; i++)
		if (ec->st[i] == st)
			return 1;
	return 0;
}

/* "resolving connecting ... " for messages. */
const char *
et_states_str(const et_conn *ec)
{
	static char buf[1024];
	size_t len = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < ec->nst && len < sizeof(buf) - 64; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s(%.2fs)",
		    i ? " > " : "", eng_conn_state_name(ec->st[i]), ec->at[i]);
	return buf;
}

void
et_assert_ready_closed(const et_conn *ec)
{
	cr_assert(et_saw(ec, ENG_CONN_READY), "%s never got ready: %s; error: %s",
	    ec->name, et_states_str(ec), ec->error);
	cr_assert(ec->final);
	cr_assert_eq(ec->st[ec->nst - 1], ENG_CONN_CLOSED, "%s: %s; error: %s",
	    ec->name, et_states_str(ec), ec->error);
	cr_assert_eq(ec->fail, ENG_FAIL_NONE, "%s: fail %d: %s", ec->name, ec->fail,
	    ec->error);
}

void
et_assert_failed_any(const et_conn *ec, eng_fail f)
{
	cr_assert(ec->final, "%s did not finish: %s", ec->name, et_states_str(ec));
	cr_assert_eq(ec->st[ec->nst - 1], ENG_CONN_FAILED, "%s: %s; error: %s",
	    ec->name, et_states_str(ec), ec->error);
	cr_assert_eq(ec->fail, f, "%s: fail kind %d, expected %d; error: %s",
	    ec->name, ec->fail, f, ec->error);
	cr_assert(ec->has_error && ec->error[0] != '\0', "%s: FAILED without a message",
	    ec->name);
}

/* Failed with f, never having been ready. */
void
et_assert_failed(const et_conn *ec, eng_fail f)
{
	et_assert_failed_any(ec, f);
	cr_assert(!et_saw(ec, ENG_CONN_READY), "%s: READY before FAILED: %s", ec->name,
	    et_states_str(ec));
}

void
et_append(char **buf, size_t *len, size_t *cap, const char *data, size_t n)
{
	if (*len + n + 1 > *cap) {
		while (*len + n + 1 > *cap)
			*cap = *cap ? *cap * 2 : 4096;
		*buf = realloc(*buf, *cap);
		cr_assert_not_null(*buf);
	}
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = '\0';
}

void
et_exec_data_cb(eng_exec *x, int stream, const char *buf, size_t len, void *ud)
{
	et_exec *ex = ud;

	cr_assert_eq(x, ex->x);
	cr_assert(!ex->done, "data after on_done");
	cr_assert(stream == 1 || stream == 2, "stream %d", stream);
	if (ex->nchunks++ == 0) {
		ex->t_first = tu_now();
		ex->conn_state_at_first = ex->ec->c != NULL ?
		    eng_conn_get_state(ex->ec->c) : ENG_CONN_CLOSED;
	}
	if (stream == 1) {
		ex->sum_out += len;
		et_append(&ex->out, &ex->outlen, &ex->outcap, buf, len);
	} else {
		ex->sum_err += len;
		et_append(&ex->err, &ex->errlen, &ex->errcap, buf, len);
	}
}

void
et_exec_done_cb(eng_exec *x, const eng_exec_result *r, void *ud)
{
	et_exec *ex = ud;
	et_conn *ec = ex->ec;

	cr_assert_eq(x, ex->x);
	ex->ndone++;
	cr_assert_eq(ex->ndone, 1, "on_done called twice");
	ex->done = 1;
	ex->t_done = tu_now();
	ex->exit_status = r->exit_status;
	ex->has_signal = r->signal != NULL;
	snprintf(ex->signal, sizeof(ex->signal), "%s", r->signal ? r->signal : "");
	ex->timed_out = r->timed_out;
	ex->killed = r->killed;
	ex->has_error = r->error != NULL;
	snprintf(ex->error, sizeof(ex->error), "%s", r->error ? r->error : "");
	ex->fail = r->fail;
	ex->out_bytes = r->out_bytes;
	ex->err_bytes = r->err_bytes;
	ex->x = NULL;
	ec->execs_open--;
	if (ex->hook != NULL)
		ex->hook(ex);
	if (ec->execs_open == 0 && ec->close_when_idle && ec->c != NULL)
		eng_conn_close(ec->c);
}

void
et_exec_start_opts(et_conn *ec, et_exec *ex, const char *cmd, const eng_exec_opts *o)
{
	static const eng_exec_cbs cbs = { et_exec_data_cb, et_exec_done_cb };
	int r;

	memset(ex, 0, sizeof(*ex));
	ex->ec = ec;
	ex->t_start = tu_now();
	ex->exit_status = -2;
	et_append(&ex->out, &ex->outlen, &ex->outcap, "", 0);
	et_append(&ex->err, &ex->errlen, &ex->errcap, "", 0);
	r = eng_exec_start(ec->c, cmd, o, &cbs, ex, &ex->x);
	cr_assert_eq(r, 0, "eng_exec_start: %s", eng_strerror(r));
	cr_assert_not_null(ex->x);
	ec->execs_open++;
}

void
et_exec_start(et_conn *ec, et_exec *ex, const char *cmd, int timeout_ms)
{
	eng_exec_opts o;

	memset(&o, 0, sizeof(o));
	o.timeout_ms = timeout_ms;
	et_exec_start_opts(ec, ex, cmd, &o);
}

void
et_exec_free(et_exec *ex)
{
	free(ex->out);
	free(ex->err);
	ex->out = ex->err = NULL;
}

/* Size of a file, 0 if missing. */
size_t
et_file_size(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 ? (size_t)sb.st_size : 0;
}

/* Bytes appended to path since offset `mark` (NUL-terminated, caller frees). */
char *
et_file_since(const char *path, size_t mark)
{
	size_t len = 0;
	char *all = tu_read_file(path, &len), *s;

	cr_assert_not_null(all, "cannot read %s", path);
	if (mark > len)
		mark = len;
	s = strdup(all + mark);
	free(all);
	cr_assert_not_null(s);
	return s;
}

char *
et_hostdir_file(int host, const char *file)
{
	char *p = NULL;

	cr_assert(asprintf(&p, "%s/h%d/%s", et_fleet("FLEET_DIR"), host, file) > 0);
	return p;
}

/* "SHA256:..." of a public key file. */
char *
et_fingerprint(const char *pubfile)
{
	char *cmd = NULL, *out;

	cr_assert(asprintf(&cmd, "ssh-keygen -l -E sha256 -f '%s' | awk '{print $2}'",
	    pubfile) > 0);
	out = tu_sh(cmd, NULL);
	free(cmd);
	out[strcspn(out, "\n")] = '\0';
	cr_assert(strncmp(out, "SHA256:", 7) == 0, "fingerprint of %s: %s", pubfile, out);
	return out;
}

/*
 * Waits up to secs for `needle` in what h<host>'s sshd logged after `mark`;
 * returns the new log text (caller frees) and sets *found.
 */
char *
et_sshd_log_wait(int host, size_t mark, const char *needle, double secs, int *found)
{
	char *path = et_hostdir_file(host, "sshd.log"), *s = NULL;
	double end = tu_now() + secs;

	for (;;) {
		free(s);
		s = et_file_since(path, mark);
		*found = strstr(s, needle) != NULL;
		if (*found || tu_now() > end)
			break;
		usleep(20000);
	}
	free(path);
	return s;
}

/* The first line in s containing both a and b (copy, caller frees) or NULL. */
char *
et_line_with(const char *s, const char *a, const char *b)
{
	const char *p = s;

	while (*p != '\0') {
		size_t n = strcspn(p, "\n");
		char *line = strndup(p, n);

		cr_assert_not_null(line);
		if (strstr(line, a) != NULL && (b == NULL || strstr(line, b) != NULL))
			return line;
		free(line);
		p += n;
		if (*p == '\n')
			p++;
	}
	return NULL;
}

/*
 * Waits up to secs for a line with a (and b, if not NULL) in what h<host>'s
 * sshd logged after `mark`; returns that line or NULL, *log gets the text.
 */
char *
et_sshd_log_line(int host, size_t mark, const char *a, const char *b, double secs,
    char **log)
{
	char *path = et_hostdir_file(host, "sshd.log"), *s = NULL, *line = NULL;
	double end = tu_now() + secs;

	for (;;) {
		free(s);
		s = et_file_since(path, mark);
		if ((line = et_line_with(s, a, b)) != NULL || tu_now() > end)
			break;
		usleep(20000);
	}
	free(path);
	if (log != NULL)
		*log = s;
	else
		free(s);
	return line;
}

size_t
et_sshd_log_mark(int host)
{
	char *path = et_hostdir_file(host, "sshd.log");
	size_t n = et_file_size(path);

	free(path);
	return n;
}

/* 1 if /proc/pid/environ has DROVER_FLEET_HOST set to a host dir of our fleet. */
int
et_pid_in_fleet(long pid)
{
	char path[64], *env, *p;
	size_t len = 0, plen;
	const char *dir = et_fleet("FLEET_DIR");
	char prefix[4200];
	int hit = 0;

	snprintf(prefix, sizeof(prefix), "DROVER_FLEET_HOST=%s/", dir);
	plen = strlen(prefix);
	snprintf(path, sizeof(path), "/proc/%ld/environ", pid);
	if ((env = tu_read_file(path, &len)) == NULL)
		return 0;
	for (p = env; p < env + len; p += strlen(p) + 1)
		if (strncmp(p, prefix, plen) == 0)
			hit = 1;
	free(env);
	return hit;
}

/*
 * Pids of live processes started through *this* fleet's sshds whose command
 * line matches the extended regex `pattern` (pgrep -f). Write the pattern so
 * that it does not match itself, e.g. 'sleep 4141[4]'. Returns the count and
 * fills pids (up to max).
 */
int
et_remote_pids(const char *pattern, long *pids, int max)
{
	char *cmd = NULL, *out, *p, *end;
	int n = 0;

	cr_assert(asprintf(&cmd, "pgrep -f '%s'", pattern) > 0);
	out = tu_sh(cmd, NULL);
	free(cmd);
	for (p = out; *p != '\0'; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p) {
			end = p + 1;
			continue;
		}
		if (pid > 0 && pid != (long)getpid() && et_pid_in_fleet(pid)) {
			char st[256], path[64];
			FILE *f;
			int zombie = 0;

			/* Zombies have already ended. */
			snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
			if ((f = fopen(path, "r")) != NULL) {
				if (fgets(st, sizeof(st), f) != NULL) {
					char *rp = strrchr(st, ')');

					zombie = rp != NULL && rp[1] == ' ' && rp[2] == 'Z';
				}
				fclose(f);
			}
			if (!zombie) {
				if (n < max && pids != NULL)
					pids[n] = pid;
				n++;
			}
		}
	}
	free(out);
	return n;
}

/* Waits up to secs until no process matches; returns how many are left. */
int
et_remote_wait_gone(const char *pattern, double secs)
{
	double end = tu_now() + secs;
	int n;

	while ((n = et_remote_pids(pattern, NULL, 0)) > 0 && tu_now() < end)
		usleep(50000);
	return n;
}

/* Kills (SIGKILL) whatever of ours still matches: cleanup after a failure. */
void
et_remote_kill(const char *pattern)
{
	long pids[64];
	int i, n = et_remote_pids(pattern, pids, 64);

	for (i = 0; i < n && i < 64; i++)
		kill((pid_t)pids[i], SIGKILL);
}

/* Parent pid and command line of pid; 0 on failure. */
long
et_proc_info(long pid, char *cmdline, size_t len)
{
	char path[64], buf[512], *rp;
	size_t n = 0, i;
	char *cl;
	long ppid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), f) != NULL && (rp = strrchr(buf, ')')) != NULL)
		sscanf(rp + 2, "%*c %ld", &ppid);
	fclose(f);
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	cl = tu_read_file(path, &n);
	if (cmdline != NULL && len > 0) {
		cmdline[0] = '\0';
		if (cl != NULL) {
			for (i = 0; i + 1 < n; i++)
				if (cl[i] == '\0')
					cl[i] = ' ';
			snprintf(cmdline, len, "%s", cl);
		}
	}
	free(cl);
	return ppid;
}

/* A TCP socket bound to 127.0.0.1:0; *port gets the port. */
int
et_bound_socket(int *port)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "bind: %s",
	    strerror(errno));
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

/* Whole file into a malloc'd NUL-terminated string (the fleet's secrets). */
char *
et_secret(const char *fleet_key)
{
	char *s = tu_read_file(et_fleet(fleet_key), NULL);

	cr_assert_not_null(s, "cannot read %s", et_fleet(fleet_key));
	s[strcspn(s, "\n")] = '\0';
	return s;
}

/* Writes data to dir/name, returns the path (caller frees). */
char *
et_write(const char *dir, const char *name, const char *data)
{
	char *p = NULL;

	cr_assert(asprintf(&p, "%s/%s", dir, name) > 0);
	tu_write_file(p, data);
	chmod(p, 0644);
	return p;
}
