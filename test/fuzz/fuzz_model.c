/*
 * fuzz_model.c
 *		libFuzzer target for mk_model_read().
 *
 * Each input is read twice: as given, which mostly exercises the magic,
 * version, length and checksum checks, and again with its length field and
 * checksum re-sealed, so that mutations reach the section parser and
 * mk_model_check().  Whatever the reader accepts must pass mk_model_check()
 * and write back to exactly the bytes it came from, because the format is
 * canonical; anything else aborts, which libFuzzer reports as a crash.
 *
 * Built and run by "make fuzz"; the corpus starts from test/fuzz/make_seeds.
 */
#include "c.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "port/pg_crc32c.h"

#include "core/mk_alloc.h"
#include "model/model.h"

/* Where the length field sits, and the bytes of the checksum. */
#define LENGTH_AT	16
#define CRC_BYTES	4

extern int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stores v little-endian at p. */
static void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t) v;
	p[1] = (uint8_t) (v >> 8);
	p[2] = (uint8_t) (v >> 16);
	p[3] = (uint8_t) (v >> 24);
}

/* Reports a broken property and stops, so that libFuzzer keeps the input. */
static void
fuzz_fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_model: %s%s%s\n", what,
			detail ? ": " : "", detail ? detail : "");
	abort();
}

/* Reads size bytes; what is accepted must be valid and write back as is. */
static void
check_read(const uint8_t *data, size_t size)
{
	MkModel		model;
	char		err[256];
	uint8_t    *again;
	size_t		len;

	if (!mk_model_read(data, size, &model, err, sizeof(err)))
	{
		if (err[0] == '\0')
			fuzz_fail("rejected without a message", NULL);
		return;
	}
	if (mk_model_check(&model) != NULL)
		fuzz_fail("accepted an invalid model", mk_model_check(&model));
	again = mk_model_write(&model, &len);
	if (again == NULL)
		fuzz_fail("cannot write back an accepted model", NULL);
	if (len != size || memcmp(again, data, size) != 0)
		fuzz_fail("written bytes differ from the bytes read", NULL);
	mk_free(again);
	mk_model_free(&model);
}

/* The fuzzing entry point. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t    *sealed;
	pg_crc32c	crc;

	check_read(data, size);

	if (size < LENGTH_AT + 4 + CRC_BYTES || size > UINT32_MAX)
		return 0;
	sealed = malloc(size);
	if (sealed == NULL)
		return 0;
	memcpy(sealed, data, size);
	put_le32(sealed + LENGTH_AT, (uint32_t) size);
	INIT_CRC32C(crc);
	COMP_CRC32C(crc, sealed, size - CRC_BYTES);
	FIN_CRC32C(crc);
	put_le32(sealed + size - CRC_BYTES, (uint32_t) crc);
	check_read(sealed, size);
	free(sealed);
	return 0;
}
