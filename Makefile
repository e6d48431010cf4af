# Builders' Guide exercises and autograder. `make grade` and `make test` install what they need.
#
#   make grade [SUBMISSION=exercises] [DEVICE=auto] [WORKERS=1] [ONLY="modules ..."] [JSON=file]
#       [CSV=gradebook.csv] [FEEDBACK=dir] [RESUME=1]   (class: journal next to JSON, resume it)
#   make check [SUBMISSION=exercises] [ONLY=...]   public checks with hints, for learners
#   make gradescope [ONLY="modules ..."]    build/gradescope/autograder.zip for Gradescope
#   make release                            nbgrader course folder build/release (from solutions/)
#   make student                            build/student: the students' package (public checks only)
#   make prairielearn                       build/prairielearn: grader image (Dockerfile) and questions
#   make test                               the kit's own test suite
#   make gpu-check [GPU_CHECK_OUT=dir]      the GPU path end to end (machine with CUDA torch)
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
CSV ?=
FEEDBACK ?=
RESUME ?=
GRADESCOPE_TORCH_INDEX_URL ?= https://download.pytorch.org/whl/cpu
GRADESCOPE_HIDDEN ?= after_published
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
ifneq ($(strip $(CSV)),)
GRADE_ARGS += --csv $(CSV)
endif
ifneq ($(strip $(FEEDBACK)),)
GRADE_ARGS += --feedback $(FEEDBACK)
endif
ifneq ($(strip $(RESUME)),)
GRADE_ARGS += --resume
endif
CHECK_ARGS := $(if $(strip $(ONLY)),--only $(ONLY),)

.PHONY: install grade check test exercises bench lint clean gradescope release gpu-check student prairielearn

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet $(TORCH_PIP_ARGS) "$(TORCH_SPEC)"
	$(PY) -m pip install --quiet -e '.[test,nbgrader]'
	touch $(STAMP)

grade: $(STAMP)
	$(PY) -m grader grade $(SUBMISSION) $(GRADE_ARGS)

check: $(STAMP)
	$(PY) -m grader check $(SUBMISSION) $(CHECK_ARGS)

gradescope: $(STAMP)
	$(PY) -m grader.gradescope build --out build/gradescope --torch-spec "$(TORCH_SPEC)" \
		--torch-index-url "$(GRADESCOPE_TORCH_INDEX_URL)" --hidden-visibility "$(GRADESCOPE_HIDDEN)" \
		$(if $(strip $(ONLY)),--only "$(ONLY)",)

release: $(STAMP)
	$(PY) -m grader nbgrader release --out build/release

student: $(STAMP)
	$(PY) -m grader.student_package --out build/student

prairielearn: $(STAMP)
	$(PY) -m grader.prairielearn build --out build/prairielearn

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

exercises: $(STAMP)
	$(PY) -m grader exercises

# The GPU path in minutes, on a machine whose python3 already has a CUDA build of torch with
# pytest, hypothesis and rich: nothing is installed. Output in $(GPU_CHECK_OUT) when set.
GPU_PYTHON ?= python3
gpu-check:
	PYTHONPATH=$(CURDIR) $(GPU_PYTHON) bench/gpu_check.py

bench: $(STAMP)
	$(PY) bench/run_all.py

lint: $(STAMP)
	$(PY) -m ruff check grader tests bench solutions
	$(PY) -m ruff format --check grader tests bench solutions

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
