"""Export the messages' JSON Schemas: one file per message type."""

from __future__ import annotations

import json
from pathlib import Path

from crewmux.protocol.messages import MESSAGE_TYPES
from crewmux.protocol.plan import Plan

SCHEMA_DIR = Path(__file__).parent / "schemas"


def all_schemas() -> dict[str, dict]:
    """File name -> schema, for every message type and for the plan."""
    schemas = {f"{name}.json": model.model_json_schema() for name, model in MESSAGE_TYPES.items()}
    schemas["plan_document.json"] = Plan.model_json_schema()
    return schemas


def render(schema: dict) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def write_schemas(out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in all_schemas().items():
        path = out_dir / name
        path.write_text(render(schema))
        written.append(path)
    return written
