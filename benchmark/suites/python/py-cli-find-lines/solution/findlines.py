import sys


def main(argv: list[str]) -> int:
    ignore_case = argv[0] == "-i"
    if ignore_case:
        argv = argv[1:]
    needle, path = argv[0], argv[1]
    found = False
    with open(path) as handle:
        for number, line in enumerate(handle.read().splitlines(), 1):
            hay, pin = (line.lower(), needle.lower()) if ignore_case else (line, needle)
            if pin in hay:
                print(f"{number}:{line}")
                found = True
    return 0 if found else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
