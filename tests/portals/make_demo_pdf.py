"""Write the demo portal's PDF rendition (gkcrawl/demo/site/attachments/, committed) with reportlab:

    cd tests && python -m portals.make_demo_pdf
"""

from __future__ import annotations

from pathlib import Path

from gkcrawl.demo import cross_year

from .make_attachments import write_pdf

TARGET = Path(__file__).resolve().parents[2] / "gkcrawl" / "demo" / "site" / "attachments" / cross_year.PDF_FILE


def main() -> None:
    doc = next(report.doc for report in cross_year.reports() if report.attachment)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    write_pdf(doc, TARGET)
    print(TARGET)


if __name__ == "__main__":
    main()
