/*
 * un.c - the UN Security Council consolidated list (consolidated.xml).
 *
 * Design: the file is a few MB, so libxml2 builds the tree in one call
 * (no network, no entity expansion, its own depth and size guards) and we
 * walk INDIVIDUALS/INDIVIDUAL and ENTITIES/ENTITY.  A document that is not
 * well-formed is one error with libxml2's line; inside a well-formed
 * document a record without a reference number or name is a warning and
 * the walk goes on.  Ids are "un:<REFERENCE_NUMBER>" ("un:KPi.033").
 *
 * Entities are refused, not expanded and not skipped: a file that declares
 * one (general or parameter, in its DTD) or refers to one other than the
 * five XML predefines is an error naming the line.  Expanding would read
 * files or the network; not expanding drops the text silently - a
 * <FIRST_NAME>&e;</FIRST_NAME> turned "ERIC BADEGE" into "BADEGE".  The
 * official file has no DTD; character references (&#69;) are plain text.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlversion.h>

#if LIBXML_VERSION >= 21200
typedef const xmlError un_xml_error; /* the handler's argument became const in 2.12 */
#else
typedef xmlError un_xml_error;
#endif

#include "core/alloc.h"
#include "core/buf.h"
#include "lists/parse.h"

/* Element children of n with name, or the first such. */
static xmlNode *un_child(const xmlNode *n, const char *name) {
    for (xmlNode *c = n ? n->children : NULL; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0) return c;
    return NULL;
}

/* Trimmed text of element n into out (n bytes); "" when absent/empty. */
static const char *un_text(const xmlNode *n, char *out, size_t cap) {
    out[0] = 0;
    if (!n) return out;
    size_t k = 0;
    for (xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) continue;
        const char *s = (const char *)c->content;
        size_t len = s ? strlen(s) : 0;
        if (k + len >= cap) len = cap - 1 - k;
        memcpy(out + k, s, len);
        k += len;
    }
    out[k] = 0;
    /* trim; fold inner line breaks into spaces */
    char *s = out;
    while (*s && isspace((unsigned char)*s)) s++;
    size_t len = strlen(s);
    while (len && isspace((unsigned char)s[len - 1])) len--;
    memmove(out, s, len);
    out[len] = 0;
    size_t w = 0; /* line breaks and runs of blanks become one space */
    for (size_t r = 0; out[r]; r++) {
        char c = isspace((unsigned char)out[r]) ? ' ' : out[r];
        if (c == ' ' && w && out[w - 1] == ' ') continue;
        out[w++] = c;
    }
    out[w] = 0;
    return out;
}

static const char *un_child_text(const xmlNode *n, const char *name, char *out, size_t cap) {
    return un_text(un_child(n, name), out, cap);
}

typedef struct un_ctx {
    st_list *out;
    const char *file;
} un_ctx;

static void un_warn(un_ctx *x, const xmlNode *n, const char *id, const char *fmt, const char *arg) {
    st_list_warn(x->out, x->file, n ? (long)xmlGetLineNo(n) : 0, id, fmt, arg);
}

/* A country name to ISO; a warning when it is not a country. */
static int un_country(un_ctx *x, const xmlNode *n, st_entity *e, const char *name, char cc[3]) {
    cc[0] = 0;
    if (!name[0] || strcasecmp(name, "na") == 0) return 0;
    if (st_country_code(name, cc) == ST_OK) return 1;
    un_warn(x, n, e->id, "unknown country '%.80s'", name);
    return 0;
}

static int un_dob(un_ctx *x, const xmlNode *n, st_entity *e) {
    char type[64], date[64], year[32], from[32], to[32], note[256], buf[512];
    un_child_text(n, "TYPE_OF_DATE", type, sizeof type);
    un_child_text(n, "DATE", date, sizeof date);
    un_child_text(n, "YEAR", year, sizeof year);
    un_child_text(n, "FROM_YEAR", from, sizeof from);
    un_child_text(n, "TO_YEAR", to, sizeof to);
    un_child_text(n, "NOTE", note, sizeof note);
    if (date[0]) snprintf(buf, sizeof buf, "%s", date);
    else if (from[0] || to[0]) snprintf(buf, sizeof buf, "%s to %s", from[0] ? from : to, to[0] ? to : from);
    else if (year[0]) snprintf(buf, sizeof buf, "%s %s", note, year); /* NOTE "Sep." + YEAR */
    else snprintf(buf, sizeof buf, "%s", note);
    if (!buf[0] || strcmp(buf, " ") == 0) return ST_OK; /* empty element */
    st_pdate d;
    if (st_pdate_parse(buf, &d) != ST_OK) {
        un_warn(x, n, e->id, "unreadable date of birth '%.80s'", buf);
        return ST_OK;
    }
    if (strcasecmp(type, "APPROXIMATELY") == 0 || strncasecmp(note, "approx", 6) == 0) d.circa = 1;
    return st_entity_add_birth_date(e, d);
}

/* Join the non-empty texts of the named children with ", ". */
static int un_join(const xmlNode *n, const char *const *names, size_t k, st_buf *b) {
    char t[1024];
    st_buf_reset(b);
    for (size_t i = 0; i < k; i++) {
        if (!un_child_text(n, names[i], t, sizeof t)[0]) continue;
        int rc = b->len ? st_buf_puts(b, ", ") : ST_OK;
        if (rc == ST_OK) rc = st_buf_puts(b, t);
        if (rc != ST_OK) return rc;
    }
    return ST_OK;
}

static int un_document(un_ctx *x, const xmlNode *n, st_entity *e) {
    char type[256], type2[256], num[256], country[256], cc[3] = "";
    un_child_text(n, "TYPE_OF_DOCUMENT", type, sizeof type);
    un_child_text(n, "TYPE_OF_DOCUMENT2", type2, sizeof type2);
    un_child_text(n, "NUMBER", num, sizeof num);
    if (!num[0]) return ST_OK;
    if (!un_child_text(n, "ISSUING_COUNTRY", country, sizeof country)[0])
        un_child_text(n, "COUNTRY_OF_ISSUE", country, sizeof country);
    un_country(x, n, e, country, cc);
    const char *t = "other";
    char low[512];
    snprintf(low, sizeof low, "%s %s", type, type2);
    for (char *p = low; *p; p++) *p = (char)tolower((unsigned char)*p);
    if (strstr(low, "passport") || strstr(low, "pasaporte") || strstr(low, "passeport")) t = "passport";
    else if (strstr(low, "national identification") || strstr(low, "identity card") || strstr(low, "national id"))
        t = "national_id";
    return st_entity_add_ident(e, t, num, cc);
}

/* IMO numbers the UN writes into comments ("IMO number: 5342883"). */
static int un_comment_imos(st_entity *e, const char *c) {
    for (const char *p = strstr(c, "IMO"); p; p = strstr(p + 3, "IMO")) {
        const char *q = p + 3;
        while (*q && !isdigit((unsigned char)*q) && (size_t)(q - p) < 16 && *q != '.') q++;
        size_t n = 0;
        while (isdigit((unsigned char)q[n])) n++;
        if (n == 7) {
            char num[8];
            memcpy(num, q, 7);
            num[7] = 0;
            int rc = st_entity_add_ident(e, "imo", num, "");
            if (rc != ST_OK) return rc;
        }
    }
    return ST_OK;
}

/* "Jin Tiesan (金铁三)": the name in another script inside parentheses is
 * an alias of its own, and so is the part before it. */
static int un_alias(st_entity *e, char *t, st_name_kind k) {
    char *open = strrchr(t, '('), *close = open ? strchr(open, ')') : NULL;
    if (open && close && close[1] == 0 && open > t) {
        char outer[8], inner[8];
        *close = 0;
        st_detect_script(open + 1, inner);
        open[0] = 0;
        st_detect_script(t, outer);
        if (strcmp(inner, outer) != 0 && strcmp(inner, "Zyyy") != 0) {
            int rc = st_entity_add_name(e, t, k);
            return rc == ST_OK ? st_entity_add_name(e, open + 1, k) : rc;
        }
        open[0] = '(';
        *close = ')';
    }
    return st_entity_add_name(e, t, k);
}

static int un_record(un_ctx *x, const xmlNode *n, int person) {
    char ref[128], id[160], t[8192];
    st_entity *e = NULL;
    st_buf b;
    int rc = ST_OK;
    st_buf_init(&b, 16384);
    un_child_text(n, "REFERENCE_NUMBER", ref, sizeof ref);
    if (!ref[0]) {
        un_warn(x, n, NULL, "%s without REFERENCE_NUMBER; skipped", person ? "INDIVIDUAL" : "ENTITY");
        goto done;
    }
    snprintf(id, sizeof id, "un:%s", ref);
    if ((rc = st_entity_new(&e, id, "un", person ? ST_SCHEMA_PERSON : ST_SCHEMA_ORGANIZATION)) != ST_OK)
        goto done;
    static const char *const parts[] = {"FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"};
    for (size_t i = 0; i < 4; i++) {
        if (!un_child_text(n, parts[i], t, sizeof t)[0]) continue;
        if ((rc = b.len ? st_buf_putc(&b, ' ') : ST_OK) != ST_OK || (rc = st_buf_puts(&b, t)) != ST_OK) goto done;
    }
    if (!b.len) {
        un_warn(x, n, id, "%s without a name; skipped", person ? "INDIVIDUAL" : "ENTITY");
        st_entity_free(e);
        e = NULL;
        goto done;
    }
    if ((rc = st_entity_add_name(e, b.data, ST_NAME_PRIMARY)) != ST_OK) goto done;
    if ((rc = st_entity_add_name(e, un_child_text(n, "NAME_ORIGINAL_SCRIPT", t, sizeof t), ST_NAME_ALIAS)) != ST_OK)
        goto done;
    if ((rc = st_entity_add_program(e, un_child_text(n, "UN_LIST_TYPE", t, sizeof t))) != ST_OK) goto done;
    if (un_child_text(n, "LISTED_ON", t, sizeof t)[0] && (rc = st_entity_set(&e->listed_on, t)) != ST_OK) goto done;
    if (un_child_text(n, "GENDER", t, sizeof t)[0]) {
        const char *g = strcasecmp(t, "male") == 0 ? "male" : strcasecmp(t, "female") == 0 ? "female" : NULL;
        if (g && (rc = st_entity_set(&e->gender, g)) != ST_OK) goto done;
    }
    if (un_child_text(n, "COMMENTS1", t, sizeof t)[0]) {
        if ((rc = st_entity_set(&e->remarks, t)) != ST_OK) goto done;
        if ((rc = un_comment_imos(e, t)) != ST_OK) goto done;
        if (!e->gender && person) {
            if (strstr(t, "Gender: male") || strstr(t, "Gender: Male")) rc = st_entity_set(&e->gender, "male");
            else if (strstr(t, "Gender: female") || strstr(t, "Gender: Female")) rc = st_entity_set(&e->gender, "female");
            if (rc != ST_OK) goto done;
        }
    }
    for (xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) continue;
        const char *name = (const char *)c->name;
        char cc[3];
        if (!strcmp(name, "NATIONALITY") || !strcmp(name, "DESIGNATION") || !strcmp(name, "TITLE")) {
            for (xmlNode *v = c->children; v; v = v->next) {
                if (v->type != XML_ELEMENT_NODE || strcmp((const char *)v->name, "VALUE") != 0) continue;
                if (!un_text(v, t, sizeof t)[0]) continue;
                if (name[0] == 'N') {
                    if (un_country(x, v, e, t, cc) && (rc = st_entity_add_nationality(e, cc)) != ST_OK) goto done;
                } else if ((rc = st_entity_add_prop(e, name[0] == 'D' ? "position" : "title", t)) != ST_OK) {
                    goto done;
                }
            }
        } else if (!strcmp(name, "INDIVIDUAL_ALIAS") || !strcmp(name, "ENTITY_ALIAS")) {
            char q[64];
            un_child_text(c, "QUALITY", q, sizeof q);
            un_child_text(c, "ALIAS_NAME", t, sizeof t);
            size_t len = strlen(t);
            if (len >= 2 && t[0] == '"' && t[len - 1] == '"') { /* "KOMID" */
                memmove(t, t + 1, len - 2);
                t[len - 2] = 0;
            }
            st_name_kind k = ST_NAME_ALIAS;
            if (!strcasecmp(q, "Low")) k = ST_NAME_WEAK;
            else if (!strcasecmp(q, "f.k.a.")) k = ST_NAME_FORMER;
            if ((rc = un_alias(e, t, k)) != ST_OK) goto done;
        } else if (!strcmp(name, "INDIVIDUAL_ADDRESS") || !strcmp(name, "ENTITY_ADDRESS")) {
            static const char *const addr[] = {"STREET", "CITY", "STATE_PROVINCE", "ZIP_CODE", "COUNTRY"};
            char country[256];
            if (un_country(x, c, e, un_child_text(c, "COUNTRY", country, sizeof country), cc) &&
                (rc = st_entity_add_country(e, cc)) != ST_OK)
                goto done;
            if ((rc = un_join(c, addr, 5, &b)) != ST_OK) goto done;
            /* a NOTE alone sometimes holds the whole address */
            if (!b.len || (b.len == strlen(country) && un_child(c, "NOTE"))) {
                static const char *const note[] = {"NOTE", "COUNTRY"};
                if ((rc = un_join(c, note, 2, &b)) != ST_OK) goto done;
            }
            /* a country alone is not an address */
            if (b.len && strcmp(b.data, country) != 0 && (rc = st_entity_add_address(e, b.data)) != ST_OK) goto done;
        } else if (!strcmp(name, "INDIVIDUAL_DATE_OF_BIRTH")) {
            if ((rc = un_dob(x, c, e)) != ST_OK) goto done;
        } else if (!strcmp(name, "INDIVIDUAL_PLACE_OF_BIRTH")) {
            static const char *const pob[] = {"CITY", "STATE_PROVINCE", "COUNTRY"};
            if ((rc = un_join(c, pob, 3, &b)) != ST_OK) goto done;
            if (b.len && (rc = st_entity_add_birth_place(e, b.data)) != ST_OK) goto done;
        } else if (!strcmp(name, "INDIVIDUAL_DOCUMENT")) {
            if ((rc = un_document(x, c, e)) != ST_OK) goto done;
        }
    }
    rc = st_list_push_take(x->out, e);
    e = NULL;
done:
    st_entity_free(e);
    st_buf_free(&b);
    return rc == ST_ELIMIT ? ST_OK : rc;
}

/* The first entity declaration or reference met while parsing, if any. */
typedef struct un_entity_guard {
    long line;          /* 0: none */
    char what[200];
} un_entity_guard;

static void un_entity_note(void *ctx, const char *what, const xmlChar *name, const xmlChar *system_id) {
    xmlParserCtxtPtr c = ctx;
    un_entity_guard *g = c->_private;
    if (!g || g->line) return;
    g->line = c->input ? c->input->line : 0;
    if (g->line <= 0) g->line = 1;
    snprintf(g->what, sizeof g->what, what, (const char *)name, system_id ? (const char *)system_id : "");
    xmlStopParser(c); /* nothing after it will be read */
}

/* SAX: <!ENTITY ...> in the DTD.  Not recorded: the file is refused. */
static void un_entity_decl(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
                           const xmlChar *system_id, xmlChar *content) {
    (void)public_id;
    (void)content;
    int param = type == XML_INTERNAL_PARAMETER_ENTITY || type == XML_EXTERNAL_PARAMETER_ENTITY;
    if (system_id)
        un_entity_note(ctx, param ? "declares the external entity '%%%.40s' (SYSTEM \"%.80s\")"
                                  : "declares the external entity '%.40s' (SYSTEM \"%.80s\")",
                       name, system_id);
    else
        un_entity_note(ctx, param ? "declares the entity '%%%.40s'%s" : "declares the entity '%.40s'%s", name, NULL);
}

/* SAX: &name; in content, declared or not (the five predefines and
 * character references never come here: they are text). */
static void un_entity_ref(void *ctx, const xmlChar *name) {
    un_entity_note(ctx, "refers to the entity '&%.40s;'%s", name, NULL);
}

/* Structured errors: an undeclared entity in an attribute value is only a
 * warning that drops the reference; the rest is read from lastError. */
static void un_parse_error(void *ctx, un_xml_error *e) {
    if (e && (e->code == XML_WAR_UNDECLARED_ENTITY || e->code == XML_ERR_UNDECLARED_ENTITY) && e->str1) {
        un_entity_note(ctx, "refers to the undeclared entity '&%.40s;'%s", (const xmlChar *)e->str1, NULL);
        un_entity_guard *g = ((xmlParserCtxtPtr)ctx)->_private;
        if (g && e->line > 0) g->line = e->line;
    }
}

int st_parse_un_xml(const char *data, size_t len, const char *name, st_list *out, char **generated,
                    st_error *err) {
    if (generated) *generated = NULL;
    if (len > (size_t)0x7fffffff) return st_error_at(err, ST_ELIMIT, name, 0, -1, "file too large");
    xmlInitParser();
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) return st_error_set(err, ST_ENOMEM, "out of memory");
    int rc = ST_OK;
    size_t before = out->n_entities;
    un_entity_guard guard = {0, ""};
    ctxt->_private = &guard;
    ctxt->sax->entityDecl = un_entity_decl;
    ctxt->sax->reference = un_entity_ref;
    ctxt->sax->serror = un_parse_error;
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, data, (int)len, name, NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (guard.line) {
        rc = st_error_at(err, ST_EPARSE, name, guard.line, -1,
                         "%s; list files with XML entities are refused (their text would be lost or "
                         "fetched from elsewhere)", guard.what);
        goto done;
    }
    if (!doc || !ctxt->wellFormed) {
        const xmlError *xe = xmlCtxtGetLastError(ctxt);
        char msg[300] = "not well-formed XML";
        if (xe && xe->message) {
            snprintf(msg, sizeof msg, "not well-formed XML: %s", xe->message);
            size_t k = strlen(msg);
            while (k && (msg[k - 1] == '\n' || msg[k - 1] == ' ')) msg[--k] = 0;
        }
        rc = st_error_at(err, ST_EPARSE, name, xe ? xe->line : 0, -1, "%s", msg);
        goto done;
    }
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root || strcmp((const char *)root->name, "CONSOLIDATED_LIST") != 0) {
        rc = st_error_at(err, ST_EPARSE, name, root ? (long)xmlGetLineNo(root) : 0, -1,
                         "root element is <%s>, expected <CONSOLIDATED_LIST>",
                         root ? (const char *)root->name : "(none)");
        goto done;
    }
    if (generated) {
        xmlChar *g = xmlGetProp(root, (const xmlChar *)"dateGenerated");
        if (g) {
            *generated = st_strdup((const char *)g);
            xmlFree(g);
        }
    }
    un_ctx x = {out, name};
    for (xmlNode *sec = root->children; sec && rc == ST_OK; sec = sec->next) {
        if (sec->type != XML_ELEMENT_NODE) continue;
        int person = strcmp((const char *)sec->name, "INDIVIDUALS") == 0;
        if (!person && strcmp((const char *)sec->name, "ENTITIES") != 0) continue;
        const char *want = person ? "INDIVIDUAL" : "ENTITY";
        for (xmlNode *r = sec->children; r && rc == ST_OK; r = r->next) {
            if (r->type != XML_ELEMENT_NODE) continue;
            if (strcmp((const char *)r->name, want) != 0) {
                un_warn(&x, r, NULL, "unexpected element <%.40s>; skipped", (const char *)r->name);
                continue;
            }
            if ((rc = un_record(&x, r, person)) != ST_OK) rc = st_error_set(err, rc, "out of memory");
        }
    }
    if (rc == ST_OK && out->n_entities == before)
        rc = st_error_at(err, ST_EPARSE, name, 0, -1, "no INDIVIDUAL or ENTITY records");
done:
    if (rc != ST_OK && generated) {
        st_free(*generated);
        *generated = NULL;
    }
    if (doc) xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return rc;
}
