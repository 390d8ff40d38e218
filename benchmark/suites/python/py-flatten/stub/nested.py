def flatten(nested: list) -> list:
    raise NotImplementedError
