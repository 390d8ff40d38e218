import sys
from collections import Counter


def main() -> None:
    with open(sys.argv[1]) as handle:
        words = [w.lower().strip(".,!?;:\"'()") for w in handle.read().split()]
    counts = Counter(w for w in words if w)
    for word, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        print(f"{word}: {count}")


if __name__ == "__main__":
    main()
