/*
 * engine/exec_kill.c - ending a running command so that nothing is left
 * running on the host (see exec.c for why a second channel kills the
 * command's process group), and the kill's deadline: a server that stops
 * answering is given up after ENG_EXEC_KILL_GRACE_MS, whatever it does.
 */
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

static void
killer_done(eng_exec *k, const eng_exec_result *r, void *ud)
{
	eng_exec *target = k->target;

	(void)r;
	(void)ud;
	if (target != NULL)
		eng__exec_close_channel(target);
}

static void
on_kill_grace(uv_timer_t *t)
{
	eng_exec *x = t->data;
	eng_conn *c = x->c;

	eng__conn_enter(c);
	if (x->st == X_DONE) {
		eng__conn_leave(c);
		return;
	}
	if (c->rcount.in_bytes != x->kill_in && ++x->kill_rounds < ENG_EXEC_KILL_ROUNDS) {
		/* Alive, still working on it: ask again. */
		x->kill_in = eng__conn_probe(c);
		uv_timer_start(&x->timer, on_kill_grace, ENG_EXEC_KILL_GRACE_MS, 0);
		eng__conn_leave(c);
		return;
	}
	if (c->rcount.in_bytes != x->kill_in) {
		/* Alive but the kill never ended (no close): stop waiting for it. */
		ENG_LOG(c->ctx, "%s: kill not finished after %.0fs", c->name,
		    ENG_EXEC_KILL_ROUNDS * ENG_EXEC_KILL_GRACE_MS / 1000.0);
		eng__exec_finish(x);
		eng__conn_leave(c);
		return;
	}
	ENG_LOG(c->ctx, "%s: no answer to the kill: giving up the host", c->name);
	x->unresponsive = 1;
	eng__exec_finish(x);
	eng__conn_fail(c, ENG_FAIL_LOST, "host not responding: no answer within %.0fs "
	    "of the kill request; given up", ENG_EXEC_KILL_GRACE_MS / 1000.0);
	eng__conn_leave(c);
}

/* Starts (or, on re-entry, restarts) the kill's deadline. */
static void
exec_kill_watch(eng_exec *x)
{
	if (!x->kill_watch) {
		x->kill_watch = 1;
		x->kill_rounds = 0;
		x->kill_in = eng__conn_probe(x->c);
	}
	uv_timer_start(&x->timer, on_kill_grace, ENG_EXEC_KILL_GRACE_MS, 0);
}

void
eng_exec_kill(eng_exec *x)
{
	static const eng_exec_cbs kcbs = { NULL, killer_done };
	eng_exec_opts ko = { .timeout_ms = 10000 };
	eng_exec *k = NULL;
	char *cmd, *groups;

	if (x == NULL || x->st == X_DONE || x->st == X_CLOSING || x->killing)
		return;
	x->killing = 1;
	if (!x->timed_out)
		x->killed = 1;
	uv_timer_stop(&x->timer);   /* the timeout */
	if (x->st != X_QUEUED || x->ch != NULL)
		exec_kill_watch(x);
	if (x->st == X_OPENING && x->exec_sent && !x->internal && !x->pty &&
	    !x->subsystem) {
		/*
		 * The server may have started it already: closing the channel
		 * now would leave it running. Kill once the request is answered.
		 */
		x->kill_pending = 1;
		return;
	}
	/*
	 * A subsystem (sftp-server) has no process group of its own to
	 * report and ends on channel close; killing "every other session"
	 * would take its siblings (striped transfers) too.
	 */
	if (x->st != X_RUNNING || x->internal || x->pty || x->subsystem) {
		eng__exec_close_channel(x);
		return;
	}
	if (x->pid <= 0 && x->pid_state == 0) {
		/* The pid line is on its way: kill when it arrives. */
		x->kill_pending = 1;
		return;
	}
	/*
	 * The group to kill: the pid the command reported; without one (an
	 * alone exec, or a shell that could not print it) every other
	 * session under this connection's sshd, but only when no other
	 * command runs on the conn. /proc where there is one (ps may not be
	 * installed), listed rather than globbed (no argument-size limit,
	 * and a process that ends meanwhile is skipped); the comm field of
	 * stat may hold spaces and parentheses, so the fields after the last
	 * ") " are taken. TERM, up to 2 s to go, then KILL.
	 */
	if (x->pid > 0) {
		groups = util_xasprintf("G=%ld", x->pid);
	} else if (eng__exec_other_command(x->c, x) == NULL) {
		groups = util_xstrdup("if [ -r /proc/$$/stat ]; then "
		    "G=$(ls /proc | awk -v p=$PPID -v me=$$ '/^[0-9]+$/ && $0 != me { "
		    "f = \"/proc/\" $0 \"/stat\"; if ((getline s < f) > 0) { "
		    "sub(/.*\\) /, \"\", s); split(s, a, \" \"); if (a[2] == p) print $0 } "
		    "close(f) }'); "
		    "else G=$(ps -A -o pid= -o ppid= | "
		    "awk -v p=$PPID -v me=$$ '$2 == p && $1 != me {print $1}'); fi");
	} else {
		eng__exec_close_channel(x);
		return;
	}
	cmd = util_xasprintf("%s; [ -n \"$G\" ] || exit 0; "
	    "for g in $G; do kill -TERM -$g 2>/dev/null; done; n=0; "
	    "while [ $n -lt 20 ]; do a=; for g in $G; do kill -0 -$g 2>/dev/null && a=1; done; "
	    "[ -n \"$a\" ] || exit 0; sleep 0.1; n=$((n+1)); done; "
	    "for g in $G; do kill -KILL -$g 2>/dev/null; done; exit 0", groups);
	free(groups);
	if (eng__exec_start_internal(x->c, cmd, 1, &ko, &kcbs, NULL, &k) != 0) {
		free(cmd);
		eng__exec_close_channel(x);
		return;
	}
	free(cmd);
	k->target = x;   /* closes x when it is done */
}
