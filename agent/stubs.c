/*
 * stubs.c - TEMPORARY weak placeholders for modules being written in
 * parallel (sign.c, schema.c, json.c); the real definitions override these
 * at link time.  Deleted once every module has landed.
 */
#include "error.h"
#include "json.h"
#include "schema.h"
#include "sign.h"
#include "cache.h"

#include <stdlib.h>

#define STUB(ret) { return hrdex_error_set(HRDEX_EX_SOFTWARE, "not implemented yet"), ret; }
#define WEAK __attribute__((weak))
