/*
 * latent_metric.h
 *		An autoencoder's latent space in its decoder's metric.
 *
 * Two autoencoders trained from different seeds can learn the same latent
 * subspace in different coordinates, z2 = A z1, and k-means on raw codes
 * then cuts it differently.  Distances between reconstructions do not
 * depend on those coordinates; re-expressing the codes so that latent
 * distances equal them makes the segments a property of what was learned,
 * not of the seed.
 */
#ifndef MK_LATENT_METRIC_H
#define MK_LATENT_METRIC_H

/*
 * Re-expresses the latent codes z[n, d] in the decoder's metric: folds U
 * (U^T U = W^T W, W = dec_weight[H, d], the decoder's first layer) into the
 * encoder's last layer enc_weight[d, C], enc_bias[d] and U^-1 into the
 * decoder's first layer, so the network computes the same function while
 * latent distances become distances between the decoder's first-layer
 * outputs.
 */
extern void mk_latent_metric_fold(float *z, int n, int d, float *enc_weight,
								  float *enc_bias, int C, float *dec_weight,
								  int H);

#endif							/* MK_LATENT_METRIC_H */
