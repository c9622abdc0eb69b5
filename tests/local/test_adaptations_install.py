"""install() is idempotent and fails loudly, naming the adaptation, when moto internals move."""

import importlib

import pytest

from workflows.local import adaptations
from workflows.local.adaptations import _patching
from workflows.local.errors import EngineAdaptationError

MODULES = [m for m in adaptations.ORDER if m != "credentials"]


def test_install_all_is_idempotent() -> None:
    adaptations.install_all()
    import moto.stepfunctions.parser.models as models

    first = models.StepFunctionsParserBackend.start_execution
    adaptations.install_all()
    assert models.StepFunctionsParserBackend.start_execution is first


def test_order_lists_every_adaptation_module() -> None:
    import pkgutil

    found = {m.name for m in pkgutil.iter_modules(adaptations.__path__) if not m.name.startswith("_")}
    assert found == set(adaptations.ORDER)


# (adaptation, module that must hold it, attribute removed to simulate a moto change)
MOVED = [
    ("jsonata", "moto.stepfunctions.parser.asl.jsonata.jsonata", "_eval_jsonata"),
    ("jsonata", "moto.stepfunctions.parser.asl.component.common.string.string_expression", "validate_jsonata_expression_output"),
    ("jsonata", "moto.stepfunctions.parser.asl.parse.preprocessor", "Preprocessor"),
    ("jsonpath", "moto.stepfunctions.parser.asl.utils.json_path", "extract_json"),
    ("assign_literals", "moto.stepfunctions.parser.asl.parse.preprocessor", "Preprocessor"),
    ("assign_literals", "moto.stepfunctions.parser.asl.antlr.runtime.ASLParser", "ASLParser"),
    ("sdk_results", "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service", "StateTaskService"),
    ("execution_names", "moto.stepfunctions.parser.models", "StepFunctionsParserBackend"),
    ("execution_output", "moto.stepfunctions.responses", "StepFunctionResponse"),
    ("mock_config", "moto.stepfunctions.parser.mocking.mock_config", "MockTestCase"),
    ("sync_execution", "moto.stepfunctions.responses", "StepFunctionResponse"),
    ("instant_waits", "moto.stepfunctions.parser.asl.component.common.retry.retrier_decl", "RetrierDecl"),
    ("service_parameters", "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service", "StateTaskService"),
    ("dynamodb_requests", "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_dynamodb", "StateTaskServiceDynamoDB"),
    ("sdk_http_metadata", "moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sns", "StateTaskServiceSns"),
    ("definition_checks", "moto.stepfunctions.parser.models", "StepFunctionsParserBackend"),
    ("intrinsics", "moto.stepfunctions.parser.asl.component.intrinsic.function.statesfunction.generic.string_format", "StringFormat"),
    ("intrinsics", "moto.stepfunctions.parser.asl.parse.intrinsic.preprocessor", "Preprocessor"),
    ("map_state", "moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration.distributed_iteration_component", "DistributedIterationComponent"),
    ("map_state", "moto.stepfunctions.parser.asl.parse.asl_parser", "AmazonStateLanguageParser"),
    ("mock_config", "moto.stepfunctions.parser.asl.eval.environment", "Environment"),
    ("virtual_clock", "moto.stepfunctions.parser.asl.eval.environment", "Environment"),
    ("virtual_clock", "moto.stepfunctions.parser.asl.component.common.timeouts.timeout", "EvalTimeoutError"),
    ("virtual_clock", "moto.stepfunctions.parser.asl.component.state.wait.wait_function.timestamp", "Timestamp"),
    ("context_object", "moto.stepfunctions.parser.backend.execution_worker", "ExecutionWorker"),
    ("context_object", "moto.stepfunctions.parser.asl.component.state.state", "CommonStateField"),
    ("parser_scopes", "moto.stepfunctions.parser.asl.parse.preprocessor", "Preprocessor"),
    ("parse_cache", "moto.stepfunctions.parser.asl.parse.asl_parser", "AmazonStateLanguageParser"),
    ("parse_cache", "moto.stepfunctions.parser.asl.parse.asl_parser", "Preprocessor"),
    ("parse_cache", "moto.stepfunctions.parser.asl.component.eval_component", "EvalComponent"),
    ("parse_cache", "moto.stepfunctions.parser.asl.component.eval_component", "long_uid"),
    ("test_state", "moto.stepfunctions.parser.backend.test_state.execution", "TestStateExecution"),
    ("test_state", "moto.stepfunctions.parser.backend.test_state.execution_worker", "TestStateExecutionWorker"),
    ("test_state", "moto.stepfunctions.parser.asl.static_analyser.test_state.test_state_analyser", "TestStateStaticAnalyser"),
    ("test_state", "moto.stepfunctions.parser.asl.component.state.exec.execute_state", "ExecutionState"),
]


@pytest.mark.parametrize("adaptation,module_name,attr", MOVED)
def test_moved_internal_raises_named_error(monkeypatch: pytest.MonkeyPatch, adaptation: str, module_name: str, attr: str) -> None:
    module = importlib.import_module(module_name)
    monkeypatch.delattr(module, attr)
    install = importlib.import_module(f"workflows.local.adaptations.{adaptation}").install
    with pytest.raises(EngineAdaptationError) as info:
        install()
    assert info.value.adaptation == adaptation
    assert attr in str(info.value)


def test_missing_module_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(EngineAdaptationError, match="no.such.module"):
        _patching.import_module("demo", "no.such.module")


def test_changed_signature_is_named() -> None:
    def f(a: int) -> None: ...

    with pytest.raises(EngineAdaptationError, match="lost parameter"):
        _patching.require_params("demo", f, ["b"])


def test_map_state_refuses_a_module_using_type_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    from workflows.local.adaptations import map_state

    module = importlib.import_module(map_state._MODULE)
    monkeypatch.delattr(module, "type", raising=False)
    monkeypatch.setattr(map_state, "PINNED_TYPE_USES", ("type(something_else)",))
    with pytest.raises(EngineAdaptationError) as info:
        map_state.install()
    assert info.value.adaptation == "map_state"
