"""run_definition on a fresh engine, and the printed trace."""

from workflows.local.runner import format_trace, run_definition

MACHINE = {
    "StartAt": "Greet",
    "States": {
        "Greet": {"Type": "Pass", "Parameters": {"msg.$": "States.Format('hi {}', $.who)"}, "Next": "Pause"},
        "Pause": {"Type": "Wait", "Seconds": 10, "End": True},
    },
}


def test_run_definition_and_trace() -> None:
    result = run_definition(MACHINE, {"who": "acme"})
    assert result.ok() and result.output == {"msg": "hi acme"}
    trace = format_trace(result)
    assert "  1. Greet" in trace and "  2. Pause" in trace
    assert 'in : {"who":"acme"}' in trace
    assert 'output: {"msg":"hi acme"}' in trace
    assert "waited (virtual): 10 s" in trace


def test_express_failure_trace(run) -> None:
    result = run({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Bad.Thing", "Cause": "because"}}}, type="EXPRESS")
    trace = format_trace(result)
    assert result.status == "FAILED"
    assert "error: Bad.Thing" in trace and "cause: because" in trace


def test_mock_config_through_runner() -> None:
    machine = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:listBuckets", "End": True}}}
    config = {
        "StateMachines": {"workflows-run": {"TestCases": {"Happy": {"T": "R"}}}},
        "MockedResponses": {"R": {"0": {"Return": {"Buckets": [{"Name": "mocked"}]}}}},
    }
    result = run_definition(machine, mock_config=config, test_case="Happy")
    assert result.output == {"Buckets": [{"Name": "mocked"}]}


FAILING = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
                                            "Parameters": {"Bucket": "absent-bucket", "Key": "k"}, "End": True}}}
VERBOSE_FROM_HERE = "--- set_moto_logs(verbose=True) ---"
SCRIPT = f"""
import json, sys
from workflows.local import logs
from workflows.local.engine import LocalEngine
from workflows.local.runner import run_definition
definition = json.loads(sys.argv[1])
with LocalEngine() as engine:  # a fresh process, as a bench or a user's script starts: quiet by default
    engine.create_state_machine("failing", definition)
    print(engine.run("failing").status)
print(run_definition(definition).status)  # the runner: quiet too
print({VERBOSE_FROM_HERE!r}, file=sys.stderr, flush=True)
logs.set_moto_logs(verbose=True)
print(run_definition(definition).status)
"""


def test_moto_logs_are_quiet_by_default_and_back_when_verbose() -> None:
    """A failing task makes moto log ERRORs; the runner and a bare LocalEngine (a bench, a script) keep
    them off stderr unless verbose (issue 13: a bench printed 1,160 moto lines around its table). One process
    (each start of the engine costs seconds): its first run is the default, its second follows
    set_moto_logs(verbose=True); a marker on stderr separates what each run wrote there."""
    import json
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(FAILING)],
                          capture_output=True, text=True, timeout=120, check=True)
    quiet, verbose = done.stderr.split(VERBOSE_FROM_HERE + "\n")
    assert done.stdout.split() == ["FAILED", "FAILED", "FAILED"]
    assert "moto" not in quiet and "Exception=" not in quiet
    assert "Exception=" in verbose
