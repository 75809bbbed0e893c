"""Passwords: argon2id hashing, and the strength rules a new password must pass.

The hash parameters make one verification cost about 50–250 ms of one core
(`benchmarks/auth.py` measures it): slow enough that a stolen table is expensive to
crack, fast enough that one worker still serves logins. `parallelism=1` keeps a login on
one core, so concurrent logins do not starve each other.

Strength: a minimum length, then zxcvbn (Dropbox's estimator, bundled frequency lists
including the most common leaked passwords, no network): a password it finds among
common passwords, or that it estimates under 10^8 guesses (score < 3), is refused.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from refaire.people._common import PeopleError

MIN_LENGTH = 10
MAX_LENGTH = 256  # argon2 takes any length; this bounds the strength check's work
# Only this many leading characters go through zxcvbn, whose matching is super-linear.
_CHECKED_CHARS = 64

HASHER = PasswordHasher(time_cost=3, memory_cost=32 * 1024, parallelism=1)


@cache
def _dummy_hash() -> str:
    """Verified when the e-mail is unknown, so the answer takes as long as for an account."""
    return HASHER.hash("refaire-no-such-account")


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True when `password` matches `stored`; spends the same time when there is no hash."""
    try:
        return HASHER.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return HASHER.check_needs_rehash(stored)


def check_strength(password: str, *, email: str = "", name: str = "") -> None:
    """Raise PeopleError naming what is wrong with a new password."""
    if len(password) < MIN_LENGTH:
        raise PeopleError([("password", "people.error.password_short")], min=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        raise PeopleError([("password", "people.error.password_long")], max=MAX_LENGTH)
    from zxcvbn import zxcvbn

    personal = [p for p in (email, email.split("@")[0], name) if p]
    result = zxcvbn(password[:_CHECKED_CHARS], user_inputs=personal)
    common = any(
        m.get("pattern") == "dictionary"
        and m.get("dictionary_name") == "passwords"
        and m.get("token", "").lower() == password.lower()
        for m in result["sequence"]
    )
    if common:
        raise PeopleError([("password", "people.error.password_common")])
    if result["score"] < 3:
        raise PeopleError([("password", "people.error.password_weak")])
