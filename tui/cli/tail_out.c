/*
 * tui/cli/tail_out.c - `drover tail --outdir DIR`: each host's lines
 * appended to DIR/HOST/FILE, the remote path mirrored below the host's
 * directory (/var/log/app.log -> DIR/HOST/var/log/app.log; a command's
 * output -> DIR/HOST/command.out). Owns the open files; tail.c calls it
 * from its line and mark callbacks.
 *
 * Host and file names come from the inventory and from the hosts (glob
 * matches): each path component is made tame (no '/', no control bytes,
 * "." and ".." renamed), and every component below DIR is opened with
 * openat(O_NOFOLLOW), so no name and no planted symlink can lead outside
 * DIR. What we create is private, 0700 directories and 0600 files, set
 * with fchmod whatever the umask; files that exist are appended to as
 * they are (a restarted tail continues its files). Only regular files are
 * written: a FIFO or device planted under the name is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tui/cli/cli.h"

typedef struct ofile {
	char *host, *file;          /* as given (file NULL: the command) */
	char *path;                 /* shown in errors */
	int fd;                     /* -1: failed, reported once */
} ofile;

struct tui_tail_out {
	char *dir;
	int dfd;
	ofile *f;
	size_t n, last;             /* last: where the previous line went */
};

/* One path component, tame: never empty, never "." or "..", no '/'. */
static char *
component(const char *s, size_t len)
{
	char *c = util_xmalloc(len + 2), *p = c;
	size_t i;

	if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
		*p++ = '_';
	for (i = 0; i < len; i++)
		*p++ = s[i] == '/' || (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '_' : s[i];
	if (p == c)
		*p++ = '_';
	*p = '\0';
	return c;
}

/* The directory `name` under dfd, made (0700) if missing; never a symlink. */
static int
subdir(int dfd, const char *name)
{
	int fd;

	if (mkdirat(dfd, name, 0700) == 0) {
		fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0 && fchmod(fd, 0700) != 0) {
			close(fd);
			return -1;
		}
		return fd;
	}
	if (errno != EEXIST)
		return -1;
	return openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* Appends to `name` under dfd: created 0600, or an existing regular file. */
static int
leaf(int dfd, const char *name)
{
	struct stat st;
	int fd, fl = O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;

	fd = openat(dfd, name, fl | O_CREAT | O_EXCL, 0600);
	if (fd >= 0) {
		if (fchmod(fd, 0600) != 0)
			goto bad;
	} else if (errno == EEXIST) {
		if ((fd = openat(dfd, name, fl)) < 0)
			return -1;
	} else {
		return -1;
	}
	if (fstat(fd, &st) != 0)
		goto bad;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		goto bad;
	}
	/* O_NONBLOCK was for the open only (a planted FIFO must not hang us). */
	if (fcntl(fd, F_SETFL, O_WRONLY | O_APPEND) != 0)
		goto bad;
	return fd;
bad:
	{
		int e = errno;

		close(fd);
		errno = e;
	}
	return -1;
}

static void
open_file(tui_tail_out *o, ofile *f)
{
	const char *p, *q, *rel = f->file != NULL ? f->file : "command.out";
	char *c;
	int dfd, next;

	c = component(f->host, strlen(f->host));
	dfd = subdir(o->dfd, c);
	free(c);
	for (p = rel; dfd >= 0; p = q + 1) {
		while (*p == '/')
			p++;
		q = strchr(p, '/');
		if (q == NULL) {
			c = component(p, strlen(p));
			f->fd = leaf(dfd, c);
			free(c);
			break;
		}
		if (q == p)
			continue;
		c = component(p, (size_t)(q - p));
		next = subdir(dfd, c);
		free(c);
		close(dfd);
		dfd = next;
	}
	if (dfd >= 0) {
		int e = errno;

		close(dfd);
		errno = e;
	}
}

int
tui_tail_out_new(const char *dir, tui_tail_out **out, char **cause)
{
	tui_tail_out *o;
	int fd;

	*out = NULL;
	/* DIR itself is the user's: made private if we make it, followed if a link. */
	if (mkdir(dir, 0700) == 0)
		chmod(dir, 0700);
	else if (errno != EEXIST)
		goto fail;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		goto fail;
	o = util_xcalloc(1, sizeof(*o));
	o->dir = util_xstrdup(dir);
	o->dfd = fd;
	*out = o;
	return 0;
fail:
	*cause = util_xasprintf("--outdir %s: %s", dir, strerror(errno));
	return -1;
}

static int
is(const ofile *f, const char *host, const char *file)
{
	return strcmp(f->host, host) == 0 && (f->file == NULL) == (file == NULL) &&
	    (file == NULL || strcmp(f->file, file) == 0);
}

static ofile *
find(tui_tail_out *o, const char *host, const char *file)
{
	size_t i;
	ofile *f;

	/* Lines come in runs from one host and file: look there first. */
	if (o->last < o->n && is(&o->f[o->last], host, file))
		return &o->f[o->last];
	for (i = 0; i < o->n; i++) {
		if (is(&o->f[i], host, file)) {
			o->last = i;
			return &o->f[i];
		}
	}
	o->f = util_xreallocarray(o->f, o->n + 1, sizeof(*o->f));
	o->last = o->n;
	f = &o->f[o->n++];
	f->host = util_xstrdup(host);
	f->file = file != NULL ? util_xstrdup(file) : NULL;
	f->path = util_xasprintf("%s/%s/%s", o->dir, host, file != NULL ? file : "command.out");
	open_file(o, f);
	if (f->fd < 0) {
		char *p = tui_sanitize_str(f->path);

		fprintf(stderr, "drover: --outdir %s: %s\n", p, strerror(errno));
		free(p);
	}
	return f;
}

int
tui_tail_out_write(tui_tail_out *o, const char *host, const char *file, const char *buf,
    size_t len, int newline)
{
	ofile *f = find(o, host, file);
	ssize_t w;

	if (f->fd < 0)
		return -1;
	while (len > 0 || newline) {
		if (len == 0) {
			buf = "\n";
			len = 1;
			newline = 0;
		}
		w = write(f->fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			char *p = tui_sanitize_str(f->path);

			fprintf(stderr, "drover: --outdir %s: %s\n", p, strerror(w < 0 ? errno : EIO));
			free(p);
			close(f->fd);
			f->fd = -1;
			return -1;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

void
tui_tail_out_free(tui_tail_out *o)
{
	size_t i;

	if (o == NULL)
		return;
	for (i = 0; i < o->n; i++) {
		if (o->f[i].fd >= 0)
			close(o->f[i].fd);
		free(o->f[i].host);
		free(o->f[i].file);
		free(o->f[i].path);
	}
	free(o->f);
	close(o->dfd);
	free(o->dir);
	free(o);
}
