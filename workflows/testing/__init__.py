"""Test helpers for a project that uses saas-workflows: its machines, tenants and GraphQL API in pytest.

Why a package of its own: testing one new resolver end to end took a 90-line harness (tenant roles, an
execution role, tables, the APPSYNC_JS round trip). Here it is, once, tying the engine (``local``), the
patterns (the tenant template) and the project together, like the CLI does. The pytest plugin
(``workflows.testing.plugin``, registered through the ``pytest11`` entry point) gives every project's
tests the fixtures ``sfn_project``, ``sfn_target``, ``tenants``, ``sfn_call`` and ``graphql``; the
modules below are usable without pytest too:

- ``targets``: the in-process engine, a Step Functions endpoint (``workflows local``), a deployed stack
- ``tables``: the tables the machines need, read from their ASL
- ``tenants``: tenants from the tenant template (a CloudFormation stack each)
- ``calls``: a machine called with what its generated resolver sends
- ``graphql_client``: a GraphQL operation through graphql-core, the generated JS and the target
- ``resolver_js``: the generated APPSYNC_JS handlers under node (package data: ``js/``)
- ``endpoint``: ``workflows local`` in another process on a free port
- ``stack_outputs``: what a deployed stack's CloudFormation outputs say

Importing this package imports nothing heavy; each module imports what it needs.
"""
