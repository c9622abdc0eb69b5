"""The example machines do what they say on the local engine: the loop polls, Map/Parallel/Catch
compose, JSONata's recursive function and Choice Condition work."""

from __future__ import annotations

import json

from tests.core import examples
from workflows.local.engine import LocalEngine

TEMPLATE = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})


def test_polling_loop_reaches_create_complete() -> None:
    machine = examples.polling_loop()
    with LocalEngine() as engine:
        engine.client("cloudformation").create_stack(StackName="s1", TemplateBody=TEMPLATE)
        engine.create_state_machine(machine.name, machine.substituted())
        result = engine.run(machine.name, {"stackName": "s1"})
        assert result.ok(), result.cause
        assert result.state_names[-1] == "StackReady"
        missing = engine.run(machine.name, {"stackName": "nope"})
        assert missing.error == "CloudFormation.CloudFormationException"


def test_map_parallel_catch() -> None:
    machine = examples.map_parallel_catch()
    with LocalEngine() as engine:
        engine.create_state_machine(machine.name, machine.substituted(), type=machine.type)
        ok = engine.run(machine.name, {"items": [1, 2]})
        assert ok.ok(), ok.cause
        assert ok.output["results"] == [{"doubled": 2, "label": "item 1"}, {"doubled": 4, "label": "item 2"}]
        caught = engine.run(machine.name, {"items": [3], "fail": True})
        assert caught.ok() and caught.output["recovery"] == "recovered"
        assert caught.output["error"]["Error"] == "Example.Boom"


def test_jsonata_machine() -> None:
    machine = examples.jsonata_machine()
    with LocalEngine() as engine:
        engine.create_state_machine(machine.name, machine.substituted(), type=machine.type)
        big = engine.run(machine.name, {"values": [1, 2, 3], "n": 5})
        assert big.ok() and big.output == {"fact": 120, "total": 6, "big": True}
        small = engine.run(machine.name, {"values": [], "n": 3})
        assert small.ok() and small.output == {"fact": 6, "total": 0, "big": False}


def test_intrinsics() -> None:
    machine = examples.intrinsic_machine()
    with LocalEngine() as engine:
        engine.create_state_machine(machine.name, machine.substituted(), type=machine.type)
        result = engine.run(machine.name, {"tenant": "acme", "entity": "User", "items": ["a", "b"]})
        assert result.ok(), result.cause
        out = result.output
        assert out["pk"] == "acme#User" and out["encoded"] == "YWNtZQ==" and out["count"] == 2
        assert out["first"] == "a" and out["has"] is True and out["json"] == '["a","b"]'
        assert len(out["id"]) == 36 and len(out["hash"]) == 64
