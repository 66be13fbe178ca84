#!/usr/bin/env bash
# Installs the SMTP server the email tests talk to (PyPI `aiosmtpd`) into
# target/smtp-venv, for tests/it/email.rs and tests/smtp/server.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 -m venv target/smtp-venv
target/smtp-venv/bin/pip --quiet --disable-pip-version-check install 'aiosmtpd==1.4.6'
target/smtp-venv/bin/python -c 'import aiosmtpd; print("aiosmtpd", aiosmtpd.__version__)'
