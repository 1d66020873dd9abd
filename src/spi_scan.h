/*
 * spi_scan.h
 *		Streaming a query's rows through SPI in batches.
 */
#ifndef MKTAI_SPI_SCAN_H
#define MKTAI_SPI_SCAN_H

#include "postgres.h"

#include "executor/spi.h"

/* Receives one batch of rows, running in the scan's caller's memory context. */
typedef void (*BatchConsumer) (void *arg, SPITupleTable *rows, uint64 count);

/*
 * Runs a read-only query in the caller's rights through a cursor, handing
 * batches of up to batch_rows rows to consume; checks for interrupts
 * between batches.
 */
extern void ScanQuery(const char *sql, int batch_rows, BatchConsumer consume,
					  void *arg);

/* "schema.relation", each part quoted as needed. */
extern char *QualifiedRelationName(Oid relid);

#endif							/* MKTAI_SPI_SCAN_H */
