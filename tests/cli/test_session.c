/*
 * tests/cli/test_session.c - sessions that outlive the terminal: the real
 * binary in tmux (private tmux servers) against the demo fleet, driven and
 * read through `drover ctl` (wait-for instead of sleeping), plus hostile
 * peers on the session socket and a second user.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

static char name[32];

/* A shell command's output (status in *st when wanted); printf-style. */
static char *
sh(int *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static char *
sh(int *st, const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return tu_sh(cmd, st);
}

/* `drover ctl -t NAME ARGS` (ARGS already shell-quoted); its exit status. */
static int
ctl(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
ctl(char **out, const char *fmt, ...)
{
	char args[2048], *o;
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	o = sh(&st, "%s ctl -t %s %s 2>&1", getenv("DROVER_BIN"), name, args);
	if (out != NULL)
		*out = o;
	else
		free(o);
	return st;
}

/* A new tmux server `srv` whose one window runs the client command. */
static void
tmux_client(const char *srv, int cols, int rows, const char *client)
{
	/* (A server still going away would take the new session down with it.) */
	free(sh(NULL, "tmux -L %s kill-server 2>/dev/null && sleep 0.3; tmux -L %s new-session -d -s t "
	    "-x %d -y %d \"env XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR %s; echo CLIENT-EXIT=\\$?; "
	    "sleep 60\"", srv, srv, cols, rows, client));
}

static char *
tmux_screen(const char *srv)
{
	return sh(NULL, "tmux -L %s capture-pane -p -t t", srv);
}

/* Waits until needle is on tmux server srv's screen; fails after secs. */
static void
tmux_wait(const char *srv, const char *needle, double secs)
{
	double end = tu_now() + secs;
	char *s = NULL;

	do {
		free(s);
		s = tmux_screen(srv);
		if (strstr(s, needle) != NULL) {
			free(s);
			return;
		}
		usleep(100000);
	} while (tu_now() < end);
	cr_assert_fail("'%s' not on %s's screen after %.0fs:\n%s", needle, srv, secs, s);
}

/* Starts session `name` on the given targets in tmux server srv. */
static void
start(const char *srv, const char *targets)
{
	char client[1024];

	snprintf(name, sizeof(name), "s%d", (int)getpid());
	snprintf(client, sizeof(client), "%s -F %s -i %s -s %s %s", getenv("DROVER_BIN"),
	    tu_fleet("FLEET_SSH_CONFIG"), tu_fleet("FLEET_INVENTORY"), name, targets);
	tmux_client(srv, 120, 40, client);
}

static void
stop(void)
{
	free(sh(NULL, "for s in a b c; do tmux -L %s-$s kill-server 2>/dev/null; done; "
	    "%s kill-session %s 2>/dev/null", name, getenv("DROVER_BIN"), name));
}

static long
server_pid(void)
{
	char *out, *p;
	long pid = -1;

	cr_assert_eq(ctl(&out, "session-info"), 0, "%s", out);
	if ((p = strstr(out, "(pid ")) != NULL)
		pid = atol(p + 5);
	free(out);
	return pid;
}

/* Every line of s is one JSON object (python's parser judges). */
static void
assert_json_lines(const char *s)
{
	char *path, *out;
	int st;

	path = sh(NULL, "mktemp");
	path[strcspn(path, "\n")] = '\0';
	tu_write_file(path, s);
	out = sh(&st, "python3 -c 'import json,sys\n"
	    "n=0\n"
	    "for l in open(sys.argv[1]):\n"
	    "  json.loads(l); n+=1\n"
	    "print(n)' %s 2>&1", path);
	cr_assert_eq(st, 0, "not JSON lines: %s\n%s", out, s);
	cr_assert_gt(atoi(out), 0);
	unlink(path);
	free(path);
	free(out);
}

TestSuite(session, .fini = stop, .timeout = 150);

Test(session, survives_the_terminal_same_shell_and_scrollback)
{
	char srv_a[64], srv_b[64], *out, *out2, client[512];

	snprintf(srv_a, sizeof(srv_a), "s%d-a", (int)getpid());
	snprintf(srv_b, sizeof(srv_b), "s%d-b", (int)getpid());
	start(srv_a, "h1,h2");
	tmux_wait(srv_a, "2/2 up", 20);
	cr_assert_eq(ctl(NULL, "send-keys -t h1 'X=kept-$((40+2)); echo PID=$$; seq 1 300' Enter"), 0);
	cr_assert_eq(ctl(&out, "wait-for -t h1 '^300$' -T 15"), 0, "%s", out);
	free(out);
	cr_assert_eq(ctl(&out, "capture-pane -t h1 -S"), 0);
	cr_assert(strstr(out, "PID=") != NULL, "%s", out);
	/* Losing the terminal: the tmux server around the client is killed. */
	free(sh(NULL, "tmux -L %s kill-server", srv_a));
	usleep(300000);
	out2 = sh(NULL, "%s sessions", getenv("DROVER_BIN"));
	cr_assert(strstr(out2, name) != NULL && strstr(out2, "2/2 hosts up, 0 attached") != NULL,
	    "%s", out2);
	free(out2);
	snprintf(client, sizeof(client), "%s attach %s", getenv("DROVER_BIN"), name);
	tmux_client(srv_b, 100, 30, client);
	tmux_wait(srv_b, "2/2 up", 10);
	cr_assert_eq(ctl(NULL, "send-keys -t h1 'echo AGAIN=$X PID=$$' Enter"), 0);
	cr_assert_eq(ctl(&out2, "wait-for -t h1 'AGAIN=kept-42' -T 10"), 0, "%s", out2);
	free(out2);
	/* The same remote shell: the PID it printed before. */
	{
		char *pid = out, want[64], *cap;

		/* The shell's answer, not the typed line (its prompt may come late). */
		while ((pid = strstr(pid, "PID=")) != NULL && !(pid[4] >= '0' && pid[4] <= '9'))
			pid += 4;
		cr_assert_not_null(pid, "no PID line in:\n%s", out);
		snprintf(want, sizeof(want), "AGAIN=kept-42 %.*s", (int)strcspn(pid, "\n"), pid);
		cr_assert_eq(ctl(&cap, "capture-pane -t h1"), 0);
		cr_assert(strstr(cap, want) != NULL, "want '%s' in:\n%s", want, cap);
		free(cap);
	}
	free(out);
	/* Scrollback intact: the start of the seq is still there with -S. */
	cr_assert_eq(ctl(&out, "capture-pane -t h1 -S"), 0);
	cr_assert(strstr(out, "\n1\n2\n3\n") != NULL, "%s", out);
	free(out);
	/* The new terminal shows it too (the screen was redrawn on attach). */
	tmux_wait(srv_b, "AGAIN=kept-42", 5);
}

Test(session, detach_key_two_clients_and_d)
{
	char srv_a[64], srv_b[64], client[512], *out, *s;
	int i;

	snprintf(srv_a, sizeof(srv_a), "s%d-a", (int)getpid());
	snprintf(srv_b, sizeof(srv_b), "s%d-b", (int)getpid());
	start(srv_a, "h1");
	tmux_wait(srv_a, "1/1 up", 20);
	/* A second client on a smaller terminal: the smaller size wins. */
	snprintf(client, sizeof(client), "%s attach %s", getenv("DROVER_BIN"), name);
	tmux_client(srv_b, 80, 20, client);
	tmux_wait(srv_b, "1/1 up", 10);
	cr_assert_eq(ctl(&out, "session-info"), 0);
	cr_assert(strstr(out, "2 attached") != NULL, "%s", out);
	free(out);
	/* The new size reaches the panes after the attach: wait for it. */
	for (i = 0; i < 50; i++) {
		cr_assert_eq(ctl(&out, "list-panes"), 0);
		if (strstr(out, "\"rows\":18") != NULL || strstr(out, "\"rows\":17") != NULL)
			break;
		free(out);
		out = NULL;
		usleep(100000);
	}
	cr_assert(out != NULL, "the panes never took the smaller client's size");
	free(out);
	/* Typing in one client shows in both. */
	free(sh(NULL, "tmux -L %s send-keys -t t 'echo both-$((3*3))' Enter", srv_b));
	tmux_wait(srv_a, "both-9", 10);
	/* The detach key detaches that client only. */
	free(sh(NULL, "tmux -L %s send-keys -t t C-g d", srv_b));
	tmux_wait(srv_b, "[detached (from session", 5);
	tmux_wait(srv_b, "CLIENT-EXIT=0", 5);
	cr_assert_eq(ctl(&out, "session-info"), 0);
	cr_assert(strstr(out, "1 attached") != NULL, "%s", out);
	free(out);
	/* attach -d detaches the other client. */
	snprintf(client, sizeof(client), "%s attach -d %s", getenv("DROVER_BIN"), name);
	tmux_client(srv_b, 100, 30, client);
	tmux_wait(srv_a, "attached elsewhere with -d", 10);
	s = tmux_screen(srv_b);
	cr_assert(strstr(s, "1/1 up") != NULL, "%s", s);
	free(s);
}

Test(session, windows_by_keys_and_ctl)
{
	char srv[64], *out;

	snprintf(srv, sizeof(srv), "s%d-a", (int)getpid());
	start(srv, "h1");
	tmux_wait(srv, "1/1 up", 20);
	cr_assert_eq(ctl(&out, "new-window -n db h2,h3"), 0, "%s", out);
	free(out);
	tmux_wait(srv, "0:h1 1:db*", 10);
	cr_assert_eq(ctl(&out, "list-windows"), 0);
	assert_json_lines(out);
	cr_assert(strstr(out, "\"name\":\"db\",\"panes\":2,\"active\":true") != NULL, "%s", out);
	free(out);
	/* Keys: prefix , renames, prefix 0 / n select, prefix & kills. */
	free(sh(NULL, "tmux -L %s send-keys -t t C-g ,; tmux -L %s send-keys -t t -l logs; "
	    "tmux -L %s send-keys -t t Enter", srv, srv, srv));
	tmux_wait(srv, "1:logs*", 5);
	free(sh(NULL, "tmux -L %s send-keys -t t C-g 0", srv));
	tmux_wait(srv, "0:h1* 1:logs", 5);
	free(sh(NULL, "tmux -L %s send-keys -t t C-g n", srv));
	tmux_wait(srv, "0:h1 1:logs*", 5);
	/* Panes of a window not shown stay alive and are fed. */
	cr_assert_eq(ctl(NULL, "send-keys -t 0:h1 'echo hidden-$((5*5))' Enter"), 0);
	cr_assert_eq(ctl(&out, "wait-for -t 0:h1 hidden-25 -T 10"), 0, "%s", out);
	free(out);
	cr_assert_eq(ctl(&out, "list-panes -a"), 0);
	assert_json_lines(out);
	cr_assert_eq(tu_count(out, "\"state\":\"ready\""), 3, "%s", out);
	free(out);
	/* Killing a window with live shells asks first. */
	free(sh(NULL, "tmux -L %s send-keys -t t C-g '&'", srv));
	tmux_wait(srv, "running shells? (y/n)", 5);
	free(sh(NULL, "tmux -L %s send-keys -t t y Enter", srv));
	tmux_wait(srv, "1/1 up", 10);
	cr_assert_eq(ctl(&out, "list-windows"), 0);
	cr_assert_eq(tu_count(out, "\n"), 1, "%s", out);
	free(out);
	cr_assert_eq(ctl(&out, "kill-pane -t nosuch"), 2);
	free(out);
	/* exec runs on the panes' own connections: the same client port. */
	cr_assert_eq(ctl(NULL, "send-keys -t h1 'echo CONN=$SSH_CONNECTION' Enter"), 0);
	cr_assert_eq(ctl(&out, "wait-for -t h1 'CONN=[0-9]' -T 10"), 0, "%s", out);
	free(out);
	cr_assert_eq(ctl(&out, "exec h1,h4 -- 'echo X=$SSH_CONNECTION; exit 3'"), 1, "%s", out);
	assert_json_lines(out);
	cr_assert(strstr(out, "\"host\":\"h1\",\"state\":\"failed\",\"exit\":3") != NULL, "%s", out);
	cr_assert(strstr(out, "\"host\":\"h4\",\"state\":\"not connected\"") != NULL, "%s", out);
	{
		char *cap, *x = strstr(out, "X="), *c, want[128];

		cr_assert_not_null(x, "%s", out);
		cr_assert_eq(ctl(&cap, "capture-pane -t h1"), 0);
		c = strstr(cap, "\nCONN=");
		cr_assert_not_null(c, "%s", cap);
		/* "ADDR PORT ADDR PORT": the first two words are our end. */
		snprintf(want, sizeof(want), "%.*s", (int)strcspn(c + 6, "\n"), c + 6);
		cr_assert(strncmp(x + 2, want, strlen(want)) == 0, "pane: %s exec: %s", want, x);
		free(cap);
	}
	free(out);
	cr_assert_eq(ctl(&out, "wait-for -t h1 'never-shown' -T 1"), 1);
	cr_assert(strstr(out, "timed out") != NULL, "%s", out);
	free(out);
}

Test(session, hostile_clients_do_not_hurt_the_session)
{
	char srv[64], *out, *path;
	long pid;
	int st;

	snprintf(srv, sizeof(srv), "s%d-a", (int)getpid());
	start(srv, "h1");
	tmux_wait(srv, "1/1 up", 20);
	path = sh(NULL, "printf %%s \"$XDG_RUNTIME_DIR/drover/%s\"", name);
	/* Garbage, a truncated header, an oversized length, a ctl from an attached
	 * client's type: each drops that peer only. */
	out = sh(&st, "python3 - %s <<'EOF'\n"
	    "import socket,sys,os\n"
	    "msgs=[b'\\xff'*4096, b'\\x04\\x00', b'\\x04\\xff\\xff\\xff'+b'x'*100,\n"
	    "      b'\\x05\\x00\\x00\\x03abc', b'\\x01\\x00\\x00\\x06\\x01\\x00\\x00\\x00\\x00\\x00']\n"
	    "for m in msgs:\n"
	    "  s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(m)\n"
	    "  s.settimeout(2)\n"
	    "  try:\n"
	    "    d=s.recv(100)\n"
	    "  except socket.timeout:\n"
	    "    d=None\n"
	    "  print('(open)' if d is None else repr(d[:1])); s.close()\n"
	    "EOF", path);
	cr_assert_eq(st, 0, "%s", out);
	/* Each was cut off: the socket closed without an answer (b''); the
	 * truncated header is just waited for. */
	cr_assert_eq(tu_count(out, "b''"), 4, "%s", out);
	cr_assert_eq(tu_count(out, "(open)"), 1, "%s", out);
	free(out);
	/* A client killed with SIGKILL. */
	/* (The client is the tmux pane's child; the server has the same argv.) */
	free(sh(NULL, "pkill -KILL -P \"$(tmux -L %s display -p -t t '#{pane_pid}')\" -x drover",
	    srv));
	usleep(300000);
	cr_assert_eq(ctl(&out, "session-info"), 0, "%s", out);
	cr_assert(strstr(out, "1/1 hosts up, 0 attached") != NULL, "%s", out);
	free(out);
	/* A client that stops reading while a pane floods is cut off; the
	 * session keeps answering and the flood is drawn to the end. */
	out = sh(&st, "python3 - %s %s %s <<'EOF'\n"
	    "import socket,sys,subprocess,time\n"
	    "s=socket.socket(socket.AF_UNIX)\n"
	    "s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)\n"
	    "s.connect(sys.argv[1])\n"
	    "s.sendall(b'\\x01\\x00\\x00\\x0f\\x01\\x00\\x00\\x32\\x00\\x50xterm-256')\n"
	    "subprocess.run([sys.argv[2],'ctl','-t',sys.argv[3],'send-keys','-t','h1',\n"
	    "  'timeout 25 base64 /dev/urandom; echo; echo flood-$((20+1))','Enter'])\n"
	    "t=time.time(); cut=False\n"
	    "while time.time()-t < 55:\n"
	    "  r=subprocess.run([sys.argv[2],'ctl','-t',sys.argv[3],'session-info'],capture_output=True)\n"
	    "  if b'0 attached' in r.stdout: cut=True; break\n"
	    "  time.sleep(0.5)\n"
	    "print('cut after %%.1fs' %% (time.time()-t) if cut else 'not cut')\n"
	    "EOF", path, getenv("DROVER_BIN"), name);
	cr_assert(strstr(out, "cut after") != NULL, "%s", out);
	cr_log_info("slow client: %s", out);
	free(out);
	cr_assert_eq(ctl(&out, "wait-for -t h1 flood-21 -T 90"), 0, "%s", out);
	free(out);
	/* The server dies: an attached client says so and exits. */
	pid = server_pid();
	cr_assert_gt(pid, 1);
	{
		char client[512];

		snprintf(client, sizeof(client), "%s attach %s", getenv("DROVER_BIN"), name);
		tmux_client(srv, 100, 30, client);
	}
	tmux_wait(srv, "1/1 up", 10);
	kill((pid_t)pid, SIGKILL);
	tmux_wait(srv, "lost the server of session", 10);
	tmux_wait(srv, "CLIENT-EXIT=1", 5);
	/* Its socket is stale now: cleaned up, not listed. */
	out = sh(NULL, "%s sessions 2>&1", getenv("DROVER_BIN"));
	cr_assert(strstr(out, name) == NULL, "%s", out);
	free(out);
	cr_assert(access(path, F_OK) != 0, "stale socket %s left", path);
	free(path);
}

Test(session, another_user_is_refused)
{
	char srv[64], *out, *path, *rt;
	int st;

	if (getuid() != 0)
		cr_skip_test("needs root to run as a second user");
	/* A runtime directory the other user can reach (the build tree may not be). */
	rt = sh(NULL, "d=$(mktemp -d /tmp/drover-rt.XXXXXX) && chmod 0711 $d && printf %%s $d");
	setenv("XDG_RUNTIME_DIR", rt, 1);
	free(sh(NULL, "id drover-other >/dev/null 2>&1 || useradd -M -s /bin/sh drover-other"));
	snprintf(srv, sizeof(srv), "s%d-a", (int)getpid());
	start(srv, "h1");
	tmux_wait(srv, "1/1 up", 20);
	path = sh(NULL, "printf %%s \"$XDG_RUNTIME_DIR/drover/%s\"", name);
	/* Through the directory: our 0700 directory is refused to them. */
	out = sh(&st, "su -s /bin/sh drover-other -c 'XDG_RUNTIME_DIR=%s %s sessions' 2>&1",
	    rt, getenv("DROVER_BIN"));
	cr_assert_neq(st, 0, "%s", out);
	cr_assert(strstr(out, "only you own") != NULL || strstr(out, "denied") != NULL, "%s", out);
	free(out);
	/* Even with the directory and socket opened up, the server checks the
	 * peer's uid and answers nothing. */
	free(sh(NULL, "chmod 0711 \"$XDG_RUNTIME_DIR/drover\"; chmod 0666 %s", path));
	out = sh(&st, "su -s /bin/sh drover-other -c \"python3 -c 'import socket,sys\n"
	    "s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])\n"
	    "try:\n"
	    "  s.sendall(bytes([4,0,0,13])+b\\\"session-info\\\\0\\\"); s.settimeout(5)\n"
	    "  print(repr(s.recv(100)))\n"
	    "except (ConnectionResetError, BrokenPipeError):\n"
	    "  print(repr(b\\\"\\\"))' %s\" 2>&1", path);
	free(sh(NULL, "chmod 0700 \"$XDG_RUNTIME_DIR/drover\"; chmod 0600 %s", path));
	cr_assert_eq(st, 0, "%s", out);
	cr_assert(strstr(out, "b''") != NULL, "another uid got an answer: %s", out);
	free(out);
	cr_assert_eq(ctl(&out, "session-info"), 0, "%s", out);
	free(out);
	free(path);
	stop();
	tu_rmrf(rt);
	free(rt);
}

Test(session, workspace_open_save_kill_reopen)
{
	char srv[64], *dir, *ws, *saved, *before_w, *before_p, *after_w, *after_p, *out, client[1024];
	int st;

	/* stop() ends session name and the tmux servers name-a/b/c. */
	snprintf(name, sizeof(name), "w%d", (int)getpid());
	snprintf(srv, sizeof(srv), "%s-a", name);
	dir = tu_tmpdir();
	cr_assert(asprintf(&ws, "%s/ops.ini", dir) > 0);
	cr_assert(asprintf(&saved, "%s/saved.ini", dir) > 0);
	{
		char *text = NULL;

		cr_assert(asprintf(&text, "[session %s]\n"
		    "[window %s/web]\ntargets = h1,h2\nlayout = even-vertical\ndir = /tmp\n"
		    "command = echo started-in-$(pwd)\n"
		    "[pane %s/web/h2]\ncommand = echo pane-two-$((1+1))\n"
		    "[window %s/db]\ntargets = h3\n", name, name, name, name) > 0);
		tu_write_file(ws, text);
		free(text);
	}
	snprintf(client, sizeof(client), "%s -F %s -i %s -w %s", getenv("DROVER_BIN"),
	    tu_fleet("FLEET_SSH_CONFIG"), tu_fleet("FLEET_INVENTORY"), ws);
	tmux_client(srv, 120, 40, client);
	tmux_wait(srv, "0:web* 1:db", 20);
	/* Each pane ran its start-up line once, the window's or its own. */
	cr_assert_eq(ctl(&out, "wait-for -t web:h1 started-in-/tmp -T 15"), 0, "%s", out);
	free(out);
	cr_assert_eq(ctl(&out, "wait-for -t web:h2 pane-two-2 -T 15"), 0, "%s", out);
	free(out);
	cr_assert_eq(ctl(&before_w, "list-windows"), 0);
	cr_assert(strstr(before_w, "\"name\":\"web\",\"panes\":2,\"active\":true,"
	    "\"layout\":\"even-vertical\"") != NULL, "%s", before_w);
	cr_assert(strstr(before_w, "\"name\":\"db\",\"panes\":1,\"active\":false,"
	    "\"layout\":\"tiled\"") != NULL, "%s", before_w);
	cr_assert_eq(ctl(&before_p, "list-panes -a"), 0);
	/* Saved (drover save), the session killed, the file opened again. */
	out = sh(&st, "%s save %s %s 2>&1", getenv("DROVER_BIN"), name, saved);
	cr_assert_eq(st, 0, "%s", out);
	free(out);
	out = sh(&st, "stat -c %%a %s", saved);
	cr_assert_str_eq(out, "600\n");
	free(out);
	free(sh(NULL, "tmux -L %s kill-server; %s kill-session %s", srv, getenv("DROVER_BIN"), name));
	out = sh(NULL, "%s sessions 2>&1", getenv("DROVER_BIN"));
	cr_assert(strstr(out, name) == NULL, "%s", out);
	free(out);
	snprintf(client, sizeof(client), "%s -F %s -i %s -w %s", getenv("DROVER_BIN"),
	    tu_fleet("FLEET_SSH_CONFIG"), tu_fleet("FLEET_INVENTORY"), saved);
	tmux_client(srv, 120, 40, client);
	tmux_wait(srv, "0:web* 1:db", 20);
	cr_assert_eq(ctl(&out, "wait-for -t web:h2 pane-two-2 -T 15"), 0, "%s", out);
	free(out);
	cr_assert_eq(ctl(&after_w, "list-windows"), 0);
	cr_assert_str_eq(after_w, before_w);
	cr_assert_eq(ctl(&after_p, "list-panes -a"), 0);
	/* Same windows, panes and hosts (states may differ while connecting). */
	{
		char *a = strdup(before_p), *b = strdup(after_p), *p;

		for (p = a; (p = strstr(p, "\"state\":\"")) != NULL; p++)
			memcpy(p + 9, "x", 1);
		for (p = b; (p = strstr(p, "\"state\":\"")) != NULL; p++)
			memcpy(p + 9, "x", 1);
		cr_assert_eq(tu_count(a, "\"host\":\"h1\""), 1, "%s", a);
		cr_assert_eq(tu_count(b, "\"host\":\"h1\"") + tu_count(b, "\"host\":\"h2\"") +
		    tu_count(b, "\"host\":\"h3\""), 3, "%s", b);
		free(a);
		free(b);
	}
	/* -w again while it runs: attaches, starts nothing twice. */
	out = sh(NULL, "%s sessions 2>&1", getenv("DROVER_BIN"));
	cr_assert_eq(tu_count(out, name), 1, "%s", out);
	free(out);
	free(before_w);
	free(before_p);
	free(after_w);
	free(after_p);
	/* A bad workspace file: file:line and exit 2, no session left. */
	tu_write_file(ws, "[session bad]\n[window bad/w]\nlayout = spiral\ntargets = h1\n");
	out = sh(&st, "script -qec '%s -F %s -i %s -w %s' /dev/null 2>&1", getenv("DROVER_BIN"),
	    tu_fleet("FLEET_SSH_CONFIG"), tu_fleet("FLEET_INVENTORY"), ws);
	cr_assert_eq(st, 2, "%s", out);
	cr_assert(strstr(out, "ops.ini:3: layout 'spiral'") != NULL, "%s", out);
	free(out);
	tu_rmrf(dir);
	free(dir);
	free(ws);
	free(saved);
}
