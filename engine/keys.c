/*
 * engine/keys.c - the identity-file cache shared by every connection of a
 * context. Each key file is read once; an encrypted one is unlocked once
 * (one passphrase prompt, asked through the connection that first needs it,
 * while the others wait) and the decrypted key stays in memory only.
 * Decryption (bcrypt KDF: tens of ms of CPU) runs in the libuv thread pool.
 * A file unreadable only for want of descriptors is not cached as such.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine_int.h"

/*
 * libssh's auth callback: called when the file needs a passphrase. Saying
 * no here also keeps OpenSSL from prompting on the TTY for PEM keys.
 */
static int
note_encrypted(const char *prompt, char *buf, size_t len, int echo, int verify,
    void *ud)
{
	(void)prompt;
	(void)buf;
	(void)len;
	(void)echo;
	(void)verify;
	*(int *)ud = 1;
	return -1;
}

static void
key_wake_waiters(eng_key *k)
{
	eng_conn *c, *next;

	for (c = k->waiters; c != NULL; c = next) {
		next = c->auth.key_next;
		c->auth.key_next = NULL;
		c->auth.waiting_key = 0;
		/* The wait was the user's time (another host's prompt): not counted. */
		if (c->st < ENG_CONN_READY)
			eng__conn_deadline_start(c);
		eng__conn_kick(c);
	}
	k->waiters = NULL;
}

/* Reads k's file; k->st and k->error say how it went. */
static void
key_load(eng_key *k)
{
	char *pub;
	int asked = 0, fd;

	free(k->error);
	k->error = NULL;
	k->transient = 0;
	/*
	 * Out of descriptors, libssh's import fails like a file that is no key
	 * at all, and the cache would keep saying so for the rest of the run:
	 * told apart here, and read again when next asked for.
	 */
	if ((fd = open(k->path, O_RDONLY | O_CLOEXEC)) >= 0) {
		close(fd);
	} else if (errno == EMFILE || errno == ENFILE) {
		k->st = ENG_KEY_UNUSABLE;
		k->transient = 1;
		k->error = util_xstrdup("cannot read: too many open files");
		return;
	}
	if (access(k->path, R_OK) != 0) {
		k->st = ENG_KEY_UNUSABLE;
		k->error = util_xstrdup("cannot read");
		return;
	}
	if (ssh_pki_import_privkey_file(k->path, NULL, note_encrypted, &asked,
	    &k->priv) == SSH_OK) {
		k->st = ENG_KEY_READY;
		if (ssh_pki_export_privkey_to_pubkey(k->priv, &k->pub) != SSH_OK)
			k->pub = NULL;
		return;
	}
	k->priv = NULL;
	if (!asked) {
		k->st = ENG_KEY_UNUSABLE;
		k->error = util_xstrdup("not a private key drover can read");
		ENG_LOG(k->ctx, "%s: %s", k->path, k->error);
		return;
	}
	k->st = ENG_KEY_LOCKED;
	/* The .pub lets us ask the server before bothering the user. */
	pub = util_xasprintf("%s.pub", k->path);
	if (ssh_pki_import_pubkey_file(pub, &k->pub) != SSH_OK)
		k->pub = NULL;
	free(pub);
}

eng_key *
eng__key_get(eng_ctx *ctx, const char *path)
{
	eng_key *k;

	for (k = ctx->keys; k != NULL; k = k->next) {
		if (strcmp(k->path, path) != 0)
			continue;
		if (k->transient)
			key_load(k);
		return k;
	}
	k = util_xcalloc(1, sizeof(*k));
	k->path = util_xstrdup(path);
	k->ctx = ctx;
	k->next = ctx->keys;
	ctx->keys = k;
	key_load(k);
	return k;
}

static void
key_work(uv_work_t *w)
{
	eng_key *k = (eng_key *)((char *)w - offsetof(eng_key, work));
	int asked = 0;

	k->work_key = NULL;
	k->work_rc = ssh_pki_import_privkey_file(k->path, k->work_pass,
	    note_encrypted, &asked, &k->work_key);
}

static void
key_work_done(uv_work_t *w, int status)
{
	eng_key *k = (eng_key *)((char *)w - offsetof(eng_key, work));

	k->ctx->nwork--;
	util_secure_free(k->work_pass);
	k->work_pass = NULL;
	if (status == 0 && k->work_rc == SSH_OK && k->work_key != NULL) {
		k->priv = k->work_key;
		k->work_key = NULL;
		if (k->pub == NULL &&
		    ssh_pki_export_privkey_to_pubkey(k->priv, &k->pub) != SSH_OK)
			k->pub = NULL;
		k->st = ENG_KEY_READY;
		ENG_LOG(k->ctx, "%s: unlocked", k->path);
	} else {
		ssh_key_free(k->work_key);
		k->work_key = NULL;
		if (++k->tries >= 3) {
			k->st = ENG_KEY_UNUSABLE;
			free(k->error);
			k->error = util_xstrdup("wrong passphrase (3 tries)");
		} else {
			k->st = ENG_KEY_LOCKED;   /* the next waiter asks again */
		}
		ENG_LOG(k->ctx, "%s: wrong passphrase", k->path);
	}
	key_wake_waiters(k);
}

static void
on_passphrase(eng_conn *c, char *answer)
{
	eng_key *k = c->auth.key;

	k->asker = NULL;
	if (answer == NULL) {
		k->st = ENG_KEY_UNUSABLE;
		free(k->error);
		k->error = util_xstrdup("no passphrase given");
		key_wake_waiters(k);
		return;
	}
	k->st = ENG_KEY_DECRYPTING;
	k->work_pass = answer;
	k->ctx->nwork++;
	if (uv_queue_work(k->ctx->loop, &k->work, key_work, key_work_done) != 0) {
		k->ctx->nwork--;
		util_secure_free(k->work_pass);
		k->work_pass = NULL;
		k->st = ENG_KEY_UNUSABLE;
		key_wake_waiters(k);
	}
}

void
eng__key_unlock(eng_key *k, eng_conn *c)
{
	eng_conn *w;
	char *text;

	/* Park c; it continues when k changes state. */
	if (!c->auth.waiting_key) {
		c->auth.waiting_key = 1;
		uv_timer_stop(&c->t_deadline);
		c->auth.key_next = NULL;
		if (k->waiters == NULL) {
			k->waiters = c;
		} else {
			for (w = k->waiters; w->auth.key_next != NULL; w = w->auth.key_next)
				;
			w->auth.key_next = c;
		}
	}
	if (k->st != ENG_KEY_LOCKED)
		return;   /* someone is asking or decrypting */
	k->st = ENG_KEY_ASKING;
	k->asker = c;
	text = util_xasprintf("Passphrase for key %s: ", k->path);
	eng__conn_prompt(c, ENG_PROMPT_PASSPHRASE, text, k->path, 0, on_passphrase);
	free(text);
}

void
eng__key_conn_gone(eng_ctx *ctx, eng_conn *c)
{
	eng_key *k;
	eng_conn **pp;

	for (k = ctx->keys; k != NULL; k = k->next) {
		for (pp = &k->waiters; *pp != NULL; pp = &(*pp)->auth.key_next) {
			if (*pp == c) {
				*pp = c->auth.key_next;
				break;
			}
		}
		if (k->asker == c) {
			/* Its prompt dies with it; let the next waiter ask. */
			k->asker = NULL;
			k->st = ENG_KEY_LOCKED;
			key_wake_waiters(k);
		}
	}
	c->auth.waiting_key = 0;
	c->auth.key_next = NULL;
}

void
eng__keys_free(eng_ctx *ctx)
{
	eng_key *k, *next;

	for (k = ctx->keys; k != NULL; k = next) {
		next = k->next;
		ssh_key_free(k->priv);
		ssh_key_free(k->pub);
		util_secure_free(k->work_pass);
		free(k->error);
		free(k->path);
		free(k);
	}
	ctx->keys = NULL;
	eng__certs_free(ctx);
	eng__realms_free(ctx);
}
