/*
 * engine/ctx.c - the engine context: the loop it runs on, the log file,
 * and ownership of what all its connections share: the handshake gates
 * (endpoint.c), the key cache (keys.c), the ssh_config index (sshcfg.c)
 * and the local account lookup (here).
 */
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine_int.h"

static FILE *libssh_log;   /* libssh's log callback is per thread, not per ctx */

static void
libssh_log_cb(int priority, const char *function, const char *buffer, void *ud)
{
	(void)ud;
	if (libssh_log != NULL)
		fprintf(libssh_log, "libssh[%d] %s: %s\n", priority, function, buffer);
}

int
eng_ctx_new(uv_loop_t *loop, const eng_ctx_opts *opts, eng_ctx **out)
{
	eng_ctx *ctx;

	*out = NULL;
	if (loop == NULL)
		return ENG_EINVAL;
	ctx = util_xcalloc(1, sizeof(*ctx));
	ctx->loop = loop;
	ctx->sshcfg_fd = -1;
	if (opts != NULL)
		ctx->opts = *opts;
	if (ctx->opts.max_handshakes <= 0)
		ctx->opts.max_handshakes = 8;
	if (ctx->opts.log_path != NULL) {
		ctx->log = fopen(ctx->opts.log_path, "a");
		if (ctx->log != NULL)
			setvbuf(ctx->log, NULL, _IOLBF, 0);
	}
	ctx->opts.log_path = NULL;
	ssh_init();
	/*
	 * Without a callback libssh writes its messages to stderr, which the
	 * console owns; route them to our log or nowhere.
	 */
	libssh_log = ctx->opts.log_verbose ? ctx->log : NULL;
	ssh_set_log_callback(libssh_log_cb);
	ssh_set_log_level(ctx->opts.log_verbose ? SSH_LOG_PROTOCOL : SSH_LOG_NOLOG);
	*out = ctx;
	return 0;
}

uv_loop_t *
eng_ctx_loop(eng_ctx *ctx)
{
	return ctx->loop;
}

void
eng_ctx_free(eng_ctx *ctx)
{
	if (ctx == NULL)
		return;
	eng__endpoints_free(ctx);
	eng__keys_free(ctx);
	eng__sshcfg_free(ctx);
	free(ctx->local_ssh_dir);
	free(ctx->local_user);
	if (ctx->log != NULL) {
		if (libssh_log == ctx->log)
			libssh_log = NULL;
		fclose(ctx->log);
	}
	free(ctx);
}

void
eng__log(eng_ctx *ctx, const char *func, const char *fmt, ...)
{
	va_list ap;
	struct timeval tv;
	struct tm tm;
	char ts[32];

	if (ctx == NULL || ctx->log == NULL)
		return;
	gettimeofday(&tv, NULL);
	localtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	fprintf(ctx->log, "%s.%03ld %s: ", ts, (long)(tv.tv_usec / 1000), func);
	va_start(ap, fmt);
	vfprintf(ctx->log, fmt, ap);
	va_end(ap);
	fputc('\n', ctx->log);
}

/*
 * libssh resolves "~/.ssh" and the default user name with getpwuid_r for
 * every session it configures: an NSS lookup (nsswitch.conf, /etc/passwd,
 * perhaps a directory service) per host. The answer cannot change during a
 * run, so look it up once, with libssh's own rules (the passwd entry's home,
 * else $HOME), and hand the results to each session.
 */
void
eng__ctx_local_account(eng_ctx *ctx)
{
	struct passwd pwd, *pw = NULL;
	char buf[4096];
	const char *home = NULL;

	if (ctx->local_done)
		return;
	ctx->local_done = 1;
	if (getpwuid_r(getuid(), &pwd, buf, sizeof(buf), &pw) != 0)
		pw = NULL;
	if (pw != NULL) {
		home = pw->pw_dir;
		if (pw->pw_name != NULL && *pw->pw_name != '\0')
			ctx->local_user = util_xstrdup(pw->pw_name);
	} else {
		home = getenv("HOME");
	}
	if (home != NULL)
		ctx->local_ssh_dir = util_xasprintf("%s/.ssh", home);
}
