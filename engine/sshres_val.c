/*
 * engine/sshres_val.c - the value rules of OpenSSH's ssh_config (9.2p1,
 * the version Debian 12 ships and the differential test runs): pattern
 * matching, times, algorithm lists with their + - ^ forms, %-tokens, ~ and
 * ${VAR}, ProxyJump syntax, the defaults ssh fills in, and the ssh -G
 * style dump. Each function follows the OpenSSH function named in its
 * comment; the algorithm tables are OpenSSH's (`ssh -Q`, `ssh -G`), since
 * the resolution must equal ssh's even where libssh supports fewer
 * (sshcfg.c hands libssh the result and libssh keeps what it knows).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "engine/engine_int.h"
#include "engine/sshres.h"

/* ---- patterns (match.c) ---- */

int
eng__sshres_match(const char *s, const char *p)
{
	for (;;) {
		if (*p == '\0')
			return *s == '\0';
		if (*p == '*') {
			while (*p == '*')
				p++;
			if (*p == '\0')
				return 1;
			for (; *s != '\0'; s++)
				if (eng__sshres_match(s, p))
					return 1;
			return 0;
		}
		if (*s == '\0')
			return 0;
		if (*p != '?' && *p != *s)
			return 0;
		s++;
		p++;
	}
}

int
eng__sshres_match_list(const char *s, const char *list, int dolower)
{
	char sub[1024];
	size_t i = 0, len = strlen(list), j;
	int neg, hit = 0;

	while (i < len) {
		neg = list[i] == '!';
		if (neg)
			i++;
		for (j = 0; i < len && j < sizeof(sub) - 1 && list[i] != ','; i++, j++)
			sub[j] = dolower && isupper((unsigned char)list[i]) ?
			    (char)tolower((unsigned char)list[i]) : list[i];
		if (j >= sizeof(sub) - 1)
			return 0;   /* OpenSSH: too long, no match */
		if (i < len && list[i] == ',')
			i++;
		sub[j] = '\0';
		if (eng__sshres_match(s, sub)) {
			if (neg)
				return -1;
			hit = 1;
		}
	}
	return hit;
}

/* ---- times (misc.c convtime) ---- */

long
eng__sshres_convtime(const char *s)
{
	long total = 0, secs, mult;
	const char *p = s;
	char *end;

	if (s == NULL || *s == '\0')
		return -1;
	while (*p != '\0') {
		if (!isdigit((unsigned char)*p))
			return -1;
		secs = strtol(p, &end, 10);
		if (end == p || secs < 0 || secs == LONG_MAX)
			return -1;
		switch (*end) {
		case '\0':
			mult = 1;
			end--;
			break;
		case 's': case 'S':
			mult = 1;
			break;
		case 'm': case 'M':
			mult = 60;
			break;
		case 'h': case 'H':
			mult = 3600;
			break;
		case 'd': case 'D':
			mult = 86400;
			break;
		case 'w': case 'W':
			mult = 604800;
			break;
		default:
			return -1;
		}
		if (secs > INT_MAX / mult)
			return -1;
		secs *= mult;
		if (total > INT_MAX - secs)
			return -1;
		total += secs;
		p = end + 1;
	}
	return total;
}

/* ---- algorithm lists (kex.c kex_assemble_names) ---- */

static const char *const all_lists[] = {
	[ENG_ALGO_CIPHER] = "3des-cbc,aes128-cbc,aes192-cbc,aes256-cbc,aes128-ctr,"
	    "aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com,"
	    "chacha20-poly1305@openssh.com",
	[ENG_ALGO_KEX] = "diffie-hellman-group1-sha1,diffie-hellman-group14-sha1,"
	    "diffie-hellman-group14-sha256,diffie-hellman-group16-sha512,"
	    "diffie-hellman-group18-sha512,diffie-hellman-group-exchange-sha1,"
	    "diffie-hellman-group-exchange-sha256,ecdh-sha2-nistp256,ecdh-sha2-nistp384,"
	    "ecdh-sha2-nistp521,curve25519-sha256,curve25519-sha256@libssh.org,"
	    "sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com",
	[ENG_ALGO_HOSTKEY] = "ssh-ed25519,ssh-ed25519-cert-v01@openssh.com,"
	    "sk-ssh-ed25519@openssh.com,sk-ssh-ed25519-cert-v01@openssh.com,"
	    "ecdsa-sha2-nistp256,ecdsa-sha2-nistp256-cert-v01@openssh.com,"
	    "ecdsa-sha2-nistp384,ecdsa-sha2-nistp384-cert-v01@openssh.com,"
	    "ecdsa-sha2-nistp521,ecdsa-sha2-nistp521-cert-v01@openssh.com,"
	    "sk-ecdsa-sha2-nistp256@openssh.com,sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,"
	    "webauthn-sk-ecdsa-sha2-nistp256@openssh.com,ssh-dss,"
	    "ssh-dss-cert-v01@openssh.com,ssh-rsa,ssh-rsa-cert-v01@openssh.com,"
	    "rsa-sha2-256,rsa-sha2-256-cert-v01@openssh.com,rsa-sha2-512,"
	    "rsa-sha2-512-cert-v01@openssh.com",
};

static const char *const default_lists[] = {
	[ENG_ALGO_CIPHER] = "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,"
	    "aes256-ctr,aes128-gcm@openssh.com,aes256-gcm@openssh.com",
	[ENG_ALGO_KEX] = "sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,"
	    "curve25519-sha256,curve25519-sha256@libssh.org,ecdh-sha2-nistp256,"
	    "ecdh-sha2-nistp384,ecdh-sha2-nistp521,diffie-hellman-group-exchange-sha256,"
	    "diffie-hellman-group16-sha512,diffie-hellman-group18-sha512,"
	    "diffie-hellman-group14-sha256",
	[ENG_ALGO_HOSTKEY] = "ssh-ed25519-cert-v01@openssh.com,"
	    "ecdsa-sha2-nistp256-cert-v01@openssh.com,ecdsa-sha2-nistp384-cert-v01@openssh.com,"
	    "ecdsa-sha2-nistp521-cert-v01@openssh.com,sk-ssh-ed25519-cert-v01@openssh.com,"
	    "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com,rsa-sha2-512-cert-v01@openssh.com,"
	    "rsa-sha2-256-cert-v01@openssh.com,ssh-ed25519,ecdsa-sha2-nistp256,"
	    "ecdsa-sha2-nistp384,ecdsa-sha2-nistp521,sk-ssh-ed25519@openssh.com,"
	    "sk-ecdsa-sha2-nistp256@openssh.com,rsa-sha2-512,rsa-sha2-256",
};

/* Is name one element of the comma list? */
static int
in_list(const char *list, const char *name, size_t n)
{
	const char *p = list, *c;

	while (p != NULL && *p != '\0') {
		c = strchr(p, ',');
		if ((size_t)(c != NULL ? c - p : (ptrdiff_t)strlen(p)) == n &&
		    strncmp(p, name, n) == 0)
			return 1;
		p = c != NULL ? c + 1 : NULL;
	}
	return 0;
}

/* kex_names_cat: a, then b's names not in a (stopping at an empty one). */
static char *
names_cat(const char *a, const char *b)
{
	char *out, *cp, *dup, *p;
	size_t len;

	if (a == NULL || *a == '\0')
		return util_xstrdup(b);
	if (b == NULL || *b == '\0')
		return util_xstrdup(a);
	len = strlen(a) + strlen(b) + 2;
	out = util_xmalloc(len);
	strcpy(out, a);
	dup = cp = util_xstrdup(b);
	while ((p = strsep(&cp, ",")) != NULL && *p != '\0') {
		if (in_list(out, p, strlen(p)))
			continue;
		strcat(out, ",");
		strcat(out, p);
	}
	free(dup);
	return out;
}

/* match_filter_allowlist / denylist: proposal's names kept in its order. */
static char *
names_filter(const char *proposal, const char *filter, int deny)
{
	char *dup = util_xstrdup(proposal), *cp = dup, *p;
	char *out = util_xcalloc(1, strlen(proposal) + 1);
	int r;

	while ((p = strsep(&cp, ",")) != NULL) {
		r = eng__sshres_match_list(p, filter, 0);
		if ((deny && r != 1) || (!deny && r == 1)) {
			if (*out != '\0')
				strcat(out, ",");
			strcat(out, p);
		}
	}
	free(dup);
	return out;
}

int
eng__sshres_algos_valid(int which, const char *spec)
{
	char *dup, *cp, *p, *m;
	int ok = 1;

	if (*spec == '-')
		return 1;
	if (*spec == '+' || *spec == '^')
		spec++;
	dup = cp = util_xstrdup(spec);
	while (ok && (p = strsep(&cp, ",")) != NULL) {
		if (which == ENG_ALGO_HOSTKEY && strpbrk(p, "*?") != NULL) {
			/* sshkey_names_valid2: a wildcard must name some type. */
			m = names_filter(all_lists[which], p, 0);
			ok = *m != '\0';
			free(m);
		} else {
			ok = *p != '\0' && in_list(all_lists[which], p, strlen(p));
		}
	}
	free(dup);
	return ok;
}

char *
eng__sshres_algos(int which, const char *spec, char **err)
{
	const char *def = default_lists[which], *all = all_lists[which];
	char *list, *tmp, *ret = NULL, *dup, *cp, *p, *m;

	if (spec == NULL || *spec == '\0')
		return util_xstrdup(def);
	if (*spec == '-')
		return names_filter(def, spec + 1, 1);
	if (*spec == '+')
		list = names_cat(def, spec + 1);
	else if (*spec == '^')
		list = names_cat(spec + 1, def);
	else
		list = util_xstrdup(spec);
	dup = cp = list;
	while ((p = strsep(&cp, ",")) != NULL) {
		if (*p == '!') {
			free(ret);
			ret = NULL;
			break;
		}
		m = names_filter(all, p, 0);
		tmp = names_cat(ret, m);
		free(ret);
		free(m);
		ret = tmp;
	}
	free(dup);
	if (ret == NULL || *ret == '\0') {
		free(ret);
		*err = util_xasprintf("no usable algorithm in '%s'", spec);
		return NULL;
	}
	return ret;
}

/* ---- ProxyJump (readconf.c parse_jump, misc.c parse_user_host_port) ---- */

typedef struct hop {
	char *user, *host;
	int port;
} hop;

static void
hop_clear(hop *h)
{
	free(h->user);
	free(h->host);
	memset(h, 0, sizeof(*h));
}

static int
a2port(const char *s)
{
	char *end;
	long v;

	if (*s == '\0')
		return -1;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v <= 0 || v > 65535)
		return -1;
	return (int)v;
}

/* One hop: [ssh://][user@]host[:port][/], host possibly in [brackets]. */
static int
hop_parse(const char *spec, hop *h)
{
	char *dup, *s, *at, *hp, *port = NULL;
	int uri = strncmp(spec, "ssh://", 6) == 0, rc = -1;

	memset(h, 0, sizeof(*h));
	dup = util_xstrdup(uri ? spec + 6 : spec);
	s = dup;
	if (uri) {
		size_t n = strlen(s);

		if (n > 0 && s[n - 1] == '/')
			s[n - 1] = '\0';
		if (strchr(s, '/') != NULL)
			goto out;
	}
	if ((at = strrchr(s, '@')) != NULL) {
		*at = '\0';
		if (*s == '\0' || (uri && strchr(s, ';') != NULL))
			goto out;
		h->user = util_xstrdup(s);
		s = at + 1;
	}
	if (*s == '[') {
		if ((hp = strchr(s, ']')) == NULL)
			goto out;
		*hp = '\0';
		h->host = util_xstrdup(s + 1);
		s = hp + 1;
		if (*s == ':' || (!uri && *s == '/'))
			port = s + 1;
		else if (*s != '\0')
			goto out;
	} else {
		hp = s + strcspn(s, uri ? ":" : ":/");
		if (*hp != '\0') {
			*hp = '\0';
			port = hp + 1;
		}
		h->host = util_xstrdup(s);
	}
	if (*h->host == '\0')
		goto out;
	if (port != NULL && *port != '\0' && (h->port = a2port(port)) <= 0)
		goto out;
	rc = 0;
out:
	free(dup);
	if (rc != 0)
		hop_clear(h);
	return rc;
}

int
eng__sshres_jump_valid(const char *spec)
{
	char *dup = util_xstrdup(spec), *cp, *c;
	hop h;
	int rc = 0;

	if ((c = strchr(dup, '#')) != NULL)
		*c = '\0';
	for (c = dup + strlen(dup); c > dup && isspace((unsigned char)c[-1]); c--)
		c[-1] = '\0';
	if (strcasecmp(spec, "none") == 0)
		goto out;
	do {
		if ((cp = strrchr(dup, ',')) == NULL)
			cp = dup;
		else
			*cp++ = '\0';
		if (hop_parse(cp, &h) != 0) {
			rc = -1;
			break;
		}
		hop_clear(&h);
	} while (cp != dup);
out:
	free(dup);
	return rc;
}

/* The last hop's host (%j), or NULL. */
static char *
jump_last_host(const char *spec, hop *last)
{
	const char *c;

	memset(last, 0, sizeof(*last));
	if (spec == NULL || strcasecmp(spec, "none") == 0)
		return NULL;
	c = strrchr(spec, ',');
	if (hop_parse(c != NULL ? c + 1 : spec, last) != 0)
		return NULL;
	return last->host;
}

/* ---- tokens (misc.c percent_expand, dollar_expand, tilde_expand) ---- */

typedef struct tok {
	char key;
	const char *val;
} tok;

static char *
expand(const char *s, const tok *toks, int dollar, char **err)
{
	size_t cap = strlen(s) + 64, len = 0, n, i;
	char *out = util_xmalloc(cap), *name;
	const char *v, *end;

	for (; *s != '\0'; s++) {
		v = NULL;
		if (dollar && s[0] == '$' && s[1] == '{') {
			if ((end = strchr(s + 2, '}')) == NULL) {
				*err = util_xstrdup("unterminated ${");
				goto fail;
			}
			name = util_xasprintf("%.*s", (int)(end - s - 2), s + 2);
			v = getenv(name);
			if (v == NULL) {
				*err = util_xasprintf("environment variable ${%s} is not set", name);
				free(name);
				goto fail;
			}
			free(name);
			s = end;
		} else if (*s == '%') {
			s++;
			if (*s == '%') {
				v = "%";
			} else {
				for (i = 0; toks[i].key != 0; i++)
					if (toks[i].key == *s)
						break;
				if (toks[i].key == 0 || toks[i].val == NULL) {
					*err = *s == '\0' ? util_xstrdup("'%' at the end") :
					    util_xasprintf("unknown token %%%c", *s);
					goto fail;
				}
				v = toks[i].val;
			}
		}
		n = v != NULL ? strlen(v) : 1;
		if (len + n + 1 > cap) {
			cap = 2 * (len + n + 1);
			out = util_xrealloc(out, cap);
		}
		if (v != NULL)
			memcpy(out + len, v, n);
		else
			out[len] = *s;
		len += n;
	}
	out[len] = '\0';
	return out;
fail:
	free(out);
	return NULL;
}

char *
eng__sshres_expand_host(const char *hostname, const char *host, char **err)
{
	tok toks[] = { { 'h', host }, { 0, NULL } };

	return expand(hostname, toks, 0, err);
}

/* "~" and "~/..." (the account's home), "~user/...". */
static char *
tilde(const eng_sshres_in *in, const char *s, char **err)
{
	const char *slash;
	char *name;
	struct passwd *pw;

	if (*s != '~')
		return util_xstrdup(s);
	slash = strchr(s, '/');
	if (s[1] == '\0' || s[1] == '/')
		return util_xasprintf("%s%s", in->home, slash != NULL ? slash : "");
	name = util_xasprintf("%.*s", (int)(slash != NULL ? slash - s - 1 :
	    (ptrdiff_t)strlen(s + 1)), s + 1);
	pw = getpwnam(name);
	if (pw == NULL) {
		*err = util_xasprintf("~%s: no such user", name);
		free(name);
		return NULL;
	}
	free(name);
	return util_xasprintf("%s%s", pw->pw_dir, slash != NULL ? slash : "");
}

void
eng__sshres_local_names(eng_sshres_local *l, const eng_sshres_in *in, const char *host,
    int port, const char *user)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	EVP_MD_CTX *ctx;

	memset(l, 0, sizeof(*l));
	gethostname(l->thishost, sizeof(l->thishost) - 1);
	memcpy(l->shorthost, l->thishost, sizeof(l->shorthost));
	l->shorthost[strcspn(l->shorthost, ".")] = '\0';
	snprintf(l->port, sizeof(l->port), "%d", port > 0 ? port : 22);
	snprintf(l->uid, sizeof(l->uid), "%llu", (unsigned long long)in->uid);
	/* ssh_connection_hash: %C names a connection in ControlPath-like paths. */
	ctx = EVP_MD_CTX_new();
	if (ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, l->thishost, strlen(l->thishost)) == 1 &&
	    EVP_DigestUpdate(ctx, host != NULL ? host : "", host != NULL ? strlen(host) : 0) == 1 &&
	    EVP_DigestUpdate(ctx, l->port, strlen(l->port)) == 1 &&
	    EVP_DigestUpdate(ctx, user != NULL ? user : "", user != NULL ? strlen(user) : 0) == 1 &&
	    EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen == 20) {
		for (i = 0; i < mdlen; i++) {
			l->hash[2 * i] = hex[md[i] >> 4];
			l->hash[2 * i + 1] = hex[md[i] & 15];
		}
	}
	EVP_MD_CTX_free(ctx);
}

char *
eng__sshres_expand(const eng_sshres_in *in, const eng_sshres *r, const char *value,
    char **err)
{
	eng_sshres_local l;
	char *t, *out;
	/*
	 * ssh 9.2's set (DEFAULT_CLIENT_PERCENT_EXPAND_ARGS): %k is the host
	 * as typed (no HostKeyAlias here), and %j does not exist yet.
	 */
	tok toks[] = {
		{ 'C', l.hash }, { 'L', l.shorthost }, { 'i', l.uid }, { 'k', in->host },
		{ 'l', l.thishost }, { 'n', in->host }, { 'p', l.port }, { 'd', in->home },
		{ 'h', r->hostname }, { 'r', r->user }, { 'u', in->local_user }, { 0, NULL }
	};

	eng__sshres_local_names(&l, in, r->hostname, r->port, r->user);
	out = NULL;
	if ((t = tilde(in, value, err)) != NULL)
		out = expand(t, toks, 1, err);
	free(t);
	return out;
}

/* ---- defaults (readconf.c fill_default_options) ---- */

int
eng__sshres_is_addr(const char *s)
{
	unsigned char buf[16];

	/* is_addr_fast: what can only be an address (a '%' scope, a ':'). */
	return strchr(s, '%') != NULL || strchr(s, ':') != NULL ||
	    strspn(s, "0123456789.") == strlen(s) ||
	    inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

int
eng__sshres_finish(const eng_sshres_in *in, eng_sshres *r)
{
	static const char *const ids[] = { "~/.ssh/id_rsa", "~/.ssh/id_ecdsa",
		"~/.ssh/id_ecdsa_sk", "~/.ssh/id_ed25519", "~/.ssh/id_ed25519_sk",
		"~/.ssh/id_xmss", "~/.ssh/id_dsa" };
	char *h, *err = NULL, *p;
	size_t i;
	hop last;

	if (r->defaults_filled)
		return 0;
	r->defaults_filled = 1;
	r->host = util_xstrdup(in->host);
	if (r->hostname != NULL && r->hostname_final) {
		/* expanded before the second pass */
	} else if (r->hostname != NULL) {
		if ((h = eng__sshres_expand_host(r->hostname, in->host, &err)) == NULL) {
			r->error = util_xasprintf("HostName '%s': %s", r->hostname, err);
			free(err);
			return -1;
		}
		free(r->hostname);
		r->hostname = h;
	} else {
		r->hostname = util_xstrdup(in->host);
	}
	if (!eng__sshres_is_addr(r->hostname))
		for (p = r->hostname; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
	if (r->user == NULL)
		r->user = util_xstrdup(in->local_user);
	if (r->port <= 0)
		r->port = 22;
	if (r->nids == 0)
		for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
			r->ids[r->nids++] = util_xstrdup(ids[i]);
	if (r->ids_only < 0)
		r->ids_only = 0;
	if (r->nukh == 0) {
		r->ukh[r->nukh++] = util_xstrdup("~/.ssh/known_hosts");
		r->ukh[r->nukh++] = util_xstrdup("~/.ssh/known_hosts2");
	}
	if (r->ngkh == 0) {
		r->gkh[r->ngkh++] = util_xstrdup("/etc/ssh/ssh_known_hosts");
		r->gkh[r->ngkh++] = util_xstrdup("/etc/ssh/ssh_known_hosts2");
	}
	if (r->strict == ENG_STRICT_UNSET)
		r->strict = ENG_STRICT_ASK;
	if (r->alive_interval < 0)
		r->alive_interval = 0;
	if (r->alive_count < 0)
		r->alive_count = 3;
	/* ssh.c: a last hop that is the destination itself (same name as
	 * HostName gave, port and user) is refused before anything connects. */
	if (jump_last_host(r->jump, &last) != NULL &&
	    strcmp(last.host, r->hostname) == 0 &&
	    (last.port > 0 ? last.port : 22) == r->port &&
	    strcmp(last.user != NULL ? last.user : r->user, r->user) == 0) {
		r->error = util_xasprintf("jumphost loop via %s", last.host);
		hop_clear(&last);
		return -1;
	}
	hop_clear(&last);
	/* ssh expands these before it connects, and a bad token is fatal. */
	for (i = 0; i < (size_t)r->nukh + 1; i++) {
		const char *v = i < (size_t)r->nukh ? r->ukh[i] : r->agent;

		if (v == NULL)
			continue;
		if ((p = eng__sshres_expand(in, r, v, &err)) == NULL) {
			r->error = util_xasprintf("%s '%s': %s", i < (size_t)r->nukh ?
			    "UserKnownHostsFile" : "IdentityAgent", v, err);
			free(err);
			return -1;
		}
		free(p);
	}
	return 0;
}

/* ---- the dump (ssh.c dump_client_config, our keywords) ---- */

static void
put(char **out, size_t *len, const char *key, const char *val)
{
	char *line = util_xasprintf("%s %s\n", key, val);
	size_t n = strlen(line);

	*out = util_xrealloc(*out, *len + n + 1);
	memcpy(*out + *len, line, n + 1);
	*len += n;
	free(line);
}

static void
put_algos(char **out, size_t *len, const char *key, int which, const char *spec)
{
	char *err = NULL, *v = eng__sshres_algos(which, spec, &err);

	put(out, len, key, v != NULL ? v : "(error)");
	free(v);
	free(err);
}

char *
eng__sshres_dump(const eng_sshres_in *in, const eng_sshres *r)
{
	static const char *const strict[] = { "false", "true", "ask", "accept-new" };
	char *out = util_xstrdup(""), *v, *err = NULL, num[32];
	size_t len = 0;
	hop last;
	int i, numeric;

	put(&out, &len, "host", r->host);
	put(&out, &len, "user", r->user);
	put(&out, &len, "hostname", r->hostname);
	snprintf(num, sizeof(num), "%d", r->port);
	put(&out, &len, "port", num);
	put(&out, &len, "identitiesonly", r->ids_only ? "yes" : "no");
	put(&out, &len, "stricthostkeychecking", strict[r->strict]);
	snprintf(num, sizeof(num), "%d", r->alive_count);
	put(&out, &len, "serveralivecountmax", num);
	snprintf(num, sizeof(num), "%d", r->alive_interval);
	put(&out, &len, "serveraliveinterval", num);
	put_algos(&out, &len, "ciphers", ENG_ALGO_CIPHER, r->ciphers);
	put_algos(&out, &len, "hostkeyalgorithms", ENG_ALGO_HOSTKEY, r->hostkey_algs);
	if (r->agent != NULL) {
		v = eng__sshres_expand(in, r, r->agent, &err);
		put(&out, &len, "identityagent", v != NULL ? v : "(error)");
		free(v);
		free(err);
		err = NULL;
	}
	put_algos(&out, &len, "kexalgorithms", ENG_ALGO_KEX, r->kex_algs);
	for (i = 0; i < r->nids; i++)
		put(&out, &len, "identityfile", r->ids[i]);
	for (i = 0; i < r->ncerts; i++)
		put(&out, &len, "certificatefile", r->certs[i]);
	v = NULL;
	for (i = 0; i < r->ngkh; i++) {
		char *t = util_xasprintf("%s%s%s", v != NULL ? v : "", i ? " " : "", r->gkh[i]);

		free(v);
		v = t;
	}
	put(&out, &len, "globalknownhostsfile", v);
	free(v);
	v = NULL;
	for (i = 0; i < r->nukh; i++) {
		char *e = eng__sshres_expand(in, r, r->ukh[i], &err);
		char *t = util_xasprintf("%s%s%s", v != NULL ? v : "", i ? " " : "",
		    e != NULL ? e : "(error)");

		free(err);
		err = NULL;
		free(e);
		free(v);
		v = t;
	}
	put(&out, &len, "userknownhostsfile", v);
	free(v);
	if (r->connect_timeout < 0) {
		put(&out, &len, "connecttimeout", "none");
	} else {
		snprintf(num, sizeof(num), "%d", r->connect_timeout);
		put(&out, &len, "connecttimeout", num);
	}
	if (r->proxy_command != NULL && strcmp(r->proxy_command, "none") != 0)
		put(&out, &len, "proxycommand", r->proxy_command);
	if (jump_last_host(r->jump, &last) != NULL) {
		const char *c = strrchr(r->jump, ',');

		numeric = strchr(last.host, ':') != NULL ||
		    strspn(last.host, "1234567890.") == strlen(last.host);
		snprintf(num, sizeof(num), "%d", last.port);
		v = util_xasprintf("%.*s%s%s%s%s%s%s%s%s",
		    c != NULL && c != r->jump ? (int)(c - r->jump) : 0, r->jump,
		    c != NULL && c != r->jump ? "," : "",
		    last.user != NULL ? last.user : "", last.user != NULL ? "@" : "",
		    numeric ? "[" : "", last.host, numeric ? "]" : "",
		    last.port > 0 ? ":" : "", last.port > 0 ? num : "");
		put(&out, &len, "proxyjump", v);
		free(v);
	}
	hop_clear(&last);
	return out;
}
