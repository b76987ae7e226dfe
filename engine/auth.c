/*
 * engine/auth.c - user authentication as an explicit, resumable sequence:
 * agent -> identity files -> password -> keyboard-interactive (or the
 * configured order). The "none" request that asks the server for its methods
 * is sent only when a method needs that list before the server has given it
 * (a public-key attempt gets it for free with its answer): one round trip
 * and two packets less per host in the usual key login. Each libssh call that says SSH_AUTH_AGAIN is re-issued
 * unchanged on the next step. Secrets come from the front end through
 * prompts (conn.c), are handed to libssh and wiped; key files come from the
 * shared cache (keys.c). We avoid ssh_userauth_publickey_auto: it writes
 * missing .pub files and calls its callback synchronously.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine_int.h"

enum { PH_NONE, PH_METHODS, PH_DONE };

static const char *
method_name(eng_auth_method m)
{
	switch (m) {
	case ENG_AUTH_AGENT:
		return "agent";
	case ENG_AUTH_KEY:
		return "key";
	case ENG_AUTH_PASSWORD:
		return "password";
	case ENG_AUTH_KBDINT:
		return "keyboard-interactive";
	default:
		return "?";
	}
}

static void
note_tried(eng_conn *c, const char *what)
{
	eng_auth *a = &c->auth;
	size_t len = strlen(a->tried);

	if (strstr(a->tried, what) != NULL)
		return;
	snprintf(a->tried + len, sizeof(a->tried) - len, "%s%s", len ? ", " : "", what);
}

static const char *
home_dir(void)
{
	const char *h = getenv("HOME");
	struct passwd *pw;

	if (h != NULL && *h != '\0')
		return h;
	pw = getpwuid(getuid());
	return pw != NULL ? pw->pw_dir : "/";
}

/* Expands libssh's "%d" (ssh dir) and a leading "~/" in identity paths. */
static char *
expand_path(const char *p)
{
	if (strncmp(p, "%d/", 3) == 0)
		return util_xasprintf("%s/.ssh/%s", home_dir(), p + 3);
	if (strncmp(p, "~/", 2) == 0)
		return util_xasprintf("%s/%s", home_dir(), p + 2);
	return util_xstrdup(p);
}

static void
add_attempt(eng_auth *a, const char *path, const char *cert)
{
	size_t i;

	for (i = 0; i < a->nids; i++)
		if (strcmp(a->ids[i], path) == 0 && (a->id_certs[i] == NULL) == (cert == NULL) &&
		    (cert == NULL || strcmp(a->id_certs[i], cert) == 0))
			return;
	a->ids = util_xrealloc(a->ids, (a->nids + 1) * sizeof(char *));
	a->id_certs = util_xrealloc(a->id_certs, (a->nids + 1) * sizeof(char *));
	a->ids[a->nids] = util_xstrdup(path);
	a->id_certs[a->nids++] = cert != NULL ? util_xstrdup(cert) : NULL;
}

/* A certificate file (its type ends in -cert-v01@openssh.com), not a key? */
static int
is_cert_file(const char *path)
{
	static const char sfx[] = "-cert-v01@openssh.com";
	char head[128];
	size_t n = 0, w;
	FILE *f = fopen(path, "re");

	if (f == NULL)
		return 0;
	n = fread(head, 1, sizeof(head) - 1, f);
	fclose(f);
	head[n] = '\0';
	w = strcspn(head, " \t\r\n");
	return w > sizeof(sfx) - 1 && strncmp(head + w - (sizeof(sfx) - 1), sfx,
	    sizeof(sfx) - 1) == 0;
}

/*
 * One identity file: its certificates first (KEY-cert.pub beside it, as
 * OpenSSH loads it, then each CertificateFile that certifies this key),
 * then the plain key.
 */
static void
add_id(eng_conn *c, const char *path)
{
	eng_auth *a = &c->auth;
	eng_key *k;
	eng_cert *ce;
	char *auto_cert = util_xasprintf("%s-cert.pub", path);
	size_t i;

	if (access(path, F_OK) == 0) {
		if (access(auto_cert, F_OK) == 0)
			add_attempt(a, path, auto_cert);
		for (i = 0; a->cfg_certs != NULL && a->cfg_certs[i] != NULL; i++) {
			if (strcmp(a->cfg_certs[i], auto_cert) == 0)
				continue;
			ce = eng__cert_get(c->ctx, a->cfg_certs[i]);
			k = eng__key_get(c->ctx, path);
			if (k->pub != NULL && eng__cert_matches(ce, k->pub))
				add_attempt(a, path, a->cfg_certs[i]);
		}
	}
	add_attempt(a, path, NULL);
	free(auto_cert);
}

/*
 * Identity files: ours first (inventory/CLI), then the ssh config's as
 * sshcfg.c resolved them (OpenSSH's defaults when it names none).
 */
static void
build_ids(eng_conn *c)
{
	static const char *const defaults[] = { "id_rsa", "id_ecdsa", "id_ed25519" };
	eng_auth *a = &c->auth;
	char *p;
	size_t i;

	/* Certificates among our keys (inventory "cert") join the config's. */
	for (i = 0; c->keys[i] != NULL; i++) {
		p = expand_path(c->keys[i]);
		if (is_cert_file(p)) {
			size_t n = util_list_len(a->cfg_certs);

			a->cfg_certs = util_xrealloc(a->cfg_certs, (n + 2) * sizeof(char *));
			memmove(a->cfg_certs + 1, a->cfg_certs, n * sizeof(char *));
			a->cfg_certs[0] = p;
			a->cfg_certs[n + 1] = NULL;
		} else {
			free(p);
		}
	}
	for (i = 0; c->keys[i] != NULL; i++) {
		p = expand_path(c->keys[i]);
		if (!is_cert_file(p))
			add_id(c, p);
		free(p);
	}
	if (a->cfg_ids != NULL) {
		for (i = 0; a->cfg_ids[i] != NULL; i++)
			add_id(c, a->cfg_ids[i]);
		return;
	}
	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		p = util_xasprintf("%s/.ssh/%s", home_dir(), defaults[i]);
		add_id(c, p);
		free(p);
	}
}

void
eng__auth_clear(eng_conn *c)
{
	eng_auth *a = &c->auth;
	size_t i;

	for (i = 0; i < a->nids; i++) {
		free(a->ids[i]);
		free(a->id_certs[i]);
	}
	free(a->ids);
	free(a->id_certs);
	a->ids = a->id_certs = NULL;
	a->nids = 0;
	util_list_free(a->cfg_ids);
	util_list_free(a->cfg_certs);
	a->cfg_ids = a->cfg_certs = NULL;
	free(a->agent);
	a->agent = NULL;
	free(a->cert_problem);
	a->cert_problem = NULL;
	util_secure_free(a->secret);
	a->secret = NULL;
	eng__realm_conn_gone(c->ctx, c);
}

static void
next_method(eng_conn *c)
{
	/* Leaving a realm this conn was asking for: another host may ask. */
	if (c->auth.realm != NULL)
		eng__realm_result(c, NULL, ENG_REALM_GIVE_UP);
	c->auth.realm = NULL;
	c->auth.idx++;
	c->auth.sub = 0;
	c->auth.tries = 0;
}

/* After a denial libssh holds the server's "can continue" list. */
static void
learn_methods(eng_conn *c)
{
	c->auth.methods = ssh_userauth_list(c->s, NULL);
	c->auth.known = 1;
}

static int
auth_error(eng_conn *c)
{
	eng__conn_fail(c, ENG_FAIL_AUTH, "authentication error: %s",
	    eng__ssh_error(c, "no reason given"));
	return -1;
}

/* ---- prompt answers ---- */

static void
on_password(eng_conn *c, char *answer)
{
	if (answer == NULL) {
		eng__realm_result(c, NULL, ENG_REALM_DECLINE);
		next_method(c);
	} else {
		util_secure_free(c->auth.secret);
		c->auth.secret = answer;
		c->auth.from_realm = 0;
		c->auth.sub = 1;
	}
	eng__conn_kick(c);
}

static void
on_kbdint(eng_conn *c, char *answer)
{
	eng_auth *a = &c->auth;

	if (answer == NULL) {
		eng__realm_result(c, NULL, ENG_REALM_DECLINE);
		next_method(c);
	} else {
		ssh_userauth_kbdint_setanswer(c->s, (unsigned)a->kbd_i, answer);
		/* Kept until the server's verdict, to share it if accepted. */
		util_secure_free(a->secret);
		a->secret = answer;
		a->from_realm = 0;
		a->kbd_i++;
	}
	eng__conn_kick(c);
}

/* s with every occurrence of name replaced by "%h" (for realm keys). */
static char *
without_host(const char *s, const char *name)
{
	size_t n = name != NULL ? strlen(name) : 0, len = 0;
	char *out = util_xmalloc(strlen(s) * 2 + 1);
	const char *p = s, *hit;

	while (n > 0 && (hit = strstr(p, name)) != NULL) {
		memcpy(out + len, p, (size_t)(hit - p));
		len += (size_t)(hit - p);
		memcpy(out + len, "%h", 2);
		len += 2;
		p = hit + n;
	}
	strcpy(out + len, p);
	return out;
}

/* ---- methods: each returns 1 success, 0 in progress, -1 failed, 2 next ---- */

/* Did the user set the method order (not the built-in one)? */
static int
order_given(const eng_conn *c)
{
	static const eng_auth_method def[] = { ENG_AUTH_AGENT, ENG_AUTH_KEY,
		ENG_AUTH_PASSWORD, ENG_AUTH_KBDINT, ENG_AUTH_END };
	size_t i;

	for (i = 0; i < sizeof(def) / sizeof(def[0]); i++)
		if (c->auth_order[i] != def[i])
			return 1;
	return 0;
}

static int
step_agent(eng_conn *c)
{
	eng_auth *a = &c->auth;
	const char *sock = getenv("SSH_AUTH_SOCK");
	int rc;

	if (!(a->methods & SSH_AUTH_METHOD_PUBLICKEY))
		return 2;
	/*
	 * IdentitiesOnly: the agent would offer keys the config does not
	 * name (libssh cannot ask it for one key), so it is left out; the
	 * files are tried themselves. An order the user gave (--auth agent)
	 * wins, as `ssh -o` wins over the config.
	 */
	if ((a->ids_only && !order_given(c)) ||
	    (a->agent != NULL && strcmp(a->agent, "none") == 0))
		return 2;
	if (a->agent != NULL && strcmp(a->agent, "SSH_AUTH_SOCK") != 0) {
		sock = a->agent;
		if (a->sub == 0 && ssh_options_set(c->s, SSH_OPTIONS_IDENTITY_AGENT, sock) < 0)
			return 2;
		a->sub = 1;
	}
	if (sock == NULL || *sock == '\0') {
		note_tried(c, "agent (SSH_AUTH_SOCK not set)");
		return 2;
	}
	note_tried(c, "agent");
	rc = ssh_userauth_agent(c->s, NULL);
	switch (rc) {
	case SSH_AUTH_AGAIN:
		return 0;
	case SSH_AUTH_SUCCESS:
		return 1;
	case SSH_AUTH_PARTIAL:
		learn_methods(c);
		return 2;
	case SSH_AUTH_DENIED:
		learn_methods(c);
		return 2;
	case SSH_AUTH_ERROR:
		/* An agent problem is not the server's: go on unless the link died. */
		if (!ssh_is_connected(c->s))
			return auth_error(c);
		ENG_LOG(c->ctx, "%s: agent: %s", c->name, eng__ssh_error(c, "no reason given"));
		return 2;
	default:
		return 2;
	}
}

/* The next attempt's certificate: NULL when it has none or is skipped. */
static int
attempt_cert(eng_conn *c)
{
	eng_auth *a = &c->auth;
	char *why;

	a->cert = NULL;
	if (a->id_certs[a->id] == NULL)
		return 0;
	a->cert = eng__cert_get(c->ctx, a->id_certs[a->id]);
	why = eng__cert_problem(a->cert, c->login, time(NULL));
	if (why == NULL && a->cert->cert == NULL)
		why = util_xasprintf("certificate %s: unusable", a->cert->path);
	if (why != NULL) {
		/* Not offered: the server would refuse it without saying why. */
		ENG_LOG(c->ctx, "%s: %s", c->name, why);
		if (a->cert_problem == NULL)
			a->cert_problem = why;
		else
			free(why);
		a->cert = NULL;
		return -1;
	}
	note_tried(c, "certificate");
	return 0;
}

static int
step_key(eng_conn *c)
{
	eng_auth *a = &c->auth;
	eng_key *k;
	ssh_key signer;
	int rc;

	if (!(a->methods & SSH_AUTH_METHOD_PUBLICKEY))
		return 2;
	for (;;) {
		if (!(a->methods & SSH_AUTH_METHOD_PUBLICKEY))
			return 2;
		if (a->sub == 0) {
			if (a->id >= a->nids)
				return 2;
			a->key = k = eng__key_get(c->ctx, a->ids[a->id]);
			if (k->st == ENG_KEY_UNUSABLE) {
				if (k->transient)
					note_tried(c, "publickey (too many open files)");
				a->id++;
				continue;
			}
			if (attempt_cert(c) < 0) {
				a->id++;
				continue;
			}
			note_tried(c, "publickey");
			/* A loaded key signs straight away: one round trip, not two. */
			if (k->st == ENG_KEY_READY)
				a->sub = 2;
			else
				a->sub = k->pub != NULL || a->cert != NULL ? 1 : 3;
		}
		k = a->key;
		switch (a->sub) {
		case 1:   /* would the server take this key? (no passphrase yet) */
			rc = ssh_userauth_try_publickey(c->s, NULL,
			    a->cert != NULL ? a->cert->cert : k->pub);
			if (rc == SSH_AUTH_AGAIN)
				return 0;
			if (rc == SSH_AUTH_ERROR)
				return auth_error(c);
			if (rc != SSH_AUTH_SUCCESS) {
				learn_methods(c);
				a->id++;
				a->sub = 0;
				continue;
			}
			a->sub = 3;
			/* FALLTHROUGH */
		case 3:   /* need the private key */
			if (k->st == ENG_KEY_READY) {
				a->sub = 2;
				continue;
			}
			if (k->st == ENG_KEY_UNUSABLE) {
				ENG_LOG(c->ctx, "%s: skipping %s: %s", c->name, k->path,
				    k->error != NULL ? k->error : "unusable");
				a->id++;
				a->sub = 0;
				continue;
			}
			eng__key_unlock(k, c);
			return 0;
		case 2:
			signer = k->priv;
			if (a->cert != NULL && (signer = eng__cert_signer(a->cert, k)) == NULL) {
				a->id++;
				a->sub = 0;
				continue;
			}
			rc = ssh_userauth_publickey(c->s, NULL, signer);
			if (rc == SSH_AUTH_AGAIN)
				return 0;
			if (rc == SSH_AUTH_SUCCESS)
				return 1;
			if (rc == SSH_AUTH_ERROR)
				return auth_error(c);
			learn_methods(c);
			if (rc == SSH_AUTH_PARTIAL)
				return 2;
			a->id++;
			a->sub = 0;
			continue;
		default:
			return 2;
		}
	}
}

static int
step_password(eng_conn *c)
{
	eng_auth *a = &c->auth;
	char *text, *key, *shared = NULL;
	int rc, how, own = 1;

	if (!(a->methods & SSH_AUTH_METHOD_PASSWORD))
		return 2;
	note_tried(c, "password");
	if (a->sub == 0) {
		key = util_xasprintf("password\n%s", c->login != NULL ? c->login : "");
		how = eng__realm_get(c, key, &shared);
		free(key);
		if (how == ENG_REALM_WAIT)
			return 0;
		if (how == ENG_REALM_DECLINED)
			return 2;
		if (how == ENG_REALM_USE) {
			util_secure_free(a->secret);
			a->secret = shared;
			a->from_realm = 1;
			a->sub = 1;
		} else {
			text = util_xasprintf("%s@%s's password: ",
			    c->login != NULL ? c->login : "?", c->name);
			eng__conn_prompt(c, ENG_PROMPT_PASSWORD, text, c->name, 0, on_password);
			free(text);
			return 0;
		}
	}
	rc = ssh_userauth_password(c->s, NULL, a->secret);
	if (rc == SSH_AUTH_AGAIN)
		return 0;
	if (rc == SSH_AUTH_SUCCESS || rc == SSH_AUTH_PARTIAL)
		eng__realm_result(c, a->secret, ENG_REALM_OK);
	else if (rc == SSH_AUTH_DENIED)
		own = eng__realm_result(c, a->secret, ENG_REALM_REJECTED);
	util_secure_free(a->secret);
	a->secret = NULL;
	if (rc == SSH_AUTH_SUCCESS)
		return 1;
	if (rc == SSH_AUTH_ERROR)
		return auth_error(c);
	learn_methods(c);
	if (rc == SSH_AUTH_PARTIAL)
		return 2;
	/* Denied: ask again, as ssh does, up to three times. */
	if ((own ? ++a->tries : a->tries) < 3) {
		a->sub = 0;
		return step_password(c);
	}
	eng__realm_result(c, NULL, ENG_REALM_GIVE_UP);
	return 2;
}

static int
step_kbdint(eng_conn *c)
{
	eng_auth *a = &c->auth;
	const char *prompt, *instr;
	char echo = 0;
	int rc, own;

	if (!(a->methods & SSH_AUTH_METHOD_INTERACTIVE))
		return 2;
	note_tried(c, "keyboard-interactive");
	for (;;) {
		if (a->sub == 0) {
			rc = ssh_userauth_kbdint(c->s, NULL, NULL);
			if (rc == SSH_AUTH_AGAIN)
				return 0;
			/* The verdict on a shared (or sharable) answer. */
			own = 1;
			if (a->secret != NULL && rc != SSH_AUTH_ERROR) {
				own = eng__realm_result(c, a->secret, rc == SSH_AUTH_DENIED ?
				    ENG_REALM_REJECTED : ENG_REALM_OK);
				util_secure_free(a->secret);
				a->secret = NULL;
			}
			if (rc == SSH_AUTH_SUCCESS)
				return 1;
			if (rc == SSH_AUTH_ERROR)
				return auth_error(c);
			if (rc == SSH_AUTH_PARTIAL) {
				learn_methods(c);
				return 2;
			}
			if (rc != SSH_AUTH_INFO) {
				learn_methods(c);
				if ((own ? ++a->tries : a->tries) < 3)
					continue;
				eng__realm_result(c, NULL, ENG_REALM_GIVE_UP);
				return 2;
			}
			a->kbd_n = ssh_userauth_kbdint_getnprompts(c->s);
			a->kbd_i = 0;
			a->sub = 1;
		}
		if (a->kbd_i >= a->kbd_n) {
			a->sub = 0;   /* all answered (or none asked): send */
			continue;
		}
		prompt = ssh_userauth_kbdint_getprompt(c->s, (unsigned)a->kbd_i, &echo);
		instr = ssh_userauth_kbdint_getinstruction(c->s);
		/* One hidden answer: shared with the realm's other hosts. */
		if (a->kbd_n == 1 && !echo) {
			char *p1 = without_host(prompt != NULL ? prompt : "", c->name);
			char *p2 = without_host(p1, c->host);
			char *key = util_xasprintf("kbdint\n%s\n%s\n%s",
			    c->login != NULL ? c->login : "", instr != NULL ? instr : "", p2);
			char *shared = NULL;
			int how = eng__realm_get(c, key, &shared);

			free(p1);
			free(p2);
			free(key);
			if (how == ENG_REALM_WAIT)
				return 0;
			if (how == ENG_REALM_DECLINED)
				return 2;
			if (how == ENG_REALM_USE) {
				ssh_userauth_kbdint_setanswer(c->s, (unsigned)a->kbd_i, shared);
				util_secure_free(a->secret);
				a->secret = shared;
				a->from_realm = 1;
				a->kbd_i++;
				continue;
			}
		}
		if (!(a->kbd_n == 1 && !echo)) {
			/* Asked for this host only. */
			if (a->realm != NULL)
				eng__realm_result(c, NULL, ENG_REALM_GIVE_UP);
			a->realm = NULL;
		}
		eng__conn_prompt(c, ENG_PROMPT_KBDINT, prompt != NULL ? prompt : "",
		    instr != NULL && *instr ? instr : NULL, echo != 0, on_kbdint);
		return 0;
	}
}

static int
order_has_publickey(const eng_conn *c)
{
	int i;

	for (i = 0; i < ENG_AUTH_MAX && c->auth_order[i] != ENG_AUTH_END; i++)
		if (c->auth_order[i] == ENG_AUTH_AGENT || c->auth_order[i] == ENG_AUTH_KEY)
			return 1;
	return 0;
}

int
eng__auth_step(eng_conn *c)
{
	eng_auth *a = &c->auth;
	eng_auth_method m;
	int r, rc;

	if (a->waiting_key || a->waiting_realm || c->prompt_out)
		return 0;
	if (!a->started) {
		a->started = 1;
		build_ids(c);
		a->phase = PH_METHODS;
		a->idx = 0;
		a->sub = 0;
		/* Public key first: let its answer carry the method list. */
		if (order_has_publickey(c))
			a->methods = SSH_AUTH_METHOD_PUBLICKEY;
		else
			a->phase = PH_NONE;
	}
	for (;;) {
		if (a->phase == PH_NONE) {
			rc = ssh_userauth_none(c->s, NULL);
			if (rc == SSH_AUTH_AGAIN)
				return 0;
			if (rc == SSH_AUTH_SUCCESS)
				return 1;
			if (rc == SSH_AUTH_ERROR)
				return auth_error(c);
			learn_methods(c);
			a->phase = PH_METHODS;
		}
		m = a->idx < ENG_AUTH_MAX ? c->auth_order[a->idx] : ENG_AUTH_END;
		/* Before prompting for a secret, or giving up: what does it allow? */
		if (!a->known && m != ENG_AUTH_AGENT && m != ENG_AUTH_KEY) {
			a->phase = PH_NONE;
			continue;
		}
		switch (m) {
		case ENG_AUTH_AGENT:
			r = step_agent(c);
			break;
		case ENG_AUTH_KEY:
			r = step_key(c);
			break;
		case ENG_AUTH_PASSWORD:
			r = step_password(c);
			break;
		case ENG_AUTH_KBDINT:
			r = step_kbdint(c);
			break;
		default: {
			char allowed[96] = "";
			int ms = a->methods;

			size_t al;

			snprintf(allowed, sizeof(allowed), "%s%s%s%s",
			    ms & SSH_AUTH_METHOD_PUBLICKEY ? "publickey " : "",
			    ms & SSH_AUTH_METHOD_PASSWORD ? "password " : "",
			    ms & SSH_AUTH_METHOD_INTERACTIVE ? "keyboard-interactive " : "",
			    ms & SSH_AUTH_METHOD_HOSTBASED ? "hostbased " : "");
			al = strlen(allowed);
			if (al > 0)
				allowed[al - 1] = '\0';   /* no trailing space */
			eng__conn_fail(c, ENG_FAIL_AUTH,
			    "authentication failed for %s (tried: %s; server allows: %s)%s%s",
			    c->login != NULL ? c->login : "?",
			    a->tried[0] ? a->tried : "nothing usable", allowed,
			    a->cert_problem != NULL ? "; " : "",
			    a->cert_problem != NULL ? a->cert_problem : "");
			return -1;
		}
		}
		if (r != 2)
			return r;
		ENG_LOG(c->ctx, "%s: %s did not authenticate", c->name, method_name(m));
		next_method(c);
	}
}
