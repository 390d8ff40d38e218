def initials(full_name: str) -> str:
    raise NotImplementedError
