/* vml.h — the optional Intel MKL VML route for float32/float64 elementwise functions.
 *
 * PyTorch 2.13's CPU build hands these functions of float and double tensors to MKL's Vector
 * Math Library (ATen's cpu/vml.h): exp, log (vsLn), log2, log10, sin, cos, tan, tanh, asin, acos,
 * atan, erf, erfc, sqrt (and trunc, exact either way, and erfinv, which pytorchlite lacks).
 * VML's high-accuracy sqrt is not the correctly rounded IEEE sqrt (it differs in about a sixth
 * of float32 results), so torch.sqrt and pow(x, 0.5) follow it, while the sqrt inside PyTorch's
 * own kernels (norm, std, rsqrt) stays IEEE's. ATen calls the vm?<Fn> form with the mode VML_HA | VML_FTZDAZ_OFF |
 * VML_ERRMODE_IGNORE on each chunk its TensorIterator hands out (the whole tensor when it is
 * contiguous, chunks of at least 2048 elements when several threads share it). expm1, log1p,
 * sigmoid, rsqrt and the activations do not go through VML (SLEEF / ATen's vector code).
 *
 * MKL cannot be shipped with pytorchlite; when the `mkl` wheel (the same release PyTorch 2.13
 * was built with, 2024.2) is installed, the Python package passes the path of its
 * libmkl_rt.so.2 to pl_vml_load, and these functions then give PyTorch's bits. The library is
 * opened privately (RTLD_LOCAL | RTLD_NOW) with the LP64 interface and the sequential threading
 * layer selected before any other MKL call (pytorchlite's own pool splits the work, so MKL
 * starts no OpenMP runtime), and its version string must start with PL_VML_VERSION_PREFIX.
 *
 * Every failure leaves the route off and records a message (pl_vml_error); nothing here ever
 * stops the process. Load, unload and the kernels are called under the interpreter lock (the
 * binding never releases it), so they never overlap.
 */
#ifndef PL_VML_H
#define PL_VML_H

#include <stdbool.h>
#include <stdint.h>

#define PL_VML_VERSION_PREFIX "Intel(R) oneAPI Math Kernel Library Version 2024.2"

/* The VML functions the route knows; PL_VML_NONE (0) means "no VML function". */
typedef enum pl_vml_fn {
    PL_VML_NONE = 0,
    PL_VML_EXP,
    PL_VML_LN,
    PL_VML_LOG2,
    PL_VML_LOG10,
    PL_VML_SIN,
    PL_VML_COS,
    PL_VML_TAN,
    PL_VML_TANH,
    PL_VML_ASIN,
    PL_VML_ACOS,
    PL_VML_ATAN,
    PL_VML_ERF,
    PL_VML_ERFC,
    PL_VML_SQRT,
    PL_VML_NUM_FNS
} pl_vml_fn;

/* Opens the library at path (a full path) and turns the route on. Returns true on success;
 * false, with the route off and pl_vml_error() set, on any failure (a missing file, a missing
 * symbol, another MKL release, a threading or interface layer already fixed otherwise). A call
 * while the route is on first unloads the current library. */
bool pl_vml_load(const char *path);
/* Remembers path (copied) and opens it with pl_vml_load on the first call of pl_vml_enabled,
 * pl_vml_version or pl_vml_error, that is at the first float exp, log, sin ... (see the note in
 * vml.c on why later is better). Unloads the current library first. */
void pl_vml_defer(const char *path);
/* Turns the route off and closes the library (no-op when none is loaded); forgets a deferred
 * path. */
void pl_vml_unload(void);
/* Whether the route is on (opening a deferred library first). */
bool pl_vml_enabled(void);
/* The loaded library's version string, or NULL when the route is off (borrowed, static; opens
 * a deferred library first, as the next one does). */
const char *pl_vml_version(void);
/* Why the last pl_vml_load failed, or NULL when it succeeded or was never called (borrowed). */
const char *pl_vml_error(void);

/* out[i] = fn(in[i]) for i < n through VML, float (f64 false) or double, split over the thread
 * pool in chunks of at least 2048 elements, as ATen splits them. out may equal in (in place),
 * otherwise the two must not overlap. Returns false, doing nothing, when the route is off or fn
 * is PL_VML_NONE. */
bool pl_vml_run(pl_vml_fn fn, bool f64, void *out, const void *in, int64_t n);

#endif
