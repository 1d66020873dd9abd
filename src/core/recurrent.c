/*
 * recurrent.c
 *		LSTM and GRU layers: configuration, parameter layout, initialisation,
 *		the cache, forward and backpropagation through time, the one-step
 *		streaming API and gradient-norm clipping.
 *
 * A layer runs in three parts, each batched over the B sequences:
 *	1. the input projections of every step, one sgemm over the [B*T, C_l]
 *	   inputs into gates[l] [B, T, G*H] (bias_ih included);
 *	2. for t = 0 .. T-1, one sgemm of the previous hidden states [B, H]
 *	   (rows T*H apart in hs[l]) into hg [B, G*H] (bias_hh included), then
 *	   the cell's element-wise update of each row that is still running;
 *	3. (backward only) dW_ih, db_ih and the input gradient from one sgemm
 *	   each over all steps, once the time loop has produced them.
 * Backward walks the time loop in reverse; per step it adds dW_hh from one
 * sgemm over the batch and carries d h (and d c) to the step before with a
 * second.  The gradient of the pre-activations is kept in two forms: dgi
 * for the input side and dgh for the hidden side, which differ only in the
 * GRU's n gate (the hidden side is scaled by r); the LSTM uses dgi for both.
 *
 * Rows past their length still go through each step's sgemm, which keeps
 * one product per step; the element-wise update then copies their state
 * forward instead, and backward gives those steps zero gate gradients.
 */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "layers.h"
#include "mk_alloc.h"
#include "recurrent.h"

/* Gates per cell: 4 for the LSTM, 3 for the GRU. */
static int
num_gates(const MkRnnConfig *cfg)
{
	return cfg->cell == MK_CELL_LSTM ? 4 : 3;
}

/* Input channels of layer l: C for the first, H above. */
static int
layer_input(const MkRnnConfig *cfg, int l)
{
	return l == 0 ? cfg->input : cfg->hidden;
}

/* mk_alloc'd, zeroed array of a * b floats, overflow-checked. */
static float *
alloc_floats(size_t a, size_t b)
{
	return (float *) mk_alloc(mk_mul_size(mk_mul_size(a, b), sizeof(float)));
}

/* Returns NULL when cfg describes a usable network, else why not. */
const char *
mk_rnn_config_error(const MkRnnConfig *cfg)
{
	double		count;

	if (cfg->cell != MK_CELL_LSTM && cfg->cell != MK_CELL_GRU)
		return "unknown recurrent cell";
	if (cfg->n_layers < 1 || cfg->n_layers > MK_RNN_MAX_LAYERS)
		return "the number of recurrent layers must be between 1 and 8";
	if (cfg->input < 1 || cfg->hidden < 1)
		return "the input and hidden sizes must be at least 1";
	if (!(cfg->dropout >= 0.0f && cfg->dropout < 1.0f))
		return "dropout must be in [0, 1)";
	/* per layer G*H * (C_l + H + 2) */
	count = (double) num_gates(cfg) * cfg->hidden *
		((double) cfg->input + cfg->hidden + 2.0 +
		 (cfg->n_layers - 1) * (2.0 * cfg->hidden + 2.0));
	if (count > (double) INT32_MAX)
		return "too many parameters";
	return NULL;
}

/* Returns NULL when [max_batch, max_steps] batches fit BLAS's int sizes. */
const char *
mk_rnn_shape_error(const MkRnnConfig *cfg, int max_batch, int max_steps)
{
	double		widest = cfg->input > cfg->hidden ? cfg->input : cfg->hidden;

	if (max_batch < 1 || max_steps < 1)
		return "the batch size and the number of steps must be at least 1";
	if ((double) max_batch * max_steps * num_gates(cfg) * widest >
		(double) INT32_MAX)
		return "too many sequence steps in a batch for this network";
	return NULL;
}

/* Total parameter count: per layer G*H * (C_l + H + 2). */
size_t
mk_rnn_num_params(const MkRnnConfig *cfg)
{
	size_t		GH = (size_t) num_gates(cfg) * cfg->hidden;
	size_t		total = 0;

	for (int l = 0; l < cfg->n_layers; l++)
		total += mk_mul_size(GH, (size_t) layer_input(cfg, l) +
							 cfg->hidden + 2);
	return total;
}

/* Points p into block in PyTorch's order: W_ih, W_hh, b_ih, b_hh by layer. */
void
mk_rnn_bind(MkRnnParams *p, float *block, const MkRnnConfig *cfg)
{
	size_t		GH = (size_t) num_gates(cfg) * cfg->hidden;
	float	   *next = block;

	memset(p, 0, sizeof(MkRnnParams));
	for (int l = 0; l < cfg->n_layers; l++)
	{
		p->weight_ih[l] = next;
		next += GH * layer_input(cfg, l);
		p->weight_hh[l] = next;
		next += GH * cfg->hidden;
		p->bias_ih[l] = next;
		next += GH;
		p->bias_hh[l] = next;
		next += GH;
	}
}

/*
 * Fills every parameter from U(-k, k), k = 1 / sqrt(H), as the
 * reset_parameters() of PyTorch's nn.LSTM and nn.GRU does.
 */
void
mk_rnn_init(float *block, const MkRnnConfig *cfg, MkRng *rng)
{
	double		bound = 1.0 / sqrt((double) cfg->hidden);
	size_t		n = mk_rnn_num_params(cfg);

	for (size_t i = 0; i < n; i++)
		block[i] = (float) ((2.0 * mk_rng_uniform(rng) - 1.0) * bound);
}

/* Allocates every buffer forward and backward need; see recurrent.h. */
MkRnnCache *
mk_rnn_cache_create(const MkRnnConfig *cfg, int max_batch, int max_steps)
{
	MkRnnCache *cache = (MkRnnCache *) mk_alloc(sizeof(MkRnnCache));
	size_t		BT = mk_mul_size((size_t) max_batch, (size_t) max_steps);
	size_t		H = (size_t) cfg->hidden;
	size_t		GH = (size_t) num_gates(cfg) * H;

	cache->max_batch = max_batch;
	cache->max_steps = max_steps;
	cache->n_layers = cfg->n_layers;
	for (int l = 0; l < cfg->n_layers; l++)
	{
		cache->gates[l] = alloc_floats(BT, GH);
		cache->hs[l] = alloc_floats(BT, H);
		if (cfg->cell == MK_CELL_LSTM)
			cache->cs[l] = alloc_floats(BT, H);
		else
			cache->hn[l] = alloc_floats(BT, H);
		if (l > 0 && cfg->dropout > 0.0f)
		{
			cache->drop[l] = alloc_floats(BT, H);
			cache->mask[l] = alloc_floats(BT, H);
		}
	}
	cache->final = alloc_floats((size_t) max_batch, H);
	cache->hg = alloc_floats((size_t) max_batch, GH);
	cache->dgi = alloc_floats(BT, GH);
	if (cfg->cell == MK_CELL_GRU)
		cache->dgh = alloc_floats(BT, GH);
	cache->dh = alloc_floats((size_t) max_batch, H);
	cache->dc = alloc_floats((size_t) max_batch, H);
	cache->dseq[0] = alloc_floats(BT, H);
	cache->dseq[1] = alloc_floats(BT, H);
	return cache;
}

/* Frees everything mk_rnn_cache_create allocated; NULL is allowed. */
void
mk_rnn_cache_free(MkRnnCache *cache)
{
	if (cache == NULL)
		return;
	for (int l = 0; l < MK_RNN_MAX_LAYERS; l++)
	{
		mk_free(cache->gates[l]);
		mk_free(cache->hs[l]);
		mk_free(cache->cs[l]);
		mk_free(cache->hn[l]);
		mk_free(cache->drop[l]);
		mk_free(cache->mask[l]);
	}
	mk_free(cache->final);
	mk_free(cache->hg);
	mk_free(cache->dgi);
	mk_free(cache->dgh);
	mk_free(cache->dh);
	mk_free(cache->dc);
	mk_free(cache->dseq[0]);
	mk_free(cache->dseq[1]);
	mk_free(cache);
}

/*
 * One LSTM step of one row.  gates[4H] holds W_ih x + b_ih on entry and
 * the activated i, f, g, o on return; hg[4H] is W_hh h + b_hh.  c_prev is
 * NULL at the first step (zero state); c may alias c_prev.
 *	c = f c_prev + i g;  h = o tanh(c)
 */
static void
lstm_cell_forward(float *h, float *c, float *gates, const float *hg,
				  const float *c_prev, int H)
{
	for (int j = 0; j < H; j++)
	{
		float		i = mk_sigmoid(gates[j] + hg[j]);
		float		f = mk_sigmoid(gates[H + j] + hg[H + j]);
		float		g = mk_tanh(gates[2 * H + j] + hg[2 * H + j]);
		float		o = mk_sigmoid(gates[3 * H + j] + hg[3 * H + j]);

		c[j] = (c_prev != NULL ? f * c_prev[j] : 0.0f) + i * g;
		h[j] = o * mk_tanh(c[j]);
		gates[j] = i;
		gates[H + j] = f;
		gates[2 * H + j] = g;
		gates[3 * H + j] = o;
	}
}

/*
 * Backward of one LSTM step of one row.  On entry dh[H] and dc[H] are the
 * gradients of this step's h and c; on return dc is the gradient of
 * c_prev, and dh is 0 (h_prev reaches the gates only through W_hh, whose
 * product the caller adds).  Writes dpre[4H], the gradient of the
 * pre-activations, recomputing tanh(c) from the cached c:
 *	do = dh tanh(c);  dc += dh o (1 - tanh(c)^2)
 *	di = dc g;  dg = dc i;  df = dc c_prev;  dc_prev = dc f
 * each then through its activation's derivative.
 */
static void
lstm_cell_backward(float *dpre, float *dh, float *dc, const float *gates,
				   const float *c, const float *c_prev, int H)
{
	for (int j = 0; j < H; j++)
	{
		float		i = gates[j],
					f = gates[H + j],
					g = gates[2 * H + j],
					o = gates[3 * H + j];
		float		tc = mk_tanh(c[j]);
		float		dcj = dc[j] + dh[j] * o * (1.0f - tc * tc);
		float		cp = c_prev != NULL ? c_prev[j] : 0.0f;

		dpre[j] = dcj * g * i * (1.0f - i);
		dpre[H + j] = dcj * cp * f * (1.0f - f);
		dpre[2 * H + j] = dcj * i * (1.0f - g * g);
		dpre[3 * H + j] = dh[j] * tc * o * (1.0f - o);
		dc[j] = dcj * f;
		dh[j] = 0.0f;
	}
}

/*
 * One GRU step of one row.  gates[3H] holds W_ih x + b_ih on entry and
 * the activated r, z, n on return; hg[3H] is W_hh h + b_hh, whose n part
 * is copied to hn[H] for backward when hn is not NULL.  h_prev is NULL at
 * the first step (zero state); h may alias h_prev.
 *	n = tanh(x_n + r hg_n);  h = (1 - z) n + z h_prev
 */
static void
gru_cell_forward(float *h, float *gates, float *hn, const float *hg,
				 const float *h_prev, int H)
{
	for (int j = 0; j < H; j++)
	{
		float		r = mk_sigmoid(gates[j] + hg[j]);
		float		z = mk_sigmoid(gates[H + j] + hg[H + j]);
		float		n = mk_tanh(gates[2 * H + j] + r * hg[2 * H + j]);
		float		hp = h_prev != NULL ? h_prev[j] : 0.0f;

		if (hn != NULL)
			hn[j] = hg[2 * H + j];
		h[j] = (1.0f - z) * n + z * hp;
		gates[j] = r;
		gates[H + j] = z;
		gates[2 * H + j] = n;
	}
}

/*
 * Backward of one GRU step of one row.  On entry dh[H] is the gradient of
 * this step's h; on return it is the gradient of h_prev through the
 * z h_prev term only (the caller adds the W_hh product).  Writes dgi[3H]
 * and dgh[3H], the gradients of the input-side and hidden-side
 * pre-activations:
 *	dn = dh (1 - z);  dz = dh (h_prev - n);  dh_prev = dh z
 *	dn_pre = dn (1 - n^2);  dr = dn_pre hn
 *	dgi = (dr r(1-r), dz z(1-z), dn_pre);  dgh = (same, same, dn_pre r)
 */
static void
gru_cell_backward(float *dgi, float *dgh, float *dh, const float *gates,
				  const float *hn, const float *h_prev, int H)
{
	for (int j = 0; j < H; j++)
	{
		float		r = gates[j],
					z = gates[H + j],
					n = gates[2 * H + j];
		float		hp = h_prev != NULL ? h_prev[j] : 0.0f;
		float		dn_pre = dh[j] * (1.0f - z) * (1.0f - n * n);
		float		dr_pre = dn_pre * hn[j] * r * (1.0f - r);
		float		dz_pre = dh[j] * (hp - n) * z * (1.0f - z);

		dgi[j] = dgh[j] = dr_pre;
		dgi[H + j] = dgh[H + j] = dz_pre;
		dgi[2 * H + j] = dn_pre;
		dgh[2 * H + j] = dn_pre * r;
		dh[j] *= z;
	}
}

/*
 * hg[B, G*H] = h_prev W_hh^T + b_hh for the B rows of h_prev, which lie
 * ld floats apart; h_prev NULL is the zero initial state (bias only).
 */
static void
hidden_projection(float *hg, const float *h_prev, int ld,
				  const float *weight_hh, const float *bias_hh,
				  int B, int H, int GH)
{
	for (int b = 0; b < B; b++)
		memcpy(hg + (size_t) b * GH, bias_hh, (size_t) GH * sizeof(float));
	if (h_prev != NULL)
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, GH, H,
					1.0f, h_prev, ld, weight_hh, H, 1.0f, hg, GH);
}

/*
 * Forward of layer l over inp[B, T, C]: the input projections of all
 * steps in one sgemm, then the steps in order.  A row past its length
 * carries its h (and c) over from the step before, zero at t = 0.
 */
static void
layer_forward(const MkRnnConfig *cfg, const MkRnnParams *p,
			  MkRnnCache *cache, int l, const float *inp, int C,
			  const int32_t *lengths, int B, int T)
{
	int			H = cfg->hidden;
	int			GH = num_gates(cfg) * H;
	size_t		row_bytes = (size_t) H * sizeof(float);

	mk_dense_forward(cache->gates[l], inp, p->weight_ih[l], p->bias_ih[l],
					 B * T, C, GH);
	for (int t = 0; t < T; t++)
	{
		hidden_projection(cache->hg, t > 0 ? cache->hs[l] + (t - 1) * H : NULL,
						  T * H, p->weight_hh[l], p->bias_hh[l], B, H, GH);
		for (int b = 0; b < B; b++)
		{
			size_t		bt = (size_t) b * T + t;
			float	   *h = cache->hs[l] + bt * H;
			float	   *c = cache->cs[l] ? cache->cs[l] + bt * H : NULL;
			float	   *gates = cache->gates[l] + bt * GH;
			const float *hg = cache->hg + (size_t) b * GH;

			if (t >= lengths[b] && t == 0)
			{
				memset(h, 0, row_bytes);
				if (c != NULL)
					memset(c, 0, row_bytes);
			}
			else if (t >= lengths[b])
			{
				memcpy(h, h - H, row_bytes);
				if (c != NULL)
					memcpy(c, c - H, row_bytes);
			}
			else if (cfg->cell == MK_CELL_LSTM)
				lstm_cell_forward(h, c, gates, hg, t > 0 ? c - H : NULL, H);
			else
				gru_cell_forward(h, gates, cache->hn[l] + bt * H, hg,
								 t > 0 ? h - H : NULL, H);
		}
	}
}

/*
 * Backward of layer l.  dfinal[B, H] (top layer) or dout[B, T, H] (the
 * gradient of this layer's outputs from the layer above) seeds d h; the
 * steps run in reverse, each adding its dW_hh and passing d h back through
 * W_hh; then dW_ih, db_ih and dinp[B, T, C] (accumulated; may be NULL)
 * come from one sgemm each over all steps.  Padding steps get zero gate
 * gradients and pass d h and d c through unchanged.
 */
static void
layer_backward(const MkRnnConfig *cfg, const MkRnnParams *g, float *dinp,
			   MkRnnCache *cache, int l, const float *dfinal,
			   const float *dout, const MkRnnParams *p, const float *inp,
			   int C, const int32_t *lengths, int B, int T)
{
	int			H = cfg->hidden;
	int			GH = num_gates(cfg) * H;
	float	   *dgh = cfg->cell == MK_CELL_LSTM ? cache->dgi : cache->dgh;
	const float *hs = cache->hs[l];

	if (dfinal != NULL)
		memcpy(cache->dh, dfinal, (size_t) B * H * sizeof(float));
	else
		memset(cache->dh, 0, (size_t) B * H * sizeof(float));
	memset(cache->dc, 0, (size_t) B * H * sizeof(float));

	for (int t = T - 1; t >= 0; t--)
	{
		for (int b = 0; b < B; b++)
		{
			size_t		bt = (size_t) b * T + t;
			float	   *dh = cache->dh + (size_t) b * H;
			float	   *dgi_bt = cache->dgi + bt * GH;

			if (t >= lengths[b])
			{
				memset(dgi_bt, 0, (size_t) GH * sizeof(float));
				memset(dgh + bt * GH, 0, (size_t) GH * sizeof(float));
				continue;
			}
			if (dout != NULL)
			{
				for (int j = 0; j < H; j++)
					dh[j] += dout[bt * H + j];
			}
			if (cfg->cell == MK_CELL_LSTM)
				lstm_cell_backward(dgi_bt, dh, cache->dc + (size_t) b * H,
								   cache->gates[l] + bt * GH,
								   cache->cs[l] + bt * H,
								   t > 0 ? cache->cs[l] + (bt - 1) * H : NULL,
								   H);
			else
				gru_cell_backward(dgi_bt, dgh + bt * GH, dh,
								  cache->gates[l] + bt * GH,
								  cache->hn[l] + bt * H,
								  t > 0 ? hs + (bt - 1) * H : NULL, H);
		}
		if (t == 0)
			break;				/* h_prev is the constant zero state */
		/* dW_hh[GH, H] += dgh_t^T h_{t-1};  dh[B, H] += dgh_t W_hh */
		cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, GH, H, B,
					1.0f, dgh + (size_t) t * GH, T * GH,
					hs + (size_t) (t - 1) * H, T * H,
					1.0f, g->weight_hh[l], H);
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, H, GH,
					1.0f, dgh + (size_t) t * GH, T * GH, p->weight_hh[l], H,
					1.0f, cache->dh, H);
	}

	/* db_hh += column sums of dgh, then the input side over all steps */
	for (size_t bt = 0; bt < (size_t) B * T; bt++)
	{
		for (int k = 0; k < GH; k++)
			g->bias_hh[l][k] += dgh[bt * GH + k];
	}
	mk_dense_backward(dinp, g->weight_ih[l], g->bias_ih[l], cache->dgi, inp,
					  p->weight_ih[l], B * T, C, GH);
}

/*
 * The input of layer l >= 1: the outputs of layer l - 1, through dropout
 * when the forward applies it.
 */
static const float *
layer_inp(const MkRnnCache *cache, int l, const float *x)
{
	if (l == 0)
		return x;
	return cache->dropped ? cache->drop[l] : cache->hs[l - 1];
}

/*
 * Forward of the stack; returns the top layer's final hidden states
 * [B, H], copied out of its last step (where padded rows carried them).
 */
const float *
mk_rnn_forward(const MkRnnConfig *cfg, const MkRnnParams *p,
			   MkRnnCache *cache, const float *x, const int32_t *lengths,
			   int B, int T, bool training, MkRng *rng)
{
	int			L = cfg->n_layers;
	int			H = cfg->hidden;
	size_t		n = (size_t) B * T * H;

	cache->dropped = training && cfg->dropout > 0.0f && L > 1;
	for (int l = 0; l < L; l++)
	{
		if (l > 0 && cache->dropped)
			mk_dropout_forward(cache->drop[l], cache->mask[l],
							   cache->hs[l - 1], n, cfg->dropout, rng);
		layer_forward(cfg, p, cache, l, layer_inp(cache, l, x),
					  layer_input(cfg, l), lengths, B, T);
	}
	for (int b = 0; b < B; b++)
		memcpy(cache->final + (size_t) b * H,
			   cache->hs[L - 1] + ((size_t) b * T + T - 1) * H,
			   (size_t) H * sizeof(float));
	return cache->final;
}

/* The top layer's hidden states [B, T, H] of the last forward. */
const float *
mk_rnn_outputs(const MkRnnCache *cache)
{
	return cache->hs[cache->n_layers - 1];
}

/*
 * Backward of the stack, top layer first.  Layer l reads the gradient of
 * its outputs from dseq[cur] and writes that of its inputs into
 * dseq[1 - cur] (layer 0: into dx); the dropout between them scales it by
 * the mask in place, and the buffers swap.
 */
void
mk_rnn_backward(const MkRnnConfig *cfg, const MkRnnParams *grads,
				float *dx, MkRnnCache *cache, const MkRnnParams *p,
				const float *dfinal, const float *x, const int32_t *lengths,
				int B, int T)
{
	int			L = cfg->n_layers;
	size_t		n = (size_t) B * T * cfg->hidden;
	int			cur = 0;

	for (int l = L - 1; l >= 0; l--)
	{
		float	   *dinp = l > 0 ? cache->dseq[1 - cur] : dx;

		if (l > 0)
			memset(dinp, 0, n * sizeof(float));
		layer_backward(cfg, grads, dinp, cache, l,
					   l == L - 1 ? dfinal : NULL,
					   l < L - 1 ? cache->dseq[cur] : NULL,
					   p, layer_inp(cache, l, x), layer_input(cfg, l),
					   lengths, B, T);
		if (l > 0 && cache->dropped)
		{
			for (size_t i = 0; i < n; i++)
				dinp[i] *= cache->mask[l][i];
		}
		cur = 1 - cur;
	}
}

/* Floats of streaming state: h per layer, and c per layer for the LSTM. */
size_t
mk_rnn_state_size(const MkRnnConfig *cfg)
{
	size_t		per_layer = cfg->cell == MK_CELL_LSTM ? 2 : 1;

	return mk_mul_size(per_layer * cfg->n_layers, (size_t) cfg->hidden);
}

/* Floats of step scratch: input-side and hidden-side gates. */
size_t
mk_rnn_step_scratch_size(const MkRnnConfig *cfg)
{
	return mk_mul_size(2 * (size_t) num_gates(cfg), (size_t) cfg->hidden);
}

/*
 * One step of one sequence through every layer, in place on state: the
 * same cell kernels as forward, with sgemv for the two projections.
 */
const float *
mk_rnn_step(const MkRnnConfig *cfg, const MkRnnParams *p, float *state,
			const float *x_t, float *scratch)
{
	int			L = cfg->n_layers;
	int			H = cfg->hidden;
	int			GH = num_gates(cfg) * H;
	float	   *gates = scratch;
	float	   *hg = scratch + GH;
	const float *inp = x_t;

	for (int l = 0; l < L; l++)
	{
		float	   *h = state + (size_t) l * H;

		mk_dense_forward(gates, inp, p->weight_ih[l], p->bias_ih[l], 1,
						 layer_input(cfg, l), GH);
		mk_dense_forward(hg, h, p->weight_hh[l], p->bias_hh[l], 1, H, GH);
		if (cfg->cell == MK_CELL_LSTM)
		{
			float	   *c = state + (size_t) (L + l) * H;

			lstm_cell_forward(h, c, gates, hg, c, H);
		}
		else
			gru_cell_forward(h, gates, NULL, hg, h, H);
		inp = h;
	}
	return state + (size_t) (L - 1) * H;
}

/*
 * Global L2 norm of grads[n], accumulated in double, and the scaling of
 * torch.nn.utils.clip_grad_norm_: grads *= max_norm / (norm + 1e-6) when
 * that factor is below 1.
 */
double
mk_clip_grad_norm(float *grads, size_t n, float max_norm)
{
	double		sum = 0.0;
	double		norm,
				coef;

	for (size_t i = 0; i < n; i++)
		sum += (double) grads[i] * grads[i];
	norm = sqrt(sum);
	if (!isfinite(norm))
		return norm;
	coef = (double) max_norm / (norm + 1e-6);
	if (coef < 1.0)
	{
		for (size_t i = 0; i < n; i++)
			grads[i] = (float) (grads[i] * coef);
	}
	return norm;
}
