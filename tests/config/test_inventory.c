/*
 * tests/config/test_inventory.c - config/inventory.c and inventory_ini.c: a
 * complete file parsed into the expected structs, every rejected input
 * reported with its exact file:line, inih quirks (continuations, repeated
 * keys, long lines, BOM, CRLF) and the default path rules.
 */
#include "cfgtest.h"

TestSuite(inventory, .init = tdir_setup, .fini = tdir_teardown);

static const char good[] =
    "# comment\n"
    "[defaults]\n"
    "user = deploy\n"
    "port = 22\n"
    "key = ~/.ssh/id_ops          ; may repeat, or comma list\n"
    "key = /etc/k2, ~/k3\n"
    "connect_timeout = 10         ; seconds\n"
    "timeout = 60                 ; command timeout, seconds\n"
    "fanout = 64\n"
    "max_handshakes = 8\n"
    "accept_new = no              ; yes/no/true/false/1/0\n"
    "\n"
    "[host web1]\n"
    "address = 10.0.0.1\n"
    "user = root\n"
    "port = 2222\n"
    "key = ~/.ssh/id_web\n"
    "tags = web, eu\n"
    "jump = bastion\n"
    "\n"
    "[host bastion]\n"
    "\n"
    "[group web]\n"
    "hosts = web[01-20], web-extra, @other-group, db*\n"
    "[group other-group]\n";

Test(inventory, good_file)
{
	cfg_inventory *inv;
	cfg_host *h;
	char *s, home[PATH_MAX + 16];

	cr_assert_eq(setenv("HOME", tdir, 1), 0);
	inv = tload(good);

	cr_assert_str_eq(inv->path, tpath("inventory.ini"));
	cr_assert_str_eq(inv->defaults.user, "deploy");
	cr_assert_eq(inv->defaults.port, 22);
	s = tjoin(inv->defaults.keys);
	snprintf(home, sizeof home, "%s/.ssh/id_ops /etc/k2 %s/k3", tdir, tdir);
	cr_assert_str_eq(s, home);
	free(s);
	cr_assert_eq(inv->defaults.connect_timeout, 10);
	cr_assert_eq(inv->defaults.command_timeout, 60);
	cr_assert_eq(inv->defaults.fanout, 64);
	cr_assert_eq(inv->defaults.max_handshakes, 8);
	cr_assert_eq(inv->defaults.accept_new, 0);

	cr_assert_eq(inv->nhosts, 2);
	h = &inv->hosts[0];
	cr_assert_str_eq(h->name, "web1");
	cr_assert_str_eq(h->address, "10.0.0.1");
	cr_assert_str_eq(h->user, "root");
	cr_assert_eq(h->port, 2222);
	s = tjoin(h->keys);
	snprintf(home, sizeof home, "%s/.ssh/id_web", tdir);
	cr_assert_str_eq(s, home);
	free(s);
	s = tjoin(h->tags);
	cr_assert_str_eq(s, "web eu");
	free(s);
	cr_assert_str_eq(h->jump, "bastion");
	cr_assert_eq(h->in_inventory, 1);

	/* A section without keys still declares the host, nothing set. */
	h = &inv->hosts[1];
	cr_assert_str_eq(h->name, "bastion");
	cr_assert_null(h->address);
	cr_assert_null(h->user);
	cr_assert_eq(h->port, 0);
	cr_assert_null(h->keys);
	cr_assert_null(h->tags);
	cr_assert_null(h->jump);
	cr_assert_eq(h->in_inventory, 1);

	cr_assert_eq(inv->ngroups, 2);
	cr_assert_str_eq(inv->groups[0].name, "web");
	cr_assert_eq(inv->groups[0].line, tline_of(good, "[group web]"));
	s = tjoin(inv->groups[0].members);
	cr_assert_str_eq(s, "web[01-20] web-extra @other-group db*");
	free(s);
	cr_assert_str_eq(inv->groups[1].name, "other-group");
	cr_assert_eq(inv->groups[1].line, tline_of(good, "[group other-group]"));
	/* Empty but present, as the header promises a NULL-terminated list. */
	cr_assert_not_null(inv->groups[1].members);
	cr_assert_null(inv->groups[1].members[0]);

	cr_assert_eq(inv->naliases, 0);
	cr_assert_not_null(inv->aliases);
	cfg_inventory_free(inv);
}

Test(inventory, new_is_empty)
{
	cfg_inventory *inv = cfg_inventory_new();

	cr_assert_null(inv->path);
	cr_assert_eq(inv->nhosts, 0);
	cr_assert_eq(inv->ngroups, 0);
	cr_assert_eq(inv->defaults.accept_new, -1);
	cr_assert_eq(inv->defaults.port, 0);
	cr_assert_not_null(inv->aliases);
	cr_assert_null(inv->aliases[0]);
	cfg_inventory_free(inv);
	cfg_inventory_free(NULL);
}

Test(inventory, unset_defaults)
{
	cfg_inventory *inv = tload("[host a]\n");

	cr_assert_null(inv->defaults.user);
	cr_assert_eq(inv->defaults.port, 0);
	cr_assert_null(inv->defaults.keys);
	cr_assert_eq(inv->defaults.connect_timeout, 0);
	cr_assert_eq(inv->defaults.command_timeout, 0);
	cr_assert_eq(inv->defaults.fanout, 0);
	cr_assert_eq(inv->defaults.max_handshakes, 0);
	cr_assert_eq(inv->defaults.accept_new, -1);
	cfg_inventory_free(inv);
}

Test(inventory, accept_new_spellings)
{
	static const struct {
		const char *v;
		int want;
	} cases[] = {
		{ "yes", 1 }, { "true", 1 }, { "1", 1 }, { "on", 1 }, { "YES", 1 },
		{ "no", 0 }, { "false", 0 }, { "0", 0 }, { "off", 0 }, { "No", 0 },
	};
	char text[128];
	cfg_inventory *inv;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(text, sizeof text, "[defaults]\naccept_new = %s\n",
		    cases[i].v);
		inv = tload(text);
		cr_assert_eq(inv->defaults.accept_new, cases[i].want, "%s",
		    cases[i].v);
		cfg_inventory_free(inv);
	}
}

Test(inventory, section_names_trimmed_and_case_insensitive)
{
	cfg_inventory *inv = tload("[  host    web1  ]\nUser = x\n"
	    "[GROUP g]\nHOSTS = web1\n[ Defaults ]\nPort = 7\n");

	cr_assert_eq(inv->nhosts, 1);
	cr_assert_str_eq(inv->hosts[0].name, "web1");
	cr_assert_str_eq(inv->hosts[0].user, "x");
	cr_assert_eq(inv->ngroups, 1);
	cr_assert_str_eq(inv->groups[0].members[0], "web1");
	cr_assert_eq(inv->defaults.port, 7);
	cfg_inventory_free(inv);
}

Test(inventory, comments)
{
	cfg_inventory *inv = tload("; top\n# top\n[host a] ; trailing\n"
	    "  # indented comment\n"
	    "user = u ; inline comment\n"
	    "jump = j;k\n");

	cr_assert_str_eq(inv->hosts[0].user, "u");
	/* inih only takes ';' after whitespace as an inline comment. */
	cr_assert_str_eq(inv->hosts[0].jump, "j;k");
	cfg_inventory_free(inv);
}

Test(inventory, inline_hash_is_value)
{
	char *msg = tload_error("[host a]\naddress = x # y\n", 0);

	/* '#' is not an inline comment, so the value has spaces: rejected. */
	cr_assert_str_eq(msg, "FILE:2: invalid address 'x # y'");
	free(msg);
}

Test(inventory, list_keys_repeat_and_continue)
{
	cfg_inventory *inv;
	char *s;

	inv = tload("[host a]\n"
	    "key = /k1\n"
	    "key = /k2, /k3\n"
	    "tags = t1,\n"
	    "   t2 ; comment\n"
	    "tags = t3, t1\n"
	    "[group g]\n"
	    "hosts = web[1-3,7],\n"
	    "\tdb1, db2\n"
	    "   @other\n"
	    "hosts = last\n");
	s = tjoin(inv->hosts[0].keys);
	cr_assert_str_eq(s, "/k1 /k2 /k3");
	free(s);
	s = tjoin(inv->hosts[0].tags);
	cr_assert_str_eq(s, "t1 t2 t3", "tags are de-duplicated");
	free(s);
	s = tjoin(inv->groups[0].members);
	/* The comma inside brackets does not split the range. */
	cr_assert_str_eq(s, "web[1-3,7] db1 db2 @other last");
	free(s);
	cfg_inventory_free(inv);
}

Test(inventory, indented_keys_are_keys)
{
	/* git-config style: indentation before "key =" is not a continuation. */
	cfg_inventory *inv = tload("[host a]\n"
	    "\taddress = 10.0.0.1\n"
	    "\tuser = root\n"
	    "    port = 2\n"
	    "  [host b]\n"
	    "    tags = x\n");

	cr_assert_eq(inv->nhosts, 2);
	cr_assert_str_eq(inv->hosts[0].address, "10.0.0.1");
	cr_assert_str_eq(inv->hosts[0].user, "root");
	cr_assert_eq(inv->hosts[0].port, 2);
	cr_assert_str_eq(inv->hosts[1].name, "b");
	cr_assert_str_eq(inv->hosts[1].tags[0], "x");
	cfg_inventory_free(inv);
}

Test(inventory, long_lines)
{
	/* inih's default buffer is 200 bytes: these lines are far longer. */
	char *text = malloc(20000), *user = malloc(4000), *s;
	cfg_inventory *inv;
	size_t i, n;
	int line;

	cr_assert_not_null(text);
	cr_assert_not_null(user);
	memset(user, 'u', 3000);
	user[3000] = '\0';
	n = (size_t)sprintf(text, "[host a]\nuser = %s\n[group g]\nhosts = ", user);
	for (i = 0; i < 300; i++)
		n += (size_t)sprintf(text + n, "%sh%zu", i ? "," : "", i);
	n += (size_t)sprintf(text + n, "\n[host b]\nport = 3\n");
	inv = tload(text);
	cr_assert_str_eq(inv->hosts[0].user, user);
	cr_assert_eq(tcount(inv->groups[0].members), 300);
	cr_assert_str_eq(inv->groups[0].members[299], "h299");
	cr_assert_eq(inv->hosts[1].port, 3);
	cfg_inventory_free(inv);

	/* Line numbers after long lines stay exact. */
	sprintf(text + n, "bogus\n");
	line = tline_of(text, "bogus");
	cr_assert_eq(line, 7);
	s = tload_error(text, 0);
	cr_assert_str_eq(s, "FILE:7: syntax error: expected 'key = value'");
	free(s);
	free(text);
	free(user);
}

Test(inventory, line_limit)
{
	char *text = malloc(10000), *s;

	cr_assert_not_null(text);
	/* 4093 bytes is the longest line inih's 4096-byte buffer holds. */
	sprintf(text, "[host a]\nuser = %4086d\n", 7);
	for (char *p = text + 16; *p == ' '; p++)
		*p = 'u';
	cfg_inventory_free(tload(text));
	sprintf(text, "[host a]\nuser = %4087d\n", 7);
	for (char *p = text + 16; *p == ' '; p++)
		*p = 'u';
	s = tload_error(text, 0);
	cr_assert_str_eq(s, "FILE:2: line too long (over 4093 bytes)");
	free(s);
	free(text);
}

Test(inventory, bom_and_crlf)
{
	cfg_inventory *inv = tload("\xef\xbb\xbf[host a]\r\nuser = u\r\n"
	    "tags = x,\r\n  y\r\n");

	cr_assert_str_eq(inv->hosts[0].name, "a");
	cr_assert_str_eq(inv->hosts[0].user, "u");
	cr_assert_str_eq(inv->hosts[0].tags[1], "y");
	cfg_inventory_free(inv);
}

Test(inventory, no_trailing_newline)
{
	cfg_inventory *inv = tload("[host a]\nport = 5");

	cr_assert_eq(inv->hosts[0].port, 5);
	cfg_inventory_free(inv);
}

Test(inventory, empty_file)
{
	cfg_inventory *inv = tload("");

	cr_assert_eq(inv->nhosts, 0);
	cr_assert_eq(inv->ngroups, 0);
	cr_assert_eq(inv->defaults.accept_new, -1);
	cfg_inventory_free(inv);
}

struct bad {
	char text[160];
	char msg[160];
};

ParameterizedTestParameters(inventory, bad_files)
{
	static struct bad cases[] = {
		{ "# x\n[host web1]\naddress = 10.0.0.1\nadress = 1\n",
		  "FILE:4: unknown key 'adress' in [host web1]" },
		{ "[defaults]\nport = 22\n\n[host a]\nport = 70000\n",
		  "FILE:5: invalid port '70000'" },
		{ "[host a]\nport = 0\n", "FILE:2: invalid port '0'" },
		/* fuzz_inventory's find: glibc's regcomp took 4 GB on this */
		{ "[group na]\nprompt = a+++++++++++++++++++++++++++++++++++\n",
		  "FILE:2: invalid prompt 'a+++++++++++++++++++++++++++++++++++': a repetition "
		  "of a repetition (such as a++ or a*{2})" },
		{ "[host a]\nport = 22x\n", "FILE:2: invalid port '22x'" },
		{ "[host a]\nport = -1\n", "FILE:2: invalid port '-1'" },
		{ "[host a]\nport = 99999999999999999999\n",
		  "FILE:2: invalid port '99999999999999999999'" },
		{ "[host web1]\n\n[host web2]\n[host web1]\n",
		  "FILE:4: duplicate host 'web1' (first at line 1)" },
		{ "[group g]\n[host g]\n[group g]\n",
		  "FILE:3: duplicate group 'g' (first at line 1)" },
		{ "[defaults]\nuser = a\n[defaults]\n",
		  "FILE:3: duplicate section [defaults] (first at line 1)" },
		{ "[host a]\nuser = x\nnot a pair\n", "FILE:3: syntax error: expected 'key = value'" },
		{ "[host a]\n= value\n", "FILE:2: syntax error: expected 'key = value'" },
		{ "[host a]\nuser = x\n[hots web1]\n",
		  "FILE:3: unknown section [hots web1]" },
		{ "[defaults x]\n", "FILE:1: unknown section [defaults x]" },
		{ "[]\n", "FILE:1: unknown section []" },
		{ "\n\nuser = x\n[host a]\n",
		  "FILE:3: key 'user' before any section" },
		{ "[host]\n", "FILE:1: empty host name in [host]" },
		{ "[host   ]\n", "FILE:1: empty host name in [host]" },
		{ "[group]\n", "FILE:1: empty group name in [group]" },
		{ "[host web 1]\n", "FILE:1: invalid host name 'web 1'" },
		{ "[host a,b]\n", "FILE:1: invalid host name 'a,b'" },
		{ "[host a!b]\n", "FILE:1: invalid host name 'a!b'" },
		{ "[host a&b]\n", "FILE:1: invalid host name 'a&b'" },
		{ "[host a@b]\n", "FILE:1: invalid host name 'a@b'" },
		{ "[host a*]\n", "FILE:1: invalid host name 'a*'" },
		{ "[host a?]\n", "FILE:1: invalid host name 'a?'" },
		{ "[host -oProxyCommand=x]\n",
		  "FILE:1: invalid host name '-oProxyCommand=x'" },
		{ "[host web[1-3]]\n",
		  "FILE:1: invalid section header '[host web[1-3]]'" },
		{ "[host a] junk\n", "FILE:1: invalid section header '[host a] junk'" },
		{ "[host a\n", "FILE:1: missing ']' in section header" },
		{ "[group web/eu]\n", "FILE:1: invalid group name 'web/eu'" },
		{ "[host a]\ntags = web, e u\n", "FILE:2: invalid tag 'e u'" },
		{ "[host a]\ntags = web;x\n", "FILE:2: invalid tag 'web;x'" },
		{ "[host a]\ntags = a,,b\n", "FILE:2: empty item in tags 'a,,b'" },
		{ "[group g]\nhosts = ,a\n", "FILE:2: empty item in hosts ',a'" },
		{ "[group g]\nhosts = a,\n  ,b\n",
		  "FILE:3: empty item in hosts ',b'" },
		{ "[defaults]\ntimeout = ten\n", "FILE:2: invalid timeout 'ten'" },
		{ "[defaults]\nconnect_timeout = 1.5\n",
		  "FILE:2: invalid connect_timeout '1.5'" },
		{ "[defaults]\nconnect_timeout = 2147484\n",
		  "FILE:2: invalid connect_timeout '2147484'" },
		{ "[defaults]\nfanout = 0\n", "FILE:2: invalid fanout '0'" },
		{ "[defaults]\nmax_handshakes = 100001\n",
		  "FILE:2: invalid max_handshakes '100001'" },
		{ "[defaults]\naccept_new = maybe\n",
		  "FILE:2: invalid accept_new 'maybe' (yes or no)" },
		{ "[host a]\nuser = a\nport = 1\nuser = b\n",
		  "FILE:4: duplicate key 'user' in [host a] (first at line 2)" },
		{ "[host a]\nuser =\n", "FILE:2: missing value for 'user'" },
		{ "[host a]\nkey = ; only a comment\n",
		  "FILE:2: missing value for 'key'" },
		{ "[host a]\nuser = two words\n", "FILE:2: invalid user 'two words'" },
		{ "[group g]\nuser = x\n", "FILE:2: unknown key 'user' in [group g]" },
		{ "[defaults]\naddress = x\n",
		  "FILE:2: unknown key 'address' in [defaults]" },
		{ "[host a]\nfanout = 3\n", "FILE:2: unknown key 'fanout' in [host a]" },
		{ "[host a]\naddress = x\n    y\n",
		  "FILE:3: unexpected indented line: 'address' takes a single value" },
		{ "[group g]\nhosts = a,\n   b, c = d\n",
		  "FILE:3: indented line 'b, c = d' continues 'hosts'; do not indent keys" },
		{ "[host a]\n  oops\n", "FILE:2: syntax error: expected 'key = value'" },
	};

	return cr_make_param_array(struct bad, cases, sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct bad *b, inventory, bad_files)
{
	char *msg = tload_error(b->text, 0);

	cr_assert_str_eq(msg, b->msg, "input:\n%s", b->text);
	free(msg);
}

Test(inventory, nul_byte)
{
	static const char text[] = "[host a]\nuser = a\0b\n";
	char *msg = tload_error(text, sizeof text - 1);

	cr_assert_str_eq(msg, "FILE:2: NUL byte in line");
	free(msg);
}

Test(inventory, first_error_wins)
{
	char *msg = tload_error("[host a]\nbad\n[nope]\nalso bad\n", 0);

	cr_assert_str_eq(msg, "FILE:2: syntax error: expected 'key = value'");
	free(msg);
}

Test(inventory, explicit_missing_file)
{
	cfg_inventory *inv = (cfg_inventory *)1;
	char *cause = NULL, want[PATH_MAX + 64];
	const char *path = tpath("nope.ini");

	cr_assert_eq(cfg_inventory_load(path, &inv, &cause), -1);
	cr_assert_null(inv);
	snprintf(want, sizeof want, "cannot read %s: No such file or directory",
	    path);
	cr_assert_str_eq(cause, want);
	free(cause);

	/* A directory is not an inventory either. */
	cr_assert_eq(cfg_inventory_load(tdir, &inv, &cause), -1);
	snprintf(want, sizeof want, "cannot read %s: Is a directory", tdir);
	cr_assert_str_eq(cause, want);
	free(cause);

	/* cause may be NULL. */
	cr_assert_eq(cfg_inventory_load(path, &inv, NULL), -1);
}

Test(inventory, default_path)
{
	char want[PATH_MAX + 64], *p;

	cr_assert_eq(setenv("XDG_CONFIG_HOME", "/xdg/conf", 1), 0);
	p = cfg_inventory_default_path();
	cr_assert_str_eq(p, "/xdg/conf/drover/inventory.ini");
	free(p);

	/* A relative XDG_CONFIG_HOME is invalid per the spec: ignored. */
	cr_assert_eq(setenv("XDG_CONFIG_HOME", "rel/conf", 1), 0);
	cr_assert_eq(setenv("HOME", "/home/op", 1), 0);
	p = cfg_inventory_default_path();
	cr_assert_str_eq(p, "/home/op/.config/drover/inventory.ini");
	free(p);

	cr_assert_eq(setenv("XDG_CONFIG_HOME", "", 1), 0);
	p = cfg_inventory_default_path();
	cr_assert_str_eq(p, "/home/op/.config/drover/inventory.ini");
	free(p);

	cr_assert_eq(unsetenv("XDG_CONFIG_HOME"), 0);
	cr_assert_eq(setenv("HOME", tdir, 1), 0);
	p = cfg_inventory_default_path();
	snprintf(want, sizeof want, "%s/.config/drover/inventory.ini", tdir);
	cr_assert_str_eq(p, want);
	free(p);
}

Test(inventory, load_default_path)
{
	cfg_inventory *inv = NULL;
	char *cause = NULL;
	const char *path;

	cr_assert_eq(setenv("XDG_CONFIG_HOME", tdir, 1), 0);

	/* No file at the default path: an empty inventory, not an error. */
	cr_assert_eq(cfg_inventory_load(NULL, &inv, &cause), 0, "%s", cause);
	cr_assert_not_null(inv);
	cr_assert_null(inv->path);
	cr_assert_eq(inv->nhosts, 0);
	cfg_inventory_free(inv);

	path = twrite("drover/inventory.ini", "[host from-xdg]\n");
	cr_assert_eq(cfg_inventory_load(NULL, &inv, &cause), 0, "%s", cause);
	cr_assert_str_eq(inv->path, path);
	cr_assert_eq(inv->nhosts, 1);
	cr_assert_str_eq(inv->hosts[0].name, "from-xdg");
	cfg_inventory_free(inv);

	/* Errors in the default file are still errors. */
	twrite("drover/inventory.ini", "[host a]\nbogus = 1\n");
	cr_assert_eq(cfg_inventory_load(NULL, &inv, &cause), -1);
	cr_assert_null(inv);
	cr_assert(strstr(cause, "inventory.ini:2: unknown key 'bogus'") != NULL,
	    "%s", cause);
	free(cause);
}

Test(inventory, tilde_only_for_home)
{
	cfg_inventory *inv;

	cr_assert_eq(setenv("HOME", "/h", 1), 0);
	inv = tload("[host a]\nkey = ~, ~/x, ~other/y, /abs/~/z, rel\n");
	cr_assert_str_eq(inv->hosts[0].keys[0], "/h");
	cr_assert_str_eq(inv->hosts[0].keys[1], "/h/x");
	cr_assert_str_eq(inv->hosts[0].keys[2], "~other/y");
	cr_assert_str_eq(inv->hosts[0].keys[3], "/abs/~/z");
	cr_assert_str_eq(inv->hosts[0].keys[4], "rel");
	cr_assert_null(inv->hosts[0].keys[5]);
	cfg_inventory_free(inv);
}

/* ---- jump = NAME finds an inventory host -------------------------------- */

static const cfg_host *
thost(const cfg_inventory *inv, const char *name)
{
	size_t i;

	for (i = 0; i < inv->nhosts; i++)
		if (strcmp(inv->hosts[i].name, name) == 0)
			return &inv->hosts[i];
	cr_assert_fail("no host %s", name);
	return NULL;
}

Test(inventory, jump_names_an_inventory_host)
{
	cfg_inventory *inv = tload(
	    "[host bastion]\naddress = 10.0.0.9\nuser = ops\nport = 2200\n"
	    "[host b6]\naddress = ::1\nport = 2201\n"
	    "[host b1]\naddress = 10.1.1.1\n"
	    "[host b2]\naddress = 10.2.2.2\njump = b1\n"
	    "[host plain]\n"
	    "[host db]\njump = bastion\n"
	    "[host db2]\njump = root@bastion:22\n"
	    "[host db3]\njump = bastion,outside\n"
	    "[host db4]\njump = b2\n"
	    "[host db5]\njump = b6\n"
	    "[host db6]\njump = plain\n"
	    "[host db7]\njump = outside\n");

	/* The inventory host's address, user and port, as it is connected. */
	cr_assert_str_eq(thost(inv, "db")->jump, "ops@10.0.0.9:2200");
	/* What the spec says itself wins. */
	cr_assert_str_eq(thost(inv, "db2")->jump, "root@10.0.0.9:22");
	/* Each hop of a list, names not in the inventory left to ssh_config. */
	cr_assert_str_eq(thost(inv, "db3")->jump, "ops@10.0.0.9:2200,outside");
	/* A jump host's own jump comes first in the chain. */
	cr_assert_str_eq(thost(inv, "b2")->jump, "10.1.1.1");
	cr_assert_str_eq(thost(inv, "db4")->jump, "10.1.1.1,10.2.2.2");
	cr_assert_str_eq(thost(inv, "db5")->jump, "[::1]:2201");
	/* Nothing in the inventory to add: the name as written. */
	cr_assert_str_eq(thost(inv, "db6")->jump, "plain");
	cr_assert_str_eq(thost(inv, "db7")->jump, "outside");
	cfg_inventory_free(inv);
}

Test(inventory, jump_loop_in_the_inventory_is_an_error)
{
	char *msg = tload_error(
	    "[host a]\naddress = 10.0.0.1\njump = b\n"
	    "\n"
	    "[host b]\naddress = 10.0.0.2\njump = a\n", 0);

	cr_assert_str_eq(msg, "FILE:1: host 'a': jump loop: a -> b -> a");
	free(msg);
	msg = tload_error("[host self]\naddress = 10.0.0.1\njump = self\n", 0);
	cr_assert_str_eq(msg, "FILE:1: host 'self': jump loop: self -> self");
	free(msg);
}
