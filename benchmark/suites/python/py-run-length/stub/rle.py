def rle_encode(text: str) -> str:
    raise NotImplementedError


def rle_decode(encoded: str) -> str:
    raise NotImplementedError
