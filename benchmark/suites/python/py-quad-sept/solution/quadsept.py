def quad_sept(n: int) -> list[str]:
    out = []
    for i in range(1, n + 1):
        word = ("Quad" if i % 4 == 0 else "") + ("Sept" if i % 7 == 0 else "")
        out.append(word or str(i))
    return out
