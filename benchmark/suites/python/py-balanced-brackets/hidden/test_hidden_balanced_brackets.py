import unittest

from brackets import is_balanced


class HiddenTests(unittest.TestCase):
    def test_01(self):
        self.assertEqual(is_balanced("f(a[1]) {x}"), True)

    def test_02(self):
        self.assertEqual(is_balanced("([)]"), False)

    def test_03(self):
        self.assertEqual(is_balanced(""), True)

    def test_04(self):
        self.assertEqual(is_balanced("(()"), False)

    def test_05(self):
        self.assertEqual(is_balanced("())"), False)

    def test_06(self):
        self.assertEqual(is_balanced("}{"), False)

    def test_07(self):
        self.assertEqual(is_balanced("{[()()]}"), True)

    def test_08(self):
        self.assertEqual(is_balanced("no brackets"), True)


if __name__ == "__main__":
    unittest.main()
