/*
 * engine/keys_cert.c - OpenSSH user certificates (PROTOCOL.certkeys) for
 * the key cache: each certificate file is read once per context, its blob
 * parsed here (libssh 0.10 loads a certificate but tells nothing about
 * it) for the validity interval, the principals and the public key it
 * certifies, so that an expired or not-yet-valid certificate, or one for
 * another user, is explained instead of ending as a bare "authentication
 * failed". A certificate signs with a copy of its key's private key with
 * the certificate attached (the cached key itself stays plain, since
 * other attempts offer it without the certificate).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine_int.h"

#define CERT_FILE_MAX (64 * 1024)
#define SSH_CERT_TYPE_USER 1

/* ---- base64 and the wire format ---- */

static int
b64_val(int ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

/* Decodes len bytes of base64 (padding allowed at the end); -1 if malformed. */
static ssize_t
b64_decode(const char *in, size_t len, unsigned char *out, size_t cap)
{
	uint32_t acc = 0;
	size_t i, n = 0, pad = 0;
	int bits = 0, v;

	for (i = 0; i < len; i++) {
		if (in[i] == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || (v = b64_val((unsigned char)in[i])) < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n >= cap)
				return -1;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	if (pad > 2 || (len % 4) != 0)
		return -1;
	return (ssize_t)n;
}

typedef struct rd {
	const unsigned char *p;
	size_t left;
} rd;

static int
rd_u32(rd *r, uint32_t *v)
{
	if (r->left < 4)
		return -1;
	*v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 |
	    (uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4;
	r->left -= 4;
	return 0;
}

static int
rd_u64(rd *r, uint64_t *v)
{
	uint32_t hi, lo;

	if (rd_u32(r, &hi) < 0 || rd_u32(r, &lo) < 0)
		return -1;
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

/* A string: its bytes stay in the blob. */
static int
rd_str(rd *r, const unsigned char **s, uint32_t *len)
{
	if (rd_u32(r, len) < 0 || *len > r->left)
		return -1;
	*s = r->p;
	r->p += *len;
	r->left -= *len;
	return 0;
}

static int
rd_skip(rd *r, int n)
{
	const unsigned char *s;
	uint32_t len;

	while (n-- > 0)
		if (rd_str(r, &s, &len) < 0)
			return -1;
	return 0;
}

/* How many strings (or mpints) a key type's public part has. */
static int
pub_fields(const char *type, size_t len, int cert)
{
	static const struct { const char *plain; int n; } t[] = {
		{ "ssh-ed25519", 1 }, { "ssh-rsa", 2 }, { "ssh-dss", 4 },
		{ "ecdsa-sha2-nistp256", 2 }, { "ecdsa-sha2-nistp384", 2 },
		{ "ecdsa-sha2-nistp521", 2 }, { "sk-ssh-ed25519@openssh.com", 2 },
		{ "sk-ecdsa-sha2-nistp256@openssh.com", 3 },
	};
	char name[80];
	size_t i, n;

	if (len >= sizeof(name))
		return -1;
	memcpy(name, type, len);
	name[len] = '\0';
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = strlen(t[i].plain);
		if (!cert && strcmp(name, t[i].plain) == 0)
			return t[i].n;
		/* "ssh-ed25519-cert-v01@openssh.com", "sk-ssh-ed25519-cert-v01@openssh.com" */
		if (cert && strncmp(name, t[i].plain, strcspn(t[i].plain, "@")) == 0) {
			size_t base = strcspn(t[i].plain, "@");

			(void)n;
			if (strncmp(name + base, "-cert-v01@openssh.com", 21) == 0 &&
			    name[base + 21] == '\0')
				return t[i].n;
		}
	}
	return -1;
}

/* Parses blob into ce; NULL on success, else what is wrong. */
static const char *
cert_parse(eng_cert *ce, const unsigned char *blob, size_t len)
{
	rd r = { blob, len };
	const unsigned char *type, *s, *pstart, *pr;
	uint32_t tlen, slen, ctype, plen;
	uint64_t serial;
	int nf;

	if (rd_str(&r, &type, &tlen) < 0)
		return "truncated";
	if ((nf = pub_fields((const char *)type, tlen, 1)) < 0)
		return "not a certificate type drover knows";
	if (rd_str(&r, &s, &slen) < 0)   /* nonce */
		return "truncated";
	pstart = r.p;
	if (rd_skip(&r, nf) < 0)
		return "truncated";
	ce->pub = util_xmalloc((size_t)(r.p - pstart) + 1);
	ce->publen = (size_t)(r.p - pstart);
	memcpy(ce->pub, pstart, ce->publen);
	if (rd_u64(&r, &serial) < 0 || rd_u32(&r, &ctype) < 0 ||
	    rd_str(&r, &s, &slen) < 0)
		return "truncated";
	ce->user_cert = ctype == SSH_CERT_TYPE_USER;
	ce->key_id = util_xasprintf("%.*s", (int)(slen > 200 ? 200 : slen), s);
	eng__scrub_controls(ce->key_id);
	if (rd_str(&r, &pr, &plen) < 0 || rd_u64(&r, &ce->valid_after) < 0 ||
	    rd_u64(&r, &ce->valid_before) < 0)
		return "truncated";
	/* The principals: a list of strings, exactly filling their string. */
	{
		rd pl = { pr, plen };
		const unsigned char *name;
		uint32_t nlen;

		while (pl.left > 0) {
			if (rd_str(&pl, &name, &nlen) < 0)
				return "malformed principals";
			ce->principals = util_xrealloc(ce->principals,
			    (ce->nprincipals + 1) * sizeof(char *));
			ce->principals[ce->nprincipals] = util_xasprintf("%.*s", (int)nlen, name);
			eng__scrub_controls(ce->principals[ce->nprincipals++]);
		}
	}
	/* critical options, extensions, reserved, signature key, signature */
	if (rd_skip(&r, 5) < 0 || r.left != 0)
		return "malformed (trailing or missing bytes)";
	return NULL;
}

static void
cert_load(eng_cert *ce)
{
	FILE *f;
	char *text = NULL, *b64, *end;
	unsigned char *blob = NULL;
	size_t n;
	ssize_t blen;
	const char *why = NULL;

	if ((f = fopen(ce->path, "re")) == NULL) {
		ce->error = util_xstrdup("cannot read");
		return;
	}
	text = util_xmalloc(CERT_FILE_MAX + 1);
	n = fread(text, 1, CERT_FILE_MAX, f);
	fclose(f);
	text[n] = '\0';
	/* "type base64 [comment]" */
	b64 = text + strcspn(text, " \t");
	b64 += strspn(b64, " \t");
	end = b64 + strcspn(b64, " \t\r\n");
	blob = util_xmalloc((size_t)(end - b64));
	blen = b64_decode(b64, (size_t)(end - b64), blob, (size_t)(end - b64));
	if (blen <= 0)
		why = "not a certificate file";
	else
		why = cert_parse(ce, blob, (size_t)blen);
	if (why == NULL && ssh_pki_import_cert_file(ce->path, &ce->cert) != SSH_OK) {
		ce->cert = NULL;
		why = "libssh cannot read it";
	}
	if (why != NULL)
		ce->error = util_xstrdup(why);
	free(blob);
	free(text);
}

eng_cert *
eng__cert_get(eng_ctx *ctx, const char *path)
{
	eng_cert *ce;

	for (ce = ctx->certs; ce != NULL; ce = ce->next)
		if (strcmp(ce->path, path) == 0)
			return ce;
	ce = util_xcalloc(1, sizeof(*ce));
	ce->path = util_xstrdup(path);
	ce->next = ctx->certs;
	ctx->certs = ce;
	cert_load(ce);
	if (ce->error != NULL)
		ENG_LOG(ctx, "%s: %s", path, ce->error);
	return ce;
}

int
eng__cert_matches(const eng_cert *ce, ssh_key pub)
{
	char *b64 = NULL;
	unsigned char *blob = NULL;
	ssize_t blen;
	rd r;
	const unsigned char *type;
	uint32_t tlen;
	int nf, hit = 0;

	if (ce->error != NULL || pub == NULL ||
	    ssh_pki_export_pubkey_base64(pub, &b64) != SSH_OK || b64 == NULL)
		return 0;
	blob = util_xmalloc(strlen(b64) + 1);
	blen = b64_decode(b64, strlen(b64), blob, strlen(b64));
	r.p = blob;
	r.left = blen > 0 ? (size_t)blen : 0;
	if (blen > 0 && rd_str(&r, &type, &tlen) == 0 &&
	    (nf = pub_fields((const char *)type, tlen, 0)) >= 0)
		hit = r.left == ce->publen && memcmp(r.p, ce->pub, ce->publen) == 0;
	free(blob);
	ssh_string_free_char(b64);
	return hit;
}

static void
fmt_time(uint64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t > (uint64_t)INT64_MAX || gmtime_r(&tt, &tm) == NULL)
		snprintf(buf, len, "forever");
	else
		strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

char *
eng__cert_problem(const eng_cert *ce, const char *user, time_t now)
{
	char when[64];
	size_t i;

	if (ce->error != NULL)
		return util_xasprintf("certificate %s: %s", ce->path, ce->error);
	if (!ce->user_cert)
		return util_xasprintf("certificate %s is a host certificate", ce->path);
	if ((uint64_t)now < ce->valid_after) {
		fmt_time(ce->valid_after, when, sizeof(when));
		return util_xasprintf("certificate %s is not valid yet (from %s)", ce->path, when);
	}
	if ((uint64_t)now >= ce->valid_before) {
		fmt_time(ce->valid_before, when, sizeof(when));
		return util_xasprintf("certificate %s expired (%s)", ce->path, when);
	}
	if (ce->nprincipals == 0 || user == NULL)
		return NULL;   /* no principals: valid for any user */
	for (i = 0; i < ce->nprincipals; i++)
		if (strcmp(ce->principals[i], user) == 0)
			return NULL;
	{
		char list[256] = "";
		size_t l = 0;

		for (i = 0; i < ce->nprincipals && l < sizeof(list) - 1; i++)
			l += (size_t)snprintf(list + l, sizeof(list) - l, "%s%s",
			    i ? "," : "", ce->principals[i]);
		return util_xasprintf("certificate %s is for %s, not for user %s",
		    ce->path, list, user);
	}
}

ssh_key
eng__cert_signer(eng_cert *ce, eng_key *k)
{
	char *b64 = NULL;
	ssh_key dup = NULL;

	if (ce->signer != NULL && ce->signer_of == k)
		return ce->signer;
	ssh_key_free(ce->signer);
	ce->signer = NULL;
	ce->signer_of = NULL;
	if (k->priv == NULL || ce->cert == NULL)
		return NULL;
	/* libssh has no public key copy: through its own export, then wiped. */
	if (ssh_pki_export_privkey_base64(k->priv, NULL, NULL, NULL, &b64) != SSH_OK ||
	    ssh_pki_import_privkey_base64(b64, NULL, NULL, NULL, &dup) != SSH_OK ||
	    ssh_pki_copy_cert_to_privkey(ce->cert, dup) != SSH_OK) {
		ssh_key_free(dup);
		dup = NULL;
		ENG_LOG(k->ctx, "%s: cannot attach to %s", ce->path, k->path);
	}
	if (b64 != NULL)
		util_secure_free(b64);
	ce->signer = dup;
	ce->signer_of = dup != NULL ? k : NULL;
	return dup;
}

void
eng__certs_free(eng_ctx *ctx)
{
	eng_cert *ce, *next;
	size_t i;

	for (ce = ctx->certs; ce != NULL; ce = next) {
		next = ce->next;
		ssh_key_free(ce->cert);
		ssh_key_free(ce->signer);
		for (i = 0; i < ce->nprincipals; i++)
			free(ce->principals[i]);
		free(ce->principals);
		free(ce->pub);
		free(ce->key_id);
		free(ce->error);
		free(ce->path);
		free(ce);
	}
	ctx->certs = NULL;
}
