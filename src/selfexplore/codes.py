"""Resume codes: at least 80 bits of randomness, easy to write down, checked for typos.

A code is 16 symbols of Crockford's base-32 alphabet (5 bits each, 80 bits from `secrets`) and one check
symbol, written in groups: `7KQD-9M2X-4TRB-HZ8P-N`. Crockford's alphabet has no I, L, O or U, and reading
is forgiving: lower case, spaces and hyphens are ignored, O is read as 0 and I or L as 1. The check symbol
catches a mistyped or swapped symbol before the store is asked, so a typo gets a helpful message instead of
counting as a failed attempt. Only a hash of the code is ever stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DATA_SYMBOLS = 16
BITS = DATA_SYMBOLS * 5
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


class MalformedCode(ValueError):
    """The text cannot be a resume code (wrong length, a symbol outside the alphabet, a failed check)."""


def _check_symbol(symbols: str) -> str:
    # Position-weighted sum, so that swapping two neighbouring symbols changes the check symbol too.
    total = sum((index + 1) * ALPHABET.index(symbol) for index, symbol in enumerate(symbols))
    return ALPHABET[total % 31]


def new_code() -> str:
    return _grouped("".join(secrets.choice(ALPHABET) for _ in range(DATA_SYMBOLS)))


def _grouped(symbols: str) -> str:
    groups = [symbols[i : i + 4] for i in range(0, len(symbols), 4)]
    return "-".join([*groups, _check_symbol(symbols)])


def _normalise(text: str, data_symbols: int, what: str) -> str:
    compact = "".join(text.split()).replace("-", "").upper().translate(_READ_AS)
    if not compact:  # the button pressed before anything was typed
        raise MalformedCode(f"Type your {what[2:]} in the box first: it has {data_symbols + 1} letters and digits")
    if len(compact) != data_symbols + 1:
        raise MalformedCode(f"{what} has {data_symbols + 1} letters and digits; this one has {len(compact)}")
    wrong = sorted({symbol for symbol in compact if symbol not in ALPHABET})
    if wrong:
        raise MalformedCode(f"{what} never contains {', '.join(repr(s) for s in wrong)}")
    symbols, check = compact[:data_symbols], compact[data_symbols]
    if _check_symbol(symbols) != check:
        raise MalformedCode(f"This {what[2:]} has a typing mistake; please check each group")
    return compact


def normalise(text: str) -> str:
    """The canonical form of a typed code, or MalformedCode saying what is wrong with it."""
    return _normalise(text, DATA_SYMBOLS, "A resume code")


def code_hash(code: str) -> str:
    """The stored form of a code. 80 random bits cannot be guessed, so a fast hash is enough here."""
    return hashlib.sha256(b"selfexplore-resume-code:" + normalise(code).encode()).hexdigest()


def unkeyed_identity_hash(kind: str, name: str) -> str:
    """How a hub or proxy user name was stored before the store had a key: anyone with a roster of names
    could hash each one and find its student. Kept only to rekey those rows (see `identity_hash`)."""
    return hashlib.sha256(f"selfexplore-identity:{kind}:{name}".encode()).hexdigest()


def identity_hash(kind: str, name: str, key: bytes) -> str:
    """The stored form of a hub or proxy user name: an HMAC, with the server's identity key, of the unkeyed
    hash. Without the key a roster of names links no row to anyone; and a store of unkeyed rows is rekeyed
    in place, without the names (`rekey_identity`)."""
    return rekey_identity(unkeyed_identity_hash(kind, name), key)


def rekey_identity(unkeyed: str, key: bytes) -> str:
    return hmac.new(key, unkeyed.encode(), hashlib.sha256).hexdigest()


def identity_key_check(key: bytes) -> str:
    """A value that tells whether a store was keyed with this key, and says nothing about the key."""
    return hmac.new(key, b"selfexplore-identity-key-check", hashlib.sha256).hexdigest()


JOIN_SYMBOLS = 6


def new_join_code() -> str:
    """A short code for a group session, read out in a room: six symbols, shown as `K7Q-D9M`."""
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(JOIN_SYMBOLS))
    return f"{symbols[:3]}-{symbols[3:]}"


def normalise_join_code(text: str) -> str:
    compact = "".join(text.split()).replace("-", "").upper().translate(_READ_AS)
    return f"{compact[:3]}-{compact[3:]}" if len(compact) == JOIN_SYMBOLS else compact


# A page pass lasts this long from its last use (a sliding lifetime: each page load with it renews it).
PASS_LIFETIME = timedelta(hours=12)
# How often a pass's renewal is written: a student's every reload does not need a write.
PASS_RENEWAL = timedelta(minutes=10)

# Page passes: 192 random bits in URL-safe base64 (32 characters), carried in a workbook link's query string.
PASS_LENGTH = 32
_PASS = re.compile(r"^[A-Za-z0-9_-]{32}$")


def new_pass() -> str:
    return secrets.token_urlsafe(24)


def looks_like_pass(token: str) -> bool:
    return bool(_PASS.match(token))


# A pass on its way from the kernel to the server's sign-in cookie crosses the page, sealed: encrypted and
# authenticated (Fernet, from the `cryptography` package) under a key derived from the kernel's own
# connection key, which only that kernel and the server hold. A script on the page sees only the seal; the
# server opens it only for the browser the kernel was handed to, and only for SEAL_LIFETIME after it was made
# (security review of 5 December 2026, finding 13).
SEAL_LIFETIME = timedelta(minutes=2)


def _sealer(kernel_key: bytes) -> Fernet:
    from cryptography.fernet import Fernet

    if not kernel_key:
        raise ValueError("a kernel without a connection key cannot seal a pass")
    derived = hashlib.sha256(b"selfexplore-pass-seal:" + kernel_key).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def query_proof(kernel_key: bytes, kernel_id: str) -> str:
    """What a preheated kernel shows the server to hear its page's request (/voila/query/<kernel id>): an
    HMAC of its id under its connection key, which only that kernel and the server hold. Behind a proxy on
    the same machine (a hub's) every visitor reaches the server from loopback, so loopback alone proves
    nothing."""
    if not kernel_key:
        raise ValueError("a kernel without a connection key cannot prove itself")
    return hmac.new(kernel_key, b"selfexplore-voila-query:" + kernel_id.encode(), hashlib.sha256).hexdigest()


def seal_pass(kernel_key: bytes, token: str) -> str:
    """The pass, sealed for the server under the kernel's connection key."""
    return _sealer(kernel_key).encrypt(token.encode()).decode("ascii")


def open_seal(kernel_key: bytes, sealed: str) -> str | None:
    """The pass in a seal made under this kernel key within SEAL_LIFETIME, or None (forged, altered, made
    for another kernel, or too old)."""
    from cryptography.fernet import InvalidToken

    try:
        token = _sealer(kernel_key).decrypt(sealed.encode("ascii"), ttl=int(SEAL_LIFETIME.total_seconds()))
    except (InvalidToken, UnicodeError, ValueError):
        return None
    text = token.decode("ascii", errors="replace")
    return text if looks_like_pass(text) else None


def pass_hash(token: str) -> str:
    return hashlib.sha256(b"selfexplore-pass:" + token.encode()).hexdigest()


# Adviser codes: a student hands one to their adviser (in person, by email) to share what they chose. It
# opens the student's shared material to whoever redeems it first, so it carries 130 random bits (26
# symbols), more than the 128 a guess must never find; one check symbol catches typing mistakes.
ADVISER_SYMBOLS = 26


def new_adviser_code() -> str:
    return _grouped("".join(secrets.choice(ALPHABET) for _ in range(ADVISER_SYMBOLS)))


def adviser_code_hash(code: str) -> str:
    """The stored form of an adviser code (MalformedCode for text that cannot be one)."""
    canonical = _normalise(code, ADVISER_SYMBOLS, "An advisor code")
    return hashlib.sha256(b"selfexplore-adviser-code:" + canonical.encode()).hexdigest()
