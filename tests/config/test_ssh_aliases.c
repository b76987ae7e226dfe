/*
 * tests/config/test_ssh_aliases.c - config/ssh_aliases.c: literal Host names
 * collected as aliases, patterns and negations skipped, keyword and quoting
 * forms, Include (relative to ~/.ssh, globbed, nested, depth-limited) and
 * the missing-file rules.
 */
#include "cfgtest.h"

TestSuite(sshconfig, .init = tdir_setup, .fini = tdir_teardown);

/* Aliases after reading path (NULL: the default) into a fresh inventory. */
static char *
aliases_of(const char *path)
{
	cfg_inventory *inv = cfg_inventory_new();
	char *cause = NULL, *s;

	cr_assert_eq(cfg_inventory_add_ssh_aliases(inv, path, &cause), 0,
	    "%s", cause);
	cr_assert_eq(tcount(inv->aliases), inv->naliases);
	s = tjoin(inv->aliases);
	cfg_inventory_free(inv);
	return s;
}

/* The error message for path, with the scratch dir replaced by "DIR". */
static char *
error_of(const char *path)
{
	cfg_inventory *inv = cfg_inventory_new();
	char *cause = NULL, *s, *at;
	size_t dl = strlen(tdir);

	cr_assert_eq(cfg_inventory_add_ssh_aliases(inv, path, &cause), -1);
	cr_assert_not_null(cause);
	cr_assert_eq(inv->naliases, 0);
	s = calloc(1, strlen(cause) + 1);
	cr_assert_not_null(s);
	for (at = cause; *at != '\0';) {
		if (strncmp(at, tdir, dl) == 0) {
			strcat(s, "DIR");
			at += dl;
		} else
			strncat(s, at++, 1);
	}
	free(cause);
	cfg_inventory_free(inv);
	return s;
}

Test(sshconfig, literal_hosts)
{
	const char *path = twrite("config",
	    "# comment\n"
	    "Host alpha beta *.corp !gamma w?ld\n"
	    "    HostName 10.0.0.9\n"
	    "    User ops\n"
	    "host=delta\n"
	    "HOST = eta  theta\n"
	    "Host\tiota # trailing comment\n"
	    "Host \"kappa\" 'lambda' \"mu nu\"\n"
	    "Host alpha beta\n"
	    "Host a,b -opt x[1] y@z\n"
	    "Match host foo exec \"true\"\n"
	    "  Hostname unrelated\n"
	    "HostName notahost\n"
	    "Host\n"
	    "\n"
	    "   Host omega\r\n");
	char *s = aliases_of(path);

	cr_assert_str_eq(s, "alpha beta delta eta theta iota kappa lambda "
	    "omega");
	free(s);
}

Test(sshconfig, aliases_accumulate_and_dedup)
{
	cfg_inventory *inv = cfg_inventory_new();
	char *cause = NULL, *s;

	cr_assert_eq(cfg_inventory_add_ssh_aliases(inv, twrite("one",
	    "Host a b\n"), &cause), 0);
	cr_assert_eq(cfg_inventory_add_ssh_aliases(inv, twrite("two",
	    "Host b c\n"), &cause), 0);
	cr_assert_eq(inv->naliases, 3);
	s = tjoin(inv->aliases);
	cr_assert_str_eq(s, "a b c");
	free(s);

	/* A failing call leaves the list as it was. */
	cr_assert_eq(cfg_inventory_add_ssh_aliases(inv, twrite("bad",
	    "Host d\nHost \"e\n"), &cause), -1);
	free(cause);
	cr_assert_eq(inv->naliases, 3);
	s = tjoin(inv->aliases);
	cr_assert_str_eq(s, "a b c");
	free(s);
	cfg_inventory_free(inv);
}

Test(sshconfig, include_relative_glob)
{
	char *s;
	const char *top;

	cr_assert_eq(setenv("HOME", tdir, 1), 0);
	/* Relative to ~/.ssh, not to the including file (as in OpenSSH). */
	twrite(".ssh/conf.d/10-a.conf", "Host inc-a\nInclude conf.d/nested/*.conf\n"
	    "Include nested/*.conf\n");
	twrite(".ssh/conf.d/20-b.conf", "Host inc-b\n");
	twrite(".ssh/conf.d/skip.txt", "Host not-included\n");
	twrite(".ssh/conf.d/nested/x.conf", "Host inc-nested\n");
	twrite(".ssh/nested/y.conf", "Host inc-ssh-nested\n");
	/* A directory matched by the glob is skipped, as ssh does. */
	twrite(".ssh/conf.d/dir.conf/inner", "Host not-read\n");
	twrite("abs.conf", "Host inc-abs\n");
	twrite(".ssh/tilde.conf", "Host inc-tilde\n");
	/* The top file is not in ~/.ssh: relative Includes still start there. */
	top = twrite("elsewhere/config",
	    "Host top\n"
	    "Include conf.d/*.conf\n"
	    "Include /nonexistent/dir/*.conf conf.d/none-*.conf\n");
	s = aliases_of(top);
	cr_assert_str_eq(s, "top inc-a inc-nested inc-ssh-nested inc-b");
	free(s);

	/* Absolute and ~ forms, several files on one line. */
	{
		char text[1024];

		snprintf(text, sizeof text, "Include %s/abs.conf "
		    "~/.ssh/tilde.conf\nHost after\n", tdir);
		top = twrite("elsewhere/config2", text);
	}
	s = aliases_of(top);
	cr_assert_str_eq(s, "inc-abs inc-tilde after");
	free(s);
}

Test(sshconfig, include_depth_limit)
{
	const char *path;
	char *s;

	cr_assert_eq(setenv("HOME", tdir, 1), 0);
	path = twrite(".ssh/config", "Host loop\nInclude config\n");
	s = error_of(path);
	cr_assert_str_eq(s, "DIR/.ssh/config:2: Include nested too deep "
	    "(more than 16 levels)");
	free(s);

	/* 16 levels are fine. */
	for (int i = 1; i <= 16; i++) {
		char name[32], text[64];

		snprintf(name, sizeof name, ".ssh/l%d", i);
		if (i < 16)
			snprintf(text, sizeof text, "Host h%d\nInclude l%d\n",
			    i, i + 1);
		else
			snprintf(text, sizeof text, "Host h%d\n", i);
		twrite(name, text);
	}
	s = aliases_of(twrite(".ssh/top", "Include l1\n"));
	cr_assert_str_eq(s, "h1 h2 h3 h4 h5 h6 h7 h8 h9 h10 h11 h12 h13 h14 "
	    "h15 h16");
	free(s);
}

Test(sshconfig, errors)
{
	char *s;

	s = error_of(tpath("missing"));
	cr_assert_str_eq(s, "cannot read DIR/missing: No such file or "
	    "directory");
	free(s);

	s = error_of(tdir);
	cr_assert_str_eq(s, "cannot read DIR: Is a directory");
	free(s);

	s = error_of(twrite("quote", "Host a\nHost \"b c\n"));
	cr_assert_str_eq(s, "DIR/quote:2: unterminated quote");
	free(s);

	s = error_of(twrite("noarg", "Host a\n\nInclude\n"));
	cr_assert_str_eq(s, "DIR/noarg:3: Include without argument");
	free(s);

	/* An error inside an included file names that file. */
	twrite("inc/bad.conf", "Host x\nHost 'y\n");
	{
		char text[512];

		snprintf(text, sizeof text, "Include %s/inc/*.conf\n", tdir);
		s = error_of(twrite("top", text));
	}
	cr_assert_str_eq(s, "DIR/inc/bad.conf:2: unterminated quote");
	free(s);
}

Test(sshconfig, default_path)
{
	char *s;

	/* No ~/.ssh/config: nothing to add, not an error. */
	cr_assert_eq(setenv("HOME", tdir, 1), 0);
	s = aliases_of(NULL);
	cr_assert_str_eq(s, "");
	free(s);

	twrite(".ssh/config", "Host from-default\n");
	s = aliases_of(NULL);
	cr_assert_str_eq(s, "from-default");
	free(s);
}
