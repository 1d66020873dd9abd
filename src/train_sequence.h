/*
 * train_sequence.h
 *		Training sequence classification and regression models.
 */
#ifndef MKTAI_TRAIN_SEQUENCE_H
#define MKTAI_TRAIN_SEQUENCE_H

#include "postgres.h"

#include "lib/stringinfo.h"

#include "core/sequence.h"
#include "model/model.h"
#include "options.h"
#include "train_data.h"

/*
 * Learns the input pipeline from table's rows (grouped into sequences by
 * entity), trains the recurrent model the options ask for and fills model
 * (allocated in the current memory context); appends the metrics to
 * metrics as a JSON object.
 */
extern void TrainSequences(MkModel *model, StringInfo metrics,
						   RawTable *table, const TrainOptions *opts,
						   MkTask task);

/*
 * The network the options ask for: a recurrent encoder over input slots
 * per step, then a dense head (the options' hidden layers) with outputs;
 * ERRORs when it is invalid or too large for sequences of steps.
 */
extern void ConfigureRecurrent(MkSeqModel *sm, const TrainOptions *opts,
							   int input, int outputs, int steps);

#endif							/* MKTAI_TRAIN_SEQUENCE_H */
