def parse_pairs(text: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for segment in text.split(";"):
        if not segment.strip():
            continue
        if "=" not in segment:
            raise ValueError(f"no '=' in {segment!r}")
        key, value = segment.split("=", 1)
        result[key.strip()] = value.strip()
    return result
