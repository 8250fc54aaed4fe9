/*
 * rings_int.h - what the files of src/rings share: the record table, the
 * interned values, the candidate edges and the normalisers.
 *
 * Data flow: read.c turns rows into raw field strings and hands each row to
 * rg_record_add (record.c), which normalises the fields (norm.c) into
 * interned value ids.  st_rings_run sorts records by id, builds the value
 * index, derives per-kind rarity cut-offs from the value frequencies, finds
 * candidate pairs (link.c: shared values, photo hashes by multi-index
 * hashing, résumé MinHash LSH, person blocking), scores them, clusters
 * (cluster.c) and scores risk (risk.c); report.c writes JSON and the brief.
 *
 * Invariant: after rg_sort every index into recs[] is in id order, so all
 * later loops and tie-breaks are independent of the input order.
 */
#ifndef ST_RINGS_INT_H
#define ST_RINGS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/map.h"
#include "sanctrace/rings.h"

/* Input columns, in the order of the issue. */
enum rg_col {
    RG_C_ID, RG_C_NAME, RG_C_EMAIL, RG_C_PHONE, RG_C_PHONE_TYPE, RG_C_ADDRESS, RG_C_COUNTRY,
    RG_C_NATIONALITY, RG_C_BIRTH_DATE, RG_C_EMPLOYER, RG_C_EDUCATION, RG_C_IP, RG_C_DEVICE,
    RG_C_PAYMENT, RG_C_SHIPPING, RG_C_PHOTO, RG_C_RESUME, RG_C_TIMEZONE, RG_C_HOURS,
    RG_NCOLS
};
extern const char *const rg_col_names[RG_NCOLS];
int rg_col_find(const char *name); /* -1 when not a known column */

/* Linking signals.  Strong kinds may merge records; weak ones only support. */
enum rg_kind {
    RG_K_PAYMENT, RG_K_DEVICE, RG_K_PHONE, RG_K_EMAIL, RG_K_SHIPPING, RG_K_PHOTO, RG_K_RESUME,
    RG_K_IP, RG_K_EMPLOYER, RG_K_SCHOOL, RG_K_ADDRESS, RG_K_NAME, RG_K_DOB,
    /* families: weak per pair, read only by the operation stage (ops.c) */
    RG_K_IP16, RG_K_PAYFAM, RG_K_SHIPCLASS, RG_K_HOURS,
    RG_NKINDS
};
#define RG_STRONG_KINDS 7
extern const char *const rg_kind_names[RG_NKINDS];

/* Hard limits on input. */
#define RG_MAX_FIELD 65536       /* bytes of one field (résumés included) */
#define RG_MAX_VALUES 32         /* values of one field after ';' splitting */
#define RG_MAX_RECORDS 20000000u
#define RG_SIG 32                /* MinHash bins per résumé */

/* Record flags derived while normalising. */
enum {
    RG_F_VOIP = 1 << 0,          /* a phone is VoIP by phone_type or number range */
    RG_F_CRYPTO = 1 << 1,        /* a payout goes to a crypto asset */
    RG_F_FOREIGN_PAY = 1 << 2,   /* a payout account's country is neither residence nor nationality */
    RG_F_DPRK = 1 << 3,          /* country, nationality or phone points at the DPRK */
    RG_F_SHIP_DIFF = 1 << 4,     /* a shipping address differs from every home address */
};

/* Value ids in rg_rec slices carry this bit when the value is a shipping
 * address that differs from the record's home addresses. */
#define RG_VAL_SHIPDIFF 0x80000000u
#define RG_VAL_ID(v) ((v) & 0x7fffffffu)

typedef struct rg_rec {
    const char *id, *name, *name_key, *dob, *addr, *timezone; /* arena strings, "" when absent */
    const char *payout_detail, *voip_detail;                   /* for indicator details */
    const char *raw;           /* canonical JSON line for the state file, NULL without state */
    char country[3], nationality[3], edu_country[3], pay_country[3];
    uint32_t hours;            /* bit h set: seen working at hour h UTC */
    uint64_t addr_bits[4];     /* home address character bigrams hashed into 256 bits */
    uint32_t vstart, vcount;   /* value ids in ctx->vals */
    uint32_t pstart, npdq;     /* photo hashes in ctx->pdq (4 words each) */
    int32_t sig;               /* résumé signature index in ctx->sigs, -1 when none */
    uint32_t flags;
    uint32_t seq;              /* arrival order: a later record with the same id wins */
} rg_rec;

typedef struct rg_value {
    uint8_t kind;
    uint32_t count;            /* records holding it */
    const char *text;          /* normalised text (map key + 1: after the kind byte) */
    uint32_t klen;
} rg_value;

typedef struct rg_edge {
    uint32_t a, b;             /* a < b, record indices */
    float strong, weak, person;
    uint8_t merged, cut, photo, resume, nsig; /* nsig: distinct strong signals shared */
} rg_edge;

/* One finding about a record (indicator). */
typedef struct rg_ind {
    uint8_t code;
    const char *detail;        /* arena */
} rg_ind;

enum rg_ind_code {
    RG_I_VOIP, RG_I_KOREAN_HOURS, RG_I_NATIONALITY, RG_I_CRYPTO, RG_I_FOREIGN_PAY,
    RG_I_SHIPPING, RG_I_PHOTO, RG_I_RESUME, RG_I_SANCTIONS, RG_I_DPRK,
    RG_NIND
};
extern const char *const rg_ind_names[RG_NIND];
extern const double rg_ind_weight[RG_NIND];

/* Evidence groups of the operation stage (ops.c): kinds that say the
 * same thing (an account and its bank, an address and its building)
 * share a group, so they count once. */
enum rg_join_group {
    RG_JG_PAY, RG_JG_DEVICE, RG_JG_PHONE, RG_JG_EMAIL, RG_JG_SHIP, RG_JG_PHOTO, RG_JG_RESUME, RG_JG_IP,
    RG_JG_EMPLOYER, RG_JG_SCHOOL, RG_JG_ADDRESS, RG_JG_HOURS,
    RG_JG_N
};
extern const char *const rg_join_group_names[RG_JG_N];

/* One join of two units (first-stage rings or single records) into one
 * operation: per group the bits of its best evidence and what it was (a
 * value id, or for photos and résumés an edge index). */
typedef struct rg_join {
    uint32_t a, b;             /* the units' root records */
    float score;               /* bits less log2 of the member pairs */
    uint8_t groups;            /* groups with GROUP_MIN_BITS or more */
    uint8_t hubbed;            /* a single record on a hub most of the other unit holds */
    float bits[RG_JG_N];
    uint32_t what[RG_JG_N];
    uint8_t kind[RG_JG_N];
} rg_join;
#define RG_JOIN_FAR 0x80000000u  /* what[]: a photo distance or résumé percentage, not an edge */

/* A hub: a strong value several personas use. */
typedef struct rg_infra {
    uint32_t value;            /* value id */
    uint32_t start, nrec;      /* holders in ctx->infra_items */
    uint32_t nrings;           /* distinct rings among the holders */
    uint8_t facilitator;       /* serves two or more rings */
} rg_infra;

/* An indicator found for a record, its detail in place (risk.c). */
typedef struct rg_found {
    uint8_t code;
    char detail[400];
} rg_found;

/* An arena of strings: big blocks, freed together. */
typedef struct rg_arena {
    char **blocks;
    size_t nblocks, cap, used, size;
} rg_arena;
const char *rg_arena_dup(rg_arena *a, const char *s, size_t n); /* NULL on OOM */
void rg_arena_free(rg_arena *a);

/* A growable array of fixed-size items. */
typedef struct rg_vec {
    void *data;
    size_t len, cap, item;
} rg_vec;
int rg_vec_push(rg_vec *v, const void *item);
int rg_vec_reserve(rg_vec *v, size_t n);
void rg_vec_free(rg_vec *v);
#define RG_AT(v, T, i) (((T *)(v).data)[i])

struct st_rings {
    st_rings_opts opts;
    rg_arena arena;
    rg_vec recs;               /* rg_rec */
    rg_vec vals;               /* uint32 value ids (+RG_VAL_SHIPDIFF) */
    rg_vec pdq;                /* uint64 x4 per photo hash */
    rg_vec sigs;               /* uint32 x RG_SIG per résumé */
    rg_vec values;             /* rg_value */
    st_map *vmap;              /* kind byte + text -> value id */
    st_map *idmap;             /* record id -> index in recs (before sorting) */
    uint32_t hours_vid[12];    /* value id + 1 of each working-hours pattern, 0 until interned */
    st_map *tzcache;           /* timezone -> offset minutes + 100000 (or 0 unknown) */
    struct st_names_ctx *names; /* the screening engine's name normaliser, opened lazily */
    char *scratch;             /* 2 x RG_MAX_FIELD: one row's split values */
    size_t rejected;
    uint32_t seq;
    /* results of st_rings_run */
    int ran;
    double hub[RG_NKINDS];     /* per-kind hub cut-off derived from the data */
    size_t nvcorr;             /* values vcorr covers (values interned later have none) */
    float *vcorr;              /* value -> share of its holders linked to another holder by something else */
    rg_vec edges;              /* rg_edge */
    uint32_t *cluster;         /* record -> cluster index, UINT32_MAX singleton */
    size_t nclusters;
    uint32_t *cl_start, *cl_members; /* CSR: members of each cluster, id order */
    char **ring_ids;           /* cluster -> ring id (arena) */
    uint32_t *personas;        /* cluster -> distinct personas */
    uint32_t *ring_kinds;      /* cluster -> bit per strong kind shared between personas */
    float *rec_risk, *ring_risk, *rec_own;
    rg_vec inds;               /* rg_ind, grouped per record */
    uint32_t *ind_start;       /* record -> first indicator, n+1 entries */
    int sanctions_checked;     /* 1 when a snapshot screened the names */
    char sanctions_note[160];
    st_map *name_counts;       /* name key -> records holding it (link.c, the person score) */
    double dob_space;          /* birth dates the deck spans (365 per year seen) */
    uint8_t *media_hub;        /* record -> bit 0 its photo, bit 1 its résumé is generic (near dozens) */
    rg_vec joins;              /* rg_join: the operation stage's joins, in the order made */
    rg_vec infra;              /* rg_infra, facilitators first, then by holders */
    uint32_t *infra_items;     /* holders of infrastructure values (record indices) */
    st_map *prev_ring;         /* state: record id -> ring id string (arena ptr) */
    uint32_t check_from;       /* records with seq >= this are being checked (check.c) */
    int checking;
    int state_lock;            /* fd + 1 of the held state lock, 0 when none */
    double t_read, t_link, t_cluster, t_risk;
};

/* record.c */
int rg_record_add(st_rings *r, const char *const fields[RG_NCOLS], const char *src, long line,
                  st_error *err);
int rg_sort(st_rings *r);
/* The records holding each value, value by value: vstart[v] .. vstart[v+1]
 * (prefix sums of the counts the caller chose to keep; a value with none
 * is skipped) index the array returned (the caller's; NULL: no memory). */
uint32_t *rg_value_records(const st_rings *r, const uint32_t *vstart);
/* read.c: the readers, also after st_rings_run (a checker's records). */
int rg_read_buffer(st_rings *r, const char *data, size_t len, const char *name, st_error *err);
int rg_state_load(st_rings *r, st_error *err);
void rg_state_unlock(st_rings *r);

/* norm.c: each writes a normalised form into out (n bytes) and returns its
 * length, 0 when the input holds nothing usable. */
size_t rg_norm_email(const char *in, char *out, size_t n);
size_t rg_norm_phone(const char *in, const char *region, char *out, size_t n);
size_t rg_norm_address(const char *in, char *out, size_t n);
size_t rg_norm_ip(const char *in, char *out, size_t n);
size_t rg_norm_payment(const char *in, char *out, size_t n, char country[3], int *crypto);
size_t rg_norm_text(const char *in, char *out, size_t n);  /* lower-case words, single spaces */
size_t rg_norm_date(const char *in, char *out, size_t n);  /* YYYY[-MM[-DD]] */
int rg_norm_pdq(const char *in, uint64_t h[4]);           /* 1 when 64 hex digits */
int rg_country(const char *in, char out[3]);              /* ISO alpha-2 or 0 */
const char *rg_calling_code(const char *iso2);            /* "44", NULL when unknown */
int rg_calling_table_ok(void);                            /* the table's invariant, for the tests */
int rg_country_in_text(const char *text, char out[3]);    /* a country named in free text */
int rg_phone_is_voip(const char *e164);                   /* number ranges kept for VoIP */
/* Names: the screening engine's normaliser, then tokens sorted. */
size_t rg_name_key(st_rings *r, const char *in, char *out, size_t n);
double rg_jaro_winkler(const char *a, const char *b);
void rg_bigram_bits(const char *s, uint64_t bits[4]);      /* letters/digits bigrams, spaces dropped */
double rg_bits_dice(const uint64_t a[4], const uint64_t b[4]); /* Dice coefficient of two bigram sets */
void rg_resume_signature(const char *text, uint32_t sig[RG_SIG]);
double rg_sig_similarity(const uint32_t *a, const uint32_t *b);
int rg_tz_offset_minutes(st_rings *r, const char *zone, int *minutes); /* 1 when known */

/* ops.c: the operation stage over the first stage's union-find parent
 * array; the infrastructure after clustering. */
int rg_operations(st_rings *r, uint32_t *parent, st_error *err);
int rg_infrastructure(st_rings *r, st_error *err);
uint32_t rg_uf_find(uint32_t *p, uint32_t x);
void rg_uf_union(uint32_t *p, uint32_t a, uint32_t b);

/* link.c, cluster.c, risk.c */
int rg_link(st_rings *r, st_error *err);
int rg_cluster(st_rings *r, st_error *err);
int rg_risk(st_rings *r, st_error *err);
int rg_assign_ids(st_rings *r, st_error *err);
int rg_record_indicators(st_rings *r, const rg_rec *x, uint32_t extra_count, const char *photo_other,
                         const char *resume_other, const char *hit, rg_found out[RG_NIND]);
const char *rg_level(double risk);               /* "high", "medium", "low" */
double rg_rarity(const st_rings *r, int kind, uint32_t count);
double rg_value_weight(const st_rings *r, uint32_t value); /* kind weight x rarity x corroboration */
double rg_value_weight_n(const st_rings *r, uint32_t value, uint32_t count); /* the same, held by count */
double rg_kind_weight(int kind);
int rg_merge_rule(double strong, double weak, double person);
uint64_t rg_band_hash(const uint32_t *sig, int band);      /* résumé LSH band (RG_SIG / 4 bands) */
size_t rg_person_keys(const rg_rec *x, uint64_t keys[5]); /* person blocking keys */
int rg_same_persona(const rg_rec *a, const rg_rec *b);
double rg_person_score(const st_rings *r, const rg_rec *a, const rg_rec *b);
int rg_photo_near(const st_rings *r, const rg_rec *a, const rg_rec *b, int *dist);

#endif
