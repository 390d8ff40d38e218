import csv


def column_total(path: str, column: str) -> float:
    with open(path, newline="") as handle:
        reader = csv.DictReader(handle)
        if column not in (reader.fieldnames or []):
            raise KeyError(column)
        return float(sum(float(row[column]) for row in reader if row[column].strip()))
