/*
 * capos-shell command-line parser (parse.h, docs/shell.md "Command lines"): tokenizer,
 * command table, grant-list parser and grant resolution. Pure: it reads the line and
 * the caller's name table, writes only the caller's structs, and refuses anything
 * outside its bounds with a CAPOS_ERR_SHELL_* code and a one-line reason.
 */
#include "parse.h"

#include <string.h>

#include <capos/error.h>

const struct shell_cmd_desc shell_cmds[SHELL_CMD_COUNT] = {
	[SHELL_CMD_HELP] = { "help", SHELL_CMD_HELP, 0, 1, "usage: help [COMMAND]",
			     "list the commands, or show one" },
	[SHELL_CMD_LOGIN] = { "login", SHELL_CMD_LOGIN, 0, 0, "usage: login",
			      "log in: username, then a hidden password" },
	[SHELL_CMD_SETUP] = { "setup", SHELL_CMD_SETUP, 0, 0, "usage: setup",
			      "first boot: create the operator credential" },
	[SHELL_CMD_GUEST] = { "guest", SHELL_CMD_GUEST, 0, 0, "usage: guest",
			      "start a guest session (a narrow bundle)" },
	[SHELL_CMD_LOGOUT] = { "logout", SHELL_CMD_LOGOUT, 0, 0, "usage: logout",
			       "end the session: its caps are revoked" },
	[SHELL_CMD_SESSION] = { "session", SHELL_CMD_SESSION, 0, 0, "usage: session",
				"show the current session" },
	[SHELL_CMD_CAPS] = { "caps", SHELL_CMD_CAPS, 0, 0, "usage: caps",
			     "list the caps this shell holds" },
	[SHELL_CMD_RUN] = { "run", SHELL_CMD_RUN, 1, 1,
			    "usage: run NAME [with { name: @cap, name: client @ep, ... }]",
			    "run a program in the foreground (Ctrl-C kills it)" },
	[SHELL_CMD_SPAWN] = { "spawn", SHELL_CMD_SPAWN, 1, 1,
			      "usage: spawn NAME [with { name: @cap, name: client @ep, ... }]",
			      "start a program in the background" },
	[SHELL_CMD_PS] = { "ps", SHELL_CMD_PS, 0, 0, "usage: ps", "list this shell's children" },
	[SHELL_CMD_KILL] = { "kill", SHELL_CMD_KILL, 1, 1, "usage: kill JOB",
			     "kill the child with that job number" },
	[SHELL_CMD_ECHO] = { "echo", SHELL_CMD_ECHO, 0, SHELL_ARGS_MAX, "usage: echo [WORD ...]",
			     "print the words" },
	[SHELL_CMD_MOTD] = { "motd", SHELL_CMD_MOTD, 0, 0, "usage: motd",
			     "message of the day and a system summary" },
	[SHELL_CMD_SHUTDOWN] = { "shutdown", SHELL_CMD_SHUTDOWN, 0, 0, "usage: shutdown",
				 "power the machine off (operator)" },
	[SHELL_CMD_EXIT] = { "exit", SHELL_CMD_EXIT, 0, 0, "usage: exit", "end the shell" },
};

/* ---- errors */

/* Append s[0..n) to dst (capacity SHELL_DETAIL_MAX + 1) escaped: printable ASCII but
 * `"` and `\` as is, anything else as \xNN; stops before an item that would not fit. */
static void sh_escape(char *dst, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)s[i];
		bool plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\';

		if (o + (plain ? 1u : 4u) > SHELL_DETAIL_MAX)
			break;
		if (plain) {
			dst[o++] = (char)c;
			continue;
		}
		dst[o++] = '\\';
		dst[o++] = 'x';
		dst[o++] = hex[c >> 4];
		dst[o++] = hex[c & 15];
	}
	dst[o] = '\0';
}

/* Record a refusal in *err and return its code. */
static int sh_fail(struct shell_error *err, int code, const char *what, const char *s, size_t n,
		   size_t pos)
{
	err->code = code;
	err->what = what;
	err->pos = (uint16_t)(pos > SHELL_LINE_MAX ? SHELL_LINE_MAX : pos);
	sh_escape(err->detail, s ? s : "", s ? n : 0);
	return code;
}

static int sh_fail_tok(struct shell_error *err, int code, const char *what,
		       const struct shell_token *t)
{
	return sh_fail(err, code, what, t->text, t->len, t->pos);
}

/* ---- tokenizer */

struct sh_lexer {
	const char *s;
	size_t len;
	size_t i;    /* next byte to read */
	size_t used; /* bytes of tk->buf in use */
	struct shell_tokens *tk;
	struct shell_error *err;
	struct shell_token *cur; /* the token being filled */
};

static bool sh_blank(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static bool sh_control(uint8_t c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

static int sh_punct_kind(uint8_t c)
{
	switch (c) {
	case '{':
		return SHELL_TOK_LBRACE;
	case '}':
		return SHELL_TOK_RBRACE;
	case ':':
		return SHELL_TOK_COLON;
	case ',':
		return SHELL_TOK_COMMA;
	}
	return -1;
}

/* A byte that continues a word or cap name. */
static bool sh_word_byte(uint8_t c)
{
	return c > 0x20 && c < 0x7f && c != '"' && sh_punct_kind(c) < 0;
}

static int sh_begin(struct sh_lexer *lx, int kind, size_t pos)
{
	struct shell_tokens *tk = lx->tk;

	if (tk->count == SHELL_TOKENS_MAX)
		return sh_fail(lx->err, CAPOS_ERR_SHELL_BAD_LINE, "more words than a line holds",
			       NULL, 0, pos);
	lx->cur = &tk->tok[tk->count++];
	lx->cur->kind = (uint8_t)kind;
	lx->cur->len = 0;
	lx->cur->pos = (uint16_t)pos;
	lx->cur->text = &tk->buf[lx->used];
	tk->buf[lx->used] = '\0';
	return CAPOS_OK;
}

/* Append one byte to the current token. Invariant: a token's text and its NUL fit in
 * buf, since each token holds at most as many bytes as it consumed from the line. */
static int sh_put(struct sh_lexer *lx, char c)
{
	struct shell_token *t = lx->cur;

	if (t->len == SHELL_TOKEN_MAX)
		return sh_fail(lx->err, CAPOS_ERR_SHELL_BAD_LINE, "word or string too long",
			       t->text, t->len, t->pos);
	lx->tk->buf[lx->used++] = c;
	lx->tk->buf[lx->used] = '\0';
	t->len++;
	return CAPOS_OK;
}

static void sh_end(struct sh_lexer *lx)
{
	lx->used++; /* keep the NUL */
}

static int sh_lex_word(struct sh_lexer *lx, int kind)
{
	int rc = sh_begin(lx, kind, lx->i);

	while (rc == 0 && lx->i < lx->len && sh_word_byte((uint8_t)lx->s[lx->i]))
		rc = sh_put(lx, lx->s[lx->i++]);
	if (rc == 0 && kind == SHELL_TOK_CAPREF && lx->cur->len == 1)
		rc = sh_fail(lx->err, CAPOS_ERR_SHELL_GRANT_SYNTAX, "`@` without a cap name", NULL,
			     0, lx->cur->pos);
	sh_end(lx);
	return rc;
}

/* One byte of a string after its opening quote; *done once the closing quote is read. */
static int sh_lex_string_byte(struct sh_lexer *lx, bool *done)
{
	uint8_t c = (uint8_t)lx->s[lx->i];
	size_t at = lx->i++;

	if (sh_control(c))
		return sh_fail(lx->err, CAPOS_ERR_SHELL_BAD_LINE, "control byte in a string",
			       lx->s + at, 1, at);
	if (c == '"') {
		*done = true;
		return CAPOS_OK;
	}
	if (c != '\\')
		return sh_put(lx, (char)c);
	if (lx->i == lx->len)
		return sh_fail(lx->err, CAPOS_ERR_SHELL_BAD_LINE, "string ends in `\\`", NULL, 0,
			       at);
	c = (uint8_t)lx->s[lx->i++];
	if (c != '"' && c != '\\')
		return sh_fail(lx->err, CAPOS_ERR_SHELL_BAD_LINE,
			       "unknown escape (only \\\" and \\\\)", lx->s + at, 2, at);
	return sh_put(lx, (char)c);
}

static int sh_lex_string(struct sh_lexer *lx)
{
	size_t start = lx->i++;
	bool done = false;
	int rc = sh_begin(lx, SHELL_TOK_STRING, start);

	while (rc == 0 && !done) {
		if (lx->i == lx->len) {
			rc = sh_fail(lx->err, CAPOS_ERR_SHELL_BAD_LINE,
				     "string without its closing quote", lx->cur->text,
				     lx->cur->len, start);
			break;
		}
		rc = sh_lex_string_byte(lx, &done);
	}
	sh_end(lx);
	return rc;
}

static int sh_lex_punct(struct sh_lexer *lx, int kind)
{
	int rc = sh_begin(lx, kind, lx->i);

	if (rc == 0)
		rc = sh_put(lx, lx->s[lx->i++]);
	sh_end(lx);
	return rc;
}

static int sh_lex_one(struct sh_lexer *lx)
{
	uint8_t c = (uint8_t)lx->s[lx->i];
	int punct = sh_punct_kind(c);

	if (sh_blank(c)) {
		lx->i++;
		return CAPOS_OK;
	}
	if (sh_control(c) || c >= 0x80)
		return sh_fail(lx->err, CAPOS_ERR_SHELL_BAD_LINE,
			       c >= 0x80 ? "non-ASCII byte outside quotes" : "control byte",
			       lx->s + lx->i, 1, lx->i);
	if (c == '"')
		return sh_lex_string(lx);
	if (punct >= 0)
		return sh_lex_punct(lx, punct);
	return sh_lex_word(lx, c == '@' ? SHELL_TOK_CAPREF : SHELL_TOK_WORD);
}

int shell_tokenize(const char *line, size_t len, struct shell_tokens *tk, struct shell_error *err)
{
	struct sh_lexer lx = { .s = line, .len = len, .tk = tk, .err = err };
	int rc = CAPOS_OK;

	tk->count = 0;
	tk->buf[0] = '\0';
	err->code = CAPOS_OK;
	err->what = "";
	err->detail[0] = '\0';
	err->pos = 0;
	if (len > SHELL_LINE_MAX)
		return sh_fail(err, CAPOS_ERR_SHELL_BAD_LINE, "line longer than 256 bytes", NULL, 0,
			       SHELL_LINE_MAX);
	while (rc == 0 && lx.i < len)
		rc = sh_lex_one(&lx);
	return rc;
}

/* ---- names and commands */

bool shell_name_ok(const char *s, size_t len, size_t max)
{
	if (len == 0 || len > max)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		      c == '-'))
			return false;
	}
	return true;
}

const struct shell_cmd_desc *shell_cmd_find(const char *name)
{
	for (unsigned i = 0; i < SHELL_CMD_COUNT; i++)
		if (strcmp(shell_cmds[i].name, name) == 0)
			return &shell_cmds[i];
	return NULL;
}

static bool sh_is_word(const struct shell_token *t, const char *w)
{
	return t->kind == SHELL_TOK_WORD && strcmp(t->text, w) == 0;
}

/* kill's job number: 1..SHELL_JOB_MAX in decimal, no sign, no leading zero. */
static bool sh_job_number(const struct shell_token *t, uint64_t *out)
{
	uint64_t v = 0;

	if (t->len == 0 || t->len > 3 || t->text[0] == '0')
		return false;
	for (unsigned i = 0; i < t->len; i++) {
		if (t->text[i] < '0' || t->text[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(t->text[i] - '0');
	}
	*out = v;
	return v >= 1 && v <= SHELL_JOB_MAX;
}

static int sh_usage(struct shell_command *out, struct shell_error *err, const struct shell_token *t)
{
	if (t)
		return sh_fail_tok(err, CAPOS_ERR_SHELL_USAGE, out->cmd->usage, t);
	return sh_fail(err, CAPOS_ERR_SHELL_USAGE, out->cmd->usage, NULL, 0, 0);
}

/* Arguments of every command but run/spawn: words and strings (echo: any token). */
static int sh_parse_args(const struct shell_tokens *tk, struct shell_command *out,
			 struct shell_error *err)
{
	const struct shell_cmd_desc *d = out->cmd;
	uint32_t n = tk->count - 1;

	if (n < d->min_args || n > d->max_args)
		return sh_usage(out, err, n > d->max_args ? &tk->tok[d->max_args + 1] : NULL);
	for (uint32_t i = 0; i < n; i++) {
		const struct shell_token *t = &tk->tok[i + 1];

		if (d->id != SHELL_CMD_ECHO && t->kind != SHELL_TOK_WORD &&
		    t->kind != SHELL_TOK_STRING)
			return sh_usage(out, err, t);
		out->args[out->nargs++] = t->text;
	}
	if (d->id == SHELL_CMD_KILL && !sh_job_number(&tk->tok[1], &out->number))
		return sh_usage(out, err, &tk->tok[1]);
	if (d->id == SHELL_CMD_HELP && n == 1 && shell_cmd_find(tk->tok[1].text) == NULL)
		return sh_fail_tok(err, CAPOS_ERR_SHELL_UNKNOWN_COMMAND, "no such command",
				   &tk->tok[1]);
	return CAPOS_OK;
}

/* ---- run/spawn grant lists */

struct sh_cursor {
	const struct shell_tokens *tk;
	uint32_t i; /* next token */
	struct shell_command *out;
	struct shell_error *err;
};

static const struct shell_token *sh_peek(const struct sh_cursor *c)
{
	return c->i < c->tk->count ? &c->tk->tok[c->i] : NULL;
}

/* The next token, which must be of `kind`; the line ending is GRANT_UNTERMINATED,
 * another token GRANT_SYNTAX with `what`. */
static int sh_expect(struct sh_cursor *c, int kind, const char *what,
		     const struct shell_token **out)
{
	const struct shell_token *t = sh_peek(c);

	if (t == NULL)
		return sh_fail(c->err, CAPOS_ERR_SHELL_GRANT_SYNTAX,
			       "grant list without its closing `}`", NULL, 0, SHELL_LINE_MAX);
	if (t->kind != kind)
		return sh_fail_tok(c->err, CAPOS_ERR_SHELL_GRANT_SYNTAX, what, t);
	c->i++;
	*out = t;
	return CAPOS_OK;
}

static int sh_grant_checks(struct sh_cursor *c, const struct shell_token *name,
			   const struct shell_token *ref)
{
	struct shell_command *out = c->out;
	const struct shell_token *next = sh_peek(c);

	if (!shell_name_ok(name->text, name->len, SHELL_NAME_MAX))
		return sh_fail_tok(c->err, CAPOS_ERR_SHELL_GRANT_SYNTAX,
				   "grant name not 1..47 bytes of [a-z0-9._-]", name);
	if (!shell_name_ok(ref->text + 1, ref->len - 1u, SHELL_NAME_MAX))
		return sh_fail_tok(c->err, CAPOS_ERR_SHELL_GRANT_SYNTAX,
				   "cap name not 1..47 bytes of [a-z0-9._-]", ref);
	if (next && sh_is_word(next, "badge"))
		return sh_fail_tok(c->err, CAPOS_ERR_SHELL_GRANT_BADGE,
				   "badge relabeling is refused", next);
	for (uint32_t k = 0; k < out->ngrants; k++)
		if (strcmp(out->grants[k].name, name->text) == 0)
			return sh_fail_tok(c->err, CAPOS_ERR_SHELL_GRANT_DUPLICATE,
					   "grant name used twice", name);
	if (out->ngrants == SHELL_GRANTS_MAX)
		return sh_fail_tok(c->err, CAPOS_ERR_SHELL_GRANT_SYNTAX, "more than 16 grants",
				   name);
	return CAPOS_OK;
}

/* grant := NAME `:` [`client`] @CAP */
static int sh_parse_grant(struct sh_cursor *c)
{
	const struct shell_token *name, *colon, *ref, *t;
	struct shell_grant *g;
	uint8_t kind = SHELL_GRANT_COPY;
	int rc = sh_expect(c, SHELL_TOK_WORD, "expected a grant name", &name);

	if (rc == 0)
		rc = sh_expect(c, SHELL_TOK_COLON, "expected `:` after the grant name", &colon);
	t = sh_peek(c);
	if (rc == 0 && t && sh_is_word(t, "client")) {
		kind = SHELL_GRANT_CLIENT;
		c->i++;
	}
	if (rc == 0)
		rc = sh_expect(c, SHELL_TOK_CAPREF, "expected @cap", &ref);
	if (rc == 0)
		rc = sh_grant_checks(c, name, ref);
	if (rc)
		return rc;
	g = &c->out->grants[c->out->ngrants++];
	memcpy(g->name, name->text, name->len + 1u);
	memcpy(g->cap, ref->text + 1, ref->len); /* with the NUL, without the @ */
	g->kind = kind;
	return CAPOS_OK;
}

/* `{` seen: grants separated by `,` up to `}`, then the end of the line. */
static int sh_parse_grant_list(struct sh_cursor *c)
{
	const struct shell_token *t = sh_peek(c);
	int rc;

	if (t && t->kind == SHELL_TOK_RBRACE) {
		c->i++;
	} else {
		for (;;) {
			rc = sh_parse_grant(c);
			if (rc)
				return rc;
			t = sh_peek(c);
			if (t && t->kind == SHELL_TOK_RBRACE) {
				c->i++;
				break;
			}
			rc = sh_expect(c, SHELL_TOK_COMMA, "expected `,` or `}` after a grant", &t);
			if (rc)
				return rc;
		}
	}
	t = sh_peek(c);
	if (t)
		return sh_fail_tok(c->err, CAPOS_ERR_SHELL_GRANT_SYNTAX, "text after `}`", t);
	return CAPOS_OK;
}

/* run|spawn NAME [with { grants }] */
static int sh_parse_run(const struct shell_tokens *tk, struct shell_command *out,
			struct shell_error *err)
{
	struct sh_cursor c = { .tk = tk, .i = 2, .out = out, .err = err };
	const struct shell_token *name, *t;

	if (tk->count < 2)
		return sh_usage(out, err, NULL);
	name = &tk->tok[1];
	if (name->kind != SHELL_TOK_WORD && name->kind != SHELL_TOK_STRING)
		return sh_usage(out, err, name);
	if (!shell_name_ok(name->text, name->len, SHELL_BINARY_MAX))
		return sh_fail_tok(err, CAPOS_ERR_SHELL_GRANT_SYNTAX,
				   "binary name not 1..63 bytes of [a-z0-9._-]", name);
	memcpy(out->binary, name->text, name->len + 1u);
	out->args[out->nargs++] = out->binary;
	t = sh_peek(&c);
	if (t == NULL)
		return CAPOS_OK;
	if (!sh_is_word(t, "with"))
		return sh_fail_tok(err, CAPOS_ERR_SHELL_GRANT_SYNTAX,
				   "expected `with {` after the binary name", t);
	c.i++;
	t = sh_peek(&c);
	if (t == NULL || t->kind != SHELL_TOK_LBRACE)
		return sh_fail(err, CAPOS_ERR_SHELL_GRANT_SYNTAX, "expected `{` after `with`",
			       t ? t->text : NULL, t ? t->len : 0, t ? t->pos : SHELL_LINE_MAX);
	c.i++;
	return sh_parse_grant_list(&c);
}

int shell_parse(const char *line, size_t len, struct shell_tokens *tk, struct shell_command *out,
		struct shell_error *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = shell_tokenize(line, len, tk, err);
	if (rc || tk->count == 0)
		return rc;
	out->cmd = tk->tok[0].kind == SHELL_TOK_WORD ? shell_cmd_find(tk->tok[0].text) : NULL;
	if (out->cmd == NULL)
		return sh_fail_tok(err, CAPOS_ERR_SHELL_UNKNOWN_COMMAND,
				   "unknown command (try `help`)", &tk->tok[0]);
	if (out->cmd->id == SHELL_CMD_RUN || out->cmd->id == SHELL_CMD_SPAWN)
		return sh_parse_run(tk, out, err);
	return sh_parse_args(tk, out, err);
}

/* ---- resolution against the shell's names */

static int sh_find_ref(const struct shell_ref *refs, uint32_t nrefs, const char *name)
{
	for (uint32_t i = 0; i < nrefs; i++)
		if (refs[i].name && strcmp(refs[i].name, name) == 0)
			return (int)i;
	return -1;
}

int shell_grants_resolve(const struct shell_command *c, const struct shell_ref *refs,
			 uint32_t nrefs, uint32_t which[SHELL_GRANTS_MAX], struct shell_error *err)
{
	err->code = CAPOS_OK;
	for (uint32_t i = 0; i < c->ngrants && i < SHELL_GRANTS_MAX; i++) {
		const struct shell_grant *g = &c->grants[i];
		int k = sh_find_ref(refs, nrefs, g->cap);

		if (k < 0)
			return sh_fail(err, CAPOS_ERR_SHELL_GRANT_CAP,
				       "no cap of that name (see `caps`)", g->cap, strlen(g->cap),
				       0);
		if (g->kind == SHELL_GRANT_CLIENT && refs[k].kind != SHELL_REF_SERVED)
			return sh_fail(err, CAPOS_ERR_SHELL_GRANT_CAP,
				       "`client` needs an endpoint this shell serves", g->cap,
				       strlen(g->cap), 0);
		if (g->kind == SHELL_GRANT_COPY && refs[k].kind == SHELL_REF_SERVED)
			return sh_fail(err, CAPOS_ERR_SHELL_GRANT_CAP,
				       "the shell's own endpoint is granted as `client @name`",
				       g->cap, strlen(g->cap), 0);
		which[i] = (uint32_t)k;
	}
	return CAPOS_OK;
}
