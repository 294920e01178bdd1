/*
 * Freestanding formatted output for the kernel (klog, panic) and host tools/tests.
 * A printf subset driven through a caller-supplied sink, so the formatter never
 * allocates and never knows where bytes go (serial port, buffer).
 *
 * Supported: flags `-` (left-justify), `0` (zero-pad), `#` (0x/0X prefix for x/X),
 * `+`, ` `; field width and precision as digits or `*`; length modifiers hh h l ll z t
 * j; conversions d i u x X o p s c %. Precision limits the bytes taken from a %s
 * argument (which then need not be NUL-terminated) and gives a minimum digit count for
 * integers. Widths and precisions are clamped to 4096. %p prints "0x" and 16 lowercase hex digits; a NULL %s prints "(null)".
 * Unknown conversions are copied to the output verbatim and make the call return
 * CAPOS_ERR_INVALID after the whole format has been processed.
 */
#ifndef FMT_FMT_H
#define FMT_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* Receives each piece of output, in order; `n` bytes at `s` (not NUL-terminated). */
typedef void fmt_sink_fn(void *ctx, const char *s, size_t n);

/*
 * Format `fmt` with `ap`, feeding the output to `sink(ctx, ...)`.
 * Returns the number of bytes produced (>= 0), or CAPOS_ERR_INVALID when `fmt`
 * contained an unsupported conversion (everything else was still emitted).
 */
int fmt_vformat(fmt_sink_fn *sink, void *ctx, const char *fmt, va_list ap);

/*
 * snprintf: writes at most `size` bytes including the NUL terminator (always
 * terminated when size > 0; `buf` may be NULL when size == 0). Returns the length the
 * full output has (so `ret >= size` means it was truncated), or CAPOS_ERR_INVALID as
 * fmt_vformat does.
 */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
