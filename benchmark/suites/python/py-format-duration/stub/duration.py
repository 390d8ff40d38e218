def format_duration(seconds: int) -> str:
    raise NotImplementedError
