/*
 * train_segment.h
 *		Training a segmentation: autoencoder or plain k-means, with profiles.
 */
#ifndef MKTAI_TRAIN_SEGMENT_H
#define MKTAI_TRAIN_SEGMENT_H

#include "postgres.h"

#include "lib/stringinfo.h"

#include "model/model.h"
#include "options.h"
#include "train_data.h"

/*
 * Learns the input pipeline from table, trains the segmentation the
 * options ask for and fills model (allocated in the current memory
 * context); appends the metrics, segment profiles included, to metrics as
 * a JSON object.
 */
extern void TrainSegmentation(MkModel *model, StringInfo metrics,
							  RawTable *table, const TrainOptions *opts);

#endif							/* MKTAI_TRAIN_SEGMENT_H */
