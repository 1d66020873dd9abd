/*
 * pg_alloc.c
 *		The numeric core's allocation hooks, backed by palloc.
 *
 * Allocations land in CurrentMemoryContext, so the caller decides their
 * lifetime by choosing the context; huge allocations are allowed because a
 * parameter block or a training matrix can pass 1 GB.
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "core/mk_alloc.h"

void *
mk_alloc(size_t size)
{
	return palloc_extended(size, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
}

void
mk_free(void *ptr)
{
	if (ptr != NULL)
		pfree(ptr);
}

size_t
mk_mul_size(size_t a, size_t b)
{
	size_t		result = a * b;

	if (a != 0 && result / a != b)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("requested size overflows: %zu times %zu", a, b)));
	return result;
}
