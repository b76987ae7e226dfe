/*
 * tui/cli/version.c - `drover --version`: drover's version (CMake's project
 * version, plus `git describe` when it was built from a checkout) and the
 * libraries it runs with, asked at run time where the library can say
 * (libssh and libuv through engine/, curses through the console); libvterm
 * has no version call, so its version is the one it was built against.
 * Also where the shipped data was found, for "theme not found" reports.
 */
#include <stdio.h>
#include <stdlib.h>

#include "config/config.h"
#include "drover_version.h"
#include "tui/cli/cli.h"

int
tui_cli_version(void)
{
	const char *ssh, *uv;
	char *data = cfg_data_dir("themes");

	eng_lib_versions(&ssh, &uv);
	if (DROVER_GIT_DESCRIBE[0] != '\0')
		printf("drover %s (git %s)\n", DROVER_VERSION, DROVER_GIT_DESCRIBE);
	else
		printf("drover %s\n", DROVER_VERSION);
	printf("libssh %s\n", ssh);
	printf("libuv %s\n", uv);
	printf("libvterm %s (built with; it has no run-time version)\n", DROVER_VTERM_VERSION);
	printf("%s\n", tui_console_curses_version());
	printf("themes %s\n", data != NULL ? data : "(none installed: built-in only)");
	free(data);
	return fflush(stdout) == 0 ? TUI_EXIT_OK : TUI_EXIT_IOERR;
}
