/*
 * engine/auth_realm.c - one password prompt per (user, auth realm), not per
 * host. When several hosts need the same secret, the first asks and the
 * others wait; once a server has accepted the answer, it is offered to
 * every host in the realm (kept in memory only, wiped when the context
 * goes). A host that rejects the shared answer asks again for itself
 * alone; a wrong answer re-asks through the same first host, so the
 * others never see it.
 *
 * When the asker itself rejects its answer, drover cannot tell a typo
 * from a host that refuses everyone (a user missing there, a password
 * that differs). Before asking again, the answer is tried once on a host
 * that is waiting: accepted there, it becomes the realm's answer and the
 * asker asks for itself alone; rejected there too, it was wrong and the
 * asker asks again. Each host spends at most one attempt on such a trial,
 * and it is not one of its own three.
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
	char *candidate;            /* the asker's rejected answer, on trial */
	struct eng_conn *trier;     /* the waiting host it is tried on */
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

static void
park(eng_realm *r, eng_conn *c)
{
	eng_conn *w;

	if (c->auth.waiting_realm)
		return;
	c->auth.waiting_realm = 1;
	uv_timer_stop(&c->t_deadline);
	c->auth.realm_next = NULL;
	if (r->waiters == NULL) {
		r->waiters = c;
	} else {
		for (w = r->waiters; w->auth.realm_next != NULL; w = w->auth.realm_next)
			;
		w->auth.realm_next = c;
	}
}

/* The first waiting host that has not had a trial takes the candidate. */
static int
start_trial(eng_realm *r, const char *answer)
{
	eng_conn **pp, *w;

	for (pp = &r->waiters; *pp != NULL; pp = &(*pp)->auth.realm_next) {
		w = *pp;
		if (w->auth.realm_tried)
			continue;
		*pp = w->auth.realm_next;
		w->auth.realm_next = NULL;
		w->auth.waiting_realm = 0;
		w->auth.realm_tried = 1;
		r->candidate = util_xstrdup(answer);
		r->trier = w;
		if (w->st < ENG_CONN_READY)
			eng__conn_deadline_start(w);
		eng__conn_kick(w);
		return 1;
	}
	return 0;
}

static void
end_trial(eng_realm *r)
{
	util_secure_free(r->candidate);
	r->candidate = NULL;
	r->trier = NULL;
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

	*secret = NULL;
	a->realm = r;
	if (r->trier == c) {
		*secret = util_xstrdup(r->candidate);
		return ENG_REALM_USE;
	}
	if (r->asker == c) {
		if (r->trier != NULL) {
			park(r, c);   /* its answer is on trial elsewhere */
			return ENG_REALM_WAIT;
		}
		return ENG_REALM_ASK;
	}
	if (r->secret != NULL && !a->realm_own) {
		*secret = util_xstrdup(r->secret);
		return ENG_REALM_USE;
	}
	if (a->realm_own)
		return ENG_REALM_ASK;   /* the shared answer failed here: ask alone */
	if (r->declined)
		return ENG_REALM_DECLINED;
	if (r->asker != NULL) {
		park(r, c);
		return ENG_REALM_WAIT;
	}
	r->asker = c;
	return ENG_REALM_ASK;
}

int
eng__realm_result(eng_conn *c, const char *answer, int outcome)
{
	eng_auth *a = &c->auth;
	eng_realm *r = a->realm;

	if (r == NULL)
		return 1;
	if (r->trier == c) {
		/* The verdict on another host's answer. */
		if (outcome == ENG_REALM_OK) {
			util_secure_free(r->secret);
			r->secret = r->candidate;
			r->candidate = NULL;
			if (r->asker != NULL)
				r->asker->auth.realm_own = 1;
			r->asker = NULL;
		}
		end_trial(r);
		wake(r);   /* rejected or unknown: the asker asks again */
		return outcome != ENG_REALM_REJECTED;
	}
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
		else if (answer != NULL && r->trier == NULL)
			(void)start_trial(r, answer);
		return 1;   /* the asker keeps asking: the others keep waiting */
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
	return 1;
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
		if (r->trier == c) {
			end_trial(r);
			wake(r);   /* no verdict: the asker asks again */
		}
		if (r->asker == c) {
			r->asker = NULL;
			end_trial(r);   /* nobody left to share a verdict with */
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
		util_secure_free(r->candidate);
		free(r->key);
		free(r);
	}
	ctx->realms = NULL;
}
