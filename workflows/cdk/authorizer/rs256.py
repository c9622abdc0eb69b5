"""RS256 JWT verification with nothing but the standard library.

Why not PyJWT/cryptography: the Lambda asset is the folder as it is in the repository. There is no Docker
here to build a bundle with native wheels (cryptography ships compiled code), and the Lambda runtime
only provides boto3. RS256 verification is small: the signature ``s`` is checked by computing
``pow(s, e, n)`` (RSASSA-PKCS1-v1_5, RFC 8017 section 8.2.2) and comparing the result, in constant
time, with the expected encoding of the SHA-256 digest. Only *verification* with a public key is
done here, which has no secret to leak through timing. The tests judge this module against
tokens signed by PyJWT/cryptography, so an error here cannot hide behind our own signer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

# DER of DigestInfo{ sha256, NULL } that precedes the 32-byte digest (RFC 8017 section 9.2, note 1)
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


class TokenError(Exception):
    """The token is not acceptable; the message says why (it is logged, never returned to the caller)."""


def _b64url(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise TokenError(f"not base64url: {exc}") from None


def _int(text: str) -> int:
    return int.from_bytes(_b64url(text), "big")


def _rsa_key(jwks: Mapping[str, Any], kid: str | None) -> tuple[int, int]:
    keys = [k for k in jwks.get("keys", []) if k.get("kty") == "RSA" and k.get("use", "sig") == "sig"]
    if kid is None:
        raise TokenError("the token header has no kid")
    for key in keys:
        if key.get("kid") == kid:
            if key.get("alg", "RS256") != "RS256":
                raise TokenError(f"key {kid!r} is for {key.get('alg')}, not RS256")
            return _int(key["n"]), _int(key["e"])
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


def decode(token: str, jwks: Mapping[str, Any], *, issuer: str, audience: str, now: float | None = None,
           leeway: int = 0) -> dict[str, Any]:
    """The claims of a valid RS256 token issued by ``issuer`` for ``audience``; TokenError otherwise."""
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenError("a JWT has three dot-separated parts")
    try:
        header = json.loads(_b64url(parts[0]))
        claims = json.loads(_b64url(parts[1]))
    except ValueError as exc:
        raise TokenError(f"header or payload is not JSON: {exc}") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise TokenError("header and payload must be JSON objects")
    if header.get("alg") != "RS256":
        raise TokenError(f"alg {header.get('alg')!r} is not RS256")
    n, e = _rsa_key(jwks, header.get("kid"))
    verify_signature(f"{parts[0]}.{parts[1]}".encode("ascii"), _b64url(parts[2]), n, e)

    moment = time.time() if now is None else now
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)):
        raise TokenError("the token has no numeric exp")
    if moment >= exp + leeway:
        raise TokenError("the token has expired")
    nbf = claims.get("nbf")
    if isinstance(nbf, (int, float)) and moment + leeway < nbf:
        raise TokenError("the token is not valid yet")
    if claims.get("iss") != issuer:
        raise TokenError(f"issuer {claims.get('iss')!r} is not {issuer!r}")
    aud = claims.get("aud")
    audiences: Sequence[Any] = aud if isinstance(aud, list) else [aud]
    if audience not in audiences:
        raise TokenError(f"audience {aud!r} does not include {audience!r}")
    return claims
