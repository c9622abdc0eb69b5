"""IAM for the local engine: enough of AWS's policy evaluation to make tenant isolation testable.

moto neither honours a Task's ``Credentials.RoleArn`` nor evaluates ``dynamodb:LeadingKeys``, so
a workflow that leaks one tenant's data into another would pass every local test. This package
holds the pieces the ``credentials`` adaptation composes:

- ``policy``: evaluate identity and trust policies against one request (pure, no moto).
- ``requests``: turn one service call (operation + parameters) into the IAM requests AWS checks.
- ``roles``: resolve a task role ARN against moto's IAM (format, existence, trust, AssumeRole).
"""
