/*
 * Intrusive doubly-linked circular lists (Linux/BSD style): a `struct list_node`
 * embedded in each element, a `struct list` head. Used by the scheduler's run queues,
 * sleep and zombie lists and by process thread lists. No locking: callers hold
 * whatever protects the list (see each user's lock legend).
 */
#ifndef KERNEL_LIST_H
#define KERNEL_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list_node {
	struct list_node *next, *prev; /* both NULL when the node is on no list */
};

struct list {
	struct list_node head; /* sentinel */
};

#define LIST_ENTRY(node, type, member) ((type *)(void *)((char *)(node)-offsetof(type, member)))

static inline void list_init(struct list *l)
{
	l->head.next = l->head.prev = &l->head;
}

static inline bool list_empty(const struct list *l)
{
	return l->head.next == &l->head;
}

static inline bool list_node_linked(const struct list_node *n)
{
	return n->next != NULL;
}

/* Links n just before pos (pos may be the list's sentinel: then at the tail). The
 * neighbour is read once into a local: a store through one node pointer could alias
 * another node's field, so re-reading it would cost a load. */
static inline void list_insert_before(struct list_node *pos, struct list_node *n)
{
	struct list_node *prev = pos->prev;

	n->prev = prev;
	n->next = pos;
	prev->next = n;
	pos->prev = n;
}

static inline void list_push_back(struct list *l, struct list_node *n)
{
	list_insert_before(&l->head, n);
}

static inline void list_remove(struct list_node *n)
{
	struct list_node *next = n->next, *prev = n->prev;

	prev->next = next;
	next->prev = prev;
	n->next = n->prev = NULL;
}

/* First node or NULL; does not remove it. */
static inline struct list_node *list_first(const struct list *l)
{
	return list_empty(l) ? NULL : l->head.next;
}

static inline struct list_node *list_pop_front(struct list *l)
{
	struct list_node *n = list_first(l);

	if (n)
		list_remove(n);
	return n;
}

#define LIST_FOR_EACH_SAFE(n, tmp, l)                                                              \
	for ((n) = (l)->head.next, (tmp) = (n)->next; (n) != &(l)->head;                           \
	     (n) = (tmp), (tmp) = (n)->next)

#endif
