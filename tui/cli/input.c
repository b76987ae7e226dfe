/*
 * tui/cli/input.c - drover's stdin, read once for every host of a run
 * (`drover exec … -- sh -s < script.sh`). A regular file is mapped as it
 * is; a pipe is read to its end into memory up to INPUT_MEM_MAX, beyond
 * that into a private unlinked temporary file that is then mapped. So
 * however many hosts read it, there is one copy, and a large input lives in
 * the page cache, not in the heap. A terminal is never read (the operator
 * is typing to drover, not to the hosts).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tui/cli/cli.h"

#define INPUT_MEM_MAX ((size_t)1 << 20)

static int
map_fd(int fd, off_t off, size_t len, tui_input *in, char **cause)
{
	void *p;

	if (len == 0)
		return 0;
	p = mmap(NULL, len + (size_t)off, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		*cause = util_xasprintf("stdin: cannot map it: %s", strerror(errno));
		return -1;
	}
	in->map = p;
	in->maplen = len + (size_t)off;
	in->data = (const char *)p + off;
	in->len = len;
	return 0;
}

static int
spool(tui_input *in, char *head, size_t headlen, char **cause)
{
	const char *dir = getenv("TMPDIR");
	char *path, buf[65536];
	ssize_t r;
	size_t total = headlen;
	int fd, rc = -1;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	path = util_xasprintf("%s/drover-stdin-XXXXXX", dir);
	if ((fd = mkstemp(path)) < 0) {
		*cause = util_xasprintf("stdin: cannot spool it to %s: %s", dir, strerror(errno));
		free(path);
		return -1;
	}
	unlink(path);   /* private and gone with us, however we end */
	free(path);
	if (write(fd, head, headlen) != (ssize_t)headlen)
		goto werr;
	for (;;) {
		r = read(0, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*cause = util_xasprintf("stdin: %s", strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		if (write(fd, buf, (size_t)r) != r)
			goto werr;
		total += (size_t)r;
	}
	rc = map_fd(fd, 0, total, in, cause);
	goto out;
werr:
	*cause = util_xasprintf("stdin: spooling to a temporary file: %s",
	    errno ? strerror(errno) : "short write");
out:
	close(fd);
	return rc;
}

int
tui_input_load(tui_input *in, char **cause)
{
	struct stat st;
	char *head;
	size_t len = 0;
	ssize_t r;
	off_t off;

	memset(in, 0, sizeof(*in));
	if (fstat(0, &st) != 0 || isatty(0))
		return 0;   /* closed, or the operator's terminal: no input */
	in->data = "";
	if (S_ISREG(st.st_mode) && (off = lseek(0, 0, SEEK_CUR)) >= 0) {
		if (st.st_size <= off)
			return 0;
		return map_fd(0, off, (size_t)(st.st_size - off), in, cause);
	}
	head = util_xmalloc(INPUT_MEM_MAX);
	for (;;) {
		r = read(0, head + len, INPUT_MEM_MAX - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*cause = util_xasprintf("stdin: %s", strerror(errno));
			free(head);
			return -1;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len == INPUT_MEM_MAX) {
			int rc = spool(in, head, len, cause);

			free(head);
			return rc;
		}
	}
	in->heap = head;
	in->data = head;
	in->len = len;
	return 0;
}

void
tui_input_free(tui_input *in)
{
	if (in->map != NULL)
		munmap(in->map, in->maplen);
	free(in->heap);
	memset(in, 0, sizeof(*in));
}
