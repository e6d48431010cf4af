# Builders' Guide exercises and autograder. `make grade` and `make test` install what they need.
#
#   make grade [SUBMISSION=exercises] [DEVICE=auto] [WORKERS=1] [ONLY="modules ..."] [JSON=file]
#   make check [SUBMISSION=exercises]      public checks with hints, for learners
#   make test                               the kit's own test suite
#   make exercises | make bench | make lint
#
# The CPU build of PyTorch is installed first so that the package's own range requirement
# (torch>=2.6) is already satisfied; a plain `torch` from the index would pull a multi-GB CUDA build.
# Override for another machine, e.g. TORCH_SPEC="torch==2.6.0" TORCH_PIP_ARGS="--index-url <CPU wheel index>".

PYTHON ?= python3
VENV ?= .venv
TORCH_SPEC ?= torch==2.13.0
TORCH_PIP_ARGS ?=
SUBMISSION ?= exercises
DEVICE ?= auto
WORKERS ?= 1
ONLY ?=
JSON ?=
PYTEST_ARGS ?=

PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

GRADE_ARGS := --device $(DEVICE) --workers $(WORKERS)
ifneq ($(strip $(ONLY)),)
GRADE_ARGS += --only $(ONLY)
endif
ifneq ($(strip $(JSON)),)
GRADE_ARGS += --json $(JSON)
endif

.PHONY: install grade check test exercises bench lint clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet $(TORCH_PIP_ARGS) "$(TORCH_SPEC)"
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

grade: $(STAMP)
	$(PY) -m grader grade $(SUBMISSION) $(GRADE_ARGS)

check: $(STAMP)
	$(PY) -m grader check $(SUBMISSION)

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

exercises: $(STAMP)
	$(PY) -m grader exercises

bench: $(STAMP)
	$(PY) bench/run_all.py

lint: $(STAMP)
	$(PY) -m ruff check grader tests bench solutions
	$(PY) -m ruff format --check grader tests bench solutions

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
