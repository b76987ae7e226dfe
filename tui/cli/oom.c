/*
 * tui/cli/oom.c - out of memory during a run (see oom.h). The hook runs
 * inside a failing allocation, anywhere: it only frees the reserve, sets
 * a flag and wakes the loop (uv_async_send allocates nothing); the abort
 * itself runs from the loop like any Ctrl-C.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tui/cli/oom.h"
#include "util/util.h"

/* Enough for the largest single allocation of a run (a held output buffer
 * doubling) and the kill requests after it. */
#define OOM_RESERVE (32u << 20)

static void *reserve;
static uv_async_t async;
static int armed, hit;
static void (*abort_fn)(void *);
static void *abort_ud;

static int
on_oom(size_t want)
{
	(void)want;
	if (reserve == NULL)
		return 0;
	free(reserve);
	reserve = NULL;
	hit = 1;
	if (armed)
		uv_async_send(&async);
	return 1;
}

static void
on_async(uv_async_t *a)
{
	(void)a;
	fputs("\ndrover: out of memory: killing remote commands\n", stderr);
	abort_fn(abort_ud);
}

void
tui_oom_arm(uv_loop_t *loop, void (*abort_run)(void *ud), void *ud)
{
	abort_fn = abort_run;
	abort_ud = ud;
	hit = 0;
	uv_async_init(loop, &async, on_async);
	armed = 1;
	reserve = malloc(OOM_RESERVE);
	util_set_oom_hook(on_oom);
}

int
tui_oom_hit(void)
{
	return hit;
}

void
tui_oom_close(void)
{
	if (!armed)
		return;
	armed = 0;
	uv_close((uv_handle_t *)&async, NULL);
}

void
tui_oom_disarm(void)
{
	tui_oom_close();
	util_set_oom_hook(NULL);
	free(reserve);
	reserve = NULL;
}
