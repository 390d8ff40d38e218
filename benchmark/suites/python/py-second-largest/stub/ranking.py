def second_largest(numbers: list[int]) -> int | None:
    raise NotImplementedError
