/*
 * tests/cli/test_sudo.c - `drover exec --sudo` against the demo fleet's
 * sudo users: h1 and h2 log in as a user whose sudo asks for a password,
 * h3 and h4 as one with NOPASSWD (tests/fleet/fleet.sh's sudoers drop-in).
 * The password must reach only the hosts that ask (the command after sudo
 * reads stdin, so a password sent where it was not asked for would show),
 * never appear in output, files, the log, `ps` or any environment, and a
 * wrong one must fail those hosts quickly.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static const char *cfg, *bin;
static char *dir, *inv, *askpass, *askbad, *pw;

static void
setup(void)
{
	char *s;

	if (!tu_fleet_has("FLEET_SUDO_USER"))
		cr_skip_test("the fleet has no sudo users (not root, or no sudo)");
	cfg = tu_fleet("FLEET_SSH_CONFIG");
	bin = getenv("DROVER_BIN");
	dir = tu_tmpdir();
	pw = tu_read_file(tu_fleet("FLEET_SUDO_PASSWORD_FILE"), NULL);
	cr_assert(pw != NULL && strlen(pw) >= 8);
	cr_assert(asprintf(&inv, "%s/inventory.ini", dir) > 0);
	cr_assert(asprintf(&s, "[host h1]\nuser = %s\n[host h2]\nuser = %s\n"
	    "[host h3]\nuser = %s\n[host h4]\nuser = %s\n",
	    tu_fleet("FLEET_SUDO_USER"), tu_fleet("FLEET_SUDO_USER"),
	    tu_fleet("FLEET_NOPW_USER"), tu_fleet("FLEET_NOPW_USER")) > 0);
	tu_write_file(inv, s);
	free(s);
	/* The askpass programs read the file: the password is in no argv. */
	cr_assert(asprintf(&askpass, "%s/askpass", dir) > 0);
	cr_assert(asprintf(&s, "#!/bin/sh\nexec cat %s\n",
	    tu_fleet("FLEET_SUDO_PASSWORD_FILE")) > 0);
	tu_write_file(askpass, s);
	free(s);
	chmod(askpass, 0700);
	cr_assert(asprintf(&askbad, "%s/askbad", dir) > 0);
	tu_write_file(askbad, "#!/bin/sh\necho not-the-password\n");
	chmod(askbad, 0700);
}

static void
teardown(void)
{
	if (dir != NULL)
		tu_rmrf(dir);
}

TestSuite(sudo, .init = setup, .fini = teardown, .timeout = 120);

static void
run_askpass(tu_run *r, const char *prog, const char *const *args)
{
	char *e1, *e2;

	cr_assert(asprintf(&e1, "SSH_ASKPASS=%s", prog) > 0);
	e2 = "SSH_ASKPASS_REQUIRE=force";
	{
		const char *const env[] = { e1, e2, NULL };

		tu_drover(r, 60, env, args);
	}
	free(e1);
}

/* The password went to h1 and h2 (they asked) and nowhere else. */
Test(sudo, password_only_where_sudo_asks)
{
	tu_run r;
	char *log, *outdir, *logtext, *cmd, *files;
	const char *const args[] = { "-F", cfg, "-i", inv, "exec", "--sudo", "--log", NULL,
	    "--outdir", NULL, "-o", "json", "h1,h2,h3,h4", "--",
	    "id -un; cat; echo cmd-err >&2", NULL };
	const char **a = (const char **)args;

	cr_assert(asprintf(&log, "%s/drover.log", dir) > 0);
	cr_assert(asprintf(&outdir, "%s/out", dir) > 0);
	a[7] = log;
	a[9] = outdir;
	run_askpass(&r, askpass, args);
	cr_assert_eq(r.status, 0, "out: %s\nerr: %s", r.out, r.err);
	cr_assert_eq(tu_count(r.out, "\"stdout\":\"root\\n\""), 4, "%s", r.out);
	/* The command's own stderr is kept; sudo's prompt is not. */
	cr_assert_eq(tu_count(r.out, "\"stderr\":\"cmd-err\\n\""), 4, "%s", r.out);
	cr_assert_null(strstr(r.out, pw), "password in the output: %s", r.out);
	cr_assert_null(strstr(r.err, pw));
	cr_assert_null(strstr(r.out, "drover-sudo-"), "sudo's prompt in the output: %s", r.out);
	cr_assert_null(strstr(r.out, "[sudo]"));
	logtext = tu_read_file(log, NULL);
	cr_assert_not_null(logtext);
	cr_assert_null(strstr(logtext, pw), "password in the log");
	cr_assert_eq(tu_count(logtext, "sudo asked; password sent"), 2, "%s", logtext);
	cr_assert_eq(tu_count(logtext, "h1: sudo asked"), 1, "%s", logtext);
	cr_assert_eq(tu_count(logtext, "h2: sudo asked"), 1, "%s", logtext);
	/* Every file drover wrote: output, log, state. */
	cr_assert(asprintf(&cmd, "grep -rlF -f %s %s %s ${XDG_STATE_HOME:-/nonexistent} "
	    "2>/dev/null", tu_fleet("FLEET_SUDO_PASSWORD_FILE"), outdir, dir) > 0);
	files = tu_sh(cmd, NULL);
	cr_assert_str_eq(files, "", "files holding the password: %s", files);
	free(files);
	free(cmd);
	free(logtext);
	free(log);
	free(outdir);
	tu_run_free(&r);
}

/* Asked once on the terminal (echo off) for all four hosts. */
Test(sudo, asked_once_on_the_terminal)
{
	tu_run r;
	const char *const args[] = { "-F", cfg, "-i", inv, "exec", "--sudo", "-o", "group",
	    "h1,h2,h3,h4", "--", "id -un", NULL };

	tu_drover_pty(&r, 60, "hosts that ask): ", pw, NULL, args);
	cr_assert_eq(r.status, 0, "%s", r.out);
	cr_assert_eq(r.prompts, 1, "%s", r.out);
	cr_assert_eq(tu_count(r.out, "password (asked once"), 1, "%s", r.out);
	cr_assert(strstr(r.out, "h[1-4] (4)") != NULL, "%s", r.out);
	cr_assert(strstr(r.out, "root") != NULL, "%s", r.out);
	cr_assert_null(strstr(r.out, pw), "the password was echoed: %s", r.out);
	tu_run_free(&r);
}

/* A refused password fails h1 and h2 at once, with no retry; h3, h4 run. */
Test(sudo, wrong_password_fails_fast)
{
	tu_run r;
	double t0 = tu_now();
	const char *const args[] = { "-F", cfg, "-i", inv, "exec", "--sudo", "-t", "60",
	    "h1,h2,h3,h4", "--", "echo ran-as-$(id -un)", NULL };

	run_askpass(&r, askbad, args);
	cr_assert_eq(r.status, 1, "out: %s\nerr: %s", r.out, r.err);
	cr_assert_eq(tu_count(r.out, "ran-as-root"), 2, "%s", r.out);
	cr_assert(strstr(r.out, "h3: ran-as-root") && strstr(r.out, "h4: ran-as-root"));
	cr_assert_eq(tu_count(r.err, "sudo: authentication failed"), 2, "%s", r.err);
	cr_assert(strstr(r.err, "failed: h[1-2]") != NULL, "%s", r.err);
	/* sudo's own words about it stay out. */
	cr_assert_null(strstr(r.err, "Sorry"), "%s", r.err);
	cr_assert_null(strstr(r.err, "incorrect password"), "%s", r.err);
	cr_assert_null(strstr(r.err, "drover-sudo-"), "%s", r.err);
	/* PAM's delay after one failure (~2-3 s), not three tries or the timeout. */
	cr_assert_lt(tu_now() - t0, 20.0);
	cr_assert_lt(r.secs, 20.0);
	tu_run_free(&r);
}

/*
 * While the commands run (on this machine, both ends): no process has the
 * password in its command line or environment. grep reads it from the
 * file (-f), so the search itself does not put it in an argv.
 */
Test(sudo, password_in_no_argv_or_environment)
{
	char *cmd, *out, *pwfile = (char *)tu_fleet("FLEET_SUDO_PASSWORD_FILE");
	int st;

	cr_assert(asprintf(&cmd,
	    "SSH_ASKPASS=%s SSH_ASKPASS_REQUIRE=force %s -F %s -i %s exec --sudo -q -o none "
	    "h1,h2,h3,h4 -- 'sleep 3' </dev/null >/dev/null 2>&1 & d=$!; hits=0; "
	    "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 0.2; "
	    "  ps -eo args= | grep -qF -f %s && hits=$((hits+1)); "
	    "  for e in /proc/[0-9]*/environ; do grep -qF -f %s \"$e\" 2>/dev/null && "
	    "    { hits=$((hits+1)); echo \"env: $e\"; }; done; "
	    "done; n=$(ps -eo args= | grep -c 'sudo -S -p'); wait $d; echo rc=$? hits=$hits sudo=$n",
	    askpass, bin, cfg, inv, pwfile, pwfile) > 0);
	out = tu_sh(cmd, &st);
	cr_assert(strstr(out, "rc=0 hits=0 ") != NULL, "%s", out);
	free(out);
	free(cmd);
}

/* Input waits for sudo: the script reaches the command, not sudo's prompt. */
Test(sudo, stdin_after_the_password)
{
	char *cmd, *out, *script;
	int st;

	cr_assert(asprintf(&script, "%s/script.sh", dir) > 0);
	tu_write_file(script, "echo \"script ran as $(id -un)\"\n");
	cr_assert(asprintf(&cmd, "SSH_ASKPASS=%s SSH_ASKPASS_REQUIRE=force %s -F %s -i %s "
	    "exec --sudo -q h1,h3 -- sh -s < %s 2>&1", askpass, bin, cfg, inv, script) > 0);
	out = tu_sh(cmd, &st);
	cr_assert_eq(st, 0, "%s", out);
	cr_assert_eq(tu_count(out, "script ran as root"), 2, "%s", out);
	free(out);
	free(cmd);
	free(script);
}

Test(sudo, usage_errors)
{
	tu_run r;
	const char *const a1[] = { "-F", cfg, "-i", inv, "exec", "--sudo", "--pty", "h1", "--",
	    "true", NULL };
	const char *const a2[] = { "-F", cfg, "-i", inv, "exec", "--sudo=", "h1", "--", "true",
	    NULL };

	tu_drover(&r, 30, NULL, a1);
	cr_assert_eq(r.status, 2, "%s", r.err);
	tu_run_free(&r);
	tu_drover(&r, 30, NULL, a2);
	cr_assert_eq(r.status, 2, "%s", r.err);
	tu_run_free(&r);
	{
		/* No terminal (setsid) and no askpass: a clear error before any host. */
		char *cmd, *out;
		int st;

		cr_assert(asprintf(&cmd, "env -u SSH_ASKPASS setsid -w %s -F %s -i %s exec --sudo "
		    "h1 -- 'echo ran' </dev/null 2>&1", bin, cfg, inv) > 0);
		out = tu_sh(cmd, &st);
		cr_assert_eq(st, 2, "%s", out);
		cr_assert(strstr(out, "--sudo: no terminal") != NULL, "%s", out);
		cr_assert_null(strstr(out, "ran"), "%s", out);
		free(out);
		free(cmd);
	}
}

/*
 * The console's fan-out board: "sudo COMMAND" runs under drover's sudo,
 * the password asked once in a hidden dialog for the board (and its
 * re-runs), sent only where sudo asks; a wrong one fails only those hosts.
 */
static char sock[64];

static void
board_stop(void)
{
	char *cmd = NULL;

	tu_tmux(sock, "kill-server");
	cr_assert(asprintf(&cmd, "%s kill-session sb%d 2>&1", bin, (int)getpid()) > 0);
	free(tu_sh(cmd, NULL));
	free(cmd);
	teardown();
}

static void
board_sudo(const char *command, const char *password)
{
	tu_tmux(sock, "send-keys -t t C-g");
	tu_tmux(sock, "send-keys -t t :");
	free(tu_tmux_wait(sock, "command for 2 hosts", 1, 5));
	tu_tmux(sock, "send-keys -t t -l '%s'", command);
	tu_tmux(sock, "send-keys -t t Enter");
	free(tu_tmux_wait(sock, "sudo password (asked once for this board", 1, 5));
	tu_tmux(sock, "send-keys -t t -l '%s'", password);
	tu_tmux(sock, "send-keys -t t Enter");
}

Test(sudo, console_board_asks_once_and_sends_only_where_asked, .fini = board_stop)
{
	char *s, *log0, *log1;
	size_t l0 = 0, l1 = 0;

	snprintf(sock, sizeof(sock), "drover-sudo-%d", (int)getpid());
	tu_tmux(sock, "kill-server");
	tu_tmux(sock, "new-session -d -s t -x 140 -y 35 \"%s -F %s -i %s -s sb%d h1,h3; sleep 30\"",
	    bin, cfg, inv, (int)getpid());
	free(tu_tmux_wait(sock, "[ready]", 2, 20));
	log0 = tu_read_file(tu_fleet("FLEET_SUDO_LOG"), &l0);
	board_sudo("sudo id -un", pw);
	s = tu_tmux_wait(sock, "2 ok", 1, 20);
	cr_assert(strstr(s, "sudo id -un") != NULL, "the board shows the command:\n%s", s);
	cr_assert_eq(tu_count(s, "root"), 2, "%s", s);
	cr_assert_null(strstr(s, pw), "password on screen:\n%s", s);
	free(s);
	/* sudo asked on h1 (its log has the run); the password appears nowhere. */
	log1 = tu_read_file(tu_fleet("FLEET_SUDO_LOG"), &l1);
	cr_assert(l1 > l0 && strstr(log1 + l0, tu_fleet("FLEET_SUDO_USER")) != NULL, "%s",
	    log1 + l0);
	cr_assert_null(strstr(log1, pw));
	free(log0);
	free(log1);
	/* A wrong password: h1 fails with sudo's refusal, h3 (NOPASSWD) runs. */
	tu_tmux(sock, "send-keys -t t q");
	board_sudo("sudo -u root id -un", "not-the-password");
	s = tu_tmux_wait(sock, "1 ok, 1 failed", 1, 20);
	cr_assert(strstr(s, "sudo: authentication failed") != NULL, "%s", s);
	free(s);
}
