/*
 * test_format.c
 *		Tests of the model format and of mk_model_check().
 *
 * A few small models are built by hand: binary and multi-class
 * classification and regression, over a numeric column with a NULL
 * indicator, a categorical column and a plain numeric column.  Each must
 * survive a round trip field for field and re-serialise to the same bytes.
 * Then the reader is attacked: every truncation, every single-bit flip,
 * foreign bytes, and targeted corruptions with the checksum recomputed, so
 * that the structural checks behind the CRC are reached; each must fail
 * cleanly with the expected message.  Last, mk_model_check() must reject
 * each invariant broken in turn.
 *
 * c.h comes first, and only for pg_crc32c, used to re-seal corrupted bytes.
 */
#include "c.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "port/pg_crc32c.h"

#include "core/mk_alloc.h"
#include "model/model.h"
#include "unit.h"

/* Where the header fields sit (see src/model/format.c). */
#define VERSION_AT		8
#define TASK_AT			12
#define LENGTH_AT		16
#define HEADER_BYTES	20

typedef enum TestKind
{
	TEST_BINARY,
	TEST_MULTI,
	TEST_REGRESSION
} TestKind;

static const char *const kind_names[] = {"binary", "multi-class", "regression"};

/* A copy of s in mk_alloc'd memory. */
static char *
dup_text(const char *s)
{
	size_t		n = strlen(s) + 1;
	char	   *d = mk_alloc(n);

	memcpy(d, s, n);
	return d;
}

/* An mk_alloc'd array of n copied texts. */
static char **
dup_texts(const char *const *texts, int n)
{
	char	  **arr = mk_alloc(n * sizeof(char *));
	int			i;

	for (i = 0; i < n; i++)
		arr[i] = dup_text(texts[i]);
	return arr;
}

/* Fills one column; offsets are set by the caller. */
static void
set_column(MkColumn *col, const char *name, MkColumnKind kind,
		   double mean, double scale, bool null_indicator)
{
	col->name = dup_text(name);
	col->kind = kind;
	col->mean = mean;
	col->scale = scale;
	col->null_indicator = null_indicator;
}

/*
 * Builds a valid model of the given kind, entirely mk_alloc'd so that
 * mk_model_free() releases it.  Features: "age" (numeric with a NULL slot,
 * 2), "color" (3 categories + NULL + unseen, 5), "income" (numeric, 1).
 */
static void
make_model(MkModel *m, TestKind kind)
{
	static const char *const colors[] = {"blue", "cyan", "pink"};
	static const char *const yes_no[] = {"false", "true"};
	static const char *const animals[] = {"ant", "bee", "cat"};
	MkPrep	   *prep = &m->prep;
	MkTarget   *target = &m->target;
	size_t		n;
	size_t		i;

	memset(m, 0, sizeof(*m));
	m->task = kind == TEST_REGRESSION ?
		MK_TASK_REGRESSION : MK_TASK_CLASSIFICATION;

	prep->n_columns = 3;
	prep->columns = mk_alloc(3 * sizeof(MkColumn));
	set_column(&prep->columns[0], "age", MK_COLUMN_NUMERIC, 41.5, 12.25, true);
	set_column(&prep->columns[1], "color", MK_COLUMN_CATEGORICAL, 0, 0, false);
	prep->columns[1].n_categories = 3;
	prep->columns[1].categories = dup_texts(colors, 3);
	set_column(&prep->columns[2], "income", MK_COLUMN_NUMERIC, -3e4, 1.5e4,
			   false);
	prep->columns[2].n_edges = 3;
	prep->columns[2].edges = mk_alloc(3 * sizeof(double));
	prep->columns[2].edges[0] = -4e4;
	prep->columns[2].edges[1] = -2.5e4;
	prep->columns[2].edges[2] = 1e3;
	prep->columns[0].offset = 0;
	prep->columns[1].offset = 2;
	prep->columns[2].offset = 7;
	prep->n_features = 12;

	m->mlp.sizes[0] = 12;
	m->mlp.dropout = 0.25f;
	switch (kind)
	{
		case TEST_BINARY:
			target->name = dup_text("churned");
			target->type = MK_LABEL_BOOL;
			target->n_classes = 2;
			target->classes = dup_texts(yes_no, 2);
			target->positive = 1;
			m->mlp.n_dense = 2;
			m->mlp.sizes[1] = 4;
			m->mlp.sizes[2] = 1;
			m->mlp.activation = MK_ACT_RELU;
			break;
		case TEST_MULTI:
			target->name = dup_text("species");
			target->type = MK_LABEL_TEXT;
			target->n_classes = 3;
			target->classes = dup_texts(animals, 3);
			m->mlp.n_dense = 1;
			m->mlp.sizes[1] = 3;
			m->mlp.activation = MK_ACT_TANH;
			break;
		case TEST_REGRESSION:
			target->name = dup_text("price");
			target->type = MK_LABEL_FLOAT;
			target->mean = 3.5;
			target->scale = 2.0;
			m->mlp.n_dense = 3;
			m->mlp.sizes[1] = 6;
			m->mlp.sizes[2] = 4;
			m->mlp.sizes[3] = 1;
			m->mlp.activation = MK_ACT_SIGMOID;
			break;
	}

	n = mk_mlp_num_params(&m->mlp);
	m->params = mk_alloc(n * sizeof(float));
	for (i = 0; i < n; i++)
		m->params[i] = (float) (sin(0.7 * (double) i) * 0.5);
	m->params[0] = -0.0f;		/* bits must survive, sign included */
	m->spec_json = dup_text("{\"hidden\": [4], \"epochs\": 10}");
	m->metrics_json = dup_text("{\"loss\": 0.125, \"note\": \"caf\xc3\xa9\"}");
}

/* Describes the first difference between two models, or NULL. */
static const char *
model_diff(const MkModel *a, const MkModel *b)
{
	int			i;
	int			c;

	if (a->task != b->task)
		return "task";
	if (a->prep.n_columns != b->prep.n_columns ||
		a->prep.n_features != b->prep.n_features)
		return "prep counts";
	for (i = 0; i < a->prep.n_columns; i++)
	{
		const MkColumn *x = &a->prep.columns[i];
		const MkColumn *y = &b->prep.columns[i];

		if (strcmp(x->name, y->name) != 0 || x->kind != y->kind ||
			x->offset != y->offset || x->mean != y->mean ||
			x->scale != y->scale || x->null_indicator != y->null_indicator ||
			x->n_categories != y->n_categories || x->n_edges != y->n_edges)
			return "column";
		for (c = 0; c < x->n_edges; c++)
			if (x->edges[c] != y->edges[c])
				return "bin edge";
		for (c = 0; c < x->n_categories; c++)
			if (strcmp(x->categories[c], y->categories[c]) != 0)
				return "category";
	}
	if (strcmp(a->target.name, b->target.name) != 0 ||
		a->target.type != b->target.type ||
		a->target.n_classes != b->target.n_classes ||
		a->target.positive != b->target.positive ||
		a->target.mean != b->target.mean ||
		a->target.scale != b->target.scale)
		return "target";
	for (c = 0; c < a->target.n_classes; c++)
		if (strcmp(a->target.classes[c], b->target.classes[c]) != 0)
			return "class";
	if (a->mlp.n_dense != b->mlp.n_dense ||
		a->mlp.activation != b->mlp.activation ||
		a->mlp.dropout != b->mlp.dropout)
		return "mlp";
	for (i = 0; i <= a->mlp.n_dense; i++)
		if (a->mlp.sizes[i] != b->mlp.sizes[i])
			return "mlp sizes";
	if (memcmp(a->params, b->params,
			   mk_mlp_num_params(&a->mlp) * sizeof(float)) != 0)
		return "params";
	if (strcmp(a->spec_json, b->spec_json) != 0)
		return "spec";
	if (strcmp(a->metrics_json, b->metrics_json) != 0)
		return "metrics";
	return NULL;
}

/* True when every byte of a model struct is zero. */
static bool
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
static bool
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
static void
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
static void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t) v;
	p[1] = (uint8_t) (v >> 8);
	p[2] = (uint8_t) (v >> 16);
	p[3] = (uint8_t) (v >> 24);
}

/* Loads a little-endian uint32 from p. */
static uint32_t
get_le32(const uint8_t *p)
{
	return (uint32_t) p[0] | (uint32_t) p[1] << 8 |
		(uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

/* Sets the length field to len and recomputes the trailing CRC-32C. */
static void
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
static long
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
static size_t
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

/* A copy of buf with extra bytes of value fill inserted at pos. */
static uint8_t *
insert_bytes(const uint8_t *buf, size_t len, size_t pos, size_t extra,
			 uint8_t fill)
{
	uint8_t    *out = mk_alloc(len + extra);

	memcpy(out, buf, pos);
	memset(out + pos, fill, extra);
	memcpy(out + pos + extra, buf + pos, len - pos);
	return out;
}

/* Round trip of one kind of model: fields equal, bytes identical. */
static void
test_round_trip(TestKind kind)
{
	const char *name = kind_names[kind];
	MkModel		m;
	MkModel		back;
	uint8_t    *bytes;
	uint8_t    *again;
	size_t		len;
	size_t		len2;
	char		err[256] = "";
	bool		ok;

	make_model(&m, kind);
	unit_check(mk_model_check(&m) == NULL, "format: %s model is valid", name);
	bytes = mk_model_write(&m, &len);
	unit_check(bytes != NULL && len > HEADER_BYTES,
			   "format: %s model is written (%zu bytes)", name, len);
	ok = mk_model_read(bytes, len, &back, err, sizeof(err));
	unit_check(ok, "format: %s model is read back", name);
	if (!ok)
		printf("#   %s\n", err);
	else
	{
		const char *diff = model_diff(&m, &back);

		unit_check(diff == NULL, "format: %s model reads back equal%s%s",
				   name, diff ? ", differs in " : "", diff ? diff : "");
		again = mk_model_write(&back, &len2);
		unit_check(again != NULL && len2 == len &&
				   memcmp(again, bytes, len) == 0,
				   "format: %s model re-serialises byte-identical", name);
		mk_free(again);
		mk_model_free(&back);
		unit_check(model_is_zero(&back), "format: mk_model_free zeroes");
	}
	mk_free(bytes);
	mk_model_free(&m);
}

/* Every truncation of a valid model fails cleanly. */
static void
test_truncation(TestKind kind)
{
	MkModel		m;
	uint8_t    *bytes;
	uint8_t    *copy;
	size_t		len;
	size_t		cut;
	size_t		bad = 0;
	char		err[256];

	make_model(&m, kind);
	bytes = mk_model_write(&m, &len);
	for (cut = 0; cut < len; cut++)
	{
		/* a fresh, exactly sized copy lets a sanitiser see any overread */
		copy = mk_alloc(cut > 0 ? cut : 1);
		memcpy(copy, bytes, cut);
		if (!read_fails(copy, cut, err, sizeof(err)))
			bad++;
		mk_free(copy);
	}
	unit_check(bad == 0, "format: %s model truncated at each of %zu lengths fails (%zu did not)",
			   kind_names[kind], len, bad);
	mk_free(bytes);
	mk_model_free(&m);
}

/* Every single-bit flip fails; past the header, with a checksum mismatch. */
static void
test_bit_flips(void)
{
	MkModel		m;
	uint8_t    *bytes;
	size_t		len;
	size_t		i;
	size_t		bad = 0;
	size_t		not_crc = 0;
	char		err[256];
	int			bit;

	make_model(&m, TEST_BINARY);
	bytes = mk_model_write(&m, &len);
	for (i = 0; i < len; i++)
	{
		for (bit = 0; bit < 8; bit++)
		{
			bytes[i] ^= (uint8_t) (1 << bit);
			if (!read_fails(bytes, len, err, sizeof(err)))
				bad++;
			else if (i >= TASK_AT && i < LENGTH_AT)
			{
				if (strcmp(err, "checksum mismatch") != 0)
					not_crc++;
			}
			else if (i >= HEADER_BYTES &&
					 strcmp(err, "checksum mismatch") != 0)
				not_crc++;
			bytes[i] ^= (uint8_t) (1 << bit);
		}
	}
	unit_check(bad == 0, "format: each of %zu single-bit flips fails (%zu did not)",
			   len * 8, bad);
	unit_check(not_crc == 0, "format: flips outside magic, version, length fail the checksum (%zu not)",
			   not_crc);
	mk_free(bytes);
	mk_model_free(&m);
}

/* Header corruptions: magic, version, length, task. */
static void
test_header_errors(const uint8_t *good, size_t len, uint8_t *buf)
{
	memcpy(buf, good, len);
	buf[0] = 'X';
	expect_error(buf, len, "not an mktai model (bad magic)", "a bad magic");

	memcpy(buf, good, len);
	put_le32(buf + VERSION_AT, 7);
	reseal(buf, len);
	expect_error(buf, len, "unsupported format version 7 (this build reads 1)",
				 "format version 7");

	memcpy(buf, good, len);
	put_le32(buf + TASK_AT, 3);
	reseal(buf, len);
	expect_error(buf, len, "unknown task 3", "task 3");

	memcpy(buf, good, len);
	put_le32(buf + LENGTH_AT, (uint32_t) len + 1);
	expect_error(buf, len, "truncated: header says", "a length past the end");

	memcpy(buf, good, len);
	put_le32(buf + LENGTH_AT, (uint32_t) len - 1);
	expect_error(buf, len, "length mismatch", "a length short of the end");

	memcpy(buf, good, len);
	buf[len - 1] ^= 0x80;
	expect_error(buf, len, "checksum mismatch", "a corrupted checksum");
}

/* Section list corruptions with the checksum recomputed. */
static void
test_section_errors(const uint8_t *good, size_t len, uint8_t *buf)
{
	size_t		at;
	uint8_t    *big;

	memcpy(buf, good, len);
	at = section_at(buf, len, "metrics");
	buf[at - 1] = 'z';
	reseal(buf, len);
	expect_error(buf, len, "unknown section \"metricz\"", "an unknown section");

	memcpy(buf, good, len);
	at = section_at(buf, len, "spec");
	memcpy(buf + at - 4, "prep", 4);
	reseal(buf, len);
	expect_error(buf, len, "duplicate section \"prep\"", "a duplicate section");

	/* "prep" renamed "spec" comes first, so "target" is then out of order */
	memcpy(buf, good, len);
	at = section_at(buf, len, "prep");
	memcpy(buf + at - 4, "spec", 4);
	reseal(buf, len);
	expect_error(buf, len, "section \"target\" out of order",
				 "sections out of order");

	memcpy(buf, good, len);
	at = section_at(buf, len, "dense1.bias");
	buf[at - 6] = '5';
	reseal(buf, len);
	expect_error(buf, len, "unexpected section \"dense5.bias\"",
				 "a section for a layer the network lacks");

	memcpy(buf, good, len);
	at = section_at(buf, len, "prep");
	buf[at - 7] = 2;			/* the kind byte: a tensor */
	reseal(buf, len);
	expect_error(buf, len, "section \"prep\" has kind 2, expected a blob",
				 "a blob stored as a tensor");

	/* cut the whole "spec" section: kind, name, length and its text */
	memcpy(buf, good, len);
	at = section_at(buf, len, "spec");
	{
		size_t		start = at - 7;
		size_t		end = at + 4 + get_le32(buf + at);

		memmove(buf + start, buf + end, len - end);
		reseal(buf, len - (end - start));
		expect_error(buf, len - (end - start), "missing section \"spec\"",
					 "a missing section");
	}

	/* three bytes between the end marker and the checksum */
	big = insert_bytes(good, len, len - 4, 3, 0);
	reseal(big, len + 3);
	expect_error(big, len + 3, "3 bytes left over after the end marker",
				 "bytes after the end marker");
	mk_free(big);

	/* bytes appended after the checksum */
	big = insert_bytes(good, len, len, 5, 0xab);
	expect_error(big, len + 5, "length mismatch: header says",
				 "trailing bytes");
	mk_free(big);

	/* a blob length far past the end */
	memcpy(buf, good, len);
	at = section_at(buf, len, "target");
	put_le32(buf + at, 0xfffffff0u);
	reseal(buf, len);
	expect_error(buf, len, "truncated in section \"target\"",
				 "a blob length past the end");
}

/* Tensor corruptions with the checksum recomputed. */
static void
test_tensor_errors(const uint8_t *good, size_t len, uint8_t *buf)
{
	size_t		at;
	uint32_t	nan_bits = 0x7fc00000u;
	uint32_t	out;

	/* dense0.weight [4, 12] stored as [12, 4]: same bytes, wrong shape */
	memcpy(buf, good, len);
	at = section_at(buf, len, "dense0.weight");
	out = get_le32(buf + at + 1);
	put_le32(buf + at + 1, get_le32(buf + at + 5));
	put_le32(buf + at + 5, out);
	reseal(buf, len);
	expect_error(buf, len, "section \"dense0.weight\" has shape [12, 4], expected [4, 12]",
				 "a transposed weight");

	memcpy(buf, good, len);
	at = section_at(buf, len, "dense0.weight");
	put_le32(buf + at + 1, 0xffffffffu);
	put_le32(buf + at + 5, 0xffffffffu);
	reseal(buf, len);
	expect_error(buf, len, "truncated in section \"dense0.weight\"",
				 "huge tensor dimensions");

	memcpy(buf, good, len);
	at = section_at(buf, len, "dense0.bias");
	put_le32(buf + at + 1, 0);
	reseal(buf, len);
	expect_error(buf, len, "has an empty dimension", "a zero dimension");

	memcpy(buf, good, len);
	at = section_at(buf, len, "dense0.bias");
	buf[at] = 5;
	reseal(buf, len);
	expect_error(buf, len, "has 5 dimensions (1 to 4 allowed)",
				 "a 5-dimensional tensor");

	memcpy(buf, good, len);
	at = section_at(buf, len, "dense1.bias");
	put_le32(buf + at + 5, nan_bits);
	reseal(buf, len);
	expect_error(buf, len, "is not finite", "a NaN weight");
}

/* Blob payload corruptions with the checksum recomputed. */
static void
test_blob_errors(const uint8_t *good, size_t len, uint8_t *buf)
{
	size_t		at;
	long		pos;
	uint8_t    *big;

	/* swap "blue" and "cyan": categories out of order */
	memcpy(buf, good, len);
	pos = find_bytes(buf, len, "blue", 4);
	memcpy(buf + pos, "cyan", 4);
	memcpy(buf + pos + 6, "blue", 4);
	reseal(buf, len);
	expect_error(buf, len, "categories not strictly increasing",
				 "categories out of order");

	memcpy(buf, good, len);
	pos = find_bytes(buf, len, "age", 3);
	buf[pos + 1] = '\0';
	reseal(buf, len);
	expect_error(buf, len, "NUL byte in a string in section \"prep\"",
				 "a NUL inside a column name");

	memcpy(buf, good, len);
	at = section_at(buf, len, "spec");
	buf[at + 6] = '\0';
	reseal(buf, len);
	expect_error(buf, len, "section \"spec\" contains a NUL byte",
				 "a NUL inside the spec text");

	memcpy(buf, good, len);
	at = section_at(buf, len, "prep");
	put_le32(buf + at + 4, 0xffffffffu);	/* n_columns */
	reseal(buf, len);
	expect_error(buf, len, "truncated in section \"prep\"",
				 "a huge column count");

	memcpy(buf, good, len);
	pos = find_bytes(buf, len, "color", 5);
	buf[pos + 5] = 9;			/* the column's kind */
	reseal(buf, len);
	expect_error(buf, len, "column \"color\": unknown kind 9",
				 "an unknown column kind");

	memcpy(buf, good, len);
	pos = find_bytes(buf, len, "age", 3);
	buf[pos + 4] = 2;			/* the NULL indicator flag */
	reseal(buf, len);
	expect_error(buf, len, "flag byte 2 in section \"prep\" is not 0 or 1",
				 "a flag that is not 0 or 1");

	memcpy(buf, good, len);
	at = section_at(buf, len, "mlp");
	buf[at + 4] = 9;			/* n_dense */
	reseal(buf, len);
	expect_error(buf, len, "network has 9 dense layers",
				 "too many dense layers");

	memcpy(buf, good, len);
	at = section_at(buf, len, "mlp");
	buf[at + 5] = 77;			/* activation */
	reseal(buf, len);
	expect_error(buf, len, "invalid network configuration",
				 "an unknown activation");

	/* one byte more at the end of "prep", its length raised to match */
	at = section_at(good, len, "prep");
	big = insert_bytes(good, len, at + 4 + get_le32(good + at), 1, 0);
	put_le32(big + at, get_le32(good + at) + 1);
	reseal(big, len + 1);
	expect_error(big, len + 1, "1 bytes left over in section \"prep\"",
				 "a byte left over in a blob");
	mk_free(big);
}

/* Targeted corruptions, the checksum recomputed so the parser sees them. */
static void
test_corruptions(void)
{
	MkModel		m;
	uint8_t    *good;
	uint8_t    *buf;
	size_t		len;

	make_model(&m, TEST_BINARY);
	good = mk_model_write(&m, &len);
	buf = mk_alloc(len);

	memcpy(buf, good, len);
	reseal(buf, len);
	unit_check(memcmp(buf, good, len) == 0,
			   "format: the test's reseal reproduces the writer's checksum");

	test_header_errors(good, len, buf);
	test_section_errors(good, len, buf);
	test_tensor_errors(good, len, buf);
	test_blob_errors(good, len, buf);

	mk_free(buf);
	mk_free(good);
	mk_model_free(&m);
}

/* Bytes from elsewhere fail, and a short error buffer is safe. */
static void
test_foreign_bytes(void)
{
	static const uint8_t png[] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
		0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0
	};
	static const char json[] = "{\"task\": \"classification\"}";
	uint8_t		noise[4096];
	uint32_t	state = 12345;
	char		err[256];
	char		tiny[8];
	MkModel		m;
	size_t		i;
	int			trial;
	bool		all_failed = true;

	expect_error(png, sizeof(png), "bad magic", "a PNG header");
	expect_error((const uint8_t *) json, strlen(json), "bad magic",
				 "JSON text");
	expect_error(png, 0, "bad magic", "zero bytes");
	expect_error(NULL, 0, "bad magic", "a NULL buffer");
	expect_error((const uint8_t *) MK_MODEL_MAGIC, 8, "truncated header",
				 "the magic alone");

	for (trial = 0; trial < 64; trial++)
	{
		size_t		n = 1 + (size_t) trial * 61;

		for (i = 0; i < n; i++)
		{
			state = state * 1664525u + 1013904223u;
			noise[i] = (uint8_t) (state >> 24);
		}
		if (trial % 2 == 1 && n >= 8)
			memcpy(noise, MK_MODEL_MAGIC, 8);	/* past the magic check */
		if (!read_fails(noise, n, err, sizeof(err)))
			all_failed = false;
	}
	unit_check(all_failed, "format: 64 random buffers fail");

	unit_check(!mk_model_read(png, sizeof(png), &m, tiny, sizeof(tiny)) &&
			   strlen(tiny) == sizeof(tiny) - 1,
			   "format: a short error buffer gets a truncated message");
	unit_check(!mk_model_read(png, sizeof(png), &m, NULL, 0),
			   "format: no error buffer at all is allowed");
}

/* Expects mk_model_check to fail on m with a message containing want. */
static void
expect_invalid(const MkModel *m, const char *want, const char *what)
{
	const char *err = mk_model_check(m);
	bool		ok = err != NULL && strstr(err, want) != NULL;

	unit_check(ok, "check: %s is rejected", what);
	if (!ok)
		printf("#   got \"%s\", want \"%s\"\n", err ? err : "(valid)", want);
}

/* Replaces an mk_alloc'd text with a new one. */
static void
replace_text(char **slot, const char *text)
{
	mk_free(*slot);
	*slot = dup_text(text);
}

/* mk_model_check rejects the breaks of its prep invariants. */
static void
test_check_prep(void)
{
	MkModel		m;
	char		long_name[MK_MAX_NAME_BYTES + 2];
	char	   *swap;

	make_model(&m, TEST_BINARY);
	m.prep.n_columns = 0;
	expect_invalid(&m, "0 input columns", "a model without columns");
	m.prep.n_columns = 3;

	m.prep.columns[0].name[0] = '\0';
	expect_invalid(&m, "name of column 1 is empty", "an empty column name");
	replace_text(&m.prep.columns[0].name, "age");

	memset(long_name, 'x', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	replace_text(&m.prep.columns[2].name, long_name);
	expect_invalid(&m, "name of column 3 is longer", "a 1025-byte name");
	replace_text(&m.prep.columns[2].name, "age");
	expect_invalid(&m, "duplicate column name \"age\"", "duplicate columns");
	replace_text(&m.prep.columns[2].name, "income");

	m.prep.columns[0].scale = 0.0;
	expect_invalid(&m, "scale must be positive", "a zero scale");
	m.prep.columns[0].scale = NAN;
	expect_invalid(&m, "must be finite", "a NaN scale");
	m.prep.columns[0].scale = 1.0;
	m.prep.columns[0].mean = INFINITY;
	expect_invalid(&m, "must be finite", "an infinite mean");
	m.prep.columns[0].mean = 0.0;
	m.prep.columns[0].n_categories = 1;
	expect_invalid(&m, "numeric but has 1 categories",
				   "a numeric column with categories");
	m.prep.columns[0].n_categories = 0;
	m.prep.columns[0].kind = 9;
	expect_invalid(&m, "unknown kind 9", "an unknown column kind");
	m.prep.columns[0].kind = MK_COLUMN_NUMERIC;

	swap = m.prep.columns[1].categories[0];
	m.prep.columns[1].categories[0] = m.prep.columns[1].categories[1];
	m.prep.columns[1].categories[1] = swap;
	expect_invalid(&m, "not strictly increasing", "unsorted categories");
	m.prep.columns[1].categories[1] = m.prep.columns[1].categories[0];
	m.prep.columns[1].categories[0] = swap;
	replace_text(&m.prep.columns[1].categories[1], "blue");
	expect_invalid(&m, "not strictly increasing", "a repeated category");
	replace_text(&m.prep.columns[1].categories[1], "cyan");
	m.prep.columns[1].n_categories = MK_MAX_CATEGORIES + 1;
	expect_invalid(&m, "100001 categories", "too many categories");
	m.prep.columns[1].n_categories = -1;
	expect_invalid(&m, "-1 categories", "a negative category count");
	m.prep.columns[1].n_categories = 3;

	m.prep.columns[1].offset = 3;
	expect_invalid(&m, "offset 3, expected 2", "an offset gap");
	m.prep.columns[1].offset = 2;
	m.prep.n_features = 13;
	expect_invalid(&m, "columns fill 12 feature slots, not 13",
				   "a wrong feature count");
	m.prep.n_features = 12;

	m.prep.columns[2].edges[1] = -4e4;
	expect_invalid(&m, "bin edges not strictly increasing at 2",
				   "repeated bin edges");
	m.prep.columns[2].edges[1] = -2.5e4;
	m.prep.columns[2].edges[2] = INFINITY;
	expect_invalid(&m, "bin edge 3 is not finite", "an infinite bin edge");
	m.prep.columns[2].edges[2] = 1e3;

	unit_check(mk_model_check(&m) == NULL,
			   "check: the repaired model is valid");
	mk_model_free(&m);
}

/* mk_model_check rejects the breaks of its task and target invariants. */
static void
test_check_target(void)
{
	MkModel		m;

	make_model(&m, TEST_BINARY);
	m.task = 7;
	expect_invalid(&m, "unknown task 7", "an unknown task");
	m.task = MK_TASK_CLASSIFICATION;
	m.target.name[0] = '\0';
	expect_invalid(&m, "target name is empty", "an empty target name");
	replace_text(&m.target.name, "churned");
	m.target.type = 9;
	expect_invalid(&m, "unknown label type 9", "an unknown label type");
	m.target.type = MK_LABEL_BOOL;
	m.target.n_classes = 1;
	expect_invalid(&m, "classification with 1 classes", "one class");
	m.target.n_classes = 2;
	m.target.positive = 2;
	expect_invalid(&m, "positive class 2 out of range",
				   "positive past the end");
	m.target.positive = -1;
	expect_invalid(&m, "positive class -1 out of range", "a negative positive");
	m.target.positive = 1;
	replace_text(&m.target.classes[1], "false");
	expect_invalid(&m, "duplicate class \"false\"", "a repeated class");
	replace_text(&m.target.classes[1], "true");
	m.target.mean = NAN;
	expect_invalid(&m, "target mean and scale must be finite",
				   "a NaN target mean");
	m.target.mean = 0.0;
	m.mlp.sizes[2] = 2;
	expect_invalid(&m, "network output width 2, expected 1",
				   "two outputs for a binary model");
	m.mlp.sizes[2] = 1;
	mk_free(m.spec_json);
	m.spec_json = NULL;
	expect_invalid(&m, "training spec is missing", "a missing spec");
	m.spec_json = dup_text("{}");
	unit_check(mk_model_check(&m) == NULL,
			   "check: the repaired model is valid");
	mk_model_free(&m);

	make_model(&m, TEST_MULTI);
	m.mlp.sizes[1] = 1;
	expect_invalid(&m, "network output width 1, expected 3",
				   "one output for three classes");
	m.mlp.sizes[1] = 3;
	mk_model_free(&m);

	make_model(&m, TEST_REGRESSION);
	m.target.scale = 0.0;
	expect_invalid(&m, "target scale must be positive", "a zero target scale");
	m.target.scale = INFINITY;
	expect_invalid(&m, "must be finite", "an infinite target scale");
	m.target.scale = 2.0;
	m.target.n_classes = 2;
	expect_invalid(&m, "regression with 2 classes", "classes in a regression");
	m.target.n_classes = 0;
	mk_model_free(&m);
}

/* mk_model_check rejects the breaks of its network invariants. */
static void
test_check_network(void)
{
	MkModel		m;
	uint8_t    *bytes;
	size_t		len = 1;
	size_t		last;

	make_model(&m, TEST_REGRESSION);
	m.mlp.sizes[0] = 13;
	expect_invalid(&m, "network input width 13", "a wrong input width");
	m.mlp.sizes[0] = 12;
	m.mlp.dropout = 1.5f;
	expect_invalid(&m, "network: ", "a dropout of 1.5");
	m.mlp.dropout = 0.25f;
	m.mlp.n_dense = 0;
	expect_invalid(&m, "network: ", "no dense layer");
	m.mlp.n_dense = 3;

	last = mk_mlp_num_params(&m.mlp) - 1;
	m.params[last] = NAN;
	expect_invalid(&m, "is not finite", "a NaN parameter");
	bytes = mk_model_write(&m, &len);
	unit_check(bytes == NULL && len == 0,
			   "format: an invalid model is not written");
	m.params[last] = -INFINITY;
	expect_invalid(&m, "is not finite", "an infinite parameter");
	m.params[last] = 0.5f;
	unit_check(mk_model_check(&m) == NULL,
			   "check: the repaired model is valid");
	mk_model_free(&m);
}

/* The format's test group. */
void
test_format(void)
{
	int			kind;

	for (kind = TEST_BINARY; kind <= TEST_REGRESSION; kind++)
		test_round_trip(kind);
	for (kind = TEST_BINARY; kind <= TEST_REGRESSION; kind++)
		test_truncation(kind);
	test_bit_flips();
	test_corruptions();
	test_foreign_bytes();
	test_check_prep();
	test_check_target();
	test_check_network();
}
