def digital_root(n: int) -> int:
    raise NotImplementedError
