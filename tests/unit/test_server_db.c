/* test_server_db.c - the store: audit trail, decisions, API keys,
 * customers, hits, alerts, run claims, and failed allocations.
 * On SQLite by default; with ST_PG_URL set, the same tests run against
 * that PostgreSQL database (tests/cli/server_pg.sh starts one). */
#include "testutil.h"

#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include <libpq-fe.h>

#include "core/alloc.h"
#include "core/fs.h"
#include "server/db.h"

/* A fresh, empty store: a new SQLite file, or the PostgreSQL database
 * emptied of every table. */
static st_db *open_tmp(char **dir) {
    *dir = st_test_tmpdir();
    char path[512];
    const char *pg = getenv("ST_PG_URL");
    if (pg && *pg) {
        PGconn *c = PQconnectdb(pg);
        assert_int_equal(PQstatus(c), CONNECTION_OK);
        PGresult *r = PQexec(c, "SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
        assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
        PQclear(r);
        PQfinish(c);
        snprintf(path, sizeof path, "%s", pg);
    } else {
        snprintf(path, sizeof path, "%s/t.db", *dir);
    }
    st_db *s = NULL;
    st_error err;
    assert_int_equal(st_db_open(path, 4, &s, &err), ST_OK);
    assert_string_equal(st_db_engine(s), pg && *pg ? "postgresql" : "sqlite");
    return s;
}

static void close_tmp(st_db *s, char *dir) {
    st_db_close(s);
    st_rm_rf(dir);
    free(dir);
}

static void test_audit_export(void **state) {
    (void)state;
    char *dir;
    st_db *s = open_tmp(&dir);
    st_error err;
    st_audit_rec r[3] = {
        {"2026-01-01T10:00:00.000Z", "k1", "match", "q:1", "v1", "{\"a\":1}", "[]", "n1"},
        {"2026-01-02T10:00:00.000Z", "", "search", "q:2", "v1", "say \"hi\", ok", "[1]", ""},
        {"2026-01-03T00:00:00.000Z", "k2", "match", "q:3", "v2", "x", "line\nbreak", "n2"},
    };
    assert_int_equal(st_db_audit_add(s, r, 3, &err), ST_OK);
    long n = 0;
    assert_int_equal(st_db_audit_count(s, &n, &err), ST_OK);
    assert_int_equal(n, 3);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(st_db_audit_export_csv(s, "2026-01-02", "2026-01-02~", f, &n, &err), ST_OK);
    fclose(f);
    assert_int_equal(n, 1);
    assert_string_equal(buf, "id,time,key_id,endpoint,subject,snapshot,input,results,key_name\r\n"
                             "2,2026-01-02T10:00:00.000Z,,search,q:2,v1,\"say \"\"hi\"\", ok\",[1],\r\n");
    free(buf);
    f = open_memstream(&buf, &len);
    assert_int_equal(st_db_audit_export_csv(s, "", "", f, &n, &err), ST_OK);
    fclose(f);
    assert_int_equal(n, 3);
    assert_non_null(strstr(buf, "\"line\nbreak\""));
    free(buf);
    close_tmp(s, dir);
}

static void test_decisions(void **state) {
    (void)state;
    char *dir;
    st_db *s = open_tmp(&dir);
    st_error err;
    st_decision d = {"cust-1", "ofac:1", "false_positive", "different birth date", "ann", "h1", ""};
    long long id1 = 0, id2 = 0;
    assert_int_equal(st_db_decision_add(s, &d, &id1, &err), ST_OK);
    d.decision = "confirmed";
    d.entity_hash = "h2";
    assert_int_equal(st_db_decision_add(s, &d, &id2, &err), ST_OK);
    assert_true(id2 > id1);
    d.decision = "maybe";
    assert_int_equal(st_db_decision_add(s, &d, NULL, &err), ST_EINVAL);
    json_t *arr = NULL;
    assert_int_equal(st_db_decisions(s, "cust-1", NULL, 10, &arr, &err), ST_OK);
    assert_int_equal(json_array_size(arr), 2);
    json_t *newest = json_array_get(arr, 0);
    assert_string_equal(json_string_value(json_object_get(newest, "decision")), "confirmed");
    assert_string_equal(json_string_value(json_object_get(newest, "entity_hash")), "h2");
    assert_int_equal(json_integer_value(json_object_get(newest, "id")), id2);
    json_decref(arr);
    assert_int_equal(st_db_decisions(s, "cust-2", NULL, 10, &arr, &err), ST_OK);
    assert_int_equal(json_array_size(arr), 0);
    json_decref(arr);
    assert_int_equal(st_db_decisions(s, NULL, "ofac:1", 10, &arr, &err), ST_OK);
    assert_int_equal(json_array_size(arr), 2);
    json_decref(arr);
    close_tmp(s, dir);
}

static void test_keys(void **state) {
    (void)state;
    char *dir;
    st_db *s = open_tmp(&dir);
    st_error err;
    char key[96], id[24], got[24];
    assert_int_equal(st_db_key_add(s, "onboarding", ST_ROLE_ANALYST, key, sizeof key, id, &err), ST_OK);
    assert_int_equal(strlen(key), 3 + 16 + 1 + 48);
    int ok = 0;
    assert_int_equal(st_db_key_check(s, key, &ok, got, &err), ST_OK);
    assert_true(ok);
    assert_string_equal(got, id);
    /* one changed character, a truncated key, garbage: refused */
    char bad[96];
    snprintf(bad, sizeof bad, "%s", key);
    bad[40] = bad[40] == 'a' ? 'b' : 'a';
    assert_int_equal(st_db_key_check(s, bad, &ok, got, &err), ST_OK);
    assert_false(ok);
    bad[30] = 0;
    assert_int_equal(st_db_key_check(s, bad, &ok, got, &err), ST_OK);
    assert_false(ok);
    assert_int_equal(st_db_key_check(s, "'; DROP TABLE api_keys; --", &ok, got, &err), ST_OK);
    assert_false(ok);
    /* the secret is not stored */
    json_t *keys = NULL;
    assert_int_equal(st_db_keys(s, &keys, &err), ST_OK);
    char *text = json_dumps(keys, 0);
    assert_null(strstr(text, key + 20));
    free(text);
    json_decref(keys);
    int found = 0;
    assert_int_equal(st_db_key_revoke(s, id, &found, &err), ST_OK);
    assert_true(found);
    assert_int_equal(st_db_key_check(s, key, &ok, got, &err), ST_OK);
    assert_false(ok);
    close_tmp(s, dir);
}

static void test_monitoring(void **state) {
    (void)state;
    char *dir;
    st_db *s = open_tmp(&dir);
    st_error err;
    assert_int_equal(st_db_customer_put(s, "c1", "{\"name\":\"A\"}", &err), ST_OK);
    assert_int_equal(st_db_customer_put(s, "c1", "{\"name\":\"B\"}", &err), ST_OK);
    json_t *cs = NULL;
    assert_int_equal(st_db_customers(s, &cs, &err), ST_OK);
    assert_int_equal(json_array_size(cs), 1);
    assert_string_equal(json_string_value(json_object_get(json_object_get(json_array_get(cs, 0), "record"), "name")), "B");
    json_decref(cs);
    int is_new = 0;
    assert_int_equal(st_db_hit(s, "c1", "ofac:1", 0.9, "v1", &is_new, &err), ST_OK);
    assert_true(is_new);
    assert_int_equal(st_db_hit(s, "c1", "ofac:1", 0.95, "v2", &is_new, &err), ST_OK);
    assert_false(is_new);
    int claimed = 0;
    assert_int_equal(st_db_monitor_claim(s, "v2", "a", &claimed, &err), ST_OK);
    assert_true(claimed);
    assert_int_equal(st_db_monitor_claim(s, "v2", "b", &claimed, &err), ST_OK);
    assert_false(claimed);
    assert_int_equal(st_db_alert_add(s, "c1", "ofac:2", 0.91, "v2", "added", "X Y", &err), ST_OK);
    assert_int_equal(st_db_alert_add(s, "c1", "ofac:2", 0.91, "v2", "added", "X Y", &err), ST_OK);
    assert_int_equal(st_db_alert_add(s, "c2", "ofac:3", 0.85, "v2", "changed", "Z", &err), ST_OK);
    json_t *al = NULL;
    assert_int_equal(st_db_alerts(s, 0, 0, &al, &err), ST_OK);
    assert_int_equal(json_array_size(al), 2);
    long long first = json_integer_value(json_object_get(json_array_get(al, 0), "id"));
    assert_true(json_number_value(json_object_get(json_array_get(al, 0), "score")) > 0.9);
    json_decref(al);
    assert_int_equal(st_db_alerts(s, first, 0, &al, &err), ST_OK);
    assert_int_equal(json_array_size(al), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(al, 0), "change")), "changed");
    json_decref(al);
    /* a new pair and its alert together; a known pair: neither again */
    assert_int_equal(st_db_hit_alert(s, "c3", "ofac:4", 0.9, "v3", "added", "W", &is_new, &err), ST_OK);
    assert_true(is_new);
    assert_int_equal(st_db_hit_alert(s, "c3", "ofac:4", 0.9, "v4", "changed", "W", &is_new, &err), ST_OK);
    assert_false(is_new);
    assert_int_equal(st_db_alerts(s, 0, 0, &al, &err), ST_OK);
    assert_int_equal(json_array_size(al), 3);
    json_decref(al);
    assert_int_equal(st_db_monitor_finish(s, "v2", 1, 2, &err), ST_OK);
    close_tmp(s, dir);
}

static void test_open_failures(void **state) {
    (void)state;
    st_db *s = NULL;
    st_error err;
    assert_int_equal(st_db_open("/nonexistent-dir/x/t.db", 2, &s, &err), ST_EIO);
    assert_non_null(strstr(err.msg, "cannot open database"));
    /* every allocation of open may fail: no crash, no leak */
    char *dir = st_test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/t.db", dir);
    for (long fail = 0; fail < 8; fail++) {
        st_alloc_fail_after(fail);
        int rc = st_db_open(path, 2, &s, &err);
        st_alloc_fail_after(-1);
        if (rc == ST_OK) st_db_close(s);
        else assert_int_equal(rc, ST_ENOMEM);
    }
    st_rm_rf(dir);
    free(dir);
}

/* A key carries a name and a role; the store hands both back by key id,
 * lists them, and refuses names and roles it cannot record. */
static void test_key_roles(void **state) {
    (void)state;
    char *dir;
    st_db *s = open_tmp(&dir);
    st_error err;
    char key[96], id_r[24], id_a[24];
    assert_int_equal(st_db_key_add(s, "reader", ST_ROLE_READ, key, sizeof key, id_r, &err), ST_OK);
    assert_int_equal(st_db_key_add(s, "alice", ST_ROLE_ANALYST, key, sizeof key, id_a, &err), ST_OK);
    assert_int_equal(st_db_key_add(s, "", ST_ROLE_READ, key, sizeof key, id_a, &err), ST_EINVAL);
    assert_int_equal(st_db_key_add(s, "bad\nname", ST_ROLE_READ, key, sizeof key, id_a, &err), ST_EINVAL);
    assert_int_equal(st_db_key_add(s, "x", (st_role)9, key, sizeof key, id_a, &err), ST_EINVAL);
    st_key_info k;
    int found = 0;
    assert_int_equal(st_db_key_info(s, id_r, &k, &found, &err), ST_OK);
    assert_true(found);
    assert_string_equal(k.name, "reader");
    assert_int_equal(k.role, ST_ROLE_READ);
    assert_int_equal(st_db_key_info(s, id_a, &k, &found, &err), ST_OK);
    assert_true(found);
    assert_string_equal(k.name, "alice");
    assert_int_equal(k.role, ST_ROLE_ANALYST);
    assert_int_equal(st_db_key_revoke(s, id_a, &found, &err), ST_OK);
    assert_int_equal(st_db_key_info(s, id_a, &k, &found, &err), ST_OK);
    assert_false(found);
    json_t *keys = NULL;
    assert_int_equal(st_db_keys(s, &keys, &err), ST_OK);
    size_t i;
    json_t *kv;
    int seen = 0;
    json_array_foreach(keys, i, kv) {
        if (strcmp(json_string_value(json_object_get(kv, "name")), "reader") == 0) {
            assert_string_equal(json_string_value(json_object_get(kv, "role")), "read");
            seen = 1;
        }
    }
    assert_true(seen);
    json_decref(keys);
    st_role r;
    assert_int_equal(st_role_parse("admin", &r), ST_OK);
    assert_int_equal(r, ST_ROLE_ADMIN);
    assert_int_equal(st_role_parse("root", &r), ST_EINVAL);
    /* the audit trail keeps the key's name beside its id */
    st_audit_rec a = {"2026-01-01T10:00:00.000Z", id_r, "match", "q:1", "v1", "{}", "[]", "reader"};
    assert_int_equal(st_db_audit_add(s, &a, 1, &err), ST_OK);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    long n = 0;
    assert_int_equal(st_db_audit_export_csv(s, "", "", f, &n, &err), ST_OK);
    fclose(f);
    assert_non_null(strstr(buf, ",[],reader\r\n"));
    free(buf);
    close_tmp(s, dir);
}

/* Run text on the store at target (SQLite file or PostgreSQL URL). */
static void sql(const char *target, const char *text) {
    if (strncmp(target, "postgres", 8) == 0) {
        PGconn *c = PQconnectdb(target);
        assert_int_equal(PQstatus(c), CONNECTION_OK);
        PGresult *r = PQexec(c, text);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) fprintf(stderr, "%s\n", PQerrorMessage(c));
        assert_int_equal(PQresultStatus(r), PGRES_COMMAND_OK);
        PQclear(r);
        PQfinish(c);
        return;
    }
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(target, &db), SQLITE_OK);
    char *msg = NULL;
    int r = sqlite3_exec(db, text, NULL, NULL, &msg);
    if (r != SQLITE_OK) fprintf(stderr, "%s\n", msg);
    sqlite3_free(msg);
    sqlite3_close(db);
    assert_int_equal(r, SQLITE_OK);
}

/* A store made before keys had roles: its keys become admin keys under
 * their old label, its audit records gain an empty key name, nothing is
 * lost; opening it twice migrates once.  SQLite, or PostgreSQL with
 * ST_PG_URL. */
static void test_migrate_old_store(void **state) {
    (void)state;
    char *dir = st_test_tmpdir();
    char path[512], text[2048];
    const char *pg = getenv("ST_PG_URL");
    int on_pg = pg && *pg;
    if (on_pg) {
        snprintf(path, sizeof path, "%s", pg);
        sql(path, "SET client_min_messages = warning; DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
    } else snprintf(path, sizeof path, "%s/old.db", dir);
    snprintf(text, sizeof text,
             "CREATE TABLE audit (id %s, ts TEXT NOT NULL, key_id TEXT NOT NULL,"
             " endpoint TEXT NOT NULL, subject TEXT NOT NULL, snapshot TEXT NOT NULL,"
             " input TEXT NOT NULL, results TEXT NOT NULL);"
             "CREATE TABLE api_keys (id TEXT PRIMARY KEY, name TEXT NOT NULL,"
             " salt TEXT NOT NULL, hash TEXT NOT NULL, created TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);"
             "INSERT INTO api_keys VALUES ('00112233aabbccdd', 'onboarding', 's', 'h', '2025-01-01', 0);"
             "INSERT INTO audit (ts, key_id, endpoint, subject, snapshot, input, results)"
             " VALUES ('2025-01-01T00:00:00.000Z', '00112233aabbccdd', 'match', 'q:1', 'v', '{}', '[]');",
             on_pg ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT");
    sql(path, text);
    st_error err;
    /* read-only first: the old schema is read as it is, and left alone */
    st_db *ro = NULL;
    assert_int_equal(st_db_open_readonly(path, &ro, &err), ST_OK);
    json_t *keys = NULL;
    assert_int_equal(st_db_keys(ro, &keys, &err), ST_OK);
    assert_string_equal(json_string_value(json_object_get(json_array_get(keys, 0), "role")), "admin");
    json_decref(keys);
    long n = 0;
    assert_int_equal(st_db_audit_count(ro, &n, &err), ST_OK);
    assert_int_equal(n, 1);
    st_db_close(ro);
    for (int i = 0; i < 2; i++) {
        st_db *s = NULL;
        assert_int_equal(st_db_open(path, 2, &s, &err), ST_OK);
        st_key_info k;
        int found = 0;
        assert_int_equal(st_db_key_info(s, "00112233aabbccdd", &k, &found, &err), ST_OK);
        assert_true(found);
        assert_string_equal(k.name, "onboarding");
        assert_int_equal(k.role, ST_ROLE_ADMIN);
        assert_int_equal(st_db_audit_count(s, &n, &err), ST_OK);
        assert_int_equal(n, 1);
        st_db_close(s);
    }
    st_rm_rf(dir);
    free(dir);
}

/* The SQLite store and its -wal/-shm are 0600 whatever the umask, and an
 * older store's loose modes are tightened on open. */
static void test_store_private(void **state) {
    (void)state;
    if (getenv("ST_PG_URL") && *getenv("ST_PG_URL")) skip();
    char *dir = st_test_tmpdir();
    char path[512], side[560];
    snprintf(path, sizeof path, "%s/t.db", dir);
    mode_t old = umask(0);
    st_db *s = NULL;
    st_error err;
    assert_int_equal(st_db_open(path, 2, &s, &err), ST_OK);
    char key[96], id[24];
    assert_int_equal(st_db_key_add(s, "k", ST_ROLE_READ, key, sizeof key, id, &err), ST_OK);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    snprintf(side, sizeof side, "%s-wal", path);
    assert_int_equal(stat(side, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    snprintf(side, sizeof side, "%s-shm", path);
    assert_int_equal(stat(side, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    st_db_close(s);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(st_db_open(path, 2, &s, &err), ST_OK);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    st_db_close(s);
    umask(old);
    st_rm_rf(dir);
    free(dir);
}

/* A read-only open reads what is there, writes nothing, and needs no
 * -wal or -shm it cannot make. */
static void test_readonly(void **state) {
    (void)state;
    if (getenv("ST_PG_URL") && *getenv("ST_PG_URL")) skip();
    char *dir = st_test_tmpdir();
    char path[512];
    snprintf(path, sizeof path, "%s/t.db", dir);
    st_db *s = NULL, *ro = NULL;
    st_error err;
    assert_int_equal(st_db_open_readonly(path, &ro, &err), ST_ENOTFOUND);
    assert_int_equal(st_db_open(path, 2, &s, &err), ST_OK);
    st_audit_rec a = {"2026-01-01T10:00:00.000Z", "", "match", "q:1", "v1", "{}", "[]", "local"};
    assert_int_equal(st_db_audit_add(s, &a, 1, &err), ST_OK);
    st_db_close(s);
    assert_int_equal(st_db_open_readonly(path, &ro, &err), ST_OK);
    long n = 0;
    assert_int_equal(st_db_audit_count(ro, &n, &err), ST_OK);
    assert_int_equal(n, 1);
    char key[96], id[24];
    assert_int_equal(st_db_key_add(ro, "k", ST_ROLE_READ, key, sizeof key, id, &err), ST_EIO);
    st_db_close(ro);
    st_rm_rf(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_audit_export), cmocka_unit_test(test_decisions),
        cmocka_unit_test(test_keys),         cmocka_unit_test(test_monitoring),
        cmocka_unit_test(test_open_failures), cmocka_unit_test(test_key_roles),
        cmocka_unit_test(test_migrate_old_store), cmocka_unit_test(test_store_private),
        cmocka_unit_test(test_readonly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
