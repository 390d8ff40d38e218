def restock(inventory: dict[str, int], deliveries: list[tuple[str, int]]) -> dict[str, int]:
    raise NotImplementedError
