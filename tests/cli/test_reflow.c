/*
 * tests/cli/test_reflow.c - a layout change does not cut a pane's lines
 * for good: a line printed in a wide pane, the terminal made narrow (the
 * line wraps) and wide again, reads whole again, as in tmux. The console
 * runs in tmux on the demo fleet, driven as a user would.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

static char sock[64];

static void
stop(void)
{
	char *cmd = NULL;

	tu_tmux(sock, "kill-server");
	cr_assert(asprintf(&cmd, "%s kill-session r%d 2>&1", getenv("DROVER_BIN"),
	    (int)getpid()) > 0);
	free(tu_sh(cmd, NULL));
	free(cmd);
}

TestSuite(reflow, .fini = stop, .timeout = 120);

Test(reflow, a_line_cut_by_a_narrow_layout_is_whole_again)
{
	/* "BEGIN-1-2-...-40-END": 119 columns, printed by the host. */
	const char *line = "BEGIN-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16-17-18-19-20-21-22-23-"
	    "24-25-26-27-28-29-30-31-32-33-34-35-36-37-38-39-40-END";
	char *s;
	int i;

	snprintf(sock, sizeof(sock), "drover-reflow-%d", (int)getpid());
	tu_tmux(sock, "kill-server");
	tu_tmux(sock, "new-session -d -s t -x 160 -y 30 \"%s -F %s -i %s h1 -s r%d; sleep 30\"",
	    getenv("DROVER_BIN"), tu_fleet("FLEET_SSH_CONFIG"), tu_fleet("FLEET_INVENTORY"),
	    (int)getpid());
	free(tu_tmux_wait(sock, "1/1 up", 1, 20));
	tu_tmux(sock, "send-keys -t t 'clear; echo BEGIN-$(seq -s - 1 40)-END' Enter");
	free(tu_tmux_wait(sock, line, 1, 10));
	/* Narrow: the output line wraps in the pane... */
	tu_tmux(sock, "resize-window -t t -x 50 -y 30");
	s = tu_tmux_wait(sock, "BEGIN-1-2-3", 1, 10);
	for (i = 0; i < 50 && strstr(s, line) != NULL; i++) {
		usleep(100000);
		free(s);
		s = tu_tmux_screen(sock);
	}
	cr_assert_null(strstr(s, line), "not wrapped at 50 columns:\n%s", s);
	free(s);
	/* ...and wide again, it is one line, as printed. */
	tu_tmux(sock, "resize-window -t t -x 160 -y 30");
	s = tu_tmux_wait(sock, line, 1, 10);
	free(s);
}
