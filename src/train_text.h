/*
 * train_text.h
 *		Training a text classifier on a column of documents.
 */
#ifndef MKTAI_TRAIN_TEXT_H
#define MKTAI_TRAIN_TEXT_H

#include "postgres.h"

#include "lib/stringinfo.h"

#include "model/model.h"
#include "options.h"
#include "train_data.h"

/*
 * Tokenizes and hashes the documents of table's one feature column, learns
 * the classes of its target, trains the text classifier the options
 * ask for and fills model (allocated in the current memory context);
 * appends the metrics to metrics as a JSON object.
 */
extern void TrainText(MkModel *model, StringInfo metrics, RawTable *table,
					  const TrainOptions *opts);

/*
 * The tokenizer options of a training run; ERRORs on a malformed locale.
 */
extern void TextTokenizeOptions(MkTokenizeOptions *tok, const TrainOptions *opts);

#endif							/* MKTAI_TRAIN_TEXT_H */
