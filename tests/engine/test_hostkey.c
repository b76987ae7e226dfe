/*
 * tests/engine/test_hostkey.c - engine/hostkey.c + knownhosts.c: the
 * known_hosts markers libssh 0.10 ignores. A key marked @revoked fails
 * closed like a changed one (before any credential, never recorded by
 * accept-new, whatever plain line stands beside it), for plain, wildcard
 * and hashed host names; a host trusted through @cert-authority is
 * reported as unsupported, never connected as if the line were a plain key.
 * A changed key names the known_hosts line it offends (like ssh). A key
 * recorded by accept-new is appended by us, never through a planted
 * symlink, to a file created private. Every known_hosts file an ssh_config
 * names is read, not only the first user and global one libssh reads.
 * Against the demo fleet's real sshds.
 */
#include "engtest.h"

TestSuite(hostkey, .fini = et_cleanup, .timeout = 60);

/* "[addr]:port" (or addr for port 22) of fleet host i. */
static char *
kh_host(int i)
{
	char key[32], *s = NULL;
	const char *port = et_fleet("FLEET_PORT");

	snprintf(key, sizeof(key), "FLEET_ADDR_%d", i);
	if (strcmp(port, "22") == 0)
		cr_assert(asprintf(&s, "%s", et_fleet(key)) > 0);
	else
		cr_assert(asprintf(&s, "[%s]:%s", et_fleet(key), port) > 0);
	return s;
}

/* "type base64" of fleet host i's host key. */
static char *
host_pubkey(int i)
{
	char *path = et_hostdir_file(i, "ssh_host_ed25519_key.pub");
	char *s = tu_read_file(path, NULL), *sp;

	cr_assert_not_null(s);
	sp = strchr(s, ' ');
	cr_assert_not_null(sp);
	sp = strchr(sp + 1, ' ');
	if (sp != NULL)
		*sp = '\0';
	s[strcspn(s, "\n")] = '\0';
	free(path);
	return s;
}

/* ssh-keygen -H's hashed form of host ("|1|salt|hash"). */
static char *
hashed_name(const char *dir, const char *host, const char *key)
{
	char *path = NULL, *cmd = NULL, *out, *line = NULL;

	cr_assert(asprintf(&line, "%s %s\n", host, key) > 0);
	cr_assert(asprintf(&path, "%s/tohash", dir) > 0);
	tu_write_file(path, line);
	cr_assert(asprintf(&cmd, "ssh-keygen -q -H -f '%s' >/dev/null 2>&1 && cut -d' ' -f1 '%s'",
	    path, path) > 0);
	out = tu_sh(cmd, NULL);
	cr_assert(out != NULL && strncmp(out, "|1|", 3) == 0, "ssh-keygen -H gave '%s'", out);
	out[strcspn(out, "\n")] = '\0';
	free(path);
	free(cmd);
	free(line);
	return out;
}

typedef struct kh_case {
	et_env e;
	et_conn c;
	char *kh;       /* known_hosts path */
	char *before;   /* its text before the run */
} kh_case;

/* Connects to h1 with known_hosts k->kh (k->e initialised). */
static void
kh_connect(kh_case *k, int accept_new)
{
	eng_conn_opts o;

	setenv("SSH_AUTH_SOCK", et_fleet("FLEET_AGENT_SOCK"), 1);
	et_conn_opts_init(&o, "h1");
	o.known_hosts = k->kh;
	o.accept_new = accept_new;
	o.ask_hostkey = 1;   /* must not be asked about a revoked key either */
	et_open(&k->e, &k->c, &o);
	k->c.close_on_ready = 1;
	et_run(&k->e, 20);
}

/* Connects to h1 with known_hosts = text; agent offered so a leak would show. */
static void
kh_run(kh_case *k, const char *text, int accept_new)
{
	et_init(&k->e, 0);
	k->kh = et_write(et_tmp(&k->e), "known_hosts", text);
	k->before = tu_read_file(k->kh, NULL);
	kh_connect(k, accept_new);
}

static void
kh_assert_revoked(kh_case *k)
{
	char *after = tu_read_file(k->kh, NULL);

	et_assert_failed(&k->c, ENG_FAIL_HOSTKEY_CHANGED);
	cr_assert(strstr(k->c.error, "REVOKED HOST KEY") != NULL, "error: %s", k->c.error);
	cr_assert(!et_saw(&k->c, ENG_CONN_AUTH), "went on to auth: %s", et_states_str(&k->c));
	cr_assert_eq(k->e.pr.n, 0, "asked about a revoked key: %s", k->e.pr.text[0]);
	cr_assert_str_eq(after, k->before, "known_hosts changed");
	free(after);
}

static void
kh_done(kh_case *k)
{
	free(k->kh);
	free(k->before);
	et_fini(&k->e);
}

Test(hostkey, revoked_beside_a_plain_line_fails_closed)
{
	kh_case k;
	char *host = kh_host(1), *key = host_pubkey(1), *text = NULL;

	cr_assert(asprintf(&text, "%s %s\n@revoked %s %s\n", host, key, host, key) > 0);
	kh_run(&k, text, 0);
	kh_assert_revoked(&k);
	free(host);
	free(key);
	free(text);
	kh_done(&k);
}

Test(hostkey, revoked_alone_is_not_recorded_by_accept_new)
{
	kh_case k;
	char *host = kh_host(1), *key = host_pubkey(1), *text = NULL;

	cr_assert(asprintf(&text, "@revoked %s %s\n", host, key) > 0);
	kh_run(&k, text, 1);
	kh_assert_revoked(&k);
	free(host);
	free(key);
	free(text);
	kh_done(&k);
}

Test(hostkey, revoked_for_every_host_by_wildcard)
{
	kh_case k;
	char *host = kh_host(1), *key = host_pubkey(1), *text = NULL;

	cr_assert(asprintf(&text, "@revoked * %s\n%s %s\n", key, host, key) > 0);
	kh_run(&k, text, 0);
	kh_assert_revoked(&k);
	free(host);
	free(key);
	free(text);
	kh_done(&k);
}

Test(hostkey, revoked_under_a_hashed_name)
{
	kh_case k;
	char *host = kh_host(1), *key = host_pubkey(1), *text = NULL, *dir, *hn;

	dir = tu_tmpdir();
	hn = hashed_name(dir, host, key);
	cr_assert(asprintf(&text, "%s %s\n@revoked %s %s\n", host, key, hn, key) > 0);
	kh_run(&k, text, 1);
	kh_assert_revoked(&k);
	tu_rmrf(dir);
	free(dir);
	free(hn);
	free(host);
	free(key);
	free(text);
	kh_done(&k);
}

Test(hostkey, revoked_lines_for_other_keys_or_hosts_do_not_matter)
{
	kh_case k;
	char *host = kh_host(1), *key = host_pubkey(1), *key2 = NULL, *text = NULL;

	key2 = host_pubkey(tu_fleet_has("FLEET_ADDR_2") ? 2 : 1);
	cr_assert(strcmp(key, key2) != 0 || !tu_fleet_has("FLEET_ADDR_2"));
	/* h2's key revoked everywhere, h1's key revoked for another name only. */
	cr_assert(asprintf(&text, "@revoked * %s\n@revoked other.example,!%s %s\n%s %s\n",
	    key2, host, key, host, key) > 0);
	kh_run(&k, text, 0);
	et_assert_ready_closed(&k.c);
	free(host);
	free(key);
	free(key2);
	free(text);
	kh_done(&k);
}

Test(hostkey, cert_authority_is_reported_unsupported)
{
	kh_case k;
	char *host = kh_host(1), *key = host_pubkey(1), *text = NULL, *after;

	/* The host's own key as the "CA": accepting it as a plain key would connect. */
	cr_assert(asprintf(&text, "@cert-authority %s %s\n", host, key) > 0);
	kh_run(&k, text, 1);
	et_assert_failed(&k.c, ENG_FAIL_HOSTKEY_UNKNOWN);
	cr_assert(strstr(k.c.error, "@cert-authority") != NULL &&
	    strstr(k.c.error, "not supported") != NULL, "error: %s", k.c.error);
	cr_assert(!et_saw(&k.c, ENG_CONN_AUTH), "went on to auth: %s", et_states_str(&k.c));
	after = tu_read_file(k.kh, NULL);
	cr_assert_str_eq(after, k.before, "known_hosts changed");
	free(after);
	free(host);
	free(key);
	free(text);
	kh_done(&k);
}

/* ---- a changed key names its line; recording never follows a symlink ---- */

Test(hostkey, changed_key_names_the_offending_line)
{
	kh_case k;
	char *host = kh_host(1), *key2, *text = NULL, *want = NULL;

	cr_assert(tu_fleet_has("FLEET_ADDR_2"), "needs two fleet hosts");
	key2 = host_pubkey(2);
	/* Line 4 holds another key for h1's name; lines before it do not count. */
	cr_assert(asprintf(&text, "# comment\nother.example %s\n@revoked nothing.example %s\n"
	    "%s %s\n", key2, key2, host, key2) > 0);
	kh_run(&k, text, 1);
	et_assert_failed(&k.c, ENG_FAIL_HOSTKEY_CHANGED);
	cr_assert(asprintf(&want, "Offending ssh-ed25519 key in %s:4", k.kh) > 0);
	cr_assert(strstr(k.c.error, "HOST KEY CHANGED") != NULL && strstr(k.c.error, want) != NULL,
	    "error: %s (wanted '%s')", k.c.error, want);
	cr_assert(!et_saw(&k.c, ENG_CONN_AUTH), "went on to auth: %s", et_states_str(&k.c));
	free(want);
	free(host);
	free(key2);
	free(text);
	kh_done(&k);
}

/* The line for h1 accept-new wrote, in a fresh kh_case (known_hosts k->kh). */
static void
kh_assert_recorded(kh_case *k, const char *before)
{
	char *host = kh_host(1), *key = host_pubkey(1), *after, *want = NULL;

	et_assert_ready_closed(&k->c);
	after = tu_read_file(k->kh, NULL);
	cr_assert_not_null(after);
	cr_assert(asprintf(&want, "%s%s%s %s\n", before,
	    before[0] != '\0' && before[strlen(before) - 1] != '\n' ? "\n" : "", host, key) > 0);
	cr_assert_str_eq(after, want);
	free(after);
	free(want);
	free(host);
	free(key);
}

Test(hostkey, accept_new_appends_after_a_last_line_without_newline)
{
	kh_case k;

	kh_run(&k, "other.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl", 1);
	kh_assert_recorded(&k, k.before);
	kh_done(&k);
}

Test(hostkey, accept_new_creates_a_private_file_and_directory)
{
	kh_case k;
	struct stat st;
	char *dir = NULL;
	mode_t um = umask(022);

	et_init(&k.e, 0);
	cr_assert(asprintf(&dir, "%s/ssh", et_tmp(&k.e)) > 0);
	cr_assert(asprintf(&k.kh, "%s/known_hosts", dir) > 0);
	k.before = strdup("");
	kh_connect(&k, 1);
	umask(um);
	kh_assert_recorded(&k, "");
	cr_assert_eq(stat(k.kh, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0600, "known_hosts mode %o", st.st_mode & 07777);
	cr_assert_eq(stat(dir, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0700, "directory mode %o", st.st_mode & 07777);
	free(dir);
	kh_done(&k);
}

/*
 * known_hosts is a symlink someone planted (to a file of the user's, or to
 * a name that does not exist yet): accept-new refuses to write through it,
 * says why, and the target is untouched (or never created).
 */
Test(hostkey, accept_new_never_writes_through_a_symlink)
{
	kh_case k;
	char *victim = NULL, *text;
	int dangling;

	for (dangling = 0; dangling <= 1; dangling++) {
		et_init(&k.e, 0);
		cr_assert(asprintf(&victim, "%s/victim", et_tmp(&k.e)) > 0);
		if (!dangling)
			tu_write_file(victim, "precious\n");
		cr_assert(asprintf(&k.kh, "%s/known_hosts", et_tmp(&k.e)) > 0);
		cr_assert_eq(symlink(victim, k.kh), 0);
		k.before = strdup("");
		kh_connect(&k, 1);
		et_assert_failed(&k.c, ENG_FAIL_HOSTKEY_UNKNOWN);
		cr_assert(strstr(k.c.error, "symbolic link") != NULL && strstr(k.c.error, k.kh) != NULL,
		    "error: %s", k.c.error);
		cr_assert(!et_saw(&k.c, ENG_CONN_AUTH), "went on to auth: %s", et_states_str(&k.c));
		text = tu_read_file(victim, NULL);
		if (dangling)
			cr_assert_null(text, "the symlink's target was created: '%s'", text);
		else
			cr_assert_str_eq(text, "precious\n", "the symlink's target was written");
		free(text);
		free(victim);
		kh_done(&k);
	}
}

/*
 * An ssh_config naming several known_hosts files (UserKnownHostsFile u1 u2,
 * GlobalKnownHostsFile g1 g2; NULL text: the file does not exist). libssh
 * reads only the first of each; like ssh, every one counts.
 */
static void
kh_files_run(kh_case *k, const char *u1, const char *u2, const char *g1, const char *g2)
{
	const char *text[] = { u1, u2, g1, g2 };
	char *path[4], *cfg = NULL;
	eng_conn_opts o;
	int i;

	et_init(&k->e, 0);
	for (i = 0; i < 4; i++) {
		char name[8];

		snprintf(name, sizeof(name), "kh%d", i);
		if (text[i] != NULL)
			path[i] = et_write(et_tmp(&k->e), name, text[i]);
		else
			cr_assert(asprintf(&path[i], "%s/%s", et_tmp(&k->e), name) > 0);
	}
	cr_assert(asprintf(&cfg, "Host h1\n  HostName %s\n  Port %s\n  User %s\n"
	    "  UserKnownHostsFile %s %s\n  GlobalKnownHostsFile %s %s\n",
	    et_fleet("FLEET_ADDR_1"), et_fleet("FLEET_PORT"), et_fleet("FLEET_USER"),
	    path[0], path[1], path[2], path[3]) > 0);
	k->kh = et_write(et_tmp(&k->e), "ssh_config", cfg);
	k->before = path[1];
	setenv("SSH_AUTH_SOCK", et_fleet("FLEET_AGENT_SOCK"), 1);
	et_conn_opts_init(&o, "h1");
	o.ssh_config = k->kh;
	et_open(&k->e, &k->c, &o);
	k->c.close_on_ready = 1;
	et_run(&k->e, 20);
	for (i = 0; i < 4; i++)
		if (i != 1)
			free(path[i]);
	free(cfg);
}

Test(hostkey, every_known_hosts_file_of_the_config_counts)
{
	kh_case k;
	char *host = kh_host(1), *key = host_pubkey(1), *key2 = host_pubkey(2);
	char *good = NULL, *bad = NULL, *rev = NULL, *want = NULL;

	cr_assert(asprintf(&good, "%s %s\n", host, key) > 0);
	cr_assert(asprintf(&bad, "%s %s\n", host, key2) > 0);
	cr_assert(asprintf(&rev, "@revoked %s %s\n", host, key) > 0);
	/* Known from the second user file, or from the second global one. */
	kh_files_run(&k, NULL, good, NULL, NULL);
	et_assert_ready_closed(&k.c);
	kh_done(&k);
	kh_files_run(&k, "", "", "", good);
	et_assert_ready_closed(&k.c);
	kh_done(&k);
	/* A line with the key anywhere wins over another key's line elsewhere. */
	kh_files_run(&k, bad, good, NULL, NULL);
	et_assert_ready_closed(&k.c);
	kh_done(&k);
	/* Only another key, in the second file: changed, and that line named. */
	kh_files_run(&k, "", bad, NULL, NULL);
	et_assert_failed(&k.c, ENG_FAIL_HOSTKEY_CHANGED);
	cr_assert(asprintf(&want, "Offending ssh-ed25519 key in %s:1", k.before) > 0);
	cr_assert(strstr(k.c.error, want) != NULL, "error: %s (wanted '%s')", k.c.error, want);
	cr_assert(!et_saw(&k.c, ENG_CONN_AUTH), "went on to auth: %s", et_states_str(&k.c));
	free(want);
	kh_done(&k);
	/* @revoked in a later file revokes the key the first file trusts. */
	kh_files_run(&k, good, NULL, NULL, rev);
	et_assert_failed(&k.c, ENG_FAIL_HOSTKEY_CHANGED);
	cr_assert(strstr(k.c.error, "REVOKED HOST KEY") != NULL, "error: %s", k.c.error);
	kh_done(&k);
	free(good);
	free(bad);
	free(rev);
	free(host);
	free(key);
	free(key2);
}
