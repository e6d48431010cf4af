#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu). The zip is
# unpacked in /autograder/source. Installs Python, the CPU build of PyTorch and the kit into a venv,
# then closes the checks (hidden ones included) to every uid but root and proves it.
# Settings baked in by `make gradescope` live in config.sh (TORCH_SPEC, TORCH_INDEX_URL, ...).
# For tests: GRADESCOPE_ROOT (default /autograder).
set -euo pipefail
root="${GRADESCOPE_ROOT:-/autograder}"
source_dir="$root/source"
venv="$root/venv"
# shellcheck disable=SC1091
source "$source_dir/config.sh"
# Never run Python from the source folder: `python -c 'import grader'` there imports the source copy
# (the script's folder comes first on sys.path), not the installed one, so what it finds and protects
# would be the wrong files. Every Python below runs from / and isolated (-I).
cd /

if ! command -v python3 >/dev/null || ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv python3-pip
fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip || echo "setup.sh: could not upgrade pip; going on"
# shellcheck disable=SC2086
"$venv/bin/pip" install --quiet "$TORCH_SPEC" ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"}
"$venv/bin/pip" install --quiet "$source_dir"

# Student code runs under separate unprivileged uids when the container blocks namespaces and
# Landlock (Gradescope's usually does): only root may read the installed checks and the source
# copy. `protect` closes them and then tries to read every file as a sandbox uid: it fails the
# setup if any file is still readable.
"$venv/bin/python" -I -m grader.deploy protect "$source_dir"
# Importing the whole kit once compiles it while root can still write the bytecode.
"$venv/bin/python" -I -c 'import grader.cli, grader.runner, grader.exporters.gradescope_results'
