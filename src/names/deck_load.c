/*
 * deck_load.c - the DPRK individuals the deck is built from, read straight
 * from the official files for `make eval` and the tests.
 *
 * Design: the screening layer feeds the deck from its snapshot; this
 * reader exists so the accuracy figures can be reproduced from
 * ../shared/data alone.  It reads only what the deck needs - the names and
 * aliases of UN KPi.* individuals (libxml2 streaming reader) and the
 * names of individuals in OFAC's DPRK programmes (sdn.csv) - and reports
 * unreadable files with their path.  Duplicates are dropped.
 */
#include <stdio.h>
#include <string.h>

#include <libxml/xmlreader.h>

#include "core/alloc.h"
#include "core/csv.h"
#include "core/fs.h"
#include "sanctrace/eval.h"
#include "sanctrace/names.h"

void st_name_list_free(st_name_list *l) {
    for (size_t i = 0; i < l->n; i++) st_free(l->v[i]);
    st_free(l->v);
    memset(l, 0, sizeof *l);
}

int st_name_list_push(st_name_list *l, const char *s) {
    if (!s || !*s) return ST_OK;
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0) return ST_OK;
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 256;
        char **nv = st_realloc(l->v, nc * sizeof *nv);
        if (!nv) return ST_ENOMEM;
        l->v = nv;
        l->cap = nc;
    }
    if (!(l->v[l->n] = st_strdup(s))) return ST_ENOMEM;
    l->n++;
    return ST_OK;
}

/* DPRK individuals of the UN consolidated list: KPi.* names and aliases. */
static int read_un_dprk(const char *path, st_name_list *out, st_error *err) {
    xmlTextReaderPtr r = xmlReaderForFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!r) return st_error_at(err, ST_EIO, path, 0, -1, "cannot open the UN list");
    char parts[3][128] = {"", "", ""}, ref[32] = "";
    char *aliases[32];
    size_t na = 0;
    int in_ind = 0, rc = ST_OK, ret;
    while ((ret = xmlTextReaderRead(r)) == 1) {
        int type = xmlTextReaderNodeType(r);
        const char *nm = (const char *)xmlTextReaderConstName(r);
        if (type == XML_READER_TYPE_ELEMENT && !strcmp(nm, "INDIVIDUAL")) {
            in_ind = 1;
            parts[0][0] = parts[1][0] = parts[2][0] = ref[0] = 0;
            na = 0;
        } else if (type == XML_READER_TYPE_END_ELEMENT && !strcmp(nm, "INDIVIDUAL")) {
            if (!strncmp(ref, "KPi", 3)) {
                char full[400];
                snprintf(full, sizeof full, "%s%s%s%s%s", parts[0], parts[1][0] ? " " : "", parts[1],
                         parts[2][0] ? " " : "", parts[2]);
                if (rc == ST_OK) rc = st_name_list_push(out, full);
                for (size_t i = 0; i < na && rc == ST_OK; i++) rc = st_name_list_push(out, aliases[i]);
            }
            for (size_t i = 0; i < na; i++) xmlFree(aliases[i]);
            na = 0;
            in_ind = 0;
        } else if (in_ind && type == XML_READER_TYPE_ELEMENT) {
            int slot = !strcmp(nm, "FIRST_NAME") ? 0 : !strcmp(nm, "SECOND_NAME") ? 1
                     : !strcmp(nm, "THIRD_NAME") ? 2 : !strcmp(nm, "REFERENCE_NUMBER") ? 3
                     : !strcmp(nm, "ALIAS_NAME") ? 4 : -1;
            if (slot < 0) continue;
            xmlChar *txt = xmlTextReaderReadString(r);
            if (!txt) continue;
            if (slot < 3) snprintf(parts[slot], sizeof parts[slot], "%s", (char *)txt);
            else if (slot == 3) snprintf(ref, sizeof ref, "%s", (char *)txt);
            if (slot == 4 && na < 32) { aliases[na++] = (char *)txt; continue; }
            xmlFree(txt);
        }
    }
    for (size_t i = 0; i < na; i++) xmlFree(aliases[i]);
    if (ret < 0 && rc == ST_OK) rc = st_error_at(err, ST_EPARSE, path, 0, -1, "malformed XML");
    xmlFreeTextReader(r);
    return rc;
}

/* DPRK-programme individuals of an OFAC sdn.csv (no header; name in column 2). */
static int read_ofac_dprk(const char *path, st_name_list *out, st_error *err) {
    char *data;
    size_t len;
    int rc = st_file_read(path, 256u << 20, &data, &len, err);
    if (rc != ST_OK) return rc;
    st_csv *c;
    if ((rc = st_csv_open(&c, data, len, path, ST_CSV_CP1252 | ST_CSV_TRIM)) != ST_OK) { st_free(data); return rc; }
    int r;
    while ((r = st_csv_next(c, err)) != 0 && rc == ST_OK) {
        if (r < 0) continue;
        if (st_csv_nfields(c) < 4) continue;
        if (strstr(st_csv_field(c, 3), "DPRK") && !strcmp(st_csv_field(c, 2), "individual"))
            rc = st_name_list_push(out, st_csv_field(c, 1));
    }
    st_csv_close(c);
    st_free(data);
    return rc;
}


int st_deck_load_names(const char *un_xml, const char *ofac_sdn_csv, const char *lines_file,
                       st_name_list *out, st_error *err) {
    int rc = ST_OK;
    if (un_xml) rc = read_un_dprk(un_xml, out, err);
    if (rc == ST_OK && ofac_sdn_csv) rc = read_ofac_dprk(ofac_sdn_csv, out, err);
    if (rc == ST_OK && lines_file) {
        char *data;
        size_t len;
        if ((rc = st_file_read(lines_file, 64u << 20, &data, &len, err)) == ST_OK) {
            char *save = NULL;
            for (char *line = strtok_r(data, "\r\n", &save); line && rc == ST_OK;
                 line = strtok_r(NULL, "\r\n", &save))
                rc = st_name_list_push(out, line);
            st_free(data);
        }
    }
    if (rc != ST_OK && err && !err->code) st_error_set(err, rc, "reading DPRK names failed");
    if (rc != ST_OK) st_name_list_free(out);
    return rc;
}
