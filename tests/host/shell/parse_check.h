/*
 * Invariants of the capos-shell parser's output (user/shell/parse.h), shared by the host
 * test and the fuzz target (tests/fuzz/shell_fuzz.c).
 */
#ifndef SHELL_PARSE_CHECK_H
#define SHELL_PARSE_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "parse.h"

/* The name table both drivers resolve against: held `console`, `timer`, `launcher`,
 * served `stdio`. */
extern const struct shell_ref shell_check_refs[];
extern const uint32_t shell_check_nrefs;

/*
 * Check one shell_parse(line, len, tk, cmd, err) that returned `rc`, then resolve its
 * grants against shell_check_refs and check that too: the status is 0 or a
 * CAPOS_ERR_SHELL_* code equal to err->code; a success holds only bounded tokens, a
 * command of the table with its argument count, valid unique grant names, a binary
 * name and a job number in range; a refusal has a reason and a printable, bounded
 * detail. Returns NULL, or what was violated.
 */
const char *shell_check_parse(size_t len, int rc, const struct shell_tokens *tk,
			      const struct shell_command *cmd, const struct shell_error *err);

#endif
