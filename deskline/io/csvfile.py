"""Reading CSV files as people really send them: any of the usual encodings and
delimiters, quoted newlines, a header row, blank lines and ragged rows."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from deskline.errors import ValidationFailed

DELIMITERS = ";,\t|"
csv.field_size_limit(16 * 1024 * 1024)


def decode(data: bytes) -> tuple[str, str]:
    """(text, encoding): a BOM decides; else UTF-8 if it decodes, else cp1252 (Windows
    exports from Excel), else Latin-1 (which decodes any byte)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace").lstrip("\ufeff"), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:  # 0x81, 0x8d, 0x8f, 0x90, 0x9d are undefined in cp1252
        return data.decode("latin-1"), "latin-1"


def _count_outside_quotes(line: str, char: str) -> int:
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == char and not quoted:
            count += 1
    return count


def sniff_delimiter(text: str) -> str:
    """The delimiter of the header line when one stands out (headers rarely contain one),
    else csv.Sniffer's choice over the first lines, else a comma."""
    first = text.split("\n", 1)[0]
    counts = {d: _count_outside_quotes(first, d) for d in DELIMITERS}
    ranked = sorted(counts.items(), key=lambda kv: kv[1], reverse=True)
    if ranked[0][1] > 0 and ranked[0][1] > ranked[1][1]:
        return ranked[0][0]
    sample = text[:65536]
    if "\n" in sample:
        sample = sample[:sample.rfind("\n")]
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ranked[0][0] if ranked[0][1] > 0 else ","


@dataclass
class CsvFile:
    """A decoded file: its header and its records, each with the line it starts on."""

    text: str
    encoding: str
    delimiter: str
    header: list[str]

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """(line, values) per non-blank record; `line` is where the record starts in the
        file (the header is line 1), so quoted newlines do not shift later numbers."""
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter)
        previous = 0
        first = True
        for row in reader:
            line = previous + 1
            previous = reader.line_num
            if first:
                first = False
                continue
            if not any(cell.strip() for cell in row):
                continue
            yield line, row


def _unique_headers(raw: list[str]) -> list[str]:
    out: list[str] = []
    seen: dict[str, int] = {}
    for index, name in enumerate(raw, start=1):
        name = name.strip().lstrip("\ufeff").strip() or f"column {index}"
        key = name.casefold()
        if key in seen:
            seen[key] += 1
            name = f"{name} ({seen[key]})"
        else:
            seen[key] = 1
        out.append(name)
    return out


def read_csv(source: str | Path | bytes, delimiter: str | None = None,
             encoding: str | None = None) -> CsvFile:
    """Decode and parse the header of a CSV file (a path or its bytes)."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    if encoding:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ValidationFailed(f"the file is not {encoding}: {exc}", field="encoding") \
                from None
        text = text.lstrip("\ufeff")
    else:
        text, encoding = decode(data)
    if not text.strip():
        raise ValidationFailed("the file is empty", field="file")
    delimiter = delimiter or sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise ValidationFailed(f"the file has no header row: {exc}", field="file") from None
    return CsvFile(text=text, encoding=encoding, delimiter=delimiter,
                   header=_unique_headers(header))
