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
 * legal forms only are indexed on those too.  Invariant: after
 * st_name_index_build nothing is written, so queries from many threads
 * are safe; all per-query memory lives in the caller's st_name_scratch.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/map.h"
#include "names/names_int.h"

#define NB 38 /* bigram alphabet: a-z, 0-9, ^ (start), $ (end) */
#define POSTING_CAP_SHARE 0.05 /* a term on more than 5% of all names... */
#define POSTING_CAP_MIN 1000   /* ...and on more than this many is skipped, unless it
                                  is the rarest term a query token has */

struct st_name_index {
    st_name_form **forms;
    uint64_t *payload;
    size_t n, cap;
    int built;
    /* vocabulary */
    st_map *terms;             /* term bytes -> term id */
    char **term_str;           /* "w" terms: the token text (for bigram verification) */
    uint32_t *term_len;
    size_t nterms;
    /* postings: names of term t are post[post_off[t] .. post_off[t+1]) */
    uint32_t *post_off, *post;
    /* bigram -> "w" term ids */
    uint32_t *bg_off, *bg;
};

struct st_name_scratch {
    uint16_t *tcount;   /* per term: bigram hits of the current token */
    uint32_t *tlist;    /* touched terms */
    float *acc;         /* per name: accumulated weight */
    uint8_t *seen;      /* per name: touched by the current token */
    uint32_t *nlist;    /* touched names */
    uint32_t *tok_names;/* names touched by the current token */
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
    for (size_t i = 0; i < ix->n; i++) st_name_form_free(ix->forms[i]);
    st_free(ix->forms);
    st_free(ix->payload);
    if (ix->term_str)
        for (size_t i = 0; i < ix->nterms; i++) st_free(ix->term_str[i]);
    st_free(ix->term_str);
    st_free(ix->term_len);
    st_free(ix->post_off);
    st_free(ix->post);
    st_free(ix->bg_off);
    st_free(ix->bg);
    st_map_free(ix->terms);
    st_free(ix);
}

int st_name_index_add(st_name_index *ix, st_names_ctx *ctx, const char *name, st_schema schema,
                      uint64_t payload) {
    if (ix->built) return ST_EINVAL;
    if (ix->n >= UINT32_MAX - 1) return ST_ELIMIT;
    if (ix->n == ix->cap) {
        size_t nc = ix->cap ? ix->cap * 2 : 1024;
        st_name_form **f = st_realloc(ix->forms, nc * sizeof *f);
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
    ix->forms[ix->n] = form;
    ix->payload[ix->n] = payload;
    ix->n++;
    return ST_OK;
}

size_t st_name_index_count(const st_name_index *ix) { return ix ? ix->n : 0; }
const st_name_form *st_name_index_form(const st_name_index *ix, uint32_t i) {
    return ix && i < ix->n ? ix->forms[i] : NULL;
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
    const st_name_form *f = ix->forms[idx];
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

int st_name_index_build(st_name_index *ix) {
    if (ix->built) return ST_EINVAL;
    int rc;
    for (uint32_t i = 0; i < ix->n; i++)
        if ((rc = visit_terms(ix, i, term_cb, 0)) != ST_OK) return rc;
    ix->post_off = st_calloc(ix->nterms + 2, sizeof *ix->post_off);
    ix->term_str = st_calloc(ix->nterms + 1, sizeof *ix->term_str);
    ix->term_len = st_calloc(ix->nterms + 1, sizeof *ix->term_len);
    if (!ix->post_off || !ix->term_str || !ix->term_len) return ST_ENOMEM;
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
    /* term strings for "w" terms, and the bigram index over them */
    size_t it = 0;
    const char *key;
    size_t klen;
    uint64_t id;
    uint32_t *bgc = st_calloc(NB * NB + 1, sizeof *bgc);
    if (!bgc) return ST_ENOMEM;
    while (st_map_next(ix->terms, &it, &key, &klen, &id)) {
        if (key[0] != 'w') continue;
        ix->term_str[id] = st_strndup(key + 1, klen - 1);
        if (!ix->term_str[id]) { st_free(bgc); return ST_ENOMEM; }
        ix->term_len[id] = (uint32_t)(klen - 1);
        uint16_t b[80];
        size_t nb = bigrams(key + 1, klen - 1, b, 80);
        for (size_t j = 0; j < nb; j++) bgc[b[j] + 1]++;
    }
    for (size_t b = 0; b < NB * NB; b++) bgc[b + 1] += bgc[b];
    ix->bg_off = bgc;
    ix->bg = st_malloc((bgc[NB * NB] + 1) * sizeof *ix->bg);
    uint32_t *cur = st_malloc((NB * NB + 1) * sizeof *cur);
    if (!ix->bg || !cur) { st_free(cur); return ST_ENOMEM; }
    memcpy(cur, bgc, (NB * NB + 1) * sizeof *cur);
    for (size_t t = 0; t < ix->nterms; t++) {
        if (!ix->term_str[t]) continue;
        uint16_t b[80];
        size_t nb = bigrams(ix->term_str[t], ix->term_len[t], b, 80);
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
    if (!s->tcount || !s->tlist || !s->acc || !s->seen || !s->nlist || !s->tok_names) {
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

static int cand_cmp(const void *a, const void *b) {
    const st_name_cand *x = a, *y = b;
    if (x->bound != y->bound) return x->bound < y->bound ? 1 : -1;
    return x->name_idx < y->name_idx ? -1 : x->name_idx > y->name_idx;
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
        if (st_map_get(ix->terms, buf, bl, &id)) credit_term(&q, id, w);
        if (t->sklen >= 2) {
            bl = term_bytes('s', query->str + t->skel, t->sklen < 70 ? t->sklen : 70, buf);
            if (st_map_get(ix->terms, buf, bl, &id)) credit_term(&q, id, w * 0.9f);
        }
        /* fuzzy: vocabulary terms sharing enough bigrams (a Korean query
         * finds Korean list names through its given-name key instead) */
        if (t->len >= 2 && t->kind != NM_NUMBER && !query->korean) {
            uint16_t b[80];
            size_t nb = bigrams(query->str + t->off, t->len, b, 80), nt = 0;
            for (size_t j = 0; j < nb; j++)
                for (uint32_t p = ix->bg_off[b[j]]; p < ix->bg_off[b[j] + 1]; p++) {
                    uint32_t term = ix->bg[p];
                    if (s->tcount[term]++ == 0) s->tlist[nt++] = term;
                }
            for (size_t j = 0; j < nt; j++) {
                uint32_t term = s->tlist[j];
                uint32_t c = s->tcount[term];
                s->tcount[term] = 0;
                uint32_t tl = ix->term_len[term] + 1; /* bigrams of the term (upper bound) */
                double dice = 2.0 * c / (double)(nb + tl);
                /* a joined query word holding the term, or the other way */
                double contain = (double)c / (double)(tl < nb ? tl : nb);
                if (dice >= 0.45 || (contain >= 0.75 && (tl >= 4 && nb >= 4)))
                    credit_term(&q, term, (float)(w * (dice > 0.9 ? 1.0 : dice)));
            }
        }
        end_token(&q);
    }
    /* acronyms: this name's initials, and its short tokens as initials */
    {
        char ini[8];
        size_t ni = name_initials(query, ini);
        uint64_t id;
        size_t bl;
        if (ni && st_map_get(ix->terms, buf, (bl = term_bytes('a', ini, ni, buf)), &id)) credit_names(&q, id, 0.5f);
        end_token(&q);
        for (unsigned i = 0; i < query->ntok; i++) {
            const nm_tok *t = &query->tok[i];
            if (t->len < 2 || t->len > 6 || t->kind == NM_NUMBER || t->kind == NM_LEGAL) continue;
            if (st_map_get(ix->terms, buf, (bl = term_bytes('a', query->str + t->off, t->len, buf)), &id))
                credit_term(&q, id, 0.5f);
            end_token(&q);
        }
    }
    /* Korean: the whole given name, then each syllable key */
    if (query->korean) {
        for (size_t j = 0; j < 2u * query->nkv; j++) {
            char g[64];
            size_t gl = korean_term(&query->kv[j / 2], (int)(j & 1), g);
            uint64_t id;
            size_t bl = term_bytes('g', g, gl, buf);
            if (st_map_get(ix->terms, buf, bl, &id)) credit_names(&q, id, 10.0f);
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
        qsort(out, m, sizeof *out, cand_cmp);
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
        qsort(out, m, sizeof *out, cand_cmp);
    }
    for (size_t i = 0; i < q.nn; i++) s->acc[s->nlist[i]] = 0.0f;
    *n = m;
    return ST_OK;
}
