/*
 * buf.h - a growable byte buffer, always NUL-terminated.
 *
 * Every buffer has a ceiling (HRDEX_BUF_MAX unless set lower) so that no
 * input, from a file or a peer, can make it grow without bound.
 */
#ifndef HRDEX_BUF_H
#define HRDEX_BUF_H

#include <stddef.h>

#define HRDEX_BUF_MAX ((size_t)1 << 30)

struct hrdex_buf {
	char *ptr;     /* NUL-terminated; NULL until the first append */
	size_t len;    /* bytes used, without the NUL */
	size_t alloc;  /* bytes allocated */
	size_t max;    /* 0 means HRDEX_BUF_MAX */
};

#define HRDEX_BUF_INIT { NULL, 0, 0, 0 }

int hrdex_buf_grow(struct hrdex_buf *b, size_t extra);
int hrdex_buf_put(struct hrdex_buf *b, const void *data, size_t len);
int hrdex_buf_puts(struct hrdex_buf *b, const char *s);
int hrdex_buf_putc(struct hrdex_buf *b, char c);
int hrdex_buf_printf(struct hrdex_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* snprintf into a fixed buffer where the text must be exact (a path, a ref,
 * a config key, a name): 0, or -1 with "name too long: 'START...'" (kind
 * invalid) when it does not fit; a cut name is never used as another one. */
int hrdex_fmt(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* snprintf for text only people read (a message, a reason, a caption): when
 * it does not fit it ends in "..." so the cut shows.  Never fails. */
void hrdex_fmt_cut(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

void hrdex_buf_clear(struct hrdex_buf *b);   /* len = 0, keeps memory */
char *hrdex_buf_detach(struct hrdex_buf *b); /* caller frees; never NULL on success */
void hrdex_buf_free(struct hrdex_buf *b);

#endif
