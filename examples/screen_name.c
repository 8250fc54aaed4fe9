/*
 * screen_name.c - screen one name against the current sanctions snapshot,
 * as a program of your own would: public headers only, linked against the
 * installed library through `pkg-config --libs sanctrace`.
 *
 *   screen_name DATA_DIR "Ri Pyong Chol" [NATIONALITY]
 *
 * DATA_DIR is the one `sanctrace update` filled.  Prints one line per
 * candidate (score, match flag, entity id, the list name that matched) and
 * exits 1 when any is a match, 0 when none is, 2 on error.
 */
#include <stdio.h>

#include <sanctrace/screen.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: screen_name DATA_DIR NAME [NATIONALITY]\n");
        return 2;
    }
    st_error err;
    char msg[1024];
    st_snapshot *snap = NULL;
    st_error_clear(&err);
    if (st_snapshot_open(argv[1], &snap, &err) != ST_OK) {
        fprintf(stderr, "screen_name: %s\n", st_error_format(&err, msg, sizeof msg));
        return 2;
    }
    st_query q = {0};
    q.name = argv[2];
    q.nationality = argc > 3 ? argv[3] : NULL;
    st_screen_opts opts = {-1, 5}; /* default threshold, at most 5 */
    st_match *m = NULL;
    size_t n = 0;
    int rc = st_screen(snap, &q, &opts, &m, &n, &err);
    if (rc != ST_OK) {
        fprintf(stderr, "screen_name: %s\n", st_error_format(&err, msg, sizeof msg));
        st_snapshot_release(snap);
        return 2;
    }
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        printf("%.3f\t%s\t%s\t%s\n", m[i].score, m[i].match ? "match" : "-", m[i].entity->id,
               m[i].name ? m[i].name : "");
        any |= m[i].match;
    }
    st_matches_free(m, n);
    st_snapshot_release(snap);
    return any ? 1 : 0;
}
