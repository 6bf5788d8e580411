/* conv_transpose.c — pl_convolution_nd: the 3-D convolution and the transposed convolutions
 * (1-D, 2-D, 3-D) as ops: PyTorch's shape checks and messages, the ConvolutionBackward0 node,
 * and the three bilinear maps of ops/conv_nd.h as recorded ops, so that every gradient is
 * differentiable again (double backward). The kernels are in ops/conv3d.c.
 *
 * A transposed convolution y = BX(x, w) is the input gradient of the direct convolution whose
 * output has x's sizes; its gradients are dx = FWD(dy, w) and dw = BW(dy, x). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../autograd.h"
#include "../conv.h"
#include "../ops.h"
#include "conv_nd.h"
#include "internal.h"

/* Node ints: [0] nsp, [1] groups, [2..4] stride, [5..7] padding, [8..10] dilation,
 * [11..13] the direct input sizes, [14..16] the kernel sizes, all (D, H, W) with unit leading
 * entries; [17] the map (PL_CONVND_*) of a map node, or whether ConvolutionBackward0 is of a
 * transposed convolution. The output sizes come from a tensor at hand (a map's dy-like
 * operand, or the transposed input), never from the ints. */
enum { I_NSP = 0, I_G = 1, I_S = 2, I_P = 5, I_D = 8, I_IN = 11, I_K = 14, I_TAG = 17 };

static void
ints_from_geom(const pl_convnd_geom *g, int nsp, int64_t tag, int64_t *ints)
{
    ints[I_NSP] = nsp;
    ints[I_G] = g->G;
    for (int i = 0; i < 3; i++) {
        ints[I_S + i] = g->s[i], ints[I_P + i] = g->p[i], ints[I_D + i] = g->d[i];
        ints[I_IN + i] = g->in[i], ints[I_K + i] = g->k[i];
    }
    ints[I_TAG] = tag;
}

/* t's nsp trailing sizes into v (D, H, W), unit entries in front. */
static void
spatial3(const pl_tensor *t, int nsp, int64_t *v)
{
    for (int i = 0; i < 3; i++) v[i] = i < 3 - nsp ? 1 : t->shape[t->ndim - 3 + i];
}

/* ---- the maps as tensors ---- */

/* Map `which` of the geometry in ints with the direct output sizes out3 (D, H, W): a new
 * tensor (contiguous, a's dtype), not recorded; *g receives the geometry. a, b borrowed. */
static pl_tensor *
map_compute(const int64_t *ints, int which, pl_tensor *a, pl_tensor *b, const int64_t *out3,
            pl_convnd_geom *g)
{
    int nsp = (int)ints[I_NSP];
    g->G = ints[I_G];
    for (int i = 0; i < 3; i++) {
        g->s[i] = ints[I_S + i], g->p[i] = ints[I_P + i], g->d[i] = ints[I_D + i];
        g->in[i] = ints[I_IN + i], g->k[i] = ints[I_K + i];
    }
    memcpy(g->out, out3, sizeof g->out);
    g->N = a->shape[0];
    g->C = which == PL_CONVND_BX ? b->shape[1] * g->G : a->shape[1];
    g->O = which == PL_CONVND_FWD ? b->shape[0] : which == PL_CONVND_BX ? a->shape[1] : b->shape[1];
    int64_t shape[5];
    const int64_t *sp = which == PL_CONVND_FWD ? g->out : which == PL_CONVND_BX ? g->in : g->k;
    shape[0] = which == PL_CONVND_BW ? g->O : g->N;
    shape[1] = which == PL_CONVND_FWD ? g->O : which == PL_CONVND_BX ? g->C : g->C / g->G;
    for (int i = 0; i < nsp; i++) shape[2 + i] = sp[3 - nsp + i];
    pl_tensor *out = pl_tensor_empty(nsp + 2, shape, a->dtype);
    pl_tensor *ac = out ? pl_contiguous(a) : NULL;
    pl_tensor *bt = ac ? pl_to_dtype(b, a->dtype) : NULL, *bc = bt ? pl_contiguous(bt) : NULL;
    bool ok = bc && pl_convnd_kernel(g, which, a->dtype, pl_tensor_data(ac), pl_tensor_data(bc),
                                     pl_tensor_data(out)) == PL_OK;
    pl_tensor_release(ac);
    pl_tensor_release(bt);
    pl_tensor_release(bc);
    if (!ok) {
        pl_tensor_release(out);
        return NULL;
    }
    return out;
}

static pl_tensor *map_recorded(const int64_t *ints, int which, pl_tensor *a, pl_tensor *b,
                               const pl_tensor *shaped);

/* A map node's backward, given gout (the map's output shape), from its saved a and b:
 *   FWD(x, w):  dx = BX(gout, w),  dw = BW(x, gout)
 *   BX(dy, w):  ddy = FWD(gout, w), dw = BW(gout, dy)
 *   BW(x, dy):  dx = BX(dy, gout),  ddy = FWD(x, gout)          */
static pl_status
map_backward(pl_node *node, pl_tensor *gout, pl_tensor **din)
{
    pl_tensor *a = pl_node_saved(node, 0), *b = pl_node_saved(node, 1);
    if (!a || !b) return pl_error_status();
    const int64_t *k = node->ints;
    int which = (int)k[I_TAG];
    bool want_a = node->next[0].fn != NULL, want_b = node->next[1].fn != NULL;
    if (which == PL_CONVND_FWD) {
        if (want_a && !(din[0] = map_recorded(k, PL_CONVND_BX, gout, b, gout))) goto fail;
        if (want_b && !(din[1] = map_recorded(k, PL_CONVND_BW, a, gout, gout))) goto fail;
    } else if (which == PL_CONVND_BX) {
        if (want_a && !(din[0] = map_recorded(k, PL_CONVND_FWD, gout, b, a))) goto fail;
        if (want_b && !(din[1] = map_recorded(k, PL_CONVND_BW, gout, a, a))) goto fail;
    } else {
        if (want_a && !(din[0] = map_recorded(k, PL_CONVND_BX, b, gout, b))) goto fail;
        if (want_b && !(din[1] = map_recorded(k, PL_CONVND_FWD, a, gout, b))) goto fail;
    }
    return PL_OK;
fail:
    return pl_error_status();
}

static const pl_node_kind map_kind = {"ConvolutionBackwardBackward0", map_backward,
                                      PL_KIND_DIFFERENTIABLE};

/* map_compute with the output sizes of `shaped` (a tensor of the direct output's shape),
 * recorded (a, b saved) when grad mode is on and a or b requires grad. */
static pl_tensor *
map_recorded(const int64_t *ints, int which, pl_tensor *a, pl_tensor *b, const pl_tensor *shaped)
{
    pl_convnd_geom g;
    int64_t out3[3];
    spatial3(shaped, (int)ints[I_NSP], out3);
    pl_tensor *out = map_compute(ints, which, a, b, out3, &g);
    pl_tensor *ins[2] = {a, b};
    int64_t tagged[I_TAG + 1]; /* the geometry, then which map */
    memcpy(tagged, ints, sizeof(int64_t) * I_TAG);
    tagged[I_TAG] = which;
    return pl_record_map(out, &map_kind, ins, 2, ins, 2, tagged, I_TAG + 1, NULL);
}

/* ConvolutionBackward0 of pl_convolution_nd: saved x (the op's input) and w. */
static pl_status
conv_nd_backward(pl_node *node, pl_tensor *dout, pl_tensor **din)
{
    pl_tensor *x = pl_node_saved(node, 0), *w = pl_node_saved(node, 1);
    if (!x || !w) return pl_error_status();
    const int64_t *k = node->ints;
    int nsp = (int)k[I_NSP];
    if (k[I_TAG]) { /* y = BX(x, w): x is the direct output, dout the direct input */
        if (node->next[0].fn && !(din[0] = map_recorded(k, PL_CONVND_FWD, dout, w, x))) goto fail;
        if (node->next[1].fn && !(din[1] = map_recorded(k, PL_CONVND_BW, dout, x, x))) goto fail;
    } else {
        if (node->next[0].fn && !(din[0] = map_recorded(k, PL_CONVND_BX, dout, w, dout))) goto fail;
        if (node->next[1].fn && !(din[1] = map_recorded(k, PL_CONVND_BW, x, dout, dout))) goto fail;
    }
    if (node->next[2].fn) {
        int64_t dims[4] = {0, 2, 3, 4};
        if (!(din[2] = pl_sum(dout, dims, nsp + 1, false))) goto fail;
    }
    return PL_OK;
fail:
    return pl_error_status();
}

static const pl_node_kind conv_nd_kind = {"ConvolutionBackward0", conv_nd_backward,
                                          PL_KIND_DIFFERENTIABLE};

/* ---- shape checks, PyTorch's messages ---- */

/* The last n of v[3] as "a x b x c". */
static void
fmt_sizes(char *buf, size_t size, const int64_t *v, int n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 3 - n; i < 3 && used < size; i++) {
        int r = snprintf(buf + used, size - used, i > 3 - n ? " x %lld" : "%lld", (long long)v[i]);
        if (r < 0) break;
        used += (size_t)r;
    }
}

/* "name_depth: a, name_height: b, name_width: c" (sep ", ") for the last n dims of v[3]. */
static void
fmt_named(char *buf, size_t size, const char *name, const int64_t *v, int n, const char *sep)
{
    static const char *dim_names[3] = {"depth", "height", "width"};
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 3 - n; i < 3 && used < size; i++) {
        int r = snprintf(buf + used, size - used, "%s%s_%s: %lld", i > 3 - n ? sep : "", name,
                         dim_names[i], (long long)v[i]);
        if (r < 0) break;
        used += (size_t)r;
    }
}

static pl_status
check_params(int nsp, bool transposed, const int64_t *stride, const int64_t *padding,
             const int64_t *dilation, const int64_t *output_padding, int64_t groups)
{
    for (int i = 0; i < nsp; i++)
        if (stride[i] <= 0) return pl_error_set(PL_ERR_RUNTIME, "non-positive stride is not supported");
    for (int i = 0; i < nsp; i++)
        if (padding[i] < 0) return pl_error_set(PL_ERR_RUNTIME, "negative padding is not supported");
    for (int i = 0; transposed && i < nsp; i++)
        if (output_padding[i] < 0)
            return pl_error_set(PL_ERR_RUNTIME, "negative output_padding is not supported");
    if (groups <= 0) return pl_error_set(PL_ERR_RUNTIME, "non-positive groups is not supported");
    for (int i = 0; !transposed && i < nsp; i++) {
        if (dilation[i] > 0) continue;
        char list[96] = "";
        size_t used = 0;
        for (int j = 0; j < nsp && used < sizeof list; j++) {
            int r = snprintf(list + used, sizeof list - used, j ? ", %lld" : "%lld",
                             (long long)dilation[j]);
            if (r < 0) break;
            used += (size_t)r;
        }
        return pl_error_set(PL_ERR_RUNTIME, "dilation should be greater than zero, but got [%s]",
                            list);
    }
    return PL_OK;
}

/* PyTorch's C++ name of a scalar type, as its dtype messages print it. */
static const char *
cpp_type_name(pl_dtype dtype)
{
    static const char *names[PL_NUM_DTYPES] = {"bool", "long int", "float", "double",
                                               "unsigned char", "signed char", "short", "int",
                                               "c10::Half", "c10::BFloat16"};
    return names[dtype];
}

static pl_status
check_tensors(const pl_tensor *x, const pl_tensor *w, const pl_tensor *bias, int nsp,
              bool transposed, int64_t groups, const char *ws, const char *xs)
{
    if (x->ndim != nsp + 2 || w->ndim != nsp + 2) {
        return pl_error_set(PL_ERR_RUNTIME,
                            "Expected %d-dimensional input for %d-dimensional weight %s, but got "
                            "%d-dimensional input of size %s instead",
                            w->ndim, w->ndim, ws, x->ndim, xs);
    }
    if (bias && !transposed && bias->dtype != x->dtype) {
        return pl_error_set(PL_ERR_RUNTIME, "Input type (%s) and bias type (%s) should be the same",
                            cpp_type_name(x->dtype), cpp_type_name(bias->dtype));
    }
    int64_t O = w->shape[0];
    if (O < groups) {
        return pl_error_set(PL_ERR_RUNTIME,
                            "Given groups=%lld, expected weight to be at least %lld at dimension "
                            "0, but got weight of size %s instead", (long long)groups,
                            (long long)groups, ws);
    }
    if (O % groups != 0) {
        return pl_error_set(PL_ERR_RUNTIME,
                            "Given groups=%lld, expected weight to be divisible by %lld at "
                            "dimension 0, but got weight of size [%s] instead",
                            (long long)groups, (long long)groups, ws);
    }
    int64_t want_c = O, out_c;
    if (!transposed && __builtin_mul_overflow(w->shape[1], groups, &want_c)) want_c = -1;
    if (x->shape[1] != want_c) {
        if (transposed)
            return pl_error_set(PL_ERR_RUNTIME,
                                "Given transposed=1, weight of size %s, expected input%s to have "
                                "%lld channels, but got %lld channels instead",
                                ws, xs, (long long)want_c, (long long)x->shape[1]);
        return pl_error_set(PL_ERR_RUNTIME,
                            "Given groups=%lld, weight of size %s, expected input%s to have %lld "
                            "channels, but got %lld channels instead",
                            (long long)groups, ws, xs, (long long)want_c,
                            (long long)x->shape[1]);
    }
    if (!transposed) out_c = O;
    else if (__builtin_mul_overflow(w->shape[1], groups, &out_c))
        return pl_error_set(PL_ERR_RUNTIME, "Given transposed=1, weight of size %s and groups=%lld "
                            "give more output channels than int64 holds", ws, (long long)groups);
    if (bias && (bias->ndim != 1 || bias->shape[0] != out_c)) {
        char bs[96];
        pl_format_shape(bs, sizeof bs, bias->ndim, bias->shape);
        return pl_error_set(PL_ERR_RUNTIME,
                            "Given %sweight of size %s, expected bias to be 1-dimensional with "
                            "%lld elements, but got bias of size %s instead",
                            transposed ? "transposed=1, " : "", ws, (long long)out_c, bs);
    }
    return PL_OK;
}

/* The dtypes, checked after the shapes as PyTorch does. */
static pl_status
check_dtypes(const pl_tensor *x, const pl_tensor *w, const pl_tensor *bias, int nsp,
             bool transposed)
{
    if (x->dtype != w->dtype)
        return pl_error_set(PL_ERR_RUNTIME, "expected scalar type %s but found %s",
                            pl_dtype_scalar_name(x->dtype), pl_dtype_scalar_name(w->dtype));
    if (pl_dtype_is_floating(x->dtype)) {
        /* a transposed one's: PyTorch casts a 1-D or 2-D one's bias, refuses a 3-D one's */
        if (bias && bias->dtype != x->dtype && nsp == 3)
            return pl_error_set(PL_ERR_RUNTIME, "expected scalar type %s but found %s",
                                pl_dtype_scalar_name(x->dtype), pl_dtype_scalar_name(bias->dtype));
        return PL_OK;
    }
    if (x->dtype == PL_BOOL || (transposed && x->dtype != PL_INT64)) /* nor has PyTorch */
        return pl_error_set(PL_ERR_NOTIMPL, "\"%s\" not implemented for '%s'",
                            !transposed ? "compute_columns3d"
                            : nsp == 3  ? "slow_conv_transpose3d_out_cpu"
                                        : "slow_conv_transpose2d_out_cpu",
                            pl_dtype_scalar_name(x->dtype));
    /* Note: PyTorch computes these (int64 transposed, integer 3-D); pytorchlite refuses */
    return pl_error_set(PL_ERR_NOTIMPL,
                        "%s convolution of dtype %s is not supported by pytorchlite (floating "
                        "dtypes only)", transposed ? "transposed" : "3-D",
                        pl_dtype_scalar_name(x->dtype));
}

/* PyTorch's refusal of an input with an empty spatial dim but a batch and channels; sp the
 * spatial sizes (D, H, W), the last n of them shown. */
static pl_status
check_nonempty_input(const pl_tensor *x, const int64_t *sp, int n)
{
    if (x->shape[0] == 0 || x->shape[1] == 0) return PL_OK;
    for (int i = 3 - n; i < 3; i++) {
        if (sp[i] != 0) continue;
        int64_t shape[5];
        int nd = 0;
        shape[nd++] = x->shape[0], shape[nd++] = x->shape[1];
        for (int j = 3 - n; j < 3; j++) shape[nd++] = sp[j];
        char s[128];
        pl_format_shape(s, sizeof s, nd, shape);
        return pl_error_set(PL_ERR_RUNTIME,
                            "Only zero batch or zero channel inputs are supported, but got input "
                            "shape: %s", s);
    }
    return PL_OK;
}

/* The direct geometry's output sizes from its input, or PyTorch's error. */
static pl_status
direct_sizes(pl_convnd_geom *g, int nsp, const pl_tensor *x)
{
    int64_t in_p[3], k_d[3];
    for (int i = 0; i < 3; i++) {
        int64_t twice;
        if (g->p[i] > INT64_MAX / 2 || __builtin_mul_overflow(g->p[i], 2, &twice) ||
            __builtin_add_overflow(g->in[i], twice, &in_p[i])) {
            return pl_error_set(PL_ERR_RUNTIME,
                                "Given padding=%lld at dimension %d , expected padding to be at "
                                "most %lld", (long long)g->p[i], i - (3 - nsp),
                                (long long)(g->p[i] > INT64_MAX / 2 ? INT64_MAX / 2
                                                                    : (INT64_MAX - g->in[i]) / 2));
        }
        if (__builtin_mul_overflow(g->d[i], g->k[i] - 1, &k_d[i]) || k_d[i] == INT64_MAX)
            k_d[i] = INT64_MAX; /* too large for any input: reported below */
        else
            k_d[i] += 1;
    }
    for (int i = 0; i < 3; i++) {
        if (in_p[i] >= k_d[i]) continue;
        char a[96], b[96];
        fmt_sizes(a, sizeof a, in_p, nsp);
        fmt_sizes(b, sizeof b, k_d, nsp);
        return pl_error_set(PL_ERR_RUNTIME,
                            "Calculated padded input size per channel: (%s). Kernel size: (%s). "
                            "Kernel size can't be greater than actual input size", a, b);
    }
    pl_status st = check_nonempty_input(x, g->in, nsp);
    if (st != PL_OK) return st;
    if (g->k[0] * g->k[1] * g->k[2] == 0) { /* PyTorch's dilated kernel words it otherwise */
        bool dilated = g->d[0] != 1 || g->d[1] != 1 || g->d[2] != 1;
        char a[96];
        if (dilated) {
            pl_format_shape(a, sizeof a, nsp, g->k + 3 - nsp);
            return pl_error_set(PL_ERR_RUNTIME, "kernel size should be greater than zero, but got %s",
                                a);
        }
        fmt_sizes(a, sizeof a, g->k, 3);
        return pl_error_set(PL_ERR_RUNTIME,
                            "kernel size should be greater than zero, but got: %s (TxHxW)", a);
    }
    for (int i = 0; i < 3; i++) g->out[i] = (in_p[i] - k_d[i]) / g->s[i] + 1;
    return PL_OK;
}

/* The transposed output sizes (the direct input's) from its input (the direct output's):
 * (out - 1) * s - 2 p + d (k - 1) + output_padding + 1, or PyTorch's error. */
static pl_status
transposed_sizes(pl_convnd_geom *g, int nsp, const int64_t *op3, const pl_tensor *x)
{
    int tn = nsp == 3 ? 3 : 2; /* PyTorch runs 1-D as 2-D and reports two dims */
    for (int i = 0; i < 3; i++) {
        if (g->p[i] <= INT64_MAX / 2) continue;
        return pl_error_set(PL_ERR_RUNTIME,
                            "Given padding=%lld at dimension %d , expected padding to be at most "
                            "%lld", (long long)g->p[i], i - (3 - nsp), (long long)(INT64_MAX / 2));
    }
    pl_status st = check_nonempty_input(x, g->out, tn);
    if (st != PL_OK) return st;
    /* PyTorch's kernel takes stride and dilation as C ints: it reports what they become */
    int64_t s32[3], d32[3];
    for (int i = 0; i < 3; i++) {
        s32[i] = (int32_t)(uint32_t)((uint64_t)g->s[i] & 0xffffffffu);
        d32[i] = (int32_t)(uint32_t)((uint64_t)g->d[i] & 0xffffffffu);
    }
    char a[160], b[160], c[160];
    for (int i = 0; i < 3; i++) {
        if (s32[i] > 0) continue;
        fmt_named(a, sizeof a, "stride", s32, tn, " ");
        return pl_error_set(PL_ERR_RUNTIME, "stride should be greater than zero, but got %s", a);
    }
    for (int i = 0; i < 3; i++) {
        if (d32[i] > 0) continue;
        fmt_named(a, sizeof a, "dilation", d32, tn, ", ");
        return pl_error_set(PL_ERR_RUNTIME, "dilation should be greater than zero, but got %s", a);
    }
    for (int i = 0; i < 3; i++) {
        if (op3[i] < g->s[i] || op3[i] < g->d[i]) continue;
        fmt_named(a, sizeof a, "output_padding", op3, tn, " ");
        fmt_named(b, sizeof b, "stride", g->s, tn, " ");
        fmt_named(c, sizeof c, "dilation", g->d, tn, " ");
        return pl_error_set(PL_ERR_RUNTIME,
                            "output padding must be smaller than either stride or dilation, but "
                            "got %s %s %s", a, b, c);
    }
    if (nsp < 3) {
        for (int i = 1; i < 3; i++) {
            if (g->k[i] > 0) continue;
            fmt_named(a, sizeof a, "kernel", g->k, 2, " ");
            return pl_error_set(PL_ERR_RUNTIME, "kernel size should be greater than zero, but got %s",
                                a);
        }
    }
    if (g->O == 0 || g->C == 0 || g->k[0] * g->k[1] * g->k[2] == 0) { /* an empty weight */
        int64_t shape[5] = {g->O, g->C / g->G, g->k[0], g->k[1], g->k[2]};
        char ws[128];
        if (nsp < 3) shape[2] = g->k[1], shape[3] = g->k[2]; /* 1-D as 2-D: (O, C, 1, kw) */
        pl_format_shape(ws, sizeof ws, nsp == 3 ? 5 : 4, shape);
        if (nsp == 3)
            return pl_error_set(PL_ERR_RUNTIME,
                                "non-empty 5D (n_output_plane x n_input_plane x kernel_depth x "
                                "kernel_height x kernel_width) tensor expected for weight, but "
                                "got: %s", ws);
        return pl_error_set(PL_ERR_RUNTIME, "non-empty 2D or 4D weight tensor expected, but got: %s",
                            ws);
    }
    bool small = false, empty = x->shape[0] == 0; /* an empty batch may give empty sizes */
    for (int i = 0; i < 3; i++) {
        int64_t v, t;
        if (__builtin_mul_overflow(g->out[i] - 1, g->s[i], &v) ||
            __builtin_mul_overflow(g->p[i], 2, &t) || __builtin_sub_overflow(v, t, &v) ||
            __builtin_mul_overflow(g->d[i], g->k[i] - 1, &t) || __builtin_add_overflow(v, t, &v) ||
            __builtin_add_overflow(v, op3[i], &v) || __builtin_add_overflow(v, 1, &v)) {
            return pl_error_set(PL_ERR_RUNTIME,
                                "Calculated output size of the transposed convolution overflows "
                                "int64 at dimension %d", i - (3 - nsp));
        }
        g->in[i] = v;
        small = small || v < (empty ? 0 : 1);
    }
    if (small) {
        fmt_sizes(a, sizeof a, g->out, tn);
        fmt_sizes(b, sizeof b, g->in, tn);
        return pl_error_set(PL_ERR_RUNTIME,
                            "Given input size per channel: (%s). Calculated output size per "
                            "channel: (%s). Output size is too small", a, b);
    }
    return PL_OK;
}

static pl_status
nd_check(const pl_tensor *x, const pl_tensor *w, const pl_tensor *bias, int nsp, bool transposed,
         const int64_t *stride, const int64_t *padding, const int64_t *dilation,
         const int64_t *output_padding, int64_t groups, pl_convnd_geom *g)
{
    if (nsp < 1 || nsp > 3)
        return pl_error_set(PL_ERR_RUNTIME, "convolution: only 1 to 3 spatial dims are supported");
    pl_status st = check_params(nsp, transposed, stride, padding, dilation, output_padding, groups);
    if (st != PL_OK) return st;
    char ws[96], xs[96];
    pl_format_shape(ws, sizeof ws, w->ndim, w->shape);
    pl_format_shape(xs, sizeof xs, x->ndim, x->shape);
    if ((st = check_tensors(x, w, bias, nsp, transposed, groups, ws, xs)) != PL_OK) return st;
    int64_t op3[3] = {0, 0, 0};
    g->N = x->shape[0];
    g->G = groups;
    for (int i = 0; i < 3; i++) {
        int j = i - (3 - nsp); /* index into the nsp-entry arrays, < 0 for a unit dim */
        g->s[i] = j < 0 ? 1 : stride[j];
        g->p[i] = j < 0 ? 0 : padding[j];
        g->d[i] = j < 0 ? 1 : dilation[j];
        g->k[i] = j < 0 ? 1 : w->shape[2 + j];
        if (transposed) op3[i] = j < 0 ? 0 : output_padding[j];
    }
    if (!transposed) {
        g->C = x->shape[1];
        g->O = w->shape[0];
        spatial3(x, nsp, g->in);
        st = direct_sizes(g, nsp, x);
    } else {
        g->O = x->shape[1];
        g->C = w->shape[1] * groups;
        spatial3(x, nsp, g->out);
        st = transposed_sizes(g, nsp, op3, x);
    }
    return st != PL_OK ? st : check_dtypes(x, w, bias, nsp, transposed);
}

/* ---- the op ---- */

#define DEFINE_ADD_BIAS(T, SUF)                                                                 \
    static void add_bias_##SUF(T *y /* (N, Ch, L) */, const T *b /* (Ch) */, int64_t N,         \
                               int64_t Ch, int64_t L)                                           \
    {                                                                                           \
        for (int64_t n = 0; n < N; n++)                                                         \
            for (int64_t c = 0; c < Ch; c++)                                                    \
                for (int64_t l = 0; l < L; l++) y[(n * Ch + c) * L + l] += b[c];                \
    }
DEFINE_ADD_BIAS(float, f32)
DEFINE_ADD_BIAS(double, f64)

pl_tensor *
pl_convolution_nd(pl_tensor *x, pl_tensor *w, pl_tensor *bias, int nsp, bool transposed,
                  const int64_t *stride, const int64_t *padding, const int64_t *dilation,
                  const int64_t *output_padding, int64_t groups)
{
    pl_convnd_geom g;
    if (nd_check(x, w, bias, nsp, transposed, stride, padding, dilation, output_padding, groups,
                 &g) != PL_OK)
        return NULL;
    if (pl_is_half(x)) { /* float16/bfloat16: in float32, rounded once, under the op's node */
        PL_RUN_IN_COMPUTE3(x, w, bias, pl_convolution_nd(cx_, cy_, cz_, nsp, transposed, stride, padding,
                                                         dilation, output_padding, groups));
    }
    int64_t ints[18];
    ints_from_geom(&g, nsp, transposed, ints);
    pl_tensor *cb = bias ? pl_to_dtype(bias, x->dtype) : NULL; /* see check_dtypes */
    pl_tensor *bc = cb ? pl_contiguous(cb) : NULL;
    pl_tensor *out = (bc || !bias) ? map_compute(ints, transposed ? PL_CONVND_BX : PL_CONVND_FWD,
                                                 x, w, g.out, &g)
                                   : NULL;
    if (out && bc) {
        int64_t ch = transposed ? g.C : g.O;
        int64_t L = transposed ? g.in[0] * g.in[1] * g.in[2] : g.out[0] * g.out[1] * g.out[2];
        if (x->dtype == PL_FLOAT32)
            add_bias_f32((float *)pl_tensor_data(out), (const float *)pl_tensor_data(bc), g.N, ch, L);
        else
            add_bias_f64((double *)pl_tensor_data(out), (const double *)pl_tensor_data(bc), g.N,
                         ch, L);
    }
    pl_tensor_release(cb);
    pl_tensor_release(bc);
    if (!out) return NULL;
    pl_tensor *ins[3] = {x, w, bias};
    if (pl_needs_grad(ins, 3)) {
        pl_node *node;
        if (!(out = pl_record(out, &conv_nd_kind, ins, 3, ins, 2, &node))) return NULL; /* x, w */
        memcpy(node->ints, ints, sizeof ints);
    }
    return out;
}
