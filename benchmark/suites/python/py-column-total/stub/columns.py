def column_total(path: str, column: str) -> float:
    raise NotImplementedError
