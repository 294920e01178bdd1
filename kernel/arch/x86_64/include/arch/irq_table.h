/*
 * Table of interrupt handlers by vector (pure data structure, host-tested). trap.c
 * owns the kernel's instance and consults it for vectors 32-255; arch_irq_register()
 * is its public face in kernel/arch.h.
 */
#ifndef ARCH_IRQ_TABLE_H
#define ARCH_IRQ_TABLE_H

#include <kernel/arch.h>

#define IRQ_VECTOR_FIRST 32 /* 0-31 are CPU exceptions */
#define IRQ_VECTOR_LAST 255

struct irq_table {
	arch_irq_handler_fn *handler[IRQ_VECTOR_LAST + 1]; /* NULL = unclaimed */
};

/*
 * Claim `vector` for `fn`. Errors: CAPOS_ERR_OUT_OF_RANGE (vector not in 32-255),
 * CAPOS_ERR_INVALID (fn NULL), CAPOS_ERR_EXISTS (already claimed; the table is
 * unchanged).
 */
int irq_table_register(struct irq_table *t, unsigned vector, arch_irq_handler_fn *fn);

/* Handler for `vector`, or NULL if unclaimed or out of range. */
arch_irq_handler_fn *irq_table_lookup(const struct irq_table *t, unsigned vector);

#endif
