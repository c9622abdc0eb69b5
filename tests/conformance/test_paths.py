"""Paths (InputPath, Parameters, ResultPath, OutputPath) as the ASL specification and AWS define them.

Spec: https://states-language.net/spec.html#path ("Paths", "Reference Paths") and
https://docs.aws.amazon.com/step-functions/latest/dg/input-output-inputpath-params.html
"""

from __future__ import annotations

from workflows.local.engine import LocalEngine
from tests.conformance._run import execute, pass_state


# AWS, recorded: with input {"Test\\\"\"Name\"": "Value\"\\"} (a key holding a backslash and three
# quotes), the path written in the definition's JSON as "$['Test\\\"\"Name\"']" selects "Value\"\\".
# The JSON text's escapes reach the JSONPath parser, which reads them once.
KEY = 'Test\\""Name"'
PATH = "$['Test\\\"\"Name\"']"


def test_bracket_key_with_escaped_quote_resolves(local_engine: LocalEngine) -> None:
    """A bracket-notation key with a backslash and quotes resolves to that key's value.

    Reference paths use bracket notation for keys that are not identifiers:
    https://docs.aws.amazon.com/step-functions/latest/dg/amazon-states-language-paths.html
    """
    result = execute(local_engine, pass_state(Parameters={"value.$": PATH}), {KEY: 'Value"\\'})
    assert result.ok(), result.cause
    assert result.output == {"value": 'Value"\\'}


def test_bracket_key_with_escaped_quote_in_input_path(local_engine: LocalEngine) -> None:
    """The same key through InputPath (a Path, not a payload template field).

    https://docs.aws.amazon.com/step-functions/latest/dg/input-output-inputpath-params.html
    """
    result = execute(local_engine, pass_state(InputPath=PATH), {KEY: "v"})
    assert result.ok(), result.cause
    assert result.output == "v"
