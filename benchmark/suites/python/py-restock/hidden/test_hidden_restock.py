import unittest

from inventory import restock


class HiddenTests(unittest.TestCase):
    def test_01(self):
        self.assertEqual(restock({"apple": 2}, [("apple", 3), ("pear", 1), ("apple", 1)]), {"apple": 6, "pear": 1})

    def test_02(self):
        self.assertEqual(restock({}, []), {})

    def test_03(self):
        self.assertEqual(restock({"a": 1}, []), {"a": 1})

    def test_04(self):
        self.assertEqual(restock({}, [("x", 0)]), {"x": 0})

    def test_inventory_unchanged(self):
        stock = {"nut": 1}
        result = restock(stock, [("nut", 4)])
        self.assertEqual(stock, {"nut": 1})
        self.assertEqual(result, {"nut": 5})

if __name__ == "__main__":
    unittest.main()
