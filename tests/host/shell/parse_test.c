/*
 * Host tests of the capos-shell parser (user/shell/parse.c, docs/shell.md): tokens,
 * every command of the table, the grant syntax and its resolution, each with hostile
 * twins asserting the exact CAPOS_ERR_SHELL_* code (unterminated quote and brace,
 * duplicate grant names, unknown @cap, badge relabeling, over-long tokens and lines,
 * garbage bytes), and 20,000 random lines checked against the invariants of
 * parse_check.c (shared with the libFuzzer target).
 */
#include <stdio.h>
#include <stdlib.h>

#include <capos/error.h>

#include "parse.h"
#include "parse_check.h"
#include "test.h"

static struct shell_tokens tk;
static struct shell_command cmd;
static struct shell_error err;

/* Parse a NUL-terminated line; the invariants must hold whatever the outcome. */
static int parse_n(const char *line, size_t len)
{
	int rc = shell_parse(line, len, &tk, &cmd, &err);
	const char *why = shell_check_parse(len, rc, &tk, &cmd, &err);

	if (why) {
		fprintf(stderr, "invariant broken by \"%.*s\": %s\n", (int)len, line, why);
		abort();
	}
	return rc;
}

static int parse(const char *line)
{
	return parse_n(line, strlen(line));
}

/* Parse a run/spawn line and resolve its grants against shell_check_refs. */
static int resolve(const char *line, uint32_t which[SHELL_GRANTS_MAX])
{
	int rc = parse(line);

	if (rc)
		return rc;
	return shell_grants_resolve(&cmd, shell_check_refs, shell_check_nrefs, which, &err);
}

TEST(shell_tokens_kinds_and_texts)
{
	static const char line[] = "run \"a \\\"q\\\" \\\\\"\t{x:@y,}";

	CHECK_EQ(shell_tokenize(line, strlen(line), &tk, &err), CAPOS_OK);
	CHECK_EQ(tk.count, 8);
	CHECK_EQ(tk.tok[0].kind, SHELL_TOK_WORD);
	CHECK_STREQ(tk.tok[0].text, "run");
	CHECK_EQ(tk.tok[1].kind, SHELL_TOK_STRING);
	CHECK_STREQ(tk.tok[1].text, "a \"q\" \\");
	CHECK_EQ(tk.tok[1].pos, 4);
	CHECK_EQ(tk.tok[2].kind, SHELL_TOK_LBRACE);
	CHECK_STREQ(tk.tok[3].text, "x");
	CHECK_EQ(tk.tok[4].kind, SHELL_TOK_COLON);
	CHECK_EQ(tk.tok[5].kind, SHELL_TOK_CAPREF);
	CHECK_STREQ(tk.tok[5].text, "@y");
	CHECK_EQ(tk.tok[6].kind, SHELL_TOK_COMMA);
	CHECK_EQ(tk.tok[7].kind, SHELL_TOK_RBRACE);
	/* a word may hold @ past its first byte; strings may hold UTF-8 */
	CHECK_EQ(parse("echo a@b \"\xc3\xa9t\xc3\xa9\""), CAPOS_OK);
	CHECK_STREQ(cmd.args[0], "a@b");
	CHECK_STREQ(cmd.args[1], "\xc3\xa9t\xc3\xa9");
}

TEST(shell_blank_lines_are_no_command)
{
	CHECK_EQ(parse(""), CAPOS_OK);
	CHECK(cmd.cmd == NULL);
	CHECK_EQ(parse(" \t  "), CAPOS_OK);
	CHECK(cmd.cmd == NULL);
}

TEST(shell_every_command_parses)
{
	static const char *const lines[SHELL_CMD_COUNT] = {
		[SHELL_CMD_HELP] = "help",	   [SHELL_CMD_LOGIN] = "login",
		[SHELL_CMD_SETUP] = "setup",	   [SHELL_CMD_GUEST] = "guest",
		[SHELL_CMD_LOGOUT] = "logout",	   [SHELL_CMD_SESSION] = "session",
		[SHELL_CMD_CAPS] = "caps",	   [SHELL_CMD_RUN] = "run hello",
		[SHELL_CMD_SPAWN] = "spawn hello", [SHELL_CMD_PS] = "ps",
		[SHELL_CMD_KILL] = "kill 12",	   [SHELL_CMD_ECHO] = "echo",
		[SHELL_CMD_MOTD] = "motd",	   [SHELL_CMD_SHUTDOWN] = "shutdown",
		[SHELL_CMD_EXIT] = "exit",
	};

	for (unsigned i = 0; i < SHELL_CMD_COUNT; i++) {
		CHECK_EQ(parse(lines[i]), CAPOS_OK);
		CHECK(cmd.cmd == &shell_cmds[i]);
		CHECK_EQ(shell_cmds[i].id, i);
		CHECK(shell_cmd_find(shell_cmds[i].name) == &shell_cmds[i]);
	}
	CHECK_EQ(parse("kill 999"), CAPOS_OK);
	CHECK_UEQ(cmd.number, 999);
	CHECK_EQ(parse("help run"), CAPOS_OK);
	CHECK_STREQ(cmd.args[0], "run");
	CHECK_EQ(parse("echo one \"two three\" {"), CAPOS_OK);
	CHECK_EQ(cmd.nargs, 3);
	CHECK_STREQ(cmd.args[1], "two three");
	CHECK_STREQ(cmd.args[2], "{");
}

TEST(shell_unknown_command_and_usage_refused)
{
	CHECK_EQ(parse("frobnicate now"), CAPOS_ERR_SHELL_UNKNOWN_COMMAND);
	CHECK_STREQ(err.detail, "frobnicate");
	CHECK_EQ(parse("\"help\""), CAPOS_ERR_SHELL_UNKNOWN_COMMAND); /* a string is no name */
	CHECK_EQ(parse("HELP"), CAPOS_ERR_SHELL_UNKNOWN_COMMAND);
	CHECK_EQ(parse("help frob"), CAPOS_ERR_SHELL_UNKNOWN_COMMAND);
	CHECK_EQ(parse("login root"), CAPOS_ERR_SHELL_USAGE);
	CHECK_STREQ(err.what, "usage: login");
	CHECK_STREQ(err.detail, "root");
	CHECK_EQ(parse("caps {"), CAPOS_ERR_SHELL_USAGE);
	CHECK_EQ(parse("help run ps"), CAPOS_ERR_SHELL_USAGE);
	CHECK_EQ(parse("run"), CAPOS_ERR_SHELL_USAGE);
	CHECK_EQ(parse("run @launcher"), CAPOS_ERR_SHELL_USAGE);
	CHECK_EQ(parse("kill"), CAPOS_ERR_SHELL_USAGE);
	static const char *const bad_jobs[] = { "kill 0",  "kill 1000", "kill -1", "kill 01",
						"kill x1", "kill 1 2",	"kill 9x" };
	for (unsigned i = 0; i < sizeof(bad_jobs) / sizeof(bad_jobs[0]); i++)
		CHECK_EQ(parse(bad_jobs[i]), CAPOS_ERR_SHELL_USAGE);
}

TEST(shell_run_without_with_grants_nothing)
{
	CHECK_EQ(parse("run hello"), CAPOS_OK);
	CHECK_STREQ(cmd.binary, "hello");
	CHECK_EQ(cmd.ngrants, 0);
	CHECK_EQ(parse("spawn \"hello\" with { }"), CAPOS_OK);
	CHECK_EQ(cmd.cmd->id, SHELL_CMD_SPAWN);
	CHECK_STREQ(cmd.binary, "hello");
	CHECK_EQ(cmd.ngrants, 0);
	CHECK_EQ(parse("run a.b_c-9 with {}"), CAPOS_OK);
	CHECK_STREQ(cmd.binary, "a.b_c-9");
}

TEST(shell_run_grants_parse_and_resolve)
{
	uint32_t which[SHELL_GRANTS_MAX];

	CHECK_EQ(resolve("run hello with { stdio: client @stdio, t: @timer,console:@console }",
			 which),
		 CAPOS_OK);
	CHECK_EQ(cmd.ngrants, 3);
	CHECK_STREQ(cmd.grants[0].name, "stdio");
	CHECK_STREQ(cmd.grants[0].cap, "stdio");
	CHECK_EQ(cmd.grants[0].kind, SHELL_GRANT_CLIENT);
	CHECK_STREQ(cmd.grants[1].name, "t");
	CHECK_STREQ(cmd.grants[1].cap, "timer");
	CHECK_EQ(cmd.grants[1].kind, SHELL_GRANT_COPY);
	CHECK_EQ(which[0], 3);
	CHECK_EQ(which[1], 1);
	CHECK_EQ(which[2], 0);
	/* `client` as a grant name is a name, not the keyword */
	CHECK_EQ(resolve("run x with { client: @launcher }", which), CAPOS_OK);
	CHECK_STREQ(cmd.grants[0].name, "client");
	CHECK_EQ(cmd.grants[0].kind, SHELL_GRANT_COPY);
	CHECK_EQ(which[0], 2);
}

TEST(shell_grant_syntax_hostile_twins)
{
	static const struct {
		const char *line;
		int code;
		const char *what; /* the one-line reason: tells merged codes apart */
	} cases[] = {
		{ "run x with { a: @timer", CAPOS_ERR_SHELL_GRANT_SYNTAX,
		  "grant list without its closing `}`" },
		{ "run x with {", CAPOS_ERR_SHELL_GRANT_SYNTAX,
		  "grant list without its closing `}`" },
		{ "run x with { a:", CAPOS_ERR_SHELL_GRANT_SYNTAX,
		  "grant list without its closing `}`" },
		{ "run x with { a: client", CAPOS_ERR_SHELL_GRANT_SYNTAX,
		  "grant list without its closing `}`" },
		{ "run x with { a: @timer,", CAPOS_ERR_SHELL_GRANT_SYNTAX,
		  "grant list without its closing `}`" },
		{ "run x { a: @timer }", CAPOS_ERR_SHELL_GRANT_SYNTAX,
		  "expected `with {` after the binary name" },
		{ "run x with", CAPOS_ERR_SHELL_GRANT_SYNTAX, "expected `{` after `with`" },
		{ "run x with a", CAPOS_ERR_SHELL_GRANT_SYNTAX, "expected `{` after `with`" },
		{ "run x with { a @timer }", CAPOS_ERR_SHELL_GRANT_SYNTAX,
		  "expected `:` after the grant name" },
		{ "run x with { a: timer }", CAPOS_ERR_SHELL_GRANT_SYNTAX, "expected @cap" },
		{ "run x with { a: @timer, }", CAPOS_ERR_SHELL_GRANT_SYNTAX,
		  "expected a grant name" },
		{ "run x with { a: @timer b: @timer }", CAPOS_ERR_SHELL_GRANT_SYNTAX,
		  "expected `,` or `}` after a grant" },
		{ "run x with { a: @timer } now", CAPOS_ERR_SHELL_GRANT_SYNTAX, "text after `}`" },
		{ "run x with { a: @timer }}", CAPOS_ERR_SHELL_GRANT_SYNTAX, "text after `}`" },
		{ "run x with { a: @ }", CAPOS_ERR_SHELL_GRANT_SYNTAX, "`@` without a cap name" },
		{ "run x with { , }", CAPOS_ERR_SHELL_GRANT_SYNTAX, "expected a grant name" },
		{ "run x with { \"a\": @timer }", CAPOS_ERR_SHELL_GRANT_SYNTAX,
		  "expected a grant name" },
		{ "run x with { a: @timer, a: @console }", CAPOS_ERR_SHELL_GRANT_DUPLICATE,
		  "grant name used twice" },
		{ "run x with { s: client @stdio badge 200 }", CAPOS_ERR_SHELL_GRANT_BADGE,
		  "badge relabeling is refused" },
		{ "run x with { t: @timer badge 1, u: @console }", CAPOS_ERR_SHELL_GRANT_BADGE,
		  "badge relabeling is refused" },
		{ "run X", CAPOS_ERR_SHELL_GRANT_SYNTAX,
		  "binary name not 1..63 bytes of [a-z0-9._-]" },
		{ "run \"a b\"", CAPOS_ERR_SHELL_GRANT_SYNTAX,
		  "binary name not 1..63 bytes of [a-z0-9._-]" },
		{ "run \"\"", CAPOS_ERR_SHELL_GRANT_SYNTAX,
		  "binary name not 1..63 bytes of [a-z0-9._-]" },
		{ "run x with { A: @timer }", CAPOS_ERR_SHELL_GRANT_SYNTAX,
		  "grant name not 1..47 bytes of [a-z0-9._-]" },
		{ "run x with { a: @Timer }", CAPOS_ERR_SHELL_GRANT_SYNTAX,
		  "cap name not 1..47 bytes of [a-z0-9._-]" },
		{ "run x with { a: @@timer }", CAPOS_ERR_SHELL_GRANT_SYNTAX,
		  "cap name not 1..47 bytes of [a-z0-9._-]" },
		{ "run x with { a/b: @timer }", CAPOS_ERR_SHELL_GRANT_SYNTAX,
		  "grant name not 1..47 bytes of [a-z0-9._-]" },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = parse(cases[i].line);

		if (rc != cases[i].code || strcmp(err.what, cases[i].what) != 0)
			test_fail(__FILE__, __LINE__, "\"%s\": %s \"%s\", expected %s \"%s\"",
				  cases[i].line, capos_error_name(rc), err.what,
				  capos_error_name(cases[i].code), cases[i].what);
	}
	CHECK_EQ(parse("run x with { a: @timer, a: @console }"), CAPOS_ERR_SHELL_GRANT_DUPLICATE);
	CHECK_STREQ(err.detail, "a");
	CHECK_EQ(parse("run x with { s: client @stdio badge 200 }"), CAPOS_ERR_SHELL_GRANT_BADGE);
	CHECK_STREQ(err.detail, "badge");
}

TEST(shell_name_bounds)
{
	char line[SHELL_LINE_MAX + 1];
	char name[64];

	memset(name, 'a', sizeof(name));
	name[47] = '\0';
	snprintf(line, sizeof(line), "run x with { %s: @timer }", name);
	CHECK_EQ(parse(line), CAPOS_OK);
	name[47] = 'a';
	name[48] = '\0';
	snprintf(line, sizeof(line), "run x with { %s: @timer }", name);
	CHECK_EQ(parse(line), CAPOS_ERR_SHELL_GRANT_SYNTAX);
	snprintf(line, sizeof(line), "run x with { a: @%s }", name);
	CHECK_EQ(parse(line), CAPOS_ERR_SHELL_GRANT_SYNTAX);
	name[48] = 'a';
	name[63] = '\0';
	snprintf(line, sizeof(line), "run %s", name);
	CHECK_EQ(parse(line), CAPOS_OK);
	CHECK_EQ(strlen(cmd.binary), 63);
}

TEST(shell_grant_resolution_hostile_twins)
{
	uint32_t which[SHELL_GRANTS_MAX];

	CHECK_EQ(resolve("run x with { a: @nosuch }", which), CAPOS_ERR_SHELL_GRANT_CAP);
	CHECK_STREQ(err.detail, "nosuch");
	CHECK_EQ(resolve("run x with { a: client @console }", which), CAPOS_ERR_SHELL_GRANT_CAP);
	CHECK_STREQ(err.what, "`client` needs an endpoint this shell serves");
	CHECK_EQ(resolve("run x with { a: @stdio }", which), CAPOS_ERR_SHELL_GRANT_CAP);
	CHECK_STREQ(err.what, "the shell's own endpoint is granted as `client @name`");
	/* the first bad grant is reported, after good ones */
	CHECK_EQ(resolve("run x with { t: @timer, u: @unknown, v: @nope }", which),
		 CAPOS_ERR_SHELL_GRANT_CAP);
	CHECK_STREQ(err.detail, "unknown");
}

/* A run line with n grants g0..g{n-1} of @timer. */
static void grants_line(char *line, size_t cap, unsigned n)
{
	size_t o = (size_t)snprintf(line, cap, "run x with {");

	for (unsigned i = 0; i < n; i++)
		o += (size_t)snprintf(line + o, cap - o, "%sg%u:@timer", i ? "," : "", i);
	snprintf(line + o, cap - o, "}");
}

TEST(shell_grant_count_bound)
{
	char line[SHELL_LINE_MAX + 1];

	grants_line(line, sizeof(line), SHELL_GRANTS_MAX);
	CHECK_EQ(parse(line), CAPOS_OK);
	CHECK_EQ(cmd.ngrants, SHELL_GRANTS_MAX);
	grants_line(line, sizeof(line), SHELL_GRANTS_MAX + 1);
	CHECK_EQ(parse(line), CAPOS_ERR_SHELL_GRANT_SYNTAX);
	CHECK_STREQ(err.what, "more than 16 grants");
	CHECK_STREQ(err.detail, "g16");
}

TEST(shell_unterminated_quotes_and_escapes)
{
	CHECK_EQ(parse("echo \"abc"), CAPOS_ERR_SHELL_BAD_LINE);
	CHECK_STREQ(err.what, "string without its closing quote");
	CHECK_STREQ(err.detail, "abc");
	CHECK_EQ(parse("echo \"abc\\"), CAPOS_ERR_SHELL_BAD_LINE);
	CHECK_EQ(parse("echo \""), CAPOS_ERR_SHELL_BAD_LINE);
	CHECK_EQ(parse("run \"hello with {}"), CAPOS_ERR_SHELL_BAD_LINE);
	CHECK_EQ(parse("echo \"a\\nb\""), CAPOS_ERR_SHELL_BAD_LINE);
	CHECK_STREQ(err.what, "unknown escape (only \\\" and \\\\)");
	CHECK_STREQ(err.detail, "\\x5cn");
}

TEST(shell_garbage_bytes_refused)
{
	static const char *const lines[] = {
		"\x01",		 "echo \x7f",	   "echo a\x1b[A",	"\x03", "echo \xff",
		"echo \xc3\xa9", "echo \"a\x07\"", "run x with {\x04}", "\x80",
	};

	for (unsigned i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		CHECK_EQ(parse(lines[i]), CAPOS_ERR_SHELL_BAD_LINE);
	CHECK_EQ(parse("echo \xff"), CAPOS_ERR_SHELL_BAD_LINE);
	CHECK_STREQ(err.detail, "\\xff");
	CHECK_EQ(err.pos, 5);
	CHECK_EQ(parse_n("echo a\0b", 8), CAPOS_ERR_SHELL_BAD_LINE); /* a NUL inside */
	CHECK_STREQ(err.detail, "\\x00");
}

TEST(shell_token_and_line_bounds)
{
	char line[2 * SHELL_LINE_MAX];

	memset(line, 0, sizeof(line));
	memcpy(line, "echo ", 5);
	memset(line + 5, 'w', SHELL_TOKEN_MAX);
	CHECK_EQ(parse(line), CAPOS_OK);
	CHECK_EQ(strlen(cmd.args[0]), SHELL_TOKEN_MAX);
	line[5 + SHELL_TOKEN_MAX] = 'w';
	CHECK_EQ(parse(line), CAPOS_ERR_SHELL_BAD_LINE);
	CHECK_STREQ(err.what, "word or string too long");
	CHECK_EQ(strlen(err.detail), SHELL_DETAIL_MAX);
	line[5] = '"';
	line[6 + SHELL_TOKEN_MAX] = '"'; /* a string of 63 bytes */
	CHECK_EQ(parse(line), CAPOS_OK);
	line[6 + SHELL_TOKEN_MAX] = 'w';
	line[7 + SHELL_TOKEN_MAX] = '"';
	CHECK_EQ(parse(line), CAPOS_ERR_SHELL_BAD_LINE);
	/* the line bound: 256 bytes parse, 257 are refused before anything else */
	memset(line, ' ', sizeof(line));
	memcpy(line, "echo", 4);
	CHECK_EQ(parse_n(line, SHELL_LINE_MAX), CAPOS_OK);
	CHECK_EQ(parse_n(line, SHELL_LINE_MAX + 1), CAPOS_ERR_SHELL_BAD_LINE);
	CHECK_STREQ(err.what, "line longer than 256 bytes");
	/* the token bound: 80 tokens parse (echo takes 16 words, so `caps` usage), 81 do not */
	memset(line, 0, sizeof(line));
	for (unsigned i = 0; i < SHELL_TOKENS_MAX; i++)
		memcpy(line + 2 * i, "{ ", 2);
	memcpy(line, "ps", 2);
	CHECK_EQ(parse(line), CAPOS_ERR_SHELL_USAGE);
	memcpy(line + 2 * SHELL_TOKENS_MAX, "{", 1);
	CHECK_EQ(parse(line), CAPOS_ERR_SHELL_BAD_LINE);
	CHECK_STREQ(err.what, "more words than a line holds");
	CHECK_EQ(parse("echo 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17"), CAPOS_ERR_SHELL_USAGE);
}

/* Random lines over an alphabet biased toward the grammar: commands, keywords, names,
 * punctuation, quotes, escapes, UTF-8 and garbage. */
TEST(shell_random_lines_keep_invariants)
{
	static const char *const pieces[] = {
		"run ",	    "spawn ", "with ",	 "{",	    "}",      ":",     ",",	" ",
		"@stdio",   "@timer", "@",	 "client ", "badge ", "a",     "stdio", "\"",
		"\\",	    "\\\"",   "kill ",	 "12",	    "echo ",  "help ", "\t",	"\x01",
		"\xc3\xa9", "\xff",   "@nosuch", "Z",	    "x.y-z_", "\x7f",  "0",	"logout",
	};
	char line[SHELL_LINE_MAX + 64];
	unsigned seed = 12345;

	for (unsigned n = 0; n < 20000; n++) {
		size_t len = 0;

		while (len < sizeof(line) - 8) {
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) % 23 == 0)
				break;
			const char *p = pieces[(seed >> 8) % (sizeof(pieces) / sizeof(pieces[0]))];
			size_t pl = strlen(p);

			memcpy(line + len, p, pl);
			len += pl;
		}
		line[len] = '\0';
		(void)parse_n(line, len);
	}
}
