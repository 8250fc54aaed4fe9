/*
 * country.c - countries for applicant records: ISO codes, English names
 * and international calling codes, in one compact table.
 *
 * Why here and not in core: the rings engine needs calling codes (phone
 * numbers to E.164 with the record's country as default region), which no
 * other module needs.  The table is sorted by nothing; lookups are linear
 * over ~200 rows and happen once per distinct field value (callers cache).
 * Invariant: every row has a valid alpha-2, alpha-3 and calling code.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "rings/rings_int.h"

typedef struct rg_country_row {
    const char *iso2, *iso3, *cc, *name, *alt;
} rg_country_row;

static const rg_country_row countries[] = {
    {"AF", "AFG", "93", "afghanistan", NULL}, {"AL", "ALB", "355", "albania", NULL},
    {"DZ", "DZA", "213", "algeria", NULL}, {"AO", "AGO", "244", "angola", NULL},
    {"AR", "ARG", "54", "argentina", NULL}, {"AM", "ARM", "374", "armenia", NULL},
    {"AU", "AUS", "61", "australia", NULL}, {"AT", "AUT", "43", "austria", NULL},
    {"AZ", "AZE", "994", "azerbaijan", NULL}, {"BH", "BHR", "973", "bahrain", NULL},
    {"BD", "BGD", "880", "bangladesh", NULL}, {"BY", "BLR", "375", "belarus", NULL},
    {"BE", "BEL", "32", "belgium", NULL}, {"BO", "BOL", "591", "bolivia", NULL},
    {"BA", "BIH", "387", "bosnia and herzegovina", NULL}, {"BR", "BRA", "55", "brazil", NULL},
    {"BG", "BGR", "359", "bulgaria", NULL}, {"KH", "KHM", "855", "cambodia", NULL},
    {"CM", "CMR", "237", "cameroon", NULL}, {"CA", "CAN", "1", "canada", NULL},
    {"CL", "CHL", "56", "chile", NULL}, {"CN", "CHN", "86", "china", "people's republic of china"},
    {"CO", "COL", "57", "colombia", NULL}, {"CR", "CRI", "506", "costa rica", NULL},
    {"HR", "HRV", "385", "croatia", NULL}, {"CU", "CUB", "53", "cuba", NULL},
    {"CY", "CYP", "357", "cyprus", NULL}, {"CZ", "CZE", "420", "czechia", "czech republic"},
    {"DK", "DNK", "45", "denmark", NULL}, {"DO", "DOM", "1", "dominican republic", NULL},
    {"EC", "ECU", "593", "ecuador", NULL}, {"EG", "EGY", "20", "egypt", NULL},
    {"SV", "SLV", "503", "el salvador", NULL}, {"EE", "EST", "372", "estonia", NULL},
    {"ET", "ETH", "251", "ethiopia", NULL}, {"FI", "FIN", "358", "finland", NULL},
    {"FR", "FRA", "33", "france", NULL}, {"GE", "GEO", "995", "georgia", NULL},
    {"DE", "DEU", "49", "germany", NULL}, {"GH", "GHA", "233", "ghana", NULL},
    {"GR", "GRC", "30", "greece", NULL}, {"GT", "GTM", "502", "guatemala", NULL},
    {"HN", "HND", "504", "honduras", NULL}, {"HK", "HKG", "852", "hong kong", NULL},
    {"HU", "HUN", "36", "hungary", NULL}, {"IS", "ISL", "354", "iceland", NULL},
    {"IN", "IND", "91", "india", NULL}, {"ID", "IDN", "62", "indonesia", NULL},
    {"IR", "IRN", "98", "iran", NULL}, {"IQ", "IRQ", "964", "iraq", NULL},
    {"IE", "IRL", "353", "ireland", NULL}, {"IL", "ISR", "972", "israel", NULL},
    {"IT", "ITA", "39", "italy", NULL}, {"JM", "JAM", "1", "jamaica", NULL},
    {"JP", "JPN", "81", "japan", NULL}, {"JO", "JOR", "962", "jordan", NULL},
    {"KZ", "KAZ", "7", "kazakhstan", NULL}, {"KE", "KEN", "254", "kenya", NULL},
    {"KP", "PRK", "850", "north korea", "democratic people's republic of korea"},
    {"KR", "KOR", "82", "south korea", "republic of korea"},
    {"KW", "KWT", "965", "kuwait", NULL}, {"KG", "KGZ", "996", "kyrgyzstan", NULL},
    {"LA", "LAO", "856", "laos", NULL}, {"LV", "LVA", "371", "latvia", NULL},
    {"LB", "LBN", "961", "lebanon", NULL}, {"LY", "LBY", "218", "libya", NULL},
    {"LT", "LTU", "370", "lithuania", NULL}, {"LU", "LUX", "352", "luxembourg", NULL},
    {"MO", "MAC", "853", "macao", "macau"}, {"MY", "MYS", "60", "malaysia", NULL},
    {"MT", "MLT", "356", "malta", NULL}, {"MX", "MEX", "52", "mexico", NULL},
    {"MD", "MDA", "373", "moldova", NULL}, {"MN", "MNG", "976", "mongolia", NULL},
    {"ME", "MNE", "382", "montenegro", NULL}, {"MA", "MAR", "212", "morocco", NULL},
    {"MM", "MMR", "95", "myanmar", "burma"}, {"NP", "NPL", "977", "nepal", NULL},
    {"NL", "NLD", "31", "netherlands", NULL}, {"NZ", "NZL", "64", "new zealand", NULL},
    {"NI", "NIC", "505", "nicaragua", NULL}, {"NG", "NGA", "234", "nigeria", NULL},
    {"MK", "MKD", "389", "north macedonia", NULL}, {"NO", "NOR", "47", "norway", NULL},
    {"OM", "OMN", "968", "oman", NULL}, {"PK", "PAK", "92", "pakistan", NULL},
    {"PA", "PAN", "507", "panama", NULL}, {"PY", "PRY", "595", "paraguay", NULL},
    {"PE", "PER", "51", "peru", NULL}, {"PH", "PHL", "63", "philippines", NULL},
    {"PL", "POL", "48", "poland", NULL}, {"PT", "PRT", "351", "portugal", NULL},
    {"PR", "PRI", "1", "puerto rico", NULL}, {"QA", "QAT", "974", "qatar", NULL},
    {"RO", "ROU", "40", "romania", NULL}, {"RU", "RUS", "7", "russia", "russian federation"},
    {"SA", "SAU", "966", "saudi arabia", NULL}, {"SN", "SEN", "221", "senegal", NULL},
    {"RS", "SRB", "381", "serbia", NULL}, {"SG", "SGP", "65", "singapore", NULL},
    {"SK", "SVK", "421", "slovakia", NULL}, {"SI", "SVN", "386", "slovenia", NULL},
    {"ZA", "ZAF", "27", "south africa", NULL}, {"ES", "ESP", "34", "spain", NULL},
    {"LK", "LKA", "94", "sri lanka", NULL}, {"SD", "SDN", "249", "sudan", NULL},
    {"SE", "SWE", "46", "sweden", NULL}, {"CH", "CHE", "41", "switzerland", NULL},
    {"SY", "SYR", "963", "syria", NULL}, {"TW", "TWN", "886", "taiwan", NULL},
    {"TJ", "TJK", "992", "tajikistan", NULL}, {"TZ", "TZA", "255", "tanzania", NULL},
    {"TH", "THA", "66", "thailand", NULL}, {"TN", "TUN", "216", "tunisia", NULL},
    {"TR", "TUR", "90", "turkey", "turkiye"}, {"TM", "TKM", "993", "turkmenistan", NULL},
    {"UG", "UGA", "256", "uganda", NULL}, {"UA", "UKR", "380", "ukraine", NULL},
    {"AE", "ARE", "971", "united arab emirates", "uae"},
    {"GB", "GBR", "44", "united kingdom", "uk"}, {"US", "USA", "1", "united states", "usa"},
    {"UY", "URY", "598", "uruguay", NULL}, {"UZ", "UZB", "998", "uzbekistan", NULL},
    {"VE", "VEN", "58", "venezuela", NULL}, {"VN", "VNM", "84", "vietnam", "viet nam"},
    {"YE", "YEM", "967", "yemen", NULL}, {"ZM", "ZMB", "260", "zambia", NULL},
    {"ZW", "ZWE", "263", "zimbabwe", NULL},
};
#define NCOUNTRIES (sizeof countries / sizeof countries[0])

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

static const rg_country_row *country_row(const char *in) {
    char f[96];
    country_fold(in, f, sizeof f);
    size_t len = strlen(f);
    if (len == 0) return NULL;
    if (strcmp(f, "korea north") == 0 || strcmp(f, "dprk") == 0) return country_row("KP");
    if (strcmp(f, "korea south") == 0 || strcmp(f, "korea") == 0) return country_row("KR");
    for (size_t i = 0; i < NCOUNTRIES; i++) {
        const rg_country_row *c = &countries[i];
        if ((len == 2 && strncasecmp(f, c->iso2, 2) == 0) || (len == 3 && strcasecmp(f, c->iso3) == 0) ||
            strcmp(f, c->name) == 0 || (c->alt && strcmp(f, c->alt) == 0))
            return c;
    }
    return NULL;
}

int rg_country(const char *in, char out[3]) {
    out[0] = 0;
    if (!in) return 0;
    const rg_country_row *c = country_row(in);
    if (!c) return 0;
    memcpy(out, c->iso2, 3);
    return 1;
}

const char *rg_calling_code(const char *iso2) {
    if (!iso2 || !iso2[0]) return NULL;
    for (size_t i = 0; i < NCOUNTRIES; i++)
        if (strcmp(countries[i].iso2, iso2) == 0) return countries[i].cc;
    return NULL;
}

/* Does a country name (or code) occur as a word in free text, e.g. the
 * education field "Kim Chaek University of Technology, Pyongyang, DPRK"?
 * Looks at the last comma-separated part, then the whole text. */
int rg_country_in_text(const char *text, char out[3]) {
    out[0] = 0;
    if (!text || !*text) return 0;
    const char *comma = strrchr(text, ',');
    if (comma && rg_country(comma + 1, out)) return 1;
    char f[512];
    country_fold(text, f, sizeof f);
    for (size_t i = 0; i < NCOUNTRIES; i++) {
        const char *nm = countries[i].name;
        const char *p = strstr(f, nm);
        size_t l = strlen(nm);
        if (p && (p == f || p[-1] == ' ') && (p[l] == 0 || p[l] == ' ')) {
            memcpy(out, countries[i].iso2, 3);
            return 1;
        }
    }
    return 0;
}
