/*
 * make_seeds.c
 *		Writes a few small valid models as the fuzzer's seed corpus.
 *
 * Usage: make_seeds DIR.  The seeds cover both tasks, binary and
 * multi-class outputs, numeric columns with and without a NULL slot,
 * categorical columns with none, one and several categories, one to three
 * dense layers and every activation, and stay small so that the fuzzer
 * runs fast.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mk_alloc.h"
#include "model/model.h"

/* A copy of s in mk_alloc'd memory. */
static char *
dup_text(const char *s)
{
	size_t		n = strlen(s) + 1;
	char	   *d = mk_alloc(n);

	memcpy(d, s, n);
	return d;
}

/* An mk_alloc'd array of n copied texts, or NULL for none. */
static char **
dup_texts(const char *const *texts, int n)
{
	char	  **arr;
	int			i;

	if (n == 0)
		return NULL;
	arr = mk_alloc(n * sizeof(char *));
	for (i = 0; i < n; i++)
		arr[i] = dup_text(texts[i]);
	return arr;
}

/* Appends a column to m's prep, at the next free feature slot. */
static void
add_column(MkModel *m, const char *name, MkColumnKind kind,
		   bool null_indicator, const char *const *categories, int n)
{
	MkColumn   *col = &m->prep.columns[m->prep.n_columns++];

	col->name = dup_text(name);
	col->kind = kind;
	col->offset = m->prep.n_features;
	col->mean = kind == MK_COLUMN_NUMERIC ? 1.5 : 0.0;
	col->scale = kind == MK_COLUMN_NUMERIC ? 0.5 : 0.0;
	col->null_indicator = null_indicator;
	col->n_categories = n;
	col->categories = dup_texts(categories, n);
	m->prep.n_features += mk_column_width(col);
}

/* Sets the network from hidden[0 .. n_hidden - 1] and fills its weights. */
static void
set_network(MkModel *m, const int *hidden, int n_hidden, int n_out,
			MkActivation activation)
{
	size_t		n;
	size_t		i;
	int			l;

	m->mlp.n_dense = n_hidden + 1;
	m->mlp.sizes[0] = m->prep.n_features;
	for (l = 0; l < n_hidden; l++)
		m->mlp.sizes[l + 1] = hidden[l];
	m->mlp.sizes[n_hidden + 1] = n_out;
	m->mlp.activation = activation;
	m->mlp.dropout = 0.1f;
	n = mk_mlp_num_params(&m->mlp);
	m->params = mk_alloc(n * sizeof(float));
	for (i = 0; i < n; i++)
		m->params[i] = (float) cos((double) i);
}

/* Sets a classification target over n classes. */
static void
set_classes(MkModel *m, MkLabelType type, const char *const *classes, int n)
{
	m->task = MK_TASK_CLASSIFICATION;
	m->target.name = dup_text("label");
	m->target.type = type;
	m->target.n_classes = n;
	m->target.classes = dup_texts(classes, n);
	m->target.positive = n - 1;
}

/* Serialises m into dir/name and frees it; returns false on failure. */
static bool
save(MkModel *m, const char *dir, const char *name)
{
	char		path[4096];
	uint8_t    *bytes;
	size_t		len;
	FILE	   *f;
	bool		ok;

	m->spec_json = dup_text("{\"epochs\": 5}");
	m->metrics_json = dup_text("{\"loss\": 0.5}");
	bytes = mk_model_write(m, &len);
	if (bytes == NULL)
	{
		fprintf(stderr, "make_seeds: %s: %s\n", name, mk_model_check(m));
		mk_model_free(m);
		return false;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	ok = f != NULL && fwrite(bytes, 1, len, f) == len;
	if (f == NULL || fclose(f) != 0)
		ok = false;
	if (!ok)
		perror(path);
	mk_free(bytes);
	mk_model_free(m);
	return ok;
}

int
main(int argc, char **argv)
{
	static const char *const two[] = {"no", "yes"};
	static const char *const three[] = {"a", "b", "c"};
	static const char *const one[] = {"x"};
	static const int h4[] = {4};
	static const int h32[] = {3, 2};
	MkModel		m;
	bool		ok = true;

	if (argc != 2)
	{
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}

	/* regression on one numeric column, a single dense layer */
	memset(&m, 0, sizeof(m));
	m.prep.columns = mk_alloc(4 * sizeof(MkColumn));
	add_column(&m, "x", MK_COLUMN_NUMERIC, false, NULL, 0);
	m.task = MK_TASK_REGRESSION;
	m.target.name = dup_text("y");
	m.target.type = MK_LABEL_FLOAT;
	m.target.mean = 2.0;
	m.target.scale = 3.0;
	set_network(&m, NULL, 0, 1, MK_ACT_RELU);
	ok &= save(&m, argv[1], "seed-regression.mkm");

	/* binary: numeric with NULL slot and a two-category column */
	memset(&m, 0, sizeof(m));
	m.prep.columns = mk_alloc(4 * sizeof(MkColumn));
	add_column(&m, "n", MK_COLUMN_NUMERIC, true, NULL, 0);
	add_column(&m, "c", MK_COLUMN_CATEGORICAL, false, two, 2);
	set_classes(&m, MK_LABEL_BOOL, two, 2);
	set_network(&m, h4, 1, 1, MK_ACT_TANH);
	ok &= save(&m, argv[1], "seed-binary.mkm");

	/* multi-class: categorical columns with none and one category */
	memset(&m, 0, sizeof(m));
	m.prep.columns = mk_alloc(4 * sizeof(MkColumn));
	add_column(&m, "empty", MK_COLUMN_CATEGORICAL, false, NULL, 0);
	add_column(&m, "single", MK_COLUMN_CATEGORICAL, false, one, 1);
	add_column(&m, "v", MK_COLUMN_NUMERIC, false, NULL, 0);
	set_classes(&m, MK_LABEL_TEXT, three, 3);
	set_network(&m, h32, 2, 3, MK_ACT_SIGMOID);
	ok &= save(&m, argv[1], "seed-multiclass.mkm");

	return ok ? 0 : 1;
}
