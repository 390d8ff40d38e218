def restock(inventory: dict[str, int], deliveries: list[tuple[str, int]]) -> dict[str, int]:
    result = dict(inventory)
    for item, quantity in deliveries:
        result[item] = result.get(item, 0) + quantity
    return result
