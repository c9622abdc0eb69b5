"""One engine per test module for the modules that ask for it, with every service but Step Functions
emptied before each test.

Why: the tenant-stack modules built a fresh engine per test and created the same lifecycle machines
in it again (tenant-stack-create is ~35 KB of ASL: each CreateStateMachine builds and validates it
again, ~0.1 s, more under load), for dozens of tests whose subject is what one execution does to the
tables, stacks and roles. Here the machines are created once per module (``module_engine``) and each
test starts from empty DynamoDB, CloudFormation, IAM, S3, ... backends (``shared_engine``), as a
fresh engine would give it: moto's own reset (what starting a mock does), applied to every backend
except Step Functions'. A module opts in by overriding ``local_engine`` with ``shared_engine`` and
creating its machines in a module-scoped fixture; machines made by one test under a name of its own
stay, which no test reads. Executions of earlier tests stay in the Step Functions backend: each
execution has its own name, and these tests read only their own.
"""

from __future__ import annotations

from typing import Iterator

import pytest

from workflows.local.engine import LocalEngine


@pytest.fixture(scope="module")
def module_engine() -> Iterator[LocalEngine]:
    """An engine for the whole module (its machines are created once); tests use ``shared_engine``."""
    with LocalEngine() as engine:
        yield engine


@pytest.fixture
def shared_engine(module_engine: LocalEngine) -> LocalEngine:
    """The module's engine, every backend but Step Functions' empty again, the default execution role
    (IAM was emptied too) made again under the same name, hence the same ARN the machines were made with."""
    module_engine.reset_services(keep=("stepfunctions",))
    return module_engine
