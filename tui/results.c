/*
 * tui/results.c - a host's result as the front ends show it: when two
 * results are "the same" (the one rule behind grouping, used by `drover
 * exec -o group` and the console's fan-out board, so both fold the same
 * hosts together) and the state in words.
 */
#include <string.h>

#include "tui/tui.h"

static int
buf_cmp(const tui_buf *a, const tui_buf *b)
{
	size_t la = a != NULL ? a->len : 0, lb = b != NULL ? b->len : 0;
	size_t m = la < lb ? la : lb;
	int c = m ? memcmp(a->p, b->p, m) : 0;

	if (c != 0)
		return c;
	return la < lb ? -1 : la > lb;
}

static int
str_cmp(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "");
}

int
tui_result_cmp(const tui_result *a, const tui_result *b)
{
	const eng_fanout_host *x = a->host, *y = b->host;
	int c;

	if (x->state != y->state)
		return x->state < y->state ? -1 : 1;
	if (x->exit_status != y->exit_status)
		return x->exit_status < y->exit_status ? -1 : 1;
	if ((c = str_cmp(x->signal, y->signal)) != 0)
		return c;
	if ((c = buf_cmp(a->out, b->out)) != 0)
		return c;
	if ((c = buf_cmp(a->err, b->err)) != 0)
		return c;
	/* Unreachable hosts differ by reason; ok ones carry none. */
	if (x->state == ENG_HOST_UNREACHABLE || x->state == ENG_HOST_CANCELLED)
		return str_cmp(x->error, y->error);
	return 0;
}

const char *
tui_host_state_label(const eng_fanout_host *h)
{
	if (h->state != ENG_HOST_UNREACHABLE)
		return eng_host_state_name(h->state);
	switch (h->fail) {
	case ENG_FAIL_AUTH:
		return "auth failed";
	case ENG_FAIL_HOSTKEY_UNKNOWN:
	case ENG_FAIL_HOSTKEY_CHANGED:
		return "host key";
	case ENG_FAIL_LOST:
		return "lost";
	default:
		return eng_host_state_name(h->state);
	}
}
