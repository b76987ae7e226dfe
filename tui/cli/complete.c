/*
 * tui/cli/complete.c - `drover complete [--] WORD... CURRENT`: the hidden
 * query behind the bash, zsh and fish completions (completion/). The shell
 * hands over the words typed after `drover`, the last one being the word
 * under the cursor (maybe empty); drover answers with one candidate per
 * line, already filtered by that word, or one directive line ":files" /
 * ":dirs" for the shell to complete paths itself. Nothing is printed on
 * errors: a broken inventory must not spill messages into the prompt.
 *
 * The command line is walked like main.c, exec.c and console.c parse it
 * (global -F/-i, then exec, demo or the console's options, TARGETS, and for
 * exec the remote COMMAND after TARGETS or --), so that the inventory and
 * ssh config the command would use are the ones completed from. Targets
 * come from the inventory (hosts, @groups, @tags) and the ssh_config's
 * Host aliases; a term after ',', '!' or '&' is completed on its own.
 *
 * The option tables here are checked against the --help texts by
 * tests/pkg/drift.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "tui/cli/cli.h"

/* What the word after an option is. */
enum value {
	V_NONE,         /* a flag */
	V_ANY,          /* a number, a user ...: nothing to offer */
	V_FILE,
	V_DIR,
	V_LIST,         /* one of opt->words */
	V_AUTH,         /* a comma list of auth methods */
	V_LAYOUT
};

typedef struct copt {
	const char *name;
	enum value value;
	const char *const *words;   /* V_LIST */
} copt;

static const char *const out_modes[] = { "stream", "group", "json", "diff", "none", NULL };
static const char *const color_whens[] = { "auto", "always", "never", NULL };
static const char *const auth_methods[] = {
	"agent", "key", "password", "keyboard-interactive", NULL
};
static const char *const subcommands[] = {
	"exec", "tail", "put", "get", "ls", "cat", "demo", "attach", "sessions", "kill-session",
	"kill-server", "ctl", "save", NULL
};
static const char *const tail_modes[] = { "stream", "json", NULL };
static const char *const xfer_modes[] = { "stream", "json", NULL };
static const char *const ls_modes[] = { "group", "stream", "json", NULL };

static const copt global_opts[] = {
	{ "-F", V_FILE, NULL }, { "-i", V_FILE, NULL },
	{ "-h", V_NONE, NULL }, { "--help", V_NONE, NULL },
	{ "--version", V_NONE, NULL }, { NULL, V_NONE, NULL }
};

static const copt console_opts[] = {
	{ "-c", V_FILE, NULL }, { "-s", V_ANY, NULL }, { "-w", V_FILE, NULL },
	{ "--accept-new", V_NONE, NULL }, { "--layout", V_LAYOUT, NULL },
	{ "--tail", V_ANY, NULL }, { "-h", V_NONE, NULL },
	{ "--help", V_NONE, NULL }, { NULL, V_NONE, NULL }
};

static const copt exec_opts[] = {
	{ "-F", V_FILE, NULL }, { "-i", V_FILE, NULL },
	{ "-f", V_ANY, NULL }, { "-t", V_ANY, NULL },
	{ "--connect-timeout", V_ANY, NULL }, { "--keepalive", V_ANY, NULL },
	{ "--max-handshakes", V_ANY, NULL },
	{ "-l", V_ANY, NULL }, { "-p", V_ANY, NULL }, { "-k", V_FILE, NULL },
	{ "--auth", V_AUTH, NULL }, { "--accept-new", V_NONE, NULL },
	{ "--sudo", V_NONE, NULL }, { "-n", V_NONE, NULL }, { "--pty", V_NONE, NULL },
	{ "--cli", V_NONE, NULL }, { "--enable", V_NONE, NULL },
	{ "-o", V_LIST, out_modes }, { "--outdir", V_DIR, NULL },
	{ "-v", V_NONE, NULL }, { "-vv", V_NONE, NULL }, { "-q", V_NONE, NULL },
	{ "--color", V_LIST, color_whens }, { "--log", V_FILE, NULL },
	{ "-h", V_NONE, NULL }, { "--help", V_NONE, NULL },
	{ NULL, V_NONE, NULL }
};

static const copt tail_opts[] = {
	{ "-F", V_FILE, NULL }, { "-i", V_FILE, NULL },
	{ "-n", V_ANY, NULL }, { "-e", V_ANY, NULL }, { "-v", V_ANY, NULL },
	{ "--highlight", V_ANY, NULL }, { "--cmd", V_ANY, NULL },
	{ "-o", V_LIST, tail_modes }, { "--outdir", V_DIR, NULL },
	{ "-f", V_ANY, NULL }, { "-l", V_ANY, NULL }, { "-p", V_ANY, NULL },
	{ "-k", V_FILE, NULL }, { "--accept-new", V_NONE, NULL },
	{ "--connect-timeout", V_ANY, NULL }, { "--color", V_LIST, color_whens },
	{ "--log", V_FILE, NULL }, { "-h", V_NONE, NULL }, { "--help", V_NONE, NULL },
	{ NULL, V_NONE, NULL }
};

/* put and get; ls and cat take the ones before -r. */
#define XFER_CONN_OPTS \
	{ "-F", V_FILE, NULL }, { "-i", V_FILE, NULL }, \
	{ "-f", V_ANY, NULL }, { "-l", V_ANY, NULL }, { "-P", V_ANY, NULL }, \
	{ "-k", V_FILE, NULL }, { "--auth", V_AUTH, NULL }, { "--accept-new", V_NONE, NULL }, \
	{ "--connect-timeout", V_ANY, NULL }, { "--keepalive", V_ANY, NULL }, \
	{ "--max-handshakes", V_ANY, NULL }, { "-q", V_NONE, NULL }, { "-v", V_NONE, NULL }, \
	{ "-vv", V_NONE, NULL }, { "--color", V_LIST, color_whens }, { "--log", V_FILE, NULL }, \
	{ "-h", V_NONE, NULL }, { "--help", V_NONE, NULL }

static const copt xfer_opts[] = {
	XFER_CONN_OPTS,
	{ "-r", V_NONE, NULL }, { "-p", V_NONE, NULL }, { "--resume", V_NONE, NULL },
	{ "--skip-same", V_NONE, NULL }, { "--verify", V_NONE, NULL },
	{ "-o", V_LIST, xfer_modes }, { NULL, V_NONE, NULL }
};

static const copt ls_opts[] = {
	XFER_CONN_OPTS,
	{ "-o", V_LIST, ls_modes }, { NULL, V_NONE, NULL }
};

/* The subcommands that take TARGETS then paths, and their options. */
static const struct {
	const char *name;
	const copt *opts;
	int local_paths;        /* the paths after TARGETS are local files (put) */
} path_subs[] = {
	{ "tail", tail_opts, 0 }, { "put", xfer_opts, 1 }, { "get", xfer_opts, 0 },
	{ "ls", ls_opts, 0 }, { "cat", ls_opts, 0 }
};

static const copt demo_opts[] = {
	{ "-h", V_NONE, NULL }, { "--help", V_NONE, NULL }, { NULL, V_NONE, NULL }
};

/* Where the walk over the finished words ended. */
enum mode {
	M_START,        /* global options so far: anything may follow */
	M_CONSOLE,      /* console options seen */
	M_CONSOLE_DONE, /* the console's TARGETS given */
	M_EXEC,         /* exec, before TARGETS */
	M_EXEC_TARGETS, /* exec, TARGETS given: options or COMMAND */
	M_COMMAND,      /* the remote command: nothing to complete */
	M_DEMO,
	M_DEMO_ARGS,    /* drover arguments for the demo: not completed */
	M_SUB,          /* tail, put, get, ls, cat: before TARGETS */
	M_SUB_TARGETS,  /* TARGETS given: options or paths */
	M_SUB_PATHS     /* after --: paths only */
};

typedef struct walk {
	enum mode mode;
	int sub;                /* path_subs[] index in M_SUB* */
	const copt *pending;    /* the option whose value comes next */
	const char *ssh_config, *inventory;
} walk;

static const copt *
find_opt(const copt *t, const char *w)
{
	for (; t->name != NULL; t++)
		if (strcmp(t->name, w) == 0)
			return t;
	return NULL;
}

/* The options a mode accepts; the first table is searched first. */
static void
mode_opts(const walk *w, const copt **a, const copt **b)
{
	*b = NULL;
	switch (w->mode) {
	case M_START:
		*a = global_opts;
		*b = console_opts;
		break;
	case M_CONSOLE:
	case M_CONSOLE_DONE:
		*a = console_opts;
		break;
	case M_EXEC:
	case M_EXEC_TARGETS:
		*a = exec_opts;
		break;
	case M_DEMO:
		*a = demo_opts;
		break;
	case M_SUB:
	case M_SUB_TARGETS:
		*a = path_subs[w->sub].opts;
		break;
	default:
		*a = NULL;
	}
}

static void
walk_word(walk *w, const char *s)
{
	const copt *a, *b, *o = NULL;

	if (w->pending != NULL) {
		if (strcmp(w->pending->name, "-F") == 0)
			w->ssh_config = s;
		else if (strcmp(w->pending->name, "-i") == 0)
			w->inventory = s;
		w->pending = NULL;
		return;
	}
	switch (w->mode) {
	case M_COMMAND:
	case M_DEMO_ARGS:
		return;
	case M_EXEC_TARGETS:
		/* exec.c: after TARGETS, "--" or a non-option starts COMMAND. */
		if (s[0] != '-' || strcmp(s, "--") == 0) {
			w->mode = M_COMMAND;
			return;
		}
		break;
	case M_EXEC:
		if (strcmp(s, "--") == 0)
			return;
		break;
	case M_DEMO:
		w->mode = M_DEMO_ARGS;
		return;
	case M_SUB_PATHS:
		return;
	case M_SUB:
	case M_SUB_TARGETS:
		if (strcmp(s, "--") == 0) {
			w->mode = w->mode == M_SUB_TARGETS ? M_SUB_PATHS : M_SUB;
			return;
		}
		break;
	default:
		break;
	}
	mode_opts(w, &a, &b);
	if (a != NULL && (o = find_opt(a, s)) == NULL && b != NULL)
		o = find_opt(b, s);
	if (o != NULL) {
		if (o->value != V_NONE)
			w->pending = o;
		if (w->mode == M_START && find_opt(global_opts, s) == NULL)
			w->mode = M_CONSOLE;
		return;
	}
	if (s[0] == '-')
		return;         /* unknown option: the command will say so */
	if (w->mode == M_START) {
		size_t k;

		for (k = 0; k < sizeof(path_subs) / sizeof(path_subs[0]); k++) {
			if (strcmp(s, path_subs[k].name) == 0) {
				w->mode = M_SUB;
				w->sub = (int)k;
				return;
			}
		}
	}
	if (w->mode == M_SUB) {
		w->mode = M_SUB_TARGETS;
		return;
	}
	if (w->mode == M_SUB_TARGETS)
		return;         /* a path before -- */
	if (w->mode == M_START && strcmp(s, "exec") == 0)
		w->mode = M_EXEC;
	else if (w->mode == M_START && strcmp(s, "demo") == 0)
		w->mode = M_DEMO;
	else if (w->mode == M_START || w->mode == M_CONSOLE)
		w->mode = M_CONSOLE_DONE;
	else if (w->mode == M_EXEC)
		w->mode = M_EXEC_TARGETS;
}

/* Adds head[0..headlen) + word when word starts with cur. */
static void
cand_add(util_strv *c, const char *head, size_t headlen, const char *word,
    const char *cur)
{
	if (strncmp(word, cur, strlen(cur)) != 0)
		return;
	util_strv_push_take(c, util_xasprintf("%.*s%s", (int)headlen, head, word));
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted, without duplicates (a host may also be an ssh alias). */
static void
cands_print(util_strv *c)
{
	size_t i;

	if (c->n > 1)
		qsort(c->v, c->n, sizeof *c->v, cmp_str);
	for (i = 0; i < c->n; i++)
		if (i == 0 || strcmp(c->v[i], c->v[i - 1]) != 0)
			puts(c->v[i]);
}

/* A leading ~/ as the shell would expand it (the word reaches us quoted). */
static char *
expand_home(const char *path)
{
	const char *home = getenv("HOME");

	if (path == NULL)
		return NULL;
	if (strncmp(path, "~/", 2) == 0 && home != NULL)
		return util_xasprintf("%s%s", home, path + 1);
	return util_xstrdup(path);
}

/* Hosts, @groups, @tags and ssh aliases for the last term of cur. */
static void
complete_targets(util_strv *c, const walk *w, const char *cur)
{
	cfg_inventory *inv = NULL;
	char *inv_path = expand_home(w->inventory), *cfg_path = expand_home(w->ssh_config);
	const char *term, *p;
	char *at;
	size_t i, j;

	/* The term under the cursor starts after the last ',' or '&', and '!'. */
	for (term = cur, p = cur; *p != '\0'; p++)
		if (*p == ',' || *p == '&')
			term = p + 1;
	if (*term == '!')
		term++;
	if (cfg_inventory_load(inv_path, &inv, NULL) != 0)
		inv = cfg_inventory_new();
	/* An unreadable ssh config leaves the aliases out, not the hosts. */
	cfg_inventory_add_ssh_aliases(inv, cfg_path, NULL);
	if (term[0] == '@') {
		for (i = 0; i < inv->ngroups; i++)
			cand_add(c, cur, (size_t)(term - cur + 1), inv->groups[i].name, term + 1);
		for (i = 0; i < inv->nhosts; i++)
			for (j = 0; inv->hosts[i].tags != NULL && inv->hosts[i].tags[j] != NULL; j++)
				cand_add(c, cur, (size_t)(term - cur + 1), inv->hosts[i].tags[j],
				    term + 1);
	} else {
		for (i = 0; i < inv->nhosts; i++)
			cand_add(c, cur, (size_t)(term - cur), inv->hosts[i].name, term);
		for (i = 0; i < inv->naliases; i++)
			cand_add(c, cur, (size_t)(term - cur), inv->aliases[i], term);
		/* Nothing typed yet: the groups too (tags only after '@'). */
		for (i = 0; *term == '\0' && i < inv->ngroups; i++) {
			at = util_xasprintf("@%s", inv->groups[i].name);
			cand_add(c, cur, (size_t)(term - cur), at, "");
			free(at);
		}
	}
	cfg_inventory_free(inv);
	free(inv_path);
	free(cfg_path);
}

static void
complete_value(util_strv *c, const copt *o, const char *cur)
{
	const char *last;
	size_t i;

	switch (o->value) {
	case V_FILE:
		puts(":files");
		break;
	case V_DIR:
		puts(":dirs");
		break;
	case V_LIST:
		for (i = 0; o->words[i] != NULL; i++)
			cand_add(c, "", 0, o->words[i], cur);
		break;
	case V_LAYOUT:
		for (i = 0; tui_console_layout_at((int)i) != NULL; i++)
			cand_add(c, "", 0, tui_console_layout_at((int)i), cur);
		break;
	case V_AUTH:
		/* agent,key,pa<TAB>: the methods not listed yet. */
		last = strrchr(cur, ',');
		last = last != NULL ? last + 1 : cur;
		for (i = 0; auth_methods[i] != NULL; i++) {
			char *listed = util_xasprintf(",%.*s,", (int)(last - cur), cur);
			char *me = util_xasprintf(",%s,", auth_methods[i]);

			if (strstr(listed, me) == NULL)
				cand_add(c, cur, (size_t)(last - cur), auth_methods[i], last);
			free(listed);
			free(me);
		}
		break;
	default:
		break;
	}
}

int
tui_cli_complete(int argc, char **argv, const char *ssh_config, const char *inventory)
{
	walk w = { M_START, 0, NULL, ssh_config, inventory };
	util_strv c = { NULL, 0, 0 };
	const copt *a, *b;
	const char *cur;
	int i = 1;

	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i >= argc)
		return TUI_EXIT_USAGE;
	for (; i < argc - 1; i++)
		walk_word(&w, argv[i]);
	cur = argv[argc - 1];
	if (w.pending != NULL) {
		complete_value(&c, w.pending, cur);
	} else if (cur[0] == '-' && w.mode != M_COMMAND && w.mode != M_DEMO_ARGS &&
	    w.mode != M_SUB_PATHS) {
		mode_opts(&w, &a, &b);
		for (; a != NULL && a->name != NULL; a++)
			cand_add(&c, "", 0, a->name, cur);
		for (; b != NULL && b->name != NULL; b++)
			cand_add(&c, "", 0, b->name, cur);
	} else if (w.mode == M_SUB_TARGETS || w.mode == M_SUB_PATHS) {
		/* put's sources are local files; remote paths are the host's business. */
		if (path_subs[w.sub].local_paths)
			puts(":files");
	} else if (w.mode == M_START || w.mode == M_CONSOLE || w.mode == M_EXEC ||
	    w.mode == M_SUB) {
		if (w.mode == M_START)
			for (i = 0; subcommands[i] != NULL; i++)
				cand_add(&c, "", 0, subcommands[i], cur);
		complete_targets(&c, &w, cur);
	}
	cands_print(&c);
	util_strv_clear(&c);
	return fflush(stdout) == 0 ? TUI_EXIT_OK : TUI_EXIT_IOERR;
}
