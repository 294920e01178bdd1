/*
 * Invariants of the capos-shell parser (parse_check.h): what any line, however hostile,
 * may produce.
 */
#include "parse_check.h"

#include <string.h>

#include <capos/error.h>

const struct shell_ref shell_check_refs[] = {
	{ "console", 1, 11, SHELL_REF_HELD },
	{ "timer", 2, 22, SHELL_REF_HELD },
	{ "launcher", 3, 33, SHELL_REF_HELD },
	{ "stdio", 4, 44, SHELL_REF_SERVED },
};
const uint32_t shell_check_nrefs = sizeof(shell_check_refs) / sizeof(shell_check_refs[0]);

static bool chk_shell_code(int rc)
{
	return rc <= CAPOS_ERR_SHELL_UNKNOWN_COMMAND && rc >= CAPOS_ERR_SHELL_NOT_PERMITTED;
}

static const char *chk_error(int rc, const struct shell_error *err)
{
	size_t n = strnlen(err->detail, sizeof(err->detail));

	if (!chk_shell_code(rc) || err->code != rc)
		return "status is not a shell code equal to err->code";
	if (err->what == NULL || err->what[0] == '\0')
		return "refusal without a reason";
	if (n > SHELL_DETAIL_MAX)
		return "detail unterminated or over its bound";
	for (size_t i = 0; i < n; i++)
		if ((uint8_t)err->detail[i] < 0x20 || (uint8_t)err->detail[i] >= 0x7f)
			return "detail holds a byte that is not printable ASCII";
	if (err->pos > SHELL_LINE_MAX)
		return "error position past the line bound";
	return NULL;
}

static const char *chk_tokens(const struct shell_tokens *tk)
{
	if (tk->count > SHELL_TOKENS_MAX)
		return "too many tokens";
	for (uint32_t i = 0; i < tk->count; i++) {
		const struct shell_token *t = &tk->tok[i];

		if (t->text < tk->buf || t->text + t->len >= tk->buf + sizeof(tk->buf))
			return "token text outside the token buffer";
		if (t->len > SHELL_TOKEN_MAX || t->text[t->len] != '\0')
			return "token over its bound or unterminated";
		if (t->kind > SHELL_TOK_COMMA || t->pos >= SHELL_LINE_MAX)
			return "token kind or position out of range";
		if (t->kind == SHELL_TOK_CAPREF && (t->len < 2 || t->text[0] != '@'))
			return "cap reference without @ and a name";
	}
	return NULL;
}

static const char *chk_grants(const struct shell_command *c)
{
	if (c->ngrants > SHELL_GRANTS_MAX)
		return "more grants than the bound";
	if (!shell_name_ok(c->binary, strlen(c->binary), SHELL_BINARY_MAX))
		return "accepted an invalid binary name";
	for (uint32_t i = 0; i < c->ngrants; i++) {
		const struct shell_grant *g = &c->grants[i];

		if (!shell_name_ok(g->name, strlen(g->name), SHELL_NAME_MAX) ||
		    !shell_name_ok(g->cap, strlen(g->cap), SHELL_NAME_MAX))
			return "accepted an invalid grant or cap name";
		if (g->kind != SHELL_GRANT_COPY && g->kind != SHELL_GRANT_CLIENT)
			return "grant kind out of range";
		for (uint32_t k = 0; k < i; k++)
			if (strcmp(c->grants[k].name, g->name) == 0)
				return "accepted a duplicate grant name";
	}
	return NULL;
}

static const char *chk_resolve(const struct shell_command *c)
{
	uint32_t which[SHELL_GRANTS_MAX];
	struct shell_error err;
	int rc = shell_grants_resolve(c, shell_check_refs, shell_check_nrefs, which, &err);

	if (rc != CAPOS_OK)
		return (rc == CAPOS_ERR_SHELL_GRANT_CAP || rc == CAPOS_ERR_SHELL_GRANT_CAP)
			       ? chk_error(rc, &err)
			       : "resolve failed with another code";
	for (uint32_t i = 0; i < c->ngrants; i++) {
		const struct shell_ref *r = &shell_check_refs[which[i]];
		bool client = c->grants[i].kind == SHELL_GRANT_CLIENT;

		if (which[i] >= shell_check_nrefs || strcmp(r->name, c->grants[i].cap) != 0)
			return "resolved to the wrong name";
		if (client != (r->kind == SHELL_REF_SERVED))
			return "resolved a grant of the wrong kind";
	}
	return NULL;
}

static const char *chk_command(const struct shell_command *c)
{
	const struct shell_cmd_desc *d = c->cmd;

	if (d < shell_cmds || d >= shell_cmds + SHELL_CMD_COUNT || &shell_cmds[d->id] != d)
		return "command outside the table";
	if (c->nargs < d->min_args || c->nargs > d->max_args)
		return "argument count outside the command's range";
	if (d->id == SHELL_CMD_KILL && (c->number < 1 || c->number > SHELL_JOB_MAX))
		return "job number out of range";
	if (d->id != SHELL_CMD_RUN && d->id != SHELL_CMD_SPAWN)
		return c->ngrants ? "grants on a command that takes none" : NULL;
	return chk_grants(c);
}

const char *shell_check_parse(size_t len, int rc, const struct shell_tokens *tk,
			      const struct shell_command *cmd, const struct shell_error *err)
{
	const char *why;

	if (rc != CAPOS_OK)
		return chk_error(rc, err);
	if (len > SHELL_LINE_MAX)
		return "accepted a line over the bound";
	why = chk_tokens(tk);
	if (why || cmd->cmd == NULL)
		return why ? why : (tk->count ? "tokens but no command" : NULL);
	why = chk_command(cmd);
	if (why == NULL && (cmd->cmd->id == SHELL_CMD_RUN || cmd->cmd->id == SHELL_CMD_SPAWN))
		why = chk_resolve(cmd);
	return why;
}
