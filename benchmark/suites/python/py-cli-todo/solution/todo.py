import json
import os
import sys

STORE = "todo.json"


def load() -> list[dict]:
    if not os.path.exists(STORE):
        return []
    with open(STORE) as handle:
        return json.load(handle)


def save(items: list[dict]) -> None:
    with open(STORE, "w") as handle:
        json.dump(items, handle)


def main(argv: list[str]) -> int:
    items = load()
    if argv[0] == "add":
        items.append({"text": " ".join(argv[1:]), "done": False})
        save(items)
        print(f"added {len(items)}")
    elif argv[0] == "list":
        for number, item in enumerate(items, 1):
            print(f"{number}. [{'x' if item['done'] else ' '}] {item['text']}")
    elif argv[0] == "done":
        number = int(argv[1])
        if not 1 <= number <= len(items):
            print(f"error: no item {number}", file=sys.stderr)
            return 1
        items[number - 1]["done"] = True
        save(items)
        print(f"done {number}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
