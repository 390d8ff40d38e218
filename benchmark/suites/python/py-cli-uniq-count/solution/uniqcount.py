import sys


def main() -> None:
    counts: dict[str, int] = {}
    for line in sys.stdin.read().splitlines():
        counts[line] = counts.get(line, 0) + 1
    for line, count in counts.items():
        print(f"{count} {line}")


if __name__ == "__main__":
    main()
