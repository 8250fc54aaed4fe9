/* fuzz_un_xml.c - the UN consolidated-list parser on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "core/alloc.h"
#include "lists/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    st_list l;
    st_error err;
    char *gen = NULL;
    st_list_init(&l);
    (void)st_parse_un_xml((const char *)data, size, "fuzz.xml", &l, &gen, &err);
    st_list_free(&l);
    st_free(gen);
    return 0;
}
