/*
 * unit_alloc.c
 *		The numeric core's allocation hooks for the unit tests: calloc and
 *		free, aborting with a message where the backend would raise an ERROR.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/mk_alloc.h"

/* Zeroed memory of size bytes (at least one); aborts when none is left. */
void *
mk_alloc(size_t size)
{
	void	   *ptr = calloc(1, size > 0 ? size : 1);

	if (ptr == NULL)
	{
		fprintf(stderr, "mk_alloc: out of memory allocating %zu bytes\n",
				size);
		abort();
	}
	return ptr;
}

/* Releases memory from mk_alloc; NULL is allowed. */
void
mk_free(void *ptr)
{
	free(ptr);
}

/* a * b, aborting when the product does not fit in size_t. */
size_t
mk_mul_size(size_t a, size_t b)
{
	if (a != 0 && b > SIZE_MAX / a)
	{
		fprintf(stderr, "mk_mul_size: %zu times %zu overflows\n", a, b);
		abort();
	}
	return a * b;
}
