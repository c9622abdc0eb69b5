"""`Task.sdk` takes Step Functions' service names and checks argument types against botocore.

Issue 14: ``Task.sdk("cognitoidentityprovider", ...)`` and ``cloudwatchlogs`` were refused (only
``sfn`` and ``eventbridge`` were mapped), while botocore's own spellings (``cognito-idp``, ``logs``),
which make an ARN Step Functions refuses, were accepted; ``"StackName": 42`` built without complaint.
"""

from __future__ import annotations

import re

import botocore.session
import pytest

from workflows.core import BuildError, Task, jsonata
from workflows.core.tasks import SFN_TO_BOTOCORE, botocore_service


def sdk_name(service_id: str) -> str:
    """The AWS SDK for Java v2's client name for a botocore serviceId, which Step Functions uses:
    lowercase letters and digits, without a trailing "service" ("Lex Model Building Service")."""
    name = re.sub(r"[^a-z0-9]", "", service_id.lower())
    return name.removesuffix("service") or name


def test_the_table_is_what_botocore_service_ids_give() -> None:
    """The one table holds every service whose Step Functions name is not botocore's without hyphens."""
    session = botocore.session.get_session()
    loader = session.get_component("data_loader")
    derived: dict[str, str] = {}
    for name in session.get_available_services():
        model = loader.load_service_model(name, "service-2", loader.determine_latest_version(name, "service-2"))
        sfn = sdk_name(model["metadata"]["serviceId"])
        if sfn != name.replace("-", "") and sfn not in derived:
            derived[sfn] = name
    assert {k: v for k, v in derived.items() if k not in ("pinpointsmsvoice",)} == {
        k: v for k, v in SFN_TO_BOTOCORE.items() if k not in ("pinpointsmsvoice",)}


@pytest.mark.parametrize("service,action,parameters,botocore_name", [
    ("cognitoidentityprovider", "adminGetUser", {"UserPoolId": "p", "Username": "u"}, "cognito-idp"),
    ("cloudwatchlogs", "putLogEvents", {"LogGroupName": "g", "LogStreamName": "s", "LogEvents": []}, "logs"),
    ("sfn", "startExecution", {"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:x"},
     "stepfunctions"),
    ("eventbridge", "putEvents", {"Entries": []}, "events"),
    ("cognitoidentity", "getId", {"IdentityPoolId": "p"}, "cognito-identity"),
    ("dynamodb", "query", {"TableName": "t"}, "dynamodb"),
])
def test_step_functions_service_names_build(service: str, action: str, parameters: dict, botocore_name: str) -> None:
    task = Task.sdk(service, action, "Call", parameters=parameters)
    assert task.resource == f"arn:aws:states:::aws-sdk:{service}:{action}"
    assert botocore_service(service) == botocore_name


@pytest.mark.parametrize("service,suggestion", [
    ("cognito-idp", "cognitoidentityprovider"), ("logs", "cloudwatchlogs"), ("stepfunctions", "sfn"),
    ("events", "eventbridge"), ("cognito-identity", "cognitoidentity"), ("DynamoDB", "dynamodb"),
    ("cloudwatchlog", "cloudwatchlogs"),
])
def test_botocore_spellings_are_refused_with_the_step_functions_name(service: str, suggestion: str) -> None:
    with pytest.raises(BuildError, match=f"did you mean '{suggestion}'") as caught:
        Task.sdk(service, "x", "Call")
    assert caught.value.rules == {"sdk-service"}


@pytest.mark.parametrize("parameters,message", [
    ({"StackName": 42}, "DescribeStacks.StackName is a string, not 42 (a number)"),
    ({"StackName": True}, "DescribeStacks.StackName is a string, not true (a boolean)"),
    ({"NextToken": ["a"]}, "DescribeStacks.NextToken is a string, not a list"),
])
def test_a_literal_of_the_wrong_type_is_refused(parameters: dict, message: str) -> None:
    with pytest.raises(BuildError, match=re.escape(message)) as caught:
        Task.sdk("cloudformation", "describeStacks", "Describe", parameters=parameters)
    assert caught.value.rules == {"sdk-argument-type"}


@pytest.mark.parametrize("service,action,parameters,message", [
    ("dynamodb", "query", {"TableName": "t", "Limit": "10"}, "Query.Limit is an integer, not '10' (a string)"),
    ("dynamodb", "query", {"TableName": "t", "Limit": 1.5}, "Query.Limit is an integer, not 1.5 (a number)"),
    ("dynamodb", "query", {"TableName": "t", "ConsistentRead": "true"}, "Query.ConsistentRead is a boolean"),
    ("dynamodb", "query", {"TableName": "t", "ExclusiveStartKey": "k"}, "Query.ExclusiveStartKey is an object"),
    ("dynamodb", "query", {"TableName": "t", "Select": "EVERYTHING"},
     "Query.Select is one of ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES, SPECIFIC_ATTRIBUTES, COUNT, not 'EVERYTHING'"),
    ("cloudformation", "createStack", {"StackName": "s", "Capabilities": ["CAPABILITY_NAMED_IAMS"]},
     "did you mean 'CAPABILITY_NAMED_IAM'?"),
    ("cloudformation", "createStack", {"StackName": "s", "Parameters": [{"ParameterKey": 1}]},
     "CreateStack.Parameters[0].ParameterKey is a string"),
])
def test_nested_literals_are_typed_too(service: str, action: str, parameters: dict, message: str) -> None:
    with pytest.raises(BuildError, match=re.escape(message)):
        Task.sdk(service, action, "Call", parameters=parameters)


def test_values_known_only_at_run_time_are_not_judged() -> None:
    Task.sdk("cloudformation", "describeStacks", "D", parameters={"StackName.$": "$.n"})
    Task.sdk("dynamodb", "query", "Q", arguments={"TableName": "t", "Limit": jsonata("$states.input.n"),
                                                  "ExclusiveStartKey": jsonata("$states.input.k")})
    Task.sdk("dynamodb", "query", "Q", parameters={"TableName": "${AppTable}", "Limit": 10,
                                                   "ExclusiveStartKey": {"pk": {"S.$": "$.pk"}}})
    Task.sdk("dynamodb", "query", "Q", parameters={"TableName": "t", "ScanIndexForward": False,
                                                   "ExpressionAttributeValues": {":v": {"N": "1"}}})
    Task.sdk("s3", "putObject", "P", parameters={"Bucket": "b", "Key": "k", "Body": "text"})  # blob: a string


def test_member_names_are_pascal_case_whatever_the_service_writes() -> None:
    """sfn's model says stateMachineArn; a Step Functions task writes StateMachineArn (as the Java SDK)."""
    with pytest.raises(BuildError, match="StartExecution has no argument stateMachineArn; did you mean "
                                         "StateMachineArn"):
        Task.sdk("sfn", "startExecution", "Start", parameters={"stateMachineArn": "arn"})
    with pytest.raises(BuildError, match="StartExecution needs StateMachineArn"):
        Task.sdk("sfn", "startExecution", "Start", parameters={"Input": "{}"})
