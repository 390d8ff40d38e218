def pick(data: object, path: str, default: object = None) -> object:
    raise NotImplementedError
