"""JSON Schema of every file kind, generated from the models, so editors check YAML as it is typed."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from rolebook.model.files import SCHEMA_MODELS

SCHEMA_DIR = Path("generator") / "schema"


def schemas() -> dict[str, str]:
    from rolebook.model.review import ReviewFile

    models: dict[str, type[BaseModel]] = {**SCHEMA_MODELS, "review": ReviewFile}
    out = {}
    for name, model in models.items():
        schema = model.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"{name}.schema.json"
        out[f"{name}.schema.json"] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return out
