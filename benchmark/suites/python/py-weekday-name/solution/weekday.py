from datetime import datetime

DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def weekday_name(date_text: str) -> str:
    return DAYS[datetime.strptime(date_text, "%Y-%m-%d").weekday()]
