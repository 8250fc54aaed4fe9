/*
 * synth.c - synthetic applicants with planted operations and traps.
 *
 * Design: the generator writes what an honest population and a few IT-
 * worker operations look like to a hiring pipeline, so that the engine can
 * be scored against a known truth:
 *  - operations: personas with their own fabricated names, birth dates and
 *    e-mails that share payout accounts (often crypto or third-country),
 *    laptop-farm shipping addresses, devices, VoIP phones, recovery
 *    e-mails, reused photos (PDQ hashes a few bits apart) and résumés
 *    (a word or two changed), and log in during Korean office hours;
 *  - innocents: mostly single records; some appear two or three times
 *    (same name and birth date, a new e-mail, sometimes a nickname);
 *  - traps: a staffing agency's address (home or shipping) shared by
 *    dozens, a coworking VPN's /24, a résumé template used verbatim by
 *    many, big employers, common schools, and honest applicants with one
 *    or two indicators (a VoIP number, late hours, a foreign nationality).
 * Ids are a bijective scramble of the record number, so rows of one
 * operation are not adjacent in id order.  Invariant: the truth file has
 * one row per record: id, cluster (operation or person), role.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/csv.h"
#include "core/fs.h"
#include "core/progress.h"
#include "core/rand.h"
#include "rings/rings_int.h"

typedef st_rng rng;

static uint64_t rnd(rng *g) { return st_rng_next(g); }
static uint32_t rn(rng *g, uint32_t n) { return (uint32_t)st_rng_below(g, n); }
static double ru(rng *g) { return st_rng_unit(g); }
static int chance(rng *g, double p) { return ru(g) < p; }

/* Built-in name lists (a mix of common given names and surnames). */
static const char *const given_builtin[] = {
    "james", "mary", "john", "patricia", "robert", "jennifer", "michael", "linda", "william", "elizabeth",
    "david", "barbara", "richard", "susan", "joseph", "jessica", "thomas", "sarah", "charles", "karen",
    "christopher", "nancy", "daniel", "lisa", "matthew", "betty", "anthony", "margaret", "mark", "sandra",
    "donald", "ashley", "steven", "kimberly", "paul", "emily", "andrew", "donna", "joshua", "michelle",
    "kenneth", "dorothy", "kevin", "carol", "brian", "amanda", "george", "melissa", "timothy", "deborah",
    "ronald", "stephanie", "edward", "rebecca", "jason", "sharon", "jeffrey", "laura", "ryan", "cynthia",
    "jacob", "kathleen", "gary", "amy", "nicholas", "angela", "eric", "shirley", "jonathan", "anna",
    "stephen", "brenda", "larry", "pamela", "justin", "emma", "scott", "nicole", "brandon", "helen",
    "benjamin", "samantha", "samuel", "katherine", "gregory", "christine", "alexander", "debra", "frank",
    "rachel", "patrick", "carolyn", "raymond", "janet", "jack", "catherine", "dennis", "maria", "jerry",
    "heather", "tyler", "diane", "aaron", "ruth", "jose", "julie", "adam", "olivia", "nathan", "joyce",
    "henry", "virginia", "douglas", "victoria", "zachary", "kelly", "peter", "lauren", "kyle", "christina",
    "priya", "rahul", "anil", "sunita", "wei", "li", "hiroshi", "yuki", "min", "ji", "olga", "ivan",
    "piotr", "anna", "lukas", "sofia", "mateo", "lucia", "ahmed", "fatima", "kwame", "amara", "jose",
    "carmen", "diego", "valentina", "noah", "mia", "liam", "ava", "ethan", "chloe", "arjun", "ananya"};
static const char *const surname_builtin[] = {
    "smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez", "martinez",
    "hernandez", "lopez", "gonzalez", "wilson", "anderson", "thomas", "taylor", "moore", "jackson", "martin",
    "lee", "perez", "thompson", "white", "harris", "sanchez", "clark", "ramirez", "lewis", "robinson",
    "walker", "young", "allen", "king", "wright", "scott", "torres", "nguyen", "hill", "flores", "green",
    "adams", "nelson", "baker", "hall", "rivera", "campbell", "mitchell", "carter", "roberts", "gomez",
    "phillips", "evans", "turner", "diaz", "parker", "cruz", "edwards", "collins", "reyes", "stewart",
    "morris", "morales", "murphy", "cook", "rogers", "gutierrez", "ortiz", "morgan", "cooper", "peterson",
    "bailey", "reed", "kelly", "howard", "ramos", "kim", "cox", "ward", "richardson", "watson", "brooks",
    "chavez", "wood", "james", "bennett", "gray", "mendoza", "ruiz", "hughes", "price", "alvarez", "castillo",
    "sanders", "patel", "myers", "long", "ross", "foster", "jimenez", "powell", "jenkins", "perry", "russell",
    "sullivan", "bell", "coleman", "butler", "henderson", "barnes", "gonzales", "fisher", "vasquez",
    "simmons", "romero", "jordan", "patterson", "alexander", "hamilton", "graham", "reynolds", "griffin",
    "wallace", "moreno", "west", "cole", "hayes", "bryant", "herrera", "gibson", "ellis", "tran", "medina",
    "aguilar", "stevens", "murray", "ford", "castro", "marshall", "owens", "harrison", "fernandez",
    "mcdonald", "woods", "washington", "kennedy", "wells", "vargas", "henry", "chen", "freeman", "webb",
    "tucker", "guzman", "burns", "crawford", "olson", "simpson", "porter", "hunter", "gordon", "mendez",
    "silva", "shaw", "snyder", "mason", "dixon", "munoz", "hunt", "hicks", "holmes", "palmer", "wagner",
    "black", "robertson", "boyd", "rose", "stone", "salazar", "fox", "warren", "mills", "meyer", "rice",
    "schmidt", "garza", "daniels", "ferguson", "nichols", "stephens", "soto", "weaver", "ryan", "gardner",
    "payne", "grant", "dunn", "kowalski", "nowak", "sharma", "singh", "kumar", "wang", "zhang", "liu",
    "tanaka", "sato", "suzuki", "park", "choi", "ivanov", "petrov", "mueller", "schneider", "fischer",
    "okafor", "mensah", "santos", "oliveira", "costa", "rossi", "russo", "dubois", "moreau", "novak"};

static const char *const streets[] = {"oak", "maple", "cedar", "pine", "elm", "washington", "lake", "hill",
                                      "park", "main", "church", "high", "mill", "station", "victoria",
                                      "king", "queen", "river", "spring", "forest", "sunset", "meadow",
                                      "willow", "chestnut", "highland", "franklin", "jefferson", "madison"};
static const char *const street_types[] = {"street", "st", "avenue", "road", "lane", "drive", "court", "way"};
static const char *const cities[] = {"springfield", "riverside", "fairview", "georgetown", "madison", "clinton",
                                     "franklin", "greenville", "bristol", "salem", "oxford", "arlington",
                                     "ashland", "burlington", "dover", "hudson", "kingston", "milton"};
static const char *const providers[] = {"gmail.com", "outlook.com", "yahoo.com", "hotmail.com", "icloud.com",
                                        "proton.me", "mail.com", "gmx.de"};
static const char *const big_employers[] = {"Amazon", "Accenture", "Tata Consultancy Services", "Infosys",
                                            "Walmart", "Deloitte", "IBM", "Cognizant"};
static const char *const schools[] = {"State University", "University of Phoenix", "Community College",
                                      "Open University", "Coursera", "Technical Institute"};
static const char *const skills[] = {
    "java", "python", "react", "node", "kubernetes", "docker", "aws", "azure", "golang", "rust", "sql",
    "postgres", "mongodb", "redis", "kafka", "spark", "terraform", "ansible", "linux", "android", "ios",
    "swift", "kotlin", "flutter", "unity", "blockchain", "solidity", "web3", "graphql", "django", "flask",
    "spring", "angular", "vue", "typescript", "javascript", "php", "laravel", "ruby", "rails", "scala",
    "hadoop", "airflow", "pandas", "pytorch", "tensorflow", "nlp", "vision", "devops", "security",
    "payments", "fintech", "ecommerce", "saas", "microservices", "testing", "selenium", "jenkins", "ci",
    "agile", "scrum", "leadership", "mentoring", "architecture", "performance", "scalability", "mobile",
    "backend", "frontend", "fullstack", "cloud", "data", "analytics", "design", "api", "rest", "grpc"};
static const char *const verbs[] = {"built", "designed", "led", "shipped", "scaled", "maintained", "migrated",
                                    "optimised", "delivered", "automated", "launched", "owned", "refactored"};

typedef struct country_info {
    const char *iso2, *cc, *tz[3];
    int ntz, tz_hours[3];
    double share;
} country_info;

static const country_info lands[] = {
    {"US", "1", {"America/New_York", "America/Chicago", "America/Los_Angeles"}, 3, {-5, -6, -8}, 0.40},
    {"GB", "44", {"Europe/London"}, 1, {0}, 0.10},
    {"CA", "1", {"America/Toronto", "America/Vancouver"}, 2, {-5, -8}, 0.08},
    {"DE", "49", {"Europe/Berlin"}, 1, {1}, 0.07},
    {"IN", "91", {"Asia/Kolkata"}, 1, {5}, 0.08},
    {"PH", "63", {"Asia/Manila"}, 1, {8}, 0.05},
    {"PL", "48", {"Europe/Warsaw"}, 1, {1}, 0.05},
    {"BR", "55", {"America/Sao_Paulo"}, 1, {-3}, 0.05},
    {"UA", "380", {"Europe/Kyiv"}, 1, {2}, 0.04},
    {"AU", "61", {"Australia/Sydney"}, 1, {10}, 0.04},
    {"JP", "81", {"Asia/Tokyo"}, 1, {9}, 0.04},
};
#define NLANDS (sizeof lands / sizeof lands[0])

typedef struct namelist {
    char **names;
    double *cum;
    size_t n;
} namelist;

static void namelist_free(namelist *l) {
    for (size_t i = 0; i < l->n; i++) st_free(l->names[i]);
    st_free(l->names);
    st_free(l->cum);
    memset(l, 0, sizeof *l);
}

/* FEBRL frequency table: "name,count" rows; comments start with '#'. */
static int namelist_load(namelist *l, const char *dir, const char *file) {
    char path[4096];
    if (st_path_join(path, sizeof path, dir, file) != ST_OK) return ST_ELIMIT;
    char *data;
    size_t len;
    st_error e;
    if (st_file_read(path, 64u << 20, &data, &len, &e) != ST_OK) return ST_EIO;
    size_t cap = 0;
    double total = 0;
    for (char *p = data, *nl; p < data + len; p = nl + 1) {
        nl = memchr(p, '\n', (size_t)(data + len - p));
        if (!nl) nl = data + len;
        *nl = 0;
        if (*p == '#' || !*p) continue;
        char *comma = strchr(p, ',');
        if (!comma || comma == p) continue;
        *comma = 0;
        double c = atof(comma + 1);
        if (c <= 0) continue;
        if (l->n == cap) {
            cap = cap ? cap * 2 : 1024;
            char **nn = st_realloc(l->names, cap * sizeof *nn);
            double *nc = st_realloc(l->cum, cap * sizeof *nc);
            if (nn) l->names = nn;
            if (nc) l->cum = nc;
            if (!nn || !nc) { st_free(data); return ST_ENOMEM; }
        }
        if (!(l->names[l->n] = st_strdup(p))) { st_free(data); return ST_ENOMEM; }
        total += c;
        l->cum[l->n++] = total;
    }
    st_free(data);
    return l->n ? ST_OK : ST_EPARSE;
}

static const char *pick_name(rng *g, const namelist *l, const char *const *builtin, size_t nb) {
    if (!l->n) return builtin[rn(g, (uint32_t)nb)];
    double x = ru(g) * l->cum[l->n - 1];
    size_t lo = 0, hi = l->n - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (l->cum[mid] < x) lo = mid + 1;
        else hi = mid;
    }
    return l->names[lo];
}

#define PICK(g, arr) (arr[rn((g), (uint32_t)(sizeof arr / sizeof arr[0]))])

static const country_info *pick_land(rng *g) {
    double x = ru(g), acc = 0;
    for (size_t i = 0; i < NLANDS; i++) {
        acc += lands[i].share;
        if (x < acc) return &lands[i];
    }
    return &lands[0];
}

/* One applicant as written. */
typedef struct app {
    char id[24], name[96], email[200], phone[120], phone_type[64], address[200], country[4], nationality[4],
        dob[16], employer[96], education[96], ip[64], device[120], payment[200], shipping[200], photo[70],
        resume[1200], tz[40], hours[80];
} app;

static void hex256(rng *g, uint64_t h[4]) { for (int i = 0; i < 4; i++) h[i] = rnd(g); }
static void photo_str(const uint64_t h[4], char *out) {
    snprintf(out, 70, "%016llx%016llx%016llx%016llx", (unsigned long long)h[0], (unsigned long long)h[1],
             (unsigned long long)h[2], (unsigned long long)h[3]);
}
static void flip_bits(rng *g, uint64_t h[4], int n) {
    for (int i = 0; i < n; i++) { int b = (int)rn(g, 256); h[b / 64] ^= 1ULL << (b % 64); }
}

static void make_phone(rng *g, const country_info *c, char *out, size_t n) {
    uint32_t a = 200 + rn(g, 700), b = rn(g, 10000000);
    switch (rn(g, 3)) {
    case 0: snprintf(out, n, "+%s %u %07u", c->cc, a, b); break;
    case 1:
        if (!strcmp(c->cc, "1")) snprintf(out, n, "(%u) %03u-%04u", a, b / 10000, b % 10000);
        else snprintf(out, n, "0%u %07u", a, b);
        break;
    default: snprintf(out, n, "00%s-%u-%07u", c->cc, a, b); break;
    }
}

static void make_address(rng *g, char *out, size_t n) {
    snprintf(out, n, "%u %s %s, %s %05u", 1 + rn(g, 2999), PICK(g, streets), PICK(g, street_types), PICK(g, cities),
             10000 + rn(g, 89999));
}

static void make_hours(rng *g, int utc_start, char *out, size_t n) {
    int k = 5 + (int)rn(g, 4);
    size_t j = 0;
    uint32_t seen = 0;
    for (int i = 0; i < k && j + 4 < n; i++) {
        int h = ((utc_start + (int)rn(g, 9)) % 24 + 24) % 24;
        if (seen & (1u << h)) continue;
        seen |= 1u << h;
        j += (size_t)snprintf(out + j, n - j, "%s%d", j ? ";" : "", h);
    }
}

static void make_resume(rng *g, char *out, size_t n, int words) {
    size_t j = 0;
    for (int i = 0; i < words && j + 32 < n; i++) {
        const char *w = i % 6 == 0 ? PICK(g, verbs) : PICK(g, skills);
        j += (size_t)snprintf(out + j, n - j, "%s%s", j ? " " : "", w);
    }
}

/* Change k words of a résumé in place (same length budget). */
static void mutate_resume(rng *g, const char *src, char *out, size_t n, int k) {
    snprintf(out, n, "%s", src);
    for (int i = 0; i < k; i++) {
        size_t len = strlen(out);
        if (len < 10) return;
        size_t pos = rn(g, (uint32_t)len);
        while (pos > 0 && out[pos - 1] != ' ') pos--;
        size_t end = pos;
        while (out[end] && out[end] != ' ') end++;
        const char *w = PICK(g, skills);
        char tmp[1200];
        snprintf(tmp, sizeof tmp, "%.*s%s%s", (int)pos, out, w, out + end);
        snprintf(out, n, "%s", tmp);
    }
}

/* Synthetic applicants are sanctrace's own test input, read back by
 * `rings`: written verbatim (phone numbers start with '+'). */
static void csv_field(st_buf *b, const char *s) { st_csv_buf_field(b, s, ST_CSV_VERBATIM); }

static int write_app(FILE *f, st_buf *b, const app *a) {
    const char *v[] = {a->id, a->name, a->email, a->phone, a->phone_type, a->address, a->country, a->nationality,
                       a->dob, a->employer, a->education, a->ip, a->device, a->payment, a->shipping, a->photo,
                       a->resume, a->tz, a->hours};
    st_buf_reset(b);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        if (i) st_buf_putc(b, ',');
        csv_field(b, v[i]);
    }
    st_buf_putc(b, '\n');
    return fwrite(b->data, 1, b->len, f) == b->len ? ST_OK : ST_EIO;
}

/* Bijective scramble of a counter into an id. */
static void make_id(uint64_t seed, uint64_t k, char *out) {
    uint64_t x = (k ^ (seed * 0x9E3779B97F4A7C15ULL)) & 0xffffffffffULL;
    for (int r = 0; r < 3; r++) {
        x = (x * 0x1F3D5B79ULL + 0x7F4A7C15ULL) & 0xffffffffffULL;
        x ^= x >> 17;
    }
    snprintf(out, 24, "A%010llx", (unsigned long long)x);
}

typedef struct synth_ctx {
    rng g;
    uint64_t seed, k;
    namelist given, surname;
    FILE *out, *truth;
    st_buf line;
    /* traps */
    char agency[8][200];
    char vpn[6][40];
    char template_text[1200];
    uint32_t nagency, nvpn;     /* pools scale with the file: each trap holds dozens or more */
    st_progress prog;
} synth_ctx;

static void person_name(synth_ctx *s, char *out, size_t n) {
    const char *gn = pick_name(&s->g, &s->given, given_builtin, sizeof given_builtin / sizeof given_builtin[0]);
    const char *sn = pick_name(&s->g, &s->surname, surname_builtin, sizeof surname_builtin / sizeof surname_builtin[0]);
    snprintf(out, n, "%c%s %c%s", gn[0] - 32 * (gn[0] >= 'a' && gn[0] <= 'z'), gn + 1,
             sn[0] - 32 * (sn[0] >= 'a' && sn[0] <= 'z'), sn + 1);
}

static void email_for(synth_ctx *s, const char *name, char *out, size_t n) {
    char t[96];
    size_t j = 0;
    for (const char *p = name; *p && j + 1 < sizeof t; p++)
        if (*p == ' ') t[j++] = rn(&s->g, 2) ? '.' : '_';
        else t[j++] = (char)(*p | 32);
    t[j] = 0;
    snprintf(out, n, "%s%u@%s", t, rn(&s->g, 10000), PICK(&s->g, providers));
}

static int emit(synth_ctx *s, app *a, const char *cluster, const char *role) {
    make_id(s->seed, s->k++, a->id);
    int rc = write_app(s->out, &s->line, a);
    if (rc == ST_OK && fprintf(s->truth, "%s,%s,%s\n", a->id, cluster, role) < 0) rc = ST_EIO;
    st_progress_tick(&s->prog, s->k);
    return rc;
}

/* An honest applicant (one record of a person). */
static void innocent(synth_ctx *s, app *a) {
    rng *g = &s->g;
    memset(a, 0, sizeof *a);
    const country_info *c = pick_land(g);
    person_name(s, a->name, sizeof a->name);
    email_for(s, a->name, a->email, sizeof a->email);
    make_phone(g, c, a->phone, sizeof a->phone);
    snprintf(a->phone_type, sizeof a->phone_type, "%s", chance(g, 0.03) ? "voip" : chance(g, 0.8) ? "mobile" : "home");
    int agency = chance(g, 0.03), agency_home = agency && chance(g, 0.5);
    if (agency_home) snprintf(a->address, sizeof a->address, "%s", s->agency[rn(g, s->nagency)]);
    else make_address(g, a->address, sizeof a->address);
    snprintf(a->country, sizeof a->country, "%s", c->iso2);
    snprintf(a->nationality, sizeof a->nationality, "%s", chance(g, 0.12) ? lands[rn(g, NLANDS)].iso2 : c->iso2);
    snprintf(a->dob, sizeof a->dob, "%04u-%02u-%02u", 1960 + rn(g, 45), 1 + rn(g, 12), 1 + rn(g, 28));
    if (chance(g, 0.3)) snprintf(a->employer, sizeof a->employer, "%s", PICK(g, big_employers));
    else snprintf(a->employer, sizeof a->employer, "%s %s Ltd", PICK(g, streets), PICK(g, skills));
    snprintf(a->education, sizeof a->education, "%s%s", PICK(g, schools), chance(g, 0.3) ? "" : " of Somewhere");
    if (chance(g, 0.05)) snprintf(a->ip, sizeof a->ip, "%s.%u", s->vpn[rn(g, s->nvpn)], 1 + rn(g, 254));
    else snprintf(a->ip, sizeof a->ip, "%u.%u.%u.%u", 11 + rn(g, 200), rn(g, 256), rn(g, 256), 1 + rn(g, 254));
    snprintf(a->device, sizeof a->device, "dev-%016llx", (unsigned long long)rnd(g));
    if (chance(g, 0.02)) snprintf(a->payment, sizeof a->payment, "usdt:T%033llu", (unsigned long long)(rnd(g) % 1000000000000ULL));
    else if (!strcmp(c->iso2, "US") || !strcmp(c->iso2, "CA")) snprintf(a->payment, sizeof a->payment, "bank:%09u%08u", rn(g, 1000000000), rn(g, 100000000));
    else snprintf(a->payment, sizeof a->payment, "iban:%s%02u%016llu", c->iso2, rn(g, 100), (unsigned long long)(rnd(g) % 10000000000000000ULL));
    if (agency && !agency_home) snprintf(a->shipping, sizeof a->shipping, "%s", s->agency[rn(g, s->nagency)]);
    if (chance(g, 0.7)) { uint64_t h[4]; hex256(g, h); photo_str(h, a->photo); }
    if (chance(g, 0.6)) {
        if (chance(g, 0.04)) mutate_resume(g, s->template_text, a->resume, sizeof a->resume, 1);
        else make_resume(g, a->resume, sizeof a->resume, 30 + (int)rn(g, 20));
    }
    int ti = (int)rn(g, (uint32_t)c->ntz);
    snprintf(a->tz, sizeof a->tz, "%s", c->tz[ti]);
    int start = 9 - c->tz_hours[ti];                       /* 09:00 local in UTC */
    if (chance(g, 0.03)) start += 10 + (int)rn(g, 6);      /* night owls */
    make_hours(g, start, a->hours, sizeof a->hours);
}

static const char *const op_nationalities[] = {"JP", "SG", "CN", "KR", "MY", "VN", "US", "CA", "GB"};
static const char *const third_countries[] = {"CN", "HK", "AE", "RU", "LA", "KH"};

static int operation(synth_ctx *s, size_t size, size_t opno) {
    rng *g = &s->g;
    char cl[32];
    snprintf(cl, sizeof cl, "op-%zu", opno);
    size_t npay = 1 + rn(g, 3), ndev = 1 + rn(g, 3), nph = 1 + rn(g, 3), nship = 1 + rn(g, 2), nphoto = 1 + rn(g, 2);
    char pay[4][200], dev[4][64], ph[4][64], ship[3][200], rec_mail[64];
    uint64_t photos[3][4];
    char base_resume[2][1200];
    for (size_t i = 0; i < npay; i++) {
        if (chance(g, 0.5)) snprintf(pay[i], sizeof pay[i], "usdt:T%033llu", (unsigned long long)(rnd(g) % 1000000000000ULL));
        else snprintf(pay[i], sizeof pay[i], "iban:%s%02u%016llu", PICK(g, third_countries), rn(g, 100),
                      (unsigned long long)(rnd(g) % 10000000000000000ULL));
    }
    for (size_t i = 0; i < ndev; i++) snprintf(dev[i], sizeof dev[i], "dev-%016llx", (unsigned long long)rnd(g));
    for (size_t i = 0; i < nph; i++) snprintf(ph[i], sizeof ph[i], "+1 %u %07u", 200 + rn(g, 700), rn(g, 10000000));
    for (size_t i = 0; i < nship; i++) make_address(g, ship[i], sizeof ship[i]);
    for (size_t i = 0; i < nphoto; i++) hex256(g, photos[i]);
    for (int i = 0; i < 2; i++) make_resume(g, base_resume[i], sizeof base_resume[i], 40);
    snprintf(rec_mail, sizeof rec_mail, "recover%u@gmail.com", rn(g, 1000000));
    for (size_t m = 0; m < size; m++) {
        app a;
        innocent(s, &a); /* a plausible base persona, then the operation's traits */
        const country_info *c = &lands[rn(g, 3)]; /* claims US, GB or CA */
        snprintf(a.country, sizeof a.country, "%s", c->iso2);
        snprintf(a.nationality, sizeof a.nationality, "%s", chance(g, 0.4) ? PICK(g, op_nationalities) : c->iso2);
        make_address(g, a.address, sizeof a.address);
        snprintf(a.tz, sizeof a.tz, "%s", c->tz[0]);
        if (chance(g, 0.8)) make_hours(g, 0, a.hours, sizeof a.hours); /* 09-17 KST */
        if (chance(g, 0.85)) snprintf(a.payment, sizeof a.payment, "%s", pay[rn(g, (uint32_t)npay)]);
        if (chance(g, 0.7)) snprintf(a.device, sizeof a.device, "%s", dev[rn(g, (uint32_t)ndev)]);
        if (chance(g, 0.6)) {
            snprintf(a.phone, sizeof a.phone, "%s", ph[rn(g, (uint32_t)nph)]);
            snprintf(a.phone_type, sizeof a.phone_type, "%s", chance(g, 0.7) ? "VoIP" : "mobile");
        } else if (chance(g, 0.5)) snprintf(a.phone_type, sizeof a.phone_type, "voip");
        if (chance(g, 0.7)) snprintf(a.shipping, sizeof a.shipping, "%s", ship[rn(g, (uint32_t)nship)]);
        else a.shipping[0] = 0;
        if (chance(g, 0.5)) {
            uint64_t h[4];
            memcpy(h, photos[rn(g, (uint32_t)nphoto)], sizeof h);
            flip_bits(g, h, (int)rn(g, 25));
            photo_str(h, a.photo);
        }
        if (chance(g, 0.5)) mutate_resume(g, base_resume[rn(g, 2)], a.resume, sizeof a.resume, (int)rn(g, 3));
        if (chance(g, 0.4)) {
            size_t l = strlen(a.email);
            snprintf(a.email + l, sizeof a.email - l, ";%s", rec_mail);
        }
        if (chance(g, 0.4)) snprintf(a.ip, sizeof a.ip, "%s.%u", s->vpn[rn(g, s->nvpn)], 1 + rn(g, 254));
        int rc = emit(s, &a, cl, "operation");
        if (rc != ST_OK) return rc;
    }
    return ST_OK;
}

int st_rings_synth(const st_rings_synth_opts *o, const char *out_path, const char *truth_path, st_error *err) {
    synth_ctx *s = st_calloc(1, sizeof *s);
    if (!s) return st_error_set(err, ST_ENOMEM, "out of memory");
    int rc = ST_OK;
    s->seed = o->seed;
    s->g.s = o->seed * 0x2545F4914F6CDD1DULL + 1;
    st_buf_init(&s->line, 1u << 20);
    if (o->names_dir && (namelist_load(&s->given, o->names_dir, "givenname-freq.csv") != ST_OK ||
                         namelist_load(&s->surname, o->names_dir, "surname-freq.csv") != ST_OK)) {
        rc = st_error_set(err, ST_EIO, "%s: no readable givenname-freq.csv / surname-freq.csv", o->names_dir);
        goto done;
    }
    s->out = fopen(out_path, "w");
    s->truth = fopen(truth_path, "w");
    if (!s->out || !s->truth) { rc = st_error_set(err, ST_EIO, "cannot write %s or %s", out_path, truth_path); goto done; }
    for (int i = 0; i < 8; i++) snprintf(s->agency[i], sizeof s->agency[i], "%u Commerce Plaza Suite %u, %s %05u",
                                         100 + rn(&s->g, 900), 100 + rn(&s->g, 800), PICK(&s->g, cities), 10000 + rn(&s->g, 89999));
    for (int i = 0; i < 6; i++) snprintf(s->vpn[i], sizeof s->vpn[i], "%u.%u.%u", 100 + rn(&s->g, 100), rn(&s->g, 256), rn(&s->g, 256));
    make_resume(&s->g, s->template_text, sizeof s->template_text, 45);
    s->nagency = (uint32_t)(o->records / 1000 < 1 ? 1 : o->records / 1000 > 8 ? 8 : o->records / 1000);
    s->nvpn = (uint32_t)(o->records / 2000 < 1 ? 1 : o->records / 2000 > 6 ? 6 : o->records / 2000);
    fputs("id,name,email,phone,phone_type,address,country,nationality,birth_date,employer,education,ip,device_id,"
          "payment_account,shipping_address,photo_hash,resume_text,timezone,login_hours_utc\n", s->out);
    fputs("id,cluster,role\n", s->truth);
    st_progress_begin(&s->prog, "rings synth", o->records);
    if (!o->progress) s->prog.enabled = 0;
    size_t n = o->records, made = 0, opno = 0, person = 0;
    size_t op_budget = (size_t)((double)n * 0.05);
    while (made < op_budget && rc == ST_OK) {
        size_t size = 3 + rn(&s->g, 12);
        if (made + size > op_budget) size = op_budget - made;
        if (size < 2) break;
        rc = operation(s, size, opno++);
        made += size;
    }
    while (made < n && rc == ST_OK) {
        app a;
        innocent(s, &a);
        char cl[32];
        snprintf(cl, sizeof cl, "p-%zu", person++);
        size_t copies = 1;
        if (chance(&s->g, 0.06)) copies = 2 + rn(&s->g, 2);
        if (made + copies > n) copies = n - made;
        for (size_t k = 0; k < copies && rc == ST_OK; k++) {
            app b = a;
            if (k > 0) {
                email_for(s, a.name, b.email, sizeof b.email);  /* a new e-mail each time */
                if (chance(&s->g, 0.5)) make_phone(&s->g, &lands[0], b.phone, sizeof b.phone);
                if (chance(&s->g, 0.3)) make_address(&s->g, b.address, sizeof b.address);
                if (chance(&s->g, 0.5)) snprintf(b.device, sizeof b.device, "dev-%016llx", (unsigned long long)rnd(&s->g));
                if (chance(&s->g, 0.5)) b.photo[0] = 0;
                if (chance(&s->g, 0.15) && strlen(b.name) > 3) { /* a typo in the name */
                    size_t p = 1 + rn(&s->g, (uint32_t)strlen(b.name) - 2);
                    if (b.name[p] != ' ' && b.name[p + 1] != ' ' && b.name[p + 1]) { char t = b.name[p]; b.name[p] = b.name[p + 1]; b.name[p + 1] = t; }
                }
            }
            rc = emit(s, &b, cl, "innocent");
            made++;
        }
    }
    st_progress_end(&s->prog);
    if (rc != ST_OK) st_error_set(err, rc, "writing %s failed", out_path);
done:
    if (s->out && fclose(s->out) != 0 && rc == ST_OK) rc = st_error_set(err, ST_EIO, "writing %s failed", out_path);
    if (s->truth && fclose(s->truth) != 0 && rc == ST_OK) rc = st_error_set(err, ST_EIO, "writing %s failed", truth_path);
    namelist_free(&s->given);
    namelist_free(&s->surname);
    st_buf_free(&s->line);
    st_free(s);
    return rc;
}
