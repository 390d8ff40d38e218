import sys

with open(sys.argv[1]) as handle:
    for line in handle:
        if line.strip():
            print(f"hello, {line.strip()}")
