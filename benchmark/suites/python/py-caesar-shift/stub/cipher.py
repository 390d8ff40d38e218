def shift_text(text: str, shift: int) -> str:
    raise NotImplementedError
