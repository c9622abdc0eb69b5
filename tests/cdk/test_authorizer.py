"""The authorizer against tokens signed by PyJWT/cryptography (an independent signer) and a moto tenants table."""

from __future__ import annotations

import json
import time

import boto3
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from moto import mock_aws

from workflows.cdk.authorizer import handler
from workflows.cdk.authorizer.rs256 import TokenError, decode
from workflows.patterns.appsync.features import FEATURE_NAME, decode_features, encode_features

ISSUER = "https://issuer.example.com/"
AUDIENCE = "saas-workflows"
ROLE = "arn:aws:iam::123456789012:role/tenant-role/3f1c"


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def jwks(key: rsa.RSAPrivateKey) -> dict:
    public = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    return {"keys": [public | {"kid": "k1", "use": "sig", "alg": "RS256"}]}


def token(key: rsa.RSAPrivateKey, **claims: object) -> str:
    body = {"iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 600, "tenantId": "acme"} | claims
    return jwt.encode({k: v for k, v in body.items() if v is not None}, key, algorithm="RS256",
                      headers={"kid": "k1"})


_session: boto3.session.Session | None = None


def _warm_session() -> boto3.session.Session:
    """One boto3 session for every test here, created inside the first mock (so it holds moto's fake keys,
    the same in every mock). Why: ``mock_aws`` drops ``boto3.DEFAULT_SESSION``, so the fixture's client and the
    handler's ``boto3.resource`` otherwise built a new session per test, re-reading botocore's JSON models."""
    global _session
    if _session is None:
        _session = boto3.session.Session()
    return _session


@pytest.fixture
def tenants(monkeypatch: pytest.MonkeyPatch, jwks: dict):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("JWKS", json.dumps(jwks))
    monkeypatch.setenv("ISSUER", ISSUER)
    monkeypatch.setenv("AUDIENCE", AUDIENCE)
    monkeypatch.setenv("TENANTS_TABLE", "tenants")
    monkeypatch.setenv("TTL_SECONDS", "120")
    with mock_aws():
        # The handler's boto3.resource reads the default session; moto's stop restores the one before the mock.
        boto3.DEFAULT_SESSION = _warm_session()
        ddb = boto3.client("dynamodb")
        ddb.create_table(TableName="tenants", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
        ddb.put_item(TableName="tenants", Item={"pk": {"S": "acme"}, "status": {"S": "ACTIVE"},
                                                "tenantRoleArn": {"S": ROLE}})
        ddb.put_item(TableName="tenants", Item={"pk": {"S": "gone"}, "status": {"S": "DELETED"}})
        yield ddb


def test_valid_token_gives_the_tenants_role(tenants, key) -> None:
    answer = handler.handler({"authorizationToken": "Bearer " + token(key)})
    assert answer == {"isAuthorized": True, "ttlOverride": 120,
                      "resolverContext": {"tenantId": "acme", "tenantRoleArn": ROLE, "features": ","}}


def _with_features(ddb, tenant: str, features: dict | None) -> dict:
    item = {"pk": {"S": tenant}, "status": {"S": "ACTIVE"}, "tenantRoleArn": {"S": ROLE}}
    ddb.put_item(TableName="tenants", Item=item | ({"features": features} if features is not None else {}))
    return item


@pytest.mark.parametrize("stored, encoded", [
    pytest.param({"SS": ["reports", "export"]}, ",export,reports,", id="string-set-sorted"),
    pytest.param({"L": [{"S": "sso"}, {"S": "export"}, {"S": "sso"}]}, ",export,sso,", id="list-deduplicated"),
    pytest.param({"L": []}, ",", id="empty-list"),
    pytest.param(None, ",", id="no-attribute"),
    pytest.param({"S": "export"}, ",", id="a-string-is-not-a-collection"),
    pytest.param({"L": [{"S": "export"}, {"N": "7"}]}, ",export,", id="non-string-dropped"),
    pytest.param({"SS": ["a,b", "ex*port", "back\\slash", "ok", "has space", "x" * 65]}, ",ok,",
                 id="names-that-would-break-the-encoding-dropped"),
])
def test_features_from_the_tenant_record(tenants, key, stored, encoded) -> None:
    _with_features(tenants, "acme", stored)
    answer = handler.handler({"authorizationToken": token(key)})
    assert answer["isAuthorized"] is True
    assert answer["resolverContext"]["features"] == encoded
    # resolverContext is flat string key-value pairs (AppSync refuses nesting)
    assert all(isinstance(v, str) for v in answer["resolverContext"].values())


def test_a_forged_comma_grants_nothing(tenants, key) -> None:
    """A stored name "pro,export" must not become the two features pro and export."""
    _with_features(tenants, "acme", {"SS": ["pro,export"]})
    features = handler.handler({"authorizationToken": token(key)})["resolverContext"]["features"]
    assert decode_features(features) == ()


@pytest.mark.parametrize("names", [[], ["export"], ["b", "a", "a"], ["x-1", "X_2", "0"], ["a" * 64]])
def test_authorizer_encoding_is_the_librarys(names) -> None:
    """The asset carries its own copy of the encoding (it is deployed without the workflows package)."""
    assert handler.encode_features("t", names) == encode_features(names)
    assert handler.encode_features("t", set(names)) == encode_features(names)
    assert decode_features(encode_features(names)) == tuple(sorted(set(names)))


def test_authorizer_and_library_accept_the_same_names() -> None:
    assert handler.FEATURE_NAME.pattern == FEATURE_NAME.pattern


@pytest.mark.parametrize("claims", [
    pytest.param({"exp": int(time.time()) - 5}, id="expired"),
    pytest.param({"exp": None}, id="no-exp"),
    pytest.param({"iss": "https://evil.example.com/"}, id="wrong-issuer"),
    pytest.param({"aud": "another-app"}, id="wrong-audience"),
    pytest.param({"tenantId": "nobody"}, id="unknown-tenant"),
    pytest.param({"tenantId": "gone"}, id="deleted-tenant"),
    pytest.param({"tenantId": None}, id="no-tenant-claim"),
    pytest.param({"nbf": int(time.time()) + 86_400}, id="not-yet-valid"),  # a day ahead: the params are made at import, long before a slow run reaches them
])
def test_refusals(tenants, key, claims) -> None:
    assert handler.handler({"authorizationToken": token(key, **claims)}) == {"isAuthorized": False}


def test_audience_list_containing_ours_is_accepted(tenants, key) -> None:
    assert handler.handler({"authorizationToken": token(key, aud=["x", AUDIENCE])})["isAuthorized"] is True


def test_tampered_payload_is_refused(tenants, key) -> None:
    head, _, sig = token(key).split(".")
    forged = jwt.utils.base64url_encode(json.dumps(
        {"iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 600, "tenantId": "acme", "admin": True}
    ).encode()).decode()
    assert handler.handler({"authorizationToken": f"{head}.{forged}.{sig}"}) == {"isAuthorized": False}


def test_tampered_signature_is_refused(tenants, key) -> None:
    head, body, sig = token(key).split(".")
    raw = bytearray(jwt.utils.base64url_decode(sig))
    raw[-1] ^= 1
    bad = jwt.utils.base64url_encode(bytes(raw)).decode()
    assert handler.handler({"authorizationToken": f"{head}.{body}.{bad}"}) == {"isAuthorized": False}


def test_token_from_another_key_is_refused(tenants) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert handler.handler({"authorizationToken": token(other)}) == {"isAuthorized": False}


def test_other_algorithms_are_refused(tenants, key) -> None:
    hs = jwt.encode({"iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 600, "tenantId": "acme"},
                    "secret-secret-secret-secret-secret", algorithm="HS256", headers={"kid": "k1"})
    assert handler.handler({"authorizationToken": hs}) == {"isAuthorized": False}


@pytest.mark.parametrize("text", ["", "a.b", "not.a.jwt", "Bearer"])
def test_garbage_is_refused(tenants, text) -> None:
    assert handler.handler({"authorizationToken": text}) == {"isAuthorized": False}


def test_missing_configuration_fails_closed(tenants, key, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JWKS")
    assert handler.handler({"authorizationToken": token(key)}) == {"isAuthorized": False}


def test_decode_names_what_is_wrong(key, jwks) -> None:
    with pytest.raises(TokenError, match="issuer"):
        decode(token(key, iss="x"), jwks, issuer=ISSUER, audience=AUDIENCE)
    with pytest.raises(TokenError, match="signature"):
        head, body, sig = token(key).split(".")
        decode(f"{head}.{body}.{sig[:-4]}AAAA", jwks, issuer=ISSUER, audience=AUDIENCE)
    assert decode(token(key), jwks, issuer=ISSUER, audience=AUDIENCE)["tenantId"] == "acme"


# --- issue 12 item 4: a cached answer never outlives its token --------------------------------------
# AppSync caches an authorizer's answer for the ttlOverride it returns; 0 disables caching
# (https://docs.aws.amazon.com/appsync/latest/APIReference/API_LambdaAuthorizerConfig.html,
# authorizerResultTtlInSeconds: "The default is 0 seconds, which disables caching ... The Lambda function
# can override this by returning a ttlOverride key in its response").

NOW = 1_900_000_000.0


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> float:
    """time.time() fixed at NOW for the handler and the verifier alike."""
    monkeypatch.setattr(time, "time", lambda: NOW)
    return NOW


@pytest.mark.parametrize("exp, ttl", [
    pytest.param(NOW + 5, 5, id="5-seconds-left"),
    pytest.param(NOW + 5.9, 5, id="5.9-seconds-left-rounds-down"),
    pytest.param(NOW + 119, 119, id="just-under-the-cap"),
    pytest.param(NOW + 121, 120, id="capped"),
    pytest.param(NOW + 86_400, 120, id="long-lived-capped"),
    pytest.param(NOW + 1, 1, id="1-second-left"),
    pytest.param(NOW + 1.5, 1, id="1.5-seconds-left"),
    pytest.param(10 ** 400, 120, id="exp-beyond-any-float"),
])
def test_the_cache_time_never_exceeds_the_token_lifetime(tenants, key, frozen, exp, ttl) -> None:
    answer = handler.handler({"authorizationToken": token(key, exp=exp)})
    assert answer["isAuthorized"] is True
    assert answer["ttlOverride"] == ttl


def test_under_one_second_left_is_not_cached(tenants, key, monkeypatch: pytest.MonkeyPatch) -> None:
    """exp is whole seconds (PyJWT truncates it the same way): at exp - 0.5 s the token is valid, 0.5 s left."""
    monkeypatch.setattr(time, "time", lambda: NOW - 0.5)
    answer = handler.handler({"authorizationToken": token(key, exp=int(NOW))})
    assert answer["isAuthorized"] is True
    assert answer["ttlOverride"] == 0


def test_zero_maximum_caches_nothing(tenants, key, frozen, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TTL_SECONDS", "0")
    assert handler.handler({"authorizationToken": token(key, exp=NOW + 600)})["ttlOverride"] == 0


@pytest.mark.parametrize("bad", ["-1", "3601", "ten"])
def test_a_maximum_appsync_would_refuse_fails_closed(tenants, key, frozen, monkeypatch, bad) -> None:
    monkeypatch.setenv("TTL_SECONDS", bad)
    assert handler.handler({"authorizationToken": token(key, exp=NOW + 600)}) == {"isAuthorized": False}


def test_cache_seconds_unit() -> None:
    assert handler.cache_seconds({"exp": 1000}, 300, 990.2) == 9
    assert handler.cache_seconds({"exp": 1000}, 300, 999.5) == 0
    assert handler.cache_seconds({"exp": 1000}, 300, 1000) == 0
    assert handler.cache_seconds({"exp": 1000}, 300, 2000) == 0  # never negative
    assert handler.cache_seconds({"exp": 10 ** 20}, 300, 0) == 300
    assert handler.cache_seconds({"exp": 10 ** 400}, 300, 0.5) == 300  # beyond any float
    assert handler.cache_seconds({"exp": -(10 ** 400)}, 300, 0.5) == 0
    assert handler.cache_seconds({}, 300, 0) == 0


def test_a_jwks_key_with_exponent_1_admits_no_forgery(tenants, key, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 12 item 5: with e = 1, pow(s, 1, n) == s, so the PKCS#1 block of the digest is its own
    "signature" and anyone can mint a token. Such a key now refuses every token (the old verifier
    authorized this one)."""
    import hashlib

    public = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    monkeypatch.setenv("JWKS", json.dumps({"keys": [public | {"kid": "k1", "e": "AQ"}]}))
    b64 = lambda raw: jwt.utils.base64url_encode(raw).decode()  # noqa: E731
    head = b64(json.dumps({"alg": "RS256", "kid": "k1"}).encode())
    body = b64(json.dumps({"iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 600,
                           "tenantId": "acme"}).encode())
    digest = bytes.fromhex("3031300d060960864801650304020105000420") + hashlib.sha256(f"{head}.{body}".encode()).digest()
    block = b"\x00\x01" + b"\xff" * (256 - len(digest) - 3) + b"\x00" + digest
    assert handler.handler({"authorizationToken": f"{head}.{body}.{b64(block)}"}) == {"isAuthorized": False}
