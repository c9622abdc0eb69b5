"""`workflows demo`: the whole multi-tenant story on a fresh embedded engine, checked as it goes.

Every step states what must happen and checks it; the command exits non-zero when any step does not
behave as stated, so CI runs it as a smoke test. The machines are the example project's, compiled exactly
as in asl/ (placeholders filled with their local defaults).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from workflows.patterns.appsync.features import FEATURES_KEY, encode_features, gate_features
from workflows.patterns.tenant_stacks import PLATFORM_PLACEHOLDERS, boundary_document, tenant_template
from workflows.project import example_project
from workflows.local.engine import ExecutionResult, LocalEngine
from workflows.local.runner import quiet_moto
from workflows.local.resources import create_bucket, create_role, create_table
from workflows.local.streams import as_pipes_json, read_stream

TENANTS = ("acme", "globex")
APP_TABLE, TENANTS_TABLE = "app-table", "tenants"
TEMPLATE_BUCKET, TEMPLATE_KEY = "tenant-templates", "tenant-stack.json"
# the role tenant roles trust (the tenant machines' local TenantCallers) and their boundary (TenantBoundary)
RESOLVER_ROLE = PLATFORM_PLACEHOLDERS["TenantCallers"].rsplit("/", 1)[-1]
TENANT_BOUNDARY = PLATFORM_PLACEHOLDERS["TenantBoundary"].rsplit("/", 1)[-1]
TENANT_EVENT_SOURCE = "tenants"  # what infra/'s EventBridge rules match for Tenant Created / Tenant Deleted
STEPS = {
    1: "Create two tenants (tenant-stack-create)",
    2: "Tenant data through the AppSync resolver machines",
    3: "Tenant isolation: the wrong tenant's key, a duplicate unique value, a feature the tenant lacks",
    4: "DynamoDB stream records through the Pipes enrichment machine",
    5: "A new template version updates every tenant (tenant-stack-update)",
    6: "Delete a tenant (tenant-stack-delete)",
}


class DemoFailure(AssertionError):
    """A step did not behave as the demo states."""


@dataclass
class Step:
    number: int
    title: str
    ok: bool = True
    transitions: int = 0
    lines: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    failure: str | None = None
    seconds: float = 0.0

    def say(self, text: str = "") -> None:
        self.lines.append(text)


@dataclass
class Demo:
    engine: LocalEngine
    steps: list[Step] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)

    # -- helpers -------------------------------------------------------------------------------
    def run(self, step: Step, machine: str, payload: Any) -> ExecutionResult:
        result = self.engine.run(machine, payload)
        step.transitions += result.transitions
        return result

    def resolver_input(self, tenant_id: str, role_arn: str, field_name: str, arguments: dict[str, Any]) -> dict:
        """What the generated APPSYNC_JS resolver sends as the execution input (see appsync/*.js).

        A feature-gated machine also gets ``features``, encoded as the Lambda authorizer encodes the
        tenant record's ``features`` attribute."""
        name, resolver = next((n, r) for n, r in example_project().resolvers().items() if r.field_name == field_name)
        wanted = resolver.arguments
        args = arguments if wanted is None else {k: v for k, v in arguments.items() if k in wanted}
        context = {"tenantId": tenant_id, "tenantRoleArn": role_arn}
        if name in self.gated():
            context[FEATURES_KEY] = self.tenant_features(tenant_id)
        return {"identity": {"resolverContext": context}, "arguments": args}

    def gated(self) -> set[str]:
        """The resolver machines behind a feature gate (built once)."""
        if "gated" not in self.state:
            self.state["gated"] = {name for name, flow in example_project().workflows().items()
                                   if flow.resolver is not None and gate_features(flow.build())}
        return self.state["gated"]

    def tenant_features(self, tenant_id: str) -> str:
        """The authorizer's ``resolverContext.features`` for a tenant: its record's features, encoded."""
        item = self.engine.client("dynamodb").get_item(TableName=TENANTS_TABLE, Key={"pk": {"S": tenant_id}})
        stored = item.get("Item", {}).get(FEATURES_KEY, {})
        return encode_features(stored.get("SS") or [v["S"] for v in stored.get("L", [])])

    def call(self, step: Step, field_name: str, tenant: str, arguments: dict[str, Any], *,
             role_of: str | None = None) -> tuple[dict[str, Any], ExecutionResult]:
        """Call a GraphQL field as tenant ``tenant`` (optionally with another tenant's role): what a client
        would get, ``{"data": ...}`` or ``{"errors": [...]}``, and the execution behind it."""
        machine = next(name for name, r in example_project().resolvers().items() if r.field_name == field_name)
        role = self.state["roles"][role_of or tenant]
        result = self.run(step, machine, self.resolver_input(tenant, role, field_name, arguments))
        if result.ok():
            return {"data": {field_name: result.output}}, result
        return {"errors": [{"path": [field_name], "errorType": result.error, "message": result.cause}]}, result

    def graphql(self, step: Step, field_name: str, tenant: str, arguments: dict[str, Any], *,
                role_of: str | None = None) -> dict[str, Any]:
        """What a client gets from a GraphQL field (see ``call``)."""
        return self.call(step, field_name, tenant, arguments, role_of=role_of)[0]


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise DemoFailure(message)


def _table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> list[str]:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*header), fmt.format(*("-" * w for w in widths))] + [fmt.format(*r) for r in rows]


def _pair(left_title: str, left: Any, right_title: str, right: Any) -> list[str]:
    out = [f"{left_title}:"] + ["  " + line for line in json.dumps(left, indent=2).splitlines()]
    out += [f"{right_title}:"] + ["  " + line for line in json.dumps(right, indent=2).splitlines()]
    return out


# -- the steps ---------------------------------------------------------------------------------
def setup(demo: Demo) -> None:
    engine = demo.engine
    create_table(engine, APP_TABLE, stream=True)
    create_table(engine, TENANTS_TABLE, sk=None)
    create_bucket(engine, TEMPLATE_BUCKET)
    engine.client("s3").put_object(Bucket=TEMPLATE_BUCKET, Key=TEMPLATE_KEY, Body=tenant_template())
    # The tenant roles' permissions boundary, as the platform stack creates it.
    engine.client("iam").create_policy(PolicyName=TENANT_BOUNDARY, PolicyDocument=json.dumps(boundary_document(
        f"arn:aws:dynamodb:{engine.region}:{engine.account_id}:table/{APP_TABLE}")))
    # The execution role of the machines that run tenant tasks (the resolvers, the unique cleanup): it may
    # assume tenant roles and nothing else (as in infra/), and it is the only role tenant roles trust.
    resolver_role = create_role(engine, RESOLVER_ROLE, policy_document={"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole",
        "Resource": f"arn:aws:iam::{engine.account_id}:role/tenant-role/*"}]})
    for name, flow in example_project().workflows().items():
        machine = flow.build()
        role = resolver_role if '"Credentials"' in json.dumps(machine.to_asl()) else None
        engine.create_state_machine(name, machine.substituted(), type=machine.type, role_arn=role)


def step_create(demo: Demo, step: Step) -> None:
    iam, ddb = demo.engine.client("iam"), demo.engine.client("dynamodb")
    rows, roles = [], {}
    for tenant in TENANTS:
        result = demo.run(step, "tenant-stack-create",
                          {"source": TENANT_EVENT_SOURCE, "detail-type": "Tenant Created", "detail": {"tenantId": tenant}})
        _check(result.ok(), f"tenant-stack-create {tenant}: {result.error}: {result.cause}")
        item = ddb.get_item(TableName=TENANTS_TABLE, Key={"pk": {"S": tenant}})["Item"]
        arn = item["tenantRoleArn"]["S"]
        role = iam.get_role(RoleName=arn.rsplit("/", 1)[-1])["Role"]
        stack = demo.engine.client("cloudformation").describe_stacks(StackName=item["stackName"]["S"])["Stacks"][0]
        _check(role["Path"] == "/tenant-role/", f"{tenant}'s role is not under /tenant-role/")
        _check(tenant not in role["RoleName"], f"{tenant}'s role name is derived from the tenant id")
        _check(stack["StackStatus"] == "CREATE_COMPLETE", f"{tenant}'s stack is {stack['StackStatus']}")
        roles[tenant] = arn
        rows.append((tenant, stack["StackName"], stack["StackStatus"], arn))
    demo.state["roles"] = roles
    step.say("Each tenant gets a CloudFormation stack; its role has a random name under /tenant-role/.")
    step.lines += _table(rows, ("tenant", "stack", "status", "tenant role"))
    step.facts["roles"] = roles


def step_data(demo: Demo, step: Step) -> None:
    a, b = TENANTS
    rows = []
    for tenant, count in ((a, 23), (b, 2)):
        first = {"id": "u00", "email": f"owner@{tenant}.example", "name": f"{tenant} owner", "admin": True,
                 "logins": 1}
        response = demo.graphql(step, "registerUser", tenant, {"input": first})
        _check("data" in response, f"registerUser for {tenant}: {response}")
        for i in range(1, count):
            user = {"id": f"u{i:02d}", "email": f"user{i}@{tenant}.example", "name": f"User {i}", "admin": False,
                    "logins": i}
            response = demo.graphql(step, "putUser", tenant, {"input": user})
            _check("data" in response, f"putUser for {tenant}: {response}")
        got = demo.graphql(step, "getUser", tenant, {"id": "u00"})
        _check(got.get("data", {}).get("getUser", {}).get("email") == first["email"],
               f"getUser for {tenant} returned {got}")
        updated = demo.graphql(step, "updateUser", tenant, {"id": "u00", "input": {"logins": 2, "name": "Owner",
                                                                                     "admin": True}})
        _check(updated.get("data", {}).get("updateUser", {}).get("logins") == 2, f"updateUser: {updated}")
        pages, token, seen = 0, None, []
        while True:
            page = demo.graphql(step, "listUsers", tenant, {"nextToken": token} if token else {})
            _check("data" in page, f"listUsers for {tenant}: {page}")
            body = page["data"]["listUsers"]
            seen += [item["id"] for item in body["items"]]
            pages += 1
            token = body.get("nextToken")
            if not token:
                break
        _check(len(seen) == count and len(set(seen)) == count, f"{tenant}: listUsers paged {len(seen)} of {count}")
        rows.append((tenant, str(count), str(pages), got["data"]["getUser"]["email"]))
        if tenant == a:
            demo.state["sample_get"] = got
    step.say("Inputs are what the generated APPSYNC_JS resolvers send: {identity.resolverContext, arguments}.")
    step.say("Every data task runs under the caller's tenant role; outputs are plain JSON (no DynamoDB JSON).")
    step.lines += _table(rows, ("tenant", "users written", "listUsers pages", "getUser(u00).email"))
    step.say("getUser as tenant acme returns:")
    step.lines += ["  " + line for line in json.dumps(demo.state["sample_get"], indent=2).splitlines()]


def step_isolation(demo: Demo, step: Step) -> None:
    a, b = TENANTS
    # Tenant acme's role (from its authorizer context) used with globex's tenant id: IAM refuses it.
    stolen = demo.graphql(step, "getUser", b, {"id": "u00"}, role_of=a)
    error = stolen.get("errors", [{}])[0]
    # one errorType for a cross-tenant denial, whichever integration met it; AWS's error stays in the message
    _check(error.get("errorType") == "Tenant.AccessDenied"
           and error.get("message", "").startswith("DynamoDB.AccessDeniedException: "),
           f"another tenant's key was not refused: {stolen}")
    _check(f"@{b}." not in json.dumps(stolen), "the refusal leaked the other tenant's data")
    dup = demo.graphql(step, "registerUser", a, {"input": {"id": "u99", "email": f"owner@{a}.example",
                                                          "name": "Copycat", "admin": False, "logins": 0}})
    dup_error = dup.get("errors", [{}])[0]
    _check(dup_error.get("errorType") == "UniqueConstraintViolation" and "email" in dup_error.get("message", ""),
           f"a duplicate email was not refused by name: {dup}")
    step.say(f"Tenant {a}'s role with tenant {b}'s key → the GraphQL error a client gets:")
    step.lines += ["  " + line for line in json.dumps(stolen, indent=2).splitlines()]
    step.say("A second user with the same email → the named error:")
    step.lines += ["  " + line for line in json.dumps(dup, indent=2).splitlines()]
    step_feature_gate(demo, step)


#: Features by tenant, as whoever manages tenants writes them on the tenants-table record (a plan is
#: only a collection of features); globex's record has no ``features`` attribute at all.
TENANT_FEATURES = {"acme": ("export",)}


def step_feature_gate(demo: Demo, step: Step) -> None:
    """exportUsers requires the feature ``export``: refused before any data call without it, data with it."""
    a, b = TENANTS
    ddb = demo.engine.client("dynamodb")
    for tenant, features in TENANT_FEATURES.items():
        ddb.update_item(TableName=TENANTS_TABLE, Key={"pk": {"S": tenant}}, UpdateExpression="ADD #f :f",
                        ExpressionAttributeNames={"#f": FEATURES_KEY},
                        ExpressionAttributeValues={":f": {"SS": list(features)}})
    refused, result = demo.call(step, "exportUsers", b, {})
    error = refused.get("errors", [{}])[0]
    _check(error.get("errorType") == "Feature.NotEnabled" and "export" in error.get("message", ""),
           f"a tenant without the export feature was not refused by name: {refused}")
    _check(not any(e["type"] == "TaskStateEntered" for e in result.history),
           f"the refused exportUsers made a data call: {result.state_names}")
    exported, _ = demo.call(step, "exportUsers", a, {})
    items = exported.get("data", {}).get("exportUsers", {}).get("items", [])
    _check(len(items) == 23 and all(u["email"].endswith(f"@{a}.example") for u in items),
           f"exportUsers for {a} (features {demo.tenant_features(a)}): {exported}")
    step.say(f"exportUsers needs the feature 'export'. Tenant {b}'s record has no features (resolverContext "
             f"features {demo.tenant_features(b)!r}); the machine stops at its first state, no data call:")
    step.lines += ["  " + line for line in json.dumps(refused, indent=2).splitlines()]
    step.say(f"Tenant {a}'s record has features {list(TENANT_FEATURES[a])} (resolverContext features "
             f"{demo.tenant_features(a)!r}): {len(items)} users in one page.")
    step.facts["features"] = {t: demo.tenant_features(t) for t in TENANTS}


def step_pipes(demo: Demo, step: Step) -> None:
    records = [as_pipes_json(r) for r in read_stream(demo.engine, APP_TABLE)]
    _check(len(records) > 0, "the app table's stream has no records")
    events: list[Any] = []
    for start in range(0, len(records), 10):  # batches of 10, as a pipe with BatchSize 10 sends them
        result = demo.run(step, "pipes-flatten-stream", records[start:start + 10])
        _check(result.ok(), f"pipes-flatten-stream: {result.error}: {result.cause}")
        events += result.output
    _check(len(events) == len(records), f"{len(records)} records in, {len(events)} events out")
    _check([e["eventId"] for e in events] == [r["eventID"] for r in records], "events are not in record order")
    sample = next(i for i, r in enumerate(records) if r["eventName"] == "MODIFY")
    step.say(f"{len(records)} stream records in {(len(records) + 9) // 10} batches → {len(events)} events, in order.")
    step.lines += _pair("raw stream record (what Pipes sends)", records[sample],
                        "flattened event (what the bus receives)", events[sample])


def step_update(demo: Demo, step: Step) -> None:
    doc = json.loads(tenant_template())
    doc["Description"] = doc.get("Description", "") + " (v2)"
    demo.engine.client("s3").put_object(Bucket=TEMPLATE_BUCKET, Key=TEMPLATE_KEY, Body=json.dumps(doc))
    result = demo.run(step, "tenant-stack-update", {
        "source": "aws.s3", "detail-type": "Object Created",
        "detail": {"bucket": {"name": TEMPLATE_BUCKET}, "object": {"key": TEMPLATE_KEY}}})
    _check(result.ok(), f"tenant-stack-update: {result.error}: {result.cause}")
    summary = result.output
    _check(summary.get("failed") == [], f"tenants failed: {summary}")
    _check(summary.get("updated", 0) + summary.get("unchanged", 0) == len(TENANTS), f"not every tenant: {summary}")
    step.say("The template object changed; every tenant's stack was updated from it:")
    step.lines += ["  " + line for line in json.dumps(summary, indent=2).splitlines()]


def step_delete(demo: Demo, step: Step) -> None:
    a, b = TENANTS
    role_name = demo.state["roles"][b].rsplit("/", 1)[-1]
    result = demo.run(step, "tenant-stack-delete",
                      {"source": TENANT_EVENT_SOURCE, "detail-type": "Tenant Deleted", "detail": {"tenantId": b}})
    _check(result.ok(), f"tenant-stack-delete: {result.error}: {result.cause}")
    iam = demo.engine.client("iam")
    try:
        iam.get_role(RoleName=role_name)
        gone = False
    except iam.exceptions.NoSuchEntityException:
        gone = True
    _check(gone, f"{b}'s role {role_name} still exists")
    still = demo.graphql(step, "getUser", a, {"id": "u00"})
    _check("data" in still and still["data"]["getUser"] is not None, f"{a} stopped working: {still}")
    after = demo.graphql(step, "getUser", b, {"id": "u00"})
    _check("errors" in after, f"{b}'s deleted role still reads data: {after}")
    rows = [(b, "deleted", "role gone (NoSuchEntity)", after["errors"][0]["errorType"]),
            (a, "active", "role present", "getUser ok")]
    step.lines += _table(rows, ("tenant", "status", "IAM", "a request now"))


RUNNERS: dict[int, Callable[[Demo, Step], None]] = {
    1: step_create, 2: step_data, 3: step_isolation, 4: step_pipes, 5: step_update, 6: step_delete}


def run_demo(until: int = 6) -> list[Step]:
    """Run steps 1..until on a fresh engine; a failed step stops the story (later steps need it)."""
    steps: list[Step] = []
    quiet_moto()  # the demo shows the errors itself
    with LocalEngine() as engine:
        demo = Demo(engine)
        setup(demo)
        for number in range(1, until + 1):
            step = Step(number, STEPS[number])
            started = time.perf_counter()
            try:
                RUNNERS[number](demo, step)
            except DemoFailure as exc:
                step.ok, step.failure = False, str(exc)
            step.seconds = time.perf_counter() - started
            steps.append(step)
            if not step.ok:
                break
    return steps


def render(steps: list[Step]) -> str:
    out: list[str] = []
    for step in steps:
        mark = "ok" if step.ok else "FAILED"
        out.append(f"== {step.number}. {step.title}  [{mark}; {step.transitions} state transitions; "
                   f"{step.seconds:.1f} s]")
        out += ["   " + line if line else "" for line in step.lines]
        if step.failure:
            out.append(f"   FAILED: {step.failure}")
        out.append("")
    return "\n".join(out)


def report(steps: list[Step]) -> dict[str, Any]:
    return {"ok": all(s.ok for s in steps) and bool(steps),
            "steps": [{"step": s.number, "title": s.title, "ok": s.ok, "transitions": s.transitions,
                       "seconds": round(s.seconds, 3), "failure": s.failure, "facts": s.facts, "lines": s.lines}
                      for s in steps]}
