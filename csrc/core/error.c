/* error.c — the thread-local status and message behind error.h. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local pl_status last_status = PL_OK;
static _Thread_local char last_message[512];

pl_status
pl_error_set(pl_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_message, sizeof last_message, fmt, ap);
    va_end(ap);
    last_status = status;
    return status;
}

pl_status
pl_error_nomem(void)
{
    return pl_error_set(PL_ERR_NOMEM, "out of memory");
}

pl_status
pl_error_status(void)
{
    return last_status;
}

const char *
pl_error_message(void)
{
    return last_message;
}

void
pl_error_clear(void)
{
    last_status = PL_OK;
    last_message[0] = '\0';
}
