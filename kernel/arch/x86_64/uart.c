/*
 * 16550 UART driver for the two PC serial ports: COM1 (0x3F8) carries the kernel log,
 * COM2 (0x2F8) is the user terminal (the Console and TerminalSession capabilities).
 * Transmit is polled, 115200 8N1, FIFOs on. Relies on port I/O only, so it works from
 * the first instruction of kmain, before memory management.
 *
 * COM2 receive is interrupt-driven (arch_terminal_rx_start): ISA IRQ 3 through the
 * IOAPIC (platform_isa_irq_route, MADT override honoured), the "received data
 * available" interrupt enabled. The handler drains the receive FIFO completely in
 * bursts of UART_RX_BURST bytes, handing each burst to the portable callback, and only
 * then signals EOI: the IOAPIC pin is edge-triggered, so the line must fall (FIFO
 * empty) for the next byte to raise a fresh edge. Interrupts are only ever taken in
 * user mode or in the idle loop (kernel code runs with them off), so the callback runs
 * in the same context as the timer tick.
 *
 * Lock legend: [I] set during boot / by arch_terminal_rx_start before the interrupt
 * is unmasked; [B] boot CPU, interrupts off.
 */
#include <arch/io.h>
#include <arch/platform.h>
#include <capos/error.h>
#include <kernel/arch.h>

#include <stdbool.h>

#define COM1_BASE 0x3F8
#define COM2_BASE 0x2F8

/* Register offsets from the base port. */
#define UART_DATA 0 /* THR/RBR; divisor low with DLAB */
#define UART_IER 1  /* interrupt enable; divisor high with DLAB */
#define UART_FCR 2  /* FIFO control */
#define UART_LCR 3  /* line control */
#define UART_MCR 4  /* modem control */
#define UART_LSR 5  /* line status */

#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define FCR_ENABLE_CLR 0x07 /* enable FIFOs, clear RX and TX */
#define MCR_DTR_RTS 0x03
#define MCR_LOOPBACK 0x10
#define LSR_THR_EMPTY 0x20
#define LSR_DATA_READY 0x01
#define IER_RX_DATA 0x01 /* interrupt on received data available */
#define MCR_OUT2 0x08	 /* gates the UART's interrupt line on PC boards */
#define COM2_ISA_IRQ 3

/* Bytes the receive handler reads before handing them on, and bursts per interrupt
 * (the bound keeps a stuck "data ready" bit from holding the CPU forever). */
#define UART_RX_BURST 64u
#define UART_RX_MAX_BURSTS 64u

/* Bound on polls of LSR before dropping a byte (a stuck or absent UART). */
#define UART_TX_SPINS 100000

struct uart {
	uint16_t base; /* I/O port base */
	bool present;  /* passed the loopback probe in uart_init() */
};

static struct uart com1 = { .base = COM1_BASE };
static struct uart com2 = { .base = COM2_BASE };
static arch_terminal_rx_fn *com2_rx; /* [I] */

/* Program 115200 8N1 and check the chip echoes a byte in loopback mode. */
static bool uart_init(struct uart *u)
{
	outb(u->base + UART_IER, 0x00);
	outb(u->base + UART_LCR, LCR_DLAB);
	outb(u->base + UART_DATA, 0x01); /* divisor 1: 115200 baud */
	outb(u->base + UART_IER, 0x00);
	outb(u->base + UART_LCR, LCR_8N1);
	outb(u->base + UART_FCR, FCR_ENABLE_CLR);
	outb(u->base + UART_MCR, MCR_LOOPBACK | MCR_DTR_RTS);
	outb(u->base + UART_DATA, 0xA5);
	u->present = inb(u->base + UART_DATA) == 0xA5;
	outb(u->base + UART_MCR, MCR_DTR_RTS);
	return u->present;
}

static void uart_putc(const struct uart *u, char c)
{
	for (int i = 0; i < UART_TX_SPINS; i++) {
		if (inb(u->base + UART_LSR) & LSR_THR_EMPTY)
			break;
		cpu_pause();
	}
	outb(u->base + UART_DATA, (uint8_t)c);
}

void arch_console_init(void)
{
	uart_init(&com1);
	uart_init(&com2);
}

void arch_console_write(const char *s, size_t n)
{
	/* Write even when the probe failed: some emulated UARTs lack loopback. */
	for (size_t i = 0; i < n; i++)
		uart_putc(&com1, s[i]);
}

void arch_terminal_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		uart_putc(&com2, s[i]);
}

bool arch_terminal_present(void)
{
	return com2.present;
}

/* COM2 "received data available": drain the FIFO in bursts, then EOI. */
static void uart_com2_irq(struct arch_trap_frame *tf)
{
	uint8_t buf[UART_RX_BURST];

	(void)tf;
	for (uint32_t b = 0; b < UART_RX_MAX_BURSTS; b++) {
		size_t n = 0;

		while (n < sizeof(buf) && (inb(com2.base + UART_LSR) & LSR_DATA_READY))
			buf[n++] = inb(com2.base + UART_DATA);
		if (n == 0)
			break;
		com2_rx(buf, n);
	}
	lapic_eoi();
}

int arch_terminal_rx_start(arch_terminal_rx_fn *fn, uint32_t *gsi)
{
	int err;

	if (fn == NULL)
		return CAPOS_ERR_INVALID;
	if (!com2.present)
		return CAPOS_ERR_TERM_NO_INPUT;
	if (com2_rx != NULL)
		return CAPOS_ERR_EXISTS;
	com2_rx = fn;
	err = platform_isa_irq_route(COM2_ISA_IRQ, uart_com2_irq, gsi);
	if (err != CAPOS_OK) {
		com2_rx = NULL;
		return err;
	}
	outb(com2.base + UART_MCR, MCR_DTR_RTS | MCR_OUT2);
	outb(com2.base + UART_IER, IER_RX_DATA); /* bytes already queued raise it at once */
	return CAPOS_OK;
}
