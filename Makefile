# The two commands a user needs. Both install what they need first (idempotent).
.PHONY: demo test install bench

install:
	bash scripts/bootstrap.sh

demo: install
	.venv/bin/gkcrawl demo

test: install
	.venv/bin/python -m pytest -q

bench: install
	.venv/bin/python benchmarks/bench_parse.py
	.venv/bin/python benchmarks/bench_crawl.py
	.venv/bin/python benchmarks/bench_archive.py
