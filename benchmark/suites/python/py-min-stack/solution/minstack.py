class MinStack:
    def __init__(self) -> None:
        self._items: list[int] = []
        self._mins: list[int] = []

    def push(self, value: int) -> None:
        self._items.append(value)
        self._mins.append(value if not self._mins else min(value, self._mins[-1]))

    def pop(self) -> int:
        if not self._items:
            raise IndexError("pop from empty stack")
        self._mins.pop()
        return self._items.pop()

    def peek(self) -> int:
        if not self._items:
            raise IndexError("peek at empty stack")
        return self._items[-1]

    def minimum(self) -> int:
        if not self._mins:
            raise IndexError("minimum of empty stack")
        return self._mins[-1]

    def __len__(self) -> int:
        return len(self._items)
