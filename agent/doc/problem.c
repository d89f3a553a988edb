/*
 * problem.c - validation problem lists and JSON pointers (see problem.h).
 */
#include "problem.h"
#include "buf.h"
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hrdex_problems_add(struct hrdex_problems *p, const char *pointer, const char *keyword,
		       const char *fmt, ...)
{
	struct hrdex_problem *item;
	char message[1024];
	va_list ap;

	if (p->cap && p->count >= p->cap) {
		p->over++;
		return 0;
	}
	if (p->count == p->alloc) {
		size_t alloc = p->alloc ? p->alloc * 2 : 8;
		struct hrdex_problem *items = realloc(p->items, alloc * sizeof(*items));

		if (!items)
			return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
		p->items = items;
		p->alloc = alloc;
	}
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	item = &p->items[p->count];
	item->pointer = strdup(pointer ? pointer : "");
	item->keyword = strdup(keyword ? keyword : "");
	item->message = strdup(message);
	if (!item->pointer || !item->keyword || !item->message) {
		free(item->pointer);
		free(item->keyword);
		free(item->message);
		return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
	}
	p->count++;
	return 0;
}

int hrdex_problems_take(struct hrdex_problems *dst, struct hrdex_problems *src)
{
	size_t i;

	for (i = 0; i < src->count; i++) {
		if (dst->count == dst->alloc) {
			size_t alloc = dst->alloc ? dst->alloc * 2 : 8;
			struct hrdex_problem *items = realloc(dst->items, alloc * sizeof(*items));

			if (!items)
				return hrdex_error_set(HRDEX_E_INTERNAL, "out of memory");
			dst->items = items;
			dst->alloc = alloc;
		}
		dst->items[dst->count++] = src->items[i];
	}
	src->count = 0;
	return 0;
}

void hrdex_problems_truncate(struct hrdex_problems *p, size_t n)
{
	p->over = 0;
	while (p->count > n) {
		struct hrdex_problem *item = &p->items[--p->count];

		free(item->pointer);
		free(item->keyword);
		free(item->message);
	}
}

void hrdex_problems_free(struct hrdex_problems *p)
{
	hrdex_problems_truncate(p, 0);
	free(p->items);
	p->items = NULL;
	p->alloc = 0;
}

char *hrdex_pointer_append(const char *pointer, const char *token)
{
	struct hrdex_buf b = HRDEX_BUF_INIT;
	const char *s;

	if (hrdex_buf_puts(&b, pointer ? pointer : "") < 0 || hrdex_buf_putc(&b, '/') < 0)
		goto fail;
	for (s = token; *s; s++) {
		int r;

		if (*s == '~')
			r = hrdex_buf_puts(&b, "~0");
		else if (*s == '/')
			r = hrdex_buf_puts(&b, "~1");
		else
			r = hrdex_buf_putc(&b, *s);
		if (r < 0)
			goto fail;
	}
	return hrdex_buf_detach(&b);
fail:
	hrdex_buf_free(&b);
	return NULL;
}

char *hrdex_pointer_append_index(const char *pointer, size_t index)
{
	char token[32];

	snprintf(token, sizeof(token), "%zu", index); /* fits: a number */
	return hrdex_pointer_append(pointer, token);
}
