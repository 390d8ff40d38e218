import json
import sys


def kind(value: object) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "number"


def main() -> int:
    with open(sys.argv[1]) as handle:
        data = json.load(handle)
    if not isinstance(data, dict):
        print("error: not an object", file=sys.stderr)
        return 1
    for key in sorted(data):
        print(f"{key} [{kind(data[key])}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
