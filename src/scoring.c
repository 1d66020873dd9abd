/*
 * scoring.c
 *		Model outputs in user terms, and the metrics a marketer reads.
 */
#include "postgres.h"

#include <math.h>

#include "utils/float.h"
#include "utils/json.h"

#include "core/layers.h"
#include "core/loss.h"
#include "core/metrics.h"
#include "options.h"
#include "scoring.h"

const char *
TaskNameOf(const MkModel *model)
{
	return TaskName(model->task);
}

int
ModelOutputWidth(const MkModel *model)
{
	if (model->task == MK_TASK_FORECAST)
		return model->forecast.horizon;
	return model->target.n_classes > 2 ? model->target.n_classes : 1;
}

/* Turns one row's network outputs into probabilities or a value. */
void
FinishOutput(const MkModel *model, const float *logits, float *out)
{
	if (ModelPredictsValue(model))
		out[0] = (float) (logits[0] * model->target.scale + model->target.mean);
	else if (model->target.n_classes == 2)
		out[0] = mk_sigmoid(logits[0]);
	else
		mk_softmax(out, logits, model->target.n_classes);
}

void
ScoreRows(const MkModel *model, const MkMlpParams *params, MkMlpActs *acts,
		  const float *x, int n, float *out)
{
	int			in = model->mlp.sizes[0];
	int			width = ModelOutputWidth(model);

	for (int start = 0; start < n; start += acts->max_batch)
	{
		int			B = Min(acts->max_batch, n - start);
		const float *logits = mk_mlp_forward(&model->mlp, params, acts,
											 x + (size_t) start * in, B,
											 false, NULL);

		for (int r = 0; r < B; r++)
			FinishOutput(model, logits + (size_t) r * width,
						 out + (size_t) (start + r) * width);
	}
}

void
ScoreRow(const MkModel *model, const MkMlpParams *params,
		 const float *first_weight_t, MkMlpActs *acts, const float *x,
		 float *out)
{
	FinishOutput(model, mk_mlp_forward_row(&model->mlp, params,
										   first_weight_t, acts, x),
				 out);
}

void
AppendJsonNumber(StringInfo buf, const char *name, double value)
{
	if (buf->len > 0 && buf->data[buf->len - 1] != '{')
		appendStringInfoString(buf, ", ");
	escape_json(buf, name);
	appendStringInfoString(buf, ": ");
	if (isfinite(value))
		appendStringInfoString(buf, float8out_internal(value));
	else
		appendStringInfoString(buf, "null");
}

static void
AppendBinaryMetrics(StringInfo buf, const MkModel *model, const float *p,
					const int32 *classes, int n)
{
	MkScoredLabel *pairs = palloc_extended(sizeof(MkScoredLabel) * n,
										   MCXT_ALLOC_HUGE);
	double		loss = 0.0;
	int			correct = 0;

	for (int i = 0; i < n; i++)
	{
		int			y = classes[i] == model->target.positive;

		pairs[i].score = p[i];
		pairs[i].label = y;
		loss += mk_log_loss_term(p[i], y);
		correct += ((p[i] >= 0.5f) == y);
	}
	AppendJsonNumber(buf, "auc", mk_auc(pairs, n));
	AppendJsonNumber(buf, "log_loss", loss / n);
	AppendJsonNumber(buf, "accuracy", (double) correct / n);
	pfree(pairs);
}

static void
AppendMulticlassMetrics(StringInfo buf, const MkModel *model,
						const float *probs, const int32 *classes, int n)
{
	int			K = model->target.n_classes;
	double		loss = 0.0;
	int			correct = 0;

	for (int i = 0; i < n; i++)
	{
		const float *row = probs + (size_t) i * K;
		int			best = 0;

		for (int k = 1; k < K; k++)
			if (row[k] > row[best])
				best = k;
		correct += (best == classes[i]);
		loss += mk_log_loss_term(row[classes[i]], 1);
	}
	AppendJsonNumber(buf, "accuracy", (double) correct / n);
	AppendJsonNumber(buf, "log_loss", loss / n);
}

static void
AppendRegressionMetrics(StringInfo buf, const float *pred,
						const double *values, int n)
{
	double		sse = 0.0,
				sae = 0.0,
				mean = 0.0,
				sst = 0.0;

	for (int i = 0; i < n; i++)
		mean += values[i] / n;
	for (int i = 0; i < n; i++)
	{
		double		err = pred[i] - values[i];

		sse += err * err;
		sae += fabs(err);
		sst += (values[i] - mean) * (values[i] - mean);
	}
	AppendJsonNumber(buf, "rmse", sqrt(sse / n));
	AppendJsonNumber(buf, "mae", sae / n);
	AppendJsonNumber(buf, "r2", sst > 0 ? 1.0 - sse / sst : NAN);
}

void
AppendMetrics(StringInfo buf, const MkModel *model, const float *outputs,
			  const int32 *classes, const double *values, int n)
{
	if (ModelPredictsValue(model))
		AppendRegressionMetrics(buf, outputs, values, n);
	else if (model->target.n_classes == 2)
		AppendBinaryMetrics(buf, model, outputs, classes, n);
	else
		AppendMulticlassMetrics(buf, model, outputs, classes, n);
}
