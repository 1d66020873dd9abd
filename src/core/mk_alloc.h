/*
 * mk_alloc.h
 *		Allocation hooks of the numeric core.
 *
 * The core never calls malloc directly.  Inside a backend these map to
 * palloc in the current memory context (src/pg_alloc.c), so that a model
 * or a training run is freed with its context and an out-of-memory
 * condition becomes an ERROR; the unit tests and the fuzzer link a
 * malloc-based version instead (test/unit/unit_alloc.c).
 */
#ifndef MK_ALLOC_H
#define MK_ALLOC_H

#include <stddef.h>

/* Returns zeroed memory of the given size; never returns NULL. */
extern void *mk_alloc(size_t size);

/* Releases memory obtained from mk_alloc; NULL is allowed. */
extern void mk_free(void *ptr);

/*
 * Multiplies two sizes, failing (like an allocation failure) on overflow.
 * Every size computed from stored or user-supplied dimensions goes through it.
 */
extern size_t mk_mul_size(size_t a, size_t b);

#endif							/* MK_ALLOC_H */
