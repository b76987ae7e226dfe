/*
 * tests/tui/test_hostfold.c - host-list folding (tui/hostfold.c): names
 * into ranges as summaries and groups print them.
 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "tui/tui.h"

Test(hostfold, ranges_and_literals)
{
	const char *a[] = { "h3", "h1", "h2", "web1", "h7", "db", "h5" };
	const char *b[] = { "n001", "n002", "n010", "n1" };
	const char *c[] = { "x1", "x1" };
	char *s;

	s = tui_fold_hosts(a, 7);
	cr_assert_str_eq(s, "db,h[1-3,5,7],web1");
	free(s);
	s = tui_fold_hosts(b, 4);
	cr_assert_str_eq(s, "n1,n[001-002,010]");
	free(s);
	s = tui_fold_hosts(c, 2);
	cr_assert_str_eq(s, "x[1]");
	free(s);
	s = tui_fold_hosts(a, 1);
	cr_assert_str_eq(s, "h3");
	free(s);
}
