/*
 * tests/fuzz/fuzz_targets.c - libFuzzer target for target expressions
 * (config/targets.c). The input is an expression; if it holds a NUL byte,
 * the bytes after it are an inventory to resolve against (when they parse),
 * otherwise a fixed inventory with groups, tags, nested groups, a cycle and
 * ssh aliases is used. Checks: success gives 1..CFG_MAX_TARGETS distinct,
 * valid names; failure gives a message and no hosts; no crash, leak or
 * unbounded work (the fuzzer's -timeout catches expansion bombs).
 *
 * Build and run (clang with libFuzzer; apt-get install clang):
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DDROVER_FUZZ=ON
 *   cmake --build build-fuzz --target fuzz_targets
 *   cp -r tests/fuzz/corpus/targets /tmp/corpus-tgt
 *   build-fuzz/tests/fuzz/fuzz_targets -max_total_time=60 -timeout=10 \
 *       -dict=tests/fuzz/targets.dict /tmp/corpus-tgt
 * or without CMake, from the repository root:
 *   clang -std=c17 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
 *       -I. tests/fuzz/fuzz_targets.c config/[a-z]*.c -linih -o fuzz_targets
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_int.h"

static const char fixed_text[] =
    "[defaults]\nuser = u\nport = 2200\nkey = /k\n"
    "[host web1]\ntags = web, eu\n"
    "[host web2]\ntags = web, us\nport = 22\n"
    "[host web10]\ntags = web\n"
    "[host db1]\ntags = db, eu\njump = web1\n"
    "[host db2]\ntags = db\n"
    "[group front]\nhosts = web[1-2], !web2, lb*\n"
    "[group all]\nhosts = @front, @db, n[01-05]\n"
    "[group eu]\nhosts = @all&@eu\n"
    "[group c1]\nhosts = @c2\n"
    "[group c2]\nhosts = x, @c1\n"
    "[group bad]\nhosts = n[3-1]\n";

static cfg_inventory *fixed;

static void
check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "invariant broken: %s\n", what);
		abort();
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *cause = NULL;

	(void)argc;
	(void)argv;
	if (cfg__inventory_parse("fixed.ini", fixed_text, sizeof fixed_text - 1,
	    &fixed, &cause) != 0) {
		fprintf(stderr, "fixed inventory: %s\n", cause);
		abort();
	}
	util_list_free(fixed->aliases);
	fixed->aliases = util_xcalloc(4, sizeof *fixed->aliases);
	fixed->aliases[0] = util_xstrdup("lb1");
	fixed->aliases[1] = util_xstrdup("lb2");
	fixed->aliases[2] = util_xstrdup("web1");
	fixed->naliases = 3;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *nul = memchr(data, '\0', size);
	size_t elen = nul ? (size_t)(nul - (const char *)data) : size, n = 0, i;
	cfg_inventory *own = NULL;
	const cfg_inventory *inv = fixed;
	cfg__names seen = { 0 };
	cfg_host *hosts = NULL;
	char *expr, *cause = NULL;
	int added;

	expr = util_xstrndup((const char *)data, elen);
	if (nul != NULL) {
		if (cfg__inventory_parse("fuzz.ini", nul + 1, size - elen - 1,
		    &own, &cause) == 0)
			inv = own;
		free(cause);
		cause = NULL;
	}
	if (cfg_targets_resolve(inv, expr, &hosts, &n, &cause) == 0) {
		check(cause == NULL && n > 0 && n <= CFG_MAX_TARGETS,
		    "result size");
		for (i = 0; i < n; i++) {
			check(cfg__valid_hostname(hosts[i].name), "result name");
			cfg__names_add(&seen, hosts[i].name, &added);
			check(added, "result is de-duplicated");
			check(hosts[i].port >= 0 && hosts[i].port <= 65535,
			    "port");
		}
	} else
		check(cause != NULL && hosts == NULL && n == 0, "error outputs");
	cfg__names_clear(&seen);
	cfg_hosts_free(hosts, n);
	free(cause);
	free(expr);
	cfg_inventory_free(own);
	return 0;
}
