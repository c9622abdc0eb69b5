"""CDK constructs for a saas-workflows project (the ``cdk`` extra)."""
