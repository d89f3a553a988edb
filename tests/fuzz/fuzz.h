/*
 * fuzz.h - shared by the libFuzzer targets in tests/fuzz/.
 *
 * A target asserts invariants, not only "no crash": FUZZ_CHECK prints the
 * broken invariant with hrdex's last error and aborts, which libFuzzer
 * reports as a crash and saves the input for.
 */
#ifndef HRDEX_FUZZ_H
#define HRDEX_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond, what)                                                            \
	do {                                                                              \
		if (!(cond)) {                                                            \
			fprintf(stderr, "%s:%d: invariant broken: %s (last error: %s)\n", \
				__FILE__, __LINE__, (what), hrdex_error_message());       \
			abort();                                                          \
		}                                                                         \
	} while (0)

/* Setup that must not fail (keys, registries): abort with the reason. */
#define FUZZ_SETUP(call)                                                                  \
	do {                                                                              \
		if ((call) < 0) {                                                         \
			fprintf(stderr, "%s:%d: setup failed: %s: %s\n", __FILE__,         \
				__LINE__, #call, hrdex_error_message());                  \
			abort();                                                          \
		}                                                                         \
	} while (0)

#endif
