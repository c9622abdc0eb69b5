"""How a unique field's value is compared: the form its constraint record is keyed by.

Why: a constraint record keyed by the raw value lets ``Ana@x.io``, ``ana@x.io`` and the NFC and NFD
spellings of ``josé@x.io`` register as four users. The layout says, per unique field, which form
is compared (``TenantTable(User, unique={"email": Normalize.EMAIL})``); the item itself keeps the
spelling the client sent.

- ``EXACT``: the value as sent (what ``unique=("email",)`` means, as before: existing constraint
  records stay valid -- changing a field's normalization on live data needs a backfill of its records).
- ``LOWERCASE``: JSONata's ``$lowercase`` (JavaScript's ``toLowerCase`` on AWS). For non-ASCII text
  its Unicode tables are the runtime's; the local engine's Python ``str.lower`` may differ on rare
  characters.
- ``EMAIL``: Unicode NFC, then lowercase. JSONata has no Unicode normalization (AWS's offers
  ``$lowercase``/``$uppercase``, no NFC), so the machine cannot make two spellings of a non-ASCII
  address equal; it refuses a non-ASCII value with ``Resolver.InvalidArgument`` instead of comparing
  it raw. An ASCII string is its own NFC, so for every value it accepts the compared form is exactly
  NFC + lowercase. (APPSYNC_JS has ``util.str.normalize(value, "nfc")``; a resolver that applied it
  still could not prove to the machine that its input is NFC, so the machine keeps refusing.)
"""

from __future__ import annotations

import enum

__all__ = ["Normalize", "normalized_jsonata", "refusal_jsonata", "normalized"]

_NON_ASCII = r"/[^\x00-\x7F]/"


class Normalize(enum.Enum):
    """The form a unique field's value is compared in (see the module docstring)."""

    EXACT = "exact"
    LOWERCASE = "lowercase"
    EMAIL = "email"


def normalized_jsonata(mode: Normalize, value: str) -> str:
    """Bare JSONata: the compared form of the string at ``value`` (a refused value never gets here)."""
    return value if mode is Normalize.EXACT else f"$lowercase({value})"


def refusal_jsonata(mode: Normalize, value: str, label: str) -> str | None:
    """Bare JSONata: why the string at ``value`` cannot be compared in ``mode`` (undefined if it can), or None."""
    if mode is not Normalize.EMAIL:
        return None
    return (f'$contains({value}, {_NON_ASCII}) ? "{label} must be ASCII: spellings of a non-ASCII address '
            f'(Unicode NFC/NFD) cannot be compared inside the machine" : undefined')


def normalized(mode: Normalize, value: str) -> str:
    """Python: the compared form the machine writes into the constraint key (for tests and operators)."""
    if mode is Normalize.EXACT:
        return value
    if mode is Normalize.EMAIL and not value.isascii():
        raise ValueError(f"{value!r} is not ASCII: the machine refuses it (Normalize.EMAIL)")
    return value.lower()
