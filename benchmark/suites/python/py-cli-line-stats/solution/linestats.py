import sys


def main() -> None:
    with open(sys.argv[1]) as handle:
        text = handle.read()
    lines = text.count("\n") + (1 if text and not text.endswith("\n") else 0)
    print(f"lines: {lines}")
    print(f"words: {len(text.split())}")
    print(f"chars: {len(text)}")


if __name__ == "__main__":
    main()
