/*
 * tests/config/test_targets.c - config/targets.c: every expression form
 * (names, globs, ranges, @groups and tags, union, exclusion, intersection),
 * ordering and de-duplication, errors naming the term or the group's
 * file:line, expansion limits, and the defaults merged into each result.
 */
#include "cfgtest.h"
#include "config/config_int.h"

TestSuite(targets, .init = tdir_setup, .fini = tdir_teardown);

static const char fixture[] =
    "[defaults]\n"
    "user = deploy\n"
    "port = 2200\n"
    "key = /keys/default, /keys/second\n"
    "\n"
    "[host web1]\n"
    "address = 10.0.0.1\n"
    "tags = web, eu\n"
    "[host web2]\n"
    "tags = web, us\n"
    "user = root\n"
    "port = 22\n"
    "key = /keys/web2\n"
    "[host web3]\n"
    "tags = web, eu\n"
    "[host db1]\n"
    "tags = db, eu\n"
    "jump = bastion\n"
    "[host db2]\n"
    "tags = db, us\n"
    "[host bastion]\n"
    "\n"
    "[group frontend]\n"
    "hosts = web1, web2\n"
    "[group backend]\n"
    "hosts = db*, !db2\n"
    "[group all]\n"
    "hosts = @frontend, @backend,\n"
    "        bastion\n"
    "[group eu]\n"
    "hosts = bastion\n"
    "[group rev]\n"
    "hosts = web3, web2, web1\n"
    "[group loop1]\n"
    "hosts = @loop2\n"
    "[group loop2]\n"
    "hosts = x, @loop1\n"
    "[group self]\n"
    "hosts = a, @self\n"
    "[group broken]\n"
    "hosts = @nosuch\n"
    "[group outer]\n"
    "hosts = web1, @broken\n"
    "[group badrange]\n"
    "hosts = n[5-1]\n"
    "[group spaced]\n"
    "hosts = two words\n"
    "[group empty]\n"
    "[group fromrange]\n"
    "hosts = n[1-2],m[01-02]\n";

static cfg_inventory *
fixture_inv(void)
{
	return tload(fixture);
}

/* One expression, its expected result (names or "ERR: message"). */
struct expect {
	char expr[96];
	char want[200];
};

ParameterizedTestParameters(targets, expressions)
{
	static struct expect cases[] = {
		/* names: inventory hosts and ad-hoc hostnames alike */
		{ "web1", "web1" },
		{ "newhost.example.com", "newhost.example.com" },
		{ "10.1.2.3", "10.1.2.3" },
		{ "  web2 ,  web1  ", "web2 web1" },
		/* globs over known names only */
		{ "web*", "web1 web2 web3" },
		{ "w?b2", "web2" },
		{ "*", "web1 web2 web3 db1 db2 bastion" },
		{ "web[!1]", "web2 web3" },
		{ "[bd]*", "db1 db2 bastion" },
		{ "zz*,web1", "web1" },
		/* digits-only brackets are ranges, literal even if unknown */
		{ "web[1-3]", "web1 web2 web3" },
		{ "n[01-03]", "n01 n02 n03" },
		{ "n[8-11]", "n8 n9 n10 n11" },
		{ "n[098-101]", "n098 n099 n100 n101" },
		{ "n[0-2]", "n0 n1 n2" },
		{ "n[1-3,7]", "n1 n2 n3 n7" },
		{ "n[7,1-2]", "n7 n1 n2" },
		{ "n[5]", "n5" },
		{ "r[1-2]n[1-2]", "r1n1 r1n2 r2n1 r2n2" },
		{ "a[1-2]b[08-09]c", "a1b08c a1b09c a2b08c a2b09c" },
		{ "[1-2].example", "1.example 2.example" },
		{ "web[1-3]*", "web1 web2 web3" },
		{ "n[1-3,7],x", "n1 n2 n3 n7 x" },
		/* groups, tags, both */
		{ "@frontend", "web1 web2" },
		{ "@us", "web2 db2" },
		{ "@eu", "bastion web1 web3 db1" },
		{ "@backend", "db1" },
		{ "@all", "web1 web2 db1 bastion" },
		{ "@fromrange", "n1 n2 m01 m02" },
		/* union: first appearance, de-duplicated */
		{ "web2,web1,web2,@web", "web2 web1 web3" },
		{ "db2,@db,db1", "db2 db1" },
		/* exclusion applies to the whole union, wherever it stands */
		{ "@web,!web2", "web1 web3" },
		{ "!web2,@web", "web1 web3" },
		{ "@web,!*3", "web1 web2" },
		{ "@all,!@frontend", "db1 bastion" },
		{ "web[1-3],!web[2-3]", "web1" },
		{ "*,!@web&@eu", "web2 db1 db2 bastion" },
		{ "@web, ! web1", "web2 web3" },
		{ "web1,!nosuchhost", "web1" },
		/* intersection keeps the order of its left term */
		{ "@web&@eu", "web1 web3" },
		/* an intersection with a negated term */
		{ "@web&!@eu", "web2" },
		{ "@web&!web1&!web3", "web2" },
		{ "@web&! @eu", "web2" },
		{ "@rev&@web", "web3 web2 web1" },
		{ "@web&@rev", "web1 web2 web3" },
		{ "@eu&db*", "db1" },
		{ "@web & @eu & web3", "web3" },
		{ "web1&web2,db1", "db1" },
		{ "newhost&newhost", "newhost" },
		/* empty results */
		{ "zz*", "ERR: target 'zz*' matches no host" },
		{ "@empty", "ERR: target '@empty' matches no host" },
		{ "web1,!web1", "ERR: target 'web1,!web1' matches no host" },
		{ "!web1", "ERR: target '!web1' matches no host" },
		{ "@web&@db", "ERR: target '@web&@db' matches no host" },
		/* syntax errors name the term */
		{ "", "ERR: empty target expression" },
		{ "   ", "ERR: empty target expression" },
		{ "web1,,web2", "ERR: empty item in 'web1,,web2'" },
		{ "web1,", "ERR: empty item in 'web1,'" },
		{ "!", "ERR: empty exclusion '!'" },
		{ "web1&", "ERR: empty term in 'web1&'" },
		{ "@web&!", "ERR: empty or doubled '!' in '@web&!'" },
		{ "@web&!!web1", "ERR: empty or doubled '!' in '@web&!!web1'" },
		{ "a b", "ERR: invalid host name 'a b'" },
		{ "root@web1", "ERR: invalid host name 'root@web1'" },
		{ "-oProxyCommand=x", "ERR: invalid host name '-oProxyCommand=x'" },
		{ "web]", "ERR: invalid host name 'web]'" },
		/* things that are not host names, said so */
		{ "/etc/hosts", "ERR: '/etc/hosts' looks like a path, not a host name" },
		{ "web1,./x", "ERR: './x' looks like a path, not a host name" },
		{ "web1:2222", "ERR: 'web1:2222': no ':' in a host name (a port goes in -p, ssh_config or the inventory)" },
		{ "~web", "ERR: '~web': no '~' in a host name (a path was expanded where a host was expected?)" },
		{ "@", "ERR: invalid group or tag name '@'" },
		{ "@we b", "ERR: invalid group or tag name '@we b'" },
		{ "@web*", "ERR: invalid group or tag name '@web*'" },
		{ "@nosuch", "ERR: unknown group or tag '@nosuch'" },
		{ "web1,@nosuch", "ERR: unknown group or tag '@nosuch'" },
		{ "we b*", "ERR: invalid pattern 'we b*'" },
		/* malformed and reversed ranges */
		{ "n[5-1]", "ERR: reversed range '5-1' in 'n[5-1]'" },
		{ "n[1-3,9-8]", "ERR: reversed range '9-8' in 'n[1-3,9-8]'" },
		{ "n[]", "ERR: malformed range '[]' in 'n[]'" },
		{ "n[1-]", "ERR: malformed range '[1-]' in 'n[1-]'" },
		{ "n[-3]", "ERR: malformed range '[-3]' in 'n[-3]'" },
		{ "n[1-2-3]", "ERR: malformed range '[1-2-3]' in 'n[1-2-3]'" },
		{ "n[1,,2]", "ERR: malformed range '[1,,2]' in 'n[1,,2]'" },
		{ "n[1,]", "ERR: malformed range '[1,]' in 'n[1,]'" },
		{ "n[1234567890]", "ERR: malformed range '[1234567890]' in 'n[1234567890]'" },
		{ "n[1-3", "ERR: unterminated '[' in 'n[1-3'" },
		{ "web1,n[1-3", "ERR: unterminated '[' in 'n[1-3'" },
	};

	return cr_make_param_array(struct expect, cases,
	    sizeof cases / sizeof cases[0]);
}

ParameterizedTest(struct expect *e, targets, expressions)
{
	cfg_inventory *inv = fixture_inv();
	char *got = tresolve(inv, e->expr);

	cr_assert_str_eq(got, e->want, "expression '%s'", e->expr);
	free(got);
	cfg_inventory_free(inv);
}

/* Errors found while expanding a group carry the group's file:line. */
Test(targets, group_errors_located)
{
	cfg_inventory *inv = fixture_inv();
	char want[256], *got;

	got = tresolve(inv, "@loop1");
	snprintf(want, sizeof want, "ERR: FILE:%d: group 'loop2': cycle "
	    "loop1 -> loop2 -> loop1", tline_of(fixture, "[group loop2]"));
	cr_assert_str_eq(got, want);
	free(got);

	got = tresolve(inv, "web1,@loop2");
	snprintf(want, sizeof want, "ERR: FILE:%d: group 'loop1': cycle "
	    "loop2 -> loop1 -> loop2", tline_of(fixture, "[group loop1]"));
	cr_assert_str_eq(got, want);
	free(got);

	got = tresolve(inv, "@self");
	snprintf(want, sizeof want, "ERR: FILE:%d: group 'self': cycle "
	    "self -> self", tline_of(fixture, "[group self]"));
	cr_assert_str_eq(got, want);
	free(got);

	got = tresolve(inv, "@broken");
	snprintf(want, sizeof want, "ERR: FILE:%d: group 'broken': unknown "
	    "group or tag '@nosuch'", tline_of(fixture, "[group broken]"));
	cr_assert_str_eq(got, want);
	free(got);

	/* Through another group: the innermost group is the one named. */
	got = tresolve(inv, "@outer");
	cr_assert_str_eq(got, want);
	free(got);

	got = tresolve(inv, "@badrange");
	snprintf(want, sizeof want, "ERR: FILE:%d: group 'badrange': reversed "
	    "range '5-1' in 'n[5-1]'", tline_of(fixture, "[group badrange]"));
	cr_assert_str_eq(got, want);
	free(got);

	got = tresolve(inv, "@spaced");
	snprintf(want, sizeof want, "ERR: FILE:%d: group 'spaced': invalid "
	    "host name 'two words'", tline_of(fixture, "[group spaced]"));
	cr_assert_str_eq(got, want);
	free(got);

	/* Broken groups that an expression does not reach do not matter. */
	got = tresolve(inv, "@all");
	cr_assert_str_eq(got, "web1 web2 db1 bastion");
	free(got);
	cfg_inventory_free(inv);
}

Test(targets, group_errors_without_path)
{
	cfg_inventory *inv = fixture_inv();
	char want[128], *got;

	/* An inventory not read from a file still says which line. */
	free(inv->path);
	inv->path = NULL;
	got = tresolve(inv, "@self");
	snprintf(want, sizeof want, "ERR: inventory:%d: group 'self': cycle "
	    "self -> self", tline_of(fixture, "[group self]"));
	cr_assert_str_eq(got, want);
	free(got);
	cfg_inventory_free(inv);
}

Test(targets, defaults_applied)
{
	cfg_inventory *inv = fixture_inv();
	cfg_host *h = NULL;
	size_t n = 0;
	char *cause = NULL, *s;

	cr_assert_eq(cfg_targets_resolve(inv, "web1,web2,db1,adhoc", &h, &n,
	    &cause), 0, "%s", cause);
	cr_assert_eq(n, 4);

	/* Inventory host without own settings: [defaults] fill in. */
	cr_assert_str_eq(h[0].name, "web1");
	cr_assert_str_eq(h[0].address, "10.0.0.1");
	cr_assert_str_eq(h[0].user, "deploy");
	cr_assert_eq(h[0].port, 2200);
	s = tjoin(h[0].keys);
	cr_assert_str_eq(s, "/keys/default /keys/second");
	free(s);
	s = tjoin(h[0].tags);
	cr_assert_str_eq(s, "web eu");
	free(s);
	cr_assert_null(h[0].jump);
	cr_assert_eq(h[0].in_inventory, 1);

	/* Own settings win, own keys replace the default list. */
	cr_assert_str_eq(h[1].user, "root");
	cr_assert_eq(h[1].port, 22);
	s = tjoin(h[1].keys);
	cr_assert_str_eq(s, "/keys/web2");
	free(s);
	cr_assert_null(h[1].address);

	cr_assert_str_eq(h[2].jump, "bastion");
	cr_assert_str_eq(h[2].user, "deploy");

	/* Ad-hoc host: defaults only. */
	cr_assert_str_eq(h[3].name, "adhoc");
	cr_assert_null(h[3].address);
	cr_assert_str_eq(h[3].user, "deploy");
	cr_assert_eq(h[3].port, 2200);
	s = tjoin(h[3].keys);
	cr_assert_str_eq(s, "/keys/default /keys/second");
	free(s);
	cr_assert_null(h[3].tags);
	cr_assert_null(h[3].jump);
	cr_assert_eq(h[3].in_inventory, 0);

	/* Results own their memory: the inventory can go first. */
	cfg_inventory_free(inv);
	cr_assert_str_eq(h[1].keys[0], "/keys/web2");
	cr_assert_str_eq(h[0].tags[1], "eu");
	cfg_hosts_free(h, n);
	cfg_hosts_free(NULL, 0);
}

Test(targets, empty_inventory)
{
	cfg_inventory *inv = cfg_inventory_new();
	cfg_host *h = NULL;
	size_t n = 0;
	char *cause = NULL, *got;

	cr_assert_eq(cfg_targets_resolve(inv, "h[1-2]", &h, &n, &cause), 0);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(h[1].name, "h2");
	cr_assert_null(h[1].user);
	cr_assert_eq(h[1].port, 0);
	cr_assert_null(h[1].keys);
	cr_assert_eq(h[1].in_inventory, 0);
	cfg_hosts_free(h, n);

	got = tresolve(inv, "*");
	cr_assert_str_eq(got, "ERR: target '*' matches no host");
	free(got);
	got = tresolve(inv, "@x");
	cr_assert_str_eq(got, "ERR: unknown group or tag '@x'");
	free(got);

	/* cause may be NULL; outputs are reset on error. */
	h = (cfg_host *)1;
	n = 7;
	cr_assert_eq(cfg_targets_resolve(inv, "@x", &h, &n, NULL), -1);
	cr_assert_null(h);
	cr_assert_eq(n, 0);
	cr_assert_eq(cfg_targets_resolve(inv, NULL, &h, &n, &cause), -1);
	cr_assert_str_eq(cause, "empty target expression");
	free(cause);
	cfg_inventory_free(inv);
}

Test(targets, ssh_aliases_are_known_names)
{
	cfg_inventory *inv = fixture_inv();
	char *cause = NULL, *got;
	cfg_host *h = NULL;
	size_t n = 0;
	const char *cfg = twrite("ssh_config", "Host alias1 alias2 web1\n");

	cr_assert_eq(cfg_inventory_add_ssh_aliases(inv, cfg, &cause), 0, "%s",
	    cause);
	got = tresolve(inv, "alias*");
	cr_assert_str_eq(got, "alias1 alias2");
	free(got);
	/* Inventory hosts first, then aliases, each name once. */
	got = tresolve(inv, "*1");
	cr_assert_str_eq(got, "web1 db1 alias1");
	free(got);

	cr_assert_eq(cfg_targets_resolve(inv, "alias2,web1", &h, &n, &cause), 0);
	cr_assert_eq(h[0].in_inventory, 0);
	/* An alias keeps its ssh_config User/Port: defaults do not override. */
	cr_assert_null(h[0].user);
	cr_assert_eq(h[0].port, 0);
	/* A name in both keeps its inventory settings. */
	cr_assert_eq(h[1].in_inventory, 1);
	cr_assert_str_eq(h[1].address, "10.0.0.1");
	cfg_hosts_free(h, n);
	cfg_inventory_free(inv);
}

Test(targets, range_cap)
{
	cfg_inventory *inv = cfg_inventory_new();
	cfg_host *h = NULL;
	size_t n = 0;
	char *cause = NULL, *got;

	/* Exactly at the cap: fine, padding and order intact. */
	cr_assert_eq(cfg_targets_resolve(inv, "n[000001-100000]", &h, &n,
	    &cause), 0, "%s", cause);
	cr_assert_eq(n, 100000);
	cr_assert_str_eq(h[0].name, "n000001");
	cr_assert_str_eq(h[99999].name, "n100000");
	cfg_hosts_free(h, n);

	got = tresolve(inv, "n[1-100001]");
	cr_assert_str_eq(got, "ERR: range 'n[1-100001]' expands to more than "
	    "100000 names");
	free(got);
	got = tresolve(inv, "n[1-99999,1-99999]");
	cr_assert_str_eq(got, "ERR: range 'n[1-99999,1-99999]' expands to "
	    "more than 100000 names");
	free(got);
	/* Several brackets multiply. */
	got = tresolve(inv, "a[1-400]b[1-400]");
	cr_assert_str_eq(got, "ERR: range 'a[1-400]b[1-400]' expands to more "
	    "than 100000 names");
	free(got);
	got = tresolve(inv, "a[0-999999999]b[0-999999999]c[0-999999999]");
	cr_assert(strstr(got, "expands to more than 100000 names") != NULL,
	    "%s", got);
	free(got);
	/* A union of legal ranges is capped as a whole. */
	got = tresolve(inv, "a[1-60000],b[1-60000]");
	cr_assert_str_eq(got, "ERR: expression matches more than 100000 "
	    "hosts");
	free(got);
	cfg_inventory_free(inv);
}

Test(targets, work_budget, .timeout = 30)
{
	cfg_inventory *inv = cfg_inventory_new();
	char *expr = malloc(64 * 100), *got;
	size_t len = 0;
	int i;

	/* Each item is legal and small in the end, but costly to compute. */
	cr_assert_not_null(expr);
	for (i = 0; i < 60; i++)
		len += (size_t)sprintf(expr + len, "%sa[1-99999]&b", i ? "," : "");
	got = tresolve(inv, expr);
	cr_assert_str_eq(got, "ERR: expression too large to expand (limit "
	    "5000000 operations)");
	free(got);
	free(expr);
	cfg_inventory_free(inv);
}

Test(targets, shared_groups_expand_once, .timeout = 10)
{
	/*
	 * g30 reaches g0 through 2^30 paths; without memoisation this never
	 * ends. Each group is expanded once per call.
	 */
	char *text = malloc(64 * 40), *got;
	size_t len;
	cfg_inventory *inv;
	int i;

	cr_assert_not_null(text);
	len = (size_t)sprintf(text, "[group g0]\nhosts = leaf\n");
	for (i = 1; i <= 30; i++)
		len += (size_t)sprintf(text + len, "[group g%d]\nhosts = @g%d, "
		    "@g%d, x%d\n", i, i - 1, i - 1, i);
	inv = tload(text);
	got = tresolve(inv, "@g30,!x[2-30]");
	cr_assert_str_eq(got, "leaf x1");
	free(got);
	free(text);
	cfg_inventory_free(inv);
}

Test(targets, group_members_may_hold_lists)
{
	/* Members built by hand (not by the loader) may still be lists. */
	cfg_inventory *inv = cfg_inventory_new();
	char *got, *members[] = { "a, b", "c[1-2],!b", NULL };

	inv->groups = calloc(1, sizeof *inv->groups);
	cr_assert_not_null(inv->groups);
	inv->groups[0].name = strdup("hand");
	inv->groups[0].members = calloc(3, sizeof(char *));
	inv->groups[0].members[0] = strdup(members[0]);
	inv->groups[0].members[1] = strdup(members[1]);
	inv->groups[0].line = 3;
	inv->ngroups = 1;
	got = tresolve(inv, "@hand");
	cr_assert_str_eq(got, "a c1 c2");
	free(got);

	free(inv->groups[0].members[1]);
	inv->groups[0].members[1] = strdup("x,,y");
	got = tresolve(inv, "@hand");
	cr_assert_str_eq(got, "ERR: inventory:3: group 'hand': empty item in "
	    "'x,,y'");
	free(got);
	cfg_inventory_free(inv);
}

/* The record of past runs: read strictly, named by @failed / @ok. */
Test(targets, past_runs)
{
	static const char rec[] = "{\"runs\":[{\"time\":2,\"command\":\"x\",\"ok\":[\"web1\"],"
	    "\"failed\":[\"web2\",\"db\\u0031\",\"h\xc3\xa9\\u00e9\"]},\n{\"time\":1,\"command\":\"y\",\"ok\":[],"
	    "\"failed\":[\"web3\"],\"later\":{\"a\":[1,2]}}]}\n";
	static const char *const bad[] = {
		"", "{", "{\"runs\":[{\"ok\":[]}]}", "{\"runs\":[]} x", "{\"runs\":[{\"ok\":[\"a\0b\"],"
		"\"failed\":[]}]}", "{\"runs\":[{\"ok\":[\"\\ud800\"],\"failed\":[]}]}",
		"{\"runs\":[],\"runs\":[]}",
	};
	cfg_runs *runs = NULL;
	char *cause = NULL;
	size_t i;

	cr_assert_eq(cfg_runs_parse("rec", rec, sizeof rec - 1, &runs, &cause), 0, "%s", cause);
	cr_assert_eq(runs->n, 2);
	cr_assert_str_eq(runs->v[0].failed[1], "db1");
	/* Raw UTF-8 as written, \u escapes decoded: both the same character. */
	cr_assert_str_eq(runs->v[0].failed[2], "h\xc3\xa9\xc3\xa9");
	cr_assert_null(runs->v[1].ok[0]);
	cr_assert_str_eq(runs->v[1].failed[0], "web3");
	cfg_runs_free(runs);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cr_assert_eq(cfg_runs_parse("rec", bad[i], strlen(bad[i]), &runs, &cause), -1,
		    "parsed: %s", bad[i]);
		cr_assert(strncmp(cause, "rec: not a drover run record", 28) == 0, "%s", cause);
		free(cause);
	}
	/* The names are taken: an inventory cannot define them. */
	{
		static const char g[] = "[group failed]\nhosts = a\n";
		static const char t[] = "[host a]\ntags = web, ok\n";
		cfg_inventory *inv = NULL;

		cr_assert_eq(cfg__inventory_parse("inv", g, sizeof g - 1, &inv, &cause), -1);
		cr_assert(strstr(cause, "inv:1: group name 'failed' is reserved") != NULL, "%s", cause);
		free(cause);
		cr_assert_eq(cfg__inventory_parse("inv", t, sizeof t - 1, &inv, &cause), -1);
		cr_assert(strstr(cause, "inv:2: tag 'ok' is reserved") != NULL, "%s", cause);
		free(cause);
	}
}
