"""How long parse_document takes on hostile documents: a hang guard, measured.

Generates a corpus of report-shaped documents stuffed with what made regexes backtrack:
long runs without punctuation (Chinese, digits, latin), long whitespace runs, repeated label
fragments, underscore keyword chains and stray table separators. Each document is parsed in
a forked child so a hang is cut off at the limit instead of stopping the run.

    .venv/bin/python benchmarks/bench_fuzz.py [--count 500] [--seed 1] [--limit 60]
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gkcrawl.parse import parse_document  # noqa: E402

HEADINGS = ("二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况")
FRAGMENTS = ("本年新收", "本年度新收政府信息公开申请数量", "(三)不予公开", "1.属于国家秘密", "其他法律行政法规",
             "第二十条第(一)项", "结转下一年度继续办理", "规章", "规范性文件", "行政许可", "申请人无正当理由逾期不补正",
             "结果维持", "总计", "合计", "危及“三安全一稳定”", "部分公开(", "国办公开办函", "索引号", "当前位置",
             "人民政府", "管理委员会", "bet365", "下载_", "_官网_", "澳门", "字号", "打印")


def _cjk(rng: random.Random, n: int) -> str:
    return "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(n))


def _run(rng: random.Random, n: int) -> str:
    """One long stretch of a single kind of filler: what backtracking regexes choke on."""
    kind = rng.choice(("cjk", "digits", "latin", "spaces", "tabs", "newlines", "fragments", "chain", "pipes",
                       "mixed"))
    if kind == "cjk":
        return _cjk(rng, n)
    if kind == "digits":
        return "".join(rng.choice("0123456789") for _ in range(n))
    if kind == "latin":
        return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(n))
    if kind == "spaces":
        return " " * n
    if kind == "tabs":
        return "\t " * (n // 2)
    if kind == "newlines":
        return "\n \n" * (n // 3)
    if kind == "fragments":
        word = rng.choice(FRAGMENTS)
        return word * max(1, n // len(word))
    if kind == "chain":
        return "_".join(_cjk(rng, rng.randint(1, 40)) for _ in range(max(1, n // 20)))
    if kind == "pipes":
        return "|".join(str(rng.randint(0, 99)) for _ in range(max(1, n // 3)))
    return "".join(rng.choice(("规", "章", "年", "新", "收", "0", "1", " ", "\t", "|", "_", "、", ".", "(", "一", ")"))
                   for _ in range(n))


def fuzz_document(seed: int) -> tuple[bytes, str]:
    """One generated document (bytes, filename): report headings around hostile runs."""
    rng = random.Random(seed)
    pieces = ["某某市人民政府2023年政府信息公开工作年度报告\n"]
    for heading in HEADINGS:
        pieces.append(heading + "\n")
        for _ in range(rng.randint(0, 3)):
            pieces.append(_run(rng, rng.choice((200, 2000, 8000, 16000))))
            pieces.append(rng.choice(("\n", "", "\t", " ", "|")))
    text = "".join(pieces)
    if rng.random() < 0.3:
        body = text.replace("\n", "<br>")
        return f"<html><head><title>{_run(rng, 300)}</title></head><body><p>{body}</p></body></html>".encode(), "x.html"
    return text.encode("utf-8"), "x.txt"


def _child(seed: int, conn: multiprocessing.connection.Connection) -> None:
    data, name = fuzz_document(seed)
    started = time.perf_counter()
    parse_document(data, filename=name)
    conn.send(time.perf_counter() - started)


def timed_parse(seed: int, limit: float) -> float | None:
    """Seconds parse_document took on document `seed`, None when it ran past `limit`."""
    parent, child = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.get_context("fork").Process(target=_child, args=(seed, child))
    process.start()
    ready = parent.poll(limit)
    if not ready:
        process.kill()
        process.join()
        return None
    seconds = parent.recv()
    process.join()
    return float(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit", type=float, default=60.0, help="seconds before a document counts as hung")
    args = parser.parse_args()
    times: list[tuple[float, int]] = []
    hung: list[int] = []
    started = time.perf_counter()
    for seed in range(args.seed, args.seed + args.count):
        seconds = timed_parse(seed, args.limit)
        if seconds is None:
            hung.append(seed)
        else:
            times.append((seconds, seed))
    times.sort(reverse=True)
    sizes = [len(fuzz_document(seed)[0].decode("utf-8", "replace")) for seed in range(args.seed, args.seed + 5)]
    print(f"documents: {args.count} (seeds {args.seed}..{args.seed + args.count - 1}, e.g. {sizes} characters)")
    print(f"> 5 s: {sum(1 for s, _ in times if s > 5) + len(hung)}")
    print(f"> {args.limit:g} s (hung, killed): {len(hung)} {hung[:20]}")
    if times:
        values = sorted(s for s, _ in times)
        print(f"median {values[len(values) // 2]:.2f} s, p99 {values[int(len(values) * 0.99) - 1]:.2f} s, "
              f"worst {times[0][0]:.2f} s (seed {times[0][1]})")
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
