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

enum { O_OK, O_FAILED, O_TIMEOUT, O_UNREACHABLE, O_AUTH, O_HOSTKEY, O_LOST, O_CANCELLED };

static const char *const outcome_labels[TUI_OUTCOMES] = {
	"ok", "failed", "timeout", "unreachable", "auth failed", "host key", "lost", "cancelled"
};
static const char *const outcome_words[TUI_OUTCOMES] = {
	"ok", "failed", "timeout", "unreachable", "auth_failed", "host_key", "lost", "cancelled"
};

int
tui_host_outcome(const eng_fanout_host *h)
{
	switch (h->state) {
	case ENG_HOST_OK:
		return O_OK;
	case ENG_HOST_FAILED:
		return O_FAILED;
	case ENG_HOST_TIMEOUT:
		return O_TIMEOUT;
	case ENG_HOST_CANCELLED:
		return O_CANCELLED;
	case ENG_HOST_UNREACHABLE:
		break;
	default:
		return O_UNREACHABLE;   /* not final: only seen while a run goes on */
	}
	switch (h->fail) {
	case ENG_FAIL_AUTH:
		return O_AUTH;
	case ENG_FAIL_HOSTKEY_UNKNOWN:
	case ENG_FAIL_HOSTKEY_CHANGED:
		return O_HOSTKEY;
	case ENG_FAIL_LOST:
		return O_LOST;
	default:
		return O_UNREACHABLE;
	}
}

const char *
tui_outcome_label(int outcome)
{
	return outcome >= 0 && outcome < TUI_OUTCOMES ? outcome_labels[outcome] : "?";
}

const char *
tui_outcome_word(int outcome)
{
	return outcome >= 0 && outcome < TUI_OUTCOMES ? outcome_words[outcome] : "?";
}

const char *
tui_host_state_label(const eng_fanout_host *h)
{
	if (h->state != ENG_HOST_OK && h->state != ENG_HOST_FAILED &&
	    h->state != ENG_HOST_TIMEOUT && h->state != ENG_HOST_CANCELLED &&
	    h->state != ENG_HOST_UNREACHABLE)
		return eng_host_state_name(h->state);   /* a run still going */
	return tui_outcome_label(tui_host_outcome(h));
}

char *
tui_host_dirname(const char *host)
{
	tui_buf b = { 0 };
	const char *p;

	/* "." and ".." would be LOCALDIR itself or its parent. */
	if (strcmp(host, ".") == 0 || strcmp(host, "..") == 0 || *host == '\0')
		tui_buf_addstr(&b, "_");
	for (p = host; *p; p++) {
		char ch = *p;

		if (ch == '/' || (unsigned char)ch < 0x20 || ch == 0x7f)
			ch = '_';
		tui_buf_add(&b, &ch, 1);
	}
	return b.p;
}
