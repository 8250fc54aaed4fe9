/*
 * cmd_eval.c - `sanctrace eval deck`: the DPRK deck through the whole
 * screening pipeline (candidate index, comparator, entity scoring).
 *
 * Design: the deck is generated from the snapshot itself — every DPRK
 * person name on the lists, written through each romanisation system and
 * with typos, reorderings and hyphenation — so the figure follows the
 * lists, not a fixed file.  A variant counts as found when its source
 * entity is among the matches at the default threshold; an innocent name
 * counts as flagged when anything matches it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "sanctrace/io.h"
#include "sanctrace/eval.h"
#include "sanctrace/names.h"
#include "sanctrace/screen.h"

static int is_dprk(const st_entity *e) {
    if (e->schema != ST_SCHEMA_PERSON) return 0;
    if (!strncmp(e->id, "un:KPi", 6)) return 1;
    for (size_t i = 0; i < e->n_programs; i++)
        if (!strncasecmp(e->programs[i], "DPRK", 4) || !strcasecmp(e->programs[i], "NKSPEA")) return 1;
    for (size_t i = 0; i < e->n_nationalities; i++)
        if (!strcmp(e->nationalities[i], "KP")) return 1;
    return 0;
}

typedef struct deck_kind {
    const char *kind;
    size_t n, hit;
} deck_kind;

static void kind_count(deck_kind *k, size_t *nk, const char *kind, int hit) {
    for (size_t i = 0; i < *nk; i++)
        if (!strcmp(k[i].kind, kind)) { k[i].n++; k[i].hit += hit != 0; return; }
    if (*nk < 64) k[(*nk)++] = (deck_kind){kind, 1, hit != 0};
}

/* Typing errors: recall on the DPRK names with one and two slips, as
 * listed and respelt the South Korean way, and innocents with slips. */
typedef struct typo_figures {
    double recall[4]; /* one slip listed, one south, two listed, two south */
    size_t inn, inn_flag;
} typo_figures;

static int source_found(const st_snapshot *snap, const char *name, const st_entity *src,
                        const st_screen_opts *so) {
    st_query q = {.name = name, .schema = "Person"};
    st_match *m = NULL;
    size_t nm = 0;
    st_screen(snap, &q, so, &m, &nm, NULL);
    int hit = 0;
    for (size_t k = 0; k < nm; k++)
        if (m[k].match && (!src || m[k].entity == src)) hit = 1;
    st_matches_free(m, nm);
    return hit;
}

static void typo_measure(const st_snapshot *snap, const char *const *names, const st_entity *const *owner,
                         size_t n, const st_deck *inn, uint64_t seed, const st_screen_opts *so,
                         typo_figures *tf) {
    memset(tf, 0, sizeof *tf);
    for (unsigned v = 0; v < 4; v++) {
        st_deck d = {0};
        if (st_deck_typos(names, n, v < 2 ? 1 : 2, (int)(v & 1), seed, &d) != ST_OK) continue;
        size_t hit = 0;
        for (size_t i = 0; i < d.n; i++) hit += source_found(snap, d.items[i].name, owner[d.items[i].source], so);
        tf->recall[v] = d.n ? (double)hit / (double)d.n : 0;
        st_deck_free(&d);
    }
    /* the South Korean innocents, each with one or two slips */
    size_t nk = 0;
    const char **kr = malloc((inn->n ? inn->n : 1) * sizeof *kr);
    if (!kr) return;
    for (size_t i = 0; i < inn->n && nk < 4000; i++)
        if (!strncmp(inn->items[i].kind, "innocent-kr", 11)) kr[nk++] = inn->items[i].name;
    for (unsigned e = 1; e <= 2; e++) {
        st_deck d = {0};
        if (st_deck_typos(kr, nk, e, 0, seed, &d) != ST_OK) continue;
        for (size_t i = 0; i < d.n; i++) {
            tf->inn++;
            tf->inn_flag += source_found(snap, d.items[i].name, NULL, so);
        }
        st_deck_free(&d);
    }
    free(kr);
}

typedef struct eval_args {
    const char *data_dir, *format;
    uint64_t innocents, seed, show;
    cli_args pos;
} eval_args;

static const cli_opt eval_opts[] = {
    CLI_OPT("--data-dir", CLI_TEXT, eval_args, data_dir, 0),
    CLI_OPT("--innocents", CLI_NUM, eval_args, innocents, 10000000),
    CLI_OPT("--seed", CLI_NUM, eval_args, seed, UINT64_MAX),
    CLI_OPT("--format", CLI_TEXT, eval_args, format, 0),
    CLI_OPT("--show-flagged", CLI_NUM, eval_args, show, 1000000),
    CLI_END,
};

int cmd_eval(int argc, char **argv);
int cmd_eval(int argc, char **argv) {
    if (cli_want_help(argc, argv)) {
        printf("usage: sanctrace eval deck [--data-dir D] [--innocents N] [--seed S] [--format table|json]\n                          [--show-flagged N]\n");
        return 0;
    }
    eval_args ea = {NULL, "table", 20000, 20261128, 0, {NULL, 0}};
    if (cli_parse("eval", eval_opts, NULL, NULL, argc - 1, argv + 1, &ea, &ea.pos, 1)) return 2;
    if (ea.pos.n != 1 || strcmp(ea.pos.v[0], "deck")) {
        fprintf(stderr, "usage: sanctrace eval deck [--data-dir D] [--innocents N] [--seed S]\n");
        return 2;
    }
    const char *data_dir = ea.data_dir, *format = ea.format;
    size_t innocents = (size_t)ea.innocents, show = (size_t)ea.show;
    uint64_t seed = ea.seed;
    char dir[4096];
    cli_data_dir(data_dir, dir, sizeof dir);
    st_error err;
    st_error_clear(&err);
    st_snapshot *snap = NULL;
    if (st_snapshot_open(dir, &snap, &err) != ST_OK) { cli_report(&err); return 2; }

    /* source names: every name (primary and good aliases) of DPRK persons */
    size_t n = 0, cap = 0;
    const char **names = NULL;
    const st_entity **owner = NULL;
    for (size_t i = 0; i < st_snapshot_count(snap); i++) {
        const st_entity *e = st_snapshot_entity(snap, i);
        if (!is_dprk(e)) continue;
        for (size_t k = 0; k < e->n_names; k++) {
            if (e->names[k].kind == ST_NAME_WEAK || (e->names[k].script[0] && strcmp(e->names[k].script, "Latn"))) continue;
            if (n == cap) {
                size_t nc = cap ? cap * 2 : 256;
                const char **nn = realloc(names, nc * sizeof *nn);
                if (nn) names = nn;
                const st_entity **no = nn ? realloc(owner, nc * sizeof *no) : NULL;
                if (!nn || !no) {
                    fprintf(stderr, "sanctrace: out of memory\n");
                    free(names);
                    free(owner);
                    st_snapshot_release(snap);
                    return 2;
                }
                owner = no;
                cap = nc;
            }
            names[n] = e->names[k].value;
            owner[n++] = e;
        }
    }
    st_deck var = {0}, inn = {0};
    if (n == 0) {
        fprintf(stderr, "sanctrace: snapshot %s holds no DPRK person names to build the deck from\n",
                st_snapshot_version(snap));
        st_snapshot_release(snap);
        return 2;
    }
    if (st_deck_variants(names, n, seed, &var) != ST_OK || st_deck_innocents(innocents, seed, &inn) != ST_OK) {
        fprintf(stderr, "sanctrace: out of memory generating the deck\n");
        st_deck_free(&var);
        st_deck_free(&inn);
        free(names);
        free(owner);
        st_snapshot_release(snap);
        return 2;
    }
    deck_kind kinds[64];
    size_t nk = 0, found = 0, best = 0, kr = 0, kr_flag = 0, other = 0, other_flag = 0, kr_c = 0, kr_c_flag = 0;
    st_screen_opts so = {.threshold = -1, .limit = 10};
    st_progress prog;
    st_progress_begin(&prog, "deck", var.n + inn.n);
    for (size_t i = 0; i < var.n; i++) {
        st_query q = {.name = var.items[i].name, .schema = "Person"};
        st_match *m = NULL;
        size_t nm = 0;
        st_screen(snap, &q, &so, &m, &nm, NULL);
        const st_entity *src = owner[var.items[i].source];
        int hit = 0;
        for (size_t k = 0; k < nm; k++)
            if (m[k].match && m[k].entity == src) hit = 1;
        if (nm && m[0].entity == src) best++;
        found += hit;
        kind_count(kinds, &nk, var.items[i].kind, hit);
        st_matches_free(m, nm);
        st_progress_tick(&prog, i);
    }
    for (size_t i = 0; i < inn.n; i++) {
        int korean = !strncmp(inn.items[i].kind, "innocent-kr", 11);
        for (int with_country = 0; with_country <= korean; with_country++) {
            st_query q = {.name = inn.items[i].name, .schema = "Person",
                          .nationality = with_country ? "KR" : NULL};
            st_match *m = NULL;
            size_t nm = 0;
            st_screen(snap, &q, &so, &m, &nm, NULL);
            int flagged = nm && m[0].match;
            if (flagged && show && !with_country) {
                show--;
                fprintf(stderr, "flagged innocent (%s): \"%s\" -> %s \"%s\" %.3f\n", inn.items[i].kind,
                        inn.items[i].name, m[0].entity->id, m[0].name, m[0].score);
            }
            if (with_country) { kr_c++; kr_c_flag += flagged; }
            else if (korean) { kr++; kr_flag += flagged; }
            else { other++; other_flag += flagged; }
            st_matches_free(m, nm);
        }
        st_progress_tick(&prog, var.n + i);
    }
    st_progress_end(&prog);
    typo_figures tf;
    typo_measure(snap, names, owner, n, &inn, seed, &so, &tf);
    double recall = var.n ? (double)found / (double)var.n : 0;
    double fp_kr = kr ? (double)kr_flag / (double)kr : 0;
    if (!strcmp(format, "json")) {
        printf("{\"source_names\": %zu, \"variants\": %zu, \"recall\": %.4f, \"best_is_source\": %.4f, "
               "\"innocents_kr\": %zu, \"fp_rate_kr\": %.4f, \"fp_rate_kr_with_nationality\": %.4f, "
               "\"innocents_other\": %zu, \"fp_rate_other\": %.4f, \"typo_recall\": [%.4f, %.4f, %.4f, %.4f], "
               "\"typo_innocents_kr\": %zu, \"typo_fp_rate_kr\": %.4f}\n",
               n, var.n, recall, var.n ? (double)best / (double)var.n : 0, kr, fp_kr,
               kr_c ? (double)kr_c_flag / (double)kr_c : 0, other, other ? (double)other_flag / (double)other : 0,
               tf.recall[0], tf.recall[1], tf.recall[2], tf.recall[3], tf.inn, tf.inn ? (double)tf.inn_flag / (double)tf.inn : 0);
    } else {
        printf("DPRK deck against snapshot %s (threshold %.2f)\n", st_snapshot_version(snap), ST_DEFAULT_THRESHOLD);
        printf("  source names (DPRK persons, Latin): %zu\n", n);
        printf("  variants: %zu   recall: %.4f   best hit is the source: %.4f\n", var.n, recall,
               var.n ? (double)best / (double)var.n : 0);
        for (size_t i = 0; i < nk; i++)
            printf("    %-14s %6zu  recall %.4f\n", kinds[i].kind, kinds[i].n,
                   kinds[i].n ? (double)kinds[i].hit / (double)kinds[i].n : 0);
        printf("  innocent South Korean names: %zu   flagged: %zu (%.2f%%)\n", kr, kr_flag, 100 * fp_kr);
        printf("    the same with nationality KR given: flagged %zu (%.2f%%)\n", kr_c_flag,
               kr_c ? 100.0 * (double)kr_c_flag / (double)kr_c : 0);
        printf("  innocent other names: %zu   flagged: %zu (%.2f%%)\n", other, other_flag,
               other ? 100.0 * (double)other_flag / (double)other : 0);
        printf("  typing errors (QWERTY slips; generator independent of the matcher), %zu names each:\n", n);
        printf("    one slip: as listed %.4f, South Korean spelling %.4f   two slips: as listed %.4f, South Korean %.4f\n",
               tf.recall[0], tf.recall[1], tf.recall[2], tf.recall[3]);
        printf("    innocent South Korean names with one or two slips: %zu   flagged: %zu (%.2f%%)\n", tf.inn,
               tf.inn_flag, tf.inn ? 100.0 * (double)tf.inn_flag / (double)tf.inn : 0);
    }
    st_deck_free(&var);
    st_deck_free(&inn);
    free(names);
    free(owner);
    st_snapshot_release(snap);
    return 0;
}
