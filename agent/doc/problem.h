/*
 * problem.h - a list of validation problems, each naming a JSON pointer.
 *
 * Validation does not stop at the first problem: users fix a document in one
 * go when every problem is listed.  A cap bounds the list (schema_check.c keeps
 * the first HRDEX_PROBLEMS_SHOWN of a document, then says how many more), so
 * a hostile document with a million bad items costs no million messages.  Printing is "FILE: POINTER: MESSAGE".
 */
#ifndef HRDEX_PROBLEM_H
#define HRDEX_PROBLEM_H

#include <stddef.h>

struct hrdex_problem {
	char *pointer;  /* JSON pointer into the instance, "" for the root */
	char *keyword;  /* schema keyword or check that failed, e.g. "required" */
	char *message;  /* lowercase, no final period */
};

struct hrdex_problems {
	struct hrdex_problem *items;
	size_t count;
	size_t alloc;
	size_t cap;    /* when not 0: hrdex_problems_add() keeps at most cap items... */
	size_t over;   /* ...and counts the others here */
};

#define HRDEX_PROBLEMS_INIT { NULL, 0, 0, 0, 0 }
#define HRDEX_PROBLEMS_SHOWN 100

int hrdex_problems_add(struct hrdex_problems *p, const char *pointer, const char *keyword,
		       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Move every problem of src to the end of dst; src is left empty. */
int hrdex_problems_take(struct hrdex_problems *dst, struct hrdex_problems *src);
/* Drop problems from index n on (and forget those counted in over). */
void hrdex_problems_truncate(struct hrdex_problems *p, size_t n);
void hrdex_problems_free(struct hrdex_problems *p);

/* Append a JSON-pointer token (escaping '~' and '/') to pointer, caller frees. */
char *hrdex_pointer_append(const char *pointer, const char *token);
char *hrdex_pointer_append_index(const char *pointer, size_t index);

#endif
