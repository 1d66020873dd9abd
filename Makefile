# mktai: PGXS build, regression tests, C unit tests and benchmarks.

EXTENSION = mktai
EXTVERSION = 0.1.0
MODULE_big = mktai

# The numeric core and the model format know nothing of the backend;
# the unit tests and the fuzzer link them alone.
CORE_OBJS = \
	src/core/activation.o \
	src/core/autoencoder.o \
	src/core/dense.o \
	src/core/dropout.o \
	src/core/fit.o \
	src/core/kmeans.o \
	src/core/latent_metric.o \
	src/core/loss.o \
	src/core/metrics.o \
	src/core/mlp.o \
	src/core/optim.o \
	src/core/recurrent.o \
	src/core/rng.o \
	src/core/sequence.o \
	src/core/text_features.o \
	src/core/textclf.o \
	src/core/textclf_fit.o \
	src/core/textcnn.o \
	src/core/textcnn_fit.o
# ICU tokenization: no backend either, but ICU.
TEXT_OBJS = \
	src/text/tokenize.o
MODEL_OBJS = \
	src/model/codec.o \
	src/model/encode.o \
	src/model/format.o \
	src/model/format_read.o \
	src/model/format_write.o \
	src/model/model.o
SQL_OBJS = \
	src/classify.o \
	src/evaluate.o \
	src/forecast.o \
	src/kmeans_agg.o \
	src/mentions.o \
	src/metrics_agg.o \
	src/mktai.o \
	src/model_cache.o \
	src/numeric_double.o \
	src/options.o \
	src/pg_alloc.o \
	src/predict.o \
	src/predict_sequence.o \
	src/registry.o \
	src/row_encode.o \
	src/score_state.o \
	src/segment.o \
	src/scoring.o \
	src/spi_scan.o \
	src/text_features_sql.o \
	src/tokenize_sql.o \
	src/train.o \
	src/train_common.o \
	src/train_data.o \
	src/train_forecast.o \
	src/train_segment.o \
	src/train_sequence.o \
	src/train_tabular.o \
	src/train_text.o

OBJS = $(CORE_OBJS) $(TEXT_OBJS) $(MODEL_OBJS) $(SQL_OBJS)

DATA = sql/mktai--$(EXTVERSION).sql
DOCS = README.md

REGRESS = \
	setup \
	metrics \
	train \
	predict \
	registry \
	kmeans \
	segment \
	sequence \
	forecast \
	tokenize \
	text \
	text_encoder \
	mentions

PG_CONFIG ?= pg_config
ICU_PKG_CFLAGS := $(shell pkg-config --cflags icu-uc icu-i18n)
ICU_PKG_LIBS := $(shell pkg-config --libs icu-uc icu-i18n)
PG_CPPFLAGS = -I$(srcdir)/src $(ICU_PKG_CFLAGS)
PG_CFLAGS = -Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare \
	-Wno-missing-field-initializers
SHLIB_LINK = -lopenblas -lm $(ICU_PKG_LIBS)

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# The text classifier's loops over embedding rows, and the element-wise
# activations and sparse first layer of scoring, run several times faster
# vectorised, which -O2 alone does not do; PostgreSQL builds its page
# checksums the same way.  So do k-means' per-cluster sums and its seeding
# distances.  Vectorising leaves the float results unchanged.
src/core/activation.o: override CFLAGS += $(CFLAGS_VECTORIZE)
src/core/dense.o: override CFLAGS += $(CFLAGS_VECTORIZE)
src/core/kmeans.o: override CFLAGS += $(CFLAGS_VECTORIZE)
src/core/textclf.o: override CFLAGS += $(CFLAGS_VECTORIZE)
src/core/textcnn.o: override CFLAGS += $(CFLAGS_VECTORIZE)

# PGXS tracks no header dependencies; a changed header rebuilds everything.
$(OBJS): $(wildcard src/*.h src/core/*.h src/model/*.h src/text/*.h)

# C unit tests of the core, the model format and the tokenizer: no server
# needed, only pg_crc32c from libpgport, and ICU.
PG_LIBDIR := $(shell $(PG_CONFIG) --pkglibdir)
PG_INCLUDE_SERVER := $(shell $(PG_CONFIG) --includedir-server)
UNIT_SRCS = $(CORE_OBJS:.o=.c) $(TEXT_OBJS:.o=.c) $(MODEL_OBJS:.o=.c) \
	$(wildcard test/unit/*.c)
UNIT_CFLAGS = -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wno-sign-compare -Isrc -I$(PG_INCLUDE_SERVER) $(ICU_PKG_CFLAGS)
UNIT_LIBS = $(PG_LIBDIR)/libpgcommon.a $(PG_LIBDIR)/libpgport.a -lopenblas -lm \
	$(ICU_PKG_LIBS)

test/unit/run_unit: $(UNIT_SRCS) $(wildcard src/core/*.h src/model/*.h src/text/*.h \
		test/unit/*.h)
	$(CC) $(UNIT_CFLAGS) -o $@ $(UNIT_SRCS) $(UNIT_LIBS)

unittest: test/unit/run_unit
	test/unit/run_unit

.PHONY: unittest

# libFuzzer run over mk_model_read(): make fuzz [FUZZ_SECONDS=600].
# Needs clang and its fuzzer runtime (Debian: libclang-rt-14-dev).  The
# corpus in test/fuzz/corpus starts from the valid models that
# test/fuzz/make_seeds writes.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 600
FUZZ_CFLAGS = -std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=all -Wall -Wno-ignored-attributes \
	-Isrc -I$(PG_INCLUDE_SERVER) $(ICU_PKG_CFLAGS)
FUZZ_LIB_SRCS = $(CORE_OBJS:.o=.c) $(TEXT_OBJS:.o=.c) $(MODEL_OBJS:.o=.c) \
	test/unit/unit_alloc.c
FUZZ_DEPS = $(FUZZ_LIB_SRCS) $(wildcard src/core/*.h src/model/*.h src/text/*.h)

test/fuzz/fuzz_model: test/fuzz/fuzz_model.c $(FUZZ_DEPS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ test/fuzz/fuzz_model.c $(FUZZ_LIB_SRCS) \
		$(UNIT_LIBS)

test/fuzz/make_seeds: test/fuzz/make_seeds.c $(FUZZ_DEPS)
	$(CC) $(UNIT_CFLAGS) -o $@ test/fuzz/make_seeds.c $(FUZZ_LIB_SRCS) \
		$(UNIT_LIBS)

fuzz: test/fuzz/fuzz_model test/fuzz/make_seeds
	mkdir -p test/fuzz/corpus
	test/fuzz/make_seeds test/fuzz/corpus
	test/fuzz/fuzz_model -max_total_time=$(FUZZ_SECONDS) \
		-artifact_prefix=test/fuzz/ -print_final_stats=1 test/fuzz/corpus

.PHONY: fuzz

# Benchmarks against the peers the issues name (installs them first).
bench:
	bash test/bench/run.sh

.PHONY: bench
