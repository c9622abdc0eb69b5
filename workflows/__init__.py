"""saas-workflows: multi-tenant SaaS workflows for AWS Step Functions, compiled to ASL."""

__version__ = "0.1.0"
