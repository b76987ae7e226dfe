/*
 * tests/fuzz/fuzz_inventory.c - libFuzzer target for the inventory parser
 * (config/inventory.c through cfg__inventory_parse, i.e. inih driven by our
 * line reader). Every input must either parse into an inventory that keeps
 * the loader's promises, or fail with a "fuzz.ini:LINE: ..." message; a
 * parsed inventory is then resolved (every group, every host) so that
 * targets.c also sees fuzzer-made groups, cycles and ranges.
 *
 * Build and run (clang with libFuzzer; apt-get install clang):
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DDROVER_FUZZ=ON
 *   cmake --build build-fuzz --target fuzz_inventory
 *   cp -r tests/fuzz/corpus/inventory /tmp/corpus-inv
 *   build-fuzz/tests/fuzz/fuzz_inventory -max_total_time=60 \
 *       -dict=tests/fuzz/inventory.dict /tmp/corpus-inv
 * or without CMake, from the repository root:
 *   clang -std=c17 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
 *       -I. tests/fuzz/fuzz_inventory.c config/[a-z]*.c -linih -o fuzz_inventory
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "invariant broken: %s\n", what);
		abort();
	}
}

static void
resolve(const cfg_inventory *inv, const char *expr)
{
	cfg_host *hosts = NULL;
	char *cause = NULL;
	size_t n = 0, i;

	if (cfg_targets_resolve(inv, expr, &hosts, &n, &cause) == 0) {
		check(n > 0 && n <= CFG_MAX_TARGETS && cause == NULL,
		    "resolve result size");
		for (i = 0; i < n; i++)
			check(hosts[i].name != NULL, "result name");
	} else
		check(cause != NULL && hosts == NULL && n == 0, "resolve error");
	cfg_hosts_free(hosts, n);
	free(cause);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cfg_inventory *inv = NULL;
	char *cause = NULL, *expr;
	size_t i;

	if (cfg__inventory_parse("fuzz.ini", (const char *)data, size, &inv,
	    &cause) != 0) {
		check(inv == NULL, "*out on error");
		check(cause != NULL && strncmp(cause, "fuzz.ini:", 9) == 0,
		    "error message prefix");
		free(cause);
		return 0;
	}
	check(cause == NULL && inv != NULL, "success outputs");
	check(inv->aliases != NULL && inv->aliases[0] == NULL, "aliases");
	for (i = 0; i < inv->nhosts; i++) {
		check(cfg__valid_hostname(inv->hosts[i].name), "host name");
		check(inv->hosts[i].in_inventory == 1, "in_inventory");
		check(inv->hosts[i].port >= 0 && inv->hosts[i].port <= 65535,
		    "port range");
	}
	for (i = 0; i < inv->ngroups; i++) {
		check(cfg__valid_tag(inv->groups[i].name), "group name");
		check(inv->groups[i].members != NULL, "group members");
		check(inv->groups[i].line >= 1, "group line");
		expr = util_xasprintf("@%s", inv->groups[i].name);
		resolve(inv, expr);
		free(expr);
	}
	resolve(inv, "*");
	cfg_inventory_free(inv);
	return 0;
}
