#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu). The zip is
# unpacked in /autograder/source. Installs Python, the CPU build of PyTorch and the kit into a venv.
# Settings baked in by `make gradescope` live in config.sh (TORCH_SPEC, TORCH_INDEX_URL, ...).
set -euo pipefail
cd /autograder/source
# shellcheck disable=SC1091
source ./config.sh

if ! command -v python3 >/dev/null || ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv python3-pip
fi
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install --quiet --upgrade pip
# shellcheck disable=SC2086
/autograder/venv/bin/pip install --quiet "$TORCH_SPEC" ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"}
/autograder/venv/bin/pip install --quiet /autograder/source

# Student code runs under separate unprivileged uids when the container blocks namespaces and
# Landlock (Gradescope's usually does): nothing but root may read the checks (hidden ones included).
checks="$(/autograder/venv/bin/python -c 'import grader.checks, os; print(os.path.dirname(grader.checks.__file__))')"
chmod -R go-rwx "$checks" /autograder/source
# Importing the whole kit once compiles it while root can still write the bytecode.
/autograder/venv/bin/python -c 'import grader.cli, grader.runner, grader.exporters.gradescope'
