/*
 * screen.c - snapshots in memory and the screening of one query.
 *
 * Design: a loaded snapshot is immutable.  Opening it reads the entities
 * the lists store wrote, then builds three lookups once: wallet addresses
 * (normalised per chain, exact), identifier numbers (letters and digits
 * only, exact) and the candidate name index of src/index over every name
 * of every entity.  A query then touches only the candidates the index
 * returns, scores each with the names comparator and adjusts the best name
 * score by birth date, nationality, country, schema and identifiers, each
 * step written into the explanation.
 *
 * Invariant: a candidate's score, and so its match flag, depends only on
 * the query and the snapshot - never on the threshold or limit asked for,
 * which only cut the sorted list that is returned.  Which names count is
 * fixed (SCREEN_NAME_FLOOR); birth date, nationality and country may lower
 * any score but raise only one that the name (or an identifier) already
 * made a match (SCREEN_LIFT_FLOOR): a shared birth year or nationality never
 * makes a match.  A full birth date equal to a listed one, rare by chance,
 * may lift a name from SCREEN_FULL_DATE_FLOOR.
 * Scores are kept at the three decimals every output shows (truncated).
 *
 * Thread safety: any number of threads may call st_screen on one snapshot.
 * The only mutable part is a pool of per-thread workspaces (ICU context +
 * index scratch) guarded by a mutex; a workspace is held for one query.
 * The snapshot is reference-counted so a server can swap in a new one
 * while requests still read the old.
 */
#include "sanctrace/screen.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/fs.h"
#include "core/map.h"
#include "index/name_index.h"
#include "lists/store.h"
#include "screen/image.h"
#include "sanctrace/wallet.h"
#include "sanctrace/names.h"

#define SCREEN_CANDIDATES 64   /* names the index may return per query */
#define SCREEN_SCORED_MIN 12     /* names always scored, best estimates first */
#define SCREEN_BOUND_SHARE 0.6   /* past those, skip names whose estimate is under
                                    this share of the best estimate */
#define SCREEN_MAX_MATCHES 500 /* the server answers up to 500 (yente's MAX_MATCHES) */
#define SCREEN_NAME_FLOOR 0.50   /* a list name scoring under this is no evidence:
                                    not a candidate, whatever the threshold */
#define SCREEN_LIFT_FLOOR ST_DEFAULT_THRESHOLD /* attribute bonuses apply only from
                                    here: they confirm a match, never make one */
#define SCREEN_FULL_DATE_FLOOR 0.70 /* ...except the same full birth date: from here */

typedef struct screen_ws {
    st_names_ctx *ctx;
    st_name_scratch *scratch;
    struct screen_ws *next;
} screen_ws;

/* A linked list of entity indexes sharing one key (wallet or id number). */
typedef struct key_link {
    uint32_t ent;
    uint32_t next;   /* index+1 of the next link, 0 at the end */
} key_link;

struct st_snapshot {
    _Atomic long refs;
    st_store_snapshot *data;   /* manifest + changes (+ entities when rebuilt), owned */
    size_t n_ent;
    /* entity i: rebuilt, borrowed from data; from an image, parsed from
     * its line of entities.jsonl on first use (then owned, never changed) */
    _Atomic(st_entity *) *ents;
    int lazy;
    const char *jsonl;         /* entities.jsonl, mapped (image only) */
    size_t jsonl_len;
    void *img_map;             /* screen.img, mapped (image only) */
    size_t img_len;
    screen_image im;           /* per-entity schema/source, per-name kind, lines */
    uint8_t *own_schema, *own_source, *own_kind; /* rebuilt: what im points at */
    uint64_t *own_lines;
    st_map *by_id;             /* entity id -> index (image: made on first use) */
    _Atomic int by_id_ready;
    pthread_mutex_t by_id_mu;
    st_map *wallets;           /* normalised address -> head link+1 */
    st_map *idents;            /* folded id number -> head link+1 */
    key_link *links;
    size_t nlinks, caplinks;
    st_name_index *ix;
    pthread_mutex_t pool_mu;
    screen_ws *pool;
};

/* ---- opening ----------------------------------------------------------- */

/* Entity i under its id and its FollowTheMoney id (st_entity_ftm_id), so
 * either finds it; an FtM id already taken keeps its first entity (an id
 * with ':' is never an FtM id, so no FtM id hides a sanctrace id). */
static int by_id_add(st_map *m, const char *id, uint64_t i) {
    char fid[ST_FTM_ID_MAX + 1];
    int rc = st_map_put(m, id, strlen(id), i), created;
    if (rc != ST_OK || !st_entity_ftm_id(id, fid)) return rc;
    return st_map_slot(m, fid, strlen(fid), i, &created) ? ST_OK : ST_ENOMEM;
}

/* Identifier numbers compare on letters and digits only, upper-case. */
static size_t ident_fold(const char *s, char *out, size_t n) {
    size_t k = 0;
    for (; s && *s && k + 1 < n; s++)
        if (isalnum((unsigned char)*s)) out[k++] = (char)toupper((unsigned char)*s);
    out[k] = 0;
    return k;
}

static int link_add(st_snapshot *s, st_map *m, const char *key, size_t klen, uint32_t ent) {
    if (!klen) return ST_OK;
    if (s->nlinks == s->caplinks) {
        size_t nc = s->caplinks ? s->caplinks * 2 : 1024;
        key_link *p = st_realloc(s->links, nc * sizeof *p);
        if (!p) return ST_ENOMEM;
        s->links = p;
        s->caplinks = nc;
    }
    int created;
    uint64_t *head = st_map_slot(m, key, klen, 0, &created);
    if (!head) return ST_ENOMEM;
    /* skip a duplicate of the same entity at the head (same key listed twice) */
    if (*head && s->links[*head - 1].ent == ent) return ST_OK;
    s->links[s->nlinks] = (key_link){ent, (uint32_t)*head};
    *head = ++s->nlinks;
    return ST_OK;
}

/* link_add, and the same key recorded for the image (u32 entity, u16
 * length, bytes) so that opening the image replays the same links. */
static int key_add(st_snapshot *s, st_map *m, st_buf *rec, const char *key, size_t klen, uint32_t ent) {
    if (!klen) return ST_OK;
    uint16_t kl = (uint16_t)(klen > UINT16_MAX ? UINT16_MAX : klen);
    int rc = link_add(s, m, key, klen, ent);
    if (rc == ST_OK && (rc = st_buf_append(rec, &ent, 4)) == ST_OK && (rc = st_buf_append(rec, &kl, 2)) == ST_OK)
        rc = st_buf_append(rec, key, kl);
    return rc;
}

static int keys_replay(st_snapshot *s, st_map *m, const uint8_t *p, size_t len) {
    for (size_t at = 0; at < len;) { /* records checked by screen_image_parse */
        uint32_t ent;
        uint16_t kl;
        memcpy(&ent, p + at, 4);
        memcpy(&kl, p + at + 4, 2);
        int rc = link_add(s, m, (const char *)p + at + 6, kl, ent);
        if (rc) return rc;
        at += 6u + kl;
    }
    return ST_OK;
}

/* The lookups over freshly parsed entities, and the image made of them
 * (into img; its bytes are the caller's to write). */
static int snapshot_index(st_snapshot *s, st_buf *img, st_error *err) {
    st_names_ctx *ctx = NULL;
    const st_store_snapshot *d = s->data;
    st_buf ids, wal, idn;
    const char *sources[SCREEN_IMAGE_MAX_SOURCES];
    size_t nsources = 0, nnames = 0;
    int rc;
    st_buf_init(&ids, (size_t)1 << 30);
    st_buf_init(&wal, (size_t)1 << 30);
    st_buf_init(&idn, (size_t)1 << 30);
    for (size_t i = 0; i < d->n_entities; i++) nnames += d->entities[i]->n_names;
    s->own_schema = st_malloc(d->n_entities + 1);
    s->own_source = st_malloc(d->n_entities + 1);
    s->own_kind = st_malloc(nnames + 1);
    if (!s->own_schema || !s->own_source || !s->own_kind) { rc = ST_ENOMEM; goto oom; }
    if ((rc = st_map_new(&s->by_id)) || (rc = st_map_new(&s->wallets)) ||
        (rc = st_map_new(&s->idents)) || (rc = st_name_index_new(&s->ix)))
        goto oom;
    if ((rc = st_names_ctx_new(&ctx, err)) != ST_OK) goto fail;
    nnames = 0;
    for (size_t i = 0; i < d->n_entities; i++) {
        const st_entity *e = d->entities[i];
        if ((rc = by_id_add(s->by_id, e->id, i))) goto oom;
        if ((rc = st_buf_append(&ids, e->id, strlen(e->id) + 1))) goto oom;
        s->own_schema[i] = (uint8_t)e->schema;
        s->own_source[i] = 255;
        for (size_t k = 0; e->source && k <= nsources && k < SCREEN_IMAGE_MAX_SOURCES - 1; k++) {
            if (k == nsources) sources[nsources++] = e->source;
            if (!strcmp(sources[k], e->source)) { s->own_source[i] = (uint8_t)k; break; }
        }
        for (size_t k = 0; k < e->n_names; k++) {
            if ((rc = st_name_index_add(s->ix, ctx, e->names[k].value, e->schema,
                                        ((uint64_t)i << 8) | (k < 255 ? k : 255))))
                goto oom;
            s->own_kind[nnames++] = (uint8_t)e->names[k].kind;
        }
        for (size_t k = 0; k < e->n_wallets; k++) {
            char norm[256];
            if (st_wallet_normalize(e->wallets[k].chain, e->wallets[k].address, norm, sizeof norm, NULL) != ST_OK)
                snprintf(norm, sizeof norm, "%s", e->wallets[k].address);
            if ((rc = key_add(s, s->wallets, &wal, norm, strlen(norm), (uint32_t)i))) goto oom;
        }
        for (size_t k = 0; k < e->n_idents; k++) {
            char f[128];
            size_t n = ident_fold(e->idents[k].value, f, sizeof f);
            if (n >= 4 && (rc = key_add(s, s->idents, &idn, f, n, (uint32_t)i))) goto oom;
        }
    }
    if ((rc = st_name_index_build(s->ix))) goto oom;
    s->im.n_ent = d->n_entities;
    s->im.n_names = nnames;
    s->im.schema = s->own_schema;
    s->im.source = s->own_source;
    s->im.kind = s->own_kind;
    for (size_t k = 0; k < nsources; k++) s->im.sources[k] = sources[k];
    s->im.nsources = nsources;
    if (img && s->own_lines) {
        const char *sha = json_string_value(json_object_get(d->manifest, "entities_sha256"));
        screen_image_src src = {d->n_entities, nnames, s->own_lines, s->own_schema, s->own_source, s->own_kind,
                                sources, nsources, &ids, &wal, &idn, s->ix, sha ? sha : "", s->jsonl_len};
        if (screen_image_build(&src, img) != ST_OK) st_buf_free(img); /* no image this time */
    }
    rc = ST_OK;
    goto done;
oom:
    rc = st_error_set(err, rc == ST_ELIMIT ? ST_ELIMIT : ST_ENOMEM, "out of memory building the snapshot index");
fail:
done:
    st_names_ctx_free(ctx);
    st_buf_free(&ids);
    st_buf_free(&wal);
    st_buf_free(&idn);
    return rc;
}

/* Map path read-only; an empty file maps to NULL with *len 0. */
static int map_file(const char *path, void **p, size_t *len, st_error *err) {
    *p = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return st_error_at(err, errno == ENOENT ? ST_ENOTFOUND : ST_EIO, path, 0, -1, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size < 0) {
        close(fd);
        return st_error_at(err, ST_EIO, path, 0, -1, "cannot stat: %s", strerror(errno));
    }
    if (st.st_size > 0) {
        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        if (m == MAP_FAILED) {
            close(fd);
            return st_error_at(err, ST_EIO, path, 0, -1, "cannot map: %s", strerror(errno));
        }
        *p = m;
        *len = (size_t)st.st_size;
    }
    close(fd);
    return ST_OK;
}

/* Start and end of each non-empty line of entities.jsonl (one per entity,
 * the way st_store_open reads it); NULL when the count differs. */
static uint64_t *jsonl_lines(const char *p, size_t len, size_t n) {
    uint64_t *l = st_malloc((n + 1) * 2 * sizeof *l);
    size_t k = 0;
    if (!l) return NULL;
    for (const char *q = p, *end = p + len; q < end;) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        const char *le = nl ? nl : end;
        if (le > q) {
            if (k == n) { st_free(l); return NULL; }
            l[2 * k] = (uint64_t)(q - p);
            l[2 * k + 1] = (uint64_t)(le - p);
            k++;
        }
        q = nl ? nl + 1 : end;
    }
    if (k != n) { st_free(l); return NULL; }
    return l;
}

/* Use a checked image: the name index over it and the key lookups. */
static int snapshot_from_image(st_snapshot *s, st_error *err) {
    int rc;
    if ((rc = st_name_index_open_image(s->im.index, s->im.index_len, &s->ix, err)) != ST_OK) return rc;
    if (st_name_index_count(s->ix) != s->im.n_names)
        return st_error_set(err, ST_ECORRUPT, "name index does not match the name table");
    for (uint32_t i = 0; i < s->im.n_names; i++)
        if ((st_name_index_payload(s->ix, i) >> 8) >= s->im.n_ent)
            return st_error_set(err, ST_ECORRUPT, "name %u points past the entities", i);
    s->ents = st_calloc(s->im.n_ent + 1, sizeof *s->ents);
    if (!s->ents || st_map_new(&s->wallets) != ST_OK || st_map_new(&s->idents) != ST_OK)
        return st_error_set(err, ST_ENOMEM, "out of memory opening the snapshot");
    s->lazy = 1;
    s->n_ent = s->im.n_ent;
    /* by_id is made on the first st_snapshot_find (screening never needs it) */
    if ((rc = keys_replay(s, s->wallets, s->im.wallets, s->im.wallets_len)) ||
        (rc = keys_replay(s, s->idents, s->im.idents, s->im.idents_len)))
        return st_error_set(err, rc, "out of memory opening the snapshot");
    return ST_OK;
}

static void snapshot_drop_image(st_snapshot *s) {
    st_name_index_free(s->ix);
    s->ix = NULL;
    st_map_free(s->by_id);
    st_map_free(s->wallets);
    st_map_free(s->idents);
    s->by_id = s->wallets = s->idents = NULL;
    st_free(s->links);
    s->links = NULL;
    s->nlinks = s->caplinks = 0;
    st_free(s->ents);
    s->ents = NULL;
    s->lazy = 0;
    if (s->img_map) munmap(s->img_map, s->img_len);
    s->img_map = NULL;
    memset(&s->im, 0, sizeof s->im);
}

int st_snapshot_open(const char *data_dir, st_snapshot **out, st_error *err) {
    *out = NULL;
    st_snapshot *s = st_calloc(1, sizeof *s);
    if (!s) return st_error_set(err, ST_ENOMEM, "out of memory");
    atomic_init(&s->refs, 1);
    pthread_mutex_init(&s->pool_mu, NULL);
    pthread_mutex_init(&s->by_id_mu, NULL);
    char path[4200], img_path[4200];
    void *jm = NULL;
    st_buf img;
    st_buf_init(&img, (size_t)1 << 32);
    int rc = st_store_open_meta(data_dir, NULL, &s->data, err);
    if (rc != ST_OK) goto fail;
    snprintf(path, sizeof path, "%s/entities.jsonl", s->data->dir);
    snprintf(img_path, sizeof img_path, "%s/" SCREEN_IMAGE_FILE, s->data->dir);
    if ((rc = map_file(path, &jm, &s->jsonl_len, err)) != ST_OK) goto fail;
    s->jsonl = jm ? jm : "";
    const char *want = json_string_value(json_object_get(s->data->manifest, "entities_sha256"));
    json_int_t count = json_integer_value(json_object_get(s->data->manifest, "entities"));
    char got[65];
    st_sha256_hex(s->jsonl, s->jsonl_len, got);
    if (!want || strcmp(want, got) != 0 || count < 0) {
        rc = st_error_at(err, ST_ECORRUPT, path, 0, -1, "sha256 %s does not match the manifest", got);
        goto fail;
    }
    /* the image, when there is a sound one made by this build from this file */
    st_error ierr;
    st_error_clear(&ierr);
    int irc = map_file(img_path, &s->img_map, &s->img_len, &ierr);
    if (irc == ST_OK) {
        irc = screen_image_parse(s->img_map ? s->img_map : "", s->img_len, want, s->jsonl_len, (size_t)count,
                                 SCREEN_IMAGE_CHECK_SUM | SCREEN_IMAGE_CHECK_ORIGIN,
                                 &s->im, &ierr);
        if (irc == ST_OK) irc = snapshot_from_image(s, &ierr);
        if (irc == ST_OK) {
            *out = s;
            return ST_OK;
        }
        if (irc == ST_ENOMEM) { rc = st_error_set(err, irc, "%s", ierr.msg); goto fail; }
        fprintf(stderr, "sanctrace: %s: %s; rebuilding it from entities.jsonl\n", img_path, ierr.msg);
        snapshot_drop_image(s);
    }
    /* rebuild: parse every entity, prepare every name, write the image */
    char version[64];
    snprintf(version, sizeof version, "%s", s->data->version);
    st_store_close(s->data);
    s->data = NULL;
    if ((rc = st_store_open(data_dir, version, &s->data, err)) != ST_OK) goto fail;
    s->n_ent = s->data->n_entities;
    s->ents = st_calloc(s->n_ent + 1, sizeof *s->ents);
    if (!s->ents) { rc = st_error_set(err, ST_ENOMEM, "out of memory"); goto fail; }
    for (size_t i = 0; i < s->n_ent; i++) atomic_init(&s->ents[i], s->data->entities[i]);
    s->own_lines = jsonl_lines(s->jsonl, s->jsonl_len, s->n_ent);
    if ((rc = snapshot_index(s, &img, err)) != ST_OK) goto fail;
    s->im.lines = s->own_lines;
    if (img.len) st_file_write_atomic(img_path, img.data, img.len, NULL); /* a cache: best effort */
    st_buf_free(&img);
    *out = s;
    return ST_OK;
fail:
    st_buf_free(&img);
    st_snapshot_release(s);
    return rc;
}

st_snapshot *st_snapshot_retain(st_snapshot *s) {
    if (s) atomic_fetch_add(&s->refs, 1);
    return s;
}

void st_snapshot_release(st_snapshot *s) {
    if (!s || atomic_fetch_sub(&s->refs, 1) != 1) return;
    screen_ws *w = s->pool;
    while (w) {
        screen_ws *n = w->next;
        st_names_ctx_free(w->ctx);
        st_name_scratch_free(w->scratch);
        st_free(w);
        w = n;
    }
    pthread_mutex_destroy(&s->pool_mu);
    pthread_mutex_destroy(&s->by_id_mu);
    if (s->lazy && s->ents)
        for (size_t i = 0; i < s->n_ent; i++) st_entity_free(atomic_load(&s->ents[i]));
    snapshot_drop_image(s);
    st_free(s->own_schema);
    st_free(s->own_source);
    st_free(s->own_kind);
    st_free(s->own_lines);
    if (s->jsonl && s->jsonl_len) munmap((void *)(uintptr_t)s->jsonl, s->jsonl_len);
    st_store_close(s->data);
    st_free(s);
}

/* Entity i: parsed from its line on first use when read from an image.
 * NULL only when i is out of range or memory ran out. */
static const st_entity *snap_entity(const st_snapshot *cs, size_t i) {
    st_snapshot *s = (st_snapshot *)cs; /* only the lazily filled cache changes */
    if (i >= s->n_ent) return NULL;
    st_entity *e = atomic_load_explicit(&s->ents[i], memory_order_acquire);
    if (e || !s->lazy) return e;
    uint64_t start = s->im.lines[2 * i], end = s->im.lines[2 * i + 1];
    json_t *o = json_loadb(s->jsonl + start, (size_t)(end - start), 0, NULL);
    st_entity *mine = NULL, *expected = NULL;
    int rc = o ? st_entity_from_json(o, &mine, NULL) : ST_ECORRUPT;
    json_decref(o);
    if (rc != ST_OK) return NULL;
    if (atomic_compare_exchange_strong_explicit(&s->ents[i], &expected, mine, memory_order_acq_rel,
                                                memory_order_acquire))
        return mine;
    st_entity_free(mine); /* another thread parsed it first */
    return expected;
}

int screen_snapshot_uses_image(const st_snapshot *s) { return s->lazy; }

const char *st_snapshot_version(const st_snapshot *s) { return s->data->version; }
size_t st_snapshot_count(const st_snapshot *s) { return s->n_ent; }
const st_entity *st_snapshot_entity(const st_snapshot *s, size_t i) { return snap_entity(s, i); }

/* The id lookup of an image snapshot, made once by the first caller. */
static const st_map *snap_by_id(const st_snapshot *cs) {
    st_snapshot *s = (st_snapshot *)cs; /* only the lazily made lookup changes */
    if (atomic_load_explicit(&s->by_id_ready, memory_order_acquire)) return s->by_id;
    pthread_mutex_lock(&s->by_id_mu);
    if (!s->by_id) {
        st_map *m = NULL;
        int rc = st_map_new(&m);
        const char *id = s->im.ids;
        for (size_t i = 0; rc == ST_OK && i < s->n_ent; i++) {
            size_t l = strlen(id); /* n_ent NUL-terminated ids: checked */
            rc = by_id_add(m, id, i);
            id += l + 1;
        }
        if (rc == ST_OK) s->by_id = m;
        else st_map_free(m); /* out of memory: not found now, tried again next time */
    }
    if (s->by_id) atomic_store_explicit(&s->by_id_ready, 1, memory_order_release);
    pthread_mutex_unlock(&s->by_id_mu);
    return s->by_id;
}

const st_entity *st_snapshot_find(const st_snapshot *s, const char *id) {
    uint64_t i;
    const st_map *m = snap_by_id(s);
    return m && st_map_get(m, id, strlen(id), &i) ? snap_entity(s, i) : NULL;
}

int st_snapshot_entity_times(const st_snapshot *s, const st_entity *e, const char **first_seen,
                             const char **last_change) {
    json_t *t = s->data->times ? json_object_get(s->data->times, e->id) : NULL;
    *first_seen = json_string_value(json_array_get(t, 0));
    *last_change = json_string_value(json_array_get(t, 1));
    return *first_seen && *last_change ? ST_OK : ST_ENOTFOUND;
}

json_t *st_snapshot_catalog(const st_snapshot *s) {
    json_t *o = s->data->manifest ? json_deep_copy(s->data->manifest) : json_object();
    if (!o) return NULL;
    json_object_set_new(o, "version", json_string(s->data->version));
    json_object_set_new(o, "entities", json_integer((json_int_t)s->n_ent));
    json_object_set_new(o, "names", json_integer((json_int_t)st_name_index_count(s->ix)));
    return o;
}

/* ---- workspaces -------------------------------------------------------- */

static screen_ws *ws_acquire(st_snapshot *s, st_error *err) {
    pthread_mutex_lock(&s->pool_mu);
    screen_ws *w = s->pool;
    if (w) s->pool = w->next;
    pthread_mutex_unlock(&s->pool_mu);
    if (w) return w;
    w = st_calloc(1, sizeof *w);
    if (!w) { st_error_set(err, ST_ENOMEM, "out of memory"); return NULL; }
    if (st_names_ctx_new(&w->ctx, err) != ST_OK || st_name_scratch_new(s->ix, &w->scratch) != ST_OK) {
        st_names_ctx_free(w->ctx);
        st_free(w);
        st_error_set(err, ST_ENOMEM, "out of memory");
        return NULL;
    }
    return w;
}

static void ws_release(st_snapshot *s, screen_ws *w) {
    pthread_mutex_lock(&s->pool_mu);
    w->next = s->pool;
    s->pool = w;
    pthread_mutex_unlock(&s->pool_mu);
}

/* ---- scoring ----------------------------------------------------------- */

/* One entity's running result while a query is scored. */
typedef struct screen_hit {
    uint32_t ent;
    int name_k;          /* index of the best name in the entity, -1: none */
    uint32_t name_idx;   /* that name in the index */
    double name_score;   /* best name score after the alias-kind weight */
    double raw_score;    /* that name's comparator score */
    int via_wallet, via_ident;
    double base;         /* the score before the attribute steps (name, identifier) */
    double score;
    json_t *steps;
} screen_hit;

static double kind_weight(st_name_kind k) {
    switch (k) {
    case ST_NAME_WEAK: return 0.90;   /* low-quality alias: found, at lower weight */
    case ST_NAME_FORMER: return 0.98;
    default: return 1.0;
    }
}

static int schema_compatible(st_schema q, st_schema e) {
    if (q == ST_SCHEMA_UNKNOWN || e == ST_SCHEMA_UNKNOWN) return 1;
    if (q == e) return 1;
    int qo = q == ST_SCHEMA_ORGANIZATION || q == ST_SCHEMA_COMPANY;
    int eo = e == ST_SCHEMA_ORGANIZATION || e == ST_SCHEMA_COMPANY;
    return qo && eo;
}

static void step_add(screen_hit *h, const char *feature, const char *query, json_t *list,
                     double effect, const char *why) {
    if (!h->steps) h->steps = json_array();
    json_t *o = json_object();
    json_object_set_new(o, "feature", json_string(feature));
    if (query) json_object_set_new(o, "query", json_string(query));
    json_object_set_new(o, "list", list ? list : json_null());
    json_object_set_new(o, "effect", json_real(round(effect * 1000) / 1000));
    json_object_set_new(o, "why", json_string(why));
    json_array_append_new(h->steps, o);
    h->score += effect;
}

/* An attribute step: a bonus on a score (before the attribute steps) under
 * floor is written with effect 0 and says why it did not count. */
static void step_attr(screen_hit *h, const char *feature, const char *query, json_t *list, double effect,
                      const char *why, double floor) {
    char withheld[200];
    if (effect > 0 && h->base < floor) {
        snprintf(withheld, sizeof withheld, "%s (not counted: the name scores %.3f, under %.2f)", why, h->base, floor);
        why = withheld;
        effect = 0;
    }
    step_add(h, feature, query, list, effect, why);
}

static void adjust_birth_date(const st_entity *e, const char *qd, screen_hit *h) {
    st_pdate q;
    if (!qd || !*qd || !e->n_birth_dates || st_pdate_parse(qd, &q) != ST_OK) return;
    json_t *list = json_array();
    int best = 0; /* 0 conflict, 1 year near, 2 year, 3 year-month, 4 full date */
    for (size_t i = 0; i < e->n_birth_dates; i++) {
        const st_pdate *d = &e->birth_dates[i];
        char b[32];
        json_array_append_new(list, json_string(st_pdate_format(d, b, sizeof b)));
        int lo = d->year, hi = d->year_to > d->year ? d->year_to : d->year;
        int level;
        if (q.year >= lo && q.year <= hi) {
            level = 2;
            if (lo == hi && q.month && d->month) {
                if (q.month != d->month) level = 0;
                else {
                    level = 3;
                    if (q.day && d->day) level = q.day == d->day ? 4 : 0;
                }
            }
        } else if (q.year >= lo - 1 - d->circa * 2 && q.year <= hi + 1 + d->circa * 2) {
            level = 1;
        } else {
            level = 0;
        }
        if (level > best) best = level;
    }
    static const double effect[] = {-0.20, 0.0, 0.04, 0.06, 0.08};
    static const char *const why[] = {"birth date differs from every listed date",
                                      "birth year within a year of a listed date",
                                      "same birth year", "same birth year and month",
                                      "same full birth date"};
    step_attr(h, "birth_date", qd, list, effect[best], why[best], best == 4 ? SCREEN_FULL_DATE_FLOOR : SCREEN_LIFT_FLOOR);
}

static int has_code(char (*codes)[3], size_t n, const char *c) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(codes[i], c)) return 1;
    return 0;
}

static json_t *codes_json(char (*codes)[3], size_t n) {
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(a, json_string(codes[i]));
    return a;
}

static void adjust_country(const st_entity *e, const char *qv, int nationality, screen_hit *h) {
    char c[3];
    if (!qv || !*qv || st_country_code(qv, c) != ST_OK) return;
    const char *feature = nationality ? "nationality" : "country";
    if (nationality && e->n_nationalities) {
        if (has_code(e->nationalities, e->n_nationalities, c))
            step_attr(h, feature, c, codes_json(e->nationalities, e->n_nationalities), 0.03, "same nationality",
                      SCREEN_LIFT_FLOOR);
        else if (has_code(e->countries, e->n_countries, c))
            step_add(h, feature, c, codes_json(e->countries, e->n_countries), 0.0,
                     "nationality differs but the country is linked to the listed party");
        else
            step_add(h, feature, c, codes_json(e->nationalities, e->n_nationalities), -0.10,
                     "nationality differs from the listed nationality");
        return;
    }
    size_t n = e->n_countries + e->n_nationalities;
    if (!n) return;
    if (has_code(e->countries, e->n_countries, c) || has_code(e->nationalities, e->n_nationalities, c)) {
        step_attr(h, feature, c, codes_json(e->countries, e->n_countries), 0.02, "country linked to the listed party",
                  SCREEN_LIFT_FLOOR);
    } else {
        json_t *all = codes_json(e->countries, e->n_countries);
        json_t *nat = codes_json(e->nationalities, e->n_nationalities);
        json_array_extend(all, nat); /* copies: the temporary is freed below */
        json_decref(nat);
        step_add(h, feature, c, all, -0.05, "country not linked to the listed party");
    }
}

static void adjust_ident(const st_entity *e, const char *qid, screen_hit *h) {
    char f[128];
    if (!qid || ident_fold(qid, f, sizeof f) < 4 || !e->n_idents) return;
    for (size_t i = 0; i < e->n_idents; i++) {
        char g[128];
        ident_fold(e->idents[i].value, g, sizeof g);
        if (!strcmp(f, g)) {
            step_add(h, "id_number", qid, json_string(e->idents[i].value), 0.15,
                     "identifier number equals a listed one");
            return;
        }
    }
}

static int hit_cmp(const void *a, const void *b) {
    const screen_hit *x = a, *y = b;
    if (x->score != y->score) return x->score < y->score ? 1 : -1;
    return x->ent < y->ent ? -1 : x->ent > y->ent;
}

static int source_matches(const st_snapshot *s, uint32_t ent, const char *dataset) {
    if (!dataset || !*dataset || !strcmp(dataset, "default") || !strcmp(dataset, "all")) return 1;
    uint8_t k = s->im.source[ent];
    if (k != 255) return !strcasecmp(s->im.sources[k], dataset);
    const st_entity *e = snap_entity(s, ent); /* no source, or past the table */
    return e && e->source && !strcasecmp(e->source, dataset);
}

/* The hit for entity ent, appended when new.  NULL on allocation failure.
 * A query has few hits, so they are found by a scan; past HITS_SCAN a map
 * (*seen, made then) takes over. */
#define HITS_SCAN 48
static screen_hit *hit_get(screen_hit **hits, size_t *n, size_t *cap, st_map **seen, uint32_t ent) {
    if (!*seen) {
        for (size_t i = 0; i < *n; i++)
            if ((*hits)[i].ent == ent) return &(*hits)[i];
        if (*n >= HITS_SCAN) {
            if (st_map_new(seen) != ST_OK) return NULL;
            for (size_t i = 0; i < *n; i++)
                if (st_map_put(*seen, &(*hits)[i].ent, sizeof ent, i) != ST_OK) return NULL;
        }
    }
    uint64_t *slot = NULL;
    if (*seen) {
        slot = st_map_slot(*seen, &ent, sizeof ent, UINT64_MAX, NULL);
        if (!slot) return NULL;
        if (*slot != UINT64_MAX) return &(*hits)[*slot];
    }
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 32;
        screen_hit *p = st_realloc(*hits, nc * sizeof *p);
        if (!p) return NULL;
        *hits = p;
        *cap = nc;
    }
    screen_hit *h = &(*hits)[*n];
    memset(h, 0, sizeof *h);
    h->ent = ent;
    h->name_k = -1;
    if (slot) *slot = *n;
    (*n)++;
    return h;
}

static void hits_free(screen_hit *hits, size_t n) {
    for (size_t i = 0; i < n; i++) {
        json_decref(hits[i].steps);
    }
    st_free(hits);
}

/* The pipeline of one query, in the order its explanation reads: wallet
 * and identifier hits, name candidates from the index, the comparator,
 * then the birth date, nationality, country and schema steps, the cut by
 * threshold and limit.  Kept as one function (166 lines) because each
 * stage reads and extends the same hit list and workspace, and the order
 * of the stages is the rule a reviewer checks; the per-stage work is in
 * the helpers above. */
int st_screen(const st_snapshot *cs, const st_query *q, const st_screen_opts *o,
              st_match **out, size_t *nout, st_error *err) {
    st_snapshot *s = (st_snapshot *)cs; /* only the workspace pool changes */
    *out = NULL;
    *nout = 0;
    int has_name = q->name && *q->name, has_wallet = q->wallet && *q->wallet;
    char idf[128];
    int has_id = q->id_number && ident_fold(q->id_number, idf, sizeof idf) >= 4;
    if (!has_name && !has_wallet && !has_id)
        return st_error_set(err, ST_EINVAL, "nothing to screen: give a name, a wallet or an id_number");
    double threshold = o && o->threshold >= 0 ? o->threshold : ST_DEFAULT_THRESHOLD;
    size_t limit = o && o->limit ? o->limit : 10;
    if (limit > SCREEN_MAX_MATCHES) limit = SCREEN_MAX_MATCHES;
    st_schema qschema = q->schema && *q->schema ? st_schema_parse(q->schema) : ST_SCHEMA_UNKNOWN;

    screen_hit *hits = NULL;
    size_t nh = 0, caph = 0;
    st_map *seen = NULL;
    screen_ws *ws = NULL;
    st_name_form *qf = NULL;
    int rc;

    if (has_wallet) {
        char norm[256];
        if (st_wallet_normalize(NULL, q->wallet, norm, sizeof norm, NULL) != ST_OK)
            snprintf(norm, sizeof norm, "%s", q->wallet);
        uint64_t head;
        if (st_map_get(s->wallets, norm, strlen(norm), &head)) {
            for (uint32_t l = (uint32_t)head; l; l = s->links[l - 1].next) {
                uint32_t ent = s->links[l - 1].ent;
                if (!source_matches(s, ent, q->dataset)) continue;
                screen_hit *h = hit_get(&hits, &nh, &caph, &seen, ent);
                if (!h) goto oom;
                h->via_wallet = 1;
            }
        }
    }
    if (has_id) {
        uint64_t head;
        if (st_map_get(s->idents, idf, strlen(idf), &head)) {
            for (uint32_t l = (uint32_t)head; l; l = s->links[l - 1].next) {
                uint32_t ent = s->links[l - 1].ent;
                if (!source_matches(s, ent, q->dataset)) continue;
                screen_hit *h = hit_get(&hits, &nh, &caph, &seen, ent);
                if (!h) goto oom;
                h->via_ident = 1;
            }
        }
    }
    if (has_name) {
        if (!(ws = ws_acquire(s, err))) { rc = ST_ENOMEM; goto fail; }
        if (st_name_prepare(ws->ctx, q->name, qschema, &qf) != ST_OK) goto oom;
        st_name_cand cand[SCREEN_CANDIDATES];
        size_t nc = 0;
        if (st_name_index_query(s->ix, ws->scratch, qf, cand, SCREEN_CANDIDATES, &nc) != ST_OK) goto oom;
        float top = nc ? cand[0].bound : 0;
        for (size_t i = 0; i < nc; i++) {
            /* candidates come best estimate first: the tail that shares only a
               small part of the query's weight cannot reach the threshold */
            if (i >= SCREEN_SCORED_MIN && cand[i].bound < top * SCREEN_BOUND_SHARE) break;
            uint64_t p = cand[i].payload;
            uint32_t ent = (uint32_t)(p >> 8);
            int k = (int)(p & 0xFF);
            st_schema es = (st_schema)s->im.schema[ent];
            if (!schema_compatible(qschema, es) || !source_matches(s, ent, q->dataset)) continue;
            const st_name_form *lf = st_name_index_form(s->ix, cand[i].name_idx);
            if (!lf) goto oom;
            double raw = st_name_compare_forms(qf, lf, es, NULL);
            double w = raw * kind_weight((st_name_kind)s->im.kind[cand[i].name_idx]);
            /* a fixed floor, not one derived from the threshold: which names
               count must not depend on how much of the answer is asked for */
            if (w < SCREEN_NAME_FLOOR) continue;
            screen_hit *h = hit_get(&hits, &nh, &caph, &seen, ent);
            if (!h) goto oom;
            if (w > h->name_score) {
                h->name_score = w;
                h->raw_score = raw;
                h->name_k = k;
                h->name_idx = cand[i].name_idx;
            }
        }
    }
    /* attribute adjustments, explanations; an entity read from an image is
     * parsed only when a step needs more than its schema and name kinds */
    int has_attr = (q->birth_date && *q->birth_date) || (q->nationality && *q->nationality) ||
                   (q->country && *q->country);
    for (size_t i = 0; i < nh; i++) {
        screen_hit *h = &hits[i];
        int weak = h->name_k >= 0 && s->im.kind[h->name_idx] == ST_NAME_WEAK;
        const st_entity *e = NULL;
        if (!h->via_wallet && (weak || has_id || has_attr || (has_name && h->via_ident))) {
            if (!(e = snap_entity(s, h->ent))) goto oom;
            if (h->name_k >= (int)e->n_names) { h->name_k = -1; weak = 0; } /* only a damaged image could say so */
        }
        if (h->via_wallet) {
            h->score = 1.0;
            step_add(h, "wallet", q->wallet, NULL, 0, "wallet address equals a listed address");
            continue;
        }
        if (h->name_k >= 0) {
            h->score = h->name_score;
            if (weak)
                step_add(h, "weak_alias", NULL, json_string(e->names[h->name_k].value), 0,
                         "matched a weak (low-quality) alias: name score weighted by 0.90");
        } else if (h->via_ident) {
            h->score = 0.80; /* identifier alone, no name or a different name */
        } else {
            h->score = 0; /* no evidence (cannot happen: a name hit has name_k set) */
        }
        if (has_id) adjust_ident(e, q->id_number, h);
        if (has_name && h->name_k < 0 && h->via_ident)
            step_add(h, "name", q->name, json_string(e->caption), -0.15, "identifier equal but name differs");
        if (has_attr) {
            h->base = h->score;
            if (e->schema == ST_SCHEMA_PERSON || e->schema == ST_SCHEMA_UNKNOWN)
                adjust_birth_date(e, q->birth_date, h);
            adjust_country(e, q->nationality, 1, h);
            adjust_country(e, q->country, 0, h);
        }
        if (h->score > 1) h->score = 1;
        if (h->score < 0) h->score = 0;
        /* three decimals, as shown and truncated as the comparator does; the
           steps are exact hundredths, so the 1e-6 only takes off the last-bit
           error of the sum (0.90 - 0.10 is 0.80, a match, as printed) */
        h->score = floor(h->score * 1000 + 1e-6) / 1000;
    }
    if (nh > 1) qsort(hits, nh, sizeof *hits, hit_cmp); /* hits is NULL when empty */
    size_t nm = 0;
    while (nm < nh && nm < limit && hits[nm].score >= threshold) nm++;
    if (nm) {
        st_match *m = st_calloc(nm, sizeof *m);
        if (!m) goto oom;
        for (size_t i = 0; i < nm; i++) {
            screen_hit *h = &hits[i];
            const st_entity *e = snap_entity(s, h->ent);
            if (!e) { st_matches_free(m, i); goto oom; }
            if (h->name_k >= (int)e->n_names) h->name_k = -1; /* only a damaged image could say so */
            m[i].entity = e;
            m[i].score = h->score;
            m[i].match = h->score >= ST_DEFAULT_THRESHOLD;
            m[i].name = h->name_k >= 0 ? e->names[h->name_k].value : e->caption;
            json_t *x = json_object();
            if (h->name_k >= 0) {
                json_t *ne = NULL;
                st_name_compare_forms(qf, st_name_index_form(s->ix, h->name_idx), e->schema, &ne);
                json_object_set_new(x, "name", ne ? ne : json_null());
                json_object_set_new(x, "name_kind", json_string(st_name_kind_name(e->names[h->name_k].kind)));
                json_object_set_new(x, "name_score", json_real(round(h->raw_score * 1000) / 1000));
            }
            json_object_set_new(x, "steps", h->steps ? json_incref(h->steps) : json_array());
            json_object_set_new(x, "score", json_real(round(h->score * 1000) / 1000));
            m[i].explanation = x;
        }
        *out = m;
        *nout = nm;
    }
    rc = ST_OK;
    goto done;
oom:
    rc = st_error_set(err, ST_ENOMEM, "out of memory screening");
fail:
done:
    hits_free(hits, nh);
    st_map_free(seen);
    st_name_form_free(qf);
    if (ws) ws_release(s, ws);
    return rc;
}

void st_matches_free(st_match *m, size_t n) {
    if (!m) return;
    for (size_t i = 0; i < n; i++) json_decref(m[i].explanation);
    st_free(m);
}
