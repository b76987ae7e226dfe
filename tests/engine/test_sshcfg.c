/*
 * tests/engine/test_sshcfg.c - engine/sshcfg.c: feeding libssh only the
 * Host blocks that can apply must give every session exactly the options
 * libssh's own ssh_options_parse_config gives it. Differential: the same
 * host configured both ways, options read back and compared.
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

static ssh_session
session_for(const char *host)
{
	ssh_session s = ssh_new();
	char *sshdir = NULL;

	cr_assert(s != NULL);
	cr_assert(asprintf(&sshdir, "%s/.ssh", dir) > 0);
	cr_assert(ssh_options_set(s, SSH_OPTIONS_SSH_DIR, sshdir) == 0);
	cr_assert(ssh_options_set(s, SSH_OPTIONS_HOST, host) == 0);
	free(sshdir);
	return s;
}

/* The options a Host block can set that ssh_options_get can read back. */
static char *
describe(ssh_session s, int rc)
{
	static const struct {
		const char *name;
		enum ssh_options_e opt;
	} opts[] = {
		{ "host", SSH_OPTIONS_HOST },
		{ "user", SSH_OPTIONS_USER },
		{ "identity", SSH_OPTIONS_IDENTITY },
		{ "proxycommand", SSH_OPTIONS_PROXYCOMMAND },
		{ "knownhosts", SSH_OPTIONS_KNOWNHOSTS },
		{ "globalknownhosts", SSH_OPTIONS_GLOBAL_KNOWNHOSTS },
	};
	char *out = NULL, *v, *prev;
	unsigned int port = 0;
	size_t i;

	ssh_options_get_port(s, &port);
	cr_assert(asprintf(&out, "rc=%d port=%u", rc < 0 ? -1 : rc, port) > 0);
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		v = NULL;
		if (ssh_options_get(s, opts[i].opt, &v) != SSH_OK)
			v = NULL;
		prev = out;
		cr_assert(asprintf(&out, "%s %s=%s", prev, opts[i].name,
		    v != NULL ? v : "(none)") > 0);
		free(prev);
		if (v != NULL)
			ssh_string_free_char(v);
	}
	return out;
}

/* Configures host both ways from path; fails the test if they differ. */
static void
check_same(const char *path, const char *host)
{
	struct eng_conn c;
	ssh_session a = session_for(host), b = session_for(host);
	char *da, *db;
	int ra, rb;

	ra = ssh_options_parse_config(a, path);
	memset(&c, 0, sizeof(c));
	c.ctx = ctx;
	c.s = b;
	rb = eng__sshcfg_parse(&c, path);
	da = describe(a, ra);
	db = describe(b, rb);
	cr_expect_str_eq(db, da, "host %s, config %s:\nfiltered: %s\nlibssh:   %s",
	    host, path, db, da);
	free(da);
	free(db);
	ssh_free(a);
	ssh_free(b);
}

static const char *const hosts[] = {
	"alpha", "beta", "Gamma", "gamma", "web01", "web02", "db", "10.0.0.5",
	"real.example.com", "other", "x", NULL
};

static void
check_all(const char *text)
{
	char *path = write_cfg("config", text);
	size_t i;

	for (i = 0; hosts[i] != NULL; i++)
		check_same(path, hosts[i]);
	free(path);
}

Test(sshcfg, plain_blocks_one_per_host)
{
	char *path = write_cfg("fleet", "Host alpha\n  Port 1\nHost beta\n  Port 2\n"
	    "Host gamma\n  Port 3\nHost *\n  User all\n");

	/* Two of the three named blocks are left out for alpha. */
	check_same(path, "alpha");
	cr_expect_eq(ctx->sshcfg_dropped, 2);
	free(path);
	check_all(
	    "# fleet\n"
	    "Port 2000\n"
	    "Host alpha\n  HostName 10.0.0.1\n  Port 2201\n  User ua\n"
	    "Host beta\n  HostName 10.0.0.2\n  Port 2202\n  IdentityFile /k/beta\n"
	    "Host web01 web02\n  User web\n  Port 2203\n"
	    "Host *\n  User everyone\n  UserKnownHostsFile /kh/all\n");
}

Test(sshcfg, hostname_then_matching_later_block)
{
	/* libssh matches later Host lines against an earlier HostName. */
	check_all(
	    "Host alpha\n  HostName real.example.com\n"
	    "Host real.example.com\n  Port 2222\n  User viahostname\n"
	    "Host beta\n  HostName other\n"
	    "Host other\n  IdentityFile /k/other\n"
	    "Host db\n  Port 5432\n");
}

Test(sshcfg, case_and_separators)
{
	check_all(
	    "HOST Gamma\n\tPort 2301\n"
	    "host=beta\n  user=eq\n"
	    "Host \"alpha\" x\n  Port 2302\n"
	    "  Host   db   \r\n  Port 2303\r\n"
	    "Host web01,web02\n  Port 2304\n"
	    "Host !beta *\n  User notbeta\n"
	    "Host we?01\n  Port 2305\n");
}

Test(sshcfg, match_blocks_and_first_value_wins)
{
	check_all(
	    "Host alpha\n  Port 2401\n"
	    "Match host beta\n  Port 2402\n"
	    "Match all\n  User matched\n"
	    "Host beta gamma\n  Port 2403\n  User late\n"
	    "Host alpha\n  Port 2404\n  User second\n");
}

Test(sshcfg, proxyjump_checked_in_any_block)
{
	/* A malformed ProxyJump fails the parse even where it does not apply. */
	check_all(
	    "Host alpha\n  Port 2501\n"
	    "Host beta\n  ProxyJump bad:port:x:\n"
	    "Host db\n  Port 2502\n");
	check_all(
	    "Host alpha\n  ProxyJump jumper\n"
	    "Host beta\n  Port 2503\n");
}

Test(sshcfg, files_passed_whole)
{
	char *inc = write_cfg("inc", "Host alpha\n  Port 2601\n");
	char *text = NULL, *longline = malloc(1200);

	/* Include, escapes in HostName, and an over-long line: libssh decides. */
	cr_assert(asprintf(&text, "Host beta\n  Port 2602\nInclude %s\nHost db\n  Port 2603\n",
	    inc) > 0);
	check_all(text);
	check_all("Host alpha\n  HostName %h.example.com\nHost alpha.example.com\n  Port 2604\n"
	    "Host beta\n  Port 2605\n");
	memset(longline, 'a', 1199);
	longline[0] = '#';
	longline[1198] = '\n';
	longline[1199] = '\0';
	free(text);
	cr_assert(asprintf(&text, "Host beta\n  Port 2606\n%sHost alpha\n  Port 2607\n",
	    longline) > 0);
	check_all(text);
	free(text);
	free(longline);
	free(inc);
}

Test(sshcfg, missing_file_and_changes_seen)
{
	char *path = NULL;

	cr_assert(asprintf(&path, "%s/absent", dir) > 0);
	check_same(path, "alpha");
	free(path);
	path = write_cfg("config", "Host alpha\n  Port 2701\nHost beta\n  Port 2702\n");
	check_same(path, "alpha");
	/* Rewritten with another size: the cached copy must not be used. */
	tu_write_file(path, "Host alpha\n  Port 2711\n  User changed\nHost beta\n  Port 2712\n");
	check_same(path, "alpha");
	check_same(path, "beta");
	free(path);
}

Test(sshcfg, default_files_when_no_path)
{
	char *sshdir = NULL, *cfg = NULL;
	struct eng_conn c;
	ssh_session a, b;
	char *da, *db;
	int ra, rb;

	cr_assert(asprintf(&sshdir, "%s/.ssh", dir) > 0);
	cr_assert(asprintf(&cfg, "%s/config", sshdir) > 0);
	cr_assert(mkdir(sshdir, 0700) == 0);
	tu_write_file(cfg, "Host alpha\n  Port 2801\nHost beta\n  Port 2802\n");
	/* The ctx's ~/.ssh is the account's; point it at ours for the test. */
	eng__ctx_local_account(ctx);
	free(ctx->local_ssh_dir);
	ctx->local_ssh_dir = util_xstrdup(sshdir);
	a = session_for("alpha");
	b = session_for("alpha");
	ra = ssh_options_parse_config(a, NULL);
	memset(&c, 0, sizeof(c));
	c.ctx = ctx;
	c.s = b;
	rb = eng__sshcfg_parse(&c, NULL);
	da = describe(a, ra);
	db = describe(b, rb);
	cr_expect_str_eq(db, da);
	cr_expect(strstr(db, "port=2801") != NULL, "%s", db);
	free(da);
	free(db);
	ssh_free(a);
	ssh_free(b);
	free(cfg);
	free(sshdir);
}
