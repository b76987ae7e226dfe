/*
 * engine/sshcfg.c - a session's ssh_config, resolved by sshres.c exactly as
 * OpenSSH's ssh resolves it and applied to the libssh session and the conn.
 *
 * libssh 0.10's own parser is not used: it differs from OpenSSH where
 * fleets notice (it loses hosts after two Include lines in a row, matches
 * later Host lines against an earlier HostName, keeps only the first
 * IdentityFile, ignores IdentitiesOnly, CertificateFile, ServerAlive*,
 * and refuses names like "my_host" in ProxyJump), and it re-read and
 * re-parsed the whole file for every session. Here each file is parsed
 * once per context (again when stat says it changed) and every session
 * only walks its lines.
 *
 * What goes where: HostName, User, Port, the first UserKnownHostsFile and
 * GlobalKnownHostsFile, the algorithm lists (when the config sets them)
 * and a ProxyCommand go to the libssh session, where conn.c's inventory
 * values may override them; ProxyJump becomes the conn's jump spec unless
 * the inventory gave one; identities, certificates, IdentitiesOnly and
 * IdentityAgent go to auth.c; StrictHostKeyChecking (accept-new), ConnectTimeout
 * and ServerAlive* adjust the conn's own settings where drover's are still
 * the built-in defaults (an inventory or command-line value wins, as
 * `ssh -o` does). Keywords that would change the connection but are not
 * applied are named once per context in a warning.
 *
 * A Match exec command runs as ssh runs it: synchronously, here on the
 * loop thread, once per session that reaches it (configs use it for quick
 * tests such as "is this network up"; a slow one delays every session).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "engine/engine_int.h"
#include "engine/sshres.h"

struct eng_sshcfg {
	eng_sshres_cache cache;
	char *warned;               /* ",kw,kw," already named in a warning */
};

/* The ProxyJump stand-ins of the former libssh-parsed path: none now. */
const char *
eng__sshcfg_jump_spec(eng_ctx *ctx, const char *hop)
{
	(void)ctx;
	(void)hop;
	return NULL;
}

static eng_sshcfg *
cfg_state(eng_ctx *ctx)
{
	if (ctx->sshcfgs == NULL)
		ctx->sshcfgs = util_xcalloc(1, sizeof(eng_sshcfg));
	return ctx->sshcfgs;
}

/* Names the keywords not named before in this context; once each. */
static void
cfg_warn(eng_conn *c, const char *list)
{
	eng_sshcfg *st = cfg_state(c->ctx);
	char *dup = util_xstrdup(list), *cp = dup, *kw, *fresh = NULL, *t, *key;

	while ((kw = strsep(&cp, ",")) != NULL) {
		kw += strspn(kw, " ");
		if (*kw == '\0')
			continue;
		key = util_xasprintf(",%s,", kw);
		if (st->warned == NULL || strstr(st->warned, key) == NULL) {
			t = util_xasprintf("%s%s", st->warned != NULL ? st->warned : ",", key + 1);
			free(st->warned);
			st->warned = t;
			t = util_xasprintf("%s%s%s", fresh != NULL ? fresh : "",
			    fresh != NULL ? ", " : "", kw);
			free(fresh);
			fresh = t;
		}
		free(key);
	}
	free(dup);
	if (fresh == NULL)
		return;
	t = util_xasprintf("ssh config for %s uses %s, which drover does not apply",
	    c->name, fresh);
	ENG_LOG(c->ctx, "%s", t);
	if (c->ctx->opts.warn != NULL)
		c->ctx->opts.warn(c->name, t, c->ctx->opts.prompt_ud);
	free(t);
	free(fresh);
}

static int cfg_fail(eng_conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
cfg_fail(eng_conn *c, const char *fmt, ...)
{
	va_list ap;
	char *msg = NULL;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	eng__conn_fail(c, ENG_FAIL_CONFIG, "%s", msg != NULL ? msg : "ssh config");
	free(msg);
	return -1;
}

/* A hop list without ssh:// forms, for jump.c: "u@h:p,[::1]:22". */
static char *
jump_plain(const char *spec)
{
	char *dup = util_xstrdup(spec), *cp = dup, *hop, *out = NULL, *t, *h;
	size_t n;

	while ((hop = strsep(&cp, ",")) != NULL) {
		if (strncmp(hop, "ssh://", 6) == 0) {
			hop += 6;
			n = strlen(hop);
			if (n > 0 && hop[n - 1] == '/')
				hop[n - 1] = '\0';
		}
		h = hop;
		t = util_xasprintf("%s%s%s", out != NULL ? out : "", out != NULL ? "," : "", h);
		free(out);
		out = t;
	}
	free(dup);
	return out;
}

static int
set_algos(eng_conn *c, int which, const char *spec, enum ssh_options_e opt,
    enum ssh_options_e opt2, const char *kw)
{
	char *err = NULL, *list;
	int rc = 0;

	if (spec == NULL)
		return 0;
	if ((list = eng__sshres_algos(which, spec, &err)) == NULL) {
		rc = cfg_fail(c, "ssh config: %s: %s", kw, err);
	} else if (ssh_options_set(c->s, opt, list) < 0 ||
	    (opt2 != opt && ssh_options_set(c->s, opt2, list) < 0)) {
		rc = cfg_fail(c, "ssh config: %s %s: none that drover supports", kw, spec);
	}
	free(err);
	free(list);
	return rc;
}

/* Expanded paths of list into *out (NULL-terminated); -1 on a bad token. */
static int
expand_list(eng_conn *c, const eng_sshres_in *in, const eng_sshres *r,
    char *const *list, int n, char ***out, const char *kw)
{
	char *err = NULL, *v;
	int i;

	*out = util_xcalloc((size_t)n + 1, sizeof(char *));
	for (i = 0; i < n; i++) {
		if ((v = eng__sshres_expand(in, r, list[i], &err)) == NULL) {
			cfg_fail(c, "ssh config: %s: %s", kw, err);
			free(err);
			return -1;
		}
		(*out)[i] = v;
	}
	return 0;
}

/*
 * A known_hosts list: the first file to libssh (opt), the rest into *more
 * for knownhosts.c. "none" alone means no file. -1 on a bad token.
 */
static int
known_hosts(eng_conn *c, const eng_sshres_in *in, const eng_sshres *r, char *const *list,
    int n, enum ssh_options_e opt, util_strv *more, const char *kw)
{
	char **v = NULL;
	int i;

	util_strv_clear(more);
	if (n == 0 || strcasecmp(list[0], "none") == 0)
		return 0;
	if (expand_list(c, in, r, list, n, &v, kw) < 0) {
		util_list_free(v);
		return -1;
	}
	ssh_options_set(c->s, opt, v[0]);
	for (i = 1; i < n; i++)
		util_strv_push(more, v[i]);
	util_list_free(v);
	return 0;
}

static int
cfg_apply(eng_conn *c, const eng_sshres_in *in, eng_sshres *r)
{
	eng_auth *a = &c->auth;
	char *err = NULL;
	int port = r->port, rc = -1;

	/* A label keeps libssh's stand-in unless a HostName names the host. */
	if (!(c->label && strcasecmp(r->hostname, c->name) == 0) &&
	    ssh_options_set(c->s, SSH_OPTIONS_HOST, r->hostname) < 0) {
		cfg_fail(c, "ssh config: HostName '%s' is not a host name", r->hostname);
		goto out;
	}
	if (ssh_options_set(c->s, SSH_OPTIONS_USER, r->user) < 0) {
		cfg_fail(c, "ssh config: bad User '%s'", r->user);
		goto out;
	}
	ssh_options_set(c->s, SSH_OPTIONS_PORT, &port);
	if (known_hosts(c, in, r, r->ukh, r->nukh, SSH_OPTIONS_KNOWNHOSTS, &c->kh_user_more,
	    "UserKnownHostsFile") < 0 ||
	    known_hosts(c, in, r, r->gkh, r->ngkh, SSH_OPTIONS_GLOBAL_KNOWNHOSTS,
	    &c->kh_global_more, "GlobalKnownHostsFile") < 0)
		goto out;
	if (set_algos(c, ENG_ALGO_HOSTKEY, r->hostkey_algs, SSH_OPTIONS_HOSTKEYS,
	    SSH_OPTIONS_HOSTKEYS, "HostKeyAlgorithms") < 0 ||
	    set_algos(c, ENG_ALGO_KEX, r->kex_algs, SSH_OPTIONS_KEY_EXCHANGE,
	    SSH_OPTIONS_KEY_EXCHANGE, "KexAlgorithms") < 0 ||
	    set_algos(c, ENG_ALGO_CIPHER, r->ciphers, SSH_OPTIONS_CIPHERS_C_S,
	    SSH_OPTIONS_CIPHERS_S_C, "Ciphers") < 0)
		goto out;
	/* jump.c refuses a ProxyCommand it cannot read as a jump, by name. */
	if (r->proxy_command != NULL && strcasecmp(r->proxy_command, "none") != 0)
		ssh_options_set(c->s, SSH_OPTIONS_PROXYCOMMAND, r->proxy_command);
	if (r->jump != NULL && strcasecmp(r->jump, "none") != 0 &&
	    (c->jump == NULL || *c->jump == '\0')) {
		free(c->jump);
		c->jump = jump_plain(r->jump);
	}
	if (expand_list(c, in, r, r->ids, r->nids, &a->cfg_ids, "IdentityFile") < 0 ||
	    expand_list(c, in, r, r->certs, r->ncerts, &a->cfg_certs, "CertificateFile") < 0)
		goto out;
	a->ids_only = r->ids_only > 0;
	free(a->agent);
	a->agent = NULL;
	if (r->agent != NULL) {
		if (strcmp(r->agent, "none") == 0 || strcmp(r->agent, "SSH_AUTH_SOCK") == 0)
			a->agent = util_xstrdup(r->agent);
		else if (r->agent[0] == '$' && r->agent[1] != '{')
			a->agent = util_xstrdup(getenv(r->agent + 1) != NULL ?
			    getenv(r->agent + 1) : "none");
		else if ((a->agent = eng__sshres_expand(in, r, r->agent, &err)) == NULL) {
			cfg_fail(c, "ssh config: IdentityAgent: %s", err);
			goto out;
		}
	}
	/*
	 * accept-new (and "no", which still fails a changed key: host keys
	 * fail closed) records unknown keys. "yes" and "ask" leave drover's
	 * own rule: unknown keys refused unless the front end asks.
	 */
	if (r->strict == ENG_STRICT_NEW || r->strict == ENG_STRICT_OFF)
		c->accept_new = 1;
	if (r->connect_timeout > 0 && c->connect_timeout_ms == ENG_DEFAULT_CONNECT_TIMEOUT_MS)
		c->connect_timeout_ms = r->connect_timeout * 1000;
	if (r->alive_interval > 0 && c->keepalive_ms == ENG_DEFAULT_KEEPALIVE_MS)
		c->keepalive_ms = r->alive_interval * 1000;
	if (r->alive_count > 0)
		c->ka_max = r->alive_count;
	if (r->unsupported != NULL)
		cfg_warn(c, r->unsupported);
	rc = 0;
out:
	free(err);
	return rc;
}

int
eng__sshcfg_parse(eng_conn *c, const char *path)
{
	eng_ctx *ctx = c->ctx;
	eng_sshres_in in;
	eng_sshres r;
	char *home = NULL, *cfg = NULL, *slash;
	int rc;

	eng__ctx_local_account(ctx);
	memset(&in, 0, sizeof(in));
	if (ctx->local_ssh_dir != NULL) {
		home = util_xstrdup(ctx->local_ssh_dir);
		if ((slash = strrchr(home, '/')) != NULL && slash != home)
			*slash = '\0';
	} else {
		home = util_xstrdup(getenv("HOME") != NULL ? getenv("HOME") : "/");
	}
	if (path != NULL && strncmp(path, "~/", 2) == 0)
		cfg = util_xasprintf("%s/%s", home, path + 2);
	in.config = cfg != NULL ? cfg : path;
	in.host = c->name;
	in.home = home;
	in.local_user = ctx->local_user != NULL ? ctx->local_user : "";
	in.uid = getuid();
	in.run_exec = 1;
	/* The inventory's (or -l/-p) user and port: as ssh -l and -p. */
	in.user = c->user;
	in.port = c->port;
	if (eng__sshres_resolve(&cfg_state(ctx)->cache, &in, &r) != 0) {
		eng__conn_fail(c, ENG_FAIL_CONFIG, "ssh config: %s", r.error);
		rc = -1;
	} else {
		rc = cfg_apply(c, &in, &r);
	}
	eng__sshres_clear(&r);
	free(cfg);
	free(home);
	return rc;
}

void
eng__sshcfg_free(eng_ctx *ctx)
{
	eng_sshcfg *st = ctx->sshcfgs;

	if (st != NULL) {
		eng__sshres_cache_free(&st->cache);
		free(st->warned);
		free(st);
	}
	ctx->sshcfgs = NULL;
	if (ctx->sshcfg_fd >= 0)
		close(ctx->sshcfg_fd);
	ctx->sshcfg_fd = -1;
}
