"""Examples printed in Airtable's formula documentation, as data for tests/test_formula_examples.py.

Each ``Example`` is one documented "formula => result" pair, rewritten into this engine's syntax
(fields as ``{Name}``, double-quoted strings, ISO date literals ``#2024-01-31#``); ``note`` says
what was changed. ``columns`` maps a field used as ``{Name}`` to (column type, value): the column
types are the strings of ``core.enums.ColumnType``; ``json`` columns hold JSON text (how array
fields such as lookups and rollups are represented). ``expected`` is the Python value the engine
returns for a column of ``result_type`` (``None`` for blank; for ``json`` results it is JSON text,
compared after parsing).

Provenance. ``source`` names the page and section. Where the example was read on a
support.airtable.com page it says so plainly. The stored copies of the long "Formula field
reference" page only hold its beginning (the text operators and the first text functions), so
for the later sections the example was taken from a third-party copy that reproduces Airtable's
reference text and examples; those carry ``MIRROR`` in ``note``, naming where it was read. An
example seen only in one such copy says "single mirror".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

# --- sources -------------------------------------------------------------------------------------
REFERENCE = "https://support.airtable.com/docs/formula-field-reference"
REFERENCE_HC = "https://support.airtable.com/hc/en-us/articles/203255215-Formula-field-reference"
ARRAYS = "https://support.airtable.com/docs/en/using-array-functions-in-airtable"
DATETIME_FORMAT_SPECIFIERS = (
    "https://support.airtable.com/docs/supported-format-specifiers-for-datetime-format"
)
DATETIME_FORMAT_SPECIFIERS_2026 = (
    "https://support.airtable.com/articles/"
    "2765585148-supported-datetime-format-format-specifiers-in-airtable"
)
SWITCH_ARTICLE = "https://support.airtable.com/docs/en/an-alternative-to-if-statements-using-switch"

# Where the MIRROR examples were read (the GitHub code index gives file ids, not paths).
MIRROR_CATALOGUE = (
    "MIRROR: Airtable's reference description and example reproduced in a third-party formula "
    "function catalogue (GitHub code index file id 52094719977)"
)
MIRROR_REF_TEST = (
    "MIRROR (single mirror): listed as one of 'Airtable's published reference examples' in a "
    "third-party formula test (GitHub code index file id 58495183242)"
)
MIRROR_ROUNDING = (
    "MIRROR: Airtable's description ('ties broken by rounding half up toward positive infinity') "
    "and these examples reproduced in Teable's formula docs and function list (GitHub code index "
    "file ids 36103134318, 45292112403)"
)


@dataclass(frozen=True, kw_only=True)
class Example:
    function: str
    formula: str
    expected: object
    result_type: str
    columns: dict[str, tuple[str, object]] = field(default_factory=dict)
    source: str
    note: str = ""
    # Where this engine deliberately gives another result: why (README, "Where Panels differs
    # from Airtable's documentation"), and the result it gives instead.
    differs: str = ""
    ours: object = None


def _utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


EXAMPLES: list[Example] = [
    # === Text operators and functions =========================================================
    Example(
        function="&",
        formula='{Name} & " - " & {Age}',
        expected="Jane - 28",
        result_type="text",
        columns={"Name": ("text", "Jane"), "Age": ("integer", 28)},
        source=f"{REFERENCE_HC} § Text operators (&)",
        note='doc: Name & " - " & Age => Jane - 28; field names braced, values taken from the '
        "result",
    ),
    Example(
        function="&",
        formula='"\\"" & {Product Name} & "\\""',
        expected='"GreatProduct"',
        result_type="text",
        columns={"Product Name": ("text", "GreatProduct")},
        source=f"{REFERENCE_HC} § Text operators (&)",
        note='doc: "\\""&{Product Name}&"\\"" => "GreatProduct" (backslash escapes a quote); '
        "field value taken from the result",
    ),
    Example(
        function="CONCATENATE",
        formula='CONCATENATE({Name}, " - ", {Age})',
        expected="Bob - 43",
        result_type="text",
        columns={"Name": ("text", "Bob"), "Age": ("integer", 43)},
        source=f"{REFERENCE_HC} § Text functions (CONCATENATE)",
        note='doc: CONCATENATE(Name," - ", Age) => Bob - 43; field names braced',
    ),
    Example(
        function="CONCATENATE",
        formula='CONCATENATE("\\"", {Product Name}, "\\"")',
        expected='"GreatProduct"',
        result_type="text",
        columns={"Product Name": ("text", "GreatProduct")},
        source=f"{REFERENCE_HC} § Text functions (CONCATENATE)",
        note="field value taken from the result",
    ),
    Example(
        function="ENCODE_URL_COMPONENT",
        formula="ENCODE_URL_COMPONENT({Search Phrase})",
        expected="chicken%20%26%20waffles",
        result_type="text",
        columns={"Search Phrase": ("text", "chicken & waffles")},
        source=f"{REFERENCE_HC} § Text functions (ENCODE_URL_COMPONENT)",
        note="the page shows the result only; the field value 'chicken & waffles' is the one "
        f"given in the {MIRROR_CATALOGUE}",
    ),
    Example(
        function="FIND",
        formula='FIND("fox", "quick brown fox")',
        expected=13.0,
        result_type="number",
        source=f"{REFERENCE} § Text functions (FIND)",
        note=MIRROR_CATALOGUE,
    ),
    Example(
        function="SEARCH",
        formula='SEARCH("World", "Hello World")',
        expected=7.0,
        result_type="number",
        source=f"{REFERENCE} § Text functions (SEARCH)",
        note=MIRROR_CATALOGUE,
    ),
    Example(
        function="TRIM",
        formula='TRIM(" Hello! ")',
        expected="Hello!",
        result_type="text",
        source=f"{REFERENCE} § Text functions (TRIM)",
        note=MIRROR_CATALOGUE,
    ),
    Example(
        function="LEN",
        formula='LEN("quick brown fox")',
        expected=15.0,
        result_type="number",
        source=f"{REFERENCE} § Text functions (LEN)",
        note=MIRROR_CATALOGUE,
    ),
    Example(
        function="SUBSTITUTE",
        formula='SUBSTITUTE("gold mold", "old", "et")',
        expected="get met",
        result_type="text",
        source=f"{REFERENCE} § Text functions (SUBSTITUTE)",
        note=MIRROR_CATALOGUE,
    ),
    Example(
        function="REPLACE",
        formula='REPLACE("database", 2, 5, "o")',
        expected="dose",
        result_type="text",
        source=f"{REFERENCE} § Text functions (REPLACE)",
        note=f"{MIRROR_CATALOGUE}; also in the {MIRROR_REF_TEST}",
    ),
    Example(
        function="LOWER",
        formula='LOWER("Hello!")',
        expected="hello!",
        result_type="text",
        source=f"{REFERENCE} § Text functions (LOWER)",
        note=MIRROR_CATALOGUE,
    ),
    Example(
        function="UPPER",
        formula='UPPER("Hello!")',
        expected="HELLO!",
        result_type="text",
        source=f"{REFERENCE} § Text functions (UPPER)",
        note=MIRROR_CATALOGUE,
    ),
    Example(
        function="REPT",
        formula='REPT("Hi! ", 3)',
        expected="Hi! Hi! Hi! ",
        result_type="text",
        source=f"{REFERENCE} § Text functions (REPT)",
        note=f"{MIRROR_CATALOGUE}; the doc prints 'Hi! Hi! Hi!' (a rendered page drops the "
        "trailing space that repeating 'Hi! ' three times leaves)",
    ),
    Example(
        function="LEFT",
        formula='LEFT("quick brown fox", 5)',
        expected="quick",
        result_type="text",
        source=f"{REFERENCE} § Text functions (LEFT)",
        note=MIRROR_CATALOGUE,
    ),
    Example(
        function="MID",
        formula='MID("quick brown fox", 6, 5)',
        expected="brown",
        result_type="text",
        source=f"{REFERENCE} § Text functions (MID)",
        note=MIRROR_CATALOGUE,
        differs="MID counts from 1, as Excel, FIND, SEARCH, REPLACE (whose documented example"
        " counts from 1) and Airtable's own MID do; this example counts from 0",
        ours=" brow",
    ),
    Example(
        function="RIGHT",
        formula='RIGHT("quick brown fox", 5)',
        expected="n fox",
        result_type="text",
        source=f"{REFERENCE} § Text functions (RIGHT)",
        note=MIRROR_CATALOGUE,
    ),
    # === Logical functions =====================================================================
    Example(
        function="SWITCH",
        formula='SWITCH(4, 1, "one", 2, "two", "many")',
        expected="many",
        result_type="text",
        source=f"{SWITCH_ARTICLE} § SWITCH(expression [, pattern, result]... [, default])",
    ),
    Example(
        function="ISERROR",
        formula="ISERROR(2/0)",
        expected=True,
        result_type="boolean",
        source=f"{REFERENCE} § Logical functions (ISERROR)",
        note=f"{MIRROR_REF_TEST}; the doc prints 1 (Airtable shows true as 1)",
    ),
    # === Numeric functions =====================================================================
    Example(
        function="ROUND",
        formula="ROUND(1.99, 0)",
        expected=2.0,
        result_type="number",
        source=f"{REFERENCE} § Numeric functions (ROUND)",
        note=MIRROR_ROUNDING,
    ),
    Example(
        function="ROUND",
        formula="ROUND(16.8, -1)",
        expected=20.0,
        result_type="number",
        source=f"{REFERENCE} § Numeric functions (ROUND)",
        note=MIRROR_ROUNDING,
    ),
    Example(
        function="ROUNDUP",
        formula="ROUNDUP(1.1, 0)",
        expected=2.0,
        result_type="number",
        source=f"{REFERENCE} § Numeric functions (ROUNDUP)",
        note=MIRROR_ROUNDING,
    ),
    Example(
        function="ROUNDUP",
        formula="ROUNDUP(-1.1, 0)",
        expected=-2.0,
        result_type="number",
        source=f"{REFERENCE} § Numeric functions (ROUNDUP)",
        note=MIRROR_ROUNDING,
    ),
    Example(
        function="ROUNDDOWN",
        formula="ROUNDDOWN(1.9, 0)",
        expected=1.0,
        result_type="number",
        source=f"{REFERENCE} § Numeric functions (ROUNDDOWN)",
        note=MIRROR_ROUNDING,
    ),
    Example(
        function="ROUNDDOWN",
        formula="ROUNDDOWN(-1.9, 0)",
        expected=-1.0,
        result_type="number",
        source=f"{REFERENCE} § Numeric functions (ROUNDDOWN)",
        note=MIRROR_ROUNDING,
    ),
    Example(
        function="CEILING",
        formula="CEILING(1.05, 0.1)",
        expected=1.1,
        result_type="number",
        source=f"{REFERENCE} § Numeric functions (CEILING)",
        note=MIRROR_REF_TEST,
    ),
    Example(
        function="FLOOR",
        formula="FLOOR(1.99, 0.1)",
        expected=1.9,
        result_type="number",
        source=f"{REFERENCE} § Numeric functions (FLOOR)",
        note=MIRROR_REF_TEST,
    ),
    Example(
        function="EVEN",
        formula="EVEN(2.2)",
        expected=4.0,
        result_type="number",
        source=f"{REFERENCE} § Numeric functions (EVEN)",
        note=MIRROR_REF_TEST,
    ),
    Example(
        function="EVEN",
        formula="EVEN(5)",
        expected=6.0,
        result_type="number",
        source=f"{REFERENCE} § Numeric functions (EVEN)",
        note=MIRROR_REF_TEST,
    ),
    Example(
        function="ODD",
        formula="ODD(1.1)",
        expected=3.0,
        result_type="number",
        source=f"{REFERENCE} § Numeric functions (ODD)",
        note=MIRROR_REF_TEST,
    ),
    Example(
        function="ODD",
        formula="ODD(-1.1)",
        expected=-3.0,
        result_type="number",
        source=f"{REFERENCE} § Numeric functions (ODD)",
        note=MIRROR_REF_TEST,
    ),
    # === Date and time functions ===============================================================
    Example(
        function="DATETIME_FORMAT",
        formula='DATETIME_FORMAT(#2003-10-22#, "M")',
        expected="10",
        result_type="text",
        source=f"{DATETIME_FORMAT_SPECIFIERS} § The DATETIME_FORMAT function overview",
        note="doc: DATETIME_FORMAT('10/22/2003', 'M') returns 10; the text date is written as a "
        "date literal (this engine does not read text as a date implicitly)",
    ),
    Example(
        function="DATETIME_FORMAT",
        formula='DATETIME_FORMAT(#2021-02-11#, "W")',
        expected="6",
        result_type="text",
        source=f"{DATETIME_FORMAT_SPECIFIERS} § Supported DATETIME_FORMAT specifiers (note)",
        note="doc: '2/11/21 falls on the 6th ISO week' ('W' is the ISO week of year)",
    ),
    Example(
        function="DATETIME_FORMAT",
        formula='DATETIME_FORMAT(#2021-02-11#, "w")',
        expected="7",
        result_type="text",
        source=f"{DATETIME_FORMAT_SPECIFIERS} § Supported DATETIME_FORMAT specifiers (note)",
        note="doc: '2/11/21 falls ... on the 7th Gregorian week' ('w' is the locale week of year)",
    ),
    Example(
        function="DATETIME_FORMAT",
        formula='DATETIME_FORMAT({Date}, "YYYY-MM-DD HH:mm:ss.SSS")',
        expected="2025-12-31 15:00:00.000",
        result_type="text",
        columns={"Date": ("datetime", _utc(2025, 12, 31, 15, 0))},
        source=f"{DATETIME_FORMAT_SPECIFIERS_2026} § Common formatting examples (ISO 8601)",
        note="doc: '{Insert Date Field Name}' renamed {Date}; its value 2025-12-31 15:00 (UTC, "
        "as the page says) is the page's example",
    ),
    Example(
        function="DATETIME_FORMAT",
        formula='DATETIME_FORMAT({Date}, "MMMM D YYYY")',
        expected="December 31 2025",
        result_type="text",
        columns={"Date": ("datetime", _utc(2025, 12, 31, 15, 0))},
        source=f"{DATETIME_FORMAT_SPECIFIERS_2026} § Common formatting examples (American)",
        note="'{Insert Date Field Name}' renamed {Date}",
    ),
    Example(
        function="DATETIME_FORMAT",
        formula='DATETIME_FORMAT({Date}, "M/D/YYYY")',
        expected="12/31/2025",
        result_type="text",
        columns={"Date": ("datetime", _utc(2025, 12, 31, 15, 0))},
        source=f"{DATETIME_FORMAT_SPECIFIERS_2026} § Common formatting examples (American)",
        note="'{Insert Date Field Name}' renamed {Date}",
    ),
    Example(
        function="DATETIME_FORMAT",
        formula='DATETIME_FORMAT({Date}, "D MMMM YYYY")',
        expected="31 December 2025",
        result_type="text",
        columns={"Date": ("datetime", _utc(2025, 12, 31, 15, 0))},
        source=f"{DATETIME_FORMAT_SPECIFIERS_2026} § Common formatting examples (UK)",
        note="'{Insert Date Field Name}' renamed {Date}",
    ),
    Example(
        function="YEAR",
        formula="YEAR(#2021-06-09#)",
        expected=2021.0,
        result_type="number",
        source=f"{REFERENCE} § Date and time functions (YEAR)",
        note=f'{MIRROR_CATALOGUE}; doc: YEAR("2021-06-09"), text date written as a date literal',
    ),
    Example(
        function="MONTH",
        formula="MONTH(#2013-02-17T07:31:00Z#)",
        expected=2.0,
        result_type="number",
        source=f"{REFERENCE} § Date and time functions (MONTH)",
        note=f'{MIRROR_CATALOGUE}; doc: MONTH("02/17/2013 7:31"), written as a date literal',
    ),
    Example(
        function="DAY",
        formula="DAY(#2013-02-17#)",
        expected=17.0,
        result_type="number",
        source=f"{REFERENCE} § Date and time functions (DAY)",
        note=f'{MIRROR_CATALOGUE}; doc: DAY("02/17/2013"), written as a date literal',
    ),
    Example(
        function="HOUR",
        formula="HOUR(#2017-03-04T07:00:00Z#)",
        expected=7.0,
        result_type="number",
        source=f"{REFERENCE} § Date and time functions (HOUR)",
        note=f'{MIRROR_CATALOGUE}; doc: HOUR("4 Mar 2017 7:00"), written as a date literal',
    ),
    Example(
        function="MINUTE",
        formula="MINUTE(#2013-02-17T07:31:00Z#)",
        expected=31.0,
        result_type="number",
        source=f"{REFERENCE} § Date and time functions (MINUTE)",
        note=f'{MIRROR_CATALOGUE}; doc: MINUTE("02/17/2013 7:31"), written as a date literal',
    ),
    Example(
        function="SECOND",
        formula="SECOND(#2013-02-17T07:31:25Z#)",
        expected=25.0,
        result_type="number",
        source=f"{REFERENCE} § Date and time functions (SECOND)",
        note=f'{MIRROR_CATALOGUE}; doc: SECOND("02/17/2013 7:31:25"), written as a date literal',
    ),
    Example(
        function="DATEADD",
        formula='DATEADD(#2019-07-10#, 10, "days")',
        expected=date(2019, 7, 20),
        result_type="date",
        source=f"{REFERENCE} § Date and time functions (DATEADD)",
        note=f'{MIRROR_CATALOGUE}; doc: DATEADD("07/10/19", 10, "days") => 2019-07-20, text '
        "date (US order) written as a date literal",
    ),
    Example(
        function="DATETIME_DIFF",
        formula='DATETIME_DIFF(#2019-04-06T12:00:00Z#, #2019-04-05T11:00:00Z#, "hours")',
        expected=25.0,
        result_type="number",
        source=f"{REFERENCE} § Date and time functions (DATETIME_DIFF)",
        note=f'{MIRROR_CATALOGUE}; doc: DATETIME_DIFF("04/06/2019 12:00", "04/05/2019 11:00", '
        '"hours"), text dates written as date literals',
    ),
    Example(
        function="DATESTR",
        formula="DATESTR(#2021-12-13#)",
        expected="2021-12-13",
        result_type="text",
        source=f"{REFERENCE} § Date and time functions (DATESTR)",
        note=f'{MIRROR_CATALOGUE}; doc: DATESTR("12/13/21"), written as a date literal',
    ),
    Example(
        function="TIMESTR",
        formula="TIMESTR(#2013-02-17T07:31:25Z#)",
        expected="7:31:25",
        result_type="text",
        source=f"{REFERENCE} § Date and time functions (TIMESTR)",
        note=f'{MIRROR_CATALOGUE}; doc: TIMESTR("02/17/2013 7:31:25") => 7:31:25, written as a '
        "date literal. The description says the format is HH:mm:ss, which would give 07:31:25",
        differs="TIMESTR gives HH:mm:ss as its description says, with the hour's leading zero",
        ours="07:31:25",
    ),
    Example(
        function="IS_AFTER",
        formula="IS_AFTER(#1979-01-01#, #2000-01-01#)",
        expected=False,
        result_type="boolean",
        source=f"{REFERENCE} § Date and time functions (IS_AFTER)",
        note=f'{MIRROR_CATALOGUE}; doc: IS_AFTER("1/1/1979", "1/1/2000") => 0',
    ),
    Example(
        function="IS_BEFORE",
        formula="IS_BEFORE(#1979-01-01#, #2000-01-01#)",
        expected=True,
        result_type="boolean",
        source=f"{REFERENCE} § Date and time functions (IS_BEFORE)",
        note=f'{MIRROR_CATALOGUE}; doc: IS_BEFORE("1/1/1979", "1/1/2000") => 1',
    ),
    Example(
        function="IS_SAME",
        formula="IS_SAME(#1979-01-01#, #1979-01-01#)",
        expected=True,
        result_type="boolean",
        source=f"{REFERENCE} § Date and time functions (IS_SAME)",
        note=f'{MIRROR_CATALOGUE}; doc: IS_SAME("1/1/1979", "1/1/1979") => 1',
    ),
    Example(
        function="SET_LOCALE",
        formula='DATETIME_FORMAT(SET_LOCALE(#2019-07-10#, "es"), "LLLL")',
        expected="miércoles, 10 de julio de 2019 0:00",
        result_type="text",
        source=f"{REFERENCE} § Date and time functions (SET_LOCALE)",
        note=f'{MIRROR_CATALOGUE}; doc: DATETIME_FORMAT(SET_LOCALE("07/10/19", "es"), "LLLL"), '
        "written with a date literal",
    ),
    Example(
        function="SET_TIMEZONE",
        formula='DATETIME_FORMAT(SET_TIMEZONE(#2019-07-10T13:00:00Z#, "Australia/Sydney"), '
        '"M/D/YYYY h:mm")',
        expected="7/10/2019 11:00",
        result_type="text",
        source=f"{REFERENCE} § Date and time functions (SET_TIMEZONE)",
        note=f'{MIRROR_CATALOGUE}; doc: DATETIME_FORMAT(SET_TIMEZONE("07/10/19 13:00", '
        '"Australia/Sydney"), "M/D/YYYY h:mm") => 7/10/2019 11:00; 13:00 read as GMT (23:00 in '
        "Sydney, printed with the 12-hour 'h')",
    ),
    Example(
        function="WEEKDAY",
        formula="WEEKDAY(#2021-06-09#)",
        expected=3.0,
        result_type="number",
        source=f"{REFERENCE} § Date and time functions (WEEKDAY)",
        note=f'{MIRROR_CATALOGUE}; doc: WEEKDAY("2021-06-09") => 3 (for Wednesday)',
    ),
    Example(
        function="WEEKNUM",
        formula="WEEKNUM(#2013-02-17#)",
        expected=8.0,
        result_type="number",
        source=f"{REFERENCE} § Date and time functions (WEEKNUM)",
        note=f'{MIRROR_CATALOGUE}; also in the {MIRROR_REF_TEST}; doc: WEEKNUM("02/17/2013")',
    ),
    Example(
        function="WORKDAY",
        formula='WORKDAY(#2020-10-16#, 10, "2020-10-16, 2020-10-19")',
        expected=date(2020, 11, 2),
        result_type="date",
        source=f"{REFERENCE} § Date and time functions (WORKDAY)",
        note=f"{MIRROR_REF_TEST}; start date written as a date literal",
    ),
    Example(
        function="WORKDAY_DIFF",
        formula='WORKDAY_DIFF(#2020-10-16#, #2020-11-02#, "2020-10-16, 2020-10-19")',
        expected=10.0,
        result_type="number",
        source=f"{REFERENCE} § Date and time functions (WORKDAY_DIFF)",
        note=f"{MIRROR_REF_TEST}; dates written as date literals",
    ),
    # === Array functions =======================================================================
    Example(
        function="ARRAYCOMPACT",
        formula="ARRAYCOMPACT({values})",
        expected="[1, 2, false, 5]",
        result_type="json",
        columns={"values": ("json", "[1, 2, false, null, 5]")},
        source=f"{ARRAYS} § Rollup field array functions (ARRAYCOMPACT)",
        note="'values' (the rollup's own values) becomes a json column {values}",
    ),
    Example(
        function="ARRAYFLATTEN",
        formula="ARRAYFLATTEN({values})",
        expected="[1, 2, 3, false]",
        result_type="json",
        columns={"values": ("json", '[[1, 2, "", 3], [false]]')},
        source=f"{ARRAYS} § Rollup field array functions (ARRAYFLATTEN)",
        note='as printed: the documented result has no "" although the input has one and the '
        "description only speaks of removing nesting",
        differs='ARRAYFLATTEN keeps "" items: it removes nesting only, as its description says'
        " (ARRAYCOMPACT removes empty items)",
        ours='[1, 2, "", 3, false]',
    ),
    Example(
        function="ARRAYJOIN",
        formula='ARRAYJOIN({values}, "; ")',
        expected="1; 2; 3",
        result_type="text",
        columns={"values": ("json", "[1, 2, 3]")},
        source=f"{ARRAYS} § Rollup field array functions (ARRAYJOIN); same example in "
        f"{REFERENCE_HC} § Text functions",
    ),
    Example(
        function="ARRAYUNIQUE",
        formula="ARRAYUNIQUE({values})",
        expected="[1, 2, 3]",
        result_type="json",
        columns={"values": ("json", "[1, 2, 3, 3, 2, 1]")},
        source=f"{ARRAYS} § Rollup field array functions (ARRAYUNIQUE)",
        note='doc prints "[1, 2, 3]" in quotes',
    ),
    Example(
        function="ARRAYSLICE",
        formula="ARRAYSLICE({values}, 2, 3)",
        expected='["B", "C"]',
        result_type="json",
        columns={"values": ("json", '["A", "B", "C", "D"]')},
        source=f"{ARRAYS} § Rollup field array functions (ARRAYSLICE)",
    ),
    # === Regex functions =======================================================================
    Example(
        function="REGEX_MATCH",
        formula='REGEX_MATCH("Hello World", "Hello.World")',
        expected=True,
        result_type="boolean",
        source=f"{REFERENCE} § Regex functions (REGEX_MATCH)",
        note=f"{MIRROR_CATALOGUE}; the doc prints 1",
    ),
    Example(
        function="REGEX_EXTRACT",
        formula='REGEX_EXTRACT("Hello World", "W.*")',
        expected="World",
        result_type="text",
        source=f"{REFERENCE} § Regex functions (REGEX_EXTRACT)",
        note=MIRROR_CATALOGUE,
    ),
    Example(
        function="REGEX_REPLACE",
        formula='REGEX_REPLACE("Hello World", " W.*", "")',
        expected="Hello",
        result_type="text",
        source=f"{REFERENCE} § Regex functions (REGEX_REPLACE)",
        note=MIRROR_CATALOGUE,
    ),
]


# Documented Airtable behaviour this engine cannot or should not reproduce, keyed by function.
DOCUMENTED_DIFFERENCES: dict[str, str] = {
    "DATETIME_PARSE": (
        "Airtable's date functions accept text and read it leniently with moment.js "
        '(YEAR("2021-06-09"), MONTH("02/17/2013 7:31"), HOUR("4 Mar 2017 7:00"), '
        "DATEADD(\"07/10/19\", ...), DATETIME_FORMAT('10/22/2003', 'M')): the reading of "
        "ambiguous day/month orders and two-digit years depends on moment's guessing. This engine "
        "needs a date value (or DATETIME_PARSE with ISO 8601 or an explicit format), so those "
        "examples are written with ISO date literals. Sources: "
        + REFERENCE
        + ", "
        + DATETIME_FORMAT_SPECIFIERS
    ),
    "DATETIME_FORMAT": (
        "The 2026 'Common formatting examples' print 'M D YY' => 12/31/25 and 'D M YY' => "
        "31/12/25; with moment.js tokens those formats give '12 31 25' and '31 12 25' (the slashes "
        "are not in the format), so the page is self-inconsistent and the two are not tested. "
        "Source: " + DATETIME_FORMAT_SPECIFIERS_2026
    ),
    "SET_TIMEZONE": (
        "Airtable shows datetimes in the viewer's timezone (the device locale) unless a date field "
        "is set to 'Use the same time zone (GMT) for all collaborators'; formulas here run on a "
        "server in UTC, so only explicit SET_TIMEZONE calls can shift the output. Source: "
        "https://support.airtable.com/docs/supported-timezones-for-set-timezone"
    ),
    "SET_LOCALE": (
        "Locale output (month/weekday names, 'ar' digits, right-to-left scripts, the long 'LLLL' "
        "layouts such as en-gb 'D MMMM YYYY HH:mm') comes from moment.js locale data, whose "
        "strings change between moment versions; exact text can only match for locales whose data "
        "is copied. Source: https://support.airtable.com/docs/supported-locale-modifiers-for-set-locale"
    ),
    "NOW": (
        "NOW()/TODAY() are the time of evaluation (Airtable refreshes them periodically and while "
        "the base is open); the docs give no fixed result, so no example is testable."
    ),
    "TODAY": "See NOW: no deterministic documented result.",
    "TONOW": (
        "The reference example TONOW({Date}) => '25 days' depends on the current date (and an "
        "unstated {Date}); not reproducible. FROMNOW likewise."
    ),
    "FROMNOW": "See TONOW: depends on the current date.",
    "RECORD_ID": (
        "Airtable's id is 'rec...'; a panel row's is its stable row id (the rows API's _meta id), "
        "so documented outputs cannot match (README: Row metadata in a synced panel)."
    ),
    "CREATED_TIME": (
        "The start of the sync in which the row first appeared, not an edit in a base: no "
        "documented output can match."
    ),
    "LAST_MODIFIED_TIME": (
        "The start of the sync in which the row (or the fields named) last changed: no "
        "documented output can match."
    ),
}
