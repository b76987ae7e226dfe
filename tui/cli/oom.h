/*
 * tui/cli/oom.h - running out of memory during a run, handled: a reserve
 * is kept; when an allocation fails (util's hook) it is given back, so
 * that allocation succeeds, and the run is aborted from the loop (remote
 * commands killed) on what it freed. Only a second failure aborts.
 */
#ifndef DROVER_TUI_CLI_OOM_H
#define DROVER_TUI_CLI_OOM_H

#include <uv.h>

/* Keeps the reserve and installs the hook; abort_run(ud) runs on loop. */
void tui_oom_arm(uv_loop_t *loop, void (*abort_run)(void *ud), void *ud);
/* 1 once memory ran out: keep nothing more (output, records). */
int tui_oom_hit(void);
/* Closes the loop handle (the run is over); a later failure aborts. */
void tui_oom_close(void);
/* Removes the hook and frees the reserve (after the loop is done). */
void tui_oom_disarm(void);

#endif
