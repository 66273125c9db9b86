# The two commands a user needs. Both install what they need first (idempotent).
.PHONY: demo test lint install bench

install:
	bash scripts/bootstrap.sh

demo: install
	.venv/bin/gkcrawl demo

# Style and types: ruff (pyproject [tool.ruff]) over code, tests and benchmarks; mypy over the package.
lint: install
	.venv/bin/ruff check gkcrawl tests benchmarks
	.venv/bin/mypy gkcrawl

# The tests also need nginx and pywb (.venv-pywb): bootstrap --test installs them.
# Two pytest-xdist workers: most tests wait on crawls, servers and browsers, so two overlap on 2 cores;
# loadfile keeps each module on one worker, --no-loadscope-reorder keeps conftest's order (slowest first).
# On a machine already overloaded by other work, `make test TEST_ARGS=` runs one process instead.
TEST_ARGS ?= -n 2 --dist loadfile --no-loadscope-reorder
test: lint
	bash scripts/bootstrap.sh --test
	.venv/bin/python -m pytest -q --durations=15 $(TEST_ARGS)

bench: install
	.venv/bin/python benchmarks/bench_parse.py
	.venv/bin/python benchmarks/bench_crawl.py
	.venv/bin/python benchmarks/bench_archive.py
