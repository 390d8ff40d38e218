class Account:
    def __init__(self, owner: str) -> None:
        raise NotImplementedError
