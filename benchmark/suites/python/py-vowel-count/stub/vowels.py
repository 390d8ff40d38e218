def count_vowels(text: str) -> dict[str, int]:
    raise NotImplementedError
