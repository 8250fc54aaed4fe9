/*
 * chinese.c - Chinese names in Wade-Giles and in pinyin.
 *
 * Design: the same person is "Mao Tse-tung" and "Mao Zedong", "Hsi
 * Chin-p'ing" and "Xi Jinping": Taiwan, older documents and many lists
 * write Wade-Giles, the mainland writes pinyin, and the letters disagree
 * (ts/z, hs/x, ch/j/q/zh, p/b, t/d, k/g, j/r, -ung/-ong, -ieh/-ie).  Every
 * syllable of either system maps to one key: its Wade-Giles spelling
 * without apostrophes or umlauts (pinyin keeps distinctions Wade-Giles
 * loses without its apostrophes, so pinyin -> key is a function).  A word
 * gets a key when it splits wholly into syllables (fewest syllables, the
 * longer first: Xian is one syllable, as pinyin writes Xi'an otherwise).
 * Keys only speak when one of the two names is marked as Wade-Giles by a
 * word pinyin cannot spell (hsi, tse, chin, tung), so pinyin names that
 * merely share a key (Dong, Tong) stay apart.
 * Invariant: both tables sorted by code (5 bits a letter), checked by
 * nm_zh_tables_sorted() in the tests.
 */
#include <string.h>

#include "names/names_int.h"

typedef struct zh_row {
    uint32_t code;
    uint16_t key; /* index into zh_wg */
} zh_row;

/* Wade-Giles syllables without apostrophes or umlauts, the key space */
static const char *const zh_wg[300] = {
    "a", "ai", "an", "ang", "ao", "cha", "chai", "chan", "chang", "chao", "che", "chei", "chen",
    "cheng", "chi", "chia", "chiang", "chiao", "chieh", "chien", "chih", "chin", "ching", "chiu",
    "chiung", "cho", "chou", "chu", "chua", "chuai", "chuan", "chuang", "chueh", "chui", "chun",
    "chung", "ei", "en", "eng", "erh", "fa", "fan", "fang", "fei", "fen", "feng", "fo", "fou",
    "fu", "ha", "hai", "han", "hang", "hao", "hei", "hen", "heng", "ho", "hou", "hsi", "hsia",
    "hsiang", "hsiao", "hsieh", "hsien", "hsin", "hsing", "hsiu", "hsiung", "hsu", "hsuan",
    "hsueh", "hsun", "hu", "hua", "huai", "huan", "huang", "hui", "hun", "hung", "huo", "i",
    "jan", "jang", "jao", "je", "jen", "jeng", "jih", "jo", "jou", "ju", "jua", "juan", "jui",
    "jun", "jung", "ka", "kai", "kan", "kang", "kao", "kei", "ken", "keng", "ko", "kou", "ku",
    "kua", "kuai", "kuan", "kuang", "kuei", "kun", "kung", "kuo", "la", "lai", "lan", "lang",
    "lao", "le", "lei", "leng", "li", "lia", "liang", "liao", "lieh", "lien", "lin", "ling",
    "liu", "lo", "lou", "lu", "luan", "lueh", "lun", "lung", "ma", "mai", "man", "mang", "mao",
    "me", "mei", "men", "meng", "mi", "miao", "mieh", "mien", "min", "ming", "miu", "mo", "mou",
    "mu", "na", "nai", "nan", "nang", "nao", "ne", "nei", "nen", "neng", "ni", "niang", "niao",
    "nieh", "nien", "nin", "ning", "niu", "no", "nou", "nu", "nuan", "nueh", "nun", "nung", "o",
    "ou", "pa", "pai", "pan", "pang", "pao", "pei", "pen", "peng", "pi", "piao", "pieh", "pien",
    "pin", "ping", "po", "pou", "pu", "sa", "sai", "san", "sang", "sao", "se", "sen", "seng",
    "sha", "shai", "shan", "shang", "shao", "she", "shei", "shen", "sheng", "shih", "shou", "shu",
    "shua", "shuai", "shuan", "shuang", "shui", "shun", "shuo", "so", "sou", "ssu", "su", "suan",
    "sui", "sun", "sung", "ta", "tai", "tan", "tang", "tao", "te", "tei", "ten", "teng", "ti",
    "tia", "tiao", "tieh", "tien", "ting", "tiu", "to", "tou", "tsa", "tsai", "tsan", "tsang",
    "tsao", "tse", "tsei", "tsen", "tseng", "tso", "tsou", "tsu", "tsuan", "tsui", "tsun",
    "tsung", "tu", "tuan", "tui", "tun", "tung", "tzu", "wa", "wai", "wan", "wang", "wei", "wen",
    "weng", "wo", "wu", "ya", "yang", "yao", "yeh", "yen", "yin", "ying", "yo", "yu", "yuan",
    "yueh", "yun", "yung",
};
/* every pinyin syllable (5 bits per letter, sorted) and its key */
static const zh_row zh_pinyin[409] = {
    {0x1, 0}, {0x5, 184}, {0xf, 184}, {0x29, 1}, {0x2e, 2}, {0x2f, 4}, {0x41, 186}, {0x49, 194},
    {0x4f, 200}, {0x55, 202}, {0x61, 256}, {0x65, 261}, {0x69, 277}, {0x75, 267}, {0x81, 238},
    {0x85, 243}, {0x89, 247}, {0x95, 272}, {0xa9, 36}, {0xae, 37}, {0xb2, 39}, {0xc1, 40},
    {0xcf, 46}, {0xd5, 48}, {0xe1, 98}, {0xe5, 106}, {0xf5, 108}, {0x101, 49}, {0x105, 57},
    {0x115, 73}, {0x149, 14}, {0x155, 27}, {0x161, 98}, {0x165, 106}, {0x175, 108}, {0x181, 117},
    {0x185, 122}, {0x189, 125}, {0x18f, 134}, {0x195, 136}, {0x1a1, 141}, {0x1a5, 146},
    {0x1a9, 150}, {0x1af, 157}, {0x1b5, 159}, {0x1c1, 160}, {0x1c5, 165}, {0x1c9, 169},
    {0x1d5, 179}, {0x1f5, 185}, {0x201, 186}, {0x209, 194}, {0x20f, 200}, {0x215, 202},
    {0x229, 14}, {0x235, 27}, {0x245, 86}, {0x249, 89}, {0x255, 92}, {0x261, 203}, {0x265, 208},
    {0x269, 232}, {0x275, 233}, {0x281, 238}, {0x285, 243}, {0x289, 247}, {0x295, 272},
    {0x2e1, 278}, {0x2ef, 285}, {0x2f5, 286}, {0x309, 59}, {0x315, 69}, {0x321, 287},
    {0x325, 290}, {0x329, 82}, {0x32f, 294}, {0x335, 295}, {0x341, 256}, {0x345, 261},
    {0x349, 277}, {0x355, 267}, {0x5c7, 3}, {0x829, 187}, {0x82e, 188}, {0x82f, 190},
    {0x8a9, 191}, {0x8ae, 192}, {0x925, 196}, {0x92e, 198}, {0xc29, 257}, {0xc2e, 258},
    {0xc2f, 260}, {0xcae, 263}, {0xd01, 5}, {0xd05, 10}, {0xd09, 20}, {0xd15, 27}, {0xdf5, 266},
    {0xea9, 269}, {0xeae, 270}, {0xeaf, 265}, {0x1029, 239}, {0x102e, 240}, {0x102f, 242},
    {0x10a9, 244}, {0x10ae, 245}, {0x1121, 248}, {0x1125, 250}, {0x1135, 253}, {0x11f5, 255},
    {0x12a9, 274}, {0x12ae, 275}, {0x12af, 254}, {0x15c7, 38}, {0x182e, 41}, {0x18a9, 43},
    {0x18ae, 44}, {0x19f5, 47}, {0x1c29, 99}, {0x1c2e, 100}, {0x1c2f, 102}, {0x1ca9, 103},
    {0x1cae, 104}, {0x1df5, 107}, {0x1ea1, 109}, {0x1ea9, 113}, {0x1eae, 114}, {0x1eaf, 116},
    {0x2029, 50}, {0x202e, 51}, {0x202f, 53}, {0x20a9, 54}, {0x20ae, 55}, {0x21f5, 58},
    {0x22a1, 74}, {0x22a9, 78}, {0x22ae, 79}, {0x22af, 81}, {0x2921, 15}, {0x2925, 18},
    {0x292e, 21}, {0x2935, 23}, {0x2aa5, 32}, {0x2aae, 34}, {0x2c29, 99}, {0x2c2e, 100},
    {0x2c2f, 102}, {0x2ca9, 103}, {0x2cae, 104}, {0x2df5, 107}, {0x2ea1, 109}, {0x2ea9, 113},
    {0x2eae, 114}, {0x2eaf, 116}, {0x3029, 118}, {0x302e, 119}, {0x302f, 121}, {0x30a9, 123},
    {0x3121, 126}, {0x3125, 129}, {0x312e, 131}, {0x3135, 133}, {0x31f5, 135}, {0x32a5, 138},
    {0x32ae, 139}, {0x32af, 134}, {0x3429, 142}, {0x342e, 143}, {0x342f, 145}, {0x34a9, 147},
    {0x34ae, 148}, {0x3525, 152}, {0x352e, 154}, {0x3535, 156}, {0x35f5, 158}, {0x3829, 161},
    {0x382e, 162}, {0x382f, 164}, {0x38a9, 166}, {0x38ae, 167}, {0x3925, 172}, {0x392e, 174},
    {0x3935, 176}, {0x39f5, 178}, {0x3aa5, 181}, {0x3aae, 182}, {0x3aaf, 177}, {0x4029, 187},
    {0x402e, 188}, {0x402f, 190}, {0x40a9, 191}, {0x40ae, 192}, {0x4125, 196}, {0x412e, 198},
    {0x41f5, 201}, {0x4521, 15}, {0x4525, 18}, {0x452e, 21}, {0x4535, 23}, {0x46a5, 32},
    {0x46ae, 34}, {0x482e, 83}, {0x482f, 85}, {0x48ae, 87}, {0x49f5, 91}, {0x4aa1, 93},
    {0x4aa9, 95}, {0x4aae, 96}, {0x4aaf, 90}, {0x4c29, 204}, {0x4c2e, 205}, {0x4c2f, 207},
    {0x4cae, 209}, {0x4d01, 211}, {0x4d05, 216}, {0x4d09, 220}, {0x4d15, 222}, {0x4df5, 231},
    {0x4ea9, 235}, {0x4eae, 236}, {0x4eaf, 230}, {0x5029, 239}, {0x502e, 240}, {0x502f, 242},
    {0x5125, 250}, {0x51f5, 255}, {0x52a9, 274}, {0x52ae, 275}, {0x52af, 254}, {0x5c29, 279},
    {0x5c2e, 280}, {0x5ca9, 282}, {0x5cae, 283}, {0x6121, 60}, {0x6125, 63}, {0x612e, 65},
    {0x6135, 67}, {0x62a5, 71}, {0x62ae, 72}, {0x642e, 291}, {0x642f, 289}, {0x652e, 292},
    {0x65f5, 295}, {0x66a5, 297}, {0x66ae, 298}, {0x6829, 257}, {0x682e, 258}, {0x682f, 260},
    {0x68a9, 262}, {0x68ae, 263}, {0x6901, 5}, {0x6905, 10}, {0x6909, 20}, {0x6915, 27},
    {0x69f5, 266}, {0x6aa9, 269}, {0x6aae, 270}, {0x6aaf, 265}, {0x105c7, 189}, {0x115c7, 193},
    {0x1242e, 197}, {0x1242f, 195}, {0x125c7, 199}, {0x185c7, 259}, {0x195c7, 264}, {0x1a029, 6},
    {0x1a02e, 7}, {0x1a02f, 9}, {0x1a0ae, 12}, {0x1a1f5, 26}, {0x1a2a1, 28}, {0x1a2a9, 33},
    {0x1a2ae, 34}, {0x1a2af, 25}, {0x1bdc7, 271}, {0x1d42e, 268}, {0x205c7, 241}, {0x215c7, 246},
    {0x2242e, 251}, {0x2242f, 249}, {0x225c7, 252}, {0x23dc7, 276}, {0x2542e, 273}, {0x305c7, 42},
    {0x315c7, 45}, {0x385c7, 101}, {0x395c7, 105}, {0x3bdc7, 115}, {0x3d429, 110}, {0x3d42e, 111},
    {0x405c7, 52}, {0x415c7, 56}, {0x43dc7, 80}, {0x45429, 75}, {0x4542e, 76}, {0x5242e, 19},
    {0x5242f, 17}, {0x525c7, 22}, {0x5542e, 30}, {0x585c7, 101}, {0x595c7, 105}, {0x5bdc7, 115},
    {0x5d429, 110}, {0x5d42e, 111}, {0x605c7, 120}, {0x615c7, 124}, {0x6242e, 130},
    {0x6242f, 128}, {0x625c7, 132}, {0x63dc7, 140}, {0x6542e, 137}, {0x685c7, 144},
    {0x695c7, 149}, {0x6a42e, 153}, {0x6a42f, 151}, {0x6a5c7, 155}, {0x705c7, 163},
    {0x715c7, 168}, {0x7242e, 173}, {0x7242f, 171}, {0x725c7, 175}, {0x73dc7, 183},
    {0x7542e, 180}, {0x805c7, 189}, {0x815c7, 193}, {0x8242e, 197}, {0x8242f, 195},
    {0x825c7, 199}, {0x8a42e, 19}, {0x8a42f, 17}, {0x8a5c7, 22}, {0x8d42e, 30}, {0x905c7, 84},
    {0x915c7, 88}, {0x93dc7, 97}, {0x9542e, 94}, {0x985c7, 206}, {0x995c7, 210}, {0x9a029, 212},
    {0x9a02e, 213}, {0x9a02f, 215}, {0x9a0a9, 217}, {0x9a0ae, 218}, {0x9a1f5, 221},
    {0x9a2a1, 223}, {0x9a2a9, 227}, {0x9a2ae, 228}, {0x9a2af, 229}, {0x9bdc7, 237},
    {0x9d42e, 234}, {0xa05c7, 241}, {0xa15c7, 246}, {0xa242e, 251}, {0xa242f, 249},
    {0xa25c7, 252}, {0xa3dc7, 276}, {0xa542e, 273}, {0xb85c7, 281}, {0xb95c7, 284}, {0xc242e, 64},
    {0xc242f, 62}, {0xc25c7, 66}, {0xc542e, 70}, {0xc85c7, 288}, {0xca5c7, 293}, {0xcbdc7, 299},
    {0xcd42e, 296}, {0xd05c7, 259}, {0xd15c7, 264}, {0xd2029, 6}, {0xd202e, 7}, {0xd202f, 9},
    {0xd20a9, 11}, {0xd20ae, 12}, {0xd21f5, 26}, {0xd22a1, 28}, {0xd22a9, 33}, {0xd22ae, 34},
    {0xd22af, 25}, {0xd3dc7, 271}, {0xd542e, 268}, {0x3405c7, 8}, {0x3415c7, 13}, {0x343dc7, 35},
    {0x345429, 29}, {0x34542e, 30}, {0x7a85c7, 112}, {0x8a85c7, 77}, {0xa485c7, 16},
    {0xa4bdc7, 24}, {0xba85c7, 112}, {0xc485c7, 127}, {0xe485c7, 170}, {0x11485c7, 16},
    {0x114bdc7, 24}, {0x13405c7, 214}, {0x13415c7, 219}, {0x1345429, 224}, {0x134542e, 225},
    {0x18485c7, 61}, {0x184bdc7, 68}, {0x1a405c7, 8}, {0x1a415c7, 13}, {0x1a43dc7, 35},
    {0x1a45429, 29}, {0x1a4542e, 30}, {0x68a85c7, 31}, {0x268a85c7, 226}, {0x348a85c7, 31},
};
/* every Wade-Giles syllable (same coding, sorted) and its key */
static const zh_row zh_wade[300] = {
    {0x1, 0}, {0x9, 82}, {0xf, 184}, {0x29, 1}, {0x2e, 2}, {0x2f, 4}, {0xa9, 36}, {0xae, 37},
    {0xc1, 40}, {0xcf, 46}, {0xd5, 48}, {0x101, 49}, {0x10f, 57}, {0x115, 73}, {0x145, 86},
    {0x14f, 90}, {0x155, 92}, {0x161, 98}, {0x16f, 106}, {0x175, 108}, {0x181, 117}, {0x185, 122},
    {0x189, 125}, {0x18f, 134}, {0x195, 136}, {0x1a1, 141}, {0x1a5, 146}, {0x1a9, 150},
    {0x1af, 157}, {0x1b5, 159}, {0x1c1, 160}, {0x1c5, 165}, {0x1c9, 169}, {0x1cf, 177},
    {0x1d5, 179}, {0x1f5, 185}, {0x201, 186}, {0x209, 194}, {0x20f, 200}, {0x215, 202},
    {0x261, 203}, {0x265, 208}, {0x26f, 230}, {0x275, 233}, {0x281, 238}, {0x285, 243},
    {0x289, 247}, {0x28f, 254}, {0x295, 272}, {0x2e1, 278}, {0x2ef, 285}, {0x2f5, 286},
    {0x321, 287}, {0x32f, 294}, {0x335, 295}, {0x5c7, 3}, {0xd01, 5}, {0xd05, 10}, {0xd09, 14},
    {0xd0f, 25}, {0xd15, 27}, {0x15c7, 38}, {0x1648, 39}, {0x182e, 41}, {0x18a9, 43},
    {0x18ae, 44}, {0x19f5, 47}, {0x2029, 50}, {0x202e, 51}, {0x202f, 53}, {0x20a9, 54},
    {0x20ae, 55}, {0x21f5, 58}, {0x2269, 59}, {0x2275, 69}, {0x22a1, 74}, {0x22a9, 78},
    {0x22ae, 79}, {0x22af, 81}, {0x282e, 83}, {0x282f, 85}, {0x28ae, 87}, {0x2928, 89},
    {0x29f5, 91}, {0x2aa1, 93}, {0x2aa9, 95}, {0x2aae, 96}, {0x2c29, 99}, {0x2c2e, 100},
    {0x2c2f, 102}, {0x2ca9, 103}, {0x2cae, 104}, {0x2df5, 107}, {0x2ea1, 109}, {0x2eae, 114},
    {0x2eaf, 116}, {0x3029, 118}, {0x302e, 119}, {0x302f, 121}, {0x30a9, 123}, {0x3121, 126},
    {0x312e, 131}, {0x3135, 133}, {0x31f5, 135}, {0x32ae, 139}, {0x3429, 142}, {0x342e, 143},
    {0x342f, 145}, {0x34a9, 147}, {0x34ae, 148}, {0x352e, 154}, {0x3535, 156}, {0x35f5, 158},
    {0x3829, 161}, {0x382e, 162}, {0x382f, 164}, {0x38a9, 166}, {0x38ae, 167}, {0x392e, 174},
    {0x3935, 176}, {0x39f5, 178}, {0x3aae, 182}, {0x4029, 187}, {0x402e, 188}, {0x402f, 190},
    {0x40a9, 191}, {0x40ae, 192}, {0x412e, 198}, {0x41f5, 201}, {0x4c29, 204}, {0x4c2e, 205},
    {0x4c2f, 207}, {0x4cae, 209}, {0x4d01, 211}, {0x4d05, 216}, {0x4d15, 222}, {0x4df5, 231},
    {0x4e75, 232}, {0x4ea9, 235}, {0x4eae, 236}, {0x5029, 239}, {0x502e, 240}, {0x502f, 242},
    {0x50a9, 244}, {0x50ae, 245}, {0x5121, 248}, {0x5135, 253}, {0x51f5, 255}, {0x5261, 256},
    {0x5265, 261}, {0x526f, 265}, {0x5275, 267}, {0x52a9, 274}, {0x52ae, 275}, {0x5355, 277},
    {0x5c29, 279}, {0x5c2e, 280}, {0x5ca9, 282}, {0x5cae, 283}, {0x642f, 289}, {0x64a8, 290},
    {0x64ae, 291}, {0x652e, 292}, {0x66ae, 298}, {0x1a029, 6}, {0x1a02e, 7}, {0x1a02f, 9},
    {0x1a0a9, 11}, {0x1a0ae, 12}, {0x1a121, 15}, {0x1a128, 20}, {0x1a12e, 21}, {0x1a135, 23},
    {0x1a1f5, 26}, {0x1a2a1, 28}, {0x1a2a9, 33}, {0x1a2ae, 34}, {0x305c7, 42}, {0x315c7, 45},
    {0x405c7, 52}, {0x415c7, 56}, {0x44d21, 60}, {0x44d2e, 65}, {0x44d35, 67}, {0x44eae, 72},
    {0x45429, 75}, {0x4542e, 76}, {0x455c7, 80}, {0x505c7, 84}, {0x515c7, 88}, {0x5542e, 94},
    {0x555c7, 97}, {0x585c7, 101}, {0x595c7, 105}, {0x5d429, 110}, {0x5d42e, 111}, {0x5d4a9, 113},
    {0x5d5c7, 115}, {0x605c7, 120}, {0x615c7, 124}, {0x6242f, 128}, {0x624a8, 129},
    {0x624ae, 130}, {0x625c7, 132}, {0x6542e, 137}, {0x654a8, 138}, {0x655c7, 140},
    {0x685c7, 144}, {0x695c7, 149}, {0x6a42f, 151}, {0x6a4a8, 152}, {0x6a4ae, 153},
    {0x6a5c7, 155}, {0x705c7, 163}, {0x715c7, 168}, {0x7242f, 171}, {0x724a8, 172},
    {0x724ae, 173}, {0x725c7, 175}, {0x7542e, 180}, {0x754a8, 181}, {0x755c7, 183},
    {0x805c7, 189}, {0x815c7, 193}, {0x8242f, 195}, {0x824a8, 196}, {0x824ae, 197},
    {0x825c7, 199}, {0x985c7, 206}, {0x995c7, 210}, {0x9a029, 212}, {0x9a02e, 213},
    {0x9a02f, 215}, {0x9a0a9, 217}, {0x9a0ae, 218}, {0x9a128, 220}, {0x9a1f5, 221},
    {0x9a2a1, 223}, {0x9a2a9, 227}, {0x9a2ae, 228}, {0x9a2af, 229}, {0x9d42e, 234},
    {0x9d5c7, 237}, {0xa05c7, 241}, {0xa15c7, 246}, {0xa242f, 249}, {0xa24a8, 250},
    {0xa24ae, 251}, {0xa25c7, 252}, {0xa4c29, 257}, {0xa4c2e, 258}, {0xa4c2f, 260},
    {0xa4ca9, 262}, {0xa4cae, 263}, {0xa4df5, 266}, {0xa4ea9, 269}, {0xa4eae, 270},
    {0xa542e, 273}, {0xa55c7, 276}, {0xb85c7, 281}, {0xb95c7, 284}, {0xc85c7, 288},
    {0xca5c7, 293}, {0xcd42e, 296}, {0xcd4a8, 297}, {0xcd5c7, 299}, {0x3405c7, 8}, {0x3415c7, 13},
    {0x34242f, 17}, {0x3424a8, 18}, {0x3424ae, 19}, {0x3425c7, 22}, {0x345429, 29},
    {0x34542e, 30}, {0x3454a8, 32}, {0x3455c7, 35}, {0x89a42f, 62}, {0x89a4a8, 63},
    {0x89a4ae, 64}, {0x89a5c7, 66}, {0x89d42e, 70}, {0x89d4a8, 71}, {0x8a85c7, 77},
    {0xba85c7, 112}, {0xc485c7, 127}, {0xe485c7, 170}, {0x13405c7, 214}, {0x13415c7, 219},
    {0x1345429, 224}, {0x134542e, 225}, {0x14985c7, 259}, {0x14995c7, 264}, {0x149d42e, 268},
    {0x149d5c7, 271}, {0x68485c7, 16}, {0x684d5c7, 24}, {0x68a85c7, 31}, {0x113485c7, 61},
    {0x1134d5c7, 68}, {0x268a85c7, 226},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define ZH_MAX_SYL_LEN 6
#define ZH_MAX_WORD 40

static int zh_find(const zh_row *t, size_t n, uint32_t code) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t[mid].code == code) return t[mid].key;
        if (t[mid].code < code) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

/* Split s into syllables of t, fewest first, the longer syllable first
 * among equals; the keys into key[].  Returns the count, 0 when s does
 * not split. */
static size_t zh_split(const char *s, size_t n, const zh_row *t, size_t tn, uint16_t *key) {
    if (n == 0 || n > ZH_MAX_WORD) return 0;
    uint8_t best[ZH_MAX_WORD + 1], len[ZH_MAX_WORD + 1] = {0};
    int16_t kk[ZH_MAX_WORD + 1] = {0};
    best[n] = 0;
    for (size_t i = n; i-- > 0;) {
        best[i] = UINT8_MAX;
        uint32_t code = 0;
        for (size_t l = 1; l <= ZH_MAX_SYL_LEN && i + l <= n; l++) {
            char c = s[i + l - 1];
            if (c < 'a' || c > 'z') break;
            code = code * 32 + (uint32_t)(c - 'a' + 1);
            if (best[i + l] == UINT8_MAX) continue;
            int k = zh_find(t, tn, code);
            if (k < 0) continue;
            if (best[i + l] + 1 <= best[i]) { /* later (longer) l wins a tie */
                best[i] = (uint8_t)(best[i + l] + 1);
                len[i] = (uint8_t)l;
                kk[i] = (int16_t)k;
            }
        }
    }
    if (best[0] == UINT8_MAX) return 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i += len[i]) key[m++] = (uint16_t)kk[i];
    return m;
}

int nm_zh_read(const char *s, size_t n) {
    uint16_t key[ZH_MAX_WORD];
    if (zh_split(s, n, zh_pinyin, COUNT(zh_pinyin), key)) return 1;
    if (zh_split(s, n, zh_wade, COUNT(zh_wade), key)) return 2;
    return 0;
}

size_t nm_zh_key(const char *s, size_t n, int wade, char *out, size_t cap) {
    uint16_t key[ZH_MAX_WORD];
    size_t m = 0;
    if (wade) m = zh_split(s, n, zh_wade, COUNT(zh_wade), key);
    if (m == 0) m = zh_split(s, n, zh_pinyin, COUNT(zh_pinyin), key);
    if (m == 0) return 0;
    size_t o = 0;
    for (size_t i = 0; i < m; i++) {
        size_t l = strlen(zh_wg[key[i]]);
        if (o + l + 1 > cap) return 0;
        memcpy(out + o, zh_wg[key[i]], l);
        o += l;
    }
    out[o] = 0;
    return o;
}

int nm_zh_tables_sorted(void) {
    for (size_t i = 1; i < COUNT(zh_pinyin); i++)
        if (zh_pinyin[i - 1].code >= zh_pinyin[i].code) return 0;
    for (size_t i = 1; i < COUNT(zh_wade); i++)
        if (zh_wade[i - 1].code >= zh_wade[i].code) return 0;
    return 1;
}

/* ---- a name in Chinese characters against one in letters ---------------- */

/* Every word of f is a Chinese character (1), none is (0), or some are (-1). */
static int han_words(const st_name_form *f) {
    size_t han = 0, words = 0;
    for (unsigned i = 0; i < f->ntok; i++) {
        if (f->tok[i].kind != NM_WORD) continue;
        words++;
        han += f->tok[i].origin == NM_HAN;
    }
    return words && han == words ? 1 : han ? -1 : 0;
}

/* The Wade-Giles keys of f's words joined, the last word moved first when
 * rotate (a surname written last); 0 when a word has none. */
static size_t joined_keys(const st_name_form *f, int wade, int rotate, char *out, size_t cap) {
    unsigned idx[ST_NAME_MAX_TOKENS], n = 0;
    for (unsigned i = 0; i < f->ntok; i++)
        if (f->tok[i].kind == NM_WORD) idx[n++] = i;
    if (n < 2) return 0;
    size_t o = 0;
    for (unsigned k = 0; k < n; k++) {
        unsigned i = rotate ? idx[(k + n - 1) % n] : idx[k];
        size_t l = nm_zh_key(nm_tok_str(f, i), f->tok[i].len, wade, out + o, cap - o);
        if (l == 0) return 0;
        o += l;
    }
    return o;
}

double nm_zh_han_score(const st_name_form *a, const st_name_form *b) {
    int ha = han_words(a), hb = han_words(b);
    if (ha == 1 && hb == 0) {
        const st_name_form *t = a;
        a = b;
        b = t;
    } else if (!(hb == 1 && ha == 0)) {
        return -1;
    }
    /* a: letters, b: characters read as pinyin */
    char ka[256], kb[256];
    if (!joined_keys(b, 0, 0, kb, sizeof kb) || !joined_keys(a, a->zh_wade, 0, ka, sizeof ka)) return -1;
    if (strcmp(ka, kb) == 0) return 1.0;
    if (a->comma_after != 1 && joined_keys(a, a->zh_wade, 1, ka, sizeof ka) && strcmp(ka, kb) == 0) return 1.0;
    return 0.0;
}
