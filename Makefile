.PHONY: help install test lint format
help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'
install:  ## build and install the package into the current Python
	python3 -m pip install .
test:  ## run every test (installs what the tests need)
	scripts/test
lint:  ## cargo fmt --check, clippy -D warnings, ruff
	scripts/lint
format:  ## format Rust and Python sources
	scripts/format
