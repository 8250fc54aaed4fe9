/*
 * country.c - countries for applicant records: names and codes through the
 * library's ISO 3166 table (st_country_code), plus the international
 * calling codes that only the rings engine needs (phone numbers to E.164
 * with the record's country as default region).
 *
 * Invariant: the calling-code table is sorted by alpha-2 code (the tests
 * check every row resolves); lookups happen once per distinct field
 * value (callers cache).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "rings/rings_int.h"
#include "sanctrace/entity.h"

typedef struct rg_calling_row {
    char iso2[3];
    const char *cc;
} rg_calling_row;

static const rg_calling_row calling[] = {
    {"AE", "971"}, {"AF", "93"}, {"AL", "355"}, {"AM", "374"}, {"AO", "244"}, {"AR", "54"},
    {"AT", "43"}, {"AU", "61"}, {"AZ", "994"}, {"BA", "387"}, {"BD", "880"}, {"BE", "32"},
    {"BG", "359"}, {"BH", "973"}, {"BO", "591"}, {"BR", "55"}, {"BY", "375"}, {"CA", "1"},
    {"CH", "41"}, {"CL", "56"}, {"CM", "237"}, {"CN", "86"}, {"CO", "57"}, {"CR", "506"},
    {"CU", "53"}, {"CY", "357"}, {"CZ", "420"}, {"DE", "49"}, {"DK", "45"}, {"DO", "1"},
    {"DZ", "213"}, {"EC", "593"}, {"EE", "372"}, {"EG", "20"}, {"ES", "34"}, {"ET", "251"},
    {"FI", "358"}, {"FR", "33"}, {"GB", "44"}, {"GE", "995"}, {"GH", "233"}, {"GR", "30"},
    {"GT", "502"}, {"HK", "852"}, {"HN", "504"}, {"HR", "385"}, {"HU", "36"}, {"ID", "62"},
    {"IE", "353"}, {"IL", "972"}, {"IN", "91"}, {"IQ", "964"}, {"IR", "98"}, {"IS", "354"},
    {"IT", "39"}, {"JM", "1"}, {"JO", "962"}, {"JP", "81"}, {"KE", "254"}, {"KG", "996"},
    {"KH", "855"}, {"KP", "850"}, {"KR", "82"}, {"KW", "965"}, {"KZ", "7"}, {"LA", "856"},
    {"LB", "961"}, {"LK", "94"}, {"LT", "370"}, {"LU", "352"}, {"LV", "371"}, {"LY", "218"},
    {"MA", "212"}, {"MD", "373"}, {"ME", "382"}, {"MK", "389"}, {"MM", "95"}, {"MN", "976"},
    {"MO", "853"}, {"MT", "356"}, {"MX", "52"}, {"MY", "60"}, {"NG", "234"}, {"NI", "505"},
    {"NL", "31"}, {"NO", "47"}, {"NP", "977"}, {"NZ", "64"}, {"OM", "968"}, {"PA", "507"},
    {"PE", "51"}, {"PH", "63"}, {"PK", "92"}, {"PL", "48"}, {"PR", "1"}, {"PT", "351"},
    {"PY", "595"}, {"QA", "974"}, {"RO", "40"}, {"RS", "381"}, {"RU", "7"}, {"SA", "966"},
    {"SD", "249"}, {"SE", "46"}, {"SG", "65"}, {"SI", "386"}, {"SK", "421"}, {"SN", "221"},
    {"SV", "503"}, {"SY", "963"}, {"TH", "66"}, {"TJ", "992"}, {"TM", "993"}, {"TN", "216"},
    {"TR", "90"}, {"TW", "886"}, {"TZ", "255"}, {"UA", "380"}, {"UG", "256"}, {"US", "1"},
    {"UY", "598"}, {"UZ", "998"}, {"VE", "58"}, {"VN", "84"}, {"YE", "967"}, {"ZA", "27"},
    {"ZM", "260"}, {"ZW", "263"},
};
#define NCALLING (sizeof calling / sizeof calling[0])

/* Lower-case letters and single spaces; "Korea, North" -> "korea north". */
static void country_fold(const char *in, char *out, size_t n) {
    size_t j = 0;
    int space = 0;
    for (; *in && j + 1 < n; in++) {
        unsigned char c = (unsigned char)*in;
        if (isalpha(c) || c == '\'') {
            if (space && j) out[j++] = ' ';
            if (j + 1 < n) out[j++] = (char)tolower(c);
            space = 0;
        } else space = 1;
    }
    out[j] = 0;
}

int rg_country(const char *in, char out[3]) {
    out[0] = 0;
    if (!in) return 0;
    char f[96];
    country_fold(in, f, sizeof f);
    if (!f[0]) return 0;
    /* applicants who write "Korea" mean the South */
    if (!strcmp(f, "korea") || !strcmp(f, "korea south")) {
        memcpy(out, "KR", 3);
        return 1;
    }
    if (st_country_code(in, out) == ST_OK || st_country_code(f, out) == ST_OK) return 1;
    out[0] = 0;
    return 0;
}

static int calling_cmp(const void *key, const void *row) {
    return strcmp((const char *)key, ((const rg_calling_row *)row)->iso2);
}

const char *rg_calling_code(const char *iso2) {
    if (!iso2 || !iso2[0]) return NULL;
    const rg_calling_row *r = bsearch(iso2, calling, NCALLING, sizeof calling[0], calling_cmp);
    return r ? r->cc : NULL;
}

int rg_calling_table_ok(void) {
    for (size_t i = 0; i < NCALLING; i++) {
        char out[3];
        if (i && strcmp(calling[i - 1].iso2, calling[i].iso2) >= 0) return 0;
        if (st_country_code(calling[i].iso2, out) != ST_OK || strcmp(out, calling[i].iso2)) return 0;
    }
    return 1;
}

/* Does a country name occur as words in free text, e.g. the education
 * field "Kim Chaek University of Technology, Pyongyang, DPRK"?  Looks at
 * the last comma-separated part, then at every run of one to four words
 * of four letters or more in all (two- and three-letter runs would be
 * read as ISO codes: "in", "us"). */
int rg_country_in_text(const char *text, char out[3]) {
    out[0] = 0;
    if (!text || !*text) return 0;
    const char *comma = strrchr(text, ',');
    if (comma && rg_country(comma + 1, out)) return 1;
    char f[512];
    country_fold(text, f, sizeof f);
    const char *w[128] = {0};
    size_t nw = 0;
    for (char *p = f; *p && nw < 128;) {
        w[nw++] = p;
        char *sp = strchr(p, ' ');
        if (!sp) break;
        p = sp + 1;
    }
    for (size_t k = 4; k >= 1; k--)
        for (size_t i = 0; i + k <= nw; i++) {
            const char *end = i + k < nw ? w[i + k] - 1 : w[i] + strlen(w[i]);
            size_t len = (size_t)(end - w[i]);
            char run[96];
            if (len < 4 || len >= sizeof run) continue;
            memcpy(run, w[i], len);
            run[len] = 0;
            if (st_country_code(run, out) == ST_OK) return 1;
        }
    out[0] = 0;
    return 0;
}
