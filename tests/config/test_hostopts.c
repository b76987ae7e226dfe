/*
 * tests/config/test_hostopts.c - the one options builder (config/
 * hostopts.c): built-in defaults, [defaults], the host's entry and the
 * command line, each winning over the ones before it, for every setting
 * the engine takes.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"

static cfg_inventory *
inventory(const char *text)
{
	cfg_inventory *inv = NULL;
	char *cause = NULL;

	cr_assert_eq(cfg__inventory_parse("inv", text, strlen(text), &inv, &cause), 0,
	    "%s", cause ? cause : "");
	return inv;
}

static cfg_host *
resolve(const cfg_inventory *inv, const char *expr, size_t *n)
{
	cfg_host *h = NULL;
	char *cause = NULL;

	cr_assert_eq(cfg_targets_resolve(inv, expr, &h, n, &cause), 0, "%s",
	    cause ? cause : "");
	return h;
}

Test(hostopts, built_in_defaults)
{
	cfg_inventory *inv = cfg_inventory_new();
	cfg_host *h;
	cfg_run run;
	size_t n;

	h = resolve(inv, "somehost", &n);
	cfg_run_build(inv, h, n, NULL, &run);
	cr_assert_eq(run.n, 1);
	cr_assert_str_eq(run.conn[0].name, "somehost");
	cr_assert_null(run.conn[0].user);
	cr_assert_eq(run.conn[0].port, 0);
	cr_assert_eq(run.conn[0].connect_timeout_ms, ENG_DEFAULT_CONNECT_TIMEOUT_MS);
	cr_assert_eq(run.conn[0].keepalive_ms, ENG_DEFAULT_KEEPALIVE_MS);
	cr_assert_eq(run.conn[0].accept_new, 0);
	cr_assert_eq(run.conn[0].ask_hostkey, 0);
	cr_assert_eq(run.conn[0].auth[0], ENG_AUTH_END, "engine's own order");
	cr_assert_null(run.conn[0].keys[0]);
	cr_assert_eq(run.fanout.max_parallel, ENG_DEFAULT_FANOUT);
	cr_assert_eq(run.fanout.command_timeout_ms, 0, "no command timeout");
	cr_assert_eq(run.max_handshakes, ENG_DEFAULT_MAX_HANDSHAKES);
	cfg_run_free(&run);
	cfg_hosts_free(h, n);
	cfg_inventory_free(inv);
}

Test(hostopts, inventory_defaults_then_host_entry)
{
	cfg_inventory *inv = inventory(
	    "[defaults]\nuser = ops\nport = 2200\nkey = /k/default\n"
	    "connect_timeout = 3\ntimeout = 9\nfanout = 5\nmax_handshakes = 2\n"
	    "accept_new = yes\n"
	    "[host a]\naddress = 10.0.0.1\nuser = admin\nport = 2201\nkey = /k/a\n"
	    "jump = bastion\n"
	    "[host b]\n");
	cfg_host *h;
	cfg_run run;
	size_t n;

	h = resolve(inv, "a,b", &n);
	cfg_run_build(inv, h, n, NULL, &run);
	cr_assert_eq(run.n, 2);
	/* a: its own entry over [defaults]. */
	cr_assert_str_eq(run.conn[0].address, "10.0.0.1");
	cr_assert_str_eq(run.conn[0].user, "admin");
	cr_assert_eq(run.conn[0].port, 2201);
	cr_assert_str_eq(run.conn[0].keys[0], "/k/a");
	cr_assert_null(run.conn[0].keys[1]);
	cr_assert_str_eq(run.conn[0].jump, "bastion");
	/* b: [defaults]. */
	cr_assert_str_eq(run.conn[1].user, "ops");
	cr_assert_eq(run.conn[1].port, 2200);
	cr_assert_str_eq(run.conn[1].keys[0], "/k/default");
	/* Run-wide values from [defaults], for both. */
	cr_assert_eq(run.conn[0].connect_timeout_ms, 3000);
	cr_assert_eq(run.conn[1].connect_timeout_ms, 3000);
	cr_assert_eq(run.conn[1].accept_new, 1);
	cr_assert_eq(run.fanout.max_parallel, 5);
	cr_assert_eq(run.fanout.command_timeout_ms, 9000);
	cr_assert_eq(run.max_handshakes, 2);
	cfg_run_free(&run);
	cfg_hosts_free(h, n);
	cfg_inventory_free(inv);
}

Test(hostopts, command_line_wins)
{
	cfg_inventory *inv = inventory(
	    "[defaults]\nuser = ops\nconnect_timeout = 3\ntimeout = 9\nfanout = 5\n"
	    "max_handshakes = 2\n"
	    "[host a]\nuser = admin\nport = 2201\nkey = /k/a\n");
	const char *keys[] = { "/k/cli1", "/k/cli2", NULL };
	cfg_overrides ov = {
		.ssh_config = "/etc/cfg", .user = "root", .port = 22, .keys = keys,
		.auth = "password,agent", .accept_new = 1, .ask_hostkey = 1,
		.connect_timeout = 7, .keepalive = 4, .command_timeout = 11,
		.fanout = 300, .max_handshakes = 16,
	};
	cfg_host *h;
	cfg_run run;
	size_t n;

	h = resolve(inv, "a", &n);
	cfg_run_build(inv, h, n, &ov, &run);
	cr_assert_str_eq(run.conn[0].ssh_config, "/etc/cfg");
	cr_assert_str_eq(run.conn[0].user, "root");
	cr_assert_eq(run.conn[0].port, 22);
	/* -k keys first, then the host's own. */
	cr_assert_str_eq(run.conn[0].keys[0], "/k/cli1");
	cr_assert_str_eq(run.conn[0].keys[1], "/k/cli2");
	cr_assert_str_eq(run.conn[0].keys[2], "/k/a");
	cr_assert_null(run.conn[0].keys[3]);
	cr_assert_eq(run.conn[0].auth[0], ENG_AUTH_PASSWORD);
	cr_assert_eq(run.conn[0].auth[1], ENG_AUTH_AGENT);
	cr_assert_eq(run.conn[0].auth[2], ENG_AUTH_END);
	cr_assert_eq(run.conn[0].accept_new, 1);
	cr_assert_eq(run.conn[0].ask_hostkey, 1);
	cr_assert_eq(run.conn[0].connect_timeout_ms, 7000);
	cr_assert_eq(run.conn[0].keepalive_ms, 4000);
	cr_assert_eq(run.fanout.command_timeout_ms, 11000);
	cr_assert_eq(run.fanout.max_parallel, 300);
	cr_assert_eq(run.max_handshakes, 16);
	cfg_run_free(&run);
	cfg_run_free(&run);     /* idempotent */
	cfg_hosts_free(h, n);
	cfg_inventory_free(inv);
}

Test(hostopts, run_wide_values_without_hosts)
{
	cfg_inventory *inv = inventory("[defaults]\nmax_handshakes = 3\n");
	cfg_run run;

	cfg_run_build(inv, NULL, 0, NULL, &run);
	cr_assert_eq(run.n, 0);
	cr_assert_eq(run.max_handshakes, 3);
	cfg_run_free(&run);
	cfg_run_build(NULL, NULL, 0, NULL, &run);
	cr_assert_eq(run.max_handshakes, ENG_DEFAULT_MAX_HANDSHAKES);
	cfg_run_free(&run);
	cfg_inventory_free(inv);
}
