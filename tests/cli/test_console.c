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

/* Polls the screen until needle is gone (or fails). */
static void
wait_gone(const char *needle, double secs)
{
	double end = tu_now() + secs;
	char *s = NULL;

	do {
		free(s);
		s = screen();
		if (strstr(s, needle) == NULL) {
			free(s);
			return;
		}
		usleep(100000);
	} while (tu_now() < end);
	cr_assert_fail("'%s' still on screen after %.0fs:\n%s", needle, secs, s);
}

/*
 * Each test's console is its own drover session (named after the test's
 * process), so that tests running side by side never end each other's.
 */
static void
start(const char *extra_env, const char *cfg, const char *args)
{
	snprintf(sock, sizeof(sock), "drover-test-%d", (int)getpid());
	tmux("kill-server");
	/* -x/-y: the outer terminal; TERM inside is tmux's screen-256color. */
	tmux("new-session -d -s t -x 160 -y 45 \"env %s %s -F %s -i %s %s -s t%d; sleep 30\"",
	    extra_env != NULL ? extra_env : "", getenv("DROVER_BIN"),
	    cfg != NULL ? cfg : tu_fleet("FLEET_SSH_CONFIG"), tu_fleet("FLEET_INVENTORY"),
	    args, (int)getpid());
}

static void
stop(void)
{
	char *cmd = NULL, *out;

	tmux("kill-server");
	/* Losing the terminal only detaches: the session is ended here. */
	cr_assert(asprintf(&cmd, "%s kill-session t%d 2>&1", getenv("DROVER_BIN"),
	    (int)getpid()) > 0);
	out = tu_sh(cmd, NULL);
	free(out);
	free(cmd);
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

/*
 * Keys for the console: the prefix (C-g), then a command key. Keys reach
 * the console in order; whatever a test checks next it waits for on screen.
 */
static void
prefix(const char *key)
{
	tmux("send-keys -t t C-g");
	tmux("send-keys -t t %s", key);
}

/* Focus pane n (1-based) the tmux way: prefix q shows the numbers, then n. */
static void
focus(const char *n)
{
	prefix("q");
	tmux("send-keys -t t %s", n);
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
	focus("1");
	prefix("m");
	focus("3");
	prefix("m");
	prefix("b");
	s = wait_for("BROADCAST", 1, 5);
	free(s);
	tmux("send-keys -t t 'echo bc-$((40+2)) $SSH_CONNECTION' Enter");
	free(wait_for("bc-42 ", 2, 10));
	/*
	 * Pane 2's own keys come after anything broadcast to it: once its
	 * marker is on screen, a leaked broadcast would be there too.
	 */
	prefix("b");
	focus("2");
	tmux("send-keys -t t 'echo p2-$((5+5))' Enter");
	s = wait_for("p2-10", 1, 10);
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
	double t0, t1;
	int found;
	char *s;

	start(NULL, NULL, "h1");
	free(wait_prompts(1, 20));
	tmux("send-keys -t t 'stty size' Enter");
	/* 45 rows - status bar - title = 43; 160 columns. */
	s = wait_for("43 160", 1, 10);
	free(s);
	tmux("resize-window -t t -x 100 -y 30");
	/* Ask again until the new size has reached the remote pty. */
	for (t0 = tu_now(); tu_now() - t0 < 10; ) {
		tmux("send-keys -t t 'clear; stty size' Enter");
		for (t1 = tu_now(); tu_now() - t1 < 1; usleep(100000)) {
			s = screen();
			found = strstr(s, "28 100") != NULL;
			free(s);
			if (found)
				return;
		}
	}
	cr_assert_fail("the remote pty never saw 28 100");
}

/*
 * The per-connection sshd serving the focused pane: asks its login shell
 * for $PPID (typing into that pane).
 */
static pid_t
session_sshd_pid(void)
{
	char *s, *p, pid[32] = "";
	int n;

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
	return (pid_t)atoi(pid);
}

/* A console.ini in a fresh directory; *dir to remove afterwards. */
static char *
console_ini(char **dir, const char *body)
{
	char *path = NULL;

	*dir = tu_tmpdir();
	cr_assert(asprintf(&path, "%s/console.ini", *dir) > 0);
	tu_write_file(path, body);
	return path;
}

/*
 * Host 2's sshd listener stops (new connections are refused) and so does
 * the session it serves; host_sshd_restart brings the listener back the
 * way tests/fleet/fleet.sh started it.
 */
static void
host_sshd_kill(pid_t session)
{
	char *path = NULL, *txt;
	pid_t listener;
	int i;

	cr_assert(asprintf(&path, "%s/h2/sshd.pid", tu_fleet("FLEET_DIR")) > 0);
	txt = tu_read_file(path, NULL);
	cr_assert_not_null(txt, "no %s", path);
	listener = (pid_t)atoi(txt);
	free(txt);
	free(path);
	cr_assert(listener > 1);
	cr_assert_eq(kill(listener, SIGTERM), 0);
	for (i = 0; i < 100 && kill(listener, 0) == 0; i++)
		usleep(50000);
	cr_assert_neq(kill(listener, 0), 0, "sshd listener %d still runs", (int)listener);
	cr_assert_eq(kill(session, SIGKILL), 0);
}

static void
host_sshd_restart(void)
{
	char *cmd = NULL, *out;
	int st = -1;

	/* Idempotent: a listener that still accepts connections stays. */
	cr_assert(asprintf(&cmd, "bash -c 'set -euo pipefail; . \"$DROVER_SRC/tests/fleet/lib.sh\"; "
	    "fleet_tcp_open %s %s || fleet_start_sshd %s/h2 %s %s' 2>&1",
	    tu_fleet("FLEET_ADDR_2"), tu_fleet("FLEET_PORT"), tu_fleet("FLEET_DIR"),
	    tu_fleet("FLEET_ADDR_2"), tu_fleet("FLEET_PORT")) > 0);
	out = tu_sh(cmd, &st);
	cr_assert_eq(st, 0, "restarting h2's sshd: %s", out);
	free(out);
	free(cmd);
}

/* Whatever happened in the test, h2 serves again for the tests after it. */
static void
stop_and_restore_h2(void)
{
	stop();
	host_sshd_restart();
}

/* The number after the first "retry in " on screen, -1 if none. */
static int
countdown(const char *s)
{
	const char *p = strstr(s, "retry in ");

	return p != NULL ? atoi(p + 9) : -1;
}

Test(console, killed_sshd_shows_lost_and_reconnect_keeps_scrollback)
{
	char *dir, *ini, *args = NULL, *s;
	pid_t pid;

	/* Automatic reconnect off: the pane stays lost until the key. */
	ini = console_ini(&dir, "[console]\nreconnect = no\n");
	cr_assert(asprintf(&args, "-c %s h1,h2", ini) > 0);
	start(NULL, NULL, args);
	free(wait_prompts(2, 20));
	focus("2");
	pid = session_sshd_pid();
	/* The per-connection sshd serving pane 2 dies. */
	cr_assert_eq(kill(pid, SIGKILL), 0);
	s = wait_for("[lost", 1, 10);
	cr_assert(strstr(s, "[ready]") != NULL, "the other pane should be fine:\n%s", s);
	free(s);
	/*
	 * The assertion is a duration: with reconnect on, the first retry
	 * comes within 1 s; three seconds later the pane must still be lost.
	 */
	sleep(3);
	s = screen();
	cr_assert(strstr(s, "[lost") != NULL, "reconnected with reconnect = no:\n%s", s);
	cr_assert_null(strstr(s, "retry in"), "%s", s);
	cr_assert_eq(tu_count(s, "[ready]"), 1, "%s", s);
	free(s);
	prefix("r");
	s = wait_for("[ready]", 2, 20);
	/* The old output is still there above the new session. */
	cr_assert(strstr(s, "PPID=") != NULL, "%s", s);
	cr_assert(strstr(s, "reconnecting") != NULL, "%s", s);
	free(s);
	stop();
	tu_rmrf(dir);
	free(dir);
	free(ini);
	free(args);
}

Test(console, lost_host_comes_back_by_itself_with_backoff, .fini = stop_and_restore_h2)
{
	char *s;

	start(NULL, NULL, "h1,h2");
	free(wait_prompts(2, 20));
	focus("2");
	tmux("send-keys -t t 'echo before-$((6*7))' Enter");
	free(wait_for("before-42", 1, 10));
	host_sshd_kill(session_sshd_pid());
	s = wait_for("[lost, retry in ", 1, 10);
	cr_assert(strstr(s, "connection lost") != NULL, "%s", s);
	cr_assert(strstr(s, "[ready]") != NULL, "the other pane should be fine:\n%s", s);
	free(s);
	/* The first retry is refused: the pane stays lost and waits longer. */
	s = wait_for("[lost, retry in 2s: cannot connect", 1, 10);
	free(s);
	host_sshd_restart();
	s = wait_for("[ready]", 2, 15);
	/* Same emulator: the earlier output, one marker for the outage. */
	cr_assert(strstr(s, "before-42") != NULL, "scrollback lost:\n%s", s);
	cr_assert_eq(tu_count(s, "[drover: reconnecting]"), 1, "%s", s);
	cr_assert_eq(tu_count(s, "[drover: connection lost]"), 1, "%s", s);
	cr_assert_null(strstr(s, "retry in"), "%s", s);
	free(s);
	/* And it is a working shell on h2 again. */
	tmux("send-keys -t t 'echo after-$((5*5)) $SSH_CONNECTION' Enter");
	s = wait_for("after-25 ", 1, 10);
	cr_assert(strstr(s, tu_fleet("FLEET_ADDR_2")) != NULL, "%s", s);
	free(s);
}

Test(console, reconnect_key_cuts_the_wait_short_in_the_compact_list,
    .fini = stop_and_restore_h2)
{
	char *dir, *ini, *args = NULL, *s;
	double t0, dt;
	int left;

	/* Panes at least 100 columns wide: two of them make the compact list. */
	ini = console_ini(&dir, "[console]\nmin_pane_cols = 100\n");
	cr_assert(asprintf(&args, "-c %s h1,h2", ini) > 0);
	start(NULL, NULL, args);
	free(wait_for("2/2 up", 1, 20));
	/* Open h2 zoomed for a moment to learn its session's sshd. */
	tmux("send-keys -t t Down Enter");
	free(wait_prompts(1, 10));
	host_sshd_kill(session_sshd_pid());
	prefix("z");
	s = wait_for("lost, retry in ", 1, 10);
	cr_assert(strstr(s, "1/2 up") != NULL, "%s", s);
	free(s);
	/* Refused again and again: 1 s, 2 s, 4 s, then a wait of 6-8 s. */
	for (t0 = tu_now();;) {
		s = wait_for("lost, retry in ", 1, 20);
		left = countdown(s);
		cr_assert(tu_now() - t0 < 30, "no long wait after 30 s:\n%s", s);
		free(s);
		if (left >= 5)
			break;
		usleep(200000);
	}
	host_sshd_restart();
	s = screen();
	left = countdown(s);
	free(s);
	cr_assert(left >= 3, "the wait ran out while sshd restarted (%d s left)", left);
	t0 = tu_now();
	prefix("r");
	free(wait_for("2/2 up", 1, 10));
	dt = tu_now() - t0;
	cr_assert(dt < left - 1, "ready after %.1fs: the key did not cut the %d s wait short",
	    dt, left);
	stop();
	tu_rmrf(dir);
	free(dir);
	free(ini);
	free(args);
}

Test(console, htop_meters_function_keys_and_quit)
{
	char *s;

	start(NULL, NULL, "h1");
	free(wait_prompts(1, 20));
	/* No settings file: what F5 toggles must not outlive this run. */
	tmux("send-keys -t t 'HTOPRC=/dev/null htop' Enter");
	/* The meters, the process list header and the function-key bar. */
	s = wait_for("F10Quit", 1, 15);
	cr_assert(strstr(s, "Mem[") != NULL, "%s", s);
	cr_assert(strstr(s, "Tasks:") != NULL, "%s", s);
	cr_assert(strstr(s, "Load average:") != NULL, "%s", s);
	cr_assert(strstr(s, " USER ") != NULL && strstr(s, "Command") != NULL, "%s", s);
	cr_assert(strstr(s, "F5Tree") != NULL, "%s", s);
	cr_assert_null(strstr(s, "$ HTOPRC"), "htop did not take the screen:\n%s", s);
	free(s);
	/* A function key reaches it encoded: F5 switches to the tree view. */
	tmux("send-keys -t t F5");
	free(wait_for("F5List", 1, 10));
	tmux("send-keys -t t q");
	/* Back on the shell's screen, which still works. */
	s = wait_for("$ HTOPRC=/dev/null htop", 1, 10);
	cr_assert_null(strstr(s, "F10Quit"), "%s", s);
	free(s);
	tmux("send-keys -t t 'echo back-$((3*3))' Enter");
	free(wait_for("back-9", 1, 10));
}

Test(console, fanout_board)
{
	char *s;

	start(NULL, NULL, "h1,h2,h3");
	free(wait_prompts(3, 20));
	prefix(":");
	/* The prompt says where the command goes. */
	free(wait_for("command for 3 hosts (h[1-3])", 1, 5));
	tmux("send-keys -t t 'echo board-$((1+1))' Enter");
	s = wait_for("3 ok", 1, 20);
	cr_assert(strstr(s, "board: 3 hosts") != NULL, "%s", s);
	cr_assert_eq(tu_count(s, "board-2"), 3, "%s", s);
	/* Nothing failed: re-running the failed is not offered. */
	cr_assert_null(strstr(s, "re-run"), "%s", s);
	free(s);
	/* Grouped: one row for three identical results, named as a host set. */
	tmux("send-keys -t t g");
	s = wait_for("h[1-3] (3)", 1, 5);
	cr_assert_eq(tu_count(s, "board-2"), 1, "%s", s);
	free(s);
	tmux("send-keys -t t Enter");
	s = wait_for("(3 hosts)", 1, 5);
	free(s);
	tmux("send-keys -t t Escape");
	/* Back on the rows before q: ESC and q at once would read as Alt+q. */
	wait_gone("(3 hosts)", 5);
	tmux("send-keys -t t q");
	free(wait_for("[ready]", 3, 5));
	/* A closed board comes back with its results. */
	prefix("B");
	s = wait_for("board: 3 hosts, 3 ok", 1, 5);
	free(s);
}

Test(console, board_runs_on_the_panes_connections_and_shows_progress)
{
	char *s, *p, ppid[32] = "", want[64];
	int n;

	start(NULL, NULL, "h1,h2");
	free(wait_prompts(2, 20));
	/* The sshd process serving pane 1's connection. */
	tmux("send-keys -t t 'echo PANE=$PPID' Enter");
	s = wait_for("PANE=", 2, 10);
	p = strstr(s, "\nPANE=");
	cr_assert_not_null(p, "%s", s);
	for (p += 6, n = 0; n < 30 && p[n] >= '0' && p[n] <= '9'; n++)
		ppid[n] = p[n];
	free(s);
	prefix(":");
	free(wait_for("command for 2 hosts", 1, 5));
	/* Two lines, then a pause: the row shows the latest line while it runs. */
	tmux("send-keys -t t 'echo BOARD=$PPID; echo progress-$((3*3)); sleep 4; echo end' Enter");
	s = wait_for("progress-9", 2, 10);
	cr_assert(strstr(s, "2 running") != NULL, "%s", s);
	free(s);
	/* A running host opened: its output so far. */
	tmux("send-keys -t t Enter");
	snprintf(want, sizeof(want), "BOARD=%s", ppid);
	s = wait_for("(1 host)", 1, 5);
	/* Same sshd process: a channel on the pane's connection, no new login. */
	cr_assert(strstr(s, want) != NULL, "board command not on the pane's connection "
	    "(want %s):\n%s", want, s);
	free(s);
	tmux("send-keys -t t Escape");
	wait_gone("(1 host)", 5);
	free(wait_for("2 ok", 1, 15));
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
	s = wait_for("[host key", 1, 10);
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

Test(console, board_honours_the_inventory_timeout)
{
	char *dir, *inv = NULL, *body, *p, *args = NULL, *s;
	size_t len;

	/* The fleet's inventory with a 1 s command timeout in [defaults]. */
	body = tu_read_file(tu_fleet("FLEET_INVENTORY"), &len);
	cr_assert_not_null(body);
	p = strstr(body, "[defaults]\n");
	cr_assert_not_null(p, "%s", body);
	dir = tu_tmpdir();
	cr_assert(asprintf(&inv, "%s/inventory.ini", dir) > 0);
	p += strlen("[defaults]\n");
	{
		char *text = NULL;

		cr_assert(asprintf(&text, "%.*stimeout = 1\n%s", (int)(p - body), body, p) > 0);
		tu_write_file(inv, text);
		free(text);
	}
	cr_assert(asprintf(&args, "-i %s h1,h2", inv) > 0);
	start(NULL, NULL, args);
	free(wait_prompts(2, 20));
	prefix(":");
	free(wait_for("command for", 1, 5));
	tmux("send-keys -t t 'sleep 20; echo late-$((6*7))' Enter");
	s = wait_for("timeout", 2, 10);
	cr_assert_null(strstr(s, "late-42"), "%s", s);
	cr_assert(strstr(s, "2 failed") != NULL, "%s", s);
	free(s);
	stop();
	tu_rmrf(dir);
	free(dir);
	free(inv);
	free(args);
	free(body);
}

Test(console, hints_and_help_name_the_bound_keys)
{
	char *dir, *ini, *args = NULL, *s;

	/* add-host moved to 'a', the prefix to C-b: the screen must say so. */
	ini = console_ini(&dir, "[console]\nprefix = C-b\n[keys]\nadd-host = a\n");
	cr_assert(asprintf(&args, "-c %s", ini) > 0);
	start(NULL, NULL, args);
	s = wait_for("C-b a to add hosts", 1, 10);
	free(s);
	tmux("send-keys -t t C-b");
	tmux("send-keys -t t '?'");
	s = wait_for("add-host", 1, 5);
	cr_assert(strstr(s, "C-b a ") != NULL, "%s", s);
	cr_assert_null(strstr(s, "C-g"), "%s", s);
	free(s);
	stop();
	tu_rmrf(dir);
	free(dir);
	free(ini);
	free(args);
}

Test(console, broadcast_includes_the_focused_pane_and_says_so)
{
	char *s;

	start(NULL, NULL, "h1,h2,h3");
	free(wait_prompts(3, 20));
	focus("1");
	prefix("m");
	focus("2");
	prefix("b");
	/* Pane 1 armed, pane 2 focused: both get the keys, pane 3 does not. */
	s = wait_for("<<BROADCAST>>", 2, 5);
	cr_assert(strstr(s, "BROADCAST to 2") != NULL, "%s", s);
	free(s);
	tmux("send-keys -t t 'echo bf-$((7*6))' Enter");
	s = wait_for("bf-42", 2, 10);
	free(s);
	prefix("b");
	focus("3");
	tmux("send-keys -t t 'echo p3-$((2+2))' Enter");
	s = wait_for("p3-4", 1, 10);
	cr_assert_eq(tu_count(s, "bf-42"), 2, "pane 3 got the broadcast:\n%s", s);
	free(s);
}

Test(console, closing_a_live_shell_asks_first)
{
	char *s;

	start(NULL, NULL, "h1,h2");
	free(wait_prompts(2, 20));
	prefix("x");
	s = wait_for("close the shell on h1? (y/n)", 1, 5);
	free(s);
	tmux("send-keys -t t Enter");     /* anything but y keeps it */
	wait_gone("close the shell", 5);
	s = wait_for("[ready]", 2, 5);
	free(s);
	prefix("x");
	free(wait_for("close the shell on h1?", 1, 5));
	tmux("send-keys -t t y Enter");
	s = wait_for("1/1 up", 1, 10);
	cr_assert_null(strstr(s, " h1 "), "%s", s);
	free(s);
}

Test(console, main_stack_puts_the_focused_pane_in_the_main_slot)
{
	char *s;

	start(NULL, NULL, "--layout main-stack h1,h2,h3");
	free(wait_prompts(3, 20));
	focus("3");
	/* The main slot is the top-left: pane 3's title starts the screen. */
	for (double t0 = tu_now();; usleep(100000)) {
		s = screen();
		if (strncmp(s, "\xe2\x94\x80 3 h3", 8) == 0)
			break;
		cr_assert(tu_now() - t0 < 5, "pane 3 not in the main slot:\n%s", s);
		free(s);
	}
	free(s);
	/* And its shell sees the main slot's width. */
	tmux("send-keys -t t 'stty size' Enter");
	s = wait_for("43 95", 1, 10);
	free(s);
}

Test(console, help_uses_the_screen_and_scrolls)
{
	char *s;

	snprintf(sock, sizeof(sock), "drover-test-%d", (int)getpid());
	tmux("kill-server");
	tmux("new-session -d -s t -x 80 -y 24 \"%s -F %s -i %s h1; sleep 30\"",
	    getenv("DROVER_BIN"), tu_fleet("FLEET_SSH_CONFIG"), tu_fleet("FLEET_INVENTORY"));
	free(wait_prompts(1, 20));
	prefix("?");
	s = wait_for("keys 1-", 1, 5);
	cr_assert_null(strstr(s, "show-board"), "all of it fits in 24 rows?\n%s", s);
	free(s);
	/* A key that is not the help's own does not close it. */
	tmux("send-keys -t t z");
	tmux("send-keys -t t PageDown");
	tmux("send-keys -t t PageDown");
	s = wait_for("show-board", 1, 5);
	cr_assert(strstr(s, "keys ") != NULL, "%s", s);
	free(s);
	tmux("send-keys -t t q");
	wait_gone("show-board", 5);
}

Test(console, search_highlights_matches_and_scroll_shows_where)
{
	char *cmd = NULL, *s;
	int st;

	start(NULL, NULL, "h1");
	free(wait_prompts(1, 20));
	tmux("send-keys -t t 'seq 1 300; echo needle-$((40+2)); seq 1 300' Enter");
	free(wait_for("\n300\n$", 1, 10));
	prefix("/");
	free(wait_for("search scrollback", 1, 5));
	tmux("send-keys -t t needle-42 Enter");
	s = wait_for("lines up", 1, 5);
	cr_assert(strstr(s, "needle-42") != NULL, "%s", s);
	free(s);
	/* The match is drawn in its own style: an SGR change right before it. */
	cr_assert(asprintf(&cmd, "tmux -L %s capture-pane -e -p -t t | grep -a needle-42 | "
	    "grep -acP '\\x1b\\[[0-9;]*mneedle-42'", sock) > 0);
	s = tu_sh(cmd, &st);
	cr_assert_eq(st, 0, "no highlight: %s", s);
	free(s);
	free(cmd);
	tmux("send-keys -t t End");
	wait_gone("lines up", 5);
}

Test(console, sidebar_lists_groups_and_each_host_once)
{
	char *s;

	start(NULL, NULL, "");
	s = wait_for("@demo", 1, 10);
	/* h1 is an inventory host and an ssh_config alias: listed once. */
	cr_assert_eq(tu_count(s, "\n h1 "), 1, "%s", s);
	free(s);
}

Test(console, rebound_prefix_twice_sends_itself)
{
	char *dir, *ini, *args = NULL, *s;

	ini = console_ini(&dir, "[console]\nprefix = C-b\n");
	cr_assert(asprintf(&args, "-c %s h1", ini) > 0);
	start(NULL, NULL, args);
	free(wait_prompts(1, 20));
	tmux("send-keys -t t 'cat -v' Enter");
	tmux("send-keys -t t C-b");
	tmux("send-keys -t t C-b");
	tmux("send-keys -t t Enter");
	s = wait_for("^B", 1, 5);
	free(s);
	tmux("send-keys -t t C-d");
	stop();
	tu_rmrf(dir);
	free(dir);
	free(ini);
	free(args);
}

/* Without a terminal too: a word that names nothing is an error at once. */
Test(console, a_word_that_names_nothing_exits_2)
{
	const char *const typo[] = { "-F", tu_fleet("FLEET_SSH_CONFIG"), "-i",
		tu_fleet("FLEET_INVENTORY"), "exce", NULL };
	const char *const word[] = { "-F", tu_fleet("FLEET_SSH_CONFIG"), "-i",
		tu_fleet("FLEET_INVENTORY"), "h1,nosuchhost-zz.invalid", NULL };
	const char *const layout[] = { "--layout=nope", "h1", NULL };
	const char *const help[] = { "--help", NULL };
	tu_run r;

	tu_drover(&r, 10, NULL, typo);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert(strstr(r.err, "'exce' is not a command") != NULL, "%s", r.err);
	cr_assert(strstr(r.err, "did you mean 'exec'?") != NULL, "%s", r.err);
	tu_run_free(&r);
	tu_drover(&r, 10, NULL, word);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert(strstr(r.err, "'nosuchhost-zz.invalid' is not a command") != NULL, "%s", r.err);
	tu_run_free(&r);
	tu_drover(&r, 10, NULL, layout);
	cr_assert_eq(r.status, 2, "%s", r.err);
	cr_assert(strstr(r.err, "--layout: 'nope'") != NULL, "%s", r.err);
	tu_run_free(&r);
	/* The top-level help shows the console's own options. */
	tu_drover(&r, 10, NULL, help);
	cr_assert_eq(r.status, 0);
	cr_assert(strstr(r.out, "--layout NAME") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "--accept-new") != NULL, "%s", r.out);
	tu_run_free(&r);
}
