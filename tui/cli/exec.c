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
#include <sys/ioctl.h>
#include <unistd.h>

#include "config/config.h"
#include "engine/engine.h"
#include "tui/cli/cli.h"
#include "tui/cli/oom.h"

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
"  --sudo[=USER]         run COMMAND under sudo (as root, or USER): the password\n"
"                        is asked once (terminal, or SSH_ASKPASS) and sent only\n"
"                        to a host whose sudo asks; a refused password fails\n"
"                        that host with \"sudo: authentication failed\"\n"
"  -n                    no stdin for the hosts (default: drover's stdin, read\n"
"                        once, goes to every host; a terminal is never read)\n"
"  --pty                 run COMMAND on a pseudo-terminal (stdout and stderr\n"
"                        merged; -o json has them in \"stdout\")\n"
"  --cli                 network devices: each word of COMMAND is one CLI\n"
"                        command, typed in an interactive session (prompt, paging\n"
"                        off, privileged mode: the inventory's cli, prompt,\n"
"                        pager_off, enable, enable_prompt keys; default ios-like);\n"
"                        output per host and command; -t: seconds each prompt\n"
"                        may take (default 30)\n"
"  --enable              with --cli: privileged mode first (the secret is asked\n"
"                        once, like --sudo)\n"
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
	tui_cli_common cc;          /* -F -i -l -p -k --auth -f -o -v ... (cliopts.c) */
	const char *outdir;
	int no_stdin, pty, sudo;    /* -n, --pty, --sudo[=USER] */
	const char *sudo_user;
	int device, enable;         /* --cli, --enable */
	char **cmds;                /* --cli: each word one command */
	size_t ncmds;
	char *command;

	uv_loop_t *loop;
	eng_fanout *f;
	tui_batch *batch;
	uv_signal_t sigint, sigterm, sighup;
	uv_timer_t live;            /* -o group on a terminal: redraws */
	tui_ttyprompt *tp;
	int out_aborted;            /* stdout failed: the run was aborted */
	int interrupts;
	int done;
	uint64_t t0;
} cli;

static int __attribute__((format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	char *msg;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		abort();
	va_end(ap);
	tui_cli_usage("exec", "%s", msg);
	free(msg);
	return TUI_EXIT_USAGE;
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
	/* Out of memory: the run is being aborted; what still comes is dropped. */
	if (tui_oom_hit())
		return;
	tui_batch_data(c->batch, host, stream, buf, len);
	check_output(c);
}

static void
on_command(eng_fanout *f, size_t host, size_t i, const char *out, size_t len, void *ud)
{
	cli *c = ud;

	(void)f;
	tui_batch_command(c->batch, host, c->cmds[i], out, len);
	check_output(c);
}

static void
on_host_done(eng_fanout *f, size_t host, void *ud)
{
	cli *c = ud;

	/* Out of memory: no record (it would copy what the host sent); the summary says. */
	if (tui_oom_hit())
		return;
	tui_batch_host_done(c->batch, host, eng_fanout_host_get(f, host));
	check_output(c);
}

static void
on_done(eng_fanout *f, void *ud)
{
	cli *c = ud;

	(void)f;
	c->done = 1;
	if (uv_is_active((uv_handle_t *)&c->live) || c->live.data != NULL)
		uv_close((uv_handle_t *)&c->live, NULL);
	uv_close((uv_handle_t *)&c->sigint, NULL);
	uv_close((uv_handle_t *)&c->sigterm, NULL);
	uv_close((uv_handle_t *)&c->sighup, NULL);
	tui_oom_close();
}

/* At most 10 redraws a second, whatever the hosts do. */
static void
on_live(uv_timer_t *t)
{
	cli *c = t->data;
	struct winsize ws;
	int rows = 24, cols = 80;

	if (ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
		rows = ws.ws_row;
		cols = ws.ws_col;
	}
	tui_batch_live(c->batch, c->f, rows, cols);
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

/* Out of memory (oom.c): abort like Ctrl-C twice. */
static void
on_oom(void *ud)
{
	cli *c = ud;

	if (c->done)
		return;
	c->interrupts = 2;
	eng_fanout_abort(c->f);
}

/* ---- argument parsing ---- */

static int
parse_args(cli *c, int argc, char **argv)
{
	const char *v;
	size_t cmdlen = 0;
	int i, j, r, dashdash = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		tui_arg o;

		if (dashdash || (c->cc.targets != NULL && (a[0] != '-' || strcmp(a, "--") == 0))) {
			if (!dashdash && strcmp(a, "--") == 0) {
				dashdash = 1;
				continue;
			}
			break;   /* the command starts here */
		}
		if (strcmp(a, "--") == 0) {
			if (c->cc.targets == NULL)
				return usage_error("%s", "no TARGETS before --");
			dashdash = 1;
			continue;
		}
		if (a[0] != '-' || a[1] == '\0') {
			c->cc.targets = a;
			continue;
		}
		tui_arg_split(a, &o);
		a = o.name;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			fputs(exec_usage, stdout);
			exit(0);
		}
		if ((r = tui_cli_option(&c->cc, argc, argv, &i, &o)) != 0) {
			if (r < 0)
				return TUI_EXIT_USAGE;
		} else if (strcmp(a, "-t") == 0) {
			if (tui_cli_value("exec", argc, argv, &i, &v, &o) < 0 ||
			    tui_cli_int("exec", "-t", v, 1, 86400 * 7, &c->cc.ov.command_timeout) < 0)
				return 2;
		} else if (strcmp(a, "--outdir") == 0) {
			if (tui_cli_value("exec", argc, argv, &i, &c->outdir, &o) < 0)
				return 2;
		} else if (strcmp(a, "-n") == 0 || strcmp(a, "--cli") == 0 ||
		    strcmp(a, "--enable") == 0 || strcmp(a, "--pty") == 0) {
			if (tui_cli_flag("exec", &o) < 0)
				return 2;
			*(a[1] == 'n' ? &c->no_stdin : a[2] == 'c' ? &c->device :
			    a[2] == 'e' ? &c->enable : &c->pty) = 1;
		} else if (strcmp(a, "--sudo") == 0) {
			c->sudo = 1;
			c->sudo_user = o.value;
			if (c->sudo_user != NULL && c->sudo_user[0] == '\0')
				return usage_error("%s", "--sudo=: empty user name");
		} else {
			return usage_error("unknown option '%s'", a);
		}
	}
	if (c->sudo && c->pty)
		return usage_error("%s", "--sudo with --pty: sudo's prompt must come on stderr");
	if (c->device && (c->sudo || c->pty))
		return usage_error("%s", "--cli runs device commands: not with --sudo or --pty");
	if (c->enable && !c->device)
		return usage_error("%s", "--enable is for --cli");
	if (c->cc.targets == NULL)
		return usage_error("%s", "no TARGETS given");
	if (i >= argc)
		return usage_error("%s", "no COMMAND given");
	c->cmds = argv + i;
	c->ncmds = (size_t)(argc - i);
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

int
tui_cli_exec(int argc, char **argv, const char *ssh_config, const char *inventory)
{
	cli c;
	tui_cli_hosts th;
	eng_ctx *ctx = NULL;
	eng_ctx_opts eo;
	eng_fanout_cbs fcbs = { NULL, on_data, on_host_done, on_done };
	tui_batch_opts bo;
	tui_ttyprompt *tp = NULL;
	tui_input input;
	eng_sudo *sudo = NULL;
	char *secret = NULL;
	char *cause = NULL;
	size_t i;
	int rc = 2, r;

	memset(&c, 0, sizeof(c));
	memset(&th, 0, sizeof(th));
	memset(&input, 0, sizeof(input));
	c.cc.cmd = "exec";
	c.cc.port_letter = 'p';
	c.cc.modes = 1u << TUI_OUT_STREAM | 1u << TUI_OUT_GROUP | 1u << TUI_OUT_JSON |
	    1u << TUI_OUT_DIFF | 1u << TUI_OUT_NONE;
	c.cc.ov.ssh_config = ssh_config;
	c.cc.inventory = inventory;
	c.cc.color = -1;
	c.cc.mode = TUI_OUT_STREAM;
	if ((r = parse_args(&c, argc, argv)) != 0 || (r = tui_cli_resolve(&c.cc, &th)) != 0) {
		rc = r;
		goto out;
	}
	memset(&bo, 0, sizeof(bo));
	bo.mode = c.cc.mode;
	bo.outdir = c.outdir;
	bo.color_out = tui_cli_want_color(c.cc.color, 1);
	bo.color_err = tui_cli_want_color(c.cc.color, 2);
	bo.verbose = c.cc.verbose;
	bo.quiet = c.cc.quiet;
	{
		const char *term = getenv("TERM");

		bo.live = c.cc.mode == TUI_OUT_GROUP && isatty(1) && term != NULL &&
		    strcmp(term, "dumb") != 0;
	}
	c.batch = tui_batch_new(&bo, th.n, th.names);
	if (tui_batch_prepare(c.batch, &cause) != 0) {
		fprintf(stderr, "drover exec: %s\n", cause);
		goto out;
	}

	/* Asked once, before any host: the answer goes only where sudo asks. */
	if (c.sudo) {
		char *pw = NULL;

		r = tui_secret_ask("drover: sudo password (asked once, sent only to hosts "
		    "that ask): ", &pw, &cause);
		if (r != 0) {
			fprintf(stderr, "drover exec: --sudo: %s\n", cause);
			goto out;
		}
		sudo = eng_sudo_new(c.sudo_user, pw);
		tui_secret_free(pw);
		th.run.fanout.sudo = sudo;
	}
	if (c.device) {
		if (cfg_run_devices(th.inv, th.hosts, th.n, &th.run, &cause) != 0) {
			fprintf(stderr, "drover exec: --cli: %s\n", cause);
			goto out;
		}
		if (c.enable && tui_secret_ask("drover: enable secret (asked once): ", &secret,
		    &cause) != 0) {
			fprintf(stderr, "drover exec: --enable: %s\n", cause);
			goto out;
		}
		for (i = 0; i < th.n; i++) {
			th.run.devices[i].commands = (const char *const *)c.cmds;
			th.run.devices[i].ncommands = c.ncmds;
			th.run.devices[i].want_enable = c.enable;
			th.run.devices[i].secret = secret;
			th.run.devices[i].timeout_ms = th.run.fanout.command_timeout_ms;
		}
		th.run.fanout.command_timeout_ms = 0;
		th.run.fanout.devices = th.run.devices;
		th.run.fanout.on_command = on_command;
	} else if (!c.no_stdin) {
		if (tui_input_load(&input, &cause) != 0) {
			fprintf(stderr, "drover exec: %s\n", cause);
			goto out;
		}
		th.run.fanout.input = input.data;
		th.run.fanout.input_len = input.len;
	}
	th.run.fanout.pty = c.pty;

	c.loop = uv_default_loop();
	tp = c.tp = tui_ttyprompt_new(c.loop);
	memset(&eo, 0, sizeof(eo));
	eo.prompt = tui_ttyprompt_ask;
	eo.prompt_cancel = tui_ttyprompt_cancel;
	eo.warn = tui_ttyprompt_warn;
	eo.prompt_ud = tp;
	eo.max_handshakes = th.run.max_handshakes;
	eo.log_path = c.cc.log;
	eo.log_verbose = c.cc.verbose > 1;
	if (eng_ctx_new(c.loop, &eo, &ctx) != 0) {
		fprintf(stderr, "drover exec: cannot start the engine\n");
		goto out;
	}
	if (eng_fanout_new(ctx, th.run.conn, th.n, c.command, &th.run.fanout, &fcbs, &c,
	    &c.f) != 0) {
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
	tui_oom_arm(c.loop, on_oom, &c);
	/* A closed stdout is an error we handle (check_output), not a death
	 * that would leave the remote commands running. */
	signal(SIGPIPE, SIG_IGN);
	if (bo.live) {
		uv_timer_init(c.loop, &c.live);
		c.live.data = &c;
		uv_timer_start(&c.live, on_live, 100, 100);
	}
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
	tui_oom_disarm();
	eng_fanout_free(c.f);
	if (tp != NULL) {
		tui_ttyprompt_free(tp);
		uv_run(c.loop, UV_RUN_DEFAULT);
	}
	eng_ctx_free(ctx);
	eng_sudo_free(sudo);
	tui_secret_free(secret);
	tui_input_free(&input);
	if (c.loop != NULL)
		uv_loop_close(c.loop);
	tui_batch_free(c.batch);
	tui_cli_hosts_free(&th);
	free(c.cc.keys);
	free(c.command);
	free(cause);
	return rc;
}
