class MinStack:
    def __init__(self) -> None:
        raise NotImplementedError
