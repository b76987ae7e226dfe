/*
 * tui/cli/lastrun.c - after each `drover exec` run, its outcome goes into
 * the record of past runs ($XDG_STATE_HOME/drover/last.json, the format in
 * config/config.h, read back by config/lastrun.c for @failed and @ok).
 * The newest RUNS_KEEP runs are kept. The file is private (0600 in a 0700
 * directory) and replaced atomically: written under a random temporary
 * name beside it, then renamed over it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "tui/cli/cli.h"

#define RUNS_KEEP 10

static void
json_list(tui_buf *o, char *const *names)
{
	size_t i;

	tui_buf_addstr(o, "[");
	for (i = 0; names != NULL && names[i] != NULL; i++) {
		tui_buf_addstr(o, i ? ",\"" : "\"");
		tui_json_escape(o, names[i], strlen(names[i]));
		tui_buf_addstr(o, "\"");
	}
	tui_buf_addstr(o, "]");
}

static void
json_run(tui_buf *o, long long t, const char *command, char *const *ok,
    char *const *failed)
{
	tui_buf_addf(o, "{\"time\":%lld,\"command\":\"", t);
	tui_json_escape(o, command, strlen(command));
	tui_buf_addstr(o, "\",\"ok\":");
	json_list(o, ok);
	tui_buf_addstr(o, ",\"failed\":");
	json_list(o, failed);
	tui_buf_addstr(o, "}");
}

/* mkdir -p with mode 0700 for what it creates. */
static int
make_dirs(char *path)
{
	char *p;

	for (p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST) {
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	return mkdir(path, 0700) != 0 && errno != EEXIST ? -1 : 0;
}

int
tui_lastrun_record(const char *command, const eng_fanout *f, char **cause)
{
	util_strv ok = { 0 }, failed = { 0 };
	cfg_runs *old = NULL;
	tui_buf o = { 0 };
	char *path = cfg_runs_default_path(), *dir = NULL, *tmp = NULL, *slash;
	size_t i, n = eng_fanout_count(f);
	ssize_t w;
	int fd = -1, rc = -1;
	size_t off = 0;

	for (i = 0; i < n; i++) {
		const eng_fanout_host *h = eng_fanout_host_get(f, i);

		util_strv_push(h->state == ENG_HOST_OK ? &ok : &failed, h->name);
	}
	/* An unreadable old record is replaced: it only ever holds our own. */
	if (cfg_runs_load(path, &old, NULL) != 0)
		old = NULL;
	tui_buf_addstr(&o, "{\"runs\":[");
	json_run(&o, (long long)time(NULL), command, ok.v, failed.v);
	for (i = 0; old != NULL && i < old->n && i + 1 < RUNS_KEEP; i++) {
		tui_buf_addstr(&o, ",\n");
		json_run(&o, old->v[i].time, old->v[i].command ? old->v[i].command : "",
		    old->v[i].ok, old->v[i].failed);
	}
	tui_buf_addstr(&o, "]}\n");
	slash = strrchr(path, '/');
	dir = util_xstrndup(path, (size_t)(slash - path));
	tmp = util_xasprintf("%s/.last.json.XXXXXX", dir);
	if (make_dirs(dir) != 0 || (fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		*cause = util_xasprintf("%s: %s", fd < 0 && errno != 0 ? dir : path,
		    strerror(errno));
		goto out;
	}
	while (off < o.len) {
		w = write(fd, o.p + off, o.len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			*cause = util_xasprintf("writing %s: %s", tmp, strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	if (close(fd) != 0) {
		fd = -1;
		*cause = util_xasprintf("writing %s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		*cause = util_xasprintf("%s: %s", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc != 0 && tmp != NULL)
		unlink(tmp);
	cfg_runs_free(old);
	tui_buf_free(&o);
	util_strv_clear(&ok);
	util_strv_clear(&failed);
	free(path);
	free(dir);
	free(tmp);
	return rc;
}
