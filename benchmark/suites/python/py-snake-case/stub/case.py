def to_snake(name: str) -> str:
    raise NotImplementedError
