/*
 * train_forecast.h
 *		Training forecast models: the next values of one or many series.
 */
#ifndef MKTAI_TRAIN_FORECAST_H
#define MKTAI_TRAIN_FORECAST_H

#include "postgres.h"

#include "lib/stringinfo.h"

#include "model/model.h"
#include "options.h"
#include "train_data.h"

/*
 * Learns the input pipeline from table's rows (grouped into series, in
 * order, with the target in every row), trains the recurrent forecaster
 * the options ask for and its prediction intervals, and fills model
 * (allocated in the current memory context); appends the metrics to
 * metrics as a JSON object.
 */
extern void TrainForecast(MkModel *model, StringInfo metrics, RawTable *table,
						  const TrainOptions *opts);

#endif							/* MKTAI_TRAIN_FORECAST_H */
