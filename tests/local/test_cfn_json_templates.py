"""A JSON template body is read as JSON, a YAML one as YAML (adaptation cfn_json_templates).

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-formats.html: CloudFormation
takes a template in JSON or in YAML.
"""

from __future__ import annotations

import json

import pytest
import yaml

from workflows.local.adaptations import cfn_json_templates
from workflows.local.engine import LocalEngine
from workflows.local.errors import EngineAdaptationError
from workflows.patterns.tenant_stacks import tenant_template

BUCKET = {"Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "json-read-bucket"}}},
          "Outputs": {"Name": {"Value": {"Ref": "B"}}}}
YAML_BUCKET = """
Resources:
  B:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: yaml-read-bucket
Outputs:
  Name:
    Value: !Ref B
"""


def _no_yaml(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    original = yaml.load

    def load(stream, Loader):  # type: ignore[no-untyped-def]
        calls.append(str(stream)[:20])
        return original(stream, Loader=Loader)

    monkeypatch.setattr(yaml, "load", load)
    return calls


def test_a_json_stack_and_its_change_set_are_read_without_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails on moto's own reading, which sends every body through PyYAML first."""
    with LocalEngine() as engine:
        calls = _no_yaml(monkeypatch)
        cfn = engine.client("cloudformation")
        cfn.create_stack(StackName="json-read", TemplateBody=json.dumps(BUCKET))
        outputs = cfn.describe_stacks(StackName="json-read")["Stacks"][0]["Outputs"]
        cfn.create_change_set(StackName="json-read", ChangeSetName="c1", TemplateBody=json.dumps(BUCKET, indent=1))
        assert [o["OutputValue"] for o in outputs] == ["json-read-bucket"]
        assert [c for c in calls if c.lstrip().startswith("{")] == []


def test_a_yaml_stack_still_goes_to_yaml_with_its_short_tags(monkeypatch: pytest.MonkeyPatch) -> None:
    with LocalEngine() as engine:
        calls = _no_yaml(monkeypatch)
        cfn = engine.client("cloudformation")
        cfn.create_stack(StackName="yaml-read", TemplateBody=YAML_BUCKET)
        outputs = cfn.describe_stacks(StackName="yaml-read")["Stacks"][0]["Outputs"]
        assert [o["OutputValue"] for o in outputs] == ["yaml-read-bucket"]
        assert any("Resources" in c for c in calls)


def test_json_reading_gives_what_yaml_gave_for_the_tenant_template() -> None:
    from moto.cloudformation.utils import yaml_tag_constructor

    yaml.add_multi_constructor("", yaml_tag_constructor)
    text = tenant_template()
    assert cfn_json_templates.json_object(text) == yaml.load(text, Loader=yaml.Loader)


@pytest.mark.parametrize("text", ["", "Resources: {}", "[1, 2]", "{not json", None, b"{}"])
def test_what_is_not_a_json_object_text_is_left_to_moto(text: object) -> None:
    assert cfn_json_templates.json_object(text) is None


def test_a_reader_that_changed_in_moto_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.cloudformation import models

    monkeypatch.setattr(models.Stack, "parse_template", staticmethod(lambda template: {}))
    with pytest.raises(EngineAdaptationError, match="cfn_json_templates"):
        cfn_json_templates.install()
