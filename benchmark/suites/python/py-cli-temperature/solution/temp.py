import sys


def main() -> int:
    text = sys.argv[1] if len(sys.argv) > 1 else ""
    try:
        value, unit = float(text[:-1]), text[-1:]
    except ValueError:
        unit = ""
    if unit == "C":
        print(f"{value * 9 / 5 + 32:.1f}F")
    elif unit == "F":
        print(f"{(value - 32) * 5 / 9:.1f}C")
    else:
        print("error: bad temperature", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
