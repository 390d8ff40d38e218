def quad_sept(n: int) -> list[str]:
    raise NotImplementedError
