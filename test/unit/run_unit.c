/*
 * run_unit.c
 *		Runs every unit test group and prints a TAP stream with a summary.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "unit.h"

static int	checks_run;
static int	checks_failed;

static void
report(bool ok, const char *fmt, va_list args)
{
	checks_run++;
	if (!ok)
		checks_failed++;
	printf("%sok %d - ", ok ? "" : "not ", checks_run);
	vprintf(fmt, args);
	putchar('\n');
}

void
unit_check(bool ok, const char *fmt,...)
{
	va_list		args;

	va_start(args, fmt);
	report(ok, fmt, args);
	va_end(args);
}

void
unit_close(double got, double want, double tol, const char *fmt,...)
{
	va_list		args;
	bool		ok = fabs(got - want) <= tol;

	va_start(args, fmt);
	report(ok, fmt, args);
	va_end(args);
	if (!ok)
		printf("#   got %.9g, want %.9g (tolerance %.3g)\n", got, want, tol);
}

double
unit_max_rel_diff(const float *a, const float *b, size_t n)
{
	double		worst = 0.0;

	for (size_t i = 0; i < n; i++)
	{
		double		denom = fabs((double) b[i]) > 1.0 ? fabs((double) b[i]) : 1.0;
		double		d = fabs((double) a[i] - (double) b[i]) / denom;

		if (d > worst || isnan(d))
			worst = isnan(d) ? INFINITY : d;
	}
	return worst;
}

int
main(void)
{
	test_rng();
	test_layers();
	test_loss();
	test_optim();
	test_mlp();
	test_fit();
	test_metrics();
	test_format();
	test_format_text();
	test_encode();
	test_latent_metric();
	test_autoencoder();
	test_kmeans();
	test_recurrent();
	test_sequence();
	test_text_features();
	test_textclf();
	test_textcnn();
	test_tokenize();

	printf("1..%d\n", checks_run);
	printf("unit: %d passed, %d failed\n", checks_run - checks_failed,
		   checks_failed);
	return checks_failed == 0 ? 0 : 1;
}
