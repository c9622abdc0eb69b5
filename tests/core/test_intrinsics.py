"""Intrinsic and JSONata helpers produce checked strings."""

from __future__ import annotations

import pytest

from workflows.core import BuildError, intrinsics, jsonata, path


def test_every_intrinsic_helper_renders_its_call() -> None:
    x = path("$.x")
    assert intrinsics.format("a {} b {}", x, "lit'q") == "States.Format('a {} b {}', $.x, 'lit\\'q')"
    assert intrinsics.string_to_json(x) == "States.StringToJson($.x)"
    assert intrinsics.json_to_string(x) == "States.JsonToString($.x)"
    assert intrinsics.array(x, 1, True, None) == "States.Array($.x, 1, true, null)"
    assert intrinsics.array_get_item(x, 0) == "States.ArrayGetItem($.x, 0)"
    assert intrinsics.array_length(x) == "States.ArrayLength($.x)"
    assert intrinsics.array_contains(x, "a") == "States.ArrayContains($.x, 'a')"
    assert intrinsics.math_add(x, -1) == "States.MathAdd($.x, -1)"
    assert intrinsics.uuid() == "States.UUID()"
    assert intrinsics.base64_encode(x) == "States.Base64Encode($.x)"
    assert intrinsics.base64_decode(x) == "States.Base64Decode($.x)"
    assert intrinsics.hash(x) == "States.Hash($.x, 'SHA-256')"
    nested = intrinsics.string_to_json(intrinsics.json_to_string(x))
    assert nested == "States.StringToJson(States.JsonToString($.x))"


def test_format_checks_holes_against_values() -> None:
    with pytest.raises(BuildError, match="1 '{}' but 2"):
        intrinsics.format("only {}", path("$.a"), path("$.b"))


def test_hash_algorithm_checked() -> None:
    with pytest.raises(BuildError, match="no algorithm"):
        intrinsics.hash(path("$.x"), "SHA-3")


def test_path_checked() -> None:
    assert path("$.Stacks[0].StackStatus", reference=True) == "$.Stacks[0].StackStatus"
    with pytest.raises(BuildError, match="not valid JSONPath"):
        path("$.a b")
    with pytest.raises(BuildError, match="Reference Path"):
        path("$.a[*]", reference=True)


def test_jsonata_helper_compiles_the_expression() -> None:
    assert jsonata("$states.input.x + 1") == "{% $states.input.x + 1 %}"
    with pytest.raises(BuildError, match="does not compile"):
        jsonata("$states.input.(")
    with pytest.raises(BuildError, match="bare expression"):
        jsonata("{% $x %}")
