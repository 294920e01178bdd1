/*
 * Kernel command-line lookup. The command line is a string of words separated by
 * spaces or tabs; a word is either a flag (`key`) or a setting (`key=value`). There
 * is no quoting. When a key appears more than once the LAST occurrence wins, so a
 * later word overrides an earlier default. Keys match whole words exactly
 * (`selftest` does not match `selftests=1`). Pure functions over a NUL-terminated
 * string (kernel/boot/cmdline.c); they never modify it. Owned by kmem.
 */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A found word: value points into the command line (not NUL-terminated). */
struct cmdline_value {
	const char *value; /* after '='; NULL for a bare flag */
	size_t len;	   /* bytes of value; 0 for a flag or an empty value */
};

/*
 * Finds the last word `key` or `key=...` in cmdline.
 * Errors: CAPOS_ERR_NOT_FOUND; CAPOS_ERR_INVALID (key empty or containing '=',
 * space or tab).
 */
int cmdline_find(const char *cmdline, const char *key, struct cmdline_value *out);

/* True if `key` appears as a word (flag or with any value). */
bool cmdline_has(const char *cmdline, const char *key);

/*
 * Copies the value of `key=value` into buf (NUL-terminated).
 * Errors: CAPOS_ERR_NOT_FOUND (absent, or present only as a bare flag),
 * CAPOS_ERR_INVALID (bad key), CAPOS_ERR_BUFFER_TOO_SMALL (value + NUL > cap).
 */
int cmdline_get_str(const char *cmdline, const char *key, char *buf, size_t cap);

/*
 * Parses the value of `key=value` as an unsigned integer (decimal, or hex with
 * 0x). Errors: CAPOS_ERR_NOT_FOUND, CAPOS_ERR_INVALID (empty value, bad digit),
 * CAPOS_ERR_OVERFLOW (does not fit in 64 bits).
 */
int cmdline_get_u64(const char *cmdline, const char *key, uint64_t *out);

/* True if `key=value` is present with exactly this value (last occurrence). */
bool cmdline_value_is(const char *cmdline, const char *key, const char *value);

#endif
