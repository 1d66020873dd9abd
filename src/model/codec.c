/*
 * codec.c
 *		The byte cursor under the model format: appends to a growable
 *		buffer, bounds-checked reads, and the CRC-32C.
 *
 * codec.h states the encoding.  Writes cannot fail short of an allocation
 * failure; reads fail with a message naming the section being decoded.
 *
 * c.h comes first, and only for pg_crc32c, which links from libpgport
 * outside the server too; nothing here needs the backend.
 */
#include "c.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "port/pg_crc32c.h"

#include "core/mk_alloc.h"
#include "model/codec.h"


/* ---------- checksum ---------- */

/* CRC-32C of len bytes. */
uint32_t
mk_crc32c(const uint8_t *data, size_t len)
{
	pg_crc32c	crc;

	INIT_CRC32C(crc);
	COMP_CRC32C(crc, data, len);
	FIN_CRC32C(crc);
	return (uint32_t) crc;
}


/* ---------- writer ---------- */

/* Makes room for n more bytes. */
void
mk_wr_reserve(MkWriter *w, size_t n)
{
	size_t		cap;
	uint8_t    *buf;

	if (n <= w->cap - w->len)
		return;
	cap = w->cap > 0 ? w->cap : 1024;
	while (cap - w->len < n)
		cap = mk_mul_size(cap, 2);
	buf = mk_alloc(cap);
	if (w->len > 0)
		memcpy(buf, w->buf, w->len);
	mk_free(w->buf);
	w->buf = buf;
	w->cap = cap;
}

/* Appends n raw bytes. */
void
mk_wr_bytes(MkWriter *w, const void *bytes, size_t n)
{
	mk_wr_reserve(w, n);
	if (n > 0)
		memcpy(w->buf + w->len, bytes, n);
	w->len += n;
}

/* Appends one byte. */
void
mk_wr_u8(MkWriter *w, uint8_t v)
{
	mk_wr_bytes(w, &v, 1);
}

/* Appends a little-endian uint32. */
void
mk_wr_u32(MkWriter *w, uint32_t v)
{
	mk_wr_reserve(w, 4);
	mk_put_u32(w->buf + w->len, v);
	w->len += 4;
}

/* Appends an int32 as the uint32 of the same bits. */
void
mk_wr_i32(MkWriter *w, int32_t v)
{
	uint32_t	bits;

	memcpy(&bits, &v, sizeof(bits));
	mk_wr_u32(w, bits);
}

/* Appends a float32 by its bits. */
void
mk_wr_f32(MkWriter *w, float v)
{
	uint32_t	bits;

	memcpy(&bits, &v, sizeof(bits));
	mk_wr_u32(w, bits);
}

/* Appends n float32s by their bits. */
void
mk_wr_f32s(MkWriter *w, const float *v, size_t n)
{
#ifdef WORDS_BIGENDIAN
	for (size_t i = 0; i < n; i++)
		mk_wr_f32(w, v[i]);
#else
	/* a little-endian host's floats are already the format's bytes */
	mk_wr_bytes(w, v, mk_mul_size(n, sizeof(float)));
#endif
}

/* Appends a float64 by its bits, low word first. */
void
mk_wr_f64(MkWriter *w, double v)
{
	uint64_t	bits;

	memcpy(&bits, &v, sizeof(bits));
	mk_wr_u32(w, (uint32_t) bits);
	mk_wr_u32(w, (uint32_t) (bits >> 32));
}

/* Appends a string: uint16 length, then bytes (mk_model_check bounds it). */
void
mk_wr_string(MkWriter *w, const char *s)
{
	size_t		len = strlen(s);

	mk_wr_u8(w, (uint8_t) len);
	mk_wr_u8(w, (uint8_t) (len >> 8));
	mk_wr_bytes(w, s, len);
}


/* ---------- reader ---------- */

/* Records a message in the caller's buffer; returns false for chaining. */
bool
mk_rd_fail(MkReader *r, const char *fmt,...)
{
	va_list		args;

	if (r->errbuf != NULL && r->errlen > 0)
	{
		va_start(args, fmt);
		vsnprintf(r->errbuf, r->errlen, fmt, args);
		va_end(args);
	}
	return false;
}

/* Fails for a read past the end of the current section or of the model. */
bool
mk_rd_truncated(MkReader *r)
{
	if (r->section != NULL)
		return mk_rd_fail(r, "truncated in section \"%s\"", r->section);
	return mk_rd_fail(r, "truncated in the section list");
}

/* Takes the next n bytes, pointing *out at them (at NULL on failure). */
bool
mk_rd_take(MkReader *r, size_t n, const uint8_t **out)
{
	if (n > r->left)
	{
		*out = NULL;
		return mk_rd_truncated(r);
	}
	*out = r->p;
	r->p += n;
	r->left -= n;
	return true;
}

/* Reads one byte. */
bool
mk_rd_u8(MkReader *r, uint8_t *v)
{
	const uint8_t *p;

	if (!mk_rd_take(r, 1, &p))
		return false;
	*v = p[0];
	return true;
}

/* Reads a little-endian uint16. */
bool
mk_rd_u16(MkReader *r, uint16_t *v)
{
	const uint8_t *p;

	if (!mk_rd_take(r, 2, &p))
		return false;
	*v = (uint16_t) (p[0] | p[1] << 8);
	return true;
}

/* Reads a little-endian uint32. */
bool
mk_rd_u32(MkReader *r, uint32_t *v)
{
	const uint8_t *p;

	if (!mk_rd_take(r, 4, &p))
		return false;
	*v = mk_get_u32(p);
	return true;
}

/* Reads an int32 stored as the uint32 of the same bits. */
bool
mk_rd_i32(MkReader *r, int32_t *v)
{
	uint32_t	bits;

	if (!mk_rd_u32(r, &bits))
		return false;
	memcpy(v, &bits, sizeof(*v));
	return true;
}

/* Reads a float32 by its bits. */
bool
mk_rd_f32(MkReader *r, float *v)
{
	const uint8_t *p;

	if (!mk_rd_take(r, 4, &p))
		return false;
	*v = mk_get_f32(p);
	return true;
}

/* Reads a float64 by its bits, low word first. */
bool
mk_rd_f64(MkReader *r, double *v)
{
	const uint8_t *p;
	uint64_t	bits;

	if (!mk_rd_take(r, 8, &p))
		return false;
	bits = (uint64_t) mk_get_u32(p) | (uint64_t) mk_get_u32(p + 4) << 32;
	memcpy(v, &bits, sizeof(*v));
	return true;
}

/*
 * Reads a count of items that each take at least min_bytes, failing when
 * the bytes left cannot hold that many: this bounds every allocation by
 * the input's size.
 */
bool
mk_rd_count(MkReader *r, int32_t *n, size_t min_bytes)
{
	uint32_t	v;

	if (!mk_rd_u32(r, &v))
		return false;
	if (v > r->left / min_bytes)
		return mk_rd_truncated(r);
	*n = (int32_t) v;			/* below 2^31: left is under 4 GB */
	return true;
}

/* Reads a string into a new NUL-terminated copy. */
bool
mk_rd_string(MkReader *r, char **out)
{
	uint16_t	len;
	const uint8_t *p;
	char	   *s;

	if (!mk_rd_u16(r, &len) || !mk_rd_take(r, len, &p))
		return false;
	if (memchr(p, '\0', len) != NULL)
		return mk_rd_fail(r, "NUL byte in a string in section \"%s\"",
						  r->section);
	s = mk_alloc((size_t) len + 1);
	memcpy(s, p, len);
	*out = s;
	return true;
}

/*
 * Reads n strings into a new array.  *out and *count are set before any
 * string is read, so a failure half-way leaves nothing mk_model_free misses.
 */
bool
mk_rd_strings(MkReader *r, int32_t n, char ***out, int32_t *count)
{
	char	  **arr;
	int32_t		i;

	if (n == 0)
		return true;
	arr = mk_alloc(mk_mul_size(n, sizeof(char *)));
	*out = arr;
	*count = n;
	for (i = 0; i < n; i++)
	{
		if (!mk_rd_string(r, &arr[i]))
			return false;
	}
	return true;
}

/* Reads a flag byte, which must be 0 or 1. */
bool
mk_rd_flag(MkReader *r, bool *v)
{
	uint8_t		b;

	if (!mk_rd_u8(r, &b))
		return false;
	if (b > 1)
		return mk_rd_fail(r, "flag byte %u in section \"%s\" is not 0 or 1",
						  (unsigned) b, r->section);
	*v = b == 1;
	return true;
}

/* Fails when a blob was not consumed to its last byte. */
bool
mk_rd_blob_end(MkReader *r)
{
	if (r->left != 0)
		return mk_rd_fail(r, "%zu bytes left over in section \"%s\"",
						  r->left, r->section);
	return true;
}
