/*
 * tags.c - attribution tags: GraphSense TagPack YAML in, address -> tag
 * lookups against a chain store out.
 *
 * Design: a TagPack is a YAML map of scalar header fields and `tags:`, a
 * list of maps.  libyaml reads the YAML itself (flow maps, folded and
 * literal scalars, anchors, every quoting style), so any valid TagPack
 * loads; this file only walks that shape and reports the file and line of
 * anything else.  Only two levels are walked, and what aliases and the
 * per-tag copies of header fields add is charged against a budget of 16
 * times the file's size, so no small file expands into gigabytes.  Header fields are
 * inherited by every tag that lacks them, wherever the header field sits
 * in the file (YAML maps are unordered), so tags are merged at the end.
 * Strings live in an arena owned by the tagset; a tag never changes once
 * added.  Each tag carries a normalised category (sanctioned, theft,
 * mixer, exchange, ...) and a validity interval: a tag applies to a
 * transaction only when the block time falls inside it.
 */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <yaml.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "core/map.h"
#include "sanctrace/trace.h"

#define TAG_MAX_LINE 65536
#define TAG_MAX_TAGS 50000000u
#define TAG_MAX_FILE (1u << 30)
#define ARENA_BLOCK 65536

typedef struct arena_blk {
    struct arena_blk *next;
    size_t used, cap;
    char data[];
} arena_blk;

struct st_tagset {
    st_tag *tags; /* owned array */
    size_t n, cap;
    arena_blk *arena; /* owned string storage */
};

static const char *arena_dup(st_tagset *ts, const char *s, size_t n) {
    if (!s) return "";
    arena_blk *b = ts->arena;
    if (!b || b->cap - b->used < n + 1) {
        size_t cap = n + 1 > ARENA_BLOCK ? n + 1 : ARENA_BLOCK;
        arena_blk *nb = st_malloc(sizeof *nb + cap);
        if (!nb) return NULL;
        nb->next = ts->arena;
        nb->used = 0;
        nb->cap = cap;
        ts->arena = b = nb;
    }
    char *p = b->data + b->used;
    memcpy(p, s, n);
    p[n] = 0;
    b->used += n + 1;
    return p;
}

int st_tagset_new(st_tagset **out) {
    *out = st_calloc(1, sizeof **out);
    return *out ? ST_OK : ST_ENOMEM;
}

void st_tagset_free(st_tagset *ts) {
    if (!ts) return;
    for (arena_blk *b = ts->arena; b;) {
        arena_blk *n = b->next;
        st_free(b);
        b = n;
    }
    st_free(ts->tags);
    st_free(ts);
}

size_t st_tagset_count(const st_tagset *ts) { return ts->n; }
const st_tag *st_tagset_get(const st_tagset *ts, size_t i) { return i < ts->n ? &ts->tags[i] : NULL; }

static int has_word(const char *s, const char *w) { return s && strcasestr(s, w) != NULL; }

const char *st_tag_category(const char *category, const char *abuse) {
    if (abuse && *abuse) {
        if (has_word(abuse, "sanction")) return "sanctioned";
        if (has_word(abuse, "hack") || has_word(abuse, "theft") || has_word(abuse, "exploit") ||
            has_word(abuse, "stolen"))
            return "theft";
        if (has_word(abuse, "mix")) return "mixer";
        return abuse;
    }
    if (!category || !*category) return "other";
    if (has_word(category, "sanction")) return "sanctioned";
    if (has_word(category, "theft") || has_word(category, "hack")) return "theft";
    if (has_word(category, "mix") || has_word(category, "coinjoin") || has_word(category, "tumbler"))
        return "mixer";
    if (has_word(category, "exchange")) return "exchange";
    return category;
}

int st_tagset_add(st_tagset *ts, const st_tag *t) {
    if (ts->n >= TAG_MAX_TAGS) return ST_ELIMIT;
    if (ts->n == ts->cap) {
        size_t nc = ts->cap ? ts->cap * 2 : 256;
        st_tag *p = st_realloc(ts->tags, nc * sizeof *p);
        if (!p) return ST_ENOMEM;
        ts->tags = p;
        ts->cap = nc;
    }
    st_tag c = *t;
    const char **f[] = {&c.address, &c.label, &c.category, &c.raw_category, &c.abuse, &c.source,
                        &c.currency, &c.actor, &c.confidence, &c.lastmod, &c.pack};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        const char *s = *f[i] ? *f[i] : "";
        *f[i] = arena_dup(ts, s, strlen(s));
        if (!*f[i]) return ST_ENOMEM;
    }
    ts->tags[ts->n++] = c;
    return ST_OK;
}

int st_tag_valid_at(const st_tag *t, int64_t when) { return when >= t->valid_from && when < t->valid_to; }

/* ---- the YAML subset -------------------------------------------------- */

enum { F_ADDRESS, F_LABEL, F_CATEGORY, F_ABUSE, F_SOURCE, F_CURRENCY, F_ACTOR, F_CONFIDENCE,
       F_LASTMOD, F_TITLE, F_VALID_FROM, F_VALID_TO, F_N };
static const char *const field_names[F_N] = {"address", "label", "category", "abuse", "source",
                                             "currency", "actor", "confidence", "lastmod", "title",
                                             "valid_from", "valid_to"};

typedef struct yfields {
    const char *v[F_N]; /* arena strings or NULL */
    long line;
} yfields;

typedef struct yparse {
    st_tagset *ts;
    const char *name;
    st_error *err;
    yfields head;
    yfields *items; /* owned */
    size_t nitems, cap;
    size_t budget;  /* string bytes this file may still add (aliases and
                       inherited header fields are copied per tag) */
} yparse;

/* Bytes a file may add to a tagset: 16 times its size, and 1 MiB more;
 * aliases that would copy more than that are a bomb, not a TagPack. */
#define TAG_BUDGET(len) ((len) > (SIZE_MAX - (1u << 20)) / 16 ? SIZE_MAX : (len) * 16 + (1u << 20))

static int charge(yparse *p, size_t n, long line) {
    if (n > p->budget)
        return st_error_at(p->err, ST_ELIMIT, p->name, line, -1,
                           "aliases and inherited fields expand to more than 16 times the file's size");
    p->budget -= n;
    return ST_OK;
}

static int field_index(const char *k, size_t n) {
    if (n == 11 && !strncmp(k, "valid_until", 11)) return F_VALID_TO;
    for (int i = 0; i < F_N; i++)
        if (strlen(field_names[i]) == n && !strncmp(k, field_names[i], n)) return i;
    return -1;
}

static int perr(yparse *p, long line, const char *fmt, const char *detail) {
    return st_error_at(p->err, ST_EPARSE, p->name, line, -1, fmt, detail);
}

static long node_line(const yaml_node_t *n) { return (long)n->start_mark.line + 1; }

/* The text of a scalar node, or NULL for a YAML null (an empty plain
 * value, ~ or null).  *why is set, and NULL returned, for a node that is not
 * a scalar (*why = NULL then), or one the tag model cannot hold. */
static const char *node_text(const yaml_node_t *n, size_t *len, const char **why) {
    *why = NULL;
    if (!n || n->type != YAML_SCALAR_NODE) return NULL;
    const char *v = (const char *)n->data.scalar.value;
    size_t l = n->data.scalar.length;
    if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
        (l == 0 || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") || !strcmp(v, "NULL")))
        return NULL;
    if (memchr(v, 0, l)) { *why = "NUL byte in text"; return NULL; }
    if (l > TAG_MAX_LINE - 1) { *why = "value longer than 64 KiB"; return NULL; }
    *len = l;
    return v;
}

/* Store the recognised scalar fields of mapping m into f.  Values that are
 * themselves maps or lists (free-text context, nested metadata) are not
 * part of the tag model and are passed over. */
static int read_fields(yparse *p, yaml_document_t *d, const yaml_node_t *m, yfields *f) {
    for (yaml_node_pair_t *pr = m->data.mapping.pairs.start; pr < m->data.mapping.pairs.top; pr++) {
        const yaml_node_t *k = yaml_document_get_node(d, pr->key), *v = yaml_document_get_node(d, pr->value);
        if (!k || k->type != YAML_SCALAR_NODE) return perr(p, k ? node_line(k) : 0, "a key must be plain text%s", "");
        const char *key = (const char *)k->data.scalar.value;
        int fi = field_index(key, k->data.scalar.length);
        if (fi < 0 || !v || v->type != YAML_SCALAR_NODE) continue;
        const char *why;
        size_t len = 0;
        const char *text = node_text(v, &len, &why);
        if (why) return perr(p, node_line(v), "%s", why);
        if (!text) continue;
        if (f->v[fi]) return perr(p, node_line(k), "duplicate key '%s'", field_names[fi]);
        int rc = charge(p, len + 1, node_line(v));
        if (rc) return rc;
        if (!(f->v[fi] = arena_dup(p->ts, text, len))) return st_error_set(p->err, ST_ENOMEM, "out of memory");
    }
    return ST_OK;
}

/* libyaml's own complaint, with the line it points at. */
static int yaml_fail(yparse *p, const yaml_parser_t *y) {
    if (y->error == YAML_MEMORY_ERROR) return st_error_set(p->err, ST_ENOMEM, "out of memory");
    /* a key without its ':' or an unclosed quote is found only lines later:
     * where it began is the line a person has to fix; inside a plain scalar
     * (a stray tab) the problem's own line is */
    const yaml_mark_t *mk =
        y->context && !strstr(y->context, "plain scalar") ? &y->context_mark : &y->problem_mark;
    return st_error_at(p->err, ST_EPARSE, p->name, (long)mk->line + 1, (long long)mk->index,
                       "not valid YAML: %s%s%s", y->context ? y->context : "", y->context ? ", " : "",
                       y->problem ? y->problem : "syntax error");
}

static int new_item(yparse *p, long line) {
    if (p->nitems >= TAG_MAX_TAGS) return st_error_at(p->err, ST_ELIMIT, p->name, line, -1, "too many tags");
    if (p->nitems == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 64;
        yfields *q = st_realloc(p->items, nc * sizeof *q);
        if (!q) return st_error_set(p->err, ST_ENOMEM, "out of memory");
        p->items = q;
        p->cap = nc;
    }
    memset(&p->items[p->nitems], 0, sizeof p->items[0]);
    p->items[p->nitems].line = line;
    p->nitems++;
    return ST_OK;
}

static int finish(yparse *p) {
    for (size_t i = 0; i < p->nitems; i++) {
        yfields *it = &p->items[i];
        if (!it->v[F_ADDRESS] || !*it->v[F_ADDRESS])
            return perr(p, it->line, "tag without an address%s", "");
        const char *v[F_N];
        for (int f = 0; f < F_N; f++) v[f] = it->v[f] ? it->v[f] : p->head.v[f];
        st_tag t;
        memset(&t, 0, sizeof t);
        t.address = v[F_ADDRESS];
        t.label = v[F_LABEL] ? v[F_LABEL] : v[F_TITLE];
        t.raw_category = v[F_CATEGORY];
        t.abuse = v[F_ABUSE];
        t.source = v[F_SOURCE];
        t.currency = v[F_CURRENCY];
        t.actor = v[F_ACTOR];
        t.confidence = v[F_CONFIDENCE];
        t.lastmod = v[F_LASTMOD];
        t.pack = p->head.v[F_TITLE] ? p->head.v[F_TITLE] : p->name;
        t.category = st_tag_category(t.raw_category, t.abuse);
        /* a list of sanctioned assets that names no abuse is still sanctions data */
        if ((!t.abuse || !*t.abuse) && strcmp(t.category, "mixer") && strcmp(t.category, "theft") &&
            (has_word(t.label, "sanction") || has_word(t.pack, "sanction")))
            t.category = "sanctioned";
        t.valid_from = INT64_MIN;
        t.valid_to = INT64_MAX;
        if (v[F_VALID_FROM] && st_date_parse(v[F_VALID_FROM], &t.valid_from))
            return perr(p, it->line, "valid_from is not a date (YYYY-MM-DD): %s", v[F_VALID_FROM]);
        if (v[F_VALID_TO] && st_date_parse(v[F_VALID_TO], &t.valid_to))
            return perr(p, it->line, "valid_to is not a date (YYYY-MM-DD): %s", v[F_VALID_TO]);
        size_t bytes = 0;
        const char *const fs[] = {t.address, t.label, t.category, t.raw_category, t.abuse, t.source,
                                  t.currency, t.actor, t.confidence, t.lastmod, t.pack};
        for (size_t q = 0; q < sizeof fs / sizeof fs[0]; q++) bytes += (fs[q] ? strlen(fs[q]) : 0) + 1;
        int rc = charge(p, bytes, it->line);
        if (rc) return rc;
        rc = st_tagset_add(p->ts, &t);
        if (rc) return st_error_at(p->err, rc, p->name, it->line, -1, "cannot add tag");
    }
    return ST_OK;
}

/* One YAML document: its header fields, then every tag under `tags:`. */
static int load_document(yparse *p, yaml_document_t *doc) {
    const yaml_node_t *root = yaml_document_get_root_node(doc);
    int rc, seen_tags = 0;
    memset(&p->head, 0, sizeof p->head);
    p->nitems = 0;
    if (!root) return ST_OK; /* an empty document holds no tags */
    if (root->type == YAML_SEQUENCE_NODE) return perr(p, node_line(root), "list item outside 'tags:'%s", "");
    if (root->type != YAML_MAPPING_NODE)
        return perr(p, node_line(root), "a TagPack is a map of header fields and 'tags:'%s", "");
    if ((rc = read_fields(p, doc, root, &p->head))) return rc;
    for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top; pr++) {
        const yaml_node_t *k = yaml_document_get_node(doc, pr->key), *v = yaml_document_get_node(doc, pr->value);
        if (k->type != YAML_SCALAR_NODE || strcmp((const char *)k->data.scalar.value, "tags")) continue;
        if (seen_tags++) return perr(p, node_line(k), "duplicate key '%s'", "tags");
        const char *why;
        size_t vl;
        if (v->type == YAML_SCALAR_NODE && !node_text(v, &vl, &why) && !why) continue; /* `tags:` with none */
        if (v->type != YAML_SEQUENCE_NODE) return perr(p, node_line(k), "'tags:' must start a list%s", "");
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
            const yaml_node_t *t = yaml_document_get_node(doc, *it);
            if (t->type != YAML_MAPPING_NODE) return perr(p, node_line(t), "a tag must be a map of 'key: value'%s", "");
            if ((rc = charge(p, sizeof(yfields), node_line(t)))) return rc;
            if ((rc = new_item(p, node_line(t)))) return rc;
            if ((rc = read_fields(p, doc, t, &p->items[p->nitems - 1]))) return rc;
        }
    }
    return finish(p);
}

int st_tagset_load_yaml(st_tagset *ts, const char *name, const char *data, size_t len,
                        st_error *err) {
    yparse p;
    memset(&p, 0, sizeof p);
    p.ts = ts;
    p.name = name ? name : "tagpack";
    p.err = err;
    p.budget = TAG_BUDGET(len);
    size_t base = ts->n;
    int rc = ST_OK;
    yaml_parser_t y;
    if (len > TAG_MAX_FILE) return st_error_at(err, ST_ELIMIT, p.name, 0, -1, "TagPack larger than 1 GiB");
    if (!yaml_parser_initialize(&y)) return st_error_set(err, ST_ENOMEM, "out of memory");
    yaml_parser_set_input_string(&y, (const unsigned char *)data, len);
    /* every document of the file (a pack may be split by ---), each with
     * its own header */
    for (;;) {
        yaml_document_t doc;
        if (!yaml_parser_load(&y, &doc)) {
            rc = yaml_fail(&p, &y);
            break;
        }
        int last = yaml_document_get_root_node(&doc) == NULL;
        if (!last) rc = load_document(&p, &doc);
        yaml_document_delete(&doc);
        if (rc || last) break;
    }
    if (rc) ts->n = base; /* a file loads whole or not at all (arena strings stay until free) */
    yaml_parser_delete(&y);
    st_free(p.items);
    return rc;
}

static int ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

static int name_cmp(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_file(st_tagset *ts, const char *path, st_error *err) {
    char *data;
    size_t len;
    int rc = st_file_read(path, TAG_MAX_FILE, &data, &len, err);
    if (rc) return rc;
    rc = st_tagset_load_yaml(ts, path, data, len, err);
    st_free(data);
    return rc;
}

int st_tagset_load_path(st_tagset *ts, const char *path, st_error *err) {
    if (!st_is_dir(path)) return load_file(ts, path, err);
    DIR *d = opendir(path);
    if (!d) return st_error_at(err, ST_EIO, path, 0, -1, "cannot read directory");
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = ST_OK;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!ends_with(de->d_name, ".yaml") && !ends_with(de->d_name, ".yml")) continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            char **q = st_realloc(names, nc * sizeof *q);
            if (!q) { rc = ST_ENOMEM; break; }
            names = q;
            cap = nc;
        }
        if (!(names[n] = st_strdup(de->d_name))) { rc = ST_ENOMEM; break; }
        n++;
    }
    closedir(d);
    if (!rc && n) qsort(names, n, sizeof *names, name_cmp);
    for (size_t i = 0; i < n && !rc; i++) {
        char full[4096];
        if (st_path_join(full, sizeof full, path, names[i])) rc = st_error_set(err, ST_ELIMIT, "path too long");
        else rc = load_file(ts, full, err);
    }
    if (rc == ST_ENOMEM) st_error_set(err, rc, "out of memory");
    for (size_t i = 0; i < n; i++) st_free(names[i]);
    st_free(names);
    return rc;
}

/* ---- tags resolved against a chain ------------------------------------ */

struct st_tagmap {
    const st_tagset *ts;
    st_map *by_addr;      /* address id (8 bytes) -> first tag index + 1 */
    st_map *by_cluster;   /* cluster id -> first tag index + 1 */
    size_t *next_addr;    /* per tag: next tag of the same address + 1, 0 ends */
    size_t *next_cl;      /* per tag: next tag of the same cluster + 1 */
    uint64_t *tag_addr;   /* per tag: resolved address id or NONE */
    uint64_t *addr_bits;  /* bit per address id: has a tag of its own */
    uint64_t *cl_bits;    /* bit per cluster id: some member has a tag */
    uint64_t *member_bits;/* bit per address id: its cluster has a tag */
    uint64_t *tx_bits;    /* bit per tx id: pays an address with a tag of its own */
    uint64_t naddr, ntx;
    const st_clusters *cl;
};

static int bit_get(const uint64_t *b, uint64_t i) { return (int)((b[i >> 6] >> (i & 63)) & 1); }
static void bit_set(uint64_t *b, uint64_t i) { b[i >> 6] |= 1ULL << (i & 63); }

static int severity(const char *cat) {
    if (!strcmp(cat, "sanctioned")) return 0;
    if (!strcmp(cat, "theft")) return 1;
    if (!strcmp(cat, "mixer")) return 2;
    if (!strcmp(cat, "exchange")) return 4;
    if (!strcmp(cat, "other") || !strcmp(cat, "user")) return 6;
    return 3; /* ransomware, scam, darknet market, ... */
}

int st_tagmap_new(st_tagmap **out, const st_tagset *ts, const st_chain *c,
                  const st_clusters *cl, size_t *unresolved) {
    *out = NULL;
    if (unresolved) *unresolved = 0;
    st_tagmap *tm = st_calloc(1, sizeof *tm);
    if (!tm) return ST_ENOMEM;
    tm->ts = ts;
    tm->cl = cl;
    size_t n = ts->n;
    tm->next_addr = st_calloc(n + 1, sizeof *tm->next_addr);
    tm->next_cl = st_calloc(n + 1, sizeof *tm->next_cl);
    tm->tag_addr = st_malloc((n + 1) * sizeof *tm->tag_addr);
    st_chain_cols k;
    st_chain_get_cols(c, &k);
    tm->naddr = k.naddr;
    tm->ntx = k.ntx;
    tm->addr_bits = st_calloc(k.naddr / 64 + 1, sizeof *tm->addr_bits);
    tm->cl_bits = st_calloc(k.naddr / 64 + 1, sizeof *tm->cl_bits);
    tm->member_bits = st_calloc(k.naddr / 64 + 1, sizeof *tm->member_bits);
    tm->tx_bits = st_calloc(k.ntx / 64 + 1, sizeof *tm->tx_bits);
    if (!tm->addr_bits || !tm->cl_bits || !tm->member_bits || !tm->tx_bits || !tm->next_addr || !tm->next_cl || !tm->tag_addr || st_map_new(&tm->by_addr) ||
        st_map_new(&tm->by_cluster)) {
        st_tagmap_free(tm);
        return ST_ENOMEM;
    }
    /* walk backwards so each list comes out in file order */
    for (size_t i = n; i-- > 0;) {
        uint64_t a;
        tm->tag_addr[i] = ST_CHAIN_NONE;
        if (!st_chain_find_addr(c, ts->tags[i].address, &a)) {
            if (unresolved) (*unresolved)++;
            continue;
        }
        tm->tag_addr[i] = a;
        if (!bit_get(tm->addr_bits, a)) /* first tag of this address: mark the txs paying it */
            for (uint64_t o = st_chain_addr_first_out(c, a); o != ST_CHAIN_NONE; o = st_chain_next_out(&k, o))
                bit_set(tm->tx_bits, st_chain_out_tx(c, o));
        bit_set(tm->addr_bits, a);
        int created;
        uint64_t *slot = st_map_slot(tm->by_addr, &a, sizeof a, 0, &created);
        if (!slot) { st_tagmap_free(tm); return ST_ENOMEM; }
        tm->next_addr[i] = (size_t)*slot;
        *slot = i + 1;
        if (cl) {
            uint64_t cid = st_clusters_id(cl, a);
            if (cid == ST_CHAIN_NONE) continue; /* a damaged cluster file */
            if (!bit_get(tm->cl_bits, cid))
                /* (a member already marked ends it: lists do not share members, unless the file is damaged) */
                for (uint64_t m = cid; m != ST_CHAIN_NONE && !bit_get(tm->member_bits, m);
                     m = st_clusters_next_member(cl, m))
                    bit_set(tm->member_bits, m);
            bit_set(tm->cl_bits, cid);
            slot = st_map_slot(tm->by_cluster, &cid, sizeof cid, 0, &created);
            if (!slot) { st_tagmap_free(tm); return ST_ENOMEM; }
            tm->next_cl[i] = (size_t)*slot;
            *slot = i + 1;
        }
    }
    *out = tm;
    return ST_OK;
}

void st_tagmap_free(st_tagmap *tm) {
    if (!tm) return;
    st_map_free(tm->by_addr);
    st_map_free(tm->by_cluster);
    st_free(tm->next_addr);
    st_free(tm->next_cl);
    st_free(tm->tag_addr);
    st_free(tm->addr_bits);
    st_free(tm->cl_bits);
    st_free(tm->member_bits);
    st_free(tm->tx_bits);
    st_free(tm);
}

/* The most severe tag valid at `when` in a list. */
static const st_tag *best(const st_tagmap *tm, size_t head, const size_t *next, int64_t when) {
    const st_tag *b = NULL;
    for (size_t i = head; i; i = next[i - 1]) {
        const st_tag *t = &tm->ts->tags[i - 1];
        if (!st_tag_valid_at(t, when)) continue;
        if (!b || severity(t->category) < severity(b->category)) b = t;
    }
    return b;
}

const st_tag *st_tagmap_find(const st_tagmap *tm, uint64_t addr, int64_t when, int *via_cluster) {
    if (via_cluster) *via_cluster = 0;
    if (!tm || addr == ST_CHAIN_NONE || addr >= tm->naddr) return NULL;
    uint64_t h;
    if (bit_get(tm->addr_bits, addr) && st_map_get(tm->by_addr, &addr, sizeof addr, &h)) {
        const st_tag *t = best(tm, (size_t)h, tm->next_addr, when);
        if (t) return t;
    }
    if (tm->cl && bit_get(tm->member_bits, addr)) {
        uint64_t cid = st_clusters_id(tm->cl, addr);
        if (cid != ST_CHAIN_NONE && bit_get(tm->cl_bits, cid) && st_map_get(tm->by_cluster, &cid, sizeof cid, &h)) {
            const st_tag *t = best(tm, (size_t)h, tm->next_cl, when);
            if (t && via_cluster) *via_cluster = 1;
            return t;
        }
    }
    return NULL;
}

int st_tagmap_tx_pays_tagged(const st_tagmap *tm, uint64_t tx) {
    return tm && tx < tm->ntx && bit_get(tm->tx_bits, tx);
}

const st_tag *st_tagmap_find_own(const st_tagmap *tm, uint64_t addr, int64_t when) {
    if (!tm || addr == ST_CHAIN_NONE || addr >= tm->naddr || !bit_get(tm->addr_bits, addr)) return NULL;
    uint64_t h;
    return st_map_get(tm->by_addr, &addr, sizeof addr, &h) ? best(tm, (size_t)h, tm->next_addr, when) : NULL;
}

size_t st_tagmap_index(const st_tagmap *tm, const st_tag *t) { return (size_t)(t - tm->ts->tags); }

int st_tagmap_addresses(const st_tagmap *tm, const char *name, uint64_t **addrs, size_t *n) {
    *addrs = NULL;
    *n = 0;
    size_t cap = 0;
    for (size_t i = 0; i < tm->ts->n; i++) {
        const st_tag *t = &tm->ts->tags[i];
        if (tm->tag_addr[i] == ST_CHAIN_NONE) continue;
        if (strcasecmp(t->label, name) && strcasecmp(t->actor, name) && strcasecmp(t->pack, name))
            continue;
        int dup = 0;
        for (size_t j = 0; j < *n && !dup; j++) dup = (*addrs)[j] == tm->tag_addr[i];
        if (dup) continue;
        if (*n == cap) {
            size_t nc = cap ? cap * 2 : 16;
            uint64_t *q = st_realloc(*addrs, nc * sizeof *q);
            if (!q) {
                st_free(*addrs);
                *addrs = NULL;
                *n = 0;
                return ST_ENOMEM;
            }
            *addrs = q;
            cap = nc;
        }
        (*addrs)[(*n)++] = tm->tag_addr[i];
    }
    return ST_OK;
}
