/*
 * engine/sshcfg.c - feeding an ssh_config file to libssh, once per session.
 *
 * libssh 0.10 reads and parses the whole file for every session it
 * configures. A fleet's config typically has a Host block per machine, so a
 * fan-out to N hosts parsed N blocks N times: about 0.7 M instructions per
 * host at 200 hosts, more than anything else the client does apart from the
 * key exchange itself, and growing with the fleet.
 *
 * libssh ignores the lines of a Host block whose patterns do not match the
 * host name: nothing is applied, nothing is recorded as seen, nothing can
 * fail (except a malformed ProxyJump, which is checked even there). Leaving
 * such blocks out therefore changes nothing. So the file is read and indexed
 * once per context (again whenever stat says it changed), and each session
 * gets a copy without the Host blocks that provably cannot match it, in a
 * memfd (one per context, rewritten per session) that libssh opens by its
 * /proc/self/fd path. libssh still parses
 * everything that is left, with its own rules.
 *
 * "Provably" is kept simple and conservative: only blocks whose patterns are
 * plain names (no wildcard, negation, list or quoting character) and contain
 * no ProxyJump are dropped, and only when no pattern equals the host name in
 * effect (the name given, or any HostName in the file, since libssh matches
 * later Host lines against a HostName set earlier). A file with an Include,
 * a HostName with escapes, a NUL byte or a line libssh would split is passed
 * to libssh untouched, as is everything when memfds or /proc are missing.
 *
 * A name libssh refuses as a host name ("my_host": libssh 0.10.6 checks
 * RFC 1035 syntax) is a label (eng_conn.label): libssh gets a stand-in, so
 * it cannot match Host lines against the name. For such a conn the copy
 * has every Host block decided here, with OpenSSH's rules against the
 * name: a block that matches goes in as "Host *", one that does not is
 * left out. (Then, as in OpenSSH, a HostName does not change which later
 * blocks match.) Without a usable copy the name's blocks cannot apply.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>     /* memfd_create (_GNU_SOURCE comes from the build) */
#include <sys/stat.h>
#include <unistd.h>

#include "engine/engine_int.h"

#define CFG_LINE_MAX 1024        /* libssh's MAX_LINE_SIZE (fgets buffer) */
#define CFG_FILE_MAX (16 << 20)  /* bigger files go to libssh as they are */
#define CFG_GLOBAL "/etc/ssh/ssh_config"   /* libssh's GLOBAL_CLIENT_CONFIG */

typedef struct cfg_block {
	size_t off, len;            /* bytes of the file: the Host line and its body */
	int is_host;                /* a Host block (not the preamble, not Match) */
	int droppable;              /* plain patterns, none a HostName, no ProxyJump */
	char **pats;                /* lowercased; only kept when droppable */
	size_t npats;
} cfg_block;

struct eng_sshcfg {
	char *path;
	struct stat st;             /* of the version indexed */
	int filterable;
	char *text;
	size_t len;
	cfg_block *blocks;
	size_t nblocks;
	struct eng_sshcfg *next;
};

/* A name libssh's pattern matcher treats literally: no * ? ! , or quotes. */
static int
plain_name(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '-' && *s != '_')
			return 0;
	return 1;
}

static void
str_lower(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* libssh's ssh_config_get_token (config_parser.c), to split lines alike. */
static char *
cfg_token(char **str)
{
	char *c, *r;
	int had_equal = 0;

	for (c = *str; *c != '\0' && isblank((unsigned char)*c); c++)
		;
	if (*c == '"') {
		for (r = ++c; *c != '\0'; c++) {
			if (*c == '"' || *c == '\n') {
				*c++ = '\0';
				break;
			}
		}
	} else {
		for (r = c; *c != '\0'; c++) {
			if (isblank((unsigned char)*c) || *c == '=' || *c == '\n') {
				had_equal = *c == '=';
				*c++ = '\0';
				break;
			}
		}
	}
	while (isblank((unsigned char)*c) || *c == '\n' || (!had_equal && *c == '=')) {
		if (*c == '=')
			had_equal = 1;
		c++;
	}
	*str = c;
	return r;
}

static void
cfg_clear(eng_sshcfg *f)
{
	size_t i, j;

	for (i = 0; i < f->nblocks; i++) {
		for (j = 0; j < f->blocks[i].npats; j++)
			free(f->blocks[i].pats[j]);
		free(f->blocks[i].pats);
	}
	free(f->blocks);
	free(f->text);
	f->blocks = NULL;
	f->nblocks = 0;
	f->text = NULL;
	f->len = 0;
	f->filterable = 0;
}

static cfg_block *
cfg_block_add(eng_sshcfg *f, size_t off)
{
	cfg_block *b;

	f->blocks = util_xrealloc(f->blocks, (f->nblocks + 1) * sizeof(*b));
	b = &f->blocks[f->nblocks++];
	memset(b, 0, sizeof(*b));
	b->off = off;
	return b;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Splits the text into the parts libssh's parser sees: the lines before the
 * first Host or Match, then one part per Host or Match line and its body.
 * Returns 0 when the file can be filtered.
 */
static int
cfg_index(eng_sshcfg *f)
{
	char line[CFG_LINE_MAX], *s, *kw, *p;
	char **hostnames = NULL;
	size_t nhost = 0, hcap = 0, off, end, n, i, j;
	cfg_block *b;
	int r = -1, host_block;

	if (memchr(f->text, '\0', f->len) != NULL)
		goto out;
	b = cfg_block_add(f, 0);
	host_block = 0;
	for (off = 0; off < f->len; off = end) {
		p = memchr(f->text + off, '\n', f->len - off);
		end = p != NULL ? (size_t)(p - f->text) + 1 : f->len;
		n = end - off;
		/* fgets would hand libssh such a line in pieces: not ours to judge. */
		if (n >= CFG_LINE_MAX - 1)
			goto out;
		memcpy(line, f->text + off, n);
		line[n] = '\0';
		/* As ssh_config_parse_line: trailing space off, then the keyword. */
		for (i = n - 1; i > 0 && isspace((unsigned char)line[i]); i--)
			line[i] = '\0';
		s = line;
		kw = cfg_token(&s);
		if (*kw == '\0' || *kw == '#')
			continue;
		if (strcasecmp(kw, "include") == 0)
			goto out;   /* more files, parsed with the same state */
		if (strcasecmp(kw, "host") == 0 || strcasecmp(kw, "match") == 0) {
			b->len = off - b->off;
			b = cfg_block_add(f, off);
			host_block = strcasecmp(kw, "host") == 0;
			b->is_host = host_block;
			b->droppable = host_block;
			while (host_block && (p = cfg_token(&s)) != NULL && *p != '\0') {
				if (!plain_name(p)) {
					b->droppable = 0;
					break;
				}
				b->pats = util_xrealloc(b->pats, (b->npats + 1) * sizeof(char *));
				b->pats[b->npats] = util_xstrdup(p);
				str_lower(b->pats[b->npats++]);
			}
		} else if (strcasecmp(kw, "hostname") == 0) {
			/* libssh matches the Host lines after it against this name. */
			p = cfg_token(&s);
			if (*p == '\0')
				continue;
			if (!plain_name(p))
				goto out;
			if (nhost == hcap) {
				hcap = hcap ? 2 * hcap : 16;
				hostnames = util_xrealloc(hostnames, hcap * sizeof(char *));
			}
			hostnames[nhost] = util_xstrdup(p);
			str_lower(hostnames[nhost++]);
		} else if (strcasecmp(kw, "proxyjump") == 0) {
			b->droppable = 0;   /* checked (and may fail) in any block */
		}
	}
	b->len = f->len - b->off;
	/*
	 * A block naming a HostName can match once that name is in effect.
	 * Sorted, since a fleet's file often has as many HostName lines as
	 * Host blocks (and all of them the same address in a lab).
	 */
	if (nhost > 0)
		qsort(hostnames, nhost, sizeof(char *), cmp_str);
	for (i = 0; i < f->nblocks; i++) {
		b = &f->blocks[i];
		for (j = 0; b->droppable && j < b->npats; j++)
			if (nhost > 0 && bsearch(&b->pats[j], hostnames, nhost,
			    sizeof(char *), cmp_str) != NULL)
				b->droppable = 0;
	}
	r = 0;
out:
	for (i = 0; i < nhost; i++)
		free(hostnames[i]);
	free(hostnames);
	return r;
}

/* Reads path into f; 0 if it can be filtered. */
static int
cfg_load(eng_sshcfg *f, const struct stat *st)
{
	int fd;
	ssize_t got;
	size_t len = 0;

	cfg_clear(f);
	f->st = *st;
	if (!S_ISREG(st->st_mode) || st->st_size > CFG_FILE_MAX)
		return -1;
	if ((fd = open(f->path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	f->text = util_xmalloc((size_t)st->st_size + 1);
	while (len < (size_t)st->st_size) {
		got = read(fd, f->text + len, (size_t)st->st_size - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	close(fd);
	if (len != (size_t)st->st_size) {
		cfg_clear(f);   /* changing under us: libssh reads it itself */
		return -1;
	}
	f->len = len;
	if (cfg_index(f) != 0) {
		cfg_clear(f);
		return -1;
	}
	f->filterable = 1;
	return 0;
}

/* The indexed file, re-read when it changed since; NULL if unusable. */
static eng_sshcfg *
cfg_get(eng_ctx *ctx, const char *path)
{
	eng_sshcfg *f;
	struct stat st;

	if (stat(path, &st) != 0)
		return NULL;
	for (f = ctx->sshcfgs; f != NULL; f = f->next)
		if (strcmp(f->path, path) == 0)
			break;
	if (f == NULL) {
		f = util_xcalloc(1, sizeof(*f));
		f->path = util_xstrdup(path);
		f->next = ctx->sshcfgs;
		ctx->sshcfgs = f;
	} else if (f->st.st_dev == st.st_dev && f->st.st_ino == st.st_ino &&
	    f->st.st_size == st.st_size &&
	    f->st.st_mtim.tv_sec == st.st_mtim.tv_sec &&
	    f->st.st_mtim.tv_nsec == st.st_mtim.tv_nsec &&
	    f->st.st_ctim.tv_sec == st.st_ctim.tv_sec &&
	    f->st.st_ctim.tv_nsec == st.st_ctim.tv_nsec) {
		return f->filterable ? f : NULL;
	}
	if (cfg_load(f, &st) != 0)
		return NULL;
	return f;
}

/* Can libssh open a memfd by its /proc path here? Asked once per context. */
static int
cfg_proc_ok(eng_ctx *ctx, int fd, const char *procpath)
{
	struct stat a, b;

	if (ctx->sshcfg_proc == 0) {
		ctx->sshcfg_proc = -1;
		if (fstat(fd, &a) == 0 && stat(procpath, &b) == 0 &&
		    a.st_dev == b.st_dev && a.st_ino == b.st_ino)
			ctx->sshcfg_proc = 1;
		else
			ENG_LOG(ctx, "%s is not usable: ssh config passed whole", procpath);
	}
	return ctx->sshcfg_proc > 0;
}

/*
 * The context's memfd, created once: a session's copy replaces the last one
 * (libssh reads it through a fresh open of the /proc path, from offset 0,
 * and is done with it before the next session is configured).
 */
static int
cfg_memfd(eng_ctx *ctx)
{
	if (ctx->sshcfg_fd >= 0)
		return ctx->sshcfg_fd;
	ctx->sshcfg_fd = memfd_create("drover-ssh_config", MFD_CLOEXEC);
	if (ctx->sshcfg_fd < 0) {
		ctx->sshcfg_proc = -1;
		ENG_LOG(ctx, "memfd_create: %s: ssh config passed whole", strerror(errno));
	}
	return ctx->sshcfg_fd;
}

/* Does the Host line starting at line match name (OpenSSH's rules)? */
static int
cfg_host_matches(const char *line, size_t len, const char *name)
{
	char buf[CFG_LINE_MAX], *s = buf, *p;
	size_t n = strcspn(line, "\n");
	int hit = 0, r;

	if (n > len)
		n = len;
	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, line, n);
	buf[n] = '\0';
	cfg_token(&s);   /* "Host" */
	while ((p = cfg_token(&s)) != NULL && *p != '\0') {
		if ((r = eng__match_list(name, p, strlen(p))) < 0)
			return 0;
		hit |= r;
	}
	return hit;
}

/* c's label decides every Host block: the copy's length, into out. */
static size_t
cfg_copy_label(eng_conn *c, const eng_sshcfg *f, char *out)
{
	const cfg_block *b;
	size_t i, len = 0, first;

	for (i = 0; i < f->nblocks; i++) {
		b = &f->blocks[i];
		if (!b->is_host) {
			memcpy(out + len, f->text + b->off, b->len);
			len += b->len;
			continue;
		}
		if (!cfg_host_matches(f->text + b->off, b->len, c->name))
			continue;
		first = strcspn(f->text + b->off, "\n");
		first = first < b->len ? first + 1 : b->len;
		memcpy(out + len, "Host *\n", 7);
		len += 7;
		memcpy(out + len, f->text + b->off + first, b->len - first);
		len += b->len - first;
	}
	return len;
}

/* Parses path into c's session; the Host blocks that cannot apply left out. */
static int
cfg_parse_one(eng_conn *c, const char *path)
{
	eng_ctx *ctx = c->ctx;
	eng_sshcfg *f;
	cfg_block *b;
	char *host = NULL, *out, procpath[64];
	size_t i, j, len = 0, dropped = 0;
	int fd;

	if (ctx->sshcfg_proc < 0 || (f = cfg_get(ctx, path)) == NULL)
		goto whole;
	if (c->label) {
		/* "Host *" may be longer than the Host line it replaces. */
		if (ctx->sshcfg_cap < f->len + 8 * f->nblocks + 1) {
			ctx->sshcfg_cap = f->len + 8 * f->nblocks + 1;
			free(ctx->sshcfg_buf);
			ctx->sshcfg_buf = util_xmalloc(ctx->sshcfg_cap);
		}
		len = cfg_copy_label(c, f, ctx->sshcfg_buf);
		out = ctx->sshcfg_buf;
		if ((fd = cfg_memfd(ctx)) < 0)
			goto whole;
		goto write;
	}
	if (ssh_options_get(c->s, SSH_OPTIONS_HOST, &host) != SSH_OK || host == NULL)
		goto whole;
	if (!plain_name(host)) {
		ssh_string_free_char(host);
		goto whole;
	}
	str_lower(host);
	if (ctx->sshcfg_cap < f->len + 1) {
		ctx->sshcfg_cap = f->len + 1;
		free(ctx->sshcfg_buf);
		ctx->sshcfg_buf = util_xmalloc(ctx->sshcfg_cap);
	}
	out = ctx->sshcfg_buf;
	for (i = 0; i < f->nblocks; i++) {
		b = &f->blocks[i];
		if (b->droppable) {
			for (j = 0; j < b->npats; j++)
				if (strcmp(b->pats[j], host) == 0)
					break;
			if (j == b->npats) {
				dropped++;
				continue;
			}
		}
		memcpy(out + len, f->text + b->off, b->len);
		len += b->len;
	}
	ssh_string_free_char(host);
	if (dropped == 0 || (fd = cfg_memfd(ctx)) < 0)
		goto whole;
write:
	snprintf(procpath, sizeof(procpath), "/proc/self/fd/%d", fd);
	if (pwrite(fd, out, len, 0) != (ssize_t)len || ftruncate(fd, (off_t)len) != 0) {
		ENG_LOG(ctx, "writing the ssh config copy: %s: passed whole", strerror(errno));
		goto whole;
	}
	if (!cfg_proc_ok(ctx, fd, procpath))
		goto whole;
	ctx->sshcfg_dropped += dropped;
	return ssh_options_parse_config(c->s, procpath);
whole:
	if (c->label)
		ENG_LOG(ctx, "%s: %s passed whole: its Host blocks cannot match this name",
		    c->name, path);
	return ssh_options_parse_config(c->s, path);
}

int
eng__sshcfg_parse(eng_conn *c, const char *path)
{
	char *user;
	int r;

	if (path != NULL) {
		/* libssh expands these in the name itself: leave it the name. */
		if (*path == '~' || strchr(path, '%') != NULL)
			return ssh_options_parse_config(c->s, path);
		return cfg_parse_one(c, path);
	}
	/* libssh's default: "%d/config", then the global file as it is. */
	if (c->ctx->local_ssh_dir == NULL)
		return ssh_options_parse_config(c->s, NULL);
	user = util_xasprintf("%s/config", c->ctx->local_ssh_dir);
	r = cfg_parse_one(c, user);
	free(user);
	if (r < 0)
		return r;
	if (c->label)
		return cfg_parse_one(c, CFG_GLOBAL);
	return ssh_options_parse_config(c->s, CFG_GLOBAL);
}

void
eng__sshcfg_free(eng_ctx *ctx)
{
	eng_sshcfg *f, *next;

	for (f = ctx->sshcfgs; f != NULL; f = next) {
		next = f->next;
		cfg_clear(f);
		free(f->path);
		free(f);
	}
	ctx->sshcfgs = NULL;
	if (ctx->sshcfg_fd >= 0)
		close(ctx->sshcfg_fd);
	ctx->sshcfg_fd = -1;
	free(ctx->sshcfg_buf);
	ctx->sshcfg_buf = NULL;
	ctx->sshcfg_cap = 0;
}
