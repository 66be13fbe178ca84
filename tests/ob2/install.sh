#!/usr/bin/env bash
# Installs 1EdTech's Open Badges 2.0 validator (PyPI `openbadges`) into target/ob2-venv,
# for tests/it/interop_ob2.rs. openbadges 1.1.2 pins releases that no longer import on
# Python 3.11; three are replaced by the nearest that do (pip warns of the pins):
# pycryptodome 3.6.6 does not parse, pytz 2017.2 and python-jose 3.0.1 import
# collections.Mapping; python-jose 3.2.0 is the last with the pycryptodome backend
# that openbadges hands its keys to.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 -m venv target/ob2-venv
pip="target/ob2-venv/bin/pip --quiet --disable-pip-version-check"
$pip install 'openbadges==1.1.2'
$pip install 'pycryptodome>=3.20,<4' 'python-jose==3.2.0' 'pytz>=2023' 2>&1 | grep -v "dependency conflicts\|requires pycryptodome\|requires python-jose\|requires pytz\|dependency resolver" || true
target/ob2-venv/bin/python -c 'import openbadges; print("openbadges", openbadges.__version__ if hasattr(openbadges, "__version__") else "installed")'
