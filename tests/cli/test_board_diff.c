/*
 * tests/cli/test_board_diff.c - the console's fan-out board in a real
 * terminal (tmux, private server socket): key d shows the selected group's
 * output as a unified diff against the majority's.
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
wait_for(const char *needle, int count, double secs)
{
	double end = tu_now() + secs;
	char *s = NULL, *cmd;

	cr_assert(asprintf(&cmd, "tmux -L %s capture-pane -p -t t", sock) > 0);
	do {
		free(s);
		s = tu_sh(cmd, NULL);
		if (tu_count(s, needle) >= count) {
			free(cmd);
			return s;
		}
		usleep(100000);
	} while (tu_now() < end);
	cr_assert_fail("'%s' x%d not on screen after %.0fs:\n%s", needle, count, secs, s);
	return s;
}

static void
stop(void)
{
	tmux("kill-server");
}

TestSuite(board_diff, .fini = stop, .timeout = 120);

Test(board_diff, d_shows_a_group_against_the_majority)
{
	char *s;

	snprintf(sock, sizeof(sock), "drover-bdiff-%d", (int)getpid());
	tmux("kill-server");
	tmux("new-session -d -s t -x 160 -y 45 \"%s -F %s -i %s h1,h2,h3; sleep 30\"",
	    getenv("DROVER_BIN"), tu_fleet("FLEET_SSH_CONFIG"), tu_fleet("FLEET_INVENTORY"));
	free(wait_for("[ready]", 3, 30));
	tmux("send-keys -t t C-g");
	tmux("send-keys -t t :");
	free(wait_for("command for 3 hosts", 1, 10));
	/* h3 prints one line more than the two others. */
	tmux("send-keys -t t 'echo same-$((2*3)); [ $DROVER_FLEET_NAME = h3 ] && echo "
	    "only-h$((1+2)); true' Enter");
	s = wait_for("3 ok", 1, 30);
	cr_assert(strstr(s, "d diff") != NULL, "%s", s);
	free(s);
	tmux("send-keys -t t g");
	free(wait_for("h[1-2] (2)", 1, 5));
	/* The second row is h3's group. */
	tmux("send-keys -t t j");
	tmux("send-keys -t t d");
	s = wait_for("diff against the majority", 1, 5);
	cr_assert(strstr(s, "--- h[1-2] (majority)") != NULL, "%s", s);
	cr_assert(strstr(s, "+++ h3") != NULL, "%s", s);
	cr_assert(strstr(s, "+only-h3") != NULL, "%s", s);
	cr_assert(strstr(s, " same-6") != NULL, "%s", s);
	free(s);
	/* The majority itself has nothing to show. */
	tmux("send-keys -t t Escape");
	usleep(300000);
	tmux("send-keys -t t k");
	tmux("send-keys -t t d");
	s = wait_for("no difference", 1, 5);
	free(s);
}
