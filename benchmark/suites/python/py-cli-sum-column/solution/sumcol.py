import csv
import sys


def main() -> int:
    path, column = sys.argv[1], sys.argv[2]
    with open(path, newline="") as handle:
        reader = csv.DictReader(handle)
        if column not in (reader.fieldnames or []):
            print(f"error: no column {column}", file=sys.stderr)
            return 2
        total = sum(float(row[column]) for row in reader if row[column].strip())
    print(f"{total:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
