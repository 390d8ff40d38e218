def unique(items: list) -> list:
    return list(dict.fromkeys(items))
