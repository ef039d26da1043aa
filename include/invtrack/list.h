/* SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause */
/*
 * invtrack/list.h - circular doubly linked list (the kernel's list_head).
 */
#ifndef INVTRACK_LIST_H
#define INVTRACK_LIST_H

#include <stdbool.h>

/**
 * struct invt_list - a list head, or a node embedded in an element.
 * @next: next node (the head itself at the end).
 * @prev: previous node.
 */
struct invt_list {
	struct invt_list *next, *prev;
};

static inline void invt_list_init(struct invt_list *h)
{
	h->next = h;
	h->prev = h;
}

static inline bool invt_list_empty(const struct invt_list *h)
{
	return h->next == h;
}

static inline void invt_list_add_tail(struct invt_list *n, struct invt_list *h)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}

static inline void invt_list_del(struct invt_list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	invt_list_init(n);
}

#define invt_list_for_each(pos, head) for (pos = (head)->next; pos != (head); pos = pos->next)

#endif /* INVTRACK_LIST_H */
