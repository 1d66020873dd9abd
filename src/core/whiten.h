/*
 * whiten.h
 *		Whitening a set of vectors, folded into the linear layer that made
 *		them.
 *
 * Two autoencoders trained from different seeds can learn the same latent
 * subspace in different coordinates, z2 = A z1.  After whitening, w =
 * L^-1 (z - mean) with L the Cholesky factor of the covariance, the two
 * differ only by a rotation, to which k-means is blind: the segments then
 * depend on what was learned, not on the seed.
 */
#ifndef MK_WHITEN_H
#define MK_WHITEN_H

#include <stdbool.h>

/*
 * Whitens z[n, d] in place and folds the same map into the dense layer
 * that produced it, weight[d, C] and bias[d]: afterwards that layer
 * outputs whitened vectors directly.  A tiny ridge keeps a degenerate
 * direction from blowing up.  Returns false, changing nothing, when n < 2.
 */
extern bool mk_whiten_into_layer(float *z, int n, int d, float *weight,
								 float *bias, int C);

/*
 * Re-expresses the latent codes z[n, d] in the decoder's metric: folds U
 * (U^T U = W^T W, W = dec_weight[H, d], the decoder's first layer) into the
 * encoder's last layer enc_weight[d, C], enc_bias[d] and U^-1 into the
 * decoder's first layer, so the network computes the same function while
 * latent distances become reconstruction distances.
 */
extern void mk_latent_metric_fold(float *z, int n, int d, float *enc_weight,
								  float *enc_bias, int C, float *dec_weight,
								  int H);

#endif							/* MK_WHITEN_H */
