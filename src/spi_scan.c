/*
 * spi_scan.c
 *		Streaming a query's rows through SPI in batches.
 *
 * Training and evaluation read relations far larger than memory should hold
 * at once, so both fetch through a cursor and keep only what they derive.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "spi_scan.h"

void
ScanQuery(const char *sql, int batch_rows, BatchConsumer consume, void *arg)
{
	MemoryContext caller = CurrentMemoryContext;
	SPIPlanPtr	plan;
	Portal		portal;

	SPI_connect();
	plan = SPI_prepare(sql, 0, NULL);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
	portal = SPI_cursor_open(NULL, plan, NULL, NULL, true);
	for (;;)
	{
		MemoryContext spi = CurrentMemoryContext;

		CHECK_FOR_INTERRUPTS();
		SPI_cursor_fetch(portal, true, batch_rows);
		if (SPI_processed == 0)
			break;
		MemoryContextSwitchTo(caller);
		consume(arg, SPI_tuptable, SPI_processed);
		MemoryContextSwitchTo(spi);
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	SPI_finish();
}

char *
QualifiedRelationName(Oid relid)
{
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  get_rel_name(relid));
}
