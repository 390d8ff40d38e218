def count_vowels(text: str) -> dict[str, int]:
    lower = text.lower()
    return {v: lower.count(v) for v in "aeiou"}
