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

/** invt_list_init() - make @h an empty list (or an unlinked node). @h: the head. */
static inline void invt_list_init(struct invt_list *h)
{
	h->next = h;
	h->prev = h;
}

/**
 * invt_list_empty() - whether a list has no element.
 * @h: the head.
 *
 * Return: true when empty.
 */
static inline bool invt_list_empty(const struct invt_list *h)
{
	return h->next == h;
}

/**
 * invt_list_add_tail() - append a node.
 * @n: the node, not on any list.
 * @h: the head.
 */
static inline void invt_list_add_tail(struct invt_list *n, struct invt_list *h)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}

/** invt_list_del() - unlink a node and leave it empty. @n: the node. */
static inline void invt_list_del(struct invt_list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	invt_list_init(n);
}

/* invt_list_for_each() - @pos walks every node of @head (no removal while walking). */
#define invt_list_for_each(pos, head) for (pos = (head)->next; pos != (head); pos = pos->next)

#endif /* INVTRACK_LIST_H */
