/*
 * tui/session/client.c - the commands on the user's side of a session:
 * `drover [-s NAME] [TARGETS]` starts a session server and attaches,
 * `drover attach`, `drover sessions`, `drover kill-session`, `drover
 * kill-server`, `drover ctl`, `drover save` and `-w`: finding the session
 * a command means, starting servers, and one-shot requests. The attached
 * terminal itself is attach.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "tui/session/proto.h"

static const char *
pick_latest(const char *dir, const util_strv *names)
{
	struct stat st;
	const char *best = NULL;
	time_t t = 0;
	size_t i;

	for (i = 0; i < names->n; i++) {
		char *p = util_xasprintf("%s/%s", dir, names->v[i]);

		if (lstat(p, &st) == 0 && (best == NULL || st.st_mtime >= t)) {
			best = names->v[i];
			t = st.st_mtime;
		}
		free(p);
	}
	return best;
}

/*
 * The session a command means: NAME, or with none the only (or newest)
 * one. The name is malloc'd; NULL (message printed) when there is none.
 */
static char *
session_named(const char *dir, const char *name)
{
	util_strv names = { 0 };
	char *r = NULL, *safe;

	if (name != NULL) {
		if (!tui_session_name_ok(name)) {
			safe = tui_sanitize_str(name);
			fprintf(stderr, "drover: '%s' is not a session name (letters, digits, "
			    "'_', '.', '-')\n", safe);
			free(safe);
			return NULL;
		}
		return util_xstrdup(name);
	}
	tui_session_list(dir, &names);
	if (names.n == 0)
		fprintf(stderr, "drover: no sessions\n");
	else
		r = util_xstrdup(pick_latest(dir, &names));
	util_strv_clear(&names);
	return r;
}

static int
connect_named(const char *dir, const char *name)
{
	int fd = tui_session_connect(dir, name);
	char *safe;

	if (fd < 0) {
		safe = tui_sanitize_str(name);
		if (errno == ENOENT)
			fprintf(stderr, "drover: no session '%s' (drover sessions lists them)\n", safe);
		else
			fprintf(stderr, "drover: session '%s': %s\n", safe, strerror(errno));
		free(safe);
	}
	return fd;
}

/* ---- ctl requests ---- */

/*
 * Sends argv as a request to the session on fd; the reply's text goes to
 * stdout. Returns the reply's exit code.
 */
static int
request(int fd, int argc, char **argv, int quiet)
{
	tui_buf m = { 0 }, in = { 0 };
	char buf[65536];
	tui_msg msg;
	size_t used;
	ssize_t n;
	int code = -1, r;

	signal(SIGPIPE, SIG_IGN);
	tui_ctl_add(&m, argc, argv);
	if (tui__write_all(fd, m.p, m.len) != 0) {
		tui_buf_free(&m);
		fprintf(stderr, "drover: the session server went away\n");
		return 1;
	}
	tui_buf_free(&m);
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		tui_buf_add(&in, buf, (size_t)n);
		r = tui_msg_parse((const uint8_t *)in.p, in.len, &msg, &used);
		if (r < 0)
			break;
		if (r > 0) {
			const char *t;
			size_t tl;

			/* Answers to stdout, our own messages to stderr. */
			if (tui_coded_parse(&msg, &code, &t, &tl) == 0 && !quiet)
				fwrite(t, 1, tl, (tl >= 6 && strncmp(t, "drover", 6) == 0) ||
				    (tl >= 6 && strncmp(t, "usage:", 6) == 0) ? stderr : stdout);
			break;
		}
	}
	tui_buf_free(&in);
	if (code < 0) {
		fprintf(stderr, "drover: the session server went away without an answer\n");
		return 1;
	}
	return code;
}

static int
sockdir_or_die(char **dir)
{
	char *cause = NULL;

	if (tui_sockdir(dir, &cause) != 0) {
		fprintf(stderr, "drover: %s\n", cause);
		free(cause);
		return -1;
	}
	return 0;
}

/*
 * The session a command means (want, or the newest), connected: the fd
 * and *name (malloc'd), or -1 with the reason said and *rc the exit code.
 */
static int
open_session(const char *want, char **name, int *rc)
{
	char *dir;
	int fd = -1;

	*name = NULL;
	*rc = 1;
	if (sockdir_or_die(&dir) != 0)
		return -1;
	if ((*name = session_named(dir, want)) != NULL)
		fd = connect_named(dir, *name);
	free(dir);
	if (fd < 0) {
		free(*name);
		*name = NULL;
	}
	return fd;
}

/* One request to the session want names; its exit code. */
static int
ask_session(const char *want, int argc, char **argv)
{
	char *name;
	int rc, fd = open_session(want, &name, &rc);

	if (fd < 0)
		return rc;
	rc = request(fd, argc, argv, 0);
	close(fd);
	free(name);
	return rc;
}

/* ---- the commands ---- */

static const char tui_ctl_usage[] =
"usage: drover ctl [-t SESSION] COMMAND [ARGS]\n"
"\n"
"Commands for scripts, sent to a running session (default: the newest):\n"
"  list-windows                      windows as JSON lines\n"
"  list-panes [-a]                   panes of the current (-a: every) window, JSON\n"
"  new-window [-n NAME] TARGETS      a window with a pane per host\n"
"  rename-window [-t WINDOW] NAME\n"
"  kill-window [-t WINDOW]\n"
"  select-window -t WINDOW\n"
"  kill-pane -t PANE\n"
"  send-keys [-t PANE] [-l] KEYS...  keys to a pane (default: the armed set)\n"
"  capture-pane -t PANE [-S]         the pane's screen (-S: scrollback too)\n"
"  wait-for -t PANE REGEX [-T SECS]  exit 0 once the pane shows a match, 1 on timeout\n"
"  exec [-t SECS] TARGETS -- COMMAND run on the session's connections (a new\n"
"                                    channel on each pane's), JSON lines; exit 1\n"
"                                    if any host did not succeed\n"
"  session-info                      one line: name, windows, hosts, clients, age\n"
"  workspace                         the session as a workspace file (text)\n"
"  save /PATH                        write that file (as drover save does)\n"
"  kill-session                      end the session\n"
"PANE is a host name, WINDOW:HOST, or a pane number; WINDOW a name or index.\n";

static const char attach_usage[] =
"usage: drover attach [-d] [NAME]\n"
"\n"
"Attaches this terminal to session NAME (default: the newest session).\n"
"  -d   detach the session's other clients\n"
"Detach again with the prefix then d; the session goes on without you.\n";

int
tui_cli_attach(int argc, char **argv)
{
	const char *want = NULL;
	char *name;
	int i, flags = 0, fd, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-d") == 0) {
			flags |= TUI_HELLO_DETACH_OTHERS;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(attach_usage, stdout);
			return 0;
		} else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc) {
			want = argv[++i];
		} else if (argv[i][0] == '-' || want != NULL) {
			fprintf(stderr, "drover attach: unexpected '%s'\n(see drover attach --help)\n",
			    argv[i]);
			return 2;
		} else {
			want = argv[i];
		}
	}
	if ((fd = open_session(want, &name, &rc)) < 0)
		return rc;
	rc = tui__attach_fd(fd, name, flags);
	free(name);
	return rc;
}

int
tui_cli_sessions(int argc, char **argv)
{
	util_strv names = { 0 };
	char *dir, *info[] = { "session-info", NULL };
	size_t i;
	int fd;

	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		puts("usage: drover sessions\n\nLists your sessions: name, windows, hosts up/total, "
		    "attached clients, age.");
		return 0;
	}
	if (argc > 1) {
		fprintf(stderr, "drover sessions: unexpected '%s'\n", argv[1]);
		return 2;
	}
	if (sockdir_or_die(&dir) != 0)
		return 1;
	tui_session_list(dir, &names);
	for (i = 0; i < names.n; i++)
		if ((fd = tui_session_connect(dir, names.v[i])) >= 0) {
			request(fd, 1, info, 0);
			close(fd);
		}
	if (names.n == 0)
		fprintf(stderr, "drover: no sessions\n");
	util_strv_clear(&names);
	free(dir);
	return 0;
}

int
tui_cli_kill_session(int argc, char **argv)
{
	char *kill[] = { "kill-session", NULL };
	const char *want = NULL;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-t") == 0 && i + 1 < argc)
			want = argv[++i];
		else if (argv[i][0] != '-' && want == NULL)
			want = argv[i];
		else {
			fprintf(stderr, "usage: drover kill-session [NAME]\n");
			return 2;
		}
	}
	return ask_session(want, 1, kill);
}

int
tui_cli_kill_server(int argc, char **argv)
{
	util_strv names = { 0 };
	char *dir, *kill[] = { "kill-session", NULL };
	size_t i;
	int fd, rc = 0;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "usage: drover kill-server (ends every session)\n");
		return 2;
	}
	if (sockdir_or_die(&dir) != 0)
		return 1;
	tui_session_list(dir, &names);
	for (i = 0; i < names.n; i++)
		if ((fd = tui_session_connect(dir, names.v[i])) >= 0) {
			rc |= request(fd, 1, kill, 1);
			close(fd);
		}
	util_strv_clear(&names);
	free(dir);
	return rc != 0;
}

int
tui_cli_ctl(int argc, char **argv)
{
	const char *want = NULL;
	int i = 1;

	if (i + 1 < argc && strcmp(argv[i], "-t") == 0) {
		want = argv[i + 1];
		i += 2;
	}
	if (i >= argc || strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
		fputs(tui_ctl_usage, i >= argc ? stderr : stdout);
		return i >= argc ? 2 : 0;
	}
	return ask_session(want, argc - i, argv + i);
}

/* ---- a new session ---- */

/* The smallest number no session uses. */
static char *
next_free_name(const char *dir)
{
	util_strv names = { 0 };
	int k;

	tui_session_list(dir, &names);
	for (k = 0;; k++) {
		char num[16];

		snprintf(num, sizeof(num), "%d", k);
		if (!util_list_has(names.v, num)) {
			util_strv_clear(&names);
			return util_xstrdup(num);
		}
	}
}

/*
 * Starts the session's server: a daemon (double fork, its own session)
 * whose start-up errors come back on a pipe, closed once it listens.
 * Returns 0 once it is up, or the exit code with the error printed.
 */
static int
spawn_server(const char *dir, const char *name, int argc, char **argv,
    const char *ssh_config, const char *inventory)
{
	tui_serve_opts o;
	tui_buf err = { 0 };
	char buf[4096];
	pid_t a;
	ssize_t n;
	int p[2], st, fd;

	if (pipe2(p, O_CLOEXEC) != 0) {
		fprintf(stderr, "drover: pipe: %s\n", strerror(errno));
		return 1;
	}
	fflush(NULL);
	if ((a = fork()) < 0) {
		fprintf(stderr, "drover: fork: %s\n", strerror(errno));
		return 1;
	}
	if (a == 0) {
		if (fork() != 0)
			_exit(0);
		dup2(p[1], STDERR_FILENO);
		close_range(3, ~0U, 0);
		memset(&o, 0, sizeof(o));
		o.dir = dir;
		o.name = name;
		tui__term_size(&o.rows, &o.cols);
		o.term = getenv("TERM");
		o.errfd = STDERR_FILENO;
		_exit(tui_console_serve(&o, argc, argv, ssh_config, inventory));
	}
	close(p[1]);
	waitpid(a, &st, 0);
	while ((n = read(p[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			tui_buf_add(&err, buf, (size_t)n);
	close(p[0]);
	if (err.len > 0)
		fwrite(err.p, 1, err.len, stderr);
	fd = tui_session_connect(dir, name);
	if (fd >= 0)
		close(fd);
	else if (err.len == 0)
		fprintf(stderr, "drover: the session server did not start\n");
	tui_buf_free(&err);
	return fd >= 0 ? 0 : 2;
}

/*
 * `drover -w FILE`: every session the file declares that is not running is
 * started (the server builds it from the file); then the first is attached.
 */
static int
open_workspace(const char *dir, const char *file, util_strv *rest, const char *ssh_config,
    const char *inventory)
{
	cfg_workspace *ws;
	char *cause = NULL, *abs = NULL, *safe;
	size_t i;
	int fd, rc = 0;

	if ((abs = realpath(file, NULL)) == NULL || cfg_workspace_load(abs, &ws, &cause) != 0) {
		safe = tui_sanitize_str(cause != NULL ? cause : strerror(errno));
		fprintf(stderr, "drover: -w %s: %s\n", file, safe);
		free(safe);
		free(cause);
		free(abs);
		return 2;
	}
	util_strv_push(rest, "--workspace");
	util_strv_push(rest, abs);
	for (i = 0; i < ws->nsessions && rc == 0; i++) {
		if (!tui_session_name_ok(ws->sessions[i].name)) {
			fprintf(stderr, "drover: -w %s: '%s' is not a session name\n", file,
			    ws->sessions[i].name);
			rc = 2;
		} else if ((fd = tui_session_connect(dir, ws->sessions[i].name)) >= 0) {
			close(fd);      /* running already: attached to as it is */
		} else {
			rc = spawn_server(dir, ws->sessions[i].name, (int)rest->n, rest->v,
			    ssh_config, inventory);
		}
	}
	if (rc == 0 && (fd = connect_named(dir, ws->sessions[0].name)) >= 0)
		rc = tui__attach_fd(fd, ws->sessions[0].name, 0);
	else if (rc == 0)
		rc = 1;
	cfg_workspace_free(ws);
	free(abs);
	return rc;
}

int
tui_cli_save(int argc, char **argv)
{
	char *abs, *d, *req[3] = { "save", NULL, NULL };
	const char *base;
	int rc;

	if (argc != 3 || argv[1][0] == '-') {
		fprintf(argc == 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr,
		    "usage: drover save NAME FILE\n\nWrites session NAME as a workspace file "
		    "(drover -w FILE opens it again).\n");
		return argc == 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
	}
	/* The server writes it: an absolute path, its directory resolved here. */
	d = util_xstrdup(argv[2]);
	base = strrchr(argv[2], '/') != NULL ? strrchr(argv[2], '/') + 1 : argv[2];
	if (strrchr(d, '/') != NULL)
		*strrchr(d, '/') = '\0';
	else
		strcpy(d, ".");
	abs = realpath(d[0] != '\0' ? d : "/", NULL);
	if (abs == NULL || base[0] == '\0') {
		fprintf(stderr, "drover: save: %s: %s\n", argv[2], abs == NULL ? strerror(errno) :
		    "not a file name");
		rc = 2;
	} else {
		req[1] = util_xasprintf("%s/%s", strcmp(abs, "/") == 0 ? "" : abs, base);
		rc = ask_session(argv[1], 2, req);
		free(req[1]);
	}
	free(abs);
	free(d);
	return rc;
}


int
tui_session_main(int argc, char **argv, const char *ssh_config, const char *inventory)
{
	util_strv rest = { 0 };
	char *dir = NULL, *name = NULL;
	const char *want = NULL, *wsfile = NULL;
	int i, fd, rc;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			util_strv_clear(&rest);
			return tui_console_help();
		}
		if (strcmp(argv[i], "-w") == 0 || strncmp(argv[i], "-w=", 3) == 0) {
			if (argv[i][2] == '=')
				wsfile = argv[i] + 3;
			else if (i + 1 < argc)
				wsfile = argv[++i];
			else {
				fprintf(stderr, "drover: -w needs a workspace file\n");
				util_strv_clear(&rest);
				return 2;
			}
			continue;
		}
		if (strcmp(argv[i], "-s") == 0 || strncmp(argv[i], "-s=", 3) == 0) {
			if (argv[i][2] == '=')
				want = argv[i] + 3;
			else if (i + 1 < argc)
				want = argv[++i];
			else {
				fprintf(stderr, "drover: -s needs a session name\n");
				util_strv_clear(&rest);
				return 2;
			}
			continue;
		}
		util_strv_push(&rest, argv[i]);
	}
	/* No terminal: the console's own checks say what is wrong (and that). */
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		util_strv_clear(&rest);
		return tui_console_run(argc, argv, ssh_config, inventory);
	}
	if (want != NULL && !tui_session_name_ok(want)) {
		fprintf(stderr, "drover: -s: not a session name (letters, digits, '_', '.', '-')\n");
		util_strv_clear(&rest);
		return 2;
	}
	if (sockdir_or_die(&dir) != 0) {
		util_strv_clear(&rest);
		return 1;
	}
	if (wsfile != NULL) {
		rc = open_workspace(dir, wsfile, &rest, ssh_config, inventory);
		goto out;
	}
	if (want != NULL && (fd = tui_session_connect(dir, want)) >= 0) {
		close(fd);
		fprintf(stderr, "drover: session %s already exists (drover attach %s)\n", want, want);
		rc = 2;
		goto out;
	}
	name = want != NULL ? util_xstrdup(want) : next_free_name(dir);
	rc = spawn_server(dir, name, (int)rest.n, rest.v, ssh_config, inventory);
	if (rc == 0 && (fd = connect_named(dir, name)) >= 0)
		rc = tui__attach_fd(fd, name, 0);
	else if (rc == 0)
		rc = 1;
out:
	util_strv_clear(&rest);
	free(name);
	free(dir);
	return rc;
}
