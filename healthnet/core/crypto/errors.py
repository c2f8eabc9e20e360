"""Exceptions of the crypto slice (no crypto library types leak out of core.crypto)."""

from __future__ import annotations


class CryptoError(Exception):
    """Base class for every failure reported by :mod:`healthnet.core.crypto`."""


class CryptoIntegrityError(CryptoError):
    """A ciphertext, tag, wrapped key or signature did not authenticate.

    Raised instead of ever returning data that may have been altered (SECURITY.md, storage
    integrity). The message never contains key material or plaintext.
    """


class UnknownKeyError(CryptoError):
    """A ciphertext names a data key id that is not in the key table."""


class MasterKeyError(CryptoError):
    """The master key is missing or malformed."""
