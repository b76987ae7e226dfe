/*
 * engine/auth_realm.c - one password prompt per (user, auth realm), not per
 * host. When several hosts need the same secret, the first asks and the
 * others wait; once a server has accepted the answer, it is offered to
 * every host in the realm (kept in memory only, wiped when the context
 * goes). A host that rejects the shared answer asks again for itself
 * alone; a wrong answer re-asks through the same first host, so the
 * others never see it.
 *
 * The realm, as auth.c builds its key:
 *   - password: the login user (the server's "password" method asks
 *     nothing else, and the question drover shows names the host);
 *   - keyboard-interactive with one hidden prompt (PAM's "Password: "):
 *     the login user, the server's instruction and the prompt text with
 *     the host's names taken out (so "pw for h1:" and "pw for h2:" match).
 *   Keyboard-interactive rounds with several prompts or visible answers
 *   (one-time codes) are asked per host.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

struct eng_realm {
	char *key;
	char *secret;               /* an answer a server accepted; NULL until then */
	struct eng_conn *asker;     /* whose prompt is out (or whose answer is tried) */
	struct eng_conn *waiters;   /* parked, linked by auth.realm_next */
	int declined;               /* the user declined: the others do not ask */
	struct eng_realm *next;
};

static void
wake(eng_realm *r)
{
	eng_conn *c, *next;

	for (c = r->waiters; c != NULL; c = next) {
		next = c->auth.realm_next;
		c->auth.realm_next = NULL;
		c->auth.waiting_realm = 0;
		/* Waiting on another host's prompt is the user's time, as a prompt is. */
		if (c->st < ENG_CONN_READY)
			eng__conn_deadline_start(c);
		eng__conn_kick(c);
	}
	r->waiters = NULL;
}

static eng_realm *
realm_find(eng_ctx *ctx, const char *key)
{
	eng_realm *r;

	for (r = ctx->realms; r != NULL; r = r->next)
		if (strcmp(r->key, key) == 0)
			return r;
	r = util_xcalloc(1, sizeof(*r));
	r->key = util_xstrdup(key);
	r->next = ctx->realms;
	ctx->realms = r;
	return r;
}

int
eng__realm_get(eng_conn *c, const char *key, char **secret)
{
	eng_auth *a = &c->auth;
	eng_realm *r = realm_find(c->ctx, key);
	eng_conn *w;

	*secret = NULL;
	a->realm = r;
	if (r->asker == c)
		return ENG_REALM_ASK;
	if (r->secret != NULL && !a->realm_own) {
		*secret = util_xstrdup(r->secret);
		return ENG_REALM_USE;
	}
	if (a->realm_own)
		return ENG_REALM_ASK;   /* the shared answer failed here: ask alone */
	if (r->declined)
		return ENG_REALM_DECLINED;
	if (r->asker != NULL) {
		if (!a->waiting_realm) {
			a->waiting_realm = 1;
			uv_timer_stop(&c->t_deadline);
			a->realm_next = NULL;
			if (r->waiters == NULL) {
				r->waiters = c;
			} else {
				for (w = r->waiters; w->auth.realm_next != NULL; w = w->auth.realm_next)
					;
				w->auth.realm_next = c;
			}
		}
		return ENG_REALM_WAIT;
	}
	r->asker = c;
	return ENG_REALM_ASK;
}

void
eng__realm_result(eng_conn *c, const char *answer, int outcome)
{
	eng_auth *a = &c->auth;
	eng_realm *r = a->realm;

	if (r == NULL)
		return;
	switch (outcome) {
	case ENG_REALM_OK:
		if (r->asker == c || (r->secret == NULL && answer != NULL)) {
			util_secure_free(r->secret);
			r->secret = answer != NULL ? util_xstrdup(answer) : NULL;
		}
		break;
	case ENG_REALM_REJECTED:
		/* The shared answer, refused here: this host asks for itself. */
		if (r->asker != c)
			a->realm_own = 1;
		return;   /* the asker keeps asking: the others keep waiting */
	case ENG_REALM_DECLINE:
		if (r->asker == c)
			r->declined = 1;
		break;
	default:   /* ENG_REALM_GIVE_UP: the asker stops; another may ask */
		break;
	}
	if (r->asker == c)
		r->asker = NULL;
	wake(r);
}

void
eng__realm_conn_gone(eng_ctx *ctx, eng_conn *c)
{
	eng_realm *r;
	eng_conn **pp;

	for (r = ctx->realms; r != NULL; r = r->next) {
		for (pp = &r->waiters; *pp != NULL; pp = &(*pp)->auth.realm_next) {
			if (*pp == c) {
				*pp = c->auth.realm_next;
				break;
			}
		}
		if (r->asker == c) {
			r->asker = NULL;
			wake(r);   /* the next waiter asks */
		}
	}
	c->auth.waiting_realm = 0;
	c->auth.realm_next = NULL;
	c->auth.realm = NULL;
}

void
eng__realms_free(eng_ctx *ctx)
{
	eng_realm *r, *next;

	for (r = ctx->realms; r != NULL; r = next) {
		next = r->next;
		util_secure_free(r->secret);
		free(r->key);
		free(r);
	}
	ctx->realms = NULL;
}
