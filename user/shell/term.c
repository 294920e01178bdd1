/*
 * capos-shell: the terminal (shell.h "term.c"), over libcapos's TerminalSession client
 * (libcapos/terminal.h). Output is TerminalSession.write of formatted text ("\n" sent
 * as "\r\n", as a serial terminal needs); input is one readLine in flight at a time,
 * submitted here and completed by the event loop (jobs.c). A hidden read's answer
 * buffer is wiped once its line is copied out.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <capos/error.h>
#include <schema/capos.capnp.h>

#include "shell.h"

#define SH_OUT_MAX 1024u /* bytes of one formatted print, before newline expansion */

static uint64_t term_rd_params[4];
static uint64_t term_rd_res[CAPOS_TERM_ANSWER_MAX / 8u];

int sh_term_write(const void *data, uint32_t len)
{
	return capos_term_write(sh.terminal, data, len);
}

void sh_printf(const char *fmt, ...)
{
	char text[SH_OUT_MAX];
	char out[2 * SH_OUT_MAX];
	uint32_t o = 0;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	for (uint32_t i = 0; n > 0 && i < (uint32_t)n && i < sizeof(text) - 1; i++) {
		if (text[i] == '\n')
			out[o++] = '\r';
		out[o++] = text[i];
	}
	if (o)
		(void)sh_term_write(out, o);
}

void sh_perror(const char *what, int status)
{
	sh_printf("%s: %s\n", what, capos_error_name(status));
}

int sh_term_submit(bool hidden)
{
	uint32_t plen = 0;
	int err;

	if (sh.term_pending)
		return hidden == sh.term_hidden ? CAPOS_OK : CAPOS_ERR_TERM_BUSY;
	err = capos_term_read_params(capos_TerminalSession_METHOD_readLine, hidden, term_rd_params,
				     sizeof(term_rd_params), &plen);
	if (err == 0)
		err = sh_submit(sh.terminal, capos_TerminalSession_TYPE_ID,
				capos_TerminalSession_METHOD_readLine, term_rd_params, plen,
				term_rd_res, sizeof(term_rd_res), SH_UD_TERM);
	if (err)
		return err;
	sh.term_pending = true;
	sh.term_hidden = hidden;
	return CAPOS_OK;
}

int sh_term_complete(const struct capos_cqe *cqe, struct capos_term_read *out)
{
	int err = cqe->status;

	memset(out, 0, sizeof(*out));
	sh.term_pending = false;
	if (err == CAPOS_ERR_RING_EXCEPTION)
		err = sh_exception(term_rd_res, cqe->result_len, NULL);
	if (err == 0)
		err = capos_term_read_decode(capos_TerminalSession_METHOD_readLine, term_rd_res,
					     cqe->result_len, out);
	if (sh.term_hidden)
		sh_wipe(term_rd_res, sizeof(term_rd_res));
	return err;
}
