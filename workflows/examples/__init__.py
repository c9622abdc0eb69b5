"""Example projects shipped with the package so that ``workflows demo`` runs on a fresh install.

Each is a project like any user's, found through its own ``saas-workflows.toml``; the library (core,
patterns, the engine, the CLI) never imports them by name.
"""
