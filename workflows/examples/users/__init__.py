"""The example domain: a tenant's Users, unique by email, with the tenant lifecycle and stream enrichment.

``machines`` holds its workflows (the configured package), ``demo`` the story `workflows demo` tells.
"""
