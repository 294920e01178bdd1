/*
 * Kernel command-line lookup (kernel/cmdline.h): splits the line into words on
 * spaces and tabs and matches `key` / `key=value` words. Pure C with no library
 * calls, so host tests compile it unchanged.
 */
#include <kernel/cmdline.h>

#include <capos/error.h>

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Length of key, or 0 if it is not a valid key. */
static size_t key_len(const char *key)
{
	size_t n = 0;

	if (!key)
		return 0;
	for (; key[n]; n++)
		if (key[n] == '=' || is_space(key[n]))
			return 0;
	return n;
}

/* Does the word at w (wlen bytes) match key? Sets *out on a match. */
static bool word_match(const char *w, size_t wlen, const char *key, size_t klen,
		       struct cmdline_value *out)
{
	if (wlen < klen)
		return false;
	for (size_t i = 0; i < klen; i++)
		if (w[i] != key[i])
			return false;
	if (wlen == klen) {
		*out = (struct cmdline_value){ NULL, 0 };
		return true;
	}
	if (w[klen] != '=')
		return false;
	*out = (struct cmdline_value){ w + klen + 1, wlen - klen - 1 };
	return true;
}

int cmdline_find(const char *cmdline, const char *key, struct cmdline_value *out)
{
	size_t klen = key_len(key);
	struct cmdline_value v;
	bool found = false;
	const char *p = cmdline;

	if (klen == 0)
		return CAPOS_ERR_INVALID;
	if (!p)
		return CAPOS_ERR_NOT_FOUND;
	/* Invariant: p is at a word boundary (start of line or after a space). */
	while (*p) {
		const char *w;

		while (is_space(*p))
			p++;
		w = p;
		while (*p && !is_space(*p))
			p++;
		if (p > w && word_match(w, (size_t)(p - w), key, klen, &v)) {
			*out = v;
			found = true;
		}
	}
	return found ? CAPOS_OK : CAPOS_ERR_NOT_FOUND;
}

bool cmdline_has(const char *cmdline, const char *key)
{
	struct cmdline_value v;

	return cmdline_find(cmdline, key, &v) == CAPOS_OK;
}

int cmdline_get_str(const char *cmdline, const char *key, char *buf, size_t cap)
{
	struct cmdline_value v;
	int err = cmdline_find(cmdline, key, &v);

	if (err)
		return err;
	if (!v.value)
		return CAPOS_ERR_NOT_FOUND;
	if (v.len + 1 > cap)
		return CAPOS_ERR_BUFFER_TOO_SMALL;
	for (size_t i = 0; i < v.len; i++)
		buf[i] = v.value[i];
	buf[v.len] = 0;
	return CAPOS_OK;
}

/* Value of one digit in `base`, or -1. */
static int digit_value(char c, unsigned base)
{
	int d = -1;

	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'f')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		d = c - 'A' + 10;
	return d >= 0 && (unsigned)d < base ? d : -1;
}

int cmdline_get_u64(const char *cmdline, const char *key, uint64_t *out)
{
	struct cmdline_value v;
	unsigned base = 10;
	uint64_t n = 0;
	size_t i = 0;
	int err = cmdline_find(cmdline, key, &v);

	if (err)
		return err;
	if (!v.value)
		return CAPOS_ERR_NOT_FOUND;
	if (v.len > 2 && v.value[0] == '0' && (v.value[1] == 'x' || v.value[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == v.len)
		return CAPOS_ERR_INVALID;
	for (; i < v.len; i++) {
		int d = digit_value(v.value[i], base);

		if (d < 0)
			return CAPOS_ERR_INVALID;
		if (n > (UINT64_MAX - (uint64_t)d) / base)
			return CAPOS_ERR_OVERFLOW;
		n = n * base + (uint64_t)d;
	}
	*out = n;
	return CAPOS_OK;
}

bool cmdline_value_is(const char *cmdline, const char *key, const char *value)
{
	struct cmdline_value v;
	size_t i;

	if (cmdline_find(cmdline, key, &v) != CAPOS_OK || !v.value || !value)
		return false;
	for (i = 0; i < v.len; i++)
		if (value[i] != v.value[i])
			return false;
	return value[i] == 0;
}
