"""Canonical JSON text: the byte-for-byte form of every file in asl/.

Key order is decided by the model (ASL order), never sorted here, so the text reads like the spec.
"""

from __future__ import annotations

import json
from typing import Any


def canonical_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"
