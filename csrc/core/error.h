/* error.h — status codes and the thread-local error message of the core.
 *
 * The core never prints, exits or aborts on a user error. A failing function records
 * a status and a message with pl_error_set() and returns NULL (pointer results) or the
 * status (pl_status results). The binding layer turns the recorded status into the
 * Python exception PyTorch raises for the same mistake (csrc/python/errors.c).
 */
#ifndef PL_ERROR_H
#define PL_ERROR_H

typedef enum pl_status {
    PL_OK = 0,
    PL_ERR_RUNTIME, /* RuntimeError: shape mismatch, misuse, bad view ... */
    PL_ERR_INDEX,   /* IndexError: index or dim out of range */
    PL_ERR_VALUE,   /* ValueError: a bad value */
    PL_ERR_TYPE,    /* TypeError: wrong operand types */
    PL_ERR_NOMEM,   /* MemoryError */
    PL_ERR_NOTIMPL, /* NotImplementedError */
} pl_status;

/* Records status and a printf-style message; returns status so callers can
 * `return pl_error_set(...)`. */
pl_status pl_error_set(pl_status status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Records PL_ERR_NOMEM with a fixed message; returns PL_ERR_NOMEM. */
pl_status pl_error_nomem(void);
/* The last recorded status and message (borrowed; valid until the next pl_error_set). */
pl_status pl_error_status(void);
const char *pl_error_message(void);
void pl_error_clear(void);

#endif
