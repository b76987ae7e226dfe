/*
 * tui/cli/exec.c - `drover exec`: parse arguments, load the inventory and
 * resolve targets (config/), build the options (config/hostopts.c), run
 * the fan-out (engine/) on one libuv loop and print through the batch
 * printers (batch.c). Ctrl-C once stops starting hosts, twice aborts
 * (remote commands are killed), a third time exits at once. TERM and HUP
 * (the terminal went away) abort like Ctrl-C twice, and so does a closed
 * stdout: remote commands are never left running behind a run that can no
 * longer report. Exit codes: cli.h (TUI_EXIT_*) and the usage text.
 */
#include <signal.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "engine/engine.h"
#include "tui/cli/cli.h"

static const char exec_usage[] =
"usage: drover [-F ssh_config] [-i inventory] exec [options] TARGETS [--] COMMAND...\n"
"\n"
"Runs COMMAND on every host TARGETS names, many at once, and reports each\n"
"host's output, exit status and duration.\n"
"\n"
"TARGETS  comma-separated: web1  @group-or-tag  'web*'  web[01-20]  !web3  @web&@eu\n"
"         (inventory hosts and ~/.ssh/config aliases; any other name is a host)\n"
"\n"
"options:\n"
"  -F FILE               ssh config file instead of ~/.ssh/config (like ssh -F)\n"
"  -i FILE               inventory file (default $XDG_CONFIG_HOME/drover/inventory.ini)\n"
"  -f N                  hosts in flight at once (default 64)\n"
"  -t SECS               command timeout; the remote process group is killed\n"
"  --connect-timeout S   connect + handshake + auth deadline (default 10)\n"
"  --keepalive S         probe a silent link every S seconds; dead after 3 (default 15)\n"
"  --max-handshakes N    concurrent handshakes per server address:port (default 8;\n"
"                        sshd's MaxStartups drops more)\n"
"  -l USER               log in as USER\n"
"  -p PORT               connect to PORT\n"
"  -k KEYFILE            identity file to try first (repeatable)\n"
"  --auth LIST           methods in order, from agent,key,password,keyboard-interactive\n"
"  --accept-new          record unknown host keys (changed keys are always refused)\n"
"  -o MODE               stream (default): 'host: line' as it arrives, stderr on\n"
"                        stderr marked [stderr]; group: identical results collapsed;\n"
"                        json: one JSON object per host, in completion order;\n"
"                        diff: the majority's output once, every other group as\n"
"                        a unified diff against it; none: no per-host output\n"
"                        (with --outdir: files only)\n"
"  --outdir DIR          also write each host's raw stdout/stderr to\n"
"                        DIR/HOST.out/.err (private files, complete or absent)\n"
"  -v                    a status line for every finished host\n"
"  -vv                   also libssh's protocol messages in the --log file\n"
"  -q                    no per-host failure lines, no summary\n"
"  --color WHEN          auto (default), always, never; NO_COLOR is honoured\n"
"  --log FILE            engine log (never holds secrets)\n"
"  -h, --help            this help\n"
"\n"
"Host keys: unknown keys are refused with their SHA256 fingerprint unless\n"
"--accept-new; a changed key fails that host before any credential is sent.\n"
"Auth: ssh-agent, identity files (a passphrase is asked once on /dev/tty),\n"
"password, keyboard-interactive. Secrets are never taken from argv or env.\n"
"\n"
"exit status: 0 all ok, 1 a command failed or timed out, 2 usage or config\n"
"error (also a host whose ssh config cannot work, e.g. a ProxyJump loop),\n"
"74 writing the output failed, 130 interrupted (Ctrl-C once or twice, TERM,\n"
"HUP), 141 stdout was closed (the run is aborted), 255 a host was unreachable\n"
"or refused (host key, auth). Ctrl-C: once starts no more hosts, twice kills\n"
"the running commands, three times exits at once.\n";

typedef struct cli {
	const char *inventory, *targets, *outdir, *log;
	cfg_overrides ov;           /* -F -l -p -k --auth -f -t ... */
	char *command;
	const char **keys;
	size_t nkeys;
	int verbose, quiet;
	int color;                                    /* -1 auto, 0, 1 */
	tui_out_mode mode;

	uv_loop_t *loop;
	eng_fanout *f;
	tui_batch *batch;
	uv_signal_t sigint, sigterm, sighup;
	tui_ttyprompt *tp;
	int out_aborted;            /* stdout failed: the run was aborted */
	int interrupts;
	int done;
	uint64_t t0;
} cli;

/* Descriptors kept back from the fan-out: stdio, the loop, the log, a tty. */
#define FD_RESERVE 16

static int __attribute__((format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "drover exec: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see drover exec --help)\n");
	return 2;
}

static int
parse_int(const char *opt, const char *v, int min, int max, int *out)
{
	if (util_parse_int(v, min, max, out) != 0) {
		fprintf(stderr, "drover exec: %s: '%s' is not a number from %d to %d\n",
		    opt, v, min, max);
		return -1;
	}
	return 0;
}

/* ---- fan-out callbacks ---- */

/* Nobody reads the output any more (a closed pipe, a full disk): stop. */
static void
check_output(cli *c)
{
	if (c->out_aborted || tui_batch_write_error(c->batch) == 0)
		return;
	c->out_aborted = 1;
	eng_fanout_abort(c->f);
}

static void
on_data(eng_fanout *f, size_t host, int stream, const char *buf, size_t len, void *ud)
{
	cli *c = ud;

	(void)f;
	tui_batch_data(c->batch, host, stream, buf, len);
	check_output(c);
}

static void
on_host_done(eng_fanout *f, size_t host, void *ud)
{
	cli *c = ud;

	tui_batch_host_done(c->batch, host, eng_fanout_host_get(f, host));
	check_output(c);
}

static void
on_done(eng_fanout *f, void *ud)
{
	cli *c = ud;

	(void)f;
	c->done = 1;
	uv_close((uv_handle_t *)&c->sigint, NULL);
	uv_close((uv_handle_t *)&c->sigterm, NULL);
	uv_close((uv_handle_t *)&c->sighup, NULL);
}

/* The hosts still connecting or running, folded, malloc'd. */
static char *
running_hosts(cli *c, size_t *n)
{
	const char **names = util_xcalloc(eng_fanout_count(c->f), sizeof(*names));
	char *fold, *safe;
	size_t i;

	*n = 0;
	for (i = 0; i < eng_fanout_count(c->f); i++) {
		const eng_fanout_host *h = eng_fanout_host_get(c->f, i);

		if (h->state >= ENG_HOST_CONNECTING && h->state <= ENG_HOST_RUNNING)
			names[(*n)++] = h->name;
	}
	fold = tui_fold_hosts(names, *n);
	free(names);
	safe = tui_sanitize_str(fold);
	free(fold);
	return safe;
}

static void
on_signal(uv_signal_t *s, int signum)
{
	cli *c = s->data;
	char *hosts;
	size_t n;

	if (c->done)
		return;
	/* Errors writing these go nowhere: the terminal may be gone (HUP). */
	fflush(stdout);
	if (signum == SIGINT && ++c->interrupts == 1) {
		eng_fanout_stop(c->f);
		hosts = running_hosts(c, &n);
		fprintf(stderr, "\ndrover: interrupted: starting no more hosts; still running: %s"
		    " (Ctrl-C again to abort)\n", n ? hosts : "none");
		free(hosts);
		return;
	}
	if (signum == SIGINT && c->interrupts >= 3) {
		/* The user insists: leave now, saying what may be left behind. */
		hosts = running_hosts(c, &n);
		fprintf(stderr, "\ndrover: exiting now; commands may still run on: %s\n",
		    n ? hosts : "none");
		free(hosts);
		tui_ttyprompt_free(c->tp);
		_exit(TUI_EXIT_INTERRUPTED);
	}
	if (c->interrupts < 2)
		c->interrupts = 2;
	fprintf(stderr, "\ndrover: %s: killing remote commands%s\n",
	    signum == SIGINT ? "aborting" : signum == SIGHUP ? "hangup" : "terminated",
	    signum == SIGINT ? " (Ctrl-C again to exit at once)" : "");
	eng_fanout_abort(c->f);
}

/* ---- argument parsing ---- */

/* The option's value: after '=' ("--color=never") or the next word. */
static int
need_arg(int argc, char **argv, int *i, const char **out, const tui_arg *o)
{
	if (o->value != NULL) {
		*out = o->value;
		return 0;
	}
	if (*i + 1 >= argc) {
		fprintf(stderr, "drover exec: %s needs a value\n(see drover exec --help)\n",
		    o->name);
		return -1;
	}
	*out = argv[++*i];
	return 0;
}

/* A flag written with "=value" is a mistake worth saying. */
static int
no_value(const tui_arg *o)
{
	if (o->value == NULL)
		return 0;
	fprintf(stderr, "drover exec: %s takes no value\n(see drover exec --help)\n", o->name);
	return -1;
}

static int
parse_args(cli *c, int argc, char **argv)
{
	const char *v;
	size_t cmdlen = 0;
	int i, j, dashdash = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		tui_arg o;

		if (dashdash || (c->targets != NULL && (a[0] != '-' || strcmp(a, "--") == 0))) {
			if (!dashdash && strcmp(a, "--") == 0) {
				dashdash = 1;
				continue;
			}
			break;   /* the command starts here */
		}
		if (strcmp(a, "--") == 0) {
			if (c->targets == NULL)
				return usage_error("%s", "no TARGETS before --");
			dashdash = 1;
			continue;
		}
		if (a[0] != '-' || a[1] == '\0') {
			c->targets = a;
			continue;
		}
		tui_arg_split(a, &o);
		a = o.name;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(exec_usage, stdout);
			exit(0);
		}
		if (strcmp(a, "-F") == 0) {
			if (need_arg(argc, argv, &i, &c->ov.ssh_config, &o) < 0)
				return 2;
		} else if (strcmp(a, "-i") == 0) {
			if (need_arg(argc, argv, &i, &c->inventory, &o) < 0)
				return 2;
		} else if (strcmp(a, "-f") == 0) {
			if (need_arg(argc, argv, &i, &v, &o) < 0 ||
			    parse_int("-f", v, 1, 100000, &c->ov.fanout) < 0)
				return 2;
		} else if (strcmp(a, "-t") == 0) {
			if (need_arg(argc, argv, &i, &v, &o) < 0 ||
			    parse_int("-t", v, 1, 86400 * 7, &c->ov.command_timeout) < 0)
				return 2;
		} else if (strcmp(a, "--connect-timeout") == 0) {
			if (need_arg(argc, argv, &i, &v, &o) < 0 ||
			    parse_int(a, v, 1, 3600, &c->ov.connect_timeout) < 0)
				return 2;
		} else if (strcmp(a, "--keepalive") == 0) {
			if (need_arg(argc, argv, &i, &v, &o) < 0 ||
			    parse_int(a, v, 1, 3600, &c->ov.keepalive) < 0)
				return 2;
		} else if (strcmp(a, "--max-handshakes") == 0) {
			if (need_arg(argc, argv, &i, &v, &o) < 0 ||
			    parse_int(a, v, 1, 10000, &c->ov.max_handshakes) < 0)
				return 2;
		} else if (strcmp(a, "-l") == 0) {
			if (need_arg(argc, argv, &i, &c->ov.user, &o) < 0)
				return 2;
			if (c->ov.user[0] == '\0')
				return usage_error("%s", "-l: empty user name");
		} else if (strcmp(a, "-p") == 0) {
			if (need_arg(argc, argv, &i, &v, &o) < 0 ||
			    parse_int("-p", v, 1, 65535, &c->ov.port) < 0)
				return 2;
		} else if (strcmp(a, "-k") == 0) {
			if (need_arg(argc, argv, &i, &v, &o) < 0)
				return 2;
			if (access(v, R_OK) != 0)
				return usage_error("-k %s: %s", v, strerror(errno));
			c->keys = util_xreallocarray(c->keys, c->nkeys + 2, sizeof(char *));
			c->keys[c->nkeys++] = v;
			c->keys[c->nkeys] = NULL;
		} else if (strcmp(a, "--auth") == 0) {
			eng_auth_method order[ENG_AUTH_MAX + 1];

			if (need_arg(argc, argv, &i, &c->ov.auth, &o) < 0)
				return 2;
			if (eng_auth_parse(c->ov.auth, order) != 0)
				return usage_error("--auth: '%s' is not a list of agent, key, "
				    "password, keyboard-interactive", c->ov.auth);
		} else if (strcmp(a, "--accept-new") == 0) {
			if (no_value(&o) < 0)
				return 2;
			c->ov.accept_new = 1;
		} else if (strcmp(a, "-o") == 0) {
			if (need_arg(argc, argv, &i, &v, &o) < 0)
				return 2;
			if (strcmp(v, "stream") == 0)
				c->mode = TUI_OUT_STREAM;
			else if (strcmp(v, "group") == 0)
				c->mode = TUI_OUT_GROUP;
			else if (strcmp(v, "json") == 0)
				c->mode = TUI_OUT_JSON;
			else if (strcmp(v, "none") == 0)
				c->mode = TUI_OUT_NONE;
			else if (strcmp(v, "diff") == 0)
				c->mode = TUI_OUT_DIFF;
			else
				return usage_error("-o: '%s' is not stream, group, json, diff or none", v);
		} else if (strcmp(a, "--outdir") == 0) {
			if (need_arg(argc, argv, &i, &c->outdir, &o) < 0)
				return 2;
		} else if (strcmp(a, "--log") == 0) {
			if (need_arg(argc, argv, &i, &c->log, &o) < 0)
				return 2;
		} else if (strcmp(a, "--color") == 0) {
			if (need_arg(argc, argv, &i, &v, &o) < 0)
				return 2;
			if (strcmp(v, "auto") == 0)
				c->color = -1;
			else if (strcmp(v, "always") == 0)
				c->color = 1;
			else if (strcmp(v, "never") == 0)
				c->color = 0;
			else
				return usage_error("--color: '%s' is not auto, always or never", v);
		} else if (strcmp(a, "-v") == 0) {
			if (no_value(&o) < 0)
				return 2;
			c->verbose = 1;
		} else if (strcmp(a, "-vv") == 0) {
			if (no_value(&o) < 0)
				return 2;
			c->verbose = 2;
		} else if (strcmp(a, "-q") == 0) {
			if (no_value(&o) < 0)
				return 2;
			c->quiet = 1;
		} else {
			return usage_error("unknown option '%s'", a);
		}
	}
	if (c->targets == NULL)
		return usage_error("%s", "no TARGETS given");
	if (i >= argc)
		return usage_error("%s", "no COMMAND given");
	/* Like ssh: the words are joined with spaces for the remote shell. */
	for (j = i; j < argc; j++)
		cmdlen += strlen(argv[j]) + 1;
	c->command = util_xcalloc(1, cmdlen + 1);
	for (j = i; j < argc; j++) {
		if (j > i)
			strcat(c->command, " ");
		strcat(c->command, argv[j]);
	}
	return 0;
}

static int
want_color(int setting, int fd)
{
	if (setting >= 0)
		return setting;
	if (util_no_color())
		return 0;
	return isatty(fd);
}

int
tui_cli_exec(int argc, char **argv, const char *ssh_config, const char *inventory)
{
	cli c;
	cfg_inventory *inv = NULL;
	cfg_host *hosts = NULL;
	size_t nhosts = 0, i;
	cfg_run run;
	const char **names = NULL;
	eng_ctx *ctx = NULL;
	eng_ctx_opts eo;
	eng_fanout_cbs fcbs = { NULL, on_data, on_host_done, on_done };
	tui_batch_opts bo;
	tui_ttyprompt *tp = NULL;
	char *cause = NULL;
	int rc = 2, r, fds;

	memset(&c, 0, sizeof(c));
	memset(&run, 0, sizeof(run));
	c.ov.ssh_config = ssh_config;
	c.inventory = inventory;
	c.color = -1;
	c.mode = TUI_OUT_STREAM;
	if ((r = parse_args(&c, argc, argv)) != 0) {
		rc = r;
		goto out;
	}
	c.ov.keys = c.keys;
	if (c.ov.ssh_config != NULL && access(c.ov.ssh_config, R_OK) != 0) {
		fprintf(stderr, "drover exec: -F %s: %s\n", c.ov.ssh_config, strerror(errno));
		goto out;
	}
	if (cfg_inventory_load(c.inventory, &inv, &cause) != 0 ||
	    cfg_inventory_add_ssh_aliases(inv, c.ov.ssh_config, &cause) != 0 ||
	    cfg_targets_resolve(inv, c.targets, &hosts, &nhosts, &cause) != 0) {
		char *msg = tui_sanitize_str(cause);

		fprintf(stderr, "drover exec: %s\n", msg != NULL ? msg : "configuration error");
		free(msg);
		goto out;
	}
	/* Command line over inventory defaults over built-ins: hostopts.c. */
	cfg_run_build(inv, hosts, nhosts, &c.ov, &run);
	/*
	 * As many descriptors as the hard limit allows, and no more hosts in
	 * flight than they can hold: running out mid-run fails hosts that
	 * would have worked a moment later.
	 */
	if ((fds = eng_fd_limit_raise()) > 0) {
		int fit = (fds - FD_RESERVE) / ENG_FDS_PER_CONN;

		if (fit < 1)
			fit = 1;
		if (run.fanout.max_parallel > fit) {
			if (c.verbose)
				fprintf(stderr, "drover exec: %d hosts in flight at most (%d file "
				    "descriptors)\n", fit, fds);
			run.fanout.max_parallel = fit;
		}
	}
	names = util_xcalloc(nhosts, sizeof(*names));
	for (i = 0; i < nhosts; i++)
		names[i] = hosts[i].name;

	memset(&bo, 0, sizeof(bo));
	bo.mode = c.mode;
	bo.outdir = c.outdir;
	bo.color_out = want_color(c.color, 1);
	bo.color_err = want_color(c.color, 2);
	bo.verbose = c.verbose;
	bo.quiet = c.quiet;
	c.batch = tui_batch_new(&bo, nhosts, names);
	if (tui_batch_prepare(c.batch, &cause) != 0) {
		fprintf(stderr, "drover exec: %s\n", cause);
		goto out;
	}

	c.loop = uv_default_loop();
	tp = c.tp = tui_ttyprompt_new(c.loop);
	memset(&eo, 0, sizeof(eo));
	eo.prompt = tui_ttyprompt_ask;
	eo.prompt_cancel = tui_ttyprompt_cancel;
	eo.warn = tui_ttyprompt_warn;
	eo.prompt_ud = tp;
	eo.max_handshakes = run.max_handshakes;
	eo.log_path = c.log;
	eo.log_verbose = c.verbose > 1;
	if (eng_ctx_new(c.loop, &eo, &ctx) != 0) {
		fprintf(stderr, "drover exec: cannot start the engine\n");
		goto out;
	}
	if (eng_fanout_new(ctx, run.conn, nhosts, c.command, &run.fanout, &fcbs, &c, &c.f) != 0) {
		fprintf(stderr, "drover exec: cannot start the fan-out\n");
		goto out;
	}
	uv_signal_init(c.loop, &c.sigint);
	uv_signal_init(c.loop, &c.sigterm);
	uv_signal_init(c.loop, &c.sighup);
	c.sigint.data = c.sigterm.data = c.sighup.data = &c;
	uv_signal_start(&c.sigint, on_signal, SIGINT);
	uv_signal_start(&c.sigterm, on_signal, SIGTERM);
	uv_signal_start(&c.sighup, on_signal, SIGHUP);
	/* A closed stdout is an error we handle (check_output), not a death
	 * that would leave the remote commands running. */
	signal(SIGPIPE, SIG_IGN);
	c.t0 = uv_now(c.loop);
	eng_fanout_start(c.f);
	uv_run(c.loop, UV_RUN_DEFAULT);
	uv_update_time(c.loop);
	rc = tui_batch_finish(c.batch, c.f, uv_now(c.loop) - c.t0);
	if (tui_lastrun_record(c.command, c.f, &cause) != 0) {
		fprintf(stderr, "drover exec: recording the run for @failed/@ok: %s\n", cause);
		free(cause);
		cause = NULL;
	}
	if (c.interrupts >= 1 && !c.out_aborted)
		rc = TUI_EXIT_INTERRUPTED;
out:
	eng_fanout_free(c.f);
	if (tp != NULL) {
		tui_ttyprompt_free(tp);
		uv_run(c.loop, UV_RUN_DEFAULT);
	}
	eng_ctx_free(ctx);
	if (c.loop != NULL)
		uv_loop_close(c.loop);
	tui_batch_free(c.batch);
	cfg_run_free(&run);
	free(names);
	cfg_hosts_free(hosts, nhosts);
	cfg_inventory_free(inv);
	free(c.keys);
	free(c.command);
	free(cause);
	return rc;
}
