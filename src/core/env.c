/*
 * env.c - the environment's switches (SANCTRACE_NO_SYNC and the like).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sanctrace/sanctrace.h"

int st_env_flag(const char *name) {
    const char *v = getenv(name);
    if (!v || !*v) return 0;
    static const char *const off[] = {"0", "no", "false", "off"};
    for (size_t i = 0; i < sizeof off / sizeof *off; i++)
        if (!strcasecmp(v, off[i])) return 0;
    return 1;
}
