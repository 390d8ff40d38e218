def weekday_name(date_text: str) -> str:
    raise NotImplementedError
