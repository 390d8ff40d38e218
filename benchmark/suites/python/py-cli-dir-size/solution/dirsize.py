import os
import sys


def main() -> None:
    root = sys.argv[1]
    entries = []
    for folder, _dirs, names in os.walk(root):
        for name in names:
            full = os.path.join(folder, name)
            if os.path.isfile(full):
                rel = os.path.relpath(full, root).replace(os.sep, "/")
                entries.append((os.path.getsize(full), rel))
    for size, rel in sorted(entries, key=lambda e: (-e[0], e[1])):
        print(f"{size} {rel}")
    print(f"total {sum(size for size, _ in entries)}")


if __name__ == "__main__":
    main()
