/*
 * tui/console/sidebar.c - the inventory beside the panes when the console
 * starts without targets: its groups ("@web", opening every host of the
 * group) and then each host once (inventory hosts, then ssh_config aliases
 * that are not also inventory hosts). Enter opens their shells, t their
 * shells and the tail pane on them. Owns the entry list; draw.c draws it.
 */
#include <string.h>

#include "tui/console/console.h"

void
tui_sidebar_build(tui_console *con)
{
	const cfg_inventory *inv = con->inv;
	size_t i, j;

	util_strv_clear(&con->side);
	for (i = 0; i < inv->ngroups; i++) {
		char *g = util_xasprintf("@%s", inv->groups[i].name);

		util_strv_push_take(&con->side, g);
	}
	for (i = 0; i < inv->nhosts; i++)
		util_strv_push(&con->side, inv->hosts[i].name);
	for (i = 0; i < inv->naliases; i++) {
		for (j = 0; j < inv->nhosts; j++)
			if (strcmp(inv->aliases[i], inv->hosts[j].name) == 0)
				break;
		if (j == inv->nhosts)
			util_strv_push(&con->side, inv->aliases[i]);
	}
}

int
tui_sidebar_top(const tui_console *con, int h)
{
	return h > 0 && con->sidebar_sel >= h ? con->sidebar_sel - h + 1 : 0;
}

int
tui_sidebar_key(tui_console *con, int tkey, uint32_t ch)
{
	int n = (int)con->side.n;

	/* With panes open, arrows belong to the shells: add hosts by command. */
	if (!con->sidebar || con->npanes > 0)
		return 0;
	if (tkey == TUI_KEY_UP && con->sidebar_sel > 0)
		con->sidebar_sel--;
	else if (tkey == TUI_KEY_DOWN && con->sidebar_sel < n - 1)
		con->sidebar_sel++;
	else if ((ch == '\r' || tkey == TUI_KEY_ENTER) && n > 0)
		tui_console_add_targets(con, con->side.v[con->sidebar_sel]);
	else if (ch == 't' && n > 0) {
		/* Their panes (the tail runs on their connections), then the file. */
		tui_console_add_targets(con, con->side.v[con->sidebar_sel]);
		if (con->npanes > 0)
			tui_command_run(con, "tail");
	} else
		return 0;
	con->full_dirty = 1;
	tui_console_dirty(con);
	return 1;
}
