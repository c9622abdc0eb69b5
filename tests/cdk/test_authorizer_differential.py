"""Our RS256 verifier (workflows/cdk/authorizer/rs256.py) against PyJWT 2.15.1 + cryptography, token by token.

The oracle is ``jwt.decode(token, key, algorithms=["RS256"], audience=..., issuer=...,
options={"require": ["exp"], "enforce_minimum_key_length": True})`` with the key built by PyJWT's own
``PyJWK`` (cryptography checks the exponent and modulus). Choosing the JWKS entry by ``kid`` is not a
PyJWT decode step, so the oracle picks it the way the authorizer does (an RSA signing key whose ``alg``,
if any, is RS256); everything after that is PyJWT's.

For every token: ours accepts iff PyJWT accepts, except the deliberate stricter cases listed in
rs256.py's docstring. Each of those is asserted both ways in STRICTER: PyJWT accepts the token, ours
refuses it with the named reason. Tokens are signed by cryptography, never by our code.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import time
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jwt.algorithms import RSAAlgorithm

from workflows.cdk.authorizer.rs256 import TokenError, decode

ISSUER = "https://issuer.example.com/"
AUDIENCE = "saas-workflows"
DAY = 86_400


def _pub(key: rsa.RSAPrivateKey, kid: str, **extra: Any) -> dict[str, Any]:
    return json.loads(RSAAlgorithm.to_jwk(key.public_key())) | {"kid": kid, "use": "sig"} | extra


def _b64int(value: int) -> str:
    return base64.urlsafe_b64encode(value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")).rstrip(b"=").decode()


K1 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
K3 = rsa.generate_private_key(public_exponent=3, key_size=2048)
SMALL = rsa.generate_private_key(public_exponent=65537, key_size=1024)
N1 = K1.public_key().public_numbers().n
JWKS = {"keys": [
    _pub(K1, "k1", alg="RS256"),
    _pub(K3, "k3"),                                            # e = 3 is a valid RSA key: accepted by both
    _pub(SMALL, "small"),                                      # 1024 bits
    {"kty": "RSA", "kid": "e1", "use": "sig", "n": _b64int(N1), "e": "AQ"},          # e = 1
    {"kty": "RSA", "kid": "even", "use": "sig", "n": _b64int(N1), "e": _b64int(65536)},
    _pub(K1, "enc", use="enc"),
    _pub(K1, "rs384", alg="RS384"),
]}
SIGNERS = {"k1": K1, "k3": K3, "small": SMALL}


@dataclass(frozen=True)
class Raw:
    """A JSON value spelled exactly so (``NaN``, ``1e999``): json.dumps cannot write some of them."""

    text: str


def _json(obj: dict[str, Any]) -> bytes:
    raws: list[str] = []

    def swap(value: Any) -> Any:
        if isinstance(value, Raw):
            raws.append(value.text)
            return f"\x00raw{len(raws) - 1}\x00"
        if isinstance(value, list):
            return [swap(v) for v in value]
        return value

    text = json.dumps({k: swap(v) for k, v in obj.items()})
    for i, raw in enumerate(raws):
        text = text.replace(json.dumps(f"\x00raw{i}\x00"), raw)
    return text.encode()


def spell(raw: bytes, how: str = "canonical") -> str:
    """``raw`` as base64url, canonically or in one of the other spellings a lax decoder takes."""
    text = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    if how == "padded":
        return text + "=" * (-len(text) % 4)
    if how == "standard":  # the standard alphabet's + and / where base64url has - and _
        return text.replace("-", "+").replace("_", "/")
    if how == "trailing-bits" and len(text) % 4 in (2, 3):  # the last character's unused bits set
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        unused = 4 if len(text) % 4 == 2 else 2
        return text[:-1] + alphabet[alphabet.index(text[-1]) | ((1 << unused) - 1)]
    return text


def sign(header: dict[str, Any], claims: dict[str, Any], *, key: rsa.RSAPrivateKey = K1,
         spellings: tuple[str, str, str] = ("canonical",) * 3) -> str:
    """A token whose signature is cryptography's over exactly the spelled header.payload."""
    head, body = spell(_json(header), spellings[0]), spell(_json(claims), spellings[1])
    signature = key.sign(f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{head}.{body}.{spell(signature, spellings[2])}"


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {"iss": ISSUER, "aud": AUDIENCE, "exp": now + DAY, "iat": now - 60, "tenantId": "acme"}
    return {k: v for k, v in (base | changes).items() if v is not None}


HEADER = {"alg": "RS256", "typ": "JWT", "kid": "k1"}


def pyjwt_accepts(token: str) -> bool:
    """PyJWT's answer, with the authorizer's choice of JWKS entry."""
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        [entry] = [k for k in JWKS["keys"] if k.get("kty") == "RSA" and k.get("use", "sig") == "sig"
                   and k.get("kid") == kid and k.get("alg", "RS256") == "RS256"] or [None]
        if entry is None:
            return False
        key = jwt.PyJWK(entry, algorithm="RS256")
        jwt.decode(token, key.key, algorithms=["RS256"], audience=AUDIENCE, issuer=ISSUER,
                   options={"require": ["exp"], "enforce_minimum_key_length": True})
        return True
    except (jwt.PyJWTError, ValueError):  # cryptography refuses a weak key with ValueError
        return False


def ours(token: str) -> str | None:
    """None when our verifier accepts, else its reason."""
    try:
        decode(token, JWKS, issuer=ISSUER, audience=AUDIENCE)
        return None
    except TokenError as exc:
        return str(exc)


def _forged_with_e1() -> str:
    """With e = 1, a "signature" is its own message: the PKCS#1 block of the digest, no private key."""
    head = spell(_json(HEADER | {"kid": "e1"}))
    body = spell(_json(claims()))
    digest = bytes.fromhex("3031300d060960864801650304020105000420") + \
        hashlib.sha256(f"{head}.{body}".encode()).digest()
    k = (N1.bit_length() + 7) // 8
    block = b"\x00\x01" + b"\xff" * (k - len(digest) - 3) + b"\x00" + digest
    return f"{head}.{body}.{spell(block)}"


def _standard_alphabet_signature() -> str:
    """A token whose signature is spelled with + or / (re-signed until it has a - or _ to re-spell)."""
    for i in range(100):
        token = sign(HEADER, claims(jti=f"s{i}"), spellings=("canonical", "canonical", "standard"))
        if set(token.split(".")[2]) & {"+", "/"}:
            return token
    raise AssertionError("no signature with - or _ in 100 tries")


def _signature_lengths() -> dict[str, str]:
    """A signature whose first byte is 0, sent in k bytes (valid), in k - 1 (the zero dropped) and k + 1."""
    for i in range(4096):  # one signature in 256 starts with a zero byte
        token = sign(HEADER, claims(jti=f"j{i}"))
        head, body, sig = token.split(".")
        raw = base64.urlsafe_b64decode(sig + "==")
        if raw[0] == 0:
            return {"valid-signature-leading-zero": token,
                    "signature-leading-zero-dropped": f"{head}.{body}.{spell(raw[1:])}",
                    "signature-extra-leading-zero": f"{head}.{body}.{spell(bytes(1) + raw)}"}
    raise AssertionError("no signature with a leading zero byte in 4096 tries")


def agreeing_corpus() -> list[tuple[str, str]]:
    now = int(time.time())
    cases = {
        "valid": sign(HEADER, claims()),
        "valid-e3-key": sign(HEADER | {"kid": "k3"}, claims(), key=K3),
        "valid-aud-list": sign(HEADER, claims(aud=["other", AUDIENCE])),
        "valid-float-exp": sign(HEADER, claims(exp=now + DAY + 0.5)),
        "valid-huge-exp": sign(HEADER, claims(exp=10 ** 20)),
        "valid-exp-beyond-any-float": sign(HEADER, claims(exp=10 ** 400)),
        "valid-1e300-exp": sign(HEADER, claims(exp=1e300)),
        "valid-nbf-past": sign(HEADER, claims(nbf=now - DAY)),
        "valid-sub-jti": sign(HEADER, claims(sub="u1", jti="j1")),
        "valid-no-iat": sign(HEADER, claims(iat=None)),
        "expired": sign(HEADER, claims(exp=now - DAY)),
        "no-exp": sign(HEADER, claims(exp=None)),
        "exp-null": sign(HEADER, claims(exp=Raw("null"))),
        "exp-infinity": sign(HEADER, claims(exp=Raw("Infinity"))),
        "exp-nan": sign(HEADER, claims(exp=Raw("NaN"))),
        "exp-1e999": sign(HEADER, claims(exp=Raw("1e999"))),
        "exp-object": sign(HEADER, claims(exp={"t": 1})),
        "nbf-future": sign(HEADER, claims(nbf=now + DAY)),
        "nbf-infinity": sign(HEADER, claims(nbf=Raw("Infinity"))),
        "nbf-minus-1e999": sign(HEADER, claims(nbf=Raw("-1e999"))),
        "nbf-nan": sign(HEADER, claims(nbf=Raw("NaN"))),
        "nbf-null": sign(HEADER, claims(nbf=Raw("null"))),
        "iat-future": sign(HEADER, claims(iat=now + DAY)),
        "iat-list": sign(HEADER, claims(iat=[1])),
        "wrong-issuer": sign(HEADER, claims(iss="https://evil.example.com/")),
        "issuer-list": sign(HEADER, claims(iss=[ISSUER])),
        "no-issuer": sign(HEADER, claims(iss=None)),
        "wrong-audience": sign(HEADER, claims(aud="other")),
        "aud-list-with-number": sign(HEADER, claims(aud=[AUDIENCE, 5])),
        "aud-empty": sign(HEADER, claims(aud=[])),
        "aud-object": sign(HEADER, claims(aud={"a": AUDIENCE})),
        "sub-number": sign(HEADER, claims(sub=5)),
        "jti-number": sign(HEADER, claims(jti=5)),
        "payload-a-list": ".".join([spell(_json(HEADER)), spell(b"[1]"), "AA"]),
        "alg-none": ".".join([spell(_json(HEADER | {"alg": "none"})), spell(_json(claims())), ""]),
        "alg-hs256": jwt.encode(claims(), "k" * 32, algorithm="HS256", headers={"kid": "k1"}),
        "alg-rs384-key": sign(HEADER | {"kid": "rs384"}, claims()),
        "no-kid": sign({"alg": "RS256"}, claims()),
        "kid-number": sign(HEADER | {"kid": 5}, claims()),
        "unknown-kid": sign(HEADER | {"kid": "nope"}, claims()),
        "encryption-key": sign(HEADER | {"kid": "enc"}, claims()),
        "other-key": sign(HEADER, claims(), key=K3),
        "key-e-1-forgery": _forged_with_e1(),
        "key-e-1-honest": sign(HEADER | {"kid": "e1"}, claims()),
        "key-even-e": sign(HEADER | {"kid": "even"}, claims()),
        "key-1024-bits": sign(HEADER | {"kid": "small"}, claims(), key=SMALL),
        "crit-empty": sign(HEADER | {"crit": []}, claims()),
        "crit-unknown": sign(HEADER | {"crit": ["exp"]}, claims()),
        "crit-not-a-list": sign(HEADER | {"crit": "b64"}, claims()),
        "b64-false": sign(HEADER | {"b64": False, "crit": ["b64"]}, claims()),
        "b64-false-no-crit": sign(HEADER | {"b64": False}, claims()),
        "standard-alphabet-signature": _standard_alphabet_signature(),
        "trailing-bits-signature": sign(HEADER, claims(), spellings=("canonical", "canonical", "trailing-bits")),
        "bad-padding": sign(HEADER, claims()) + "===",
        "two-parts": ".".join(sign(HEADER, claims()).split(".")[:2]),
        "four-parts": sign(HEADER, claims()) + ".AA",
        "empty": "",
        "not-base64": "!!!.!!!.!!!",
        "header-not-json": ".".join([spell(b"{nope"), spell(_json(claims())), "AA"]),
        "payload-not-utf8": ".".join([spell(_json(HEADER)), spell(b"\xff\xfe{"), "AA"]),
        "truncated-signature": sign(HEADER, claims())[:-8],
    } | _signature_lengths()
    return sorted(cases.items())


AGREEING = agreeing_corpus()


@pytest.mark.parametrize("name, token", AGREEING, ids=[n for n, _ in AGREEING])
def test_ours_accepts_iff_pyjwt_accepts(name: str, token: str) -> None:
    reason = ours(token)
    assert (reason is None) == pyjwt_accepts(token), f"{name}: ours says {reason or 'accepted'}"
    assert (reason is None) == name.startswith("valid"), name  # the corpus means what its names say


def stricter_corpus() -> list[tuple[str, str, str]]:
    """(case, token, our reason): tokens PyJWT accepts and ours refuses, on purpose (rs256.py docstring)."""
    now = int(time.time())
    return [
        ("padded-signature", sign(HEADER, claims(), spellings=("canonical", "canonical", "padded")),
         "signature is not canonical base64url"),
        ("padded-payload", sign(HEADER, claims(tenantId="acme1"), spellings=("canonical", "padded", "canonical")),
         "payload is not canonical base64url"),
        ("nan-in-another-claim", sign(HEADER, claims(score=Raw("NaN"))), "not JSON.*NaN or Infinity"),
        ("infinity-in-header", sign(HEADER | {"x": Raw("-Infinity")}, claims()), "not JSON.*NaN or Infinity"),
        ("exp-a-string", sign(HEADER, claims(exp=str(now + DAY))), "exp is not a NumericDate"),
        ("nbf-true", sign(HEADER, claims(nbf=True)), "nbf is not a NumericDate"),
        ("iat-a-string", sign(HEADER, claims(iat=str(now))), "iat is not a NumericDate"),
        ("crit-b64", sign(HEADER | {"crit": ["b64"], "b64": True}, claims()), "crit.*no JWS extension"),
    ]


STRICTER = stricter_corpus()


@pytest.mark.parametrize("name, token, reason", STRICTER, ids=[c[0] for c in STRICTER])
def test_deliberately_stricter_than_pyjwt(name: str, token: str, reason: str) -> None:
    assert pyjwt_accepts(token), f"{name}: PyJWT no longer accepts it; move it to the agreeing corpus"
    assert re.search(reason, ours(token) or "accepted"), (name, ours(token))


# --- generated tokens: a valid token with up to three of its parts changed, signed by cryptography -------

def _dates() -> st.SearchStrategy[Any]:
    now = int(time.time())
    return st.one_of(
        st.sampled_from([now - DAY, now - 3600, now + 3600, now + DAY, 0, -1, 10 ** 20]),
        st.sampled_from([now + DAY + 0.25, now - DAY + 0.75, 1e300, -1e300]),
        st.sampled_from([Raw("NaN"), Raw("Infinity"), Raw("-Infinity"), Raw("1e999"), Raw("-1e999"), Raw("null")]),
        st.sampled_from([str(now + DAY), True, False, [now + DAY], {"t": now}]),
    )


ABSENT = object()
#: what a changed part may become (ABSENT: left out); the valid values are among them
CHANGES = {
    "exp": st.one_of(st.just(ABSENT), _dates()),
    "nbf": st.one_of(st.just(ABSENT), _dates()),
    "iat": st.one_of(st.just(ABSENT), _dates()),
    "iss": st.sampled_from([ABSENT, ISSUER, "https://evil.example.com/", [ISSUER], 5, Raw("null")]),
    "aud": st.sampled_from([ABSENT, AUDIENCE, [AUDIENCE], ["x", AUDIENCE], [AUDIENCE, 5], [], "", "x", 5,
                            {"a": AUDIENCE}]),
    "sub": st.sampled_from([ABSENT, "user-1", 5, Raw("null")]),
    "jti": st.sampled_from([ABSENT, "j-1", 5, ["j"]]),
    "extra": st.sampled_from([ABSENT, "x", Raw("NaN"), Raw("1e999"), Raw("Infinity")]),
    "h.alg": st.sampled_from([ABSENT, "HS256", "none", "rs256", "RS384", "RS256"]),
    "h.kid": st.sampled_from(["k1", "k3", "small", "e1", "even", "enc", "rs384", "nope", ABSENT, 5]),
    "h.crit": st.sampled_from([["b64"], [], ["exp"], "b64", [5]]),
    "h.b64": st.sampled_from([True, False, "x"]),
    "h.typ": st.sampled_from([ABSENT, "JOSE", Raw("NaN")]),
    "spell.0": st.sampled_from(["padded", "standard", "trailing-bits"]),
    "spell.1": st.sampled_from(["padded", "standard", "trailing-bits"]),
    "spell.2": st.sampled_from(["padded", "standard", "trailing-bits"]),
}


@st.composite
def tokens(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], tuple[str, ...]]:
    """A valid token's header, claims and spellings with up to three of them changed."""
    now = int(time.time())
    header: dict[str, Any] = {"alg": "RS256", "typ": "JWT", "kid": draw(st.sampled_from(["k1", "k3"]))}
    body: dict[str, Any] = {"iss": ISSUER, "aud": draw(st.sampled_from([AUDIENCE, [AUDIENCE], ["x", AUDIENCE]])),
                            "exp": draw(st.sampled_from([now + 3600, now + DAY + 0.5, 10 ** 20])),
                            "iat": now - 60, "tenantId": "acme"}
    spellings = ["canonical"] * 3
    for part in draw(st.lists(st.sampled_from(sorted(CHANGES)), max_size=3, unique=True)):
        value = draw(CHANGES[part])
        if part.startswith("spell."):
            spellings[int(part[-1])] = value
            continue
        target, name = (header, part[2:]) if part.startswith("h.") else (body, part)
        target.pop(name, None)
        if value is not ABSENT:
            target[name] = value
    return header, body, tuple(spellings)


def _raw_texts(obj: dict[str, Any]) -> set[str]:
    found = set()
    for value in obj.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, Raw):
                found.add(item.text)
    return found


def deliberate_reason(header: dict[str, Any], body: dict[str, Any], token: str) -> str | None:
    """The documented stricter cases this token falls in (a pattern matching any of their reasons).

    Only cases PyJWT *may* accept are listed. A token here must be refused by ours; where PyJWT accepts
    it, for one of those reasons (a token can fall in several; ours names the first it meets).
    """
    reasons = []
    if "=" in token:
        reasons.append("not canonical base64url")
    if (_raw_texts(header) | _raw_texts(body)) & {"NaN", "Infinity", "-Infinity"}:
        reasons.append("not JSON.*NaN or Infinity")
    if header.get("alg") == "RS256" and "crit" in header:
        reasons.append("crit")
    return "|".join(f"(?:{r})" for r in reasons) or None


def _stricter_numeric_date(body: dict[str, Any]) -> str | None:
    """exp/nbf/iat given as a string or a boolean: PyJWT's int() takes them, ours refuses."""
    for name in ("exp", "nbf", "iat"):
        if name in body and isinstance(body[name], (str, bool)):
            return name
    return None


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=tokens())
def test_generated_tokens_agree_with_pyjwt(drawn: tuple[dict[str, Any], dict[str, Any], tuple[str, ...]]) -> None:
    header, body, spellings = drawn
    token = sign(header, body, key=SIGNERS.get(header.get("kid"), K1), spellings=spellings)  # type: ignore[arg-type]
    reason, theirs = ours(token), pyjwt_accepts(token)
    deliberate = deliberate_reason(header, body, token)
    if deliberate is not None:  # ours refuses; where PyJWT accepts, for that documented reason
        assert reason is not None, deliberate
        assert not theirs or re.search(deliberate, reason), (deliberate, reason)
        return
    if theirs and reason is not None and _stricter_numeric_date(body) and "NumericDate" in reason:
        return  # deliberate: a NumericDate is a JSON number (asserted case by case in STRICTER)
    assert (reason is None) == theirs, f"ours: {reason or 'accepted'}; PyJWT: {'accepted' if theirs else 'refused'}"


@pytest.mark.parametrize("token, reason", [
    pytest.param(sign(HEADER, claims(exp=Raw("Infinity"))), "Infinity is not JSON", id="exp-Infinity"),
    pytest.param(sign(HEADER, claims(exp=Raw("NaN"))), "NaN is not JSON", id="exp-NaN"),
    pytest.param(sign(HEADER, claims(exp=Raw("1e999"))), "exp is not a finite number", id="exp-1e999"),
    pytest.param(sign(HEADER, claims(nbf=Raw("-1e999"))), "nbf is not a finite number", id="nbf-minus-1e999"),
    pytest.param(sign(HEADER, claims(), spellings=("canonical", "canonical", "padded")),
                 "signature is not canonical base64url.*no padding", id="padding"),
    pytest.param(sign(HEADER, claims(), spellings=("canonical", "canonical", "trailing-bits")),
                 "signature is not canonical base64url.*trailing bits", id="trailing-bits"),
    pytest.param(_standard_alphabet_signature(), "signature is not canonical base64url.*alphabet",
                 id="plus-and-slash"),
    pytest.param(sign(HEADER | {"crit": ["exp"]}, claims()),
                 r"crit \['exp'\]: this verifier implements no JWS extension", id="crit"),
    pytest.param(_forged_with_e1(), "key 'e1': public exponent 1 is not an odd number from 3", id="e-1-forgery"),
    pytest.param(sign(HEADER | {"kid": "small"}, claims(), key=SMALL),
                 "key 'small': modulus of 1024 bits is under 2048", id="1024-bit-key"),
])
def test_each_laxity_of_issue_12_is_refused_by_name(token: str, reason: str) -> None:
    """Issue 12 item 5: each of these was accepted; each is now refused with a reason that says why."""
    with pytest.raises(TokenError, match=reason):
        decode(token, JWKS, issuer=ISSUER, audience=AUDIENCE)


def test_the_standard_alphabet_is_refused_even_where_it_decodes_the_same() -> None:
    """One token, one spelling: a signature segment re-spelled with + and / (or padded) is not the token."""
    head, body, standard = _standard_alphabet_signature().split(".")
    sig = standard.replace("+", "-").replace("/", "_")
    assert ours(f"{head}.{body}.{sig}") is None
    assert len(sig) % 4 == 2  # 256 bytes: 342 characters, two padding characters short
    for other in (sig.replace("-", "+").replace("_", "/"), sig + "=="):
        assert base64.urlsafe_b64decode(other.replace("+", "-").replace("/", "_") + "==") == \
            base64.urlsafe_b64decode(sig + "==")
        assert ours(f"{head}.{body}.{other}") is not None
