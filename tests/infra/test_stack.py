"""The synthesized app against what it must deploy: asl/ unchanged, least privilege, the wiring."""

from __future__ import annotations

import json

import pytest
from aws_cdk.assertions import Match, Template

from workflows.cdk.pipes import MAX_RETRIES
from workflows.cdk.schema import schema_fields
from workflows.cdk.sources import load_machines
from workflows.cdk.task_permissions import task_uses
from workflows.cdk.tenant_template import TEMPLATE_KEY
from workflows.project import example_project

CLEANUP = "appsync-unique-cleanup"
MACHINE = "AWS::StepFunctions::StateMachine"
pytestmark = pytest.mark.xdist_group("example-synth")  # one synth per session, on one worker


def resources(synth, kind: str) -> dict[str, dict]:
    return {k: v for k, v in synth.template["Resources"].items() if v["Type"] == kind}


def machine_resource(synth, name: str) -> dict:
    cfn = synth.stack.machines[name].machine.node.default_child
    return synth.template["Resources"][synth.stack.resolve(synth.stack.get_logical_id(cfn))]


def role_statements(synth, role) -> list[dict]:
    logical = synth.stack.resolve(synth.stack.get_logical_id(role.node.default_child))
    statements = []
    for res in synth.template["Resources"].values():
        if res["Type"] == "AWS::IAM::Policy" and {"Ref": logical} in res["Properties"]["Roles"]:
            statements += res["Properties"]["PolicyDocument"]["Statement"]
    return statements


def actions(statement: dict) -> list[str]:
    value = statement["Action"]
    return [value] if isinstance(value, str) else value


def test_every_asl_file_is_deployed_byte_for_byte(synth) -> None:
    files = {p.name.removesuffix(".asl.json"): p for p in synth.asl_dir.glob("*.asl.json")}
    assert files and set(files) == set(resources_names(synth))
    for name, path in files.items():
        props = machine_resource(synth, name)["Properties"]
        assert props["DefinitionString"] == path.read_text(encoding="utf-8"), name
        placeholders = example_project().workflows()[name].build().placeholders
        assert set(props.get("DefinitionSubstitutions", {})) == set(placeholders), name


def resources_names(synth) -> list[str]:
    return [r["Properties"]["StateMachineName"].removeprefix("SaasWorkflows-") for r in resources(synth, MACHINE).values()]


def test_substitutions_name_the_deployed_resources(synth) -> None:
    stack = synth.stack
    expected = {"AppTable": stack.resolve(stack.app_table.table_name),
                "TenantsTable": stack.resolve(stack.tenants_table.table_name),
                "TemplateBucket": stack.resolve(stack.templates.bucket.bucket_name),
                "TemplateKey": TEMPLATE_KEY}
    create = machine_resource(synth, "tenant-stack-create")["Properties"]["DefinitionSubstitutions"]
    # the tenant roles' callers and boundary: test_tenant_roles_trust_exactly_the_machines_that_run_tenant_tasks
    assert {k: v for k, v in create.items() if k not in ("TenantCallers", "TenantBoundary")} == expected
    assert {"TenantCallers", "TenantBoundary"} <= set(create)
    for name in example_project().resolvers():
        assert machine_resource(synth, name)["Properties"]["DefinitionSubstitutions"] == {"AppTable": expected["AppTable"]}


def test_machine_types_and_logging(synth) -> None:
    for name, flow in example_project().workflows().items():
        props = machine_resource(synth, name)["Properties"]
        assert props["StateMachineType"] == str(flow.build().type)
        assert props["LoggingConfiguration"]["Level"] == "ALL"
        assert props["TracingConfiguration"] == {"Enabled": True}
    for name in example_project().resolvers():
        assert machine_resource(synth, name)["Properties"]["StateMachineType"] == "EXPRESS"


def test_resolver_machine_roles_assume_only_tenant_roles_and_have_no_dynamodb(synth) -> None:
    assert example_project().resolvers(), "the catalog declares no resolver machines"
    for name in example_project().resolvers():
        statements = role_statements(synth, synth.stack.machines[name].role)
        every = [a for s in statements for a in actions(s)]
        assert not [a for a in every if a.lower().startswith("dynamodb:")], name
        assume = [s for s in statements if "sts:AssumeRole" in actions(s)]
        assert len(assume) == 1 and actions(assume[0]) == ["sts:AssumeRole"], name
        resource = json.dumps(synth.stack.resolve(assume[0]["Resource"]))
        assert resource.endswith(':role/tenant-role/*"]]}') and ":iam::" in resource, resource
        assert all(s["Resource"] == "*" for s in statements if s not in assume), name  # logs/X-Ray only
        assert not [a for s in statements if s not in assume for a in actions(s)
                    if not a.startswith(("logs:", "xray:"))], name


def test_data_source_may_only_start_the_resolver_machines(synth) -> None:
    ds_role = synth.stack.api.data_source.grant_principal
    statements = role_statements(synth, ds_role)
    assert {a for s in statements for a in actions(s)} == {"states:StartSyncExecution"}
    arns = [synth.stack.resolve(synth.stack.machines[n].machine.state_machine_arn) for n in example_project().resolvers()]
    granted = [r for s in statements for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])]
    assert sorted(map(json.dumps, granted)) == sorted(map(json.dumps, arns))


def test_http_data_source_is_signed_for_states(synth) -> None:
    Template.from_json(synth.template).has_resource_properties("AWS::AppSync::DataSource", {
        "Type": "HTTP", "HttpConfig": {
            "Endpoint": {"Fn::Join": ["", ["https://sync-states.", {"Ref": "AWS::Region"}, ".",
                                           {"Ref": "AWS::URLSuffix"}, "/"]]},
            "AuthorizationConfig": {"AuthorizationType": "AWS_IAM", "AwsIamConfig": {
                "SigningRegion": {"Ref": "AWS::Region"}, "SigningServiceName": "states"}}}})


def test_a_pipeline_resolver_for_every_schema_field(synth) -> None:
    fields = schema_fields(synth.project.schema)
    declared = {(r.type_name, r.field_name): (name, r) for name, r in example_project().resolvers().items()}
    assert set(fields) == set(declared), "schema fields and catalog resolvers differ"
    deployed = {(r["Properties"]["TypeName"], r["Properties"]["FieldName"]): r
                for r in resources(synth, "AWS::AppSync::Resolver").values()}
    assert set(deployed) == set(fields)
    for key, res in deployed.items():
        name, resolver = declared[key]
        assert res["Properties"]["Kind"] == "PIPELINE"
        code = json.dumps(synth.stack.resolve(res["Properties"]["Code"]))
        logical = synth.stack.resolve(synth.stack.get_logical_id(synth.stack.machines[name].machine.node.default_child))
        assert "ctx.stash.stateMachineArn" in code and logical in code, key
        if resolver.arguments is not None:
            assert set(resolver.arguments) <= set(fields[key]), f"{key}: arguments not in the schema"
    functions = resources(synth, "AWS::AppSync::FunctionConfiguration").values()
    codes = {f["Properties"]["Name"]: f["Properties"]["Code"] for f in functions}
    js_dir = synth.project.appsync_dir
    for name, resolver in example_project().resolvers().items():
        committed = (js_dir / f"{name}.js").read_text(encoding="utf-8")
        assert codes[name.replace("-", "_")] == committed, name  # the built file, byte for byte
        assert f'const MACHINE = "{name}";' in committed


def test_authorizer_cache_ttl_is_one_value(synth) -> None:
    """AppSync caches the authorizer's answer for the TTL the function itself returns (ttlOverride)."""
    api = next(iter(resources(synth, "AWS::AppSync::GraphQLApi").values()))["Properties"]
    [function] = [f for f in resources(synth, "AWS::Lambda::Function").values()
                  if "TTL_SECONDS" in f["Properties"].get("Environment", {}).get("Variables", {})]
    ttl = api["LambdaAuthorizerConfig"]["AuthorizerResultTtlInSeconds"]
    assert ttl == int(function["Properties"]["Environment"]["Variables"]["TTL_SECONDS"]) == \
        synth.stack.node.find_child("Authorizer").ttl_seconds


def test_api_uses_the_lambda_authorizer(synth) -> None:
    api = next(iter(resources(synth, "AWS::AppSync::GraphQLApi").values()))["Properties"]
    assert api["AuthenticationType"] == "AWS_LAMBDA"
    assert api["LambdaAuthorizerConfig"]["AuthorizerUri"] == {
        "Fn::GetAtt": [synth.stack.resolve(synth.stack.get_logical_id(
            synth.stack.node.find_child("Authorizer").function.node.default_child)), "Arn"]}
    env = next(iter(resources(synth, "AWS::Lambda::Function").values()))  # noqa: F841 (any)
    Template.from_json(synth.template).has_resource_properties("AWS::Lambda::Function", {
        "Handler": "handler.handler", "Environment": {"Variables": Match.object_like({
            "TENANTS_TABLE": {"Ref": Match.string_like_regexp("TenantsTable")}})}})


def test_tables(synth) -> None:
    t = Template.from_json(synth.template)
    t.has_resource_properties("AWS::DynamoDB::Table", {
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "StreamSpecification": {"StreamViewType": "NEW_AND_OLD_IMAGES"}})
    t.has_resource_properties("AWS::DynamoDB::Table", {"KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]})


def test_pipe_wiring_and_role(synth) -> None:
    stack = synth.stack
    pipe = pipe_resource(synth, stack.enrichment_pipe)
    assert "FilterCriteria" not in pipe["SourceParameters"]  # every change becomes an event
    app_table = stack.resolve(stack.get_logical_id(stack.app_table.node.default_child))
    assert pipe["Source"] == {"Fn::GetAtt": [app_table, "StreamArn"]}
    assert pipe["Enrichment"] == stack.resolve(stack.machines["pipes-flatten-stream"].machine.state_machine_arn)
    assert pipe["Target"] == stack.resolve(stack.bus.event_bus_arn)
    assert pipe["SourceParameters"]["DynamoDBStreamParameters"]["StartingPosition"] == "LATEST"
    statements = role_statements(synth, stack.enrichment_pipe.role)
    by_action = {a: s["Resource"] for s in statements for a in actions(s)}
    assert set(by_action) == {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                              "dynamodb:ListStreams", "states:StartSyncExecution", "events:PutEvents",
                              "sqs:SendMessage"}
    assert by_action["dynamodb:GetRecords"] == {"Fn::GetAtt": [app_table, "StreamArn"]}
    assert by_action["states:StartSyncExecution"] == pipe["Enrichment"]
    assert by_action["events:PutEvents"] == stack.resolve(stack.bus.event_bus_arn)
    assert_dead_letters(synth, stack.enrichment_pipe, pipe, statements)


def queue_logical_id(synth, queue) -> str:
    return synth.stack.resolve(synth.stack.get_logical_id(queue.node.default_child))


def assert_dead_letters(synth, construct, pipe: dict, statements: list[dict]) -> None:
    """A failed batch goes, after a finite number of retries, to an encrypted, SSL-only queue of this pipe's
    own, which this pipe's role -- and no other principal of the stack -- may send to, and only send."""
    queue = queue_logical_id(synth, construct.dead_letters)
    arn = {"Fn::GetAtt": [queue, "Arn"]}
    stream = pipe["SourceParameters"]["DynamoDBStreamParameters"]
    assert stream["DeadLetterConfig"] == {"Arn": arn}
    assert stream["MaximumRetryAttempts"] == MAX_RETRIES > 0  # -1 (retry forever) would never use the queue
    props = synth.template["Resources"][queue]["Properties"]
    assert props["SqsManagedSseEnabled"] is True and props["MessageRetentionPeriod"] == 14 * 24 * 3600
    [policy] = [r["Properties"] for r in resources(synth, "AWS::SQS::QueuePolicy").values()
                if r["Properties"]["Queues"] == [{"Ref": queue}]]
    assert {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sqs:*", "Resource": arn,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}} in policy["PolicyDocument"]["Statement"]
    sqs = [(a, s["Resource"]) for s in statements for a in actions(s) if a.startswith("sqs:")]
    assert sqs == [("sqs:SendMessage", arn)]
    senders = [logical for logical, res in resources(synth, "AWS::IAM::Policy").items()
               if json.dumps(arn) in json.dumps(res["Properties"]["PolicyDocument"])]
    assert len(senders) == 1, senders  # only this pipe's role policy names the queue


def pipe_resource(synth, construct) -> dict:
    logical = synth.stack.resolve(synth.stack.get_logical_id(construct.pipe))
    return synth.template["Resources"][logical]["Properties"]


def test_unique_cleanup_pipe_wiring_and_role(synth) -> None:
    from moto.events.models import EventPattern

    from workflows.examples.users.machines.appsync import CLEANUP_FILTER

    stack = synth.stack
    assert len(resources(synth, "AWS::Pipes::Pipe")) == 2  # a DynamoDB stream serves two readers at most
    pipe = pipe_resource(synth, stack.machine_pipes[CLEANUP])
    app_table = stack.resolve(stack.get_logical_id(stack.app_table.node.default_child))
    machine = stack.resolve(stack.machines[CLEANUP].machine.state_machine_arn)
    assert pipe["Source"] == {"Fn::GetAtt": [app_table, "StreamArn"]}
    assert pipe["Target"] == machine and "Enrichment" not in pipe
    assert pipe["TargetParameters"] == {"StepFunctionStateMachineParameters": {"InvocationType": "FIRE_AND_FORGET"}}
    source = pipe["SourceParameters"]
    assert source["DynamoDBStreamParameters"]["StartingPosition"] == "LATEST"
    patterns = [json.loads(f["Pattern"]) for f in source["FilterCriteria"]["Filters"]]
    assert patterns == CLEANUP_FILTER
    record = {"eventName": "REMOVE", "dynamodb": {"Keys": {"pk": {"S": "t1#User"}, "sk": {"S": "USER#u1"}},
                                                  "OldImage": {"email": {"S": "a@x.io"}}}}
    assert EventPattern.load(pipe["SourceParameters"]["FilterCriteria"]["Filters"][0]["Pattern"]).matches_event(record)
    assert machine_resource(synth, CLEANUP)["Properties"]["StateMachineType"] == "EXPRESS"
    statements = role_statements(synth, stack.machine_pipes[CLEANUP].role)
    by_action = {a: s["Resource"] for s in statements for a in actions(s)}
    assert set(by_action) == {"dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                              "dynamodb:ListStreams", "states:StartExecution", "sqs:SendMessage"}
    assert by_action["dynamodb:GetRecords"] == {"Fn::GetAtt": [app_table, "StreamArn"]}
    assert by_action["states:StartExecution"] == machine
    assert by_action["dynamodb:ListStreams"] == "*"
    assert_dead_letters(synth, stack.machine_pipes[CLEANUP], pipe, statements)
    own, other = (queue_logical_id(synth, c.dead_letters) for c in (stack.machine_pipes[CLEANUP], stack.enrichment_pipe))
    assert own != other  # one queue per pipe


def test_unique_cleanup_machine_role_reads_only_the_tenants_table(synth) -> None:
    stack = synth.stack
    statements = role_statements(synth, stack.machines[CLEANUP].role)
    dynamo = [(a, s["Resource"]) for s in statements for a in actions(s) if a.startswith("dynamodb:")]
    tenants = stack.resolve(stack.tenants_table.table_arn)
    assert dynamo == [("dynamodb:GetItem", tenants)]  # the constraint deletes run as the tenant
    assert any("sts:AssumeRole" in actions(s) for s in statements)
    # the records it could not clean go to its own queue, and only there
    queue = stack.queues["CleanupDeadLetterQueue"]
    sends = [(a, s["Resource"]) for s in statements for a in actions(s) if a.startswith("sqs:")]
    assert sends == [("sqs:SendMessage", stack.resolve(queue.queue_arn))]
    props = resources(synth, "AWS::SQS::Queue")[stack.resolve(stack.get_logical_id(queue.node.default_child))]
    assert props["Properties"]["SqsManagedSseEnabled"] is True  # it holds tenants' unique values
    assert props["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600


def test_lifecycle_rules(synth) -> None:
    stack = synth.stack
    rules = list(resources(synth, "AWS::Events::Rule").values())
    by_target = {json.dumps(r["Properties"]["Targets"][0]["Arn"]): r["Properties"] for r in rules}
    assert all(len(r["Properties"]["Targets"]) == 1 for r in rules)

    def rule_for(name: str) -> dict:
        return by_target[json.dumps(stack.resolve(stack.machines[name].machine.state_machine_arn))]

    bus = stack.resolve(stack.bus.event_bus_name)
    assert rule_for("tenant-stack-create")["EventPattern"] == {"source": ["tenants"], "detail-type": ["Tenant Created"]}
    assert rule_for("tenant-stack-create")["EventBusName"] == bus
    assert rule_for("tenant-stack-delete")["EventPattern"] == {"source": ["tenants"], "detail-type": ["Tenant Deleted"]}
    assert rule_for("tenant-stack-delete")["EventBusName"] == bus
    update = rule_for("tenant-stack-update")
    assert "EventBusName" not in update  # S3 notifications arrive on the default bus
    assert update["EventPattern"] == {"source": ["aws.s3"], "detail-type": ["Object Created"], "detail": {
        "bucket": {"name": [stack.resolve(stack.templates.bucket.bucket_name)]}, "object": {"key": [TEMPLATE_KEY]}}}


def test_template_bucket(synth) -> None:
    t = Template.from_json(synth.template)
    t.has_resource_properties("AWS::S3::Bucket", {
        "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                           "IgnorePublicAcls": True, "RestrictPublicBuckets": True}})
    t.has_resource_properties("AWS::S3::BucketPolicy", {"PolicyDocument": {"Statement": Match.array_with([
        Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})])}})
    t.has_resource_properties("Custom::S3BucketNotifications", {
        "NotificationConfiguration": {"EventBridgeConfiguration": {}}})


def test_template_uploaded_as_one_file_under_the_stable_key(synth) -> None:
    deployment = next(iter(resources(synth, "Custom::CDKBucketDeployment").values()))["Properties"]
    assert deployment["Prune"] is False and len(deployment["SourceObjectKeys"]) == 1
    asset = next(p for p in synth.outdir.glob("asset.*") if p.is_dir() and (p / TEMPLATE_KEY).exists())
    assert [p.name for p in asset.iterdir()] == [TEMPLATE_KEY]
    uploaded = json.loads((asset / TEMPLATE_KEY).read_text(encoding="utf-8"))
    nested = [p for p in synth.templates if "assembly-" in str(p)]
    assert len(nested) == 1 and uploaded == json.loads(nested[0].read_text(encoding="utf-8"))
    assert set(uploaded["Parameters"]) == {"TenantId", "RoleName", "AppTableName", "TenantCallerRoleArns",
                                           "PermissionsBoundaryArn"}


def test_provisioning_is_scoped_to_tenant_stacks_and_roles(synth) -> None:
    for name in ("tenant-stack-create", "tenant-stack-delete", "tenant-stack-update"):
        for statement in role_statements(synth, synth.stack.machines[name].role):
            resource = json.dumps(synth.stack.resolve(statement["Resource"]))
            for action in actions(statement):
                if action.startswith("cloudformation:"):
                    assert ':stack/tenant-*/*"' in resource, (name, action)
                elif action.startswith("iam:"):
                    assert ':role/tenant-role/*"' in resource, (name, action)
                elif action.startswith("s3:"):
                    assert action == "s3:GetObject" and f'/{TEMPLATE_KEY}"' in resource, (name, action)
                elif action.startswith("dynamodb:") and name == "tenant-stack-delete" and "AppTable" in resource:
                    # the purge finds a deleted tenant's items (keys only); its deletes run as the tenant
                    assert action == "dynamodb:Scan", (name, action)
                elif action.startswith("dynamodb:"):
                    assert "TenantsTable" in resource, (name, action)
            assert "iam:PassRole" not in actions(statement) and "*" not in actions(statement)


def test_every_task_action_is_granted(synth) -> None:
    for name, source in load_machines(synth.project).items():
        granted = {a for s in role_statements(synth, synth.stack.machines[name].role) for a in actions(s)}
        for use in task_uses(source.asl):
            assert ("sts:AssumeRole" if use.as_tenant else use.action) in granted, (name, use)


def test_tenant_role_path_and_stack_prefix_agree_everywhere(synth) -> None:
    """The tenant template's role path is what the machines assume and the lifecycle provisions; the stack
    names the lifecycle machines create are what their CloudFormation permissions cover."""
    from workflows.patterns.tenant_stacks import STACK_PREFIX

    [nested] = [p for p in synth.templates if "assembly-" in str(p)]
    path = json.loads(nested.read_text(encoding="utf-8"))["Resources"]["TenantRole"]["Properties"]["Path"]
    roles_end = f':role{path}*"]]}}'
    seen = set()
    for deployed in synth.stack.machines.values():
        for statement in role_statements(synth, deployed.role):
            resource = json.dumps(synth.stack.resolve(statement["Resource"]))
            for action in {"sts:AssumeRole", "iam:CreateRole", "cloudformation:CreateStack"} & set(actions(statement)):
                seen.add(action)
                if action.startswith("cloudformation:"):
                    assert resource.endswith(f':stack/{STACK_PREFIX}*/*"]]}}'), resource
                else:
                    assert resource.endswith(roles_end), (action, resource)
    assert seen == {"sts:AssumeRole", "iam:CreateRole", "cloudformation:CreateStack"}


def test_tenant_roles_trust_exactly_the_machines_that_run_tenant_tasks(synth) -> None:
    """Issue 12 item 6: the create and update machines pass TenantCallerRoleArns = the execution roles of the
    machines whose tasks use tenant Credentials (and no other), so tenant roles trust no one else."""
    callers = sorted(name for name, source in load_machines(synth.project).items()
                     if any(use.as_tenant for use in task_uses(source.asl)))
    assert callers and "tenant-stack-create" not in callers
    expected = {"Fn::Join": [",", [synth.stack.resolve(synth.stack.machines[n].role.role_arn) for n in callers]]}
    for name in ("tenant-stack-create", "tenant-stack-update"):
        substitutions = machine_resource(synth, name)["Properties"]["DefinitionSubstitutions"]
        assert substitutions["TenantCallers"] == expected, name
        boundary = synth.stack.resolve(synth.stack.tenant_boundary.arn)
        assert substitutions["TenantBoundary"] == boundary, name
    assert synth.template["Outputs"]["TenantCallers"]["Value"] == expected


def test_the_boundary_limits_tenant_roles_to_their_own_keys_of_the_app_table(synth) -> None:
    from workflows.patterns.tenant_stacks import TENANT_ACTIONS

    template = Template.from_json(synth.template)
    template.has_resource_properties("AWS::IAM::ManagedPolicy", {"PolicyDocument": {"Statement": [{
        "Effect": "Allow", "Action": list(TENANT_ACTIONS),
        "Resource": synth.stack.resolve(synth.stack.app_table.table_arn),
        "Condition": {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": [
            "${aws:PrincipalTag/TenantId}", "${aws:PrincipalTag/TenantId}#*"]}}}]}})


def test_lifecycle_machines_create_or_change_tenant_roles_only_with_the_boundary(synth) -> None:
    """Issue 12 item 7: every IAM call that sets what a tenant role may do carries the condition
    iam:PermissionsBoundary = the platform's boundary; removing a boundary is never granted
    (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html)."""
    from workflows.cdk.lifecycle import BOUNDED_PROVISIONING

    boundary = synth.stack.resolve(synth.stack.tenant_boundary.arn)
    for name in ("tenant-stack-create", "tenant-stack-delete", "tenant-stack-update"):
        granted = set()
        for statement in role_statements(synth, synth.stack.machines[name].role):
            bounded = set(actions(statement)) & set(BOUNDED_PROVISIONING)
            if bounded:
                assert statement["Condition"] == {"StringEquals": {"iam:PermissionsBoundary": boundary}}, name
            granted |= set(actions(statement))
            assert "iam:DeleteRolePermissionsBoundary" not in actions(statement)
        assert set(BOUNDED_PROVISIONING) <= granted, name
