def transpose(matrix: list[list[int]]) -> list[list[int]]:
    raise NotImplementedError
