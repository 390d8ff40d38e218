def chunk(items: list, size: int) -> list[list]:
    raise NotImplementedError
