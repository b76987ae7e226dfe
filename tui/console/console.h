/*
 * tui/console/console.h - the console's insides, shared by the files of
 * tui/console/ only: the console, its panes and dialogs, and one section
 * per file for what the others call.
 *
 * Data flows one way. Engine callbacks, timers and keys change state and
 * mark damage (tui_console_dirty, tui_console_layout_changed); once per
 * frame, frame.c first applies a pending layout (pane sizes, emulator and
 * remote pty resizes) and then calls draw.c, which only reads state and
 * draws. Nothing here runs the loop from inside a callback.
 */
#ifndef DROVER_TUI_CONSOLE_H
#define DROVER_TUI_CONSOLE_H

#include <stdint.h>

#include "config/config.h"
#include "engine/engine.h"
#include "tui/console/layout.h"
#include "tui/term/term.h"
#include "tui/tui.h"

typedef enum {
	TUI_PANE_CONNECTING, TUI_PANE_AUTH, TUI_PANE_READY, TUI_PANE_LOST,
	TUI_PANE_FAILED, TUI_PANE_CLOSED
} tui_pane_state;

typedef struct tui_console tui_console;

typedef struct tui_pane {
	tui_console *con;
	cfg_host host;              /* resolved target (owned); host.name names the pane */
	eng_conn *c;
	eng_exec *x;
	tui_term *term;
	tui_pane_state st;
	char *why;                  /* failure / loss reason, raw */
	int armed;
	int color;                  /* host colour slot */
	tui_rect rect, inner;
	int title_dirty;
	int zombie;                 /* closed by the user, engine still winding down */
	tui_buf inq;                /* remote output not yet fed to the emulator */
	size_t inq_off;
	int paused;                 /* its exec is paused (inq too full) */
	uint64_t echo_until;        /* uv_now before which output is a typed key's echo */
	struct tui_pane *next_zombie;
	/* Automatic reconnect (reconnect.c): */
	int had_session;            /* was ready once: failing now is "lost" */
	eng_fail fail;              /* why it failed or was lost last */
	int attempts;               /* failures in a row (the backoff's exponent) */
	int retry_marked;           /* "[drover: reconnecting]" already in the pane */
	uint64_t ready_at;          /* uv_now when it last became ready, 0: not since */
	uint64_t retry_at;          /* uv_now of the next automatic attempt, 0: none */
	char *ws_dir, *ws_command;  /* its own start-up from a workspace (saved back) */
} tui_pane;

typedef struct tui_dialog {
	eng_conn *c;                /* NULL: a console question (add host, run) */
	eng_prompt_kind kind;
	int console_kind;           /* TUI_ASK_* when c == NULL */
	char *title, *text, *detail;
	int echo;
	char input[512];
	size_t len;
	struct tui_dialog *next;
} tui_dialog;

enum { TUI_ASK_NONE, TUI_ASK_ADD, TUI_ASK_RUN, TUI_ASK_ARM, TUI_ASK_SEARCH, TUI_ASK_CLOSE,
	TUI_ASK_NEW_WINDOW, TUI_ASK_RENAME_WINDOW, TUI_ASK_KILL_WINDOW, TUI_ASK_KILL_SESSION,
	TUI_ASK_SUDO, TUI_ASK_XFER };

typedef struct tui_board tui_board;
typedef struct tui_tailpane tui_tailpane;
typedef struct tui_xboard tui_xboard;

/*
 * A window: its own panes and layout. The current window's live in the
 * console's fields (panes, npanes, focus, zoom, layout), which every other
 * file uses; the others wait here (windows.c swaps them).
 */
typedef struct tui_window {
	char *name;
	char *ws_dir, *ws_command;  /* the panes' start-up from a workspace */
	tui_pane **panes;
	int npanes, focus, zoom;
	tui_layout_kind layout;
} tui_window;
typedef struct tui_server tui_server;

struct tui_console {
	uv_loop_t *loop;
	eng_ctx *ctx;
	cfg_inventory *inv;
	cfg_console *cfg;
	cfg_overrides ov;           /* the command line's settings (hostopts.c) */
	const cfg_theme *theme;
	tui_pane **panes;
	int npanes;
	int focus;
	tui_pane *zombies;
	tui_layout_kind layout;
	int zoom;                   /* pane index or -1 */
	int broadcast;
	int prefix;                 /* the prefix key was just pressed */
	int scroll_mode;
	int sidebar, sidebar_sel;
	util_strv side;             /* sidebar entries: "@group"s, then each host once */
	int compact, compact_sel;
	int help, help_top;         /* the help overlay and its first shown line */
	tui_dialog *dialogs;
	tui_board *board;           /* the last fan-out board (kept until the next run) */
	int board_shown;            /* it is on screen */
	char *sudo_label;           /* a board command waiting for its sudo password */
	char *sudo_command, *sudo_user;
	tui_xboard *xboard;         /* the transfer board (xferboard.c), NULL: none */
	int xboard_shown;
	tui_tailpane *tail;         /* the tail pane (tailpane.c), NULL: none */
	int tail_shown;
	const char *tail_path;      /* --tail FILE: opened on the command line's hosts */
	char *search;
	char status[256];
	uint64_t status_until;
	int rows, cols;
	int layout_dirty, full_dirty;
	uv_poll_t in;
	uv_signal_t winch, sigterm, sighup;
	uv_timer_t frame;
	uv_idle_t feeder;           /* feeds emulators on a time budget */
	uv_timer_t retry;           /* next reconnect or countdown second, any pane */
	uint32_t rng;               /* backoff jitter */
	int feeding, feed_rr;
	uint64_t typing_until;      /* uv_now before which a key is on its way: short feeds */
	int frame_pending;
	uint64_t last_frame;
	int quit;
	char *ws_path;              /* the workspace file it was opened from */
	tui_window *wins;
	int nwins, cur;             /* windows; cur: the one on screen */
	int pick_pane;              /* the next digit focuses a pane (prefix q) */
	tui_server *srv;            /* the session server, NULL when run in place (demo) */
	void *ctl;                  /* ctl.c: pending wait-for requests */
	void *ctl_execs;            /* ctl_exec.c: fan-outs still running */
};

/* ---- console.c: set-up, the run, wind-down ---- */
/* The terminal's size into con->rows / cols. */
void tui_console_read_size(tui_console *con);

/* ---- frame.c: damage, frames, the layout applied before drawing ---- */
void tui_console_dirty(tui_console *con);           /* schedule a frame */
/* A frame right away (a key's echo), outside the frame-rate cap. */
void tui_console_frame_now(tui_console *con);
/* Pane count, layout, zoom, sidebar or screen size changed. */
void tui_console_layout_changed(tui_console *con);
void tui_console_flash(tui_console *con, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The panes area: the screen minus the sidebar and the status bar. */
tui_rect tui_console_area(const tui_console *con);
void tui_frame_init(tui_console *con);
void tui_frame_close(tui_console *con);

/* ---- pane.c: panes, their connections and shells ---- */
int tui_console_add_targets(tui_console *con, const char *expr);
void tui_console_close_pane(tui_console *con, int idx);
/* Reconnects a lost / failed pane now (also cutting short a backoff wait). */
void tui_console_reconnect(tui_console *con, tui_pane *p);
tui_pane **tui_console_targets(tui_console *con, int *n); /* broadcast set, malloc'd */
/* Where typed keys go in broadcast mode: the broadcast set and the focused pane. */
tui_pane **tui_console_typing_targets(tui_console *con, int *n);
/* 1 if p is among them (whether broadcast is on or not). */
int tui_console_types_into(const tui_console *con, const tui_pane *p);
tui_pane *tui_console_focused(tui_console *con);
/* Focus pane i (ignored out of range); a zoom follows the focus. */
void tui_console_set_focus(tui_console *con, int i);
/* The panes' rectangles as last laid out, in pane order, malloc'd. */
tui_rect *tui_console_pane_rects(const tui_console *con);
int tui_console_find(const tui_console *con, const char *name); /* index or -1 */
void tui__pane_connect(tui_console *con, tui_pane *p);
/* Closes a pane already taken out of its window's list. */
void tui__pane_dispose(tui_console *con, tui_pane *p);
void tui__pane_free(tui_pane *p);

/* ---- windows.c: windows of panes ---- */
void tui_windows_init(tui_console *con, const char *name);
/* Closes every window's panes (the end of the session). */
void tui_windows_close_all(tui_console *con);
/* A new window named name (NULL: its number) on screen; its index. */
int tui_window_new(tui_console *con, const char *name);
void tui_window_select(tui_console *con, int i);
void tui_window_rename(tui_console *con, int i, const char *name);
/* Closes window i and its panes; the last window ends the session. */
void tui_window_kill(tui_console *con, int i);
/* A window by index or name; -1 if none. */
int tui_window_find(const tui_console *con, const char *spec);
/* Every pane of every window: k in 0 .. npanes_all-1, *win its window. */
int tui_console_npanes_all(const tui_console *con);
tui_pane *tui_console_pane_at(const tui_console *con, int k, int *win, int *idx);
/* Closes pane p wherever it is. */
void tui_console_close_any(tui_console *con, tui_pane *p);

/* ---- workspace.c: sessions from and to workspace files ---- */
/* Builds the windows of session name from the file; -1 with *cause. */
int tui_workspace_open(tui_console *con, const char *path, const char *name, char **cause);
/* The session as workspace text, malloc'd; NULL with *cause. */
char *tui_workspace_text(tui_console *con, char **cause);
/* Writes it to path atomically (private temporary, then rename). */
int tui_workspace_save(tui_console *con, const char *path, char **cause);

/* ---- ctl.c (server.h has the rest): a pane is going ---- */
void tui_ctl_pane_gone(tui_console *con, tui_pane *p);

/* ---- feed.c: remote output into the emulators, with backpressure ---- */
/* A key is on its way (read here or from a client): short feeding turns. */
void tui_console_typing(tui_console *con);
void tui__feed_data(tui_pane *p, const char *buf, size_t len);
/* Feeds up to max queued bytes of p now ((size_t)-1: all). */
void tui__feed_pane(tui_pane *p, size_t max);
void tui__feed_init(tui_console *con);
void tui__feed_close(tui_console *con);

/* ---- reconnect.c: automatic reconnect with backoff ---- */
void tui__retry_schedule(tui_pane *p, eng_fail f);
void tui__retry_arm(tui_console *con);
/* A new connection for a pane whose last one is gone (scrollback stays). */
void tui__retry_now(tui_console *con, tui_pane *p);
void tui__retry_init(tui_console *con);
void tui__retry_close(tui_console *con);

/* ---- dialog.c: engine prompts and console questions ---- */
void tui_console_ask(tui_console *con, int kind, const char *title, const char *text);
void tui_dialog_key(tui_console *con, int key, uint32_t ch);
void tui_dialogs_free(tui_console *con);
void tui__on_prompt(eng_conn *c, const eng_prompt *p, void *ud);
void tui__on_prompt_cancel(eng_conn *c, void *ud);

/* ---- sidebar.c: the inventory beside the panes ---- */
void tui_sidebar_build(tui_console *con);
/* Returns 1 if the key was used. */
int tui_sidebar_key(tui_console *con, int tkey, uint32_t ch);
/* First entry shown when h rows are available (the selection stays in view). */
int tui_sidebar_top(const tui_console *con, int h);

/* ---- input.c: keys and mouse ---- */
void tui_input_start(tui_console *con);
void tui_input_key(tui_console *con, int key, int mods, uint32_t ch);
void tui_input_mouse(tui_console *con, int x, int y, int button);
void tui_input_paste(tui_console *con, const char *text, size_t len);
/* Keys to the focused pane, or in broadcast mode to the broadcast set. */
void tui_input_to_panes(tui_console *con, int tkey, int mods, uint32_t ch);

/* ---- commands.c: the command table {name, key, handler, help} ---- */
const cfg_commands *tui_commands(void);
/* Runs the named command; 0, or -1 for a name not in the table. */
int tui_command_run(tui_console *con, const char *name);
/* The key a command is bound to, as the user types it ("C-g c"), malloc'd. */
char *tui_command_keys(const tui_console *con, const char *name);

/* ---- draw.c, draw_pane.c, palette.c: the one drawing place ---- */
void tui_draw_init(tui_console *con);
/* Reads state and draws it; changes nothing but the screen. */
void tui_draw_frame(tui_console *con);
/*
 * Remote or local text at (y, x), sanitised (control and escape bytes shown
 * escaped), cut to at most w columns; returns the columns used.
 */
int tui_draw_text(int y, int x, int w, const char *s, size_t len);
int tui_draw_str(int y, int x, int w, const char *s);   /* NULL-safe */
void tui_draw_fill(int y, int x, int w);
void tui_draw_hline(int y, int x, int w, unsigned long ch);   /* a chtype */
void tui_draw_pane(tui_console *con, tui_pane *p, int idx, int full);
/* "ready", "lost, retry in 4s": the state as titles and lists show it. */
void tui_pane_state_text(const tui_console *con, const tui_pane *p, char *buf, size_t len);
/* The state in a word or two: "ready", "lost", "auth failed", "host key"... */
const char *tui_pane_state_word(const tui_pane *p);
cfg_element tui_pane_state_element(const tui_pane *p);
/* Sets the curses attributes of a theme element. */
void tui_palette_use(const tui_console *con, cfg_element el);
/* A colour pair for terminal colour numbers (-1: default). */
int tui_palette_pair(int fg, int bg);
int tui_palette_mono(void);
int tui_palette_color(const tui_color *c);

/* ---- board.c, board_draw.c: the fan-out results board ---- */
tui_board *tui_board_new(tui_console *con, const char *command, tui_pane **targets, int n);
/*
 * The same under drover's sudo (sudo owned by the board, freed with it):
 * label is what the board shows, command what runs under sudo.
 */
tui_board *tui_board_new_sudo(tui_console *con, const char *label, const char *command,
    eng_sudo *sudo, tui_pane **targets, int n);
/* Frees the board: a run still going is killed and frees itself when done. */
void tui_board_close(tui_board *b);
/* The command's hosts as a folded set, "h[1-3]", malloc'd. */
char *tui_board_hosts(const tui_board *b);
void tui_board_draw(const tui_board *b, tui_rect area);
/* Returns 1 if the key was used. */
int tui_board_key(tui_board *b, int key, int mods, uint32_t ch);
/* Runs the command again on the hosts that did not end ok (once finished). */
void tui_board_rerun_failed(tui_board *b);
/* Closes the board and focuses the selected host's pane (opening one). */
void tui_board_open_shell(tui_board *b);

/* ---- xferboard.c, xferboard_draw.c: the transfer board ---- */
/*
 * "put [-r] [-p] [--resume] LOCAL... REMOTE" or "get ... REMOTE... LOCALDIR"
 * on the targets' panes' connections; NULL and *err (malloc'd) if the line
 * is not one.
 */
tui_xboard *tui_xboard_new(tui_console *con, const char *text, tui_pane **targets, int n,
    char **err);
/* Frees the board: transfers still going are cancelled and free it when done. */
void tui_xboard_close(tui_xboard *xb);
int tui_xboard_running(const tui_xboard *xb);
void tui_xboard_draw(tui_xboard *xb, tui_rect area);
/* Keys while it is shown (it takes them all). */
int tui_xboard_key(tui_xboard *xb, int key, uint32_t ch);

/* ---- tailpane.c, tailpane_draw.c: the tail pane ---- */
/* Follows path (NULL: asks for it) on the targets' connections. */
tui_tailpane *tui_tailpane_new(tui_console *con, const char *path, tui_pane **targets, int n);
/* Stops the tails; freed once its timer handle is closed. */
void tui_tailpane_close(tui_tailpane *tp);
void tui_tailpane_draw(tui_tailpane *tp, tui_rect area);
/* Takes every key while shown (prefix commands come first); returns 1. */
int tui_tailpane_key(tui_tailpane *tp, int key, int mods, uint32_t ch);

#endif
