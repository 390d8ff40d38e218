import sys


def main() -> int:
    a, op, b = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    if op == "+":
        print(a + b)
    elif op == "-":
        print(a - b)
    elif op == "x":
        print(a * b)
    elif op == "/":
        if b == 0:
            print("error: division by zero", file=sys.stderr)
            return 1
        print(f"{a / b:.2f}")
    else:
        print("error: unknown operator", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
