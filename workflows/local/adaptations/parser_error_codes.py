"""Give moto's Step Functions parser errors their AWS error codes.

moto 5.2.5's ``moto.stepfunctions.parser.api`` declares each error's name as a ``code`` class
attribute (LocalStack's convention), but they derive from moto's ``AWSError``, which reads the
name from ``TYPE``. The name is therefore lost: a malformed execution input reaches a client
as an error with an empty code instead of ``InvalidExecutionInput``, and clients that branch
on the code (``except client.exceptions.InvalidExecutionInput``) cannot. Copying ``code`` into
``TYPE`` restores the AWS shape, in process and through the endpoint alike.
"""

from __future__ import annotations

import inspect

from moto.core.exceptions import AWSError
from moto.stepfunctions.parser import api as parser_api


def parser_error_classes() -> list[type[AWSError]]:
    """Every error class of the parser API that names itself only through ``code``."""
    return [
        cls
        for _, cls in inspect.getmembers(parser_api, inspect.isclass)
        if issubclass(cls, AWSError)
        and cls is not AWSError
        and isinstance(cls.__dict__.get("code"), str)
    ]


def install_parser_error_codes() -> int:
    """Set ``TYPE`` from ``code`` where moto left it empty; returns how many classes it fixed.

    Idempotent: a class whose ``TYPE`` is already set is left alone, so a moto release that
    fixes this upstream turns the adaptation into a no-op instead of overriding its choice.
    """
    fixed = 0
    for cls in parser_error_classes():
        if cls.__dict__.get("TYPE") is None:
            cls.TYPE = cls.__dict__["code"]
            fixed += 1
    return fixed


def install() -> None:
    """Part of ``install_all()``: the in-process engine and the endpoint both get AWS error codes."""
    install_parser_error_codes()
