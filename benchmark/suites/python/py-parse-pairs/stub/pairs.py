def parse_pairs(text: str) -> dict[str, str]:
    raise NotImplementedError
