def wrap_words(text: str, width: int) -> list[str]:
    raise NotImplementedError
