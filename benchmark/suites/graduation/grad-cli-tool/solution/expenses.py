"""A small expense tracker kept in expenses.csv."""

import csv
import os
import sys

STORE = "expenses.csv"
HEADER = ["id", "amount", "category", "note"]
USAGE = "usage: expenses.py add AMOUNT CATEGORY [NOTE] | list | summary | delete ID"


def load() -> list[dict]:
    if not os.path.exists(STORE):
        return []
    with open(STORE, newline="") as handle:
        return list(csv.DictReader(handle))


def save(rows: list[dict]) -> None:
    with open(STORE, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)


def fail(message: str, code: int = 1) -> int:
    print(message, file=sys.stderr)
    return code


def next_id(rows: list[dict]) -> int:
    return max((int(r["id"]) for r in rows), default=0) + 1


def main(argv: list[str]) -> int:
    rows = load()
    if len(argv) in (3, 4) and argv[0] == "add":
        try:
            amount = float(argv[1])
        except ValueError:
            amount = 0.0
        if not amount > 0:
            return fail("error: amount must be a positive number")
        new = {"id": str(next_id(rows)), "amount": f"{amount:.2f}", "category": argv[2],
               "note": argv[3] if len(argv) == 4 else ""}
        rows.append(new)
        save(rows)
        print(f"added {new['id']}: {new['amount']} {new['category']}")
    elif argv == ["list"]:
        if not rows:
            print("no expenses")
        for row in sorted(rows, key=lambda r: int(r["id"])):
            parts = [row["id"], row["amount"], row["category"]] + ([row["note"]] if row["note"] else [])
            print("  ".join(parts))
    elif argv == ["summary"]:
        totals: dict[str, float] = {}
        for row in rows:
            totals[row["category"]] = totals.get(row["category"], 0.0) + float(row["amount"])
        for category in sorted(totals):
            print(f"{category}: {totals[category]:.2f}")
        print(f"total: {sum(totals.values()):.2f}")
    elif len(argv) == 2 and argv[0] == "delete":
        kept = [r for r in rows if r["id"] != argv[1]]
        if len(kept) == len(rows):
            return fail(f"error: no expense {argv[1]}")
        save(kept)
        print(f"deleted {argv[1]}")
    else:
        return fail(USAGE, 2)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
