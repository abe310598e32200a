"""Accounts: device tokens, API keys, passwords and provisioning, for the server and the CLI.

One place where secrets are made, hashed and checked, so that the ingest server, the
admin API and the ``roadsense`` command agree on them. May import ``schema`` and
``store`` only (an import-linter contract), so the CLI manages keys without the server.
"""

from __future__ import annotations

from roadsense.accounts.passwords import (
    MIN_PASSWORD_LENGTH,
    PasswordError,
    hash_password,
    verify_password,
)
from roadsense.accounts.provisioning import (
    AccountError,
    IssuedDevice,
    IssuedKey,
    create_user,
    issue_api_key,
    parse_role,
    provision_device,
)
from roadsense.accounts.tokens import API_KEY_PREFIX, hash_token, new_api_key, new_token

__all__ = [
    "API_KEY_PREFIX",
    "MIN_PASSWORD_LENGTH",
    "AccountError",
    "IssuedDevice",
    "IssuedKey",
    "PasswordError",
    "create_user",
    "hash_password",
    "hash_token",
    "issue_api_key",
    "new_api_key",
    "new_token",
    "parse_role",
    "provision_device",
    "verify_password",
]
