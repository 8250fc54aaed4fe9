/* synth.c - synthetic chains (being written). */
#include "chain/chain_int.h"
int st_chain_synth(const char *outdir, const st_synth_opts *opts, st_error *err) {
    (void)outdir; (void)opts;
    return st_error_set(err, ST_EINVAL, "chain synth is not available in this build yet");
}
