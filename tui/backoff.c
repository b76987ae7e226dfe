/*
 * tui/backoff.c - the reconnect policy every front end shares (the
 * console's panes, `drover tail`): which failures are worth another try,
 * and how long to wait before it: 1 s, 2 s, 4 s ... up to a ceiling, each
 * wait jittered into [3/4, 1] of itself so that hosts lost together (a
 * network blip, 200 handshakes on a busy box) do not come back in lockstep.
 */
#include "tui/tui.h"

#define BACKOFF_BASE_MS 1000

int
tui_backoff_transient(eng_fail f)
{
	/* The network, the peer, a deadline. Not: host keys, credentials,
	 * our own config, or a close we asked for. */
	switch (f) {
	case ENG_FAIL_RESOLVE:
	case ENG_FAIL_CONNECT:
	case ENG_FAIL_TIMEOUT:
	case ENG_FAIL_PROTOCOL:
	case ENG_FAIL_LOST:
		return 1;
	default:
		return 0;
	}
}

uint64_t
tui_backoff_delay(int attempt, uint64_t max_ms, uint32_t *rng)
{
	uint64_t d = BACKOFF_BASE_MS;
	int i;

	for (i = 1; i < attempt && d < max_ms; i++)
		d *= 2;
	if (d > max_ms)
		d = max_ms;
	/* xorshift32: jitter needs spread, not secrecy. */
	*rng ^= *rng << 13;
	*rng ^= *rng >> 17;
	*rng ^= *rng << 5;
	return d - *rng % (d / 4 + 1);
}
