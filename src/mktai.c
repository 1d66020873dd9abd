/*
 * mktai.c
 *		Module entry point: the magic block and the GUCs.
 *
 * OpenBLAS threads.  A backend is one process serving one session, and a
 * server runs many of them, so BLAS work defaults to the calling thread
 * (mktai.blas_threads = 1): no idle pool per backend, no oversubscription
 * of the cores the other backends need.  A user may raise it for a large
 * training run in one session.  No PostgreSQL code runs inside a BLAS call
 * (signal handlers only set flags that CHECK_FOR_INTERRUPTS reads between
 * calls), so an ERROR never leaves BLAS half-way; and OpenBLAS re-creates
 * its pool after fork(), so preloading the library in the postmaster is safe.
 */
#include "postgres.h"

#include <cblas.h>

#include "fmgr.h"
#include "utils/guc.h"

#include "mktai.h"

PG_MODULE_MAGIC;

int			mktai_blas_threads = 1;

void		_PG_init(void);

/* Applies mktai.blas_threads to OpenBLAS whenever it changes. */
static void
assign_blas_threads(int newval, void *extra)
{
	openblas_set_num_threads(newval);
}

void
_PG_init(void)
{
	DefineCustomIntVariable("mktai.blas_threads",
							"Sets the number of threads OpenBLAS may use in "
							"this backend.",
							"1 keeps all dense math in the backend's own thread.",
							&mktai_blas_threads,
							1, 1, 64,
							PGC_USERSET, 0,
							NULL, assign_blas_threads, NULL);

#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("mktai");
#else
	EmitWarningsOnPlaceholders("mktai");
#endif

	openblas_set_num_threads(mktai_blas_threads);
}
