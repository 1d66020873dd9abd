/*
 * format.c
 *		The serialised form of a model: mk_model_write() and mk_model_read().
 *
 * Layout; every number is little-endian whatever the host:
 *
 *	magic		8 bytes, MK_MODEL_MAGIC
 *	version		uint32, MK_MODEL_FORMAT_VERSION
 *	task		uint32, MkTask
 *	length		uint32, total bytes including the checksum
 *	sections	each: uint8 kind, uint16 name length, name bytes, then
 *				  a blob:	uint32 length, bytes
 *				  a tensor: uint8 ndim (1 to 4), uint32 dims[ndim],
 *							float32 data[product of dims], row-major
 *	end			uint8 0
 *	checksum	uint32, CRC-32C of every byte before it
 *
 * The sections come in this order: "prep", "target" and "mlp" (blobs
 * encoding MkPrep, MkTarget and MkMlpConfig), "dense<i>.weight" [out, in]
 * and "dense<i>.bias" [out] for each dense layer i, then "spec" and
 * "metrics" (JSON text, stored without interpretation).
 *
 * Inside the blobs, a string is a uint16 length and that many bytes, none
 * of them NUL:
 *
 *	prep	uint32 n_columns, uint32 n_features, then per column: string
 *			name, uint8 kind, uint8 null_indicator (0 or 1), int32 offset,
 *			float64 mean, float64 scale, uint32 n_categories, strings
 *	target	string name, uint8 label type, int32 positive, float64 mean,
 *			float64 scale, uint32 n_classes, strings
 *	mlp		uint8 n_dense, uint8 activation, float32 dropout,
 *			int32 sizes[n_dense + 1]
 *
 * The encoding is canonical: a model has exactly one byte form, so writing
 * what the reader accepts gives back the same bytes (the fuzzer checks it).
 * The reader trusts nothing: it checks the magic, the version, the length
 * and the checksum before it parses; it bounds every length and count by
 * the bytes left before it allocates; it demands each section once, in
 * order, with the shape the configuration implies and no byte to spare;
 * and it ends with mk_model_check().
 *
 * c.h comes first, and only for pg_crc32c, which links from libpgport
 * outside the server too; nothing here needs the backend.
 */
#include "c.h"

#include <string.h>

#include "port/pg_crc32c.h"

#include "core/mk_alloc.h"
#include "model/model.h"

/* Section kinds; the end marker stands where a section's kind would. */
#define MK_SECTION_END		0
#define MK_SECTION_BLOB		1
#define MK_SECTION_TENSOR	2

#define MK_MAX_TENSOR_DIMS	4

/* Bytes of the fixed header, and where its length field sits. */
#define MK_HEADER_BYTES		20
#define MK_LENGTH_OFFSET	16
#define MK_CRC_BYTES		4

/* Least bytes a column and a string occupy in a blob, to bound counts. */
#define MK_MIN_COLUMN_BYTES 28
#define MK_MIN_STRING_BYTES 2

/*
 * Section numbers, in the order they are written.  Layer l's weight is
 * SEC_DENSE + 2 * l and its bias the one after.
 */
#define SEC_PREP			0
#define SEC_TARGET			1
#define SEC_MLP				2
#define SEC_DENSE			3
#define SEC_SPEC			(SEC_DENSE + 2 * MK_MLP_MAX_DENSE)
#define SEC_METRICS			(SEC_SPEC + 1)
#define SEC_COUNT			(SEC_METRICS + 1)

#define SECTION_NAME_BYTES	32

/* A section found by the reader: where its payload lies in the input. */
typedef struct MkSection
{
	bool		present;
	int			ndim;			/* tensors only */
	uint32_t	dims[MK_MAX_TENSOR_DIMS];
	const uint8_t *data;		/* blob bytes or tensor floats */
	size_t		len;			/* bytes at data */
} MkSection;

/* An output buffer that grows by doubling. */
typedef struct MkWriter
{
	uint8_t    *buf;
	size_t		len;
	size_t		cap;
} MkWriter;

/*
 * A bounded view of the input.  section names the blob being decoded, for
 * messages; the error buffer is the caller's.
 */
typedef struct MkReader
{
	const uint8_t *p;
	size_t		left;
	const char *section;
	char	   *errbuf;
	size_t		errlen;
} MkReader;

static bool rd_fail(MkReader *r, const char *fmt,...) pg_attribute_printf(2, 3);


/* ---------- names and checksum ---------- */

/* The name of section sec; buf holds dense layer names. */
static const char *
section_name(int sec, char *buf)
{
	int			layer = (sec - SEC_DENSE) / 2;

	switch (sec)
	{
		case SEC_PREP:
			return "prep";
		case SEC_TARGET:
			return "target";
		case SEC_MLP:
			return "mlp";
		case SEC_SPEC:
			return "spec";
		case SEC_METRICS:
			return "metrics";
	}
	snprintf(buf, SECTION_NAME_BYTES, "dense%d.%s", layer,
			 (sec - SEC_DENSE) % 2 == 0 ? "weight" : "bias");
	return buf;
}

/* True when section sec holds a tensor rather than a blob. */
static bool
section_is_tensor(int sec)
{
	return sec >= SEC_DENSE && sec < SEC_SPEC;
}

/* CRC-32C of len bytes. */
static uint32_t
model_crc(const uint8_t *data, size_t len)
{
	pg_crc32c	crc;

	INIT_CRC32C(crc);
	COMP_CRC32C(crc, data, len);
	FIN_CRC32C(crc);
	return (uint32_t) crc;
}

/* Stores v little-endian at p. */
static void
put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t) v;
	p[1] = (uint8_t) (v >> 8);
	p[2] = (uint8_t) (v >> 16);
	p[3] = (uint8_t) (v >> 24);
}

/* Loads a little-endian uint32 from p. */
static uint32_t
get_u32(const uint8_t *p)
{
	return (uint32_t) p[0] | (uint32_t) p[1] << 8 |
		(uint32_t) p[2] << 16 | (uint32_t) p[3] << 24;
}

/* Loads a little-endian float32 from p. */
static float
get_f32(const uint8_t *p)
{
	uint32_t	bits = get_u32(p);
	float		v;

	memcpy(&v, &bits, sizeof(v));
	return v;
}


/* ---------- writer ---------- */

/* Makes room for n more bytes. */
static void
wr_reserve(MkWriter *w, size_t n)
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
static void
wr_bytes(MkWriter *w, const void *bytes, size_t n)
{
	wr_reserve(w, n);
	if (n > 0)
		memcpy(w->buf + w->len, bytes, n);
	w->len += n;
}

/* Appends one byte. */
static void
wr_u8(MkWriter *w, uint8_t v)
{
	wr_bytes(w, &v, 1);
}

/* Appends a little-endian uint32. */
static void
wr_u32(MkWriter *w, uint32_t v)
{
	wr_reserve(w, 4);
	put_u32(w->buf + w->len, v);
	w->len += 4;
}

/* Appends an int32 as the uint32 of the same bits. */
static void
wr_i32(MkWriter *w, int32_t v)
{
	uint32_t	bits;

	memcpy(&bits, &v, sizeof(bits));
	wr_u32(w, bits);
}

/* Appends a float32 by its bits. */
static void
wr_f32(MkWriter *w, float v)
{
	uint32_t	bits;

	memcpy(&bits, &v, sizeof(bits));
	wr_u32(w, bits);
}

/* Appends a float64 by its bits, low word first. */
static void
wr_f64(MkWriter *w, double v)
{
	uint64_t	bits;

	memcpy(&bits, &v, sizeof(bits));
	wr_u32(w, (uint32_t) bits);
	wr_u32(w, (uint32_t) (bits >> 32));
}

/* Appends a string: uint16 length, then bytes (mk_model_check bounds it). */
static void
wr_string(MkWriter *w, const char *s)
{
	size_t		len = strlen(s);

	wr_u8(w, (uint8_t) len);
	wr_u8(w, (uint8_t) (len >> 8));
	wr_bytes(w, s, len);
}

/* Appends a section's kind and name. */
static void
wr_section_head(MkWriter *w, int kind, const char *name)
{
	wr_u8(w, (uint8_t) kind);
	wr_string(w, name);
}

/* Starts a blob section; returns where its payload starts. */
static size_t
wr_blob_begin(MkWriter *w, const char *name)
{
	wr_section_head(w, MK_SECTION_BLOB, name);
	wr_u32(w, 0);				/* length, set by wr_blob_end */
	return w->len;
}

/*
 * Ends the blob started at start by storing its length.  A blob over 4 GB
 * gets a wrong length here, but the model is then over 4 GB too and
 * mk_model_write gives up.
 */
static void
wr_blob_end(MkWriter *w, size_t start)
{
	put_u32(w->buf + start - 4, (uint32_t) (w->len - start));
}

/* Appends a tensor section of ndim dims holding data. */
static void
wr_tensor(MkWriter *w, const char *name, int ndim, const uint32_t *dims,
		  const float *data)
{
	size_t		count = 1;
	size_t		i;
	int			d;

	wr_section_head(w, MK_SECTION_TENSOR, name);
	wr_u8(w, (uint8_t) ndim);
	for (d = 0; d < ndim; d++)
	{
		wr_u32(w, dims[d]);
		count = mk_mul_size(count, dims[d]);
	}
	wr_reserve(w, mk_mul_size(count, 4));
	for (i = 0; i < count; i++)
		wr_f32(w, data[i]);
}

/* Appends the "prep" section. */
static void
wr_prep(MkWriter *w, const MkPrep *prep)
{
	size_t		start = wr_blob_begin(w, "prep");
	int32_t		i;
	int32_t		c;

	wr_u32(w, (uint32_t) prep->n_columns);
	wr_u32(w, (uint32_t) prep->n_features);
	for (i = 0; i < prep->n_columns; i++)
	{
		const MkColumn *col = &prep->columns[i];

		wr_string(w, col->name);
		wr_u8(w, (uint8_t) col->kind);
		wr_u8(w, col->null_indicator ? 1 : 0);
		wr_i32(w, col->offset);
		wr_f64(w, col->mean);
		wr_f64(w, col->scale);
		wr_u32(w, (uint32_t) col->n_categories);
		for (c = 0; c < col->n_categories; c++)
			wr_string(w, col->categories[c]);
	}
	wr_blob_end(w, start);
}

/* Appends the "target" section. */
static void
wr_target(MkWriter *w, const MkTarget *target)
{
	size_t		start = wr_blob_begin(w, "target");
	int32_t		i;

	wr_string(w, target->name);
	wr_u8(w, (uint8_t) target->type);
	wr_i32(w, target->positive);
	wr_f64(w, target->mean);
	wr_f64(w, target->scale);
	wr_u32(w, (uint32_t) target->n_classes);
	for (i = 0; i < target->n_classes; i++)
		wr_string(w, target->classes[i]);
	wr_blob_end(w, start);
}

/* Appends the "mlp" section. */
static void
wr_mlp(MkWriter *w, const MkMlpConfig *cfg)
{
	size_t		start = wr_blob_begin(w, "mlp");
	int			i;

	wr_u8(w, (uint8_t) cfg->n_dense);
	wr_u8(w, (uint8_t) cfg->activation);
	wr_f32(w, cfg->dropout);
	for (i = 0; i <= cfg->n_dense; i++)
		wr_i32(w, cfg->sizes[i]);
	wr_blob_end(w, start);
}

/* Appends one tensor section per weight matrix and bias vector. */
static void
wr_params(MkWriter *w, const MkModel *model)
{
	const MkMlpConfig *cfg = &model->mlp;
	MkMlpParams p;
	char		name[SECTION_NAME_BYTES];
	uint32_t	dims[2];
	int			l;

	mk_mlp_bind(&p, model->params, cfg);
	for (l = 0; l < cfg->n_dense; l++)
	{
		dims[0] = (uint32_t) cfg->sizes[l + 1];
		dims[1] = (uint32_t) cfg->sizes[l];
		wr_tensor(w, section_name(SEC_DENSE + 2 * l, name), 2, dims,
				  p.weight[l]);
		wr_tensor(w, section_name(SEC_DENSE + 2 * l + 1, name), 1, dims,
				  p.bias[l]);
	}
}

/* Appends a text blob section. */
static void
wr_text(MkWriter *w, const char *name, const char *text)
{
	size_t		start = wr_blob_begin(w, name);

	wr_bytes(w, text, strlen(text));
	wr_blob_end(w, start);
}

/*
 * Serialises a model into a new mk_alloc'd buffer of *len bytes.  Returns
 * NULL, with *len 0, when the model fails mk_model_check() (run that first
 * for the reason) or when its bytes would pass the format's 4 GB limit.
 */
uint8_t *
mk_model_write(const MkModel *model, size_t *len)
{
	MkWriter	w = {0};

	*len = 0;
	if (mk_model_check(model) != NULL)
		return NULL;

	wr_bytes(&w, MK_MODEL_MAGIC, 8);
	wr_u32(&w, MK_MODEL_FORMAT_VERSION);
	wr_u32(&w, (uint32_t) model->task);
	wr_u32(&w, 0);				/* total length, set below */
	wr_prep(&w, &model->prep);
	wr_target(&w, &model->target);
	wr_mlp(&w, &model->mlp);
	wr_params(&w, model);
	wr_text(&w, "spec", model->spec_json);
	wr_text(&w, "metrics", model->metrics_json);
	wr_u8(&w, MK_SECTION_END);

	if (w.len > UINT32_MAX - MK_CRC_BYTES)
	{
		mk_free(w.buf);
		return NULL;
	}
	put_u32(w.buf + MK_LENGTH_OFFSET, (uint32_t) (w.len + MK_CRC_BYTES));
	wr_u32(&w, model_crc(w.buf, w.len));
	*len = w.len;
	return w.buf;
}


/* ---------- reader primitives ---------- */

/* Records a message in the caller's buffer; returns false for chaining. */
static bool
rd_fail(MkReader *r, const char *fmt,...)
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
static bool
rd_truncated(MkReader *r)
{
	if (r->section != NULL)
		return rd_fail(r, "truncated in section \"%s\"", r->section);
	return rd_fail(r, "truncated in the section list");
}

/* Takes the next n bytes, pointing *out at them (at NULL on failure). */
static bool
rd_take(MkReader *r, size_t n, const uint8_t **out)
{
	if (n > r->left)
	{
		*out = NULL;
		return rd_truncated(r);
	}
	*out = r->p;
	r->p += n;
	r->left -= n;
	return true;
}

/* Reads one byte. */
static bool
rd_u8(MkReader *r, uint8_t *v)
{
	const uint8_t *p;

	if (!rd_take(r, 1, &p))
		return false;
	*v = p[0];
	return true;
}

/* Reads a little-endian uint16. */
static bool
rd_u16(MkReader *r, uint16_t *v)
{
	const uint8_t *p;

	if (!rd_take(r, 2, &p))
		return false;
	*v = (uint16_t) (p[0] | p[1] << 8);
	return true;
}

/* Reads a little-endian uint32. */
static bool
rd_u32(MkReader *r, uint32_t *v)
{
	const uint8_t *p;

	if (!rd_take(r, 4, &p))
		return false;
	*v = get_u32(p);
	return true;
}

/* Reads an int32 stored as the uint32 of the same bits. */
static bool
rd_i32(MkReader *r, int32_t *v)
{
	uint32_t	bits;

	if (!rd_u32(r, &bits))
		return false;
	memcpy(v, &bits, sizeof(*v));
	return true;
}

/* Reads a float32 by its bits. */
static bool
rd_f32(MkReader *r, float *v)
{
	const uint8_t *p;

	if (!rd_take(r, 4, &p))
		return false;
	*v = get_f32(p);
	return true;
}

/* Reads a float64 by its bits, low word first. */
static bool
rd_f64(MkReader *r, double *v)
{
	const uint8_t *p;
	uint64_t	bits;

	if (!rd_take(r, 8, &p))
		return false;
	bits = (uint64_t) get_u32(p) | (uint64_t) get_u32(p + 4) << 32;
	memcpy(v, &bits, sizeof(*v));
	return true;
}

/*
 * Reads a count of items that each take at least min_bytes, failing when
 * the bytes left cannot hold that many: this bounds every allocation by
 * the input's size.
 */
static bool
rd_count(MkReader *r, int32_t *n, size_t min_bytes)
{
	uint32_t	v;

	if (!rd_u32(r, &v))
		return false;
	if (v > r->left / min_bytes)
		return rd_truncated(r);
	*n = (int32_t) v;			/* below 2^31: left is under 4 GB */
	return true;
}

/* Reads a string into a new NUL-terminated copy. */
static bool
rd_string(MkReader *r, char **out)
{
	uint16_t	len;
	const uint8_t *p;
	char	   *s;

	if (!rd_u16(r, &len) || !rd_take(r, len, &p))
		return false;
	if (memchr(p, '\0', len) != NULL)
		return rd_fail(r, "NUL byte in a string in section \"%s\"",
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
static bool
rd_strings(MkReader *r, int32_t n, char ***out, int32_t *count)
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
		if (!rd_string(r, &arr[i]))
			return false;
	}
	return true;
}

/* Reads a flag byte, which must be 0 or 1. */
static bool
rd_flag(MkReader *r, bool *v)
{
	uint8_t		b;

	if (!rd_u8(r, &b))
		return false;
	if (b > 1)
		return rd_fail(r, "flag byte %u in section \"%s\" is not 0 or 1",
					   (unsigned) b, r->section);
	*v = b == 1;
	return true;
}

/* Opens a reader over the payload of a blob section. */
static MkReader
rd_blob(const MkReader *parent, const MkSection *sec, const char *name)
{
	MkReader	r = *parent;

	r.p = sec->data;
	r.left = sec->len;
	r.section = name;
	return r;
}

/* Fails when a blob was not consumed to its last byte. */
static bool
rd_blob_end(MkReader *r)
{
	if (r->left != 0)
		return rd_fail(r, "%zu bytes left over in section \"%s\"",
					   r->left, r->section);
	return true;
}


/* ---------- reader: header and section list ---------- */

/* Checks magic, version, length and checksum, in that order; reads task. */
static bool
read_header(MkReader *r, const uint8_t *data, size_t len, MkTask *task)
{
	uint32_t	version;
	uint32_t	total;
	uint32_t	task_code;

	if (len < 8 || memcmp(data, MK_MODEL_MAGIC, 8) != 0)
		return rd_fail(r, "not an mktai model (bad magic)");
	if (len < MK_HEADER_BYTES)
		return rd_fail(r, "truncated header (%zu bytes)", len);
	version = get_u32(data + 8);
	if (version != MK_MODEL_FORMAT_VERSION)
		return rd_fail(r, "unsupported format version %u (this build reads %d)",
					   version, MK_MODEL_FORMAT_VERSION);
	total = get_u32(data + MK_LENGTH_OFFSET);
	if (len < total)
		return rd_fail(r, "truncated: header says %u bytes, got %zu",
					   total, len);
	if (len > total)
		return rd_fail(r, "length mismatch: header says %u bytes, got %zu",
					   total, len);
	if (len < MK_HEADER_BYTES + 1 + MK_CRC_BYTES)
		return rd_fail(r, "truncated: %zu bytes cannot hold a model", len);
	if (get_u32(data + len - MK_CRC_BYTES) !=
		model_crc(data, len - MK_CRC_BYTES))
		return rd_fail(r, "checksum mismatch");

	task_code = get_u32(data + 12);
	if (task_code != MK_TASK_CLASSIFICATION && task_code != MK_TASK_REGRESSION)
		return rd_fail(r, "unknown task %u", task_code);
	*task = (MkTask) task_code;

	r->p = data + MK_HEADER_BYTES;
	r->left = len - MK_HEADER_BYTES - MK_CRC_BYTES;
	return true;
}

/* Finds the section called name[0 .. len - 1]; -1 when there is none. */
static int
find_section(const uint8_t *name, size_t len)
{
	char		buf[SECTION_NAME_BYTES];
	const char *candidate;
	int			sec;

	for (sec = 0; sec < SEC_COUNT; sec++)
	{
		candidate = section_name(sec, buf);
		if (strlen(candidate) == len && memcmp(candidate, name, len) == 0)
			return sec;
	}
	return -1;
}

/* Fails naming an unknown section, showing only its printable start. */
static bool
fail_unknown_section(MkReader *r, const uint8_t *name, size_t len)
{
	char		shown[SECTION_NAME_BYTES + 1];
	size_t		n = Min(len, SECTION_NAME_BYTES);
	size_t		i;

	for (i = 0; i < n; i++)
		shown[i] = (name[i] >= 0x20 && name[i] < 0x7f) ? (char) name[i] : '?';
	shown[n] = '\0';
	return rd_fail(r, "unknown section \"%s%s\"", shown,
				   len > n ? "..." : "");
}

/* Reads a tensor section's shape and points sec at its floats. */
static bool
read_tensor(MkReader *r, MkSection *sec, const char *name)
{
	uint8_t		ndim;
	size_t		count = 1;
	int			d;

	if (!rd_u8(r, &ndim))
		return false;
	if (ndim < 1 || ndim > MK_MAX_TENSOR_DIMS)
		return rd_fail(r, "section \"%s\" has %u dimensions (1 to %d allowed)",
					   name, (unsigned) ndim, MK_MAX_TENSOR_DIMS);
	sec->ndim = ndim;
	for (d = 0; d < ndim; d++)
	{
		if (!rd_u32(r, &sec->dims[d]))
			return false;
	}
	for (d = 0; d < ndim; d++)
	{
		if (sec->dims[d] == 0)
			return rd_fail(r, "section \"%s\" has an empty dimension", name);
		/* keeps count * 4 within the bytes left, so nothing overflows */
		if (sec->dims[d] > r->left / 4 / count)
			return rd_fail(r, "truncated in section \"%s\"", name);
		count = mk_mul_size(count, sec->dims[d]);
	}
	sec->len = mk_mul_size(count, 4);
	return rd_take(r, sec->len, &sec->data);
}

/* Reads one section after its kind byte into secs; *last tracks order. */
static bool
read_section(MkReader *r, uint8_t kind, MkSection *secs, int *last)
{
	char		buf[SECTION_NAME_BYTES];
	const char *name;
	const uint8_t *raw;
	uint16_t	name_len;
	uint32_t	blob_len;
	int			sec;

	if (!rd_u16(r, &name_len) || !rd_take(r, name_len, &raw))
		return false;
	sec = find_section(raw, name_len);
	if (sec < 0)
		return fail_unknown_section(r, raw, name_len);
	name = section_name(sec, buf);
	if (secs[sec].present)
		return rd_fail(r, "duplicate section \"%s\"", name);
	if (sec < *last)
		return rd_fail(r, "section \"%s\" out of order", name);
	if (kind != (section_is_tensor(sec) ? MK_SECTION_TENSOR : MK_SECTION_BLOB))
		return rd_fail(r, "section \"%s\" has kind %u, expected %s", name,
					   (unsigned) kind,
					   section_is_tensor(sec) ? "a tensor" : "a blob");
	secs[sec].present = true;
	*last = sec;

	if (section_is_tensor(sec))
		return read_tensor(r, &secs[sec], name);
	if (!rd_u32(r, &blob_len))
		return false;
	if (blob_len > r->left)
		return rd_fail(r, "truncated in section \"%s\"", name);
	secs[sec].len = blob_len;
	return rd_take(r, blob_len, &secs[sec].data);
}

/* Reads the section list up to the end marker, which must end the bytes. */
static bool
read_sections(MkReader *r, MkSection *secs)
{
	uint8_t		kind;
	int			last = -1;

	for (;;)
	{
		if (!rd_u8(r, &kind))
			return false;
		if (kind == MK_SECTION_END)
			break;
		if (!read_section(r, kind, secs, &last))
			return false;
	}
	if (r->left != 0)
		return rd_fail(r, "%zu bytes left over after the end marker",
					   r->left);
	return true;
}

/* True when an n_dense-layer model has section sec. */
static bool
section_wanted(int sec, int n_dense)
{
	return !section_is_tensor(sec) || (sec - SEC_DENSE) / 2 < n_dense;
}

/*
 * Checks that exactly the sections an n_dense-layer model needs are present,
 * reporting a section too many before one missing.
 */
static bool
check_section_set(MkReader *r, const MkSection *secs, int n_dense)
{
	char		buf[SECTION_NAME_BYTES];
	int			sec;

	for (sec = 0; sec < SEC_COUNT; sec++)
	{
		if (secs[sec].present && !section_wanted(sec, n_dense))
			return rd_fail(r, "unexpected section \"%s\" (the network has %d dense layers)",
						   section_name(sec, buf), n_dense);
	}
	for (sec = 0; sec < SEC_COUNT; sec++)
	{
		if (!secs[sec].present && section_wanted(sec, n_dense))
			return rd_fail(r, "missing section \"%s\"",
						   section_name(sec, buf));
	}
	return true;
}


/* ---------- reader: section payloads ---------- */

/* Decodes one column of the "prep" blob. */
static bool
read_column(MkReader *r, MkColumn *col)
{
	uint8_t		kind;
	int32_t		n_categories;

	if (!rd_string(r, &col->name) || !rd_u8(r, &kind) ||
		!rd_flag(r, &col->null_indicator) || !rd_i32(r, &col->offset) ||
		!rd_f64(r, &col->mean) || !rd_f64(r, &col->scale) ||
		!rd_count(r, &n_categories, MK_MIN_STRING_BYTES))
		return false;
	col->kind = (MkColumnKind) kind;	/* mk_model_check vets it */
	return rd_strings(r, n_categories, &col->categories, &col->n_categories);
}

/* Decodes the "prep" blob. */
static bool
read_prep(MkReader *r, MkPrep *prep)
{
	int32_t		n_columns;
	int32_t		i;

	if (!rd_count(r, &n_columns, MK_MIN_COLUMN_BYTES) ||
		!rd_i32(r, &prep->n_features))
		return false;
	if (n_columns > 0)
	{
		prep->columns = mk_alloc(mk_mul_size(n_columns, sizeof(MkColumn)));
		prep->n_columns = n_columns;
	}
	for (i = 0; i < n_columns; i++)
	{
		if (!read_column(r, &prep->columns[i]))
			return false;
	}
	return rd_blob_end(r);
}

/* Decodes the "target" blob. */
static bool
read_target(MkReader *r, MkTarget *target)
{
	uint8_t		type;
	int32_t		n_classes;

	if (!rd_string(r, &target->name) || !rd_u8(r, &type) ||
		!rd_i32(r, &target->positive) || !rd_f64(r, &target->mean) ||
		!rd_f64(r, &target->scale) ||
		!rd_count(r, &n_classes, MK_MIN_STRING_BYTES))
		return false;
	target->type = (MkLabelType) type;	/* mk_model_check vets it */
	return rd_strings(r, n_classes, &target->classes, &target->n_classes) &&
		rd_blob_end(r);
}

/* Decodes the "mlp" blob and checks the configuration. */
static bool
read_mlp(MkReader *r, MkMlpConfig *cfg)
{
	uint8_t		n_dense;
	uint8_t		activation;
	const char *err;
	int			i;

	if (!rd_u8(r, &n_dense) || !rd_u8(r, &activation) ||
		!rd_f32(r, &cfg->dropout))
		return false;
	if (n_dense < 1 || n_dense > MK_MLP_MAX_DENSE)
		return rd_fail(r, "network has %u dense layers (1 to %d allowed)",
					   (unsigned) n_dense, MK_MLP_MAX_DENSE);
	cfg->n_dense = n_dense;
	cfg->activation = (MkActivation) activation;
	for (i = 0; i <= n_dense; i++)
	{
		int32_t		size;

		if (!rd_i32(r, &size))
			return false;
		cfg->sizes[i] = size;
	}
	if (!rd_blob_end(r))
		return false;
	if ((err = mk_mlp_config_error(cfg)) != NULL)
		return rd_fail(r, "invalid network configuration: %s", err);
	return true;
}

/* Formats a shape as "[a, b]". */
static void
format_shape(char *buf, size_t size, int ndim, const uint32_t *dims)
{
	if (ndim == 1)
		snprintf(buf, size, "[%u]", dims[0]);
	else if (ndim == 2)
		snprintf(buf, size, "[%u, %u]", dims[0], dims[1]);
	else
		snprintf(buf, size, "[%u, %u, ...] (%d dimensions)",
				 dims[0], dims[1], ndim);
}

/* Checks that tensor section sec has the shape ndim, dims. */
static bool
check_shape(MkReader *r, const MkSection *secs, int sec, int ndim,
			const uint32_t *dims)
{
	const MkSection *s = &secs[sec];
	char		name[SECTION_NAME_BYTES];
	char		got[64];
	char		want[64];
	int			d;

	if (s->ndim == ndim)
	{
		for (d = 0; d < ndim && s->dims[d] == dims[d]; d++)
			;
		if (d == ndim)
			return true;
	}
	format_shape(got, sizeof(got), s->ndim, s->dims);
	format_shape(want, sizeof(want), ndim, dims);
	return rd_fail(r, "section \"%s\" has shape %s, expected %s",
				   section_name(sec, name), got, want);
}

/* Decodes count little-endian float32 values into out. */
static void
copy_floats(float *out, const uint8_t *data, size_t count)
{
	size_t		i;

	for (i = 0; i < count; i++)
		out[i] = get_f32(data + 4 * i);
}

/*
 * Checks every tensor's shape against the configuration, then copies the
 * tensors into one parameter block laid out by mk_mlp_bind().  The shapes
 * match data that is present, so the block is bounded by the input.
 */
static bool
read_params(MkReader *r, const MkSection *secs, MkModel *m)
{
	const MkMlpConfig *cfg = &m->mlp;
	MkMlpParams p;
	uint32_t	dims[2];
	size_t		total = 0;
	int			l;

	for (l = 0; l < cfg->n_dense; l++)
	{
		dims[0] = (uint32_t) cfg->sizes[l + 1];
		dims[1] = (uint32_t) cfg->sizes[l];
		if (!check_shape(r, secs, SEC_DENSE + 2 * l, 2, dims) ||
			!check_shape(r, secs, SEC_DENSE + 2 * l + 1, 1, dims))
			return false;
		total += (secs[SEC_DENSE + 2 * l].len +
				  secs[SEC_DENSE + 2 * l + 1].len) / 4;
	}
	if (total != mk_mlp_num_params(cfg))
		return rd_fail(r, "tensors hold %zu parameters, the network needs %zu",
					   total, mk_mlp_num_params(cfg));

	m->params = mk_alloc(mk_mul_size(total, sizeof(float)));
	mk_mlp_bind(&p, m->params, cfg);
	for (l = 0; l < cfg->n_dense; l++)
	{
		const MkSection *w = &secs[SEC_DENSE + 2 * l];
		const MkSection *b = &secs[SEC_DENSE + 2 * l + 1];

		copy_floats(p.weight[l], w->data, w->len / 4);
		copy_floats(p.bias[l], b->data, b->len / 4);
	}
	return true;
}

/* Copies a text blob into a new NUL-terminated string. */
static bool
read_text(MkReader *r, const MkSection *sec, const char *name, char **out)
{
	char	   *s;

	if (memchr(sec->data, '\0', sec->len) != NULL)
		return rd_fail(r, "section \"%s\" contains a NUL byte", name);
	s = mk_alloc(sec->len + 1);
	if (sec->len > 0)
		memcpy(s, sec->data, sec->len);
	*out = s;
	return true;
}

/* Parses the sections after a verified header into m. */
static bool
read_body(MkReader *r, MkModel *m)
{
	MkSection	secs[SEC_COUNT];
	MkReader	blob;

	memset(secs, 0, sizeof(secs));
	if (!read_sections(r, secs))
		return false;
	if (!secs[SEC_MLP].present)
		return rd_fail(r, "missing section \"mlp\"");

	blob = rd_blob(r, &secs[SEC_MLP], "mlp");
	if (!read_mlp(&blob, &m->mlp) ||
		!check_section_set(r, secs, m->mlp.n_dense))
		return false;

	blob = rd_blob(r, &secs[SEC_PREP], "prep");
	if (!read_prep(&blob, &m->prep))
		return false;
	blob = rd_blob(r, &secs[SEC_TARGET], "target");
	if (!read_target(&blob, &m->target))
		return false;

	return read_params(r, secs, m) &&
		read_text(r, &secs[SEC_SPEC], "spec", &m->spec_json) &&
		read_text(r, &secs[SEC_METRICS], "metrics", &m->metrics_json);
}

/*
 * Parses and validates len bytes into *model.  On failure returns false
 * with a message in errbuf, having freed whatever it allocated; *model is
 * then zeroed.
 */
bool
mk_model_read(const uint8_t *data, size_t len, MkModel *model,
			  char *errbuf, size_t errlen)
{
	MkReader	r;
	MkModel		m;
	const char *err;

	memset(model, 0, sizeof(*model));
	memset(&m, 0, sizeof(m));
	memset(&r, 0, sizeof(r));
	r.errbuf = errbuf;
	r.errlen = errlen;
	if (errbuf != NULL && errlen > 0)
		errbuf[0] = '\0';

	if (data == NULL)
		len = 0;
	if (!read_header(&r, data, len, &m.task))
		return false;
	if (!read_body(&r, &m))
	{
		mk_model_free(&m);
		return false;
	}
	if ((err = mk_model_check(&m)) != NULL)
	{
		rd_fail(&r, "invalid model: %s", err);
		mk_model_free(&m);
		return false;
	}
	*model = m;
	return true;
}
