import sys


def main() -> int:
    numbers = []
    for piece in sys.stdin.read().split():
        try:
            numbers.append(float(piece))
        except ValueError:
            print(f"error: not a number: {piece}", file=sys.stderr)
            return 1
    print(f"count: {len(numbers)}")
    if numbers:
        print(f"min: {min(numbers):.2f}")
        print(f"max: {max(numbers):.2f}")
        print(f"mean: {sum(numbers) / len(numbers):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
