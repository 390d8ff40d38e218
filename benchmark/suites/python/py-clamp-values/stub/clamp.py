def clamp_all(values: list[float], low: float, high: float) -> list[float]:
    raise NotImplementedError
