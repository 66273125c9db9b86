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
# TEST_ARGS adds pytest options, e.g. two pytest-xdist workers (each module stays on one worker, the
# slowest modules first: tests/conftest.py SLOW_FIRST):
#   make test TEST_ARGS="-n 2 --dist loadfile --no-loadscope-reorder"
# Not the default yet: on a shared, overloaded machine two workers pushed long crawl tests past their timeouts.
TEST_ARGS ?=
test: lint
	bash scripts/bootstrap.sh --test
	.venv/bin/python -m pytest -q --durations=15 $(TEST_ARGS)

bench: install
	.venv/bin/python benchmarks/bench_parse.py
	.venv/bin/python benchmarks/bench_crawl.py
	.venv/bin/python benchmarks/bench_archive.py
