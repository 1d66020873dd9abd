/*
 * unit_format.c
 *		Byte-level helpers for the tests of the model format: reading bytes
 *		that must fail, finding sections, and re-sealing corrupted bytes
 *		with a fresh checksum so that the checks behind it are reached.
 *
 * c.h comes first, and only for pg_crc32c.
 */
#include "c.h"

#include <stdio.h>
#include <string.h>

#include "port/pg_crc32c.h"

#include "unit.h"
#include "unit_format.h"

/* True when every byte of a model struct is zero. */
bool
model_is_zero(const MkModel *m)
{
	const unsigned char *p = (const unsigned char *) m;
	size_t		i;

	for (i = 0; i < sizeof(*m); i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* Reads len bytes, expecting failure; returns whether it failed cleanly. */
bool
read_fails(const uint8_t *buf, size_t len, char *err, size_t errlen)
{
	MkModel		m;

	if (mk_model_read(buf, len, &m, err, errlen))
	{
		mk_model_free(&m);
		return false;
	}
	return err[0] != '\0' && model_is_zero(&m);
}

/* Checks that reading buf fails with a message containing want. */
void
expect_error(const uint8_t *buf, size_t len, const char *want,
			 const char *what)
{
	char		err[256];
	bool		ok = read_fails(buf, len, err, sizeof(err)) &&
		strstr(err, want) != NULL;

	unit_check(ok, "format: %s is rejected", what);
	if (!ok)
		printf("#   got \"%s\", want \"%s\"\n", err, want);
}

/* Stores v little-endian at p. */
void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t) v;
	p[1] = (uint8_t) (v >> 8);
	p[2] = (uint8_t) (v >> 16);
	p[3] = (uint8_t) (v >> 24);
}

/* Loads a little-endian uint32 from p. */
uint32_t
get_le32(const uint8_t *p)
{
	return (uint32_t) p[0] | (uint32_t) p[1] << 8 |
		(uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

/* Sets the length field to len and recomputes the trailing CRC-32C. */
void
reseal(uint8_t *buf, size_t len)
{
	pg_crc32c	crc;

	put_le32(buf + LENGTH_AT, (uint32_t) len);
	INIT_CRC32C(crc);
	COMP_CRC32C(crc, buf, len - 4);
	FIN_CRC32C(crc);
	put_le32(buf + len - 4, crc);
}

/* Offset of the first occurrence of needle in buf, or -1. */
long
find_bytes(const uint8_t *buf, size_t len, const void *needle, size_t n)
{
	size_t		i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(buf + i, needle, n) == 0)
			return (long) i;
	return -1;
}

/*
 * Offset of the first byte after the name of section name (its uint16
 * length and its bytes), which must exist.
 */
size_t
section_at(const uint8_t *buf, size_t len, const char *name)
{
	uint8_t		needle[64];
	size_t		n = strlen(name);
	long		at;

	needle[0] = (uint8_t) n;
	needle[1] = 0;
	memcpy(needle + 2, name, n);
	at = find_bytes(buf, len, needle, n + 2);
	if (at < 0)
	{
		printf("# section \"%s\" not found\n", name);
		abort();
	}
	return (size_t) at + n + 2;
}
