/*
 * unit.h
 *		A minimal test harness for the numeric core: TAP output, one line per
 *		check, and the helpers every gradient test needs.
 */
#ifndef MK_UNIT_H
#define MK_UNIT_H

#include <stdbool.h>
#include <stddef.h>

/* Records one check; prints "ok N - name" or "not ok N - name". */
extern void unit_check(bool ok, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

/* Checks |got - want| <= tol, printing both on failure. */
extern void unit_close(double got, double want, double tol, const char *fmt,...)
			__attribute__((format(printf, 4, 5)));

/* Largest |a[i] - b[i]| / max(1, |b[i]|) over n values. */
extern double unit_max_rel_diff(const float *a, const float *b, size_t n);

/* Test groups, one per source file of test/unit; each runs its checks. */
extern void test_rng(void);
extern void test_layers(void);
extern void test_loss(void);
extern void test_optim(void);
extern void test_mlp(void);
extern void test_fit(void);
extern void test_metrics(void);
extern void test_format(void);
extern void test_format_text(void);
extern void test_encode(void);
extern void test_latent_metric(void);
extern void test_autoencoder(void);
extern void test_kmeans(void);
extern void test_recurrent(void);
extern void test_sequence(void);
extern void test_text_features(void);
extern void test_textclf(void);
extern void test_textcnn(void);
extern void test_tokenize(void);

#endif							/* MK_UNIT_H */
