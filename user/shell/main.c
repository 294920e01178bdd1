/*
 * capos-shell (docs/shell.md): the login shell on the user terminal. Its CapSet holds
 * `terminal` (TerminalSession), `sessions` (SessionManager), `stdio` (a raw Endpoint it
 * serves StdIO on) and `capmgr` (CapabilityManager of its own table); it starts in an
 * anonymous session and reads commands until `exit` or end of input (Ctrl-D at the
 * prompt). Every refusal is one line ending in its typed code. On exit/EOF it ends its
 * session (its bundle is revoked, children's copies included). Exit status: 0 after
 * exit/EOF, 2 when a cap of its CapSet is missing, 3 when the session manager refuses
 * even the anonymous session, 4 when ending the session at exit failed.
 */
#include <string.h>

#include <capos/error.h>
#include <capos/syscall.h>
#include <libcapos/capset.h>
#include <libcapos/runtime.h>
#include <schema/capos.capnp.h>
#include <schema/session.capnp.h>

#include "shell.h"

struct sh_state sh;

static struct shell_tokens sh_tokens;
static struct shell_command sh_cmd;

static int sh_lookup(void)
{
	const struct capos_capset_page *cs = (const void *)capos_boot.capset;
	int err = capos_ring_self(&sh.ring);

	if (err == 0)
		err = capos_capset_lookup(cs, "terminal", capos_TerminalSession_TYPE_ID,
					  &sh.terminal);
	if (err == 0)
		err = capos_capset_lookup(cs, "sessions", session_SessionManager_TYPE_ID,
					  &sh.sessions);
	if (err == 0)
		err = capos_capset_lookup(cs, "stdio", capos_Endpoint_TYPE_ID, &sh.stdio);
	if (err == 0)
		err = capos_capset_lookup(cs, "capmgr", capos_CapabilityManager_TYPE_ID,
					  &sh.capmgr);
	return err;
}

/* Run one parsed command; its failure status, printed by the caller. */
static int sh_dispatch(const struct shell_command *c)
{
	switch (c->cmd->id) {
	case SHELL_CMD_HELP:
		sh_cmd_help(c);
		return CAPOS_OK;
	case SHELL_CMD_LOGIN:
		return sh_cmd_login();
	case SHELL_CMD_SETUP:
		return sh_cmd_setup();
	case SHELL_CMD_GUEST:
		return sh_cmd_guest();
	case SHELL_CMD_LOGOUT:
		return sh_cmd_logout();
	case SHELL_CMD_SESSION:
		return sh_cmd_session();
	case SHELL_CMD_CAPS:
		return sh_cmd_caps();
	case SHELL_CMD_RUN:
	case SHELL_CMD_SPAWN:
		return sh_cmd_run(c);
	case SHELL_CMD_PS:
		return sh_cmd_ps();
	case SHELL_CMD_KILL:
		return sh_cmd_kill(c);
	case SHELL_CMD_ECHO:
		for (uint32_t i = 0; i < c->nargs; i++)
			sh_printf("%s%s", i ? " " : "", c->args[i]);
		sh_printf("\n");
		return CAPOS_OK;
	case SHELL_CMD_MOTD:
		return sh_cmd_motd();
	case SHELL_CMD_SHUTDOWN:
		return sh_cmd_shutdown();
	case SHELL_CMD_EXIT:
		sh.quit = true;
		return CAPOS_OK;
	}
	return CAPOS_ERR_SHELL_UNKNOWN_COMMAND;
}

/* A line the terminal flagged is refused whole rather than run in part. */
static bool sh_line_refused(const struct capos_term_read *l)
{
	if (l->truncated) {
		sh_printf("shell: line longer than %u bytes, ignored (%s)\n", SHELL_LINE_MAX,
			  capos_error_name(CAPOS_ERR_SHELL_BAD_LINE));
		return true;
	}
	if (l->dropped) {
		sh_printf("shell: %u control or invalid bytes in the line, ignored (%s)\n",
			  (unsigned)l->dropped, capos_error_name(CAPOS_ERR_SHELL_BAD_LINE));
		return true;
	}
	return false;
}

static void sh_execute(const struct capos_term_read *l)
{
	struct shell_error perr;
	int err = shell_parse(l->line, l->len, &sh_tokens, &sh_cmd, &perr);

	if (err) {
		if (perr.detail[0])
			sh_printf("shell: %s \"%s\" (%s)\n", perr.what, perr.detail,
				  capos_error_name(err));
		else
			sh_printf("shell: %s (%s)\n", perr.what, capos_error_name(err));
		return;
	}
	if (sh_cmd.cmd == NULL)
		return;
	err = sh_dispatch(&sh_cmd);
	if (err)
		sh_perror(sh_cmd.cmd->name, err);
}

static const char *sh_prompt(void)
{
	switch (sh.profile) {
	case session_SessionProfile_operator:
		return "operator";
	case session_SessionProfile_guest:
		return "guest";
	}
	return "anonymous";
}

int main(void)
{
	struct capos_term_read line;
	int err = sh_lookup();

	if (err)
		return 2;
	sh.session = CAPOS_CAP_NULL;
	err = sh_jobs_init();
	if (err == 0)
		err = sh_session_anonymous();
	if (err) {
		sh_perror("shell: anonymous session", err);
		return 3;
	}
	sh_printf("capOS shell: type `help`; `setup` then `login` for an operator session\n");
	while (!sh.quit) {
		sh_printf("%s> ", sh_prompt());
		err = sh_read_line(false, &line);
		if (err) {
			sh_perror("shell: terminal", err);
			return 1;
		}
		if (line.event == capos_TerminalEvent_eof) {
			sh_printf("shell: end of input\n");
			break;
		}
		if (line.event == capos_TerminalEvent_line && !sh_line_refused(&line))
			sh_execute(&line);
	}
	return sh_session_close() ? 4 : 0; /* sessions end with their terminal's shell */
}
