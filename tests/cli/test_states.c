/*
 * tests/cli/test_states.c - a host's final state says what happened, in
 * the summary and in JSON: a refused login is "auth failed", a link that
 * died during the command is "lost" (not "unreachable"); the exit code
 * stays 255 for both.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

static const char *cfg, *inv;

static void
setup(void)
{
	cfg = tu_fleet("FLEET_SSH_CONFIG");
	inv = tu_fleet("FLEET_INVENTORY");
}

TestSuite(states, .init = setup, .timeout = 120);

Test(states, auth_failure_is_named_as_such)
{
	tu_run r;
	const char *const a[] = { "-F", cfg, "-i", inv, "exec", "-o", "json", "--auth", "publickey",
		"-l", "drover-nobody", "h3,h4", "--", "true", NULL };

	tu_drover(&r, 30, NULL, a);
	cr_assert_eq(r.status, 255, "%s", r.err);
	cr_assert_eq(tu_count(r.out, "\"state\":\"auth_failed\""), 2, "%s", r.out);
	cr_assert(strstr(r.err, ": 0 ok, 0 failed, 0 timeout, 0 unreachable, 2 auth failed\n"
	    "  auth failed: h[3-4]\n") != NULL, "%s", r.err);
	tu_run_free(&r);
}

/* A proxy that resets the link after 100 kB: the command's output is cut. */
Test(states, a_link_that_dies_during_the_command_is_lost)
{
	char *dir = tu_tmpdir(), *pcfg;
	const char *const reset[] = { "-x", "100000", NULL };
	pid_t px;
	tu_run r;

	pcfg = tu_proxy_h1(dir, reset, &px);
	{
		const char *const a[] = { "-F", pcfg, "-i", inv, "exec", "-n", "-o", "json", "px,h2",
			"--", "seq 1 1000000", NULL };

		tu_drover(&r, 60, NULL, a);
	}
	tu_proxy_stop(px);
	cr_assert_eq(r.status, 255, "%s", r.err);
	cr_assert(strstr(r.out, "{\"host\":\"px\",\"state\":\"lost\"") != NULL, "%.300s", r.out);
	cr_assert(strstr(r.out, "{\"host\":\"h2\",\"state\":\"ok\"") != NULL, "%.300s", r.out);
	cr_assert(strstr(r.err, "1 ok, 0 failed, 0 timeout, 0 unreachable, 1 lost\n  lost: px\n")
	    != NULL, "%s", r.err);
	tu_run_free(&r);
	free(pcfg);
	tu_rmrf(dir);
	free(dir);
}

/* The console's pane title says it too: a retry will not help there. */
Test(states, console_pane_title_says_auth_failed)
{
	char sock[64], *dir = tu_tmpdir(), *inv2 = NULL, *cmd = NULL, *s = NULL;
	double t0;
	int done = 0;

	cr_assert(asprintf(&inv2, "%s/inventory.ini", dir) > 0);
	tu_write_file(inv2, "[host h1]\nuser = drover-nobody\n[host h2]\n");
	snprintf(sock, sizeof(sock), "drover-states-%d", (int)getpid());
	tu_tmux(sock, "kill-server");
	tu_tmux(sock, "new-session -d -s t -x 120 -y 30 \"%s -F %s -i %s -s st%d h1,h2; sleep 30\"",
	    getenv("DROVER_BIN"), cfg, inv2, (int)getpid());
	s = tu_tmux_wait(sock, "[ready]", 1, 20);
	free(s);
	/* The password, then PAM's question, for a user sshd refuses: declined. */
	free(tu_tmux_wait(sock, "drover-nobody@h1's password", 1, 20));
	for (t0 = tu_now(); tu_now() - t0 < 20; usleep(200000)) {
		s = tu_tmux_screen(sock);
		done = strstr(s, "h1 [auth failed") != NULL;
		if (!done && strstr(s, "Esc: decline") != NULL)
			tu_tmux(sock, "send-keys -t t Escape");
		if (done)
			break;
		free(s);
		s = NULL;
	}
	cr_assert(done, "no 'auth failed' in the title");
	free(s);
	tu_tmux(sock, "kill-server");
	cr_assert(asprintf(&cmd, "%s kill-session st%d 2>&1", getenv("DROVER_BIN"),
	    (int)getpid()) > 0);
	free(tu_sh(cmd, NULL));
	free(cmd);
	free(inv2);
	tu_rmrf(dir);
	free(dir);
}
