/*
 * format_private.h
 *		What the model writer and reader share: section kinds, the fixed
 *		header's size, and the sections in the order they are written.
 *
 * The byte layout these describe is set out in format.c.  Nothing outside
 * src/model/format*.c includes this file; the rest of mktai sees only
 * mk_model_write() and mk_model_read() in model.h.
 */
#ifndef MK_FORMAT_PRIVATE_H
#define MK_FORMAT_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"

/* Section kinds; the end marker stands where a section's kind would. */
#define MK_SECTION_END		0
#define MK_SECTION_BLOB		1
#define MK_SECTION_TENSOR	2

#define MK_MAX_TENSOR_DIMS	4

/* Bytes of the fixed header, and where its length field sits. */
#define MK_HEADER_BYTES		20
#define MK_LENGTH_OFFSET	16
#define MK_CRC_BYTES		4

/* A recurrent layer's tensors, in their order within the layer. */
#define RNN_WEIGHT_IH		0
#define RNN_WEIGHT_HH		1
#define RNN_BIAS_IH			2
#define RNN_BIAS_HH			3
#define RNN_TENSORS			4

/*
 * Section numbers, in the order they are written.  Recurrent layer l's
 * tensors are SEC_RECURRENT + 4 * l and the three after it (weight_ih,
 * weight_hh, bias_ih, bias_hh, as RNN_* above); dense layer l's
 * weight is SEC_DENSE + 2 * l and its bias the one after; the decoder's
 * layers follow the same pattern from SEC_DECODER.
 */
#define SEC_PREP			0
#define SEC_TARGET			1
#define SEC_RNN				2
#define SEC_MLP				3
#define SEC_SEGMENTS		4
#define SEC_FORECAST		5
#define SEC_TEXT			6
#define SEC_RECURRENT		7
#define SEC_DENSE			(SEC_RECURRENT + RNN_TENSORS * MK_RNN_MAX_LAYERS)
#define SEC_DECODER			(SEC_DENSE + 2 * MK_MLP_MAX_DENSE)
#define SEC_CENTROIDS		(SEC_DECODER + 2 * MK_MLP_MAX_DENSE)
#define SEC_EMBEDDING		(SEC_CENTROIDS + 1)
#define SEC_TEXT_WEIGHT		(SEC_EMBEDDING + 1)
#define SEC_TEXT_BIAS		(SEC_TEXT_WEIGHT + 1)
#define SEC_TEXT_CONV		(SEC_TEXT_BIAS + 1)
#define SEC_SPEC			(SEC_TEXT_CONV + 2 * MK_TEXT_CNN_WIDTHS)
#define SEC_METRICS			(SEC_SPEC + 1)
#define SEC_COUNT			(SEC_METRICS + 1)

#define SECTION_NAME_BYTES	32

/* The name of section sec; buf holds layer names. */
extern const char *mk_section_name(int sec, char *buf);

/* True when section sec holds a tensor rather than a blob. */
extern bool mk_section_is_tensor(int sec);

/*
 * The shape of tensor t (an RNN_* number) of layer l of the recurrent
 * encoder cfg, which must pass mk_rnn_config_error(): fills dims and
 * returns the number of dimensions.
 */
extern int	mk_rnn_tensor_shape(const MkRnnConfig *cfg, int l, int t,
								uint32_t *dims);

#endif							/* MK_FORMAT_PRIVATE_H */
