"""The example project's workflows: every module here is imported by discovery and registers its machines."""
