/*
 * Implementation of lib/include/fmt/fmt.h: a printf subset for the kernel and host
 * tests. Pure (no I/O, no allocation, no global state): the caller's sink receives
 * every byte. Parsing is split from rendering: parse_spec() decodes one conversion
 * specification into struct fmt_spec, fetch_*() pull the argument, emit_*() render.
 */
#include <fmt/fmt.h>

#include <capos/error.h>
#include <stdbool.h>
#include <stdint.h>

/* Widths and precisions above this are clamped (a hostile format cannot spin). */
#define FMT_MAX_COUNT 4096

enum fmt_len { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE, LEN_PTRDIFF, LEN_MAX };

struct fmt_spec {
	bool left;  /* '-': pad on the right */
	bool zero;  /* '0': pad numbers with zeros */
	bool alt;   /* '#': 0x prefix for x/X, leading 0 for o */
	bool plus;  /* '+': sign on non-negative numbers */
	bool space; /* ' ': space on non-negative numbers */
	int width;  /* minimum field width; 0 = none */
	int prec;   /* precision; -1 = none */
	enum fmt_len len;
	char conv; /* conversion character; 0 if the format ended early */
};

struct fmt_out {
	fmt_sink_fn *sink;
	void *ctx;
	size_t count; /* bytes produced so far */
};

static void out_bytes(struct fmt_out *o, const char *s, size_t n)
{
	if (n == 0)
		return;
	o->sink(o->ctx, s, n);
	o->count += n;
}

static void out_repeat(struct fmt_out *o, char c, int n)
{
	char buf[16];
	for (int i = 0; i < (int)sizeof(buf); i++)
		buf[i] = c;
	while (n > 0) {
		int k = n < (int)sizeof(buf) ? n : (int)sizeof(buf);
		out_bytes(o, buf, (size_t)k);
		n -= k;
	}
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Reads a decimal count or '*'; clamps to +-FMT_MAX_COUNT so padding stays bounded. */
static int parse_count(const char **p, va_list *ap)
{
	int v = 0;
	if (**p == '*') {
		(*p)++;
		v = va_arg(*ap, int);
		if (v < -FMT_MAX_COUNT)
			v = -FMT_MAX_COUNT;
	} else {
		while (is_digit(**p)) {
			if (v <= FMT_MAX_COUNT)
				v = v * 10 + (**p - '0');
			(*p)++;
		}
	}
	return v > FMT_MAX_COUNT ? FMT_MAX_COUNT : v;
}

static void parse_flags(const char **p, struct fmt_spec *s)
{
	for (;; (*p)++) {
		switch (**p) {
		case '-':
			s->left = true;
			break;
		case '0':
			s->zero = true;
			break;
		case '#':
			s->alt = true;
			break;
		case '+':
			s->plus = true;
			break;
		case ' ':
			s->space = true;
			break;
		default:
			return;
		}
	}
}

static void parse_length(const char **p, struct fmt_spec *s)
{
	switch (**p) {
	case 'h':
		(*p)++;
		s->len = LEN_SHORT;
		if (**p == 'h') {
			(*p)++;
			s->len = LEN_CHAR;
		}
		break;
	case 'l':
		(*p)++;
		s->len = LEN_LONG;
		if (**p == 'l') {
			(*p)++;
			s->len = LEN_LLONG;
		}
		break;
	case 'z':
		(*p)++;
		s->len = LEN_SIZE;
		break;
	case 't':
		(*p)++;
		s->len = LEN_PTRDIFF;
		break;
	case 'j':
		(*p)++;
		s->len = LEN_MAX;
		break;
	default:
		break;
	}
}

/* Decodes the specification after '%'; *p ends after the conversion character. */
static void parse_spec(const char **p, struct fmt_spec *s, va_list *ap)
{
	*s = (struct fmt_spec){ .prec = -1, .len = LEN_INT };
	parse_flags(p, s);
	s->width = parse_count(p, ap);
	if (s->width < 0) {
		s->left = true;
		s->width = -s->width;
	}
	if (**p == '.') {
		(*p)++;
		s->prec = parse_count(p, ap);
		if (s->prec < 0)
			s->prec = -1;
	}
	parse_length(p, s);
	s->conv = **p;
	if (**p)
		(*p)++;
}

static uint64_t fetch_unsigned(const struct fmt_spec *s, va_list *ap)
{
	switch (s->len) {
	case LEN_CHAR:
		return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_SHORT:
		return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_LONG:
		return va_arg(*ap, unsigned long);
	case LEN_LLONG:
		return va_arg(*ap, unsigned long long);
	case LEN_SIZE:
		return va_arg(*ap, size_t);
	case LEN_PTRDIFF:
		return (uint64_t)va_arg(*ap, ptrdiff_t);
	case LEN_MAX:
		return va_arg(*ap, uintmax_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

static int64_t fetch_signed(const struct fmt_spec *s, va_list *ap)
{
	switch (s->len) {
	case LEN_CHAR:
		return (signed char)va_arg(*ap, int);
	case LEN_SHORT:
		return (short)va_arg(*ap, int);
	case LEN_LONG:
		return va_arg(*ap, long);
	case LEN_LLONG:
		return va_arg(*ap, long long);
	case LEN_SIZE:
		return (int64_t)va_arg(*ap, size_t);
	case LEN_PTRDIFF:
		return va_arg(*ap, ptrdiff_t);
	case LEN_MAX:
		return va_arg(*ap, intmax_t);
	default:
		return va_arg(*ap, int);
	}
}

/* Digits of v in `base`, written backwards into the end of buf; returns the count. */
static int render_digits(char *end, uint64_t v, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;
	do {
		*--end = digits[v % base];
		v /= base;
		n++;
	} while (v != 0);
	return n;
}

/*
 * Lays out [pad][sign/prefix][zeros][digits][pad] for one number. `prefix` is "-",
 * "+", " ", "0x", "0X", "0" or "".
 */
static void emit_number(struct fmt_out *o, const struct fmt_spec *s, uint64_t v, unsigned base,
			const char *prefix)
{
	char buf[24];
	int ndig = 0;
	if (!(s->prec == 0 && v == 0))
		ndig = render_digits(buf + sizeof(buf), v, base, s->conv == 'X');
	int plen = 0;
	while (prefix[plen])
		plen++;
	int zeros = s->prec > ndig ? s->prec - ndig : 0;
	int body = plen + zeros + ndig;
	int pad = s->width > body ? s->width - body : 0;
	if (s->zero && !s->left && s->prec < 0) {
		zeros += pad;
		pad = 0;
	}
	if (!s->left)
		out_repeat(o, ' ', pad);
	out_bytes(o, prefix, (size_t)plen);
	out_repeat(o, '0', zeros);
	out_bytes(o, buf + sizeof(buf) - ndig, (size_t)ndig);
	if (s->left)
		out_repeat(o, ' ', pad);
}

static void emit_signed(struct fmt_out *o, const struct fmt_spec *s, va_list *ap)
{
	int64_t v = fetch_signed(s, ap);
	uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	const char *prefix = v < 0 ? "-" : s->plus ? "+" : s->space ? " " : "";
	emit_number(o, s, mag, 10, prefix);
}

static void emit_unsigned(struct fmt_out *o, const struct fmt_spec *s, va_list *ap)
{
	uint64_t v = fetch_unsigned(s, ap);
	const char *prefix = "";
	unsigned base = 10;
	if (s->conv == 'x' || s->conv == 'X') {
		base = 16;
		if (s->alt && v != 0)
			prefix = s->conv == 'x' ? "0x" : "0X";
	} else if (s->conv == 'o') {
		base = 8;
		if (s->alt && v != 0)
			prefix = "0";
	}
	emit_number(o, s, v, base, prefix);
}

static void emit_pointer(struct fmt_out *o, const struct fmt_spec *s, va_list *ap)
{
	struct fmt_spec ps = *s;
	ps.prec = 16;
	ps.conv = 'x';
	ps.zero = false;
	emit_number(o, &ps, (uint64_t)(uintptr_t)va_arg(*ap, void *), 16, "0x");
}

static void emit_padded(struct fmt_out *o, const struct fmt_spec *s, const char *str, size_t n)
{
	int pad = s->width > (int)n ? s->width - (int)n : 0;
	if (!s->left)
		out_repeat(o, ' ', pad);
	out_bytes(o, str, n);
	if (s->left)
		out_repeat(o, ' ', pad);
}

static void emit_string(struct fmt_out *o, const struct fmt_spec *s, va_list *ap)
{
	const char *str = va_arg(*ap, const char *);
	if (str == NULL)
		str = "(null)";
	size_t n = 0;
	while ((s->prec < 0 || n < (size_t)s->prec) && str[n] != '\0')
		n++;
	emit_padded(o, s, str, n);
}

static void emit_char(struct fmt_out *o, const struct fmt_spec *s, va_list *ap)
{
	char c = (char)va_arg(*ap, int);
	emit_padded(o, s, &c, 1);
}

/* Renders one conversion; returns false if the conversion is unsupported. */
static bool emit_conversion(struct fmt_out *o, const struct fmt_spec *s, va_list *ap)
{
	switch (s->conv) {
	case 'd':
	case 'i':
		emit_signed(o, s, ap);
		return true;
	case 'u':
	case 'x':
	case 'X':
	case 'o':
		emit_unsigned(o, s, ap);
		return true;
	case 'p':
		emit_pointer(o, s, ap);
		return true;
	case 's':
		emit_string(o, s, ap);
		return true;
	case 'c':
		emit_char(o, s, ap);
		return true;
	case '%':
		out_bytes(o, "%", 1);
		return true;
	default:
		return false;
	}
}

int fmt_vformat(fmt_sink_fn *sink, void *ctx, const char *fmt, va_list ap)
{
	struct fmt_out o = { .sink = sink, .ctx = ctx, .count = 0 };
	bool bad = false;
	va_list args;
	va_copy(args, ap);
	const char *p = fmt;
	while (*p) {
		const char *lit = p;
		while (*p && *p != '%')
			p++;
		out_bytes(&o, lit, (size_t)(p - lit));
		if (!*p)
			break;
		const char *start = p++;
		struct fmt_spec spec;
		parse_spec(&p, &spec, &args);
		if (!emit_conversion(&o, &spec, &args)) {
			out_bytes(&o, start, (size_t)(p - start));
			bad = true;
		}
	}
	va_end(args);
	if (bad)
		return CAPOS_ERR_INVALID;
	return o.count > INT32_MAX ? INT32_MAX : (int)o.count;
}

struct fmt_buf {
	char *buf;
	size_t size; /* capacity including the terminator */
	size_t used; /* bytes stored, < size when size > 0 */
};

static void buf_sink(void *ctx, const char *s, size_t n)
{
	struct fmt_buf *b = ctx;
	if (b->size == 0)
		return;
	size_t room = b->size - 1 - b->used;
	size_t k = n < room ? n : room;
	for (size_t i = 0; i < k; i++)
		b->buf[b->used + i] = s[i];
	b->used += k;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_buf b = { .buf = buf, .size = size, .used = 0 };
	int r = fmt_vformat(buf_sink, &b, fmt, ap);
	if (size > 0)
		buf[b.used] = '\0';
	return r;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return r;
}
