/*
 * tests/cli/test_group_live.c - `drover exec -o group` on a terminal
 * (tmux, private server socket): groups and counts show while hosts still
 * run and update in place; at the end the live view gives way to the
 * same final print as without a terminal.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

static char sock[64];

static void
tmux(const char *fmt, ...)
{
	char args[2048], *cmd = NULL, *out;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	cr_assert(asprintf(&cmd, "tmux -L %s %s 2>&1", sock, args) > 0);
	out = tu_sh(cmd, NULL);
	free(out);
	free(cmd);
}

static char *
screen(void)
{
	char *cmd = NULL, *out;

	cr_assert(asprintf(&cmd, "tmux -L %s capture-pane -p -t t", sock) > 0);
	out = tu_sh(cmd, NULL);
	free(cmd);
	return out;
}

static char *
wait_for(const char *needle, double secs)
{
	double end = tu_now() + secs;
	char *s = NULL;

	do {
		free(s);
		s = screen();
		if (strstr(s, needle) != NULL)
			return s;
		usleep(100000);
	} while (tu_now() < end);
	cr_assert_fail("'%s' not on screen after %.0fs:\n%s", needle, secs, s);
	return s;
}

static void
setup(void)
{
	snprintf(sock, sizeof(sock), "drover-live-%d", (int)getpid());
}

static void
teardown(void)
{
	tmux("kill-server");
}

TestSuite(group_live, .init = setup, .fini = teardown, .timeout = 120);

/* h1, h2 answer at once; h3 fails at once; h4 takes 8 s. */
#define CMD "'case $DROVER_FLEET_NAME in h1|h2) echo fast;; h3) echo odd; exit 3;; " \
    "*) sleep 8; echo slow;; esac'"

Test(group_live, groups_update_in_place_then_final_print)
{
	char *s, *cmd, *piped;
	const char *bin = getenv("DROVER_BIN"), *cfg = tu_fleet("FLEET_SSH_CONFIG"),
	    *inv = tu_fleet("FLEET_INVENTORY");

	char *dir = tu_tmpdir(), *script, *text;

	/* A script: the command's $ signs are not tmux's shell's business. */
	cr_assert(asprintf(&script, "%s/run.sh", dir) > 0);
	cr_assert(asprintf(&text, "%s -F %s -i %s exec -o group @demo -- %s\n"
	    "echo EXIT=$?\nsleep 30\n", bin, cfg, inv, CMD) > 0);
	tu_write_file(script, text);
	tmux("kill-server");
	tmux("new-session -d -s t -x 100 -y 30 'sh %s'", script);
	/* While h4 still runs: the groups so far, with counts, and who runs. */
	s = wait_for("[3 done, 1 running]", 30);
	cr_assert(strstr(s, "h[1-2] (2)\n    fast\n") != NULL, "%s", s);
	cr_assert(strstr(s, "h3 (1) failed: exit status 3\n    odd\n") != NULL, "%s", s);
	cr_assert_null(strstr(s, "EXIT="), "%s", s);
	/* Drawn in place: one view, not a scroll of redraws. */
	cr_assert_eq(tu_count(s, "h[1-2] (2)"), 1, "%s", s);
	free(s);
	s = wait_for("EXIT=", 40);
	cr_assert(strstr(s, "EXIT=1") != NULL, "%s", s);
	cr_assert_null(strstr(s, "running]"), "the live view stayed:\n%s", s);
	cr_assert_null(strstr(s, "    fast"), "%s", s);
	/* The final print is the one a pipe gets (the summary on stderr apart). */
	cr_assert(asprintf(&cmd, "%s -F %s -i %s exec -n -o group @demo -- %s 2>/dev/null", bin,
	    cfg, inv, CMD) > 0);
	piped = tu_sh(cmd, NULL);
	cr_assert_null(strstr(piped, "running]"), "%s", piped);
	cr_assert(strstr(piped, "---------------\nh[1-2] (2)\n---------------\nfast\n") != NULL,
	    "%s", piped);
	cr_assert(strstr(s, "---------------\nh[1-2] (2)\n---------------\nfast\n") != NULL,
	    "final print differs from the piped one:\n%s\n--- piped:\n%s", s, piped);
	cr_assert(strstr(s, "h4 (1)\n---------------\nslow\n") != NULL, "%s", s);
	free(piped);
	free(cmd);
	free(s);
	free(text);
	free(script);
	tu_rmrf(dir);
	free(dir);
}
