/*
 * tests/engine/test_sshres.c - engine/sshres.c against OpenSSH itself: a
 * corpus of tricky ssh_config files (tests/engine/sshcfg_corpus: nested and
 * globbed Includes, negated patterns, Match blocks with exec, tokens,
 * duplicate keywords, quoting, "=" syntax, keyword case, jump loops) is
 * resolved for many host names by drover's resolver and by
 * `ssh -G -F cfg host`, and every keyword drover acts on must come out the
 * same (a config ssh refuses must be refused too). The corpus is copied to a scratch $HOME,
 * since relative Includes resolve against ~/.ssh.
 */
#include <criterion/criterion.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine_int.h"
#include "engine/sshres.h"
#include "testutil.h"

static char *home, *sshdir;

static void
setup(void)
{
	char *cmd = NULL;
	int st;

	home = tu_tmpdir();
	cr_assert(asprintf(&sshdir, "%s/.ssh", home) > 0);
	cr_assert(asprintf(&cmd, "mkdir -p '%s' && cp -r '%s'/tests/engine/sshcfg_corpus/. '%s'/ "
	    "&& chmod -R go-w '%s'", sshdir, getenv("DROVER_SRC"), sshdir, sshdir) > 0);
	free(tu_sh(cmd, &st));
	cr_assert(st == 0, "%s", cmd);
	free(cmd);
	/* Include's "~/.ssh" is globbed with $HOME, by ssh and by us alike. */
	setenv("HOME", home, 1);
}

static void
teardown(void)
{
	tu_rmrf(home);
	free(home);
	free(sshdir);
}

TestSuite(sshres, .init = setup, .fini = teardown, .timeout = 120);

static const char *const keys[] = {
	"host", "hostname", "user", "port", "identityfile", "certificatefile",
	"identitiesonly", "identityagent", "proxyjump", "proxycommand",
	"userknownhostsfile", "globalknownhostsfile", "stricthostkeychecking",
	"connecttimeout", "serveraliveinterval", "serveralivecountmax",
	"hostkeyalgorithms", "kexalgorithms", "ciphers", NULL
};

/* The lines of text for our keywords, grouped by keyword in a fixed order. */
static char *
canon(const char *text)
{
	size_t cap = strlen(text) + 1, len = 0, k, n;
	char *out = calloc(1, cap + 1);
	const char *p, *nl;

	for (k = 0; keys[k] != NULL; k++) {
		n = strlen(keys[k]);
		for (p = text; *p != '\0'; p = nl + 1) {
			nl = strchr(p, '\n');
			if (nl == NULL)
				nl = p + strlen(p);
			if ((size_t)(nl - p) > n && strncmp(p, keys[k], n) == 0 && p[n] == ' ') {
				memcpy(out + len, p, (size_t)(nl - p));
				len += (size_t)(nl - p);
				out[len++] = '\n';
			}
			if (*nl == '\0')
				break;
		}
	}
	out[len] = '\0';
	return out;
}

static int
compare(const char *cfg, const char *host)
{
	struct passwd *pw = getpwuid(getuid());
	eng_sshres_in in = {
		.config = cfg, .host = host, .home = pw->pw_dir,
		.local_user = pw->pw_name, .uid = getuid(), .run_exec = 1,
	};
	eng_sshres r;
	char *cmd = NULL, *ssh_out, *ours = NULL, *a, *b;
	int st, rc, same;

	cr_assert(asprintf(&cmd, "ssh -G -F '%s' '%s' 2>/dev/null", cfg, host) > 0);
	ssh_out = tu_sh(cmd, &st);
	free(cmd);
	rc = eng__sshres_resolve(NULL, &in, &r);
	if (st != 0 || rc != 0) {
		cr_expect((st != 0) == (rc != 0), "%s %s: ssh exit %d, drover %s", cfg, host,
		    st, rc == 0 ? "resolved it" : r.error);
		same = (st != 0) == (rc != 0);
		goto out;
	}
	ours = eng__sshres_dump(&in, &r);
	a = canon(ssh_out);
	b = canon(ours);
	same = strcmp(a, b) == 0;
	if (getenv("SSHRES_SHOW") != NULL)
		cr_log_info("%s %s:\n%s", cfg, host, b);
	cr_expect(same, "%s, host %s:\n--- ssh -G\n%s--- drover\n%s", cfg, host, a, b);
	free(a);
	free(b);
out:
	free(ours);
	free(ssh_out);
	eng__sshres_clear(&r);
	return same;
}

static const char *const hosts[] = {
	"alpha", "ALPHA", "beta", "Gamma", "gamma", "web01", "web02", "web03", "db",
	"db1", "db2", "10.0.0.5", "real.example.com", "other.example.com", "x",
	"xa", "my_host", "prod-web-1", "dev-3", "a.b.c", "bastion", NULL
};

static void
check_corpus(const char *name)
{
	char *cfg = NULL;
	size_t i, ok = 0;

	cr_assert(asprintf(&cfg, "%s/%s", sshdir, name) > 0);
	for (i = 0; hosts[i] != NULL; i++)
		ok += (size_t)compare(cfg, hosts[i]);
	cr_log_info("%s: %zu of %zu hosts resolved as ssh -G does", name, ok, i);
	free(cfg);
}

Test(sshres, basic) { check_corpus("cfg_basic"); }
Test(sshres, patterns) { check_corpus("cfg_patterns"); }
Test(sshres, match) { check_corpus("cfg_match"); }
Test(sshres, include) { check_corpus("cfg_include"); }
Test(sshres, tokens) { check_corpus("cfg_tokens"); }
Test(sshres, refused) { check_corpus("cfg_bad"); check_corpus("cfg_unknown"); }
Test(sshres, ignore_unknown) { check_corpus("cfg_ignore"); }
Test(sshres, edge) { check_corpus("cfg_edge"); }
Test(sshres, include_loop) { check_corpus("cfg_loop"); }
Test(sshres, bad_values) { check_corpus("cfg_errors"); }
Test(sshres, late_errors) { check_corpus("cfg_late"); }
Test(sshres, final_pass) { check_corpus("cfg_final"); }

Test(sshres, unsupported_named_once)
{
	struct passwd *pw = getpwuid(getuid());
	char *cfg = NULL;
	eng_sshres r;
	eng_sshres_in in = { .host = "alpha", .home = pw->pw_dir,
		.local_user = pw->pw_name, .uid = getuid() };

	cr_assert(asprintf(&cfg, "%s/cfg_ignore", sshdir) > 0);
	in.config = cfg;
	cr_assert(eng__sshres_resolve(NULL, &in, &r) == 0, "%s", r.error);
	cr_expect_str_eq(r.unsupported, "forwardagent");
	eng__sshres_clear(&r);
	free(cfg);
}

/*
 * Random configs (tests/engine/sshcfg_gen.py, fixed seeds: the same files
 * every run), each resolved for every host name by both. The seeds include
 * ones that found differences once: a %k, %j or %C token, a last jump hop
 * equal to the destination, Host lines in the final pass.
 */
Test(sshres, generated, .timeout = 600)
{
	static const int seeds[] = { 6, 22, 55, 59, 142, 143, 150, 175 };
	char *cmd = NULL, name[16];
	size_t i;
	int n, st;

	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		cr_assert(asprintf(&cmd, "/usr/bin/python3 '%s/tests/engine/sshcfg_gen.py' %d '%s'",
		    getenv("DROVER_SRC"), seeds[i], sshdir) > 0);
		free(tu_sh(cmd, &st));
		cr_assert(st == 0, "%s", cmd);
		free(cmd);
		for (n = 0; n < 4; n++) {
			snprintf(name, sizeof(name), "gen_%d", n);
			check_corpus(name);
		}
	}
}
