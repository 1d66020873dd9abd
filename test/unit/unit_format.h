/*
 * unit_format.h
 *		Byte-level helpers shared by the tests of the model format
 *		(test_format.c, test_format_text.c).
 */
#ifndef MK_UNIT_FORMAT_H
#define MK_UNIT_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"

/* Where the header fields sit (see src/model/format.c). */
#define VERSION_AT		8
#define TASK_AT			12
#define LENGTH_AT		16
#define HEADER_BYTES	20

/* True when every byte of a model struct is zero. */
extern bool model_is_zero(const MkModel *m);

/* Reads len bytes, expecting failure; returns whether it failed cleanly. */
extern bool read_fails(const uint8_t *buf, size_t len, char *err,
					   size_t errlen);

/* Checks that reading buf fails with a message containing want. */
extern void expect_error(const uint8_t *buf, size_t len, const char *want,
						 const char *what);

/* Stores v little-endian at p. */
extern void put_le32(uint8_t *p, uint32_t v);

/* Loads a little-endian uint32 from p. */
extern uint32_t get_le32(const uint8_t *p);

/* Sets the length field to len and recomputes the trailing CRC-32C. */
extern void reseal(uint8_t *buf, size_t len);

/* Offset of the first occurrence of needle in buf, or -1. */
extern long find_bytes(const uint8_t *buf, size_t len, const void *needle,
					   size_t n);

/*
 * Offset of the first byte after the name of section name (its uint16
 * length and its bytes), which must exist.
 */
extern size_t section_at(const uint8_t *buf, size_t len, const char *name);

#endif							/* MK_UNIT_FORMAT_H */
