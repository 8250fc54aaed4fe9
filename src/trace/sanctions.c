/*
 * sanctions.c - wallet addresses of the current sanctions snapshot as
 * tags (category "sanctioned").
 *
 * Design: the lists engine keeps the current snapshot and the one before
 * it (src/lists/store.h).  Every Bitcoin wallet of a listed party, and
 * every 0x account address (Ethereum and the chains sharing its
 * addresses), becomes a tag valid from the party's listing date.  A wallet present in the
 * previous snapshot but gone from the current one was delisted: it stays
 * a tag, valid until the current snapshot was created, so funds that
 * moved while it was listed still count and later ones do not (as with
 * Tornado Cash, delisted on 2025-03-21).
 */
#include <stdio.h>
#include <string.h>

#include "core/map.h"
#include "lists/store.h"
#include "sanctrace/trace.h"


static int is_btc(const char *chain) {
    return chain && (!strcmp(chain, "XBT") || !strcmp(chain, "BTC"));
}

/* An account address of Ethereum or a chain sharing its addresses (OFAC
 * lists USDT, USDC, ETC, ... wallets by the same 0x form): traced on the
 * Ethereum store. */
static int is_evm(const char *address) {
    if (strlen(address) != 42 || address[0] != '0' || (address[1] != 'x' && address[1] != 'X')) return 0;
    for (size_t i = 2; i < 42; i++)
        if (!strchr("0123456789abcdefABCDEF", address[i])) return 0;
    return 1;
}

static int add_wallets(st_tagset *ts, const st_store_snapshot *s, const st_map *skip,
                       int64_t valid_to, size_t *added) {
    char pack[128];
    snprintf(pack, sizeof pack, "sanctions snapshot %s", s->version);
    for (size_t i = 0; i < s->n_entities; i++) {
        const st_entity *e = s->entities[i];
        for (size_t w = 0; w < e->n_wallets; w++) {
            const st_ent_wallet *wl = &e->wallets[w];
            if (!wl->address || !(is_btc(wl->chain) || is_evm(wl->address))) continue;
            uint64_t dummy;
            if (skip && st_map_get(skip, wl->address, strlen(wl->address), &dummy)) continue;
            st_tag t;
            memset(&t, 0, sizeof t);
            t.address = wl->address;
            t.label = e->caption ? e->caption : e->id;
            t.category = "sanctioned";
            t.raw_category = "";
            t.abuse = "sanction";
            t.source = e->source ? e->source : "";
            t.currency = is_evm(wl->address) ? "ETH" : "BTC";
            t.actor = e->id;
            t.confidence = "authority_data";
            t.lastmod = "";
            t.pack = pack;
            t.valid_from = INT64_MIN;
            t.valid_to = valid_to;
            if (e->listed_on && st_date_parse(e->listed_on, &t.valid_from)) t.valid_from = INT64_MIN;
            int rc = st_tagset_add(ts, &t);
            if (rc) return rc;
            (*added)++;
        }
    }
    return ST_OK;
}

int st_tagset_load_sanctions(st_tagset *ts, const char *data_dir, size_t *added, st_error *err) {
    size_t dummy_added = 0;
    if (!added) added = &dummy_added;
    *added = 0;
    st_store_snapshot *cur = NULL, *prev = NULL;
    st_map *now = NULL;
    int rc = st_store_open(data_dir, NULL, &cur, err);
    if (rc) return rc;
    if ((rc = add_wallets(ts, cur, NULL, INT64_MAX, added))) goto out;
    char pv[64];
    st_error e2;
    st_error_clear(&e2);
    if (st_store_previous_version(data_dir, pv, sizeof pv, &e2) || st_store_open(data_dir, pv, &prev, &e2))
        goto out; /* no previous snapshot: nothing was delisted */
    if ((rc = st_map_new(&now))) goto out;
    for (size_t i = 0; i < cur->n_entities; i++)
        for (size_t w = 0; w < cur->entities[i]->n_wallets; w++) {
            const char *a = cur->entities[i]->wallets[w].address;
            if (a && (rc = st_map_put(now, a, strlen(a), 1))) goto out;
        }
    int64_t ended = INT64_MAX;
    const char *created = json_string_value(json_object_get(cur->manifest, "created"));
    if (!created || st_date_parse(created, &ended)) {
        char day[11] = {0};
        if (created && strlen(created) >= 10) memcpy(day, created, 10);
        if (st_date_parse(day, &ended)) ended = INT64_MAX;
    }
    rc = add_wallets(ts, prev, now, ended, added);
out:
    if (rc == ST_ENOMEM) st_error_set(err, rc, "out of memory reading sanctions wallets");
    st_map_free(now);
    st_store_close(prev);
    st_store_close(cur);
    return rc;
}
