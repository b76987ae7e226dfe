/*
 * engine/endpoint.c - the handshake gate per server endpoint (address and
 * port). sshd drops handshakes beyond its MaxStartups, so a fan-out to many
 * names that resolve to one server never holds more than max_handshakes
 * connections between TCP connect and the end of auth there; the others
 * wait (state WAITING) in arrival order and are woken one by one.
 *
 * Owns the endpoint records (kept in the context until it is freed) and the
 * waiting queues. Talks to conn.c (kicks a woken conn) and conn_sock.c
 * (which asks for a slot once the address is known).
 */
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

static eng_endpoint *
endpoint_get(eng_ctx *ctx, const char *key)
{
	eng_endpoint *ep;

	for (ep = ctx->endpoints; ep != NULL; ep = ep->next)
		if (strcmp(ep->key, key) == 0)
			return ep;
	ep = util_xcalloc(1, sizeof(*ep));
	ep->key = util_xstrdup(key);
	ep->next = ctx->endpoints;
	ctx->endpoints = ep;
	return ep;
}

int
eng__endpoint_acquire(eng_conn *c, const char *key)
{
	eng_endpoint *ep = endpoint_get(c->ctx, key);

	c->ep = ep;
	if (ep->active < c->ctx->opts.max_handshakes) {
		ep->active++;
		c->holds_slot = 1;
		return 1;
	}
	if (ep->wait_tail != NULL)
		ep->wait_tail->ep_next = c;
	else
		ep->wait_head = c;
	ep->wait_tail = c;
	return 0;
}

void
eng__endpoint_release(eng_conn *c)
{
	eng_endpoint *ep = c->ep;
	eng_conn *w;

	if (ep == NULL)
		return;
	if (c->holds_slot) {
		c->holds_slot = 0;
		ep->active--;
		/* Wake the next waiter from its own timer, not from this frame. */
		while (ep->active < c->ctx->opts.max_handshakes &&
		    (w = ep->wait_head) != NULL) {
			ep->wait_head = w->ep_next;
			if (ep->wait_head == NULL)
				ep->wait_tail = NULL;
			w->ep_next = NULL;
			w->holds_slot = 1;
			ep->active++;
			eng__conn_kick(w);
		}
	} else {
		/* Still queued: unlink. */
		eng_conn **pp, *prev = NULL;

		for (pp = &ep->wait_head; *pp != NULL; prev = *pp, pp = &(*pp)->ep_next) {
			if (*pp != c)
				continue;
			*pp = c->ep_next;
			if (ep->wait_tail == c)
				ep->wait_tail = prev;
			break;
		}
	}
	c->ep = NULL;
}

void
eng__endpoints_free(eng_ctx *ctx)
{
	eng_endpoint *ep, *next;

	for (ep = ctx->endpoints; ep != NULL; ep = next) {
		next = ep->next;
		free(ep->key);
		free(ep);
	}
	ctx->endpoints = NULL;
}
