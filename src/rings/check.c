/*
 * check.c - hiring-time checks: which ring a new application would join,
 * at what risk and on what evidence, without changing the state.
 *
 * Design: a check is an ordinary run over the state's records plus the
 * records to check, marked by arrival (every record added after
 * st_rings_check_begin is one to check); the answer is read off that run
 * and the state is never saved, so adding the records is a separate,
 * explicit step (`sanctrace rings --state DIR FILE`).  The rings are
 * exactly those a run over everything would give, whatever the split.
 * Invariant: nothing here writes to the state folder.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "rings/rings_int.h"

void st_rings_check_begin(st_rings *r) {
    r->check_from = r->seq;
    r->checking = 1;
}

static void put_text(FILE *f, const char *s) {
    json_t *j = json_string(s);
    if (!j) j = json_string("");
    json_dumpf(j, f, JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
    json_decref(j);
}

int st_rings_write_check(const st_rings *r, FILE *f) {
    if (!r->ran || !r->checking) return ST_EINVAL;
    size_t n = r->recs.len, checked = 0, high = 0;
    fputs("{\"checks\": [", f);
    for (size_t i = 0; i < n; i++) {
        const rg_rec *x = &RG_AT(r->recs, rg_rec, i);
        if (x->seq < r->check_from) continue;
        double risk = r->rec_risk[i];
        high += risk >= 0.7;
        fputs(checked++ ? ",\n  {\"id\": " : "\n  {\"id\": ", f);
        put_text(f, x->id);
        uint32_t c = r->cluster[i];
        fputs(", \"ring\": ", f);
        if (c == UINT32_MAX) fputs("null", f);
        else put_text(f, r->ring_ids[c]);
        /* members already in the state, and whether the ring is new */
        uint32_t known = 0, total = 0;
        if (c != UINT32_MAX)
            for (uint32_t m = r->cl_start[c]; m < r->cl_start[c + 1]; m++) {
                total++;
                known += RG_AT(r->recs, rg_rec, r->cl_members[m]).seq < r->check_from;
            }
        fprintf(f, ", \"ring_records\": %u, \"ring_records_in_state\": %u, \"ring_personas\": %u, \"ring_risk\": %.3f",
                total, known, c == UINT32_MAX ? 0 : r->personas[c], c == UINT32_MAX ? 0.0 : (double)r->ring_risk[c]);
        fprintf(f, ", \"risk\": %.3f, \"level\": \"%s\", \"linked_to\": [", risk, rg_level(risk));
        /* the evidence: the record's own merged links, strongest first */
        uint32_t shown = 0;
        for (size_t k = 0; k < r->edges.len && shown < 20; k++) {
            const rg_edge *e = &RG_AT(r->edges, rg_edge, k);
            if ((e->a != i && e->b != i) || !e->merged) continue;
            uint32_t o = e->a == i ? e->b : e->a;
            fputs(shown++ ? ", {\"id\": " : "{\"id\": ", f);
            put_text(f, RG_AT(r->recs, rg_rec, o).id);
            fprintf(f, ", \"strong\": %.3f, \"weak\": %.3f, \"person\": %.1f, \"kept\": %s}", e->strong, e->weak,
                    e->person < -100 ? 0.0 : e->person, e->cut ? "false" : "true");
        }
        fputs("], \"joins\": [", f);
        shown = 0;
        for (size_t k = 0; k < r->joins.len; k++) {
            const rg_join *j = &RG_AT(r->joins, rg_join, k);
            if (c == UINT32_MAX || r->cluster[j->a] != c) continue;
            fputs(shown++ ? ", {\"parts\": [" : "{\"parts\": [", f);
            put_text(f, RG_AT(r->recs, rg_rec, j->a).id);
            fputs(", ", f);
            put_text(f, RG_AT(r->recs, rg_rec, j->b).id);
            fprintf(f, "], \"bits\": %.2f, \"kinds\": [", j->score);
            int first = 1;
            for (int g = 0; g < RG_JG_N; g++)
                if (j->bits[g] > 0) {
                    fprintf(f, "%s{\"signal\": \"%s\", \"bits\": %.2f}", first ? "" : ", ", rg_join_group_names[g], j->bits[g]);
                    first = 0;
                }
            fputs("]}", f);
        }
        fputs("], \"indicators\": [", f);
        for (uint32_t k = r->ind_start[i]; k < r->ind_start[i + 1]; k++) {
            const rg_ind *in = &RG_AT(r->inds, rg_ind, k);
            fprintf(f, "%s{\"indicator\": \"%s\", \"detail\": ", k > r->ind_start[i] ? ", " : "", rg_ind_names[in->code]);
            put_text(f, in->detail ? in->detail : "");
            fprintf(f, ", \"weight\": %.2f}", rg_ind_weight[in->code]);
        }
        fputs("]}", f);
    }
    fprintf(f, "%s],\n \"summary\": {\"checked\": %zu, \"high\": %zu, \"state_records\": %zu, \"state_modified\": false}}\n",
            checked ? "\n " : "", checked, high, n - checked);
    return ferror(f) ? ST_EIO : ST_OK;
}

size_t st_rings_check_high(const st_rings *r) {
    size_t high = 0;
    for (size_t i = 0; r->ran && i < r->recs.len; i++)
        high += RG_AT(r->recs, rg_rec, i).seq >= r->check_from && r->checking && r->rec_risk[i] >= 0.7;
    return high;
}

json_t *st_rings_check_result(const st_rings *r) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return NULL;
    int rc = st_rings_write_check(r, f);
    if (fclose(f) != 0) rc = ST_EIO;
    json_t *j = NULL;
    if (rc == ST_OK) j = json_loadb(buf, len, 0, NULL);
    free(buf);
    return j;
}
