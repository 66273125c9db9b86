"""Find the template's rows in normalised text and cut out each row's printed values.

Works on every layout once tables are rendered as text (grid rows become tab-separated
lines, empty cells stay as empty fields): one cell per line, pipe rows, tab rows, and rows
whose cells ran together. Labels are searched in template order inside their part of the
report (二 / 三 / 四), so a label quoted in the prose elsewhere is never taken as a row."""

from __future__ import annotations

import re
from dataclasses import dataclass

from gkcrawl import template as national, vocabulary
from gkcrawl.extract.cellvalues import BLANK, BLANK_MARKS, is_run, parse_cell

from .labels import LABELS, MARKERS, RowSpec, row_specs
from .readings import RowResult, read_row

# Headings and part 四's words are data: gkcrawl/data/vocabulary/headings.yaml.
_HEADINGS = vocabulary.headings()
SECTION_HEADINGS = _HEADINGS.sections
FALLBACKS = _HEADINGS.fallbacks
APPEALS_HEADER = _HEADINGS.appeals_header
_NUMBERISH = re.compile(r"[+\-]?\d")
# A word that is a piece of a sentence: eight or more characters with a clause mark inside.
_SENTENCE_WORD = re.compile(r"^(?=.{8,})[^\d]*[\u4e00-\u9fff]{2}[^\n]*[,，。;；:：]")


@dataclass
class Sections:
    """Character spans of parts 二, 三 and 四 in the normalised text."""

    spans: dict[str, tuple[int, int]]


def find_sections(text: str) -> Sections:
    """Locate the three table parts; a part not found has no span."""
    starts: dict[str, int] = {}
    cursor = 0
    for name in ("active", "requests", "appeals"):
        match = SECTION_HEADINGS[name].search(text, cursor)
        if not match:
            match = FALLBACKS[name].search(text, cursor)
        if match:
            starts[name] = match.start() if name != "active" else match.start()
            cursor = match.end()
    end_match = SECTION_HEADINGS["end"].search(text, cursor)
    end = end_match.start() if end_match else len(text)
    spans: dict[str, tuple[int, int]] = {}
    ordered = sorted(starts.items(), key=lambda kv: kv[1])
    for index, (name, start) in enumerate(ordered):
        stop = ordered[index + 1][1] if index + 1 < len(ordered) else end
        if name == "appeals":
            stop = end if end > start else len(text)
        spans[name] = (start, stop)
    return Sections(spans)


def region_tokens(region: str) -> tuple[list[str], int]:
    """The printed cells of one row's region, and how many non-numeric words it holds."""
    tokens: list[str] = []
    noise = 0
    for line_no, line in enumerate(region.split("\n")):
        if "\t" in line:
            fields = line.split("\t")
            if line_no == 0:
                # The rest of the label's own cell: empty when the label filled it
                # (`_label_cell_end` gives back a tab the label's match ran over).
                fields = fields[1:]
            for field in fields:
                field = field.strip().strip("|").strip()
                if not field:
                    tokens.append(BLANK)
                elif parse_cell(field) is not None or is_run(field.replace(" ", "")):
                    tokens.extend(field.split() if " " in field and parse_cell(field) is None else [field])
                else:
                    noise += len(field)
            continue
        for word in re.split(r"[\s|｜]+", line):
            if not word:
                continue
            if parse_cell(word) is not None or is_run(word) or _NUMBERISH.match(word):
                tokens.append(word)
            elif tokens and _SENTENCE_WORD.search(word):
                return tokens, noise  # a sentence after the row's values on the same line
            else:
                noise += len(word)
    return tokens, noise


def _label_cell_end(text: str, start: int, end: int) -> int:
    """Where a label's match ends as a cell: a match that ran over the end of its cell (a
    tail or the spaces allowed between characters crossing a tab) gives back the cells it
    took that hold no word, only blanks, spaces or values, so they are read as the row's
    cells. The region after the label then opens with the tab that ends the label's cell,
    and its first field (the rest of that cell) is empty."""
    fields = text[start:end].split("\t")
    keep = len(fields)
    while keep > 1 and parse_cell(fields[keep - 1]) is not None:
        keep -= 1
    return start + len("\t".join(fields[:keep]))


# A printed label's row number: (三) / 三、 / 3.
_ORDINAL_PREFIX = re.compile(r"^(?:\([一二三四五六七八九十]+\)|[一二三四五六七八九十]+、|\d+\.)")
# A row number before a word (3.其他, (七)总计, 三、…): a row's label, never a value's note.
_ORDINAL_WORD = re.compile(r"(?:\d{1,2}[ \t]*[.、]|\([ \t]*(?:[一二三四五六七八九十]{1,3}|\d{1,2})[ \t]*\)"
                           r"|[一二三四五六七八九十]{1,3}[ \t]*、)[ \t]*[\u4e00-\u9fff]+")


def _label_words() -> re.Pattern[str]:
    """The words of every row label of both formats (the printed label without its row
    number, up to its first mark: 其他, 总计, 申请人逾期未按收费通知要求缴纳费用), spaces allowed
    between characters."""
    words: set[str] = set()
    for name in national.TEMPLATES:
        for row in national.template(name).rows:
            if not row.path:
                continue
            core = re.match(r"[\u4e00-\u9fff]+", _ORDINAL_PREFIX.sub("", row.path[-1]))
            if core and len(core.group()) >= 2:
                words.add(core.group())
    return re.compile("|".join(r"\s*".join(map(re.escape, word)) for word in sorted(words, key=len, reverse=True)))


_LABEL_WORDS = _label_words()


def _row_text(region: str) -> str:
    """The part of a row's region that `region_tokens` reads: up to a sentence printed after
    the row's values on the same line (a 说明 quoting the row's label and figure)."""
    offset = 0
    seen = False
    for line_no, line in enumerate(region.split("\n")):
        if "\t" in line:
            fields = line.split("\t")[1:] if line_no == 0 else line.split("\t")
            seen = seen or any(not f.strip(" |") or parse_cell(f.strip(" |")) is not None for f in fields)
        else:
            for word in re.finditer(r"[^\s|｜]+", line):
                text = word.group()
                if parse_cell(text) is not None or is_run(text) or _NUMBERISH.match(text):
                    seen = True
                elif seen and _SENTENCE_WORD.search(text):
                    return region[:offset + word.start()]
        offset += len(line) + 1
    return region


def foreign_label(region: str) -> str | None:
    """Text of a row label with values after it among a row's values (a label the search
    did not take, so its row's values run on after this row's: ``00000003.其他 0200002``):
    a row number before a word, or a word of any known label. Words after the last value
    (a heading cut by a line break, ``(四)无`` before ``法提供``) end the row and hold none of
    its values. The rest of the label's own cell (a grid line's first field) is the row's
    own text and is not looked at."""
    lines = _row_text(region).split("\n")
    if "\t" in lines[0]:
        lines[0] = lines[0].split("\t", 1)[1]
    rest = "\n".join(lines)
    for pattern in (_ORDINAL_WORD, _LABEL_WORDS):
        for match in pattern.finditer(rest):
            if _NUMBERISH.search(rest, match.end()):
                return match.group()
    return None


def _marker_starts(text: str, start: int, stop: int) -> list[int]:
    return [m.start() for m in MARKERS.finditer(text, start, stop)]


def locate_rows(text: str, template: str, runs_mode: bool | None = None) -> list[RowResult]:
    """Read every row of the template found in `text` (normalised). Missing rows are absent."""
    sections = find_sections(text)
    specs = row_specs(template)
    found: list[tuple[RowSpec, int, int]] = []
    extra_patterns: dict[str, re.Pattern[str]] = {}
    if template == "2021":
        extra_patterns["requests.other"] = LABELS["requests.other"]
    for section in ("active", "requests"):
        if section not in sections.spans:
            continue
        start, stop = sections.spans[section]
        cursor = start
        for spec in specs:
            if spec.section != section or spec.pattern is None:
                continue
            if spec.row_id == "requests.other.no_supplement" and "requests.other" in extra_patterns:
                combined = extra_patterns["requests.other"].search(text, cursor, stop)
                if combined:
                    found.append((_combined_spec(), combined.start(), combined.end()))
                    cursor = combined.end()
            match = spec.pattern.search(text, cursor, stop)
            while match and _in_column_header(text, match.start()):
                match = spec.pattern.search(text, match.end(), stop)
            if match:
                found.append((spec, match.start(), match.end()))
                cursor = match.end()
        found.extend(_out_of_order(text, specs, section, (start, stop), found))
    label_starts = sorted({s for _, s, _ in found})
    if runs_mode is None:
        runs_mode = detect_runs(text, sections)
    results: list[RowResult] = []
    for spec, start, end in found:
        end = _label_cell_end(text, start, end)
        section_stop = sections.spans[spec.section][1]
        stop = min([s for s in label_starts if s > start] + [section_stop])
        markers = [m for m in _marker_starts(text, end, stop)]
        continuation = None
        if markers:
            # A page break inside the row: the table goes on under a repeated header, the
            # row's remaining cells on a line whose label cells are empty.
            continuation = _continuation(text[markers[0]:stop])
            stop = min(stop, markers[0])
        # A sentence printed right after a row's values (a 说明 under table 二's last row) is
        # not part of the row.
        stop = end + len(_before_prose(text[end:stop]))
        region = re.sub(r"\n[\t ]*$", "", text[end:stop])  # next row's empty label cells
        region = re.sub(r"(?<!\.)\d\s*[.、]\s*$", "", region)  # the next label's '2.' prefix
        tokens, noise = region_tokens(region)
        if noise > 12:
            continue  # prose, not a table row
        if all(t == BLANK for t in tokens) and _in_label_line(text, start, label_starts):
            # A label cell among other labels on one line (a header row: the table is printed
            # the other way round): its values are elsewhere, not blank.
            row = RowResult(spec, [], "none", raw=region.strip())
            row.span = (start, stop)
            results.append(row)
            continue
        foreign = foreign_label(region)
        if foreign is not None and any(t != BLANK for t in tokens):
            # Another row's label among the values (one the search missed): the digits after
            # it are that row's, and where this row's cells end is unknown.
            row = RowResult(spec, [], "none", raw=region.strip(),
                            unread=f"another row's label 「{foreign}」 among its values")
            row.span = (start, stop)
            results.append(row)
            continue
        continued = False
        if continuation is None:
            continuation, tokens = _inline_continuation(region, tokens, spec.width)
        if continuation is not None:
            merged = _merge_continuation(tokens, continuation)
            if merged is None:
                # Cells went on past the break but cannot be lined up: unknown, not blank.
                row = RowResult(spec, [], "none", raw=region.strip())
                row.span = (start, stop)
                results.append(row)
                continue
            continued = merged != tokens
            tokens = merged
        row = read_row(spec, tokens, runs_mode, raw=region.strip())
        row.span = (start, stop)
        row.grid = "\t" in region
        row.continued = continued
        results.append(row)
    appeals = _appeals_row(text, sections, template, runs_mode)
    if appeals is not None:
        appeals.span = appeals.span or sections.spans["appeals"]
        appeals.grid = "\t" in text[appeals.span[0]:appeals.span[1]]
        results.append(appeals)
    return results


def _continuation(after_break: str) -> list[str] | None:
    """The cells of a row continued past a page break: the first grid line after the repeated
    header whose label field is empty and which prints a value (None when there is none)."""
    for line in after_break.split("\n"):
        if "\t" not in line or MARKERS.search(line):
            continue
        first, *fields = line.split("\t")
        if not any(_NUMBERISH.search(f) for f in fields):
            continue  # the repeated header's column names
        if first.strip():
            return None  # a labelled line: the next row, not a continuation
        return [f.strip() or BLANK for f in fields]
    return None


def _inline_continuation(region: str, tokens: list[str], width: int) -> tuple[list[str] | None, list[str]]:
    """A row's grid line followed, with no header between (a page break without a repeated
    header), by a line of the row's remaining cells under empty label cells: (continuation,
    the first line's tokens), both the row's width; else (None, tokens unchanged)."""
    lines = [line for line in region.split("\n") if line.strip()]
    if len(lines) != 2 or "\t" not in lines[0] or "\t" not in lines[1]:
        return None, tokens
    first_tokens, _ = region_tokens(lines[0])
    continuation = _continuation(lines[1])
    if continuation is None or len(first_tokens) != width or len(continuation) != width:
        return None, tokens
    return continuation, first_tokens


def _merge_continuation(tokens: list[str], continuation: list[str]) -> list[str] | None:
    """The row's cells with the continued ones filled in, column by column: a cell printed on
    both sides of the break, or pieces that do not line up, give None (not placeable)."""
    if len(continuation) != len(tokens):
        return None
    merged = []
    for mine, theirs in zip(tokens, continuation):
        if mine != BLANK and theirs != BLANK:
            return None
        merged.append(theirs if mine == BLANK else mine)
    return merged


def _in_label_line(text: str, start: int, label_starts: list[int], least: int = 2) -> bool:
    """The label at `start` shares its line with at least `least` - 1 other labels and no value."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", start)
    line_end = len(text) if line_end < 0 else line_end
    return sum(1 for s in label_starts if line_start <= s < line_end) >= least


def _out_of_order(text: str, specs: tuple[RowSpec, ...], section: str, span: tuple[int, int],
                  found: list[tuple[RowSpec, int, int]]) -> list[tuple[RowSpec, int, int]]:
    """Rows the in-order search missed because the document prints them earlier (a report
    putting (四)无法提供 before (三)不予公开): searched in the whole part, never overlapping
    a label already taken, and only when the label occurs there exactly once."""
    taken = [(s, e) for _, s, e in found]
    have = {spec.row_id for spec, _, _ in found}
    extra: list[tuple[RowSpec, int, int]] = []
    for spec in specs:
        if spec.section != section or spec.pattern is None or spec.row_id in have:
            continue
        if spec.row_id == "requests.other" and any(r.startswith("requests.other.") for r in have):
            continue
        matches = [m for m in spec.pattern.finditer(text, *span)
                   if _starts_cell(text, m.start()) and not _in_column_header(text, m.start())
                   and not any(m.start() < e and s < m.end() for s, e in taken)]
        if len(matches) == 1:
            extra.append((spec, matches[0].start(), matches[0].end()))
            taken.append((matches[0].start(), matches[0].end()))
    return extra


_COLUMN_NAMES = tuple(column.name for column in national.columns())


def _in_column_header(text: str, pos: int) -> bool:
    """The word at `pos` stands on a line of part 三's column names and no figure (商业企业 科研机构
    … 其他): a heading, never the row labelled 其他 (a scan whose real row OCR lost would
    otherwise read the heading as that row, blank)."""
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    line = text[line_start:len(text) if line_end < 0 else line_end]
    return not re.search(r"\d", line) and sum(name in line for name in _COLUMN_NAMES) >= 3


def _starts_cell(text: str, pos: int) -> bool:
    """A label that opens a line or a cell (a table row), not one quoted inside a sentence."""
    line_start = text.rfind("\n", 0, pos) + 1
    before = MARKERS.sub("", text[line_start:pos])  # group labels may open the row's line
    return not before.strip(" |｜") or before.rstrip(" ")[-1] in "\t|｜"


def _combined_spec() -> RowSpec:
    """The 2019-style single (六)其他处理 row printed inside a 2021 table."""
    from .labels import APPLICANT_COLUMNS

    keys = tuple(f"requests.other.{col}" for col in APPLICANT_COLUMNS)
    return RowSpec("requests.other", "requests", keys, LABELS["requests.other"])


def _appeals_row(text: str, sections: Sections, template: str, runs_mode: bool) -> RowResult | None:
    if "appeals" not in sections.spans:
        return None
    start, stop = sections.spans["appeals"]
    spec = next(s for s in row_specs(template) if s.row_id == "appeals")
    paired = _appeals_pairs(text[start:stop])
    if paired is not None:
        return read_row(spec, paired, runs_mode, raw=text[start:stop].strip())
    headers = list(APPEALS_HEADER.finditer(text, start, stop))
    if not headers:
        return None
    # The values start after the last header printed before the first value; a table with a
    # row per group (行政复议 / 行政诉讼 rows, the five results as columns) prints group names
    # between its values, in the same group-major order: those names are not noise.
    first_value = _NUMBERISH.search(text, headers[0].end(), stop)
    before_values = [m for m in headers if first_value is None or m.start() < first_value.start()]
    last_header = before_values[-1] if before_values else headers[-1]
    region = _before_prose(text[last_header.end():stop])
    region = _without_group_labels(region)
    tokens, noise = region_tokens(region)
    if noise > 12 or not tokens:
        return None
    if noise and len([t for t in tokens if t != BLANK]) < spec.width:
        # Words among too few values (an unknown header such as 合计 between pairs): which
        # cell a value belongs to is unknown, so none is placed.
        return RowResult(spec, [], "none", raw=region.strip())
    return read_row(spec, tokens, runs_mode, raw=region.strip())


# Part 四's group and result names: row labels when the table has a row per group.
_GROUP_WORDS = re.compile(r"[(（]?\s*(?:行\s*政\s*复\s*议|行\s*政\s*诉\s*讼|未\s*经\s*复\s*议\s*直\s*接\s*起\s*诉"
                          r"|复\s*议\s*后\s*起\s*诉|结\s*果\s*维\s*持|结\s*果\s*纠\s*正|其\s*他\s*结\s*果"
                          r"|尚\s*未\s*审\s*结|总\s*计|合\s*计)\s*[)）]?")
def _without_group_labels(region: str) -> str:
    """Part 四's values with the group/result names among them taken out: a grid row's label
    cell (行政复议 / 行政诉讼(复议后起诉)) dropped with its field, a name in text blanked."""
    lines = []
    for line in region.split("\n"):
        if "\t" in line:
            first, rest = line.split("\t", 1)
            if first.strip() and not _GROUP_WORDS.sub("", first).strip(" |"):
                line = rest
        lines.append(_GROUP_WORDS.sub(" ", line))
    return "\n".join(lines)


_PROSE_LINE = re.compile(r"\n[^\t|｜\n]{12,}[。；]")


def _before_prose(region: str) -> str:
    """Part 四's values up to the first sentence after them: a page printing the tables
    before the prose runs on into 一、总体情况's introduction."""
    first_value = _NUMBERISH.search(region)
    if first_value is None:
        return region
    prose = _PROSE_LINE.search(region, first_value.end())
    return region[:prose.start()] if prose else region


RESULT_NAMES = _HEADINGS.appeals_result_names
_RESULT_NAME = re.compile("|".join(r"\s*".join(name) for name in RESULT_NAMES + ("合计",)))


def _appeals_pairs(region: str) -> list[str] | None:
    """Part 四 printed as name/value pairs (``结果维持 1 结果纠正 2 …``, fifteen of them):
    the values in order, or None unless every one of the fifteen names holds one value."""
    def spaced_name(match: re.Match[str]) -> str:
        return " " + re.sub(r"\s", "", match.group()).replace("合计", "总计") + " "

    words = re.split(r"[\s|｜]+", _RESULT_NAME.sub(spaced_name, region))
    names: list[str] = []
    values: list[str] = []
    for index, word in enumerate(words):
        if word in RESULT_NAMES:
            following = words[index + 1] if index + 1 < len(words) else ""
            unreadable = parse_cell(following) is None and following not in BLANK_MARKS
            if not following or following in RESULT_NAMES or unreadable:
                return None
            names.append(word)
            values.append(following or BLANK)
    if names != list(RESULT_NAMES) * 3:
        return None
    return [BLANK if value in BLANK_MARKS else value for value in values]


def detect_runs(text: str, sections: Sections) -> bool:
    """Cells ran together somewhere: a multi-digit token starting with 0 ('000000')."""
    for start, stop in sections.spans.values():
        for word in re.split(r"[\s|｜\t]+", text[start:stop]):
            digits = re.match(r"\D*?(\d+)", word)
            if digits is None:
                continue
            run = re.findall(r"\d+(?:\.\d+)?", word)
            for piece in run:
                if len(piece) > 1 and piece[0] == "0" and piece[1] != ".":
                    return True
    return False
