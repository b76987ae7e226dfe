/*
 * tests/cli/test_auth_once.c - one password prompt per (user, auth realm):
 * `drover exec` on the demo fleet's four hosts as the password user asks
 * once (password and keyboard-interactive), a wrong answer is asked again
 * once (not once per host), and a host that refuses the shared answer asks
 * again for itself alone while the others go on with it. Driven through a
 * pseudo-terminal, as a user types.
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

TestSuite(auth_once, .init = setup, .timeout = 180);

static char *
password(void)
{
	if (!tu_fleet_has("FLEET_PW_USER"))
		cr_skip_test("the password user exists only when the fleet runs as root");
	return tu_read_file(tu_fleet("FLEET_PASSWORD_FILE"), NULL);
}

static void
exec_pw(tu_run *r, const char *config, const char *method, const char *hosts,
    const char *tail, const char *answers)
{
	const char *const a[] = { "-F", config, "-i", inv, "exec", "--color", "never",
		"--auth", method, "-l", tu_fleet("FLEET_PW_USER"), hosts, "--", "id -un", NULL };

	tu_drover_pty(r, 90, tail, answers, NULL, a);
}

static void
all_four_ran(const tu_run *r)
{
	char want[64];
	int i;

	for (i = 1; i <= 4; i++) {
		snprintf(want, sizeof(want), "h%d: %s", i, tu_fleet("FLEET_PW_USER"));
		cr_expect(strstr(r->out, want) != NULL, "no '%s' in:\n%s", want, r->out);
	}
}

Test(auth_once, password_asked_once_for_four_hosts)
{
	char *pw = password();
	tu_run r;

	exec_pw(&r, cfg, "password", "h1,h2,h3,h4", "password: ", pw);
	cr_expect_eq(r.status, 0, "%s", r.out);
	cr_expect_eq(r.prompts, 1, "asked %d times:\n%s", r.prompts, r.out);
	all_four_ran(&r);
	cr_expect_null(strstr(r.out, pw), "password echoed");
	tu_run_free(&r);
	free(pw);
}

Test(auth_once, keyboard_interactive_asked_once_for_four_hosts)
{
	char *pw = password();
	tu_run r;

	exec_pw(&r, cfg, "keyboard-interactive", "h1,h2,h3,h4", "Password: ", pw);
	cr_expect_eq(r.status, 0, "%s", r.out);
	cr_expect_eq(r.prompts, 1, "asked %d times:\n%s", r.prompts, r.out);
	all_four_ran(&r);
	tu_run_free(&r);
	free(pw);
}

Test(auth_once, wrong_answer_asked_again_once)
{
	char *pw = password(), *answers = NULL;
	tu_run r;

	cr_assert(asprintf(&answers, "not-the-password\n%s", pw) > 0);
	exec_pw(&r, cfg, "password", "h1,h2,h3,h4", "password: ", answers);
	cr_expect_eq(r.status, 0, "%s", r.out);
	cr_expect_eq(r.prompts, 2, "asked %d times:\n%s", r.prompts, r.out);
	all_four_ran(&r);
	tu_run_free(&r);
	free(answers);
	free(pw);
}

/*
 * A fifth sshd (127.0.0.6) that lets only the fleet's key user in: it
 * refuses every password of the password user, so the shared answer
 * fails there alone.
 */
Test(auth_once, host_refusing_shared_answer_asks_alone)
{
	char *pw = password(), *dir = tu_tmpdir(), *cmd = NULL, *cfg2 = NULL, *text = NULL;
	char *pidfile = NULL, *pid, *script = NULL, *out;
	int st;
	tu_run r;

	cr_assert(asprintf(&cmd, "set -e; FLEET_PROG=test; . '%s/tests/fleet/lib.sh'; "
	    "mkdir -p '%s/h5'; fleet_keygen '%s/h5/ssh_host_ed25519_key' h5; "
	    "fleet_write_sshd_config '%s/h5' 127.0.0.6 %s '%s/authorized_keys' 10:30:100 %s; "
	    "fleet_start_sshd '%s/h5' 127.0.0.6 %s; "
	    "fleet_known_hosts_line 127.0.0.6 %s '%s/h5/ssh_host_ed25519_key.pub' > '%s/kh'; "
	    "cat '%s' >> '%s/kh'", getenv("DROVER_SRC"), dir, dir, dir, tu_fleet("FLEET_PORT"),
	    tu_fleet("FLEET_DIR"), tu_fleet("FLEET_USER"), dir, tu_fleet("FLEET_PORT"),
	    tu_fleet("FLEET_PORT"), dir, dir, tu_fleet("FLEET_KNOWN_HOSTS"), dir) > 0);
	/* lib.sh is bash. */
	cr_assert(asprintf(&script, "%s/h5.sh", dir) > 0);
	tu_write_file(script, cmd);
	free(cmd);
	cr_assert(asprintf(&cmd, "bash '%s' 2>&1", script) > 0);
	out = tu_sh(cmd, &st);
	cr_assert_eq(st, 0, "%s: %s", cmd, out);
	free(out);
	free(script);
	free(cmd);
	cr_assert(asprintf(&pidfile, "%s/h5/sshd.pid", dir) > 0);
	cr_assert(asprintf(&text, "Host h5\n  HostName 127.0.0.6\n  Port %s\n"
	    "  UserKnownHostsFile %s/kh\nHost *\nInclude %s\n", tu_fleet("FLEET_PORT"), dir, cfg) > 0);
	cr_assert(asprintf(&cfg2, "%s/ssh_config", dir) > 0);
	tu_write_file(cfg2, text);
	exec_pw(&r, cfg2, "password", "h1,h2,h5", "password: ", pw);
	pid = tu_read_file(pidfile, NULL);
	kill(atoi(pid), SIGTERM);
	free(pid);
	/*
	 * Once for all (h1 or h2 asks); h5 tries the shared answer, then asks
	 * for itself alone: three attempts in all, as ssh makes.
	 */
	cr_expect_eq(r.prompts, 3, "asked %d times:\n%s", r.prompts, r.out);
	cr_expect_eq(tu_count(r.out, "@h5's password"), 2, "%s", r.out);
	cr_expect(strstr(r.out, "h1: drover-pw") != NULL, "%s", r.out);
	cr_expect(strstr(r.out, "h2: drover-pw") != NULL, "%s", r.out);
	cr_expect_neq(r.status, 0, "h5 cannot log in:\n%s", r.out);
	tu_run_free(&r);
	free(pidfile);
	free(text);
	free(cfg2);
	free(pw);
	tu_rmrf(dir);
	free(dir);
}
