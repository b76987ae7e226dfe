/*
 * tui/cli/cliopts.c - what the headless commands that reach hosts (exec,
 * put, get, ls, cat) share before the engine runs: the connection and
 * output options, their messages, and turning TARGETS into the hosts'
 * engine options (inventory, ~/.ssh/config aliases, config/hostopts.c)
 * with no more hosts in flight than the descriptors can hold.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "tui/cli/cli.h"

/* Descriptors kept back from the hosts: stdio, the loop, the log, a tty. */
#define FD_RESERVE 16

int
tui_cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "drover %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see drover %s --help)\n", cmd);
	return TUI_EXIT_USAGE;
}

int
tui_cli_int(const char *cmd, const char *opt, const char *v, int min, int max, int *out)
{
	if (util_parse_int(v, min, max, out) != 0) {
		fprintf(stderr, "drover %s: %s: '%s' is not a number from %d to %d\n",
		    cmd, opt, v, min, max);
		return -1;
	}
	return 0;
}

int
tui_cli_value(const char *cmd, int argc, char **argv, int *i, const char **out,
    const tui_arg *o)
{
	if (o->value != NULL) {
		*out = o->value;
		return 0;
	}
	if (*i + 1 >= argc) {
		fprintf(stderr, "drover %s: %s needs a value\n(see drover %s --help)\n",
		    cmd, o->name, cmd);
		return -1;
	}
	*out = argv[++*i];
	return 0;
}

int
tui_cli_flag(const char *cmd, const tui_arg *o)
{
	if (o->value == NULL)
		return 0;
	fprintf(stderr, "drover %s: %s takes no value\n(see drover %s --help)\n", cmd,
	    o->name, cmd);
	return -1;
}

static int
parse_mode(tui_cli_common *cc, const char *v)
{
	static const char *const names[] = {
		[TUI_OUT_STREAM] = "stream", [TUI_OUT_GROUP] = "group", [TUI_OUT_JSON] = "json",
		[TUI_OUT_NONE] = "none", [TUI_OUT_DIFF] = "diff"
	};
	tui_buf list = { 0 };
	size_t m, k = 0, nm = 0;

	for (m = 0; m < UTIL_NELEM(names); m++) {
		if (!(cc->modes & (1u << m)))
			continue;
		nm++;
		if (strcmp(v, names[m]) == 0) {
			cc->mode = (tui_out_mode)m;
			return 0;
		}
	}
	for (m = 0; m < UTIL_NELEM(names); m++) {
		if (!(cc->modes & (1u << m)))
			continue;
		k++;
		tui_buf_addf(&list, "%s%s", k == 1 ? "" : k == nm ? " or " : ", ", names[m]);
	}
	tui_cli_usage(cc->cmd, "-o: '%s' is not %s", v, tui_buf_str(&list));
	tui_buf_free(&list);
	return -1;
}

int
tui_cli_option(tui_cli_common *cc, int argc, char **argv, int *i, const tui_arg *o)
{
	const char *a = o->name, *cmd = cc->cmd, *v = NULL;

	if (strcmp(a, "-F") == 0)
		return tui_cli_value(cmd, argc, argv, i, &cc->ov.ssh_config, o) < 0 ? -1 : 1;
	if (strcmp(a, "-i") == 0)
		return tui_cli_value(cmd, argc, argv, i, &cc->inventory, o) < 0 ? -1 : 1;
	if (strcmp(a, "-f") == 0)
		return tui_cli_value(cmd, argc, argv, i, &v, o) < 0 ||
		    tui_cli_int(cmd, "-f", v, 1, 100000, &cc->ov.fanout) < 0 ? -1 : 1;
	if (strcmp(a, "--connect-timeout") == 0)
		return tui_cli_value(cmd, argc, argv, i, &v, o) < 0 ||
		    tui_cli_int(cmd, a, v, 1, 3600, &cc->ov.connect_timeout) < 0 ? -1 : 1;
	if (strcmp(a, "--keepalive") == 0)
		return tui_cli_value(cmd, argc, argv, i, &v, o) < 0 ||
		    tui_cli_int(cmd, a, v, 1, 3600, &cc->ov.keepalive) < 0 ? -1 : 1;
	if (strcmp(a, "--max-handshakes") == 0)
		return tui_cli_value(cmd, argc, argv, i, &v, o) < 0 ||
		    tui_cli_int(cmd, a, v, 1, 10000, &cc->ov.max_handshakes) < 0 ? -1 : 1;
	if (strcmp(a, "-l") == 0) {
		if (tui_cli_value(cmd, argc, argv, i, &cc->ov.user, o) < 0)
			return -1;
		if (cc->ov.user[0] == '\0') {
			tui_cli_usage(cmd, "%s", "-l: empty user name");
			return -1;
		}
		return 1;
	}
	if (a[0] == '-' && a[1] == cc->port_letter && a[2] == '\0')
		return tui_cli_value(cmd, argc, argv, i, &v, o) < 0 ||
		    tui_cli_int(cmd, a, v, 1, 65535, &cc->ov.port) < 0 ? -1 : 1;
	if (strcmp(a, "-k") == 0) {
		if (tui_cli_value(cmd, argc, argv, i, &v, o) < 0)
			return -1;
		if (access(v, R_OK) != 0) {
			tui_cli_usage(cmd, "-k %s: %s", v, strerror(errno));
			return -1;
		}
		cc->keys = util_xreallocarray(cc->keys, cc->nkeys + 2, sizeof(char *));
		cc->keys[cc->nkeys++] = v;
		cc->keys[cc->nkeys] = NULL;
		return 1;
	}
	if (strcmp(a, "--auth") == 0) {
		eng_auth_method order[ENG_AUTH_MAX + 1];

		if (tui_cli_value(cmd, argc, argv, i, &cc->ov.auth, o) < 0)
			return -1;
		if (eng_auth_parse(cc->ov.auth, order) != 0) {
			tui_cli_usage(cmd, "--auth: '%s' is not a list of agent, key, "
			    "password, keyboard-interactive", cc->ov.auth);
			return -1;
		}
		return 1;
	}
	if (strcmp(a, "--accept-new") == 0) {
		if (tui_cli_flag(cmd, o) < 0)
			return -1;
		cc->ov.accept_new = 1;
		return 1;
	}
	if (strcmp(a, "-o") == 0 && cc->modes != 0)
		return tui_cli_value(cmd, argc, argv, i, &v, o) < 0 || parse_mode(cc, v) < 0 ?
		    -1 : 1;
	if (strcmp(a, "--log") == 0)
		return tui_cli_value(cmd, argc, argv, i, &cc->log, o) < 0 ? -1 : 1;
	if (strcmp(a, "--color") == 0) {
		if (tui_cli_value(cmd, argc, argv, i, &v, o) < 0)
			return -1;
		if (strcmp(v, "auto") == 0)
			cc->color = -1;
		else if (strcmp(v, "always") == 0)
			cc->color = 1;
		else if (strcmp(v, "never") == 0)
			cc->color = 0;
		else {
			tui_cli_usage(cmd, "--color: '%s' is not auto, always or never", v);
			return -1;
		}
		return 1;
	}
	if (strcmp(a, "-v") == 0 || strcmp(a, "-vv") == 0) {
		if (tui_cli_flag(cmd, o) < 0)
			return -1;
		cc->verbose = a[2] == 'v' ? 2 : 1;
		return 1;
	}
	if (strcmp(a, "-q") == 0) {
		if (tui_cli_flag(cmd, o) < 0)
			return -1;
		cc->quiet = 1;
		return 1;
	}
	return 0;
}

int
tui_cli_want_color(int setting, int fd)
{
	if (setting >= 0)
		return setting;
	if (util_no_color())
		return 0;
	return isatty(fd);
}

int
tui_cli_resolve(tui_cli_common *cc, tui_cli_hosts *out)
{
	char *cause = NULL;
	size_t i;
	int fds;

	memset(out, 0, sizeof(*out));
	cc->ov.keys = cc->keys;
	if (cc->ov.ssh_config != NULL && access(cc->ov.ssh_config, R_OK) != 0) {
		fprintf(stderr, "drover %s: -F %s: %s\n", cc->cmd, cc->ov.ssh_config,
		    strerror(errno));
		return TUI_EXIT_USAGE;
	}
	if (cfg_inventory_load(cc->inventory, &out->inv, &cause) != 0 ||
	    cfg_inventory_add_ssh_aliases(out->inv, cc->ov.ssh_config, &cause) != 0 ||
	    cfg_targets_resolve(out->inv, cc->targets, &out->hosts, &out->n, &cause) != 0) {
		char *msg = tui_sanitize_str(cause);

		fprintf(stderr, "drover %s: %s\n", cc->cmd, msg != NULL ? msg :
		    "configuration error");
		free(msg);
		free(cause);
		return TUI_EXIT_USAGE;
	}
	/* Command line over inventory defaults over built-ins: hostopts.c. */
	cfg_run_build(out->inv, out->hosts, out->n, &cc->ov, &out->run);
	/*
	 * As many descriptors as the hard limit allows, and no more hosts in
	 * flight than they can hold: running out mid-run fails hosts that
	 * would have worked a moment later.
	 */
	if ((fds = eng_fd_limit_raise()) > 0) {
		int fit = (fds - FD_RESERVE) / (ENG_FDS_PER_CONN + cc->fds_per_host);

		if (fit < 1)
			fit = 1;
		if (out->run.fanout.max_parallel > fit) {
			if (cc->verbose)
				fprintf(stderr, "drover %s: %d hosts in flight at most (%d file "
				    "descriptors)\n", cc->cmd, fit, fds);
			out->run.fanout.max_parallel = fit;
		}
	}
	out->names = util_xcalloc(out->n ? out->n : 1, sizeof(*out->names));
	for (i = 0; i < out->n; i++)
		out->names[i] = out->hosts[i].name;
	return 0;
}

void
tui_cli_hosts_free(tui_cli_hosts *h)
{
	cfg_run_free(&h->run);
	free(h->names);
	cfg_hosts_free(h->hosts, h->n);
	cfg_inventory_free(h->inv);
	memset(h, 0, sizeof(*h));
}
