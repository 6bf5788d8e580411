/* rnn_cell.c — the fused LSTM cell (forward and backward kernels) and pl_lstm_layer, the
 * recurrence of one LSTM layer-direction over all time steps in one call (see rnn.h).
 *
 * PyTorch's CPU LSTM runs each layer as one op (mkldnn_rnn_layer, grad_fn
 * MkldnnRnnLayerBackward0); this is the same split. The input projections of all steps are one
 * GEMM done by the caller (F.linear over the whole sequence); here each step adds
 * h_{t-1} W_hh^T to its row block of the projections and runs the cell over the 4H gates.
 *
 * The plain reference for all of this is the composition of Tensor ops in
 * pytorchlite/nn/modules/rnn.py (_lstm_step), which the tests compare with this file's path.
 *
 * Workspace of a recorded layer (one 1-D tensor, saved[0]), in processing order p (p = t, or
 * T-1-t when reverse):
 *     act  (T, B, 4H)   the activations i, f, g, o of step p
 *     cs   (T+1, B, H)  cs[0] = c0, cs[p+1] = the cell state after step p
 *     tcs  (T, B, H)    tanh(cs[p+1]), which the backward needs (no tanh there)
 *     h0   (B, H)       a copy of the initial hidden state
 * saved[1] = out (T, B, H), saved[2] = w_hh (4H, H); ints[0..3] = T, B, H, reverse.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../autograd.h"
#include "../gemm.h"
#include "../ops.h"
#include "../rnn.h"

/* ------------------------------------------------------------------------------------ */
/* The cell kernels                                                                       */

#define DEFINE_LSTM_CELL(S, T, EXP, TANH)                                                  \
    static inline T sigmoid_##S(T x) { return (T)1 / ((T)1 + EXP(-x)); }                  \
                                                                                           \
    void pl_lstm_cell_forward_##S(int64_t B, int64_t H, T *gates, const T *c_prev, T *c,    \
                                  T *tc, T *h, int64_t ldh)                                \
    {                                                                                      \
        for (int64_t b = 0; b < B; b++) {                                                  \
            T *gi = gates + b * 4 * H, *gf = gi + H, *gg = gf + H, *go = gg + H;           \
            const T *cp = c_prev + b * H;                                                  \
            T *cn = c + b * H, *hn = h + b * ldh, *tn = tc ? tc + b * H : NULL;            \
            for (int64_t j = 0; j < H; j++) {                                              \
                T i = sigmoid_##S(gi[j]), f = sigmoid_##S(gf[j]);                          \
                T g = TANH(gg[j]), o = sigmoid_##S(go[j]);                                 \
                T cv = f * cp[j] + i * g;                                                  \
                gi[j] = i;                                                                 \
                gf[j] = f;                                                                 \
                gg[j] = g;                                                                 \
                go[j] = o;                                                                 \
                cn[j] = cv;                                                                \
                T t = TANH(cv);                                                            \
                if (tn) tn[j] = t;                                                         \
                hn[j] = o * t;                                                             \
            }                                                                              \
        }                                                                                  \
    }                                                                                      \
                                                                                           \
    /* in the forward pass this was: c' = f * c + i * g, h' = o * tanh(c'), so:            \
     *   dc' += dh' * o * (1 - tanh(c')^2);  do = dh' * tanh(c');                          \
     *   di = dc' * g;  df = dc' * c;  dg = dc' * i;  dc = dc' * f;                        \
     * and through the nonlinearities: sigmoid' = s (1 - s), tanh' = 1 - t^2 */            \
    void pl_lstm_cell_backward_##S(int64_t B, int64_t H, const T *act, const T *c_prev,     \
                                   const T *tc, const T *dh, T *dc, T *dgates)             \
    {                                                                                      \
        for (int64_t b = 0; b < B; b++) {                                                  \
            const T *ai = act + b * 4 * H, *af = ai + H, *ag = af + H, *ao = ag + H;       \
            const T *cp = c_prev + b * H, *tcb = tc + b * H;                               \
            const T *dhb = dh ? dh + b * H : NULL;                                         \
            T *dcb = dc + b * H;                                                           \
            T *di = dgates + b * 4 * H, *df = di + H, *dg = df + H, *dO = dg + H;          \
            for (int64_t j = 0; j < H; j++) {                                              \
                T i = ai[j], f = af[j], g = ag[j], o = ao[j];                              \
                T t = tcb[j];                                                              \
                T dhv = dhb ? dhb[j] : (T)0;                                               \
                T dcv = dcb[j] + dhv * o * ((T)1 - t * t);                                 \
                dO[j] = dhv * t * o * ((T)1 - o);                                          \
                di[j] = dcv * g * i * ((T)1 - i);                                          \
                df[j] = dcv * cp[j] * f * ((T)1 - f);                                      \
                dg[j] = dcv * i * ((T)1 - g * g);                                          \
                dcb[j] = dcv * f;                                                          \
            }                                                                              \
        }                                                                                  \
    }

DEFINE_LSTM_CELL(f32, float, expf, tanhf)
DEFINE_LSTM_CELL(f64, double, exp, tanh)

/* ------------------------------------------------------------------------------------ */
/* The recurrence over all steps, forward and backward                                   */

typedef struct lstm_dims {
    int64_t nt, B, H; /* T, B, H */
    bool reverse;
} lstm_dims;

/* the time index of processing step p */
static inline int64_t
time_of(const lstm_dims *d, int64_t p)
{
    return d->reverse ? d->nt - 1 - p : p;
}

#define DEFINE_LSTM_RUN(S, T, GEMM, CELL_FWD)                                                        \
    /* gi (T,B,4H), h0 (B,H), c0 (B,H), w_hh (4H,H) contiguous; out (T,B,H), cn (B,H);     \
     * ws: the workspace (above) or NULL when nothing is recorded. */                      \
    static pl_status lstm_forward_##S(const lstm_dims *d, const T *gi, const T *h0,         \
                                      const T *c0, const T *w_hh, T *out, T *cn, T *ws)    \
    {                                                                                      \
        const int64_t B = d->B, H = d->H, G4 = 4 * H;                                      \
        T *scratch = NULL, *wt = NULL;                                                     \
        if (!ws && !(scratch = malloc((size_t)(B * G4 > 0 ? B * G4 : 1) * sizeof(T))))      \
            return pl_error_nomem();                                                       \
        if (B > 4) { /* many rows: W_hh^T once, so each step's GEMM needs no transposing */ \
            wt = malloc((size_t)(G4 * H > 0 ? G4 * H : 1) * sizeof(T)); /* (H, 4H) */      \
            if (!wt) {                                                                     \
                free(scratch);                                                             \
                return pl_error_nomem();                                                   \
            }                                                                              \
            for (int64_t r = 0; r < G4; r++)                                               \
                for (int64_t k = 0; k < H; k++) wt[k * G4 + r] = w_hh[r * H + k];          \
        }                                                                                  \
        T *cs = ws ? ws + d->nt * B * G4 : NULL;      /* (T+1, B, H) */                     \
        T *tcs = ws ? cs + (d->nt + 1) * B * H : NULL; /* (T, B, H) */                      \
        if (ws) {                                                                          \
            memcpy(cs, c0, (size_t)(B * H) * sizeof(T));                                   \
            memcpy(tcs + d->nt * B * H, h0, (size_t)(B * H) * sizeof(T));                   \
        }                                                                                  \
        for (int64_t p = 0; p < d->nt; p++) {                                               \
            int64_t t = time_of(d, p);                                                     \
            T *g = ws ? ws + p * B * G4 : scratch; /* (B, 4H) */                           \
            const T *hprev = p == 0 ? h0 : out + time_of(d, p - 1) * B * H;                \
            memcpy(g, gi + t * B * G4, (size_t)(B * G4) * sizeof(T));                      \
            if (wt) GEMM(false, false, B, G4, H, 1, hprev, H, wt, G4, 1, g, G4);           \
            else GEMM(false, true, B, G4, H, 1, hprev, H, w_hh, H, 1, g, G4);              \
            const T *cprev = ws ? cs + p * B * H : (p == 0 ? c0 : cn);                     \
            T *cnew = ws ? cs + (p + 1) * B * H : cn;                                      \
            CELL_FWD(B, H, g, cprev, cnew, ws ? tcs + p * B * H : NULL, out + t * B * H, H);  \
        }                                                                                  \
        if (ws) memcpy(cn, cs + d->nt * B * H, (size_t)(B * H) * sizeof(T));                \
        else if (d->nt == 0) memcpy(cn, c0, (size_t)(B * H) * sizeof(T));                   \
        free(scratch);                                                                     \
        free(wt);                                                                          \
        return PL_OK;                                                                      \
    }                                                                                      \
                                                                                           \
    /* ws, out, w_hh as saved; dout (T,B,H) and dcn (B,H) the outputs' gradients (NULL:    \
     * none). Fills dgi (T,B,4H) and, where not NULL, dh0, dc0 (B,H) and dw (4H,H). */     \
    static pl_status lstm_backward_##S(const lstm_dims *d, const T *ws, const T *out,       \
                                       const T *w_hh, const T *dout, const T *dcn, T *dgi, \
                                       T *dh0, T *dc0, T *dw)                              \
    {                                                                                      \
        const int64_t B = d->B, H = d->H, G4 = 4 * H, BH = B * H;                          \
        const T *cs = ws + d->nt * B * G4, *tcs = cs + (d->nt + 1) * BH;                    \
        const T *h0 = tcs + d->nt * BH;                                                    \
        T *dh = calloc((size_t)(2 * BH > 0 ? 2 * BH : 1), sizeof(T)); /* dh, dc (B,H) */   \
        if (!dh) return pl_error_nomem();                                                  \
        T *dc = dh + BH;                                                                   \
        if (dcn) memcpy(dc, dcn, (size_t)BH * sizeof(T));                                  \
        for (int64_t p = d->nt - 1; p >= 0; p--) {                                          \
            int64_t t = time_of(d, p);                                                     \
            if (dout)                                                                      \
                for (int64_t k = 0; k < BH; k++) dh[k] += dout[t * BH + k];                \
            T *dg = dgi + t * B * G4;                                                      \
            pl_lstm_cell_backward_##S(B, H, ws + p * B * G4, cs + p * BH, tcs + p * BH, dh,  \
                                      dc, dg);                                             \
            /* h_{t-1} fed the gates through W_hh: dh_{t-1} = dG W_hh */                   \
            GEMM(false, false, B, H, G4, 1, dg, G4, w_hh, H, 0, dh, H);                    \
        }                                                                                  \
        if (dh0) memcpy(dh0, dh, (size_t)BH * sizeof(T));                                  \
        if (dc0) memcpy(dc0, dc, (size_t)BH * sizeof(T));                                  \
        free(dh);                                                                          \
        if (!dw) return PL_OK;                                                             \
        /* dW_hh = sum over steps of dG_t^T h_prev(t): one GEMM over (T * B) rows */       \
        T *hp = malloc((size_t)(d->nt * BH > 0 ? d->nt * BH : 1) * sizeof(T)); /* (T,B,H) */ \
        if (!hp) return pl_error_nomem();                                                  \
        for (int64_t p = 0; p < d->nt; p++) {                                               \
            const T *src = p == 0 ? h0 : out + time_of(d, p - 1) * BH;                     \
            memcpy(hp + time_of(d, p) * BH, src, (size_t)BH * sizeof(T));                  \
        }                                                                                  \
        GEMM(true, false, G4, H, d->nt * B, 1, dgi, G4, hp, H, 0, dw, H);                   \
        free(hp);                                                                          \
        return PL_OK;                                                                      \
    }

static bool force_reference;

void
pl_lstm_force_reference(bool on)
{
    force_reference = on;
}

/* The float32 cell: the SIMD kernel unless the reference is forced or the CPU lacks it. */
static void
cell_forward_f32(int64_t B, int64_t H, float *gates, const float *c_prev, float *c, float *tc,
                 float *h, int64_t ldh)
{
    if (force_reference || !pl_lstm_cell_forward_f32_simd(B, H, gates, c_prev, c, tc, h, ldh))
        pl_lstm_cell_forward_f32(B, H, gates, c_prev, c, tc, h, ldh);
}

DEFINE_LSTM_RUN(f32, float, pl_sgemm, cell_forward_f32)
DEFINE_LSTM_RUN(f64, double, pl_dgemm, pl_lstm_cell_forward_f64)

/* ------------------------------------------------------------------------------------ */
/* The autograd node                                                                     */

static void
release_n(pl_tensor **ts, int n)
{
    for (int i = 0; i < n; i++) pl_tensor_release(ts[i]);
}

static pl_status
lstm_layer_backward(pl_node *node, pl_tensor *dout, pl_tensor **din)
{
    if (pl_grad_enabled()) { /* a backward that records its own graph (create_graph) */
        return pl_error_set(PL_ERR_NOTIMPL, "pytorchlite: the fused LSTM layer (%s) has no "
                            "double backward", node->kind->name);
    }
    pl_tensor *ws = pl_node_saved(node, 0), *out = pl_node_saved(node, 1);
    pl_tensor *w_hh = pl_node_saved(node, 2);
    if (!ws || !out || !w_hh) return pl_error_status();
    lstm_dims d = {node->ints[0], node->ints[1], node->ints[2], node->ints[3] != 0};
    pl_tensor *g_out = node->out_grads ? node->out_grads[0] : dout; /* borrowed */
    pl_tensor *g_cn = node->out_grads ? node->out_grads[1] : NULL;   /* borrowed */
    /* new references: contiguous gradients, then the results */
    pl_tensor *tmp[6] = {0};
    enum { GOUT, GCN, DGI, DH0, DC0, DW };
    pl_dtype dt = ws->dtype;
    int64_t gshape[3] = {d.nt, d.B, 4 * d.H}, sshape[2] = {d.B, d.H}, wshape[2] = {4 * d.H, d.H};
    if ((g_out && !(tmp[GOUT] = pl_contiguous(g_out))) || (g_cn && !(tmp[GCN] = pl_contiguous(g_cn))) ||
        !(tmp[DGI] = pl_tensor_empty(3, gshape, dt)) ||
        (node->next[1].fn && !(tmp[DH0] = pl_tensor_empty(2, sshape, dt))) ||
        (node->next[2].fn && !(tmp[DC0] = pl_tensor_empty(2, sshape, dt))) ||
        (node->next[3].fn && !(tmp[DW] = pl_tensor_empty(2, wshape, dt)))) {
        release_n(tmp, 6);
        return pl_error_status();
    }
#define DATA(i, T) (tmp[i] ? (T *)pl_tensor_data(tmp[i]) : NULL)
    pl_status st;
    if (dt == PL_FLOAT32) {
        st = lstm_backward_f32(&d, (const float *)pl_tensor_data(ws),
                               (const float *)pl_tensor_data(out),
                               (const float *)pl_tensor_data(w_hh), DATA(GOUT, const float),
                               DATA(GCN, const float), DATA(DGI, float), DATA(DH0, float),
                               DATA(DC0, float), DATA(DW, float));
    } else {
        st = lstm_backward_f64(&d, (const double *)pl_tensor_data(ws),
                               (const double *)pl_tensor_data(out),
                               (const double *)pl_tensor_data(w_hh), DATA(GOUT, const double),
                               DATA(GCN, const double), DATA(DGI, double), DATA(DH0, double),
                               DATA(DC0, double), DATA(DW, double));
    }
#undef DATA
    pl_tensor_release(tmp[GOUT]);
    pl_tensor_release(tmp[GCN]);
    if (st != PL_OK) {
        release_n(tmp + DGI, 4);
        return st;
    }
    if (node->next[0].fn) din[0] = tmp[DGI];
    else pl_tensor_release(tmp[DGI]);
    din[1] = tmp[DH0];
    din[2] = tmp[DC0];
    din[3] = tmp[DW];
    return PL_OK;
}

/* The names PyTorch's CPU LSTM prints for a layer's output: float32 runs as one oneDNN layer
 * op; float64 runs step by step and stacks the steps' outputs. */
static const pl_node_kind lstm_layer_kind = {.name = "MkldnnRnnLayerBackward0",
                                             .backward = lstm_layer_backward};
static const pl_node_kind lstm_layer_kind_f64 = {.name = "StackBackward0",
                                                 .backward = lstm_layer_backward};

static pl_status
check_layer_args(pl_tensor *gi, pl_tensor *h0, pl_tensor *c0, pl_tensor *w_hh)
{
    if (gi->ndim != 3 || h0->ndim != 2 || c0->ndim != 2 || w_hh->ndim != 2) {
        return pl_error_set(PL_ERR_RUNTIME,
                            "lstm_layer: expected gates (T, B, 4H), h0 and c0 (B, H), w_hh (4H, H); "
                            "got %d-D, %d-D, %d-D, %d-D tensors",
                            gi->ndim, h0->ndim, c0->ndim, w_hh->ndim);
    }
    int64_t B = gi->shape[1], H = w_hh->shape[1];
    if (gi->shape[2] != 4 * H || w_hh->shape[0] != 4 * H || h0->shape[0] != B ||
        h0->shape[1] != H || c0->shape[0] != B || c0->shape[1] != H) {
        return pl_error_set(PL_ERR_RUNTIME,
                            "lstm_layer: inconsistent sizes: gates [%lld, %lld, %lld], h0 [%lld, %lld], "
                            "c0 [%lld, %lld], w_hh [%lld, %lld]",
                            (long long)gi->shape[0], (long long)B, (long long)gi->shape[2],
                            (long long)h0->shape[0], (long long)h0->shape[1],
                            (long long)c0->shape[0], (long long)c0->shape[1],
                            (long long)w_hh->shape[0], (long long)H);
    }
    pl_dtype dt = gi->dtype;
    if (!pl_dtype_is_floating(dt) || h0->dtype != dt || c0->dtype != dt || w_hh->dtype != dt) {
        return pl_error_set(PL_ERR_RUNTIME,
                            "lstm_layer: expected all inputs to have one floating dtype, got %s, "
                            "%s, %s, %s",
                            pl_dtype_name(gi->dtype), pl_dtype_name(h0->dtype),
                            pl_dtype_name(c0->dtype), pl_dtype_name(w_hh->dtype));
    }
    return PL_OK;
}

pl_status
pl_lstm_layer(pl_tensor *gi, pl_tensor *h0, pl_tensor *c0, pl_tensor *w_hh, bool reverse,
              pl_tensor **out, pl_tensor **c_n)
{
    *out = *c_n = NULL;
    pl_status st = check_layer_args(gi, h0, c0, w_hh);
    if (st != PL_OK) return st;
    if (gi->dtype == PL_FLOAT16 || gi->dtype == PL_BFLOAT16) {
        /* storage dtypes: in float32, each output rounded once (autograd sees the casts) */
        pl_tensor *f[4] = {gi, h0, c0, w_hh}, *o32 = NULL, *c32 = NULL;
        int n = 0;
        while (n < 4 && (f[n] = pl_to_dtype(f[n], PL_FLOAT32))) n++;
        st = n == 4 ? pl_lstm_layer(f[0], f[1], f[2], f[3], reverse, &o32, &c32) : pl_error_status();
        for (int i = 0; i < n; i++) pl_tensor_release(f[i]);
        if (st != PL_OK) return st;
        pl_tensor *o16 = pl_from_compute(o32, gi->dtype); /* steals o32 */
        pl_tensor *c16 = pl_from_compute(c32, gi->dtype); /* steals c32 */
        if (!o16 || !c16) {
            pl_tensor_release(o16);
            pl_tensor_release(c16);
            return pl_error_status();
        }
        *out = o16;
        *c_n = c16;
        return PL_OK;
    }
    pl_tensor *ins[4] = {gi, h0, c0, w_hh};
    bool record = pl_needs_grad(ins, 4);
    lstm_dims d = {gi->shape[0], gi->shape[1], w_hh->shape[1], reverse};
    pl_dtype dt = gi->dtype;
    /* new references: contiguous inputs, outputs, workspace */
    pl_tensor *c[4] = {0}, *o = NULL, *cn = NULL, *ws = NULL;
    int64_t oshape[3] = {d.nt, d.B, d.H}, sshape[2] = {d.B, d.H};
    int64_t wsize = d.nt * d.B * 4 * d.H + (2 * d.nt + 2) * d.B * d.H;
    for (int i = 0; i < 4; i++) {
        if (!(c[i] = pl_contiguous(ins[i]))) goto fail;
    }
    if (!(o = pl_tensor_empty(3, oshape, dt)) || !(cn = pl_tensor_empty(2, sshape, dt)) ||
        (record && !(ws = pl_tensor_empty(1, &wsize, dt)))) {
        goto fail;
    }
#define DATA(t, T) ((T *)pl_tensor_data(t))
    if (dt == PL_FLOAT32) {
        st = lstm_forward_f32(&d, DATA(c[0], const float), DATA(c[1], const float),
                              DATA(c[2], const float), DATA(c[3], const float), DATA(o, float),
                              DATA(cn, float), ws ? DATA(ws, float) : NULL);
    } else {
        st = lstm_forward_f64(&d, DATA(c[0], const double), DATA(c[1], const double),
                              DATA(c[2], const double), DATA(c[3], const double),
                              DATA(o, double), DATA(cn, double), ws ? DATA(ws, double) : NULL);
    }
#undef DATA
    if (st != PL_OK) goto fail;
    if (record) {
        /* two outputs: pl_record makes o output 0, then cn is attached as output 1 */
        pl_tensor *save[3] = {ws, o, c[3]};
        pl_node *node;
        if (!(o = pl_record(o, dt == PL_FLOAT32 ? &lstm_layer_kind : &lstm_layer_kind_f64, ins, 4,
                            save, 3, &node))) {
            goto fail;
        }
        node->ints[0] = d.nt;
        node->ints[1] = d.B;
        node->ints[2] = d.H;
        node->ints[3] = reverse;
        node->n_outputs = 2;
        pl_node_attach_output(cn, node, 1);
    }
    release_n(c, 4);
    pl_tensor_release(ws);
    *out = o;
    *c_n = cn;
    return PL_OK;
fail:
    release_n(c, 4);
    pl_tensor_release(o);
    pl_tensor_release(cn);
    pl_tensor_release(ws);
    return pl_error_status();
}
