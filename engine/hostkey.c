/*
 * engine/hostkey.c - the host key check between key exchange and auth.
 * Fails closed: a changed or revoked key ends the connection before any
 * credential is sent; an unknown key is refused unless the user asked for
 * accept-new (then recorded) or the front end confirms it in a prompt. A
 * host known_hosts trusts through a certificate authority is refused as
 * unsupported rather than offered for recording as a plain key.
 *
 * libssh answers known/changed/unknown; the markers it ignores (@revoked,
 * @cert-authority) come from knownhosts.c first, and so does the line a
 * changed key offends and the writing of a new key.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

static void
on_hostkey_answer(eng_conn *c, char *answer)
{
	int yes = answer != NULL && (strcmp(answer, "yes") == 0 || strcmp(answer, "y") == 0);

	util_secure_free(answer);
	if (!yes) {
		eng__conn_fail(c, ENG_FAIL_HOSTKEY_UNKNOWN,
		    "unknown host key refused by the user");
		return;
	}
	if (eng__knownhosts_record(c, "") != 0)
		return;
	c->accept_new = 1;   /* the next check finds it known */
	eng__conn_kick(c);
}

int
eng__hostkey_check(eng_conn *c)
{
	ssh_key key = NULL;
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *fp = NULL, *text = NULL;
	const char *type;
	enum ssh_known_hosts_e st;
	eng_kh_markers m;
	int r = -1;

	memset(&m, 0, sizeof(m));
	if (ssh_get_server_publickey(c->s, &key) != SSH_OK ||
	    ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) != 0 ||
	    (fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen)) == NULL) {
		eng__conn_fail(c, ENG_FAIL_PROTOCOL, "cannot read the server's host key: %s",
		    eng__ssh_error(c, "no reason given"));
		goto out;
	}
	type = ssh_key_type_to_char(ssh_key_type(key));
	eng__knownhosts_markers(c, key, &m);
	if (m.fd_error != 0) {
		eng__conn_fail_fds(c, "cannot read known_hosts");
		goto out;
	}
	if (m.revoked != NULL) {
		/* Whatever libssh would say: a plain line beside it does not count. */
		eng__conn_fail(c, ENG_FAIL_HOSTKEY_CHANGED,
		    "REVOKED HOST KEY for %s port %u: the server offers %s %s, which "
		    "known_hosts marks @revoked (%s); refusing (no credentials sent)",
		    c->host, c->hport, type, fp, m.revoked);
		goto out;
	}
	st = ssh_session_is_known_server(c->s);
	/*
	 * libssh reads one user and one global file; ssh reads every file the
	 * config names, and a line with this key in any of them makes it known.
	 */
	if (st != SSH_KNOWN_HOSTS_OK && st != SSH_KNOWN_HOSTS_ERROR && eng__knownhosts_more(c)) {
		eng__knownhosts_offending(c, key, &m);
		if (m.fd_error != 0) {
			eng__conn_fail_fds(c, "cannot read known_hosts");
			goto out;
		}
		if (m.match != NULL)
			st = SSH_KNOWN_HOSTS_OK;
		else if (m.offending != NULL)
			st = SSH_KNOWN_HOSTS_CHANGED;
		else if (m.other != NULL)
			st = SSH_KNOWN_HOSTS_OTHER;
	}
	if ((st == SSH_KNOWN_HOSTS_NOT_FOUND || st == SSH_KNOWN_HOSTS_UNKNOWN) &&
	    m.cert_authority != NULL) {
		/*
		 * The user trusts a CA for this host; recording the key the
		 * server happens to show (accept-new, a prompt) would replace that
		 * trust with trust in whoever answered.
		 */
		eng__conn_fail(c, ENG_FAIL_HOSTKEY_UNKNOWN,
		    "host key for %s port %u (%s %s) can only be checked through a "
		    "certificate authority (@cert-authority, %s), and host certificates "
		    "are not supported; refusing. Add the host's own key to known_hosts "
		    "to connect", c->host, c->hport, type, fp, m.cert_authority);
		goto out;
	}
	switch (st) {
	case SSH_KNOWN_HOSTS_OK:
		r = 0;
		break;
	case SSH_KNOWN_HOSTS_CHANGED:
		/* Where, like ssh's "Offending key in file:line". */
		eng__knownhosts_offending(c, key, &m);
		eng__conn_fail(c, ENG_FAIL_HOSTKEY_CHANGED,
		    "HOST KEY CHANGED for %s port %u: server offers %s %s, which does not "
		    "match known_hosts; refusing (no credentials sent). Offending %s key "
		    "in %s. If the change is expected, remove that line",
		    c->host, c->hport, type, fp, type,
		    m.offending != NULL ? m.offending : "known_hosts");
		break;
	case SSH_KNOWN_HOSTS_OTHER:
		eng__knownhosts_offending(c, key, &m);
		eng__conn_fail(c, ENG_FAIL_HOSTKEY_CHANGED,
		    "host key for %s port %u is a %s key %s but known_hosts holds a key "
		    "of another type (%s); refusing (no credentials sent)",
		    c->host, c->hport, type, fp, m.other != NULL ? m.other : "known_hosts");
		break;
	case SSH_KNOWN_HOSTS_NOT_FOUND:
	case SSH_KNOWN_HOSTS_UNKNOWN:
		if (c->accept_new) {
			if (eng__knownhosts_record(c, fp) != 0)
				break;
			ENG_LOG(c->ctx, "%s: recorded new host key %s %s", c->name, type, fp);
			r = 0;
			break;
		}
		if (c->ask_hostkey && c->ctx->opts.prompt != NULL) {
			text = util_xasprintf("The %s host key of %s port %u is not known. "
			    "Fingerprint %s. Trust it and record it?", type, c->host,
			    c->hport, fp);
			eng__conn_prompt(c, ENG_PROMPT_HOSTKEY, text, fp, 1, on_hostkey_answer);
			r = 1;
			break;
		}
		eng__conn_fail(c, ENG_FAIL_HOSTKEY_UNKNOWN,
		    "unknown host key for %s port %u: %s %s; refusing. Check the "
		    "fingerprint, then re-run with --accept-new to record it",
		    c->host, c->hport, type, fp);
		break;
	default:
		eng__conn_fail(c, ENG_FAIL_HOSTKEY_UNKNOWN, "cannot check known_hosts: %s",
		    eng__ssh_error(c, "no reason given"));
		break;
	}
out:
	eng__knownhosts_markers_clear(&m);
	free(text);
	if (fp != NULL)
		ssh_string_free_char(fp);
	if (hash != NULL)
		ssh_clean_pubkey_hash(&hash);
	ssh_key_free(key);
	return r;
}
