"""RS256 JWT verification with nothing but the standard library, at least as strict as PyJWT.

Why not PyJWT (or joserfc, authlib, jwcrypto, python-jwt): each verifies RS256 through ``cryptography``,
a compiled wheel. The Lambda asset is this folder as it is in the package (``Code.from_asset``, no
bundling): the Python runtime provides boto3 and nothing else, and putting ``cryptography`` in the asset
means a platform-specific (manylinux, the Lambda's Python version) pip download at synth, or Docker
bundling; neither may happen at synth or test time here. python-jose's pure-Python backend (``rsa``,
``ecdsa``, ``pyasn1``) would still have to be copied into the asset, and its authors recommend the
``cryptography`` backend instead. What is left is small enough to own: the signature ``s`` is checked by computing ``pow(s, e, n)`` (RSASSA-PKCS1-v1_5,
RFC 8017 section 8.2.2) and comparing the whole encoded block, in constant time, with the expected
encoding of the SHA-256 digest. Only *verification* with a public key is done here, which has no secret
to leak through timing.

The oracle is PyJWT 2.15.1 + cryptography (tests/cdk/test_authorizer_differential.py): for every token of
a corpus of valid and malformed ones, this module accepts iff ``jwt.decode(..., algorithms=["RS256"],
options={"require": ["exp"], "enforce_minimum_key_length": True})`` accepts, except the deliberate cases
where this module is stricter, each asserted there:

- base64url must be canonical (RFC 7515 section 2, RFC 4648 section 5 without padding): no ``=``
  (PyJWT accepts correct padding), so one token has exactly one spelling, and one authorizer cache
  entry in AppSync;
- JSON must be JSON (RFC 8259): ``NaN``, ``Infinity`` and ``-Infinity`` are refused anywhere (PyJWT
  refuses them only in ``exp``/``nbf``/``iat``; a number that overflows to infinity, ``1e999``, is
  refused there by both);
- ``exp``, ``nbf`` and ``iat`` must be JSON numbers (RFC 7519 section 2, NumericDate): PyJWT passes them
  through ``int()``, so it takes ``"1700000000"`` and ``true``;
- any ``crit`` header is refused: this verifier implements no JWS extension (RFC 7515 section 4.1.11
  says a recipient MUST reject a token naming an extension it does not understand; PyJWT understands
  ``b64``, RFC 7797, which has no use here).

The JWKS is deploy-time configuration, not caller input: its ``n`` and ``e`` may carry base64 padding.

Every refusal is a ``TokenError`` whose message names the reason (the handler logs it, the caller only
sees ``isAuthorized: false``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import re
import time
from collections.abc import Mapping
from typing import Any

# DER of DigestInfo{ sha256, NULL } that precedes the 32-byte digest (RFC 8017 section 9.2, note 1)
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
#: the smallest RSA modulus accepted, in bits (NIST SP 800-131A; PyJWT's enforce_minimum_key_length)
MIN_MODULUS_BITS = 2048
_B64URL = re.compile(r"[A-Za-z0-9_-]*\Z")


class TokenError(Exception):
    """The token is not acceptable; the message says why (it is logged, never returned to the caller)."""


def b64url_decode(text: str, what: str) -> bytes:
    """The bytes of a canonical base64url segment: URL alphabet, no padding, unused trailing bits zero.

    ``urlsafe_b64decode`` alone would also take ``=`` padding, ``+`` and ``/``, and a last character whose
    unused bits are set: several spellings of one token. Re-encoding and comparing refuses all of them.
    """
    if not _B64URL.match(text) or len(text) % 4 == 1:
        raise TokenError(f"{what} is not canonical base64url (alphabet A-Z a-z 0-9 - _, no padding)")
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, binascii.Error) as exc:  # unreachable after the checks above; kept closed
        raise TokenError(f"{what} is not base64url: {exc}") from None
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != text:
        raise TokenError(f"{what} is not canonical base64url (unused trailing bits are not zero)")
    return raw


def _refuse_constant(name: str) -> Any:
    raise TokenError(f"{name} is not JSON (RFC 8259 has no NaN or Infinity)")


def _json_object(raw: bytes, what: str) -> dict[str, Any]:
    try:
        value = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise TokenError(f"{what} is not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise TokenError(f"{what} must be a JSON object")
    return value


def _key_int(jwk: Mapping[str, Any], name: str) -> int:
    """A JWKS integer (RFC 7518 section 6.3.1). The JWKS is deploy-time configuration, not caller input:
    padding is tolerated there, so an issuer's padded key set does not refuse every token."""
    value = jwk.get(name)
    if not isinstance(value, str) or not _B64URL.match(value.rstrip("=")):
        raise TokenError(f"key {jwk.get('kid')!r}: {name!r} is not a base64url string")
    try:
        return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")
    except (ValueError, binascii.Error) as exc:
        raise TokenError(f"key {jwk.get('kid')!r}: {name!r} is not base64url: {exc}") from None


def rsa_public_key(jwk: Mapping[str, Any]) -> tuple[int, int]:
    """``(n, e)`` of an RSA JWK, refused when it is too weak to mean anything.

    ``e = 1`` makes every "signature" its own message (``pow(s, 1, n) == s``): anyone could forge. An
    even or smaller-than-3 exponent, or one not below ``n``, is not an RSA public key (cryptography's own
    checks). A modulus under 2048 bits is within reach of factoring (NIST SP 800-131A).
    """
    n, e = _key_int(jwk, "n"), _key_int(jwk, "e")
    kid = jwk.get("kid")
    if n.bit_length() < MIN_MODULUS_BITS:
        raise TokenError(f"key {kid!r}: modulus of {n.bit_length()} bits is under {MIN_MODULUS_BITS}")
    if e < 3 or e >= n or e % 2 == 0:
        raise TokenError(f"key {kid!r}: public exponent {e} is not an odd number from 3 below the modulus")
    return n, e


def _rsa_key(jwks: Mapping[str, Any], kid: Any) -> tuple[int, int]:
    if kid is None:
        raise TokenError("the token header has no kid")
    if not isinstance(kid, str):
        raise TokenError("the token header's kid is not a string")
    keys = jwks.get("keys", [])
    for key in keys if isinstance(keys, list) else []:
        if isinstance(key, Mapping) and key.get("kty") == "RSA" and key.get("use", "sig") == "sig" \
                and key.get("kid") == kid:
            if key.get("alg", "RS256") != "RS256":
                raise TokenError(f"key {kid!r} is for {key.get('alg')}, not RS256")
            return rsa_public_key(key)
    raise TokenError(f"no RSA signing key with kid {kid!r} in the JWKS")


def verify_signature(signing_input: bytes, signature: bytes, n: int, e: int) -> None:
    """Raise TokenError unless ``signature`` is a valid RSASSA-PKCS1-v1_5 SHA-256 signature."""
    k = (n.bit_length() + 7) // 8
    if len(signature) != k:
        raise TokenError("signature length does not match the key size")
    s = int.from_bytes(signature, "big")
    if s >= n:
        raise TokenError("signature representative out of range")
    encoded = pow(s, e, n).to_bytes(k, "big")
    digest = _SHA256_DIGEST_INFO + hashlib.sha256(signing_input).digest()
    expected = b"\x00\x01" + b"\xff" * (k - len(digest) - 3) + b"\x00" + digest
    if not hmac.compare_digest(encoded, expected):
        raise TokenError("signature does not verify")


def numeric_date(claims: Mapping[str, Any], name: str) -> int | None:
    """A NumericDate claim as whole seconds (truncated, as PyJWT does), None when absent.

    A JSON number only: ``true`` and ``"1700000000"`` are not NumericDates. Infinite values (``1e999``
    parses to ``inf``) would make ``exp`` never expire and are refused.
    """
    if name not in claims:
        return None
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TokenError(f"{name} is not a NumericDate (a JSON number)")
    if isinstance(value, float) and not math.isfinite(value):
        raise TokenError(f"{name} is not a finite number")
    return int(value)


def _check_header(header: Mapping[str, Any]) -> None:
    if header.get("alg") != "RS256":
        raise TokenError(f"alg {header.get('alg')!r} is not RS256")
    if "crit" in header:
        raise TokenError(f"crit {header['crit']!r}: this verifier implements no JWS extension")
    if header.get("b64", True) is False:  # RFC 7797 unencoded payload: needs crit, refused above anyway
        raise TokenError("b64 false (RFC 7797 unencoded payload) is not supported")


def _check_claims(claims: Mapping[str, Any], *, issuer: str, audience: str, moment: float, leeway: float) -> None:
    exp = numeric_date(claims, "exp")
    nbf = numeric_date(claims, "nbf")
    iat = numeric_date(claims, "iat")
    if exp is None:
        raise TokenError("the token has no exp")
    if exp <= moment - leeway:
        raise TokenError("the token has expired")
    if nbf is not None and nbf > moment + leeway:
        raise TokenError("the token is not valid yet (nbf)")
    if iat is not None and iat > moment + leeway:
        raise TokenError("the token is issued in the future (iat)")
    if claims.get("iss") != issuer:
        raise TokenError(f"issuer {claims.get('iss')!r} is not {issuer!r}")
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud
    if not isinstance(audiences, list) or not all(isinstance(a, str) for a in audiences):
        raise TokenError(f"aud {aud!r} is not a string or a list of strings")
    if audience not in audiences:
        raise TokenError(f"audience {aud!r} does not include {audience!r}")
    for name in ("sub", "jti"):
        if name in claims and not isinstance(claims[name], str):
            raise TokenError(f"{name} is not a string")


def decode(token: str, jwks: Mapping[str, Any], *, issuer: str, audience: str, now: float | None = None,
           leeway: float = 0) -> dict[str, Any]:
    """The claims of a valid RS256 token issued by ``issuer`` for ``audience``; TokenError otherwise."""
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenError("a JWT has three dot-separated parts")
    header = _json_object(b64url_decode(parts[0], "the header"), "the header")
    claims = _json_object(b64url_decode(parts[1], "the payload"), "the payload")
    signature = b64url_decode(parts[2], "the signature")
    _check_header(header)
    n, e = _rsa_key(jwks, header.get("kid"))
    verify_signature(f"{parts[0]}.{parts[1]}".encode("ascii"), signature, n, e)
    _check_claims(claims, issuer=issuer, audience=audience, moment=time.time() if now is None else now,
                  leeway=leeway)
    return claims
