/* vml.c — opens Intel MKL's runtime library at run time and calls its VML functions (vml.h
 * says when and why). No MKL header is needed: the few entry points and mode bits used are
 * declared here from MKL's documented C interface. */
#define _POSIX_C_SOURCE 200809L
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "parallel.h"
#include "vml.h"

/* MKL's constants (mkl_vml_defines.h, mkl_service.h) */
#define MKL_INTERFACE_LP64 0
#define MKL_THREADING_SEQUENTIAL 1
#define VML_HA 0x00000002LL
#define VML_ERRMODE_IGNORE 0x00000100LL
#define VML_FTZDAZ_OFF 0x00140000LL
/* the mode ATen passes to every vm?<Fn> call */
#define ATEN_VML_MODE (VML_HA | VML_FTZDAZ_OFF | VML_ERRMODE_IGNORE)

/* ATen's TensorIterator grain for these kernels: chunks of at least this many elements */
#define VML_GRAIN 2048

/* vm?<Fn>(n, a, r, mode): r[i] = Fn(a[i]) for i < n; MKL_INT is int with the LP64 interface
 * and the mode is a 64-bit integer */
typedef void (*vml_f32_fn)(int n, const float *a, float *r, long long mode);
typedef void (*vml_f64_fn)(int n, const double *a, double *r, long long mode);

/* the MKL name stem of each pl_vml_fn (vms<stem>, vmd<stem>) */
static const char *const fn_stems[PL_VML_NUM_FNS] = {
    [PL_VML_EXP] = "Exp",     [PL_VML_LN] = "Ln",     [PL_VML_LOG2] = "Log2",
    [PL_VML_LOG10] = "Log10", [PL_VML_SIN] = "Sin",   [PL_VML_COS] = "Cos",
    [PL_VML_TAN] = "Tan",     [PL_VML_TANH] = "Tanh", [PL_VML_ASIN] = "Asin",
    [PL_VML_ACOS] = "Acos",   [PL_VML_ATAN] = "Atan", [PL_VML_ERF] = "Erf",
    [PL_VML_ERFC] = "Erfc",   [PL_VML_SQRT] = "Sqrt",
};

/* The process's one route: the library handle and its functions. enabled is set last on load
 * and cleared first on unload. */
static struct {
    void *handle;
    bool enabled;
    vml_f32_fn f32[PL_VML_NUM_FNS];
    vml_f64_fn f64[PL_VML_NUM_FNS];
    char version[256];
} route;

static char load_error[512];
static bool has_error;
static char deferred[4096]; /* a path pl_vml_defer left to open; "" when none */

static bool fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* records the message, closes what was opened and leaves the route off; returns false */
static bool
fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(load_error, sizeof load_error, fmt, ap);
    va_end(ap);
    has_error = true;
    if (route.handle) dlclose(route.handle);
    memset(&route, 0, sizeof route);
    return false;
}

/* dlsym into a function pointer (ISO C has no object-to-function pointer conversion; copying
 * the bytes is the POSIX-sanctioned way) */
static bool
lookup(const char *name, void *fnptr, size_t size)
{
    dlerror();
    void *sym = dlsym(route.handle, name);
    if (!sym || dlerror()) return false;
    memcpy(fnptr, &sym, size);
    return true;
}

bool
pl_vml_load(const char *path)
{
    pl_vml_unload();
    has_error = false;
    if (!path || !*path) return fail("no library path given");
    /* Note: libmkl_rt opens its layers (libmkl_intel_lp64, libmkl_core ...) with global scope,
     * whatever the flags here, at its first call; a PyTorch imported after that links its
     * sgemm_, vmsExp, mkl_get_max_threads ... to them (its default thread count becomes 1). A
     * namespace of its own (dlmopen) would avoid that, but glibc crashes on those global opens
     * inside one; pl_vml_defer puts the opening off until the first function that needs it. */
    route.handle = dlopen(path, RTLD_LOCAL | RTLD_NOW);
    if (!route.handle) {
        const char *why = dlerror();
        return fail("cannot open %s: %s", path, why ? why : "unknown error");
    }
    int (*set_interface)(int) = NULL, (*set_threading)(int) = NULL;
    void (*get_version)(char *, int) = NULL;
    if (!lookup("MKL_Set_Interface_Layer", &set_interface, sizeof set_interface) ||
        !lookup("MKL_Set_Threading_Layer", &set_threading, sizeof set_threading) ||
        !lookup("MKL_Get_Version_String", &get_version, sizeof get_version)) {
        return fail("%s is not MKL's runtime library (libmkl_rt)", path);
    }
    /* before any other MKL call: each returns the layer in force afterwards */
    if (set_interface(MKL_INTERFACE_LP64) != MKL_INTERFACE_LP64) {
        return fail("MKL's interface layer is already set to another than LP64");
    }
    if (set_threading(MKL_THREADING_SEQUENTIAL) != MKL_THREADING_SEQUENTIAL) {
        return fail("MKL's threading layer is already set to another than sequential");
    }
    char version[256] = {0};
    get_version(version, (int)sizeof version - 1);
    version[sizeof version - 1] = '\0';
    if (strncmp(version, PL_VML_VERSION_PREFIX, strlen(PL_VML_VERSION_PREFIX)) != 0) {
        return fail("MKL is \"%s\", not the release PyTorch 2.13 uses (%s)", version,
                    PL_VML_VERSION_PREFIX);
    }
    for (int f = 1; f < PL_VML_NUM_FNS; f++) {
        char name[32];
        snprintf(name, sizeof name, "vms%s", fn_stems[f]);
        if (!lookup(name, &route.f32[f], sizeof route.f32[f])) {
            return fail("%s has no %s", path, name);
        }
        snprintf(name, sizeof name, "vmd%s", fn_stems[f]);
        if (!lookup(name, &route.f64[f], sizeof route.f64[f])) {
            return fail("%s has no %s", path, name);
        }
    }
    memcpy(route.version, version, sizeof version);
    route.enabled = true;
    return true;
}

void
pl_vml_defer(const char *path)
{
    pl_vml_unload();
    has_error = false;
    snprintf(deferred, sizeof deferred, "%s", path ? path : "");
    if (!deferred[0]) fail("no library path given");
}

/* opens a deferred library, once; under a lock in case the first caller is not alone (a
 * kernel running on the pool), the others waiting until the route is settled */
static pthread_mutex_t defer_lock = PTHREAD_MUTEX_INITIALIZER;

static void
open_deferred(void)
{
    pthread_mutex_lock(&defer_lock);
    if (deferred[0]) {
        char path[sizeof deferred];
        memcpy(path, deferred, sizeof path);
        pl_vml_load(path); /* clears deferred (through pl_vml_unload) */
    }
    pthread_mutex_unlock(&defer_lock);
}

void
pl_vml_unload(void)
{
    deferred[0] = '\0';
    route.enabled = false;
    if (route.handle) dlclose(route.handle);
    memset(&route, 0, sizeof route);
}

bool
pl_vml_enabled(void)
{
    if (deferred[0]) open_deferred();
    return route.enabled;
}

const char *
pl_vml_version(void)
{
    return pl_vml_enabled() ? route.version : NULL;
}

const char *
pl_vml_error(void)
{
    if (deferred[0]) open_deferred();
    return has_error ? load_error : NULL;
}

typedef struct {
    pl_vml_fn fn;
    bool f64;
    char *out;      /* (n) elements of 4 or 8 bytes */
    const char *in; /* (n) */
} vml_job;

/* one chunk [begin, end), in pieces of at most INT_MAX elements (MKL_INT is int), as ATen */
static void
vml_chunk(void *vctx, int64_t begin, int64_t end)
{
    const vml_job *j = vctx;
    size_t es = j->f64 ? sizeof(double) : sizeof(float);
    while (begin < end) {
        int64_t len = end - begin < INT_MAX ? end - begin : INT_MAX;
        const void *a = j->in + (size_t)begin * es;
        void *r = j->out + (size_t)begin * es;
        if (j->f64) {
            route.f64[j->fn]((int)len, a, r, ATEN_VML_MODE);
        } else {
            route.f32[j->fn]((int)len, a, r, ATEN_VML_MODE);
        }
        begin += len;
    }
}

bool
pl_vml_run(pl_vml_fn fn, bool f64, void *out, const void *in, int64_t n)
{
    if (!route.enabled || fn <= PL_VML_NONE || fn >= PL_VML_NUM_FNS) return false;
    if (n <= 0) return true;
    vml_job j = {fn, f64, out, in};
    pl_parallel_for(n, vml_chunk, &j, VML_GRAIN);
    return true;
}
