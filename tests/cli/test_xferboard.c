/*
 * tests/cli/test_xferboard.c - the console's transfer board in tmux
 * against the demo fleet: put and get on the panes' connections (get into
 * LOCALDIR/HOST/), progress with rate and ETA through a slowed link,
 * cancel leaving the target untouched and no temporary behind, and retry
 * of the failed hosts.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static char sock[64];
static pid_t px;

static void
stop(void)
{
	char *cmd = NULL;

	/* A failed assertion skips the test's own stop: the proxy goes here. */
	tu_proxy_stop(px);
	px = 0;
	tu_tmux(sock, "kill-server");
	cr_assert(asprintf(&cmd, "%s kill-session xb%d 2>&1", getenv("DROVER_BIN"),
	    (int)getpid()) > 0);
	free(tu_sh(cmd, NULL));
	free(cmd);
}

TestSuite(xferboard, .fini = stop, .timeout = 150);

static void
start(const char *cfg, const char *targets)
{
	snprintf(sock, sizeof(sock), "drover-xb-%d", (int)getpid());
	tu_tmux(sock, "kill-server");
	tu_tmux(sock, "new-session -d -s t -x 170 -y 30 \"%s -F %s -i %s -s xb%d %s; sleep 30\"",
	    getenv("DROVER_BIN"), cfg, tu_fleet("FLEET_INVENTORY"), (int)getpid(), targets);
}

static void
transfer(const char *line)
{
	tu_tmux(sock, "send-keys -t t C-g");
	tu_tmux(sock, "send-keys -t t u");
	free(tu_tmux_wait(sock, "put [-r] [-p] [--resume] LOCAL", 1, 5));
	tu_tmux(sock, "send-keys -t t -l '%s'", line);
	tu_tmux(sock, "send-keys -t t Enter");
}

/* A file of n bytes of a pattern, readable by the fleet's login user. */
static char *
mkfile(const char *dir, const char *name, size_t n)
{
	char *p = NULL, *cmd = NULL;

	cr_assert(asprintf(&p, "%s/%s", dir, name) > 0);
	cr_assert(asprintf(&cmd, "head -c %zu /dev/urandom > '%s' && chmod 644 '%s'", n, p, p) > 0);
	free(tu_sh(cmd, NULL));
	free(cmd);
	return p;
}

/* Names in dir containing ".drover-" (temporaries). */
static int
temporaries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(d);
	while ((e = readdir(d)) != NULL)
		n += strstr(e->d_name, ".drover-") != NULL;
	closedir(d);
	return n;
}

Test(xferboard, put_and_get_on_the_panes_connections)
{
	char *dir = tu_tmpdir(), *src, *dst = NULL, *back = NULL, *got = NULL, *line = NULL, *s;

	chmod(dir, 0777);
	src = mkfile(dir, "src.bin", 3u << 20);
	cr_assert(asprintf(&dst, "%s/dst.bin", dir) > 0);
	start(tu_fleet("FLEET_SSH_CONFIG"), "h1,h2");
	free(tu_tmux_wait(sock, "[ready]", 2, 20));
	cr_assert(asprintf(&line, "put %s %s", src, dst) > 0);
	transfer(line);
	s = tu_tmux_wait(sock, "2 ok", 1, 30);
	cr_assert(strstr(s, "transfer: 2 hosts") != NULL && strstr(s, "100%") != NULL, "%s", s);
	free(s);
	cr_assert(tu_same_file(src, dst), "the put target differs");
	cr_assert_eq(temporaries(dir), 0);
	/* Get: into LOCALDIR/HOST/, one directory per host. */
	tu_tmux(sock, "send-keys -t t x");
	free(line);
	cr_assert(asprintf(&back, "%s/back", dir) > 0);
	cr_assert(asprintf(&line, "get %s %s", src, back) > 0);
	transfer(line);
	s = tu_tmux_wait(sock, "2 ok", 1, 30);
	cr_assert(strstr(s, "/HOST/") != NULL, "%s", s);
	free(s);
	cr_assert(asprintf(&got, "%s/h1/src.bin", back) > 0);
	cr_assert(tu_same_file(src, got), "h1's copy differs");
	free(got);
	cr_assert(asprintf(&got, "%s/h2/src.bin", back) > 0);
	cr_assert(tu_same_file(src, got), "h2's copy differs");
	free(got);
	free(line);
	free(back);
	free(dst);
	free(src);
	tu_rmrf(dir);
	free(dir);
}

/* h1 behind a 1 MB/s proxy: progress shows, cancel leaves nothing behind. */
Test(xferboard, progress_cancel_and_retry)
{
	char *dir = tu_tmpdir(), *src, *dst = NULL, *line = NULL, *s, *pcfg, *missing = NULL;
	const char *const slow[] = { "-r", "1000000", NULL };

	chmod(dir, 0777);
	src = mkfile(dir, "big.bin", 12u << 20);
	pcfg = tu_proxy_h1(dir, slow, &px);
	start(pcfg, "px");
	free(tu_tmux_wait(sock, "[ready]", 1, 30));
	cr_assert(asprintf(&dst, "%s/dst.bin", dir) > 0);
	cr_assert(asprintf(&line, "put %s %s", src, dst) > 0);
	transfer(line);
	/* Running: a bar, a rate and an ETA. */
	s = tu_tmux_wait(sock, "[###", 1, 20);
	/* The rate is padded to a column: how many spaces follow it varies. */
	cr_assert(strstr(s, "running") != NULL && strstr(s, "B/s ") != NULL &&
	    strstr(s, " ETA ") != NULL, "%s", s);
	free(s);
	tu_tmux(sock, "send-keys -t t C");
	s = tu_tmux_wait(sock, "cancelled", 2, 20);
	cr_assert(strstr(s, "r retry failed") != NULL, "%s", s);
	free(s);
	cr_assert_neq(access(dst, F_OK), 0, "a cancelled put made its target");
	cr_assert_eq(temporaries(dir), 0, "a temporary stayed behind");
	tu_proxy_stop(px);
	px = 0;
	free(line);
	/* A put into a directory that is not there fails; made, r retries it. */
	tu_tmux(sock, "send-keys -t t x");
	cr_assert(asprintf(&missing, "%s/later", dir) > 0);
	cr_assert(asprintf(&line, "put %s %s/small.bin", pcfg, missing) > 0);
	tu_tmux(sock, "kill-server");
	stop();
	start(tu_fleet("FLEET_SSH_CONFIG"), "h1,h2");
	free(tu_tmux_wait(sock, "[ready]", 2, 20));
	transfer(line);
	s = tu_tmux_wait(sock, "2 failed", 1, 20);
	free(s);
	cr_assert_eq(mkdir(missing, 0777), 0);
	chmod(missing, 0777);
	tu_tmux(sock, "send-keys -t t r");
	free(tu_tmux_wait(sock, "2 ok", 1, 20));
	free(missing);
	free(line);
	free(dst);
	free(src);
	free(pcfg);
	tu_rmrf(dir);
	free(dir);
}
