/*
 * codec.h
 *		A byte cursor for the model format: a growable writer and a
 *		bounds-checked reader of little-endian numbers, strings and blobs.
 *
 * Every number is stored little-endian whatever the host; an int32 is the
 * uint32 of the same bits, a float by its bits, a float64 as two uint32s,
 * low word first.  A string is a uint16 length and that many bytes, none
 * of them NUL.
 *
 * The writer grows by doubling through mk_alloc.  The reader never reads
 * past the bytes it was given: each call checks what is left first, and on
 * failure writes a message into the caller's buffer and returns false, so
 * a run of reads chains in one condition.
 *
 * Include c.h before this file, for pg_attribute_printf; nothing here
 * needs the backend.
 */
#ifndef MK_CODEC_H
#define MK_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* An output buffer that grows by doubling. */
typedef struct MkWriter
{
	uint8_t    *buf;
	size_t		len;
	size_t		cap;
} MkWriter;

/*
 * A bounded view of the input.  section names the blob being decoded, for
 * messages (NULL for the section list); the error buffer is the caller's.
 */
typedef struct MkReader
{
	const uint8_t *p;
	size_t		left;
	const char *section;
	char	   *errbuf;
	size_t		errlen;
} MkReader;

/* Stores v little-endian at p. */
static inline void
mk_put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t) v;
	p[1] = (uint8_t) (v >> 8);
	p[2] = (uint8_t) (v >> 16);
	p[3] = (uint8_t) (v >> 24);
}

/* Loads a little-endian uint32 from p. */
static inline uint32_t
mk_get_u32(const uint8_t *p)
{
	return (uint32_t) p[0] | (uint32_t) p[1] << 8 |
		(uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

/* Loads a little-endian float32 from p. */
static inline float
mk_get_f32(const uint8_t *p)
{
	uint32_t	bits = mk_get_u32(p);
	float		v;

	memcpy(&v, &bits, sizeof(v));
	return v;
}

/* CRC-32C of len bytes. */
extern uint32_t mk_crc32c(const uint8_t *data, size_t len);

/* Makes room for n more bytes. */
extern void mk_wr_reserve(MkWriter *w, size_t n);

/* Appends n raw bytes. */
extern void mk_wr_bytes(MkWriter *w, const void *bytes, size_t n);

/* Append one byte, a uint32, an int32, a float32 and a float64. */
extern void mk_wr_u8(MkWriter *w, uint8_t v);
extern void mk_wr_u32(MkWriter *w, uint32_t v);
extern void mk_wr_i32(MkWriter *w, int32_t v);
extern void mk_wr_f32(MkWriter *w, float v);
extern void mk_wr_f32s(MkWriter *w, const float *v, size_t n);
extern void mk_wr_f64(MkWriter *w, double v);

/* Appends a string: uint16 length, then bytes (mk_model_check bounds it). */
extern void mk_wr_string(MkWriter *w, const char *s);

/* Records a message in the caller's buffer; returns false for chaining. */
extern bool mk_rd_fail(MkReader *r, const char *fmt,...)
			pg_attribute_printf(2, 3);

/* Fails for a read past the end of the current section or of the model. */
extern bool mk_rd_truncated(MkReader *r);

/* Takes the next n bytes, pointing *out at them (at NULL on failure). */
extern bool mk_rd_take(MkReader *r, size_t n, const uint8_t **out);

/* Read one byte, a uint16, a uint32, an int32, a float32 and a float64. */
extern bool mk_rd_u8(MkReader *r, uint8_t *v);
extern bool mk_rd_u16(MkReader *r, uint16_t *v);
extern bool mk_rd_u32(MkReader *r, uint32_t *v);
extern bool mk_rd_i32(MkReader *r, int32_t *v);
extern bool mk_rd_f32(MkReader *r, float *v);
extern bool mk_rd_f64(MkReader *r, double *v);

/*
 * Reads a count of items that each take at least min_bytes, failing when
 * the bytes left cannot hold that many: this bounds every allocation by
 * the input's size.
 */
extern bool mk_rd_count(MkReader *r, int32_t *n, size_t min_bytes);

/* Reads a string into a new NUL-terminated copy. */
extern bool mk_rd_string(MkReader *r, char **out);

/*
 * Reads n strings into a new array.  *out and *count are set before any
 * string is read, so a failure half-way leaves nothing mk_model_free misses.
 */
extern bool mk_rd_strings(MkReader *r, int32_t n, char ***out,
						  int32_t *count);

/* Reads a flag byte, which must be 0 or 1. */
extern bool mk_rd_flag(MkReader *r, bool *v);

/* Fails when a blob was not consumed to its last byte. */
extern bool mk_rd_blob_end(MkReader *r);

#endif							/* MK_CODEC_H */
