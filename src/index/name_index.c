/*
 * name_index.c - candidate index over every list name.
 *
 * Design: three kinds of terms point at names (postings in one CSR array):
 *   - each token of a name ("w" terms), found fuzzily through a character
 *     bigram index over the vocabulary (so typos, joined and split words
 *     still reach it);
 *   - each token's phonetic skeleton ("s" terms, exact), which is how
 *     vowel-less transliterations (Arabic, Hebrew) and spelling variants
 *     (Mohammed/Muhammad) reach each other;
 *   - for Korean names, the given name as syllable-key letters ("g"
 *     terms, exact; one per place the surname may stand, as written and
 *     as sounds inside one word), shared by every romanisation and by
 *     Hangul.  A Korean pair only reaches the threshold when these agree,
 *     so a Korean query looks up these and its exact tokens only.
 * A query accumulates, per name, the weight of its tokens that found a
 * term of that name, and returns the k names with the most; the caller
 * then scores those with the comparator.  Names made of particles and
 * legal forms only are indexed on those too.
 * Layout: once built, everything is flat arrays of offsets and ids (the
 * vocabulary is an open-addressing table of term ids over one byte blob),
 * so the same arrays can live in a file: st_name_index_write_image /
 * st_name_index_open_image (name_index.h).  An index opened from an image
 * keeps its name forms as compact records and expands each one the first
 * time it is asked for (one compare-and-swap per form).
 * Invariant: after st_name_index_build (or opening an image) nothing is
 * written but that form cache, so queries from many threads are safe; all
 * per-query memory lives in the caller's st_name_scratch, which also
 * remembers each token's fuzzy expansion (same terms, same order).
 */
#include <math.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/map.h"
#include "core/buf.h"
#include "index/name_index.h"
#include "names/names_int.h"

#define NB 38 /* bigram alphabet: a-z, 0-9, ^ (start), $ (end) */
#define POSTING_CAP_SHARE 0.05 /* a term on more than 5% of all names... */
#define POSTING_CAP_MIN 1000   /* ...and on more than this many is skipped, unless it
                                  is the rarest term a query token has */

struct st_name_index {
    /* forms[i]: prepared by st_name_index_add, or (image) expanded from
     * its record on first use and then never changed */
    _Atomic(st_name_form *) *forms;
    uint64_t *payload;
    size_t n, cap;
    int built;
    const void *image;         /* non-NULL: the arrays below point into it (borrowed) */
    st_map *terms;             /* building only: term bytes -> term id */
    /* vocabulary: term t is tblob[toff[t] .. toff[t+1]) (kind letter + text),
     * found through an open-addressing table of id+1 (0: empty) */
    size_t nterms, tmask;
    uint32_t *toff, *tslot;
    char *tblob;
    /* postings: names of term t are post[post_off[t] .. post_off[t+1]) */
    uint32_t *post_off, *post;
    /* bigram -> "w" term ids */
    uint32_t *bg_off, *bg;
    /* image only: form records fblob[foff[i] .. foff[i+1]) */
    uint32_t *foff;
    const uint8_t *fblob;
};

/* The vocabulary terms a query token reaches through shared bigrams, in
 * the order the bigram scan finds them, with their Dice coefficient. */
typedef struct fz_term {
    uint32_t term;
    double dice;
} fz_term;

/* A remembered fuzzy expansion (direct-mapped by the token's hash): the
 * same token in a later query skips the bigram scan and credits the same
 * terms in the same order, so the result cannot differ. */
#define FZ_SLOTS 4096     /* per scratch */
#define FZ_MAX_TERMS 4096 /* longer expansions are not kept */
typedef struct fz_slot {
    char key[48];
    uint8_t len;          /* 0: empty */
    uint32_t n;
    fz_term *terms;       /* owned */
} fz_slot;

struct st_name_scratch {
    uint16_t *tcount;   /* per term: bigram hits of the current token */
    uint32_t *tlist;    /* touched terms */
    float *acc;         /* per name: accumulated weight */
    uint8_t *seen;      /* per name: touched by the current token */
    uint32_t *nlist;    /* touched names */
    uint32_t *tok_names;/* names touched by the current token */
    fz_term *fz;        /* the current token's expansion (nterms + 1) */
    fz_slot *fzc;       /* FZ_SLOTS remembered expansions */
    size_t nterms, nnames;
};

int st_name_index_new(st_name_index **out) {
    *out = NULL;
    st_name_index *ix = st_calloc(1, sizeof *ix);
    if (!ix) return ST_ENOMEM;
    if (st_map_new(&ix->terms) != ST_OK) { st_free(ix); return ST_ENOMEM; }
    *out = ix;
    return ST_OK;
}

void st_name_index_free(st_name_index *ix) {
    if (!ix) return;
    for (size_t i = 0; i < ix->n; i++) st_name_form_free(atomic_load(&ix->forms[i]));
    st_free(ix->forms);
    st_map_free(ix->terms);
    if (!ix->image) {
        st_free(ix->payload);
        st_free(ix->toff);
        st_free(ix->tslot);
        st_free(ix->tblob);
        st_free(ix->post_off);
        st_free(ix->post);
        st_free(ix->bg_off);
        st_free(ix->bg);
    }
    st_free(ix);
}

int st_name_index_add(st_name_index *ix, st_names_ctx *ctx, const char *name, st_schema schema,
                      uint64_t payload) {
    if (ix->built) return ST_EINVAL;
    if (ix->n >= UINT32_MAX - 1) return ST_ELIMIT;
    if (ix->n == ix->cap) {
        size_t nc = ix->cap ? ix->cap * 2 : 1024;
        _Atomic(st_name_form *) *f = st_realloc(ix->forms, nc * sizeof *f);
        if (!f) return ST_ENOMEM;
        ix->forms = f;
        uint64_t *p = st_realloc(ix->payload, nc * sizeof *p);
        if (!p) return ST_ENOMEM;
        ix->payload = p;
        ix->cap = nc;
    }
    st_name_form *form;
    int rc = st_name_prepare(ctx, name, schema, &form);
    if (rc != ST_OK) return rc;
    atomic_init(&ix->forms[ix->n], form);
    ix->payload[ix->n] = payload;
    ix->n++;
    return ST_OK;
}

size_t st_name_index_count(const st_name_index *ix) { return ix ? ix->n : 0; }

/* The form of record i of an image, as one allocation like
 * st_name_prepare's (the record was checked when the image was opened). */
static st_name_form *form_expand(const st_name_index *ix, uint32_t i);

const st_name_form *st_name_index_form(const st_name_index *ix, uint32_t i) {
    if (!ix || i >= ix->n) return NULL;
    st_name_form *f = atomic_load_explicit(&ix->forms[i], memory_order_acquire);
    if (f || !ix->image) return f;
    st_name_form *mine = form_expand(ix, i), *expected = NULL;
    if (!mine) return NULL;
    /* another thread may have expanded it first: keep theirs */
    if (atomic_compare_exchange_strong_explicit(&ix->forms[i], &expected, mine, memory_order_acq_rel,
                                                memory_order_acquire))
        return mine;
    st_name_form_free(mine);
    return expected;
}
uint64_t st_name_index_payload(const st_name_index *ix, uint32_t i) {
    return ix && i < ix->n ? ix->payload[i] : 0;
}

/* ---- terms ---------------------------------------------------------------- */

/* Is token i of f indexed?  Particles, titles and legal forms only when the
 * name has nothing else. */
static int tok_indexed(const st_name_form *f, unsigned i, int only_weak) {
    uint8_t k = f->tok[i].kind;
    if (only_weak) return 1;
    return k != NM_STOP && k != NM_TITLE && k != NM_LEGAL;
}

static int has_strong(const st_name_form *f) {
    for (unsigned i = 0; i < f->ntok; i++)
        if (tok_indexed(f, i, 0)) return 1;
    return 0;
}

/* Term bytes: kind letter + payload. */
static size_t term_bytes(char kind, const char *s, size_t n, char *out) {
    out[0] = kind;
    memcpy(out + 1, s, n);
    return n + 1;
}

/* Surname key letters ':' given-name key letters (as written, or as
 * sounds inside one word when inword is set). */
static size_t korean_term(const nm_kview *v, int inword, char *out) {
    size_t n = ko_key_letters(v->sur, out);
    out[n++] = ':';
    const char *fl = inword ? v->flat_in : v->flat;
    size_t l = strlen(fl);
    memcpy(out + n, fl, l);
    return n + l;
}

/* The concrete classes a key's wildcard covers (korean.h): a script that
 * writes two Korean sounds alike (katakana ン, Russian е) looks up the term
 * of each.  At most 15; the key itself when it has no wildcard. */
#define KEY_CHOICES 15
static size_t key_choices(uint16_t k, uint16_t out[KEY_CHOICES]) {
    unsigned vo = (k >> 4) & 15, co = k & 15;
    static const uint8_t vx[] = {KO_V_E, KO_V_O, KO_V_YO, KO_V_YE, KO_V_WE};
    uint8_t cs[3] = {(uint8_t)co, 0, 0};
    size_t nc = 1, n = 0;
    if (co == KO_C_NX) { cs[0] = KO_C_N; cs[1] = KO_C_NG; nc = 2; }
    if (co == KO_C_QX) { cs[0] = KO_C_K; cs[1] = KO_C_T; cs[2] = KO_C_P; nc = 3; }
    for (size_t v = 0; v < (vo == KO_V_X ? 5u : 1u); v++) {
        unsigned vv = vo == KO_V_X ? vx[v] : vo, on = k >> 8;
        /* the initial-sound law, as ko_key applies it: n (and r) before
         * ㅕ ㅖ is silent (Лен 룡 = Ryong, Yong) */
        if (vo == KO_V_X && on == KO_ON_N && (vv == KO_V_YO || vv == KO_V_YE)) on = KO_ON_NONE;
        for (size_t c = 0; c < nc && n < KEY_CHOICES; c++) out[n++] = (uint16_t)((on << 8) | (vv << 4) | cs[c]);
    }
    return n;
}

/* The "g" terms of a query's view with its wildcards spelt out, the
 * first max; their number. */
#define KO_TERMS_MAX 128
static size_t korean_terms_expanded(const nm_kview *v, char out[][64], size_t max) {
    uint16_t ch[KO_MAX_SYL + 1][KEY_CHOICES];
    size_t nch[KO_MAX_SYL + 1], combos = 1;
    nch[0] = key_choices(v->sur, ch[0]);
    combos *= nch[0];
    for (size_t i = 0; i < v->ng; i++) {
        nch[i + 1] = key_choices(v->given[i], ch[i + 1]);
        if (combos <= max) combos *= nch[i + 1];
    }
    size_t n = 0;
    for (size_t c = 0; c < combos && n < max; c++) {
        size_t r = c, o = 0;
        for (size_t i = 0; i <= v->ng && o + 6 < 64; i++) {
            o += ko_key_letters(ch[i][r % nch[i]], out[n] + o);
            r /= nch[i];
            if (i == 0) out[n][o++] = ':';
        }
        out[n][o] = 0;
        n++;
    }
    return n;
}

/* First letters of the name's words (particles and legal forms left out)
 * when it has 2 to 6 of them; 0 otherwise. */
static size_t name_initials(const st_name_form *f, char out[8]) {
    size_t n = 0;
    for (unsigned i = 0; i < f->ntok; i++) {
        uint8_t k = f->tok[i].kind;
        if (k == NM_STOP || k == NM_LEGAL || k == NM_TITLE || k == NM_NUMBER) continue;
        if (n >= 6) return 0;
        out[n++] = f->str[f->tok[i].off];
    }
    return n >= 2 ? n : 0;
}

typedef int (*term_fn)(st_name_index *ix, const char *t, size_t n, uint32_t name, int pass);

/* Each distinct term of one name, once. */
typedef struct term_seen {
    char t[64][72];
    uint8_t l[64];
    size_t n;
} term_seen;

static int seen_before(term_seen *ts, const char *t, size_t n) {
    for (size_t i = 0; i < ts->n; i++)
        if (ts->l[i] == n && memcmp(ts->t[i], t, n) == 0) return 1;
    if (ts->n < 64 && n <= 72) {
        memcpy(ts->t[ts->n], t, n);
        ts->l[ts->n++] = (uint8_t)n;
    }
    return 0;
}

static int visit_one(st_name_index *ix, term_seen *ts, term_fn fn, const char *t, size_t n,
                     uint32_t idx, int pass) {
    if (seen_before(ts, t, n)) return ST_OK;
    return fn(ix, t, n, idx, pass);
}

/* Visit every term of name idx. */
static int visit_terms(st_name_index *ix, uint32_t idx, term_fn fn, int pass) {
    const st_name_form *f = atomic_load(&ix->forms[idx]);
    char buf[80];
    term_seen ts;
    ts.n = 0;
    int weak = !has_strong(f);
    for (unsigned i = 0; i < f->ntok; i++) {
        if (!tok_indexed(f, i, weak)) continue;
        const nm_tok *t = &f->tok[i];
        int rc = visit_one(ix, &ts, fn, buf, term_bytes('w', f->str + t->off, t->len < 70 ? t->len : 70, buf), idx, pass);
        if (rc) return rc;
        if (t->sklen >= 2) {
            rc = visit_one(ix, &ts, fn, buf, term_bytes('s', f->str + t->skel, t->sklen < 70 ? t->sklen : 70, buf), idx, pass);
            if (rc) return rc;
        }
    }
    /* initials: a name of 2-6 tokens under its initials ("a" terms), and
     * every short token as a possible acronym of another name (PLA) */
    {
        char ini[8];
        size_t ni = name_initials(f, ini);
        if (ni) {
            int rc = visit_one(ix, &ts, fn, buf, term_bytes('a', ini, ni, buf), idx, pass);
            if (rc) return rc;
        }
        for (unsigned i = 0; i < f->ntok; i++) {
            const nm_tok *t = &f->tok[i];
            if (t->len < 2 || t->len > 6 || t->kind == NM_NUMBER || t->kind == NM_LEGAL) continue;
            int rc = visit_one(ix, &ts, fn, buf, term_bytes('a', f->str + t->off, t->len, buf), idx, pass);
            if (rc) return rc;
        }
    }
    if (f->korean) {
        /* the whole given name, however it was split or joined: a Korean
         * pair only reaches the threshold when these agree (compare.c) */
        for (size_t i = 0; i < f->nkv; i++)
            for (int w = 0; w < 2; w++) {
                char g[64];
                size_t gl = korean_term(&f->kv[i], w, g);
                int rc = visit_one(ix, &ts, fn, buf, term_bytes('g', g, gl, buf), idx, pass);
                if (rc) return rc;
            }
    }
    return 0;
}

/* pass 0: assign term ids and count postings; pass 1: fill postings. */
static int term_cb(st_name_index *ix, const char *t, size_t n, uint32_t name, int pass) {
    if (pass == 0) {
        int created = 0;
        uint64_t *slot = st_map_slot(ix->terms, t, n, ix->nterms, &created);
        if (!slot) return ST_ENOMEM;
        if (created) ix->nterms++;
        return ST_OK;
    }
    uint64_t id;
    if (!st_map_get(ix->terms, t, n, &id)) return ST_EINVAL;
    uint32_t at = ix->post_off[id + 1];
    ix->post[at] = name;
    ix->post_off[id + 1]++;
    return ST_OK;
}

static int count_cb(st_name_index *ix, const char *t, size_t n, uint32_t name, int pass) {
    (void)name;
    (void)pass;
    uint64_t id;
    if (!st_map_get(ix->terms, t, n, &id)) return ST_EINVAL;
    ix->post_off[id + 1]++;
    return ST_OK;
}

static int bg_code(char c) {
    if (c >= 'a' && c <= 'z') return c - 'a';
    if (c >= '0' && c <= '9') return 26 + (c - '0');
    return -1;
}

/* Bigram ids of s (padded with ^ and $), deduplicated; returns count. */
static size_t bigrams(const char *s, size_t n, uint16_t *out, size_t max) {
    size_t k = 0;
    int prev = 36; /* ^ */
    for (size_t i = 0; i <= n && k < max; i++) {
        int c = i < n ? bg_code(s[i]) : 37; /* $ */
        if (c < 0) { prev = 36; continue; }
        uint16_t b = (uint16_t)(prev * NB + c);
        int dup = 0;
        for (size_t j = 0; j < k; j++) dup |= out[j] == b;
        if (!dup) out[k++] = b;
        prev = c;
    }
    return k;
}

/* Find term bytes t[0..n) in the frozen vocabulary. */
static int term_find(const st_name_index *ix, const char *t, size_t n, uint64_t *id) {
    size_t i = (size_t)st_hash64(t, n) & ix->tmask;
    for (size_t probes = 0; probes <= ix->tmask; probes++, i = (i + 1) & ix->tmask) {
        uint32_t v = ix->tslot[i];
        if (!v) return 0;
        v--;
        uint32_t a = ix->toff[v], b = ix->toff[v + 1];
        if (b - a == n && memcmp(ix->tblob + a, t, n) == 0) {
            *id = v;
            return 1;
        }
    }
    return 0;
}

/* Move the build-time term map into the flat vocabulary (same ids). */
static int freeze_terms(st_name_index *ix) {
    size_t it = 0, klen, total = 0;
    const char *key;
    uint64_t id;
    ix->toff = st_calloc(ix->nterms + 1, sizeof *ix->toff);
    size_t cap = 16;
    while (cap < 2 * ix->nterms + 2) cap *= 2;
    ix->tmask = cap - 1;
    ix->tslot = st_calloc(cap, sizeof *ix->tslot);
    if (!ix->toff || !ix->tslot) return ST_ENOMEM;
    while (st_map_next(ix->terms, &it, &key, &klen, &id)) {
        ix->toff[id + 1] = (uint32_t)klen; /* lengths, summed below */
        total += klen;
    }
    if (total >= UINT32_MAX) return ST_ELIMIT;
    for (size_t t = 0; t < ix->nterms; t++) ix->toff[t + 1] += ix->toff[t];
    ix->tblob = st_malloc(total + 1);
    if (!ix->tblob) return ST_ENOMEM;
    it = 0;
    while (st_map_next(ix->terms, &it, &key, &klen, &id)) {
        memcpy(ix->tblob + ix->toff[id], key, klen);
        size_t i = (size_t)st_hash64(key, klen) & ix->tmask;
        while (ix->tslot[i]) i = (i + 1) & ix->tmask;
        ix->tslot[i] = (uint32_t)id + 1;
    }
    st_map_free(ix->terms);
    ix->terms = NULL;
    return ST_OK;
}

int st_name_index_build(st_name_index *ix) {
    if (ix->built || ix->image) return ST_EINVAL;
    int rc;
    for (uint32_t i = 0; i < ix->n; i++)
        if ((rc = visit_terms(ix, i, term_cb, 0)) != ST_OK) return rc;
    ix->post_off = st_calloc(ix->nterms + 2, sizeof *ix->post_off);
    if (!ix->post_off) return ST_ENOMEM;
    for (uint32_t i = 0; i < ix->n; i++)
        if ((rc = visit_terms(ix, i, count_cb, 0)) != ST_OK) return rc;
    /* prefix sums: post_off[t+1] holds the count of t; shift to starts */
    uint32_t total = 0;
    for (size_t t = 0; t < ix->nterms; t++) {
        uint32_t c = ix->post_off[t + 1];
        ix->post_off[t + 1] = total; /* start of t, used as fill cursor */
        total += c;
    }
    ix->post = st_malloc((total + 1) * sizeof *ix->post);
    if (!ix->post) return ST_ENOMEM;
    for (uint32_t i = 0; i < ix->n; i++)
        if ((rc = visit_terms(ix, i, term_cb, 1)) != ST_OK) return rc;
    /* after filling, post_off[t+1] is the end of t; post_off[0] = 0 */
    ix->post_off[0] = 0;
    if ((rc = freeze_terms(ix)) != ST_OK) return rc;
    /* the bigram index over the "w" terms */
    uint32_t *bgc = st_calloc(NB * NB + 1, sizeof *bgc);
    if (!bgc) return ST_ENOMEM;
    ix->bg_off = bgc;
    for (size_t t = 0; t < ix->nterms; t++) {
        const char *k = ix->tblob + ix->toff[t];
        if (k[0] != 'w') continue;
        uint16_t b[80] = {0};
        size_t nb = bigrams(k + 1, ix->toff[t + 1] - ix->toff[t] - 1, b, 80);
        for (size_t j = 0; j < nb; j++) bgc[b[j] + 1]++;
    }
    for (size_t b = 0; b < NB * NB; b++) bgc[b + 1] += bgc[b];
    ix->bg = st_malloc((bgc[NB * NB] + 1) * sizeof *ix->bg);
    uint32_t *cur = st_malloc((NB * NB + 1) * sizeof *cur);
    if (!ix->bg || !cur) { st_free(cur); return ST_ENOMEM; }
    memcpy(cur, bgc, (NB * NB + 1) * sizeof *cur);
    for (size_t t = 0; t < ix->nterms; t++) {
        const char *k = ix->tblob + ix->toff[t];
        if (k[0] != 'w') continue;
        uint16_t b[80] = {0};
        size_t nb = bigrams(k + 1, ix->toff[t + 1] - ix->toff[t] - 1, b, 80);
        for (size_t j = 0; j < nb; j++) ix->bg[cur[b[j]]++] = (uint32_t)t;
    }
    st_free(cur);
    ix->built = 1;
    return ST_OK;
}

/* ---- queries --------------------------------------------------------------- */

int st_name_scratch_new(const st_name_index *ix, st_name_scratch **out) {
    *out = NULL;
    if (!ix->built) return ST_EINVAL;
    st_name_scratch *s = st_calloc(1, sizeof *s);
    if (!s) return ST_ENOMEM;
    s->nterms = ix->nterms;
    s->nnames = ix->n;
    s->tcount = st_calloc(ix->nterms + 1, sizeof *s->tcount);
    s->tlist = st_malloc((ix->nterms + 1) * sizeof *s->tlist);
    s->acc = st_calloc(ix->n + 1, sizeof *s->acc);
    s->seen = st_calloc(ix->n + 1, 1);
    s->nlist = st_malloc((ix->n + 1) * sizeof *s->nlist);
    s->tok_names = st_malloc((ix->n + 1) * sizeof *s->tok_names);
    s->fz = st_malloc((ix->nterms + 1) * sizeof *s->fz);
    s->fzc = st_calloc(FZ_SLOTS, sizeof *s->fzc);
    if (!s->tcount || !s->tlist || !s->acc || !s->seen || !s->nlist || !s->tok_names || !s->fz || !s->fzc) {
        st_name_scratch_free(s);
        return ST_ENOMEM;
    }
    *out = s;
    return ST_OK;
}

void st_name_scratch_free(st_name_scratch *s) {
    if (!s) return;
    st_free(s->tcount);
    st_free(s->tlist);
    st_free(s->acc);
    st_free(s->seen);
    st_free(s->nlist);
    st_free(s->tok_names);
    st_free(s->fz);
    if (s->fzc)
        for (size_t i = 0; i < FZ_SLOTS; i++) st_free(s->fzc[i].terms);
    st_free(s->fzc);
    st_free(s);
}

typedef struct qstate {
    const st_name_index *ix;
    st_name_scratch *s;
    size_t nn;      /* names touched (nlist) */
    size_t ntn;     /* names touched by the current token */
    size_t cap;     /* posting cap */
    int credited;   /* the current token credited a term */
    uint64_t rare;  /* its rarest term over the cap, and weight */
    uint32_t rare_len;
    float rare_w;
} qstate;

static void credit_names(qstate *q, uint64_t t, float w) {
    const st_name_index *ix = q->ix;
    uint32_t a = ix->post_off[t], b = ix->post_off[t + 1];
    for (uint32_t p = a; p < b; p++) {
        uint32_t name = ix->post[p];
        if (q->s->seen[name]) continue;
        q->s->seen[name] = 1;
        q->s->tok_names[q->ntn++] = name;
        if (q->s->acc[name] == 0.0f) q->s->nlist[q->nn++] = name;
        q->s->acc[name] += w;
    }
    q->credited = 1;
}

/* Credit every name of term t with w (once per query token); a term on
 * too many names is held back unless it is all the token has. */
static void credit_term(qstate *q, uint64_t t, float w) {
    uint32_t len = q->ix->post_off[t + 1] - q->ix->post_off[t];
    if (len > q->cap) {
        if (q->rare_len == 0 || len < q->rare_len) { q->rare = t; q->rare_len = len; q->rare_w = w; }
        return;
    }
    credit_names(q, t, w);
}

static void end_token(qstate *q) {
    if (!q->credited && q->rare_len) credit_names(q, q->rare, q->rare_w);
    q->credited = 0;
    q->rare_len = 0;
    for (size_t i = 0; i < q->ntn; i++) q->s->seen[q->s->tok_names[i]] = 0;
    q->ntn = 0;
}

/* The "w" terms sharing enough bigrams with token str[0..len): a Dice
 * coefficient of 0.45, or three quarters of the shorter side's bigrams
 * (a joined word holding the term, or the other way).  Remembered in the
 * scratch; the returned array is valid until the next call. */
static const fz_term *fuzzy_terms(const st_name_index *ix, st_name_scratch *s, const char *str, size_t len,
                                  size_t *n) {
    fz_slot *slot = NULL;
    if (len < sizeof slot->key) {
        slot = &s->fzc[st_hash64(str, len) & (FZ_SLOTS - 1)];
        if (slot->len == len && memcmp(slot->key, str, len) == 0) {
            *n = slot->n;
            return slot->terms;
        }
    }
    uint16_t b[80] = {0};
    size_t nb = bigrams(str, len, b, 80), nt = 0, nf = 0;
    for (size_t j = 0; j < nb; j++)
        for (uint32_t p = ix->bg_off[b[j]]; p < ix->bg_off[b[j] + 1]; p++) {
            uint32_t term = ix->bg[p];
            if (s->tcount[term]++ == 0) s->tlist[nt++] = term;
        }
    for (size_t j = 0; j < nt; j++) {
        uint32_t term = s->tlist[j];
        uint32_t c = s->tcount[term];
        s->tcount[term] = 0;
        uint32_t tl = ix->toff[term + 1] - ix->toff[term]; /* bigrams of the term (upper bound) */
        double dice = 2.0 * c / (double)(nb + tl);
        double contain = (double)c / (double)(tl < nb ? tl : nb);
        if (dice >= 0.45 || (contain >= 0.75 && (tl >= 4 && nb >= 4))) s->fz[nf++] = (fz_term){term, dice};
    }
    *n = nf;
    if (slot && nf <= FZ_MAX_TERMS) {
        fz_term *keep = st_malloc((nf + 1) * sizeof *keep);
        if (keep) { /* without memory the expansion is just not remembered */
            memcpy(keep, s->fz, nf * sizeof *keep);
            st_free(slot->terms);
            memcpy(slot->key, str, len);
            slot->len = (uint8_t)len;
            slot->n = (uint32_t)nf;
            slot->terms = keep;
        }
    }
    return s->fz;
}

/* Best estimate first, then insertion order: a total order, so the sorted
 * candidates do not depend on how they were gathered. */
static int cand_before(const st_name_cand *x, const st_name_cand *y) {
    if (x->bound != y->bound) return x->bound > y->bound;
    return x->name_idx < y->name_idx;
}

static int cand_cmp(const void *a, const void *b) {
    const st_name_cand *x = a, *y = b;
    return cand_before(x, y) ? -1 : cand_before(y, x);
}

/* Runs of 8 sorted by insertion, then merged (screening asks for 64:
 * a plain insertion sort moved a thousand candidates per query, a tenth
 * of the index's time); qsort beyond 128.  cand_before is a total order,
 * so the result is the one any sort gives. */
#define CAND_RUN 8
static void cand_sort(st_name_cand *c, size_t n) {
    if (n > 128) { qsort(c, n, sizeof *c, cand_cmp); return; }
    for (size_t r = 0; r < n; r += CAND_RUN) {
        size_t e = r + CAND_RUN < n ? r + CAND_RUN : n;
        for (size_t i = r + 1; i < e; i++) {
            st_name_cand x = c[i];
            size_t j = i;
            while (j > r && cand_before(&x, &c[j - 1])) {
                c[j] = c[j - 1];
                j--;
            }
            c[j] = x;
        }
    }
    if (n <= CAND_RUN) return;
    st_name_cand tmp[128], *src = c, *dst = tmp;
    for (size_t w = CAND_RUN; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            size_t i = lo, j = mid, o = lo;
            while (i < mid && j < hi) dst[o++] = cand_before(&src[j], &src[i]) ? src[j++] : src[i++];
            while (i < mid) dst[o++] = src[i++];
            while (j < hi) dst[o++] = src[j++];
        }
        st_name_cand *t = src;
        src = dst;
        dst = t;
    }
    if (src != c) memcpy(c, src, n * sizeof *c);
}

int st_name_index_query(const st_name_index *ix, st_name_scratch *s, const st_name_form *query,
                        st_name_cand *out, size_t k, size_t *n) {
    *n = 0;
    if (!ix->built || !s || s->nnames != ix->n || s->nterms != ix->nterms) return ST_EINVAL;
    if (!query || query->ntok == 0 || k == 0) return ST_OK;
    size_t cap = (size_t)(POSTING_CAP_SHARE * (double)ix->n);
    if (cap < POSTING_CAP_MIN) cap = POSTING_CAP_MIN;
    qstate q = {ix, s, 0, 0, cap, 0, 0, 0, 0};
    int weak = !has_strong(query);
    char buf[80];
    for (unsigned i = 0; i < query->ntok; i++) {
        const nm_tok *t = &query->tok[i];
        if (!tok_indexed(query, i, weak) || t->len == 0) continue;
        float w = t->w;
        /* exact token and skeleton */
        uint64_t id;
        size_t bl = term_bytes('w', query->str + t->off, t->len < 70 ? t->len : 70, buf);
        if (term_find(ix, buf, bl, &id)) credit_term(&q, id, w);
        if (t->sklen >= 2) {
            bl = term_bytes('s', query->str + t->skel, t->sklen < 70 ? t->sklen : 70, buf);
            if (term_find(ix, buf, bl, &id)) credit_term(&q, id, w * 0.9f);
        }
        /* fuzzy: vocabulary terms sharing enough bigrams (a Korean query
         * finds Korean list names through its given-name key instead,
         * unless a word of it looks like a slip: Kwag for Kwang) */
        if (t->len >= 2 && t->kind != NM_NUMBER && (!query->korean || nm_ko_word_suspect(query, i))) {
            size_t nf;
            const fz_term *fz = fuzzy_terms(ix, s, query->str + t->off, t->len, &nf);
            for (size_t j = 0; j < nf; j++)
                credit_term(&q, fz[j].term, (float)(w * (fz[j].dice > 0.9 ? 1.0 : fz[j].dice)));
        }
        end_token(&q);
    }
    /* acronyms: this name's initials, and its short tokens as initials */
    {
        char ini[8];
        size_t ni = name_initials(query, ini);
        uint64_t id;
        if (ni && term_find(ix, buf, term_bytes('a', ini, ni, buf), &id)) credit_names(&q, id, 0.5f);
        end_token(&q);
        for (unsigned i = 0; i < query->ntok; i++) {
            const nm_tok *t = &query->tok[i];
            if (t->len < 2 || t->len > 6 || t->kind == NM_NUMBER || t->kind == NM_LEGAL) continue;
            if (term_find(ix, buf, term_bytes('a', query->str + t->off, t->len, buf), &id))
                credit_term(&q, id, 0.5f);
            end_token(&q);
        }
    }
    /* Korean: the whole given name, then each syllable key */
    if (query->korean) {
        for (size_t j = 0; j < 2u * query->nkv; j++) {
            char g[KO_TERMS_MAX][64];
            size_t ng = 1;
            if (j & 1) korean_term(&query->kv[j / 2], 1, g[0]);
            else ng = korean_terms_expanded(&query->kv[j / 2], g, KO_TERMS_MAX);
            for (size_t e = 0; e < ng; e++) {
                uint64_t id;
                size_t bl = term_bytes('g', g[e], strlen(g[e]), buf);
                if (term_find(ix, buf, bl, &id)) credit_names(&q, id, 10.0f);
            }
            end_token(&q);
        }
    }
    /* top k by accumulated weight */
    size_t m = 0;
    if (q.nn <= k) {
        for (size_t i = 0; i < q.nn; i++) {
            uint32_t name = s->nlist[i];
            out[m++] = (st_name_cand){ix->payload[name], name, s->acc[name]};
        }
        cand_sort(out, m);
    } else {
        /* partial selection: keep the k best in out as a min-heap by bound */
        for (size_t i = 0; i < q.nn; i++) {
            uint32_t name = s->nlist[i];
            st_name_cand c = {ix->payload[name], name, s->acc[name]};
            if (m < k) {
                size_t at = m++;
                out[at] = c;
                while (at > 0 && out[(at - 1) / 2].bound > out[at].bound) {
                    st_name_cand tmp = out[at];
                    out[at] = out[(at - 1) / 2];
                    out[(at - 1) / 2] = tmp;
                    at = (at - 1) / 2;
                }
            } else if (c.bound > out[0].bound) {
                out[0] = c;
                size_t at = 0;
                for (;;) {
                    size_t l = 2 * at + 1, r = l + 1, sm = at;
                    if (l < m && out[l].bound < out[sm].bound) sm = l;
                    if (r < m && out[r].bound < out[sm].bound) sm = r;
                    if (sm == at) break;
                    st_name_cand tmp = out[at];
                    out[at] = out[sm];
                    out[sm] = tmp;
                    at = sm;
                }
            }
        }
        cand_sort(out, m);
    }
    for (size_t i = 0; i < q.nn; i++) s->acc[s->nlist[i]] = 0.0f;
    *n = m;
    return ST_OK;
}

/* ---- image ------------------------------------------------------------------ */

/* A form record: strlen_ (u32), ntok (u8), has_korean (u8), 2 zero bytes,
 * the form's head (schema .. nkv), its Korean block (kv .. inword) when
 * has_korean, ntok tokens, strlen_ string bytes, zero padding to 4. */
#define FORM_HEAD offsetof(st_name_form, kv)
#define FORM_KO_LEN (offsetof(st_name_form, tok) - offsetof(st_name_form, kv))
#define IX_NSEC 10
#define IX_MAGIC "STNIX001"

typedef struct ix_head {
    char magic[8];
    uint64_t n, nterms, tmask, nsec;
    uint64_t sec[IX_NSEC][2]; /* offset from the image start, length in bytes */
} ix_head;

enum { SEC_PAYLOAD, SEC_FOFF, SEC_FBLOB, SEC_TOFF, SEC_TBLOB, SEC_TSLOT, SEC_POSTOFF, SEC_POST,
       SEC_BGOFF, SEC_BG };

static int form_has_korean(const st_name_form *f) {
    const uint8_t *p = (const uint8_t *)f + FORM_HEAD;
    for (size_t i = 0; i < FORM_KO_LEN; i++)
        if (p[i]) return 1;
    return 0;
}

static int put_form(st_buf *b, const st_name_form *f) {
    uint32_t sl = f->strlen_;
    uint8_t hd[4] = {f->ntok, (uint8_t)form_has_korean(f), 0, 0};
    int rc;
    if ((rc = st_buf_append(b, &sl, 4)) || (rc = st_buf_append(b, hd, 4)) ||
        (rc = st_buf_append(b, f, FORM_HEAD)) ||
        (hd[1] && (rc = st_buf_append(b, (const char *)f + FORM_HEAD, FORM_KO_LEN))) ||
        (rc = st_buf_append(b, f->tok, f->ntok * sizeof f->tok[0])) || (rc = st_buf_append(b, f->str, sl)))
        return rc;
    static const char zero[4] = {0};
    return st_buf_append(b, zero, (4 - b->len % 4) % 4);
}

static int put_section(st_buf *b, size_t base, ix_head *h, int sec, const void *p, size_t n) {
    static const char zero[8] = {0};
    int rc = st_buf_append(b, zero, (8 - (b->len - base) % 8) % 8);
    if (rc) return rc;
    h->sec[sec][0] = b->len - base;
    h->sec[sec][1] = n;
    return n ? st_buf_append(b, p, n) : ST_OK;
}

int st_name_index_write_image(const st_name_index *ix, st_buf *out) {
    if (!ix->built) return ST_EINVAL;
    size_t base = out->len;
    ix_head h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, IX_MAGIC, 8);
    h.n = ix->n;
    h.nterms = ix->nterms;
    h.tmask = ix->tmask;
    h.nsec = IX_NSEC;
    int rc = st_buf_append(out, &h, sizeof h);
    if (rc) return rc;
    /* form records go to a buffer of their own first: their offsets lead */
    st_buf fb;
    st_buf_init(&fb, out->max);
    uint32_t *foff = st_malloc((ix->n + 1) * sizeof *foff);
    if (!foff) return ST_ENOMEM;
    for (uint32_t i = 0; i < ix->n && rc == ST_OK; i++) {
        const st_name_form *f = st_name_index_form(ix, i);
        foff[i] = (uint32_t)fb.len;
        rc = f ? put_form(&fb, f) : ST_ENOMEM;
        if (fb.len >= UINT32_MAX) rc = ST_ELIMIT;
    }
    foff[ix->n] = (uint32_t)fb.len;
    if (rc == ST_OK) {
        uint32_t nt = (uint32_t)ix->nterms;
        (void)((rc = put_section(out, base, &h, SEC_PAYLOAD, ix->payload, ix->n * 8)) ||
            (rc = put_section(out, base, &h, SEC_FOFF, foff, (ix->n + 1) * 4)) ||
            (rc = put_section(out, base, &h, SEC_FBLOB, fb.data, fb.len)) ||
            (rc = put_section(out, base, &h, SEC_TOFF, ix->toff, (nt + 1) * 4)) ||
            (rc = put_section(out, base, &h, SEC_TBLOB, ix->tblob, ix->toff[nt])) ||
            (rc = put_section(out, base, &h, SEC_TSLOT, ix->tslot, (ix->tmask + 1) * 4)) ||
            (rc = put_section(out, base, &h, SEC_POSTOFF, ix->post_off, (nt + 1) * 4)) ||
            (rc = put_section(out, base, &h, SEC_POST, ix->post, ix->post_off[nt] * 4)) ||
            (rc = put_section(out, base, &h, SEC_BGOFF, ix->bg_off, (NB * NB + 1) * 4)) ||
            (rc = put_section(out, base, &h, SEC_BG, ix->bg, ix->bg_off[NB * NB] * 4)));
    }
    st_free(foff);
    st_buf_free(&fb);
    if (rc) return rc;
    static const char zero[8] = {0};
    if ((rc = st_buf_append(out, zero, (8 - (out->len - base) % 8) % 8))) return rc;
    memcpy(out->data + base, &h, sizeof h); /* the section table, now known */
    return ST_OK;
}

/* Check form record p[0..len) (see put_form); fills the form's fixed part
 * into *f (str not included).  0 when malformed. */
static int form_check(const uint8_t *p, size_t len, st_name_form *f) {
    uint32_t sl;
    if (len < 8 + FORM_HEAD) return 0;
    memcpy(&sl, p, 4);
    unsigned ntok = p[4], ko = p[5];
    if (ntok > ST_NAME_MAX_TOKENS || ko > 1 || p[6] || p[7] || sl == 0 || sl > UINT16_MAX) return 0;
    size_t need = 8 + FORM_HEAD + (ko ? FORM_KO_LEN : 0) + ntok * sizeof f->tok[0] + sl;
    if (len != need + (4 - need % 4) % 4) return 0;
    memset(f, 0, sizeof *f);
    memcpy(f, p + 8, FORM_HEAD);
    size_t at = 8 + FORM_HEAD;
    if (ko) { memcpy((char *)f + FORM_HEAD, p + at, FORM_KO_LEN); at += FORM_KO_LEN; }
    memcpy(f->tok, p + at, ntok * sizeof f->tok[0]);
    at += ntok * sizeof f->tok[0];
    const uint8_t *str = p + at;
    if (f->ntok != ntok || str[sl - 1] != 0) return 0;
    if ((unsigned)f->schema > ST_SCHEMA_CRYPTOWALLET || f->korean > 1 || f->comma_after > ntok ||
        f->nsyl > KO_MAX_SYL * 2 || f->sur_first > 1 || f->sur_last > 1 || f->nkv > NM_KV_MAX || (f->korean && !ko))
        return 0;
    for (unsigned i = 0; i < f->nkv; i++) {
        const nm_kview *v = &f->kv[i];
        if (v->sur_tok < 0 || (unsigned)v->sur_tok >= ntok || v->ng > KO_MAX_SYL ||
            !memchr(v->flat, 0, sizeof v->flat) || !memchr(v->flat_in, 0, sizeof v->flat_in))
            return 0;
    }
    for (unsigned i = 0; i < ntok; i++) {
        const nm_tok *t = &f->tok[i];
        if ((size_t)t->off + t->len >= sl || (size_t)t->skel + t->sklen >= sl || (size_t)t->zk + t->zklen >= sl ||
            t->kind > NM_ACRONYM ||
            t->origin > NM_SOUND || t->syl0 + t->nsyl > KO_MAX_SYL * 2 || t->hyph_next > 1 ||
            !isfinite(t->w) || t->w < 0 || t->w > 100)
            return 0;
    }
    return 1;
}

static st_name_form *form_expand(const st_name_index *ix, uint32_t i) {
    const uint8_t *p = ix->fblob + ix->foff[i];
    uint32_t sl;
    memcpy(&sl, p, 4);
    st_name_form *f = st_malloc(sizeof *f + sl + 1);
    if (!f) return NULL;
    form_check(p, ix->foff[i + 1] - ix->foff[i], f); /* checked when the image was opened */
    memcpy(f->str, p + 8 + FORM_HEAD + (p[5] ? FORM_KO_LEN : 0) + p[4] * sizeof f->tok[0], sl);
    f->str[sl] = 0;
    f->text = f->str;
    f->strlen_ = sl;
    return f;
}

/* Offsets arr[0..n] non-decreasing from 0, ending at end. */
static int offsets_ok(const uint32_t *arr, size_t n, uint64_t end) {
    if (arr[0] != 0) return 0;
    for (size_t i = 0; i < n; i++)
        if (arr[i + 1] < arr[i]) return 0;
    return arr[n] == end;
}

int st_name_index_open_image(const void *image, size_t len, st_name_index **out, st_error *err) {
    *out = NULL;
    const uint8_t *base = image;
    ix_head h;
    if (((uintptr_t)image & 7) || len < sizeof h) goto bad;
    memcpy(&h, image, sizeof h);
    if (memcmp(h.magic, IX_MAGIC, 8) || h.nsec != IX_NSEC || h.n >= UINT32_MAX - 1 || h.nterms >= UINT32_MAX - 1 ||
        h.tmask >= UINT32_MAX || (h.tmask & (h.tmask + 1)) || h.tmask < h.nterms)
        goto bad;
    for (int s = 0; s < IX_NSEC; s++)
        if (h.sec[s][0] % 8 || h.sec[s][0] < sizeof h || h.sec[s][0] > len || h.sec[s][1] > len - h.sec[s][0])
            goto bad;
#define SEC(s) ((const void *)(base + h.sec[s][0]))
    if (h.sec[SEC_PAYLOAD][1] != h.n * 8 || h.sec[SEC_FOFF][1] != (h.n + 1) * 4 ||
        h.sec[SEC_TOFF][1] != (h.nterms + 1) * 4 || h.sec[SEC_TSLOT][1] != (h.tmask + 1) * 4 ||
        h.sec[SEC_POSTOFF][1] != (h.nterms + 1) * 4 || h.sec[SEC_BGOFF][1] != (NB * NB + 1) * 4)
        goto bad;
    const uint32_t *foff = SEC(SEC_FOFF), *toff = SEC(SEC_TOFF), *tslot = SEC(SEC_TSLOT);
    const uint32_t *post_off = SEC(SEC_POSTOFF), *post = SEC(SEC_POST), *bg_off = SEC(SEC_BGOFF), *bg = SEC(SEC_BG);
    const char *tblob = SEC(SEC_TBLOB);
    const uint8_t *fblob = SEC(SEC_FBLOB);
    if (!offsets_ok(foff, h.n, h.sec[SEC_FBLOB][1]) || !offsets_ok(toff, h.nterms, h.sec[SEC_TBLOB][1]) ||
        !offsets_ok(post_off, h.nterms, h.sec[SEC_POST][1] / 4) || h.sec[SEC_POST][1] % 4 ||
        !offsets_ok(bg_off, NB * NB, h.sec[SEC_BG][1] / 4) || h.sec[SEC_BG][1] % 4)
        goto bad;
    for (size_t i = 0; i < h.n; i++) {
        st_name_form f;
        if (foff[i] % 4 || !form_check(fblob + foff[i], foff[i + 1] - foff[i], &f)) goto bad;
    }
    for (size_t t = 0; t < h.nterms; t++)
        if (toff[t + 1] - toff[t] < 1 || toff[t + 1] - toff[t] > 128) goto bad;
    for (size_t i = 0; i <= h.tmask; i++)
        if (tslot[i] > h.nterms) goto bad;
    for (size_t i = 0; i < h.sec[SEC_POST][1] / 4; i++)
        if (post[i] >= h.n) goto bad;
    for (size_t i = 0; i < h.sec[SEC_BG][1] / 4; i++)
        if (bg[i] >= h.nterms || tblob[toff[bg[i]]] != 'w') goto bad;
#undef SEC
    st_name_index *ix = st_calloc(1, sizeof *ix);
    if (!ix) return st_error_set(err, ST_ENOMEM, "out of memory opening the name index");
    ix->forms = st_calloc(h.n + 1, sizeof *ix->forms);
    if (!ix->forms) { st_free(ix); return st_error_set(err, ST_ENOMEM, "out of memory opening the name index"); }
    ix->image = image;
    ix->built = 1;
    ix->n = ix->cap = h.n;
    ix->nterms = h.nterms;
    ix->tmask = h.tmask;
    /* the image is read-only: these are never written through */
    ix->payload = (uint64_t *)(uintptr_t)(base + h.sec[SEC_PAYLOAD][0]);
    ix->foff = (uint32_t *)(uintptr_t)foff;
    ix->fblob = fblob;
    ix->toff = (uint32_t *)(uintptr_t)toff;
    ix->tblob = (char *)(uintptr_t)tblob;
    ix->tslot = (uint32_t *)(uintptr_t)tslot;
    ix->post_off = (uint32_t *)(uintptr_t)post_off;
    ix->post = (uint32_t *)(uintptr_t)post;
    ix->bg_off = (uint32_t *)(uintptr_t)bg_off;
    ix->bg = (uint32_t *)(uintptr_t)bg;
    *out = ix;
    return ST_OK;
bad:
    return st_error_set(err, ST_ECORRUPT, "name index image is malformed");
}
