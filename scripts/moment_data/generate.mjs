// Writes formulas/data/moment_locales.json (the locale data formulas/moment.py formats and
// parses with) and formulas/data/moment_golden.json (what real moment + moment-timezone print
// and parse, for tests/test_moment.py). Run: npm ci && node generate.mjs
//
// Everything is read from moment itself: name lists, long date formats, week rules, and the
// locale *functions* (ordinal, meridiem, postformat, preparse, isPM, meridiemHour) sampled into
// tables. The few locale name functions that pick a grammatical case from the format string are
// ported to (regex, list) rules below and checked against the real function before writing.
process.env.TZ = 'UTC';

import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const moment = require('moment-timezone');
require('moment/min/locales.js');
moment.locale('en');

const here = dirname(fileURLToPath(import.meta.url));
const dataDir = join(here, '..', '..', 'formulas', 'data');
const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
const fail = (msg) => {
    throw new Error(msg);
};

// moment's own default regexes, referenced by name to keep the JSON small
const MONTHS_IN_FORMAT = String.raw`D[oD]?(\[[^\[\]]*\]|\s)+MMMM?`;

// ---------------------------------------------------------------------------------------------
// Locale name functions that depend on the format string, as (regex on the format, list) rules.
// Each rule: [regex source, a format that triggers it]; the default list is what '' gives.
const NAME_PORTS = {
    el: { months: [[String.raw`^(?:(?!MMMM)[\s\S])*D(?=[\s\S]*MMMM)`, 'D MMMM']] },
    pl: { months: [[String.raw`D\.? MMMM`, 'D MMMM']] },
    uk: {
        weekdays: [
            [String.raw`(\[[ВвУу]\]) ?dddd`, '[В] dddd'],
            [String.raw`\[?(?:минулої|наступної)? ?\] ?dddd`, '[минулої] dddd'],
        ],
    },
};
for (const id of ['es', 'es-do', 'es-mx', 'es-us', 'fy', 'nl', 'nl-be']) {
    NAME_PORTS[id] = { monthsShort: [['-MMM-', '-MMM-']] };
}

const NAME_KINDS = { months: 12, monthsShort: 12, weekdays: 7, weekdaysShort: 7, weekdaysMin: 7 };

function momFor(kind, i) {
    // a moment whose month() or day() is i
    return kind.startsWith('month') ? moment.utc([2000, i, 1]) : moment.utc([2000, 0, 2 + i]);
}

function namesWith(L, kind, fmt) {
    const out = [];
    for (let i = 0; i < NAME_KINDS[kind]; i++) out.push(String(L[kind](momFor(kind, i), fmt)));
    return out;
}

function nameSpec(id, L, kind) {
    const own = hasOwn(L, kind) && typeof L[kind] === 'function';
    const raw = L['_' + kind];
    if (own) {
        const port = (NAME_PORTS[id] || {})[kind];
        if (!port) fail(`${id}.${kind} is a function with no port in NAME_PORTS`);
        const lists = port.map(([, trigger]) => namesWith(L, kind, trigger));
        lists.push(namesWith(L, kind, ''));
        return { lists, rules: port.map(([re], i) => [re, i]), default: lists.length - 1 };
    }
    if (Array.isArray(raw)) return raw.map(String);
    if (raw && raw.format && raw.standalone) {
        let re;
        if (kind === 'months') re = raw.isFormat ? raw.isFormat.source : MONTHS_IN_FORMAT;
        else if (kind === 'monthsShort') re = MONTHS_IN_FORMAT;
        else if (kind === 'weekdays') re = raw.isFormat.source;
        else fail(`${id}.${kind}: unexpected format/standalone object`);
        return { lists: [raw.format.map(String), raw.standalone.map(String)], rules: [[re, 0]], default: 1 };
    }
    fail(`${id}.${kind}: unexpected value ${typeof raw}`);
}

// lists are stored '_'-joined, as moment's locale files write them
const joined = (list) => {
    if (list.some((x) => x.includes('_'))) fail(`'_' in a name: ${list}`);
    return list.join('_');
};
function packSpec(spec) {
    if (Array.isArray(spec)) return joined(spec);
    return { ...spec, lists: spec.lists.map(joined) };
}

function evalSpec(spec, fmt, i) {
    if (Array.isArray(spec)) return spec[i];
    for (const [re, idx] of spec.rules) if (new RegExp(re).test(fmt)) return spec.lists[idx][i];
    return spec.lists[spec.default][i];
}

// ---------------------------------------------------------------------------------------------
// Ordinals: ordinal(n, token) for the tokens that have one, as (prefix, suffix) tables: entry n
// for n < b + m, else entry b + (n - b) % m; checked against moment for n up to 5000.
const ORD_TOKENS = ['M', 'Q', 'D', 'DDD', 'd', 'w', 'W', 'y'];
const ordinalTables = [];
const ordinalIndex = new Map();

function ordinalTable(L, token) {
    const prefixes = [];
    const suffixes = [];
    const full = {};
    const entry = (n) => String(L.ordinal(n, token));
    for (let n = 0; n < 300; n++) {
        const s = entry(n);
        const at = s.indexOf(String(n));
        if (at >= 0) {
            prefixes.push(s.slice(0, at));
            suffixes.push(s.slice(at + String(n).length));
        } else {
            prefixes.push('');
            suffixes.push('');
            full[n] = s;
        }
    }
    const lookup = (n) => {
        if (n < 300 && hasOwn(full, n)) return full[n];
        const k = n < 300 ? n : 200 + (n % 100);
        return hasOwn(full, k) ? null : prefixes[k] + String(n) + suffixes[k];
    };
    for (let n = 0; n <= 5000; n++) {
        if (lookup(n) !== entry(n)) fail(`ordinal(${n}, ${token}) of ${L._abbr}: table gives ${lookup(n)}, moment ${entry(n)}`);
    }
    // shortest b + m such that every n >= b + m repeats entry b + (n - b) % m
    let best = null;
    const fullKeys = Object.keys(full).map(Number);
    for (const m of [1, 10, 100]) {
        for (let b = 0; b + m <= 300; b++) {
            if (best && b + m >= best[0] + best[1]) break;
            if (fullKeys.some((k) => k >= b + m)) continue;
            let ok = true;
            for (let n = b + m; n < 300 && ok; n++) {
                const k = b + ((n - b) % m);
                ok = prefixes[n] === prefixes[k] && suffixes[n] === suffixes[k];
            }
            if (ok) best = [b, m];
        }
    }
    if (!best) fail(`ordinal of ${L._abbr} for ${token}: no period`);
    const size = best[0] + best[1];
    const table = { s: suffixes.slice(0, size).join('_'), b: best[0], m: best[1] };
    if (prefixes.some((p) => p)) table.p = prefixes.slice(0, size).join('_');
    if (Object.keys(full).length) table.x = full;
    if ([...suffixes, ...prefixes].some((x) => x.includes('_'))) fail(`ordinal of ${L._abbr}: '_' in a suffix`);
    for (let n = 0; n <= 5000; n++) {
        const k = n < size ? n : best[0] + ((n - best[0]) % best[1]);
        const got = hasOwn(full, n) ? full[n] : prefixes[k] + String(n) + suffixes[k];
        if (got !== entry(n)) fail(`ordinal(${n}, ${token}) of ${L._abbr}: compressed table gives ${got}`);
    }
    // tables where every entry is the same suffix collapse to that string
    if (!table.x && !table.p && size === 1) return suffixes[0];
    const key = JSON.stringify(table);
    if (!ordinalIndex.has(key)) {
        ordinalIndex.set(key, ordinalTables.length);
        ordinalTables.push(table);
    }
    return ordinalIndex.get(key);
}

// ---------------------------------------------------------------------------------------------
// Character maps for postformat / preparse (e.g. Arabic-Indic digits), checked to be char-wise.
const CANDIDATES = [];
for (let c = 0x20; c < 0xfff0; c++) if (c < 0xd800 || c > 0xdfff) CANDIDATES.push(String.fromCharCode(c));

function charMap(id, fn) {
    const map = {};
    for (const ch of CANDIDATES) {
        const out = fn(ch);
        if (out !== ch) map[ch] = out;
    }
    const apply = (s) => Array.from(s, (ch) => (hasOwn(map, ch) ? map[ch] : ch)).join('');
    const keys = Object.keys(map);
    const pool = keys.concat(['a', 'Z', ' ', '1', '9', '0', ',', '.', ':', '-', '/', 'x', 'é']);
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let t = 0; t < 2000; t++) {
        let s = '';
        const len = 1 + Math.floor(rnd() * 12);
        for (let k = 0; k < len; k++) s += pool[Math.floor(rnd() * pool.length)];
        if (fn(s) !== apply(s)) fail(`${id}: pre/postformat is not a character map (${JSON.stringify(s)})`);
    }
    return map;
}

// ---------------------------------------------------------------------------------------------
const regexPool = [];
const regexIndex = new Map();
function pooled(re) {
    const key = JSON.stringify([re.source, re.flags.replace(/g/g, '')]);
    if (!regexIndex.has(key)) {
        regexIndex.set(key, regexPool.length);
        regexPool.push(JSON.parse(key));
    }
    return regexIndex.get(key);
}

const FORMATTING_TOKENS =
    /(\[[^\[]*\])|(\\e)|(\\)?(eHHmm|[Hh]mm(ss)?|Mo|MM?M?M?|Do|DDDo|DD?D?D?|ddd?d?|do?|w[o|w]?|W[o|W]?|Qo?|N{1,5}|YYYYYY|YYYYY|YYYY|YY|y{2,4}|yo?|gg(ggg?)?|GG(GGG?)?|e|E|a|A|hh?|HH?|kk?|mm?|ss?|S{1,9}|x|X|zz?|ZZ?|.)/g;
function shortLongDateFormat(upper) {
    return upper
        .match(FORMATTING_TOKENS)
        .map((t) => (t === 'MMMM' || t === 'MM' || t === 'DD' || t === 'dddd' ? t.slice(1) : t))
        .join('');
}
const listPool = [];
const listIndex = new Map();
function pooledList(list) {
    const key = JSON.stringify(list);
    if (!listIndex.has(key)) {
        listIndex.set(key, listPool.length);
        listPool.push(list);
    }
    return listIndex.get(key);
}
const LDF_KEYS = ['LT', 'LTS', 'L', 'LL', 'LLL', 'LLLL', 'l', 'll', 'lll', 'llll'];
const enEras = JSON.stringify(moment.localeData('en').eras());

function erasOf(L) {
    const eras = L.eras();
    if (JSON.stringify(eras) === enEras) return null;
    return eras.map((e) => ({
        since: Number.isFinite(e.since) ? e.since : e.since > 0 ? 'inf' : '-inf',
        until: Number.isFinite(e.until) ? e.until : e.until > 0 ? 'inf' : '-inf',
        offset: e.offset,
        name: e.name,
        narrow: e.narrow,
        abbr: e.abbr,
        sinceYear: moment(e.since).year(),
    }));
}

function meridiemTable(L) {
    const points = [];
    let last = null;
    for (let t = 0; t < 1440; t++) {
        const h = Math.floor(t / 60);
        const m = t % 60;
        const pair = [String(L.meridiem(h, m, true)), String(L.meridiem(h, m, false))];
        const key = JSON.stringify(pair);
        if (key !== last) points.push([t, ...pair]);
        last = key;
    }
    return points;
}

function localeData(id) {
    const L = moment.localeData(id);
    const out = {};
    for (const kind of Object.keys(NAME_KINDS)) out[kind] = nameSpec(id, L, kind);
    // the lowercase long formats are derived from the uppercase ones unless the locale sets them
    out.ldf = {};
    for (const k of LDF_KEYS) {
        const v = L.longDateFormat(k);
        if (k === k.toUpperCase() || v !== shortLongDateFormat(L.longDateFormat(k.toUpperCase()))) out.ldf[k] = v;
    }
    out.week = [L.firstDayOfWeek(), L.firstDayOfYear()];
    const ords = Object.fromEntries(ORD_TOKENS.map((t) => [t, ordinalTable(L, t)]));
    out.ordinal = ords;
    out.meridiem = meridiemTable(L);
    if (L.postformat !== moment.localeData('en').postformat) out.post = charMap(id + ' postformat', (s) => L.postformat(s));
    if (L.preparse !== moment.localeData('en').preparse) out.pre = charMap(id + ' preparse', (s) => L.preparse(s));
    const eras = erasOf(L);
    if (eras) out.eras = eras;

    // parsing: the non-strict token regexes and what a matched name means
    const p = {};
    p.MMM = pooled(L.monthsShortRegex(false));
    p.MMMM = pooled(L.monthsRegex(false));
    p.dd = pooled(L.weekdaysMinRegex(false));
    p.ddd = pooled(L.weekdaysShortRegex(false));
    p.dddd = pooled(L.weekdaysRegex(false));
    p.Do = pooled(L._dayOfMonthOrdinalParseLenient);
    p.a = pooled(L._meridiemParse);
    // how a matched name maps to a number: 'exact' (lower-cased names, as moment compares them),
    // 'auto' (moment's '^long|^short' regexes built from the names), or the locale's own regexes
    L.monthsParse('', 'MMM', false);
    const lower = (kind) => namesWith(L, kind, '').map((x) => x.toLocaleLowerCase());
    const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
    if (L._monthsParseExact) {
        if (!same(L._shortMonthsParse, lower('monthsShort')) || !same(L._longMonthsParse, lower('months'))) fail(`${id}: exact month parse lists`);
        p.months = 'exact';
    } else {
        const auto = namesWith(L, 'months', '').map((lng, i) => [('^' + lng + '|^' + namesWith(L, 'monthsShort', '')[i]).replace('.', ''), 'i']);
        const got = L._monthsParse.map((r) => [r.source, r.flags]);
        p.months = same(auto, got) ? 'auto' : L._monthsParse.map(pooled);
    }
    L.weekdaysParse('', 'dddd', false);
    if (L._weekdaysParseExact) {
        if (!same(L._weekdaysParse, lower('weekdays')) || !same(L._shortWeekdaysParse, lower('weekdaysShort')) || !same(L._minWeekdaysParse, lower('weekdaysMin'))) fail(`${id}: exact weekday parse lists`);
        p.weekdays = 'exact';
    } else {
        const [lng, sht, min] = ['weekdays', 'weekdaysShort', 'weekdaysMin'].map((k) => namesWith(L, k, ''));
        const auto = lng.map((l, i) => [('^' + l + '|^' + sht[i] + '|^' + min[i]).replace('.', ''), 'i']);
        const got = L._weekdaysParse.map((r) => [r.source, r.flags]);
        p.weekdays = same(auto, got) ? 'auto' : L._weekdaysParse.map(pooled);
    }
    // meridiem words moment prints, in every case, with what parsing them means
    const words = new Set();
    // (and what moment's meridiem regex matches in them, which is what parsing passes on)
    for (const [, lo, up] of out.meridiem) {
        for (const w of [lo, up]) {
            for (const v of [w, w.toLowerCase(), w.toUpperCase()]) {
                words.add(v);
                const m = v.match(L._meridiemParse);
                if (m) words.add(m[0]);
            }
        }
    }
    if (L.meridiemHour != null) {
        p.meridiemHour = Object.fromEntries([...words].map((w) => [w, pooledList(Array.from({ length: 25 }, (_, h) => L.meridiemHour(h, w)))]));
    } else if (L.isPM === moment.localeData('en').isPM) {
        p.isPM = 'default';
    } else {
        p.isPM = Object.fromEntries([...words].map((w) => [w, !!L.isPM(w)]));
    }
    out.parse = p;
    return out;
}

// ---------------------------------------------------------------------------------------------
const ids = moment.locales().slice().sort();
const locales = {};
for (const id of ids) locales[id] = localeData(id);

// check the ported name rules against moment on many formats
const PROBE_FORMATS = [
    '', 'MMMM', 'MMM', 'D MMMM', 'D. MMMM', 'DD MMMM', 'Do MMMM', 'D [de] MMMM', 'MMMM D', 'MMMM YYYY',
    'DD-MMM-YYYY', '-MMM-', 'MMM-YYYY', 'dddd', '[В] dddd', '[в] dddd', '[минулої] dddd', '[Во] dddd',
    'dddd HH:mm', 'dddd, D MMMM YYYY', 'D MMMM YYYY', 'LLLL', '[წინა] dddd', 'D MMMM, dddd',
];
for (const id of ids) {
    const L = moment.localeData(id);
    const fmts = PROBE_FORMATS.concat(Object.values(locales[id].ldf));
    for (const kind of Object.keys(NAME_KINDS)) {
        for (const fmt of fmts) {
            for (let i = 0; i < NAME_KINDS[kind]; i++) {
                const want = String(L[kind](momFor(kind, i), fmt));
                const got = evalSpec(locales[id][kind], fmt, i);
                if (want !== got) fail(`${id}.${kind}(${i}, ${JSON.stringify(fmt)}): rule gives ${got}, moment ${want}`);
            }
        }
    }
}

const defaultEras = moment.localeData('en').eras().map((e) => ({
    since: Number.isFinite(e.since) ? e.since : e.since > 0 ? 'inf' : '-inf',
    until: Number.isFinite(e.until) ? e.until : e.until > 0 ? 'inf' : '-inf',
    offset: e.offset,
    name: e.name,
    narrow: e.narrow,
    abbr: e.abbr,
    sinceYear: moment(e.since).year(),
}));

const localesDoc = {
    moment: moment.version,
    momentTimezone: moment.tz.version,
    tzdata: moment.tz.dataVersion,
    monthsInFormat: MONTHS_IN_FORMAT,
    eras: defaultEras,
    ordinalTables,
    regexes: regexPool,
    meridiemHours: listPool,
    locales: Object.fromEntries(Object.entries(locales).map(([id, loc]) => [id, { ...loc, ...Object.fromEntries(Object.keys(NAME_KINDS).map((k) => [k, packSpec(loc[k])])) }])),
};

// ---------------------------------------------------------------------------------------------
// Golden outputs
const INSTANTS = [
    '2024-01-01T00:00:00.000000Z', // Monday, new year
    '2024-02-29T12:00:00.123456Z', // leap day, noon, microseconds (moment keeps milliseconds)
    '2020-12-31T23:59:59.999000Z', // ISO week 53
    '2021-01-03T00:30:00.000000Z', // Sunday: ISO week-year 2020, locale week-years differ
    '2019-12-30T13:05:09.007000Z', // Monday in ISO week 1 of 2020
    '2027-01-01T06:07:08.009000Z', // Friday, ISO week 53 of 2026
    '1969-07-20T20:17:40.000000Z', // before 1970
    '1955-11-05T06:00:00.500000Z', // before 1970
    '2024-03-10T07:30:00.000000Z', // New York springs forward (03:30 EDT)
    '2024-11-03T05:30:00.000000Z', // New York falls back (01:30 EST, second time)
    '2024-03-31T01:30:00.000000Z', // Paris springs forward (03:30 CEST)
    '2024-10-05T16:30:00.000000Z', // Sydney springs forward (03:30 AEDT)
    '2024-06-15T00:00:00.000000Z', // midnight UTC
    '2024-06-15T12:00:00.000000Z', // noon UTC
    '2024-06-15T04:00:00.000000Z', // midnight New York
    '2024-06-15T16:00:00.000000Z', // noon New York
    '2000-12-31T18:29:59.000000Z', // Kolkata midnight minus one second
    '2024-08-09T10:11:12.013000Z', // an ordinary day
];
const msOf = (iso) => {
    const us = Number(iso.slice(20, 26));
    return Date.parse(iso.slice(0, 19) + 'Z') + Math.floor(us / 1000);
};

const ALL_TOKENS = [
    'M Mo MM MMM MMMM',
    'Q Qo',
    'D Do DD DDD DDDo DDDD',
    'd do dd ddd dddd e E',
    'w wo ww W Wo WW',
    'YY YYYY YYYYY YYYYYY Y',
    'gg gggg ggggg GG GGGG GGGGG',
    'A a H HH h hh k kk',
    'm mm s ss',
    'S SS SSS SSSS SSSSS SSSSSS SSSSSSS SSSSSSSS SSSSSSSSS',
    'z zz Z ZZ',
    'X x',
    'LT | LTS | L | LL | LLL | LLLL',
    'l | ll | lll | llll',
    'N NN NNN NNNN NNNNN y yo yy yyy yyyy',
    'Hmm Hmmss hmm hmmss eHHmm',
    '[today is] dddd [the] Do [of] MMMM, YYYY',
    'YYYY-MM-DDTHH:mm:ss.SSSZ',
    'dddd, D MMMM YYYY',
    'D MMMM | MMMM | D. MMMM | MMMM D',
    'DD-MMM-YYYY',
    '[В] dddd | [минулої] dddd | dddd HH:mm',
    '\\Y\\Y [[x]] ] \\ q c f ggg G Ww w| W| SSSSSSSSSS MMMMM DDDDD ddddd [] [unclosed',
    'line1\nline2\ttab\r\u2028!',
    'LLLL [LT] \\L LTS',
];
const LOCALE_TOKENS = [
    'M Mo MM MMM MMMM',
    'Q Qo',
    'D Do DD DDD DDDo DDDD',
    'd do dd ddd dddd e E',
    'w wo ww W Wo WW gg gggg GG GGGG',
    'A a h hh H k',
    'LT | LTS | L | LL | LLL | LLLL',
    'l | ll | lll | llll',
    'N NNNN NNNNN y yo',
    'dddd, D MMMM YYYY',
    'D MMMM | MMMM | D. MMMM | MMMM D | DD-MMM-YYYY',
    '[В] dddd | [минулої] dddd | dddd HH:mm',
];
const REQUIRED_LOCALES = ['en', 'en-gb', 'fr', 'de', 'es', 'it', 'nl', 'pt-br', 'ru', 'ja', 'zh-cn', 'ko', 'sv', 'pl', 'tr', 'ar', 'uk', 'el', 'hi'];
const ZONES = ['UTC', 'America/New_York', 'Europe/Paris', 'Asia/Kolkata', 'Australia/Sydney'];

const formatCases = [];
const allIdx = INSTANTS.map((_, i) => i);
const LOCALE_IDX = [0, 1, 2, 3, 4, 6, 13, 17];
function addFormatCases(locale, tz, fmts, idx) {
    for (const fmt of fmts) {
        const out = idx.map((i) => moment.tz(msOf(INSTANTS[i]), tz).locale(locale).format(fmt));
        formatCases.push({ locale, tz, format: fmt, instants: idx, out });
    }
}
for (const tz of ZONES) addFormatCases('en', tz, ALL_TOKENS, allIdx);
// moment's default format (an empty format) ends in Z where the offset is zero
addFormatCases('en', 'Europe/London', ['', 'z Z LLLL'], allIdx);
addFormatCases('ar', 'America/New_York', [''], allIdx);
for (const loc of REQUIRED_LOCALES) {
    if (loc === 'en') continue;
    addFormatCases(loc, 'UTC', LOCALE_TOKENS, LOCALE_IDX);
    addFormatCases(loc, 'Asia/Kolkata', ['LLLL', 'A a h H z Z', 'w W gg GG e'], LOCALE_IDX);
}
for (const loc of ids) {
    if (REQUIRED_LOCALES.includes(loc)) continue;
    addFormatCases(loc, 'Europe/Paris', ['LLLL | llll | LTS', 'Mo Qo Do DDDo do wo Wo | MMM MMMM dd ddd | A a | N y yo | D MMMM | gggg-ww-e'], [1, 3, 17]);
}

// Parsing: moment.tz(text, format, locale, zone), with "now" fixed for the defaulted parts
const NOW = Date.parse('2025-06-15T22:20:30.400Z');
moment.now = () => NOW;
// grouped by (locale, zone, format): {locale, tz, format, cases: [[text, ms or null], ...]}
const parseCases = [];
const parseGroups = new Map();
function addParse(locale, tz, fmt, text) {
    const m = moment.tz(text, fmt, locale, tz);
    const key = JSON.stringify([locale, tz, fmt]);
    if (!parseGroups.has(key)) {
        parseGroups.set(key, { locale, tz, format: fmt, cases: [] });
        parseCases.push(parseGroups.get(key));
    }
    parseGroups.get(key).cases.push([text, m.isValid() ? m.valueOf() : null]);
}
const ROUND_TRIP = [
    'YYYY-MM-DD HH:mm:ss.SSS', 'L LTS', 'LL LT', 'LLL', 'LLLL', 'll', 'lll', 'llll', 'D MMMM YYYY h:mm a',
    'Do MMMM YYYY HH:mm', 'MMM D, YYYY hh:mm:ss A', 'DD/MM/YY HH:mm', 'X', 'x', 'YYYY-MM-DDTHH:mm:ss.SSSZ',
    'YYYY-MM-DD HH:mm ZZ', 'DDDD YYYY HH:mm', 'YYYY MMMM D k:mm', 'dddd, D MMMM YYYY HH:mm',
];
for (const loc of REQUIRED_LOCALES) {
    for (const tz of loc === 'en' ? ['UTC', 'America/New_York', 'Asia/Kolkata'] : ['UTC']) {
        for (const fmt of ROUND_TRIP) {
            for (const i of [1, 6, 17]) {
                const text = moment.tz(msOf(INSTANTS[i]), tz).locale(loc).format(fmt);
                addParse(loc, tz, fmt, text);
            }
        }
    }
}
const HAND = [
    ['2024-3-5', 'YYYY-M-D'], ['  5 march 2024 ', 'D MMMM YYYY'], ['5 MAR 2024', 'D MMM YYYY'],
    ['2024-02-30', 'YYYY-MM-DD'], ['2024-13-01', 'YYYY-MM-DD'], ['24-12-31', 'YY-MM-DD'], ['70-01-01', 'YY-MM-DD'],
    ['68-01-01', 'YY-MM-DD'], ['24-12-31', 'YYYY-MM-DD'], ['12:30 am', 'h:mm a'], ['12:30 PM', 'h:mm A'],
    ['1:05 p.m.', 'h:mm a'], ['7 pm', 'h a'], ['2024-03-10 02:30', 'YYYY-MM-DD HH:mm'], ['2024-11-03 01:30', 'YYYY-MM-DD HH:mm'],
    ['1.5', 'X'], ['1700000000', 'X'], ['-86400000', 'x'], ['2024/03/05 24:00', 'YYYY/MM/DD HH:mm'],
    ['2024/03/05 24:30', 'YYYY/MM/DD HH:mm'], ['Tue 2024-03-05', 'ddd YYYY-MM-DD'], ['Mon 2024-03-05', 'ddd YYYY-MM-DD'],
    ['foo', 'YYYY'], ['', 'YYYY'], ['March 5', 'MMMM D'], ['5', 'D'], ['14:45', 'HH:mm'], ['2024', 'YYYY'],
    ['2024-06', 'YYYY-MM'], ['2024-03-05T10:00:00+05:30', 'YYYY-MM-DDTHH:mm:ssZ'], ['2024-03-05 10:00 -0800', 'YYYY-MM-DD HH:mm ZZ'],
    ['2024-03-05 10:00 Z', 'YYYY-MM-DD HH:mm Z'], ['20240305', 'YYYYMMDD'], ['5th of March, 2024', 'Do [of] MMMM, YYYY'],
    ['Q3 2024', '[Q]Q YYYY'], ['060 2024', 'DDDD YYYY'], ['366 2023', 'DDDD YYYY'], ['2024-03-05 10:00:00.5', 'YYYY-MM-DD HH:mm:ss.S'],
    ['2024-03-05 10:00:00.123456', 'YYYY-MM-DD HH:mm:ss.SSSSSS'], ['2024-03-05 1030', 'YYYY-MM-DD Hmm'],
    ['2024-03-05 103045', 'YYYY-MM-DD Hmmss'], ['05.03.2024', 'DD.MM.YYYY'], ['on 2024-03-05 at 7', 'YYYY-MM-DD [at] H'],
    ['Foo 5 2024', 'MMM D YYYY'], ['5 2024 Mar', 'D YYYY MMM'], ['2024-03-05 13:00 pm', 'YYYY-MM-DD h:mm a'],
    ['2024-03-05 0:00', 'YYYY-MM-DD k:mm'], ['2024-03-05 24:00', 'YYYY-MM-DD k:mm'], ['March 2024', 'MMMM YYYY'],
    ['2024 w10', 'YYYY [w]ww'], ['1 AD', 'y N'], ['1 BC', 'y N'], ['2024 Anno Domini', 'y NNNN'], ['5 XY', 'y N'],
    ['2024-10-3', 'gggg-ww-e'], ['2024-W10-3', 'GGGG-[W]WW-E'], ['2020-53-7', 'GGGG-WW-E'], ['2021-53-1', 'GGGG-WW-E'],
    ['2024-10-9', 'gggg-ww-e'], ['2024-10-8', 'GGGG-WW-E'], ['Wednesday', 'dddd'], ['Wed 9:30', 'ddd H:mm'], ['3', 'e'], ['5', 'E'],
    ['10', 'w'], ['10', 'W'], ['24 10', 'gg ww'], ['24 10', 'GG WW'], ['2024 10 Monday', 'gggg ww dddd'], ['2024 10 4', 'YYYY ww d'],
    ['2024 10', 'YYYY W'], ['31430', 'eHHmm'], ['2 2024', 'Q YYYY'], ['+002024-03-05', 'YYYYYY-MM-DD'], ['-000044-03-15', 'YYYYYY-MM-DD'],
    ['12024', 'Y'], ['2024-03-05 5pm', 'YYYY-MM-DD ha'], ['2024-03-05 5:07:08 pm', 'YYYY-MM-DD h:mm:ss a'],
    ['Tuesday the 5th of March', 'dddd [the] Do [of] MMMM'], ['2024-03-05T10:00:00.000+14:30', 'YYYY-MM-DDTHH:mm:ss.SSSZ'],
    ['2024-03-05 10:00 +0900', 'YYYY-MM-DD HH:mm Z'], ['10:00 +0900', 'HH:mm Z'], ['1709632800 +01:00', 'X Z'], ['1709632800 [x]', 'X [x]'],
    ['2024-03-05 x 10', 'YYYY-MM-DD [x] HH'], ['2024-03-05Mo', 'YYYY-MM-DDMo'], ['2024-03-05 G 7', 'YYYY-MM-DD G H'], ['2024-03-05', 'L'], ['03/05/2024', 'L'], ['Sept 5 2024', 'MMM D YYYY'],
];
for (const tz of ['UTC', 'America/New_York']) for (const [text, fmt] of HAND) addParse('en', tz, fmt, text);
// every locale reads back what it printed (or fails where moment fails)
for (const loc of ids) {
    for (const fmt of ['LLLL', 'dddd, D MMMM YYYY HH:mm:ss', 'lll', 'Do MMMM YYYY A h:mm']) {
        for (const i of [1, 17]) addParse(loc, 'UTC', fmt, moment.tz(msOf(INSTANTS[i]), 'UTC').locale(loc).format(fmt));
    }
}
const HAND_LOCALE = [
    ['fr', '5 mars 2024', 'D MMMM YYYY'], ['fr', '5 mars 2024', 'LL'], ['fr', '1er janvier 2024', 'Do MMMM YYYY'],
    ['de', '5. März 2024', 'LL'], ['de', '5. Mär 2024', 'D. MMM YYYY'], ['de', '5. Mär. 2024', 'D. MMM YYYY'],
    ['ru', '5 марта 2024', 'D MMMM YYYY'], ['ru', '5 март 2024', 'D MMMM YYYY'], ['es', '5 de marzo de 2024', 'LL'],
    ['ja', '2024年3月5日 午後1:05', 'LLL'], ['zh-cn', '2024年3月5日下午1点05分', 'LLL'], ['ko', '2024년 3월 5일 오후 1:05', 'LLL'],
    ['ar', '٠٥/٠٣/٢٠٢٤', 'L'], ['tr', '5 Mart 2024', 'LL'], ['pl', '5 marca 2024', 'LL'], ['pl', 'marzec 2024', 'MMMM YYYY'],
    ['pt-br', '5 de março de 2024 às 13:05', 'LLL'], ['nl', '5 mrt. 2024', 'D MMM YYYY'], ['nl', '05-mrt-2024', 'DD-MMM-YYYY'],
    ['en-gb', '2024 10 3', 'gggg ww e'], ['ar', '٢٠٢٤ ١٠ ٣', 'gggg ww e'], ['ar-sa', '٢٠٢٤ ١٠', 'gggg ww'], ['fr', 'mercredi', 'dddd'],
    ['ja', '令和6年3月5日', 'NNNNy年M月D日'], ['ja', '2024年3月5日 午前9時', 'YYYY年M月D日 Ah時'], ['zh-cn', '2024年3月5日 晚上9点', 'YYYY年M月D日 Ah点'],
    ['ko', '2024년 3월 5일 오후 9시', 'YYYY년 M월 D일 A h시'], ['ru', '5 мар. 2024', 'D MMM YYYY'], ['ru', 'вторник, 5 марта 2024', 'dddd, D MMMM YYYY'],
    ['uk', 'вівторок, 5 березня 2024', 'dddd, D MMMM YYYY'], ['el', '5 Μαρτίου 2024 9:00 ΜΜ', 'D MMMM YYYY h:mm A'], ['hi', '5 मार्च 2024, रात 9:00 बजे', 'LLL'],
    ['tr', '5 Mart 2024 Salı', 'D MMMM YYYY dddd'], ['tr', 'Pazartesi, 4 Aralık 2062', 'dddd, D MMMM YYYY'], ['de', 'Dienstag, 5. März 2024 21:00', 'LLLL'], ['sv', 'tisdag 5 mars 2024 kl. 21:00', 'LLLL'],
];
for (const [loc, text, fmt] of HAND_LOCALE) for (const tz of ['UTC', 'Asia/Kolkata']) addParse(loc, tz, fmt, text);

const golden = {
    moment: moment.version,
    momentTimezone: moment.tz.version,
    tzdata: moment.tz.dataVersion,
    now: NOW,
    instants: INSTANTS,
    format: formatCases,
    parse: parseCases,
};

writeFileSync(join(dataDir, 'moment_locales.json'), JSON.stringify(localesDoc) + '\n');
// one case a line, so that a regenerated file diffs readably
const lines = (xs) => '[\n' + xs.map((x) => JSON.stringify(x)).join(',\n') + '\n]';
writeFileSync(
    join(dataDir, 'moment_golden.json'),
    `{"moment":${JSON.stringify(golden.moment)},"momentTimezone":${JSON.stringify(golden.momentTimezone)},` +
        `"tzdata":${JSON.stringify(golden.tzdata)},"now":${NOW},\n"instants":${JSON.stringify(INSTANTS)},\n` +
        `"format":${lines(formatCases)},\n"parse":${lines(parseCases)}}\n`,
);
const n = formatCases.reduce((a, c) => a + c.out.length, 0);
console.log(`${ids.length} locales; ${n} formatted strings; ${parseCases.reduce((a, c) => a + c.cases.length, 0)} parses; ${ordinalTables.length} ordinal tables; ${regexPool.length} regexes`);
