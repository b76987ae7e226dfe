/*
 * tests/support/testutil.c - see testutil.h. Processes are started with
 * fork/exec (and forkpty for prompt tests) so tests see exactly what a user
 * at a shell would: exit code, stdout and stderr apart.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "testutil.h"

extern char **environ;

static char *fleet_env;

double
tu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

char *
tu_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0, r;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (cap - n < 65536) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap + 1);
			cr_assert_not_null(buf);
		}
		r = fread(buf + n, 1, cap - n, f);
		if (r == 0)
			break;
		n += r;
	}
	fclose(f);
	buf[n] = '\0';
	if (len != NULL)
		*len = n;
	return buf;
}

int
tu_same_file(const char *a, const char *b)
{
	char *cmd = NULL;
	int st;

	cr_assert(asprintf(&cmd, "cmp -s '%s' '%s'", a, b) > 0);
	free(tu_sh(cmd, &st));
	free(cmd);
	return st == 0;
}

void
tu_write_file(const char *path, const char *data)
{
	FILE *f = fopen(path, "w");

	cr_assert_not_null(f, "cannot write %s", path);
	fputs(data, f);
	fclose(f);
}

static const char *
fleet_lookup(const char *key)
{
	static char val[4096];
	const char *p;
	size_t klen = strlen(key);

	if (fleet_env == NULL) {
		const char *dir = getenv("DROVER_FLEET");
		char path[4096];

		cr_assert_not_null(dir, "DROVER_FLEET is not set (run through ctest)");
		snprintf(path, sizeof(path), "%s/fleet.env", dir);
		fleet_env = tu_read_file(path, NULL);
		cr_assert_not_null(fleet_env, "no fleet at %s (fleet_up fixture)", path);
	}
	for (p = fleet_env; p != NULL && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
			size_t n = strcspn(p + klen + 1, "\n");

			if (n >= sizeof(val))
				n = sizeof(val) - 1;
			memcpy(val, p + klen + 1, n);
			val[n] = '\0';
			return val;
		}
	}
	return NULL;
}

const char *
tu_fleet(const char *key)
{
	/* Values live as long as the test process: keep them, never free. */
	static struct kv { char *k, *v; } cache[64];
	static size_t n;
	const char *v;
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(cache[i].k, key) == 0)
			return cache[i].v;
	v = fleet_lookup(key);
	cr_assert_not_null(v, "fleet.env has no %s", key);
	cr_assert(n < sizeof(cache) / sizeof(cache[0]));
	cache[n].k = strdup(key);
	cache[n].v = strdup(v);
	return cache[n++].v;
}

/* drover built with sanitizers reports on stderr; any report fails the test. */
static void
check_sanitizers(const tu_run *r)
{
	static const char *const marks[] = {
		"ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
	};
	size_t i;

	for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		cr_assert_null(strstr(r->err, marks[i]), "drover: %s", r->err);
		cr_assert_null(strstr(r->out, marks[i]), "drover: %s", r->out);
	}
}

int
tu_fleet_has(const char *key)
{
	const char *v = fleet_lookup(key);

	return v != NULL && *v != '\0';
}

static char **
build_env(const char *const *extra)
{
	size_t n = 0, m = 0, i, k = 0;
	char **env;
	int have_sock = 0;

	while (environ[n] != NULL)
		n++;
	while (extra != NULL && extra[m] != NULL) {
		if (strncmp(extra[m], "SSH_AUTH_SOCK=", 14) == 0)
			have_sock = 1;
		m++;
	}
	env = calloc(n + m + 1, sizeof(char *));
	cr_assert_not_null(env);
	for (i = 0; i < n; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t j, len = eq != NULL ? (size_t)(eq - environ[i]) + 1 : 0;

		/* A developer's own agent must not make auth tests pass. */
		if (!have_sock && strncmp(environ[i], "SSH_AUTH_SOCK=", 14) == 0)
			continue;
		/* An extra entry replaces the inherited one of the same name. */
		for (j = 0; len > 0 && j < m; j++)
			if (strncmp(extra[j], environ[i], len) == 0)
				break;
		if (len > 0 && j < m)
			continue;
		env[k++] = environ[i];
	}
	for (i = 0; i < m; i++)
		env[k++] = (char *)extra[i];
	env[k] = NULL;
	return env;
}

static char **
build_argv(const char *const *args)
{
	size_t n = 0, i;
	char **argv;
	const char *bin = getenv("DROVER_BIN");

	cr_assert_not_null(bin, "DROVER_BIN is not set (run through ctest)");
	while (args[n] != NULL)
		n++;
	argv = calloc(n + 2, sizeof(char *));
	cr_assert_not_null(argv);
	argv[0] = (char *)bin;
	for (i = 0; i < n; i++)
		argv[i + 1] = (char *)args[i];
	return argv;
}

static void
append(char **buf, size_t *len, const char *data, size_t n)
{
	*buf = realloc(*buf, *len + n + 1);
	cr_assert_not_null(*buf);
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = '\0';
}

static int
wait_child(pid_t pid, double deadline, int *status)
{
	int st;

	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);

		if (r == pid)
			break;
		if (tu_now() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			return -1;
		}
		usleep(10000);
	}
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return 0;
}

void
tu_drover(tu_run *r, int timeout_s, const char *const *env, const char *const *args)
{
	int po[2], pe[2];
	pid_t pid;
	char **argv = build_argv(args), **envp = build_env(env);
	struct pollfd pf[2];
	char buf[65536];
	double t0 = tu_now(), deadline = t0 + timeout_s;
	int open_fds = 2;

	memset(r, 0, sizeof(*r));
	cr_assert(pipe(po) == 0 && pipe(pe) == 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);

		dup2(nul, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]);
		close(pe[0]);
		/* No controlling terminal: prompts must fail, not hang. */
		setsid();
		execve(argv[0], argv, envp);
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	pf[0].fd = po[0];
	pf[1].fd = pe[0];
	pf[0].events = pf[1].events = POLLIN;
	append(&r->out, &r->outlen, "", 0);
	append(&r->err, &r->errlen, "", 0);
	while (open_fds > 0 && tu_now() < deadline) {
		int i;

		if (poll(pf, 2, 100) < 0 && errno != EINTR)
			break;
		for (i = 0; i < 2; i++) {
			ssize_t n;

			if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(pf[i].fd, buf, sizeof(buf));
			if (n <= 0) {
				close(pf[i].fd);
				pf[i].fd = -1;
				open_fds--;
				continue;
			}
			if (i == 0)
				append(&r->out, &r->outlen, buf, (size_t)n);
			else
				append(&r->err, &r->errlen, buf, (size_t)n);
		}
	}
	if (pf[0].fd >= 0)
		close(pf[0].fd);
	if (pf[1].fd >= 0)
		close(pf[1].fd);
	if (wait_child(pid, deadline + 1, &r->status) < 0)
		cr_assert_fail("drover did not finish within %d s; stderr so far:\n%s", timeout_s, r->err);
	r->secs = tu_now() - t0;
	free(argv);
	free(envp);
	check_sanitizers(r);
}

void
tu_drover_pty(tu_run *r, int timeout_s, const char *prompt_tail, const char *answer,
    const char *const *env, const char *const *args)
{
	int master;
	pid_t pid;
	char **argv = build_argv(args), **envp = build_env(env);
	char buf[65536];
	double t0 = tu_now(), deadline = t0 + timeout_s;
	size_t scanned = 0;

	memset(r, 0, sizeof(*r));
	append(&r->out, &r->outlen, "", 0);
	append(&r->err, &r->errlen, "", 0);
	pid = forkpty(&master, NULL, NULL, NULL);
	cr_assert(pid >= 0);
	if (pid == 0) {
		execve(argv[0], argv, envp);
		_exit(127);
	}
	for (;;) {
		struct pollfd pf = { master, POLLIN, 0 };
		ssize_t n;
		char *hit;

		if (tu_now() > deadline)
			break;
		if (poll(&pf, 1, 100) <= 0)
			continue;
		n = read(master, buf, sizeof(buf));
		if (n <= 0)
			break;   /* EIO: the child closed the terminal */
		append(&r->out, &r->outlen, buf, (size_t)n);
		while ((hit = strstr(r->out + scanned, prompt_tail)) != NULL) {
			/* "a\nb": the first prompt gets a, the later ones b. */
			const char *ans = answer, *nl;
			int k;

			for (k = 0; k < r->prompts && (nl = strchr(ans, '\n')) != NULL; k++)
				ans = nl + 1;
			scanned = (size_t)(hit - r->out) + strlen(prompt_tail);
			r->prompts++;
			if (write(master, ans, strcspn(ans, "\n")) < 0 || write(master, "\n", 1) < 0)
				break;
		}
	}
	close(master);
	if (wait_child(pid, deadline + 1, &r->status) < 0)
		cr_assert_fail("drover did not finish within %d s; output so far:\n%s", timeout_s, r->out);
	r->secs = tu_now() - t0;
	free(argv);
	free(envp);
	check_sanitizers(r);
}

void
tu_run_free(tu_run *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

char *
tu_sh(const char *cmd, int *status)
{
	FILE *p = popen(cmd, "r");
	char *out = NULL;
	size_t len = 0, n;
	char buf[4096];
	int st;

	cr_assert_not_null(p);
	append(&out, &len, "", 0);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		append(&out, &len, buf, n);
	st = pclose(p);
	if (status != NULL)
		*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return out;
}

char *
tu_tmpdir(void)
{
	const char *t = getenv("TMPDIR");
	char *path = NULL;

	cr_assert(asprintf(&path, "%s/drover-test-XXXXXX", t && *t ? t : "/tmp") > 0);
	cr_assert_not_null(mkdtemp(path));
	chmod(path, 0755);
	return path;
}

char *
tu_shared_dir(void)
{
	char *d = tu_tmpdir();

	cr_assert_eq(chmod(d, 0777), 0);
	return d;
}

char *
tu_path2(const char *dir, const char *name)
{
	char *p = NULL;

	cr_assert(asprintf(&p, "%s/%s", dir, name) > 0);
	return p;
}

char *
tu_mkfile(const char *dir, const char *name, size_t len, unsigned seed)
{
	char *p = tu_path2(dir, name);
	FILE *f = fopen(p, "w");
	unsigned x = seed * 2654435761u + 1;
	size_t i;

	cr_assert_not_null(f, "%s", p);
	for (i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		fputc((int)(x >> 16) & 0xff, f);
	}
	cr_assert_eq(fclose(f), 0);
	chmod(p, 0644);
	return p;
}

static int
rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

void
tu_rmrf(const char *path)
{
	if (path != NULL)
		nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int
tu_count(const char *hay, const char *needle)
{
	int n = 0;
	size_t l = strlen(needle);

	while (l > 0 && (hay = strstr(hay, needle)) != NULL) {
		n++;
		hay += l;
	}
	return n;
}

pid_t
tu_proxy_start(const char *target, const char *const *extra, int *port)
{
	char bin[4096], line[64] = "", *dir;
	const char *argv[24];
	int fds[2], n = 0, i;
	ssize_t got, used = 0;
	pid_t pid;

	snprintf(bin, sizeof(bin), "%s", getenv("DROVER_BIN"));
	dir = dirname(bin);
	memmove(bin, dir, strlen(dir) + 1);
	strncat(bin, "/drover-faultproxy", sizeof(bin) - strlen(bin) - 1);
	argv[n++] = bin;
	argv[n++] = "-l";
	argv[n++] = "127.0.0.1:0";
	argv[n++] = "-t";
	argv[n++] = target;
	for (i = 0; extra != NULL && extra[i] != NULL && n < 23; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	cr_assert_eq(pipe(fds), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	while (used < (ssize_t)sizeof(line) - 1 &&
	    (got = read(fds[0], line + used, sizeof(line) - 1 - (size_t)used)) > 0) {
		used += got;
		line[used] = '\0';
		if (strchr(line, '\n') != NULL)
			break;
	}
	close(fds[0]);
	cr_assert(sscanf(line, "PORT %d", port) == 1, "proxy said '%s'", line);
	return pid;
}

char *
tu_proxy_h1(const char *dir, const char *const *extra, pid_t *pid)
{
	char target[128], *kh = NULL, *cmd = NULL, *cfg = NULL, *body = NULL;
	int port;

	snprintf(target, sizeof(target), "%s:%s", tu_fleet("FLEET_ADDR_1"), tu_fleet("FLEET_PORT"));
	*pid = tu_proxy_start(target, extra, &port);
	cr_assert(asprintf(&kh, "%s/kh-px", dir) > 0);
	cr_assert(asprintf(&cmd, "awk '{print \"[127.0.0.1]:%d\", $1, $2}' "
	    "%s/h1/ssh_host_ed25519_key.pub > %s", port, tu_fleet("FLEET_DIR"), kh) > 0);
	free(tu_sh(cmd, NULL));
	cr_assert(asprintf(&cfg, "%s/ssh_config", dir) > 0);
	cr_assert(asprintf(&body, "Host px\n  HostName 127.0.0.1\n  Port %d\n"
	    "  UserKnownHostsFile %s\nHost *\nInclude %s\n", port, kh,
	    tu_fleet("FLEET_SSH_CONFIG")) > 0);
	tu_write_file(cfg, body);
	free(body);
	free(cmd);
	free(kh);
	return cfg;
}

void
tu_proxy_stop(pid_t pid)
{
	int st;

	if (pid > 0) {
		kill(pid, SIGTERM);
		waitpid(pid, &st, 0);
	}
}

void
tu_tmux(const char *sock, const char *fmt, ...)
{
	char args[4096], *cmd = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	cr_assert(asprintf(&cmd, "tmux -L %s %s 2>&1", sock, args) > 0);
	free(tu_sh(cmd, NULL));
	free(cmd);
}

char *
tu_tmux_screen(const char *sock)
{
	char *cmd = NULL, *out;

	cr_assert(asprintf(&cmd, "tmux -L %s capture-pane -p -t t", sock) > 0);
	out = tu_sh(cmd, NULL);
	free(cmd);
	return out;
}

char *
tu_tmux_wait(const char *sock, const char *needle, int count, double secs)
{
	double end = tu_now() + secs;
	char *s = NULL;

	do {
		free(s);
		s = tu_tmux_screen(sock);
		if (tu_count(s, needle) >= count)
			return s;
		usleep(100000);
	} while (tu_now() < end);
	cr_assert_fail("'%s' x%d not on screen after %.0fs:\n%s", needle, count, secs, s);
	return s;
}
