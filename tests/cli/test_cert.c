/*
 * tests/cli/test_cert.c - user certificates on the demo fleet, whose sshds
 * trust a user CA (tests/fleet/fleet.sh: TrustedUserCAKeys). Each test
 * makes a key the fleet does not authorize and signs it with the CA: a
 * login can then only succeed through the certificate. Covered: the key
 * with KEY-cert.pub beside it (OpenSSH loads it by itself), CertificateFile,
 * the inventory's cert key, a certificate held by ssh-agent, and an expired
 * certificate or one for another user, each with its own message; and a
 * certificate the server does not trust, offered first and then followed
 * by its plain key (read from h1's sshd log).
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

static char *dir;

static void
setup(void)
{
	dir = tu_tmpdir();
}

static void
teardown(void)
{
	tu_rmrf(dir);
	free(dir);
}

TestSuite(cert, .init = setup, .fini = teardown, .timeout = 120);

static void sh_ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
sh_ok(const char *fmt, ...)
{
	va_list ap;
	char *cmd = NULL;
	int st;

	va_start(ap, fmt);
	cr_assert(vasprintf(&cmd, fmt, ap) > 0);
	va_end(ap);
	free(tu_sh(cmd, &st));
	cr_assert_eq(st, 0, "%s", cmd);
	free(cmd);
}

/* dir/NAME: a fresh key the fleet's authorized_keys does not list. */
static char *
new_key(const char *name)
{
	char *path = NULL;

	cr_assert(asprintf(&path, "%s/%s", dir, name) > 0);
	sh_ok("ssh-keygen -q -t ed25519 -N '' -C test -f '%s' </dev/null", path);
	return path;
}

/* Signs key.pub with the fleet's CA into certpath. */
static void
sign(const char *key, const char *principals, const char *validity, const char *certpath)
{
	char *cmd = NULL;
	int st;

	cr_assert(asprintf(&cmd, "cp '%s.pub' '%s/tosign.pub' && ssh-keygen -q -s '%s' -I drover-test "
	    "-n '%s' -V '%s' '%s/tosign.pub' && mv '%s/tosign-cert.pub' '%s'", key, dir,
	    tu_fleet("FLEET_USER_CA"), principals, validity, dir, dir, certpath) > 0);
	free(tu_sh(cmd, &st));
	cr_assert_eq(st, 0, "%s", cmd);
	free(cmd);
}

/* An ssh_config for h1 with extra lines; returns its path. */
static char *
config(const char *extra)
{
	char *path = NULL, *text = NULL;

	cr_assert(asprintf(&path, "%s/ssh_config", dir) > 0);
	cr_assert(asprintf(&text, "Host h1\n  HostName %s\n  Port %s\n  User %s\n"
	    "  UserKnownHostsFile %s\n  GlobalKnownHostsFile /dev/null\n"
	    "  StrictHostKeyChecking yes\n%s", tu_fleet("FLEET_ADDR_1"), tu_fleet("FLEET_PORT"),
	    tu_fleet("FLEET_USER"), tu_fleet("FLEET_KNOWN_HOSTS"), extra) > 0);
	tu_write_file(path, text);
	free(text);
	return path;
}

static void
run(tu_run *r, const char *cfg, const char *inv, const char *auth, const char *const *env)
{
	const char *const a[] = { "-F", cfg, "-i", inv, "exec", "--auth", auth, "h1", "--",
		"echo cert-ok", NULL };

	tu_drover(r, 60, env, a);
}

static char *
inventory(const char *extra)
{
	char *path = NULL;

	cr_assert(asprintf(&path, "%s/inventory.ini", dir) > 0);
	tu_write_file(path, extra != NULL ? extra : "[host h1]\n");
	return path;
}

Test(cert, key_with_cert_beside_it)
{
	char *key = new_key("id_u"), *certp = NULL, *extra = NULL, *cfg, *inv = inventory(NULL);
	tu_run r;

	cr_assert(asprintf(&extra, "  IdentityFile %s\n  IdentitiesOnly yes\n", key) > 0);
	cfg = config(extra);
	/* Control: the plain key alone is refused. */
	run(&r, cfg, inv, "key", NULL);
	cr_assert_neq(r.status, 0, "%s", r.out);
	cr_expect(strstr(r.err, "auth") != NULL, "%s", r.err);
	tu_run_free(&r);
	cr_assert(asprintf(&certp, "%s-cert.pub", key) > 0);
	sign(key, tu_fleet("FLEET_USER"), "-5m:+1h", certp);
	run(&r, cfg, inv, "key", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(r.out, "h1: cert-ok") != NULL, "%s", r.out);
	tu_run_free(&r);
	free(certp);
	free(extra);
	free(cfg);
	free(inv);
	free(key);
}

Test(cert, certificate_file_and_inventory_cert)
{
	char *key = new_key("id_v"), *certp = NULL, *extra = NULL, *cfg, *inv = inventory(NULL);
	char *invtext = NULL;
	tu_run r;

	sh_ok("mkdir -p '%s/certs'", dir);
	cr_assert(asprintf(&certp, "%s/certs/v.pub", dir) > 0);
	sign(key, tu_fleet("FLEET_USER"), "-5m:+1h", certp);
	cr_assert(asprintf(&extra, "  IdentityFile %s\n  CertificateFile %s\n", key, certp) > 0);
	cfg = config(extra);
	run(&r, cfg, inv, "key", NULL);
	cr_expect_eq(r.status, 0, "CertificateFile: %s", r.err);
	cr_expect(strstr(r.out, "h1: cert-ok") != NULL, "%s", r.out);
	tu_run_free(&r);
	free(cfg);
	free(extra);
	/* The same from the inventory: key and cert keys of the host. */
	cfg = config("");
	free(inv);
	cr_assert(asprintf(&invtext, "[host h1]\nkey = %s\ncert = %s\n", key, certp) > 0);
	inv = inventory(invtext);
	run(&r, cfg, inv, "key", NULL);
	cr_expect_eq(r.status, 0, "inventory cert: %s", r.err);
	cr_expect(strstr(r.out, "h1: cert-ok") != NULL, "%s", r.out);
	tu_run_free(&r);
	free(invtext);
	free(certp);
	free(cfg);
	free(inv);
	free(key);
}

Test(cert, agent_held_certificate)
{
	char *key = new_key("id_w"), *certp = NULL, *sock = NULL, *env = NULL, *out, *cmd = NULL;
	char *cfg = config("  IdentitiesOnly no\n"), *inv = inventory(NULL);
	int st, pid = 0;
	tu_run r;

	cr_assert(asprintf(&certp, "%s-cert.pub", key) > 0);
	sign(key, tu_fleet("FLEET_USER"), "-5m:+1h", certp);
	cr_assert(asprintf(&sock, "%s/agent.sock", dir) > 0);
	cr_assert(asprintf(&cmd, "ssh-agent -a '%s' -s | sed -n 's/^SSH_AGENT_PID=\\([0-9]*\\).*/\\1/p'",
	    sock) > 0);
	out = tu_sh(cmd, &st);
	free(cmd);
	pid = atoi(out);
	free(out);
	cr_assert(st == 0 && pid > 0);
	/* ssh-add loads id_w-cert.pub with id_w. */
	sh_ok("SSH_AUTH_SOCK='%s' ssh-add -q '%s' 2>/dev/null", sock, key);
	cr_assert(asprintf(&env, "SSH_AUTH_SOCK=%s", sock) > 0);
	{
		const char *const e[] = { env, NULL };

		run(&r, cfg, inv, "agent", e);
	}
	kill(pid, SIGTERM);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(r.out, "h1: cert-ok") != NULL, "%s", r.out);
	tu_run_free(&r);
	free(env);
	free(sock);
	free(certp);
	free(cfg);
	free(inv);
	free(key);
}

/*
 * The fleet's authorized key with a certificate from a CA no sshd trusts
 * beside it: the certificate is offered first, fails, and the plain key
 * logs in on the same connection (sshd logs both against one port).
 */
Test(cert, untrusted_certificate_then_plain_key)
{
	char *key = NULL, *certp = NULL, *extra = NULL, *cfg, *inv = inventory(NULL);
	char *id = NULL, *logp = NULL, *log, *line, *port = NULL, *accepted = NULL;
	tu_run r;

	cr_assert(asprintf(&key, "%s/id_known", dir) > 0);
	sh_ok("cp '%s' '%s' && cp '%s.pub' '%s.pub' && ssh-keygen -q -t ed25519 -N '' -f '%s/ca2'",
	    tu_fleet("FLEET_KEY"), key, tu_fleet("FLEET_KEY"), key, dir);
	cr_assert(asprintf(&id, "drover-untrusted-%d-%ld", (int)getpid(), (long)time(NULL)) > 0);
	sh_ok("ssh-keygen -q -s '%s/ca2' -I '%s' -n '%s' -V -5m:+1h '%s.pub'", dir, id,
	    tu_fleet("FLEET_USER"), key);
	cr_assert(asprintf(&certp, "%s-cert.pub", key) > 0);
	cr_assert(access(certp, R_OK) == 0);
	cr_assert(asprintf(&extra, "  IdentityFile %s\n  IdentitiesOnly yes\n", key) > 0);
	cfg = config(extra);
	run(&r, cfg, inv, "key", NULL);
	cr_expect_eq(r.status, 0, "%s", r.err);
	cr_expect(strstr(r.out, "h1: cert-ok") != NULL, "%s", r.out);
	tu_run_free(&r);
	cr_assert(asprintf(&logp, "%s/h1/sshd.log", tu_fleet("FLEET_DIR")) > 0);
	log = tu_read_file(logp, NULL);
	cr_assert(log != NULL, "%s", logp);
	line = strstr(log, id);
	cr_assert(line != NULL, "the certificate was never offered:\n%s", log);
	while (line > log && line[-1] != '\n')
		line--;
	cr_expect(strncmp(line, "Failed publickey for ", 21) == 0, "%.200s", line);
	port = strstr(line, " port ");
	cr_assert(port != NULL, "%.200s", line);
	cr_assert(asprintf(&accepted, "Accepted publickey for %s from 127.0.0.1%.*sssh2: ED25519 ",
	    tu_fleet("FLEET_USER"), (int)strcspn(port, "s"), port) > 0);
	cr_expect(strstr(line, accepted) != NULL, "no '%s' after the certificate:\n%s",
	    accepted, line);
	free(accepted);
	free(log);
	free(logp);
	free(id);
	free(certp);
	free(extra);
	free(cfg);
	free(inv);
	free(key);
}

static void
refused(const char *principals, const char *validity, const char *expect)
{
	char *key = new_key("id_x"), *certp = NULL, *extra = NULL, *cfg, *inv = inventory(NULL);
	tu_run r;

	cr_assert(asprintf(&certp, "%s-cert.pub", key) > 0);
	sign(key, principals, validity, certp);
	cr_assert(asprintf(&extra, "  IdentityFile %s\n  IdentitiesOnly yes\n", key) > 0);
	cfg = config(extra);
	run(&r, cfg, inv, "key", NULL);
	cr_expect_neq(r.status, 0, "%s", r.out);
	cr_expect(strstr(r.err, expect) != NULL, "wanted '%s' in: %s", expect, r.err);
	cr_expect(strstr(r.err, certp) != NULL, "the certificate named: %s", r.err);
	tu_run_free(&r);
	free(certp);
	free(extra);
	free(cfg);
	free(inv);
	free(key);
}

Test(cert, expired_certificate_says_so)
{
	refused(tu_fleet("FLEET_USER"), "20200101:20200102", "expired (2020-01-02");
}

Test(cert, not_yet_valid_certificate_says_so)
{
	refused(tu_fleet("FLEET_USER"), "+1d:+2d", "is not valid yet");
}

Test(cert, wrong_principal_says_so)
{
	char *want = NULL;

	cr_assert(asprintf(&want, "is for alice,bob, not for user %s", tu_fleet("FLEET_USER")) > 0);
	refused("alice,bob", "-5m:+1h", want);
	free(want);
}
