"""What the constructs refuse, each with a named error that says what to do (no synth needed)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import aws_cdk as cdk
import pytest

from tests.cdk.conftest import MACHINE
from workflows.cdk import AuthSettings, SourceError, StackConfigError, TenantApiStack, load_machines
from workflows.cdk.stack import check_stream_readers
from workflows.project import Project

AUTH = AuthSettings(issuer="https://idp.shop.example/", audience="shop-api")


def stack(project: Project, **kwargs: object) -> TenantApiStack:
    return TenantApiStack(cdk.App(), "Shop", project=project, auth=AUTH, **kwargs)


def copy_build(shop: Project, tmp_path: Path, *, js: bool = True) -> Project:
    """The shop's catalog with its built files copied to tmp_path/asl (and, unless ``js`` is False, appsync)."""
    moved = shop.with_asl_dir(tmp_path / "asl")
    shutil.copytree(shop.asl_dir, moved.asl_dir)
    if js:
        shutil.copytree(shop.appsync_dir, moved.appsync_dir)
    return moved


def test_an_empty_asl_dir_is_refused(shop: Project, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"holds no \*\.asl\.json: run `workflows build`"):
        stack(shop.with_asl_dir(tmp_path / "asl"))


def test_a_file_the_catalog_does_not_know_is_refused(shop: Project, tmp_path: Path) -> None:
    moved = copy_build(shop, tmp_path)
    (moved.asl_dir / "stray-machine.asl.json").write_text('{"StartAt": "A", "States": {}}', encoding="utf-8")
    with pytest.raises(SourceError, match="stray-machine"):
        load_machines(moved)


def test_a_resolver_machine_without_its_built_js_is_refused(shop: Project, tmp_path: Path) -> None:
    """The constructs never generate resolver code: a missing appsync/<name>.js names the command that writes it."""
    moved = copy_build(shop, tmp_path, js=False)
    with pytest.raises(SourceError, match=rf"{MACHINE}\.js does not exist.*`workflows build`"):
        load_machines(moved)
    moved.appsync_dir.mkdir()
    (moved.appsync_dir / f"{MACHINE}.js").write_text("// reviewed code\n", encoding="utf-8")
    assert load_machines(moved)[MACHINE].resolver_code == "// reviewed code\n"


def test_a_placeholder_the_catalog_does_not_declare_is_refused(shop: Project, tmp_path: Path) -> None:
    moved = copy_build(shop, tmp_path)
    path = moved.asl_dir / f"{MACHINE}.asl.json"
    path.write_text(path.read_text(encoding="utf-8").replace("${AppTable}", "${OtherTable}"), encoding="utf-8")
    with pytest.raises(SourceError, match=r"placeholders \['OtherTable'\].*workflows build"):
        load_machines(moved)


def test_a_field_the_schema_does_not_declare_is_refused(shop: Project, tmp_path: Path) -> None:
    other = tmp_path / "schema.graphql"
    other.write_text("type Query { listProducts: [String] }\n", encoding="utf-8")
    with pytest.raises(SourceError, match=rf"{MACHINE} resolves Query\.getProduct, which .*schema\.graphql does not"):
        stack(replace(shop, schema=other))


def test_a_pipe_for_a_machine_the_project_lacks_is_refused(shop: Project) -> None:
    with pytest.raises(StackConfigError, match=r"'pipes-flatten-stream' not in .*; it holds: shop-get-product"):
        stack(shop, enrichment="pipes-flatten-stream")
    with pytest.raises(StackConfigError, match="'cleanup'"):
        stack(shop, stream_machines={"cleanup": [{"eventName": ["REMOVE"]}]})


def test_more_stream_readers_than_a_stream_serves_are_refused(tmp_path: Path) -> None:
    pattern = [{"eventName": ["REMOVE"]}]
    check_stream_readers({"e", "a", "b"}, tmp_path, "e", {"a": pattern})  # two: served
    with pytest.raises(StackConfigError, match=r"3 pipes would read .*\(e, a, b\).* at most 2 readers"):
        check_stream_readers({"e", "a", "b"}, tmp_path, "e", {"a": pattern, "b": pattern})


def test_auth_settings_from_context(tmp_path: Path) -> None:
    jwks = {"keys": [{"kty": "RSA", "kid": "k1", "n": "AQAB", "e": "AQAB"}]}
    (tmp_path / "jwks.json").write_text(json.dumps(jwks), encoding="utf-8")
    app = cdk.App(context={"saas:issuer": "https://idp/", "saas:audience": "api", "saas:jwksFile": str(tmp_path / "jwks.json")})
    assert AuthSettings.from_context(app) == AuthSettings("https://idp/", "api", jwks)
    inline = cdk.App(context={"saas:issuer": "https://idp/", "saas:audience": "api", "saas:jwks": json.dumps(jwks)})
    assert AuthSettings.from_context(inline).jwks == jwks
    with pytest.raises(StackConfigError, match="saas:audience not set"):
        AuthSettings.from_context(cdk.App(context={"saas:issuer": "https://idp/"}))
