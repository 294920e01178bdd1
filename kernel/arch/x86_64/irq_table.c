/*
 * Interrupt handler table (arch/irq_table.h). Pure: no asm, no globals; host-tested by
 * tests/host/kboot/irq_table_test.c.
 */
#include <arch/irq_table.h>

#include <capos/error.h>

int irq_table_register(struct irq_table *t, unsigned vector, arch_irq_handler_fn *fn)
{
	if (vector < IRQ_VECTOR_FIRST || vector > IRQ_VECTOR_LAST)
		return CAPOS_ERR_OUT_OF_RANGE;
	if (fn == NULL)
		return CAPOS_ERR_INVALID;
	if (t->handler[vector] != NULL)
		return CAPOS_ERR_EXISTS;
	t->handler[vector] = fn;
	return CAPOS_OK;
}

arch_irq_handler_fn *irq_table_lookup(const struct irq_table *t, unsigned vector)
{
	if (vector < IRQ_VECTOR_FIRST || vector > IRQ_VECTOR_LAST)
		return NULL;
	return t->handler[vector];
}
