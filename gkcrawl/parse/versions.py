"""The versions of the libraries and programs that read a document, recorded beside
`PARSER_VERSION`.

A report's values depend on more than the parser's own code: trafilatura decides the clean
text of a page, pdfplumber (over pdfminer.six) where a PDF's words stand, python-docx what a
DOCX's tables hold, antiword and LibreOffice what a Word 97 file says, OpenCC how traditional
characters match the labels. When one of them changes, values may change with no parser
bump, so each result names the versions that produced it (`ParseResult.tool_versions`,
stored in `reports.tool_versions`). Only the tools a document's kind uses are listed; a
program that is not installed is listed as null (its absence shaped the values too).
Programs are asked once per process (their answer cached) and never block a parse: a
program that does not answer within its time limit counts as absent.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

from gkcrawl.extract.converters import ConverterTimeout, run_converter

# Which tools read each document kind (distribution names for libraries, program names).
PACKAGES_BY_KIND: dict[str, tuple[str, ...]] = {
    "html": ("trafilatura", "opencc"),
    "text": ("opencc",),
    "pdf": ("pdfplumber", "pdfminer.six", "opencc"),
    "docx": ("python-docx", "opencc"),
    "doc": ("opencc",),
}
PROGRAMS_BY_KIND: dict[str, tuple[str, ...]] = {"doc": ("antiword", "libreoffice")}
PROGRAM_TIMEOUT = 10.0
_ANTIWORD_VERSION = re.compile(r"Version:\s*(\S+)")
_LIBREOFFICE_VERSION = re.compile(r"(?:LibreOffice|OpenOffice)\S*\s+(\d[\w.]*)")


def package_version(distribution: str) -> str | None:
    """An installed distribution's version, None when it is not installed."""
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def _program_output(argv: list[str]) -> str | None:
    try:
        run = run_converter(argv, PROGRAM_TIMEOUT, argv[0])
    except (ConverterTimeout, OSError):
        return None
    return (run.stdout + run.stderr).decode("utf-8", "replace")


class ProgramVersion:
    """A program's version, asked once: the answer and the program's absence are kept, a
    failed run (a timeout under load) is not, so the next document asks again."""

    def __init__(self, ask: Callable[[], tuple[str | None, bool]]) -> None:
        self._ask = ask
        self._answer: tuple[str | None] | None = None
        self.__doc__ = ask.__doc__

    def __call__(self) -> str | None:
        if self._answer is None:
            found, final = self._ask()
            if not final:
                return found
            self._answer = (found,)
        return self._answer[0]

    def cache_clear(self) -> None:
        self._answer = None


@ProgramVersion
def antiword_version() -> tuple[str | None, bool]:
    """antiword prints its version in its usage text (it has no --version)."""
    binary = shutil.which("antiword")
    if not binary:
        return None, True
    match = _ANTIWORD_VERSION.search(_program_output([binary]) or "")
    return (match.group(1), True) if match else (None, False)


@ProgramVersion
def libreoffice_version() -> tuple[str | None, bool]:
    """`soffice --version`: "LibreOffice 7.4.7.2 40(Build:2)" -> "7.4.7.2"."""
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if not binary:
        return None, True
    # A profile of its own: with the default one a running LibreOffice (a conversion in
    # another process) takes the arguments over and this one prints nothing.
    with tempfile.TemporaryDirectory(prefix="gkcrawl-soffice-") as profile:
        output = _program_output([binary, f"-env:UserInstallation={Path(profile).as_uri()}", "--version"])
    match = _LIBREOFFICE_VERSION.search(output or "")
    return (match.group(1), True) if match else (None, False)


PROGRAMS: dict[str, ProgramVersion] = {"antiword": antiword_version, "libreoffice": libreoffice_version}


def tool_versions(kind: str | None) -> dict[str, str | None]:
    """Name -> version of every library and program that reads a document of `kind`
    (None for one not installed); {} for an unknown kind."""
    if kind is None:
        return {}
    found: dict[str, str | None] = {name: package_version(name) for name in PACKAGES_BY_KIND.get(kind, ())}
    for program in PROGRAMS_BY_KIND.get(kind, ()):
        found[program] = PROGRAMS[program]()
    return found
