/* fuzz_ofac_csv.c - the OFAC CSV set and its remarks parser on arbitrary
 * bytes.  The input is split on form feeds into sdn.csv, add.csv, alt.csv
 * and sdn_comments.csv; the whole input is also fed to the remarks parser
 * and to the one-address-a-line reader. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/alloc.h"
#include "lists/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const char *p = (const char *)data, *end = p + size;
    st_ofac_set set;
    st_ofac_file *slot[4] = {&set.prim, &set.add, &set.alt, &set.comments};
    static const char *const names[4] = {"sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"};
    memset(&set, 0, sizeof set);
    for (int i = 0; i < 4 && p <= end; i++) {
        const char *ff = memchr(p, '\f', (size_t)(end - p));
        const char *stop = ff ? ff : end;
        slot[i]->data = p;
        slot[i]->len = (size_t)(stop - p);
        slot[i]->name = names[i];
        if (!ff) break;
        p = ff + 1;
    }
    st_list l;
    st_error err;
    st_list_init(&l);
    (void)st_parse_ofac(&set, "ofac", &l, &err);
    st_list_free(&l);

    char *text = st_strndup((const char *)data, size); /* remarks are NUL-terminated text */
    if (text) {
        st_entity *e;
        st_list_init(&l);
        if (st_entity_new(&e, "ofac:1", "ofac", ST_SCHEMA_UNKNOWN) == ST_OK) {
            (void)st_ofac_remarks_parse(e, text, &l, "fuzz", 1);
            st_entity_free(e);
        }
        st_list_free(&l);
        st_pdate d;
        (void)st_pdate_parse(text, &d);
        char cc[3];
        (void)st_country_code(text, cc);
        st_free(text);
    }
    st_list_init(&l);
    (void)st_parse_wallet_lines((const char *)data, size, "fuzz.txt", "XBT", "ofac-crypto", &l, &err);
    st_list_free(&l);
    return 0;
}
