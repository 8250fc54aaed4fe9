#!/usr/bin/env python3
"""make eval (scripts part): listed DPRK names written in every script, and
innocent names of four nations, screened through the whole pipeline.

    python3 scripts/eval_scripts.py --bin build/release/sanctrace --data-dir HOME \
        --lists ../shared/data/lists [--innocents N] [--seed S] [--realworld FILE] [--misses]

Independent of the C readers on purpose: every form here is *generated*
from Hangul by rules written in this file (Japanese kana as Japan's Ministry
of Finance writes Korean names, Russian Kontsevich and its older habits,
German / Hungarian / Lithuanian / Polish spellings, McCune-Reischauer with
its sound changes written out, Revised Romanization) and Hanja are drawn
from Unihan (any character that reads the syllable, not one table of name
characters), whereas sanctrace *reads* them with its own tables
(src/names/scripts.c, korean.c).  The Hangul of a listed name is
reconstructed here from its romanisation by a parser of this file.

Innocents come from frequency tables of common surnames and given names
(South Korean, Chinese, Japanese, Russian; general knowledge, rounded),
written in their own scripts.  Reported per script: recall (the form's
listed entity among the matches) and the share of innocents flagged (any
match).  A fixed list of real-world renderings (encyclopedia and media
forms of listed officials) is screened too when --realworld is given.
"""
import argparse
import bz2
import csv
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import unicodedata
import xml.etree.ElementTree as ET

# ---------------------------------------------------------------- Hangul jamo
ONSETS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
VOWELS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
CODAS = ["", "ㄱ", "ㄲ", "ㄳ", "ㄴ", "ㄵ", "ㄶ", "ㄷ", "ㄹ", "ㄺ", "ㄻ", "ㄼ", "ㄽ", "ㄾ", "ㄿ", "ㅀ",
         "ㅁ", "ㅂ", "ㅄ", "ㅅ", "ㅆ", "ㅇ", "ㅈ", "ㅊ", "ㅋ", "ㅌ", "ㅍ", "ㅎ"]


def compose(on, vo, co=""):
    return chr(0xAC00 + (ONSETS.index(on) * 21 + VOWELS.index(vo)) * 28 + CODAS.index(co))


def decompose(ch):
    i = ord(ch) - 0xAC00
    return ONSETS[i // 588], VOWELS[(i // 28) % 21], CODAS[i % 28]


# --------------------------------------- romanised list names back to Hangul
R_ON = [("kk", "ㄲ"), ("tt", "ㄸ"), ("pp", "ㅃ"), ("ss", "ㅆ"), ("jj", "ㅉ"), ("ch", "ㅊ"), ("kh", "ㅋ"),
        ("th", "ㅌ"), ("ph", "ㅍ"), ("k", "ㄱ"), ("g", "ㄱ"), ("n", "ㄴ"), ("t", "ㄷ"), ("d", "ㄷ"),
        ("r", "ㄹ"), ("l", "ㄹ"), ("m", "ㅁ"), ("p", "ㅂ"), ("b", "ㅂ"), ("s", "ㅅ"), ("j", "ㅈ"),
        ("h", "ㅎ"), ("", "ㅇ")]
R_VO = [("yae", "ㅒ"), ("wae", "ㅙ"), ("yeo", "ㅕ"), ("ae", "ㅐ"), ("ya", "ㅑ"), ("eo", "ㅓ"),
        ("ye", "ㅖ"), ("you", "ㅕ"), ("ou", "ㅜ"), ("wa", "ㅘ"), ("oe", "ㅚ"), ("yo", "ㅛ"), ("wo", "ㅝ"), ("we", "ㅞ"), ("wi", "ㅟ"),
        ("yu", "ㅠ"), ("eu", "ㅡ"), ("ui", "ㅢ"), ("woo", "ㅜ"), ("oo", "ㅜ"), ("ee", "ㅣ"),
        ("a", "ㅏ"), ("e", "ㅔ"), ("o", "ㅗ"), ("u", "ㅜ"), ("i", "ㅣ")]
R_CO = [("ng", "ㅇ"), ("k", "ㄱ"), ("n", "ㄴ"), ("t", "ㅅ"), ("l", "ㄹ"), ("m", "ㅁ"), ("p", "ㅂ"), ("", "")]


def guess_vowel(on, vo, co):
    """DPRK spelling merges ㅗ/ㅓ, ㅛ/ㅕ, ㅜ/ㅡ: pick the likelier in names."""
    if vo == "ㅗ" and co in ("ㅇ", "ㄹ", "ㄴ") and on in "ㅈㅊㅅㅎㅇㅁㄱㄷ":
        return "ㅓ"
    if vo == "ㅛ" and co in ("ㅇ", "ㄴ", "ㄹ", "ㄱ") and on != "ㄹ":
        return "ㅕ"
    if vo == "ㅜ" and on == "ㅇ" and co in ("ㄴ", "ㄹ"):
        return "ㅡ"
    return vo


def to_hangul_word(w):
    """One romanised word to Hangul: fewest syllables, consonants as onsets."""
    n = len(w)
    best = {n: (0, [])}
    for i in range(n - 1, -1, -1):
        cands = []
        for ro, on in R_ON:
            if not w.startswith(ro, i):
                continue
            j = i + len(ro)
            for rv, vo in R_VO:
                if not w.startswith(rv, j):
                    continue
                k = j + len(rv)
                for rc, co in R_CO:
                    if not w.startswith(rc, k):
                        continue
                    m = k + len(rc)
                    if m not in best:
                        continue
                    cost = 10 + best[m][0] + (2 if rc and m < n and w[m] in "aeiouwy" else 0)
                    if rc == "n" and w.startswith("g", m):
                        cost += 3  # -ng- is the coda ㅇ (Kwangil), not n + g
                    cands.append((cost, [compose(on, guess_vowel(on, vo, co), co)] + best[m][1]))
        if cands:
            best[i] = min(cands, key=lambda c: c[0])
    return "".join(best[0][1]) if 0 in best else None


SURNAMES_KO = {  # Hangul surname: Hanja, share of South Koreans in % (census 2015, rounded)
    "김": ("金", 21.5), "리": ("李", 14.7), "이": ("李", 0), "박": ("朴", 8.4), "최": ("崔", 4.7),
    "정": ("鄭", 4.3), "강": ("姜", 2.3), "조": ("趙", 2.1), "윤": ("尹", 2.1), "장": ("張", 2.0),
    "림": ("林", 1.7), "임": ("林", 0), "한": ("韓", 1.5), "오": ("吳", 1.5), "서": ("徐", 1.5),
    "신": ("申", 1.4), "권": ("權", 1.4), "황": ("黃", 1.4), "안": ("安", 1.4), "송": ("宋", 1.3),
    "전": ("全", 1.3), "홍": ("洪", 1.1), "류": ("柳", 1.1), "유": ("柳", 0), "고": ("高", 0.9),
    "문": ("文", 0.9), "량": ("梁", 0.9), "양": ("梁", 0), "손": ("孫", 0.9), "배": ("裵", 0.8),
    "조": ("趙", 0), "백": ("白", 0.8), "허": ("許", 0.7), "남": ("南", 0.5), "심": ("沈", 0.5),
    "로": ("盧", 0.4), "노": ("盧", 0), "하": ("河", 0.4), "곽": ("郭", 0.4), "성": ("成", 0.4),
    "차": ("車", 0.4), "주": ("朱", 0.4), "우": ("禹", 0.4), "구": ("具", 0.4), "라": ("羅", 0.3),
    "진": ("陳", 0.3), "지": ("池", 0.3), "엄": ("嚴", 0.3), "채": ("蔡", 0.3), "원": ("元", 0.3),
    "천": ("千", 0.2), "방": ("方", 0.2), "공": ("孔", 0.2), "현": ("玄", 0.2), "함": ("咸", 0.2),
    "변": ("卞", 0.2), "렴": ("廉", 0.1), "염": ("廉", 0), "려": ("呂", 0.1), "여": ("呂", 0),
    "추": ("秋", 0.1), "도": ("都", 0.1), "석": ("石", 0.1), "선": ("宣", 0.1), "설": ("薛", 0.1),
    "마": ("馬", 0.1), "길": ("吉", 0.1), "연": ("延", 0.1), "위": ("魏", 0.1), "표": ("表", 0.1),
    "명": ("明", 0.1), "기": ("奇", 0.1), "반": ("潘", 0.1), "왕": ("王", 0.1), "금": ("琴", 0.1),
    "옥": ("玉", 0.1), "태": ("太", 0.1), "탁": ("卓", 0.05), "국": ("鞠", 0.05), "봉": ("奉", 0.05),
    "경": ("景", 0.05), "동": ("董", 0.05), "주": ("朱", 0), "편": ("片", 0.05), "은": ("殷", 0.05),
}
GIVEN_KO = ("민 서 지 현 준 영 수 진 은 정 우 혜 성 재 희 연 경 호 상 동 승 하 예 주 윤 태 원 석 "
            "기 용 철 훈 혁 종 명 선 미 숙 자 순 옥 한 광 일 근 규 범 찬 빈 도 유 아 나 다 소 채 "
            "린 율 건 시 환 식 남 국 만 길 춘 봉 학 열 창 병 형 효 웅 택 세 인 제 란 향 애 화 필 두 "
            "진 혜 지 윤 서 하 민 현").split()


def parse_list_name(name, comma):
    """(surname Hangul, [given syllables]) of a listed name, None if not Korean."""
    name = unicodedata.normalize("NFKD", name)
    name = "".join(c for c in name if not unicodedata.combining(c))
    name = re.sub(r"[’'`ʼ]", "", name).lower()
    if comma and "," in name:
        sur, given = name.split(",", 1)
    else:
        parts = name.split(None, 1)
        if len(parts) < 2:
            return None
        sur, given = parts
    sur = sur.strip()
    if not re.fullmatch(r"[a-z]+", sur):
        return None
    hs = to_hangul_word(sur)
    if not hs or len(hs) != 1 or hs not in SURNAMES_KO:
        return None
    words = [w for w in re.split(r"[\s\-]+", given.strip()) if w]
    if not words or not all(re.fullmatch(r"[a-z]+", w) for w in words):
        return None
    syl = []
    for w in words:
        h = to_hangul_word(w)
        if not h:
            return None
        syl.extend(h)
    if not 1 <= len(syl) <= 3:
        return None
    return hs, syl, given.strip()


def load_dprk(lists):
    """(entity id, list spelling, surname, given syllables) of listed DPRK individuals."""
    out = []
    root = ET.parse(os.path.join(lists, "un-2026-02-27", "consolidated.xml")).getroot()
    for ind in root.iter("INDIVIDUAL"):
        ref = (ind.findtext("REFERENCE_NUMBER") or "").strip()
        if not ref.startswith("KPi"):
            continue
        names = [" ".join(filter(None, [(ind.findtext(t) or "").strip() for t in
                                        ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME")]))]
        names += [(a.findtext("ALIAS_NAME") or "").strip() for a in ind.iter("INDIVIDUAL_ALIAS")]
        for n in names:
            p = parse_list_name(n, False)
            if p:
                out.append(("un:" + ref, n) + p)
    sdn = os.path.join(lists, "ofac-sdn-2021-07")
    dprk = {}
    with open(os.path.join(sdn, "sdn.csv"), encoding="latin-1") as f:
        for r in csv.reader(f):
            if len(r) > 3 and r[2].strip() == "individual" and "DPRK" in r[3]:
                dprk[r[0]] = [r[1]]
    with open(os.path.join(sdn, "alt.csv"), encoding="latin-1") as f:
        for r in csv.reader(f):
            if len(r) > 3 and r[0] in dprk:
                dprk[r[0]].append(r[3])
    for ent, names in dprk.items():
        for n in names:
            p = parse_list_name(n, True)
            if p:
                out.append(("ofac:" + ent, n) + p)
    seen, uniq = set(), []
    for e in out:
        k = (e[0], e[2] + "".join(e[3]))
        if k not in seen:
            seen.add(k)
            uniq.append(e)
    return uniq


# ------------------------------------------------------------------ Unihan
class Unihan:
    def __init__(self, path="/usr/share/unicode"):
        self.by_reading = {}
        self.simp = {}
        self.strokes = {}
        with bz2.open(os.path.join(path, "Unihan_IRGSources.txt.bz2"), "rt", encoding="utf-8") as f:
            for line in f:
                p = line.rstrip("\n").split("\t")
                if len(p) == 3 and p[1] == "kTotalStrokes":
                    self.strokes[chr(int(p[0][2:], 16))] = int(p[2].split()[0])
        with bz2.open(os.path.join(path, "Unihan_Readings.txt.bz2"), "rt", encoding="utf-8") as f:
            for line in f:
                p = line.rstrip("\n").split("\t")
                if len(p) != 3 or p[1] != "kHangul":
                    continue
                ch = chr(int(p[0][2:], 16))
                if not 0x4E00 <= ord(ch) <= 0x9FFF:
                    continue
                for r in p[2].split():
                    h, _, tag = r.partition(":")
                    # characters of the KS X 1001 set (0), for education (E) or names (N)
                    if "0" in tag or "N" in tag:
                        self.by_reading.setdefault(h, []).append(ch)
        with bz2.open(os.path.join(path, "Unihan_Variants.txt.bz2"), "rt", encoding="utf-8") as f:
            for line in f:
                p = line.rstrip("\n").split("\t")
                if len(p) == 3 and p[1] == "kSimplifiedVariant":
                    self.simp[chr(int(p[0][2:], 16))] = chr(int(p[2].split()[0][2:], 16))

    def pick(self, syl, rng):
        """A character read syl (or by the initial-sound law's other form)."""
        c = self.by_reading.get(syl, [])
        if not c:
            on, vo, co = decompose(syl)
            alt = {"ㅇ": "ㄹ", "ㄴ": "ㄹ"}.get(on)
            if alt:
                c = self.by_reading.get(compose(alt, vo, co), [])
        if not c:
            return None
        c = sorted(c, key=lambda ch: self.strokes.get(ch, 30))[:8]
        return rng.choice(c)


def hanja_form(sur, given, uh, rng, simplified=False):
    out = [SURNAMES_KO[sur][0]]
    for s in given:
        ch = uh.pick(s, rng)
        if not ch:
            return None
        out.append(ch)
    if simplified:
        out = [uh.simp.get(c, c) for c in out]
    return "".join(out)


# ------------------------------------------------- Japanese katakana (MOF)
KANA_ROWS = {  # onset: (a, i, u, e, o) plain, voiced
    "": "アイウエオ", "k": "カキクケコ", "g": "ガギグゲゴ", "s": "サシスセソ", "z": "ザジズゼゾ",
    "t": "タチツテト", "d": "ダヂヅデド", "n": "ナニヌネノ", "h": "ハヒフヘホ", "b": "バビブベボ",
    "p": "パピプペポ", "m": "マミムメモ", "r": "ラリルレロ", "y": "ヤイユエヨ", "w": "ワウィウウェヲ",
}
ON_KANA = {"ㄱ": ("k", "g"), "ㄲ": ("k", "k"), "ㅋ": ("k", "k"), "ㄴ": ("n", "n"), "ㄷ": ("t", "d"),
           "ㄸ": ("t", "t"), "ㅌ": ("t", "t"), "ㄹ": ("r", "r"), "ㅁ": ("m", "m"), "ㅂ": ("p", "b"),
           "ㅃ": ("p", "p"), "ㅍ": ("p", "p"), "ㅅ": ("s", "s"), "ㅆ": ("s", "s"), "ㅇ": ("", ""),
           "ㅈ": ("ch", "j"), "ㅉ": ("ch", "ch"), "ㅊ": ("ch", "ch"), "ㅎ": ("h", "h")}
# vowel: (base column, glide) glide y: small ャュョ after the i column; w: small ァィェォ after u
VO_KANA = {"ㅏ": ("a", ""), "ㅐ": ("e", ""), "ㅑ": ("a", "y"), "ㅒ": ("e", "y"), "ㅓ": ("o", ""),
           "ㅔ": ("e", ""), "ㅕ": ("o", "y"), "ㅖ": ("e", "y"), "ㅗ": ("o", ""), "ㅘ": ("a", "w"),
           "ㅙ": ("e", "w"), "ㅚ": ("e", "w"), "ㅛ": ("o", "y"), "ㅜ": ("u", ""), "ㅝ": ("o", "w"),
           "ㅞ": ("e", "w"), "ㅟ": ("i", "w"), "ㅠ": ("u", "y"), "ㅡ": ("u", ""), "ㅢ": ("i", "w"),
           "ㅣ": ("i", "")}
CODA_KANA = {"": "", "ㄱ": "ク", "ㄴ": "ン", "ㄹ": "ル", "ㅁ": "ム", "ㅂ": "プ", "ㅇ": "ン", "ㅅ": "ッ",
             "ㄷ": "ッ", "ㅈ": "ッ", "ㅊ": "ッ", "ㅌ": "ッ", "ㅎ": "ッ", "ㄲ": "ク", "ㅆ": "ッ", "ㅍ": "プ"}
COL = "aiueo"
SMALL_Y = {"a": "ャ", "u": "ュ", "o": "ョ", "e": "ェ"}
SMALL_V = {"a": "ァ", "i": "ィ", "u": "ゥ", "e": "ェ", "o": "ォ"}


def kana_syl(on, vo, co, voiced):
    row = ON_KANA[on][1 if voiced else 0]
    col, glide = VO_KANA[vo]
    if row in ("ch", "j"):  # チャ チュ チョ チェ / ジャ ...
        base = "チ" if row == "ch" else "ジ"
        if col == "i" and not glide:
            s = base
        elif glide == "w" and col == "e":  # 최 チェ
            s = base + "ェ"
        elif glide == "w":
            s = base + "ュ" + SMALL_V.get(col, "")
        else:
            s = base + {"a": "ャ", "u": "ュ", "o": "ョ", "e": "ェ"}[col]
    elif row == "":
        if glide == "y":
            s = {"a": "ヤ", "u": "ユ", "o": "ヨ", "e": "イェ"}[col]
        elif glide == "w":
            s = {"a": "ワ", "e": "ウェ", "o": "ウォ", "i": "ウィ"}[col]
        else:
            s = KANA_ROWS[""][COL.index(col)]
    else:
        r = KANA_ROWS[row]
        if glide == "y":
            s = r[1] + SMALL_Y[col]
        elif glide == "w":
            s = r[2] + SMALL_V.get(col, "")
        elif row == "s" and col == "i":
            s = "シ"
        elif row in ("t", "d") and col == "i":
            s = ("テ" if row == "t" else "デ") + "ィ"
        elif row in ("t", "d") and col == "u":
            s = ("ト" if row == "t" else "ド") + "ゥ"
        else:
            s = r[COL.index(col)]
    return s + CODA_KANA.get(co, "")


def kana_form(sur, given, rng):
    parts = []
    for w, syls in ((0, [sur]), (1, given)):
        out = ""
        for i, s in enumerate(syls):
            on, vo, co = decompose(s)
            if w == 0 and on == "ㅇ" and vo == "ㅣ":
                on = "ㄹ"  # 리 / 이: the MOF list writes リ for DPRK people
            # inside a given name a plain consonant is voiced half the time
            voiced = (w == 1 and (i > 0 or rng.random() < 0.5))
            out += kana_syl(on, vo, co, voiced)
        parts.append(out)
    return rng.choice(["・", "・", " ", "＝"]).join(parts)


# --------------------------------------------------- Russian (Kontsevich)
CY_ON = {"ㄱ": ("к", "г"), "ㄲ": ("кк", "кк"), "ㄴ": ("н", "н"), "ㄷ": ("т", "д"), "ㄸ": ("тт", "тт"),
         "ㄹ": ("р", "р"), "ㅁ": ("м", "м"), "ㅂ": ("п", "б"), "ㅃ": ("пп", "пп"), "ㅅ": ("с", "с"),
         "ㅆ": ("сс", "сс"), "ㅇ": ("", ""), "ㅈ": ("ч", "чж"), "ㅉ": ("чч", "чч"), "ㅊ": ("чх", "чх"),
         "ㅋ": ("кх", "кх"), "ㅌ": ("тх", "тх"), "ㅍ": ("пх", "пх"), "ㅎ": ("х", "х")}
CY_VO = {"ㅏ": "а", "ㅐ": "э", "ㅑ": "я", "ㅒ": "йя", "ㅓ": "о", "ㅔ": "е", "ㅕ": "ё", "ㅖ": "е",
         "ㅗ": "о", "ㅘ": "ва", "ㅙ": "вэ", "ㅚ": "ве", "ㅛ": "ё", "ㅜ": "у", "ㅝ": "во", "ㅞ": "ве",
         "ㅟ": "ви", "ㅠ": "ю", "ㅡ": "ы", "ㅢ": "ый", "ㅣ": "и"}
CY_CO = {"": "", "ㄱ": "к", "ㄴ": "н", "ㄷ": "т", "ㄹ": "ль", "ㅁ": "м", "ㅂ": "п", "ㅇ": "н", "ㅅ": "т",
         "ㅈ": "т", "ㅊ": "т", "ㅌ": "т", "ㅎ": "т", "ㄲ": "к", "ㅆ": "т", "ㅍ": "п"}


def cyr_syl(on, vo, co, voiced, old, first):
    o = CY_ON[on][1 if voiced else 0]
    v = CY_VO[vo]
    if old:
        # older Russian habits: ё written е, ㅓ after ч/с as е (Чен, Сен),
        # ㅈ as дж, ㄹ coda л, 리 as Ли
        if v == "ё":
            v = "е"
        if vo == "ㅓ" and on in "ㅈㅊㅅ" and co == "ㅇ":
            v = "е"
        if o == "чж":
            o = "дж"
        if on == "ㄹ" and first:
            o = "л"
    if vo in "ㅑㅕㅛㅠ" and o == "" and v == "ё" and first:
        v = "ё"
    c = CY_CO.get(co, "")
    if old and c == "ль":
        c = "ль" if not first else "ль"
    return o + v + c


def cyr_form(sur, given, rng, old):
    words = []
    s_on, s_vo, s_co = decompose(sur)
    if s_on == "ㅇ" and s_vo == "ㅣ":
        s_on = "ㄹ"
    words.append(cyr_syl(s_on, s_vo, s_co, False, old, True))
    gw = "".join(cyr_syl(*decompose(s), i > 0, old, i == 0) for i, s in enumerate(given))
    if old or rng.random() < 0.7:  # syllables written apart, as Russian usually does
        gw = " ".join(cyr_syl(*decompose(s), False, old, True) for s in given)
    words.append(gw)
    return " ".join(w[:1].upper() + w[1:] for w in words)


# --------------------------------------------------------- Latin variants
MR_ON = {"ㄱ": ("k", "g"), "ㄲ": ("kk", "kk"), "ㄴ": ("n", "n"), "ㄷ": ("t", "d"), "ㄸ": ("tt", "tt"),
         "ㄹ": ("r", "r"), "ㅁ": ("m", "m"), "ㅂ": ("p", "b"), "ㅃ": ("pp", "pp"), "ㅅ": ("s", "s"),
         "ㅆ": ("ss", "ss"), "ㅇ": ("", ""), "ㅈ": ("ch", "j"), "ㅉ": ("tch", "tch"), "ㅊ": ("ch’", "ch’"),
         "ㅋ": ("k’", "k’"), "ㅌ": ("t’", "t’"), "ㅍ": ("p’", "p’"), "ㅎ": ("h", "h")}
MR_VO = {"ㅏ": "a", "ㅐ": "ae", "ㅑ": "ya", "ㅒ": "yae", "ㅓ": "ŏ", "ㅔ": "e", "ㅕ": "yŏ", "ㅖ": "ye",
         "ㅗ": "o", "ㅘ": "wa", "ㅙ": "wae", "ㅚ": "oe", "ㅛ": "yo", "ㅜ": "u", "ㅝ": "wŏ", "ㅞ": "we",
         "ㅟ": "wi", "ㅠ": "yu", "ㅡ": "ŭ", "ㅢ": "ŭi", "ㅣ": "i"}
MR_CO = {"": "", "ㄱ": "k", "ㄴ": "n", "ㄷ": "t", "ㄹ": "l", "ㅁ": "m", "ㅂ": "p", "ㅇ": "ng", "ㅅ": "t"}
RR_ON = {"ㄱ": "g", "ㄲ": "kk", "ㄴ": "n", "ㄷ": "d", "ㄸ": "tt", "ㄹ": "r", "ㅁ": "m", "ㅂ": "b",
         "ㅃ": "pp", "ㅅ": "s", "ㅆ": "ss", "ㅇ": "", "ㅈ": "j", "ㅉ": "jj", "ㅊ": "ch", "ㅋ": "k",
         "ㅌ": "t", "ㅍ": "p", "ㅎ": "h"}
RR_VO = {"ㅏ": "a", "ㅐ": "ae", "ㅑ": "ya", "ㅒ": "yae", "ㅓ": "eo", "ㅔ": "e", "ㅕ": "yeo", "ㅖ": "ye",
         "ㅗ": "o", "ㅘ": "wa", "ㅙ": "wae", "ㅚ": "oe", "ㅛ": "yo", "ㅜ": "u", "ㅝ": "wo", "ㅞ": "we",
         "ㅟ": "wi", "ㅠ": "yu", "ㅡ": "eu", "ㅢ": "ui", "ㅣ": "i"}
RR_CO = {"": "", "ㄱ": "k", "ㄴ": "n", "ㄷ": "t", "ㄹ": "l", "ㅁ": "m", "ㅂ": "p", "ㅇ": "ng", "ㅅ": "t"}


def sound_changes(syls):
    """Jamo of a given name as said: nasalisation and ㄹ after a consonant."""
    j = [list(decompose(s)) for s in syls]
    for i in range(1, len(j)):
        pc, on = j[i - 1][2], j[i][0]
        if on == "ㄹ" and pc not in ("", "ㄹ"):
            j[i][0] = on = "ㄴ"
        if on in ("ㄴ", "ㅁ"):
            j[i - 1][2] = {"ㄱ": "ㅇ", "ㅂ": "ㅁ", "ㅅ": "ㄴ", "ㄷ": "ㄴ"}.get(pc, pc)
        if pc == "ㄴ" and on == "ㄹ":
            j[i - 1][2] = "ㄹ"
    return j


def mr_form(sur, given, changes=True):
    s_on, s_vo, s_co = decompose(sur)
    if s_on == "ㅇ" and s_vo == "ㅣ":
        s_on = "ㄹ"
    out = MR_ON[s_on][0].replace("’", "") + MR_VO[s_vo] + MR_CO.get(s_co, "")
    j = sound_changes(given) if changes else [list(decompose(s)) for s in given]
    g = ""
    for i, (on, vo, co) in enumerate(j):
        voiced = i > 0 and j[i - 1][2] in ("", "ㄴ", "ㅁ", "ㅇ", "ㄹ")
        g += MR_ON[on][1 if voiced else 0] + MR_VO[vo] + MR_CO.get(co, "")
        if i + 1 < len(j):
            g += "-"
    return out[:1].upper() + out[1:] + " " + g[:1].upper() + g[1:]


def rr_form(sur, given):
    s_on, s_vo, s_co = decompose(sur)
    out = RR_ON[s_on] + RR_VO[s_vo] + RR_CO.get(s_co, "")
    g = "".join(RR_ON[decompose(s)[0]] + RR_VO[decompose(s)[1]] + RR_CO.get(decompose(s)[2], "")
                for s in given)
    return out.capitalize() + " " + g.capitalize()


def european_form(latin_sur, latin_given, lang):
    """The list's spelling respelt by a European language's letters for j, ch, y."""
    def conv(w):
        w = w.lower()
        w = w.replace("ch", "\x01").replace("j", "\x02").replace("y", "\x03")
        rep = {"de": ("tsch", "dsch", "j"), "hu": ("cs", "dzs", "j"), "lt": ("č", "dž", "j"),
               "pl": ("cz", "dż", "j")}[lang]
        return w.replace("\x01", rep[0]).replace("\x02", rep[1]).replace("\x03", rep[2])
    s = conv(latin_sur)
    words = [conv(w) for w in re.split(r"[\s\-]+", latin_given) if w]
    if lang == "de":
        g = "-".join(words)
        g = g[:1].upper() + g[1:]
    elif lang == "hu":
        g = "".join(words).capitalize()
    elif lang == "lt":
        g = "".join(words)
        if g[-1] not in "aeiouy":
            g += "as"  # a man's name takes -as
        g = g.capitalize()
    else:
        g = " ".join(w.capitalize() for w in words)
    return s.capitalize() + " " + g


# ---------------------------------------------------------------- innocents
ZH_SUR = ("王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐 许 韩 冯 邓 曹 "
          "彭 曾 肖 田 董 袁 潘 于 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁 任 沈 姚 卢 姜 崔 钟 谭 陆 汪 范 金 "
          "石 廖 贾 夏 韦 付 方 白 邹 孟 熊 秦 邱 江 尹 薛 闫 段 雷 侯 龙 史 陶 黎 贺 顾 毛 郝 龚 邵").split()
ZH_SUR_W = [7.1, 7.0, 6.8, 5.4, 4.5, 3.1, 2.2, 2.0, 1.9, 1.9] + [1.0] * 20 + [0.5] * 30 + [0.3] * 40
ZH_GIVEN = ("伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 霞 平 刚 英 华 玲 飞 鹏 辉 婷 宇 浩 "
            "凯 健 俊 帆 帅 旭 宁 龙 林 欣 晨 阳 琳 雪 斌 波 峰 梅 红 燕 丹 萍 鑫 倩 颖 佳 嘉 子 梓 "
            "轩 涵 睿 博 文 海 国 建 志 东 新 永 春 秀 兰 桂 云 金 成 荣 德 光 福 庆 亮 晓 小 一").split()
JA_SUR = [("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"), ("伊藤", "イトウ"),
          ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("加藤", "カトウ"),
          ("吉田", "ヨシダ"), ("山田", "ヤマダ"), ("佐々木", "ササキ"), ("山口", "ヤマグチ"), ("松本", "マツモト"),
          ("井上", "イノウエ"), ("木村", "キムラ"), ("林", "ハヤシ"), ("斎藤", "サイトウ"), ("清水", "シミズ"),
          ("山崎", "ヤマザキ"), ("森", "モリ"), ("池田", "イケダ"), ("橋本", "ハシモト"), ("阿部", "アベ"),
          ("石川", "イシカワ"), ("山下", "ヤマシタ"), ("中島", "ナカジマ"), ("石井", "イシイ"), ("小川", "オガワ"),
          ("前田", "マエダ"), ("岡田", "オカダ"), ("長谷川", "ハセガワ"), ("藤田", "フジタ"), ("後藤", "ゴトウ"),
          ("近藤", "コンドウ"), ("村上", "ムラカミ"), ("遠藤", "エンドウ"), ("青木", "アオキ"), ("坂本", "サカモト"),
          ("金子", "カネコ"), ("藤井", "フジイ"), ("西村", "ニシムラ"), ("福田", "フクダ"), ("太田", "オオタ"),
          ("三浦", "ミウラ"), ("藤原", "フジワラ"), ("岡本", "オカモト"), ("松田", "マツダ"), ("中川", "ナカガワ"),
          ("金田", "カネダ"), ("原", "ハラ"), ("小野", "オノ"), ("竹内", "タケウチ"), ("金井", "カナイ")]
JA_GIVEN = [("翔", "ショウ"), ("蓮", "レン"), ("陽翔", "ハルト"), ("大翔", "ヒロト"), ("悠真", "ユウマ"),
            ("結衣", "ユイ"), ("陽菜", "ヒナ"), ("葵", "アオイ"), ("健", "ケン"), ("誠", "マコト"),
            ("大輔", "ダイスケ"), ("健太", "ケンタ"), ("拓也", "タクヤ"), ("美咲", "ミサキ"), ("愛", "アイ"),
            ("直人", "ナオト"), ("一郎", "イチロウ"), ("太郎", "タロウ"), ("花子", "ハナコ"), ("裕子", "ユウコ"),
            ("恵子", "ケイコ"), ("明美", "アケミ"), ("浩", "ヒロシ"), ("隆", "タカシ"), ("修", "オサム"),
            ("勇気", "ユウキ"), ("真一", "シンイチ"), ("和也", "カズヤ"), ("智子", "トモコ"), ("正樹", "マサキ"),
            ("俊介", "シュンスケ"), ("亮", "リョウ"), ("純一", "ジュンイチ"), ("英樹", "ヒデキ"), ("康介", "コウスケ"),
            ("静香", "シズカ"), ("美穂", "ミホ"), ("玲奈", "レイナ"), ("千尋", "チヒロ"), ("茂", "シゲル"),
            ("正男", "マサオ"), ("英子", "エイコ"), ("順子", "ジュンコ"), ("哲也", "テツヤ"), ("剛", "ツヨシ")]
RU_SUR = ("Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Федоров Морозов "
          "Волков Алексеев Лебедев Семенов Егоров Павлов Козлов Степанов Николаев Орлов Андреев "
          "Макаров Никитин Захаров Зайцев Соловьев Борисов Яковлев Григорьев Романов Воробьев Сергеев "
          "Кузьмин Фролов Александров Дмитриев Королев Гусев Киселев Ильин Максимов Поляков Сорокин "
          "Виноградов Ковалев Белов Медведев Антонов Тарасов Жуков Баранов Филиппов Комаров Давыдов "
          "Беляев Герасимов Богданов Осипов Сидоров Матвеев Титов Марков Миронов Крылов Куликов Карпов "
          "Власов Мельников Денисов Гаврилов Тихонов Казаков Афанасьев Данилов Савельев Тимофеев Фомин "
          "Чернов Абрамов Мартынов Ефимов Федотов Щербаков Назаров Калинин Исаев Чернышев Быков Маслов").split()
RU_KOREAN_SUR = "Ким Пак Ли Цой Тен Хан Югай Шин Нам Кан".split()  # Koryo-saram, about 0.1% of Russians
RU_MALE = ("Александр Сергей Дмитрий Андрей Алексей Максим Евгений Иван Михаил Артём Николай Владимир "
           "Павел Роман Игорь Олег Денис Антон Юрий Виктор Никита Илья Кирилл Константин Вячеслав Борис "
           "Григорий Леонид Фёдор Анатолий Валерий Геннадий Станислав Вадим Руслан Тимур Егор Глеб").split()
RU_FEMALE = ("Анна Елена Ольга Наталья Екатерина Татьяна Мария Ирина Светлана Юлия Анастасия Марина "
             "Людмила Дарья Валентина Галина Ксения Алина Виктория Полина Вера Надежда Любовь Софья "
             "Кристина Евгения Яна Оксана Лариса Инна").split()


def fem(s):
    if s.endswith(("ов", "ев", "ёв", "ин", "ын")):
        return s + "а"
    return s


def innocents(kind, n, rng, uh):
    out = []
    sur_ko = [(k, v[1]) for k, v in SURNAMES_KO.items() if v[1] > 0]
    for _ in range(n):
        if kind.startswith("ko-"):
            s = rng.choices([k for k, _ in sur_ko], [w for _, w in sur_ko])[0]
            if s == "리":
                s = "이"
            if s in ("림", "류", "량", "로", "렴", "려"):
                s = {"림": "임", "류": "유", "량": "양", "로": "노", "렴": "염", "려": "여"}[s]
            g = rng.sample(GIVEN_KO, 2) if rng.random() < 0.95 else [rng.choice(GIVEN_KO)]
            if kind == "ko-hangul":
                out.append(s + "".join(g))
            elif kind == "ko-latin":
                out.append(rr_form(s, g) if rng.random() < 0.5 else mr_form(s, g, False).replace("’", ""))
            else:
                h = hanja_form(s if s in SURNAMES_KO else "김", g, uh, rng)
                if h:
                    out.append(h)
        elif kind == "zh-hanzi":
            s = rng.choices(ZH_SUR, ZH_SUR_W[:len(ZH_SUR)])[0]
            g = "".join(rng.sample(ZH_GIVEN, 1 if rng.random() < 0.35 else 2))
            out.append(s + g)
        elif kind in ("ja-kanji", "ja-kana"):
            s, g = rng.choice(JA_SUR), rng.choice(JA_GIVEN)
            out.append(s[0] + g[0] if kind == "ja-kanji" else s[1] + rng.choice(["・", " "]) + g[1])
        elif kind == "ru-cyrillic":
            female = rng.random() < 0.5
            sur = rng.choice(RU_KOREAN_SUR) if rng.random() < 0.02 else rng.choice(RU_SUR)
            given = rng.choice(RU_FEMALE if female else RU_MALE)
            if female:
                sur = fem(sur)
            out.append(given + " " + sur if rng.random() < 0.6 else sur + " " + given)
    return out


# -------------------------------------------------------------------- main
def screen(binary, home, rows):
    """rows: [(id, name)] -> {id: [matched entity ids]}"""
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "name", "schema"])
        for i, n in rows:
            w.writerow([i, n, "Person"])
        path = f.name
    try:
        r = subprocess.run([binary, "screen", "--data-dir", home, "--format", "jsonl", "--threads", "2", path],
                           capture_output=True, text=True)
        if r.returncode not in (0, 1):
            sys.exit("eval_scripts: screen failed: " + r.stderr[-500:])
    finally:
        os.unlink(path)
    out = {}
    for line in r.stdout.splitlines():
        d = json.loads(line)
        out[d["id"]] = [m["entity"] for m in d.get("matches", []) if m.get("match")]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--lists", required=True)
    ap.add_argument("--innocents", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--realworld")
    ap.add_argument("--misses", action="store_true")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    uh = Unihan()
    names = load_dprk(a.lists)
    # listed spellings of one Hangul name, for credit: any entity of that name counts
    by_hangul = {}
    for ent, _n, sur, given, _g in names:
        by_hangul.setdefault(sur + "".join(given), set()).add(ent)
    forms = []  # (script, kind, query, expected entities)
    for ent, latin, sur, given, latin_given in names:
        ok = by_hangul[sur + "".join(given)]
        h = sur + "".join(given)
        forms.append(("hangul", "hangul", h, ok))
        hj = hanja_form(sur, given, uh, rng)
        if hj:
            forms.append(("hanja", "hanja", hj, ok))
            hs = hanja_form(sur, given, uh, random.Random(hj), simplified=True)
            if hs:
                forms.append(("hanja", "hanzi-simplified", hs, ok))
        forms.append(("katakana", "kana-mof", kana_form(sur, given, rng), ok))
        forms.append(("cyrillic", "kontsevich", cyr_form(sur, given, rng, False), ok))
        forms.append(("cyrillic", "russian-older", cyr_form(sur, given, rng, True), ok))
        forms.append(("latin", "mr-sound-changes", mr_form(sur, given), ok))
        forms.append(("latin", "rr", rr_form(sur, given), ok))
        latin_sur = latin.split(",")[0].split()[0] if "," in latin else latin.split()[0]
        for lang in ("de", "hu", "lt", "pl"):
            forms.append(("european", lang, european_form(latin_sur, latin_given, lang), ok))
    # de-duplicate identical queries of one kind
    seen, uniq = set(), []
    for f in forms:
        if (f[1], f[2]) not in seen:
            seen.add((f[1], f[2]))
            uniq.append(f)
    forms = uniq
    inn_kinds = ["ko-hangul", "ko-latin", "ko-hanja", "zh-hanzi", "ja-kanji", "ja-kana", "ru-cyrillic"]
    inn = [(k, q) for k in inn_kinds for q in innocents(k, a.innocents, rng, uh)]
    real = []
    if a.realworld:
        with open(a.realworld, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    p = line.split("\t")
                    real.append((p[0], p[1], p[2]))
    rows = [("f%d" % i, f[2]) for i, f in enumerate(forms)]
    rows += [("i%d" % i, q) for i, (_, q) in enumerate(inn)]
    rows += [("r%d" % i, r[1]) for i, r in enumerate(real)]
    res = screen(a.bin, a.data_dir, rows)

    print("== names across scripts: %d listed DPRK spellings (UN KPi + OFAC DPRK individuals), "
          "%d forms, seed %d" % (len(names), len(forms), a.seed))
    print("%-12s %-18s %6s %6s %7s" % ("script", "kind", "forms", "found", "recall"))
    per_script = {}
    misses = []
    for kind in dict.fromkeys(f[1] for f in forms):
        fs = [(i, f) for i, f in enumerate(forms) if f[1] == kind]
        found = sum(1 for i, f in fs if set(res.get("f%d" % i, [])) & f[3])
        misses += [f for i, f in fs if not set(res.get("f%d" % i, [])) & f[3]]
        sc = fs[0][1][0]
        t = per_script.setdefault(sc, [0, 0])
        t[0] += len(fs)
        t[1] += found
        print("%-12s %-18s %6d %6d %7.3f" % (sc, kind, len(fs), found, found / len(fs)))
    for sc, (n, k) in per_script.items():
        print("%-12s %-18s %6d %6d %7.3f" % (sc, "ALL", n, k, k / n))
    print("\ninnocents flagged (any match at the default threshold)")
    print("%-14s %6s %7s %7s" % ("population", "names", "flagged", "rate"))
    for k in inn_kinds:
        ids = [i for i, (kk, _) in enumerate(inn) if kk == k]
        fl = [i for i in ids if res.get("i%d" % i)]
        print("%-14s %6d %7d %6.2f%%" % (k, len(ids), len(fl), 100.0 * len(fl) / max(1, len(ids))))
        if a.misses:
            for i in fl[:10]:
                print("    flagged: %s -> %s" % (inn[i][1], ",".join(res["i%d" % i][:3])))
    if real:
        print("\nreal-world renderings (%s)" % os.path.basename(a.realworld))
        by = {}
        for i, (sc, q, exp) in enumerate(real):
            got = res.get("r%d" % i, [])
            good = (exp in got) if exp != "-" else not got
            t = by.setdefault(sc, [0, 0])
            t[0] += 1
            t[1] += good
            if not good and a.misses:
                print("    wrong: %s %s expected %s got %s" % (sc, q, exp, ",".join(got[:3])))
        for sc, (n, k) in by.items():
            print("%-14s %3d/%-3d correct" % (sc, k, n))
    if a.misses:
        print("\nmissed forms (first 40 of each script)")
        shown = {}
        for f in misses:
            shown[f[0]] = shown.get(f[0], 0) + 1
            if shown[f[0]] > 40:
                continue
            print("    %-10s %-16s %s" % (f[0], f[1], f[2]))


if __name__ == "__main__":
    main()
