def initials(full_name: str) -> str:
    return "".join(word[0].upper() + "." for word in full_name.split())
