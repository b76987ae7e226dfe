/*
 * engine/knownhosts.c - the known_hosts markers libssh 0.10 does not honour.
 *
 * libssh skips "@revoked" and "@cert-authority" lines: a revoked key next to
 * a plain line for the same key is accepted, a revoked key alone looks
 * merely unknown (and accept-new would record it), and a host trusted only
 * through a certificate authority looks unknown too. So before libssh's own
 * check, the same files are read here for marker lines whose host patterns
 * match the host (plain, wildcard, negated or hashed "|1|" names, OpenSSH's
 * rules) and the server's key is compared with the revoked ones.
 *
 * Recording a key (accept-new, a yes to the prompt) is done here too, not
 * by libssh's ssh_session_update_known_hosts, which appends with a plain
 * fopen(): a known_hosts that is a planted symlink would have the line
 * written wherever it points. Ours opens the file itself with O_NOFOLLOW,
 * only a regular file, creates it (and its directory) private.
 *
 * libssh reads one user and one global file; an ssh_config may name more
 * (UserKnownHostsFile a b), and ssh reads them all. Those are read here too:
 * for markers, and for a plain line with the server's key when libssh did
 * not find it in its two.
 *
 * Owns nothing past a call. Used by hostkey.c; reads the files libssh
 * would (SSH_OPTIONS_KNOWNHOSTS and SSH_OPTIONS_GLOBAL_KNOWNHOSTS, both
 * expanded by the time the key exchange is done) and the conn's others.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "engine/engine_int.h"

/* Base64 into out (at most cap bytes); -1 if malformed or too long. */
static int
b64_decode(const char *in, size_t len, unsigned char *out, size_t cap)
{
	int n;

	if (len == 0 || len % 4 != 0 || len / 4 * 3 > cap)
		return -1;
	n = EVP_DecodeBlock(out, (const unsigned char *)in, (int)len);
	if (n < 0)
		return -1;
	/* EVP_DecodeBlock counts the padding as zero bytes. */
	if (in[len - 1] == '=')
		n--;
	if (in[len - 2] == '=')
		n--;
	return n;
}

/* "|1|salt|hash": HMAC-SHA1(salt, name) == hash. */
static int
hashed_match(const char *name, const char *field, size_t flen)
{
	unsigned char salt[64], hash[64], md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	const char *s = field + 3, *bar, *end = field + flen;
	int slen, hlen;

	bar = memchr(s, '|', (size_t)(end - s));
	if (bar == NULL)
		return 0;
	if ((slen = b64_decode(s, (size_t)(bar - s), salt, sizeof(salt))) <= 0 ||
	    (hlen = b64_decode(bar + 1, (size_t)(end - bar - 1), hash, sizeof(hash))) <= 0)
		return 0;
	if (HMAC(EVP_sha1(), salt, slen, (const unsigned char *)name, strlen(name), md,
	    &mdlen) == NULL)
		return 0;
	return (int)mdlen == hlen && memcmp(md, hash, mdlen) == 0;
}

/* The host field: a pattern list (OpenSSH's rules) or one hashed name. */
static int
hosts_match(const char *name, const char *field, size_t flen)
{
	if (flen > 3 && strncmp(field, "|1|", 3) == 0)
		return hashed_match(name, field, flen);
	return eng__match_list(name, field, flen) == 1;
}

/* Next whitespace-separated field of *pp: start and length, 0 if none. */
static size_t
field(const char **pp, const char **start)
{
	const char *p = *pp;
	size_t n;

	while (*p == ' ' || *p == '\t')
		p++;
	*start = p;
	n = strcspn(p, " \t\r\n");
	*pp = p + n;
	return n;
}

static int
key_equal(ssh_key key, const char *type, size_t tlen, const char *b64, size_t blen)
{
	char *t = util_xasprintf("%.*s", (int)tlen, type);
	char *b = util_xasprintf("%.*s", (int)blen, b64);
	ssh_key k = NULL;
	int eq = 0;

	if (ssh_pki_import_pubkey_base64(b, ssh_key_type_from_name(t), &k) == SSH_OK)
		eq = ssh_key_cmp(k, key, SSH_KEY_CMP_PUBLIC) == 0;
	ssh_key_free(k);
	free(t);
	free(b);
	return eq;
}

/* The key type of a known_hosts line is the server key's type. */
static int
same_type(ssh_key key, const char *type, size_t tlen)
{
	char *t = util_xasprintf("%.*s", (int)tlen, type);
	int eq = ssh_key_type_from_name(t) == ssh_key_type(key);

	free(t);
	return eq;
}

/*
 * Marker lines for name; with plain, the plain lines too (only when a key
 * was found changed: hashed names cost an HMAC per line).
 */
static void
scan_file(const char *path, const char *name, ssh_key key, int plain, eng_kh_markers *m)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	unsigned long lineno = 0;
	const char *p, *mk, *hosts, *type, *b64;
	size_t mlen, hlen, tlen, blen;

	if (path == NULL)
		return;
	if ((f = fopen(path, "re")) == NULL) {
		/* libssh would find it missing too, and call the key unknown. */
		if (errno == EMFILE || errno == ENFILE)
			m->fd_error = errno;
		return;
	}
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		p = line;
		if ((mlen = field(&p, &mk)) == 0 || *mk == '#')
			continue;
		if (*mk != '@') {
			if (!plain)
				continue;
			/*
			 * A plain line: the host field came first. Remembered so
			 * that a changed key can be reported where ssh reports it
			 * ("Offending key in file:line"); libssh does not say.
			 */
			hosts = mk;
			hlen = mlen;
			if (m->match != NULL || !hosts_match(name, hosts, hlen) ||
			    (tlen = field(&p, &type)) == 0 || (blen = field(&p, &b64)) == 0)
				continue;
			if (same_type(key, type, tlen)) {
				if (key_equal(key, type, tlen, b64, blen))
					m->match = util_xasprintf("%s:%lu", path, lineno);
				else if (m->offending == NULL)
					m->offending = util_xasprintf("%s:%lu", path, lineno);
			} else if (m->other == NULL) {
				m->other = util_xasprintf("%s:%lu", path, lineno);
			}
			continue;
		}
		if ((hlen = field(&p, &hosts)) == 0 || !hosts_match(name, hosts, hlen))
			continue;
		tlen = field(&p, &type);
		blen = field(&p, &b64);
		if (mlen == 8 && strncmp(mk, "@revoked", 8) == 0) {
			if (m->revoked == NULL && tlen > 0 && blen > 0 &&
			    key_equal(key, type, tlen, b64, blen))
				m->revoked = util_xasprintf("%s:%lu", path, lineno);
		} else if (mlen == 15 && strncmp(mk, "@cert-authority", 15) == 0) {
			if (m->cert_authority == NULL)
				m->cert_authority = util_xasprintf("%s:%lu", path, lineno);
		}
	}
	free(line);
	fclose(f);
}

/* Every known_hosts file of c: the user's, then the global ones, as ssh. */
static void
scan_all(eng_conn *c, ssh_key key, int plain, eng_kh_markers *m)
{
	static const enum ssh_options_e opts[] = {
		SSH_OPTIONS_KNOWNHOSTS, SSH_OPTIONS_GLOBAL_KNOWNHOSTS
	};
	const util_strv *more[] = { &c->kh_user_more, &c->kh_global_more };
	char *name, *path;
	size_t i, j;

	/* The name known_hosts files use for this host, as ssh and libssh look it up. */
	name = c->hport == 22 ? util_xstrdup(c->host) :
	    util_xasprintf("[%s]:%u", c->host, c->hport);
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		path = NULL;
		if (ssh_options_get(c->s, opts[i], &path) == SSH_OK && path != NULL) {
			scan_file(path, name, key, plain, m);
			ssh_string_free_char(path);
		}
		for (j = 0; j < more[i]->n; j++)
			scan_file(more[i]->v[j], name, key, plain, m);
	}
	free(name);
}

int
eng__knownhosts_more(const eng_conn *c)
{
	return c->kh_user_more.n > 0 || c->kh_global_more.n > 0;
}

void
eng__knownhosts_markers(eng_conn *c, ssh_key key, eng_kh_markers *m)
{
	memset(m, 0, sizeof(*m));
	scan_all(c, key, 0, m);
}

void
eng__knownhosts_offending(eng_conn *c, ssh_key key, eng_kh_markers *m)
{
	eng__knownhosts_markers_clear(m);
	scan_all(c, key, 1, m);
}

void
eng__knownhosts_markers_clear(eng_kh_markers *m)
{
	free(m->revoked);
	free(m->cert_authority);
	free(m->offending);
	free(m->other);
	free(m->match);
	memset(m, 0, sizeof(*m));
}

/* Opens path for appending (and reading its last byte), creating it (0600)
 * and its directory (0700). */
static int
open_append(const char *path)
{
	int fd, flags = O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC;
	char *dir;

	fd = open(path, flags, 0600);
	if (fd < 0 && errno == ENOENT) {
		dir = util_xstrdup(path);
		if (mkdir(dirname(dir), 0700) == 0)
			fd = open(path, flags, 0600);
		else
			errno = ENOENT;
		free(dir);
	}
	return fd;
}

/* All of buf, or -1. */
static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
eng__knownhosts_record(eng_conn *c, const char *fp)
{
	char *path = NULL, *entry = NULL, *text = NULL, last = '\n';
	const char *why = NULL;
	struct stat st;
	int fd = -1, r = -1;

	if (ssh_options_get(c->s, SSH_OPTIONS_KNOWNHOSTS, &path) != SSH_OK || path == NULL) {
		eng__conn_fail(c, ENG_FAIL_HOSTKEY_UNKNOWN,
		    "cannot record host key%s%s: no known_hosts file", *fp ? " " : "", fp);
		return -1;
	}
	if (ssh_session_export_known_hosts_entry(c->s, &entry) != SSH_OK || entry == NULL) {
		eng__conn_fail(c, ENG_FAIL_HOSTKEY_UNKNOWN, "cannot record host key%s%s: %s",
		    *fp ? " " : "", fp, eng__ssh_error(c, "no reason given"));
		goto out;
	}
	if ((fd = open_append(path)) < 0) {
		why = errno == ELOOP ? "it is a symbolic link (not followed)" : strerror(errno);
		if (errno == EMFILE || errno == ENFILE) {
			eng__conn_fail_fds(c, "cannot record host key");
			goto out;
		}
	} else if (fstat(fd, &st) != 0) {
		why = strerror(errno);
	} else if (!S_ISREG(st.st_mode)) {
		why = "not a regular file";
	} else if (st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) != 1) {
		why = strerror(errno);
	}
	if (why == NULL) {
		/* One write: appends from several drovers do not interleave. */
		text = util_xasprintf("%s%s%s", last == '\n' ? "" : "\n", entry,
		    entry[0] != '\0' && entry[strlen(entry) - 1] == '\n' ? "" : "\n");
		if (write_all(fd, text, strlen(text)) != 0)
			why = strerror(errno);
	}
	if (fd >= 0 && close(fd) != 0 && why == NULL)
		why = strerror(errno);
	if (why != NULL) {
		eng__conn_fail(c, ENG_FAIL_HOSTKEY_UNKNOWN, "cannot record host key%s%s in %s: %s",
		    *fp ? " " : "", fp, path, why);
		goto out;
	}
	r = 0;
out:
	free(text);
	if (entry != NULL)
		ssh_string_free_char(entry);
	ssh_string_free_char(path);
	return r;
}
