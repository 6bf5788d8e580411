/* rnn.h — the fused LSTM cell and the recurrence of one LSTM layer-direction (ops/rnn_cell.c).
 *
 * Dimensions: T time steps, B batch, H hidden size; gates are PyTorch's order i, f, g, o, each
 * H wide, so a row of gates is 4H.
 *
 * The cell (one time step, forward), for each batch row b and unit j:
 *     i = sigmoid(G[b, j]),  f = sigmoid(G[b, H + j]),  g = tanh(G[b, 2H + j]),
 *     o = sigmoid(G[b, 3H + j]);  c' = f * c + i * g;  h' = o * tanh(c')
 * where G = x W_ih^T + b_ih + h W_hh^T + b_hh are the pre-activations. Its backward takes the
 * activations (i, f, g, o) the forward left in G, c, c', and the incoming dh', dc', and gives
 * the pre-activation gradients dG and dc (the gradient reaching c).
 *
 * The cell kernels work on contiguous float32 or float64 rows; they are exposed for the
 * core's own tests and for pl_lstm_layer, which is what the binding calls.
 */
#ifndef PL_RNN_H
#define PL_RNN_H

#include <stdbool.h>
#include <stdint.h>

#include "tensor.h"

/* gates: (B, 4H) pre-activations in, activations i, f, g, o out (in place);
 * c_prev: (B, H); c: (B, H) receives c' (may be c_prev itself); tc: (B, H) receives tanh(c'),
 * or NULL; h: (B, H) receives h', row stride ldh (h may be a row block of a (T, B, H) output).
 * These are the plain (reference) kernels, libm's expf/tanhf. */
void pl_lstm_cell_forward_f32(int64_t B, int64_t H, float *gates, const float *c_prev,
                              float *c, float *tc, float *h, int64_t ldh);
void pl_lstm_cell_forward_f64(int64_t B, int64_t H, double *gates, const double *c_prev,
                              double *c, double *tc, double *h, int64_t ldh);
/* The same as pl_lstm_cell_forward_f32 with AVX2+FMA and a vector exp (ops/rnn_cell_x86.c);
 * returns false, doing nothing, when the CPU lacks them. */
bool pl_lstm_cell_forward_f32_simd(int64_t B, int64_t H, float *gates, const float *c_prev,
                                   float *c, float *tc, float *h, int64_t ldh);
/* true: pl_lstm_layer runs the plain cell kernels only (tests); process-wide. */
void pl_lstm_force_reference(bool on);

/* act: (B, 4H) activations from the forward; c_prev: (B, H) the cell state before the step;
 * tc: (B, H) tanh of the state after it; dh: (B, H) gradient of h' (NULL: zero); dc: (B, H)
 * in: gradient of c', out: gradient of c_prev (in place); dgates: (B, 4H) receives the
 * pre-activation gradients. */
void pl_lstm_cell_backward_f32(int64_t B, int64_t H, const float *act, const float *c_prev,
                               const float *tc, const float *dh, float *dc, float *dgates);
void pl_lstm_cell_backward_f64(int64_t B, int64_t H, const double *act, const double *c_prev,
                               const double *tc, const double *dh, double *dc, double *dgates);

/* One LSTM layer-direction over all T steps in one call.
 *   gi:   (T, B, 4H) input projections W_ih x_t with both biases already added
 *   h0:   (B, H) initial hidden state;  c0: (B, H) initial cell state
 *   w_hh: (4H, H) recurrent weight
 *   reverse: process t = T-1 down to 0 (the backward direction of a bidirectional layer)
 * On success *out (T, B, H) holds h_t for every t (in time order) and *c_n (B, H) the final
 * cell state; both are NEW references. The final hidden state is out[T-1] (out[0] when
 * reverse). All four inputs must share one floating dtype (float32 or float64); any strides.
 *
 * When autograd records (grad mode on and an input requires grad), out and c_n become
 * outputs 0 and 1 of one node, MkldnnRnnLayerBackward0 for float32 and StackBackward0 for
 * float64 (the names PyTorch's CPU LSTM prints for a layer's output),
 * whose backward runs the recurrence backwards: gradients of gi, h0, c0 and w_hh (not itself
 * differentiable: a backward run with grad mode on fails with PL_ERR_NOTIMPL).
 * Returns PL_OK or an error status (nothing is returned then). Borrowed arguments. */
pl_status pl_lstm_layer(pl_tensor *gi, pl_tensor *h0, pl_tensor *c0, pl_tensor *w_hh,
                        bool reverse, pl_tensor **out, pl_tensor **c_n);

#endif
