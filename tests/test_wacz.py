"""WACZ beside the snapshots (py-wacz, pages from `reports`, validated by `wacz validate`), and a
report's page offering its WARC record for download and a replay link."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from warcio.archiveiterator import ArchiveIterator

from gkcrawl.archive.snapshot import take_snapshot
from gkcrawl.archive.store import open_archive
from gkcrawl.publish.serve import start_background
from samples import sample_report
from test_archive_reparse import archive_sample_page


def archive_with_warcs(tmp_path: Path, count: int = 2) -> tuple[Path, list[int], list[str]]:
    warc_dir = tmp_path / "warc"
    warc_dir.mkdir()
    db = open_archive(tmp_path / "gkcrawl.db")
    ids, urls = [], []
    for index in range(1, count + 1):
        sample, report_id = archive_sample_page(db, warc_dir, index)
        ids.append(report_id)
        urls.append(sample.url)
    db.conn.close()
    return tmp_path / "gkcrawl.db", ids, urls


def test_wacz_command_writes_a_valid_wacz_listed_in_sha256sums(tmp_path: Path) -> None:
    from gkcrawl.cli import main

    db_path, _, urls = archive_with_warcs(tmp_path)
    take_snapshot(db_path)
    result = CliRunner().invoke(main, ["wacz", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    snapshots = tmp_path / "snapshots"
    (wacz,) = snapshots.glob("gkcrawl-*.wacz")
    assert str(wacz) in result.stdout
    sums = (snapshots / "SHA256SUMS").read_text(encoding="utf-8")
    assert wacz.name in sums and wacz.with_suffix(".db").name in sums
    assert subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=snapshots, capture_output=True).returncode == 0
    validated = subprocess.run([sys.executable, "-m", "wacz", "validate", "-f", str(wacz)], capture_output=True,
                               text=True)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    with zipfile.ZipFile(wacz) as zipped:
        pages = [json.loads(line) for line in zipped.read("pages/pages.jsonl").decode("utf-8").splitlines()[1:]]
        assert {page["url"] for page in pages} == set(urls)
        assert sorted(n for n in zipped.namelist() if n.startswith("archive/")) == [
            "archive/crawl-00001.warc.gz", "archive/crawl-00002.warc.gz"]
    assert not [p for p in snapshots.iterdir() if p.name not in {wacz.name, wacz.with_suffix(".db").name,
                                                                  "SHA256SUMS", "CHANGES"}]


def test_wacz_without_warcs_is_a_clear_error(tmp_path: Path) -> None:
    from gkcrawl.cli import main

    open_archive(tmp_path / "gkcrawl.db").conn.close()
    result = CliRunner().invoke(main, ["wacz", "--db", str(tmp_path / "gkcrawl.db")])
    assert result.exit_code != 0 and "no WARC files" in result.output


def fetch(url: str) -> tuple[int, bytes, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read(), response.headers.get("content-type", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), ""


@pytest.mark.slow
def test_report_page_offers_its_warc_record_and_a_replay_link(tmp_path: Path) -> None:
    db_path, ids, urls = archive_with_warcs(tmp_path)
    (tmp_path / "secret.warc.gz").write_bytes((tmp_path / "warc" / "crawl-00001.warc.gz").read_bytes())
    server = start_background(db_path, extra_args=["--replay-url", "http://replay.example/gk/"])
    base = server.url
    try:
        status, page, _ = fetch(f"{base}/gkcrawl/reports/{ids[0]}")
        assert status == 200
        html = page.decode("utf-8")
        assert f'href="http://replay.example/gk/20240201080000/{urls[0]}"' in html
        link = html.split('class="gk-warc-record" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
        status, record, content_type = fetch(base + link)
        assert status == 200 and content_type.startswith("application/warc")
        read = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
                for r in ArchiveIterator(io.BytesIO(record))]
        assert read == [("response", urls[0], sample_report(1, template="2021").body)]
        outside = "/-/gkcrawl/warc-record?" + urllib.parse.urlencode({"file": "../secret.warc.gz", "offset": 0})
        assert fetch(base + outside)[0] == 404
        wrong_offset = "/-/gkcrawl/warc-record?" + urllib.parse.urlencode({"file": "crawl-00001.warc.gz",
                                                                           "offset": 3})
        assert fetch(base + wrong_offset)[0] == 404
    finally:
        server.stop()


PYWB_BIN = Path(__file__).resolve().parents[1] / ".venv-pywb" / "bin"


@pytest.mark.slow
@pytest.mark.skipif(not (PYWB_BIN / "wayback").exists(),
                    reason="pywb is not installed in .venv-pywb (scripts/bootstrap.sh --test builds it)")
def test_pywb_replays_the_wacz_as_the_readme_shows(tmp_path: Path) -> None:
    import time

    from gkcrawl.archive.wacz import write_wacz
    from gkcrawl.publish.serve import free_port

    db_path, _, urls = archive_with_warcs(tmp_path)
    wacz = write_wacz(db_path).path
    pywb = tmp_path / "pywb"
    pywb.mkdir()
    subprocess.run([str(PYWB_BIN / "wb-manager"), "init", "gkcrawl"], cwd=pywb, check=True, capture_output=True)
    subprocess.run([str(PYWB_BIN / "wb-manager"), "add", "--unpack-wacz", "gkcrawl", str(wacz)], cwd=pywb,
                   check=True, capture_output=True)
    port = free_port()
    wayback = subprocess.Popen([str(PYWB_BIN / "wayback"), "-b", "127.0.0.1", "-p", str(port)], cwd=pywb,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        replayed: tuple[int, bytes, str] = (0, b"", "")
        for _ in range(300):
            try:
                replayed = fetch(f"http://127.0.0.1:{port}/gkcrawl/id_/{urls[0]}")
                break
            except OSError:
                time.sleep(0.2)
        assert replayed[0] == 200 and replayed[1] == sample_report(1, template="2021").body
        assert fetch(f"http://127.0.0.1:{port}/gkcrawl/20240201080000/{urls[1]}")[0] == 200
    finally:
        wayback.terminate()
        wayback.wait(timeout=30)
