def clamp_all(values: list[float], low: float, high: float) -> list[float]:
    return [min(max(v, low), high) for v in values]
