/*
 * config/datadir.c - where drover's shipped data (themes, the demo fleet
 * scripts) lives at run time. A binary run from its build tree uses the
 * source tree; any other copy looks next to itself first
 * (<bindir>/../share/drover), so that an install moved to another prefix
 * or a .deb unpacked with `dpkg -x` into a scratch root still finds its own
 * files, then in the directory the build was configured to install to.
 *
 * The locations come from CMake (config/CMakeLists.txt); a build without
 * them (the fuzzers compile the config sources on their own) has no data dir.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config_int.h"

/* Empty: unknown (see the top of the file). */
#ifndef DROVER_BUILD_DIR
#define DROVER_BUILD_DIR ""
#endif
#ifndef DROVER_SOURCE_DIR
#define DROVER_SOURCE_DIR ""
#endif
#ifndef DROVER_DATA_REL
#define DROVER_DATA_REL ""
#endif
#ifndef DROVER_DATA_DIR
#define DROVER_DATA_DIR ""
#endif

/* A data subdirectory and where the source tree keeps it. */
static const struct {
	const char *sub, *src;
} subs[] = {
	{ "themes", "themes" },
	{ "fleet", "tests/fleet" },
};

static int
is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The running binary's directory (symlinks resolved), malloc'd or NULL. */
static char *
exe_dir(void)
{
	char buf[PATH_MAX], *slash;
	ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	if ((slash = strrchr(buf, '/')) == NULL)
		return NULL;
	return util_xstrndup(buf, (size_t)(slash - buf));
}

/* The two names the same existing directory? */
static int
same_dir(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	    sa.st_ino == sb.st_ino;
}

char *
cfg_data_dir(const char *sub)
{
	const char *src = NULL;
	char *exe = NULL, *p = NULL;
	size_t i;

	for (i = 0; i < UTIL_NELEM(subs); i++)
		if (strcmp(subs[i].sub, sub) == 0)
			src = subs[i].src;
	if (src == NULL)
		return NULL;
	exe = exe_dir();
	if (exe != NULL && *DROVER_BUILD_DIR != '\0' && same_dir(exe, DROVER_BUILD_DIR)) {
		p = util_xasprintf("%s/%s", DROVER_SOURCE_DIR, src);
		if (is_dir(p))
			goto out;
		free(p);
	}
	if (exe != NULL && *DROVER_DATA_REL != '\0') {
		p = util_xasprintf("%s/%s/%s", exe, DROVER_DATA_REL, sub);
		if (is_dir(p))
			goto out;
		free(p);
	}
	if (*DROVER_DATA_DIR != '\0') {
		p = util_xasprintf("%s/%s", DROVER_DATA_DIR, sub);
		if (is_dir(p))
			goto out;
		free(p);
	}
	p = NULL;
out:
	free(exe);
	/* Shown to users (drover --version): without the "bin/../". */
	if (p != NULL && (exe = realpath(p, NULL)) != NULL) {
		free(p);
		p = exe;
	}
	return p;
}
