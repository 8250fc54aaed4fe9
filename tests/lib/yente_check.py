#!/usr/bin/env python3
"""yente_check.py - check a server answer against the shapes its clients
read: yente's response models (EntityResponse, ScoredEntityResponse,
EntityMatches, EntityMatchResponse, AlgorithmResponse) and the W3C
reconciliation JSON schemas (manifest, result batch).  Written by hand from
those definitions, with the standard library only.

    python3 tests/lib/yente_check.py KIND FILE [THRESHOLD]

KIND: match | entity | entities (JSON lines) | search | algorithms | reconcile | manifest | error |
catalog | readyz | suggest-entity | suggest-type | suggest-property | extend | propose.
Every entity is also checked against FollowTheMoney's schemata: a known
schema, only properties it defines, dates and countries as FtM reads them.
Prints "ok KIND" or the first problem with its path, and exits 1.
"""
import json
import re
import sys

ISO_SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")  # yente: seconds, no zone

# FollowTheMoney's schemata, the properties each defines (its own and its
# parents'), from followthemoney/schema/*.yaml: Thing, LegalEntity, Person,
# Organization, Company, Asset/Value, Vehicle, Vessel, Airplane,
# CryptoWallet, Interval, Sanction; "sanctions" and "cryptoWallets" are the
# reverse properties of Sanction.entity and CryptoWallet.holder.
THING = {"name", "alias", "previousName", "weakAlias", "country", "summary", "notes", "description",
         "sourceUrl", "publisher", "publisherUrl", "alephUrl", "wikipediaUrl", "wikidataId", "keywords",
         "topics", "address", "addressEntity", "program", "programId", "proof", "indexText", "createdAt",
         "modifiedAt", "retrievedAt", "sanctions"}
LEGAL = THING | {"email", "phone", "website", "legalForm", "incorporationDate", "dissolutionDate", "taxStatus",
                 "status", "sector", "classification", "registrationNumber", "idNumber", "taxNumber", "vatCode",
                 "jurisdiction", "mainCountry", "opencorporatesUrl", "bvdId", "icijId", "okpoCode", "innCode",
                 "dunsCode", "swiftBic", "parent", "subsidiaries", "passport", "cryptoWallets"}
PERSON = LEGAL | {"title", "firstName", "secondName", "middleName", "fatherName", "motherName", "lastName",
                  "nameSuffix", "birthDate", "birthPlace", "birthCountry", "deathDate", "position", "nationality",
                  "citizenship", "passportNumber", "socialSecurityNumber", "gender", "ethnicity", "height",
                  "weight", "eyeColor", "hairColor", "appearance", "religion", "political", "education",
                  "spokenLanguage"}
ORG = LEGAL | {"cageCode", "permId", "imoNumber", "giiNumber"}
VALUE = {"amount", "currency", "amountUsd", "amountEur"}
COMPANY = ORG | VALUE | {"capital", "voenCode", "irsCode", "cikCode", "isinCode", "ticker"}
VEHICLE = THING | VALUE | {"registrationNumber", "type", "model", "owner", "operator", "buildDate", "registrationDate"}
SCHEMATA = {
    "Thing": THING, "LegalEntity": LEGAL, "Person": PERSON, "Organization": ORG, "Company": COMPANY,
    "Vessel": VEHICLE | {"imoNumber", "crsNumber", "flag", "registrationPort", "navigationArea", "tonnage",
                         "grossRegisteredTonnage", "nameChangeDate", "callSign", "pastFlags", "pastTypes", "mmsi"},
    "Airplane": VEHICLE | {"serialNumber", "icaoCode", "manufacturer"},
    "CryptoWallet": THING | VALUE | {"publicKey", "privateKey", "creationDate", "currencySymbol",
                                     "managingExchange", "holder", "balance", "balanceDate"},
    "Sanction": {"entity", "authority", "authorityId", "unscId", "program", "programId", "provisions", "status",
                 "duration", "reason", "country", "listingDate", "startDate", "endDate", "date", "summary",
                 "description", "recordId", "sourceUrl", "publisher", "publisherUrl", "modifiedAt", "retrievedAt",
                 "indexText"},
}
DATES = {"birthDate", "deathDate", "createdAt", "modifiedAt", "retrievedAt", "listingDate", "buildDate",
         "incorporationDate", "dissolutionDate", "startDate", "endDate", "date", "registrationDate",
         "creationDate", "balanceDate", "nameChangeDate"}
COUNTRIES = {"country", "nationality", "citizenship", "jurisdiction", "flag", "mainCountry", "birthCountry"}
FTM_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2}(T\d{2}(:\d{2}(:\d{2})?)?)?)?)?$")
FTM_COUNTRY = re.compile(r"^[a-z]{2}(-[a-z0-9]+)?$")
# followthemoney/types/entity.py: EntityType.REGEX_RAW, ids at most ENTITY_ID_LEN (200)
FTM_ID = re.compile(r"^[0-9a-zA-Z]([0-9a-zA-Z\.\-]*[0-9a-zA-Z])?$")


class Bad(Exception):
    pass


def need(cond, path, what):
    if not cond:
        raise Bad("%s: %s" % (path, what))


def is_str(v):
    return isinstance(v, str)


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def check_entity(e, path):
    """EntityResponse; the keys yente always writes are required here."""
    need(isinstance(e, dict), path, "expected an object")
    for key in ("id", "caption", "schema", "properties", "datasets", "referents", "target",
                "first_seen", "last_seen", "last_change"):
        need(key in e, path, "missing %r" % key)
    need(is_str(e["id"]) and e["id"], path + ".id", "expected a non-empty string")
    need(FTM_ID.match(e["id"]) and len(e["id"]) <= 200, path + ".id",
         "%r is not an id FollowTheMoney's pattern accepts" % e["id"])
    need(is_str(e["caption"]), path + ".caption", "expected a string")
    need(is_str(e["schema"]), path + ".schema", "expected a string")
    need(isinstance(e["properties"], dict), path + ".properties", "expected an object")
    allowed = SCHEMATA.get(e["schema"])
    need(allowed is not None, path + ".schema", "%r is not a FollowTheMoney schema" % e["schema"])
    for prop, values in e["properties"].items():
        pp = "%s.properties.%s" % (path, prop)
        need(prop in allowed, pp, "%s has no property %r in FollowTheMoney" % (e["schema"], prop))
        need(isinstance(values, list), pp, "expected a list")
        for i, v in enumerate(values):
            p = "%s[%d]" % (pp, i)
            if isinstance(v, dict):
                check_entity(v, p)
                continue
            need(is_str(v), p, "expected a string or a nested entity")
            if prop in DATES:
                need(FTM_DATE.match(v), p, "not a FollowTheMoney date: %r" % v)
            if prop in COUNTRIES:
                need(FTM_COUNTRY.match(v), p, "not a FollowTheMoney country code: %r" % v)
    for key in ("datasets", "referents"):
        need(isinstance(e[key], list) and all(is_str(x) for x in e[key]), path + "." + key,
             "expected a list of strings")
    need(isinstance(e["target"], bool), path + ".target", "expected a boolean")
    for key in ("first_seen", "last_seen", "last_change"):
        v = e[key]
        need(v is None or (is_str(v) and ISO_SECONDS.match(v)), path + "." + key,
             "expected null or YYYY-MM-DDTHH:MM:SS, got %r" % (v,))


def check_feature_result(f, path):
    """nomenklatura's FeatureResult: detail (required, may be null), score; query, candidate optional."""
    need(isinstance(f, dict), path, "expected an object")
    need("detail" in f and (f["detail"] is None or is_str(f["detail"])), path + ".detail",
         "expected a string or null")
    need(is_num(f.get("score")), path + ".score", "expected a number")
    for key in ("query", "candidate"):
        need(f.get(key) is None or is_str(f[key]), path + "." + key, "expected a string or null")


def check_scored(r, path):
    check_entity(r, path)
    need(is_num(r.get("score")), path + ".score", "expected a number")
    need(0 <= r["score"] <= 1, path + ".score", "expected 0..1")
    need(isinstance(r.get("match"), bool), path + ".match", "expected a boolean")
    need(isinstance(r.get("explanations"), dict), path + ".explanations", "expected an object")
    for k, f in r["explanations"].items():
        check_feature_result(f, "%s.explanations.%s" % (path, k))


def check_example(q, path):
    """EntityExample: id (string or null), schema, properties {name: string | list}."""
    need(isinstance(q, dict), path, "expected an object")
    need(q.get("id") is None or is_str(q["id"]), path + ".id", "expected a string or null")
    need(is_str(q.get("schema")), path + ".schema", "expected a string")
    need(isinstance(q.get("properties"), dict), path + ".properties", "expected an object")
    for prop, v in q["properties"].items():
        need(isinstance(v, list) and all(is_str(x) for x in v), "%s.properties.%s" % (path, prop),
             "expected a list of strings (normalised)")


def check_total(t, path):
    need(isinstance(t, dict) and is_int(t.get("value")) and is_str(t.get("relation")), path,
         "expected {value: int, relation: str}")


def check_match(d, threshold):
    need(isinstance(d, dict), "$", "expected an object")
    need(is_int(d.get("limit")), "$.limit", "expected an integer")
    need(isinstance(d.get("responses"), dict), "$.responses", "expected an object")
    for key, m in d["responses"].items():
        p = "$.responses.%s" % key
        need(isinstance(m, dict), p, "expected an object")
        need(is_int(m.get("status")), p + ".status", "expected an integer")
        need(isinstance(m.get("results"), list), p + ".results", "expected a list")
        check_total(m.get("total"), p + ".total")
        check_example(m.get("query"), p + ".query")
        for i, r in enumerate(m["results"]):
            check_scored(r, "%s.results[%d]" % (p, i))
            # sanctrace's match flag is its own fixed 0.80, whatever threshold is asked
            need(r["match"] == (r["score"] >= 0.8), "%s.results[%d].match" % (p, i), "match flag is not score >= 0.80")
        scores = [r["score"] for r in m["results"]]
        need(scores == sorted(scores, reverse=True), p + ".results", "not best first")
        # total counts the matches; all of them are listed when fewer than the limit
        over = sum(1 for s in scores if s >= threshold)
        if len(scores) < d["limit"]:
            need(m["total"]["value"] == over, p + ".total.value",
                 "%d, but %d results score >= %s" % (m["total"]["value"], over, threshold))
        else:
            need(m["total"]["value"] >= over, p + ".total.value", "fewer than the matches listed")


def check_search(d, threshold):
    """SearchResponse: limit, offset, total, results (EntityResponse), facets {name: SearchFacet}."""
    need(isinstance(d, dict), "$", "expected an object")
    need(is_int(d.get("limit")), "$.limit", "expected an integer")
    need(is_int(d.get("offset")), "$.offset", "expected an integer")
    need(isinstance(d.get("results"), list), "$.results", "expected a list")
    check_total(d.get("total"), "$.total")
    need(len(d["results"]) <= d["limit"], "$.results", "more results than the limit")
    need(d["total"]["value"] >= d["offset"] + len(d["results"]) or d["total"]["relation"] != "eq", "$.total",
         "fewer than offset + results shown")
    for i, r in enumerate(d["results"]):
        check_entity(r, "$.results[%d]" % i)
    need(isinstance(d.get("facets"), dict), "$.facets", "expected an object")
    for k, f in d["facets"].items():
        p = "$.facets." + k
        need(isinstance(f, dict) and is_str(f.get("label")) and isinstance(f.get("values"), list), p,
             "expected {label, values}")
        for i, v in enumerate(f["values"]):
            need(isinstance(v, dict) and is_str(v.get("name")) and is_str(v.get("label")) and is_int(v.get("count"))
                 and v["count"] >= 1, "%s.values[%d]" % (p, i), "expected {name, label, count >= 1}")
            if d["total"]["relation"] == "eq":
                need(v["count"] <= d["total"]["value"], "%s.values[%d].count" % (p, i), "more than the total")


DATETIME_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$")


def check_catalog(d, _):
    """DataCatalogModel: datasets (YenteDatasetModel), current, outdated, index_stale."""
    need(isinstance(d, dict), "$", "expected an object")
    need(isinstance(d.get("datasets"), list) and d["datasets"], "$.datasets", "expected a non-empty list")
    names = set()
    for i, ds in enumerate(d["datasets"]):
        p = "$.datasets[%d]" % i
        need(isinstance(ds, dict) and is_str(ds.get("name")) and ds["name"], p + ".name", "expected a name")
        need(is_str(ds.get("title")), p + ".title", "expected a string")
        need(ds["name"] not in names, p + ".name", "named twice")
        names.add(ds["name"])
        need(isinstance(ds.get("children", []), list) and all(is_str(c) for c in ds.get("children", [])),
             p + ".children", "expected a list of names")
        for key in ("entity_count", "thing_count"):
            need(ds.get(key) is None or (is_int(ds[key]) and ds[key] >= 0), p + "." + key, "expected a count")
        for key in ("updated_at", "last_export", "last_change"):
            v = ds.get(key)
            need(v is None or (is_str(v) and DATETIME_ISO.match(v)), p + "." + key, "expected an ISO date-time")
        for key in ("version", "index_version"):
            need(ds.get(key) is None or is_str(ds[key]), p + "." + key, "expected a string or null")
        need(isinstance(ds.get("index_current"), bool), p + ".index_current", "expected a boolean")
        need(ds["index_current"] == (ds.get("index_version") == ds.get("version")), p + ".index_current",
             "index_current is index_version == version (yente computes it)")
        need(ds.get("load") is None or isinstance(ds["load"], bool), p + ".load", "expected a boolean")
    for ds in d["datasets"]:
        for c in ds.get("children", []):
            need(c in names, "$.datasets.%s.children" % ds["name"], "%r is no dataset of the catalog" % c)
    for key in ("current", "outdated"):
        need(isinstance(d.get(key), list) and all(is_str(x) and x in names for x in d[key]), "$." + key,
             "expected names of datasets")
    need(not set(d["current"]) & set(d["outdated"]), "$.current", "a dataset both current and outdated")
    need(isinstance(d.get("index_stale", False), bool), "$.index_stale", "expected a boolean")
    need(d.get("index_stale", False) == (len(d["outdated"]) > 0), "$.index_stale", "index_stale is outdated != []")


def check_readyz(d, _):
    """StatusResponse {status}."""
    need(isinstance(d, dict) and is_str(d.get("status")), "$.status", "expected a string")


def check_suggest(kind):
    """suggest-{entities,types,properties}-response.json (0.2) and yente's FreebaseSuggestResponse."""
    def check(d, _):
        need(isinstance(d, dict) and isinstance(d.get("result"), list), "$.result", "expected a list")
        for key in ("prefix", "code", "status"):
            need(key not in d or is_str(d[key]), "$." + key, "expected a string")
        for i, r in enumerate(d["result"]):
            p = "$.result[%d]" % i
            need(isinstance(r, dict) and is_str(r.get("id")) and is_str(r.get("name")), p, "expected {id, name}")
            need(r.get("description") is None or is_str(r["description"]), p + ".description", "expected a string")
            if kind == "entity":
                need(FTM_ID.match(r["id"]), p + ".id", "not an FtM id")
                for t in r.get("notable", []):
                    need(is_str(t) or (isinstance(t, dict) and is_str(t.get("id"))), p + ".notable", "expected types")
            if kind == "property":
                need(re.match(r"^[A-Z][A-Za-z]*:[a-z][A-Za-z]*$", r["id"]), p + ".id", "expected a qname Schema:prop")
    return check


def check_extend(d, _):
    """data-extension-response.json (0.2)."""
    need(isinstance(d, dict) and isinstance(d.get("meta"), list) and isinstance(d.get("rows"), dict), "$",
         "expected {meta, rows}")
    ids = set()
    for i, m in enumerate(d["meta"]):
        need(isinstance(m, dict) and is_str(m.get("id")) and is_str(m.get("name")), "$.meta[%d]" % i,
             "expected {id, name}")
        ids.add(m["id"])
    forms = ({"str": is_str}, {"float": is_num}, {"int": is_int}, {"date": is_str}, {"id": is_str, "name": is_str}, {})
    for rid, row in d["rows"].items():
        need(isinstance(row, dict), "$.rows." + rid, "expected an object")
        for pid, vals in row.items():
            p = "$.rows.%s.%s" % (rid, pid)
            need(pid in ids, p, "a property meta does not name")
            need(isinstance(vals, list), p, "expected a list")
            for i, v in enumerate(vals):
                ok = isinstance(v, dict) and any(set(v) == set(f) and all(t(v[k]) for k, t in f.items()) for f in forms)
                need(ok, "%s[%d]" % (p, i), "expected {str} | {float} | {int} | {date} | {id, name} | {}")


def check_propose(d, _):
    """data-extension-property-proposal.json."""
    need(isinstance(d, dict) and isinstance(d.get("properties"), list), "$.properties", "expected a list")
    for i, pr in enumerate(d["properties"]):
        need(isinstance(pr, dict) and is_str(pr.get("id")) and is_str(pr.get("name")), "$.properties[%d]" % i,
             "expected {id, name}")
    need(d.get("type") is None or is_str(d["type"]), "$.type", "expected a string")
    need(d.get("limit") is None or is_num(d["limit"]), "$.limit", "expected a number")
    if is_num(d.get("limit")) and d["limit"] > 0:
        need(len(d["properties"]) <= d["limit"], "$.properties", "more than the limit")


def check_algorithms(d, _):
    need(isinstance(d.get("algorithms"), list) and d["algorithms"], "$.algorithms", "expected a non-empty list")
    names = []
    for i, a in enumerate(d["algorithms"]):
        p = "$.algorithms[%d]" % i
        need(is_str(a.get("name")), p + ".name", "expected a string")
        names.append(a["name"])
        need(a.get("description") is None or is_str(a["description"]), p + ".description", "expected a string")
        for fp, feats in ((p + ".features", a.get("features")), (p + ".docs.features", (a.get("docs") or {}).get("features"))):
            need(isinstance(feats, dict), fp, "expected an object")
            for k, f in feats.items():
                need(isinstance(f, dict) and (f.get("description") is None or is_str(f["description"]))
                     and is_num(f.get("coefficient")) and is_str(f.get("url")), "%s.%s" % (fp, k),
                     "expected {description, coefficient, url}")
        docs = a.get("docs")
        need(isinstance(docs, dict) and is_str(docs.get("name")) and isinstance(docs.get("config"), dict),
             p + ".docs", "expected {name, config, features}")
    need(d.get("default") in names + ["best"], "$.default", "not a listed algorithm")
    need(d.get("best") in names, "$.best", "not a listed algorithm")


def check_reconcile(d, _):
    """reconciliation-result-batch (0.1 / 0.2)."""
    need(isinstance(d, dict), "$", "expected an object")
    for key, q in d.items():
        p = "$." + key
        need(isinstance(q, dict) and isinstance(q.get("result"), list), p, "expected {result: [...]}")
        for i, r in enumerate(q["result"]):
            rp = "%s.result[%d]" % (p, i)
            need(isinstance(r, dict), rp, "expected an object")
            need(is_str(r.get("id")) and is_str(r.get("name")), rp, "id and name must be strings")
            need(is_num(r.get("score")), rp + ".score", "expected a number")
            need(isinstance(r.get("match"), bool), rp + ".match", "expected a boolean")
            types = r.get("type", [])
            need(isinstance(types, list), rp + ".type", "expected a list")
            for t in types:
                need(isinstance(t, dict) and is_str(t.get("id")) and is_str(t.get("name")), rp + ".type",
                     "expected [{id, name}]")
            need(r.get("description") is None or is_str(r["description"]), rp + ".description", "expected a string")


def check_manifest(d, _):
    """manifest.json (0.2): the services OpenRefine offers when a manifest declares them."""
    need(isinstance(d.get("versions"), list) and all(is_str(v) for v in d["versions"]), "$.versions", "expected strings")
    need("0.2" in d["versions"], "$.versions", "must contain 0.2")
    pv = d.get("preview")
    if pv is not None:
        need(isinstance(pv, dict) and is_str(pv.get("url")) and "{{id}}" in pv["url"] and is_int(pv.get("width"))
             and is_int(pv.get("height")), "$.preview", "expected {url with {{id}}, width, height}")
    for kind, sd in (d.get("suggest") or {}).items():
        need(kind in ("entity", "property", "type"), "$.suggest." + kind, "not a suggest service")
        need(isinstance(sd, dict) and all(is_str(sd[k]) for k in sd), "$.suggest." + kind, "expected strings")
    ext = d.get("extend")
    if ext is not None:
        pp = ext.get("propose_properties")
        need(isinstance(pp, dict) and is_str(pp.get("service_url")) and is_str(pp.get("service_path")),
             "$.extend.propose_properties", "expected {service_url, service_path}")
        for i, st in enumerate(ext.get("property_settings", [])):
            p = "$.extend.property_settings[%d]" % i
            need(isinstance(st, dict) and st.get("type") in ("number", "text", "checkbox", "select")
                 and is_str(st.get("label")) and is_str(st.get("name")), p, "expected {type, label, name}")
            if st["type"] == "number":
                need(st.get("default") is None or is_num(st["default"]), p + ".default", "expected a number")
            if st["type"] == "select":
                need(isinstance(st.get("choices"), list) and all(is_str(c.get("value")) and is_str(c.get("name"))
                                                                 for c in st["choices"]), p + ".choices",
                     "expected [{value, name}]")
    for key in ("name", "identifierSpace", "schemaSpace"):
        need(is_str(d.get(key)), "$." + key, "expected a string")
    for i, t in enumerate(d.get("defaultTypes", [])):
        need(is_str(t.get("id")) and is_str(t.get("name")), "$.defaultTypes[%d]" % i, "expected {id, name}")
    view = d.get("view")
    need(view is None or (is_str(view.get("url")) and "{{id}}" in view["url"]), "$.view", "url must hold {{id}}")


def check_error(d, _):
    need(is_str(d.get("error")) and is_str(d.get("detail")), "$", "expected {error, detail}")


CHECKS = {"match": check_match, "entity": lambda d, t: check_entity(d, "$"), "search": check_search,
          "entities": None,
          "algorithms": check_algorithms, "reconcile": check_reconcile, "manifest": check_manifest,
          "error": check_error, "catalog": check_catalog, "readyz": check_readyz,
          "suggest-entity": check_suggest("entity"), "suggest-type": check_suggest("type"),
          "suggest-property": check_suggest("property"), "extend": check_extend, "propose": check_propose}


def main():
    kind, path = sys.argv[1], sys.argv[2]
    threshold = float(sys.argv[3]) if len(sys.argv) > 3 else 0.8
    text = open(path, encoding="utf-8").read()
    try:
        if kind == "entities":  # JSON lines, one entity each
            for n, line in enumerate(text.splitlines(), 1):
                check_entity(json.loads(line), "line %d" % n)
        else:
            CHECKS[kind](json.loads(text), threshold)
    except (Bad, ValueError, KeyError, TypeError, AttributeError) as exc:
        print("%s %s: %s" % (kind, path, exc))
        sys.exit(1)
    print("ok", kind)


if __name__ == "__main__":
    main()
