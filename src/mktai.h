/*
 * mktai.h
 *		Declarations shared by the SQL-facing files of mktai.
 */
#ifndef MKTAI_H
#define MKTAI_H

/* GUC variables (mktai.c) */
extern int	mktai_blas_threads;

#endif							/* MKTAI_H */
