/*
 * cmd_names.c - `sanctrace compare` (two names, or a labelled pair file)
 * and `sanctrace eval-deck` (the generated DPRK deck).
 *
 * Design: thin front ends over include/sanctrace/names.h; every figure
 * they print is computed here from the comparator's scores, so the same
 * numbers come out of `make eval` and of an analyst's terminal.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "sanctrace/io.h"
#include "sanctrace/eval.h"
#include "sanctrace/names.h"

int cmd_compare(int argc, char **argv);
int cmd_eval_deck(int argc, char **argv);

/* Schema names as FollowTheMoney writes them (the entity module's parser
 * lives with the list parsers; this keeps the command self-contained). */
static st_schema names_schema(const char *s) {
    static const struct { const char *n; st_schema s; } t[] = {
        {"person", ST_SCHEMA_PERSON}, {"organization", ST_SCHEMA_ORGANIZATION},
        {"organisation", ST_SCHEMA_ORGANIZATION}, {"company", ST_SCHEMA_COMPANY},
        {"vessel", ST_SCHEMA_VESSEL}, {"aircraft", ST_SCHEMA_AIRCRAFT},
        {"cryptowallet", ST_SCHEMA_CRYPTOWALLET}, {"legalentity", ST_SCHEMA_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcasecmp(s, t[i].n) == 0) return t[i].s;
    return ST_SCHEMA_UNKNOWN;
}

static void compare_usage(FILE *f) {
    fprintf(f,
            "usage: sanctrace compare [--schema S] [--format table|json] NAME1 NAME2\n"
            "       sanctrace compare --pairs FILE [--threshold T] [--errors]\n\n"
            "Scores how likely NAME1 and NAME2 name the same party (0..1) and whether\n"
            "that is a match at the default threshold (%.2f), with the explanation.\n"
            "--pairs reads a labelled CSV (case_group,schema,name1,name2,is_match,...)\n"
            "and prints precision, recall and F1 at the threshold, per case group, and\n"
            "the threshold with the best F1.  --errors lists the misjudged pairs.\n",
            ST_NAME_THRESHOLD);
}

static void print_table(const char *a, const char *b, double s, json_t *ex) {
    printf("query  : %s\nlist   : %s\nscore  : %.3f  %s (threshold %.2f)\n", a, b, s,
           s >= ST_NAME_THRESHOLD ? "MATCH" : "no match", ST_NAME_THRESHOLD);
    printf("read as: %s\n", json_is_true(json_object_get(ex, "korean")) ? "Korean name (syllable keys)"
                                                                         : "tokens");
    printf("normalised: \"%s\" vs \"%s\"\n", json_string_value(json_object_get(ex, "query")),
           json_string_value(json_object_get(ex, "list")));
    json_t *toks = json_object_get(ex, "tokens");
    size_t i;
    json_t *t;
    printf("%-22s %-22s %-16s %s\n", "query token", "list token", "how", "score");
    for (i = 0; i < json_array_size(toks); i++) {
        t = json_array_get(toks, i);
        const char *part = json_string_value(json_object_get(t, "part"));
        char q[64];
        snprintf(q, sizeof q, "%s%s%s", json_string_value(json_object_get(t, "query")),
                 part ? " " : "", part ? part : "");
        printf("%-22s %-22s %-16s %.3f\n", q, json_string_value(json_object_get(t, "list")),
               json_string_value(json_object_get(t, "how")),
               json_real_value(json_object_get(t, "score")));
    }
    json_t *uq = json_object_get(ex, "unmatched_query"), *ul = json_object_get(ex, "unmatched_list");
    if (json_array_size(uq)) {
        printf("unmatched in query:");
        for (i = 0; i < json_array_size(uq); i++) printf(" %s", json_string_value(json_array_get(uq, i)));
        printf("\n");
    }
    if (json_array_size(ul)) {
        printf("unmatched in list :");
        for (i = 0; i < json_array_size(ul); i++) printf(" %s", json_string_value(json_array_get(ul, i)));
        printf("\n");
    }
}

typedef struct pair_row {
    char group[48];
    double score;
    int label;
    char *n1, *n2;
} pair_row;

typedef struct prf {
    size_t tp, fp, fn, tn;
} prf;

static void prf_add(prf *p, int label, int pred) {
    if (label && pred) p->tp++;
    else if (!label && pred) p->fp++;
    else if (label && !pred) p->fn++;
    else p->tn++;
}

static void prf_print(const char *name, const prf *p) {
    double pr = p->tp + p->fp ? (double)p->tp / (double)(p->tp + p->fp) : 0;
    double rc = p->tp + p->fn ? (double)p->tp / (double)(p->tp + p->fn) : 0;
    double f1 = pr + rc > 0 ? 2 * pr * rc / (pr + rc) : 0;
    printf("%-16s %5zu %5zu %5zu %5zu   %.3f     %.3f  %.3f\n", name, p->tp + p->fp + p->fn + p->tn,
           p->tp, p->fp, p->fn, pr, rc, f1);
}

static double prf_f1(const prf *p) {
    double pr = p->tp + p->fp ? (double)p->tp / (double)(p->tp + p->fp) : 0;
    double rc = p->tp + p->fn ? (double)p->tp / (double)(p->tp + p->fn) : 0;
    return pr + rc > 0 ? 2 * pr * rc / (pr + rc) : 0;
}

static int run_pairs(const char *path, double thr, int errors) {
    st_error err;
    st_error_clear(&err);
    char *data = NULL;
    size_t len = 0;
    int rc = 2;
    st_csv *c = NULL;
    st_names_ctx *ctx = NULL;
    pair_row *rows = NULL;
    size_t nrows = 0, cap = 0;
    if (st_file_read(path, 64u << 20, &data, &len, &err) != ST_OK) { cli_report(&err); return 2; }
    if (st_names_ctx_new(&ctx, &err) != ST_OK) { cli_report(&err); goto done; }
    if (st_csv_open(&c, data, len, path, 0) != ST_OK) goto done;
    int col[5] = {-1, -1, -1, -1, -1};
    static const char *const want[5] = {"case_group", "schema", "name1", "name2", "is_match"};
    int r = st_csv_next(c, &err);
    if (r != 1) {
        st_error_at(&err, ST_EPARSE, path, 1, -1, "empty pair file");
        cli_report(&err);
        goto done;
    }
    for (size_t i = 0; i < st_csv_nfields(c); i++)
        for (int k = 0; k < 5; k++)
            if (strcmp(st_csv_field(c, i), want[k]) == 0) col[k] = (int)i;
    if (col[2] < 0 || col[3] < 0 || col[4] < 0) {
        st_error_at(&err, ST_EPARSE, path, 1, -1, "header needs name1, name2 and is_match columns");
        cli_report(&err);
        goto done;
    }
    while ((r = st_csv_next(c, &err)) != 0) {
        if (r < 0) { cli_report(&err); continue; }
        const char *lab = st_csv_field(c, (size_t)col[4]);
        int label;
        if (!strcmp(lab, "true") || !strcmp(lab, "1") || !strcmp(lab, "True")) label = 1;
        else if (!strcmp(lab, "false") || !strcmp(lab, "0") || !strcmp(lab, "False")) label = 0;
        else {
            st_error_at(&err, ST_EPARSE, path, st_csv_line(c), -1, "is_match is '%s', not true/false", lab);
            cli_report(&err);
            continue;
        }
        if (nrows == cap) {
            size_t nc = cap ? cap * 2 : 256;
            pair_row *nr = realloc(rows, nc * sizeof *nr);
            if (!nr) goto done;
            rows = nr;
            cap = nc;
        }
        pair_row *p = &rows[nrows];
        memset(p, 0, sizeof *p);
        snprintf(p->group, sizeof p->group, "%s", col[0] >= 0 ? st_csv_field(c, (size_t)col[0]) : "all");
        st_schema sc = col[1] >= 0 ? names_schema(st_csv_field(c, (size_t)col[1])) : ST_SCHEMA_UNKNOWN;
        p->label = label;
        p->n1 = strdup(st_csv_field(c, (size_t)col[2]));
        p->n2 = strdup(st_csv_field(c, (size_t)col[3]));
        if (!p->n1 || !p->n2) { free(p->n1); free(p->n2); goto done; }
        p->score = st_name_compare(ctx, p->n1, p->n2, sc, NULL);
        nrows++;
    }
    prf all = {0};
    char groups[16][48];
    prf pg[16];
    size_t ng = 0;
    memset(pg, 0, sizeof pg);
    for (size_t i = 0; i < nrows; i++) {
        int pred = rows[i].score >= thr;
        prf_add(&all, rows[i].label, pred);
        size_t g = 0;
        while (g < ng && strcmp(groups[g], rows[i].group) != 0) g++;
        if (g == ng && ng < 16) snprintf(groups[ng++], 48, "%s", rows[i].group);
        if (g < 16) prf_add(&pg[g], rows[i].label, pred);
        if (errors && pred != rows[i].label)
            printf("%s %.3f  %s  |  %s\n", pred ? "FP" : "FN", rows[i].score, rows[i].n1, rows[i].n2);
    }
    printf("pairs: %s  threshold %.2f\n", path, thr);
    printf("%-16s %5s %5s %5s %5s   %-9s %-6s %s\n", "group", "pairs", "tp", "fp", "fn", "precision",
           "recall", "f1");
    for (size_t g = 0; g < ng; g++) prf_print(groups[g], &pg[g]);
    prf_print("ALL", &all);
    double best_t = thr, best_f = prf_f1(&all);
    for (int k = 30; k <= 99; k++) {
        prf p = {0};
        for (size_t i = 0; i < nrows; i++) prf_add(&p, rows[i].label, rows[i].score >= k / 100.0);
        if (prf_f1(&p) > best_f + 1e-12) { best_f = prf_f1(&p); best_t = k / 100.0; }
    }
    printf("best F1 %.3f at threshold %.2f (for information; the default stays %.2f)\n", best_f,
           best_t, ST_NAME_THRESHOLD);
    rc = 0;
done:
    for (size_t i = 0; i < nrows; i++) { free(rows[i].n1); free(rows[i].n2); }
    free(rows);
    st_csv_close(c);
    st_names_ctx_free(ctx);
    st_free(data);
    return rc;
}

typedef struct compare_args {
    const char *schema, *format, *pairs;
    double threshold;
    int errors;
    cli_args pos;
} compare_args;

static const cli_opt compare_opts[] = {
    CLI_OPT("--schema", CLI_TEXT, compare_args, schema, 0),
    CLI_OPT("--format", CLI_TEXT, compare_args, format, 0),
    CLI_OPT("--pairs", CLI_TEXT, compare_args, pairs, 0),
    CLI_OPT("--threshold", CLI_REAL, compare_args, threshold, 1),
    CLI_OPT("--errors", CLI_FLAG, compare_args, errors, 0),
    CLI_END,
};

int cmd_compare(int argc, char **argv) {
    if (cli_want_help(argc, argv)) { compare_usage(stdout); return 0; }
    compare_args a = {NULL, "table", NULL, ST_NAME_THRESHOLD, 0, {NULL, 0}};
    if (cli_parse("compare", compare_opts, NULL, NULL, argc - 1, argv + 1, &a, &a.pos, 2)) return 2;
    const char *schema = a.schema, *format = a.format;
    const char *names[2] = {a.pos.n > 0 ? a.pos.v[0] : NULL, a.pos.n > 1 ? a.pos.v[1] : NULL};
    size_t nn = a.pos.n;
    if (a.pairs) return run_pairs(a.pairs, a.threshold, a.errors);
    if (nn != 2 || (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)) {
        compare_usage(stderr);
        return 2;
    }
    st_schema sc = schema ? names_schema(schema) : ST_SCHEMA_UNKNOWN;
    if (schema && sc == ST_SCHEMA_UNKNOWN && strcasecmp(schema, "LegalEntity") != 0) {
        fprintf(stderr, "sanctrace compare: unknown schema '%s'\n", schema);
        return 2;
    }
    st_error err;
    st_error_clear(&err);
    st_names_ctx *ctx;
    if (st_names_ctx_new(&ctx, &err) != ST_OK) { cli_report(&err); return 2; }
    json_t *ex = NULL;
    double s = st_name_compare(ctx, names[0], names[1], sc, &ex);
    st_names_ctx_free(ctx);
    if (s < 0 || !ex) {
        json_decref(ex);
        st_error_set(&err, ST_ENOMEM, "out of memory comparing names");
        cli_report(&err);
        return 2;
    }
    if (!strcmp(format, "json")) {
        json_t *o = json_pack("{s:f,s:b,s:O}", "score", (double)((long)(s * 1000 + 0.5)) / 1000,
                              "match", s >= ST_NAME_THRESHOLD, "explanation", ex);
        char *txt = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (txt) printf("%s\n", txt);
        free(txt);
        json_decref(o);
    } else {
        print_table(names[0], names[1], s, ex);
    }
    json_decref(ex);
    return 0;
}

/* ---- eval-deck ------------------------------------------------------------ */

static void deck_usage(FILE *f) {
    fprintf(f,
            "usage: sanctrace eval-deck [--un consolidated.xml] [--ofac sdn.csv] [--names FILE]\n"
            "                           [--innocents N] [--seed S] [--threshold T] [--misses]\n\n"
            "Builds the DPRK deck from the listed DPRK individuals (UN KPi.* names and\n"
            "aliases, OFAC DPRK-programme individuals, or one name a line from FILE): each\n"
            "name through every romanisation, popular spellings, Hangul, typos, reorder,\n"
            "joined and comma forms; plus N innocent names (80%% South Korean).  Prints\n"
            "recall (variant scores >= threshold against its source) and the share of\n"
            "innocents that score >= threshold against any listed name.\n");
}

typedef struct deck_args {
    const char *un, *ofac, *names;
    uint64_t innocents, seed;
    double threshold;
    int misses;
} deck_args;

static const cli_opt deck_opts[] = {
    CLI_OPT("--un", CLI_TEXT, deck_args, un, 0),
    CLI_OPT("--ofac", CLI_TEXT, deck_args, ofac, 0),
    CLI_OPT("--names", CLI_TEXT, deck_args, names, 0),
    CLI_OPT("--innocents", CLI_NUM, deck_args, innocents, 10000000),
    CLI_OPT("--seed", CLI_NUM, deck_args, seed, UINT64_MAX),
    CLI_OPT("--threshold", CLI_REAL, deck_args, threshold, 1),
    CLI_OPT("--misses", CLI_FLAG, deck_args, misses, 0),
    CLI_END,
};

int cmd_eval_deck(int argc, char **argv) {
    if (cli_want_help(argc, argv)) { deck_usage(stdout); return 0; }
    deck_args da = {NULL, NULL, NULL, 5000, 20260227, ST_NAME_THRESHOLD, 0};
    if (cli_parse("eval-deck", deck_opts, NULL, NULL, argc - 1, argv + 1, &da, NULL, 0)) return 2;
    const char *un = da.un, *ofac = da.ofac, *file = da.names;
    size_t innocents = (size_t)da.innocents;
    uint64_t seed = da.seed;
    double thr = da.threshold;
    int misses = da.misses;
    if (!un && !ofac && !file) { deck_usage(stderr); return 2; }
    st_error err;
    st_error_clear(&err);
    st_name_list names = {0};
    st_names_ctx *ctx = NULL;
    int rc = st_deck_load_names(un, ofac, file, &names, &err), code = 2;
    if (rc != ST_OK) { if (!err.code) st_error_set(&err, rc, "reading names failed"); cli_report(&err); goto done; }
    if ((rc = st_names_ctx_new(&ctx, &err)) != ST_OK) { cli_report(&err); goto done; }
    st_deck_report rep;
    json_t *per = NULL;
    rc = st_deck_evaluate(ctx, (const char *const *)names.v, names.n, innocents, seed, thr, &rep, &per);
    if (rc != ST_OK) { st_error_set(&err, rc, "deck evaluation failed"); cli_report(&err); goto done; }
    printf("DPRK deck: %zu listed names, seed %llu, threshold %.2f\n", names.n, (unsigned long long)seed, thr);
    printf("%-22s %6s %6s  %s\n", "kind", "n", "hits", "rate");
    const char *k;
    json_t *v;
    for (void *it = json_object_iter(per); it; it = json_object_iter_next(per, it)) {
        k = json_object_iter_key(it);
        v = json_object_iter_value(it);
        long long nn = json_integer_value(json_object_get(v, "n")), f = json_integer_value(json_object_get(v, "found"));
        printf("%-22s %6lld %6lld  %.3f\n", k, nn, f, nn ? (double)f / (double)nn : 0.0);
    }
    printf("recall: %.3f (%zu of %zu variants score >= %.2f against their source; best hit is the source for %zu)\n",
           rep.recall, rep.variants_found, rep.variants, thr, rep.variants_best_is_source);
    printf("false positives, South Korean innocents: %.3f (%zu of %zu)\n", rep.fp_rate_kr,
           rep.innocents_kr_flagged, rep.innocents_kr);
    printf("false positives, other innocents: %.3f (%zu of %zu)\n", rep.fp_rate_other,
           rep.innocents_other_flagged, rep.innocents_other);
    json_decref(per);
    if (misses) {
        st_deck d;
        if (st_deck_variants((const char *const *)names.v, names.n, seed, &d) == ST_OK) {
            for (size_t i = 0; i < d.n; i++) {
                double s = st_name_compare(ctx, d.items[i].name, names.v[d.items[i].source], ST_SCHEMA_PERSON, NULL);
                if (s < thr) printf("miss %.3f %-20s %s  <-  %s\n", s, d.items[i].kind, d.items[i].name, names.v[d.items[i].source]);
            }
            st_deck_free(&d);
        }
    }
    code = 0;
done:
    st_names_ctx_free(ctx);
    st_name_list_free(&names);
    return code;
}

/* ---- bench-names ------------------------------------------------------------ */

#include <time.h>


static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}


static int dcmp(const void *x, const void *y) {
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

int cmd_bench_names(int argc, char **argv);
typedef struct bench_args {
    const char *un, *ofac;
    uint64_t list_size, queries;
} bench_args;

static const cli_opt bench_opts[] = {
    CLI_OPT("--un", CLI_TEXT, bench_args, un, 0),
    CLI_OPT("--ofac", CLI_TEXT, bench_args, ofac, 0),
    CLI_OPT("--list-size", CLI_NUM, bench_args, list_size, 100000000),
    CLI_OPT("--queries", CLI_NUM, bench_args, queries, 100000000),
    CLI_END,
};

int cmd_bench_names(int argc, char **argv) {
    bench_args ba = {NULL, NULL, 30000, 2000};
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: sanctrace bench-names --un consolidated.xml --ofac sdn.csv [--list-size N] [--queries N]\n\n"
                   "Speed of the name matcher: comparisons per second on prepared names, index\n"
                   "queries per second (candidates + scoring) against a list of N names (the DPRK\n"
                   "names padded with generated ones), beside a brute-force Jaro-Winkler scan of\n"
                   "every name in the same run.  One thread; medians of 5 rounds.\n");
            return 0;
        }
    }
    if (cli_parse("bench-names", bench_opts, NULL, NULL, argc - 1, argv + 1, &ba, NULL, 0)) return 2;
    const char *un = ba.un, *ofac = ba.ofac;
    size_t list_size = (size_t)ba.list_size, nq = (size_t)ba.queries;
    st_error err;
    st_error_clear(&err);
    st_name_list names = {0};
    st_names_ctx *ctx = NULL;
    st_name_index *ix = NULL;
    st_name_scratch *sc = NULL;
    st_deck var = {0}, pad = {0};
    st_name_form **qf = NULL;
    char **qnorm = NULL, **lnorm = NULL;
    int code = 2;
    if (st_deck_load_names(un, ofac, NULL, &names, &err) != ST_OK) { cli_report(&err); goto done; }
    if (st_names_ctx_new(&ctx, &err) != ST_OK) { cli_report(&err); goto done; }
    if (st_deck_variants((const char *const *)names.v, names.n, 11, &var) != ST_OK) goto done;
    if (st_deck_innocents(list_size > names.n ? list_size - names.n : 0, 99, &pad) != ST_OK) goto done;
    if (st_name_index_new(&ix) != ST_OK) goto done;
    double t0 = now_s();
    size_t nl = 0;
    for (size_t i = 0; i < names.n && nl < list_size; i++, nl++)
        if (st_name_index_add(ix, ctx, names.v[i], ST_SCHEMA_PERSON, i) != ST_OK) goto done;
    for (size_t i = 0; i < pad.n && nl < list_size; i++, nl++)
        if (st_name_index_add(ix, ctx, pad.items[i].name, ST_SCHEMA_PERSON, names.n + i) != ST_OK) goto done;
    double t_prep = now_s() - t0;
    t0 = now_s();
    if (st_name_index_build(ix) != ST_OK || st_name_scratch_new(ix, &sc) != ST_OK) goto done;
    double t_build = now_s() - t0;
    /* queries: deck variants, then innocents, cycled */
    if (nq > var.n + pad.n) nq = var.n + pad.n;
    qf = calloc(nq, sizeof *qf);
    qnorm = calloc(nq, sizeof *qnorm);
    lnorm = calloc(nl, sizeof *lnorm);
    if (!qf || !qnorm || !lnorm) goto done;
    for (size_t i = 0; i < nq; i++) {
        const char *q = (i % 2 == 0 && i / 2 < var.n) || !pad.n ? var.items[(i / 2) % var.n].name
                                                                 : pad.items[(i * 7) % pad.n].name;
        if (st_name_prepare(ctx, q, ST_SCHEMA_PERSON, &qf[i]) != ST_OK) goto done;
        qnorm[i] = strdup(st_name_form_text(qf[i]));
    }
    for (size_t i = 0; i < nl; i++) lnorm[i] = strdup(st_name_form_text(st_name_index_form(ix, (uint32_t)i)));
    double r_cmp[5], r_jw[5], r_ix[5];
    size_t pairs = 0, cands = 0, bf_hits = 0, ix_hits = 0, over_k = 0;
    /* recall of the index against brute force on the brute-force queries */
    for (size_t q = 0; q < (nq < 200 ? nq : 200); q++) {
        st_name_cand c[32];
        size_t n, qh = 0, qi = 0;
        st_name_index_query(ix, sc, qf[q], c, 32, &n);
        for (size_t i = 0; i < nl; i++) {
            if (st_name_compare_forms(qf[q], st_name_index_form(ix, (uint32_t)i), ST_SCHEMA_PERSON, NULL) < ST_NAME_THRESHOLD)
                continue;
            qh++;
            for (size_t k = 0; k < n; k++)
                if (c[k].name_idx == i) { qi++; break; }
        }
        /* a query with more matches than k can only return k of them */
        if (qh > 32) { over_k++; continue; }
        bf_hits += qh;
        ix_hits += qi;
    }
    volatile double sink = 0;
    size_t nq_bf = nq < 20 ? nq : 20; /* brute force over a subset of queries */
    for (int round = 0; round < 5; round++) {
        pairs = 0;
        t0 = now_s();
        for (size_t q = 0; q < nq_bf; q++)
            for (size_t i = 0; i < nl; i++, pairs++)
                sink += st_name_compare_forms(qf[q], st_name_index_form(ix, (uint32_t)i), ST_SCHEMA_PERSON, NULL);
        r_cmp[round] = (now_s() - t0) / (double)nq_bf;
        t0 = now_s();
        for (size_t q = 0; q < nq_bf; q++)
            for (size_t i = 0; i < nl; i++) sink += st_jaro_winkler(qnorm[q], strlen(qnorm[q]), lnorm[i], strlen(lnorm[i]));
        r_jw[round] = (now_s() - t0) / (double)nq_bf;
        cands = 0;
        t0 = now_s();
        for (size_t q = 0; q < nq; q++) {
            st_name_cand c[32];
            size_t n;
            st_name_index_query(ix, sc, qf[q], c, 32, &n);
            cands += n;
            for (size_t k = 0; k < n; k++)
                sink += st_name_compare_forms(qf[q], st_name_index_form(ix, c[k].name_idx), ST_SCHEMA_PERSON, NULL);
        }
        r_ix[round] = (now_s() - t0) / (double)nq;
    }
    qsort(r_cmp, 5, sizeof r_cmp[0], dcmp);
    qsort(r_jw, 5, sizeof r_jw[0], dcmp);
    qsort(r_ix, 5, sizeof r_ix[0], dcmp);
    double per_cmp = r_cmp[2] / (double)nl;
    printf("names bench: %zu list names (%zu listed DPRK + generated), %zu queries, one thread, medians of 5\n",
           nl, names.n, nq);
    printf("prepare (ICU, once per list name): %.1f us/name; index build %.3f s\n", t_prep / (double)nl * 1e6, t_build);
    printf("comparator on prepared names     : %.2f us/comparison (%.0f comparisons/s)\n", per_cmp * 1e6, 1.0 / per_cmp);
    printf("brute force, sanctrace comparator: %.0f queries/s\n", 1.0 / r_cmp[2]);
    printf("brute force, Jaro-Winkler scan   : %.0f queries/s (baseline)\n", 1.0 / r_jw[2]);
    printf("index + comparator (k=32)        : %.0f queries/s, %.1f candidates/query, %.1fx the baseline\n",
           1.0 / r_ix[2], (double)cands / (double)nq, r_jw[2] / r_ix[2]);
    printf("index recall vs brute force      : %zu of %zu matches >= %.2f among the candidates (%zu queries; %zu more had over 32 matches)\n",
           ix_hits, bf_hits, ST_NAME_THRESHOLD, (nq < 200 ? nq : (size_t)200) - over_k, over_k);
    (void)sink;
    code = 0;
done:
    if (qf) for (size_t i = 0; i < nq; i++) st_name_form_free(qf[i]);
    if (qnorm) for (size_t i = 0; i < nq; i++) free(qnorm[i]);
    if (lnorm) for (size_t i = 0; i < nl; i++) free(lnorm[i]);
    free(qf);
    free(qnorm);
    free(lnorm);
    st_name_scratch_free(sc);
    st_name_index_free(ix);
    st_deck_free(&var);
    st_deck_free(&pad);
    st_names_ctx_free(ctx);
    st_name_list_free(&names);
    return code;
}
