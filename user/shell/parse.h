/*
 * capos-shell command-line parser: the pure half of user/shell (docs/shell.md). It
 * splits one terminal line into bounded tokens, finds the command in the command
 * table, checks its arguments and parses the grant list of `run`/`spawn`:
 *
 *   run NAME                                   (no caps at all: nothing is inherited)
 *   run NAME with { child: @cap, stdio: client @stdio }
 *
 * `name: @cap` grants a copy of a cap the shell holds, `name: client @ep` a CALL-only
 * facet of an endpoint the shell serves; `badge N` relabeling is refused. Grants are
 * resolved against the shell's name table by shell_grants_resolve (a second, equally
 * pure step). Nothing here allocates, performs I/O or keeps state between calls; every
 * refusal is a CAPOS_ERR_SHELL_* code plus a one-line detail (struct shell_error).
 * Host-tested (tests/host/shell/parse_test.c) and fuzzed (tests/fuzz/shell_fuzz.c).
 */
#ifndef SHELL_PARSE_H
#define SHELL_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SHELL_LINE_MAX 256u  /* bytes of one line: the terminal's line bound */
#define SHELL_TOKENS_MAX 80u /* tokens of one line: 16 grants fit */
#define SHELL_TOKEN_MAX 63u  /* bytes of one word or string (after unescaping) */
#define SHELL_NAME_MAX 47u   /* grant and cap names: the CapSet name bound */
#define SHELL_BINARY_MAX 63u /* binary names: the manifest name bound */
#define SHELL_GRANTS_MAX 16u /* grants of one run/spawn: caps one spawn CALL carries */
#define SHELL_ARGS_MAX 16u   /* arguments of the other commands */
#define SHELL_DETAIL_MAX 40u /* bytes of the quoted token in an error line */
#define SHELL_JOB_MAX 999u   /* highest job number `kill` accepts */

enum shell_tok_kind {
	SHELL_TOK_WORD,	  /* printable ASCII run without blanks or punctuation */
	SHELL_TOK_STRING, /* "quoted", \" and \\ unescaped; may hold UTF-8 */
	SHELL_TOK_CAPREF, /* @name (text without the @) */
	SHELL_TOK_LBRACE,
	SHELL_TOK_RBRACE,
	SHELL_TOK_COLON,
	SHELL_TOK_COMMA,
};

struct shell_token {
	uint8_t kind;	  /* enum shell_tok_kind */
	uint8_t len;	  /* bytes of text, at most SHELL_TOKEN_MAX */
	uint16_t pos;	  /* offset of the token's first byte in the line */
	const char *text; /* NUL-terminated, inside the owning shell_tokens' buf */
};

struct shell_tokens {
	uint32_t count;
	struct shell_token tok[SHELL_TOKENS_MAX];
	char buf[SHELL_LINE_MAX + SHELL_TOKENS_MAX]; /* token texts, each NUL-terminated */
};

enum shell_cmd_id {
	SHELL_CMD_HELP,
	SHELL_CMD_LOGIN,
	SHELL_CMD_SETUP,
	SHELL_CMD_GUEST,
	SHELL_CMD_LOGOUT,
	SHELL_CMD_SESSION,
	SHELL_CMD_CAPS,
	SHELL_CMD_RUN,
	SHELL_CMD_SPAWN,
	SHELL_CMD_PS,
	SHELL_CMD_KILL,
	SHELL_CMD_ECHO,
	SHELL_CMD_MOTD,
	SHELL_CMD_SHUTDOWN,
	SHELL_CMD_EXIT,
	SHELL_CMD_COUNT
};

/* One entry of the command table. */
struct shell_cmd_desc {
	const char *name;  /* what the user types */
	uint8_t id;	   /* enum shell_cmd_id */
	uint8_t min_args;  /* words after the name (run/spawn: the binary; grants apart) */
	uint8_t max_args;  /* echo: SHELL_ARGS_MAX */
	const char *usage; /* one line: syntax */
	const char *help;  /* one line: what it does */
};

/* The command table, indexed by enum shell_cmd_id. */
extern const struct shell_cmd_desc shell_cmds[SHELL_CMD_COUNT];

enum shell_grant_kind {
	SHELL_GRANT_COPY,   /* name: @cap */
	SHELL_GRANT_CLIENT, /* name: client @ep */
};

struct shell_grant {
	char name[SHELL_NAME_MAX + 1]; /* the child-visible CapSet name */
	char cap[SHELL_NAME_MAX + 1];  /* the shell-side name after @ */
	uint8_t kind;		       /* enum shell_grant_kind */
};

/* A parsed line. */
struct shell_command {
	const struct shell_cmd_desc *cmd; /* NULL: the line was empty (nothing to do) */
	uint32_t nargs;
	const char *args[SHELL_ARGS_MAX];	     /* the argument texts (in the shell_tokens) */
	uint64_t number;			     /* kill: the job number */
	char binary[SHELL_BINARY_MAX + 1];	     /* run/spawn */
	uint32_t ngrants;			     /* run/spawn */
	struct shell_grant grants[SHELL_GRANTS_MAX]; /* run/spawn, in line order */
};

/* Why a line was refused: one line for the user, `<what>[ "detail"] (<code name>)`. */
struct shell_error {
	int code;			   /* CAPOS_ERR_SHELL_* */
	uint16_t pos;			   /* byte offset in the line it concerns */
	const char *what;		   /* static text */
	char detail[SHELL_DETAIL_MAX + 1]; /* the offending token, escaped; may be empty */
};

/* A cap the shell can name after @ in a grant. */
enum shell_ref_kind {
	SHELL_REF_HELD,	  /* a cap in its table (CapSet or session bundle): copied */
	SHELL_REF_SERVED, /* a raw endpoint it serves (e.g. stdio): granted as a facet */
};

struct shell_ref {
	const char *name;      /* what follows @ */
	uint32_t cap;	       /* the shell's cap id */
	uint64_t interface_id; /* held: its interface; served: the interface it serves */
	uint8_t kind;	       /* enum shell_ref_kind */
};

/*
 * Split line[0..len) into tokens in *tk. Blanks (space, tab) separate; `{ } : , ` are
 * tokens of their own; `"..."` is a string (escapes \" and \\ only; bytes >= 0x80
 * allowed inside); `@name` is a cap reference. Errors (in *err too, with the reason):
 * CAPOS_ERR_SHELL_BAD_LINE (len > SHELL_LINE_MAX, more than SHELL_TOKENS_MAX tokens, a
 * token over SHELL_TOKEN_MAX bytes, a control byte anywhere, a byte >= 0x80 outside
 * quotes, an unknown escape, a string without its closing quote), _GRANT_SYNTAX (`@`
 * without a name).
 */
int shell_tokenize(const char *line, size_t len, struct shell_tokens *tk, struct shell_error *err);

/*
 * Tokenize and parse one line into *out (texts point into *tk). An empty or blank line
 * is success with out->cmd NULL. Errors (in *err too): shell_tokenize's;
 * CAPOS_ERR_SHELL_UNKNOWN_COMMAND (first token not a command name; also `help X` of no
 * command X), _USAGE (argument count, an argument that is not a word or string, kill's
 * job number not 1..999); run/spawn: _GRANT_SYNTAX (binary, grant or cap name outside
 * [a-z0-9._-] or its bound, anything but `with { grant, ... }` after the binary, a
 * trailing comma, tokens after `}`, the line ending inside the braces, more than
 * SHELL_GRANTS_MAX grants), _GRANT_BADGE (`badge` after a cap), _GRANT_DUPLICATE (a
 * grant name repeats).
 */
int shell_parse(const char *line, size_t len, struct shell_tokens *tk, struct shell_command *out,
		struct shell_error *err);

/*
 * Resolve the grants of a parsed run/spawn against the shell's names refs[0..nrefs):
 * which[i] = the index in refs of grant i's cap. Errors (in *err too):
 * CAPOS_ERR_SHELL_GRANT_CAP (no ref of that name; `client` of a held cap; a plain copy
 * of an endpoint the shell serves: its raw endpoint never leaves the shell).
 */
int shell_grants_resolve(const struct shell_command *c, const struct shell_ref *refs,
			 uint32_t nrefs, uint32_t which[SHELL_GRANTS_MAX], struct shell_error *err);

/* The command table entry called `name` (NUL-terminated), or NULL. */
const struct shell_cmd_desc *shell_cmd_find(const char *name);

/* Whether s[0..len) is 1..max bytes of [a-z0-9._-] (the CapSet/manifest alphabet). */
bool shell_name_ok(const char *s, size_t len, size_t max);

#endif
