"""Test-only example machines that exercise loops, Map, Parallel, Catch and JSONata.

They are judged by our validator, asl-validator and cfn-lint, and two of them run on the local engine.
"""

from __future__ import annotations

from workflows.core import (EXPRESS, JSONATA, STANDARD, Catch, Choice, Credentials, Fail, Map, Parallel, Pass,
                            Retry, StateMachine, Succeed, Task, Var, Wait, intrinsics, jsonata, path)


def polling_loop() -> StateMachine:
    """Describe, wait with a growing delay, describe again: the loop every lifecycle machine uses."""
    init = Pass("InitBackoff", result={"seconds": 1}, result_path="$.backoff")
    describe = Task.sdk("cloudformation", "describeStacks", "DescribeStack",
                        parameters={"StackName.$": "$.stackName"},
                        result_selector={"status.$": "$.Stacks[0].StackStatus"}, result_path="$.stack",
                        retry=[Retry(["CloudFormation.CloudFormationException"], interval_seconds=1,
                                     max_attempts=3, backoff_rate=2.0, jitter_strategy="FULL")])
    grow = Pass("GrowBackoff", parameters={"seconds.$": "States.MathAdd($.backoff.seconds, $.backoff.seconds)"},
                result_path="$.backoff")
    wait = Wait("WaitForStack", seconds_path="$.backoff.seconds")
    failed = Fail("StackFailed", error="Example.StackFailed", cause_path="$.stack.status")
    done = Succeed("StackReady")
    check = (Choice("StackStatus")
             .when(Var("$.stack.status") == "CREATE_COMPLETE", done)
             .when(Var("$.stack.status").matches("*_IN_PROGRESS") & (Var("$.backoff.seconds") < 60),
                   grow >> wait >> describe)
             .otherwise(failed))
    return StateMachine("example-polling-loop", type=STANDARD, start=init >> describe >> check,
                        comment="Poll a stack with a growing delay")


def map_parallel_catch() -> StateMachine:
    """An inline Map whose items fan out to a Parallel; failures are caught into the output."""
    double = Pass("Double", parameters={"value.$": "States.MathAdd($.value, $.value)"})
    label = Pass("Label", parameters={"label.$": "States.Format('item {}', $.value)"})
    both = Parallel("Both", branches=[double, label], result_selector={"doubled.$": "$[0].value",
                                                                       "label.$": "$[1].label"})
    each = Map("EachItem", items_path="$.items", item_selector={"value.$": "$$.Map.Item.Value"},
               item_processor=both, max_concurrency=4, result_path="$.results")
    boom = Fail("Boom", error="Example.Boom", cause="deliberate")
    recover = Pass("Recovered", result="recovered", result_path="$.recovery")
    risky = (Choice("Risky").when(Var("$.fail").is_present() & (Var("$.fail") == True), boom)  # noqa: E712
             .otherwise(Pass("Fine")))
    guarded = Parallel("Guarded", branches=[risky], result_path=None,
                       catch=[Catch(["Example.Boom"], recover, result_path="$.error")])
    return StateMachine("example-map-parallel-catch", type=EXPRESS, start=each >> guarded,
                        comment="Map, Parallel and Catch together")


def jsonata_machine() -> StateMachine:
    """JSONata end to end: Arguments, Output, Assign, a Choice Condition and a recursive function."""
    start = Pass("Start", assign={"total": jsonata("$sum($states.input.values)")},
                 output=jsonata("$states.input"))
    fact = Pass("Factorial", output=jsonata(
        "( $f := function($n) { $n <= 1 ? 1 : $n * $f($n - 1) }; {'fact': $f($states.input.n), 'total': $total} )"))
    big = Succeed("Big", output=jsonata("$merge([$states.input, {'big': true}])"))
    small = Succeed("Small", output=jsonata("$merge([$states.input, {'big': false}])"))
    decide = Choice("IsBig").when(jsonata("$states.input.fact > 100"), big).otherwise(small)
    return StateMachine("example-jsonata", type=EXPRESS, query_language=JSONATA, start=start >> fact >> decide)


def tenant_get() -> StateMachine:
    """A tenant-scoped read under the caller's role (Credentials from resolverContext)."""
    get = Task.dynamodb("getItem", "GetItem",
                        parameters={"TableName": "${AppTable}",
                                    "Key": {"pk": {"S.$": "$.identity.resolverContext.tenantId"},
                                            "sk": {"S.$": "$.arguments.id"}}},
                        credentials=Credentials.from_path("$.identity.resolverContext.tenantRoleArn"),
                        result_selector={"item.$": "$.Item"})
    return StateMachine("example-tenant-get", type=EXPRESS, start=get, placeholders={"AppTable": "app-table"},
                        tenant_scoped=True)


def intrinsic_machine() -> StateMachine:
    key = Pass("Key", parameters={
        "id.$": intrinsics.uuid(),
        "pk.$": intrinsics.format("{}#{}", path("$.tenant"), path("$.entity")),
        "encoded.$": intrinsics.base64_encode(path("$.tenant")),
        "count.$": intrinsics.array_length(path("$.items")),
        "first.$": intrinsics.array_get_item(path("$.items"), 0),
        "has.$": intrinsics.array_contains(path("$.items"), "b"),
        "json.$": intrinsics.json_to_string(path("$.items")),
        "hash.$": intrinsics.hash(path("$.tenant"), "SHA-256"),
    })
    return StateMachine("example-intrinsics", type=EXPRESS, start=key)


ALL = [polling_loop, map_parallel_catch, jsonata_machine, tenant_get, intrinsic_machine]
