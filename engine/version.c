/*
 * engine/version.c - the run-time versions of the engine's libraries, for
 * `drover --version`: what the dynamic linker loaded, which is what a bug
 * report needs (a package upgrade changes it without a rebuild). Here
 * because libssh may only be included in engine/.
 */
#include <libssh/libssh.h>

#include "engine/engine.h"

void
eng_lib_versions(const char **libssh, const char **libuv)
{
	/* ssh_version(0) skips the check and returns the library's own string. */
	*libssh = ssh_version(0);
	*libuv = uv_version_string();
}
