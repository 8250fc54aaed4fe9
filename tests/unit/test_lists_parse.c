/* test_lists_parse.c - the list parsers on the real files in ../shared/data.
 *
 * Expected figures were taken from the raw files, not from sanctrace:
 *   UN:   grep -c '<INDIVIDUAL>' / '<ENTITY>' consolidated.xml (730 / 273);
 *         grep -c '<REFERENCE_NUMBER>KP[ie]\.' (155); records read by hand.
 *   OFAC: grep -c '^[0-9][0-9]*,' sdn.csv (8976 in 2021, 7379 in 2019; the
 *         README's 8,977 counts the DOS end-of-file line), cons_prim.csv 442;
 *         DPRK programmes: python csv on column 4 containing "DPRK" (414 =
 *         130 individuals, 162 entities, 106 vessels, 16 aircraft; the
 *         README's 131 individuals counts "DPRK" anywhere on the line, which
 *         adds PAEK Chang-Ho, 15667, NPWMD only, born "Kaesong, DPRK").
 *   2025 comments: grep -ao 'Digital Currency Address - [A-Z0-9]* [A-Za-z0-9]*'
 *         sdn_comments.csv | wc -l  -> 366 (271 XBT, 51 USDT, 23 ETH, 6 LTC, ...).
 */
#include "testutil.h"

#include "core/alloc.h"
#include "core/csv.h"
#include "core/fs.h"
#include "lists/parse.h"

static char *slurp(const char *rel, size_t *len) {
    char *data = NULL;
    st_error err;
    if (st_file_read(st_test_data(rel), 64u << 20, &data, len, &err) != ST_OK) fail_msg("cannot read %s", rel);
    return data;
}

static const st_entity *find(const st_list *l, const char *id) {
    for (size_t i = 0; i < l->n_entities; i++)
        if (strcmp(l->entities[i]->id, id) == 0) return l->entities[i];
    fail_msg("entity %s not found", id);
    return NULL;
}

static int has_name(const st_entity *e, const char *v, st_name_kind k) {
    for (size_t i = 0; i < e->n_names; i++)
        if (!strcmp(e->names[i].value, v) && e->names[i].kind == k) return 1;
    return 0;
}

static int has_ident(const st_entity *e, const char *type, const char *v, const char *cc) {
    for (size_t i = 0; i < e->n_idents; i++)
        if (!strcmp(e->idents[i].type, type) && !strcmp(e->idents[i].value, v) && !strcmp(e->idents[i].country, cc))
            return 1;
    return 0;
}

static int has_wallet(const st_entity *e, const char *chain, const char *a) {
    for (size_t i = 0; i < e->n_wallets; i++)
        if (!strcmp(e->wallets[i].chain, chain) && !strcmp(e->wallets[i].address, a)) return 1;
    return 0;
}

static int has_program(const st_entity *e, const char *prefix) {
    for (size_t i = 0; i < e->n_programs; i++)
        if (!strncmp(e->programs[i], prefix, strlen(prefix))) return 1;
    return 0;
}

static void check_date(const st_entity *e, size_t i, const char *want) {
    char out[32];
    assert_true(i < e->n_birth_dates);
    assert_string_equal(st_pdate_format(&e->birth_dates[i], out, sizeof out), want);
}

/* ---- UN ---- */

static void test_un_real(void **state) {
    (void)state;
    size_t len;
    char *data = slurp("lists/un-2026-02-27/consolidated.xml", &len), *gen = NULL;
    st_list l;
    st_error err;
    st_list_init(&l);
    assert_int_equal(st_parse_un_xml(data, len, "consolidated.xml", &l, &gen, &err), ST_OK);
    assert_string_equal(gen, "2026-02-27T00:00:09.554Z");
    size_t persons = 0, orgs = 0, dprk = 0, kp_ids = 0;
    for (size_t i = 0; i < l.n_entities; i++) {
        const st_entity *e = l.entities[i];
        persons += e->schema == ST_SCHEMA_PERSON;
        orgs += e->schema == ST_SCHEMA_ORGANIZATION;
        dprk += has_program(e, "DPRK");
        kp_ids += !strncmp(e->id, "un:KPi.", 7) || !strncmp(e->id, "un:KPe.", 7);
    }
    assert_int_equal(persons, 730);
    assert_int_equal(orgs, 273);
    assert_int_equal(dprk, 155);
    assert_int_equal(kp_ids, 155);
    /* KPi.033 RI WON HO: DOB 1964-07-17, passport 381310014, DPRK national */
    const st_entity *e = find(&l, "un:KPi.033");
    assert_string_equal(e->caption, "RI WON HO");
    check_date(e, 0, "1964-07-17");
    assert_true(has_ident(e, "passport", "381310014", ""));
    assert_int_equal(e->n_nationalities, 1);
    assert_string_equal(e->nationalities[0], "KP");
    assert_string_equal(e->listed_on, "2016-11-30");
    /* KPi.068: two passports, one issued by the DPRK; gender from the comments */
    e = find(&l, "un:KPi.068");
    assert_true(has_ident(e, "passport", "927234267", ""));
    assert_true(has_ident(e, "passport", "108120258", "KP"));
    assert_string_equal(e->gender, "male");
    assert_true(has_name(e, "Kim Tong-ch'o'l", ST_NAME_ALIAS));
    /* KPi.066: born BETWEEN 1967 and 1969 */
    e = find(&l, "un:KPi.066");
    check_date(e, 0, "1967/1969");
    /* KPi.064: a Low-quality alias is weak */
    e = find(&l, "un:KPi.064");
    assert_true(has_name(e, "Choe Sok Min", ST_NAME_WEAK));
    /* KPi.035: "Jin Tiesan (金铁三)" gives a Latin and a Chinese alias */
    e = find(&l, "un:KPi.035");
    assert_true(has_name(e, "Jin Tiesan", ST_NAME_ALIAS));
    assert_true(has_name(e, "金铁三", ST_NAME_ALIAS));
    assert_true(has_ident(e, "passport", "645120378", "KP"));
    /* KPe.022: company IMO number from the comments; stays an organisation */
    e = find(&l, "un:KPe.022");
    assert_int_equal(e->schema, ST_SCHEMA_ORGANIZATION);
    assert_true(has_ident(e, "imo", "5342883", ""));
    /* trailing blank in <REFERENCE_NUMBER>KPe.056 </REFERENCE_NUMBER> */
    find(&l, "un:KPe.056");
    /* the unreadable ages and Hijri dates are warnings with line numbers */
    assert_true(l.n_warnings_total >= 2);
    assert_true(l.warnings[0].line > 0);
    st_list_free(&l);
    st_free(gen);
    st_free(data);
}

static void test_un_broken(void **state) {
    (void)state;
    size_t len;
    char *data = slurp("lists/un-2026-02-27/consolidated.xml", &len);
    st_list l;
    st_error err;
    /* cut in the middle: not well-formed, error names the file and a line */
    st_list_init(&l);
    st_error_clear(&err);
    assert_int_equal(st_parse_un_xml(data, len / 2, "consolidated.xml", &l, NULL, &err), ST_EPARSE);
    assert_string_equal(err.file, "consolidated.xml");
    assert_true(err.line > 1000);
    st_list_free(&l);
    /* garbage */
    st_list_init(&l);
    assert_int_equal(st_parse_un_xml("<<<not xml", 10, "x.xml", &l, NULL, &err), ST_EPARSE);
    st_list_free(&l);
    /* well-formed but the wrong document */
    st_list_init(&l);
    assert_int_equal(st_parse_un_xml("<a/>", 4, "x.xml", &l, NULL, &err), ST_EPARSE);
    st_list_free(&l);
    /* a record without REFERENCE_NUMBER is a warning; the others are read */
    static const char doc[] =
        "<CONSOLIDATED_LIST><INDIVIDUALS>\n"
        "<INDIVIDUAL><FIRST_NAME>NO REF</FIRST_NAME></INDIVIDUAL>\n"
        "<INDIVIDUAL><FIRST_NAME>KIM</FIRST_NAME><SECOND_NAME>IL</SECOND_NAME>"
        "<REFERENCE_NUMBER>KPi.900</REFERENCE_NUMBER></INDIVIDUAL>\n"
        "</INDIVIDUALS></CONSOLIDATED_LIST>";
    st_list_init(&l);
    assert_int_equal(st_parse_un_xml(doc, sizeof doc - 1, "t.xml", &l, NULL, &err), ST_OK);
    assert_int_equal(l.n_entities, 1);
    assert_string_equal(l.entities[0]->caption, "KIM IL");
    assert_int_equal(l.n_warnings, 1);
    assert_int_equal(l.warnings[0].line, 2);
    st_list_free(&l);
    st_free(data);
}

/* The real UN file with dtd inserted after its XML declaration (line 1) and
 * CDi.001's <FIRST_NAME>ERIC</FIRST_NAME> (line 7) written as first; the
 * parse's status, err and list are the caller's. */
static int un_variant(const char *header, const char *dtd, const char *first, st_list *l, st_error *err) {
    size_t len;
    char *data = slurp("lists/un-2026-02-27/consolidated.xml", &len);
    const char *decl_end = strstr(data, "?>\n");
    const char *name = strstr(data, "<FIRST_NAME>ERIC</FIRST_NAME>");
    assert_non_null(decl_end);
    assert_non_null(name);
    decl_end += 3;
    size_t cap = len + strlen(header) + strlen(dtd) + strlen(first) + 1;
    char *doc = st_malloc(cap);
    assert_non_null(doc);
    int n = snprintf(doc, cap, "%s%s%.*s%s%s", header, dtd, (int)(name - decl_end), decl_end, first,
                     name + strlen("<FIRST_NAME>ERIC</FIRST_NAME>"));
    assert_true(n > 0 && (size_t)n < cap);
    st_list_init(l);
    st_error_clear(err);
    int rc = st_parse_un_xml(doc, (size_t)n, "consolidated.xml", l, NULL, err);
    st_free(doc);
    st_free(data);
    return rc;
}

/* A list file that declares entities is refused, naming the file, the line
 * and the entity: a reader that does not expand an entity drops its text
 * (CDi.001 "ERIC BADEGE" read as "BADEGE", no warning), one that expands
 * it reads files or the network. */
static void test_un_entities_refused(void **state) {
    (void)state;
    static const char *const yes = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
    static const char *const no = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    const struct {
        const char *header, *dtd, *first;
        long line;
        const char *says;
    } bad[] = {
        /* the file: an external entity used in FIRST_NAME */
        {yes, "<!DOCTYPE CONSOLIDATED_LIST [\n<!ENTITY e SYSTEM \"file:///etc/hostname\">\n]>\n",
         "<FIRST_NAME>&e;</FIRST_NAME>", 3, "entity 'e'"},
        /* an internal one, even unused */
        {yes, "<!DOCTYPE CONSOLIDATED_LIST [\n\n<!ENTITY eric \"ERIC\">\n]>\n", "<FIRST_NAME>ERIC</FIRST_NAME>", 4,
         "entity 'eric'"},
        /* a parameter entity */
        {no, "<!DOCTYPE CONSOLIDATED_LIST [\n<!ENTITY % p \"x\">\n]>\n", "<FIRST_NAME>ERIC</FIRST_NAME>", 3,
         "entity '%p'"},
        /* no declaration here, but an external DTD might declare it: a
           reference libxml2 only warns about, then drops */
        {no, "<!DOCTYPE CONSOLIDATED_LIST SYSTEM \"un.dtd\">\n", "<FIRST_NAME>&e;</FIRST_NAME>", 8, "&e;"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        st_list l;
        st_error err;
        int rc = un_variant(bad[i].header, bad[i].dtd, bad[i].first, &l, &err);
        if (rc != ST_EPARSE)
            fail_msg("case %zu accepted (%d entities, CDi.001 read as '%s')", i, (int)l.n_entities,
                     l.n_entities ? l.entities[0]->caption : "");
        assert_string_equal(err.file, "consolidated.xml");
        if (err.line != bad[i].line) fail_msg("case %zu: line %ld, want %ld: %s", i, err.line, bad[i].line, err.msg);
        if (!strstr(err.msg, bad[i].says)) fail_msg("case %zu: '%s' does not say %s", i, err.msg, bad[i].says);
        assert_int_equal(l.n_entities, 0);
        st_list_free(&l);
    }
    /* the five predefined entities and character references are text */
    st_list l;
    st_error err;
    assert_int_equal(un_variant(yes, "", "<FIRST_NAME>&#69;R&#x49;C&amp;&lt;&gt;&apos;&quot;</FIRST_NAME>", &l, &err),
                     ST_OK);
    assert_string_equal(find(&l, "un:CDi.001")->caption, "ERIC&<>'\" BADEGE");
    st_list_free(&l);
    /* a DOCTYPE that declares nothing is no reason to refuse */
    assert_int_equal(un_variant(yes, "<!DOCTYPE CONSOLIDATED_LIST>\n", "<FIRST_NAME>ERIC</FIRST_NAME>", &l, &err),
                     ST_OK);
    assert_string_equal(find(&l, "un:CDi.001")->caption, "ERIC BADEGE");
    st_list_free(&l);
}

/* ---- OFAC ---- */

typedef struct ofac_files {
    char *b[4];
    st_ofac_set set;
} ofac_files;

static void ofac_load(ofac_files *f, const char *dir, int cons) {
    static const char *const sdn[] = {"sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"};
    static const char *const cn[] = {"cons_prim.csv", "cons_add.csv", "cons_alt.csv", "cons_comments.csv"};
    st_ofac_file *slot[4] = {&f->set.prim, &f->set.add, &f->set.alt, &f->set.comments};
    memset(f, 0, sizeof *f);
    for (int i = 0; i < 4; i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "lists/%s/%s", dir, cons ? cn[i] : sdn[i]);
        f->b[i] = slurp(rel, &slot[i]->len);
        slot[i]->data = f->b[i];
        slot[i]->name = cons ? cn[i] : sdn[i];
    }
}

static void ofac_unload(ofac_files *f) {
    for (int i = 0; i < 4; i++) st_free(f->b[i]);
}

static void test_ofac_2021(void **state) {
    (void)state;
    ofac_files f;
    st_list l;
    st_error err;
    ofac_load(&f, "ofac-sdn-2021-07", 0);
    st_list_init(&l);
    assert_int_equal(st_parse_ofac(&f.set, "ofac", &l, &err), ST_OK);
    assert_int_equal(l.n_entities, 8976);
    size_t dprk = 0, ind = 0, ves = 0, air = 0, org = 0;
    for (size_t i = 0; i < l.n_entities; i++) {
        const st_entity *e = l.entities[i];
        if (!has_program(e, "DPRK")) continue;
        dprk++;
        ind += e->schema == ST_SCHEMA_PERSON;
        ves += e->schema == ST_SCHEMA_VESSEL;
        air += e->schema == ST_SCHEMA_AIRCRAFT;
        org += e->schema == ST_SCHEMA_ORGANIZATION;
    }
    assert_int_equal(dprk, 414);
    assert_int_equal(ind, 130);
    assert_int_equal(ves, 106);
    assert_int_equal(air, 16);
    assert_int_equal(org, 162);
    /* LAZARUS GROUP: 11 weak a.k.a.'s from the remarks; no wallet in the
     * 2021 files (its row has no "Digital Currency Address") */
    const st_entity *e = find(&l, "ofac:27307");
    assert_string_equal(e->caption, "LAZARUS GROUP");
    assert_int_equal(e->schema, ST_SCHEMA_ORGANIZATION);
    size_t weak = 0;
    for (size_t i = 0; i < e->n_names; i++) weak += e->names[i].kind == ST_NAME_WEAK;
    assert_int_equal(weak, 11);
    assert_true(has_name(e, "HIDDEN COBRA", ST_NAME_WEAK));
    assert_true(has_name(e, "APPLEWORM", ST_NAME_WEAK));
    assert_int_equal(e->n_wallets, 0);
    assert_string_equal(e->countries[0], "KP");
    assert_string_equal(e->programs[0], "DPRK3");
    /* ZHENG, Fujing 26236: several ids with issuers, DOB, two XBT wallets */
    e = find(&l, "ofac:26236");
    check_date(e, 0, "1983-06-11");
    assert_true(has_ident(e, "passport", "G31920875", "CN"));
    assert_true(has_ident(e, "national_id", "310107198306111336", "CN"));
    assert_true(has_wallet(e, "XBT", "17ezuJoT3XBbdcwFZbkTnrXbup11F4uhiy"));
    assert_true(has_wallet(e, "XBT", "1DH2xDH7TngrDU6LXciprKCBKNcPA1xX8A"));
    assert_int_equal(e->n_wallets, 2);
    assert_true(has_name(e, "JIN, Gordon", ST_NAME_WEAK));
    assert_string_equal(e->gender, "male");
    assert_string_equal(e->nationalities[0], "CN");
    /* KARASAVIDI 29585: nine wallets on eight chains, Russian passport */
    e = find(&l, "ofac:29585");
    assert_int_equal(e->n_wallets, 9);
    assert_true(has_wallet(e, "XMR", "5be5543ff73456ab9f2d207887e2af87322c651ea1a873c5b25b7ffae456c320"));
    assert_true(has_wallet(e, "ZEC", "t1g7wowvQ8gn2v8jrU1biyJ26sieNqNsBJy"));
    assert_true(has_wallet(e, "ETC", "0xd882cfc20f52f2599d84b8e8d58c7fb62cfe344b"));
    assert_true(has_ident(e, "passport", "75 5276391", "RU"));
    /* LI, Jiadong 28264: remarks cut mid-word in sdn.csv, rest in sdn_comments.csv */
    e = find(&l, "ofac:28264");
    assert_int_equal(e->n_wallets, 12);
    assert_true(has_ident(e, "national_id", "210302198701102136", "CN"));
    assert_true(has_name(e, "khaleesi", ST_NAME_WEAK));
    int linked = 0;
    for (size_t i = 0; i < e->n_props; i++)
        linked |= !strcmp(e->props[i].key, "linkedTo") && !strcmp(e->props[i].value, "LAZARUS GROUP");
    assert_true(linked);
    /* vessel CHONG CHON GANG 17069: IMO from remarks, DPRK flag from sdn.csv */
    e = find(&l, "ofac:17069");
    assert_int_equal(e->schema, ST_SCHEMA_VESSEL);
    assert_true(has_ident(e, "imo", "7937317", ""));
    assert_string_equal(e->countries[0], "KP");
    /* vessel HERMANN 4234: call sign, type, tonnage, flag from sdn.csv fields */
    e = find(&l, "ofac:4234");
    assert_true(has_ident(e, "call_sign", "CL2685", ""));
    assert_string_equal(e->countries[0], "CU");
    /* aircraft P-532 20540 */
    e = find(&l, "ofac:20540");
    assert_int_equal(e->schema, ST_SCHEMA_AIRCRAFT);
    /* alt.csv: aka -> alias, fka -> former */
    e = find(&l, "ofac:306");
    assert_true(has_name(e, "NATIONAL BANK OF CUBA", ST_NAME_ALIAS));
    assert_true(has_name(e, "BNC", ST_NAME_WEAK));
    st_list_free(&l);
    ofac_unload(&f);
}

static void test_ofac_2019_and_cons(void **state) {
    (void)state;
    ofac_files f;
    st_list l;
    st_error err;
    ofac_load(&f, "ofac-sdn-2019-01", 0);
    st_list_init(&l);
    assert_int_equal(st_parse_ofac(&f.set, "ofac", &l, &err), ST_OK);
    assert_int_equal(l.n_entities, 7379);
    st_list_free(&l);
    ofac_unload(&f);
    ofac_load(&f, "ofac-cons-2025-12", 1);
    st_list_init(&l);
    assert_int_equal(st_parse_ofac(&f.set, "ofac-cons", &l, &err), ST_OK);
    assert_int_equal(l.n_entities, 442);
    const st_entity *e = find(&l, "ofac-cons:9639");
    assert_string_equal(e->source, "ofac-cons");
    assert_true(has_name(e, "HANIYA, Ismail", ST_NAME_ALIAS));
    check_date(e, 0, "1962");
    st_list_free(&l);
    ofac_unload(&f);
}

/* The 2025 overflow rows alone: every complete wallet is found. */
static void test_ofac_2025_comment_wallets(void **state) {
    (void)state;
    size_t len;
    char *data = slurp("lists/ofac-sdn-comments-2025-12/sdn_comments.csv", &len);
    st_csv *c;
    st_error err;
    assert_int_equal(st_csv_open(&c, data, len, "sdn_comments.csv", ST_CSV_CP1252), ST_OK);
    size_t wallets = 0, xbt = 0, usdt = 0, eth = 0;
    int rc;
    while ((rc = st_csv_next(c, &err)) == 1) {
        st_entity *e;
        assert_int_equal(st_entity_new(&e, "t", "ofac", ST_SCHEMA_UNKNOWN), ST_OK);
        assert_int_equal(st_ofac_remarks_parse(e, st_csv_field(c, 1), NULL, "x", 0), ST_OK);
        wallets += e->n_wallets;
        for (size_t i = 0; i < e->n_wallets; i++) {
            xbt += !strcmp(e->wallets[i].chain, "XBT");
            usdt += !strcmp(e->wallets[i].chain, "USDT");
            eth += !strcmp(e->wallets[i].chain, "ETH");
        }
        st_entity_free(e);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(wallets, 366);
    assert_int_equal(xbt, 271);
    assert_int_equal(usdt, 51);
    assert_int_equal(eth, 23);
    st_csv_close(c);
    st_free(data);
}

static void test_ofac_broken(void **state) {
    (void)state;
    st_list l;
    st_error err;
    st_ofac_set set;
    /* a quoted remark that never ends: the download was cut */
    static const char cut[] = "36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"
                              "306,\"BANCO NACIONAL DE CUBA\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"a.k.a. 'BN";
    memset(&set, 0, sizeof set);
    set.prim = (st_ofac_file){cut, sizeof cut - 1, "sdn.csv"};
    st_list_init(&l);
    st_error_clear(&err);
    assert_int_equal(st_parse_ofac(&set, "ofac", &l, &err), ST_EPARSE);
    assert_string_equal(err.file, "sdn.csv");
    assert_int_equal(err.line, 2);
    st_list_free(&l);
    /* short rows and bad ent_nums are warnings, the good row is read */
    static const char bad[] = "x1,\"A\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n"
                              "12,\"SHORT\"\n"
                              "36,\"GOOD\",individual,\"DPRK3] [CYBER2\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"
                              "\"DOB circa 1970; nationality Korea, North; Passport 123 (Korea, North).\"\n";
    set.prim = (st_ofac_file){bad, sizeof bad - 1, "sdn.csv"};
    st_list_init(&l);
    assert_int_equal(st_parse_ofac(&set, "ofac", &l, &err), ST_OK);
    assert_int_equal(l.n_entities, 1);
    assert_int_equal(l.n_warnings, 2);
    assert_int_equal(l.warnings[0].line, 1);
    assert_int_equal(l.warnings[1].line, 2);
    const st_entity *e = l.entities[0];
    assert_int_equal(e->n_programs, 2);
    assert_string_equal(e->programs[1], "CYBER2");
    assert_int_equal(e->birth_dates[0].circa, 1);
    assert_string_equal(e->nationalities[0], "KP");
    assert_true(has_ident(e, "passport", "123", "KP"));
    st_list_free(&l);
    /* nothing readable at all */
    set.prim = (st_ofac_file){"garbage\n", 8, "sdn.csv"};
    st_list_init(&l);
    assert_int_equal(st_parse_ofac(&set, "ofac", &l, &err), ST_EPARSE);
    st_list_free(&l);
}

/* ---- FollowTheMoney ---- */

static const char ftm_fixture[] =
    "{\"id\":\"NK-abc\",\"schema\":\"Person\",\"caption\":\"RI Won Ho\",\"referents\":[\"x-1\"],"
    "\"datasets\":[\"un_sc_sanctions\",\"sanctions\"],\"first_seen\":\"2016-11-30T00:00:00\","
    "\"last_seen\":\"2026-02-27T00:00:00\",\"target\":true,\"properties\":{\"name\":[\"RI Won Ho\"],"
    "\"alias\":[\"Ri Won-ho\"],\"weakAlias\":[\"Ho\"],\"birthDate\":[\"1964-07-17\"],\"nationality\":[\"kp\"],"
    "\"passportNumber\":[\"381310014\"],\"topics\":[\"sanction\"],\"notes\":[\"MSS official\"],"
    "\"addressEntity\":[\"addr-1\"]}}\n"
    "{\"id\":\"sanc-1\",\"schema\":\"Sanction\",\"datasets\":[\"un_sc_sanctions\"],\"properties\":"
    "{\"entity\":[\"NK-abc\"],\"program\":[\"DPRK\"],\"listingDate\":[\"2016-11-30\"]}}\n"
    "{\"id\":\"addr-1\",\"schema\":\"Address\",\"properties\":{\"full\":[\"Pyongyang, North Korea\"]}}\n"
    "not json at all\n"
    "{\"id\":\"w-1\",\"schema\":\"CryptoWallet\",\"datasets\":[\"us_ofac_sdn\"],\"properties\":"
    "{\"publicKey\":[\"1ABCxyz\"],\"currency\":[\"XBT\"],\"holder\":[\"NK-lz\"]}}\n"
    "{\"id\":\"NK-lz\",\"schema\":\"Organization\",\"datasets\":[\"us_ofac_sdn\"],\"properties\":"
    "{\"name\":[\"LAZARUS GROUP\"],\"country\":[\"North Korea\"],\"programId\":[\"DPRK3\"]}}\n"
    "{\"id\":\"v-1\",\"schema\":\"Vessel\",\"datasets\":[\"us_ofac_sdn\"],\"properties\":"
    "{\"name\":[\"CHONG CHON GANG\"],\"imoNumber\":[\"IMO 7937317\"],\"flag\":[\"kp\"],\"mmsi\":[\"445112000\"]}}\n"
    "{\"id\":\"w-2\",\"schema\":\"CryptoWallet\",\"datasets\":[\"us_ofac_sdn\"],\"properties\":"
    "{\"publicKey\":[\"0x098B716B8Aaf21512996dC57EB0615e2383E2f96\"],\"currency\":[\"ETH\"]}}\n"
    "{\"id\":\"own-1\",\"schema\":\"Ownership\",\"properties\":{\"owner\":[\"NK-lz\"]}}\n";

static void test_ftm(void **state) {
    (void)state;
    st_list l;
    st_error err;
    st_list_init(&l);
    assert_int_equal(st_parse_ftm(ftm_fixture, sizeof ftm_fixture - 1, "t.ftm.json", "ftm", &l, &err), ST_OK);
    assert_int_equal(l.n_entities, 4); /* person, org (with its wallet), vessel, lone wallet */
    assert_int_equal(l.n_warnings, 1);
    assert_int_equal(l.warnings[0].line, 4);
    const st_entity *e = find(&l, "un_sc_sanctions:NK-abc");
    assert_string_equal(e->source, "un_sc_sanctions");
    assert_true(has_name(e, "RI Won Ho", ST_NAME_PRIMARY));
    assert_true(has_name(e, "Ri Won-ho", ST_NAME_ALIAS));
    assert_true(has_name(e, "Ho", ST_NAME_WEAK));
    check_date(e, 0, "1964-07-17");
    assert_string_equal(e->nationalities[0], "KP");
    assert_true(has_ident(e, "passport", "381310014", ""));
    assert_string_equal(e->programs[0], "DPRK");
    assert_string_equal(e->listed_on, "2016-11-30");
    assert_string_equal(e->addresses[0], "Pyongyang, North Korea");
    assert_string_equal(e->remarks, "MSS official");
    e = find(&l, "us_ofac_sdn:NK-lz");
    assert_true(has_wallet(e, "XBT", "1ABCxyz"));
    assert_string_equal(e->countries[0], "KP");
    e = find(&l, "us_ofac_sdn:v-1");
    assert_int_equal(e->schema, ST_SCHEMA_VESSEL);
    assert_true(has_ident(e, "imo", "IMO 7937317", ""));
    assert_true(has_ident(e, "mmsi", "445112000", ""));
    e = find(&l, "us_ofac_sdn:w-2");
    assert_int_equal(e->schema, ST_SCHEMA_CRYPTOWALLET);
    assert_true(has_wallet(e, "ETH", "0x098B716B8Aaf21512996dC57EB0615e2383E2f96"));
    st_list_free(&l);
    /* a last line cut short is a truncated file */
    st_list_init(&l);
    assert_int_equal(st_parse_ftm(ftm_fixture, 200, "t.ftm.json", "ftm", &l, &err), ST_EPARSE);
    assert_int_equal(err.line, 1);
    st_list_free(&l);
}

/* Regression (found by fuzz_ftm): the same CryptoWallet line twice folded
 * the wallet into its holder, then dereferenced the freed slot. */
static void test_ftm_regress_wallet_twice(void **state) {
    (void)state;
    static const char doc[] =
        "{\"id\":\"p1\",\"schema\":\"Person\",\"properties\":{\"name\":[\"KIM\"]}}\n"
        "{\"id\":\"w1\",\"schema\":\"CryptoWallet\",\"properties\":{\"publicKey\":[\"1A\"],\"holder\":[\"p1\"]}}\n"
        "{\"id\":\"w1\",\"schema\":\"CryptoWallet\",\"properties\":{\"publicKey\":[\"1A\"],\"holder\":[\"p1\"]}}\n"
        "{\"id\":\"w2\",\"schema\":\"CryptoWallet\",\"properties\":{\"publicKey\":[\"1B\"],\"holder\":[\"w2\"]}}\n";
    st_list l;
    st_error err;
    st_list_init(&l);
    assert_int_equal(st_parse_ftm(doc, sizeof doc - 1, "t.ftm.json", "ftm", &l, &err), ST_OK);
    assert_int_equal(l.n_entities, 2); /* KIM with wallet 1A; w2, its own holder, stays */
    assert_int_equal(find(&l, "ftm:p1")->n_wallets, 1);
    assert_int_equal(l.n_warnings, 1); /* the duplicate id */
    st_list_free(&l);
}

static void test_wallet_lines(void **state) {
    (void)state;
    size_t len;
    char *data = slurp("lists/ofac-crypto-2024-09-27/sanctioned_addresses_ETH.txt", &len);
    st_list l;
    st_error err;
    st_list_init(&l);
    assert_int_equal(st_parse_wallet_lines(data, len, "eth.txt", "ETH", "ofac-crypto", &l, &err), ST_OK);
    assert_int_equal(l.n_entities, 152); /* wc -l: 152 addresses */
    find(&l, "ofac-crypto:ETH:0x098B716B8Aaf21512996dC57EB0615e2383E2f96");
    st_list_free(&l);
    st_free(data);
}

/* Allocation failures anywhere in a parse: an error, never a crash or leak. */
static void test_parsers_oom(void **state) {
    (void)state;
    for (long fail = 0; fail < 400; fail += 7) {
        st_list l;
        st_error err;
        st_list_init(&l);
        st_alloc_fail_after(fail);
        int rc = st_parse_ftm(ftm_fixture, sizeof ftm_fixture - 1, "t", "ftm", &l, &err);
        st_alloc_fail_after(-1);
        assert_true(rc == ST_OK || rc == ST_ENOMEM);
        st_list_free(&l);
    }
    static const char row[] = "36,\"GOOD\",individual,\"DPRK3\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"
                              "\"DOB 1970; Passport 1 (Korea, North); a.k.a. 'X'; Digital Currency Address - XBT 1A.\"\n";
    for (long fail = 0; fail < 80; fail++) {
        st_list l;
        st_error err;
        st_ofac_set set;
        memset(&set, 0, sizeof set);
        set.prim = (st_ofac_file){row, sizeof row - 1, "sdn.csv"};
        st_list_init(&l);
        st_alloc_fail_after(fail);
        int rc = st_parse_ofac(&set, "ofac", &l, &err);
        st_alloc_fail_after(-1);
        assert_true(rc == ST_OK || rc == ST_ENOMEM);
        st_list_free(&l);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_un_real),
        cmocka_unit_test(test_un_broken),
        cmocka_unit_test(test_un_entities_refused),
        cmocka_unit_test(test_ofac_2021),
        cmocka_unit_test(test_ofac_2019_and_cons),
        cmocka_unit_test(test_ofac_2025_comment_wallets),
        cmocka_unit_test(test_ofac_broken),
        cmocka_unit_test(test_ftm),
        cmocka_unit_test(test_ftm_regress_wallet_twice),
        cmocka_unit_test(test_wallet_lines),
        cmocka_unit_test(test_parsers_oom),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
