def letter_grade(score: int) -> str:
    raise NotImplementedError
