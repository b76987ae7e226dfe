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
 * A fifth sshd (127.0.0.6 or .7) that lets only the fleet's key user in: it
 * refuses every password of the password user, so the shared answer
 * fails there alone. Who asks first is set with delaying proxies: "h5"
 * behind one when it should come last, "h1" and "h2" behind them when h5
 * should be the one whose prompt is out.
 */
typedef struct refuser {
	char *dir, *cfg;
	pid_t sshd, px[3];
} refuser;

/* "[127.0.0.1]:port type key" for a fleet host's key, to kh. */
static void
kh_line(FILE *kh, int port, const char *pub_path)
{
	char *pub = tu_read_file(pub_path, NULL), type[64], key[512];

	cr_assert(sscanf(pub, "%63s %511s", type, key) == 2, "%s: %s", pub_path, pub);
	fprintf(kh, "[127.0.0.1]:%d %s %s\n", port, type, key);
	free(pub);
}

/* Criterion runs the tests side by side: each gets its own address. */
static void
refuser_start(refuser *f, int h5_last)
{
	const char *a5 = h5_last ? "127.0.0.6" : "127.0.0.7";
	char *cmd = NULL, *script = NULL, *out, *pidfile = NULL, *pid, *khp = NULL, *pub = NULL;
	char target[64];
	const char *const delay[] = { "-d", "100", NULL };
	FILE *cfgf, *kh;
	int st, port, i;

	memset(f, 0, sizeof(*f));
	f->dir = tu_tmpdir();
	cr_assert(asprintf(&cmd, "set -e; FLEET_PROG=test; . '%s/tests/fleet/lib.sh'; "
	    "mkdir -p '%s/h5'; fleet_keygen '%s/h5/ssh_host_ed25519_key' h5; "
	    "fleet_write_sshd_config '%s/h5' %s %s '%s/authorized_keys' 10:30:100 %s; "
	    "fleet_start_sshd '%s/h5' %s %s; "
	    "fleet_known_hosts_line %s %s '%s/h5/ssh_host_ed25519_key.pub' > '%s/kh'; "
	    "cat '%s' >> '%s/kh'", getenv("DROVER_SRC"), f->dir, f->dir, f->dir, a5,
	    tu_fleet("FLEET_PORT"), tu_fleet("FLEET_DIR"), tu_fleet("FLEET_USER"), f->dir, a5,
	    tu_fleet("FLEET_PORT"), a5, tu_fleet("FLEET_PORT"), f->dir, f->dir,
	    tu_fleet("FLEET_KNOWN_HOSTS"), f->dir) > 0);
	/* lib.sh is bash. */
	cr_assert(asprintf(&script, "%s/h5.sh", f->dir) > 0);
	tu_write_file(script, cmd);
	free(cmd);
	cr_assert(asprintf(&cmd, "bash '%s' 2>&1", script) > 0);
	out = tu_sh(cmd, &st);
	cr_assert_eq(st, 0, "%s: %s", cmd, out);
	free(out);
	free(script);
	free(cmd);
	cr_assert(asprintf(&pidfile, "%s/h5/sshd.pid", f->dir) > 0);
	pid = tu_read_file(pidfile, NULL);
	f->sshd = atoi(pid);
	free(pid);
	free(pidfile);

	cr_assert(asprintf(&f->cfg, "%s/ssh_config", f->dir) > 0);
	cr_assert(asprintf(&khp, "%s/kh", f->dir) > 0);
	cfgf = fopen(f->cfg, "w");
	kh = fopen(khp, "a");
	cr_assert(cfgf != NULL && kh != NULL);
	for (i = h5_last ? 2 : 0; i < (h5_last ? 3 : 2); i++) {
		const char *addr = i == 2 ? a5 : tu_fleet(i == 0 ? "FLEET_ADDR_1" :
		    "FLEET_ADDR_2");

		snprintf(target, sizeof(target), "%s:%s", addr, tu_fleet("FLEET_PORT"));
		f->px[i] = tu_proxy_start(target, delay, &port);
		fprintf(cfgf, "Host h%d\n  HostName 127.0.0.1\n  Port %d\n", i == 2 ? 5 : i + 1, port);
		if (i == 2)
			cr_assert(asprintf(&pub, "%s/h5/ssh_host_ed25519_key.pub", f->dir) > 0);
		else
			cr_assert(asprintf(&pub, "%s/h%d/ssh_host_ed25519_key.pub",
			    tu_fleet("FLEET_DIR"), i + 1) > 0);
		kh_line(kh, port, pub);
		free(pub);
	}
	if (h5_last == 0)
		fprintf(cfgf, "Host h5\n  HostName %s\n  Port %s\n", a5, tu_fleet("FLEET_PORT"));
	fprintf(cfgf, "Host *\n  UserKnownHostsFile %s\nInclude %s\n", khp, cfg);
	fclose(cfgf);
	fclose(kh);
	free(khp);
}

static void
refuser_stop(refuser *f)
{
	int i;

	for (i = 0; i < 3; i++)
		tu_proxy_stop(f->px[i]);
	/* The next test binds the same address: wait until this one is gone. */
	kill(f->sshd, SIGTERM);
	for (i = 0; i < 100 && kill(f->sshd, 0) == 0; i++)
		usleep(50000);
	tu_rmrf(f->dir);
	free(f->dir);
	free(f->cfg);
}

static void
others_ran_h5_refused(const tu_run *r)
{
	cr_expect(strstr(r->out, "h1: drover-pw") != NULL, "%s", r->out);
	cr_expect(strstr(r->out, "h2: drover-pw") != NULL, "%s", r->out);
	cr_expect_neq(r->status, 0, "h5 cannot log in:\n%s", r->out);
}

/*
 * h1 or h2 asks for all; h5 tries the shared answer, then asks for itself
 * alone: three attempts in all, as ssh makes.
 */
Test(auth_once, host_refusing_shared_answer_asks_alone)
{
	char *pw = password();
	refuser f;
	tu_run r;

	refuser_start(&f, 1);
	exec_pw(&r, f.cfg, "password", "h1,h2,h5", "password: ", pw);
	refuser_stop(&f);
	cr_expect_eq(r.prompts, 3, "asked %d times:\n%s", r.prompts, r.out);
	cr_expect_eq(tu_count(r.out, "@h5's password"), 2, "%s", r.out);
	others_ran_h5_refused(&r);
	tu_run_free(&r);
	free(pw);
}

/*
 * h5 asks first and refuses the answer: it is tried once on a waiting
 * host, which accepts it, so h1 and h2 never ask and h5 asks again alone.
 */
Test(auth_once, asker_refusing_its_answer_shares_it_after_a_trial)
{
	char *pw = password();
	refuser f;
	tu_run r;

	refuser_start(&f, 0);
	exec_pw(&r, f.cfg, "password", "h1,h2,h5", "password: ", pw);
	refuser_stop(&f);
	cr_expect_eq(r.prompts, 3, "asked %d times:\n%s", r.prompts, r.out);
	cr_expect_eq(tu_count(r.out, "@h5's password"), 3, "%s", r.out);
	others_ran_h5_refused(&r);
	tu_run_free(&r);
	free(pw);
}
