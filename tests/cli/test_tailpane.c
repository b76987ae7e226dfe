/*
 * tests/cli/test_tailpane.c - the console's tail pane as a user sees it:
 * the real binary in tmux against the demo fleet. `drover --tail FILE
 * h1,h2`: lines of both hosts with their host column in two colours, a
 * live include filter, pause (new lines counted below, not shown) and
 * resume, highlight, search; and opening it with the prefix command.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* Polls the screen until needle shows up `count` times (or fails). */
static char *
wait_for(const char *needle, int count, double secs)
{
	double end = tu_now() + secs;
	char *s = NULL;

	do {
		free(s);
		s = screen();
		if (tu_count(s, needle) >= count)
			return s;
		usleep(100000);
	} while (tu_now() < end);
	cr_assert_fail("'%s' x%d not on screen after %.0fs:\n%s", needle, count, secs, s);
	return s;
}

/* Polls the screen until needle is gone (or fails). */
static void
wait_gone(const char *needle, double secs)
{
	double end = tu_now() + secs;
	char *s = NULL;

	do {
		free(s);
		s = screen();
		if (strstr(s, needle) == NULL) {
			free(s);
			return;
		}
		usleep(100000);
	} while (tu_now() < end);
	cr_assert_fail("'%s' still on screen after %.0fs:\n%s", needle, secs, s);
}

static void
start(const char *extra_env, const char *cfg, const char *args)
{
	snprintf(sock, sizeof(sock), "drover-test-%d", (int)getpid());
	tmux("kill-server");
	/* -x/-y: the outer terminal; TERM inside is tmux's screen-256color. */
	/* Its own drover session (named after the test's process), ended at stop. */
	tmux("new-session -d -s t -x 160 -y 45 \"env %s %s -F %s -i %s %s -s tp%d; sleep 30\"",
	    extra_env != NULL ? extra_env : "", getenv("DROVER_BIN"),
	    cfg != NULL ? cfg : tu_fleet("FLEET_SSH_CONFIG"), tu_fleet("FLEET_INVENTORY"), args,
	    (int)getpid());
}

static void
stop(void)
{
	char *cmd = NULL, *out;

	tmux("kill-server");
	cr_assert(asprintf(&cmd, "%s kill-session tp%d 2>&1", getenv("DROVER_BIN"),
	    (int)getpid()) > 0);
	out = tu_sh(cmd, NULL);
	free(out);
	free(cmd);
}

static char *
screen_sgr(void)
{
	char *cmd = NULL, *out;

	cr_assert(asprintf(&cmd, "tmux -L %s capture-pane -e -p -t t", sock) > 0);
	out = tu_sh(cmd, NULL);
	free(cmd);
	return out;
}

static void
keys(const char *k)
{
	tmux("send-keys -t t %s", k);
}

/* The SGR sequence in effect just before `at` in a capture -e screen. */
static void
sgr_before(const char *s, const char *at, char *out, size_t size)
{
	const char *p = at;

	while (p > s && *p != '\033')
		p--;
	snprintf(out, size, "%.*s", (int)strcspn(p, "m") + 1, p);
}

TestSuite(tailpane, .fini = stop, .timeout = 120);

Test(tailpane, filter_pause_resume_colours)
{
	char *dir = tu_tmpdir(), *f = NULL, *args = NULL, *s, *cmd = NULL, c1[64], c2[64];

	chmod(dir, 0755);
	cr_assert(asprintf(&f, "%s/app.log", dir) > 0);
	tu_write_file(f, "alpha one\nbeta two\nalpha three\n");
	chmod(f, 0644);
	cr_assert(asprintf(&args, "--tail %s h1,h2", f) > 0);
	start(NULL, NULL, args);
	s = wait_for("2 following", 1, 30);
	free(s);
	s = wait_for("beta two", 2, 10);
	cr_assert_eq(tu_count(s, "alpha one"), 2, "%s", s);
	free(s);
	/* Each host's column in its own colour. */
	s = screen_sgr();
	{
		/* The label cells: the SGR right before the host name on a line. */
		const char *l1 = strstr(s, "h1\033"), *l2 = strstr(s, "h2\033");

		cr_assert(l1 != NULL && l2 != NULL, "%s", s);
		sgr_before(s, l1, c1, sizeof(c1));
		sgr_before(s, l2, c2, sizeof(c2));
		cr_assert_str_neq(c1, c2, "h1 and h2 in the same colour: %s", c1);
	}
	free(s);
	/* Include filter, edited live: only the beta lines stay. */
	keys("e");
	s = wait_for("keep lines matching:", 1, 5);
	free(s);
	keys("beta Enter");
	wait_gone("alpha one", 5);
	s = wait_for("beta two", 2, 5);
	free(s);
	/* Pause: new lines are counted below, not shown. */
	keys("p");
	s = wait_for("paused:", 1, 5);
	free(s);
	cr_assert(asprintf(&cmd, "printf 'beta late\\nalpha late\\n' >> %s", f) > 0);
	free(tu_sh(cmd, NULL));
	free(cmd);
	s = wait_for("4 new lines below", 1, 10);
	cr_assert_eq(tu_count(s, "beta late"), 0, "shown while paused:\n%s", s);
	free(s);
	/* Resume: the filtered new lines appear. */
	keys("p");
	s = wait_for("beta late", 2, 5);
	cr_assert_eq(tu_count(s, "alpha late"), 0, "%s", s);
	free(s);
	/* Highlight and search. */
	keys("h");
	keys("late Enter");
	s = wait_for("hl /late/", 1, 5);
	free(s);
	keys("/");
	keys("two Enter");
	s = wait_for("new lines below", 1, 5);
	free(s);
	keys("q");
	wait_gone("2 following", 5);
	free(args);
	free(f);
	tu_rmrf(dir);
	free(dir);
}

Test(tailpane, opened_with_the_prefix_command)
{
	char *dir = tu_tmpdir(), *f = NULL, *s;

	chmod(dir, 0755);
	cr_assert(asprintf(&f, "%s/b.log", dir) > 0);
	tu_write_file(f, "from prefix\n");
	chmod(f, 0644);
	start(NULL, NULL, "h1");
	s = wait_for("$", 1, 30);
	free(s);
	tmux("send-keys -t t C-g");
	keys("t");
	s = wait_for("file to follow:", 1, 5);
	free(s);
	tmux("send-keys -t t -l '%s'", f);
	keys("Enter");
	s = wait_for("from prefix", 1, 15);
	cr_assert(strstr(s, "1 following") != NULL || strstr(s, "1 hosts") != NULL, "%s", s);
	free(s);
	free(f);
	tu_rmrf(dir);
	free(dir);
}

/* Split (key s): a band per host, its title in the host's colour, its lines. */
Test(tailpane, split_shows_a_band_per_host)
{
	char *dir = tu_tmpdir(), *f = NULL, *args = NULL, *s;

	chmod(dir, 0755);
	cr_assert(asprintf(&f, "%s/s.log", dir) > 0);
	tu_write_file(f, "first line\nsecond line\n");
	chmod(f, 0644);
	cr_assert(asprintf(&args, "--tail %s h1,h2", f) > 0);
	start(NULL, NULL, args);
	free(wait_for("2 following", 1, 30));
	s = wait_for("second line", 2, 10);
	/* Merged: a label column before each line. */
	cr_assert_eq(tu_count(s, "\n second line"), 0, "%s", s);
	free(s);
	keys("s");
	s = wait_for("s merge", 1, 5);
	/* Split: two titles, each host's two lines under its own. */
	cr_assert(strstr(s, "\n h1") != NULL && strstr(s, "\n h2") != NULL, "%s", s);
	cr_assert_eq(tu_count(s, "\n first line\n second line\n"), 2, "%s", s);
	cr_assert(strstr(s, " h1") < strstr(s, " h2"), "%s", s);
	free(s);
	keys("s");
	free(wait_for("split by host", 1, 5));
	free(args);
	free(f);
	tu_rmrf(dir);
	free(dir);
}

/* The console started without targets: t on a sidebar entry follows a file there. */
Test(tailpane, opened_from_the_sidebar)
{
	char *dir = tu_tmpdir(), *f = NULL, *s;

	chmod(dir, 0755);
	cr_assert(asprintf(&f, "%s/side.log", dir) > 0);
	tu_write_file(f, "from the sidebar\n");
	chmod(f, 0644);
	start(NULL, NULL, "");
	free(wait_for("Pick a host or group in the sidebar", 1, 10));
	/* @demo, @many, then h1. */
	keys("Down");
	keys("Down");
	keys("t");
	free(wait_for("file to follow:", 1, 10));
	tmux("send-keys -t t -l '%s'", f);
	keys("Enter");
	s = wait_for("from the sidebar", 1, 20);
	cr_assert(strstr(s, "1 hosts") != NULL, "%s", s);
	free(s);
	free(f);
	tu_rmrf(dir);
	free(dir);
}
