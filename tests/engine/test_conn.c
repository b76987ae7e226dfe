/*
 * tests/engine/test_conn.c - engine/conn.c (+ auth.c, keys.c, hostkey.c)
 * against the demo fleet's real sshds: the state machine's exact path,
 * each auth method in isolation (agent, key files, the encrypted key's
 * single shared passphrase prompt, password and keyboard-interactive via
 * PAM), host key policy (unknown, accept-new, changed before any
 * credential, asking the front end), unreachable endpoints and deadlines,
 * dead-peer detection by keepalive against a SIGSTOPped sshd, names that
 * are labels libssh refuses as host names ("my_host"), and running out of
 * file descriptors (said as such, never cached in the key cache).
 */
#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>

#include "engtest.h"

static void
suite_fini(void);

TestSuite(conn, .fini = suite_fini, .timeout = 120);

/* ---- helpers ---------------------------------------------------------- */

static int
fleet_n(void)
{
	return atoi(et_fleet("FLEET_N"));
}

static void
skip_unless_root(void)
{
	if (strcmp(et_fleet("FLEET_ROOT"), "1") != 0 || !tu_fleet_has("FLEET_PW_USER"))
		cr_skip_test("needs a fleet started as root (password user, PAM)");
}

/* The fleet's ssh_config without its IdentityFile line, in dir. */
static char *
config_without_identity(const char *dir)
{
	char *cfg = tu_read_file(et_fleet("FLEET_SSH_CONFIG"), NULL), *p, *path;
	char *out = calloc(1, strlen(cfg) + 1);
	size_t len = 0;

	cr_assert_not_null(cfg);
	cr_assert_not_null(out);
	for (p = cfg; *p != '\0';) {
		size_t n = strcspn(p, "\n");
		const char *q = p;

		while (*q == ' ' || *q == '\t')
			q++;
		if (strncasecmp(q, "IdentityFile", 12) != 0) {
			memcpy(out + len, p, n);
			len += n;
			out[len++] = '\n';
		}
		p += n;
		if (*p == '\n')
			p++;
	}
	out[len] = '\0';
	cr_assert(strstr(out, "IdentityFile") == NULL);
	cr_assert(strstr(cfg, "IdentityFile") != NULL, "fleet ssh_config has no IdentityFile?");
	path = et_write(dir, "ssh_config", out);
	free(cfg);
	free(out);
	return path;
}

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

static char *
host_fingerprint(int i)
{
	char *path = et_hostdir_file(i, "ssh_host_ed25519_key.pub");
	char *fp = et_fingerprint(path);

	free(path);
	return fp;
}

/* Lines of the file that start with prefix. */
static int
lines_starting(const char *path, const char *prefix)
{
	char *s = tu_read_file(path, NULL), *p;
	int n = 0;

	cr_assert_not_null(s, "cannot read %s", path);
	for (p = s; *p != '\0'; p += strcspn(p, "\n"), p += *p == '\n') {
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			n++;
	}
	free(s);
	return n;
}

/* ---- 1. the state machine ------------------------------------------------ */

Test(conn, state_machine_exact_path)
{
	et_env e;
	et_conn c;
	eng_conn_opts o;
	static const eng_conn_state want[] = {
		ENG_CONN_RESOLVING, ENG_CONN_CONNECTING, ENG_CONN_KEX, ENG_CONN_HOSTKEY,
		ENG_CONN_AUTH, ENG_CONN_READY, ENG_CONN_CLOSING, ENG_CONN_CLOSED,
	};
	size_t i;

	et_init(&e, 0);
	et_conn_opts_init(&o, "h1");
	et_open(&e, &c, &o);
	c.close_on_ready = 1;
	et_run(&e, 20);

	et_assert_ready_closed(&c);
	cr_assert_eq((size_t)c.nst, sizeof(want) / sizeof(want[0]),
	    "path: %s", et_states_str(&c));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_assert_eq(c.st[i], want[i], "step %zu is %s, expected %s; path: %s", i,
		    eng_conn_state_name(c.st[i]), eng_conn_state_name(want[i]),
		    et_states_str(&c));
	cr_assert(!c.has_error, "closed normally but error is '%s'", c.error);
	cr_assert_eq(e.pr.n, 0, "no prompt expected, got '%s'", e.pr.text[0]);
	et_fini(&e);
}

Test(conn, state_names)
{
	cr_assert_str_eq(eng_conn_state_name(ENG_CONN_NEW), "new");
	cr_assert_str_eq(eng_conn_state_name(ENG_CONN_READY), "ready");
	cr_assert_str_eq(eng_conn_state_name(ENG_CONN_FAILED), "failed");
	cr_assert_str_eq(eng_conn_state_name((eng_conn_state)99), "?");
}

/* The number after "port " in line, or -1. */
static long
port_of(const char *line)
{
	const char *p = strstr(line, " port ");

	return p != NULL ? strtol(p + 6, NULL, 10) : -1;
}

/*
 * Waits up to 2 s until h<host>'s sshd has logged the end (closed or
 * disconnected) of every connection it logged since mark; returns how many
 * have not ended, *nconn the number of connections (waits for `want`).
 */
static int
conns_not_ended(int host, size_t mark, int want, int *nconn, char **logp)
{
	char *path = et_hostdir_file(host, "sshd.log"), *log = NULL;
	double end = tu_now() + 2;
	int left;

	for (;;) {
		long ports[64];
		int n = 0, i;
		char *p;

		free(log);
		log = et_file_since(path, mark);
		for (p = log; (p = strstr(p, "Connection from ")) != NULL; p++)
			if (n < 64)
				ports[n++] = port_of(p);
		left = n;
		for (i = 0; i < n; i++) {
			for (p = log; *p != '\0'; p += strcspn(p, "\n"), p += *p == '\n') {
				char *line = strndup(p, strcspn(p, "\n"));

				if ((strstr(line, "onnection closed") || strstr(line, "isconnect")) &&
				    port_of(line) == ports[i]) {
					left--;
					free(line);
					break;
				}
				free(line);
			}
		}
		*nconn = n;
		if ((left == 0 && n >= want) || tu_now() > end)
			break;
		usleep(50000);
	}
	free(path);
	*logp = log;
	return left;
}

/*
 * libssh 0.10's ssh_disconnect() deliberately leaves a socket that was set
 * with SSH_OPTIONS_FD open and resets the session's socket, so ssh_free()
 * does not close it either: conn_teardown() closes it itself. Every
 * connection, refused or closed, must give its socket back.
 */
Test(conn, sockets_closed_after_close_and_failure)
{
	et_env e;
	et_conn c[3];
	eng_conn_opts o;
	size_t mark;
	char *kh, *log = NULL;
	int i, nconn = 0, left;

	et_init(&e, 0);
	e.check_fds = 1;
	mark = et_sshd_log_mark(1);
	et_conn_opts_init(&o, "h1");          /* ready, then closed */
	et_open(&e, &c[0], &o);
	c[0].close_on_ready = 1;
	kh = et_write(et_tmp(&e), "known_hosts", "");
	et_conn_opts_init(&o, "h1");          /* refused: unknown host key */
	o.known_hosts = kh;
	et_open(&e, &c[1], &o);
	et_conn_opts_init(&o, "h1");          /* refused: no usable credential */
	o.auth[0] = ENG_AUTH_AGENT;
	et_open(&e, &c[2], &o);
	et_run(&e, 20);

	et_assert_ready_closed(&c[0]);
	et_assert_failed(&c[1], ENG_FAIL_HOSTKEY_UNKNOWN);
	et_assert_failed(&c[2], ENG_FAIL_AUTH);
	/* The server has seen each of the three connections end. */
	left = conns_not_ended(1, mark, 3, &nconn, &log);
	cr_assert_eq(nconn, 3, "connections logged by sshd:\n%s", log);
	cr_assert_eq(left, 0, "sshd saw %d of the connections end; log:\n%s", 3 - left, log);
	free(log);
	free(kh);
	for (i = 0; i < 3; i++)
		cr_assert(c[i].final);
	et_fini(&e);   /* check_fds: every socket closed */
}

/* ---- 2. auth methods, each alone ----------------------------------------- */

/* Runs one conn (to h1) that closes once ready; *mark: h1's log size before. */
static void
auth_one(et_env *e, et_conn *c, eng_conn_opts *o, size_t *mark)
{
	*mark = et_sshd_log_mark(1);
	et_open(e, c, o);
	c->close_on_ready = 1;
	et_run(e, 40);
}

/* h1's sshd logged "Accepted <what> for ..." (with key fingerprint fp). */
static void
assert_accepted(size_t mark, const char *what, const char *fp)
{
	char needle[256], *log = NULL, *line;

	snprintf(needle, sizeof(needle), "Accepted %s", what);
	line = et_sshd_log_line(1, mark, needle, " for ", 3, &log);
	cr_assert_not_null(line, "sshd did not log '%s ... for'; new log:\n%s", needle, log);
	if (fp != NULL)
		cr_assert(strstr(line, fp) != NULL,
		    "sshd accepted a key other than %s: %s", fp, line);
	free(line);
	free(log);
}

Test(conn, auth_agent_only)
{
	et_env e;
	et_conn c;
	eng_conn_opts o;
	size_t mark;
	char *keyfile = NULL, *fp;

	et_init(&e, 0);
	setenv("SSH_AUTH_SOCK", et_fleet("FLEET_AGENT_SOCK"), 1);
	et_conn_opts_init(&o, "h1");
	o.auth[0] = ENG_AUTH_AGENT;
	auth_one(&e, &c, &o, &mark);
	et_assert_ready_closed(&c);
	cr_assert(asprintf(&keyfile, "%s.pub", et_fleet("FLEET_KEY_AGENT")) > 0);
	fp = et_fingerprint(keyfile);
	assert_accepted(mark, "publickey", fp);
	cr_assert_eq(e.pr.n, 0);
	free(keyfile);
	free(fp);
	et_fini(&e);
}

Test(conn, auth_agent_only_without_agent_fails)
{
	et_env e;
	et_conn c;
	eng_conn_opts o;
	size_t mark;

	et_init(&e, 0);   /* SSH_AUTH_SOCK unset */
	et_conn_opts_init(&o, "h1");
	o.auth[0] = ENG_AUTH_AGENT;
	auth_one(&e, &c, &o, &mark);
	et_assert_failed(&c, ENG_FAIL_AUTH);
	cr_assert(et_saw(&c, ENG_CONN_AUTH));
	/*
	 * The message must say what was attempted so the user can tell "no
	 * agent" from "agent has no accepted key".
	 */
	cr_assert(strstr(c.error, "agent") != NULL,
	    "auth failure message does not name the agent method: '%s'", c.error);
	/*
	 * Nothing was offered, so nothing told us the server's methods: the
	 * message's list must come from asking ("none"), not from a guess.
	 */
	cr_assert(strstr(c.error, "server allows: publickey password keyboard-interactive") != NULL,
	    "auth failure message does not list the server's methods: '%s'", c.error);
	cr_assert_eq(e.pr.n, 0);
	et_fini(&e);
}

Test(conn, auth_agent_only_dead_agent_socket_fails)
{
	et_env e;
	et_conn c;
	eng_conn_opts o;
	size_t mark;
	char *sock = NULL;

	et_init(&e, 0);
	cr_assert(asprintf(&sock, "%s/no-agent.sock", et_tmp(&e)) > 0);
	setenv("SSH_AUTH_SOCK", sock, 1);
	et_conn_opts_init(&o, "h1");
	o.auth[0] = ENG_AUTH_AGENT;
	auth_one(&e, &c, &o, &mark);
	et_assert_failed(&c, ENG_FAIL_AUTH);
	cr_assert(strstr(c.error, "agent") != NULL, "message: '%s'", c.error);
	cr_assert(strstr(c.error, et_fleet("FLEET_USER")) != NULL,
	    "message does not name the user: '%s'", c.error);
	free(sock);
	et_fini(&e);
}

Test(conn, auth_key_only_from_ssh_config)
{
	et_env e;
	et_conn c;
	eng_conn_opts o;
	size_t mark;
	char *pub = NULL, *fp;

	et_init(&e, 0);
	/* An agent holding another accepted key must not be used. */
	setenv("SSH_AUTH_SOCK", et_fleet("FLEET_AGENT_SOCK"), 1);
	et_conn_opts_init(&o, "h1");
	o.auth[0] = ENG_AUTH_KEY;
	auth_one(&e, &c, &o, &mark);
	et_assert_ready_closed(&c);
	cr_assert(asprintf(&pub, "%s.pub", et_fleet("FLEET_KEY")) > 0);
	fp = et_fingerprint(pub);
	assert_accepted(mark, "publickey", fp);
	cr_assert_eq(e.pr.n, 0);
	free(pub);
	free(fp);
	et_fini(&e);
}

/*
 * A key login is one request: the loaded key goes out signed straight away,
 * with no "none" request first to ask for the method list (a refusal would
 * carry the list). Packets sent up to READY: KEXINIT, KEX_ECDH_INIT,
 * NEWKEYS, SERVICE_REQUEST, USERAUTH_REQUEST; a "none" first makes it six.
 */
static uint64_t ready_out_packets;

static void
count_ready(et_conn *ec, eng_conn_state st)
{
	eng_traffic t;

	if (st == ENG_CONN_READY) {
		eng_conn_traffic(ec->c, &t);
		ready_out_packets = t.out_packets;
	}
}

Test(conn, key_login_sends_one_auth_request)
{
	et_env e;
	et_conn c;
	eng_conn_opts o;
	size_t mark;

	et_init(&e, 0);
	et_conn_opts_init(&o, "h1");
	o.auth[0] = ENG_AUTH_KEY;
	mark = et_sshd_log_mark(1);
	et_open(&e, &c, &o);
	c.hook = count_ready;
	c.close_on_ready = 1;
	et_run(&e, 40);
	et_assert_ready_closed(&c);
	assert_accepted(mark, "publickey", NULL);
	cr_assert_eq(ready_out_packets, 5, "%llu packets sent before READY",
	    (unsigned long long)ready_out_packets);
	et_fini(&e);
}

/*
 * Encrypted key: an ssh_config without IdentityFile and an empty HOME, so
 * the only identity is FLEET_KEY_ENC; success then proves it was used (and
 * the sshd log names its fingerprint).
 */
typedef struct enc_setup {
	char *config;
	const char *keys[2];
	char *fp;
	char *pass;
} enc_setup;

static void
enc_init(et_env *e, enc_setup *s)
{
	char *pub = NULL;

	memset(s, 0, sizeof(*s));
	s->config = config_without_identity(et_tmp(e));
	setenv("HOME", et_tmp(e), 1);
	s->keys[0] = et_fleet("FLEET_KEY_ENC");
	cr_assert(asprintf(&pub, "%s.pub", s->keys[0]) > 0);
	s->fp = et_fingerprint(pub);
	free(pub);
	s->pass = et_secret("FLEET_KEY_ENC_PASSPHRASE_FILE");
}

static void
enc_opts(const enc_setup *s, eng_conn_opts *o, const char *name)
{
	et_conn_opts_init(o, name);
	o->ssh_config = s->config;
	o->keys = s->keys;
	o->auth[0] = ENG_AUTH_KEY;
}

static void
enc_fini(enc_setup *s)
{
	free(s->config);
	free(s->fp);
	free(s->pass);
}

Test(conn, auth_encrypted_key_three_conns_one_prompt)
{
	et_env e;
	enc_setup s;
	et_conn c[3];
	eng_conn_opts o;
	size_t mark[3];
	char name[3][8];
	int i, host[3];

	et_init(&e, 0);
	enc_init(&e, &s);
	e.pr.answers[0] = s.pass;
	e.pr.nanswers = 1;
	e.pr.delay_ms = 400;   /* a human typing: the other two must wait */
	for (i = 0; i < 3; i++) {
		host[i] = i % fleet_n() + 1;
		snprintf(name[i], sizeof(name[i]), "h%d", host[i]);
		mark[i] = et_sshd_log_mark(host[i]);
		enc_opts(&s, &o, name[i]);
		et_open(&e, &c[i], &o);
		c[i].close_on_ready = 1;
	}
	et_run(&e, 40);

	cr_assert_eq(e.pr.n, 1, "passphrase asked %d times (expected once)", e.pr.n);
	cr_assert_eq(e.pr.kind[0], ENG_PROMPT_PASSPHRASE);
	cr_assert_str_eq(e.pr.detail[0], s.keys[0]);
	cr_assert(strstr(e.pr.text[0], s.keys[0]) != NULL, "prompt text: %s", e.pr.text[0]);
	cr_assert_eq(e.pr.echo[0], 0);
	for (i = 0; i < 3; i++) {
		char *log = NULL, *line;

		et_assert_ready_closed(&c[i]);
		line = et_sshd_log_line(host[i], mark[i], "Accepted publickey for ", s.fp, 3, &log);
		cr_assert_not_null(line, "%s: no 'Accepted publickey ... %s'; log:\n%s", name[i],
		    s.fp, log);
		free(line);
		free(log);
	}
	enc_fini(&s);
	et_fini(&e);
}

Test(conn, auth_encrypted_key_wrong_passphrase_asked_again)
{
	et_env e;
	enc_setup s;
	et_conn c;
	eng_conn_opts o;
	size_t mark;

	et_init(&e, 0);
	enc_init(&e, &s);
	e.pr.answers[0] = "not-the-passphrase";
	e.pr.answers[1] = s.pass;
	e.pr.nanswers = 2;
	enc_opts(&s, &o, "h1");
	auth_one(&e, &c, &o, &mark);
	cr_assert_eq(e.pr.n, 2, "prompts: %d", e.pr.n);
	cr_assert_eq(e.pr.kind[0], ENG_PROMPT_PASSPHRASE);
	cr_assert_eq(e.pr.kind[1], ENG_PROMPT_PASSPHRASE);
	et_assert_ready_closed(&c);
	assert_accepted(mark, "publickey", s.fp);
	enc_fini(&s);
	et_fini(&e);
}

Test(conn, auth_encrypted_key_wrong_thrice_gives_up)
{
	et_env e;
	enc_setup s;
	et_conn c;
	eng_conn_opts o;
	size_t mark;

	et_init(&e, 0);
	enc_init(&e, &s);
	e.pr.answers[0] = "wrong";
	e.pr.nanswers = 1;
	enc_opts(&s, &o, "h1");
	auth_one(&e, &c, &o, &mark);
	cr_assert_eq(e.pr.n, 3, "prompts: %d", e.pr.n);
	et_assert_failed(&c, ENG_FAIL_AUTH);
	enc_fini(&s);
	et_fini(&e);
}

/* Declined: the key is unusable for the rest of the context, nobody asks again. */
static enc_setup *decl_s;
static et_conn decl_c[3];

static void
decl_hook(et_conn *ec, eng_conn_state st)
{
	eng_conn_opts o;

	if (st != ENG_CONN_FAILED && st != ENG_CONN_CLOSED)
		return;
	if (ec == &decl_c[0]) {
		/* Same key, same context: must not ask again, must fail the same way. */
		enc_opts(decl_s, &o, "h1");
		et_open(ec->e, &decl_c[1], &o);
		decl_c[1].hook = decl_hook;
	} else if (ec == &decl_c[1]) {
		/* The fleet's own config: the plain IdentityFile still works. */
		et_conn_opts_init(&o, "h1");
		o.keys = decl_s->keys;
		o.auth[0] = ENG_AUTH_KEY;
		et_open(ec->e, &decl_c[2], &o);
		decl_c[2].close_on_ready = 1;
	}
}

Test(conn, auth_encrypted_key_declined_is_unusable)
{
	et_env e;
	enc_setup s;
	eng_conn_opts o;

	et_init(&e, 0);
	enc_init(&e, &s);
	decl_s = &s;
	e.pr.nanswers = 0;   /* decline */
	enc_opts(&s, &o, "h1");
	et_open(&e, &decl_c[0], &o);
	decl_c[0].hook = decl_hook;
	et_run(&e, 40);

	cr_assert_eq(e.pr.n, 1, "prompts: %d (a declined key must not be asked again)", e.pr.n);
	cr_assert_eq(e.pr.kind[0], ENG_PROMPT_PASSPHRASE);
	et_assert_failed(&decl_c[0], ENG_FAIL_AUTH);
	cr_assert(strstr(decl_c[0].error, "publickey") != NULL, "message: %s", decl_c[0].error);
	et_assert_failed(&decl_c[1], ENG_FAIL_AUTH);
	et_assert_ready_closed(&decl_c[2]);
	enc_fini(&s);
	et_fini(&e);
}

/* Password / keyboard-interactive (PAM) as the fleet's password user. */
static void
pw_opts(eng_conn_opts *o, eng_auth_method m)
{
	et_conn_opts_init(o, "h1");
	o->user = et_fleet("FLEET_PW_USER");
	o->auth[0] = m;
}

Test(conn, auth_password_only)
{
	et_env e;
	et_conn c;
	eng_conn_opts o;
	size_t mark;
	char *pw, want[128];

	skip_unless_root();
	et_init(&e, 0);
	pw = et_secret("FLEET_PASSWORD_FILE");
	e.pr.answers[0] = pw;
	e.pr.nanswers = 1;
	pw_opts(&o, ENG_AUTH_PASSWORD);
	auth_one(&e, &c, &o, &mark);
	et_assert_ready_closed(&c);
	cr_assert_eq(e.pr.n, 1);
	cr_assert_eq(e.pr.kind[0], ENG_PROMPT_PASSWORD);
	cr_assert_eq(e.pr.echo[0], 0);
	cr_assert_str_eq(e.pr.host[0], "h1");
	snprintf(want, sizeof(want), "%s@h1", et_fleet("FLEET_PW_USER"));
	cr_assert(strstr(e.pr.text[0], want) != NULL, "prompt: %s", e.pr.text[0]);
	assert_accepted(mark, "password", NULL);
	free(pw);
	et_fini(&e);
}

Test(conn, auth_kbdint_only)
{
	et_env e;
	et_conn c;
	eng_conn_opts o;
	size_t mark;
	char *pw;

	skip_unless_root();
	et_init(&e, 0);
	pw = et_secret("FLEET_PASSWORD_FILE");
	e.pr.answers[0] = pw;
	e.pr.nanswers = 1;
	pw_opts(&o, ENG_AUTH_KBDINT);
	auth_one(&e, &c, &o, &mark);
	et_assert_ready_closed(&c);
	cr_assert_eq(e.pr.n, 1, "prompts: %d", e.pr.n);
	cr_assert_eq(e.pr.kind[0], ENG_PROMPT_KBDINT);
	cr_assert(strstr(e.pr.text[0], "Password:") != NULL, "kbd-int prompt: '%s'",
	    e.pr.text[0]);
	cr_assert_eq(e.pr.echo[0], 0);
	assert_accepted(mark, "keyboard-interactive/pam", NULL);
	free(pw);
	et_fini(&e);
}

Test(conn, auth_password_wrong_asked_three_times)
{
	et_env e;
	et_conn c;
	eng_conn_opts o;
	size_t mark;
	int i;

	skip_unless_root();
	et_init(&e, 0);
	e.pr.answers[0] = "definitely-not-the-password";
	e.pr.nanswers = 1;
	pw_opts(&o, ENG_AUTH_PASSWORD);
	auth_one(&e, &c, &o, &mark);
	cr_assert_eq(e.pr.n, 3, "password asked %d times", e.pr.n);
	for (i = 0; i < 3; i++)
		cr_assert_eq(e.pr.kind[i], ENG_PROMPT_PASSWORD);
	et_assert_failed(&c, ENG_FAIL_AUTH);
	cr_assert(strstr(c.error, "password") != NULL, "message: %s", c.error);
	et_fini(&e);
}

/* ---- 3. host keys ---------------------------------------------------------- */

Test(conn, hostkey_unknown_refused_before_auth)
{
	et_env e;
	et_conn c;
	eng_conn_opts o;
	char *kh, *fp;
	size_t len = 1;

	et_init(&e, 0);
	kh = et_write(et_tmp(&e), "known_hosts", "");
	et_conn_opts_init(&o, "h1");
	o.known_hosts = kh;
	et_open(&e, &c, &o);
	c.close_on_ready = 1;
	et_run(&e, 20);

	et_assert_failed(&c, ENG_FAIL_HOSTKEY_UNKNOWN);
	cr_assert(et_saw(&c, ENG_CONN_HOSTKEY));
	cr_assert(!et_saw(&c, ENG_CONN_AUTH), "entered auth with an unknown host key: %s",
	    et_states_str(&c));
	cr_assert(strstr(c.error, "SHA256:") != NULL, "message: %s", c.error);
	fp = host_fingerprint(1);
	cr_assert(strstr(c.error, fp) != NULL, "message lacks the fingerprint %s: %s", fp,
	    c.error);
	free(tu_read_file(kh, &len));
	cr_assert_eq(len, 0, "known_hosts was written without accept_new");
	cr_assert_eq(e.pr.n, 0, "asked although ask_hostkey is off");
	free(fp);
	free(kh);
	et_fini(&e);
}

static et_conn an_c[2];
static char *an_kh;

static void
accept_new_hook(et_conn *ec, eng_conn_state st)
{
	eng_conn_opts o;

	if (ec != &an_c[0] || st != ENG_CONN_CLOSED)
		return;
	/* Second conn, same file, no accept_new: the recorded key is known now. */
	et_conn_opts_init(&o, "h1");
	o.known_hosts = an_kh;
	et_open(ec->e, &an_c[1], &o);
	an_c[1].close_on_ready = 1;
}

Test(conn, hostkey_accept_new_records_then_known)
{
	et_env e;
	eng_conn_opts o;
	char *host, *key, *line = NULL, *kh;

	et_init(&e, 0);
	an_kh = et_write(et_tmp(&e), "known_hosts", "");
	et_conn_opts_init(&o, "h1");
	o.known_hosts = an_kh;
	o.accept_new = 1;
	et_open(&e, &an_c[0], &o);
	an_c[0].close_on_ready = 1;
	an_c[0].hook = accept_new_hook;
	et_run(&e, 30);

	et_assert_ready_closed(&an_c[0]);
	et_assert_ready_closed(&an_c[1]);
	host = kh_host(1);
	key = host_pubkey(1);
	cr_assert(asprintf(&line, "%s %s", host, key) > 0);
	kh = tu_read_file(an_kh, NULL);
	cr_assert(strstr(kh, line) != NULL, "known_hosts lacks '%s':\n%s", line, kh);
	cr_assert_eq(lines_starting(an_kh, host), 1, "known_hosts:\n%s", kh);
	cr_assert_eq(e.pr.n, 0);
	free(host);
	free(key);
	free(line);
	free(kh);
	free(an_kh);
	et_fini(&e);
}

Test(conn, hostkey_changed_no_credentials_sent)
{
	et_env e;
	et_conn c;
	eng_conn_opts o;
	char *host, *key2, *line = NULL, *kh, *log, *fp;
	size_t mark;
	int found = 0;

	if (fleet_n() < 2)
		cr_skip_test("needs two fleet hosts");
	et_init(&e, 0);
	/* h2's real key, filed under h1's address: h1 now looks "changed". */
	host = kh_host(1);
	key2 = host_pubkey(2);
	cr_assert(asprintf(&line, "%s %s\n", host, key2) > 0);
	kh = et_write(et_tmp(&e), "known_hosts", line);
	/* Every credential kind available, so a leak would show in the log. */
	setenv("SSH_AUTH_SOCK", et_fleet("FLEET_AGENT_SOCK"), 1);
	mark = et_sshd_log_mark(1);
	et_conn_opts_init(&o, "h1");
	o.known_hosts = kh;
	o.accept_new = 1;      /* must not override a changed key */
	o.ask_hostkey = 1;     /* nor ask about it */
	et_open(&e, &c, &o);
	c.close_on_ready = 1;
	et_run(&e, 20);

	et_assert_failed(&c, ENG_FAIL_HOSTKEY_CHANGED);
	cr_assert(!et_saw(&c, ENG_CONN_AUTH), "path: %s", et_states_str(&c));
	fp = host_fingerprint(1);
	cr_assert(strstr(c.error, fp) != NULL, "message lacks %s: %s", fp, c.error);
	cr_assert_eq(e.pr.n, 0, "asked about a changed key");
	/*
	 * Whatever the client sent before failing has reached sshd by the time
	 * it logs the connection's end. (Known engine bug, see
	 * sockets_closed_after_close_and_failure: the socket is never closed, so
	 * the end is not logged until the process exits; wait a little instead.)
	 */
	log = et_sshd_log_wait(1, mark, "[preauth]", 1.5, &found);
	cr_assert(strstr(log, "Connection from") != NULL, "no connection logged:\n%s", log);
	cr_assert(strstr(log, "Accepted") == NULL && strstr(log, "Failed") == NULL &&
	    strstr(log, "Postponed") == NULL,
	    "credentials reached the server of a changed host key:\n%s", log);
	cr_assert_eq(lines_starting(kh, host), 1, "known_hosts was modified");
	free(host);
	free(key2);
	free(line);
	free(kh);
	free(log);
	free(fp);
	et_fini(&e);
}

static void
hostkey_ask(int yes)
{
	et_env e;
	et_conn c;
	eng_conn_opts o;
	char *kh, *fp, *host;

	et_init(&e, 0);
	kh = et_write(et_tmp(&e), "known_hosts", "");
	if (yes) {
		e.pr.answers[0] = "yes";
		e.pr.nanswers = 1;
	}
	et_conn_opts_init(&o, "h1");
	o.known_hosts = kh;
	o.ask_hostkey = 1;
	et_open(&e, &c, &o);
	c.close_on_ready = 1;
	et_run(&e, 20);

	fp = host_fingerprint(1);
	host = kh_host(1);
	cr_assert_eq(e.pr.n, 1, "prompts: %d", e.pr.n);
	cr_assert_eq(e.pr.kind[0], ENG_PROMPT_HOSTKEY);
	cr_assert_str_eq(e.pr.detail[0], fp);
	cr_assert(strstr(e.pr.text[0], fp) != NULL, "prompt: %s", e.pr.text[0]);
	if (yes) {
		et_assert_ready_closed(&c);
		cr_assert_eq(lines_starting(kh, host), 1, "host key not recorded");
	} else {
		et_assert_failed(&c, ENG_FAIL_HOSTKEY_UNKNOWN);
		cr_assert(!et_saw(&c, ENG_CONN_AUTH));
		cr_assert_eq(lines_starting(kh, host), 0, "refused key was recorded");
	}
	free(kh);
	free(fp);
	free(host);
	et_fini(&e);
}

Test(conn, hostkey_ask_yes_records)
{
	hostkey_ask(1);
}

Test(conn, hostkey_ask_declined_refuses)
{
	hostkey_ask(0);
}

/* ---- 4. unreachable, deadlines ---------------------------------------------- */

Test(conn, connect_refused_fails_fast)
{
	et_env e;
	et_conn c;
	eng_conn_opts o;
	int port, fd;

	fd = et_bound_socket(&port);
	close(fd);   /* nothing listens there now */
	et_init(&e, 0);
	et_conn_opts_init(&o, "h1");
	o.address = "127.0.0.1";
	o.port = port;
	et_open(&e, &c, &o);
	et_run(&e, 10);

	et_assert_failed(&c, ENG_FAIL_CONNECT);
	cr_assert_lt(c.t_final - c.t_open, 1.0, "refused connect took %.2fs",
	    c.t_final - c.t_open);
	cr_assert(strstr(c.error, "refused") != NULL, "message: %s", c.error);
	cr_assert(!et_saw(&c, ENG_CONN_KEX), "path: %s", et_states_str(&c));
	et_fini(&e);
}

static et_exec bh_x;

static void
blackhole_ready(et_conn *ec, eng_conn_state st)
{
	if (st == ENG_CONN_READY) {
		ec->close_when_idle = 1;
		et_exec_start(ec, &bh_x, "echo alive", 0);
	}
}

Test(conn, connect_timeout_silent_server_while_other_conn_works)
{
	et_env e;
	et_conn bh, good;
	eng_conn_opts o;
	int port, fd;
	double took;

	fd = et_bound_socket(&port);
	cr_assert_eq(listen(fd, 16), 0);   /* the kernel accepts, nobody speaks */
	et_init(&e, 0);
	et_conn_opts_init(&o, "h1");
	o.address = "127.0.0.1";
	o.port = port;
	o.connect_timeout_ms = 1500;
	et_open(&e, &bh, &o);
	et_conn_opts_init(&o, "h1");
	et_open(&e, &good, &o);
	good.hook = blackhole_ready;
	et_run(&e, 15);

	et_assert_failed(&bh, ENG_FAIL_TIMEOUT);
	took = bh.t_final - bh.t_open;
	cr_assert(took >= 1.3 && took <= 3.0, "timeout after %.2fs (want 1.3-3)", took);
	cr_assert(et_saw(&bh, ENG_CONN_KEX), "TCP should connect: %s", et_states_str(&bh));
	et_assert_ready_closed(&good);
	cr_assert(bh_x.done && !bh_x.has_error, "exec: %s", bh_x.error);
	cr_assert_str_eq(bh_x.out, "alive\n");
	cr_assert_eq(bh_x.exit_status, 0);
	cr_assert_lt(good.t_ready, bh.t_final, "the good conn waited for the stuck one");
	et_exec_free(&bh_x);
	et_fini(&e);
	close(fd);   /* after et_fini: it was open before the engine existed */
}

Test(conn, resolve_failure)
{
	et_env e;
	et_conn c;
	eng_conn_opts o;

	et_init(&e, 0);
	et_conn_opts_init(&o, "h1");
	o.address = "nosuch.invalid";
	et_open(&e, &c, &o);
	et_run(&e, 15);
	et_assert_failed(&c, ENG_FAIL_RESOLVE);
	cr_assert(strstr(c.error, "nosuch.invalid") != NULL, "message: %s", c.error);
	cr_assert(!et_saw(&c, ENG_CONN_CONNECTING), "path: %s", et_states_str(&c));
	et_fini(&e);
}

Test(conn, open_rejects_bad_arguments)
{
	et_env e;
	eng_conn_opts o;
	eng_conn *c = (eng_conn *)1;

	et_init(&e, 0);
	memset(&o, 0, sizeof(o));
	cr_assert_eq(eng_conn_open(e.ctx, &o, NULL, NULL, &c), ENG_EINVAL);
	cr_assert_null(c);
	o.name = "";
	cr_assert_eq(eng_conn_open(e.ctx, &o, NULL, NULL, &c), ENG_EINVAL);
	cr_assert_eq(eng_conn_open(e.ctx, NULL, NULL, NULL, &c), ENG_EINVAL);
	et_run(&e, 2);
	et_fini(&e);
}

/* ---- 6. keepalive: a peer that stops answering -------------------------------- */

#define KA_PAT "^sleep 4242[4]$"

static long ka_stopped;     /* the SIGSTOPped session sshd, for cleanup */
static char ka_cmdline[512];
static double ka_t_stop;
static uv_timer_t ka_timer;
static et_exec ka_x;

/* Lets the stopped sshd go and kills the orphaned sleep. */
static void
ka_cleanup(void)
{
	if (ka_stopped > 0) {
		kill((pid_t)ka_stopped, SIGCONT);
		ka_stopped = 0;
	}
	et_remote_kill(KA_PAT);
}

static void
suite_fini(void)
{
	et_cleanup();
	ka_cleanup();
}

static void
ka_poll(uv_timer_t *t)
{
	long pid, p;
	char cl[512];
	int depth;

	if (et_remote_pids(KA_PAT, &pid, 1) != 1)
		return;   /* not running yet */
	/* Walk up: sleep -> sh -c -> "sshd: user@notty" (the session's sshd). */
	for (p = pid, depth = 0; p > 1 && depth < 6; depth++) {
		p = et_proc_info(p, cl, sizeof(cl));
		if (p <= 1)
			break;
		et_proc_info(p, cl, sizeof(cl));
		if (strncmp(cl, "sshd: ", 6) == 0 && strstr(cl, "@notty") != NULL)
			break;
	}
	cr_assert(p > 1 && strncmp(cl, "sshd: ", 6) == 0 && strstr(cl, "@notty"),
	    "no session sshd above pid %ld (last: %ld '%s')", pid, p, cl);
	snprintf(ka_cmdline, sizeof(ka_cmdline), "%s", cl);
	cr_assert_eq(kill((pid_t)p, SIGSTOP), 0);
	ka_stopped = p;
	ka_t_stop = tu_now();
	uv_timer_stop(t);
	uv_close((uv_handle_t *)t, NULL);
}

static void
ka_ready(et_conn *ec, eng_conn_state st)
{
	if (st == ENG_CONN_READY) {
		ec->close_when_idle = 1;
		et_exec_start(ec, &ka_x, "sleep 42424", 0);
		uv_timer_init(&ec->e->loop, &ka_timer);
		uv_timer_start(&ka_timer, ka_poll, 100, 100);
	}
	if (st == ENG_CONN_FAILED && ka_stopped > 0) {
		/* Let it go right away; the asserts come after the loop. */
		kill((pid_t)ka_stopped, SIGCONT);
	}
}

Test(conn, keepalive_detects_stopped_peer)
{
	et_env e;
	et_conn c;
	eng_conn_opts o;
	double took;
	long stopped;

	et_init(&e, 0);
	et_conn_opts_init(&o, "h1");
	o.keepalive_ms = 500;
	et_open(&e, &c, &o);
	c.hook = ka_ready;
	et_run(&e, 20);
	stopped = ka_stopped;
	ka_cleanup();

	cr_assert_gt(stopped, 0, "never found the remote sleep: %s", et_states_str(&c));
	cr_assert(strstr(ka_cmdline, et_fleet("FLEET_USER")) != NULL, "stopped '%s'", ka_cmdline);
	et_assert_failed_any(&c, ENG_FAIL_LOST);
	cr_assert(et_saw(&c, ENG_CONN_READY));
	took = c.t_final - ka_t_stop;
	cr_assert(took >= 1.0 && took <= 4.0, "dead peer noticed after %.2fs (want 1-4)", took);
	cr_assert(ka_x.done, "exec not completed");
	cr_assert(ka_x.has_error, "exec on a lost conn ended without error");
	cr_assert_eq(ka_x.fail, ENG_FAIL_LOST);
	cr_assert_eq(et_remote_wait_gone(KA_PAT, 3), 0, "sleep 42424 still running");
	et_exec_free(&ka_x);
	et_fini(&e);
}

/*
 * libssh 0.10 makes its socket blocking once connected; a blocking send to
 * a peer that stops reading would stall the loop. Every TCP socket of this
 * process must be non-blocking while the session is up.
 */
static int nonblock_checked, blocking_sockets;

static void
check_sockets_nonblocking(et_conn *ec, eng_conn_state st)
{
	char path[300], line[256], target[64];
	struct dirent *d;
	DIR *dir;
	FILE *f;
	unsigned long flags;

	if (st != ENG_CONN_READY)
		return;
	cr_assert_not_null(dir = opendir("/proc/self/fd"));
	while ((d = readdir(dir)) != NULL) {
		snprintf(path, sizeof(path), "/proc/self/fd/%s", d->d_name);
		ssize_t n = readlink(path, target, sizeof(target) - 1);

		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strncmp(target, "socket:", 7) != 0)
			continue;
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%s", d->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL)
			if (sscanf(line, "flags: %lo", &flags) == 1) {
				nonblock_checked++;
				if ((flags & O_NONBLOCK) == 0)
					blocking_sockets++;
			}
		fclose(f);
	}
	closedir(dir);
	eng_conn_close(ec->c);
}

Test(conn, socket_stays_nonblocking_once_connected)
{
	et_env e;
	et_conn c;
	eng_conn_opts o;

	et_init(&e, 0);
	et_conn_opts_init(&o, "h1");
	et_open(&e, &c, &o);
	c.hook = check_sockets_nonblocking;
	et_run(&e, 20);
	et_assert_ready_closed(&c);
	cr_assert_geq(nonblock_checked, 1, "no socket found to check");
	cr_assert_eq(blocking_sockets, 0, "%d of %d sockets are blocking",
	    blocking_sockets, nonblock_checked);
	et_fini(&e);
}

/*
 * A closed connection says goodbye: libssh 0.10 queues SSH_MSG_DISCONNECT
 * behind a pending POLLOUT (after a command, the channel close was the last
 * write), and closing the socket right after dropped it (sshd logged
 * "Connection closed by", and spent more CPU on the login).
 */
static et_exec bye_x;

static void
bye_ready(et_conn *ec, eng_conn_state st)
{
	if (st == ENG_CONN_READY) {
		ec->close_when_idle = 1;
		et_exec_start(ec, &bye_x, "true", 0);
	}
}

Test(conn, close_sends_disconnect)
{
	et_env e;
	et_conn c;
	eng_conn_opts o;
	size_t mark;
	char *line, *log = NULL;

	et_init(&e, 0);
	mark = et_sshd_log_mark(1);
	et_conn_opts_init(&o, "h1");
	et_open(&e, &c, &o);
	c.hook = bye_ready;
	et_run(&e, 20);
	et_assert_ready_closed(&c);
	cr_assert_eq(bye_x.ndone, 1);
	line = et_sshd_log_line(1, mark, "Received disconnect from", NULL, 5, &log);
	cr_assert_not_null(line, "sshd saw no SSH_MSG_DISCONNECT; new log:\n%s", log);
	free(line);
	free(log);
	et_exec_free(&bye_x);
	et_fini(&e);
}

/* ---- 8. names are labels: only addresses reach libssh's host option ------- */

/* The fleet's ssh_config with extra Host blocks in front, in dir. */
static char *
config_plus(const char *dir, const char *extra)
{
	char *cfg = tu_read_file(et_fleet("FLEET_SSH_CONFIG"), NULL), *all = NULL, *path;

	cr_assert_not_null(cfg);
	cr_assert(asprintf(&all, "%s\n%s", extra, cfg) > 0);
	path = et_write(dir, "ssh_config", all);
	free(cfg);
	free(all);
	return path;
}

/* Connects name (address may be NULL) with cfg; the conn ends within 20 s. */
static void
label_run(et_env *e, et_conn *c, const char *cfg, const char *name, const char *address,
    int port)
{
	eng_conn_opts o;

	et_conn_opts_init(&o, name);
	if (cfg != NULL)
		o.ssh_config = cfg;
	o.address = address;
	o.port = port;
	et_open(e, c, &o);
	c->close_on_ready = 1;
	et_run(e, 20);
}

Test(conn, alias_with_underscore_from_ssh_config)
{
	et_env e;
	et_conn c[2];
	char *extra = NULL, *cfg;

	et_init(&e, 0);
	/* Exact and wildcard Host patterns; known_hosts has only the address. */
	cr_assert(asprintf(&extra, "Host my_host\n  HostName %s\n  Port %s\n\n"
	    "Host web_*\n  HostName %s\n  Port %s\n\n",
	    et_fleet("FLEET_ADDR_1"), et_fleet("FLEET_PORT"),
	    et_fleet("FLEET_ADDR_1"), et_fleet("FLEET_PORT")) > 0);
	cfg = config_plus(et_tmp(&e), extra);
	label_run(&e, &c[0], cfg, "my_host", NULL, 0);
	et_assert_ready_closed(&c[0]);
	label_run(&e, &c[1], cfg, "web_01", NULL, 0);
	et_assert_ready_closed(&c[1]);
	free(extra);
	free(cfg);
	et_fini(&e);
}

Test(conn, inventory_name_with_underscore_and_address)
{
	et_env e;
	et_conn c;

	et_init(&e, 0);
	/* [host db_primary] address = ...: the fleet config's Host * still applies. */
	label_run(&e, &c, NULL, "db_primary", et_fleet("FLEET_ADDR_1"),
	    atoi(et_fleet("FLEET_PORT")));
	et_assert_ready_closed(&c);
	et_fini(&e);
}

Test(conn, underscore_name_without_address_says_why)
{
	et_env e;
	et_conn c;

	et_init(&e, 0);
	label_run(&e, &c, NULL, "no_such_host", NULL, 0);
	et_assert_failed(&c, ENG_FAIL_CONFIG);
	cr_assert(strstr(c.error, "no_such_host") != NULL, "error: %s", c.error);
	/* A reason after every colon: never "bad host name: " and nothing. */
	cr_assert(c.error[strlen(c.error) - 1] != ' ' && c.error[strlen(c.error) - 1] != ':',
	    "error ends without its reason: '%s'", c.error);
	cr_assert(strstr(c.error, "HostName") != NULL, "error: %s", c.error);
	et_fini(&e);
}

/* ---- 9. out of file descriptors: said as such ---------------------------- */


#define FD_FILL_MAX 512

static int fd_fill[FD_FILL_MAX], fd_nfill;
static struct rlimit fd_saved;

/* Lowers the soft limit to 256 and takes every descriptor left. */
static void
fd_exhaust(void)
{
	struct rlimit rl;
	int fd;

	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &fd_saved), 0);
	rl = fd_saved;
	rl.rlim_cur = 256;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	fd_nfill = 0;
	while (fd_nfill < FD_FILL_MAX && (fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
		fd_fill[fd_nfill++] = fd;
	cr_assert_eq(errno, EMFILE, "filling descriptors stopped with %s", strerror(errno));
}

static void
fd_release(void)
{
	while (fd_nfill > 0)
		close(fd_fill[--fd_nfill]);
	if (fd_saved.rlim_cur != 0)
		setrlimit(RLIMIT_NOFILE, &fd_saved);
	fd_saved.rlim_cur = 0;
}

static void
fd_hook(et_conn *ec, eng_conn_state st)
{
	/* Socket open, key exchange under way: the known_hosts read comes next. */
	if (st == ENG_CONN_KEX && ec->ud != NULL)
		fd_exhaust();
	if (st == ENG_CONN_FAILED || st == ENG_CONN_CLOSED)
		fd_release();
}

static void
fd_assert_said(const et_conn *c)
{
	et_assert_failed(c, ENG_FAIL_CONNECT);
	cr_assert(strstr(c->error, "too many open files") != NULL, "error: %s", c->error);
	cr_assert(strstr(c->error, "no usable address") == NULL, "error: %s", c->error);
	cr_assert(strstr(c->error, "accept-new") == NULL, "error: %s", c->error);
}

Test(conn, out_of_descriptors_before_connecting)
{
	et_env e;
	et_conn c;
	eng_conn_opts o;

	et_init(&e, 0);
	e.check_fds = 0;   /* the fillers come and go outside the engine */
	et_conn_opts_init(&o, "h1");
	o.address = et_fleet("FLEET_ADDR_1");
	o.port = atoi(et_fleet("FLEET_PORT"));
	et_open(&e, &c, &o);
	c.hook = fd_hook;
	fd_exhaust();
	et_run(&e, 15);
	fd_release();
	fd_assert_said(&c);
	et_fini(&e);
}

Test(conn, out_of_descriptors_at_the_host_key_check)
{
	et_env e;
	et_conn c;
	eng_conn_opts o;

	et_init(&e, 0);
	e.check_fds = 0;
	et_conn_opts_init(&o, "h1");
	et_open(&e, &c, &o);
	c.ud = &c;   /* fill at KEX */
	c.hook = fd_hook;
	et_run(&e, 15);
	fd_release();
	fd_assert_said(&c);
	cr_assert(et_saw(&c, ENG_CONN_HOSTKEY), "path: %s", et_states_str(&c));
	et_fini(&e);
}

Test(conn, fd_limit_raised_to_the_hard_limit)
{
	struct rlimit rl, low;
	int n;

	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max < 512)
		cr_skip_test("hard limit %ld", (long)rl.rlim_max);
	low = rl;
	low.rlim_cur = 256;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	n = eng_fd_limit_raise();
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &low), 0);
	cr_assert_eq(low.rlim_cur, rl.rlim_max, "soft limit %ld, hard %ld", (long)low.rlim_cur,
	    (long)rl.rlim_max);
	/* Usable: the limit less what is open now (a handful in a test). */
	cr_assert(n > (int)rl.rlim_max - 64 && n < (int)rl.rlim_max, "usable %d of %ld", n,
	    (long)rl.rlim_max);
	setrlimit(RLIMIT_NOFILE, &rl);
}

static et_conn fdk_c[2];

static void
fdk_hook(et_conn *ec, eng_conn_state st)
{
	eng_conn_opts o;

	if (ec == &fdk_c[0] && st == ENG_CONN_AUTH)
		fd_exhaust();
	if (ec != &fdk_c[0] || (st != ENG_CONN_FAILED && st != ENG_CONN_CLOSED))
		return;
	fd_release();
	/* Descriptors back: the same key, same context, must work now. */
	et_conn_opts_init(&o, "h1");
	et_open(ec->e, &fdk_c[1], &o);
	fdk_c[1].close_on_ready = 1;
}

Test(conn, key_unreadable_for_lack_of_descriptors_is_not_cached)
{
	et_env e;
	eng_conn_opts o;

	et_init(&e, 0);
	e.check_fds = 0;
	et_conn_opts_init(&o, "h1");
	o.auth[0] = ENG_AUTH_KEY;   /* the fleet config's IdentityFile only */
	et_open(&e, &fdk_c[0], &o);
	fdk_c[0].hook = fdk_hook;
	fdk_c[0].close_on_ready = 1;
	et_run(&e, 20);
	fd_release();

	et_assert_failed(&fdk_c[0], ENG_FAIL_AUTH);
	cr_assert(strstr(fdk_c[0].error, "too many open files") != NULL, "error: %s",
	    fdk_c[0].error);
	et_assert_ready_closed(&fdk_c[1]);
	et_fini(&e);
}
