/*
 * tests/engine/test_sshcfg.c - engine/sshcfg.c: what a session gets from
 * the ssh config must be what OpenSSH resolves for the same host (`ssh -G
 * -F cfg host`): host name, user, port, known_hosts file, jump host,
 * identity and certificate files. Includes the configurations libssh 0.10's
 * own parser got wrong (two Include lines in a row lost the hosts; a later
 * Host block matched against an earlier HostName; only the first
 * IdentityFile kept).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/engine_int.h"
#include "testutil.h"

static char *dir;
static uv_loop_t loop;
static eng_ctx *ctx;

static void
setup(void)
{
	cr_assert(uv_loop_init(&loop) == 0);
	cr_assert(eng_ctx_new(&loop, NULL, &ctx) == 0);
	dir = tu_tmpdir();
}

static void
teardown(void)
{
	eng_ctx_free(ctx);
	uv_loop_close(&loop);
	tu_rmrf(dir);
	free(dir);
}

TestSuite(sshcfg, .init = setup, .fini = teardown, .timeout = 60);

static char *
write_cfg(const char *name, const char *text)
{
	char *path = NULL;

	cr_assert(asprintf(&path, "%s/%s", dir, name) > 0);
	tu_write_file(path, text);
	return path;
}

/* ssh -G's value of key (first line), "" when absent. */
static char *
ssh_g(const char *cfg, const char *host, const char *key)
{
	char *cmd = NULL, *out, *p, *v;
	size_t n = strlen(key);

	cr_assert(asprintf(&cmd, "ssh -G -F '%s' '%s' 2>/dev/null", cfg, host) > 0);
	out = tu_sh(cmd, NULL);
	free(cmd);
	for (p = out; p != NULL && *p != '\0'; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, key, n) == 0 && p[n] == ' ') {
			v = strndup(p + n + 1, strcspn(p + n + 1, "\n"));
			free(out);
			return v;
		}
	}
	free(out);
	return strdup("");
}

static char *
session_get(ssh_session s, enum ssh_options_e opt)
{
	char *v = NULL, *out;

	if (ssh_options_get(s, opt, &v) != SSH_OK || v == NULL)
		return strdup("");
	out = strdup(v);
	ssh_string_free_char(v);
	return out;
}

/* Configures host from cfg as conn.c does; compares with ssh -G. */
static void
check_host(const char *cfg, const char *host, struct eng_conn *c)
{
	char *a, *b, portstr[16];
	unsigned int port = 0;

	memset(c, 0, sizeof(*c));
	c->ctx = ctx;
	c->name = (char *)host;
	c->connect_timeout_ms = ENG_DEFAULT_CONNECT_TIMEOUT_MS;
	c->keepalive_ms = ENG_DEFAULT_KEEPALIVE_MS;
	c->s = ssh_new();
	cr_assert(c->s != NULL);
	cr_assert(ssh_options_set(c->s, SSH_OPTIONS_HOST, host) == 0);
	cr_assert(eng__sshcfg_parse(c, cfg) == 0, "%s: %s", host, c->error);
	a = ssh_g(cfg, host, "hostname");
	b = session_get(c->s, SSH_OPTIONS_HOST);
	cr_expect_str_eq(b, a, "%s: hostname", host);
	free(a);
	free(b);
	a = ssh_g(cfg, host, "user");
	b = session_get(c->s, SSH_OPTIONS_USER);
	cr_expect_str_eq(b, a, "%s: user", host);
	free(a);
	free(b);
	a = ssh_g(cfg, host, "port");
	ssh_options_get_port(c->s, &port);
	snprintf(portstr, sizeof(portstr), "%u", port);
	cr_expect_str_eq(portstr, a, "%s: port", host);
	free(a);
	a = ssh_g(cfg, host, "userknownhostsfile");
	a[strcspn(a, " ")] = '\0';
	b = session_get(c->s, SSH_OPTIONS_KNOWNHOSTS);
	cr_expect_str_eq(b, a, "%s: known_hosts", host);
	free(a);
	free(b);
}

static void
done(struct eng_conn *c)
{
	eng__auth_clear(c);
	free(c->jump);
	util_strv_clear(&c->kh_user_more);
	util_strv_clear(&c->kh_global_more);
	ssh_free(c->s);
}

static const char *const hosts[] = {
	"alpha", "beta", "gamma", "web01", "web02", "db", "10.0.0.5", "x", NULL
};

Test(sshcfg, two_includes_in_a_row)
{
	char *a = write_cfg("a.conf", "Host alpha\n  Port 2101\n");
	char *b = write_cfg("b.conf", "Host beta\n  Port 2102\n  User bee\n");
	char *text = NULL, *cfg;
	struct eng_conn c;
	size_t i;

	/* libssh 0.10 lost the hosts after the second Include: OpenSSH does not. */
	cr_assert(asprintf(&text, "Include %s\nInclude %s\nHost gamma\n  Port 2103\n"
	    "Host *\n  User all\n", a, b) > 0);
	cfg = write_cfg("config", text);
	for (i = 0; hosts[i] != NULL; i++) {
		check_host(cfg, hosts[i], &c);
		done(&c);
	}
	free(text);
	free(cfg);
	free(a);
	free(b);
}

Test(sshcfg, hostname_does_not_rematch_host_lines)
{
	char *cfg = write_cfg("config",
	    "Host alpha\n  HostName real.example.com\n"
	    "Host real.example.com\n  Port 2222\n  User viahostname\n"
	    "Match host real.example.com\n  User viamatch\n"
	    "Host beta\n  HostName other\n");
	struct eng_conn c;
	size_t i;

	for (i = 0; hosts[i] != NULL; i++) {
		check_host(cfg, hosts[i], &c);
		done(&c);
	}
	free(cfg);
}

Test(sshcfg, identities_certificates_and_jump)
{
	char *cfg = write_cfg("config",
	    "Host alpha\n  IdentityFile /k/one\n  IdentityFile /k/two\n"
	    "  CertificateFile /k/one-extra-cert.pub\n  ProxyJump ssh://jumper:2200,u@my_bastion\n"
	    "  ServerAliveInterval 5\n  ServerAliveCountMax 7\n  ConnectTimeout 4\n"
	    "  StrictHostKeyChecking accept-new\n");
	struct eng_conn c;

	check_host(cfg, "alpha", &c);
	cr_assert(c.auth.cfg_ids != NULL);
	cr_expect_str_eq(c.auth.cfg_ids[0], "/k/one");
	cr_expect_str_eq(c.auth.cfg_ids[1], "/k/two");
	cr_expect_null(c.auth.cfg_ids[2]);
	cr_assert(c.auth.cfg_certs != NULL);
	cr_expect_str_eq(c.auth.cfg_certs[0], "/k/one-extra-cert.pub");
	/* ssh:// hops in the form jump.c reads; a name libssh refuses kept. */
	cr_expect_str_eq(c.jump, "jumper:2200,u@my_bastion");
	cr_expect_eq(c.keepalive_ms, 5000);
	cr_expect_eq(c.ka_max, 7);
	cr_expect_eq(c.connect_timeout_ms, 4000);
	cr_expect_eq(c.accept_new, 1);
	done(&c);
	free(cfg);
}

Test(sshcfg, default_files_when_no_path)
{
	char *sshdir = NULL, *cfg = NULL;
	struct eng_conn c;
	char *v;

	cr_assert(asprintf(&sshdir, "%s/.ssh", dir) > 0);
	cr_assert(asprintf(&cfg, "%s/config", sshdir) > 0);
	cr_assert(mkdir(sshdir, 0700) == 0);
	tu_write_file(cfg, "Host alpha\n  Port 2801\nHost beta\n  Port 2802\n");
	/* The ctx's ~/.ssh is the account's; point it at ours for the test. */
	eng__ctx_local_account(ctx);
	free(ctx->local_ssh_dir);
	ctx->local_ssh_dir = util_xstrdup(sshdir);
	memset(&c, 0, sizeof(c));
	c.ctx = ctx;
	c.name = "alpha";
	c.s = ssh_new();
	cr_assert(eng__sshcfg_parse(&c, NULL) == 0, "%s", c.error);
	cr_expect(ssh_options_get_port(c.s, &c.hport) == SSH_OK && c.hport == 2801);
	v = session_get(c.s, SSH_OPTIONS_KNOWNHOSTS);
	cr_expect(strncmp(v, dir, strlen(dir)) == 0, "%s", v);
	free(v);
	done(&c);
	free(cfg);
	free(sshdir);
}
