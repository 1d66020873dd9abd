/*
 * train_tabular.h
 *		Training a classification or regression MLP on a relation's columns.
 */
#ifndef MKTAI_TRAIN_TABULAR_H
#define MKTAI_TRAIN_TABULAR_H

#include "postgres.h"

#include "lib/stringinfo.h"

#include "model/model.h"
#include "options.h"
#include "train_data.h"

/*
 * Learns the input pipeline from table, trains the network and fills model
 * (allocated in the current memory context); appends the metrics to
 * metrics as a JSON object.
 */
extern void TrainTabular(MkModel *model, StringInfo metrics, RawTable *table,
						 const TrainOptions *opts, MkTask task);

/*
 * Learns the classes of table's target in label order (booleans false,
 * true; integers by value; text in byte order) and the positive class;
 * class_of_code maps the target's dictionary codes to class indexes.
 */
extern void LearnClasses(MkTarget *target, int32 **class_of_code,
						 const RawTable *table, const TrainOptions *opts);

/* The class labels as a list of JSON strings, without brackets. */
extern char *ClassList(const MkTarget *target);

#endif							/* MKTAI_TRAIN_TABULAR_H */
