/*
 * tests/cli/test_board_keys.c - the fan-out board's s key in tmux: the
 * selected host's shell pane gets the focus (it used to be the last pane,
 * whichever host was selected), so what is typed next goes to that host.
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
	cr_assert(asprintf(&cmd, "%s kill-session bk%d 2>&1", getenv("DROVER_BIN"),
	    (int)getpid()) > 0);
	free(tu_sh(cmd, NULL));
	free(cmd);
}

TestSuite(board_keys, .fini = stop, .timeout = 120);

Test(board_keys, s_focuses_the_selected_hosts_pane)
{
	char *s;

	snprintf(sock, sizeof(sock), "drover-bk-%d", (int)getpid());
	tu_tmux(sock, "kill-server");
	tu_tmux(sock, "new-session -d -s t -x 160 -y 40 \"%s -F %s -i %s -s bk%d h1,h2,h3; sleep 30\"",
	    getenv("DROVER_BIN"), tu_fleet("FLEET_SSH_CONFIG"), tu_fleet("FLEET_INVENTORY"),
	    (int)getpid());
	free(tu_tmux_wait(sock, "[ready]", 3, 30));
	tu_tmux(sock, "send-keys -t t C-g");
	tu_tmux(sock, "send-keys -t t :");
	free(tu_tmux_wait(sock, "command for 3 hosts", 1, 5));
	tu_tmux(sock, "send-keys -t t -l 'echo on-$DROVER_FLEET_NAME'");
	tu_tmux(sock, "send-keys -t t Enter");
	free(tu_tmux_wait(sock, "3 ok", 1, 20));
	/* The second row is h2: s, then typing lands in h2's shell. */
	tu_tmux(sock, "send-keys -t t Down");
	tu_tmux(sock, "send-keys -t t s");
	tu_tmux(sock, "send-keys -t t -l 'echo typed-in-$DROVER_FLEET_NAME'");
	tu_tmux(sock, "send-keys -t t Enter");
	s = tu_tmux_wait(sock, "typed-in-h", 1, 10);
	cr_assert(strstr(s, "typed-in-h2") != NULL, "the keys went elsewhere:\n%s", s);
	cr_assert_null(strstr(s, "typed-in-h3"), "%s", s);
	free(s);
}
