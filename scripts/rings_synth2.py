#!/usr/bin/env python3
"""A second applicant generator, written apart from src/rings/synth.c.

usage: rings_synth2.py --records N --seed S --out FILE.jsonl [--truth FILE.csv]

Why a second one: the engine was tuned against synth.c, whose operations
are dense (every persona draws from one small pool of accounts, devices,
phones, photos and résumés).  Real operations are sparser and shaped
differently, so this generator shares none of synth.c's code or
assumptions and writes JSON lines rather than CSV:

 - chains: persona i shares one item (a device, a payout account, a phone,
   a recovery e-mail, a forwarding address) with persona i+1 only;
 - stars: every persona ships its laptop to one farm address or is paid
   into one account; a quarter of the farms also serve a second
   operation (a facilitator), whose personas have their own links;
 - bipartite teams: 2-3 handlers (a device plus a payout account each),
   every persona attached to one or two of them;
 - personas deliberately varied: names from seven cultures (20-40 given
   and family names each, so two strangers rarely share a full name and a
   birth date), photos 20-60
   bits apart (some beyond a near-duplicate threshold), résumés rewritten
   by a third to a half, each on its own e-mail provider;
 - weak team traits: working hours in the Korean day, VPS addresses in two
   /24s of one /16, payouts at one foreign bank (same bank code, different
   accounts), forwarding addresses in one building (different units);
 - innocents with generic shared values: gmail and outlook, a few famous
   universities and big employers, coworking and big-city addresses held
   by dozens, a campus or carrier-grade NAT /24, a popular résumé
   template and a stock avatar; 5 % apply twice (typos, a new e-mail).

Truth: CSV id,cluster,role (cluster "op-N" or "p-N"; role "operation" or
"innocent").  Deterministic for a seed.
"""
import argparse, json, random

GIVEN = {
    "en": ["Isla", "Theo", "Freya", "Arthur", "Poppy", "Felix", "Elsie", "Rupert", "Imogen", "Jasper", "Beatrice", "Hugo", "Matilda", "Rory", "Phoebe", "Callum", "Oliver", "Grace", "Henry", "Chloe", "Lucas", "Nora", "Owen", "Ruby", "Caleb", "Stella", "Miles", "Hazel",
           "Wyatt", "Violet", "Logan", "Aurora", "Ezra", "Ivy", "Jack", "Leah", "Samuel", "Emma", "Daniel", "Sophie"],
    "es": ["Alejandro", "Ximena", "Gonzalo", "Renata", "Ignacio", "Paloma", "Rodrigo", "Ines", "Emilio", "Carolina", "Tomas", "Julieta", "Esteban", "Marisol", "Javier", "Lucia", "Mateo", "Camila", "Santiago", "Valeria", "Andres", "Isabela", "Pablo", "Elena"],
    "in": ["Advait", "Anika", "Dhruv", "Kavya", "Ishaan", "Riya", "Yash", "Pooja", "Siddharth", "Nisha", "Aditya", "Shreya", "Varun", "Lakshmi", "Aarav", "Diya", "Vivaan", "Saanvi", "Rohan", "Ishita", "Kabir", "Meera", "Arnav", "Tara"],
    "cn": ["Bo", "Chen", "Jing", "Ling", "Ming", "Qiang", "Rui", "Shu", "Wen", "Yi", "Zhen", "Hui", "Peng", "Yu", "Wei", "Fang", "Jun", "Lin", "Hao", "Mei", "Tao", "Xin", "Lei", "Yan"],
    "ja": ["Riku", "Mio", "Yuto", "Akari", "Hayato", "Koharu", "Daiki", "Rin", "Takumi", "Mei", "Sora", "Yuna", "Haruto", "Yui", "Sota", "Hina", "Ren", "Aoi", "Kaito", "Sakura"],
    "pl": ["Antoni", "Hanna", "Wojciech", "Alicja", "Mateusz", "Natalia", "Piotr", "Oliwia", "Bartosz", "Amelia", "Michal", "Wiktoria", "Jakub", "Zofia", "Kacper", "Julia", "Szymon", "Maja", "Filip", "Lena"],
    "ng": ["Chiamaka", "Obinna", "Amaka", "Segun", "Yetunde", "Kelechi", "Funmi", "Babatunde", "Nneka", "Uche", "Halima", "Musa", "Chinedu", "Ngozi", "Emeka", "Adaeze", "Tunde", "Folake", "Ifeanyi", "Zainab"],
}
FAMILY = {
    "en": ["Ashworth", "Blackwood", "Cartwright", "Drummond", "Eastwood", "Fairfax", "Goodwin", "Hargreaves", "Kingsley", "Lancaster", "Middleton", "Pemberton", "Rutherford", "Sinclair", "Thornton", "Whitaker", "Walker", "Bennett", "Hughes", "Foster", "Griffin", "Hayes", "Porter", "Spencer", "Fletcher", "Lawson",
           "Reid", "Sutton", "Barker", "Holland", "Webster", "Chambers", "Sharp", "Dawson", "Lambert", "Marsh"],
    "es": ["Aguirre", "Bustamante", "Cordero", "Escobar", "Figueroa", "Guerrero", "Ibarra", "Lozano", "Montoya", "Pacheco", "Quintero", "Salinas", "Valdez", "Zamora", "Navarro", "Molina", "Ortega", "Delgado", "Castro", "Vega", "Rojas", "Herrera", "Campos", "Fuentes"],
    "in": ["Agarwal", "Banerjee", "Chatterjee", "Dutta", "Ghosh", "Kulkarni", "Malhotra", "Pillai", "Saxena", "Trivedi", "Verma", "Chopra", "Sethi", "Naidu", "Iyer", "Reddy", "Nair", "Mehta", "Joshi", "Kapoor", "Bhat", "Menon", "Desai", "Rao"],
    "cn": ["Lin", "Zheng", "Liang", "Song", "Tang", "Han", "Feng", "Deng", "Cao", "Peng", "Zeng", "Xiao", "Tian", "Dong", "Zhou", "Wu", "Xu", "Sun", "Ma", "Hu", "Guo", "He", "Gao", "Luo"],
    "ja": ["Sasaki", "Yamaguchi", "Matsumoto", "Inoue", "Kimura", "Hayashi", "Shimizu", "Yamazaki", "Mori", "Abe", "Ikeda", "Hashimoto", "Takahashi", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi", "Kato", "Yoshida"],
    "pl": ["Wojcik", "Kowalczyk", "Krawczyk", "Piotrowski", "Grabowski", "Nowakowski", "Pawlowski", "Michalski", "Nowicki", "Adamczyk", "Dudek", "Zajac", "Wozniak", "Kaminski", "Lewandowski", "Zielinski", "Szymanski", "Dabrowski", "Kozlowski", "Mazur"],
    "ng": ["Olawale", "Chukwu", "Ogunleye", "Nnamdi", "Afolabi", "Ibekwe", "Oyelaran", "Umeh", "Danjuma", "Ezeh", "Akinola", "Onyeka", "Okonkwo", "Adeyemi", "Eze", "Balogun", "Nwosu", "Okafor", "Bello", "Obi"],
}
CULTURES = list(GIVEN)
NICK = {"Samuel": "Sam", "Daniel": "Dan", "Jakub": "Kuba", "Javier": "Javi", "Oliver": "Ollie", "Henry": "Harry"}

# (country, calling code, zones with standard offsets, big cities)
HOMES = [
    ("US", "1", [("America/New_York", -5), ("America/Denver", -7), ("America/Los_Angeles", -8)],
     ["New York NY", "San Francisco CA", "Austin TX", "Seattle WA", "Chicago IL"]),
    ("GB", "44", [("Europe/London", 0)], ["London", "Manchester", "Leeds"]),
    ("CA", "1", [("America/Toronto", -5), ("America/Vancouver", -8)], ["Toronto ON", "Vancouver BC"]),
    ("NL", "31", [("Europe/Amsterdam", 1)], ["Amsterdam", "Rotterdam"]),
    ("PL", "48", [("Europe/Warsaw", 1)], ["Warsaw", "Krakow"]),
    ("IN", "91", [("Asia/Kolkata", 5)], ["Bengaluru", "Pune", "Hyderabad"]),
    ("AU", "61", [("Australia/Sydney", 10)], ["Sydney", "Melbourne"]),
    ("MX", "52", [("America/Mexico_City", -6)], ["Mexico City", "Guadalajara"]),
]
HOME_W = [40, 12, 8, 6, 6, 12, 6, 10]
PROVIDERS = ["gmail.com"] * 6 + ["outlook.com"] * 3 + ["yahoo.com", "icloud.com", "proton.me", "hey.com", "zoho.com"]
FAMOUS_SCHOOLS = ["MIT", "Stanford University", "University of Toronto", "IIT Bombay", "Tsinghua University",
                  "University of Warsaw", "UC Berkeley"]
BIG_EMPLOYERS = ["Google", "Amazon", "Microsoft", "Meta", "Oracle", "Infosys", "Wipro", "Capgemini", "EPAM"]
STREETS = ["Harbor", "Juniper", "Granite", "Orchard", "Beacon", "Lantern", "Prospect", "Summit", "Copper", "Meridian",
           "Canal", "Foundry", "Garnet", "Heron", "Ironwood", "Kestrel", "Linden", "Marigold", "Northgate", "Osprey"]
KINDS = ["Rd", "Street", "Avenue", "Blvd", "Lane", "Pl", "Terrace"]
WORDS = ["distributed", "systems", "latency", "throughput", "observability", "pipelines", "etl", "warehouse",
         "frontend", "accessibility", "design", "system", "mobile", "offline", "sync", "payments", "ledger",
         "reconciliation", "compliance", "kubernetes", "operators", "helm", "terraform", "modules", "graphql",
         "federation", "caching", "cdn", "edge", "functions", "rust", "tokio", "async", "python", "fastapi",
         "celery", "java", "spring", "hibernate", "react", "nextjs", "tailwind", "solidity", "audits", "defi",
         "bridges", "wallets", "android", "jetpack", "compose", "swiftui", "combine", "unity", "shaders",
         "testing", "playwright", "cypress", "incident", "response", "sre", "oncall", "postgres", "sharding",
         "replication", "kafka", "streams", "flink", "spark", "dbt", "airflow", "ml", "ranking", "embeddings"]
STOCK_AVATAR = 0x5A5A5A5A5A5A5A5A_0F0F0F0F0F0F0F0F_3C3C3C3C3C3C3C3C_6969696969696969
HUB_BANKS = ["HK", "AE", "SG", "CN", "TR", "KH"]


class Gen:
    def __init__(self, n, seed):
        self.rnd = random.Random(seed * 7919 + 17)
        self.n = n
        self.rows, self.truth = [], []
        self.used_ids = set()
        r = self.rnd
        # generic pools shared by many honest applicants; their sizes grow with the deck
        k = max(2, n // 2500)
        self.coworking = ["%d %s %s Floor %d, %s" % (r.randint(1, 900), r.choice(STREETS), r.choice(KINDS),
                                                   r.randint(2, 30), r.choice(HOMES[0][3])) for _ in range(k)]
        self.cgnat = ["100.%d.%d" % (r.randint(64, 127), r.randint(0, 255)) for _ in range(max(2, n // 4000))]
        self.template = " ".join(r.choice(WORDS) for _ in range(60))

    def new_id(self):
        while True:
            i = "ap-%08x" % self.rnd.getrandbits(32)
            if i not in self.used_ids:
                self.used_ids.add(i)
                return i

    # ---- pieces --------------------------------------------------------
    def name(self):
        c = self.rnd.choice(CULTURES)
        return "%s %s" % (self.rnd.choice(GIVEN[c]), self.rnd.choice(FAMILY[c]))

    def mailbox(self, name):
        r = self.rnd
        first, last = name.lower().split(" ", 1)
        style = r.randrange(4)
        box = [first + "." + last, first[0] + last, last + first[:2], first + last[:1]][style]
        return "%s%d@%s" % (box, r.randint(1, 9999), r.choice(PROVIDERS))

    def phone(self, home):
        r = self.rnd
        if home[1] == "1":
            return "+1 (%d) %03d-%04d" % (r.randint(201, 989), r.randint(200, 999), r.randint(0, 9999))
        return "+%s %d %d" % (home[1], r.randint(20, 99), r.randint(1000000, 9999999))

    def street(self, city):
        r = self.rnd
        return "%d %s %s, %s" % (r.randint(1, 9999), r.choice(STREETS), r.choice(KINDS), city)

    def dob(self):
        r = self.rnd
        return "%04d-%02d-%02d" % (r.randint(1965, 2003), r.randint(1, 12), r.randint(1, 28))

    def photo(self, base=None, bits=0):
        h = self.rnd.getrandbits(256) if base is None else base
        for _ in range(bits):
            h ^= 1 << self.rnd.randrange(256)
        return "%064x" % h

    def resume(self, base=None, share=0.0):
        r = self.rnd
        if base is None:
            return " ".join(r.choice(WORDS) for _ in range(r.randint(35, 70)))
        return " ".join(w if r.random() >= share else r.choice(WORDS) for w in base.split())

    def hours(self, start_utc, spread=9):
        r = self.rnd
        return sorted({(start_utc + r.randrange(spread)) % 24 for _ in range(r.randint(4, 9))})

    def home(self):
        return self.rnd.choices(HOMES, HOME_W)[0]

    def iban(self, country, bank=None):
        r = self.rnd
        bank = bank or "%04d" % r.randrange(10000)
        return "iban:%s%02d%s%012d" % (country, r.randrange(100), bank, r.randrange(10 ** 12))

    def emit(self, rec, cluster, role):
        rec = {k: v for k, v in rec.items() if v not in (None, "", [])}
        self.rows.append(rec)
        self.truth.append((rec["id"], cluster, role))

    # ---- honest applicants ---------------------------------------------
    def innocent(self, pno):
        r = self.rnd
        h = self.home()
        zone, off = r.choice(h[2])
        nm = self.name()
        rec = {
            "id": self.new_id(), "name": nm, "email": self.mailbox(nm), "phone": self.phone(h),
            "phone_type": "voip" if r.random() < 0.04 else "mobile",
            "address": self.coworking[r.randrange(len(self.coworking))] if r.random() < 0.02 else self.street(r.choice(h[3])),
            "country": h[0], "nationality": h[0] if r.random() > 0.15 else self.home()[0], "birth_date": self.dob(),
            "employer": r.choice(BIG_EMPLOYERS) if r.random() < 0.35 else "%s %s Labs" % (r.choice(STREETS), r.choice(WORDS).title()),
            "education": r.choice(FAMOUS_SCHOOLS) if r.random() < 0.3 else "%s College" % r.choice(STREETS),
            "ip": ("%s.%d" % (r.choice(self.cgnat), r.randint(1, 254))) if r.random() < 0.06 else
                  "%d.%d.%d.%d" % (r.randint(24, 220), r.randrange(256), r.randrange(256), r.randint(1, 254)),
            "device_id": "fp%x" % r.getrandbits(64),
            "payment_account": ("btc:bc1q%x" % r.getrandbits(120)) if r.random() < 0.03 else self.iban(h[0]) if h[0] != "US" else "ach:%d" % r.getrandbits(40),
            "timezone": zone,
        }
        if r.random() < 0.02:
            rec["shipping_address"] = self.street(r.choice(h[3]))
        if r.random() < 0.65:
            rec["photo_hash"] = self.photo(STOCK_AVATAR, r.randrange(6)) if r.random() < 0.01 else self.photo()
        if r.random() < 0.6:
            rec["resume_text"] = self.resume(self.template, 0.08) if r.random() < 0.03 else self.resume()
        start = 9 - off if r.random() > 0.04 else 21 - off
        rec["login_hours_utc"] = self.hours(start % 24)
        self.emit(rec, "p-%d" % pno, "innocent")
        if r.random() < 0.05:  # applies again
            again = dict(rec)
            again["id"] = self.new_id()
            if r.random() < 0.7:
                again["email"] = self.mailbox(nm)
            if r.random() < 0.3:
                first, last = nm.split(" ", 1)
                again["name"] = "%s %s" % (NICK.get(first, first[:-1] if len(first) > 4 else first), last)
            if r.random() < 0.4:
                again.pop("photo_hash", None)
            if r.random() < 0.5:
                again["device_id"] = "fp%x" % r.getrandbits(64)
            self.emit(again, "p-%d" % pno, "innocent")
            return 2
        return 1

    # ---- operations ------------------------------------------------------
    def op_traits(self):
        r = self.rnd
        net = "%d.%d" % (r.randint(45, 200), r.randrange(256))
        return {
            "nets": ["%s.%d" % (net, r.randrange(256)) for _ in range(2)],
            "bank": (r.choice(HUB_BANKS), "%04d" % r.randrange(10000)),
            "building": "%d %s %s" % (r.randint(10, 999), r.choice(STREETS), r.choice(KINDS)),
            "city": r.choice(HOMES[0][3]),
            "photo": r.getrandbits(256),
            "resume": self.resume(),
            "kst_start": r.choice([23, 0, 1]),
        }

    def persona(self, t):
        """One fabricated identity with the team's weak traits, no strong link yet."""
        r = self.rnd
        h = r.choice(HOMES[:4])
        zone, _ = r.choice(h[2])
        nm = self.name()
        rec = {
            "id": self.new_id(), "name": nm, "email": self.mailbox(nm), "phone": self.phone(h),
            "phone_type": r.choice(["voip", "VoIP", "mobile", ""]),
            "address": self.street(r.choice(h[3])), "country": h[0],
            "nationality": h[0] if r.random() < 0.6 else r.choice(["SG", "JP", "CN", "MY", "KR"]),
            "birth_date": self.dob(),
            "employer": r.choice(BIG_EMPLOYERS) if r.random() < 0.4 else "%s Digital" % r.choice(STREETS),
            "education": r.choice(FAMOUS_SCHOOLS) if r.random() < 0.5 else "%s University" % r.choice(STREETS),
            "ip": "%s.%d" % (r.choice(t["nets"]), r.randint(2, 250)) if r.random() < 0.7 else
                  "%d.%d.%d.%d" % (r.randint(24, 220), r.randrange(256), r.randrange(256), r.randint(1, 254)),
            "device_id": "fp%x" % r.getrandbits(64),
            "payment_account": self.iban(*t["bank"]) if r.random() < 0.6 else "usdt:T%x" % r.getrandbits(130),
            "timezone": zone,
        }
        if r.random() < 0.6:
            rec["shipping_address"] = "%s Unit %d, %s" % (t["building"], r.randint(1, 60), t["city"])
        if r.random() < 0.7:
            rec["photo_hash"] = self.photo(t["photo"], r.randint(20, 60))
        if r.random() < 0.7:
            rec["resume_text"] = self.resume(t["resume"], r.uniform(0.3, 0.5))
        if r.random() < 0.85:
            rec["login_hours_utc"] = self.hours(t["kst_start"])
        else:
            rec["login_hours_utc"] = self.hours(14)
        return rec

    def link(self, a, b, what=None):
        """Make records a and b share one strong item."""
        r = self.rnd
        what = what or r.choice(["device_id", "payment_account", "phone", "email", "shipping_address"])
        if what == "device_id":
            b["device_id"] = a["device_id"]
        elif what == "payment_account":
            b["payment_account"] = a["payment_account"]
        elif what == "phone":
            b["phone"] = a["phone"]
        elif what == "email":  # a recovery address both list
            rec = "%s.backup%d@%s" % (r.choice(WORDS), r.randint(1, 999), r.choice(PROVIDERS))
            a["email"] = [a["email"], rec] if isinstance(a["email"], str) else a["email"] + [rec]
            b["email"] = [b["email"], rec] if isinstance(b["email"], str) else b["email"] + [rec]
        else:
            if "shipping_address" not in a:
                a["shipping_address"] = self.street(r.choice(HOMES[0][3]))
            b["shipping_address"] = a["shipping_address"]

    def operation(self, size, opno, farm=None):
        r = self.rnd
        t = self.op_traits()
        ps = [self.persona(t) for _ in range(size)]
        shape = r.choice(["chain", "star", "bipartite"]) if farm is None else r.choice(["chain", "bipartite"])
        if shape == "chain":
            for i in range(size - 1):
                self.link(ps[i], ps[i + 1])
        elif shape == "star":
            hub = r.choice(["shipping_address", "payment_account", "phone"])
            for p in ps[1:]:
                self.link(ps[0], p, hub)
            for _ in range(r.randrange(2)):  # a stray extra link
                a, b = r.sample(ps, 2)
                self.link(a, b)
        else:
            handlers = [{"device_id": "fp%x" % r.getrandbits(64), "payment_account": self.iban(*t["bank"])}
                        for _ in range(r.randint(2, 3))]
            for i, p in enumerate(ps):
                hs = [handlers[i % len(handlers)]]
                if r.random() < 0.4:
                    hs.append(r.choice(handlers))
                for h in hs:
                    k = r.choice(["device_id", "payment_account"])
                    if isinstance(p.get(k), list):
                        p[k].append(h[k])
                    elif k in p and r.random() < 0.5:
                        p[k] = [p[k], h[k]]
                    else:
                        p[k] = h[k]
            for h in handlers:  # every handler item reaches at least two personas
                k = "payment_account"
                holders = [p for p in ps if h[k] in (p[k] if isinstance(p[k], list) else [p[k]])]
                if len(holders) < 2:
                    q = r.choice([p for p in ps if p not in holders])
                    q[k] = h[k]
        if farm is not None:  # a facilitator's laptop farm serving part of this team
            for p in r.sample(ps, max(2, size // 2)):
                own = p.get("shipping_address")  # a link already made through it stays
                p["shipping_address"] = farm if not own else (own + [farm] if isinstance(own, list) else [own, farm])
        for p in ps:
            self.emit(p, "op-%d" % opno, "operation")
        return size

    def run(self):
        r = self.rnd
        budget = int(self.n * 0.04)
        made = opno = 0
        while made + 3 <= budget:
            size = min(r.randint(3, 12), budget - made)
            if size >= 6 and r.random() < 0.2 and made + size + 6 <= budget:
                # a facilitator serving two operations
                farm = "%s, %s" % (self.street(r.choice(HOMES[0][3])).split(",")[0], r.choice(HOMES[0][3]))
                made += self.operation(size, opno, farm)
                size2 = r.randint(4, 8)
                made += self.operation(size2, opno + 1, farm)
                opno += 2
                continue
            made += self.operation(size, opno)
            opno += 1
        pno = 0
        while made < self.n:
            made += self.innocent(pno)
            pno += 1
        # interleave: records of one team are not adjacent
        order = list(range(len(self.rows)))
        r.shuffle(order)
        self.rows = [self.rows[i] for i in order]
        self.truth = [self.truth[i] for i in order]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", required=True)
    ap.add_argument("--truth")
    a = ap.parse_args()
    g = Gen(a.records, a.seed)
    g.run()
    truth = a.truth or (a.out.rsplit(".", 1)[0] + ".truth.csv")
    with open(a.out, "w") as f:
        for rec in g.rows:
            f.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
    with open(truth, "w") as f:
        f.write("id,cluster,role\n")
        for t in g.truth:
            f.write("%s,%s,%s\n" % t)


if __name__ == "__main__":
    main()
