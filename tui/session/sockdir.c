/*
 * tui/session/sockdir.c - the directory of session sockets. Only the user
 * may enter it (checked, not assumed: /tmp is shared), a socket whose
 * server is gone is removed, a live one is never taken over.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "tui/session/proto.h"

static int
dir_check(const char *dir, char **cause)
{
	struct stat st;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		*cause = util_xasprintf("cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) != 0) {
		*cause = util_xasprintf("%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != getuid() || (st.st_mode & 077) != 0) {
		*cause = util_xasprintf("%s is not a directory that only you own and enter "
		    "(mode 0700): refusing to use it for session sockets", dir);
		return -1;
	}
	return 0;
}

int
tui_sockdir(char **dir, char **cause)
{
	const char *rt = getenv("XDG_RUNTIME_DIR");
	char *d;

	if (rt != NULL && rt[0] == '/')
		d = util_xasprintf("%s/drover", rt);
	else
		d = util_xasprintf("/tmp/drover-%lu", (unsigned long)getuid());
	if (dir_check(d, cause) != 0) {
		free(d);
		return -1;
	}
	*dir = d;
	return 0;
}

int
tui_session_name_ok(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > 64 || name[0] == '.' || name[0] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
		    (name[i] >= '0' && name[i] <= '9') || name[i] == '_' || name[i] == '.' ||
		    name[i] == '-'))
			return 0;
	return 1;
}

int
tui_session_connect(const char *dir, const char *name)
{
	char *path = util_xasprintf("%s/%s", dir, name);
	int fd = tui_session_connect_path(path), e = errno;

	free(path);
	errno = e;
	return fd;
}

int
tui_session_connect_path(const char *path)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd, e;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path) >=
	    sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (lstat(sa.sun_path, &st) != 0)
		return -1;
	if (!S_ISSOCK(st.st_mode)) {
		errno = ENOTSOCK;
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	e = errno;
	close(fd);
	/* Nobody listens: the server died without cleaning up. */
	if (e == ECONNREFUSED) {
		unlink(sa.sun_path);
		e = ENOENT;
	}
	errno = e;
	return -1;
}

static int
cmp_names(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	char *ex, *ey;
	long nx = strtol(x, &ex, 10), ny = strtol(y, &ey, 10);

	/* Numbered sessions in numeric order, before named ones. */
	if (*ex == '\0' && *ey == '\0' && ex != x && ey != y)
		return nx < ny ? -1 : nx > ny;
	return strcmp(x, y);
}

void
tui_session_list(const char *dir, util_strv *names)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int fd;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (!tui_session_name_ok(e->d_name))
			continue;
		if ((fd = tui_session_connect(dir, e->d_name)) < 0)
			continue;
		close(fd);
		util_strv_push(names, e->d_name);
	}
	closedir(d);
	if (names->n > 1)
		qsort(names->v, names->n, sizeof(*names->v), cmp_names);
}
