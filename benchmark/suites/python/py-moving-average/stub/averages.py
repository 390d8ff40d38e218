def moving_average(values: list[float], window: int) -> list[float]:
    raise NotImplementedError
