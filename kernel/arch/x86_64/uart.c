/*
 * 16550 UART driver for the two PC serial ports: COM1 (0x3F8) carries the kernel log,
 * COM2 (0x2F8) is the user terminal (initialised here; the Console capability writes to it).
 * Polled transmit only, 115200 8N1, FIFOs on, no interrupts. Relies on port I/O only,
 * so it works from the first instruction of kmain, before memory management.
 */
#include <arch/io.h>
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

/* Bound on polls of LSR before dropping a byte (a stuck or absent UART). */
#define UART_TX_SPINS 100000

struct uart {
	uint16_t base; /* I/O port base */
	bool present;  /* passed the loopback probe in uart_init() */
};

static struct uart com1 = { .base = COM1_BASE };
static struct uart com2 = { .base = COM2_BASE };

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
