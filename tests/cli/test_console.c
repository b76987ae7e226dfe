/*
 * tests/cli/test_console.c - the console as a user sees it: the real binary
 * in a real terminal (tmux, on a private server socket), driven with
 * send-keys and read with capture-pane, against the demo fleet.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

static char sock[64];

static void
tmux(const char *fmt, ...)
{
	char args[2048], *cmd = NULL, *out;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	cr_assert(asprintf(&cmd, "tmux -L %s %s 2>&1", sock, args) > 0);
	out = tu_sh(cmd, NULL);
	free(out);
	free(cmd);
}

static char *
screen(void)
{
	char *cmd = NULL, *out;

	cr_assert(asprintf(&cmd, "tmux -L %s capture-pane -p -t t", sock) > 0);
	out = tu_sh(cmd, NULL);
	free(cmd);
	return out;
}

/* Polls the screen until needle shows up `count` times (or fails). */
static char *
wait_for(const char *needle, int count, double secs)
{
	double end = tu_now() + secs;
	char *s = NULL;

	do {
		free(s);
		s = screen();
		if (tu_count(s, needle) >= count)
			return s;
		usleep(100000);
	} while (tu_now() < end);
	cr_assert_fail("'%s' x%d not on screen after %.0fs:\n%s", needle, count, secs, s);
	return s;
}

static void
start(const char *extra_env, const char *cfg, const char *args)
{
	snprintf(sock, sizeof(sock), "drover-test-%d", (int)getpid());
	tmux("kill-server");
	/* -x/-y: the outer terminal; TERM inside is tmux's screen-256color. */
	tmux("new-session -d -s t -x 160 -y 45 \"env %s %s -F %s -i %s %s; sleep 30\"",
	    extra_env != NULL ? extra_env : "", getenv("DROVER_BIN"),
	    cfg != NULL ? cfg : tu_fleet("FLEET_SSH_CONFIG"), tu_fleet("FLEET_INVENTORY"), args);
}

static void
stop(void)
{
	tmux("kill-server");
}

/* Shell prompts on screen: "$" at a line start or right after a separator. */
static char *
wait_prompts(int n, double secs)
{
	double end = tu_now() + secs;
	char *s = NULL;

	do {
		free(s);
		s = screen();
		if (tu_count(s, "\n$") + (s[0] == '$') + tu_count(s, "\xe2\x94\x82$") >= n)
			return s;
		usleep(100000);
	} while (tu_now() < end);
	cr_assert_fail("%d prompts not on screen after %.0fs:\n%s", n, secs, s);
	return s;
}

/* Keys for the console: the prefix (C-g), then a command key. */
static void
prefix(const char *key)
{
	tmux("send-keys -t t C-g");
	tmux("send-keys -t t %s", key);
	usleep(150000);
}

TestSuite(console, .fini = stop, .timeout = 120);

Test(console, three_hosts_three_prompts_typing_goes_to_one_pane)
{
	char *s;

	start(NULL, NULL, "h1,h2,h3");
	s = wait_for("[ready]", 3, 20);
	free(s);
	s = wait_prompts(3, 20);
	free(s);
	/* Focus is on pane 1; what we type appears there only. */
	tmux("send-keys -t t 'echo typed-$((20+3))' Enter");
	s = wait_for("typed-23", 1, 10);
	cr_assert_eq(tu_count(s, "typed-23"), 1, "%s", s);
	cr_assert_eq(tu_count(s, "echo typed-"), 1, "echo reached another pane:\n%s", s);
	free(s);
}

Test(console, broadcast_to_two_armed_panes)
{
	char *s, *cmd = NULL;

	start(NULL, NULL, "h1,h2,h3");
	free(wait_prompts(3, 20));
	prefix("1");
	prefix("m");
	prefix("3");
	prefix("m");
	prefix("b");
	s = wait_for("BROADCAST", 1, 5);
	free(s);
	tmux("send-keys -t t 'echo bc-$((40+2)) $SSH_CONNECTION' Enter");
	s = wait_for("bc-42 ", 2, 10);
	usleep(500000);
	free(s);
	s = screen();
	/* Exactly the two armed panes, and their own hosts answered. */
	cr_assert_eq(tu_count(s, "bc-42 "), 2, "%s", s);
	cr_assert(asprintf(&cmd, " %s ", tu_fleet("FLEET_ADDR_1")) > 0);
	cr_assert(strstr(s, cmd) != NULL, "%s", s);
	free(cmd);
	cr_assert(asprintf(&cmd, " %s ", tu_fleet("FLEET_ADDR_3")) > 0);
	cr_assert(strstr(s, cmd) != NULL, "%s", s);
	free(cmd);
	cr_assert(asprintf(&cmd, " %s ", tu_fleet("FLEET_ADDR_2")) > 0);
	cr_assert_null(strstr(s, cmd), "unarmed pane got the keystrokes:\n%s", s);
	free(cmd);
	free(s);
}

Test(console, less_and_alternate_screen)
{
	char *s;

	start(NULL, NULL, "h1");
	free(wait_prompts(1, 20));
	tmux("send-keys -t t 'seq 1000 | less' Enter");
	s = wait_for("\n40\n", 1, 10);
	cr_assert_null(strstr(s, "seq 1000"), "less did not take the screen:\n%s", s);
	free(s);
	tmux("send-keys -t t G");
	s = wait_for("1000", 1, 10);
	cr_assert(strstr(s, "(END)") != NULL, "%s", s);
	free(s);
	tmux("send-keys -t t q");
	/* Leaving the alternate screen restores the shell's screen. */
	s = wait_for("seq 1000 | less", 1, 10);
	free(s);
}

Test(console, outer_resize_reaches_the_remote_pty)
{
	char *s;

	start(NULL, NULL, "h1");
	free(wait_prompts(1, 20));
	tmux("send-keys -t t 'stty size' Enter");
	/* 45 rows - status bar - title = 43; 160 columns. */
	s = wait_for("43 160", 1, 10);
	free(s);
	tmux("resize-window -t t -x 100 -y 30");
	usleep(500000);
	tmux("send-keys -t t 'clear; stty size' Enter");
	s = wait_for("28 100", 1, 10);
	free(s);
}

Test(console, killed_sshd_shows_lost_and_reconnect_keeps_scrollback)
{
	char *s, *p, pid[32] = "";
	int n;

	start(NULL, NULL, "h1,h2");
	free(wait_prompts(2, 20));
	prefix("2");
	tmux("send-keys -t t 'echo PPID=$PPID' Enter");
	s = wait_for("PPID=", 2, 10);
	p = strstr(s, "\nPPID=");
	if (p == NULL)
		p = strstr(s, "PPID=") + 1;
	cr_assert_not_null(p, "%s", s);
	p = strstr(p, "PPID=") + 5;
	for (n = 0; n < 30 && p[n] >= '0' && p[n] <= '9'; n++)
		pid[n] = p[n];
	free(s);
	cr_assert(n > 0);
	/* The per-connection sshd serving pane 2 dies. */
	cr_assert_eq(kill(atoi(pid), SIGKILL), 0);
	s = wait_for("[lost", 1, 10);
	cr_assert(strstr(s, "[ready]") != NULL, "the other pane should be fine:\n%s", s);
	free(s);
	prefix("r");
	s = wait_for("[ready]", 2, 20);
	/* The old output is still there above the new session. */
	cr_assert(strstr(s, "PPID=") != NULL, "%s", s);
	cr_assert(strstr(s, "reconnecting") != NULL, "%s", s);
	free(s);
}

Test(console, fanout_board)
{
	char *s;

	start(NULL, NULL, "h1,h2,h3");
	free(wait_prompts(3, 20));
	prefix(":");
	free(wait_for("command:", 1, 5));
	tmux("send-keys -t t 'echo board-$((1+1))' Enter");
	s = wait_for("3 ok", 1, 20);
	cr_assert(strstr(s, "board: 3 hosts") != NULL, "%s", s);
	cr_assert_eq(tu_count(s, "board-2"), 3, "%s", s);
	free(s);
	/* Grouped: one row for three identical results. */
	tmux("send-keys -t t g");
	s = wait_for("+2", 1, 5);
	cr_assert_eq(tu_count(s, "board-2"), 1, "%s", s);
	free(s);
	tmux("send-keys -t t Enter");
	s = wait_for("(3 hosts)", 1, 5);
	free(s);
	tmux("send-keys -t t Escape");
	usleep(300000);   /* ESC then q at once would be Alt+q */
	tmux("send-keys -t t q");
	free(wait_for("[ready]", 3, 5));
}

Test(console, unknown_host_key_dialog_refuses_by_default)
{
	char *dir = tu_tmpdir(), *cfg = NULL, *kh = NULL, *body = NULL, *s;

	cr_assert(asprintf(&kh, "%s/known_hosts", dir) > 0);
	tu_write_file(kh, "");
	cr_assert(asprintf(&cfg, "%s/cfg", dir) > 0);
	cr_assert(asprintf(&body, "Host *\n  UserKnownHostsFile %s\nInclude %s\n", kh,
	    tu_fleet("FLEET_SSH_CONFIG")) > 0);
	tu_write_file(cfg, body);
	start(NULL, cfg, "h1");
	s = wait_for("SHA256:", 1, 20);
	cr_assert(strstr(s, "is not known") != NULL, "%s", s);
	free(s);
	tmux("send-keys -t t Enter");
	s = wait_for("[failed", 1, 10);
	cr_assert(strstr(s, "refused") != NULL, "%s", s);
	free(s);
	free(body);
	body = tu_read_file(kh, NULL);
	cr_assert_str_empty(body, "a refused key was recorded");
	free(body);
	free(cfg);
	free(kh);
	stop();
	tu_rmrf(dir);
	free(dir);
}
