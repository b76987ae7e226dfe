/*
 * engine/api.c - the engine's small stateless functions from engine.h:
 * error strings, durations as people read them, auth method names,
 * raising the descriptor limit (the fan-out sizes itself from it), and the
 * device CLI presets (the inventory parser checks names against them).
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "engine/engine_int.h"

const char *
eng_strerror(int code)
{
	switch (code) {
	case 0:
		return "success";
	case ENG_EINVAL:
		return "invalid argument";
	case ENG_ESTATE:
		return "not allowed in this state";
	case ENG_ECLOSED:
		return "connection closed";
	case ENG_ENOTSUP:
		return "not supported by the server";
	default:
		return "unknown error";
	}
}

void
eng_format_duration(uint64_t ms, char *buf, size_t len)
{
	if (ms < 1000)
		snprintf(buf, len, "%ums", (unsigned)ms);
	else if (ms < 60000)
		snprintf(buf, len, "%.2fs", ms / 1000.0);
	else
		snprintf(buf, len, "%um%02us", (unsigned)(ms / 60000),
		    (unsigned)(ms / 1000 % 60));
}

int
eng_auth_parse(const char *spec, eng_auth_method order[ENG_AUTH_MAX + 1])
{
	static const struct {
		const char *name;
		eng_auth_method m;
	} names[] = {
		{ "agent", ENG_AUTH_AGENT },
		{ "key", ENG_AUTH_KEY },
		{ "publickey", ENG_AUTH_KEY },
		{ "password", ENG_AUTH_PASSWORD },
		{ "keyboard-interactive", ENG_AUTH_KBDINT },
		{ "kbdint", ENG_AUTH_KBDINT },
	};
	size_t n = 0;
	const char *p = spec;

	memset(order, 0, sizeof(*order) * (ENG_AUTH_MAX + 1));
	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		size_t i, j;
		int found = 0;

		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			if (strlen(names[i].name) != len ||
			    strncmp(names[i].name, p, len) != 0)
				continue;
			for (j = 0; j < n; j++)
				if (order[j] == names[i].m)
					return ENG_EINVAL;   /* listed twice */
			if (n == ENG_AUTH_MAX)
				return ENG_EINVAL;
			order[n++] = names[i].m;
			found = 1;
			break;
		}
		if (!found)
			return ENG_EINVAL;
		p += len;
		if (*p == ',')
			p++;
	}
	return n == 0 ? ENG_EINVAL : 0;
}

int
eng_fd_limit_raise(void)
{
	struct rlimit rl;
	uv_fs_t req;
	uv_dirent_t d;
	int open_fds = 0;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return ENG_EINVAL;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		/* Some systems refuse RLIM_INFINITY as a soft limit: keep what we had. */
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (uv_fs_scandir(NULL, &req, "/proc/self/fd", 0, NULL) >= 0) {
		while (uv_fs_scandir_next(&req, &d) != UV_EOF)
			open_fds++;
		uv_fs_req_cleanup(&req);
	} else {
		open_fds = 3;
	}
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)INT_MAX)
		return INT_MAX - open_fds;
	return (int)rl.rlim_cur - open_fds;
}

/* The built-in device families (engine/device.c drives them). */
static const struct {
	const char *name;
	eng_device_opts o;
} presets[] = {
	{ "ios", { "^[A-Za-z0-9._()/:-]+[>#] ?$", "terminal length 0", "enable",
	    "[Pp]assword: *$", NULL, NULL, 0, NULL, 0, 0 } },
	{ "eos", { "^[A-Za-z0-9._()/:-]+[>#] ?$", "terminal length 0", "enable",
	    "[Pp]assword: *$", NULL, NULL, 0, NULL, 0, 0 } },
	{ "junos", { "^[A-Za-z0-9._-]+@[A-Za-z0-9._-]+[>#%] ?$", "set cli screen-length 0",
	    NULL, NULL, NULL, NULL, 0, NULL, 0, 0 } },
};

int
eng_device_preset(const char *name, eng_device_opts *o)
{
	size_t i;

	for (i = 0; i < sizeof(presets) / sizeof(presets[0]); i++) {
		if (strcmp(name, presets[i].name) == 0) {
			*o = presets[i].o;
			return 0;
		}
	}
	return ENG_EINVAL;
}
